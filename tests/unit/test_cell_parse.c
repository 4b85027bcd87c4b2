/*
 * test_cell_parse.c - the cellular parsers (cell_parse.h): every recorded
 * output in tests/data/cellular/ (<case>.<parser>) against its golden
 * result (<case>.<parser>.golden; SF_CELL_UPDATE=1 rewrites them, to be
 * read before committing), plus the AT scalings at their edges, the
 * unknown sentinels, merge and the sample mapping.
 */
#include <dirent.h>
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

static void put_d(char **p, char *end, const char *k, double v)
{
	if (isnan(v))
		*p += snprintf(*p, (size_t)(end - *p), "%s=null\n", k);
	else
		*p += snprintf(*p, (size_t)(end - *p), "%s=%.6g\n", k, v);
}

/* The golden text of one parse. */
static void dump(char *buf, size_t cap, int rc, const char *err, const struct cell_info *ci)
{
	char *p = buf, *end = buf + cap;
	p += snprintf(p, (size_t)(end - p), "rc=%d\n", rc);
	if (rc < 0) {
		snprintf(p, (size_t)(end - p), "err=%s\n", err);
		return;
	}
	put_d(&p, end, "rssi_dbm", ci->rssi_dbm);
	put_d(&p, end, "rsrp_dbm", ci->rsrp_dbm);
	put_d(&p, end, "rsrq_db", ci->rsrq_db);
	put_d(&p, end, "sinr_db", ci->sinr_db);
	put_d(&p, end, "nr_rsrp_dbm", ci->nr_rsrp_dbm);
	put_d(&p, end, "nr_rsrq_db", ci->nr_rsrq_db);
	put_d(&p, end, "nr_sinr_db", ci->nr_sinr_db);
	put_d(&p, end, "temp_c", ci->temp_c);
	p += snprintf(p, (size_t)(end - p), "tech=%s\nreg=%s\nroaming=%s\nsim_slot=%d\noperator=%s\n",
		      cell_tech_name(ci->tech), cell_reg_name(ci->reg),
		      ci->roaming == TRI_UNKNOWN ? "null" : ci->roaming == TRI_TRUE ? "true" : "false",
		      ci->sim_slot, ci->operator_name[0] ? ci->operator_name : "null");
	if (ci->sim_slots[0])	/* only where a provider tells it: the older goldens stay */
		p += snprintf(p, (size_t)(end - p), "sim_slots=%s\nsim_empty=%#x\n", ci->sim_slots, ci->sim_empty);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *b = malloc(CELL_INPUT_MAX + 1);
	assert_non_null(b);
	*len = fread(b, 1, CELL_INPUT_MAX, f);
	b[*len] = '\0';
	fclose(f);
	return b;
}

static void test_golden(void **state)
{
	(void)state;
	const char *dir = getenv("SF_CELL_DATA");
	if (!dir)
		dir = "tests/data/cellular";
	bool update = getenv("SF_CELL_UPDATE") && strcmp(getenv("SF_CELL_UPDATE"), "1") == 0;
	DIR *d = opendir(dir);
	assert_non_null(d);
	int cases = 0, failed = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *dot = strrchr(de->d_name, '.');
		if (!dot || de->d_name[0] == '.' || strcmp(dot, ".golden") == 0 || strcmp(dot, ".md") == 0)
			continue;
		cell_parse_fn fn = cell_parser_find(dot + 1);
		if (!fn) {
			fprintf(stderr, "%s: no parser called %s\n", de->d_name, dot + 1);
			failed++;
			continue;
		}
		char path[512], gpath[600];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		snprintf(gpath, sizeof(gpath), "%s.golden", path);
		size_t len = 0, glen = 0;
		char *in = slurp(path, &len);
		assert_non_null(in);
		/* an exact-size copy: a read past the end is ASan's to see */
		char *exact = malloc(len ? len : 1);
		assert_non_null(exact);
		memcpy(exact, in, len);
		struct cell_info ci;
		cell_info_init(&ci);
		char err[160] = "", got[2048];
		int rc = fn(exact, len, &ci, err, sizeof(err));
		dump(got, sizeof(got), rc, err, &ci);
		free(exact);
		free(in);
		cases++;
		if (update) {
			FILE *f = fopen(gpath, "w");
			assert_non_null(f);
			fputs(got, f);
			fclose(f);
			continue;
		}
		char *want = slurp(gpath, &glen);
		if (!want || strcmp(want, got) != 0) {
			fprintf(stderr, "%s: golden mismatch\n--- want\n%s--- got\n%s", de->d_name,
				want ? want : "(no golden file)\n", got);
			failed++;
		}
		free(want);
	}
	closedir(d);
	fprintf(stderr, "%d recorded outputs checked\n", cases);
	assert_true(cases >= 30);
	assert_int_equal(failed, 0);
}

static int at(const char *text, struct cell_info *ci)
{
	char err[128];
	cell_info_init(ci);
	return cell_parse_at(text, strlen(text), ci, err, sizeof(err));
}

