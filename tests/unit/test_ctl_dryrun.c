/*
 * test_ctl_dryrun.c - controller selection, dry-run backend, targets from
 * link state, and the asynchronous contract (controller.h): one apply in
 * flight, latest wins, completions from the loop, route_state observer;
 * the route backend's recognition of its rules from hostile messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <ev.h>

#include <stdlib.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "controller.h"
#include "ctl_route_impl.h"
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
	assert_null(controller_new("mwan4", &p, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "mwan4"));
	assert_null(controller_new(NULL, &p, NULL, err, sizeof(err)));
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
	struct controller *c = controller_new("dryrun", &p, NULL, err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->params.backend, "dryrun");
	assert_int_equal(controller_init(c), 0);

	struct link_info li = wan_link();
	struct ctl_target t;
	ctl_target_from_link(&t, "starlink", "wan", &li);
	assert_int_equal(controller_apply(c, &t, NULL, NULL), CTL_DONE);
	assert_int_equal(controller_rstate(c), CTL_RS_APPLIED);
	assert_true(c->active);
	assert_string_equal(c->current.member, "starlink");
	assert_non_null(strstr(controller_state(c), "starlink"));
	assert_non_null(strstr(controller_state(c), "192.0.2.1"));

	assert_int_equal(controller_apply(c, NULL, NULL, NULL), CTL_DONE);
	assert_int_equal(controller_rstate(c), CTL_RS_NONE);
	assert_false(c->active);
	assert_non_null(strstr(controller_state(c), "no member"));
	struct ctl_flow_counts fc = { .seen = 7 };
	assert_int_equal(controller_flush_flows(c, &t, &fc), 0);	/* dry-run: logs, deletes nothing */
	assert_int_equal(fc.seen + fc.deleted, 0);
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
	struct controller *c = controller_new("route", &p, NULL, err, sizeof(err));
	assert_non_null(c);
	struct link_info li = wan_link();
	struct ctl_target t;
	ctl_target_from_link(&t, "starlink", "wan", &li);
	assert_int_equal(controller_apply(c, &t, NULL, NULL), CTL_ERROR);	/* no OS access before init */
	assert_true(strlen(controller_error(c)) > 0);
	assert_int_equal(c->failures, 1);
	controller_free(c);
}

struct calls {
	int n;
	int answers[8];
	char members[8][CFG_STR_MAX];
	uint64_t seqs[8];
	struct controller *c;
};

static void done_cb(void *ctx, struct controller *c, int answer)
{
	struct calls *k = ctx;
	if (k->n < 8) {
		k->answers[k->n] = answer;
		snprintf(k->members[k->n], sizeof(k->members[0]), "%s", c->active ? c->current.member : "none");
		k->seqs[k->n] = controller_done_seq(c);
	}
	k->n++;
}

struct states {
	int n;
	enum ctl_rstate last;
};

static void state_cb(void *ctx, struct controller *c, enum ctl_rstate old, enum ctl_rstate now, const char *why)
{
	struct states *s = ctx;
	s->n++;
	s->last = now;
	assert_int_not_equal(old, now);
}

static void target(struct ctl_target *t, const char *member)
{
	struct link_info li = wan_link();
	ctl_target_from_link(t, member, "wan", &li);
}

static void run_until(struct ev_loop *loop, int *n, int want)
{
	for (int i = 0; i < 200 && *n < want; i++)
		ev_run(loop, EVRUN_ONCE);
}

