#!/usr/bin/python3
"""starfailctl's rpcd mode run exactly as rpcd runs an exec plugin
(openwrt/rpcd plugin.c): `PLUGIN list` once, then `PLUGIN call METHOD`
with the arguments as one JSON object on stdin, stdin closed, the first
JSON object on stdout taken as the reply and the exit status ignored.
PLUGIN is a link named `starfail` to starfailctl, as the package installs
/usr/libexec/rpcd/starfail. Against the real starfaild (--dry-run) over its
real socket; every call's arguments are checked against the `list`
signature, every reply must be one JSON object. Run by ctest (pkg_rpcd)."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from sfdaemon import STARFAILCTL, Daemon  # noqa: E402

CONFIG = """
config starfail 'main'
	option poll_interval_ms '1500'
	option api_socket_mode '0666'

config member 'wan'
	option device 'sfr-wan0'
	option interface 'wan'
	list probe_targets '192.0.2.1'

config member 'mob1s1a1'
	option device 'sfr-wwan0'
	option metered '1'
	list probe_targets '192.0.2.1'
"""
# The devices do not exist: no probe is sent.

METHODS = {"status", "members", "config", "version", "metrics", "history", "events",
           "explain", "failover", "restore", "recheck", "discover", "reload", "setlog"}
BOUND_S = 3.0   # RPCD_TIMEOUT_MS in src/cli/ctl_rpcd.c
SLACK_S = 1.5   # process start-up, a loaded machine


class Plugin:
    """The link /usr/libexec/rpcd/starfail -> starfailctl, in a temp dir."""

    def __init__(self, sock):
        self.dir = tempfile.mkdtemp(prefix="sf-rpcd-")
        os.chmod(self.dir, 0o755)   # other users run it too
        self.path = os.path.join(self.dir, "starfail")
        os.symlink(os.path.abspath(STARFAILCTL), self.path)
        self.env = dict(os.environ, STARFAIL_SOCKET=sock)

    def run(self, args, stdin=b"", timeout=10, **kw):
        """Returns (reply object, exit status, seconds). stdin None: a pipe that
        stays open (a caller that never closes it)."""
        t0 = time.monotonic()
        p = subprocess.Popen([self.path] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=self.env, **kw)
        if stdin is None:
            out = p.stdout.read()   # the plugin gives up on stdin by itself
            p.wait(timeout)
            for f in (p.stdin, p.stdout, p.stderr):
                f.close()
        else:
            out, _ = p.communicate(stdin, timeout=timeout)
        dt = time.monotonic() - t0
        text = out.decode()
        # rpcd parses the first JSON value; ours must be exactly one object
        obj = json.loads(text)
        return obj, p.returncode, dt

    def cleanup(self):
        os.unlink(self.path)
        os.rmdir(self.dir)


def check_args(testcase, sig, args):
    """Each argument is declared in the method's signature with its type, as
    rpcd builds the ubus policy from it ("str", 8/16/32/64 = int)."""
    for k, v in args.items():
        testcase.assertIn(k, sig, "argument %s not in the signature %s" % (k, sig))
        if isinstance(sig[k], str):
            testcase.assertEqual(sig[k], "str")
            testcase.assertIsInstance(v, str)
        else:
            testcase.assertIn(sig[k], (8, 16, 32, 64))
            testcase.assertIsInstance(v, int)
            testcase.assertLess(abs(v), 2 ** (sig[k] - 1))


class RpcdPlugin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(CONFIG)
        cls.p = Plugin(cls.d.sock)
        cls.sig, rc, _ = cls.p.run(["list"], b"")
        assert rc == 0, rc

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()
        cls.p.cleanup()

    def call(self, method, args=None, raw=None):
        """As rpcd does: the arguments (blobmsg_format_json of the ubus
        message, "{ }" when there are none) on stdin, then EOF."""
        if raw is None:
            if args:
                check_args(self, self.sig[method], args)
                raw = json.dumps(args).encode()
            else:
                raw = b"{ }"
        obj, rc, dt = self.p.run(["call", method], raw)
        self.assertIsInstance(obj, dict)
        self.assertLess(dt, BOUND_S + SLACK_S)
        return obj, rc

    def result(self, method, args=None):
        obj, rc = self.call(method, args)
        self.assertNotIn("error", obj, obj)
        self.assertEqual(rc, 0)
        return obj

    def test_list_signatures(self):
        self.assertEqual(set(self.sig), METHODS)
        for m, sig in self.sig.items():
            self.assertIsInstance(sig, dict, m)
            for k, t in sig.items():
                self.assertTrue(t == "str" or t in (8, 16, 32, 64), (m, k, t))
        self.assertEqual(self.sig["history"], {"member": "str", "since_s": 32, "limit": 32})
        self.assertEqual(self.sig["setlog"], {"level": "str"})
        self.assertEqual(self.sig["explain"], {"id": 64})

    def test_read_methods(self):
        st = self.result("status")
        self.assertEqual(st["state"], "no_uplink")
        self.assertEqual([m["name"] for m in st["members"]], ["wan", "mob1s1a1"])
        # an array result is wrapped: ubus replies are objects
        mem = self.result("members")
        self.assertEqual([m["name"] for m in mem["members"]], ["wan", "mob1s1a1"])
        self.assertIsInstance(self.result("version")["version"], str)
        self.assertEqual(self.result("config")["path"], self.d.config)
        self.assertEqual(self.result("metrics", {"member": "mob1s1a1"})["name"], "mob1s1a1")
        h = self.result("history", {"member": "wan", "since_s": 60, "limit": 10})
        self.assertEqual((h["member"], h["since_s"]), ("wan", 60))
        self.assertIsInstance(h["samples"], list)
        # the largest window: since_s * 1000 overflows a 32-bit long (seen
        # by the UBSan daemon of tools/cross.sh's 32-bit run)
        self.assertEqual(self.result("history", {"member": "wan", "since_s": 2592000})["since_s"], 2592000)
        ev = self.result("events", {"limit": 5})
        self.assertIsInstance(ev["events"], list)
        self.assertLessEqual(len(ev["events"]), 5)

    def test_write_methods(self):
        self.assertEqual(self.result("recheck")["rechecking"], 2)
        self.assertEqual(self.result("failover", {"member": "mob1s1a1"})["pinned"], "mob1s1a1")
        self.assertIsNone(self.result("restore").get("pinned"))
        old = self.result("setlog", {"level": "info"})["previous"]
        self.assertEqual(self.result("setlog", {"level": old})["previous"], "info")
        r = self.result("reload")
        self.assertTrue(r["reloaded"])
        self.assertEqual(r["members"], 2)

    def test_explain(self):
        # another branch adds the method; until then the daemon's own
        # "unknown method" comes back, as a JSON error and exit status 1
        obj, rc = self.call("explain")
        if "error" in obj:
            self.assertIn(obj["error"]["code"], (-32601, -32000), obj)
            self.assertEqual(rc, 1)
        obj, rc = self.call("explain", {"id": 2 ** 40})
        self.assertIn("error", obj)
        self.assertEqual(rc, 1)

    def test_daemon_errors_pass_through(self):
        obj, rc = self.call("metrics", {"member": "nope"})
        self.assertEqual(obj["error"]["code"], -32602)
        self.assertIn("nope", obj["error"]["message"])
        self.assertEqual(rc, 1)
        obj, rc = self.call("history", raw=b'{"member": "wan", "since_s": "x"}')
        self.assertEqual(obj["error"]["code"], -32602)
        self.assertEqual(rc, 1)
        obj, rc = self.call("setlog", {"level": "loud"})
        self.assertEqual(obj["error"]["code"], -32602)

    def test_bad_input(self):
        for raw, code in ((b"{", -32700), (b'{"member": ', -32700), (b"\xff\xfe", -32700),
                          (b"{} {}", -32700), (b"[1, 2]", -32602), (b'"wan"', -32602),
                          (b"x" * (70 * 1024), -32602)):
            obj, rc = self.call("metrics", raw=raw)
            self.assertEqual(obj["error"]["code"], code, (raw[:20], obj))
            self.assertEqual(rc, 2)
        obj, rc = self.call("nope")
        self.assertEqual(obj["error"]["code"], -32601)
        self.assertEqual(rc, 2)
        obj, rc, _ = self.p.run(["call"], b"{}")
        self.assertEqual(obj["error"]["code"], -32601)
        # empty stdin: no arguments at all
        self.assertEqual(self.call("version", raw=b"")[1], 0)

    def test_stdin_never_closed(self):
        obj, rc, dt = self.p.run(["call", "status"], stdin=None)
        self.assertEqual(obj["error"]["code"], -32602)
        self.assertIn("no EOF", obj["error"]["message"])
        self.assertLess(dt, BOUND_S + SLACK_S)

    @unittest.skipUnless(os.geteuid() == 0, "needs root to run the plugin as another user")
    def test_denied_for_other_users(self):
        # the socket is 0666 here: nobody may read but not change anything
        obj, rc, _ = self.p.run(["call", "status"], b"{ }", user=65534, group=65534, extra_groups=[])
        self.assertEqual(obj["state"], "no_uplink")
        obj, rc, _ = self.p.run(["call", "recheck"], b"{ }", user=65534, group=65534, extra_groups=[])
        self.assertEqual(obj["error"]["code"], -32001)
        self.assertEqual(rc, 4)


class RpcdDaemonDown(unittest.TestCase):
    def test_no_daemon(self):
        p = Plugin("/nonexistent/starfail.sock")
        try:
            obj, rc, dt = p.run(["call", "status"], b"{ }")
            self.assertEqual(obj["error"]["code"], -32000)
            self.assertIn("cannot reach starfaild", obj["error"]["message"])
            self.assertEqual(rc, 3)
            self.assertLess(dt, 1.0)
            # list needs no daemon: rpcd scans at its start, maybe before ours
            sig, rc, _ = p.run(["list"], b"")
            self.assertEqual(set(sig), METHODS)
        finally:
            p.cleanup()

    def test_daemon_hung(self):
        d = Daemon(CONFIG)
        p = Plugin(d.sock)
        try:
            d.proc.send_signal(signal.SIGSTOP)
            obj, rc, dt = p.run(["call", "status"], b"{ }")
            self.assertEqual(obj["error"]["code"], -32000)
            self.assertIn("no reply", obj["error"]["message"])
            self.assertEqual(rc, 3)
            self.assertGreater(dt, BOUND_S - 0.5)
            self.assertLess(dt, BOUND_S + SLACK_S)
        finally:
            d.proc.send_signal(signal.SIGCONT)
            d.cleanup()
            p.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
