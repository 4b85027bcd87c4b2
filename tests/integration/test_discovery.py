#!/usr/bin/env python3
"""Discovery in the real daemon (dry-run controller): the seed's example
config (use_mwan3 '1', poll_interval_ms '1500', predictive '1',
switch_margin '10', only a member list) with a recorded RutOS mwan3 config
and netifd dump served by the stand-in tests/bin/ubus; ubus hanging,
printing garbage, failing and missing; netifd alone (use_mwan3 off);
--check-config on a broken mwan3 file."""
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from sfdaemon import BUILD, Daemon, write_atomic  # noqa: E402
from sfdaemon import wait_for as sfdaemon_wait_for  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
DATA = os.path.join(ROOT, "tests", "data")
STARFAILD = os.path.join(BUILD, "starfaild")

SEED = """
config starfail 'main'
	option enable '1'
	option use_mwan3 '1'
	option poll_interval_ms '1500'
	option predictive '1'
	option switch_margin '10'
	option mwan3_config '%(mwan3)s'
	option discover_timeout_ms '600'

config member 'starlink'
	option interface 'wan'

config member 'mob1s1a1'
	option metered '1'
"""


class Stub:
    """The stand-in ubus first on PATH, its argv log and its mode file."""

    def __init__(self, mode="replay", dump="rutos-rutx50.json", path=True):
        self.dir = tempfile.mkdtemp(prefix="sf-ubus-")
        self.log = os.path.join(self.dir, "argv.log")
        self.mode_file = os.path.join(self.dir, "mode")
        self.set(mode)
        self.env = dict(os.environ)
        self.env.update(SF_UBUS_LOG=self.log, SF_UBUS_MODE_FILE=self.mode_file,
                        SF_UBUS_DUMP=os.path.join(DATA, "netifd", dump))
        self.env["PATH"] = (os.path.join(ROOT, "tests", "bin") + ":" + os.environ["PATH"]) if path else "/nonexistent"

    def set(self, mode):
        # the daemon's own ubus calls (the cellular collector's) read it at any moment
        write_atomic(self.mode_file, mode + "\n")

    def calls(self):
        """Discovery's calls: the cellular collector's own (`call gsm.modem0 ...`, the
        RutOS provider of the mob1s1a1 member) go through the same stand-in and are left out."""
        try:
            with open(self.log) as f:
                return [l for l in f.read().splitlines() if not l.startswith("call gsm.")]
        except FileNotFoundError:
            return []

    def cleanup(self):
        for n in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, n))
        os.rmdir(self.dir)


def members(d):
    return {m["name"]: m for m in d.call("members")["result"]}


def wait_for(pred, timeout=6.0):		# its own default: 6 s
    return sfdaemon_wait_for(pred, timeout)


