/*
 * test_probe_sock.c - matching echo and DNS replies to probes
 * (probe_echo_match, probe_dns_match): an answer needs our id, the round's
 * seq, the target's source and its cookie; another payload is spoofed, a
 * second valid reply is a duplicate (also after the round ended), an
 * earlier round's reply or another id is ignored, another source is bad.
 * Pure functions over packets, no sockets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "probe_sock.h"
#include "probe_wire.h"

static struct probe_target tg[2];
static struct probe_result res[2];
static struct psock s4;

static struct probe_expect expect(void)
{
	return (struct probe_expect){ .in_round = true, .seq = 77, .cookie = 0x1122334455667788ull, .n = 2,
				      .targets = tg, .results = res };
}

static int setup(void **state)
{
	memset(tg, 0, sizeof(tg));
	memset(res, 0, sizeof(res));
	for (int i = 0; i < 2; i++) {
		tg[i].kind = PROBE_ICMP;
		tg[i].family = AF_INET;
		res[i].sent = true;
	}
	inet_pton(AF_INET, "192.0.2.1", &tg[0].addr.v4);
	inet_pton(AF_INET, "192.0.2.2", &tg[1].addr.v4);
	psock_init(&s4);
	s4.fam = PROBE_F4;
	s4.kind = PSOCK_PING;
	s4.icmp_id = 0x4242;
	return 0;
}

/* The request for target i turned into the reply its target sends. */
static size_t reply_of(uint8_t *buf, const struct probe_expect *e, int i)
{
	size_t n = probe_echo_build(buf, PROBE_PKT_MAX, &s4, e, i, 16);
	assert_true(n >= ICMP_ECHO_HDR_LEN + PROBE_COOKIE_LEN + 8);
	buf[0] = 0;
	buf[2] = buf[3] = 0;
	uint16_t c = wire_csum(buf, n);
	buf[2] = (uint8_t)(c >> 8);
	buf[3] = (uint8_t)c;
	return n;
}

static void fix_csum(uint8_t *buf, size_t n)
{
	buf[2] = buf[3] = 0;
	uint16_t c = wire_csum(buf, n);
	buf[2] = (uint8_t)(c >> 8);
	buf[3] = (uint8_t)c;
}

static struct sockaddr_storage from4(const char *a)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
	sa->sin_family = AF_INET;
	inet_pton(AF_INET, a, &sa->sin_addr);
	return ss;
}

static void test_answer_and_duplicate(void **state)
{
	uint8_t b[PROBE_PKT_MAX];
	struct probe_expect e = expect();
	struct sockaddr_storage f = from4("192.0.2.2");
	const char *why = "";
	int t = -9;
	size_t n = reply_of(b, &e, 1);
	assert_int_equal(probe_echo_match(&s4, b, n, &f, &e, &t, &why), PV_ANSWER);
	assert_int_equal(t, 1);
	res[1].answered = true;
	assert_int_equal(probe_echo_match(&s4, b, n, &f, &e, &t, &why), PV_DUPLICATE);
	assert_int_equal(t, 1);
	e.in_round = false;	/* the round ended: still a duplicate, not bad */
	assert_int_equal(probe_echo_match(&s4, b, n, &f, &e, &t, &why), PV_DUPLICATE);
	res[1].answered = false;	/* a timed-out probe answered late */
	assert_int_equal(probe_echo_match(&s4, b, n, &f, &e, &t, &why), PV_IGNORED);
}

static void test_spoofed_payload(void **state)
{
	uint8_t b[PROBE_PKT_MAX];
	struct probe_expect e = expect();
	struct sockaddr_storage f = from4("192.0.2.1");
	const char *why = "";
	int t;
	size_t n = reply_of(b, &e, 0);
	b[ICMP_ECHO_HDR_LEN + 3] ^= 1;
	fix_csum(b, n);
	assert_int_equal(probe_echo_match(&s4, b, n, &f, &e, &t, &why), PV_BAD_PAYLOAD);
	assert_string_equal(why, "payload is not our cookie");
	/* target 1's cookie from target 0's address: spoofed too */
	n = reply_of(b, &e, 1);
	assert_int_equal(probe_echo_match(&s4, b, n, &f, &e, &t, &why), PV_BAD_PAYLOAD);
	/* a payload shorter than the cookie */
	n = reply_of(b, &e, 0);
	assert_int_equal(probe_echo_match(&s4, b, ICMP_ECHO_HDR_LEN + 4, &f, &e, &t, &why), PV_BAD);	/* checksum */
	uint8_t s[ICMP_ECHO_HDR_LEN + 4];
	memcpy(s, b, sizeof(s));
	fix_csum(s, sizeof(s));
	assert_int_equal(probe_echo_match(&s4, s, sizeof(s), &f, &e, &t, &why), PV_BAD_PAYLOAD);
	/* the previous round's cookie with this round's seq */
	struct probe_expect old = e;
	old.cookie ^= 0x100;
	n = reply_of(b, &old, 0);
	assert_int_equal(probe_echo_match(&s4, b, n, &f, &e, &t, &why), PV_BAD_PAYLOAD);
	assert_false(res[0].answered);
}

