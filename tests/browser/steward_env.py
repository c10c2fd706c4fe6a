"""steward_env.py - what the browser test, the screen bench and the fleet use to run the real
parts: mosquitto with a plain listener and a WebSockets listener on `lo` serving the page from a
world-readable copy (http_dir), steward-sim and steward from $BUILD, headless Chromium through
chromedriver, and an MQTT recorder (paho, Debian's python3-paho-mqtt).

The rules of tests/integration/harness.h hold here too: loopback only; every wait polls a
condition with a deadline; every process is stopped by the PID saved when it was started."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("BUILD", "build")
MQTTJS = os.path.join(ROOT, "dashboard", "node_modules", "mqtt", "dist", "mqtt.min.js")


def build_dir():
    d = BUILD if os.path.isabs(BUILD) else os.path.join(ROOT, BUILD)
    return d


def bin_path(name):
    return os.path.join(build_dir(), name)


def port_busy(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def free_port(taken=()):
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            p = s.getsockname()[1]
        if p not in taken and not port_busy(p):
            return p
    raise RuntimeError("no free port")


def wait_until(cond, timeout, what, step=0.05):
    """Polls cond() until it returns a true value (returned) or timeout seconds pass (raises)."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise TimeoutError("waited %.0f s for %s" % (timeout, what))
        time.sleep(step)


def wait_port(port, timeout=10):
    wait_until(lambda: port_busy(port), timeout, "127.0.0.1:%d" % port)


class Env:
    """A temporary directory and the processes started in it, stopped by PID in stop_all()."""

    def __init__(self, name="steward-browser"):
        self.dir = tempfile.mkdtemp(prefix=name + ".")
        # The page's copy: mosquitto reads http_dir as user mosquitto (it drops root), refuses a
        # symlink out of the folder and answers 403 for a 0700 one: a world-readable copy.
        self.www = tempfile.mkdtemp(prefix=name + "-www.")
        os.chmod(self.www, 0o755)
        self.procs = []  # (pid, Popen, name)
        self.drivers = []
        self.recorders = []

    def path(self, name):
        return os.path.join(self.dir, name)

    def copy_page(self):
        if not os.path.isfile(MQTTJS):
            raise RuntimeError("%s is missing: run 'make deps' (npm ci in dashboard/)" % MQTTJS)
        src = os.path.join(ROOT, "dashboard")
        for f in os.listdir(src):
            if f.endswith((".html", ".js", ".css")):
                shutil.copy(os.path.join(src, f), self.www)
        dist = os.path.join(self.www, "node_modules", "mqtt", "dist")
        os.makedirs(dist, exist_ok=True)
        shutil.copy(MQTTJS, dist)
        for d, dirs, files in os.walk(self.www):
            os.chmod(d, 0o755)
            for f in files:
                os.chmod(os.path.join(d, f), 0o644)

    def spawn(self, argv, log_name, cwd=None):
        log = open(self.path(log_name), "ab")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             cwd=cwd or self.dir, start_new_session=True)
        log.close()
        self.procs.append((p.pid, p, log_name))
        return p

    def stop(self, p, timeout=5):
        """SIGTERM by PID, wait, then SIGKILL."""
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(5)
        return p.returncode

    def kill9(self, p):
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
        p.wait(5)

    def broker(self, mqtt_port, ws_port=None, extra="", name="mosquitto"):
        """mosquitto on 127.0.0.1:mqtt_port, and with ws_port a WebSockets listener on lo serving
        the page. A WebSockets listener starts only beside a plain one (mosquitto 2.0.11), and
        stays on loopback only when given the interface name (given 127.0.0.1 it binds every
        interface)."""
        conf = ["listener %d 127.0.0.1" % mqtt_port]
        if ws_port:
            self.copy_page()
            conf += ["listener %d lo" % ws_port, "protocol websockets", "http_dir " + self.www]
        conf += ["allow_anonymous true", "set_tcp_nodelay true", "max_queued_messages 10000"]
        if "persistence" not in extra:
            conf.append("persistence false")
        path = self.path(name + ".conf")
        with open(path, "w") as f:
            f.write("\n".join(conf) + "\n" + extra)
        p = self.spawn(["mosquitto", "-c", path], name + ".log")
        wait_port(mqtt_port)
        if ws_port:
            wait_port(ws_port)
        return p

    def write(self, name, text, mode=0o644):
        path = self.path(name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def sim(self, cfg, scenario="normal", modbus_port=None, log="sim.log"):
        p = self.spawn([bin_path("steward-sim"), "-c", cfg, "--scenario", scenario], log)
        if modbus_port:
            wait_port(modbus_port)
        return p

    def gateway(self, cfg, log="steward.log"):
        return self.spawn([bin_path("steward"), "run", "-c", cfg, "--foreground"], log)

    def browser(self, width=1600, height=1000):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        o = webdriver.ChromeOptions()
        ud = tempfile.mkdtemp(prefix="chromium.", dir=self.dir)
        for a in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
                  "--user-data-dir=" + ud, "--window-size=%d,%d" % (width, height)]:
            o.add_argument(a)
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        svc = Service("/usr/bin/chromedriver", log_path=self.path("chromedriver.log"))
        d = webdriver.Chrome(service=svc, options=o)
        d.set_page_load_timeout(20)
        d.set_script_timeout(20)
        self.drivers.append(d)
        return d

    def recorder(self, port, topics):
        r = Recorder(port, topics)
        self.recorders.append(r)
        return r

    def dump_logs(self, lines=15):
        for f in sorted(os.listdir(self.dir)):
            if f.endswith(".log"):
                with open(self.path(f), errors="replace") as fh:
                    tail = fh.readlines()[-lines:]
                print("--- %s (last %d lines)" % (f, len(tail)))
                print("".join(tail), end="")

    def stop_all(self, keep=False):
        for d in self.drivers:
            try:
                d.quit()
            except Exception:
                pass
        self.drivers = []
        for r in self.recorders:
            r.close()
        self.recorders = []
        for pid, p, name in reversed(self.procs):
            self.stop(p)
        self.procs = []
        if keep or os.environ.get("STEWARD_KEEP_TMP"):
            print("kept " + self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self.www, ignore_errors=True)


