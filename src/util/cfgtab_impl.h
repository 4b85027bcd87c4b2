/*
 * cfgtab_impl.h - operations on cfg_option tables (cfgtab.c), used by
 * config.c and by tests. Modules only declare tables; they need not call these.
 */
#ifndef SF_CFGTAB_IMPL_H
#define SF_CFGTAB_IMPL_H

#include <stdio.h>

#include "cfgtab.h"

struct json_object;

const struct cfg_option *cfg_find(const struct cfg_option *tab, const char *name);

/* Set one option from UCI values; -1 when a value does not fit the option. */
int cfg_set(const struct cfg_option *o, void *base, const char *const *values, int n_values,
	    bool is_list);

int cfg_apply_defaults(const struct cfg_option *tab, void *base);
bool cfg_equal(const struct cfg_option *tab, const void *a, const void *b);
void cfg_to_json(const struct cfg_option *tab, const void *base, struct json_object *obj);
void cfg_print_markdown(const struct cfg_option *tab, FILE *out);
void cfg_expectation(const struct cfg_option *o, char *buf, size_t len);

int cfg_parse_bool(const char *s, bool *out);
int cfg_parse_long(const char *s, long min, long max, long *out);
int cfg_parse_double(const char *s, double min, double max, double *out);

#endif
