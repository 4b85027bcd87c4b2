/*
 * trace.h - reader of Starfail trace files (format in docs/ENGINE.md).
 *
 * A trace is a text file of timestamped per-member samples plus the ground
 * truth needed to judge a policy (when a fault starts, which member is
 * truly good or bad) and the goals the engine must meet on it. Parsing is
 * strict and streaming: every error names the file and line, nothing is
 * guessed, memory is bounded by one line (TRACE_LINE_MAX).
 */
#ifndef SF_TRACE_H
#define SF_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "sample.h"

#define TRACE_LINE_MAX 1024
#define TRACE_ERR_MAX 320

enum truth_state { TRUTH_GOOD, TRUTH_WARN, TRUTH_BAD };

/* Goals the starfail policy must meet on this trace; -1 / INT64_MIN = none. */
struct trace_goals {
	int64_t max_delay_ms;		/* detection delay of the fault */
	int max_switches;
	int max_false;
	int64_t switch_before_ms;	/* first switch away from the fault member before this */
	bool expect_all_bad;		/* an all-bad event must be reported */
};

enum trace_item_kind { TI_SAMPLE, TI_TRUTH, TI_FAULT, TI_END };

struct trace_item {
	enum trace_item_kind kind;
	int64_t t_ms;
	int member;
	struct sample s;		/* TI_SAMPLE */
	enum truth_state truth;		/* TI_TRUTH */
	int64_t onset_ms;		/* TI_FAULT: delays are measured from here; switches
					 * count from the line's time t_ms (announced faults) */
	char label[32];			/* TI_FAULT */
};

struct trace_reader {
	FILE *f;
	bool own;
	char path[128];
	int line;
	int n;
	struct engine_member members[ENGINE_MAX_MEMBERS];
	struct trace_goals goals;
	bool has_utc;
	int64_t utc_start_ms;
	int64_t last_t_ms;
	bool pending;			/* body line read while looking for the header's end */
	char buf[TRACE_LINE_MAX + 2];
	char err[TRACE_ERR_MAX];
};

/* Open path ("-" = stdin) or an already open FILE (f != NULL, path is a label) and read
 * the header (format line, members, goals). 0, or -1 with r->err set. */
int trace_open(struct trace_reader *r, const char *path, FILE *f);
/* Next body item. 1 = item, 0 = end of file, -1 = error in r->err. */
int trace_next(struct trace_reader *r, struct trace_item *it);
void trace_close(struct trace_reader *r);

const char *truth_name(enum truth_state t);
bool class_parse(const char *s, enum member_class *out);
const char *class_name(enum member_class c);

#endif
