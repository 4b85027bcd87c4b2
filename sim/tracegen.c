/*
 * starfail-tracegen - the seeded generator of the trace corpus.
 *
 *   starfail-tracegen [--seed N] [--long] [--list] [--cadence T,R[,S]] [--adaptive MS]
 *                     OUTDIR [SCENARIO...]
 *
 * Writes OUTDIR/<scenario>.trace for every scenario (or the ones named).
 * --long also writes the 24 h healthy traces (about 10 MB each), which are
 * therefore generated at test/bench time and not kept in the repository.
 * --adaptive MS runs the engine (defaults) on the rounds as they are
 * generated and probes a member it marks suspect every MS ms, at most 40
 * extra rounds a minute (what the prober's adaptive budget may do; the
 * extra probes are reported on stderr).
 * --cadence probes every scenario's primary member with T targets per round
 * every R ms and the other member every S ms (default 5000, the daemon's
 * standby_interval_ms), with the daemon's fast confirmation rounds; the
 * scenario goals of healthy traces (0 switches) hold at any cadence, those
 * of fault traces are stated for the scenario's own cadence.
 *
 * Model (docs/ENGINE.md "Trace corpus" lists every scenario):
 *   - each member is probed in rounds of 3 targets (or --cadence); a round
 *     is every 500 ms (the "_daemon_cadence" and "_dc" scenarios: the
 *     daemon's defaults, 1.5 s primary, 5 s standby, fast confirmation
 *     rounds 600 ms apart after a fully lost round) plus a uniform +-10 ms drift (real timers drift, so round phases cover
 *     the Starlink slot boundaries over time);
 *   - each probe is lost independently with the member's loss probability
 *     at that time; an answered probe's RTT is base + uniform(-jitter,
 *     +jitter) (at least 1 ms); the round line carries loss_pct (lost/3)
 *     and the mean RTT of the answered probes;
 *   - Starlink: a reassignment boundary every 15 s at :12/:27/:42/:57 UTC;
 *     rounds within a 150 ms window around it (centre jittered +-50 ms per
 *     boundary) get +30..50 ms and lose one probe with probability 0.8;
 *     dish status every 2 s; cellular status every 5 s (RSRP +-2 dB noise);
 *     Wi-Fi status every 5 s;
 *   - truth/fault/goal lines state what really happened and what the engine
 *     must achieve (the goals of the issue at default settings).
 * The same seed always gives byte-identical files.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "policy.h"
#include "trace.h"

#define ROUND_MS 500
#define TARGETS 3
#define UTC_START_MS 1764115200000LL	/* 2025-11-26 00:00:00 UTC */
#define MAX_MARKS 256
#define MAX_DROPS 64

struct link {
	double rtt_ms, jitter_ms, loss;	/* loss: probability per probe */
	bool up;
	bool sl_noise;			/* Starlink boundary effects */
	double obstruction_pct;
	int obstructed, outage, update_state;
	double reboot_in_s;		/* NAN = none */
	double rsrp_dbm, sinr_db, wifi_dbm;
};

struct gmember {
	const char *name;
	enum member_class cls;
	int priority;
	struct link base;
	int round_ms;			/* probe round interval (default ROUND_MS) */
	int targets;			/* probes per round (default TARGETS) */
	int fast_left;			/* fast confirmation rounds left (daemon cadence) */
	int64_t next_round_ms, next_status_ms;
};

struct gen;
typedef void (*model_fn)(const struct gen *g, int mi, int64_t t, struct link *l);

struct mark {
	int64_t t_ms;
	char text[128];
};

struct gen {
	const char *scenario;
	int64_t duration_ms;
	int n;
	struct gmember m[2];
	model_fn model;
	struct mark marks[MAX_MARKS];
	int nmarks;
	char goals[160];
	bool fast_rounds;		/* a fully lost round is re-probed after 600 ms, 3 times */
	uint64_t seed;
	int64_t drop_t[MAX_DROPS], drop_end[MAX_DROPS];	/* recurring obstruction schedule */
	int ndrops;
	uint64_t rng;
	FILE *f;
	/* --adaptive: the engine runs on the generated rounds, and a member it
	 * marks suspect is probed every adaptive_ms (within a budget) */
	struct engine *eng;
	int adaptive_ms;
	long rounds[2], extra_rounds[2], probes[2], extra_probes[2];
	int64_t budget_t0_ms[2];
	int budget_used[2];
};

/* A "truth" or "fault" line at t: "<kind> <t> <member> <rest>". */
static void mark(struct gen *g, int64_t t, const char *kind, const char *member, const char *rest)
{
	if (g->nmarks == MAX_MARKS)
		return;
	g->marks[g->nmarks].t_ms = t;
	snprintf(g->marks[g->nmarks].text, sizeof(g->marks[0].text), "%s %lld %s %s", kind,
		 (long long)t, member, rest);
	g->nmarks++;
}

