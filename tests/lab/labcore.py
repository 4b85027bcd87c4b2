#!/usr/bin/python3
"""labcore.py - the plumbing under labctl.py: running commands without a
shell, the lab's naming rules, its state file and its background processes.

Kept apart from labctl.py (topology, impairments, CLI) so that each file
stays small; nothing here knows the topology beyond names.
"""

import fcntl
import json
import os
import re
import signal
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
STATE_ROOT = os.environ.get("SF_LAB_STATE_DIR", "/run/starfail-lab")

PREFIX_RE = re.compile(r"^[a-z][a-z0-9]{0,11}$")
UPLINK_RE = re.compile(r"^[a-z][a-z0-9_]{0,10}$")   # "to-" + name fits IFNAMSIZ
MAX_UPLINKS = 8
DEFAULT_UPLINKS = ["wan", "mob1s1a1", "starlink"]
KNOWN_METRICS = {"wan": 10, "mob1s1a1": 20, "starlink": 30}
CMD_TIMEOUT_S = 20


class LabError(Exception):
    """A lab operation failed; the message says what and why."""


# ---------------------------------------------------------------- commands

def run(argv, check=True, timeout=CMD_TIMEOUT_S, input_text=None):
    """Runs argv (never through a shell); raises LabError naming the command."""
    try:
        cp = subprocess.run(argv, input=input_text, capture_output=True, text=True,
                            timeout=timeout, check=False)
    except FileNotFoundError:
        raise LabError("%s: command not found" % argv[0])
    except subprocess.TimeoutExpired:
        raise LabError("%s: no answer within %d s" % (" ".join(argv), timeout))
    if check and cp.returncode != 0:
        raise LabError("%s: exit %d: %s" % (" ".join(argv), cp.returncode,
                                            (cp.stderr or cp.stdout).strip()))
    return cp


def nsexec(ns, argv):
    return ["ip", "netns", "exec", ns] + list(argv)


def ipn(ns, *args, check=True):
    return run(["ip", "-n", ns] + list(args), check=check)


def nft(ns, script):
    return run(nsexec(ns, ["nft", "-f", "-"]), input_text=script)


def sysctl(ns, *settings):
    run(nsexec(ns, ["sysctl", "-q", "-w"] + list(settings)))


def netns_list():
    cp = run(["ip", "netns", "list"])
    return [line.split()[0] for line in cp.stdout.splitlines() if line.strip()]


# ---------------------------------------------------------------- naming

def check_prefix(prefix):
    if not PREFIX_RE.match(prefix or ""):
        raise LabError("bad prefix %r: 1-12 characters, a-z then a-z0-9 (no '-')" % prefix)
    return prefix


def ns_name(prefix, role):
    return "%s-%s" % (prefix, role)


def owned_by(prefix, ns):
    """True if namespace ns belongs to the lab with this exact prefix."""
    if ns in (ns_name(prefix, "router"), ns_name(prefix, "inet"), ns_name(prefix, "lan")):
        return True
    head = ns_name(prefix, "isp-")
    return ns.startswith(head) and bool(UPLINK_RE.match(ns[len(head):]))


def role_ns(prefix, role):
    """Namespace of a role: router, inet, lan or isp-<uplink>."""
    if role in ("router", "inet", "lan") or (role.startswith("isp-") and
                                              UPLINK_RE.match(role[4:])):
        return ns_name(check_prefix(prefix), role)
    raise LabError("bad namespace role %r: router, inet, lan or isp-<uplink>" % role)


def uplink_plan(index, name, metric):
    """Addresses of uplink number index (1-based); fixed so down needs no state."""
    return {"name": name, "index": index, "metric": metric,
            "router_addr": "100.64.%d.2" % index, "gateway": "100.64.%d.1" % index,
            "isp_inet_addr": "172.31.%d.1" % index, "inet_addr": "172.31.%d.2" % index,
            "subnet": "100.64.%d.0/24" % index}


def parse_uplinks(text):
    names = [x.strip() for x in text.split(",") if x.strip()]
    if not names or len(names) > MAX_UPLINKS:
        raise LabError("--uplinks needs 1..%d names, got %r" % (MAX_UPLINKS, text))
    for n in names:
        if not UPLINK_RE.match(n) or n in ("lan", "lo", "inet", "rtr"):
            raise LabError("bad uplink name %r: 1-11 characters a-z0-9_, starting with a "
                           "letter, not lan/lo/inet/rtr" % n)
    if len(set(names)) != len(names):
        raise LabError("uplink names repeat in %r" % text)
    return names


def parse_metrics(names, text):
    """Metric per uplink: --metrics overrides, else wan 10 / mob1s1a1 20 /
    starlink 30, else 10 x position + 100. Metrics must be distinct."""
    metrics = {}
    for pos, n in enumerate(names, 1):
        metrics[n] = KNOWN_METRICS.get(n, 100 + 10 * pos)
    for item in [x for x in (text or "").split(",") if x.strip()]:
        name, _, value = item.partition("=")
        name = name.strip()
        if name not in metrics:
            raise LabError("--metrics names unknown uplink %r" % name)
        try:
            m = int(value)
        except ValueError:
            raise LabError("--metrics %s: %r is not an integer" % (name, value))
        if not 1 <= m <= 65535:
            raise LabError("--metrics %s=%d out of range 1..65535" % (name, m))
        metrics[name] = m
    if len(set(metrics.values())) != len(metrics):
        raise LabError("uplink metrics must be distinct (the kernel refuses two default "
                       "routes with one metric): %s" % metrics)
    return metrics


