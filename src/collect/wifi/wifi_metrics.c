/*
 * wifi_metrics.c - the metric tables of the Wi-Fi collector: the radio
 * figures (struct wifi_info, its bitrates), each provider's state and the
 * collector's own (struct wifi_view).
 */
#include "wifi_metrics.h"

static const struct metric_names rate_modes = { wifi_rate_mode_names, __WIFI_RATE_MAX, 0, NULL };

#define G METRIC_GAUGE
#define C METRIC_COUNTER
#define I METRIC_INFO
#define NEG .flags = METRIC_F_NEG_UNKNOWN

#define B(f) offsetof(struct wifi_rate, f)
static const struct metric_desc rate_metrics[] = {
	{ METRIC("bitrate_mbps", METRIC_DOUBLE, B(mbps), "Mbit/s", G, "Bitrate of the last frame(s).") },
	{ METRIC("mode", METRIC_ENUM, B(mode), NULL, I, "legacy, ht, vht, he or eht."), .names = &rate_modes },
	{ METRIC("mcs", METRIC_INT, B(mcs), NULL, G, "MCS index (HT: 0..76 with the streams folded in)."), NEG },
	{ METRIC("nss", METRIC_INT, B(nss), NULL, G, "Spatial streams."), NEG },
	{ METRIC("width_mhz", METRIC_INT, B(width_mhz), "MHz", G, "Channel width of the rate."), NEG },
	METRIC_END
};
#undef B

#define R(f) offsetof(struct wifi_info, f)
const struct metric_desc wifi_info_metrics[] = {
	{ METRIC("signal_dbm", METRIC_DOUBLE, R(signal_dbm), "dBm", G, "Signal of the AP as the station hears it.") },
	{ METRIC("signal_avg_dbm", METRIC_DOUBLE, R(signal_avg_dbm), "dBm", G,
		 "The driver's average signal (nl80211 only).") },
	{ METRIC("noise_dbm", METRIC_DOUBLE, R(noise_dbm), "dBm", G,
		 "Noise floor of the channel in use (survey; null when the driver has none).") },
	{ METRIC("snr_db", METRIC_DOUBLE, R(snr_db), "dB", G, "signal_dbm - noise_dbm, when both are known.") },
	{ METRIC("tx", METRIC_OBJECT, R(tx), NULL, G, "Transmit bitrate (iwinfo: bitrate_mbps only)."),
	  .sub = rate_metrics },
	{ METRIC("rx", METRIC_OBJECT, R(rx), NULL, G, "Receive bitrate (nl80211 only)."), .sub = rate_metrics },
	{ METRIC("tx_retries", METRIC_INT64, R(tx_retries), "frames", C,
		 "Retried transmissions to the AP since association."), NEG },
	{ METRIC("tx_failed", METRIC_INT64, R(tx_failed), "frames", C,
		 "Transmissions to the AP that failed since association."), NEG },
	{ METRIC("tx_packets", METRIC_INT64, R(tx_packets), "packets", C, "Packets sent to the AP."), NEG },
	{ METRIC("rx_packets", METRIC_INT64, R(rx_packets), "packets", C, "Packets received from the AP."), NEG },
	{ METRIC("connected_s", METRIC_INT64, R(connected_s), "s", G, "Time since association."), NEG },
	{ METRIC("inactive_ms", METRIC_INT64, R(inactive_ms), "ms", G, "Time since the last frame from the AP."),
	  NEG },
	{ METRIC("frequency_mhz", METRIC_INT, R(frequency_mhz), "MHz", I, "Channel in use."), NEG },
	{ METRIC("quality", METRIC_INT, R(quality), NULL, G, "iwinfo's quality (signal + 110, of quality_max)."),
	  NEG },
	{ METRIC("quality_max", METRIC_INT, R(quality_max), NULL, I, "iwinfo's scale of quality (70)."), NEG },
	{ METRIC("bssid", METRIC_STRING, R(bssid), NULL, I, "The AP's MAC address.") },
	{ METRIC("ssid", METRIC_STRING, R(ssid), NULL, I, "Network name (iwinfo only).") },
	{ METRIC("mode", METRIC_STRING, R(mode), NULL, I, "Interface mode as iwinfo names it (Client, ...).") },
	{ METRIC("stations", METRIC_INT, R(stations), NULL, G,
		 "Station entries in the dump (a station uplink has one: its AP)."), NEG },
	{ METRIC("ignored", METRIC_INT, R(ignored), NULL, G,
		 "Attributes or fields of the latest poll refused (wrong length, out of range).") },
	METRIC_END
};
#undef R


#define V(f) offsetof(struct wifi_view, f)
const struct metric_desc wifi_view_metrics[] = {
	{ METRIC("provider", METRIC_STRPTR, V(provider), NULL, I, "The wifi_provider option (auto or one).") },
	{ METRIC("active", METRIC_STRPTR, V(active), NULL, I,
		 "Provider of the latest good poll; null when the latest poll failed.") },
	{ METRIC("state", METRIC_STRPTR, V(state), NULL, I, "polling (a dump or ubus runs) or idle.") },
	{ METRIC("device", METRIC_STRPTR, V(device), NULL, I, "The member's wireless device.") },
	{ METRIC("ifindex", METRIC_INT, V(ifindex), NULL, I, "Its interface index; null when not present."),
	  .flags = METRIC_F_NEG_UNKNOWN | METRIC_F_ZERO_UNKNOWN },
	{ METRIC("interval_ms", METRIC_INT, V(interval_ms), "ms", G, "Poll cadence.") },
	{ METRIC("timeout_ms", METRIC_INT, V(timeout_ms), "ms", G, "Deadline of one dump or tool run.") },
	{ METRIC("polls_ok", METRIC_UINT64, V(polls_ok), "polls", C, "Polls some provider answered.") },
	{ METRIC("polls_failed", METRIC_UINT64, V(polls_failed), "polls", C, "Polls no provider answered.") },
	{ METRIC("last_ok_age_ms", METRIC_INT64, V(last_ok_age_ms), "ms", G,
		 "Time since the latest good poll; null before it."), NEG },
	{ METRIC("associated", METRIC_TRI, V(associated), NULL, G,
		 "The latest good poll saw an AP (a station entry, or iwinfo figures)."), },
	{ METRIC("nl80211_family", METRIC_INT, V(nl80211_family), NULL, I,
		 "Generic netlink id of nl80211; null when the kernel has none (or not looked up yet)."),
	  .flags = METRIC_F_NEG_UNKNOWN | METRIC_F_ZERO_UNKNOWN },
	{ METRIC("radio", METRIC_OBJECT, V(radio), NULL, G,
		 "The figures of the latest poll (all null after a failed one)."), .sub = wifi_info_metrics },
	{ METRIC("nl80211", METRIC_OBJECT, V(prov[WIFI_PROV_NL80211]), NULL, G,
		 "Provider nl80211 (station and survey dumps)."), .sub = provider_view_metrics },
	{ METRIC("iwinfo", METRIC_OBJECT, V(prov[WIFI_PROV_IWINFO]), NULL, G,
		 "Provider `ubus call iwinfo info`."), .sub = provider_view_metrics },
	METRIC_END
};
#undef V
