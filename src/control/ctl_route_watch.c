/*
 * ctl_route_watch.c - the route backend's instance lock and its
 * reconciliation with the kernel (controller.h, "Reconciliation").
 *
 * Lock: an abstract unix socket "starfail/route", bound and listening for
 * as long as the backend lives. Abstract names belong to the network
 * namespace - exactly the scope of the routes and rules swept by protocol -
 * and vanish with the process, even after SIGKILL, so there is no stale
 * lock file. A second instance finds the name taken, connects to learn the
 * holder's pid (SO_PEERCRED) and refuses to start; the holder accepts and
 * closes such connections and logs the attempt.
 *
 * Watch: one event socket joined to link, address, route and rule groups.
 * A message that may concern us (our device's link or address, a route of
 * our table or protocol removed, a foreign route put in our table, any rule
 * removed, lost events) arms the check timer for CTL_DEBOUNCE_MS; it is
 * never pushed back, so a storm of events costs one check per debounce. The
 * check dumps our routes and rules, compares them with what is wanted and
 * re-installs what is missing: IPv4 routes via a device that goes down are
 * removed by the kernel without a message, hence the link and address
 * events. A repair that fails (device still down) leaves the state drifted
 * and is retried every CTL_RETRY_DRIFT_MS; with nothing amiss the check
 * runs every CTL_CHECK_MS.
 *
 * Ours is the default route of protocol SF_RTPROT in our table with
 * route_metric. A default route of that protocol in our table with another
 * metric (a leftover of an earlier route_metric, or put there by hand) is a
 * stray: the check deletes it exactly as dumped, as the sweep at start and
 * stop would, and then converges; it is never taken for ours, whose delete
 * names route_metric. A dump the kernel marks interrupted (NLM_F_DUMP_INTR)
 * is done again, up to DUMP_TRIES times, and if it stays interrupted the
 * check concludes nothing and runs again after CTL_DEBOUNCE_MS; a dump with
 * messages that cannot be read is a failed check (retried after
 * CTL_RETRY_DRIFT_MS): neither may read as "missing" and cause a repair.
 * In main mode a repair of a wrong route is delete + add with NLM_F_EXCL
 * (a short gap), not NLM_F_REPLACE: the kernel picks the route to replace
 * by destination, TOS and metric whatever its protocol, so a replace could
 * overwrite a route of netifd with the same metric.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_route_impl.h"
#include "log.h"
#include "nl.h"

#define LOCK_NAME "starfail/route"

/* ---- instance lock ---- */

static socklen_t lock_addr(struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, LOCK_NAME, strlen(LOCK_NAME));	/* sun_path[0] = 0: abstract */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(LOCK_NAME));
}

static int holder_pid(void)
{
	struct sockaddr_un a;
	socklen_t len = lock_addr(&a);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int pid = 0;
	if (fd < 0)
		return 0;
	struct ucred cr;
	socklen_t crl = sizeof(cr);
	if (connect(fd, (struct sockaddr *)&a, len) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) == 0)
		pid = (int)cr.pid;
	close(fd);
	return pid;
}

static void lock_knock(struct ev_loop *loop, ev_io *w, int revents)
{
	struct controller *c = w->data;
	struct route_priv *rp = c->priv;
	for (int i = 0; i < 8; i++) {
		int fd = accept4(rp->lock_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return;
		struct ucred cr;
		socklen_t crl = sizeof(cr);
		int pid = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) == 0 ? (int)cr.pid : 0;
		close(fd);
		log_warn("ctl: another starfaild (pid %d) tried to start in this network namespace: refused", pid);
	}
}

int route_lock(struct controller *c)
{
	struct route_priv *rp = c->priv;
	struct sockaddr_un a;
	socklen_t len = lock_addr(&a);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		route_set_err(c, "instance lock", errno);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&a, len) < 0 || listen(fd, 4) < 0) {
		int e = errno;
		close(fd);
		if (e == EADDRINUSE) {
			int pid = holder_pid();
			char who[32] = "";
			if (pid > 0)
				snprintf(who, sizeof(who), " (pid %d)", pid);
			snprintf(c->error, sizeof(c->error),
				 "another starfaild%s already manages the routes of this network namespace; "
				 "not starting a second one", who);
		} else {
			route_set_err(c, "instance lock", e);
		}
		return -1;
	}
	rp->lock_fd = fd;
	if (c->loop) {
		ev_io_init(&rp->lock_w, lock_knock, fd, EV_READ);
		rp->lock_w.data = c;
		ev_io_start(c->loop, &rp->lock_w);
	}
	return 0;
}

