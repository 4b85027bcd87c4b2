#!/usr/bin/python3
"""h2_hostile.py - a deliberately broken "dish" speaking raw HTTP/2 (h2c).

grpcio only produces well-formed replies; this server hand-writes HTTP/2
frames (HPACK literals, no Huffman) to answer every request in one broken
way, so the collector's handling of bad transport input can be asserted.

Modes: ctype (content-type text/html), truncated (prefix says 100 bytes,
10 sent), overcap (prefix says 2 GiB), midstall (3 bytes of the prefix, then
silence), http500, hugeheaders (40 KiB of headers), notrailer (no
grpc-status), badflag (compressed flag set), garbage (bytes that are not
HTTP/2 frames), goaway (GOAWAY instead of a reply); dropsecond answers the
first request of each connection well and closes the connection on the
second (a dish dropping an idle connection just as it is reused).

Prints "PORT <n>" once listening on 127.0.0.1.
"""
import argparse
import socket
import struct
import sys
import threading

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST, SETTINGS, PING, GOAWAY, WINDOW_UPDATE = 0, 1, 3, 4, 6, 7, 8
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1


def hpack_int(value, prefix_bits, first=0):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = [first | limit]
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def hpack(headers):
    """Literal header fields without indexing, new names, no Huffman."""
    out = b""
    for name, value in headers:
        n, v = name.encode(), value.encode()
        out += b"\x00" + hpack_int(len(n), 7) + n + hpack_int(len(v), 7) + v
    return out


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


def grpc_msg(body, flag=0, length=None):
    return bytes([flag]) + struct.pack(">I", len(body) if length is None else length) + body


OK_HDRS = [(":status", "200"), ("content-type", "application/grpc")]
TRAILER_OK = [("grpc-status", "0"), ("grpc-message", "")]
# a valid empty get_status reply: Response{dish_get_status{}}
STATUS_BODY = b"\xa2\x7d\x00"


# good replies by request field (the request body follows the 5-byte prefix)
GOOD = {b"\xe2\x3e": b"\xa2\x7d\x00",                          # status: empty, connected
        b"\xfa\x3e": b"\xb2\x7d\x02\x08\x01",                  # history: current 1
        b"\x82\x3f": b"\xe2\x3e\x05\x0a\x03\x0a\x01\x78"}     # device info: id "x"


def good_reply(sid, req):
    body = GOOD.get(req[5:7], GOOD[b"\xe2\x3e"])
    return (frame(HEADERS, END_HEADERS, sid, hpack(OK_HDRS)) + frame(DATA, 0, sid, grpc_msg(body))
            + frame(HEADERS, END_HEADERS | END_STREAM, sid, hpack(TRAILER_OK)))


def reply(mode, sid):
    if mode == "dropsecond":
        return b""
    if mode == "ctype":
        return (frame(HEADERS, END_HEADERS, sid, hpack([(":status", "200"), ("content-type", "text/html")]))
                + frame(DATA, END_STREAM, sid, b"<html>hello</html>"))
    if mode == "truncated":
        return (frame(HEADERS, END_HEADERS, sid, hpack(OK_HDRS))
                + frame(DATA, 0, sid, grpc_msg(b"\x00" * 10, length=100))
                + frame(HEADERS, END_HEADERS | END_STREAM, sid, hpack(TRAILER_OK)))
    if mode == "overcap":
        return (frame(HEADERS, END_HEADERS, sid, hpack(OK_HDRS))
                + frame(DATA, 0, sid, grpc_msg(b"\x00" * 64, length=0x7FFFFFFF)))
    if mode == "midstall":
        return frame(HEADERS, END_HEADERS, sid, hpack(OK_HDRS)) + frame(DATA, 0, sid, b"\x00\x00\x00")
    if mode == "http500":
        return frame(HEADERS, END_HEADERS | END_STREAM, sid, hpack([(":status", "500")]))
    if mode == "hugeheaders":
        block = hpack(OK_HDRS + [("x-junk-%d" % i, "j" * 1000) for i in range(40)])
        out, first = b"", True
        while block:      # HEADERS + CONTINUATION, 16 KiB each
            chunk, block = block[:16000], block[16000:]
            out += frame(HEADERS if first else 9, 0 if block else END_HEADERS, sid, chunk)
            first = False
        return out
    if mode == "notrailer":
        return (frame(HEADERS, END_HEADERS, sid, hpack(OK_HDRS))
                + frame(DATA, END_STREAM, sid, grpc_msg(STATUS_BODY)))
    if mode == "badflag":
        return (frame(HEADERS, END_HEADERS, sid, hpack(OK_HDRS))
                + frame(DATA, 0, sid, grpc_msg(STATUS_BODY, flag=1))
                + frame(HEADERS, END_HEADERS | END_STREAM, sid, hpack(TRAILER_OK)))
    if mode == "garbage":
        return b"\xff" * 64
    if mode == "goaway":
        return frame(GOAWAY, 0, 0, struct.pack(">II", 0, 2))
    raise ValueError(mode)


def serve(conn, mode):
    buf = b""
    requests = 0
    body = {}
    try:
        while len(buf) < len(PREFACE):
            d = conn.recv(4096)
            if not d:
                return
            buf += d
        if not buf.startswith(PREFACE):
            return
        buf = buf[len(PREFACE):]
        conn.sendall(frame(SETTINGS, 0, 0))
        while True:
            while len(buf) < 9:
                d = conn.recv(65536)
                if not d:
                    return
                buf += d
            ln = int.from_bytes(buf[0:3], "big")
            ftype, flags, sid = buf[3], buf[4], int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
            while len(buf) < 9 + ln:
                d = conn.recv(65536)
                if not d:
                    return
                buf += d
            payload = buf[9:9 + ln]
            buf = buf[9 + ln:]
            if ftype == DATA:
                body[sid] = body.get(sid, b"") + payload
            if ftype == SETTINGS and not flags & ACK:
                conn.sendall(frame(SETTINGS, ACK, 0))
            elif ftype in (HEADERS, DATA) and flags & END_STREAM:
                requests += 1
                if mode == "dropsecond":
                    if requests > 1:
                        return
                    conn.sendall(good_reply(sid, body.get(sid, b"")))
                else:
                    conn.sendall(reply(mode, sid))
    except OSError:
        pass
    finally:
        try:
            threading.Event().wait(0.2)
            conn.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", required=True)
    args = ap.parse_args()
    reply(args.mode, 1)   # validates the mode
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    print("PORT %d" % s.getsockname()[1], flush=True)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, args.mode), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
