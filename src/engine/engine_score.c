/*
 * engine_score.c - what the engine knows about one member: the ring of
 * probe rounds, the latest class metrics, the learned Starlink slot phase,
 * and the scores computed from them (instant, EWMA, window average, final).
 *
 * Scores are 100 minus penalties; each penalty is weight * norm(x, ok, bad)
 * with norm() 0 at/better than ok, 1 at/worse than bad, linear between.
 * Evidence of rounds near a Starlink boundary weighs slot_weight (< 1), so
 * the scheduler's single lost probes and +40 ms spikes barely move a score
 * while a real outage (many rounds, most outside the guard) moves it fully.
 */
#include "engine_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SPIKE_MS 25.0		/* latency above baseline that counts as a slot anomaly */
#define MIN_TREND_ROUNDS 10	/* rounds a latency/loss/score slope needs */
#define SLOT_SHARE 0.15f	/* share of anomalies in the best 3 bins that makes a phase */
#define SLOT_DECAY_EVENTS 200	/* halve the phase histogram beyond this many events */

double eng_norm(double x, double ok, double bad)
{
	if (isnan(x))
		return 0;
	double f = (x - ok) / (bad - ok);
	return f < 0 ? 0 : f > 1 ? 1 : f;
}

int eng_member_alloc(struct eng_member *m, const struct engine_params *p)
{
	int cap = p->window_ms / p->min_round_interval_ms + 2;
	m->ring = calloc((size_t)cap, sizeof(*m->ring));
	if (!m->ring)
		return -1;
	m->cap = cap;
	m->datacap = ENGINE_CAP_NONE;
	eng_member_reset(m);
	return 0;
}

void eng_member_reset(struct eng_member *m)
{
	m->head = m->n = 0;
	m->last_t_ms = INT64_MIN;
	m->lost_in_row = 0;
	m->ext_lost_in_row = -1;
	m->cusum = 0;
	m->lost_probes = 0;
	m->loss_base = NAN;	/* set from the params at the first round */
	m->base_probes = 0;
	m->base_t_ms = INT64_MIN;
	m->blk_t0_ms = INT64_MIN;
	m->blk_lost = m->blk_probes = m->pend_lost = m->pend_probes = 0;
	m->blk_alarm = m->pend_alarm = false;
	m->rate = NAN;
	m->cadence_ms = 0;
	m->h = m->p0 = NAN;
	m->fresh_from_ms = INT64_MIN;
	m->link_up = TRI_UNKNOWN;
	m->link_t_ms = INT64_MIN;
	struct sample s;
	sample_init(&s, 0);
	m->sl = s.sl;
	m->cell = s.cell;
	m->wifi = s.wifi;
	m->sl_t_ms = m->cell_t_ms = m->wifi_t_ms = INT64_MIN;
	memset(&m->obstruction, 0, sizeof(m->obstruction));
	memset(&m->rsrp, 0, sizeof(m->rsrp));
	memset(m->slot_hist, 0, sizeof(m->slot_hist));
	m->slot_events = 0;
	m->slot_phase_ms = NAN;
	m->instant = m->instant_noloss = m->ewma = m->window = m->final = m->eff = NAN;
	m->lat_ms = m->loss_pct = m->jit_ms = NAN;
	m->win_probes = m->win_lost = 0;
	m->ewma_t_ms = INT64_MIN;
	m->state = MS_UNKNOWN;
	m->state_since_ms = INT64_MIN;
	m->down = false;
	m->down_reason = RSN_NONE;
	m->up_since_ms = INT64_MIN;
	m->bad_since_ms = m->good_since_ms = INT64_MIN;
	m->predict = RSN_NONE;
	m->predict_until_ms = INT64_MIN;
	m->predict_text[0] = '\0';
	m->last_reason = RSN_NONE;
	m->promoted_ms = INT64_MIN;
	m->restore_mult = 1;
	m->held_back = false;
	m->ndrops = m->drop_head = 0;
	m->drop_obstructed = m->was_obstructed = false;
	m->below_floor = false;
	m->under_floor_since_ms = INT64_MIN;
	eng_lat_reset(m);
}

