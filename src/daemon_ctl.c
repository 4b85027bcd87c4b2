/*
 * daemon_ctl.c - the daemon's side of the controller: start it (and retry
 * one that could not start), hand it the engine's choice, stop it; turn
 * its answers (done now, in progress, failed; later completions) into log
 * lines and its route_state changes into "drift" and "repair" events.
 * See daemon.h and controller.h.
 */
#include "daemon.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api_metrics.h"
#include "log.h"

static bool bad_state(enum ctl_rstate s)
{
	return s == CTL_RS_DRIFTED || s == CTL_RS_REPAIRING;
}

static void on_ctl_state(void *ctx, struct controller *c, enum ctl_rstate old, enum ctl_rstate now,
			 const char *why)
{
	struct daemon *d = ctx;
	/* what the backend works toward: a failed apply stays wanted and is repaired toward (controller.h) */
	const char *member = c->busy ? (c->busy_some ? c->busy_t.member : NULL)
				     : (c->active ? c->current.member : NULL);
	if (bad_state(now) && !bad_state(old))
		daemon_event(d, "drift", strcmp(c->ops->name, "mwan3") ? "route_missing" : "mwan3_changed", member,
			     "%s", why);
	else if (!bad_state(now) && bad_state(old))
		daemon_event(d, "repair", strncmp(why, "reinstalled", 11) == 0 ? "reinstalled" : "reapplied", member,
			     "%s (%d ms after the drift)", why, c->last_repair_ms);
}

bool daemon_flow_flush_wanted(int flush, bool dead, int policy, bool metered)
{
	if (flush == CTL_FLUSH_OFF)
		return false;
	if (flush == CTL_FLUSH_ALL || dead)
		return true;
	return policy == FLOW_MOVE || (policy == FLOW_METERED && metered);
}

/* The switch away from d->flow_left is in place: delete its flows (conntrack.h), an event with the counts. */
static void flows_after_switch(struct daemon *d)
{
	if (!d->flow_pending || !d->ctl)
		return;
	d->flow_pending = false;
	const struct ctl_target *t = &d->flow_left;
	struct ctl_flow_counts n;
	int rc = controller_flush_flows(d->ctl, t, &n);
	daemon_event(d, "flows", rc ? "flush_failed" : d->flow_dead ? "failover" : "failback", t->member,
		     "conntrack flows of the member left: deleted=%u matched=%u seen=%u failed=%u%s%.100s", n.deleted,
		     n.matched, n.seen, n.failed, rc ? " error=" : "", rc ? controller_error(d->ctl) : "");
}

/* Remember the member the apply about to be asked leaves, if its flows are to go. */
static void flows_note_switch(struct daemon *d, const struct member *next)
{
	if (d->flow_pending && next && strcmp(next->cfg.name, d->flow_left.member) == 0)
		d->flow_pending = false;	/* back to it before the switch away was in place */
	if (!d->ctl_applied || (next && strcmp(next->cfg.name, d->applied.member) == 0))
		return;
	struct member *left = daemon_find_member(d, d->applied.member);
	const char *why = "";
	const char *st = left ? daemon_member_state(d, left, &why) : "removed";
	bool dead = !left || !strcmp(st, "down") || !strcmp(st, "bad") || !strcmp(st, "unusable") ||
		    !strcmp(st, "disabled") || !strcmp(st, "removed");
	if (!daemon_flow_flush_wanted(d->cfg.ctl.flush_conntrack, dead, left ? left->cfg.flow_failback : FLOW_MOVE,
				      left && left->cfg.metered)) {
		if (left)
			log_info("flows: member=%s left while %s: its flows are kept (flow_failback)", left->cfg.name, st);
		d->flow_pending = false;
		return;
	}
	d->flow_pending = true;
	d->flow_dead = dead;
	d->flow_left = d->applied;
}

/* Completion of an apply that answered CTL_IN_PROGRESS. */
static void on_ctl_done(void *ctx, struct controller *c, int answer)
{
	struct daemon *d = ctx;
	if (c != d->ctl || answer == CTL_SUPERSEDED)
		return;
	if (controller_done_seq(c) != d->ctl_seq) {	/* an older apply: a newer one is queued or done */
		log_debug("controller: apply #%" PRIu64 " ended (%s) after #%" PRIu64 " was asked: ignored",
			  controller_done_seq(c), answer == CTL_DONE ? "done" : "failed", d->ctl_seq);
		return;
	}
	if (answer != CTL_DONE) {
		log_err("controller: apply failed error=\"%s\"", controller_error(c));
		d->ctl_applied = d->ctl_applied_none = false;	/* retried at the next decision */
		return;
	}
	log_info("controller: applied member=%s state=\"%s\"", c->active ? c->current.member : "none",
		 controller_state(c));
	if (d->flow_pending && d->flow_seq == controller_done_seq(c))
		flows_after_switch(d);
}

