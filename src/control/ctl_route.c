/*
 * ctl_route.c - the "route" controller: the chosen member becomes the
 * default route, through rtnetlink (libmnl), IPv4 and IPv6.
 *
 * Table mode (default, route_table != 254): Starfail's default route lives
 * alone in its own table, reached through two ip rules installed at init:
 *   route_rule_priority     from all lookup main suppress_prefixlength 0
 *   route_rule_priority+1   from all lookup <route_table>
 * The first lets every specific route of the main table (LAN, VPN, the
 * uplinks' own subnets) win as before, and ignores main's default routes;
 * the second sends the rest to our default route. An empty table falls
 * through to the main table's rule (32766), so with no member applied, or
 * after shutdown, the system routes by its own metrics. This wins over
 * netifd whatever metric it uses (netifd's default is 0, which no metric
 * can beat) and never adds, edits or deletes a route of netifd: netifd
 * writes its routes with NLM_F_REPLACE, so a route of ours with the same
 * metric in the main table would be overwritten by it, or overwrite it.
 *
 * Main mode (route_table = 254): our default route goes into the main
 * table with route_metric, which must be lower than the metrics of the WAN
 * interfaces in /etc/config/network. It is added with NLM_F_EXCL, so a
 * route of someone else with the same metric is never replaced (the apply
 * fails and says so).
 *
 * Everything we install carries protocol SF_RTPROT; init and shutdown
 * delete exactly the routes and rules with that protocol (and, for kernels
 * without rule protocols, our two rule priorities pointing at our table).
 *
 * Netlink goes through util/nl.h: requests and dumps are synchronous and
 * bounded by CTL_NL_TIMEOUT_MS, so apply answers CTL_DONE or CTL_ERROR.
 * The instance lock and the reconciliation with the kernel (events, checks,
 * repairs) are in ctl_route_watch.c.
 */
#include "controller.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl_route_impl.h"
#include "log.h"
#include "nl.h"

const char *const ctl_mwan3_mode_names[] = { "state", "metric", NULL };
const char *const ctl_flush_names[] = { "off", "dead", "all", NULL };

const struct cfg_option ctl_options[] = {
	{ "controller", CFG_STRING, offsetof(struct ctl_params, backend), 0, 0, "auto", NULL, NULL,
	  CFG_HELP("what acts on the system: auto (mwan3 with use_mwan3 '1', else route), route (Starfail's "
	  "own default route via rtnetlink), mwan3 (through mwan3 at run time) or dryrun (only logs)") },
	{ "route_table", CFG_INT, offsetof(struct ctl_params, route_table), 1, 0x7fffffff, "7373", NULL,
	  NULL, CFG_HELP("routing table of Starfail's default route; 254 = main table with route_metric") },
	{ "route_metric", CFG_INT, offsetof(struct ctl_params, route_metric), 0, 0x7fffffff, "1", NULL,
	  NULL, CFG_HELP("metric of Starfail's default route (must beat netifd's in main mode)") },
	{ "route_rule_priority", CFG_INT, offsetof(struct ctl_params, rule_priority), 1, 32700, "32000",
	  NULL, NULL, CFG_HELP("priority of the first of Starfail's two ip rules (table mode)") },
	{ "route_ipv6", CFG_BOOL, offsetof(struct ctl_params, ipv6), 0, 0, "1", NULL, NULL,
	  CFG_HELP("also manage the IPv6 default route") },
	{ "mwan3_mode", CFG_ENUM, offsetof(struct ctl_params, mwan3_mode), 0, 0, "state", ctl_mwan3_mode_names,
	  NULL, CFG_HELP("mwan3 controller: `state` (connected/disconnected events, policies only) or `metric` "
	  "(member metrics set at runtime with uci, never committed); see docs/DEPLOYMENT.md") },
	{ "mwan3_timeout_ms", CFG_INT, offsetof(struct ctl_params, mwan3_timeout_ms), 100, 600000, "10000", NULL,
	  "ms", CFG_HELP("mwan3 controller: bound of one ubus, uci or hotplug-call run (then TERM, KILL)") },
	{ "mwan3_check_ms", CFG_INT, offsetof(struct ctl_params, mwan3_check_ms), 200, 3600000, "15000", NULL,
	  "ms", CFG_HELP("mwan3 controller: how often mwan3's state is compared with what Starfail set, and mended") },
	{ "mwan3_state_file", CFG_STRING, offsetof(struct ctl_params, mwan3_state_file), 0, 0,
	  "/var/run/starfail-mwan3.state", NULL, NULL,
	  CFG_HELP("mwan3 controller: what it changed (metrics, interfaces held down), restored on stop and after a crash") },
	{ "flush_conntrack", CFG_ENUM, offsetof(struct ctl_params, flush_conntrack), 0, 0, "dead",
	  ctl_flush_names, NULL, CFG_HELP("on a switch, delete the conntrack flows of the member left: `off`, "
	  "`dead` (when it failed; on failback as its flow_failback says) or `all` (every switch)") },
	CFG_OPT_END
};

