/*
 * controller.c - the backend-independent part of controller.h: choosing a
 * backend by name, the call wrappers that keep counters and the state line,
 * and ctl_target_from_link().
 */
#include "controller.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "link.h"
#include "log.h"

static const struct controller_ops *const backends[] = { &ctl_route_ops, &ctl_dryrun_ops };

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

struct controller *controller_new(const char *name, const struct ctl_params *p, char *err, size_t errlen)
{
	const struct controller_ops *ops = NULL;
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (name && strcmp(name, backends[i]->name) == 0)
			ops = backends[i];
	if (!ops) {
		snprintf(err, errlen, "unknown controller '%s' (known: route, dryrun)", name ? name : "");
		return NULL;
	}
	struct controller *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->ops = ops;
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

int controller_apply(struct controller *c, const struct ctl_target *primary)
{
	c->applies++;
	if (primary && !primary->use4 && !primary->use6) {
		snprintf(c->error, sizeof(c->error), "member %s: device %s has no usable address and default route",
			 primary->member, primary->device[0] ? primary->device : "?");
		return result(c, -1);	/* routes stay as they are */
	}
	int rc = c->ops->apply(c, primary);
	if (rc == 0) {
		c->active = primary != NULL;
		if (primary)
			c->current = *primary;
	}
	return result(c, rc);
}

int controller_flush_flows(struct controller *c, const struct ctl_target *dead)
{
	return c->ops->flush_flows ? result(c, c->ops->flush_flows(c, dead)) : 0;
}

void controller_shutdown(struct controller *c)
{
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
