#!/usr/bin/python3
"""netsvc.py - the lab's "internet" services and the matching client probes.

Runs inside the lab's inet namespace (labctl.py starts it), where every
address of 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24 is local, so
any of them can serve as a probe target:

  TCP 80, 443  reads the request, answers "HTTP/1.1 200 OK" with the body
               "src=<address the request came from>" and closes. Plain TCP,
               not TLS: enough for TCP-connect and HTTP-ish health probes,
               and shows which uplink's NATed address reached the internet.
  UDP 53       minimal DNS: every A/IN question gets 192.0.2.1 (TTL 60), other
               types an empty NOERROR; malformed queries FORMERR or nothing.
  UDP 7        echo (payload <= 2048 bytes), for UDP RTT probes.
  TCP 9        discard (throughput sink).
  TCP 19       source: sends zeros as fast as the peer reads, for throughput.

Client subcommands (run them in the lan or router namespace):
  whoami HOST [--port 443]       prints the source address inet saw
  rx HOST [--port 19] [--seconds 3]   prints received kbit/s
  tx HOST [--port 9] [--seconds 3]    prints sent (acknowledged) kbit/s
  dns SERVER NAME                prints the A record

Every input is treated as hostile: sizes are capped, connections are capped
(256) and time out, malformed DNS never raises. Standard library only, one
selectors loop, no threads.
"""

import argparse
import errno
import fcntl
import selectors
import signal
import socket
import struct
import sys
import termios
import time

MAX_CONNS = 256
REQ_MAX_BYTES = 4096
IDLE_TIMEOUT_S = 10.0
STREAM_MAX_S = 120.0
CHUNK_BYTES = 65536
DNS_ANSWER = bytes([192, 0, 2, 1])
IP_PKTINFO = 8                   # linux/in.h; not exported by Python's socket module


def log(msg):
    print("netsvc: " + msg, file=sys.stderr, flush=True)


class Stop(Exception):
    """Raised by the signal handler: leaves the loop at once."""


class Conn:
    """One accepted TCP connection and what it is for."""

    def __init__(self, sock, kind, peer):
        self.sock = sock
        self.kind = kind            # "http", "discard", "source"
        self.peer = peer
        self.started = time.monotonic()
        self.last = self.started
        self.req = b""
        self.out = b""


