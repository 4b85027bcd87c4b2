/*
 * test_engine_evidence.c - the rules of issue 9, each with a fake clock:
 * loss evidence per probe against a learned baseline and its threshold from
 * loss_false_alarms_per_day; hard failure by lost probes, not rounds; the
 * score trend without the loss penalty; restore counted from the first good
 * round; failback policies; the restore wait on every path (a prediction on
 * the backup does not send traffic back); recurring drops; (the
 * cellular radio floor: test_engine_radio.c); the suspect flag;
 * latency evidence against the learned baseline latency.
 *
 * The driver here probes each member with its own targets per round and
 * interval (the daemon's primary 1.5 s / standby 5 s cadences), unlike the
 * 3-probes-every-500-ms harness of test_engine.c.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"

#include "engine_rig.h"

/* ---- hard failure counts probes ---- */

static void test_single_probe_rounds_need_more_for_hard_fail(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	p.loss_cusum_threshold = 1000;	/* only the hard-failure rule may act */
	struct rig *r = rig2(&p, CLASS_LAN, CLASS_CELLULAR);
	r->l[0].probes = 1;
	assert_int_equal(rig_run(r, 60000, true), -1);
	assert_int_equal(engine_primary(r->e), 0);
	/* three single-probe rounds lost: no outage yet (the old rule fired here) */
	r->l[0].dead = true;
	int64_t t0 = r->l[0].next_ms;
	rig_run(r, t0 + 2 * 500, false);
	assert_int_equal(r->switches, 0);
	assert_int_not_equal(rig_info(r, 0).state, MS_DOWN);
	assert_true(rig_info(r, 0).lost_probes_in_row == 3);
	/* the fifth lost probe in a row is */
	int64_t t = rig_run(r, t0 + 10000, true);
	assert_int_equal(t, t0 + (p.hard_fail_probes - 1) * 500);
	assert_int_equal(r->d.reason, RSN_HARD_FAIL_LOSS);
	assert_non_null(strstr(r->d.text, "lost_probes=5"));
	engine_destroy(r->e);
}

/* ---- the score trend leaves the loss to the loss evidence ---- */

static void test_random_losses_are_no_falling_score(void **st)
{
	struct rig *r = rig2(NULL, CLASS_LAN, CLASS_CELLULAR);
	r->l[0].probes = 1;
	rig_run(r, 120000, false);
	/* three losses within 2 s on a one-probe-per-round member: the score
	 * with its loss penalty falls fast, the score without it does not */
	for (int k = 0; k < 3; k++) {
		r->l[0].dead = true;
		rig_run(r, r->l[0].next_ms, false);
		r->l[0].dead = false;
		rig_run(r, r->l[0].next_ms, false);
	}
	rig_run(r, r->t + 30000, false);
	assert_int_equal(rig_count(r, EV_PREDICT, RSN_PREDICT_SCORE), 0);
	assert_int_equal(r->switches, 0);
	assert_int_equal(engine_primary(r->e), 0);
	engine_destroy(r->e);
}

/* ---- loss evidence: threshold from the false-alarm rate, learned baseline ---- */

static void test_threshold_follows_false_alarm_rate(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	p.loss_false_alarms_per_day = 0.01;
	struct rig *r = rig2(&p, CLASS_LAN, CLASS_CELLULAR);
	rig_run(r, 600000, false);
	struct engine_score_info a = rig_info(r, 0);
	assert_true(a.loss_threshold > 5 && a.loss_threshold < 25);
	assert_true(a.probe_rate_per_s > 5.5 && a.probe_rate_per_s < 6.5);
	assert_true(a.loss_baseline_pct < 0.6);	/* a clean link: near the 0.5 % floor */
	engine_destroy(r->e);

	engine_params_defaults(&p);
	p.loss_false_alarms_per_day = 0.0001;	/* 100 times rarer */
	r = rig2(&p, CLASS_LAN, CLASS_CELLULAR);
	rig_run(r, 600000, false);
	struct engine_score_info b = rig_info(r, 0);
	/* ln(100) = 4.6 nats more at theta = 1, less at theta > 1 */
	assert_true(b.loss_threshold > a.loss_threshold + 2);
	assert_true(b.loss_threshold < a.loss_threshold + 5);
	engine_destroy(r->e);

	engine_params_defaults(&p);
	p.loss_cusum_threshold = 10;	/* a fixed threshold still works */
	r = rig2(&p, CLASS_LAN, CLASS_CELLULAR);
	rig_run(r, 60000, false);
	assert_true(rig_info(r, 0).loss_threshold == 10);
	engine_destroy(r->e);
}

