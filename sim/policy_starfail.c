/*
 * policy_starfail.c - the Starfail engine as a simulator policy: feeds the
 * samples, calls engine_decide() and prints every engine event.
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"

struct sf_policy {
	struct policy base;
	struct engine *e;
};

static void print_event(void *ctx, const struct engine_event *ev)
{
	struct sf_policy *sp = ctx;
	if (ev->type == EV_ALL_BAD)
		sp->base.all_bad_seen = true;
	if (!sp->base.events)
		return;
	const struct engine_member *m = engine_member_cfg(sp->e, ev->member);
	fprintf(sp->base.events, "t=%.3f starfail event=%s reason=%s member=%s %s\n",
		ev->t_ms / 1000.0, engine_event_type_name(ev->type), engine_reason_name(ev->reason),
		m ? m->name : "-", ev->text);
}

static void sf_observe(struct policy *p, int idx, const struct sample *s)
{
	struct sf_policy *sp = (struct sf_policy *)p;
	engine_observe(sp->e, idx, s);
}

static int sf_decide(struct policy *p, int64_t now_ms, char *why, size_t len)
{
	struct sf_policy *sp = (struct sf_policy *)p;
	struct engine_decision d;
	engine_decide(sp->e, now_ms, &d);
	if (d.changed)
		snprintf(why, len, "reason=%s %s", engine_reason_name(d.reason), d.text);
	return d.primary;
}

static void sf_destroy(struct policy *p)
{
	struct sf_policy *sp = (struct sf_policy *)p;
	engine_destroy(sp->e);
	free(sp);
}

struct policy *policy_starfail_new(const struct engine_params *p, const struct engine_member *m,
				   int n, bool utc_known, int64_t utc_start_ms, FILE *events)
{
	struct sf_policy *sp = calloc(1, sizeof(*sp));
	char err[256];
	if (!sp)
		return NULL;
	sp->e = engine_create(p, m, n, err, sizeof(err));
	if (!sp->e) {
		fprintf(stderr, "starfail-sim: engine: %s\n", err);
		free(sp);
		return NULL;
	}
	sp->base = (struct policy){ .name = "starfail", .observe = sf_observe, .decide = sf_decide,
				    .destroy = sf_destroy, .events = events };
	engine_set_event_cb(sp->e, print_event, sp);
	if (utc_known)
		engine_set_utc_offset(sp->e, utc_start_ms);	/* trace time 0 = utc_start_ms */
	return &sp->base;
}
