#!/usr/bin/python3
"""labctl.py - Starfail's network lab: a router with several uplinks in
network namespaces, impairments per uplink, and guaranteed cleanup.

Used three ways: as a CLI (`labctl.py up|down|impair|exec|spawn|flap|
schedule|status|ns`, documented in docs/LAB.md), as a Python module for
tests, the demo and the benchmarks (`with labctl.Lab("p") as lab: ...`), and
from shell with `trap 'labctl.py down --prefix p' EXIT`.

Topology for prefix P and uplinks u1..uN (index i = 1..N):

  P-lan  eth0 10.99.0.2/24 --- br-lan 10.99.0.1/24  P-router
                                 <u_i> 100.64.i.2/24 (default via 100.64.i.1
                                        metric m_i, proto static, as netifd)
  P-isp-<u_i>  rtr 100.64.i.1/24, inet 172.31.i.1/24, default via 172.31.i.2
  P-inet   to-<u_i> 172.31.i.2/24, route 100.64.i.0/24 via 172.31.i.1;
           192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 local (every address
           answers), netsvc.py serves TCP 80/443/9/19, UDP 53/7.

The router masquerades LAN traffic on each uplink; the isps only route, so
the internet sees the router's uplink address and a LAN client's traffic
visibly moves between uplinks (nft counters in router, isps and inet).
The isp of the dish uplink (default "starlink") also owns 192.168.100.1,
and the router has a host route to it through that uplink.

Impairments are applied inside the isp namespace so that the router sees
only their effects, as with a real ISP: carrier loss, blackhole, random loss
(nftables numgen), delay (sf-delayshim, TUN; no netem in this kernel) and
rate (tbf). State lives in /run/starfail-lab/P/ (state.json under an flock,
process logs, events.log with monotonic timestamps of every impairment).
"""

import argparse
import fcntl
import json
import os
import re
import shutil
import signal
import sys
import time

from labcore import (CMD_TIMEOUT_S, HERE, PREFIX_RE, STATE_ROOT, DEFAULT_UPLINKS, LabError,
                     State, check_prefix, find_shim, ipn, kill_pid, netns_list, nft, ns_name, nsexec,
                     owned_by, parse_metrics, parse_uplinks, proc_alive, proc_start_time,
                     role_ns, run, spawn, stop_procs, sysctl, uplink_plan)
from labmeasure import (LAN_FORWARD, PYTHON, RouteWatch, counters, netsvc, ping, probe_until_ok,
                        route_dev, wait_for)

__all__ = ["Lab", "LabError", "RouteWatch", "LAN_FORWARD", "DISH_ADDR", "DELAY_DEV", "up",
           "down", "impair", "start_schedule", "flap_schedule", "parse_schedule", "status",
           "counters", "route_dev", "ping", "probe_until_ok", "role_ns", "State", "spawn",
           "reap_orphans", "main"]

LAN_DEV, LAN_ROUTER_ADDR, LAN_CLIENT_ADDR = "br-lan", "10.99.0.1", "10.99.0.2"
DISH_ADDR = "192.168.100.1"
TARGET_NETS = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"]
DELAY_TABLE, DELAY_PREF, DELAY_DEV = 100, 100, "sfdly"


# ---------------------------------------------------------------- up / down

def isp_ruleset(u):
    return """table ip lab {
  counter up_pkts {}
  counter down_pkts {}
  counter dropped {}
  chain impair {
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    jump impair
    iifname "rtr" counter name "up_pkts"
    iifname "inet" counter name "down_pkts"
  }
}
"""


def router_ruleset(names):
    devs = ", ".join('"%s"' % n for n in names)
    counters = "".join("  counter lan_to_%s {}\n" % n for n in names)
    rules = "".join('    iifname "%s" oifname "%s" counter name "lan_to_%s"\n'
                    % (LAN_DEV, n, n) for n in names)
    return """table ip lab {
%s  chain forward {
    type filter hook forward priority filter; policy accept;
%s  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname { %s } masquerade
  }
}
""" % (counters, rules, devs)


def inet_ruleset(uplinks):
    counters = "".join("  counter from_%s {}\n" % u["name"] for u in uplinks)
    rules = "".join('    ip saddr %s counter name "from_%s"\n' % (u["subnet"], u["name"])
                    for u in uplinks)
    return """table ip lab {
%s  chain input {
    type filter hook input priority filter; policy accept;
%s  }
}
""" % (counters, rules)


