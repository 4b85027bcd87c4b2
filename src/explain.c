/* explain.c - keeping the evidence of each decision (explain.h) */
#include "explain.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "member.h"
#include "probe.h"

bool explain_wants(const struct tel_event *ev)
{
	static const char *const types[] = { "switch", "suppressed", "predict", "all_bad" };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(ev->type, types[i]))
			return true;
	/* a member declared down or back up; not every good <-> degraded */
	if (!strcmp(ev->type, "state"))
		return strcmp(ev->reason, "state") && strcmp(ev->reason, "none");
	return !strcmp(ev->type, "info") &&
	       (!strcmp(ev->reason, "manual_pin") || !strcmp(ev->reason, "manual_unpin") ||
		!strcmp(ev->reason, "pin_overridden_down") || !strcmp(ev->reason, "radio_below_floor"));
}

static void settings_fill(const struct engine_params *p, struct explain_settings *s)
{
	*s = (struct explain_settings){
		.fail_window_ms = p->fail_window_ms, .restore_window_ms = p->restore_window_ms,
		.restore_backoff_max_ms = p->restore_backoff_max_ms, .flap_memory_ms = p->flap_memory_ms,
		.cooldown_ms = p->cooldown_ms, .switch_margin = p->switch_margin,
		.bad_score = p->bad_score, .good_score = p->good_score,
		.hard_fail_rounds = p->hard_fail_rounds, .hard_fail_probes = p->hard_fail_probes,
		.loss_window_ms = p->loss_window_ms, .min_uptime_ms = p->min_uptime_ms,
		.recurring_quiet_ms = p->recurring_quiet_ms,
	};
}

static void member_fill(const struct daemon *d, const struct member *m, const char *role,
			struct explain_member *x)
{
	memset(x, 0, sizeof(*x));
	snprintf(x->name, sizeof(x->name), "%s", m->cfg.name);
	snprintf(x->role, sizeof(x->role), "%s", role);
	const char *why = "";
	const char *st = daemon_member_state(d, m, &why);
	snprintf(x->state, sizeof(x->state), "%s", st ? st : "unknown");
	snprintf(x->why, sizeof(x->why), "%s", why ? why : "");
	x->priority = m->cfg.priority;
	snprintf(x->failback, sizeof(x->failback), "%s", engine_failback_name(m->cfg.failback));
	x->have_score = d->engine && engine_member_score(d->engine, m->idx, &x->si) == 0;
	struct probe_summary ps;
	if (member_probe_summary(m, &ps)) {
		x->have_probe = true;
		x->probe_window_rounds = ps.window_rounds;
		x->probe_interval_ms = ps.interval_ms;
		x->probe_loss_pct = ps.loss_pct;
		x->probe_latency_ms = ps.latency_ms;
	}
}

/* Add member `name` with role, unless it is empty, unknown or held already. */
static void add_named(const struct daemon *d, struct explain_record *r, const char *name,
		      const char *role, bool *taken)
{
	if (!*name || r->n >= EXPLAIN_MEMBERS_MAX)
		return;
	for (int i = 0; i < d->n_members; i++)
		if (!taken[i] && !strcmp(d->members[i]->cfg.name, name)) {
			member_fill(d, d->members[i], role, &r->m[r->n++]);
			taken[i] = true;
			return;
		}
}

/* Time since the switch before this event, from the event ring; -1 none. */
static int64_t since_switch(const struct daemon *d, const struct tel_event *ev)
{
	for (size_t i = d->events.len; i-- > 0;) {
		const struct tel_event *e = tel_ring_get(&d->events, i);
		if (e->id < ev->id && !strcmp(e->type, "switch"))
			return ev->t_ms - e->t_ms;
	}
	return -1;
}

/* The value of key (e.g. "to=") in an event's "key=value ..." text into buf; false none. */
static bool text_value(const char *text, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	for (const char *p = text; (p = strstr(p, key)); p += klen) {
		if (p != text && p[-1] != ' ')
			continue;
		p += klen;
		size_t n = strcspn(p, " ");
		snprintf(buf, len, "%.*s", (int)n, p);
		return n > 0;
	}
	return false;
}

void explain_sink(void *ctx, const struct tel_event *ev)
{
	struct daemon *d = ctx;
	if (!explain_wants(ev) || !d->decisions.buf)
		return;
	static struct explain_record r;		/* large: not on the stack */
	memset(&r, 0, sizeof(r));
	r.ev = *ev;
	int pin = d->engine ? engine_pinned(d->engine) : -1;
	if (pin >= 0 && pin < d->n_members)
		snprintf(r.pinned, sizeof(r.pinned), "%s", d->members[pin]->cfg.name);
	r.since_switch_ms = since_switch(d, ev);
	settings_fill(&d->cfg.engine, &r.set);
	r.n_members = d->n_members;
	bool taken[MAX_MEMBERS] = { false };
	add_named(d, &r, ev->from, "from", taken);
	add_named(d, &r, ev->to, "to", taken);
	add_named(d, &r, ev->member, "member", taken);
	/* a state event comes before the engine stores the new state */
	if (!strcmp(ev->type, "state") && r.n && !strcmp(r.m[r.n - 1].role, "member"))
		text_value(ev->text, "to=", r.m[r.n - 1].state, sizeof(r.m[r.n - 1].state));
	for (int i = 0; i < d->n_members && r.n < EXPLAIN_MEMBERS_MAX; i++)
		if (!taken[i])
			add_named(d, &r, d->members[i]->cfg.name, "other", taken);
	tel_ring_push(&d->decisions, &r);
}

const struct explain_record *explain_find(const struct tel_ring *r, uint64_t id)
{
	for (size_t i = r->len; i-- > 0;) {
		const struct explain_record *x = tel_ring_get(r, i);
		if (x->ev.id == id)
			return x;
		if (x->ev.id < id)
			break;
	}
	return NULL;
}

const struct explain_record *explain_latest(const struct tel_ring *r)
{
	return r->len ? tel_ring_get(r, r->len - 1) : NULL;
}
