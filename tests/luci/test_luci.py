#!/usr/bin/python3
"""test_luci.py - luci-app-starfail in a real browser, against the real daemon.

The real starfaild (--dry-run) runs in a network namespace on stand-in
uplinks (tests/integration/standin.py: veth pairs, a DNS answerer in a
second namespace, a blackhole per uplink on demand). luci_server.py stands
in for uhttpd + rpcd: LuCI's own client framework from ../shared/luci-base
(SF_LUCI_BASE; never copied into the repo), the app's htdocs, and /ubus
speaking uhttpd's JSON-RPC with the app's ACL, each starfail call run
through the real rpcd plugin (starfailctl call METHOD). Debian's headless
Chromium loads the pages (cdp.py) and the test asserts what a user sees:
the active uplink, each member's state and reason, a switch after the
primary is blackholed, the timeline, a hostile interface name shown as
text; an admin fails over and restores with a confirmation; the daemon
gone is said in words while the page keeps polling; a read-only login has
no actions and a forced call is refused; an expired session is said.

Screenshots go to $SF_BUILD/luci-artefacts/. Exit 77 (skipped, with the
reason printed) without root, network namespaces, chromium or luci-base.

  SF_BUILD=build flock /tmp/sf-lab.lock tests/luci/test_luci.py
"""
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import cdp  # noqa: E402
import luci_server  # noqa: E402
import sfdaemon  # noqa: E402
import standin  # noqa: E402

HOSTILE = "<img src=x onerror=alert(1)>"
MAIN = {"poll_interval_ms": 500, "standby_interval_ms": 1000, "probe_timeout_ms": 600, "min_uptime_ms": 1000,
        "restore_window_ms": 60000, "cooldown_ms": 3000, "fail_window_ms": 1500}
MEMBERS = [("wan", {"priority": 1}), ("lte", {"priority": 2, "class": "cellular"}),
           ("sat", {"priority": 3, "interface": HOSTILE}), ("spare", {"priority": 4, "enabled": 0})]
POLL_S = 2


def luci_base():
    """LuCI's client framework: $SF_LUCI_BASE, else ../shared/luci-base beside the repo, else /work/shared."""
    cands = [os.environ.get("SF_LUCI_BASE"), os.path.join(os.path.dirname(REPO), "shared", "luci-base"),
             "/work/shared/luci-base"]
    for c in cands:
        if c and os.path.isfile(os.path.join(c, "luci-static", "resources", "luci.js")):
            return c
    return None


def why_skip():
    if not luci_base():
        return ("LuCI's client framework not found (set SF_LUCI_BASE, or put luci-base at %s)"
                % os.path.join(os.path.dirname(REPO), "shared", "luci-base"))
    if not cdp.chromium_path():
        return "chromium not installed (tools/debian-packages.txt)"
    return standin.usable()


class Check:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def __call__(self, cond, what):
        if cond:
            self.passed += 1
            print("  ok   %s" % what)
        else:
            self.failed.append(what)
            print("  FAIL %s" % what)
        return cond


def login(srv, user, password):
    req = {"jsonrpc": "2.0", "id": 1, "method": "call",
           "params": ["0" * 32, "session", "login", {"username": user, "password": password}]}
    r = urllib.request.urlopen(urllib.request.Request(srv.url + "/ubus/", json.dumps(req).encode(),
                                                      {"Content-Type": "application/json"}), timeout=10)
    return json.loads(r.read())["result"][1]["ubus_rpc_session"]


JS_ROWS = """(() => Array.from(document.querySelectorAll('tr.sf-member')).map(r => ({
  member: r.getAttribute('data-member'), state: r.getAttribute('data-state'),
  words: (r.querySelector('.sf-state') || {}).textContent,
  reason: (r.querySelector('.sf-reason') || {}).textContent, text: r.textContent })))()"""
JS_CURRENT = "(document.querySelector('.sf-current') || {}).textContent"
JS_VIEW_TEXT = "(document.getElementById('view') || document.body).innerText"


def open_page(b, srv, sid, page="status"):
    b.set_cookie(srv.url, "sysauth_http", sid)
    b.navigate(srv.url + "/cgi-bin/luci/admin/services/starfail/" + page)
    if page == "status":
        b.wait_for("document.querySelectorAll('tr.sf-member').length == %d" % len(MEMBERS), 20, "the member rows")
    else:
        b.wait_for("!!document.querySelector('.cbi-page-actions') && !!" + JS_POLL_INPUT, 20, "the settings form")


