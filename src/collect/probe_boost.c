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
	if (!st->have || rx < st->rx || tx < st->tx) {
		st->have = true;
		st->fired = false;
		st->rx = rx, st->tx = tx;
		st->rx_moved_ms = now_ms;
		st->tx_since = st->traffic_tx = 0;
		return false;
	}
	uint64_t dtx = tx - st->tx;
	st->traffic_tx = dtx > own_tx ? dtx - own_tx : 0;
	bool rx_moved = rx != st->rx;
	st->rx = rx, st->tx = tx;
	if (rx_moved) {
		st->rx_moved_ms = now_ms;
		st->tx_since = 0;
		st->fired = false;
		return false;
	}
	st->tx_since += st->traffic_tx;
	if (st->fired || st->tx_since < PROBE_STALL_MIN_TX || now_ms - st->rx_moved_ms < st->stall_ms)
		return false;
	st->fired = true;
	st->fires++;
	return true;
}

bool probe_stall_busy(const struct probe_stall *st)
{
	return st->stall_ms > 0 && st->have && st->traffic_tx > 0;
}
