/*
 * test_ctl_mwan3.c - the mwan3 controller against stand-in ubus, uci,
 * hotplug-call and mwan3 executables on PATH (mwan3_standin.c), which
 * record their argv and environment and model what mwan3 does with them:
 * the exact commands for failover, restore, stop and crash-restart in
 * state and metric mode; metrics that never drift over 1000 switches; a
 * hanging tool killed at the timeout; mwan3 reporting an interface offline
 * wins; what a `mwan3 restart` or a user changes is mended; garbage from
 * ubus is refused. Also the readers (recorded status JSON, `uci show` with
 * RutOS mob1s1a1 names), mwan3's marks, the computed metrics and the flow
 * flush decision.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "clock.h"
#include "conntrack.h"
#include "controller.h"
#include "ctl_mwan3_impl.h"
#include "daemon.h"

#ifndef STANDIN
#error STANDIN (path of mwan3_standin) must be defined
#endif

static char dir[40];

/* the shipped sample's shape: two interfaces, four members, three policies */
static const char conf[] =
	"mwan3.globals=globals\n"
	"mwan3.globals.mmx_mask='0x3F00'\n"
	"mwan3.wan=interface\n"
	"mwan3.wan.enabled='1'\n"
	"mwan3.wan.track_ip='1.0.0.1' '1.1.1.1' '208.67.222.222' '208.67.220.220'\n"
	"mwan3.wanb=interface\n"
	"mwan3.wanb.enabled='1'\n"
	"mwan3.wan_m1_w3=member\n"
	"mwan3.wan_m1_w3.interface='wan'\n"
	"mwan3.wan_m1_w3.metric='1'\n"
	"mwan3.wan_m1_w3.weight='3'\n"
	"mwan3.wan_m2_w3=member\n"
	"mwan3.wan_m2_w3.interface='wan'\n"
	"mwan3.wan_m2_w3.metric='2'\n"
	"mwan3.wanb_m1_w2=member\n"
	"mwan3.wanb_m1_w2.interface='wanb'\n"
	"mwan3.wanb_m1_w2.metric='1'\n"
	"mwan3.wanb_m2_w2=member\n"
	"mwan3.wanb_m2_w2.interface='wanb'\n"
	"mwan3.wanb_m2_w2.metric='2'\n"
	"mwan3.balanced=policy\n"
	"mwan3.balanced.use_member='wan_m1_w3' 'wanb_m1_w2'\n"
	"mwan3.wan_wanb=policy\n"
	"mwan3.wan_wanb.use_member='wan_m1_w3' 'wanb_m2_w2'\n"
	"mwan3.wanb_wan=policy\n"
	"mwan3.wanb_wan.use_member='wan_m2_w3' 'wanb_m1_w2'\n";

static void put(const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void drop(const char *name)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
}

static bool present(const char *name)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

static char *slurp(const char *name)
{
	static char buf[1 << 20];
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = 0;
	if (f)
		fclose(f);
	return buf;
}

/* The actions in the log (hotplug-call, uci set/delete/commit, mwan3), one a line, then the log is cleared. */
static const char *actions(void)
{
	static char out[1 << 16];
	out[0] = 0;
	char *log = slurp("log");
	for (char *l = strtok(log, "\n"); l; l = strtok(NULL, "\n")) {
		if (strncmp(l, "ubus", 4) == 0 || strncmp(l, "uci -q show", 11) == 0)
			continue;
		strncat(out, l, sizeof(out) - strlen(out) - 2);
		strcat(out, "\n");
	}
	drop("log");
	return out;
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/sf-m3.XXXXXX");
	assert_non_null(mkdtemp(dir));
	char bin[64], p[256], oldpath[4200];
	snprintf(bin, sizeof(bin), "%s/bin", dir);
	mkdir(bin, 0755);
	static const char *const tools[] = { "ubus", "uci", "hotplug-call", "mwan3" };
	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", bin, tools[i]);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fprintf(f, "#!/bin/sh\nexec %s %s %s \"$@\"\n", STANDIN, tools[i], dir);
		fclose(f);
		chmod(p, 0755);
	}
	static char saved[4000];
	if (!saved[0])
		snprintf(saved, sizeof(saved), "%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	snprintf(oldpath, sizeof(oldpath), "%s:%s", bin, saved);
	setenv("PATH", oldpath, 1);
	put("conf", conf);
	return 0;
}

