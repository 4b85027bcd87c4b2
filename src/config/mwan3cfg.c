/* mwan3cfg.c - /etc/config/mwan3 into struct mwan3_config; see mwan3cfg.h */
#include "mwan3cfg.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uci.h"

struct rd {
	const char *file;
	struct config_report *rep;
	struct mwan3_config *out;
};

#define WARN(r, line, ...) config_report_add((r)->rep, false, (r)->file, (line), __VA_ARGS__)

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) >= MWAN3_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

/* An integer option in [min, max]; absent or bad: def (bad is warned). */
static int int_opt(struct rd *r, const struct uci_section *s, const char *name, int min, int max,
		   int def)
{
	const struct uci_option *o = uci_find_option(s, name);
	if (!o)
		return def;
	if (o->is_list) {
		WARN(r, o->line, "section '%s' option '%s': expected a single value, got a list;"
				 " mwan3's default %d used", s->name, name, def);
		return def;
	}
	char *end;
	errno = 0;
	long v = strtol(o->values[0], &end, 10);
	if (errno || end == o->values[0] || *end || v < min || v > max) {
		WARN(r, o->line, "section '%s' option '%s': expected an integer %d..%d, got '%.40s';"
				 " mwan3's default %d used", s->name, name, min, max, o->values[0], def);
		return def;
	}
	return (int)v;
}

static bool bool_opt(const struct uci_section *s, const char *name, bool def)
{
	const char *v = uci_get_string(s, name);
	if (!v)
		return def;
	return !strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes") ||
	       !strcmp(v, "enabled");
}

static void read_iface(struct rd *r, const struct uci_section *s)
{
	struct mwan3_config *c = r->out;
	if (s->anonymous) {
		WARN(r, s->line, "anonymous `config interface`: mwan3 needs the netifd interface name as"
				 " the section name; ignored");
		return;
	}
	if (!valid_name(s->name)) {
		WARN(r, s->line, "interface '%.40s': name longer than %d characters; ignored", s->name,
		     MWAN3_NAME_MAX - 1);
		return;
	}
	if (c->n_ifaces >= MWAN3_IFACES_MAX) {
		WARN(r, s->line, "interface '%s': more than %d interfaces; ignored", s->name,
		     MWAN3_IFACES_MAX);
		return;
	}
	struct mwan3_iface *i = &c->ifaces[c->n_ifaces++];
	snprintf(i->name, sizeof(i->name), "%s", s->name);
	i->line = s->line;
	i->enabled = bool_opt(s, "enabled", false);
	i->family = 4;
	const char *fam = uci_get_string(s, "family");
	if (fam && !strcmp(fam, "ipv6"))
		i->family = 6;
	else if (fam && strcmp(fam, "ipv4"))
		WARN(r, uci_find_option(s, "family")->line,
		     "interface '%s' option 'family': expected ipv4 or ipv6, got '%.20s'; ipv4 used",
		     s->name, fam);
	const struct uci_option *t = uci_find_option(s, "track_ip");
	i->n_track_ip = t ? t->n_values : 0;
}

static void read_member(struct rd *r, const struct uci_section *s)
{
	struct mwan3_config *c = r->out;
	if (!valid_name(s->name)) {
		WARN(r, s->line, "member '%.40s': name longer than %d characters; ignored", s->name,
		     MWAN3_NAME_MAX - 1);
		return;
	}
	const char *iface = uci_get_string(s, "interface");
	if (!iface || !*iface) {
		WARN(r, s->line, "member '%s': option 'interface' is required; member ignored", s->name);
		return;
	}
	if (!valid_name(iface)) {
		WARN(r, uci_find_option(s, "interface")->line,
		     "member '%s' option 'interface': '%.40s' is not an interface name; member ignored",
		     s->name, iface);
		return;
	}
	if (c->n_members >= MWAN3_MEMBERS_MAX) {
		WARN(r, s->line, "member '%s': more than %d members; ignored", s->name, MWAN3_MEMBERS_MAX);
		return;
	}
	struct mwan3_member *m = &c->members[c->n_members++];
	snprintf(m->name, sizeof(m->name), "%s", s->name);
	snprintf(m->iface, sizeof(m->iface), "%s", iface);
	m->line = s->line;
	m->metric = int_opt(r, s, "metric", MWAN3_METRIC_MIN, MWAN3_METRIC_MAX, 1);
	m->weight = int_opt(r, s, "weight", MWAN3_WEIGHT_MIN, MWAN3_WEIGHT_MAX, 1);
	m->iface_idx = -1;
}

static int find_member(const struct mwan3_config *c, const char *name)
{
	for (int i = 0; i < c->n_members; i++)
		if (!strcmp(c->members[i].name, name))
			return i;
	return -1;
}

