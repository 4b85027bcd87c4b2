/*
 * metrics_doc.c - print the metric tables of every API object as Markdown
 * (the generated part of docs/METRICS.md; tools/gen-metrics-doc.sh puts it
 * there, the docs_metrics test checks it is current). Checks every table
 * first (metric_check): a broken table fails the build's tests, not a client.
 */
#include <stdio.h>

#include "api_metrics.h"
#include "cell_sim.h"
#include "cellular_metrics.h"
#include "metric_impl.h"
#include "mqtt.h"
#include "notify.h"
#include "prom_http.h"
#ifdef SF_HAVE_STARLINK
#include "starlink_metrics.h"
#endif
#include "wifi_metrics.h"

static const struct {
	const char *title;
	const char *intro;
	const char *prefix;
	const struct metric_desc *tab;
} objects[] = {
	{ "status", "The daemon (`status` method). The `controller` object and the `members` list "
	  "(one object per member, below) are added to these.", NULL, status_metrics },
	{ "member", "One member (`members` method; `status.members[]`).", NULL, member_metrics },
	{ "metrics", "One member in detail (`metrics` method): the member's fields, the kernel's "
	  "view of its device, the engine's figures (left out without an engine) and the prober's "
	  "window (left out when the member has no prober). A Starlink member adds `starlink`, below.",
	  NULL, member_detail_metrics },
	{ "history.samples[]", "One RAM sample of a member (`history` method).", NULL,
	  history_point_metrics },
	{ "events.events[]", "One event (`events` method).", NULL, event_metrics },
	{ "status.prometheus", "The Prometheus endpoint (docs/PROMETHEUS.md), in `status`.", "prometheus.",
	  prom_status_metrics },
	{ "status.mqtt", "The MQTT connection (docs/MQTT.md), in `status`.", "mqtt.", mqtt_status_metrics },
	{ "status.notify", "Hook scripts and the webhook (docs/NOTIFICATIONS.md), in `status`.", "notify.",
	  notify_status_metrics },
#ifdef SF_HAVE_STARLINK
	{ "metrics.starlink", "The Starlink collector of a Starlink member (`metrics` method, "
	  "`result.starlink`).", "starlink.", starlink_view_metrics },
#endif
	{ "metrics.cellular", "The cellular collector of a cellular member (`metrics` method, "
	  "`result.cellular`; docs/CELLULAR.md).", "cellular.", cellular_view_metrics },
	{ "metrics.sim", "Dual SIM of a cellular member with `cell_sim_switch` on (`metrics` method, "
	  "`result.sim`; docs/CELLULAR.md, Dual SIM).", "sim.", cell_sim_view_metrics },
	{ "metrics.wifi", "The Wi-Fi collector of a wifi member (`metrics` method, `result.wifi`; "
	  "docs/WIFI.md).", "wifi.", wifi_view_metrics },
};

int main(void)
{
	int rc = 0;
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		char err[200];
		if (metric_check(objects[i].tab, err, sizeof(err))) {
			fprintf(stderr, "metrics_doc: table of %s: %s\n", objects[i].title, err);
			rc = 1;
		}
	}
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		printf("%s### `%s`\n\n%s\n\n", i ? "\n" : "", objects[i].title, objects[i].intro);
		metric_print_markdown(objects[i].tab, objects[i].prefix, stdout);
	}
	return 0;
}
