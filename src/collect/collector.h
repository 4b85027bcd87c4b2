/*
 * collector.h - what every collector (probes, Starlink dish, later cellular
 * modems, Wi-Fi) is to the rest of the daemon: one ops table, registered
 * once in registry.c, and one callback upward.
 *
 * A collector measures one member (uplink) and nothing else: it never
 * decides, never touches routes, never calls the engine. Its instance is
 * created by start() for a member whose class it serves and owned by that
 * member until stop(). Every sample goes up through the host's one
 * callback, stamped with clock_mono_ms() when it was measured (not when it
 * is delivered), with every value it did not measure left unknown
 * (sample_init()). A collector that cannot measure says so (a sample with
 * the failure, or its metrics' reason), it never reports invented values.
 *
 * Rules: never block the loop (non-blocking sockets, timers from the loop,
 * external tools through util/proc); bound all memory at start(); treat all
 * input (dish replies, modem output, packets) as hostile.
 *
 * Options: a collector's `config member` options are its member_options
 * table, describing a struct of params_size bytes. The config stores that
 * struct in the member's per-collector area (struct collector_params,
 * indexed by the collector's slot in the registry) and start() receives it
 * as args->params. config.c learns the tables from the registry; it has no
 * code of its own per collector (the prober aside: its params are the
 * resolved global probe settings, config_collector_params()). How to add
 * one: docs/COLLECTORS.md.
 */
#ifndef SF_COLLECTOR_H
#define SF_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfgtab.h"
#include "link.h"
#include "sample.h"

struct ev_loop;
struct json_object;
struct probe_summary;

/* Most collectors in one build, and room for the params of each. */
#define COLLECT_SLOTS_MAX 6
#define COLLECT_PARAMS_MAX 256

/* One collector's params inside a member's config (bytes, suitably aligned). */
struct collector_params {
	_Alignas(max_align_t) unsigned char bytes[COLLECT_PARAMS_MAX];
};

