/*
 * metric.c - the generic half of metrics: JSON, docs and checks of values
 * described by metric_desc tables (see metric.h).
 */
#include "metric_impl.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "sample.h"
#include "text.h"

#define METRIC_DEPTH_MAX 8		/* nesting of objects; tables are ours, this only stops a loop */
#define METRIC_STR_MAX 512		/* longest string shown after sanitizing */

static const void *field(const void *base, const struct metric_desc *d)
{
	return (const char *)base + d->offset;
}

static const char *str_of(const struct metric_desc *d, const void *base)
{
	const char *s = d->type == METRIC_STRING ? (const char *)field(base, d)
						 : *(const char *const *)field(base, d);
	if (!s || (!*s && !(d->flags & METRIC_F_EMPTY_STRING)))
		return NULL;
	return s;
}

static bool int_unknown(const struct metric_desc *d, int64_t v, int64_t min)
{
	return ((d->flags & METRIC_F_NEG_UNKNOWN) && v < 0) ||
	       ((d->flags & METRIC_F_ZERO_UNKNOWN) && v == 0) ||
	       ((d->flags & METRIC_F_MIN_UNKNOWN) && v == min);
}

/* The name of an enum value, or NULL when it is unknown. */
static const char *enum_name(const struct metric_desc *d, int v)
{
	const struct metric_names *nm = d->names;
	if (int_unknown(d, v, INT_MIN) || v < nm->first)
		return NULL;
	if ((int64_t)v - nm->first < nm->n && nm->names[v - nm->first])
		return nm->names[v - nm->first];
	return nm->other;
}

bool metric_unknown(const struct metric_desc *d, const void *base)
{
	const void *p = field(base, d);
	switch (d->type) {
	case METRIC_DOUBLE:
		return !isfinite(*(const double *)p);
	case METRIC_INT:
		return int_unknown(d, *(const int *)p, INT_MIN);
	case METRIC_INT64:
		return int_unknown(d, *(const int64_t *)p, INT64_MIN);
	case METRIC_UINT64:
		return (d->flags & METRIC_F_ZERO_UNKNOWN) && *(const uint64_t *)p == 0;
	case METRIC_BOOL:
		return false;
	case METRIC_TRI:
		return *(const enum tri *)p == TRI_UNKNOWN;
	case METRIC_ENUM:
		return enum_name(d, *(const int *)p) == NULL;
	case METRIC_BITS:
		return *(const int64_t *)p < 0;
	case METRIC_STRING:
	case METRIC_STRPTR:
		return str_of(d, base) == NULL;
	case METRIC_OBJECT:
		return false;
	case METRIC_OBJPTR:
		return *(const void *const *)p == NULL;
	case __METRIC_TYPE_MAX:
		break;
	}
	return true;
}

bool metric_number(const struct metric_desc *d, const void *base, double *out)
{
	const void *p = field(base, d);
	if (metric_unknown(d, base))
		return false;
	switch (d->type) {
	case METRIC_DOUBLE:
		*out = *(const double *)p;
		return true;
	case METRIC_INT:
		*out = *(const int *)p;
		return true;
	case METRIC_INT64:
		*out = (double)*(const int64_t *)p;
		return true;
	case METRIC_UINT64:
		*out = (double)*(const uint64_t *)p;
		return true;
	case METRIC_BOOL:
		*out = *(const bool *)p;
		return true;
	case METRIC_TRI:
		*out = *(const enum tri *)p == TRI_TRUE;
		return true;
	default:
		return false;
	}
}

static struct json_object *jstring(const char *s)
{
	char safe[METRIC_STR_MAX];	/* json-c copies bytes as they are: valid UTF-8 only */
	if (text_printable_utf8(s))
		return json_object_new_string(s);
	return json_object_new_string(text_copy_sanitized(safe, sizeof(safe), s));
}