def find_shim(explicit=None):
    for cand in (explicit, os.environ.get("SF_DELAYSHIM"),
                 os.path.join(REPO, "build", "sf-delayshim")):
        if cand and os.access(cand, os.X_OK):
            return os.path.abspath(cand)
    raise LabError("sf-delayshim not found: build it (cmake --build build --target "
                   "sf-delayshim) or set SF_DELAYSHIM=/path/to/sf-delayshim")


# ---------------------------------------------------------------- state

class State:
    """state.json of one lab, read and written under an exclusive flock."""

    def __init__(self, prefix, create=False):
        self.prefix = check_prefix(prefix)
        self.dir = os.path.join(STATE_ROOT, prefix)
        if create:
            os.makedirs(self.dir, mode=0o755, exist_ok=True)
        elif not os.path.isdir(self.dir):
            raise LabError("no lab with prefix %r (run: labctl.py up --prefix %s)"
                           % (prefix, prefix))
        self.path = os.path.join(self.dir, "state.json")
        self.lock_fd = None
        self.data = None

    def __enter__(self):
        self.lock_fd = os.open(os.path.join(self.dir, "lock"), os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.lock_fd, fcntl.LOCK_EX)
        try:
            with open(self.path) as f:
                self.data = json.load(f)
        except FileNotFoundError:
            self.data = {"prefix": self.prefix, "created": [], "procs": [],
                         "uplinks": [], "impair": {}, "complete": False}
        except ValueError as e:
            raise LabError("%s is corrupt (%s); run: labctl.py down --prefix %s"
                           % (self.path, e, self.prefix))
        return self

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.data, f, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def __exit__(self, *exc):
        if os.path.isdir(self.dir) and exc[0] is None:
            self.save()
        os.close(self.lock_fd)
        return False

    def uplink(self, name):
        for u in self.data["uplinks"]:
            if u["name"] == name:
                return u
        raise LabError("lab %s has no uplink %r (uplinks: %s)" % (
            self.prefix, name, ",".join(u["name"] for u in self.data["uplinks"])))

    def event(self, text):
        """Appends a timestamped line to events.log; returns the monotonic time."""
        now = time.monotonic()
        with open(os.path.join(self.dir, "events.log"), "a") as f:
            f.write("t_mono=%.6f t_wall=%.6f %s\n" % (now, time.time(), text))
        return now


# ---------------------------------------------------------------- processes

def proc_start_time(pid):
    """Start time of pid in clock ticks (to tell a reused pid apart), or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def proc_alive(pid, start):
    """True if pid is still the process that started at start and not a zombie."""
    return start is not None and proc_start_time(pid) == start and not _zombie_or_gone(pid)


def kill_pid(pid, start=None, grace_s=2.0):
    """SIGTERM, then SIGKILL after grace_s; only if pid is still that process."""
    if start is not None and proc_start_time(pid) != start:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if proc_start_time(pid) is None or _reap(pid):
            return
        time.sleep(0.02)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    _reap(pid)


def _reap(pid):
    """Reaps pid if it is our child and has exited; True when it is gone."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == pid
    except ChildProcessError:
        return _zombie_or_gone(pid)


def _zombie_or_gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def spawn(st, ns, argv, name, ready_pattern=None, ready_timeout_s=5.0):
    """Starts argv in namespace ns (or the root namespace if ns is None) in the
    background, logging to <state>/<name>.log; records it so that down kills it.
    Waits for ready_pattern (a regex) to appear in the log if given."""
    if not re.match(r"^[A-Za-z0-9_.-]{1,40}$", name):
        raise LabError("bad process name %r" % name)
    logpath = os.path.join(st.dir, name + ".log")
    full = nsexec(ns, argv) if ns else list(argv)
    with open(logpath, "ab") as logf:
        log_start = logf.tell()     # earlier runs of the same name are not "ready"
        try:
            p = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                 start_new_session=True, close_fds=True)
        except OSError as e:
            raise LabError("cannot start %s: %s" % (" ".join(full), e))
    st.data["procs"].append({"pid": p.pid, "start": proc_start_time(p.pid), "ns": ns,
                             "name": name, "argv": list(argv), "log": logpath})
    st.save()
    if ready_pattern:
        rx = re.compile(ready_pattern)
        deadline = time.monotonic() + ready_timeout_s
        while True:
            with open(logpath, "rb") as f:
                f.seek(log_start)
                text = f.read(1 << 20).decode(errors="replace")
            if rx.search(text):
                break
            if p.poll() is not None or time.monotonic() > deadline:
                why = "exited with %s" % p.returncode if p.poll() is not None else \
                    "not ready after %.1f s" % ready_timeout_s
                raise LabError("%s %s; log %s: %s" % (name, why, logpath, text.strip()[-400:]))
            time.sleep(0.02)
    return p.pid


def stop_procs(st, name=None):
    keep = []
    for pr in st.data["procs"]:
        if name is None or pr["name"] == name:
            kill_pid(pr["pid"], pr.get("start"))
        else:
            keep.append(pr)
    st.data["procs"] = keep


