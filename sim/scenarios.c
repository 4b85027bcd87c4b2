/*
 * scenarios.c - the corpus of starfail-tracegen: per scenario, the members,
 * the link model over time, the truth and fault marks and the goals the
 * engine must meet (docs/ENGINE.md "Trace corpus" lists them all).
 */
#include <math.h>
#include <string.h>

#include "tracegen.h"

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
	/* a third of the probes, faster on suspicion (adaptive evidence): 1.3-15.7 s
	 * over seeds 1-40, median 4.2 (without it: 5-39 s) */
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=16000 max_false=0 max_switches=2");
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
	/* 2 probes/s, faster on suspicion: 2.6-37 s over seeds 1-40, median 12.9
	 * (without adaptive evidence 15-200 s) */
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=45000 max_false=0 max_switches=2");
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
	/* 2 probes/s: 22-57 s into the ramp over seeds 1-40 (median 33) */
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

/* The lab's case (bench/failover_lab.py): a clean wired primary (no
 * background loss, so the learned baseline is the floor) at the daemon's
 * cadence, and a loss step of 20 % or 10 % at 300 s. */
static void s_loss_step_clean_dc(struct gen *g)
{
	s_loss_step_daemon(g);
	g->m[0].base.loss = 0;
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=16000 max_false=0 max_switches=2");
}

static void s_loss_step10_clean_dc(struct gen *g)
{
	s_loss_step10_dc(g);
	g->m[0].base.loss = 0;
	snprintf(g->goals, sizeof(g->goals), "max_delay_ms=45000 max_false=0 max_switches=2");
}

const struct scen scens[] = {
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
	{ "cellular_fade_wifi_dc", false, s_cell_fade_wifi_dc },
	{ "bad_radio_backup_dc", false, s_bad_radio_backup_dc },
	{ "bad_radio_only_backup_dc", false, s_bad_radio_only_backup_dc },
	{ "cellular_drive_1h_dc", false, s_cell_drive_1h_dc },
	{ "loss_step_clean_dc", false, s_loss_step_clean_dc },
	{ "loss_step10_clean_dc", false, s_loss_step10_clean_dc },
};

const size_t n_scens = sizeof(scens) / sizeof(scens[0]);
