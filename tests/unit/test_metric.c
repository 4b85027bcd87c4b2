/* test_metric.c - metric descriptor tables: JSON of every type, unknown values, docs, checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <math.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "api_metrics.h"
#include "engine_metrics.h"
#include "metric_impl.h"
#include "probe_metrics.h"
#include "sample.h"
#ifdef SF_HAVE_STARLINK
#include "starlink_metrics.h"
#endif

struct inner {
	int n;
	char label[16];
};

struct thing {
	double d;
	int i, i_neg, i_min, i_zero;
	int64_t i64, i64_neg;
	uint64_t u64;
	bool b;
	enum tri t;
	int e;
	int64_t bits;
	char s[32];
	const char *sp;
	const char *sp_empty_ok;
	struct inner in;
	const struct inner *ip, *ip_omit;
	struct inner merged;
};

static const char *const colour_names[] = { "unknown_colour", "red", NULL, "blue" };
static const struct metric_names colours = { colour_names, 4, -1, "other" };
static const char *const flag_names[] = { NULL, "one", "two", NULL, "four" };
static const struct metric_names flags = { flag_names, 5, -1, NULL };

static const struct metric_desc inner_metrics[] = {
	{ METRIC("n", METRIC_INT, offsetof(struct inner, n), NULL, METRIC_GAUGE, "a count") },
	{ METRIC("label", METRIC_STRING, offsetof(struct inner, label), NULL, METRIC_INFO, "a label") },
	METRIC_END
};

static const struct metric_desc merged_metrics[] = {
	{ METRIC("merged_n", METRIC_INT, offsetof(struct inner, n), NULL, METRIC_GAUGE, "merged count") },
	METRIC_END
};

#define T(f) offsetof(struct thing, f)
static const struct metric_desc thing_metrics[] = {
	{ METRIC("d_ms", METRIC_DOUBLE, T(d), "ms", METRIC_GAUGE, "a double") },
	{ METRIC("i", METRIC_INT, T(i), NULL, METRIC_GAUGE, "an int") },
	{ METRIC("i_neg", METRIC_INT, T(i_neg), NULL, METRIC_GAUGE, "int, <0 unknown"), .flags = METRIC_F_NEG_UNKNOWN },
	{ METRIC("i_min", METRIC_INT, T(i_min), "s", METRIC_GAUGE, "int, INT_MIN unknown"), .flags = METRIC_F_MIN_UNKNOWN },
	{ METRIC("i_zero", METRIC_INT, T(i_zero), NULL, METRIC_GAUGE, "int, 0 unknown"), .flags = METRIC_F_ZERO_UNKNOWN },
	{ METRIC("i64", METRIC_INT64, T(i64), NULL, METRIC_COUNTER, "an int64") },
	{ METRIC("i64_neg", METRIC_INT64, T(i64_neg), "ms", METRIC_GAUGE, "int64, <0 unknown"), .flags = METRIC_F_NEG_UNKNOWN },
	{ METRIC("u64", METRIC_UINT64, T(u64), NULL, METRIC_COUNTER, "a uint64") },
	{ METRIC("b", METRIC_BOOL, T(b), NULL, METRIC_GAUGE, "a bool") },
	{ METRIC("t", METRIC_TRI, T(t), NULL, METRIC_GAUGE, "a tri") },
	{ METRIC("e", METRIC_ENUM, T(e), NULL, METRIC_INFO, "an enum"), .names = &colours },
	{ METRIC("bits", METRIC_BITS, T(bits), NULL, METRIC_INFO, "bits"), .names = &flags },
	{ METRIC("s", METRIC_STRING, T(s), NULL, METRIC_INFO, "a string") },
	{ METRIC("sp", METRIC_STRPTR, T(sp), NULL, METRIC_INFO, "a string pointer") },
	{ METRIC("sp_empty_ok", METRIC_STRPTR, T(sp_empty_ok), NULL, METRIC_INFO, "\"\" is a value"), .flags = METRIC_F_EMPTY_STRING },
	{ METRIC("in", METRIC_OBJECT, T(in), NULL, METRIC_GAUGE, "nested"), .sub = inner_metrics },
	{ METRIC("ip", METRIC_OBJPTR, T(ip), NULL, METRIC_GAUGE, "nested by pointer"), .sub = inner_metrics },
	{ METRIC("ip_omit", METRIC_OBJPTR, T(ip_omit), NULL, METRIC_GAUGE, "left out when NULL"), .flags = METRIC_F_OMIT, .sub = inner_metrics },
	{ METRIC("merged", METRIC_OBJECT, T(merged), NULL, METRIC_GAUGE, "inline"), .flags = METRIC_F_INLINE, .sub = merged_metrics },
	METRIC_END
};
#undef T

static char *json_of(const struct thing *t)
{
	struct json_object *o = metric_object(thing_metrics, t);
	char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;
	assert_true(json_object_object_get_ex(o, k, &v));
	return v;
}

static void test_known(void **state)
{
	struct inner in2 = { 7, "x" };
	struct thing t = {
		.d = 1.5, .i = -3, .i_neg = 4, .i_min = -5, .i_zero = 6, .i64 = INT64_C(1) << 40,
		.i64_neg = 0, .u64 = UINT64_MAX, .b = true, .t = TRI_FALSE, .e = 2, .bits = 0x9,
		.s = "dish", .sp = "ptr", .sp_empty_ok = "", .in = { 1, "in" }, .ip = &in2,
		.ip_omit = &in2, .merged = { 9, "" },
	};
	char *s = json_of(&t);
	assert_string_equal(s,
		"{\"d_ms\":1.5,\"i\":-3,\"i_neg\":4,\"i_min\":-5,\"i_zero\":6,\"i64\":1099511627776,"
		"\"i64_neg\":0,\"u64\":18446744073709551615,\"b\":true,\"t\":false,\"e\":\"blue\","
		"\"bits\":[\"one\",\"four\"],\"s\":\"dish\",\"sp\":\"ptr\",\"sp_empty_ok\":\"\","
		"\"in\":{\"n\":1,\"label\":\"in\"},\"ip\":{\"n\":7,\"label\":\"x\"},"
		"\"ip_omit\":{\"n\":7,\"label\":\"x\"},\"merged_n\":9}");
	free(s);

	/* the JSON types, not just the text */
	struct json_object *o = metric_object(thing_metrics, &t);
	assert_true(json_object_is_type(get(o, "d_ms"), json_type_double));
	assert_true(json_object_is_type(get(o, "i64"), json_type_int));
	assert_true(json_object_is_type(get(o, "b"), json_type_boolean));
	assert_true(json_object_is_type(get(o, "bits"), json_type_array));
	json_object_put(o);
}

