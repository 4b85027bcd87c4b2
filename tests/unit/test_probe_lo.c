/*
 * test_probe_lo.c - the prober in a real libev loop on the loopback device:
 * rounds, reliability with a dead target, TCP refused = answered, fast
 * re-probes after a lost round, cadence by role, traffic estimate,
 * unusable links, and probing without kernel entropy (weak ids, reseeded). Skipped when probe sockets cannot be opened (no root and
 * no ping_group_range).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <ev.h>
#include <math.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "clock.h"
#include "probe.h"
#include "probe_rand.h"

struct rec {
	int rounds;
	struct probe_round last;
};

static void on_round(void *ctx, const struct probe_round *r)
{
	struct rec *rec = ctx;
	rec->rounds++;
	rec->last = *r;
}

static void stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static void run_ms(struct ev_loop *loop, int ms)
{
	ev_timer t;
	ev_timer_init(&t, stop_cb, ms / 1000.0, 0.);
	ev_timer_start(loop, &t);
	ev_run(loop, 0);
	ev_timer_stop(loop, &t);
}

static struct link_info lo_link(void)
{
	struct link_info li;
	memset(&li, 0, sizeof(li));
	strcpy(li.ifname, "lo");
	li.exists = li.admin_up = li.carrier = true;
	li.ifindex = 1;
	li.v4.has_addr = li.v4.has_route = true;
	inet_pton(AF_INET, "127.0.0.1", &li.v4.addr.v4);
	return li;
}

static struct probe_member_cfg cfg(const char *targets, int reliability, int interval_ms, int timeout_ms)
{
	struct probe_params pp = { .timeout_ms = timeout_ms, .window_ms = 10000, .standby_interval_ms = 5000,
				   .metered_interval_ms = 60000, .reliability = 1, .fast_rounds = 2,
				   .payload_bytes = 16, .dns_name = "." };
	struct cfg_list l = { 0 };
	char buf[256];
	strcpy(buf, targets);
	for (char *s = strtok(buf, " "); s; s = strtok(NULL, " "))
		strcpy(l.v[l.n++], s);
	struct probe_member_cfg mc;
	char err[128];
	assert_int_equal(probe_member_cfg_build(&mc, &pp, "lo", "lo", &l, reliability, false, 0, interval_ms,
						err, sizeof(err)), 0);
	return mc;
}

static void skip_without_sockets(struct prober *p)
{
	struct probe_summary s;
	prober_summary(p, &s);
	if (!s.usable && strstr(s.reason, "socket")) {
		prober_free(p);
		skip();
	}
}

static void test_rounds_reliability(void **state)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct rec rec = { 0 };
	/* 192.0.2.1 (TEST-NET) never answers on lo; port 1 is closed: RST */
	struct probe_member_cfg mc = cfg("127.0.0.1 tcp:127.0.0.1:1 192.0.2.1", 2, 100, 80);
	struct prober *p = prober_new(loop, &mc, on_round, &rec);
	assert_non_null(p);
	struct link_info li = lo_link();
	prober_set_link(p, &li);
	skip_without_sockets(p);
	prober_set_role(p, PROBE_ROLE_PRIMARY);
	run_ms(loop, 650);

	assert_true(rec.rounds >= 3);
	const struct probe_round *r = &rec.last;
	assert_int_equal(r->n_results, 3);
	assert_true(r->results[0].answered);
	assert_true(r->results[1].answered);	/* refused = the path works */
	assert_false(r->results[2].answered);
	assert_true(isnan(r->results[2].rtt_ms));
	assert_true(r->up);			/* 2 of 3 >= reliability 2 */
	struct probe_summary s;
	prober_summary(p, &s);
	assert_true(s.usable);
	assert_int_equal(s.lost_in_row, 0);
	assert_float_equal(s.loss_pct, 0.0, 1e-9);	/* the dead target is not loss */
	assert_true(s.latency_ms >= 0 && s.latency_ms < 50);
	assert_true(s.latency_p95_ms >= s.latency_ms * 0.5);
	assert_int_equal(s.rounds, (uint64_t)rec.rounds);
	assert_int_equal(s.rounds_up, s.rounds);
	assert_true(s.probes_answered == 2 * s.rounds);
	prober_free(p);
	ev_loop_destroy(loop);
}