static double lerp(int64_t t, int64_t t0, int64_t t1, double a, double b)
{
	if (t <= t0)
		return a;
	if (t >= t1)
		return b;
	return a + (b - a) * (double)(t - t0) / (double)(t1 - t0);
}

/* ---- scenarios ---- */

static void m_none(const struct gen *g, int mi, int64_t t, struct link *l)
{
}

static void m_noisy(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi == 0)
		l->rtt_ms = 40, l->jitter_ms = 30, l->loss = 0.01;
	else
		l->jitter_ms = 30, l->loss = 0.01;
}

static void m_outage(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi == 0 && t >= 300000 && t < 420000)
		l->loss = 1;
}

static void m_link_down(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi == 0 && t >= 300000 && t < 420000)
		l->up = false, l->loss = 1;
}

static void m_sl_outage(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi == 0 && t >= 300000 && t < 360000)
		l->loss = 1, l->outage = SL_OUTAGE_NO_SATS;
}

static void m_lat_step(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi == 0 && t >= 300000 && t < 500000)
		l->rtt_ms = 600;
}

static void m_loss_step(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi == 0 && t >= 300000 && t < 500000)
		l->loss = 0.20;
}

static void m_lat_ramp(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi == 0 && t >= 300000 && t < 480000) {
		l->rtt_ms = lerp(t, 300000, 360000, 40, 1000);
		l->loss = lerp(t, 300000, 360000, 0, 0.20);
	}
}

static void m_loss_ramp(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi == 0 && t >= 300000 && t < 480000)
		l->loss = lerp(t, 300000, 360000, 0, 0.20);
}

static bool flap_bad(int64_t t)
{
	return t >= 120000 && t < 720000 && ((t - 120000) / 10000) % 2 == 0;
}

static void m_flap(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi == 0 && flap_bad(t))
		l->loss = 1;
}

static bool burst(int64_t t)
{
	return t >= 120000 && (t - 120000) % 60000 < 3000;
}

static void m_sl_bursts(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi == 0 && burst(t))
		l->loss = 1, l->obstructed = 1;
}

static void m_sl_obstruction(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi != 0 || t < 120000)
		return;
	l->obstruction_pct = lerp(t, 120000, 420000, 0.5, 12);
	l->loss = 0.015 + l->obstruction_pct * 0.008;
}

static void m_sl_reboot(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi != 0 || t < 200000)
		return;
	if (t < 600000) {
		l->update_state = 6;
		l->reboot_in_s = (600000 - t) / 1000.0;
	} else if (t < 690000) {
		l->loss = 1;
		l->outage = SL_OUTAGE_BOOTING;
		l->update_state = 1;
	}
}

static void m_sl_lossy(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi == 0)
		l->loss = 0.03;
}

static void m_loss_step10(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi == 0 && t >= 300000 && t < 500000)
		l->loss = 0.10;
}

/* A tree in the dish's view: the dish reports 3 % obstructed all along;
 * full drops of 2-5 s every 2-6 min (g->drop_t) from 120 s for an hour. */
static void m_sl_recurring(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi != 0)
		return;
	l->obstruction_pct = 3;
	for (int i = 0; i < g->ndrops; i++)
		if (t >= g->drop_t[i] && t < g->drop_end[i])
			l->loss = 1, l->obstructed = 1;
}

static void m_cell_fade(const struct gen *g, int mi, int64_t t, struct link *l)
{
	if (mi != 0 || t < 120000)
		return;
	l->rsrp_dbm = lerp(t, 120000, 300000, -85, -125);
	l->sinr_db = lerp(t, 120000, 300000, 15, -5);
	if (l->rsrp_dbm < -110) {
		l->loss = (-110 - l->rsrp_dbm) / 15 * 0.3;
		l->rtt_ms += (-110 - l->rsrp_dbm) * 20;
	}
}

static void m_all_bad(const struct gen *g, int mi, int64_t t, struct link *l)
{
	l->loss = mi == 0 ? 0.25 : 0.30;
	l->rtt_ms = mi == 0 ? 700 : 800;
	l->jitter_ms = 50;
}

/* ---- setup ---- */

static struct link healthy(enum member_class cls)
{
	struct link l = { .rtt_ms = 30, .jitter_ms = 5, .loss = 0.005, .up = true,
			  .obstruction_pct = NAN, .obstructed = -1, .outage = -2, .update_state = -1,
			  .reboot_in_s = NAN, .rsrp_dbm = NAN, .sinr_db = NAN, .wifi_dbm = NAN };
	if (cls == CLASS_STARLINK) {
		l.rtt_ms = 40, l.jitter_ms = 8, l.loss = 0.015, l.sl_noise = true;
		l.obstruction_pct = 0.3, l.obstructed = 0, l.outage = SL_OUTAGE_NONE, l.update_state = 1;
	} else if (cls == CLASS_CELLULAR) {
		l.rtt_ms = 60, l.jitter_ms = 15, l.rsrp_dbm = -88, l.sinr_db = 12;
	} else if (cls == CLASS_WIFI) {
		l.rtt_ms = 25, l.jitter_ms = 8, l.wifi_dbm = -60;
	}
	return l;
}

