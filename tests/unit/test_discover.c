/*
 * test_discover.c - the members the daemon runs (discover.h) from recorded
 * inputs: the seed's example config (use_mwan3 '1', only a member list)
 * with a RutOS Failover mwan3 config and a RutOS netifd dump; OpenWrt's
 * shipped mwan3 config with a QMI dump; netifd alone (use_mwan3 off);
 * every bad input (netifd missing, failing, not knowing an interface).
 * Each member's device, class and the reason for it are checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "discover.h"
#include "classify.h"
#include "mwan3cfg.h"

static struct sf_config file, out, prev;
static struct config_report rep;
static struct mwan3_config mw;
static struct netifd_state nd;
static char err[NETIFD_ERR_MAX];

/* The seed's example configuration: its main options and a member list. */
static const char seed[] =
	"config starfail 'main'\n"
	"\toption enable '1'\n"
	"\toption use_mwan3 '1'\n"
	"\toption poll_interval_ms '1500'\n"
	"\toption predictive '1'\n"
	"\toption switch_margin '10'\n"
	"\n"
	"config member 'starlink'\n"
	"\toption interface 'wan'\n"
	"\n"
	"config member 'mob1s1a1'\n"
	"\toption metered '1'\n";

static void load_file(const char *text)
{
	if (config_load_buffer("/etc/config/starfail", text, strlen(text), &file, &rep) < 0) {
		config_report_print(&rep, stderr);
		fail_msg("config refused");
	}
}

static void load_dump(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char buf[NETIFD_DUMP_MAX_BYTES];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(netifd_parse_dump(buf, n, &nd, err, sizeof(err)), 0);
}

static struct discover_input input(void)
{
	struct discover_input in = {
		.file = &file, .mwan3 = file.core.use_mwan3 ? &mw : NULL, .netifd = &nd,
		.sysfs_net = "tests/data/sysfs/net",
	};
	return in;
}

static const struct member_config *member(const char *name)
{
	const struct member_config *m = config_find_member(&out, name);
	if (!m)
		fail_msg("no member '%s'", name);
	return m;
}

static void assert_has(const char *s, const char *frag)
{
	if (!strstr(s, frag))
		fail_msg("'%s' does not say '%s'", s, frag);
}

