/*
 * test_uci.c - the UCI reader against real files and every rule of the format.
 *
 * Expected results are written the way `uci show <pkg>` prints them (default
 * extended @type[n] names, or -X raw cfgNNxxxx names), worked out by hand
 * from libuci's rules (file.c parse_str/parse_*_quote/uci_parse_line,
 * list.c uci_set/uci_add_list/uci_fixup_section, cli.c uci_show_*). There is
 * no uci binary here to produce them. Anonymous names: djb2 hash of the type
 * (5381, h*33+c, & 0x7fffffff) mod 65536, e.g. "interface" 6d96 (matching
 * the cfg016d96 uci prints for a first `config interface`), "system" e48a,
 * "device" 0f15, "list_test" abc0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "uci.h"

#define DATA "tests/data/uci/"

static char *show(const struct uci_file *f, const char *pkg, bool raw)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	assert_non_null(m);
	uci_show(f, pkg, raw, m);
	fclose(m);
	return text;
}

static struct uci_file *parse_ok(const char *text)
{
	struct uci_file *f = NULL;
	struct uci_error err;
	int r = uci_parse_buffer("t", text, strlen(text), &f, &err);

	if (r != 0)
		print_error("unexpected error: %s:%d: %s\n", err.file, err.line, err.msg);
	assert_int_equal(r, 0);
	assert_non_null(f);
	return f;
}

static void expect_show(const char *text, const char *pkg, bool raw, const char *expected)
{
	struct uci_file *f = parse_ok(text);
	char *got = show(f, pkg, raw);

	assert_string_equal(got, expected);
	free(got);
	uci_free(f);
}

static void expect_file_show(const char *path, const char *pkg, bool raw, const char *expected)
{
	struct uci_file *f = NULL;
	struct uci_error err;
	char *got;
	int r = uci_parse_file(path, &f, &err);

	if (r != 0)
		print_error("unexpected error: %s:%d: %s\n", err.file, err.line, err.msg);
	assert_int_equal(r, 0);
	got = show(f, pkg, raw);
	assert_string_equal(got, expected);
	free(got);
	uci_free(f);
}

/* Parsing len bytes of text must fail on `line` with `what` in the message. */
static void expect_error_len(const char *text, size_t len, int line, const char *what)
{
	struct uci_file *f = (struct uci_file *)1;
	struct uci_error err;

	assert_int_equal(uci_parse_buffer("bad.conf", text, len, &f, &err), -1);
	assert_null(f);
	assert_string_equal(err.file, "bad.conf");
	assert_int_equal(err.line, line);
	if (!strstr(err.msg, what))
		print_error("message \"%s\" lacks \"%s\"\n", err.msg, what);
	assert_non_null(strstr(err.msg, what));
}

static void expect_error(const char *text, int line, const char *what)
{
	expect_error_len(text, strlen(text), line, what);
}

/* ------------------------------------------------------------ real files */

