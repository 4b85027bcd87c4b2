/*
 * ctl_rpcd.c - starfailctl as rpcd's exec plugin: the API as the ubus
 * object "starfail" (/usr/libexec/rpcd/starfail is a link to starfailctl).
 *
 * What rpcd does (openwrt/rpcd plugin.c, exec.c): at its start it runs
 * `starfail list` and registers each method with the argument types printed
 * ("str", 32 = int32, 64 = int64). For `ubus call starfail METHOD ARGS` it
 * runs `starfail call METHOD`, writes ARGS as one JSON object on stdin and
 * closes it, and replies with the first JSON object read from stdout:
 * anything else becomes a bare UBUS_STATUS_INVALID_ARGUMENT or NO_DATA,
 * without a reason. It ignores the exit status and stderr, and waits up to
 * 120 s (rpcd -t) - with LuCI waiting behind it.
 *
 * So on every path this prints exactly one JSON object on stdout, within
 * RPCD_TIMEOUT_MS (stdin, connect, request and reply together):
 *   - the method's result; a result that is not an object (members) is
 *     wrapped as {"METHOD": result}, as ubus replies must be objects;
 *   - the daemon's error as {"error": {"code": C, "message": M}};
 *   - or one of ours in the same shape: -32700 the arguments are not JSON,
 *     -32602 they are not one object or exceed RPCD_ARGS_MAX, -32601 a
 *     method not in the list, -32000 starfaild unreachable or silent.
 * The exit status is starfailctl's (0 result, 1 error reply, 2 bad call,
 * 3 daemon unreachable, 4 permission denied): for people and scripts only.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "clock.h"
#include "ctl.h"

#define RPCD_TIMEOUT_MS 3000
#define RPCD_ARGS_MAX (64 * 1024)

enum arg_type { ARG_STR, ARG_INT32, ARG_INT64 };

struct rpcd_arg {
	const char *name;
	enum arg_type type;
};

/* The API's methods (src/api_methods.c) and the arguments each accepts. */
struct rpcd_method {
	const char *name;
	struct rpcd_arg args[3];
};

static const struct rpcd_method rpcd_methods[] = {
	{ .name = "status" },
	{ .name = "members" },
	{ .name = "config" },
	{ .name = "version" },
	{ .name = "metrics", .args = { { "member", ARG_STR } } },
	{ .name = "history",
	  .args = { { "member", ARG_STR }, { "since_s", ARG_INT32 }, { "limit", ARG_INT32 } } },
	{ .name = "events", .args = { { "limit", ARG_INT32 } } },
	{ .name = "explain", .args = { { "id", ARG_INT64 } } },
	{ .name = "failover", .args = { { "member", ARG_STR } } },
	{ .name = "restore" },
	{ .name = "recheck" },
	{ .name = "discover" },
	{ .name = "reload" },
	{ .name = "setlog", .args = { { "level", ARG_STR } } },
};
#define N_RPCD_METHODS (sizeof(rpcd_methods) / sizeof(rpcd_methods[0]))

static void print_object(struct json_object *o)
{
	int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	printf("%s\n", json_object_to_json_string_ext(o, flags));
	fflush(stdout);
}

/* Prints {"error": {"code": code, "message": msg}}; returns exit_code. */
static int print_error(int code, const char *msg, int exit_code)
{
	struct json_object *e = json_object_new_object();
	json_object_object_add(e, "code", json_object_new_int(code));
	json_object_object_add(e, "message", json_object_new_string(msg));
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "error", e);
	print_object(o);
	json_object_put(o);
	return exit_code;
}

static int rpcd_list(void)
{
	struct json_object *o = json_object_new_object();
	for (size_t i = 0; i < N_RPCD_METHODS; i++) {
		struct json_object *sig = json_object_new_object();
		const struct rpcd_arg *args = rpcd_methods[i].args;
		for (const struct rpcd_arg *a = args; a < args + 3 && a->name; a++)
			json_object_object_add(sig, a->name, a->type == ARG_STR ? json_object_new_string("str")
						       : json_object_new_int(a->type == ARG_INT64 ? 64 : 32));
		json_object_object_add(o, rpcd_methods[i].name, sig);
	}
	print_object(o);
	json_object_put(o);
	return EXIT_OK;
}

/*
 * Reads stdin to EOF by deadline_ms into buf (at most cap bytes). Returns the
 * length, or -1 with why set: too long, no EOF in time, read error.
 */
