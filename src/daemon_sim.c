/*
 * daemon_sim.c - the dual-SIM glue (daemon_sim.h): cellular polls and the
 * engine's view of a member in, commands through the collector, events out.
 */
#include "daemon_sim.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell_parse.h"
#include "cell_sim.h"
#include "cellular.h"
#include "daemon.h"
#include "log.h"
#include "metric_impl.h"

struct sim_entry {
	bool used;
	char member[MEMBER_NAME_MAX];
	struct daemon *d;
	struct cell_sim sim;
	uint64_t polls_seen;
	int64_t last_round_up_ms;
	int trigger;			/* of the switch under way */
};

struct daemon_sim {
	struct sim_entry e[MAX_MEMBERS];
};

int daemon_sim_start(struct daemon *d)
{
	d->sim = calloc(1, sizeof(*d->sim));
	return d->sim ? 0 : -1;
}

void daemon_sim_stop(struct daemon *d)
{
	free(d->sim);
	d->sim = NULL;
}

static struct sim_entry *entry_of(struct daemon_sim *ds, const char *name, bool create)
{
	struct sim_entry *free_e = NULL;
	for (int i = 0; i < MAX_MEMBERS; i++) {
		if (ds->e[i].used && strcmp(ds->e[i].member, name) == 0)
			return &ds->e[i];
		if (!ds->e[i].used && !free_e)
			free_e = &ds->e[i];
	}
	if (!create)
		return NULL;
	if (!free_e) {
		/* members that went away leave entries: reuse one that is idle */
		for (int i = 0; i < MAX_MEMBERS && !free_e; i++)
			if (ds->e[i].sim.state == CELL_SIM_IDLE)
				free_e = &ds->e[i];
		if (!free_e)
			return NULL;
	}
	memset(free_e, 0, sizeof(*free_e));
	free_e->used = true;
	free_e->last_round_up_ms = -1;
	snprintf(free_e->member, sizeof(free_e->member), "%s", name);
	return free_e;
}

static void params_of(const struct daemon *d, const struct cellular_params *cp, struct cell_sim_params *out)
{
	memset(out, 0, sizeof(*out));
	out->enabled = cp->sim_switch;
	out->on_weak = cp->sim_on_weak;
	out->on_roaming = cp->sim_on_roaming;
	out->slots = cp->sim_slots;
	out->rounds = cp->sim_rounds;
	out->startup_ms = cp->sim_startup_ms;
	out->cooldown_ms = cp->sim_cooldown_ms;
	out->verify_ms = cp->sim_verify_ms;
	out->failed_hold_ms = cp->sim_failed_hold_ms;
	out->floor_rsrp_dbm = d->cfg.engine.radio_floor_rsrp_dbm;
	out->floor_sinr_db = d->cfg.engine.radio_floor_sinr_db;
}

static void *cellular_inst(const struct member *m)
{
	int slot = collector_slot(&cellular_collector);
	return slot >= 0 && m->coll[slot].ops == &cellular_collector ? m->coll[slot].inst : NULL;
}

static void on_cmd_done(void *ctx, bool ok, const char *cmd, const char *reason)
{
	struct sim_entry *e = ctx;
	struct daemon *d = e->d;
	int state = e->sim.state;
	int from = state == CELL_SIM_SWITCHING ? e->sim.from : e->sim.to;
	int to = state == CELL_SIM_SWITCHING ? e->sim.to : e->sim.from;
	cell_sim_done(&e->sim, ok, daemon_now_ms(d));
	if (state == CELL_SIM_SWITCHING && ok)
		daemon_event(d, "sim_switch", cell_sim_trigger_name(e->trigger), e->member,
			     "from=%d to=%d cmd=\"%s\" verify_ms=%lld", from, to, cmd,
			     (long long)e->sim.p.verify_ms);
	else if (state == CELL_SIM_SWITCHING)
		daemon_event(d, "sim_switch_fail", "command", e->member, "from=%d to=%d cmd=\"%s\" %s", from,
			     to, cmd, reason);
	else if (ok)
		daemon_event(d, "sim_switch_back", "not_up", e->member, "from=%d to=%d cmd=\"%s\"", from, to,
			     cmd);
	else
		daemon_event(d, "sim_switch_fail", "revert", e->member, "from=%d to=%d cmd=\"%s\" %s", from, to,
			     cmd, reason);
}

static void run_action(struct daemon *d, struct sim_entry *e, void *inst, const struct cell_sim_out *out)
{
	char err[160];
	e->trigger = out->action == CELL_SIM_ACT_SWITCH ? out->trigger : e->trigger;
	log_info("sim member=%s %s from=%d to=%d%s%s", e->member,
		 out->action == CELL_SIM_ACT_SWITCH ? "switch" : "revert", out->from, out->slot,
		 out->action == CELL_SIM_ACT_SWITCH ? " trigger=" : "",
		 out->action == CELL_SIM_ACT_SWITCH ? cell_sim_trigger_name(out->trigger) : "");
	if (cellular_sim_exec(inst, out->slot, on_cmd_done, e, err, sizeof(err)) < 0)
		on_cmd_done(e, false, "", err);
}

