/*
 * fuzz_probe.c - libFuzzer harness of the probe reply parsers: ICMPv4 echo
 * replies with and without an IPv4 header, ICMPv6 echo replies and DNS
 * replies matched against a fixed query. The first input byte picks the
 * parser; the rest is the packet. Checks the parsers' promises: no read
 * past the end (ASan), verdict in range, OK only for well-formed replies,
 * the echo payload (where the cookie is) inside the packet.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	size_t len = size - 1;
	/* copy into an exact-size heap buffer so ASan sees any overread */
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);

	uint16_t id = 0, seq = 0, txid = 0;
	int rcode = -1;
	const char *why = NULL;
	enum wire_verdict v;

	switch (sel % 4) {
	case 0:
	case 1:
	case 2: {
		const uint8_t *pl = NULL;
		size_t pl_len = 0;
		v = wire_echo_parse_payload(buf, len, sel % 4 == 2, sel % 4 == 0, &id, &seq, &pl, &pl_len, &why);
		if (v != WIRE_OK && v != WIRE_NOT_OURS && v != WIRE_BAD)
			abort();
		if (v == WIRE_OK && len < ICMP_ECHO_HDR_LEN)
			abort();
		if (v == WIRE_OK && (pl < buf + ICMP_ECHO_HDR_LEN || pl + pl_len > buf + len))
			abort();	/* the payload (cookie) lies inside the packet */
		if (v != WIRE_OK && !why)
			abort();
		break;
	}
	default: {
		uint8_t q[DNS_QUERY_MAX];
		size_t ql = wire_dns_query(q, sizeof(q), 0x1234, (sel & 4) ? "example.org" : ".", 6);
		if (!ql)
			abort();
		v = wire_dns_parse(buf, len, q, ql, &txid, &rcode, &why);
		if (v == WIRE_OK && (len < ql || rcode < 0 || rcode > 15))
			abort();
		if (v != WIRE_OK && !why)
			abort();
		break;
	}
	}
	free(buf);
	return 0;
}
