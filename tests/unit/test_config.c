/* test_config.c - the schema over the UCI reader: defaults, values, every error path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "cfgtab_impl.h"
#include "config.h"

static struct sf_config cfg;
static struct config_report rep;

static int load(const char *text)
{
	return config_load_buffer("test.conf", text, strlen(text), &cfg, &rep);
}

/* assert that some error contains all of the given fragments */
static void assert_error(const char *frag1, const char *frag2)
{
	for (int i = 0; i < rep.n_errors && i < CONFIG_MAX_ERRORS; i++)
		if (strstr(rep.errors[i], frag1) && (!frag2 || strstr(rep.errors[i], frag2)))
			return;
	for (int i = 0; i < rep.n_errors && i < CONFIG_MAX_ERRORS; i++)
		print_message("error[%d]: %s\n", i, rep.errors[i]);
	fail_msg("no error with '%s' / '%s'", frag1, frag2 ? frag2 : "");
}

static void assert_warning(const char *frag)
{
	for (int i = 0; i < rep.n_warnings && i < CONFIG_MAX_ERRORS; i++)
		if (strstr(rep.warnings[i], frag))
			return;
	fail_msg("no warning with '%s'", frag);
}

static void test_defaults(void **state)
{
	assert_int_equal(load("config starfail 'main'\n"), 0);
	assert_true(cfg.core.enable);
	assert_false(cfg.core.use_mwan3);
	assert_int_equal(cfg.core.poll_interval_ms, 1500);
	assert_int_equal(cfg.core.log_level, 2);
	assert_string_equal(cfg.core.api_socket, "/var/run/starfail.sock");
	assert_string_equal(cfg.core.api_socket_mode, "0660");
	assert_int_equal(cfg.core.api_max_request_bytes, 65536);
	assert_int_equal(cfg.n_members, 0);
	assert_warning("no `config member` sections");
}

static void test_good_file(void **state)
{
	assert_int_equal(config_load("tests/data/config/good.conf", &cfg, &rep), 0);
	assert_int_equal(rep.n_errors, 0);
	assert_int_equal(rep.n_warnings, 0);
	assert_int_equal(cfg.core.api_max_clients, 8);
	assert_int_equal(cfg.n_members, 3);
	const struct member_config *m = config_find_member(&cfg, "mob1s1a1");
	assert_non_null(m);
	assert_int_equal(m->cls, CLASS_CELLULAR);	/* auto, from the RutOS name */
	assert_int_equal(m->class_cfg, CLASS_AUTO);
	assert_true(m->metered);
	assert_int_equal(m->probe_targets.n, 2);
	assert_string_equal(m->probe_targets.v[1], "tcp:9.9.9.9:443");
	assert_int_equal(m->line, 16);
	m = config_find_member(&cfg, "starlink");
	assert_int_equal(m->cls, CLASS_STARLINK);
	assert_int_equal(m->priority, 1);
	assert_int_equal(m->weight, 100);
	m = config_find_member(&cfg, "wan");
	assert_int_equal(m->cls, CLASS_LAN);
	assert_int_equal(m->priority, 10);
	assert_true(m->enabled);
}

static void test_missing_file(void **state)
{
	assert_int_equal(config_load("/nonexistent/starfail", &cfg, &rep), -1);
	assert_error("/nonexistent/starfail", NULL);
}

static void test_out_of_range(void **state)
{
	assert_int_equal(load("config starfail 'main'\n\toption poll_interval_ms '50'\n"), -1);
	assert_error("test.conf:2: section 'main' option 'poll_interval_ms'", "from 200 to 60000 ms, got '50'");
	assert_int_equal(load("config starfail 'main'\n\toption poll_interval_ms '12abc'\n"), -1);
	assert_error("test.conf:2:", "got '12abc'");
	/* uci drops an option set to '': the default stays */
	assert_int_equal(load("config starfail 'main'\n\toption poll_interval_ms ''\n"), 0);
	assert_int_equal(cfg.core.poll_interval_ms, 1500);
	assert_int_equal(load("config starfail 'main'\n\toption poll_interval_ms '99999999999999999999'\n"), -1);
	assert_error("poll_interval_ms", "integer");
	assert_int_equal(load("config member 'x'\n\toption device 'eth0'\n\toption weight '101'\n"), -1);
	assert_error("test.conf:3: section 'x' option 'weight'", "from 0 to 100");
	assert_int_equal(load("config member 'x'\n\toption device 'eth0'\n\toption priority '0'\n"), -1);
	assert_error("option 'priority'", "from 1 to 255");
}

