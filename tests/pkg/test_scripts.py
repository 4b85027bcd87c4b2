#!/usr/bin/python3
"""The package's scripts, run with stand-ins that record what they were asked
(tests/pkg/stubs: rc.common with procd's functions, logger, uci) against the
real starfaild (--dry-run): the init script (the `file` list, triggers,
reload delivering SIGHUP only on a change, a broken config), the hotplug
script (fast, bounded, even with a hung daemon), the uci-defaults script
(fills the shipped template from mwan3, never touches an edited config),
the postinst, and the ACL against the API's methods. Run by ctest
(pkg_scripts)."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
FILES = os.path.join(SRC, "package", "openwrt", "files")
STUBS = os.path.join(HERE, "stubs")
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
from sfdaemon import STARFAILCTL, STARFAILD, api_call, read  # noqa: E402


def config(sock, extra=""):
    return """
config starfail 'main'
	option api_socket '%s'
	option poll_interval_ms '1500'
%s
config member 'wan'
	option device 'sfp-wan0'
	option interface 'wan'
	list probe_targets '192.0.2.1'
""" % (sock, extra)


class Root:
    """A stand-in root: etc/config, the init/hotplug/uci-defaults copies with
    their absolute paths pointed into it, the stubs first on PATH."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sf-pkg-")
        for d in ("etc/config", "etc/capabilities", "usr/share/starfail", "sbin", "state"):
            os.makedirs(os.path.join(self.dir, d))
        self.log = os.path.join(self.dir, "calls.log")
        self.sock = os.path.join(self.dir, "starfail.sock")
        self.conf = self.path("etc/config/starfail")
        open(self.log, "w").close()
        # the daemon as procd would run it, but dry-run and logging to stderr too
        self.prog = self.path("sbin/starfaild")
        with open(self.prog, "w") as f:
            f.write('#!/bin/sh\nexec %s --dry-run "$@"\n' % os.path.abspath(STARFAILD))
        os.chmod(self.prog, 0o755)
        self.env = dict(os.environ, SF_PKG_LOG=self.log, SF_PKG_STATE=self.path("state"),
                        STARFAIL_ROOT=self.dir, PATH=STUBS + ":" + os.environ["PATH"])

    def path(self, rel):
        return os.path.join(self.dir, rel)

    def script(self, name, subst):
        text = read(os.path.join(FILES, name))
        for a, b in subst:
            text = text.replace(a, b)
        out = self.path(name)
        with open(out, "w") as f:
            f.write(text)
        os.chmod(out, 0o755)
        return out

    def calls(self):
        with open(self.log) as f:
            return f.read().splitlines()

    def cleanup(self):
        shutil.rmtree(self.dir)


