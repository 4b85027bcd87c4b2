/*
 * uci.h - a small, strict reader of the UCI file format (/etc/config/<pkg>).
 *
 * libuci is not packaged outside OpenWrt, so Starfail reads the format
 * itself: `package`, `config <type> ['name']`, `option <name> <value>`,
 * `list <name> <value>`, single/double quotes, backslash escapes, comments,
 * line continuations, anonymous and named sections - with the same result
 * `uci show` would give for the file. It knows nothing of Starfail's schema:
 * config.c maps sections onto typed structs.
 *
 * Every error carries the file name, line and a message saying what was
 * expected. Sizes are capped (file, line, sections, values) so hostile input
 * cannot make it allocate without bound.
 */
#ifndef SF_UCI_H
#define SF_UCI_H

#include <stdbool.h>
#include <stddef.h>

#define UCI_MAX_FILE_BYTES (1024 * 1024)

struct uci_option {
	char *name;
	bool is_list;		/* set with `list`: values[0..n_values-1]; else n_values == 1 */
	int n_values;
	char **values;
	int line;		/* line of the last statement that set it */
};

struct uci_section {
	char *type;
	char *name;		/* named: as written; anonymous: generated "cfgNNxxxx" as uci does */
	bool anonymous;
	int line;		/* line of the `config` statement */
	int n_options;
	struct uci_option *options;
};

struct uci_file {
	char *path;		/* as given to the parser, for messages */
	char *package;		/* `package` statement, or NULL */
	int n_sections;
	struct uci_section *sections;
};

struct uci_error {
	int line;		/* 0 when not tied to a line (e.g. cannot open) */
	char msg[256];
};

/* Parse a file. Returns 0 and *out (free with uci_free), or -1 with *err filled. */
int uci_parse_file(const char *path, struct uci_file **out, struct uci_error *err);

/* Parse a buffer (need not be NUL-terminated); name is used in messages. */
int uci_parse_buffer(const char *name, const char *buf, size_t len, struct uci_file **out,
		     struct uci_error *err);

void uci_free(struct uci_file *f);

/* Lookups; NULL when absent. */
const struct uci_section *uci_find_section(const struct uci_file *f, const char *name);
const struct uci_option *uci_find_option(const struct uci_section *s, const char *name);

#endif