void route_unlock(struct controller *c)
{
	struct route_priv *rp = c->priv;
	if (!rp || rp->lock_fd < 0)
		return;
	if (c->loop)
		ev_io_stop(c->loop, &rp->lock_w);
	close(rp->lock_fd);
	rp->lock_fd = -1;
}

/* ---- what the kernel has ---- */

#define STRAY_MAX 8		/* stray routes of ours deleted per check; more: the next check */
#define DUMP_TRIES 3		/* dumps interrupted (NLM_F_DUMP_INTR) in a row before giving up */

/*
 * What a check saw. Ours-as-wanted is the default route of our protocol in
 * our table with route_metric; one of our protocol in our table with
 * another metric (a leftover, or the admin's) is a stray: it is deleted
 * exactly as dumped, as the sweep does, since protocol SF_RTPROT belongs
 * to Starfail (controller.h).
 */
struct seen {
	const struct controller *c;
	bool def[2], gw[2];
	uint32_t oif[2];
	unsigned char gwb[2][16];
	bool rule0[2], rule1[2];
	struct nlmsghdr *stray[STRAY_MAX];
	uint32_t stray_metric[STRAY_MAX];
	int n_stray;
	bool nomem;
};

static void seen_reset(struct seen *s)
{
	const struct controller *c = s->c;
	for (int i = 0; i < s->n_stray; i++)
		free(s->stray[i]);
	memset(s, 0, sizeof(*s));
	s->c = c;
}

static int route_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_get_type(a) <= RTA_MAX)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static uint32_t u32_or(const struct nlattr *a, uint32_t dflt)
{
	return a && mnl_attr_validate(a, MNL_TYPE_U32) == 0 ? mnl_attr_get_u32(a) : dflt;
}

/* The metric our route of family has in the kernel: IPv6 stores metric 0 as 1024 (IP6_RT_PRIO_USER). */
static uint32_t our_metric(const struct controller *c, int family)
{
	uint32_t m = (uint32_t)c->params.route_metric;
	return family == AF_INET6 && m == 0 ? 1024 : m;
}

static int seen_route(const struct nlmsghdr *nlh, void *ctx)
{
	struct seen *s = ctx;
	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
		return -1;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_protocol != SF_RTPROT || rtm->rtm_dst_len != 0 ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
		return 0;
	const struct nlattr *tb[RTA_MAX + 1] = { NULL };
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, tb);
	if (u32_or(tb[RTA_TABLE], rtm->rtm_table) != (uint32_t)s->c->params.route_table)
		return 0;
	uint32_t metric = u32_or(tb[RTA_PRIORITY], 0);	/* IPv4 metric 0 comes without the attribute */
	if (metric != our_metric(s->c, rtm->rtm_family)) {
		if (s->n_stray >= STRAY_MAX)
			return 0;
		struct nlmsghdr *m = malloc(nlh->nlmsg_len);
		if (!m) {
			s->nomem = true;
			return 0;
		}
		memcpy(m, nlh, nlh->nlmsg_len);
		s->stray_metric[s->n_stray] = metric;
		s->stray[s->n_stray++] = m;
		return 0;
	}
	int i = rtm->rtm_family == AF_INET6;
	size_t alen = i ? 16 : 4;
	s->def[i] = true;
	s->oif[i] = u32_or(tb[RTA_OIF], 0);
	s->gw[i] = tb[RTA_GATEWAY] && mnl_attr_get_payload_len(tb[RTA_GATEWAY]) == alen;
	if (s->gw[i])
		memcpy(s->gwb[i], mnl_attr_get_payload(tb[RTA_GATEWAY]), alen);
	return 0;
}

