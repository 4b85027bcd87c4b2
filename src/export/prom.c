/* prom.c - Prometheus text exposition from metric tables; see prom.h */
#include "prom.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "text.h"

#define PROM_DEPTH_MAX 8		/* nesting of tables; ours, this only stops a loop */
#define PROM_NAME_MAX 160
#define PROM_PATH_MAX 160
#define PROM_TEXT_MAX 256		/* longest label value shown */

void prom_out_init(struct prom_out *o, size_t max_bytes)
{
	memset(o, 0, sizeof(*o));
	o->max_bytes = max_bytes;
}

void prom_out_free(struct prom_out *o)
{
	free(o->buf);
	free(o->families);
	memset(o, 0, sizeof(*o));
}

static bool reserve(struct prom_out *o, size_t more)
{
	if (o->overflow)
		return false;
	if (o->len + more + 1 > o->max_bytes) {
		o->overflow = true;
		return false;
	}
	if (o->len + more + 1 <= o->cap)
		return true;
	size_t cap = o->cap ? o->cap : 4096;
	while (cap < o->len + more + 1)
		cap *= 2;
	if (cap > o->max_bytes)
		cap = o->max_bytes;
	char *b = realloc(o->buf, cap);
	if (!b) {
		o->overflow = true;
		return false;
	}
	o->buf = b;
	o->cap = cap;
	return true;
}

void prom_out_printf(struct prom_out *o, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(o, (size_t)n))
		return;
	if ((size_t)n < sizeof(small)) {
		memcpy(o->buf + o->len, small, (size_t)n + 1);
	} else {
		va_start(ap, fmt);
		vsnprintf(o->buf + o->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	o->len += (size_t)n;
}

/* One line of text: sanitized (text.h), \ and (quote) " escaped. */
static void put_line(struct prom_out *o, const char *s, size_t n, bool quote)
{
	char raw[PROM_TEXT_MAX], safe[PROM_TEXT_MAX];
	if (n >= sizeof(raw))
		n = sizeof(raw) - 1;
	memcpy(raw, s, n);
	raw[n] = '\0';
	const char *t = text_printable_utf8(raw) ? raw : text_copy_sanitized(safe, sizeof(safe), raw);
	for (; *t; t++) {
		if (*t == '\\')
			prom_out_printf(o, "\\\\");
		else if (*t == '"' && quote)
			prom_out_printf(o, "\\\"");
		else
			prom_out_printf(o, "%c", *t);
	}
}

/* Label values and HELP: newlines as \n, each line put_line(); at most PROM_TEXT_MAX bytes. */
static void put_escaped(struct prom_out *o, const char *s, bool quote)
{
	size_t left = strnlen(s, PROM_TEXT_MAX);
	for (;;) {
		const char *nl = memchr(s, '\n', left);
		size_t n = nl ? (size_t)(nl - s) : left;
		put_line(o, s, n, quote);
		if (!nl)
			return;
		prom_out_printf(o, "\\n");
		left -= n + 1;
		s = nl + 1;
	}
}

/* Remember name; false when it was there. */
static bool family_new(struct prom_out *o, const char *name)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	for (size_t i = 0; i < o->n_families; i++)
		if (o->families[i] == h)
			return false;
	if (o->n_families == o->cap_families) {
		size_t cap = o->cap_families ? o->cap_families * 2 : 256;
		uint64_t *f = realloc(o->families, cap * sizeof(*f));
		if (!f) {
			o->overflow = true;
			return false;
		}
		o->families = f;
		o->cap_families = cap;
	}
	o->families[o->n_families++] = h;
	return true;
}

bool prom_write_header(struct prom_out *o, const char *name, const char *type, const char *help)
{
	if (!family_new(o, name))
		return false;
	if (help && *help) {	/* none without SF_HELP_TEXT: HELP is optional */
		prom_out_printf(o, "# HELP %s ", name);
		put_escaped(o, help, false);
		prom_out_printf(o, "\n");
	}
	prom_out_printf(o, "# TYPE %s %s\n", name, type);
	return true;
}

