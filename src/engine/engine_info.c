/*
 * engine_info.c - what the engine tells: names of reasons, events, states
 * and failback policies, the event emitter, the manual pin, and the getters
 * (engine_member_score: the evidence behind each member's state).
 */
#include "engine_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const eng_reason_names[__RSN_MAX] = {
	[RSN_NONE] = "none",
	[RSN_INITIAL] = "initial",
	[RSN_HARD_FAIL_LINK] = "hard_fail_link",
	[RSN_HARD_FAIL_LOSS] = "hard_fail_loss",
	[RSN_HARD_FAIL_STARLINK] = "hard_fail_starlink_outage",
	[RSN_SOFT_FAIL] = "soft_fail",
	[RSN_PREDICT_LATENCY] = "predictive_latency",
	[RSN_PREDICT_LOSS] = "predictive_loss",
	[RSN_PREDICT_SCORE] = "predictive_score",
	[RSN_PREDICT_OBSTRUCTION] = "predictive_obstruction",
	[RSN_PREDICT_SNR] = "predictive_snr",
	[RSN_PREDICT_THERMAL] = "predictive_thermal",
	[RSN_PREDICT_REBOOT] = "predictive_reboot",
	[RSN_PREDICT_SIGNAL] = "predictive_signal",
	[RSN_PREDICT_ROAMING] = "predictive_roaming",
	[RSN_RESTORE] = "restore",
	[RSN_BETTER] = "better_score",
	[RSN_COOLDOWN_SUPPRESSED] = "cooldown_suppressed",
	[RSN_MARGIN_SUPPRESSED] = "margin_suppressed",
	[RSN_ALL_BAD_KEEP] = "all_bad_keep_least_bad",
	[RSN_ALL_BAD_LEAST_BAD] = "all_bad_switch_least_bad",
	[RSN_ALL_DOWN] = "all_down",
	[RSN_MANUAL_PIN] = "manual_pin",
	[RSN_MANUAL_UNPIN] = "manual_unpin",
	[RSN_PIN_OVERRIDDEN] = "pin_overridden_down",
	[RSN_RECOVERED] = "recovered",
	[RSN_STATE] = "state",
	[RSN_SLOT_PHASE] = "slot_phase_learned",
	[RSN_MEMBER_REMOVED] = "member_removed",
	[RSN_NO_DATA] = "no_data",
	[RSN_RADIO_GATE] = "radio_below_floor",
	[RSN_FAILBACK_WAIT] = "failback_wait_suppressed",
	[RSN_DATA_CAP] = "data_cap",
};

static const char *const failback_names[__FAILBACK_MAX] = {
	[FAILBACK_WINDOW] = "window", [FAILBACK_IMMEDIATE] = "immediate",
	[FAILBACK_MANUAL] = "manual",
};

static const char *const event_names[__EV_MAX] = {
	[EV_SWITCH] = "switch", [EV_SUPPRESSED] = "suppressed", [EV_STATE] = "state",
	[EV_PREDICT] = "predict", [EV_ALL_BAD] = "all_bad", [EV_INFO] = "info",
};

static const char *const state_names[__MS_MAX] = {
	[MS_UNKNOWN] = "unknown", [MS_DOWN] = "down", [MS_WARMUP] = "warmup", [MS_BAD] = "bad",
	[MS_DEGRADED] = "degraded", [MS_GOOD] = "good", [MS_DISABLED] = "disabled",
};

const char *engine_reason_name(enum engine_reason r)
{
	return (unsigned)r < __RSN_MAX ? eng_reason_names[r] : "invalid";
}

const char *engine_event_type_name(enum engine_event_type t)
{
	return (unsigned)t < __EV_MAX ? event_names[t] : "invalid";
}

const char *engine_state_name(enum engine_member_state s)
{
	return (unsigned)s < __MS_MAX ? state_names[s] : "invalid";
}

const char *engine_failback_name(enum engine_failback f)
{
	return (unsigned)f < __FAILBACK_MAX ? failback_names[f] : "invalid";
}