static void test_seed_rutos(void **state)
{
	load_file(seed);
	assert_int_equal(mwan3cfg_load("tests/data/mwan3/rutos", &mw, &rep), 0);
	load_dump("tests/data/netifd/rutos-rutx50.json");
	struct discover_input in = input();
	discover_merge(&in, &out, &rep);

	/* the two config members first, in their order, then mwan3's others */
	assert_int_equal(out.n_members, 4);
	assert_string_equal(out.members[0].name, "starlink");
	assert_string_equal(out.members[1].name, "mob1s1a1");
	assert_string_equal(out.members[2].name, "mob1s2a1");
	assert_string_equal(out.members[3].name, "wwan");
	int found = 0;
	for (int i = 0; i < rep.n_warnings; i++)
		if (strstr(rep.warnings[i], "tests/data/mwan3/rutos:46: interface 'wan6': family ipv6"))
			found++;
	assert_int_equal(found, 1);

	const struct member_config *m = member("starlink");
	assert_string_equal(m->device, "eth1");
	assert_int_equal(m->up.devsrc, UPLINK_DEV_NETIFD);
	assert_int_equal(m->up.from, UPLINK_FROM_CONFIG | UPLINK_FROM_MWAN3);
	assert_string_equal(m->up.mwan3.member, "wan_m1_w1");
	assert_int_equal(m->up.mwan3.metric, 1);
	assert_int_equal(m->priority, 1);	/* ... the metric: Starlink first, as in mwan3 */
	assert_string_equal(m->up.netifd.gw4, "100.64.0.1");
	assert_int_equal(m->cls, CLASS_STARLINK);
	assert_string_equal(m->up.class_reason,
			    "starlink: address 100.79.101.52 is in 100.64.0.0/10 (Starlink's CGNAT)");
	assert_string_equal(m->up.unusable, "");

	/* named after the mwan3 interface, without `interface`: that one */
	m = member("mob1s1a1");
	assert_string_equal(m->interface, "mob1s1a1");
	assert_string_equal(m->device, "qmimux0");
	assert_true(m->metered);	/* the config's own option */
	assert_int_equal(m->priority, 2);	/* no `option priority`: its mwan3 metric */
	assert_int_equal(m->cls, CLASS_CELLULAR);
	assert_string_equal(m->up.class_reason, "cellular: netifd proto 'wwan' of interface 'mob1s1a1'");

	/* SIM 2 is idle: netifd knows it, names no device: unusable, said why */
	m = member("mob1s2a1");
	assert_int_equal(m->up.from, UPLINK_FROM_MWAN3);
	assert_int_equal(m->priority, 3);	/* its mwan3 metric */
	assert_string_equal(m->device, "");
	assert_int_equal(m->up.devsrc, UPLINK_DEV_NONE);
	assert_string_equal(m->up.unusable, "netifd interface 'mob1s2a1' is down and names no device");
	assert_int_equal(m->cls, CLASS_CELLULAR);

	m = member("wwan");
	assert_string_equal(m->device, "wlan0-1");
	assert_int_equal(m->priority, 4);
	assert_int_equal(m->cls, CLASS_WIFI);
	assert_string_equal(m->up.class_reason,
			    "wifi: wlan0-1 is a wireless station (sysfs wireless/phy80211)");
}

/* A priority written in the config wins over mwan3's metric. */
static void test_written_priority_wins(void **state)
{
	load_file("config starfail 'main'\n\toption use_mwan3 '1'\n"
		  "config member 'starlink'\n\toption interface 'wan'\n\toption priority '10'\n");
	assert_int_equal(mwan3cfg_load("tests/data/mwan3/rutos", &mw, &rep), 0);
	load_dump("tests/data/netifd/rutos-rutx50.json");
	struct discover_input in = input();
	discover_merge(&in, &out, &rep);
	const struct member_config *m = member("starlink");
	assert_int_equal(m->up.mwan3.metric, 1);
	assert_int_equal(m->priority, 10);
}

static void test_openwrt_default_qmi(void **state)
{
	load_file("config starfail 'main'\n\toption use_mwan3 '1'\n"
		  "config member 'lte'\n\toption interface 'wwan'\n");
	assert_int_equal(mwan3cfg_load("tests/data/uci/mwan3", &mw, &rep), 0);
	load_dump("tests/data/netifd/openwrt-qmi.json");
	struct discover_input in = input();
	discover_merge(&in, &out, &rep);
	/* wan6 (ipv6) and the disabled wanb/wanb6 are not members, each said */
	assert_int_equal(out.n_members, 2);
	assert_int_equal(rep.n_warnings, 3);
	const struct member_config *m = member("lte");
	assert_string_equal(m->device, "wwan0");
	assert_string_equal(m->up.netifd.via, "wwan_4");
	assert_string_equal(m->up.netifd.gw4, "100.91.27.113");
	/* a cellular CGNAT address stays cellular: the proto comes first */
	assert_int_equal(m->cls, CLASS_CELLULAR);
	assert_string_equal(m->up.class_reason, "cellular: netifd proto 'qmi' of interface 'wwan'");
	assert_false(m->up.mwan3.present);
	m = member("wan");
	assert_string_equal(m->device, "eth0.2");
	assert_int_equal(m->priority, 1);
	assert_int_equal(m->up.mwan3.weight, 3);
	assert_int_equal(m->cls, CLASS_LAN);
	assert_string_equal(m->up.class_reason, "lan: wired eth0.2; dish check pending");

	/* the dish answered through eth0.2: Starlink, confirmed */
	struct discover_evidence ev = { .device = "eth0.2", .dish = 1,
					.detail = "192.168.100.1:9200 via eth0.2: accepted in 2 ms" };
	in.ev = &ev;
	in.n_ev = 1;
	discover_merge(&in, &out, &rep);
	m = member("wan");
	assert_int_equal(m->cls, CLASS_STARLINK);
	assert_has(m->up.class_reason, "starlink: the dish answered (192.168.100.1:9200 via eth0.2");
	ev.dish = 0;
	snprintf(ev.detail, sizeof(ev.detail), "192.168.100.1:9200 via eth0.2: no answer in 1000 ms");
	discover_merge(&in, &out, &rep);
	m = member("wan");
	assert_int_equal(m->cls, CLASS_LAN);
	assert_string_equal(m->up.class_reason,
			    "lan: wired eth0.2, no cellular proto, no dish (192.168.100.1:9200 via eth0.2: no answer in 1000 ms)");
}