static void put_labels(struct prom_out *o, const struct prom_label *l, int n, const char *extra_name,
		       const char *extra_value)
{
	if (!n && !extra_name)
		return;
	prom_out_printf(o, "{");
	for (int i = 0; i < n; i++) {
		prom_out_printf(o, "%s%s=\"", i ? "," : "", l[i].name);
		put_escaped(o, l[i].value ? l[i].value : "", true);
		prom_out_printf(o, "\"");
	}
	if (extra_name) {
		prom_out_printf(o, "%s%s=\"", n ? "," : "", extra_name);
		put_escaped(o, extra_value, true);
		prom_out_printf(o, "\"");
	}
	prom_out_printf(o, "}");
}

static void put_value(struct prom_out *o, double v)
{
	if (isnan(v))
		prom_out_printf(o, " NaN\n");
	else if (isinf(v))
		prom_out_printf(o, " %sInf\n", v > 0 ? "+" : "-");
	else if (v == (double)(int64_t)v && fabs(v) < 1e15)
		prom_out_printf(o, " %lld\n", (long long)v);
	else
		prom_out_printf(o, " %.15g\n", v);
}

void prom_write_sample(struct prom_out *o, const char *name, const struct prom_label *labels,
		       int n_labels, double v)
{
	prom_out_printf(o, "%s", name);
	put_labels(o, labels, n_labels, NULL, NULL);
	put_value(o, v);
}

/* ---- names ---- */

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

static bool has_token(const char *s, const char *tok)
{
	size_t n = strlen(tok);
	for (const char *p = s; (p = strstr(p, tok)); p++)
		if ((p == s || p[-1] == '_') && (p[n] == '\0' || p[n] == '_'))
			return true;
	return false;
}

/* unit -> the name's own suffix, the base unit's suffix, the scale */
static const struct {
	const char *unit, *suffix, *base;
	double scale;
} units[] = {
	{ "ms", "_ms", "_seconds", 1e-3 },
	{ "s", "_s", "_seconds", 1 },
	{ "kB", "_kb", "_bytes", 1024 },
	{ "bytes", "_bytes", "_bytes", 1 },
	{ "%", "_pct", "_ratio", 1e-2 },
	{ "bps", "_bps", "_bits_per_second", 1 },
	{ "Mbit/s", "_mbps", "_bits_per_second", 1e6 },
};

bool prom_metric_name(char *buf, size_t len, const char *prefix, const char *path,
		      const struct metric_desc *d, double *scale)
{
	char name[PROM_NAME_MAX];
	int n = snprintf(name, sizeof(name), "%s_%s", prefix, path);
	if (n < 0 || (size_t)n >= sizeof(name))
		return false;
	for (char *p = name; *p; p++)
		if (*p == '.')
			*p = '_';
	*scale = 1;
	for (size_t i = 0; d->unit && i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(d->unit, units[i].unit))
			continue;
		*scale = units[i].scale;
		if (ends_with(name, units[i].suffix))
			name[strlen(name) - strlen(units[i].suffix)] = '\0';
		else if (!strcmp(units[i].base, "_bytes") && has_token(name, "bytes"))
			break;	/* bytes_per_day, bytes_per_round: the unit is in the name */
		if (strlen(name) + strlen(units[i].base) >= sizeof(name))
			return false;
		strcat(name, units[i].base);
		break;
	}
	bool counter = d->kind == METRIC_COUNTER;
	n = snprintf(buf, len, "%s%s", name, counter && !ends_with(name, "_total") ? "_total" : "");
	return n >= 0 && (size_t)n < len;
}

/* ---- tables ---- */

struct walk {
	struct prom_out *o;
	const struct prom_table_opts *opts;
	const struct prom_instance *inst;
	int n_inst;
	const struct metric_desc *chain[PROM_DEPTH_MAX + 1];	/* objects above the leaf */
	int depth;
};

static bool is_text(const struct metric_desc *d)
{
	return d->type == METRIC_ENUM || d->type == METRIC_BITS || d->type == METRIC_STRING ||
	       d->type == METRIC_STRPTR;
}

static bool skipped(const struct prom_table_opts *opts, const char *path)
{
	for (const char *const *s = opts->skip; s && *s; s++)
		if (!strcmp(*s, path))
			return true;
	return false;
}

