#!/usr/bin/python3
"""test_lab.py - self-tests of the network lab, one scenario per run:

  test_lab.py topology|loss|blackhole|delay|rate|carrier|flap|cleanup|netsvc

Each builds its own lab (prefix sflab<pid><letter>), measures what the lab claims
to do and tears it down. Measured figures are printed, failures name the
expected band and the measured value. Exit 0 pass, 1 fail, 77 skip (not
root, or no network namespaces/nftables here).
"""

import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labctl  # noqa: E402
from labcore import STATE_ROOT, LabError, netns_list, proc_start_time  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77
# unique per run, so that two test runs at once (two build directories,
# two engineers) never touch each other's labs: "sflab" + pid + scenario letter
PREFIX = "sflab%d" % (os.getpid() % 1000000)
failures = []


def check(cond, what):
    print("%s %s" % ("ok  " if cond else "FAIL", what), flush=True)
    if not cond:
        failures.append(what)


def leftovers(prefix):
    """Namespaces, root-namespace links and state that the prefix left behind."""
    left = [ns for ns in netns_list() if ns.startswith(prefix + "-")]
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True,
                           text=True).stdout
    left += [l.split(":")[1].strip() for l in links.splitlines() if prefix in l]
    if os.path.exists(os.path.join(STATE_ROOT, prefix)):
        left.append(os.path.join(STATE_ROOT, prefix))
    return left


def counter(lab, role, name):
    return lab.counters().get(role, {}).get(name, {}).get("packets", 0)


# ---------------------------------------------------------------- scenarios

def t_topology():
    with labctl.Lab(PREFIX + "t") as lab:
        routes = lab.run("router", ["ip", "route", "show", "default"]).stdout.splitlines()
        print("router default routes:", routes)
        check(len(routes) == 3, "router has exactly one default route per uplink")
        for dev, metric in (("wan", 10), ("mob1s1a1", 20), ("starlink", 30)):
            check(any("dev %s " % dev in r and "metric %d" % metric in r and
                      "proto static" in r for r in routes),
                  "default via %s metric %d proto static" % (dev, metric))
        for target in ("192.0.2.1", "198.51.100.200", "203.0.113.77"):
            r = lab.ping("lan", target, count=3, interval_s=0.05)
            check(r["loss_pct"] == 0, "lan reaches %s (loss %.0f%%)" % (target, r["loss_pct"]))
        check(lab.route_dev() == "wan", "router prefers wan (metric 10)")
        check(lab.whoami() == "100.64.1.2", "inet sees the lan client as wan's address")
        check(lab.run("lan", ["/usr/bin/python3", os.path.join(HERE, "netsvc.py"), "dns",
                              "192.0.2.53", "probe.example"]).stdout.strip() == "192.0.2.1",
              "DNS responder answers A queries")
        r = lab.ping("router", labctl.DISH_ADDR, count=2, interval_s=0.05)
        check(r["loss_pct"] == 0 and lab.route_dev(labctl.DISH_ADDR) == "starlink",
              "dish 192.168.100.1 reachable from router via starlink")
        wan0, mob0 = counter(lab, "isp-wan", "up_pkts"), counter(lab, "isp-mob1s1a1", "up_pkts")
        # what a route controller does: withdraw the preferred default route,
        # timed by the helpers the benchmarks use
        with lab.route_watch() as watch:
            t0 = time.monotonic()
            lab.run("router", ["ip", "route", "del", "default", "dev", "wan"], check=True)
            t1 = watch.wait_dev("mob1s1a1", timeout_s=5)
        t2 = lab.probe_until_ok("lan", "192.0.2.1", timeout_s=5)
        print("route change seen %.1f ms after the command started, first ping ok %.1f ms"
              % ((t1 - t0) * 1000 if t1 else -1, (t2 - t0) * 1000 if t2 else -1))
        check(t1 is not None and t0 <= t1 < t0 + 1, "RouteWatch sees the route move")
        check(t2 is not None and t2 >= t0, "probe_until_ok finds the path via mob1s1a1")
        check(lab.route_dev() == "mob1s1a1", "without wan's route the router uses mob1s1a1")
        check(lab.route_dev(forward=labctl.LAN_FORWARD) == "mob1s1a1",
              "lan traffic is forwarded via mob1s1a1")
        r = lab.ping("lan", "192.0.2.1", count=5, interval_s=0.05)
        check(r["loss_pct"] == 0, "lan still reaches the internet")
        check(lab.whoami() == "100.64.2.2", "inet now sees mob1s1a1's address")
        wan1, mob1 = counter(lab, "isp-wan", "up_pkts"), counter(lab, "isp-mob1s1a1", "up_pkts")
        print("isp-wan up_pkts %d -> %d, isp-mob1s1a1 up_pkts %d -> %d" % (wan0, wan1, mob0, mob1))
        check(wan1 == wan0 and mob1 >= mob0 + 5, "isp counters show the traffic moved")
        check(counter(lab, "inet", "from_mob1s1a1") > 0, "inet counts packets from mob1s1a1")


