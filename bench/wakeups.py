#!/usr/bin/python3
"""wakeups.py - does an unrelated pinger wake the daemon? (issue 13, defect 8)

In the network lab (prefix sfwake, one uplink "wan") starfaild probes one
member at poll_interval_ms 1500 (three ICMP targets). Its voluntary context
switches (/proc/PID/status: voluntary_ctxt_switches, one per sleep in the
loop, i.e. wake-ups) are counted over SECONDS without, then with, an
unrelated `ping -i 0.2 -I wan` (5 echo requests/s to one of the lab's
targets) on the member's device, run from the router namespace. Printed:
both rates, the ratio with/without, the CPU of both periods, and the probe
socket kind. The goal: the ratio stays near 1 (before the echo-id filter
the pinger raised 0.7/s to 5.7/s). Run twice, once per ICMP socket kind:
raw sockets (ping_group_range "1 0", the lab's default) and ping sockets.

usage: wakeups.py BUILD_DIR [--seconds N] [--base OTHER_BUILD_DIR]
  --base: the same measurement with another build's starfaild (e.g. one
  without the filter), printed first, for a before/after figure.
"""
import argparse
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "scenario"))
sys.path.insert(0, os.path.join(ROOT, "tests", "lab"))
import labctl  # noqa: E402
import sfscenario as S  # noqa: E402

PREFIX = "sfwake"


def vcsw(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                return int(line.split()[1])
    raise RuntimeError("no voluntary_ctxt_switches for %d" % pid)


def cpu_s(pid):
    with open("/proc/%d/schedstat" % pid) as f:
        return int(f.read().split()[0]) / 1e9


def period(pid, seconds):
    v0, c0, t0 = vcsw(pid), cpu_s(pid), time.monotonic()
    time.sleep(seconds)
    dt = time.monotonic() - t0
    return (vcsw(pid) - v0) / dt, (cpu_s(pid) - c0) / dt


def measure(lab, build, seconds, label):
    os.environ["SF_BUILD"] = os.path.abspath(build)
    cfg = S.config_text([("wan", {"priority": "1"})], {"poll_interval_ms": "1500", "log_level": "info"})
    with S.Daemon(lab, cfg, extra_args=["-log-level", "info"]) as d:
        pid = d.proc.pid
        time.sleep(3)	# first rounds, link state settled
        try:
            kind = d.call("metrics", {"member": "wan"})["probe"].get("icmp_socket", "?")
        except RuntimeError:
            kind = "?"
        time.sleep(1)
        quiet, quiet_cpu = period(pid, seconds)
        ping = subprocess.Popen(["ip", "netns", "exec", lab.ns("router"), "ping", "-n", "-q", "-i", "0.2",
                                 "-I", "wan", S.TARGETS[1]], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        try:
            time.sleep(1)
            busy, busy_cpu = period(pid, seconds)
        finally:
            ping.send_signal(signal.SIGINT)
            out = ping.communicate(timeout=10)[0]
        rx = [l for l in out.splitlines() if "received" in l]
        ratio = busy / quiet if quiet else float("inf")
        print("  %-28s socket=%-4s without pinger %5.2f wake-ups/s (CPU %.2f ms/s), with a 5/s pinger "
              "%5.2f wake-ups/s (CPU %.2f ms/s): ratio %.2f" %
              (label, kind, quiet, quiet_cpu * 1e3, busy, busy_cpu * 1e3, ratio))
        print("  %-28s pinger: %s" % ("", rx[0].strip() if rx else "no summary"))
        return quiet, busy


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--base")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("wake-ups: skipped (needs root for the lab)")
        return 0
    print("starfaild wake-ups, one member, poll_interval_ms 1500, 3 ICMP targets, %g s per period:" % a.seconds)
    with labctl.Lab(PREFIX, uplinks=["wan"]) as lab:
        for rng, kind in (("1 0", "raw"), ("0 2147483647", "ping")):
            lab.run("router", ["sysctl", "-qw", "net.ipv4.ping_group_range=" + rng], check=True)
            if a.base:
                measure(lab, a.base, a.seconds, "base build, %s sockets" % kind)
            measure(lab, a.build, a.seconds, "this build, %s sockets" % kind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