static void test_mwan3_sample(void **state)
{
	static const char expected[] =
		"mwan3.globals=globals\n"
		"mwan3.globals.mmx_mask='0x3F00'\n"
		"mwan3.wan=interface\n"
		"mwan3.wan.enabled='1'\n"
		"mwan3.wan.track_ip='1.0.0.1' '1.1.1.1' '208.67.222.222' '208.67.220.220'\n"
		"mwan3.wan.family='ipv4'\n"
		"mwan3.wan.reliability='2'\n"
		"mwan3.wan6=interface\n"
		"mwan3.wan6.enabled='0'\n"
		"mwan3.wan6.track_ip='2606:4700:4700::1001' '2606:4700:4700::1111' '2620:0:ccd::2' '2620:0:ccc::2'\n"
		"mwan3.wan6.family='ipv6'\n"
		"mwan3.wan6.reliability='2'\n"
		"mwan3.wanb=interface\n"
		"mwan3.wanb.enabled='0'\n"
		"mwan3.wanb.track_ip='1.0.0.1' '1.1.1.1' '208.67.222.222' '208.67.220.220'\n"
		"mwan3.wanb.family='ipv4'\n"
		"mwan3.wanb.reliability='1'\n"
		"mwan3.wanb6=interface\n"
		"mwan3.wanb6.enabled='0'\n"
		"mwan3.wanb6.track_ip='2606:4700:4700::1001' '2606:4700:4700::1111' '2620:0:ccd::2' '2620:0:ccc::2'\n"
		"mwan3.wanb6.family='ipv6'\n"
		"mwan3.wanb6.reliability='1'\n"
		"mwan3.wan_m1_w3=member\n"
		"mwan3.wan_m1_w3.interface='wan'\n"
		"mwan3.wan_m1_w3.metric='1'\n"
		"mwan3.wan_m1_w3.weight='3'\n"
		"mwan3.wan_m2_w3=member\n"
		"mwan3.wan_m2_w3.interface='wan'\n"
		"mwan3.wan_m2_w3.metric='2'\n"
		"mwan3.wan_m2_w3.weight='3'\n"
		"mwan3.wanb_m1_w2=member\n"
		"mwan3.wanb_m1_w2.interface='wanb'\n"
		"mwan3.wanb_m1_w2.metric='1'\n"
		"mwan3.wanb_m1_w2.weight='2'\n"
		"mwan3.wanb_m1_w3=member\n"
		"mwan3.wanb_m1_w3.interface='wanb'\n"
		"mwan3.wanb_m1_w3.metric='1'\n"
		"mwan3.wanb_m1_w3.weight='3'\n"
		"mwan3.wanb_m2_w2=member\n"
		"mwan3.wanb_m2_w2.interface='wanb'\n"
		"mwan3.wanb_m2_w2.metric='2'\n"
		"mwan3.wanb_m2_w2.weight='2'\n"
		"mwan3.wan6_m1_w3=member\n"
		"mwan3.wan6_m1_w3.interface='wan6'\n"
		"mwan3.wan6_m1_w3.metric='1'\n"
		"mwan3.wan6_m1_w3.weight='3'\n"
		"mwan3.wan6_m2_w3=member\n"
		"mwan3.wan6_m2_w3.interface='wan6'\n"
		"mwan3.wan6_m2_w3.metric='2'\n"
		"mwan3.wan6_m2_w3.weight='3'\n"
		"mwan3.wanb6_m1_w2=member\n"
		"mwan3.wanb6_m1_w2.interface='wanb6'\n"
		"mwan3.wanb6_m1_w2.metric='1'\n"
		"mwan3.wanb6_m1_w2.weight='2'\n"
		"mwan3.wanb6_m1_w3=member\n"
		"mwan3.wanb6_m1_w3.interface='wanb6'\n"
		"mwan3.wanb6_m1_w3.metric='1'\n"
		"mwan3.wanb6_m1_w3.weight='3'\n"
		"mwan3.wanb6_m2_w2=member\n"
		"mwan3.wanb6_m2_w2.interface='wanb6'\n"
		"mwan3.wanb6_m2_w2.metric='2'\n"
		"mwan3.wanb6_m2_w2.weight='2'\n"
		"mwan3.wan_only=policy\n"
		"mwan3.wan_only.use_member='wan_m1_w3' 'wan6_m1_w3'\n"
		"mwan3.wanb_only=policy\n"
		"mwan3.wanb_only.use_member='wanb_m1_w2' 'wanb6_m1_w2'\n"
		"mwan3.balanced=policy\n"
		"mwan3.balanced.use_member='wan_m1_w3' 'wanb_m1_w3' 'wan6_m1_w3' 'wanb6_m1_w3'\n"
		"mwan3.wan_wanb=policy\n"
		"mwan3.wan_wanb.use_member='wan_m1_w3' 'wanb_m2_w2' 'wan6_m1_w3' 'wanb6_m2_w2'\n"
		"mwan3.wanb_wan=policy\n"
		"mwan3.wanb_wan.use_member='wan_m2_w3' 'wanb_m1_w2' 'wan6_m2_w3' 'wanb6_m1_w2'\n"
		"mwan3.https=rule\n"
		"mwan3.https.sticky='1'\n"
		"mwan3.https.dest_port='443'\n"
		"mwan3.https.proto='tcp'\n"
		"mwan3.https.use_policy='balanced'\n"
		"mwan3.default_rule_v4=rule\n"
		"mwan3.default_rule_v4.dest_ip='0.0.0.0/0'\n"
		"mwan3.default_rule_v4.use_policy='balanced'\n"
		"mwan3.default_rule_v4.family='ipv4'\n"
		"mwan3.default_rule_v6=rule\n"
		"mwan3.default_rule_v6.dest_ip='::/0'\n"
		"mwan3.default_rule_v6.use_policy='balanced'\n"
		"mwan3.default_rule_v6.family='ipv6'\n";
	struct uci_file *f = NULL;
	struct uci_error err;
	const struct uci_section *s;
	const struct uci_option *o;

	(void)state;
	expect_file_show(DATA "mwan3", "mwan3", false, expected);

	assert_int_equal(uci_parse_file(DATA "mwan3", &f, &err), 0);
	assert_string_equal(f->path, DATA "mwan3");
	assert_null(f->package);
	assert_int_equal(f->n_sections, 23);
	s = uci_find_section(f, "wan");
	assert_non_null(s);
	assert_string_equal(s->type, "interface");
	assert_false(s->anonymous);
	assert_int_equal(s->line, 7);
	o = uci_find_option(s, "track_ip");
	assert_non_null(o);
	assert_true(o->is_list);
	assert_int_equal(o->n_values, 4);
	assert_string_equal(o->values[3], "208.67.220.220");
	assert_int_equal(o->line, 12);
	assert_string_equal(uci_get_string(s, "reliability"), "2");
	assert_null(uci_get_string(s, "track_ip"));
	assert_null(uci_get_string(s, "metric"));
	assert_null(uci_find_section(f, "wan7"));
	s = uci_find_section(f, "wanb6_m2_w2");
	assert_non_null(s);
	assert_string_equal(uci_get_string(s, "weight"), "2");
	uci_free(f);
}

