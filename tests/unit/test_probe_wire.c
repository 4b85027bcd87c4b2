/* test_probe_wire.c - ICMP echo and DNS packet building and parsing */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "probe_wire.h"

/* An IPv4 header in front of an ICMP message, as a raw socket returns it. */
static size_t wrap_ipv4(uint8_t *out, const uint8_t *icmp, size_t len)
{
	memset(out, 0, 20);
	out[0] = 0x45;
	out[2] = (uint8_t)((20 + len) >> 8);
	out[3] = (uint8_t)(20 + len);
	out[8] = 64;
	out[9] = 1;
	memcpy(out + 20, icmp, len);
	return 20 + len;
}

static size_t make_reply(uint8_t *buf, size_t cap, uint16_t id, uint16_t seq)
{
	size_t n = wire_echo_build(buf, cap, false, id, seq, 16);
	buf[0] = 0;	/* echo reply */
	buf[2] = buf[3] = 0;
	uint16_t c = wire_csum(buf, n);
	buf[2] = (uint8_t)(c >> 8);
	buf[3] = (uint8_t)c;
	return n;
}

static void test_checksum_known(void **state)
{
	/* RFC 1071 example: 0x0001 f203 f4f5 f6f7 -> sum 0xddf2, checksum 0x220d */
	const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	assert_int_equal(wire_csum(b, sizeof(b)), 0x220d);
}

static void test_echo_request_v4(void **state)
{
	uint8_t buf[64];
	size_t n = wire_echo_build(buf, sizeof(buf), false, 0x1234, 7, 16);
	assert_int_equal(n, 24);
	assert_int_equal(buf[0], 8);
	assert_int_equal(wire_csum(buf, n), 0);	/* checksum makes the sum verify */
	assert_int_equal(wire_echo_build(buf, 10, false, 1, 1, 16), 0);	/* too small */
}

static void test_echo_reply_parse(void **state)
{
	uint8_t icmp[64], pkt[128];
	uint16_t id = 0, seq = 0;
	const char *why = NULL;
	size_t n = make_reply(icmp, sizeof(icmp), 0xbeef, 42);

	size_t pn = wrap_ipv4(pkt, icmp, n);
	assert_int_equal(wire_echo_parse(pkt, pn, false, true, &id, &seq, &why), WIRE_OK);
	assert_int_equal(id, 0xbeef);
	assert_int_equal(seq, 42);

	/* without the IP header (ping socket) */
	assert_int_equal(wire_echo_parse(icmp, n, false, false, &id, &seq, &why), WIRE_OK);

	/* every truncation is rejected, never read past the end */
	for (size_t l = 0; l < 20 + ICMP_ECHO_HDR_LEN; l++)
		assert_int_equal(wire_echo_parse(pkt, l, false, true, &id, &seq, &why), WIRE_BAD);

	/* corrupted payload: bad checksum */
	pkt[pn - 1] ^= 0xff;
	assert_int_equal(wire_echo_parse(pkt, pn, false, true, &id, &seq, &why), WIRE_BAD);
	assert_string_equal(why, "bad ICMP checksum");

	/* an echo request (someone pinging us) is not ours */
	wire_echo_build(icmp, sizeof(icmp), false, 1, 1, 8);
	pn = wrap_ipv4(pkt, icmp, 16);
	assert_int_equal(wire_echo_parse(pkt, pn, false, true, &id, &seq, &why), WIRE_NOT_OURS);

	/* IHL larger than the packet */
	pkt[0] = 0x4f;
	assert_int_equal(wire_echo_parse(pkt, 30, false, true, &id, &seq, &why), WIRE_BAD);
}

