#!/usr/bin/python3
"""The cellular collector through the real starfaild (--dry-run): stand-in
`ubus`, `gsmctl`, `mmcli` and `uqmi` executables on the daemon's PATH replay
the recorded outputs of tests/data/cellular/, fail, print garbage or hang
on demand; the daemon's `metrics` for the cellular member must show the
recorded values, the failing providers with their reasons, the fallback to
the next provider, the backoff, and a hanging tool killed at the timeout.
Run by ctest (cellular_daemon)."""
import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from sfdaemon import Daemon, assert_clean_exit, kill_pidfile, read, write_atomic  # noqa: E402

DATA = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "data", "cellular"))

# tool -> [(argument substring, recorded output file)], first match wins
REPLAY = {
    "ubus": [("get_signal_query", "ubus_lte.ubus_signal"), ("get_sim_slot", "ubus_slot.ubus_sim_slot")],
    "gsmctl": [("-q", "gsmctl_rutos7.gsmctl_signal"), ("-o", "gsmctl_op.gsmctl_operator"),
               ("-t", "gsmctl_lte.gsmctl_nettype"), ("-c", "gsmctl_temp.gsmctl_temp")],
    "mmcli": [("--signal-get", "mmcli_signal_lte.mmcli_signal"), ("-m", "mmcli_modem_lte.mmcli_modem")],
    "uqmi": [("--get-signal-info", "uqmi_endc.uqmi_signal"), ("--get-serving-system", "uqmi_serving.uqmi_serving")],
}

STANDIN = """#!/bin/sh
# stand-in %(tool)s: mode from $CTL/%(tool)s.mode (replay | fail | garbage | hang | stubborn)
ctl='%(ctl)s'
echo "%(tool)s $*" >> "$ctl/calls.log"
mode=$(cat "$ctl/%(tool)s.mode" 2>/dev/null || echo replay)
case "$mode" in
hang) echo $$ > "$ctl/%(tool)s.pid"; exec sleep 600 ;;
stubborn) trap '' TERM; echo $$ > "$ctl/%(tool)s.pid"; while :; do sleep 1; done ;;
fail) echo "error: modem is busy" >&2; exit 3 ;;
garbage) printf 'Segmentation fault {{{'; exit 0 ;;
esac
case "$*" in
%(cases)s
esac
exit 2
"""

CONFIG = """
config starfail 'main'
	option poll_interval_ms '1500'

config member 'mob1s1a1'
	option device 'sft-wwan0'
	list probe_targets '192.0.2.1'
%(opts)s
"""


