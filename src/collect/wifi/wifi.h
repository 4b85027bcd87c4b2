/*
 * wifi.h - the Wi-Fi collector: radio figures of a station-mode uplink (a
 * member of class wifi) at a slow cadence, never on the probe path.
 *
 * Providers, tried in this order when wifi_provider is auto:
 *   nl80211  generic netlink over util/nl, driven by the loop: the family
 *            id (a CTRL_CMD_GETFAMILY dump, once), an NL80211_CMD_GET_STATION
 *            dump on the member's ifindex (signal, bitrates, retries,
 *            failures, connected and inactive time), then an
 *            NL80211_CMD_GET_SURVEY dump for the noise of the channel in use;
 *   iwinfo   `ubus call iwinfo info '{"device":"DEV"}'` through util/proc
 *            (timeout, output cap), for where nl80211 is not usable (no
 *            family, not a wireless device, EOPNOTSUPP).
 * One poll runs the first provider not backing off; when it fails the next
 * one is tried in the same poll. A failing provider is retried after
 * wifi_interval_ms, doubling per failure up to wifi_backoff_max_ms. When
 * no provider answers, the collector's fault (collector.h) names each
 * failing provider's reason; other members are not affected.
 *
 * One sample per poll: sample.wifi (signal, noise, tx bitrate) from the
 * provider that answered, all unknown when none did. Everything else is in
 * the metrics (wifi_metrics.h, docs/WIFI.md).
 */
#ifndef SF_WIFI_H
#define SF_WIFI_H

#include "cfgtab.h"
#include "collector.h"

enum wifi_provider { WIFI_PROV_NL80211, WIFI_PROV_IWINFO, __WIFI_PROV_MAX };

/* wifi_provider option: "auto" (index 0) or one provider (index provider + 1). */
#define WIFI_PROVIDER_AUTO 0

struct wifi_params {
	int provider;			/* WIFI_PROVIDER_AUTO or enum wifi_provider + 1 */
	int interval_ms;		/* poll cadence */
	int timeout_ms;			/* per netlink dump or tool run */
	int backoff_max_ms;
};

extern const struct cfg_option wifi_options[];
extern const char *const wifi_provider_names[];	/* __WIFI_PROV_MAX entries */
extern const struct collector_ops wifi_collector;

#endif
