/*
 * probe.c - the prober of one member: rounds on libev timers, replies
 * timed. The sockets and the matching of replies are probe_sock.c's. See
 * probe.h for the model.
 */
#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "probe_rand.h"
#include "probe_sock.h"
#include "probe_boost.h"
#include "probe_stats.h"
#include "probe_wire.h"

#define PKT_MAX PROBE_PKT_MAX
#define DNS_QTYPE_SOA 6

enum { F4 = PROBE_F4, F6 = PROBE_F6, NFAM = PROBE_NFAM };

struct tcp_probe {
	int fd;
	ev_io io;
	int target;
	struct prober *p;
};

struct prober {
	struct ev_loop *loop;
	struct probe_member_cfg cfg;
	probe_round_cb on_round;
	void *ctx;
	enum probe_role role;

	bool have_link, usable;
	bool fam_ok[NFAM];
	int ifindex;
	struct in_addr src4;
	struct in6_addr src6;
	char reason[PROBE_REASON_MAX];
	bool denied;			/* the ICMP socket was refused for want of privilege */

	struct psock icmp[NFAM], dns[NFAM];
	struct tcp_probe tcp[PROBE_TARGETS_MAX];
	ev_timer next_timer, timeout_timer;
	int64_t next_due_ms;

	bool in_round;
	uint16_t seq;
	int64_t round_t_ms;
	int64_t sent_ns[PROBE_TARGETS_MAX];
	uint16_t dns_txid[PROBE_TARGETS_MAX];
	struct probe_round cur;
	int fast_left;

	uint8_t dns_query[DNS_QUERY_MAX];
	size_t dns_qlen;

	struct probe_ring ring;
	struct probe_summary sum;

	struct probe_rng rng;	/* ids and cookies (probe_rand.h) */
	uint64_t round_cookie;
	/* adaptive evidence and the passive stall (probe_boost.h) */
	struct probe_boost boost;
	struct probe_stall stall;
	struct probe_counters ctr;
	uint64_t own_tx;		/* packets our probes sent since the last counter reading */
	bool confirm;			/* the next round confirms or clears a suspicion (boosted,
					 * after a lost round, a stall): the short timeout */
};

static uint16_t rand16(struct prober *p)
{
	return probe_rng_u16(&p->rng);
}

static int fam_of(int family)
{
	return family == AF_INET6 ? F6 : F4;
}

static int current_interval_ms(const struct prober *p)
{
	if (p->role == PROBE_ROLE_PRIMARY)
		return p->cfg.interval_ms;
	int iv = p->cfg.metered ? p->cfg.metered_interval_ms : p->cfg.standby_interval_ms;
	/* warm backup: often enough that the radio does not fall idle */
	if (p->cfg.keep_warm_ms > 0 && p->cfg.keep_warm_ms < iv)
		iv = p->cfg.keep_warm_ms;
	return iv;
}

static void set_reason(struct prober *p, const char *r)
{
	snprintf(p->reason, sizeof(p->reason), "%s", r);
}

/* ---- sockets (probe_sock.c) ---- */

static struct probe_bind member_bind(const struct prober *p)
{
	return (struct probe_bind){ .device = p->cfg.device, .mark = p->cfg.mark, .src4 = p->src4, .src6 = p->src6 };
}

static int bind_to_member(struct prober *p, int fd, int fam, uint16_t port, char *why, size_t n)
{
	struct probe_bind b = member_bind(p);
	return probe_sock_bind(fd, fam, &b, port, why, n);
}

static void icmp_cb(struct ev_loop *loop, ev_io *w, int revents);
static void dns_cb(struct ev_loop *loop, ev_io *w, int revents);

static int open_icmp(struct prober *p, int fam, char *why, size_t n)
{
	struct probe_bind b = member_bind(p);
	return psock_open_icmp(&p->icmp[fam], p->loop, fam, &b, &p->rng, icmp_cb, p, why, n);
}

static int open_dns(struct prober *p, int fam, char *why, size_t n)
{
	struct probe_bind b = member_bind(p);
	return psock_open_dns(&p->dns[fam], p->loop, fam, &b, dns_cb, p, why, n);
}

static void close_psock(struct prober *p, struct psock *s)
{
	psock_close(p->loop, s);
}