class Discovery(unittest.TestCase):
    def start(self, stub, config):
        self.stub = stub
        self.d = Daemon(config, env=stub.env, cwd=ROOT)

    def tearDown(self):
        rc = self.d.stop()
        log = self.d.read_log()
        self.d.cleanup()
        self.stub.cleanup()
        self.assertEqual(rc, 0, "starfaild exit status (sanitizer?):\n" + log[-3000:])

    def test_seed_example_runs_with_discovered_members(self):
        self.start(Stub(), SEED % {"mwan3": os.path.join(DATA, "mwan3", "rutos")})
        ms = wait_for(lambda: (lambda m: m if m.get("mob1s1a1", {}).get("device") == "qmimux0" else None)(members(self.d)))
        self.assertIsNotNone(ms, self.d.read_log())
        self.assertEqual(list(ms), ["starlink", "mob1s1a1", "mob1s2a1", "wwan"])
        sl = ms["starlink"]
        self.assertEqual((sl["interface"], sl["device"], sl["gateway"], sl["address"]),
                         ("wan", "eth1", "100.64.0.1", "100.79.101.52"))
        self.assertEqual(sl["class"], "starlink")
        self.assertEqual(sl["class_reason"], "starlink: address 100.79.101.52 is in 100.64.0.0/10 (Starlink's CGNAT)")
        self.assertEqual((sl["source"], sl["device_source"]), ("config+mwan3", "netifd"))
        self.assertEqual((sl["mwan3_member"], sl["mwan3_metric"], sl["mwan3_weight"]), ("wan_m1_w1", 1, 1))
        mob = ms["mob1s1a1"]
        self.assertEqual((mob["class"], mob["metered"], mob["proto"]), ("cellular", True, "wwan"))
        self.assertEqual(mob["class_reason"], "cellular: netifd proto 'wwan' of interface 'mob1s1a1'")
        self.assertIsNone(mob["gateway"] or None)  # on-link: ""
        sim2 = ms["mob1s2a1"]
        self.assertEqual((sim2["state"], sim2["source"], sim2["priority"]), ("unusable", "mwan3", 3))
        self.assertEqual(sim2["reason"], "netifd interface 'mob1s2a1' is down and names no device")
        self.assertIsNone(sim2["device"] or None)
        self.assertEqual(ms["wwan"]["device"], "wlan0-1")
        # the devices do not exist here: linkmon says so, the members stay
        self.assertEqual(sl["state"], "unusable")
        self.assertEqual(sl["reason"], "no such device")
        # netifd was asked once at start: not per poll (1.5 s) - ask again after 3 polls
        time.sleep(4.6)
        self.assertEqual(self.stub.calls(), ["call network.interface dump"])
        r = self.d.call("discover")["result"]
        self.assertTrue(r["started"])
        self.assertEqual((r["netifd"]["ok"], r["netifd"]["interfaces"]), (True, 6))
        self.assertEqual((r["mwan3"]["loaded"], r["mwan3"]["interfaces"], r["mwan3"]["members"]), (True, 5, 4))
        self.assertTrue(wait_for(lambda: len(self.stub.calls()) == 2))
        st = self.d.call("status")["result"]
        self.assertEqual(st["config"]["result"], "ok")
        log = self.d.read_log()
        self.assertIn("mwan3: %s:46: interface 'wan6': family ipv6" % os.path.join(DATA, "mwan3", "rutos"), log)
        self.assertIn("discovery: member=mob1s2a1 unusable reason=\"netifd interface 'mob1s2a1' is down", log)

    def test_reload_rereads_mwan3_and_asks_netifd(self):
        stub = Stub()
        mw = os.path.join(stub.dir, "mwan3")
        with open(os.path.join(DATA, "mwan3", "rutos")) as f:
            text = f.read()
        with open(mw, "w") as f:
            f.write(text)
        self.start(stub, SEED % {"mwan3": mw})
        self.assertTrue(wait_for(lambda: members(self.d)["wwan"]["device"] == "wlan0-1"), self.d.read_log())
        before = members(self.d)
        with open(mw, "w") as f:
            f.write(text.replace("config interface 'wwan'\n\toption enabled '1'", "config interface 'wwan'\n\toption enabled '0'"))
        r = self.d.call("reload")["result"]
        self.assertTrue(r["reloaded"], r)
        self.assertEqual(r["members"], 3)
        self.assertTrue(wait_for(lambda: len(stub.calls()) == 2))
        after = members(self.d)
        self.assertEqual(list(after), ["starlink", "mob1s1a1", "mob1s2a1"])
        # unchanged members keep their object over the reload
        self.assertGreaterEqual(after["starlink"]["age_s"], before["starlink"]["age_s"])
        self.assertIn("%s:42: interface 'wwan': enabled '0' in mwan3: not a member" % mw, self.d.read_log())
        os.unlink(mw)

    def test_bad_ubus_keeps_running(self):
        stub = Stub(mode="hang")
        self.start(stub, SEED % {"mwan3": os.path.join(DATA, "mwan3", "rutos")})
        t0 = time.time()
        ms = wait_for(lambda: (lambda m: m if "timed out" in m["starlink"]["reason"] else None)(members(self.d)))
        self.assertIsNotNone(ms, self.d.read_log())
        self.assertEqual(ms["starlink"]["reason"], "device of interface 'wan' not known: ubus: timed out after 600 ms")
        self.assertEqual(ms["starlink"]["state"], "unusable")
        self.assertLess(time.time() - t0, 3.0)
        # the mwan3 members are there, unusable with the same reason; none dropped
        self.assertEqual(list(ms), ["starlink", "mob1s1a1", "mob1s2a1", "wwan"])
        # netifd answers again: `discover` (the hotplug script's call) resolves them
        stub.set("replay")
        self.d.call("discover")
        ms = wait_for(lambda: (lambda m: m if m["starlink"]["device"] == "eth1" else None)(members(self.d)))
        self.assertIsNotNone(ms, self.d.read_log())
        # garbage and a failing ubus: warnings, the last good state stays
        for mode, text in (("garbage", "netifd dump: not JSON"), ("fail", "ubus: exited 4: Command failed: Not found")):
            n = len(stub.calls())
            stub.set(mode)
            self.d.call("discover")
            self.assertTrue(wait_for(lambda: len(stub.calls()) > n and text in self.d.read_log()), self.d.read_log())
            # a dump already in flight when the mode changed may still report the
            # previous mode's error: wait for this mode's
            r = wait_for(lambda: (lambda r: r if text in (r["netifd"]["error"] or "") else None)(self.d.call("discover")["result"]))
            self.assertIsNotNone(r, self.d.read_log())
            self.assertIn(text, r["netifd"]["error"])
            self.assertEqual(members(self.d)["starlink"]["device"], "eth1")
        self.assertIn("(the last good one is kept)", self.d.read_log())
        self.assertIsNone(self.d.proc.poll())

    def test_ubus_missing(self):
        self.start(Stub(path=False), SEED % {"mwan3": os.path.join(DATA, "mwan3", "rutos")})
        ms = wait_for(lambda: (lambda m: m if "could not start" in m["starlink"]["reason"] else None)(members(self.d)))
        self.assertIsNotNone(ms, self.d.read_log())
        self.assertIn("ubus: could not start: No such file or directory", ms["mob1s1a1"]["reason"])

    def test_netifd_alone(self):
        cfg = ("config starfail 'main'\n\toption use_mwan3 '0'\n"
               "config member 'uplink'\n\toption interface 'wwan'\n")
        self.start(Stub(dump="openwrt-qmi.json"), cfg)
        ms = wait_for(lambda: (lambda m: m if m["uplink"]["device"] else None)(members(self.d)))
        self.assertIsNotNone(ms, self.d.read_log())
        m = ms["uplink"]
        self.assertEqual((m["device"], m["via"], m["gateway"], m["class"]), ("wwan0", "wwan_4", "100.91.27.113", "cellular"))
        self.assertEqual(m["source"], "config")
        self.assertIsNone(m["mwan3_member"])
        self.assertEqual(list(ms), ["uplink"])