static void test_unknown(void **state)
{
	struct thing t = {
		.d = NAN, .i = 0, .i_neg = -1, .i_min = INT_MIN, .i_zero = 0, .i64 = -7,
		.i64_neg = -1, .u64 = 0, .b = false, .t = TRI_UNKNOWN, .e = -2, .bits = -1,
		.s = "", .sp = NULL, .sp_empty_ok = NULL, .in = { 0, "" }, .ip = NULL, .ip_omit = NULL,
	};
	char *s = json_of(&t);
	/* unknown is null; a zero or a negative is only unknown where the table says so */
	assert_string_equal(s,
		"{\"d_ms\":null,\"i\":0,\"i_neg\":null,\"i_min\":null,\"i_zero\":null,\"i64\":-7,"
		"\"i64_neg\":null,\"u64\":0,\"b\":false,\"t\":null,\"e\":null,\"bits\":null,"
		"\"s\":null,\"sp\":null,\"sp_empty_ok\":null,\"in\":{\"n\":0,\"label\":null},"
		"\"ip\":null,\"merged_n\":0}");
	free(s);
}

/* json-c would print inf/nan as bare words that no JSON parser accepts */
static void test_no_nan_or_inf(void **state)
{
	const double bad[] = { NAN, -NAN, INFINITY, -INFINITY };
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct thing t = { .d = bad[k], .t = TRI_TRUE, .e = 0 };
		char *s = json_of(&t);
		assert_non_null(strstr(s, "\"d_ms\":null"));
		assert_null(strcasestr(s, "nan"));
		assert_null(strcasestr(s, "inf"));
		struct json_object *back = json_tokener_parse(s);
		assert_non_null(back);
		json_object_put(back);
		free(s);
		double v = 42;
		assert_false(metric_number(&thing_metrics[0], &t, &v));
		assert_true(v == 42);
	}
}

