#!/usr/bin/python3
"""test_explain.py - `explain` and `starfailctl timeline` against the real
starfaild over its real socket.

Explain: the daemon runs --dry-run with two members on stand-in uplinks
(standin.py: their own network namespaces, DNS probes answered or not, late
or not); each kind of decision is provoked in turn (the tests run in
order, on one daemon) and its `explain` reply checked against what was
done: the initial choice, a hard failure (probes lost), a restore after the
restore window, a flap and its backoff, a soft failure or predictive
trigger on latency, a manual failover and its end, every member down and
the recovery, a restore held back by the cooldown (after a reload). Bad ids get clear errors; the rpcd plugin passes `explain`
through. Timeline: the SVG of that history is parsed (well-formed, one band
per member, one marker per switch) and rendered in headless Chromium.

DaemonApiExplain needs nothing; the rest needs root (SF_NETNS_TESTS=1,
ctest -L net, under the lab lock).
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
import zlib

sys.path.insert(0, os.path.dirname(__file__))
import standin  # noqa: E402
from sfdaemon import STARFAILCTL, Daemon, wait_for  # noqa: E402

MAIN = {"poll_interval_ms": 200, "standby_interval_ms": 200, "probe_timeout_ms": 400,
        "min_uptime_ms": 500, "restore_window_ms": 2000, "restore_backoff_max_ms": 4000,
        "cooldown_ms": 0, "fail_window_ms": 500, "latency_ok_ms": 20, "latency_bad_ms": 100,
        "recurring_quiet_ms": 3000,
        "log_level": "debug"}
SVG = "{http://www.w3.org/2000/svg}"


def ctl(sock, *args, stdin=None):
    return subprocess.run([STARFAILCTL, "-s", sock] + list(args), capture_output=True, text=True,
                          input=stdin, timeout=20)


class DaemonApiExplain(unittest.TestCase):
    """No decision at all (no members): clear errors."""

    CONFIG = """
config starfail 'main'
	option api_socket_mode '0666'
