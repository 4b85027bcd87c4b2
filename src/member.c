/* member.c - see member.h */
#include "member.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon.h"
#include "engine.h"
#include "log.h"
#ifdef SF_HAVE_STARLINK
#include "starlink.h"
#endif

/* Hand one sample to the engine, keeping the member's time non-decreasing. */
static void observe(struct member *m, struct sample *s)
{
	struct daemon *d = m->d;
	if (s->t_ms < m->last_obs_ms)
		s->t_ms = m->last_obs_ms;
	m->last_obs_ms = s->t_ms;
	if (d->engine && engine_observe(d->engine, m->idx, s) < 0)
		log_debug("engine refused a sample: member=%s t_ms=%lld", m->cfg.name, (long long)s->t_ms);
}

static void record(struct member *m, int64_t t_ms, bool round_up)
{
	struct daemon *d = m->d;
	struct tel_sample ts = {
		.t_ms = t_ms,
		.latency_ms = (float)m->last.latency_ms,
		.loss_pct = (float)m->last.loss_pct,
		.jitter_ms = (float)m->last.jitter_ms,
		.score = NAN,
		.link_up = (int8_t)m->last.link_up,
		.primary = d->primary == m->idx,
		.round_up = round_up,
	};
	struct engine_score_info si;
	if (d->engine && engine_member_score(d->engine, m->idx, &si) == 0) {
		ts.score = (float)si.final;
		ts.state = (uint8_t)si.state;
	}
	tel_ring_push(&m->samples, &ts);
}

static void on_round(void *ctx, const struct probe_round *r)
{
	struct member *m = ctx;
	struct sample s;
	sample_init(&s, r->t_ms);
	if (r->n_sent > 0) {
		double sum = 0;
		int n = 0;
		for (int i = 0; i < r->n_results; i++)
			if (r->results[i].answered) {
				sum += r->results[i].rtt_ms;
				n++;
			}
		s.loss_pct = 100.0 * (r->n_sent - r->n_answered) / r->n_sent;
		s.latency_ms = n ? sum / n : NAN;
		s.probes_sent = r->n_sent;
	}
	s.probes_lost_in_row = r->summary.lost_in_row;
	/* link state is linkmon's to report, not the prober's */
	observe(m, &s);

	probe_summary_to_sample(&r->summary, &m->last);
	m->last.t_ms = s.t_ms;
	log_trace("round: member=%s up=%d sent=%d answered=%d latency_ms=%.1f loss_pct=%.1f",
		  m->cfg.name, r->up, r->n_sent, r->n_answered, s.latency_ms, s.loss_pct);
	daemon_decide(m->d);
	record(m, s.t_ms, r->up);
}

#ifdef SF_HAVE_STARLINK
static void on_dish(void *ctx, const struct sample *in)
{
	struct member *m = ctx;
	struct sample s = *in;
	s.t_ms = daemon_now_ms(m->d);	/* one time base for the engine */
	observe(m, &s);
	m->last.sl = s.sl;
	daemon_decide(m->d);
}
#endif

static bool link_ok(const struct link_info *li)
{
	return li->exists && li->carrier && (link_usable(li, AF_INET) || link_usable(li, AF_INET6));
}

void member_link_changed(struct member *m, const struct link_info *li)
{
	bool was_ok = link_ok(&m->link);
	m->link = *li;
	bool ok = link_ok(li);
	if (m->probe)
		prober_set_link(m->probe, li);
	if (was_ok != ok || m->last.link_up == TRI_UNKNOWN) {
		log_info("link: member=%s device=%s up=%d reason=\"%s\"", m->cfg.name, m->cfg.device, ok,
			 ok ? "" : li->reason);
		struct sample s;
		sample_init(&s, daemon_now_ms(m->d));
		s.link_up = ok ? TRI_TRUE : TRI_FALSE;
		m->last.link_up = s.link_up;
		observe(m, &s);
		record(m, s.t_ms, false);
	}
	daemon_decide(m->d);
}

void member_start_collectors(struct member *m)
{
	struct daemon *d = m->d;
	char err[200];
	m->collect_error[0] = 0;
	if (!m->cfg.enabled)
		return;

	struct probe_member_cfg pc;
	if (config_probe_member(&d->cfg, &m->cfg, &pc, err, sizeof(err)) < 0) {
		snprintf(m->collect_error, sizeof(m->collect_error), "probe config: %s", err);
	} else if (!(m->probe = prober_new(d->loop, &pc, on_round, m))) {
		snprintf(m->collect_error, sizeof(m->collect_error), "probes could not start (see log)");
	} else {
		prober_set_role(m->probe, d->primary == m->idx ? PROBE_ROLE_PRIMARY : PROBE_ROLE_STANDBY);
		if (m->link.exists || m->link.ifname[0])
			prober_set_link(m->probe, &m->link);
	}
#ifdef SF_HAVE_STARLINK
	if (m->cfg.cls == CLASS_STARLINK) {
		m->sl = starlink_new(d->loop, &m->cfg.starlink, m->cfg.device, on_dish, m);
		if (!m->sl)
			snprintf(m->collect_error, sizeof(m->collect_error),
				 "starlink collector could not start (see log)");
	}
#endif
	if (m->collect_error[0])
		log_err("member %s: %s", m->cfg.name, m->collect_error);
}

void member_stop_collectors(struct member *m)
{
	prober_free(m->probe);
	m->probe = NULL;
#ifdef SF_HAVE_STARLINK
	starlink_free(m->sl);
	m->sl = NULL;
#endif
}

struct member *member_new(struct daemon *d, const struct member_config *mc, size_t ring_cap)
{
	struct member *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	if (tel_ring_init(&m->samples, sizeof(struct tel_sample), ring_cap) < 0) {
		free(m);
		return NULL;
	}
	m->cfg = *mc;
	m->d = d;
	m->since_ms = daemon_now_ms(d);
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
	if (m->probe)
		prober_recheck(m->probe);
#ifdef SF_HAVE_STARLINK
	if (m->sl)
		starlink_poll_now(m->sl);
#endif
}

static const char *const engine_state_names[] = {
	[MS_UNKNOWN] = "unknown", [MS_DOWN] = "down", [MS_WARMUP] = "warmup", [MS_BAD] = "bad",
	[MS_DEGRADED] = "degraded", [MS_GOOD] = "good", [MS_DISABLED] = "disabled",
};

const char *member_state(const struct member *m, const char **reason)
{
	static char why[200];
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
	struct engine_score_info si;
	if (!m->d->engine || engine_member_score(m->d->engine, m->idx, &si) < 0) {
		*reason = "no decision engine";
		return "unknown";
	}
	/* a plain state change says nothing beyond the state itself */
	snprintf(why, sizeof(why), "%s", si.last_reason == RSN_STATE || si.last_reason == RSN_NONE
						 ? "" : engine_reason_name(si.last_reason));
	if (si.predict != RSN_NONE)
		snprintf(why, sizeof(why), "predictive: %s", engine_reason_name(si.predict));
	*reason = why;
	return si.state < __MS_MAX ? engine_state_names[si.state] : "?";
}

double member_probe_bytes_per_day(const struct member *m)
{
	if (!m->probe)
		return 0;
	struct probe_summary ps;
	prober_summary(m->probe, &ps);
	return ps.bytes_per_day;
}
