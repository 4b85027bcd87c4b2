/* conntrack.c - see conntrack.h */
#include "conntrack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "nl.h"

#define TUPLE_BYTES_MAX 512	/* an original tuple attribute longer than this is refused */

void ct_match_from_target(struct ct_match *m, const struct ctl_target *t)
{
	memset(m, 0, sizeof(*m));
	m->has_addr4 = t->has_src4 && t->src4.s_addr != 0;
	m->addr4 = t->src4;
	m->has_addr6 = t->has_src6;
	m->addr6 = t->src6;
}

struct attrs {
	const struct nlattr *tb[CTA_MAX + 1];
	int max;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *at = data;
	int type = mnl_attr_get_type(a);
	if (type <= at->max)
		at->tb[type] = a;
	return MNL_CB_OK;
}

/* Parse the attributes nested in a into at (types up to max); false when a is not a valid nest. */
static bool nested(const struct nlattr *a, int max, struct attrs *at)
{
	memset(at, 0, sizeof(*at));
	at->max = max;
	if (!a || a->nla_len < sizeof(struct nlattr))
		return false;
	return mnl_attr_parse_nested(a, attr_cb, at) >= 0;
}

int ct_msg_matches(const struct ct_match *m, const void *msg)
{
	const struct nlmsghdr *nlh = msg;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nfgenmsg)))
		return -1;
	struct attrs top = { .max = CTA_MAX };
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, &top) < 0)
		return -1;
	if (m->has_mark && top.tb[CTA_MARK]) {
		if (mnl_attr_validate(top.tb[CTA_MARK], MNL_TYPE_U32) < 0)
			return -1;
		uint32_t mark = ntohl(mnl_attr_get_u32(top.tb[CTA_MARK]));
		if ((mark & m->mark_mask) == (m->mark & m->mark_mask))
			return 1;
	}
	if (!m->has_addr4 && !m->has_addr6)
		return 0;
	struct attrs tuple, ip;
	if (!top.tb[CTA_TUPLE_REPLY] || !nested(top.tb[CTA_TUPLE_REPLY], CTA_TUPLE_MAX, &tuple) ||
	    !tuple.tb[CTA_TUPLE_IP] || !nested(tuple.tb[CTA_TUPLE_IP], CTA_IP_MAX, &ip))
		return -1;
	const struct nlattr *d4 = ip.tb[CTA_IP_V4_DST], *d6 = ip.tb[CTA_IP_V6_DST];
	if (d4) {
		if (mnl_attr_get_payload_len(d4) != 4)
			return -1;
		return m->has_addr4 && memcmp(mnl_attr_get_payload(d4), &m->addr4, 4) == 0;
	}
	if (d6) {
		if (mnl_attr_get_payload_len(d6) != 16)
			return -1;
		return m->has_addr6 && memcmp(mnl_attr_get_payload(d6), &m->addr6, 16) == 0;
	}
	return -1;
}

/* One matching entry: its original tuple as dumped, and its id. */
struct ct_entry {
	uint8_t family;
	bool has_id;
	uint32_t id_be;
	uint16_t tuple_type;	/* with its flags (NLA_F_NESTED) */
	uint16_t tuple_len;
	unsigned char tuple[];
};

struct collect {
	const struct ct_match *m;
	uint8_t family;
	struct ct_entry *e[CT_BATCH];
	int n;
	bool more, nomem;
	struct ctl_flow_counts *cnt;
};

static int collect_cb(const struct nlmsghdr *nlh, void *data)
{
	struct collect *co = data;
	if ((nlh->nlmsg_type & 0xff) != IPCTNL_MSG_CT_NEW || (nlh->nlmsg_type >> 8) != NFNL_SUBSYS_CTNETLINK)
		return 0;
	co->cnt->seen++;
	int r = ct_msg_matches(co->m, nlh);
	if (r < 0) {
		co->cnt->failed++;
		return -1;
	}
	if (!r)
		return 0;
	co->cnt->matched++;
	if (co->n >= CT_BATCH) {
		co->more = true;
		return 0;
	}
	struct attrs top = { .max = CTA_MAX };
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, &top);
	const struct nlattr *orig = top.tb[CTA_TUPLE_ORIG];
	if (!orig || orig->nla_len < sizeof(struct nlattr) || orig->nla_len > TUPLE_BYTES_MAX) {
		co->cnt->failed++;
		return -1;
	}
	uint16_t plen = (uint16_t)mnl_attr_get_payload_len(orig);
	struct ct_entry *e = malloc(sizeof(*e) + plen);
	if (!e) {
		co->nomem = true;
		return 0;
	}
	e->family = co->family;
	e->tuple_type = orig->nla_type;
	e->tuple_len = plen;
	memcpy(e->tuple, mnl_attr_get_payload(orig), plen);
	e->has_id = top.tb[CTA_ID] && mnl_attr_validate(top.tb[CTA_ID], MNL_TYPE_U32) == 0;
	e->id_be = e->has_id ? mnl_attr_get_u32(top.tb[CTA_ID]) : 0;
	co->e[co->n++] = e;
	return 0;
}

