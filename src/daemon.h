/*
 * daemon.h - the daemon object: one event loop, the running config, the
 * members (uplinks) with their collectors, the engine, the controller, the
 * telemetry rings and the API server. It owns the lifecycle: start, reload
 * (SIGHUP / API), stop (SIGTERM / SIGINT) with the controller removing what
 * it installed.
 *
 * Objects, states and events are described in docs/ARCHITECTURE.md.
 */
#ifndef SF_DAEMON_H
#define SF_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <ev.h>

#include "config.h"
#include "controller.h"
#include "engine.h"
#include "events.h"
#include "member.h"
#include "telemetry.h"

struct daemon_opts {
	const char *config_path;
	const char *socket_path;	/* NULL: from config */
	int log_level;			/* -1: from config */
	bool dry_run;
};

struct config_status {
	bool ok;			/* last load/reload succeeded */
	time_t loaded_at;		/* wall clock of the running config */
	time_t attempted_at;		/* wall clock of the last attempt */
	char error[CONFIG_MSG_MAX];	/* first error of the last failed attempt */
	int warnings;
	unsigned reloads, failed_reloads;
};

struct api_server;
struct api_peer;
struct api_error;
struct json_object;
struct linkmon;
struct daemon_export;
struct daemon_caps;
struct daemon_sim;

struct daemon {
	struct ev_loop *loop;
	struct daemon_opts opts;
	struct sf_config cfg;
	struct config_status cstat;
	int n_members;
	struct member *members[MAX_MEMBERS];
	struct engine *engine;
	struct engine_decision decision;	/* the latest */
	int primary;				/* member index, -1 none */
	struct linkmon *linkmon;
	bool links_synced;			/* members have seen the first dump */
	struct controller *ctl;
	bool ctl_applied;			/* applied[] below is in force */
	bool ctl_applied_none;			/* "no member" is in force */
	uint64_t ctl_seq;			/* number of the latest apply asked (controller.h) */
	char ctl_error[200];			/* the controller could not start: why */
	int64_t ctl_retry_ms;			/* next start attempt while ctl is NULL */
	struct ctl_target applied;
	struct tel_ring events;			/* struct tel_event */
	struct event_bus bus;			/* every event goes through it: ring, log, ... */
	struct api_server *api;
	ev_signal sig_hup, sig_term, sig_int;
	time_t started_wall;
	int64_t started_ms;
	bool in_decide;
	bool utc_set;				/* engine knows UTC - monotonic */
	int64_t utc_next_check_ms;
	struct discovery *disc;			/* daemon_disc.c; d->cfg is its merge */
	struct daemon_export *exp;		/* Prometheus, MQTT (daemon_export.h) */
	/* flows of the member left by the latest switch, deleted once the switch is in place */
	bool flow_pending, flow_dead;
	uint64_t flow_seq;			/* the apply that must be done first */
	struct ctl_target flow_left;
	struct tel_ring decisions;		/* struct explain_record (explain.h) */
	struct daemon_caps *caps;		/* data caps (daemon_caps.h) */
	struct daemon_sim *sim;			/* dual SIM (daemon_sim.h) */
};

/* clock_mono_ms(): the one time base of samples, engine and events. */
int64_t daemon_now_ms(const struct daemon *d);

/*
 * Emit a daemon event (not the engine's) to every sink: type is a short word
 * ("repair", "drift", "reload", ...), reason a code word, member may be NULL.
 */
void daemon_event(struct daemon *d, const char *type, const char *reason, const char *member,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Load the config and start everything; -1 with a message on stderr. */
int daemon_init(struct daemon *d, const struct daemon_opts *opts);
void daemon_run(struct daemon *d);
void daemon_fini(struct daemon *d);

/* Parse the config file again; keep the old one on errors. 0 on success. */
int daemon_reload(struct daemon *d, char *err, size_t errlen);

/* Run the engine now and apply its decision through the controller. */
void daemon_decide(struct daemon *d);

/* Manual override (API failover/restore). */
int daemon_pin(struct daemon *d, struct member *m);
void daemon_unpin(struct daemon *d);

/*
 * The controller (daemon_ctl.c): start the configured backend (dry-run when
 * -dry-run or enable '0'), retry one that could not start at most every
 * CTL_RETRY_MS, apply the current primary, stop (removing its routes).
 */
#define CTL_RETRY_MS 10000
const char *daemon_ctl_backend(const struct daemon *d, const struct sf_config *cfg);
int daemon_ctl_start(struct daemon *d, const struct sf_config *cfg, char *err, size_t len);
void daemon_ctl_retry(struct daemon *d);
void daemon_ctl_apply(struct daemon *d);
void daemon_ctl_stop(struct daemon *d);
/* What the kernel has of the controller's routes into the status "controller" object. */
/* The controller as `status` shows it (api_metrics.h). */
struct controller_view;
void daemon_ctl_view(const struct daemon *d, struct controller_view *v);
/*
 * Delete the conntrack flows of a member left? flush: flush_conntrack
 * (enum ctl_flush); dead: it was left because it failed; policy: its
 * flow_failback (enum member_flow_failback); metered: its option.
 */
bool daemon_flow_flush_wanted(int flush, bool dead, int policy, bool metered);
/* Hand the members of cfg to the controller (reload). */
void daemon_ctl_set_members(struct controller *c, const struct sf_config *cfg);

struct member *daemon_find_member(struct daemon *d, const char *name);

/*
 * Run these members (a merge of discovery, same global options as d->cfg):
 * the engine takes them, then unchanged members keep their object. -1 when
 * the engine refused them (nothing changed).
 */
int daemon_set_members(struct daemon *d, const struct sf_config *eff);

/*
 * Discovery (daemon_disc.c, config/discover.h): init/fini; load = read
 * mwan3 for a freshly loaded cfg and merge what is known into it (cfg in:
 * the file, out: the members to run); commit = that cfg is now in force;
 * kick = ask netifd again now (start, reload, API `discover`); mwan3 = the
 * mwan3 config in force (NULL: use_mwan3 off or unreadable) for the
 * controller; json = its state for the API.
 */
int daemon_disc_init(struct daemon *d);
void daemon_disc_fini(struct daemon *d);
void daemon_disc_load(struct daemon *d, struct sf_config *cfg);
void daemon_disc_commit(struct daemon *d);
void daemon_disc_kick(struct daemon *d, const char *why);
const struct mwan3_config *daemon_disc_mwan3(const struct daemon *d);
struct json_object *daemon_disc_json(const struct daemon *d);

/*
 * Short state word and reason of a member for the API: disabled, unusable
 * or down (member_unusable), else the engine's state. The reason points to
 * static or member storage, valid until the next call.
 */
const char *daemon_member_state(const struct daemon *d, const struct member *m, const char **reason);

/* API dispatcher (api_methods.c). */
struct json_object *daemon_api_dispatch(void *ctx, const char *method, struct json_object *params,
					const struct api_peer *peer, struct api_error *err);

#endif
