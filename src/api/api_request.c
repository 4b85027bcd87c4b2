/*
 * api_request.c - one API request from bytes to a reply, without a socket
 * (api.h). The server (api.c) and fuzz/fuzz_api.c run this same code.
 *
 * json-c builds the tree, but it is too lenient to decide alone: it keeps
 * the last of duplicate keys ({"method":"status","method":"reload"} would
 * reload), cuts keys at a \u0000 (json_object_get_string() cuts values
 * there too: "lo1\u0000x" reads as "lo1"), and even with
 * JSON_TOKENER_STRICT it takes 'single quotes', NaN and raw control
 * characters. So the bytes json-c consumed get a second, strict pass
 * (check_text) that refuses what is not RFC 8259 JSON, any NUL in a
 * string, and counts the members of every object in document order; then
 * the tree json-c built is walked in the same order (check_tree) and each
 * object must hold as many members as the text has. json-c merges a
 * duplicate into its first occurrence, so any duplicate leaves some object
 * shorter than its text, and the first such object is met at the same
 * place in both walks. Keys are never decoded here: equality is json-c's
 * own (escapes like "\u006dethod" included), so the two passes cannot
 * disagree about which keys are the same.
 */
#include "api.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "text.h"

struct api_reqparse {
	struct json_tokener *tok;
	char *buf;			/* every byte received, for check_text */
	size_t len, cap, max_bytes;
	int containers;			/* '{' and '[' seen (also inside strings: conservative) */
};

struct api_reqparse *api_reqparse_new(int max_request_bytes)
{
	struct api_reqparse *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->tok = json_tokener_new_ex(API_MAX_DEPTH);
	if (!p->tok) {
		free(p);
		return NULL;
	}
	json_tokener_set_flags(p->tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS |
					       JSON_TOKENER_VALIDATE_UTF8);
	p->max_bytes = max_request_bytes > 0 ? (size_t)max_request_bytes : 0;
	return p;
}

void api_reqparse_free(struct api_reqparse *p)
{
	if (!p)
		return;
	json_tokener_free(p->tok);
	free(p->buf);
	free(p);
}

void api_request_release(struct api_request *req)
{
	json_object_put(req->root);
	memset(req, 0, sizeof(*req));
}

