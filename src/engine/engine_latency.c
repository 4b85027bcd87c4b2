/*
 * engine_latency.c - latency evidence and the suspect flag.
 *
 * Latency is judged like loss (engine_score.c), by a one-sided CUSUM
 * against the member's own learned baseline, so that one documented
 * option, latency_false_alarms_per_day, sets how often a healthy member is
 * called slow. Each probe round with an answer is "slow" when its mean RTT
 * is above the learned baseline by latency_jump_ms, or by LAT_DEV_MULT mean
 * deviations when the link is that jittery. The test weighs each round's
 * slow/not-slow outcome with the log-likelihood ratio of LAT_P1 against the
 * member's learned rate of slow rounds (floored at LAT_P0_MIN), and its
 * threshold follows from the false-alarm rate and the round rate with the
 * same formula as the loss threshold (eng_cusum_threshold).
 *
 * The baseline (an EWMA over LAT_BASE_TAU_MS of the rounds' RTT, each
 * clipped at baseline + 3 jumps, a running mean for its first
 * LAT_LEARN_ROUNDS rounds) learns from every round, so a lasting move of
 * the path (a new route) is absorbed within about an hour, while a fault's
 * first minutes move it by a few percent only. No evidence is taken before
 * LAT_LEARN_ROUNDS rounds are learned.
 *
 * A member is bad by its latency evidence only when the evidence crossed
 * its threshold and its short-window latency is at least
 * latency_evidence_min_ms: a jump from 20 to 90 ms is real, but harmless.
 * Below that the evidence still makes the member suspect (faster probes)
 * and, from half its threshold, not good (not promoted to).
 */
#include <math.h>

#include "engine_impl.h"

#define LAT_P1 0.5		/* share of slow rounds to detect */
#define LAT_P0_MIN 0.01		/* the least share of slow rounds the test assumes */
#define LAT_P0_MAX 0.2
#define LAT_BASE_TAU_MS 1800000.0
#define LAT_LEARN_ROUNDS 20
#define LAT_DEV_MULT 4.0
#define LAT_RATE_TAU_MS 60000.0
#define SUSPECT_START 4	/* suspicion starts at 1/4 of a threshold ... */
#define SUSPECT_CLEAR 12	/* ... and clears under 1/12 (latency) */
#define SUSPECT_PROBE 5		/* a lost probe worth 1/5 of a threshold starts it alone */
#define SUSPECT_H0_NATS 4.0	/* loss suspicion ends when the evidence since it began is -4 */


void eng_lat_reset(struct eng_member *m)
{
	m->lat_base = m->lat_dev = NAN;
	m->lat_learned = 0;
	m->lat_cusum = 0;
	m->lat_p0 = LAT_P0_MIN;
	m->lat_h = NAN;
	m->lat_rate = NAN;
	m->lat_t_ms = INT64_MIN;
	m->suspect = false;
	m->round_lost = 0;
	m->loss_jump = 0;
	m->sus_llr = 0;
}

static double lat_threshold(const struct engine_params *p, const struct eng_member *m)
{
	return eng_cusum_threshold(LAT_P1, m->lat_p0, m->lat_p0, isnan(m->lat_rate) ? 1 : m->lat_rate,
				   p->latency_false_alarms_per_day);
}