/* A slow backend: in progress, then done from the loop; queued applies: latest wins. */
static void test_async_latest_wins(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct ctl_params p = { .route_table = 7373, .route_metric = 1, .rule_priority = 32000 };
	char err[128];
	struct controller *c = controller_new("dryrun", &p, loop, err, sizeof(err));
	assert_non_null(c);
	struct states st = { 0 };
	controller_set_observer(c, state_cb, &st);
	assert_int_equal(controller_init(c), 0);
	ctl_dryrun_set_delay(c, 30);

	struct ctl_target a, b, x;
	target(&a, "a");
	target(&b, "b");
	target(&x, "x");
	struct calls ka = { 0 }, kb = { 0 }, kx = { 0 };
	assert_int_equal(controller_apply(c, &a, done_cb, &ka), CTL_IN_PROGRESS);
	assert_true(controller_busy(c));
	assert_false(c->active);	/* not yet */
	assert_int_equal(controller_apply(c, &x, done_cb, &kx), CTL_IN_PROGRESS);	/* queued */
	assert_int_equal(controller_apply(c, &b, done_cb, &kb), CTL_IN_PROGRESS);	/* replaces x */
	assert_int_equal(kx.n, 1);
	assert_int_equal(kx.answers[0], CTL_SUPERSEDED);
	assert_int_equal(ka.n, 0);

	run_until(loop, &ka.n, 1);
	assert_int_equal(ka.n, 1);
	assert_int_equal(ka.answers[0], CTL_DONE);
	assert_string_equal(ka.members[0], "a");
	assert_true(controller_busy(c));	/* b started right after a */
	assert_int_equal(kb.n, 0);

	run_until(loop, &kb.n, 1);
	assert_int_equal(kb.n, 1);
	assert_int_equal(kb.answers[0], CTL_DONE);
	assert_string_equal(c->current.member, "b");
	assert_false(controller_busy(c));
	assert_int_equal(kx.n, 1);	/* the superseded one never ran */
	assert_int_equal(controller_rstate(c), CTL_RS_APPLIED);
	assert_true(st.n >= 1);
	assert_int_equal(st.last, CTL_RS_APPLIED);

	/* an invalid target is refused at once, nothing queued, no callback */
	struct link_info li = wan_link();
	li.carrier = false;
	struct ctl_target bad;
	ctl_target_from_link(&bad, "dead", "wan", &li);
	struct calls kd = { 0 };
	assert_int_equal(controller_apply(c, &bad, done_cb, &kd), CTL_ERROR);
	assert_int_equal(kd.n, 0);
	assert_false(controller_busy(c));

	/* shutdown drops the one in flight without callbacks */
	struct calls kn = { 0 };
	assert_int_equal(controller_apply(c, NULL, done_cb, &kn), CTL_IN_PROGRESS);
	controller_shutdown(c);
	assert_false(controller_busy(c));
	for (int i = 0; i < 5; i++)
		ev_run(loop, EVRUN_NOWAIT);
	assert_int_equal(kn.n, 0);
	controller_free(c);
	ev_loop_destroy(loop);
}

/* Synchronous completion stays synchronous: DONE, no callback. */
static void test_sync_no_callback(void **state)
{
	struct ctl_params p = { .route_table = 7373 };
	char err[128];
	struct controller *c = controller_new("dryrun", &p, NULL, err, sizeof(err));
	assert_int_equal(controller_init(c), 0);
	ctl_dryrun_set_delay(c, 30);	/* without a loop: ignored */
	struct ctl_target a;
	target(&a, "a");
	struct calls k = { 0 };
	assert_int_equal(controller_apply(c, &a, done_cb, &k), CTL_DONE);
	assert_int_equal(k.n, 0);
	assert_string_equal(ctl_rstate_name(controller_rstate(c)), "applied");
	controller_free(c);
}

/*
 * A slow apply that fails while a newer one is queued: its completion names
 * its own number, not the latest one's, so the caller can ignore it; the
 * failed target stays the wanted one (current, pending) until the next.
 */