static long read_args(char *buf, size_t cap, int64_t deadline_ms, char *why, size_t why_len)
{
	size_t len = 0;
	for (;;) {
		int64_t left = deadline_ms - clock_mono_ms();
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		int n = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, why_len, "arguments on stdin not complete (no EOF) within %d ms",
				 RPCD_TIMEOUT_MS);
			return -1;
		}
		if (len == cap) {
			snprintf(why, why_len, "arguments larger than %zu bytes", cap);
			return -1;
		}
		ssize_t r = read(STDIN_FILENO, buf + len, cap - len);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0) {
			snprintf(why, why_len, "reading the arguments: %s", strerror(errno));
			return -1;
		}
		if (r == 0)
			return (long)len;
		len += (size_t)r;
	}
}

/*
 * The arguments as one JSON object: NULL for none (empty stdin or a
 * terminal), else the object; on an error the error reply is printed and
 * *rc set.
 */
static struct json_object *parse_args(int64_t deadline_ms, bool *failed, int *rc)
{
	static char buf[RPCD_ARGS_MAX + 1];
	char why[160];
	*failed = false;
	if (isatty(STDIN_FILENO))
		return NULL;
	long len = read_args(buf, RPCD_ARGS_MAX, deadline_ms, why, sizeof(why));
	if (len < 0) {
		*failed = true;
		*rc = print_error(-32602, why, EXIT_USAGE);
		return NULL;
	}
	buf[len] = '\0';
	size_t skip = strspn(buf, " \t\r\n");
	if ((long)skip == len)
		return NULL;
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, buf + skip, (int)(len - (long)skip));
	enum json_tokener_error e = json_tokener_get_error(tok);
	size_t end = skip + json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	int code = -32700;
	if (e == json_tokener_success && buf[end + strspn(buf + end, " \t\r\n")] != '\0') {
		snprintf(why, sizeof(why), "arguments are not JSON: text after the value at byte %zu", end);
	} else if (e != json_tokener_success) {
		snprintf(why, sizeof(why), "arguments are not JSON: %s",
			 e == json_tokener_continue ? "unexpected end of input" : json_tokener_error_desc(e));
	} else if (!json_object_is_type(o, json_type_object)) {
		snprintf(why, sizeof(why), "arguments must be one JSON object, got %s",
			 json_type_to_name(json_object_get_type(o)));
		code = -32602;
	} else {
		return o;
	}
	json_object_put(o);
	*failed = true;
	*rc = print_error(code, why, EXIT_USAGE);
	return NULL;
}

static int rpcd_call(const char *method)
{
	int64_t deadline = clock_mono_ms() + RPCD_TIMEOUT_MS;
	const struct rpcd_method *m = NULL;
	for (size_t i = 0; i < N_RPCD_METHODS; i++)
		if (strcmp(rpcd_methods[i].name, method) == 0)
			m = &rpcd_methods[i];
	if (!m) {
		char why[128];
		snprintf(why, sizeof(why), "unknown method '%.64s' (`list` shows the methods)", method);
		return print_error(-32601, why, EXIT_USAGE);
	}
	bool failed;
	int rc = EXIT_OK;
	struct json_object *params = parse_args(deadline, &failed, &rc);
	if (failed)
		return rc;

	char why[256];
	int left = (int)(deadline - clock_mono_ms());
	struct json_object *reply = ctl_call(m->name, params, left > 0 ? left : 1, &rc, why, sizeof(why));
	json_object_put(params);
	if (!reply)
		return print_error(-32000, why, rc);

	struct json_object *res, *err, *code;
	if (json_object_object_get_ex(reply, "result", &res)) {
		if (json_object_is_type(res, json_type_object)) {
			print_object(res);
		} else {
			struct json_object *w = json_object_new_object();
			json_object_object_add(w, m->name, json_object_get(res));
			print_object(w);
			json_object_put(w);
		}
		rc = EXIT_OK;
	} else if (json_object_object_get_ex(reply, "error", &err) &&
		   json_object_is_type(err, json_type_object)) {
		struct json_object *w = json_object_new_object();
		json_object_object_add(w, "error", json_object_get(err));
		print_object(w);
		json_object_put(w);
		rc = json_object_object_get_ex(err, "code", &code) && json_object_get_int(code) == -32001
			     ? EXIT_DENIED : EXIT_METHOD_ERR;
	} else {
		rc = print_error(-32000, "starfaild's reply has neither result nor error", EXIT_METHOD_ERR);
	}
	json_object_put(reply);
	return rc;
}

int ctl_rpcd_main(int argc, char **argv)
{
	if (strcmp(argv[0], "list") == 0)
		return rpcd_list();
	if (argc < 2)
		return print_error(-32601, "call needs a METHOD", EXIT_USAGE);
	return rpcd_call(argv[1]);
}
