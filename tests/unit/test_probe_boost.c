/* test_probe_boost.c - adaptive evidence (boost, budget) and the passive stall rule, fake clock */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "probe_boost.h"

static struct probe_boost mk(int iv, int hold, int kb)
{
	struct probe_boost b;
	struct probe_boost_cfg c = { .interval_ms = iv, .hold_ms = hold, .budget_kb_day = kb };
	probe_boost_init(&b, &c);
	return b;
}

static void test_not_boosted_is_cadence(void **st)
{
	struct probe_boost b = mk(300, 3000, 1000);
	bool boosted = true;
	assert_int_equal(probe_boost_next(&b, 1000, 2500, 264, 1100, &boosted), 2500);
	assert_false(boosted);
	assert_int_equal(b.rounds, 0);
}

static void test_boost_brings_rounds_forward_until_hold(void **st)
{
	struct probe_boost b = mk(300, 3000, 1000);
	bool boosted;
	probe_boost_request(&b, 1000, 4000);
	assert_true(probe_boost_active(&b, 1000));
	assert_int_equal(probe_boost_next(&b, 1000, 2500, 264, 1050, &boosted), 1300);
	assert_true(boosted);
	/* a round that ran late: not before now */
	assert_int_equal(probe_boost_next(&b, 1000, 2500, 264, 1400, &boosted), 1400);
	/* the regular round is sooner anyway: no charge */
	assert_int_equal(probe_boost_next(&b, 1000, 1200, 264, 1050, &boosted), 1200);
	assert_false(boosted);
	assert_int_equal(b.rounds, 2);
	assert_int_equal(b.bytes, 528);
	assert_false(probe_boost_active(&b, 4000));
	assert_int_equal(probe_boost_next(&b, 4000, 5500, 264, 4000, &boosted), 5500);
	/* cleared explicitly */
	probe_boost_request(&b, 6000, 9000);
	assert_true(probe_boost_active(&b, 6000));
	probe_boost_request(&b, 6100, 0);
	assert_false(probe_boost_active(&b, 6100));
	assert_int_equal(b.requests, 2);
}

static void test_budget_bucket(void **st)
{
	/* the bucket holds 1/PROBE_BOOST_BUCKET_DIV of the daily budget: 10 kB here */
	struct probe_boost b = mk(300, 3000, 10 * PROBE_BOOST_BUCKET_DIV);
	int64_t t = 0;
	int taken = 0;
	probe_boost_request(&b, t, INT64_MAX);
	for (int i = 0; i < 100; i++, t += 300) {
		bool boosted;
		probe_boost_next(&b, t, t + 1500, 1000, t, &boosted);
		taken += boosted;
	}
	assert_int_equal(taken, 10);
	assert_int_equal(b.denied, 90);
	/* a quarter of the bucket's time later: a quarter of it back */
	t += 86400000 / PROBE_BOOST_BUCKET_DIV / 4;
	taken = 0;
	for (int i = 0; i < 20; i++, t += 300) {
		bool boosted;
		probe_boost_next(&b, t, t + 1500, 1000, t, &boosted);
		taken += boosted;
	}
	assert_int_equal(taken, 2);	/* 2.5 kB back: two rounds of 1 kB */
	assert_true(probe_boost_tokens(&b, t) < 1000);
	assert_true(fabs(probe_boost_tokens(&b, t + 86400000) - 10000) < 1e-6);	/* full, no more */
}

static void test_off(void **st)
{
	struct probe_boost b = mk(0, 3000, 1000);
	probe_boost_request(&b, 0, 5000);
	assert_false(probe_boost_active(&b, 1));
	assert_int_equal(probe_boost_next(&b, 0, 1500, 264, 10, NULL), 1500);
	assert_int_equal(probe_boost_confirm_timeout_ms(&b, 600, 20), 600);
	struct probe_boost z = mk(300, 3000, 0);	/* no budget: never faster */
	probe_boost_request(&z, 0, 5000);
	assert_int_equal(probe_boost_next(&z, 0, 1500, 264, 10, NULL), 1500);
}

static void test_confirm_timeout(void **st)
{
	struct probe_boost b = mk(300, 3000, 1000);
	assert_int_equal(probe_boost_confirm_timeout_ms(&b, 600, 10), PROBE_BOOST_TIMEOUT_MIN_MS);
	assert_int_equal(probe_boost_confirm_timeout_ms(&b, 600, 80), 320);
	assert_int_equal(probe_boost_confirm_timeout_ms(&b, 600, 400), 600);
	assert_int_equal(probe_boost_confirm_timeout_ms(&b, 600, NAN), 600);
}