def t_loss():
    n = 400
    with labctl.Lab(PREFIX + "l", uplinks=["wan", "mob1s1a1"]) as lab:
        lab.impair("wan", "loss", 30)
        r = lab.ping("lan", "192.0.2.1", count=n, interval_s=0.005, timeout_s=0.5)
        print("loss 30: %d/%d lost = %.1f%%" % (r["sent"] - r["received"], r["sent"],
                                              r["loss_pct"]))
        # binomial n=400 p=0.3: sd 2.3 points; 15..45 is more than 6 sd wide
        check(15 <= r["loss_pct"] <= 45, "loss 30 gives 15..45%% loss (got %.1f%%)"
              % r["loss_pct"])
        check(counter(lab, "isp-wan", "dropped") == r["sent"] - r["received"],
              "isp's dropped counter equals the lost pings")
        r2 = lab.ping("lan", "192.0.2.1", count=100, interval_s=0.005, timeout_s=0.5, dev=None)
        lab.impair("wan", "loss", 0)
        r3 = lab.ping("lan", "192.0.2.1", count=100, interval_s=0.005, timeout_s=0.5)
        check(r2["loss_pct"] > 0 and r3["loss_pct"] == 0,
              "loss 0 removes the loss (%.0f%% -> %.0f%%)" % (r2["loss_pct"], r3["loss_pct"]))


def t_blackhole():
    with labctl.Lab(PREFIX + "b", uplinks=["wan", "mob1s1a1"]) as lab:
        lab.impair("wan", "blackhole")
        r = lab.ping("lan", "192.0.2.1", count=20, interval_s=0.02, timeout_s=0.5)
        check(r["loss_pct"] == 100, "blackhole: 100%% loss (got %.0f%%)" % r["loss_pct"])
        g = lab.ping("router", lab.uplink("wan")["gateway"], count=3, interval_s=0.05)
        check(g["loss_pct"] == 0, "blackhole keeps the isp gateway reachable")
        check(lab.route_dev() == "wan", "blackhole leaves the router's routes alone")
        m = lab.ping("router", "192.0.2.1", count=5, interval_s=0.05, dev="mob1s1a1")
        check(m["loss_pct"] == 0, "the other uplink is unaffected")
        lab.impair("wan", "blackhole", "off")
        r = lab.ping("lan", "192.0.2.1", count=20, interval_s=0.02, timeout_s=0.5)
        check(r["loss_pct"] == 0, "blackhole off: 0%% loss (got %.0f%%)" % r["loss_pct"])


