/*
 * member.h - one uplink at run time: its config, its collectors (prober,
 * Starlink client), what the kernel says of its device, the latest merged
 * observation and its RAM history.
 *
 * Collectors measure and call back into member.c, which turns their
 * results into engine samples (one per probe round; class metrics and link
 * changes as status samples), keeps the merged view for the API and the
 * sample ring, and asks the daemon to decide.
 */
#ifndef SF_MEMBER_H
#define SF_MEMBER_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "linkmon.h"
#include "probe.h"
#include "sample.h"
#include "telemetry.h"

struct daemon;
struct prober;
struct starlink;

struct member {
	struct member_config cfg;
	struct daemon *d;
	int idx;			/* index in daemon->members and in the engine */
	int64_t since_ms;		/* monotonic ms when this object was created */
	struct link_info link;		/* from linkmon */
	struct prober *probe;
	struct starlink *sl;		/* class starlink only */
	struct sample last;		/* merged: probe window + class metrics + link */
	int64_t last_obs_ms;		/* time of the last sample given to the engine */
	struct tel_ring samples;	/* struct tel_sample */
	char collect_error[240];	/* a collector could not start */
};

struct member *member_new(struct daemon *d, const struct member_config *mc, size_t ring_cap);
void member_free(struct member *m);

/* (Re)start or stop the collectors (probe settings changed, reload). */
void member_start_collectors(struct member *m);
void member_stop_collectors(struct member *m);

/* The kernel's view of the member's device changed (or first known). */
void member_link_changed(struct member *m, const struct link_info *li);

/* Probe now (API recheck, link came back). */
void member_recheck(struct member *m);

/* Short state word and reason for the API: disabled, unusable, or the engine's state. */
const char *member_state(const struct member *m, const char **reason);

/* Probe traffic estimate of this member per day, bytes (0 when not probing). */
double member_probe_bytes_per_day(const struct member *m);

#endif
