#!/usr/bin/python3
"""failover_lab.py - benchmark P1: how long the real starfaild, at its
default settings, takes to move traffic off an uplink that fails, and to
bring it back, in the network lab (tests/lab/).

Cases (impairment of the primary, starlink; backups healthy):

  blackhole       everything dropped upstream while a lan client pings
                  through starlink (20 pings/s: LAN traffic flowing, the
                  passive stall signal exists)          goal p95 <= 2 s
  blackhole_idle  the same with no lan traffic             goal p95 <= 3 s
  carrier         the uplink loses carrier                 goal p95 <= 0.5 s
  loss20          20 % of the packets upstream dropped     goal p95 <= 5 s
  loss10          10 %                                     goal p95 <= 10 s
  restore         blackhole until switched, then healthy: time from the
                  end of the impairment until the route is back on
                  starlink, against restore_window_ms (goal: window, + at
                  most two rounds: the first good round, then +- one)

For each run: start starfaild (route controller, the daemon's defaults but
the lab's probe targets) in the lab's router, wait until it routes through
starlink with the backups healthy (the loss cases also wait 150 s until the
loss baseline is learned: 150 probes, a 30 s block late; the goals are for
a running router, not one just started), wait a random 0.5-2 s (the impairment falls anywhere in the
probe cycle), impair starlink and measure from the moment the impairment
took effect (CLOCK_MONOTONIC, from labctl):

  (a) route: until the kernel's default route in Starfail's table changed
      to another uplink (seen by `ip monitor route` in the router);
  (b) ping (blackhole, carrier): until the first lan client ping that is
      answered was sent (one echo every 50 ms, each with a fresh ICMP id).

The daemon is restarted for every run so that each run starts from the same
engine state (a second failure within flap_memory_ms would double the
restore window, by design). Children (`ip monitor`, the pinger) die with
this process (PR_SET_PDEATHSIG): a killed bench leaves nothing holding
/tmp/sf-lab.lock. Figures: median, p95 (nearest rank), max over the runs,
PASS/FAIL against the goals. A missed goal is printed, not an exit failure.

usage: failover_lab.py BUILD_DIR [--runs N] [--cases a,b,...] [--logdir DIR]
       (root; lab prefix sfbn; run it under flock /tmp/sf-lab.lock)
--logdir keeps each run's daemon log (debug: every probe round, every
decision) as DIR/CASE-N.log, to see where the time went.
"""
import argparse
import ctypes
import math
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
PREFIX = "sfbn"
TARGET = "192.0.2.1"
# case: (impair, undo, goal p95 s, LAN traffic, wait for the baseline, timeout s)
CASES = {
    "blackhole": (("blackhole",), ("blackhole", "off"), 2.0, True, False, 15),
    "blackhole_idle": (("blackhole",), ("blackhole", "off"), 3.0, False, False, 15),
    "carrier": (("down",), ("up",), 0.5, True, False, 15),
    "loss20": (("loss", "20"), ("loss", "0"), 5.0, True, True, 90),
    "loss10": (("loss", "10"), ("loss", "0"), 10.0, True, True, 240),
    "restore": (("blackhole",), ("blackhole", "off"), None, True, False, 15),
}
DEFAULT_RUNS = {"blackhole": 8, "blackhole_idle": 8, "carrier": 5, "loss20": 3, "loss10": 3,
                "restore": 3}
BASELINE_WAIT_S = 150.0
POLL_MS = 1500          # poll_interval_ms's default: one round
WINDOW_MS = 30000       # restore_window_ms's default


def pctl(values, p):
    """Nearest-rank percentile."""
    v = sorted(values)
    return v[max(0, min(len(v) - 1, int(math.ceil(p / 100.0 * len(v))) - 1))]


def fmt_s(x):
    return "%.3f" % x if x is not None else "-"


