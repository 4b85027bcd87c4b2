/*
 * metric.h - metric descriptor tables: what an object reports, described once.
 *
 * Each object that reports figures (daemon, member, probe, engine score,
 * dish) describes its struct in a table of metric_desc: field name as the
 * API shows it, type, where the value lives (offset), unit, kind (gauge,
 * counter, info) and a one-line help. The JSON replies are generated from
 * these tables (util/metric.c: metric_to_json), docs/METRICS.md too
 * (metric_print_markdown, checked by the docs_metrics test); Prometheus and
 * MQTT exporters are to walk the same tables.
 *
 * Unknown values follow sample.h: a NAN or infinite double, TRI_UNKNOWN, an
 * integer that a flag names unknown (negative, zero, the type's minimum), a
 * NULL or empty string, a NULL object pointer. Unknown is JSON null (or the
 * key is left out with METRIC_F_OMIT) -- never a made-up number.
 *
 * Header-only and pure data, like cfgtab.h: the engine declares its table
 * without linking anything.
 */
#ifndef SF_METRIC_H
#define SF_METRIC_H

#include <stddef.h>

enum metric_type {
	METRIC_DOUBLE,		/* double; NAN/inf = unknown */
	METRIC_INT,		/* int */
	METRIC_INT64,		/* int64_t */
	METRIC_UINT64,		/* uint64_t */
	METRIC_BOOL,		/* bool */
	METRIC_TRI,		/* enum tri (sample.h); TRI_UNKNOWN = unknown */
	METRIC_ENUM,		/* int shown as names->names[v - names->first] */
	METRIC_BITS,		/* int64_t bit mask shown as the list of names of its set bits */
	METRIC_STRING,		/* char[] inside the struct */
	METRIC_STRPTR,		/* const char *; NULL = unknown */
	METRIC_OBJECT,		/* struct inside the struct, described by sub */
	METRIC_OBJPTR,		/* const pointer to a struct described by sub; NULL = unknown */
	__METRIC_TYPE_MAX
};

enum metric_kind {
	METRIC_GAUGE,		/* a value now */
	METRIC_COUNTER,		/* only grows (until the object is recreated) */
	METRIC_INFO,		/* a label: names, states, addresses, versions */
	__METRIC_KIND_MAX
};

/* Integer types: which values mean "unknown". */
#define METRIC_F_NEG_UNKNOWN	0x01u	/* v < 0 */
#define METRIC_F_ZERO_UNKNOWN	0x02u	/* v == 0 (also METRIC_ENUM) */
#define METRIC_F_MIN_UNKNOWN	0x04u	/* v == INT_MIN / INT64_MIN */
/* Strings: "" is a value, not unknown (default: "" is null). */
#define METRIC_F_EMPTY_STRING	0x08u
/* Unknown: leave the key out instead of writing null (objects mostly). */
#define METRIC_F_OMIT		0x10u
/* METRIC_OBJECT: the sub-table's fields go into this object, not a nested one. */
#define METRIC_F_INLINE		0x20u

/*
 * Names of an enum or of bits: value v is names[v - first] for
 * first <= v < first + n. METRIC_ENUM: v < first is unknown; a v past the
 * end or without a name is shown as `other` (NULL: unknown). METRIC_BITS:
 * v is the bit number; set bits without a name are not listed.
 */
struct metric_names {
	const char *const *names;
	int n;
	int first;
	const char *other;
};

/* Rows are designated (METRIC() below): the order of the fields is free, so
 * the small ones share one word (28 bytes a row on 32-bit targets, not 36). */
struct metric_desc {
	const char *name;		/* JSON key; lower_snake with the unit as suffix */
	size_t offset;			/* offsetof(struct ..., field) */
	const char *unit;		/* "ms", "%", "s", "bytes", "bps", ...; NULL none */
	const char *help;		/* one line for the docs; NULL without SF_HELP_TEXT */
	const struct metric_names *names;	/* METRIC_ENUM, METRIC_BITS */
	const struct metric_desc *sub;		/* METRIC_OBJECT, METRIC_OBJPTR */
	enum metric_type type : 8;
	enum metric_kind kind : 8;
	unsigned flags : 16;		/* METRIC_F_* */
};

/*
 * One row: { METRIC("name", type, offsetof(...), unit, kind, help), .flags = ...,
 * .names = ..., .sub = ... } -- designated, so rows name only what they use.
 *
 * SF_HELP_TEXT 0 (CMake -DSF_HELP_TEXT=OFF, for router packages) compiles
 * every help text out: .help is NULL, the literal never reaches the binary.
 * The docs are generated from a build with the texts (the default).
 */
#ifndef SF_HELP_TEXT
#define SF_HELP_TEXT 1
#endif
#if SF_HELP_TEXT
#define METRIC_HELP_(h) (h)
#else
#define METRIC_HELP_(h) NULL
#endif
#define METRIC(n, t, off, u, k, h) \
	.name = (n), .type = (t), .offset = (off), .unit = (u), .kind = (k), .help = METRIC_HELP_(h)

#define METRIC_END { .name = NULL }

#endif
