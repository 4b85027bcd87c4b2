#!/usr/bin/env python3
"""gen-linkmon-seeds.py OUTDIR - seed corpus of fuzz/fuzz_linkmon.c from a real
kernel: builds a throw-away network namespace (three veth pairs, IPv4/IPv6
addresses, default routes with and without gateway, a multipath route, a
route of another table), dumps links, addresses and routes over rtnetlink,
and records the event messages (RTM_NEWLINK/DELLINK/NEWADDR/DELADDR/
NEWROUTE/DELROUTE) that changes to it produce. Needs root and iproute2.

Each seed is the harness's format: 2 bytes (big-endian) splitting the rest
into two datagrams, fed as two resyncs; seq and port of every message are
rewritten to what linkmon_feed expects (LINKMON_FEED_SEQ = 1, port 0).
"""
import os
import socket
import struct
import subprocess
import sys
import time

NLMSG_DONE = 3
RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE = 18, 22, 26
NLM_F_REQUEST, NLM_F_DUMP = 1, 0x300
GROUPS = (1 << 0) | (1 << 4) | (1 << 6) | (1 << 8) | (1 << 10)  # LINK, IPV4_IFADDR, IPV4_ROUTE, IPV6_IFADDR, IPV6_ROUTE
NS = "sfseed-%d" % os.getpid()


def sh(*args):
    subprocess.run(["ip", "-n", NS] + list(args), check=True)


def messages(data):
    """Split a datagram into messages (header rewritten to seq 1, pid 0)."""
    out, off = [], 0
    while off + 16 <= len(data):
        ln, typ, flags, _seq, _pid = struct.unpack_from("=IHHII", data, off)
        if ln < 16 or off + ln > len(data):
            break
        m = bytearray(data[off:off + ln])
        struct.pack_into("=IHHII", m, 0, ln, typ, flags, 1, 0)
        m += b"\0" * ((4 - ln % 4) % 4)
        out.append(bytes(m))
        off += (ln + 3) & ~3
    return out


def dump(sock, typ, family=0):
    hdr = struct.pack("=IHHII", 16 + 16, typ, NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
    body = struct.pack("=BxHiII", family, 0, 0, 0, 0) if typ == RTM_GETLINK else struct.pack("=B15x", family)
    sock.send(hdr + body)
    msgs = []
    while True:
        got = messages(sock.recv(1 << 16))
        for m in got:
            if struct.unpack_from("=H", m, 4)[0] == NLMSG_DONE:
                return msgs
            msgs.append(m)


DONE = struct.pack("=IHHIIi", 20, NLMSG_DONE, 2, 1, 0, 0)


def seed(a, b=b""):
    return struct.pack(">H", len(a)) + a + b


def inner(outdir):
    os.makedirs(outdir, exist_ok=True)
    ev = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    ev.bind((0, GROUPS))
    d = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    d.bind((0, 0))
    cmds = [
        "link set lo up",
        "link add sfa type veth peer name sfa2", "link add sfb type veth peer name sfb2",
        "link add sfc type veth peer name sfc2",
        "addr add 10.9.1.2/24 dev sfa", "addr add 10.9.1.3/24 dev sfa",
        "addr add fd00:9:1::2/64 dev sfa nodad", "addr add 10.9.2.2/24 dev sfb",
        "addr add fd00:9:2::2/64 dev sfb nodad",
        "link set sfa up", "link set sfa2 up", "link set sfb up", "link set sfb2 up", "link set sfc up",
        "route add default via 10.9.1.1 dev sfa metric 10 proto static",
        "route add default dev sfb metric 20",
        "-6 route add default via fd00:9:1::1 dev sfa metric 10",
        "route add 198.51.100.0/24 nexthop via 10.9.1.1 dev sfa nexthop via 10.9.2.1 dev sfb",
        "route add default via 10.9.2.1 dev sfb table 100",
        "route add default metric 30 nexthop via 10.9.1.1 dev sfa weight 1 nexthop via 10.9.2.1 dev sfb weight 2",
    ]
    for c in cmds:
        subprocess.run(["ip"] + c.split(), check=True)
    time.sleep(0.2)
    links, addrs = dump(d, RTM_GETLINK), dump(d, RTM_GETADDR)
    routes = dump(d, RTM_GETROUTE, socket.AF_INET) + dump(d, RTM_GETROUTE, socket.AF_INET6)
    full = b"".join(links + addrs + routes) + DONE
    for c in ["route del default dev sfb metric 20", "addr del 10.9.1.2/24 dev sfa", "link set sfb down",
              "link del sfc", "-6 addr add fd00:9:1::7/64 dev sfa nodad"]:
        subprocess.run(["ip"] + c.split(), check=True)
    time.sleep(0.2)
    links2, addrs2 = dump(d, RTM_GETLINK), dump(d, RTM_GETADDR)
    routes2 = dump(d, RTM_GETROUTE, socket.AF_INET) + dump(d, RTM_GETROUTE, socket.AF_INET6)
    full2 = b"".join(links2 + addrs2 + routes2) + DONE
    events = []
    ev.setblocking(False)
    try:
        while True:
            events += messages(ev.recv(1 << 16))
    except BlockingIOError:
        pass
    seeds = {
        "dump_links": seed(b"".join(links) + DONE),
        "dump_addrs": seed(b"".join(links) + b"".join(addrs) + DONE),
        "dump_routes": seed(b"".join(links) + b"".join(routes) + DONE),
        "full": seed(full),
        "full_then_changed": seed(full, full2),
        "events": seed(b"".join(links) + b"".join(events) + DONE),
        "small": seed(b"".join(links[:2]) + DONE, b"".join(links[1:2]) + DONE),
        "small_nodone": seed(b"".join(links[:2]), b"".join(links[1:2])),
    }
    types = {16: "newlink", 17: "dellink", 20: "newaddr", 21: "deladdr", 24: "newroute", 25: "delroute"}
    seen = set()
    for m in events:
        t = types.get(struct.unpack_from("=H", m, 4)[0])
        if t and t not in seen:
            seen.add(t)
            seeds["event_" + t] = seed(b"".join(links) + m + DONE)
    for name, data in seeds.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds (%d events) to %s" % (len(seeds), len(events), outdir))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--inner":
        inner(sys.argv[2])
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = os.path.abspath(sys.argv[1])
    subprocess.run(["ip", "netns", "add", NS], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", NS, sys.executable, os.path.abspath(__file__), "--inner", out],
                       check=True)
    finally:
        subprocess.run(["ip", "netns", "del", NS])


if __name__ == "__main__":
    main()
