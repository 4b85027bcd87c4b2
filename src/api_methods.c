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

#include <json-c/json.h>

#include "api.h"
#include "daemon.h"
#include "log.h"

typedef struct json_object *(*method_fn)(struct daemon *d, struct json_object *params,
					 struct api_error *err);

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
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(c->name));
	json_object_object_add(o, "class", json_object_new_string(member_class_name(c->cls)));
	json_object_object_add(o, "interface", jstr_or_null(c->interface));
	json_object_object_add(o, "device", jstr_or_null(c->device));
	json_object_object_add(o, "enabled", json_object_new_boolean(c->enabled));
	json_object_object_add(o, "priority", json_object_new_int(c->priority));
	json_object_object_add(o, "weight", json_object_new_int(c->weight));
	json_object_object_add(o, "metered", json_object_new_boolean(c->metered));
	json_object_object_add(o, "state", json_object_new_string(member_state_name(m->state)));
	json_object_object_add(o, "reason", json_object_new_string(m->reason));
	json_object_object_add(o, "age_s",
			       json_object_new_double((daemon_now_ms(d) - m->since_ms) / 1000.0));
	json_object_object_add(o, "latency_ms", jnum(m->last.latency_ms));
	json_object_object_add(o, "loss_pct", jnum(m->last.loss_pct));
	json_object_object_add(o, "jitter_ms", jnum(m->last.jitter_ms));
	return o;
}

static struct json_object *members_array(const struct daemon *d)
{
	struct json_object *a = json_object_new_array();
	for (int i = 0; i < d->n_members; i++)
		json_object_array_add(a, member_json(d, d->members[i]));
	return a;
}

static struct json_object *m_status(struct daemon *d, struct json_object *params,
				    struct api_error *err)
{
	struct json_object *o = json_object_new_object();
	const struct core_params *c = &d->cfg.core;

	json_object_object_add(o, "version", json_object_new_string(SF_VERSION));
	json_object_object_add(o, "state", json_object_new_string(c->enable ? "running" : "disabled"));
	json_object_object_add(o, "current", NULL);
	json_object_object_add(o, "controller",
			       json_object_new_string(d->opts.dry_run ? "dryrun"
								      : controller_kind_name(c->controller)));
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

	struct json_object *mem = json_object_new_object();
	json_object_object_add(mem, "rss_kb", json_object_new_int64(proc_status_kb("VmRSS")));
	json_object_object_add(mem, "rss_peak_kb", json_object_new_int64(proc_status_kb("VmHWM")));
	json_object_object_add(mem, "members_bytes",
			       json_object_new_int64((int64_t)(d->n_members * sizeof(struct member))));
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
	return o;
}

static const struct method methods[] = {
	{ "status", m_status, false },
	{ "members", m_members, false },
	{ "config", m_config, false },
	{ "version", m_version, false },
	{ "setlog", m_setlog, true },
	{ "reload", m_reload, true },
};

struct json_object *daemon_api_dispatch(void *ctx, const char *method, struct json_object *params,
					const struct api_peer *peer, struct api_error *err)
{
	struct daemon *d = ctx;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		const struct method *m = &methods[i];
		if (strcmp(m->name, method))
			continue;
		if (m->mutating && !peer->may_mutate) {
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