static struct eng_round *ring_at(const struct eng_member *m, int back)
{
	/* back = 0 is the newest round */
	int i = (m->head - 1 - back + 2 * m->cap) % m->cap;
	return &m->ring[i];
}

static int64_t pmod(int64_t a, int64_t b)
{
	int64_t r = a % b;
	return r < 0 ? r + b : r;
}

/* Distance (ms) of t to the nearest boundary, or -1 when the phase is unknown. */
static int64_t slot_distance(const struct engine *e, const struct eng_member *m, int64_t t_ms)
{
	const struct engine_params *p = &e->p;
	int64_t phase;
	if (!isnan(m->slot_phase_ms))
		phase = pmod(t_ms - (int64_t)m->slot_phase_ms, p->slot_period_ms);
	else if (e->utc_known)
		phase = pmod(t_ms + e->utc_off_ms - p->slot_offset_ms, p->slot_period_ms);
	else
		return -1;
	return phase < p->slot_period_ms - phase ? phase : p->slot_period_ms - phase;
}

/* Learn the boundary phase from isolated anomalies: a round with some loss
 * (or a lost single-probe round) after a clean one, or a latency spike over
 * the recent median. Three adjacent bins of 60 holding SLOT_SHARE of the
 * anomalies (uniform noise puts 5 % there) are the boundary. */
static void slot_learn(struct engine *e, int idx, int64_t t_ms, double loss, double lat,
		       int probes)
{
	struct eng_member *m = &e->m[idx];
	const struct engine_params *p = &e->p;
	if (m->n < 2)
		return;
	const struct eng_round *prev = ring_at(m, 0);
	double base = NAN;
	float v[16];
	int nv = 0;
	for (int k = 0; k < m->n && k < 16; k++) {
		float l = ring_at(m, k)->latency_ms;
		if (!isnan(l)) {
			int j = nv++;
			while (j > 0 && v[j - 1] > l) {
				v[j] = v[j - 1];
				j--;
			}
			v[j] = l;
		}
	}
	if (nv >= 4)
		base = v[nv / 2];
	/* a latency spike is the scheduler's signature; an isolated partial loss
	 * is weaker evidence (random loss looks the same) */
	float weight = 0;
	if (!isnan(base) && !isnan(lat) && lat > base + SPIKE_MS && !(prev->latency_ms > base + SPIKE_MS))
		weight = 1;
	else if (loss > 0 && (loss < 1 || probes == 1) && prev->loss == 0)
		weight = 0.25f;
	if (weight == 0)
		return;
	int bin = (int)(pmod(t_ms, p->slot_period_ms) * SLOT_BINS / p->slot_period_ms);
	m->slot_hist[bin] += weight;
	m->slot_events += weight;
	if (m->slot_events > SLOT_DECAY_EVENTS) {
		for (int i = 0; i < SLOT_BINS; i++)
			m->slot_hist[i] *= 0.5f;
		m->slot_events *= 0.5f;
	}
	int best = -1;
	float best_sum = 0;
	for (int i = 0; i < SLOT_BINS; i++) {
		float s3 = m->slot_hist[(i + SLOT_BINS - 1) % SLOT_BINS] + m->slot_hist[i] +
			   m->slot_hist[(i + 1) % SLOT_BINS];
		if (s3 > best_sum) {
			best_sum = s3;
			best = i;
		}
	}
	bool was_known = !isnan(m->slot_phase_ms);
	if (best < 0 || best_sum < p->slot_learn_min_events || best_sum < SLOT_SHARE * m->slot_events) {
		m->slot_phase_ms = NAN;
		return;
	}
	/* circular centroid of the three bins */
	double bin_ms = (double)p->slot_period_ms / SLOT_BINS, num = 0;
	for (int d = -1; d <= 1; d++)
		num += d * m->slot_hist[(best + d + SLOT_BINS) % SLOT_BINS];
	double ph = (best + 0.5 + num / best_sum) * bin_ms;
	m->slot_phase_ms = fmod(ph + p->slot_period_ms, p->slot_period_ms);
	if (!was_known)
		eng_emit(e, t_ms, EV_INFO, RSN_SLOT_PHASE, idx, -1, -1,
			 "phase_ms=%.0f events=%.0f share_pct=%.0f", m->slot_phase_ms, best_sum,
			 100.0 * best_sum / m->slot_events);
}