class Server:
    def __init__(self, args):
        self.sel = selectors.DefaultSelector()
        self.conns = {}
        self.counts = {"http": 0, "dns": 0, "echo": 0, "discard": 0,
                       "source": 0, "refused": 0, "dns_bad": 0}
        self.zeros = bytes(CHUNK_BYTES)
        for port in args.http_ports:
            self._listen_tcp(port, "http")
        self._listen_tcp(args.discard_port, "discard")
        self._listen_tcp(args.source_port, "source")
        self._bind_udp(args.dns_port, "dns")
        self._bind_udp(args.echo_port, "echo")

    def _listen_tcp(self, port, kind):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port))
        s.listen(64)
        s.setblocking(False)
        self.sel.register(s, selectors.EVENT_READ, ("listen", kind))

    def _bind_udp(self, port, kind):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # every target address is local here; replies must come from the
        # address the query went to, or the router's NAT will not match them
        s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
        s.bind(("0.0.0.0", port))
        s.setblocking(False)
        self.sel.register(s, selectors.EVENT_READ, ("udp", kind))

    def run(self):
        log("ready tcp=http,discard,source udp=dns,echo")
        try:
            self._loop()
        except Stop:
            pass
        log("counters " + " ".join("%s=%d" % kv for kv in sorted(self.counts.items())))

    def _loop(self):
        while True:
            for key, mask in self.sel.select(timeout=1.0):
                role, kind = key.data if isinstance(key.data, tuple) else ("conn", None)
                try:
                    if role == "listen":
                        self._accept(key.fileobj, kind)
                    elif role == "udp":
                        self._udp(key.fileobj, kind)
                    else:
                        self._conn_event(key.data, mask)
                except OSError as e:
                    if role == "conn":
                        self._close(key.data)
                    elif e.errno not in (errno.EAGAIN, errno.ECONNABORTED):
                        log("error=%s role=%s kind=%s" % (e, role, kind))
            self._expire()

    def _accept(self, lsock, kind):
        sock, peer = lsock.accept()
        if len(self.conns) >= MAX_CONNS:
            self.counts["refused"] += 1
            sock.close()
            return
        sock.setblocking(False)
        c = Conn(sock, kind, peer)
        self.conns[sock.fileno()] = c
        self.counts[kind] += 1
        events = selectors.EVENT_WRITE if kind == "source" else selectors.EVENT_READ
        self.sel.register(sock, events, c)

    def _conn_event(self, c, mask):
        c.last = time.monotonic()
        if c.kind == "source":
            if mask & selectors.EVENT_WRITE:
                c.sock.send(self.zeros)
            return
        if mask & selectors.EVENT_READ:
            data = c.sock.recv(CHUNK_BYTES)
            if not data:
                self._close(c)
                return
            if c.kind == "http" and not c.out:
                c.req += data[:REQ_MAX_BYTES - len(c.req)]
                if b"\r\n\r\n" in c.req or b"\n\n" in c.req or len(c.req) >= REQ_MAX_BYTES:
                    body = ("src=%s\n" % c.peer[0]).encode()
                    c.out = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                             b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)) + body
                    self.sel.modify(c.sock, selectors.EVENT_WRITE, c)
        if mask & selectors.EVENT_WRITE and c.out:
            n = c.sock.send(c.out)
            c.out = c.out[n:]
            if not c.out:
                self._close(c)

    def _close(self, c):
        if self.conns.pop(c.sock.fileno(), None) is not None:
            self.sel.unregister(c.sock)
            c.sock.close()

    def _expire(self):
        now = time.monotonic()
        for c in list(self.conns.values()):
            if now - c.last > IDLE_TIMEOUT_S or now - c.started > STREAM_MAX_S:
                self._close(c)

    def _udp(self, sock, kind):
        for _ in range(64):
            try:
                data, anc, _, peer = sock.recvmsg(2048, socket.CMSG_SPACE(12))
            except BlockingIOError:
                return
            if kind == "echo":
                self.counts["echo"] += 1
                reply = data
            else:
                reply = dns_reply(data)
                if reply is None:
                    self.counts["dns_bad"] += 1
                    continue
                self.counts["dns"] += 1
            local = b"\0\0\0\0"
            for level, ctype, cdata in anc:
                if level == socket.IPPROTO_IP and ctype == IP_PKTINFO and len(cdata) >= 12:
                    local = cdata[8:12]         # header destination address
            pktinfo = struct.pack("=I4s4s", 0, local, b"\0\0\0\0")
            sock.sendmsg([reply], [(socket.IPPROTO_IP, IP_PKTINFO, pktinfo)], 0, peer)


def dns_parse_question(data):
    """Returns (qname_end_offset, qtype, qclass) or None if malformed."""
    off = 12
    total = 0
    while True:
        if off >= len(data):
            return None
        n = data[off]
        if n & 0xC0:             # no compression in a question we accept
            return None
        off += 1
        if n == 0:
            break
        total += n + 1
        if n > 63 or total > 255 or off + n > len(data):
            return None
        off += n
    if off + 4 > len(data):
        return None
    qtype, qclass = struct.unpack_from("!HH", data, off)
    return off + 4, qtype, qclass


def dns_reply(data):
    """Builds the answer to one DNS query, or None to stay silent."""
    if len(data) < 12 or len(data) > 512:
        return None
    qid, flags, qd, an, ns, ar = struct.unpack_from("!HHHHHH", data)
    if flags & 0x8000:           # a response: never answer (no loops)
        return None
    opcode = (flags >> 11) & 0xF
    rd = flags & 0x0100
    base = 0x8000 | (opcode << 11) | 0x0400 | rd | 0x0080   # QR AA RD RA
    if opcode != 0:
        return struct.pack("!HHHHHH", qid, base | 4, 0, 0, 0, 0)       # NOTIMP
    q = dns_parse_question(data) if qd == 1 else None
    if q is None:
        return struct.pack("!HHHHHH", qid, base | 1, 0, 0, 0, 0)       # FORMERR
    end, qtype, qclass = q
    question = data[12:end]
    if qclass == 1 and qtype in (1, 255):
        answer = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + DNS_ANSWER
        return struct.pack("!HHHHHH", qid, base, 1, 1, 0, 0) + question + answer
    return struct.pack("!HHHHHH", qid, base, 1, 0, 0, 0) + question