static void test_at_scaling(void **state)
{
	(void)state;
	struct cell_info ci;
	assert_int_equal(at("+CSQ: 0,99", &ci), 1);
	assert_true(ci.rssi_dbm == -113);
	at("+CSQ: 31,99", &ci);
	assert_true(ci.rssi_dbm == -51);
	at("+CSQ: 15,0", &ci);
	assert_true(ci.rssi_dbm == -83);
	assert_int_equal(at("+CSQ: 99,99", &ci), 0);
	assert_true(isnan(ci.rssi_dbm));
	assert_int_equal(at("+CSQ: 32,99", &ci), 0);
	/* CESQ rsrp 0..97 -> n - 141, rsrq 0..34 -> n/2 - 20 */
	assert_int_equal(at("+CESQ: 99,99,255,255,0,0", &ci), 2);
	assert_true(ci.rsrp_dbm == -141 && ci.rsrq_db == -20);
	at("+CESQ: 99,99,255,255,34,97", &ci);
	assert_true(ci.rsrp_dbm == -44 && ci.rsrq_db == -3);
	at("+CESQ: 99,99,255,255,255,255", &ci);
	assert_true(isnan(ci.rsrp_dbm) && isnan(ci.rsrq_db));
	at("+CESQ: 99,99,255,255,35,98", &ci);
	assert_true(isnan(ci.rsrp_dbm) && isnan(ci.rsrq_db));
	/* QCSQ SINR raw 0..250 -> raw/5 - 20 */
	at("+QCSQ: \"LTE\",-52,-81,150,-10", &ci);
	assert_true(ci.sinr_db == 10);
	at("+QCSQ: \"LTE\",-52,-81,251,-10", &ci);
	assert_true(isnan(ci.sinr_db));
	/* registration */
	at("+CREG: 0,5", &ci);
	assert_int_equal(ci.reg, CELL_REG_ROAMING);
	assert_int_equal(ci.roaming, TRI_TRUE);
	at("+CGREG: 1", &ci);
	assert_int_equal(ci.reg, CELL_REG_HOME);
	assert_int_equal(ci.roaming, TRI_FALSE);
	at("+CEREG: 2,4", &ci);
	assert_int_equal(ci.reg, CELL_REG_UNKNOWN);
	/* an echo, then nothing known */
	assert_int_equal(at("AT+CSQ\r\nOK\r\n", &ci), -1);
}

static void test_unknown_sentinels(void **state)
{
	(void)state;
	struct cell_info ci;
	char err[128];
	const char *j = "{\"net_mode\":\"LTE\",\"rssi\":\"--\",\"rsrp\":-32768,\"sinr\":\"-\",\"rsrq\":99}";
	cell_info_init(&ci);
	assert_int_equal(cell_parse_ubus_signal(j, strlen(j), &ci, err, sizeof(err)), 1);
	assert_true(isnan(ci.rssi_dbm) && isnan(ci.rsrp_dbm) && isnan(ci.sinr_db) && isnan(ci.rsrq_db));
	assert_int_equal(ci.tech, CELL_TECH_LTE);
	/* a number with trailing text is not a number */
	j = "{\"type\":\"lte\",\"rsrp\":\"-95dBm\",\"rsrq\":\"1e400\"}";
	cell_info_init(&ci);
	assert_int_equal(cell_parse_uqmi_signal(j, strlen(j), &ci, err, sizeof(err)), 1);
	assert_true(isnan(ci.rsrp_dbm) && isnan(ci.rsrq_db));
	/* JSON followed by junk, and too-deep JSON */
	j = "{\"type\":\"lte\"} trailing";
	assert_int_equal(cell_parse_uqmi_signal(j, strlen(j), &ci, err, sizeof(err)), -1);
	char deep[200];
	memset(deep, '[', 100);
	deep[100] = '\0';
	assert_int_equal(cell_parse_uqmi_signal(deep, strlen(deep), &ci, err, sizeof(err)), -1);
	assert_int_equal(cell_parse_gsmctl_signal("", 0, &ci, err, sizeof(err)), -1);
	assert_string_equal(err, "empty output");
}

static void test_merge_and_sample(void **state)
{
	(void)state;
	struct cell_info a, b;
	cell_info_init(&a);
	cell_info_init(&b);
	a.rsrp_dbm = -90;
	a.tech = CELL_TECH_LTE;
	strcpy(a.operator_name, "A");
	b.rsrq_db = -10;
	b.tech = CELL_TECH_5G_SA;
	b.nr_rsrp_dbm = -80;
	b.nr_sinr_db = 7;
	cell_info_merge(&a, &b);
	assert_true(a.rsrp_dbm == -90 && a.rsrq_db == -10);
	assert_int_equal(a.tech, CELL_TECH_5G_SA);
	assert_string_equal(a.operator_name, "A");
	struct cellular_metrics m;
	cell_info_to_sample(&a, &m);
	assert_true(m.rsrp_dbm == -80 && m.sinr_db == 7 && isnan(m.rssi_dbm));
	a.tech = CELL_TECH_5G_NSA;
	cell_info_to_sample(&a, &m);
	assert_true(m.rsrp_dbm == -90 && isnan(m.sinr_db));
	assert_int_equal(cell_tech_from_word("5G-NSA", 6), CELL_TECH_5G_NSA);
	assert_int_equal(cell_tech_from_word("nr5g", 4), CELL_TECH_5G_SA);
	assert_int_equal(cell_tech_from_word("HSPA+", 5), CELL_TECH_3G);
	assert_int_equal(cell_tech_from_word("satellite", 9), CELL_TECH_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_at_scaling),
		cmocka_unit_test(test_unknown_sentinels),
		cmocka_unit_test(test_merge_and_sample),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