static void close_tcp(struct prober *p, struct tcp_probe *t)
{
	if (t->fd < 0)
		return;
	ev_io_stop(p->loop, &t->io);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };	/* RST, no TIME_WAIT */
	setsockopt(t->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(t->fd);
	t->fd = -1;
}

static void close_all(struct prober *p)
{
	for (int f = 0; f < NFAM; f++) {
		close_psock(p, &p->icmp[f]);
		close_psock(p, &p->dns[f]);
	}
	for (int i = 0; i < PROBE_TARGETS_MAX; i++)
		close_tcp(p, &p->tcp[i]);
}

static bool needs(const struct prober *p, int fam, enum probe_kind kind)
{
	for (int i = 0; i < p->cfg.n_targets; i++)
		if (fam_of(p->cfg.targets[i].family) == fam && p->cfg.targets[i].kind == kind)
			return true;
	return false;
}

/* ---- rounds ---- */

/* What replies are matched against: the round in progress, or the last one. */
static struct probe_expect expect_of(const struct prober *p)
{
	return (struct probe_expect){ .in_round = p->in_round, .seq = p->seq, .cookie = p->round_cookie,
				      .n = p->cur.n_results, .targets = p->cfg.targets,
				      .results = p->cur.results, .dns_txid = p->dns_txid };
}

static void estimate_bytes(struct prober *p)
{
	double b = 0;
	for (int i = 0; i < p->cfg.n_targets; i++)
		if (p->fam_ok[fam_of(p->cfg.targets[i].family)])
			b += probe_target_bytes(&p->cfg.targets[i], p->cfg.payload_bytes, p->dns_qlen);
	p->sum.bytes_per_round = b;
	p->sum.interval_ms = current_interval_ms(p);
	p->sum.bytes_per_day = b * 86400000.0 / p->sum.interval_ms;
}

/* The primary boosts, and a member probed at its cadence (recovering, warming
 * up: the daemon's role_of()); a standby at its slow cadence does not. */
static bool may_boost(const struct prober *p)
{
	return p->role == PROBE_ROLE_PRIMARY;
}

/*
 * Arm the round timer for next_due_ms; the primary's timer also wakes for
 * a counter reading every stall_ms / 2 while traffic flows out (an idle
 * link wakes only for its rounds).
 */
static void arm_timer(struct prober *p, int64_t now)
{
	int64_t at = p->next_due_ms;
	if (p->role == PROBE_ROLE_PRIMARY && probe_stall_busy(&p->stall) &&
	    now + p->stall.stall_ms / 2 < at)
		at = now + p->stall.stall_ms / 2;
	ev_timer_stop(p->loop, &p->next_timer);
	ev_timer_set(&p->next_timer, (double)(at > now ? at - now : 0) / 1000.0, 0.);
	ev_timer_start(p->loop, &p->next_timer);
}

/* The regular due time from the absolute schedule, or sooner when boosted. */
static void schedule_next(struct prober *p, bool fast)
{
	int64_t now = clock_mono_ms();
	int iv = current_interval_ms(p);

	if (fast) {
		p->next_due_ms = now;
	} else {
		p->next_due_ms += iv;
		if (p->next_due_ms < now || p->next_due_ms > now + iv)
			p->next_due_ms = now + (p->next_due_ms < now ? 0 : iv);
		if (may_boost(p))
			p->next_due_ms = probe_boost_next(&p->boost, p->round_t_ms, p->next_due_ms,
							  p->sum.bytes_per_round, now, &p->confirm);
	}
	arm_timer(p, now);
}

/*
 * Read the primary's counters; a stall starts a confirmation round now.
 * Returns true when it started one.
 */
static void start_round(struct prober *p);

static bool passive_check(struct prober *p, int64_t now)
{
	uint64_t rx, tx;
	if (p->role != PROBE_ROLE_PRIMARY || p->stall.stall_ms <= 0 || p->ctr.fd_rx < 0)
		return false;
	if (probe_counters_read(&p->ctr, &rx, &tx)) {
		log_debug("probe: member=%s device=%s counters unreadable", p->cfg.name, p->cfg.device);
		probe_counters_close(&p->ctr);
		return false;
	}
	bool stalled = probe_stall_feed(&p->stall, now, rx, tx, p->own_tx);
	p->own_tx = 0;
	if (!stalled)
		return false;
	p->sum.stall_fires = p->stall.fires;
	log_info("probe: member=%s passive stall: traffic out without answers for %d ms, confirming",
		 p->cfg.name, (int)p->stall.stalled_ms);
	probe_boost_request(&p->boost, now, now + p->cfg.boost_hold_ms);
	if (p->in_round || !p->usable)
		return false;
	p->confirm = true;
	p->next_due_ms = now;
	start_round(p);
	return true;
}

