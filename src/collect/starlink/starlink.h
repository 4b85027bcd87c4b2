/*
 * starlink.h - the Starlink collector: talks gRPC natively to the dish's
 * local API (HTTP/2 cleartext, /SpaceX.API.Device.Device/Handle) from the
 * daemon's libev loop and turns its replies into struct sample.
 *
 * One collector per Starlink member. It keeps one HTTP/2 connection open
 * between polls (socket bound to the member's device, so the dish is reached
 * even when Starlink is not the primary uplink), asks get_status every
 * status interval, get_history every history interval (only the one-second
 * samples that are new since the last read are folded in, so a burst
 * between polls is not lost) and get_device_info at start and after a dish
 * reboot. Every poll ends in exactly one on_update() call: either with the
 * measured values, or with sl.reachable = TRI_FALSE and the reason kept for
 * starlink_metrics_json() -- never with invented values.
 *
 * Failures (refused, timeout, gRPC status, bad reply) reset the connection;
 * the next poll reconnects after an exponential backoff. They are not
 * logged per poll: as a collector, each poll's outcome goes to the host's
 * fault callback (starlink_on_fault), which logs and raises an event when
 * the fault starts, changes or ends, and a summary while it lasts.
 *
 * Memory is bounded at creation: fixed receive buffer (message cap), a
 * fixed decode arena for protobuf-c, a recycling pool for nghttp2. After
 * warm-up a poll does no malloc (see bench/starlink.sh).
 */
#ifndef SF_STARLINK_H
#define SF_STARLINK_H

#include <stdbool.h>
#include <stdint.h>

#include "cfgtab.h"
#include "collector.h"
#include "sample.h"

struct ev_loop;
struct json_object;

/* Tunables of one Starlink member (UCI `config member` of class starlink). */
struct starlink_params {
	char host[CFG_STR_MAX];		/* dish_host: numeric IPv4/IPv6, no DNS */
	int port;			/* dish_port */
	int timeout_ms;			/* dish_timeout_ms: deadline of one call, connect included */
	int status_interval_ms;		/* dish_status_interval_ms */
	int history_interval_ms;	/* dish_history_interval_ms (< 900 s ring) */
	int backoff_min_ms;		/* dish_backoff_min_ms: first retry delay after a failure */
	int backoff_max_ms;		/* dish_backoff_max_ms */
	int obstruction_window_ms;	/* dish_obstruction_window_ms: span of obstruction_rise_pct */
};

extern const struct cfg_option starlink_options[];

/* Fill p with the defaults of starlink_options (for tests and tools). */
void starlink_params_defaults(struct starlink_params *p);

/* Why the last poll failed; kept in the JSON as "kind". */
enum starlink_error {
	SL_ERR_NONE,
	SL_ERR_REFUSED,		/* TCP connect refused */
	SL_ERR_CONNECT,		/* other connect/socket error (unreachable, bind) */
	SL_ERR_TIMEOUT,		/* call deadline (timeout_ms) exceeded */
	SL_ERR_CLOSED,		/* peer closed or reset the connection */
	SL_ERR_HTTP2,		/* HTTP/2 protocol error, stream reset */
	SL_ERR_HTTP_STATUS,	/* :status other than 200 */
	SL_ERR_CONTENT_TYPE,	/* content-type is not application/grpc */
	SL_ERR_GRPC_STATUS,	/* grpc-status != 0 (code in grpc_status) */
	SL_ERR_FRAME,		/* bad gRPC message framing / over the size cap */
	SL_ERR_DECODE,		/* protobuf does not decode */
	SL_ERR_REPLY,		/* decoded, but not the reply asked for */
	__SL_ERR_MAX
};

const char *starlink_error_name(enum starlink_error e);

/*
 * Create a collector and start polling (first poll right away).
 * bind_device: SO_BINDTODEVICE target, NULL for none (tests on loopback).
 * on_update: called once per poll with a fresh sample: t_ms (clock_mono_ms()
 * when the status reply arrived, or when the poll was known to have failed)
 * and s->sl.* are set, every other field is left unknown for the daemon
 * to merge with the member's probe samples. The pointer is valid during the
 * call only.
 * Returns NULL (and logs why) when the params are invalid.
 */
struct starlink *starlink_new(struct ev_loop *loop, const struct starlink_params *p,
			      const char *bind_device,
			      void (*on_update)(void *ctx, const struct sample *s), void *ctx);
void starlink_free(struct starlink *sl);

/*
 * After every poll, also on_fault(ctx, reason) when it failed -- one stable
 * line per kind of failure (refused, unreachable, timeout, gRPC status N
 * NAME, closed, unusable reply), without the dish's own message -- or
 * on_fault(ctx, NULL) when it worked: collector_host.fault. ctx is
 * starlink_new's. NULL (the default): not told.
 */
void starlink_on_fault(struct starlink *sl, void (*on_fault)(void *ctx, const char *reason));

/* Poll now (unless a poll is in progress); the periodic cadence resumes after. */
void starlink_poll_now(struct starlink *sl);

/*
 * Latest metrics and collector state as a new json-c object (caller puts
 * it): connected, state, last_error {kind, grpc_status, message}, polls
 * ok/failed, bytes per poll, device info, status and history metrics and
 * predictive signals. Unknown values are JSON null.
 */
struct json_object *starlink_metrics_json(const struct starlink *sl);

/* The latest sample delivered (or an all-unknown one before the first poll). */
const struct sample *starlink_last_sample(const struct starlink *sl);

/* The collector of class starlink members (registry.c): options starlink_options. */
extern const struct collector_ops starlink_collector;

#endif