static void test_netifd_alone(void **state)
{
	/* use_mwan3 off: netifd still resolves every member's interface */
	load_file("config member 'wan'\n\toption interface 'wan'\n"
		  "config member 'sim1'\n\toption interface 'mob1s1a1'\n\toption class 'cellular'\n"
		  "config member 'fixed'\n\toption device 'eth9'\n");
	load_dump("tests/data/netifd/rutos-rutx50.json");
	struct discover_input in = input();
	assert_null(in.mwan3);
	discover_merge(&in, &out, &rep);
	assert_int_equal(out.n_members, 3);
	assert_string_equal(member("wan")->device, "eth1");
	assert_string_equal(member("sim1")->device, "qmimux0");
	assert_string_equal(member("sim1")->up.class_reason, "configured: class 'cellular'");
	assert_string_equal(member("fixed")->device, "eth9");
	assert_int_equal(member("fixed")->up.devsrc, UPLINK_DEV_CONFIG);
	assert_string_equal(member("fixed")->up.class_reason, "lan: not classified yet, device eth9 not present");
	assert_true(discover_needs_netifd(&file));
	load_file("config member 'fixed'\n\toption device 'eth9'\n");
	assert_false(discover_needs_netifd(&file));
}

static void test_bad_inputs(void **state)
{
	load_file(seed);
	assert_int_equal(mwan3cfg_load("tests/data/mwan3/rutos", &mw, &rep), 0);
	struct discover_input in = input();

	/* not asked yet: waiting, never dropped */
	in.netifd = NULL;
	discover_merge(&in, &out, &rep);
	assert_int_equal(out.n_members, 4);
	assert_string_equal(member("starlink")->up.unusable,
			    "device of interface 'wan' not known yet: waiting for netifd");
	/* ubus hanging, garbage, missing */
	in.netifd_error = "ubus: timed out after 3000 ms";
	discover_merge(&in, &out, &rep);
	assert_string_equal(member("mob1s1a1")->up.unusable,
			    "device of interface 'mob1s1a1' not known: ubus: timed out after 3000 ms");
	assert_int_equal(member("mob1s1a1")->cls, CLASS_CELLULAR);	/* the RutOS name still says so */
	assert_has(member("mob1s1a1")->up.class_reason, "RutOS mobile interface name 'mob1s1a1'");

	/* a dump that does not know an interface mwan3 names */
	assert_int_equal(netifd_parse_dump("{\"interface\": []}", 17, &nd, err, sizeof(err)), 0);
	in.netifd = &nd;
	in.netifd_error = NULL;
	discover_merge(&in, &out, &rep);
	assert_string_equal(member("wwan")->up.unusable,
			    "netifd does not know interface 'wwan' (named at tests/data/mwan3/rutos:42)");
	assert_string_equal(member("starlink")->up.unusable,
			    "netifd does not know interface 'wan' (named at /etc/config/starfail:8)");

	/* mwan3 unreadable: the config's members stay, none added */
	assert_int_equal(mwan3cfg_load("tests/data/mwan3/nosuch", &mw, &rep), -1);
	load_dump("tests/data/netifd/rutos-rutx50.json");
	discover_merge(&in, &out, &rep);
	assert_int_equal(out.n_members, 2);
	assert_string_equal(member("starlink")->device, "eth1");
}

