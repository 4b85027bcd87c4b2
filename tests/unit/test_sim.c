/*
 * test_sim.c - the trace reader (every kind of bad input gets an error that
 * names the line), the simulator's scoring, and the baselines against the
 * failover times their documented defaults imply, on a synthetic blackhole.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "simrun.h"
#include "trace.h"

#define DATA "tests/data/traces/"

/* Read the whole trace; return the first error (or "" if none). */
static const char *read_all(const char *path, char *buf, size_t len)
{
	static struct trace_reader r;
	struct trace_item it;
	buf[0] = '\0';
	if (trace_open(&r, path, NULL)) {
		snprintf(buf, len, "%s", r.err);
		return buf;
	}
	int rc;
	while ((rc = trace_next(&r, &it)) > 0)
		;
	if (rc < 0)
		snprintf(buf, len, "%s", r.err);
	trace_close(&r);
	return buf;
}

static void expect_error(const char *file, const char *where, const char *what)
{
	char buf[TRACE_ERR_MAX], path[256];
	snprintf(path, sizeof(path), DATA "%s", file);
	read_all(path, buf, sizeof(buf));
	if (!strstr(buf, where) || !strstr(buf, what))
		fail_msg("%s: got '%s', want '%s' and '%s'", file, buf, where, what);
}

static void test_bad_inputs_name_the_line(void **st)
{
	expect_error("bad_unknown_member.trace", ":4:", "unknown member 'b'");
	expect_error("bad_time_backwards.trace", ":4:", "time goes backwards");
	expect_error("bad_nan.trace", ":3:", "rtt_ms: 'nan' is not a finite number");
	expect_error("bad_key.trace", ":3:", "unknown key 'colour'");
	expect_error("bad_header.trace", ":1:", "starfail-trace 1");
	expect_error("bad_member_late.trace", ":4:", "must come before the first sample");
	expect_error("bad_range.trace", ":3:", "loss_pct");
	expect_error("bad_negative_time.trace", ":4:", "bad time '-5'");
	char buf[TRACE_ERR_MAX];
	read_all(DATA "does-not-exist.trace", buf, sizeof(buf));
	assert_non_null(strstr(buf, "No such file"));
}

static void test_hostile_lines(void **st)
{
	const char *cases[][2] = {
		{ "starfail-trace 1\nmember a\n0 a loss_pct=1e400\n", "not a finite number" },
		{ "starfail-trace 1\nmember a\n0 a loss_pct=-1\n", "loss_pct" },
		{ "starfail-trace 1\nmember a\n0 a =5\n", "expected key=value" },
		{ "starfail-trace 1\nmember a\n99999999999999999999999 a loss_pct=0\n", "bad time" },
		{ "starfail-trace 1\nmember a class=moon\n", "unknown class" },
		{ "starfail-trace 1\nmember abcdefghijklmnopqrstuvwxyz0123456789\n", "longer than" },
		{ "starfail-trace 1\nmember a priority=0\n", "priority" },
		{ "starfail-trace 1\nmember a\nmember a\n", "declared twice" },
		{ "starfail-trace 1\n", "no member" },
		{ "", "empty trace" },
		{ "starfail-trace 1\nmember a\n0 a\n", "sample without" },
		{ "starfail-trace 1\nmember a\n0 a up=2\n", "up must be 0 or 1" },
		{ "starfail-trace 1\nmember a\ntruth 0 a maybe\n", "good, warn or bad" },
		{ "starfail-trace 1\nmember a\nfault 10 a x onset_ms=5\n", "onset_ms" },
		{ "starfail-trace 1\nmember a\ngoal max_delay_ms=abc\n", "bad integer" },
		{ "starfail-trace 1\nmember a\n0 a outage=99\n", "outage" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[] = "/tmp/test_sim_XXXXXX";
		int fd = mkstemp(path);
		assert_true(fd >= 0);
		FILE *f = fdopen(fd, "w");
		fputs(cases[i][0], f);
		fclose(f);
		char buf[TRACE_ERR_MAX];
		read_all(path, buf, sizeof(buf));
		unlink(path);
		if (!strstr(buf, cases[i][1]) || !strstr(buf, path))
			fail_msg("case %zu: got '%s', want '%s'", i, buf, cases[i][1]);
	}
	/* a line longer than the limit */
	char path[] = "/tmp/test_sim_XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	fputs("starfail-trace 1\nmember a\n0 a loss_pct=0", f);
	for (int i = 0; i < 2000; i++)
		fputc(' ', f);
	fputs("\n", f);
	fclose(f);
	char buf[TRACE_ERR_MAX];
	read_all(path, buf, sizeof(buf));
	unlink(path);
	assert_non_null(strstr(buf, ":3: line longer than"));
}

static void test_reader_values(void **st)
{
	struct trace_reader r;
	struct trace_item it;
	assert_int_equal(trace_open(&r, DATA "ok_reboot_countdown.trace", NULL), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.members[0].name, "dish");
	assert_int_equal(r.members[0].cls, CLASS_STARLINK);
	assert_int_equal(r.members[1].priority, 2);
	assert_int_equal(r.members[0].weight, 50);	/* default */
	assert_int_equal(r.goals.switch_before_ms, 160000);
	assert_int_equal(trace_next(&r, &it), 1);
	assert_int_equal(it.kind, TI_SAMPLE);
	assert_int_equal(it.s.probes_sent, 3);
	assert_int_equal(it.s.sl.outage_cause, SL_OUTAGE_NONE);
	assert_true(isnan(it.s.sl.reboot_in_s));	/* absent = unknown */
	assert_true(isnan(it.s.jitter_ms));
	int faults = 0;
	while (trace_next(&r, &it) > 0)
		if (it.kind == TI_FAULT) {
			faults++;
			assert_int_equal(it.t_ms, 10000);
			assert_int_equal(it.onset_ms, 160000);
			assert_string_equal(it.label, "announced_reboot");
		}
	assert_int_equal(faults, 1);
	trace_close(&r);
}

static void test_hand_made_goals(void **st)
{
	struct sim_opts o = { .policies = 1u << POL_STARFAIL, .seed = 1 };
	struct sim_summary s;
	char err[256];
	engine_params_defaults(&o.params);
	assert_int_equal(sim_run(DATA "ok_minimal.trace", &o, &s, err, sizeof(err)), 0);
	assert_true(s.r[0].detected);
	assert_int_equal(s.r[0].delay_ms, 0);
	assert_int_equal(s.r[0].switches, 1);
	assert_int_equal(sim_check_goals(&s, NULL), 0);
	assert_int_equal(sim_run(DATA "ok_reboot_countdown.trace", &o, &s, err, sizeof(err)), 0);
	assert_true(s.r[0].detected);
	assert_true(s.r[0].delay_ms <= -120000);	/* left at least the lead ahead */
	assert_int_equal(s.r[0].false_switches, 0);
	assert_int_equal(sim_check_goals(&s, NULL), 0);
	/* with prediction off the reboot is found only when it happens */
	o.params.predictive = false;
	assert_int_equal(sim_run(DATA "ok_reboot_countdown.trace", &o, &s, err, sizeof(err)), 0);
	assert_true(sim_check_goals(&s, NULL) > 0);
}

/* A blackhole on the primary at 300 s, 500 ms rounds of 3 probes, no noise. */
static void write_blackhole(const char *path)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "starfail-trace 1\nmember wan class=lan priority=1\nmember lte class=cellular priority=2\n");
	for (int64_t t = 0; t <= 420000; t += 500) {
		if (t == 300000)
			fprintf(f, "fault %lld wan blackhole\ntruth %lld wan bad\n", (long long)t,
				(long long)t);
		if (t >= 300000)
			fprintf(f, "%lld wan loss_pct=100 probes=3\n", (long long)t);
		else
			fprintf(f, "%lld wan loss_pct=0 rtt_ms=20 probes=3\n", (long long)t);
		fprintf(f, "%lld lte loss_pct=0 rtt_ms=50 probes=3\n", (long long)t);
	}
	fclose(f);
}

