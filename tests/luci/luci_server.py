"""luci_server.py - a small stand-in for the router's uhttpd + rpcd, enough
to load the LuCI app's views in a real browser (tests only, standard library).

  /luci-static/resources/...   the app's htdocs first, then LuCI's own client
                               framework (../shared/luci-base, never copied)
  /cgi-bin/luci/admin/services/starfail/<page>
                               the page as LuCI's header.ut + view.ut make it:
                               cbi.js, luci.js, `L = new LuCI({...})` with the
                               session, the menu node (satisfied / readonly
                               from the app's menu.d and the session's ACL),
                               then ui.instantiateView('starfail/<page>')
  POST /ubus/...               uhttpd's JSON-RPC: `list`, `call` with
                               [session, object, method, args], batches.
                               session.login / session.access as rpcd does;
                               every other call checked against the
                               session's ACL (-32002 Access denied as uhttpd
                               says it); `uci get` reads the daemon's config
                               file, `uci set` is staged in memory;
                               `starfail` calls run the real rpcd plugin
                               `starfailctl call METHOD` with the arguments
                               (plus ubus_rpc_session) on stdin.
  POST /cgi-bin/luci/admin/uci/apply_rollback, apply_unchecked, confirm
                               what luci-base's controller admin/uci.uc and
                               rpcd's `uci apply` / `uci confirm` do: the
                               staged changes written to the file, procd's
                               reload trigger (on_apply: the daemon gets
                               SIGHUP, as its init script asks), a rollback
                               token; without a confirm within rollback_s
                               the old file comes back and on_apply runs
                               again. Status codes as admin/uci.uc maps
                               rpcd's: 200 {token}, 204 nothing to apply or
                               nothing to confirm, 403 a wrong token.
                               rollback_s is the test's (real LuCI: >= 90 s).

The ACL comes from the app's acl.d file, the logins from a dict shaped like
/etc/config/rpcd's `config login` (read / write lists of group patterns).
"""
import fnmatch
import html
import http.server
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration"))
from sfdaemon import write_atomic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
APP = os.path.join(REPO, "package", "luci-app-starfail")

# what luci-base's own ACL grants every LuCI login (luci-base.json, abridged)
BASE_ACL = {"luci-base": {"read": {"ubus": {"luci": ["getFeatures"], "file": ["list"], "session": ["access"],
                                            "uci": ["changes", "get"]}, "uci": ["luci"]},
                          "write": {"ubus": {"uci": ["add", "apply", "confirm", "delete", "order", "rename", "set"]}}}}

