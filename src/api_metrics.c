/*
 * api_metrics.c - the metric tables of the API's member and status objects
 * (api_metrics.h). The engine's and the prober's parts are their own
 * tables (engine_metrics.c, probe_metrics.c), nested here.
 */
#include "api_metrics.h"

#include "engine_metrics.h"
#include "probe_metrics.h"

#define G METRIC_GAUGE
#define C METRIC_COUNTER
#define I METRIC_INFO

#define L(f) offsetof(struct link_view, f)
static const struct metric_desc link_metrics[] = {
	{ METRIC("exists", METRIC_BOOL, L(exists), NULL, G, "The device exists.") },
	{ METRIC("ifindex", METRIC_INT, L(ifindex), NULL, I, "Kernel interface index (0: none).") },
	{ METRIC("carrier", METRIC_BOOL, L(carrier), NULL, G, "Up and running (carrier).") },
	{ METRIC("ipv4_addr", METRIC_STRING, L(ipv4_addr), NULL, I, "Usable IPv4 source address.") },
	{ METRIC("ipv4_gateway", METRIC_STRING, L(ipv4_gateway), NULL, I,
		 "Gateway of the IPv4 default route via the device; null when on-link or none.") },
	{ METRIC("ipv4_default_route", METRIC_BOOL, L(ipv4_default_route), NULL, G,
		 "An IPv4 default route via the device exists (not ours).") },
	{ METRIC("ipv6_addr", METRIC_STRING, L(ipv6_addr), NULL, I, "Usable IPv6 source address.") },
	{ METRIC("ipv6_gateway", METRIC_STRING, L(ipv6_gateway), NULL, I,
		 "Gateway of the IPv6 default route via the device; null when on-link or none.") },
	{ METRIC("ipv6_default_route", METRIC_BOOL, L(ipv6_default_route), NULL, G,
		 "An IPv6 default route via the device exists (not ours).") },
	{ METRIC("reason", METRIC_STRPTR, L(reason), NULL, I,
		 "Why the device is unusable; null when usable.") },
	METRIC_END
};
#undef L

#define E(f) offsetof(struct engine_view, f)
static const struct metric_desc engine_view_metrics[] = {
	{ METRIC("score", METRIC_OBJECT, E(score), NULL, G, "The engine's figures."),
	  .flags = METRIC_F_INLINE, .sub = engine_score_metrics },
	{ METRIC("state_for_s", METRIC_DOUBLE, E(state_for_s), "s", G,
		 "Time since the member's last state change.") },
	METRIC_END
};
#undef E