static void test_network_rutos(void **state)
{
	static const char expected[] =
		"network.loopback=interface\n"
		"network.loopback.device='lo'\n"
		"network.loopback.proto='static'\n"
		"network.loopback.ipaddr='127.0.0.1'\n"
		"network.loopback.netmask='255.0.0.0'\n"
		"network.globals=globals\n"
		"network.globals.ula_prefix='fd27:70fa:5c1d::/48'\n"
		"network.globals.packet_steering='1'\n"
		"network.@device[0]=device\n"
		"network.@device[0].name='br-lan'\n"
		"network.@device[0].type='bridge'\n"
		"network.@device[0].ports='lan1' 'lan2' 'lan3'\n"
		"network.lan=interface\n"
		"network.lan.device='br-lan'\n"
		"network.lan.proto='static'\n"
		"network.lan.ipaddr='192.168.1.1'\n"
		"network.lan.netmask='255.255.255.0'\n"
		"network.lan.ip6assign='60'\n"
		"network.@device[1]=device\n"
		"network.@device[1].name='wan'\n"
		"network.@device[1].macaddr='00:1e:42:12:34:56'\n"
		"network.wan=interface\n"
		"network.wan.device='wan'\n"
		"network.wan.proto='dhcp'\n"
		"network.wan.metric='1'\n"
		"network.wan6=interface\n"
		"network.wan6.device='wan'\n"
		"network.wan6.proto='dhcpv6'\n"
		"network.mob1s1a1=interface\n"
		"network.mob1s1a1.proto='wwan'\n"
		"network.mob1s1a1.modem='1-1'\n"
		"network.mob1s1a1.metric='2'\n"
		"network.mob1s1a1.sim='1'\n"
		"network.mob1s1a1.pdp='1'\n"
		"network.mob1s1a1.pdptype='ip'\n"
		"network.mob1s1a1.auth='none'\n"
		"network.mob1s1a1.apn='internet'\n"
		"network.mob1s1a1.area_type='wan'\n"
		"network.mob1s1a1.delegate='1'\n"
		"network.mob1s1a1.force_link='1'\n"
		"network.mob1s1a1.dhcpv6='0'\n"
		"network.mob1s1a1.method='nat'\n"
		"network.mob1s1a1.ipv6='0'\n";
	struct uci_file *f = NULL;
	struct uci_error err;
	char *raw;

	(void)state;
	expect_file_show(DATA "network", "network", false, expected);

	/* uci show -X: the generated names; index counts named sections too */
	assert_int_equal(uci_parse_file(DATA "network", &f, &err), 0);
	raw = show(f, "network", true);
	assert_non_null(strstr(raw, "\nnetwork.cfg030f15=device\nnetwork.cfg030f15.name='br-lan'\n"));
	assert_non_null(strstr(raw, "\nnetwork.cfg050f15=device\nnetwork.cfg050f15.name='wan'\n"));
	assert_null(strstr(raw, "@device"));
	free(raw);
	assert_true(f->sections[2].anonymous);
	assert_string_equal(f->sections[2].name, "cfg030f15");
	assert_ptr_equal(uci_find_section(f, "cfg050f15"), &f->sections[4]);
	assert_string_equal(uci_get_string(uci_find_section(f, "mob1s1a1"), "modem"), "1-1");
	uci_free(f);
}

