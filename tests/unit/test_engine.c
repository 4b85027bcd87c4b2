/*
 * test_engine.c - every hysteresis and decision rule of the engine, driven
 * by a fake clock (test_engine_harness.c), each asserting the exact
 * decision, its reason and when it happened. Predictive signals and Starlink
 * slot weighting: test_engine_predict.c.
 */
#include "test_engine_harness.c"

/* ---- tests ---- */

static void test_initial_waits_then_prefers_tier(void **st)
{
	struct ctx *x = setup_ctx(NULL, CLASS_LAN, CLASS_CELLULAR);
	x->link[1].rtt_ms = 10;	/* b scores as well as a, but a has the better tier */
	struct engine_decision d = step(x);
	assert_int_equal(d.primary, -1);
	assert_int_equal(d.reason, RSN_NONE);	/* waiting, not "all down" */
	int64_t t = run_until_switch(x, 10000);
	assert_int_equal(t, x->p.short_window_ms);
	assert_int_equal(x->last.primary, 0);
	assert_int_equal(x->last.reason, RSN_INITIAL);
	teardown_ctx(x);
}

static void test_hard_fail_loss_bypasses_windows(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	p.loss_cusum_threshold = 1000;	/* only the hard-failure rule may act */
	p.fail_window_ms = 600000;
	struct ctx *x = setup_ctx(&p, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	int64_t first_lost = x->t;
	x->link[0].lost = 3;
	int64_t t = run_until_switch(x, first_lost + 10000);
	/* the switch comes with the hard_fail_rounds-th fully lost round */
	assert_int_equal(t, first_lost + (x->p.hard_fail_rounds - 1) * ROUND_MS);
	assert_int_equal(x->last.primary, 1);
	assert_int_equal(x->last.reason, RSN_HARD_FAIL_LOSS);
	assert_non_null(strstr(x->last.text, "lost_in_row=3"));
	teardown_ctx(x);
}

static void test_hard_fail_ignores_cooldown(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	p.cooldown_ms = 600000;
	struct ctx *x = setup_ctx(&p, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	x->link[0].lost = 3;
	assert_true(run_until_switch(x, x->t + 5000) > 0);	/* first switch: a -> b */
	x->link[0].lost = 0;
	x->link[1].lost = 3;	/* b dies right away, well inside the cooldown */
	int64_t t0 = x->t;
	int64_t t = run_until_switch(x, t0 + 5000);
	assert_int_equal(t, t0 + 2 * ROUND_MS);
	assert_int_equal(x->last.primary, 0);
	assert_int_equal(x->last.reason, RSN_HARD_FAIL_LOSS);
	teardown_ctx(x);
}

static void test_hard_fail_link_down(void **st)
{
	struct ctx *x = setup_ctx(NULL, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	int64_t t0 = x->t;
	x->link[0].up = TRI_FALSE;
	int64_t t = run_until_switch(x, t0 + 5000);
	assert_int_equal(t, t0);
	assert_int_equal(x->last.reason, RSN_HARD_FAIL_LINK);
	assert_int_equal(x->last.primary, 1);
	teardown_ctx(x);
}

static void test_hard_fail_starlink_outage(void **st)
{
	struct ctx *x = setup_ctx(NULL, CLASS_STARLINK, CLASS_CELLULAR);
	settle(x);
	struct sample s;
	sample_init(&s, x->t);
	s.sl.outage_cause = SL_OUTAGE_NO_SATS;
	assert_int_equal(engine_observe(x->e, 0, &s), 0);
	int64_t t0 = x->t;
	int64_t t = run_until_switch(x, t0 + 5000);
	assert_int_equal(t, t0);
	assert_int_equal(x->last.reason, RSN_HARD_FAIL_STARLINK);
	teardown_ctx(x);
}

static void test_fail_window(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	p.predictive = false;	/* a pure soft failure: no latency trend trigger */
	p.fail_window_ms = 3000;
	struct ctx *x = setup_ctx(&p, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	int64_t t0 = x->t;
	x->link[0].rtt_ms = 900;	/* full latency penalty: bad, not a hard failure */
	int64_t t = run_until_switch(x, t0 + 20000);
	int64_t bad = state_time(x, 0, "bad", t0);
	assert_true(bad >= t0);
	/* the first decision at or after bad + fail_window_ms, not one round earlier */
	assert_true(t >= bad + p.fail_window_ms);
	assert_true(t < bad + p.fail_window_ms + ROUND_MS);
	assert_int_equal(x->last.reason, RSN_SOFT_FAIL);
	assert_int_equal(x->last.primary, 1);
	assert_non_null(strstr(x->last.text, "bad_ms="));
	teardown_ctx(x);
}

static void test_loss_evidence_needs_no_fail_window(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	p.fail_window_ms = 60000;	/* the latency path would wait a minute */
	struct ctx *x = setup_ctx(&p, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	int64_t t0 = x->t;
	x->link[0].lost = 1;	/* 33 % loss, no round fully lost: no hard failure */
	int64_t t = run_until_switch(x, t0 + 20000);
	assert_true(t > t0 && t < t0 + 5000);
	assert_int_equal(x->last.reason, RSN_SOFT_FAIL);
	assert_non_null(strstr(x->last.text, "loss_evidence="));
	teardown_ctx(x);
}

static void test_restore_window(void **st)
{
	struct ctx *x = setup_ctx(NULL, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	x->link[0].lost = 3;
	run_until_switch(x, x->t + 5000);
	run_until(x, x->t + 40000);	/* past the cooldown */
	int64_t back = x->t;
	x->link[0].lost = 0;
	int64_t t = run_until_switch(x, back + 120000);
	/* good = instant score good, loss evidence below half its threshold;
	 * the promotion comes with the first decision after restore_window_ms of it */
	assert_int_equal(x->last.reason, RSN_RESTORE);
	const char *g = strstr(x->last.text, "good_ms=");
	assert_non_null(g);
	long good_ms = strtol(g + 8, NULL, 10);
	assert_true(good_ms >= x->p.restore_window_ms);
	assert_true(good_ms < x->p.restore_window_ms + ROUND_MS);
	assert_true(t - back >= x->p.restore_window_ms);
	assert_int_equal(x->last.primary, 0);
	teardown_ctx(x);
}

static void test_min_uptime(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	p.restore_window_ms = 1000;
	p.min_uptime_ms = 20000;
	p.cooldown_ms = 0;
	struct ctx *x = setup_ctx(&p, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	int64_t back = outage_then_back(x);
	int64_t t = run_until_switch(x, back + 60000);
	/* up since the first answered round (back); eligible min_uptime_ms later */
	assert_true(t >= back + p.min_uptime_ms);
	assert_true(t < back + p.min_uptime_ms + ROUND_MS);
	assert_int_equal(x->last.reason, RSN_RESTORE);
	teardown_ctx(x);
}

static void test_cooldown_suppresses(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	p.predictive = false;
	p.cooldown_ms = 30000;
	p.restore_window_ms = 5000;
	p.min_uptime_ms = 0;
	struct ctx *x = setup_ctx(&p, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	x->link[0].lost = 3;
	int64_t t1 = run_until_switch(x, x->t + 5000);	/* hard: a -> b */
	x->link[0].lost = 0;
	int64_t t2 = run_until_switch(x, x->t + 60000);	/* restore b -> a, after the cooldown */
	assert_true(t2 - t1 >= p.cooldown_ms);
	int supp = count_ev(x, EV_SUPPRESSED, RSN_COOLDOWN_SUPPRESSED);
	assert_int_equal(supp, 1);	/* said once, not every round */
	const struct engine_event *ev = find_ev(x, EV_SUPPRESSED, RSN_COOLDOWN_SUPPRESSED, 0);
	assert_non_null(strstr(ev->text, "would=restore"));
	assert_non_null(strstr(ev->text, "cooldown_ms=30000"));
	/* and the soft failure right after the restore waits for the cooldown too */
	x->link[0].rtt_ms = 900;
	int64_t t3 = run_until_switch(x, x->t + 60000);
	assert_true(t3 - t2 >= p.cooldown_ms);
	assert_int_equal(x->last.reason, RSN_SOFT_FAIL);
	teardown_ctx(x);
}

static void test_margin_suppresses(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	p.predictive = false;
	struct ctx *x = setup_ctx(&p, CLASS_LAN, CLASS_CELLULAR);
	x->link[1].rtt_ms = 450;	/* b is poor (score ~61) but not bad */
	settle(x);
	x->link[0].rtt_ms = 600;	/* a becomes bad (score 55): b leads by < 10 */
	int64_t t = run_until_switch(x, x->t + 120000);
	assert_int_equal(t, -1);
	assert_int_equal(engine_primary(x->e), 0);
	const struct engine_event *ev = find_ev(x, EV_SUPPRESSED, RSN_MARGIN_SUPPRESSED, 0);
	assert_non_null(ev);
	assert_non_null(strstr(ev->text, "would=soft_fail"));
	assert_non_null(strstr(ev->text, "margin=10"));
	teardown_ctx(x);
}

static void test_all_bad_keeps_least_bad(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	p.predictive = false;
	struct ctx *x = setup_ctx(&p, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	x->link[0].rtt_ms = 900;
	x->link[1].rtt_ms = 950;
	run_until(x, x->t + 60000);
	assert_int_equal(engine_primary(x->e), 0);
	const struct engine_event *ev = find_ev(x, EV_ALL_BAD, RSN_ALL_BAD_KEEP, 0);
	assert_non_null(ev);
	assert_non_null(strstr(ev->text, "keep=a"));
	assert_int_equal(count_ev(x, EV_ALL_BAD, RSN_ALL_BAD_KEEP), 1);
	teardown_ctx(x);
}

static void test_never_picks_down(void **st)
{
	struct ctx *x = setup_ctx(NULL, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	x->link[0].lost = 3;
	x->link[1].lost = 3;
	run_until(x, x->t + 5000);
	assert_int_equal(engine_primary(x->e), -1);
	assert_int_equal(x->last.reason, RSN_ALL_DOWN);
	x->link[1].lost = 0;
	int64_t t = run_until_switch(x, x->t + 5000);
	assert_true(t > 0);
	assert_int_equal(x->last.primary, 1);
	assert_int_equal(x->last.reason, RSN_RECOVERED);
	teardown_ctx(x);
}

static void test_pin_and_unpin(void **st)
{
	struct ctx *x = setup_ctx(NULL, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	assert_int_equal(engine_pin(x->e, 1, x->t), 0);
	struct engine_decision d = step(x);
	assert_true(d.changed);
	assert_int_equal(d.primary, 1);
	assert_int_equal(d.reason, RSN_MANUAL_PIN);
	run_until(x, x->t + 60000);	/* a is better, but the pin holds */
	assert_int_equal(engine_primary(x->e), 1);
	engine_unpin(x->e, x->t);
	int64_t t = run_until_switch(x, x->t + 60000);
	assert_true(t > 0);
	assert_int_equal(x->last.primary, 0);
	assert_int_equal(x->last.reason, RSN_RESTORE);
	assert_int_equal(engine_pin(x->e, 7, x->t), -1);
	teardown_ctx(x);
}

static void test_flap_backoff(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	p.recurring_drops = 0;	/* the flap backoff alone (recurring drops: test_recurring_*) */
	struct ctx *x = setup_ctx(&p, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	x->link[0].lost = 3;
	run_until_switch(x, x->t + 5000);
	x->link[0].lost = 0;
	run_until_switch(x, x->t + 60000);	/* restore after 30 s */
	assert_non_null(strstr(x->last.text, "restore_window_ms=30000"));
	x->link[0].lost = 3;	/* fails again soon after its promotion: a flap */
	run_until_switch(x, x->t + 5000);
	x->link[0].lost = 0;
	run_until_switch(x, x->t + 120000);
	assert_int_equal(x->last.reason, RSN_RESTORE);
	assert_non_null(strstr(x->last.text, "restore_window_ms=60000"));
	teardown_ctx(x);
}

static void test_unknown_is_not_zero(void **st)
{
	struct ctx *x = setup_ctx(NULL, CLASS_LAN, CLASS_CELLULAR);
	/* only class/link samples for "a": no rounds, so its scores stay unknown */
	for (int k = 0; k < 20; k++) {
		struct sample s;
		sample_init(&s, x->t);
		assert_int_equal(engine_observe(x->e, 0, &s), 0);
		feed_round(x->e, 1, x->t, 0, 30, TRI_UNKNOWN);
		engine_decide(x->e, x->t, &x->last);
		x->t += ROUND_MS;
	}
	struct engine_score_info si;
	assert_int_equal(engine_member_score(x->e, 0, &si), 0);
	assert_true(isnan(si.instant));
	assert_true(isnan(si.latency_ms));
	assert_int_equal(si.state, MS_UNKNOWN);
	assert_false(si.eligible);
	assert_int_equal(engine_primary(x->e), 1);	/* the member with evidence */
	/* a round with NAN latency and no loss: latency unknown, not 0 */
	feed_round(x->e, 0, x->t, 0, NAN, TRI_UNKNOWN);
	engine_decide(x->e, x->t, NULL);
	assert_int_equal(engine_member_score(x->e, 0, &si), 0);
	assert_true(isnan(si.latency_ms));
	assert_false(isnan(si.instant));
	teardown_ctx(x);
}

static void test_observe_rejects(void **st)
{
	struct ctx *x = setup_ctx(NULL, CLASS_LAN, CLASS_CELLULAR);
	struct sample s;
	sample_init(&s, 5000);
	s.loss_pct = 0;
	assert_int_equal(engine_observe(x->e, 0, &s), 0);
	s.t_ms = 4999;
	assert_int_equal(engine_observe(x->e, 0, &s), -1);	/* time went backwards */
	s.t_ms = 6000;
	s.loss_pct = 150;
	assert_int_equal(engine_observe(x->e, 0, &s), -1);
	s.loss_pct = 0;
	assert_int_equal(engine_observe(x->e, 2, &s), -1);
	assert_int_equal(engine_observe(x->e, -1, &s), -1);
	teardown_ctx(x);
}

static void test_params_and_members_checked(void **st)
{
	struct engine_params p;
	char err[128];
	engine_params_defaults(&p);
	assert_int_equal(engine_params_check(&p, err, sizeof(err)), 0);
	assert_int_equal(p.switch_margin, 10);
	p.good_score = 10;
	assert_int_equal(engine_params_check(&p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "good_score"));
	engine_params_defaults(&p);
	p.cooldown_ms = -5;
	assert_int_equal(engine_params_check(&p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cooldown_ms"));
	engine_params_defaults(&p);
	struct engine_member m[2] = {
		{ .name = "x", .cls = CLASS_LAN, .priority = 1, .weight = 50, .enabled = true },
		{ .name = "x", .cls = CLASS_LAN, .priority = 1, .weight = 50, .enabled = true },
	};
	assert_null(engine_create(&p, m, 2, err, sizeof(err)));
	assert_non_null(strstr(err, "twice"));
	m[1].name[0] = 'y';
	m[1].priority = 0;
	assert_null(engine_create(&p, m, 2, err, sizeof(err)));
	assert_null(engine_create(&p, m, ENGINE_MAX_MEMBERS + 1, err, sizeof(err)));
}

static void test_set_members_keeps_state(void **st)
{
	struct ctx *x = setup_ctx(NULL, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	struct engine_score_info before;
	engine_member_score(x->e, 0, &before);
	struct engine_member m[3] = {
		{ .name = "c", .cls = CLASS_WIFI, .priority = 3, .weight = 50, .enabled = true },
		{ .name = "b", .cls = CLASS_CELLULAR, .priority = 2, .weight = 50, .enabled = true },
		{ .name = "a", .cls = CLASS_LAN, .priority = 1, .weight = 70, .enabled = true },
	};
	char err[128];
	assert_int_equal(engine_set_members(x->e, NULL, m, 3, x->t, err, sizeof(err)), 0);
	assert_int_equal(engine_member_count(x->e), 3);
	assert_int_equal(engine_member_index(x->e, "a"), 2);
	assert_int_equal(engine_primary(x->e), 2);	/* still "a", at its new index */
	struct engine_score_info after;
	engine_member_score(x->e, 2, &after);
	assert_int_equal(after.rounds, before.rounds);	/* its history came along */
	assert_int_equal(engine_member_cfg(x->e, 2)->weight, 70);
	engine_member_score(x->e, 0, &after);
	assert_int_equal(after.rounds, 0);	/* "c" starts fresh */
	/* new ring geometry: roles kept by name, evidence restarts */
	struct engine_params p2 = x->p;
	p2.window_ms = 120000;
	assert_int_equal(engine_set_members(x->e, &p2, m, 3, x->t, err, sizeof(err)), 0);
	assert_int_equal(engine_primary(x->e), 2);
	engine_member_score(x->e, 2, &after);
	assert_int_equal(after.rounds, 0);
	/* the primary removed: said so, and a new one is chosen at the next decision */
	assert_int_equal(engine_set_members(x->e, NULL, m, 2, x->t, err, sizeof(err)), 0);
	assert_int_equal(engine_primary(x->e), -1);
	assert_non_null(find_ev(x, EV_INFO, RSN_MEMBER_REMOVED, 0));
	x->n = 2;
	x->link[0] = x->link[1] = (struct link){ .lost = 0, .rtt_ms = 30, .up = TRI_UNKNOWN };
	run_until(x, x->t + 5000);
	assert_int_equal(engine_primary(x->e), 1);	/* "b": the better tier of c and b */
	assert_int_equal(x->last.reason, RSN_RECOVERED);
	/* a bad list leaves the old one in force */
	m[1] = m[0];
	assert_int_equal(engine_set_members(x->e, NULL, m, 3, x->t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(engine_member_index(x->e, "b"), 1);
	teardown_ctx(x);
}

static void test_pin_overridden_when_down(void **st)
{
	struct ctx *x = setup_ctx(NULL, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	engine_pin(x->e, 0, x->t);
	step(x);
	assert_int_equal(engine_pinned(x->e), 0);
	x->link[0].lost = 3;
	int64_t t = run_until_switch(x, x->t + 5000);
	assert_true(t > 0);
	assert_int_equal(x->last.primary, 1);	/* a pinned member that is down is not used */
	assert_non_null(find_ev(x, EV_INFO, RSN_PIN_OVERRIDDEN, 0));
	x->link[0].lost = 0;
	t = run_until_switch(x, x->t + 5000);	/* back as soon as it answers: the pin holds */
	assert_true(t > 0);
	assert_int_equal(x->last.primary, 0);
	assert_int_equal(x->last.reason, RSN_MANUAL_PIN);
	teardown_ctx(x);
}

static void test_hard_fail_to_warmup_member(void **st)
{
	struct ctx *x = setup_ctx(NULL, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	x->link[1].lost = 3;	/* b dies and comes back: in warm-up for min_uptime_ms */
	run_until(x, x->t + 3000);
	x->link[1].lost = 0;
	run_until(x, x->t + 9000);	/* loss evidence gone, min_uptime_ms (10 s) not yet */
	struct engine_score_info si;
	engine_member_score(x->e, 1, &si);
	assert_int_equal(si.state, MS_WARMUP);
	x->link[0].up = TRI_FALSE;	/* a is gone: a warming-up b beats a dead a */
	int64_t t0 = x->t;
	assert_int_equal(run_until_switch(x, t0 + 2000), t0);
	assert_int_equal(x->last.primary, 1);
	assert_non_null(strstr(x->last.text, "target_state=warmup"));
	teardown_ctx(x);
}

static void test_disabled_never_chosen(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	struct engine_member m[2] = {
		{ .name = "a", .cls = CLASS_LAN, .priority = 1, .weight = 50, .enabled = false },
		{ .name = "b", .cls = CLASS_LAN, .priority = 2, .weight = 50, .enabled = true },
	};
	struct engine *e = engine_create(&p, m, 2, NULL, 0);
	assert_non_null(e);
	for (int64_t t = 0; t < 60000; t += 500) {
		feed_round(e, 0, t, 0, 10, TRI_UNKNOWN);
		feed_round(e, 1, t, 0, 30, TRI_UNKNOWN);
		engine_decide(e, t, NULL);
	}
	assert_int_equal(engine_primary(e), 1);
	struct engine_score_info si;
	engine_member_score(e, 0, &si);
	assert_int_equal(si.state, MS_DISABLED);
	assert_false(si.eligible);
	engine_destroy(e);
}

static void test_sparse_standby_is_eligible(void **st)
{
	/* the daemon probes standby members every 5 s, the primary every 1.5 s */
	struct engine_params p;
	engine_params_defaults(&p);
	struct engine_member m[2] = {
		{ .name = "a", .cls = CLASS_LAN, .priority = 1, .weight = 50, .enabled = true },
		{ .name = "b", .cls = CLASS_CELLULAR, .priority = 2, .weight = 50, .enabled = true },
	};
	struct engine *e = engine_create(&p, m, 2, NULL, 0);
	struct engine_decision d = { .primary = -1 };
	int64_t t;
	for (t = 0; t <= 120000; t += 500) {
		if (t % 1500 == 0)
			feed_round(e, 0, t, 0, 20, TRI_UNKNOWN);
		if (t % 5000 == 0)
			feed_round(e, 1, t, 0, 50, TRI_UNKNOWN);
		engine_decide(e, t, &d);
	}
	assert_int_equal(d.primary, 0);
	struct engine_score_info si;
	engine_member_score(e, 1, &si);
	assert_int_equal(si.state, MS_GOOD);
	assert_true(si.eligible);
	/* the primary goes silent; hard failure after the third lost round */
	int64_t first = -1, sw = -1;
	for (; t <= 140000 && sw < 0; t += 500) {
		if (t % 1500 == 0) {
			feed_round(e, 0, t, 3, NAN, TRI_UNKNOWN);
			if (first < 0)
				first = t;
		}
		if (t % 5000 == 0)
			feed_round(e, 1, t, 0, 50, TRI_UNKNOWN);
		engine_decide(e, t, &d);
		if (d.changed)
			sw = t;
	}
	assert_int_equal(d.primary, 1);
	assert_true(sw - first <= 2 * 1500);
	engine_destroy(e);
}

static void test_silent_primary_is_left(void **st)
{
	struct ctx *x = setup_ctx(NULL, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	int64_t last = x->t - ROUND_MS, t = -1;
	/* "a" stops reporting rounds altogether (no link event either) */
	for (; x->t < last + 200000 && t < 0; x->t += ROUND_MS) {
		feed_round(x->e, 1, x->t, 0, 30, TRI_UNKNOWN);
		engine_decide(x->e, x->t, &x->last);
		if (x->last.changed)
			t = x->t;
	}
	assert_true(t >= last + x->p.round_stale_ms);
	assert_true(t < last + x->p.round_stale_ms + 2 * ROUND_MS);
	assert_int_equal(x->last.primary, 1);
	assert_int_equal(x->last.reason, RSN_NO_DATA);
	teardown_ctx(x);
}

static void test_names(void **st)
{
	assert_string_equal(engine_reason_name(RSN_COOLDOWN_SUPPRESSED), "cooldown_suppressed");
	assert_string_equal(engine_reason_name(RSN_ALL_BAD_KEEP), "all_bad_keep_least_bad");
	assert_string_equal(engine_reason_name(__RSN_MAX), "invalid");
	for (int r = 0; r < __RSN_MAX; r++)
		assert_non_null(engine_reason_name(r));
	for (int s = 0; s < __MS_MAX; s++)
		assert_string_not_equal(engine_state_name(s), "invalid");
	for (int t = 0; t < __EV_MAX; t++)
		assert_string_not_equal(engine_event_type_name(t), "invalid");
}

/* n flaps of "a" (it fails right after each restore); each restore must
 * wait its backed-off window once "a" is good again. need: the previous
 * restore's window (-1: none yet). Returns the last restore's window, as
 * the decision text states it. */
static long flap_n(struct ctx *x, int n, long need)
{
	for (int k = 0; k < n; k++) {
		x->link[0].lost = 3;
		assert_true(run_until_switch(x, x->t + 5000) > 0);
		assert_int_equal(x->last.primary, 1);
		assert_true(x->last.reason != RSN_RESTORE && x->last.reason != RSN_BETTER);	/* a flap */
		x->link[0].lost = 0;
		int64_t back = x->t;
		int64_t t = run_until_switch(x, back + (need > 0 ? 2 * need : 0) + 60000);
		assert_true(t >= back);
		assert_int_equal(x->last.primary, 0);
		assert_int_equal(x->last.reason, RSN_RESTORE);
		const char *w = strstr(x->last.text, "restore_window_ms=");
		const char *g = strstr(x->last.text, "good_ms=");
		assert_non_null(w);
		assert_non_null(g);
		long prev = need;
		need = strtol(w + 18, NULL, 10);
		assert_true(strtol(g + 8, NULL, 10) >= need);	/* good for its whole window */
		assert_true(t - back >= need);
		assert_true(prev < 0 || need == 2 * prev || need == prev);	/* doubles or holds */
	}
	return need;
}

static void test_flap_backoff_bounded(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	p.cooldown_ms = 0;
	p.min_uptime_ms = 0;
	p.restore_window_ms = 0;	/* the window never reaches the max: the multiplier's cap must hold */
	p.recurring_drops = 0;		/* the flap backoff alone (recurring drops: test_recurring_*) */
	struct ctx *x = setup_ctx(&p, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	assert_int_equal(flap_n(x, 100, -1), 0);	/* UBSan aborts here on an overflowing multiplier */
	teardown_ctx(x);

	/* a 1 ms window under a one-day max: doubled per flap up to 2^20 times, then held */
	p.restore_window_ms = 1;
	p.restore_backoff_max_ms = 86400000;
	x = setup_ctx(&p, CLASS_LAN, CLASS_CELLULAR);
	settle(x);
	assert_int_equal(flap_n(x, 21, -1), 1 << 20);
	assert_int_equal(flap_n(x, 5, 1 << 20), 1 << 20);
	teardown_ctx(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial_waits_then_prefers_tier),
		cmocka_unit_test(test_hard_fail_loss_bypasses_windows),
		cmocka_unit_test(test_hard_fail_ignores_cooldown),
		cmocka_unit_test(test_hard_fail_link_down),
		cmocka_unit_test(test_hard_fail_starlink_outage),
		cmocka_unit_test(test_fail_window),
		cmocka_unit_test(test_loss_evidence_needs_no_fail_window),
		cmocka_unit_test(test_restore_window),
		cmocka_unit_test(test_min_uptime),
		cmocka_unit_test(test_cooldown_suppresses),
		cmocka_unit_test(test_margin_suppresses),
		cmocka_unit_test(test_all_bad_keeps_least_bad),
		cmocka_unit_test(test_never_picks_down),
		cmocka_unit_test(test_pin_and_unpin),
		cmocka_unit_test(test_flap_backoff),
		cmocka_unit_test(test_unknown_is_not_zero),
		cmocka_unit_test(test_observe_rejects),
		cmocka_unit_test(test_params_and_members_checked),
		cmocka_unit_test(test_set_members_keeps_state),
		cmocka_unit_test(test_pin_overridden_when_down),
		cmocka_unit_test(test_hard_fail_to_warmup_member),
		cmocka_unit_test(test_disabled_never_chosen),
		cmocka_unit_test(test_sparse_standby_is_eligible),
		cmocka_unit_test(test_silent_primary_is_left),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_flap_backoff_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
