/*
 * daemon_caps.h - metered data caps per member (docs/DATA_CAPS.md).
 *
 * On a slow timer (CAPS_TICK_MS, never per probe) the daemon reads each
 * capped-or-not member's device counters (/sys/class/net/DEV/statistics
 * rx_bytes + tx_bytes: all traffic, Starfail's probes included) and adds
 * their growth to the member's use in the current billing cycle. A counter
 * that went back (device re-created, counters reset, a 32-bit wrap) never
 * makes the use shrink: see caps_delta(). The cycle is cut by the wall
 * clock in UTC (caps_cycle_start()); a new cycle starts the count at 0.
 *
 * Per member, at data_alert_pct of data_cap_mb: event data_alert; at the
 * cap: event data_cap and the engine's gate (engine_member_set_cap: avoid
 * or stop); at the cycle's reset after either: event data_cap_reset and the
 * gate opened. The use lives in RAM, keyed by member name so a reload keeps
 * it: a daemon restart counts from the counters' values at start again.
 */
#ifndef SF_DAEMON_CAPS_H
#define SF_DAEMON_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#define CAPS_TICK_MS 10000
#define CAPS_MB 1000000ull		/* bytes in the MB of data_cap_mb */
#define CAPS_DAY_S 86400

struct daemon;
struct member;

enum caps_state { CAPS_OK, CAPS_ALERT, CAPS_CAPPED };

/* What `status` / `members` show (api_metrics.c). */
struct caps_view {
	double used_mb;			/* this cycle; NAN before the first read */
	int cap_mb;			/* 0: no cap */
	double pct;			/* used / cap, NAN without a cap */
	int64_t cycle_start;		/* Unix s (UTC) the cycle began; -1 unknown */
	const char *state;		/* ok, alert, capped; NULL without a cap */
};

/*
 * Start (Unix s, UTC) of the billing cycle holding now_s. cycle is enum
 * member_data_cycle; daily: the last 00:00 UTC (day_s: the day's length,
 * CAPS_DAY_S but in tests); monthly: 00:00 UTC of reset_day (1-28) of this
 * month, or of the previous month before that day.
 */
int64_t caps_cycle_start(int64_t now_s, int cycle, int reset_day, int64_t day_s);

/*
 * Growth of a byte counter from last to now. A counter that went back
 * counts from 0 (re-created device, reset): the growth is now; a counter in
 * the top half of 32 bits that went back is taken as wrapped at 2^32.
 */
uint64_t caps_delta(uint64_t last, uint64_t now);

/* Start the timer (first read at once); stop it and free. */
int daemon_caps_start(struct daemon *d);
void daemon_caps_stop(struct daemon *d);
/* Read the counters now and set the engine's gates (after a reload). */
void daemon_caps_poll(struct daemon *d);
/* Member m's figures; false when none are known yet. */
bool daemon_caps_view(const struct daemon *d, const struct member *m, struct caps_view *out);

#endif
