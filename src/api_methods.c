/*
 * api_methods.c - the methods of the JSON API (docs/API_REFERENCE.md).
 *
 * A table maps each method to its handler and says whether it changes
 * anything; mutating methods are refused to peers that may not mutate.
 * A method that is not in the table gets "unknown method".
 */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <json-c/json.h>

#include "api.h"
#include "daemon.h"
#include "log.h"
#include "member.h"
#include "probe.h"
#ifdef SF_HAVE_STARLINK
#include "starlink.h"
#endif

typedef struct json_object *(*method_fn)(struct daemon *d, struct json_object *params,
					 struct api_error *err);

/* Reply size caps: a reply is held in RAM until the client has read it. */
#define HISTORY_MAX_POINTS 2000		/* ~400 KB of JSON */
#define HISTORY_MAX_SINCE_S (86400L * 30)
#define EVENTS_MAX 1000			/* ~500 KB of JSON */

struct method {
	const char *name;
	method_fn fn;
	bool mutating;
};

static struct json_object *jstr_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

/* A double, or null when unknown. */
static struct json_object *jnum(double v)
{
	return isnan(v) ? NULL : json_object_new_double(v);
}

static long proc_status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	long v = -1;
	size_t klen = strlen(key);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			v = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static struct json_object *member_json(const struct daemon *d, const struct member *m)
{
	const struct member_config *c = &m->cfg;
	const char *reason;
	const char *state = member_state(m, &reason);
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(c->name));
	json_object_object_add(o, "class", json_object_new_string(member_class_name(c->cls)));
	json_object_object_add(o, "interface", jstr_or_null(c->interface));
	json_object_object_add(o, "device", jstr_or_null(c->device));
	json_object_object_add(o, "enabled", json_object_new_boolean(c->enabled));
	json_object_object_add(o, "priority", json_object_new_int(c->priority));
	json_object_object_add(o, "weight", json_object_new_int(c->weight));
	json_object_object_add(o, "metered", json_object_new_boolean(c->metered));
	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	json_object_object_add(o, "primary", json_object_new_boolean(d->primary == m->idx));
	json_object_object_add(o, "age_s",
			       json_object_new_double((daemon_now_ms(d) - m->since_ms) / 1000.0));
	struct engine_score_info si;
	bool have = d->engine && engine_member_score(d->engine, m->idx, &si) == 0;
	json_object_object_add(o, "score", have ? jnum(si.final) : NULL);
	json_object_object_add(o, "latency_ms", jnum(m->last.latency_ms));
	json_object_object_add(o, "loss_pct", jnum(m->last.loss_pct));
	json_object_object_add(o, "jitter_ms", jnum(m->last.jitter_ms));
	json_object_object_add(o, "probe_bytes_per_day",
			       json_object_new_double(member_probe_bytes_per_day(m)));
	return o;
}

static struct json_object *members_array(const struct daemon *d)
{
	struct json_object *a = json_object_new_array();
	for (int i = 0; i < d->n_members; i++)
		json_object_array_add(a, member_json(d, d->members[i]));
	return a;
}

static const char *overall_state(const struct daemon *d)
{
	if (!d->cfg.core.enable)
		return "disabled";
	if (d->primary < 0)
		return d->n_members ? "no_uplink" : "no_members";
	if (d->decision.reason == RSN_ALL_BAD_KEEP || d->decision.reason == RSN_ALL_BAD_LEAST_BAD)
		return "degraded";
	return engine_pinned(d->engine) >= 0 ? "pinned" : "ok";
}