JS_POLL_INPUT = "document.querySelector('[id=\"widget.cbid.starfail.main.poll_interval_ms\"]')"


def set_input(b, expr, value):
    b.eval("(() => { const i = %s; i.value = %s; ['input', 'keyup', 'blur', 'change'].forEach(e => "
           "i.dispatchEvent(new Event(e, {bubbles: true}))); })()" % (expr, json.dumps(value)))


def daemon_main(lab, key):
    return lab.call("config")["result"]["main"][key]


def apply_and_rollback(b, srv, lab, ok):
    """Save & Apply: LuCI's checked apply through admin/uci (the stand-in's
    rpcd): the file written, the daemon re-reads it (SIGHUP, the init
    script's reload), the browser's confirm keeps it. Then one whose confirm
    never arrives: rolled back after the window, and the daemon with it."""
    b.eval("window.sfOldPage = true; document.querySelector('.cbi-page-actions .cbi-button-apply').click()")
    b.wait_for("/Configuration changes applied/.test(document.body.innerText)", 20, "changes applied")
    ok(srv.applies == ["apply", "confirm"], "apply: applied, then confirmed (%r)"
       % srv.applies)
    text = srv.read_conf()
    ok("option poll_interval_ms '1000'" in text and "option priority '5'" in text,
       "apply: the file has poll_interval_ms 1000 and lte's priority 5")
    ok(sfdaemon.wait_for(lambda: daemon_main(lab, "poll_interval_ms") == 1000, 5),
       "apply: the daemon re-read it (poll_interval_ms %s)" % daemon_main(lab, "poll_interval_ms"))
    # then LuCI reloads the page: the form as the file now is
    b.wait_for("!window.sfOldPage && !!" + JS_POLL_INPUT + " && " + JS_POLL_INPUT + ".value == '1000'", 20,
               "the page reloaded")

    srv.unreachable = True
    set_input(b, JS_POLL_INPUT, "2000")
    b.eval("document.querySelector('.cbi-page-actions .cbi-button-apply').click()")
    ok(sfdaemon.wait_for(lambda: daemon_main(lab, "poll_interval_ms") == 2000, 10),
       "unconfirmed apply: in force meanwhile (%s)" % daemon_main(lab, "poll_interval_ms"))
    # the browser gives up confirming at the deadline and waits for the rollback
    b.wait_for("/Failed to confirm apply/.test(document.body.innerText)", srv.rollback_s + 10, "LuCI waiting for the rollback")
    ok(sfdaemon.wait_for(lambda: srv.applies[2:] == ["apply", "rollback"], 5),
       "unconfirmed apply: rolled back (%r)" % srv.applies)
    srv.unreachable = False     # the old config back: the router answers again
    b.wait_for("/have been rolled back/.test(document.body.innerText)", 10, "the rollback said")
    ok("option poll_interval_ms '1000'" in srv.read_conf(), "rollback: the file is the one before")
    ok(sfdaemon.wait_for(lambda: daemon_main(lab, "poll_interval_ms") == 1000, 5),
       "rollback: the daemon re-read it (poll_interval_ms %s)" % daemon_main(lab, "poll_interval_ms"))
    b.eval("Array.from(document.querySelectorAll('.modal button')).filter(x => /Dismiss/.test(x.textContent))"
           ".forEach(x => x.click())")


