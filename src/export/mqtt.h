/*
 * mqtt.h - one MQTT connection (libmosquitto) driven by the daemon's libev
 * loop: no thread, no blocking connect.
 *
 * mosquitto_connect_async() opens a non-blocking socket; an ev_io on
 * mosquitto_socket() calls mosquitto_loop_read() when it is readable and
 * mosquitto_loop_write() when libmosquitto has something to send; a timer
 * calls mosquitto_loop_misc() (keepalive pings) at a quarter of the
 * keepalive while connected. A connection that is refused, lost, answers
 * garbage or sends no CONNACK within connect_timeout_ms is closed and
 * tried again after a backoff (retry_min_ms doubling up to retry_max_ms,
 * +-20 % jitter); the state, the last error and since when are kept for
 * `status.mqtt`.
 *
 * The last will (will_topic, will_payload, retained) is set before every
 * connect; on a clean stop the same topic is published with stop_payload.
 * Publishes are refused (counted as dropped) while not connected and when
 * more than max_inflight messages are queued and not yet sent or acked:
 * memory stays bounded whatever the broker does.
 *
 * A broker given by name (anything but a numeric IPv4/IPv6 address) is
 * resolved off the loop before every attempt: `resolver --resolve NAME`
 * runs as a child (util/proc: resolve_timeout_ms, output capped, killed on
 * timeout) and prints one numeric address a line; a failure or a timeout
 * is a failed attempt (last_error "resolve NAME: ...", then the backoff).
 * Without TLS the connection goes to the address (the next one of the list
 * on the next attempt, a new resolution when all were tried). With TLS
 * libmosquitto needs the name to check the certificate: it is given the
 * name right after the child resolved it, so the local resolver answers
 * from its cache.
 */
#ifndef SF_MQTT_H
#define SF_MQTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metric.h"

struct ev_loop;
struct mqtt_client;

#define MQTT_STR_MAX 160

struct mqtt_opts {
	char host[MQTT_STR_MAX];
	int port;
	char client_id[MQTT_STR_MAX];
	char username[MQTT_STR_MAX], password[MQTT_STR_MAX];	/* "" none */
	bool tls;
	char tls_ca_file[MQTT_STR_MAX], tls_cert_file[MQTT_STR_MAX], tls_key_file[MQTT_STR_MAX];
	bool tls_insecure;		/* do not check the broker's host name */
	int keepalive_s;
	int connect_timeout_ms;
	int retry_min_ms, retry_max_ms;
	int max_inflight;
	char will_topic[MQTT_STR_MAX];
	char will_payload[32], stop_payload[32];
	char resolver[MQTT_STR_MAX];	/* program run as `resolver --resolve NAME` */
	int resolve_timeout_ms;
};

enum mqtt_state { MQTT_OFF, MQTT_CONNECTING, MQTT_CONNECTED, MQTT_BACKOFF, MQTT_RESOLVING, __MQTT_STATE_MAX };

/* The owner hears when a connection is up (publish retained state, discovery). */
struct mqtt_host {
	void (*connected)(void *ctx);
	void *ctx;
};

/* Start connecting; NULL with err (bad options, libmosquitto refused them).
 * loop must be the default loop when host is a name (util/proc). */
struct mqtt_client *mqtt_new(struct ev_loop *loop, const struct mqtt_opts *opts,
			     const struct mqtt_host *host, char *err, size_t errlen);
/* Publish stop_payload on will_topic if connected, disconnect, free. */
void mqtt_free(struct mqtt_client *c);

/* 0 when queued; -1 when not connected or over max_inflight (counted as dropped). */
int mqtt_publish(struct mqtt_client *c, const char *topic, const void *payload, size_t len, int qos,
		 bool retain);
bool mqtt_connected(const struct mqtt_client *c);

/* `status.mqtt` (mqtt_status_metrics). */
struct mqtt_status_view {
	bool enabled;
	const char *state;		/* off, resolving, connecting, connected, backoff; "unavailable": not built */
	const char *broker;		/* host:port */
	const char *last_error;		/* NULL: none since the daemon started */
	int64_t since;			/* wall clock (Unix time) of the last state change */
	int64_t last_error_at;		/* wall clock of last_error */
	uint64_t connects, failures, published, dropped;
	int inflight;
	int retry_in_ms;		/* backoff: time to the next attempt; -1 otherwise */
	char broker_store[MQTT_STR_MAX + 8];
	char error_store[200];
};
extern const struct metric_desc mqtt_status_metrics[];

/* Fill v (enabled is left to the caller). */
void mqtt_status_fill(const struct mqtt_client *c, struct mqtt_status_view *v);

#endif
