/* test_ctl_dryrun.c - controller selection, dry-run backend, targets from link state */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "controller.h"
#include "linkmon.h"

static struct link_info wan_link(void)
{
	struct link_info li;
	memset(&li, 0, sizeof(li));
	strcpy(li.ifname, "eth1");
	li.exists = li.admin_up = li.carrier = true;
	li.ifindex = 5;
	li.v4.has_addr = li.v4.has_route = li.v4.has_gw = true;
	inet_pton(AF_INET, "192.0.2.10", &li.v4.addr.v4);
	inet_pton(AF_INET, "192.0.2.1", &li.v4.gw.v4);
	li.v6.has_addr = true;	/* address but no default route: IPv6 not usable */
	inet_pton(AF_INET6, "2001:db8::10", &li.v6.addr.v6);
	return li;
}

static void test_unknown_backend(void **state)
{
	struct ctl_params p = { .route_table = 7373 };
	char err[128] = "";
	assert_null(controller_new("mwan4", &p, err, sizeof(err)));
	assert_non_null(strstr(err, "mwan4"));
	assert_null(controller_new(NULL, &p, err, sizeof(err)));
}

static void test_target_from_link(void **state)
{
	struct link_info li = wan_link();
	struct ctl_target t;
	ctl_target_from_link(&t, "starlink", "wan", &li);
	assert_string_equal(t.member, "starlink");
	assert_string_equal(t.iface, "wan");
	assert_string_equal(t.device, "eth1");
	assert_int_equal(t.ifindex, 5);
	assert_true(t.use4);
	assert_true(t.has_gw4);
	assert_false(t.use6);
	assert_false(t.has_gw6);
	char buf[32];
	inet_ntop(AF_INET, &t.gw4, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.1");

	li.carrier = false;	/* carrier lost: nothing usable */
	ctl_target_from_link(&t, "starlink", "wan", &li);
	assert_false(t.use4);
	assert_false(t.has_gw4);
}

static void test_dryrun_lifecycle(void **state)
{
	struct ctl_params p = { .route_table = 7373, .route_metric = 1, .rule_priority = 32000, .ipv6 = true };
	char err[128];
	struct controller *c = controller_new("dryrun", &p, err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->params.backend, "dryrun");
	assert_int_equal(controller_init(c), 0);

	struct link_info li = wan_link();
	struct ctl_target t;
	ctl_target_from_link(&t, "starlink", "wan", &li);
	assert_int_equal(controller_apply(c, &t), 0);
	assert_true(c->active);
	assert_string_equal(c->current.member, "starlink");
	assert_non_null(strstr(controller_state(c), "starlink"));
	assert_non_null(strstr(controller_state(c), "192.0.2.1"));

	assert_int_equal(controller_apply(c, NULL), 0);
	assert_false(c->active);
	assert_non_null(strstr(controller_state(c), "no member"));
	assert_int_equal(controller_flush_flows(c, &t), 0);	/* hook not implemented: no-op */
	assert_int_equal(c->applies, 2);
	assert_int_equal(c->failures, 0);
	controller_shutdown(c);
	assert_non_null(strstr(controller_state(c), "stopped"));
	controller_free(c);
}

static void test_route_apply_before_init_fails(void **state)
{
	struct ctl_params p = { .route_table = 7373, .route_metric = 1, .rule_priority = 32000 };
	char err[128];
	struct controller *c = controller_new("route", &p, err, sizeof(err));
	assert_non_null(c);
	struct link_info li = wan_link();
	struct ctl_target t;
	ctl_target_from_link(&t, "starlink", "wan", &li);
	assert_int_equal(controller_apply(c, &t), -1);	/* no OS access before init */
	assert_true(strlen(controller_error(c)) > 0);
	assert_int_equal(c->failures, 1);
	controller_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_backend),
		cmocka_unit_test(test_target_from_link),
		cmocka_unit_test(test_dryrun_lifecycle),
		cmocka_unit_test(test_route_apply_before_init_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
