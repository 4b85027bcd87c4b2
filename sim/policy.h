/*
 * policy.h - failover policies the simulator runs side by side on one
 * trace: Starfail's engine and the documented algorithms of its peers
 * (mwan3track, RutOS Failover, pfSense/dpinger) from their published
 * defaults (../shared/reference/peer-failover-behaviour.md, docs/ENGINE.md).
 * Every policy sees the same samples and is asked for its primary after
 * each timestamp of the trace.
 */
#ifndef SF_SIM_POLICY_H
#define SF_SIM_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"

#define POLICY_WHY_MAX 256

struct policy {
	const char *name;
	void (*observe)(struct policy *p, int idx, const struct sample *s);
	/* Primary at now_ms (-1 none); why says why it changed, when it did. */
	int (*decide)(struct policy *p, int64_t now_ms, char *why, size_t len);
	void (*destroy)(struct policy *p);
	bool all_bad_seen;		/* starfail: an all-bad event was reported */
	FILE *events;			/* starfail: print every engine event here (NULL: none) */
};

enum baseline_kind { BASE_MWAN3, BASE_RUTOS };

struct policy *policy_starfail_new(const struct engine_params *p, const struct engine_member *m,
				   int n, bool utc_known, int64_t utc_start_ms, FILE *events);
struct policy *policy_tracker_new(enum baseline_kind kind, const struct engine_member *m, int n,
				  uint64_t seed);
struct policy *policy_dpinger_new(const struct engine_member *m, int n, uint64_t seed);

/* Deterministic PRNG shared by the baselines and the trace generator. */
uint64_t sim_rand(uint64_t *state);
double sim_uniform(uint64_t *state);	/* [0, 1) */

#endif
