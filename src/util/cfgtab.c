/*
 * cfgtab.c - the generic half of configuration: set, check, compare, print
 * and document values described by cfg_option tables (see cfgtab.h).
 */
#include "cfgtab_impl.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "text.h"

static void *field(void *base, const struct cfg_option *o)
{
	return (char *)base + o->offset;
}

static const void *cfield(const void *base, const struct cfg_option *o)
{
	return (const char *)base + o->offset;
}

const struct cfg_option *cfg_find(const struct cfg_option *tab, const char *name)
{
	for (const struct cfg_option *o = tab; o && o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

int cfg_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "on", "true", "yes", "enabled", NULL };
	static const char *const no[] = { "0", "off", "false", "no", "disabled", NULL };
	for (int i = 0; yes[i]; i++)
		if (strcmp(s, yes[i]) == 0)
			return *out = true, 0;
	for (int i = 0; no[i]; i++)
		if (strcmp(s, no[i]) == 0)
			return *out = false, 0;
	return -1;
}

int cfg_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	if (!*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cfg_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	if (!*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* What the option expects, in words, for error messages. */
void cfg_expectation(const struct cfg_option *o, char *buf, size_t len)
{
	switch (o->type) {
	case CFG_BOOL:
		snprintf(buf, len, "a boolean (0/1, on/off, true/false, yes/no)");
		break;
	case CFG_INT:
		snprintf(buf, len, "an integer from %.0f to %.0f%s%s", o->min, o->max,
			 o->unit ? " " : "", o->unit ? o->unit : "");
		break;
	case CFG_DOUBLE:
		snprintf(buf, len, "a number from %g to %g%s%s", o->min, o->max, o->unit ? " " : "",
			 o->unit ? o->unit : "");
		break;
	case CFG_STRING:
		snprintf(buf, len, "printable UTF-8 text of at most %d bytes", CFG_STR_MAX - 1);
		break;
	case CFG_ENUM: {
		size_t n = (size_t)snprintf(buf, len, "one of");
		for (int i = 0; o->enum_names[i] && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "|" : " ", o->enum_names[i]);
		break;
	}
	case CFG_LIST:
		snprintf(buf, len, "at most %d values of printable UTF-8 text of at most %d bytes",
			 CFG_LIST_MAX, CFG_STR_MAX - 1);
		break;
	}
}

static int list_add(struct cfg_list *l, const char *v)
{
	if (l->n >= CFG_LIST_MAX || strlen(v) >= CFG_STR_MAX || !text_printable_utf8(v))
		return -1;
	snprintf(l->v[l->n++], CFG_STR_MAX, "%s", v);
	return 0;
}

int cfg_set(const struct cfg_option *o, void *base, const char *const *values, int n_values,
	    bool is_list)
{
	void *p = field(base, o);

	if (o->type == CFG_LIST) {
		struct cfg_list tmp = { 0 };
		for (int i = 0; i < n_values; i++) {
			if (is_list) {
				if (list_add(&tmp, values[i]))
					return -1;
				continue;
			}
			/* `option x 'a b c'` is the same as three `list` lines */
			char buf[CFG_STR_MAX * CFG_LIST_MAX];
			if (strlen(values[i]) >= sizeof(buf))
				return -1;
			strcpy(buf, values[i]);
			char *save = NULL;
			for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
				if (list_add(&tmp, t))
					return -1;
		}
		*(struct cfg_list *)p = tmp;
		return 0;
	}

	if (is_list || n_values != 1)
		return -1;
	const char *s = values[0];

	switch (o->type) {
	case CFG_BOOL:
		return cfg_parse_bool(s, (bool *)p);
	case CFG_INT: {
		long v;
		if (cfg_parse_long(s, (long)o->min, (long)o->max, &v))
			return -1;
		*(int *)p = (int)v;
		return 0;
	}
	case CFG_DOUBLE:
		return cfg_parse_double(s, o->min, o->max, (double *)p);
	case CFG_STRING:
		if (strlen(s) >= CFG_STR_MAX || !text_printable_utf8(s))
			return -1;
		snprintf((char *)p, CFG_STR_MAX, "%s", s);
		return 0;
	case CFG_ENUM:
		for (int i = 0; o->enum_names[i]; i++)
			if (strcmp(s, o->enum_names[i]) == 0)
				return *(int *)p = i, 0;
		return -1;
	case CFG_LIST:
		break;
	}
	return -1;
}

int cfg_apply_defaults(const struct cfg_option *tab, void *base)
{
	for (const struct cfg_option *o = tab; o->name; o++) {
		const char *def = o->def ? o->def : "";
		if (o->type == CFG_LIST || o->type == CFG_STRING || o->def) {
			if (cfg_set(o, base, &def, 1, false))
				return -1;	/* a broken table: caught by the tests */
		} else {
			memset(field(base, o), 0, o->type == CFG_DOUBLE ? sizeof(double)
					      : o->type == CFG_BOOL ? sizeof(bool) : sizeof(int));
		}
	}
	return 0;
}

bool cfg_equal(const struct cfg_option *tab, const void *a, const void *b)
{
	for (const struct cfg_option *o = tab; o->name; o++) {
		const void *x = cfield(a, o), *y = cfield(b, o);
		switch (o->type) {
		case CFG_BOOL:
			if (*(const bool *)x != *(const bool *)y)
				return false;
			break;
		case CFG_INT:
		case CFG_ENUM:
			if (*(const int *)x != *(const int *)y)
				return false;
			break;
		case CFG_DOUBLE:
			if (*(const double *)x != *(const double *)y)
				return false;
			break;
		case CFG_STRING:
			if (strcmp(x, y))
				return false;
			break;
		case CFG_LIST: {
			const struct cfg_list *l = x, *m = y;
			if (l->n != m->n)
				return false;
			for (int i = 0; i < l->n; i++)
				if (strcmp(l->v[i], m->v[i]))
					return false;
			break;
		}
		}
	}
	return true;
}

void cfg_to_json(const struct cfg_option *tab, const void *base, struct json_object *obj)
{
	for (const struct cfg_option *o = tab; o->name; o++) {
		const void *p = cfield(base, o);
		struct json_object *v = NULL;
		switch (o->type) {
		case CFG_BOOL:
			v = json_object_new_boolean(*(const bool *)p);
			break;
		case CFG_INT:
			v = json_object_new_int(*(const int *)p);
			break;
		case CFG_DOUBLE:
			v = json_object_new_double(*(const double *)p);
			break;
		case CFG_STRING:
			v = json_object_new_string(p);
			break;
		case CFG_ENUM:
			v = json_object_new_string(o->enum_names[*(const int *)p]);
			break;
		case CFG_LIST: {
			const struct cfg_list *l = p;
			v = json_object_new_array();
			for (int i = 0; i < l->n; i++)
				json_object_array_add(v, json_object_new_string(l->v[i]));
			break;
		}
		}
		json_object_object_add(obj, o->name, v);
	}
}

static const char *type_name(const struct cfg_option *o)
{
	static const char *const names[] = { "bool", "integer", "number", "string", "enum", "list" };
	return names[o->type];
}

void cfg_print_markdown(const struct cfg_option *tab, FILE *out)
{
	fprintf(out, "| Option | Type | Default | Range / values | Meaning |\n");
	fprintf(out, "|---|---|---|---|---|\n");
	for (const struct cfg_option *o = tab; o->name; o++) {
		char range[160] = "";
		if (o->type == CFG_INT || o->type == CFG_DOUBLE)
			snprintf(range, sizeof(range), "%g – %g%s%s", o->min, o->max, o->unit ? " " : "",
				 o->unit ? o->unit : "");
		else if (o->type == CFG_ENUM) {
			size_t n = 0;
			for (int i = 0; o->enum_names[i] && n < sizeof(range); i++)
				n += (size_t)snprintf(range + n, sizeof(range) - n, "%s`%s`", i ? ", " : "",
						      o->enum_names[i]);
		}
		fprintf(out, "| `%s` | %s | %s%s%s | %s | %s |\n", o->name, type_name(o),
			o->def && *o->def ? "`" : "", o->def && *o->def ? o->def : "(empty)",
			o->def && *o->def ? "`" : "", range, o->help ? o->help : "");
	}
}
