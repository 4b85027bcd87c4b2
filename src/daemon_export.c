/* daemon_export.c - lifecycle of the exporters, the event sink, the Prometheus exposition; see daemon_export.h */
#include "daemon_export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sys/resource.h>

#include <json-c/json.h>

#include "api.h"
#include "api_metrics.h"
#include "cfgtab_impl.h"
#include "daemon.h"
#include "log.h"
#include "metric_impl.h"
#include "mqtt.h"
#include "notify.h"
#include "prom.h"
#include "prom_http.h"
#ifdef SF_HAVE_STARLINK
#include "starlink_metrics.h"
#endif
#include "wifi_metrics.h"

#define PROM_REPLY_MAX (1024 * 1024)	/* 16 Starlink members are ~300 KB */

struct json_object *daemon_export_call(struct daemon *d, const char *method, struct json_object *params)
{
	struct api_peer peer = { .uid = 0, .gid = 0, .fd = -1 };
	struct api_error err = { 0 };
	struct json_object *o = daemon_api_dispatch(d, method, params, &peer, &err);
	if (!o)
		log_debug("export: %s failed: %s", method, err.message);
	return o;
}

/* ---- events: counted by kind, handed to MQTT ---------------------------- */

static void count_event(struct daemon_export *x, const struct tel_event *ev)
{
	for (int i = 0; i < x->n_kinds; i++)
		if (!strcmp(x->kinds[i].type, ev->type) && !strcmp(x->kinds[i].reason, ev->reason)) {
			x->kinds[i].n++;
			return;
		}
	if (x->n_kinds >= EXPORT_EVENT_KINDS_MAX) {
		x->kinds_other++;
		return;
	}
	struct export_event_count *k = &x->kinds[x->n_kinds++];
	snprintf(k->type, sizeof(k->type), "%s", ev->type);
	snprintf(k->reason, sizeof(k->reason), "%s", ev->reason);
	k->n = 1;
}

static void export_sink(void *ctx, const struct tel_event *ev)
{
	struct daemon_export *x = ctx;
	count_event(x, ev);
	daemon_mqtt_event(x, ev);
	notify_event(x->notify, ev);
}

/* ---- Prometheus ---------------------------------------------------------- */
#ifdef SF_HAVE_PROMETHEUS

/* free text or what is a label already: a new series at every change */
static const char *const status_skip[] = {
	"reason_text", "config.path", "config.error", "controller.state", "controller.error",
	"controller.drift", "controller.last_repair.what", "mqtt.last_error", "prometheus.error",
	"notify.hook_error", "notify.last_error", NULL
};
static const char *const member_skip[] = {
	"name", "link.reason", "probe.reason", "starlink.last_error.message",
	"starlink.last_history_error.message", "starlink.last_device_info_error.message",
	"wifi.nl80211.reason", "wifi.iwinfo.reason", "wifi.radio.bssid", "wifi.radio.ssid", NULL
};

/* status, as its reply has it: its own table, the exporters' objects */
static const struct metric_desc status_reply_metrics[] = {
	{ METRIC("status", METRIC_OBJECT, 0, NULL, METRIC_GAUGE, "The daemon."),
	  .flags = METRIC_F_INLINE, .sub = status_metrics },
	{ METRIC("prometheus", METRIC_OBJECT, 0, NULL, METRIC_GAUGE, "The scrape endpoint."),
	  .sub = prom_status_metrics },
	{ METRIC("mqtt", METRIC_OBJECT, 0, NULL, METRIC_GAUGE, "The MQTT connection."),
	  .sub = mqtt_status_metrics },
	{ METRIC("notify", METRIC_OBJECT, 0, NULL, METRIC_GAUGE, "The notifications."),
	  .sub = notify_status_metrics },
	METRIC_END
};

