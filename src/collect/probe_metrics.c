/* probe_metrics.c - what a prober reports (struct probe_summary), described once. */
#include "probe_metrics.h"

#include "probe.h"

#define P(f) offsetof(struct probe_summary, f)
const struct metric_desc probe_summary_metrics[] = {
	{ METRIC("latency_ms", METRIC_DOUBLE, P(latency_ms), "ms", METRIC_GAUGE,
		 "Mean round-trip time of the answered probes in the window.") },
	{ METRIC("latency_p95_ms", METRIC_DOUBLE, P(latency_p95_ms), "ms", METRIC_GAUGE,
		 "95th percentile of the round-trip times in the window.") },
	{ METRIC("jitter_ms", METRIC_DOUBLE, P(jitter_ms), "ms", METRIC_GAUGE,
		 "Mean difference of consecutive round-trip times, per target.") },
	{ METRIC("loss_pct", METRIC_DOUBLE, P(loss_pct), "%", METRIC_GAUGE,
		 "Lost / sent in the window, over targets alive in it.") },
	{ METRIC("lost_in_row", METRIC_INT, P(lost_in_row), "rounds", METRIC_GAUGE,
		 "Consecutive rounds without any answer.") },
	{ METRIC("window_rounds", METRIC_INT, P(window_rounds), "rounds", METRIC_GAUGE,
		 "Rounds in the window now.") },
	{ METRIC("ring_capacity", METRIC_INT, P(ring_capacity), "rounds", METRIC_GAUGE,
		 "Rounds the window can hold.") },
	{ METRIC("rounds", METRIC_UINT64, P(rounds), "rounds", METRIC_COUNTER, "Probe rounds run.") },
	{ METRIC("rounds_up", METRIC_UINT64, P(rounds_up), "rounds", METRIC_COUNTER,
		 "Rounds in which at least one target answered.") },
	{ METRIC("probes_sent", METRIC_UINT64, P(probes_sent), "probes", METRIC_COUNTER,
		 "Probes sent.") },
	{ METRIC("probes_answered", METRIC_UINT64, P(probes_answered), "probes", METRIC_COUNTER,
		 "Probes answered in time.") },
	{ METRIC("replies_ignored", METRIC_UINT64, P(replies_ignored), "packets", METRIC_COUNTER,
		 "Packets that were not answers to our probes (other programs', late replies).") },
	{ METRIC("replies_bad", METRIC_UINT64, P(replies_bad), "packets", METRIC_COUNTER,
		 "Truncated replies, bad checksums, spoofed source or sequence.") },
	{ METRIC("send_errors", METRIC_UINT64, P(send_errors), "probes", METRIC_COUNTER,
		 "Probes the kernel refused to send.") },
	{ METRIC("interval_ms", METRIC_INT, P(interval_ms), "ms", METRIC_GAUGE,
		 "Current probe cadence.") },
	{ METRIC("bytes_per_day", METRIC_DOUBLE, P(bytes_per_day), "bytes", METRIC_GAUGE,
		 "Probe traffic per day at the current cadence (L3, both ways, estimated).") },
	{ METRIC("bytes_per_round", METRIC_DOUBLE, P(bytes_per_round), "bytes", METRIC_GAUGE,
		 "Probe traffic of one round (L3, both ways, estimated).") },
	{ METRIC("usable", METRIC_BOOL, P(usable), NULL, METRIC_GAUGE,
		 "The device can carry probes (address, route, socket).") },
	{ METRIC("reason", METRIC_STRING, P(reason), NULL, METRIC_INFO,
		 "Why probing is not possible; null when usable.") },
	METRIC_END
};
#undef P
