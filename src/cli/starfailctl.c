/*
 * starfailctl - thin client of starfaild's JSON API.
 *
 *   starfailctl [-s SOCKET] [--json] COMMAND [ARGS]
 *
 * Each command is one API request; replies are printed as tables, or raw
 * with --json. The same binary is the rpcd exec plugin that makes the API a
 * ubus object: installed as /usr/libexec/rpcd/starfail, rpcd runs it as
 * `starfail list` and `starfail call METHOD` (arguments as JSON on stdin):
 * see ctl_rpcd.c. The socket is -s PATH, else $STARFAIL_SOCKET, else
 * /var/run/starfail.sock.
 *
 * Exit codes: 0 ok, 1 the daemon answered with an error, 2 usage,
 * 3 daemon not reachable, 4 permission denied.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "clock.h"
#include "ctl.h"

#define REPLY_MAX (4 * 1024 * 1024)
#define TIMEOUT_MS 10000

struct cmd;
typedef void (*print_fn)(struct json_object *result);
typedef int (*params_fn)(const struct cmd *c, int argc, char **argv, struct json_object *params);

struct cmd {
	const char *name;
	const char *method;
	const char *args;	/* usage of the arguments */
	const char *help;
	params_fn params;
	print_fn print;
};

const char *ctl_socket_path = CTL_DEFAULT_SOCKET;

/* ---- transport --------------------------------------------------------- */

/* Waits for EVENTS on fd until deadline_ms; 1 ready, 0 timed out. */
static int wait_fd(int fd, short events, int64_t deadline_ms)
{
	for (;;) {
		int64_t left = deadline_ms - clock_mono_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = { .fd = fd, .events = events };
		int n = poll(&p, 1, (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return 0;
	}
}

/* Connects within the deadline: a full backlog (EAGAIN on a unix socket) is retried. */
static int connect_by(const struct sockaddr_un *sa, int64_t deadline_ms, char *why, size_t why_len)
{
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			snprintf(why, why_len, "socket: %s", strerror(errno));
			return -1;
		}
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return fd;
		int e = errno;
		close(fd);
		if ((e != EAGAIN && e != EINTR) || clock_mono_ms() >= deadline_ms) {
			snprintf(why, why_len, "cannot reach starfaild at %s: %s", sa->sun_path,
				 e == EAGAIN ? "its backlog stayed full" : strerror(e));
			return -1;
		}
		poll(NULL, 0, 20);
	}
}

struct json_object *ctl_call(const char *method, struct json_object *params, int timeout_ms,
			     int *exit_code, char *why, size_t why_len)
{
	int64_t deadline = clock_mono_ms() + timeout_ms;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	*exit_code = EXIT_UNREACHABLE;
	if (strlen(ctl_socket_path) >= sizeof(sa.sun_path)) {
		snprintf(why, why_len, "socket path too long: %.120s", ctl_socket_path);
		*exit_code = EXIT_USAGE;
		return NULL;
	}
	strcpy(sa.sun_path, ctl_socket_path);
	int fd = connect_by(&sa, deadline, why, why_len);
	if (fd < 0)
		return NULL;

	struct json_object *req = json_object_new_object();
	json_object_object_add(req, "method", json_object_new_string(method));
	if (params)
		json_object_object_add(req, "params", json_object_get(params));
	const char *txt = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(txt), off = 0;
	while (off < len) {
		ssize_t n = send(fd, txt + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && wait_fd(fd, POLLOUT, deadline))
			continue;
		if (n <= 0)
			break;	/* the daemon's reply (e.g. too large) may still be there */
		off += (size_t)n;
	}
	json_object_put(req);

	struct json_tokener *tok = json_tokener_new();
	struct json_object *reply = NULL;
	size_t total = 0;
	for (;;) {
		if (!wait_fd(fd, POLLIN, deadline)) {
			snprintf(why, why_len, "no reply from starfaild within %d ms", timeout_ms);
			break;
		}
		char buf[8192];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			snprintf(why, why_len, "connection closed before a complete reply");
			break;
		}
		total += (size_t)n;
		if (total > REPLY_MAX) {
			snprintf(why, why_len, "reply larger than %d bytes", REPLY_MAX);
			break;
		}
		reply = json_tokener_parse_ex(tok, buf, (int)n);
		enum json_tokener_error e = json_tokener_get_error(tok);
		if (e == json_tokener_continue)
			continue;
		if (e != json_tokener_success) {
			snprintf(why, why_len, "reply is not JSON: %s", json_tokener_error_desc(e));
			json_object_put(reply);
			reply = NULL;
		}
		break;
	}
	json_tokener_free(tok);
	close(fd);
	if (reply)
		*exit_code = EXIT_OK;
	return reply;
}