#define BASE_PRIOR_PROBES 100	/* loss_cusum_base_pct weighs as this many probes in the mean */
#define BASE_MIN_PROBES 150	/* probes learned before the baseline is trusted */
#define BASE_BLOCK_MS 30000	/* the baseline learns in blocks this long, one block late */
#define RATE_TAU_MS 60000	/* time constant of the probe rate estimate */
#define H_MIN 3.0		/* the derived threshold never goes below (nats) */
#define H_MAX 200.0
#define UCB_SIGMAS 1.0	/* the baseline used is this many standard errors above the estimate */

/*
 * Threshold of the loss CUSUM (log-likelihood ratio of p1 = loss_cusum_bad_pct
 * against p0, the member's baseline, per probe) for a member whose healthy
 * loss is q, probed at rate probes/s, such that it raises about
 * loss_false_alarms_per_day false alarms per day. With theta > 0 the root of
 * E_q[exp(theta * llr)] = 1, an excursion of the CUSUM from 0 reaches h with
 * probability about exp(-theta h), and excursions start about theta |mu| per
 * probe (mu = E_q[llr] < 0; Wald/Siegmund). So, with c the overshoot
 * factor below, F = n_day theta |mu| c e^(-theta h), and
 * h = ln(n_day theta |mu| c / F) / theta. q = p0 gives theta = 1; a link
 * cleaner than the floor p0 (q < p0) has theta > 1, so a lower threshold.
 */
double eng_loss_threshold(const struct engine_params *p, double q, double p0, double rate)
{
	if (p->loss_cusum_threshold > 0)
		return p->loss_cusum_threshold;
	return eng_cusum_threshold(p->loss_cusum_bad_pct / 100, q, p0, rate,
				   p->loss_false_alarms_per_day);
}

double eng_cusum_threshold(double p1, double q, double p0, double rate, double f_per_day)
{
	double a = log(p1 / p0), b = log((1 - p1) / (1 - p0));
	q = q < 0.0005 ? 0.0005 : q;
	double mu = q * a + (1 - q) * b;
	if (!(mu < -1e-4))
		return H_MAX;	/* q at the break-even loss: the test cannot tell */
	double lo = 1e-4, hi = 1;
	while (q * exp(hi * a) + (1 - q) * exp(hi * b) < 1 && hi < 256)
		hi *= 2;
	for (int i = 0; i < 40; i++) {
		double mid = (lo + hi) / 2;
		if (q * exp(mid * a) + (1 - q) * exp(mid * b) < 1)
			lo = mid;
		else
			hi = mid;
	}
	double theta = (lo + hi) / 2;
	double n_day = (rate > 0.01 ? rate : 0.01) * 86400.0;
	/* overshoot: a lost probe jumps the sum by a, so it passes h by up to a
	 * and an excursion reaching h is rarer by (1 - e^(-theta a)) / (theta a)
	 * (checked by Monte Carlo: 0.3-0.5 of the plain estimate, as this gives) */
	double c = (1 - exp(-theta * a)) / (theta * a);
	double x = n_day * theta * -mu * c / f_per_day;
	double h = x > 1 ? log(x) / theta : H_MIN;
	return h < H_MIN ? H_MIN : h > H_MAX ? H_MAX : h;
}

/* Learn the member's healthy loss and its probe rate; refresh the threshold.
 * The baseline is a running mean (seeded with loss_cusum_base_pct as
 * BASE_PRIOR_PROBES probes) that turns into an EWMA over
 * loss_baseline_tau_ms. It learns in blocks of BASE_BLOCK_MS, each taken in
 * one block late and only when neither it nor the next one saw the evidence
 * at half its threshold, a lost streak or an outage, and (once the baseline
 * is trusted) when it lost no more than 2 standard deviations (+1 probe)
 * over the baseline: a fault's
 * first minutes are not learned as "healthy" (a 10 % step would otherwise be
 * absorbed before the test has seen enough of it). */