static void finish_round(struct prober *p)
{
	if (!p->in_round)
		return;
	ev_timer_stop(p->loop, &p->timeout_timer);
	for (int i = 0; i < PROBE_TARGETS_MAX; i++)
		close_tcp(p, &p->tcp[i]);
	p->in_round = false;

	struct probe_round *r = &p->cur;
	struct probe_slot slot = { .t_ms = p->round_t_ms };
	r->n_sent = r->n_answered = 0;
	for (int i = 0; i < r->n_results; i++) {
		slot.rtt_ms[i] = NAN;
		if (!r->results[i].sent)
			continue;
		slot.sent_mask |= (uint8_t)(1u << i);
		r->n_sent++;
		if (r->results[i].answered) {
			r->n_answered++;
			slot.rtt_ms[i] = (float)r->results[i].rtt_ms;
		}
	}
	int need = p->cfg.reliability < r->n_sent ? p->cfg.reliability : r->n_sent;
	r->up = r->n_sent > 0 && r->n_answered >= need;
	slot.up = r->up;
	r->duration_ms = clock_mono_ms() - p->round_t_ms;
	probe_ring_push(&p->ring, &slot);

	struct probe_summary *s = &p->sum;
	bool was_down = s->lost_in_row > 0;
	s->rounds++;
	s->probes_sent += (uint64_t)r->n_sent;
	s->probes_answered += (uint64_t)r->n_answered;
	if (r->up) {
		s->rounds_up++;
		s->lost_in_row = 0;
		p->fast_left = p->cfg.fast_rounds;
	} else {
		s->lost_in_row++;
	}
	s->last_round_ms = p->round_t_ms;
	probe_ring_summarize(&p->ring, s);
	r->summary = *s;

	if (r->up && was_down)
		log_info("probe: member=%s state=up answered=%d/%d rtt_ms=%.1f", p->cfg.name,
			 r->n_answered, r->n_sent, s->latency_ms);
	else if (!r->up && s->lost_in_row == 1)
		log_info("probe: member=%s state=down answered=%d/%d need=%d", p->cfg.name,
			 r->n_answered, r->n_sent, need);
	log_debug("probe: member=%s round up=%d answered=%d/%d ms=%" PRId64 " loss_pct=%.1f",
		  p->cfg.name, r->up, r->n_answered, r->n_sent, r->duration_ms, s->loss_pct);

	bool fast = !r->up && p->fast_left > 0;
	if (fast)
		p->fast_left--;
	p->confirm = fast;
	schedule_next(p, fast);
	if (p->on_round)
		p->on_round(p->ctx, r);
}

/*
 * Finish the round when nothing is outstanding. Returns true when it did:
 * on_round has run and may have freed the prober, the caller must not
 * touch it any more.
 */
static bool outstanding(const struct prober *p)
{
	for (int i = 0; i < p->cur.n_results; i++)
		if (p->cur.results[i].sent && !p->cur.results[i].answered && p->sent_ns[i] >= 0)
			return true;
	return false;
}

static bool all_answered_check(struct prober *p)
{
	if (outstanding(p))
		return false;
	finish_round(p);
	return true;
}

static void mark_answered(struct prober *p, int i, int64_t t_ns)
{
	struct probe_result *res = &p->cur.results[i];
	res->answered = true;
	res->rtt_ms = (double)(t_ns - p->sent_ns[i]) / 1e6;
	if (res->rtt_ms < 0)
		res->rtt_ms = 0;
}

