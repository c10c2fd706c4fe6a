/* connection.js - the page's MQTT connection (MQTT.js over WebSockets) and the commands it sends.
 * Subscribes to each gateway's topics under the prefix filter and feeds the store; publishes
 * P/cmd/ack|shelve|unshelve|workorder (QoS 1), signed when a key was entered, each with a "req"
 * that its answer on P/cmd/result carries back. Classic script: defines window.StewardConnection. */
(function () {
  "use strict";

  var SUFFIXES = ["status", "alarms/+", "workorders/+", "telemetry/#", "events", "cmd/result"];

  function Connection(url, prefixFilter, store, onState) {
    this.url = url;
    this.prefix = prefixFilter;
    this.store = store;
    this.onState = onState;
    this.pending = {}; /* req -> {resolve, cmd, site, fields} */
    this.seq = 0;
    this.client = null;
  }

  Connection.prototype.start = function () {
    var self = this;
    var id = "steward-page-" + Math.random().toString(16).slice(2, 10);
    /* A clean session: the page rebuilds its picture from the retained topics on every connect. */
    var c = this.client = window.mqtt.connect(this.url, {
      clientId: id, clean: true, keepalive: 30, reconnectPeriod: 2000, connectTimeout: 10000,
      protocolVersion: 4
    });
    this.onState("connecting");
    c.on("connect", function () {
      var subs = {};
      SUFFIXES.forEach(function (s) { subs[self.prefix + "/" + s] = { qos: 1 }; });
      c.subscribe(subs, function (err) {
        self.onState(err ? "disconnected" : "connected", err);
      });
    });
    c.on("reconnect", function () { self.onState("connecting"); });
    c.on("close", function () { self.onState("disconnected"); });
    c.on("offline", function () { self.onState("disconnected"); });
    c.on("error", function (e) { self.onState("disconnected", e); });
    c.on("message", function (topic, payload, packet) {
      var text;
      try { text = new TextDecoder("utf-8", { fatal: true }).decode(payload); } catch (e) {
        return;
      }
      self.store.handle(topic, text, !!packet.retain, Date.now());
    });
    store_results(this);
  };

  function store_results(self) {
    self.store.on(function (what, d) {
      if (what !== "result") return;
      var req = d.doc.req;
      var p = req && self.pending[req];
      if (!p || p.site !== d.site) return;
      delete self.pending[req];
      p.resolve(d.doc);
    });
  }

  /* Publishes cmd (ack, shelve, unshelve, workorder) with fields to the site whose prefix is
   * site, as operator; signed with keyText when given. A Promise of the answer (the P/cmd/result
   * document) or of {ok:false, error:"..."} when none arrives within 15 s. */
  Connection.prototype.command = function (site, cmd, fields, operator, keyText) {
    var self = this;
    var req = "page-" + Date.now().toString(36) + "-" + (++this.seq);
    var f = {};
    Object.keys(fields).forEach(function (k) { f[k] = fields[k]; });
    f.by = operator;
    f.req = req;
    var body = keyText ? window.StewardSign.signCommand(f, operator, keyText)
      : Promise.resolve(JSON.stringify(f));
    return body.then(function (payload) {
      return new Promise(function (resolve) {
        var timer = setTimeout(function () {
          if (!self.pending[req]) return;
          delete self.pending[req];
          resolve({ ok: false, error: "no answer from the gateway within 15 s", timeout: true });
        }, 15000);
        self.pending[req] = {
          site: site, cmd: cmd,
          resolve: function (doc) { clearTimeout(timer); resolve(doc); }
        };
        self.client.publish(site + "/cmd/" + cmd, payload, { qos: 1, retain: false },
          function (err) {
            if (err && self.pending[req]) {
              delete self.pending[req];
              clearTimeout(timer);
              resolve({ ok: false, error: String(err.message || err) });
            }
          });
      });
    });
  };

  window.StewardConnection = { Connection: Connection, SUFFIXES: SUFFIXES };
})();
