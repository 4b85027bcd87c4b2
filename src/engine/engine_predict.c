/*
 * engine_predict.c - predictive signals: trouble that is coming but has not
 * yet made the member bad. Trends (latency, loss, score slopes over
 * predict_window_ms, weighted like the scores so Starlink boundary noise
 * does not fake a trend; the score trend leaves out the loss penalty, which
 * the loss evidence already judges), Starlink dish status (obstruction rising or
 * currently obstructed, SNR persistently low, thermal throttle, announced
 * reboot) and cellular signal (RSRP falling fast: off by default, roaming).
 *
 * A trigger makes the member's effective score drop by predict_penalty for
 * predict_hold_ms after it last fired; the decision rules in engine.c then
 * treat it like any other score gap, so predictive switches still obey
 * cooldown, margin and the restore wait of the member they would go to.
 * Each trigger is an EV_PREDICT event with its numbers.
 */
#include "engine_impl.h"

#include <math.h>
#include <stdio.h>

#define SW_UPDATE_REBOOT_REQUIRED 6	/* SoftwareUpdateState REBOOT_REQUIRED */
#define LOSS_MIN_EVENTS 4		/* weighted lossy rounds needed for a loss trend */

struct fired {
	enum engine_reason r;
	char text[ENGINE_TEXT_MAX];
};

static bool starlink_signals(const struct engine *e, const struct eng_member *m, int64_t now_ms,
			     struct fired *f)
{
	const struct engine_params *p = &e->p;
	const struct starlink_metrics *sl = &m->sl;
	if (m->cfg.cls != CLASS_STARLINK || !eng_class_fresh(e, m->sl_t_ms, now_ms))
		return false;
	/* the countdown was read at sl_t_ms; age it to now */
	double in_s = sl->reboot_in_s - (now_ms - m->sl_t_ms) / 1000.0;
	if (isfinite(sl->reboot_in_s) && sl->reboot_in_s >= 0 && in_s <= p->predict_reboot_lead_s) {
		f->r = RSN_PREDICT_REBOOT;
		snprintf(f->text, sizeof(f->text), "reboot_in_s=%.0f lead_s=%d update_state=%d",
			 in_s, p->predict_reboot_lead_s, sl->software_update_state);
		return true;
	}
	if (sl->software_update_state == SW_UPDATE_REBOOT_REQUIRED && isnan(sl->reboot_in_s)) {
		f->r = RSN_PREDICT_REBOOT;
		snprintf(f->text, sizeof(f->text), "update_state=%d reboot_in_s=unknown",
			 sl->software_update_state);
		return true;
	}
	if (sl->currently_obstructed == TRI_TRUE) {
		f->r = RSN_PREDICT_OBSTRUCTION;
		snprintf(f->text, sizeof(f->text), "currently_obstructed=1 obstruction_pct=%.2f",
			 sl->obstruction_pct);
		return true;
	}
	double latest, slope = eng_series_slope(&m->obstruction, now_ms - p->predict_window_ms, &latest);
	if (!isnan(slope) && slope * 60 >= p->predict_obstruction_slope_pct_per_min &&
	    latest >= p->predict_obstruction_min_pct) {
		f->r = RSN_PREDICT_OBSTRUCTION;
		snprintf(f->text, sizeof(f->text), "obstruction_pct=%.2f slope_pct_per_min=%.2f",
			 latest, slope * 60);
		return true;
	}
	if (sl->snr_persistently_low == TRI_TRUE) {
		f->r = RSN_PREDICT_SNR;
		snprintf(f->text, sizeof(f->text), "snr_persistently_low=1");
		return true;
	}
	if (sl->thermal_throttle == TRI_TRUE) {
		f->r = RSN_PREDICT_THERMAL;
		snprintf(f->text, sizeof(f->text), "thermal_throttle=1");
		return true;
	}
	return false;
}

static bool cellular_signals(const struct engine *e, const struct eng_member *m, int64_t now_ms,
			     struct fired *f)
{
	const struct engine_params *p = &e->p;
	if (m->cfg.cls != CLASS_CELLULAR || !eng_class_fresh(e, m->cell_t_ms, now_ms))
		return false;
	double latest, slope = eng_series_slope(&m->rsrp, now_ms - p->predict_window_ms, &latest);
	if (p->predict_rsrp_slope_db_per_s > 0 && !isnan(slope) &&
	    -slope >= p->predict_rsrp_slope_db_per_s &&
	    latest <= p->predict_rsrp_max_dbm) {
		f->r = RSN_PREDICT_SIGNAL;
		snprintf(f->text, sizeof(f->text), "rsrp_dbm=%.1f slope_db_per_s=%.2f", latest, slope);
		return true;
	}
	if (m->cell.roaming == TRI_TRUE) {
		f->r = RSN_PREDICT_ROAMING;
		snprintf(f->text, sizeof(f->text), "roaming=1 rsrp_dbm=%.1f", m->cell.rsrp_dbm);
		return true;
	}
	return false;
}

