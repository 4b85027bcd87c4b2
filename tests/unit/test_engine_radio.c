/*
 * test_engine_radio.c - the cellular radio is a gate, not a trigger (issue
 * 9), with a fake clock: a backup below the radio floor is passed over
 * while one above it is usable; the floor counts only after
 * radio_floor_dwell_ms under it; a cellular primary below it leaves for a
 * member above it; RSRP slope prediction is off by default.
 */
#include "engine_rig.h"

/* ---- cellular radio: a gate, not a trigger ---- */

static void fill_radio(struct sample *s, double rsrp)
{
	s->cell.rsrp_dbm = rsrp;
	s->cell.sinr_db = 10;
	s->cell.roaming = TRI_FALSE;
}

static struct rig *rig3(void)
{
	struct engine_member m[3] = {
		{ .name = "wan", .cls = CLASS_LAN, .priority = 1, .weight = 50, .enabled = true },
		{ .name = "lte1", .cls = CLASS_CELLULAR, .priority = 2, .weight = 50, .enabled = true },
		{ .name = "lte2", .cls = CLASS_CELLULAR, .priority = 3, .weight = 50, .enabled = true },
	};
	return rig_new(NULL, m, 3);
}

static void test_radio_floor_gates_the_backup(void **st)
{
	struct rig *r = rig3();
	for (int64_t t = 0; t <= 60000; t += 5000) {
		rig_run(r, t, false);
		rig_status(r, 1, fill_radio, -115);	/* the preferred backup is under the floor */
		rig_status(r, 2, fill_radio, -90);
	}
	assert_true(rig_info(r, 1).below_radio_floor);
	assert_false(rig_info(r, 2).below_radio_floor);
	r->l[0].dead = true;
	assert_true(rig_run(r, 70000, true) > 0);
	assert_int_equal(r->d.primary, 2);	/* lte2 despite its worse tier */
	engine_destroy(r->e);

	/* with nothing above the floor the member below it is still used */
	r = rig3();
	for (int64_t t = 0; t <= 60000; t += 5000) {
		rig_run(r, t, false);
		rig_status(r, 1, fill_radio, -115);
		rig_status(r, 2, fill_radio, -118);
	}
	r->l[0].dead = true;
	assert_true(rig_run(r, 70000, true) > 0);
	assert_int_equal(r->d.primary, 1);
	engine_destroy(r->e);
}

/* One reading under the floor (a dip while driving) closes no gate: the
 * radio must stay under it for radio_floor_dwell_ms; a reading clearly over
 * it (floor + hysteresis) in between starts the dwell again. */
static void test_radio_floor_dwell(void **st)
{
	struct rig *r = rig2(NULL, CLASS_CELLULAR, CLASS_WIFI);
	int64_t t = 0;
	assert_true(r->p.radio_floor_dwell_ms == 5000);
	for (; t <= 60000; t += 5000) {	/* warm up above the floor */
		rig_run(r, t, true);
		rig_status(r, 0, fill_radio, -95);
	}
	for (int i = 0; i < 20; i++, t += 2500) {
		/* under, then clearly over, alternately: never 5 s under in a row */
		rig_run(r, t, true);
		rig_status(r, 0, fill_radio, i % 2 ? r->p.radio_floor_rsrp_dbm + r->p.radio_floor_hysteresis_db
						   : r->p.radio_floor_rsrp_dbm - 5);
		assert_false(rig_info(r, 0).below_radio_floor);
	}
	rig_run(r, t, true);		/* the last reading (clearly over) seen */
	assert_int_equal(r->switches, 0);
	assert_int_equal(rig_count(r, EV_INFO, RSN_RADIO_GATE), 0);
	/* now under and staying there: below once the dwell has passed */
	int64_t t_under = r->t;
	rig_status(r, 0, fill_radio, r->p.radio_floor_rsrp_dbm - 5);
	rig_run(r, t_under + r->p.radio_floor_dwell_ms - 1500, false);
	assert_false(rig_info(r, 0).below_radio_floor);	/* under for less than the dwell */
	rig_status(r, 0, fill_radio, r->p.radio_floor_rsrp_dbm - 5);
	rig_run(r, t_under + r->p.radio_floor_dwell_ms + 2000, false);
	assert_true(rig_info(r, 0).below_radio_floor);
	assert_int_equal(rig_count(r, EV_INFO, RSN_RADIO_GATE), 1);
	engine_destroy(r->e);
}

static void test_radio_floor_moves_cellular_primary(void **st)
{
	struct rig *r = rig2(NULL, CLASS_CELLULAR, CLASS_WIFI);
	double rsrp = -100;
	int64_t crossed = -1, t = 0;
	for (; t <= 200000 && r->switches == 0; t += 5000) {
		rig_run(r, t, true);
		if (r->switches)
			break;
		rig_status(r, 0, fill_radio, rsrp);
		if (rsrp < -110 && crossed < 0)
			crossed = t;
		if (t >= 60000)
			rsrp -= 1;	/* -1 dB per 5 s: no slope trigger by default */
	}
	assert_int_equal(r->switches, 1);
	assert_int_equal(r->d.reason, RSN_RADIO_GATE);
	/* after the dwell (readings every 5 s here), not on the first reading under it */
	assert_true(r->t >= crossed + r->p.radio_floor_dwell_ms &&
		    r->t <= crossed + r->p.radio_floor_dwell_ms + 5000);
	assert_int_equal(rig_count(r, EV_PREDICT, RSN_PREDICT_SIGNAL), 0);
	assert_true(rig_count(r, EV_INFO, RSN_RADIO_GATE) >= 1);
	/* back above the floor by less than the hysteresis: still under it */
	rig_status(r, 0, fill_radio, r->p.radio_floor_rsrp_dbm + 1);
	rig_run(r, r->t + 1000, false);
	assert_true(rig_info(r, 0).below_radio_floor);
	rig_status(r, 0, fill_radio, r->p.radio_floor_rsrp_dbm + r->p.radio_floor_hysteresis_db);
	rig_run(r, r->t + 1000, false);
	assert_false(rig_info(r, 0).below_radio_floor);
	engine_destroy(r->e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_radio_floor_gates_the_backup),
		cmocka_unit_test(test_radio_floor_moves_cellular_primary),
		cmocka_unit_test(test_radio_floor_dwell),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