#define M(f) offsetof(struct member_view, f)
const struct metric_desc member_metrics[] = {
	{ METRIC("name", METRIC_STRPTR, M(name), NULL, I, "Member name (UCI section).") },
	{ METRIC("class", METRIC_STRPTR, M(class_name), NULL, I,
		 "starlink, cellular, wifi, lan or auto.") },
	{ METRIC("interface", METRIC_STRPTR, M(interface), NULL, I, "netifd interface.") },
	{ METRIC("device", METRIC_STRPTR, M(device), NULL, I, "Network device probed and routed.") },
	{ METRIC("enabled", METRIC_BOOL, M(enabled), NULL, G, "Enabled in the config.") },
	{ METRIC("priority", METRIC_INT, M(priority), NULL, G, "Configured priority (tier).") },
	{ METRIC("weight", METRIC_INT, M(weight), NULL, G, "Configured weight.") },
	{ METRIC("metered", METRIC_BOOL, M(metered), NULL, G, "Configured as metered.") },
	{ METRIC("state", METRIC_STRPTR, M(state), NULL, I,
		 "disabled, unusable, down, unknown or the engine's state (warmup, good, degraded, bad...).") },
	{ METRIC("reason", METRIC_STRPTR, M(reason), NULL, I,
		 "Why it is in that state; \"\" when the state says it all."),
	  .flags = METRIC_F_EMPTY_STRING },
	{ METRIC("primary", METRIC_BOOL, M(primary), NULL, G, "Carries the traffic now.") },
	{ METRIC("age_s", METRIC_DOUBLE, M(age_s), "s", G, "Time since the member was created.") },
	{ METRIC("score", METRIC_DOUBLE, M(score), "points", G, "The engine's final score, 0..100.") },
	{ METRIC("latency_ms", METRIC_DOUBLE, M(latency_ms), "ms", G, "Latest merged latency.") },
	{ METRIC("loss_pct", METRIC_DOUBLE, M(loss_pct), "%", G, "Latest merged loss.") },
	{ METRIC("jitter_ms", METRIC_DOUBLE, M(jitter_ms), "ms", G, "Latest merged jitter.") },
	{ METRIC("probe_bytes_per_day", METRIC_DOUBLE, M(probe_bytes_per_day), "bytes", G,
		 "Probe traffic estimate per day (0 when not probing).") },
	{ METRIC("class_reason", METRIC_STRPTR, M(class_reason), NULL, I,
		 "Why the member has its class (configured, or the evidence for class auto).") },
	{ METRIC("source", METRIC_STRPTR, M(source), NULL, I,
		 "Where the member comes from: config, mwan3 or config+mwan3.") },
	{ METRIC("device_source", METRIC_STRPTR, M(device_source), NULL, I,
		 "Where its device comes from: config, netifd, netifd-last (kept) or none.") },
	{ METRIC("proto", METRIC_STRPTR, M(proto), NULL, I, "netifd proto of the interface.") },
	{ METRIC("netifd_up", METRIC_TRI, M(netifd_up), NULL, G, "netifd says the interface is up.") },
	{ METRIC("gateway", METRIC_STRPTR, M(gateway), NULL, I,
		 "IPv4 nexthop of netifd's default route (\"\": on-link).") },
	{ METRIC("address", METRIC_STRPTR, M(address), NULL, I, "First IPv4 address netifd gives.") },
	{ METRIC("gateway6", METRIC_STRPTR, M(gateway6), NULL, I, "IPv6 nexthop of netifd's ::/0 route.") },
	{ METRIC("address6", METRIC_STRPTR, M(address6), NULL, I, "First IPv6 address netifd gives.") },
	{ METRIC("via", METRIC_STRPTR, M(via), NULL, I,
		 "The dynamic sub-interface carrying the addresses (qmi/ncm: <iface>_4).") },
	{ METRIC("mwan3_member", METRIC_STRPTR, M(mwan3_member), NULL, I,
		 "The preferred mwan3 member of the interface (lowest metric).") },
	{ METRIC("mwan3_metric", METRIC_INT, M(mwan3_metric), NULL, G, "Its mwan3 metric."),
	  .flags = METRIC_F_ZERO_UNKNOWN },
	{ METRIC("mwan3_weight", METRIC_INT, M(mwan3_weight), NULL, G, "Its mwan3 weight."),
	  .flags = METRIC_F_ZERO_UNKNOWN },
	{ METRIC("fault", METRIC_STRING, M(fault), NULL, I,
		 "Collectors whose source fails now, \"name: reason\" joined by \"; \"; null when none.") },
	{ METRIC("fault_since", METRIC_INT64, M(fault_since), "s", I,
		 "Unix time the oldest of those faults began; null when none."),
	  .flags = METRIC_F_NEG_UNKNOWN },
	{ METRIC("fault_for_s", METRIC_DOUBLE, M(fault_for_s), "s", G,
		 "How long the oldest fault has lasted; null when none.") },
	{ METRIC("fault_failures", METRIC_INT64, M(fault_failures), "attempts", G,
		 "Failed attempts (polls, socket opens) since those faults began; null when none."),
	  .flags = METRIC_F_NEG_UNKNOWN },
	{ METRIC("data_used_mb", METRIC_DOUBLE, M(data_used_mb), "MB", G,
		 "Bytes received and sent on the device this billing cycle, MB of 10^6 bytes "
		 "(docs/DATA_CAPS.md); null before the first reading.") },
	{ METRIC("data_cap_mb", METRIC_INT, M(data_cap_mb), "MB", G, "Its data_cap_mb; null when none."),
	  .flags = METRIC_F_ZERO_UNKNOWN },
	{ METRIC("data_pct", METRIC_DOUBLE, M(data_pct), "%", G, "Share of the cap used; null without a cap.") },
	{ METRIC("data_cycle_start", METRIC_INT64, M(data_cycle_start), "s", I,
		 "Unix time (UTC) the billing cycle began; null before the first reading."),
	  .flags = METRIC_F_NEG_UNKNOWN },
	{ METRIC("data_state", METRIC_STRPTR, M(data_state), NULL, I,
		 "ok, alert (past data_alert_pct) or capped; null without a cap.") },
	METRIC_END
};