static int timeout_ms = TIMEOUT_MS;	/* -t MS */

/* One request for a CLI command: the reason of a failure goes to stderr. */
static struct json_object *call(const char *method, struct json_object *params, int *exit_code)
{
	char why[256];
	struct json_object *reply = ctl_call(method, params, timeout_ms, exit_code, why, sizeof(why));
	if (!reply)
		fprintf(stderr, "starfailctl: %s\n", why);
	return reply;
}

struct json_object *ctl_request(const char *method, struct json_object *params, int *exit_code)
{
	return call(method, params, exit_code);
}

/* ---- printing helpers -------------------------------------------------- */

static const char *s_of(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return "-";
	return json_object_get_string(v);
}

static void num_of(struct json_object *o, const char *key, int decimals, char *buf, size_t len)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.*f", decimals, json_object_get_double(v));
}

static void print_members_table(struct json_object *arr)
{
	printf("%-12s %-9s %-10s %-8s %-9s %4s %4s %9s %7s  %s\n", "MEMBER", "CLASS", "INTERFACE",
	       "DEVICE", "STATE", "PRIO", "WGHT", "LAT_MS", "LOSS%", "REASON");
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(arr, i);
		char lat[16], loss[16];
		num_of(m, "latency_ms", 1, lat, sizeof(lat));
		num_of(m, "loss_pct", 1, loss, sizeof(loss));
		printf("%-12s %-9s %-10s %-8s %-9s %4s %4s %9s %7s  %s\n", s_of(m, "name"),
		       s_of(m, "class"), s_of(m, "interface"), s_of(m, "device"), s_of(m, "state"),
		       s_of(m, "priority"), s_of(m, "weight"), lat, loss, s_of(m, "reason"));
		if (strcmp(s_of(m, "fault"), "-")) {	/* a collector's source fails */
			char for_s[16];
			num_of(m, "fault_for_s", 0, for_s, sizeof(for_s));
			printf("%-12s fault: %s (for %s s, %s failed attempts)\n", "", s_of(m, "fault"), for_s,
			       s_of(m, "fault_failures"));
		}
	}
}

