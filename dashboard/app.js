/* app.js - the control room's page: reads its address (broker=, prefix=, operator=, tz=, lang=),
 * connects, renders, asks the operator's name once (and a signing key when the gateway requires
 * signed commands, kept only in this page's memory), and announces new emergencies by sound and a
 * flash until they are acknowledged. Classic script, loaded last. */
(function () {
  "use strict";

  var I = window.StewardI18n, S = window.StewardStore, R = window.StewardRender;
  var params = new URLSearchParams(window.location.search);

  function defaultBroker() {
    var l = window.location;
    if (l.protocol !== "http:" && l.protocol !== "https:") return "ws://127.0.0.1:9001";
    return (l.protocol === "https:" ? "wss://" : "ws://") + l.host;
  }

  var cfg = {
    broker: params.get("broker") || defaultBroker(),
    prefix: (params.get("prefix") || "steward/+").replace(/\/+$/, ""),
    operator: params.get("operator") || "",
    tz: params.get("tz") || undefined,
    lang: params.get("lang") || (window.localStorage && localStorage.getItem("steward.lang")) ||
      ((navigator.language || "").toLowerCase().indexOf("zh") === 0 ? "zh" : "en")
  };

  var app = {
    cfg: cfg,
    results: {},      /* row key -> {text, cls} */
    key: "",          /* the signing key: memory only, never stored */
    beeps: 0,
    connState: "connecting"
  };
  window.steward = app; /* for the console and the browser test */

  if (cfg.tz && !I.setZone(cfg.tz)) cfg.tzError = cfg.tz;
  var store = app.store = new S.Store(cfg.prefix);

  function $(sel) { return document.querySelector(sel); }

  /* ---- rendering, batched: a burst of retained messages costs one pass per section ---- */
  var dirty = {}, scheduled = false, lastPoints = 0;
  function schedule(what) {
    dirty[what] = true;
    if (!scheduled) {
      scheduled = true;
      setTimeout(flush, 0);
    }
  }

  function flush() {
    scheduled = false;
    var d = dirty;
    dirty = {};
    var now = Date.now();
    if (d.alarms || d.results || d.lang) renderAlarms();
    if (d.workorders || d.results || d.lang) renderWos();
    if (d.gateways || d.lang) renderGateways();
    if (d.events || d.lang) R.renderEvents($("#events ul"), store.events);
    if (d.flood || d.gateways || d.lang) renderFlood();
    if (d.points || d.lang) {
      /* Telemetry can be hundreds of messages a second across a fleet: at most twice a second. */
      if (now - lastPoints >= 500 || d.lang) {
        lastPoints = now;
        renderPoints();
      } else {
        setTimeout(function () { schedule("points"); }, 500 - (now - lastPoints));
      }
    }
    if (d.alarms || d.lang) announce();
    R.tickAll(document, now);
  }

  function renderAlarms() {
    var items = store.sortedAlarms();
    R.reconcile($("#alarms tbody"), items, function (a) { return a._key; }, R.alarmRow(app),
      R.updateAlarm(app), I.t("none_alarms"), 9);
    setCount("#alarms", items.length);
  }

  function renderWos() {
    var items = store.sortedWorkorders(Date.now());
    R.reconcile($("#workorders tbody"), items, function (w) { return w._key; }, R.woRow(app),
      R.updateWo(app), I.t("none_wos"), 10);
    setCount("#workorders", items.length);
  }

  function renderGateways() {
    var items = store.sortedSites();
    R.reconcile($("#gateways tbody"), items, function (s) { return s.prefix; }, R.gwRow,
      R.updateGw, I.t("none_gateways"), 6);
    var off = items.filter(function (s) { return s.status && s.status.state !== "online"; });
    setCount("#gateways", items.length, off.length);
  }

  function renderPoints() {
    var items = store.sortedPoints();
    R.reconcile($("#points tbody"), items, function (p) { return p.site + "|" + p.name; },
      R.ptRow, R.updatePt, I.t("none_points"), 5);
    setCount("#points", items.length);
  }

  function setCount(sec, n, bad) {
    var c = $(sec + " .count");
    R.setText(c, bad ? n + " (" + bad + " \u2716)" : String(n));
  }

  function renderFlood() {
    var b = $("#flood-banner");
    var floods = store.sortedSites().filter(function (s) { return s.flood; });
    b.hidden = !floods.length;
    R.setText(b, floods.map(function (s) {
      return I.t("flood", { site: s.name, n: s.flood.alarms || "?", w: s.flood.window || "10m" });
    }).join("  "));
  }

  /* ---- the announcement of new emergencies: a flash and a beep every 2 s until acked ---- */
  var audio = null;
  function ensureAudio() {
    var AC = window.AudioContext || window.webkitAudioContext;
    if (!audio && AC) audio = new AC();
    if (audio && audio.state === "suspended") audio.resume();
    updateSoundButton();
  }

  function updateSoundButton() {
    var on = audio && audio.state === "running";
    var b = $("#sound");
    R.setText(b, on ? "\u266a " + I.t("sound_on") : "\u2715 " + I.t("sound_off"));
    b.className = on ? "on" : "off";
  }

  function beep() {
    app.beeps++;
    if (!audio || audio.state !== "running") return;
    var t = audio.currentTime;
    [0, 0.25].forEach(function (dt) {
      var o = audio.createOscillator(), g = audio.createGain();
      o.type = "square";
      o.frequency.value = 880;
      g.gain.setValueAtTime(0.0001, t + dt);
      g.gain.exponentialRampToValueAtTime(0.3, t + dt + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t + dt + 0.18);
      o.connect(g).connect(audio.destination);
      o.start(t + dt);
      o.stop(t + dt + 0.2);
    });
  }

  var alertTimer = null;
  function announce() {
    var em = store.unackedEmergencies();
    var b = $("#emergency-banner");
    document.body.classList.toggle("alerting", em.length > 0);
    b.hidden = !em.length;
    if (em.length) {
      em.sort(function (x, y) { return S.parseTs(y.active_since) - S.parseTs(x.active_since); });
      R.setText(b, I.t("emergency_banner", { title: em[0].title || em[0].id,
        site: R.siteName(em[0]._site) }) + (em.length > 1 ? "  (+" + (em.length - 1) + ")" : ""));
      if (!alertTimer) {
        beep();
        alertTimer = setInterval(beep, 2000);
      }
    } else if (alertTimer) {
      clearInterval(alertTimer);
      alertTimer = null;
    }
  }

  /* ---- the operator, asked once; the key, asked when a gateway wants signed commands ---- */
  function ask(opts) {
    return new Promise(function (resolve) {
      var dlg = $("#ask");
      var name = $("#ask-name"), key = $("#ask-key"), dur = $("#ask-for");
      $("#ask-name-row").hidden = !opts.name;
      $("#ask-key-row").hidden = !opts.key;
      $("#ask-for-row").hidden = !opts.duration;
      R.setText($("#ask-note"), opts.note || "");
      name.value = cfg.operator;
      key.value = "";
      function done(ok) {
        $("#ask-ok").onclick = $("#ask-cancel").onclick = null;
        dlg.close();
        if (!ok) return resolve(null);
        if (opts.name) {
          cfg.operator = name.value.trim();
          try { localStorage.setItem("steward.operator", cfg.operator); } catch (e) { /* none */ }
          R.setText($("#operator"), cfg.operator);
        }
        if (opts.key && key.value) app.key = key.value;
        resolve({ duration: dur.value });
      }
      $("#ask-ok").onclick = function (e) { e.preventDefault(); done(true); };
      $("#ask-cancel").onclick = function (e) { e.preventDefault(); done(false); };
      dlg.showModal();
      (opts.name ? name : opts.key ? key : dur).focus();
    });
  }

  function needOperator(extra) {
    if (cfg.operator && !extra) return Promise.resolve({});
    return ask({ name: !cfg.operator, key: !cfg.operator, duration: !!(extra && extra.duration) })
      .then(function (r) { return r && cfg.operator ? r : null; });
  }

  function showResult(key, doc) {
    if (doc === "sent") app.results[key] = { text: I.t("sent"), cls: "pending" };
    else if (doc.ok) app.results[key] = { text: "\u2714 " + I.t("accepted_cmd"), cls: "ok" };
    else app.results[key] = { text: I.t("refused", { e: doc.error || "?" }), cls: "refused" };
    schedule("results");
  }

  /* Sends one command for the row key; when the gateway refuses an unsigned command, asks for
   * the key and sends it again, signed. */
  function send(key, cmd, fields, retried) {
    var site = key.split("|")[0];
    showResult(key, "sent");
    return app.conn.command(site, cmd, fields, cfg.operator, app.key).then(function (doc) {
      if (!doc.ok && !retried && /sign/i.test(doc.error || "") && !app.key) {
        return ask({ key: true, note: I.t("needs_key") }).then(function (r) {
          if (r && app.key) return send(key, cmd, fields, true);
          showResult(key, doc);
          return doc;
        });
      }
      showResult(key, doc);
      return doc;
    });
  }

  app.ack = function (key) {
    ensureAudio();
    var a = store.alarms[key];
    if (!a) return;
    return needOperator().then(function (r) {
      if (r) return send(key, "ack", { alarm: a.id });
    });
  };
  app.shelve = function (key) {
    var a = store.alarms[key];
    if (!a) return;
    return needOperator({ duration: true }).then(function (r) {
      if (r) return send(key, "shelve", { alarm: a.id, for: r.duration || "1h" });
    });
  };
  app.unshelve = function (key) {
    var a = store.alarms[key];
    if (!a) return;
    return needOperator().then(function (r) {
      if (r) return send(key, "unshelve", { alarm: a.id });
    });
  };
  app.setStatus = function (key, status) {
    var w = store.workorders[key];
    if (!w) return;
    return needOperator().then(function (r) {
      if (r) return send(key, "workorder", { id: w.id, status: status });
    });
  };

  /* ---- start ---- */
  function setConn(state, err) {
    app.connState = state;
    var c = $("#conn");
    c.className = "conn " + state;
    R.setText(c, I.t(state) + (err && err.message ? ": " + err.message : ""));
    c.title = cfg.broker;
  }

  function applyLang(l) {
    I.setLang(l);
    cfg.lang = I.lang();
    try { localStorage.setItem("steward.lang", cfg.lang); } catch (e) { /* private mode */ }
    R.setText($("#lang"), I.t("lang"));
    R.setText($("#tz"), I.t("tz") + ": " + I.zoneName() + " (UTC" + I.offsetOf(Date.now()) +
      ")" + (cfg.tzError ? " \u2716 " + cfg.tzError : ""));
    updateSoundButton();
    setConn(app.connState);
    schedule("lang");
  }

  function start() {
    if (!cfg.operator) {
      try { cfg.operator = localStorage.getItem("steward.operator") || ""; } catch (e) { /**/ }
    }
    R.setText($("#operator"), cfg.operator || "\u2014");
    R.setText($("#prefix"), cfg.prefix);
    applyLang(cfg.lang);
    $("#lang").addEventListener("click", function () {
      applyLang(cfg.lang === "zh" ? "en" : "zh");
    });
    $("#sound").addEventListener("click", ensureAudio);
    $("#operator-btn").addEventListener("click", function () {
      ask({ name: true, key: true });
    });
    document.addEventListener("pointerdown", ensureAudio, { once: true });
    ensureAudio();
    store.on(function (what) { schedule(what); });
    if (!window.mqtt) {
      setConn("disconnected", { message: "mqtt.min.js did not load (run make deps)" });
      return;
    }
    app.conn = new window.StewardConnection.Connection(cfg.broker, cfg.prefix, store, setConn);
    app.conn.start();
    setInterval(function () { R.tickAll(document, Date.now()); }, 250);
    setInterval(function () { schedule("points"); }, 10000); /* the trends move on */
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
