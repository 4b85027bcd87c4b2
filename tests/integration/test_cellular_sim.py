#!/usr/bin/python3
"""Dual SIM through the real starfaild (--dry-run: routes are only logged; a
SIM switch of a member with cell_sim_switch on is run). The daemon runs in a
network namespace of its own (unshare -n: a veth pair, gone when it exits),
the cellular member `mob1s1a1` on sft-d0 probing its own address, the only
member: its SIM switch is the failover.
A stand-in `ubus` answers get_signal_query / get_sim_slot from the SIM slot
in $CTL/slot (slot 1 below the radio floor, slot 2 good; a slot listed in
$CTL/dead answers "Command failed"); a stand-in `sim_switch` (and `ubus
call sim change`) records its argv in $CTL/calls.log and changes the slot.
With cell_sim_command 'at' a pty stand-in modem (at_modem.py) is the AT
port: AT+QUIMSLOT=2 when slot 1 is not registered.
Asserted: exactly the expected command once, the cooldown (a second trigger
within it issues nothing), the verification (sim_switch_ok), the revert
when the new SIM does not come up, a failing command. Run by ctest
(cellular_sim_daemon, label net: under the lab lock)."""
import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import sfdaemon  # noqa: E402
from at_modem import PtyModem  # noqa: E402
from sfdaemon import Daemon, assert_clean_exit  # noqa: E402
from test_cellular import DATA  # noqa: E402


UBUS = """#!/bin/sh
ctl='%(ctl)s'
echo "ubus $*" >> "$ctl/calls.log"
slot=$(cat "$ctl/slot")
case "$*" in
*"call sim change"*) if [ "$slot" = 1 ]; then echo 2 > "$ctl/slot"; else echo 1 > "$ctl/slot"; fi
    echo "switch ubus $*" >> "$ctl/switch.log"; exit 0 ;;
esac
if grep -qx "$slot" "$ctl/dead" 2>/dev/null; then echo "Command failed: Not found" >&2; exit 4; fi
case "$*" in
*get_signal_query*) cat "$ctl/signal$slot"; exit 0 ;;
*get_sim_slot*) echo "{\\"sim\\": $slot}"; exit 0 ;;
esac
exit 2
"""

SIM_SWITCH = """#!/bin/sh
ctl='%(ctl)s'
echo "switch sim_switch $*" >> "$ctl/switch.log"
[ -e "$ctl/switch_fails" ] && { echo "sim_switch: modem busy" >&2; exit 1; }
case "$2" in sim1) echo 1 > "$ctl/slot" ;; sim2) echo 2 > "$ctl/slot" ;; esac
exit 0
"""

WEAK = '{"net_mode":"LTE","rssi":-80,"rsrp":-116,"sinr":2,"rsrq":-14}'
GOOD = '{"net_mode":"LTE","rssi":-60,"rsrp":-88,"sinr":14,"rsrq":-8}'

CONFIG = """
config starfail 'main'
	option poll_interval_ms '500'
	option standby_interval_ms '500'
	list probe_targets '192.0.2.2'

config member 'mob1s1a1'
	option device 'sft-d0'
	option class 'cellular'
	option priority '5'
	option cell_provider 'rutos_ubus'
	option cell_interval_ms '1000'
	option cell_sim_switch '1'
	option cell_sim_rounds '2'
	option cell_sim_startup_ms '0'
	option cell_sim_verify_ms '5000'
%(opts)s
"""


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


@unittest.skipUnless(os.environ.get("SF_NETNS_TESTS") == "1" and os.geteuid() == 0,
                     "creates a network namespace (root): ctest -L net, under the lab lock")
