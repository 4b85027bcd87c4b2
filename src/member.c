/* member.c - see member.h */
#include "member.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "log.h"
#include "probe.h"
#include "text.h"

/* Hand one sample up, keeping the member's time non-decreasing. */
static void observe(struct member *m, struct sample *s, unsigned flags)
{
	if (s->t_ms < m->last_obs_ms)
		s->t_ms = m->last_obs_ms;
	m->last_obs_ms = s->t_ms;
	if (m->host.observe)
		m->host.observe(m->host.ctx, m, s, flags);
}

/* Copy into the member's view the blocks collector ops fills. */
static void merge_view(struct member *m, const struct collector_ops *ops, const struct sample *s,
		       const struct sample *view)
{
	struct sample *v = &m->last;
	if (ops->fills & COLLECT_FILLS_PROBE) {
		v->latency_ms = view->latency_ms;
		v->latency_p95_ms = view->latency_p95_ms;
		v->jitter_ms = view->jitter_ms;
		v->loss_pct = view->loss_pct;
		v->probes_lost_in_row = view->probes_lost_in_row;
		v->t_ms = s->t_ms;
	}
	if (ops->fills & COLLECT_FILLS_STARLINK)
		v->sl = view->sl;
	if (ops->fills & COLLECT_FILLS_CELLULAR)
		v->cell = view->cell;
	if (ops->fills & COLLECT_FILLS_WIFI)
		v->wifi = view->wifi;
}

/* The collector host callback: every collector sample of this member. */
static void on_sample(void *ctx, const struct sample *in, const struct collector_report *r)
{
	struct member_collector *mc = ctx;
	struct member *m = mc->m;
	struct sample s = *in;	/* stamped by the collector when measured */
	unsigned flags = 0;
	if (r->flags & COLLECT_ROUND)
		flags |= MEMBER_OBS_ROUND;
	if (r->flags & COLLECT_ROUND_UP)
		flags |= MEMBER_OBS_ROUND_UP;
	if (s.t_ms < m->last_obs_ms)	/* the view carries the time the engine sees */
		s.t_ms = m->last_obs_ms;
	merge_view(m, mc->ops, &s, r->view ? r->view : in);
	if (flags & MEMBER_OBS_ROUND)
		log_trace("round: member=%s collector=%s up=%d probes_sent=%d latency_ms=%.1f loss_pct=%.1f",
			  m->cfg.name, mc->ops->name, !!(flags & MEMBER_OBS_ROUND_UP), s.probes_sent,
			  s.latency_ms, s.loss_pct);
	observe(m, &s, flags);
}

static bool link_ok(const struct link_info *li)
{
	return li->exists && li->carrier && (link_usable(li, AF_INET) || link_usable(li, AF_INET6));
}

/* The first essential collector in a fault, or NULL. */
static const struct member_collector *essential_fault(const struct member *m)
{
	for (int i = 0; i < COLLECT_SLOTS_MAX; i++)
		if (m->coll[i].ops && m->coll[i].ops->essential && m->coll[i].fault.active)
			return &m->coll[i];
	return NULL;
}

/*
 * Tell the engine whether the member can carry traffic: its link is up and
 * no essential collector is in a fault (a prober that cannot run measures
 * nothing, so the member is down for the engine at once, not after
 * round_stale_ms without rounds). Only changes are sent.
 */
static void link_report(struct member *m)
{
	bool dev_ok = link_ok(&m->link);
	enum tri up = dev_ok && !essential_fault(m) ? TRI_TRUE : TRI_FALSE;
	m->last.link_up = dev_ok ? TRI_TRUE : TRI_FALSE;	/* the device's own state */
	if (m->engine_up == up)
		return;
	m->engine_up = up;
	struct sample s;
	sample_init(&s, clock_mono_ms());
	s.link_up = up;
	observe(m, &s, MEMBER_OBS_LINK);
}

void member_link_changed(struct member *m, const struct link_info *li)
{
	bool was_ok = link_ok(&m->link);
	m->link = *li;
	bool ok = link_ok(li);
	for (int i = 0; i < COLLECT_SLOTS_MAX; i++)
		if (m->coll[i].inst && m->coll[i].ops->set_link)
			m->coll[i].ops->set_link(m->coll[i].inst, li);
	if (was_ok != ok || m->last.link_up == TRI_UNKNOWN)
		log_info("link: member=%s device=%s up=%d reason=\"%s\"", m->cfg.name, m->cfg.device, ok,
			 ok ? "" : li->reason);
	link_report(m);
}

/* ---- faults (collector_host.fault) -------------------------------------- */

/* Arm the summary timer for the earliest due "still failing" line, or stop it. */
static void fault_timer_arm(struct member *m)
{
	int64_t due = 0;
	bool any = false;
	for (int i = 0; i < COLLECT_SLOTS_MAX; i++) {
		const struct member_fault *f = &m->coll[i].fault;
		if (!f->active)
			continue;
		int64_t d = f->summary_ms + m->fault_summary_ms;
		if (!any || d < due)
			due = d;
		any = true;
	}
	ev_timer_stop(m->loop, &m->fault_timer);
	if (!any)
		return;
	int64_t left_ms = due - clock_mono_ms();
	ev_timer_set(&m->fault_timer, left_ms > 0 ? (double)left_ms / 1000.0 : 0., 0.);
	ev_timer_start(m->loop, &m->fault_timer);
}

