/*
 * probe_stats.h - the per-member window of probe rounds and its figures.
 *
 * A ring of rounds sized once at config time (window_ms / interval_ms); each
 * slot keeps the RTT of every target (NAN = lost, or not sent). Pure code,
 * no clock and no I/O, unit-tested in tests/unit/test_probe_stats.c.
 *
 * Figures over the window:
 *  - latency mean and p95 (nearest rank) of all answered probes;
 *  - jitter: mean |RTT(n) - RTT(n-1)| between consecutive answers of the
 *    same target (different targets have different base RTTs);
 *  - loss %: lost / sent, counting only targets that answered at least once
 *    in the window, so a target that is simply dead (or filters probes) does
 *    not show as permanent loss; when no target answered at all, loss is
 *    100 % of what was sent. Unknown (NAN) when nothing was sent.
 */
#ifndef SF_PROBE_STATS_H
#define SF_PROBE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

struct probe_slot {
	int64_t t_ms;
	bool up;
	uint8_t sent_mask;		/* bit i: target i was sent */
	float rtt_ms[PROBE_TARGETS_MAX];	/* NAN = lost or not sent */
};

struct probe_ring {
	int cap, n, head;		/* head = next slot to write */
	int n_targets;
	struct probe_slot *slots;
	float *scratch;			/* cap * n_targets, for the percentile */
};

/* Ring capacity for a window: ceil(window_ms / interval_ms), 2..PROBE_RING_MAX. */
int probe_ring_capacity(int window_ms, int interval_ms);

int probe_ring_init(struct probe_ring *r, int cap, int n_targets);
void probe_ring_free(struct probe_ring *r);
void probe_ring_push(struct probe_ring *r, const struct probe_slot *s);
size_t probe_ring_mem_bytes(const struct probe_ring *r);

/* Fill latency_ms, latency_p95_ms, jitter_ms, loss_pct, window_rounds, ring_capacity. */
void probe_ring_summarize(const struct probe_ring *r, struct probe_summary *out);

#endif
