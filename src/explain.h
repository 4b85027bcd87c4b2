/*
 * explain.h - the evidence behind each decision, kept for `explain`.
 *
 * When the engine decides (a switch of any reason, including failover to
 * nothing, a suppressed switch, a predictive trigger, every member bad, a
 * manual pin or its end, a member declared down or recovered), the event
 * bus hands the event to explain_sink(), which copies, at that instant, what
 * the decision rested on: the engine's figures of the members concerned
 * (struct engine_score_info, whole, so fields the engine adds later are
 * captured without a change here), the prober's window of each, their state
 * words and the settings the rules used. One fixed-size record per decision
 * goes into a ring (struct tel_ring of struct explain_record) sized by
 * tel_decisions_cap() out of telemetry_max_kb; the oldest is dropped first.
 *
 * explain_json() (api_explain.c) turns a record into the `explain` reply:
 * the raw figures, and sentences a router owner understands, built from two
 * tables -- one per decision reason, one per figure of engine_score_info --
 * so a figure the engine adds needs one row.
 */
#ifndef SF_EXPLAIN_H
#define SF_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "telemetry.h"

#define EXPLAIN_MEMBERS_MAX 3		/* the members concerned first, then the others */
#define EXPLAIN_WORD_MAX 12
#define EXPLAIN_REASON_MAX 40

/* The rules' settings at the time of the decision (a reload may change them). */
struct explain_settings {
	int fail_window_ms, restore_window_ms, restore_backoff_max_ms, flap_memory_ms;
	int cooldown_ms, switch_margin, bad_score, good_score;
	int hard_fail_rounds, hard_fail_probes, loss_window_ms, min_uptime_ms;
	int recurring_quiet_ms;
};

/* One member as the decision saw it. */
struct explain_member {
	char name[ENGINE_NAME_MAX];
	char role[EXPLAIN_WORD_MAX];		/* from, to, member, other */
	char state[EXPLAIN_WORD_MAX];		/* daemon_member_state() word */
	char why[EXPLAIN_REASON_MAX];		/* its reason ("" none) */
	int priority;
	char failback[EXPLAIN_WORD_MAX];	/* the member's failback policy */
	bool have_score;
	struct engine_score_info si;		/* the engine's figures */
	bool have_probe;			/* the prober's window */
	int probe_window_rounds, probe_interval_ms;
	double probe_loss_pct, probe_latency_ms;
};

struct explain_record {
	struct tel_event ev;			/* the decision, with its id */
	char pinned[ENGINE_NAME_MAX];		/* pinned member, "" none */
	int64_t since_switch_ms;		/* since the switch before; -1 none */
	struct explain_settings set;
	int n_members;				/* members configured then */
	int n;					/* members held in m[] */
	struct explain_member m[EXPLAIN_MEMBERS_MAX];
};

/* Is this event a decision whose evidence is kept? */
bool explain_wants(const struct tel_event *ev);

/* Event bus sink (ctx: struct daemon *): records the evidence of a decision. */
void explain_sink(void *daemon, const struct tel_event *ev);

/* The record of event id in ring r; NULL when none. */
const struct explain_record *explain_find(const struct tel_ring *r, uint64_t id);

/* The newest record, NULL when none. */
const struct explain_record *explain_latest(const struct tel_ring *r);

struct json_object;
/* The `explain` reply for rec, ages counted to now_ms (api_explain.c). */
struct json_object *explain_json(const struct explain_record *rec, int64_t now_ms);

#endif