static void tcp_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct tcp_probe *t = w->data;
	struct prober *p = t->p;
	int64_t t_ns = clock_mono_ns();
	int err = 0;
	socklen_t el = sizeof(err);

	if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &el))
		err = errno;
	/* a RST (ECONNREFUSED) also proves the path works */
	if (err == 0 || err == ECONNREFUSED)
		mark_answered(p, t->target, t_ns);
	else
		p->sent_ns[t->target] = -1;	/* failed early: lost, stop waiting for it */
	close_tcp(p, t);
	all_answered_check(p);
}

static bool send_one(struct prober *p, int i)
{
	const struct probe_target *t = &p->cfg.targets[i];
	int f = fam_of(t->family);
	struct sockaddr_storage ss;
	socklen_t sl;
	uint8_t buf[PKT_MAX];
	size_t len = 0;
	int fd = -1;

	memset(&ss, 0, sizeof(ss));
	if (f == F4) {
		struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
		sa->sin_family = AF_INET;
		sa->sin_addr = t->addr.v4;
		sa->sin_port = htons(t->port);
		sl = sizeof(*sa);
	} else {
		struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;
		sa->sin6_family = AF_INET6;
		sa->sin6_addr = t->addr.v6;
		sa->sin6_port = htons(t->port);
		sl = sizeof(*sa);
	}

	p->sent_ns[i] = clock_mono_ns();
	switch (t->kind) {
	case PROBE_ICMP: {
		struct probe_expect e = expect_of(p);
		fd = p->icmp[f].fd;
		len = probe_echo_build(buf, sizeof(buf), &p->icmp[f], &e, i, (size_t)p->cfg.payload_bytes);
		break;
	}
	case PROBE_DNS:
		fd = p->dns[f].fd;
		p->dns_txid[i] = rand16(p);
		memcpy(buf, p->dns_query, p->dns_qlen);
		buf[0] = (uint8_t)(p->dns_txid[i] >> 8);
		buf[1] = (uint8_t)p->dns_txid[i];
		len = p->dns_qlen;
		break;
	case PROBE_TCP: {
		struct tcp_probe *tp = &p->tcp[i];
		char why[96];
		int s = socket(t->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s < 0 || bind_to_member(p, s, f, 0, why, sizeof(why))) {
			if (s >= 0)
				close(s);
			p->sum.send_errors++;
			return false;
		}
		if (connect(s, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) {
			close(s);
			p->sum.send_errors++;
			p->sent_ns[i] = -1;
			return true;	/* sent and failed at once (e.g. no route): lost */
		}
		tp->fd = s;
		tp->target = i;
		tp->p = p;
		ev_io_init(&tp->io, tcp_cb, s, EV_WRITE);
		tp->io.data = tp;
		ev_io_start(p->loop, &tp->io);
		return true;
	}
	default:
		return false;
	}
	if (fd < 0 || !len)
		return false;
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl) < 0) {
		log_debug("probe: member=%s target=%s send failed err=%s", p->cfg.name, t->text,
			  strerror(errno));
		p->sum.send_errors++;
		p->sent_ns[i] = -1;
	}
	return true;
}

static void start_round(struct prober *p)
{
	if (p->in_round || !p->usable)
		return;
	if (!p->confirm && passive_check(p, clock_mono_ms()))
		return;	/* it started the round */
	p->in_round = true;
	p->seq++;
	p->round_cookie = probe_rng_u64(&p->rng);
	for (int f = 0; f < NFAM; f++)
		psock_refresh_id(&p->icmp[f], &p->rng);
	p->round_t_ms = clock_mono_ms();
	memset(&p->cur, 0, sizeof(p->cur));
	p->cur.member = p->cfg.name;
	p->cur.t_ms = p->round_t_ms;
	p->cur.n_results = p->cfg.n_targets;
	for (int i = 0; i < p->cfg.n_targets; i++) {
		struct probe_result *res = &p->cur.results[i];
		res->target = &p->cfg.targets[i];
		res->rtt_ms = NAN;
		p->sent_ns[i] = -1;
		if (p->fam_ok[fam_of(res->target->family)])
			res->sent = send_one(p, i);
		if (res->sent)
			p->own_tx += res->target->kind == PROBE_TCP ? 3 : 1;
	}
	int tmo = p->confirm ? probe_boost_confirm_timeout_ms(&p->boost, p->cfg.timeout_ms,
							     p->sum.latency_p95_ms) : p->cfg.timeout_ms;
	p->confirm = false;
	/* all failed at once: end from the loop, not inside prober_recheck() (collector.h) */
	ev_timer_set(&p->timeout_timer, outstanding(p) ? tmo / 1000.0 : 0., 0.);
	ev_timer_start(p->loop, &p->timeout_timer);
}

