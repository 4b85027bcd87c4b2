/*
 * cfgtab.h - typed option tables.
 *
 * Each module that has tunables describes them in a table of cfg_option:
 * name, type, where the value lives in the module's struct (offset), range,
 * default and a one-line help. config.c fills the structs from UCI sections
 * through these tables, checks ranges, prints the effective config, and
 * compares old and new configs on reload. Defaults live here and nowhere else.
 */
#ifndef SF_CFGTAB_H
#define SF_CFGTAB_H

#include <stdbool.h>
#include <stddef.h>

#define CFG_STR_MAX 64		/* longest string option value */
#define CFG_LIST_MAX 8		/* most entries of a list option */

enum cfg_type {
	CFG_BOOL,	/* bool: 0/1, on/off, true/false, yes/no, enabled/disabled */
	CFG_INT,	/* int, with min/max */
	CFG_DOUBLE,	/* double, with min/max */
	CFG_STRING,	/* char[CFG_STR_MAX] */
	CFG_ENUM,	/* int index into enum_names */
	CFG_LIST,	/* struct cfg_list; accepts "list" and "option" (space separated) */
};

struct cfg_list {
	int n;
	char v[CFG_LIST_MAX][CFG_STR_MAX];
};

/* Rows are positional ({ name, type, offset, min, max, def, enum_names, unit,
 * help }), so the order stays; type and offset are narrow so that min lands
 * on its 8-byte boundary without padding (40 bytes a row on 32-bit targets,
 * not 48). An offset past 65535 does not compile (-Woverflow). */
struct cfg_option {
	const char *name;
	enum cfg_type type : 8;
	unsigned short offset;		/* offsetof(struct ..., field) */
	double min, max;		/* CFG_INT/CFG_DOUBLE range, inclusive */
	const char *def;		/* default, in UCI text form; NULL = empty/0 */
	const char *const *enum_names;	/* CFG_ENUM: NULL-terminated */
	const char *unit;		/* "ms", "%", "points", ... for docs */
	const char *help;		/* one line for docs; CFG_HELP("...") */
};

/*
 * A row's help: CFG_HELP("text"). SF_HELP_TEXT 0 (CMake -DSF_HELP_TEXT=OFF,
 * for router packages) compiles the texts out (help is NULL), as METRIC()
 * does in metric.h. The rows are positional, so only the macro can drop the
 * literal; tools/cfg-help-wrap.py wraps rows that lack it (--check lists
 * them).
 */
#ifndef SF_HELP_TEXT
#define SF_HELP_TEXT 1
#endif
#if SF_HELP_TEXT
#define CFG_HELP(h) (h)
#else
#define CFG_HELP(h) NULL
#endif

#define CFG_OPT_END { .name = NULL }

#endif
