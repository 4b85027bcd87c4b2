/*
 * test_engine_caps.c - the data cap gate (engine_member_set_cap) on the fake
 * clock of test_engine_harness.c: `stop` makes a member unusable (a capped
 * primary leaves at once, nothing else usable = no primary), `avoid` keeps
 * it as the last resort (left at once for an uncapped usable member, chosen
 * again when it is the only usable one), and clearing the cap brings it back
 * through the normal restore rules. The byte counting and cycle arithmetic:
 * test_caps.c.
 */
#include "test_engine_harness.c"

static void test_cap_stop_never_chosen(void **st)
{
	struct ctx *x = setup_ctx(NULL, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	assert_int_equal(x->last.primary, 0);
	assert_int_equal(engine_member_set_cap(x->e, 0, ENGINE_CAP_STOP), 0);
	int64_t t0 = x->t;
	assert_int_equal(run_until_switch(x, t0 + 5000), t0);	/* at once, no window */
	assert_int_equal(x->last.primary, 1);
	assert_int_equal(x->last.reason, RSN_DATA_CAP);
	struct engine_score_info si;
	assert_int_equal(engine_member_score(x->e, 0, &si), 0);
	assert_int_equal(si.cap, ENGINE_CAP_STOP);
	const struct engine_event *ev = find_ev(x, EV_SWITCH, RSN_DATA_CAP, 0);
	assert_non_null(ev);
	assert_int_equal(ev->from, 0);
	assert_int_equal(ev->to, 1);

	/* b dies: a still works, but stop means never */
	x->link[1].up = TRI_FALSE;
	t0 = x->t;
	assert_int_equal(run_until_switch(x, t0 + 5000), t0);
	assert_int_equal(x->last.primary, -1);
	assert_int_equal(x->last.reason, RSN_ALL_DOWN);
	run_until(x, x->t + 60000);
	assert_int_equal(x->last.primary, -1);
	/* a pin does not hold a stopped member either */
	assert_int_equal(engine_pin(x->e, 0, x->t), 0);
	run_until(x, x->t + 2000);
	assert_int_equal(x->last.primary, -1);
	engine_unpin(x->e, x->t);

	/* the cycle resets: a is usable again and taken */
	assert_int_equal(engine_member_set_cap(x->e, 0, ENGINE_CAP_NONE), 0);
	t0 = x->t;
	assert_int_equal(run_until_switch(x, t0 + 5000), t0);
	assert_int_equal(x->last.primary, 0);
	assert_int_equal(engine_member_set_cap(x->e, 0, (enum engine_cap)7), -1);
	assert_int_equal(engine_member_set_cap(x->e, 5, ENGINE_CAP_STOP), -1);
	teardown_ctx(x);
}

static void test_cap_avoid_last_resort(void **st)
{
	struct ctx *x = setup_ctx(NULL, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	assert_int_equal(x->last.primary, 0);
	/* a, the preferred tier, reaches its cap: b at once */
	engine_member_set_cap(x->e, 0, ENGINE_CAP_AVOID);
	int64_t t0 = x->t;
	assert_int_equal(run_until_switch(x, t0 + 5000), t0);
	assert_int_equal(x->last.primary, 1);
	assert_int_equal(x->last.reason, RSN_DATA_CAP);
	assert_non_null(strstr(x->last.text, "cap=avoid"));
	/* a is better tier and good for long: still no restore to it */
	run_until(x, x->t + 300000);
	assert_int_equal(x->last.primary, 1);

	/* b dies: a is the only usable member, so it carries the traffic */
	x->link[1].up = TRI_FALSE;
	t0 = x->t;
	assert_int_equal(run_until_switch(x, t0 + 5000), t0);
	assert_int_equal(x->last.primary, 0);
	assert_int_equal(x->last.reason, RSN_HARD_FAIL_LINK);
	/* b comes back (bad at first, then good): a is left as soon as b is usable */
	x->link[1].up = TRI_TRUE;
	t0 = x->t;
	int64_t t = run_until_switch(x, t0 + 10000);
	assert_true(t >= t0 && t <= t0 + 2 * ROUND_MS);
	assert_int_equal(x->last.primary, 1);
	assert_int_equal(x->last.reason, RSN_DATA_CAP);

	/* cap cleared (new cycle): a comes back by the restore rule */
	engine_member_set_cap(x->e, 0, ENGINE_CAP_NONE);
	t = run_until_switch(x, x->t + 600000);
	assert_true(t > 0);
	assert_int_equal(x->last.primary, 0);
	assert_int_equal(x->last.reason, RSN_RESTORE);
	assert_int_equal(count_ev(x, EV_SWITCH, RSN_DATA_CAP), 2);
	teardown_ctx(x);
}

/* both capped `avoid`: the normal rules among them, the preferred one used */
static void test_cap_avoid_all_capped(void **st)
{
	struct ctx *x = setup_ctx(NULL, CLASS_LAN, CLASS_CELLULAR);
	engine_member_set_cap(x->e, 0, ENGINE_CAP_AVOID);
	engine_member_set_cap(x->e, 1, ENGINE_CAP_AVOID);
	run_until(x, 10000);
	assert_int_equal(x->last.primary, 0);
	assert_int_equal(x->last.reason, RSN_INITIAL);
	/* only b capped from the start: a first, b never */
	teardown_ctx(x);
	x = setup_ctx(NULL, CLASS_LAN, CLASS_CELLULAR);
	engine_member_set_cap(x->e, 0, ENGINE_CAP_AVOID);
	run_until(x, 10000);
	assert_int_equal(x->last.primary, 1);
	teardown_ctx(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_stop_never_chosen),
		cmocka_unit_test(test_cap_avoid_last_resort),
		cmocka_unit_test(test_cap_avoid_all_capped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
