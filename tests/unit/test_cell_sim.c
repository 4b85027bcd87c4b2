/*
 * test_cell_sim.c - the dual-SIM state machine (cell_sim.h) on a fake
 * clock: one bad reading does not switch, N in a row do (after the startup
 * hold-off); the cooldown holds every path (a second trigger, a failed
 * command, after a revert); the verification passes only with registration
 * and a probe round up after the command; a SIM that does not come up is
 * switched back once and not tried again while marked failed; weak and
 * roaming never cut a member carrying traffic (another one usable); a weak
 * switch onto a SIM as weak is not verified; unknown slot, one slot and a
 * slot the provider lists empty never switch.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cell_parse.h"
#include "cell_sim.h"

#define POLL_MS 10000

static struct cell_sim_params params(void)
{
	return (struct cell_sim_params){
		.enabled = true, .on_weak = true, .on_roaming = false, .slots = 2, .rounds = 3,
		.startup_ms = 60000, .cooldown_ms = 600000, .verify_ms = 120000,
		.failed_hold_ms = 3600000, .floor_rsrp_dbm = -110, .floor_sinr_db = 0,
	};
}

/* A good poll on slot 1 at t: registered home, RSRP -90, SINR 10, probes up. */
static struct cell_sim_obs good(int64_t t)
{
	return (struct cell_sim_obs){
		.t_ms = t, .answered = true, .reg = CELL_REG_HOME, .slot = 1, .rsrp_dbm = -90, .sinr_db = 10,
		.roaming = TRI_FALSE, .data = 1, .carrying = false, .last_round_up_ms = t - 1000,
	};
}

static struct cell_sim_obs down(int64_t t)
{
	struct cell_sim_obs o = good(t);
	o.reg = CELL_REG_SEARCHING;
	o.data = 0;
	o.last_round_up_ms = 0;
	return o;
}

/* Steps polls from t every POLL_MS until an action or n polls; returns the time of the action, -1 none. */
static int64_t run(struct cell_sim *s, struct cell_sim_obs (*f)(int64_t), int64_t t, int n, struct cell_sim_out *out)
{
	for (int i = 0; i < n; i++, t += POLL_MS) {
		struct cell_sim_obs o = f(t);
		cell_sim_step(s, &o, out);
		if (out->action != CELL_SIM_ACT_NONE)
			return t;
	}
	return -1;
}

static void test_rounds_and_startup(void **state)
{
	(void)state;
	struct cell_sim s;
	struct cell_sim_params p = params();
	cell_sim_init(&s, &p, 0);
	struct cell_sim_out out;
	/* bad from the start: held by the startup hold-off (60 s) though 3 rounds came at 20 s */
	int64_t t = run(&s, down, 0, 100, &out);
	assert_int_equal(t, 60000);
	assert_int_equal(out.action, CELL_SIM_ACT_SWITCH);
	assert_int_equal(out.trigger, CELL_SIM_TRIG_DOWN);
	assert_int_equal(out.from, 1);
	assert_int_equal(out.slot, 2);

	/* after startup: one and two bad readings do not switch, the third does */
	cell_sim_init(&s, &p, 0);
	run(&s, good, 0, 10, &out);
	assert_int_equal(out.action, CELL_SIM_ACT_NONE);
	struct cell_sim_obs o = down(100000);
	cell_sim_step(&s, &o, &out);
	assert_int_equal(out.action, CELL_SIM_ACT_NONE);
	assert_string_equal(s.hold, "rounds");
	o = good(110000);
	cell_sim_step(&s, &o, &out);	/* a good one between: counting starts again */
	assert_int_equal(s.bad_rounds, 0);
	t = run(&s, down, 120000, 10, &out);
	assert_int_equal(t, 140000);
	assert_int_equal(s.switches, 1);
}

/* One poll whose radio is below the floor (RSRP -115), registered and probes fine. */
static struct cell_sim_obs weak(int64_t t)
{
	struct cell_sim_obs o = good(t);
	o.rsrp_dbm = -115;
	return o;
}

static struct cell_sim_obs weak_sinr(int64_t t)
{
	struct cell_sim_obs o = good(t);
	o.sinr_db = -1;
	return o;
}

static struct cell_sim_obs weak_carrying(int64_t t)
{
	struct cell_sim_obs o = weak(t);
	o.carrying = true;
	return o;
}

