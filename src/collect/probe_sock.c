/*
 * probe_sock.c - the prober's sockets (ping or raw + BPF filter, UDP for
 * DNS) and the matching of replies to probes. See probe_sock.h.
 */
#include "probe_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "probe_wire.h"

#define ECHO_REPLY4 0
#define ECHO_REPLY6 129
#define DRAIN_MAX 1024

void psock_init(struct psock *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

int probe_sock_bind(int fd, int fam, const struct probe_bind *b, uint16_t port, char *why, size_t n)
{
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, b->device, (socklen_t)strlen(b->device) + 1)) {
		snprintf(why, n, "SO_BINDTODEVICE %s: %s", b->device, strerror(errno));
		return -1;
	}
	if (b->mark) {
		uint32_t m = b->mark;
		if (setsockopt(fd, SOL_SOCKET, SO_MARK, &m, sizeof(m))) {
			snprintf(why, n, "SO_MARK: %s", strerror(errno));
			return -1;
		}
	}
	int rc;
	if (fam == PROBE_F4) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = b->src4 };
		rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	} else {
		struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = b->src6 };
		rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	}
	if (rc) {
		snprintf(why, n, "bind to source address: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Classic BPF: pass an echo reply whose id is ours, drop everything else.
 * Raw IPv4 sockets see the IPv4 header first (X = its length); raw ICMPv6
 * sockets see the ICMPv6 header at offset 0. Loads past the end drop.
 */
static int attach_id_filter(int fd, int fam, uint16_t id)
{
	struct sock_filter v4[] = {
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ECHO_REPLY4, 0, 3),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, id, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_filter v6[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ECHO_REPLY6, 0, 3),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, id, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {
		.len = fam == PROBE_F4 ? sizeof(v4) / sizeof(v4[0]) : sizeof(v6) / sizeof(v6[0]),
		.filter = fam == PROBE_F4 ? v4 : v6,
	};
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)))
		return -1;
	/* what was queued before the filter did not pass it */
	uint8_t buf[64];
	for (int i = 0; i < DRAIN_MAX && recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) >= 0; i++)
		;
	return 0;
}

static int type_filter(int fd, int fam)
{
	if (fam == PROBE_F4) {
		struct icmp_filter filt = { .data = ~(1u << ICMP_ECHOREPLY) };
		return setsockopt(fd, SOL_RAW, ICMP_FILTER, &filt, sizeof(filt));
	}
	struct icmp6_filter filt;
	ICMP6_FILTER_SETBLOCKALL(&filt);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filt);
	return setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof(filt));
}

static void watch(struct psock *s, struct ev_loop *loop, int fd, int fam, void (*cb)(struct ev_loop *, ev_io *, int),
		  void *owner)
{
	s->fd = fd;
	s->fam = fam;
	s->owner = owner;
	ev_io_init(&s->io, cb, fd, EV_READ);
	s->io.data = s;
	ev_io_start(loop, &s->io);
}

int psock_open_icmp(struct psock *s, struct ev_loop *loop, int fam, const struct probe_bind *b,
		    struct probe_rng *rng, void (*cb)(struct ev_loop *, ev_io *, int), void *owner,
		    char *why, size_t n)
{
	int af = fam == PROBE_F4 ? AF_INET : AF_INET6;
	int proto = fam == PROBE_F4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;

	psock_init(s);
	s->kind = PSOCK_PING;
	int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	int ping_err = errno;
	if (fd < 0) {
		s->kind = PSOCK_RAW;
		fd = socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	}
	if (fd < 0) {
		int raw_err = errno;
		s->denied = (ping_err == EACCES || ping_err == EPERM) && (raw_err == EACCES || raw_err == EPERM);
		snprintf(why, n, "ICMP socket: ping: %s (net.ipv4.ping_group_range), raw: %s", strerror(ping_err),
			 strerror(raw_err));
		return -1;
	}
	if (probe_sock_bind(fd, fam, b, 0, why, n))
		goto fail;
	if (s->kind == PSOCK_PING) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &sl)) {
			snprintf(why, n, "ping socket: getsockname: %s", strerror(errno));
			goto fail;
		}
		/* the kernel's id: it rewrites ours into every request */
		s->icmp_id = ntohs(fam == PROBE_F4 ? ((struct sockaddr_in *)&ss)->sin_port
				   : ((struct sockaddr_in6 *)&ss)->sin6_port);
	} else {
		s->icmp_id = probe_rng_u16(rng);
		s->id_weak = rng->weak;
		s->ip_hdr = fam == PROBE_F4;
		if (type_filter(fd, fam))
			log_debug("probe: ICMP type filter failed family=%d err=%s", fam, strerror(errno));
		if (attach_id_filter(fd, fam, s->icmp_id)) {
			snprintf(why, n, "raw ICMP socket: SO_ATTACH_FILTER: %s", strerror(errno));
			goto fail;
		}
	}
	watch(s, loop, fd, fam, cb, owner);
	return 0;