static void print_status(struct json_object *r)
{
	struct json_object *cfg = NULL, *mem = NULL, *members = NULL;
	json_object_object_get_ex(r, "config", &cfg);
	json_object_object_get_ex(r, "memory", &mem);
	struct json_object *ctl = NULL;
	json_object_object_get_ex(r, "controller", &ctl);
	printf("state:      %s\n", s_of(r, "state"));
	printf("current:    %s (%s)\n", s_of(r, "current"), s_of(r, "reason"));
	if (strcmp(s_of(r, "pinned"), "-"))
		printf("pinned:     %s (manual failover; `starfailctl restore` ends it)\n", s_of(r, "pinned"));
	if (ctl)	/* the state line starts with the backend's name */
		printf("controller: %s%s\n", s_of(ctl, "state"),
		       json_object_get_boolean(json_object_object_get(r, "dry_run")) ? " (dry run)" : "");
	if (ctl && strcmp(s_of(ctl, "route_state"), "-")) {	/* what the kernel has, not what was asked */
		printf("routes:     %s%s%s (repairs %s)\n", s_of(ctl, "route_state"),
		       strcmp(s_of(ctl, "drift"), "-") ? ": " : "", strcmp(s_of(ctl, "drift"), "-") ? s_of(ctl, "drift") : "",
		       s_of(ctl, "repairs"));
		struct json_object *lr = NULL;
		if (json_object_object_get_ex(ctl, "last_repair", &lr) && lr)
			printf("repaired:   %s (%s ms after the drift)\n", s_of(lr, "what"), s_of(lr, "took_ms"));
	}
	char up[32];
	num_of(r, "uptime_s", 1, up, sizeof(up));
	printf("uptime:     %s s\n", up);
	printf("log level:  %s\n", s_of(r, "log_level"));
	if (cfg) {
		printf("config:     %s (%s", s_of(cfg, "path"), s_of(cfg, "result"));
		if (strcmp(s_of(cfg, "result"), "ok"))
			printf(": %s", s_of(cfg, "error"));
		printf(", %s reloads, %s failed)\n", s_of(cfg, "reloads"), s_of(cfg, "failed_reloads"));
	}
	if (mem)
		printf("memory:     rss %s kB (peak %s kB)\n", s_of(mem, "rss_kb"), s_of(mem, "rss_peak_kb"));
	if (json_object_object_get_ex(r, "members", &members)) {
		printf("\n");
		print_members_table(members);
	}
}

static void print_members(struct json_object *r)
{
	print_members_table(r);
}

static void print_kv(struct json_object *o, const char *prefix)
{
	json_object_object_foreach(o, k, v) {
		if (v && json_object_is_type(v, json_type_object)) {
			char p[128];
			snprintf(p, sizeof(p), "%s%s.", prefix, k);
			print_kv(v, p);
		} else {
			printf("%s%s = %s\n", prefix, k, v ? json_object_get_string(v) : "-");
		}
	}
}

static void print_config(struct json_object *r)
{
	struct json_object *main_sec, *members;
	printf("# %s\n", s_of(r, "path"));
	if (json_object_object_get_ex(r, "main", &main_sec))
		print_kv(main_sec, "main.");
	if (json_object_object_get_ex(r, "members", &members))
		for (size_t i = 0; i < json_object_array_length(members); i++) {
			struct json_object *m = json_object_array_get_idx(members, i);
			char p[64];
			snprintf(p, sizeof(p), "member.%s.", s_of(m, "name"));
			print_kv(m, p);
		}
}

static void print_generic(struct json_object *r)
{
	if (json_object_is_type(r, json_type_object))
		print_kv(r, "");
	else
		printf("%s\n", json_object_to_json_string_ext(r, JSON_C_TO_STRING_PRETTY));
}

/* ---- parameters -------------------------------------------------------- */

static int p_level(const struct cmd *c, int argc, char **argv, struct json_object *params)
{
	if (argc != 1)
		return -1;
	json_object_object_add(params, "level", json_object_new_string(argv[0]));
	return 0;
}

static int p_none(const struct cmd *c, int argc, char **argv, struct json_object *params)
{
	return argc == 0 ? 0 : -1;
}

static int p_member(const struct cmd *c, int argc, char **argv, struct json_object *params)
{
	if (argc != 1)
		return -1;
	json_object_object_add(params, "member", json_object_new_string(argv[0]));
	return 0;
}

/* A non-negative integer argument. */
static int int_arg(const char *s, const char *key, struct json_object *params)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 0 || v > 2592000)	/* the daemon says what it accepts */
		return -1;
	json_object_object_add(params, key, json_object_new_int64(v));
	return 0;
}

static int p_history(const struct cmd *c, int argc, char **argv, struct json_object *params)
{
	if (argc < 1 || argc > 2)
		return -1;
	json_object_object_add(params, "member", json_object_new_string(argv[0]));
	return argc == 2 ? int_arg(argv[1], "since_s", params) : 0;
}

