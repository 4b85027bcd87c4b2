/*
 * sample.h - one observation of one uplink, the currency between the
 * collectors (probes, Starlink, cellular, Wi-Fi, netlink) and the engine.
 *
 * Every metric may be unknown: doubles use NAN, tri-state flags use
 * TRI_UNKNOWN. An unknown value is never read as zero or as perfect.
 * Collectors fill only what they measured; the daemon merges the latest
 * known values per member before handing the sample to the engine.
 *
 * Adding a field: append it, give it an "unknown" value in sample_init().
 */
#ifndef SF_SAMPLE_H
#define SF_SAMPLE_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

enum tri { TRI_UNKNOWN = -1, TRI_FALSE = 0, TRI_TRUE = 1 };

enum member_class {
	CLASS_AUTO,
	CLASS_STARLINK,
	CLASS_CELLULAR,
	CLASS_WIFI,
	CLASS_LAN,
	__CLASS_MAX
};

/* Starlink outage causes as the dish reports them (DishOutage.cause). */
enum starlink_outage_cause {
	SL_OUTAGE_NOT_KNOWN = -2,	/* no status from the dish */
	SL_OUTAGE_NONE = -1,	/* connected: no outage message present */
	SL_OUTAGE_UNKNOWN = 0,
	SL_OUTAGE_BOOTING = 1,
	SL_OUTAGE_STOWED = 2,
	SL_OUTAGE_THERMAL_SHUTDOWN = 3,
	SL_OUTAGE_NO_SCHEDULE = 4,
	SL_OUTAGE_NO_SATS = 5,
	SL_OUTAGE_OBSTRUCTED = 6,
	SL_OUTAGE_NO_DOWNLINK = 7,
	SL_OUTAGE_NO_PINGS = 8,
	SL_OUTAGE_ACTUATOR_ACTIVITY = 9,
	SL_OUTAGE_CABLE_TEST = 10,
	SL_OUTAGE_SLEEPING = 11,
	SL_OUTAGE_SKY_SEARCH = 13,
	SL_OUTAGE_INHIBIT_RF = 14,
};

struct starlink_metrics {
	double pop_latency_ms;		/* pop_ping_latency_ms */
	double pop_drop_pct;		/* pop_ping_drop_rate * 100 */
	double downlink_bps, uplink_bps;
	double obstruction_pct;		/* fraction_obstructed * 100 */
	double time_obstructed_pct;	/* time_obstructed * 100 */
	double prolonged_obstruction_duration_s, prolonged_obstruction_interval_s;
	enum tri currently_obstructed;
	enum tri snr_above_noise_floor;
	enum tri snr_persistently_low;
	int outage_cause;		/* enum starlink_outage_cause */
	double outage_duration_s;
	enum tri thermal_throttle, thermal_shutdown, motors_stuck, mast_not_vertical;
	enum tri unexpected_location, slow_ethernet, roaming, water_detected;
	enum tri reboot_ready;		/* swupdate_reboot_ready / REBOOT_REQUIRED */
	double reboot_in_s;		/* seconds_until_swupdate_reboot_possible; NAN = none pending */
	int software_update_state;	/* -1 unknown */
	enum tri gps_valid;
	int gps_sats;			/* -1 unknown */
	double uptime_s;
	enum tri reachable;		/* the dish answered the last poll */
	/* appended by the Starlink collector (starlink.h) */
	int dish_error;			/* enum starlink_error of the last poll; -1 unknown */
	int grpc_status;		/* grpc-status of a failed call; -1 none */
	double hist_seconds;		/* new one-second history samples folded in; NAN none */
	double hist_drop_pct;		/* mean drop over those seconds (loss since last sample) */
	double hist_latency_ms;		/* mean latency of those seconds with drop < 100 % */
	double hist_latency_max_ms;	/* worst latency of those seconds */
	int hist_max_drop_run_s;	/* longest run of 100 % drop seconds among them; -1 unknown */
	enum tri dish_rebooted;		/* history counter went back: dish rebooted since last sample */
	enum tri update_pending;	/* install_pending alert or update state REBOOT_REQUIRED */
	double obstruction_rise_pct;	/* obstruction_pct now minus ~1 min ago; NAN unknown */
	double outage_start_s;		/* outage start, Unix time (the dish sends GPS-time ns) */
};

struct cellular_metrics {
	double rsrp_dbm, rsrq_db, sinr_db, rssi_dbm;
	enum tri roaming;
};

struct wifi_metrics {
	double signal_dbm, noise_dbm, bitrate_mbps;
};

struct sample {
	int64_t t_ms;			/* monotonic ms of the observation */
	enum tri link_up;		/* carrier/address/route present */
	double latency_ms;		/* mean RTT over the probe window */
	double latency_p95_ms;
	double jitter_ms;
	double loss_pct;		/* 0..100 over the probe window */
	int probes_lost_in_row;		/* consecutive lost probe rounds; -1 unknown */
	struct starlink_metrics sl;
	struct cellular_metrics cell;
	struct wifi_metrics wifi;
	int probes_sent;		/* probes of this round (loss_pct is lost/sent); -1 unknown */
};

static inline void sample_init(struct sample *s, int64_t t_ms)
{
	s->t_ms = t_ms;
	s->link_up = TRI_UNKNOWN;
	s->latency_ms = s->latency_p95_ms = s->jitter_ms = s->loss_pct = NAN;
	s->probes_lost_in_row = -1;

	struct starlink_metrics *sl = &s->sl;
	sl->pop_latency_ms = sl->pop_drop_pct = sl->downlink_bps = sl->uplink_bps = NAN;
	sl->obstruction_pct = sl->time_obstructed_pct = NAN;
	sl->prolonged_obstruction_duration_s = sl->prolonged_obstruction_interval_s = NAN;
	sl->currently_obstructed = sl->snr_above_noise_floor = sl->snr_persistently_low = TRI_UNKNOWN;
	sl->outage_cause = SL_OUTAGE_NOT_KNOWN;
	sl->outage_duration_s = NAN;
	sl->thermal_throttle = sl->thermal_shutdown = sl->motors_stuck = sl->mast_not_vertical = TRI_UNKNOWN;
	sl->unexpected_location = sl->slow_ethernet = sl->roaming = sl->water_detected = TRI_UNKNOWN;
	sl->reboot_ready = TRI_UNKNOWN;
	sl->reboot_in_s = NAN;
	sl->software_update_state = -1;
	sl->gps_valid = TRI_UNKNOWN;
	sl->gps_sats = -1;
	sl->uptime_s = NAN;
	sl->reachable = TRI_UNKNOWN;
	sl->dish_error = sl->grpc_status = -1;
	sl->hist_seconds = sl->hist_drop_pct = sl->hist_latency_ms = sl->hist_latency_max_ms = NAN;
	sl->hist_max_drop_run_s = -1;
	sl->dish_rebooted = sl->update_pending = TRI_UNKNOWN;
	sl->obstruction_rise_pct = sl->outage_start_s = NAN;

	s->cell.rsrp_dbm = s->cell.rsrq_db = s->cell.sinr_db = s->cell.rssi_dbm = NAN;
	s->cell.roaming = TRI_UNKNOWN;
	s->wifi.signal_dbm = s->wifi.noise_dbm = s->wifi.bitrate_mbps = NAN;
	s->probes_sent = -1;
}

#endif