/* For a collector's own file: its params struct fits the area. */
#define COLLECTOR_PARAMS_FIT(type) \
	_Static_assert(sizeof(type) <= COLLECT_PARAMS_MAX, #type " does not fit COLLECT_PARAMS_MAX")

/* Bit of a member class in collector_ops.classes. */
#define COLLECT_CLASS(cls) (1u << (cls))
#define COLLECT_CLASS_ALL (((1u << __CLASS_MAX) - 1) & ~COLLECT_CLASS(CLASS_AUTO))

/* The blocks of struct sample a collector fills (collector_ops.fills). */
#define COLLECT_FILLS_PROBE (1u << 0)		/* latency/p95/jitter/loss, lost_in_row */
#define COLLECT_FILLS_STARLINK (1u << 1)	/* sample.sl */
#define COLLECT_FILLS_CELLULAR (1u << 2)	/* sample.cell */
#define COLLECT_FILLS_WIFI (1u << 3)		/* sample.wifi */

/* How busy a collector may be: the primary is watched closely, a standby less. */
enum collector_role { COLLECTOR_PRIMARY, COLLECTOR_STANDBY };

/* What comes with a sample besides the observation itself. */
#define COLLECT_ROUND (1u << 0)		/* the sample ends one probe round (kept in the history) */
#define COLLECT_ROUND_UP (1u << 1)	/* ... and that round was up */

struct collector_report {
	unsigned flags;			/* COLLECT_ROUND* */
	/*
	 * Figures for the member's merged view (e.g. the prober's window
	 * mean, where the sample carries one round); NULL: the sample itself.
	 */
	const struct sample *view;
};

/*
 * The only way up. Call sample() from the collector's own callbacks
 * (timer, socket, child), never from inside an ops call made by the host;
 * it may call back into the collector's ops (set_role() from the decision
 * the sample causes). s and r are valid during the call only.
 */
struct collector_host {
	void (*sample)(void *ctx, const struct sample *s, const struct collector_report *r);
	void *ctx;
	/*
	 * The collector's source fails (reason: one short line, the same text
	 * for the same fault, no counters or times in it), or works (NULL).
	 * Call it after every attempt (a poll, a socket open): with the reason
	 * when it failed, with NULL when it worked. The host counts the failed
	 * attempts and speaks only on change -- a log line and an event when a
	 * fault starts, changes reason or ends -- plus a summary every
	 * COLLECT_FAULT_SUMMARY_MS while it lasts; so never log a warning per
	 * failed attempt yourself. It may be called from anywhere, inside an
	 * ops call too: it records and announces, never calls back into the
	 * collector. A fault of an essential collector (collector_ops.essential)
	 * makes the member unusable with that reason; any other keeps the
	 * member's state and is shown beside it (members, status).
	 */
	void (*fault)(void *ctx, const char *reason);
};

/* Longest fault reason kept (longer ones are cut), and the summary cadence. */
#define COLLECT_FAULT_REASON_MAX 160
#define COLLECT_FAULT_SUMMARY_MS (10 * 60 * 1000)

/* What start() gets; pointers are valid during start() only (copy what you keep). */
struct collector_args {
	const char *member;		/* member name, for logs */
	const char *device;		/* Linux device to bind to; "" none */
	int cls;			/* enum member_class, never CLASS_AUTO */
	const void *params;		/* what member_options describe (NULL without); the
				   prober: its resolved struct probe_member_cfg */
};

struct collector_ops {
	const char *name;		/* short word: key of its metrics, log prefix */
	unsigned classes;		/* COLLECT_CLASS() bits it serves */
	unsigned fills;			/* COLLECT_FILLS_* it reports */
	/* `config member` options; NULL: none. Their struct is params_size bytes. */
	const struct cfg_option *member_options;
	size_t params_size;
	const char *options_title;	/* heading in docs/CONFIGURATION.md */
	/* Optional: what the table's ranges cannot say (options that need each
	 * other); 0, or -1 with err set. Run by the config loader (so by
	 * --check-config) on every member, and by start(). */
	int (*check_params)(const void *params, char *err, size_t errlen);

	/* Start measuring; NULL with err set (and logged) when it cannot. */
	void *(*start)(struct ev_loop *loop, const struct collector_args *args,
		       const struct collector_host *host, char *err, size_t errlen);
	void (*stop)(void *inst);

	/* Optional (NULL): the kernel's view of the member's device changed. */
	void (*set_link)(void *inst, const struct link_info *li);
	/* Optional: the member became primary or standby. */
	void (*set_role)(void *inst, enum collector_role role);
	/* Optional: measure now (API recheck); the cadence resumes after. */
	void (*poll_now)(void *inst);
	/* Optional: add the collector's metrics to out (under its own key). */
	void (*metrics_json)(const void *inst, struct json_object *out);
	/* Optional, collectors that send probes: the probe window and traffic. */
	void (*probe_summary)(const void *inst, struct probe_summary *out);
	/* Without this collector the member cannot be judged (the prober): its fault
	   makes the member unusable (collector_host.fault). */
	bool essential;
	/* Optional: the member is suspect; measure faster until until_ms
	 * (clock_mono_ms; <= now ends it), within the collector's budget. */
	void (*boost)(void *inst, int64_t until_ms);
};

/*
 * The registry (registry.c): every collector of this build, NULL-terminated,
 * in a fixed order. A collector's index here is its slot: the index of its
 * params in a member's config and of its instance in a member.
 */
extern const struct collector_ops *const collectors[];

/* Number of registered collectors (<= COLLECT_SLOTS_MAX). */
int collector_count(void);

/* The collector called name, or NULL. */
const struct collector_ops *collector_find(const char *name);

/* Slot of ops in the registry, or -1. */
int collector_slot(const struct collector_ops *ops);

/* Does ops serve members of class cls? */
bool collector_serves(const struct collector_ops *ops, int cls);

/* The prober (probe_collector.c): every class. */
extern const struct collector_ops probe_collector;

#endif