static int p_events(const struct cmd *c, int argc, char **argv, struct json_object *params)
{
	if (argc > 1)
		return -1;
	return argc == 1 ? int_arg(argv[0], "limit", params) : 0;
}

static void print_history(struct json_object *r)
{
	struct json_object *arr;
	printf("member %s, %s samples held, %s dropped, every %s shown\n", s_of(r, "member"),
	       s_of(r, "held"), s_of(r, "dropped"), s_of(r, "step"));
	printf("%9s %9s %7s %9s %6s %5s %4s %4s\n", "AGE_S", "LAT_MS", "LOSS%", "JITTER", "SCORE",
	       "LINK", "UP", "PRIM");
	if (!json_object_object_get_ex(r, "samples", &arr))
		return;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *p = json_object_array_get_idx(arr, i);
		char age[16], lat[16], loss[16], jit[16], sc[16];
		num_of(p, "age_s", 1, age, sizeof(age));
		num_of(p, "latency_ms", 1, lat, sizeof(lat));
		num_of(p, "loss_pct", 1, loss, sizeof(loss));
		num_of(p, "jitter_ms", 1, jit, sizeof(jit));
		num_of(p, "score", 0, sc, sizeof(sc));
		printf("%9s %9s %7s %9s %6s %5s %4s %4s\n", age, lat, loss, jit, sc, s_of(p, "link_up"),
		       json_object_get_boolean(json_object_object_get(p, "round_up")) ? "y" : "n",
		       json_object_get_boolean(json_object_object_get(p, "primary")) ? "*" : "");
	}
}

static void print_events(struct json_object *r)
{
	struct json_object *arr;
	if (!json_object_object_get_ex(r, "events", &arr))
		return;
	printf("%5s %-19s %-10s %-22s %-10s %-10s %-10s %s\n", "ID", "TIME", "TYPE", "REASON", "MEMBER",
	       "FROM", "TO", "DETAILS");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		time_t t = (time_t)json_object_get_int64(json_object_object_get(e, "time"));
		struct tm tm;
		char ts[32];
		localtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
		printf("%5s %-19s %-10s %-22s %-10s %-10s %-10s %s\n", s_of(e, "id"), ts, s_of(e, "type"), s_of(e, "reason"),
		       s_of(e, "member"), s_of(e, "from"), s_of(e, "to"), s_of(e, "text"));
	}
	printf("(%s held, %s dropped)\n", s_of(r, "held"), s_of(r, "dropped"));
}

static int p_explain(const struct cmd *c, int argc, char **argv, struct json_object *params)
{
	return ctl_explain_params(argc, argv, params);
}

