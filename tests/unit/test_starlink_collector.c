/*
 * test_starlink_collector.c - the collector object in-process: parameter
 * checks at creation, the option table's defaults, and one poll against a
 * closed loopback port (a refused dish yields one sample saying so, with no
 * invented values, and the reason in the metrics JSON).
 */
#include <ev.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "starlink.h"

static void t_defaults(void **state)
{
	struct starlink_params p;

	starlink_params_defaults(&p);
	assert_string_equal(p.host, "192.168.100.1");
	assert_int_equal(p.port, 9200);
	assert_int_equal(p.timeout_ms, 2000);
	assert_int_equal(p.status_interval_ms, 2000);
	assert_int_equal(p.history_interval_ms, 10000);
	assert_true(p.backoff_min_ms <= p.backoff_max_ms);
	for (const struct cfg_option *o = starlink_options; o->name; o++) {
		assert_non_null(o->help);
		assert_true(strncmp(o->name, "dish_", 5) == 0);
	}
}

static void t_bad_params(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct starlink_params p;

	starlink_params_defaults(&p);
	snprintf(p.host, sizeof(p.host), "dishy.starlink.com");	/* no DNS in the loop */
	assert_null(starlink_new(loop, &p, NULL, NULL, NULL));
	starlink_params_defaults(&p);
	p.backoff_min_ms = 5000;
	p.backoff_max_ms = 1000;
	assert_null(starlink_new(loop, &p, NULL, NULL, NULL));
	starlink_params_defaults(&p);
	p.timeout_ms = 5;
	assert_null(starlink_new(loop, &p, NULL, NULL, NULL));
	starlink_params_defaults(&p);
	assert_null(starlink_new(loop, &p, "a-device-name-too-long", NULL, NULL));
	/* valid: created, never run, freed */
	struct starlink *sl = starlink_new(loop, &p, NULL, NULL, NULL);
	assert_non_null(sl);
	assert_int_equal(starlink_last_sample(sl)->sl.reachable, TRI_UNKNOWN);
	starlink_free(sl);
	ev_loop_destroy(loop);
}

struct got {
	struct ev_loop *loop;
	int n;
	struct sample s;
};

static void on_update(void *ctx, const struct sample *s)
{
	struct got *g = ctx;
	g->s = *s;
	g->n++;
	ev_break(g->loop, EVBREAK_ALL);
}

static void guard_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static void t_refused(void **state)
{
	struct got g = { .loop = ev_loop_new(EVFLAG_AUTO) };
	struct starlink_params p;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	/* a port that was free a moment ago: nothing listens there */
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	close(fd);
	starlink_params_defaults(&p);
	snprintf(p.host, sizeof(p.host), "127.0.0.1");
	p.port = ntohs(a.sin_port);
	struct starlink *sl = starlink_new(g.loop, &p, NULL, on_update, &g);
	assert_non_null(sl);
	ev_timer guard;
	ev_timer_init(&guard, guard_cb, 5., 0.);
	ev_timer_start(g.loop, &guard);
	ev_run(g.loop, 0);

	assert_int_equal(g.n, 1);
	assert_int_equal(g.s.sl.reachable, TRI_FALSE);
	assert_int_equal(g.s.sl.dish_error, SL_ERR_REFUSED);
	assert_true(isnan(g.s.sl.pop_latency_ms));
	assert_true(isnan(g.s.sl.obstruction_pct));
	assert_int_equal(g.s.sl.outage_cause, SL_OUTAGE_NOT_KNOWN);
	assert_true(g.s.t_ms > 0);

	json_object *j = starlink_metrics_json(sl);
	json_object *e = json_object_object_get(j, "last_error");
	assert_non_null(e);
	assert_string_equal(json_object_get_string(json_object_object_get(e, "kind")), "refused");
	assert_non_null(strstr(json_object_get_string(json_object_object_get(e, "message")), "refused"));
	assert_int_equal(json_object_get_int(json_object_object_get(j, "polls_failed")), 1);
	assert_null(json_object_object_get(json_object_object_get(j, "metrics"), "pop_latency_ms"));
	json_object_put(j);

	starlink_poll_now(sl);		/* a second poll on demand */
	ev_run(g.loop, 0);
	assert_int_equal(g.n, 2);
	starlink_free(sl);
	ev_timer_stop(g.loop, &guard);
	ev_loop_destroy(g.loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_defaults),
		cmocka_unit_test(t_bad_params),
		cmocka_unit_test(t_refused),
	};
	log_set_level(LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
