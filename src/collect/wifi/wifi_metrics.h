/*
 * wifi_metrics.h - what the Wi-Fi collector reports, described once: a
 * snapshot of the collector (struct wifi_view, filled by wifi.c), the
 * metric tables of it, of each provider and of the radio figures (struct
 * wifi_info). The "wifi" object of the `metrics` reply is
 * metric_object(wifi_view_metrics) (docs/METRICS.md).
 */
#ifndef SF_WIFI_METRICS_H
#define SF_WIFI_METRICS_H

#include <stdint.h>

#include "metric.h"
#include "provider.h"
#include "sample.h"
#include "wifi.h"
#include "wifi_parse.h"

#define WIFI_REASON_MAX 120


struct wifi_view {
	const char *provider;		/* the wifi_provider option */
	const char *active;		/* provider of the latest good poll; NULL none */
	const char *state;		/* polling | idle */
	const char *device;
	int ifindex;			/* 0 unknown */
	int interval_ms, timeout_ms;
	uint64_t polls_ok, polls_failed;
	int64_t last_ok_age_ms;		/* -1 never */
	enum tri associated;		/* the latest good poll saw the AP */
	int nl80211_family;		/* generic netlink id; 0 unknown */
	struct wifi_info radio;		/* the latest good poll; unknown after a failed one */
	struct provider_view prov[__WIFI_PROV_MAX];
};

extern const struct metric_desc wifi_info_metrics[];
extern const struct metric_desc wifi_view_metrics[];

#endif