static struct cell_sim_obs roaming(int64_t t)
{
	struct cell_sim_obs o = good(t);
	o.roaming = TRI_TRUE;
	return o;
}

static void test_triggers(void **state)
{
	(void)state;
	struct cell_sim s;
	struct cell_sim_params p = params();
	struct cell_sim_out out;
	cell_sim_init(&s, &p, -100000);
	assert_int_equal(run(&s, weak, 0, 5, &out), 20000);
	assert_int_equal(out.trigger, CELL_SIM_TRIG_WEAK);
	cell_sim_init(&s, &p, -100000);
	assert_int_equal(run(&s, weak_sinr, 0, 5, &out), 20000);
	/* the primary with good probes is not cut for a weak radio */
	cell_sim_init(&s, &p, -100000);
	assert_int_equal(run(&s, weak_carrying, 0, 50, &out), -1);
	/* weak off: nothing */
	p.on_weak = false;
	cell_sim_init(&s, &p, -100000);
	assert_int_equal(run(&s, weak, 0, 50, &out), -1);
	/* roaming only with its option */
	assert_int_equal(run(&s, roaming, 0, 50, &out), -1);
	p.on_roaming = true;
	cell_sim_init(&s, &p, -100000);
	assert_int_equal(run(&s, roaming, 0, 5, &out), 20000);
	assert_int_equal(out.trigger, CELL_SIM_TRIG_ROAMING);
	/* off: nothing at all */
	p.enabled = false;
	cell_sim_init(&s, &p, -100000);
	assert_int_equal(run(&s, down, 0, 50, &out), -1);
	/* one slot, or the active slot unknown: no target */
	p = params();
	p.slots = 1;
	cell_sim_init(&s, &p, -100000);
	assert_int_equal(run(&s, down, 0, 20, &out), -1);
	assert_string_equal(s.hold, "no other SIM");
	p = params();
	cell_sim_init(&s, &p, -100000);
	struct cell_sim_obs o = down(0);
	o.slot = -1;
	for (int i = 0; i < 5; i++, o.t_ms += POLL_MS)
		cell_sim_step(&s, &o, &out);
	assert_int_equal(out.action, CELL_SIM_ACT_NONE);
	assert_string_equal(s.hold, "active slot unknown");
	/* a modem tool that does not answer is not a down SIM (the probes decide) */
	cell_sim_init(&s, &p, -100000);
	o = good(0);
	o.answered = false;
	for (int i = 0; i < 10; i++, o.t_ms += POLL_MS)
		cell_sim_step(&s, &o, &out);
	assert_int_equal(s.switches, 0);
}

static int64_t slot2_since;

/* After the switch: slot 2, registered, a probe round up after the command. */
static struct cell_sim_obs up_on_2(int64_t t)
{
	struct cell_sim_obs o = good(t);
	o.slot = 2;
	o.last_round_up_ms = t > slot2_since ? t - 1 : -1;
	return o;
}