bool route_main_mode(const struct controller *c)
{
	return c->params.route_table == RT_TABLE_MAIN;
}

void route_set_err(struct controller *c, const char *what, int err)
{
	snprintf(c->error, sizeof(c->error), "%s: %s", what, strerror(err));
}

/* One request and its ack; -1 with errno = the kernel's error (or EPROTO, ETIMEDOUT). */
static int talk(struct controller *c, struct nlmsghdr *nlh)
{
	struct route_priv *rp = c->priv;
	struct nl_result r;
	if (nl_call(rp->nl, nlh, CTL_NL_TIMEOUT_MS, &r) == 0)
		return 0;
	if (r.err != EEXIST && r.err != ESRCH && r.err != ENOENT)
		log_debug("ctl: netlink request type=%u failed: %s", nlh->nlmsg_type, r.why);
	errno = r.err ? r.err : EPROTO;
	return -1;
}

int route_del_msg(struct controller *c, struct nlmsghdr *m, uint16_t del)
{
	m->nlmsg_type = del;
	m->nlmsg_flags = 0;
	if (talk(c, m) && errno != ESRCH && errno != ENOENT)
		return -1;
	return 0;
}

/* ---- cleanup by dump: routes and rules carrying our protocol ---- */

#define SWEEP_BATCH 64	/* messages deleted per pass; more: another pass */
#define SWEEP_PASSES 8

struct sweep {
	struct controller *c;
	struct nlmsghdr *msgs[SWEEP_BATCH];	/* matching messages as dumped, re-sent as deletes */
	int n;
	bool more;		/* over SWEEP_BATCH: sweep again */
	bool nomem;
};

int route_rule_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_get_type(a) <= FRA_MAX)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static bool attr_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;	/* absent or not 4 bytes: treated as absent */
	*v = mnl_attr_get_u32(a);
	return true;
}

bool route_rule_is_ours(const struct controller *c, const struct nlmsghdr *nlh)
{
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[FRA_MAX + 1] = { NULL };
	mnl_attr_parse(nlh, sizeof(*frh), route_rule_attr_cb, tb);
	if (tb[FRA_PROTOCOL] && mnl_attr_get_payload_len(tb[FRA_PROTOCOL]) >= 1)
		return mnl_attr_get_u8(tb[FRA_PROTOCOL]) == SF_RTPROT;
	/* kernels before 4.17: our priorities pointing where we point */
	uint32_t prio = 0, table = frh->table;
	attr_u32(tb[FRA_PRIORITY], &prio);
	attr_u32(tb[FRA_TABLE], &table);
	uint32_t p0 = (uint32_t)c->params.rule_priority;
	return (prio == p0 && table == RT_TABLE_MAIN && tb[FRA_SUPPRESS_PREFIXLEN]) ||
	       (prio == p0 + 1 && table == (uint32_t)c->params.route_table);
}