static struct json_object *m_status(struct daemon *d, struct json_object *params,
				    struct api_error *err)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "version", json_object_new_string(SF_VERSION));
	json_object_object_add(o, "state", json_object_new_string(overall_state(d)));
	json_object_object_add(o, "current",
			       d->primary >= 0 ? json_object_new_string(d->members[d->primary]->cfg.name) : NULL);
	json_object_object_add(o, "reason", json_object_new_string(engine_reason_name(d->decision.reason)));
	json_object_object_add(o, "reason_text", json_object_new_string(d->decision.text));
	int pin = d->engine ? engine_pinned(d->engine) : -1;
	json_object_object_add(o, "pinned", pin >= 0 ? json_object_new_string(d->members[pin]->cfg.name) : NULL);

	struct json_object *ctl = json_object_new_object();
	/* no controller: it failed to start after a reload and is being retried */
	json_object_object_add(ctl, "backend", json_object_new_string(d->ctl ? d->ctl->ops->name : "none"));
	json_object_object_add(ctl, "state", json_object_new_string(d->ctl ? controller_state(d->ctl)
									    : "not running: start failed, retrying"));
	json_object_object_add(ctl, "error", d->ctl ? jstr_or_null(controller_error(d->ctl))
						      : jstr_or_null(d->ctl_error));
	json_object_object_add(ctl, "applies", json_object_new_int64(d->ctl ? (int64_t)d->ctl->applies : 0));
	json_object_object_add(ctl, "failures", json_object_new_int64(d->ctl ? (int64_t)d->ctl->failures : 0));
	json_object_object_add(o, "controller", ctl);
	json_object_object_add(o, "dry_run", json_object_new_boolean(d->opts.dry_run));
	json_object_object_add(o, "log_level",
			       json_object_new_string(log_level_name(log_get_level())));
	json_object_object_add(o, "uptime_s",
			       json_object_new_double((daemon_now_ms(d) - d->started_ms) / 1000.0));
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	json_object_object_add(o, "members", members_array(d));

	struct json_object *cfg = json_object_new_object();
	json_object_object_add(cfg, "path", json_object_new_string(d->cfg.path));
	json_object_object_add(cfg, "result", json_object_new_string(d->cstat.ok ? "ok" : "error"));
	json_object_object_add(cfg, "error", jstr_or_null(d->cstat.error));
	json_object_object_add(cfg, "warnings", json_object_new_int(d->cstat.warnings));
	json_object_object_add(cfg, "loaded_at", json_object_new_int64((int64_t)d->cstat.loaded_at));
	json_object_object_add(cfg, "attempted_at",
			       json_object_new_int64((int64_t)d->cstat.attempted_at));
	json_object_object_add(cfg, "reloads", json_object_new_int((int)d->cstat.reloads));
	json_object_object_add(cfg, "failed_reloads", json_object_new_int((int)d->cstat.failed_reloads));
	json_object_object_add(o, "config", cfg);

	int64_t samples_bytes = 0, samples_dropped = 0;
	for (int i = 0; i < d->n_members; i++) {
		samples_bytes += (int64_t)tel_ring_bytes(&d->members[i]->samples);
		samples_dropped += (int64_t)d->members[i]->samples.dropped;
	}
	struct json_object *mem = json_object_new_object();
	json_object_object_add(mem, "rss_kb", json_object_new_int64(proc_status_kb("VmRSS")));
	json_object_object_add(mem, "rss_peak_kb", json_object_new_int64(proc_status_kb("VmHWM")));
	json_object_object_add(mem, "telemetry_bytes",
			       json_object_new_int64(samples_bytes + (int64_t)tel_ring_bytes(&d->events)));
	json_object_object_add(mem, "telemetry_cap_bytes",
			       json_object_new_int64((int64_t)d->cfg.telemetry.max_kb * 1024));
	json_object_object_add(mem, "samples_dropped", json_object_new_int64(samples_dropped));
	json_object_object_add(mem, "events_dropped", json_object_new_int64((int64_t)d->events.dropped));
	json_object_object_add(mem, "engine_bytes",
			       json_object_new_int64(d->engine ? (int64_t)engine_memory_bytes(d->engine) : 0));
	json_object_object_add(o, "memory", mem);

	struct api_stats st;
	api_server_stats(d->api, &st);
	struct json_object *api = json_object_new_object();
	json_object_object_add(api, "requests", json_object_new_int64((int64_t)st.requests));
	json_object_object_add(api, "errors", json_object_new_int64((int64_t)st.errors));
	json_object_object_add(api, "denied", json_object_new_int64((int64_t)st.denied));
	json_object_object_add(api, "rejected_busy", json_object_new_int64((int64_t)st.rejected_busy));
	json_object_object_add(api, "rejected_large", json_object_new_int64((int64_t)st.rejected_large));
	json_object_object_add(api, "timeouts", json_object_new_int64((int64_t)st.timeouts));
	json_object_object_add(api, "clients", json_object_new_int(st.clients));
	json_object_object_add(o, "api", api);
	return o;
}

