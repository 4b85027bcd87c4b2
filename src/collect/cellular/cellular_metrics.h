/*
 * cellular_metrics.h - what the cellular collector reports, described
 * once: a snapshot of the collector (struct cellular_view, filled by
 * cellular.c) and the metric tables of it, of each provider and of the
 * radio figures (struct cell_info). The "cellular" object of the `metrics`
 * reply is metric_object(cellular_view_metrics) (docs/METRICS.md).
 */
#ifndef SF_CELLULAR_METRICS_H
#define SF_CELLULAR_METRICS_H

#include <stdint.h>

#include "cell_at.h"
#include "cell_parse.h"
#include "cellular.h"
#include "metric.h"
#include "provider.h"

#define CELL_REASON_MAX 160


struct cellular_view {
	const char *provider;		/* the cell_provider option */
	const char *active;		/* provider of the latest good poll; NULL none */
	const char *state;		/* polling | idle */
	int modem;
	int interval_ms, timeout_ms;
	uint64_t polls_ok, polls_failed;
	int64_t last_ok_age_ms;		/* -1 never */
	struct cell_info radio;		/* the latest good poll; unknown after a failed one */
	struct provider_view prov[__CELL_PROV_MAX];
	const struct cell_at_view *at;	/* the AT port; NULL without cell_at_port */
};

extern const struct metric_desc cell_info_metrics[];
extern const struct metric_desc cellular_view_metrics[];

#endif
