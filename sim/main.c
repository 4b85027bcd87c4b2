/*
 * starfail-sim - run traces through Starfail's engine and the peers'
 * baseline policies on a simulated clock; print every decision with its
 * reasons and a summary (or, with --table, the benchmark table).
 *
 *   starfail-sim [--policy starfail|mwan3|rutos|dpinger|all]... [--quiet]
 *                [--events] [--utc] [--seed N] [--set option=value]...
 *                [--check] [--table] [--members] TRACE...
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "simrun.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: starfail-sim [options] TRACE...\n"
		"  --policy P     starfail, mwan3, rutos, dpinger or all (repeatable; default starfail)\n"
		"  --quiet        no per-decision output, only summaries\n"
		"  --events       print every engine event (state changes, predictions, suppressions)\n"
		"  --utc          give the engine the trace's UTC (known Starlink slot phase)\n"
		"  --seed N       seed of the baselines' probe sampling (default 1)\n"
		"  --set OPT=VAL  override an engine option (see docs/CONFIGURATION.md)\n"
		"  --check        exit 1 unless the starfail policy meets each trace's goals\n"
		"  --table        print one benchmark table for all traces (implies --quiet)\n"
		"  --members      after each summary, the time each policy had each member as primary\n"
		"  --options      print the engine's options as a Markdown table and exit\n");
}

/* The engine's options as a Markdown table (docs/ENGINE.md, CONFIGURATION.md). */
static void print_options(void)
{
	printf("| option | type | default | range | unit | meaning |\n|---|---|---|---|---|---|\n");
	for (const struct cfg_option *o = engine_options; o->name; o++) {
		const char *type = o->type == CFG_BOOL ? "bool" : o->type == CFG_INT ? "int" : "float";
		char range[64] = "0/1";
		if (o->type != CFG_BOOL)
			snprintf(range, sizeof(range), o->type == CFG_INT ? "%.0f..%.0f" : "%g..%g", o->min,
				 o->max);
		printf("| `%s` | %s | %s | %s | %s | %s |\n", o->name, type, o->def ? o->def : "",
		       range, o->unit ? o->unit : "", o->help);
	}
}

static int set_option(struct engine_params *p, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq)
		return -1;
	for (const struct cfg_option *o = engine_options; o->name; o++) {
		if (strlen(o->name) != (size_t)(eq - arg) || strncmp(o->name, arg, (size_t)(eq - arg)))
			continue;
		char *end;
		errno = 0;
		double v = strtod(eq + 1, &end);
		if (errno || end == eq + 1 || *end || engine_param_store(p, o, v) < 0) {
			fprintf(stderr, "starfail-sim: %s: value must be a number in [%g, %g]\n", o->name,
				o->min, o->max);
			return -1;
		}
		return 0;
	}
	fprintf(stderr, "starfail-sim: unknown option '%s'\n", arg);
	return -1;
}

static void fmt_delay(char *buf, size_t len, const struct sim_summary *s, const struct sim_result *r)
{
	if (!s->has_fault)
		snprintf(buf, len, "-");
	else if (!r->detected)
		snprintf(buf, len, "never");
	else
		snprintf(buf, len, "%.1f", r->delay_ms / 1000.0);
}

static void print_summary(const char *path, const struct sim_summary *s, double wall_ms)
{
	printf("== %s: %.0f s simulated, %ld samples, %.0f ms wall", path, s->duration_ms / 1000.0,
	       s->samples, wall_ms);
	if (s->has_fault)
		printf(", fault %s at %.1f s", s->label, s->fault_t_ms / 1000.0);
	printf("\n%-9s %9s %9s %6s %10s\n", "policy", "delay_s", "switches", "false", "on_bad_s");
	for (int k = 0; k < s->n; k++) {
		const struct sim_result *r = &s->r[k];
		char d[32];
		fmt_delay(d, sizeof(d), s, r);
		printf("%-9s %9s %9d %6d %10.1f\n", r->policy, d, r->switches, r->false_switches,
		       r->time_on_bad_ms / 1000.0);
	}
}