/* Weighted count of rounds with loss in [since, now]. */
static double lossy_rounds(const struct eng_member *m, int64_t since_ms)
{
	double n = 0;
	for (int k = 0; k < m->n; k++) {
		const struct eng_round *r = &m->ring[(m->head - 1 - k + 2 * m->cap) % m->cap];
		if (r->t_ms < since_ms)
			break;
		if (r->loss > 0)
			n += r->w;
	}
	return n;
}

static bool trend_signals(const struct engine *e, const struct eng_member *m, int64_t now_ms,
			  struct fired *f)
{
	const struct engine_params *p = &e->p;
	int64_t since = now_ms - p->predict_window_ms;
	/* a window that spans an outage shows the outage and the recovery, not a trend */
	if (m->up_since_ms == INT64_MIN || m->up_since_ms > since)
		return false;
	/* a loss trend needs 3/4 of the evidence of a bad link and a rising slope:
	 * a slope of a few random losses alone is noise */
	if (p->predict_loss_slope_pct_per_s > 0 && !isnan(m->loss_pct) &&
	    m->loss_pct >= p->predict_loss_min_pct &&
	    m->cusum >= 0.75 * m->h) {
		double s = eng_ring_slope(m, since, 1);
		double ev = lossy_rounds(m, since);
		if (!isnan(s) && s >= p->predict_loss_slope_pct_per_s && ev >= LOSS_MIN_EVENTS) {
			f->r = RSN_PREDICT_LOSS;
			snprintf(f->text, sizeof(f->text),
				 "loss_pct=%.1f slope_pct_per_s=%.3f lossy_rounds=%.1f loss_evidence=%.1f",
				 m->loss_pct, s, ev, m->cusum);
			return true;
		}
	}
	/* a member whose latency evidence has crossed is bad by it already:
	 * the same rounds are not counted again as a trend */
	if (!isnan(m->lat_ms) && m->lat_ms >= p->predict_latency_min_ms &&
	    !eng_lat_bad(e, m)) {
		double s = eng_ring_slope(m, since, 0);
		if (!isnan(s) && s >= p->predict_latency_slope_ms_per_s) {
			f->r = RSN_PREDICT_LATENCY;
			snprintf(f->text, sizeof(f->text), "latency_ms=%.0f slope_ms_per_s=%.2f",
				 m->lat_ms, s);
			return true;
		}
	}
	/* the score's trend without its loss penalty: loss is judged by the loss
	 * evidence alone, and a few random losses must not read as a falling score */
	if (!isnan(m->instant_noloss) && m->instant_noloss < p->good_score) {
		double s = eng_ring_slope(m, since, 2);
		if (!isnan(s) && -s >= p->predict_score_slope_per_s) {
			f->r = RSN_PREDICT_SCORE;
			snprintf(f->text, sizeof(f->text), "score=%.1f score_without_loss=%.1f slope_per_s=%.2f",
				 m->instant, m->instant_noloss, s);
			return true;
		}
	}
	return false;
}

void eng_predict(struct engine *e, int idx, int64_t now_ms)
{
	struct eng_member *m = &e->m[idx];
	if (m->predict != RSN_NONE && now_ms > m->predict_until_ms) {
		eng_emit(e, now_ms, EV_PREDICT, RSN_NONE, idx, -1, -1, "cleared=%s",
			 engine_reason_name(m->predict));
		m->predict = RSN_NONE;
		m->predict_text[0] = '\0';
	}
	if (!e->p.predictive || m->down)
		return;
	struct fired f = { .r = RSN_NONE };
	if (!starlink_signals(e, m, now_ms, &f) && !cellular_signals(e, m, now_ms, &f) &&
	    !trend_signals(e, m, now_ms, &f))
		return;
	bool rising = m->predict != f.r;
	m->predict = f.r;
	m->predict_until_ms = now_ms + e->p.predict_hold_ms;
	snprintf(m->predict_text, sizeof(m->predict_text), "%s", f.text);
	if (rising)
		eng_emit(e, now_ms, EV_PREDICT, f.r, idx, -1, -1, "%s", f.text);
}
