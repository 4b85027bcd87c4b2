#!/usr/bin/python3
"""make_corpus.py - seed fuzz/corpus/starlink/ from the emulator's replies.

Each seed = 1 kind byte (0 status, 1 history, 2 device info) + a gRPC
message (5-byte prefix + Response protobuf) as the collector receives it;
kind 3 seeds are the dish's side of the TCP stream (HTTP/2 frames) for one
get_status call on stream 1: a good reply, a Trailers-Only error and every
broken reply of h2_hostile.py.
usage: make_corpus.py build/gen/dish.pb fuzz/corpus/starlink
"""
import argparse
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dish_emulator  # noqa: E402
import h2_hostile as h2  # noqa: E402


class Ctx:
    def abort(self, code, msg):
        raise RuntimeError(msg)

    def send_initial_metadata(self, md):
        pass


def main():
    desc, out = sys.argv[1], sys.argv[2]
    msgs = dish_emulator.load_messages(desc)
    os.makedirs(out, exist_ok=True)
    kinds = {"get_status": 0, "get_history": 1, "get_device_info": 2}
    # outage and booting carry a GPS-time outage start, every device_info the
    # 68-character build_id of a current dish
    for scn in ("healthy", "obstructed", "outage", "booting", "reboot_pending", "snr_low", "thermal",
                "old_firmware", "garbage", "wrongtype"):
        args = argparse.Namespace(scenario=scn, script=None, control=None, stall_s=0)
        dish = dish_emulator.Dish(args)
        for kind, k in kinds.items():
            if kind != "get_status" and scn not in ("healthy", "old_firmware", "booting"):
                continue
            req = msgs["Request"]()
            getattr(req, kind).SetInParent()
            r = dish.handle(req, Ctx(), msgs)
            body = r if isinstance(r, bytes) else r.SerializeToString()
            data = bytes([k]) + b"\x00" + struct.pack(">I", len(body)) + body
            with open(os.path.join(out, "%s-%s" % (scn, kind)), "wb") as f:
                f.write(data)
            if kind == "get_status" and scn == "healthy":
                good = body
    hello = h2.frame(h2.SETTINGS, 0, 0) + h2.frame(h2.SETTINGS, h2.ACK, 0)
    streams = {
        "ok": (h2.frame(h2.HEADERS, h2.END_HEADERS, 1, h2.hpack(h2.OK_HDRS))
               + h2.frame(h2.DATA, 0, 1, h2.grpc_msg(good))
               + h2.frame(h2.HEADERS, h2.END_HEADERS | h2.END_STREAM, 1, h2.hpack(h2.TRAILER_OK))),
        "trailers_only": h2.frame(h2.HEADERS, h2.END_HEADERS | h2.END_STREAM, 1, h2.hpack(
            h2.OK_HDRS + [("grpc-status", "14"), ("grpc-message", "dish%20booting")])),
    }
    for mode in ("ctype", "truncated", "overcap", "midstall", "http500", "notrailer", "badflag",
                 "goaway"):
        streams[mode] = h2.reply(mode, 1)
    for name, stream in streams.items():
        with open(os.path.join(out, "h2-%s" % name), "wb") as f:
            f.write(b"\x03" + hello + stream)


if __name__ == "__main__":
    main()
