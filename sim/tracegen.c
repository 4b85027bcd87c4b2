/*
 * starfail-tracegen - the seeded generator of the trace corpus.
 *
 *   starfail-tracegen [--seed N] [--long] [--list] [--cadence T,R[,S]] [--adaptive MS]
 *                     OUTDIR [SCENARIO...]
 *
 * Writes OUTDIR/<scenario>.trace for every scenario (or the ones named).
 * --long also writes the 24 h healthy traces (about 10 MB each), which are
 * therefore generated at test/bench time and not kept in the repository.
 * Adaptive evidence is on by default, as in the daemon: the engine
 * (defaults) runs on the rounds as they are generated, and a member it
 * marks suspect is probed by the prober's own rule (probe_boost.c with the
 * defaults of probe_boost_interval_ms, _hold_ms and _budget_kb_day; a
 * confirmation round after a fully lost one waits the prober's confirmation
 * timeout); the extra probes are reported on stderr. --adaptive MS sets the
 * boost interval, --adaptive 0 turns it off (the traces as before).
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
 *     rounds 600 ms apart after a fully lost round) plus a uniform +-10 ms
 *     drift (real timers drift, so round phases cover the Starlink slot
 *     boundaries over time);
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
 *     must achieve (the goals of the issue at default settings);
 *   - the cellular scenarios (scenarios_cell.c: up to 3 members, a modelled
 *     radio) probe by role as the daemon does (the engine's primary and
 *     members not good at the primary cadence), feed the engine the status
 *     samples too, and report a link's return (up=1); the older scenarios
 *     keep their fixed cadence and are byte-identical to before.
 * The same seed always gives byte-identical files.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "probe.h"
#include "tracegen.h"

#define USAGE "usage: starfail-tracegen [--seed N] [--long] [--list] [--cadence T,R[,S]]" \
	      " [--adaptive MS] OUTDIR [SCENARIO...]\n"

static int adaptive_ms = -1;	/* --adaptive; -1: probe_boost_interval_ms's default */

#define PROBE_TIMEOUT_MS 600	/* probe_timeout_ms's default: a lost round lasts this */

/* The default of a probe option (probe_options[], the daemon's table). */
static int probe_default(const char *name)
{
	for (const struct cfg_option *o = probe_options; o->name; o++)
		if (!strcmp(o->name, name) && o->def)
			return (int)strtol(o->def, NULL, 10);
	fprintf(stderr, "starfail-tracegen: no probe option %s\n", name);
	exit(2);
}

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

static void feed_engine(struct gen *g, int mi, int64_t t, int lost, int nt, double rtt,
			enum tri up)
{
	if (!g->eng)
		return;
	struct sample s;
	sample_init(&s, t);
	s.loss_pct = 100.0 * lost / nt;
	s.probes_sent = nt;
	s.latency_ms = lost < nt ? rtt : NAN;
	s.link_up = up;
	engine_observe(g->eng, mi, &s);
	engine_decide(g->eng, t, NULL);
	/* what the daemon does after each decision (daemon_decide) */
	for (int i = 0; i < g->n; i++) {
		struct engine_score_info si;
		/* only a member probed at the primary cadence boosts (role_of()) */
		bool suspect = engine_member_score(g->eng, i, &si) == 0 && si.suspect &&
			       (si.primary || (si.state != MS_GOOD && si.state != MS_DISABLED));
		probe_boost_request(&g->boost[i], t, suspect ? t + g->boost[i].cfg.hold_ms : 0);
	}
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
		g->last_lost[mi] = m->targets;
		fprintf(g->f, "%lld %s up=0 loss_pct=100 probes=%d\n", (long long)t, m->name, m->targets);
		feed_engine(g, mi, t, m->targets, m->targets, NAN, TRI_FALSE);
		g->link_down[mi] = g->follow_primary;
		return true;
	}
	/* the link monitor reports the link's return (the older scenarios never
	 * did: their link stays down for the engine once it went down) */
	enum tri up = TRI_UNKNOWN;
	if (g->link_down[mi]) {
		up = TRI_TRUE;
		g->link_down[mi] = false;
		fprintf(g->f, "%lld %s up=1\n", (long long)t, m->name);
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
	feed_engine(g, mi, t, lost, nt, lost < nt ? sum / (nt - lost) : NAN, up);
	g->last_lost[mi] = lost;
	return lost == nt;
}