def t_delay():
    with labctl.Lab(PREFIX + "d", uplinks=["wan", "mob1s1a1"]) as lab:
        base = lab.ping("lan", "192.0.2.1", count=5, interval_s=0.05)
        lab.impair("wan", "delay", 200)
        r = lab.ping("lan", "192.0.2.1", count=10, interval_s=0.1, timeout_s=2)
        print("rtt baseline avg %.2f ms; delay 200: min %.1f avg %.1f max %.1f ms" % (
            base["rtt_avg_ms"], r["rtt_min_ms"], r["rtt_avg_ms"], r["rtt_max_ms"]))
        check(r["loss_pct"] == 0, "delay loses nothing")
        check(r["rtt_min_ms"] >= 200, "delay 200: every RTT >= 200 ms")
        check(r["rtt_max_ms"] < 300, "delay 200: RTT < 300 ms (shim adds little, even on a loaded machine)")
        m = lab.ping("lan", "192.0.2.1", count=3, interval_s=0.05, timeout_s=2)
        g = lab.ping("router", lab.uplink("mob1s1a1")["router_addr"], count=3,
                     interval_s=0.05)
        check(m["rtt_min_ms"] >= 200 and g["rtt_max_ms"] < 50, "only the wan path is delayed")
        lab.impair("wan", "delay", 100, 50)
        j = lab.ping("lan", "192.0.2.1", count=30, interval_s=0.02, timeout_s=2)
        print("delay 100 jitter 50: min %.1f avg %.1f max %.1f ms" % (
            j["rtt_min_ms"], j["rtt_avg_ms"], j["rtt_max_ms"]))
        check(j["rtt_min_ms"] >= 50 and j["rtt_max_ms"] < 240 and
              j["rtt_max_ms"] - j["rtt_min_ms"] > 10, "jitter spreads RTT within 50..150 ms")
        lab.impair("wan", "delay", 0)
        r = lab.ping("lan", "192.0.2.1", count=5, interval_s=0.05)
        check(r["rtt_max_ms"] < 50, "delay 0 restores the RTT (max %.2f ms)" % r["rtt_max_ms"])
        links = lab.run("isp-wan", ["ip", "-o", "link"]).stdout
        check(labctl.DELAY_DEV not in links, "delay 0 removes the shim's TUN device")


def t_rate():
    with labctl.Lab(PREFIX + "r", uplinks=["wan", "mob1s1a1"]) as lab:
        base = lab.throughput_kbit_s(seconds=1)
        lab.impair("wan", "rate", 1000)
        rx = lab.throughput_kbit_s(seconds=3)
        tx = lab.throughput_kbit_s(seconds=3, send=True)
        print("throughput unlimited %.0f kbit/s; rate 1000: rx %.0f tx %.0f kbit/s"
              % (base, rx, tx))
        check(base > 20000, "unlimited path carries > 20 Mbit/s")
        check(600 <= rx <= 1150, "rate 1000: download 600..1150 kbit/s (got %.0f)" % rx)
        check(600 <= tx <= 1150, "rate 1000: upload 600..1150 kbit/s (got %.0f)" % tx)
        lab.impair("wan", "rate", 0)
        after = lab.throughput_kbit_s(seconds=1)
        check(after > 20000, "rate 0 removes the limit (%.0f kbit/s)" % after)


def t_carrier():
    with labctl.Lab(PREFIX + "k", uplinks=["wan", "mob1s1a1"]) as lab:
        lab.impair("wan", "down")
        link = lab.run("router", ["ip", "-o", "link", "show", "wan"]).stdout
        check("NO-CARRIER" in link, "down: router's wan device loses carrier")
        r = lab.ping("lan", "192.0.2.1", count=5, interval_s=0.05, timeout_s=0.5)
        check(r["loss_pct"] == 100, "down: the lan client loses the internet (%.0f%%)"
              % r["loss_pct"])
        lab.impair("wan", "up")
        ok = False
        for _ in range(20):            # carrier comes back asynchronously
            if lab.ping("lan", "192.0.2.1", count=1, timeout_s=0.5)["loss_pct"] == 0:
                ok = True
                break
        check(ok, "up: the lan client reaches the internet again")
        lab.impair("wan", "ifdown")
        check(lab.route_dev() == "mob1s1a1", "ifdown: wan's routes vanish, mob1s1a1 takes over")
        lab.impair("wan", "up")
        check(lab.route_dev() == "wan", "up after ifdown: wan's default route is back")


def t_flap():
    with labctl.Lab(PREFIX + "f", uplinks=["wan", "mob1s1a1"]) as lab:
        pid = lab.flap("wan", bad_s=1.0, good_s=1.0, count=2)
        results = []
        t0 = time.monotonic()
        while time.monotonic() - t0 < 4.5:
            r = lab.ping("lan", "192.0.2.1", count=1, timeout_s=0.2)
            results.append((round(time.monotonic() - t0, 2), r["received"]))
            time.sleep(0.1)
        print("probe results (t_s, received):", results)
        seq = [rcv for _, rcv in results]
        changes = sum(1 for a, b in zip(seq, seq[1:]) if a != b)
        check(changes >= 3, "flap 1s/1s x2: probes change state >= 3 times (%d)" % changes)
        st = lab.status()
        runner = [p for p in st["procs"] if p["pid"] == pid]
        check(len(runner) == 1 and not runner[0]["running"], "the schedule runner has finished")
        check(st["impair"]["wan"]["blackhole"] is False, "the uplink ends healthy")
        with open(os.path.join(STATE_ROOT, lab.prefix, "events.log")) as f:
            steps = [l for l in f if "uplink=wan impair=blackhole" in l]
        times = [float(l.split()[0].split("=")[1]) for l in steps]
        gaps = [round(b - a, 3) for a, b in zip(times, times[1:])]
        print("schedule step gaps (s):", gaps)
        check(len(steps) == 4 and all(0.9 <= g <= 1.5 for g in gaps),
              "4 steps about 1 s apart")