LOGINS = {
    "root": {"password": "admin", "read": ["*"], "write": ["*"]},
    "viewer": {"password": "viewer", "read": ["luci-base", "luci-app-starfail"], "write": []},
}

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Starfail - LuCI</title>
<style>
/* a minimal stand-in for a LuCI theme: light and dark, the modal overlay */
body{font:14px/1.45 sans-serif;margin:0;padding:0 1em 2em;background:#fff;color:#222}
@media (prefers-color-scheme:dark){body{background:#1c1e21;color:#e4e6eb}.modal{background:#2a2d31!important}}
header{padding:.6em 0;border-bottom:1px solid #8884;margin-bottom:.5em;font-weight:bold}
.cbi-button{font:inherit;padding:.3em .8em;border:1px solid #8888;border-radius:4px;background:#8881;color:inherit;cursor:pointer}
.cbi-button-positive{background:#1b7a34;color:#fff}
#modal_overlay{display:none;position:fixed;inset:0;background:rgba(0,0,0,.55);z-index:900;overflow:auto}
body.modal-overlay-active #modal_overlay{display:block}
.modal{background:#fff;max-width:560px;margin:12vh auto;padding:1em 1.2em;border-radius:6px}
.right{text-align:right}
#indicators{float:right;font-weight:normal;font-size:90%%}
</style>
<script src="/luci-static/resources/cbi.js"></script>
</head><body class="lang_en" data-page="admin-services-starfail-%(page)s">
<header>OpenWrt <span id="indicators"></span></header>
<div id="maincontent">
<script src="/luci-static/resources/luci.js?v=test"></script>
<script>L = new LuCI(%(env)s);</script>
<div id="view"><div class="spinning">Loading view…</div>
<script>L.require('ui').then(function(ui) { ui.instantiateView(%(view)s); });</script>
</div></div></body></html>
"""


def uci_quote(v):
    return "'" + str(v).replace("'", "'\\''") + "'"


def uci_set_text(text, changes):
    """text with every staged `uci set` (section, {option: value}) written in:
    the option's line replaced in its section, else added at the section's end."""
    lines = text.splitlines()
    for sec, vals in changes:
        start = None
        for i, line in enumerate(lines):
            w = line.split()
            if w[:1] == ["config"] and len(w) > 2 and w[2].strip("'\"") == sec:
                start = i
                break
        if start is None:
            lines += ["", "config starfail " + uci_quote(sec)] if sec == "main" else ["", "config member " + uci_quote(sec)]
            start = len(lines) - 1
        end = start + 1
        while end < len(lines) and not lines[end].split()[:1] == ["config"]:
            end += 1
        for k, v in vals.items():
            new = "\toption %s %s" % (k, uci_quote(v))
            for i in range(start + 1, end):
                if lines[i].split()[:2] == ["option", k]:
                    lines[i] = new
                    break
            else:
                while end > start + 1 and not lines[end - 1].strip():
                    end -= 1
                lines.insert(end, new)
                end += 1
    return "\n".join(lines) + "\n"


def parse_uci(text):
    """The sections of a UCI file as rpcd's `uci get` returns them (quoted values, as the tests write them)."""
    import shlex
    values, cur, idx = {}, None, 0
    for line in text.splitlines():
        w = shlex.split(line, comments=True)
        if not w:
            continue
        if w[0] == "config":
            name = w[2] if len(w) > 2 else "cfg%02x" % idx
            cur = values[name] = {".anonymous": len(w) < 3, ".type": w[1], ".name": name, ".index": idx}
            idx += 1
        elif cur is not None and w[0] == "option" and len(w) > 2:
            cur[w[1]] = w[2]
        elif cur is not None and w[0] == "list" and len(w) > 2:
            cur.setdefault(w[1], []).append(w[2])
    return values


class Acl:
    def __init__(self, path=os.path.join(APP, "root", "usr", "share", "rpcd", "acl.d", "luci-app-starfail.json")):
        with open(path) as f:
            self.groups = dict(BASE_ACL, **json.load(f))

    def grants(self, login):
        """The (scope, object, function) a login's session holds, as rpcd builds them."""
        g = set()
        for name, group in self.groups.items():
            for mode in ("read", "write"):
                if not any(fnmatch.fnmatchcase(name, pat) for pat in login[mode]):
                    continue
                g.add(("access-group", name, mode))
                sec = group.get(mode, {})
                for obj, methods in sec.get("ubus", {}).items():
                    for m in methods:
                        g.add(("ubus", obj, m))
                for conf in sec.get("uci", []):
                    g.add(("uci", conf, mode))
        return g


class LuciServer:
    def __init__(self, luci_base, starfailctl, sock, uci_path, poll_interval_s=2, on_apply=None, rollback_s=8):
        self.luci_base = luci_base
        self.starfailctl = starfailctl
        self.sock = sock                  # the daemon's socket; the test may point it elsewhere
        self.poll_interval_s = poll_interval_s
        self.acl = Acl()
        with open(os.path.join(APP, "root", "usr", "share", "luci", "menu.d", "luci-app-starfail.json")) as f:
            self.menu = json.load(f)
        self.uci_path = uci_path          # the daemon's config, what `uci get starfail` shows
        self.uci_changes = []             # (op, section, values) staged by `uci set`
        self.no_object = False            # the test's switch: rpcd without the starfail object
        self.on_apply = on_apply or (lambda: None)   # procd's reload trigger for the package
        self.rollback_s = rollback_s
        self.rollback = None              # {token, until, backup, timer} while an apply waits for its confirm
        self.unreachable = False          # the test's switch: no confirm gets through (the admin cut off)
        self.applies = []                 # "apply" | "confirm" | "rollback", in order
        self.sessions = {}
        self.calls = []                   # (object, method, outcome) of every ubus call, for the test
        self.lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                server.get(self)

            def do_POST(self):
                server.post(self)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        with self.lock:
            if self.rollback:
                self.rollback["timer"].cancel()
                self.rollback = None
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- sessions and ACL ------------------------------------------------
    def login(self, user, password):
        login = LOGINS.get(user)
        if not login or login["password"] != password:
            return None
        sid = secrets.token_hex(16)
        with self.lock:
            self.sessions[sid] = {"user": user, "grants": self.acl.grants(login), "expires": time.time() + 300}
        return sid

    def session(self, sid):
        with self.lock:
            s = self.sessions.get(sid)
            if s and s["expires"] < time.time():
                del self.sessions[sid]
                s = None
            return s

    def expire(self, sid):
        with self.lock:
            self.sessions.pop(sid, None)

    def nodespec(self, s, page):
        node = dict(self.menu["admin/services/starfail/" + page])
        acls = node.get("depends", {}).get("acl", [])
        groups = {(o, f) for sc, o, f in s["grants"] if sc == "access-group"}
        node["satisfied"] = all((a, "read") in groups or (a, "write") in groups for a in acls)
        node["readonly"] = not any((a, "write") in groups for a in acls)
        return node

    # --- HTTP --------------------------------------------------------------
    def reply(self, h, code, body, ctype="text/plain; charset=utf-8", headers=()):
        data = body if isinstance(body, bytes) else body.encode()
        h.send_response(code)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        h.send_header("Cache-Control", "no-cache")
        for k, v in headers:
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def get(self, h):
        path = urllib.parse.urlsplit(h.path).path
        if path.startswith("/luci-static/resources/"):
            rel = os.path.normpath(path[len("/luci-static/resources/"):])
            if rel.startswith("..") or os.path.isabs(rel):
                return self.reply(h, 403, "no")
            for root in (os.path.join(APP, "htdocs", "luci-static", "resources"),
                         os.path.join(self.luci_base, "luci-static", "resources")):
                f = os.path.join(root, rel)
                if os.path.isfile(f):
                    ctype = {".js": "application/javascript", ".svg": "image/svg+xml",
                             ".css": "text/css"}.get(os.path.splitext(f)[1], "application/octet-stream")
                    with open(f, "rb") as fh:
                        return self.reply(h, 200, fh.read(), ctype)
            return self.reply(h, 404, "not found")
        prefix = "/cgi-bin/luci/admin/services/starfail/"
        if path.startswith(prefix) and path[len(prefix):] in ("status", "settings"):
            page = path[len(prefix):]
            sid = None
            for part in (h.headers.get("Cookie") or "").split(";"):
                k, _, v = part.strip().partition("=")
                if k == "sysauth_http":
                    sid = v
            s = self.session(sid) if sid else None
            if not s:
                return self.reply(h, 403, "<p>Login required</p>", "text/html; charset=utf-8",
                                  [("X-LuCI-Login-Required", "yes")])
            env = {"media": "/luci-static/bootstrap", "resource": "/luci-static/resources",
                   "scriptname": "/cgi-bin/luci", "pathinfo": "/admin/services/starfail/" + page,
                   "documentroot": "/www", "requestpath": ["admin", "services", "starfail", page],
                   "dispatchpath": ["admin", "services", "starfail", page],
                   "pollinterval": self.poll_interval_s, "ubuspath": "/ubus/", "sessionid": sid,
                   "token": secrets.token_hex(16), "nodespec": self.nodespec(s, page),
                   "apply_rollback": self.rollback_s, "apply_holdoff": 1, "apply_timeout": 5, "apply_display": 1.5,
                   "rollback_token": None}
            text = PAGE % {"page": html.escape(page), "env": json.dumps(env).replace("/", "\\/"),
                           "view": json.dumps("starfail/" + page)}
            return self.reply(h, 200, text, "text/html; charset=utf-8")
        return self.reply(h, 404, "not found")

    def post(self, h):
        url = urllib.parse.urlsplit(h.path)
        path = url.path
        if path.startswith("/cgi-bin/luci/admin/uci/"):
            q = dict(urllib.parse.parse_qsl(url.query))
            return self.uci_action(h, path.rsplit("/", 1)[1], q)
        if not path.startswith("/ubus"):
            return self.reply(h, 404, "not found")
        n = int(h.headers.get("Content-Length") or 0)
        try:
            req = json.loads(h.rfile.read(n) or b"null")
        except ValueError:
            return self.reply(h, 200, json.dumps(self.error(None, -32700, "Parse error")), "application/json")
        if isinstance(req, list):
            out = [self.rpc(r) for r in req]
        else:
            out = self.rpc(req)
        self.reply(h, 200, json.dumps(out), "application/json")

    # --- luci-base admin/uci.uc over rpcd's uci apply / confirm ------------
    def uci_action(self, h, action, q):
        if action == "confirm":
            with self.lock:
                rb = self.rollback
                if self.unreachable:        # what a browser cut off sees: no answer
                    return self.reply(h, 503, "unreachable")
                if not rb:
                    return self.reply(h, 204, "")           # nothing to confirm (or rolled back)
                if q.get("token") != rb["token"]:
                    return self.reply(h, 403, "Permission denied")
                rb["timer"].cancel()
                self.rollback = None
                self.applies.append("confirm")
            return self.reply(h, 200, "OK")
        if action not in ("apply_rollback", "apply_unchecked"):
            return self.reply(h, 404, "not found")
        s = self.session(q.get("sid"))
        if not s or ("ubus", "uci", "apply") not in s["grants"]:
            return self.reply(h, 403, "Permission denied")
        with self.lock:
            if self.rollback:                       # rpcd: one apply waits for its confirm at a time
                return self.reply(h, 403, "Permission denied")
            if not self.uci_changes:
                return self.reply(h, 204, "")
            backup = self.read_conf()
            write_atomic(self.uci_path, uci_set_text(backup, [(sec, vals) for _, sec, vals in self.uci_changes]))
            self.uci_changes = []
            self.applies.append("apply")
            token = None
            if action == "apply_rollback":
                token = secrets.token_hex(16)
                timer = threading.Timer(self.rollback_s, self.roll_back, (token,))
                timer.daemon = True
                self.rollback = {"token": token, "backup": backup, "timer": timer}
                timer.start()
        self.on_apply()
        if token:
            return self.reply(h, 200, json.dumps({"token": token}), "application/json; charset=UTF-8")
        return self.reply(h, 204, "")

    def read_conf(self):
        with open(self.uci_path) as f:
            return f.read()

    def roll_back(self, token):
        with self.lock:
            rb = self.rollback
            if not rb or rb["token"] != token:
                return
            write_atomic(self.uci_path, rb["backup"])
            self.rollback = None
            self.applies.append("rollback")
        try:
            self.on_apply()
        except OSError:             # the daemon already gone (the test is ending)
            pass

    # --- uhttpd's ubus JSON-RPC ------------------------------------------
    @staticmethod
    def error(rid, code, msg):
        return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": msg}}

    @staticmethod
    def result(rid, status, data=None):
        return {"jsonrpc": "2.0", "id": rid, "result": [status] if data is None else [status, data]}

    def rpc(self, r):
        if not isinstance(r, dict) or r.get("jsonrpc") != "2.0" or not isinstance(r.get("method"), str):
            return self.error(None, -32600, "Invalid request")
        rid, params = r.get("id"), r.get("params")
        if r["method"] == "list":
            sig = json.loads(subprocess.run([self.starfailctl, "list"], capture_output=True, text=True,
                                            timeout=10).stdout)
            return {"jsonrpc": "2.0", "id": rid, "result": {"starfail": sig}}
        if r["method"] != "call" or not isinstance(params, list) or len(params) != 4:
            return self.error(rid, -32601, "Method not found")
        sid, obj, method, args = params
        if not isinstance(args, dict):
            return self.error(rid, -32602, "Invalid params")
        if obj == "session" and method == "login" and sid == "0" * 32:
            new = self.login(args.get("username"), args.get("password"))
            if not new:
                return self.result(rid, 6)
            return self.result(rid, 0, {"ubus_rpc_session": new, "timeout": 300})
        s = self.session(sid)
        if not s or ("ubus", obj, method) not in s["grants"]:
            self.calls.append((obj, method, "denied"))
            return self.error(rid, -32002, "Access denied")
        if obj == "session" and method == "access":
            return self.result(rid, 0, {"access": (args.get("scope", "ubus"), args.get("object"),
                                                   args.get("function")) in s["grants"]})
        if obj == "luci" and method == "getFeatures":
            return self.result(rid, 0, {})
        if obj == "file" and method == "list":
            return self.result(rid, 0, {"entries": []})
        if obj == "uci":
            return self.uci(rid, s, method, args)
        if obj != "starfail" or self.no_object:
            return self.result(rid, 4)
        return self.starfail(rid, method, dict(args, ubus_rpc_session=sid))

    def uci(self, rid, s, method, args):
        """rpcd's uci object on the daemon's config file: get, and set/changes staged in memory."""
        conf = args.get("config")
        mode = "read" if method in ("get", "changes") else "write"
        if ("uci", conf, mode) not in s["grants"]:
            return self.result(rid, 6)
        if conf != "starfail":      # luci's own config: nothing in it matters here
            return self.result(rid, 0, {"values": {}} if method == "get" else None)
        if method == "get":
            with open(self.uci_path) as f:
                values = parse_uci(f.read())
            for _, sec, vals in self.uci_changes:
                values.setdefault(sec, {}).update(vals)
            return self.result(rid, 0, {"values": values})
        if method == "set" and isinstance(args.get("values"), dict):
            with self.lock:
                self.uci_changes.append(("set", args.get("section"), args["values"]))
            return self.result(rid, 0)
        if method == "changes":
            return self.result(rid, 0, {"changes": {"starfail": [
                ["set", sec, k, v] for _, sec, vals in self.uci_changes for k, v in vals.items()]}})
        return self.result(rid, 8)

    def starfail(self, rid, method, args):
        """The rpcd exec plugin: `starfail call METHOD`, args on stdin, the first JSON object of stdout."""
        try:
            p = subprocess.run([self.starfailctl, "-s", self.sock, "call", method], input=json.dumps(args),
                               capture_output=True, text=True, timeout=10)
        except subprocess.TimeoutExpired:
            self.calls.append(("starfail", method, "timeout"))
            return self.result(rid, 7)
        try:
            reply = json.JSONDecoder().raw_decode(p.stdout.lstrip())[0]
        except ValueError:
            self.calls.append(("starfail", method, "no data"))
            return self.result(rid, 5)
        if not isinstance(reply, dict):
            return self.result(rid, 2)
        self.calls.append(("starfail", method, "error" if "error" in reply else "ok"))
        return self.result(rid, 0, reply)
