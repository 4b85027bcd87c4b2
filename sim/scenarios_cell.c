/*
 * scenarios_cell.c - starfail-tracegen's cellular scenarios on a modelled
 * radio: a cellular backup in a deep fade while the Starlink primary is out
 * and a Wi-Fi member is usable, a backup registered below the engine's radio
 * floor (with and without another usable member), and an hour of driving
 * for the RSRP-slope trigger's statistics (docs/ENGINE.md "Cellular traces").
 *
 * The radio, per second (values between seconds interpolated):
 *   RSRP = mean(t) + shadow(t): the mean is the scenario's path-loss trend
 *     (a coverage hole entered over tens of seconds, a fixed site at the cell
 *     edge, a drive); shadow fading is log-normal with the standard
 *     deviations of 3GPP TR 38.901 Table 7.4.1-1 (UMa: 4 dB LOS, 6 dB NLOS;
 *     TR 36.873 has the same) and Gudmundson's exponential correlation with
 *     the decorrelation distances of TR 38.901 Table 7.5-6 (UMa: 37 m LOS,
 *     50 m NLOS), so in time rho = exp(-v dt / d_corr) for a router moving at
 *     v (an AR(1) series). The status lines add +-2 dB of reporting noise, as
 *     every scenario's cellular status does.
 *   SINR = 10 dB + 0.7 (RSRP + 95) + its own AR(1) variation (1.5 dB, 5 s):
 *     10 dB at -95 dBm, 0 dB at -109, -8 dB at -121 - the spread of the
 *     LTE/5G drive datasets of Raca et al. (Cork: "Beyond Throughput: a 4G
 *     LTE dataset with channel and context metrics", MMSys 2018; "... the
 *     next generation: a 5G dataset ...", MMSys 2020), whose RSRP runs from
 *     about -60 to -125 dBm and SNR from about -10 to 30 dB, the low ends
 *     together at the cell edge and in coverage holes.
 *   Radio link failure (3GPP TS 36.133 / 36.331: out of sync at Qout, the
 *     hypothetical-PDCCH 10 % BLER point, about -8 dB SINR; T310 = 1 s;
 *     back in sync at Qin, 2 % BLER, about -6 dB): every probe is lost from
 *     1 s below -8 dB until 2 s after SINR is back above -6 dB
 *     (re-establishment).
 *   Probes (a model, not a measurement; the shape of Baguena, Leith and
 *     Manzoni, "Measurement-based modelling of LTE performance in Dublin
 *     city", PIMRC 2016: link-layer RTT grows as the signal weakens): RTT
 *     45 ms + 12 ms per dB of SINR below 5 dB (HARQ retransmissions 8 ms
 *     apart, lower MCS), jitter 8 ms + 3 ms per dB; loss 0.5 % + 25 % x
 *     ((0 - SINR) / 8)^2 below 0 dB (residual loss after HARQ and RLC, 25 %
 *     at the out-of-sync point).
 * Truth (SINR over the last 5 s): the cellular member is bad while it is
 * out of sync or its probe loss is 5 % or more (SINR below -3.3 dB), warn
 * while SINR is below 0 dB, good otherwise.
 * The numbers carry over from the sources named; no data or code does.
 */
#include <math.h>
#include <stdlib.h>

#include "tracegen.h"

#define QOUT_DB (-8.0)
#define QIN_DB (-6.0)
#define T310_S 1
#define REESTABLISH_S 2
#define BAD_SINR_DB (-3.3)	/* probe loss passes 5 % */

struct cell_radio {
	int n;				/* seconds */
	double *rsrp, *sinr;
	unsigned char *rlf;		/* out of sync (every probe lost) in second k */
};

typedef double (*mean_fn)(const void *ctx, double t_s);

struct radio_cfg {
	mean_fn mean;
	const void *ctx;		/* the mean's parameters */
	double sigma_db;		/* shadow fading standard deviation */
	double speed_mps, dcorr_m;	/* rho = exp(-speed / dcorr) per second */
};

