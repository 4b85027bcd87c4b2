/*
 * ctl_mwan3_parse.c - the mwan3 backend's readers: `ubus call mwan3 status`
 * (interfaces, policies), the MINIMAL `uci -q show mwan3` reader (to give
 * way to the discovery's mwan3 config), mwan3's marks, the computed
 * metrics and the state file. See ctl_mwan3_impl.h.
 */
#include "ctl_mwan3_impl.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JSON_DEPTH_MAX 8

static bool name_ok(const char *s, size_t len)
{
	if (len == 0 || len >= M3_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
		      ch == '-' || ch == '.' || ch == '@' || ch == '[' || ch == ']'))
			return false;
	}
	return true;
}

static struct json_object *parse_json(const char *text, char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH_MAX);
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	size_t len = strlen(text);
	struct json_object *o = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error e = json_tokener_get_error(tok);
	if (!o || e != json_tokener_success) {
		snprintf(err, errlen, "not JSON (%s)", json_tokener_error_desc(e));
		json_object_put(o);
		o = NULL;
	} else if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errlen, "not a JSON object");
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

int m3_parse_status(const char *json, struct m3_status *st, char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	struct json_object *root = parse_json(json, err, errlen), *ifs;
	if (!root)
		return -1;
	if (!json_object_object_get_ex(root, "interfaces", &ifs) || !json_object_is_type(ifs, json_type_object)) {
		snprintf(err, errlen, "no \"interfaces\" object");
		json_object_put(root);
		return -1;
	}
	json_object_object_foreach(ifs, key, val)
	{
		if (!name_ok(key, strlen(key)) || !json_object_is_type(val, json_type_object))
			continue;	/* a name we could never pass on: skipped */
		if (st->n >= M3_IFACES_MAX)
			break;
		struct m3_iface *i = &st->i[st->n++];
		snprintf(i->name, sizeof(i->name), "%s", key);
		struct json_object *v;
		snprintf(i->status, sizeof(i->status), "unknown");
		if (json_object_object_get_ex(val, "status", &v) && json_object_is_type(v, json_type_string) &&
		    name_ok(json_object_get_string(v), strlen(json_object_get_string(v))))
			snprintf(i->status, sizeof(i->status), "%s", json_object_get_string(v));
		i->up = json_object_object_get_ex(val, "up", &v) && json_object_is_type(v, json_type_boolean) &&
			json_object_get_boolean(v);
		i->enabled = json_object_object_get_ex(val, "enabled", &v) &&
			     json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
	}
	json_object_put(root);
	return 0;
}

static void add_policy_iface(struct m3_policies *po, const char *policy, const char *iface)
{
	struct m3_policy *p = NULL;
	for (int i = 0; i < po->n; i++)
		if (strcmp(po->p[i].name, policy) == 0)
			p = &po->p[i];
	if (!p) {
		if (po->n >= M3_POLICIES_MAX)
			return;
		p = &po->p[po->n++];
		snprintf(p->name, sizeof(p->name), "%s", policy);
	}
	for (int i = 0; i < p->n; i++)
		if (strcmp(p->iface[i], iface) == 0)
			return;
	if (p->n < M3_POLICY_IFACES_MAX)
		snprintf(p->iface[p->n++], M3_NAME_MAX, "%s", iface);
}

int m3_parse_policies(const char *json, struct m3_policies *po, char *err, size_t errlen)
{
	memset(po, 0, sizeof(*po));
	struct json_object *root = parse_json(json, err, errlen), *pol;
	if (!root)
		return -1;
	if (!json_object_object_get_ex(root, "policies", &pol) || !json_object_is_type(pol, json_type_object)) {
		snprintf(err, errlen, "no \"policies\" object");
		json_object_put(root);
		return -1;
	}
	static const char *const fams[] = { "ipv4", "ipv6" };
	for (int f = 0; f < 2; f++) {
		struct json_object *fam;
		if (!json_object_object_get_ex(pol, fams[f], &fam) || !json_object_is_type(fam, json_type_object))
			continue;
		json_object_object_foreach(fam, pname, list)
		{
			if (!name_ok(pname, strlen(pname)) || !json_object_is_type(list, json_type_array))
				continue;
			size_t n = json_object_array_length(list);
			for (size_t k = 0; k < n; k++) {
				struct json_object *e = json_object_array_get_idx(list, k), *ifn;
				if (!json_object_is_type(e, json_type_object) ||
				    !json_object_object_get_ex(e, "interface", &ifn) ||
				    !json_object_is_type(ifn, json_type_string))
					continue;
				const char *s = json_object_get_string(ifn);
				char key[M3_NAME_MAX];	/* per family: an IPv4 and an IPv6 policy never share */
				if (name_ok(s, strlen(s)) &&
				    snprintf(key, sizeof(key), "%s/%s", fams[f], pname) < (int)sizeof(key))
					add_policy_iface(po, key, s);
			}
		}
	}
	json_object_put(root);
	return 0;
}

