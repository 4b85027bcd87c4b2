#!/usr/bin/env python3
"""The mwan3 controller in the real starfaild (not dry-run), end to end.

The seed's example config (use_mwan3 '1', poll_interval_ms '1500',
predictive '1', switch_margin '10', a member list; controller left at
'auto') with the recorded RutOS mwan3 file; mwan3_state_file in a temp dir.
First on PATH are stand-ins that record argv and the hotplug environment:
`ubus call network.interface dump` replays the recorded RutOS dump, every
other `ubus`, `uci`, `hotplug-call` and `mwan3` call goes to the controller
tests' model of mwan3 (tests/unit/mwan3_standin.c, built as mwan3_standin):
its committed config is `uci show` of the same RutOS file, mwan3track has
every interface online but mob1s2a1 (netifd has it down), 15-mwan3's
hotplug state follows the events, the policies answer from both.

Proves: 'auto' picks the mwan3 backend; discovery's members (and their
netifd devices) reach the controller; the engine's first choice is applied
in one run without a drift: `ACTION=disconnected INTERFACE=.. DEVICE=..
STARFAIL=1 hotplug-call iface` for every other interface mwan3 has online
(mob1s2a1, offline for mwan3, is left alone), `connected` for the primary
only if mwan3 did not use it; `starfailctl failover` gives exactly one
`connected` (the new primary) and one `disconnected` (the old); nothing is
sent again while nothing changes; SIGTERM gives the held-down interfaces
back (connected), removes the state file and exits 0; after SIGKILL the
next start gives back what the state file holds before its first apply.
Never `uci commit` or `uci set` (state mode), never `mwan3
restart|reload|start|stop|ifup|ifdown`, never FIRSTCONNECT/MWAN3_SHUTDOWN.

Does not prove: what real mwan3 (15-mwan3, mwan3track, iptables) does with
those events; the model only answers status and policies consistently.
Nor which member the engine prefers: with the seed's members at the
default priority (10) and the discovered mwan3-only wwan at its metric (4),
today it is wwan; the test takes whatever the engine chose.

The members need usable devices for the controller to be handed a target,
so starfaild runs in a network namespace of its own (standin.py's wrapper:
veths sfx-1..3 whose far ends answer the members' DNS probes); the
recorded dump's devices are renamed to them (eth1 -> sfx-1, qmimux0 ->
sfx-2, wlan0-1 -> sfx-3). Label net: run under the lab lock.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sfdaemon  # noqa: E402
import standin  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
DATA = os.path.join(ROOT, "tests", "data")
MWAN3_STANDIN = os.path.join(sfdaemon.BUILD, "mwan3_standin")

SEED = """
config starfail 'main'
	option enable '1'
	option use_mwan3 '1'
	option poll_interval_ms '1500'
	option predictive '1'
	option switch_margin '10'
	option mwan3_config '%(mwan3)s'
	option mwan3_state_file '%(state)s'
	option discover_timeout_ms '2000'
	list probe_targets 'dns:10.91.3.1:5303'

config member 'starlink'
	option interface 'wan'
	list probe_targets 'dns:10.91.1.1:5301'

config member 'mob1s1a1'
	option metered '1'
	list probe_targets 'dns:10.91.2.1:5302'
"""

# member -> its mwan3/netifd interface, and the device the renamed dump gives it
IFACES = {"starlink": "wan", "mob1s1a1": "mob1s1a1", "mob1s2a1": "mob1s2a1", "wwan": "wwan"}
DEVICES = {"starlink": "sfx-1", "mob1s1a1": "sfx-2", "mob1s2a1": "", "wwan": "sfx-3"}
# online for mwan3track (the model): netifd has mob1s2a1 down, so mwan3 has it offline
ONLINE = ("starlink", "mob1s1a1", "wwan")

UBUS = """#!/bin/sh
if [ "$*" = "call network.interface dump" ]; then
	printf 'ubus %%s |\\n' "$*" >>"%(dir)s/log"
	exec cat "%(dump)s"