static void test_fast_reprobe_and_cadence(void **state)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct rec rec = { 0 };
	struct probe_member_cfg mc = cfg("192.0.2.1", 1, 1000, 50);
	struct prober *p = prober_new(loop, &mc, on_round, &rec);
	struct link_info li = lo_link();
	prober_set_link(p, &li);
	skip_without_sockets(p);
	prober_set_role(p, PROBE_ROLE_PRIMARY);
	/* first round (0-200 ms stagger) + 2 fast re-probes, then the 1 s cadence */
	run_ms(loop, 600);
	assert_int_equal(rec.rounds, 3);
	assert_false(rec.last.up);
	struct probe_summary s;
	prober_summary(p, &s);
	assert_int_equal(s.lost_in_row, 3);
	assert_float_equal(s.loss_pct, 100.0, 1e-9);

	/* traffic estimate follows the role: 2 x (20 + 8 + 16) bytes per round */
	assert_float_equal(s.bytes_per_round, 88.0, 1e-9);
	assert_float_equal(s.bytes_per_day, 88.0 * 86400, 1e-3);
	prober_set_role(p, PROBE_ROLE_STANDBY);
	prober_summary(p, &s);
	assert_int_equal(s.interval_ms, 5000);
	assert_float_equal(s.bytes_per_day, 88.0 * 86400 / 5, 1e-3);
	prober_free(p);
	ev_loop_destroy(loop);
}

static void test_unusable_links(void **state)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct rec rec = { 0 };
	struct probe_member_cfg mc = cfg("127.0.0.1 icmp:::1", 1, 100, 50);
	struct prober *p = prober_new(loop, &mc, on_round, &rec);
	struct probe_summary s;

	prober_summary(p, &s);	/* nothing known yet */
	assert_false(s.usable);
	assert_string_equal(s.reason, "waiting for link state");

	struct link_info li = lo_link();
	li.exists = false;
	prober_set_link(p, &li);
	prober_summary(p, &s);
	assert_false(s.usable);
	assert_string_equal(s.reason, "device not found");

	li = lo_link();
	li.carrier = false;
	prober_set_link(p, &li);
	prober_summary(p, &s);
	assert_string_equal(s.reason, "no carrier");

	li = lo_link();
	li.v4.has_route = false;	/* IPv4 unusable, no IPv6 address either */
	strcpy(li.reason, "no default route via device");
	prober_set_link(p, &li);
	prober_summary(p, &s);
	assert_false(s.usable);
	assert_string_equal(s.reason, "no default route via device");
	run_ms(loop, 300);
	assert_int_equal(rec.rounds, 0);	/* no probing while unusable */

	li = lo_link();		/* back: probes at once */
	prober_set_link(p, &li);
	skip_without_sockets(p);
	run_ms(loop, 300);
	assert_true(rec.rounds >= 1);
	assert_int_equal(rec.last.n_sent, 1);	/* the IPv6 target is not sent */
	assert_false(rec.last.results[1].sent);
	prober_free(p);
	ev_loop_destroy(loop);
}

static void free_in_round(void *ctx, const struct probe_round *r)
{
	struct prober **pp = ctx;
	prober_free(*pp);
	*pp = NULL;
}

static void test_free_from_callback(void **state)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct probe_member_cfg mc = cfg("127.0.0.1 127.0.0.2 127.0.0.3", 1, 100, 200);
	struct prober *p = NULL;
	p = prober_new(loop, &mc, free_in_round, &p);
	struct link_info li = lo_link();
	prober_set_link(p, &li);
	skip_without_sockets(p);
	prober_recheck(p);	/* replies all arrive in one wake-up; the last one ends the round */
	run_ms(loop, 300);
	assert_null(p);		/* freed in the callback, no use after free (ASan) */
	ev_loop_destroy(loop);
}

struct reentry {
	bool inside;		/* within prober_recheck() */
	int rounds, nested;
	struct probe_round last;
};