static int sweep_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sweep *sw = data;
	bool ours = false;
	if (nlh->nlmsg_type == RTM_NEWROUTE) {
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
			return -1;	/* may have been ours: the sweep fails (nl.h) */
		const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
		ours = rtm->rtm_protocol == SF_RTPROT;
	} else if (nlh->nlmsg_type == RTM_NEWRULE) {
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct fib_rule_hdr)))
			return -1;
		ours = route_rule_is_ours(sw->c, nlh);
	}
	if (!ours)
		return MNL_CB_OK;
	if (sw->n >= SWEEP_BATCH) {
		sw->more = true;
		return MNL_CB_OK;
	}
	struct nlmsghdr *m = malloc(nlh->nlmsg_len);	/* bounded by the datagram (NL_BUF_BYTES) */
	if (!m) {
		sw->nomem = true;
		return MNL_CB_OK;
	}
	memcpy(m, nlh, nlh->nlmsg_len);
	sw->msgs[sw->n++] = m;
	return MNL_CB_OK;
}

static void sweep_clear(struct sweep *sw)
{
	for (int i = 0; i < sw->n; i++)
		free(sw->msgs[i]);
	sw->n = 0;
}

static int sweep_type(struct controller *c, uint16_t get, uint16_t del, int family)
{
	struct route_priv *rp = c->priv;
	struct sweep *sw = calloc(1, sizeof(*sw));
	const char *what = del == RTM_DELRULE ? "removing Starfail rules" : "removing Starfail routes";
	int removed = 0;
	struct nl_result r = { 0 };
	if (!sw) {
		route_set_err(c, what, ENOMEM);
		return -1;
	}
	sw->c = c;
	bool again = false;
	for (int pass = 0; pass < SWEEP_PASSES; pass++) {
		char req[64];
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
		nlh->nlmsg_type = get;
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));	/* same size as fib_rule_hdr */
		rtm->rtm_family = (uint8_t)family;
		sweep_clear(sw);
		sw->more = sw->nomem = false;
		if (nl_dump(rp->nl, nlh, CTL_NL_TIMEOUT_MS, sweep_cb, sw, &r))
			goto fail;
		if (r.malformed) {
			snprintf(c->error, sizeof(c->error), "%s: the dump had %u message(s) it could not read (%.60s)",
				 what, r.malformed, r.why);
			goto fail_msg;
		}
		if (sw->nomem) {
			r.err = ENOMEM;
			goto fail;
		}
		for (int i = 0; i < sw->n; i++) {
			if (route_del_msg(c, sw->msgs[i], del)) {
				r.err = errno;
				goto fail;
			}
			removed++;
		}
		/* an interrupted dump may have missed some: look again */
		again = sw->more || r.intr;
		if (!again)
			break;
	}
	if (again)
		log_warn("ctl: %s: still some left after %d passes (%s)", what, SWEEP_PASSES,
			 r.intr ? "dumps interrupted" : "more than expected");
	sweep_clear(sw);
	free(sw);
	return removed;
fail:
	route_set_err(c, what, r.err ? r.err : EPROTO);
fail_msg:
	sweep_clear(sw);
	free(sw);
	return -1;
}

int route_sweep_all(struct controller *c, const char *why)
{
	int r = sweep_type(c, RTM_GETROUTE, RTM_DELROUTE, AF_UNSPEC);
	if (r < 0)
		return -1;
	int n = r;
	if (!route_main_mode(c)) {
		for (int f = 0; f < 2; f++) {
			r = sweep_type(c, RTM_GETRULE, RTM_DELRULE, f ? AF_INET6 : AF_INET);
			if (r < 0)
				return -1;
			n += r;
		}
	}
	if (n)
		log_info("ctl: route removed=%d proto=%d reason=%s", n, SF_RTPROT, why);
	return 0;
}

/* ---- routes and rules ---- */

static void put_table(struct nlmsghdr *nlh, uint8_t *hdr_table, uint32_t table, uint16_t attr)
{
	*hdr_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, attr, table);
}

