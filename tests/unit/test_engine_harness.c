/*
 * test_engine_harness.c - shared by the engine's unit tests (#included):
 * a fake clock driving deterministic probe rounds (3 probes per round every
 * 500 ms) for two members, and an event recorder to assert reasons on.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"

#define ROUND_MS 500
#define MAX_EV 4096

struct link {
	int lost;		/* probes lost of 3 */
	double rtt_ms;
	enum tri up;
};

struct ctx {
	struct engine *e;
	struct engine_params p;
	struct link link[4];
	int n;
	int64_t t;
	struct engine_event ev[MAX_EV];
	int nev;
	struct engine_decision last;
};

static void on_event(void *c, const struct engine_event *ev)
{
	struct ctx *x = c;
	if (x->nev < MAX_EV)
		x->ev[x->nev++] = *ev;
}

static struct ctx *setup_ctx(const struct engine_params *p, enum member_class c0,
			     enum member_class c1)
{
	static struct ctx x;
	memset(&x, 0, sizeof(x));
	if (p)
		x.p = *p;
	else
		engine_params_defaults(&x.p);
	struct engine_member m[2] = {
		{ .name = "a", .cls = c0, .priority = 1, .weight = 50, .enabled = true },
		{ .name = "b", .cls = c1, .priority = 2, .weight = 50, .enabled = true },
	};
	char err[128];
	x.e = engine_create(&x.p, m, 2, err, sizeof(err));
	assert_non_null(x.e);
	engine_set_event_cb(x.e, on_event, &x);
	x.n = 2;
	for (int i = 0; i < 2; i++)
		x.link[i] = (struct link){ .lost = 0, .rtt_ms = 30, .up = TRI_UNKNOWN };
	return &x;
}

static void teardown_ctx(struct ctx *x)
{
	engine_destroy(x->e);
}

static void feed_round(struct engine *e, int idx, int64_t t, int lost, double rtt, enum tri up)
{
	struct sample s;
	sample_init(&s, t);
	s.loss_pct = 100.0 * lost / 3;
	s.probes_sent = 3;
	s.latency_ms = lost < 3 ? rtt : NAN;
	s.link_up = up;
	assert_int_equal(engine_observe(e, idx, &s), 0);
}

/* One round of every member at x->t, then a decision; advances the clock. */
static struct engine_decision step(struct ctx *x)
{
	for (int i = 0; i < x->n; i++)
		feed_round(x->e, i, x->t, x->link[i].lost, x->link[i].rtt_ms, x->link[i].up);
	engine_decide(x->e, x->t, &x->last);
	x->t += ROUND_MS;
	return x->last;
}

/* Run until the primary changes or t_end; the time of the change or -1. */
static int64_t run_until_switch(struct ctx *x, int64_t t_end)
{
	while (x->t <= t_end) {
		int64_t t = x->t;
		if (step(x).changed)
			return t;
	}
	return -1;
}

static void run_until(struct ctx *x, int64_t t_end)
{
	while (x->t <= t_end)
		step(x);
}

/* First event of type/reason (member -1: any) at or after index from; NULL if none. */
static const struct engine_event *find_ev(const struct ctx *x, enum engine_event_type type,
					  enum engine_reason r, int from)
{
	for (int i = from; i < x->nev; i++)
		if (x->ev[i].type == type && x->ev[i].reason == r)
			return &x->ev[i];
	return NULL;
}

static int count_ev(const struct ctx *x, enum engine_event_type type, enum engine_reason r)
{
	int n = 0;
	for (int i = 0; i < x->nev; i++)
		n += x->ev[i].type == type && x->ev[i].reason == r;
	return n;
}

/* Time of the first state event of member idx to state name `to`, -1 if none. */
static __attribute__((unused)) int64_t state_time(const struct ctx *x, int idx, const char *to, int64_t after)
{
	char needle[32];
	snprintf(needle, sizeof(needle), "to=%s ", to);
	for (int i = 0; i < x->nev; i++)
		if (x->ev[i].type == EV_STATE && x->ev[i].member == idx && x->ev[i].t_ms >= after &&
		    strstr(x->ev[i].text, needle))
			return x->ev[i].t_ms;
	return -1;
}

/* "a" loses everything until it is hard down and b primary, then answers again. */
static __attribute__((unused)) int64_t outage_then_back(struct ctx *x)
{
	x->link[0].lost = 3;
	assert_true(run_until_switch(x, x->t + 5000) > 0);
	run_until(x, x->t + 2000);
	struct engine_score_info si;
	engine_member_score(x->e, 0, &si);
	assert_int_equal(si.state, MS_DOWN);
	x->link[0].lost = 0;
	return x->t;
}

/* Healthy start: both members good, "a" primary (better tier). */
static void settle(struct ctx *x)
{
	run_until(x, 60000);
	assert_int_equal(engine_primary(x->e), 0);
}