const struct metric_desc member_detail_metrics[] = {
	{ METRIC("member", METRIC_OBJECT, 0, NULL, G, "The fields of a member."),
	  .flags = METRIC_F_INLINE, .sub = member_metrics },
	{ METRIC("link", METRIC_OBJECT, M(link), NULL, G, "The kernel's view of the device."),
	  .sub = link_metrics },
	{ METRIC("engine", METRIC_OBJPTR, M(engine), NULL, G, "The engine's view of the member."),
	  .flags = METRIC_F_OMIT, .sub = engine_view_metrics },
	{ METRIC("probe", METRIC_OBJPTR, M(probe), NULL, G, "The prober's window."),
	  .flags = METRIC_F_OMIT, .sub = probe_summary_metrics },
	METRIC_END
};
#undef M

#define CF(f) (offsetof(struct config_view, f))
static const struct metric_desc config_metrics[] = {
	{ METRIC("path", METRIC_STRPTR, CF(path), NULL, I, "Config file.") },
	{ METRIC("result", METRIC_STRPTR, CF(result), NULL, I, "ok or error: the last load or reload.") },
	{ METRIC("error", METRIC_STRPTR, CF(error), NULL, I, "First error of the last failed attempt.") },
	{ METRIC("warnings", METRIC_INT, CF(warnings), NULL, G, "Warnings of the running config.") },
	{ METRIC("loaded_at", METRIC_INT64, CF(loaded_at), "s", I,
		 "Wall clock (Unix time) the running config was loaded.") },
	{ METRIC("attempted_at", METRIC_INT64, CF(attempted_at), "s", I,
		 "Wall clock (Unix time) of the last load attempt.") },
	{ METRIC("reloads", METRIC_INT, CF(reloads), "reloads", C, "Reloads that took effect.") },
	{ METRIC("failed_reloads", METRIC_INT, CF(failed_reloads), "reloads", C,
		 "Reloads refused (old config kept).") },
	METRIC_END
};
#undef CF

#define MM(f) offsetof(struct memory_view, f)
static const struct metric_desc memory_metrics[] = {
	{ METRIC("rss_kb", METRIC_INT64, MM(rss_kb), "kB", G, "Resident memory."),
	  .flags = METRIC_F_NEG_UNKNOWN },
	{ METRIC("rss_peak_kb", METRIC_INT64, MM(rss_peak_kb), "kB", G, "Peak resident memory."),
	  .flags = METRIC_F_NEG_UNKNOWN },
	{ METRIC("telemetry_bytes", METRIC_INT64, MM(telemetry_bytes), "bytes", G,
		 "RAM held by the sample and event rings.") },
	{ METRIC("telemetry_cap_bytes", METRIC_INT64, MM(telemetry_cap_bytes), "bytes", G,
		 "Cap of the rings (telemetry max_kb).") },
	{ METRIC("samples_dropped", METRIC_INT64, MM(samples_dropped), "samples", C,
		 "Samples pushed out of full rings.") },
	{ METRIC("events_dropped", METRIC_INT64, MM(events_dropped), "events", C,
		 "Events pushed out of the full ring.") },
	{ METRIC("engine_bytes", METRIC_INT64, MM(engine_bytes), "bytes", G,
		 "Memory allocated by the engine.") },
	METRIC_END
};
#undef MM