/* ------------------------------------------------------- format rules */

static void test_tricky(void **state)
{
	static const char expected[] =
		"tricky.quotes=tricky\n"
		"tricky.quotes.single='changed'\n"
		"tricky.quotes.double='say \"hi\"'\n"
		"tricky.quotes.bare='plain'\n"
		"tricky.quotes.concat='abc'\n"
		"tricky.quotes.mixed='premid dlepost'\n"
		"tricky.quotes.backslash_bare='a b#c\\d'\n"
		"tricky.quotes.backslash_single='a\\b'\n"
		"tricky.quotes.backslash_double='anb\\c'\n"
		"tricky.quotes.hash_in_quotes='x # y'\n"
		"tricky.quotes.comment_after='v'\n"
		"tricky.quotes.bare_hash='val'\n"
		"tricky.quotes.semicolon_q='x;y'\n"
		"tricky.quotes.tab='tab\tinside'\n"
		"tricky.quotes.multiline='line1\nline2'\n"
		"tricky.quotes.continued='continued'\n"
		"tricky.quotes.dq_continued='abcd'\n"
		"tricky.quotes.apostrophe='it'\\''s'\n"
		"tricky.quotes.high_bytes='gr\xc3\xbc\xc3\x9f" "e'\n"
		"tricky.quotes.added='later'\n"
		"tricky.@list_test[0]=list_test\n"
		"tricky.@list_test[0].l='a' 'b' '' ''\n"
		"tricky.@list_test[0].o='second'\n"
		"tricky.@list_test[0].s='scalar' 'item'\n"
		"tricky.@list_test[0].t='replaced'\n"
		"tricky.@list_test[0].keep='k'\n"
		"tricky.abbrev=short\n"
		"tricky.abbrev.one='1'\n"
		"tricky.abbrev.two='2'\n"
		"tricky.abbrev.three='3'\n"
		"tricky.abbrev.four='4'\n"
		"tricky.@list_test[1]=list_test\n"
		"tricky.@interface[0]=interface\n";
	struct uci_file *f = NULL;
	struct uci_error err;
	const struct uci_section *s;
	const struct uci_option *o;
	char *raw;

	(void)state;
	expect_file_show(DATA "tricky", "tricky", false, expected);

	assert_int_equal(uci_parse_file(DATA "tricky", &f, &err), 0);
	assert_string_equal(f->package, "tricky");
	assert_int_equal(f->n_sections, 5);
	s = uci_find_section(f, "quotes");
	assert_int_equal(s->line, 6);
	assert_null(uci_find_option(s, "empty_single"));
	assert_null(uci_find_option(s, "empty_none"));
	o = uci_find_option(s, "single");
	assert_int_equal(o->line, 51);		/* the reopened section replaced it */
	assert_false(o->is_list);
	assert_int_equal(uci_find_option(s, "dq_continued")->line, 26);
	s = &f->sections[1];
	assert_string_equal(s->name, "cfg02abc0");
	o = uci_find_option(s, "s");
	assert_true(o->is_list);
	assert_int_equal(o->n_values, 2);
	o = uci_find_option(s, "t");
	assert_false(o->is_list);
	assert_int_equal(o->n_values, 1);
	assert_true(uci_find_option(uci_find_section(f, "abbrev"), "two")->is_list);
	raw = show(f, "tricky", true);
	assert_non_null(strstr(raw, "tricky.cfg02abc0=list_test\n"));
	assert_non_null(strstr(raw, "tricky.cfg04abc0=list_test\ntricky.cfg056d96=interface\n"));
	free(raw);
	uci_free(f);
}

