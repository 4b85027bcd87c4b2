/* probe_stats.c - see probe_stats.h */
#include "probe_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int probe_ring_capacity(int window_ms, int interval_ms)
{
	if (interval_ms <= 0)
		interval_ms = 1;
	long cap = ((long)window_ms + interval_ms - 1) / interval_ms;
	if (cap < 2)
		cap = 2;
	if (cap > PROBE_RING_MAX)
		cap = PROBE_RING_MAX;
	return (int)cap;
}

int probe_ring_init(struct probe_ring *r, int cap, int n_targets)
{
	memset(r, 0, sizeof(*r));
	if (cap < 1 || cap > PROBE_RING_MAX || n_targets < 1 || n_targets > PROBE_TARGETS_MAX)
		return -1;
	r->slots = calloc((size_t)cap, sizeof(*r->slots));
	r->scratch = calloc((size_t)cap * (size_t)n_targets, sizeof(*r->scratch));
	if (!r->slots || !r->scratch) {
		probe_ring_free(r);
		return -1;
	}
	r->cap = cap;
	r->n_targets = n_targets;
	return 0;
}

void probe_ring_free(struct probe_ring *r)
{
	free(r->slots);
	free(r->scratch);
	r->slots = NULL;
	r->scratch = NULL;
	r->cap = r->n = r->head = 0;
}

size_t probe_ring_mem_bytes(const struct probe_ring *r)
{
	return (size_t)r->cap * (sizeof(*r->slots) + (size_t)r->n_targets * sizeof(*r->scratch));
}

void probe_ring_push(struct probe_ring *r, const struct probe_slot *s)
{
	if (!r->cap)
		return;
	r->slots[r->head] = *s;
	r->head = (r->head + 1) % r->cap;
	if (r->n < r->cap)
		r->n++;
}

/* i-th oldest slot */
static const struct probe_slot *slot_at(const struct probe_ring *r, int i)
{
	int idx = (r->head - r->n + i + r->cap) % r->cap;
	return &r->slots[idx];
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

void probe_ring_summarize(const struct probe_ring *r, struct probe_summary *out)
{
	out->latency_ms = out->latency_p95_ms = out->jitter_ms = out->loss_pct = NAN;
	out->window_rounds = r->n;
	out->ring_capacity = r->cap;
	if (!r->n)
		return;

	bool alive[PROBE_TARGETS_MAX] = { false };
	float prev[PROBE_TARGETS_MAX];
	for (int t = 0; t < r->n_targets; t++)
		prev[t] = NAN;

	size_t n_rtt = 0, n_jit = 0;
	double sum = 0, sum_jit = 0;
	for (int i = 0; i < r->n; i++) {
		const struct probe_slot *s = slot_at(r, i);
		for (int t = 0; t < r->n_targets; t++) {
			float v = s->rtt_ms[t];
			if (!(s->sent_mask & (1u << t)) || isnan(v))
				continue;
			alive[t] = true;
			r->scratch[n_rtt++] = v;
			sum += v;
			if (!isnan(prev[t])) {
				sum_jit += fabs((double)v - prev[t]);
				n_jit++;
			}
			prev[t] = v;
		}
	}

	bool any_alive = n_rtt > 0;
	uint64_t sent = 0, lost = 0, sent_all = 0;
	for (int i = 0; i < r->n; i++) {
		const struct probe_slot *s = slot_at(r, i);
		for (int t = 0; t < r->n_targets; t++) {
			if (!(s->sent_mask & (1u << t)))
				continue;
			sent_all++;
			if (any_alive && !alive[t])
				continue;
			sent++;
			if (isnan(s->rtt_ms[t]))
				lost++;
		}
	}
	if (sent_all)
		out->loss_pct = any_alive ? 100.0 * (double)lost / (double)sent : 100.0;

	if (n_rtt) {
		out->latency_ms = sum / (double)n_rtt;
		qsort(r->scratch, n_rtt, sizeof(float), cmp_float);
		size_t rank = (size_t)ceil(0.95 * (double)n_rtt);
		if (rank < 1)
			rank = 1;
		out->latency_p95_ms = r->scratch[rank - 1];
	}
	if (n_jit)
		out->jitter_ms = sum_jit / (double)n_jit;
}