static void test_bad_types(void **state)
{
	assert_int_equal(load("config starfail 'main'\n\toption enable 'maybe'\n"), -1);
	assert_error("test.conf:2: section 'main' option 'enable'", "boolean");
	assert_int_equal(load("config starfail 'main'\n\toption log_level 'loud'\n"), -1);
	assert_error("option 'log_level'", "one of error|warn|info|debug|trace, got 'loud'");
	assert_int_equal(load("config starfail 'main'\n\tlist poll_interval_ms '1'\n"), -1);
	assert_error("option 'poll_interval_ms'", "single value (option), got a list");
	assert_int_equal(load("config member 'x'\n\toption device 'eth0'\n\toption class 'satellite'\n"), -1);
	assert_error("option 'class'", "auto|starlink|cellular|wifi|lan");
	assert_int_equal(load("config starfail 'main'\n\toption controller 'mwan4'\n"), -1);
	assert_error("option 'controller'", "expected auto|route|dryrun|mwan3, got 'mwan4'");
	assert_int_equal(load("config starfail 'main'\n\toption controller 'mwan3'\n"), 0);
	assert_int_equal(load("config starfail 'main'\n\toption mwan3_state_file 'rel/x'\n"), -1);
	assert_error("option 'mwan3_state_file'", "absolute path");
	assert_int_equal(load("config starfail 'main'\n\toption mwan3_mode 'metrik'\n"), -1);
	assert_error("option 'mwan3_mode'", "state|metric");
	assert_int_equal(load("config member 'x'\n\toption device 'eth0'\n\toption flow_failback 'stay'\n"), -1);
	assert_error("option 'flow_failback'", "move|keep|metered");
}

static void test_strings_and_lists(void **state)
{
	char big[200];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	char text[512];
	snprintf(text, sizeof(text), "config starfail 'main'\n\toption api_socket '/%s'\n", big);
	assert_int_equal(load(text), -1);
	assert_error("option 'api_socket'", "at most 63 bytes");

	assert_int_equal(load("config member 'x'\n\toption device 'eth0'\n"
			      "\tlist probe_targets 'a'\n\tlist probe_targets 'b'\n\tlist probe_targets 'c'\n"
			      "\tlist probe_targets 'd'\n\tlist probe_targets 'e'\n\tlist probe_targets 'f'\n"
			      "\tlist probe_targets 'g'\n\tlist probe_targets 'h'\n\tlist probe_targets 'i'\n"), -1);
	assert_error("option 'probe_targets'", "at most 8 values");
	assert_int_equal(load("config starfail 'main'\n\toption api_group 'wh\x1b[31meel'\n"), -1);
	assert_error("option 'api_group'", "printable UTF-8");

	/* an option value is split into list entries, as uci users write it */
	assert_int_equal(load("config member 'x'\n\toption device 'eth0'\n"
			      "\toption probe_targets '1.1.1.1 9.9.9.9'\n"), 0);
	assert_int_equal(cfg.members[0].probe_targets.n, 2);
	assert_string_equal(cfg.members[0].probe_targets.v[1], "9.9.9.9");
}

static void test_semantic_errors(void **state)
{
	/* use_mwan3 is accepted now (issue 10): discovery reads mwan3 at run time */
	assert_int_equal(load("config starfail 'main'\n\toption use_mwan3 '1'\n"), 0);
	assert_true(cfg.core.use_mwan3);
	assert_int_equal(load("config starfail 'main'\n\toption classify_dish_address '192.168.100.1'\n"), -1);
	assert_error("classify_dish_address", "IPv4:port");
	assert_int_equal(load("config starfail 'main'\n\toption api_socket_mode '0999'\n"), -1);
	assert_error("api_socket_mode", "octal");
	assert_int_equal(load("config starfail 'main'\n\toption api_socket 'relative.sock'\n"), -1);
	assert_error("api_socket", "absolute path");
}