static double gauss(uint64_t *r)
{
	double u1 = sim_uniform(r), u2 = sim_uniform(r);
	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static double ramp(double t, double t0, double t1, double a, double b)
{
	if (t <= t0)
		return a;
	if (t >= t1)
		return b;
	return a + (b - a) * (t - t0) / (t1 - t0);
}

void cell_radio_free(struct gen *g)
{
	if (!g->radio)
		return;
	free(g->radio->rsrp);
	free(g->radio->sinr);
	free(g->radio->rlf);
	free(g->radio);
	g->radio = NULL;
}

/* A "truth" or "fault" line at t: "<kind> <t> <member> <rest>". */
static void put(struct gen *g, int64_t t, const char *kind, const char *member, const char *rest)
{
	if (g->nmarks >= MAX_MARKS)
		return;
	snprintf(g->marks[g->nmarks].text, sizeof(g->marks[0].text), "%s %lld %s %s", kind,
		 (long long)t, member, rest);
	g->marks[g->nmarks++].t_ms = t;
}

/* Truth marks of the radio member (SINR over the last 5 s): bad while out
 * of sync or losing >= 5 %, warn while SINR is below 0 dB (interference and
 * noise above the signal: usable, not to be trusted; leaving it is no false
 * switch), else good. */
static void radio_truth(struct gen *g)
{
	static const char *const names[] = { "good", "warn", "bad" };
	const struct cell_radio *r = g->radio;
	const char *name = g->m[g->radio_member].name;
	int was = 0;
	for (int k = 0; k < r->n; k++) {
		/* over the last 5 s, as a modem averages its reports: the truth does
		 * not flicker with every second's dip */
		double sum = 0;
		int rlf = 0, w = 0;
		for (int j = k; j >= 0 && j > k - 5; j--, w++)
			sum += r->sinr[j], rlf |= r->rlf[j];
		double sinr = sum / w;
		int st = rlf || sinr < BAD_SINR_DB ? 2 : sinr < 0 ? 1 : 0;
		if (st == was)
			continue;
		if (g->nmarks >= MAX_MARKS - 8) {
			fprintf(stderr, "starfail-tracegen: %s: more than %d truth marks\n",
				g->scenario, MAX_MARKS - 8);
			exit(1);
		}
		put(g, (int64_t)k * 1000, "truth", name, names[st]);
		was = st;
	}
}

/* The radio series of member mi; exits on allocation failure (a generator). */
static void radio_build(struct gen *g, int mi, const struct radio_cfg *c)
{
	struct cell_radio *r = calloc(1, sizeof(*r));
	int n = (int)(g->duration_ms / 1000) + 2;
	if (r) {
		r->n = n;
		r->rsrp = calloc((size_t)n, sizeof(double));
		r->sinr = calloc((size_t)n, sizeof(double));
		r->rlf = calloc((size_t)n, 1);
	}
	if (!r || !r->rsrp || !r->sinr || !r->rlf) {
		fprintf(stderr, "starfail-tracegen: out of memory\n");
		exit(1);
	}
	g->radio = r;
	g->radio_member = mi;
	/* its own stream: the radio is the same whatever the probes draw */
	uint64_t rng = g->seed * 0x9e3779b97f4a7c15ULL + 0x5eed;
	double rho = exp(-c->speed_mps / c->dcorr_m), a = sqrt(1 - rho * rho);
	double rho_i = exp(-1.0 / 5), a_i = sqrt(1 - rho_i * rho_i);
	double sh = c->sigma_db * gauss(&rng), in = 1.5 * gauss(&rng);
	int below_s = 0, insync_s = 0, rlf = 0;
	for (int k = 0; k < n; k++) {
		if (k) {
			sh = rho * sh + a * c->sigma_db * gauss(&rng);
			in = rho_i * in + a_i * 1.5 * gauss(&rng);
		}
		r->rsrp[k] = c->mean(c->ctx, k) + sh;
		if (r->rsrp[k] < -140)
			r->rsrp[k] = -140;	/* the reporting range's floor (TS 36.133) */
		r->sinr[k] = 10 + 0.7 * (r->rsrp[k] + 95) + in;
		below_s = r->sinr[k] < QOUT_DB ? below_s + 1 : 0;
		if (!rlf && below_s > T310_S)
			rlf = 1, insync_s = 0;
		if (rlf) {
			insync_s = r->sinr[k] >= QIN_DB ? insync_s + 1 : 0;
			if (insync_s > REESTABLISH_S)
				rlf = 0;
		}
		r->rlf[k] = (unsigned char)rlf;
	}
	radio_truth(g);
}

/* The cellular member's link at t from the radio series. */
static void radio_link(const struct gen *g, int64_t t, struct link *l)
{
	const struct cell_radio *r = g->radio;
	int k = (int)(t / 1000);
	if (k >= r->n - 1)
		k = r->n - 2;
	double f = (double)(t - (int64_t)k * 1000) / 1000.0;
	l->rsrp_dbm = r->rsrp[k] + f * (r->rsrp[k + 1] - r->rsrp[k]);
	l->sinr_db = r->sinr[k] + f * (r->sinr[k + 1] - r->sinr[k]);
	if (r->rlf[k]) {
		l->loss = 1;
		return;
	}
	double below5 = l->sinr_db < 5 ? 5 - l->sinr_db : 0;
	l->rtt_ms = 45 + 12 * below5;
	l->jitter_ms = 8 + 3 * below5;
	if (l->sinr_db < 0) {
		double x = -l->sinr_db / 8;
		l->loss = 0.005 + 0.25 * x * x;
		if (l->loss > 1)
			l->loss = 1;
	}
}

/* Members: Starlink primary, the cellular backup, a Wi-Fi member (campsite
 * or marina hotspot: 35 ms, 0.5 % loss, -62 dBm) as the last tier. */
static void three_members(struct gen *g, bool wifi)
{
	g->n = wifi ? 3 : 2;
	const char *names[3] = { "starlink", "lte", "wlan" };
	enum member_class cls[3] = { CLASS_STARLINK, CLASS_CELLULAR, CLASS_WIFI };
	for (int i = 0; i < g->n; i++) {
		struct link b = { .rtt_ms = 30, .jitter_ms = 5, .loss = 0.005, .up = true,
				  .obstruction_pct = NAN, .obstructed = -1, .outage = -2,
				  .update_state = -1, .reboot_in_s = NAN, .rsrp_dbm = NAN,
				  .sinr_db = NAN, .wifi_dbm = NAN };
		if (cls[i] == CLASS_STARLINK) {
			b.rtt_ms = 40, b.jitter_ms = 8, b.loss = 0.015, b.sl_noise = true;
			b.obstruction_pct = 0.3, b.obstructed = 0, b.outage = SL_OUTAGE_NONE;
			b.update_state = 1;
		} else if (cls[i] == CLASS_WIFI) {
			b.rtt_ms = 35, b.jitter_ms = 10, b.wifi_dbm = -62;
		}
		g->m[i] = (struct gmember){ .name = names[i], .cls = cls[i], .priority = i + 1,
					    .base = b, .round_ms = i ? 5000 : 1500, .targets = TARGETS,
					    .fast_left = 3 };
	}
	/* the daemon's cadence by role: 1.5 s primary, 5 s standby, fast rounds */
	g->fast_rounds = true;
	g->follow_primary = true;
}

static void sl_out(struct link *l)
{
	l->loss = 1, l->obstructed = 1, l->outage = SL_OUTAGE_OBSTRUCTED;
}

/* ---- trace 1: Starlink out while the cellular backup is in a deep fade ---- */

#define F1_FADE_S 150		/* the mean starts to fall */
#define F1_DEEP_S 190		/* -118 dBm reached: 23 dB in 40 s */
#define F1_UP_S 430		/* it starts to recover */
#define F1_BACK_S 470
#define F1_OUT_MS 200700	/* Starlink obstructed (between two dish polls) */
#define F1_IN_MS 330000

static double mean_fade(const void *ctx, double t)
{
	if (t < F1_UP_S)
		return ramp(t, F1_FADE_S, F1_DEEP_S, -95, -118);
	return ramp(t, F1_UP_S, F1_BACK_S, -118, -95);
}

static void m_fade_wifi(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi == 1)
		radio_link(g, t, l);
	else if (mi == 0 && t >= F1_OUT_MS && t < F1_IN_MS)
		sl_out(l);
}