def add_uplink_routes(prefix, u, dish):
    router = ns_name(prefix, "router")
    ipn(router, "route", "replace", "default", "via", u["gateway"], "dev", u["name"],
        "metric", str(u["metric"]), "proto", "static")
    if dish:
        ipn(router, "route", "replace", DISH_ADDR + "/32", "via", u["gateway"],
            "dev", u["name"], "proto", "static")


def up(prefix, uplinks=None, metrics_text=None, dish_uplink="auto", owner_pid=None):
    """Builds the lab; on any failure or interruption removes what it made.
    owner_pid: the process the lab lives for (a test); reap_orphans() removes
    the lab once that process is gone."""
    check_prefix(prefix)
    names = uplinks or list(DEFAULT_UPLINKS)
    metrics = parse_metrics(names, metrics_text)
    if dish_uplink == "auto":
        dish_uplink = "starlink" if "starlink" in names else None
    elif dish_uplink in ("none", ""):
        dish_uplink = None
    elif dish_uplink not in names:
        raise LabError("--dish-uplink %r is not one of the uplinks" % dish_uplink)
    if os.path.isdir(os.path.join(STATE_ROOT, prefix)) or \
            any(owned_by(prefix, ns) for ns in netns_list()):
        raise LabError("a lab with prefix %r exists; run: labctl.py down --prefix %s"
                       % (prefix, prefix))
    try:
        with State(prefix, create=True) as st:
            if owner_pid:
                st.data["owner"] = {"pid": owner_pid, "start": proc_start_time(owner_pid)}
            _build(st, names, metrics, dish_uplink)
    except BaseException:
        down(prefix)
        raise


def _build(st, names, metrics, dish_uplink):
    prefix = st.prefix
    plans = [uplink_plan(i, n, metrics[n]) for i, n in enumerate(names, 1)]
    st.data.update({"uplinks": plans, "dish_uplink": dish_uplink,
                    "lan": {"router_addr": LAN_ROUTER_ADDR, "client_addr": LAN_CLIENT_ADDR},
                    "impair": {n: clean_impair() for n in names}})
    roles = ["router", "inet", "lan"] + ["isp-" + n for n in names]
    for role in roles:
        ns = ns_name(prefix, role)
        st.data["created"].append(ns)    # registered before it exists
        st.save()
        run(["ip", "netns", "add", ns])
        ipn(ns, "link", "set", "lo", "up")
    router, inet, lan = (ns_name(prefix, r) for r in ("router", "inet", "lan"))
    sysctl(router, "net.ipv4.ip_forward=1")
    sysctl(inet, "net.ipv4.ip_forward=0")

    ipn(router, "link", "add", LAN_DEV, "type", "veth", "peer", "name", "eth0", "netns", lan)
    ipn(router, "addr", "add", LAN_ROUTER_ADDR + "/24", "dev", LAN_DEV)
    ipn(lan, "addr", "add", LAN_CLIENT_ADDR + "/24", "dev", "eth0")
    ipn(router, "link", "set", LAN_DEV, "up")
    ipn(lan, "link", "set", "eth0", "up")
    ipn(lan, "route", "add", "default", "via", LAN_ROUTER_ADDR)

    for net in TARGET_NETS:
        ipn(inet, "route", "add", "local", net, "dev", "lo")
    for u in plans:
        isp = ns_name(prefix, "isp-" + u["name"])
        sysctl(isp, "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0",
               "net.ipv4.conf.default.rp_filter=0")
        ipn(router, "link", "add", u["name"], "type", "veth", "peer", "name", "rtr", "netns", isp)
        ipn(isp, "link", "add", "inet", "type", "veth", "peer", "name", "to-" + u["name"],
            "netns", inet)
        ipn(router, "addr", "add", u["router_addr"] + "/24", "dev", u["name"])
        ipn(isp, "addr", "add", u["gateway"] + "/24", "dev", "rtr")
        ipn(isp, "addr", "add", u["isp_inet_addr"] + "/24", "dev", "inet")
        ipn(inet, "addr", "add", u["inet_addr"] + "/24", "dev", "to-" + u["name"])
        for ns, dev in ((router, u["name"]), (isp, "rtr"), (isp, "inet"),
                        (inet, "to-" + u["name"])):
            ipn(ns, "link", "set", dev, "up")
        ipn(isp, "route", "add", "default", "via", u["inet_addr"])
        ipn(inet, "route", "add", u["subnet"], "via", u["isp_inet_addr"])
        if u["name"] == dish_uplink:
            ipn(isp, "addr", "add", DISH_ADDR + "/32", "dev", "lo")
        add_uplink_routes(prefix, u, u["name"] == dish_uplink)
        nft(isp, isp_ruleset(u))
    nft(router, router_ruleset(names))
    nft(inet, inet_ruleset(plans))
    spawn(st, inet, [PYTHON, os.path.join(HERE, "netsvc.py"), "serve"], "netsvc",
          ready_pattern=r"netsvc: ready")
    st.data["complete"] = True
    st.event("lab=up uplinks=%s" % ",".join(names))