static void collect_clear(struct collect *co)
{
	for (int i = 0; i < co->n; i++)
		free(co->e[i]);
	co->n = 0;
}

static struct nlmsghdr *ct_header(char *buf, uint8_t type, uint8_t family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (uint16_t)((NFNL_SUBSYS_CTNETLINK << 8) | type);
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	return nlh;
}

static int delete_entry(struct nl_sock *s, const struct ct_entry *e, int timeout_ms, struct nl_result *r)
{
	char buf[TUPLE_BYTES_MAX + 128] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = ct_header(buf, IPCTNL_MSG_CT_DELETE, e->family);
	mnl_attr_put(nlh, e->tuple_type, e->tuple_len, e->tuple);
	if (e->has_id)
		mnl_attr_put_u32(nlh, CTA_ID, e->id_be);
	if (nl_call(s, nlh, timeout_ms, r) == 0 || r->err == ENOENT)
		return 0;
	return -1;
}

static int flush_family(struct nl_sock *s, const struct ct_match *m, uint8_t family, int timeout_ms,
			struct ctl_flow_counts *n, char *err, size_t errlen)
{
	struct collect *co = calloc(1, sizeof(*co));
	if (!co) {
		snprintf(err, errlen, "conntrack: out of memory");
		return -1;
	}
	co->m = m;
	co->family = family;
	co->cnt = n;
	int rc = 0;
	for (int pass = 0; pass < CT_PASSES; pass++) {
		char req[64] __attribute__((aligned(8)));
		struct nlmsghdr *nlh = ct_header(req, IPCTNL_MSG_CT_GET, family);
		struct nl_result r;
		co->more = co->nomem = false;
		if (nl_dump(s, nlh, timeout_ms, collect_cb, co, &r)) {
			snprintf(err, errlen, "conntrack dump (%s): %s", family == AF_INET ? "IPv4" : "IPv6",
				 r.why[0] ? r.why : strerror(r.err ? r.err : EPROTO));
			rc = -1;
			break;
		}
		for (int i = 0; i < co->n; i++) {
			struct nl_result dr;
			if (delete_entry(s, co->e[i], timeout_ms, &dr) == 0) {
				n->deleted++;
			} else {
				n->failed++;
				snprintf(err, errlen, "conntrack delete: %s", dr.why[0] ? dr.why : strerror(dr.err));
				rc = -1;
			}
		}
		collect_clear(co);
		if (co->nomem) {
			snprintf(err, errlen, "conntrack: out of memory");
			rc = -1;
			break;
		}
		if (!co->more && !r.intr)
			break;
	}
	collect_clear(co);
	free(co);
	return rc;
}

int ct_flush(const struct ct_match *m, int timeout_ms, struct ctl_flow_counts *n, char *err, size_t errlen)
{
	memset(n, 0, sizeof(*n));
	err[0] = 0;
	if (!m->has_addr4 && !m->has_addr6 && !m->has_mark)
		return 0;
	struct nl_sock *s = nl_open(NETLINK_NETFILTER, NULL, 0, 0, err, errlen);
	if (!s)
		return -1;
	int rc = 0;
	if ((m->has_addr4 || m->has_mark) && flush_family(s, m, AF_INET, timeout_ms, n, err, errlen))
		rc = -1;
	char err6[160] = "";
	if ((m->has_addr6 || m->has_mark) && flush_family(s, m, AF_INET6, timeout_ms, n, err6, sizeof(err6))) {
		if (!rc)
			snprintf(err, errlen, "%s", err6);
		rc = -1;
	}
	nl_close(s);
	return rc;
}