static int seen_rule(const struct nlmsghdr *nlh, void *ctx)
{
	struct seen *s = ctx;
	if (nlh->nlmsg_type != RTM_NEWRULE)
		return 0;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct fib_rule_hdr)))
		return -1;
	if (!route_rule_is_ours(s->c, nlh))
		return 0;
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[FRA_MAX + 1] = { NULL };
	mnl_attr_parse(nlh, sizeof(*frh), route_rule_attr_cb, tb);
	uint32_t prio = u32_or(tb[FRA_PRIORITY], 0);
	int i = frh->family == AF_INET6;
	uint32_t p0 = (uint32_t)s->c->params.rule_priority;
	if (prio == p0)
		s->rule0[i] = true;
	else if (prio == p0 + 1)
		s->rule1[i] = true;
	return 0;
}

/*
 * One dump into s: 0; 1 when interrupted (NLM_F_DUMP_INTR: it may lack
 * what changed under it); -1 with c->error when it failed or had messages
 * that could not be read (the refused one may have been ours: nl.h).
 */
static int dump(struct controller *c, uint16_t type, int family, nl_msg_cb cb, struct seen *s)
{
	struct route_priv *rp = c->priv;
	const char *what = type == RTM_GETRULE ? "rules" : "routes";
	char req[64];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = type;
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));	/* same size as fib_rule_hdr */
	rtm->rtm_family = (uint8_t)family;
	struct nl_result r;
	if (nl_dump(rp->nl, nlh, CTL_NL_TIMEOUT_MS, cb, s, &r)) {
		snprintf(c->error, sizeof(c->error), "checking Starfail's %s: %s", what, r.why);
		return -1;
	}
	if (r.malformed) {
		snprintf(c->error, sizeof(c->error), "checking Starfail's %s: %u message(s) could not be read (%.80s)",
			 what, r.malformed, r.why);
		return -1;
	}
	if (s->nomem) {
		snprintf(c->error, sizeof(c->error), "checking Starfail's %s: out of memory", what);
		return -1;
	}
	return r.intr ? 1 : 0;
}

static void add(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used + 3 >= len)
		return;
	if (used)
		strcpy(buf + used, "; "), used += 2;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* Every dump once into s: 0, 1 (one was interrupted), -1 (c->error). */
static int dump_all(struct controller *c, struct seen *s)
{
	int fams = c->params.ipv6 ? 2 : 1, intr = 0;
	for (int i = 0; i < fams; i++) {
		int fam = i ? AF_INET6 : AF_INET;
		int rc = dump(c, RTM_GETROUTE, fam, seen_route, s);
		if (rc >= 0 && !route_main_mode(c)) {
			int rr = dump(c, RTM_GETRULE, fam, seen_rule, s);
			rc = rr < 0 ? rr : rc | rr;
		}
		if (rc < 0)
			return -1;
		intr |= rc;
	}
	return intr;
}

/* What needs a repair. */
struct drift {
	bool routes;	/* a wanted route is missing or wrong, or one is present with none wanted */
	bool rules;	/* a rule is missing (table mode) */
};

/*
 * Dump (again, up to DUMP_TRIES times while a dump is interrupted) into s
 * and say what is missing or wrong into what ("" = all in place): 0; 1
 * when every try was interrupted (compare nothing: check again soon); -1
 * when the dumps failed or could not be read (c->error).
 */