static void learn_baseline(struct engine *e, struct eng_member *m, int64_t t_ms, double lost,
			   double probes, double w)
{
	const struct engine_params *p = &e->p;
	double qmax = p->loss_baseline_max_pct / 100;
	if (isnan(m->loss_base)) {
		m->loss_base = p->loss_cusum_base_pct / 100;
		if (m->loss_base > qmax)
			m->loss_base = qmax;
		m->base_probes = 0;
		m->blk_t0_ms = t_ms;
	}
	if (m->base_t_ms != INT64_MIN && t_ms > m->base_t_ms) {
		double dt = (double)(t_ms - m->base_t_ms);
		double ar = 1 - exp(-dt / RATE_TAU_MS), inst = probes * 1000.0 / dt;
		m->rate = isnan(m->rate) ? inst : m->rate + ar * (inst - m->rate);
	}
	m->base_t_ms = t_ms;
	m->blk_alarm |= m->down || m->lost_probes >= p->hard_fail_probes || m->cusum >= 0.5 * m->h;
	m->blk_lost += w * lost;
	m->blk_probes += w * probes;
	if (t_ms - m->blk_t0_ms >= BASE_BLOCK_MS) {
		/* a block that is itself well above the baseline is not learned:
		 * a slow fault would otherwise be absorbed a block at a time */
		double n = m->pend_probes, q0 = m->loss_base;
		bool high = m->base_probes >= BASE_MIN_PROBES &&
			    m->pend_lost > n * q0 + 2 * sqrt(n * q0 * (1 - q0)) + 1;
		if (n > 0 && !m->pend_alarm && !m->blk_alarm && !high) {
			double at = 1 - exp(-(double)BASE_BLOCK_MS / p->loss_baseline_tau_ms);
			m->base_probes += m->pend_probes;
			double ac = m->pend_probes / (m->base_probes + BASE_PRIOR_PROBES);
			double al = ac > at ? ac : at;
			m->loss_base += al * (m->pend_lost / m->pend_probes - m->loss_base);
			if (m->loss_base > qmax)
				m->loss_base = qmax;
		}
		m->pend_lost = m->blk_lost, m->pend_probes = m->blk_probes;
		m->pend_alarm = m->blk_alarm;
		m->blk_lost = m->blk_probes = 0;
		m->blk_alarm = false;
		m->blk_t0_ms = t_ms;
	}
	/* an upper confidence bound of the baseline: an estimate from few
	 * probes must not lower the threshold, and until BASE_MIN_PROBES are
	 * learned the member is assumed as lossy as a healthy member may be */
	double neff = m->base_probes;
	double ntau = (isnan(m->rate) ? 1 : m->rate) * p->loss_baseline_tau_ms / 1000.0;
	if (neff > ntau && ntau > 1)
		neff = ntau;
	double k = m->loss_base * neff, z = UCB_SIGMAS;	/* Wilson upper bound */
	double q = m->base_probes < BASE_MIN_PROBES ? qmax :
		   (k + z * z / 2 + z * sqrt(k * (1 - m->loss_base) + z * z / 4)) / (neff + z * z);
	q = q > qmax ? qmax : q;
	/* the test weighs each probe against the baseline, never below the
	 * configured floor (real loss comes in bursts the model does not know) */
	double floor = p->loss_cusum_base_pct / 100;
	m->p0 = q > floor ? q : floor;
	m->h = eng_loss_threshold(p, q, m->p0, isnan(m->rate) ? 1 : m->rate);
}