static void test_stall(void **st)
{
	struct probe_stall s;
	probe_stall_init(&s, 500);
	/* healthy traffic: every packet out is answered */
	assert_false(probe_stall_feed(&s, 0, 100, 100, 0));
	assert_false(probe_stall_feed(&s, 250, 110, 110, 0));
	assert_true(probe_stall_busy(&s));
	assert_false(probe_stall_feed(&s, 500, 120, 120, 0));
	/* from 500 no answers; the dish (on the same device) still answers 1 of 5 */
	assert_false(probe_stall_feed(&s, 750, 121, 125, 0));
	assert_false(probe_stall_feed(&s, 900, 121, 128, 0));	/* window 400 ms: not yet */
	assert_true(probe_stall_feed(&s, 1000, 122, 130, 0));	/* 500..1000: 2 in, 10 out */
	assert_int_equal(s.fires, 1);
	assert_int_equal(s.stalled_ms, 500);
	assert_false(probe_stall_feed(&s, 1250, 122, 135, 0));	/* once per stall */
	/* answers again, then a new stall fires again */
	assert_false(probe_stall_feed(&s, 1500, 130, 140, 0));
	assert_false(probe_stall_feed(&s, 1750, 140, 150, 0));
	assert_false(probe_stall_feed(&s, 2000, 140, 155, 0));
	assert_true(probe_stall_feed(&s, 2250, 140, 160, 0));	/* 1750..2250: 0 in, 10 out */
	assert_false(probe_stall_feed(&s, 2500, 140, 165, 0));
	assert_int_equal(s.fires, 2);
}

static void test_stall_not_our_probes_nor_idle(void **st)
{
	struct probe_stall s;
	probe_stall_init(&s, 500);
	assert_false(probe_stall_feed(&s, 0, 10, 10, 0));
	/* only our own probes went out, unanswered: the rounds judge that */
	for (int64_t t = 1500; t <= 6000; t += 1500)
		assert_false(probe_stall_feed(&s, t, 10, 10 + (uint64_t)t / 500, 3));
	assert_false(probe_stall_busy(&s));
	/* an idle link: nothing moves, nothing fires */
	probe_stall_init(&s, 500);
	for (int64_t t = 0; t <= 6000; t += 1500)
		assert_false(probe_stall_feed(&s, t, 50, 50, 0));
	/* a download: a few packets out, many in */
	probe_stall_init(&s, 500);
	for (int64_t t = 0; t <= 6000; t += 250)
		assert_false(probe_stall_feed(&s, t, 1000 + (uint64_t)t, 1000 + (uint64_t)t / 50, 0));
	/* counters that go back (device re-created) restart the detector */
	probe_stall_init(&s, 500);
	assert_false(probe_stall_feed(&s, 0, 1000, 1000, 0));
	assert_false(probe_stall_feed(&s, 1000, 5, 50, 0));
	assert_false(probe_stall_feed(&s, 1400, 5, 60, 0));
	assert_true(probe_stall_feed(&s, 1500, 5, 61, 0));
	/* off */
	probe_stall_init(&s, 0);
	assert_false(probe_stall_feed(&s, 0, 1, 1, 0));
	assert_false(probe_stall_feed(&s, 5000, 1, 100, 0));
}

static void test_counters_hostile(void **st)
{
	struct probe_counters c;
	uint64_t rx, tx;
	probe_counters_init(&c);
	assert_int_equal(probe_counters_read(&c, &rx, &tx), -1);
	assert_int_equal(probe_counters_open(&c, "../../etc"), -1);
	assert_int_equal(probe_counters_open(&c, "no-such-dev0"), -1);
	assert_int_equal(probe_counters_open(&c, ""), -1);
	if (probe_counters_open(&c, "lo") == 0) {	/* /sys mounted */
		assert_int_equal(probe_counters_read(&c, &rx, &tx), 0);
		uint64_t rx2, tx2;
		assert_int_equal(probe_counters_read(&c, &rx2, &tx2), 0);
		assert_true(rx2 >= rx && tx2 >= tx);
	}
	probe_counters_close(&c);
	probe_counters_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_boosted_is_cadence),
		cmocka_unit_test(test_boost_brings_rounds_forward_until_hold),
		cmocka_unit_test(test_budget_bucket),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_confirm_timeout),
		cmocka_unit_test(test_stall),
		cmocka_unit_test(test_stall_not_our_probes_nor_idle),
		cmocka_unit_test(test_counters_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
