/*
 * controller.h - the one OS boundary for actions: make one member the
 * uplink of the router.
 *
 * The engine decides, the daemon calls controller_apply() with the chosen
 * member (or NULL when no member is usable); a backend does the OS work.
 * Backends, chosen by name (option `controller`):
 *   "route"  - ctl_route.c: a default route owned by Starfail via rtnetlink,
 *              IPv4 and IPv6, in its own table behind two ip rules (default)
 *              or in the main table with a low metric. Never touches routes
 *              or rules it does not own (those of netifd, DHCP, the admin).
 *   "dryrun" - ctl_dryrun.c: logs what it would do, changes nothing.
 *   "mwan3"  - ctl_mwan3*.c: mwan3 keeps routing; Starfail moves the primary
 *              through the hotplug events mwan3 reacts to (state mode) or
 *              runtime member metrics (metric mode). See docs/DEPLOYMENT.md.
 *
 * Lifecycle: controller_new -> init (removes leftovers of a crashed run)
 * -> apply* -> shutdown (removes what it installed; the system falls back
 * to its own routes) -> controller_free.
 *
 * Asynchronous contract. controller_apply(c, target, done, ctx) answers at
 * once, never blocking the loop:
 *   CTL_DONE         the kernel (or the backend) confirmed it; done is not called
 *   CTL_IN_PROGRESS  the backend works on it; done(ctx, c, CTL_DONE|CTL_ERROR)
 *                    follows from the loop
 *   CTL_ERROR        refused or failed now (controller_error() says why); done
 *                    is not called; the next apply retries (see "A failed apply")
 * At most one apply is in flight. An apply while one is in flight is queued
 * and answers CTL_IN_PROGRESS; a newer one replaces the queued one (latest
 * wins), whose done is called with CTL_SUPERSEDED from within that newer
 * controller_apply. The queued one starts when the one in flight completes.
 * The route backend completes within the call (netlink requests to the
 * local kernel, bounded by a timeout) and answers CTL_DONE or CTL_ERROR; a
 * slower backend (mwan3, seconds per action) answers CTL_IN_PROGRESS.
 * shutdown drops the apply in flight and the queued one without callbacks.
 * Every controller_apply() is numbered: c->applies right after the call.
 * A done callback learns which apply it reports from controller_done_seq(),
 * so a caller with an older apply still in flight behind a newer one
 * ignores the older one's completion (it is not the latest wanted state).
 *
 * A failed apply. A target the backend failed to put in place (CTL_ERROR
 * from apply, or done with CTL_ERROR) stays the wanted state: c->current
 * names it (c->active unless it was "none") with c->pending set, and the
 * state line says it is not yet applied. The route backend's watch keeps
 * repairing toward it (route_state drifted, retried every
 * CTL_RETRY_DRIFT_MS and at events) - it may have switched one family and
 * not the other - until it is in place or another apply replaces it. Only
 * a target refused before the backend is asked (its device has no usable
 * address and default route) leaves current as it was.
 *
 * Reconciliation. What the kernel has is the truth, not what was applied:
 * route_state is never a cached "applied". The route backend watches its
 * routes and rules (rtnetlink route, rule, link and address events on its
 * own socket, and a dump on a slow timer) and puts back whatever someone
 * removed or changed - a link down/up of the uplink, an address removed,
 * `ip route flush table`, `ip rule del`, another program - within
 * CTL_DEBOUNCE_MS of the event plus the netlink round trips:
 *   CTL_RS_NONE       no member wanted; our rules (table mode) are in place
 *   CTL_RS_APPLIED    every route and rule wanted is in the kernel (as of its
 *                     acks or the last dump)
 *   CTL_RS_DRIFTED    something wanted is missing or wrong (c->drift); the
 *                     repair failed or waits for the device (retried every
 *                     CTL_RETRY_DRIFT_MS, at events, and at the next apply)
 *   CTL_RS_REPAIRING  re-installed, not yet confirmed by a dump
 * The observer set with controller_set_observer() hears every change of
 * route_state with a one-line reason (the daemon emits "drift" and
 * "repair" events from it). The dry-run backend's route_state is what it
 * pretends: applied with a member, none without.
 *
 * One instance per network namespace: the route backend's init takes a
 * lock (the abstract unix socket "starfail/route", which lives as long as
 * the process and is private to the namespace) BEFORE it sweeps
 * leftovers; a second daemon fails init with a message naming the first
 * one's pid, and its shutdown removes nothing.
 *
 * Failures return CTL_ERROR (-1) and leave a message in controller_error();
 * the controller stays usable and the next apply retries.
 */
#ifndef SF_CONTROLLER_H
#define SF_CONTROLLER_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfgtab.h"
#include "link.h"