static void test_verify_and_cooldown(void **state)
{
	(void)state;
	struct cell_sim s;
	struct cell_sim_params p = params();
	struct cell_sim_out out;
	cell_sim_init(&s, &p, -100000);
	int64_t t = run(&s, down, 0, 5, &out);
	assert_int_equal(t, 20000);
	/* polls while the command runs do nothing */
	struct cell_sim_obs o = down(25000);
	cell_sim_step(&s, &o, &out);
	assert_int_equal(out.action, CELL_SIM_ACT_NONE);
	cell_sim_done(&s, true, 30000);
	assert_int_equal(s.state, CELL_SIM_VERIFYING);
	/* registered on slot 2 but the only round up is from before the command: not yet */
	o = up_on_2(40000);
	o.last_round_up_ms = 29000;
	cell_sim_step(&s, &o, &out);
	assert_int_equal(out.result, CELL_SIM_RES_NONE);
	/* still on the old slot (the provider tells): not yet */
	o = up_on_2(50000);
	o.slot = 1;
	cell_sim_step(&s, &o, &out);
	assert_int_equal(out.result, CELL_SIM_RES_NONE);
	slot2_since = 30000;
	o = up_on_2(60000);
	cell_sim_step(&s, &o, &out);
	assert_int_equal(out.result, CELL_SIM_RES_VERIFIED);
	assert_int_equal(s.state, CELL_SIM_IDLE);
	assert_int_equal(s.slot, 2);
	/* slot 2 goes down too: within the cooldown (10 min from 20 s) nothing */
	struct cell_sim_obs d2;
	for (t = 70000; t < 620000; t += POLL_MS) {
		d2 = down(t);
		d2.slot = 2;
		cell_sim_step(&s, &d2, &out);
		assert_int_equal(out.action, CELL_SIM_ACT_NONE);
	}
	assert_string_equal(s.hold, "cooldown");
	struct cell_sim_view v;
	cell_sim_view_fill(&s, 610000, &v);
	assert_string_equal(v.state, "idle");
	assert_string_equal(v.hold, "cooldown");
	assert_int_equal(v.slot, 2);
	assert_int_equal(v.cooldown_left_ms, 10000);	/* 20 s + 600 s - 610 s */
	assert_int_equal(v.verify_left_ms, -1);
	assert_int_equal(v.verified, 1);
	/* at 620 s the cooldown is over: back to 1 */
	d2 = down(620000);
	d2.slot = 2;
	cell_sim_step(&s, &d2, &out);
	assert_int_equal(out.action, CELL_SIM_ACT_SWITCH);
	assert_int_equal(out.slot, 1);

	/* a failed command obeys the cooldown too */
	cell_sim_init(&s, &p, -100000);
	t = run(&s, down, 0, 5, &out);
	cell_sim_done(&s, false, t + 1000);
	assert_int_equal(s.cmd_failures, 1);
	assert_int_equal(run(&s, down, t + POLL_MS, 59, &out), -1);
	assert_int_equal(run(&s, down, t + 600000, 1, &out), t + 600000);
}

static void test_not_up_reverts_once(void **state)
{
	(void)state;
	struct cell_sim s;
	struct cell_sim_params p = params();
	struct cell_sim_out out;
	cell_sim_init(&s, &p, -100000);
	int64_t t = run(&s, down, 0, 5, &out);
	cell_sim_done(&s, true, t + 2000);
	int64_t done = t + 2000;
	/* the new SIM never registers: nothing until the window (120 s) is over */
	int64_t u = t + POLL_MS;
	for (; u < done + 120000; u += POLL_MS) {
		struct cell_sim_obs o = down(u);
		o.slot = 2;
		cell_sim_step(&s, &o, &out);
		assert_int_equal(out.action, CELL_SIM_ACT_NONE);
		assert_int_equal(out.result, CELL_SIM_RES_NONE);
	}
	struct cell_sim_obs o = down(u);
	o.slot = 2;
	cell_sim_step(&s, &o, &out);
	assert_int_equal(out.result, CELL_SIM_RES_NOT_UP);
	assert_int_equal(out.action, CELL_SIM_ACT_REVERT);
	assert_int_equal(out.slot, 1);
	assert_int_equal(out.from, 2);
	cell_sim_done(&s, true, u + 1000);
	assert_int_equal(s.state, CELL_SIM_IDLE);
	assert_int_equal(s.slot, 1);
	assert_int_equal(s.reverts, 1);
	/* slot 1 still down: the cooldown counts from the revert, then slot 2 is marked failed */
	int64_t v = u + POLL_MS;
	for (; v < u + 1000 + 600000; v += POLL_MS) {
		o = down(v);
		cell_sim_step(&s, &o, &out);
		assert_int_equal(out.action, CELL_SIM_ACT_NONE);
	}
	for (; v < u + 3600000; v += POLL_MS) {
		o = down(v);
		cell_sim_step(&s, &o, &out);
		assert_int_equal(out.action, CELL_SIM_ACT_NONE);
	}
	assert_string_equal(s.hold, "other SIM failed");
	/* an hour after it failed, slot 2 may be tried again */
	for (; v < u + 3600000 + 2 * POLL_MS && out.action == CELL_SIM_ACT_NONE; v += POLL_MS) {
		o = down(v);
		cell_sim_step(&s, &o, &out);
	}
	assert_int_equal(out.action, CELL_SIM_ACT_SWITCH);
	assert_int_equal(s.switches, 2);
	assert_int_equal(s.reverts, 1);
}

/* Slot 2 registered, probes up, but as weak as slot 1. */
static struct cell_sim_obs weak_on_2(int64_t t)
{
	struct cell_sim_obs o = weak(t);
	o.slot = 2;
	return o;
}

