/*
 * engine_params.c - the engine's tunables: option table (names, defaults,
 * ranges, units, help) and the cross-field checks. Defaults live only in
 * engine_options[]; engine_params_defaults() reads them from there so the
 * simulator and the tests use exactly what a fresh router would.
 */
#include "engine.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P(f) offsetof(struct engine_params, f)
#define INT(n, f, lo, hi, d, u, h) { n, CFG_INT, P(f), lo, hi, d, NULL, u, CFG_HELP(h) }
#define DBL(n, f, lo, hi, d, u, h) { n, CFG_DOUBLE, P(f), lo, hi, d, NULL, u, CFG_HELP(h) }
#define BOOL(n, f, d, h) { n, CFG_BOOL, P(f), 0, 1, d, NULL, NULL, CFG_HELP(h) }

const struct cfg_option engine_options[] = {
	INT("fail_window_ms", fail_window_ms, 0, 600000, "1500", "ms",
	    "how long the primary must be bad before a soft demotion"),
	INT("restore_window_ms", restore_window_ms, 0, 3600000, "30000", "ms",
	    "how long a preferred member must be good before it is promoted back"),
	INT("flap_memory_ms", flap_memory_ms, 0, 86400000, "300000", "ms",
	    "a member that fails again within this time of its promotion is flapping"),
	INT("restore_backoff_max_ms", restore_backoff_max_ms, 0, 86400000, "600000", "ms",
	    "each flap doubles the member's restore window, up to this"),
	INT("min_uptime_ms", min_uptime_ms, 0, 3600000, "10000", "ms",
	    "how long a member must be up after (re)appearing before it may be chosen"),
	INT("cooldown_ms", cooldown_ms, 0, 3600000, "20000", "ms",
	    "minimum time between two switches that are not hard failures"),
	INT("switch_margin", switch_margin, 0, 100, "10", "points",
	    "a challenger must lead the primary's effective score by this much"),
	INT("hard_fail_rounds", hard_fail_rounds, 1, 100, "3", "rounds",
	    "consecutive probe rounds with every probe lost that count as a hard failure "
	    "(with at least hard_fail_probes probes lost in a row)"),
	INT("hard_fail_probes", hard_fail_probes, 1, 100, "5", "probes",
	    "consecutive lost probes (across rounds) a hard failure needs: rounds of one probe "
	    "lost by chance are not an outage"),
	BOOL("predictive", predictive, "1", "demote the primary early on predictive signals"),
	INT("recurring_drops", recurring_drops, 0, 8, "2", "drops",
	    "drops (hard failures, obstruction onsets) within recurring_window_ms that make a "
	    "pattern: the member returns only after recurring_quiet_ms without one (0 = off)"),
	INT("recurring_window_ms", recurring_window_ms, 1000, 86400000, "1800000", "ms",
	    "window in which recurring_drops drops make a pattern"),
	INT("recurring_quiet_ms", recurring_quiet_ms, 0, 86400000, "600000", "ms",
	    "a member whose drops recur returns after this long without a drop (and its restore "
	    "window)"),
	DBL("recurring_obstruction_pct", recurring_obstruction_pct, 0, 100, "2", "%",
	    "a Starlink drop while the dish reports at least this fraction obstructed is "
	    "recurring at once (a fixed obstruction in view)"),
	DBL("radio_floor_rsrp_dbm", radio_floor_rsrp_dbm, -160, 0, "-110", "dBm",
	    "a cellular member below this RSRP is less preferred: not chosen while a usable "
	    "member above the floor exists, and left as primary for one (-160 = off)"),
	DBL("radio_floor_sinr_db", radio_floor_sinr_db, -30, 50, "0", "dB",
	    "... or below this SINR (-30 = off)"),
	DBL("radio_floor_hysteresis_db", radio_floor_hysteresis_db, 0, 30, "3", "dB",
	    "a member below the floor is above it again at floor + this"),
	INT("radio_floor_dwell_ms", radio_floor_dwell_ms, 0, 120000, "5000", "ms",
	    "the radio must stay under the floor this long before the member counts as below "
	    "it (one bad reading while driving is not enough)"),

	INT("short_window_ms", short_window_ms, 500, 60000, "4000", "ms",
	    "window of the instant score (latency median, loss, jitter)"),
	INT("window_ms", window_ms, 5000, 600000, "60000", "ms",
	    "window of the window-average score and of the round history"),
	INT("ewma_tau_ms", ewma_tau_ms, 100, 600000, "10000", "ms",
	    "time constant of the EWMA score"),
	INT("min_round_interval_ms", min_round_interval_ms, 50, 10000, "200", "ms",
	    "shortest expected probe round interval; sizes the history ring"),
	INT("round_stale_ms", round_stale_ms, 1000, 3600000, "150000", "ms",
	    "rounds older than this are ignored; a sparsely probed (standby, metered) member "
	    "is scored from its newest 3 rounds when its windows hold fewer"),
	INT("class_stale_ms", class_stale_ms, 1000, 3600000, "30000", "ms",
	    "class metrics (Starlink, cellular, Wi-Fi) older than this are unknown"),
	DBL("score_weight_instant", weight_instant, 0, 1, "0.5", NULL,
	    "share of the instant score in the final score"),
	DBL("score_weight_ewma", weight_ewma, 0, 1, "0.3", NULL,
	    "share of the EWMA score in the final score"),
	DBL("score_weight_window", weight_window, 0, 1, "0.2", NULL,
	    "share of the window-average score in the final score"),
	DBL("weight_points_per_unit", weight_points_per_unit, 0, 2, "0.2", "points",
	    "a member weight w adds (w - 50) * this to its effective score"),
	INT("bad_score", bad_score, 0, 100, "60", "points", "instant score below this is bad"),
	INT("good_score", good_score, 0, 100, "75", "points",
	    "instant score at or above this is good"),
	DBL("latency_ok_ms", latency_ok_ms, 0, 10000, "150", "ms", "latency without penalty"),
	DBL("latency_bad_ms", latency_bad_ms, 1, 60000, "500", "ms",
	    "latency at which the full latency penalty applies"),
	DBL("latency_penalty", latency_penalty, 0, 100, "45", "points", "full latency penalty"),
	INT("loss_window_ms", loss_window_ms, 500, 600000, "10000", "ms",
	    "window of the loss estimate used in the score"),
	DBL("loss_ok_pct", loss_ok_pct, 0, 100, "2", "%", "loss without penalty"),
	DBL("loss_bad_pct", loss_bad_pct, 0.1, 100, "15", "%",
	    "loss at which the full loss penalty applies"),
	DBL("loss_penalty", loss_penalty, 0, 100, "50", "points", "full loss penalty"),
	DBL("loss_cusum_base_pct", loss_cusum_base_pct, 0.01, 50, "0.5", "%",
	    "loss evidence (CUSUM): healthy loss assumed before a member's baseline is learned, "
	    "and the least loss the evidence weighs probes against"),
	DBL("loss_cusum_bad_pct", loss_cusum_bad_pct, 1, 100, "20", "%",
	    "loss evidence (CUSUM): loss rate to detect quickly"),
	DBL("loss_cusum_threshold", loss_cusum_threshold, 0, 1000, "0", "nats",
	    "loss evidence at which a member is bad; 0 = derived per member from "
	    "loss_false_alarms_per_day, its probe rate and its learned baseline loss"),
	DBL("loss_false_alarms_per_day", loss_false_alarms_per_day, 0.0001, 100, "0.001", "1/day",
	    "false alarms per day the loss evidence may raise on a healthy member (lower: slower)"),
	INT("loss_baseline_tau_ms", loss_baseline_tau_ms, 60000, 86400000, "1800000", "ms",
	    "time constant of each member's learned baseline (healthy) loss"),
	DBL("loss_baseline_max_pct", loss_baseline_max_pct, 0.1, 50, "8", "%",
	    "the learned baseline loss is capped here (a link losing more is not healthy)"),
	DBL("jitter_ok_ms", jitter_ok_ms, 0, 10000, "30", "ms", "jitter without penalty"),
	DBL("jitter_bad_ms", jitter_bad_ms, 1, 60000, "200", "ms",
	    "jitter at which the full jitter penalty applies"),
	DBL("jitter_penalty", jitter_penalty, 0, 100, "10", "points", "full jitter penalty"),

	DBL("obstruction_ok_pct", obstruction_ok_pct, 0, 100, "1", "%",
	    "Starlink fraction obstructed without penalty"),
	DBL("obstruction_bad_pct", obstruction_bad_pct, 0.1, 100, "10", "%",
	    "Starlink fraction obstructed at which the full penalty applies"),
	DBL("obstruction_penalty", obstruction_penalty, 0, 100, "20", "points",
	    "full Starlink obstruction penalty"),
	DBL("obstructed_now_penalty", obstructed_now_penalty, 0, 100, "15", "points",
	    "penalty while the dish reports currently_obstructed"),
	DBL("snr_low_penalty", snr_low_penalty, 0, 100, "20", "points",
	    "penalty while the dish reports is_snr_persistently_low"),
	DBL("thermal_penalty", thermal_penalty, 0, 100, "10", "points",
	    "penalty while the dish reports thermal throttling"),
	DBL("rsrp_ok_dbm", rsrp_ok_dbm, -160, 0, "-95", "dBm", "cellular RSRP without penalty"),
	DBL("rsrp_bad_dbm", rsrp_bad_dbm, -160, 0, "-120", "dBm",
	    "cellular RSRP at which the full penalty applies"),
	DBL("rsrp_penalty", rsrp_penalty, 0, 100, "25", "points", "full cellular RSRP penalty"),
	DBL("sinr_ok_db", sinr_ok_db, -30, 50, "5", "dB", "cellular SINR without penalty"),
	DBL("sinr_bad_db", sinr_bad_db, -30, 50, "-5", "dB",
	    "cellular SINR at which the full penalty applies"),
	DBL("sinr_penalty", sinr_penalty, 0, 100, "10", "points", "full cellular SINR penalty"),
	DBL("roaming_penalty", roaming_penalty, 0, 100, "10", "points",
	    "penalty while a cellular member roams"),
	DBL("wifi_signal_ok_dbm", wifi_signal_ok_dbm, -120, 0, "-67", "dBm",
	    "Wi-Fi signal without penalty"),
	DBL("wifi_signal_bad_dbm", wifi_signal_bad_dbm, -120, 0, "-85", "dBm",
	    "Wi-Fi signal at which the full penalty applies"),
	DBL("wifi_signal_penalty", wifi_signal_penalty, 0, 100, "25", "points",
	    "full Wi-Fi signal penalty"),

	BOOL("starlink_slot_aware", starlink_slot_aware, "1",
	     "weigh Starlink evidence near satellite-reassignment boundaries less"),
	INT("slot_period_ms", slot_period_ms, 1000, 600000, "15000", "ms",
	    "Starlink reassignment period"),
	INT("slot_offset_ms", slot_offset_ms, 0, 600000, "12000", "ms",
	    "boundary phase within the UTC period (:12, :27, :42, :57)"),
	INT("slot_guard_ms", slot_guard_ms, 0, 5000, "500", "ms",
	    "evidence within this distance of a boundary weighs slot_weight"),
	DBL("slot_weight", slot_weight, 0, 1, "0.2", NULL,
	    "weight of a probe round inside the boundary guard"),
	INT("slot_learn_min_events", slot_learn_min_events, 1, 1000, "8", "events",
	    "boundary anomalies needed before the learned phase is used"),

	INT("predict_window_ms", predict_window_ms, 5000, 600000, "30000", "ms",
	    "window of the latency/loss/score slopes"),
	DBL("predict_latency_slope_ms_per_s", predict_latency_slope_ms_per_s, 0, 10000, "4",
	    "ms/s", "latency rising faster than this is a predictive signal"),
	DBL("predict_latency_min_ms", predict_latency_min_ms, 0, 10000, "120", "ms",
	    "...when the short-window latency is at least this"),
	DBL("predict_loss_slope_pct_per_s", predict_loss_slope_pct_per_s, 0, 100, "0",
	    "%/s", "loss rising faster than this is a predictive signal (0 = off, see docs)"),
	DBL("predict_loss_min_pct", predict_loss_min_pct, 0, 100, "1.5", "%",
	    "...when the short-window loss is at least this"),
	DBL("predict_score_slope_per_s", predict_score_slope_per_s, 0, 100, "1.5", "points/s",
	    "score falling faster than this (below good_score) is a predictive signal"),
	DBL("predict_obstruction_slope_pct_per_min", predict_obstruction_slope_pct_per_min,
	    0, 100, "1", "%/min", "Starlink obstruction rising faster than this is a signal"),
	DBL("predict_obstruction_min_pct", predict_obstruction_min_pct, 0, 100, "2", "%",
	    "...when the obstruction is at least this"),
	INT("predict_reboot_lead_s", predict_reboot_lead_s, 0, 86400, "120", "s",
	    "leave a Starlink member this long before an announced reboot"),
	DBL("predict_rsrp_slope_db_per_s", predict_rsrp_slope_db_per_s, 0, 100, "0", "dB/s",
	    "cellular RSRP falling faster than this is a predictive signal (0 = off: on the "
	    "modelled drive and fade traces it did not shorten the time on a bad cellular link; "
	    "the radio floor gates)"),
	DBL("predict_rsrp_max_dbm", predict_rsrp_max_dbm, -160, 0, "-100", "dBm",
	    "...when the RSRP is at most this"),
	DBL("predict_penalty", predict_penalty, 0, 100, "30", "points",
	    "points taken from the effective score of a member with an active trigger"),
	INT("predict_hold_ms", predict_hold_ms, 0, 600000, "20000", "ms",
	    "a predictive trigger stays active this long after it last fired"),
	DBL("latency_false_alarms_per_day", latency_false_alarms_per_day, 0.0001, 100, "0.005", "1/day",
	    "false alarms per day the latency evidence (CUSUM of slow rounds against the learned "
	    "baseline) may raise on a healthy member (lower: slower)"),
	DBL("latency_jump_ms", latency_jump_ms, 1, 10000, "100", "ms",
	    "a round this far above the member's learned latency (or 4 mean deviations, if more) "
	    "is slow"),
	DBL("latency_evidence_min_ms", latency_evidence_min_ms, 0, 60000, "300", "ms",
	    "the latency evidence makes a member bad only while its short-window latency is at "
	    "least this (a jump from 20 to 90 ms is real, but harmless)"),
	CFG_OPT_END,
};

