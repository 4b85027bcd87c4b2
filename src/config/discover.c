/* discover.c - config + mwan3 + netifd -> the members; see discover.h */
#include "discover.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "mwan3cfg.h"

/* A reason into a fixed field, cut when it does not fit. */
__attribute__((format(printf, 3, 4))) static void say(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}

bool discover_needs_netifd(const struct sf_config *file)
{
	if (file->core.use_mwan3)
		return true;
	for (int i = 0; i < file->n_members; i++)
		if (*file->members[i].interface)
			return true;
	return false;
}

static void fill_mwan3(const struct mwan3_config *mw, const char *iface, struct uplink_mwan3 *o)
{
	memset(o, 0, sizeof(*o));
	const struct mwan3_iface *mi = mw && *iface ? mwan3cfg_find_iface(mw, iface) : NULL;
	if (!mi)
		return;
	o->present = true;
	o->enabled = mi->enabled;
	o->family = mi->family;
	o->line = mi->line;
	int best = mwan3cfg_iface_member(mw, iface, &o->n_members);
	if (best >= 0) {
		snprintf(o->member, sizeof(o->member), "%s", mw->members[best].name);
		o->metric = mw->members[best].metric;
		o->weight = mw->members[best].weight;
	}
}

static const struct member_config *prev_member(const struct sf_config *prev, const char *name)
{
	return prev ? config_find_member(prev, name) : NULL;
}

/* The device of m and the facts of its interface. */
static void resolve(const struct discover_input *in, struct member_config *m)
{
	struct uplink_info *up = &m->up;
	char dev[IF_NAMESIZE] = "";
	if (*m->interface)
		netifd_resolve(in->netifd, m->interface, &up->netifd, dev);
	if (*m->device) {
		up->devsrc = UPLINK_DEV_CONFIG;
		return;
	}
	if (*dev) {
		memcpy(m->device, dev, sizeof(dev));
		up->devsrc = UPLINK_DEV_NETIFD;
		return;
	}
	const struct member_config *p = prev_member(in->prev, m->name);
	if (p && *p->device && !strcmp(p->interface, m->interface) &&
	    (p->up.devsrc == UPLINK_DEV_NETIFD || p->up.devsrc == UPLINK_DEV_LAST)) {
		snprintf(m->device, sizeof(m->device), "%s", p->device);
		up->devsrc = UPLINK_DEV_LAST;
		return;
	}
	up->devsrc = UPLINK_DEV_NONE;
	const char *named = up->from & UPLINK_FROM_CONFIG ? in->file->path
			    : in->mwan3 ? in->mwan3->path : "";
	int line = up->from & UPLINK_FROM_CONFIG ? m->line : up->mwan3.line;
	if (!in->netifd && !in->netifd_error)
		say(up->unusable, sizeof(up->unusable),
			 "device of interface '%s' not known yet: waiting for netifd", m->interface);
	else if (!in->netifd)
		say(up->unusable, sizeof(up->unusable), "device of interface '%s' not known: %s",
			 m->interface, in->netifd_error);
	else if (!up->netifd.known)
		say(up->unusable, sizeof(up->unusable),
			 "netifd does not know interface '%s' (named at %s:%d)", m->interface, named, line);
	else
		say(up->unusable, sizeof(up->unusable),
			 "netifd interface '%s' is %s and names no device", m->interface,
			 up->netifd.up ? "up" : "down");
}

static void classify(const struct discover_input *in, struct member_config *m)
{
	if (m->class_cfg != CLASS_AUTO) {
		m->cls = m->class_cfg;
		say(m->up.class_reason, sizeof(m->up.class_reason), "configured: class '%s'",
			 member_class_name(m->cls));
		return;
	}
	struct classify_input ci = {
		.name = m->name, .iface = m->interface, .device = m->device, .nd = &m->up.netifd,
		.wireless = -1, .dish = -1,
	};
	if (*m->device) {
		ci.wireless = classify_wireless(in->sysfs_net ? in->sysfs_net : "/sys/class/net", m->device);
		for (int i = 0; i < in->n_ev; i++)
			if (!strcmp(in->ev[i].device, m->device)) {
				ci.dish = in->ev[i].dish;
				ci.dish_detail = in->ev[i].detail;
			}
	}
	m->cls = classify_uplink(&ci, m->up.class_reason, sizeof(m->up.class_reason));
}