#define A(f) offsetof(struct api_view, f)
static const struct metric_desc api_metrics[] = {
	{ METRIC("requests", METRIC_UINT64, A(requests), "requests", C, "Requests handled.") },
	{ METRIC("errors", METRIC_UINT64, A(errors), "requests", C, "Requests answered with an error.") },
	{ METRIC("denied", METRIC_UINT64, A(denied), "requests", C,
		 "Mutating requests refused to peers that may not mutate.") },
	{ METRIC("rejected_busy", METRIC_UINT64, A(rejected_busy), "connections", C,
		 "Connections refused: too many clients.") },
	{ METRIC("rejected_large", METRIC_UINT64, A(rejected_large), "requests", C,
		 "Requests over the size cap.") },
	{ METRIC("timeouts", METRIC_UINT64, A(timeouts), "connections", C,
		 "Clients closed for being too slow.") },
	{ METRIC("clients", METRIC_INT, A(clients), "clients", G, "Clients connected now.") },
	METRIC_END
};
#undef A

#define R(f) offsetof(struct repair_view, f)
static const struct metric_desc repair_metrics[] = {
	{ METRIC("at", METRIC_INT64, R(at), "s", I, "Wall clock (Unix time) of the repair.") },
	{ METRIC("what", METRIC_STRPTR, R(what), NULL, I, "What was put back.") },
	{ METRIC("took_ms", METRIC_INT, R(took_ms), "ms", G, "From the drift seen to the routes back.") },
	METRIC_END
};
#undef R

#define CT(f) offsetof(struct controller_view, f)
static const struct metric_desc controller_metrics[] = {
	{ METRIC("backend", METRIC_STRPTR, CT(backend), NULL, I,
		 "route or dryrun; none: a changed controller could not start and is retried.") },
	{ METRIC("state", METRIC_STRPTR, CT(state), NULL, I, "One line: what is installed.") },
	{ METRIC("error", METRIC_STRPTR, CT(error), NULL, I, "Last failure, or why it could not start.") },
	{ METRIC("applies", METRIC_UINT64, CT(applies), "applies", C, "Applies asked of the backend.") },
	{ METRIC("failures", METRIC_UINT64, CT(failures), "applies", C, "Applies that failed.") },
	{ METRIC("route_state", METRIC_STRPTR, CT(route_state), NULL, I,
		 "none, applied, drifted or repairing: the kernel's routes and rules against the wanted ones.") },
	{ METRIC("drift", METRIC_STRPTR, CT(drift), NULL, I, "What is missing or changed; null when nothing.") },
	{ METRIC("in_progress", METRIC_BOOL, CT(in_progress), NULL, G, "An apply is in flight.") },
	{ METRIC("pending", METRIC_BOOL, CT(pending), NULL, G,
		 "The wanted member's apply failed: not (all) in place yet, retried.") },
	{ METRIC("drifts", METRIC_UINT64, CT(drifts), "drifts", C, "Times the routes were found changed.") },
	{ METRIC("repairs", METRIC_UINT64, CT(repairs), "repairs", C, "Times they were put back.") },
	{ METRIC("last_repair", METRIC_OBJPTR, CT(last_repair), NULL, G, "The last repair; null when none."),
	  .sub = repair_metrics },
	METRIC_END
};
#undef CT

