#!/usr/bin/python3
"""dish_emulator.py - a Starlink dish for tests and the demo.

A real gRPC server (Debian's python3-grpcio) serving the unary
/SpaceX.API.Device.Device/Handle with the messages of our proto/dish.proto
(loaded from the descriptor set protoc-c writes, build/gen/dish.pb), with
scripted scenarios. The wire looks like the dish's proto3 encoder: zero and
false scalars are not sent, sub-messages are.

Scenarios: healthy, obstructed (rising obstruction + 3 s full-drop bursts
every 10 s that only the history shows), outage (NO_SATS), reboot_pending
(update downloaded, seconds_until_swupdate_reboot_possible counting down),
snr_low, thermal, old_firmware (no gps_stats, no alerts, no update fields,
status latency 0 as on 2024.11 firmware), rebooted (history counter starts
again), booting (rebooted, outage cause BOOTING until the next scenario),
status7/status12/status14 (gRPC errors), stall (headers sent, then silence),
stall_once (only the first status call stalls), garbage (bytes that are not
a Response), wrongtype (field 2004 as a varint), big / toobig (a healthy
status padded with an unknown field to 200 KB / 300 KB: flow control and the
256 KiB message cap), devinfo12 / devinfo_empty (healthy, but get_device_info
answers UNIMPLEMENTED / without device_info).

Choosing the scenario:
  --scenario NAME            fixed
  --script "0:healthy,20:obstructed,45:reboot_pending"   seconds since start
  --control FILE             file holding a scenario name, re-read when it
                             changes (the demo writes it); wins over the others
Prints "PORT <n>" on stdout once listening (use --port 0 for a free port).
"""
import argparse
import math
import os
import sys
import threading
import time
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

RING = 900
GPS_EPOCH_UNIX_S = 315964800   # 1980-01-06T00:00:00Z
GPS_UTC_LEAP_S = 18            # GPS - UTC since 2017
# a build_id as long as real dishes send (68 characters: more than a 64-byte buffer)
BUILD_ID = "0b1e5c4d-2a3f-4e6b-9c8d-7f6e5d4c3b2a.uterm_manifest.release.mr81950b"


def gps_ns(unix_s):
    """GPS-time nanoseconds, as the dish stamps outage starts."""
    return int((unix_s - GPS_EPOCH_UNIX_S + GPS_UTC_LEAP_S) * 1e9)
SCENARIOS = ("healthy", "obstructed", "outage", "reboot_pending", "snr_low", "thermal",
             "old_firmware", "rebooted", "booting", "status7", "status12", "status14", "stall",
             "stall_once", "garbage", "wrongtype", "big", "toobig", "devinfo12",
             "devinfo_empty")


def load_messages(path):
    fds = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as f:
        fds.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for fd in fds.file:
        pool.Add(fd)
    names = ("Request", "Response")
    out = {}
    for n in names:
        d = pool.FindMessageTypeByName("SpaceX.API.Device." + n)
        if hasattr(message_factory, "GetMessageClass"):
            out[n] = message_factory.GetMessageClass(d)
        else:
            out[n] = message_factory.MessageFactory(pool).GetPrototype(d)
    return out


def put(msg, **fields):
    """Set like proto3 does on the wire: zero/false/empty values are not sent."""
    for k, v in fields.items():
        if v:
            setattr(msg, k, v)


