#!/usr/bin/python3
"""The real starfaild's admission over its real unix socket: per-uid and
root-reserved client slots, hostile clients, request size and strictness,
descriptor exhaustion. Run by ctest (daemon_admission)."""
import json
import os
import resource
import select
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from sfdaemon import STARFAILCTL, Daemon, api_call  # noqa: E402
from test_daemon import BASE, run_as_nobody  # noqa: E402

NOBODY = 65534


class euid:
    """Connect as another user from this process: SO_PEERCRED reports the
    effective ids (and SO_PEERGROUPS the groups) of connect() time."""

    def __init__(self, uid, gid, groups=()):
        self.uid, self.gid, self.groups = uid, gid, list(groups)

    def __enter__(self):
        self.saved = os.getgroups()
        os.setgroups(self.groups)
        os.setegid(self.gid)
        os.seteuid(self.uid)

    def __exit__(self, *exc):
        os.seteuid(0)
        os.setegid(0)
        os.setgroups(self.saved)


def read_all(s, timeout=5.0):
    """Everything until EOF; raises on ECONNRESET (a refused client must read its error)."""
    s.settimeout(timeout)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def hostile_clients(sock, n, seconds):
    """A child as nobody keeping n connections that each send '{' and reconnect
    as soon as they are dropped or refused. Returns its pid."""
    pid = os.fork()
    if pid:
        return pid
    try:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
        end = time.time() + seconds

        def new():
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(1)
            try:
                s.connect(sock)
                s.send(b"{")
            except OSError:
                pass
            return s

        conns = [new() for _ in range(n)]
        while time.time() < end:
            ready, _, _ = select.select(conns, [], [], 0.05)
            for s in ready:
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    s.close()
                    conns[conns.index(s)] = new()
    except BaseException:
        pass
    os._exit(0)


