/*
 * controller.c - the backend-independent part of controller.h: choosing a
 * backend by name, the call wrappers that keep counters and the state line,
 * the one-in-flight / latest-wins queue of applies, route_state and its
 * observer, and ctl_target_from_link().
 */
#include "controller.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "conntrack.h"
#include "link.h"
#include "log.h"
#include <stdarg.h>

static const char *const rstate_names[__CTL_RS_MAX] = { "none", "applied", "drifted", "repairing" };

const char *ctl_rstate_name(enum ctl_rstate s)
{
	return (unsigned)s < __CTL_RS_MAX ? rstate_names[s] : "?";
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct controller_ops *const backends[] = { &ctl_route_ops, &ctl_dryrun_ops, &ctl_mwan3_ops };

void ctl_target_from_link(struct ctl_target *t, const char *member, const char *iface,
			  const struct link_info *li)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->member, sizeof(t->member), "%s", member ? member : "");
	snprintf(t->iface, sizeof(t->iface), "%s", iface ? iface : "");
	snprintf(t->device, sizeof(t->device), "%s", li->ifname);
	t->ifindex = li->ifindex;
	t->use4 = link_usable(li, AF_INET);
	t->use6 = link_usable(li, AF_INET6);
	t->has_gw4 = t->use4 && li->v4.has_gw;
	t->has_gw6 = t->use6 && li->v6.has_gw;
	t->gw4 = li->v4.gw.v4;
	t->gw6 = li->v6.gw.v6;
	t->has_src4 = li->v4.has_addr;
	t->has_src6 = li->v6.has_addr;
	t->src4 = li->v4.addr.v4;
	t->src6 = li->v6.addr.v6;
}

struct controller *controller_new(const char *name, const struct ctl_params *p, struct ev_loop *loop, char *err,
				  size_t errlen)
{
	const struct controller_ops *ops = NULL;
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (name && strcmp(name, backends[i]->name) == 0)
			ops = backends[i];
	if (!ops) {
		snprintf(err, errlen, "unknown controller '%s' (known: route, dryrun, mwan3)", name ? name : "");
		return NULL;
	}
	struct controller *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->ops = ops;
	c->loop = loop;
	c->params = *p;
	snprintf(c->params.backend, sizeof(c->params.backend), "%s", ops->name);
	snprintf(c->state, sizeof(c->state), "%s: not initialised", ops->name);
	return c;
}

static int result(struct controller *c, int rc)
{
	if (rc) {
		c->failures++;
		log_warn("ctl: backend=%s failed error=\"%s\"", c->ops->name, c->error);
	} else {
		c->error[0] = 0;
	}
	return rc;
}

int controller_init(struct controller *c)
{
	return result(c, c->ops->init ? c->ops->init(c) : 0);
}

/* Record the outcome of an apply of t (NULL: none): done or not, t is wanted now (controller.h). */
static int applied(struct controller *c, const struct ctl_target *t, int rc)
{
	c->active = t != NULL;
	if (t)
		c->current = *t;
	c->pending = rc != CTL_DONE;
	return result(c, rc == CTL_DONE ? 0 : -1) ? CTL_ERROR : CTL_DONE;
}

static int start(struct controller *c, const struct ctl_target *t, ctl_done_cb done, void *ctx, uint64_t seq)
{
	if (t && !t->use4 && !t->use6) {
		snprintf(c->error, sizeof(c->error), "member %s: device %s has no usable address and default route",
			 t->member, t->device[0] ? t->device : "?");
		return result(c, -1);	/* routes stay as they are */
	}
	c->busy_some = t != NULL;
	if (t)
		c->busy_t = *t;
	c->busy = true;	/* a backend completing within apply still sees one in flight */
	c->busy_cb = done;
	c->busy_ctx = ctx;
	c->busy_seq = seq;
	int rc = c->ops->apply(c, t);
	if (rc == CTL_IN_PROGRESS)
		return CTL_IN_PROGRESS;
	c->busy = false;
	return applied(c, t, rc);
}

int controller_apply(struct controller *c, const struct ctl_target *primary, ctl_done_cb done, void *ctx)
{
	uint64_t seq = ++c->applies;
	if (!c->busy)
		return start(c, primary, done, ctx, seq);
	if (c->queued && c->queued_cb) {
		c->done_seq = c->queued_seq;
		c->queued_cb(c->queued_ctx, c, CTL_SUPERSEDED);
	}
	c->queued = true;
	c->queued_seq = seq;
	c->queued_some = primary != NULL;
	if (primary)
		c->queued_t = *primary;
	c->queued_cb = done;
	c->queued_ctx = ctx;
	return CTL_IN_PROGRESS;
}