/* The member named by params.member, or NULL with err set. */
static struct member *param_member(struct daemon *d, struct json_object *params, struct api_error *err)
{
	struct json_object *jm;
	if (!params || !json_object_object_get_ex(params, "member", &jm) ||
	    !json_object_is_type(jm, json_type_string)) {
		api_fail(err, API_ERR_PARAMS, "needs {\"member\": name}");
		return NULL;
	}
	struct member *m = daemon_find_member(d, json_object_get_string(jm));
	if (!m)
		api_fail(err, API_ERR_PARAMS, "no member '%.40s'", json_object_get_string(jm));
	return m;
}

/* An optional non-negative integer param; -1 when absent, -2 when invalid. */
static long param_uint(struct json_object *params, const char *key, long max)
{
	struct json_object *v;
	if (!params || !json_object_object_get_ex(params, key, &v))
		return -1;
	if (!json_object_is_type(v, json_type_int))
		return -2;
	int64_t x = json_object_get_int64(v);
	return x < 0 || x > max ? -2 : (long)x;
}

static struct json_object *addr_json(bool have, int family, const void *addr)
{
	char a[INET6_ADDRSTRLEN];
	if (!have || !inet_ntop(family, addr, a, sizeof(a)))
		return NULL;
	return json_object_new_string(a);
}

static struct json_object *link_json(const struct link_info *li)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "exists", json_object_new_boolean(li->exists));
	json_object_object_add(o, "ifindex", json_object_new_int(li->ifindex));
	json_object_object_add(o, "carrier", json_object_new_boolean(li->carrier));
	json_object_object_add(o, "ipv4_addr", addr_json(li->v4.has_addr, AF_INET, &li->v4.addr.v4));
	json_object_object_add(o, "ipv4_gateway", addr_json(li->v4.has_gw, AF_INET, &li->v4.gw.v4));
	json_object_object_add(o, "ipv4_default_route", json_object_new_boolean(li->v4.has_route));
	json_object_object_add(o, "ipv6_addr", addr_json(li->v6.has_addr, AF_INET6, &li->v6.addr.v6));
	json_object_object_add(o, "ipv6_gateway", addr_json(li->v6.has_gw, AF_INET6, &li->v6.gw.v6));
	json_object_object_add(o, "ipv6_default_route", json_object_new_boolean(li->v6.has_route));
	json_object_object_add(o, "reason", jstr_or_null(li->reason));
	return o;
}

static struct json_object *engine_json(const struct daemon *d, const struct engine_score_info *si)
{
	struct json_object *e = json_object_new_object();
	json_object_object_add(e, "instant", jnum(si->instant));
	json_object_object_add(e, "ewma", jnum(si->ewma));
	json_object_object_add(e, "window", jnum(si->window));
	json_object_object_add(e, "final", jnum(si->final));
	json_object_object_add(e, "effective", jnum(si->effective));
	json_object_object_add(e, "short_latency_ms", jnum(si->latency_ms));
	json_object_object_add(e, "short_loss_pct", jnum(si->loss_pct));
	json_object_object_add(e, "short_jitter_ms", jnum(si->jitter_ms));
	json_object_object_add(e, "eligible", json_object_new_boolean(si->eligible));
	json_object_object_add(e, "predictive_signal",
			       si->predict != RSN_NONE ? json_object_new_string(engine_reason_name(si->predict)) : NULL);
	json_object_object_add(e, "last_reason", json_object_new_string(engine_reason_name(si->last_reason)));
	json_object_object_add(e, "state_for_s",
			       json_object_new_double((daemon_now_ms(d) - si->state_since_ms) / 1000.0));
	json_object_object_add(e, "rounds", json_object_new_int(si->rounds));
	json_object_object_add(e, "starlink_slot_phase_ms", jnum(si->slot_phase_ms));
	return e;
}

