#!/usr/bin/env python3
"""Notifications of the real starfaild: the webhook against a local HTTP
server on loopback (body, templates, debounce, rate limit, retries, a server
that hangs, answers 500, redirects forever or sends 10 MB) and hook scripts
run through util/proc (environment, a hook that never exits).

Events come from the API: `failover` and `restore` emit manual_pin and
manual_unpin, which the config lists in notify_events.
"""
import http.server
import json
import os
import re
import shutil
import socket
import stat
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from sfdaemon import Daemon, assert_clean_exit, read, wait_for  # noqa: E402


class Hook(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        srv = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        srv.requests.append({"path": self.path, "headers": dict(self.headers), "body": body, "t": time.time()})
        mode = srv.mode
        if mode == "fail_first" and len(srv.requests) <= srv.fail_n:
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode == "hang":
            time.sleep(4)
            return
        if mode == "redirect":
            self.send_response(307)
            self.send_header("Location", "/again%d" % len(srv.requests))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode == "big":
            self.send_response(200)
            self.send_header("Content-Length", str(10 * 1024 * 1024))
            self.end_headers()
            try:
                chunk = b"x" * 65536
                for _ in range(160):
                    self.wfile.write(chunk)
                srv.big_done = True
            except OSError:
                srv.big_cut = True
            return
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Hook)
        self.requests = []
        self.mode = "ok"
        self.fail_n = 0
        self.big_done = self.big_cut = False
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d/hook" % self.server_address[1]


def config(url="", extra="", hooks=""):
    return f"""
config starfail 'main'
	option notify_events 'manual_pin manual_unpin'
	option notify_hooks_dir '{hooks}'
	option notify_webhook_url '{url}'
	option notify_debounce_ms '300'
	option notify_timeout_ms '1000'
	option notify_retries '2'
{extra}
config member 'wan'
	option device 'sft-wan0'
	list probe_targets '192.0.2.1'
"""


def stop_clean(test, d):
    """Stop the daemon; it must exit 0 (under ASan: no leak, no error report)."""
    assert_clean_exit(test, *d.finish())


