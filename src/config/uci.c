/*
 * uci.c - reader of the UCI file format; semantics and deliberate
 * differences from libuci are listed in uci.h.
 *
 * The input is read one physical line at a time, as libuci does: a line is
 * [start, lim) of the buffer, newline included. Quotes and a backslash at the
 * end of a line pull in the next line; `#` and a `;` right after an unquoted
 * word cut the line short (lim moves back). Decoded arguments go to fixed
 * scratch buffers of UCI_MAX_TOKEN_BYTES, then into the result, whose arrays
 * grow to at most the caps of uci.h.
 */
#include "uci.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct token {
	size_t len;
	char text[UCI_MAX_TOKEN_BYTES + 1];
};

enum { TOK_A, TOK_B, TOK_EXTRA, __TOK_MAX };

struct parser {
	const char *buf;
	size_t len;
	size_t pos;		/* next byte to read */
	size_t lim;		/* end of the text currently readable */
	size_t next_line;	/* start of the first physical line not read yet */
	int line;		/* physical line being read, 1-based */
	int cur;		/* index of the open section, -1 before the first */
	struct uci_file *f;
	struct uci_error *err;
	struct token tok[__TOK_MAX];
};

enum keyword { KW_PACKAGE, KW_CONFIG, KW_OPTION, KW_LIST };

static const char *const keyword_names[] = {
	[KW_PACKAGE] = "package",
	[KW_CONFIG] = "config",
	[KW_OPTION] = "option",
	[KW_LIST] = "list",
};

/* ---------------------------------------------------------------- errors */

__attribute__((format(printf, 3, 4)))
static int fail(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	p->err->line = line;
	return -1;
}

/* A short printable excerpt of untrusted text for messages. */
static const char *excerpt(char *dst, size_t size, const char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 4 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (i < n) {
		dst[o++] = '.';
		dst[o++] = '.';
		dst[o++] = '.';
	}
	dst[o] = '\0';
	return dst;
}

/* ------------------------------------------------------- character level */

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static int cur(const struct parser *p)
{
	return p->pos < p->lim ? (unsigned char)p->buf[p->pos] : 0;
}

static void skip_space(struct parser *p)
{
	while (cur(p) && is_space(cur(p)))
		p->pos++;
}

/* Make the next physical line readable. 1: done, 0: end of input, -1: error. */
static int load_line(struct parser *p)
{
	size_t start = p->next_line, end, max;
	const char *nl, *nul;

	if (start >= p->len)
		return 0;
	max = p->len - start;
	if (max > UCI_MAX_LINE_BYTES + 1)
		max = UCI_MAX_LINE_BYTES + 1;
	nl = memchr(p->buf + start, '\n', max);
	end = nl ? (size_t)(nl - p->buf) + 1 : start + max;
	p->line++;
	if (end - start > UCI_MAX_LINE_BYTES)
		return fail(p, p->line, "line longer than %d bytes", UCI_MAX_LINE_BYTES);
	nul = memchr(p->buf + start, '\0', end - start);
	if (nul)
		return fail(p, p->line, "NUL byte at column %zu: expected text",
			    (size_t)(nul - (p->buf + start)) + 1);
	p->pos = start;
	p->lim = end;
	p->next_line = end;
	return 1;
}

/*
 * After a backslash (p->pos is past it): does it end the line? uci joins
 * the next line when the backslash is last, or followed by LF or CRLF.
 */
static bool at_line_join(const struct parser *p)
{
	size_t i = p->pos;

	if (i >= p->lim || p->buf[i] == '\n')
		return true;
	return p->buf[i] == '\r' && i + 2 == p->lim && p->buf[i + 1] == '\n';
}

/* Continue on the next line; at end of input nothing more is readable. */
static int join_line(struct parser *p)
{
	int r = load_line(p);

	if (r == 0)
		p->pos = p->lim;
	return r < 0 ? -1 : 0;
}

static int tok_add(struct parser *p, struct token *t, char c)
{
	if (t->len >= UCI_MAX_TOKEN_BYTES)
		return fail(p, p->line, "argument longer than %d bytes", UCI_MAX_TOKEN_BYTES);
	t->text[t->len++] = c;
	return 0;
}

/* ----------------------------------------------------------- arguments */

