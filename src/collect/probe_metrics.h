/*
 * probe_metrics.h - the metric table of struct probe_summary (probe.h):
 * the "probe" object of the API's `metrics` reply (docs/METRICS.md).
 */
#ifndef SF_PROBE_METRICS_H
#define SF_PROBE_METRICS_H

#include "metric.h"

extern const struct metric_desc probe_summary_metrics[];

#endif