class Webhook(unittest.TestCase):
    def setUp(self):
        self.srv = Server()
        self.addCleanup(self.srv.server_close)
        self.addCleanup(self.srv.shutdown)

    def daemon(self, extra=""):
        d = Daemon(config(self.srv.url, extra))
        self.addCleanup(stop_clean, self, d)
        return d

    def notify(self, d):
        return d.call("status")["result"]["notify"]

    def test_body_and_debounce(self):
        d = self.daemon("\toption notify_debounce_ms '1500'\n")	# wide: a loaded machine
        d.call("failover", {"member": "wan"})
        d.call("restore")		# within notify_debounce_ms: the same message
        self.assertTrue(wait_for(lambda: self.srv.requests))
        time.sleep(0.6)
        self.assertEqual(len(self.srv.requests), 1)
        r = self.srv.requests[0]
        self.assertEqual(r["headers"]["Content-Type"], "application/json")
        self.assertTrue(r["headers"]["User-Agent"].startswith("starfail/"))
        body = json.loads(r["body"])
        self.assertEqual([e["reason"] for e in body["events"]], ["manual_pin", "manual_unpin"])
        self.assertEqual(body["events"][0]["member"], "wan")
        self.assertIn("2 events", body["title"])
        self.assertIn("info wan: manual_pin", body["message"])
        self.assertEqual(body["node"], socket.gethostname()[:63])
        st = wait_for(lambda: (lambda s: s if s["sent"] == 1 else None)(self.notify(d)))
        self.assertEqual(st["events"], 2)
        self.assertEqual(st["queued"], 0)
        # the URL (a secret) is not shown by the config method
        self.assertEqual(d.call("config")["result"]["main"]["notify_webhook_url"], "***")

    def test_templates(self):
        d = self.daemon()
        cases = [
            ("ntfy", lambda r: (r["headers"]["Content-Type"].startswith("text/plain")
                                and r["headers"]["Title"].startswith("Starfail ")
                                and b"manual_pin" in r["body"])),
            ("discord", lambda r: "manual_pin" in json.loads(r["body"])["content"]
             and json.loads(r["body"])["username"] == "Starfail"),
            ("telegram", lambda r: json.loads(r["body"])["chat_id"] == "-100123"
             and "manual_pin" in json.loads(r["body"])["text"]),
            ("pushover", lambda r: (lambda f: f["token"] == ["tok1"] and f["user"] == ["usr1"]
                                    and "manual_pin" in f["message"][0])(urllib.parse.parse_qs(r["body"].decode()))),
        ]
        for fmt, check in cases:
            self.srv.requests.clear()
            d.write_config(config(self.srv.url, f"""	option notify_webhook_format '{fmt}'
	option notify_telegram_chat_id '-100123'
	option notify_webhook_token 'tok1'
	option notify_webhook_user 'usr1'
"""))
            self.assertTrue(d.call("reload")["result"]["reloaded"])
            d.call("failover", {"member": "wan"})
            self.assertTrue(wait_for(lambda: self.srv.requests), fmt)
            self.assertTrue(check(self.srv.requests[0]), (fmt, self.srv.requests[0]))
            d.call("restore")
            wait_for(lambda: len(self.srv.requests) >= 2)

    def test_rate_limit(self):
        d = self.daemon("\toption notify_rate_per_hour '2'\n\toption notify_debounce_ms '0'\n")
        for _ in range(2):
            d.call("failover", {"member": "wan"})
            time.sleep(0.2)
            d.call("restore")
            time.sleep(0.2)
        st = wait_for(lambda: (lambda s: s if s["sent"] == 2 and s["dropped_rate"] == 2 else None)(self.notify(d)))
        self.assertIsNotNone(st, self.notify(d))
        time.sleep(0.5)			# and nothing more comes
        self.assertEqual(len(self.srv.requests), 2)
        self.assertEqual(self.notify(d)["sent"], 2)

    def test_retry_after_500(self):
        self.srv.mode, self.srv.fail_n = "fail_first", 2
        d = self.daemon()
        d.call("failover", {"member": "wan"})
        st = wait_for(lambda: (lambda s: s if s["sent"] == 1 else None)(self.notify(d)), timeout=8)
        self.assertIsNotNone(st, self.notify(d))
        self.assertEqual(len(self.srv.requests), 3)
        self.assertEqual(st["retried"], 2)
        self.assertIn("500", st["last_error"])
        gaps = [b["t"] - a["t"] for a, b in zip(self.srv.requests, self.srv.requests[1:])]
        self.assertGreater(gaps[0], 0.8)		# 1 s, then 2 s
        self.assertGreater(gaps[1], 1.7)
        self.assertEqual(self.srv.requests[0]["body"], self.srv.requests[2]["body"])

    def test_hang_times_out_and_loop_answers(self):
        self.srv.mode = "hang"
        # the server hangs 4 s; 2 s leaves the polls below room on a loaded machine
        d = self.daemon("\toption notify_retries '0'\n\toption notify_timeout_ms '2000'\n")
        d.call("failover", {"member": "wan"})
        self.assertTrue(wait_for(lambda: self.srv.requests))
        for _ in range(5):		# while the server hangs: the API answers at once
            t0 = time.time()
            self.assertEqual(self.notify(d)["state"], "sending")
            self.assertLess(time.time() - t0, 0.3)
            time.sleep(0.1)
        st = wait_for(lambda: (lambda s: s if s["failed"] == 1 else None)(self.notify(d)), timeout=5)
        self.assertIsNotNone(st, self.notify(d))
        m = re.search(r"timed out after (\d+) milliseconds", st["last_error"])
        self.assertIsNotNone(m, st["last_error"])
        self.assertGreaterEqual(int(m[1]), 2000)	# curl's own figure: when its timer ran
        self.assertLess(int(m[1]), 3500)
        self.assertEqual(st["state"], "idle")

    def test_redirects_forever(self):
        self.srv.mode = "redirect"
        d = self.daemon("\toption notify_retries '0'\n")
        d.call("failover", {"member": "wan"})
        st = wait_for(lambda: (lambda s: s if s["failed"] == 1 else None)(self.notify(d)), timeout=5)
        self.assertIsNotNone(st, self.notify(d))
        self.assertIn("redirect", st["last_error"].lower())
        self.assertEqual(len(self.srv.requests), 4)	# the POST and 3 redirects

    def test_ten_megabyte_reply(self):
        self.srv.mode = "big"
        d = self.daemon()
        rss0 = d.call("status")["result"]["memory"]["rss_kb"]
        d.call("failover", {"member": "wan"})
        st = wait_for(lambda: (lambda s: s if s["sent"] == 1 else None)(self.notify(d)), timeout=5)
        self.assertIsNotNone(st, self.notify(d))	# a 2xx came: delivered, the rest refused
        self.assertTrue(wait_for(lambda: self.srv.big_cut, timeout=5), "the reply was read to its end")
        self.assertFalse(self.srv.big_done)
        rss1 = d.call("status")["result"]["memory"]["rss_kb"]
        self.assertLess(rss1 - rss0, 4096)
        self.assertEqual(len(self.srv.requests), 1)

    def test_nothing_listening(self):
        self.srv.shutdown()
        self.srv.server_close()
        d = self.daemon("\toption notify_retries '1'\n")
        d.call("failover", {"member": "wan"})
        st = wait_for(lambda: (lambda s: s if s["failed"] == 1 else None)(self.notify(d)), timeout=6)
        self.assertIsNotNone(st, self.notify(d))
        self.assertTrue(st["last_error"])
        self.assertEqual(st["retried"], 1)


