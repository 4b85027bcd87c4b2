/*
 * export_metrics.c - the metric tables of `status.prometheus`,
 * `status.mqtt` and `status.notify` (prom_http.h, mqtt.h, notify.h): built whether or not the exporters
 * are, so `status` has the same shape in every build.
 */
#include "mqtt.h"
#include "notify.h"
#include "prom_http.h"

#define G METRIC_GAUGE
#define C METRIC_COUNTER
#define I METRIC_INFO
#define PH(f) offsetof(struct prom_status_view, http.f)
#define PS(f) offsetof(struct prom_status_view, f)
const struct metric_desc prom_status_metrics[] = {
	{ METRIC("enabled", METRIC_BOOL, PS(enabled), NULL, G, "prometheus_enable is set.") },
	{ METRIC("listen", METRIC_STRPTR, PS(listen), NULL, I, "Address and port listened on; null when off.") },
	{ METRIC("error", METRIC_STRPTR, PS(error), NULL, I, "Why it is not listening; null when it is.") },
	{ METRIC("scrapes", METRIC_UINT64, PH(scrapes), "requests", C, "Scrapes answered (200).") },
	{ METRIC("bad_requests", METRIC_UINT64, PH(bad_requests), "requests", C,
		 "Requests answered 400, 404 or 405.") },
	{ METRIC("rejected_busy", METRIC_UINT64, PH(rejected_busy), "connections", C,
		 "Connections refused (503): prometheus_max_clients.") },
	{ METRIC("rejected_large", METRIC_UINT64, PH(rejected_large), "requests", C,
		 "Request heads over prometheus_max_request_bytes (431).") },
	{ METRIC("timeouts", METRIC_UINT64, PH(timeouts), "connections", C,
		 "Clients closed for being too slow (prometheus_timeout_ms).") },
	{ METRIC("render_overflow", METRIC_UINT64, PH(render_overflow), "requests", C,
		 "Scrapes answered 500: the exposition was over its cap.") },
	{ METRIC("clients", METRIC_INT, PH(clients), "clients", G, "Clients connected now.") },
	{ METRIC("last_scrape_bytes", METRIC_INT64, PH(last_scrape_bytes), "bytes", G,
		 "Size of the last exposition."), .flags = METRIC_F_ZERO_UNKNOWN },
	METRIC_END
};

#define MS(f) offsetof(struct mqtt_status_view, f)
const struct metric_desc mqtt_status_metrics[] = {
	{ METRIC("enabled", METRIC_BOOL, MS(enabled), NULL, G, "mqtt_enable is set.") },
	{ METRIC("state", METRIC_STRPTR, MS(state), NULL, I,
		 "off, resolving (the broker's name, in a child process), connecting, connected or backoff (waiting to try again); unavailable: not in this build.") },
	{ METRIC("broker", METRIC_STRPTR, MS(broker), NULL, I, "host:port of the broker; null when off.") },
	{ METRIC("last_error", METRIC_STRPTR, MS(last_error), NULL, I,
		 "Why the last connection failed or ended; null when none did.") },
	{ METRIC("last_error_at", METRIC_INT64, MS(last_error_at), "s", I,
		 "Wall clock (Unix time) of last_error."), .flags = METRIC_F_ZERO_UNKNOWN },
	{ METRIC("since", METRIC_INT64, MS(since), "s", I,
		 "Wall clock (Unix time) of the last state change."), .flags = METRIC_F_ZERO_UNKNOWN },
	{ METRIC("connects", METRIC_UINT64, MS(connects), "connects", C, "Connections accepted by the broker.") },
	{ METRIC("failures", METRIC_UINT64, MS(failures), "connects", C,
		 "Connections refused, lost, timed out or closed on garbage.") },
	{ METRIC("published", METRIC_UINT64, MS(published), "messages", C, "Messages handed to the connection.") },
	{ METRIC("dropped", METRIC_UINT64, MS(dropped), "messages", C,
		 "Messages not sent: not connected, or mqtt_max_inflight queued.") },
	{ METRIC("inflight", METRIC_INT, MS(inflight), "messages", G, "Messages queued, not yet sent or acked.") },
	{ METRIC("retry_in_ms", METRIC_INT, MS(retry_in_ms), "ms", G,
		 "Backoff: time to the next attempt; null otherwise."), .flags = METRIC_F_NEG_UNKNOWN },
	METRIC_END
};

#define NS(f) offsetof(struct notify_status_view, f)
const struct metric_desc notify_status_metrics[] = {
	{ METRIC("enabled", METRIC_BOOL, NS(enabled), NULL, G, "Hooks or a webhook are configured.") },
	{ METRIC("state", METRIC_STRPTR, NS(state), NULL, I,
		 "Webhook: idle, debounce (collecting a burst), sending or retry_wait; off: nothing configured.") },
	{ METRIC("events", METRIC_UINT64, NS(events), "events", C, "Events that notify (notify_events).") },
	{ METRIC("hooks_run", METRIC_UINT64, NS(hooks_run), "runs", C, "Hook runs that exited 0.") },
	{ METRIC("hooks_failed", METRIC_UINT64, NS(hooks_failed), "runs", C,
		 "Hook runs that failed (exit code, signal, timeout, could not start).") },
	{ METRIC("hooks_timed_out", METRIC_UINT64, NS(hooks_timed_out), "runs", C,
		 "Hook runs killed after notify_hook_timeout_ms.") },
	{ METRIC("hooks_dropped", METRIC_UINT64, NS(hooks_dropped), "runs", C,
		 "Hook runs not started: too many running and queued.") },
	{ METRIC("hook_error", METRIC_STRPTR, NS(hook_error), NULL, I, "The last failed hook and why; null when none.") },
	{ METRIC("sent", METRIC_UINT64, NS(sent), "messages", C, "Webhook messages answered 2xx.") },
	{ METRIC("failed", METRIC_UINT64, NS(failed), "messages", C, "Webhook messages given up after their retries.") },
	{ METRIC("retried", METRIC_UINT64, NS(retried), "attempts", C, "Attempts after a failed one.") },
	{ METRIC("dropped_rate", METRIC_UINT64, NS(dropped_rate), "messages", C,
		 "Messages not sent: over notify_rate_per_hour.") },
	{ METRIC("dropped_queue", METRIC_UINT64, NS(dropped_queue), "messages", C,
		 "Messages pushed out of the full queue (notify_queue_max).") },
	{ METRIC("queued", METRIC_INT, NS(queued), "messages", G, "Messages waiting or in flight.") },
	{ METRIC("last_error", METRIC_STRPTR, NS(last_error), NULL, I, "Why the last webhook attempt failed; null when none did.") },
	{ METRIC("last_error_at", METRIC_INT64, NS(last_error_at), "s", I, "Wall clock (Unix time) of last_error."),
	  .flags = METRIC_F_ZERO_UNKNOWN },
	{ METRIC("last_sent_at", METRIC_INT64, NS(last_sent_at), "s", I, "Wall clock (Unix time) of the last message sent."),
	  .flags = METRIC_F_ZERO_UNKNOWN },
	METRIC_END
};
