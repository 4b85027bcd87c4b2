/*
 * engine.h - the decision engine: which uplink carries the traffic, and why.
 *
 * Pure: a function of (params, member list, samples, now). It does no I/O,
 * reads no clock, keeps no globals and allocates only in engine_create() and
 * engine_set_members(); the daemon, the simulator (sim/) and the unit tests
 * run the very same code. docs/ENGINE.md explains the formula and every rule.
 *
 * What the daemon feeds (engine_observe):
 *
 *   - one sample per PROBE ROUND of a member, at the time of the round:
 *     t_ms = round time, loss_pct = share of this round's probes that were
 *     lost (0..100; 100 = every target silent), latency_ms = mean RTT of the
 *     answered probes (NAN when none answered), probes_lost_in_row if known,
 *     probes_sent (targets probed in the round) and link_up if known.
 *     A sample with a known loss_pct is a round; the engine
 *     keeps its own windows (short, long, prediction) over those rounds.
 *     The loss evidence and the hard-failure rule count PROBES (probes_sent
 *     x loss_pct), against a baseline loss the engine learns per member:
 *     probes_sent must be the probes really sent (1 when unknown).
 *     Windowed summaries (loss over the last minute) must NOT be fed as
 *     rounds: they hide the first lost probe and break slot weighting.
 *   - status samples with loss_pct = NAN carrying only class metrics (s->sl,
 *     s->cell, s->wifi) and/or link_up, whenever a collector has news, with
 *     t_ms = the time of that measurement. The engine keeps the latest known
 *     value of each class metric and forgets it after class_stale_ms. Do not
 *     copy old class values into later samples: the engine ages countdowns
 *     (reboot_in_s) and fits slopes from the sample times, and staleness of a
 *     dead collector is only visible if its values stop coming.
 *
 * Timestamps of one member must not go backwards (older samples are
 * rejected with -1). Then engine_decide(now) after each batch of samples
 * (at least once per probe round) returns the primary member and emits
 * events for every decision, state change and suppressed switch.
 */
#ifndef SF_ENGINE_H
#define SF_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfgtab.h"
#include "sample.h"

#define ENGINE_MAX_MEMBERS 16
#define ENGINE_NAME_MAX 32		/* including the NUL: names up to 31 chars */
#define ENGINE_TEXT_MAX 192		/* event / reason text, key=value numbers */

