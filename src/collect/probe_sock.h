/*
 * probe_sock.h - the prober's sockets and what a reply on them is.
 *
 * ICMP echo goes through a ping socket (SOCK_DGRAM/IPPROTO_ICMP or
 * IPPROTO_ICMPV6) when net.ipv4.ping_group_range admits the daemon's group:
 * the kernel then picks the echo id (the bound "port"), rewrites it into
 * every request and hands the socket only replies carrying it. Otherwise a
 * raw socket with our own random id and a classic BPF socket filter
 * (SO_ATTACH_FILTER) that passes only echo replies with that id, so other
 * pingers on the router never wake the daemon (plus ICMP_FILTER /
 * ICMP6_FILTER on the type). DNS probes use one UDP socket per family.
 * Every socket is bound to the member's device (SO_BINDTODEVICE), source
 * address and mark (SO_MARK).
 *
 * Every echo request carries a cookie in its payload: PROBE_COOKIE_LEN bytes
 * of the round's random value (fresh per round, probe_rand.h) xor the
 * target's index. A reply answers a probe only when id, sequence, source
 * address and cookie all match; with the right id but another payload it is
 * spoofed (PV_BAD_PAYLOAD); a second valid reply to the same probe is a
 * duplicate (PV_DUPLICATE), also after the round ended.
 */
#ifndef SF_PROBE_SOCK_H
#define SF_PROBE_SOCK_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "probe.h"
#include "probe_rand.h"

enum { PROBE_F4, PROBE_F6, PROBE_NFAM };

#define PROBE_COOKIE_LEN 8
#define PROBE_PKT_MAX 1600

/* Where a member's sockets are bound. */
struct probe_bind {
	const char *device;
	uint32_t mark;		/* 0 = none */
	struct in_addr src4;
	struct in6_addr src6;
};

enum psock_kind { PSOCK_NONE, PSOCK_PING, PSOCK_RAW, PSOCK_UDP };

struct psock {
	int fd;			/* -1 = closed */
	ev_io io;
	int fam;		/* PROBE_F4/PROBE_F6 */
	enum psock_kind kind;
	bool ip_hdr;		/* raw IPv4: replies start with the IP header */
	bool id_weak;		/* raw: icmp_id drawn without kernel entropy */
	uint16_t icmp_id;	/* the id replies carry (the kernel's on ping sockets) */
	void *owner;
	bool denied;		/* the last open failed for want of privilege (EPERM/EACCES) */
};

/* What the round in progress (or the last one) expects. */
struct probe_expect {
	bool in_round;		/* false: the round ended, replies are late */
	uint16_t seq;
	uint64_t cookie;
	int n;
	const struct probe_target *targets;
	const struct probe_result *results;	/* sent / answered per target */
	const uint16_t *dns_txid;
};

enum probe_verdict {
	PV_ANSWER,		/* *target answered */
	PV_IGNORED,		/* not an answer to us, or late */
	PV_BAD,			/* truncated, bad checksum, unexpected source or id */
	PV_BAD_PAYLOAD,		/* our id, seq and source, another cookie: spoofed */
	PV_DUPLICATE,		/* a second reply to a probe already answered */
};

void psock_init(struct psock *s);

/* Bind fd to b (device, mark, source address of family fam, port). 0 or -1 + why. */
int probe_sock_bind(int fd, int fam, const struct probe_bind *b, uint16_t port, char *why, size_t n);

/*
 * Open the ICMP socket of family fam (ping socket first, raw + filter
 * otherwise), bound to b, watched on loop with cb (w->data = s). 0, or -1
 * with the reason in why.
 */
int psock_open_icmp(struct psock *s, struct ev_loop *loop, int fam, const struct probe_bind *b,
		    struct probe_rng *rng, void (*cb)(struct ev_loop *, ev_io *, int), void *owner,
		    char *why, size_t n);
int psock_open_dns(struct psock *s, struct ev_loop *loop, int fam, const struct probe_bind *b,
		   void (*cb)(struct ev_loop *, ev_io *, int), void *owner, char *why, size_t n);
void psock_close(struct ev_loop *loop, struct psock *s);

/* A raw socket whose id was drawn weakly gets a strong one (and filter) once it can. */
void psock_refresh_id(struct psock *s, struct probe_rng *rng);

/*
 * L3 bytes of one probe of t, both ways: IP headers, the echo with its
 * payload (at least the cookie), TCP's SYN/SYN-ACK/ACK/RST, or a DNS query
 * of dns_qlen bytes and an answer of about 64 more.
 */
double probe_target_bytes(const struct probe_target *t, int payload_bytes, size_t dns_qlen);

/* "ping", "raw" or "none": what the ICMP sockets of a prober are. */
const char *psock_kind_name(enum psock_kind k);

/* Build the echo request of target i into buf. Returns the length or 0. */
size_t probe_echo_build(uint8_t *buf, size_t cap, const struct psock *s, const struct probe_expect *e,
			int i, size_t payload_len);

/* What a datagram received on s is; *target set on PV_ANSWER and PV_DUPLICATE. */
enum probe_verdict probe_echo_match(const struct psock *s, const uint8_t *buf, size_t len,
				    const struct sockaddr_storage *from, const struct probe_expect *e,
				    int *target, const char **why);
enum probe_verdict probe_dns_match(const uint8_t *buf, size_t len, const struct sockaddr_storage *from,
				   const uint8_t *query, size_t qlen, const struct probe_expect *e,
				   int *target, const char **why);

/*
 * One reply datagram of socket s, received at t_ns; returns true when it
 * ended the round (on_round may have freed the prober: stop reading).
 */
typedef bool (*psock_reply_fn)(struct psock *s, const uint8_t *buf, size_t len,
			       const struct sockaddr_storage *from, int64_t t_ns);

/* Read at most PROBE_RECV_BURST datagrams queued on s, each to fn. */
#define PROBE_RECV_BURST 64
void psock_recv_burst(struct psock *s, psock_reply_fn fn);

#endif
