/*
 * test_cellular_collector.c - the cellular collector in-process, on the
 * default loop, with stand-in tools (shell scripts) first on $PATH: the
 * option defaults, refused params, a replayed mmcli poll reaching the host
 * as sample.cell, a failed poll reaching it as all unknown, recheck
 * (poll_now) skipping the backoff, stop() while a tool hangs (the
 * child is killed, nothing leaks: run it under ASan), and stop() in the
 * middle of an AT round on a pty (no callback, the port closed).
 */
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
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
#include "cellular.h"
#include "log.h"
#include "standin_tools.h"


struct host_log {
	int n;
	struct sample last;
};

static void on_sample(void *ctx, const struct sample *s, const struct collector_report *r)
{
	(void)r;
	struct host_log *h = ctx;
	h->n++;
	h->last = *s;
}

/* mmcli stand-in: the mode file says replay | fail | hang */
static void write_mmcli(void)
{
	standin_script("mmcli", "#!/bin/sh\nmode=$(cat %s/mode)\n"
		"case \"$mode\" in\nhang) echo $$ > %s/pid; exec sleep 600 ;;\nfail) exit 1 ;;\nesac\n"
		"case \"$*\" in\n*--signal-get*) echo '{\"modem\":{\"signal\":{\"lte\":{\"rsrp\":\"-101.00\","
		"\"rsrq\":\"-12.00\",\"rssi\":\"-71.00\",\"snr\":\"4.20\"}}}}' ;;\n"
		"*) echo '{\"modem\":{\"3gpp\":{\"registration-state\":\"roaming\"}}}' ;;\nesac\n",
		standin_dir, standin_dir);
}

static int setup(void **state)
{
	(void)state;
	standin_make("sf-cellut");
	write_mmcli();
	standin_set_mode("replay");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return standin_remove();
}

static void defaults(struct cellular_params *p)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(cfg_apply_defaults(cellular_options, p), 0);
}

static void *start(struct cellular_params *p, struct host_log *h)
{
	struct collector_args a = { .member = "mob1s1a1", .device = "", .cls = CLASS_CELLULAR, .params = p };
	struct collector_host host = { .sample = on_sample, .ctx = h };
	char err[128] = "";
	void *inst = cellular_collector.start(EV_DEFAULT, &a, &host, err, sizeof(err));
	if (!inst)
		print_message("start: %s\n", err);
	return inst;
}

static void run_until(struct host_log *h, int n, double max_s)
{
	ev_tstamp end = ev_now(EV_DEFAULT) + max_s;
	while (h->n < n && ev_now(EV_DEFAULT) < end)
		ev_run(EV_DEFAULT, EVRUN_ONCE);
}

static void t_defaults(void **state)
{
	(void)state;
	struct cellular_params p;
	defaults(&p);
	assert_int_equal(p.provider, CELL_PROVIDER_AUTO);
	assert_int_equal(p.interval_ms, 10000);
	assert_int_equal(p.timeout_ms, 5000);
	assert_string_equal(p.uqmi_device, "/dev/cdc-wdm0");
	for (const struct cfg_option *o = cellular_options; o->name; o++)
		assert_true(strncmp(o->name, "cell_", 5) == 0);
	struct host_log h = { 0 };
	p.provider = 9;
	assert_null(start(&p, &h));
	/* the AT provider: off unless a port is named; alone it needs one */
	defaults(&p);
	assert_string_equal(p.at_port, "");
	assert_string_equal(p.at_lock_dir, "/var/lock");
	assert_int_equal(p.at_timeout_ms, 2000);
	p.provider = CELL_PROV_AT + 1;
	assert_null(start(&p, &h));
}