/* The leaf's JSON value in one instance; NULL when null, absent or not where the table says. */
static struct json_object *leaf_value(const struct walk *w, const struct json_object *obj,
				      const struct metric_desc *leaf)
{
	struct json_object *cur = (struct json_object *)obj, *next;
	for (int i = 0; i < w->depth && cur; i++) {
		const struct metric_desc *c = w->chain[i];
		if (c->flags & METRIC_F_INLINE)
			continue;
		if (!json_object_object_get_ex(cur, c->name, &next) ||
		    !json_object_is_type(next, json_type_object))
			return NULL;
		cur = next;
	}
	if (!cur || !json_object_is_type(cur, json_type_object) ||
	    !json_object_object_get_ex(cur, leaf->name, &next))
		return NULL;
	return next;
}

static bool label_taken(const struct prom_instance *in, const char *name)
{
	for (int i = 0; i < in->n_labels; i++)
		if (!strcmp(in->labels[i].name, name))
			return true;
	return false;
}

static void text_family(struct walk *w, const char *path, const struct metric_desc *d)
{
	char name[PROM_NAME_MAX + 8];
	double scale;
	struct metric_desc plain = *d;
	plain.unit = NULL;
	plain.kind = METRIC_GAUGE;
	if (!prom_metric_name(name, sizeof(name) - 5, w->opts->prefix, path, &plain, &scale))
		return;
	strcat(name, "_info");
	bool header = false;
	for (int i = 0; i < w->n_inst; i++) {
		const struct prom_instance *in = &w->inst[i];
		struct json_object *v = leaf_value(w, in->obj, d);
		if (!v || label_taken(in, d->name))
			continue;
		size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 1;
		for (size_t k = 0; k < n; k++) {
			struct json_object *s = json_object_is_type(v, json_type_array)
							? json_object_array_get_idx(v, k) : v;
			if (!s || !json_object_is_type(s, json_type_string))
				continue;
			if (!header) {
				if (!prom_write_header(w->o, name, "gauge", d->help))
					return;
				header = true;
			}
			prom_out_printf(w->o, "%s", name);
			put_labels(w->o, in->labels, in->n_labels, d->name, json_object_get_string(s));
			put_value(w->o, 1);
		}
	}
}

static void number_family(struct walk *w, const char *path, const struct metric_desc *d)
{
	char name[PROM_NAME_MAX];
	double scale;
	if (!prom_metric_name(name, sizeof(name), w->opts->prefix, path, d, &scale))
		return;
	bool header = false;
	for (int i = 0; i < w->n_inst; i++) {
		const struct prom_instance *in = &w->inst[i];
		struct json_object *v = leaf_value(w, in->obj, d);
		double x;
		if (!v)
			continue;
		if (json_object_is_type(v, json_type_boolean))
			x = json_object_get_boolean(v) ? 1 : 0;
		else if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
			x = json_object_get_double(v) * scale;
		else
			continue;
		if (!header) {
			if (!prom_write_header(w->o, name, d->kind == METRIC_COUNTER ? "counter" : "gauge",
					       d->help))
				return;
			header = true;
		}
		prom_write_sample(w->o, name, in->labels, in->n_labels, x);
	}
}

static void walk_table(struct walk *w, const struct metric_desc *tab, const char *prefix)
{
	if (w->depth > PROM_DEPTH_MAX)
		return;
	for (const struct metric_desc *d = tab; d->name; d++) {
		char path[PROM_PATH_MAX];
		bool inline_obj = d->type == METRIC_OBJECT && (d->flags & METRIC_F_INLINE);
		if (inline_obj)
			snprintf(path, sizeof(path), "%s", prefix);
		else if (snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", d->name) >=
			 (int)sizeof(path))
			continue;
		if (skipped(w->opts, path) && !inline_obj)
			continue;
		if (d->type == METRIC_OBJECT || d->type == METRIC_OBJPTR) {
			w->chain[w->depth++] = d;
			walk_table(w, d->sub, path);
			w->depth--;
		} else if (is_text(d)) {
			text_family(w, path, d);
		} else {
			number_family(w, path, d);
		}
	}
}

void prom_write_table(struct prom_out *o, const struct prom_table_opts *opts,
		      const struct metric_desc *tab, const struct prom_instance *inst, int n_inst)
{
	struct walk w = { .o = o, .opts = opts, .inst = inst, .n_inst = n_inst };
	walk_table(&w, tab, "");
}
