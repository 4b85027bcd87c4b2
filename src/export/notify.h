/*
 * notify.h - telling people what happened: user hook scripts and one HTTP(S)
 * webhook, both fed from the daemon's event bus (docs/NOTIFICATIONS.md).
 *
 * Only events whose type or reason is in the configured list count (by
 * default switches, all-down, recoveries, dish reboots).
 *
 * Hooks: every executable regular file of hooks_dir (sorted by name, like
 * mwan3.user or hotplug.d) runs once per event through util/proc: an argv
 * of its path and the event type, STARFAIL_* environment variables, no
 * shell, its own process group, killed after hook_timeout_ms; at most
 * NOTIFY_HOOKS_RUNNING (1) at once, so in name order, and NOTIFY_HOOKS_QUEUED
 * waiting; more are dropped and counted.
 *
 * Webhook: events within debounce_ms of the first are one message; at
 * most rate_per_hour messages an hour (more are dropped and counted); the
 * messages wait in a queue of queue_max (the oldest dropped when full) and
 * go one at a time through libcurl's multi interface on the loop: a
 * timeout, at most NOTIFY_REDIRECTS_MAX redirects, http and https only, a
 * reply read up to NOTIFY_REPLY_MAX bytes. A message not answered 2xx is
 * tried again after 1, 2, 4... s up to retries times. The body follows the
 * format: json (our own), ntfy, pushover, telegram or discord. The request
 * uses the routing table as it is: whichever uplink is up.
 */
#ifndef SF_NOTIFY_H
#define SF_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metric.h"
#include "telemetry.h"

struct ev_loop;
struct notifier;

#define NOTIFY_STR_MAX 256
#define NOTIFY_KINDS_MAX 8
#define NOTIFY_HOOKS_RUNNING 1	/* one at a time: in name order, each done before the next */
#define NOTIFY_HOOKS_QUEUED 16
#define NOTIFY_HOOKS_MAX 16		/* scripts in hooks_dir */
#define NOTIFY_REDIRECTS_MAX 3
#define NOTIFY_REPLY_MAX (64 * 1024)
#define NOTIFY_BURST_MAX 8		/* events written out in one message */

enum notify_format { NOTIFY_JSON, NOTIFY_NTFY, NOTIFY_PUSHOVER, NOTIFY_TELEGRAM, NOTIFY_DISCORD,
		     __NOTIFY_FORMAT_MAX };

struct notify_opts {
	char node[64];				/* router name in messages */
	char kinds[NOTIFY_KINDS_MAX][64];	/* event types or reasons that notify */
	int n_kinds;
	char hooks_dir[NOTIFY_STR_MAX];		/* "" none */
	int hook_timeout_ms;
	char url[NOTIFY_STR_MAX];		/* "" no webhook */
	enum notify_format format;
	char token[NOTIFY_STR_MAX];		/* pushover app token */
	char user[NOTIFY_STR_MAX];		/* pushover user key */
	char chat_id[NOTIFY_STR_MAX];		/* telegram */
	int debounce_ms, rate_per_hour, retries, timeout_ms, queue_max;
};

/* NULL with err when the webhook cannot be set up (bad URL scheme, libcurl refused). */
struct notifier *notify_new(struct ev_loop *loop, const struct notify_opts *o, char *err, size_t errlen);
void notify_free(struct notifier *n);
void notify_event(struct notifier *n, const struct tel_event *ev);

/* `status.notify` (notify_status_metrics). */
struct notify_status_view {
	bool enabled;				/* hooks_dir or url set */
	uint64_t events;			/* events that notify */
	uint64_t hooks_run, hooks_failed, hooks_timed_out, hooks_dropped;
	const char *hook_error;			/* the last failed hook, why */
	uint64_t sent, failed, retried, dropped_rate, dropped_queue;
	int queued;
	const char *state;			/* idle, debounce, sending, retry_wait */
	const char *last_error;			/* the last failed attempt, why */
	int64_t last_error_at, last_sent_at;	/* wall clock */
	char hook_error_store[200], error_store[200];
};
extern const struct metric_desc notify_status_metrics[];
void notify_status_fill(const struct notifier *n, struct notify_status_view *v);

/* The name of a format and back (-1: unknown). */
extern const char *const notify_format_names[];

#endif