class Hooks(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sf-hooks-")
        self.addCleanup(shutil.rmtree, self.dir)

    def hook(self, name, text):
        p = os.path.join(self.dir, name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, 0o755)
        return p

    def test_environment_and_order(self):
        out = os.path.join(self.dir, "out")
        self.hook("10-env", f"#!/bin/sh\necho \"$1|$STARFAIL_EVENT|$STARFAIL_REASON|$STARFAIL_MEMBER|"
                            f"$STARFAIL_TO|$STARFAIL_NODE|$STARFAIL_MESSAGE\" >> {out}\n")
        self.hook("20-second", f"#!/bin/sh\necho second >> {out}\n")
        self.hook("30-not-executable", "#!/bin/sh\necho no >> /dev/null\n")
        os.chmod(os.path.join(self.dir, "30-not-executable"), 0o644)
        self.hook("40-fails", "#!/bin/sh\necho broken >&2\nexit 3\n")
        d = Daemon(config("", hooks=self.dir))
        self.addCleanup(stop_clean, self, d)
        d.call("failover", {"member": "wan"})
        self.assertTrue(wait_for(lambda: os.path.exists(out) and "second" in read(out)))
        lines = read(out).splitlines()
        self.assertEqual(lines[0], "info|info|manual_pin|wan|wan|%s|info wan: manual_pin" % socket.gethostname()[:63])
        st = wait_for(lambda: (lambda s: s if s["hooks_failed"] == 1 else None)(d.call("status")["result"]["notify"]))
        self.assertIsNotNone(st)
        self.assertEqual(st["hooks_run"], 2)
        self.assertIn("exited 3", st["hook_error"])
        self.assertIn("broken", st["hook_error"])

    def test_hook_that_never_exits(self):
        pidfile = os.path.join(self.dir, "pid")
        self.hook("10-hang", f"#!/bin/sh\necho $$ > {pidfile}\nexec sleep 600\n")
        d = Daemon(config("", hooks=self.dir, extra="\toption notify_hook_timeout_ms '500'\n"))
        self.addCleanup(stop_clean, self, d)
        d.call("failover", {"member": "wan"})
        self.assertTrue(wait_for(lambda: os.path.exists(pidfile) and read(pidfile).strip()))
        pid = int(read(pidfile))
        t0 = time.time()
        d.call("version")	# the loop answers while the hook runs
        self.assertLess(time.time() - t0, 0.3)
        st = wait_for(lambda: (lambda s: s if s["hooks_timed_out"] == 1 else None)(d.call("status")["result"]["notify"]),
                      timeout=5)
        self.assertIsNotNone(st)
        self.assertIn("timed out", st["hook_error"])
        self.assertTrue(wait_for(lambda: not os.path.exists(f"/proc/{pid}"), timeout=3),
                        "the hook's process is gone")


if __name__ == "__main__":
    unittest.main(verbosity=2)
