"""Stand-in uplinks for the real daemon (tests only, standard library).

StandInDaemon runs starfaild --dry-run (sfdaemon.Daemon) in a network
namespace of its own with one veth pair per uplink; the far ends live in a
second namespace where this file, run as a script, answers the daemon's
DNS probes (member `NAME` probes `dns:10.91.N.1:53`). The test steers each
uplink through a small JSON file the server re-reads every 20 ms: answer or
not (a blackhole), answer late (latency). Both namespaces vanish when the
daemon exits; the server exits when its parent is gone or its control file
is removed.

  standin.py CONTROL_FILE PORT...      (the server, inside its namespace)
"""
import json
import os
import select
import shutil
import socket
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sfdaemon  # noqa: E402

WRAPPER = r"""#!/bin/sh
# starfaild in a namespace of its own; its uplinks' far ends in a second one
exec unshare -n sh -c 'set -e
ip link set lo up
unshare -n /usr/bin/python3 %(standin)s %(control)s &
spid=$!
while [ "$(readlink /proc/$spid/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.01; done
i=0
for m in %(members)s; do
  i=$((i + 1))
  ip link add sfx-$i type veth peer name sfy-$i netns /proc/$spid/ns/net
  ip addr add 10.91.$i.2/24 dev sfx-$i
  ip link set sfx-$i up
  nsenter --net=/proc/$spid/ns/net ip addr add 10.91.$i.1/24 dev sfy-$i
  nsenter --net=/proc/$spid/ns/net ip link set sfy-$i up
  ip route add default via 10.91.$i.1 dev sfx-$i metric $((i * 10))
done
nsenter --net=/proc/$spid/ns/net ip link set lo up
exec "$0" "$@"' "%(starfaild)s" "$@"
"""


def serve(control, ports):
    import heapq
    socks = {}
    for p in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", p))
        socks[s.fileno()] = (s, str(p))
    ppid = os.getppid()
    conf, next_read = {}, 0.0
    late = []   # (due, seq, sock, reply, peer): delayed answers
    seq = 0
    while os.getppid() == ppid:
        now = time.monotonic()
        while late and late[0][0] <= now:
            _, _, s, reply, peer = heapq.heappop(late)
            s.sendto(reply, peer)
        if now >= next_read:
            next_read = now + 0.02
            try:
                with open(control) as f:
                    conf = json.load(f)
            except FileNotFoundError:
                return
            except ValueError:
                pass    # half written: keep the old one
        wait = 0.02 if not late else max(0.0, min(0.02, late[0][0] - now))
        r, _, _ = select.select(list(socks), [], [], wait)
        for fd in r:
            s, port = socks[fd]
            data, peer = s.recvfrom(2048)
            c = conf.get(port, {})
            if not c.get("answer", True) or len(data) < 12:
                continue
            # the query back as a response: QR set, opcode QUERY, rcode 0
            reply = data[:2] + bytes([data[2] | 0x80, data[3] & 0xF0]) + data[4:]
            if c.get("delay_ms"):
                seq += 1
                heapq.heappush(late, (time.monotonic() + c["delay_ms"] / 1000.0, seq, s, reply, peer))
            else:
                s.sendto(reply, peer)


class StandInDaemon:
    """starfaild with members (name, {option: value}) on stand-in uplinks.
    Member i (from 1) has device sfx-i and probe target dns:10.91.i.1:53."""

    def __init__(self, members, main_opts):
        self.tmp = tempfile.mkdtemp(prefix="sf-standin-")
        os.chmod(self.tmp, 0o755)
        self.control = os.path.join(self.tmp, "standin.json")
        self.names = [n for n, _ in members]
        self.state = {str(5300 + i + 1): {"answer": True, "delay_ms": 0} for i in range(len(members))}
        self._write()
        wrapper = os.path.join(self.tmp, "starfaild")
        with open(wrapper, "w") as f:
            f.write(WRAPPER % {"standin": os.path.join(HERE, "standin.py"), "control": self.control,
                               "members": " ".join(self.names), "starfaild": os.path.abspath(sfdaemon.STARFAILD)})
        os.chmod(wrapper, 0o755)
        self.members = members
        text = self.config_text(main_opts)
        saved = sfdaemon.STARFAILD
        sfdaemon.STARFAILD = wrapper
        try:
            self.d = sfdaemon.Daemon(text)
        except BaseException:
            self._cleanup_tmp()
            raise
        finally:
            sfdaemon.STARFAILD = saved

    def config_text(self, main_opts):
        text = "config starfail 'main'\n\toption api_socket_mode '0666'\n"
        for k, v in main_opts.items():
            text += "\toption %s '%s'\n" % (k, v)
        for i, (name, opts) in enumerate(self.members, 1):
            text += "\nconfig member '%s'\n\toption device 'sfx-%d'\n" % (name, i)
            text += "\tlist probe_targets 'dns:10.91.%d.1:%d'\n" % (i, 5300 + i)
            for k, v in opts.items():
                text += "\toption %s '%s'\n" % (k, v)
        return text

    def reconfigure(self, main_opts):
        """New main options (the members stay): the config rewritten, `reload`."""
        self.d.write_config(self.config_text(main_opts))
        return self.call("reload")

    def _write(self):
        tmp = self.control + ".new"
        with open(tmp, "w") as f:
            json.dump(self.state, f)
        os.rename(tmp, self.control)

    def set(self, name, answer=None, delay_ms=None):
        c = self.state[str(5300 + self.names.index(name) + 1)]
        if answer is not None:
            c["answer"] = answer
        if delay_ms is not None:
            c["delay_ms"] = delay_ms
        self._write()

    def call(self, method, params=None):
        return self.d.call(method, params)

    def stop(self):
        return self.d.stop()

    def _cleanup_tmp(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def cleanup(self):
        self.d.cleanup()
        self._cleanup_tmp()


def usable():
    """Why this machine cannot run stand-in uplinks, or None."""
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("unshare", "nsenter", "ip"):
        if not shutil.which(tool):
            return "needs " + tool
    return None


if __name__ == "__main__":
    ports = [int(p) for p in sys.argv[2:]] or list(range(5301, 5309))
    serve(sys.argv[1], ports)
