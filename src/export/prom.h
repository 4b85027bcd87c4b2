/*
 * prom.h - Prometheus text exposition (format 0.0.4) of objects described by
 * metric tables (types/metric.h).
 *
 * The values are read from the JSON the same table produced (the API's
 * replies, metric_to_json): the exporter shows exactly what `status` and
 * `metrics` show, collectors' objects (the dish) included, with no code of
 * its own per object. One call writes one metric family per numeric or
 * text leaf of the table, one sample per instance (a member, say), so every
 * family's lines stay together as the format wants.
 *
 * Names: `<prefix>_<dotted path with _>`, the table's unit turned into
 * the Prometheus base unit (ms and s -> _seconds, kB and bytes -> _bytes,
 * % -> _ratio, bps and Mbit/s -> _bits_per_second; values scaled to match),
 * counters end in _total. Kind gauge and info numbers are gauges, counters
 * counters; booleans 0/1. Text (kind info) becomes `<name>_info{<field>=
 * "value"} 1`. Unknown values (JSON null, a key left out) are no sample:
 * never a made-up number. HELP is the table's help. Label values and HELP
 * are escaped; text that is not printable UTF-8 is sanitized.
 *
 * Output goes to a bounded buffer: past max_bytes it is marked overflowed
 * and stops growing.
 */
#ifndef SF_PROM_H
#define SF_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metric.h"

struct json_object;

struct prom_out {
	char *buf;
	size_t len, cap, max_bytes;
	bool overflow;		/* max_bytes reached or out of memory: the text is cut */
	uint64_t *families;	/* hashes of the family names written: each once */
	size_t n_families, cap_families;
};

/* Empty buffer that may grow to max_bytes. */
void prom_out_init(struct prom_out *o, size_t max_bytes);
void prom_out_free(struct prom_out *o);
void prom_out_printf(struct prom_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct prom_label {
	const char *name, *value;
};

/* One object that a family has a sample of: its JSON and its labels. */
struct prom_instance {
	const struct json_object *obj;
	const struct prom_label *labels;
	int n_labels;
};

/*
 * Text fields left out: dotted paths as in docs/METRICS.md ("reason_text",
 * "controller.error"), NULL-terminated. Free text would make a new series
 * at every change.
 */
struct prom_table_opts {
	const char *prefix;			/* "starfail_member" */
	const char *const *skip;		/* NULL: none */
};

/* Write every family of tab with one sample per instance (those that have a value). */
void prom_write_table(struct prom_out *o, const struct prom_table_opts *opts,
		      const struct metric_desc *tab, const struct prom_instance *inst, int n_inst);

/*
 * One family by hand: HELP (left out when help is NULL or empty, as all are
 * without SF_HELP_TEXT) and TYPE ("gauge", "counter"). false (nothing
 * written) when a family of that name was written already: two descriptors
 * that map to one name (member.probe_bytes_per_day, probe.bytes_per_day)
 * give the first one's samples only.
 */
bool prom_write_header(struct prom_out *o, const char *name, const char *type, const char *help);
/* One sample line of the family name. */
void prom_write_sample(struct prom_out *o, const char *name, const struct prom_label *labels,
		       int n_labels, double v);

/*
 * The Prometheus name of a descriptor leaf: "<prefix>_<path>" with the unit
 * made a base unit (see above); *scale is what the value is multiplied by.
 * false when it does not fit len.
 */
bool prom_metric_name(char *buf, size_t len, const char *prefix, const char *path,
		      const struct metric_desc *d, double *scale);

#endif