static void members(struct gen *g, const char *n0, enum member_class c0, const char *n1,
		    enum member_class c1)
{
	g->n = 2;
	g->m[0] = (struct gmember){ .name = n0, .cls = c0, .priority = 1, .base = healthy(c0),
				    .round_ms = ROUND_MS, .targets = TARGETS, .fast_left = 3 };
	g->m[1] = (struct gmember){ .name = n1, .cls = c1, .priority = 2, .base = healthy(c1),
				    .round_ms = ROUND_MS, .targets = TARGETS, .fast_left = 3 };
}

struct scen {
	const char *name;
	bool is_long;
	void (*setup)(struct gen *g);
};


static void s_noisy(struct gen *g)
{
	members(g, "wan", CLASS_LAN, "lte", CLASS_CELLULAR);
	g->duration_ms = 86400000, g->model = m_noisy;
	snprintf(g->goals, sizeof(g->goals), "max_switches=0 max_false=0");
}

static void s_sl_healthy(struct gen *g)
{
	members(g, "starlink", CLASS_STARLINK, "lte", CLASS_CELLULAR);
	g->duration_ms = 86400000, g->model = m_none;
	snprintf(g->goals, sizeof(g->goals), "max_switches=0 max_false=0");
}

static void s_noisy_short(struct gen *g)
{
	s_noisy(g);
	g->duration_ms = 3600000;
}

static void s_sl_healthy_short(struct gen *g)
{
	s_sl_healthy(g);
	g->duration_ms = 3600000;
}

static void fault_at(struct gen *g, int64_t t, int64_t end, const char *label)
{
	mark(g, t, "fault", g->m[0].name, label);
	mark(g, t, "truth", g->m[0].name, "bad");
	if (end)
		mark(g, end, "truth", g->m[0].name, "good");
}

static void s_outage(struct gen *g)
{
	members(g, "wan", CLASS_LAN, "lte", CLASS_CELLULAR);
	g->duration_ms = 600000, g->model = m_outage;
	fault_at(g, 300000, 420000, "blackhole");
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=2000 max_false=0 max_switches=2");
}

/* The daemon's default cadence: primary every 1.5 s (poll_interval_ms),
 * standby every 5 s (standby_interval_ms), fast confirmation rounds. */
static void s_outage_daemon(struct gen *g)
{
	s_outage(g);
	g->m[0].round_ms = 1500;
	g->m[1].round_ms = 5000;
	g->fast_rounds = true;
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=3000 max_false=0 max_switches=2");
}

static void s_link_down(struct gen *g)
{
	members(g, "wan", CLASS_LAN, "lte", CLASS_CELLULAR);
	g->duration_ms = 600000, g->model = m_link_down;
	fault_at(g, 300000, 420000, "link_down");
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=1000 max_false=0 max_switches=2");
}

static void s_sl_outage(struct gen *g)
{
	members(g, "starlink", CLASS_STARLINK, "lte", CLASS_CELLULAR);
	g->duration_ms = 600000, g->model = m_sl_outage;
	fault_at(g, 300000, 360000, "starlink_outage");
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=2000 max_false=0 max_switches=2");
}

static void s_lat_step(struct gen *g)
{
	members(g, "wan", CLASS_LAN, "lte", CLASS_CELLULAR);
	g->duration_ms = 700000, g->model = m_lat_step;
	fault_at(g, 300000, 500000, "latency_40_600ms");
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=5000 max_false=0 max_switches=2");
}

static void s_loss_step(struct gen *g)
{
	members(g, "wan", CLASS_LAN, "lte", CLASS_CELLULAR);
	g->duration_ms = 700000, g->model = m_loss_step;
	fault_at(g, 300000, 500000, "loss_0_20pct");
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=5000 max_false=0 max_switches=2");
}

static void s_loss_step_daemon(struct gen *g)
{
	s_loss_step(g);
	g->m[0].round_ms = 1500;
	g->m[1].round_ms = 5000;
	g->fast_rounds = true;
	/* a third of the probes: the loss evidence needs about 3x longer (docs) */
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=20000 max_false=0 max_switches=2");
}