void s_cell_fade_wifi_dc(struct gen *g)
{
	three_members(g, true);
	g->duration_ms = 600000, g->model = m_fade_wifi;
	/* a vehicle or boat at 5 m/s, LOS shadowing: rho 0.87 per second */
	struct radio_cfg c = { .mean = mean_fade, .sigma_db = 4, .speed_mps = 5, .dcorr_m = 37 };
	radio_build(g, 1, &c);
	put(g, F1_OUT_MS, "fault", "starlink", "obstructed");
	put(g, F1_OUT_MS, "truth", "starlink", "bad");
	put(g, F1_IN_MS, "truth", "starlink", "good");
	/* out to Wi-Fi, back to Starlink; the faded cellular never */
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=3000 max_switches=2 max_false=0");
}

/* ---- trace 2: a backup registered below the radio floor ---- */

#define B_OUT_MS 120700		/* Starlink out (between two dish polls) */
#define B_IN_MS 480000
#define B_WDOWN_MS 240000	/* Wi-Fi link down (the hotspot restarts) */
#define B_WUP_MS 330000

/* A fixed site at the cell edge: -113 dBm, SINR about -2.1 dB (below both
 * floors, -110 dBm and 0 dB, and 6 dB from clearing them); no motion, so no
 * shadowing change (moving scatterers: 1 dB, 5 s). */
static double mean_edge(const void *ctx, double t)
{
	return -113;
}

static void m_bad_radio(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi == 1)
		radio_link(g, t, l);
	else if (mi == 0 && t >= B_OUT_MS && t < B_IN_MS)
		sl_out(l);
	else if (mi == 2 && t >= B_WDOWN_MS && t < B_WUP_MS)
		l->up = false, l->loss = 1;
}