static void test_lossy_member_learns_its_baseline(void **st)
{
	/* 6 % loss, every day: above the 0.5 % floor by far (a fixed healthy
	 * rate would drift the evidence up and switch), below the 8 % cap */
	struct rig *r = rig2(NULL, CLASS_STARLINK, CLASS_CELLULAR);
	r->l[0].probes = 3;
	r->l[0].every_ms = 1500;
	r->l[1].every_ms = 5000;
	r->l[0].loss = 0.06;
	rig_run(r, 4 * 3600000, false);
	assert_int_equal(r->switches, 0);
	assert_int_equal(rig_count(r, EV_SWITCH, RSN_SOFT_FAIL), 0);
	struct engine_score_info si = rig_info(r, 0);
	assert_true(si.loss_baseline_pct > 5.5 && si.loss_baseline_pct < 7);
	/* and a real step on top of it is still found */
	r->l[0].loss = 0.35;
	int64_t t0 = r->t;
	int64_t t = rig_run(r, t0 + 300000, true);
	assert_true(t > t0 && t < t0 + 120000);
	assert_int_equal(r->d.reason, RSN_SOFT_FAIL);
	engine_destroy(r->e);
}

static void test_fixed_base_would_alarm_on_lossy_member(void **st)
{
	/* the same 6 % member with the baseline pinned at 0.5 % (cap = floor):
	 * the evidence drifts up and the member turns bad - what learning avoids */
	struct engine_params p;
	engine_params_defaults(&p);
	p.loss_baseline_max_pct = 0.5;
	struct rig *r = rig2(&p, CLASS_STARLINK, CLASS_CELLULAR);
	r->l[0].every_ms = 1500;
	r->l[1].every_ms = 5000;
	r->l[0].loss = 0.06;
	assert_true(rig_run(r, 4 * 3600000, true) > 0);
	assert_int_equal(r->d.reason, RSN_SOFT_FAIL);
	engine_destroy(r->e);
}

/* ---- restore: from the first good round; failback policies ---- */

/* a: primary, cadence of the daemon; dies at 60 s for 20 s; b takes over.
 * Returns the time a answers again. */
static int64_t rig_outage(struct rig *r, bool standby_after)
{
	r->l[0].every_ms = 1500;
	r->l[1].every_ms = 5000;
	rig_run(r, 60000, false);
	assert_int_equal(engine_primary(r->e), 0);
	r->l[0].dead = true;
	assert_true(rig_run(r, 70000, true) > 0);
	assert_int_equal(engine_primary(r->e), 1);
	if (standby_after) {	/* the daemon now probes b as primary, a as standby */
		r->l[0].every_ms = 5000;
		r->l[1].every_ms = 1500;
	}
	rig_run(r, 80000, false);
	r->l[0].dead = false;
	return r->l[0].next_ms;
}

static void test_restore_counts_from_first_good_round(void **st)
{
	struct rig *r = rig2(NULL, CLASS_LAN, CLASS_CELLULAR);
	int64_t back = rig_outage(r, true);
	int64_t t = rig_run(r, back + 120000, true);
	assert_int_equal(r->d.reason, RSN_RESTORE);
	/* restore_window_ms from the first answered round, give or take one of
	 * the standby's 5 s rounds (it was ~50 s with the outage's rounds and
	 * evidence still counted) */
	assert_true(t >= back + r->p.restore_window_ms);
	assert_true(t <= back + r->p.restore_window_ms + 5000);
	engine_destroy(r->e);
}

static void test_failback_immediate(void **st)
{
	struct engine_member m[2] = {
		{ .name = "a", .cls = CLASS_LAN, .priority = 1, .weight = 50, .enabled = true,
		  .failback = FAILBACK_IMMEDIATE },
		{ .name = "b", .cls = CLASS_CELLULAR, .priority = 2, .weight = 50, .enabled = true },
	};
	struct rig *r = rig_new(NULL, m, 2);
	int64_t back = rig_outage(r, false);
	int64_t left = r->t - 20000;	/* the switch away came at ~60-63 s */
	int64_t t = rig_run(r, back + 120000, true);
	assert_int_equal(r->d.reason, RSN_RESTORE);
	assert_non_null(strstr(r->d.text, "restore_window_ms=0"));
	/* no restore window: as soon as min_uptime and the cooldown allow */
	assert_true(t >= back + r->p.min_uptime_ms);
	assert_true(t < back + r->p.restore_window_ms);
	assert_true(t - left >= r->p.cooldown_ms);
	engine_destroy(r->e);
}

