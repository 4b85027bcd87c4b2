/*
 * test_netifd.c - netifd's dump: the parser on recorded dumps (golden
 * values) and on hostile input (each refused with a message naming what
 * was wrong); the runner through util/proc against the stand-in
 * tests/bin/ubus (replay, hang killed at the timeout, garbage, failure,
 * missing); the dish check on loopback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>

#include "classify.h"
#include "clock.h"
#include "netifd.h"
#include "proc.h"

static struct netifd_state st;
static char err[NETIFD_ERR_MAX];

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char buf[NETIFD_DUMP_MAX_BYTES + 16];
	*len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[*len] = 0;
	return buf;
}

static int parse(const char *s)
{
	err[0] = 0;
	return netifd_parse_dump(s, strlen(s), &st, err, sizeof(err));
}

static void test_openwrt_qmi(void **state)
{
	size_t len;
	char *buf = slurp("tests/data/netifd/openwrt-qmi.json", &len);
	assert_int_equal(netifd_parse_dump(buf, len, &st, err, sizeof(err)), 0);
	assert_int_equal(st.n, 6);
	const struct netifd_iface *wan = netifd_find(&st, "wan");
	assert_non_null(wan);
	assert_true(wan->st.up);
	assert_string_equal(wan->st.proto, "dhcp");
	assert_string_equal(wan->st.l3_device, "eth0.2");
	assert_true(wan->st.route4);
	assert_string_equal(wan->st.gw4, "10.0.3.2");
	assert_int_equal(wan->st.n_addr4, 1);
	assert_string_equal(wan->st.addr4[0], "10.0.3.15");
	const struct netifd_iface *w6 = netifd_find(&st, "wan6");
	assert_true(w6->st.route6);
	assert_string_equal(w6->st.gw6, "fe80::1");
	assert_string_equal(w6->st.addr6[0], "2001:db8:100::15");
	const struct netifd_iface *g = netifd_find(&st, "4G");
	assert_false(g->st.up);
	assert_string_equal(g->st.l3_device, "");
	/* the modem's control path is not a netdev */
	const struct netifd_iface *q = netifd_find(&st, "wwan");
	assert_string_equal(q->device, "");
	assert_true(netifd_find(&st, "wwan_4")->dynamic);

	/* qmi: addresses and route come from the dynamic wwan_4 */
	struct uplink_netifd r;
	char dev[IF_NAMESIZE];
	netifd_resolve(&st, "wwan", &r, dev);
	assert_true(r.known);
	assert_string_equal(dev, "wwan0");
	assert_string_equal(r.proto, "qmi");
	assert_string_equal(r.via, "wwan_4");
	assert_string_equal(r.gw4, "100.91.27.113");
	assert_string_equal(r.addr4[0], "100.91.27.114");
	netifd_resolve(&st, "4G", &r, dev);
	assert_true(r.known);
	assert_false(r.up);
	assert_string_equal(dev, "");
	netifd_resolve(&st, "nosuch", &r, dev);
	assert_false(r.known);
	netifd_resolve(NULL, "wan", &r, dev);
	assert_false(r.known);
}

static void test_rutos(void **state)
{
	size_t len;
	char *buf = slurp("tests/data/netifd/rutos-rutx50.json", &len);
	assert_int_equal(netifd_parse_dump(buf, len, &st, err, sizeof(err)), 0);
	assert_int_equal(st.n, 6);
	struct uplink_netifd r;
	char dev[IF_NAMESIZE];
	netifd_resolve(&st, "mob1s1a1", &r, dev);
	assert_string_equal(dev, "qmimux0");
	assert_string_equal(r.proto, "wwan");
	assert_true(r.route4);
	assert_string_equal(r.gw4, "");	/* nexthop 0.0.0.0: on-link */
	assert_string_equal(r.addr4[0], "10.142.63.178");
	netifd_resolve(&st, "mob1s2a1", &r, dev);
	assert_true(r.known);
	assert_false(r.up);
	assert_string_equal(dev, "");
	netifd_resolve(&st, "wan", &r, dev);
	assert_string_equal(dev, "eth1");
	assert_string_equal(r.gw4, "100.64.0.1");
	assert_string_equal(r.addr4[0], "100.79.101.52");
}

static void assert_refused(const char *in, const char *frag)
{
	assert_int_equal(parse(in), -1);
	if (!strstr(err, frag))
		fail_msg("error '%s' does not say '%s'", err, frag);
	assert_int_equal(st.n, 0);
}