def settings(b, srv, lab, admin, viewer, art, ok):
    open_page(b, srv, admin, "settings")
    ok(b.eval(JS_POLL_INPUT + ".value") == str(MAIN["poll_interval_ms"]), "settings: the file's poll_interval_ms")
    names = b.eval("Array.from(document.querySelectorAll('.cbi-section-node[id^=\"cbi-starfail-\"]'))"
                   ".map(n => n.id)")
    ok(all("cbi-starfail-" + n for n, _ in MEMBERS), "settings: a section per member: %r" % names)
    hostile = b.eval("document.querySelector('[id=\"widget.cbid.starfail.sat.interface\"]').value")
    ok(hostile == HOSTILE and b.eval("document.querySelectorAll('#view img').length") == 0,
       "settings: the hostile interface is an input's value, not markup")
    set_input(b, JS_POLL_INPUT, "50")
    ok(b.eval(JS_POLL_INPUT + ".classList.contains('cbi-input-invalid')"), "settings: 50 ms refused (200 to 60000)")
    b.screenshot(os.path.join(art, "luci-settings.png"))
    b.eval("document.querySelector('.cbi-page-actions .cbi-button-save').click()")
    time.sleep(1)
    ok(not srv.uci_changes, "settings: a form with 50 ms is not saved (%r)" % srv.uci_changes)
    b.pump(0.2)
    refused = [e for e in b.exceptions if "contains an invalid input value" in (e or "")]
    ok(refused and "between 200 and 60000" in refused[0], "settings: LuCI says why (%s)" % (refused[0].splitlines()[0] if refused else "nothing"))
    b.exceptions[:] = [e for e in b.exceptions if e not in refused]    # LuCI's form rejects the save that way
    set_input(b, JS_POLL_INPUT, "1000")
    set_input(b, "document.querySelector('[id=\"widget.cbid.starfail.lte.priority\"]')", "5")
    b.eval("document.querySelector('.cbi-page-actions .cbi-button-save').click()")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(srv.uci_changes) < 2:
        time.sleep(0.1)
    staged = {(sec, k): v for _, sec, vals in srv.uci_changes for k, v in vals.items()}
    ok(staged.get(("main", "poll_interval_ms")) == "1000" and staged.get(("lte", "priority")) == "5",
       "settings: Save sent uci set main.poll_interval_ms=1000, lte.priority=5 (%r)" % staged)
    apply_and_rollback(b, srv, lab, ok)
    open_page(b, srv, viewer, "settings")
    ok(b.eval(JS_POLL_INPUT + ".disabled") and b.eval("document.querySelector('.cbi-button-save').disabled"),
       "settings: read-only login gets disabled inputs and no Save")


def click_confirm(b, action):
    b.eval("document.querySelector('button[data-action=%s]').click()" % action)
    b.wait_for("document.body.classList.contains('modal-overlay-active')", 5, "the confirmation dialog")


