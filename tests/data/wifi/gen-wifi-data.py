#!/usr/bin/python3
"""Write the nl80211 test messages of tests/data/wifi/ (and their golden
results), and the fuzz seeds of fuzz/corpus/wifi/.

These are NOT live captures: the machine the tests were written on has no
Wi-Fi hardware and no cfg80211. Each message is built here byte by byte
from the nl80211 ABI -- struct nlmsghdr, struct genlmsghdr, then netlink
attributes (u16 length, u16 type, payload, padded to 4 bytes) -- with the
attribute numbers of <linux/nl80211.h> and <linux/genetlink.h> of Debian's
linux-libc-dev 6.1 (the numbers are stable ABI, only ever appended; the
unit test test_wifi_parse checks the ones used here against the header it
is compiled with). Value encodings follow the kernel's nl80211.c: signal
and noise are s8 dBm in a u8 attribute, bitrates in 100 kbit/s
(BITRATE32 always, the 16-bit BITRATE too when it fits), 64-bit counters
after a PAD attribute. The expected results (*.golden) are written by hand
below, next to the bytes, not derived from the parser.

The ubus iwinfo outputs (*.iwinfo.json) are hand-written in the format of
rpcd's iwinfo.c (`ubus call iwinfo info`): only the fields iwinfo could
read, ints for signal/noise (dBm) and bitrate (kbit/s).

Run from anywhere: python3 tests/data/wifi/gen-wifi-data.py
"""
import os
import subprocess
import sys
import struct

# Netlink is in the host's byte order. The messages are written little-endian
# (NAME.KIND.nl, what x86 and ARM kernels send) and, by a second run of this
# script with SF_WIFI_ENDIAN=">", big-endian (NAME.KIND.be.nl, what an s390x
# or big-endian MIPS kernel sends); the test reads the one of its host.
E = os.environ.get("SF_WIFI_ENDIAN", "<")

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "..", "..", "fuzz", "corpus", "wifi")

# <linux/genetlink.h>
GENL_ID_CTRL = 16
CTRL_CMD_NEWFAMILY = 1
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_VERSION = 1, 2, 3
CTRL_ATTR_HDRSIZE, CTRL_ATTR_MAXATTR, CTRL_ATTR_OPS = 4, 5, 6
# <linux/nl80211.h>
NL80211_CMD_NEW_INTERFACE = 7
NL80211_CMD_NEW_STATION = 19
NL80211_CMD_NEW_SURVEY_RESULTS = 51
NL80211_ATTR_IFINDEX, NL80211_ATTR_MAC, NL80211_ATTR_STA_INFO = 3, 6, 21
NL80211_ATTR_GENERATION, NL80211_ATTR_SURVEY_INFO = 46, 84
STA_INACTIVE_TIME, STA_RX_BYTES, STA_TX_BYTES = 1, 2, 3
STA_SIGNAL, STA_TX_BITRATE, STA_RX_PACKETS, STA_TX_PACKETS = 7, 8, 9, 10
STA_TX_RETRIES, STA_TX_FAILED, STA_SIGNAL_AVG, STA_RX_BITRATE = 11, 12, 13, 14
STA_BSS_PARAM, STA_CONNECTED_TIME, STA_RX_BYTES64, STA_TX_BYTES64 = 15, 16, 23, 24
STA_CHAIN_SIGNAL, STA_PAD = 25, 33
RATE_BITRATE, RATE_MCS, RATE_40, RATE_SHORT_GI, RATE_BITRATE32 = 1, 2, 3, 4, 5
RATE_VHT_MCS, RATE_VHT_NSS, RATE_80, RATE_160 = 6, 7, 8, 10
RATE_HE_MCS, RATE_HE_NSS, RATE_HE_GI, RATE_HE_DCM = 13, 14, 15, 16
RATE_320, RATE_EHT_MCS, RATE_EHT_NSS = 18, 19, 20
SURVEY_FREQUENCY, SURVEY_NOISE, SURVEY_IN_USE = 1, 2, 3
NLA_F_NESTED = 0x8000