int engine_param_store(struct engine_params *p, const struct cfg_option *o, double v)
{
	if (!isfinite(v) || v < o->min || v > o->max)
		return -1;
	char *base = (char *)p + o->offset;
	switch (o->type) {
	case CFG_INT:
		*(int *)base = (int)v;
		return 0;
	case CFG_DOUBLE:
		*(double *)base = v;
		return 0;
	case CFG_BOOL:
		*(bool *)base = v != 0;
		return 0;
	default:
		return -1;	/* the engine has numeric options only */
	}
}

void engine_params_defaults(struct engine_params *p)
{
	memset(p, 0, sizeof(*p));
	/* defaults are numbers in UCI text form ("1500", "0.5", "1"): the engine
	 * links libc and libm only, so it reads them with strtod, not cfgtab */
	for (const struct cfg_option *o = engine_options; o->name; o++)
		engine_param_store(p, o, o->def ? strtod(o->def, NULL) : 0);
}

static int fail(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

int engine_params_check(const struct engine_params *p, char *err, size_t errlen)
{
	for (const struct cfg_option *o = engine_options; o->name; o++) {
		const char *base = (const char *)p + o->offset;
		double v = o->type == CFG_INT ? *(const int *)base :
			   o->type == CFG_DOUBLE ? *(const double *)base : 0;
		if ((o->type == CFG_INT || o->type == CFG_DOUBLE) && !(v >= o->min && v <= o->max)) {
			if (err && errlen)
				snprintf(err, errlen, "option %s=%g out of range [%g, %g]", o->name,
					 v, o->min, o->max);
			return -1;
		}
	}
	if (p->loss_cusum_bad_pct <= p->loss_cusum_base_pct)
		return fail(err, errlen, "loss_cusum_bad_pct must be above loss_cusum_base_pct");
	if (p->loss_baseline_max_pct >= p->loss_cusum_bad_pct)
		return fail(err, errlen, "loss_baseline_max_pct must be below loss_cusum_bad_pct");
	if (p->loss_window_ms > p->window_ms)
		return fail(err, errlen, "loss_window_ms must be <= window_ms");
	if (p->good_score < p->bad_score)
		return fail(err, errlen, "good_score must be >= bad_score");
	if (p->short_window_ms > p->window_ms)
		return fail(err, errlen, "short_window_ms must be <= window_ms");
	if (p->predict_window_ms > p->window_ms)
		return fail(err, errlen, "predict_window_ms must be <= window_ms");
	if (p->latency_bad_ms <= p->latency_ok_ms || p->loss_bad_pct <= p->loss_ok_pct ||
	    p->jitter_bad_ms <= p->jitter_ok_ms || p->obstruction_bad_pct <= p->obstruction_ok_pct)
		return fail(err, errlen, "each *_bad threshold must be above its *_ok threshold");
	if (p->rsrp_bad_dbm >= p->rsrp_ok_dbm || p->sinr_bad_db >= p->sinr_ok_db ||
	    p->wifi_signal_bad_dbm >= p->wifi_signal_ok_dbm)
		return fail(err, errlen, "signal *_bad thresholds must be below their *_ok thresholds");
	if (p->weight_instant + p->weight_ewma + p->weight_window <= 0)
		return fail(err, errlen, "score weights must not all be zero");
	if (p->slot_guard_ms * 2 >= p->slot_period_ms)
		return fail(err, errlen, "slot_guard_ms must be below half of slot_period_ms");
	return 0;
}
