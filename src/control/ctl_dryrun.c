/*
 * ctl_dryrun.c - the dry-run controller backend: logs what it would do and
 * changes nothing. Used by --dry-run, by `enable '0'` and by tests. Its
 * route_state is what it pretends: applied with a member, none without.
 * Tests can make it slow (ctl_dryrun_set_delay): it then answers
 * CTL_IN_PROGRESS and completes from a loop timer, like a backend whose
 * actions take seconds (mwan3), and make the applies of one member fail
 * (ctl_dryrun_set_fail).
 */
#include "controller.h"

#include <arpa/inet.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"

/* ---- dry-run backend ---- */

struct dry_priv {
	int delay_ms;
	ev_timer timer;
	char fail[CFG_STR_MAX];	/* applies of this member fail ("" = none) */
};

static int dry_init(struct controller *c)
{
	log_info("ctl: dryrun would remove leftover routes and rules proto=%d", SF_RTPROT);
	snprintf(c->state, sizeof(c->state), "dryrun: no member");
	controller_set_rstate(c, CTL_RS_NONE, "start");
	return 0;
}

static void describe_family(const struct ctl_target *t, int family, char *buf, size_t len)
{
	char gw[INET6_ADDRSTRLEN] = "";
	bool has_gw = family == AF_INET ? t->has_gw4 : t->has_gw6;
	if (has_gw)
		inet_ntop(family, family == AF_INET ? (const void *)&t->gw4 : (const void *)&t->gw6, gw, sizeof(gw));
	snprintf(buf, len, "default %s%s dev %s", has_gw ? "via " : "", gw, t->device);
}

static int dry_do(struct controller *c, const struct ctl_target *t)
{
	const struct dry_priv *dp = c->priv;
	if (t && dp && dp->fail[0] && strcmp(t->member, dp->fail) == 0) {
		snprintf(c->error, sizeof(c->error), "dryrun: member %s made to fail", t->member);
		snprintf(c->state, sizeof(c->state), "dryrun: member %s (not yet applied: retrying)", t->member);
		return -1;
	}
	if (!t) {
		log_info("ctl: dryrun would remove Starfail default routes (no usable member)");
		snprintf(c->state, sizeof(c->state), "dryrun: no member, system routes");
		controller_set_rstate(c, CTL_RS_NONE, "no member");
		return 0;
	}
	char r4[96] = "-", r6[96] = "-";
	if (t->use4)
		describe_family(t, AF_INET, r4, sizeof(r4));
	if (t->use6 && c->params.ipv6)
		describe_family(t, AF_INET6, r6, sizeof(r6));
	log_info("ctl: dryrun would route member=%s iface=%s ipv4=\"%s\" ipv6=\"%s\"", t->member, t->iface, r4, r6);
	snprintf(c->state, sizeof(c->state), "dryrun: member %s ipv4 %.60s", t->member, r4);
	controller_set_rstate(c, CTL_RS_APPLIED, t->member);
	return 0;
}

static void dry_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct controller *c = w->data;
	struct ctl_target t = c->busy_t;
	controller_complete(c, dry_do(c, c->busy_some ? &t : NULL) ? CTL_ERROR : CTL_DONE);
}

static int dry_apply(struct controller *c, const struct ctl_target *t)
{
	struct dry_priv *dp = c->priv;
	if (!dp || dp->delay_ms <= 0 || !c->loop)
		return dry_do(c, t) ? CTL_ERROR : CTL_DONE;
	log_info("ctl: dryrun working on member=%s for %d ms", t ? t->member : "none", dp->delay_ms);
	ev_timer_init(&dp->timer, dry_timer, dp->delay_ms / 1000.0, 0.);
	dp->timer.data = c;
	ev_timer_start(c->loop, &dp->timer);
	return CTL_IN_PROGRESS;
}

static void dry_cancel(struct controller *c)
{
	struct dry_priv *dp = c->priv;
	if (dp && c->loop)
		ev_timer_stop(c->loop, &dp->timer);
}

static void dry_destroy(struct controller *c)
{
	dry_cancel(c);
	free(c->priv);
	c->priv = NULL;
}

void ctl_dryrun_set_delay(struct controller *c, int delay_ms)
{
	if (c->ops != &ctl_dryrun_ops)
		return;
	if (!c->priv)
		c->priv = calloc(1, sizeof(struct dry_priv));
	if (c->priv)
		((struct dry_priv *)c->priv)->delay_ms = delay_ms;
}

void ctl_dryrun_set_fail(struct controller *c, const char *member)
{
	if (c->ops != &ctl_dryrun_ops)
		return;
	if (!c->priv)
		c->priv = calloc(1, sizeof(struct dry_priv));
	if (c->priv)
		snprintf(((struct dry_priv *)c->priv)->fail, CFG_STR_MAX, "%s", member ? member : "");
}

static int dry_flush(struct controller *c, const struct ctl_target *left, struct ctl_flow_counts *n)
{
	char a[INET_ADDRSTRLEN] = "-";
	if (left->has_src4)
		inet_ntop(AF_INET, &left->src4, a, sizeof(a));
	log_info("ctl: dryrun would delete the conntrack flows of member=%s (reply address %s)", left->member, a);
	memset(n, 0, sizeof(*n));
	return 0;
}

static void dry_shutdown(struct controller *c)
{
	log_info("ctl: dryrun would remove Starfail routes and rules proto=%d", SF_RTPROT);
	snprintf(c->state, sizeof(c->state), "dryrun: stopped");
	c->rstate = CTL_RS_NONE;
}

const struct controller_ops ctl_dryrun_ops = {
	.name = "dryrun",
	.init = dry_init,
	.apply = dry_apply,
	.cancel = dry_cancel,
	.flush_flows = dry_flush,
	.shutdown = dry_shutdown,
	.destroy = dry_destroy,
};
