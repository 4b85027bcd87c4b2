/*
 * metric_impl.h - operations on metric_desc tables (metric.c): JSON, docs,
 * table checks. Modules only declare tables (metric.h); the daemon and the
 * tools call these.
 */
#ifndef SF_METRIC_IMPL_H
#define SF_METRIC_IMPL_H

#include <stdbool.h>
#include <stdio.h>

#include "metric.h"

struct json_object;

/*
 * Add one key per descriptor of tab to obj, the values read from the
 * struct at base. Unknown values are null (or left out, METRIC_F_OMIT);
 * strings are sanitized (text.h). Nested objects are built the same way.
 */
void metric_to_json(const struct metric_desc *tab, const void *base, struct json_object *obj);

/* A new object with the fields of tab (caller puts it). */
struct json_object *metric_object(const struct metric_desc *tab, const void *base);

/*
 * The value of a numeric descriptor (double, integers, bool, tri) as a
 * double; false when it is unknown or not numeric (for exporters).
 */
bool metric_number(const struct metric_desc *d, const void *base, double *out);

/* Is this value unknown (null in JSON)? */
bool metric_unknown(const struct metric_desc *d, const void *base);

/*
 * A Markdown table of every field of tab, nested objects as dotted names
 * under prefix (NULL or "" for none).
 */
void metric_print_markdown(const struct metric_desc *tab, const char *prefix, FILE *out);

/*
 * Check a table (and its nested tables): lower_snake names, unique within an
 * object, help present, names/sub set where the type needs them, counters
 * integral. -1 with the first problem in err.
 */
int metric_check(const struct metric_desc *tab, char *err, size_t len);

#endif
