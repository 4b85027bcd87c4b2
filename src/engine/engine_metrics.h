/*
 * engine_metrics.h - the metric table of struct engine_score_info
 * (engine.h): the "engine" object of the API's `metrics` reply. Pure data
 * (types/metric.h): the engine still links only libc and libm.
 */
#ifndef SF_ENGINE_METRICS_H
#define SF_ENGINE_METRICS_H

#include "metric.h"

extern const struct metric_desc engine_score_metrics[];

#endif