class Dish:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        self.scenario = None
        self.scn_t0 = self.t0
        self.control_mtime = None
        self.stalled_once = False
        self.boot = self.t0 - 3600.0      # up for an hour: the ring has wrapped
        self.drop = [0.0] * RING
        self.lat = [0.0] * RING
        self.down = [0.0] * RING
        self.up = [0.0] * RING
        self.current = 0
        self.switch(args.scenario or "healthy")
        self.advance(fill=True)

    # -- scenario selection -------------------------------------------------
    def switch(self, name):
        if name not in SCENARIOS:
            print("emulator: unknown scenario %r ignored" % name, file=sys.stderr)
            return
        if name == self.scenario:
            return
        print("emulator: scenario %s" % name, file=sys.stderr, flush=True)
        self.scenario = name
        self.scn_t0 = time.monotonic()
        self.scn_wall0 = time.time()        # when the scenario's outage began
        self.stalled_once = False
        if name in ("rebooted", "booting"):
            self.boot = time.monotonic() - 20.0
            self.current = 0
            self.drop = [0.0] * RING
            self.lat = [0.0] * RING
            self.down = [0.0] * RING
            self.up = [0.0] * RING

    def pick(self):
        a = self.args
        if a.control:
            try:
                st = os.stat(a.control)
                if st.st_mtime != self.control_mtime:
                    self.control_mtime = st.st_mtime
                    with open(a.control) as f:
                        words = f.read().split()
                    if words:
                        self.switch(words[0])
            except OSError:
                pass
        elif a.script:
            el = time.monotonic() - self.t0
            chosen = None
            for item in a.script.split(","):
                at, name = item.split(":")
                if el >= float(at):
                    chosen = name
            if chosen:
                self.switch(chosen)

    # -- model ----------------------------------------------------------------
    def uptime(self):
        return time.monotonic() - self.boot

    def scn_time(self):
        return time.monotonic() - self.scn_t0

    def second(self, k, t):
        """One history sample for second k (t = seconds into the scenario)."""
        s = self.scenario
        lat = 28.0 + 6.0 * math.sin(k / 7.0)
        drop = 0.0
        if s == "obstructed" and int(t) % 10 in (4, 5, 6):
            drop = 1.0
        elif s in ("outage", "booting"):
            drop = 1.0
        elif s == "snr_low":
            drop = 0.15
            lat += 40.0
        return drop, lat, 4.0e6 + 1.0e5 * (k % 13), 6.0e5

    def advance(self, fill=False):
        target = int(self.uptime()) - 3       # history runs a few seconds behind uptime
        if fill:
            self.current = max(0, target)
            for k in range(max(0, self.current - RING), self.current):
                d, l, dn, u = 0.0, 28.0 + 6.0 * math.sin(k / 7.0), 4.0e6, 6.0e5
                i = k % RING
                self.drop[i], self.lat[i], self.down[i], self.up[i] = d, l, dn, u
            return
        while self.current < target:
            k = self.current
            t = self.scn_time() - (target - k)
            d, l, dn, u = self.second(k, t)
            i = k % RING
            self.drop[i], self.lat[i], self.down[i], self.up[i] = d, l, dn, u
            self.current += 1

    # -- replies ----------------------------------------------------------------
    def device_info(self, di):
        put(di, id="ut01000000-00000000-00e2e2e2", hardware_version="rev4_panda_prod2",
            software_version="2026.07.06.mr81950" if self.scenario != "old_firmware"
            else "2024.11.18.mr46048.1", country_code="US", bootcount=42, build_id=BUILD_ID)

    def status(self, resp):
        s = self.scenario
        t = self.scn_time()
        put(resp, api_version=42 if s != "old_firmware" else 28)
        st = resp.dish_get_status
        self.device_info(st.device_info)
        put(st.device_state, uptime_s=int(self.uptime()))
        st.device_state.SetInParent()
        i = (self.current - 1) % RING
        put(st, downlink_throughput_bps=self.down[i], uplink_throughput_bps=self.up[i])
        if s != "old_firmware":
            put(st, pop_ping_latency_ms=self.lat[i])   # 2024.11 firmware: always 0
        if s == "snr_low":
            put(st, pop_ping_drop_rate=0.15)
        ob = st.obstruction_stats
        ob.SetInParent()
        frac = 0.002
        if s == "obstructed":
            frac = 0.005 + 0.005 * t            # +0.5 percentage points per second
            put(ob, currently_obstructed=True)
        put(ob, fraction_obstructed=min(frac, 1.0), valid_s=3600.0, time_obstructed=2.6e-6)
        if s != "old_firmware":
            ob.avg_prolonged_obstruction_interval_s = float("nan")   # the dish's "no data"
            al = st.alerts
            al.SetInParent()
            if s == "thermal":
                put(al, thermal_throttle=True, is_heating=False)
            if s == "reboot_pending":
                put(al, install_pending=True)
            put(st.gps_stats, gps_valid=True, gps_sats=14)
            st.gps_stats.SetInParent()
            put(st, is_snr_above_noise_floor=(s != "snr_low"),
                is_snr_persistently_low=(s == "snr_low"))
            if s == "reboot_pending":
                put(st, software_update_state=6, swupdate_reboot_ready=True,
                    seconds_until_swupdate_reboot_possible=max(0, int(120 - t)))
            else:
                put(st, software_update_state=1, seconds_until_swupdate_reboot_possible=-1)
        if s in ("outage", "booting"):
            o = st.outage
            o.SetInParent()
            put(o, cause=5 if s == "outage" else 1, start_timestamp_ns=gps_ns(self.scn_wall0),
                duration_ns=int(t * 1e9))
            st.ClearField("downlink_throughput_bps")
            st.ClearField("uplink_throughput_bps")
            st.ClearField("pop_ping_latency_ms")
            put(st, pop_ping_drop_rate=1.0)

    def history(self, resp):
        put(resp, api_version=42)
        h = resp.dish_get_history
        put(h, current=self.current)
        h.pop_ping_drop_rate.extend(self.drop)
        h.pop_ping_latency_ms.extend(self.lat)
        h.downlink_throughput_bps.extend(self.down)
        h.uplink_throughput_bps.extend(self.up)

    def handle(self, req, context, msgs):
        with self.lock:
            self.pick()
            self.advance()
            s = self.scenario
            kind = req.WhichOneof("request")
        if s in ("status7", "status12", "status14"):
            code = {"status7": grpc.StatusCode.PERMISSION_DENIED,
                    "status12": grpc.StatusCode.UNIMPLEMENTED,
                    "status14": grpc.StatusCode.UNAVAILABLE}[s]
            context.abort(code, "emulated %s for %s" % (s, kind))
        if kind == "get_device_info" and s == "devinfo12":
            context.abort(grpc.StatusCode.UNIMPLEMENTED, "emulated: no get_device_info")
        if kind == "get_device_info" and s == "devinfo_empty":
            return b"\xe2\x3e\x00"                   # get_device_info {} without device_info
        if kind == "get_status" and (s == "stall" or (s == "stall_once" and not self.stalled_once)):
            self.stalled_once = True
            context.send_initial_metadata(())
            time.sleep(self.args.stall_s)       # headers are out, the body never comes in time
        if kind == "get_status" and s == "garbage":
            return b"\xa2\x7d\x05\xff\xff\xff\xff\xff"   # 2004: length 5 of bad varints
        if kind == "get_status" and s == "wrongtype":
            return b"\xa0\x7d\x01"                      # 2004 as a varint, not a message
        resp = msgs["Response"]()
        with self.lock:
            if kind == "get_status" and s in ("big", "toobig"):
                self.scenario = "healthy"
                self.status(resp)
                self.scenario = s
                return resp.SerializeToString() + pad_field(200000 if s == "big" else 300000)
            if kind == "get_status":
                self.status(resp)
            elif kind == "get_history":
                self.history(resp)
            elif kind == "get_device_info":
                resp.get_device_info.SetInParent()
                self.device_info(resp.get_device_info.device_info)
            else:
                context.abort(grpc.StatusCode.UNIMPLEMENTED, "unknown request")
        return resp


def varint(n):
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def pad_field(size):
    """An unknown length-delimited field 9999 of `size` bytes."""
    return varint(9999 << 3 | 2) + varint(size) + b"\x00" * size


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--descriptor", required=True, help="dish.pb from protoc-c --descriptor_set_out")
    ap.add_argument("--scenario", choices=SCENARIOS)
    ap.add_argument("--script")
    ap.add_argument("--control")
    ap.add_argument("--stall-s", type=float, default=3.0)
    args = ap.parse_args()

    msgs = load_messages(args.descriptor)
    dish = Dish(args)

    def serialize(r):
        return r if isinstance(r, bytes) else r.SerializeToString()

    handler = grpc.method_handlers_generic_handler("SpaceX.API.Device.Device", {
        "Handle": grpc.unary_unary_rpc_method_handler(
            lambda req, ctx: dish.handle(req, ctx, msgs),
            request_deserializer=msgs["Request"].FromString,
            response_serializer=serialize),
    })
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("%s:%d" % (args.host, args.port))
    if port == 0:
        print("emulator: cannot listen on %s:%d" % (args.host, args.port), file=sys.stderr)
        return 1
    server.start()
    print("PORT %d" % port, flush=True)
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