/* The prober's estimate of a round's bytes: IPv4 ICMP, 16 bytes payload, both ways. */
static double round_bytes(const struct gmember *m)
{
	return m->targets * 2.0 * (20 + 8 + 16);
}

/* A status sample to the engine (follow_primary scenarios: the engine's
 * choice drives the cadence, so it must see what the daemon's would). */
static void feed_status(struct gen *g, int mi, struct sample *s)
{
	if (!g->eng || !g->follow_primary)
		return;
	engine_observe(g->eng, mi, s);
	engine_decide(g->eng, s->t_ms, NULL);
}

static void emit_status(struct gen *g, int mi, int64_t t)
{
	struct gmember *m = &g->m[mi];
	struct link l = m->base;
	struct sample s;
	g->model(g, mi, t, &l);
	sample_init(&s, t);
	if (m->cls == CLASS_STARLINK) {
		fprintf(g->f, "%lld %s obstruction_pct=%.2f obstructed=%d outage=%d update_state=%d",
			(long long)t, m->name, l.obstruction_pct, l.obstructed, l.outage, l.update_state);
		if (!isnan(l.reboot_in_s))
			fprintf(g->f, " reboot_in_s=%.0f", l.reboot_in_s);
		fputc('\n', g->f);
		s.sl.obstruction_pct = l.obstruction_pct;
		s.sl.currently_obstructed = l.obstructed ? TRI_TRUE : TRI_FALSE;
		s.sl.outage_cause = l.outage;
		s.sl.software_update_state = l.update_state;
		s.sl.reboot_in_s = l.reboot_in_s;
	} else if (m->cls == CLASS_CELLULAR) {
		/* what the trace says, rounded as written */
		char line[128];
		snprintf(line, sizeof(line), "rsrp_dbm=%.1f sinr_db=%.1f",
			 l.rsrp_dbm + (sim_uniform(&g->rng) * 4 - 2), l.sinr_db);
		fprintf(g->f, "%lld %s %s roaming=0\n", (long long)t, m->name, line);
		if (sscanf(line, "rsrp_dbm=%lf sinr_db=%lf", &s.cell.rsrp_dbm, &s.cell.sinr_db) != 2)
			return;
		s.cell.roaming = TRI_FALSE;
	} else if (m->cls == CLASS_WIFI) {
		fprintf(g->f, "%lld %s signal_dbm=%.0f\n", (long long)t, m->name, l.wifi_dbm);
		s.wifi.signal_dbm = round(l.wifi_dbm);
	} else {
		return;
	}
	feed_status(g, mi, &s);
}

/* The member's regular round interval: by role when the cadence follows the
 * engine (the daemon's role_of(): the primary and a member that is not good
 * are probed at the primary cadence), else its own. */
