/*
 * engine_impl.h - private state of the engine, shared by engine.c
 * (states, hysteresis, decisions), engine_info.c (names, events, getters),
 * engine_score.c (history ring, windows, scores, loss evidence and its
 * baseline, drops, Starlink slot phase) and engine_predict.c (slopes and
 * class signals). Not for use outside src/engine*.c.
 */
#ifndef SF_ENGINE_IMPL_H
#define SF_ENGINE_IMPL_H

#include "engine.h"

/* engine_reason_name() as a table, for engine_metrics.c (engine.c) */
extern const char *const eng_reason_names[__RSN_MAX];

#define SLOT_BINS 60		/* phase histogram bins over one slot period */
#define SERIES_CAP 64
#define DROP_HIST 8		/* drop onsets remembered per member */		/* class metric history (obstruction, RSRP) */

/* One probe round. */
struct eng_round {
	int64_t t_ms;
	float latency_ms;	/* NAN: nothing answered */
	float loss;		/* 0..1 share of the round's probes lost */
	float w;		/* evidence weight (slot guard) */
	float score;		/* instant score computed at the last decide after it, NAN */
	float score_nl;		/* the same without the loss penalty (trend of the score) */
	float probes;		/* probes in the round (1 when unknown) */
};

/* A short (t, value) history of one class metric, for slopes. */
struct eng_series {
	int64_t t_ms[SERIES_CAP];
	double v[SERIES_CAP];
	int head, n;
};

struct eng_member {
	struct engine_member cfg;
	struct eng_round *ring;
	int cap, head, n;		/* head = index of the next write */
	int64_t last_t_ms;		/* newest sample of any kind; INT64_MIN none */
	int lost_in_row;		/* own count of fully lost rounds */
	int ext_lost_in_row;		/* probes_lost_in_row from the probe module, -1 */
	double cusum;			/* loss evidence, nats */
	double lost_probes;		/* consecutive lost probes across rounds */
	double loss_base;		/* learned baseline loss, 0..1 */
	double base_probes;		/* probes the baseline has learned from */
	int64_t base_t_ms;		/* newest round seen by the baseline */
	int64_t blk_t0_ms;		/* start of the baseline's current block */
	double blk_lost, blk_probes, pend_lost, pend_probes;	/* current, previous block */
	bool blk_alarm, pend_alarm;	/* the block saw an outage or evidence at h/2 */
	double rate;			/* probes per second over window_ms */
	double cadence_ms;		/* the member's round spacing (a slowly decaying max) */
	double h;			/* current loss evidence threshold, nats */
	double p0;			/* loss rate the evidence weighs probes against */
	int64_t fresh_from_ms;		/* rounds before this (an outage) do not score */
	enum tri link_up;
	int64_t link_t_ms;

	struct starlink_metrics sl;
	int64_t sl_t_ms;
	struct cellular_metrics cell;
	int64_t cell_t_ms;
	struct wifi_metrics wifi;
	int64_t wifi_t_ms;
	struct eng_series obstruction, rsrp;

	/* slot phase learning (Starlink) */
	float slot_hist[SLOT_BINS];
	float slot_events;
	double slot_phase_ms;		/* learned boundary phase mod period, NAN */

	/* scores of the last decide */
	double instant, ewma, window, final, eff;
	double instant_noloss;		/* instant without the loss penalty (see "bad") */
	double lat_ms, loss_pct, jit_ms;
	int64_t ewma_t_ms;