static void test_enum_names(void **state)
{
	/* first = -1: -1 is names[0]; below first unknown; past the end or a hole: other */
	const struct { int v; const char *want; } cases[] = {
		{ -5, NULL }, { -2, NULL }, { -1, "unknown_colour" }, { 0, "red" }, { 1, "other" },
		{ 2, "blue" }, { 3, "other" }, { INT_MAX, "other" },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct thing t = { .e = cases[k].v };
		struct json_object *o = metric_object(thing_metrics, &t), *v = get(o, "e");
		if (cases[k].want)
			assert_string_equal(json_object_get_string(v), cases[k].want);
		else
			assert_null(v);
		json_object_put(o);
	}
	/* without `other`, an unnamed value is unknown, not a made-up name */
	static const struct metric_names strict = { colour_names, 4, -1, NULL };
	const struct metric_desc d[] = {
		{ METRIC("e", METRIC_ENUM, 0, NULL, METRIC_INFO, "e"), .flags = METRIC_F_ZERO_UNKNOWN, .names = &strict }, METRIC_END
	};
	int v = 1;
	assert_true(metric_unknown(&d[0], &v));
	v = 0;	/* "red", but the table says zero is unknown */
	assert_true(metric_unknown(&d[0], &v));
	v = 2;
	assert_false(metric_unknown(&d[0], &v));
}

static void test_bits(void **state)
{
	struct thing t = { .bits = 0 };
	struct json_object *o = metric_object(thing_metrics, &t);
	assert_int_equal(json_object_array_length(get(o, "bits")), 0);	/* known: none set */
	json_object_put(o);
	t.bits = (int64_t)1 << 62 | 0x4 | 0x1;	/* unnamed bits are not listed */
	o = metric_object(thing_metrics, &t);
	struct json_object *a = get(o, "bits");
	assert_int_equal(json_object_array_length(a), 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(a, 0)), "one");
	json_object_put(o);
}

static void test_strings_sanitized(void **state)
{
	struct thing t = { .sp = "bad\xff\x01", .sp_empty_ok = "tab\tok" };
	snprintf(t.s, sizeof(t.s), "Gr\xc3\xbc\xc3\x9f");
	struct json_object *o = metric_object(thing_metrics, &t);
	assert_string_equal(json_object_get_string(get(o, "sp")), "bad??");
	assert_string_equal(json_object_get_string(get(o, "s")), "Gr\xc3\xbc\xc3\x9f");
	assert_string_equal(json_object_get_string(get(o, "sp_empty_ok")), "tab\tok");
	json_object_put(o);
}

static void test_number(void **state)
{
	struct thing t = { .d = 2.5, .i = -3, .i_neg = -1, .u64 = 10, .b = true, .t = TRI_FALSE };
	double v;
	assert_true(metric_number(&thing_metrics[0], &t, &v) && v == 2.5);
	assert_true(metric_number(&thing_metrics[1], &t, &v) && v == -3);
	assert_false(metric_number(&thing_metrics[2], &t, &v));		/* unknown */
	assert_true(metric_number(&thing_metrics[7], &t, &v) && v == 10);
	assert_true(metric_number(&thing_metrics[8], &t, &v) && v == 1);
	assert_true(metric_number(&thing_metrics[9], &t, &v) && v == 0);
	t.t = TRI_UNKNOWN;
	assert_false(metric_number(&thing_metrics[9], &t, &v));
	assert_false(metric_number(&thing_metrics[12], &t, &v));	/* a string is not a number */
}