def run(b, srv, lab, art, ok):
    t_start = time.monotonic()
    admin = login(srv, "root", "admin")
    open_page(b, srv, admin)
    print("status page: rows after %.1f s" % (time.monotonic() - t_start))
    b.wait_for(JS_CURRENT + " == 'wan'", 10, "wan active")
    # a few polls so that the timeline has lines
    b.wait_for("document.querySelectorAll('g.series[data-metric=latency_ms][data-member=wan] path')[0]"
               ".getAttribute('d').split('L').length >= 3", 12, "latency line of wan")
    ok(b.eval("document.querySelector('.sf-daemon-state').getAttribute('data-state')") == "ok", "daemon state ok")
    rows = {r["member"]: r for r in b.eval(JS_ROWS)}
    ok(sorted(rows) == sorted(n for n, _ in MEMBERS), "one row per member: %s" % sorted(rows))
    ok(rows["wan"]["words"] == "Good" and "active" in rows["wan"]["text"], "wan: Good, active")
    ok(rows["spare"]["words"] == "Disabled" and rows["spare"]["state"] == "disabled", "spare: Disabled")
    ok("failing: cellular" in rows["lte"]["reason"], "lte's reason says its collector fails: %r" % rows["lte"]["reason"])
    ok(HOSTILE in rows["sat"]["text"], "the hostile interface name is shown as text")
    ok(b.eval("document.querySelectorAll('#view img').length") == 0, "no <img> injected")
    text = b.eval(JS_VIEW_TEXT)
    ok("undefined" not in text and "NaN" not in text, "no undefined/NaN on the page")
    ok(b.eval("document.querySelectorAll('svg.sf-timeline-svg g.band').length") == len(MEMBERS), "a band per member")
    ok(b.eval("document.querySelectorAll('g.band[data-member=wan] rect.active').length") >= 1, "wan's band filled")
    ok(b.eval("!!document.querySelector('button[data-action=failover]')"), "admin sees the fail-over button")
    b.screenshot(os.path.join(art, "luci-status-start.png"))

    # the primary blackholed: the switch appears within a few polls
    lab.set("wan", answer=False)
    t0 = time.monotonic()
    b.wait_for(JS_CURRENT + " == 'lte'", 6 * POLL_S + 6, "lte active after the blackhole")
    took = time.monotonic() - t0
    ok(took < 4 * POLL_S + 4, "switch shown %.1f s after the blackhole (poll %d s)" % (took, POLL_S))
    b.wait_for("!!document.querySelector('li.sf-decision[data-type=switch][data-reason=hard_fail_loss]')", 3 * POLL_S,
               "the switch among the decisions")
    first = b.eval("(() => { const li = document.querySelector('li.sf-decision[data-type=switch]'); return "
                   "{reason: li.getAttribute('data-reason'), text: li.textContent}; })()")
    ok(first["reason"] == "hard_fail_loss" and "Switched from wan to lte" in first["text"], "decision: %r" % first)
    ok("wan stopped answering" in first["text"], "the decision's reason as explain says it")
    why = b.eval("document.querySelector('.sf-current-reason').textContent")
    ok("wan stopped answering" in why, "the summary says why lte carries the traffic: %r" % why[:100])
    rows = {r["member"]: r for r in b.eval(JS_ROWS)}
    ok(rows["wan"]["words"] in ("Down", "Bad"), "wan now %r: %r" % (rows["wan"]["words"], rows["wan"]["reason"]))
    b.wait_for("!!document.querySelector('g.switch[data-reason=hard_fail_loss]')", 2 * POLL_S + 2, "switch marker")
    ok(True, "the timeline marks the switch")
    lab.set("wan", answer=True)

    # admin: fail over to sat with a confirmation, then restore
    click_confirm(b, "failover")
    b.eval("document.querySelector('select.sf-failover-member').value = 'sat'")
    b.screenshot(os.path.join(art, "luci-status-failover-dialog.png"), full_page=False)
    b.eval("document.querySelector('.sf-confirm').click()")
    b.wait_for("/pinned: sat/.test(document.querySelector('.sf-action-result').textContent)", 10, "fail-over result")
    ok(lab.call("status")["result"]["pinned"] == "sat", "the daemon has sat pinned")
    b.wait_for(JS_CURRENT + " == 'sat'", 3 * POLL_S, "sat active")
    ok(b.eval("document.querySelector('.sf-daemon-state').getAttribute('data-state')") == "pinned", "state pinned")
    click_confirm(b, "restore")
    b.eval("document.querySelector('.sf-confirm').click()")
    b.wait_for("/pinned: no/.test(document.querySelector('.sf-action-result').textContent)", 10, "restore result")
    ok(lab.call("status")["result"]["pinned"] is None, "restore: nothing pinned")
    if lab.call("status")["result"]["reason"] == "manual_pin":
        b.wait_for("/pin has been removed/.test(document.querySelector('.sf-current-reason').textContent)", 3 * POLL_S,
                   "the summary says the pin is gone")
    b.wait_for("document.querySelectorAll('g.switch').length >= 3", 3 * POLL_S, "three switch markers")
    b.screenshot(os.path.join(art, "luci-status.png"))

    # the daemon unreachable: said in words, last figures kept, polling goes on
    srv.sock = "/nonexistent/starfail.sock"
    b.wait_for("!document.querySelector('.sf-problem').hidden", 3 * POLL_S, "the problem box")
    problem = b.eval("document.querySelector('.sf-problem').textContent")
    ok("not answering" in problem and "keeps asking" in problem, "daemon gone said in words: %r" % problem[:160])
    ok(len(b.eval(JS_ROWS)) == len(MEMBERS) and b.eval("document.querySelector('.sf-members-wrap.sf-stale') != null"),
       "the last figures stay on the page, marked stale")
    text = b.eval(JS_VIEW_TEXT)
    ok("undefined" not in text and "NaN" not in text, "no undefined/NaN with the daemon gone")
    b.screenshot(os.path.join(art, "luci-status-daemon-down.png"))
    srv.sock = lab.d.sock
    b.wait_for("document.querySelector('.sf-problem').hidden", 3 * POLL_S + 2, "the problem cleared")
    ok(True, "the page recovers by itself once the daemon answers")

    # the daemon hung (stopped): the plugin gives up after 3 s, the page says so
    os.kill(lab.d.proc.pid, signal.SIGSTOP)
    try:
        b.wait_for("/no reply from starfaild/.test(document.querySelector('.sf-problem').textContent)", 4 * POLL_S + 4,
                   "the hung daemon said")
        ok(True, "a hung daemon is said in words")
    finally:
        os.kill(lab.d.proc.pid, signal.SIGCONT)
    b.wait_for("document.querySelector('.sf-problem').hidden", 4 * POLL_S + 4, "the problem cleared")

    # rpcd without the starfail object (package missing, rpcd not restarted)
    srv.no_object = True
    b.wait_for("/no ubus object/.test(document.querySelector('.sf-problem').textContent)", 3 * POLL_S, "no object said")
    ok(True, "rpcd without the starfail object is said in words")
    srv.no_object = False
    b.wait_for("document.querySelector('.sf-problem').hidden", 3 * POLL_S + 2, "the problem cleared")

    # phone-sized, dark
    b.viewport(390, 844, mobile=True, dark=True)
    open_page(b, srv, admin)
    width = b.eval("document.documentElement.scrollWidth")
    ok(width <= 392, "no horizontal scrolling at 390 px (%s px wide)" % width)
    b.screenshot(os.path.join(art, "luci-status-phone-dark.png"))
    b.viewport(1280, 900)

    # read-only login: no actions, a forced call refused
    viewer = login(srv, "viewer", "viewer")
    open_page(b, srv, viewer)
    ok(not b.eval("!!document.querySelector('button[data-action=failover]')"), "read-only: no fail-over button")
    ok("may look but not change" in b.eval("(document.querySelector('.sf-readonly') || {}).textContent || ''"),
       "read-only: the page says why")
    forced = b.eval("L.require('rpc').then(rpc => rpc.declare({object: 'starfail', method: 'failover', "
                    "params: ['member'], reject: true})('lte')).then(r => 'accepted ' + JSON.stringify(r), "
                    "e => 'refused ' + e.message)")
    ok(forced.startswith("refused") and "-32002" in forced, "read-only: a forced failover refused (%s)" % forced.splitlines()[0])
    ok(("starfail", "failover", "denied") in srv.calls, "the refusal came from the ACL")
    ok(lab.call("status")["result"]["pinned"] is None, "nothing pinned by the viewer")
    b.screenshot(os.path.join(art, "luci-status-readonly.png"))

    settings(b, srv, lab, admin, viewer, art, ok)
    open_page(b, srv, viewer)

    # the session expires: LuCI says so (and the page says access denied)
    srv.expire(viewer)
    b.wait_for("/Session expired/.test(document.body.innerText)", 3 * POLL_S + 2, "session expired")
    ok(True, "an expired session is said")

    ok(not b.dialogs, "no native dialog opened (no script from data ran): %r" % b.dialogs)
    ok(not b.exceptions, "no uncaught exception in the page: %r" % b.exceptions[:3])


