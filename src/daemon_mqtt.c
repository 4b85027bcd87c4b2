/*
 * daemon_mqtt.c - what the daemon publishes over MQTT (docs/MQTT.md), on
 * top of export/mqtt.c. Topics, with base = <mqtt_base_topic>/<node id>:
 *
 *   base/availability     online / offline (retained; offline is the last will)
 *   base/state            the `status` reply (retained), when it changes
 *   base/active           name of the active uplink or "none" (retained)
 *   base/member/<name>    the `metrics` reply of the member + "up" (retained),
 *                         every mqtt_interval_ms and when the state changes
 *   base/event            each event as `events` shows it (QoS 1)
 *
 * and Home Assistant discovery under <mqtt_discovery_prefix>/: per member
 * sensors (state, score, latency, loss, jitter), a connectivity binary
 * sensor (up), and one "active uplink" sensor, all of one device.
 */
#include "daemon_export.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "api_metrics.h"
#include "daemon.h"
#include "log.h"
#include "metric_impl.h"
#include "mqtt.h"

#ifdef SF_HAVE_MQTT

#define TOPIC_MAX 256

static void publish_json(struct daemon_export *x, const char *topic, struct json_object *o, int qos,
			 bool retain)
{
	const char *txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	mqtt_publish(x->mqtt, topic, txt, strlen(txt), qos, retain);
}

static void topic_of(const struct daemon_export *x, char *buf, const char *what, const char *name)
{
	snprintf(buf, TOPIC_MAX, "%s/%s%s%s", x->base, what, name ? "/" : "", name ? name : "");
}

/* A member is up when the engine rates it good or degraded. */
static bool member_up(struct json_object *m)
{
	struct json_object *st;
	if (!json_object_object_get_ex(m, "state", &st) || !json_object_is_type(st, json_type_string))
		return false;
	const char *s = json_object_get_string(st);
	return !strcmp(s, "good") || !strcmp(s, "degraded");
}

static void publish_member(struct daemon_export *x, const struct member *m)
{
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "member", json_object_new_string(m->cfg.name));
	struct json_object *o = daemon_export_call(x->d, "metrics", p);
	json_object_put(p);
	if (!o)
		return;
	json_object_object_add(o, "up", json_object_new_boolean(member_up(o)));
	char topic[TOPIC_MAX];
	topic_of(x, topic, "member", m->cfg.name);
	publish_json(x, topic, o, 0, true);
	json_object_put(o);
}

static void publish_members(struct daemon_export *x)
{
	for (int i = 0; i < x->d->n_members; i++)
		publish_member(x, x->d->members[i]);
}

/* ---- Home Assistant discovery -------------------------------------------- */

static struct json_object *ha_device(const struct daemon_export *x)
{
	char id[96], name[96];
	snprintf(id, sizeof(id), "starfail_%s", x->node_id);
	snprintf(name, sizeof(name), "Starfail %s", x->node_id);
	struct json_object *dev = json_object_new_object(), *ids = json_object_new_array();
	json_object_array_add(ids, json_object_new_string(id));
	json_object_object_add(dev, "identifiers", ids);
	json_object_object_add(dev, "name", json_object_new_string(name));
	json_object_object_add(dev, "manufacturer", json_object_new_string("Starfail"));
	json_object_object_add(dev, "model", json_object_new_string("starfaild multi-uplink failover"));
	json_object_object_add(dev, "sw_version", json_object_new_string(SF_VERSION));
	return dev;
}

struct ha_entity {
	const char *component;		/* sensor, binary_sensor */
	const char *key;		/* object id suffix and JSON field */
	const char *label;		/* shown name after the member's */
	const char *unit;
	const char *device_class;
	const char *template_;
};

