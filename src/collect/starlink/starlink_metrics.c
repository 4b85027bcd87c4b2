/*
 * starlink_metrics.c - the metric tables of the Starlink collector: the
 * dish's figures (struct starlink_metrics), its status extras and device
 * info, and the collector's own state (struct starlink_view). The JSON of
 * starlink_metrics_json() and docs/METRICS.md come from these.
 */
#include "starlink_metrics.h"

#include "starlink.h"
#include "starlink_decode.h"

/* DishOutage.cause; -1 (no outage message) is CONNECTED, -2 (no status) unknown. */
static const char *const outage_names[] = {
	"CONNECTED", "UNKNOWN", "BOOTING", "STOWED", "THERMAL_SHUTDOWN", "NO_SCHEDULE", "NO_SATS",
	"OBSTRUCTED", "NO_DOWNLINK", "NO_PINGS", "ACTUATOR_ACTIVITY", "CABLE_TEST", "SLEEPING", NULL,
	"SKY_SEARCH", "INHIBIT_RF",
};
static const struct metric_names outage = {
	outage_names, sizeof(outage_names) / sizeof(outage_names[0]), SL_OUTAGE_NONE, "UNKNOWN"
};

/* bit b of the mask is DishAlerts field b + 1 */
static const struct metric_names alerts = { sl_alert_names, SL_ALERT_FIELDS, -1, NULL };
static const struct metric_names errors = { sl_error_names, __SL_ERR_MAX, 0, "?" };

#define G METRIC_GAUGE
#define C METRIC_COUNTER
#define I METRIC_INFO
#define NEG .flags = METRIC_F_NEG_UNKNOWN