def down(prefix):
    """Kills the lab's processes and deletes its namespaces and state.
    Idempotent; works without (or with a corrupt) state. Returns the removed
    namespaces."""
    check_prefix(prefix)
    sdir = os.path.join(STATE_ROOT, prefix)
    procs, created = [], []
    lock_fd = None
    if os.path.isdir(sdir):
        lock_fd = os.open(os.path.join(sdir, "lock"), os.O_RDWR | os.O_CREAT, 0o644)
        # down must always work: a lock holder that hangs for 10 s is ignored
        deadline = time.monotonic() + 10
        while True:
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    print("labctl: warning: %s/lock held for 10 s; tearing down anyway"
                          % sdir, file=sys.stderr)
                    break
                time.sleep(0.05)
        try:
            with open(os.path.join(sdir, "state.json")) as f:
                data = json.load(f)
            procs, created = data.get("procs", []), data.get("created", [])
        except (OSError, ValueError):
            pass
    # schedules first (they run in the root namespace and would re-impair)
    for pr in sorted(procs, key=lambda p: p.get("ns") is not None):
        if isinstance(pr.get("pid"), int):
            kill_pid(pr["pid"], pr.get("start"))
    present = netns_list()
    victims = [ns for ns in present if owned_by(prefix, ns)]
    victims += [ns for ns in created if ns in present and ns not in victims
                and owned_by(prefix, ns)]
    errors = []
    for ns in victims:
        cp = run(["ip", "netns", "pids", ns], check=False)
        for tok in cp.stdout.split():
            if tok.isdigit() and int(tok) != os.getpid():
                kill_pid(int(tok), proc_start_time(int(tok)))
    for ns in victims:
        cp = run(["ip", "netns", "del", ns], check=False)
        if cp.returncode != 0:
            errors.append("%s: %s" % (ns, cp.stderr.strip()))
    if os.path.isdir(sdir):
        shutil.rmtree(sdir, ignore_errors=True)
    if lock_fd is not None:
        os.close(lock_fd)
    if errors:
        raise LabError("down %s: could not delete %s" % (prefix, "; ".join(errors)))
    return victims


def reap_orphans(base):
    """Removes labs whose prefix starts with base and whose owner process
    (see up(owner_pid)) has died, e.g. a test killed by a timeout. Labs
    without an owner (made by the CLI) and labs of live owners are kept.
    Returns the prefixes removed."""
    reaped = []
    names = sorted(os.listdir(STATE_ROOT)) if os.path.isdir(STATE_ROOT) else []
    for prefix in names:
        if not prefix.startswith(base) or not PREFIX_RE.match(prefix):
            continue
        try:
            with open(os.path.join(STATE_ROOT, prefix, "state.json")) as f:
                owner = json.load(f).get("owner")
        except (OSError, ValueError):
            continue
        if owner and not proc_alive(owner.get("pid", 0), owner.get("start")):
            down(prefix)
            reaped.append(prefix)
    return reaped


# ---------------------------------------------------------------- impairments

def clean_impair():
    return {"carrier": "up", "admin": "up", "blackhole": False, "loss_pct": 0,
            "delay_ms": 0, "jitter_ms": 0, "rate_kbit": 0}


def _int_arg(action, args, lo, hi, pos=0, default=None):
    if len(args) <= pos:
        if default is not None:
            return default
        raise LabError("impair %s needs a number (%d..%d)" % (action, lo, hi))
    try:
        v = int(args[pos])
    except ValueError:
        raise LabError("impair %s: %r is not an integer" % (action, args[pos]))
    if not lo <= v <= hi:
        raise LabError("impair %s: %d out of range %d..%d" % (action, v, lo, hi))
    return v


