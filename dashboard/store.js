/* store.js - what the page knows, built from the gateways' topics (README, topic reference):
 * P/status, P/alarms/ID, P/workorders/WO_ID (retained), P/telemetry/... (retained, on change),
 * P/events and P/cmd/result (live). No DOM here. Classic script: defines window.StewardStore. */
(function () {
  "use strict";

  var PRIO_RANK = { emergency: 0, urgent: 1, normal: 2, info: 3 };
  var TREND_MS = 15 * 60 * 1000;
  var TREND_MAX = 2000;  /* samples per point kept for the trend */
  var EVENTS_MAX = 200;

  function parseTs(s) {
    var v = typeof s === "string" ? Date.parse(s) : NaN;
    return isFinite(v) ? v : NaN;
  }

  /* A store for the prefix filter (e.g. "steward/+"): topics whose first levels match it belong
   * to the site whose prefix is those levels ("steward/demo"). */
  function Store(prefixFilter) {
    this.filter = prefixFilter.split("/");
    this.sites = {};      /* prefix -> {prefix, name, status, lastSeen, flood} */
    this.alarms = {};     /* prefix|id -> alarm doc + {_site, _key, _seenAt} */
    this.workorders = {}; /* prefix|id -> work order doc + {_site, _key} */
    this.points = {};     /* prefix|name -> {value, unit, quality, ts, samples: [[ms, v]]} */
    this.events = [];     /* newest first: {doc, site, at} */
    this.listeners = [];
    this.dirty = {};
  }

  Store.prototype.on = function (fn) { this.listeners.push(fn); };

  Store.prototype.mark = function (what, detail) {
    this.dirty[what] = true;
    for (var i = 0; i < this.listeners.length; i++) this.listeners[i](what, detail);
  };

  /* Splits a topic into [site prefix, rest levels] or null when it does not match the filter. */
  Store.prototype.split = function (topic) {
    var lv = topic.split("/"), f = this.filter;
    if (lv.length <= f.length) return null;
    for (var i = 0; i < f.length; i++) {
      if (f[i] === "#") return null;
      if (f[i] !== "+" && f[i] !== lv[i]) return null;
    }
    return [lv.slice(0, f.length).join("/"), lv.slice(f.length)];
  };

  /* The site of prefix; touch: a message from the gateway itself (the Last Will is the broker's,
   * so an offline status does not count as the gateway being seen). */
  Store.prototype.site = function (prefix, now, touch) {
    var s = this.sites[prefix];
    if (!s) {
      var parts = prefix.split("/");
      s = this.sites[prefix] = {
        prefix: prefix, name: parts[parts.length - 1], status: null, lastSeen: touch ? now : NaN,
        flood: null
      };
      this.mark("gateways");
    }
    if (touch) s.lastSeen = now;
    return s;
  };

  /* One MQTT message. payload is a string; now is the arrival (ms since the epoch). */
  Store.prototype.handle = function (topic, payload, retained, now) {
    var sp = this.split(topic);
    if (!sp) return;
    var prefix = sp[0], rest = sp[1], kind = rest[0];
    var doc = null;
    if (payload.length) {
      try { doc = JSON.parse(payload); } catch (e) { return; }
      if (!doc || typeof doc !== "object") return;
    }
    var site = this.site(prefix, now, !(kind === "status" && (!doc || doc.state !== "online")));
    if (kind === "status" && rest.length === 1) {
      site.status = doc;
      this.mark("gateways", site);
    } else if (kind === "alarms" && rest.length === 2) {
      this.alarm(prefix, rest[1], doc, retained, now);
    } else if (kind === "workorders" && rest.length === 2) {
      this.workorder(prefix, rest[1], doc);
    } else if (kind === "telemetry" && rest.length >= 2) {
      this.point(prefix, rest.slice(1).join("."), doc, now);
    } else if (kind === "events" && rest.length === 1 && doc) {
      this.event(site, doc, now);
    } else if (kind === "cmd" && rest.length === 2 && rest[1] === "result" && doc) {
      this.mark("result", { site: prefix, doc: doc });
    }
  };

  Store.prototype.alarm = function (prefix, id, doc, retained, now) {
    var key = prefix + "|" + id;
    var old = this.alarms[key];
    if (!doc || doc.state === "normal") {
      if (old) {
        delete this.alarms[key];
        this.mark("alarms", { key: key, removed: true });
      }
      return;
    }
    if (old && typeof old.seq === "number" && typeof doc.seq === "number" && doc.seq < old.seq)
      return; /* an older copy delivered again (at least once) */
    doc._site = prefix;
    doc._key = key;
    doc._seenAt = old ? old._seenAt : now;
    doc._new = !old && !retained;
    this.alarms[key] = doc;
    this.mark("alarms", { key: key, doc: doc, old: old });
  };

  Store.prototype.workorder = function (prefix, id, doc) {
    var key = prefix + "|" + id;
    var old = this.workorders[key];
    var closed = !doc || doc.status === "closed" || doc.status === "cancelled";
    if (old && doc && typeof old.seq === "number" && typeof doc.seq === "number" &&
        doc.seq < old.seq)
      return;
    if (closed) {
      if (old) {
        delete this.workorders[key];
        this.mark("workorders", { key: key, removed: true });
      }
      return;
    }
    doc._site = prefix;
    doc._key = key;
    this.workorders[key] = doc;
    this.mark("workorders", { key: key, doc: doc });
  };

  Store.prototype.point = function (prefix, name, doc, now) {
    var key = prefix + "|" + name;
    if (!doc) {
      delete this.points[key];
      this.mark("points");
      return;
    }
    var p = this.points[key];
    if (!p) p = this.points[key] = { site: prefix, name: name, samples: [] };
    p.value = doc.value;
    p.unit = doc.unit;
    p.quality = doc.quality;
    p.ts = parseTs(doc.ts);
    var at = isFinite(p.ts) ? p.ts : now;
    if (typeof doc.value === "number" || typeof doc.value === "boolean") {
      var v = typeof doc.value === "boolean" ? (doc.value ? 1 : 0) : doc.value;
      var s = p.samples;
      if (!s.length || s[s.length - 1][0] <= at) s.push([at, v, doc.quality]);
      while (s.length > TREND_MAX || (s.length > 1 && s[1][0] < now - TREND_MS)) s.shift();
    }
    this.mark("points", p);
  };

  Store.prototype.event = function (site, doc, now) {
    this.events.unshift({ doc: doc, site: site.prefix, at: now });
    if (this.events.length > EVENTS_MAX) this.events.length = EVENTS_MAX;
    if (doc.type === "flood") {
      site.flood = doc.state === "begin" ? doc : null;
      this.mark("flood", site);
    }
    this.mark("events", doc);
  };

  /* Active alarms, emergency first, then the longest active first. */
  Store.prototype.sortedAlarms = function () {
    var a = this.alarms;
    return Object.keys(a).map(function (k) { return a[k]; }).sort(function (x, y) {
      var px = PRIO_RANK[x.priority], py = PRIO_RANK[y.priority];
      px = px === undefined ? 9 : px;
      py = py === undefined ? 9 : py;
      if (px !== py) return px - py;
      var tx = parseTs(x.active_since), ty = parseTs(y.active_since);
      tx = isFinite(tx) ? tx : x._seenAt;
      ty = isFinite(ty) ? ty : y._seenAt;
      if (tx !== ty) return tx - ty;
      return x._key < y._key ? -1 : 1;
    });
  };

  /* The deadline an order's status is working towards, with the start of its window. */
  function nextDeadline(w) {
    var created = parseTs(w.created_at), field = null;
    if (w.status === "open") field = "notify_by";
    else if (w.status === "accepted") field = "respond_by";
    else if (w.status === "on_site") field = "resolve_by";
    else if (w.status === "resolved") field = "follow_up_due";
    var at = field ? parseTs(w[field]) : NaN;
    if (!isFinite(at)) return null;
    var start = created;
    if (field === "follow_up_due") start = at - 86400000;
    return { field: field, at: at, start: start };
  }

  /* "ok", "amber" (the last 20 % of the window) or "red" (missed) at now. */
  function deadlineClass(d, now) {
    if (!d) return "ok";
    if (now >= d.at) return "red";
    var span = d.at - d.start;
    if (isFinite(span) && span > 0 && d.at - now <= 0.2 * span) return "amber";
    return "ok";
  }

  Store.prototype.sortedWorkorders = function (now) {
    var w = this.workorders;
    return Object.keys(w).map(function (k) { return w[k]; }).sort(function (x, y) {
      var px = PRIO_RANK[x.priority], py = PRIO_RANK[y.priority];
      if (px !== py) return (px === undefined ? 9 : px) - (py === undefined ? 9 : py);
      var dx = nextDeadline(x), dy = nextDeadline(y);
      var ax = dx ? dx.at : Infinity, ay = dy ? dy.at : Infinity;
      if (ax !== ay) return ax - ay;
      return x._key < y._key ? -1 : 1;
    });
  };

  Store.prototype.sortedPoints = function () {
    var p = this.points;
    return Object.keys(p).sort().map(function (k) { return p[k]; });
  };

  Store.prototype.sortedSites = function () {
    var s = this.sites;
    return Object.keys(s).sort().map(function (k) { return s[k]; });
  };

  /* Unacknowledged emergency alarms (the ones announced until acknowledged). */
  Store.prototype.unackedEmergencies = function () {
    var a = this.alarms, out = [];
    Object.keys(a).forEach(function (k) {
      var x = a[k];
      if (x.priority === "emergency" && (x.state === "active_unack" || x.state === "rtn_unack"))
        out.push(x);
    });
    return out;
  };

  window.StewardStore = {
    Store: Store, nextDeadline: nextDeadline, deadlineClass: deadlineClass, parseTs: parseTs,
    TREND_MS: TREND_MS
  };
})();