NL80211_ID = 28  # a family id as the kernel hands them out (dynamic, >= 16)
IFINDEX = 5      # the member's device in test_wifi_parse (want_ifindex)


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack(E + "HH", n, t) + payload + b"\0" * ((4 - n % 4) % 4)


def raw_attr(t, declared_len, payload):
    """An attribute whose length field is declared_len, whatever the payload."""
    return struct.pack(E + "HH", declared_len, t) + payload


def nest(t, *attrs):
    return attr(t | NLA_F_NESTED, b"".join(attrs))


def u8(t, v): return attr(t, struct.pack(E + "B", v & 0xff))
def s8(t, v): return attr(t, struct.pack(E + "b", v))
def u16(t, v): return attr(t, struct.pack(E + "H", v))
def u32(t, v): return attr(t, struct.pack(E + "I", v))
def u64(t, v): return attr(STA_PAD, b"") + attr(t, struct.pack(E + "Q", v))
def flag(t): return attr(t, b"")
def strz(t, s): return attr(t, s.encode() + b"\0")


def msg(nl_type, cmd, body, seq=1700000000, portid=4242, declared_len=None, flags=0x2):
    n = 16 + 4 + len(body)
    hdr = struct.pack(E + "IHHII", declared_len if declared_len is not None else n, nl_type, flags, seq, portid)
    return hdr + struct.pack(E + "BBH", cmd, 1, 0) + body


def station(ifindex, mac, *info, extra=b""):
    return msg(NL80211_ID, NL80211_CMD_NEW_STATION,
               u32(NL80211_ATTR_IFINDEX, ifindex) + attr(NL80211_ATTR_MAC, bytes(mac)) +
               u32(NL80211_ATTR_GENERATION, 7) + nest(NL80211_ATTR_STA_INFO, *info) + extra)


def survey(freq, noise=None, in_use=False):
    parts = [u32(SURVEY_FREQUENCY, freq)]
    if noise is not None:
        parts.append(s8(SURVEY_NOISE, noise))
    if in_use:
        parts.append(flag(SURVEY_IN_USE))
    return msg(NL80211_ID, NL80211_CMD_NEW_SURVEY_RESULTS,
               u32(NL80211_ATTR_IFINDEX, IFINDEX) + nest(NL80211_ATTR_SURVEY_INFO, *parts))


def family(name, fid):
    ops = nest(CTRL_ATTR_OPS, nest(1, u32(1, 17), u32(2, 0x1e)))
    return msg(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY,
               u16(CTRL_ATTR_FAMILY_ID, fid) + strz(CTRL_ATTR_FAMILY_NAME, name) +
               u32(CTRL_ATTR_VERSION, 1) + u32(CTRL_ATTR_HDRSIZE, 0) + u32(CTRL_ATTR_MAXATTR, 300) + ops)


AP = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55]

# name -> (files {kind: bytes}, golden lines). Golden keys: see test_wifi_parse.c.
CASES = {}

# 802.11n station on 2.4 GHz, the way mac80211 fills it, plus a survey of
# two channels: the one in use gives the noise.
CASES["sta_ht"] = ({
    "station": station(IFINDEX, AP,
                       u32(STA_INACTIVE_TIME, 120), u32(STA_RX_BYTES, 123456), u64(STA_RX_BYTES64, 123456),
                       u32(STA_TX_BYTES, 65432), u64(STA_TX_BYTES64, 65432), u32(STA_RX_PACKETS, 20000),
                       u32(STA_TX_PACKETS, 10000), u32(STA_TX_RETRIES, 42), u32(STA_TX_FAILED, 3),
                       s8(STA_SIGNAL, -62), s8(STA_SIGNAL_AVG, -63),
                       nest(STA_CHAIN_SIGNAL, s8(0, -64), s8(1, -66)),
                       nest(STA_TX_BITRATE, u32(RATE_BITRATE32, 1444), u16(RATE_BITRATE, 1444),
                            u8(RATE_MCS, 15), flag(RATE_SHORT_GI)),
                       nest(STA_RX_BITRATE, u32(RATE_BITRATE32, 650), u16(RATE_BITRATE, 650), u8(RATE_MCS, 7)),
                       nest(STA_BSS_PARAM, u8(2, 2), u16(4, 100)),
                       u32(STA_CONNECTED_TIME, 3600)),
    "survey": survey(2412, -95) + survey(2437, -92, in_use=True) + survey(2462, -96),
}, """station_rc=1
survey_rc=0 1 0
signal_dbm=-62
signal_avg_dbm=-63
noise_dbm=-92
snr_db=30
tx.mbps=144.4
tx.mode=ht
tx.mcs=15
tx.nss=2
tx.width_mhz=20
rx.mbps=65
rx.mode=ht
rx.mcs=7
rx.nss=1
rx.width_mhz=20
tx_retries=42
tx_failed=3
tx_packets=10000
rx_packets=20000
connected_s=3600
inactive_ms=120
frequency_mhz=2437
bssid=02:11:22:33:44:55
stations=1
ignored=0
""")