/* Tunables of `config starfail 'main'`; defaults and ranges in engine_options[]. */
struct engine_params {
	/* hysteresis */
	int fail_window_ms;		/* bad this long before a soft demotion */
	int restore_window_ms;		/* good this long before a promotion */
	int flap_memory_ms;		/* a member failing this soon after promotion flaps */
	int restore_backoff_max_ms;	/* restore window doubles per flap up to this */
	int min_uptime_ms;		/* up this long after (re)appearing before eligible */
	int cooldown_ms;		/* between two non-hard switches */
	int switch_margin;		/* points a challenger must lead by */
	int hard_fail_rounds;		/* consecutive fully lost rounds = hard failure ... */
	int hard_fail_probes;		/* ... holding at least this many probes, all lost */
	bool predictive;
	/* recurring drops (obstruction, flapping): stay away until they stop */
	int recurring_drops;		/* drops within recurring_window_ms = a pattern */
	int recurring_window_ms;
	int recurring_quiet_ms;		/* no drop this long before a recurring member returns */
	double recurring_obstruction_pct;	/* a drop while the dish reports this = a pattern */
	/* cellular radio gate */
	double radio_floor_rsrp_dbm;	/* below: a cellular member is less preferred */
	double radio_floor_sinr_db;
	double radio_floor_hysteresis_db;	/* back above the floor by this much to clear */
	int radio_floor_dwell_ms;		/* under the floor this long before it counts */
	/* scoring */
	int short_window_ms;		/* window of the instant score */
	int window_ms;			/* window of the window-average score and ring size */
	int ewma_tau_ms;		/* time constant of the EWMA score */
	int min_round_interval_ms;	/* sizes the ring: window_ms / this rounds kept */
	int class_stale_ms;		/* class metrics older than this are unknown */
	int round_stale_ms;		/* a member whose newest round is older is unknown */
	double weight_instant, weight_ewma, weight_window;	/* final = weighted mix */
	double weight_points_per_unit;	/* member weight w adds (w - 50) * this points */
	int bad_score;			/* instant below = bad */
	int good_score;			/* instant at/above = good */
	double latency_ok_ms, latency_bad_ms, latency_penalty;
	int loss_window_ms;		/* window of the loss estimate in the score */
	double loss_ok_pct, loss_bad_pct, loss_penalty;
	double loss_cusum_base_pct;	/* loss evidence: healthy loss assumed before a member's
					 * baseline is learned, and the floor of the base rate */
	double loss_cusum_bad_pct;	/* ... loss rate to detect (CUSUM H1) */
	double loss_cusum_threshold;	/* ... evidence (nats) that makes a member bad; 0 = from
					 * loss_false_alarms_per_day, the probe rate and the
					 * learned baseline loss (docs/ENGINE.md) */
	double loss_false_alarms_per_day;	/* target false-alarm rate of the loss evidence */
	int loss_baseline_tau_ms;	/* time constant of the learned baseline loss */
	double loss_baseline_max_pct;	/* the learned baseline is capped here */
	double jitter_ok_ms, jitter_bad_ms, jitter_penalty;
	/* class penalties */
	double obstruction_ok_pct, obstruction_bad_pct, obstruction_penalty;
	double obstructed_now_penalty, snr_low_penalty, thermal_penalty;
	double rsrp_ok_dbm, rsrp_bad_dbm, rsrp_penalty;
	double sinr_ok_db, sinr_bad_db, sinr_penalty;
	double roaming_penalty;
	double wifi_signal_ok_dbm, wifi_signal_bad_dbm, wifi_signal_penalty;
	/* Starlink slot awareness */
	bool starlink_slot_aware;
	int slot_period_ms;		/* 15000: satellite reassignment period */
	int slot_offset_ms;		/* 12000: boundary phase within the UTC period */
	int slot_guard_ms;		/* +- this around a boundary weighs less */
	double slot_weight;		/* weight of evidence inside the guard */
	int slot_learn_min_events;	/* anomalies needed before a learned phase counts */
	/* prediction */
	int predict_window_ms;
	double predict_latency_slope_ms_per_s, predict_latency_min_ms;
	double predict_loss_slope_pct_per_s, predict_loss_min_pct;
	double predict_score_slope_per_s;
	double predict_obstruction_slope_pct_per_min, predict_obstruction_min_pct;
	int predict_reboot_lead_s;
	double predict_rsrp_slope_db_per_s, predict_rsrp_max_dbm;
	double predict_penalty;		/* points taken from a member with an active trigger */
	int predict_hold_ms;		/* a trigger stays active this long after it last fired */
	/* latency evidence (engine_latency.c) */
	double latency_false_alarms_per_day;	/* target false-alarm rate of the latency evidence */
	double latency_jump_ms;		/* a round this far above the learned baseline is slow */
	double latency_evidence_min_ms;	/* ... and it makes a member bad only at this latency */
};

extern const struct cfg_option engine_options[];

/* Fill *p with the defaults of engine_options[] (the only place defaults live). */
void engine_params_defaults(struct engine_params *p);

/* Store v into the numeric option o of p (an entry of engine_options);
 * -1 when v is not finite or outside the option's range. */
int engine_param_store(struct engine_params *p, const struct cfg_option *o, double v);
/* Cross-field checks (good_score >= bad_score, windows...); 0 or -1 with err. */
int engine_params_check(const struct engine_params *p, char *err, size_t errlen);

/* How a member that was left for a failure comes back (option `failback`). */
enum engine_failback {
	FAILBACK_WINDOW,		/* good for its restore window (default) */
	FAILBACK_IMMEDIATE,		/* as soon as it is eligible and good */
	FAILBACK_MANUAL,		/* never by itself: `failover`/pin only */
	__FAILBACK_MAX
};

/* One uplink as configured (`config member '<name>'`). */
struct engine_member {
	char name[ENGINE_NAME_MAX];
	enum member_class cls;
	int priority;			/* 1..255, lower = preferred tier (default 10) */
	int weight;			/* 0..100 preference; adds (weight-50)*weight_points_per_unit */
	bool metered;			/* informational for now */
	bool enabled;			/* disabled members are never chosen */
	enum engine_failback failback;	/* zero = FAILBACK_WINDOW */
};

enum engine_member_state {
	MS_UNKNOWN,		/* no recent round */
	MS_DOWN,		/* hard failure */
	MS_WARMUP,		/* up, but for less than min_uptime_ms */
	MS_BAD,			/* instant score < bad_score */
	MS_DEGRADED,		/* between bad and good */
	MS_GOOD,		/* instant score >= good_score and no predictive trigger */
	MS_DISABLED,
	__MS_MAX
};