static const struct cmd cmds[] = {
	{ "status", "status", "", "overall state, current uplink, members, config result", p_none, print_status },
	{ "members", "members", "", "the uplinks and their state", p_none, print_members },
	{ "config", "config", "", "the effective configuration", p_none, print_config },
	{ "reload", "reload", "", "re-read the config file (old one kept on errors)", p_none, print_generic },
	{ "setlog", "setlog", "LEVEL", "set the log level: error|warn|info|debug|trace", p_level, print_generic },
	{ "version", "version", "", "daemon version", p_none, print_generic },
	{ "metrics", "metrics", "MEMBER", "everything known about one member", p_member, print_generic },
	{ "history", "history", "MEMBER [SINCE_S]", "samples of a member (default last 300 s)", p_history, print_history },
	{ "events", "events", "[LIMIT]", "latest decisions and state changes (default 50)", p_events, print_events },
	{ "failover", "failover", "MEMBER", "pin MEMBER as the uplink until `restore`", p_member, print_generic },
	{ "restore", "restore", "", "end a manual failover: automatic selection again", p_none, print_generic },
	{ "recheck", "recheck", "", "probe every member now", p_none, print_generic },
	{ "discover", "discover", "", "ask netifd again (mwan3/netifd discovery)", p_none, print_generic },
	{ "explain", "explain", "[EVENT-ID]", "the evidence behind a decision (default the latest)", p_explain,
	  ctl_explain_print },
};
#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: starfailctl [-s SOCKET] [--json] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < N_CMDS; i++)
		fprintf(f, "  %-8s %-17s %s\n", cmds[i].name, cmds[i].args, cmds[i].help);
	fprintf(f, "  %-8s %-17s %s\n", "timeline", "[--since D] --svg F",
		"draw latency, loss, score, the active uplink and switches as SVG");
	fprintf(f, "\noptions:\n  -s PATH   API socket (default $STARFAIL_SOCKET, else %s)\n"
		   "  -t MS     give up after MS milliseconds (default 10000)\n  --json    print the raw JSON reply\n"
		   "  -h        this text\n\nrpcd plugin mode: starfailctl list | starfailctl call METHOD < args.json\n"
		   "exit codes: 0 ok, 1 error reply, 2 usage, 3 daemon unreachable, 4 permission denied\n",
		CTL_DEFAULT_SOCKET);
}

/* Exit code for a reply; prints the error message. */
static int reply_error(struct json_object *reply, bool quiet);

int ctl_reply_error(struct json_object *reply, bool quiet)
{
	return reply_error(reply, quiet);
}

static int reply_error(struct json_object *reply, bool quiet)
{
	struct json_object *e, *code;
	if (!json_object_object_get_ex(reply, "error", &e))
		return EXIT_OK;
	if (!quiet)
		fprintf(stderr, "starfailctl: %s\n", s_of(e, "message"));
	if (json_object_object_get_ex(e, "code", &code) && json_object_get_int(code) == -32001)
		return EXIT_DENIED;
	return EXIT_METHOD_ERR;
}

int main(int argc, char **argv)
{
	bool raw = false;
	int i = 1;
	const char *env_socket = getenv("STARFAIL_SOCKET");
	if (env_socket && *env_socket)
		ctl_socket_path = env_socket;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			ctl_socket_path = argv[++i];
		else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
			char *end;
			long ms = strtol(argv[++i], &end, 10);
			if (!*argv[i] || *end || ms < 1 || ms > 600000) {
				fprintf(stderr, "starfailctl: -t takes milliseconds 1..600000\n");
				return EXIT_USAGE;
			}
			timeout_ms = (int)ms;
		}
		else if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0)
			raw = true;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else {
			fprintf(stderr, "starfailctl: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[i], "list") == 0 || strcmp(argv[i], "call") == 0)
		return ctl_rpcd_main(argc - i, argv + i);
	if (strcmp(argv[i], "timeline") == 0)
		return ctl_timeline_main(argc - i - 1, argv + i + 1);

	const struct cmd *c = NULL;
	for (size_t k = 0; k < N_CMDS; k++)
		if (strcmp(cmds[k].name, argv[i]) == 0)
			c = &cmds[k];
	if (!c) {
		fprintf(stderr, "starfailctl: unknown command '%s'\n", argv[i]);
		usage(stderr);
		return EXIT_USAGE;
	}
	struct json_object *params = json_object_new_object();
	if (c->params(c, argc - i - 1, argv + i + 1, params) < 0) {
		fprintf(stderr, "usage: starfailctl %s %s\n", c->name, c->args);
		json_object_put(params);
		return EXIT_USAGE;
	}
	int rc = EXIT_OK;
	struct json_object *reply = call(c->method, params, &rc);
	json_object_put(params);
	if (!reply)
		return rc;
	rc = reply_error(reply, raw);
	if (raw)
		printf("%s\n", json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PRETTY));
	else if (rc == EXIT_OK)
		c->print(json_object_object_get(reply, "result"));
	json_object_put(reply);
	return rc;
}