NETNS_WRAPPER = """#!/bin/sh
# starfaild in a network namespace of its own (gone when it exits): eth1, a
# veth whose peer dish0 goes to namespace $SF_DISH_NS (where a listener plays
# the dish on 192.168.100.1:9200), and qmimux0, a veth with a /32 and an
# on-link default route like RutOS's modem.
exec unshare -n sh -c 'set -e
ip link set lo up
ip link add eth1 type veth peer name dish0
ip link set dish0 netns "$SF_DISH_NS"
ip addr add 192.168.100.2/24 dev eth1
ip link set eth1 up
ip route add default via 192.168.100.1 dev eth1
ip link add qmimux0 type veth peer name qmipeer
ip link set qmipeer up
ip addr add 10.142.63.178/32 dev qmimux0
ip link set qmimux0 up
ip route add default dev qmimux0 metric 20
exec "$0" "$@"' "%s" "$@"
"""

DISH = """
import socket, subprocess, sys, time
for _ in range(400):
    if subprocess.run(["ip", "link", "show", "dish0"], capture_output=True).returncode == 0:
        break
    time.sleep(0.025)
subprocess.run(["ip", "addr", "add", "192.168.100.1/24", "dev", "dish0"], check=True)
subprocess.run(["ip", "link", "set", "dish0", "up"], check=True)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.168.100.1", 9200))
s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    c.close()
"""


@unittest.skipUnless(os.environ.get("SF_NETNS_TESTS") == "1",
                     "creates network namespaces: ctest -L net (daemon_discovery_netns), under the lab lock")