static void next_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct prober *p = w->data;
	int64_t now = clock_mono_ms();
	if (now < p->next_due_ms) {	/* a counter reading between rounds */
		if (!passive_check(p, now))
			arm_timer(p, now);
		return;
	}
	start_round(p);
}

static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	finish_round(w->data);
}

/* Count a reply that did not answer a probe; true when it did answer (target i). */
static bool tally(struct prober *p, enum probe_verdict v, const char *kind, size_t len, const char *why)
{
	switch (v) {
	case PV_ANSWER:
		return true;
	case PV_IGNORED:
		p->sum.replies_ignored++;
		break;
	case PV_DUPLICATE:
		p->sum.replies_duplicate++;
		break;
	case PV_BAD_PAYLOAD:
		p->sum.replies_bad_payload++;
		log_debug("probe: member=%s spoofed %s reply len=%zu why=%s", p->cfg.name, kind, len, why);
		break;
	case PV_BAD:
	default:
		p->sum.replies_bad++;
		log_debug("probe: member=%s bad %s reply len=%zu why=%s", p->cfg.name, kind, len, why);
		break;
	}
	return false;
}

static bool icmp_reply(struct psock *s, const uint8_t *buf, size_t len,
		       const struct sockaddr_storage *from, int64_t t_ns)
{
	struct prober *p = s->owner;
	struct probe_expect e = expect_of(p);
	const char *why = "";
	int i;
	enum probe_verdict v = probe_echo_match(s, buf, len, from, &e, &i, &why);
	log_trace("probe: member=%s icmp%s len=%zu verdict=%d target=%d why=%s", p->cfg.name,
		  s->fam == F6 ? "6" : "", len, v, i, v == PV_ANSWER ? "-" : why);
	if (!tally(p, v, "ICMP", len, why))
		return false;
	mark_answered(p, i, t_ns);
	return all_answered_check(p);
}

static bool dns_reply(struct psock *s, const uint8_t *buf, size_t len,
		      const struct sockaddr_storage *from, int64_t t_ns)
{
	struct prober *p = s->owner;
	struct probe_expect e = expect_of(p);
	const char *why = "";
	int i;
	enum probe_verdict v = probe_dns_match(buf, len, from, p->dns_query, p->dns_qlen, &e, &i, &why);
	if (!tally(p, v, "DNS", len, why))
		return false;
	mark_answered(p, i, t_ns);
	return all_answered_check(p);
}

static void icmp_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	psock_recv_burst(w->data, icmp_reply);
}

static void dns_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	psock_recv_burst(w->data, dns_reply);
}

/* ---- public ---- */

struct prober *prober_new(struct ev_loop *loop, const struct probe_member_cfg *cfg,
			  probe_round_cb on_round, void *ctx)
{
	if (cfg->n_targets < 1 || cfg->n_targets > PROBE_TARGETS_MAX || cfg->interval_ms < 1 ||
	    cfg->timeout_ms < 1) {
		log_err("probe: member=%s invalid probe configuration", cfg->name);
		return NULL;
	}
	struct prober *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->loop = loop;
	p->cfg = *cfg;
	p->on_round = on_round;
	p->ctx = ctx;
	p->role = PROBE_ROLE_STANDBY;
	for (int f = 0; f < NFAM; f++) {
		psock_init(&p->icmp[f]);
		psock_init(&p->dns[f]);
	}
	probe_rng_init(&p->rng, p->cfg.name);
	for (int i = 0; i < PROBE_TARGETS_MAX; i++)
		p->tcp[i].fd = -1;
	p->dns_qlen = wire_dns_query(p->dns_query, sizeof(p->dns_query), 0, cfg->dns_name, DNS_QTYPE_SOA);
	if (!p->dns_qlen || probe_ring_init(&p->ring, probe_ring_capacity(cfg->window_ms, cfg->interval_ms),
					     cfg->n_targets)) {
		log_err("probe: member=%s cannot set up (DNS name or memory)", cfg->name);
		probe_ring_free(&p->ring);
		free(p);
		return NULL;
	}
	p->seq = rand16(p);
	p->fast_left = cfg->fast_rounds;
	ev_timer_init(&p->next_timer, next_cb, 0., 0.);
	p->next_timer.data = p;
	ev_timer_init(&p->timeout_timer, timeout_cb, 0., 0.);
	p->timeout_timer.data = p;
	p->sum.last_round_ms = -1;
	struct probe_boost_cfg bc = { .interval_ms = cfg->boost_interval_ms, .hold_ms = cfg->boost_hold_ms,
				      .budget_kb_day = cfg->boost_budget_kb_day };
	probe_boost_init(&p->boost, &bc);
	probe_stall_init(&p->stall, cfg->passive_stall_ms);
	probe_counters_init(&p->ctr);
	probe_ring_summarize(&p->ring, &p->sum);
	set_reason(p, "waiting for link state");
	estimate_bytes(p);
	return p;
}