static void test_crlf(void **state)
{
	(void)state;
	expect_file_show(DATA "crlf", "crlf", false,
			 "crlf.lan=interface\n"
			 "crlf.lan.proto='static'\n"
			 "crlf.lan.ipaddr='192.168.1.1'\n"
			 "crlf.lan.dns='1.1.1.1' '8.8.8.8'\n"
			 "crlf.lan.joined='abcdef'\n"
			 "crlf.lan.cont='a'\n"
			 "crlf.lan.two='b'\n"
			 "crlf.@interface[1]=interface\n"
			 "crlf.@interface[1].name='x'\n");
	expect_file_show(DATA "crlf", "crlf", true,
			 "crlf.lan=interface\n"
			 "crlf.lan.proto='static'\n"
			 "crlf.lan.ipaddr='192.168.1.1'\n"
			 "crlf.lan.dns='1.1.1.1' '8.8.8.8'\n"
			 "crlf.lan.joined='abcdef'\n"
			 "crlf.lan.cont='a'\n"
			 "crlf.lan.two='b'\n"
			 "crlf.cfg026d96=interface\n"
			 "crlf.cfg026d96.name='x'\n");
	/* a quoted value keeps the CR of a CRLF line it spans */
	expect_show("config a 'b'\r\n\toption m 'x\r\ny'\r\n", "p", false,
		    "p.b=a\np.b.m='x\r\ny'\n");
}

static void test_anonymous_names(void **state)
{
	(void)state;
	expect_show("config system\n\toption hostname 'OpenWrt'\n", "system", true,
		    "system.cfg01e48a=system\nsystem.cfg01e48a.hostname='OpenWrt'\n");
	expect_show("config interface\n", "network", true, "network.cfg016d96=interface\n");
	/* the index counts every section created before, named or not */
	expect_show("config x 'a'\nconfig x 'b'\nconfig interface\nconfig x 'a'\nconfig interface\n",
		    "n", true,
		    "n.a=x\nn.b=x\nn.cfg036d96=interface\nn.cfg046d96=interface\n");
	/* the extended name counts named sections of the same type too */
	expect_show("config interface 'lan'\nconfig interface\nconfig device\n", "n", false,
		    "n.lan=interface\nn.@interface[1]=interface\nn.@device[0]=device\n");
	/* a named section may reopen an anonymous one by its generated name */
	expect_show("config system\nconfig system 'cfg01e48a'\n\toption x '1'\n", "s", true,
		    "s.cfg01e48a=system\ns.cfg01e48a.x='1'\n");
}