/* a member, as the `metrics` reply has it, the collectors' objects included */
static const struct metric_desc member_reply_metrics[] = {
	{ METRIC("member", METRIC_OBJECT, 0, NULL, METRIC_GAUGE, "The member."),
	  .flags = METRIC_F_INLINE, .sub = member_detail_metrics },
#ifdef SF_HAVE_STARLINK
	{ METRIC("starlink", METRIC_OBJPTR, 0, NULL, METRIC_GAUGE, "The dish."),
	  .sub = starlink_view_metrics },
#endif
	{ METRIC("wifi", METRIC_OBJPTR, 0, NULL, METRIC_GAUGE, "The Wi-Fi station."), .sub = wifi_view_metrics },
	METRIC_END
};

static void write_process(struct prom_out *o, const struct daemon *d)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			     (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		prom_write_header(o, "process_cpu_seconds_total", "counter",
				  "CPU time of starfaild, user and system.");
		prom_write_sample(o, "process_cpu_seconds_total", NULL, 0, cpu);
	}
	prom_write_header(o, "process_start_time_seconds", "gauge", "Wall clock (Unix time) starfaild started.");
	prom_write_sample(o, "process_start_time_seconds", NULL, 0, (double)d->started_wall);
}

static void write_events(struct prom_out *o, const struct daemon_export *x)
{
	prom_write_header(o, "starfail_events_total", "counter",
			  "Events since the daemon started, by type and reason (starfailctl events).");
	for (int i = 0; i < x->n_kinds; i++) {
		struct prom_label l[2] = { { "type", x->kinds[i].type }, { "reason", x->kinds[i].reason } };
		prom_write_sample(o, "starfail_events_total", l, 2, (double)x->kinds[i].n);
	}
	if (x->kinds_other) {
		struct prom_label l[2] = { { "type", "other" }, { "reason", "other" } };
		prom_write_sample(o, "starfail_events_total", l, 2, (double)x->kinds_other);
	}
	prom_write_header(o, "starfail_switches_total", "counter",
			  "Switches of the primary uplink since the daemon started, by reason.");
	bool any = false;
	for (int i = 0; i < x->n_kinds; i++) {
		if (strcmp(x->kinds[i].type, "switch"))
			continue;
		struct prom_label l = { "reason", x->kinds[i].reason };
		prom_write_sample(o, "starfail_switches_total", &l, 1, (double)x->kinds[i].n);
		any = true;
	}
	if (!any) {
		struct prom_label l = { "reason", "none" };
		prom_write_sample(o, "starfail_switches_total", &l, 1, 0);
	}
}

static void prom_render(void *ctx, struct prom_out *o)
{
	struct daemon_export *x = ctx;
	struct daemon *d = x->d;
	struct json_object *st = daemon_export_call(d, "status", NULL);
	if (st) {
		struct prom_instance in = { .obj = st };
		struct prom_table_opts opts = { .prefix = "starfail", .skip = status_skip };
		prom_write_table(o, &opts, status_reply_metrics, &in, 1);
		json_object_put(st);
	}
	struct json_object *objs[MAX_MEMBERS];
	struct prom_label labels[MAX_MEMBERS];
	struct prom_instance inst[MAX_MEMBERS];
	int n = 0;
	for (int i = 0; i < d->n_members && n < MAX_MEMBERS; i++) {
		struct json_object *p = json_object_new_object();
		json_object_object_add(p, "member", json_object_new_string(d->members[i]->cfg.name));
		objs[n] = daemon_export_call(d, "metrics", p);
		json_object_put(p);
		if (!objs[n])
			continue;
		labels[n] = (struct prom_label){ "member", d->members[i]->cfg.name };
		inst[n] = (struct prom_instance){ .obj = objs[n], .labels = &labels[n], .n_labels = 1 };
		n++;
	}
	struct prom_table_opts opts = { .prefix = "starfail_member", .skip = member_skip };
	prom_write_table(o, &opts, member_reply_metrics, inst, n);
	for (int i = 0; i < n; i++)
		json_object_put(objs[i]);
	write_events(o, x);
	write_process(o, d);
}

