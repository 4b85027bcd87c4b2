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

void member_link_changed(struct member *m, const struct link_info *li)
{
	bool was_ok = link_ok(&m->link);
	m->link = *li;
	bool ok = link_ok(li);
	for (int i = 0; i < COLLECT_SLOTS_MAX; i++)
		if (m->coll[i].inst && m->coll[i].ops->set_link)
			m->coll[i].ops->set_link(m->coll[i].inst, li);
	if (was_ok != ok || m->last.link_up == TRI_UNKNOWN) {
		log_info("link: member=%s device=%s up=%d reason=\"%s\"", m->cfg.name, m->cfg.device, ok,
			 ok ? "" : li->reason);
		struct sample s;
		sample_init(&s, clock_mono_ms());
		s.link_up = ok ? TRI_TRUE : TRI_FALSE;
		m->last.link_up = s.link_up;
		observe(m, &s, MEMBER_OBS_LINK);
	}
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
	if (!m->cfg.enabled)
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
			continue;
		}
		struct collector_args args = {
			.member = m->cfg.name, .device = m->cfg.device, .cls = m->cfg.cls, .params = params,
		};
		struct collector_host host = { .sample = on_sample, .ctx = mc };
		mc->ops = ops;
		mc->m = m;
		mc->inst = ops->start(m->loop, &args, &host, err, sizeof(err));
		if (!mc->inst) {
			snprintf(m->collect_error, sizeof(m->collect_error), "%s", err);
			continue;
		}
		if (ops->set_role)
			ops->set_role(mc->inst, m->role);
		if (ops->set_link && (m->link.exists || m->link.ifname[0]))
			ops->set_link(mc->inst, &m->link);
	}
	if (m->collect_error[0])
		log_err("member %s: %s", m->cfg.name, m->collect_error);
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
	sample_init(&m->last, m->since_ms);
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
	if (m->collect_error[0]) {
		*reason = m->collect_error;
		return "unusable";
	}
	if (!link_ok(&m->link)) {
		*reason = m->link.reason[0] ? m->link.reason : "link not usable";
		return m->link.exists ? "down" : "unusable";
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