def parse_impairment(action, args):
    """Checks one impairment; returns the changes it makes to an uplink's state."""
    nargs = {"down": 0, "up": 0, "ifdown": 0, "clear": 0, "blackhole": (0, 1),
             "loss": 1, "delay": (1, 2), "rate": 1}
    if action not in nargs:
        raise LabError("unknown impairment %r (down, up, ifdown, blackhole [on|off], "
                       "loss PCT, delay MS [JITTER_MS], rate KBIT, clear)" % action)
    lo, hi = nargs[action] if isinstance(nargs[action], tuple) else (nargs[action],) * 2
    if not lo <= len(args) <= hi:
        raise LabError("impair %s takes %s argument(s), got %d" % (
            action, lo if lo == hi else "%d-%d" % (lo, hi), len(args)))
    if action == "down":
        return {"carrier": "down"}
    if action == "ifdown":
        return {"admin": "down"}
    if action == "up":
        return {"carrier": "up", "admin": "up"}
    if action == "clear":
        return clean_impair()
    if action == "blackhole":
        if args and args[0] not in ("on", "off"):
            raise LabError("impair blackhole takes on or off, got %r" % args[0])
        return {"blackhole": not args or args[0] == "on"}
    if action == "loss":
        return {"loss_pct": _int_arg(action, args, 0, 100)}
    if action == "rate":
        return {"rate_kbit": _int_arg(action, args, 0, 10000000)}
    delay = _int_arg(action, args, 0, 60000)
    jitter = _int_arg(action, args, 0, delay, pos=1, default=0)
    return {"delay_ms": delay, "jitter_ms": jitter}


def impair(prefix, uplink, action, args=(), shim=None):
    """Applies one impairment to one uplink; returns its monotonic timestamp."""
    change = parse_impairment(action, list(args))
    with State(prefix) as st:
        u = st.uplink(uplink)
        old = dict(st.data["impair"][uplink])
        new = dict(old)
        new.update(change)
        _apply(st, u, old, new, shim)
        st.data["impair"][uplink] = new
        return st.event("uplink=%s impair=%s %s" % (uplink, action, " ".join(args)))


