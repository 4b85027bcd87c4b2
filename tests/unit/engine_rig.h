/*
 * engine_rig.h - a test driver of the engine (tests only, included by
 * test_engine_evidence.c and test_engine_radio.c): each member probed with
 * its own probes per round and interval (the daemon's primary 1.5 s /
 * standby 5 s cadences), a decision after every round, the engine's events
 * kept, switches counted.
 */
#ifndef SF_TEST_ENGINE_RIG_H
#define SF_TEST_ENGINE_RIG_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"

#define MAX_EV 8192

struct lane {
	int probes;		/* per round */
	int every_ms;		/* round interval */
	int64_t next_ms;
	double loss;		/* share of probes lost, spread evenly (deterministic) */
	double acc;		/* loss accumulator */
	double rtt_ms;
	double jitter_ms;	/* RTT + uniform(-jitter, +jitter) from a fixed LCG */
	uint32_t lcg;
	bool dead;		/* every probe lost */
};

struct rig {
	struct engine *e;
	struct engine_params p;
	struct lane l[3];
	int n;
	int64_t t;
	struct engine_event ev[MAX_EV];
	int nev;
	struct engine_decision d;
	int switches;
};

static void rig_event(void *c, const struct engine_event *ev)
{
	struct rig *r = c;
	if (r->nev < MAX_EV)
		r->ev[r->nev++] = *ev;
}

static struct rig *rig_new(const struct engine_params *p, const struct engine_member *m, int n)
{
	static struct rig r;
	memset(&r, 0, sizeof(r));
	if (p)
		r.p = *p;
	else
		engine_params_defaults(&r.p);
	char err[128];
	r.e = engine_create(&r.p, m, n, err, sizeof(err));
	assert_non_null(r.e);
	engine_set_event_cb(r.e, rig_event, &r);
	r.n = n;
	for (int i = 0; i < n; i++)
		r.l[i] = (struct lane){ .probes = 3, .every_ms = 500, .next_ms = 7 * i, .rtt_ms = 30 };
	return &r;
}

static struct rig *rig2(const struct engine_params *p, enum member_class c0, enum member_class c1)
{
	struct engine_member m[2] = {
		{ .name = "a", .cls = c0, .priority = 1, .weight = 50, .enabled = true },
		{ .name = "b", .cls = c1, .priority = 2, .weight = 50, .enabled = true },
	};
	return rig_new(p, m, 2);
}

static void rig_round(struct rig *r, int i)
{
	struct lane *l = &r->l[i];
	int lost = 0;
	for (int k = 0; k < l->probes; k++) {
		l->acc += l->loss;
		if (l->dead || l->acc >= 1) {
			lost++;
			if (!l->dead)
				l->acc -= 1;
		}
	}
	struct sample s;
	sample_init(&s, l->next_ms);
	s.loss_pct = 100.0 * lost / l->probes;
	s.probes_sent = l->probes;
	l->lcg = l->lcg * 1664525u + 1013904223u;
	double u = (l->lcg >> 8) / 16777216.0;
	s.latency_ms = lost < l->probes ? l->rtt_ms + l->jitter_ms * (2 * u - 1) : NAN;
	assert_int_equal(engine_observe(r->e, i, &s), 0);
	l->next_ms += l->every_ms;
}

/* Advance the clock to t_end: every member's rounds in time order, a
 * decision after each; returns the time of the first switch or -1. */
static int64_t rig_run(struct rig *r, int64_t t_end, bool stop_at_switch)
{
	int64_t first = -1;
	for (;;) {
		int who = -1;
		for (int i = 0; i < r->n; i++)
			if (who < 0 || r->l[i].next_ms < r->l[who].next_ms)
				who = i;
		int64_t t = r->l[who].next_ms;
		if (t > t_end)
			break;
		r->t = t;
		rig_round(r, who);
		engine_decide(r->e, t, &r->d);
		if (r->d.changed && r->d.previous >= 0 && r->d.primary >= 0) {
			r->switches++;
			if (first < 0)
				first = t;
			if (stop_at_switch)
				return t;
		}
	}
	r->t = t_end;
	return first;
}

static int rig_count(const struct rig *r, enum engine_event_type type, enum engine_reason rs)
{
	int n = 0;
	for (int i = 0; i < r->nev; i++)
		n += r->ev[i].type == type && r->ev[i].reason == rs;
	return n;
}

static struct engine_score_info rig_info(const struct rig *r, int i)
{
	struct engine_score_info si;
	assert_int_equal(engine_member_score(r->e, i, &si), 0);
	return si;
}

static void rig_status(struct rig *r, int i, void (*fill)(struct sample *s, double v), double v)
{
	struct sample s;
	sample_init(&s, r->t);
	fill(&s, v);
	assert_int_equal(engine_observe(r->e, i, &s), 0);
}

#endif