static int read_quoted(struct parser *p, struct token *t, char quote)
{
	int open_line = p->line;
	int r;

	p->pos++;
	for (;;) {
		if (p->pos >= p->lim) {
			r = load_line(p);
			if (r < 0)
				return -1;
			if (r == 0)
				return fail(p, open_line,
					    "unterminated %c-quoted string: expected a closing %c before the end of the file",
					    quote, quote);
			continue;
		}
		char c = p->buf[p->pos];

		if (c == quote) {
			p->pos++;
			return 0;
		}
		if (c == '\\' && quote == '"') {
			p->pos++;
			if (at_line_join(p)) {
				if (join_line(p) < 0)
					return -1;
				continue;
			}
			c = p->buf[p->pos];
		}
		if (tok_add(p, t, c) < 0)
			return -1;
		p->pos++;
	}
}

/*
 * One argument made of adjacent bare/quoted parts, ended by whitespace (which
 * is consumed), `#` (rest of line dropped), `;` (left for the caller) or the
 * end of the line.
 */
static int read_word(struct parser *p, struct token *t)
{
	bool verbatim = true, semicolon = false;
	int c;

	do {
		c = cur(p);
		if (c == '\'' || c == '"') {
			verbatim = false;
			if (read_quoted(p, t, (char)c) < 0)
				return -1;
		} else if (c == '#') {
			p->lim = p->pos;
			break;
		} else if (c == 0) {
			break;
		} else if (c == ';') {
			semicolon = true;
			break;
		} else {
			if (c == '\\') {
				verbatim = false;
				p->pos++;
				if (at_line_join(p)) {
					if (join_line(p) < 0)
						return -1;
					continue;
				}
				c = (unsigned char)p->buf[p->pos];
			}
			if (tok_add(p, t, (char)c) < 0)
				return -1;
			p->pos++;
		}
	} while (cur(p) && !is_space(cur(p)));

	if (!semicolon) {
		if (cur(p))
			p->pos++;
		return 0;
	}
	if (verbatim) {
		/* libuci overwrites this ';' and so loses the rest of the line */
		size_t q = p->pos + 1;

		while (q < p->lim && is_space((unsigned char)p->buf[q]))
			q++;
		if (q < p->lim && p->buf[q] != '#')
			return fail(p, p->line,
				    "';' right after an unquoted word: uci would ignore the rest of the line; expected a space before ';' or a quoted word");
		p->lim = p->pos;
	}
	return 0;
}

/* Next argument into t; an empty one at the end of the line or at a ';'. */
static int next_arg(struct parser *p, struct token *t)
{
	t->len = 0;
	skip_space(p);
	if (cur(p) == ';') {
		p->pos++;
	} else if (read_word(p, t) < 0) {
		return -1;
	}
	t->text[t->len] = '\0';
	return 0;
}

static int assert_end(struct parser *p)
{
	struct token *t = &p->tok[TOK_EXTRA];
	char ex[40];

	if (next_arg(p, t) < 0)
		return -1;
	if (t->len)
		return fail(p, p->line, "too many arguments: expected the end of the statement, found '%s'",
			    excerpt(ex, sizeof(ex), t->text, t->len));
	return 0;
}

/* what: "section name", allow_dash for package names */
static int check_name(struct parser *p, const struct token *t, const char *what, bool allow_dash)
{
	char ex[40];
	size_t i;

	if (t->len > UCI_MAX_NAME_BYTES)
		return fail(p, p->line, "%s is %zu bytes, longer than the %d-byte limit", what,
			    t->len, UCI_MAX_NAME_BYTES);
	for (i = 0; i < t->len; i++) {
		int c = (unsigned char)t->text[i];

		if (!is_name_char(c) && !(allow_dash && c == '-'))
			return fail(p, p->line, "invalid %s '%s': expected only letters, digits%s and '_'",
				    what, excerpt(ex, sizeof(ex), t->text, t->len),
				    allow_dash ? ", '-'" : "");
	}
	return 0;
}

static int check_type(struct parser *p, const struct token *t)
{
	char ex[40];
	size_t i;

	if (t->len > UCI_MAX_NAME_BYTES)
		return fail(p, p->line, "section type is %zu bytes, longer than the %d-byte limit",
			    t->len, UCI_MAX_NAME_BYTES);
	for (i = 0; i < t->len; i++) {
		unsigned char c = (unsigned char)t->text[i];

		if (c < 33 || c > 126)
			return fail(p, p->line,
				    "invalid section type '%s': expected printable ASCII without spaces",
				    excerpt(ex, sizeof(ex), t->text, t->len));
	}
	return 0;
}