/* "on POLICY: a=12.0 b=3.5 none=0.0" (seconds as primary) */
static void print_members(const struct sim_summary *s)
{
	for (int k = 0; k < s->n; k++) {
		const struct sim_result *r = &s->r[k];
		printf("on %s:", r->policy);
		for (int i = 0; i < s->n_members; i++)
			printf(" %s=%.1f", s->member_names[i], r->time_on_ms[i] / 1000.0);
		printf(" none=%.1f\n", r->time_none_ms / 1000.0);
	}
}

static void print_table_row(const char *path, const struct sim_summary *s)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const struct sim_result *ours = NULL;
	for (int k = 0; k < s->n; k++)
		if (!strcmp(s->r[k].policy, "starfail"))
			ours = &s->r[k];
	for (int k = 0; k < s->n; k++) {
		const struct sim_result *r = &s->r[k];
		char d[32], ratio[32] = "-";
		fmt_delay(d, sizeof(d), s, r);
		if (ours && r != ours && s->has_fault) {
			if (ours->detected && ours->delay_ms <= 0)
				snprintf(ratio, sizeof(ratio), "ours %.1fs", ours->delay_ms / 1000.0);
			else if (ours->detected && r->detected && r->delay_ms > 0)
				snprintf(ratio, sizeof(ratio), "%.3f", (double)ours->delay_ms / r->delay_ms);
			else if (ours->detected && !r->detected)
				snprintf(ratio, sizeof(ratio), "0 (never)");
			else if (ours->detected && r->detected)
				snprintf(ratio, sizeof(ratio), "ours %.1fs", ours->delay_ms / 1000.0);
		}
		printf("%-34s %-9s %8s %9d %6d %10.1f %12s\n", k ? "" : name, r->policy, d, r->switches,
		       r->false_switches, r->time_on_bad_ms / 1000.0, ratio);
	}
}

int main(int argc, char **argv)
{
	struct sim_opts o = { .out = stdout, .seed = 1 };
	bool check = false, table = false, quiet = false, members = false;
	engine_params_defaults(&o.params);
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--policy") && i + 1 < argc) {
			if (sim_policy_parse(argv[++i], &o.policies)) {
				fprintf(stderr, "starfail-sim: unknown policy '%s'\n", argv[i]);
				return 2;
			}
		} else if (!strcmp(a, "--quiet")) {
			quiet = true;
		} else if (!strcmp(a, "--events")) {
			o.events = true;
		} else if (!strcmp(a, "--utc")) {
			o.use_utc = true;
		} else if (!strcmp(a, "--seed") && i + 1 < argc) {
			char *end;
			errno = 0;
			o.seed = strtoull(argv[++i], &end, 10);
			if (errno || *end) {
				fprintf(stderr, "starfail-sim: bad seed '%s'\n", argv[i]);
				return 2;
			}
		} else if (!strcmp(a, "--set") && i + 1 < argc) {
			if (set_option(&o.params, argv[++i]))
				return 2;
		} else if (!strcmp(a, "--check")) {
			check = true;
		} else if (!strcmp(a, "--table")) {
			table = true;
		} else if (!strcmp(a, "--members")) {
			members = true;
		} else if (!strcmp(a, "--options")) {
			print_options();
			return 0;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (i == argc) {
		usage(stderr);
		return 2;
	}
	char err[512];
	if (engine_params_check(&o.params, err, sizeof(err))) {
		fprintf(stderr, "starfail-sim: %s\n", err);
		return 2;
	}
	if (!o.policies)
		o.policies = 1u << POL_STARFAIL;
	if (quiet || table)
		o.out = NULL;
	if (table)
		printf("%-34s %-9s %8s %9s %6s %10s %12s\n", "trace", "policy", "delay_s", "switches",
		       "false", "on_bad_s", "ours/this");
	int rc = 0;
	for (; i < argc; i++) {
		struct sim_summary s;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (sim_run(argv[i], &o, &s, err, sizeof(err))) {
			fprintf(stderr, "starfail-sim: %s\n", err);
			rc = 1;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double wall_ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
		if (table)
			print_table_row(argv[i], &s);
		else
			print_summary(argv[i], &s, wall_ms);
		if (members && !table)
			print_members(&s);
		if (check && sim_check_goals(&s, stdout)) {
			printf("FAIL %s\n", argv[i]);
			rc = 1;
		} else if (check) {
			printf("ok %s\n", argv[i]);
		}
	}
	return rc;
}