static int compare(struct controller *c, struct seen *s, char *what, size_t len, struct drift *d)
{
	struct route_priv *rp = c->priv;
	int fams = c->params.ipv6 ? 2 : 1;
	what[0] = 0;
	memset(d, 0, sizeof(*d));
	int rc = 1;
	for (int t = 0; t < DUMP_TRIES && rc == 1; t++) {
		seen_reset(s);
		rc = dump_all(c, s);
	}
	if (rc)
		return rc;
	uint32_t p0 = (uint32_t)c->params.rule_priority;
	for (int i = 0; i < fams; i++) {
		const char *fn = i ? "IPv6" : "IPv4";
		const struct ctl_target *t = &rp->want;
		bool use = rp->want_some && (i ? t->use6 : t->use4);
		bool has_gw = i ? t->has_gw6 : t->has_gw4;
		const void *gw = i ? (const void *)&t->gw6 : (const void *)&t->gw4;
		bool bad = true;
		if (use && !s->def[i])
			add(what, len, "%s default via %s missing", fn, t->device);
		else if (use && (s->oif[i] != (uint32_t)t->ifindex || s->gw[i] != has_gw ||
				 (has_gw && memcmp(s->gwb[i], gw, i ? 16 : 4))))
			add(what, len, "%s default not via %s", fn, t->device);
		else if (!use && s->def[i])
			add(what, len, "%s default of Starfail present with no member wanted", fn);
		else
			bad = false;
		d->routes |= bad;
		if (!route_main_mode(c) && (!s->rule0[i] || !s->rule1[i])) {
			add(what, len, "%s rule %u missing", fn, s->rule0[i] ? p0 + 1 : p0);
			d->rules = true;
		}
	}
	for (int k = 0; k < s->n_stray; k++) {
		const struct rtmsg *rtm = mnl_nlmsg_get_payload(s->stray[k]);
		add(what, len, "%s default of protocol %d with metric %u, not %u (route_metric)",
		    rtm->rtm_family == AF_INET6 ? "IPv6" : "IPv4", SF_RTPROT, s->stray_metric[k],
		    our_metric(c, rtm->rtm_family));
	}
	return 0;
}

static int repair(struct controller *c, struct seen *s, const struct drift *d)
{
	int rc = 0;
	for (int k = 0; k < s->n_stray; k++)
		if (route_del_msg(c, s->stray[k], RTM_DELROUTE)) {
			route_set_err(c, "removing a stray default route of Starfail's protocol", errno);
			rc = -1;
		}
	if (d->rules) {
		uint32_t p0 = (uint32_t)c->params.rule_priority;
		for (int f = 0; f < (c->params.ipv6 ? 2 : 1); f++) {
			int fam = f ? AF_INET6 : AF_INET;
			if (route_add_rule(c, fam, p0, RT_TABLE_MAIN, true) ||
			    route_add_rule(c, fam, p0 + 1, (uint32_t)c->params.route_table, false))
				rc = -1;
		}
	}
	if (d->routes && route_install(c))
		rc = -1;
	return rc;
}

int route_check(struct controller *c)
{
	struct route_priv *rp = c->priv;
	if (!rp || !rp->ready)
		return 0;
	char what[sizeof(c->drift)];
	struct drift d;
	struct seen s = { .c = c };
	enum ctl_rstate good = rp->want_some ? CTL_RS_APPLIED : CTL_RS_NONE;
	int crc = compare(c, &s, what, sizeof(what), &d);
	if (crc) {
		seen_reset(&s);
		if (crc > 0) {	/* the tables kept changing under the dumps: no conclusion, look again soon */
			log_debug("ctl: route check: dumps interrupted %d times, again in %d ms", DUMP_TRIES,
				  CTL_DEBOUNCE_MS);
			route_watch_schedule(c, CTL_DEBOUNCE_MS);
		} else {
			log_warn("ctl: route check failed: %s", c->error);
			route_watch_schedule(c, CTL_RETRY_DRIFT_MS);
		}
		return -1;
	}
	if (!what[0]) {
		if (c->rstate != good) {
			char why[sizeof(c->drift) + 24];
			snprintf(why, sizeof(why), "%s: %s", c->rstate == CTL_RS_REPAIRING ? "reinstalled" : "in place again",
				 c->drift[0] ? c->drift : "-");
			log_info("ctl: route repaired what=\"%s\"", c->drift);
			controller_set_rstate(c, good, why);
		}
		route_watch_schedule(c, CTL_CHECK_MS);
		return 0;
	}
	if (c->rstate != CTL_RS_DRIFTED && c->rstate != CTL_RS_REPAIRING) {
		log_warn("ctl: route drift what=\"%s\"", what);
		controller_set_rstate(c, CTL_RS_DRIFTED, what);	/* the observer hears the drift first */
	}
	log_debug("ctl: route repair what=\"%s\"", what);
	int rrc = repair(c, &s, &d);
	seen_reset(&s);
	if (rrc) {
		char why[sizeof(c->drift)];
		snprintf(why, sizeof(why), "%.100s (waiting: %.78s)", what, c->error);
		log_debug("ctl: route repair failed what=\"%s\" error=\"%s\"", what, c->error);
		controller_set_rstate(c, CTL_RS_DRIFTED, why);
		route_watch_schedule(c, CTL_RETRY_DRIFT_MS);
		return -1;
	}
	controller_set_rstate(c, CTL_RS_REPAIRING, what);
	route_watch_schedule(c, CTL_DEBOUNCE_MS);	/* confirmed by the next dump */
	return -1;
}