static void test_failback_manual(void **st)
{
	struct engine_member m[2] = {
		{ .name = "a", .cls = CLASS_LAN, .priority = 1, .weight = 50, .enabled = true,
		  .failback = FAILBACK_MANUAL },
		{ .name = "b", .cls = CLASS_CELLULAR, .priority = 2, .weight = 50, .enabled = true },
	};
	struct rig *r = rig_new(NULL, m, 2);
	int64_t back = rig_outage(r, false);
	assert_int_equal(rig_run(r, back + 600000, true), -1);
	assert_int_equal(engine_primary(r->e), 1);
	assert_true(rig_info(r, 0).restore_wait);
	assert_int_equal(rig_info(r, 0).state, MS_GOOD);
	/* the operator sends it back */
	assert_int_equal(engine_pin(r->e, 0, r->t), 0);
	assert_true(rig_run(r, r->t + 2000, true) > 0);
	assert_int_equal(r->d.reason, RSN_MANUAL_PIN);
	engine_destroy(r->e);
	assert_string_equal(engine_failback_name(FAILBACK_MANUAL), "manual");
	enum engine_failback f;
	assert_int_equal(engine_failback_parse("immediate", &f), 0);
	assert_int_equal(f, FAILBACK_IMMEDIATE);
	assert_int_equal(engine_failback_parse("later", &f), -1);
}

/* ---- the restore wait holds on every path ---- */

static void fill_roaming(struct sample *s, double v)
{
	s->cell.rsrp_dbm = -85;
	s->cell.roaming = v > 0 ? TRI_TRUE : TRI_FALSE;
}

static void test_prediction_on_backup_waits_for_restore(void **st)
{
	struct rig *r = rig2(NULL, CLASS_LAN, CLASS_CELLULAR);
	int64_t back = rig_outage(r, true);
	rig_run(r, back + 12000, false);	/* a eligible again, in its restore window */
	assert_int_equal(engine_primary(r->e), 1);
	/* a predictive trigger on the backup (the current primary) */
	rig_status(r, 1, fill_roaming, 1);
	int64_t t = rig_run(r, back + 120000, true);
	/* not back before a's restore window: then by the restore rule */
	assert_true(t >= back + r->p.restore_window_ms);
	/* once a may return, the prediction on b is a reason to (rule 2 before 4) */
	assert_true(r->d.reason == RSN_PREDICT_ROAMING || r->d.reason == RSN_RESTORE);
	assert_true(rig_count(r, EV_PREDICT, RSN_PREDICT_ROAMING) >= 1);
	assert_true(rig_count(r, EV_SUPPRESSED, RSN_FAILBACK_WAIT) >= 1);
	engine_destroy(r->e);
}

/* ---- recurring drops ---- */

static void test_recurring_drops_stay_on_backup(void **st)
{
	struct rig *r = rig2(NULL, CLASS_LAN, CLASS_CELLULAR);
	r->l[0].every_ms = r->l[1].every_ms = 1500;
	rig_run(r, 60000, false);
	/* 4 s drops every 90 s for 15 min */
	int64_t last_drop = 0;
	for (int64_t t = 60000; t < 960000; t += 90000) {
		rig_run(r, t, false);
		r->l[0].dead = true;
		rig_run(r, t + 4000, false);
		r->l[0].dead = false;
		last_drop = t;
	}
	/* the first return may come before the pattern is known; then it stays out */
	int during = r->switches;
	assert_true(during >= 1 && during <= 3);
	assert_int_equal(engine_primary(r->e), 1);
	assert_true(rig_info(r, 0).recurring);
	int64_t t = rig_run(r, last_drop + 3600000, true);
	assert_int_equal(r->d.reason, RSN_RESTORE);
	assert_true(t >= last_drop + r->p.recurring_quiet_ms);
	assert_true(t <= last_drop + r->p.recurring_quiet_ms + 3000);
	engine_destroy(r->e);
}

static void fill_obstructed(struct sample *s, double v)
{
	s->sl.obstruction_pct = 3;	/* a tree in view */
	s->sl.currently_obstructed = v > 0 ? TRI_TRUE : TRI_FALSE;
	s->sl.outage_cause = SL_OUTAGE_NONE;
}