	/* state machine */
	enum engine_member_state state;
	int64_t state_since_ms;
	bool down;
	enum engine_reason down_reason;
	int64_t up_since_ms;		/* start of the current up period, INT64_MIN none */
	int64_t bad_since_ms, good_since_ms;	/* INT64_MIN when not */
	enum engine_reason predict;	/* active trigger */
	int64_t predict_until_ms;
	char predict_text[ENGINE_TEXT_MAX];
	enum engine_reason last_reason;
	int64_t promoted_ms;		/* became primary, INT64_MIN never */
	int restore_mult;		/* restore window multiplier (flap backoff) */
	bool held_back;			/* left for a failure, not primary since */
	int64_t drops[DROP_HIST];	/* onsets of hard failures / obstruction, ring */
	int ndrops, drop_head;
	bool drop_obstructed;		/* the newest drop came with dish obstruction */
	bool was_obstructed;
	bool below_floor;		/* cellular radio gate */
	int64_t under_floor_since_ms;	/* first of the readings under the floor; INT64_MIN none */
	enum engine_cap datacap;	/* data cap gate (engine_member_set_cap) */
	/* latency evidence (engine_latency.c) */
	double lat_base, lat_dev;	/* learned RTT baseline and mean deviation, ms */
	int lat_learned;		/* rounds in the baseline's first (running) mean */
	double lat_cusum, lat_h;	/* evidence and its threshold, nats */
	double lat_p0;			/* learned share of slow rounds */
	double lat_rate;		/* answered-or-not rounds per second (EWMA) */
	int64_t lat_t_ms;
	bool suspect;			/* worth probing faster (eng_suspect_update) */
	double round_lost;		/* probes lost in the newest round */
	double sus_llr;			/* loss llr summed since the suspicion began (unfloored) */
	double loss_jump;		/* evidence one lost probe of it added, w ln(p1/p0) */
	double win_probes, win_lost;	/* probes / lost in the loss window (explain) */
};

struct engine {
	struct engine_params p;
	int n;
	struct eng_member m[ENGINE_MAX_MEMBERS];
	int primary;
	enum engine_reason primary_reason;
	char primary_text[ENGINE_TEXT_MAX];
	int64_t last_switch_ms;		/* INT64_MIN: never */
	int64_t first_decide_ms;	/* INT64_MIN: not yet */
	bool chosen;			/* an initial choice was made */
	int pinned;
	bool utc_known;
	int64_t utc_off_ms;
	engine_event_fn cb;
	void *cb_ctx;
	/* de-duplication of repeated suppression / all-bad events */
	enum engine_reason last_suppr;
	int last_suppr_to;
	bool all_bad;
	int lead_to;			/* all bad: member leading by the margin, -1 */
	int64_t lead_since_ms;
	size_t mem_bytes;
};

/* engine.c */
void eng_emit(struct engine *e, int64_t t_ms, enum engine_event_type type, enum engine_reason r,
	      int member, int from, int to, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

/* engine.c: may traffic go back to b by a rule other than hard failure? */
bool eng_failback_ready(const struct engine *e, const struct eng_member *b, int64_t now_ms);

/* engine_score.c */
/* q: the member's healthy loss, p0: the test's base (>= q), rate: probes/s */
double eng_loss_threshold(const struct engine_params *p, double q, double p0, double rate);
int eng_member_alloc(struct eng_member *m, const struct engine_params *p);
void eng_member_reset(struct eng_member *m);
void eng_add_round(struct engine *e, int idx, const struct sample *s);
void eng_add_class(struct eng_member *m, const struct sample *s);
bool eng_class_fresh(const struct engine *e, int64_t t_ms, int64_t now_ms);
void eng_score(struct engine *e, int idx, int64_t now_ms);
void eng_note_drop(struct engine *e, int idx, int64_t t_ms);
int64_t eng_last_drop(const struct eng_member *m);	/* INT64_MIN: none */
bool eng_recurring(const struct engine *e, const struct eng_member *m, int64_t now_ms);
double eng_norm(double x, double ok, double bad);
/* Least-squares slope (value per second) of the ring's rounds newer than
 * since_ms; what: 0 latency, 1 loss (pct), 2 score without its loss
 * penalty (the loss evidence judges loss). NAN if too few points. */
double eng_ring_slope(const struct eng_member *m, int64_t since_ms, int what);
void eng_series_push(struct eng_series *s, int64_t t_ms, double v);
double eng_series_slope(const struct eng_series *s, int64_t since_ms, double *latest);

/* engine_score.c: CUSUM threshold for H1 rate p1 against base p0 (q: the
 * member's healthy rate), events at rate per second, false alarms F per day */
double eng_cusum_threshold(double p1, double q, double p0, double rate, double f_per_day);

/* engine_latency.c */
void eng_lat_reset(struct eng_member *m);
void eng_lat_add_round(struct engine *e, int idx, int64_t t_ms, double lat, double w);
bool eng_lat_bad(const struct engine *e, const struct eng_member *m);
void eng_suspect_update(struct eng_member *m);

/* engine_predict.c */
void eng_predict(struct engine *e, int idx, int64_t now_ms);

#endif