static void test_async_old_failure_is_not_latest(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct ctl_params p = { .route_table = 7373 };
	char err[128];
	struct controller *c = controller_new("dryrun", &p, loop, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(controller_init(c), 0);
	ctl_dryrun_set_delay(c, 20);
	ctl_dryrun_set_fail(c, "a");
	struct ctl_target a, b;
	target(&a, "a");
	target(&b, "b");
	struct calls ka = { 0 }, kb = { 0 };
	assert_int_equal(controller_apply(c, &a, done_cb, &ka), CTL_IN_PROGRESS);
	uint64_t seq_a = c->applies;
	assert_int_equal(controller_apply(c, &b, done_cb, &kb), CTL_IN_PROGRESS);	/* queued */
	uint64_t latest = c->applies;
	assert_true(latest > seq_a);

	run_until(loop, &ka.n, 1);
	assert_int_equal(ka.n, 1);
	assert_int_equal(ka.answers[0], CTL_ERROR);
	assert_true(ka.seqs[0] == seq_a);	/* not the latest: a caller ignores it */
	assert_true(ka.seqs[0] != latest);
	assert_true(controller_busy(c));	/* b in flight */
	run_until(loop, &kb.n, 1);
	assert_int_equal(kb.n, 1);
	assert_int_equal(kb.answers[0], CTL_DONE);
	assert_true(kb.seqs[0] == latest);
	assert_string_equal(c->current.member, "b");
	assert_false(c->pending);
	controller_free(c);
	ev_loop_destroy(loop);
}

/* A failed apply stays the wanted state: current names it, pending says it is not in place. */
static void test_failed_apply_stays_wanted(void **state)
{
	struct ctl_params p = { .route_table = 7373 };
	char err[128];
	struct controller *c = controller_new("dryrun", &p, NULL, err, sizeof(err));
	assert_int_equal(controller_init(c), 0);
	struct ctl_target a, b;
	target(&a, "a");
	target(&b, "b");
	assert_int_equal(controller_apply(c, &a, NULL, NULL), CTL_DONE);
	assert_false(c->pending);
	ctl_dryrun_set_fail(c, "b");
	assert_int_equal(controller_apply(c, &b, NULL, NULL), CTL_ERROR);
	assert_true(c->active);
	assert_string_equal(c->current.member, "b");	/* not the old "a" */
	assert_true(c->pending);
	assert_non_null(strstr(controller_state(c), "not yet applied"));

	/* refused before the backend is asked: current stays */
	struct link_info li = wan_link();
	li.carrier = false;
	struct ctl_target bad;
	ctl_target_from_link(&bad, "dead", "wan", &li);
	assert_int_equal(controller_apply(c, &bad, NULL, NULL), CTL_ERROR);
	assert_string_equal(c->current.member, "b");

	ctl_dryrun_set_fail(c, NULL);
	assert_int_equal(controller_apply(c, &b, NULL, NULL), CTL_DONE);
	assert_false(c->pending);
	assert_string_equal(c->current.member, "b");
	controller_free(c);
}

/*
 * A rule message as the kernel would send it: attributes (type, u32 value,
 * payload bytes 0 or 4) after the header, and after the message, in the
 * same buffer, the u32 after: what an overread of a payload-less last
 * attribute would take for its value.
 */
static struct nlmsghdr *rule_msg(const uint16_t *types, const uint32_t *vals, const int *lens, int n,
				 uint32_t after)
{
	char tmp[256] __attribute__((aligned(4)));
	memset(tmp, 0, sizeof(tmp));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(tmp);
	nlh->nlmsg_type = RTM_NEWRULE;
	struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = AF_INET;
	frh->table = RT_TABLE_UNSPEC;
	for (int i = 0; i < n; i++)
		mnl_attr_put(nlh, types[i], (size_t)lens[i], &vals[i]);
	struct nlmsghdr *m = malloc(nlh->nlmsg_len + sizeof(after));
	assert_non_null(m);
	memcpy(m, nlh, nlh->nlmsg_len);
	memcpy((char *)m + nlh->nlmsg_len, &after, sizeof(after));
	return m;
}

/* Old kernels (no FRA_PROTOCOL): a rule is ours by priority and table, read only from valid u32s. */
static void test_rule_is_ours_validates(void **state)
{
	struct controller c;
	memset(&c, 0, sizeof(c));
	c.params.route_table = 7373;
	c.params.rule_priority = 32000;
	const uint16_t types[] = { FRA_PRIORITY, FRA_TABLE };
	const uint32_t vals[] = { 32001, 7373 };

	struct nlmsghdr *m = rule_msg(types, vals, (const int[]){ 4, 4 }, 2, 0);
	assert_true(route_rule_is_ours(&c, m));	/* the well-formed one is ours */
	free(m);

	/* a table of nla_len 4 (no payload) at the end: absent, so frh->table (unspec): not ours */
	m = rule_msg(types, vals, (const int[]){ 4, 0 }, 2, 7373);
	assert_false(route_rule_is_ours(&c, m));
	free(m);

	/* a priority without payload at the end: absent (0), not ours */
	const uint16_t t2[] = { FRA_TABLE, FRA_PRIORITY };
	const uint32_t v2[] = { 7373, 32001 };
	m = rule_msg(t2, v2, (const int[]){ 4, 0 }, 2, 32001);
	assert_false(route_rule_is_ours(&c, m));
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_backend),
		cmocka_unit_test(test_target_from_link),
		cmocka_unit_test(test_dryrun_lifecycle),
		cmocka_unit_test(test_route_apply_before_init_fails),
		cmocka_unit_test(test_async_latest_wins),
		cmocka_unit_test(test_sync_no_callback),
		cmocka_unit_test(test_async_old_failure_is_not_latest),
		cmocka_unit_test(test_failed_apply_stays_wanted),
		cmocka_unit_test(test_rule_is_ours_validates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