static void test_obstructed_dish_drop_is_recurring_at_once(void **st)
{
	struct rig *r = rig2(NULL, CLASS_STARLINK, CLASS_CELLULAR);
	r->l[0].every_ms = r->l[1].every_ms = 1500;
	rig_status(r, 0, fill_obstructed, 0);
	rig_run(r, 60000, false);
	rig_status(r, 0, fill_obstructed, 0);
	assert_int_equal(engine_primary(r->e), 0);
	/* one 4 s drop while the dish reports 3 % obstructed */
	r->l[0].dead = true;
	rig_status(r, 0, fill_obstructed, 1);
	assert_true(rig_run(r, 64000, true) > 0);
	rig_run(r, 64000, false);
	r->l[0].dead = false;
	for (int64_t t = 66000; t < 64000 + 700000; t += 2000) {
		rig_status(r, 0, fill_obstructed, 0);
		if (rig_run(r, t, true) > 0)
			break;
	}
	assert_int_equal(r->switches, 2);
	assert_int_equal(r->d.reason, RSN_RESTORE);
	assert_true(r->t >= 60000 + r->p.recurring_quiet_ms);
	engine_destroy(r->e);
}

/* ---- suspect: the hint for adaptive probing ---- */

static void test_suspect_flag(void **st)
{
	struct rig *r = rig2(NULL, CLASS_LAN, CLASS_CELLULAR);
	rig_run(r, 60000, false);
	assert_false(rig_info(r, 0).suspect);
	r->l[0].dead = true;
	rig_run(r, r->l[0].next_ms, false);
	assert_true(rig_info(r, 0).suspect);
	r->l[0].dead = false;
	rig_run(r, r->t + 60000, false);
	assert_false(rig_info(r, 0).suspect);
	engine_destroy(r->e);
}

/* ---- latency evidence: CUSUM of slow rounds against the learned baseline ---- */

static struct rig *rig_dc(const struct engine_params *p)
{
	struct rig *r = rig2(p, CLASS_LAN, CLASS_CELLULAR);
	r->l[0].every_ms = 1500;	/* the daemon's cadence */
	r->l[1].every_ms = 5000;
	r->l[0].jitter_ms = r->l[1].jitter_ms = 30;
	r->l[0].rtt_ms = r->l[1].rtt_ms = 40;
	return r;
}

static void test_latency_healthy_jitter_day(void **st)
{
	struct rig *r = rig_dc(NULL);
	double worst = 0;
	for (int64_t t = 60000; t <= 86400000; t += 60000) {
		rig_run(r, t, false);
		struct engine_score_info si = rig_info(r, 0);
		worst = si.latency_evidence > worst ? si.latency_evidence : worst;
	}
	struct engine_score_info si = rig_info(r, 0);
	assert_int_equal(r->switches, 0);
	assert_true(si.latency_baseline_ms > 35 && si.latency_baseline_ms < 45);
	assert_true(si.latency_threshold > 8 && si.latency_threshold < 30);
	assert_true(worst < si.latency_threshold / 3);	/* not even suspect */
	engine_destroy(r->e);
}

static void test_latency_step_is_bad_by_evidence(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	p.predictive = false;	/* the evidence alone (a step also reads as a steep trend) */
	struct rig *r = rig_dc(&p);
	rig_run(r, 600000, false);
	assert_int_equal(rig_info(r, 0).state, MS_GOOD);
	int64_t t0 = r->t;
	r->l[0].rtt_ms = 340;	/* the score alone says degraded: penalty 24 of 45 */
	r->l[0].jitter_ms = 10;
	int64_t t = rig_run(r, t0 + 60000, true);
	assert_true(t > t0);
	/* ~4 slow rounds of evidence, then the fail window */
	assert_true(t - t0 <= 4 * 1500 + r->p.fail_window_ms + 3000);
	assert_int_equal(r->d.reason, RSN_SOFT_FAIL);
	assert_non_null(strstr(r->d.text, "latency_evidence="));
	struct engine_score_info si = rig_info(r, 0);
	assert_true(si.latency_evidence >= si.latency_threshold);
	assert_true(si.instant >= r->p.bad_score);	/* the score did not call it bad */
	engine_destroy(r->e);
}