static void s_lat_ramp(struct gen *g)
{
	members(g, "wan", CLASS_LAN, "lte", CLASS_CELLULAR);
	g->duration_ms = 700000, g->model = m_lat_ramp;
	mark(g, 300000, "fault", g->m[0].name, "congestion_ramp_60s");
	mark(g, 300000, "truth", g->m[0].name, "warn");
	mark(g, 315000, "truth", g->m[0].name, "bad");	/* loss passes 5 % */
	mark(g, 480000, "truth", g->m[0].name, "good");
	snprintf(g->goals, sizeof(g->goals), "switch_before_ms=315000 max_false=0 max_switches=2");
}

static void s_loss_ramp(struct gen *g)
{
	members(g, "wan", CLASS_LAN, "lte", CLASS_CELLULAR);
	g->duration_ms = 700000, g->model = m_loss_ramp;
	mark(g, 300000, "fault", g->m[0].name, "loss_ramp_0_20pct_60s");
	mark(g, 300000, "truth", g->m[0].name, "warn");
	mark(g, 315000, "truth", g->m[0].name, "bad");	/* loss passes 5 % */
	mark(g, 480000, "truth", g->m[0].name, "good");
	/* Loss alone, rising from 0 %, cannot be told from 1-2 % random loss
	 * before it is well above 5 % (6 probes/s; see docs/ENGINE.md): the goal
	 * is switching before it passes 13.3 % (t = 340 s). */
	snprintf(g->goals, sizeof(g->goals), "switch_before_ms=340000 max_false=0 max_switches=2");
}

static void s_flap(struct gen *g)
{
	members(g, "wan", CLASS_LAN, "lte", CLASS_CELLULAR);
	g->duration_ms = 900000, g->model = m_flap;
	mark(g, 120000, "fault", g->m[0].name, "flapping_10s_10s");
	for (int64_t t = 120000; t < 720000; t += 20000) {
		mark(g, t, "truth", g->m[0].name, "bad");
		mark(g, t + 10000, "truth", g->m[0].name, "warn");	/* answers, but not to be trusted */
	}
	mark(g, 720000, "truth", g->m[0].name, "good");
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=2000 max_switches=2 max_false=0");
}

static void s_sl_bursts(struct gen *g)
{
	members(g, "starlink", CLASS_STARLINK, "lte", CLASS_CELLULAR);
	g->duration_ms = 900000, g->model = m_sl_bursts;
	mark(g, 120000, "fault", g->m[0].name, "obstruction_bursts_3s_per_min");
	for (int64_t t = 120000; t < 900000; t += 60000) {
		mark(g, t, "truth", g->m[0].name, "bad");
		mark(g, t + 3000, "truth", g->m[0].name, "warn");
	}
	/* the first restore between bursts cannot know the period yet: one false
	 * switch allowed; the flap backoff must stop the rest */
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=2000 max_switches=3 max_false=1");
}

static void s_sl_obstruction(struct gen *g)
{
	members(g, "starlink", CLASS_STARLINK, "lte", CLASS_CELLULAR);
	g->duration_ms = 600000, g->model = m_sl_obstruction;
	mark(g, 120000, "fault", g->m[0].name, "obstruction_rising");
	mark(g, 120000, "truth", g->m[0].name, "warn");
	/* loss = 1.5 % + 0.8 * obstruction passes 5 % at obstruction 4.4 %, t = 222 s */
	mark(g, 222000, "truth", g->m[0].name, "bad");
	snprintf(g->goals, sizeof(g->goals), "switch_before_ms=222000 max_false=0 max_switches=1");
}

static void s_sl_reboot(struct gen *g)
{
	members(g, "starlink", CLASS_STARLINK, "lte", CLASS_CELLULAR);
	g->duration_ms = 900000, g->model = m_sl_reboot;
	mark(g, 200000, "fault", g->m[0].name, "announced_reboot onset_ms=600000");
	mark(g, 200000, "truth", g->m[0].name, "warn");
	mark(g, 600000, "truth", g->m[0].name, "bad");
	mark(g, 690000, "truth", g->m[0].name, "good");
	snprintf(g->goals, sizeof(g->goals), "switch_before_ms=600000 max_false=0 max_switches=2");
}

static void s_cell_fade(struct gen *g)
{
	members(g, "lte", CLASS_CELLULAR, "wlan", CLASS_WIFI);
	g->duration_ms = 420000, g->model = m_cell_fade;
	mark(g, 120000, "fault", g->m[0].name, "rsrp_fade_85_125dbm_180s");
	mark(g, 120000, "truth", g->m[0].name, "warn");
	/* loss passes 5 % at RSRP -112.5 dBm, t = 243.75 s (this line said
	 * 232.5 s before, which is where RSRP passes -110 and loss begins) */
	mark(g, 243750, "truth", g->m[0].name, "bad");
	snprintf(g->goals, sizeof(g->goals), "switch_before_ms=243750 max_false=0 max_switches=1");
}