void controller_complete(struct controller *c, int answer)
{
	if (!c->busy)
		return;
	c->busy = false;
	struct ctl_target t = c->busy_t;
	int rc = applied(c, c->busy_some ? &t : NULL, answer == CTL_DONE ? CTL_DONE : CTL_ERROR);
	ctl_done_cb cb = c->busy_cb;
	void *ctx = c->busy_ctx;
	uint64_t seq = c->busy_seq, qseq = 0;
	/* the queued one starts first: an apply from within cb is then newer than it */
	int qrc = CTL_IN_PROGRESS;
	ctl_done_cb qcb = NULL;
	void *qctx = NULL;
	if (c->queued) {
		c->queued = false;
		struct ctl_target q = c->queued_t;
		qcb = c->queued_cb;
		qctx = c->queued_ctx;
		qseq = c->queued_seq;
		qrc = start(c, c->queued_some ? &q : NULL, qcb, qctx, qseq);
	}
	if (cb) {
		c->done_seq = seq;
		cb(ctx, c, rc);
	}
	if (qrc != CTL_IN_PROGRESS && qcb) {
		c->done_seq = qseq;
		qcb(qctx, c, qrc);
	}
}

bool controller_busy(const struct controller *c)
{
	return c->busy;
}

void controller_set_observer(struct controller *c, ctl_state_cb cb, void *ctx)
{
	c->on_state = cb;
	c->state_ctx = ctx;
}

void controller_set_rstate(struct controller *c, enum ctl_rstate s, const char *why)
{
	enum ctl_rstate old = c->rstate;
	bool was_bad = old == CTL_RS_DRIFTED || old == CTL_RS_REPAIRING;
	bool bad = s == CTL_RS_DRIFTED || s == CTL_RS_REPAIRING;
	if (old == s && (!bad || strcmp(c->drift, why ? why : "") == 0))
		return;
	c->rstate = s;
	if (bad) {
		if (!was_bad) {
			c->drifts++;
			c->drift_since_ms = mono_ms();
		}
		snprintf(c->drift, sizeof(c->drift), "%s", why ? why : "");
	} else {
		if (was_bad) {
			c->repairs++;
			c->last_repair_wall = (int64_t)time(NULL);
			c->last_repair_ms = (int)(mono_ms() - c->drift_since_ms);
			snprintf(c->last_repair, sizeof(c->last_repair), "%s", c->drift);
		}
		c->drift[0] = 0;
	}
	if (c->on_state)
		c->on_state(c->state_ctx, c, old, s, why ? why : "");
}

/* The generic flush: the flows whose NAT (reply) address is the member's. */
static int flush_by_address(struct controller *c, const struct ctl_target *left, struct ctl_flow_counts *n)
{
	struct ct_match m;
	ct_match_from_target(&m, left);
	char err[160];
	if (ct_flush(&m, CTL_NL_TIMEOUT_MS, n, err, sizeof(err)) < 0) {
		snprintf(c->error, sizeof(c->error), "flows of %.30s: %.100s", left->member, err);
		return -1;
	}
	return 0;
}

int controller_flush_flows(struct controller *c, const struct ctl_target *left, struct ctl_flow_counts *n)
{
	memset(n, 0, sizeof(*n));
	return result(c, c->ops->flush_flows ? c->ops->flush_flows(c, left, n) : flush_by_address(c, left, n));
}

void controller_set_members(struct controller *c, const struct ctl_member *m, int n)
{
	if (n > CTL_MEMBERS_MAX)
		n = CTL_MEMBERS_MAX;
	c->n_members = n < 0 ? 0 : n;
	if (c->n_members)
		memcpy(c->members, m, (size_t)c->n_members * sizeof(*m));
}

void controller_set_action_observer(struct controller *c, ctl_action_cb cb, void *ctx)
{
	c->on_action = cb;
	c->action_ctx = ctx;
}

void controller_action(struct controller *c, bool ok, const char *member, const char *fmt, ...)
{
	char text[192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sf_log(ok ? LOG_LVL_INFO : LOG_LVL_WARN, "ctl: %s action ok=%d member=%s %s", c->ops->name, ok,
	       member && *member ? member : "-", text);
	if (c->on_action)
		c->on_action(c->action_ctx, c, ok, member ? member : "", text);
}

void controller_shutdown(struct controller *c)
{
	if (c->busy && c->ops->cancel)
		c->ops->cancel(c);
	c->busy = c->queued = false;
	if (c->ops->shutdown)
		c->ops->shutdown(c);
	c->active = false;
}

void controller_free(struct controller *c)
{
	if (!c)
		return;
	if (c->ops->destroy)
		c->ops->destroy(c);
	free(c);
}
