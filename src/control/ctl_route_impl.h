/*
 * ctl_route_impl.h - what ctl_route.c (routes, rules, sweep, apply) and
 * ctl_route_watch.c (instance lock, reconciliation with the kernel) share.
 * Private to the route backend.
 */
#ifndef SF_CTL_ROUTE_IMPL_H
#define SF_CTL_ROUTE_IMPL_H

#include <ev.h>
#include <linux/netlink.h>

#include "controller.h"

struct nl_sock;

struct route_priv {
	struct nl_sock *nl;		/* requests and dumps (synchronous, bounded) */
	struct nl_sock *ev;		/* route, rule, link, address events; NULL without a loop */
	int lock_fd;			/* the instance lock; -1 when not held */
	ev_io ev_w, lock_w;
	ev_timer check_t;		/* debounce after events, retry while drifted, slow check */
	bool ready;			/* init done */
	bool want_some;			/* a member is wanted (else none) */
	struct ctl_target want;
	bool hit;			/* an event that may concern us */
};

bool route_main_mode(const struct controller *c);
void route_set_err(struct controller *c, const char *what, int err);
int route_rule_attr_cb(const struct nlattr *a, void *data);
bool route_rule_is_ours(const struct controller *c, const struct nlmsghdr *nlh);
int route_sweep_all(struct controller *c, const char *why);
int route_add_rule(struct controller *c, int family, uint32_t prio, uint32_t table, bool suppress);
int route_del_default(struct controller *c, int family);
/* Delete what dump message m (a route or rule, as dumped) describes: m becomes del. 0, or -1 with errno. */
int route_del_msg(struct controller *c, struct nlmsghdr *m, uint16_t del);
int route_set_default(struct controller *c, int family, const struct ctl_target *t);
int route_install(struct controller *c);	/* routes of rp->want (rules are not touched) */

/* ctl_route_watch.c */
int route_lock(struct controller *c);
void route_unlock(struct controller *c);
void route_watch_start(struct controller *c);
void route_watch_stop(struct controller *c);
void route_watch_schedule(struct controller *c, int delay_ms);	/* a check within delay_ms */
int route_check(struct controller *c);	/* dump, compare, repair; 0 when all is in place */

#endif
