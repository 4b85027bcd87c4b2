/*
 * probe_boost.h - adaptive evidence: when a member is suspect (the engine's
 * engine_score_info.suspect: a lost probe on a clean link, evidence a
 * quarter of the way to a threshold, a latency jump; or the passive stall
 * below), its prober runs rounds every probe_boost_interval_ms (100 ms)
 * instead of its cadence, for as long as the suspicion is renewed (each
 * renewal holds probe_boost_hold_ms; the engine keeps it until its test
 * decides either way), so the evidence confirms or clears in seconds. The
 * extra rounds are paid from a per-member token bucket filled at
 * probe_boost_budget_kb_day (it holds PROBE_BOOST_BUCKET_DIV-th of it, 3 h
 * of refill): when it is empty the member probes at its cadence, whatever
 * the suspicion. Idle traffic on a healthy link is the
 * cadence's; only suspicion costs more.
 *
 * Passive stall (zero probe cost): the primary's interface counters. When,
 * over the last probe_passive_stall_ms, the device has sent at least
 * PROBE_STALL_MIN_TX packets that are not our probes and received at most
 * 1/PROBE_STALL_RX_DIV as many, the traffic going out gets (almost) no
 * answer: the prober starts a confirmation round at once and boosts. "At
 * most a third", not "none": a Starlink dish at 192.168.100.1 answers its
 * poller over the same device while the satellite link is down. It fires
 * once per stall (again after a window with answers).
 *
 * Pure code: no I/O, no clock (times are arguments). The prober
 * (probe.c, probe_passive.c) and the simulator's trace generator
 * (sim/tracegen.c --adaptive) run this same rule.
 */
#ifndef SF_PROBE_BOOST_H
#define SF_PROBE_BOOST_H

#include <stdbool.h>
#include <stdint.h>

#define PROBE_BOOST_BUCKET_DIV 8	/* the bucket holds 1/8 of the daily budget (3 h) */
#define PROBE_STALL_MIN_TX 4		/* packets out (not probes) that make a stall */
#define PROBE_STALL_RX_DIV 3		/* ... with at most a third as many received */
#define PROBE_STALL_HIST 8		/* readings kept */
#define PROBE_BOOST_TIMEOUT_MIN_MS 200	/* confirmation rounds wait at least this */
#define PROBE_BOOST_TIMEOUT_RTT_MULT 4	/* ... or this times the window's p95 RTT */

struct probe_boost_cfg {
	int interval_ms;		/* probe_boost_interval_ms; 0 = no boosting */
	int hold_ms;			/* probe_boost_hold_ms */
	int budget_kb_day;		/* probe_boost_budget_kb_day (1 kB = 1000 bytes) */
};

struct probe_boost {
	struct probe_boost_cfg cfg;
	int64_t until_ms;		/* boosted before this; INT64_MIN none */
	double tokens;			/* bytes the bucket holds */
	int64_t tok_t_ms;		/* last refill; INT64_MIN: full, not started */
	uint64_t rounds, bytes;		/* extra rounds taken and their bytes */
	uint64_t denied;		/* boosted rounds the budget refused */
	uint64_t requests;		/* suspicions that started a boost */
};

void probe_boost_init(struct probe_boost *b, const struct probe_boost_cfg *c);

/* Suspicion: boost until until_ms (later requests extend; <= now: end it). */
void probe_boost_request(struct probe_boost *b, int64_t now_ms, int64_t until_ms);

bool probe_boost_active(const struct probe_boost *b, int64_t now_ms);

/*
 * Due time of the next round of a member whose last round started at
 * last_ms and whose cadence makes it due at regular_ms: regular_ms, or,
 * while boosted and when the bucket holds bytes_per_round,
 * last_ms + interval_ms (not before now_ms) if that is earlier - that round
 * is charged here. *boosted (may be NULL) says which.
 */
int64_t probe_boost_next(struct probe_boost *b, int64_t last_ms, int64_t regular_ms,
			 double bytes_per_round, int64_t now_ms, bool *boosted);

/* Bytes the bucket holds at now_ms (for status). */
double probe_boost_tokens(const struct probe_boost *b, int64_t now_ms);

/*
 * How long a confirmation round (a boosted one, one after a fully lost
 * round, or one on a passive stall) waits for answers: PROBE_BOOST_TIMEOUT_RTT_MULT x the window's p95
 * RTT, at least PROBE_BOOST_TIMEOUT_MIN_MS, at most timeout_ms (p95 NAN:
 * timeout_ms). Boosting off: timeout_ms.
 */
int probe_boost_confirm_timeout_ms(const struct probe_boost *b, int timeout_ms, double p95_ms);

/* The passive stall detector of one device's counters. */
struct probe_stall {
	int stall_ms;			/* probe_passive_stall_ms; 0 = off */
	bool fired;			/* fired for the current stall */
	int n, head;			/* readings held, next write */
	struct {
		int64_t t_ms;
		uint64_t rx, tx;	/* counters; tx without our probes (cumulative) */
	} h[PROBE_STALL_HIST];
	uint64_t raw_tx;		/* the device's tx counter at the newest reading */
	uint64_t traffic_tx;		/* packets out (not probes) in the newest step */
	uint64_t fires;
	int64_t stalled_ms;		/* length of the window that fired */
};

void probe_stall_init(struct probe_stall *st, int stall_ms);

/*
 * A reading of the device's rx/tx packet counters at now_ms; own_tx: the
 * packets this prober's probes sent since the previous reading. Returns true
 * when, over the newest window of at least stall_ms, the traffic out had
 * (almost) no answer (once per stall). Counters that go back (device
 * re-created) restart the detector.
 */
bool probe_stall_feed(struct probe_stall *st, int64_t now_ms, uint64_t rx, uint64_t tx,
		      uint64_t own_tx);

/* Does traffic (not our probes) flow out? Then it is worth reading again soon. */
bool probe_stall_busy(const struct probe_stall *st);

/*
 * The device's packet counters (probe_passive.c, the only I/O here):
 * /sys/class/net/DEV/statistics/{rx,tx}_packets, opened once per link and
 * re-read with pread(). Never blocks (sysfs); a device that is gone or a
 * value that does not parse is an error (-1), never a made-up reading.
 */
struct probe_counters {
	int fd_rx, fd_tx;		/* -1: closed */
};

void probe_counters_init(struct probe_counters *c);
int probe_counters_open(struct probe_counters *c, const char *device);
int probe_counters_read(struct probe_counters *c, uint64_t *rx, uint64_t *tx);
void probe_counters_close(struct probe_counters *c);

#endif
