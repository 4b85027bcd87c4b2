/* linkmon.c - see linkmon.h */
#include "linkmon.h"

#include <errno.h>
#include <ev.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "nl.h"

#define LM_DUMP_TIMEOUT_MS 5000
#define TB_MAX 128	/* attribute types kept; IFLA/IFA/RTA_* we read are below */

enum lm_stage { ST_IDLE, ST_LINKS, ST_ADDRS, ST_ROUTES };

struct lm_link {
	char name[IF_NAMESIZE];
	int ifindex;
	unsigned flags;
	int score6;		/* quality of the IPv6 address kept */
	struct link_family v4, v6;
};

struct linkmon {
	struct ev_loop *loop;
	linkmon_change_cb on_change;
	void *ctx;
	struct nl_sock *ev_nl, *dump_nl;
	ev_io ev_w;
	ev_timer coalesce;
	enum lm_stage stage;
	bool pending, ready;
	struct lm_link cur[LINKMON_MAX_LINKS], known[LINKMON_MAX_LINKS];
	int n_cur, n_known;
	struct linkmon_stats st;
};

static struct lm_link *find(struct lm_link *arr, int n, int ifindex)
{
	for (int i = 0; i < n; i++)
		if (arr[i].ifindex == ifindex)
			return &arr[i];
	return NULL;
}

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);
	if (type >= TB_MAX)
		return MNL_CB_OK;	/* attribute we do not use */
	tb[type] = a;
	return MNL_CB_OK;
}


/*
 * Attributes up to the message's exact end: mnl_attr_parse() walks to
 * NLMSG_ALIGN(nlmsg_len), up to 3 bytes past a last message that is not
 * padded (fuzz/corpus/linkmon/crash-attr-past-unpadded-end).
 */
static void parse_attrs(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb)
{
	memset(tb, 0, sizeof(*tb) * TB_MAX);
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
	if (nlh->nlmsg_len < off)
		return;
	size_t len = nlh->nlmsg_len;
	while (off + sizeof(struct nlattr) <= len) {
		const struct nlattr *a = (const struct nlattr *)((const char *)nlh + off);
		if (!mnl_attr_ok(a, (int)(len - off)))
			break;
		attr_cb(a, tb);
		off += MNL_ALIGN(a->nla_len);
	}
}

static int link_msg(struct linkmon *lm, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[TB_MAX];
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return -1;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	parse_attrs(nlh, sizeof(*ifi), tb);
	/* NUL_STRING: the name ends inside its attribute (fuzz/corpus/linkmon/crash-ifname-*) */
	if (!tb[IFLA_IFNAME] || mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) < 0)
		return -1;
	const char *name = mnl_attr_get_str(tb[IFLA_IFNAME]);
	if (ifi->ifi_index <= 0 || strnlen(name, mnl_attr_get_payload_len(tb[IFLA_IFNAME])) >= IF_NAMESIZE)
		return -1;
	if (find(lm->cur, lm->n_cur, ifi->ifi_index))
		return 0;
	if (lm->n_cur >= LINKMON_MAX_LINKS) {
		lm->st.links_dropped++;
		return 0;
	}
	struct lm_link *l = &lm->cur[lm->n_cur++];
	memset(l, 0, sizeof(*l));
	strcpy(l->name, name);
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->score6 = -1;
	return 0;
}

