/*
 * provider.h - the health of one provider of a slow collector (the cellular
 * collector's gsmctl/mmcli/uqmi/AT, the Wi-Fi collector's nl80211/iwinfo):
 * runs, answers and failures counted, the reason of a failing one, and its
 * retry backoff (the first retry after one interval, doubling up to a cap).
 * Pure bookkeeping on times the caller gives; no I/O, no logging.
 *
 * provider_view is what the `metrics` reply shows of it
 * (provider_view_metrics), the same fields for every collector.
 */
#ifndef SF_PROVIDER_H
#define SF_PROVIDER_H

#include <stdbool.h>
#include <stdint.h>

#include "metric.h"

#define PROVIDER_REASON_MAX 160

struct provider_health {
	bool tried, failing;
	char reason[PROVIDER_REASON_MAX];	/* sanitized; "" unless failing */
	int64_t failing_since_ms;		/* -1 when not failing */
	int64_t next_try_ms;			/* 0: may run now */
	int64_t started_ms, last_duration_ms;	/* last_duration_ms -1 before the first run */
	uint64_t runs, ok, failures;
	int64_t consecutive;			/* failures since the last good run */
};

struct provider_view {
	const char *status;			/* untried | ok | failing */
	char reason[PROVIDER_REASON_MAX];	/* why failing; "" when ok */
	int64_t failing_for_ms;			/* -1 when not failing */
	int64_t next_try_in_ms;			/* -1 when not backing off */
	uint64_t runs, ok, failures;
	int64_t consecutive_failures;
	int64_t last_duration_ms;		/* -1 before the first run */
};

void provider_health_init(struct provider_health *h);
/* A run starts at now_ms. */
void provider_health_start(struct provider_health *h, int64_t now_ms);
/*
 * The run failed at now_ms with reason: counted, the next try due after
 * interval_ms doubled per failure in a row, at most backoff_max_ms.
 * Returns that delay; *changed says whether it was not failing before or
 * the reason is another (worth a log line).
 */
int64_t provider_health_failed(struct provider_health *h, int64_t now_ms, const char *reason,
			       int64_t interval_ms, int64_t backoff_max_ms, bool *changed);
/* The run answered at now_ms; returns the failures in a row it ends (0: was not failing). */
int64_t provider_health_ok(struct provider_health *h, int64_t now_ms);
void provider_health_view(const struct provider_health *h, int64_t now_ms, struct provider_view *v);

extern const struct metric_desc provider_view_metrics[];

#endif