/* Why: reason of a decision, a state change or a suppression. */
enum engine_reason {
	RSN_NONE,
	RSN_INITIAL,			/* first choice */
	RSN_HARD_FAIL_LINK,		/* link reported down */
	RSN_HARD_FAIL_LOSS,		/* hard_fail_rounds fully lost rounds */
	RSN_HARD_FAIL_STARLINK,		/* the dish reports an outage */
	RSN_SOFT_FAIL,			/* bad for fail_window_ms, challenger leads by margin */
	RSN_PREDICT_LATENCY,		/* latency rising fast */
	RSN_PREDICT_LOSS,		/* loss rising fast */
	RSN_PREDICT_SCORE,		/* score falling fast */
	RSN_PREDICT_OBSTRUCTION,	/* obstruction rising or currently obstructed */
	RSN_PREDICT_SNR,		/* is_snr_persistently_low */
	RSN_PREDICT_THERMAL,		/* thermal throttle */
	RSN_PREDICT_REBOOT,		/* announced reboot within predict_reboot_lead_s */
	RSN_PREDICT_SIGNAL,		/* cellular RSRP falling fast */
	RSN_PREDICT_ROAMING,		/* cellular roaming */
	RSN_RESTORE,			/* preferred member good for restore_window_ms */
	RSN_BETTER,			/* same tier, better by margin for restore_window_ms */
	RSN_COOLDOWN_SUPPRESSED,
	RSN_MARGIN_SUPPRESSED,
	RSN_ALL_BAD_KEEP,		/* every member bad: keep the least bad */
	RSN_ALL_BAD_LEAST_BAD,		/* every member bad: moved to the least bad */
	RSN_ALL_DOWN,			/* nothing usable: no primary */
	RSN_MANUAL_PIN,
	RSN_MANUAL_UNPIN,
	RSN_PIN_OVERRIDDEN,		/* pinned member is down: best other used meanwhile */
	RSN_RECOVERED,			/* a down member answers again */
	RSN_STATE,			/* plain state change */
	RSN_SLOT_PHASE,			/* Starlink slot phase learned */
	RSN_MEMBER_REMOVED,		/* primary vanished from the member list */
	RSN_NO_DATA,			/* primary has had no round for round_stale_ms */
	RSN_RADIO_GATE,			/* cellular primary below the radio floor */
	RSN_FAILBACK_WAIT,		/* would go back to a member still in its restore wait */
	RSN_DATA_CAP,			/* primary reached its data cap (engine_member_set_cap) */
	__RSN_MAX
};

enum engine_event_type {
	EV_SWITCH,		/* primary changed (from/to) */
	EV_SUPPRESSED,		/* would switch, but cooldown/margin/min uptime */
	EV_STATE,		/* member state changed */
	EV_PREDICT,		/* a predictive trigger fired on a member */
	EV_ALL_BAD,		/* all members bad or down */
	EV_INFO,		/* slot phase learned, pin set/cleared */
	__EV_MAX
};

struct engine_event {
	int64_t t_ms;
	enum engine_event_type type;
	enum engine_reason reason;
	int member;			/* member concerned, -1 none */
	int from, to;			/* EV_SWITCH/EV_SUPPRESSED: member indexes, -1 none */
	char text[ENGINE_TEXT_MAX];	/* "key=value ..." numbers behind it */
};

/* Called synchronously from engine_decide/observe/pin; must not call back in. */
typedef void (*engine_event_fn)(void *ctx, const struct engine_event *ev);

struct engine_decision {
	int primary;			/* member index, -1 = none usable */
	int previous;			/* primary before this call */
	bool changed;
	enum engine_reason reason;	/* why the current primary holds (or was chosen) */
	char text[ENGINE_TEXT_MAX];
};

/*
 * Data cap gate of a member (the daemon counts the bytes, daemon_caps.c):
 * AVOID: chosen only when no uncapped member is usable (a capped primary
 * leaves at once for one that is); STOP: never chosen, as if down (a pin
 * does not hold it either).
 */
enum engine_cap { ENGINE_CAP_NONE, ENGINE_CAP_AVOID, ENGINE_CAP_STOP, __ENGINE_CAP_MAX };

