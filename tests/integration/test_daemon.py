#!/usr/bin/python3
"""The real starfaild over its real unix socket: methods, reload, permissions,
hostile requests, signals. Run by ctest (daemon_api)."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from sfdaemon import NETNS_WRAPPER, STARFAILCTL, STARFAILD, Daemon, api_call  # noqa: E402

BASE = """
config starfail 'main'
	option poll_interval_ms '1500'
	option api_socket_mode '0666'
	option api_timeout_ms '400'
	option api_max_clients '4'
	option api_max_request_bytes '4096'

config member 'wan'
	option device 'sft-wan0'
	option interface 'wan'
	list probe_targets '192.0.2.1'

config member 'mob1s1a1'
	option device 'sft-wwan0'
	option metered '1'
	list probe_targets '192.0.2.1'
"""
# The devices do not exist: these tests send no probe at all.


def run_as_nobody(fn):
    """Run fn() in a child process with uid/gid 65534; return its result via a pipe."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            out = json.dumps(fn())
        except BaseException as e:  # report everything to the parent
            out = json.dumps({"exception": repr(e)})
        os.write(w, out.encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(data.decode())


class DaemonApi(unittest.TestCase):
    def setUp(self):
        self.d = Daemon(BASE)

    def tearDown(self):
        self.d.cleanup()

    def test_status_members_config_version(self):
        st = self.d.call("status")["result"]
        self.assertEqual(st["state"], "no_uplink")
        self.assertIsNone(st["current"])
        self.assertTrue(st["dry_run"])
        self.assertEqual(st["config"]["result"], "ok")
        self.assertEqual(st["config"]["path"], self.d.config)
        self.assertGreater(st["memory"]["rss_kb"], 0)
        self.assertGreaterEqual(st["uptime_s"], 0)
        names = [m["name"] for m in st["members"]]
        self.assertEqual(names, ["wan", "mob1s1a1"])
        mob = st["members"][1]
        self.assertEqual(mob["class"], "cellular")
        self.assertTrue(mob["metered"])
        self.assertEqual(mob["state"], "unusable")
        self.assertEqual(mob["reason"], "no such device")

        members = self.d.call("members")["result"]
        self.assertEqual([m["device"] for m in members], ["sft-wan0", "sft-wwan0"])

        cfg = self.d.call("config")["result"]
        self.assertEqual(cfg["main"]["api_timeout_ms"], 400)
        self.assertEqual(cfg["main"]["poll_interval_ms"], 1500)
        self.assertEqual(cfg["members"][1]["class_resolved"], "cellular")

        ver = self.d.call("version")["result"]
        self.assertRegex(ver["version"], r"^\d+\.\d+\.\d+$")

    def test_unknown_method(self):
        r = self.d.call("failover_everything")
        self.assertEqual(r["error"]["code"], -32601)
        self.assertIn("unknown method", r["error"]["message"])

    def test_reload_good_keeps_unchanged_members(self):
        before = {m["name"]: m["age_s"] for m in self.d.call("members")["result"]}
        time.sleep(0.3)
        self.d.write_config(BASE.replace("option metered '1'", "option metered '0'") +
                            "\nconfig member 'starlink'\n\toption device 'sft-sl0'\n\toption class 'starlink'\n"
                            "\tlist probe_targets '192.0.2.1'\n"
                            "\toption dish_host '127.0.0.1'\n\toption dish_port '9'\n")
        r = self.d.call("reload")
        self.assertTrue(r["result"]["reloaded"], r)
        self.assertEqual(r["result"]["members"], 3)
        after = {m["name"]: m for m in self.d.call("members")["result"]}
        # wan unchanged: same object, its age continued
        self.assertGreaterEqual(after["wan"]["age_s"], before["wan"] + 0.25)
        # mob1s1a1 changed: rebuilt
        self.assertLess(after["mob1s1a1"]["age_s"], after["wan"]["age_s"] - 0.25)
        self.assertFalse(after["mob1s1a1"]["metered"])
        self.assertEqual(after["starlink"]["class"], "starlink")
        st = self.d.call("status")["result"]
        self.assertEqual(st["config"]["reloads"], 1)
        self.assertIn("reload done: added=1 changed=1 unchanged=1 removed=0", self.d.read_log())

    def test_reload_bad_keeps_old(self):
        self.d.write_config(BASE + "\nconfig member 'x'\n\toption device 'sft-x'\n\toption weight '500'\n")
        r = self.d.call("reload")
        self.assertEqual(r["error"]["code"], -32000)
        self.assertIn(":21: section 'x' option 'weight'", r["error"]["message"])
        st = self.d.call("status")["result"]
        self.assertEqual(st["config"]["result"], "error")
        self.assertIn("weight", st["config"]["error"])
        self.assertEqual(st["config"]["failed_reloads"], 1)
        self.assertEqual([m["name"] for m in st["members"]], ["wan", "mob1s1a1"])
        self.assertEqual(self.d.call("config")["result"]["main"]["api_timeout_ms"], 400)
        # SIGHUP with a broken file: same outcome, daemon keeps running
        self.d.write_config("config starfail 'main'\n\toption enable 'x\n")
        self.d.proc.send_signal(signal.SIGHUP)
        for _ in range(100):
            st = self.d.call("status")["result"]
            if st["config"]["failed_reloads"] == 2:
                break
            time.sleep(0.05)
        self.assertEqual(st["config"]["failed_reloads"], 2)
        self.assertEqual(len(st["members"]), 2)
        self.assertIn("reload failed, old config kept", self.d.read_log())
        # a good file again clears the error
        self.d.write_config(BASE)
        self.assertTrue(self.d.call("reload")["result"]["reloaded"])
        self.assertEqual(self.d.call("status")["result"]["config"]["result"], "ok")

    def test_history_and_limits(self):
        h = self.d.call("history", {"member": "wan", "since_s": 60})["result"]
        self.assertEqual(h["member"], "wan")
        # the device does not exist: the link sample says so, as a boolean
        self.assertGreaterEqual(len(h["samples"]), 1)
        self.assertIs(h["samples"][-1]["link_up"], False)
        self.assertEqual(self.d.call("history", {"member": "wan", "limit": 2001})["error"]["code"], -32602)
        self.assertEqual(self.d.call("history", {"member": "nosuch"})["error"]["code"], -32602)
        self.assertEqual(self.d.call("events", {"limit": 1001})["error"]["code"], -32602)
        self.assertEqual(self.d.call("events", {"limit": "5"})["error"]["code"], -32602)
        ev = self.d.call("events", {"limit": 5})["result"]
        self.assertLessEqual(len(ev["events"]), 5)
        m = self.d.call("metrics", {"member": "mob1s1a1"})["result"]
        self.assertEqual(m["link"]["reason"], "no such device")
        self.assertFalse(m["link"]["exists"])

    def test_invalid_utf8_in_config(self):
        self.d.write_config(BASE + "\nconfig member 'x'\n\toption device 'sft-x'\n\toption interface '" +
                            "a" * 59 + "\u00fc\u00fc'\n")
        # the file holds UTF-8 ü; now replace it by raw latin-1 bytes
        with open(self.d.config, "rb") as f:
            data = f.read().replace("ü".encode(), b"\xfc")
        with open(self.d.config, "wb") as f:
            f.write(data)
        r = self.d.call("reload")
        self.assertEqual(r["error"]["code"], -32000)
        self.assertIn("printable UTF-8", r["error"]["message"])
        st = self.d.call("status")["result"]
        self.assertEqual(st["config"]["result"], "error")

    def test_cli_log_level_wins_over_reload(self):
        self.d.write_config(BASE.replace("option poll_interval_ms '1500'",
                                         "option poll_interval_ms '1500'\n\toption log_level 'warn'"))
        self.assertTrue(self.d.call("reload")["result"]["reloaded"])
        self.assertEqual(self.d.call("status")["result"]["log_level"], "debug")

    def test_setlog(self):
        r = self.d.call("setlog", {"level": "trace"})
        self.assertEqual(r["result"], {"level": "trace", "previous": "debug"})
        self.assertEqual(self.d.call("status")["result"]["log_level"], "trace")
        self.assertEqual(self.d.call("setlog", {"level": "loud"})["error"]["code"], -32602)
        self.assertEqual(self.d.call("setlog", {})["error"]["code"], -32602)
        self.assertEqual(self.d.call("setlog")["error"]["code"], -32602)

    def test_non_root_reads_but_cannot_mutate(self):
        sock = self.d.sock

        def probe():
            return {
                "status": api_call(sock, "status"),
                "reload": api_call(sock, "reload"),
                "setlog": api_call(sock, "setlog", {"level": "error"}),
                "uid": os.getuid(),
            }

        out = run_as_nobody(probe)
        self.assertNotIn("exception", out, out)
        self.assertEqual(out["uid"], 65534)
        self.assertEqual(out["status"]["result"]["state"], "no_uplink")
        self.assertEqual(out["reload"]["error"]["code"], -32001)
        self.assertEqual(out["setlog"]["error"]["code"], -32001)
        self.assertEqual(self.d.call("status")["result"]["log_level"], "debug")
        self.assertEqual(self.d.call("status")["result"]["api"]["denied"], 2)
        # and the CLI says so with its exit code
        p = subprocess.run([STARFAILCTL, "-s", sock, "reload"], capture_output=True, text=True,
                           user=65534, group=65534, extra_groups=[])
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("only root or the socket's group", p.stderr)

    def test_malformed_requests(self):
        r = self.d.call(None, raw=b"{not json")
        self.assertEqual(r["error"]["code"], -32700)
        r = self.d.call(None, raw=b"[1,2,3]")
        self.assertEqual(r["error"]["code"], -32600)
        r = self.d.call(None, raw=b'{"method": 5}')
        self.assertEqual(r["error"]["code"], -32600)
        r = self.d.call(None, raw=b'{"method": "status", "params": [1]}')
        self.assertEqual(r["error"]["code"], -32600)
        r = self.d.call(None, raw=b'{"method": "status"} trailing')
        self.assertIn("result", r)  # first complete object answered, rest ignored
        r = self.d.call(None, raw=b"\x00\xff\xfe" * 10)
        self.assertEqual(r["error"]["code"], -32700)
        r = self.d.call(None, raw=b'{"method":"status","params":{"x":"' + b"a" * 10000 + b'"}}')
        self.assertEqual(r["error"]["code"], -32003)
        deep = b'{"method":"status","params":' + b'{"a":' * 200 + b"1" + b"}" * 201
        r = self.d.call(None, raw=deep)
        self.assertIn(r["error"]["code"], (-32700, -32003))
        # many tiny containers would cost ~1 KiB of heap each: refused early
        many = b'{"method":"status","params":{"x":[' + b"{}," * 500 + b"{}]}}"
        r = self.d.call(None, raw=many)
        self.assertEqual(r["error"]["code"], -32003)
        self.assertIn("more than 64 JSON objects", r["error"]["message"])
        r = self.d.call(None, raw=b"null ")
        self.assertEqual(r["error"]["code"], -32600)
        # a client's bytes quoted back never make the reply undecodable
        r = self.d.call(None, raw='{"method":"x\u00e9\u00e9\u00e9'.encode() + "é".encode() * 40 + b'"}')
        self.assertEqual(r["error"]["code"], -32601)
        r = self.d.call(None, raw=b'{"method":"metrics","params":{"member":"' + "é".encode() * 40 + b'"}}')
        self.assertEqual(r["error"]["code"], -32602)
        # the daemon is unaffected
        self.assertEqual(self.d.call("status")["result"]["state"], "no_uplink")

    def test_silent_client_dropped_others_served(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        t0 = time.time()
        s.connect(self.d.sock)
        self.assertEqual(self.d.call("status")["result"]["state"], "no_uplink")
        s.settimeout(5)
        data = s.recv(4096)
        waited = time.time() - t0
        s.close()
        self.assertEqual(json.loads(data)["error"]["code"], -32004)
        self.assertGreater(waited, 0.3)
        self.assertLess(waited, 3.0)
        self.assertEqual(self.d.call("status")["result"]["api"]["timeouts"], 1)

    def test_client_cap(self):
        idle = []
        for _ in range(4):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.d.sock)
            idle.append(s)
        time.sleep(0.1)
        r = api_call(self.d.sock, "status")
        self.assertEqual(r["error"]["code"], -32002)
        for s in idle:
            s.close()
        self.assertIn("result", self.d.call_until("status", lambda r: "result" in r))

    def test_sigterm_clean_exit(self):
        rc = self.d.stop(signal.SIGTERM)
        self.assertEqual(rc, 0, self.d.read_log())
        self.assertFalse(os.path.exists(self.d.sock))
        self.assertIn("stopped", self.d.read_log())

    def test_second_daemon_refused(self):
        p = subprocess.run([STARFAILD, "-config", self.d.config, "-socket", self.d.sock],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 1)
        self.assertIn("another daemon answers", p.stderr)
        self.assertIn("result", self.d.call("status"))


class Cli(unittest.TestCase):
    def setUp(self):
        self.d = Daemon(BASE)

    def tearDown(self):
        self.d.cleanup()

    def ctl(self, *args, stdin=None):
        return subprocess.run([STARFAILCTL, "-s", self.d.sock] + list(args), capture_output=True,
                              text=True, input=stdin, timeout=10)

    def test_tables_and_json(self):
        p = self.ctl("status")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"state:\s+no_uplink")
        self.assertRegex(p.stdout, r"MEMBER\s+CLASS")
        self.assertRegex(p.stdout, r"mob1s1a1\s+cellular\s+-\s+sft-wwan0\s+unusable")
        p = self.ctl("--json", "members")
        self.assertEqual(json.loads(p.stdout)["result"][0]["name"], "wan")
        p = self.ctl("config")
        self.assertIn("main.poll_interval_ms = 1500", p.stdout)
        self.assertIn("member.wan.device = sft-wan0", p.stdout)
        p = self.ctl("setlog", "info")
        self.assertEqual(p.returncode, 0)
        self.assertIn("level = info", p.stdout)

    def test_exit_codes(self):
        self.assertEqual(self.ctl("setlog").returncode, 2)
        self.assertEqual(self.ctl("nosuchcommand").returncode, 2)
        p = self.ctl("setlog", "loud")
        self.assertEqual(p.returncode, 1)
        self.assertIn("unknown level", p.stderr)
        p = subprocess.run([STARFAILCTL, "-s", "/nonexistent/sock", "status"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 3)
        self.assertIn("cannot reach starfaild", p.stderr)
        p = subprocess.run([STARFAILCTL, "-h"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0)
        self.assertIn("setlog", p.stdout)

    def test_rpcd_plugin_protocol(self):
        p = self.ctl("list")
        sig = json.loads(p.stdout)
        self.assertEqual(sig["setlog"], {"level": "str"})
        self.assertIn("status", sig)
        p = self.ctl("call", "status", stdin="{}")
        self.assertEqual(json.loads(p.stdout)["state"], "no_uplink")
        p = self.ctl("call", "members", stdin="")
        self.assertEqual(len(json.loads(p.stdout)["members"]), 2)
        p = self.ctl("call", "setlog", stdin='{"level":"warn"}')
        self.assertEqual(json.loads(p.stdout)["level"], "warn")


class CheckConfig(unittest.TestCase):
    def test_check_config(self):
        here = os.path.dirname(__file__)
        good = os.path.join(here, "..", "data", "config", "good.conf")
        p = subprocess.run([STARFAILD, "--check-config", "-config", good], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "configuration OK")
        # the default config the OpenWrt package installs must load as it is
        shipped = os.path.join(here, "..", "..", "package", "openwrt", "files", "starfail.config")
        p = subprocess.run([STARFAILD, "--check-config", "-config", shipped], capture_output=True, text=True)
        self.assertEqual((p.returncode, p.stdout.strip()), (0, "configuration OK"), p.stderr)
        bad = os.path.join(os.environ.get("TMPDIR", "/tmp"), "sf-bad-%d.conf" % os.getpid())
        with open(bad, "w") as f:
            f.write("config starfail 'main'\n\toption poll_interval_ms 'fast'\n")
        try:
            p = subprocess.run([STARFAILD, "-check-config", "-config", bad], capture_output=True, text=True)
            self.assertEqual(p.returncode, 1)
            self.assertIn(bad + ":2: section 'main' option 'poll_interval_ms'", p.stderr)
            # the daemon refuses to start on it, exit 1
            p = subprocess.run([STARFAILD, "-config", bad, "-socket", bad + ".sock"], capture_output=True,
                               text=True, timeout=10)
            self.assertEqual(p.returncode, 1)
            self.assertIn("not starting", p.stderr)
        finally:
            os.unlink(bad)


NETNS_CONFIG = """
config starfail 'main'
	option api_socket_mode '0666'

config member 'wan'
	option device 'sft-d0'
	list probe_targets '2001:db8::1'
"""
# The device is usable over IPv4 only and the one target is IPv6: the member
# never completes a probe round, so the engine never gives it a state; the
# member is unusable, and says why.



@unittest.skipUnless(os.environ.get("SF_NETNS_TESTS") == "1",
                     "creates a network namespace: ctest -L net (daemon_netns), under the lab lock")
class NetnsDaemonBase(unittest.TestCase):
    """starfaild in a namespace of its own (NETNS_WRAPPER); no tests itself."""
    CONFIG = NETNS_CONFIG
    SETUP = ""          # more set-up in the namespace
    EXEC = ""           # what runs the daemon
    OWNER = None        # uid of the daemon's temp dir

    def wait_member(self, cond):
        for _ in range(100):
            m = self.d.call("metrics", {"member": "wan"})["result"]
            if cond(m):
                return m
            time.sleep(0.05)
        return m

    def fault_events(self):
        return [e for e in self.d.call("events", {"limit": 100})["result"]["events"]
                if e["type"] == "fault" and e["reason"] == "probe"]

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")
        import shutil
        import tempfile
        import sfdaemon
        if not shutil.which("unshare") or not shutil.which("ip"):
            self.skipTest("needs unshare and ip")
        self.tmp = tempfile.mkdtemp(prefix="sf-netns-")
        wrapper = os.path.join(self.tmp, "starfaild")
        with open(wrapper, "w") as f:
            f.write(NETNS_WRAPPER % (self.SETUP, self.EXEC, os.path.abspath(STARFAILD)))
        os.chmod(wrapper, 0o755)
        os.chmod(self.tmp, 0o755)
        saved = sfdaemon.STARFAILD
        sfdaemon.STARFAILD = wrapper
        try:
            self.d = Daemon(self.CONFIG, owner=self.OWNER)
        finally:
            sfdaemon.STARFAILD = saved

    def tearDown(self):
        if hasattr(self, "d"):
            rc = self.d.stop()
            log = self.d.read_log()
            self.d.cleanup()
            self.assertEqual(rc, 0, "starfaild exit status (sanitizer?):\n" + log[-3000:])
        if hasattr(self, "tmp"):
            os.unlink(os.path.join(self.tmp, "starfaild"))
            os.rmdir(self.tmp)


class DaemonNetns(NetnsDaemonBase):
    def test_member_without_a_round_has_no_state_age(self):
        # wait until the link is known usable and the prober has said why it cannot probe
        for _ in range(100):
            m = self.d.call("metrics", {"member": "wan"})["result"]
            if m["link"]["ipv4_default_route"] and m.get("probe") and m["probe"]["reason"]:
                break
            time.sleep(0.05)
        self.assertTrue(m["link"]["exists"], m)
        self.assertTrue(m["link"]["ipv4_default_route"], m)
        self.assertFalse(m["probe"]["usable"], m)
        self.assertEqual(m["probe"]["rounds"], 0)
        # the prober cannot run: unusable with the reason (issue 13 defect 9), not unknown
        m = self.wait_member(lambda m: m["state"] == "unusable")
        why = "no IPv6 address or default route on sft-d0 for the probe targets"
        self.assertEqual((m["state"], m["reason"]), ("unusable", why), m)
        self.assertEqual(m["fault"], "probe: " + why, m)
        self.assertLess(abs(m["fault_since"] - time.time()), 10, m)
        # the engine is told at once (down, no round measured): in that state
        # since the fault, seconds, not 1e16 s
        self.assertEqual(m["engine"]["last_reason"], "hard_fail_link", m["engine"])
        self.assertIsNotNone(m["engine"]["state_for_s"], m["engine"])
        self.assertLess(m["engine"]["state_for_s"], 10, m["engine"])
        self.assertFalse(m["engine"]["eligible"], m["engine"])
        self.assertEqual(m["engine"]["rounds"], 0)
        time.sleep(0.2)
        st = self.d.call("status")["result"]
        self.assertEqual((st["members"][0]["state"], st["members"][0]["reason"]), ("unusable", why))
        members = self.d.call("members")["result"]
        self.assertEqual(members[0]["fault"], "probe: " + why, members)
        evs = self.fault_events()
        self.assertEqual(len(evs), 1, evs)
        self.assertIn(why, evs[0]["text"])
        self.assertEqual(evs[0]["member"], "wan")
        # the CLI's table says it too, under the member's row
        p = subprocess.run([STARFAILCTL, "-s", self.d.sock, "members"], capture_output=True, text=True,
                           timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("unusable", p.stdout)
        self.assertIn("fault: probe: " + why + " (for ", p.stdout)


class DaemonNetnsUnpriv(NetnsDaemonBase):
    """The daemon as nobody, without CAP_NET_RAW, in a namespace whose
    net.ipv4.ping_group_range admits no group: no ICMP socket at all."""
    CONFIG = NETNS_CONFIG.replace("2001:db8::1", "192.0.2.1")
    SETUP = "sysctl -qw net.ipv4.ping_group_range=\"1 0\""
    EXEC = "setpriv --reuid 65534 --regid 65534 --clear-groups"
    OWNER = 65534

    def setUp(self):
        import shutil
        if not shutil.which("setpriv"):
            self.skipTest("needs setpriv")
        super().setUp()

    def test_no_icmp_socket_is_unusable_with_the_reason(self):
        m = self.wait_member(lambda m: m["state"] == "unusable")
        self.assertEqual(m["state"], "unusable", m)
        self.assertTrue(m["link"]["ipv4_default_route"], m)
        self.assertIn("ICMP socket: ping: Permission denied", m["reason"])
        self.assertIn("raw: Operation not permitted", m["reason"])
        self.assertIn("needs CAP_NET_RAW or a group in net.ipv4.ping_group_range", m["reason"])
        self.assertFalse(m["probe"]["usable"], m)
        members = self.d.call("members")["result"]
        self.assertEqual(members[0]["fault"], "probe: " + m["reason"], members)
        self.assertEqual(len(self.fault_events()), 1, self.fault_events())
        log = self.d.read_log()
        self.assertIn("fault: member=wan collector=probe reason=\"ICMP socket: ping: Permission denied", log)


if __name__ == "__main__":
    unittest.main(verbosity=2)
