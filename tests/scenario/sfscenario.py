"""sfscenario.py - run the real starfaild inside a network lab (tests/lab/)
and observe what it did to the router: its ip rules and its default route,
the LAN client's traffic, its API. Used by the scenario tests
(tests/scenario/test_scenario.py), the P1 benchmark (bench/failover_lab.py)
and the demo (tools/demo.sh).

Standard library only; run with Debian's /usr/bin/python3 as root.

The daemon only ever probes the lab: every config written here sets the
probe targets to the lab's documentation addresses and dish_host to the lab
dish (192.168.100.1, in the dish uplink's isp namespace) or to 127.0.0.1.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lab"))

TABLE = 7373            # route_table default (src/ctl_route.c)
RTPROT = 73             # protocol of every route and rule Starfail installs
TARGETS = ("192.0.2.1", "198.51.100.1", "203.0.113.1")
DISH = "192.168.100.1"
NETSVC = os.path.join(ROOT, "tests", "lab", "netsvc.py")


def build_dir():
    return os.path.abspath(os.environ.get("SF_BUILD", os.path.join(ROOT, "build")))


def require_root_and_build():
    """Exit 77 (ctest: skipped) when the lab cannot run here; name why."""
    if os.geteuid() != 0:
        print("skipped: the lab needs root")
        sys.exit(77)
    for tool in ("ip", "nft", "ping"):
        if not shutil.which(tool):
            print("skipped: %s not installed" % tool)
            sys.exit(77)
    exe = os.path.join(build_dir(), "starfaild")
    if not os.access(exe, os.X_OK):
        print("error: %s not built (set SF_BUILD to the build directory)" % exe)
        sys.exit(1)


# ---------------------------------------------------------------- config

def config_text(members, main=None):
    """A UCI config for the lab. members: list of (name, {option: value});
    main: extra options of the 'main' section. Probe targets are always the
    lab's; a starlink member without dish_host gets 127.0.0.1."""
    opts = {"poll_interval_ms": "500", "log_level": "debug"}
    opts.update(main or {})
    if "probe_targets" in opts or any("probe_targets" in mo for _, mo in members):
        raise ValueError("config_text: probe targets are always the lab's %s" % (TARGETS,))
    for _, mo in members:
        if mo.get("dish_host", DISH) not in (DISH, "127.0.0.1"):
            raise ValueError("config_text: dish_host must be the lab dish or 127.0.0.1")
    out = ["config starfail 'main'"]
    for k, v in opts.items():
        out.append("\toption %s '%s'" % (k, v))
    for t in TARGETS:
        out.append("\tlist probe_targets '%s'" % t)
    for name, mo in members:
        mo = dict(mo)
        mo.setdefault("device", name)
        if mo.get("class") == "starlink":
            mo.setdefault("dish_host", "127.0.0.1")
        out.append("")
        out.append("config member '%s'" % name)
        for k, v in mo.items():
            out.append("\toption %s '%s'" % (k, v))
    return "\n".join(out) + "\n"


# Engine timings for scenarios that are not about them: a short restore
# window, no cooldown, no flap back-off (which would double the window of a
# member that fails soon after its promotion).
FAST = {"restore_window_ms": "3000", "min_uptime_ms": "500", "cooldown_ms": "0",
        "flap_memory_ms": "0"}


def router_members(dish_host=DISH, **extra):
    """The lab's three uplinks as a router would list them: starlink first,
    then the metered cellular modem, then wired WAN. extra: name -> options."""
    m = [("starlink", {"class": "starlink", "priority": "1", "dish_host": dish_host}),
         ("mob1s1a1", {"class": "cellular", "priority": "2", "metered": "1"}),
         ("wan", {"priority": "3"})]
    for name, opts in m:
        opts.update(extra.get(name, {}))
    return m


# ---------------------------------------------------------------- API

