/*
 * api_methods.c - the methods of the JSON API (docs/API_REFERENCE.md).
 *
 * A table maps each method to its handler and says whether it changes
 * anything; mutating methods are refused to peers that may not mutate.
 * A method that is not in the table gets "unknown method".
 *
 * Replies are not written field by field: each object is a snapshot struct
 * (api_metrics.h) filled in one place, made JSON by its metric table, so
 * the replies, docs/METRICS.md and later exporters show the same fields.
 */
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <json-c/json.h>

#include "api.h"
#include "api_metrics.h"
#include "daemon.h"
#include "daemon_export.h"
#include "daemon_caps.h"
#include "daemon_sim.h"
#include "explain.h"
#include "log.h"
#include "member.h"
#include "metric_impl.h"
#include "probe.h"

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

static void addr_text(char *buf, size_t len, bool have, int family, const void *addr)
{
	if (!have || !inet_ntop(family, addr, buf, (socklen_t)len))
		buf[0] = '\0';
}

static void link_view_fill(const struct link_info *li, struct link_view *v)
{
	v->exists = li->exists;
	v->ifindex = li->ifindex;
	v->carrier = li->carrier;
	addr_text(v->ipv4_addr, sizeof(v->ipv4_addr), li->v4.has_addr, AF_INET, &li->v4.addr.v4);
	addr_text(v->ipv4_gateway, sizeof(v->ipv4_gateway), li->v4.has_gw, AF_INET, &li->v4.gw.v4);
	v->ipv4_default_route = li->v4.has_route;
	addr_text(v->ipv6_addr, sizeof(v->ipv6_addr), li->v6.has_addr, AF_INET6, &li->v6.addr.v6);
	addr_text(v->ipv6_gateway, sizeof(v->ipv6_gateway), li->v6.has_gw, AF_INET6, &li->v6.gw.v6);
	v->ipv6_default_route = li->v6.has_route;
	v->reason = li->reason;
}

static const char *nz(const char *s)
{
	return *s ? s : NULL;
}

/* What discovery learned of the member (types/uplink.h). */
static void uplink_view_fill(const struct uplink_info *up, struct member_view *v)
{
	static const char *const from[] = { "none", "config", "mwan3", "config+mwan3" };
	static const char *const dev[] = { "none", "config", "netifd", "netifd-last" };
	const struct uplink_netifd *n = &up->netifd;
	v->class_reason = up->class_reason;
	v->source = from[up->from & 3u];
	v->device_source = up->devsrc <= UPLINK_DEV_LAST ? dev[up->devsrc] : "?";
	v->netifd_up = n->known ? (n->up ? TRI_TRUE : TRI_FALSE) : TRI_UNKNOWN;
	v->proto = nz(n->proto);
	v->gateway = n->route4 ? n->gw4 : NULL;
	v->gateway6 = n->route6 ? n->gw6 : NULL;
	v->address = n->n_addr4 ? n->addr4[0] : NULL;
	v->address6 = n->n_addr6 ? n->addr6[0] : NULL;
	v->via = nz(n->via);
	v->mwan3_member = nz(up->mwan3.member);
	v->mwan3_metric = up->mwan3.metric;
	v->mwan3_weight = up->mwan3.weight;
}

/*
 * Everything the API shows of one member, in one snapshot (api_metrics.h):
 * the one place that reads member internals. detail: also link, engine
 * and probe (the `metrics` method).
 */
static void member_view_fill(const struct daemon *d, const struct member *m, bool detail,
			     struct member_view *v)
{
	const struct member_config *c = &m->cfg;
	struct engine_score_info si;
	bool have = d->engine && engine_member_score(d->engine, m->idx, &si) == 0;