void eng_lat_add_round(struct engine *e, int idx, int64_t t_ms, double lat, double w)
{
	struct eng_member *m = &e->m[idx];
	const struct engine_params *p = &e->p;
	if (m->lat_t_ms != INT64_MIN && t_ms > m->lat_t_ms) {
		double dt = (double)(t_ms - m->lat_t_ms);
		double inst = 1000.0 / dt, a = 1 - exp(-dt / LAT_RATE_TAU_MS);
		m->lat_rate = isnan(m->lat_rate) ? inst : m->lat_rate + a * (inst - m->lat_rate);
	}
	m->lat_t_ms = t_ms;
	if (isnan(lat)) {
		m->lat_h = lat_threshold(p, m);
		return;	/* nothing answered: the loss evidence has it */
	}
	if (m->lat_learned < LAT_LEARN_ROUNDS || isnan(m->lat_base)) {
		double n = ++m->lat_learned;
		m->lat_base = isnan(m->lat_base) ? lat : m->lat_base + (lat - m->lat_base) / n;
		double d = fabs(lat - m->lat_base);
		m->lat_dev = isnan(m->lat_dev) ? d : m->lat_dev + (d - m->lat_dev) / n;
		m->lat_h = lat_threshold(p, m);
		return;
	}
	double jump = p->latency_jump_ms, dj = LAT_DEV_MULT * m->lat_dev;
	double margin = dj > jump ? dj : jump;
	bool slow = lat > m->lat_base + margin;
	/* evidence first, against the baseline before this round */
	double p0 = m->lat_p0;
	m->lat_h = lat_threshold(p, m);
	m->lat_cusum += w * (slow ? log(LAT_P1 / p0) : log((1 - LAT_P1) / (1 - p0)));
	if (m->lat_cusum < 0)
		m->lat_cusum = 0;
	if (m->lat_cusum > 2 * m->lat_h)
		m->lat_cusum = 2 * m->lat_h;
	/* then learn (slowly): baseline, deviation, share of slow rounds */
	double a = 1 - exp(-(isnan(m->lat_rate) || m->lat_rate <= 0 ? 1000.0 : 1000.0 / m->lat_rate) /
			   LAT_BASE_TAU_MS);
	a *= w;
	double clip = m->lat_base + 3 * margin;
	double x = lat > clip ? clip : lat;
	m->lat_base += a * (x - m->lat_base);
	double d = fabs(x - m->lat_base);
	m->lat_dev += a * ((d > margin ? margin : d) - m->lat_dev);
	if (m->lat_cusum < 0.5 * m->lat_h) {
		m->lat_p0 += a * ((slow ? 1.0 : 0.0) - m->lat_p0);
		m->lat_p0 = m->lat_p0 < LAT_P0_MIN ? LAT_P0_MIN : m->lat_p0 > LAT_P0_MAX ? LAT_P0_MAX : m->lat_p0;
	}
}

bool eng_lat_bad(const struct engine *e, const struct eng_member *m)
{
	return !isnan(m->lat_h) && m->lat_cusum >= m->lat_h && !isnan(m->lat_ms) &&
	       m->lat_ms >= e->p.latency_evidence_min_ms;
}

/*
 * Suspicion, the prober's cue to probe faster: it starts when the loss or
 * latency evidence is a quarter of the way to its threshold, when a round
 * lost a probe that alone is worth a fifth of the loss threshold (every
 * lost probe on a clean link: p0 up to about 0.8 %; on a lossy link one
 * loss is weak evidence, not worth the bytes), or when the newest two or
 * more probes were all lost (one lost single-probe round is just a lost
 * probe). It holds until the loss evidence gathered since it began (its
 * log-likelihood ratio, not floored as the CUSUM is) has fallen to
 * -SUSPECT_H0_NATS - the test has accepted "healthy" - and the latency
 * evidence is under a twelfth of its threshold, and a probe was answered:
 * a sequential test with two bounds. A real 10 % fault keeps the fast
 * probing until it is decided in about 5 runs of 6 (a third of the time
 * when it ended with the CUSUM at 0), while a chance loss on a clean link
 * clears after about 35 answered probes. A member that is down is not
 * suspect (the outage is known).
 */
void eng_suspect_update(struct eng_member *m)
{
	double lh = isnan(m->lat_h) ? INFINITY : m->lat_h;
	if (m->down || isnan(m->h))
		m->suspect = false;
	else if (!m->suspect) {
		m->suspect = m->cusum >= m->h / SUSPECT_START || m->lost_probes >= 2 ||
			     (m->round_lost > 0 && m->loss_jump >= m->h / SUSPECT_PROBE) ||
			     m->lat_cusum >= lh / SUSPECT_START;
		m->sus_llr = m->cusum;
	} else
		m->suspect = m->sus_llr > -SUSPECT_H0_NATS || m->lost_probes > 0 ||
			     m->lat_cusum > lh / SUSPECT_CLEAR;
}
