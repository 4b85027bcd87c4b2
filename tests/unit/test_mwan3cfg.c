/*
 * test_mwan3cfg.c - /etc/config/mwan3 read into struct mwan3_config: the
 * file OpenWrt's mwan3 package installs and a RutOS Failover config
 * (golden values), and a file of mistakes, each a warning with file:line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "mwan3cfg.h"

static struct mwan3_config mw;
static struct config_report rep;

static void assert_warning(const char *frag)
{
	for (int i = 0; i < rep.n_warnings && i < CONFIG_MAX_ERRORS; i++)
		if (strstr(rep.warnings[i], frag))
			return;
	for (int i = 0; i < rep.n_warnings && i < CONFIG_MAX_ERRORS; i++)
		print_message("warning[%d]: %s\n", i, rep.warnings[i]);
	fail_msg("no warning with '%s'", frag);
}

static void test_openwrt_default(void **state)
{
	assert_int_equal(mwan3cfg_load("tests/data/uci/mwan3", &mw, &rep), 0);
	assert_true(mw.loaded);
	assert_int_equal(rep.n_warnings, 0);
	assert_int_equal(mw.n_ifaces, 4);
	const struct mwan3_iface *wan = mwan3cfg_find_iface(&mw, "wan");
	assert_non_null(wan);
	assert_true(wan->enabled);
	assert_int_equal(wan->family, 4);
	assert_int_equal(wan->n_track_ip, 4);
	assert_int_equal(wan->line, 7);
	const struct mwan3_iface *wanb6 = mwan3cfg_find_iface(&mw, "wanb6");
	assert_false(wanb6->enabled);
	assert_int_equal(wanb6->family, 6);
	int n;
	int best = mwan3cfg_iface_member(&mw, "wan", &n);
	assert_int_equal(n, 2);
	assert_string_equal(mw.members[best].name, "wan_m1_w3");
	assert_int_equal(mw.members[best].metric, 1);
	assert_int_equal(mw.members[best].weight, 3);
	assert_int_equal(mw.members[best].iface_idx, 0);
	assert_int_equal(mwan3cfg_iface_member(&mw, "nosuch", &n), -1);
	assert_int_equal(n, 0);
	/* the shipped policies: wan_only, wanb_only, balanced, wan_wanb, wanb_wan */
	assert_int_equal(mw.n_policies, 5);
	const struct mwan3_policy *p = &mw.policies[2];
	assert_string_equal(p->name, "balanced");
	assert_int_equal(p->n_use, 4);
	assert_string_equal(mw.members[p->use[0]].name, "wan_m1_w3");
	assert_string_equal(p->last_resort, "unreachable");
}

static void test_rutos(void **state)
{
	assert_int_equal(mwan3cfg_load("tests/data/mwan3/rutos", &mw, &rep), 0);
	assert_int_equal(rep.n_warnings, 0);	/* `config condition` is RutOS's: not ours to judge */
	assert_int_equal(mw.n_ifaces, 5);
	assert_int_equal(mw.n_members, 4);
	static const struct {
		const char *iface, *member;
		int metric;
	} want[] = { { "wan", "wan_m1_w1", 1 }, { "mob1s1a1", "mob1s1a1_m2_w1", 2 },
		     { "mob1s2a1", "mob1s2a1_m3_w1", 3 }, { "wwan", "wwan_m4_w1", 4 } };
	for (size_t i = 0; i < 4; i++) {
		int best = mwan3cfg_iface_member(&mw, want[i].iface, NULL);
		assert_true(best >= 0);
		assert_string_equal(mw.members[best].name, want[i].member);
		assert_int_equal(mw.members[best].metric, want[i].metric);
		assert_int_equal(mw.members[best].weight, 1);
	}
	assert_int_equal(mw.n_policies, 1);
	assert_int_equal(mw.policies[0].n_use, 4);
	assert_int_equal(mwan3cfg_find_iface(&mw, "wan6")->family, 6);
}

static void test_mistakes(void **state)
{
	assert_int_equal(mwan3cfg_load("tests/data/mwan3/bad", &mw, &rep), 0);
	assert_warning("tests/data/mwan3/bad:7: interface 'wan2' option 'family': expected ipv4 or ipv6, got 'ipx'");
	assert_warning("tests/data/mwan3/bad:9: anonymous `config interface`");
	assert_warning("tests/data/mwan3/bad:14: section 'wan_m1' option 'metric': expected an integer 1..256, got 'first'; mwan3's default 1 used");
	assert_warning("tests/data/mwan3/bad:15: section 'wan_m1' option 'weight': expected an integer 1..1000, got '0'");
	assert_warning("tests/data/mwan3/bad:17: member 'nowhere_m1': interface 'nowhere' has no `config interface 'nowhere'`");
	assert_warning("tests/data/mwan3/bad:20: member 'noiface': option 'interface' is required");
	assert_warning("tests/data/mwan3/bad:23: policy 'a_policy_name_too_long': name longer than 15 characters: mwan3 skips it");
	assert_warning("tests/data/mwan3/bad:28: policy 'p1' option 'use_member': no member 'ghost'; left out");
	assert_warning("tests/data/mwan3/bad:29: policy 'p1' option 'last_resort': expected unreachable, blackhole or default, got 'drop'");
	assert_int_equal(rep.n_warnings, 9);
	assert_int_equal(rep.n_errors, 0);
	assert_int_equal(mw.n_ifaces, 2);
	assert_int_equal(mw.n_members, 2);
	assert_int_equal(mw.members[0].metric, 1);
	assert_int_equal(mw.members[0].weight, 1);
	assert_int_equal(mw.members[1].iface_idx, -1);
	assert_int_equal(mw.n_policies, 1);
	assert_int_equal(mw.policies[0].n_use, 1);
}

static void test_missing_and_malformed(void **state)
{
	assert_int_equal(mwan3cfg_load("tests/data/mwan3/nosuch", &mw, &rep), -1);
	assert_false(mw.loaded);
	assert_warning("tests/data/mwan3/nosuch: ");
	assert_warning("No such file");
	const char bad[] = "config interface 'wan'\n\toption enabled '1\n";
	assert_int_equal(mwan3cfg_load_buffer("/etc/config/mwan3", bad, sizeof(bad) - 1, &mw, &rep), -1);
	assert_false(mw.loaded);
	assert_int_equal(mw.n_ifaces, 0);
	assert_warning("/etc/config/mwan3:2: ");
	assert_warning("quote");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openwrt_default),
		cmocka_unit_test(test_rutos),
		cmocka_unit_test(test_mistakes),
		cmocka_unit_test(test_missing_and_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