static void test_other_id_seq_source(void **state)
{
	uint8_t b[PROBE_PKT_MAX];
	struct probe_expect e = expect();
	struct sockaddr_storage f = from4("192.0.2.1");
	const char *why = "";
	int t;
	size_t n = reply_of(b, &e, 0);
	b[5] ^= 1;	/* another program's id */
	fix_csum(b, n);
	assert_int_equal(probe_echo_match(&s4, b, n, &f, &e, &t, &why), PV_IGNORED);
	n = reply_of(b, &e, 0);
	b[7] ^= 1;	/* an earlier round */
	fix_csum(b, n);
	assert_int_equal(probe_echo_match(&s4, b, n, &f, &e, &t, &why), PV_IGNORED);
	n = reply_of(b, &e, 0);
	struct sockaddr_storage other = from4("198.51.100.9");
	assert_int_equal(probe_echo_match(&s4, b, n, &other, &e, &t, &why), PV_BAD);
	assert_string_equal(why, "unexpected source");
	b[3] ^= 1;	/* bad checksum */
	assert_int_equal(probe_echo_match(&s4, b, n, &f, &e, &t, &why), PV_BAD);
	res[0].sent = false;	/* not probed this round */
	n = reply_of(b, &e, 0);
	assert_int_equal(probe_echo_match(&s4, b, n, &f, &e, &t, &why), PV_BAD);
}

static void test_raw_v4_header(void **state)
{
	uint8_t icmp[PROBE_PKT_MAX], pkt[PROBE_PKT_MAX];
	struct probe_expect e = expect();
	struct sockaddr_storage f = from4("192.0.2.1");
	const char *why = "";
	int t;
	size_t n = reply_of(icmp, &e, 0);
	memset(pkt, 0, 20);
	pkt[0] = 0x45;
	pkt[2] = (uint8_t)((20 + n) >> 8);
	pkt[3] = (uint8_t)(20 + n);
	pkt[9] = 1;
	memcpy(pkt + 20, icmp, n);
	struct psock raw = s4;
	raw.kind = PSOCK_RAW;
	raw.ip_hdr = true;
	assert_int_equal(probe_echo_match(&raw, pkt, 20 + n, &f, &e, &t, &why), PV_ANSWER);
	assert_int_equal(t, 0);
}

static void test_dns(void **state)
{
	uint8_t q[DNS_QUERY_MAX], r[DNS_QUERY_MAX];
	size_t ql = wire_dns_query(q, sizeof(q), 0, ".", 6);
	uint16_t txid[2] = { 0x1001, 0x2002 };
	tg[1].kind = PROBE_DNS;
	tg[1].port = 53;
	struct probe_expect e = expect();
	e.dns_txid = txid;
	memcpy(r, q, ql);
	r[0] = 0x20;
	r[1] = 0x02;
	r[2] |= 0x80;
	struct sockaddr_storage f = from4("192.0.2.2");
	((struct sockaddr_in *)&f)->sin_port = htons(53);
	const char *why = "";
	int t;
	assert_int_equal(probe_dns_match(r, ql, &f, q, ql, &e, &t, &why), PV_ANSWER);
	assert_int_equal(t, 1);
	res[1].answered = true;
	assert_int_equal(probe_dns_match(r, ql, &f, q, ql, &e, &t, &why), PV_DUPLICATE);
	r[1] = 0x03;	/* another id */
	assert_int_equal(probe_dns_match(r, ql, &f, q, ql, &e, &t, &why), PV_BAD);
}

static void test_cookie_minimum(void **state)
{
	uint8_t b[PROBE_PKT_MAX];
	struct probe_expect e = expect();
	/* probe_payload_bytes 0 still carries the cookie */
	size_t n = probe_echo_build(b, sizeof(b), &s4, &e, 0, 0);
	assert_int_equal(n, ICMP_ECHO_HDR_LEN + PROBE_COOKIE_LEN);
	assert_int_equal(wire_csum(b, n), 0);
	uint8_t c[PROBE_PKT_MAX];
	struct probe_expect e2 = expect();
	e2.cookie++;
	probe_echo_build(c, sizeof(c), &s4, &e2, 0, 0);
	assert_memory_not_equal(b + ICMP_ECHO_HDR_LEN, c + ICMP_ECHO_HDR_LEN, PROBE_COOKIE_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_answer_and_duplicate, setup),
		cmocka_unit_test_setup(test_spoofed_payload, setup),
		cmocka_unit_test_setup(test_other_id_seq_source, setup),
		cmocka_unit_test_setup(test_raw_v4_header, setup),
		cmocka_unit_test_setup(test_dns, setup),
		cmocka_unit_test_setup(test_cookie_minimum, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
