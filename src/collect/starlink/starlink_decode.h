/*
 * starlink_decode.h - dish replies (SpaceX.API.Device.Response protobuf)
 * into Starfail values, and the incremental history fold. Pure: no I/O, no
 * clock; used by the collector, the unit tests and the fuzzer.
 *
 * protobuf-c unpacks into a fixed arena that is reset before each reply, so
 * decoding never calls malloc and a hostile reply can use at most the arena
 * (it then fails with "arena exhausted"). Values are copied out of the arena
 * into the structs below; nothing points into it after a decode returns,
 * except struct sl_history_view (valid until the next reset).
 *
 * Absent is not zero: a missing sub-message (obstruction_stats, alerts,
 * gps_stats, outage, ...) leaves its values unknown, as do top-level fields
 * that only some firmware sends. Inside a sub-message the dish did send, a
 * missing scalar is proto3's default (the dish cannot send false or 0), and
 * so are the top-level drop rate and throughputs while connected (the dish
 * omits them when 0). Non-finite or out-of-range numbers become unknown.
 */
#ifndef SF_STARLINK_DECODE_H
#define SF_STARLINK_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sample.h"
#include "starlink.h"

struct sl_arena {
	uint8_t *buf;
	size_t cap, used, peak;
	bool exhausted;
	void *pbc_allocator;		/* ProtobufCAllocator backed by this arena */
	uint8_t pbc_storage[32];
};

int sl_arena_init(struct sl_arena *a, size_t cap);
void sl_arena_reset(struct sl_arena *a);
void sl_arena_fini(struct sl_arena *a);

#define SL_DECODE_ARENA_CAP (512 * 1024)	/* 2 x the message cap */

/*
 * The dish's clock for outage start times (DishOutage.start_timestamp_ns)
 * is GPS time in ns: counted from the GPS epoch 1980-01-06T00:00:00Z
 * without leap seconds. Unix time = GPS s + SL_GPS_EPOCH_UNIX_S -
 * SL_GPS_UTC_LEAP_S. GPS runs ahead of UTC by every leap second since
 * 1980: 18 s since 2017-01-01. When the IERS announces another (Bulletin
 * C; none is scheduled as of 2026), this constant changes, and outage
 * times are one second late per missing leap second until it does.
 */
#define SL_GPS_EPOCH_UNIX_S 315964800LL	/* 1980-01-06T00:00:00Z in Unix time */
#define SL_GPS_UTC_LEAP_S 18LL		/* GPS - UTC since 2017-01-01 */

/* Unix time (s) of a GPS-time nanosecond count from the dish. */
static inline double sl_gps_ns_to_unix_s(int64_t gps_ns)
{
	return (double)(gps_ns / 1000000000) + (double)(gps_ns % 1000000000) / 1e9 +
	       (double)(SL_GPS_EPOCH_UNIX_S - SL_GPS_UTC_LEAP_S);
}

/* Strings of the dish are kept whole up to these sizes (build_id is 68 characters). */
struct sl_device_info {
	bool valid;
	char id[64], hardware_version[48], software_version[64], country_code[8], build_id[96];
	int utc_offset_s;		/* INT32_MIN unknown */
	int bootcount;			/* -1 unknown */
};

/* Alerts beyond the ones struct starlink_metrics names, as a bitmask. */
#define SL_ALERT_BIT(n) (1u << ((n) - 1))	/* DishAlerts field number n */

struct sl_status {
	struct starlink_metrics m;	/* as in struct sample, from this reply only */
	bool alerts_known;
	uint32_t alerts;		/* SL_ALERT_BIT(field) set when that alert is true */
	double outage_start_ns, outage_duration_ns;	/* as sent: start in GPS time (m has Unix) */
	int disablement_code, mobility_class, reboot_reason;	/* -1 unknown */
	double eth_speed_mbps, seconds_to_first_nonempty_slot, update_progress;
	double obstruction_valid_s;
	enum tri stow_requested, is_cell_disabled;
	uint64_t api_version;		/* 0 unknown */
	struct sl_device_info dev;	/* status also carries device_info */
};

struct sl_history_view {
	uint64_t current;
	size_t n;			/* ring size = length of the drop-rate array */
	const float *drop, *latency, *down, *up;	/* latency/down/up NULL if length differs */
	size_t n_outages;
};

#define SL_ALERT_FIELDS 24		/* DishAlerts field numbers we name are below this */
extern const char *const sl_alert_names[SL_ALERT_FIELDS];	/* by field number, NULL gaps */
const char *sl_alert_name(int field);	/* NULL for unknown numbers */

/* Every field unknown (what a status is before the dish has sent one). */
void sl_status_init(struct sl_status *st);
enum starlink_error sl_decode_status(struct sl_arena *a, const uint8_t *msg, size_t len,
				     struct sl_status *st, char *err, size_t err_len);
enum starlink_error sl_decode_device_info(struct sl_arena *a, const uint8_t *msg, size_t len,
					  struct sl_device_info *di, char *err, size_t err_len);
enum starlink_error sl_decode_history(struct sl_arena *a, const uint8_t *msg, size_t len,
				      struct sl_history_view *hv, char *err, size_t err_len);

/* Serialized requests (protobuf only, without the gRPC prefix). */
extern const uint8_t sl_req_get_status[3], sl_req_get_history[3], sl_req_get_device_info[3];

/*
 * Incremental history: fold only the samples new since the previous read.
 * The first read sets the baseline. `current` going back is a dish reboot.
 */
struct sl_hist {
	bool have;
	uint64_t current;
	unsigned long reboots, lost_s, folded_s, bad_s;
	int run_s;			/* 100 % drop run in progress, across reads */
	/* accumulated since the last sl_hist_take() */
	bool fresh, rebooted;
	unsigned n, lat_n;
	double drop_sum, lat_sum, lat_max;
	int max_run_s;
	/* newest sample of the last read */
	double newest_drop, newest_latency_ms, newest_down_bps, newest_up_bps;
};

void sl_hist_init(struct sl_hist *h);
/* Returns the number of new samples folded (0 on the baseline read). */
unsigned sl_hist_fold(struct sl_hist *h, const struct sl_history_view *v);
/* Move the accumulated figures into m (hist_*, dish_rebooted) and restart. */
void sl_hist_take(struct sl_hist *h, struct starlink_metrics *m);

#endif