#define M(f) offsetof(struct starlink_metrics, f)
const struct metric_desc starlink_metrics_metrics[] = {
	{ METRIC("reachable", METRIC_TRI, M(reachable), NULL, G, "The dish answered the last poll.") },
	{ METRIC("pop_latency_ms", METRIC_DOUBLE, M(pop_latency_ms), "ms", G,
		 "Latency from the dish to the Starlink point of presence (pop_ping_latency_ms).") },
	{ METRIC("pop_drop_pct", METRIC_DOUBLE, M(pop_drop_pct), "%", G,
		 "Ping drop rate to the point of presence.") },
	{ METRIC("downlink_bps", METRIC_DOUBLE, M(downlink_bps), "bps", G, "Downlink throughput now.") },
	{ METRIC("uplink_bps", METRIC_DOUBLE, M(uplink_bps), "bps", G, "Uplink throughput now.") },
	{ METRIC("obstruction_pct", METRIC_DOUBLE, M(obstruction_pct), "%", G,
		 "Fraction of the sky view obstructed.") },
	{ METRIC("obstruction_rise_pct", METRIC_DOUBLE, M(obstruction_rise_pct), "%", G,
		 "obstruction_pct now minus dish_obstruction_window_ms ago.") },
	{ METRIC("time_obstructed_pct", METRIC_DOUBLE, M(time_obstructed_pct), "%", G,
		 "Share of time obstructed.") },
	{ METRIC("currently_obstructed", METRIC_TRI, M(currently_obstructed), NULL, G,
		 "The dish reports an obstruction now.") },
	{ METRIC("prolonged_obstruction_duration_s", METRIC_DOUBLE,
		 M(prolonged_obstruction_duration_s), "s", G, "Mean length of prolonged obstructions.") },
	{ METRIC("prolonged_obstruction_interval_s", METRIC_DOUBLE,
		 M(prolonged_obstruction_interval_s), "s", G, "Mean time between prolonged obstructions.") },
	{ METRIC("snr_above_noise_floor", METRIC_TRI, M(snr_above_noise_floor), NULL, G,
		 "Signal above the noise floor.") },
	{ METRIC("snr_persistently_low", METRIC_TRI, M(snr_persistently_low), NULL, G,
		 "Signal persistently low.") },
	{ METRIC("outage", METRIC_ENUM, M(outage_cause), NULL, I, "Outage cause as the dish names it."),
	  .names = &outage },
	{ METRIC("outage_cause", METRIC_INT, M(outage_cause), NULL, I,
		 "Outage cause number (DishOutage.cause); null when connected."), NEG },
	{ METRIC("outage_duration_s", METRIC_DOUBLE, M(outage_duration_s), "s", G,
		 "Length of the current outage.") },
	{ METRIC("outage_start_s", METRIC_DOUBLE, M(outage_start_s), "s", G,
		 "Start of the current outage, Unix time (converted from the dish's GPS time).") },
	{ METRIC("thermal_throttle", METRIC_TRI, M(thermal_throttle), NULL, G, "Alert: thermal throttling.") },
	{ METRIC("thermal_shutdown", METRIC_TRI, M(thermal_shutdown), NULL, G, "Alert: thermal shutdown.") },
	{ METRIC("motors_stuck", METRIC_TRI, M(motors_stuck), NULL, G, "Alert: motors stuck.") },
	{ METRIC("mast_not_vertical", METRIC_TRI, M(mast_not_vertical), NULL, G,
		 "Alert: mast not near vertical.") },
	{ METRIC("unexpected_location", METRIC_TRI, M(unexpected_location), NULL, G,
		 "Alert: unexpected location.") },
	{ METRIC("slow_ethernet", METRIC_TRI, M(slow_ethernet), NULL, G, "Alert: slow Ethernet speeds.") },
	{ METRIC("roaming", METRIC_TRI, M(roaming), NULL, G, "Alert: roaming.") },
	{ METRIC("water_detected", METRIC_TRI, M(water_detected), NULL, G, "Alert: water detected.") },
	{ METRIC("software_update_state", METRIC_INT, M(software_update_state), NULL, I,
		 "SoftwareUpdateState number."), NEG },
	{ METRIC("update_pending", METRIC_TRI, M(update_pending), NULL, G,
		 "An update is installed and waits for a reboot.") },
	{ METRIC("reboot_ready", METRIC_TRI, M(reboot_ready), NULL, G,
		 "The dish is ready to reboot into an update.") },
	{ METRIC("reboot_in_s", METRIC_DOUBLE, M(reboot_in_s), "s", G,
		 "Seconds until the update reboot is possible; null when none is pending.") },
	{ METRIC("gps_valid", METRIC_TRI, M(gps_valid), NULL, G, "GPS fix valid.") },
	{ METRIC("gps_sats", METRIC_INT, M(gps_sats), "satellites", G, "GPS satellites in view."), NEG },
	{ METRIC("uptime_s", METRIC_DOUBLE, M(uptime_s), "s", G, "Dish uptime.") },
	{ METRIC("hist_seconds", METRIC_DOUBLE, M(hist_seconds), "s", G,
		 "New one-second history samples folded into this sample.") },
	{ METRIC("hist_drop_pct", METRIC_DOUBLE, M(hist_drop_pct), "%", G,
		 "Mean drop over those seconds (loss since the last sample).") },
	{ METRIC("hist_latency_ms", METRIC_DOUBLE, M(hist_latency_ms), "ms", G,
		 "Mean latency of those seconds with drop below 100 %.") },
	{ METRIC("hist_latency_max_ms", METRIC_DOUBLE, M(hist_latency_max_ms), "ms", G,
		 "Worst latency of those seconds.") },
	{ METRIC("hist_max_drop_run_s", METRIC_INT, M(hist_max_drop_run_s), "s", G,
		 "Longest run of 100 % drop seconds among them."), NEG },
	{ METRIC("dish_rebooted", METRIC_TRI, M(dish_rebooted), NULL, G,
		 "The history counter went back: the dish rebooted since the last sample.") },
	METRIC_END
};
#undef M

#define D(f) offsetof(struct sl_device_info, f)
static const struct metric_desc device_metrics[] = {
	{ METRIC("id", METRIC_STRING, D(id), NULL, I, "Dish id.") },
	{ METRIC("hardware_version", METRIC_STRING, D(hardware_version), NULL, I, "Hardware version.") },
	{ METRIC("software_version", METRIC_STRING, D(software_version), NULL, I, "Software version.") },
	{ METRIC("country_code", METRIC_STRING, D(country_code), NULL, I, "Country code.") },
	{ METRIC("build_id", METRIC_STRING, D(build_id), NULL, I, "Software build id.") },
	{ METRIC("utc_offset_s", METRIC_INT, D(utc_offset_s), "s", G, "The dish's UTC offset."),
	  .flags = METRIC_F_MIN_UNKNOWN },
	{ METRIC("bootcount", METRIC_INT, D(bootcount), "boots", C, "Boots of the dish."), NEG },
	METRIC_END
};
#undef D