static void s_all_bad(struct gen *g)
{
	members(g, "wan", CLASS_LAN, "lte", CLASS_CELLULAR);
	g->duration_ms = 600000, g->model = m_all_bad;
	mark(g, 0, "truth", g->m[0].name, "bad");
	mark(g, 0, "truth", g->m[1].name, "bad");
	snprintf(g->goals, sizeof(g->goals), "all_bad=1 max_switches=1");
}

/* The daemon's default cadence for both members: primary 1.5 s
 * (poll_interval_ms), standby 5 s (standby_interval_ms), fast rounds. */
static void daemon_cadence(struct gen *g, bool both_primary)
{
	g->m[0].round_ms = 1500;
	g->m[1].round_ms = both_primary ? 1500 : 5000;
	g->fast_rounds = true;
}

static void s_sl_lossy(struct gen *g)
{
	s_sl_healthy(g);
	g->model = m_sl_lossy;
}

static void s_sl_lossy_short(struct gen *g)
{
	s_sl_lossy(g);
	g->duration_ms = 3600000;
}

static void s_loss_step10(struct gen *g)
{
	members(g, "wan", CLASS_LAN, "lte", CLASS_CELLULAR);
	g->duration_ms = 700000, g->model = m_loss_step10;
	fault_at(g, 300000, 500000, "loss_0_10pct");
	/* 6 probes/s: 2.8-27.4 s over seeds 1-6, the limit of a test that
	 * raises 0.01 false alarms a day (docs/ENGINE.md) */
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=30000 max_false=0 max_switches=2");
}

static void s_sl_recurring(struct gen *g)
{
	members(g, "starlink", CLASS_STARLINK, "lte", CLASS_CELLULAR);
	g->duration_ms = 4800000, g->model = m_sl_recurring;
	/* the traffic moves to the backup: both probed at the primary cadence
	 * (a standby probed every 5 s gives the engine less evidence, not more) */
	daemon_cadence(g, true);
	uint64_t r = g->seed * 0x9e3779b97f4a7c15ULL + 77;
	mark(g, 120000, "fault", g->m[0].name, "recurring_obstruction_1h");
	for (int64_t t = 120000; t < 3720000 && g->ndrops < MAX_DROPS;) {
		int64_t len = 2000 + (int64_t)(sim_uniform(&r) * 3000);
		g->drop_t[g->ndrops] = t;
		g->drop_end[g->ndrops] = t + len;
		g->ndrops++;
		mark(g, t, "truth", g->m[0].name, "bad");
		mark(g, t + len, "truth", g->m[0].name, "warn");	/* answers, not to be trusted */
		t += 120000 + (int64_t)(sim_uniform(&r) * 240000);
	}
	mark(g, 3720000, "truth", g->m[0].name, "good");
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=3000 max_switches=2 max_false=0");
}

static void s_noisy_dc(struct gen *g) { s_noisy_short(g); daemon_cadence(g, false); }
static void s_sl_healthy_dc(struct gen *g) { s_sl_healthy_short(g); daemon_cadence(g, false); }
static void s_sl_lossy_dc(struct gen *g) { s_sl_lossy_short(g); daemon_cadence(g, false); }

static void s_loss_step10_dc(struct gen *g)
{
	s_loss_step10(g);
	daemon_cadence(g, false);
	/* 2 probes/s: 23-135 s over seeds 1-6 or not within the 200 s step (seed 5) */
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=150000 max_false=0 max_switches=2");
}

static void s_lat_step_dc(struct gen *g)
{
	s_lat_step(g);
	daemon_cadence(g, false);
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=6000 max_false=0 max_switches=2");
}

static void s_lat_ramp_dc(struct gen *g)
{
	s_lat_ramp(g);
	daemon_cadence(g, false);
}

static void s_loss_ramp_dc(struct gen *g)
{
	s_loss_ramp(g);
	daemon_cadence(g, false);
	/* 2 probes/s: 35-76 s into the ramp over seeds 1-6 (loss 11-20 %) */
	snprintf(g->goals, sizeof(g->goals), "switch_before_ms=380000 max_false=0 max_switches=2");
}

static void s_flap_dc(struct gen *g)
{
	s_flap(g);
	daemon_cadence(g, true);
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=3000 max_switches=2 max_false=0");
}

static void s_sl_outage_dc(struct gen *g)
{
	s_sl_outage(g);
	daemon_cadence(g, false);
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=3000 max_false=0 max_switches=2");
}

static void s_cell_fade_dc(struct gen *g)
{
	s_cell_fade(g);
	daemon_cadence(g, false);
}