static struct json_object *probe_json(const struct probe_summary *ps)
{
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "latency_ms", jnum(ps->latency_ms));
	json_object_object_add(p, "latency_p95_ms", jnum(ps->latency_p95_ms));
	json_object_object_add(p, "jitter_ms", jnum(ps->jitter_ms));
	json_object_object_add(p, "loss_pct", jnum(ps->loss_pct));
	json_object_object_add(p, "lost_in_row", json_object_new_int(ps->lost_in_row));
	json_object_object_add(p, "window_rounds", json_object_new_int(ps->window_rounds));
	json_object_object_add(p, "ring_capacity", json_object_new_int(ps->ring_capacity));
	json_object_object_add(p, "rounds", json_object_new_int64((int64_t)ps->rounds));
	json_object_object_add(p, "rounds_up", json_object_new_int64((int64_t)ps->rounds_up));
	json_object_object_add(p, "probes_sent", json_object_new_int64((int64_t)ps->probes_sent));
	json_object_object_add(p, "probes_answered", json_object_new_int64((int64_t)ps->probes_answered));
	json_object_object_add(p, "replies_ignored", json_object_new_int64((int64_t)ps->replies_ignored));
	json_object_object_add(p, "replies_bad", json_object_new_int64((int64_t)ps->replies_bad));
	json_object_object_add(p, "send_errors", json_object_new_int64((int64_t)ps->send_errors));
	json_object_object_add(p, "interval_ms", json_object_new_int(ps->interval_ms));
	json_object_object_add(p, "bytes_per_day", json_object_new_double(ps->bytes_per_day));
	json_object_object_add(p, "usable", json_object_new_boolean(ps->usable));
	json_object_object_add(p, "reason", jstr_or_null(ps->reason));
	return p;
}

static struct json_object *m_metrics(struct daemon *d, struct json_object *params,
				     struct api_error *err)
{
	struct member *m = param_member(d, params, err);
	if (!m)
		return NULL;
	struct json_object *o = member_json(d, m);
	json_object_object_add(o, "link", link_json(&m->link));
	struct engine_score_info si;
	if (d->engine && engine_member_score(d->engine, m->idx, &si) == 0)
		json_object_object_add(o, "engine", engine_json(d, &si));
	if (m->probe) {
		struct probe_summary ps;
		prober_summary(m->probe, &ps);
		json_object_object_add(o, "probe", probe_json(&ps));
	}
#ifdef SF_HAVE_STARLINK
	if (m->sl)
		json_object_object_add(o, "starlink", starlink_metrics_json(m->sl));
#endif
	return o;
}