static void fault_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct member *m = w->data;
	int64_t now = clock_mono_ms();
	for (int i = 0; i < COLLECT_SLOTS_MAX; i++) {
		struct member_fault *f = &m->coll[i].fault;
		/* due, give or take the timer's rounding (5 %) */
		if (!f->active || now - f->summary_ms < m->fault_summary_ms - m->fault_summary_ms / 20)
			continue;
		f->summary_ms = now;
		log_warn("fault: member=%s collector=%s still failing for %lld min, %llu failed attempts "
			 "reason=\"%s\"", m->cfg.name, m->coll[i].ops->name,
			 (long long)((now - f->since_ms) / 60000), (unsigned long long)f->failures, f->reason);
	}
	fault_timer_arm(m);
}

static void on_fault(void *ctx, const char *reason)
{
	struct member_collector *mc = ctx;
	struct member *m = mc->m;
	struct member_fault *f = &mc->fault;
	int64_t now = clock_mono_ms();

	if (!reason) {
		if (!f->active)
			return;
		f->active = false;
		log_info("fault cleared: member=%s collector=%s after_s=%lld failures=%llu was=\"%s\"",
			 m->cfg.name, mc->ops->name, (long long)((now - f->since_ms) / 1000),
			 (unsigned long long)f->failures, f->reason);
	} else {
		char r[COLLECT_FAULT_REASON_MAX];
		text_copy_sanitized(r, sizeof(r), reason);
		if (f->active && strcmp(r, f->reason) == 0) {
			f->failures++;	/* the same fault again: counted, not announced */
			return;
		}
		if (f->active) {
			log_warn("fault changed: member=%s collector=%s reason=\"%s\" was=\"%s\"", m->cfg.name,
				 mc->ops->name, r, f->reason);
		} else {
			/* a fault that changes reason goes on: since and failures count on */
			f->since_ms = f->summary_ms = now;
			f->since_wall_s = clock_wall_ms() / 1000;
			f->failures = 0;
			log_warn("fault: member=%s collector=%s reason=\"%s\"%s", m->cfg.name, mc->ops->name, r,
				 mc->ops->essential ? " member unusable" : "");
		}
		memcpy(f->reason, r, sizeof(r));
		f->active = true;
		f->failures++;
	}
	fault_timer_arm(m);
	if (m->host.fault)
		m->host.fault(m->host.ctx, m, mc->ops, f);
	if (mc->ops->essential && m->engine_up != TRI_UNKNOWN)
		link_report(m);		/* before the first link report, that one says it */
}

int member_faults(const struct member *m, char *text, size_t len, int64_t *since_wall_s,
		  int64_t *since_ms, uint64_t *failures)
{
	int n = 0;
	size_t o = 0;
	if (len)
		text[0] = 0;
	*failures = 0;
	for (int i = 0; i < COLLECT_SLOTS_MAX; i++) {
		const struct member_fault *f = &m->coll[i].fault;
		if (!f->active)
			continue;
		if (o < len) {
			int w = snprintf(text + o, len - o, "%s%s: %s", n ? "; " : "", m->coll[i].ops->name,
					 f->reason);
			o += w > 0 ? (size_t)w : 0;
		}
		if (!n || f->since_ms < *since_ms) {
			*since_ms = f->since_ms;
			*since_wall_s = f->since_wall_s;
		}
		*failures += f->failures;
		n++;
	}
	return n;
}

void member_set_role(struct member *m, enum collector_role role)
{
	m->role = role;
	for (int i = 0; i < COLLECT_SLOTS_MAX; i++)
		if (m->coll[i].inst && m->coll[i].ops->set_role)
			m->coll[i].ops->set_role(m->coll[i].inst, role);
}

void member_start_collectors(struct member *m, const struct sf_config *cfg)
{
	char err[200];
	m->collect_error[0] = 0;
	if (!m->cfg.enabled || !*m->cfg.device)	/* no device yet: up.unusable says why */
		return;

	for (int i = 0; i < COLLECT_SLOTS_MAX && m->registry[i]; i++) {
		const struct collector_ops *ops = m->registry[i];
		struct member_collector *mc = &m->coll[i];
		if (!collector_serves(ops, m->cfg.cls) || mc->inst)
			continue;
		struct probe_member_cfg pc;
		const void *params;
		if (config_collector_params(cfg, &m->cfg, ops, &pc, &params, err, sizeof(err)) < 0) {
			snprintf(m->collect_error, sizeof(m->collect_error), "%s config: %s", ops->name, err);
			mc->fault.active = false;	/* not running: collect_error says why */
			continue;
		}
		struct collector_args args = {
			.member = m->cfg.name, .device = m->cfg.device, .cls = m->cfg.cls, .params = params,
		};
		struct collector_host host = { .sample = on_sample, .ctx = mc, .fault = on_fault };
		mc->ops = ops;
		mc->m = m;
		mc->inst = ops->start(m->loop, &args, &host, err, sizeof(err));
		if (!mc->inst) {
			snprintf(m->collect_error, sizeof(m->collect_error), "%s", err);
			mc->fault.active = false;
			continue;
		}
		if (ops->set_role)
			ops->set_role(mc->inst, m->role);
		if (ops->set_link && (m->link.exists || m->link.ifname[0]))
			ops->set_link(mc->inst, &m->link);
	}
	if (m->collect_error[0])
		log_err("member %s: %s", m->cfg.name, m->collect_error);
	fault_timer_arm(m);
}