static int round_interval(const struct gen *g, int mi)
{
	if (!g->follow_primary || !g->eng)
		return g->m[mi].round_ms;
	struct engine_score_info si;
	bool primary = engine_primary(g->eng) == mi ||
		       (engine_member_score(g->eng, mi, &si) == 0 && si.state != MS_GOOD &&
			si.state != MS_DISABLED);
	return primary ? g->m[0].round_ms : g->m[1].round_ms;
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
		for (int i = 0; i < g.n; i++) {
			g.m[i].round_ms = i ? cad.standby_ms : cad.round_ms;
			g.m[i].targets = cad.targets;
		}
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
		cell_radio_free(&g);
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
		struct engine_member em[GEN_MAX_MEMBERS];
		char err[128];
		engine_params_defaults(&ep);
		memset(em, 0, sizeof(em));
		for (int i = 0; i < g.n; i++) {
			snprintf(em[i].name, sizeof(em[i].name), "%s", g.m[i].name);
			em[i].cls = g.m[i].cls, em[i].priority = g.m[i].priority;
			em[i].weight = 50, em[i].enabled = true;
		}
		struct probe_boost_cfg bc = {
			.interval_ms = adaptive_ms, .hold_ms = probe_default("probe_boost_hold_ms"),
			.budget_kb_day = probe_default("probe_boost_budget_kb_day"),
		};
		for (int i = 0; i < g.n; i++)
			probe_boost_init(&g.boost[i], &bc);
		g.eng = engine_create(&ep, em, g.n, err, sizeof(err));
		if (!g.eng) {
			fprintf(stderr, "starfail-tracegen: engine: %s\n", err);
			cell_radio_free(&g);
			fclose(g.f);
			return -1;
		}
		fprintf(g.f, "# adaptive evidence: a member the engine marks suspect is probed every %d ms"
			" (budget %d kB/day)\n", adaptive_ms, bc.budget_kb_day);
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
			bool was_confirm = g.confirm[who];
			g.confirm[who] = false;
			/* adaptive: a round with a lost probe lasts its timeout (the
			 * short one for confirmation rounds), the next starts after it */
			int64_t busy_until = t;
			if (g.eng && g.last_lost[who] > 0) {
				struct link l = m->base;
				g.model(&g, who, t, &l);
				busy_until = t + (was_confirm ? probe_boost_confirm_timeout_ms(
						&g.boost[who], PROBE_TIMEOUT_MS, l.rtt_ms + l.jitter_ms) :
						PROBE_TIMEOUT_MS);
			}
			if (g.fast_rounds && all_lost && m->fast_left > 0) {
				/* the next round starts when this one timed out */
				m->fast_left--;
				m->next_round_ms = g.eng ? busy_until : t + PROBE_TIMEOUT_MS;
				g.confirm[who] = true;
			} else {
				if (!all_lost)
					m->fast_left = 3;
				int64_t regular = t + round_interval(&g, who) +
						  (int64_t)(sim_uniform(&g.rng) * 21) - 10;
				bool boosted = false;
				m->next_round_ms = g.eng ? probe_boost_next(&g.boost[who], t, regular,
									 round_bytes(m), t, &boosted) : regular;
				if (m->next_round_ms < busy_until)
					m->next_round_ms = busy_until;
				if (boosted)
					g.extra_probes[who] += m->targets;
				g.confirm[who] = boosted;
			}
		}
	}
	if (g.eng) {
		for (int i = 0; i < g.n; i++)
			fprintf(stderr, "%s: %s probes=%ld adaptive_extra_probes=%ld (%.2f %%) "
				"extra_bytes_per_day=%.0f\n", sc->name, g.m[i].name, g.probes[i],
				g.extra_probes[i], g.probes[i] ? 100.0 * g.extra_probes[i] / g.probes[i] : 0.0,
				(double)g.boost[i].bytes * 86400000.0 / (double)g.duration_ms);
		engine_destroy(g.eng);
	}
	cell_radio_free(&g);
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
			if (errno || *end || (v != 0 && v < 100) || v > 10000) {
				fprintf(stderr, "starfail-tracegen: --adaptive MS: 0 (off) or 100-10000\n");
				return 2;
			}
			adaptive_ms = (int)v;
		} else if (!strcmp(argv[i], "--long")) {
			want_long = true;
		} else if (!strcmp(argv[i], "--list")) {
			for (size_t k = 0; k < n_scens; k++)
				printf("%s%s\n", scens[k].name, scens[k].is_long ? " (--long)" : "");
			return 0;
		} else {
			fputs(USAGE, stderr);
			return 2;
		}
	}
	if (i >= argc) {
		fputs(USAGE, stderr);
		return 2;
	}
	if (adaptive_ms < 0)
		adaptive_ms = probe_default("probe_boost_interval_ms");
	const char *dir = argv[i++];
	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "starfail-tracegen: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	int rc = 0;
	for (size_t k = 0; k < n_scens; k++) {
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