/* ------------------------------------------------------------ the model */

/*
 * Room for one more element in an array of n that grows 4, 8, 16, ...:
 * returns the (possibly moved) array, NULL when out of memory.
 */
static void *grow(void *arr, int n, size_t elsize)
{
	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return arr;
	return realloc(arr, (n ? (size_t)n * 2 : 4) * elsize);
}

static uint32_t djb_hash(const char *s)
{
	uint32_t h = 5381;

	while (*s)
		h = h * 33 + (uint32_t)(unsigned char)*s++;
	return h & 0x7fffffff;
}

static int section_open(struct parser *p, const struct token *type, const struct token *name,
			int line)
{
	struct uci_file *f = p->f;
	struct uci_section *s;
	char gen[32];
	int i;

	if (name->len) {
		for (i = 0; i < f->n_sections; i++) {
			s = &f->sections[i];
			if (strcmp(s->name, name->text) != 0)
				continue;
			if (strcmp(s->type, type->text) != 0)
				return fail(p, line,
					    "section '%s' declared again with type '%s' (line %d has type '%s'): expected the same type",
					    s->name, type->text, s->line, s->type);
			p->cur = i;
			return 0;
		}
	}
	if (f->n_sections >= UCI_MAX_SECTIONS)
		return fail(p, line, "more than %d sections", UCI_MAX_SECTIONS);
	s = grow(f->sections, f->n_sections, sizeof(*f->sections));
	if (!s)
		return fail(p, line, "out of memory");
	f->sections = s;
	s = &f->sections[f->n_sections++];
	memset(s, 0, sizeof(*s));
	s->line = line;
	s->anonymous = name->len == 0;
	if (s->anonymous) {
		snprintf(gen, sizeof(gen), "cfg%02x%04x", (unsigned)f->n_sections,
			 (unsigned)(djb_hash(type->text) % (1u << 16)));
		s->name = strdup(gen);
	} else {
		s->name = strdup(name->text);
	}
	s->type = strdup(type->text);
	if (!s->name || !s->type)
		return fail(p, line, "out of memory");
	p->cur = f->n_sections - 1;
	return 0;
}

static void option_clear(struct uci_option *o)
{
	int i;

	for (i = 0; i < o->n_values; i++)
		free(o->values[i]);
	free(o->values);
	o->values = NULL;
	o->n_values = 0;
}

static struct uci_option *option_new(struct parser *p, struct uci_section *s, const char *name,
				     int line)
{
	struct uci_option *o;

	if (s->n_options >= UCI_MAX_OPTIONS) {
		fail(p, line, "section '%s' has more than %d options", s->name, UCI_MAX_OPTIONS);
		return NULL;
	}
	o = grow(s->options, s->n_options, sizeof(*s->options));
	if (!o)
		goto oom;
	s->options = o;
	o = &s->options[s->n_options];
	memset(o, 0, sizeof(*o));
	o->name = strdup(name);
	if (!o->name)
		goto oom;
	s->n_options++;
	return o;
oom:
	fail(p, line, "out of memory");
	return NULL;
}

static int value_append(struct parser *p, struct uci_option *o, const char *value, int line)
{
	char **values;
	char *v;

	if (o->n_values >= UCI_MAX_LIST_VALUES)
		return fail(p, line, "list '%s' has more than %d values", o->name, UCI_MAX_LIST_VALUES);
	values = grow(o->values, o->n_values, sizeof(*o->values));
	if (!values)
		return fail(p, line, "out of memory");
	o->values = values;
	v = strdup(value);
	if (!v)
		return fail(p, line, "out of memory");
	o->values[o->n_values++] = v;
	return 0;
}

static int option_set(struct parser *p, const char *name, const char *value, bool list, int line)
{
	struct uci_section *s = &p->f->sections[p->cur];
	struct uci_option *o;

	if (!list && !value[0])
		return 0;	/* uci ignores an empty option value */
	o = (struct uci_option *)uci_find_option(s, name);
	if (!o) {
		o = option_new(p, s, name, line);
		if (!o)
			return -1;
	} else if (!list) {
		option_clear(o);
	}
	/* a list keeps its items (a scalar becomes the first); option replaces */
	o->is_list = list;
	o->line = line;
	return value_append(p, o, value, line);
}