#define S(f) offsetof(struct status_view, f)
const struct metric_desc status_metrics[] = {
	{ METRIC("version", METRIC_STRPTR, S(version), NULL, I, "Daemon version.") },
	{ METRIC("state", METRIC_STRPTR, S(state), NULL, I,
		 "ok, pinned, degraded, no_uplink, no_members or disabled.") },
	{ METRIC("current", METRIC_STRPTR, S(current), NULL, I, "Primary member; null when none.") },
	{ METRIC("reason", METRIC_STRPTR, S(reason), NULL, I, "Reason of the latest decision.") },
	{ METRIC("reason_text", METRIC_STRPTR, S(reason_text), NULL, I,
		 "The numbers behind it (key=value)."), .flags = METRIC_F_EMPTY_STRING },
	{ METRIC("pinned", METRIC_STRPTR, S(pinned), NULL, I, "Member pinned by failover; null when none.") },
	{ METRIC("dry_run", METRIC_BOOL, S(dry_run), NULL, G, "Started with --dry-run.") },
	{ METRIC("log_level", METRIC_STRPTR, S(log_level), NULL, I, "Current log level.") },
	{ METRIC("uptime_s", METRIC_DOUBLE, S(uptime_s), "s", G, "Time since the daemon started.") },
	{ METRIC("pid", METRIC_INT, S(pid), NULL, I, "Process id.") },
	{ METRIC("config", METRIC_OBJECT, S(config), NULL, G, "The config in force."),
	  .sub = config_metrics },
	{ METRIC("memory", METRIC_OBJECT, S(memory), NULL, G, "Memory use."), .sub = memory_metrics },
	{ METRIC("api", METRIC_OBJECT, S(api), NULL, G, "The API socket."), .sub = api_metrics },
	{ METRIC("controller", METRIC_OBJECT, S(controller), NULL, G, "The controller."),
	  .sub = controller_metrics },
	METRIC_END
};
#undef S

#define H(f) offsetof(struct history_point_view, f)
const struct metric_desc history_point_metrics[] = {
	{ METRIC("age_s", METRIC_DOUBLE, H(age_s), "s", G, "Age of the sample.") },
	{ METRIC("latency_ms", METRIC_DOUBLE, H(latency_ms), "ms", G, "Merged latency.") },
	{ METRIC("loss_pct", METRIC_DOUBLE, H(loss_pct), "%", G, "Merged loss.") },
	{ METRIC("jitter_ms", METRIC_DOUBLE, H(jitter_ms), "ms", G, "Merged jitter.") },
	{ METRIC("score", METRIC_DOUBLE, H(score), "points", G, "The engine's final score.") },
	{ METRIC("link_up", METRIC_TRI, H(link_up), NULL, G, "The device could carry traffic.") },
	{ METRIC("round_up", METRIC_BOOL, H(round_up), NULL, G, "The probe round was up.") },
	{ METRIC("primary", METRIC_BOOL, H(primary), NULL, G, "The member was primary.") },
	METRIC_END
};
#undef H

#define T(f) offsetof(struct tel_event, f)
static const struct metric_desc tel_event_metrics[] = {
	{ METRIC("type", METRIC_STRING, T(type), NULL, I,
		 "switch, suppressed, state, predict, all_bad, info or a daemon event (reload, repair...)."),
	  .flags = METRIC_F_EMPTY_STRING },
	{ METRIC("reason", METRIC_STRING, T(reason), NULL, I, "Reason code."),
	  .flags = METRIC_F_EMPTY_STRING },
	{ METRIC("member", METRIC_STRING, T(member), NULL, I, "Member concerned.") },
	{ METRIC("from", METRIC_STRING, T(from), NULL, I, "Primary before a switch.") },
	{ METRIC("to", METRIC_STRING, T(to), NULL, I, "Primary after a switch.") },
	{ METRIC("text", METRIC_STRING, T(text), NULL, I, "The numbers behind it (key=value)."),
	  .flags = METRIC_F_EMPTY_STRING },
	{ METRIC("id", METRIC_UINT64, T(id), NULL, I,
		 "Number of the event in this daemon run (1, 2, ...): `explain` takes it.") },
	METRIC_END
};
#undef T

#define EV(f) offsetof(struct event_view, f)
const struct metric_desc event_metrics[] = {
	{ METRIC("time", METRIC_INT64, EV(time), "s", I, "Wall clock (Unix time).") },
	{ METRIC("age_s", METRIC_DOUBLE, EV(age_s), "s", G, "Age of the event.") },
	{ METRIC("event", METRIC_OBJECT, EV(ev), NULL, G, "The event."), .flags = METRIC_F_INLINE,
	  .sub = tel_event_metrics },
	METRIC_END
};
#undef EV