static const struct scen scens[] = {
	{ "healthy_noisy_24h", true, s_noisy },
	{ "healthy_starlink_24h", true, s_sl_healthy },
	{ "healthy_noisy_1h", false, s_noisy_short },
	{ "healthy_starlink_1h", false, s_sl_healthy_short },
	{ "hard_outage", false, s_outage },
	{ "hard_outage_daemon_cadence", false, s_outage_daemon },
	{ "loss_step_daemon_cadence", false, s_loss_step_daemon },
	{ "link_down", false, s_link_down },
	{ "starlink_outage", false, s_sl_outage },
	{ "latency_step", false, s_lat_step },
	{ "loss_step", false, s_loss_step },
	{ "congestion_ramp", false, s_lat_ramp },
	{ "loss_ramp", false, s_loss_ramp },
	{ "flapping", false, s_flap },
	{ "starlink_obstruction_bursts", false, s_sl_bursts },
	{ "starlink_obstruction_rising", false, s_sl_obstruction },
	{ "starlink_reboot", false, s_sl_reboot },
	{ "cellular_fade", false, s_cell_fade },
	{ "all_bad", false, s_all_bad },
	{ "healthy_starlink_lossy_24h", true, s_sl_lossy },
	{ "healthy_starlink_lossy_1h", false, s_sl_lossy_short },
	{ "loss_step10", false, s_loss_step10 },
	{ "starlink_obstruction_recurring_dc", false, s_sl_recurring },
	{ "healthy_noisy_1h_dc", false, s_noisy_dc },
	{ "healthy_starlink_1h_dc", false, s_sl_healthy_dc },
	{ "healthy_starlink_lossy_1h_dc", false, s_sl_lossy_dc },
	{ "latency_step_dc", false, s_lat_step_dc },
	{ "loss_step10_dc", false, s_loss_step10_dc },
	{ "congestion_ramp_dc", false, s_lat_ramp_dc },
	{ "loss_ramp_dc", false, s_loss_ramp_dc },
	{ "flapping_dc", false, s_flap_dc },
	{ "starlink_outage_dc", false, s_sl_outage_dc },
	{ "cellular_fade_dc", false, s_cell_fade_dc },
};

static int adaptive_ms;	/* --adaptive */

/* --cadence: every scenario's members at this cadence (targets 0: keep) */
static struct {
	int targets, round_ms, standby_ms;
} cad;

/* ---- emission ---- */

static bool sl_boundary(struct gen *g, int64_t t)
{
	int64_t utc = UTC_START_MS + t, period = 15000;
	int64_t k = (utc - 12000) / period;	/* boundary index at or before */
	for (int64_t b = k; b <= k + 1; b++) {
		uint64_t h = (uint64_t)b * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
		double centre = (double)(b * period + 12000) + (double)(h % 101) - 50;
		if (fabs((double)utc - centre) <= 75)
			return true;
	}
	return false;
}

static void feed_engine(struct gen *g, int mi, int64_t t, int lost, int nt, double rtt, bool up)
{
	if (!g->eng)
		return;
	struct sample s;
	sample_init(&s, t);
	s.loss_pct = 100.0 * lost / nt;
	s.probes_sent = nt;
	s.latency_ms = lost < nt ? rtt : NAN;
	s.link_up = up ? TRI_UNKNOWN : TRI_FALSE;
	engine_observe(g->eng, mi, &s);
	engine_decide(g->eng, t, NULL);
}

/* One probe round; true when every probe was lost. */
static bool emit_round(struct gen *g, int mi, int64_t t)
{
	struct gmember *m = &g->m[mi];
	struct link l = m->base;
	g->model(g, mi, t, &l);
	g->rounds[mi]++;
	g->probes[mi] += m->targets;
	if (!l.up) {
		fprintf(g->f, "%lld %s up=0 loss_pct=100 probes=%d\n", (long long)t, m->name, m->targets);
		feed_engine(g, mi, t, m->targets, m->targets, NAN, false);
		return true;
	}
	int nt = m->targets;
	bool noise = l.sl_noise && sl_boundary(g, t);
	int lost_one = noise && sim_uniform(&g->rng) < 0.8 ? (int)(sim_rand(&g->rng) % (unsigned)nt) : -1;
	int lost = 0;
	double sum = 0;
	for (int k = 0; k < nt; k++) {
		double u = sim_uniform(&g->rng), j = (sim_uniform(&g->rng) * 2 - 1) * l.jitter_ms;
		if (k == lost_one || u < l.loss) {
			lost++;
			continue;
		}
		double rtt = l.rtt_ms + j + (noise ? 30 + 20 * sim_uniform(&g->rng) : 0);
		sum += rtt < 1 ? 1 : rtt;
	}
	if (lost == nt)
		fprintf(g->f, "%lld %s loss_pct=100 probes=%d\n", (long long)t, m->name, nt);
	else
		fprintf(g->f, "%lld %s loss_pct=%.1f rtt_ms=%.1f probes=%d\n", (long long)t, m->name,
			100.0 * lost / nt, sum / (nt - lost), nt);
	feed_engine(g, mi, t, lost, nt, lost < nt ? sum / (nt - lost) : NAN, true);
	return lost == nt;
}