class Recorder:
    """An MQTT client recording every message on topics (QoS 1)."""

    def __init__(self, port, topics, client_id=""):
        import paho.mqtt.client as mqtt
        self.msgs = []
        self.lock = threading.Lock()
        self.c = mqtt.Client(client_id=client_id, clean_session=True)
        self.c.on_message = self._on
        subscribed = threading.Event()
        self.c.on_subscribe = lambda *a: subscribed.set()
        self.c.on_connect = lambda c, u, f, rc: c.subscribe([(t, 1) for t in topics])
        self.c.connect("127.0.0.1", port, 30)
        self.c.loop_start()
        if not subscribed.wait(10):
            raise TimeoutError("recorder: no SUBACK from 127.0.0.1:%d" % port)

    def _on(self, c, u, m):
        with self.lock:
            self.msgs.append((m.topic, m.payload.decode("utf-8", "replace"), m.retain,
                              time.time()))

    def find(self, topic_pred, payload_pred=lambda d: True):
        import json
        with self.lock:
            msgs = list(self.msgs)
        out = []
        for t, p, r, at in msgs:
            if not topic_pred(t):
                continue
            try:
                d = json.loads(p) if p else None
            except ValueError:
                continue
            if d is not None and payload_pred(d):
                out.append((t, d, r, at))
        return out

    def wait(self, topic_pred, payload_pred, timeout, what):
        return wait_until(lambda: self.find(topic_pred, payload_pred), timeout, what)[0]

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


def publish(port, topic, payload, qos=1, retain=False):
    """Publishes one message and waits for its PUBACK."""
    import paho.mqtt.client as mqtt
    c = mqtt.Client(clean_session=True)
    c.connect("127.0.0.1", port, 30)
    c.loop_start()
    info = c.publish(topic, payload, qos=qos, retain=retain)
    info.wait_for_publish()
    c.loop_stop()
    c.disconnect()