/* Stopped in the middle of an AT round: no callback, the port closed at once. */
static void t_stop_mid_at_round(void **state)
{
	(void)state;
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(m >= 0);
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	struct cellular_params p;
	defaults(&p);
	p.provider = CELL_PROV_AT + 1;
	snprintf(p.at_port, sizeof(p.at_port), "%s", ptsname(m));
	p.at_lock_dir[0] = '\0';
	struct host_log h = { 0 };
	void *c = start(&p, &h);
	assert_non_null(c);
	fcntl(m, F_SETFL, O_NONBLOCK);
	char got[64] = "";
	size_t n = 0;
	ev_tstamp end = ev_time() + 3;
	while (!strstr(got, "ATE0\r") && ev_time() < end) {
		ev_run(EV_DEFAULT, EVRUN_NOWAIT);
		ssize_t r = read(m, got + n, sizeof(got) - 1 - n);
		if (r > 0)
			got[n += (size_t)r] = '\0';
		usleep(5000);
	}
	assert_non_null(strstr(got, "ATE0\r"));
	cellular_collector.stop(c);
	assert_int_equal(h.n, 0);
	/* no slave end open any more: the master reads EIO */
	char b[8];
	errno = 0;
	assert_int_equal(read(m, b, sizeof(b)), -1);
	assert_int_equal(errno, EIO);
	close(m);
}

static void t_replay_then_fail(void **state)
{
	(void)state;
	struct cellular_params p;
	defaults(&p);
	p.provider = CELL_PROV_MMCLI + 1;
	p.interval_ms = 1000;
	struct host_log h = { 0 };
	void *c = start(&p, &h);
	assert_non_null(c);
	run_until(&h, 1, 5);
	assert_int_equal(h.n, 1);
	assert_true(h.last.cell.rsrp_dbm == -101 && h.last.cell.rsrq_db == -12 && h.last.cell.sinr_db == 4.2 &&
		    h.last.cell.rssi_dbm == -71);
	assert_int_equal(h.last.cell.roaming, TRI_TRUE);
	assert_true(isnan(h.last.latency_ms) && h.last.link_up == TRI_UNKNOWN);
	int64_t t1 = h.last.t_ms;

	standin_set_mode("fail");
	run_until(&h, 2, 5);
	assert_int_equal(h.n, 2);
	assert_true(isnan(h.last.cell.rsrp_dbm) && h.last.cell.roaming == TRI_UNKNOWN);
	assert_true(h.last.t_ms >= t1);
	struct json_object *o = json_object_new_object();
	cellular_collector.metrics_json(c, o);
	struct json_object *cell, *mm, *reason;
	assert_true(json_object_object_get_ex(o, "cellular", &cell));
	assert_true(json_object_object_get_ex(cell, "mmcli", &mm));
	assert_true(json_object_object_get_ex(mm, "reason", &reason));
	assert_string_equal(json_object_get_string(reason), "mmcli: exited 1");
	json_object_put(o);

	/* backing off now (next try in 2 s); a recheck asks at once */
	standin_set_mode("replay");
	ev_tstamp t0 = ev_time();
	cellular_collector.poll_now(c);
	run_until(&h, 3, 5);
	assert_int_equal(h.n, 3);
	assert_true(ev_time() - t0 < 0.9);
	assert_true(h.last.cell.rsrp_dbm == -101);
	cellular_collector.stop(c);
}

static void t_stop_while_hanging(void **state)
{
	(void)state;
	struct cellular_params p;
	defaults(&p);
	p.provider = CELL_PROV_MMCLI + 1;
	standin_set_mode("hang");
	char pidf[128];
	snprintf(pidf, sizeof(pidf), "%s/pid", standin_dir);
	unlink(pidf);
	struct host_log h = { 0 };
	void *c = start(&p, &h);
	assert_non_null(c);
	FILE *f = NULL;
	ev_tstamp end = ev_time() + 3;
	while (!(f = fopen(pidf, "r")) && ev_time() < end)
		ev_run(EV_DEFAULT, EVRUN_NOWAIT), usleep(10000);
	assert_non_null(f);
	int pid = 0;
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	assert_int_equal(kill(pid, 0), 0);
	cellular_collector.stop(c);	/* abandons the job; the pool kills and reaps it */
	assert_int_equal(h.n, 0);
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/%d", pid);
	assert_int_not_equal(access(proc, F_OK), 0);
}

int main(void)
{
	log_open("test_cellular_collector", LOG_TO_STDERR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_defaults),
		cmocka_unit_test(t_replay_then_fail),
		cmocka_unit_test(t_stop_while_hanging),
		cmocka_unit_test(t_stop_mid_at_round),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