def t_cleanup():
    prefix = PREFIX + "c"
    # 1. down removes namespaces, processes and state; a second down is a no-op
    labctl.up(prefix, ["wan", "mob1s1a1"])
    with labctl.State(prefix) as st:
        sleeper = labctl.spawn(st, labctl.role_ns(prefix, "lan"), ["sleep", "300"], "sleeper")
    labctl.impair(prefix, "wan", "delay", ["50"])
    labctl.start_schedule(prefix, labctl.flap_schedule("mob1s1a1", 0.2, 0.2, 100))
    time.sleep(0.5)
    with labctl.State(prefix) as st:
        pids = [p["pid"] for p in st.data["procs"]]
    check(len(pids) == 4, "lab runs netsvc, the sleeper, a delay shim and a flapping "
          "schedule (%d)" % len(pids))
    removed = labctl.down(prefix)
    check(len(removed) == 5, "down removes 5 namespaces (%d)" % len(removed))
    check(all(proc_start_time(p) is None for p in pids + [sleeper]), "down kills its processes")
    check(leftovers(prefix) == [], "nothing with the prefix remains: %s" % leftovers(prefix))
    check(labctl.down(prefix) == [], "down is idempotent")

    # 2. a Lab context interrupted by SIGTERM still cleans up
    holder = subprocess.Popen([sys.executable, os.path.abspath(__file__), "_hold", prefix],
                              stdout=subprocess.PIPE, text=True)
    line = holder.stdout.readline()
    check(line.startswith("holding"), "holder built its lab (%r)" % line.strip())
    holder.send_signal(signal.SIGTERM)
    rc = holder.wait(timeout=20)
    check(rc == 130 and leftovers(prefix) == [],
          "SIGTERM inside a Lab block: nothing left (rc %d, %s)" % (rc, leftovers(prefix)))

    # 3. an `up` interrupted half-way removes what it had made
    interrupted = False
    for attempt in range(5):
        p = subprocess.Popen([sys.executable, os.path.join(HERE, "labctl.py"), "up", "-p",
                              prefix, "--uplinks", "wan,mob1s1a1,starlink,b1,b2,b3,b4,b5"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and p.poll() is None:
            if len([ns for ns in netns_list() if ns.startswith(prefix + "-")]) >= 3:
                p.send_signal(signal.SIGINT if attempt % 2 else signal.SIGTERM)
                break
            time.sleep(0.005)
        rc = p.wait(timeout=20)
        if rc == 130:
            interrupted = True
            check(leftovers(prefix) == [], "interrupted up leaves nothing (%s)"
                  % leftovers(prefix))
            break
        labctl.down(prefix)
    check(interrupted, "managed to interrupt an up half-way")

    # 4. cleanup-all.sh removes stray namespaces of a prefix, and only those
    subprocess.run(["ip", "netns", "add", prefix + "-stray"], check=True)
    subprocess.run(["ip", "netns", "add", prefix + "x-keep"], check=True)
    try:
        cp = subprocess.run([os.path.join(HERE, "cleanup-all.sh"), prefix],
                            capture_output=True, text=True, timeout=60)
        print(cp.stdout.strip())
        left = netns_list()
        check(cp.returncode == 0 and prefix + "-stray" not in left,
              "cleanup-all.sh removes %s-stray" % prefix)
        check(prefix + "x-keep" in left, "cleanup-all.sh keeps %sx-keep" % prefix)
    finally:
        subprocess.run(["ip", "netns", "del", prefix + "x-keep"], capture_output=True)
        subprocess.run(["ip", "netns", "del", prefix + "-stray"], capture_output=True)


def t_netsvc():
    """The DNS responder's parser on valid, truncated and random input (no root)."""
    import random
    import struct
    import netsvc
    q = netsvc.dns_query("probe.example")
    r = netsvc.dns_reply(q)
    check(r is not None and r[:2] == q[:2] and struct.unpack_from("!H", r, 6)[0] == 1
          and r[-4:] == bytes([192, 0, 2, 1]), "A query answered with 192.0.2.1")
    aaaa = q[:-4] + struct.pack("!HH", 28, 1)
    r = netsvc.dns_reply(aaaa)
    check(r is not None and r[3] & 0x0F == 0, "AAAA query: NOERROR")
    check(r is not None and struct.unpack_from("!H", r, 6)[0] == 0, "AAAA query: no answer")
    check(netsvc.dns_reply(r) is None, "responses are never answered (no loops)")
    for cut in range(len(q)):
        rep = netsvc.dns_reply(q[:cut])
        if cut < 12:
            ok = rep is None
        else:
            ok = rep is not None and rep[3] & 0x0F == 1     # FORMERR
        if not ok:
            check(False, "truncated query of %d bytes handled" % cut)
            return
    check(True, "every truncation of a query: silence (<12 bytes) or FORMERR")
    loop = q[:12] + b"\xc0\x0c" + q[-4:]
    check(netsvc.dns_reply(loop)[3] & 0x0F == 1, "compression pointer in question: FORMERR")
    rng = random.Random(1234)
    for i in range(20000):
        if i % 2:
            blob = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 80)))
        else:                   # a valid query with a few bytes changed
            blob = bytearray(q)
            for _ in range(rng.randrange(1, 4)):
                blob[rng.randrange(2, len(blob))] = rng.getrandbits(8)
            blob = bytes(blob)
        rep = netsvc.dns_reply(blob)
        if rep is not None and len(rep) > 512:
            check(False, "reply to random input within 512 bytes")
            return
    check(True, "20000 random/mutated datagrams: no exception, replies <= 512 bytes")
    check(netsvc.dns_reply(bytes(600)) is None, "oversized datagram ignored")