	memset(v, 0, sizeof(*v));
	v->name = c->name;
	v->class_name = member_class_name(c->cls);
	v->interface = c->interface;
	v->device = c->device;
	v->enabled = c->enabled;
	v->priority = c->priority;
	v->weight = c->weight;
	v->metered = c->metered;
	v->state = daemon_member_state(d, m, &v->reason);
	v->primary = d->primary == m->idx;
	v->age_s = (daemon_now_ms(d) - m->since_ms) / 1000.0;
	v->score = have ? si.final : NAN;
	const struct sample *last = member_view(m);
	v->latency_ms = last->latency_ms;
	v->loss_pct = last->loss_pct;
	v->jitter_ms = last->jitter_ms;
	v->probe_bytes_per_day = member_probe_bytes_per_day(m);
	uplink_view_fill(&c->up, v);
	int64_t since_ms = 0;
	uint64_t failures = 0;
	v->fault_since = v->fault_failures = -1;
	v->fault_for_s = NAN;
	if (member_faults(m, v->fault, sizeof(v->fault), &v->fault_since, &since_ms, &failures) > 0) {
		v->fault_for_s = (double)(daemon_now_ms(d) - since_ms) / 1000.0;
		v->fault_failures = failures > INT64_MAX ? INT64_MAX : (int64_t)failures;
	}
	struct caps_view cv;
	bool caps = daemon_caps_view(d, m, &cv);
	v->data_used_mb = caps ? cv.used_mb : NAN;
	v->data_pct = caps ? cv.pct : NAN;
	v->data_cap_mb = c->data_cap_mb;
	v->data_cycle_start = caps ? cv.cycle_start : -1;
	v->data_state = caps ? cv.state : NULL;
	if (!detail)
		return;
	link_view_fill(member_link(m), &v->link);
	if (have) {
		v->engine_store.score = si;
		/* a member that never reached a state has been in none: unknown */
		v->engine_store.state_for_s = si.state_since_ms == INT64_MIN ? NAN :
					      (daemon_now_ms(d) - si.state_since_ms) / 1000.0;
		v->engine = &v->engine_store;
	}
	if (member_probe_summary(m, &v->probe_store))
		v->probe = &v->probe_store;
}

static struct json_object *member_json(const struct daemon *d, const struct member *m)
{
	struct member_view v;
	member_view_fill(d, m, false, &v);
	return metric_object(member_metrics, &v);
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

/* `status` in one snapshot (api_metrics.h), but the controller and the members. */
static void status_view_fill(const struct daemon *d, struct status_view *v)
{
	int pin = d->engine ? engine_pinned(d->engine) : -1;

	memset(v, 0, sizeof(*v));
	v->version = SF_VERSION;
	v->state = overall_state(d);
	v->current = d->primary >= 0 ? d->members[d->primary]->cfg.name : NULL;
	v->reason = engine_reason_name(d->decision.reason);
	v->reason_text = d->decision.text;
	v->pinned = pin >= 0 ? d->members[pin]->cfg.name : NULL;
	v->dry_run = d->opts.dry_run;
	v->log_level = log_level_name(log_get_level());
	v->uptime_s = (daemon_now_ms(d) - d->started_ms) / 1000.0;
	v->pid = (int)getpid();

	v->config = (struct config_view){
		.path = d->cfg.path, .result = d->cstat.ok ? "ok" : "error", .error = d->cstat.error,
		.warnings = d->cstat.warnings, .loaded_at = (int64_t)d->cstat.loaded_at,
		.attempted_at = (int64_t)d->cstat.attempted_at, .reloads = (int)d->cstat.reloads,
		.failed_reloads = (int)d->cstat.failed_reloads,
	};

	int64_t samples_bytes = 0, samples_dropped = 0;
	for (int i = 0; i < d->n_members; i++) {
		samples_bytes += (int64_t)tel_ring_bytes(member_history(d->members[i]));
		samples_dropped += (int64_t)member_history(d->members[i])->dropped;
	}
	v->memory = (struct memory_view){
		.rss_kb = proc_status_kb("VmRSS"), .rss_peak_kb = proc_status_kb("VmHWM"),
		.telemetry_bytes = samples_bytes + (int64_t)tel_ring_bytes(&d->events) +
				   (int64_t)tel_ring_bytes(&d->decisions),
		.telemetry_cap_bytes = (int64_t)d->cfg.telemetry.max_kb * 1024,
		.samples_dropped = samples_dropped, .events_dropped = (int64_t)d->events.dropped,
		.engine_bytes = d->engine ? (int64_t)engine_memory_bytes(d->engine) : 0,
	};

	struct api_stats st;
	api_server_stats(d->api, &st);
	daemon_ctl_view(d, &v->controller);
	v->api = (struct api_view){
		.requests = st.requests, .errors = st.errors, .denied = st.denied,
		.rejected_busy = st.rejected_busy, .rejected_large = st.rejected_large,
		.timeouts = st.timeouts, .clients = st.clients,
	};
}

static struct json_object *m_status(struct daemon *d, struct json_object *params,
				    struct api_error *err)
{
	struct status_view v;
	status_view_fill(d, &v);
	struct json_object *o = metric_object(status_metrics, &v);

