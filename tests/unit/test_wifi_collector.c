/*
 * test_wifi_collector.c - the Wi-Fi collector in-process, on the default
 * loop, against this kernel's real generic netlink (which has no Wi-Fi:
 * the nl80211 provider fails, either with no family or with "not a
 * wireless device" on lo) and a stand-in `ubus` (a shell script) first on
 * $PATH replaying tests/data/wifi/iwinfo_client.iwinfo.json: the option
 * defaults, refused params, the fallback to iwinfo reaching the host as
 * sample.wifi, the fault path (reason, all-unknown sample) when ubus fails
 * or hangs past the timeout, recheck skipping the backoff, the nl80211-only
 * provider failing with its reason, and stop() while ubus hangs (the
 * child is killed, nothing leaks: run it under ASan).
 */
#include <ev.h>
#include <json-c/json.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cfgtab_impl.h"
#include "log.h"
#include "standin_tools.h"
#include "wifi.h"


struct host_log {
	int n, faults, clears;		/* faults: new reasons, clears: NULL calls */
	struct sample last;
	char reason[COLLECT_FAULT_REASON_MAX];
};

static void on_sample(void *ctx, const struct sample *s, const struct collector_report *r)
{
	(void)r;
	struct host_log *h = ctx;
	h->n++;
	h->last = *s;
}

static void on_fault(void *ctx, const char *reason)
{
	struct host_log *h = ctx;
	if (reason) {
		h->faults += strcmp(h->reason, reason) != 0;	/* as the member: changes only */
		snprintf(h->reason, sizeof(h->reason), "%s", reason);
	} else {
		h->clears++;
		h->reason[0] = '\0';
	}
}

/* ubus stand-in: the mode file says replay | fail | hang; the call's arguments go to args */
static void write_ubus(void)
{
	const char *data = getenv("SF_WIFI_DATA");
	standin_script("ubus", "#!/bin/sh\necho \"$*\" > %s/args\nmode=$(cat %s/mode)\n"
		"case \"$mode\" in\nhang) echo $$ > %s/pid; exec sleep 600 ;;\n"
		"fail) echo 'Command failed: Not found' >&2; exit 4 ;;\nesac\n"
		"cat '%s/iwinfo_client.iwinfo.json'\n", standin_dir, standin_dir, standin_dir,
		data ? data : "tests/data/wifi");
}

static int setup(void **state)
{
	(void)state;
	standin_make("sf-wifiut");
	write_ubus();
	standin_set_mode("replay");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return standin_remove();
}

static void defaults(struct wifi_params *p)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(cfg_apply_defaults(wifi_options, p), 0);
}

static void *start(struct wifi_params *p, const char *dev, struct host_log *h)
{
	struct collector_args a = { .member = "wwan", .device = dev, .cls = CLASS_WIFI, .params = p };
	struct collector_host host = { .sample = on_sample, .ctx = h, .fault = on_fault };
	char err[128] = "";
	void *inst = wifi_collector.start(EV_DEFAULT, &a, &host, err, sizeof(err));
	if (!inst)
		print_message("start: %s\n", err);
	return inst;
}

static void run_until(struct host_log *h, int n, double max_s)
{
	ev_tstamp end = ev_time() + max_s;
	while (h->n < n && ev_time() < end)
		ev_run(EV_DEFAULT, EVRUN_ONCE);
}

static void run_until_reason(struct host_log *h, const char *part, double max_s)
{
	ev_tstamp end = ev_time() + max_s;
	while (!strstr(h->reason, part) && ev_time() < end)
		ev_run(EV_DEFAULT, EVRUN_ONCE);
}

/* metrics_json's wifi.<a>.<b> as a string ("" when null or absent) */
static void metric_str(void *w, const char *a, const char *b, char *out, size_t len)
{
	struct json_object *o = json_object_new_object(), *x, *y = NULL;
	wifi_collector.metrics_json(w, o);
	out[0] = '\0';
	if (json_object_object_get_ex(o, "wifi", &x) && json_object_object_get_ex(x, a, &y) && b)
		json_object_object_get_ex(y, b, &y);
	if (y && !json_object_is_type(y, json_type_null))
		snprintf(out, len, "%s", json_object_get_string(y));
	json_object_put(o);
}

static void t_defaults(void **state)
{
	(void)state;
	struct wifi_params p;
	defaults(&p);
	assert_int_equal(p.provider, WIFI_PROVIDER_AUTO);
	assert_int_equal(p.interval_ms, 5000);
	assert_int_equal(p.timeout_ms, 2000);
	assert_int_equal(p.backoff_max_ms, 300000);
	for (const struct cfg_option *o = wifi_options; o->name; o++)
		assert_true(strncmp(o->name, "wifi_", 5) == 0);
	struct host_log h = { 0 };
	p.provider = 7;
	assert_null(start(&p, "lo", &h));
	defaults(&p);
	assert_null(start(&p, "", &h));		/* a wifi member needs its device */
	assert_int_equal(h.n, 0);
}