static void test_hostile(void **state)
{
	assert_refused("", "not JSON");
	assert_refused("{\"interface\": [ {\"interface\": \"wan\", \"up\": tru", "not JSON");
	assert_refused("<html>502 Bad Gateway</html>", "not JSON");
	assert_refused("[]", "expected an object with an \"interface\" array");
	assert_refused("{\"interface\": {}}", "\"interface\" array");
	assert_refused("{\"interface\": [1]}", "interface[0] is not an object");
	assert_refused("{\"interface\": [{\"up\": true}]}", "interface[0] has no string \"interface\"");
	assert_refused("{\"interface\": [{\"interface\": \"wan\", \"up\": \"yes\"}]}",
		       "interface[0] \"wan\": \"up\" is not a boolean");
	assert_refused("{\"interface\": [{\"interface\": \"wan\", \"l3_device\": \"../../etc\"}]}",
		       "\"l3_device\" '../../etc' is not a Linux device name");
	assert_refused("{\"interface\": [{\"interface\": \"wan\", \"l3_device\": \"averyveryverylongdev\"}]}",
		       "\"l3_device\" is longer than 15 bytes");
	assert_refused("{\"interface\": [{\"interface\": \"wan\", \"ipv4-address\": [{\"address\": \"300.1.1.1\"}]}]}",
		       "ipv4-address[0].address is not an IPv4 address");
	assert_refused("{\"interface\": [{\"interface\": \"wan\", \"route\": [{\"target\": \"0.0.0.0\"}]}]}",
		       "route[0] has no integer \"mask\"");
	assert_refused("{\"interface\": [{\"interface\": \"wan\", \"route\": [{\"target\": \"0.0.0.0\", \"mask\": 0, \"nexthop\": \"x\"}]}]}",
		       "route[0].nexthop is not an IPv4 address");
	assert_refused("{\"interface\": [{\"interface\": \"a\"}, {\"interface\": \"a\"}]}", "appears twice");
	assert_refused("{\"interface\": []} trailing", "at offset 18");
	assert_refused("{\"interface\": [{\"interface\": \"w\\u0000an\"}]}", "holds NUL");
	char nul[] = "{\"interface\": []}\0";
	assert_int_equal(netifd_parse_dump(nul, sizeof(nul) - 1, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL byte at offset 17"));
	/* deeper than NETIFD_MAX_DEPTH */
	char deep[200] = "{\"interface\": [{\"interface\": \"a\", \"data\": ";
	for (int i = 0; i < 20; i++)
		strcat(deep, "[");
	assert_refused(deep, "not JSON");
	/* terminal escapes in a name do not reach the message raw */
	assert_int_equal(parse("{\"interface\": [{\"interface\": \"\\u001b[31mx\", \"up\": 1}]}"), -1);
	assert_null(strchr(err, 0x1b));
	/* the empty dump and unknown fields are fine */
	assert_int_equal(parse("{\"interface\": [{\"interface\": \"x\", \"future\": {\"a\": [1]}}]}"), 0);
	assert_int_equal(st.n, 1);
}

static void test_caps(void **state)
{
	/* 70 interfaces: the first 64 kept, the rest counted */
	static char big[16384];
	size_t n = (size_t)snprintf(big, sizeof(big), "{\"interface\": [");
	for (int i = 0; i < 70; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%s{\"interface\": \"if%d\"}", i ? "," : "", i);
	snprintf(big + n, sizeof(big) - n, "]}");
	assert_int_equal(parse(big), 0);
	assert_int_equal(st.n, NETIFD_IFACES_MAX);
	assert_int_equal(st.skipped, 6);
	/* many addresses: the first UPLINK_ADDRS_MAX kept */
	n = (size_t)snprintf(big, sizeof(big), "{\"interface\": [{\"interface\": \"w\", \"ipv4-address\": [");
	for (int i = 0; i < 10; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%s{\"address\": \"10.0.0.%d\", \"mask\": 8}",
				      i ? "," : "", i);
	snprintf(big + n, sizeof(big) - n, "]}]}");
	assert_int_equal(parse(big), 0);
	assert_int_equal(st.ifaces[0].st.n_addr4, UPLINK_ADDRS_MAX);
	assert_string_equal(st.ifaces[0].st.addr4[3], "10.0.0.3");
}

/* ---- the runner against the stand-in ------------------------------------ */

static struct ev_loop *loop;
static struct proc_pool *pool;
static char logpath[] = "/tmp/sf-test-ubus.XXXXXX";

struct got {
	bool done;
	int rc;
	char err[NETIFD_ERR_MAX];
	uint64_t ms;
};

static void on_dump(const struct proc_result *res, void *ctx)
{
	struct got *g = ctx;
	g->done = true;
	g->ms = res->duration_ms;
	g->rc = netifd_dump_result(res, &st, g->err, sizeof(g->err));
}

static int setup(void **state)
{
	loop = ev_default_loop(0);
	pool = proc_pool_new(loop, 2, 4);
	assert_non_null(pool);
	int fd = mkstemp(logpath);
	assert_true(fd >= 0);
	close(fd);
	char path[4096];
	char cwd[1024];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(path, sizeof(path), "%s/tests/bin:%s", cwd, getenv("PATH"));
	setenv("PATH", path, 1);
	setenv("SF_UBUS_LOG", logpath, 1);
	setenv("SF_UBUS_DUMP", "tests/data/netifd/rutos-rutx50.json", 1);
	return 0;
}

static int teardown(void **state)
{
	proc_pool_free(pool);
	unlink(logpath);
	strcpy(logpath, "/tmp/sf-test-ubus.XXXXXX");
	return 0;
}

static struct got run(const char *mode, int timeout_ms)
{
	struct got g = { 0 };
	setenv("SF_UBUS_MODE", mode, 1);
	char e[NETIFD_ERR_MAX];
	assert_non_null(netifd_dump_start(pool, timeout_ms, on_dump, &g, e, sizeof(e)));
	int64_t until = clock_mono_ms() + timeout_ms + 5000;
	while (!g.done && clock_mono_ms() < until)
		ev_run(loop, EVRUN_ONCE);
	assert_true(g.done);
	return g;
}

static void test_run_replay(void **state)
{
	struct got g = run("replay", 3000);
	assert_int_equal(g.rc, 0);
	assert_int_equal(st.n, 6);
	FILE *f = fopen(logpath, "r");
	char line[256] = "";
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_string_equal(line, "call network.interface dump\n");	/* exactly this argv */
}

static void test_run_hang_killed(void **state)
{
	struct got g = run("hang", 400);
	assert_int_equal(g.rc, -1);
	assert_non_null(strstr(g.err, "ubus: timed out after 400 ms"));
	/* killed at the timeout: TERM at 400 ms (sleep dies of it) */
	assert_true(g.ms >= 400);
	assert_true(g.ms < 400 + PROC_KILL_GRACE_MS_DEFAULT + 300);
	assert_int_equal(st.n, 0);
}

static void test_run_garbage_fail_missing(void **state)
{
	struct got g = run("garbage", 3000);
	assert_int_equal(g.rc, -1);
	assert_non_null(strstr(g.err, "netifd dump: not JSON"));
	g = run("fail", 3000);
	assert_int_equal(g.rc, -1);
	assert_string_equal(g.err, "ubus: exited 4: Command failed: Not found");
	char *old = strdup(getenv("PATH"));
	setenv("PATH", "/nonexistent", 1);
	g = run("replay", 3000);
	setenv("PATH", old, 1);
	free(old);
	assert_int_equal(g.rc, -1);
	assert_non_null(strstr(g.err, "ubus: could not start: No such file or directory"));
}

/* ---- the dish check on loopback ---------------------------------------- */

struct dish_got {
	bool done, answered;
	char detail[200];
};

static void on_dish(void *ctx, bool answered, const char *detail)
{
	struct dish_got *g = ctx;
	g->done = true;
	g->answered = answered;
	snprintf(g->detail, sizeof(g->detail), "%s", detail);
}

static struct dish_got dish(const char *dev, int port)
{
	struct dish_got g = { 0 };
	char e[160];
	struct dish_check *dc = dish_check_start(loop, dev, "127.0.0.1", port, 500, on_dish, &g, e, sizeof(e));
	assert_non_null(dc);
	assert_false(g.done);	/* never inside start */
	int64_t until = clock_mono_ms() + 2000;
	while (!g.done && clock_mono_ms() < until)
		ev_run(loop, EVRUN_ONCE);
	dish_check_free(dc);
	assert_true(g.done);
	return g;
}

static void test_dish_check(void **state)
{
	if (geteuid() != 0)
		skip();	/* SO_BINDTODEVICE needs CAP_NET_RAW */
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 4), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	int port = ntohs(sa.sin_port);
	struct dish_got g = dish("lo", port);
	assert_true(g.answered);
	assert_non_null(strstr(g.detail, "via lo: accepted in"));
	close(s);
	g = dish("lo", port);	/* nobody listens now */
	assert_false(g.answered);
	assert_non_null(strstr(g.detail, "refused"));
	g = dish("sf-nosuch0", port);
	assert_false(g.answered);
	assert_non_null(strstr(g.detail, "via sf-nosuch0: cannot bind to the device: No such device"));
	char e[160];
	assert_null(dish_check_start(loop, "lo", "192.168.100", 9200, 500, on_dish, NULL, e, sizeof(e)));
	assert_non_null(strstr(e, "not an IPv4 address and port"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openwrt_qmi),
		cmocka_unit_test(test_rutos),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_caps),
		cmocka_unit_test_setup_teardown(test_run_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_hang_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_garbage_fail_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dish_check, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
