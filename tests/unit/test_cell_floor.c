/*
 * test_cell_floor.c - the engine's radio floor with the figures the
 * cellular collector makes of recorded modem output (tests/data/cellular:
 * parsed by cell_parse_*, turned into sample.cell by cell_info_to_sample,
 * sent at the collector's default 10 s cadence): when the wired primary
 * dies, a backup below the floor (RutOS ubus: RSRP -105 dBm, SINR -13 dB)
 * is refused while a usable one above it exists (RutOS 7 gsmctl: -75 dBm,
 * 23 dB), whatever their tiers; with nothing above the floor it is still
 * used. Fake clock, deterministic probe rounds.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cell_parse.h"
#include "engine.h"

#define ROUND_MS 500
#define CELL_MS 10000

struct rig {
	struct engine *e;
	struct engine_params p;
	bool dead[3];
	struct cellular_metrics cell[3];	/* what the collector sends, per member */
	struct engine_decision d;
};

static struct cellular_metrics recorded(const char *file, cell_parse_fn fn)
{
	char path[256], buf[4096], err[128];
	snprintf(path, sizeof(path), "tests/data/cellular/%s", file);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	struct cell_info ci;
	cell_info_init(&ci);
	assert_true(fn(buf, n, &ci, err, sizeof(err)) > 0);
	struct cellular_metrics cm;
	memset(&cm, 0, sizeof(cm));
	cell_info_to_sample(&ci, &cm);
	return cm;
}

static void rig_init(struct rig *r, struct cellular_metrics lte1, struct cellular_metrics lte2)
{
	memset(r, 0, sizeof(*r));
	engine_params_defaults(&r->p);
	struct engine_member m[3] = {
		{ .name = "wan", .cls = CLASS_LAN, .priority = 1, .weight = 50, .enabled = true },
		{ .name = "mob1s1a1", .cls = CLASS_CELLULAR, .priority = 2, .weight = 50, .enabled = true },
		{ .name = "mob2s1a1", .cls = CLASS_CELLULAR, .priority = 3, .weight = 50, .enabled = true },
	};
	char err[128];
	r->e = engine_create(&r->p, m, 3, err, sizeof(err));
	assert_non_null(r->e);
	r->cell[1] = lte1;
	r->cell[2] = lte2;
}

/* Rounds of every member every ROUND_MS and the modems' figures every CELL_MS, a decision after each. */
static void rig_run(struct rig *r, int64_t from, int64_t to)
{
	for (int64_t t = from; t <= to; t += ROUND_MS) {
		for (int i = 0; i < 3; i++) {
			struct sample s;
			sample_init(&s, t + i);
			s.probes_sent = 3;
			s.loss_pct = r->dead[i] ? 100 : 0;
			s.latency_ms = r->dead[i] ? NAN : 30 + 5 * i;
			assert_int_equal(engine_observe(r->e, i, &s), 0);
			if (i > 0 && t % CELL_MS == 0) {
				sample_init(&s, t + i);
				s.cell = r->cell[i];
				assert_int_equal(engine_observe(r->e, i, &s), 0);
			}
			engine_decide(r->e, t + i, &r->d);
		}
	}
}

static bool below(struct rig *r, int i)
{
	struct engine_score_info si;
	assert_int_equal(engine_member_score(r->e, i, &si), 0);
	return si.below_radio_floor;
}

static void test_backup_below_floor_refused(void **state)
{
	(void)state;
	struct cellular_metrics weak = recorded("ubus_lte.ubus_signal", cell_parse_ubus_signal);
	struct cellular_metrics good = recorded("gsmctl_rutos7.gsmctl_signal", cell_parse_gsmctl_signal);
	assert_float_equal(weak.rsrp_dbm, -105, 1e-9);	/* above the -110 dBm floor ... */
	assert_float_equal(weak.sinr_db, -13, 1e-9);	/* ... but SINR under 0 dB */
	assert_float_equal(good.rsrp_dbm, -75, 1e-9);
	assert_float_equal(good.sinr_db, 23, 1e-9);

	struct rig r;
	rig_init(&r, weak, good);
	rig_run(&r, 0, 60000);
	assert_int_equal(r.d.primary, 0);
	assert_true(below(&r, 1));
	assert_false(below(&r, 2));
	r.dead[0] = true;
	rig_run(&r, 60500, 75000);
	assert_int_equal(r.d.primary, 2);	/* mob2s1a1 despite its worse tier */
	/* and it stays refused while the other one is usable */
	rig_run(&r, 75500, 200000);
	assert_int_equal(r.d.primary, 2);
	engine_destroy(r.e);

	/* nothing above the floor: the backup below it is still used */
	rig_init(&r, weak, weak);
	rig_run(&r, 0, 60000);
	r.dead[0] = true;
	rig_run(&r, 60500, 75000);
	assert_int_equal(r.d.primary, 1);
	engine_destroy(r.e);

	/* the one above the floor down too: the one below it takes over */
	rig_init(&r, weak, good);
	rig_run(&r, 0, 60000);
	r.dead[0] = r.dead[2] = true;
	rig_run(&r, 60500, 75000);
	assert_int_equal(r.d.primary, 1);
	engine_destroy(r.e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backup_below_floor_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