static int teardown(void **state)
{
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- the controller ---- */

static const struct ctl_member members[] = {
	{ .member = "A", .iface = "wan", .device = "eth1", .order = 0 },
	{ .member = "B", .iface = "wanb", .device = "eth2", .order = 1 },
};

static int drifts, applied_states, actions_ok, actions_failed;

static void on_state(void *ctx, struct controller *c, enum ctl_rstate old, enum ctl_rstate now, const char *why)
{
	if (now == CTL_RS_DRIFTED && old != CTL_RS_DRIFTED)
		drifts++;
	if (now == CTL_RS_APPLIED)
		applied_states++;
}

static void on_action(void *ctx, struct controller *c, bool ok, const char *member, const char *text)
{
	if (ok)
		actions_ok++;
	else
		actions_failed++;
}

static struct controller *make(int mode, int timeout_ms, int check_ms)
{
	struct ctl_params p = { .mwan3_mode = mode, .mwan3_timeout_ms = timeout_ms, .mwan3_check_ms = check_ms,
				.flush_conntrack = CTL_FLUSH_DEAD };
	snprintf(p.mwan3_state_file, sizeof(p.mwan3_state_file), "%s/state", dir);
	char err[128];
	struct controller *c = controller_new("mwan3", &p, EV_DEFAULT, err, sizeof(err));
	assert_non_null(c);
	controller_set_members(c, members, 2);
	controller_set_observer(c, on_state, NULL);
	controller_set_action_observer(c, on_action, NULL);
	drifts = applied_states = actions_ok = actions_failed = 0;
	assert_int_equal(controller_init(c), 0);
	return c;
}

static struct ctl_target target(const char *member, const char *iface, const char *dev)
{
	struct ctl_target t;
	memset(&t, 0, sizeof(t));
	snprintf(t.member, sizeof(t.member), "%s", member);
	snprintf(t.iface, sizeof(t.iface), "%s", iface);
	snprintf(t.device, sizeof(t.device), "%s", dev);
	t.use4 = true;
	return t;
}

struct done { bool got; int answer; };

static void on_done(void *ctx, struct controller *c, int answer)
{
	struct done *d = ctx;
	d->got = true;
	d->answer = answer;
}

static void spin_ms(int ms)
{
	int64_t end = clock_mono_ms() + ms;
	while (clock_mono_ms() < end)
		ev_run(EV_DEFAULT, EVRUN_NOWAIT), usleep(1000);
}

static int apply(struct controller *c, const struct ctl_target *t)
{
	struct done d = { false, 0 };
	int a = controller_apply(c, t, on_done, &d);
	if (a != CTL_IN_PROGRESS)
		return a;
	int64_t end = clock_mono_ms() + 20000;
	while (!d.got && clock_mono_ms() < end)
		ev_run(EV_DEFAULT, EVRUN_ONCE);
	assert_true(d.got);
	return d.answer;
}

static const struct ctl_target *A(void)
{
	static struct ctl_target t;
	t = target("A", "wan", "eth1");
	return &t;
}

static const struct ctl_target *B(void)
{
	static struct ctl_target t;
	t = target("B", "wanb", "eth2");
	return &t;
}

#define EV_WANB_DOWN "hotplug-call iface | ACTION=disconnected INTERFACE=wanb DEVICE=eth2 STARFAIL=1\n"
#define EV_WANB_UP "hotplug-call iface | ACTION=connected INTERFACE=wanb DEVICE=eth2 STARFAIL=1\n"
#define EV_WAN_DOWN "hotplug-call iface | ACTION=disconnected INTERFACE=wan DEVICE=eth1 STARFAIL=1\n"
#define EV_WAN_UP "hotplug-call iface | ACTION=connected INTERFACE=wan DEVICE=eth1 STARFAIL=1\n"

static void test_state_failover_restore_stop(void **state)
{
	struct controller *c = make(CTL_MWAN3_STATE, 2000, 600000);
	assert_int_equal(apply(c, A()), CTL_DONE);
	assert_string_equal(actions(), EV_WANB_DOWN);
	assert_int_equal(controller_rstate(c), CTL_RS_APPLIED);
	assert_non_null(strstr(slurp("state"), "demoted wanb eth2"));

	assert_int_equal(apply(c, B()), CTL_DONE);	/* failover */
	assert_string_equal(actions(), EV_WANB_UP EV_WAN_DOWN);
	assert_int_equal(apply(c, A()), CTL_DONE);	/* restore */
	assert_string_equal(actions(), EV_WAN_UP EV_WANB_DOWN);
	assert_int_equal(apply(c, A()), CTL_DONE);	/* in place: nothing to do */
	assert_string_equal(actions(), "");
	assert_int_equal(actions_failed, 0);

	controller_shutdown(c);	/* stop: wanb given back to mwan3 */
	assert_string_equal(actions(), EV_WANB_UP);
	assert_false(present("state"));
	controller_free(c);
}

static void test_state_crash_restart(void **state)
{
	struct controller *c = make(CTL_MWAN3_STATE, 2000, 600000);
	assert_int_equal(apply(c, B()), CTL_DONE);
	assert_string_equal(actions(), EV_WAN_DOWN);
	controller_free(c);	/* a crash: no shutdown */
	assert_non_null(strstr(slurp("state"), "demoted wan eth1"));
	assert_string_equal(actions(), "");

	c = make(CTL_MWAN3_STATE, 2000, 600000);	/* the restart restores first */
	assert_int_equal(apply(c, NULL), CTL_DONE);
	assert_string_equal(actions(), EV_WAN_UP);
	assert_false(present("state"));
	controller_shutdown(c);
	assert_string_equal(actions(), "");
	controller_free(c);
}

#define SET(s, v) "uci set mwan3." s ".metric=" v " |\n"

static void test_metric_failover_restore_stop(void **state)
{
	struct controller *c = make(CTL_MWAN3_METRIC, 2000, 600000);
	assert_int_equal(apply(c, A()), CTL_DONE);
	assert_string_equal(actions(), SET("wan_m2_w3", "1") SET("wanb_m1_w2", "2") EV_WAN_UP);
	assert_int_equal(apply(c, B()), CTL_DONE);
	assert_string_equal(actions(), SET("wan_m1_w3", "2") SET("wan_m2_w3", "2") SET("wanb_m1_w2", "1")
				       SET("wanb_m2_w2", "1") EV_WANB_UP);
	assert_int_equal(apply(c, A()), CTL_DONE);
	assert_string_equal(actions(), SET("wan_m1_w3", "1") SET("wan_m2_w3", "1") SET("wanb_m1_w2", "2")
				       SET("wanb_m2_w2", "2") EV_WAN_UP);
	char *st = slurp("state");
	assert_non_null(strstr(st, "metric wan_m2_w3 2 1"));	/* the user's 2, ours 1 */
	controller_shutdown(c);
	assert_string_equal(actions(), SET("wan_m1_w3", "1") SET("wan_m2_w3", "2") SET("wanb_m1_w2", "1")
				       SET("wanb_m2_w2", "2") EV_WAN_UP);
	assert_false(present("state"));
	controller_free(c);
}

static void test_metric_crash_restart(void **state)
{
	struct controller *c = make(CTL_MWAN3_METRIC, 2000, 600000);
	assert_int_equal(apply(c, B()), CTL_DONE);
	actions();
	controller_free(c);	/* crash */
	assert_true(present("state"));
	c = make(CTL_MWAN3_METRIC, 2000, 600000);
	spin_ms(300);
	assert_string_equal(actions(), SET("wan_m1_w3", "1") SET("wan_m2_w3", "2") SET("wanb_m1_w2", "1")
				       SET("wanb_m2_w2", "2") EV_WAN_UP);
	assert_false(present("state"));
	controller_shutdown(c);
	controller_free(c);
}

/* 1000 switches; 200 in the sanitizer build, where every switch starts
 * ASan-built stand-ins (about 0.2 s each): the release build runs all 1000 */
#ifdef __SANITIZE_ADDRESS__
#define DRIFT_SWITCHES 200
#else
#define DRIFT_SWITCHES 1000
#endif

static void test_metric_no_drift_1000(void **state)
{
	struct controller *c = make(CTL_MWAN3_METRIC, 2000, 600000);
	int64_t t0 = clock_mono_ms();
	for (int i = 0; i < DRIFT_SWITCHES; i++)
		assert_int_equal(apply(c, i % 2 ? B() : A()), CTL_DONE);
	int64_t ms = clock_mono_ms() - t0;
	char *log = slurp("log");
	int sets = 0;
	for (char *l = strstr(log, "uci set"); l; l = strstr(l + 1, "uci set")) {
		const char *v = strstr(l, ".metric=");
		assert_non_null(v);
		assert_true(v[8] == '1' || v[8] == '2');	/* computed, never grown */
		assert_true(v[9] == ' ');
		sets++;
	}
	assert_null(strstr(log, "commit"));
	assert_null(strstr(log, "\nmwan3 "));
	assert_int_equal(sets, 2 + (DRIFT_SWITCHES - 1) * 4);
	print_message("metric mode: %d switches in %lld ms (%.1f ms each), %d uci set, metrics 1 and 2 only\n",
		      DRIFT_SWITCHES, (long long)ms, (double)ms / DRIFT_SWITCHES, sets);
	drop("log");
	controller_shutdown(c);
	assert_string_equal(actions(), SET("wan_m1_w3", "1") SET("wan_m2_w3", "2") SET("wanb_m1_w2", "1")
				       SET("wanb_m2_w2", "2") EV_WANB_UP);
	controller_free(c);
}

static void test_hanging_tool_killed(void **state)
{
	put("hang.ubus", "");
	struct controller *c = make(CTL_MWAN3_STATE, 300, 600000);
	int64_t t0 = clock_mono_ms();
	assert_int_equal(apply(c, A()), CTL_ERROR);
	int64_t ms = clock_mono_ms() - t0;
	assert_non_null(strstr(controller_error(c), "timed out after 300 ms"));
	/* 3 attempts of 300 ms (+ kill) with 500 and 1000 ms between */
	assert_true(ms >= 3 * 300 + 1500 - 50 && ms < 6000);
	int pid = atoi(slurp("pid.ubus"));
	assert_true(pid > 0);
	assert_int_equal(kill(pid, 0), -1);	/* killed and reaped */
	assert_int_equal(errno, ESRCH);
	assert_string_equal(actions(), "");
	print_message("hanging ubus: apply failed after %lld ms (3 attempts, timeout 300 ms)\n", (long long)ms);
	drop("hang.ubus");
	controller_shutdown(c);
	controller_free(c);
}

static void test_mwan3_offline_wins(void **state)
{
	put("track.wanb", "offline\n");
	struct controller *c = make(CTL_MWAN3_STATE, 2000, 600000);
	assert_int_equal(apply(c, A()), CTL_DONE);
	assert_string_equal(actions(), "");	/* wanb is offline for mwan3: not in a policy, nothing to do */
	assert_int_equal(apply(c, B()), CTL_ERROR);
	assert_non_null(strstr(controller_error(c), "considers wanb offline"));
	assert_string_equal(actions(), "");	/* never connected, and wan not held down */
	assert_int_equal(controller_rstate(c), CTL_RS_DRIFTED);

	/* held down by us, then mwan3 has the wanted one offline: ours given back, mwan3 decides */
	drop("track.wanb");
	assert_int_equal(apply(c, A()), CTL_DONE);
	assert_string_equal(actions(), EV_WANB_DOWN);
	put("track.wan", "offline\n");
	assert_int_equal(apply(c, A()), CTL_ERROR);
	assert_string_equal(actions(), EV_WANB_UP);	/* given back once; mwan3 has it online */
	assert_null(strstr(slurp("log"), "INTERFACE=wan "));
	controller_shutdown(c);
	controller_free(c);
}

static void test_reconcile_mends(void **state)
{
	struct controller *c = make(CTL_MWAN3_STATE, 2000, 200);
	assert_int_equal(apply(c, A()), CTL_DONE);
	assert_string_equal(actions(), EV_WANB_DOWN);
	put("hp.wanb", "online\n");	/* `mwan3 restart`: every interface online again */
	int64_t t0 = clock_mono_ms();
	while (!strstr(slurp("log"), "INTERFACE=wanb") && clock_mono_ms() - t0 < 3000)
		ev_run(EV_DEFAULT, EVRUN_ONCE);
	spin_ms(100);
	assert_string_equal(actions(), EV_WANB_DOWN);
	assert_int_equal(drifts, 1);
	assert_int_equal(controller_rstate(c), CTL_RS_APPLIED);
	assert_int_equal(c->repairs, 1);
	print_message("state mode: a `mwan3 restart` mended in %lld ms (check every 200 ms)\n",
		      (long long)(clock_mono_ms() - t0));
	controller_shutdown(c);
	controller_free(c);
}

static void test_reconcile_user_metric(void **state)
{
	struct controller *c = make(CTL_MWAN3_METRIC, 2000, 200);
	assert_int_equal(apply(c, A()), CTL_DONE);
	actions();
	put("delta", "mwan3.wanb_m1_w2.metric='7'\n");	/* wiped our deltas and set its own */
	spin_ms(800);
	assert_string_equal(actions(), SET("wan_m2_w3", "1") SET("wanb_m1_w2", "2") EV_WAN_UP);
	assert_int_equal(drifts, 1);
	controller_shutdown(c);	/* the user's 7 is what is restored */
	assert_string_equal(actions(), SET("wan_m1_w3", "1") SET("wan_m2_w3", "2") SET("wanb_m1_w2", "7")
				       SET("wanb_m2_w2", "2") EV_WAN_UP);
	controller_free(c);
}

static void test_garbage_refused(void **state)
{
	put("garbage.ubus", "");
	struct controller *c = make(CTL_MWAN3_STATE, 2000, 600000);
	assert_int_equal(apply(c, A()), CTL_ERROR);
	assert_non_null(strstr(controller_error(c), "not JSON"));
	assert_string_equal(actions(), "");
	drop("garbage.ubus");
	put("conf", "mwan3.wan=interface\n");	/* wanb unknown to mwan3 */
	assert_int_equal(apply(c, B()), CTL_ERROR);
	assert_non_null(strstr(controller_error(c), "no interface 'wanb'"));
	controller_shutdown(c);
	controller_free(c);
}

/* ---- readers ---- */

static void test_parse_status_recorded(void **state)
{
	/* shape of `ubus call mwan3 status '{"section":"interfaces"}'` on a RUTX (mob1s1a1, mob1s2a1) */
	const char *js = "{\"interfaces\":{\"wan\":{\"age\":2,\"online\":3521,\"offline\":0,\"uptime\":3530,"
			 "\"score\":10,\"lost\":0,\"turn\":0,\"status\":\"online\",\"enabled\":true,\"running\":true,"
			 "\"tracking\":\"active\",\"up\":true,\"track_ip\":[{\"ip\":\"1.1.1.1\",\"status\":\"up\","
			 "\"latency\":11,\"packetloss\":0}]},\"mob1s1a1\":{\"age\":1,\"online\":0,\"offline\":120,"
			 "\"uptime\":0,\"score\":0,\"lost\":5,\"turn\":5,\"status\":\"offline\",\"enabled\":true,"
			 "\"running\":true,\"tracking\":\"active\",\"up\":false,\"track_ip\":[]},\"mob1s2a1\":{"
			 "\"status\":\"unknown\",\"enabled\":false,\"running\":false,\"tracking\":\"disabled\","
			 "\"up\":true},\"bad name\":{\"status\":\"online\"},\"wan6\":7}}";
	struct m3_status st;
	char err[128];
	assert_int_equal(m3_parse_status(js, &st, err, sizeof(err)), 0);
	assert_int_equal(st.n, 3);
	assert_true(m3_iface_usable(m3_status_find(&st, "wan")));
	assert_false(m3_iface_usable(m3_status_find(&st, "mob1s1a1")));
	assert_true(m3_iface_usable(m3_status_find(&st, "mob1s2a1")));	/* no tracker, netifd up */
	assert_null(m3_status_find(&st, "bad name"));
	assert_int_equal(m3_parse_status("{\"interfaces\":[]}", &st, err, sizeof(err)), -1);
	assert_int_equal(m3_parse_status("Command failed: Not found", &st, err, sizeof(err)), -1);
	assert_int_equal(m3_parse_status("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", &st, err, sizeof(err)), -1);

	struct m3_policies po;
	const char *pj = "{\"policies\":{\"ipv4\":{\"balanced\":[{\"interface\":\"wan\",\"percent\":60},"
			 "{\"interface\":\"mob1s1a1\",\"percent\":40}],\"wan_only\":[{\"interface\":\"wan\","
			 "\"percent\":100}],\"x\":[7,{\"interface\":3}]},\"ipv6\":{\"balanced\":[{\"interface\":"
			 "\"wan6\",\"percent\":100}]}}}";
	assert_int_equal(m3_parse_policies(pj, &po, err, sizeof(err)), 0);
	assert_true(m3_policies_use(&po, "wan6"));
	assert_true(m3_policies_share(&po, "wan", "mob1s1a1"));
	assert_false(m3_policies_share(&po, "wan6", "mob1s1a1"));
	assert_false(m3_policies_use(&po, "mob1s2a1"));
}

static void test_parse_uci_rutos(void **state)
{
	const char *show = "mwan3.globals=globals\n"
			   "mwan3.globals.mmx_mask='0x3F00'\n"
			   "mwan3.globals.rtmon_interval='5'\n"
			   "mwan3.wan=interface\n"
			   "mwan3.wan.track_ip='1.1.1.1' '8.8.8.8'\n"
			   "mwan3.mob1s1a1=interface\n"
			   "mwan3.mob1s2a1=interface\n"
			   "mwan3.@condition[0]=condition\n"
			   "mwan3.@condition[0].interface='mob1s1a1'\n"
			   "mwan3.mob1s1a1_m1=member\n"
			   "mwan3.mob1s1a1_m1.interface='mob1s1a1'\n"
			   "mwan3.mob1s1a1_m1.metric='2'\n"
			   "mwan3.mob1s2a1_m1=member\n"
			   "mwan3.mob1s2a1_m1.interface='mob1s2a1'\n"
			   "mwan3.@member[2]=member\n"
			   "mwan3.@member[2].interface='wan'\n"
			   "mwan3.@member[2].metric='1'\n"
			   "mwan3.bad=member\n"
			   "mwan3.bad.metric='-3'\n"
			   "junk line\n";
	struct m3_uci u;
	char err[128];
	assert_int_equal(m3_parse_uci(show, &u, err, sizeof(err)), 0);
	assert_int_equal(u.n_ifaces, 3);
	assert_int_equal(u.n, 4);
	assert_string_equal(u.s[0].name, "mob1s1a1_m1");
	assert_int_equal(u.s[0].metric, 2);
	assert_false(u.s[1].has_metric);
	assert_string_equal(u.s[2].name, "@member[2]");
	assert_string_equal(u.s[2].iface, "wan");
	assert_false(u.s[3].has_metric);	/* -3 refused */
	assert_int_equal(m3_iface_mark(&u, "wan"), 0x100);
	assert_int_equal(m3_iface_mark(&u, "mob1s2a1"), 0x300);
	assert_int_equal(m3_iface_mark(&u, "nope"), 0);
	assert_int_equal(m3_id2mark(5, 0xAA), 0x22);
	assert_int_equal(m3_parse_uci("garbage\nmore garbage\n", &u, err, sizeof(err)), -1);
}

static void test_metric_for(void **state)
{
	struct controller c;
	memset(&c, 0, sizeof(c));
	struct ctl_member ms[3] = {
		{ .member = "s", .iface = "wan", .order = 10 },
		{ .member = "c1", .iface = "mob1s1a1", .order = 20 },
		{ .member = "c2", .iface = "mob1s2a1", .order = 30 },
	};
	controller_set_members(&c, ms, 3);
	struct m3_section s = { .iface = "mob1s2a1" };
	assert_int_equal(m3_metric_for(&c, "wan", &s), 3);
	assert_int_equal(m3_metric_for(&c, "mob1s2a1", &s), 1);
	assert_int_equal(m3_metric_for(&c, "mob1s1a1", &s), 3);
	assert_int_equal(m3_metric_for(&c, "", &s), 4);
	struct m3_section o = { .iface = "lan2" };
	assert_int_equal(m3_metric_for(&c, "wan", &o), -1);
}

static void test_flow_decision(void **state)
{
	/* flush_conntrack, dead, flow_failback, metered */
	assert_false(daemon_flow_flush_wanted(CTL_FLUSH_OFF, true, FLOW_MOVE, true));
	assert_true(daemon_flow_flush_wanted(CTL_FLUSH_DEAD, true, FLOW_KEEP, false));
	assert_false(daemon_flow_flush_wanted(CTL_FLUSH_DEAD, false, FLOW_KEEP, true));
	assert_true(daemon_flow_flush_wanted(CTL_FLUSH_DEAD, false, FLOW_MOVE, false));
	assert_true(daemon_flow_flush_wanted(CTL_FLUSH_DEAD, false, FLOW_METERED, true));
	assert_false(daemon_flow_flush_wanted(CTL_FLUSH_DEAD, false, FLOW_METERED, false));
	assert_true(daemon_flow_flush_wanted(CTL_FLUSH_ALL, false, FLOW_KEEP, false));
}

/* A conntrack dump message: reply tuple dst (4 or dst_len bytes), optional mark. */
static struct nlmsghdr *ct_msg(char *buf, const char *reply_dst, int dst_len, bool with_mark, uint32_t mark)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_INET;
	struct in_addr a;
	inet_pton(AF_INET, "10.210.0.2", &a);
	struct nlattr *o = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG), *ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, &a);
	mnl_attr_nest_end(nlh, ip);
	mnl_attr_nest_end(nlh, o);
	if (reply_dst) {
		inet_pton(AF_INET, reply_dst, &a);
		struct nlattr *r = mnl_attr_nest_start(nlh, CTA_TUPLE_REPLY), *rip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
		char b[8] = { 0 };
		memcpy(b, &a, 4);
		mnl_attr_put(nlh, CTA_IP_V4_DST, (size_t)dst_len, b);
		mnl_attr_nest_end(nlh, rip);
		mnl_attr_nest_end(nlh, r);
	}
	if (with_mark)
		mnl_attr_put_u32(nlh, CTA_MARK, htonl(mark));
	return nlh;
}