static struct json_object *bits_json(const struct metric_desc *d, int64_t v)
{
	const struct metric_names *nm = d->names;
	struct json_object *a = json_object_new_array();
	for (int b = 0; b < 63; b++) {
		if (!(v & ((int64_t)1 << b)))
			continue;
		int64_t i = (int64_t)b - nm->first;
		if (i >= 0 && i < nm->n && nm->names[i])
			json_object_array_add(a, json_object_new_string(nm->names[i]));
	}
	return a;
}

static void to_json(const struct metric_desc *tab, const void *base, struct json_object *obj,
		    int depth);

static struct json_object *object_json(const struct metric_desc *sub, const void *base, int depth)
{
	struct json_object *o = json_object_new_object();
	to_json(sub, base, o, depth + 1);
	return o;
}

static struct json_object *value_json(const struct metric_desc *d, const void *base, int depth)
{
	const void *p = field(base, d);
	switch (d->type) {
	case METRIC_DOUBLE:
		return json_object_new_double(*(const double *)p);
	case METRIC_INT:
		return json_object_new_int(*(const int *)p);
	case METRIC_INT64:
		return json_object_new_int64(*(const int64_t *)p);
	case METRIC_UINT64: {
		uint64_t v = *(const uint64_t *)p;
		return v <= INT64_MAX ? json_object_new_int64((int64_t)v) : json_object_new_uint64(v);
	}
	case METRIC_BOOL:
		return json_object_new_boolean(*(const bool *)p);
	case METRIC_TRI:
		return json_object_new_boolean(*(const enum tri *)p == TRI_TRUE);
	case METRIC_ENUM:
		return json_object_new_string(enum_name(d, *(const int *)p));
	case METRIC_BITS:
		return bits_json(d, *(const int64_t *)p);
	case METRIC_STRING:
	case METRIC_STRPTR:
		return jstring(str_of(d, base));
	case METRIC_OBJECT:
		return object_json(d->sub, p, depth);
	case METRIC_OBJPTR:
		return object_json(d->sub, *(const void *const *)p, depth);
	case __METRIC_TYPE_MAX:
		break;
	}
	return NULL;
}

static void to_json(const struct metric_desc *tab, const void *base, struct json_object *obj,
		    int depth)
{
	if (depth > METRIC_DEPTH_MAX)
		return;
	for (const struct metric_desc *d = tab; d->name; d++) {
		if (d->type == METRIC_OBJECT && (d->flags & METRIC_F_INLINE)) {
			to_json(d->sub, field(base, d), obj, depth + 1);
			continue;
		}
		bool unknown = metric_unknown(d, base);
		if (unknown && (d->flags & METRIC_F_OMIT))
			continue;
		json_object_object_add(obj, d->name, unknown ? NULL : value_json(d, base, depth));
	}
}

void metric_to_json(const struct metric_desc *tab, const void *base, struct json_object *obj)
{
	to_json(tab, base, obj, 0);
}

struct json_object *metric_object(const struct metric_desc *tab, const void *base)
{
	return object_json(tab, base, -1);
}

/* ---- docs ---- */

static const char *type_word(const struct metric_desc *d)
{
	static const char *const words[__METRIC_TYPE_MAX] = {
		[METRIC_DOUBLE] = "number", [METRIC_INT] = "integer", [METRIC_INT64] = "integer",
		[METRIC_UINT64] = "integer", [METRIC_BOOL] = "boolean", [METRIC_TRI] = "boolean",
		[METRIC_ENUM] = "string", [METRIC_BITS] = "list of strings", [METRIC_STRING] = "string",
		[METRIC_STRPTR] = "string", [METRIC_OBJECT] = "object", [METRIC_OBJPTR] = "object",
	};
	return d->type < __METRIC_TYPE_MAX ? words[d->type] : "?";
}

static const char *kind_word(const struct metric_desc *d)
{
	static const char *const words[__METRIC_KIND_MAX] = {
		[METRIC_GAUGE] = "gauge", [METRIC_COUNTER] = "counter", [METRIC_INFO] = "info",
	};
	return d->kind < __METRIC_KIND_MAX ? words[d->kind] : "?";
}