/* ---- events and the timer ---- */

static int event_msg(const struct nlmsghdr *nlh, void *ctx)
{
	struct controller *c = ctx;
	struct route_priv *rp = c->priv;
	int ifindex = -1;
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
			return -1;
		ifindex = ((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index;
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
			return -1;
		ifindex = (int)((const struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_index;
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE: {
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
			return -1;
		const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
		const struct nlattr *tb[RTA_MAX + 1] = { NULL };
		mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, tb);
		uint32_t table = u32_or(tb[RTA_TABLE], rtm->rtm_table);
		bool in_ours = table == (uint32_t)c->params.route_table && rtm->rtm_dst_len == 0;
		/* put there: a foreign one, or one of our protocol at another metric (a stray) */
		bool not_as_ours = rtm->rtm_protocol != SF_RTPROT ||
				   u32_or(tb[RTA_PRIORITY], 0) != our_metric(c, rtm->rtm_family);
		if (nlh->nlmsg_type == RTM_DELROUTE ? in_ours || rtm->rtm_protocol == SF_RTPROT
						    : in_ours && not_as_ours)
			rp->hit = true;
		return 0;
	}
	case RTM_DELRULE:
		rp->hit = true;
		return 0;
	default:
		return 0;
	}
	if (rp->want_some && ifindex == rp->want.ifindex)
		rp->hit = true;
	return 0;
}

static void event_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct controller *c = w->data;
	struct route_priv *rp = c->priv;
	bool overrun = false;
	rp->hit = false;
	nl_read_events(rp->ev, 64, event_msg, c, &overrun);
	if (rp->hit || overrun)
		route_watch_schedule(c, CTL_DEBOUNCE_MS);
}

static void check_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct controller *c = w->data;
	route_check(c);
	struct route_priv *rp = c->priv;
	if (rp && !ev_is_active(&rp->check_t))	/* a check that failed early schedules nothing */
		route_watch_schedule(c, CTL_CHECK_MS);
}

void route_watch_schedule(struct controller *c, int delay_ms)
{
	struct route_priv *rp = c->priv;
	if (!c->loop || !rp || !rp->ev)
		return;
	if (ev_is_active(&rp->check_t)) {
		if (ev_timer_remaining(c->loop, &rp->check_t) <= delay_ms / 1000.0)
			return;	/* an earlier check is due: never pushed back */
		ev_timer_stop(c->loop, &rp->check_t);
	}
	ev_timer_set(&rp->check_t, delay_ms / 1000.0, 0.);
	ev_timer_start(c->loop, &rp->check_t);
}

void route_watch_start(struct controller *c)
{
	struct route_priv *rp = c->priv;
	if (!c->loop || rp->ev)
		return;
	static const unsigned groups[] = { RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
					   RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE,
					   RTNLGRP_IPV6_RULE };
	char err[128];
	rp->ev = nl_open(NETLINK_ROUTE, groups, (int)(sizeof(groups) / sizeof(groups[0])), 1 << 18, err, sizeof(err));
	if (!rp->ev) {
		log_err("ctl: route watch unavailable (%s): changes by others are not repaired", err);
		return;
	}
	ev_io_init(&rp->ev_w, event_readable, nl_fd(rp->ev), EV_READ);
	rp->ev_w.data = c;
	ev_io_start(c->loop, &rp->ev_w);
	ev_timer_init(&rp->check_t, check_timer, 0., 0.);
	rp->check_t.data = c;
	route_watch_schedule(c, CTL_CHECK_MS);
}

void route_watch_stop(struct controller *c)
{
	struct route_priv *rp = c->priv;
	if (!rp || !rp->ev)
		return;
	ev_io_stop(c->loop, &rp->ev_w);
	ev_timer_stop(c->loop, &rp->check_t);
	nl_close(rp->ev);
	rp->ev = NULL;
}
