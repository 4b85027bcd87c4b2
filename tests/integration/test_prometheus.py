#!/usr/bin/env python3
"""The Prometheus endpoint of the real starfaild over real HTTP on loopback.

A scrape answers the text exposition that `promtool check metrics` (Debian
package prometheus) accepts, with the daemon's figures in it; hostile
clients (huge, slow, garbage, too many) get bounded answers and the daemon
keeps serving. Off by default: without prometheus_enable nothing listens.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from sfdaemon import Daemon  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def config(port, extra=""):
    return f"""
config starfail 'main'
	option poll_interval_ms '500'
	option prometheus_enable '1'
	option prometheus_port '{port}'
	option prometheus_max_clients '3'
	option prometheus_timeout_ms '800'
	option prometheus_max_request_bytes '1024'
{extra}
config member 'wan'
	option device 'sft-wan0'
	list probe_targets '192.0.2.1'

config member 'sl'
	option device 'sft-sl0'
	option class 'starlink'
	option dish_host '127.0.0.1'
	option dish_port '1'
"""


def raw(port, data, timeout=3.0, shut=True):
    """Send data, read until the server closes; returns the bytes received."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
    except OSError:
        pass	# the server answered and closed before all was sent
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    return out


def parse(text):
    """{name{labels}: value} of the sample lines."""
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            samples[key] = float(value)
    return samples