/* When the value is null, in words ("" for never). */
static void null_when(const struct metric_desc *d, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
#define ADD(s) (n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? ", " : "", s))
	switch (d->type) {
	case METRIC_DOUBLE:
	case METRIC_TRI:
		ADD("unknown");
		break;
	case METRIC_INT:
	case METRIC_INT64:
	case METRIC_UINT64:
	case METRIC_ENUM:
		if (d->flags & METRIC_F_NEG_UNKNOWN)
			ADD("< 0");
		if (d->flags & METRIC_F_ZERO_UNKNOWN)
			ADD(d->type == METRIC_ENUM && d->names ? d->names->names[0 - d->names->first] : "0");
		if (d->flags & METRIC_F_MIN_UNKNOWN)
			ADD("unknown");
		if (d->type == METRIC_ENUM && d->names && d->names->first < 0 &&
		    !(d->flags & METRIC_F_NEG_UNKNOWN))
			ADD("unknown");
		break;
	case METRIC_BITS:
		ADD("unknown");
		break;
	case METRIC_STRING:
		if (!(d->flags & METRIC_F_EMPTY_STRING))
			ADD("empty");
		break;
	case METRIC_STRPTR:
		ADD(d->flags & METRIC_F_EMPTY_STRING ? "absent" : "empty");
		break;
	case METRIC_OBJPTR:
		ADD("absent");
		break;
	default:
		break;
	}
	if (n && (d->flags & METRIC_F_OMIT) && n < len)
		snprintf(buf + n, len - n, " (key left out)");
#undef ADD
}

static void print_names(const struct metric_desc *d, FILE *out)
{
	const struct metric_names *nm = d->names;
	bool first = true, other_listed = false;
	fprintf(out, " %s: ", d->type == METRIC_BITS ? "Names" : "Values");
	for (int i = 0; i < nm->n; i++) {
		if (!nm->names[i])
			continue;
		if (nm->other && strcmp(nm->names[i], nm->other) == 0)
			other_listed = true;
		if (d->type == METRIC_ENUM && (d->flags & METRIC_F_ZERO_UNKNOWN) && i + nm->first == 0)
			continue;
		fprintf(out, "%s`%s`", first ? "" : ", ", nm->names[i]);
		first = false;
	}
	if (nm->other && d->type == METRIC_ENUM)
	{
		if (other_listed)
			fprintf(out, " (`%s` also for any other)", nm->other);
		else
			fprintf(out, "%s`%s` (any other)", first ? "" : ", ", nm->other);
	}
	fprintf(out, ".");
}

static void print_rows(const struct metric_desc *tab, const char *prefix, FILE *out, int depth)
{
	if (depth > METRIC_DEPTH_MAX)
		return;
	for (const struct metric_desc *d = tab; d->name; d++) {
		char path[256];
		if (d->type == METRIC_OBJECT && (d->flags & METRIC_F_INLINE)) {
			print_rows(d->sub, prefix, out, depth + 1);
			continue;
		}
		snprintf(path, sizeof(path), "%s%s", prefix, d->name);
		char nul[64];
		null_when(d, nul, sizeof(nul));
		fprintf(out, "| `%s` | %s | %s | %s | %s | %s", path, type_word(d), d->unit ? d->unit : "",
			d->type == METRIC_OBJECT || d->type == METRIC_OBJPTR ? "" : kind_word(d), nul,
			d->help ? d->help : "");
		if ((d->type == METRIC_ENUM || d->type == METRIC_BITS) && d->names)
			print_names(d, out);
		fprintf(out, " |\n");
		if (d->type == METRIC_OBJECT || d->type == METRIC_OBJPTR) {
			char sub[sizeof(path) + 1];
			snprintf(sub, sizeof(sub), "%s.", path);
			print_rows(d->sub, sub, out, depth + 1);
		}
	}
}