static void on_round_reentry(void *ctx, const struct probe_round *r)
{
	struct reentry *re = ctx;
	re->rounds++;
	re->nested += re->inside;
	re->last = *r;
}

/* Every send fails at once: the round still ends from the loop, not inside prober_recheck(). */
static void test_all_failed_ends_from_loop(void **state)
{
	struct ev_loop *loop = ev_loop_new(0);
	/* TCP to the broadcast address: connect() fails at once (ENETUNREACH) */
	struct probe_member_cfg mc = cfg("tcp:255.255.255.255:80", 1, 100, 200);
	struct reentry re = { 0 };
	struct prober *p = prober_new(loop, &mc, on_round_reentry, &re);
	assert_non_null(p);
	struct link_info li = lo_link();
	prober_set_link(p, &li);
	skip_without_sockets(p);
	re.inside = true;
	prober_recheck(p);
	re.inside = false;
	assert_int_equal(re.rounds, 0);		/* not from within the call */
	run_ms(loop, 20);
	assert_true(re.rounds >= 1);		/* but at once from the loop (well before timeout_ms) */
	assert_int_equal(re.nested, 0);
	assert_int_equal(re.last.n_sent, 1);
	assert_int_equal(re.last.n_answered, 0);
	assert_false(re.last.up);
	struct probe_summary s;
	prober_summary(p, &s);
	assert_true(s.send_errors >= 1);
	prober_free(p);
	ev_loop_destroy(loop);
}

static ssize_t no_entropy(void *buf, size_t len, unsigned flags)
{
	errno = EAGAIN;
	return -1;
}

/* Early boot: getrandom has no entropy. Probes still work, the weak draws
 * are counted, and once entropy is there ids and cookies are strong again. */
static void test_weak_entropy_reseeds(void **state)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct rec rec = { 0 };
	struct probe_member_cfg mc = cfg("127.0.0.1", 1, 100, 80);
	probe_rand_set_source(no_entropy);
	probe_rand_reset_wait();
	struct prober *p = prober_new(loop, &mc, on_round, &rec);
	assert_non_null(p);
	struct link_info li = lo_link();
	prober_set_link(p, &li);
	struct probe_summary s;
	prober_summary(p, &s);
	if (!s.usable && strstr(s.reason, "socket")) {
		probe_rand_set_source(NULL);
		prober_free(p);
		skip();
	}
	prober_set_role(p, PROBE_ROLE_PRIMARY);
	run_ms(loop, 350);
	prober_summary(p, &s);
	assert_true(rec.rounds >= 2);
	assert_int_equal(s.rounds_up, s.rounds);	/* weak ids still match */
	assert_true(s.rand_weak_draws >= (uint64_t)rec.rounds);	/* one cookie per round at least */
	assert_int_equal(s.rand_reseeds, 0);

	probe_rand_set_source(NULL);	/* the CRNG is ready */
	int before = rec.rounds;
	uint64_t weak = s.rand_weak_draws;
	run_ms(loop, 350);
	prober_summary(p, &s);
	assert_true(rec.rounds >= before + 2);
	assert_int_equal(s.rand_reseeds, 1);
	assert_int_equal(s.rand_weak_draws, weak);
	assert_int_equal(s.rounds_up, s.rounds);	/* the re-keyed id (raw) is matched */
	assert_true(strcmp(s.icmp_socket, "raw") == 0 || strcmp(s.icmp_socket, "ping") == 0);
	prober_free(p);
	ev_loop_destroy(loop);
}