def die_with_parent():
    """In the child before exec: SIGTERM when this process dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM, 0, 0, 0)     # PR_SET_PDEATHSIG


class LineReader:
    """Non-blocking line reader of a child's stdout, each line stamped with
    the monotonic time it was read."""

    def __init__(self, proc):
        self.proc = proc
        self.fd = proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.buf = b""

    def read(self):
        out = []
        try:
            chunk = os.read(self.fd, 65536)
        except BlockingIOError:
            return out
        t = time.monotonic()
        if not chunk:
            return None
        self.buf += chunk
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            out.append((t, line.decode(errors="replace")))
        return out


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def find_key(obj, key):
    """The first value of key anywhere in an API reply, or None."""
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        obj = list(obj.values())
    if isinstance(obj, list):
        for v in obj:
            r = find_key(v, key)
            if r is not None:
                return r
    return None


def evidence_note(d):
    """The starlink member's learned loss baseline, threshold and boost counters."""
    try:
        m = d.call("metrics", {"member": "starlink"})
    except Exception:       # noqa: BLE001 - a note only
        return ""
    out = []
    for key in ("loss_baseline_pct", "loss_threshold", "boost_rounds", "stall_fires"):
        v = find_key(m, key)
        if v is not None:
            out.append("%s=%s" % (key, "%.2f" % v if isinstance(v, float) else v))
    return " ".join(out)


def watch(lab, S, d, t0, timeout_s, want, mon, ping):
    """Waits for the route (want(dev) true) and the first answered ping sent
    after t0; returns (t_route, dev, t_ping)."""
    readers = {mon.stdout: LineReader(mon)}
    if ping:
        readers[ping.stdout] = LineReader(ping)
    t_route = t_ping = dev = None
    deadline = t0 + timeout_s
    while (t_route is None or (ping and t_ping is None)) and time.monotonic() < deadline:
        r, _, _ = select.select(list(readers), [], [], max(0.0, deadline - time.monotonic()))
        for f in r:
            lines = readers[f].read()
            if lines is None:
                return t_route, dev, t_ping
            for t, line in lines:
                if f is mon.stdout and t_route is None and line.startswith("default ") and \
                        "table %d" % S.TABLE in line and " dev " in line:
                    dv = line.split(" dev ", 1)[1].split()[0]
                    if want(dv) and not line.startswith("Deleted"):
                        t_route, dev = t, dv
                elif ping and f is ping.stdout and t_ping is None and line.startswith("ok "):
                    t_send = float(line.split()[1])
                    if t_send > t0:
                        t_ping = t_send
    return t_route, dev, t_ping


