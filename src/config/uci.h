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
 *
 * Semantics (those of libuci's file.c/list.c, as `uci show <pkg>` loads a
 * file in its default strict mode):
 *  - A line holds one statement, or several separated by `;`. Keywords may be
 *    abbreviated to their first letter (`c`, `o`, `l`, `p`). The keyword ends
 *    at a space or tab only, so `config` directly followed by the newline is
 *    an "invalid command", as in uci.
 *  - Arguments are split on whitespace. An argument is made of adjacent
 *    parts, concatenated: bare text, '...' (no escapes, may span lines) and
 *    "..." (backslash takes the next character literally, may span lines; a
 *    newline inside quotes is kept in the value). Outside single quotes a
 *    backslash takes the next character literally (`\n` is `n`); a backslash
 *    at the end of a line joins the next line (CRLF too). `#` outside quotes
 *    ends the line. CR is whitespace, so CRLF files read like LF files.
 *  - Section names and option names: [A-Za-z0-9_]; section types: printable
 *    ASCII without space; `package` names also allow '-'.
 *  - A named section that appears again is reopened (options merge, the
 *    section keeps its place); with a different type it is an error.
 *  - Anonymous sections are named "cfg" + %02x of the number of sections so
 *    far + %04x of the djb hash of the type, e.g. the first `config interface`
 *    is cfg016d96 (uci hashes at creation, before any option is read).
 *  - `option x v` again: the value is replaced in place (last wins; a list
 *    becomes a scalar). `list x v` after `option x`: the scalar becomes the
 *    first list item. `option x ''` (or no value) changes nothing - uci
 *    ignores empty option values; `list x ''` appends an empty item.
 *  - Too many arguments, a missing type or option name, an option before the
 *    first section, an unterminated quote: errors.
 *  - `package <name>` is recorded in uci_file.package but, as with `uci show`
 *    of a single file, does not start another package.
 *
 * Deliberately stricter than libuci:
 *  - NUL bytes are rejected (libuci misreads them).
 *  - An unquoted word directly followed by `;` makes libuci silently drop
 *    the rest of the line (`option a 1;option b 2` loses b). If anything but
 *    blanks or a comment follows, that is an error here.
 *  - Caps below (file, line, token, name, counts); libuci has none.
 *  - An unterminated quote is reported at the line where it was opened
 *    (libuci reports the last line of the file).
 *
 * uci_parse_file() reads a small file with blocking I/O: call it at start-up
 * or reload, not from an I/O callback of the event loop.
 */
#ifndef SF_UCI_H
#define SF_UCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define UCI_MAX_FILE_BYTES (1024 * 1024)
#define UCI_MAX_LINE_BYTES 4096		/* one physical line, newline included */
#define UCI_MAX_TOKEN_BYTES 16384	/* one decoded argument (may span lines) */
#define UCI_MAX_NAME_BYTES 128		/* section type, section name, option name */
#define UCI_MAX_SECTIONS 1024		/* per file */
#define UCI_MAX_OPTIONS 256		/* per section */
#define UCI_MAX_LIST_VALUES 1024	/* per list option */

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

/*
 * An error: print it as "<file>:<line>: <msg>", or "<file>: <msg>" when line
 * is 0. msg says what was wrong and what was expected.
 */
struct uci_error {
	int line;		/* 0 when not tied to a line (e.g. cannot open) */
	char msg[256];
	char file[128];		/* name given to the parser (truncated) */
};

/* Parse a file. Returns 0 and *out (free with uci_free), or -1 with *err filled. */
int uci_parse_file(const char *path, struct uci_file **out, struct uci_error *err);

/* Parse a buffer (need not be NUL-terminated); name is used in messages. */
int uci_parse_buffer(const char *name, const char *buf, size_t len, struct uci_file **out,
		     struct uci_error *err);

void uci_free(struct uci_file *f);

/* Lookups; NULL when absent. Section names include generated ones. */
const struct uci_section *uci_find_section(const struct uci_file *f, const char *name);
const struct uci_option *uci_find_option(const struct uci_section *s, const char *name);

/* Value of a scalar option; NULL when absent or when it is a list. */
const char *uci_get_string(const struct uci_section *s, const char *name);

/*
 * Print the file as `uci show <pkg>` would: one line per section
 * (pkg.name=type) and option (pkg.name.opt='value', list items quoted and
 * separated by a space, ' written as '\''). Anonymous sections appear as
 * @type[index] unless raw_names (uci show -X). For debugging and tests.
 */
void uci_show(const struct uci_file *f, const char *pkg, bool raw_names, FILE *out);

#endif