static struct json_object *m_history(struct daemon *d, struct json_object *params,
				     struct api_error *err)
{
	struct member *m = param_member(d, params, err);
	if (!m)
		return NULL;
	long since_s = param_uint(params, "since_s", HISTORY_MAX_SINCE_S);
	long limit = param_uint(params, "limit", HISTORY_MAX_POINTS);
	if (since_s == -2 || limit == -2)
		return api_fail(err, API_ERR_PARAMS, "since_s must be an integer 0..%ld and limit 0..%d",
				HISTORY_MAX_SINCE_S, HISTORY_MAX_POINTS);
	if (since_s < 0)
		since_s = 300;
	if (limit < 0)
		limit = 1000;
	int64_t now = daemon_now_ms(d), from = now - since_s * 1000;
	const struct tel_ring *r = &m->samples;
	size_t first = r->len;
	for (size_t i = 0; i < r->len; i++)
		if (((const struct tel_sample *)tel_ring_get(r, i))->t_ms >= from) {
			first = i;
			break;
		}
	size_t n = r->len - first;
	size_t step = limit > 0 && n > (size_t)limit ? (n + (size_t)limit - 1) / (size_t)limit : 1;
	struct json_object *arr = json_object_new_array();
	for (size_t i = first; i < r->len && limit > 0; i += step) {
		const struct tel_sample *t = tel_ring_get(r, i);
		struct json_object *p = json_object_new_object();
		json_object_object_add(p, "age_s", json_object_new_double((now - t->t_ms) / 1000.0));
		json_object_object_add(p, "latency_ms", jnum(t->latency_ms));
		json_object_object_add(p, "loss_pct", jnum(t->loss_pct));
		json_object_object_add(p, "jitter_ms", jnum(t->jitter_ms));
		json_object_object_add(p, "score", jnum(t->score));
		json_object_object_add(p, "link_up", t->link_up == TRI_UNKNOWN ? NULL
						   : json_object_new_boolean(t->link_up == TRI_TRUE));
		json_object_object_add(p, "round_up", json_object_new_boolean(t->round_up));
		json_object_object_add(p, "primary", json_object_new_boolean(t->primary));
		json_object_array_add(arr, p);
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "member", json_object_new_string(m->cfg.name));
	json_object_object_add(o, "since_s", json_object_new_int64(since_s));
	json_object_object_add(o, "step", json_object_new_int64((int64_t)step));
	json_object_object_add(o, "held", json_object_new_int64((int64_t)r->len));
	json_object_object_add(o, "dropped", json_object_new_int64((int64_t)r->dropped));
	json_object_object_add(o, "samples", arr);
	return o;
}

static struct json_object *m_events(struct daemon *d, struct json_object *params,
				    struct api_error *err)
{
	long limit = param_uint(params, "limit", EVENTS_MAX);
	if (limit == -2)
		return api_fail(err, API_ERR_PARAMS, "limit must be an integer 0..%d", EVENTS_MAX);
	if (limit < 0)
		limit = 50;
	const struct tel_ring *r = &d->events;
	size_t n = (size_t)limit < r->len ? (size_t)limit : r->len;
	int64_t now = daemon_now_ms(d);
	struct json_object *arr = json_object_new_array();
	for (size_t i = r->len - n; i < r->len; i++) {
		const struct tel_event *e = tel_ring_get(r, i);
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "time", json_object_new_int64(e->wall_s));
		json_object_object_add(o, "age_s", json_object_new_double((now - e->t_ms) / 1000.0));
		json_object_object_add(o, "type", json_object_new_string(e->type));
		json_object_object_add(o, "reason", json_object_new_string(e->reason));
		json_object_object_add(o, "member", jstr_or_null(e->member));
		json_object_object_add(o, "from", jstr_or_null(e->from));
		json_object_object_add(o, "to", jstr_or_null(e->to));
		json_object_object_add(o, "text", json_object_new_string(e->text));
		json_object_array_add(arr, o);
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "events", arr);
	json_object_object_add(o, "held", json_object_new_int64((int64_t)r->len));
	json_object_object_add(o, "dropped", json_object_new_int64((int64_t)r->dropped));
	return o;
}

static struct json_object *decision_json(struct daemon *d)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "current",
			       d->primary >= 0 ? json_object_new_string(d->members[d->primary]->cfg.name) : NULL);
	int pin = engine_pinned(d->engine);
	json_object_object_add(o, "pinned", pin >= 0 ? json_object_new_string(d->members[pin]->cfg.name) : NULL);
	json_object_object_add(o, "reason", json_object_new_string(engine_reason_name(d->decision.reason)));
	return o;
}

static struct json_object *m_failover(struct daemon *d, struct json_object *params,
				      struct api_error *err)
{
	struct member *m = param_member(d, params, err);
	if (!m)
		return NULL;
	if (!m->cfg.enabled)
		return api_fail(err, API_ERR_FAILED, "member '%s' is disabled in the config", m->cfg.name);
	if (daemon_pin(d, m) < 0)
		return api_fail(err, API_ERR_FAILED, "the engine refused to pin '%s'", m->cfg.name);
	log_info("api: failover pinned member=%s", m->cfg.name);
	return decision_json(d);
}