static void test_latency_jump_below_min_is_suspect_not_bad(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	p.predictive = false;
	struct rig *r = rig_dc(&p);
	rig_run(r, 600000, false);
	r->l[0].rtt_ms = 200;	/* a jump of 160 ms, under latency_evidence_min_ms */
	r->l[0].jitter_ms = 5;
	int64_t t0 = r->t;
	rig_run(r, t0 + 4000, false);
	assert_true(rig_info(r, 0).suspect);	/* worth probing faster */
	rig_run(r, t0 + 60000, false);
	struct engine_score_info si = rig_info(r, 0);
	assert_true(si.latency_evidence >= si.latency_threshold);
	assert_int_equal(si.state, MS_DEGRADED);	/* not good (no promotion), not bad */
	assert_int_equal(r->switches, 0);
	/* back to normal: the evidence drains, suspicion clears, good again */
	r->l[0].rtt_ms = 40;
	r->l[0].jitter_ms = 30;
	rig_run(r, r->t + 120000, false);
	si = rig_info(r, 0);
	assert_false(si.suspect);
	assert_int_equal(si.state, MS_GOOD);
	engine_destroy(r->e);
}

static void test_latency_lasting_move_is_learned(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	p.latency_evidence_min_ms = 0;	/* every jump would make it bad */
	struct rig *r = rig_dc(&p);
	rig_run(r, 600000, false);
	r->l[0].rtt_ms = 160;	/* a new path, 120 ms longer, for good */
	r->l[0].jitter_ms = 10;
	rig_run(r, r->t + 10800000, false);	/* 3 h */
	struct engine_score_info si = rig_info(r, 0);
	assert_true(si.latency_baseline_ms > 140);
	assert_true(si.latency_evidence < si.latency_threshold / 2);
	engine_destroy(r->e);
}

static void test_latency_threshold_follows_its_option(void **st)
{
	struct engine_params p;
	engine_params_defaults(&p);
	struct rig *r = rig_dc(&p);
	rig_run(r, 600000, false);
	double h_def = rig_info(r, 0).latency_threshold;
	engine_destroy(r->e);
	p.latency_false_alarms_per_day = 5;
	r = rig_dc(&p);
	rig_run(r, 600000, false);
	double h_lax = rig_info(r, 0).latency_threshold;
	engine_destroy(r->e);
	/* 1000x the false alarms: ln(1000) = 6.9 nats less (theta = 1 at p0 = the floor) */
	assert_true(h_def - h_lax > 6.0 && h_def - h_lax < 8.0);
}

/* suspicion holds while the evidence is still up, and clears with it */
static void test_suspect_hysteresis(void **st)
{
	struct rig *r = rig2(NULL, CLASS_LAN, CLASS_CELLULAR);
	rig_run(r, 300000, false);
	r->l[0].loss = 0.2;
	int64_t t0 = r->t;
	rig_run(r, t0 + 3000, false);
	assert_true(rig_info(r, 0).suspect);
	/* stays suspect until decided (a switch) */
	bool always = true;
	while (r->switches == 0 && r->t < t0 + 60000) {
		rig_run(r, r->t + 500, false);
		always &= rig_info(r, 0).suspect;
	}
	assert_true(r->switches > 0);
	assert_true(always);
	engine_destroy(r->e);
}

/* On a clean link (baseline at the floor) one lost probe is a fifth of the
 * threshold by itself: it starts the suspicion at once, even in a round
 * whose other probes were answered, and a few clean rounds clear it. */
static void test_lone_lost_probe_suspect_on_clean_link(void **st)
{
	struct rig *r = rig2(NULL, CLASS_LAN, CLASS_CELLULAR);
	r->l[0].every_ms = 1500;	/* the daemon's cadence: 3 probes / 1.5 s */
	r->l[1].every_ms = 5000;
	/* the lab's case: 160 s learned, 0.14 % lost (one probe in 320) */
	r->l[0].loss = 1.0 / 320;
	rig_run(r, 160000, false);
	r->l[0].loss = 0;
	r->l[0].acc = 0;
	rig_run(r, 180000, false);
	struct engine_score_info si = rig_info(r, 0);
	assert_false(si.suspect);
	r->l[0].acc = 1;	/* the next round loses one probe of three */
	rig_run(r, r->l[0].next_ms, false);
	si = rig_info(r, 0);
	assert_true(si.suspect);
	/* under a quarter of the threshold: the old rule waited for a second loss */
	assert_true(si.loss_evidence < si.loss_threshold / 4);
	/* clean rounds clear it once the evidence since the loss is -4 nats:
	 * (3.2 + 4) / 0.22 = 33 answered probes, 11 rounds - not when the
	 * CUSUM is back at 0 (5 rounds), so a real fault rarely clears it */
	int64_t t0 = r->t;
	while (rig_info(r, 0).suspect && r->t < t0 + 60000)
		rig_run(r, r->l[0].next_ms, false);
	assert_false(rig_info(r, 0).suspect);
	assert_true(r->t - t0 <= 13 * 1500);
	assert_true(r->t - t0 >= 9 * 1500);
	assert_int_equal(r->switches, 0);
	engine_destroy(r->e);
}