void eng_add_round(struct engine *e, int idx, const struct sample *s)
{
	struct eng_member *m = &e->m[idx];
	const struct engine_params *p = &e->p;
	double loss = s->loss_pct / 100.0;
	loss = loss < 0 ? 0 : loss > 1 ? 1 : loss;
	double lat = (loss < 1 && isfinite(s->latency_ms) && s->latency_ms >= 0) ? s->latency_ms : NAN;
	bool starlink = m->cfg.cls == CLASS_STARLINK && p->starlink_slot_aware;

	if (starlink)
		slot_learn(e, idx, s->t_ms, loss, lat, s->probes_sent);
	float w = 1;
	if (starlink) {
		int64_t d = slot_distance(e, m, s->t_ms);
		if (d >= 0 && d <= p->slot_guard_ms)
			w = (float)p->slot_weight;
	}
	struct eng_round *r = &m->ring[m->head];
	r->t_ms = s->t_ms;
	r->latency_ms = (float)lat;
	r->loss = (float)loss;
	r->w = w;
	r->score = r->score_nl = NAN;
	r->probes = s->probes_sent > 0 ? (s->probes_sent < 64 ? (float)s->probes_sent : 64) : 1;
	double k_lost = loss * r->probes;
	/* the baseline is the link's loss over time: rounds closer together than
	 * the member's cadence (probed faster on suspicion, confirmation
	 * rounds) weigh by their share of it, so sampling more after a loss
	 * neither dilutes nor concentrates what is learned as healthy */
	double lw = w;
	if (m->base_t_ms != INT64_MIN && s->t_ms > m->base_t_ms) {
		double dt = (double)(s->t_ms - m->base_t_ms);
		m->cadence_ms = dt > m->cadence_ms ? dt : m->cadence_ms * 0.999 + dt * 0.001;
		if (dt < m->cadence_ms)
			lw *= dt / m->cadence_ms;
	}
	learn_baseline(e, m, s->t_ms, k_lost, r->probes, lw);
	eng_lat_add_round(e, idx, s->t_ms, lat, w);
	/* loss evidence: one-sided CUSUM of the per-probe log-likelihood ratio
	 * between loss_cusum_bad_pct and loss_cusum_base_pct, capped so that a
	 * long outage is forgotten within seconds of good rounds */
	double p0 = m->p0, p1 = p->loss_cusum_bad_pct / 100;
	double llr = k_lost * log(p1 / p0) + (r->probes - k_lost) * log((1 - p1) / (1 - p0));
	m->cusum += w * llr;
	m->sus_llr += w * llr;
	if (m->cusum < 0)
		m->cusum = 0;
	if (m->cusum > 2 * m->h)
		m->cusum = 2 * m->h;
	m->head = (m->head + 1) % m->cap;
	if (m->n < m->cap)
		m->n++;
	/* an answered probe ends a streak; one that was an outage leaves its
	 * rounds out of the scores from here (restore counts from this round) */
	if (loss < 1 && m->lost_probes >= p->hard_fail_probes && m->lost_in_row >= p->hard_fail_rounds)
		m->fresh_from_ms = s->t_ms;
	double was_lost = m->lost_probes;
	m->lost_probes = loss >= 1 ? m->lost_probes + r->probes : 0;
	/* hard_fail_probes lost in a row is a drop, whether or not it lasts
	 * the rounds of a hard failure (recurring drops, engine.c) */
	if (was_lost < p->hard_fail_probes && m->lost_probes >= p->hard_fail_probes)
		eng_note_drop(e, idx, s->t_ms);
	m->lost_in_row = loss >= 1 ? m->lost_in_row + 1 : 0;
	m->ext_lost_in_row = s->probes_lost_in_row;
	m->round_lost = k_lost;
	m->loss_jump = w * log(p1 / p0);	/* a slot boundary's loss weighs less */
}

#define SERIES_MIN_GAP_MS 1000	/* keeps SERIES_CAP points spanning >= 64 s */

void eng_series_push(struct eng_series *s, int64_t t_ms, double v)
{
	if (s->n) {
		int last = (s->head - 1 + SERIES_CAP) % SERIES_CAP;
		if (t_ms - s->t_ms[last] < SERIES_MIN_GAP_MS)
			return;	/* at most one point per second */
	}
	s->t_ms[s->head] = t_ms;
	s->v[s->head] = v;
	s->head = (s->head + 1) % SERIES_CAP;
	if (s->n < SERIES_CAP)
		s->n++;
}

static double slope_fit(int n, double sx, double sy, double sxx, double sxy)
{
	double den = n * sxx - sx * sx;
	if (n < 3 || den <= 0)
		return NAN;
	return (n * sxy - sx * sy) / den;
}

double eng_series_slope(const struct eng_series *s, int64_t since_ms, double *latest)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0;
	int n = 0;
	int64_t t0 = 0;
	*latest = NAN;
	for (int k = 0; k < s->n; k++) {
		int i = (s->head - 1 - k + 2 * SERIES_CAP) % SERIES_CAP;
		if (s->t_ms[i] < since_ms)
			break;
		if (k == 0) {
			*latest = s->v[i];
			t0 = s->t_ms[i];
		}
		double x = (s->t_ms[i] - t0) / 1000.0, y = s->v[i];
		sx += x, sy += y, sxx += x * x, sxy += x * y;
		n++;
	}
	/* a slope over less than half the window is noise */
	if (n < 3 || -sx / n < (t0 - since_ms) / 4000.0)
		return NAN;
	return slope_fit(n, sx, sy, sxx, sxy);
}