class CellularSim(unittest.TestCase):
    def setUp(self):
        if not shutil.which("unshare") or not shutil.which("ip"):
            self.skipTest("needs unshare and ip")
        self.dir = tempfile.mkdtemp(prefix="sf-sim-")
        self.bin = os.path.join(self.dir, "bin")
        self.ctl = os.path.join(self.dir, "ctl")
        os.mkdir(self.bin)
        os.mkdir(self.ctl)
        for name, text in (("ubus", UBUS), ("sim_switch", SIM_SWITCH)):
            path = os.path.join(self.bin, name)
            with open(path, "w") as f:
                f.write(text % {"ctl": self.ctl})
            os.chmod(path, 0o755)
        self.put("slot", "1\n")
        self.put("signal1", WEAK)
        self.put("signal2", GOOD)
        self.d = None

    def tearDown(self):
        rc, log = self.d.finish() if self.d else (0, "")
        shutil.rmtree(self.dir)
        assert_clean_exit(self, rc, log)

    def put(self, name, text):
        sfdaemon.write_atomic(os.path.join(self.ctl, name), text)

    def start(self, **opts):
        for tool in ("ubus", "sim_switch"):
            for d in ("/usr/bin", "/bin", "/usr/sbin", "/sbin"):
                if os.path.exists(os.path.join(d, tool)):
                    self.skipTest("a real %s is installed in %s" % (tool, d))
        text = "".join("\toption %s '%s'\n" % kv for kv in opts.items())
        env = dict(os.environ)
        env["PATH"] = self.bin + ":/usr/bin:/bin"
        wrapper = os.path.join(self.dir, "starfaild")
        with open(wrapper, "w") as f:
            f.write(sfdaemon.NETNS_WRAPPER % ("", "", os.path.abspath(sfdaemon.STARFAILD)))
        os.chmod(wrapper, 0o755)
        self.t0 = time.time()
        saved = sfdaemon.STARFAILD
        sfdaemon.STARFAILD = wrapper
        try:
            self.d = Daemon(CONFIG % {"opts": text}, env=env)
        finally:
            sfdaemon.STARFAILD = saved

    def switches(self):
        return [x for x in read(os.path.join(self.ctl, "switch.log")).split("\n") if x]

    def events(self):
        return [e for e in self.d.call("events", {"limit": 200})["result"]["events"]
                if e["type"].startswith("sim_switch")]

    def wait_events(self, types, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            evs = self.events()
            if [e["type"] for e in evs] == types:
                return evs
            time.sleep(0.1)
        self.fail("events %r, wanted %r; switches %r\nlog:\n%s"
                  % ([e["type"] for e in self.events()], types, self.switches(), self.d.read_log()[-4000:]))

    def sim(self):
        return self.d.call("metrics", {"member": "mob1s1a1"})["result"]["sim"]

    def test_at_quimslot(self):
        """cell_sim_command 'at': AT+QUIMSLOT=2 on the modem's AT port (a pty
        stand-in), the active SIM not registered; verified on slot 2."""
        modem = PtyModem(os.path.join(DATA, "at_quectel_lte.at"))
        self.addCleanup(modem.stop)
        modem.dead_slots = {1}
        self.start(cell_provider="at", cell_at_port=modem.path, cell_at_timeout_ms=1000,
                   cell_at_lock_dir=os.path.join(self.dir, "lock"), cell_sim_command="at",
                   cell_sim_cooldown_ms=60000)
        evs = self.wait_events(["sim_switch", "sim_switch_ok"], timeout=20)
        self.assertEqual(modem.slot_commands, ["AT+QUIMSLOT=2"])
        self.assertEqual(evs[0]["reason"], "down")
        self.assertIn("from=1 to=2", evs[0]["text"])
        self.assertIn('cmd="AT+QUIMSLOT=2"', evs[0]["text"])
        self.assertEqual(self.switches(), [], "no tool run: the AT port did it")
        # verified on slot 2 and nothing more within the cooldown
        time.sleep(3)
        self.assertEqual(modem.slot_commands, ["AT+QUIMSLOT=2"])
        sim = self.sim()
        self.assertEqual(sim["slot"], 2, sim)
        c = self.d.call("metrics", {"member": "mob1s1a1"})["result"]["cellular"]
        self.assertEqual(c["active"], "at", c)

    def test_weak_switch_verified_then_cooldown(self):
        self.start(cell_sim_cooldown_ms=60000)
        evs = self.wait_events(["sim_switch", "sim_switch_ok"], timeout=15)
        took = time.time() - self.t0
        self.assertEqual(self.switches(), ["switch sim_switch change sim2"])
        self.assertEqual(evs[0]["member"], "mob1s1a1")
        self.assertEqual(evs[0]["reason"], "weak")
        self.assertIn("from=1 to=2", evs[0]["text"])
        self.assertIn("cmd=\"sim_switch change sim2\"", evs[0]["text"])
        self.assertEqual(evs[1]["reason"], "verified")
        self.assertIn("slot=2", evs[1]["text"])
        sys.stderr.write("[weak -> sim2 verified %.1f s after start] " % took)
        c = self.d.call("metrics", {"member": "mob1s1a1"})["result"]["cellular"]
        self.assertEqual(c["radio"]["sim_slot"], 2)
        self.assertEqual(c["radio"]["rsrp_dbm"], -88)
        sim = self.sim()
        self.assertEqual((sim["state"], sim["slot"], sim["switches"], sim["verified"], sim["reverts"]),
                         ("idle", 2, 1, 1, 0), sim)
        self.assertIsNone(sim["verify_left_ms"])
        self.assertGreater(sim["cooldown_left_ms"], 40000)
        # slot 2 weak as well: a second trigger inside the 60 s cooldown issues nothing
        self.put("signal2", WEAK)
        time.sleep(6)
        self.assertEqual(self.switches(), ["switch sim_switch change sim2"])
        self.assertEqual([e["type"] for e in self.events()], ["sim_switch", "sim_switch_ok"])
        self.assertIn('held="cooldown"', self.d.read_log())
        sim = self.sim()
        self.assertEqual((sim["trigger"], sim["hold"], sim["switches"]), ("weak", "cooldown", 1), sim)
        self.assertGreaterEqual(sim["bad_rounds"], 2)

    def test_not_up_reverted_once(self):
        self.put("dead", "2\n")
        self.start(cell_sim_cooldown_ms=60000)
        evs = self.wait_events(["sim_switch", "sim_switch_fail", "sim_switch_back"], timeout=20)
        self.assertEqual(self.switches(), ["switch sim_switch change sim2", "switch sim_switch change sim1"])
        self.assertEqual(evs[1]["reason"], "not_up")
        self.assertIn("slot=2", evs[1]["text"])
        self.assertIn("from=2 to=1", evs[2]["text"])
        self.assertEqual(read(os.path.join(self.ctl, "slot")).strip(), "1")
        # slot 1 is still weak: nothing more (cooldown from the revert, slot 2 marked failed)
        time.sleep(5)
        self.assertEqual(len(self.switches()), 2)
        self.assertEqual(len(self.events()), 3)
        # (the provider backs off after slot 2's failures: its first polls on slot 1 may not
        # answer, so the rounds count again before the cooldown holds)
        deadline = time.time() + 10
        while time.time() < deadline and self.sim()["hold"] != "cooldown":
            time.sleep(0.2)
        sim = self.sim()
        self.assertEqual((sim["slot"], sim["switches"], sim["not_up"], sim["reverts"], sim["hold"]),
                         (1, 1, 1, 1, "cooldown"), sim)
        self.assertEqual(len(self.switches()), 2)

    def test_command_fails_once(self):
        self.put("switch_fails", "")
        self.start(cell_sim_cooldown_ms=60000)
        evs = self.wait_events(["sim_switch_fail"], timeout=15)
        self.assertEqual(evs[0]["reason"], "command")
        self.assertIn("exited 1: sim_switch: modem busy", evs[0]["text"])
        time.sleep(5)
        self.assertEqual(self.switches(), ["switch sim_switch change sim2"], "no retry within the cooldown")
        sim = self.sim()
        self.assertEqual((sim["command_failures"], sim["slot"], sim["hold"]), (1, 1, "cooldown"), sim)

    def test_ubus_toggle_and_cooldown_over(self):
        """cell_sim_command ubus_sim toggles; after a short cooldown a weak slot 2 goes back to 1."""
        self.start(cell_sim_command="ubus_sim", cell_sim_cooldown_ms=10000)
        self.wait_events(["sim_switch", "sim_switch_ok"], timeout=15)
        t_first = time.time()
        self.assertEqual(self.switches(), ["switch ubus call sim change"])
        self.put("signal2", WEAK)
        self.put("signal1", GOOD)
        evs = self.wait_events(["sim_switch", "sim_switch_ok", "sim_switch", "sim_switch_ok"], timeout=25)
        # the daemon's own times of the two switches: the cooldown counts from the first
        gap = evs[0]["age_s"] - evs[2]["age_s"]
        # (each event is made when its command has ended: 10 s plus the difference of the two
        # commands' run times, a few ms here)
        self.assertGreaterEqual(gap, 9.5, "the second switch waited for the cooldown")
        self.assertLess(time.time() - t_first, 25)
        self.assertIn("from=2 to=1", evs[2]["text"])
        self.assertEqual(len(self.switches()), 2)
        sys.stderr.write("[second switch %.1f s after the first (cooldown 10 s)] " % gap)


if __name__ == "__main__":
    unittest.main(verbosity=2)