class InitScript(unittest.TestCase):
    def setUp(self):
        self.r = Root()
        self.init = self.r.script("starfail.init", [
            ("/usr/sbin/starfaild", self.r.prog), ("/etc/", self.r.path("etc") + "/"),
            ("/sbin/ujail", self.r.path("sbin/ujail"))])
        self.write(config(self.r.sock))

    def tearDown(self):
        self.rc("stop")
        self.r.cleanup()

    def write(self, text):
        with open(self.r.conf, "w") as f:
            f.write(text)

    def rc(self, action):
        t0 = time.monotonic()
        p = subprocess.run(["sh", os.path.join(STUBS, "rc.common"), self.init, action],
                           env=self.r.env, timeout=30)
        return p.returncode, time.monotonic() - t0

    def status(self, wait_s=5.0):
        deadline = time.monotonic() + wait_s
        while True:
            try:
                r = api_call(self.r.sock, "status", timeout=2)
                if r:
                    return r["result"]
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.fail("no daemon answering:\n" + "\n".join(self.r.calls()))
            time.sleep(0.05)

    def wait_reloads(self, n, failed=0):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            c = self.status()["config"]
            if (c["reloads"], c["failed_reloads"]) == (n, failed):
                return
            time.sleep(0.05)
        self.fail("reloads %s, wanted %d/%d" % (self.status()["config"], n, failed))

    def test_start_reload_stop(self):
        self.rc("start")
        calls = self.r.calls()
        self.assertIn("set_param file %s %s %s" % (self.r.conf, self.r.path("etc/config/mwan3"),
                                                   self.r.path("etc/config/network")), calls)
        self.assertIn("set_param reload_signal HUP", calls)
        self.assertIn("set_param respawn 3600 5 5", calls)
        self.assertIn("set_param stdout 1", calls)
        self.assertIn("set_param stderr 1", calls)
        self.assertIn("set_param command %s -config %s -syslog" % (self.r.prog, self.r.conf), calls)
        self.assertIn("reload_trigger starfail mwan3 network", calls)
        self.assertIn("procd: start", calls)
        self.assertFalse([c for c in calls if c.startswith("set_param capabilities")])
        self.assertEqual(self.status()["config"]["reloads"], 0)

        # nothing changed: procd sees the same instance, no signal
        self.rc("reload")
        self.assertEqual(self.r.calls()[-1], "procd: unchanged")
        self.wait_reloads(0)

        # `uci commit starfail` changes the file: the reload is a SIGHUP
        self.write(config(self.r.sock, "\toption log_level 'debug'\n"))
        self.rc("reload")
        self.assertEqual(self.r.calls()[-1], "procd: signal HUP")
        self.wait_reloads(1)
        self.assertEqual(self.status()["log_level"], "debug")

        # so does a change of mwan3's config
        with open(self.r.path("etc/config/mwan3"), "w") as f:
            f.write("config globals 'globals'\n")
        self.rc("reload")
        self.assertEqual(self.r.calls()[-1], "procd: signal HUP")
        self.wait_reloads(2)

        # a broken config: logged, the daemon keeps running with the old one
        self.write(config(self.r.sock, "\toption poll_interval_ms 'often'\n"))
        self.rc("reload")
        calls = self.r.calls()
        self.assertEqual(calls[-1], "procd: signal HUP")
        self.assertTrue([c for c in calls if c.startswith("logger") and "poll_interval_ms" in c], calls)
        self.assertTrue([c for c in calls if "keeps its old one" in c])
        self.wait_reloads(2, failed=1)
        self.assertEqual(self.status()["log_level"], "debug")

        self.rc("stop")
        self.assertEqual(self.r.calls()[-1], "procd: stop")
        with self.assertRaises(OSError):
            api_call(self.r.sock, "status", timeout=1)

    def test_broken_config_does_not_start(self):
        self.write(config(self.r.sock, "\toption poll_interval_ms 'often'\n"))
        self.rc("start")
        calls = self.r.calls()
        self.assertIn("procd: no instance sent", calls)
        self.assertNotIn("procd: start", calls)
        self.assertTrue([c for c in calls if c.startswith("logger") and "poll_interval_ms" in c], calls)

    def test_capabilities_where_ujail_is(self):
        shutil.copy(os.path.join(FILES, "starfail.capabilities.json"),
                    self.r.path("etc/capabilities/starfail.json"))
        with open(self.r.path("sbin/ujail"), "w") as f:
            f.write("#!/bin/sh\n")
        os.chmod(self.r.path("sbin/ujail"), 0o755)
        self.rc("start")
        self.assertIn("set_param capabilities " + self.r.path("etc/capabilities/starfail.json"),
                      self.r.calls())
        caps = json.loads(read(os.path.join(FILES, "starfail.capabilities.json")))
        for k in ("bounding", "effective", "ambient", "permitted", "inheritable"):
            self.assertEqual(set(caps[k]), {"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_CHOWN"}, k)