int engine_failback_parse(const char *s, enum engine_failback *out)
{
	for (int i = 0; s && i < __FAILBACK_MAX; i++)
		if (!strcmp(s, failback_names[i])) {
			*out = (enum engine_failback)i;
			return 0;
		}
	return -1;
}

void eng_emit(struct engine *e, int64_t t_ms, enum engine_event_type type, enum engine_reason r,
	      int member, int from, int to, const char *fmt, ...)
{
	if (!e->cb)
		return;
	struct engine_event ev = {
		.t_ms = t_ms, .type = type, .reason = r, .member = member, .from = from, .to = to,
	};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ev.text, sizeof(ev.text), fmt, ap);
	va_end(ap);
	e->cb(e->cb_ctx, &ev);
}

int engine_pin(struct engine *e, int idx, int64_t now_ms)
{
	if (idx < 0 || idx >= e->n)
		return -1;
	e->pinned = idx;
	eng_emit(e, now_ms, EV_INFO, RSN_MANUAL_PIN, idx, e->primary, idx, "pinned=%s",
		 e->m[idx].cfg.name);
	return 0;
}

void engine_unpin(struct engine *e, int64_t now_ms)
{
	if (e->pinned < 0)
		return;
	eng_emit(e, now_ms, EV_INFO, RSN_MANUAL_UNPIN, e->pinned, -1, -1, "unpinned=%s",
		 e->m[e->pinned].cfg.name);
	e->pinned = -1;
}

int engine_pinned(const struct engine *e)
{
	return e->pinned;
}

int engine_primary(const struct engine *e)
{
	return e->primary;
}

int engine_member_count(const struct engine *e)
{
	return e->n;
}

int engine_member_index(const struct engine *e, const char *name)
{
	for (int i = 0; name && i < e->n; i++)
		if (!strcmp(e->m[i].cfg.name, name))
			return i;
	return -1;
}

const struct engine_member *engine_member_cfg(const struct engine *e, int idx)
{
	return idx >= 0 && idx < e->n ? &e->m[idx].cfg : NULL;
}

int engine_member_score(const struct engine *e, int idx, struct engine_score_info *out)
{
	if (idx < 0 || idx >= e->n || !out)
		return -1;
	const struct eng_member *m = &e->m[idx];
	*out = (struct engine_score_info){
		.instant = m->instant, .ewma = m->ewma, .window = m->window, .final = m->final,
		.effective = m->eff, .latency_ms = m->lat_ms, .loss_pct = m->loss_pct,
		.jitter_ms = m->jit_ms, .loss_evidence = m->cusum, .state = m->state, .primary = idx == e->primary,
		.predict = m->predict, .last_reason = m->last_reason,
		.state_since_ms = m->state_since_ms, .rounds = m->n, .slot_phase_ms = m->slot_phase_ms,
		.loss_threshold = m->h, .loss_baseline_pct = 100.0 * m->loss_base,
		.probe_rate_per_s = m->rate, .lost_probes_in_row = m->lost_probes,
		.restore_wait = idx != e->primary && m->last_t_ms != INT64_MIN &&
				!eng_failback_ready(e, m, m->last_t_ms),
		.last_drop_ms = eng_last_drop(m), .below_radio_floor = m->below_floor,
		.latency_evidence = m->lat_cusum, .latency_threshold = m->lat_h,
		.latency_baseline_ms = m->lat_learned >= 20 ? m->lat_base : NAN,
		.window_probes = m->win_probes, .window_lost_probes = m->win_lost,
		.good_since_ms = m->good_since_ms, .bad_since_ms = m->bad_since_ms,
		.restore_need_ms = m->cfg.failback == FAILBACK_IMMEDIATE ? 0 :
				   (int64_t)e->p.restore_window_ms * m->restore_mult,
		.restore_backoff = m->restore_mult, .cap = m->datacap,
	};
	out->suspect = m->suspect;
	out->recurring = eng_recurring(e, m, m->last_t_ms);
	out->eligible = m->state != MS_UNKNOWN && m->state != MS_DOWN && m->state != MS_BAD &&
			m->state != MS_WARMUP && m->state != MS_DISABLED;
	return 0;
}

size_t engine_memory_bytes(const struct engine *e)
{
	return e->mem_bytes;
}