#define X(f) offsetof(struct sl_status, f)
static const struct metric_desc status_extra_metrics[] = {
	{ METRIC("disablement_code", METRIC_INT, X(disablement_code), NULL, I,
		 "UtDisablementCode number."), NEG },
	{ METRIC("mobility_class", METRIC_INT, X(mobility_class), NULL, I, "Mobility class number."), NEG },
	{ METRIC("reboot_reason", METRIC_INT, X(reboot_reason), NULL, I, "Reason number of the last reboot."),
	  NEG },
	{ METRIC("eth_speed_mbps", METRIC_DOUBLE, X(eth_speed_mbps), "Mbit/s", G,
		 "Ethernet link speed of the dish.") },
	{ METRIC("update_progress", METRIC_DOUBLE, X(update_progress), NULL, G,
		 "Progress of a software update, 0..1.") },
	{ METRIC("obstruction_valid_s", METRIC_DOUBLE, X(obstruction_valid_s), "s", G,
		 "Time the obstruction figures are based on.") },
	{ METRIC("stow_requested", METRIC_TRI, X(stow_requested), NULL, G, "A stow was requested.") },
	{ METRIC("seconds_to_first_nonempty_slot", METRIC_DOUBLE, X(seconds_to_first_nonempty_slot), "s",
		 G, "Time to the first scheduled slot.") },
	{ METRIC("is_cell_disabled", METRIC_TRI, X(is_cell_disabled), NULL, G,
		 "The dish's cell is disabled.") },
	METRIC_END
};
#undef X

#define F(f) offsetof(struct sl_failure_view, f)
static const struct metric_desc failure_metrics[] = {
	{ METRIC("kind", METRIC_ENUM, F(kind), NULL, I, "What failed."), .names = &errors },
	{ METRIC("grpc_status", METRIC_INT, F(grpc_status), NULL, I, "grpc-status of a failed call."), NEG },
	{ METRIC("message", METRIC_STRPTR, F(message), NULL, I, "What went wrong, in words.") },
	{ METRIC("age_ms", METRIC_INT64, F(age_ms), "ms", G, "Time since the failure.") },
	METRIC_END
};
#undef F

#define S(f) offsetof(struct sl_signals, f)
static const struct metric_desc signals_metrics[] = {
	{ METRIC("obstruction_rising", METRIC_TRI, S(obstruction_rising), NULL, G,
		 "obstruction_rise_pct is 1 % or more.") },
	{ METRIC("currently_obstructed", METRIC_TRI, S(currently_obstructed), NULL, G,
		 "The dish reports an obstruction now.") },
	{ METRIC("outage_present", METRIC_TRI, S(outage_present), NULL, G, "The dish reports an outage.") },
	{ METRIC("snr_persistently_low", METRIC_TRI, S(snr_persistently_low), NULL, G,
		 "Signal persistently low.") },
	{ METRIC("thermal", METRIC_TRI, S(thermal), NULL, G, "Thermal throttle or shutdown.") },
	{ METRIC("reboot_imminent", METRIC_TRI, S(reboot_imminent), NULL, G,
		 "Booting, or an update reboot possible within 300 s.") },
	{ METRIC("update_pending", METRIC_TRI, S(update_pending), NULL, G,
		 "An update waits for a reboot.") },
	{ METRIC("dish_unreachable", METRIC_TRI, S(dish_unreachable), NULL, G,
		 "The dish did not answer the last poll.") },
	METRIC_END
};
#undef S

#define H(f) offsetof(struct sl_hist_summary, f)
static const struct metric_desc history_metrics[] = {
	{ METRIC("current", METRIC_INT64, H(current), "s", C, "The dish's history counter."), NEG },
	{ METRIC("folded_s", METRIC_UINT64, H(folded_s), "s", C, "One-second samples folded in.") },
	{ METRIC("lost_s", METRIC_UINT64, H(lost_s), "s", C,
		 "Seconds that fell out of the dish's ring between reads.") },
	{ METRIC("bad_s", METRIC_UINT64, H(bad_s), "s", C, "Seconds with 100 % drop.") },
	{ METRIC("reboots_seen", METRIC_UINT64, H(reboots_seen), "reboots", C,
		 "Times the history counter went back.") },
	{ METRIC("newest_latency_ms", METRIC_DOUBLE, H(newest_latency_ms), "ms", G,
		 "Latency of the newest second.") },
	{ METRIC("newest_drop_pct", METRIC_DOUBLE, H(newest_drop_pct), "%", G,
		 "Drop of the newest second.") },
	METRIC_END
};
#undef H