fi
exec "%(standin)s" ubus "%(dir)s" "$@"
"""

TOOL = """#!/bin/sh
exec "%(standin)s" %(tool)s "%(dir)s" "$@"
"""


def uci_show(path, pkg="mwan3"):
    """`uci show PKG` of a UCI file: named and @type[n] sections, lists joined."""
    out, sec, count = [], None, {}
    with open(path) as f:
        text = f.read()
    for line in text.splitlines():
        w = re.findall(r"'([^']*)'|(\S+)", line.split("#")[0])
        w = [a or b for a, b in w]
        if not w:
            continue
        if w[0] == "config":
            typ = w[1]
            if len(w) > 2:
                sec = w[2]
            else:
                sec = "@%s[%d]" % (typ, count.get(typ, 0))
            count[typ] = count.get(typ, 0) + 1
            out.append(["%s.%s" % (pkg, sec), typ])
        elif w[0] == "option":
            out.append(["%s.%s.%s" % (pkg, sec, w[1]), "'%s'" % w[2]])
        elif w[0] == "list":
            key = "%s.%s.%s" % (pkg, sec, w[1])
            for kv in out:
                if kv[0] == key:
                    kv[1] += " '%s'" % w[2]
                    break
            else:
                out.append([key, "'%s'" % w[2]])
    return "".join("%s=%s\n" % (k, v) for k, v in out)


def wait_for(pred, timeout=10.0):
    return sfdaemon.wait_for(pred, timeout, 0.1)


class Mwan3Daemon(unittest.TestCase):
    def setUp(self):
        why = standin.usable()
        if why:
            self.skipTest(why)
        if not os.path.exists(MWAN3_STANDIN):
            self.skipTest("needs %s (SF_TESTS build)" % MWAN3_STANDIN)
        self.tmp = tempfile.mkdtemp(prefix="sf-mwan3-e2e-")
        os.chmod(self.tmp, 0o755)
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.bin = os.path.join(self.tmp, "bin")
        os.mkdir(self.bin)
        self.log = os.path.join(self.tmp, "log")
        self.state = os.path.join(self.tmp, "starfail-mwan3.state")
        mwan3 = os.path.join(DATA, "mwan3", "rutos")
        with open(os.path.join(self.tmp, "conf"), "w") as f:
            f.write(uci_show(mwan3))
        with open(os.path.join(DATA, "netifd", "rutos-rutx50.json")) as f:
            dump = f.read()
        for old, new in (("eth1", "sfx-1"), ("qmimux0", "sfx-2"), ("wlan0-1", "sfx-3")):
            dump = dump.replace('"%s"' % old, '"%s"' % new)
        dump_path = os.path.join(self.tmp, "dump.json")
        with open(dump_path, "w") as f:
            f.write(dump)
        for tool in ("ubus", "uci", "hotplug-call", "mwan3"):
            p = os.path.join(self.bin, tool)
            with open(p, "w") as f:
                f.write((UBUS if tool == "ubus" else TOOL) %
                        {"dir": self.tmp, "dump": dump_path, "standin": MWAN3_STANDIN, "tool": tool})
            os.chmod(p, 0o755)
        with open(os.path.join(self.tmp, "track.mob1s2a1"), "w") as f:
            f.write("offline\n")   # netifd has it down: mwan3track too
        self.control = os.path.join(self.tmp, "standin.json")
        with open(self.control, "w") as f:
            f.write('{"5301": {"answer": true}, "5302": {"answer": true}, "5303": {"answer": true}}')
        self.wrapper = os.path.join(self.tmp, "starfaild")
        with open(self.wrapper, "w") as f:
            f.write(standin.WRAPPER % {"standin": os.path.join(HERE, "standin.py"), "control": self.control,
                                       "members": "a b c", "starfaild": os.path.abspath(sfdaemon.STARFAILD)})
        os.chmod(self.wrapper, 0o755)
        self.env = dict(os.environ)
        self.env["PATH"] = self.bin + ":" + os.environ["PATH"]
        self.config = SEED % {"mwan3": mwan3, "state": self.state}
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            d.cleanup()

    def start(self):
        saved = sfdaemon.STARFAILD
        sfdaemon.STARFAILD = self.wrapper
        try:
            d = sfdaemon.Daemon(self.config, dry_run=False, env=self.env, cwd=ROOT)
        finally:
            sfdaemon.STARFAILD = saved
        self.daemons.append(d)
        return d

    def calls(self):
        try:
            with open(self.log) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def events(self, since=0):
        """(ACTION, INTERFACE, DEVICE) of each hotplug-call after line `since`, asserting its shape."""
        out = []
        for line in self.calls()[since:]:
            if not line.startswith("hotplug-call "):
                continue
            m = re.fullmatch(r"hotplug-call iface \| ACTION=(connected|disconnected) INTERFACE=(\S+)"
                             r" DEVICE=(\S*) STARFAIL=1", line)
            self.assertIsNotNone(m, "unexpected hotplug-call: " + line)
            out.append(m.groups())
        return out

    def hp(self, iface):
        try:
            with open(os.path.join(self.tmp, "hp." + iface)) as f:
                return f.read().strip()
        except FileNotFoundError:
            return "online"

    def assert_nothing_forbidden(self):
        for line in self.calls():
            self.assertNotRegex(line, r"^uci .*\bcommit\b", line)
            self.assertNotRegex(line, r"^uci .*\bset\b", "state mode sets no metric: " + line)
            self.assertNotRegex(line, r"^mwan3 (restart|reload|start|stop|ifup|ifdown)\b", line)
            self.assertNotRegex(line, r"FIRSTCONNECT|MWAN3_SHUTDOWN", line)

    def primary_is(self, d, member=None):
        """The status once the primary (member, or the engine's choice) is applied and, in the
        model, the only one of the managed interfaces online for mwan3."""
        def ok():
            st = d.call("status")["result"]
            c = st["controller"]
            if not st.get("current") or (member and st["current"] != member):
                return None
            if c["in_progress"] or c["route_state"] != "applied" or \
                    not c["state"].endswith("iface %s" % IFACES[st["current"]]):
                return None
            iface = IFACES[st["current"]]
            want = {IFACES[m]: ("online" if IFACES[m] == iface else "offline") for m in ONLINE}
            return st if {i: self.hp(i) for i in want} == want else None
        return wait_for(ok, 20)

    def test_state_mode_end_to_end(self):
        t0 = time.time()
        d = self.start()
        st = d.call("status")["result"]
        self.assertFalse(st["dry_run"])
        self.assertEqual(st["controller"]["backend"], "mwan3")
        ms = wait_for(lambda: (lambda m: m if m["mob1s1a1"]["device"] == "sfx-2" else None)(
            {m["name"]: m for m in d.call("members")["result"]}))
        self.assertIsNotNone(ms, d.read_log())
        self.assertEqual(list(ms), ["starlink", "mob1s1a1", "mob1s2a1", "wwan"])
        self.assertEqual([(ms[n]["interface"], ms[n]["device"]) for n in ms],
                         [("wan", "sfx-1"), ("mob1s1a1", "sfx-2"), ("mob1s2a1", None), ("wwan", "sfx-3")])

        # the engine's first choice applied in one go: every other interface held down
        st = self.primary_is(d)
        self.assertIsNotNone(st, d.read_log()[-6000:] + "\n".join(self.calls()))
        first_s = time.time() - t0
        p0 = st["current"]
        ev = self.events()
        self.assertEqual(sorted(e for e in ev if e[0] == "disconnected"),
                         sorted(("disconnected", IFACES[m], DEVICES[m]) for m in ONLINE if m != p0))
        self.assertLessEqual(set(e for e in ev if e[0] == "connected"), {("connected", IFACES[p0], DEVICES[p0])})
        self.assertEqual(st["controller"]["drifts"], 0, "no run had to be mended")
        self.assertIn("ubus call mwan3 status {\"section\":\"interfaces\"} |", self.calls())
        self.assertIn("ubus call mwan3 status {\"section\":\"policies\"} |", self.calls())
        self.assertIn("uci -q show mwan3 |", self.calls())
        self.assertTrue(os.path.exists(self.state), "the state file is written before acting")
        self.assertIsNone(d.proc.poll())

        # starfailctl failover: the new primary connected, the old one held down, nothing else
        q = "starlink" if p0 != "starlink" else "mob1s1a1"
        n = len(self.calls())
        p = subprocess.run([sfdaemon.STARFAILCTL, "-s", d.sock, "failover", q],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        t1 = time.time()
        st = self.primary_is(d, q)
        self.assertIsNotNone(st, d.read_log()[-6000:] + "\n".join(self.calls()))
        switch_s = time.time() - t1
        self.assertEqual(self.events(n), [("connected", IFACES[q], DEVICES[q]),
                                          ("disconnected", IFACES[p0], DEVICES[p0])])
        log = d.read_log()
        self.assertIn("api: failover pinned member=%s" % q, log)
        self.assertIn("controller: applied member=%s" % q, log)
        time.sleep(3)   # two polls more: still running, nothing sent again
        self.assertIsNone(d.proc.poll())
        self.assertEqual(len(self.events(n)), 2)

        # SIGTERM: what mwan3 has online given back, the state file removed, exit 0
        n = len(self.calls())
        rc = d.stop()
        self.assertEqual(rc, 0, d.read_log()[-3000:])
        self.assertEqual(sorted(self.events(n)), sorted(("connected", IFACES[m], DEVICES[m])
                                                        for m in ONLINE if m != q))
        self.assertEqual({i: self.hp(i) for i in IFACES.values()}, {i: "online" for i in IFACES.values()})
        self.assertFalse(os.path.exists(self.state))

        # SIGKILL with interfaces held down: the next start gives them back before its first apply
        d2 = self.start()
        st = self.primary_is(d2)
        self.assertIsNotNone(st, d2.read_log()[-6000:])
        p2 = st["current"]
        with open(self.state) as f:
            recorded = f.read()
        d2.stop(signal.SIGKILL)
        self.assertEqual(d2.proc.returncode, -signal.SIGKILL)
        held = sorted(("connected", IFACES[m], DEVICES[m]) for m in ONLINE if m != p2)
        self.assertTrue(all(self.hp(e[1]) == "offline" for e in held))
        n = len(self.calls())
        d3 = self.start()
        st = self.primary_is(d3)
        self.assertIsNotNone(st, d3.read_log()[-6000:])
        ev = self.events(n)
        self.assertEqual(sorted(ev[:len(held)]), held,
                         "restore first, from the state file:\n%s\n%s" % (recorded, "\n".join(self.calls()[n:])))
        self.assertEqual(sorted(e for e in ev[len(held):] if e[0] == "disconnected"),
                         sorted(("disconnected", IFACES[m], DEVICES[m]) for m in ONLINE if m != st["current"]))
        self.assertIn("leftovers=%d" % len(held), d3.read_log())   # the interfaces held down
        self.assertEqual(d3.stop(), 0, d3.read_log()[-3000:])
        self.assertFalse(os.path.exists(self.state))
        self.assert_nothing_forbidden()
        print("\nfigures: primary %s applied %.1f s after start, failover to %s applied in %.2f s, "
              "%d tool calls in all" % (p0, first_s, q, switch_s, len(self.calls())), file=sys.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