#endif	/* SF_HAVE_PROMETHEUS */

static void prom_start(struct daemon_export *x)
{
	const struct prom_params *p = &x->d->cfg.prom;
	x->prom_error[0] = x->prom_listen[0] = '\0';
	if (!p->enable)
		return;
#ifdef SF_HAVE_PROMETHEUS
	struct prom_http_limits lim = {
		.max_clients = p->max_clients, .timeout_ms = p->timeout_ms,
		.max_request_bytes = p->max_request_bytes, .max_reply_bytes = PROM_REPLY_MAX,
	};
	x->http = prom_http_new(x->d->loop, p->listen, p->port, &lim, prom_render, x, x->prom_error,
				sizeof(x->prom_error));
	bool v6 = strchr(p->listen, ':') != NULL;
	snprintf(x->prom_listen, sizeof(x->prom_listen), "%s%s%s:%d", v6 ? "[" : "", p->listen,
		 v6 ? "]" : "", p->port);
	if (x->http) {
		log_info("prometheus: listening on http://%s/metrics", x->prom_listen);
		ev_timer_stop(x->d->loop, &x->prom_retry);
	} else if (!ev_is_active(&x->prom_retry)) {
		log_err("prometheus: %s (tried again every %d s)", x->prom_error, EXPORT_LISTEN_RETRY_S);
		ev_timer_start(x->d->loop, &x->prom_retry);
	}
#else
	snprintf(x->prom_error, sizeof(x->prom_error), "not in this build (SF_PROMETHEUS=OFF)");
	log_err("prometheus: prometheus_enable is 1 but the endpoint is %s", x->prom_error);
#endif
}

static void prom_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon_export *x = w->data;
	if (!x->http)
		prom_start(x);
}

static void prom_stop(struct daemon_export *x)
{
	ev_timer_stop(x->d->loop, &x->prom_retry);
#ifdef SF_HAVE_PROMETHEUS
	prom_http_free(x->http);
#endif
	x->http = NULL;
}

/* ---- notifications --------------------------------------------------------- */