#define V(f) offsetof(struct starlink_view, f)
const struct metric_desc starlink_view_metrics[] = {
	{ METRIC("host", METRIC_STRPTR, V(host), NULL, I, "Address of the dish (dish_host).") },
	{ METRIC("port", METRIC_INT, V(port), NULL, I, "Port of the dish (dish_port).") },
	{ METRIC("bind_device", METRIC_STRPTR, V(bind_device), NULL, I,
		 "Device the connection is bound to; null when unbound.") },
	{ METRIC("connected", METRIC_BOOL, V(connected), NULL, G, "The HTTP/2 connection is open.") },
	{ METRIC("state", METRIC_STRPTR, V(state), NULL, I, "polling, backoff or idle.") },
	{ METRIC("polls_ok", METRIC_UINT64, V(polls_ok), "polls", C, "Polls answered.") },
	{ METRIC("polls_failed", METRIC_UINT64, V(polls_failed), "polls", C, "Polls failed.") },
	{ METRIC("consecutive_failures", METRIC_INT64, V(consecutive_failures), "polls", G,
		 "Polls failed since the last good one.") },
	{ METRIC("connects", METRIC_UINT64, V(connects), "connects", C, "Connections opened.") },
	{ METRIC("retries", METRIC_UINT64, V(retries), "calls", C, "Calls retried on a new connection.") },
	{ METRIC("memory_bytes", METRIC_UINT64, V(memory_bytes), "bytes", G,
		 "Memory held by the collector.") },
	{ METRIC("last_ok_age_ms", METRIC_INT64, V(last_ok_age_ms), "ms", G,
		 "Time since the last good poll; null before it."), NEG },
	{ METRIC("last_error", METRIC_OBJPTR, V(last_error), NULL, G,
		 "Why the last poll failed; null when it succeeded."), .sub = failure_metrics },
	{ METRIC("history_ok", METRIC_UINT64, V(history_ok), "calls", C, "get_history calls answered.") },
	{ METRIC("history_failed", METRIC_UINT64, V(history_failed), "calls", C,
		 "get_history calls failed.") },
	{ METRIC("last_history_error", METRIC_OBJPTR, V(last_history_error), NULL, G,
		 "Why the last get_history failed."), .sub = failure_metrics },
	{ METRIC("last_device_info_error", METRIC_OBJPTR, V(last_device_info_error), NULL, G,
		 "Why the last get_device_info failed."), .sub = failure_metrics },
	{ METRIC("bytes_tx_last_poll", METRIC_INT64, V(bytes_tx_last_poll), "bytes", G,
		 "Bytes sent by the last poll."), NEG },
	{ METRIC("bytes_rx_last_poll", METRIC_INT64, V(bytes_rx_last_poll), "bytes", G,
		 "Bytes received by the last poll."), NEG },
	{ METRIC("bytes_tx_total", METRIC_UINT64, V(bytes_tx_total), "bytes", C, "Bytes sent.") },
	{ METRIC("bytes_rx_total", METRIC_UINT64, V(bytes_rx_total), "bytes", C, "Bytes received.") },
	{ METRIC("api_version", METRIC_UINT64, V(api_version), NULL, I, "The dish's API version."),
	  .flags = METRIC_F_ZERO_UNKNOWN },
	{ METRIC("device", METRIC_OBJECT, V(device), NULL, G, "get_device_info."), .sub = device_metrics },
	{ METRIC("metrics", METRIC_OBJECT, V(metrics), NULL, G,
		 "The dish's figures of the latest sample."), .sub = starlink_metrics_metrics },
	{ METRIC("signals", METRIC_OBJECT, V(signals), NULL, G,
		 "The collector's reading of the predictive signals (unknown unless the dish answered)."),
	  .sub = signals_metrics },
	{ METRIC("alerts", METRIC_BITS, V(alerts), NULL, I,
		 "Alerts set; empty when the dish did not answer, null before any status."),
	  .names = &alerts },
	{ METRIC("history", METRIC_OBJECT, V(history), NULL, G, "The one-second history reader."),
	  .sub = history_metrics },
	{ METRIC("status_extra", METRIC_OBJECT, V(status_extra), NULL, G,
		 "Status fields the engine does not use."), .sub = status_extra_metrics },
	METRIC_END
};
#undef V