/* Is mwan3 interface name covered by a member of the file? */
static bool covered(const struct sf_config *file, const char *name)
{
	for (int i = 0; i < file->n_members; i++) {
		const struct member_config *m = &file->members[i];
		if (!strcmp(m->interface, name) || (!*m->interface && !strcmp(m->name, name)))
			return true;
	}
	return false;
}

static void add_mwan3_members(const struct discover_input *in, struct sf_config *out,
			      struct config_report *rep)
{
	const struct mwan3_config *mw = in->mwan3;
	for (int i = 0; i < mw->n_ifaces; i++) {
		const struct mwan3_iface *mi = &mw->ifaces[i];
		if (covered(in->file, mi->name))
			continue;
		if (!mi->enabled) {
			config_report_add(rep, false, mw->path, mi->line,
					  "interface '%s': enabled '0' in mwan3: not a member", mi->name);
			continue;
		}
		if (mi->family == 6) {
			config_report_add(rep, false, mw->path, mi->line,
					  "interface '%s': family ipv6: not a member of its own (a member"
					  " covers both families of its device)", mi->name);
			continue;
		}
		if (config_find_member(out, mi->name)) {
			config_report_add(rep, false, mw->path, mi->line,
					  "interface '%s': a member of that name exists: not added",
					  mi->name);
			continue;
		}
		if (out->n_members >= MAX_MEMBERS) {
			config_report_add(rep, false, mw->path, mi->line,
					  "interface '%s': more than %d members: left out", mi->name,
					  MAX_MEMBERS);
			continue;
		}
		struct member_config *m = &out->members[out->n_members++];
		config_member_defaults(m);
		snprintf(m->name, sizeof(m->name), "%s", mi->name);
		snprintf(m->interface, sizeof(m->interface), "%s", mi->name);
		m->line = 0;
		m->up.from = UPLINK_FROM_MWAN3;
		fill_mwan3(mw, mi->name, &m->up.mwan3);
		if (m->up.mwan3.metric > 0)
			m->priority = m->up.mwan3.metric > 255 ? 255 : m->up.mwan3.metric;
	}
}

void discover_merge(const struct discover_input *in, struct sf_config *out,
		    struct config_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	*out = *in->file;
	for (int i = 0; i < out->n_members; i++) {
		struct member_config *m = &out->members[i];
		memset(&m->up, 0, sizeof(m->up));
		m->up.from = UPLINK_FROM_CONFIG;
		/* a member named after an mwan3 interface, without one of its own, is that one */
		if (!*m->interface && in->mwan3 && mwan3cfg_find_iface(in->mwan3, m->name))
			memcpy(m->interface, m->name, sizeof(m->name));
		fill_mwan3(in->mwan3, m->interface, &m->up.mwan3);
		if (m->up.mwan3.present)
			m->up.from |= UPLINK_FROM_MWAN3;
		/* mwan3's metric is the user's preference there, unless the config says otherwise */
		if (m->up.mwan3.present && !m->priority_set && m->up.mwan3.metric > 0)
			m->priority = m->up.mwan3.metric > 255 ? 255 : m->up.mwan3.metric;
	}
	if (in->mwan3 && in->mwan3->loaded)
		add_mwan3_members(in, out, rep);
	for (int i = 0; i < out->n_members; i++) {
		struct member_config *m = &out->members[i];
		if (*m->interface)
			resolve(in, m);
		else
			m->up.devsrc = UPLINK_DEV_CONFIG;
		for (int j = 0; j < i && *m->device; j++)
			if (!strcmp(out->members[j].device, m->device) && !out->members[j].up.unusable[0]) {
				say(m->up.unusable, sizeof(m->up.unusable),
					 "device %s is already used by member '%s'", m->device,
					 out->members[j].name);
				break;
			}
		classify(in, m);
	}
}