/* Another member the engine finds good or degraded: it could carry the traffic. */
static bool other_usable(const struct daemon *d, const struct member *m)
{
	for (int i = 0; i < d->n_members; i++) {
		struct engine_score_info si;
		const char *why = NULL;
		if (i == m->idx || member_unusable(d->members[i], &why))
			continue;
		if (d->engine && engine_member_score(d->engine, i, &si) == 0 &&
		    (si.state == MS_GOOD || si.state == MS_DEGRADED))
			return true;
	}
	return false;
}

void daemon_sim_observe(struct daemon *d, struct member *m, const struct sample *s, unsigned flags)
{
	if (!d->sim)
		return;
	void *inst = cellular_inst(m);
	if (!inst)
		return;
	struct cellular_sim_view v;
	cellular_sim_view(inst, &v);
	struct sim_entry *e = entry_of(d->sim, m->cfg.name, v.params->sim_switch);
	if (!e)
		return;
	if ((flags & MEMBER_OBS_ROUND) && (flags & MEMBER_OBS_ROUND_UP))
		e->last_round_up_ms = s->t_ms;
	struct cell_sim_params p;
	params_of(d, v.params, &p);
	if (!e->d) {
		e->d = d;
		cell_sim_init(&e->sim, &p, daemon_now_ms(d));
	} else {
		cell_sim_set_params(&e->sim, &p);
	}
	if ((e->sim.state == CELL_SIM_SWITCHING || e->sim.state == CELL_SIM_REVERTING) && !v.busy) {
		/* the collector was restarted (reload) with the command: it is lost */
		on_cmd_done(e, false, "", "interrupted: the cellular collector was restarted");
	}
	if (!p.enabled || v.polls == e->polls_seen)
		return;
	e->polls_seen = v.polls;
	if (v.busy)
		return;

	struct cell_sim_obs o = {
		.t_ms = daemon_now_ms(d),
		.answered = v.answered,
		.reg = v.radio->reg,
		.slot = v.radio->sim_slot,
		.empty = v.radio->sim_empty,
		.empty_known = v.radio->sim_slots[0] != '\0',
		.rsrp_dbm = v.radio->rsrp_dbm,
		.sinr_db = v.radio->sinr_db,
		.roaming = v.radio->roaming,
		.data = -1,
		.last_round_up_ms = e->last_round_up_ms,
	};
	struct engine_score_info si;
	const char *why = NULL;
	const char *st = member_unusable(m, &why);
	if (st && strcmp(st, "disabled") == 0)
		return;		/* switched off by the user: no SIM is to blame */
	if (st && strcmp(st, "down") == 0)
		o.data = 0;	/* the device is there without a usable link */
	else if (d->engine && engine_member_score(d->engine, m->idx, &si) == 0)
		o.data = si.state == MS_DOWN ? 0 : si.state == MS_GOOD || si.state == MS_DEGRADED ? 1 : -1;
	o.carrying = d->primary == m->idx && o.data == 1 && other_usable(d, m);

	struct cell_sim_out out;
	const char *hold_before = e->sim.hold;
	cell_sim_step(&e->sim, &o, &out);
	if (e->sim.hold != hold_before && e->sim.hold[0])
		log_info("sim member=%s trigger=%s held=\"%s\" rounds=%d", e->member,
			 cell_sim_trigger_name(e->sim.trigger), e->sim.hold, e->sim.bad_rounds);
	if (out.result == CELL_SIM_RES_VERIFIED)
		daemon_event(d, "sim_switch_ok", "verified", e->member, "slot=%d after_ms=%lld", e->sim.to,
			     (long long)(o.t_ms - e->sim.cmd_done_ms));
	else if (out.result == CELL_SIM_RES_NOT_UP)
		daemon_event(d, "sim_switch_fail", "not_up", e->member,
			     "slot=%d not registered with a probe round up within %lld ms: back to %d",
			     out.from, (long long)e->sim.p.verify_ms, out.slot);
	if (out.action != CELL_SIM_ACT_NONE)
		run_action(d, e, inst, &out);
}

void daemon_sim_json(const struct daemon *d, const struct member *m, struct json_object *out)
{
	if (!d->sim)
		return;
	struct sim_entry *e = entry_of(d->sim, m->cfg.name, false);
	if (!e || !e->d || !e->sim.p.enabled)
		return;
	struct cell_sim_view v;
	cell_sim_view_fill(&e->sim, daemon_now_ms(d), &v);
	json_object_object_add(out, "sim", metric_object(cell_sim_view_metrics, &v));
}