int route_add_rule(struct controller *c, int family, uint32_t prio, uint32_t table, bool suppress)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWRULE;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (uint8_t)family;
	frh->action = FR_ACT_TO_TBL;
	mnl_attr_put_u32(nlh, FRA_PRIORITY, prio);
	put_table(nlh, &frh->table, table, FRA_TABLE);
	if (suppress)
		mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN, 0);
	mnl_attr_put_u8(nlh, FRA_PROTOCOL, SF_RTPROT);
	if (talk(c, nlh) && errno != EEXIST) {
		route_set_err(c, "adding ip rule", errno);
		return -1;
	}
	return 0;
}

static struct nlmsghdr *route_msg(struct controller *c, char *buf, uint16_t type, int family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_protocol = SF_RTPROT;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE;
	put_table(nlh, &rtm->rtm_table, (uint32_t)c->params.route_table, RTA_TABLE);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, (uint32_t)c->params.route_metric);
	return nlh;
}

/* Remove our default route of a family (absent is fine). */
int route_del_default(struct controller *c, int family)
{
	char buf[256];
	struct nlmsghdr *nlh = route_msg(c, buf, RTM_DELROUTE, family);
	if (talk(c, nlh) && errno != ESRCH && errno != ENOENT) {
		route_set_err(c, "removing default route", errno);
		return -1;
	}
	return 0;
}

int route_set_default(struct controller *c, int family, const struct ctl_target *t)
{
	char buf[256];
	bool has_gw = family == AF_INET ? t->has_gw4 : t->has_gw6;
	struct nlmsghdr *nlh = route_msg(c, buf, RTM_NEWROUTE, family);
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	if (!has_gw)
		rtm->rtm_scope = RT_SCOPE_LINK;
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)t->ifindex);
	if (family == AF_INET && has_gw)
		mnl_attr_put(nlh, RTA_GATEWAY, 4, &t->gw4);
	else if (has_gw)
		mnl_attr_put(nlh, RTA_GATEWAY, 16, &t->gw6);

	if (route_main_mode(c)) {
		/* never REPLACE in main: that could hit a route of netifd */
		if (route_del_default(c, family))
			return -1;
		nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	} else {
		nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;	/* atomic switch */
	}
	if (talk(c, nlh)) {
		char what[96];
		snprintf(what, sizeof(what), "%s default route via %s%s", family == AF_INET ? "IPv4" : "IPv6",
			 t->device, errno == EEXIST ? " (route_metric already used by another route)" : "");
		route_set_err(c, what, errno);
		return -1;
	}
	return 0;
}

static int route_init(struct controller *c)
{
	struct route_priv *rp = c->priv;
	if (!rp) {
		rp = calloc(1, sizeof(*rp));
		if (!rp) {
			route_set_err(c, "route controller", ENOMEM);
			return -1;
		}
		rp->lock_fd = -1;
		char err[128];
		rp->nl = nl_open(NETLINK_ROUTE, NULL, 0, 0, err, sizeof(err));
		if (!rp->nl) {
			snprintf(c->error, sizeof(c->error), "rtnetlink: %s", err);
			free(rp);
			return -1;
		}
		c->priv = rp;
	}
	if (rp->lock_fd < 0 && route_lock(c))	/* before touching anything: a second daemon stops here */
		return -1;
	if (route_sweep_all(c, "start"))
		return -1;
	if (!route_main_mode(c)) {
		uint32_t p0 = (uint32_t)c->params.rule_priority;
		for (int f = 0; f < (c->params.ipv6 ? 2 : 1); f++) {
			int fam = f ? AF_INET6 : AF_INET;
			if (route_add_rule(c, fam, p0, RT_TABLE_MAIN, true) ||
			    route_add_rule(c, fam, p0 + 1, (uint32_t)c->params.route_table, false))
				return -1;
		}
	}
	rp->want_some = false;
	rp->ready = true;
	snprintf(c->state, sizeof(c->state), "route: no member (table %d%s)", c->params.route_table,
		 route_main_mode(c) ? ", main" : "");
	controller_set_rstate(c, CTL_RS_NONE, "ready");
	route_watch_start(c);
	log_info("ctl: route ready table=%d metric=%d rule_priority=%d ipv6=%d proto=%d watch=%s", c->params.route_table,
		 c->params.route_metric, route_main_mode(c) ? 0 : c->params.rule_priority, c->params.ipv6, SF_RTPROT,
		 rp->ev ? "events+check" : "off");
	return 0;
}

