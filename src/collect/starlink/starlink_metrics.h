/*
 * starlink_metrics.h - what the Starlink collector reports, described once:
 * a snapshot of the collector (struct starlink_view, filled by starlink.c
 * from its private state) and the metric tables of it and of the dish's
 * figures (struct starlink_metrics in sample.h, struct sl_status and
 * struct sl_device_info in starlink_decode.h). starlink_metrics_json() is
 * metric_to_json() of starlink_view_metrics (docs/METRICS.md).
 */
#ifndef SF_STARLINK_METRICS_H
#define SF_STARLINK_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "metric.h"
#include "sample.h"
#include "starlink_decode.h"

/* One failed call (last_error, last_history_error, last_device_info_error). */
struct sl_failure_view {
	int kind;			/* enum starlink_error */
	int grpc_status;		/* -1 none */
	const char *message;
	int64_t age_ms;
};

/* The incremental history reader (struct sl_hist). */
struct sl_hist_summary {
	int64_t current;		/* the dish's history counter; -1 before the first read */
	uint64_t folded_s, lost_s, bad_s, reboots_seen;
	double newest_latency_ms, newest_drop_pct;
};

/* The collector's own reading of the predictive signals (the engine applies its own thresholds). */
struct sl_signals {
	enum tri obstruction_rising, currently_obstructed, outage_present, snr_persistently_low;
	enum tri thermal, reboot_imminent, update_pending, dish_unreachable;
};

struct starlink_view {
	const char *host;
	int port;
	const char *bind_device;
	bool connected;
	const char *state;		/* polling | backoff | idle */
	uint64_t polls_ok, polls_failed;
	int64_t consecutive_failures;
	uint64_t connects, retries, memory_bytes;
	int64_t last_ok_age_ms;		/* -1 never */
	const struct sl_failure_view *last_error;	/* NULL: the last poll succeeded */
	uint64_t history_ok, history_failed;
	const struct sl_failure_view *last_history_error, *last_device_info_error;
	int64_t bytes_tx_last_poll, bytes_rx_last_poll;	/* -1 before the first poll */
	uint64_t bytes_tx_total, bytes_rx_total;
	uint64_t api_version;		/* 0 unknown */
	struct sl_device_info device;
	struct starlink_metrics metrics;
	struct sl_signals signals;
	int64_t alerts;			/* SL_ALERT_BIT()s; -1 unknown */
	struct sl_hist_summary history;
	struct sl_status status_extra;
	struct sl_failure_view failures[3];	/* what the failure pointers point to */
};

/* starlink_error_name() as a table (starlink.c). */
extern const char *const sl_error_names[];

extern const struct metric_desc starlink_metrics_metrics[];	/* struct starlink_metrics */
extern const struct metric_desc starlink_view_metrics[];	/* the whole "starlink" object */

#endif