struct ev_loop;

/* Answers of controller_apply() and arguments of its done callback. */
#define CTL_ERROR (-1)
#define CTL_DONE 0
#define CTL_IN_PROGRESS 1
#define CTL_SUPERSEDED 2

#define CTL_DEBOUNCE_MS 50		/* event -> check of the kernel's state */
#define CTL_RETRY_DRIFT_MS 1000		/* re-check while drifted */
#define CTL_CHECK_MS 15000		/* slow check, in case events were missed */
#define CTL_NL_TIMEOUT_MS 1000		/* bound of one netlink exchange */

enum ctl_rstate { CTL_RS_NONE, CTL_RS_APPLIED, CTL_RS_DRIFTED, CTL_RS_REPAIRING, __CTL_RS_MAX };

const char *ctl_rstate_name(enum ctl_rstate s);	/* "none", "applied", "drifted", "repairing" */


/* The member to route through, as the controller needs it. */
struct ctl_target {
	char member[CFG_STR_MAX];	/* Starfail member name */
	char iface[CFG_STR_MAX];	/* netifd interface (e.g. "wan", "mob1s1a1"); for mwan3 */
	char device[IF_NAMESIZE];	/* Linux device */
	int ifindex;
	bool use4, use6;		/* route this family through the member */
	bool has_gw4, has_gw6;		/* else on-link default (ppp, wwan, tun) */
	struct in_addr gw4;
	struct in6_addr gw6;
	bool has_src4, has_src6;	/* preferred source address (optional) */
	struct in_addr src4;
	struct in6_addr src6;
};

/* Fill a target from linkmon's view of the member's device. */
void ctl_target_from_link(struct ctl_target *t, const char *member, const char *iface,
			  const struct link_info *li);

/* Tunables of the controllers (UCI section `globals`). */
struct ctl_params {
	char backend[CFG_STR_MAX];	/* controller: "route", "dryrun" or "mwan3" */
	int route_table;		/* route_table: own table id; 254 (main) = metric mode */
	int route_metric;		/* route_metric */
	int rule_priority;		/* route_rule_priority: first of our two rules */
	bool ipv6;			/* route_ipv6: also manage the IPv6 default */
	/* mwan3 backend (ctl_mwan3.c) and flows (conntrack.c) */
	int mwan3_mode;			/* enum ctl_mwan3_mode */
	int mwan3_timeout_ms;		/* bound of one ubus/uci/hotplug-call */
	int mwan3_check_ms;		/* reconciliation period */
	char mwan3_state_file[CFG_STR_MAX];	/* what to restore after a crash */
	int flush_conntrack;		/* enum ctl_flush */
};

enum ctl_mwan3_mode { CTL_MWAN3_STATE, CTL_MWAN3_METRIC, __CTL_MWAN3_MAX };
/* flush_conntrack: off, the flows of a member left because it failed, or of every member left */
enum ctl_flush { CTL_FLUSH_OFF, CTL_FLUSH_DEAD, CTL_FLUSH_ALL, __CTL_FLUSH_MAX };

/*
 * Every member Starfail manages, for backends that act on more than the
 * primary (mwan3 demotes the others). order: rank by preference, 0 = first.
 */
struct ctl_member {
	char member[CFG_STR_MAX];
	char iface[CFG_STR_MAX];	/* netifd / mwan3 interface name */
	char device[IF_NAMESIZE];
	int order;
};
#define CTL_MEMBERS_MAX 16

/* What a flow flush did (conntrack.h). */
struct ctl_flow_counts {
	unsigned seen, matched, deleted, failed;
};

extern const struct cfg_option ctl_options[];
extern const char *const ctl_mwan3_mode_names[];	/* enum ctl_mwan3_mode */
extern const char *const ctl_flush_names[];		/* enum ctl_flush */

struct controller;

struct controller_ops {
	const char *name;
	int (*init)(struct controller *c);
	/*
	 * primary NULL: no usable member, remove ours, let the system route.
	 * Returns CTL_DONE, CTL_ERROR, or CTL_IN_PROGRESS and later calls
	 * controller_complete().
	 */
	int (*apply)(struct controller *c, const struct ctl_target *primary);
	void (*cancel)(struct controller *c);	/* drop the apply in flight (shutdown); may be NULL */
	/*
	 * Delete the conntrack flows bound to member `left` (its NAT address,
	 * or its mwan3 mark) so they re-route at their next packet. 0 with
	 * counts, or -1 (c->error). NULL: controller.c's generic one (address).
	 */
	int (*flush_flows)(struct controller *c, const struct ctl_target *left, struct ctl_flow_counts *n);
	void (*shutdown)(struct controller *c);
	void (*destroy)(struct controller *c);
};

