/*
 * cell_sim.c - the dual-SIM state machine (cell_sim.h). Pure: the time is
 * the caller's, every decision a function of params, state and the poll.
 */
#include "cell_sim.h"

#include <math.h>
#include <string.h>

#include "cell_parse.h"

const char *cell_sim_trigger_name(int trigger)
{
	static const char *const names[] = { "none", "down", "weak", "roaming" };
	return trigger >= 0 && trigger <= CELL_SIM_TRIG_ROAMING ? names[trigger] : "?";
}

const char *cell_sim_state_name(int state)
{
	static const char *const names[] = { "idle", "switching", "verifying", "reverting" };
	return state >= 0 && state <= CELL_SIM_REVERTING ? names[state] : "?";
}

void cell_sim_init(struct cell_sim *s, const struct cell_sim_params *p, int64_t now_ms)
{
	memset(s, 0, sizeof(*s));
	s->p = *p;
	s->state = CELL_SIM_IDLE;
	s->started_ms = now_ms;
	s->slot = -1;
	s->from = s->to = -1;
	s->last_switch_ms = -1;
	s->hold = "";
}

void cell_sim_set_params(struct cell_sim *s, const struct cell_sim_params *p)
{
	s->p = *p;
}

/* Registered, as far as the poll tells (a tool that gives no registration but answered: yes). */
static bool registered(const struct cell_sim_obs *o)
{
	if (!o->answered)
		return false;
	return o->reg != CELL_REG_NONE && o->reg != CELL_REG_SEARCHING && o->reg != CELL_REG_DENIED &&
	       o->reg != CELL_REG_EMERGENCY;
}

static bool below_floor(const struct cell_sim *s, const struct cell_sim_obs *o)
{
	return (!isnan(o->rsrp_dbm) && o->rsrp_dbm < s->p.floor_rsrp_dbm) ||
	       (!isnan(o->sinr_db) && o->sinr_db < s->p.floor_sinr_db);
}

static int trigger_of(const struct cell_sim *s, const struct cell_sim_obs *o)
{
	if ((o->answered && !registered(o)) || o->data == 0)
		return CELL_SIM_TRIG_DOWN;
	if (o->carrying || !o->answered)
		return CELL_SIM_TRIG_NONE;
	if (s->p.on_weak && below_floor(s, o))
		return CELL_SIM_TRIG_WEAK;
	if (s->p.on_roaming && o->roaming == TRI_TRUE)
		return CELL_SIM_TRIG_ROAMING;
	return CELL_SIM_TRIG_NONE;
}

/* The next slot after the active one holding a SIM not marked failed: the
 * slot, or -1 (active unknown), -2 (the others failed), -3 (the others empty). */
static int target_of(const struct cell_sim *s, int64_t now)
{
	int n = s->p.slots < CELL_SIM_SLOTS_MAX ? s->p.slots : CELL_SIM_SLOTS_MAX;
	if (s->slot < 1 || s->slot > n)
		return -1;
	bool failed = false;
	for (int k = 1; k < n; k++) {
		int t = (s->slot - 1 + k) % n + 1;
		if (s->empty & (1u << t))
			continue;
		if (s->failed_until_ms[t] <= now)
			return t;
		failed = true;
	}
	return failed ? -2 : -3;
}

static void verify(struct cell_sim *s, const struct cell_sim_obs *o, struct cell_sim_out *out)
{
	bool on_slot = o->slot < 1 || o->slot == s->to;
	/* a switch for a weak radio or roaming must also have cured that */
	bool cured = !(s->trigger == CELL_SIM_TRIG_WEAK && below_floor(s, o)) &&
		     !(s->trigger == CELL_SIM_TRIG_ROAMING && o->roaming == TRI_TRUE);
	if (registered(o) && on_slot && cured && o->last_round_up_ms > s->cmd_done_ms) {
		s->state = CELL_SIM_IDLE;
		s->bad_rounds = 0;
		s->slot = s->to;
		s->verified++;
		out->result = CELL_SIM_RES_VERIFIED;
		return;
	}
	if (o->t_ms < s->verify_until_ms)
		return;
	/* the new SIM did not come up in the window: back once, and mark it */
	s->not_up++;
	out->result = CELL_SIM_RES_NOT_UP;
	if (s->to >= 1 && s->to <= CELL_SIM_SLOTS_MAX)
		s->failed_until_ms[s->to] = o->t_ms + s->p.failed_hold_ms;
	s->state = CELL_SIM_REVERTING;
	s->last_switch_ms = o->t_ms;
	s->reverts++;
	out->action = CELL_SIM_ACT_REVERT;
	out->slot = s->from;
	out->from = s->to;
}