static int addr_msg(struct linkmon *lm, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[TB_MAX];
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
		return -1;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	parse_attrs(nlh, sizeof(*ifa), tb);
	struct lm_link *l = find(lm->cur, lm->n_cur, (int)ifa->ifa_index);
	if (!l)
		return 0;
	uint32_t flags = ifa->ifa_flags;
	if (tb[IFA_FLAGS] && mnl_attr_validate(tb[IFA_FLAGS], MNL_TYPE_U32) == 0)
		flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
	if (ifa->ifa_family == AF_INET) {
		const struct nlattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
		if (!a || mnl_attr_get_payload_len(a) != 4 || (flags & IFA_F_SECONDARY) || l->v4.has_addr)
			return 0;
		memcpy(&l->v4.addr.v4, mnl_attr_get_payload(a), 4);
		l->v4.has_addr = true;
	} else if (ifa->ifa_family == AF_INET6) {
		const struct nlattr *a = tb[IFA_ADDRESS];
		if (!a || mnl_attr_get_payload_len(a) != 16 || ifa->ifa_scope != RT_SCOPE_UNIVERSE ||
		    (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
			return 0;
		int score = 3 - !!(flags & IFA_F_DEPRECATED) * 2 - !!(flags & IFA_F_TEMPORARY);
		if (score <= l->score6)
			return 0;
		l->score6 = score;
		memcpy(&l->v6.addr.v6, mnl_attr_get_payload(a), 16);
		l->v6.has_addr = true;
	}
	return 0;
}

static void route_nexthop(struct linkmon *lm, int family, int oif, const struct nlattr *gw, uint32_t metric)
{
	struct lm_link *l = find(lm->cur, lm->n_cur, oif);
	if (!l)
		return;
	struct link_family *f = family == AF_INET6 ? &l->v6 : &l->v4;
	size_t alen = family == AF_INET6 ? 16 : 4;
	if (f->has_route && metric >= f->metric)
		return;
	f->has_route = true;
	f->metric = metric;
	f->has_gw = gw && mnl_attr_get_payload_len(gw) == alen;
	if (f->has_gw)
		memcpy(&f->gw, mnl_attr_get_payload(gw), alen);
	else
		memset(&f->gw, 0, sizeof(f->gw));
}

static int route_msg(struct linkmon *lm, const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[TB_MAX];
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg)))
		return -1;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	if ((rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) || rtm->rtm_dst_len != 0 ||
	    rtm->rtm_type != RTN_UNICAST || rtm->rtm_protocol == SF_RTPROT)
		return 0;
	parse_attrs(nlh, sizeof(*rtm), tb);
	uint32_t table = rtm->rtm_table;
	if (tb[RTA_TABLE] && mnl_attr_validate(tb[RTA_TABLE], MNL_TYPE_U32) == 0)
		table = mnl_attr_get_u32(tb[RTA_TABLE]);
	if (table != RT_TABLE_MAIN)
		return 0;
	uint32_t metric = 0;
	if (tb[RTA_PRIORITY] && mnl_attr_validate(tb[RTA_PRIORITY], MNL_TYPE_U32) == 0)
		metric = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	if (tb[RTA_OIF] && mnl_attr_validate(tb[RTA_OIF], MNL_TYPE_U32) == 0) {
		route_nexthop(lm, rtm->rtm_family, (int)mnl_attr_get_u32(tb[RTA_OIF]), tb[RTA_GATEWAY], metric);
		return 0;
	}
	if (!tb[RTA_MULTIPATH])
		return 0;
	const char *p = mnl_attr_get_payload(tb[RTA_MULTIPATH]);
	size_t left = mnl_attr_get_payload_len(tb[RTA_MULTIPATH]);
	while (left >= sizeof(struct rtnexthop)) {
		const struct rtnexthop *nh = (const struct rtnexthop *)p;
		if (nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > left)
			return -1;
		const struct nlattr *gw = NULL;
		const struct nlattr *a;
		size_t alen = nh->rtnh_len - RTNH_ALIGN(sizeof(*nh));
		const char *ap = p + RTNH_ALIGN(sizeof(*nh));
		if (nh->rtnh_len >= RTNH_ALIGN(sizeof(*nh))) {
			for (a = (const struct nlattr *)ap; mnl_attr_ok(a, (int)(alen - ((const char *)a - ap)));
			     a = mnl_attr_next(a))
				if (mnl_attr_get_type(a) == RTA_GATEWAY)
					gw = a;
		}
		route_nexthop(lm, rtm->rtm_family, nh->rtnh_ifindex, gw, metric);
		size_t step = RTNH_ALIGN(nh->rtnh_len);
		if (step > left)
			break;
		p += step;
		left -= step;
	}
	return 0;
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct linkmon *lm = data;
	int rc = 0;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		lm->pending = true;	/* changed under the dump: do it again */
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
		rc = link_msg(lm, nlh);
		break;
	case RTM_NEWADDR:
		rc = addr_msg(lm, nlh);
		break;
	case RTM_NEWROUTE:
		rc = route_msg(lm, nlh);
		break;
	default:
		break;
	}
	if (rc)
		lm->st.errors++;
	return 0;
}

static void dump_done(void *ctx, const struct nl_result *r);

static int send_dump(struct linkmon *lm, uint16_t type)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	if (type == RTM_GETLINK) {
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
	} else if (type == RTM_GETADDR) {
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_UNSPEC;
	} else {
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = AF_UNSPEC;
	}
	if (nl_dump_start(lm->dump_nl, lm->loop, nlh, LM_DUMP_TIMEOUT_MS, dump_cb, dump_done, lm) < 0) {
		log_warn("linkmon: dump request failed err=%s", strerror(errno));
		return -1;
	}
	return 0;
}