def api_call(path, method, params=None, timeout_s=5.0):
    """One JSON request over the daemon's unix socket; the parsed reply."""
    req = {"method": method}
    if params is not None:
        req["params"] = params
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout_s)
    try:
        s.connect(path)
        s.sendall(json.dumps(req).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    if not data:
        raise RuntimeError("api %s: empty reply" % method)
    return json.loads(data.decode())


class Daemon:
    """starfaild in the lab's router namespace, with its own config, socket
    and log in a temporary directory. Use as a context manager or call
    close(): it is always stopped and its directory removed."""

    def __init__(self, lab, config, name="starfaild", extra_args=(), workdir=None):
        self.lab = lab
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="sfsc-")
        self.config = os.path.join(self.dir, "starfail")
        self.sock = os.path.join(self.dir, "starfail.sock")
        self.log = os.path.join(self.dir, name + ".log")
        self.extra_args = list(extra_args)
        self.proc = None
        self.logf = None
        self.write_config(config)

    def write_config(self, text):
        with open(self.config, "w") as f:
            f.write(text)

    def start(self, timeout_s=10.0):
        """Starts it and waits until the API answers."""
        argv = ["ip", "netns", "exec", self.lab.ns("router"),
                os.path.join(build_dir(), "starfaild"), "-config", self.config,
                "-socket", self.sock, "-log-level", "debug"] + self.extra_args
        self.logf = open(self.log, "a")
        self.log_start = self.logf.tell()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.logf,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("starfaild exited %d:\n%s" % (self.proc.returncode,
                                                                 self.log_text()[-2000:]))
            try:
                if api_call(self.sock, "version", timeout_s=1.0).get("result"):
                    return self
            except (OSError, ValueError, RuntimeError):
                pass
            time.sleep(0.05)
        raise RuntimeError("starfaild did not answer within %.0f s:\n%s" %
                           (timeout_s, self.log_text()[-2000:]))

    def call(self, method, params=None):
        """The result of a method; raises on an API error."""
        r = api_call(self.sock, method, params)
        if "error" in r and r["error"]:
            raise RuntimeError("api %s: %s" % (method, r["error"]))
        return r["result"]

    def status(self):
        return self.call("status")

    def events(self, limit=200):
        return self.call("events", {"limit": limit})["events"]

    def log_text(self, since_start=False):
        try:
            with open(self.log, errors="replace") as f:
                if since_start:
                    f.seek(self.log_start)
                return f.read()
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout_s=10.0):
        """Sends sig and waits; SIGKILL after timeout_s. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.logf:
            self.logf.close()
            self.logf = None
        return self.proc.returncode

    def close(self):
        try:
            self.stop()
        finally:
            if self.own_dir:
                shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc):
        self.close()
        return False


def ctl(daemon, *args):
    """starfailctl against the daemon's socket; its stdout (text)."""
    argv = [os.path.join(build_dir(), "starfailctl"), "-s", daemon.sock] + list(args)
    cp = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                        timeout=10)
    return cp.stdout


# ---------------------------------------------------------------- kernel state

def _ipj(lab, *args):
    cp = subprocess.run(["ip", "-n", lab.ns("router"), "-j"] + list(args),
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)
    if cp.returncode != 0:
        return []
    return json.loads(cp.stdout or "[]")


def table_default(lab, table=TABLE):
    """Device of the default route in Starfail's table, or None."""
    for r in _ipj(lab, "route", "show", "table", str(table)):
        if r.get("dst") == "default":
            return r.get("dev")
    return None