static const struct ha_entity member_entities[] = {
	{ "sensor", "state", "state", NULL, NULL, "{{ value_json.state }}" },
	{ "sensor", "score", "score", NULL, NULL, "{{ value_json.score }}" },
	{ "sensor", "latency_ms", "latency", "ms", "duration", "{{ value_json.latency_ms }}" },
	{ "sensor", "loss_pct", "loss", "%", NULL, "{{ value_json.loss_pct }}" },
	{ "sensor", "jitter_ms", "jitter", "ms", "duration", "{{ value_json.jitter_ms }}" },
	{ "binary_sensor", "up", "up", NULL, "connectivity", "{{ 'ON' if value_json.up else 'OFF' }}" },
};
#define N_ENTITIES (sizeof(member_entities) / sizeof(member_entities[0]))

static void discovery_topic(const struct daemon_export *x, char *buf, const char *component,
			    const char *object)
{
	snprintf(buf, TOPIC_MAX, "%s/%s/starfail_%s/%s/config", x->d->cfg.mqtt.discovery_prefix, component,
		 x->node_id, object);
}

static void publish_entity(struct daemon_export *x, const char *component, const char *object,
			   const char *name, const char *state_topic, const struct ha_entity *e)
{
	char topic[TOPIC_MAX], uid[160], avail[TOPIC_MAX];
	discovery_topic(x, topic, component, object);
	snprintf(uid, sizeof(uid), "starfail_%s_%s", x->node_id, object);
	topic_of(x, avail, "availability", NULL);
	struct json_object *c = json_object_new_object();
	json_object_object_add(c, "name", json_object_new_string(name));
	json_object_object_add(c, "unique_id", json_object_new_string(uid));
	json_object_object_add(c, "object_id", json_object_new_string(uid));
	json_object_object_add(c, "state_topic", json_object_new_string(state_topic));
	json_object_object_add(c, "availability_topic", json_object_new_string(avail));
	if (e && e->template_)
		json_object_object_add(c, "value_template", json_object_new_string(e->template_));
	if (e && e->unit) {
		json_object_object_add(c, "unit_of_measurement", json_object_new_string(e->unit));
		json_object_object_add(c, "state_class", json_object_new_string("measurement"));
	}
	if (e && e->device_class)
		json_object_object_add(c, "device_class", json_object_new_string(e->device_class));
	if (!e)
		json_object_object_add(c, "icon", json_object_new_string("mdi:router-network"));
	json_object_object_add(c, "device", ha_device(x));
	publish_json(x, topic, c, 1, true);
	json_object_put(c);
}

static void discovery_member(struct daemon_export *x, const char *name, bool remove)
{
	char state[TOPIC_MAX];
	topic_of(x, state, "member", name);
	for (size_t i = 0; i < N_ENTITIES; i++) {
		const struct ha_entity *e = &member_entities[i];
		char object[96], label[96], topic[TOPIC_MAX];
		snprintf(object, sizeof(object), "%s_%s", name, e->key);
		snprintf(label, sizeof(label), "%s %s", name, e->label);
		if (remove) {
			discovery_topic(x, topic, e->component, object);
			mqtt_publish(x->mqtt, topic, "", 0, 1, true);	/* empty retained: entity gone */
		} else {
			publish_entity(x, e->component, object, label, state, e);
		}
	}
}

/* Discovery configs of every member now; empty ones for members gone since. */
static void publish_discovery(struct daemon_export *x)
{
	struct daemon *d = x->d;
	if (!d->cfg.mqtt.discovery)
		return;
	for (int i = 0; i < x->n_discovered; i++)
		if (!daemon_find_member(d, x->discovered[i]))
			discovery_member(x, x->discovered[i], true);
	x->n_discovered = 0;
	for (int i = 0; i < d->n_members; i++) {
		discovery_member(x, d->members[i]->cfg.name, false);
		if (x->n_discovered < (int)(sizeof(x->discovered) / sizeof(x->discovered[0])))
			snprintf(x->discovered[x->n_discovered++], TEL_NAME_MAX, "%s", d->members[i]->cfg.name);
	}
	char active[TOPIC_MAX];
	topic_of(x, active, "active", NULL);
	publish_entity(x, "sensor", "active_uplink", "active uplink", active, NULL);
}

/* ---- state, events, cadence ---------------------------------------------- */

