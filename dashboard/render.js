/* render.js - draws the store into the page. Rows are keyed (data-key) and updated in place, so
 * a button under the operator's finger is not replaced by a new one on every message. Classic
 * script: defines window.StewardRender. */
(function () {
  "use strict";

  var I = window.StewardI18n, S = window.StewardStore;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function setText(e, s) {
    s = s === undefined || s === null ? "" : String(s);
    if (e.textContent !== s) e.textContent = s;
  }

  function setClass(e, c) { if (e.className !== c) e.className = c; }

  /* Makes tbody's rows those of items, in order: create(item) makes a row, update(row, item)
   * refreshes it. Rows of items that are gone are removed. */
  function reconcile(tbody, items, keyOf, create, update, emptyText, cols) {
    var have = {}, rows = tbody.children;
    for (var i = 0; i < rows.length; i++) {
      var k = rows[i].getAttribute("data-key");
      if (k !== null) have[k] = rows[i];
    }
    var want = {};
    var prev = null;
    items.forEach(function (it) {
      var key = keyOf(it);
      want[key] = true;
      var row = have[key];
      if (!row) {
        row = create(it);
        row.setAttribute("data-key", key);
      }
      update(row, it);
      var next = prev ? prev.nextSibling : tbody.firstChild;
      if (next !== row) tbody.insertBefore(row, next);
      prev = row;
    });
    Object.keys(have).forEach(function (k) { if (!want[k]) tbody.removeChild(have[k]); });
    var empty = tbody.querySelector("tr.empty");
    if (!items.length && !empty) {
      empty = el("tr", "empty");
      var td = el("td", "", emptyText);
      td.colSpan = cols;
      empty.appendChild(td);
      tbody.appendChild(empty);
    } else if (items.length && empty) {
      tbody.removeChild(empty);
    } else if (empty) {
      setText(empty.firstChild, emptyText);
    }
  }

  function siteName(prefix) {
    var p = prefix.split("/");
    return p[p.length - 1];
  }

  function fmtValue(v, unit) {
    if (v === undefined || v === null) return "";
    if (typeof v === "number") v = Number.isInteger(v) ? String(v)
      : v.toFixed(v < 10 && v > -10 ? 2 : 1);
    return unit ? v + " " + unit : String(v);
  }

  function cell(row, n) { return row.children[n]; }

  /* ---- alarms ---- */
  function alarmRow(app) {
    return function (a) {
      var tr = el("tr");
      ["site", "prio", "state", "title", "value", "asset", "location", "since", "actions"]
        .forEach(function (c) { tr.appendChild(el("td", "c-" + c)); });
      var act = cell(tr, 8);
      var ack = el("button", "ack"), shelve = el("button", "shelve"),
        unshelve = el("button", "unshelve"), res = el("span", "result");
      ack.addEventListener("click", function () { app.ack(tr.getAttribute("data-key")); });
      shelve.addEventListener("click", function () { app.shelve(tr.getAttribute("data-key")); });
      unshelve.addEventListener("click", function () {
        app.unshelve(tr.getAttribute("data-key"));
      });
      act.appendChild(ack);
      act.appendChild(shelve);
      act.appendChild(unshelve);
      act.appendChild(res);
      return tr;
    };
  }

  function updateAlarm(app) {
    return function (tr, a) {
      var unack = a.state === "active_unack" || a.state === "rtn_unack";
      setClass(tr, "prio-" + a.priority + " st-" + a.state +
        (unack && a.priority === "emergency" ? " flash" : ""));
      tr.setAttribute("data-state", a.state);
      tr.setAttribute("data-priority", a.priority);
      tr.setAttribute("data-acked-by", a.acked_by || "");
      setText(cell(tr, 0), siteName(a._site));
      setText(cell(tr, 1), I.t("pr_" + a.priority));
      var st = I.t("st_" + a.state);
      if (a.latched) st += " \u00b7 " + I.t("latched");
      if (a.acked_by) st += " \u00b7 " + I.t("by", { n: a.acked_by });
      if (a.state === "shelved" && a.shelved_until)
        st += " \u2192 " + I.timeOfDay(S.parseTs(a.shelved_until));
      setText(cell(tr, 2), st);
      setText(cell(tr, 3), a.title || a.id);
      setText(cell(tr, 4), fmtValue(a.value));
      setText(cell(tr, 5), a.asset);
      setText(cell(tr, 6), a.location);
      var since = S.parseTs(a.active_since);
      cell(tr, 7).setAttribute("data-since", isFinite(since) ? since : "");
      cell(tr, 7).title = isFinite(since) ? I.dateTime(since) : "";
      var b = cell(tr, 8).children;
      setText(b[0], I.t("ack"));
      setText(b[1], I.t("shelve"));
      setText(b[2], I.t("unshelve"));
      b[0].hidden = !unack;
      b[1].hidden = a.priority === "emergency" || a.state === "shelved";
      b[2].hidden = a.state !== "shelved";
      var r = app.results[a._key];
      setText(b[3], r ? r.text : "");
      setClass(b[3], "result" + (r ? " " + r.cls : ""));
    };
  }

  /* ---- work orders ---- */
  var NEXT = {
    open: ["accepted", "on_site", "resolved", "cancelled"],
    accepted: ["on_site", "resolved", "cancelled"],
    on_site: ["resolved", "cancelled"],
    resolved: ["closed"]
  };
  var BTN = { accepted: "accept", on_site: "on_site", resolved: "resolve", closed: "close",
    cancelled: "cancel" };

  function woRow(app) {
    return function () {
      var tr = el("tr");
      ["site", "id", "prio", "title", "asset", "status", "owner", "esc", "deadline", "actions"]
        .forEach(function (c) { tr.appendChild(el("td", "c-" + c)); });
      var act = cell(tr, 9);
      Object.keys(BTN).forEach(function (s) {
        var b = el("button", "wo-" + s);
        b.setAttribute("data-status", s);
        b.addEventListener("click", function () { app.setStatus(tr.getAttribute("data-key"), s); });
        act.appendChild(b);
      });
      act.appendChild(el("span", "result"));
      cell(tr, 8).appendChild(el("span", "countdown"));
      cell(tr, 8).appendChild(el("small", "deadline-at"));
      return tr;
    };
  }

  function updateWo(app) {
    return function (tr, w) {
      setClass(tr, "prio-" + w.priority + " ws-" + w.status);
      tr.setAttribute("data-status", w.status);
      setText(cell(tr, 0), siteName(w._site));
      setText(cell(tr, 1), w.id);
      setText(cell(tr, 2), I.t("pr_" + w.priority));
      setText(cell(tr, 3), w.title);
      setText(cell(tr, 4), [w.asset, w.location].filter(Boolean).join(" \u00b7 "));
      setText(cell(tr, 5), I.t("ws_" + w.status));
      setText(cell(tr, 6), w.owner || "");
      setText(cell(tr, 7), I.t("level", { n: w.escalation_level || 0 }) +
        (w.assigned_role ? " \u00b7 " + w.assigned_role : ""));
      var d = S.nextDeadline(w);
      var c = cell(tr, 8);
      c.setAttribute("data-deadline", d ? d.at : "");
      c.setAttribute("data-start", d ? d.start : "");
      setText(c.children[1], d ? I.t("dl_" + d.field) + " " + I.timeOfDay(d.at) : "");
      var next = NEXT[w.status] || [];
      var btns = cell(tr, 9).children;
      for (var i = 0; i < btns.length - 1; i++) {
        var s = btns[i].getAttribute("data-status");
        btns[i].hidden = next.indexOf(s) < 0;
        setText(btns[i], I.t(BTN[s]));
      }
      var r = app.results[w._key];
      var rs = btns[btns.length - 1];
      setText(rs, r ? r.text : "");
      setClass(rs, "result" + (r ? " " + r.cls : ""));
      tickRow(tr, Date.now());
    };
  }

  /* Refreshes the countdown of one work-order row: amber in the last 20 %, red when missed. */
  function tickRow(tr, now) {
    var c = tr.children[8];
    var at = parseFloat(c.getAttribute("data-deadline"));
    var span = c.firstChild;
    if (!isFinite(at)) {
      setText(span, "");
      setClass(span, "countdown");
      return;
    }
    var d = { at: at, start: parseFloat(c.getAttribute("data-start")) };
    var k = S.deadlineClass(d, now);
    setClass(span, "countdown " + k);
    c.setAttribute("data-class", k);
    setText(span, now >= at ? I.t("missed", { d: I.duration(now - at) })
      : I.t("left", { d: I.duration(at - now) }));
  }

  /* ---- gateways ---- */
  function gwRow() {
    var tr = el("tr");
    ["site", "state", "store", "version", "since", "seen"].forEach(function (c) {
      tr.appendChild(el("td", "c-" + c));
    });
    return tr;
  }

  function updateGw(tr, s) {
    var st = s.status ? s.status.state : "";
    setClass(tr, "gw-" + (st || "unknown"));
    tr.setAttribute("data-state", st || "");
    setText(cell(tr, 0), s.name);
    cell(tr, 0).title = s.prefix;
    setText(cell(tr, 1), st ? I.t(st) : "?");
    var store = s.status && s.status.store;
    setText(cell(tr, 2), store || "");
    setClass(cell(tr, 2), "c-store" + (store && store !== "ok" ? " bad" : ""));
    setText(cell(tr, 3), s.status && s.status.version || "");
    var started = s.status ? S.parseTs(s.status.started_at) : NaN;
    setText(cell(tr, 4), isFinite(started) ? I.dateTime(started) : "");
    cell(tr, 5).setAttribute("data-since", s.lastSeen);
  }

  /* ---- points ---- */
  function ptRow() {
    var tr = el("tr");
    ["site", "point", "value", "quality", "trend"].forEach(function (c) {
      tr.appendChild(el("td", "c-" + c));
    });
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 120 24");
    svg.setAttribute("preserveAspectRatio", "none");
    svg.appendChild(document.createElementNS("http://www.w3.org/2000/svg", "polyline"));
    cell(tr, 4).appendChild(svg);
    return tr;
  }

  /* The trend as a step line over the last 15 minutes (values are published on change). */
  function trendPoints(p, now) {
    var s = p.samples, t0 = now - S.TREND_MS;
    if (!s.length) return "";
    var lo = Infinity, hi = -Infinity;
    s.forEach(function (x) { if (x[1] < lo) lo = x[1]; if (x[1] > hi) hi = x[1]; });
    if (hi === lo) { hi += 1; lo -= 1; }
    function X(t) { return Math.max(0, (t - t0) / S.TREND_MS * 120).toFixed(1); }
    function Y(v) { return (22 - (v - lo) / (hi - lo) * 20).toFixed(1); }
    var out = [], last = null;
    s.forEach(function (x) {
      if (last !== null) out.push(X(x[0]) + "," + Y(last));
      out.push(X(x[0]) + "," + Y(x[1]));
      last = x[1];
    });
    out.push("120," + Y(last));
    return out.join(" ");
  }

  function updatePt(tr, p) {
    setClass(tr, "q-" + (p.quality || "unknown"));
    setText(cell(tr, 0), siteName(p.site));
    setText(cell(tr, 1), p.name);
    setText(cell(tr, 2), fmtValue(p.value, p.unit));
    setText(cell(tr, 3), p.quality);
    var pl = cell(tr, 4).firstChild.firstChild;
    var pts = trendPoints(p, Date.now());
    if (pl.getAttribute("points") !== pts) pl.setAttribute("points", pts);
  }

  /* ---- events ---- */
  function eventText(d) {
    switch (d.type) {
      case "alarm":
        return d.alarm + ": " + d.transition + (d.to ? " \u2192 " + d.to : "") +
          (d.by ? " (" + d.by + ")" : "");
      case "workorder":
        return d.workorder + ": " + d.action + (d.status ? " \u2192 " + d.status : "");
      case "escalation":
        return d.workorder + ": missed " + d.missed + ", level " + d.level + " " + (d.role || "");
      case "flood":
        return "flood " + d.state + (d.alarms !== undefined ? " (" + d.alarms + " alarms)" : "");
      case "command":
        return d.cmd + " " + (d.alarm || d.id || "") + (d.by ? " by " + d.by : "") +
          (d.ok ? " ok" : " refused: " + d.error);
      case "review":
        return d.workorder + ": " + d.review + " review #" + d.reviews;
      case "restart":
        return "restart " + (d.version || "") + ", " + (d.undelivered || 0) + " undelivered";
      default:
        return JSON.stringify(d);
    }
  }

  function renderEvents(ul, events) {
    /* Newest first: add what is new at the top, drop what fell off the end. */
    var want = events.slice(0, 100);
    var frag = document.createDocumentFragment();
    var firstKey = ul.firstChild && ul.firstChild.getAttribute("data-key");
    for (var i = 0; i < want.length; i++) {
      var e = want[i];
      var key = e.site + "|" + e.doc.seq + "|" + e.at;
      if (key === firstKey) break;
      var li = el("li", "ev-" + e.doc.type);
      li.setAttribute("data-key", key);
      var ts = S.parseTs(e.doc.ts);
      li.appendChild(el("time", "", I.timeOfDay(isFinite(ts) ? ts : e.at)));
      li.appendChild(el("span", "ev-site", siteName(e.site)));
      li.appendChild(el("span", "ev-type", e.doc.type));
      li.appendChild(el("span", "ev-text", eventText(e.doc)));
      frag.appendChild(li);
    }
    ul.insertBefore(frag, ul.firstChild);
    while (ul.children.length > want.length) ul.removeChild(ul.lastChild);
  }

  /* The "since" and "last seen" cells, and the countdowns: once a second (and more often for
   * countdowns, which the app calls). */
  function tickAll(root, now) {
    var cs = root.querySelectorAll("[data-since]");
    for (var i = 0; i < cs.length; i++) {
      var t = parseFloat(cs[i].getAttribute("data-since"));
      setText(cs[i], isFinite(t) ? I.t("ago", { d: I.duration(now - t) }) : "");
    }
    var rows = root.querySelectorAll("#workorders tbody tr[data-key]");
    for (i = 0; i < rows.length; i++) tickRow(rows[i], now);
  }

  window.StewardRender = {
    el: el, setText: setText, reconcile: reconcile, alarmRow: alarmRow, updateAlarm: updateAlarm,
    woRow: woRow, updateWo: updateWo, gwRow: gwRow, updateGw: updateGw, ptRow: ptRow,
    updatePt: updatePt, renderEvents: renderEvents, tickAll: tickAll, siteName: siteName,
    eventText: eventText
  };
})();