void member_stop_collectors(struct member *m)
{
	for (int i = 0; i < COLLECT_SLOTS_MAX; i++) {
		struct member_collector *mc = &m->coll[i];
		if (mc->inst)
			mc->ops->stop(mc->inst);
		mc->inst = NULL;
	}
}

struct member *member_new(struct ev_loop *loop, const struct member_config *mc, size_t ring_cap,
			  const struct member_host *host)
{
	struct member *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	if (tel_ring_init(&m->samples, sizeof(struct tel_sample), ring_cap) < 0) {
		free(m);
		return NULL;
	}
	m->cfg = *mc;
	m->loop = loop;
	m->host = *host;
	m->role = COLLECTOR_STANDBY;
	m->registry = collectors;
	m->since_ms = clock_mono_ms();
	m->fault_summary_ms = COLLECT_FAULT_SUMMARY_MS;
	ev_timer_init(&m->fault_timer, fault_timer_cb, 0., 0.);
	m->fault_timer.data = m;
	sample_init(&m->last, m->since_ms);
	m->engine_up = TRI_UNKNOWN;
	if (strlen(mc->device) < sizeof(m->link.ifname))	/* checked by config */
		memcpy(m->link.ifname, mc->device, strlen(mc->device) + 1);
	snprintf(m->link.reason, sizeof(m->link.reason), "link state not known yet");
	log_info("member added: name=%s class=%s interface=%s device=%s priority=%d weight=%d metered=%d",
		 mc->name, member_class_name(mc->cls), *mc->interface ? mc->interface : "-",
		 *mc->device ? mc->device : "-", mc->priority, mc->weight, mc->metered);
	return m;
}

void member_free(struct member *m)
{
	if (!m)
		return;
	member_stop_collectors(m);
	ev_timer_stop(m->loop, &m->fault_timer);
	tel_ring_free(&m->samples);
	free(m);
}

void member_recheck(struct member *m)
{
	for (int i = 0; i < COLLECT_SLOTS_MAX; i++)
		if (m->coll[i].inst && m->coll[i].ops->poll_now)
			m->coll[i].ops->poll_now(m->coll[i].inst);
}

void member_boost(struct member *m, int64_t until_ms)
{
	for (int i = 0; i < COLLECT_SLOTS_MAX; i++)
		if (m->coll[i].inst && m->coll[i].ops->boost)
			m->coll[i].ops->boost(m->coll[i].inst, until_ms);
}

const char *member_unusable(const struct member *m, const char **reason)
{
	if (!m->cfg.enabled) {
		*reason = "enabled '0' in the config";
		return "disabled";
	}
	if (m->cfg.up.unusable[0]) {
		*reason = m->cfg.up.unusable;
		return "unusable";
	}
	if (m->collect_error[0]) {
		*reason = m->collect_error;
		return "unusable";
	}
	if (!link_ok(&m->link)) {
		*reason = m->link.reason[0] ? m->link.reason : "link not usable";
		return m->link.exists ? "down" : "unusable";
	}
	const struct member_collector *ef = essential_fault(m);
	if (ef) {
		*reason = ef->fault.reason;
		return "unusable";
	}
	return NULL;
}

const struct sample *member_view(const struct member *m)
{
	return &m->last;
}

const struct link_info *member_link(const struct member *m)
{
	return &m->link;
}

struct tel_ring *member_history(struct member *m)
{
	return &m->samples;
}

bool member_probe_summary(const struct member *m, struct probe_summary *out)
{
	for (int i = 0; i < COLLECT_SLOTS_MAX; i++)
		if (m->coll[i].inst && m->coll[i].ops->probe_summary) {
			m->coll[i].ops->probe_summary(m->coll[i].inst, out);
			return true;
		}
	return false;
}

double member_probe_bytes_per_day(const struct member *m)
{
	struct probe_summary ps;
	return member_probe_summary(m, &ps) ? ps.bytes_per_day : 0;
}

void member_collectors_json(const struct member *m, struct json_object *out)
{
	for (int i = 0; i < COLLECT_SLOTS_MAX; i++)
		if (m->coll[i].inst && m->coll[i].ops->metrics_json)
			m->coll[i].ops->metrics_json(m->coll[i].inst, out);
}