class Admission(unittest.TestCase):
    def tearDown(self):
        if getattr(self, "d", None):
            self.d.cleanup()

    def test_hostile_uid_does_not_starve_root(self):
        self.d = Daemon(BASE.replace("option api_max_clients '4'", "option api_max_clients '16'")
                        .replace("option api_timeout_ms '400'", "option api_timeout_ms '2000'"))
        pid = hostile_clients(self.d.sock, 16, 4.0)
        try:
            time.sleep(0.7)
            failures = []
            for i in range(20):
                if i % 2:
                    p = subprocess.run([STARFAILCTL, "-s", self.d.sock, "status"], capture_output=True,
                                       text=True, timeout=10)
                    if p.returncode != 0:
                        failures.append(p.stderr)
                else:
                    r = self.d.call("status")
                    if not r or "result" not in r:
                        failures.append(r)
                time.sleep(0.1)
            last = self.d.call("status")
        finally:
            os.waitpid(pid, 0)
        self.assertEqual(len(failures), 0, "%d of 20 status calls failed: %s" % (len(failures), failures[:2]))
        api = last["result"]["api"]
        # the hostile uid was held to its share and refused beyond it
        self.assertGreater(api["rejected_busy"], 0)
        self.assertLessEqual(api["clients"], 9)
        self.assertIn("too many clients of uid 65534 (max 8 per uid)", self.d.read_log())

    def test_per_uid_cap_and_admin_slots(self):
        self.d = Daemon(BASE.replace("option api_max_clients '4'",
                                     "option api_max_clients '20'\n\toption api_max_clients_per_uid '16'")
                        .replace("option api_timeout_ms '400'", "option api_timeout_ms '5000'"))
        held = []
        try:
            with euid(NOBODY, NOBODY):
                for _ in range(16):
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(self.d.sock)
                    s.send(b"{")
                    held.append(s)
                extra = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                extra.connect(self.d.sock)
            extra.sendall(b'{"method":"status"}')
            err = json.loads(read_all(extra))["error"]
            extra.close()
            self.assertEqual(err["code"], -32002)
            self.assertEqual(err["message"], "too many clients of uid 65534 (max 16 per uid)")
            # another uid gets the two slots left for non-admins, then only root gets in
            others = []
            with euid(NOBODY - 1, NOBODY - 1):
                for _ in range(3):
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(self.d.sock)
                    others.append(s)
            others[2].sendall(b'{"method":"status"}')
            err = json.loads(read_all(others[2]))["error"]
            self.assertEqual(err["code"], -32002)
            self.assertIn("the last 2 kept for root", err["message"])
            for s in others:
                s.close()
            st = self.d.call_until("status", lambda r: r.get("result", {}).get("api", {}).get("clients") == 17)
            self.assertEqual(st["result"]["api"]["clients"], 17)  # 16 held + this call
        finally:
            for s in held:
                s.close()

    def test_emfile_pauses_accept(self):
        # fds a settled daemon uses, then a limit that leaves it two more
        probe = Daemon(BASE)
        base_fds = len(os.listdir("/proc/%d/fd" % probe.proc.pid))
        probe.cleanup()
        limit = base_fds + 2

        def lower():
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        self.d = Daemon(BASE.replace("option api_timeout_ms '400'", "option api_timeout_ms '5000'"),
                            preexec_fn=lower)
        conns = []
        try:
            for _ in range(12):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.setblocking(False)
                try:
                    s.connect(self.d.sock)
                except BlockingIOError:
                    pass
                conns.append(s)
            time.sleep(0.3)
            t0 = cpu_s(self.d.proc.pid)
            time.sleep(2.0)
            used = cpu_s(self.d.proc.pid) - t0
            self.assertLess(used, 0.3, "daemon spun on EMFILE: %.2f s CPU in 2 s" % used)
        finally:
            for s in conns:
                s.close()
        # fds free again: accepting resumes by itself
        deadline = time.time() + 3
        while True:
            r = self.d.call("status")
            if r and "result" in r or time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertIn("result", r)
        self.assertIn("accepting paused, retried every 250 ms", self.d.read_log())
        self.assertLessEqual(self.d.read_log().count("accepting paused"), 2)

    def test_shared_daemon_user_cannot_be_driven_by_its_peers(self):
        self.d = Daemon(BASE, owner=NOBODY, user=NOBODY, group=NOBODY, extra_groups=[])
        sock = self.d.sock

        def probe():
            return {"uid": os.getuid(), "status": api_call(sock, "status"),
                    "setlog": api_call(sock, "setlog", {"level": "error"}), "reload": api_call(sock, "reload")}

        out = run_as_nobody(probe)
        self.assertNotIn("exception", out, out)
        self.assertEqual(out["uid"], NOBODY)
        self.assertEqual(out["status"]["result"]["state"], "no_uplink")
        self.assertEqual(out["setlog"]["error"]["code"], -32001)
        self.assertEqual(out["reload"]["error"]["code"], -32001)
        st = self.d.call("status")["result"]
        self.assertEqual(st["log_level"], "debug")
        self.assertEqual(st["config"]["reloads"], 0)
        # root still may
        self.assertEqual(self.d.call("setlog", {"level": "info"})["result"]["level"], "info")

    def test_group_from_peer_credentials(self):
        # /etc/group lists no member of 'daemon' (gid 1): only the peer's own groups count
        self.d = Daemon(BASE.replace("option api_socket_mode '0666'",
                                     "option api_socket_mode '0666'\n\toption api_group 'daemon'"))
        sock = self.d.sock

        def call(groups):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            with euid(NOBODY, NOBODY, groups):
                s.connect(sock)
            s.sendall(b'{"method":"setlog","params":{"level":"warn"}}')
            r = json.loads(read_all(s))
            s.close()
            return r

        self.assertEqual(call([])["error"]["code"], -32001)
        self.assertEqual(call([1])["result"]["level"], "warn")
        self.assertEqual(call([4, 1, 5])["result"]["previous"], "warn")

    def test_duplicate_keys_and_nul_refused(self):
        self.d = Daemon(BASE)
        for raw in (b'{"method":"status","method":"reload"}', b'{"method":"status","\\u006dethod":"reload"}',
                    b'{"method":"status","params":{"member":"wan"},"params":{}}'):
            r = self.d.call(None, raw=raw)
            self.assertEqual(r["error"]["code"], -32600, raw)
            self.assertIn("duplicate key", r["error"]["message"])
        self.assertEqual(self.d.call("status")["result"]["config"]["reloads"], 0)
        r = self.d.call(None, raw=b'{"method":"metrics","params":{"member":"wan\\u0000x"}}')
        self.assertEqual(r["error"]["code"], -32600)
        self.assertIn("NUL character", r["error"]["message"])
        r = self.d.call(None, raw=b'{"method":"metrics","params":{"member\\u0000x":"wan"}}')
        self.assertEqual(r["error"]["code"], -32600)
        r = self.d.call(None, raw=b"{'method':'status'}")
        self.assertEqual(r["error"]["code"], -32700)
        self.assertIn("link", self.d.call("metrics", {"member": "wan"})["result"])

    def test_refused_clients_read_their_error(self):
        self.d = Daemon(BASE)
        # too large, and the client goes on sending: it still reads the error, then EOF
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.d.sock)
        s.settimeout(5)
        s.sendall(b'{"method":"status","params":{"x":"' + b"a" * 200000 + b'"}}')
        err = json.loads(read_all(s))["error"]
        s.close()
        self.assertEqual((err["code"], err["message"]), (-32003, "request larger than 4096 bytes"))
        # too many clients, with a request already sent
        idle = []
        for _ in range(4):
            x = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            x.connect(self.d.sock)
            idle.append(x)
        time.sleep(0.1)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.d.sock)
        s.settimeout(5)
        s.sendall(b'{"method":"status","params":{"pad":"' + b"p" * 60000 + b'"}}')
        err = json.loads(read_all(s))["error"]
        s.close()
        self.assertEqual((err["code"], err["message"]), (-32002, "too many clients (max 4)"))
        for x in idle:
            x.close()
        self.d.call_until("status", lambda r: "result" in r)	# the closed ones freed
        # an answered request with bytes after it: the reply, then a clean EOF
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.d.sock)
        s.sendall(b'{"method":"version"} ' + b"x" * 50000)
        self.assertIn("result", json.loads(read_all(s)))
        s.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