#define ADAPTIVE_BUDGET_ROUNDS 40	/* extra rounds per member per minute */

/* --adaptive: the next round of a suspect member, or -1 (regular cadence). */
static int64_t adaptive_next(struct gen *g, int mi, int64_t t)
{
	struct engine_score_info si;
	if (!g->eng || engine_member_score(g->eng, mi, &si) || !si.suspect)
		return -1;
	if (t - g->budget_t0_ms[mi] >= 60000)
		g->budget_t0_ms[mi] = t, g->budget_used[mi] = 0;
	if (g->budget_used[mi] >= ADAPTIVE_BUDGET_ROUNDS ||
	    g->adaptive_ms >= g->m[mi].round_ms)
		return -1;
	g->budget_used[mi]++;
	g->extra_rounds[mi]++;
	g->extra_probes[mi] += g->m[mi].targets;
	return t + g->adaptive_ms;
}

static void emit_status(struct gen *g, int mi, int64_t t)
{
	struct gmember *m = &g->m[mi];
	struct link l = m->base;
	g->model(g, mi, t, &l);
	if (m->cls == CLASS_STARLINK) {
		fprintf(g->f, "%lld %s obstruction_pct=%.2f obstructed=%d outage=%d update_state=%d",
			(long long)t, m->name, l.obstruction_pct, l.obstructed, l.outage, l.update_state);
		if (!isnan(l.reboot_in_s))
			fprintf(g->f, " reboot_in_s=%.0f", l.reboot_in_s);
		fputc('\n', g->f);
	} else if (m->cls == CLASS_CELLULAR) {
		fprintf(g->f, "%lld %s rsrp_dbm=%.1f sinr_db=%.1f roaming=0\n", (long long)t, m->name,
			l.rsrp_dbm + (sim_uniform(&g->rng) * 4 - 2), l.sinr_db);
	} else if (m->cls == CLASS_WIFI) {
		fprintf(g->f, "%lld %s signal_dbm=%.0f\n", (long long)t, m->name, l.wifi_dbm);
	}
}

static int status_period(enum member_class c)
{
	return c == CLASS_STARLINK ? 2000 : c == CLASS_LAN ? 0 : 5000;
}