	json_object_object_add(o, "members", members_array(d));
	daemon_export_status(d, o);
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

static struct json_object *m_metrics(struct daemon *d, struct json_object *params,
				     struct api_error *err)
{
	struct member *m = param_member(d, params, err);
	if (!m)
		return NULL;
	struct member_view v;
	member_view_fill(d, m, true, &v);
	struct json_object *o = metric_object(member_detail_metrics, &v);
	member_collectors_json(m, o);
	daemon_sim_json(d, m, o);
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
	/* in int64_t: long is 32 bits on most routers */
	int64_t now = daemon_now_ms(d), from = now - (int64_t)since_s * 1000;
	const struct tel_ring *r = member_history(m);
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
		struct history_point_view p = {
			.age_s = (now - t->t_ms) / 1000.0, .latency_ms = t->latency_ms,
			.loss_pct = t->loss_pct, .jitter_ms = t->jitter_ms, .score = t->score,
			.link_up = t->link_up == TRI_UNKNOWN ? TRI_UNKNOWN
				   : t->link_up == TRI_TRUE ? TRI_TRUE : TRI_FALSE,
			.round_up = t->round_up, .primary = t->primary,
		};
		json_object_array_add(arr, metric_object(history_point_metrics, &p));
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
		struct event_view v = { .time = e->wall_s, .age_s = (now - e->t_ms) / 1000.0, .ev = *e };
		json_object_array_add(arr, metric_object(event_metrics, &v));
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "events", arr);
	json_object_object_add(o, "held", json_object_new_int64((int64_t)r->len));
	json_object_object_add(o, "dropped", json_object_new_int64((int64_t)r->dropped));
	return o;
}

/* `explain`: the evidence of decision params.id, or of the latest decision. */
static struct json_object *m_explain(struct daemon *d, struct json_object *params,
				     struct api_error *err)
{
	struct json_object *jid;
	const struct explain_record *r;
	if (!params || !json_object_object_get_ex(params, "id", &jid) || !jid) {
		r = explain_latest(&d->decisions);
		if (!r)
			return api_fail(err, API_ERR_FAILED, "no decision recorded yet");
		return explain_json(r, daemon_now_ms(d));
	}
	errno = 0;
	int64_t id = json_object_is_type(jid, json_type_int) ? json_object_get_int64(jid) : -1;
	if (id <= 0 || errno)
		return api_fail(err, API_ERR_PARAMS,
				"explain takes {\"id\": event id}: a positive integer (`starfailctl events` shows ids)");
	r = explain_find(&d->decisions, (uint64_t)id);
	if (r)
		return explain_json(r, daemon_now_ms(d));
	if ((uint64_t)id > d->bus.emitted)
		return api_fail(err, API_ERR_PARAMS, "no event %lld: the latest event is %llu", (long long)id,
				(unsigned long long)d->bus.emitted);
	for (size_t i = 0; i < d->events.len; i++) {
		const struct tel_event *e = tel_ring_get(&d->events, i);
		if (e->id == (uint64_t)id && !explain_wants(e))
			return api_fail(err, API_ERR_PARAMS,
					"event %lld is a %s event (%s), not a decision: nothing to explain",
					(long long)id, e->type, e->reason);
	}
	const struct explain_record *old = d->decisions.len ? tel_ring_get(&d->decisions, 0) : NULL;
	return api_fail(err, API_ERR_FAILED,
			"the evidence of event %lld is no longer held (the oldest decision held is %llu; "
			"telemetry_max_kb sizes what is kept)", (long long)id,
			old ? (unsigned long long)old->ev.id : 0ULL);
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

/* Ask netifd again now (the hotplug script's call); the state before it. */
static struct json_object *m_discover(struct daemon *d, struct json_object *params,
				      struct api_error *err)
{
	struct json_object *o = daemon_disc_json(d);
	daemon_disc_kick(d, "api");
	json_object_object_add(o, "started", json_object_new_boolean(true));
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
	{ "discover", m_discover, true },
	{ "explain", m_explain, false },
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