void metric_print_markdown(const struct metric_desc *tab, const char *prefix, FILE *out)
{
	fprintf(out, "| Field | Type | Unit | Kind | Null when | Meaning |\n");
	fprintf(out, "|---|---|---|---|---|---|\n");
	print_rows(tab, prefix ? prefix : "", out, 0);
}

/* ---- checks ---- */

#define CHECK_NAMES_MAX 128		/* keys of one object, inline parts included */

struct check {
	const char *seen[CHECK_NAMES_MAX];
	int n_seen;
	char *err;
	size_t len;
};

static bool snake(const char *s)
{
	if (!*s || !(*s >= 'a' && *s <= 'z'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static int fail(struct check *c, const char *name, const char *why)
{
	snprintf(c->err, c->len, "metric '%s': %s", name ? name : "(null)", why);
	return -1;
}

static int check_object(const struct metric_desc *tab, struct check *c, int depth);

static int check_one(const struct metric_desc *d, struct check *c, int depth)
{
	if (!snake(d->name))
		return fail(c, d->name, "name is not lower_snake");
	if (d->type >= __METRIC_TYPE_MAX || d->kind >= __METRIC_KIND_MAX)
		return fail(c, d->name, "bad type or kind");
	if (!d->help || !*d->help)
		return fail(c, d->name, "no help");
	bool is_obj = d->type == METRIC_OBJECT || d->type == METRIC_OBJPTR;
	if (is_obj && !d->sub)
		return fail(c, d->name, "object without a sub-table");
	if (!is_obj && d->sub)
		return fail(c, d->name, "sub-table on a value");
	if ((d->flags & METRIC_F_INLINE) && d->type != METRIC_OBJECT)
		return fail(c, d->name, "METRIC_F_INLINE on a non-object");
	if (d->type == METRIC_ENUM || d->type == METRIC_BITS) {
		if (!d->names || !d->names->names || d->names->n <= 0)
			return fail(c, d->name, "enum/bits without names");
		if ((d->flags & METRIC_F_ZERO_UNKNOWN) &&
		    (0 < d->names->first || 0 >= d->names->first + d->names->n))
			return fail(c, d->name, "zero is unknown but has no name slot");
	} else if (d->names) {
		return fail(c, d->name, "names on a type without names");
	}
	bool integral = d->type == METRIC_INT || d->type == METRIC_INT64 || d->type == METRIC_UINT64;
	if (d->kind == METRIC_COUNTER && !integral && d->type != METRIC_DOUBLE)
		return fail(c, d->name, "a counter must be a number");
	bool textual = d->type == METRIC_ENUM || d->type == METRIC_BITS || d->type == METRIC_STRING ||
		       d->type == METRIC_STRPTR;
	if (textual && d->kind != METRIC_INFO)
		return fail(c, d->name, "text is kind info");
	if (d->type == METRIC_OBJECT && (d->flags & METRIC_F_INLINE))
		return check_object(d->sub, c, depth + 1);	/* same object: same key space */
	for (int i = 0; i < c->n_seen; i++)
		if (strcmp(c->seen[i], d->name) == 0)
			return fail(c, d->name, "key twice in one object");
	if (c->n_seen >= CHECK_NAMES_MAX)
		return fail(c, d->name, "too many keys in one object");
	c->seen[c->n_seen++] = d->name;
	if (is_obj) {
		struct check inner = { .err = c->err, .len = c->len };
		return check_object(d->sub, &inner, depth + 1);
	}
	return 0;
}

static int check_object(const struct metric_desc *tab, struct check *c, int depth)
{
	if (depth > METRIC_DEPTH_MAX)
		return fail(c, tab->name, "nested too deep");
	for (const struct metric_desc *d = tab; d->name; d++)
		if (check_one(d, c, depth))
			return -1;
	return 0;
}

int metric_check(const struct metric_desc *tab, char *err, size_t len)
{
	struct check c = { .err = err, .len = len };
	return check_object(tab, &c, 0);
}