class DiscoveryNetns(unittest.TestCase):
    """The route controller in a namespace with real devices: the dish
    answering through eth1 is what makes the wired WAN Starlink."""

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root")
        import shutil
        import sfdaemon
        if not shutil.which("unshare") or not shutil.which("ip"):
            self.skipTest("needs unshare and ip")
        self.ns = "sfdisc%d" % os.getpid()
        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        self.addCleanup(subprocess.run, ["ip", "netns", "del", self.ns])
        self.dish = subprocess.Popen(["ip", "netns", "exec", self.ns, sys.executable, "-c", DISH],
                                     stdout=subprocess.DEVNULL)
        self.addCleanup(self.dish.wait)
        self.addCleanup(self.dish.kill)
        self.tmp = tempfile.mkdtemp(prefix="sf-disc-netns-")
        wrapper = os.path.join(self.tmp, "starfaild")
        with open(wrapper, "w") as f:
            f.write(NETNS_WRAPPER % os.path.abspath(STARFAILD))
        os.chmod(wrapper, 0o755)
        # the RutOS dump, its wan moved off the CGNAT range: only the dish can say Starlink
        with open(os.path.join(DATA, "netifd", "rutos-rutx50.json")) as f:
            dump = f.read().replace('"100.79.101.52", "mask": 10', '"192.168.100.2", "mask": 24')
        dump = dump.replace("100.64.0.1", "192.168.100.1").replace("100.79.101.52/32", "192.168.100.2/32")
        self.dump = os.path.join(self.tmp, "dump.json")
        with open(self.dump, "w") as f:
            f.write(dump)
        self.stub = Stub()
        self.stub.env["SF_UBUS_DUMP"] = self.dump
        self.stub.env["SF_DISH_NS"] = self.ns
        saved = sfdaemon.STARFAILD
        sfdaemon.STARFAILD = wrapper
        try:
            # use_mwan3 for discovery, Starfail's own routes to steer (controller 'auto' would be mwan3)
            seed = SEED.replace("\toption use_mwan3 '1'\n", "\toption use_mwan3 '1'\n\toption controller 'route'\n")
            self.d = Daemon(seed % {"mwan3": os.path.join(DATA, "mwan3", "rutos")}, dry_run=False,
                            env=self.stub.env, cwd=ROOT)
        finally:
            sfdaemon.STARFAILD = saved

    def tearDown(self):
        rc = None
        if hasattr(self, "d"):
            rc = self.d.stop()
            log = self.d.read_log()
            self.d.cleanup()
        os.unlink(self.dump)
        os.unlink(os.path.join(self.tmp, "starfaild"))
        os.rmdir(self.tmp)
        self.stub.cleanup()
        if rc is not None:
            self.assertEqual(rc, 0, "starfaild exit status (sanitizer?):\n" + log[-3000:])

    def test_route_controller_with_discovered_members(self):
        # the listener may come up after the first round: ask again as the hotplug script would
        def starlink():
            m = members(self.d)
            if m["starlink"]["class"] == "starlink":
                return m
            self.d.call("discover")
            time.sleep(0.2)
            return None
        ms = wait_for(starlink, 8)
        self.assertIsNotNone(ms, self.d.read_log())
        sl = ms["starlink"]
        self.assertEqual(sl["device"], "eth1")
        self.assertRegex(sl["class_reason"],
                         r"^starlink: the dish answered \(192\.168\.100\.1:9200 via eth1: accepted in \d+ ms\)$")
        # real devices: the link monitor sees them; the mwan3-only SIM 2 stays unusable
        ms = wait_for(lambda: (lambda m: m if m["mob1s1a1"]["state"] != "unusable" else None)(members(self.d)), 5)
        self.assertIsNotNone(ms, self.d.read_log())
        self.assertNotEqual(ms["starlink"]["reason"], "no such device")
        self.assertEqual(ms["mob1s1a1"]["device"], "qmimux0")
        self.assertEqual(ms["mob1s2a1"]["state"], "unusable")
        st = self.d.call("status")["result"]
        self.assertFalse(st["dry_run"])
        self.assertEqual(st["controller"]["backend"], "route")


class CheckConfigMwan3(unittest.TestCase):
    def test_mwan3_problems_with_file_line(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write(SEED % {"mwan3": os.path.join(DATA, "mwan3", "bad")})
        try:
            p = subprocess.run([STARFAILD, "--check-config", "-config", f.name], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            bad = os.path.join(DATA, "mwan3", "bad")
            self.assertIn("warning: %s:17: member 'nowhere_m1': interface 'nowhere'" % bad, p.stdout)
            self.assertIn("warning: %s:28: policy 'p1' option 'use_member': no member 'ghost'" % bad, p.stdout)
            self.assertIn("mwan3: %s: 2 interfaces, 2 members, 1 policies" % bad, p.stdout)
            self.assertTrue(p.stdout.rstrip().endswith("configuration OK"))
            with open(f.name, "w") as g:
                g.write(SEED % {"mwan3": os.path.join(DATA, "mwan3", "nosuch")})
            p = subprocess.run([STARFAILD, "--check-config", "-config", f.name], capture_output=True, text=True)
            self.assertEqual(p.returncode, 1)
            self.assertIn("error: %s: cannot open" % os.path.join(DATA, "mwan3", "nosuch"), p.stderr)
        finally:
            os.unlink(f.name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