static void test_markdown(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	metric_print_markdown(thing_metrics, "x.", f);
	fclose(f);
	assert_non_null(strstr(buf, "| Field | Type | Unit | Kind | Null when | Meaning |\n"));
	assert_non_null(strstr(buf, "| `x.d_ms` | number | ms | gauge | unknown | a double |\n"));
	assert_non_null(strstr(buf, "| `x.i` | integer |  | gauge |  | an int |\n"));
	assert_non_null(strstr(buf, "| `x.i_neg` | integer |  | gauge | < 0 | int, <0 unknown |\n"));
	assert_non_null(strstr(buf, "| `x.in.label` | string |  | info | empty | a label |\n"));
	assert_non_null(strstr(buf, "| `x.ip_omit` | object |  |  | absent (key left out) |"));
	assert_non_null(strstr(buf, "| `x.merged_n` |"));	/* inline: no prefix of its own */
	assert_null(strstr(buf, "`x.merged`"));
	assert_non_null(strstr(buf, "Values: `unknown_colour`, `red`, `blue`, `other` (any other). |"));
	assert_non_null(strstr(buf, "Names: `one`, `two`, `four`. |"));
	free(buf);
}

static void test_check(void **state)
{
	char err[128];
	assert_int_equal(metric_check(thing_metrics, err, sizeof(err)), 0);

	const struct metric_desc dup[] = {
		{ METRIC("a", METRIC_INT, 0, NULL, METRIC_GAUGE, "a") },
		{ METRIC("merged", METRIC_OBJECT, 0, NULL, METRIC_GAUGE, "m"), .flags = METRIC_F_INLINE,
		  .sub = (const struct metric_desc[]){ { METRIC("a", METRIC_INT, 0, NULL, METRIC_GAUGE, "again") },
						       METRIC_END } },
		METRIC_END
	};
	assert_int_equal(metric_check(dup, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "key twice"));

	const struct metric_desc bad_name[] = { { METRIC("Latency", METRIC_DOUBLE, 0, "ms", METRIC_GAUGE, "x") },
						METRIC_END };
	assert_int_equal(metric_check(bad_name, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "lower_snake"));

	const struct metric_desc no_help[] = { { METRIC("a", METRIC_INT, 0, NULL, METRIC_GAUGE, NULL) }, METRIC_END };
	assert_int_equal(metric_check(no_help, err, sizeof(err)), -1);

	const struct metric_desc no_names[] = { { METRIC("a", METRIC_ENUM, 0, NULL, METRIC_INFO, "a") }, METRIC_END };
	assert_int_equal(metric_check(no_names, err, sizeof(err)), -1);

	const struct metric_desc no_sub[] = { { METRIC("a", METRIC_OBJPTR, 0, NULL, METRIC_GAUGE, "a") }, METRIC_END };
	assert_int_equal(metric_check(no_sub, err, sizeof(err)), -1);

	const struct metric_desc text_gauge[] = { { METRIC("a", METRIC_STRING, 0, NULL, METRIC_GAUGE, "a") },
						  METRIC_END };
	assert_int_equal(metric_check(text_gauge, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "info"));

	/* the same key in two different objects is fine */
	const struct metric_desc nested_ok[] = {
		{ METRIC("n", METRIC_INT, 0, NULL, METRIC_GAUGE, "n") },
		{ METRIC("in", METRIC_OBJECT, 0, NULL, METRIC_GAUGE, "in"), .sub = inner_metrics },
		METRIC_END
	};
	assert_int_equal(metric_check(nested_ok, err, sizeof(err)), 0);
}