static void test_statements(void **state)
{
	(void)state;
	/* `;` separates statements after a space or a quoted word */
	expect_show("config a 'b' ; option x 1 ; option y '2';option z \"3\"\n", "p", false,
		    "p.b=a\np.b.x='1'\np.b.y='2'\np.b.z='3'\n");
	/* a bare word right before `;` with only a comment after is fine */
	expect_show("config a b\n\toption x 1;  # note\n\toption y 2;\n", "p", false,
		    "p.b=a\np.b.x='1'\np.b.y='2'\n");
	/* one-letter keywords; tabs as separators; a file without final newline */
	expect_show("c\ta\t'b'\no\tx\t1\nl y 2", "p", false, "p.b=a\np.b.x='1'\np.b.y='2'\n");
	/* backslash-newline at the end of the file, then nothing */
	expect_show("config a 'b'\n\toption x abc\\", "p", false, "p.b=a\np.b.x='abc'\n");
	/* a continuation followed by an indented line ends the word there */
	expect_show("config a 'b'\n\toption x 'v' \\\n\toption y w\n", "p", false,
		    "p.b=a\np.b.x='v'\np.b.y='w'\n");
	/* other whitespace: form feed and vertical tab separate arguments too */
	expect_show("config a 'b'\n\toption x \f'v'\v\n", "p", false, "p.b=a\np.b.x='v'\n");
	/* names: digits and underscores; types: any printable ASCII */
	expect_show("config my-type.v2 '_0'\n\toption _a_1 x\n", "p", false,
		    "p._0=my-type.v2\np._0._a_1='x'\n");
	/* a package name may hold '-'; the last package statement is kept */
	{
		struct uci_file *f = parse_ok("package one\npackage 'my-pkg'\nconfig a\n");

		assert_string_equal(f->package, "my-pkg");
		uci_free(f);
	}
	/* empty input, comments only, blank lines: no sections */
	{
		struct uci_file *f = parse_ok("\n  \t\n# x\n   # y\n\r\n");

		assert_int_equal(f->n_sections, 0);
		uci_free(f);
		assert_int_equal(uci_parse_buffer("e", NULL, 0, &f, NULL), 0);
		assert_int_equal(f->n_sections, 0);
		uci_free(f);
	}
}

/* ------------------------------------------------------------- errors */

static void test_errors_syntax(void **state)
{
	(void)state;
	expect_error("config a 'b'\n\toption x 'abc\n\n\toption y z\n", 2,
		     "unterminated '-quoted string: expected a closing '");
	expect_error("config a 'b'\n\toption x \"abc\\\"\n", 2,
		     "unterminated \"-quoted string: expected a closing \"");
	expect_error("config a 'b'\n\n\tfoo bar\n", 3,
		     "expected 'config', 'option', 'list' or 'package', found 'foo'");
	expect_error("config a 'b'\n\toptions x y\n", 2, "found 'options'");
	expect_error("# c\noption x y\n", 2,
		     "'option' before the first section: expected a 'config <type> [name]' line first");
	expect_error("list x y\n", 1, "'list' before the first section");
	/* the keyword must be followed by a space or tab, as in uci */
	expect_error("config a 'b'\nconfig\n", 2, "found 'config?'");
	expect_error("config a 'b'\n\toption", 2, "expected arguments after 'option'");
	expect_error("config \n", 1, "expected a section type after 'config'");
	expect_error("config '' 'x'\n", 1, "expected a section type after 'config'");
	expect_error("config 'a b'\n", 1,
		     "invalid section type 'a b': expected printable ASCII without spaces");
	expect_error("config a\n\n\nconfig a 'wan-1'\n", 4,
		     "invalid section name 'wan-1': expected only letters, digits and '_'");
	expect_error("config a 'b.c'\n", 1, "invalid section name 'b.c'");
	expect_error("config a 'b'\n\toption 'x.y' z\n", 2, "invalid option name 'x.y'");
	expect_error("config a 'b'\n\toption '' z\n", 2, "expected an option name after 'option'");
	expect_error("config a 'b'\n\tlist\t\n", 2, "expected an option name after 'list'");
	expect_error("package 'a b'\n", 1,
		     "invalid package name 'a b': expected only letters, digits, '-' and '_'");
	expect_error("package\t#\n", 1, "expected a package name after 'package'");
	expect_error("config a b c\n", 1,
		     "too many arguments: expected the end of the statement, found 'c'");
	expect_error("config a 'b'\n\toption x 'y' z\n", 2, "too many arguments");
	/* `;` as the name gives an empty name, then the next word is one too many */
	expect_error("config a ; option x '1'\n", 1, "too many arguments: expected the end of the statement, found 'option'");
	expect_error("config a 'b'\n\toption x 'y' \\\nz\n", 3, "found 'z'");
	expect_error("config a 'x'\n\toption o 1\nconfig b 'x'\n", 3,
		     "section 'x' declared again with type 'b' (line 1 has type 'a'): expected the same type");
	/* uci's strtok reads the newline after a trailing `;` as a command */
	expect_error("config a 'b'\n\toption x 'y';\n", 2, "found '?'");
	/* stricter than uci, which would silently drop `option y 2` */
	expect_error("config a 'b'\n\toption x 1;option y 2\n", 2,
		     "';' right after an unquoted word: uci would ignore the rest of the line");
	expect_error("config a b;option y 2\n", 1, "';' right after an unquoted word");
}