static struct json_object *m_restore(struct daemon *d, struct json_object *params,
				     struct api_error *err)
{
	daemon_unpin(d);
	log_info("api: restore: automatic selection again");
	return decision_json(d);
}

static struct json_object *m_recheck(struct daemon *d, struct json_object *params,
				     struct api_error *err)
{
	for (int i = 0; i < d->n_members; i++)
		member_recheck(d->members[i]);
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "rechecking", json_object_new_int(d->n_members));
	return o;
}

static struct json_object *m_members(struct daemon *d, struct json_object *params,
				     struct api_error *err)
{
	return members_array(d);
}

static struct json_object *m_config(struct daemon *d, struct json_object *params,
				    struct api_error *err)
{
	return config_to_json(&d->cfg);
}

static struct json_object *m_version(struct daemon *d, struct json_object *params,
				     struct api_error *err)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_string(SF_VERSION));
	json_object_object_add(o, "json_c", json_object_new_string(json_c_version()));
	return o;
}

static struct json_object *m_setlog(struct daemon *d, struct json_object *params,
				    struct api_error *err)
{
	struct json_object *jl;
	if (!params || !json_object_object_get_ex(params, "level", &jl) ||
	    !json_object_is_type(jl, json_type_string))
		return api_fail(err, API_ERR_PARAMS, "setlog needs {\"level\": \"error|warn|info|debug|trace\"}");
	int lvl = log_level_parse(json_object_get_string(jl));
	if (lvl < 0)
		return api_fail(err, API_ERR_PARAMS, "unknown level '%.32s': expected error|warn|info|debug|trace",
				json_object_get_string(jl));
	enum log_level old = log_get_level();
	log_set_level((enum log_level)lvl);
	log_info("log level changed by API: from=%s to=%s", log_level_name(old),
		 log_level_name((enum log_level)lvl));
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "level", json_object_new_string(log_level_name((enum log_level)lvl)));
	json_object_object_add(o, "previous", json_object_new_string(log_level_name(old)));
	return o;
}

static struct json_object *m_reload(struct daemon *d, struct json_object *params,
				    struct api_error *err)
{
	char msg[CONFIG_MSG_MAX];
	if (daemon_reload(d, msg, sizeof(msg)) < 0)
		return api_fail(err, API_ERR_FAILED, "reload failed, old config kept: %s", msg);
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "reloaded", json_object_new_boolean(true));
	json_object_object_add(o, "members", json_object_new_int(d->n_members));
	json_object_object_add(o, "warnings", json_object_new_int(d->cstat.warnings));
	/* the config is in force, but the new controller may not have started */
	json_object_object_add(o, "controller_error", d->ctl ? NULL : jstr_or_null(d->ctl_error));
	return o;
}

static const struct method methods[] = {
	{ "status", m_status, false },
	{ "members", m_members, false },
	{ "config", m_config, false },
	{ "version", m_version, false },
	{ "setlog", m_setlog, true },
	{ "reload", m_reload, true },
	{ "metrics", m_metrics, false },
	{ "history", m_history, false },
	{ "events", m_events, false },
	{ "failover", m_failover, true },
	{ "restore", m_restore, true },
	{ "recheck", m_recheck, true },
};

struct json_object *daemon_api_dispatch(void *ctx, const char *method, struct json_object *params,
					const struct api_peer *peer, struct api_error *err)
{
	struct daemon *d = ctx;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		const struct method *m = &methods[i];
		if (strcmp(m->name, method))
			continue;
		if (m->mutating && !api_peer_may_mutate(peer)) {
			log_warn("api: denied method=%s pid=%d uid=%u", m->name, (int)peer->pid,
				 (unsigned)peer->uid);
			return api_fail(err, API_ERR_PERMISSION,
					"method '%s' changes the daemon: only root or the socket's group may call it",
					m->name);
		}
		return m->fn(d, params, err);
	}
	return api_fail(err, API_ERR_UNKNOWN_METHOD, "unknown method '%.64s'", method);
}