# 802.11ac, 80 MHz, 2 streams; no survey (many drivers keep none)
CASES["sta_vht80"] = ({
    "station": station(IFINDEX, AP,
                       s8(STA_SIGNAL, -55),
                       nest(STA_TX_BITRATE, u32(RATE_BITRATE32, 8667), u16(RATE_BITRATE, 8667),
                            u8(RATE_VHT_MCS, 9), u8(RATE_VHT_NSS, 2), flag(RATE_80), flag(RATE_SHORT_GI)),
                       nest(STA_RX_BITRATE, u32(RATE_BITRATE32, 3250), u16(RATE_BITRATE, 3250),
                            u8(RATE_VHT_MCS, 7), u8(RATE_VHT_NSS, 1), flag(RATE_80)),
                       u32(STA_TX_RETRIES, 0), u32(STA_TX_FAILED, 0), u32(STA_CONNECTED_TIME, 12)),
}, """station_rc=1
signal_dbm=-55
tx.mbps=866.7
tx.mode=vht
tx.mcs=9
tx.nss=2
tx.width_mhz=80
rx.mbps=325
rx.mode=vht
rx.mcs=7
rx.nss=1
rx.width_mhz=80
tx_retries=0
tx_failed=0
connected_s=12
bssid=02:11:22:33:44:55
stations=1
ignored=0
""")

# 802.11ax, 160 MHz; signal -40 dBm is the byte 0xd8 (written as an unsigned u8)
CASES["sta_he160"] = ({
    "station": station(IFINDEX, AP,
                       u8(STA_SIGNAL, 0xd8),
                       nest(STA_TX_BITRATE, u32(RATE_BITRATE32, 24019), u16(RATE_BITRATE, 24019),
                            u8(RATE_HE_MCS, 11), u8(RATE_HE_NSS, 2), u8(RATE_HE_GI, 0), u8(RATE_HE_DCM, 0),
                            flag(RATE_160)),
                       nest(STA_RX_BITRATE, u32(RATE_BITRATE32, 8647), u16(RATE_BITRATE, 8647),
                            u8(RATE_HE_MCS, 5), u8(RATE_HE_NSS, 2), flag(RATE_160))),
    "survey": survey(5250, -101, in_use=True),
}, """station_rc=1
survey_rc=1
signal_dbm=-40
noise_dbm=-101
snr_db=61
tx.mbps=2401.9
tx.mode=he
tx.mcs=11
tx.nss=2
tx.width_mhz=160
rx.mbps=864.7
rx.mode=he
rx.mcs=5
rx.nss=2
rx.width_mhz=160
frequency_mhz=5250
bssid=02:11:22:33:44:55
stations=1
ignored=0
""")

# 802.11be 320 MHz: 11529 Mbit/s does not fit the 16-bit BITRATE, so the kernel sends BITRATE32 only
CASES["sta_eht320"] = ({
    "station": station(IFINDEX, AP,
                       s8(STA_SIGNAL, -48),
                       nest(STA_TX_BITRATE, u32(RATE_BITRATE32, 115290), u8(RATE_EHT_MCS, 13),
                            u8(RATE_EHT_NSS, 4), flag(RATE_320))),
}, """station_rc=1
signal_dbm=-48
tx.mbps=11529
tx.mode=eht
tx.mcs=13
tx.nss=4
tx.width_mhz=320
bssid=02:11:22:33:44:55
stations=1
ignored=0
""")