static void test_errors_input(void **state)
{
	static const char nul_text[] = "config a 'b'\n\toption x 'a\0b'\n";
	char *big;
	size_t i;

	(void)state;
	expect_error_len(nul_text, sizeof(nul_text) - 1, 2, "NUL byte at column 13: expected text");

	/* a physical line of UCI_MAX_LINE_BYTES is fine, one more byte is not */
	big = malloc(2 * UCI_MAX_LINE_BYTES);
	assert_non_null(big);
	memcpy(big, "config a 'b'\n# ", 15);
	memset(big + 15, 'x', UCI_MAX_LINE_BYTES - 3);
	memcpy(big + 15 + UCI_MAX_LINE_BYTES - 3, "\n", 2);
	{
		struct uci_file *f = parse_ok(big);

		uci_free(f);
	}
	big[15 + UCI_MAX_LINE_BYTES - 3] = 'x';
	memcpy(big + 15 + UCI_MAX_LINE_BYTES - 2, "\n", 2);
	expect_error(big, 2, "line longer than 4096 bytes");
	/* the same on the last line without a newline */
	big[15 + UCI_MAX_LINE_BYTES - 2] = 'x';
	big[15 + UCI_MAX_LINE_BYTES - 1] = '\0';
	expect_error(big, 2, "line longer than 4096 bytes");
	free(big);

	/* the whole input */
	big = malloc(UCI_MAX_FILE_BYTES + 1);
	assert_non_null(big);
	for (i = 0; i < UCI_MAX_FILE_BYTES + 1; i++)
		big[i] = (i % 64 == 63) ? '\n' : '#';
	expect_error_len(big, UCI_MAX_FILE_BYTES + 1, 0,
			 "1048577 bytes, larger than the 1048576-byte limit");
	{
		struct uci_file *f = NULL;
		struct uci_error err;

		assert_int_equal(uci_parse_buffer("ok", big, UCI_MAX_FILE_BYTES, &f, &err), 0);
		assert_int_equal(f->n_sections, 0);
		uci_free(f);
	}
	free(big);
}

/* head, then n times: before, i (zero-padded to width), after */
static char *repeat(const char *head, const char *before, int width, const char *after, int n)
{
	size_t cap = strlen(head) + (size_t)n * (strlen(before) + strlen(after) + 16) + 1, len;
	char *s = malloc(cap);
	int i;

	assert_non_null(s);
	len = (size_t)snprintf(s, cap, "%s", head);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s%0*d%s", before, width, i, after);
	return s;
}