def main():
    reason = why_skip()
    if reason:
        print("SKIP: " + reason)
        return 77
    art = os.path.join(os.path.abspath(sfdaemon.BUILD), "luci-artefacts")
    os.makedirs(art, exist_ok=True)
    for old in os.listdir(art):
        if old.startswith("luci-") and old.endswith(".png"):
            os.unlink(os.path.join(art, old))
    ok = Check()
    t0 = time.monotonic()
    lab = srv = b = None
    profile = tempfile.mkdtemp(prefix="sf-chromium-")
    try:
        lab = standin.StandInDaemon(MEMBERS, MAIN)
        srv = luci_server.LuciServer(luci_base(), sfdaemon.STARFAILCTL, lab.d.sock, lab.d.config,
                                     poll_interval_s=POLL_S, rollback_s=8,
                                     on_apply=lambda: os.kill(lab.d.proc.pid, signal.SIGHUP))
        b = cdp.Browser(profile)
        run(b, srv, lab, art, ok)
    except Exception:
        traceback.print_exc()
        ok(False, "the test ran to its end")
        if b:
            try:
                b.screenshot(os.path.join(art, "luci-failure.png"))
                print(b.eval(JS_VIEW_TEXT)[:3000])
                print("modal and address at the failure:", b.eval("(document.querySelector('#modal_overlay') || {}).innerText"), b.eval("location.href"))
            except Exception:
                pass
    finally:
        if b:
            b.close()
        if srv:
            srv.close()
        if lab:
            lab.cleanup()
        shutil.rmtree(profile, ignore_errors=True)
    print("screenshots in %s" % art)
    print("%d passed, %d failed (%.1f s)" % (ok.passed, len(ok.failed), time.monotonic() - t0))
    return 1 if ok.failed else 0


if __name__ == "__main__":
    sys.exit(main())