class Cellular(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sf-cell-")
        self.bin = os.path.join(self.dir, "bin")
        self.ctl = os.path.join(self.dir, "ctl")
        os.mkdir(self.bin)
        os.mkdir(self.ctl)
        self.d = None

    def tearDown(self):
        rc, log = self.d.finish() if self.d else (0, "")
        for tool in REPLAY:
            kill_pidfile(os.path.join(self.ctl, tool + ".pid"))
        shutil.rmtree(self.dir)
        assert_clean_exit(self, rc, log)

    def tools(self, **modes):
        """Install the stand-ins named (mode per tool); the others are not installed."""
        for tool, mode in modes.items():
            cases = "\n".join("*%s*) cat '%s'; exit 0 ;;" % (arg, os.path.join(DATA, f))
                              for arg, f in REPLAY[tool])
            path = os.path.join(self.bin, tool)
            with open(path, "w") as f:
                f.write(STANDIN % {"tool": tool, "ctl": self.ctl, "cases": cases})
            os.chmod(path, 0o755)
            self.mode(tool, mode)

    def mode(self, tool, mode):
        write_atomic(os.path.join(self.ctl, tool + ".mode"), mode)

    def start(self, **opts):
        text = "".join("\toption %s '%s'\n" % kv for kv in opts.items())
        env = dict(os.environ)
        # only the stand-ins and what a shell needs: no real modem tool of this machine
        env["PATH"] = self.bin + ":/usr/bin:/bin"
        for tool in REPLAY:
            for d in ("/usr/bin", "/bin"):
                if os.path.exists(os.path.join(d, tool)):
                    self.skipTest("a real %s is installed in %s" % (tool, d))
        self.d = Daemon(CONFIG % {"opts": text}, env=env)

    def cell(self):
        r = self.d.call("metrics", {"member": "mob1s1a1"})
        self.assertNotIn("error", r, r)
        return r["result"]["cellular"]

    def member(self):
        return [x for x in self.d.call("members")["result"] if x["name"] == "mob1s1a1"][0]

    def wait_member(self, cond, timeout=8.0):
        deadline = time.time() + timeout
        m = self.member()
        while not cond(m) and time.time() < deadline:
            time.sleep(0.1)
            m = self.member()
        self.assertTrue(cond(m), m)
        return m

    def wait(self, cond, timeout=8.0):
        deadline = time.time() + timeout
        c = None
        while time.time() < deadline:
            c = self.cell()
            if cond(c):
                return c
            time.sleep(0.1)
        self.fail("condition not met; last metrics: %r\nlog:\n%s" % (c, self.d.read_log()[-3000:]))

    def test_mmcli_replayed(self):
        self.tools(mmcli="replay", uqmi="replay")
        self.start(cell_interval_ms=1000)
        c = self.wait(lambda c: c["polls_ok"] >= 1)
        self.assertEqual(c["active"], "mmcli")
        r = c["radio"]
        # tests/data/cellular/mmcli_signal_lte + mmcli_modem_lte
        self.assertEqual((r["rssi_dbm"], r["rsrp_dbm"], r["rsrq_db"], r["sinr_db"]), (-67, -95, -9, 12.4))
        self.assertEqual((r["tech"], r["registration"], r["roaming"], r["sim_slot"], r["operator"]),
                         ("LTE", "home", False, 1, "OperatorName"))
        self.assertIsNone(r["nr_rsrp_dbm"])
        self.assertIsNone(r["temp_c"])
        self.assertIsNone(r["sim_slots"], "the recording lists no sim-slots: unknown")
        # the RutOS providers come first and are not installed here
        for p in ("rutos_ubus", "gsmctl"):
            self.assertEqual(c[p]["status"], "failing")
            self.assertIn("not installed", c[p]["reason"])
            self.assertIsNotNone(c[p]["next_try_in_ms"])
        self.assertEqual(c["mmcli"]["status"], "ok")
        self.assertIsNone(c["mmcli"]["reason"])
        self.assertEqual(c["uqmi"]["status"], "untried", "a lower provider is not run while mmcli works")

    def test_rutos_gsmctl(self):
        self.tools(gsmctl="replay", mmcli="replay")
        self.start()
        c = self.wait(lambda c: c["polls_ok"] >= 1)
        self.assertEqual(c["active"], "gsmctl")
        r = c["radio"]
        self.assertEqual((r["rssi_dbm"], r["rsrp_dbm"], r["sinr_db"], r["rsrq_db"]), (-44, -75, 23, -7))
        self.assertEqual((r["operator"], r["tech"], r["temp_c"]), ("Telia LT", "LTE", 41))
        self.assertEqual(c["interval_ms"], 10000, "default cadence")
        self.assertEqual(c["mmcli"]["status"], "untried")
        calls = read(os.path.join(self.ctl, "calls.log")).split("\n")
        self.assertEqual(calls[:4], ["gsmctl -q", "gsmctl -o", "gsmctl -t", "gsmctl -c"])

    def test_rutos_ubus_first(self):
        self.tools(ubus="replay", gsmctl="replay")
        self.start(cell_modem=1)
        c = self.wait(lambda c: c["polls_ok"] >= 1)
        self.assertEqual(c["active"], "rutos_ubus")
        r = c["radio"]
        self.assertEqual((r["rssi_dbm"], r["rsrp_dbm"], r["sinr_db"], r["rsrq_db"], r["tech"], r["sim_slot"]),
                         (-57, -105, -13, -20, "LTE", 2))
        calls = read(os.path.join(self.ctl, "calls.log"))
        self.assertIn("ubus call gsm.modem1 get_signal_query", calls)
        self.assertNotIn("gsmctl", calls)

    def test_failing_falls_through(self):
        self.tools(ubus="fail", mmcli="garbage", uqmi="replay")
        self.start(cell_interval_ms=1000)
        c = self.wait(lambda c: c["polls_ok"] >= 1)
        self.assertEqual(c["active"], "uqmi")
        self.assertEqual(c["rutos_ubus"]["reason"], "ubus: exited 3: error: modem is busy")
        self.assertIn("mmcli: output not understood", c["mmcli"]["reason"])
        self.assertEqual(c["polls_failed"], 0, "the poll that fell through to uqmi is a good one")
        r = c["radio"]
        # uqmi_endc: the libqmi PR #2 RM500Q values, EN-DC
        self.assertEqual((r["rsrp_dbm"], r["sinr_db"], r["nr_rsrp_dbm"], r["nr_sinr_db"], r["tech"]),
                         (-70, 30, -75, 18.5, "5G NSA"))
        self.assertEqual((r["operator"], r["registration"]), ("Telia FI", "home"))
        # providers that never answered are not this router's: no fault while uqmi answers
        self.assertIsNone(self.member()["fault"])
        # mmcli recovers: after its backoff it is used again, ahead of uqmi
        self.mode("mmcli", "replay")
        c = self.wait(lambda c: c["active"] == "mmcli", timeout=6)
        self.assertEqual(c["mmcli"]["status"], "ok")
        self.assertEqual(c["radio"]["rsrp_dbm"], -95)

    def test_provider_stops_others_answer(self):
        """The provider in use fails, a later one answers: a fault beside the member, one event
        per reason, cleared when it answers again."""
        self.tools(ubus="replay", uqmi="replay")
        self.start(cell_interval_ms=1000, cell_backoff_max_ms=2000)
        self.wait(lambda c: c["active"] == "rutos_ubus")
        self.assertIsNone(self.member()["fault"])
        self.mode("ubus", "fail")
        c = self.wait(lambda c: c["active"] == "uqmi")
        self.assertEqual(c["rutos_ubus"]["reason"], "ubus: exited 3: error: modem is busy")
        m = self.wait_member(lambda m: m["fault"] is not None)
        self.assertEqual(m["fault"], "cellular: uqmi answered; rutos_ubus: ubus: exited 3: error: modem is busy")
        self.mode("ubus", "replay")
        self.wait(lambda c: c["active"] == "rutos_ubus")
        self.wait_member(lambda m: m["fault"] is None)
        evs = [e["type"] for e in self.d.call("events", {"limit": 100})["result"]["events"]
               if e["type"].startswith("fault") and e["member"] == "mob1s1a1"]
        self.assertEqual(evs, ["fault", "fault_cleared"])

    def test_hang_killed_at_timeout(self):
        self.tools(mmcli="hang")
        self.start(cell_provider="mmcli", cell_timeout_ms=1000, cell_interval_ms=2000)
        t0 = time.time()
        c = self.wait(lambda c: c["polls_failed"] >= 1, timeout=6)
        took = time.time() - t0
        self.assertEqual(c["mmcli"]["reason"], "mmcli: timed out after 1000 ms")
        self.assertGreaterEqual(c["mmcli"]["last_duration_ms"], 1000)
        self.assertLess(c["mmcli"]["last_duration_ms"], 3000)	# TERM, KILL 500 ms later, a loaded machine
        self.assertLess(took, 6)
        sys.stderr.write("[hang: mmcli run ended after %d ms, reported %.1f s after start] "
                         % (c["mmcli"]["last_duration_ms"], took))
        self.assertIsNone(c["active"])
        self.assertTrue(all(v is None for v in c["radio"].values()), c["radio"])
        self.assertEqual(c["rutos_ubus"]["status"], "untried", "cell_provider mmcli runs only mmcli")
        self.mode("mmcli", "replay")  # the tool answers again: the fault clears with one event
        self.wait(lambda c: c["active"] == "mmcli", timeout=8)
        m = self.member()
        self.assertIsNone(m["fault"], m)
        evs = [e["type"] for e in self.d.call("events", {"limit": 200})["result"]["events"]
               if e["type"].startswith("fault") and e["member"] == "mob1s1a1"]
        self.assertEqual(evs, ["fault", "fault_cleared"])
        pid = int(read(os.path.join(self.ctl, "mmcli.pid")))
        deadline = time.time() + 2
        while time.time() < deadline and os.path.exists("/proc/%d" % pid):
            time.sleep(0.05)
        self.assertFalse(os.path.exists("/proc/%d" % pid), "the hanging tool was killed")

    def test_stubborn_hang_killed(self):
        """A tool that ignores SIGTERM gets SIGKILL 500 ms after the timeout."""
        self.tools(uqmi="stubborn")
        self.start(cell_provider="uqmi", cell_timeout_ms=800)
        c = self.wait(lambda c: c["polls_failed"] >= 1, timeout=6)
        self.assertEqual(c["uqmi"]["reason"], "uqmi: timed out after 800 ms")
        self.assertGreaterEqual(c["uqmi"]["last_duration_ms"], 1300)
        self.assertLess(c["uqmi"]["last_duration_ms"], 2300)
        pid = int(read(os.path.join(self.ctl, "uqmi.pid")))
        self.assertFalse(os.path.exists("/proc/%d" % pid), "the stubborn tool was killed")

    def test_backoff(self):
        self.tools(mmcli="fail")
        self.start(cell_provider="mmcli", cell_interval_ms=1000, cell_backoff_max_ms=4000)
        time.sleep(5.5)
        c = self.wait(lambda c: c["polls_failed"] >= 5, timeout=5)	# a slow start shifts them
        m = c["mmcli"]
        # polls at ~0, 1, 2, 3, 4, 5 s; tries at ~0, 1, 3 (delay 1 s, 2 s, then 4 s)
        self.assertGreaterEqual(m["runs"], 2)
        self.assertLessEqual(m["runs"], 4)
        self.assertEqual(m["failures"], m["runs"])
        self.assertEqual(m["consecutive_failures"], m["runs"])
        self.assertGreater(m["failing_for_ms"], 3000)
        self.assertEqual(c["polls_ok"], 0)
        self.assertGreaterEqual(c["polls_failed"], 5, "every poll reports, with unknown values")
        # the collector's fault: shown beside the member's state, one event for all those polls
        m = self.member()
        self.assertEqual(m["fault"], "cellular: no modem tool answered; mmcli: " + c["mmcli"]["reason"], m)
        self.assertGreaterEqual(m["fault_failures"], 5, m)
        self.assertNotIn("modem tool", m["reason"] or "", "a failing modem tool is not essential")
        evs = [e for e in self.d.call("events", {"limit": 200})["result"]["events"]
               if e["type"] == "fault" and e["member"] == "mob1s1a1"]
        self.assertEqual(len(evs), 1, evs)
        self.assertEqual(evs[0]["reason"], "cellular")


if __name__ == "__main__":
    unittest.main(verbosity=2)