fail:
	close(fd);
	s->kind = PSOCK_NONE;
	return -1;
}

int psock_open_dns(struct psock *s, struct ev_loop *loop, int fam, const struct probe_bind *b,
		   void (*cb)(struct ev_loop *, ev_io *, int), void *owner, char *why, size_t n)
{
	psock_init(s);
	int fd = socket(fam == PROBE_F4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, n, "UDP socket: %s", strerror(errno));
		return -1;
	}
	if (probe_sock_bind(fd, fam, b, 0, why, n)) {
		close(fd);
		return -1;
	}
	s->kind = PSOCK_UDP;
	watch(s, loop, fd, fam, cb, owner);
	return 0;
}

void psock_close(struct ev_loop *loop, struct psock *s)
{
	if (s->fd < 0)
		return;
	ev_io_stop(loop, &s->io);
	close(s->fd);
	s->fd = -1;
	s->kind = PSOCK_NONE;
}

void psock_refresh_id(struct psock *s, struct probe_rng *rng)
{
	if (s->fd < 0 || s->kind != PSOCK_RAW || !s->id_weak)
		return;
	uint16_t id;
	if (!probe_rng_fill(rng, &id, sizeof(id)))
		return;
	if (attach_id_filter(s->fd, s->fam, id)) {
		log_warn("probe: member=%s cannot re-key the ICMP filter err=%s", rng->name ? rng->name : "-",
			 strerror(errno));
		return;
	}
	s->icmp_id = id;
	s->id_weak = false;
}

const char *psock_kind_name(enum psock_kind k)
{
	return k == PSOCK_PING ? "ping" : k == PSOCK_RAW ? "raw" : "none";
}

static void cookie_of(const struct probe_expect *e, int i, uint8_t out[PROBE_COOKIE_LEN])
{
	uint64_t c = e->cookie ^ (uint64_t)i;
	for (int k = 0; k < PROBE_COOKIE_LEN; k++)
		out[k] = (uint8_t)(c >> (8 * k));
}

size_t probe_echo_build(uint8_t *buf, size_t cap, const struct psock *s, const struct probe_expect *e,
			int i, size_t payload_len)
{
	uint8_t c[PROBE_COOKIE_LEN];
	cookie_of(e, i, c);
	return wire_echo_build_cookie(buf, cap, s->fam == PROBE_F6, s->icmp_id, e->seq, c, sizeof(c), payload_len);
}

static bool same_source(const struct probe_target *t, const struct sockaddr_storage *from, bool port)
{
	if (from->ss_family == AF_INET && t->family == AF_INET) {
		const struct sockaddr_in *sa = (const struct sockaddr_in *)from;
		return sa->sin_addr.s_addr == t->addr.v4.s_addr && (!port || ntohs(sa->sin_port) == t->port);
	}
	if (from->ss_family == AF_INET6 && t->family == AF_INET6) {
		const struct sockaddr_in6 *sa = (const struct sockaddr_in6 *)from;
		return memcmp(&sa->sin6_addr, &t->addr.v6, sizeof(t->addr.v6)) == 0 &&
		       (!port || ntohs(sa->sin6_port) == t->port);
	}
	return false;
}