struct engine_score_info {
	double instant, ewma, window, final;	/* 0..100, NAN = unknown */
	double effective;		/* final + weight points - predictive penalty */
	double latency_ms, loss_pct, jitter_ms;	/* window estimates, NAN unknown */
	double loss_evidence;		/* loss CUSUM (nats); bad at loss_cusum_threshold */
	enum engine_member_state state;
	bool eligible;			/* could be chosen now */
	bool primary;
	enum engine_reason predict;	/* active predictive trigger, RSN_NONE if none */
	enum engine_reason last_reason;	/* reason of the last state change/decision */
	int64_t state_since_ms;
	int rounds;			/* rounds held in the ring */
	double slot_phase_ms;		/* learned Starlink boundary phase (mod period), NAN */
	/* evidence behind the decisions (explain) */
	double loss_threshold;		/* nats at which loss_evidence makes the member bad */
	double loss_baseline_pct;	/* learned healthy loss (the test weighs probes
					 * against an upper confidence bound of it) */
	double probe_rate_per_s;	/* probes per second (EWMA over 60 s) */
	double lost_probes_in_row;	/* consecutive lost probes (across rounds) */
	bool suspect;			/* evidence a quarter of the way to its threshold,
					 * a lost probe worth a fifth of it (a clean link)
					 * or the newest 2+ probes all lost: worth probing
					 * faster to confirm or clear (the prober's budget) */
	bool restore_wait;		/* left for a failure, not yet allowed back */
	bool recurring;			/* its drops recur: returns after recurring_quiet_ms */
	int64_t last_drop_ms;		/* INT64_MIN: none */
	bool below_radio_floor;		/* cellular radio under the floor */
	double latency_evidence;	/* latency CUSUM (nats); bad at latency_threshold */
	double latency_threshold;	/* ... from latency_false_alarms_per_day */
	double latency_baseline_ms;	/* learned healthy RTT, NAN before it is learned */
	/* explain: the counts and windows behind the figures above */
	double window_probes;		/* probes in the loss window (loss_window_ms) */
	double window_lost_probes;	/* ... of which lost */
	int64_t good_since_ms;		/* good (for a restore) since; INT64_MIN not good */
	int64_t bad_since_ms;		/* bad (for a soft failure) since; INT64_MIN not bad */
	int64_t restore_need_ms;	/* good this long before it may be restored: restore
					 * window times the flap backoff */
	int restore_backoff;		/* flap backoff multiplier of the restore window (1 none) */
	enum engine_cap cap;		/* data cap gate (engine_member_set_cap) */
};

struct engine;

/*
 * Create an engine for n members (n <= ENGINE_MAX_MEMBERS). Params are
 * copied. Returns NULL with a message in err on invalid params/members.
 */
struct engine *engine_create(const struct engine_params *p, const struct engine_member *m, int n,
			     char *err, size_t errlen);
void engine_destroy(struct engine *e);

/* Events go to fn(ctx, ev); NULL drops them. */
void engine_set_event_cb(struct engine *e, engine_event_fn fn, void *ctx);

/*
 * Replace the member list (on reload). Members are keyed by name: a name
 * that remains keeps its rounds, scores and state (its config is updated);
 * new names start fresh; the primary keeps its role if its name remains.
 * Params may change too (NULL = keep); when ring sizes change, state is reset.
 * Returns 0 or -1 with err (the old list stays in force).
 */
int engine_set_members(struct engine *e, const struct engine_params *p,
		       const struct engine_member *m, int n, int64_t now_ms, char *err,
		       size_t errlen);

/*
 * UTC minus the monotonic clock of the samples, in ms, when the daemon knows
 * it (NTP synced). Lets Starlink slot weighting use the published boundary
 * phase before it has been learned from the data. Never needed.
 */
void engine_set_utc_offset(struct engine *e, int64_t utc_minus_mono_ms);

/* Feed one sample of member idx (see the top of this file). 0, or -1 when
 * idx is out of range or the sample is older than the member's last one. */
int engine_observe(struct engine *e, int idx, const struct sample *s);

/* Decide at now_ms; fills *out. Returns the primary index or -1. */
int engine_decide(struct engine *e, int64_t now_ms, struct engine_decision *out);

/* Manual override: the pinned member is primary (unless it is down) until
 * engine_unpin(). Take effect at the next engine_decide(). -1 on bad idx. */
int engine_pin(struct engine *e, int idx, int64_t now_ms);
void engine_unpin(struct engine *e, int64_t now_ms);
int engine_pinned(const struct engine *e);	/* -1 none */

/* Set member idx's data cap gate; takes effect at the next engine_decide().
 * Kept across engine_set_members() for a name that remains while the ring
 * sizes stay (the daemon sets it again after every reload). -1 on bad args. */
int engine_member_set_cap(struct engine *e, int idx, enum engine_cap cap);

int engine_primary(const struct engine *e);
int engine_member_count(const struct engine *e);
int engine_member_index(const struct engine *e, const char *name);	/* -1 unknown */
const struct engine_member *engine_member_cfg(const struct engine *e, int idx);
int engine_member_score(const struct engine *e, int idx, struct engine_score_info *out);
/* Bytes allocated by this engine (for `status`). */
size_t engine_memory_bytes(const struct engine *e);

const char *engine_reason_name(enum engine_reason r);
const char *engine_event_type_name(enum engine_event_type t);
const char *engine_state_name(enum engine_member_state s);
const char *engine_failback_name(enum engine_failback f);
/* "window", "immediate", "manual" -> 0 with *out set; -1 unknown. */
int engine_failback_parse(const char *s, enum engine_failback *out);

#endif