void cell_sim_step(struct cell_sim *s, const struct cell_sim_obs *o, struct cell_sim_out *out)
{
	memset(out, 0, sizeof(*out));
	if (!s->p.enabled)
		return;
	if (o->answered && o->slot >= 1 && s->state == CELL_SIM_IDLE)
		s->slot = o->slot;
	if (o->answered && o->empty_known)
		s->empty = o->empty;
	if (s->state == CELL_SIM_SWITCHING || s->state == CELL_SIM_REVERTING)
		return;		/* the command still runs */
	if (s->state == CELL_SIM_VERIFYING) {
		verify(s, o, out);
		return;
	}
	s->trigger = trigger_of(s, o);
	if (s->trigger == CELL_SIM_TRIG_NONE) {
		s->bad_rounds = 0;
		s->hold = "";
		return;
	}
	s->bad_rounds++;
	int64_t now = o->t_ms;
	if (s->bad_rounds < s->p.rounds) {
		s->hold = "rounds";
		return;
	}
	if (now - s->started_ms < s->p.startup_ms) {
		s->hold = "startup";
		return;
	}
	if (s->last_switch_ms >= 0 && now - s->last_switch_ms < s->p.cooldown_ms) {
		s->hold = "cooldown";
		return;
	}
	int t = target_of(s, now);
	if (t < 0) {
		s->hold = s->p.slots < 2 ? "no other SIM" : t == -1 ? "active slot unknown"
			: t == -2 ? "other SIM failed" : "other slot empty";
		return;
	}
	s->hold = "";
	s->state = CELL_SIM_SWITCHING;
	s->from = s->slot;
	s->to = t;
	s->last_switch_ms = now;
	s->switches++;
	out->action = CELL_SIM_ACT_SWITCH;
	out->slot = t;
	out->from = s->slot;
	out->trigger = s->trigger;
}

void cell_sim_done(struct cell_sim *s, bool ok, int64_t now_ms)
{
	if (s->state == CELL_SIM_SWITCHING) {
		if (!ok) {
			s->cmd_failures++;
			s->state = CELL_SIM_IDLE;
			s->bad_rounds = 0;
			return;
		}
		s->state = CELL_SIM_VERIFYING;
		s->cmd_done_ms = now_ms;
		s->verify_until_ms = now_ms + s->p.verify_ms;
	} else if (s->state == CELL_SIM_REVERTING) {
		if (!ok)
			s->cmd_failures++;
		else
			s->slot = s->from;
		s->state = CELL_SIM_IDLE;
		s->bad_rounds = 0;
		s->last_switch_ms = now_ms;	/* the cooldown counts from the revert */
	}
}

void cell_sim_view_fill(const struct cell_sim *s, int64_t now_ms, struct cell_sim_view *out)
{
	memset(out, 0, sizeof(*out));
	out->state = cell_sim_state_name(s->state);
	out->slot = s->slot;
	out->trigger = cell_sim_trigger_name(s->trigger);
	out->hold = s->hold[0] ? s->hold : NULL;
	out->bad_rounds = s->bad_rounds;
	int64_t left = s->last_switch_ms >= 0 ? s->last_switch_ms + s->p.cooldown_ms - now_ms : -1;
	out->cooldown_left_ms = left > 0 ? left : -1;
	out->verify_left_ms = s->state == CELL_SIM_VERIFYING && s->verify_until_ms > now_ms
				      ? s->verify_until_ms - now_ms : -1;
	out->switches = s->switches;
	out->verified = s->verified;
	out->not_up = s->not_up;
	out->reverts = s->reverts;
	out->cmd_failures = s->cmd_failures;
}

#define V(f) offsetof(struct cell_sim_view, f)
#define NEG .flags = METRIC_F_NEG_UNKNOWN
const struct metric_desc cell_sim_view_metrics[] = {
	{ METRIC("state", METRIC_STRPTR, V(state), NULL, METRIC_INFO,
		 "idle, switching (command running), verifying, reverting.") },
	{ METRIC("slot", METRIC_INT, V(slot), NULL, METRIC_INFO, "Active SIM slot as last known."), NEG },
	{ METRIC("trigger", METRIC_STRPTR, V(trigger), NULL, METRIC_INFO,
		 "none, down, weak or roaming: the latest poll's (the switch's while one is under way).") },
	{ METRIC("hold", METRIC_STRPTR, V(hold), NULL, METRIC_INFO,
		 "Why that trigger did not switch: rounds, startup, cooldown, no other SIM, active slot "
		 "unknown, other SIM failed, other slot empty; null none.") },
	{ METRIC("bad_rounds", METRIC_INT, V(bad_rounds), "polls", METRIC_GAUGE,
		 "Polls in a row with a trigger.") },
	{ METRIC("cooldown_left_ms", METRIC_INT64, V(cooldown_left_ms), "ms", METRIC_GAUGE,
		 "Until another switch may start; null none."), NEG },
	{ METRIC("verify_left_ms", METRIC_INT64, V(verify_left_ms), "ms", METRIC_GAUGE,
		 "Of the verification window; null when not verifying."), NEG },
	{ METRIC("switches", METRIC_UINT64, V(switches), NULL, METRIC_COUNTER, "Switches started.") },
	{ METRIC("verified", METRIC_UINT64, V(verified), NULL, METRIC_COUNTER, "Switches verified.") },
	{ METRIC("not_up", METRIC_UINT64, V(not_up), NULL, METRIC_COUNTER,
		 "Switches whose new SIM did not come up in the window.") },
	{ METRIC("reverts", METRIC_UINT64, V(reverts), NULL, METRIC_COUNTER, "Switches back.") },
	{ METRIC("command_failures", METRIC_UINT64, V(cmd_failures), NULL, METRIC_COUNTER,
		 "Switch or switch-back commands that failed.") },
	METRIC_END
};
#undef V
#undef NEG
