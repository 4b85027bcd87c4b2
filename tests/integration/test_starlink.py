#!/usr/bin/python3
"""test_starlink.py - the Starlink collector against a real gRPC server.

tests/starlink/dish_emulator.py (python3-grpcio, our proto/dish.proto) plays
the dish scenarios; tests/starlink/h2_hostile.py answers with broken HTTP/2
and gRPC framing. The collector runs in tests/starlink/sl_probe, which prints
starlink_metrics_json() after each poll: the same JSON the daemon's
`metrics` API method is to carry for a Starlink member. `collect()` is the
one place that reads it: with --daemon it runs starfaild --dry-run with one
starlink member instead and reads the same JSON from the daemon's `metrics`
API method (result.starlink), so every assertion also holds through the
daemon.

Everything stays on 127.0.0.1; every child is killed on exit.
usage: test_starlink.py --probe build/sl_probe --descriptor build/gen/dish.pb
                        [--daemon build/starfaild] [-k name]
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EMU = os.path.join(HERE, "..", "starlink", "dish_emulator.py")
HOSTILE = os.path.join(HERE, "..", "starlink", "h2_hostile.py")
PY = "/usr/bin/python3"
FAST = ["-i", "500", "-H", "1000", "-t", "1000", "-b", "200", "-B", "1000", "-w", "3000"]

ARGS = None
CHILDREN = []
RESULTS = {"passed": 0, "failed": 0}


class Fail(Exception):
    pass


def check(cond, what, data=None):
    if not cond:
        extra = ""
        if data is not None:
            extra = "\n    " + json.dumps(data)[:1500]
        raise Fail(what + extra)


def start(cmd):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    CHILDREN.append(p)
    line = p.stdout.readline()
    if not line.startswith("PORT "):
        p.kill()
        raise Fail("server did not start: %r (%s)" % (line, " ".join(cmd)))
    return p, int(line.split()[1])


def stop(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def emulator(scenario=None, control=None, stall_s=3.0):
    cmd = [PY, EMU, "--descriptor", ARGS.descriptor, "--port", "0", "--stall-s", str(stall_s)]
    if scenario:
        cmd += ["--scenario", scenario]
    if control:
        cmd += ["--control", control]
    return start(cmd)


PROBE_TO_OPTION = {"-i": "dish_status_interval_ms", "-H": "dish_history_interval_ms",
                   "-t": "dish_timeout_ms", "-b": "dish_backoff_min_ms", "-B": "dish_backoff_max_ms",
                   "-w": "dish_obstruction_window_ms"}


def api_call(path, method, params):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(path)
        s.sendall(json.dumps({"method": method, "params": params}).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    r = json.loads(data.decode())
    if r.get("error"):
        raise Fail("api %s: %s" % (method, r["error"]))
    return r["result"]


def collect_daemon(port, polls, extra=(), on_poll=None, timeout_s=90):
    """The same through the daemon: starfaild --dry-run with one starlink member
    on lo, its `metrics` API read after every new poll of the collector."""
    opts = {"dish_host": "127.0.0.1", "dish_port": str(port)}
    args = list(FAST) + list(extra)
    for i in range(0, len(args) - 1, 2):
        opts[PROBE_TO_OPTION[args[i]]] = args[i + 1]
    work = tempfile.mkdtemp(prefix="sfsl-")
    conf, sock = os.path.join(work, "starfail"), os.path.join(work, "sf.sock")
    with open(conf, "w") as f:
        f.write("config starfail 'main'\n\tlist probe_targets '127.0.0.1'\n\n"
                "config member 'starlink'\n\toption device 'lo'\n\toption class 'starlink'\n")
        for k, v in opts.items():
            f.write("\toption %s '%s'\n" % (k, v))
    errf = tempfile.TemporaryFile("w+")
    p = subprocess.Popen([ARGS.daemon, "--dry-run", "-config", conf, "-socket", sock,
                          "-log-level", "warn"], stdout=errf, stderr=errf)
    CHILDREN.append(p)
    out, seen, t_end = [], 0, time.monotonic() + timeout_s
    try:
        while len(out) < polls and time.monotonic() < t_end and p.poll() is None:
            time.sleep(0.05)
            try:
                d = api_call(sock, "metrics", {"member": "starlink"}).get("starlink")
            except (OSError, ValueError):
                continue
            n = d["polls_ok"] + d["polls_failed"] if d else 0
            if n > seen:
                seen = n
                out.append(d)
                if on_poll:
                    on_poll(len(out), d)
    finally:
        alive = p.poll() is None
        stop(p)
        rc = p.returncode
        errf.seek(0)
        err_tail = errf.read()[-2000:]
        errf.close()
        for f in (conf, sock):
            if os.path.exists(f):
                os.unlink(f)
        os.rmdir(work)
    check(alive, "starfaild exited early: %s" % err_tail)
    check(rc == 0, "starfaild exit status %s after SIGTERM (sanitizer?): %s" % (rc, err_tail))
    check(len(out) == polls, "daemon showed %d of %d polls; log: %s" % (len(out), polls, err_tail))
    return out


def collect(port, polls, extra=(), on_poll=None, timeout_s=90):
    """Run the collector for `polls` polls; return the JSON of each poll."""
    if ARGS.daemon:
        return collect_daemon(port, polls, extra, on_poll, timeout_s)
    cmd = [ARGS.probe, "-h", "127.0.0.1", "-p", str(port), "-n", str(polls)] + FAST + list(extra)
    errf = tempfile.TemporaryFile("w+")
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errf, text=True)
    CHILDREN.append(p)
    timer = threading.Timer(timeout_s, p.kill)
    timer.start()
    out = []
    try:
        for line in p.stdout:
            d = json.loads(line)["collector"]
            out.append(d)
            if on_poll:
                on_poll(len(out), d)
        p.wait()
    finally:
        timer.cancel()
        stop(p)
    errf.seek(0)
    err_tail = errf.read()[-2000:]
    errf.close()
    check(len(out) == polls, "collector printed %d of %d polls; stderr: %s" % (len(out), polls, err_tail))
    check(p.returncode == 0, "collector exit status %s (sanitizer?); stderr: %s" % (p.returncode, err_tail))
    return out


def with_emulator(scenario, polls, **kw):
    emu, port = emulator(scenario)
    try:
        return collect(port, polls, **kw)
    finally:
        stop(emu)


# ---------------------------------------------------------------- scenarios
def test_healthy():
    polls = with_emulator("healthy", 5)
    for d in polls:
        m = d["metrics"]
        check(m["reachable"] is True and d["last_error"] is None, "healthy poll reachable", d)
        check(15 <= m["pop_latency_ms"] <= 50, "latency in the emulated range", m)
        check(m["pop_drop_pct"] == 0, "no drop (absent on the wire = 0 while connected)", m)
        check(abs(m["obstruction_pct"] - 0.2) < 0.01, "obstruction 0.2 %", m)
        check(m["currently_obstructed"] is False and m["outage"] == "CONNECTED", "connected", m)
        check(m["gps_valid"] is True and m["gps_sats"] == 14, "gps", m)
        check(m["software_update_state"] == 1 and m["reboot_in_s"] is None, "no update", m)
        check(m["thermal_throttle"] is False and d["alerts"] == [], "no alerts", d)
        check(m["prolonged_obstruction_interval_s"] is None, "NaN interval = no data", m)
        check(m["uptime_s"] > 3000, "uptime", m)
    last = polls[-1]
    check(last["device"]["hardware_version"] == "rev4_panda_prod2", "device info", last)
    check(len(last["device"]["build_id"]) == 68 and last["device"]["build_id"].endswith("mr81950b"),
          "the 68-character build_id whole", last["device"])
    check(last["api_version"] == 42, "api_version", last)
    check(last["connects"] == 1, "one connection kept open over all polls", last)
    check(last["history_ok"] >= 2 and last["history"]["reboots_seen"] == 0, "history read", last)
    check(last["bytes_rx_total"] > 10000, "history bytes counted", last)
    check(all(not any(v for v in d["signals"].values()) for d in polls[1:]), "no signal raised", last)


def test_obstructed_bursts():
    polls = with_emulator("obstructed", 24)
    m_all = [d["metrics"] for d in polls]
    check(all(m["currently_obstructed"] is True for m in m_all), "currently obstructed", m_all[-1])
    check(max(m["hist_max_drop_run_s"] or 0 for m in m_all) >= 3,
          "3 s full-drop burst seen through history", [m["hist_max_drop_run_s"] for m in m_all])
    check(any((m["pop_drop_pct"] or 0) > 0 for m in m_all),
          "burst reaches pop_drop_pct although the status drop is 0", [m["pop_drop_pct"] for m in m_all])
    check(m_all[-1]["obstruction_pct"] > m_all[0]["obstruction_pct"], "obstruction grows", m_all[-1])
    rises = [m["obstruction_rise_pct"] for m in m_all if m["obstruction_rise_pct"] is not None]
    check(rises and rises[-1] > 1.0, "obstruction_rise_pct over the 3 s window", rises)
    check(polls[-1]["signals"]["obstruction_rising"] is True, "signal obstruction_rising", polls[-1])
    check(polls[-1]["signals"]["currently_obstructed"] is True, "signal currently_obstructed", polls[-1])


def test_outage_with_cause():
    polls = with_emulator("outage", 4)
    for d in polls:
        m = d["metrics"]
        check(m["reachable"] is True, "dish answers during an outage", d)
        check(m["outage"] == "NO_SATS" and m["outage_cause"] == 5, "cause NO_SATS", m)
        check(m["pop_drop_pct"] == 100, "100 % drop", m)
        check(m["pop_latency_ms"] is None and m["downlink_bps"] is None, "no invented latency/throughput", m)
        check(d["signals"]["outage_present"] is True, "signal outage_present", d)
        # the dish sends GPS-time ns: converted, the start is now minus the duration (Unix time)
        check(m["outage_start_s"] and abs(m["outage_start_s"] + m["outage_duration_s"] - time.time()) < 5,
              "outage start in Unix time", m)
    check(polls[-1]["metrics"]["outage_duration_s"] > polls[0]["metrics"]["outage_duration_s"],
          "outage duration grows", [d["metrics"]["outage_duration_s"] for d in polls])


def test_reboot_pending():
    polls = with_emulator("reboot_pending", 6)
    ms = [d["metrics"] for d in polls]
    for d, m in zip(polls, ms):
        check(m["reboot_ready"] is True and m["update_pending"] is True, "update ready", m)
        check(m["software_update_state"] == 6, "REBOOT_REQUIRED", m)
        check("install_pending" in d["alerts"], "install_pending alert", d)
        check(d["signals"]["reboot_imminent"] is True and d["signals"]["update_pending"] is True,
              "signals reboot_imminent/update_pending", d)
    secs = [m["reboot_in_s"] for m in ms]
    check(all(s is not None and 0 <= s <= 120 for s in secs), "seconds until reboot", secs)
    check(secs[-1] < secs[0], "reboot countdown goes down", secs)


def test_snr_low():
    polls = with_emulator("snr_low", 4)
    for d in polls:
        m = d["metrics"]
        check(m["snr_persistently_low"] is True, "snr persistently low", m)
        check(d["signals"]["snr_persistently_low"] is True, "signal", d)
        check(abs(m["pop_drop_pct"] - 15) < 0.5, "15 % drop", m)


def test_thermal():
    d = with_emulator("thermal", 3)[-1]
    check(d["metrics"]["thermal_throttle"] is True and d["signals"]["thermal"] is True, "thermal", d)
    check(d["alerts"] == ["thermal_throttle"], "alerts list", d)


def test_old_firmware():
    polls = with_emulator("old_firmware", 4)
    for d in polls:
        m = d["metrics"]
        check(m["reachable"] is True, "reachable", d)
        for k in ("gps_valid", "gps_sats", "thermal_throttle", "snr_persistently_low",
                  "software_update_state", "reboot_in_s", "update_pending", "reboot_ready"):
            check(m[k] is None, "absent field %s reported unknown, not zero/false" % k, m)
        check(d["alerts"] is None, "no alerts message = unknown", d)
    m = polls[-1]["metrics"]
    check(m["pop_latency_ms"] is not None and 15 <= m["pop_latency_ms"] <= 50,
          "status latency 0 (2024.11 firmware) replaced by the history latency", m)
    check(polls[-1]["api_version"] == 28, "api_version", polls[-1])


def grpc_error(code):
    polls = with_emulator("status%d" % code, 3)
    for d in polls:
        e = d["last_error"]
        check(d["metrics"]["reachable"] is False, "unreachable", d)
        check(e and e["kind"] == "grpc_status" and e["grpc_status"] == code, "status %d" % code, d)
        check("emulated" in e["message"], "grpc-message kept", e)
        check(d["metrics"]["pop_latency_ms"] is None and d["metrics"]["obstruction_pct"] is None,
              "no invented values", d)
        check(d["signals"]["dish_unreachable"] is True, "signal dish_unreachable", d)
    check(polls[-1]["polls_failed"] == 3 and polls[-1]["consecutive_failures"] == 3, "counted", polls[-1])


def test_status_7():
    grpc_error(7)


def test_status_12():
    grpc_error(12)


def test_status_14():
    grpc_error(14)


def test_stall_then_recover():
    polls = with_emulator("stall_once", 4)
    e = polls[0]["last_error"]
    check(polls[0]["metrics"]["reachable"] is False and e["kind"] == "timeout", "first poll times out", polls[0])
    check("reply" in e["message"], "timeout says which phase", e)
    check(polls[-1]["metrics"]["reachable"] is True, "next polls work", polls[-1])
    check(polls[-1]["connects"] >= 2, "connection was reset after the stall", polls[-1])


def test_stall_backoff():
    at = []
    polls = with_emulator("stall", 4, extra=["-b", "400", "-B", "800"],
                          on_poll=lambda n, d: at.append(time.monotonic()))
    check(all(d["last_error"]["kind"] == "timeout" for d in polls), "every poll times out", polls[-1])
    check(polls[-1]["consecutive_failures"] == 4 and polls[-1]["state"] == "backoff", "backoff", polls[-1])
    gaps = [b - a for a, b in zip(at, at[1:])]
    # failure to failure = backoff (400, 800, 800 ms) + the 1000 ms deadline of the next call
    check(gaps[0] >= 1.3 and gaps[1] >= 1.7 and gaps[2] >= 1.7, "backoff doubles up to its cap", gaps)


def test_garbage_protobuf():
    for scn in ("garbage", "wrongtype"):
        polls = with_emulator(scn, 2)
        for d in polls:
            check(d["last_error"]["kind"] == "decode", "%s: decode error" % scn, d)
        check(polls[-1]["connects"] == 2, "%s: connection reset after a bad reply" % scn, polls[-1])


def test_big_replies():
    polls = with_emulator("big", 2)
    for d in polls:
        check(d["metrics"]["reachable"] is True, "200 KB reply (HTTP/2 flow control) decoded", d)
        check(d["bytes_rx_last_poll"] > 200000, "bytes counted", d)
    polls = with_emulator("toobig", 2)
    for d in polls:
        e = d["last_error"]
        check(e and e["kind"] == "frame" and "over the cap" in e["message"], "300 KB reply refused", d)


def test_device_info_unusable():
    for scn, kind in (("devinfo12", "grpc_status"), ("devinfo_empty", "reply")):
        polls = with_emulator(scn, 3)
        for d in polls:
            check(d["metrics"]["reachable"] is True, "%s: status still polled" % scn, d)
        last = polls[-1]
        check(last["last_device_info_error"]["kind"] == kind, "%s: device info error kept" % scn, last)
        check(last["device"]["hardware_version"] == "rev4_panda_prod2", "%s: versions from status" % scn, last)


def test_refused():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    polls = collect(port, 2)
    for d in polls:
        check(d["last_error"]["kind"] == "refused" and d["metrics"]["reachable"] is False, "refused", d)
        check(d["metrics"]["pop_latency_ms"] is None, "no invented values", d)


def test_reboot_detected():
    with tempfile.NamedTemporaryFile("w", suffix=".scn", delete=False) as f:
        f.write("healthy\n")
        control = f.name
    emu, port = emulator(control=control)
    try:
        def switch(n, d):
            if n == 4:
                with open(control, "w") as f:
                    f.write("rebooted\n")
                os.utime(control, (time.time() + 5, time.time() + 5))
        polls = collect(port, 10, on_poll=switch)
    finally:
        stop(emu)
        os.unlink(control)
    check(any(d["metrics"]["dish_rebooted"] is True for d in polls[4:]), "reboot seen", polls[-1])
    check(polls[-1]["history"]["reboots_seen"] == 1, "one reboot", polls[-1])
    check(polls[-1]["metrics"]["uptime_s"] < 100, "uptime restarted", polls[-1])


# ------------------------------------------------- the dish API's faults (daemon)
class DishDaemon:
    """starfaild --dry-run with one starlink member on lo, polled fast."""

    def __init__(self, port):
        self.work = tempfile.mkdtemp(prefix="sfslf-")
        self.conf = os.path.join(self.work, "starfail")
        self.sock = os.path.join(self.work, "sf.sock")
        self.log = os.path.join(self.work, "log")
        opts = {"dish_host": "127.0.0.1", "dish_port": str(port)}
        for i in range(0, len(FAST) - 1, 2):
            opts[PROBE_TO_OPTION[FAST[i]]] = FAST[i + 1]
        with open(self.conf, "w") as f:
            f.write("config starfail 'main'\n\tlist probe_targets '127.0.0.1'\n\n"
                    "config member 'starlink'\n\toption device 'lo'\n\toption class 'starlink'\n")
            for k, v in opts.items():
                f.write("\toption %s '%s'\n" % (k, v))
        self.logf = open(self.log, "w")
        self.p = subprocess.Popen([ARGS.daemon, "--dry-run", "-config", self.conf, "-socket", self.sock,
                                   "-log-level", "info"], stdout=self.logf, stderr=self.logf)
        CHILDREN.append(self.p)

    def call(self, method, params=None):
        return api_call(self.sock, method, params or {})

    def member(self):
        return self.call("members")[0]

    def wait(self, what, cond, timeout_s=20):
        t_end = time.monotonic() + timeout_s
        last = None
        while time.monotonic() < t_end:
            check(self.p.poll() is None, "starfaild exited: " + self.read_log()[-2000:])
            try:
                last = self.member()
                if cond(last):
                    return last
            except (OSError, ValueError, Fail):
                pass
            time.sleep(0.1)
        raise Fail("%s: not within %d s" % (what, timeout_s), last)

    def events(self, type_):
        evs = self.call("events", {"limit": 1000})["events"]
        return [e for e in evs if e["type"] == type_ and e["reason"] == "starlink"]

    def read_log(self):
        self.logf.flush()
        with open(self.log) as f:
            return f.read()

    def stop(self):
        stop(self.p)
        self.logf.close()
        rc = self.p.returncode
        for f in (self.conf, self.sock, self.log):
            if os.path.exists(f):
                os.unlink(f)
        os.rmdir(self.work)
        return rc


def set_scenario(control, name, _n=[0]):
    with open(control, "w") as f:
        f.write(name + "\n")
    _n[0] += 1
    os.utime(control, (time.time() + _n[0], time.time() + _n[0]))   # a new mtime every time


def test_daemon_dish_faults():
    """Each way the dish API fails is shown on the member (reason, since),
    raised and cleared as events, logged on change, not per poll."""
    with tempfile.NamedTemporaryFile("w", suffix=".scn", delete=False) as f:
        f.write("healthy\n")
        control = f.name
    emu, port = emulator(control=control, stall_s=2.5)
    d = DishDaemon(port)
    try:
        m = d.wait("healthy dish, no fault", lambda m: m["fault"] is None and
                   d.call("metrics", {"member": "starlink"})["starlink"]["polls_ok"] >= 2)
        check(m["fault_since"] is None and m["fault_for_s"] is None and m["fault_failures"] is None,
              "no fault: null", m)
        state_before = m["state"]
        expected = [("status7", "dish API answered gRPC status 7 PERMISSION_DENIED"),
                    ("status12", "dish API answered gRPC status 12 UNIMPLEMENTED"),
                    ("status14", "dish API answered gRPC status 14 UNAVAILABLE"),
                    ("stall", "dish API 127.0.0.1:%d did not answer within 1000 ms" % port)]
        for n, (scn, reason) in enumerate(expected):
            t_fault = time.time()
            set_scenario(control, scn)
            m = d.wait(scn, lambda m: m["fault"] == "starlink: " + reason)
            check(t_fault - 1 <= m["fault_since"] <= time.time() + 1, "%s: since the first failure" % scn, m)
            check(m["state"] == state_before, "%s: the member keeps its probe-based state" % scn, m)
            evs = d.events("fault")
            check(len(evs) == n + 1 and reason in evs[-1]["text"] and evs[-1]["member"] == "starlink",
                  "%s: one event when it starts" % scn, evs)
            st = d.call("status")
            check(st["members"][0]["fault"] == m["fault"], "%s: status shows it too" % scn, st["members"])
            f0 = m["fault_failures"]
            m = d.wait("%s: more failed polls counted" % scn, lambda m: m["fault_failures"] >= f0 + 1)
            check(len(d.events("fault")) == n + 1, "%s: no event per poll" % scn, d.events("fault"))
            set_scenario(control, "healthy")
            m = d.wait("%s: recovered" % scn, lambda m: m["fault"] is None)
            cleared = d.events("fault_cleared")
            check(len(cleared) == n + 1 and ('was="' + reason) in cleared[-1]["text"],
                  "%s: a clear event" % scn, cleared)
            check(m["fault_since"] is None and m["fault_failures"] is None, "%s: cleared fields" % scn, m)

        # a fault that changes reason: one "fault" event more, its start kept
        set_scenario(control, "status7")
        m7 = d.wait("status7 again", lambda m: m["fault"] and "PERMISSION_DENIED" in m["fault"])
        set_scenario(control, "status14")
        m14 = d.wait("status7 -> status14", lambda m: m["fault"] and "UNAVAILABLE" in m["fault"])
        check(m14["fault_since"] == m7["fault_since"], "the fault goes on: since kept", [m7, m14])
        check(len(d.events("fault")) == len(expected) + 2, "raised + changed", d.events("fault"))
        set_scenario(control, "healthy")
        d.wait("recovered again", lambda m: m["fault"] is None)

        # refused: nothing listens on the port, then the dish is back on it
        stop(emu)
        m = d.wait("refused", lambda m: m["fault"] ==
                   "starlink: dish API 127.0.0.1:%d refused the connection" % port)
        check(d.events("fault")[-1]["text"].startswith("reason=\"dish API 127.0.0.1:%d refused" % port),
              "refused event", d.events("fault"))
        emu, port2 = start([PY, EMU, "--descriptor", ARGS.descriptor, "--port", str(port),
                            "--scenario", "healthy"])
        m = d.wait("back after refused", lambda m: m["fault"] is None, timeout_s=30)
        check(len(d.events("fault_cleared")) == len(expected) + 2, "clear event after refused",
              d.events("fault_cleared"))
        log = d.read_log()
        check("dish not answering" not in log, "no warning per poll", log[-2000:])
        changes = [ln for ln in log.splitlines() if "collector=starlink" in ln and "fault" in ln
                   and "still failing" not in ln and "event:" not in ln]
        events = len(d.events("fault")) + len(d.events("fault_cleared"))
        # every change: one log line and one event (the emulator's end may show as "closed" first)
        check(events >= 2 * len(expected) + 4 and len(changes) == events,
              "a log line per change, as many as events",
              changes)
    finally:
        stop(emu)
        rc = d.stop()
        os.unlink(control)
    check(rc == 0, "starfaild exit status %s (sanitizer?)" % rc)


def sh(*cmd, check_rc=True):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check_rc and r.returncode != 0:
        raise Fail("%s: %s" % (" ".join(cmd), r.stdout.strip()))
    return r


def test_bind_device_netns():
    """The socket is bound to the member's device: dish in one namespace, collector in another."""
    if ARGS.daemon:
        print("SKIP test_bind_device_netns: runs the collector alone")
        return
    if os.geteuid() != 0 or subprocess.run(["ip", "netns", "list"], capture_output=True).returncode:
        print("SKIP test_bind_device_netns: needs root and ip netns")
        return
    tag = "%d" % (os.getpid() % 100000)
    cli, dish, va, vb = "sfsl-c" + tag, "sfsl-d" + tag, "sfsl" + tag + "a", "sfsl" + tag + "b"
    emu = None
    try:
        sh("ip", "netns", "add", cli)
        sh("ip", "netns", "add", dish)
        sh("ip", "link", "add", va, "netns", cli, "type", "veth", "peer", "name", vb, "netns", dish)
        sh("ip", "-n", cli, "addr", "add", "192.168.100.2/24", "dev", va)
        sh("ip", "-n", dish, "addr", "add", "192.168.100.1/24", "dev", vb)
        for ns, dev in ((cli, va), (dish, vb), (cli, "lo"), (dish, "lo")):
            sh("ip", "-n", ns, "link", "set", dev, "up")
        p = subprocess.Popen(["ip", "netns", "exec", dish, PY, EMU, "--descriptor", ARGS.descriptor,
                              "--host", "192.168.100.1", "--port", "9200", "--scenario", "healthy"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        CHILDREN.append(p)
        emu = p
        line = p.stdout.readline()
        check(line.startswith("PORT 9200"), "emulator in the dish namespace: %r" % line)
        saved = ARGS.probe
        try:
            ARGS.probe = "ip"
            wrap = ["netns", "exec", cli, saved]
            polls = collect_cmd(wrap + ["-h", "192.168.100.1", "-p", "9200", "-n", "2", "-d", va] + FAST)
            check(all(d["metrics"]["reachable"] is True and d["bind_device"] == va for d in polls),
                  "dish reached through the bound device", polls[-1])
            polls = collect_cmd(wrap + ["-h", "192.168.100.1", "-p", "9200", "-n", "1", "-d", "lo"] + FAST)
            e = polls[-1]["last_error"]
            check(e and e["kind"] in ("connect", "timeout"), "bound to lo: the dish is not reachable", polls[-1])
        finally:
            ARGS.probe = saved
    finally:
        if emu:
            stop(emu)
        for ns in (cli, dish):
            sh("ip", "netns", "del", ns, check_rc=False)


def collect_cmd(argv, timeout_s=60):
    """Run `ARGS.probe argv...` (e.g. through ip netns exec); return the JSON of each poll."""
    p = subprocess.run([ARGS.probe] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout_s)
    check(p.returncode == 0, "collector exit status %d: %s" % (p.returncode, p.stderr[-1500:]))
    return [json.loads(line)["collector"] for line in p.stdout.splitlines() if line.strip()]


HOSTILE_EXPECT = {
    "ctype": "content_type", "truncated": "frame", "overcap": "frame", "midstall": "timeout",
    "http500": "http_status", "hugeheaders": "http2", "notrailer": "http2", "badflag": "frame",
    "garbage": "http2", "goaway": "closed",
}


def test_reused_connection_dropped():
    """A call on a kept-open connection that the dish closes is retried once on a new one."""
    srv, port = start([PY, HOSTILE, "--mode", "dropsecond"])
    try:
        polls = collect(port, 3)
    finally:
        stop(srv)
    for d in polls:
        check(d["metrics"]["reachable"] is True and d["last_error"] is None, "every poll answered", d)
    check(polls[-1]["retries"] >= 3 and polls[-1]["connects"] >= 4, "retried on fresh connections", polls[-1])
    check(polls[-1]["device"]["id"] == "x", "device info read", polls[-1])


def test_hostile_transport():
    for mode, kind in HOSTILE_EXPECT.items():
        srv, port = start([PY, HOSTILE, "--mode", mode])
        try:
            polls = collect(port, 2)
        finally:
            stop(srv)
        for d in polls:
            e = d["last_error"]
            check(e and e["kind"] == kind, "%s: error kind %s" % (mode, kind), d)
            check(d["metrics"]["reachable"] is False, "%s: unreachable" % mode, d)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--probe", required=True)
    ap.add_argument("--descriptor", required=True)
    ap.add_argument("--daemon", help="starfaild: assert through its `metrics` API instead of sl_probe")
    ap.add_argument("-k", default="")
    ARGS = ap.parse_args()
    # test_daemon_*: members and events are the daemon's (run with --daemon only)
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_") and ARGS.k in n
             and (ARGS.daemon or not n.startswith("test_daemon_"))]
    try:
        for name, fn in tests:
            t0 = time.monotonic()
            try:
                fn()
                RESULTS["passed"] += 1
                print("PASS %s (%.1f s)" % (name, time.monotonic() - t0), flush=True)
            except Fail as e:
                RESULTS["failed"] += 1
                print("FAIL %s: %s" % (name, e), flush=True)
    finally:
        for p in CHILDREN:
            if p.poll() is None:
                p.kill()
                p.wait()
    print("starlink: %d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    return 1 if RESULTS["failed"] or not tests else 0


if __name__ == "__main__":
    sys.exit(main())
