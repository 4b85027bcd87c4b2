/*
 * baseline.c - peers' failover algorithms, from their documented defaults,
 * as simulator policies (see docs/ENGINE.md "Baselines").
 *
 *   mwan3   mwan3track: one ping per round to one track IP, interval 10 s,
 *           timeout 4 s, down 5, up 5 (failure/recovery interval = interval);
 *           offline after `down` consecutive failed rounds, online after `up`
 *           good ones; a netifd ifdown (link down) is handled at once.
 *   rutos   RutOS Failover: the same tracker with interval 3 s, timeout 1 s,
 *           down 3, up 3.
 *   dpinger pfSense gateway monitoring: a probe every 500 ms, 60 s averaging
 *           window, loss counted after 2 s, alarm when loss > 20 % or average
 *           latency > 500 ms (checked every 1 s), cleared after 10 alert
 *           periods under threshold.
 *
 * All of them pick the first member (by priority, then order) that they
 * consider up; when none is up they keep the current one. A probe of a
 * baseline samples the member's latest probe round: lost with probability
 * loss_pct/100 (seeded PRNG, so a run is reproducible), else it takes the
 * round's RTT. They ignore Starlink/cellular status: none of them reads it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

uint64_t sim_rand(uint64_t *state)
{
	/* splitmix64 */
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double sim_uniform(uint64_t *state)
{
	return (sim_rand(state) >> 11) * (1.0 / 9007199254740992.0);
}

/* What a baseline knows of a member: the latest round, held. */
struct held {
	bool have;
	double loss_pct, rtt_ms;
	bool link_down;
	bool link_returned;		/* ifup seen since the last decide */
};

static void hold_sample(struct held *h, const struct sample *s)
{
	if (s->link_up == TRI_FALSE)
		h->link_down = true;
	else if (s->link_up == TRI_TRUE && h->link_down) {
		h->link_down = false;
		h->link_returned = true;
	}
	if (!isnan(s->loss_pct)) {
		h->have = true;
		h->loss_pct = s->loss_pct;
		h->rtt_ms = isnan(s->latency_ms) ? 0 : s->latency_ms;
	}
}

/* One probe of a held member: lost, else its RTT in *rtt. */
static bool probe_lost(struct held *h, uint64_t *rng, double *rtt)
{
	double u = sim_uniform(rng);
	*rtt = h->rtt_ms;
	return h->link_down || !h->have || u * 100 < h->loss_pct;
}

static int first_up(const struct engine_member *m, const bool *up, int n, int cur)
{
	int best = -1;
	for (int i = 0; i < n; i++)
		if (up[i] && m[i].enabled && (best < 0 || m[i].priority < m[best].priority))
			best = i;
	return best >= 0 ? best : cur;
}

/* ---- mwan3track / RutOS tracker ---- */

struct trk_member {
	struct held h;
	bool online;
	int fails, oks;
	int64_t next_probe_ms, result_ms;
	bool pending, result_ok;
};

struct tracker {
	struct policy base;
	int interval_ms, timeout_ms, down, up;
	int n, primary;
	bool started;
	struct engine_member cfg[ENGINE_MAX_MEMBERS];
	struct trk_member m[ENGINE_MAX_MEMBERS];
	uint64_t rng;
};

static void trk_observe(struct policy *p, int idx, const struct sample *s)
{
	struct tracker *t = (struct tracker *)p;
	if (idx >= 0 && idx < t->n)
		hold_sample(&t->m[idx].h, s);
}

static int trk_decide(struct policy *p, int64_t now_ms, char *why, size_t len)
{
	struct tracker *t = (struct tracker *)p;
	bool up[ENGINE_MAX_MEMBERS];
	char note[128] = "";
	for (int i = 0; i < t->n; i++) {
		struct trk_member *m = &t->m[i];
		if (!t->started)
			m->next_probe_ms = now_ms + (int64_t)(sim_uniform(&t->rng) * t->interval_ms);
		if (m->h.link_returned) {
			m->h.link_returned = false;
			m->online = true;	/* ifup: mwan3 initial_state online */
			m->fails = m->oks = 0;
		}
		if (m->h.link_down) {
			if (m->online)
				snprintf(note, sizeof(note), "member=%s ifdown", t->cfg[i].name);
			m->online = false;
			m->pending = false;
			m->next_probe_ms = now_ms + t->interval_ms;
		}
		for (int guard = 0; !m->h.link_down && guard < 1000; guard++) {
			if (m->pending && m->result_ms <= now_ms) {
				m->pending = false;
				if (m->result_ok) {
					m->fails = 0;
					if (++m->oks >= t->up && !m->online) {
						m->online = true;
						snprintf(note, sizeof(note), "member=%s online after %d good rounds",
							 t->cfg[i].name, m->oks);
					}
				} else {
					m->oks = 0;
					if (++m->fails >= t->down && m->online) {
						m->online = false;
						snprintf(note, sizeof(note), "member=%s offline after %d failed rounds",
							 t->cfg[i].name, m->fails);
					}
				}
				m->next_probe_ms = m->result_ms + t->interval_ms;
			} else if (!m->pending && m->next_probe_ms <= now_ms) {
				double rtt;
				bool lost = probe_lost(&m->h, &t->rng, &rtt) || rtt > t->timeout_ms;
				m->pending = true;
				m->result_ok = !lost;
				m->result_ms = m->next_probe_ms + (lost ? t->timeout_ms : (int64_t)rtt);
			} else {
				break;
			}
		}
		up[i] = m->online;
	}
	t->started = true;
	int prev = t->primary;
	t->primary = first_up(t->cfg, up, t->n, t->primary);
	if (t->primary != prev)
		snprintf(why, len, "%s", note[0] ? note : "initial");
	return t->primary;
}