static void test_echo_v6(void **state)
{
	uint8_t buf[64];
	uint16_t id, seq;
	size_t n = wire_echo_build(buf, sizeof(buf), true, 9, 10, 8);
	assert_int_equal(buf[0], 128);
	assert_int_equal(wire_echo_parse(buf, n, true, false, &id, &seq, NULL), WIRE_NOT_OURS);
	buf[0] = 129;
	assert_int_equal(wire_echo_parse(buf, n, true, false, &id, &seq, NULL), WIRE_OK);
	assert_int_equal(id, 9);
	assert_int_equal(seq, 10);
	buf[1] = 3;	/* non-zero code */
	assert_int_equal(wire_echo_parse(buf, n, true, false, &id, &seq, NULL), WIRE_BAD);
}

static void test_dns_name(void **state)
{
	uint8_t b[300];
	assert_int_equal(wire_dns_name(b, sizeof(b), "."), 1);
	assert_int_equal(b[0], 0);
	assert_int_equal(wire_dns_name(b, sizeof(b), "example.org"), 13);
	assert_memory_equal(b, "\x07" "example" "\x03" "org" "\x00", 13);
	assert_int_equal(wire_dns_name(b, sizeof(b), "example.org."), 13);
	assert_int_equal(wire_dns_name(b, sizeof(b), "a..b"), 0);
	assert_int_equal(wire_dns_name(b, sizeof(b), "bad name"), 0);
	char lab[70];
	memset(lab, 'a', 64);
	lab[64] = 0;
	assert_int_equal(wire_dns_name(b, sizeof(b), lab), 0);	/* label > 63 */
	lab[63] = 0;
	assert_int_equal(wire_dns_name(b, sizeof(b), lab), 65);
	assert_int_equal(wire_dns_name(b, 10, "example.org"), 0);	/* buffer too small */
}

static void test_dns_query_reply(void **state)
{
	uint8_t q[DNS_QUERY_MAX], r[DNS_QUERY_MAX + 64];
	size_t ql = wire_dns_query(q, sizeof(q), 0xabcd, "Example.org", 6);
	assert_int_equal(ql, 12 + 13 + 4);
	assert_int_equal(q[0], 0xab);
	assert_int_equal(q[2] & 0x80, 0);

	/* a reply: same question (other case), QR set, NXDOMAIN, an answer appended */
	memcpy(r, q, ql);
	r[2] |= 0x80;
	r[3] = 0x03;
	r[13] = 'E' ^ 0x20;	/* 'e' */
	memset(r + ql, 0, 16);
	uint16_t id = 0;
	int rcode = -1;
	const char *why = NULL;
	assert_int_equal(wire_dns_parse(r, ql + 16, q, ql, &id, &rcode, &why), WIRE_OK);
	assert_int_equal(id, 0xabcd);
	assert_int_equal(rcode, 3);

	for (size_t l = 0; l < ql; l++)
		assert_int_not_equal(wire_dns_parse(r, l, q, ql, &id, &rcode, &why), WIRE_OK);

	r[20] = 'x';	/* other name */
	assert_int_equal(wire_dns_parse(r, ql, q, ql, &id, &rcode, &why), WIRE_NOT_OURS);
	r[20] = q[20];
	r[ql - 3] = 1;	/* other type (A instead of SOA) */
	assert_int_equal(wire_dns_parse(r, ql, q, ql, &id, &rcode, &why), WIRE_NOT_OURS);
	r[ql - 3] = q[ql - 3];
	r[2] &= 0x7f;	/* a query, not a response */
	assert_int_equal(wire_dns_parse(r, ql, q, ql, &id, &rcode, &why), WIRE_BAD);
	r[2] |= 0x80;
	r[5] = 2;	/* two questions */
	assert_int_equal(wire_dns_parse(r, ql, q, ql, &id, &rcode, &why), WIRE_BAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum_known),
		cmocka_unit_test(test_echo_request_v4),
		cmocka_unit_test(test_echo_reply_parse),
		cmocka_unit_test(test_echo_v6),
		cmocka_unit_test(test_dns_name),
		cmocka_unit_test(test_dns_query_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