static void test_device_kept_and_duplicates(void **state)
{
	load_file("config member 'wan'\n\toption interface 'wan'\n"
		  "config member 'dup'\n\toption interface 'wan'\n");
	load_dump("tests/data/netifd/rutos-rutx50.json");
	struct discover_input in = input();
	discover_merge(&in, &prev, &rep);
	assert_string_equal(config_find_member(&prev, "wan")->device, "eth1");
	assert_string_equal(config_find_member(&prev, "dup")->up.unusable,
			    "device eth1 is already used by member 'wan'");
	/* netifd says nothing new (interface down, no device): the last device is kept */
	assert_int_equal(netifd_parse_dump("{\"interface\": [{\"interface\": \"wan\", \"up\": false}]}", 50,
					   &nd, err, sizeof(err)), 0);
	in.prev = &prev;
	discover_merge(&in, &out, &rep);
	assert_string_equal(member("wan")->device, "eth1");
	assert_int_equal(member("wan")->up.devsrc, UPLINK_DEV_LAST);
	assert_string_equal(member("wan")->up.unusable, "");
	/* and kept again from a kept one */
	prev = out;
	discover_merge(&in, &out, &rep);
	assert_string_equal(member("wan")->device, "eth1");
}

static void test_classify_rules(void **state)
{
	assert_true(classify_rutos_mobile("mob1s1a1"));
	assert_true(classify_rutos_mobile("mob1s2a1"));
	assert_true(classify_rutos_mobile("mob2s1a12"));
	assert_false(classify_rutos_mobile("mob1s1a"));
	assert_false(classify_rutos_mobile("mobile"));
	assert_false(classify_rutos_mobile("mob1s1a1x"));
	assert_false(classify_rutos_mobile("mob1234s1a1"));
	assert_true(classify_cgnat("100.64.0.0"));
	assert_true(classify_cgnat("100.127.255.255"));
	assert_false(classify_cgnat("100.128.0.1"));
	assert_false(classify_cgnat("100.63.255.255"));
	assert_false(classify_cgnat("fe80::1"));
	for (const char *const *p = (const char *const[]){ "qmi", "ncm", "mbim", "modemmanager", "3g", "wwan", NULL }; *p; p++)
		assert_true(classify_cellular_proto(*p));
	assert_false(classify_cellular_proto("dhcp"));
	assert_int_equal(classify_wireless("tests/data/sysfs/net", "wlan1"), 1);
	assert_int_equal(classify_wireless("tests/data/sysfs/net", "wlan0-1"), 1);
	assert_int_equal(classify_wireless("tests/data/sysfs/net", "eth1"), 0);
	assert_int_equal(classify_wireless("tests/data/sysfs/net", "nosuch"), -1);
	assert_int_equal(classify_wireless("tests/data/sysfs/net", "../net"), -1);
	/* names prove nothing except RutOS's: a member called starlink is not one */
	char why[160];
	struct classify_input ci = { .name = "starlink", .iface = "starlink", .device = "eth1",
				     .wireless = 0, .dish = 0, .dish_detail = "refused" };
	assert_int_equal(classify_uplink(&ci, why, sizeof(why)), CLASS_LAN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_rutos),
		cmocka_unit_test(test_written_priority_wins),
		cmocka_unit_test(test_openwrt_default_qmi),
		cmocka_unit_test(test_netifd_alone),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_device_kept_and_duplicates),
		cmocka_unit_test(test_classify_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