static void link_info_fill(const struct lm_link *l, struct link_info *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->ifname, sizeof(out->ifname), "%s", l->name);
	out->exists = true;
	out->ifindex = l->ifindex;
	out->admin_up = l->flags & IFF_UP;
	out->carrier = (l->flags & IFF_UP) && (l->flags & IFF_RUNNING);
	out->v4 = l->v4;
	out->v6 = l->v6;
	if (!out->admin_up)
		snprintf(out->reason, sizeof(out->reason), "device is down");
	else if (!out->carrier)
		snprintf(out->reason, sizeof(out->reason), "no carrier");
	else if (!link_usable(out, AF_INET) && !link_usable(out, AF_INET6))
		snprintf(out->reason, sizeof(out->reason), "%s",
			 !l->v4.has_addr && !l->v6.has_addr ? "no IP address" : "no default route via device");
}

static bool link_differs(const struct lm_link *a, const struct lm_link *b)
{
	struct link_info x, y;
	link_info_fill(a, &x);
	link_info_fill(b, &y);
	return x.ifindex != y.ifindex || x.admin_up != y.admin_up || x.carrier != y.carrier ||
	       memcmp(&x.v4, &y.v4, sizeof(x.v4)) || memcmp(&x.v6, &y.v6, sizeof(x.v6));
}

static void finish_resync(struct linkmon *lm)
{
	char changed[2 * LINKMON_MAX_LINKS][IF_NAMESIZE];
	int n_changed = 0;
	bool first = !lm->ready;

	for (int i = 0; i < lm->n_cur; i++) {
		const struct lm_link *old = NULL;
		for (int j = 0; j < lm->n_known; j++)
			if (strcmp(lm->known[j].name, lm->cur[i].name) == 0)
				old = &lm->known[j];
		if (first || !old || link_differs(old, &lm->cur[i]))
			strcpy(changed[n_changed++], lm->cur[i].name);
	}
	for (int j = 0; j < lm->n_known; j++) {
		bool gone = true;
		for (int i = 0; i < lm->n_cur && gone; i++)
			gone = strcmp(lm->known[j].name, lm->cur[i].name) != 0;
		if (gone)
			strcpy(changed[n_changed++], lm->known[j].name);
	}
	memcpy(lm->known, lm->cur, sizeof(lm->cur[0]) * (size_t)lm->n_cur);
	lm->n_known = lm->n_cur;
	lm->st.links = lm->n_known;
	lm->ready = true;
	lm->stage = ST_IDLE;
	log_debug("linkmon: resync done links=%d changed=%d", lm->n_known, n_changed);

	if (lm->pending && lm->dump_nl) {
		lm->pending = false;
		ev_timer_set(&lm->coalesce, LINKMON_COALESCE_MS / 1000.0, 0.);
		ev_timer_start(lm->loop, &lm->coalesce);
	}
	for (int i = 0; i < n_changed; i++)
		if (lm->on_change)
			lm->on_change(lm->ctx, changed[i]);
}

static void start_resync(struct linkmon *lm)
{
	if (lm->stage != ST_IDLE) {
		lm->pending = true;
		return;
	}
	lm->n_cur = 0;
	lm->st.resyncs++;
	lm->stage = ST_LINKS;	/* before: a send that fails calls dump_done at once */
	if (send_dump(lm, RTM_GETLINK)) {
		lm->st.errors++;
		lm->stage = ST_IDLE;
	}
}

static void dump_failed(struct linkmon *lm, const char *why)
{
	log_warn("linkmon: dump failed stage=%d err=\"%s\"", lm->stage, why);
	lm->st.errors++;
	lm->stage = ST_IDLE;
	lm->pending = false;
	ev_timer_stop(lm->loop, &lm->coalesce);
	ev_timer_set(&lm->coalesce, 1.0, 0.);	/* retry later */
	ev_timer_start(lm->loop, &lm->coalesce);
}

/* One dump of the chain links -> addresses -> routes ended. */
static void dump_done(void *ctx, const struct nl_result *r)
{
	struct linkmon *lm = ctx;
	if (r->intr)
		lm->pending = true;	/* changed under the dump: do it again */
	if (r->err) {
		dump_failed(lm, r->why);
		return;
	}
	if (lm->stage == ST_LINKS || lm->stage == ST_ADDRS) {
		bool links = lm->stage == ST_LINKS;
		lm->stage = links ? ST_ADDRS : ST_ROUTES;	/* before: see start_resync */
		if (send_dump(lm, links ? RTM_GETADDR : RTM_GETROUTE))
			dump_failed(lm, strerror(errno));
		return;
	}
	finish_resync(lm);
}