double eng_ring_slope(const struct eng_member *m, int64_t since_ms, int what)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, sw = 0;
	int n = 0;
	int64_t t0 = m->n ? ring_at(m, 0)->t_ms : 0;
	for (int k = 0; k < m->n; k++) {
		const struct eng_round *r = ring_at(m, k);
		if (r->t_ms < since_ms)
			break;
		double y = what == 0 ? r->latency_ms : what == 1 ? r->loss * 100.0 : r->score_nl;
		if (isnan(y))
			continue;
		double w = r->w, x = (r->t_ms - t0) / 1000.0;
		sw += w, sx += w * x, sy += w * y, sxx += w * x * x, sxy += w * x * y;
		n++;
	}
	/* a slope over less than half the window (start-up, after a gap) or over
	 * a handful of rounds (a sparsely probed standby member) is noise */
	if (n < MIN_TREND_ROUNDS || -sx / sw < (t0 - since_ms) / 4000.0)
		return NAN;
	double den = sw * sxx - sx * sx;
	return den > 0 ? (sw * sxy - sx * sy) / den : NAN;
}

void eng_add_class(struct eng_member *m, const struct sample *s)
{
	const struct starlink_metrics *sl = &s->sl;
	bool any_sl = !isnan(sl->obstruction_pct) || sl->currently_obstructed != TRI_UNKNOWN ||
		      sl->snr_persistently_low != TRI_UNKNOWN || sl->outage_cause != SL_OUTAGE_NOT_KNOWN ||
		      sl->thermal_throttle != TRI_UNKNOWN || !isnan(sl->reboot_in_s) ||
		      sl->software_update_state >= 0 || sl->reachable != TRI_UNKNOWN;
	if (any_sl) {
		m->sl = *sl;
		m->sl_t_ms = s->t_ms;
		if (isfinite(sl->obstruction_pct))
			eng_series_push(&m->obstruction, s->t_ms, sl->obstruction_pct);
	}
	const struct cellular_metrics *c = &s->cell;
	if (!isnan(c->rsrp_dbm) || !isnan(c->rsrq_db) || !isnan(c->sinr_db) || c->roaming != TRI_UNKNOWN) {
		m->cell = *c;
		m->cell_t_ms = s->t_ms;
		if (isfinite(c->rsrp_dbm))
			eng_series_push(&m->rsrp, s->t_ms, c->rsrp_dbm);
	}
	const struct wifi_metrics *w = &s->wifi;
	if (!isnan(w->signal_dbm) || !isnan(w->noise_dbm) || !isnan(w->bitrate_mbps)) {
		m->wifi = *w;
		m->wifi_t_ms = s->t_ms;
	}
}

bool eng_class_fresh(const struct engine *e, int64_t t_ms, int64_t now_ms)
{
	return t_ms != INT64_MIN && now_ms - t_ms <= e->p.class_stale_ms;
}

static double class_penalty(const struct engine *e, const struct eng_member *m, int64_t now_ms)
{
	const struct engine_params *p = &e->p;
	double pen = 0;
	if (m->cfg.cls == CLASS_STARLINK && eng_class_fresh(e, m->sl_t_ms, now_ms)) {
		pen += p->obstruction_penalty *
		       eng_norm(m->sl.obstruction_pct, p->obstruction_ok_pct, p->obstruction_bad_pct);
		if (m->sl.currently_obstructed == TRI_TRUE)
			pen += p->obstructed_now_penalty;
		if (m->sl.snr_persistently_low == TRI_TRUE)
			pen += p->snr_low_penalty;
		if (m->sl.thermal_throttle == TRI_TRUE)
			pen += p->thermal_penalty;
	}
	if (m->cfg.cls == CLASS_CELLULAR && eng_class_fresh(e, m->cell_t_ms, now_ms)) {
		pen += p->rsrp_penalty * eng_norm(m->cell.rsrp_dbm, p->rsrp_ok_dbm, p->rsrp_bad_dbm);
		pen += p->sinr_penalty * eng_norm(m->cell.sinr_db, p->sinr_ok_db, p->sinr_bad_db);
		if (m->cell.roaming == TRI_TRUE)
			pen += p->roaming_penalty;
	}
	if (m->cfg.cls == CLASS_WIFI && eng_class_fresh(e, m->wifi_t_ms, now_ms))
		pen += p->wifi_signal_penalty *
		       eng_norm(m->wifi.signal_dbm, p->wifi_signal_ok_dbm, p->wifi_signal_bad_dbm);
	return pen;
}