void daemon_ctl_apply(struct daemon *d)
{
	daemon_ctl_retry(d);
	if (!d->ctl)
		return;
	const struct member *m = d->primary >= 0 ? d->members[d->primary] : NULL;
	struct ctl_target t;
	if (m) {
		ctl_target_from_link(&t, m->cfg.name, m->cfg.interface, &m->link);
		if (!t.use4 && !t.use6)
			m = NULL;	/* chosen but not routable right now: let the system route */
	}
	if (m && d->ctl_applied && memcmp(&t, &d->applied, sizeof(t)) == 0)
		return;
	if (!m && d->ctl_applied_none)
		return;
	flows_note_switch(d, m);
	int answer = controller_apply(d->ctl, m ? &t : NULL, on_ctl_done, d);
	d->ctl_seq = d->ctl->applies;	/* this one is the latest wanted */
	d->flow_seq = d->ctl_seq;
	if (answer == CTL_ERROR) {
		log_err("controller: apply failed member=%s error=\"%s\"", m ? m->cfg.name : "-",
			controller_error(d->ctl));
		d->ctl_applied = d->ctl_applied_none = false;	/* retried at the next decision */
		return;
	}
	/* asked for: not asked again; a later failure (on_ctl_done) clears it */
	d->ctl_applied = m != NULL;
	d->ctl_applied_none = m == NULL;
	if (m)
		d->applied = t;
	if (answer == CTL_IN_PROGRESS)
		log_info("controller: applying member=%s (in progress)", m ? m->cfg.name : "none");
	else
		log_info("controller: applied member=%s state=\"%s\"", m ? m->cfg.name : "none",
			 controller_state(d->ctl));
	if (answer == CTL_DONE)
		flows_after_switch(d);
}

static void on_ctl_action(void *ctx, struct controller *c, bool ok, const char *member, const char *text)
{
	daemon_event(ctx, "action", ok ? "done" : "failed", *member ? member : NULL, "%s: %s", c->ops->name, text);
}

/* Every member, in preference order (priority, then config order), for backends that demote the others. */
void daemon_ctl_set_members(struct controller *c, const struct sf_config *cfg)
{
	struct ctl_member ms[CTL_MEMBERS_MAX];
	int n = 0;
	for (int i = 0; i < cfg->n_members && n < CTL_MEMBERS_MAX; i++) {
		const struct member_config *mc = &cfg->members[i];
		if (!mc->enabled)
			continue;
		struct ctl_member *m = &ms[n++];
		memset(m, 0, sizeof(*m));
		snprintf(m->member, sizeof(m->member), "%s", mc->name);
		snprintf(m->iface, sizeof(m->iface), "%s", mc->interface);
		snprintf(m->device, sizeof(m->device), "%.15s", mc->device);	/* config: < IFNAMSIZ */
		m->order = mc->priority * MAX_MEMBERS + i;
	}
	controller_set_members(c, ms, n);
}

const char *daemon_ctl_backend(const struct daemon *d, const struct sf_config *cfg)
{
	if (d->opts.dry_run || !cfg->core.enable)
		return "dryrun";
	if (strcmp(cfg->ctl.backend, "auto"))
		return cfg->ctl.backend;	/* the user's choice: route works with use_mwan3 too */
	return cfg->core.use_mwan3 ? "mwan3" : "route";
}

int daemon_ctl_start(struct daemon *d, const struct sf_config *cfg, char *err, size_t len)
{
	struct controller *c = controller_new(daemon_ctl_backend(d, cfg), &cfg->ctl, d->loop, err, len);
	if (!c)
		return -1;
	controller_set_observer(c, on_ctl_state, d);
	controller_set_action_observer(c, on_ctl_action, d);
	daemon_ctl_set_members(c, cfg);
	if (controller_init(c) < 0) {
		snprintf(err, len, "controller %s: %s", daemon_ctl_backend(d, cfg), controller_error(c));
		controller_shutdown(c);	/* whatever init installed before failing */
		controller_free(c);
		snprintf(d->ctl_error, sizeof(d->ctl_error), "%s", err);
		return -1;
	}
	d->ctl = c;
	d->ctl_error[0] = 0;
	d->ctl_applied = d->ctl_applied_none = false;
	return 0;
}

/*
 * A controller that could not start (reload) is retried at decisions, at
 * most every CTL_RETRY_MS, so routes are applied again once it can.
 */
void daemon_ctl_retry(struct daemon *d)
{
	int64_t now = daemon_now_ms(d);
	if (d->ctl || now < d->ctl_retry_ms)
		return;
	d->ctl_retry_ms = now + CTL_RETRY_MS;
	char err[sizeof(d->ctl_error)];
	if (daemon_ctl_start(d, &d->cfg, err, sizeof(err)) == 0)
		log_info("controller: started after an earlier failure");
	else
		log_err("controller: still cannot start: %s", err);
}

void daemon_ctl_stop(struct daemon *d)
{
	if (!d->ctl)
		return;
	controller_shutdown(d->ctl);
	controller_free(d->ctl);
	d->ctl = NULL;
	d->ctl_applied = d->ctl_applied_none = false;
}

void daemon_ctl_view(const struct daemon *d, struct controller_view *v)
{
	const struct controller *c = d->ctl;
	memset(v, 0, sizeof(*v));
	v->route_state = "none";
	if (!c) {
		v->backend = "none";
		v->state = "not running: start failed, retrying";
		v->error = d->ctl_error[0] ? d->ctl_error : NULL;
		return;
	}
	v->backend = c->ops->name;
	v->state = controller_state(c);
	v->error = controller_error(c)[0] ? controller_error(c) : NULL;
	v->applies = c->applies;
	v->failures = c->failures;
	v->route_state = ctl_rstate_name(c->rstate);
	v->drift = c->drift[0] ? c->drift : NULL;
	v->in_progress = controller_busy(c);
	v->pending = c->pending;
	v->drifts = c->drifts;
	v->repairs = c->repairs;
	if (c->last_repair_wall) {
		v->last_repair_store = (struct repair_view){
			.at = c->last_repair_wall, .what = c->last_repair, .took_ms = c->last_repair_ms,
		};
		v->last_repair = &v->last_repair_store;
	}
}
