#!/usr/bin/python3
"""The control room's page in a real browser: headless Chromium (Debian's chromium and
chromium-driver, driven by python3-selenium) loads dashboard/ from a real mosquitto's http_dir and
talks MQTT over its WebSockets listener, with the real steward-sim (Modbus) and the real steward,
which requires signed commands. The test plays the leak sensor itself (MQTT in at its topic) and
checks what a person would see and what reaches upstream:

  - an emergency appears, flashing and announced (a beep every 2 s) until acknowledged;
  - Ack asks the operator's name once; unsigned, the gateway refuses it, the page asks for the key
    and sends it again signed (WebCrypto HMAC, JWS HS256); a subscriber sees acked_by upstream;
  - the work order's countdown goes ok -> amber (last 20 %) -> red (missed) on a 10 s SLA;
    Accept is signed with the key kept in memory, without asking again;
  - times are in the tz= zone with its offset; the language switch gives Chinese labels;
  - kill -9 of the gateway: the broker's Last Will turns it offline on the page.
Screenshots go to $BUILD/tests/browser/. Exit 0 when every check holds."""

import base64
import hashlib
import hmac
import json
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import steward_env as se  # noqa: E402

KEY = "bt-signing-key-of-li.wei"
SITE = "steward/bt"

GATEWAY_CFG = """
site = { id = "bt"; name = "Browser Test Tower"; timezone = "Asia/Shanghai"; };
mqtt = { upstream = { port = @MQTT@; topic_prefix = "steward/bt"; keepalive = "5s"; }; };
storage = { path = "@DIR@/steward.db"; };
modbus = {
  buses = ( { id = "room"; type = "tcp"; host = "127.0.0.1"; port = @MODBUS@; } );
  profiles = ( { id = "tx_temp"; points = (
      { name = "temp_a"; table = "holding"; address = 0; type = "i16"; scale = 0.1; unit = "C"; },
      { name = "temp_b"; table = "holding"; address = 1; type = "i16"; scale = 0.1; unit = "C"; }
  ); } );
  devices = ( { id = "tx1"; bus = "room"; unit = 3; profile = "tx_temp"; interval = "1s";
                asset = "TX-1"; location = "B2 transformer room"; } );
};
@SENSORS@
sla = {
  emergency = { notify = "10s"; respond = "15m"; resolve = "24h"; };
};
@OPERATORS@
"""

SENSORS = """
sensors = ( { id = "leak_pump"; kind = "leak"; topic = "test/pump_room_leak"; field = "water_leak";
              asset = "LS-B2-03"; location = "B2 pump room"; } );
rules = ( { id = "leak_pump_room"; when = "leak_pump"; priority = "emergency";
            category = "plumbing"; title = "Water leak, B2 pump room"; } );
"""

OPERATORS = """
operators = ( { name = "li.wei"; roles = ["ack", "workorder"]; key_file = "@DIR@/li.key"; } );
commands = { require_signature = true; };
"""

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def js(d, script, *args):
    return d.execute_script(script, *args)