/* One value of `uci show`: 'text' (with '\'' escapes) or bare text; the first list item only. */
static bool uci_value(const char *v, const char *end, char *out, size_t len)
{
	size_t o = 0;
	if (v < end && *v == '\'') {
		v++;
		while (v < end) {
			if (*v == '\'') {
				if (end - v >= 4 && memcmp(v, "'\\''", 4) == 0) {
					if (o + 1 >= len)
						return false;
					out[o++] = '\'';
					v += 4;
					continue;
				}
				break;
			}
			if (o + 1 >= len)
				return false;
			out[o++] = *v++;
		}
	} else {
		while (v < end && *v != ' ') {
			if (o + 1 >= len)
				return false;
			out[o++] = *v++;
		}
	}
	out[o] = 0;
	return true;
}

static struct m3_section *uci_section(struct m3_uci *u, const char *name, size_t nlen, bool create)
{
	for (int i = 0; i < u->n; i++)
		if (strlen(u->s[i].name) == nlen && memcmp(u->s[i].name, name, nlen) == 0)
			return &u->s[i];
	if (!create || u->n >= M3_SECTIONS_MAX)
		return NULL;
	struct m3_section *s = &u->s[u->n++];
	memset(s, 0, sizeof(*s));
	memcpy(s->name, name, nlen);
	return s;
}

int m3_parse_uci(const char *text, struct m3_uci *u, char *err, size_t errlen)
{
	memset(u, 0, sizeof(*u));
	u->mmx_mask = 0x3F00;	/* mwan3's default */
	int lineno = 0, bad = 0;
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol : p + strlen(p);
		lineno++;
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (end - p < 7 || memcmp(p, "mwan3.", 6) != 0 || !eq) {
			if (end > p)
				bad++;
			goto next;
		}
		const char *key = p + 6, *dot = memchr(key, '.', (size_t)(eq - key));
		char val[M3_NAME_MAX];
		if (!uci_value(eq + 1, end, val, sizeof(val)))
			goto next;	/* a long value (a list of track IPs): not one we need */
		if (!dot) {	/* mwan3.<section>=<type> */
			size_t nlen = (size_t)(eq - key);
			if (!name_ok(key, nlen)) {
				bad++;
				goto next;
			}
			if (strcmp(val, "interface") == 0 && u->n_ifaces < M3_IFACES_MAX) {
				memcpy(u->ifaces[u->n_ifaces], key, nlen);
				u->ifaces[u->n_ifaces++][nlen] = 0;
			} else if (strcmp(val, "member") == 0) {
				uci_section(u, key, nlen, true);
			}
			goto next;
		}
		size_t nlen = (size_t)(dot - key), olen = (size_t)(eq - dot - 1);
		if (!name_ok(key, nlen))
			goto next;
		if (nlen == 7 && memcmp(key, "globals", 7) == 0 && olen == 8 && memcmp(dot + 1, "mmx_mask", 8) == 0) {
			char *e;
			errno = 0;
			unsigned long m = strtoul(val, &e, 0);
			if (!errno && !*e && m && m <= 0xffffffffUL)
				u->mmx_mask = (uint32_t)m;
			goto next;
		}
		struct m3_section *s = uci_section(u, key, nlen, false);
		if (!s)
			goto next;
		if (olen == 9 && memcmp(dot + 1, "interface", 9) == 0 && name_ok(val, strlen(val))) {
			snprintf(s->iface, sizeof(s->iface), "%s", val);
		} else if (olen == 6 && memcmp(dot + 1, "metric", 6) == 0) {
			char *e;
			errno = 0;
			long m = strtol(val, &e, 10);
			if (!errno && !*e && *val && m >= 0 && m <= 1000000) {
				s->has_metric = true;
				s->metric = (int)m;
			} else {
				bad++;
			}
		}
next:
		p = eol ? eol + 1 : end;
	}
	if (bad && u->n == 0 && u->n_ifaces == 0) {
		snprintf(err, errlen, "not `uci show` output (%d unreadable lines, no mwan3 section)", bad);
		return -1;
	}
	return 0;
}

const struct m3_iface *m3_status_find(const struct m3_status *st, const char *iface)
{
	for (int i = 0; i < st->n; i++)
		if (strcmp(st->i[i].name, iface) == 0)
			return &st->i[i];
	return NULL;
}

bool m3_iface_usable(const struct m3_iface *i)
{
	if (!i)
		return false;
	if (strcmp(i->status, "online") == 0 || strcmp(i->status, "disconnecting") == 0)
		return true;	/* disconnecting: still online for mwan3 until the tracker says otherwise */
	/* no tracker (no track_ip): mwan3 follows netifd */
	return (strcmp(i->status, "unknown") == 0 || strcmp(i->status, "disabled") == 0) && i->up;
}

bool m3_policies_use(const struct m3_policies *po, const char *iface)
{
	for (int i = 0; i < po->n; i++)
		for (int k = 0; k < po->p[i].n; k++)
			if (strcmp(po->p[i].iface[k], iface) == 0)
				return true;
	return false;
}

bool m3_policies_share(const struct m3_policies *po, const char *a, const char *b)
{
	for (int i = 0; i < po->n; i++) {
		bool ha = false, hb = false;
		for (int k = 0; k < po->p[i].n; k++) {
			ha |= strcmp(po->p[i].iface[k], a) == 0;
			hb |= strcmp(po->p[i].iface[k], b) == 0;
		}
		if (ha && hb)
			return true;
	}
	return false;
}

