/*
 * simrun.h - run one trace through several policies on a simulated clock
 * and measure, for each, switches, false switches and detection delay
 * against the trace's ground truth; check the trace's goals.
 */
#ifndef SF_SIMRUN_H
#define SF_SIMRUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "trace.h"

enum { POL_STARFAIL, POL_MWAN3, POL_RUTOS, POL_DPINGER, __POL_MAX };

struct sim_opts {
	unsigned policies;		/* bit mask of 1 << POL_x */
	FILE *out;			/* decisions and events; NULL = quiet */
	bool events;			/* also every engine event (not only switches) */
	bool use_utc;			/* tell the engine the trace's UTC (slot phase) */
	uint64_t seed;			/* baselines' probe sampling */
	struct engine_params params;
};

struct sim_result {
	const char *policy;
	int switches;
	int false_switches;
	bool detected;			/* switched away from the fault member */
	int64_t delay_ms;		/* switch time - fault time (negative = early) */
	int64_t detect_t_ms;
	bool all_bad_seen;
	int64_t time_on_bad_ms;		/* time the primary was truly bad */
	int64_t time_on_ms[ENGINE_MAX_MEMBERS];	/* time each member was primary */
	int64_t time_none_ms;		/* time without a primary after the first choice */
};

struct sim_summary {
	char label[32];			/* fault label, "" if none */
	bool has_fault;
	int64_t fault_t_ms;
	int64_t duration_ms;
	long samples;
	int n_members;
	char member_names[ENGINE_MAX_MEMBERS][32];
	struct trace_goals goals;
	int n;
	struct sim_result r[__POL_MAX];
};

const char *sim_policy_name(int pol);
int sim_policy_parse(const char *s, unsigned *mask);

/* 0 ok, -1 error (message in err: trace errors name file and line). */
int sim_run(const char *path, const struct sim_opts *o, struct sim_summary *sum, char *err,
	    size_t errlen);

/* Check the starfail result against the goals; prints each violation to out
 * (if not NULL) and returns how many there were. */
int sim_check_goals(const struct sim_summary *sum, FILE *out);

#endif
