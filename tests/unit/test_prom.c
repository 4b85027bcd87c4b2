/* test_prom.c - Prometheus exposition from metric tables: names, units, kinds, unknowns, escaping, caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "metric_impl.h"
#include "prom.h"
#include "sample.h"

struct sub {
	double rtt_ms;
};

struct obj {
	double latency_ms, loss_pct, up_s;
	int64_t rss_kb, sent;
	bool ok;
	enum tri maybe;
	const char *state, *text;
	double bytes_per_day;
	struct sub inner;
	const struct sub *opt;
};

#define O(f) offsetof(struct obj, f)
static const struct metric_desc sub_tab[] = {
	{ METRIC("rtt_ms", METRIC_DOUBLE, offsetof(struct sub, rtt_ms), "ms", METRIC_GAUGE, "Round trip.") },
	METRIC_END
};
static const struct metric_desc tab[] = {
	{ METRIC("latency_ms", METRIC_DOUBLE, O(latency_ms), "ms", METRIC_GAUGE, "Latency.") },
	{ METRIC("loss_pct", METRIC_DOUBLE, O(loss_pct), "%", METRIC_GAUGE, "Loss.") },
	{ METRIC("up_s", METRIC_DOUBLE, O(up_s), "s", METRIC_GAUGE, "Up \\ time\nsecond line.") },
	{ METRIC("rss_kb", METRIC_INT64, O(rss_kb), "kB", METRIC_GAUGE, "RSS."), .flags = METRIC_F_NEG_UNKNOWN },
	{ METRIC("sent", METRIC_INT64, O(sent), "probes", METRIC_COUNTER, "Sent.") },
	{ METRIC("ok", METRIC_BOOL, O(ok), NULL, METRIC_GAUGE, "OK.") },
	{ METRIC("maybe", METRIC_TRI, O(maybe), NULL, METRIC_GAUGE, "Maybe.") },
	{ METRIC("state", METRIC_STRPTR, O(state), NULL, METRIC_INFO, "State.") },
	{ METRIC("text", METRIC_STRPTR, O(text), NULL, METRIC_INFO, "Free text.") },
	{ METRIC("bytes_per_day", METRIC_DOUBLE, O(bytes_per_day), "bytes", METRIC_GAUGE, "Per day.") },
	{ METRIC("inner", METRIC_OBJECT, O(inner), NULL, METRIC_GAUGE, "Inner."), .sub = sub_tab },
	{ METRIC("opt", METRIC_OBJPTR, O(opt), NULL, METRIC_GAUGE, "Optional."), .flags = METRIC_F_OMIT,
	  .sub = sub_tab },
	METRIC_END
};
#undef O

static const char *const skip[] = { "text", NULL };

static char *render(const struct obj *a, const struct obj *b, size_t max)
{
	struct json_object *ja = metric_object(tab, a), *jb = metric_object(tab, b);
	struct prom_label la = { "member", "a\"b\\c\nd" }, lb = { "member", "wan" };
	struct prom_instance in[2] = { { ja, &la, 1 }, { jb, &lb, 1 } };
	struct prom_table_opts opts = { .prefix = "sf", .skip = skip };
	struct prom_out o;
	prom_out_init(&o, max);
	prom_write_table(&o, &opts, tab, in, 2);
	json_object_put(ja);
	json_object_put(jb);
	char *s = o.overflow ? NULL : strdup(o.buf ? o.buf : "");
	prom_out_free(&o);
	return s;
}

static void test_exposition(void **state)
{
	struct sub s = { .rtt_ms = 250 };
	struct obj a = { .latency_ms = 12.5, .loss_pct = 5, .up_s = 7, .rss_kb = 2, .sent = 9007199254740993LL,
			 .ok = true, .maybe = TRI_TRUE, .state = "good", .text = "x=1",
			 .bytes_per_day = 100, .inner = { 1500 }, .opt = &s };
	struct obj b = { .latency_ms = NAN, .loss_pct = NAN, .up_s = NAN, .rss_kb = -1, .sent = 3,
			 .maybe = TRI_UNKNOWN, .state = NULL, .bytes_per_day = NAN, .inner = { NAN } };
	char *t = render(&a, &b, 1 << 20);
	assert_non_null(t);
	/* base units, scaled values; labels escaped */
	assert_non_null(strstr(t, "# TYPE sf_latency_seconds gauge\n"));
	assert_non_null(strstr(t, "sf_latency_seconds{member=\"a\\\"b\\\\c\\nd\"} 0.0125\n"));
	assert_non_null(strstr(t, "sf_loss_ratio{member=\"a\\\"b\\\\c\\nd\"} 0.05\n"));
	assert_non_null(strstr(t, "# HELP sf_up_seconds Up \\\\ time\\nsecond line.\n"));
	assert_non_null(strstr(t, "sf_rss_bytes{member=\"a\\\"b\\\\c\\nd\"} 2048\n"));
	/* counters end in _total; gauges of both members; unknown is no sample */
	assert_non_null(strstr(t, "# TYPE sf_sent_total counter\n"));
	assert_non_null(strstr(t, "sf_sent_total{member=\"wan\"} 3\n"));
	assert_null(strstr(t, "sf_latency_seconds{member=\"wan\"}"));
	assert_null(strstr(t, "sf_rss_bytes{member=\"wan\"}"));
	assert_null(strstr(t, "sf_maybe{member=\"wan\"}"));
	assert_non_null(strstr(t, "sf_ok{member=\"wan\"} 0\n"));
	assert_non_null(strstr(t, "sf_maybe{member=\"a\\\"b\\\\c\\nd\"} 1\n"));
	/* text as info; skipped text left out; the unit already in the name is not added */
	assert_non_null(strstr(t, "sf_state_info{member=\"a\\\"b\\\\c\\nd\",state=\"good\"} 1\n"));
	assert_null(strstr(t, "sf_text"));
	assert_non_null(strstr(t, "sf_bytes_per_day{"));
	/* nested objects by dotted path; a left-out object has no samples */
	assert_non_null(strstr(t, "sf_inner_rtt_seconds{member=\"a\\\"b\\\\c\\nd\"} 1.5\n"));
	assert_non_null(strstr(t, "sf_opt_rtt_seconds{member=\"a\\\"b\\\\c\\nd\"} 0.25\n"));
	assert_null(strstr(t, "sf_opt_rtt_seconds{member=\"wan\"}"));
	/* each family once, its samples together */
	const char *p = strstr(t, "# TYPE sf_ok gauge");
	assert_non_null(p);
	assert_null(strstr(p + 1, "# TYPE sf_ok gauge"));
	free(t);
	/* cap: the text is refused, not cut silently */
	assert_null(render(&a, &b, 200));
}