uint32_t m3_id2mark(unsigned id, uint32_t mask)
{
	uint32_t r = 0;
	unsigned bit = 0;
	for (unsigned b = 0; b < 32; b++) {
		if (!((mask >> b) & 1u))
			continue;
		if (bit < 32 && ((id >> bit) & 1u))
			r |= 1u << b;
		bit++;
	}
	return r;
}

uint32_t m3_iface_mark(const struct m3_uci *u, const char *iface)
{
	for (int i = 0; i < u->n_ifaces; i++)
		if (strcmp(u->ifaces[i], iface) == 0)
			return m3_id2mark((unsigned)i + 1, u->mmx_mask);
	return 0;
}

int m3_metric_for(const struct controller *c, const char *primary, const struct m3_section *s)
{
	const struct ctl_member *self = NULL;
	for (int i = 0; i < c->n_members; i++)
		if (c->members[i].iface[0] && strcmp(c->members[i].iface, s->iface) == 0)
			self = &c->members[i];
	if (!self)
		return -1;
	if (primary[0] && strcmp(self->iface, primary) == 0)
		return M3_METRIC_BASE;
	int rank = 0;	/* managed members before it, the primary left out */
	for (int i = 0; i < c->n_members; i++) {
		const struct ctl_member *o = &c->members[i];
		if (o == self || !o->iface[0] || (primary[0] && strcmp(o->iface, primary) == 0))
			continue;
		if (o->order < self->order || (o->order == self->order && o < self))
			rank++;
	}
	return M3_METRIC_BASE + 1 + rank;
}

/* ---- the state file ---- */

struct m3_saved *m3_record_find(struct m3_record *r, const char *section)
{
	for (int i = 0; i < r->n_saved; i++)
		if (strcmp(r->saved[i].section, section) == 0)
			return &r->saved[i];
	return NULL;
}

bool m3_record_demoted(const struct m3_record *r, const char *iface)
{
	for (int i = 0; i < r->n_demoted; i++)
		if (strcmp(r->demoted[i], iface) == 0)
			return true;
	return false;
}

int m3_record_load(const char *path, struct m3_record *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[256];
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char a[M3_NAME_MAX], b[M3_NAME_MAX], cc[16];
		int y;
		line[strcspn(line, "\n")] = 0;
		if (lineno == 1) {
			if (strcmp(line, "starfail-mwan3 1")) {
				snprintf(err, errlen, "%s: not a Starfail mwan3 state file", path);
				rc = -1;
				break;
			}
		} else if (sscanf(line, "mode %15s", cc) == 1) {
			r->mode = strcmp(cc, "metric") == 0 ? CTL_MWAN3_METRIC : CTL_MWAN3_STATE;
		} else if (sscanf(line, "metric %63s %15s %d", a, cc, &y) == 3 && name_ok(a, strlen(a)) &&
			   r->n_saved < M3_SECTIONS_MAX) {
			struct m3_saved *s = &r->saved[r->n_saved++];
			snprintf(s->section, sizeof(s->section), "%s", a);
			s->had_metric = strcmp(cc, "-") != 0;
			char *e;
			long m = s->had_metric ? strtol(cc, &e, 10) : 0;
			if (s->had_metric && (*e || m < 0 || m > 1000000)) {
				snprintf(err, errlen, "%s:%d: bad metric '%s'", path, lineno, cc);
				rc = -1;
				break;
			}
			s->metric = (int)m;
			s->ours = y;
		} else if (sscanf(line, "demoted %63s %63s", a, b) == 2 && name_ok(a, strlen(a)) &&
			   strlen(b) < IF_NAMESIZE && r->n_demoted < CTL_MEMBERS_MAX) {
			snprintf(r->demoted[r->n_demoted], M3_NAME_MAX, "%s", a);
			snprintf(r->demoted_dev[r->n_demoted++], IF_NAMESIZE, "%.15s", strcmp(b, "-") ? b : "");
		} else if (line[0]) {
			snprintf(err, errlen, "%s:%d: unreadable line", path, lineno);
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

int m3_record_save(const char *path, const struct m3_record *r, char *err, size_t errlen)
{
	char tmp[CFG_STR_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *f = fopen(tmp, "we");
	if (!f) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "starfail-mwan3 1\nmode %s\n", r->mode == CTL_MWAN3_METRIC ? "metric" : "state");
	for (int i = 0; i < r->n_saved; i++) {
		const struct m3_saved *s = &r->saved[i];
		if (s->had_metric)
			fprintf(f, "metric %s %d %d\n", s->section, s->metric, s->ours);
		else
			fprintf(f, "metric %s - %d\n", s->section, s->ours);
	}
	for (int i = 0; i < r->n_demoted; i++)
		fprintf(f, "demoted %s %s\n", r->demoted[i], r->demoted_dev[i][0] ? r->demoted_dev[i] : "-");
	bool bad = ferror(f) != 0;
	if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
		unlink(tmp);
		return -1;
	}
	return 0;
}