static uint64_t state_signature(const struct daemon *d)
{
	uint64_t h = 1469598103934665603ull;
#define MIX(v) (h = (h ^ (uint64_t)(v)) * 1099511628211ull)
	MIX(d->primary + 1);
	MIX(d->decision.reason);
	MIX(d->engine ? engine_pinned(d->engine) + 2 : 0);
	MIX(d->n_members);
	for (int i = 0; i < d->n_members; i++) {
		const char *why;
		const char *st = daemon_member_state(d, d->members[i], &why);
		for (const char *p = st; *p; p++)
			MIX(*p);
	}
#undef MIX
	return h;
}

static void publish_state(struct daemon_export *x)
{
	struct json_object *st = daemon_export_call(x->d, "status", NULL);
	char topic[TOPIC_MAX];
	if (st) {
		topic_of(x, topic, "state", NULL);
		publish_json(x, topic, st, 1, true);
		json_object_put(st);
	}
	const char *active = x->d->primary >= 0 ? x->d->members[x->d->primary]->cfg.name : "none";
	topic_of(x, topic, "active", NULL);
	mqtt_publish(x->mqtt, topic, active, strlen(active), 1, true);
}

static void publish_event(struct daemon_export *x, const struct tel_event *ev)
{
	struct event_view v = { .time = ev->wall_s, .age_s = (daemon_now_ms(x->d) - ev->t_ms) / 1000.0,
				.ev = *ev };
	struct json_object *o = metric_object(event_metrics, &v);
	char topic[TOPIC_MAX];
	topic_of(x, topic, "event", NULL);
	publish_json(x, topic, o, 1, false);
	json_object_put(o);
}

void daemon_mqtt_event(struct daemon_export *x, const struct tel_event *ev)
{
	if (!x->mqtt)
		return;
	if (mqtt_connected(x->mqtt)) {
		publish_event(x, ev);
		return;
	}
	if (x->n_pending == EXPORT_EVENTS_PENDING) {
		memmove(x->pending, x->pending + 1, sizeof(x->pending[0]) * (EXPORT_EVENTS_PENDING - 1));
		x->n_pending--;
		x->events_lost++;
	}
	x->pending[x->n_pending++] = *ev;
}

void daemon_mqtt_state(struct daemon_export *x, bool force)
{
	if (!mqtt_connected(x->mqtt))
		return;
	uint64_t sig = state_signature(x->d);
	if (!force && sig == x->state_sig)
		return;
	x->state_sig = sig;
	publish_state(x);
	publish_members(x);
}

static void on_connected(void *ctx)
{
	struct daemon_export *x = ctx;
	char topic[TOPIC_MAX];
	topic_of(x, topic, "availability", NULL);
	mqtt_publish(x->mqtt, topic, "online", 6, 1, true);
	publish_discovery(x);
	daemon_mqtt_state(x, true);
	for (int i = 0; i < x->n_pending; i++)
		publish_event(x, &x->pending[i]);
	x->n_pending = 0;
}

static void cadence_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon_export *x = w->data;
	if (mqtt_connected(x->mqtt))
		publish_members(x);
}

void daemon_mqtt_members_changed(struct daemon_export *x)
{
	if (mqtt_connected(x->mqtt)) {
		publish_discovery(x);
		daemon_mqtt_state(x, true);
	}
}