"""

    def setUp(self):
        self.d = Daemon(self.CONFIG)

    def tearDown(self):
        self.d.cleanup()

    def test_errors(self):
        r = self.d.call("explain")
        self.assertEqual(r["error"]["code"], -32000)
        self.assertIn("no decision recorded yet", r["error"]["message"])
        for bad in ("abc", -1, 0, 1.5, True, [1], {"x": 1}):
            r = self.d.call("explain", {"id": bad})
            self.assertEqual(r["error"]["code"], -32602, bad)
            self.assertIn("positive integer", r["error"]["message"], bad)
        r = self.d.call("explain", {"id": 123456789})
        self.assertEqual(r["error"]["code"], -32602)
        self.assertIn("no event 123456789", r["error"]["message"])
        # the CLI refuses garbage itself, and says why the daemon refused the rest
        p = ctl(self.d.sock, "explain", "12abc")
        self.assertEqual(p.returncode, 2)
        self.assertIn("positive integer", p.stderr)
        p = ctl(self.d.sock, "explain", "99999")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no event 99999", p.stderr)

    def test_rpcd_passes_explain_through(self):
        p = ctl(self.d.sock, "list")
        self.assertEqual(json.loads(p.stdout)["explain"], {"id": 64})
        p = ctl(self.d.sock, "call", "explain", stdin='{"id": 5}')
        self.assertEqual(p.returncode, 1)
        self.assertIn("no event 5", json.loads(p.stdout)["error"]["message"])

    def test_timeline_usage(self):
        self.assertEqual(ctl(self.d.sock, "timeline").returncode, 2)
        p = ctl(self.d.sock, "timeline", "--since", "forever", "--svg", "/dev/null")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--since", p.stderr)
        self.assertEqual(ctl(self.d.sock, "timeline", "--since", "31d", "--svg", "-").returncode, 2)


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB/RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        ftype, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


@unittest.skipUnless(os.environ.get("SF_NETNS_TESTS") == "1",
                     "creates network namespaces: ctest -L net (daemon_explain), under the lab lock")
class Explain(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        why = standin.usable()
        if why:
            raise unittest.SkipTest(why)
        cls.s = standin.StandInDaemon([("wan", {"priority": 1}), ("lte", {"priority": 2})], MAIN)
        if not wait_for(lambda: cls.current() == "wan", 30):
            log = cls.s.d.read_log()[-3000:]
            cls.s.cleanup()
            raise RuntimeError("wan never became the uplink:\n" + log)

    @classmethod
    def tearDownClass(cls):
        rc = cls.s.stop()
        log = cls.s.d.read_log()
        cls.s.cleanup()
        assert rc == 0, "starfaild exit status %r (sanitizer?):\n%s" % (rc, log[-3000:])

    @classmethod
    def current(cls):
        return cls.s.call("status")["result"]["current"]

    def events(self):
        return self.s.call("events", {"limit": 1000})["result"]["events"]

    def last_event(self, type_, reasons=None, after=0):
        for e in reversed(self.events()):
            if e["id"] > after and e["type"] == type_ and (reasons is None or e["reason"] in reasons):
                return e
        return None

    def explain(self, ev_id=None):
        r = self.s.call("explain", {"id": ev_id} if ev_id is not None else None)
        self.assertIn("result", r, r)
        x = r["result"]
        if ev_id is not None:
            self.assertEqual(x["id"], ev_id)
        self.assertEqual(x["sentences"][0], x["summary"])
        return x

    @staticmethod
    def member(x, name):
        for m in x["members"]:
            if m["name"] == name:
                return m
        raise AssertionError("%s not in %s" % (name, [m["name"] for m in x["members"]]))

    @staticmethod
    def item(m, key):
        for it in m["evidence"]:
            if it["key"] == key:
                return it
        return None

    def newest_id(self):
        return self.events()[-1]["id"]

    def test_1_initial(self):
        ev = self.last_event("switch", ["initial"])
        self.assertIsNotNone(ev)
        x = self.explain(ev["id"])
        self.assertEqual((x["type"], x["reason"], x["to"], x["from"]), ("switch", "initial", "wan", None))
        self.assertIn("wan was chosen as the first uplink", x["summary"])
        self.assertEqual(self.member(x, "wan")["role"], "to")
        self.assertEqual(x["settings"]["restore_window_ms"], 2000)
        p = ctl(self.s.d.sock, "explain", str(ev["id"]))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("wan was chosen as the first uplink", p.stdout)
        self.assertRegex(p.stdout, r"\nwan \(to, \w+, priority 1\):\n  - ")
        p = ctl(self.s.d.sock, "--json", "explain", str(ev["id"]))
        self.assertEqual(json.loads(p.stdout)["result"]["id"], ev["id"])

    def test_2_hard_fail(self):
        before = self.newest_id()
        self.s.set("wan", answer=False)
        self.assertEqual(wait_for(lambda: self.current() == "lte" and "lte", 10), "lte")
        ev = self.last_event("switch", after=before)
        self.assertEqual(ev["reason"], "hard_fail_loss", ev)
        x = self.explain(ev["id"])
        self.assertIn("wan stopped answering", x["summary"])
        self.assertIn("traffic moved to lte at once", x["summary"])
        wan = self.member(x, "wan")
        self.assertEqual((wan["role"], wan["state"]), ("from", "down"))
        lost = self.item(wan, "lost_probes_in_row")
        self.assertGreaterEqual(lost["value"], x["settings"]["hard_fail_probes"], lost)
        win = self.item(wan, "window_lost_probes")
        self.assertGreater(win["value"], 0)
        self.assertGreaterEqual(win["versus"], win["value"])
        self.assertRegex(win["text"], r"^\d+ of the \d+ probes sent in the loss window were lost\.$")
        cusum = self.item(wan, "loss_evidence")
        self.assertGreater(cusum["threshold"], 0)
        self.assertIn("threshold", cusum["text"])
        self.assertEqual(self.member(x, "lte")["role"], "to")
        # the default is the latest decision: this one or a newer one
        self.assertGreaterEqual(self.explain()["id"], ev["id"])
        # a plain state change is an event, not a decision
        plain = [e for e in self.events() if e["type"] == "state" and e["reason"] == "state"]
        r = self.s.call("explain", {"id": plain[-1]["id"]})
        self.assertIn("not a decision", r["error"]["message"])

    def restore_wan(self, need_s):
        before = self.newest_id()
        self.s.set("wan", answer=True)
        self.assertEqual(wait_for(lambda: self.current() == "wan" and "wan", need_s + 15), "wan")
        ev = self.last_event("switch", after=before)
        self.assertEqual(ev["reason"], "restore", ev)
        x = self.explain(ev["id"])
        self.assertIn("wan had been good for", x["summary"])
        self.assertIn("its whole restore window (%.1f s" % need_s, x["summary"])
        good = self.item(self.member(x, "wan"), "good_for_s")
        self.assertEqual(good["threshold"], need_s)
        self.assertGreaterEqual(good["value"], need_s - 0.25)
        return x

    def test_3_restore(self):
        self.restore_wan(2.0)

    def test_4_flap_backoff(self):
        # failing again right after its restore: a flap, its restore window doubles
        before = self.newest_id()
        self.s.set("wan", answer=False)
        self.assertEqual(wait_for(lambda: self.current() == "lte" and "lte", 10), "lte")
        ev = self.last_event("switch", after=before)
        x = self.explain(ev["id"])
        back = self.item(self.member(x, "wan"), "restore_backoff")
        self.assertIsNotNone(back, x["members"])
        self.assertEqual((back["value"], back["versus"]), (2, 4.0))
        self.assertIn("flap backoff", back["text"])
        x = self.restore_wan(4.0)
        self.assertIn("flapped", " ".join(x["sentences"]))

    def test_5_latency(self):
        before = self.newest_id()
        self.s.set("wan", delay_ms=250)
        try:
            self.assertEqual(wait_for(lambda: self.current() == "lte" and "lte", 15), "lte")
            ev = self.last_event("switch", after=before)
            self.assertIn(ev["reason"], ("soft_fail", "predictive_latency", "predictive_score"), ev)
            x = self.explain(ev["id"])
            print("(%s) " % ev["reason"], end="", flush=True)
            if ev["reason"] == "soft_fail":
                self.assertIn("wan was bad (score below 60)", x["summary"])
            else:
                self.assertIn("A predictive trigger (", x["summary"])
                self.assertIn("fired on wan", x["summary"])
            wan = self.member(x, "wan")
            self.assertGreater(self.item(wan, "latency_ms")["value"], 100)
            self.assertLess(self.item(wan, "instant")["value"], 60)
        finally:
            self.s.set("wan", delay_ms=0)
        self.assertEqual(wait_for(lambda: self.current() == "wan" and "wan", 25), "wan")

    def test_6_manual(self):
        before = self.newest_id()
        r = self.s.call("failover", {"member": "lte"})
        self.assertEqual(r["result"]["current"], "lte")
        ev = self.last_event("switch", ["manual_pin"], after=before)
        x = self.explain(ev["id"])
        self.assertIn("lte was pinned by hand (starfailctl failover)", x["summary"])
        x = self.explain(self.last_event("info", ["manual_pin"], after=before)["id"])
        self.assertIn("lte was pinned by hand", x["summary"])
        self.assertEqual(x["pinned"], "lte")
        self.s.call("restore")
        x = self.explain(self.last_event("info", ["manual_unpin"], after=before)["id"])
        self.assertIn("automatic selection again", x["summary"])
        self.assertEqual(wait_for(lambda: self.current() == "wan" and "wan", 15), "wan")

    def test_7_all_down_and_recovery(self):
        before = self.newest_id()
        self.s.set("lte", answer=False)
        self.s.set("wan", answer=False)
        self.assertTrue(wait_for(lambda: self.last_event("switch", ["all_down"], after=before), 15))
        ev = self.last_event("switch", ["all_down"], after=before)
        x = self.explain(ev["id"])
        self.assertIn("No member was usable", x["summary"])
        self.assertEqual(sorted(m["name"] for m in x["members"]), ["lte", "wan"])
        self.assertEqual({m["state"] for m in x["members"]}, {"down"})
        self.assertIsNone(x["to"])
        self.s.set("lte", answer=True)
        self.assertEqual(wait_for(lambda: self.current() == "lte" and "lte", 15), "lte")
        ev = self.last_event("switch", after=ev["id"])
        self.assertEqual(ev["reason"], "recovered", ev)
        self.assertIn("lte answered again", self.explain(ev["id"])["summary"])
        self.s.set("wan", answer=True)
        self.assertEqual(wait_for(lambda: self.current() == "wan" and "wan", 20), "wan")

    def test_8_cooldown(self):
        r = self.s.reconfigure(dict(MAIN, cooldown_ms=10000))
        self.assertTrue(r["result"]["reloaded"], r)
        try:
            before = self.newest_id()
            self.s.set("wan", answer=False)      # a hard failure: the cooldown does not hold it
            self.assertEqual(wait_for(lambda: self.current() == "lte" and "lte", 10), "lte")
            self.s.set("wan", answer=True)
            ev = wait_for(lambda: self.last_event("suppressed", after=before), 15)
            self.assertTrue(ev, "no suppressed event")
            self.assertEqual(self.current(), "lte")
            x = self.explain(ev["id"])
            print("(%s) " % ev["reason"], end="", flush=True)
            self.assertEqual((x["from"], x["to"]), ("lte", "wan"))
            if ev["reason"] == "cooldown_suppressed":
                self.assertIn("Starfail would have moved from lte to wan", x["summary"])
                self.assertIn("the cooldown is 10.0 s: it waited", x["summary"])
                self.assertLess(x["since_switch_s"], 10)
            else:
                self.assertEqual(ev["reason"], "failback_wait_suppressed", ev)
                self.assertIn("still waiting out its restore window", x["summary"])
            self.assertEqual(x["settings"]["cooldown_ms"], 10000)
            self.assertEqual(wait_for(lambda: self.current() == "wan" and "wan", 25), "wan")
        finally:
            self.s.reconfigure(MAIN)

    def test_9_timeline_svg_and_chromium(self):
        tmp = tempfile.mkdtemp(prefix="sf-timeline-")
        try:
            svg = os.path.join(tmp, "timeline.svg")
            p = ctl(self.s.d.sock, "timeline", "--since", "10m", "--svg", svg)
            self.assertEqual(p.returncode, 0, p.stderr)
            switches = [e for e in self.events() if e["type"] == "switch"]
            self.assertGreaterEqual(len(switches), 8)
            root = ET.parse(svg).getroot()      # well-formed XML, or this raises
            self.assertEqual(root.tag, SVG + "svg")
            groups = list(root.iter(SVG + "g"))
            bands = [g.get("data-member") for g in groups if g.get("class") == "band"]
            self.assertEqual(bands, ["wan", "lte"])
            marks = [g for g in groups if g.get("class") == "switch"]
            self.assertEqual(sorted(int(g.get("data-id")) for g in marks), sorted(e["id"] for e in switches))
            for g in marks:
                self.assertIn(g.get("data-reason"), "".join(t.text or "" for t in g.iter(SVG + "text")))
            series = [g for g in groups if g.get("class") == "series"]
            self.assertEqual(len(series), 3 * 2)
            # each member was active for a while: its band has filled segments
            for g in groups:
                if g.get("class") == "band":
                    self.assertGreater(len([r for r in g.iter(SVG + "rect") if r.get("class") == "active"]), 0)
            self.assertIsNone(root.find(".//" + SVG + "image"))
            self.assertIsNone(root.find(".//" + SVG + "script"))
            with open(svg) as f:
                self.assertNotIn("href", f.read())
            self.render(svg, int(root.get("width")), int(float(root.get("height"))), tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def render(self, svg, width, height, tmp):
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if not chromium:
            self.skipTest("chromium not installed (tools/debian-packages.txt)")
        png = os.path.join(tmp, "timeline.png")
        profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp)
        p = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                            "--no-first-run", "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", "--user-data-dir=" + profile, "--hide-scrollbars",
                            "--window-size=%d,%d" % (width, height), "--screenshot=" + png, "file://" + svg],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertTrue(os.path.getsize(png) > 0)
        w, h, bpp, rows = png_pixels(png)
        self.assertEqual((w, h), (width, height))
        colours = set()
        for row in rows[::4]:
            for i in range(0, len(row), bpp * 3):
                colours.add(row[i:i + 3])
        self.assertGreater(len(colours), 8, "the screenshot is (nearly) one colour")
        # the two members' colours are drawn (bands and lines)
        self.assertIn(bytes([0x1f, 0x77, 0xb4]), colours)
        self.assertIn(bytes([0xd6, 0x27, 0x28]), colours)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:], verbosity=2)
