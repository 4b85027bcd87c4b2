/*
 * daemon_export.h - the daemon's side of the exporters (src/export/): what
 * the Prometheus endpoint shows and what goes to MQTT, built from the same
 * JSON the API's `status` and `metrics` methods answer (so the exporters,
 * the API and docs/METRICS.md show the same figures).
 *
 * Both are off unless configured (prometheus_enable, mqtt_enable) and
 * never stop the daemon: an endpoint that cannot listen or a broker that
 * cannot be reached is logged and shown in `status.prometheus` and
 * `status.mqtt`, and tried again on reload (MQTT: by itself, with backoff).
 *
 * An event sink on the daemon's bus counts events by type and reason
 * (starfail_events_total, starfail_switches_total) and hands them to MQTT
 * and to the notifications (hooks, webhook: export/notify.h);
 * while the broker is away the latest EXPORT_EVENTS_PENDING wait for it.
 */
#ifndef SF_DAEMON_EXPORT_H
#define SF_DAEMON_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>

#include "cfgtab.h"
#include "telemetry.h"

struct daemon;
struct json_object;
struct sf_config;
struct mqtt_client;
struct prom_http;
struct notifier;

#define EXPORT_EVENT_KINDS_MAX 64	/* (type, reason) pairs counted; more go to "other" */
#define EXPORT_EVENTS_PENDING 32
#define EXPORT_LISTEN_RETRY_S 10	/* the LAN address may come up after the daemon */

struct export_event_count {
	char type[TEL_NAME_MAX], reason[TEL_NAME_MAX];
	uint64_t n;
};

struct daemon_export {
	struct daemon *d;
	/* Prometheus */
	struct prom_http *http;
	char prom_listen[96];
	char prom_error[200];
	ev_timer prom_retry;		/* could not listen (address not up yet): try again */
	/* MQTT */
	struct mqtt_client *mqtt;
	char mqtt_error[200];		/* could not be set up */
	char node_id[40], base[CFG_STR_MAX + 40];	/* <base_topic>/<node_id> */
	ev_timer cadence;
	uint64_t state_sig;		/* what the retained state showed last */
	char discovered[16][TEL_NAME_MAX];	/* members with discovery configs published */
	int n_discovered;
	struct tel_event pending[EXPORT_EVENTS_PENDING];
	int n_pending;
	uint64_t events_lost;		/* pushed out of pending */
	/* hooks and webhook */
	struct notifier *notify;
	char notify_error[200];
	/* every event, by kind */
	struct export_event_count kinds[EXPORT_EVENT_KINDS_MAX];
	int n_kinds;
	uint64_t kinds_other;
};

/* Start what the config asks for (after the API). Never fails the daemon. */
void daemon_export_start(struct daemon *d);
/* After a reload took effect: restart what changed, refresh discovery. */
void daemon_export_reload(struct daemon *d, const struct sf_config *old);
/* After each decision: publish the retained state when it changed. */
void daemon_export_decided(struct daemon *d);
void daemon_export_stop(struct daemon *d);
/* Add `prometheus`, `mqtt` and `notify` to the status reply. */
void daemon_export_status(struct daemon *d, struct json_object *status);

/* daemon_mqtt.c */
void daemon_mqtt_start(struct daemon_export *x);
void daemon_mqtt_stop(struct daemon_export *x);
void daemon_mqtt_event(struct daemon_export *x, const struct tel_event *ev);
void daemon_mqtt_state(struct daemon_export *x, bool force);
void daemon_mqtt_members_changed(struct daemon_export *x);
/* `status.mqtt` as JSON. */
struct json_object *daemon_mqtt_status_json(const struct daemon_export *x);

/* The API's reply to method (non-mutating) with params, or NULL. */
struct json_object *daemon_export_call(struct daemon *d, const char *method, struct json_object *params);

#endif