static void t_fallback_then_fault(void **state)
{
	(void)state;
	struct wifi_params p;
	defaults(&p);
	p.interval_ms = 1000;
	p.timeout_ms = 500;
	struct host_log h = { 0 };
	standin_set_mode("replay");
	void *w = start(&p, "lo", &h);
	assert_non_null(w);
	run_until(&h, 1, 5);
	assert_int_equal(h.n, 1);
	/* iwinfo_client: signal -62, noise -92, bitrate 144400 kbit/s */
	assert_true(h.last.wifi.signal_dbm == -62 && h.last.wifi.noise_dbm == -92);
	assert_true(fabs(h.last.wifi.bitrate_mbps - 144.4) < 1e-9);
	assert_true(isnan(h.last.latency_ms) && h.last.link_up == TRI_UNKNOWN);
	assert_int_equal(h.faults, 0);
	assert_int_equal(h.clears, 1);
	char s[160];
	metric_str(w, "active", NULL, s, sizeof(s));
	assert_string_equal(s, "iwinfo");
	metric_str(w, "nl80211", "status", s, sizeof(s));
	assert_string_equal(s, "failing");
	metric_str(w, "nl80211", "reason", s, sizeof(s));
	print_message("nl80211 on lo: %s\n", s);
	assert_true(strcmp(s, "nl80211: no nl80211 family in the kernel (no Wi-Fi driver)") == 0 ||
		    strcmp(s, "nl80211: lo is not a wireless device (No such device)") == 0 ||
		    strcmp(s, "nl80211: lo is not a wireless device (Operation not supported)") == 0 ||
		    strcmp(s, "nl80211: lo is not a wireless device (Invalid argument)") == 0);
	metric_str(w, "radio", "snr_db", s, sizeof(s));
	assert_true(strtod(s, NULL) == 30);
	metric_str(w, "radio", "ssid", s, sizeof(s));
	assert_string_equal(s, "Camping-WiFi");
	metric_str(w, "associated", NULL, s, sizeof(s));
	assert_string_equal(s, "true");
	char args[256] = "";
	char path[128];
	snprintf(path, sizeof(path), "%s/args", standin_dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(args, sizeof(args), f));
	fclose(f);
	assert_string_equal(args, "call iwinfo info {\"device\":\"lo\"}\n");

	/* ubus fails: every failing provider is in the fault, the sample is all unknown */
	standin_set_mode("fail");
	run_until(&h, 2, 5);
	assert_int_equal(h.n, 2);
	assert_true(isnan(h.last.wifi.signal_dbm) && isnan(h.last.wifi.noise_dbm) && isnan(h.last.wifi.bitrate_mbps));
	assert_int_equal(h.faults, 1);
	assert_non_null(strstr(h.reason, "no Wi-Fi source answered; nl80211: "));
	assert_non_null(strstr(h.reason, "; iwinfo: ubus exited 4: Command failed: Not found"));

	/* hangs: killed at the 500 ms timeout, the fault's reason changes */
	standin_set_mode("hang");
	ev_tstamp t0 = ev_time();
	run_until_reason(&h, "; iwinfo: ubus timed out after 500 ms", 6);
	double took = ev_time() - t0;
	assert_non_null(strstr(h.reason, "; iwinfo: ubus timed out after 500 ms"));
	assert_true(took < 4.5);	/* its backoff (2 s after 2 failures) + the 500 ms */
	assert_int_equal(h.faults, 2);	/* raised, then the reason changed */
	int n = h.n;
	metric_str(w, "iwinfo", "last_duration_ms", s, sizeof(s));
	long ms = strtol(s, NULL, 10);
	print_message("hanging ubus ended after %ld ms\n", ms);
	assert_true(ms >= 500 && ms < 1500);

	/* a recheck asks at once, backoff or not, and the fault clears */
	standin_set_mode("replay");
	t0 = ev_time();
	wifi_collector.poll_now(w);
	assert_int_equal(h.n, n);	/* not from inside the ops call */
	run_until(&h, n + 1, 5);
	assert_int_equal(h.n, n + 1);
	assert_true(ev_time() - t0 < 0.9);
	assert_true(h.last.wifi.signal_dbm == -62);
	assert_int_equal(h.clears, 2);
	assert_string_equal(h.reason, "");
	wifi_collector.stop(w);
}

static void t_nl80211_only(void **state)
{
	(void)state;
	struct wifi_params p;
	defaults(&p);
	p.provider = WIFI_PROV_NL80211 + 1;
	struct host_log h = { 0 };
	void *w = start(&p, "sfw-none0", &h);	/* no such device */
	assert_non_null(w);
	run_until(&h, 1, 5);
	assert_int_equal(h.n, 1);
	assert_true(isnan(h.last.wifi.signal_dbm));
	assert_string_equal(h.reason, "no Wi-Fi source answered; nl80211: device sfw-none0 not found");
	char s[160];
	metric_str(w, "iwinfo", "status", s, sizeof(s));
	assert_string_equal(s, "untried");
	wifi_collector.stop(w);
}

static void t_stop_while_hanging(void **state)
{
	(void)state;
	struct wifi_params p;
	defaults(&p);
	p.provider = WIFI_PROV_IWINFO + 1;
	standin_set_mode("hang");
	char pidf[128];
	snprintf(pidf, sizeof(pidf), "%s/pid", standin_dir);
	unlink(pidf);
	struct host_log h = { 0 };
	void *w = start(&p, "lo", &h);
	assert_non_null(w);
	FILE *f = NULL;
	ev_tstamp end = ev_time() + 3;
	while (!(f = fopen(pidf, "r")) && ev_time() < end)
		ev_run(EV_DEFAULT, EVRUN_NOWAIT), usleep(10000);
	assert_non_null(f);
	int pid = 0;
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	assert_int_equal(kill(pid, 0), 0);
	wifi_collector.stop(w);
	assert_int_equal(h.n, 0);
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/%d", pid);
	assert_int_not_equal(access(proc, F_OK), 0);
}

int main(void)
{
	log_open("test_wifi_collector", LOG_TO_STDERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_defaults),
		cmocka_unit_test(t_fallback_then_fault),
		cmocka_unit_test(t_nl80211_only),
		cmocka_unit_test(t_stop_while_hanging),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