typedef void (*ctl_done_cb)(void *ctx, struct controller *c, int answer);
/* A backend action (one command, one check) and its result, for events: ok, member (may be ""), text. */
typedef void (*ctl_action_cb)(void *ctx, struct controller *c, bool ok, const char *member, const char *text);
typedef void (*ctl_state_cb)(void *ctx, struct controller *c, enum ctl_rstate old, enum ctl_rstate now,
			     const char *why);

struct controller {
	const struct controller_ops *ops;
	struct ctl_params params;
	struct ev_loop *loop;		/* NULL: no reconciliation, no asynchronous backend */
	void *priv;			/* backend state */
	bool active;			/* a member is wanted (the last completed apply) */
	struct ctl_target current;	/* valid when active */
	bool pending;			/* that apply failed: not (all) in place yet, retried */
	uint64_t applies, failures;
	char error[160];		/* last failure, "" if none */
	char state[160];		/* one line for `status` */
	/* what the kernel has (see Reconciliation) */
	enum ctl_rstate rstate;
	char drift[192];		/* what is missing or wrong; "" unless drifted/repairing */
	uint64_t drifts, repairs;
	int64_t drift_since_ms;		/* CLOCK_MONOTONIC when the drift was seen */
	int64_t last_repair_wall;	/* time(NULL) of the last repair, 0 = none */
	int last_repair_ms;		/* from the drift seen to the repair confirmed */
	char last_repair[192];		/* what was repaired */
	ctl_state_cb on_state;
	void *state_ctx;
	/* the apply in flight and the queued one */
	bool busy, queued;
	bool busy_some, queued_some;	/* with a target (else "none") */
	struct ctl_target busy_t, queued_t;
	ctl_done_cb busy_cb, queued_cb;
	void *busy_ctx, *queued_ctx;
	uint64_t busy_seq, queued_seq;	/* their numbers (c->applies after their controller_apply) */
	uint64_t done_seq;		/* the apply whose done callback runs now */
	/* every member (controller_set_members) and the action observer */
	int n_members;
	struct ctl_member members[CTL_MEMBERS_MAX];
	ctl_action_cb on_action;
	void *action_ctx;
};

extern const struct controller_ops ctl_route_ops;
extern const struct controller_ops ctl_dryrun_ops;
extern const struct controller_ops ctl_mwan3_ops;

/*
 * Create the backend called name with params p (copied). Returns NULL with
 * a message in err for an unknown name or when the backend cannot start.
 */
struct controller *controller_new(const char *name, const struct ctl_params *p, struct ev_loop *loop,
				  char *err, size_t errlen);
void controller_set_observer(struct controller *c, ctl_state_cb cb, void *ctx);
int controller_init(struct controller *c);
/* See the asynchronous contract above. done may be NULL. */
int controller_apply(struct controller *c, const struct ctl_target *primary, ctl_done_cb done, void *ctx);
bool controller_busy(const struct controller *c);
/* Delete the flows of member left (see flush_flows); counts in n. 0 or -1. */
int controller_flush_flows(struct controller *c, const struct ctl_target *left, struct ctl_flow_counts *n);
/* Every member, in preference order (copied; at most CTL_MEMBERS_MAX). */
void controller_set_members(struct controller *c, const struct ctl_member *m, int n);
void controller_set_action_observer(struct controller *c, ctl_action_cb cb, void *ctx);
/* For backends: report one action and its result (calls the observer, logs). */
void controller_action(struct controller *c, bool ok, const char *member, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void controller_shutdown(struct controller *c);
void controller_free(struct controller *c);

static inline const char *controller_error(const struct controller *c)
{
	return c->error;
}

static inline const char *controller_state(const struct controller *c)
{
	return c->state;
}

/* Within a done callback: the number of the apply it reports (see the contract). */
static inline uint64_t controller_done_seq(const struct controller *c)
{
	return c->done_seq;
}

static inline enum ctl_rstate controller_rstate(const struct controller *c)
{
	return c->rstate;
}

/* For backends: an apply that answered CTL_IN_PROGRESS ended (CTL_DONE or CTL_ERROR). */
void controller_complete(struct controller *c, int answer);
/* For backends: route_state changed; why is one line. Calls the observer. */
void controller_set_rstate(struct controller *c, enum ctl_rstate s, const char *why);

/* Dry-run backend in tests: answer CTL_IN_PROGRESS and complete after delay_ms (needs a loop). */
void ctl_dryrun_set_delay(struct controller *c, int delay_ms);
/* Dry-run backend in tests: applies of member fail (CTL_ERROR); NULL or "": none fail. */
void ctl_dryrun_set_fail(struct controller *c, const char *member);

#endif