/* A family without a help text (all of them without SF_HELP_TEXT) has TYPE but no HELP line. */
static void test_header_without_help(void **state)
{
	struct prom_out o;
	prom_out_init(&o, 4096);
	assert_true(prom_write_header(&o, "sf_a", "gauge", NULL));
	assert_true(prom_write_header(&o, "sf_b", "counter", ""));
	assert_true(prom_write_header(&o, "sf_c", "gauge", "C."));
	assert_false(prom_write_header(&o, "sf_a", "gauge", "again"));
	assert_non_null(o.buf);
	assert_string_equal(o.buf, "# TYPE sf_a gauge\n# TYPE sf_b counter\n# HELP sf_c C.\n# TYPE sf_c gauge\n");
	prom_out_free(&o);
}

static void test_names(void **state)
{
	char n[128];
	double scale;
	struct metric_desc d = { METRIC("folded_s", METRIC_INT64, 0, "s", METRIC_COUNTER, "x") };
	assert_true(prom_metric_name(n, sizeof(n), "p", "history.folded_s", &d, &scale));
	assert_string_equal(n, "p_history_folded_seconds_total");
	struct metric_desc e = { METRIC("downlink_bps", METRIC_DOUBLE, 0, "bps", METRIC_GAUGE, "x") };
	assert_true(prom_metric_name(n, sizeof(n), "p", "downlink_bps", &e, &scale));
	assert_string_equal(n, "p_downlink_bits_per_second");
	struct metric_desc f = { METRIC("loaded_at", METRIC_INT64, 0, "s", METRIC_INFO, "x") };
	assert_true(prom_metric_name(n, sizeof(n), "p", "config.loaded_at", &f, &scale));
	assert_string_equal(n, "p_config_loaded_at_seconds");
	struct metric_desc g = { METRIC("eth_speed_mbps", METRIC_DOUBLE, 0, "Mbit/s", METRIC_GAUGE, "x") };
	assert_true(prom_metric_name(n, sizeof(n), "p", "eth_speed_mbps", &g, &scale));
	assert_string_equal(n, "p_eth_speed_bits_per_second");
	assert_true(scale == 1e6);
	assert_false(prom_metric_name(n, 8, "p", "eth_speed_mbps", &g, &scale));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exposition),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_header_without_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