def hold(prefix):
    """Helper process of t_cleanup: holds a lab until a signal ends it."""
    try:
        with labctl.Lab(prefix, uplinks=["wan", "mob1s1a1"]) as lab:
            lab.spawn("lan", ["sleep", "300"], "sleeper")
            print("holding", flush=True)
            time.sleep(60)
    except KeyboardInterrupt:
        return 130
    return 0


SCENARIOS = {"topology": t_topology, "loss": t_loss, "blackhole": t_blackhole,
             "delay": t_delay, "rate": t_rate, "carrier": t_carrier, "flap": t_flap,
             "cleanup": t_cleanup, "netsvc": t_netsvc}


def can_run():
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("ip", "nft", "tc", "ping", "sysctl"):
        if not shutil.which(tool):
            return "%s not installed" % tool
    probe = "sflabprobe%d" % os.getpid()
    cp = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if cp.returncode != 0:
        return "cannot create network namespaces: " + cp.stderr.strip()
    try:
        cp = subprocess.run(["ip", "netns", "exec", probe, "nft", "list", "ruleset"],
                            capture_output=True, text=True)
        if cp.returncode != 0:
            return "nftables unusable: " + cp.stderr.strip()
    finally:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def main(argv):
    if len(argv) == 3 and argv[1] == "_hold":
        return hold(argv[2])
    if len(argv) != 2 or argv[1] not in SCENARIOS:
        print("usage: test_lab.py %s" % "|".join(SCENARIOS), file=sys.stderr)
        return 2
    if argv[1] == "netsvc":
        SCENARIOS["netsvc"]()
        return 1 if failures else 0
    why = can_run()
    if why:
        print("SKIP: %s" % why)
        return SKIP
    if argv[1] == "delay" and not os.path.exists("/dev/net/tun"):
        print("SKIP: no /dev/net/tun")
        return SKIP
    reaped = labctl.reap_orphans("sflab")     # labs of test runs that were killed
    if reaped:
        print("removed labs of dead test runs: %s" % " ".join(reaped))
    try:
        SCENARIOS[argv[1]]()
    except LabError as e:
        check(False, "lab error: %s" % e)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