static void test_conntrack_match(void **state)
{
	char buf[512] __attribute__((aligned(8)));
	struct ct_match m = { .has_addr4 = true };
	inet_pton(AF_INET, "10.201.1.2", &m.addr4);
	assert_int_equal(ct_msg_matches(&m, ct_msg(buf, "10.201.1.2", 4, false, 0)), 1);	/* NAT address */
	assert_int_equal(ct_msg_matches(&m, ct_msg(buf, "10.201.2.2", 4, false, 0)), 0);	/* another uplink */
	assert_int_equal(ct_msg_matches(&m, ct_msg(buf, "10.201.1.2", 3, false, 0)), -1);	/* short address */
	assert_int_equal(ct_msg_matches(&m, ct_msg(buf, NULL, 4, false, 0)), -1);	/* no reply tuple */
	m.has_mark = true;
	m.mark = 0x100;
	m.mark_mask = 0x3f00;
	assert_int_equal(ct_msg_matches(&m, ct_msg(buf, "10.201.2.2", 4, true, 0x80000123)), 1);	/* mark */
	assert_int_equal(ct_msg_matches(&m, ct_msg(buf, "10.201.2.2", 4, true, 0x200)), 0);
	struct nlmsghdr *nlh = ct_msg(buf, "10.201.1.2", 4, false, 0);
	nlh->nlmsg_len = NLMSG_LENGTH(2);	/* shorter than nfgenmsg */
	assert_int_equal(ct_msg_matches(&m, nlh), -1);
	struct ctl_target t = target("A", "wan", "eth1");
	t.has_src4 = true;
	t.src4 = m.addr4;
	ct_match_from_target(&m, &t);
	assert_true(m.has_addr4 && !m.has_addr6 && !m.has_mark);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_state_failover_restore_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_crash_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metric_failover_restore_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metric_crash_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metric_no_drift_1000, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hanging_tool_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mwan3_offline_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconcile_mends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconcile_user_metric, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_refused, setup, teardown),
		cmocka_unit_test(test_parse_status_recorded),
		cmocka_unit_test(test_parse_uci_rutos),
		cmocka_unit_test(test_metric_for),
		cmocka_unit_test(test_flow_decision),
		cmocka_unit_test(test_conntrack_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
