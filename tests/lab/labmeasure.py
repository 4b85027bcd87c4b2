#!/usr/bin/python3
"""labmeasure.py - what tests, the demo and the benchmarks measure in a lab:
pings, nft counters, the router's chosen uplink, netsvc probes, and waiting
for a route change with the time it happened (CLOCK_MONOTONIC, the clock of
events.log and of labctl impair).
"""

import ctypes
import json
import os
import re
import select
import signal
import subprocess
import time

from labcore import HERE, LabError, netns_list, nsexec, owned_by, role_ns, run

PYTHON = "/usr/bin/python3"


def counters(prefix):
    """nft counters of the lab: {role: {counter: {"packets": n, "bytes": n}}}."""
    out = {}
    for ns in sorted(ns for ns in netns_list() if owned_by(prefix, ns)):
        cp = run(nsexec(ns, ["nft", "-j", "list", "counters", "table", "ip", "lab"]),
                 check=False)
        if cp.returncode != 0:
            continue
        role = ns[len(prefix) + 1:]
        for item in json.loads(cp.stdout).get("nftables", []):
            c = item.get("counter")
            if c:
                out.setdefault(role, {})[c["name"]] = {"packets": c["packets"],
                                                       "bytes": c["bytes"]}
    return out


LAN_FORWARD = ("10.99.0.2", "br-lan")     # (src, iif) of traffic from the lan client


def route_dev(prefix, target="192.0.2.1", role="router", forward=None):
    """Device the kernel in role's namespace picks for target, or None.
    forward=(src, iif), e.g. LAN_FORWARD, asks for forwarded traffic instead
    of the router's own, which differs once policy rules are in play."""
    extra = ["from", forward[0], "iif", forward[1]] if forward else []
    cp = run(["ip", "-n", role_ns(prefix, role), "-j", "route", "get", target] + extra,
             check=False)
    if cp.returncode != 0:
        return None
    routes = json.loads(cp.stdout or "[]")
    return routes[0].get("dev") if routes else None


PING_SUMMARY = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received")
PING_RTT = re.compile(r"= ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms")


def ping(prefix, role, target, count=10, interval_s=0.2, timeout_s=1.0, dev=None):
    """Pings from a lab namespace; returns sent, received, loss_pct and
    rtt_{min,avg,max}_ms (None without replies)."""
    argv = ["ping", "-n", "-q", "-c", str(count), "-i", "%.3f" % interval_s,
            "-W", "%g" % timeout_s] + (["-I", dev] if dev else []) + [target]
    cp = run(nsexec(role_ns(prefix, role), argv), check=False,
             timeout=int(count * interval_s + timeout_s + 10))
    m = PING_SUMMARY.search(cp.stdout)
    if not m:
        raise LabError("ping %s from %s: no summary: %s" % (target, role,
                                                            (cp.stderr or cp.stdout).strip()))
    sent, recv = int(m.group(1)), int(m.group(2))
    r = {"sent": sent, "received": recv,
         "loss_pct": 100.0 * (sent - recv) / sent if sent else 100.0,
         "rtt_min_ms": None, "rtt_avg_ms": None, "rtt_max_ms": None}
    m = PING_RTT.search(cp.stdout)
    if m:
        r.update(rtt_min_ms=float(m.group(1)), rtt_avg_ms=float(m.group(2)),
                 rtt_max_ms=float(m.group(3)))
    return r


def netsvc(prefix, role, args, timeout_s=30):
    """Runs a netsvc.py client in a lab namespace; returns its stdout line."""
    cp = run(nsexec(role_ns(prefix, role), [PYTHON, os.path.join(HERE, "netsvc.py")] + args),
             check=False, timeout=timeout_s)
    if cp.returncode != 0:
        raise LabError("netsvc %s from %s: %s" % (" ".join(args), role, cp.stderr.strip()))
    return cp.stdout.strip()




def wait_for(predicate, timeout_s, interval_s=0.01):
    """Polls predicate() until true; returns the monotonic time it was first
    seen true, or None after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        now = time.monotonic()
        if predicate():
            return now
        if now >= deadline:
            return None
        time.sleep(interval_s)


def probe_until_ok(prefix, role, target, timeout_s, probe_timeout_s=0.2, interval_s=0.05):
    """Sends one ping every interval_s (each a fresh ICMP id, so a stale
    conntrack entry cannot help or hurt it) until one is answered; returns
    the monotonic time the successful probe was sent, or None."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        sent = time.monotonic()
        if ping(prefix, role, target, count=1, timeout_s=probe_timeout_s)["received"]:
            return sent
        time.sleep(max(0.0, interval_s - (time.monotonic() - sent)))
    return None


def _die_with_parent():
    """In the child before exec: SIGTERM when the test process dies, so a
    test killed by a timeout leaves no `ip monitor` behind."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM, 0, 0, 0)     # PR_SET_PDEATHSIG


class RouteWatch:
    """Watches route changes in a lab namespace through `ip monitor route`
    (netlink events, no polling) and tells when the route to a target moved.

        with RouteWatch(prefix) as w:
            t0 = impair(...)
            t1 = w.wait_dev("mob1s1a1", timeout_s=30)   # monotonic time or None
    """

    def __init__(self, prefix, role="router", target="192.0.2.1", forward=None):
        self.prefix, self.role, self.target, self.forward = prefix, role, target, forward
        self.proc = None
        self.events = []            # (monotonic time, event line)

    def __enter__(self):
        self.proc = subprocess.Popen(["ip", "-n", role_ns(self.prefix, self.role), "monitor",
                                      "route"], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, bufsize=0,
                                     preexec_fn=_die_with_parent)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        return False

    def wait_dev(self, dev, timeout_s):
        """Monotonic time of the first route event after which the route to
        the target uses dev (now, if it already does), or None on timeout."""
        if route_dev(self.prefix, self.target, self.role, self.forward) == dev:
            return time.monotonic()
        deadline = time.monotonic() + timeout_s
        fd = self.proc.stdout.fileno()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            t = time.monotonic()
            chunk = os.read(fd, 65536)
            if not chunk:
                raise LabError("ip monitor route in %s ended" % self.role)
            for line in chunk.decode(errors="replace").splitlines():
                if len(self.events) < 10000:
                    self.events.append((t, line))
            if route_dev(self.prefix, self.target, self.role, self.forward) == dev:
                return t