/* Target i proved answered by a valid reply: answer, duplicate or late. */
static enum probe_verdict settle(const struct probe_expect *e, int i, int *target)
{
	*target = i;
	if (e->results[i].answered)
		return PV_DUPLICATE;
	return e->in_round ? PV_ANSWER : PV_IGNORED;
}

enum probe_verdict probe_echo_match(const struct psock *s, const uint8_t *buf, size_t len,
				    const struct sockaddr_storage *from, const struct probe_expect *e,
				    int *target, const char **why)
{
	uint16_t id = 0, seq = 0;
	const uint8_t *pl = NULL;
	size_t pl_len = 0;
	enum wire_verdict v = wire_echo_parse_payload(buf, len, s->fam == PROBE_F6, s->ip_hdr, &id, &seq, &pl,
						      &pl_len, why);
	*target = -1;
	if (v == WIRE_BAD)
		return PV_BAD;
	if (v == WIRE_NOT_OURS || id != s->icmp_id) {
		*why = "another program's echo reply";
		return PV_IGNORED;
	}
	if (seq != e->seq) {
		*why = "late reply of an earlier round";
		return PV_IGNORED;
	}
	bool source_seen = false;
	for (int i = 0; i < e->n; i++) {
		const struct probe_target *t = &e->targets[i];
		if (t->kind != PROBE_ICMP || !e->results[i].sent || !same_source(t, from, false))
			continue;
		source_seen = true;
		uint8_t c[PROBE_COOKIE_LEN];
		cookie_of(e, i, c);
		if (pl_len >= sizeof(c) && memcmp(pl, c, sizeof(c)) == 0)
			return settle(e, i, target);
	}
	*why = source_seen ? "payload is not our cookie" : "unexpected source";
	return source_seen ? PV_BAD_PAYLOAD : PV_BAD;
}

enum probe_verdict probe_dns_match(const uint8_t *buf, size_t len, const struct sockaddr_storage *from,
				   const uint8_t *query, size_t qlen, const struct probe_expect *e,
				   int *target, const char **why)
{
	uint16_t txid;
	int rcode;
	*target = -1;
	if (wire_dns_parse(buf, len, query, qlen, &txid, &rcode, why) != WIRE_OK)
		return PV_BAD;
	for (int i = 0; i < e->n; i++) {
		const struct probe_target *t = &e->targets[i];
		if (t->kind == PROBE_DNS && e->results[i].sent && same_source(t, from, true) &&
		    e->dns_txid[i] == txid)
			return settle(e, i, target);
	}
	*why = "wrong source or id: late or spoofed";
	return PV_BAD;
}

void psock_recv_burst(struct psock *s, psock_reply_fn fn)
{
	uint8_t buf[PROBE_PKT_MAX];
	for (int n = 0; n < PROBE_RECV_BURST && s->fd >= 0; n++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(s->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (len < 0)
			break;
		if (fn(s, buf, (size_t)len, &from, clock_mono_ns()))
			return;	/* more datagrams: the watcher fires again */
	}
}

double probe_target_bytes(const struct probe_target *t, int payload_bytes, size_t dns_qlen)
{
	double ip = t->family == AF_INET6 ? 40 : 20;
	switch (t->kind) {
	case PROBE_ICMP:
		return 2 * (ip + ICMP_ECHO_HDR_LEN + (payload_bytes > PROBE_COOKIE_LEN ? payload_bytes : PROBE_COOKIE_LEN));
	case PROBE_TCP:	/* SYN, SYN-ACK (with options), ACK, RST */
		return 4 * ip + 40 + 40 + 20 + 20;
	case PROBE_DNS:	/* query + answer (question + ~64 bytes of SOA) */
		return 2 * (ip + 8 + (double)dns_qlen) + 64;
	default:
		return 0;
	}
}