static void bad_radio(struct gen *g, bool wifi)
{
	three_members(g, wifi);
	g->duration_ms = 720000, g->model = m_bad_radio;
	struct radio_cfg c = { .mean = mean_edge, .sigma_db = 1, .speed_mps = 1, .dcorr_m = 5 };
	radio_build(g, 1, &c);
	put(g, B_OUT_MS, "fault", "starlink", "obstructed");
	put(g, B_OUT_MS, "truth", "starlink", "bad");
	put(g, B_IN_MS, "truth", "starlink", "good");
	if (wifi) {
		put(g, B_WDOWN_MS, "truth", "wlan", "bad");
		put(g, B_WUP_MS, "truth", "wlan", "good");
	}
}

void s_bad_radio_backup_dc(struct gen *g)
{
	bad_radio(g, true);
	/* Starlink -> Wi-Fi, Wi-Fi down -> cellular (the only usable member),
	 * Wi-Fi back -> Wi-Fi, Starlink back -> Starlink */
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=3000 max_switches=4 max_false=0");
}

void s_bad_radio_only_backup_dc(struct gen *g)
{
	bad_radio(g, false);
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=3000 max_switches=2 max_false=0");
}

/* ---- an hour of driving on cellular (the RSRP-slope statistics) ---- */

#define DRIVE_LEGS 64
#define DRIVE_HOLES 6

/* The mean of a drive: legs of 60-180 s between levels of -105..-85 dBm,
 * and coverage holes (cuttings, underpasses, valleys) down to -118..-124 dBm
 * for 15-60 s, entered and left over 20-40 s. Drawn from the seed. */
struct drive {
	double leg_t[DRIVE_LEGS + 1], leg_dbm[DRIVE_LEGS + 1];
	int nlegs;
	double hole_t[DRIVE_HOLES], hole_ramp[DRIVE_HOLES], hole_len[DRIVE_HOLES],
		hole_dbm[DRIVE_HOLES];
};

static double mean_drive(const void *ctx, double t)
{
	const struct drive *d = ctx;
	double v = d->leg_dbm[d->nlegs];
	for (int i = 0; i < d->nlegs; i++)
		if (t < d->leg_t[i + 1]) {
			v = ramp(t, d->leg_t[i], d->leg_t[i + 1], d->leg_dbm[i], d->leg_dbm[i + 1]);
			break;
		}
	for (int i = 0; i < DRIVE_HOLES; i++) {
		double t0 = d->hole_t[i], r = d->hole_ramp[i], len = d->hole_len[i];
		if (t >= t0 && t < t0 + 2 * r + len) {
			double depth = t < t0 + r ? ramp(t, t0, t0 + r, 0, 1) :
				       t < t0 + r + len ? 1 : ramp(t, t0 + r + len, t0 + 2 * r + len, 1, 0);
			v += depth * (d->hole_dbm[i] - v);
		}
	}
	return v;
}

static void m_drive(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi == 0)
		radio_link(g, t, l);
}

void s_cell_drive_1h_dc(struct gen *g)
{
	three_members(g, false);
	/* the router on a vehicle: cellular first, a Starlink Mini as backup */
	struct gmember cell = g->m[1], sl = g->m[0];
	cell.priority = 1, cell.round_ms = 1500;
	sl.priority = 2, sl.round_ms = 5000;
	g->m[0] = cell, g->m[1] = sl;
	g->duration_ms = 3600000, g->model = m_drive;
	uint64_t r = g->seed * 0x2545f4914f6cdd1dULL + 99;
	struct drive drive, *d = &drive;
	double t = 0;
	d->nlegs = 0;
	d->leg_t[0] = 0, d->leg_dbm[0] = -92;
	while (t < 3600 && d->nlegs < DRIVE_LEGS) {
		t += 60 + 120 * sim_uniform(&r);
		d->nlegs++;
		d->leg_t[d->nlegs] = t;
		d->leg_dbm[d->nlegs] = -105 + 20 * sim_uniform(&r);
	}
	for (int i = 0; i < DRIVE_HOLES; i++) {
		d->hole_t[i] = 300 + i * 540 + 200 * sim_uniform(&r);
		d->hole_ramp[i] = 20 + 20 * sim_uniform(&r);
		d->hole_len[i] = 15 + 45 * sim_uniform(&r);
		d->hole_dbm[i] = -124 + 6 * sim_uniform(&r);
	}
	/* 10 m/s (36 km/h) in town, NLOS: rho 0.82 per second */
	struct radio_cfg c = { .mean = mean_drive, .ctx = d, .sigma_db = 6, .speed_mps = 10, .dcorr_m = 50 };
	radio_build(g, 0, &c);
	/* statistics, not one fault: the radio floor (3 dB hysteresis) against
	 * 6 dB shadowing moves the traffic 3-11 times an hour (seeds 1-10) */
	snprintf(g->goals, sizeof(g->goals), "max_switches=16");
}