void prober_free(struct prober *p)
{
	if (!p)
		return;
	ev_timer_stop(p->loop, &p->next_timer);
	ev_timer_stop(p->loop, &p->timeout_timer);
	close_all(p);
	probe_counters_close(&p->ctr);
	probe_ring_free(&p->ring);
	free(p);
}

static void go_unusable(struct prober *p, const char *reason)
{
	if (p->usable || strcmp(p->reason, reason))
		log_info("probe: member=%s device=%s unusable reason=\"%s\"", p->cfg.name, p->cfg.device, reason);
	set_reason(p, reason);
	p->usable = false;
	p->in_round = false;
	ev_timer_stop(p->loop, &p->next_timer);
	ev_timer_stop(p->loop, &p->timeout_timer);
	close_all(p);
	probe_counters_close(&p->ctr);
	probe_stall_init(&p->stall, p->cfg.passive_stall_ms);
	p->fam_ok[F4] = p->fam_ok[F6] = false;
	p->ifindex = 0;
}

void prober_set_link(struct prober *p, const struct link_info *li)
{
	bool want[NFAM] = { false, false };
	bool any_target[NFAM] = { false, false };
	for (int i = 0; i < p->cfg.n_targets; i++)
		any_target[fam_of(p->cfg.targets[i].family)] = true;

	p->have_link = true;
	if (!li->exists || !li->carrier) {
		go_unusable(p, !li->exists ? "device not found" : li->admin_up ? "no carrier" : "device is down");
		return;
	}
	want[F4] = any_target[F4] && link_usable(li, AF_INET);
	want[F6] = any_target[F6] && link_usable(li, AF_INET6);
	if (!want[F4] && !want[F6]) {
		char r[PROBE_REASON_MAX];
		snprintf(r, sizeof(r), "%s", li->reason[0] ? li->reason :
			 "no address or default route for the targets' family");
		go_unusable(p, r);
		return;
	}

	bool changed = li->ifindex != p->ifindex || want[F4] != p->fam_ok[F4] || want[F6] != p->fam_ok[F6] ||
		       (want[F4] && li->v4.addr.v4.s_addr != p->src4.s_addr) ||
		       (want[F6] && memcmp(&li->v6.addr.v6, &p->src6, sizeof(p->src6)));
	if (p->usable && !changed)
		return;

	bool was_usable = p->usable;
	if (p->in_round) {
		p->in_round = false;
		ev_timer_stop(p->loop, &p->timeout_timer);
	}
	close_all(p);
	p->ifindex = li->ifindex;
	p->src4 = li->v4.addr.v4;
	p->src6 = li->v6.addr.v6;
	char why[128] = "";
	for (int f = 0; f < NFAM; f++) {
		p->fam_ok[f] = false;
		if (!want[f])
			continue;
		if ((needs(p, f, PROBE_ICMP) && open_icmp(p, f, why, sizeof(why))) ||
		    (needs(p, f, PROBE_DNS) && open_dns(p, f, why, sizeof(why)))) {
			p->denied = p->icmp[f].denied;
			log_warn("probe: member=%s family=%s socket error=\"%s\"", p->cfg.name,
				 f == F4 ? "ipv4" : "ipv6", why);
			close_psock(p, &p->icmp[f]);
			close_psock(p, &p->dns[f]);
			continue;
		}
		p->fam_ok[f] = true;
	}
	if (!p->fam_ok[F4] && !p->fam_ok[F6]) {
		go_unusable(p, why[0] ? why : "cannot open probe sockets");
		return;
	}
	p->usable = true;
	p->denied = false;
	p->reason[0] = 0;
	estimate_bytes(p);
	probe_stall_init(&p->stall, p->cfg.passive_stall_ms);
	if (p->cfg.passive_stall_ms > 0 && probe_counters_open(&p->ctr, p->cfg.device))
		log_info("probe: member=%s device=%s no interface counters: passive stall detection off",
			 p->cfg.name, p->cfg.device);
	log_info("probe: member=%s device=%s ifindex=%d usable ipv4=%d ipv6=%d%s", p->cfg.name,
		 p->cfg.device, p->ifindex, p->fam_ok[F4], p->fam_ok[F6], was_usable ? " rebound" : "");
	/* first round soon, staggered so members do not probe in lockstep */
	int64_t now = clock_mono_ms();
	p->next_due_ms = now + (was_usable || p->sum.rounds ? 0 : rand16(p) % 200);
	arm_timer(p, now);
}