def sf_rules(lab):
    """Starfail's ip rules (IPv4 and IPv6): list of (family, priority, table)."""
    out = []
    for fam in ("-4", "-6"):
        cp = subprocess.run(["ip", "-n", lab.ns("router"), "-j", fam, "rule", "show"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)
        for r in json.loads(cp.stdout or "[]") if cp.returncode == 0 else []:
            if str(r.get("protocol")) in (str(RTPROT), "0x49") or \
                    r.get("table") == str(TABLE):
                out.append((fam, r.get("priority"), r.get("table")))
    return out


def sf_routes(lab):
    """Every route with Starfail's protocol, in every table, both families."""
    out = []
    for fam in ("-4", "-6"):
        cp = subprocess.run(["ip", "-n", lab.ns("router"), fam, "route", "show", "table", "all",
                             "proto", str(RTPROT)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)
        out += [line for line in cp.stdout.splitlines() if line.strip()]
    return out


def static_defaults(lab):
    """The lab's own (netifd-like) default routes in main: {dev: metric}."""
    out = {}
    for r in _ipj(lab, "route", "show", "table", "main"):
        if r.get("dst") == "default" and r.get("protocol") == "static":
            out[r.get("dev")] = r.get("metric")
    return out


def wait_for(fn, timeout_s, interval_s=0.05):
    """Polls fn() until it returns something true; returns (value, elapsed_s)
    or (last value, None) on timeout."""
    t0 = time.monotonic()
    v = fn()
    while not v:
        if time.monotonic() - t0 > timeout_s:
            return v, None
        time.sleep(interval_s)
        v = fn()
    return v, time.monotonic() - t0


def uplink_of_addr(lab, addr):
    """Which uplink owns router address addr (what whoami prints)."""
    for u in lab.uplinks:
        if lab.uplink(u)["router_addr"] == addr:
            return u
    return None


def lan_uplink(lab, timeout_s=2.0):
    """The uplink the lan client's TCP traffic leaves through now (netsvc
    whoami: the address inet saw), or None when it gets no answer."""
    cp = lab.run("lan", ["/usr/bin/python3", NETSVC, "whoami", "203.0.113.1", "--port", "443",
                         "--timeout", str(timeout_s)], timeout_s=timeout_s + 5)
    if cp.returncode != 0:
        return None
    return uplink_of_addr(lab, cp.stdout.strip())


def lan_counters(lab):
    """Router counters lan_to_<u>: {uplink: packets}."""
    c = lab.counters().get("router", {})
    return {u: c.get("lan_to_" + u, {}).get("packets", 0) for u in lab.uplinks}


def log_grep(daemon, pattern):
    rx = re.compile(pattern)
    return [line for line in daemon.log_text().splitlines() if rx.search(line)]


# ---------------------------------------------------------------- lan pinger
# `sfscenario.py pinger TARGET INTERVAL_S TIMEOUT_S DURATION_S`, run inside a
# lab namespace (ip netns exec): one ICMP echo every INTERVAL_S, each with
# its own id, so each is a new flow for the router's conntrack/NAT (a stale
# NAT entry of the failed uplink can neither help nor hurt it). Prints
# "ok <t_send> <t_reply>" or "lost <t_send>" per echo (CLOCK_MONOTONIC,
# the clock of labctl's impair and of the benchmarks).

def _icmp_checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def pinger(target, interval_s, timeout_s, duration_s):
    import select
    import struct
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.setblocking(False)
    base = (os.getpid() * 7919) & 0xffff
    pending = {}
    n = 0
    t_end = time.monotonic() + duration_s
    next_send = time.monotonic()
    while True:
        now = time.monotonic()
        for k in [k for k, t in pending.items() if now - t > timeout_s]:
            print("lost %.6f" % pending.pop(k), flush=True)
        if now >= t_end:
            return 0
        if now >= next_send:
            ident = (base + n) & 0xffff
            body = struct.pack("!BBHHH", 8, 0, 0, ident, n & 0xffff) + b"starfail"
            pkt = body[:2] + struct.pack("!H", _icmp_checksum(body)) + body[4:]
            try:
                s.sendto(pkt, (target, 0))
            except OSError:
                pass            # no route at this moment: it will count as lost
            pending[ident] = now
            n += 1
            next_send += interval_s
        r, _, _ = select.select([s], [], [], max(0.0, min(next_send, t_end) - time.monotonic()))
        if not r:
            continue
        try:
            data = s.recv(2048)
        except BlockingIOError:
            continue
        t_reply = time.monotonic()
        ihl = (data[0] & 0x0f) * 4
        if len(data) < ihl + 8:
            continue
        typ, _, _, ident, _ = struct.unpack("!BBHHH", data[ihl:ihl + 8])
        if typ == 0 and ident in pending:
            print("ok %.6f %.6f" % (pending.pop(ident), t_reply), flush=True)


def pinger_argv(lab, role="lan", target="192.0.2.1", interval_s=0.05, timeout_s=0.5,
                duration_s=3600):
    return ["ip", "netns", "exec", lab.ns(role), "/usr/bin/python3", os.path.abspath(__file__),
            "pinger", target, str(interval_s), str(timeout_s), str(duration_s)]


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "pinger":
        sys.exit(pinger(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])))
    print("usage: sfscenario.py pinger TARGET INTERVAL_S TIMEOUT_S DURATION_S", file=sys.stderr)
    sys.exit(2)