static void test_errors_caps(void **state)
{
	struct uci_file *f;
	char *text, *name;

	(void)state;
	text = repeat("", "config s 'n", 1, "'\n", UCI_MAX_SECTIONS);
	f = parse_ok(text);
	assert_int_equal(f->n_sections, UCI_MAX_SECTIONS);
	uci_free(f);
	free(text);
	text = repeat("", "config s", 0, "\n", UCI_MAX_SECTIONS + 1);
	expect_error(text, UCI_MAX_SECTIONS + 1, "more than 1024 sections");
	free(text);

	text = repeat("config s 'x'\n", "\toption o", 1, " v\n", UCI_MAX_OPTIONS);
	f = parse_ok(text);
	assert_int_equal(f->sections[0].n_options, UCI_MAX_OPTIONS);
	uci_free(f);
	free(text);
	text = repeat("config s 'x'\n", "\toption o", 1, " v\n", UCI_MAX_OPTIONS + 1);
	expect_error(text, UCI_MAX_OPTIONS + 2, "section 'x' has more than 256 options");
	free(text);

	text = repeat("config s 'x'\n", "\tlist l ", 1, "\n", UCI_MAX_LIST_VALUES + 1);
	expect_error(text, UCI_MAX_LIST_VALUES + 2, "list 'l' has more than 1024 values");
	free(text);

	name = malloc(UCI_MAX_NAME_BYTES + 2);
	assert_non_null(name);
	memset(name, 'n', UCI_MAX_NAME_BYTES + 1);
	name[UCI_MAX_NAME_BYTES + 1] = '\0';
	{
		char buf[512];

		snprintf(buf, sizeof(buf), "config s 'x'\n\toption %s v\n", name);
		expect_error(buf, 2, "option name is 129 bytes, longer than the 128-byte limit");
		snprintf(buf, sizeof(buf), "config %s\n", name);
		expect_error(buf, 1, "section type is 129 bytes");
		name[UCI_MAX_NAME_BYTES] = '\0';
		snprintf(buf, sizeof(buf), "config s '%s'\n", name);
		f = parse_ok(buf);
		assert_int_equal((int)strlen(f->sections[0].name), UCI_MAX_NAME_BYTES);
		uci_free(f);
	}
	free(name);

	/* one argument spanning lines may not exceed UCI_MAX_TOKEN_BYTES */
	{
		char tail[160];

		/* 128-byte lines: 4 digits + 123 dashes + newline */
		memset(tail, '-', 123);
		memcpy(tail + 123, "\n", 2);
		text = repeat("config s 'x'\n\toption v '", "", 4, tail, 200);
		/* line 2 adds its newline, each later line 128 bytes: byte 16385 on line 130 */
		expect_error(text, 130, "argument longer than 16384 bytes");
		free(text);
	}
}

static void test_parse_file_errors(void **state)
{
	struct uci_file *f = (struct uci_file *)1;
	struct uci_error err;

	(void)state;
	assert_int_equal(uci_parse_file(DATA "does-not-exist", &f, &err), -1);
	assert_null(f);
	assert_int_equal(err.line, 0);
	assert_string_equal(err.file, DATA "does-not-exist");
	assert_string_equal(err.msg, "cannot open: No such file or directory");
	assert_int_equal(uci_parse_file(DATA, &f, &err), -1);
	assert_string_equal(err.file, DATA);
	assert_string_equal(err.msg, "expected a regular file");
	/* a syntax error in a file names the path */
	f = NULL;
	{
		char path[] = "/tmp/sf_test_uci_XXXXXX";
		int fd = mkstemp(path);
		FILE *fp;
		int r;

		assert_true(fd >= 0);
		fp = fdopen(fd, "w");
		assert_non_null(fp);
		fputs("config a 'b'\n\toption x 'y' 'z'\n", fp);
		fclose(fp);
		r = uci_parse_file(path, &f, &err);
		unlink(path);
		assert_int_equal(r, -1);
		assert_string_equal(err.file, path);
		assert_string_equal(err.msg,
				    "too many arguments: expected the end of the statement, found 'z'");
		assert_int_equal(err.line, 2);
		assert_null(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mwan3_sample),
		cmocka_unit_test(test_network_rutos),
		cmocka_unit_test(test_tricky),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_anonymous_names),
		cmocka_unit_test(test_statements),
		cmocka_unit_test(test_errors_syntax),
		cmocka_unit_test(test_errors_input),
		cmocka_unit_test(test_errors_caps),
		cmocka_unit_test(test_parse_file_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