/* The URL from notify_webhook_url or the first line of notify_webhook_url_file. */
static int webhook_url(const struct notify_params *p, char *buf, size_t len, char *err, size_t errlen)
{
	snprintf(buf, len, "%s", p->webhook_url);
	if (!*p->webhook_url_file)
		return 0;
	FILE *f = fopen(p->webhook_url_file, "re");
	if (!f || !fgets(buf, (int)len, f)) {
		snprintf(err, errlen, "notify_webhook_url_file %s: %s", p->webhook_url_file,
			 f ? "empty" : strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static void notify_start(struct daemon_export *x)
{
	const struct notify_params *p = &x->d->cfg.notify;
	struct notify_opts o = {
		.hook_timeout_ms = p->hook_timeout_ms, .format = (enum notify_format)p->webhook_format,
		.debounce_ms = p->debounce_ms, .rate_per_hour = p->rate_per_hour, .retries = p->retries,
		.timeout_ms = p->timeout_ms, .queue_max = p->queue_max,
	};
	x->notify_error[0] = '\0';
	if (gethostname(o.node, sizeof(o.node) - 1) < 0 || !*o.node)
		snprintf(o.node, sizeof(o.node), "router");
	for (int i = 0; i < p->events.n && i < NOTIFY_KINDS_MAX; i++)
		snprintf(o.kinds[o.n_kinds++], sizeof(o.kinds[0]), "%s", p->events.v[i]);
	snprintf(o.hooks_dir, sizeof(o.hooks_dir), "%s", p->hooks_dir);
	snprintf(o.token, sizeof(o.token), "%s", p->webhook_token);
	snprintf(o.user, sizeof(o.user), "%s", p->webhook_user);
	snprintf(o.chat_id, sizeof(o.chat_id), "%s", p->telegram_chat_id);
	if (webhook_url(p, o.url, sizeof(o.url), x->notify_error, sizeof(x->notify_error)) < 0)
		log_err("notify: %s: no webhook", x->notify_error);
	if (!*o.hooks_dir && !*o.url)
		return;
	char err[200];
	x->notify = notify_new(x->d->loop, &o, err, sizeof(err));
	if (!x->notify) {
		snprintf(x->notify_error, sizeof(x->notify_error), "%s", err);
		log_err("notify: %s", err);
	} else if (*o.url) {
		log_info("notify: webhook format=%s hooks=%s", notify_format_names[o.format],
			 *o.hooks_dir ? o.hooks_dir : "-");
	}
}

static void notify_stop(struct daemon_export *x)
{
	notify_free(x->notify);
	x->notify = NULL;
}

/* ---- lifecycle and status ------------------------------------------------ */

void daemon_export_start(struct daemon *d)
{
	struct daemon_export *x = calloc(1, sizeof(*x));
	if (!x) {
		log_err("export: out of memory: no Prometheus, no MQTT");
		return;
	}
	x->d = d;
	d->exp = x;
	ev_timer_init(&x->prom_retry, prom_retry_cb, EXPORT_LISTEN_RETRY_S, EXPORT_LISTEN_RETRY_S);
	x->prom_retry.data = x;
	if (event_bus_subscribe(&d->bus, "export", export_sink, x) < 0)
		log_err("export: no room on the event bus: events are not exported");
	prom_start(x);
	daemon_mqtt_start(x);
	notify_start(x);
}

void daemon_export_reload(struct daemon *d, const struct sf_config *old)
{
	struct daemon_export *x = d->exp;
	if (!x)
		return;
	if (!cfg_equal(prom_options, &old->prom, &d->cfg.prom) || (d->cfg.prom.enable && !x->http)) {
		prom_stop(x);
		prom_start(x);
	}
	if (!cfg_equal(mqtt_options, &old->mqtt, &d->cfg.mqtt)) {
		daemon_mqtt_stop(x);
		daemon_mqtt_start(x);
	} else {
		daemon_mqtt_members_changed(x);
	}
	/* changed, or notify_webhook_url_file to read again: queued messages are lost */
	if (!cfg_equal(notify_options, &old->notify, &d->cfg.notify) || *d->cfg.notify.webhook_url_file) {
		notify_stop(x);
		notify_start(x);
	}
}

void daemon_export_decided(struct daemon *d)
{
	if (d->exp)
		daemon_mqtt_state(d->exp, false);
}

void daemon_export_stop(struct daemon *d)
{
	struct daemon_export *x = d->exp;
	if (!x)
		return;
	event_bus_unsubscribe(&d->bus, export_sink, x);
	prom_stop(x);
	daemon_mqtt_stop(x);
	notify_stop(x);
	free(x);
	d->exp = NULL;
}

void daemon_export_status(struct daemon *d, struct json_object *status)
{
	struct daemon_export *x = d->exp;
	struct prom_status_view pv = { .enabled = d->cfg.prom.enable };
	if (x) {
		pv.listen = x->http ? x->prom_listen : NULL;
		pv.error = x->prom_error;
#ifdef SF_HAVE_PROMETHEUS
		prom_http_get_stats(x->http, &pv.http);
#endif
	}
	json_object_object_add(status, "prometheus", metric_object(prom_status_metrics, &pv));
	json_object_object_add(status, "mqtt", x ? daemon_mqtt_status_json(x) : NULL);
	struct notify_status_view nv = { 0 };
	notify_status_fill(x ? x->notify : NULL, &nv);
	if (x && !x->notify && *x->notify_error) {
		nv.last_error = x->notify_error;
		nv.enabled = true;
	}
	json_object_object_add(status, "notify", metric_object(notify_status_metrics, &nv));
}
