/* engine_metrics.c - what the engine reports of one member (struct engine_score_info). */
#include "engine_metrics.h"

#include "engine_impl.h"

static const struct metric_names reason_names = { eng_reason_names, __RSN_MAX, 0, "invalid" };

#define S(f) offsetof(struct engine_score_info, f)
const struct metric_desc engine_score_metrics[] = {
	{ METRIC("instant", METRIC_DOUBLE, S(instant), "points", METRIC_GAUGE,
		 "Score of the latest round, 0..100.") },
	{ METRIC("ewma", METRIC_DOUBLE, S(ewma), "points", METRIC_GAUGE,
		 "Exponentially weighted mean of the instant scores.") },
	{ METRIC("window", METRIC_DOUBLE, S(window), "points", METRIC_GAUGE,
		 "Score of the window estimates (latency, loss, jitter).") },
	{ METRIC("final", METRIC_DOUBLE, S(final), "points", METRIC_GAUGE,
		 "The score the engine ranks by, 0..100.") },
	{ METRIC("effective", METRIC_DOUBLE, S(effective), "points", METRIC_GAUGE,
		 "final + weight points - predictive penalty.") },
	{ METRIC("short_latency_ms", METRIC_DOUBLE, S(latency_ms), "ms", METRIC_GAUGE,
		 "The engine's window estimate of the latency.") },
	{ METRIC("short_loss_pct", METRIC_DOUBLE, S(loss_pct), "%", METRIC_GAUGE,
		 "The engine's window estimate of the loss.") },
	{ METRIC("short_jitter_ms", METRIC_DOUBLE, S(jitter_ms), "ms", METRIC_GAUGE,
		 "The engine's window estimate of the jitter.") },
	{ METRIC("loss_evidence", METRIC_DOUBLE, S(loss_evidence), "nats", METRIC_GAUGE,
		 "Loss CUSUM; the member is bad at loss_cusum_threshold.") },
	{ METRIC("eligible", METRIC_BOOL, S(eligible), NULL, METRIC_GAUGE,
		 "The member could be chosen now.") },
	{ METRIC("primary", METRIC_BOOL, S(primary), NULL, METRIC_GAUGE,
		 "The engine has this member as primary.") },
	{ METRIC("predictive_signal", METRIC_ENUM, S(predict), NULL, METRIC_INFO,
		 "Active predictive trigger; null when none."),
	  .flags = METRIC_F_ZERO_UNKNOWN, .names = &reason_names },
	{ METRIC("last_reason", METRIC_ENUM, S(last_reason), NULL, METRIC_INFO,
		 "Reason of the member's last state change or decision."), .names = &reason_names },
	{ METRIC("rounds", METRIC_INT, S(rounds), "rounds", METRIC_GAUGE,
		 "Rounds held in the engine's ring.") },
	{ METRIC("starlink_slot_phase_ms", METRIC_DOUBLE, S(slot_phase_ms), "ms", METRIC_GAUGE,
		 "Learned phase of the Starlink slot boundary (modulo its period).") },
	{ METRIC("loss_threshold", METRIC_DOUBLE, S(loss_threshold), "nats", METRIC_GAUGE,
		 "loss_evidence at which the member is bad (from loss_false_alarms_per_day).") },
	{ METRIC("loss_baseline_pct", METRIC_DOUBLE, S(loss_baseline_pct), "%", METRIC_GAUGE,
		 "Learned healthy loss the probes are weighed against.") },
	{ METRIC("probe_rate_per_s", METRIC_DOUBLE, S(probe_rate_per_s), "probes/s", METRIC_GAUGE,
		 "Probes per second the engine sees (EWMA over 60 s).") },
	{ METRIC("lost_probes_in_row", METRIC_DOUBLE, S(lost_probes_in_row), "probes", METRIC_GAUGE,
		 "Consecutive lost probes, across rounds.") },
	{ METRIC("suspect", METRIC_BOOL, S(suspect), NULL, METRIC_GAUGE,
		 "Evidence is building: worth probing faster to confirm or clear.") },
	{ METRIC("restore_wait", METRIC_BOOL, S(restore_wait), NULL, METRIC_GAUGE,
		 "Left for a failure and not yet allowed back (failback policy).") },
	{ METRIC("recurring", METRIC_BOOL, S(recurring), NULL, METRIC_GAUGE,
		 "Its drops recur: it returns only after recurring_quiet_ms without one.") },
	{ METRIC("below_radio_floor", METRIC_BOOL, S(below_radio_floor), NULL, METRIC_GAUGE,
		 "Cellular radio under radio_floor_rsrp_dbm / radio_floor_sinr_db.") },
	METRIC_END
};
#undef S