/* Weighted median of n (value, weight) pairs; sorts in place (n is small). */
static double weighted_median(float *v, float *w, int n)
{
	for (int i = 1; i < n; i++) {
		float x = v[i], y = w[i];
		int j = i;
		for (; j > 0 && v[j - 1] > x; j--) {
			v[j] = v[j - 1];
			w[j] = w[j - 1];
		}
		v[j] = x;
		w[j] = y;
	}
	double tot = 0, acc = 0;
	for (int i = 0; i < n; i++)
		tot += w[i];
	for (int i = 0; i < n; i++) {
		acc += w[i];
		if (acc >= tot / 2)
			return v[i];
	}
	return n ? v[n - 1] : NAN;
}

#define MEDIAN_MAX 128		/* rounds used for the short-window latency median */
#define MIN_ROUNDS 3		/* rounds an instant score needs when the window has fewer */

void eng_score(struct engine *e, int idx, int64_t now_ms)
{
	struct eng_member *m = &e->m[idx];
	const struct engine_params *p = &e->p;
	float lv[MEDIAN_MAX], lw[MEDIAN_MAX];
	int nl = 0;
	double loss_w = 0, sw = 0, jit_sum = 0, jit_w = 0, prev_lat = NAN, prev_w = 0;
	double win_sum = 0;
	int win_n = 0;
	int64_t short_from = now_ms - p->short_window_ms, long_from = now_ms - p->window_ms;
	int64_t loss_from = now_ms - p->loss_window_ms;
	double lsw = 0, win_probes = 0, win_lost = 0;

	/* A member probed rarely (standby, metered) may have no round in the
	 * short or loss window: then its newest MIN_ROUNDS rounds stand in, as
	 * long as they are younger than round_stale_ms. */
	int n_inst = 0, n_loss = 0;
	int64_t stale_from = now_ms - p->round_stale_ms;
	for (int k = 0; k < m->n; k++) {
		const struct eng_round *r = ring_at(m, k);
		if (r->t_ms < long_from &&
		    ((n_inst >= MIN_ROUNDS && n_loss >= MIN_ROUNDS) || r->t_ms < stale_from))
			break;
		if (k > 0 && !isnan(r->score) && r->t_ms >= long_from)
			win_sum += r->score, win_n++;
		if (r->t_ms > now_ms || r->t_ms < m->fresh_from_ms)
			continue;	/* the future, or the outage before a recovery */
		bool fresh = r->t_ms >= stale_from;
		if (r->t_ms >= loss_from || (fresh && n_loss < MIN_ROUNDS)) {
			loss_w += r->w * r->loss * r->probes;
			lsw += r->w * r->probes;
			win_probes += r->probes;
			win_lost += r->loss * r->probes;
			n_loss++;
		}
		if (r->t_ms < short_from && !(fresh && n_inst < MIN_ROUNDS))
			continue;
		n_inst++;
		sw += r->w;
		if (!isnan(r->latency_ms)) {
			if (nl < MEDIAN_MAX) {
				lv[nl] = r->latency_ms;
				lw[nl] = r->w;
				nl++;
			}
			if (!isnan(prev_lat)) {
				double w = r->w < prev_w ? r->w : prev_w;
				jit_sum += w * fabs(prev_lat - r->latency_ms);
				jit_w += w;
			}
			prev_lat = r->latency_ms;
			prev_w = r->w;
		}
	}
	m->win_probes = win_probes;
	m->win_lost = win_lost;
	if (sw <= 0) {
		m->instant = m->instant_noloss = m->lat_ms = m->loss_pct = m->jit_ms = NAN;
	} else {
		m->loss_pct = 100.0 * loss_w / lsw;
		m->lat_ms = nl ? weighted_median(lv, lw, nl) : NAN;
		m->jit_ms = jit_w > 0 ? jit_sum / jit_w : NAN;
		double loss_pen = p->loss_penalty * eng_norm(m->loss_pct, p->loss_ok_pct, p->loss_bad_pct);
		/* every probe lost: latency is unknown, but the link is as bad as it gets */
		double pen = nl ? p->latency_penalty * eng_norm(m->lat_ms, p->latency_ok_ms, p->latency_bad_ms)
				: p->latency_penalty;
		pen += p->jitter_penalty * eng_norm(m->jit_ms, p->jitter_ok_ms, p->jitter_bad_ms);
		pen += class_penalty(e, m, now_ms);
		m->instant_noloss = pen > 100 ? 0 : 100 - pen;
		pen += loss_pen;
		m->instant = pen > 100 ? 0 : 100 - pen;
	}
	if (m->n && !isnan(m->instant)) {
		ring_at(m, 0)->score = (float)m->instant;
		ring_at(m, 0)->score_nl = (float)m->instant_noloss;
	}

	if (isnan(m->instant)) {
		/* keep the last EWMA; it is only refreshed by evidence */
	} else if (isnan(m->ewma) || m->ewma_t_ms == INT64_MIN) {
		m->ewma = m->instant;
		m->ewma_t_ms = now_ms;
	} else if (now_ms > m->ewma_t_ms) {
		double a = 1 - exp(-(double)(now_ms - m->ewma_t_ms) / p->ewma_tau_ms);
		m->ewma += a * (m->instant - m->ewma);
		m->ewma_t_ms = now_ms;
	}
	if (!isnan(m->instant))
		win_sum += m->instant, win_n++;
	m->window = win_n ? win_sum / win_n : NAN;

	double parts[3] = { m->instant, m->ewma, m->window };
	double ws[3] = { p->weight_instant, p->weight_ewma, p->weight_window }, num = 0, den = 0;
	for (int i = 0; i < 3; i++)
		if (!isnan(parts[i]))
			num += ws[i] * parts[i], den += ws[i];
	m->final = den > 0 ? num / den : NAN;
	m->eff = isnan(m->final) ? NAN : m->final + (m->cfg.weight - 50) * p->weight_points_per_unit;
}