static void test_weak_not_cured_reverts(void **state)
{
	(void)state;
	struct cell_sim s;
	struct cell_sim_params p = params();
	struct cell_sim_out out;
	cell_sim_init(&s, &p, -100000);
	int64_t t = run(&s, weak, 0, 5, &out);
	assert_int_equal(out.trigger, CELL_SIM_TRIG_WEAK);
	cell_sim_done(&s, true, t + 1000);
	int64_t u = run(&s, weak_on_2, t + POLL_MS, 20, &out);
	assert_int_equal(out.result, CELL_SIM_RES_NOT_UP);
	assert_int_equal(out.action, CELL_SIM_ACT_REVERT);
	assert_true(u >= t + 1000 + 120000);
	assert_true(u < t + 1000 + 120000 + POLL_MS);
	assert_int_equal(s.verified, 0);
	/* the same with a good radio on slot 2 is verified at the first poll */
	cell_sim_init(&s, &p, -100000);
	t = run(&s, weak, 0, 5, &out);
	cell_sim_done(&s, true, t + 1000);
	slot2_since = t + 1000;
	struct cell_sim_obs o = up_on_2(t + POLL_MS);
	cell_sim_step(&s, &o, &out);
	assert_int_equal(out.result, CELL_SIM_RES_VERIFIED);
}

/* the provider lists slot 2 without a card (mmcli sim-slots "/"): down on slot 1 never switches */
static struct cell_sim_obs down_slot2_empty(int64_t t)
{
	struct cell_sim_obs o = down(t);
	o.empty = 1u << 2;
	o.empty_known = true;
	return o;
}

/* the next answer lists a card in slot 2 */
static struct cell_sim_obs down_slot2_card(int64_t t)
{
	struct cell_sim_obs o = down(t);
	o.empty_known = true;
	return o;
}

static void test_empty_slot_not_a_target(void **state)
{
	(void)state;
	struct cell_sim s;
	struct cell_sim_params p = params();
	cell_sim_init(&s, &p, 0);
	struct cell_sim_out out;
	assert_int_equal(run(&s, down_slot2_empty, 0, 100, &out), -1);
	assert_string_equal(s.hold, "other slot empty");
	/* polls that answer without the list (mmcli's second step failed, uqmi
	 * answered instead) keep the last list: still no switch */
	assert_int_equal(run(&s, down, 1000000, 10, &out), -1);
	assert_string_equal(s.hold, "other slot empty");
	/* a card put in (the next answer lists it): the switch follows on that bad poll */
	assert_int_equal(run(&s, down_slot2_card, 2000000, 1, &out), 2000000);
	assert_int_equal(out.action, CELL_SIM_ACT_SWITCH);
	assert_int_equal(out.slot, 2);
	/* three slots, 2 empty: 3 is the target */
	p.slots = 3;
	cell_sim_init(&s, &p, 0);
	assert_int_equal(run(&s, down_slot2_empty, 0, 100, &out), 60000);
	assert_int_equal(out.slot, 3);
	/* an unanswered poll keeps what the last answer said, whatever it carries */
	p.slots = 2;
	cell_sim_init(&s, &p, 0);
	struct cell_sim_obs o = down_slot2_empty(0);
	cell_sim_step(&s, &o, &out);
	o = down_slot2_card(10000);
	o.answered = false;
	for (int64_t t = 10000; t < 100000; t += POLL_MS) {
		o.t_ms = t;
		cell_sim_step(&s, &o, &out);
		assert_int_equal(out.action, CELL_SIM_ACT_NONE);
	}
	assert_string_equal(s.hold, "other slot empty");
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(cell_sim_trigger_name(CELL_SIM_TRIG_DOWN), "down");
	assert_string_equal(cell_sim_trigger_name(CELL_SIM_TRIG_ROAMING), "roaming");
	assert_string_equal(cell_sim_trigger_name(99), "?");
	assert_string_equal(cell_sim_state_name(CELL_SIM_VERIFYING), "verifying");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rounds_and_startup),
		cmocka_unit_test(test_triggers),
		cmocka_unit_test(test_verify_and_cooldown),
		cmocka_unit_test(test_not_up_reverts_once),
		cmocka_unit_test(test_weak_not_cured_reverts),
		cmocka_unit_test(test_empty_slot_not_a_target),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