static void read_policy(struct rd *r, const struct uci_section *s)
{
	struct mwan3_config *c = r->out;
	if (strlen(s->name) > MWAN3_POLICY_NAME_MAX) {
		WARN(r, s->line, "policy '%.40s': name longer than %d characters: mwan3 skips it;"
				 " ignored", s->name, MWAN3_POLICY_NAME_MAX);
		return;
	}
	if (c->n_policies >= MWAN3_POLICIES_MAX) {
		WARN(r, s->line, "policy '%s': more than %d policies; ignored", s->name,
		     MWAN3_POLICIES_MAX);
		return;
	}
	struct mwan3_policy *p = &c->policies[c->n_policies++];
	snprintf(p->name, sizeof(p->name), "%s", s->name);
	p->line = s->line;
	const char *lr = uci_get_string(s, "last_resort");
	if (lr && strcmp(lr, "unreachable") && strcmp(lr, "blackhole") && strcmp(lr, "default")) {
		WARN(r, uci_find_option(s, "last_resort")->line,
		     "policy '%s' option 'last_resort': expected unreachable, blackhole or default,"
		     " got '%.20s'; unreachable used", s->name, lr);
		lr = NULL;
	}
	snprintf(p->last_resort, sizeof(p->last_resort), "%s", lr ? lr : "unreachable");
	const struct uci_option *u = uci_find_option(s, "use_member");
	for (int i = 0; u && i < u->n_values; i++) {
		int idx = find_member(c, u->values[i]);
		if (idx < 0)
			WARN(r, u->line, "policy '%s' option 'use_member': no member '%.40s'; left out",
			     s->name, u->values[i]);
		else if (p->n_use >= MWAN3_POLICY_USE_MAX)
			WARN(r, u->line, "policy '%s': more than %d members; '%s' left out", s->name,
			     MWAN3_POLICY_USE_MAX, u->values[i]);
		else
			p->use[p->n_use++] = idx;
	}
}

static void read_file(struct rd *r, const struct uci_file *f)
{
	/* members first need their interfaces; policies their members */
	for (int pass = 0; pass < 3; pass++)
		for (int i = 0; i < f->n_sections; i++) {
			const struct uci_section *s = &f->sections[i];
			if (pass == 0 && !strcmp(s->type, "interface"))
				read_iface(r, s);
			else if (pass == 1 && !strcmp(s->type, "member"))
				read_member(r, s);
			else if (pass == 2 && !strcmp(s->type, "policy"))
				read_policy(r, s);
		}
	struct mwan3_config *c = r->out;
	for (int i = 0; i < c->n_members; i++) {
		struct mwan3_member *m = &c->members[i];
		for (int j = 0; j < c->n_ifaces; j++)
			if (!strcmp(c->ifaces[j].name, m->iface))
				m->iface_idx = j;
		if (m->iface_idx < 0)
			WARN(r, m->line, "member '%s': interface '%s' has no `config interface '%s'`"
					 " section; mwan3 does not use it", m->name, m->iface, m->iface);
	}
}

static int finish(struct rd *r, int rc, struct uci_file *f, const struct uci_error *uerr)
{
	if (rc < 0) {
		WARN(r, uerr->line, "%s", uerr->msg);
		return -1;
	}
	read_file(r, f);
	r->out->loaded = true;
	return 0;
}

static void reset(struct mwan3_config *out, struct config_report *rep, const char *name)
{
	memset(rep, 0, sizeof(*rep));
	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "%s", name);
}

int mwan3cfg_load(const char *path, struct mwan3_config *out, struct config_report *rep)
{
	struct uci_file *f = NULL;
	struct uci_error uerr = { 0 };
	struct rd r = { path, rep, out };
	reset(out, rep, path);
	int rc = uci_parse_file(path, &f, &uerr);
	rc = finish(&r, rc, f, &uerr);
	uci_free(f);
	return rc;
}

int mwan3cfg_load_buffer(const char *name, const char *buf, size_t len, struct mwan3_config *out,
			 struct config_report *rep)
{
	struct uci_file *f = NULL;
	struct uci_error uerr = { 0 };
	struct rd r = { name, rep, out };
	reset(out, rep, name);
	int rc = uci_parse_buffer(name, buf, len, &f, &uerr);
	rc = finish(&r, rc, f, &uerr);
	uci_free(f);
	return rc;
}

const struct mwan3_iface *mwan3cfg_find_iface(const struct mwan3_config *c, const char *name)
{
	for (int i = 0; i < c->n_ifaces; i++)
		if (!strcmp(c->ifaces[i].name, name))
			return &c->ifaces[i];
	return NULL;
}

int mwan3cfg_iface_member(const struct mwan3_config *c, const char *iface, int *n_members)
{
	int best = -1, n = 0;
	for (int i = 0; i < c->n_members; i++) {
		if (strcmp(c->members[i].iface, iface))
			continue;
		n++;
		if (best < 0 || c->members[i].metric < c->members[best].metric)
			best = i;
	}
	if (n_members)
		*n_members = n;
	return best;
}
