#!/usr/bin/python3
"""daemon_cost.py - what the real starfaild costs on a router with 4 uplinks.

In the network lab (prefix sfcost) with uplinks starlink (backed by the dish
emulator), mob1s1a1 and mob1s2a1 (metered cellular, two SIMs) and wan,
starfaild runs for DURATION seconds with its default cadence
(poll_interval_ms 1500, standby 5 s, metered standby 60 s) and the dish
polled every 2 s. Printed: CPU seconds (/proc/PID/schedstat), peak
and final RSS, probes sent per member and the daemon's own estimate of
probe bytes/day per member.

Baseline, same run: the same number of probes per member sent the way shell
trackers do it (mwan3track: one `ping -c1 -W1 -I DEV TARGET` process per
probe), paced over the same time; its CPU is the children's CPU time. The
ratio says how much cheaper in-process probing is for the same work.

usage: daemon_cost.py BUILD_DIR [--seconds N]   (root)
"""
import argparse
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "scenario"))
sys.path.insert(0, os.path.join(ROOT, "tests", "lab"))
import labctl  # noqa: E402
import sfscenario as S  # noqa: E402

PREFIX = "sfcost"
UPLINKS = ["starlink", "mob1s1a1", "mob1s2a1", "wan"]
EMULATOR = os.path.join(ROOT, "tests", "starlink", "dish_emulator.py")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid):
    """CPU time of the process in seconds, ns resolution (/proc/PID/schedstat),
    falling back to utime+stime in clock ticks."""
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


def baseline(lab, probes, seconds):
    """Send probes[(dev, target)] as ping processes over `seconds`; CPU of them."""
    script = (
        "import resource,subprocess,sys,time\n"
        "jobs=[l.split() for l in sys.stdin.read().splitlines() if l]\n"
        "secs=float(sys.argv[1]); t0=time.monotonic()\n"
        "for i,(dev,tgt) in enumerate(jobs):\n"
        "    due=t0+secs*i/max(1,len(jobs)); d=due-time.monotonic()\n"
        "    if d>0: time.sleep(d)\n"
        "    subprocess.run(['ping','-n','-q','-c1','-W1','-I',dev,tgt],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)\n"
        "r=resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(r.ru_utime+r.ru_stime, len(jobs))\n")
    cp = subprocess.run(["ip", "netns", "exec", lab.ns("router"), "/usr/bin/python3", "-c", script,
                         str(seconds)], input="\n".join("%s %s" % p for p in probes),
                        capture_output=True, text=True, timeout=seconds + 120)
    cpu, n = cp.stdout.split()
    return float(cpu), int(n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--seconds", type=int, default=60)
    a = ap.parse_args()
    os.environ["SF_BUILD"] = os.path.abspath(a.build)
    if os.geteuid() != 0:
        print("daemon cost: skipped (needs root for the lab)")
        return 0
    descriptor = os.path.join(S.build_dir(), "gen", "dish.pb")
    members = [("starlink", {"class": "starlink", "priority": "1",
                             "dish_host": S.DISH if os.path.exists(descriptor) else "127.0.0.1"}),
               ("mob1s1a1", {"class": "cellular", "priority": "2", "metered": "1"}),
               ("mob1s2a1", {"class": "cellular", "priority": "3", "metered": "1"}),
               ("wan", {"priority": "4"})]
    cfg = S.config_text(members, {"poll_interval_ms": "1500", "log_level": "info"})
    with labctl.Lab(PREFIX, uplinks=UPLINKS) as lab:
        if os.path.exists(descriptor):
            lab.spawn("isp-starlink", ["/usr/bin/python3", EMULATOR, "--host", S.DISH, "--port",
                                       "9200", "--descriptor", descriptor], "dish",
                      ready_pattern="PORT", ready_timeout_s=15)
        with S.Daemon(lab, cfg, extra_args=["-log-level", "info"]) as d:
            pid = d.proc.pid
            cpu0 = proc_cpu_s(pid)
            time.sleep(a.seconds)
            cpu = proc_cpu_s(pid) - cpu0
            rss, hwm = proc_kb(pid, "VmRSS"), proc_kb(pid, "VmHWM")
            st = d.status()
            per = {}
            for m in st["members"]:
                met = d.call("metrics", {"member": m["name"]})
                per[m["name"]] = (met["probe"]["probes_sent"], m["probe_bytes_per_day"], m["state"],
                                  m["primary"])
            sl = d.call("metrics", {"member": "starlink"}).get("starlink", {})
        print("starfaild, %d members, %d s (poll_interval_ms 1500, default cadences):" %
              (len(members), a.seconds))
        print("  CPU %.3f s (%.2f %% of one core), RSS %d kB now, %d kB peak, telemetry %d kB" %
              (cpu, 100 * cpu / a.seconds, rss, hwm, st["memory"]["telemetry_bytes"] // 1024))
        print("  %-10s %-8s %-7s %12s %16s" % ("member", "state", "primary", "probes_sent",
                                                "probe_bytes/day"))
        total = 0
        for name, (sent, bpd, state, prim) in per.items():
            total += sent
            print("  %-10s %-8s %-7s %12d %13.2f MB" % (name, state, "yes" if prim else "", sent,
                                                          bpd / 1e6))
        print("  dish polls ok %s failed %s, bytes per status poll %s" %
              (sl.get("polls_ok"), sl.get("polls_failed"), sl.get("bytes_rx_last_poll")))
        probes = []
        for name, (sent, _, _, _) in per.items():
            probes += [(name, S.TARGETS[i % len(S.TARGETS)]) for i in range(sent)]
        probes.sort(key=lambda p: hash(p) % 1000)
        bcpu, n = baseline(lab, probes, a.seconds)
        print("baseline, the same %d probes as one `ping -c1 -I DEV` process each (mwan3track style):"
              % n)
        print("  CPU %.3f s; ratio starfaild/baseline = %.3f (%.0fx less CPU)" %
              (bcpu, cpu / bcpu if bcpu else float("nan"), bcpu / cpu if cpu else float("inf")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