static enum api_parse fail(struct api_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static enum api_parse fail(struct api_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return API_PARSE_ERROR;
}

/* The string starting at s[*i] == '"'; leaves *i after the closing quote. */
static enum api_parse check_string(const char *s, size_t len, size_t *i, struct api_error *err)
{
	size_t at = *i;
	for (size_t k = at + 1; k < len; k++) {
		unsigned char c = (unsigned char)s[k];
		if (c == '"') {
			*i = k + 1;
			return API_PARSE_DONE;
		}
		if (c == 0)
			return fail(err, API_ERR_INVALID, "a string holds a NUL character (byte %zu)", k);
		if (c < 0x20)
			return fail(err, API_ERR_PARSE, "not valid JSON: raw control character in a string (byte %zu)", k);
		if (c != '\\')
			continue;
		if (++k >= len)
			break;
		c = (unsigned char)s[k];
		if (strchr("\"\\/bfnrt", c) && c)
			continue;
		if (c != 'u' || k + 4 >= len)
			return fail(err, API_ERR_PARSE, "not valid JSON: bad escape in a string (byte %zu)", k - 1);
		int v = 0;
		for (int h = 1; h <= 4; h++) {
			int d = text_hexval((unsigned char)s[k + h]);
			if (d < 0)
				return fail(err, API_ERR_PARSE, "not valid JSON: bad \\u escape (byte %zu)", k - 1);
			v = v * 16 + d;
		}
		if (v == 0)
			return fail(err, API_ERR_INVALID, "a string holds a NUL character (\\u0000 at byte %zu)", k - 1);
		k += 4;
	}
	return fail(err, API_ERR_PARSE, "not valid JSON: unterminated string (byte %zu)", at);
}

/* A number or true/false/null at s[*i]; leaves *i after it. */
static enum api_parse check_word(const char *s, size_t len, size_t *i, struct api_error *err)
{
	size_t k = *i;
	while (k < len && (strchr("+-.eE", s[k]) || (s[k] >= '0' && s[k] <= '9') ||
			   (s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z')) && s[k])
		k++;
	size_t n = k - *i;
	const char *w = s + *i;
	bool number = n > 0 && (w[0] == '-' || (w[0] >= '0' && w[0] <= '9'));
	for (size_t j = 0; number && j < n; j++)
		number = !((w[j] >= 'a' && w[j] <= 'z' && w[j] != 'e') || (w[j] >= 'A' && w[j] <= 'Z' && w[j] != 'E'));
	bool literal = (n == 4 && (!memcmp(w, "true", 4) || !memcmp(w, "null", 4))) ||
		       (n == 5 && !memcmp(w, "false", 5));
	if (!number && !literal)
		return fail(err, API_ERR_PARSE, "not valid JSON: unexpected character at byte %zu", *i);
	*i = k;
	return API_PARSE_DONE;
}

/*
 * The strict pass over the text json-c accepted: members[o] is the number
 * of members of the o-th object in document order, at[o] where it starts.
 */
static enum api_parse check_text(const char *s, size_t len, int *members, size_t *at, int *n_obj,
				 struct api_error *err)
{
	int stack[API_MAX_DEPTH + 2];	/* object index, or -1 for an array */
	int depth = 0, total = 0;
	*n_obj = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		enum api_parse r = API_PARSE_DONE;
		switch (c) {
		case ' ': case '\t': case '\n': case '\r': case ',':
			i++;
			break;
		case '{': case '[':
			if (depth >= API_MAX_DEPTH + 1 || *n_obj >= API_MAX_CONTAINERS)
				return fail(err, API_ERR_TOO_LARGE, "request nested or sized beyond the limits");
			if (c == '{') {
				members[*n_obj] = 0;
				at[*n_obj] = i;
				stack[depth++] = (*n_obj)++;
			} else {
				stack[depth++] = -1;
			}
			i++;
			break;
		case '}': case ']':
			if (depth == 0 || (stack[depth - 1] < 0) != (c == ']'))
				return fail(err, API_ERR_PARSE, "not valid JSON: unbalanced '%c' at byte %zu", c, i);
			depth--;
			i++;
			break;
		case ':':
			if (depth == 0 || stack[depth - 1] < 0)
				return fail(err, API_ERR_PARSE, "not valid JSON: ':' outside an object at byte %zu", i);
			members[stack[depth - 1]]++;
			if (++total > API_MAX_MEMBERS)
				return fail(err, API_ERR_TOO_LARGE, "request has more than %d object members",
					    API_MAX_MEMBERS);
			i++;
			break;
		case '"':
			r = check_string(s, len, &i, err);
			break;
		default:
			r = check_word(s, len, &i, err);
		}
		if (r == API_PARSE_ERROR)
			return r;
		if (depth == 0 && c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return API_PARSE_DONE;	/* the value is complete: what follows is ignored */
	}
	if (depth)
		return fail(err, API_ERR_PARSE, "not valid JSON: unbalanced containers");
	return API_PARSE_DONE;
}

/* Pre-order walk of json-c's tree against the counts of check_text. */
static bool check_tree(struct json_object *o, const int *members, int n_obj, int *idx, int depth)
{
	if (depth > API_MAX_DEPTH + 1)
		return false;
	if (json_object_is_type(o, json_type_object)) {
		if (*idx >= n_obj || json_object_object_length(o) != members[*idx])
			return false;
		(*idx)++;
		json_object_object_foreach(o, key, val) {
			(void)key;
			if (!check_tree(val, members, n_obj, idx, depth + 1))
				return false;
		}
	} else if (json_object_is_type(o, json_type_array)) {
		size_t n = json_object_array_length(o);
		for (size_t k = 0; k < n; k++)
			if (!check_tree(json_object_array_get_idx(o, k), members, n_obj, idx, depth + 1))
				return false;
	}
	return true;
}

static enum api_parse check_request(struct json_object *root, const char *text, size_t len,
				    struct api_request *req, struct api_error *err)
{
	int members[API_MAX_CONTAINERS];
	size_t at[API_MAX_CONTAINERS];
	int n_obj = 0, idx = 0;
	if (check_text(text, len, members, at, &n_obj, err) == API_PARSE_ERROR)
		return API_PARSE_ERROR;
	if (!check_tree(root, members, n_obj, &idx, 0) || idx != n_obj)
		return fail(err, API_ERR_INVALID, "duplicate key in the object at byte %zu: a request must be unambiguous",
			    n_obj == 0 ? (size_t)0 : at[idx < n_obj ? idx : n_obj - 1]);

	struct json_object *jm, *jp = NULL;
	if (!json_object_is_type(root, json_type_object) || !json_object_object_get_ex(root, "method", &jm) ||
	    !json_object_is_type(jm, json_type_string))
		return fail(err, API_ERR_INVALID, "expected {\"method\": string, \"params\": object}");
	if (json_object_object_get_ex(root, "params", &jp) && jp && !json_object_is_type(jp, json_type_object))
		return fail(err, API_ERR_INVALID, "\"params\" must be an object");
	req->root = root;
	req->method = json_object_get_string(jm);
	req->params = jp;
	return API_PARSE_DONE;
}

enum api_parse api_reqparse_feed(struct api_reqparse *p, const char *buf, size_t n, bool eof,
				 struct api_request *req, struct api_error *err)
{
	memset(req, 0, sizeof(*req));
	err->code = 0;
	err->message[0] = 0;
	if (n == 0) {
		if (!eof)
			return API_PARSE_MORE;
		if (p->len == 0)	/* closed without a word: nothing to answer */
			return API_PARSE_ERROR;
		return fail(err, API_ERR_PARSE, "incomplete JSON request before end of stream");
	}
	for (size_t i = 0; i < n; i++)
		p->containers += buf[i] == '{' || buf[i] == '[';
	if (p->containers > API_MAX_CONTAINERS)
		return fail(err, API_ERR_TOO_LARGE, "request has more than %d JSON objects and arrays",
			    API_MAX_CONTAINERS);
	if (n > p->max_bytes - p->len || n > (size_t)INT32_MAX)
		return fail(err, API_ERR_TOO_LARGE, "request larger than %zu bytes", p->max_bytes);
	if (p->len + n > p->cap) {
		size_t cap = p->cap ? p->cap : 512;
		while (cap < p->len + n)
			cap *= 2;
		if (cap > p->max_bytes)
			cap = p->max_bytes;
		char *nb = realloc(p->buf, cap);
		if (!nb)
			return fail(err, API_ERR_FAILED, "out of memory");
		p->buf = nb;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, buf, n);
	size_t before = p->len;
	p->len += n;

	struct json_object *root = json_tokener_parse_ex(p->tok, p->buf + before, (int)n);
	enum json_tokener_error jerr = json_tokener_get_error(p->tok);
	if (jerr == json_tokener_continue)
		return eof ? fail(err, API_ERR_PARSE, "incomplete JSON request before end of stream")
			   : API_PARSE_MORE;
	if (jerr != json_tokener_success) {
		json_object_put(root);
		return fail(err, API_ERR_PARSE, "not valid JSON: %s", json_tokener_error_desc(jerr));
	}
	size_t end = before + json_tokener_get_parse_end(p->tok);
	if (check_request(root, p->buf, end < p->len ? end : p->len, req, err) == API_PARSE_ERROR) {
		json_object_put(root);
		return API_PARSE_ERROR;
	}
	return API_PARSE_DONE;
}

struct json_object *api_error_reply(int code, const char *msg)
{
	struct json_object *e = json_object_new_object();
	json_object_object_add(e, "code", json_object_new_int(code));
	json_object_object_add(e, "message", json_object_new_string(msg));
	struct json_object *root = json_object_new_object();
	json_object_object_add(root, "error", e);
	return root;
}

struct json_object *api_request_answer(const struct api_request *req, api_dispatch_fn fn, void *ctx,
				       const struct api_peer *peer, struct api_error *err)
{
	err->code = 0;
	err->message[0] = 0;
	struct json_object *res = fn(ctx, req->method, req->params, peer, err);
	if (!res) {
		if (!err->code)
			err->code = API_ERR_FAILED;
		text_sanitize(err->message);	/* may quote the client's bytes */
		return api_error_reply(err->code, err->message);
	}
	struct json_object *root = json_object_new_object();
	json_object_object_add(root, "result", res);
	return root;
}
