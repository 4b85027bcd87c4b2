#!/usr/bin/python3
"""timeline_sample.py - the sample picture of docs/ (timeline.svg, .png): the
real daemon (--dry-run) on stand-in uplinks (standin.py) through about a
minute and a half of made-up trouble, drawn by `starfailctl timeline` and
rendered by headless Chromium. Needs root; run under the lab lock:

  SF_BUILD=build flock /tmp/sf-lab.lock tests/integration/timeline_sample.py docs/timeline
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import standin  # noqa: E402
from sfdaemon import STARFAILCTL  # noqa: E402

MAIN = {"poll_interval_ms": 500, "standby_interval_ms": 1000, "probe_timeout_ms": 600,
        "min_uptime_ms": 2000, "restore_window_ms": 8000, "cooldown_ms": 5000, "fail_window_ms": 1500,
        "latency_ok_ms": 60, "latency_bad_ms": 300}


def main(out):
    s = standin.StandInDaemon([("starlink", {"priority": 1}), ("lte", {"priority": 2})], MAIN)
    try:
        s.set("starlink", delay_ms=35)
        s.set("lte", delay_ms=60)
        steps = [(15, "starlink", {"delay_ms": 90}), (5, "starlink", {"delay_ms": 40}),
                 (10, "starlink", {"answer": False}), (8, "starlink", {"answer": True}),
                 (22, "lte", {"delay_ms": 140}), (6, "starlink", {"delay_ms": 420}),
                 (12, "starlink", {"delay_ms": 45}), (20, None, {})]
        for wait_s, member, change in steps:
            time.sleep(wait_s)
            if member:
                s.set(member, **change)
        svg = out + ".svg"
        subprocess.run([STARFAILCTL, "-s", s.d.sock, "timeline", "--since", "10m", "--svg", svg], check=True)
    finally:
        s.cleanup()
    root = ET.parse(svg).getroot()
    tmp = tempfile.mkdtemp(prefix="chromium-")
    try:
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--user-data-dir=" + tmp, "--hide-scrollbars",
                        "--window-size=%s,%d" % (root.get("width"), int(float(root.get("height")))),
                        "--screenshot=" + os.path.abspath(out + ".png"), "file://" + os.path.abspath(svg)],
                       check=True, capture_output=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "timeline")