class Hotplug(unittest.TestCase):
    # netifd runs hotplug scripts one at a time; the requests themselves take
    # >= 1 s against a hung daemon, so 0.5 s still tells a script that waits
    BOUND_S = 0.5

    def setUp(self):
        self.r = Root()
        # starfailctl behind a shim that writes each call's arguments to
        # calls.log before it runs and "done ..." after, so the test sees which
        # requests the script makes and when each has finished
        ctl = self.r.path("sbin/starfailctl")
        with open(ctl, "w") as f:
            f.write('#!/bin/sh\necho "starfailctl $*" >> "$SF_PKG_LOG"\n%s "$@"\nrc=$?\n'
                    'echo "done $*" >> "$SF_PKG_LOG"\nexit $rc\n' % os.path.abspath(STARFAILCTL))
        os.chmod(ctl, 0o755)
        self.hp = self.r.script("starfail.hotplug", [("/usr/sbin/starfailctl", ctl)])
        self.d = None

    def ctl_calls(self):
        """The starfailctl requests so far, as their last argument (the method)."""
        return [c.split()[-1] for c in self.r.calls() if c.startswith("starfailctl ")]

    def ctl_done(self):
        return [c.split()[-1] for c in self.r.calls() if c.startswith("done ")]

    def tearDown(self):
        if self.d:
            self.d.send_signal(signal.SIGCONT)
            self.d.terminate()
            self.d.wait(10)
        self.r.cleanup()

    def start_daemon(self):
        with open(self.r.conf, "w") as f:
            f.write(config(self.r.sock))
        self.d = subprocess.Popen([STARFAILD, "--dry-run", "-config", self.r.conf],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if api_call(self.r.sock, "version", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        self.fail("daemon did not start")

    def requests(self):
        return api_call(self.r.sock, "status")["result"]["api"]["requests"]

    def hotplug(self, action, iface="wan"):
        env = dict(self.r.env, ACTION=action, INTERFACE=iface, STARFAIL_SOCKET=self.r.sock)
        t0 = time.monotonic()
        p = subprocess.run(["sh", self.hp], env=env, timeout=10, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        dt = time.monotonic() - t0
        self.assertEqual(p.returncode, 0)
        self.assertEqual(p.stdout + p.stderr, b"")
        return dt

    def test_events_reach_the_daemon(self):
        self.start_daemon()
        for action in ("ifup", "ifdown", "ifupdate"):
            before = self.requests()    # counts itself
            self.assertLess(self.hotplug(action), self.BOUND_S)
            # discover first (netifd's state), then recheck, once each: both done
            deadline = time.monotonic() + 5
            while len(self.ctl_done()) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(self.ctl_calls(), ["discover", "recheck"], action)
            self.assertEqual(self.ctl_done(), ["discover", "recheck"], action)
            # the daemon counted them: 2 more than this status call
            self.assertEqual(self.requests() - before, 3, action)
            open(self.r.log, "w").close()
        # mwan3track's and netifd's other events: nothing sent
        for action in ("connected", "disconnected", "ifup-failed", "free", "iflink"):
            before = self.requests()
            self.hotplug(action)
            time.sleep(0.2)
            self.assertEqual(self.requests() - before, 1, action)
            self.assertEqual(self.ctl_calls(), [], action)

    def test_bounded_with_daemon_down_or_hung(self):
        self.assertLess(self.hotplug("ifup"), self.BOUND_S)     # no socket at all
        self.start_daemon()
        self.d.send_signal(signal.SIGSTOP)
        for _ in range(3):
            self.assertLess(self.hotplug("ifup"), self.BOUND_S)
        # the background requests give up by themselves (-t 1000 each, two in
        # a row per event): gone within a few seconds, with the daemon still stopped
        deadline = time.monotonic() + 6
        while True:
            ps = subprocess.run(["pgrep", "-f", "starfailctl -s %s" % self.r.sock],
                                stdout=subprocess.PIPE).stdout.split()
            if not ps or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(ps, [], "starfailctl still waiting on a hung daemon")


class UciDefaults(unittest.TestCase):
    MWAN3 = """
config interface 'wan'
	option enabled '1'
config interface 'mob1s1a1'
	option enabled '1'
config interface 'wanb'
	option enabled '0'
config interface 'nodev'
	option enabled '1'
config member 'wan_m1_w3'
	option interface 'wan'
	option metric '1'
config member 'mob_m2'
	option interface 'mob1s1a1'
	option metric '2'
config member 'mob_m5'
	option interface 'mob1s1a1'
	option metric '5'
"""
    NETWORK = """
config interface 'wan'
	option device 'eth1'
	option proto 'dhcp'
config interface 'mob1s1a1'
	option ifname 'wwan0'
	option proto 'qmi'
config interface 'wanb'
	option device 'eth2'
"""

    def setUp(self):
        self.r = Root()
        self.script = self.r.script("starfail.uci-defaults", [])
        shutil.copy(os.path.join(FILES, "starfail.config"), self.r.conf)
        shutil.copy(os.path.join(FILES, "starfail.config"),
                    self.r.path("usr/share/starfail/starfail.config"))

    def tearDown(self):
        self.r.cleanup()

    def run_it(self):
        p = subprocess.run(["sh", self.script], env=self.r.env, timeout=20)
        self.assertEqual(p.returncode, 0)   # 0: uci-defaults deletes the script
        return read(self.r.conf)

    def check(self, text):
        p = subprocess.run([STARFAILD, "--check-config", "-config", self.r.conf],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.assertEqual(p.returncode, 0, p.stdout.decode() + text)

    def test_fills_the_template_from_mwan3(self):
        for name, text in (("mwan3", self.MWAN3), ("network", self.NETWORK)):
            with open(self.r.path("etc/config/" + name), "w") as f:
                f.write(text)
        text = self.run_it()
        members = re.findall(r"config member '(\w+)'", text)
        self.assertEqual(members, ["wan", "mob1s1a1"])
        self.assertIn("option device 'eth1'", text)
        self.assertIn("option device 'wwan0'", text)
        self.assertRegex(text, r"config member 'mob1s1a1'\n(\t.*\n)*\toption priority '2'")
        self.assertNotIn("starlink", text)          # the template's members are gone
        self.assertIn("option controller 'route'", text)    # main kept
        self.assertTrue([c for c in self.r.calls() if "nodev has no device" in c])
        self.check(text)
        # once filled it is no longer the template: a second run changes nothing
        self.assertEqual(self.run_it(), text)

    def test_edited_config_is_never_touched(self):
        for name, text in (("mwan3", self.MWAN3), ("network", self.NETWORK)):
            with open(self.r.path("etc/config/" + name), "w") as f:
                f.write(text)
        with open(self.r.conf, "a") as f:
            f.write("\nconfig member 'mine'\n\toption device 'eth9'\n")
        before = read(self.r.conf)
        self.assertEqual(self.run_it(), before)
        self.assertFalse([c for c in self.r.calls() if c.startswith("uci delete") or
                          c.startswith("uci batch")])

    def test_nothing_found_keeps_the_template(self):
        before = read(self.r.conf)
        self.assertEqual(self.run_it(), before)


class PackageRecipe(unittest.TestCase):
    def makefile(self):
        return read(os.path.join(SRC, "package", "openwrt", "Makefile"))

    def script_of(self, name):
        m = re.search(r"define Package/starfail/%s\n(.*?)\nendef" % name, self.makefile(), re.S)
        return m.group(1).replace("$$", "$")

    def run_postinst(self, name, instroot, rpcd_running):
        r = Root()
        try:
            rpcd = r.path("sbin/rpcd.init")
            with open(rpcd, "w") as f:
                f.write('#!/bin/sh\necho "rpcd $1" >>"$SF_PKG_LOG"\n[ "$1" != running ] || %s\n'
                        % ("true" if rpcd_running else "false"))
            os.chmod(rpcd, 0o755)
            text = self.script_of(name).replace("/etc/init.d/rpcd", rpcd)
            env = dict(r.env)
            if instroot:
                env["IPKG_INSTROOT"] = r.path("image")
            p = subprocess.run(["sh", "-c", text], env=env, timeout=10)
            self.assertEqual(p.returncode, 0)
            return r.calls()
        finally:
            r.cleanup()

    def test_postinst_makes_rpcd_see_the_plugin(self):
        for name in ("postinst", "postrm"):
            self.assertEqual(self.run_postinst(name, False, True), ["rpcd running", "rpcd restart"])
            self.assertEqual(self.run_postinst(name, False, False), ["rpcd running"])
            self.assertEqual(self.run_postinst(name, True, True), [])   # image build

    def test_install_and_depends(self):
        mk = self.makefile()
        for src, dst in (("starfail.init", "/etc/init.d/starfail"),
                         ("starfail.hotplug", "/etc/hotplug.d/iface/90-starfail"),
                         ("starfail.uci-defaults", "/etc/uci-defaults/90-starfail"),
                         ("starfail.acl.json", "/usr/share/rpcd/acl.d/starfail.json"),
                         ("starfail.capabilities.json", "/etc/capabilities/starfail.json"),
                         ("starfail.config", "/usr/share/starfail/starfail.config"),
                         ("starfail.config", "/etc/config/starfail")):
            self.assertRegex(mk, r"\./files/%s \$\(1\)%s" % (re.escape(src), re.escape(dst)))
            self.assertTrue(os.path.exists(os.path.join(FILES, src)))
        self.assertIn("$(LN) /usr/sbin/starfailctl $(1)/usr/libexec/rpcd/starfail", mk)
        self.assertRegex(mk, r"conffiles\n/etc/config/starfail\nendef")
        # each library of an optional feature only with that feature
        self.assertIn("+STARFAIL_STARLINK:libnghttp2 +STARFAIL_STARLINK:libprotobuf-c", mk)
        self.assertIn("-DSF_STARLINK=$(if $(CONFIG_STARFAIL_STARLINK),ON,OFF)", mk)
        # size (docs/DEPLOYMENT.md): help texts a choice, off by default; LTO
        self.assertIn("-DSF_HELP_TEXT=$(if $(CONFIG_STARFAIL_HELP_TEXT),ON,OFF)", mk)
        self.assertRegex(mk, r"config STARFAIL_HELP_TEXT\n(\t.*\n)*\tdefault n\n")
        self.assertRegex(mk, r"\nPKG_BUILD_FLAGS:=.*\blto\b")
        cm = read(os.path.join(SRC, "CMakeLists.txt")) + \
            read(os.path.join(SRC, "cmake", "starlink.cmake"))
        self.assertIn('option(SF_STARLINK', cm)
        self.assertIn("pkg_check_modules(NGHTTP2", cm)


class Acl(unittest.TestCase):
    def test_read_and_write_methods(self):
        acl = json.loads(read(os.path.join(FILES, "starfail.acl.json")))["starfail"]
        reads = set(acl["read"]["ubus"]["starfail"])
        writes = set(acl["write"]["ubus"]["starfail"])
        listed = set(json.loads(subprocess.run([STARFAILCTL, "list"], stdout=subprocess.PIPE,
                                               check=True).stdout))
        self.assertEqual(reads | writes, listed)
        self.assertEqual(reads & writes, set())
        # the write part is exactly the API's mutating methods
        src = read(os.path.join(SRC, "src", "api_methods.c"))
        mutating = set(re.findall(r'\{ "(\w+)", m_\w+, true \}', src))
        self.assertEqual(writes, mutating)
        self.assertEqual(acl["read"]["uci"], ["starfail"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