def one_run(S, lab, cfg, case, rng, keep_log=None):
    """Returns (seconds, ping_seconds, note); None where not seen. keep_log:
    a path the daemon's log is copied to."""
    imp, undo, _, traffic, baseline, timeout_s = CASES[case]
    d = S.Daemon(lab, cfg, name="starfaild-bench")
    mon = ping = None
    impaired = False
    try:
        d.start()
        ok, _ = S.wait_for(lambda: S.table_default(lab) == "starlink" and
                           sum(m["state"] == "good" for m in d.status()["members"]) >= 2,
                           30, 0.05)
        if not ok:
            return None, None, "daemon did not settle on starlink"
        if baseline:
            time.sleep(BASELINE_WAIT_S)
        note = evidence_note(d)
        mon = subprocess.Popen(["ip", "-n", lab.ns("router"), "monitor", "route"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               preexec_fn=die_with_parent)
        if traffic:
            ping = subprocess.Popen(S.pinger_argv(lab, "lan", TARGET, 0.05, 0.5, 3600),
                                    stdout=subprocess.PIPE, preexec_fn=die_with_parent)
        time.sleep(rng.uniform(0.5, 2.0))
        t0 = lab.impair("starlink", *imp)
        impaired = True
        t_route, dev, t_ping = watch(lab, S, d, t0, timeout_s, lambda v: v != "starlink",
                                     mon, ping if case in ("blackhole", "carrier") else None)
        sw = [e for e in d.events() if e["type"] == "switch" and e["from"] == "starlink"]
        why = "reason %s" % sw[-1]["reason"] if sw else "no switch event"
        why += " backup %s" % (dev or "-")
        if note:
            why += " (before: %s; after: %s)" % (note, evidence_note(d))
        if case != "restore":
            if t_route is None:
                why += ", not seen within %.0f s" % timeout_s
            return (t_route - t0 if t_route else None,
                    t_ping - t0 if t_ping else None, why)
        if t_route is None:
            return None, None, why + ", never left starlink"
        time.sleep(3.0)
        t_off = lab.impair("starlink", *undo)
        impaired = False
        t_back, _, _ = watch(lab, S, d, t_off, WINDOW_MS / 1000.0 * 3,
                             lambda v: v == "starlink", mon, None)
        back = [e for e in d.events() if e["type"] == "switch" and e["to"] == "starlink"]
        why = "reason %s" % (back[-1]["reason"] if back else "-")
        return (t_back - t_off if t_back else None, None, why)
    finally:
        for p in (mon, ping):
            if p:
                stop(p)
                p.stdout.close()
        d.stop()
        if keep_log:
            os.makedirs(os.path.dirname(keep_log) or ".", exist_ok=True)
            shutil.copyfile(d.log, keep_log)
        d.close()
        if impaired:
            lab.impair("starlink", *undo)


def main(argv):
    ap = argparse.ArgumentParser(description="benchmark P1 (lab failover, default settings)")
    ap.add_argument("build")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("SF_BENCH_RUNS", "0")),
                    help="runs per case (0: the default of each case)")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--logdir", default=None, help="keep each run's daemon log here")
    ap.add_argument("--seed", type=int, default=73,
                    help="seed of the impairment phases (runs of separate invocations differ)")
    a = ap.parse_args(argv[1:])
    cases = a.cases.split(",")
    if any(c not in CASES for c in cases) or a.runs < 0:
        print("failover_lab: cases are %s, runs >= 0" % ",".join(CASES), file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("P1 failover_lab: skipped (needs root for the network lab)")
        return 0
    os.environ["SF_BUILD"] = os.path.abspath(a.build)
    sys.path.insert(0, os.path.join(ROOT, "tests", "scenario"))
    import sfscenario as S
    import labctl
    for exe in ("starfaild", "starfailctl"):
        if not os.access(os.path.join(a.build, exe), os.X_OK):
            print("P1 failover_lab: %s/%s not built" % (a.build, exe), file=sys.stderr)
            return 1

    # the daemon's defaults: config_text's own 500 ms poll is put back to the default
    cfg = S.config_text(S.router_members(), {"poll_interval_ms": str(POLL_MS),
                                             "log_level": "info"})
    rng = random.Random(a.seed)
    results = {}
    t_start = time.monotonic()
    print("P1: impairment of the primary (starlink) at default settings (poll %d ms, "
          "restore window %d ms, adaptive evidence and passive stall on), lab %s"
          % (POLL_MS, WINDOW_MS, PREFIX), flush=True)
    with labctl.Lab(PREFIX, uplinks=["starlink", "mob1s1a1", "wan"]) as lab:
        for case in cases:
            rs = []
            for i in range(a.runs or DEFAULT_RUNS[case]):
                log = os.path.join(a.logdir, "%s-%d.log" % (case, i + 1)) if a.logdir else None
                s, ping_s, why = one_run(S, lab, cfg, case, rng, log)
                rs.append((s, ping_s))
                print("  %-14s run %2d: %s s  ping %s s  %s" %
                      (case, i + 1, fmt_s(s), fmt_s(ping_s), why), flush=True)
            results[case] = rs

    print("P1 results (seconds from impairment; median / p95 / max over the runs seen):")
    verdict = []
    for case in cases:
        goal = CASES[case][2]
        labels = [(0, "route change")]
        if case in ("blackhole", "carrier"):
            labels.append((1, "first lan ping via backup"))
        if case == "restore":
            labels = [(0, "route back after the end")]
        for k, label in labels:
            vals = [r[k] for r in results[case] if r[k] is not None]
            missing = len(results[case]) - len(vals)
            if not vals:
                print("  P1 %-14s %-26s no run seen  FAIL" % (case, label))
                verdict.append(False)
                continue
            if case == "restore":
                lo, hi = WINDOW_MS / 1000.0, (WINDOW_MS + 2 * POLL_MS) / 1000.0
                ok = not missing and all(lo <= v <= hi for v in vals)
                goal_text = "goal %.1f..%.1f (window + <= 2 rounds)" % (lo, hi)
            else:
                ok = not missing and pctl(vals, 95) <= goal
                goal_text = "goal p95 <= %.1f" % goal
            print("  P1 %-14s %-26s n=%2d median %.3f  p95 %.3f  max %.3f  %s  %s%s" %
                  (case, label, len(vals), pctl(vals, 50), pctl(vals, 95), max(vals), goal_text,
                   "PASS" if ok else "FAIL",
                   " (%d runs not seen)" % missing if missing else ""))
            verdict.append(ok)
    print("P1: %s (bench took %.0f s)" % ("all goals met" if all(verdict) else
                                         "GOAL MISSED, see FAIL lines", time.monotonic() - t_start))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