static int mark_cmp(const void *a, const void *b)
{
	const struct mark *x = a, *y = b;
	if (x->t_ms != y->t_ms)
		return x->t_ms < y->t_ms ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int generate(const struct scen *sc, const char *dir, uint64_t seed)
{
	struct gen g = { .scenario = sc->name, .seed = seed };
	char path[512];
	sc->setup(&g);
	if (cad.targets > 0) {
		g.m[0].round_ms = cad.round_ms;
		g.m[1].round_ms = cad.standby_ms;
		g.m[0].targets = g.m[1].targets = cad.targets;
		g.fast_rounds = true;
	}
	/* stable by time: marks are added in a meaningful order at equal times */
	for (int i = 0; i < g.nmarks; i++)
		g.marks[i].t_ms = g.marks[i].t_ms * MAX_MARKS + i;
	qsort(g.marks, (size_t)g.nmarks, sizeof(g.marks[0]), mark_cmp);
	for (int i = 0; i < g.nmarks; i++)
		g.marks[i].t_ms /= MAX_MARKS;
	/* one stream per scenario, reproducible whatever else is generated */
	g.rng = seed;
	for (const char *p = sc->name; *p; p++)
		g.rng = g.rng * 131 + (unsigned char)*p;
	snprintf(path, sizeof(path), "%s/%s.trace", dir, sc->name);
	g.f = fopen(path, "w");
	if (!g.f) {
		fprintf(stderr, "starfail-tracegen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(g.f, "starfail-trace 1\n# scenario %s, generated by starfail-tracegen --seed %llu\n",
		sc->name, (unsigned long long)seed);
	fprintf(g.f, "utc_start_ms %lld\n", UTC_START_MS);
	for (int i = 0; i < g.n; i++)
		fprintf(g.f, "member %s class=%s priority=%d weight=50\n", g.m[i].name,
			class_name(g.m[i].cls), g.m[i].priority);
	if (g.goals[0])
		fprintf(g.f, "goal %s\n", g.goals);
	if (adaptive_ms > 0) {
		struct engine_params ep;
		struct engine_member em[2];
		char err[128];
		engine_params_defaults(&ep);
		memset(em, 0, sizeof(em));
		for (int i = 0; i < g.n; i++) {
			snprintf(em[i].name, sizeof(em[i].name), "%s", g.m[i].name);
			em[i].cls = g.m[i].cls, em[i].priority = g.m[i].priority;
			em[i].weight = 50, em[i].enabled = true;
		}
		g.adaptive_ms = adaptive_ms;
		g.eng = engine_create(&ep, em, g.n, err, sizeof(err));
		if (!g.eng) {
			fprintf(stderr, "starfail-tracegen: engine: %s\n", err);
			fclose(g.f);
			return -1;
		}
		fprintf(g.f, "# adaptive probing: a member the engine marks suspect is probed every %d ms\n",
			adaptive_ms);
	}
	for (int i = 0; i < g.n; i++) {
		g.m[i].next_round_ms = (int64_t)(sim_uniform(&g.rng) * ROUND_MS);
		g.m[i].next_status_ms = status_period(g.m[i].cls) ? 0 : INT64_MAX;
	}
	int mk = 0;
	for (;;) {
		int64_t t = INT64_MAX;
		int who = -1, what = 0;
		if (mk < g.nmarks)
			t = g.marks[mk].t_ms, what = 2;
		for (int i = 0; i < g.n; i++) {
			if (g.m[i].next_status_ms < t)
				t = g.m[i].next_status_ms, who = i, what = 1;
			if (g.m[i].next_round_ms < t)
				t = g.m[i].next_round_ms, who = i, what = 0;
		}
		if (t > g.duration_ms)
			break;
		if (what == 2) {
			fprintf(g.f, "%s\n", g.marks[mk++].text);
		} else if (what == 1) {
			emit_status(&g, who, t);
			g.m[who].next_status_ms += status_period(g.m[who].cls);
		} else {
			struct gmember *m = &g.m[who];
			bool all_lost = emit_round(&g, who, t);
			int64_t next = adaptive_next(&g, who, t);
			if (g.fast_rounds && all_lost && m->fast_left > 0) {
				m->fast_left--;
				m->next_round_ms = t + 600;
			} else if (next >= 0) {
				m->next_round_ms = next;
			} else {
				if (!all_lost)
					m->fast_left = 3;
				m->next_round_ms += m->round_ms + (int64_t)(sim_uniform(&g.rng) * 21) - 10;
			}
		}
	}
	if (g.eng) {
		for (int i = 0; i < g.n; i++)
			fprintf(stderr, "%s: %s probes=%ld adaptive_extra_probes=%ld (%.1f %%)\n",
				sc->name, g.m[i].name, g.probes[i], g.extra_probes[i],
				g.probes[i] ? 100.0 * g.extra_probes[i] / g.probes[i] : 0.0);
		engine_destroy(g.eng);
	}
	if (fclose(g.f)) {
		fprintf(stderr, "starfail-tracegen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1;
	bool want_long = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			char *end;
			errno = 0;
			seed = strtoull(argv[++i], &end, 10);
			if (errno || *end) {
				fprintf(stderr, "starfail-tracegen: bad seed\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "--cadence") && i + 1 < argc) {
			int tg, r, sb = 5000, k = sscanf(argv[++i], "%d,%d,%d", &tg, &r, &sb);
			if (k < 2 || tg < 1 || tg > 8 || r < 100 || r > 600000 || sb < 100 || sb > 600000) {
				fprintf(stderr, "starfail-tracegen: --cadence TARGETS,ROUND_MS[,STANDBY_MS]: "
					"1-8 targets, 100-600000 ms\n");
				return 2;
			}
			cad.targets = tg, cad.round_ms = r, cad.standby_ms = sb;
		} else if (!strcmp(argv[i], "--adaptive") && i + 1 < argc) {
			char *end;
			errno = 0;
			long v = strtol(argv[++i], &end, 10);
			if (errno || *end || v < 100 || v > 10000) {
				fprintf(stderr, "starfail-tracegen: --adaptive MS: 100-10000\n");
				return 2;
			}
			adaptive_ms = (int)v;
		} else if (!strcmp(argv[i], "--long")) {
			want_long = true;
		} else if (!strcmp(argv[i], "--list")) {
			for (size_t k = 0; k < sizeof(scens) / sizeof(scens[0]); k++)
				printf("%s%s\n", scens[k].name, scens[k].is_long ? " (--long)" : "");
			return 0;
		} else {
			fprintf(stderr, "usage: starfail-tracegen [--seed N] [--long] [--list] [--cadence T,R[,S]] [--adaptive MS] OUTDIR [SCENARIO...]\n");
			return 2;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: starfail-tracegen [--seed N] [--long] [--list] [--cadence T,R[,S]] [--adaptive MS] OUTDIR [SCENARIO...]\n");
		return 2;
	}
	const char *dir = argv[i++];
	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "starfail-tracegen: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	int rc = 0;
	for (size_t k = 0; k < sizeof(scens) / sizeof(scens[0]); k++) {
		bool named = i == argc;
		for (int j = i; j < argc; j++)
			named |= !strcmp(argv[j], scens[k].name);
		if (!named || (scens[k].is_long && !want_long && i == argc))
			continue;
		if (generate(&scens[k], dir, seed))
			rc = 1;
	}
	return rc;
}
