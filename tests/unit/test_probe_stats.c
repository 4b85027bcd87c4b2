/* test_probe_stats.c - the probe window: ring, latency, p95, jitter, loss */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "probe_stats.h"

static void push(struct probe_ring *r, int n_targets, const float *rtt)
{
	struct probe_slot s = { .t_ms = 0 };
	for (int t = 0; t < n_targets; t++) {
		s.sent_mask |= (uint8_t)(1u << t);
		s.rtt_ms[t] = rtt[t];
		if (!isnan(rtt[t]))
			s.up = true;
	}
	probe_ring_push(r, &s);
}

static void test_capacity(void **state)
{
	assert_int_equal(probe_ring_capacity(60000, 1000), 60);
	assert_int_equal(probe_ring_capacity(60000, 7000), 9);	/* rounded up */
	assert_int_equal(probe_ring_capacity(100, 1000), 2);	/* at least 2 */
	assert_int_equal(probe_ring_capacity(3600000, 50), PROBE_RING_MAX);
	struct probe_ring r;
	assert_int_equal(probe_ring_init(&r, 0, 1), -1);
	assert_int_equal(probe_ring_init(&r, 10, PROBE_TARGETS_MAX + 1), -1);
}

static void test_empty_is_unknown(void **state)
{
	struct probe_ring r;
	struct probe_summary s;
	assert_int_equal(probe_ring_init(&r, 4, 2), 0);
	probe_ring_summarize(&r, &s);
	assert_true(isnan(s.latency_ms) && isnan(s.latency_p95_ms) && isnan(s.jitter_ms) && isnan(s.loss_pct));
	assert_int_equal(s.window_rounds, 0);
	probe_ring_free(&r);
}

static void test_figures(void **state)
{
	struct probe_ring r;
	struct probe_summary s;
	assert_int_equal(probe_ring_init(&r, 100, 1), 0);
	/* RTTs 1..20 ms: mean 10.5, p95 nearest rank = 19, jitter 1 */
	for (int i = 1; i <= 20; i++) {
		float v = (float)i;
		push(&r, 1, &v);
	}
	probe_ring_summarize(&r, &s);
	assert_float_equal(s.latency_ms, 10.5, 1e-6);
	assert_float_equal(s.latency_p95_ms, 19.0, 1e-6);
	assert_float_equal(s.jitter_ms, 1.0, 1e-6);
	assert_float_equal(s.loss_pct, 0.0, 1e-9);
	assert_int_equal(s.window_rounds, 20);
	probe_ring_free(&r);
}

static void test_ring_wraps(void **state)
{
	struct probe_ring r;
	struct probe_summary s;
	assert_int_equal(probe_ring_init(&r, 3, 1), 0);
	float lost = NAN;
	push(&r, 1, &lost);
	push(&r, 1, &lost);
	for (int i = 0; i < 3; i++) {	/* the lost rounds leave the window */
		float v = 50;
		push(&r, 1, &v);
	}
	probe_ring_summarize(&r, &s);
	assert_int_equal(s.window_rounds, 3);
	assert_float_equal(s.loss_pct, 0.0, 1e-9);
	assert_float_equal(s.latency_ms, 50.0, 1e-6);
	assert_float_equal(s.jitter_ms, 0.0, 1e-9);
	probe_ring_free(&r);
}

static void test_dead_target_is_not_loss(void **state)
{
	struct probe_ring r;
	struct probe_summary s;
	assert_int_equal(probe_ring_init(&r, 10, 3), 0);
	/* target 2 never answers (filters ICMP); target 1 loses 1 of 4 */
	float a[3] = { 10, 20, NAN }, b[3] = { 12, NAN, NAN };
	push(&r, 3, a);
	push(&r, 3, a);
	push(&r, 3, b);
	push(&r, 3, a);
	probe_ring_summarize(&r, &s);
	/* sent to live targets: 8, lost 1 */
	assert_float_equal(s.loss_pct, 12.5, 1e-9);
	/* jitter pairs: t0 10->10 (0), 10->12 (2), 12->10 (2); t1 20->20 (0), 20->20 (0) */
	assert_float_equal(s.jitter_ms, 4.0 / 5.0, 1e-6);
	probe_ring_free(&r);
}

static void test_all_lost(void **state)
{
	struct probe_ring r;
	struct probe_summary s;
	assert_int_equal(probe_ring_init(&r, 5, 2), 0);
	float l[2] = { NAN, NAN };
	push(&r, 2, l);
	push(&r, 2, l);
	probe_ring_summarize(&r, &s);
	assert_float_equal(s.loss_pct, 100.0, 1e-9);
	assert_true(isnan(s.latency_ms));
	probe_ring_free(&r);
}

static void test_unsent_not_counted(void **state)
{
	struct probe_ring r;
	struct probe_summary s;
	assert_int_equal(probe_ring_init(&r, 5, 2), 0);
	struct probe_slot slot = { .sent_mask = 1, .rtt_ms = { 30, NAN } };	/* target 1: no IPv6 */
	probe_ring_push(&r, &slot);
	probe_ring_summarize(&r, &s);
	assert_float_equal(s.loss_pct, 0.0, 1e-9);
	assert_float_equal(s.latency_ms, 30.0, 1e-6);
	probe_ring_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_empty_is_unknown),
		cmocka_unit_test(test_figures),
		cmocka_unit_test(test_ring_wraps),
		cmocka_unit_test(test_dead_target_is_not_loss),
		cmocka_unit_test(test_all_lost),
		cmocka_unit_test(test_unsent_not_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
