"""cdp.py - Debian's headless Chromium driven over the DevTools protocol on a
pipe (--remote-debugging-pipe: commands on fd 3, replies and events on fd 4,
each message JSON ended by a NUL byte). Standard library only (tests).

  b = Browser(profile_dir)          # starts chromium, opens one page
  b.navigate(url); b.eval("document.title"); b.screenshot(path)
  b.wait_for("expr", timeout_s)     # polls a JS expression until truthy
  b.dialogs                         # native dialogs (alert...) that opened
  b.exceptions                      # uncaught page exceptions
  b.close()
"""
import base64
import json
import os
import select
import shutil
import subprocess
import time


def chromium_path():
    return shutil.which("chromium") or shutil.which("chromium-browser")


class CDPError(RuntimeError):
    pass


class Browser:
    def __init__(self, profile, width=1280, height=900):
        exe = chromium_path()
        if not exe:
            raise CDPError("chromium not installed")
        to_child_r, self._w = os.pipe()      # our commands -> chromium fd 3
        self._r, from_child_w = os.pipe()    # chromium fd 4 -> our replies

        # chromium wants the pipe as fds 3 and 4: bash puts them there (a
        # preexec_fn's dup2 would be undone by close_fds; dash takes only
        # one-digit fds in a redirection)
        shim = 'exec "$0" "$@" 3<&%d 4>&%d' % (to_child_r, from_child_w)
        self.proc = subprocess.Popen(
            ["bash", "-c", shim, exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", "--disable-features=Translate,MediaRouter", "--hide-scrollbars",
             "--user-data-dir=" + profile, "--remote-debugging-pipe", "--window-size=%d,%d" % (width, height),
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(os.path.join(profile, "stderr.log"), "w"),
            pass_fds=(to_child_r, from_child_w), close_fds=True)
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._id = 0
        self.dialogs = []
        self.exceptions = []
        self.console = []
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Runtime"):
            self.send(domain + ".enable")
        self.viewport(width, height)

    def _read_message(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("no message from chromium in time")
            r, _, _ = select.select([self._r], [], [], left)
            if r:
                chunk = os.read(self._r, 1 << 20)
                if not chunk:
                    raise CDPError("chromium closed its pipe (exit %s)" % self.proc.poll())
                self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def _event(self, m):
        method = m.get("method")
        if method == "Page.javascriptDialogOpening":
            self.dialogs.append(m["params"].get("message"))
            self.send("Page.handleJavaScriptDialog", {"accept": False}, wait=False)
        elif method == "Runtime.exceptionThrown":
            d = m["params"]["exceptionDetails"]
            self.exceptions.append((d.get("exception") or {}).get("description") or d.get("text"))
        elif method == "Runtime.consoleAPICalled" and m["params"].get("type") in ("error", "warning"):
            self.console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in m["params"]["args"]))

    def send(self, method, params=None, session=True, wait=True, timeout_s=30):
        self._id += 1
        mid = self._id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        if not wait:
            return None
        deadline = time.monotonic() + timeout_s
        while True:
            m = self._read_message(deadline)
            if m.get("id") == mid:
                if "error" in m:
                    raise CDPError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            if "method" in m:
                self._event(m)

    def pump(self, seconds):
        """Reads events for a while (dialogs, exceptions)."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                m = self._read_message(deadline)
                if "method" in m:
                    self._event(m)
        except CDPError as e:
            if "in time" not in str(e):
                raise

    def viewport(self, width, height, mobile=False, dark=False):
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        self.send("Emulation.setEmulatedMedia",
                  {"features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})

    def set_cookie(self, url, name, value):
        self.send("Network.setCookie", {"url": url, "name": name, "value": value})

    def navigate(self, url):
        self.send("Page.navigate", {"url": url})

    def eval(self, expr, timeout_s=30):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True},
                      timeout_s=timeout_s)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise CDPError("page: %s" % ((d.get("exception") or {}).get("description") or d.get("text")))
        return r["result"].get("value")

    def wait_for(self, expr, timeout_s, what=None):
        """Polls expr every 100 ms until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout_s
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.eval(expr)
            except CDPError as e:
                last = str(e)
                if "context" not in last:     # a navigation in between: try again
                    raise
                last = None
            if last:
                return last
            time.sleep(0.1)
        raise CDPError("timed out after %s s waiting for %s (last: %r)" % (timeout_s, what or expr, last))

    def screenshot(self, path, full_page=True):
        params = {"format": "png"}
        if full_page:
            m = self.send("Page.getLayoutMetrics")
            size = m.get("cssContentSize") or m["contentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        data = self.send("Page.captureScreenshot", params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.send("Browser.close", session=False, wait=False)
        except OSError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._r, self._w):
            try:
                os.close(fd)
            except OSError:
                pass
