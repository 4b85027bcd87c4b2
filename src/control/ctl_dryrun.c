/*
 * ctl_dryrun.c - the dry-run controller backend: logs what it would do and
 * changes nothing. Used by --dry-run, by `enable '0'` and by tests.
 */
#include "controller.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"

/* ---- dry-run backend ---- */

static int dry_init(struct controller *c)
{
	log_info("ctl: dryrun would remove leftover routes and rules proto=%d", SF_RTPROT);
	snprintf(c->state, sizeof(c->state), "dryrun: no member");
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

static int dry_apply(struct controller *c, const struct ctl_target *t)
{
	if (!t) {
		log_info("ctl: dryrun would remove Starfail default routes (no usable member)");
		snprintf(c->state, sizeof(c->state), "dryrun: no member, system routes");
		return 0;
	}
	char r4[96] = "-", r6[96] = "-";
	if (t->use4)
		describe_family(t, AF_INET, r4, sizeof(r4));
	if (t->use6 && c->params.ipv6)
		describe_family(t, AF_INET6, r6, sizeof(r6));
	log_info("ctl: dryrun would route member=%s iface=%s ipv4=\"%s\" ipv6=\"%s\"", t->member, t->iface, r4, r6);
	snprintf(c->state, sizeof(c->state), "dryrun: member %s ipv4 %.60s", t->member, r4);
	return 0;
}

static void dry_shutdown(struct controller *c)
{
	log_info("ctl: dryrun would remove Starfail routes and rules proto=%d", SF_RTPROT);
	snprintf(c->state, sizeof(c->state), "dryrun: stopped");
}

const struct controller_ops ctl_dryrun_ops = {
	.name = "dryrun",
	.init = dry_init,
	.apply = dry_apply,
	.flush_flows = NULL,
	.shutdown = dry_shutdown,
	.destroy = NULL,
};
