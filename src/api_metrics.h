/*
 * api_metrics.h - the objects of the API's status, members and metrics
 * replies as snapshot structs with metric tables (types/metric.h).
 *
 * api_methods.c fills a snapshot from the daemon and its members in one
 * function per object (status_view_fill, member_view_fill, ...) and turns it
 * into JSON with metric_to_json(); docs/METRICS.md is generated from the
 * same tables (tools/metrics_doc.c, checked by the docs_metrics test).
 * Field names and types are the API's (docs/API_REFERENCE.md): add, never
 * rename or drop.
 */
#ifndef SF_API_METRICS_H
#define SF_API_METRICS_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>

#include "collector.h"
#include "engine.h"
#include "metric.h"
#include "probe.h"
#include "telemetry.h"

/* The kernel's view of the member's device (struct link_info), addresses as text. */
struct link_view {
	bool exists;
	int ifindex;
	bool carrier;
	char ipv4_addr[INET6_ADDRSTRLEN], ipv4_gateway[INET6_ADDRSTRLEN];
	bool ipv4_default_route;
	char ipv6_addr[INET6_ADDRSTRLEN], ipv6_gateway[INET6_ADDRSTRLEN];
	bool ipv6_default_route;
	const char *reason;
};

/* The engine's figures of one member and how long it has been in its state. */
struct engine_view {
	struct engine_score_info score;
	double state_for_s;
};

struct member_view {
	const char *name, *class_name, *interface, *device;
	bool enabled;
	int priority, weight;
	bool metered;
	const char *state, *reason;
	bool primary;
	double age_s;
	double score;			/* engine final score; NAN without an engine */
	double latency_ms, loss_pct, jitter_ms;	/* merged latest sample */
	double probe_bytes_per_day;
	/* collectors' faults (member_faults): "" / -1 / NAN when none */
	char fault[2 * COLLECT_FAULT_REASON_MAX];
	int64_t fault_since;		/* Unix time the oldest began */
	double fault_for_s;
	int64_t fault_failures;
	/* `metrics` only (member_detail_metrics) */
	struct link_view link;
	const struct engine_view *engine;	/* NULL: no engine (key left out) */
	const struct probe_summary *probe;	/* NULL: no prober (key left out) */
	struct engine_view engine_store;	/* what the pointers point to */
	struct probe_summary probe_store;
	/* discovery (types/uplink.h) */
	const char *class_reason, *source, *device_source, *proto;
	const char *gateway, *address, *gateway6, *address6, *via;
	int netifd_up;			/* enum tri */
	const char *mwan3_member;
	int mwan3_metric, mwan3_weight;	/* 0: no mwan3 member */
	/* data cap (daemon_caps.h): NAN / 0 / -1 / NULL when unknown or none */
	double data_used_mb, data_pct;
	int data_cap_mb;
	int64_t data_cycle_start;
	const char *data_state;
};

struct config_view {
	const char *path, *result, *error;
	int warnings;
	int64_t loaded_at, attempted_at;	/* wall clock, s */
	int reloads, failed_reloads;
};

struct memory_view {
	int64_t rss_kb, rss_peak_kb;		/* -1: /proc/self/status unreadable */
	int64_t telemetry_bytes, telemetry_cap_bytes;
	int64_t samples_dropped, events_dropped;
	int64_t engine_bytes;
};

struct api_view {
	uint64_t requests, errors, denied, rejected_busy, rejected_large, timeouts;
	int clients;
};

/* The last repair of the controller's routes. */
struct repair_view {
	int64_t at;			/* wall clock, s */
	const char *what;
	int took_ms;
};

/* The controller as `status` shows it: what is installed, checked against the kernel. */
struct controller_view {
	const char *backend, *state, *error;	/* backend "none": could not start, retried */
	uint64_t applies, failures;
	const char *route_state;		/* none, applied, drifted, repairing */
	const char *drift;			/* what is missing; NULL when nothing */
	bool in_progress;
	bool pending;				/* the wanted target's apply failed: retried */
	uint64_t drifts, repairs;
	const struct repair_view *last_repair;	/* NULL: none yet */
	struct repair_view last_repair_store;
};

/* `status` without the member list (added by m_status). */
struct status_view {
	const char *version, *state, *current, *reason, *reason_text, *pinned;
	bool dry_run;
	const char *log_level;
	double uptime_s;
	int pid;
	struct config_view config;
	struct memory_view memory;
	struct api_view api;
	struct controller_view controller;
};

/* One point of `history` (struct tel_sample, its age now). */
struct history_point_view {
	double age_s;
	double latency_ms, loss_pct, jitter_ms, score;
	enum tri link_up;
	bool round_up, primary;
};

/* One entry of `events` (struct tel_event, its age now). */
struct event_view {
	int64_t time;			/* Unix time */
	double age_s;
	struct tel_event ev;
};

extern const struct metric_desc member_metrics[];	/* members[], status.members[] */
extern const struct metric_desc member_detail_metrics[];	/* metrics */
extern const struct metric_desc status_metrics[];	/* status */
extern const struct metric_desc history_point_metrics[];	/* history.samples[] */
extern const struct metric_desc event_metrics[];	/* events.events[] */

#endif
