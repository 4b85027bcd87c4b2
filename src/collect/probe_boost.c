/* probe_boost.c - adaptive evidence and the passive stall rule; see probe_boost.h */
#include "probe_boost.h"

#include <math.h>
#include <string.h>

static double bucket_cap(const struct probe_boost *b)
{
	return b->cfg.budget_kb_day * 1000.0 / PROBE_BOOST_BUCKET_DIV;
}

static void refill(struct probe_boost *b, int64_t now_ms)
{
	double cap = bucket_cap(b);
	if (b->tok_t_ms == INT64_MIN) {
		b->tokens = cap;
	} else if (now_ms > b->tok_t_ms) {
		b->tokens += b->cfg.budget_kb_day * 1000.0 * (double)(now_ms - b->tok_t_ms) / 86400000.0;
		if (b->tokens > cap)
			b->tokens = cap;
	}
	if (b->tok_t_ms == INT64_MIN || now_ms > b->tok_t_ms)
		b->tok_t_ms = now_ms;
}

void probe_boost_init(struct probe_boost *b, const struct probe_boost_cfg *c)
{
	memset(b, 0, sizeof(*b));
	b->cfg = *c;
	if (b->cfg.interval_ms < 0)
		b->cfg.interval_ms = 0;
	if (b->cfg.budget_kb_day < 0)
		b->cfg.budget_kb_day = 0;
	b->until_ms = INT64_MIN;
	b->tok_t_ms = INT64_MIN;
}

void probe_boost_request(struct probe_boost *b, int64_t now_ms, int64_t until_ms)
{
	if (b->cfg.interval_ms <= 0)
		return;
	if (until_ms <= now_ms) {
		b->until_ms = INT64_MIN;
		return;
	}
	if (!probe_boost_active(b, now_ms))
		b->requests++;
	if (until_ms > b->until_ms)
		b->until_ms = until_ms;
}

bool probe_boost_active(const struct probe_boost *b, int64_t now_ms)
{
	return b->cfg.interval_ms > 0 && b->until_ms != INT64_MIN && now_ms < b->until_ms;
}

int64_t probe_boost_next(struct probe_boost *b, int64_t last_ms, int64_t regular_ms,
			 double bytes_per_round, int64_t now_ms, bool *boosted)
{
	if (boosted)
		*boosted = false;
	if (!probe_boost_active(b, now_ms))
		return regular_ms;
	int64_t due = last_ms + b->cfg.interval_ms;
	if (due < now_ms)
		due = now_ms;
	if (due >= regular_ms)
		return regular_ms;
	refill(b, now_ms);
	if (b->tokens < bytes_per_round) {
		b->denied++;
		return regular_ms;
	}
	b->tokens -= bytes_per_round;
	b->rounds++;
	b->bytes += (uint64_t)llround(bytes_per_round);
	if (boosted)
		*boosted = true;
	return due;
}

double probe_boost_tokens(const struct probe_boost *b, int64_t now_ms)
{
	struct probe_boost c = *b;
	refill(&c, now_ms);
	return c.tokens;
}

int probe_boost_confirm_timeout_ms(const struct probe_boost *b, int timeout_ms, double p95_ms)
{
	if (b->cfg.interval_ms <= 0 || !isfinite(p95_ms) || p95_ms < 0)
		return timeout_ms;
	double t = PROBE_BOOST_TIMEOUT_RTT_MULT * p95_ms;
	if (t < PROBE_BOOST_TIMEOUT_MIN_MS)
		t = PROBE_BOOST_TIMEOUT_MIN_MS;
	return t < timeout_ms ? (int)ceil(t) : timeout_ms;
}

void probe_stall_init(struct probe_stall *st, int stall_ms)
{
	memset(st, 0, sizeof(*st));
	st->stall_ms = stall_ms > 0 ? stall_ms : 0;
}

bool probe_stall_feed(struct probe_stall *st, int64_t now_ms, uint64_t rx, uint64_t tx,
		      uint64_t own_tx)
{
	if (st->stall_ms <= 0)
		return false;
	int newest = (st->head + PROBE_STALL_HIST - 1) % PROBE_STALL_HIST;
	if (st->n && (rx < st->h[newest].rx || tx < st->raw_tx || now_ms < st->h[newest].t_ms)) {
		int sm = st->stall_ms;
		probe_stall_init(st, sm);
	}
	uint64_t ttx = 0;
	if (st->n) {
		uint64_t dtx = tx - st->raw_tx;
		st->traffic_tx = dtx > own_tx ? dtx - own_tx : 0;
		ttx = st->h[newest].tx + st->traffic_tx;
	}
	st->raw_tx = tx;
	st->h[st->head].t_ms = now_ms;
	st->h[st->head].rx = rx;
	st->h[st->head].tx = ttx;
	st->head = (st->head + 1) % PROBE_STALL_HIST;
	if (st->n < PROBE_STALL_HIST)
		st->n++;
	/* the newest window at least stall_ms long */
	int from = -1;
	for (int k = 1; k < st->n; k++) {
		int i = (st->head - 1 - k + 2 * PROBE_STALL_HIST) % PROBE_STALL_HIST;
		if (now_ms - st->h[i].t_ms >= st->stall_ms) {
			from = i;
			break;
		}
	}
	if (from < 0)
		return false;
	uint64_t wrx = rx - st->h[from].rx, wtx = ttx - st->h[from].tx;
	bool stalled = wtx >= PROBE_STALL_MIN_TX && wrx * PROBE_STALL_RX_DIV <= wtx;
	if (!stalled) {
		if (wrx * PROBE_STALL_RX_DIV > wtx)
			st->fired = false;	/* answers again: the next stall fires */
		return false;
	}
	if (st->fired)
		return false;
	st->fired = true;
	st->fires++;
	st->stalled_ms = now_ms - st->h[from].t_ms;
	return true;
}

bool probe_stall_busy(const struct probe_stall *st)
{
	return st->stall_ms > 0 && st->n > 0 && st->traffic_tx > 0;
}