static void coalesce_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	start_resync(w->data);
}

static int count_event(const struct nlmsghdr *nlh, void *ctx)
{
	((struct linkmon *)ctx)->st.messages++;
	return 0;
}

static void event_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct linkmon *lm = w->data;
	bool overrun = false;
	int n = nl_read_events(lm->ev_nl, 64, count_event, lm, &overrun);
	if (overrun)	/* lost events: a resync covers them */
		lm->st.overruns++;
	if (n <= 0 && !overrun)
		return;
	if (lm->stage != ST_IDLE)
		lm->pending = true;
	else if (!ev_is_active(&lm->coalesce)) {
		ev_timer_set(&lm->coalesce, LINKMON_COALESCE_MS / 1000.0, 0.);
		ev_timer_start(loop, &lm->coalesce);
	}
}

struct linkmon *linkmon_new(struct ev_loop *loop, linkmon_change_cb on_change, void *ctx)
{
	struct linkmon *lm = calloc(1, sizeof(*lm));
	if (!lm)
		return NULL;
	lm->loop = loop;
	lm->on_change = on_change;
	lm->ctx = ctx;
	static const unsigned groups[] = { RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
					   RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE };
	char err[128];
	lm->ev_nl = nl_open(NETLINK_ROUTE, groups, (int)(sizeof(groups) / sizeof(groups[0])), 1 << 20, err,
			    sizeof(err));
	if (lm->ev_nl)
		lm->dump_nl = nl_open(NETLINK_ROUTE, NULL, 0, 0, err, sizeof(err));
	if (!lm->ev_nl || !lm->dump_nl) {
		int e = errno;
		log_err("linkmon: cannot open rtnetlink: %s", err);
		linkmon_free(lm);
		errno = e;
		return NULL;
	}
	ev_io_init(&lm->ev_w, event_readable, nl_fd(lm->ev_nl), EV_READ);
	lm->ev_w.data = lm;
	ev_io_start(loop, &lm->ev_w);
	ev_timer_init(&lm->coalesce, coalesce_cb, 0., 0.);
	lm->coalesce.data = lm;
	start_resync(lm);
	return lm;
}

void linkmon_free(struct linkmon *lm)
{
	if (!lm)
		return;
	if (lm->loop) {
		ev_io_stop(lm->loop, &lm->ev_w);
		ev_timer_stop(lm->loop, &lm->coalesce);
	}
	nl_close(lm->ev_nl);
	nl_close(lm->dump_nl);
	free(lm);
}

bool linkmon_ready(const struct linkmon *lm)
{
	return lm->ready;
}

int linkmon_query(const struct linkmon *lm, const char *ifname, struct link_info *out)
{
	for (int i = 0; i < lm->n_known; i++)
		if (strcmp(lm->known[i].name, ifname) == 0) {
			link_info_fill(&lm->known[i], out);
			return 0;
		}
	memset(out, 0, sizeof(out[0]));
	snprintf(out->ifname, sizeof(out->ifname), "%s", ifname);
	snprintf(out->reason, sizeof(out->reason), "no such device");
	return -1;
}

void linkmon_resync(struct linkmon *lm)
{
	start_resync(lm);
}

void linkmon_get_stats(const struct linkmon *lm, struct linkmon_stats *out)
{
	*out = lm->st;
}

struct linkmon *linkmon_new_offline(struct ev_loop *loop, linkmon_change_cb on_change, void *ctx)
{
	struct linkmon *lm = calloc(1, sizeof(*lm));
	if (!lm)
		return NULL;
	lm->loop = loop;
	lm->on_change = on_change;
	lm->ctx = ctx;
	ev_io_init(&lm->ev_w, event_readable, -1, EV_READ);
	ev_timer_init(&lm->coalesce, coalesce_cb, 0., 0.);
	lm->coalesce.data = lm;
	return lm;
}

int linkmon_feed(struct linkmon *lm, const void *buf, size_t len, bool end)
{
	if (lm->stage == ST_IDLE) {
		lm->n_cur = 0;
		lm->st.resyncs++;
		lm->stage = ST_LINKS;
	}
	struct nl_result r;
	memset(&r, 0, sizeof(r));
	int rc = nl_check_replies(buf, len, LINKMON_FEED_SEQ, 0, dump_cb, lm, &r);
	if (rc < 0)
		lm->st.errors++;
	if (end)
		finish_resync(lm);
	return rc;
}