/* Install what is wanted (rp->want); 0, or -1 with c->error. */
int route_install(struct controller *c)
{
	struct route_priv *rp = c->priv;
	const struct ctl_target *t = rp->want_some ? &rp->want : NULL;
	int rc = 0;
	for (int f = 0; f < 2; f++) {
		int fam = f ? AF_INET6 : AF_INET;
		if (fam == AF_INET6 && !c->params.ipv6)
			continue;
		bool use = t && (fam == AF_INET ? t->use4 : t->use6);
		if (use ? route_set_default(c, fam, t) : route_del_default(c, fam))
			rc = -1;
	}
	return rc;
}

static int route_apply(struct controller *c, const struct ctl_target *t)
{
	struct route_priv *rp = c->priv;
	if (!rp || !rp->ready) {
		snprintf(c->error, sizeof(c->error), "route controller not initialised");
		return CTL_ERROR;
	}
	rp->want_some = t != NULL;
	if (t)
		rp->want = *t;
	int rc = route_install(c);
	char gw[INET_ADDRSTRLEN] = "on-link";
	if (t && t->has_gw4)
		inet_ntop(AF_INET, &t->gw4, gw, sizeof(gw));
	if (t)
		log_info("ctl: route member=%s dev=%s ipv4=%s ipv6=%s gw4=%s table=%d rc=%d", t->member, t->device,
			 t->use4 ? "yes" : "no", t->use6 && c->params.ipv6 ? "yes" : "no", gw,
			 c->params.route_table, rc);
	else
		log_info("ctl: route member=none (system routes) rc=%d", rc);
	if (t)
		snprintf(c->state, sizeof(c->state), "route: member %s dev %s gw4 %s table %d%s", t->member,
			 t->device, gw, c->params.route_table, rc ? " (not yet applied: retrying)" : "");
	else
		snprintf(c->state, sizeof(c->state), "route: no member, system routes%s",
			 rc ? " (not yet applied: retrying)" : "");
	if (rc) {
		char why[sizeof(c->drift)];
		snprintf(why, sizeof(why), "apply %.20s: %.90s", t ? t->member : "none", c->error);
		controller_set_rstate(c, CTL_RS_DRIFTED, why);
		route_watch_schedule(c, CTL_RETRY_DRIFT_MS);
	} else if (c->rstate == CTL_RS_DRIFTED || c->rstate == CTL_RS_REPAIRING) {
		route_check(c);	/* the routes are acked, the rules may still be missing: ask the kernel */
	} else {
		controller_set_rstate(c, t ? CTL_RS_APPLIED : CTL_RS_NONE, t ? t->member : "no member");
		route_watch_schedule(c, CTL_DEBOUNCE_MS);	/* confirm with a dump */
	}
	return rc ? CTL_ERROR : CTL_DONE;
}

static void route_shutdown(struct controller *c)
{
	struct route_priv *rp = c->priv;
	route_watch_stop(c);
	/* only with the lock: a refused second daemon must not remove the first one's routes */
	if (rp && rp->lock_fd >= 0 && route_sweep_all(c, "stop"))
		log_warn("ctl: route cleanup failed error=\"%s\"", c->error);
	if (rp)
		rp->ready = rp->want_some = false;
	snprintf(c->state, sizeof(c->state), "route: stopped");
	c->rstate = CTL_RS_NONE;	/* not a repair: no observer */
	c->drift[0] = 0;
}

static void route_destroy(struct controller *c)
{
	struct route_priv *rp = c->priv;
	if (!rp)
		return;
	route_watch_stop(c);
	route_unlock(c);
	nl_close(rp->nl);
	free(rp);
	c->priv = NULL;
}

const struct controller_ops ctl_route_ops = {
	.name = "route",
	.init = route_init,
	.apply = route_apply,
	.cancel = NULL,
	.flush_flows = NULL,
	.shutdown = route_shutdown,
	.destroy = route_destroy,
};