# legacy 802.11g 54 Mbit/s: only the 16-bit BITRATE (an old kernel)
CASES["sta_legacy"] = ({
    "station": station(IFINDEX, AP, s8(STA_SIGNAL, -80), nest(STA_TX_BITRATE, u16(RATE_BITRATE, 540))),
}, """station_rc=1
signal_dbm=-80
tx.mbps=54
tx.mode=legacy
tx.width_mhz=20
bssid=02:11:22:33:44:55
stations=1
ignored=0
""")

# a station entry without signal or bitrate (driver fills little): known is what came
CASES["sta_missing"] = ({
    "station": station(IFINDEX, AP, u32(STA_INACTIVE_TIME, 40), u32(STA_CONNECTED_TIME, 5)),
}, """station_rc=1
connected_s=5
inactive_ms=40
bssid=02:11:22:33:44:55
stations=1
ignored=0
""")

# attributes of the wrong size: each ignored and counted, the rest kept
CASES["sta_wrong_len"] = ({
    "station": station(IFINDEX, AP,
                       attr(STA_SIGNAL, struct.pack(E + "h", -60)),          # u8 sent as 2 bytes
                       attr(STA_TX_RETRIES, struct.pack(E + "H", 9)),        # u32 sent as 2 bytes
                       attr(STA_TX_FAILED, struct.pack(E + "Q", 1)),         # u32 sent as 8 bytes
                       s8(STA_SIGNAL_AVG, -61),
                       nest(STA_TX_BITRATE, attr(RATE_BITRATE32, b"\x10\x05\x00"), u8(RATE_MCS, 4)),
                       attr(STA_CONNECTED_TIME, b"\x01\x00\x00\x00\x00")),  # u32 sent as 5 bytes
}, """station_rc=1
signal_avg_dbm=-61
tx.mode=ht
tx.mcs=4
tx.nss=1
tx.width_mhz=20
bssid=02:11:22:33:44:55
stations=1
ignored=5
""")

# implausible signal bytes: 0x05 (+5 dBm), 0x00 (0 dBm), 0x80 (-128 dBm) stay unknown
CASES["sta_signal_odd"] = ({
    "station": station(IFINDEX, AP, u8(STA_SIGNAL, 0x05), u8(STA_SIGNAL_AVG, 0x80),
                       nest(STA_TX_BITRATE, u32(RATE_BITRATE32, 0), u16(RATE_BITRATE, 0))),
}, """station_rc=1
bssid=02:11:22:33:44:55
stations=1
ignored=3
""")
CASES["sta_signal_zero"] = ({
    "station": station(IFINDEX, AP, u8(STA_SIGNAL, 0x00), u8(STA_SIGNAL_AVG, 0x9c)),
}, """station_rc=1
signal_avg_dbm=-100
bssid=02:11:22:33:44:55
stations=1
ignored=1
""")

# the message says 112 bytes, 80 arrived
full = station(IFINDEX, AP, s8(STA_SIGNAL, -62), u32(STA_CONNECTED_TIME, 3600),
               nest(STA_TX_BITRATE, u32(RATE_BITRATE32, 1444), u8(RATE_MCS, 15)), u32(STA_TX_RETRIES, 1))
CASES["sta_truncated"] = ({"station": full[:80]}, """station_rc=-1
err=nlmsg_len %d does not fit the 80 bytes received
""" % len(full))

# an attribute inside the station info whose length runs past the nest
CASES["sta_overrun"] = ({
    "station": station(IFINDEX, AP, s8(STA_SIGNAL, -62), raw_attr(STA_TX_RETRIES, 40, struct.pack(E + "I", 5))),
}, """station_rc=-1
err=station info: attribute 11 of length 40 overruns its 8 bytes
""")