void prober_set_role(struct prober *p, enum probe_role role)
{
	if (p->role == role)
		return;
	int old_iv = current_interval_ms(p);
	p->role = role;
	estimate_bytes(p);
	probe_stall_init(&p->stall, p->cfg.passive_stall_ms);	/* readings of the primary only */
	p->own_tx = 0;
	if (!may_boost(p))
		probe_boost_request(&p->boost, clock_mono_ms(), 0);
	if (!p->usable || p->in_round)
		return;
	/* a shorter cadence applies now, a longer one from the next round */
	int64_t now = clock_mono_ms();
	int64_t due = p->next_due_ms - old_iv + current_interval_ms(p);
	if (due < now)
		due = now;
	p->next_due_ms = due;
	arm_timer(p, now);
}

void prober_recheck(struct prober *p)
{
	if (!p->usable || p->in_round)
		return;
	p->next_due_ms = clock_mono_ms();
	ev_timer_stop(p->loop, &p->next_timer);
	start_round(p);
}

void prober_boost(struct prober *p, int64_t until_ms)
{
	int64_t now = clock_mono_ms();
	bool was = probe_boost_active(&p->boost, now);
	probe_boost_request(&p->boost, now, may_boost(p) ? until_ms : 0);
	bool is = probe_boost_active(&p->boost, now);
	if (was == is || !p->usable || p->in_round || p->sum.last_round_ms < 0)
		return;
	if (!is) {	/* cleared: a round brought forward goes back to the cadence */
		int64_t regular = p->round_t_ms + current_interval_ms(p);
		if (regular > p->next_due_ms) {
			p->confirm = false;
			p->next_due_ms = regular < now ? now : regular;
			arm_timer(p, now);
		}
		return;
	}
	/* a new suspicion: the next round comes sooner (the budget permitting) */
	p->next_due_ms = probe_boost_next(&p->boost, p->round_t_ms, p->next_due_ms,
					  p->sum.bytes_per_round, now, &p->confirm);
	arm_timer(p, now);
}

void prober_summary(const struct prober *p, struct probe_summary *out)
{
	*out = p->sum;
	int64_t now = clock_mono_ms();
	out->boosted = probe_boost_active(&p->boost, now);
	out->boost_rounds = p->boost.rounds;
	out->boost_bytes = p->boost.bytes;
	out->boost_denied = p->boost.denied;
	out->stall_fires = p->stall.fires;
	out->usable = p->usable;
	out->needs_privilege = !p->usable && p->denied;
	snprintf(out->reason, sizeof(out->reason), "%s", p->reason);
	out->mem_bytes = sizeof(*p) + probe_ring_mem_bytes(&p->ring);
	out->rand_weak_draws = p->rng.weak_draws;
	out->rand_reseeds = p->rng.reseeds;
	enum psock_kind k = p->icmp[F4].fd >= 0 ? p->icmp[F4].kind : p->icmp[F6].kind;
	snprintf(out->icmp_socket, sizeof(out->icmp_socket), "%s", psock_kind_name(k));
}