#define DROP_MERGE_MS 10000	/* onsets closer than this are one drop */

void eng_note_drop(struct engine *e, int idx, int64_t t_ms)
{
	struct eng_member *m = &e->m[idx];
	const struct engine_params *p = &e->p;
	if (m->ndrops) {
		int64_t last = m->drops[(m->drop_head - 1 + DROP_HIST) % DROP_HIST];
		if (t_ms - last < DROP_MERGE_MS)
			return;
	}
	m->drops[m->drop_head] = t_ms;
	m->drop_head = (m->drop_head + 1) % DROP_HIST;
	if (m->ndrops < DROP_HIST)
		m->ndrops++;
	m->drop_obstructed = m->cfg.cls == CLASS_STARLINK && eng_class_fresh(e, m->sl_t_ms, t_ms) &&
			     m->sl.obstruction_pct >= p->recurring_obstruction_pct;
}

int64_t eng_last_drop(const struct eng_member *m)
{
	return m->ndrops ? m->drops[(m->drop_head - 1 + DROP_HIST) % DROP_HIST] : INT64_MIN;
}

bool eng_recurring(const struct engine *e, const struct eng_member *m, int64_t now_ms)
{
	const struct engine_params *p = &e->p;
	if (p->recurring_drops <= 0 || !m->ndrops)
		return false;
	if (now_ms - eng_last_drop(m) > p->recurring_window_ms)
		return false;
	if (m->drop_obstructed)
		return true;
	int n = 0;
	for (int k = 0; k < m->ndrops; k++)
		n += now_ms - m->drops[(m->drop_head - 1 - k + 2 * DROP_HIST) % DROP_HIST] <=
		     p->recurring_window_ms;
	return n >= p->recurring_drops;
}