def row_state(d, key):
    return js(d, """var r = document.querySelector('#alarms tr[data-key="' + arguments[0] + '"]');
                    return r ? r.getAttribute('data-state') : null;""", key)


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def main():
    env = se.Env("steward-browser")
    shots = os.path.join(se.build_dir(), "tests", "browser")
    os.makedirs(shots, exist_ok=True)
    ok = False
    try:
        mqtt_port = se.free_port()
        ws_port = se.free_port({mqtt_port})
        modbus_port = se.free_port({mqtt_port, ws_port})

        def cfg(text):
            return (text.replace("@MQTT@", str(mqtt_port)).replace("@MODBUS@", str(modbus_port))
                    .replace("@DIR@", env.dir))

        env.write("li.key", KEY + "\n", 0o600)
        gw_cfg = env.write("site.cfg", cfg(GATEWAY_CFG.replace("@SENSORS@", SENSORS)
                                           .replace("@OPERATORS@", OPERATORS)))
        # The simulator plays the Modbus devices; the leak sensor is played by this test.
        sim_cfg = env.write("sim.cfg", cfg(GATEWAY_CFG.replace("@SENSORS@", "")
                                           .replace("@OPERATORS@", "")))
        env.broker(mqtt_port, ws_port)
        up = env.recorder(mqtt_port, ["steward/#"])
        env.sim(sim_cfg, "normal", modbus_port)
        gw = env.gateway(gw_cfg)
        up.wait(lambda t: t == SITE + "/status", lambda d: d.get("state") == "online", 15,
                "the gateway online")

        d = env.browser()
        url = "http://127.0.0.1:%d/index.html?tz=Asia/Shanghai&lang=en" % ws_port
        print("page: " + url, flush=True)
        d.get(url)
        se.wait_until(lambda: js(d, "return window.steward && window.steward.connState") ==
                      "connected", 15, "the page connected over WebSockets")
        se.wait_until(lambda: js(d, """return document.querySelector(
            '#gateways tr[data-key="steward/bt"][data-state="online"]') !== null"""), 15,
                      "the gateway shown online")
        se.wait_until(lambda: js(d, """return document.querySelector(
            '#points tr[data-key="steward/bt|tx1.temp_a"]') !== null"""), 15,
                      "live values shown")
        check(" C" in js(d, """return document.querySelector(
            '#points tr[data-key="steward/bt|tx1.temp_a"] .c-value').textContent"""),
              "a live value carries its unit")
        check("+08:00" in js(d, "return document.getElementById('tz').textContent"),
              "the page shows the tz= zone with its offset")

        # Signing in the page agrees with Python's own HMAC-SHA-256 (WebCrypto and the fallback).
        msg = "eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ"
        want = hmac.new(KEY.encode(), msg.encode(), hashlib.sha256).hexdigest()
        got = d.execute_async_script("""var done = arguments[2], S = window.StewardSign;
            var k = new TextEncoder().encode(arguments[0]), m = new TextEncoder().encode(arguments[1]);
            function hex(b) { return Array.from(b).map(function (x) {
                return ('0' + x.toString(16)).slice(-2); }).join(''); }
            S.hmac(k, m).then(function (w) { done([hex(w), hex(S.hmacSoft(k, m)),
                !!(window.crypto && window.crypto.subtle)]); });""", KEY, msg)
        check(got[0] == want and got[1] == want and got[2],
              "HMAC-SHA-256 in the page (WebCrypto and the fallback) equals Python's")
        tok = d.execute_async_script("""var done = arguments[1];
            window.StewardSign.signCommand({alarm: 'x', by: 'li.wei'}, 'li.wei', arguments[0])
              .then(done);""", KEY)
        h, c, s = tok.split(".")
        hdr, claims = json.loads(b64d(h)), json.loads(b64d(c))
        mac = hmac.new(KEY.encode(), (h + "." + c).encode(), hashlib.sha256).digest()
        check(hdr == {"alg": "HS256", "kid": "li.wei"} and claims["alarm"] == "x" and
              abs(claims["iat"] - time.time()) < 60 and claims.get("jti") and b64d(s) == mac,
              "a signed command is a JWS compact HS256 token: kid, claims + iat + jti")

        # 1. An emergency appears: MQTT in at the sensor's topic.
        key = SITE + "|leak_pump_room"
        check(row_state(d, key) is None, "no leak alarm before the leak")
        se.publish(mqtt_port, "test/pump_room_leak", '{"water_leak": true, "battery": 97}')
        se.wait_until(lambda: row_state(d, key) == "active_unack", 15, "the leak alarm row")
        # Record the work order's countdown classes as they change, from now on.
        js(d, """window.__cd = []; setInterval(function () {
            var s = document.querySelector('#workorders tbody tr[data-key] .countdown');
            var k = s ? s.className.replace('countdown', '').trim() : '';
            if (k && window.__cd[window.__cd.length - 1] !== k) window.__cd.push(k); }, 50);""")
        st = js(d, """var r = document.querySelector('#alarms tr[data-key="steward/bt|leak_pump_room"]');
            return {flash: r.classList.contains('flash'),
                    banner: !document.getElementById('emergency-banner').hidden,
                    text: document.getElementById('emergency-banner').textContent,
                    first: document.querySelector('#alarms tbody tr').getAttribute('data-key'),
                    since: r.querySelector('.c-since').title};""")
        check(st["flash"] and st["banner"] and "Water leak" in st["text"],
              "the new emergency flashes and its banner shows")
        check(st["first"] == key, "the emergency is first in the list")
        check("+08:00" in st["since"], "the alarm's time is shown in the site's zone: " +
              st["since"])
        se.wait_until(lambda: js(d, "return window.steward.beeps") >= 1, 5, "a beep")
        check(True, "the emergency is announced by sound (%d beeps)" %
              js(d, "return window.steward.beeps"))
        d.save_screenshot(os.path.join(shots, "dashboard-emergency.png"))

        # 2. Ack: the name is asked once; unsigned it is refused, the key is asked, then signed.
        d.find_element("css selector", '#alarms tr[data-key="%s"] button.ack' % key).click()
        se.wait_until(lambda: js(d, "return document.getElementById('ask').open"), 5,
                      "the operator dialog")
        d.find_element("id", "ask-name").send_keys("li.wei")
        d.find_element("id", "ask-ok").click()
        se.wait_until(lambda: js(d, """return document.getElementById('ask').open &&
            !document.getElementById('ask-key-row').hidden &&
            document.getElementById('ask-name-row').hidden"""), 15,
                      "the key asked after the unsigned ack was refused")
        refusal = up.wait(lambda t: t == SITE + "/cmd/result",
                          lambda d_: d_.get("ok") is False, 5, "the refusal on P/cmd/result")
        check("sign" in refusal[1].get("error", ""), "the gateway refused the unsigned ack: " +
              refusal[1].get("error", ""))
        d.find_element("id", "ask-key").send_keys(KEY)
        d.find_element("id", "ask-ok").click()
        acked = up.wait(lambda t: t == SITE + "/alarms/leak_pump_room",
                        lambda d_: d_.get("acked_by") == "li.wei", 15,
                        "acked_by li.wei upstream on P/alarms/leak_pump_room")
        check(acked[1]["state"] == "active_ack", "upstream: the alarm is active_ack by li.wei")
        se.wait_until(lambda: row_state(d, key) == "active_ack", 10, "the row acknowledged")
        st = js(d, """var r = document.querySelector('#alarms tr[data-key="steward/bt|leak_pump_room"]');
            return {flash: r.classList.contains('flash'),
                    banner: !document.getElementById('emergency-banner').hidden,
                    result: r.querySelector('.result').textContent,
                    acked: r.getAttribute('data-acked-by')};""")
        check(not st["flash"] and not st["banner"], "acknowledged: no flash, no banner")
        check("done" in st["result"] and st["acked"] == "li.wei",
              "the gateway's answer is shown: " + st["result"])
        beeps = js(d, "return window.steward.beeps")

        # 3. The work order's countdown: ok, then amber in the last 2 s, then red.
        se.wait_until(lambda: js(d, "return window.__cd.indexOf('red') >= 0"), 25,
                      "the countdown red")
        seq = js(d, "return window.__cd")
        check(seq[:3] == ["ok", "amber", "red"] or seq[-3:] == ["ok", "amber", "red"] or
              ("amber" in seq and seq.index("amber") < seq.index("red")),
              "the countdown went ok -> amber -> red: %s" % seq)
        check("missed" in js(d, "return document.querySelector('#workorders .countdown').textContent"),
              "a missed deadline says so")
        check(js(d, "return window.steward.beeps") <= beeps + 1, "no beeps after the ack")
        d.save_screenshot(os.path.join(shots, "dashboard.png"))

        # 4. Accept: signed with the key kept in memory, no question asked again.
        wo = js(d, "return document.querySelector('#workorders tbody tr[data-key]').getAttribute('data-key')")
        wo_id = wo.split("|")[1]
        d.find_element("css selector", '#workorders tr[data-key="%s"] button.wo-accepted' % wo).click()
        check(not js(d, "return document.getElementById('ask').open"), "the name is asked once")
        up.wait(lambda t: t == SITE + "/workorders/" + wo_id,
                lambda d_: d_.get("status") == "accepted" and d_.get("owner") == "li.wei", 15,
                "the work order accepted by li.wei upstream")
        se.wait_until(lambda: js(d, """return document.querySelector('#workorders tr[data-key="'
            + arguments[0] + '"]').getAttribute('data-status')""", wo) == "accepted", 10,
                      "the work order accepted on the page")
        check(js(d, """return document.querySelector('#workorders tr[data-key="' + arguments[0] +
            '"] .countdown').className""", wo).endswith("ok"),
              "accepted: the countdown runs to the on-site deadline")

        # 5. Chinese labels.
        d.find_element("id", "lang").click()
        check(js(d, "return document.querySelector('#alarms h2 span').textContent") ==
              "\u6d3b\u52a8\u62a5\u8b66", "the switch gives Chinese labels")
        d.save_screenshot(os.path.join(shots, "dashboard-zh.png"))
        d.find_element("id", "lang").click()

        # 6. kill -9: the broker publishes the Last Will (1.5 x keepalive 5 s), the page shows it.
        env.kill9(gw)
        se.wait_until(lambda: js(d, """return document.querySelector(
            '#gateways tr[data-key="steward/bt"]').getAttribute('data-state')""") == "offline",
                      20, "the gateway offline on the page after kill -9")
        check(True, "the killed gateway is shown offline (Last Will)")
        d.save_screenshot(os.path.join(shots, "dashboard-offline.png"))

        # A phone-sized window still shows the alarm and its actions.
        d.set_window_size(400, 860)
        se.wait_until(lambda: js(d, "return window.innerWidth") <= 420, 5, "a phone's width")
        check(js(d, """return document.documentElement.scrollWidth <= window.innerWidth + 1 &&
            document.querySelector('#alarms button.shelve, #alarms tbody tr[data-key]')
              .getBoundingClientRect().right > 0;"""),
              "on a phone's width the page does not scroll sideways")
        d.save_screenshot(os.path.join(shots, "dashboard-phone.png"))
        severe = [m for m in d.get_log("browser") if m["level"] == "SEVERE"]
        check(not severe, "no errors in the browser console: %s" % severe)
        ok = not failures
    except Exception:
        traceback.print_exc()
        failures.append("exception")
    finally:
        if not ok:
            env.dump_logs()
        env.stop_all(keep=not ok and bool(os.environ.get("STEWARD_KEEP_TMP")))
    print("screenshots in " + shots)
    print("%d failed" % len(failures) if failures else "all checks passed")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