/* Every table the daemon has passes the checks (the docs tool refuses broken ones too). */
static void test_real_tables(void **state)
{
	const struct metric_desc *tabs[] = {
		status_metrics, member_metrics, member_detail_metrics, history_point_metrics,
		event_metrics, engine_score_metrics, probe_summary_metrics,
#ifdef SF_HAVE_STARLINK
		starlink_view_metrics, starlink_metrics_metrics,
#endif
	};
	char err[160];
	for (size_t i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++) {
		if (metric_check(tabs[i], err, sizeof(err)))
			fail_msg("table %zu: %s", i, err);
	}
}

#ifdef SF_HAVE_STARLINK
/* A sample nobody measured (sample_init) shows nothing but nulls: no field reads as 0 or false. */
static void test_dish_unknown_is_null(void **state)
{
	struct sample s;
	sample_init(&s, 0);
	struct json_object *o = metric_object(starlink_metrics_metrics, &s.sl);
	int n = 0;
	json_object_object_foreach(o, k, v) {
		if (v)
			fail_msg("%s is %s before any measurement", k, json_object_to_json_string(v));
		n++;
	}
	assert_true(n >= 38);
	json_object_put(o);

	/* connected: outage CONNECTED, no cause number */
	s.sl.outage_cause = SL_OUTAGE_NONE;
	s.sl.reachable = TRI_TRUE;
	o = metric_object(starlink_metrics_metrics, &s.sl);
	assert_string_equal(json_object_get_string(get(o, "outage")), "CONNECTED");
	assert_null(get(o, "outage_cause"));
	assert_true(json_object_get_boolean(get(o, "reachable")));
	json_object_put(o);
	s.sl.outage_cause = SL_OUTAGE_NO_SATS;
	o = metric_object(starlink_metrics_metrics, &s.sl);
	assert_string_equal(json_object_get_string(get(o, "outage")), "NO_SATS");
	assert_int_equal(json_object_get_int(get(o, "outage_cause")), 5);
	json_object_put(o);
	s.sl.outage_cause = 12;	/* a number the dish's proto does not name */
	o = metric_object(starlink_metrics_metrics, &s.sl);
	assert_string_equal(json_object_get_string(get(o, "outage")), "UNKNOWN");
	json_object_put(o);
}
#endif

/* The engine's names: no predictive signal is null, a last reason "none" is a name. */
static void test_engine_names(void **state)
{
	struct engine_score_info si = { .instant = NAN, .ewma = NAN, .window = NAN, .final = 50,
					.effective = NAN, .latency_ms = NAN, .loss_pct = NAN,
					.jitter_ms = NAN, .loss_evidence = 0, .predict = RSN_NONE,
					.last_reason = RSN_NONE, .slot_phase_ms = NAN };
	struct json_object *o = metric_object(engine_score_metrics, &si);
	assert_null(get(o, "predictive_signal"));
	assert_string_equal(json_object_get_string(get(o, "last_reason")), "none");
	assert_null(get(o, "instant"));
	assert_true(json_object_get_double(get(o, "final")) == 50);
	json_object_put(o);
	si.predict = RSN_PREDICT_REBOOT;
	si.last_reason = (enum engine_reason)__RSN_MAX;	/* out of range: not a crash, not a made-up reason */
	o = metric_object(engine_score_metrics, &si);
	assert_string_equal(json_object_get_string(get(o, "predictive_signal")),
			    engine_reason_name(RSN_PREDICT_REBOOT));
	assert_string_equal(json_object_get_string(get(o, "last_reason")), "invalid");
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_no_nan_or_inf),
		cmocka_unit_test(test_enum_names),
		cmocka_unit_test(test_bits),
		cmocka_unit_test(test_strings_sanitized),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_real_tables),
#ifdef SF_HAVE_STARLINK
		cmocka_unit_test(test_dish_unknown_is_null),
#endif
		cmocka_unit_test(test_engine_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