static void node_id_of(const struct mqtt_params *p, char *buf, size_t len)
{
	char host[64] = "";
	const char *src = p->node_id;
	if (!*src) {
		if (gethostname(host, sizeof(host) - 1) < 0 || !*host)
			snprintf(host, sizeof(host), "router");
		src = host;
	}
	size_t i = 0;
	for (; src[i] && i + 1 < len && i < 32; i++) {
		char c = src[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '-';
		buf[i] = ok ? c : '_';
	}
	buf[i] = '\0';
}

void daemon_mqtt_start(struct daemon_export *x)
{
	const struct mqtt_params *p = &x->d->cfg.mqtt;
	x->mqtt_error[0] = '\0';
	x->state_sig = 0;
	if (!p->enable)
		return;
	node_id_of(p, x->node_id, sizeof(x->node_id));
	snprintf(x->base, sizeof(x->base), "%s/%s", p->base_topic, x->node_id);
	struct mqtt_opts o = {
		.port = p->port, .tls = p->tls, .tls_insecure = p->tls_insecure,
		.keepalive_s = p->keepalive_s, .connect_timeout_ms = 10000,
		.retry_min_ms = p->retry_min_ms, .retry_max_ms = p->retry_max_ms,
		.max_inflight = p->max_inflight, .resolve_timeout_ms = p->resolve_timeout_ms,
	};
	snprintf(o.resolver, sizeof(o.resolver), "/proc/self/exe");	/* starfaild --resolve NAME */
	snprintf(o.host, sizeof(o.host), "%s", p->host);
	if (*p->client_id)
		snprintf(o.client_id, sizeof(o.client_id), "%s", p->client_id);
	else
		snprintf(o.client_id, sizeof(o.client_id), "starfail-%s", x->node_id);
	snprintf(o.username, sizeof(o.username), "%s", p->username);
	snprintf(o.password, sizeof(o.password), "%s", p->password);
	snprintf(o.tls_ca_file, sizeof(o.tls_ca_file), "%s", p->tls_ca_file);
	snprintf(o.tls_cert_file, sizeof(o.tls_cert_file), "%s", p->tls_cert_file);
	snprintf(o.tls_key_file, sizeof(o.tls_key_file), "%s", p->tls_key_file);
	snprintf(o.will_topic, sizeof(o.will_topic), "%s/availability", x->base);
	snprintf(o.will_payload, sizeof(o.will_payload), "offline");
	snprintf(o.stop_payload, sizeof(o.stop_payload), "offline");
	struct mqtt_host host = { .connected = on_connected, .ctx = x };
	x->mqtt = mqtt_new(x->d->loop, &o, &host, x->mqtt_error, sizeof(x->mqtt_error));
	if (!x->mqtt) {
		log_err("mqtt: %s", x->mqtt_error);
		return;
	}
	ev_timer_init(&x->cadence, cadence_cb, p->interval_ms / 1000.0, p->interval_ms / 1000.0);
	x->cadence.data = x;
	ev_timer_start(x->d->loop, &x->cadence);
	log_info("mqtt: broker=%s:%d topics=%s/# discovery=%s", p->host, p->port, x->base,
		 p->discovery ? p->discovery_prefix : "off");
}

void daemon_mqtt_stop(struct daemon_export *x)
{
	if (!x->mqtt)
		return;
	ev_timer_stop(x->d->loop, &x->cadence);
	mqtt_free(x->mqtt);
	x->mqtt = NULL;
}

struct json_object *daemon_mqtt_status_json(const struct daemon_export *x)
{
	struct mqtt_status_view v = { .enabled = x->d->cfg.mqtt.enable };
	mqtt_status_fill(x->mqtt, &v);
	if (!x->mqtt && *x->mqtt_error)
		v.last_error = x->mqtt_error;
	return metric_object(mqtt_status_metrics, &v);
}

#else	/* !SF_HAVE_MQTT: the options are read, the status says why nothing happens */

void daemon_mqtt_start(struct daemon_export *x)
{
	if (x->d->cfg.mqtt.enable)
		log_err("mqtt: mqtt_enable is 1 but MQTT is not in this build (SF_MQTT=OFF)");
}

void daemon_mqtt_stop(struct daemon_export *x) {}
void daemon_mqtt_event(struct daemon_export *x, const struct tel_event *ev) {}
void daemon_mqtt_state(struct daemon_export *x, bool force) {}
void daemon_mqtt_members_changed(struct daemon_export *x) {}

struct json_object *daemon_mqtt_status_json(const struct daemon_export *x)
{
	struct mqtt_status_view v = { .enabled = x->d->cfg.mqtt.enable, .state = "unavailable",
				      .retry_in_ms = -1 };
	if (v.enabled)
		v.last_error = "not in this build (SF_MQTT=OFF)";
	return metric_object(mqtt_status_metrics, &v);
}

#endif