def dns_query(name):
    labels = [x for x in name.strip(".").split(".") if x]
    if not labels or any(len(x) > 63 for x in labels):
        raise ValueError("bad DNS name %r" % name)
    q = b"".join(bytes([len(x)]) + x.encode("ascii") for x in labels) + b"\0"
    return struct.pack("!HHHHHH", 0x5354, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", 1, 1)


def cmd_serve(args):
    srv = Server(args)

    def on_signal(signum, frame):
        raise Stop()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    srv.run()
    return 0


def cmd_whoami(args):
    with socket.create_connection((args.host, args.port), timeout=args.timeout) as s:
        s.sendall(b"GET / HTTP/1.0\r\nHost: lab\r\n\r\n")
        resp = b""
        while len(resp) < REQ_MAX_BYTES:
            chunk = s.recv(4096)
            if not chunk:
                break
            resp += chunk
    for line in resp.decode("ascii", "replace").splitlines():
        if line.startswith("src="):
            print(line[4:])
            return 0
    print("netsvc: no src= line in reply from %s:%d" % (args.host, args.port), file=sys.stderr)
    return 1


def cmd_stream(args, sending):
    total = 0
    with socket.create_connection((args.host, args.port), timeout=args.timeout) as s:
        t0 = time.monotonic()
        deadline = t0 + args.seconds
        buf = bytes(CHUNK_BYTES)
        while True:
            now = time.monotonic()
            if now >= deadline:
                break
            s.settimeout(max(0.05, deadline - now))
            try:
                n = s.send(buf) if sending else len(s.recv(CHUNK_BYTES))
            except socket.timeout:
                continue
            if n == 0:
                break
            total += n
        elapsed = time.monotonic() - t0
        if sending:
            # bytes still in the send queue (unsent or unacked) never arrived
            outq = fcntl.ioctl(s.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
            total = max(0, total - struct.unpack("i", outq)[0])
    print("bytes=%d seconds=%.3f kbit_s=%.1f" % (total, elapsed, total * 8 / 1000 / elapsed))
    return 0


def cmd_dns(args):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(args.timeout)
        s.sendto(dns_query(args.name), (args.server, 53))
        data, _ = s.recvfrom(2048)
    if len(data) < 12 + 16 or struct.unpack_from("!H", data, 6)[0] < 1:
        print("netsvc: no answer for %s" % args.name, file=sys.stderr)
        return 1
    print(socket.inet_ntoa(data[-4:]))
    return 0


def main(argv):
    ap = argparse.ArgumentParser(description="Lab internet services and probes")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sv = sub.add_parser("serve", help="run the inet services")
    sv.add_argument("--http-ports", type=lambda t: [int(x) for x in t.split(",")], default=[80, 443])
    sv.add_argument("--dns-port", type=int, default=53)
    sv.add_argument("--echo-port", type=int, default=7)
    sv.add_argument("--discard-port", type=int, default=9)
    sv.add_argument("--source-port", type=int, default=19)
    for name, port in (("whoami", 443), ("rx", 19), ("tx", 9)):
        p = sub.add_parser(name)
        p.add_argument("host")
        p.add_argument("--port", type=int, default=port)
        p.add_argument("--timeout", type=float, default=3.0)
        if name != "whoami":
            p.add_argument("--seconds", type=float, default=3.0)
    d = sub.add_parser("dns")
    d.add_argument("server")
    d.add_argument("name")
    d.add_argument("--timeout", type=float, default=2.0)
    args = ap.parse_args(argv)
    try:
        if args.cmd == "serve":
            return cmd_serve(args)
        if args.cmd == "whoami":
            return cmd_whoami(args)
        if args.cmd in ("rx", "tx"):
            return cmd_stream(args, args.cmd == "tx")
        return cmd_dns(args)
    except (OSError, ValueError) as e:
        print("netsvc: %s: %s" % (args.cmd, e), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
