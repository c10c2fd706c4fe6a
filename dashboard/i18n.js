/* i18n.js - the page's labels in English and Chinese, and the time formatting of the site's zone.
 * Classic script: defines window.StewardI18n. */
(function () {
  "use strict";

  var labels = {
    en: {
      title: "Steward control room",
      alarms: "Active alarms",
      workorders: "Open work orders",
      gateways: "Gateways",
      points: "Live values",
      events: "Event stream",
      site: "Site",
      state: "State",
      priority: "Priority",
      value: "Value",
      asset: "Asset",
      location: "Location",
      since: "Since",
      actions: "Actions",
      title_col: "Title",
      owner: "Owner",
      status: "Status",
      escalation: "Escalation",
      deadline: "Next deadline",
      store: "Store",
      last_seen: "Last seen",
      version: "Version",
      point: "Point",
      quality: "Quality",
      trend: "Last 15 min",
      time: "Time",
      type: "Type",
      detail: "Detail",
      ack: "Ack",
      shelve: "Shelve",
      unshelve: "Unshelve",
      accept: "Accept",
      on_site: "On site",
      resolve: "Resolve",
      close: "Close",
      cancel: "Cancel",
      none_alarms: "No active alarms",
      none_wos: "No open work orders",
      none_gateways: "No gateway seen yet",
      none_points: "No values yet",
      none_events: "No events yet",
      flood: "Alarm flood at {site}: {n} alarms raised within {w}. Handle emergencies first.",
      emergency_banner: "NEW EMERGENCY: {title} ({site}). Acknowledge to silence.",
      sound_off: "Sound off: click to enable",
      sound_on: "Sound on",
      connected: "connected",
      connecting: "connecting",
      disconnected: "broker connection lost",
      operator: "Operator",
      operator_ask: "Your name (sent with every command as \u201cby\u201d)",
      key_ask: "Signing key (only if this gateway requires signed commands; kept in memory only)",
      shelve_for: "Shelve for",
      ok: "OK",
      dismiss: "Cancel",
      sent: "sent\u2026",
      accepted_cmd: "done",
      refused: "refused: {e}",
      needs_key: "this gateway requires signed commands: enter your key",
      online: "online",
      offline: "offline",
      missed: "missed {d} ago",
      left: "{d} left",
      ago: "{d} ago",
      dl_notify_by: "accept by",
      dl_respond_by: "on site by",
      dl_resolve_by: "resolve by",
      dl_follow_up_due: "follow-up",
      st_active_unack: "active, unacknowledged",
      st_active_ack: "active, acknowledged",
      st_rtn_unack: "returned, unacknowledged",
      st_shelved: "shelved",
      st_normal: "normal",
      pr_emergency: "emergency",
      pr_urgent: "urgent",
      pr_normal: "normal",
      pr_info: "info",
      ws_open: "open",
      ws_accepted: "accepted",
      ws_on_site: "on site",
      ws_resolved: "resolved",
      level: "level {n}",
      lang: "\u4e2d\u6587",
      tz: "Time zone",
      latched: "latched",
      by: "by {n}"
    },
    zh: {
      title: "Steward \u76d1\u63a7\u4e2d\u5fc3",
      alarms: "\u6d3b\u52a8\u62a5\u8b66",
      workorders: "\u672a\u5b8c\u6210\u5de5\u5355",
      gateways: "\u7f51\u5173",
      points: "\u5b9e\u65f6\u6570\u636e",
      events: "\u4e8b\u4ef6\u6d41",
      site: "\u7ad9\u70b9",
      state: "\u72b6\u6001",
      priority: "\u4f18\u5148\u7ea7",
      value: "\u6570\u503c",
      asset: "\u8bbe\u5907",
      location: "\u4f4d\u7f6e",
      since: "\u6301\u7eed",
      actions: "\u64cd\u4f5c",
      title_col: "\u6807\u9898",
      owner: "\u8d1f\u8d23\u4eba",
      status: "\u72b6\u6001",
      escalation: "\u5347\u7ea7",
      deadline: "\u4e0b\u4e00\u671f\u9650",
      store: "\u5b58\u50a8",
      last_seen: "\u6700\u540e\u6d88\u606f",
      version: "\u7248\u672c",
      point: "\u6d4b\u70b9",
      quality: "\u8d28\u91cf",
      trend: "\u8fd1 15 \u5206\u949f",
      time: "\u65f6\u95f4",
      type: "\u7c7b\u578b",
      detail: "\u8be6\u60c5",
      ack: "\u786e\u8ba4",
      shelve: "\u6401\u7f6e",
      unshelve: "\u53d6\u6d88\u6401\u7f6e",
      accept: "\u63a5\u5355",
      on_site: "\u5df2\u5230\u573a",
      resolve: "\u5df2\u89e3\u51b3",
      close: "\u5173\u95ed",
      cancel: "\u53d6\u6d88",
      none_alarms: "\u65e0\u6d3b\u52a8\u62a5\u8b66",
      none_wos: "\u65e0\u672a\u5b8c\u6210\u5de5\u5355",
      none_gateways: "\u5c1a\u672a\u53d1\u73b0\u7f51\u5173",
      none_points: "\u5c1a\u65e0\u6570\u636e",
      none_events: "\u5c1a\u65e0\u4e8b\u4ef6",
      flood: "{site} \u62a5\u8b66\u6d2a\u6d41\uff1a{w} \u5185\u89e6\u53d1 {n} \u6761\u62a5\u8b66\uff0c\u8bf7\u5148\u5904\u7406\u7d27\u6025\u62a5\u8b66\u3002",
      emergency_banner: "\u65b0\u7d27\u6025\u62a5\u8b66\uff1a{title}\uff08{site}\uff09\uff0c\u786e\u8ba4\u540e\u505c\u6b62\u63d0\u793a\u3002",
      sound_off: "\u58f0\u97f3\u5df2\u5173\uff1a\u70b9\u51fb\u5f00\u542f",
      sound_on: "\u58f0\u97f3\u5df2\u5f00",
      connected: "\u5df2\u8fde\u63a5",
      connecting: "\u8fde\u63a5\u4e2d",
      disconnected: "\u4e0e\u670d\u52a1\u5668\u7684\u8fde\u63a5\u4e2d\u65ad",
      operator: "\u503c\u73ed\u5458",
      operator_ask: "\u60a8\u7684\u59d3\u540d\uff08\u6bcf\u6761\u547d\u4ee4\u7684 \u201cby\u201d\uff09",
      key_ask: "\u7b7e\u540d\u5bc6\u94a5\uff08\u4ec5\u5f53\u7f51\u5173\u8981\u6c42\u7b7e\u540d\u547d\u4ee4\u65f6\uff1b\u53ea\u4fdd\u5b58\u5728\u5185\u5b58\u4e2d\uff09",
      shelve_for: "\u6401\u7f6e\u65f6\u957f",
      ok: "\u786e\u5b9a",
      dismiss: "\u53d6\u6d88",
      sent: "\u5df2\u53d1\u9001\u2026",
      accepted_cmd: "\u5df2\u6267\u884c",
      refused: "\u88ab\u62d2\u7edd\uff1a{e}",
      needs_key: "\u6b64\u7f51\u5173\u8981\u6c42\u7b7e\u540d\u547d\u4ee4\uff1a\u8bf7\u8f93\u5165\u5bc6\u94a5",
      online: "\u5728\u7ebf",
      offline: "\u79bb\u7ebf",
      missed: "\u5df2\u8d85\u65f6 {d}",
      left: "\u5269\u4f59 {d}",
      ago: "{d} \u524d",
      dl_notify_by: "\u63a5\u5355\u671f\u9650",
      dl_respond_by: "\u5230\u573a\u671f\u9650",
      dl_resolve_by: "\u89e3\u51b3\u671f\u9650",
      dl_follow_up_due: "\u56de\u8bbf",
      st_active_unack: "\u62a5\u8b66\u4e2d\uff0c\u672a\u786e\u8ba4",
      st_active_ack: "\u62a5\u8b66\u4e2d\uff0c\u5df2\u786e\u8ba4",
      st_rtn_unack: "\u5df2\u6062\u590d\uff0c\u672a\u786e\u8ba4",
      st_shelved: "\u5df2\u6401\u7f6e",
      st_normal: "\u6b63\u5e38",
      pr_emergency: "\u7d27\u6025",
      pr_urgent: "\u91cd\u8981",
      pr_normal: "\u4e00\u822c",
      pr_info: "\u63d0\u793a",
      ws_open: "\u5f85\u63a5\u5355",
      ws_accepted: "\u5df2\u63a5\u5355",
      ws_on_site: "\u5df2\u5230\u573a",
      ws_resolved: "\u5df2\u89e3\u51b3",
      level: "\u7b2c {n} \u7ea7",
      lang: "English",
      tz: "\u65f6\u533a",
      latched: "\u5df2\u9501\u5b58",
      by: "\u7531 {n}"
    }
  };

  var lang = "en";
  var zone = undefined; /* undefined: the browser's */
  var fmt = null;

  function t(key, vars) {
    var s = (labels[lang] && labels[lang][key]) || labels.en[key] || key;
    if (vars) {
      s = s.replace(/\{(\w+)\}/g, function (m, k) {
        return vars[k] !== undefined ? String(vars[k]) : m;
      });
    }
    return s;
  }

  function setLang(l) {
    lang = labels[l] ? l : "en";
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    var els = document.querySelectorAll("[data-i18n]");
    for (var i = 0; i < els.length; i++) els[i].textContent = t(els[i].getAttribute("data-i18n"));
  }

  /* Sets the zone (an IANA name, or undefined for the browser's); returns false if unknown. */
  function setZone(z) {
    try {
      fmt = new Intl.DateTimeFormat("en-CA", {
        timeZone: z, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
        minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "longOffset"
      });
      zone = z;
      return true;
    } catch (e) {
      if (z !== undefined) return setZone(undefined) && false;
      throw e;
    }
  }

  function parts(ms) {
    var o = {};
    fmt.formatToParts(new Date(ms)).forEach(function (p) { o[p.type] = p.value; });
    return o;
  }

  /* "GMT+08:00" -> "+08:00"; "GMT" -> "+00:00". */
  function offsetOf(ms) {
    var n = parts(ms).timeZoneName || "GMT";
    var m = /GMT([+-]\d\d:\d\d)/.exec(n);
    return m ? m[1] : "+00:00";
  }

  /* A UTC instant (ms) as "YYYY-MM-DD HH:MM:SS +08:00" in the site's zone. */
  function dateTime(ms) {
    if (!isFinite(ms)) return "";
    var p = parts(ms);
    return p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute + ":" + p.second +
      " " + offsetOf(ms);
  }

  /* Only the time of day, with the offset. */
  function timeOfDay(ms) {
    if (!isFinite(ms)) return "";
    var p = parts(ms);
    return p.hour + ":" + p.minute + ":" + p.second + " " + offsetOf(ms);
  }

  function zoneName() {
    return zone || Intl.DateTimeFormat().resolvedOptions().timeZone || "local";
  }

  /* A duration in ms as "1d 02:03:04", "02:03:04" or "03:04". */
  function duration(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
    s = s % 60;
    function two(n) { return n < 10 ? "0" + n : String(n); }
    var hms = (h || d ? two(h) + ":" : "") + two(m) + ":" + two(s);
    return d ? d + "d " + hms : hms;
  }

  setZone(undefined);
  window.StewardI18n = {
    t: t, setLang: setLang, lang: function () { return lang; }, setZone: setZone,
    zoneName: zoneName, offsetOf: offsetOf, dateTime: dateTime, timeOfDay: timeOfDay,
    duration: duration, labels: labels
  };
})();