static void test_member_errors(void **state)
{
	assert_int_equal(load("config member 'x'\n\toption weight '5'\n"), -1);
	assert_error("test.conf:1: section 'x'", "option 'interface' (the netifd interface");
	assert_error("test.conf:1: section 'x'", "or 'device' (the Linux device");
	/* an interface alone is enough: its device comes from netifd (discover.h) */
	assert_int_equal(load("config member 'x'\n\toption interface 'wan'\n"), 0);
	assert_string_equal(cfg.members[0].device, "");
	/* with use_mwan3, a bare member is the mwan3 interface of its name (main after it too) */
	assert_int_equal(load("config member 'mob1s1a1'\n\toption metered '1'\n"
			      "config starfail 'main'\n\toption use_mwan3 '1'\n"), 0);
	assert_string_equal(cfg.members[0].interface, "mob1s1a1");

	assert_int_equal(load("config member 'a'\n\toption device 'eth0'\n"
			      "config member 'b'\n\toption device 'eth0'\n"), -1);
	assert_error("test.conf:3: section 'b' option 'device'", "already used by member 'a'");

	assert_int_equal(load("config member 'x'\n\toption device 'averyveryverylongdevice'\n"), -1);
	assert_error("option 'device'", "longer than 15");

	/* anonymous: named after the interface; two of them collide */
	assert_int_equal(load("config member\n\toption interface 'wan'\n"
			      "config member\n\toption interface 'wan'\n\toption device 'eth9'\n"), -1);
	assert_error("test.conf:3: section 'wan'", "defined twice (also line 1)");

	assert_int_equal(load("config member\n\toption weight '3'\n"), -1);
	assert_error("test.conf:1: section 'member'", "name");

	char text[4096] = "";
	for (int i = 0; i <= MAX_MEMBERS; i++) {
		char s[64];
		snprintf(s, sizeof(s), "config member 'm%d'\n\toption device 'eth%d'\n", i, i);
		strcat(text, s);
	}
	assert_int_equal(load(text), -1);
	assert_error("section 'm16'", "more than 16 members");
}

static void test_failback(void **state)
{
	assert_int_equal(load("config member 'a'\n\toption device 'eth0'\n"
			      "config member 'b'\n\toption device 'eth1'\n\toption failback 'manual'\n"
			      "config member 'c'\n\toption device 'eth2'\n\toption failback 'immediate'\n"), 0);
	struct engine_member em;
	config_engine_member(&cfg.members[0], &em);
	assert_int_equal(em.failback, FAILBACK_WINDOW);
	config_engine_member(&cfg.members[1], &em);
	assert_int_equal(em.failback, FAILBACK_MANUAL);
	config_engine_member(&cfg.members[2], &em);
	assert_int_equal(em.failback, FAILBACK_IMMEDIATE);
	assert_int_equal(load("config member 'a'\n\toption device 'eth0'\n\toption failback 'never'\n"), -1);
	assert_error("test.conf:3: section 'a' option 'failback'", "never");
}

static void test_warnings(void **state)
{
	assert_int_equal(load("config starfail 'main'\n\toption bogus '1'\n"
			      "config frobnicator 'x'\n"
			      "config member 'w'\n\toption device 'eth0'\n\toption colour 'red'\n"), 0);
	assert_int_equal(rep.n_warnings, 3);
	assert_warning("test.conf:2: section 'main': unknown option 'bogus' ignored");
	assert_warning("test.conf:3: unknown section type 'frobnicator' ignored");
	assert_warning("test.conf:6: section 'w': unknown option 'colour' ignored");
}

static void test_uci_error_passthrough(void **state)
{
	assert_int_equal(load("config starfail 'main'\n\toption enable '1\n"), -1);
	assert_error("test.conf:2:", NULL);
}

static void test_member_equal(void **state)
{
	assert_int_equal(config_load("tests/data/config/good.conf", &cfg, &rep), 0);
	struct member_config a = cfg.members[0], b = cfg.members[0];
	assert_true(config_member_equal(&a, &b));
	b.weight++;
	assert_false(config_member_equal(&a, &b));
	b = a;
	strcpy(b.probe_targets.v[0], "x");
	b.probe_targets.n = 1;
	assert_false(config_member_equal(&a, &b));
}