/* ----------------------------------------------------------- statements */

static int stmt_package(struct parser *p)
{
	struct token *name = &p->tok[TOK_A];

	if (next_arg(p, name) < 0)
		return -1;
	if (!name->len)
		return fail(p, p->line, "expected a package name after 'package'");
	if (check_name(p, name, "package name", true) < 0 || assert_end(p) < 0)
		return -1;
	free(p->f->package);
	p->f->package = strdup(name->text);
	if (!p->f->package)
		return fail(p, p->line, "out of memory");
	return 0;
}

static int stmt_config(struct parser *p)
{
	struct token *type = &p->tok[TOK_A], *name = &p->tok[TOK_B];
	int line = p->line;

	if (next_arg(p, type) < 0)
		return -1;
	if (!type->len)
		return fail(p, p->line, "expected a section type after 'config'");
	if (check_type(p, type) < 0)
		return -1;
	if (next_arg(p, name) < 0)
		return -1;
	if (name->len && check_name(p, name, "section name", false) < 0)
		return -1;
	if (assert_end(p) < 0)
		return -1;
	return section_open(p, type, name, line);
}

static int stmt_option(struct parser *p, bool list)
{
	struct token *name = &p->tok[TOK_A], *value = &p->tok[TOK_B];
	int line = p->line;

	if (next_arg(p, name) < 0)
		return -1;
	if (!name->len)
		return fail(p, p->line, "expected an option name after '%s'", list ? "list" : "option");
	if (check_name(p, name, "option name", false) < 0)
		return -1;
	if (next_arg(p, value) < 0 || assert_end(p) < 0)
		return -1;
	return option_set(p, name->text, value->text, list, line);
}

static int keyword(const char *w, size_t n)
{
	int k;

	for (k = KW_PACKAGE; k <= KW_LIST; k++)
		if (w[0] == keyword_names[k][0] &&
		    (n == 1 || (n == strlen(keyword_names[k]) && memcmp(w, keyword_names[k], n) == 0)))
			return k;
	return -1;
}

/* The statements of one line (joined lines included), separated by ';'. */
static int parse_line(struct parser *p)
{
	char ex[40];
	size_t start;
	int k, r;

	skip_space(p);
	for (;;) {
		while (cur(p) == ' ' || cur(p) == '\t')
			p->pos++;
		if (!cur(p) || cur(p) == '#')
			return 0;
		start = p->pos;
		while (cur(p) && cur(p) != ' ' && cur(p) != '\t')
			p->pos++;
		k = keyword(p->buf + start, p->pos - start);
		if (k < 0)
			return fail(p, p->line,
				    "expected 'config', 'option', 'list' or 'package', found '%s'",
				    excerpt(ex, sizeof(ex), p->buf + start, p->pos - start));
		if ((k == KW_OPTION || k == KW_LIST) && p->cur < 0)
			return fail(p, p->line,
				    "'%s' before the first section: expected a 'config <type> [name]' line first",
				    keyword_names[k]);
		if (!cur(p))
			return fail(p, p->line, "expected arguments after '%s'", keyword_names[k]);
		p->pos++;
		if (k == KW_PACKAGE)
			r = stmt_package(p);
		else if (k == KW_CONFIG)
			r = stmt_config(p);
		else
			r = stmt_option(p, k == KW_LIST);
		if (r < 0)
			return -1;
	}
}

/* ---------------------------------------------------------------- API */

void uci_free(struct uci_file *f)
{
	int i, j;

	if (!f)
		return;
	for (i = 0; i < f->n_sections; i++) {
		struct uci_section *s = &f->sections[i];

		for (j = 0; j < s->n_options; j++) {
			option_clear(&s->options[j]);
			free(s->options[j].name);
		}
		free(s->options);
		free(s->type);
		free(s->name);
	}
	free(f->sections);
	free(f->package);
	free(f->path);
	free(f);
}