class Prometheus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.d = Daemon(config(cls.port))
        time.sleep(1.5)		# a few rounds and dish polls

    @classmethod
    def tearDownClass(cls):
        rc = cls.d.stop()
        log = cls.d.read_log()
        cls.d.cleanup()
        # a clean stop (under ASan: no leak, no error report)
        assert rc == 0, "starfaild exited %d:\n%s" % (rc, log[-3000:])

    def scrape(self, path="/metrics"):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
            return r.status, r.headers, r.read().decode()

    def test_scrape_passes_promtool(self):
        status, headers, body = self.scrape()
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool (Debian package prometheus) is needed")
        p = subprocess.run([promtool, "check", "metrics"], input=body.encode(), capture_output=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout.decode() + p.stderr.decode())
        families = [l for l in body.splitlines() if l.startswith("# TYPE ")]
        self.assertGreater(len(families), 100)
        self.assertEqual(len(families), len(set(families)), "a family twice")

    def test_figures_match_the_api(self):
        _, _, body = self.scrape()
        s = parse(body)
        st = self.d.call("status")["result"]
        self.assertEqual(s['starfail_version_info{version="%s"}' % st["version"]], 1)
        self.assertEqual(s["starfail_pid"], st["pid"])
        self.assertAlmostEqual(s["starfail_memory_rss_bytes"], st["memory"]["rss_kb"] * 1024,
                               delta=4 * 1024 * 1024)
        self.assertGreater(s["starfail_uptime_seconds"], 1.0)
        self.assertGreater(s["process_cpu_seconds_total"], 0)
        # per member: state, link, probe window, engine; the dish of the Starlink member
        self.assertEqual(s['starfail_member_state_info{member="wan",state="unusable"}'], 1)
        self.assertEqual(s['starfail_member_link_exists{member="wan"}'], 0)
        self.assertEqual(s['starfail_member_priority{member="sl"}'], 10)
        self.assertEqual(s['starfail_member_probe_interval_seconds{member="wan"}'], 0.5)
        self.assertIn('starfail_member_engine_eligible{member="wan"}', s)
        m = self.d.call("metrics", {"member": "sl"})["result"]
        if "starlink" in m:
            self.assertGreaterEqual(s['starfail_member_starlink_polls_failed_total{member="sl"}'], 1)
            self.assertEqual(s['starfail_member_starlink_signals_dish_unreachable{member="sl"}'], 1)
        # unknown is no sample: the members' latency is unknown
        self.assertNotIn('starfail_member_latency_seconds{member="wan"}', s)
        # events by kind; switches by reason
        kinds = {k: v for k, v in s.items() if k.startswith("starfail_events_total{")}
        self.assertTrue(kinds, body[-2000:])
        self.assertTrue(any(k.startswith("starfail_switches_total{") for k in s))
        # the endpoint counts itself
        self.assertGreaterEqual(s["starfail_prometheus_scrapes_total"], 1)

    def test_other_requests_bounded(self):
        self.assertIn(b" 404 ", raw(self.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")[:20])
        self.assertIn(b" 405 ", raw(self.port, b"POST /metrics HTTP/1.1\r\n\r\n")[:20])
        self.assertIn(b" 400 ", raw(self.port, b"\x00\x01garbage\r\n\r\n")[:20])
        self.assertIn(b" 400 ", raw(self.port, b"GET /metrics SPDY/9\r\n\r\n")[:20])
        self.assertIn(b" 400 ", raw(self.port, b"nonsense\n\n")[:20])
        head = raw(self.port, b"HEAD /metrics HTTP/1.0\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200 "), head[:40])
        self.assertTrue(head.endswith(b"\r\n\r\n"), "HEAD has no body")
        # a query string is fine
        status, _, body = self.scrape("/metrics?x=1")
        self.assertEqual(status, 200)
        # a huge head: 431 after the cap, not the whole of it read
        t0 = time.time()
        out = raw(self.port, b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 200000 + b"\r\n\r\n")
        self.assertTrue(out == b"" or b" 431 " in out[:30], out[:40])
        self.assertLess(time.time() - t0, 2)
        st = self.d.call("status")["result"]["prometheus"]
        self.assertGreaterEqual(st["bad_requests"], 5)
        self.assertGreaterEqual(st["rejected_large"], 1)

    def test_slow_and_too_many_clients(self):
        before = self.d.call("status")["result"]["prometheus"]
        # slow loris: three connections that send half a request and stay
        slow = []
        for _ in range(3):
            s = socket.create_connection(("127.0.0.1", self.port))
            s.sendall(b"GET /metr")
            slow.append(s)
        time.sleep(0.2)
        # a fourth is refused at once (max_clients 3)
        out = raw(self.port, b"GET /metrics HTTP/1.1\r\n\r\n")
        self.assertIn(b" 503 ", out[:30])
        # the slow ones are closed after the timeout (800 ms)...
        for s in slow:
            s.settimeout(3)
            t0 = time.time()
            try:
                self.assertEqual(s.recv(100), b"")
            except ConnectionResetError:
                pass
            self.assertLess(time.time() - t0, 2.5)
            s.close()
        # ... and scrapes work again
        status, _, _ = self.scrape()
        self.assertEqual(status, 200)
        after = self.d.call("status")["result"]["prometheus"]
        self.assertGreaterEqual(after["timeouts"] - before["timeouts"], 3)
        self.assertGreaterEqual(after["rejected_busy"] - before["rejected_busy"], 1)
        self.assertEqual(after["clients"], 0)

    def test_many_garbage_connections_leave_it_serving(self):
        for i in range(200):
            raw(self.port, os.urandom(64) + b"\r\n\r\n", timeout=2)
        status, _, body = self.scrape()
        self.assertEqual(status, 200)
        self.assertIn("starfail_uptime_seconds", body)
        self.assertIsNone(self.d.proc.poll())


ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
LUA = shutil.which("lua5.1")


@unittest.skipUnless(LUA, "lua5.1 and lua-cjson (Debian) run the node-exporter collector")
class LuaCollector(unittest.TestCase):
    """contrib/prometheus-node-exporter-lua/starfail.lua over the rpcd plugin (ubus stand-in)."""

    def test_collector_output(self):
        port = free_port()
        d = Daemon(config(port))
        try:
            time.sleep(1)
            env = dict(os.environ, SF_SOCK=d.sock, SF_CTL=os.path.join(os.environ.get("SF_BUILD", "build"), "starfailctl"),
                       LUA_PATH=os.path.join(ROOT, "tests", "integration", "lua", "?.lua") + ";;")
            p = subprocess.run([LUA, os.path.join(ROOT, "tests", "integration", "lua", "run_collector.lua"),
                                os.path.join(ROOT, "contrib", "prometheus-node-exporter-lua", "starfail.lua")],
                               capture_output=True, text=True, env=env, timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr)
            text = p.stdout
            # node-exporter-lua writes no HELP lines: promtool's only complaint may be that
            lint = subprocess.run([shutil.which("promtool"), "check", "metrics"], input=text.encode(),
                                  capture_output=True, timeout=30)
            problems = [l for l in (lint.stdout + lint.stderr).decode().splitlines()
                        if l.strip() and "no help text" not in l]
            self.assertEqual(problems, [], text[:3000])
            s = parse(text)
            # the endpoint's names (counters but those named *_total are gauges without _total)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                endpoint = {l.split()[2] for l in r.read().decode().splitlines() if l.startswith("# TYPE")}
            lua = {l.split()[2] for l in text.splitlines() if l.startswith("# TYPE")}
            self.assertGreater(len(lua), 100)
            strange = [n for n in lua if n not in endpoint and n + "_total" not in endpoint]
            self.assertEqual(strange, [])
            self.assertEqual(s['starfail_member_state_info{member="wan",state="unusable"}'], 1)
            self.assertEqual(s['starfail_member_probe_interval_seconds{member="wan"}'], 0.5)
            self.assertEqual(s['starfail_member_priority{member="sl"}'], 10)
            self.assertGreater(s["starfail_uptime_seconds"], 0.5)
            self.assertGreater(s["starfail_memory_rss_bytes"], 100000)
            self.assertNotIn('starfail_member_latency_seconds{member="wan"}', s)
            types = [l for l in text.splitlines() if l.startswith("# TYPE")]
            self.assertEqual(len(types), len(set(types)))
        finally:
            d.cleanup()


class Defaults(unittest.TestCase):
    def test_off_by_default_and_loopback_when_on(self):
        port = free_port()
        d = Daemon(config(port).replace("\toption prometheus_enable '1'\n", "")
                   .replace(f"\toption prometheus_port '{port}'\n", ""))
        try:
            st = d.call("status")["result"]["prometheus"]
            self.assertFalse(st["enabled"])
            self.assertIsNone(st["listen"])
            # and no listening socket of its own (whatever else the host runs)
            ls = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True).stdout
            self.assertNotIn("pid=%d," % d.proc.pid, ls)
            # enabled by reload: listens on 127.0.0.1 only (the default)
            d.write_config(config(port))
            self.assertTrue(d.call("reload")["result"]["reloaded"])
            st = d.call("status")["result"]["prometheus"]
            self.assertEqual(st["listen"], f"127.0.0.1:{port}")
            out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True).stdout
            self.assertIn(f"127.0.0.1:{port}", out)
            self.assertNotIn(f"0.0.0.0:{port}", out)
            self.assertNotIn(f"*:{port}", out)
            self.assertIn("pid=%d," % d.proc.pid, subprocess.run(["ss", "-Hltnp"], capture_output=True,
                                                                  text=True).stdout)   # what the check above reads
        finally:
            d.cleanup()

    def test_port_taken_is_a_clear_status(self):
        blocker = socket.socket()
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        port = blocker.getsockname()[1]
        d = Daemon(config(port))
        try:
            st = d.call("status")["result"]["prometheus"]
            self.assertIsNone(st["listen"])
            self.assertIn("cannot listen on 127.0.0.1 port %d" % port, st["error"])
            self.assertIsNone(d.proc.poll())
        finally:
            d.cleanup()
            blocker.close()

    def test_bad_listen_address_is_a_config_error(self):
        port = free_port()
        d = Daemon(config(port))
        try:
            d.write_config(config(port, "\toption prometheus_listen 'localhost'\n"))
            r = d.call("reload")
            self.assertIn("prometheus_listen", r["error"]["message"])
        finally:
            d.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
