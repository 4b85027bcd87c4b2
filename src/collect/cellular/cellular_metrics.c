/*
 * cellular_metrics.c - the metric tables of the cellular collector: the
 * radio figures (struct cell_info), each provider's state and the
 * collector's own (struct cellular_view).
 */
#include "cellular_metrics.h"

static const struct metric_names tech = { cell_tech_names, __CELL_TECH_MAX, 0, NULL };
static const struct metric_names reg = { cell_reg_names, __CELL_REG_MAX, 0, NULL };

#define G METRIC_GAUGE
#define C METRIC_COUNTER
#define I METRIC_INFO
#define NEG .flags = METRIC_F_NEG_UNKNOWN

#define R(f) offsetof(struct cell_info, f)
const struct metric_desc cell_info_metrics[] = {
	{ METRIC("rssi_dbm", METRIC_DOUBLE, R(rssi_dbm), "dBm", G, "Received signal strength (LTE, or 2G/3G).") },
	{ METRIC("rsrp_dbm", METRIC_DOUBLE, R(rsrp_dbm), "dBm", G, "LTE reference signal received power.") },
	{ METRIC("rsrq_db", METRIC_DOUBLE, R(rsrq_db), "dB", G, "LTE reference signal received quality.") },
	{ METRIC("sinr_db", METRIC_DOUBLE, R(sinr_db), "dB", G, "LTE SINR (SNR where the tool says SNR).") },
	{ METRIC("nr_rsrp_dbm", METRIC_DOUBLE, R(nr_rsrp_dbm), "dBm", G, "5G NR RSRP (NSA leg or SA cell).") },
	{ METRIC("nr_rsrq_db", METRIC_DOUBLE, R(nr_rsrq_db), "dB", G, "5G NR RSRQ.") },
	{ METRIC("nr_sinr_db", METRIC_DOUBLE, R(nr_sinr_db), "dB", G, "5G NR SINR.") },
	{ METRIC("tech", METRIC_ENUM, R(tech), NULL, I, "Access technology: 2G, 3G, LTE, 5G NSA, 5G SA."),
	  .names = &tech },
	{ METRIC("registration", METRIC_ENUM, R(reg), NULL, I,
		 "Network registration: home, roaming, registered, searching, denied, ..."), .names = &reg },
	{ METRIC("roaming", METRIC_TRI, R(roaming), NULL, G, "Registered on a visited network.") },
	{ METRIC("sim_slot", METRIC_INT, R(sim_slot), NULL, I, "Active SIM slot (1, 2, ...)."), NEG },
	{ METRIC("sim_slots", METRIC_STRING, R(sim_slots), NULL, I,
		 "What each slot holds, where the provider tells (mmcli): \"1:sim 2:empty\"."), },
	{ METRIC("temp_c", METRIC_DOUBLE, R(temp_c), "°C", G, "Modem temperature.") },
	{ METRIC("operator", METRIC_STRING, R(operator_name), NULL, I, "Operator name as the modem gives it.") },
	METRIC_END
};
#undef R


#define V(f) offsetof(struct cellular_view, f)
const struct metric_desc cellular_view_metrics[] = {
	{ METRIC("provider", METRIC_STRPTR, V(provider), NULL, I, "The cell_provider option (auto or one).") },
	{ METRIC("active", METRIC_STRPTR, V(active), NULL, I,
		 "Provider of the latest good poll; null when the latest poll failed.") },
	{ METRIC("state", METRIC_STRPTR, V(state), NULL, I, "polling (a tool runs) or idle.") },
	{ METRIC("modem", METRIC_INT, V(modem), NULL, I, "Modem index (cell_modem).") },
	{ METRIC("interval_ms", METRIC_INT, V(interval_ms), "ms", G, "Poll cadence.") },
	{ METRIC("timeout_ms", METRIC_INT, V(timeout_ms), "ms", G, "Deadline of one tool run.") },
	{ METRIC("polls_ok", METRIC_UINT64, V(polls_ok), "polls", C, "Polls some provider answered.") },
	{ METRIC("polls_failed", METRIC_UINT64, V(polls_failed), "polls", C, "Polls no provider answered.") },
	{ METRIC("last_ok_age_ms", METRIC_INT64, V(last_ok_age_ms), "ms", G,
		 "Time since the latest good poll; null before it."), NEG },
	{ METRIC("radio", METRIC_OBJECT, V(radio), NULL, G,
		 "The modem's figures of the latest poll (all null after a failed one)."), .sub = cell_info_metrics },
	{ METRIC("rutos_ubus", METRIC_OBJECT, V(prov[CELL_PROV_RUTOS_UBUS]), NULL, G,
		 "Provider `ubus call gsm.modemN get_signal_query`."), .sub = provider_view_metrics },
	{ METRIC("gsmctl", METRIC_OBJECT, V(prov[CELL_PROV_GSMCTL]), NULL, G, "Provider `gsmctl -q/-o/-t/-c`."),
	  .sub = provider_view_metrics },
	{ METRIC("mmcli", METRIC_OBJECT, V(prov[CELL_PROV_MMCLI]), NULL, G,
		 "Provider `mmcli -J -m N --signal-get` and `mmcli -J -m N`."), .sub = provider_view_metrics },
	{ METRIC("uqmi", METRIC_OBJECT, V(prov[CELL_PROV_UQMI]), NULL, G,
		 "Provider `uqmi -d DEV --get-signal-info` and `--get-serving-system`."), .sub = provider_view_metrics },
	{ METRIC("at", METRIC_OBJECT, V(prov[CELL_PROV_AT]), NULL, G,
		 "Provider AT commands on the serial port cell_at_port (docs/CELLULAR.md)."), .sub = provider_view_metrics },
	{ METRIC("at_port", METRIC_OBJPTR, V(at), NULL, G,
		 "The AT port's round counters; null without cell_at_port."), .sub = cell_at_view_metrics },
	METRIC_END
};
#undef V
