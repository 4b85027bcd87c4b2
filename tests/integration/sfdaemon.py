"""Helpers to run the real starfaild and talk to its real API socket (tests only).

Standard library only; run with Debian's /usr/bin/python3.
"""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time

BUILD = os.environ.get("SF_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
STARFAILD = os.path.join(BUILD, "starfaild")
STARFAILCTL = os.path.join(BUILD, "starfailctl")

# starfaild in a network namespace of its own: NETNS_WRAPPER % (more setup
# commands, a command prefix for starfaild, the starfaild path)
NETNS_WRAPPER = """#!/bin/sh
# starfaild in a network namespace of its own (gone when it exits): a veth
# pair up, one end with an IPv4 address and a default route, nothing else.
exec unshare -n sh -c 'set -e
ip link set lo up
ip link add sft-d0 type veth peer name sft-d1
ip link set sft-d1 up
ip link set sft-d0 up
ip addr add 192.0.2.2/24 dev sft-d0
ip route add default dev sft-d0
%s
exec %s "$0" "$@"' "%s" "$@"
"""


def read(path):
    with open(path) as f:
        return f.read()


def kill_pidfile(path):
    """SIGKILL the process whose pid a stand-in wrote to path (a hanging one
    the daemon left behind); nothing when there is none."""
    try:
        os.kill(int(read(path)), 9)
    except (OSError, ValueError):
        pass


def write_atomic(path, text):
    """Replace a stand-in's control file whole (written aside, then renamed):
    a stand-in the daemon runs at any moment must never read it half written."""
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def wait_for(fn, timeout=10.0, step=0.05):
    """fn() every step seconds until it returns something true, for at most
    timeout seconds: that value, else fn()'s value at the deadline."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return fn()


def assert_clean_exit(test, rc, log):
    """A daemon's end as the tests want it: exit status 0, no sanitizer report."""
    test.assertNotIn("Sanitizer", log, log[-4000:])
    test.assertEqual(rc, 0, "starfaild exit status; log:\n" + log[-2000:])


def api_call(path, method, params=None, timeout=5.0, raw=None):
    """One request over the unix socket; returns the parsed reply object."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
    except OSError:
        s.close()
        raise
    if raw is None:
        req = {"method": method}
        if params is not None:
            req["params"] = params
        raw = json.dumps(req).encode()
    try:
        s.sendall(raw)
    except (BrokenPipeError, ConnectionResetError):
        pass
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    s.close()
    return json.loads(data.decode()) if data else None


class Daemon:
    """A starfaild process with its own config file and socket in a temp dir."""

    def __init__(self, config_text, extra_args=(), dry_run=True, owner=None, **popen_kw):
        """owner: uid (and gid) that gets the temp dir, for a daemon run as
        another user; popen_kw: extra subprocess.Popen arguments (user, group,
        extra_groups, preexec_fn)."""
        self.dir = tempfile.mkdtemp(prefix="sf-test-")
        os.chmod(self.dir, 0o755)
        if owner is not None:
            os.chown(self.dir, owner, owner)
        self.config = os.path.join(self.dir, "starfail")
        self.sock = os.path.join(self.dir, "starfail.sock")
        self.log = os.path.join(self.dir, "daemon.log")
        self.write_config(config_text)
        args = [STARFAILD, "-config", self.config, "-socket", self.sock, "-log-level", "debug"]
        if dry_run:
            args.append("--dry-run")
        args += list(extra_args)
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen(args, stdout=self.logf, stderr=subprocess.STDOUT, **popen_kw)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("starfaild exited %d:\n%s" % (self.proc.returncode, self.read_log()))
            try:
                if api_call(self.sock, "version"):
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("starfaild did not answer:\n" + self.read_log())

    def write_config(self, text):
        with open(self.config, "w") as f:
            f.write(text)

    def call(self, method, params=None, **kw):
        return api_call(self.sock, method, params, **kw)

    def call_until(self, method, ok, timeout=3.0):
        """The first reply to method that ok(reply) accepts, else the last one:
        for what the daemon does on its next loop pass (closed clients freed)."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.call(method)
            if ok(r) or time.monotonic() > deadline:
                return r
            time.sleep(0.05)

    def read_log(self):
        with open(self.log) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        return self.proc.returncode

    def finish(self):
        """Stop (SIGTERM), read the log, remove the files: (exit status, log)."""
        rc = self.stop()
        log = self.read_log()
        self.cleanup()
        return rc, log

    def cleanup(self):
        self.stop()
        for name in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, name))
        os.rmdir(self.dir)