static void test_json_and_reference(void **state)
{
	assert_int_equal(config_load("tests/data/config/good.conf", &cfg, &rep), 0);
	struct json_object *j = config_to_json(&cfg);
	struct json_object *main_sec, *members, *v;
	assert_true(json_object_object_get_ex(j, "main", &main_sec));
	assert_true(json_object_object_get_ex(main_sec, "poll_interval_ms", &v));
	assert_int_equal(json_object_get_int(v), 1500);
	assert_true(json_object_object_get_ex(j, "members", &members));
	assert_int_equal(json_object_array_length(members), 3);
	json_object_put(j);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	config_print_reference(f);
	fclose(f);
	assert_non_null(strstr(buf, "| `poll_interval_ms` | integer | `1500` |"));
	assert_non_null(strstr(buf, "`config member '<name>'`"));
	free(buf);
}

/* Every table default must parse under its own rules. */
static void test_tables_self_consistent(void **state)
{
	config_defaults(&cfg);	/* would leave garbage if a default failed */
	assert_int_equal(cfg.core.api_max_clients, 16);
	bool b;
	assert_int_equal(cfg_parse_bool("yes", &b), 0);
	assert_true(b);
	assert_int_equal(cfg_parse_bool("disabled", &b), 0);
	assert_false(b);
	assert_int_equal(cfg_parse_bool("2", &b), -1);
	double d;
	assert_int_equal(cfg_parse_double("nan", 0, 1, &d), -1);
	assert_int_equal(cfg_parse_double("inf", 0, 1e9, &d), -1);
	assert_int_equal(cfg_parse_double(" 1", 0, 2, &d), -1);
}

/* keep_warm_ms (warm backup): off by default, range-checked, handed to the prober. */
static void test_keep_warm(void **state)
{
	(void)state;
	struct probe_member_cfg pc;
	char err[160];
	assert_int_equal(load("config member 'mob1s1a1'\n\toption device 'wwan0'\n\toption metered '1'\n"), 0);
	assert_int_equal(cfg.members[0].keep_warm_ms, 0);
	assert_int_equal(config_probe_member(&cfg, &cfg.members[0], &pc, err, sizeof(err)), 0);
	assert_int_equal(pc.keep_warm_ms, 0);
	assert_int_equal(load("config member 'mob1s1a1'\n\toption device 'wwan0'\n\toption keep_warm_ms '8000'\n"), 0);
	assert_int_equal(config_probe_member(&cfg, &cfg.members[0], &pc, err, sizeof(err)), 0);
	assert_int_equal(pc.keep_warm_ms, 8000);
	assert_int_equal(load("config member 'mob1s1a1'\n\toption device 'wwan0'\n\toption keep_warm_ms '60001'\n"), -1);
	assert_error("option 'keep_warm_ms'", NULL);
}

/* what the ranges cannot say: a collector's options that need each other */
static void test_collector_check(void **state)
{
	(void)state;
	assert_int_equal(load("config member 'mob1s1a1'\n\toption device 'wwan0'\n\toption cell_provider 'at'\n"), -1);
	assert_error("test.conf:1: section 'mob1s1a1'", "'cell_provider' is 'at' but 'cell_at_port' is not set");
	assert_int_equal(load("config member 'mob1s1a1'\n\toption device 'wwan0'\n\toption cell_provider 'at'\n"
			      "\toption cell_at_port '/dev/ttyUSB2'\n"), 0);
	assert_int_equal(load("config member 'mob1s1a1'\n\toption device 'wwan0'\n\toption cell_sim_switch '1'\n"
			      "\toption cell_sim_command 'at'\n"), -1);
	assert_error("section 'mob1s1a1'", "'cell_sim_command' is 'at' but 'cell_at_port' is not set");
	/* the command alone, without switching, asks nothing of the port */
	assert_int_equal(load("config member 'mob1s1a1'\n\toption device 'wwan0'\n\toption cell_sim_command 'at'\n"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_keep_warm),
		cmocka_unit_test(test_collector_check),
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_bad_types),
		cmocka_unit_test(test_strings_and_lists),
		cmocka_unit_test(test_semantic_errors),
		cmocka_unit_test(test_member_errors),
		cmocka_unit_test(test_failback),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_uci_error_passthrough),
		cmocka_unit_test(test_member_equal),
		cmocka_unit_test(test_json_and_reference),
		cmocka_unit_test(test_tables_self_consistent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