int uci_parse_buffer(const char *name, const char *buf, size_t len, struct uci_file **out,
		     struct uci_error *err)
{
	struct uci_error dummy;
	struct parser *p;
	struct uci_file *f;
	int r;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	if (!name)
		name = "(buffer)";
	snprintf(err->file, sizeof(err->file), "%s", name);
	if (!out)
		return -1;
	*out = NULL;
	if (len > UCI_MAX_FILE_BYTES) {
		snprintf(err->msg, sizeof(err->msg), "%zu bytes, larger than the %d-byte limit",
			 len, UCI_MAX_FILE_BYTES);
		return -1;
	}
	f = calloc(1, sizeof(*f));
	p = calloc(1, sizeof(*p));
	if (f)
		f->path = strdup(name);
	if (!f || !p || !f->path) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		uci_free(f);
		free(p);
		return -1;
	}
	p->buf = buf ? buf : "";
	p->len = buf ? len : 0;
	p->cur = -1;
	p->f = f;
	p->err = err;
	while ((r = load_line(p)) == 1)
		if (parse_line(p) < 0) {
			r = -1;
			break;
		}
	free(p);
	if (r < 0) {
		uci_free(f);
		return -1;
	}
	*out = f;
	return 0;
}

int uci_parse_file(const char *path, struct uci_file **out, struct uci_error *err)
{
	struct uci_error dummy;
	size_t len = 0, cap = 0;
	char *buf = NULL;
	struct stat st;
	int fd, r, e;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	if (!out || !path)
		return -1;
	snprintf(err->file, sizeof(err->file), "%s", path);
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err->msg, sizeof(err->msg), "expected a regular file");
		close(fd);
		return -1;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *q;

			if (cap > UCI_MAX_FILE_BYTES) {
				snprintf(err->msg, sizeof(err->msg), "larger than the %d-byte limit",
					 UCI_MAX_FILE_BYTES);
				goto fail;
			}
			if (ncap > (size_t)UCI_MAX_FILE_BYTES + 1)
				ncap = (size_t)UCI_MAX_FILE_BYTES + 1;
			q = realloc(buf, ncap);
			if (!q) {
				snprintf(err->msg, sizeof(err->msg), "out of memory");
				goto fail;
			}
			buf = q;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			snprintf(err->msg, sizeof(err->msg), "read error: %s", strerror(e));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	r = uci_parse_buffer(path, buf, len, out, err);
	free(buf);
	return r;
fail:
	close(fd);
	free(buf);
	return -1;
}

const struct uci_section *uci_find_section(const struct uci_file *f, const char *name)
{
	int i;

	if (!f || !name)
		return NULL;
	for (i = 0; i < f->n_sections; i++)
		if (strcmp(f->sections[i].name, name) == 0)
			return &f->sections[i];
	return NULL;
}

const struct uci_option *uci_find_option(const struct uci_section *s, const char *name)
{
	int i;

	if (!s || !name)
		return NULL;
	for (i = 0; i < s->n_options; i++)
		if (strcmp(s->options[i].name, name) == 0)
			return &s->options[i];
	return NULL;
}

const char *uci_get_string(const struct uci_section *s, const char *name)
{
	const struct uci_option *o = uci_find_option(s, name);

	return o && !o->is_list && o->n_values == 1 ? o->values[0] : NULL;
}

static void show_value(const char *v, FILE *out)
{
	fputc('\'', out);
	for (; *v; v++)
		if (*v == '\'')
			fputs("'\\''", out);
		else
			fputc(*v, out);
	fputc('\'', out);
}

void uci_show(const struct uci_file *f, const char *pkg, bool raw_names, FILE *out)
{
	char ref[UCI_MAX_NAME_BYTES + 16];
	int i, j, k, idx;

	for (i = 0; i < f->n_sections; i++) {
		const struct uci_section *s = &f->sections[i];

		if (s->anonymous && !raw_names) {
			for (idx = 0, j = 0; j < i; j++)
				idx += strcmp(f->sections[j].type, s->type) == 0;
			snprintf(ref, sizeof(ref), "@%s[%d]", s->type, idx);
		} else {
			snprintf(ref, sizeof(ref), "%s", s->name);
		}
		fprintf(out, "%s.%s=%s\n", pkg, ref, s->type);
		for (j = 0; j < s->n_options; j++) {
			const struct uci_option *o = &s->options[j];

			fprintf(out, "%s.%s.%s=", pkg, ref, o->name);
			for (k = 0; k < o->n_values; k++) {
				if (k)
					fputc(' ', out);
				show_value(o->values[k], out);
			}
			fputc('\n', out);
		}
	}
}
