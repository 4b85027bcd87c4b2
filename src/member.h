/*
 * member.h - one uplink at run time: its config, its collector instances,
 * what the kernel says of its device, the latest merged observation and
 * its RAM history.
 *
 * A member owns one instance of every registered collector that serves its
 * class (collector.h, registry.c). Their samples come up through the
 * collector host callback; the member keeps their time non-decreasing,
 * merges the blocks each collector fills into its view (member_view) and
 * hands the sample up to its own host, the daemon, which alone talks to the
 * engine and telemetry. The member never calls the daemon or the engine:
 * the arrows go daemon -> member -> collectors, and back only through the
 * two host callbacks.
 *
 * Faults: each collector's collector_host.fault reports are kept per
 * collector (reason, since, failed attempts); the member logs a line when
 * one starts, changes or ends, a summary every fault_summary_ms while it
 * lasts, and tells its host (an event). An essential collector's fault (the
 * prober's: no socket, no address of the targets' family) makes the member
 * unusable: member_unusable() says so. The engine is not told anything it
 * did not measure: without probe rounds it has no evidence of the member
 * (unknown, or its rounds go stale after round_stale_ms).
 */
#ifndef SF_MEMBER_H
#define SF_MEMBER_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector.h"
#include "config.h"
#include "link.h"
#include "sample.h"
#include "telemetry.h"

struct ev_loop;
struct member;

/* What a sample handed to the daemon is besides an observation. */
#define MEMBER_OBS_ROUND (1u << 0)	/* ended a probe round: keep it in the history */
#define MEMBER_OBS_ROUND_UP (1u << 1)	/* ... which was up */
#define MEMBER_OBS_LINK (1u << 2)	/* a link change (member_link_changed): keep it, the
					   caller decides after */

/* What a collector reported of its source (collector_host.fault). */
struct member_fault {
	bool active;			/* false: never failed, or works again */
	char reason[COLLECT_FAULT_REASON_MAX];	/* the fault (kept after it ended) */
	int64_t since_ms;		/* clock_mono_ms() when it began; valid once it was active */
	int64_t since_wall_s;		/* the same in Unix time, for people */
	uint64_t failures;		/* failed attempts since it began */
	int64_t summary_ms;		/* last "still failing" line (or since_ms) */
};

/*
 * The member's way up (the daemon). observe() gets every sample of the
 * member's collectors and link changes, t_ms already made non-decreasing
 * per member, the member's view already updated.
 */
struct member_host {
	void (*observe)(void *ctx, struct member *m, const struct sample *s, unsigned flags);
	void *ctx;
	/*
	 * A collector's fault started, changed reason (f->active) or ended
	 * (!f->active; f still says what it was, since when, how many failed
	 * attempts). May come from inside any member_* call or ops call: record
	 * and announce (an event); decide later, not from within. NULL: none.
	 */
	void (*fault)(void *ctx, struct member *m, const struct collector_ops *ops,
		      const struct member_fault *f);
};

struct member_collector {
	const struct collector_ops *ops;
	void *inst;			/* NULL: not running */
	struct member *m;
	struct member_fault fault;
};

struct member {
	struct member_config cfg;
	struct ev_loop *loop;
	struct member_host host;
	int idx;			/* the daemon's index (members[], engine) */
	int64_t since_ms;		/* clock_mono_ms() when this object was created */
	struct link_info link;		/* from linkmon */
	enum collector_role role;
	const struct collector_ops *const *registry;	/* `collectors` (tests: their own) */
	struct member_collector coll[COLLECT_SLOTS_MAX];	/* by registry index */
	struct sample last;		/* merged: probe window + class metrics + link */
	enum tri engine_up;		/* last link_up told the engine: link up, no essential fault */
	int64_t last_obs_ms;		/* time of the last sample handed up */
	struct tel_ring samples;	/* struct tel_sample, filled by the daemon */
	char collect_error[240];	/* a collector could not start */
	ev_timer fault_timer;		/* "still failing" summaries while a fault lasts */
	int64_t fault_summary_ms;	/* their cadence: COLLECT_FAULT_SUMMARY_MS (tests: less) */
};

struct member *member_new(struct ev_loop *loop, const struct member_config *mc, size_t ring_cap,
			  const struct member_host *host);
void member_free(struct member *m);

/*
 * (Re)start or stop the collectors (probe settings changed, reload). cfg
 * is the running config (global settings the prober needs). The current
 * role and link are given to the new instances.
 */
void member_start_collectors(struct member *m, const struct sf_config *cfg);
void member_stop_collectors(struct member *m);

/*
 * The kernel's view of the member's device changed (or first known). A
 * change of usability goes up as a link sample (MEMBER_OBS_LINK); the
 * caller decides after.
 */
void member_link_changed(struct member *m, const struct link_info *li);

/* Primary or standby: the collectors adapt their cadence. */
void member_set_role(struct member *m, enum collector_role role);

/* Measure now (API recheck, link came back). */
void member_recheck(struct member *m);

/* The engine suspects the member: its collectors measure faster until until_ms (<= now: stop). */
void member_boost(struct member *m, int64_t until_ms);

/*
 * Why the member cannot be used whatever the engine says: "disabled",
 * "unusable" or "down" with the reason, or NULL when it is up to the
 * engine (daemon_member_state).
 */
const char *member_unusable(const struct member *m, const char **reason);

/* Accessors for the daemon and the API. */
const struct sample *member_view(const struct member *m);
const struct link_info *member_link(const struct member *m);
struct tel_ring *member_history(struct member *m);

/* The probe window of the member's prober; false when it has none running. */
bool member_probe_summary(const struct member *m, struct probe_summary *out);

/* Probe traffic estimate of this member per day, bytes (0 when not probing). */
double member_probe_bytes_per_day(const struct member *m);

/* Add each running collector's metrics (its own key) to out. */
void member_collectors_json(const struct member *m, struct json_object *out);

/*
 * The collectors' faults now, for the API: text "name: reason" of every
 * active one joined by "; " ("" none), the oldest one's start (Unix s and
 * mono ms) and the failed attempts of them all. Returns the number active.
 */
int member_faults(const struct member *m, char *text, size_t len, int64_t *since_wall_s,
		  int64_t *since_ms, uint64_t *failures);

#endif
