/* probe_wire.c - see probe_wire.h */
#include "probe_wire.h"

#include <ctype.h>
#include <string.h>

#define ICMP4_ECHO_REQUEST 8
#define ICMP4_ECHO_REPLY 0
#define ICMP6_ECHO_REQ 128
#define ICMP6_ECHO_REP 129

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint16_t wire_csum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t wire_echo_build_cookie(uint8_t *buf, size_t cap, bool v6, uint16_t id, uint16_t seq,
			      const uint8_t *cookie, size_t cookie_len, size_t payload_len)
{
	if (payload_len < cookie_len)
		payload_len = cookie_len;
	size_t len = ICMP_ECHO_HDR_LEN + payload_len;

	if (cap < len)
		return 0;
	buf[0] = v6 ? ICMP6_ECHO_REQ : ICMP4_ECHO_REQUEST;
	buf[1] = 0;
	put16(buf + 2, 0);
	put16(buf + 4, id);
	put16(buf + 6, seq);
	if (cookie_len)
		memcpy(buf + ICMP_ECHO_HDR_LEN, cookie, cookie_len);
	for (size_t i = cookie_len; i < payload_len; i++)
		buf[ICMP_ECHO_HDR_LEN + i] = (uint8_t)('S' + i % 16);
	if (!v6)
		put16(buf + 2, wire_csum(buf, len));
	return len;
}

size_t wire_echo_build(uint8_t *buf, size_t cap, bool v6, uint16_t id, uint16_t seq,
		       size_t payload_len)
{
	return wire_echo_build_cookie(buf, cap, v6, id, seq, NULL, 0, payload_len);
}

static enum wire_verdict reject(const char **why, const char *reason, enum wire_verdict v)
{
	if (why)
		*why = reason;
	return v;
}

enum wire_verdict wire_echo_parse(const uint8_t *buf, size_t len, bool v6, bool ip_hdr,
				  uint16_t *id, uint16_t *seq, const char **why)
{
	const uint8_t *pl;
	size_t pl_len;
	return wire_echo_parse_payload(buf, len, v6, ip_hdr, id, seq, &pl, &pl_len, why);
}

enum wire_verdict wire_echo_parse_payload(const uint8_t *buf, size_t len, bool v6, bool ip_hdr,
					  uint16_t *id, uint16_t *seq, const uint8_t **payload,
					  size_t *payload_len, const char **why)
{
	if (ip_hdr && !v6) {
		if (len < 20)
			return reject(why, "truncated IPv4 header", WIRE_BAD);
		if (buf[0] >> 4 != 4)
			return reject(why, "not IPv4", WIRE_BAD);
		size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
		if (ihl < 20 || ihl > len)
			return reject(why, "bad IPv4 header length", WIRE_BAD);
		if (buf[9] != 1)
			return reject(why, "not ICMP", WIRE_NOT_OURS);
		size_t tot = get16(buf + 2);
		if (tot >= ihl && tot < len)
			len = tot;	/* ignore link padding */
		buf += ihl;
		len -= ihl;
	}
	if (len < ICMP_ECHO_HDR_LEN)
		return reject(why, "truncated ICMP header", WIRE_BAD);
	if (buf[0] != (v6 ? ICMP6_ECHO_REP : ICMP4_ECHO_REPLY))
		return reject(why, "not an echo reply", WIRE_NOT_OURS);
	if (buf[1] != 0)
		return reject(why, "bad echo reply code", WIRE_BAD);
	if (!v6 && wire_csum(buf, len) != 0)
		return reject(why, "bad ICMP checksum", WIRE_BAD);
	*id = get16(buf + 4);
	*seq = get16(buf + 6);
	*payload = buf + ICMP_ECHO_HDR_LEN;
	*payload_len = len - ICMP_ECHO_HDR_LEN;
	return WIRE_OK;
}

static bool dns_label_char(int c)
{
	return isalnum(c) || c == '-' || c == '_';
}

size_t wire_dns_name(uint8_t *buf, size_t cap, const char *name)
{
	size_t out = 0;
	const char *p = name;

	if (strcmp(name, ".") == 0)
		p = "";
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63 || out + 1 + l + 1 > cap || out + 1 + l + 1 > 255)
			return 0;
		for (size_t i = 0; i < l; i++)
			if (!dns_label_char((unsigned char)p[i]))
				return 0;
		buf[out++] = (uint8_t)l;
		memcpy(buf + out, p, l);
		out += l;
		p += l;
		if (*p == '.')
			p++;
	}
	if (out + 1 > cap)
		return 0;
	buf[out++] = 0;
	return out;
}

size_t wire_dns_query(uint8_t *buf, size_t cap, uint16_t txid, const char *name, uint16_t qtype)
{
	if (cap < DNS_HDR_LEN + 5)
		return 0;
	memset(buf, 0, DNS_HDR_LEN);
	put16(buf, txid);
	buf[2] = 0x01;		/* RD */
	put16(buf + 4, 1);	/* QDCOUNT */
	size_t n = wire_dns_name(buf + DNS_HDR_LEN, cap - DNS_HDR_LEN - 4, name);
	if (!n)
		return 0;
	size_t off = DNS_HDR_LEN + n;
	put16(buf + off, qtype);
	put16(buf + off + 2, 1);	/* IN */
	return off + 4;
}

enum wire_verdict wire_dns_parse(const uint8_t *buf, size_t len, const uint8_t *q, size_t qlen,
				 uint16_t *txid, int *rcode, const char **why)
{
	if (len < DNS_HDR_LEN)
		return reject(why, "truncated DNS header", WIRE_BAD);
	if (!(buf[2] & 0x80))
		return reject(why, "DNS message is not a response", WIRE_BAD);
	if ((buf[2] >> 3) & 0x0f)
		return reject(why, "DNS opcode is not QUERY", WIRE_BAD);
	if (get16(buf + 4) != 1)
		return reject(why, "DNS reply does not hold exactly one question", WIRE_BAD);
	if (qlen < DNS_HDR_LEN)
		return reject(why, "no query to match", WIRE_BAD);
	size_t qs = qlen - DNS_HDR_LEN;
	if (len < DNS_HDR_LEN + qs)
		return reject(why, "truncated DNS question", WIRE_BAD);
	if (qs < 4)
		return reject(why, "no query to match", WIRE_BAD);
	const uint8_t *a = buf + DNS_HDR_LEN, *b = q + DNS_HDR_LEN;
	for (size_t i = 0; i < qs - 4; i++)	/* name: letters in any case */
		if (tolower(a[i]) != tolower(b[i]))
			return reject(why, "DNS question differs from ours", WIRE_NOT_OURS);
	if (memcmp(a + qs - 4, b + qs - 4, 4))	/* type and class */
		return reject(why, "DNS question type/class differs from ours", WIRE_NOT_OURS);
	*txid = get16(buf);
	*rcode = buf[3] & 0x0f;
	return WIRE_OK;
}