static const struct sim_result *result(const struct sim_summary *s, const char *pol)
{
	for (int k = 0; k < s->n; k++)
		if (!strcmp(s->r[k].policy, pol))
			return &s->r[k];
	fail_msg("no policy %s", pol);
	return NULL;
}

static void test_baselines_match_their_defaults(void **st)
{
	char path[] = "/tmp/test_sim_bh_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_blackhole(path);
	struct sim_opts o = { .policies = (1u << __POL_MAX) - 1, .seed = 7 };
	struct sim_summary s;
	char err[256];
	engine_params_defaults(&o.params);
	assert_int_equal(sim_run(path, &o, &s, err, sizeof(err)), 0);
	unlink(path);
	const struct sim_result *sf = result(&s, "starfail"), *mw = result(&s, "mwan3"),
				*ru = result(&s, "rutos"), *dp = result(&s, "dpinger");
	for (int k = 0; k < s.n; k++) {
		assert_true(s.r[k].detected);
		assert_int_equal(s.r[k].switches, 1);
		assert_int_equal(s.r[k].false_switches, 0);
	}
	/* ours: within 2 s of the first lost probe (it is at 300 s exactly) */
	assert_true(sf->delay_ms >= 0 && sf->delay_ms <= 2000);
	/* mwan3track: <=10 s wait + 5 x 4 s timeouts + 4 x 10 s = 60-70 s */
	assert_true(mw->delay_ms >= 60000 && mw->delay_ms <= 70500);
	/* RutOS: <=3 s + 3 x 1 s + 2 x 3 s = 9-12 s */
	assert_true(ru->delay_ms >= 9000 && ru->delay_ms <= 12500);
	/* dpinger: loss over 60 s passes 20 % after ~12.5 s, + 2 s loss interval = 14-15 s */
	assert_true(dp->delay_ms >= 13500 && dp->delay_ms <= 15500);
}

static void test_policy_names(void **st)
{
	unsigned m = 0;
	assert_int_equal(sim_policy_parse("dpinger", &m), 0);
	assert_int_equal(m, 1u << POL_DPINGER);
	assert_int_equal(sim_policy_parse("all", &m), 0);
	assert_int_equal(m, (1u << __POL_MAX) - 1);
	assert_int_equal(sim_policy_parse("mwan4", &m), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_inputs_name_the_line),
		cmocka_unit_test(test_hostile_lines),
		cmocka_unit_test(test_reader_values),
		cmocka_unit_test(test_hand_made_goals),
		cmocka_unit_test(test_baselines_match_their_defaults),
		cmocka_unit_test(test_policy_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