/* adaptive evidence: a suspect member probes every boost_interval_ms, then its cadence again */
static void test_boost_cadence(void **state)
{
	struct ev_loop *loop = ev_loop_new(0);
	struct rec rec = { 0 };
	struct probe_member_cfg mc = cfg("127.0.0.1", 1, 1000, 100);
	mc.boost_interval_ms = 100;
	mc.boost_hold_ms = 3000;
	mc.boost_budget_kb_day = 100000;
	struct prober *p = prober_new(loop, &mc, on_round, &rec);
	struct link_info li = lo_link();
	prober_set_link(p, &li);
	skip_without_sockets(p);
	prober_set_role(p, PROBE_ROLE_PRIMARY);
	run_ms(loop, 250);	/* the first round */
	assert_int_equal(rec.rounds, 1);
	struct probe_summary s;
	prober_summary(p, &s);
	assert_false(s.boosted);
	prober_boost(p, clock_mono_ms() + 100000);	/* suspicion (far: cleared below) */
	run_ms(loop, 1000);
	/* every ~100 ms instead of once a second */
	assert_true(rec.rounds >= 7);
	prober_summary(p, &s);
	assert_true(s.boosted);
	assert_true(s.boost_rounds >= 6);
	assert_true(s.boost_bytes >= s.boost_rounds * 80);
	prober_boost(p, 0);	/* cleared */
	int n = rec.rounds;
	run_ms(loop, 900);
	assert_true(rec.rounds - n <= 1);
	prober_summary(p, &s);
	assert_false(s.boosted);
	/* a standby (at its slow cadence) does not boost */
	prober_free(p);
	mc.metered = true;
	p = prober_new(loop, &mc, on_round, &rec);
	prober_set_link(p, &li);
	run_ms(loop, 250);
	n = rec.rounds;
	prober_boost(p, clock_mono_ms() + 100000);
	run_ms(loop, 600);
	assert_int_equal(rec.rounds, n);
	prober_free(p);
	ev_loop_destroy(loop);
}

/*
 * Warm backup (keep_warm_ms): a metered standby probes at least that often,
 * and the bytes/day figure follows from the cadence (docs/CELLULAR.md).
 */
static void test_keep_warm_cadence(void **state)
{
	(void)state;
	struct ev_loop *loop = ev_loop_new(0);
	struct rec rec = { 0 };
	struct probe_member_cfg mc = cfg("127.0.0.1", 1, 1000, 50);
	mc.metered = true;
	struct prober *p = prober_new(loop, &mc, on_round, &rec);
	struct link_info li = lo_link();
	prober_set_link(p, &li);
	skip_without_sockets(p);
	struct probe_summary s;
	prober_summary(p, &s);
	assert_int_equal(s.interval_ms, 60000);
	assert_float_equal(s.bytes_per_day, 88.0 * 1440, 1e-6);	/* 126720 bytes/day */
	run_ms(loop, 1300);
	assert_int_equal(rec.rounds, 1);	/* the first round, then a minute */
	prober_free(p);

	/* keep_warm 8 s (below the common 10 s RRC inactivity timer): 950400 bytes/day */
	mc.keep_warm_ms = 8000;
	p = prober_new(loop, &mc, on_round, &rec);
	prober_set_link(p, &li);
	prober_summary(p, &s);
	assert_int_equal(s.interval_ms, 8000);
	assert_float_equal(s.bytes_per_day, 88.0 * 86400 / 8, 1e-6);
	prober_free(p);
	/* the primary's cadence is not touched; a standby cadence already faster is kept */
	mc.metered = false;
	mc.keep_warm_ms = 20000;
	p = prober_new(loop, &mc, on_round, &rec);
	prober_set_link(p, &li);
	prober_summary(p, &s);
	assert_int_equal(s.interval_ms, 5000);
	prober_set_role(p, PROBE_ROLE_PRIMARY);
	prober_summary(p, &s);
	assert_int_equal(s.interval_ms, 1000);
	prober_free(p);

	/* and the rounds really come at that cadence: 300 ms for 1.3 s = the first + 4 or so */
	mc.metered = true;
	mc.keep_warm_ms = 300;
	rec.rounds = 0;
	p = prober_new(loop, &mc, on_round, &rec);
	prober_set_link(p, &li);
	run_ms(loop, 1300);
	assert_in_range(rec.rounds, 4, 6);
	assert_true(rec.last.up);
	prober_free(p);
	ev_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rounds_reliability),
		cmocka_unit_test(test_fast_reprobe_and_cadence),
		cmocka_unit_test(test_unusable_links),
		cmocka_unit_test(test_free_from_callback),
		cmocka_unit_test(test_all_failed_ends_from_loop),
		cmocka_unit_test(test_weak_entropy_reseeds),
		cmocka_unit_test(test_boost_cadence),
		cmocka_unit_test(test_keep_warm_cadence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
