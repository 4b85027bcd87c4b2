/*
 * provider.c - provider health of the slow collectors (provider.h).
 */
#include "provider.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

void provider_health_init(struct provider_health *h)
{
	memset(h, 0, sizeof(*h));
	h->failing_since_ms = -1;
	h->last_duration_ms = -1;
}

void provider_health_start(struct provider_health *h, int64_t now_ms)
{
	h->tried = true;
	h->runs++;
	h->started_ms = now_ms;
}

int64_t provider_health_failed(struct provider_health *h, int64_t now_ms, const char *reason,
			       int64_t interval_ms, int64_t backoff_max_ms, bool *changed)
{
	h->last_duration_ms = now_ms - h->started_ms;
	h->failures++;
	h->consecutive++;
	int64_t delay = interval_ms;
	for (int64_t i = 1; i < h->consecutive && delay < backoff_max_ms; i++)
		delay *= 2;
	if (delay > backoff_max_ms)
		delay = backoff_max_ms;
	h->next_try_ms = now_ms + delay;
	char r[PROVIDER_REASON_MAX];
	snprintf(r, sizeof(r), "%s", reason);
	text_sanitize(r);
	*changed = !h->failing || strcmp(h->reason, r) != 0;
	if (!h->failing)
		h->failing_since_ms = now_ms;
	h->failing = true;
	memcpy(h->reason, r, sizeof(r));
	return delay;
}

int64_t provider_health_ok(struct provider_health *h, int64_t now_ms)
{
	int64_t ended = h->failing ? h->consecutive : 0;
	h->last_duration_ms = now_ms - h->started_ms;
	h->ok++;
	h->failing = false;
	h->reason[0] = '\0';
	h->consecutive = 0;
	h->failing_since_ms = -1;
	h->next_try_ms = 0;
	return ended;
}

void provider_health_view(const struct provider_health *h, int64_t now_ms, struct provider_view *v)
{
	v->status = !h->tried ? "untried" : h->failing ? "failing" : "ok";
	snprintf(v->reason, sizeof(v->reason), "%s", h->failing ? h->reason : "");
	v->failing_for_ms = h->failing ? now_ms - h->failing_since_ms : -1;
	v->next_try_in_ms = h->failing && h->next_try_ms > now_ms ? h->next_try_ms - now_ms : -1;
	v->runs = h->runs;
	v->ok = h->ok;
	v->failures = h->failures;
	v->consecutive_failures = h->consecutive;
	v->last_duration_ms = h->last_duration_ms;
}

#define G METRIC_GAUGE
#define C METRIC_COUNTER
#define I METRIC_INFO
#define NEG .flags = METRIC_F_NEG_UNKNOWN
#define P(f) offsetof(struct provider_view, f)
const struct metric_desc provider_view_metrics[] = {
	{ METRIC("status", METRIC_STRPTR, P(status), NULL, I, "untried, ok or failing.") },
	{ METRIC("reason", METRIC_STRING, P(reason), NULL, I,
		 "Why it is failing (missing, timed out, exit code, refused output, no such family or "
		 "device); null when ok.") },
	{ METRIC("failing_for_ms", METRIC_INT64, P(failing_for_ms), "ms", G,
		 "Time since the first failure of the current run of failures; null when not failing."), NEG },
	{ METRIC("next_try_in_ms", METRIC_INT64, P(next_try_in_ms), "ms", G,
		 "Backoff left before it is tried again; null when not backing off."), NEG },
	{ METRIC("runs", METRIC_UINT64, P(runs), "polls", C, "Polls that ran this provider.") },
	{ METRIC("ok", METRIC_UINT64, P(ok), "polls", C, "Polls it answered with values.") },
	{ METRIC("failures", METRIC_UINT64, P(failures), "polls", C, "Polls it failed.") },
	{ METRIC("consecutive_failures", METRIC_INT64, P(consecutive_failures), "polls", G,
		 "Failures since its last good poll.") },
	{ METRIC("last_duration_ms", METRIC_INT64, P(last_duration_ms), "ms", G,
		 "Time its last poll took (all its steps)."), NEG },
	METRIC_END
};
