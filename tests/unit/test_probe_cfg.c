/* test_probe_cfg.c - probe targets, member probe config, sample mapping */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <stdlib.h>

#include "controller.h"
#include "probe.h"

static const struct cfg_option *ctl_options_ptr(void)
{
	return ctl_options;
}

static void test_targets_ok(void **state)
{
	struct probe_target t;
	char err[128];
	assert_int_equal(probe_target_parse("1.1.1.1", &t, err, sizeof(err)), 0);
	assert_int_equal(t.kind, PROBE_ICMP);
	assert_int_equal(t.family, AF_INET);
	assert_int_equal(t.addr.v4.s_addr, htonl(0x01010101));

	assert_int_equal(probe_target_parse("icmp:2606:4700:4700::1111", &t, err, sizeof(err)), 0);
	assert_int_equal(t.kind, PROBE_ICMP);
	assert_int_equal(t.family, AF_INET6);

	assert_int_equal(probe_target_parse("tcp:1.1.1.1:443", &t, err, sizeof(err)), 0);
	assert_int_equal(t.kind, PROBE_TCP);
	assert_int_equal(t.port, 443);

	assert_int_equal(probe_target_parse("tcp:[2606:4700:4700::1111]:853", &t, err, sizeof(err)), 0);
	assert_int_equal(t.family, AF_INET6);
	assert_int_equal(t.port, 853);

	assert_int_equal(probe_target_parse("dns:9.9.9.9", &t, err, sizeof(err)), 0);
	assert_int_equal(t.kind, PROBE_DNS);
	assert_int_equal(t.port, 53);
	assert_int_equal(probe_target_parse("dns:2620:fe::fe", &t, err, sizeof(err)), 0);
	assert_int_equal(t.family, AF_INET6);
	assert_int_equal(t.port, 53);
	assert_int_equal(probe_target_parse("dns:[2620:fe::fe]:5353", &t, err, sizeof(err)), 0);
	assert_int_equal(t.port, 5353);
	assert_int_equal(probe_target_parse("dns:127.0.0.1:5353", &t, err, sizeof(err)), 0);
	assert_int_equal(t.port, 5353);
	assert_string_equal(t.text, "dns:127.0.0.1:5353");
}

static void test_targets_bad(void **state)
{
	struct probe_target t;
	char err[128];
	const char *bad[] = { "", "one.one.one.one", "tcp:1.1.1.1", "tcp:1.1.1.1:0", "tcp:1.1.1.1:65536",
			      "tcp:[::1", "tcp:[::1]x", "icmp:", "udp:1.1.1.1", "1.1.1.1.1", "dns:1.1.1.1:x",
			      "tcp:1.1.1.1:443x", "0123456789012345678901234567890123456789012345678901234567890123456789" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(probe_target_parse(bad[i], &t, err, sizeof(err)), -1);
		assert_true(strlen(err) > 0);
	}
	probe_target_parse("udp:1.1.1.1", &t, err, sizeof(err));
	assert_non_null(strstr(err, "udp:1.1.1.1"));	/* the message names the input */
}

static struct probe_params params(void)
{
	struct probe_params pp = { .timeout_ms = 500, .window_ms = 60000, .standby_interval_ms = 5000,
				   .metered_interval_ms = 60000, .reliability = 1, .fast_rounds = 3,
				   .payload_bytes = 16, .dns_name = "." };
	pp.targets.n = 2;
	strcpy(pp.targets.v[0], "1.1.1.1");
	strcpy(pp.targets.v[1], "dns:9.9.9.9");
	return pp;
}

static void test_member_cfg(void **state)
{
	struct probe_params pp = params();
	struct probe_member_cfg mc;
	char err[160];

	assert_int_equal(probe_member_cfg_build(&mc, &pp, "wan", "eth1", NULL, 0, true, 0, 1000, err, sizeof(err)), 0);
	assert_int_equal(mc.n_targets, 2);
	assert_int_equal(mc.reliability, 1);
	assert_true(mc.metered);
	assert_int_equal(mc.interval_ms, 1000);

	struct cfg_list own = { .n = 3 };
	strcpy(own.v[0], "8.8.8.8");
	strcpy(own.v[1], "8.8.4.4");
	strcpy(own.v[2], "tcp:8.8.8.8:53");
	assert_int_equal(probe_member_cfg_build(&mc, &pp, "lte", "wwan0", &own, 2, false, 0x100, 1000, err, sizeof(err)), 0);
	assert_int_equal(mc.n_targets, 3);
	assert_int_equal(mc.reliability, 2);
	assert_int_equal(mc.mark, 0x100);

	assert_int_equal(probe_member_cfg_build(&mc, &pp, "lte", "wwan0", &own, 4, false, 0, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "reliability"));
	assert_int_equal(probe_member_cfg_build(&mc, &pp, "x", "a-very-long-device-name", NULL, 0, false, 0, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "device"));
	strcpy(own.v[1], "nonsense");
	assert_int_equal(probe_member_cfg_build(&mc, &pp, "lte", "wwan0", &own, 1, false, 0, 1000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "lte"));
	assert_non_null(strstr(err, "nonsense"));
	strcpy(pp.dns_name, "bad name");
	assert_int_equal(probe_member_cfg_build(&mc, &pp, "wan", "eth1", NULL, 0, false, 0, 1000, err, sizeof(err)), -1);
}

static void test_options_table(void **state)
{
	/* every option has a default, help, and a range that holds the default */
	for (const struct cfg_option *o = probe_options; o->name; o++) {
		assert_non_null(o->def);
		assert_non_null(o->help);
		if (o->type == CFG_INT) {
			double v = atof(o->def);
			assert_true(v >= o->min && v <= o->max);
		}
	}
	for (const struct cfg_option *o = ctl_options_ptr(); o->name; o++)
		assert_non_null(o->help);
}

static void test_to_sample(void **state)
{
	struct sample s;
	sample_init(&s, 5);
	struct probe_summary ps = { .latency_ms = 40, .latency_p95_ms = 60, .jitter_ms = 3, .loss_pct = 10,
				    .lost_in_row = 2, .rounds = 7 };
	probe_summary_to_sample(&ps, &s);
	assert_float_equal(s.latency_ms, 40, 1e-9);
	assert_float_equal(s.latency_p95_ms, 60, 1e-9);
	assert_float_equal(s.jitter_ms, 3, 1e-9);
	assert_float_equal(s.loss_pct, 10, 1e-9);
	assert_int_equal(s.probes_lost_in_row, 2);
	ps.rounds = 0;	/* no round yet: lost-in-row unknown */
	probe_summary_to_sample(&ps, &s);
	assert_int_equal(s.probes_lost_in_row, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets_ok),
		cmocka_unit_test(test_targets_bad),
		cmocka_unit_test(test_member_cfg),
		cmocka_unit_test(test_options_table),
		cmocka_unit_test(test_to_sample),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
