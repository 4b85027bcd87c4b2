#!/usr/bin/python3
"""The Wi-Fi collector through the real starfaild (--dry-run), root only:
the daemon runs in a network namespace of its own (standin.StandInDaemon)
with a member of class wifi on a veth, which has no nl80211 (this kernel
has no Wi-Fi at all), so the collector falls back to `ubus call iwinfo
info`, answered by a stand-in `ubus` first on the daemon's PATH replaying
tests/data/wifi/*.iwinfo.json. Checked: the replayed figures in `metrics`,
the nl80211 provider failing with its reason, the engine's Wi-Fi signal
penalty following a weak recording, then the stand-in hanging: killed at
wifi_timeout_ms, the fault (reason) in `members`, one `fault` event, and
`fault_cleared` when it answers again. Run by ctest (wifi_daemon, label net)."""
import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import standin  # noqa: E402
from sfdaemon import assert_clean_exit, kill_pidfile, read, write_atomic  # noqa: E402

DATA = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "data", "wifi"))

UBUS = """#!/bin/sh
# stand-in ubus: `call iwinfo info` per $CTL/mode (replay | hang | garbage), the file in $CTL/file
ctl='%(ctl)s'
echo "ubus $*" >> "$ctl/calls.log"
case "$*" in
"call iwinfo info "*) ;;
*) echo "Command failed: Not found" >&2; exit 4 ;;
esac
mode=$(cat "$ctl/mode" 2>/dev/null || echo replay)
case "$mode" in
hang) echo $$ > "$ctl/pid"; exec sleep 600 ;;
garbage) printf 'Segmentation fault {{{'; exit 0 ;;
esac
cat "%(data)s/$(cat "$ctl/file")"
"""