static void generic_destroy(struct policy *p)
{
	free(p);
}

struct policy *policy_tracker_new(enum baseline_kind kind, const struct engine_member *m, int n,
				  uint64_t seed)
{
	struct tracker *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	bool mw = kind == BASE_MWAN3;
	t->base = (struct policy){ .name = mw ? "mwan3" : "rutos", .observe = trk_observe,
				   .decide = trk_decide, .destroy = generic_destroy };
	t->interval_ms = mw ? 10000 : 3000;
	t->timeout_ms = mw ? 4000 : 1000;
	t->down = t->up = mw ? 5 : 3;
	t->n = n;
	t->primary = -1;
	t->rng = seed ^ (mw ? 0x6d77616e33ULL : 0x7275746f73ULL);
	memcpy(t->cfg, m, (size_t)n * sizeof(*m));
	for (int i = 0; i < n; i++)
		t->m[i].online = true;
	return &t->base;
}

/* ---- dpinger (pfSense defaults) ---- */

#define DP_SEND_MS 500
#define DP_PERIOD_MS 60000
#define DP_LOSS_INTERVAL_MS 2000
#define DP_ALERT_MS 1000
#define DP_HOLD 10
#define DP_LOSS_HIGH_PCT 20.0
#define DP_LATENCY_HIGH_MS 500.0
#define DP_RING (DP_PERIOD_MS / DP_SEND_MS)

struct dp_probe {
	int64_t t_ms;
	bool lost;
	double rtt_ms;
};

struct dp_member {
	struct held h;
	struct dp_probe ring[DP_RING];
	int head, count;
	int64_t next_send_ms, next_alert_ms;
	bool alarm;
	int hold;
	double last_loss_pct, last_latency_ms;
};

struct dpinger {
	struct policy base;
	int n, primary;
	bool started;
	struct engine_member cfg[ENGINE_MAX_MEMBERS];
	struct dp_member m[ENGINE_MAX_MEMBERS];
	uint64_t rng;
};

static void dp_observe(struct policy *p, int idx, const struct sample *s)
{
	struct dpinger *d = (struct dpinger *)p;
	if (idx >= 0 && idx < d->n)
		hold_sample(&d->m[idx].h, s);
}

static bool dp_alert(struct dp_member *m, int64_t at_ms)
{
	int recv = 0, lost = 0;
	double lat = 0;
	for (int k = 0; k < m->count; k++) {
		const struct dp_probe *pr = &m->ring[(m->head - 1 - k + DP_RING) % DP_RING];
		if (pr->t_ms < at_ms - DP_PERIOD_MS || pr->t_ms > at_ms)
			continue;
		if (!pr->lost && pr->t_ms + pr->rtt_ms <= at_ms) {
			recv++;
			lat += pr->rtt_ms;
		} else if (pr->lost && pr->t_ms <= at_ms - DP_LOSS_INTERVAL_MS) {
			lost++;
		}
	}
	if (recv + lost == 0)
		return false;
	m->last_loss_pct = 100.0 * lost / (recv + lost);
	m->last_latency_ms = recv ? lat / recv : NAN;
	return m->last_loss_pct > DP_LOSS_HIGH_PCT ||
	       (recv && m->last_latency_ms > DP_LATENCY_HIGH_MS);
}

static int dp_decide(struct policy *p, int64_t now_ms, char *why, size_t len)
{
	struct dpinger *d = (struct dpinger *)p;
	bool up[ENGINE_MAX_MEMBERS];
	char note[128] = "";
	for (int i = 0; i < d->n; i++) {
		struct dp_member *m = &d->m[i];
		if (!d->started) {
			m->next_send_ms = now_ms;
			m->next_alert_ms = now_ms + DP_ALERT_MS;
		}
		for (; m->next_send_ms <= now_ms; m->next_send_ms += DP_SEND_MS) {
			struct dp_probe *pr = &m->ring[m->head];
			pr->t_ms = m->next_send_ms;
			pr->lost = probe_lost(&m->h, &d->rng, &pr->rtt_ms);
			m->head = (m->head + 1) % DP_RING;
			if (m->count < DP_RING)
				m->count++;
		}
		for (; m->next_alert_ms <= now_ms; m->next_alert_ms += DP_ALERT_MS) {
			if (dp_alert(m, m->next_alert_ms)) {
				if (!m->alarm)
					snprintf(note, sizeof(note),
						 "member=%s alarm loss_pct=%.1f latency_ms=%.0f",
						 d->cfg[i].name, m->last_loss_pct, m->last_latency_ms);
				m->alarm = true;
				m->hold = 0;
			} else if (m->alarm && ++m->hold >= DP_HOLD) {
				m->alarm = false;
				snprintf(note, sizeof(note), "member=%s alarm cleared", d->cfg[i].name);
			}
		}
		up[i] = !m->alarm;
	}
	d->started = true;
	int prev = d->primary;
	d->primary = first_up(d->cfg, up, d->n, d->primary);
	if (d->primary != prev)
		snprintf(why, len, "%s", note[0] ? note : "initial");
	return d->primary;
}

struct policy *policy_dpinger_new(const struct engine_member *m, int n, uint64_t seed)
{
	struct dpinger *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->base = (struct policy){ .name = "dpinger", .observe = dp_observe, .decide = dp_decide,
				   .destroy = generic_destroy };
	d->n = n;
	d->primary = -1;
	d->rng = seed ^ 0x6470696e676572ULL;
	memcpy(d->cfg, m, (size_t)n * sizeof(*m));
	return &d->base;
}