# nested rate info cut: 3 stray bytes after its last attribute
CASES["sta_rate_stray"] = ({
    "station": station(IFINDEX, AP, s8(STA_SIGNAL, -62),
                       attr(STA_TX_BITRATE | NLA_F_NESTED, u32(RATE_BITRATE32, 1444) + b"\x05\x00\x05")),
}, """station_rc=-1
err=tx bitrate: 3 stray bytes after the last attribute
""")

# a header only: shorter than nlmsghdr + genlmsghdr
CASES["sta_short"] = ({"station": msg(NL80211_ID, NL80211_CMD_NEW_STATION, b"")[:18]}, """station_rc=-1
err=message of 18 bytes: shorter than its headers
""")

# a dump of three entries: another interface's station (skipped), ours, and a second one of ours
# (a station interface has one; the first wins, the second only counts); then a message that is
# not a station at all (NEW_INTERFACE)
CASES["sta_dump_three"] = ({
    "station": station(9, [2, 0, 0, 0, 0, 9], s8(STA_SIGNAL, -30)) +
               station(IFINDEX, AP, s8(STA_SIGNAL, -70), u32(STA_TX_RETRIES, 100)) +
               station(IFINDEX, [2, 0, 0, 0, 0, 7], s8(STA_SIGNAL, -20), attr(STA_TX_FAILED, b"\x01")) +
               msg(NL80211_ID, NL80211_CMD_NEW_INTERFACE, u32(NL80211_ATTR_IFINDEX, IFINDEX)),
}, """station_rc=0 1 1 0
signal_dbm=-70
tx_retries=100
bssid=02:11:22:33:44:55
stations=2
ignored=1
""")

# a survey without the in-use flag anywhere: no noise; one noise byte out of range
CASES["survey_no_in_use"] = ({
    "survey": survey(2412, -95) + survey(2437, 0) + survey(5180, -97),
}, """survey_rc=0 0 0
ignored=1
""")

# the generic netlink controller's dump: nlctrl, nl80211 (id 28), devlink
CASES["family_dump"] = ({
    "family": family("nlctrl", 16) + family("nl80211", NL80211_ID) + family("devlink", 29),
}, """family_rc=0 1 0
family_id=28
ignored=0
""")

# a kernel without cfg80211: no nl80211 in the dump ("nl80211x" is not it either)
CASES["family_missing"] = ({
    "family": family("nlctrl", 16) + family("nl80211x", 30) + family("acpi_event", 17),
}, """family_rc=0 0 0
ignored=0
""")

# ---- ubus call iwinfo info (rpcd iwinfo.c format) ----

IWINFO = {}
IWINFO["iwinfo_client"] = ("""{
	"phy": "phy0",
	"ssid": "Camping-WiFi",
	"bssid": "A4:2B:B0:12:34:56",
	"country": "DE",
	"mode": "Client",
	"channel": 6,
	"center_chan1": 6,
	"frequency": 2437,
	"frequency_offset": 0,
	"txpower": 20,
	"txpower_offset": 0,
	"quality": 48,
	"quality_max": 70,
	"signal": -62,
	"noise": -92,
	"bitrate": 144400,
	"encryption": {
		"enabled": true,
		"wpa": [
			2
		],
		"authentication": [
			"psk"
		],
		"ciphers": [
			"ccmp"
		]
	},
	"htmodes": [
		"HT20",
		"HT40"
	],
	"hwmodes": [
		"b",
		"g",
		"n"
	],
	"hwmodes_text": "802.11bgn",
	"hwmode": "n",
	"htmode": "HT20",
	"hardware": {
		"id": [
			5315,
			31105,
			5315,
			31105
		],
		"name": "MediaTek MT7981"
	}
}
""", """iwinfo_rc=3
signal_dbm=-62
noise_dbm=-92
snr_db=30
tx.mbps=144.4
frequency_mhz=2437
quality=48
quality_max=70
bssid=a4:2b:b0:12:34:56
ssid=Camping-WiFi
mode=Client
ignored=0
""")