/* On a lossy link (3 % learned) a lost probe is weak evidence (ln(0.2/0.03):
 * 1.9 nats of 14.5): the healthy losses, spread evenly, never make it
 * suspect, so its probing stays at the cadence. */
static void test_lone_lost_probe_not_suspect_on_lossy_link(void **st)
{
	struct rig *r = rig2(NULL, CLASS_LAN, CLASS_CELLULAR);
	r->l[0].every_ms = 1500;
	r->l[1].every_ms = 5000;
	r->l[0].loss = 0.03;
	rig_run(r, 1800000, false);
	struct engine_score_info si = rig_info(r, 0);
	assert_true(si.loss_baseline_pct > 2.5);
	int suspect = 0, lost_rounds = 0;
	for (int64_t t = r->t; t < 2400000; t += 1500) {
		double acc = r->l[0].acc;
		rig_run(r, r->l[0].next_ms, false);
		lost_rounds += acc + 3 * r->l[0].loss >= 1;
		suspect += rig_info(r, 0).suspect;
	}
	assert_true(lost_rounds > 20);
	assert_int_equal(suspect, 0);
	assert_int_equal(r->switches, 0);
	engine_destroy(r->e);
}

/* One target per round on a link losing 1.5 %: a lost single-probe round
 * is a lost streak of one probe, weak evidence there, and no suspicion
 * (at 1 target every healthy loss would otherwise boost: 1.1 MB/day);
 * two lost in a row are. */
static void test_single_probe_loss_on_lossy_link(void **st)
{
	struct rig *r = rig2(NULL, CLASS_LAN, CLASS_CELLULAR);
	r->l[0].probes = 1;
	r->l[0].every_ms = 1000;
	r->l[1].every_ms = 5000;
	r->l[0].loss = 0.015;
	rig_run(r, 1800000, false);
	assert_true(rig_info(r, 0).loss_baseline_pct > 1.0);
	int suspect = 0;
	for (int64_t t = r->t; t < 2400000; t += 1000) {
		rig_run(r, r->l[0].next_ms, false);
		suspect += rig_info(r, 0).suspect;
	}
	assert_int_equal(suspect, 0);
	r->l[0].loss = 0;
	r->l[0].acc = 0;
	rig_run(r, r->t + 20000, false);
	r->l[0].dead = true;
	rig_run(r, r->l[0].next_ms, false);
	assert_false(rig_info(r, 0).suspect);	/* one lost probe */
	rig_run(r, r->l[0].next_ms, false);
	assert_true(rig_info(r, 0).suspect);	/* two in a row */
	assert_int_equal(r->switches, 0);
	engine_destroy(r->e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_probe_rounds_need_more_for_hard_fail),
		cmocka_unit_test(test_random_losses_are_no_falling_score),
		cmocka_unit_test(test_threshold_follows_false_alarm_rate),
		cmocka_unit_test(test_lossy_member_learns_its_baseline),
		cmocka_unit_test(test_fixed_base_would_alarm_on_lossy_member),
		cmocka_unit_test(test_restore_counts_from_first_good_round),
		cmocka_unit_test(test_failback_immediate),
		cmocka_unit_test(test_failback_manual),
		cmocka_unit_test(test_prediction_on_backup_waits_for_restore),
		cmocka_unit_test(test_recurring_drops_stay_on_backup),
		cmocka_unit_test(test_obstructed_dish_drop_is_recurring_at_once),
		cmocka_unit_test(test_suspect_flag),
		cmocka_unit_test(test_latency_healthy_jitter_day),
		cmocka_unit_test(test_latency_step_is_bad_by_evidence),
		cmocka_unit_test(test_latency_jump_below_min_is_suspect_not_bad),
		cmocka_unit_test(test_latency_lasting_move_is_learned),
		cmocka_unit_test(test_latency_threshold_follows_its_option),
		cmocka_unit_test(test_suspect_hysteresis),
		cmocka_unit_test(test_lone_lost_probe_suspect_on_clean_link),
		cmocka_unit_test(test_lone_lost_probe_not_suspect_on_lossy_link),
		cmocka_unit_test(test_single_probe_loss_on_lossy_link),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
