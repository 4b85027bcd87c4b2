/*
 * main.c - starfaild command line.
 *
 *   starfaild -config /etc/config/starfail -log-level debug
 *
 * Flags take one or two dashes (Go-style as the seed used, or GNU-style).
 *
 * Hidden: `starfaild --resolve NAME` prints the numeric addresses of NAME
 * (getaddrinfo, one a line) and exits 0, or prints the resolver's error on
 * stderr and exits 2. The daemon runs it as a child (util/proc, with a
 * timeout) so that a broker name never blocks its loop (export/mqtt.h).
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "mwan3cfg.h"

#define DEFAULT_CONFIG "/etc/config/starfail"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: starfaild [options]\n"
		"  -config FILE       UCI config file (default " DEFAULT_CONFIG ")\n"
		"  -log-level LEVEL   error|warn|info|debug|trace (overrides the config)\n"
		"  -socket PATH       API socket (overrides api_socket)\n"
		"  -syslog            log to syslog instead of stderr\n"
		"  --dry-run          decide and log, but change nothing on the system\n"
		"  --check-config     check the config, print 'configuration OK' or the errors\n"
		"  --print-options    print every config option as Markdown tables\n"
		"  --version          print the version\n"
		"  -h, --help         this text\n");
}

/*
 * --check-config with use_mwan3: mwan3's file too. What mwan3 would ignore
 * is a warning with file:line; a file that cannot be read or parsed is an
 * error here (the daemon still starts, with the config's members only).
 */
static int check_mwan3(const struct sf_config *cfg)
{
	static struct mwan3_config mw;
	struct config_report rep;
	int rc = mwan3cfg_load(cfg->core.mwan3_config, &mw, &rep);
	int nw = rep.n_warnings < CONFIG_MAX_ERRORS ? rep.n_warnings : CONFIG_MAX_ERRORS;
	for (int i = 0; i < nw; i++)
		fprintf(rc ? stderr : stdout, "%s: %s\n", rc && i == 0 ? "error" : "warning", rep.warnings[i]);
	if (rc == 0)
		printf("mwan3: %s: %d interfaces, %d members, %d policies\n", mw.path, mw.n_ifaces,
		       mw.n_members, mw.n_policies);
	return rc;
}

static int resolve_main(const char *name)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_ADDRCONFIG }, *res = NULL;
	int rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc) {
		fprintf(stderr, "%s\n", rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return 2;
	}
	int n = 0;
	for (const struct addrinfo *a = res; a; a = a->ai_next) {
		char host[NI_MAXHOST];
		if (getnameinfo(a->ai_addr, a->ai_addrlen, host, sizeof(host), NULL, 0, NI_NUMERICHOST) == 0) {
			printf("%s\n", host);
			n++;
		}
	}
	freeaddrinfo(res);
	if (!n) {
		fprintf(stderr, "no address\n");
		return 2;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

/* "-x" and "--x" are the same flag. */
static bool flag(const char *arg, const char *name)
{
	if (arg[0] != '-')
		return false;
	arg += arg[1] == '-' ? 2 : 1;
	return strcmp(arg, name) == 0;
}

int main(int argc, char **argv)
{
	struct daemon_opts opts = { .config_path = DEFAULT_CONFIG, .log_level = -1 };
	bool check = false, use_syslog = false;

	if (argc == 3 && flag(argv[1], "resolve"))
		return resolve_main(argv[2]);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (flag(a, "config") || flag(a, "c")) {
			if (!next)
				goto missing;
			opts.config_path = argv[++i];
		} else if (flag(a, "log-level")) {
			if (!next)
				goto missing;
			opts.log_level = log_level_parse(argv[++i]);
			if (opts.log_level < 0) {
				fprintf(stderr, "starfaild: -log-level: unknown level '%s' (error|warn|info|debug|trace)\n",
					argv[i]);
				return 2;
			}
		} else if (flag(a, "socket")) {
			if (!next)
				goto missing;
			opts.socket_path = argv[++i];
		} else if (flag(a, "dry-run")) {
			opts.dry_run = true;
		} else if (flag(a, "syslog")) {
			use_syslog = true;
		} else if (flag(a, "check-config")) {
			check = true;
		} else if (flag(a, "print-options")) {
			config_print_reference(stdout);
			return 0;
		} else if (flag(a, "version")) {
			printf("starfaild %s\n", SF_VERSION);
			return 0;
		} else if (flag(a, "h") || flag(a, "help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "starfaild: unknown argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
		continue;
missing:
		fprintf(stderr, "starfaild: %s needs a value\n", a);
		return 2;
	}

	if (check) {
		static struct sf_config cfg;
		struct config_report rep;
		int rc = config_load(opts.config_path, &cfg, &rep);
		config_report_print(&rep, rc ? stderr : stdout);
		if (rc == 0 && cfg.core.use_mwan3 && check_mwan3(&cfg) < 0)
			rc = -1;
		if (rc) {
			fprintf(stderr, "configuration has errors\n");
			return 1;
		}
		printf("configuration OK\n");
		return 0;
	}

	log_open("starfaild", use_syslog ? LOG_TO_SYSLOG : LOG_TO_STDERR);
	static struct daemon d;
	if (daemon_init(&d, &opts) < 0) {
		daemon_fini(&d);
		return 1;
	}
	log_attach_loop(d.loop);	/* repeat counts flushed by time, not by the next line */
	daemon_run(&d);
	daemon_fini(&d);
	log_close();
	return 0;
}
