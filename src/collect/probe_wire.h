/*
 * probe_wire.h - build and parse the packets of the probes: ICMP/ICMPv6 echo
 * and DNS queries. Pure functions over byte buffers, no sockets, so that the
 * parsers can be fuzzed (fuzz/fuzz_probe.c) and unit-tested.
 *
 * Every reply comes from the network and may be hostile: the parsers never
 * read past len, and say whether a packet is ours, not ours (another
 * program's echo reply: ignored) or bad (truncated, bad checksum, malformed:
 * ignored and counted).
 */
#ifndef SF_PROBE_WIRE_H
#define SF_PROBE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wire_verdict {
	WIRE_OK,	/* well-formed reply; the caller still matches id/seq/source */
	WIRE_NOT_OURS,	/* well-formed but not an answer to us (other type, other id) */
	WIRE_BAD,	/* truncated, bad checksum, malformed */
};

#define ICMP_ECHO_HDR_LEN 8
#define DNS_HDR_LEN 12
#define DNS_QUERY_MAX 300	/* 12 header + 255 name + 4 */

/* RFC 1071 Internet checksum of buf. */
uint16_t wire_csum(const void *buf, size_t len);

/*
 * Write an echo request (type 8, or 128 when v6) with id, seq and
 * payload_len pattern bytes into buf. The ICMPv4 checksum is filled in; the
 * ICMPv6 one is left 0 (the kernel computes it on raw ICMPv6 sockets).
 * Returns the length, 0 when cap is too small.
 */
size_t wire_echo_build(uint8_t *buf, size_t cap, bool v6, uint16_t id, uint16_t seq,
		       size_t payload_len);

/*
 * The same with a cookie: the payload starts with the cookie_len bytes of
 * cookie, then pattern bytes up to payload_len. The payload is at least
 * cookie_len long, whatever payload_len says. Returns the length or 0.
 */
size_t wire_echo_build_cookie(uint8_t *buf, size_t cap, bool v6, uint16_t id, uint16_t seq,
			      const uint8_t *cookie, size_t cookie_len, size_t payload_len);

/*
 * Parse an echo reply. ip_hdr: buf starts with an IPv4 header (raw IPv4
 * sockets). For IPv4 the ICMP checksum is verified here; for ICMPv6 the kernel
 * verified it. On WIRE_OK *id and *seq are set. *why (optional) says why a
 * packet was rejected.
 */
enum wire_verdict wire_echo_parse(const uint8_t *buf, size_t len, bool v6, bool ip_hdr,
				  uint16_t *id, uint16_t *seq, const char **why);

/*
 * The same, and on WIRE_OK *payload / *payload_len point at the echo
 * payload inside buf (after the ICMP header, IPv4 link padding removed).
 */
enum wire_verdict wire_echo_parse_payload(const uint8_t *buf, size_t len, bool v6, bool ip_hdr,
					  uint16_t *id, uint16_t *seq, const uint8_t **payload,
					  size_t *payload_len, const char **why);

/*
 * Encode a DNS name ("example.org", "." or "") in wire format. Returns the
 * length, 0 when the name is invalid (empty label, label > 63, total > 255,
 * bytes other than letters, digits, '-' and '_').
 */
size_t wire_dns_name(uint8_t *buf, size_t cap, const char *name);

/* Write a recursive query for name/qtype (class IN). Returns length or 0. */
size_t wire_dns_query(uint8_t *buf, size_t cap, uint16_t txid, const char *name, uint16_t qtype);

/*
 * Parse a DNS reply to the query q/qlen (as built by wire_dns_query): the
 * header must have QR set, opcode 0, one question equal to ours (names
 * compared case-insensitively). Any rcode counts as an answer (it proves the
 * path works); *rcode is set. On WIRE_OK *txid is the reply's id.
 */
enum wire_verdict wire_dns_parse(const uint8_t *buf, size_t len, const uint8_t *q, size_t qlen,
				 uint16_t *txid, int *rcode, const char **why);

#endif