@unittest.skipIf(standin.usable(), standin.usable() or "")
class WifiDaemon(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sf-wifi-")
        os.chmod(self.dir, 0o755)
        self.bin = os.path.join(self.dir, "bin")
        self.ctl = os.path.join(self.dir, "ctl")
        os.mkdir(self.bin)
        os.mkdir(self.ctl)
        for d in ("/usr/bin", "/bin", "/usr/sbin", "/sbin"):
            if os.path.exists(os.path.join(d, "ubus")):
                self.skipTest("a real ubus is installed in %s" % d)
        with open(os.path.join(self.bin, "ubus"), "w") as f:
            f.write(UBUS % {"ctl": self.ctl, "data": DATA})
        os.chmod(os.path.join(self.bin, "ubus"), 0o755)
        self.set("mode", "replay")
        self.set("file", "iwinfo_client.iwinfo.json")
        self.saved_path = os.environ.get("PATH", "")
        # the daemon (and the namespace wrapper) inherit this PATH: the stand-in first
        os.environ["PATH"] = self.bin + ":/usr/sbin:/usr/bin:/sbin:/bin"
        self.s = None

    def tearDown(self):
        os.environ["PATH"] = self.saved_path
        rc, log = 0, ""
        if self.s:
            rc = self.s.stop()
            log = self.s.d.read_log()
            self.s.cleanup()
        kill_pidfile(os.path.join(self.ctl, "pid"))
        shutil.rmtree(self.dir)
        assert_clean_exit(self, rc, log)

    def set(self, name, value):
        write_atomic(os.path.join(self.ctl, name), value)

    def metrics(self):
        r = self.s.call("metrics", {"member": "wlan"})
        self.assertNotIn("error", r, r)
        return r["result"]

    def member(self):
        return [m for m in self.s.call("members")["result"] if m["name"] == "wlan"][0]

    def wait(self, cond, what, timeout=10.0):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            last = self.metrics()
            if cond(last):
                return last
            time.sleep(0.1)
        self.fail("%s: not met; last metrics: %r %r\nlog:\n%s" % (what, last and last.get("wifi"), last and last.get("engine"),
                                                             self.s.d.read_log()[-3000:]))

    def events(self):
        return [e for e in self.s.call("events", {"limit": 500})["result"]["events"]
                if e["member"] == "wlan" and e["type"].startswith("fault")]

    def test_fallback_hang_fault(self):
        self.s = standin.StandInDaemon(
            [("wlan", {"class": "wifi", "wifi_interval_ms": 1000, "wifi_timeout_ms": 800,
                       "wifi_backoff_max_ms": 2000})],
            {"poll_interval_ms": 500})
        m = self.wait(lambda m: m["wifi"]["polls_ok"] >= 1, "a good poll")
        w = m["wifi"]
        self.assertEqual(w["device"], "sfx-1")
        self.assertIsNotNone(w["ifindex"])
        self.assertEqual(w["active"], "iwinfo")
        self.assertEqual(w["nl80211"]["status"], "failing")
        self.assertIn(w["nl80211"]["reason"], (
            "nl80211: no nl80211 family in the kernel (no Wi-Fi driver)",
            "nl80211: sfx-1 is not a wireless device (No such device)",
            "nl80211: sfx-1 is not a wireless device (Operation not supported)",
            "nl80211: sfx-1 is not a wireless device (Invalid argument)"))
        sys.stderr.write("[nl80211 on the veth: %s] " % w["nl80211"]["reason"])
        r = w["radio"]
        # tests/data/wifi/iwinfo_client.iwinfo.json
        self.assertEqual((r["signal_dbm"], r["noise_dbm"], r["snr_db"], r["tx"]["bitrate_mbps"]),
                         (-62, -92, 30, 144.4))
        self.assertEqual((r["ssid"], r["bssid"], r["frequency_mhz"], r["quality"]),
                         ("Camping-WiFi", "a4:2b:b0:12:34:56", 2437, 48))
        self.assertIsNone(r["rx"]["bitrate_mbps"], "iwinfo has no rx bitrate: unknown, not 0")
        self.assertIsNone(r["tx_retries"])
        self.assertTrue(w["associated"])
        calls = read(os.path.join(self.ctl, "calls.log"))
        self.assertIn('ubus call iwinfo info {"device":"sfx-1"}', calls)
        self.assertIsNone(self.member()["fault"], "iwinfo answered: no fault")

        # the engine's Wi-Fi input: -62 dBm is above wifi_signal_ok_dbm (-67), -85 dBm is at
        # wifi_signal_bad_dbm: the full wifi_signal_penalty (25 points)
        # (the score first settles: the stand-in uplink's first probes may be lost at start)
        # The instant score carries the penalty at once (the final score follows it
        # through the EWMA and window, slower on a loaded machine)
        g = self.wait(lambda m: ((m.get("engine") or {}).get("final") or 0) >= 95 and
                      (m["engine"].get("instant") or 0) >= 95, "a settled good score", timeout=60)["engine"]
        self.set("file", "iwinfo_no_noise.iwinfo.json")
        weak = self.wait(lambda m: m["wifi"]["radio"]["signal_dbm"] == -85 and
                         m["engine"]["instant"] <= g["instant"] - 20 and m["engine"]["final"] < g["final"],
                         "the weak signal penalised", timeout=20)
        sys.stderr.write("[instant score %.1f at -62 dBm, %.1f at -85 dBm] "
                         % (g["instant"], weak["engine"]["instant"]))
        self.assertIsNone(weak["wifi"]["radio"]["noise_dbm"])
        self.assertIsNone(weak["wifi"]["radio"]["snr_db"])

        # the stand-in hangs: killed at the timeout, the fault shown beside the state
        f0 = self.metrics()["wifi"]["polls_failed"]
        self.set("mode", "hang")
        t0 = time.time()
        m = self.wait(lambda m: m["wifi"]["polls_failed"] > f0 and "timed out" in (m["wifi"]["iwinfo"]["reason"] or ""),
                      "a failed poll")
        took = time.time() - t0
        w = m["wifi"]
        self.assertEqual(w["iwinfo"]["reason"], "iwinfo: ubus timed out after 800 ms")
        self.assertGreaterEqual(w["iwinfo"]["last_duration_ms"], 800)
        self.assertLess(w["iwinfo"]["last_duration_ms"], 2800)	# the timeout + a loaded machine
        self.assertIsNone(w["active"])
        self.assertIsNone(w["radio"]["signal_dbm"], "a failed poll is unknown, not the last value")
        sys.stderr.write("[hang: ubus killed after %d ms, seen %.1f s after the switch] "
                         % (w["iwinfo"]["last_duration_ms"], took))
        mem = self.member()
        self.assertTrue(mem["fault"].startswith("wifi: no Wi-Fi source answered; nl80211: "), mem)
        self.assertTrue(mem["fault"].endswith("; iwinfo: ubus timed out after 800 ms"), mem)
        self.assertGreaterEqual(mem["fault_failures"], 1)
        self.assertNotIn("Wi-Fi", mem["reason"] or "", "the Wi-Fi collector is not essential")
        pid = int(read(os.path.join(self.ctl, "pid")))
        deadline = time.time() + 2
        while time.time() < deadline and os.path.exists("/proc/%d" % pid):
            time.sleep(0.05)
        self.assertFalse(os.path.exists("/proc/%d" % pid), "the hanging ubus was killed")

        # garbage: the reason changes (one more fault event), then it answers: cleared
        self.set("mode", "garbage")
        self.wait(lambda m: "not understood" in (m["wifi"]["iwinfo"]["reason"] or ""), "garbage refused")
        self.set("mode", "replay")
        self.set("file", "iwinfo_client.iwinfo.json")
        self.wait(lambda m: m["wifi"]["active"] == "iwinfo", "recovered")
        self.assertIsNone(self.member()["fault"])
        evs = self.events()
        self.assertEqual([e["type"] for e in evs], ["fault", "fault", "fault_cleared"], evs)
        self.assertTrue(all(e["reason"] == "wifi" for e in evs), evs)
        self.assertIn("timed out after 800 ms", evs[0]["text"])
        self.assertIn("not understood", evs[1]["text"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