# a station interface not associated: no signal/noise/bitrate from iwinfo, bssid all zero
IWINFO["iwinfo_unassociated"] = ("""{
	"phy": "phy1",
	"bssid": "00:00:00:00:00:00",
	"mode": "Client",
	"channel": 36,
	"frequency": 5180,
	"txpower": 23,
	"quality": 0,
	"quality_max": 70,
	"signal": 0,
	"noise": 0,
	"encryption": {
		"enabled": false
	},
	"hardware": {
		"name": "Generic MAC80211"
	}
}
""", """iwinfo_rc=0
frequency_mhz=5180
quality=0
quality_max=70
mode=Client
ignored=0
""")

# a driver without a survey: noise left out by rpcd
IWINFO["iwinfo_no_noise"] = ("""{"phy":"phy0","ssid":"Harbour","bssid":"02:AA:BB:CC:DD:EE","mode":"Client",
"channel":11,"frequency":2462,"quality":25,"quality_max":70,"signal":-85,"bitrate":6500,
"hardware":{"name":"Qualcomm Atheros QCA9531"}}
""", """iwinfo_rc=2
signal_dbm=-85
tx.mbps=6.5
frequency_mhz=2462
quality=25
quality_max=70
bssid=02:aa:bb:cc:dd:ee
ssid=Harbour
mode=Client
ignored=0
""")

# wrong types and ranges: signal as a string, bitrate as a double, quality above its max,
# an SSID with a control character, a bssid that is not one
IWINFO["iwinfo_odd_types"] = ("""{"ssid":"Bad\\u0007Net","bssid":"not-a-mac","mode":"Client","signal":"-62",
"noise":-95,"bitrate":144400.5,"quality":80,"quality_max":70,"frequency":-3}
""", """iwinfo_rc=1
noise_dbm=-95
ssid=Bad?Net
mode=Client
ignored=5
""")

# out of range: signal -200 dBm, noise +10 dBm
IWINFO["iwinfo_out_of_range"] = ("""{"signal":-200,"noise":10,"bitrate":0}
""", """iwinfo_rc=0
ignored=2
""")

IWINFO["iwinfo_cut"] = ("""{"signal": -62, "noise": """, """iwinfo_rc=-1
err=not JSON (cut short)
""")
IWINFO["iwinfo_array"] = ("""[{"signal": -62}]
""", """iwinfo_rc=-1
err=not a JSON object
""")
IWINFO["iwinfo_trailing"] = ("""{"signal": -62}
Command failed: Not found
""", """iwinfo_rc=-1
err=text after the JSON value
""")


def main():
    if E == ">":
        for name, (files, golden) in CASES.items():
            for kind, data in files.items():
                with open(os.path.join(HERE, "%s.%s.be.nl" % (name, kind)), "wb") as f:
                    f.write(data)
        return
    os.makedirs(CORPUS, exist_ok=True)
    for name in os.listdir(HERE):
        if name.endswith((".nl", ".golden", ".json")):
            os.unlink(os.path.join(HERE, name))
    selector = {"station": 0, "survey": 1, "family": 2, "iwinfo": 3}
    for name, (files, golden) in CASES.items():
        for kind, data in files.items():
            with open(os.path.join(HERE, "%s.%s.nl" % (name, kind)), "wb") as f:
                f.write(data)
            with open(os.path.join(CORPUS, "%s_%s" % (name, kind)), "wb") as f:
                f.write(bytes([selector[kind]]) + first_message(data))
        with open(os.path.join(HERE, name + ".golden"), "w") as f:
            f.write(golden)
    for name, (text, golden) in IWINFO.items():
        with open(os.path.join(HERE, name + ".iwinfo.json"), "w") as f:
            f.write(text)
        with open(os.path.join(HERE, name + ".golden"), "w") as f:
            f.write(golden)
        with open(os.path.join(CORPUS, name), "wb") as f:
            f.write(b"\x03" + text.encode())
    subprocess.run([sys.executable, os.path.abspath(__file__)], check=True,
                   env=dict(os.environ, SF_WIFI_ENDIAN=">"))


def first_message(data):
    """The fuzzer takes one message: the first of a datagram (all of it when cut)."""
    if len(data) >= 4:
        n = struct.unpack("<I", data[:4])[0]
        if 16 <= n <= len(data):
            return data[:n]
    return data


if __name__ == "__main__":
    main()