def _apply(st, u, old, new, shim):
    prefix, name = st.prefix, u["name"]
    isp, router = ns_name(prefix, "isp-" + name), ns_name(prefix, "router")
    if new["carrier"] != old["carrier"]:
        ipn(isp, "link", "set", "rtr", new["carrier"])
    if new["admin"] != old["admin"]:
        ipn(router, "link", "set", name, new["admin"])
    if new["admin"] == "up" and (old["admin"] == "down" or new["carrier"] != old["carrier"]):
        # what netifd does on ifup: the uplink's routes come back
        add_uplink_routes(prefix, u, name == st.data.get("dish_uplink"))
    if (new["blackhole"], new["loss_pct"]) != (old["blackhole"], old["loss_pct"]):
        rules = ["flush chain ip lab impair"]
        if new["blackhole"]:
            rules.append('add rule ip lab impair counter name "dropped" drop')
        if new["loss_pct"]:
            rules.append('add rule ip lab impair iifname "rtr" numgen random mod 100 < %d '
                         'counter name "dropped" drop' % new["loss_pct"])
        nft(isp, "\n".join(rules) + "\n")
    if new["rate_kbit"] != old["rate_kbit"]:
        for dev in ("rtr", "inet"):
            if new["rate_kbit"]:
                rate_bps = new["rate_kbit"] * 1000 // 8
                burst = max(4000, rate_bps // 50)       # >= 2 MTU, or 20 ms of data
                run(nsexec(isp, ["tc", "qdisc", "replace", "dev", dev, "root", "tbf", "rate",
                                 "%dkbit" % new["rate_kbit"], "burst", str(burst),
                                 "latency", "100ms"]))
            else:
                run(nsexec(isp, ["tc", "qdisc", "del", "dev", dev, "root"]), check=False)
    if (new["delay_ms"], new["jitter_ms"]) != (old["delay_ms"], old["jitter_ms"]):
        path = find_shim(shim) if new["delay_ms"] else None     # fail before changing
        ipn(isp, "rule", "del", "pref", str(DELAY_PREF), check=False)
        stop_procs(st, "delayshim-" + name)
        if new["delay_ms"]:
            spawn(st, isp, [path, "--dev", DELAY_DEV, "--delay-ms", str(new["delay_ms"]),
                            "--jitter-ms", str(new["jitter_ms"])], "delayshim-" + name,
                  ready_pattern=r"delayshim: ready")
            ipn(isp, "route", "replace", "default", "dev", DELAY_DEV,
                "table", str(DELAY_TABLE))
            ipn(isp, "rule", "add", "pref", str(DELAY_PREF), "iif", "rtr",
                "lookup", str(DELAY_TABLE))


# ---------------------------------------------------------------- schedules

SCHEDULE_HELP = """schedule file: one step per line, '#' starts a comment:
  AT_S UPLINK IMPAIRMENT [ARGS]     e.g.  0 wan blackhole / 10 wan blackhole off
AT_S is seconds (decimal) after the schedule starts; lines run in time order."""


def parse_schedule(text, uplinks):
    steps = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        if len(line) < 3:
            raise LabError("schedule line %d: need AT_S UPLINK IMPAIRMENT" % lineno)
        try:
            at = float(line[0])
        except ValueError:
            raise LabError("schedule line %d: %r is not a time in seconds" % (lineno, line[0]))
        if not 0 <= at <= 86400:
            raise LabError("schedule line %d: time %s out of range 0..86400" % (lineno, at))
        if line[1] not in uplinks:
            raise LabError("schedule line %d: unknown uplink %r" % (lineno, line[1]))
        try:
            parse_impairment(line[2], line[3:])
        except LabError as e:
            raise LabError("schedule line %d: %s" % (lineno, e))
        steps.append((at, line[1], line[2], line[3:]))
    if len(steps) > 10000:
        raise LabError("schedule has %d steps; at most 10000" % len(steps))
    return sorted(steps, key=lambda s: s[0])


FLAP_MODES = {"blackhole": ("blackhole", ["on"], ["off"]), "down": ("down", [], None),
              "ifdown": ("ifdown", [], None)}


def flap_schedule(uplink, bad_s, good_s, count, mode="blackhole"):
    """Schedule text: count cycles of bad_s impaired then good_s healthy."""
    if mode in FLAP_MODES:
        action, on, off = FLAP_MODES[mode]
        bad, good = " ".join([action] + on), ("up" if off is None else
                                              " ".join([action] + off))
    else:
        kind, _, value = mode.partition(":")
        if kind not in ("loss", "delay", "rate") or not value:
            raise LabError("flap --mode must be blackhole, down, ifdown, loss:PCT, "
                           "delay:MS or rate:KBIT, got %r" % mode)
        bad, good = "%s %s" % (kind, value), "%s 0" % kind
    if not (0 < bad_s <= 3600 and 0 < good_s <= 3600 and 1 <= count <= 1000):
        raise LabError("flap needs 0 < bad-s, good-s <= 3600 and 1 <= count <= 1000")
    lines = []
    for k in range(count):
        t = k * (bad_s + good_s)
        lines += ["%.3f %s %s" % (t, uplink, bad), "%.3f %s %s" % (t + bad_s, uplink, good)]
    return "\n".join(lines) + "\n"


def run_schedule(prefix, steps, shim=None):
    """Runs steps in the foreground on absolute monotonic deadlines (no drift)."""
    t0 = time.monotonic()
    for at, uplink, action, args in steps:
        delay = t0 + at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        impair(prefix, uplink, action, args, shim)


def start_schedule(prefix, text, shim=None):
    """Checks the schedule, then runs it in the background; returns its pid."""
    with State(prefix) as st:
        parse_schedule(text, [u["name"] for u in st.data["uplinks"]])
        n = sum(1 for p in st.data["procs"] if p["name"].startswith("schedule")) + 1
        path = os.path.join(st.dir, "schedule-%d.txt" % n)
        with open(path, "w") as f:
            f.write(text)
        argv = [PYTHON, os.path.abspath(__file__), "schedule", "--prefix", prefix,
                "--foreground", path] + (["--shim", shim] if shim else [])
        return spawn(st, None, argv, "schedule-%d" % n)


# ---------------------------------------------------------------- status

def status(prefix):
    """Everything worth knowing about a running lab, as one dict."""
    with State(prefix) as st:
        data = json.loads(json.dumps(st.data))
    router = ns_name(prefix, "router")
    links = {l["ifname"]: l for l in json.loads(run(
        ["ip", "-n", router, "-j", "link", "show"]).stdout or "[]")}
    for u in data["uplinks"]:
        l = links.get(u["name"], {})
        u["link"] = l.get("operstate", "absent")
        u["carrier"] = "NO-CARRIER" not in l.get("flags", [])
        u["impair"] = data["impair"].get(u["name"], {})
    data["routes"] = run(["ip", "-n", router, "route", "show"]).stdout.splitlines()
    data["route_to_targets"] = route_dev(prefix)
    data["counters"] = counters(prefix)
    for pr in data["procs"]:
        pr["running"] = proc_alive(pr["pid"], pr.get("start"))
    data["namespaces"] = [ns for ns in netns_list() if owned_by(prefix, ns)]
    return data


def impair_text(im):
    parts = []
    if im.get("carrier") == "down":
        parts.append("down")
    if im.get("admin") == "down":
        parts.append("ifdown")
    if im.get("blackhole"):
        parts.append("blackhole")
    for key, fmt in (("loss_pct", "loss %d%%"), ("delay_ms", "delay %dms"),
                     ("rate_kbit", "rate %dkbit")):
        if im.get(key):
            parts.append(fmt % im[key])
    if im.get("jitter_ms"):
        parts.append("jitter %dms" % im["jitter_ms"])
    return ",".join(parts) or "-"


def print_status(d):
    c = d["counters"]
    print("lab %s: %s" % (d["prefix"], " ".join(d["namespaces"])))
    print("%-10s %6s %-12s %-12s %-6s %-26s %9s %9s %8s %9s %9s" % (
        "uplink", "metric", "router_addr", "gateway", "link", "impairments",
        "isp_up", "isp_down", "dropped", "lan_to", "inet_from"))
    for u in d["uplinks"]:
        isp = c.get("isp-" + u["name"], {})
        pk = lambda tab, name: tab.get(name, {}).get("packets", 0)  # noqa: E731
        print("%-10s %6d %-12s %-12s %-6s %-26s %9d %9d %8d %9d %9d" % (
            u["name"], u["metric"], u["router_addr"], u["gateway"],
            u["link"] if u["carrier"] else "nocarr", impair_text(u["impair"]),
            pk(isp, "up_pkts"), pk(isp, "down_pkts"), pk(isp, "dropped"),
            pk(c.get("router", {}), "lan_to_" + u["name"]),
            pk(c.get("inet", {}), "from_" + u["name"])))
    print("router routes:")
    for line in d["routes"]:
        print("  " + line)
    print("route to 192.0.2.1 via: %s" % d["route_to_targets"])
    for pr in d["procs"]:
        print("process %-20s pid %-7d %s  log %s" % (
            pr["name"], pr["pid"], "running" if pr["running"] else "exited", pr["log"]))


# ---------------------------------------------------------------- Python API

def _interrupt(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


class Lab:
    """A lab for the duration of a with-block: removes leftovers of the same
    prefix, builds, and always tears down (also on SIGTERM/SIGHUP/SIGINT).

        with Lab("sflabx", uplinks=["wan", "mob1s1a1", "starlink"]) as lab:
            lab.impair("wan", "blackhole")
            print(lab.ping("lan", "192.0.2.1", count=5))
    """

    def __init__(self, prefix, uplinks=None, metrics=None, dish_uplink="auto", shim=None):
        self.prefix = check_prefix(prefix)
        self.uplinks = list(uplinks or DEFAULT_UPLINKS)
        self.metrics = metrics
        self.dish_uplink = dish_uplink
        self.shim = shim
        self._old_handlers = {}

    def __enter__(self):
        for sig in (signal.SIGTERM, signal.SIGHUP):
            self._old_handlers[sig] = signal.signal(sig, _interrupt)
        try:
            down(self.prefix)
            up(self.prefix, self.uplinks, self.metrics, self.dish_uplink, os.getpid())
        except BaseException:
            self._restore()
            raise
        return self

    def __exit__(self, *exc):
        try:
            down(self.prefix)
        finally:
            self._restore()
        return False

    def _restore(self):
        for sig, old in self._old_handlers.items():
            signal.signal(sig, old)
        self._old_handlers = {}

    def ns(self, role):
        return role_ns(self.prefix, role)

    def uplink(self, name):
        with State(self.prefix) as st:
            return dict(st.uplink(name))

    def run(self, role, argv, timeout_s=CMD_TIMEOUT_S, check=False):
        return run(nsexec(self.ns(role), argv), check=check, timeout=timeout_s)

    def spawn(self, role, argv, name, ready_pattern=None, ready_timeout_s=5.0):
        with State(self.prefix) as st:
            return spawn(st, self.ns(role), argv, name, ready_pattern, ready_timeout_s)

    def impair(self, uplink, action, *args):
        return impair(self.prefix, uplink, action, [str(a) for a in args], self.shim)

    def flap(self, uplink, bad_s, good_s, count, mode="blackhole"):
        return start_schedule(self.prefix, flap_schedule(uplink, bad_s, good_s, count, mode),
                              self.shim)

    def schedule(self, text):
        return start_schedule(self.prefix, text, self.shim)

    def counters(self):
        return counters(self.prefix)

    def route_dev(self, target="192.0.2.1", forward=None):
        return route_dev(self.prefix, target, forward=forward)

    def ping(self, role, target, count=10, interval_s=0.2, timeout_s=1.0, dev=None):
        return ping(self.prefix, role, target, count, interval_s, timeout_s, dev)

    def route_watch(self, target="192.0.2.1", role="router", forward=None):
        """RouteWatch context: enter it before the change you want to time."""
        return RouteWatch(self.prefix, role, target, forward)

    def probe_until_ok(self, role, target, timeout_s, probe_timeout_s=0.2, interval_s=0.05):
        return probe_until_ok(self.prefix, role, target, timeout_s, probe_timeout_s,
                              interval_s)

    def wait_for(self, predicate, timeout_s, interval_s=0.01):
        return wait_for(predicate, timeout_s, interval_s)

    def whoami(self, role="lan", target="203.0.113.1", port=443):
        return netsvc(self.prefix, role, ["whoami", target, "--port", str(port)])

    def throughput_kbit_s(self, role="lan", target="203.0.113.1", seconds=3.0, send=False):
        line = netsvc(self.prefix, role, ["tx" if send else "rx", target,
                                          "--seconds", str(seconds)])
        return float(line.rsplit("kbit_s=", 1)[1])

    def status(self):
        return status(self.prefix)


# ---------------------------------------------------------------- CLI

def list_labs():
    labs = set(os.listdir(STATE_ROOT)) if os.path.isdir(STATE_ROOT) else set()
    for ns in netns_list():
        head = ns.split("-", 1)[0]
        if re.match(r"^[a-z][a-z0-9]{0,11}$", head) and owned_by(head, ns):
            labs.add(head)
    return sorted(labs)


def build_parser():
    ap = argparse.ArgumentParser(
        prog="labctl.py", description="Starfail network lab (see docs/LAB.md)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def cmd(name, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("-p", "--prefix", default=os.environ.get("SF_LAB_PREFIX"),
                       help="lab prefix (a-z0-9, <= 12 chars; default $SF_LAB_PREFIX)")
        return p

    p = cmd("up", "build a lab")
    p.add_argument("--uplinks", default=",".join(DEFAULT_UPLINKS),
                   help="comma-separated uplink names (default %(default)s)")
    p.add_argument("--metrics", help="NAME=METRIC,... default route metrics "
                   "(default wan=10,mob1s1a1=20,starlink=30, others 100+10*position)")
    p.add_argument("--dish-uplink", default="auto",
                   help="uplink whose isp owns 192.168.100.1 (default: starlink if present; "
                   "'none' for no dish)")
    p.add_argument("--force", action="store_true", help="remove an existing lab first")
    p.add_argument("--owner-pid", type=int, help="process the lab lives for (e.g. $$ of a "
                   "test script); `reap` removes the lab once it has died")
    cmd("down", "remove a lab: processes, namespaces, state (idempotent)")
    p = sub.add_parser("reap", help="remove labs whose owner process has died")
    p.add_argument("base", help="prefix start, e.g. sflab")
    p = cmd("impair", "impair one uplink")
    p.add_argument("--uplink", required=True)
    p.add_argument("--shim", help="path of sf-delayshim (default $SF_DELAYSHIM or "
                   "build/sf-delayshim)")
    p.add_argument("action", help="down | up | ifdown | blackhole [on|off] | loss PCT | "
                   "delay MS [JITTER_MS] | rate KBIT | clear")
    p.add_argument("args", nargs="*")
    p = cmd("exec", "run a command in a lab namespace (foreground)")
    p.add_argument("role", help="router | inet | lan | isp-<uplink>")
    p.add_argument("argv", nargs="*", help="the command (after --)")
    p = cmd("spawn", "start a background command in a lab namespace; down kills it")
    p.add_argument("role")
    p.add_argument("--name", required=True, help="process name; log in the state directory")
    p.add_argument("--ready", help="regex to wait for in the process output")
    p.add_argument("--ready-timeout", type=float, default=5.0)
    p.add_argument("argv", nargs="*", help="the command (after --)")
    p = cmd("flap", "background schedule: COUNT cycles of BAD-S impaired, GOOD-S healthy")
    p.add_argument("--uplink", required=True)
    p.add_argument("--bad-s", type=float, required=True)
    p.add_argument("--good-s", type=float, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--mode", default="blackhole",
                   help="blackhole | down | ifdown | loss:PCT | delay:MS | rate:KBIT")
    p.add_argument("--shim")
    p.add_argument("--foreground", action="store_true")
    p = cmd("schedule", "run a schedule file of timed impairments (background)")
    p.add_argument("file", help="schedule file, '-' for stdin")
    p.add_argument("--foreground", action="store_true")
    p.add_argument("--shim")
    p = cmd("status", "uplinks, impairments, counters, routes, processes")
    p.add_argument("--json", action="store_true")
    p = cmd("ns", "print the namespace name of a role")
    p.add_argument("role")
    sub.add_parser("list", help="list labs (state directories and namespaces)")
    return ap


def _command(args, tail):
    """The command of exec/spawn: what follows "--", else the trailing words."""
    argv = tail if tail is not None else list(args.argv)
    if not argv:
        raise LabError("missing command (put it after --)")
    return argv


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    tail = None
    if "--" in argv:        # everything after the first "--" is a command line
        tail = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    args = build_parser().parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupt)
    try:
        if args.cmd == "list":
            print("\n".join(list_labs()))
            return 0
        if args.cmd == "reap":
            if os.geteuid() != 0:
                raise LabError("needs root (network namespaces, nftables)")
            print("\n".join(reap_orphans(args.base)))
            return 0
        if not args.prefix:
            raise LabError("--prefix is required (or set SF_LAB_PREFIX)")
        check_prefix(args.prefix)
        if os.geteuid() != 0 and args.cmd != "ns":
            raise LabError("needs root (network namespaces, nftables)")
        if args.cmd == "up":
            if args.force:
                down(args.prefix)
            if args.owner_pid is not None and proc_start_time(args.owner_pid) is None:
                raise LabError("--owner-pid %d: no such process" % args.owner_pid)
            up(args.prefix, parse_uplinks(args.uplinks), args.metrics, args.dish_uplink,
               args.owner_pid)
            print_status(status(args.prefix))
        elif args.cmd == "down":
            removed = down(args.prefix)
            print("removed %d namespace(s)%s" % (len(removed), (": " + " ".join(removed))
                                                 if removed else ""))
        elif args.cmd == "impair":
            t = impair(args.prefix, args.uplink, args.action, args.args, args.shim)
            print("t_mono=%.6f uplink=%s impair=%s %s" % (t, args.uplink, args.action,
                                                         " ".join(args.args)))
        elif args.cmd == "exec":
            ns = role_ns(args.prefix, args.role)
            full = nsexec(ns, _command(args, tail))
            os.execvp(full[0], full)
        elif args.cmd == "spawn":
            with State(args.prefix) as st:
                pid = spawn(st, role_ns(args.prefix, args.role), _command(args, tail),
                            args.name, args.ready, args.ready_timeout)
            print(pid)
        elif args.cmd in ("flap", "schedule"):
            if args.cmd == "flap":
                text = flap_schedule(args.uplink, args.bad_s, args.good_s, args.count,
                                     args.mode)
            else:
                text = sys.stdin.read() if args.file == "-" else open(args.file).read()
            if args.foreground:
                with State(args.prefix) as st:
                    steps = parse_schedule(text, [u["name"] for u in st.data["uplinks"]])
                run_schedule(args.prefix, steps, args.shim)
            else:
                print(start_schedule(args.prefix, text, args.shim))
        elif args.cmd == "status":
            d = status(args.prefix)
            if args.json:
                print(json.dumps(d, indent=1, sort_keys=True))
            else:
                print_status(d)
        elif args.cmd == "ns":
            print(role_ns(args.prefix, args.role))
        return 0
    except LabError as e:
        print("labctl: error: %s" % e, file=sys.stderr)
        return 1
    except OSError as e:
        print("labctl: error: %s" % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt as e:
        print("labctl: interrupted (%s)" % (e or "SIGINT"), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
