/* starlink_decode.c - see starlink_decode.h */
#include "starlink_decode.h"

#include <math.h>
#include <protobuf-c/protobuf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dish.pb-c.h"

typedef SpaceX__API__Device__Response Response;

const uint8_t sl_req_get_status[3] = { 0xe2, 0x3e, 0x00 };	/* field 1004, empty */
const uint8_t sl_req_get_history[3] = { 0xfa, 0x3e, 0x00 };	/* field 1007 */
const uint8_t sl_req_get_device_info[3] = { 0x82, 0x3f, 0x00 };	/* field 1008 */

static void *arena_alloc(void *data, size_t size)
{
	struct sl_arena *a = data;
	size_t off = (a->used + 15) & ~(size_t)15;

	if (off > a->cap || size > a->cap - off) {
		a->exhausted = true;
		return NULL;
	}
	a->used = off + size;
	if (a->used > a->peak)
		a->peak = a->used;
	return a->buf + off;
}

static void arena_free(void *data, void *ptr)
{
	/* released all at once by sl_arena_reset() */
}

int sl_arena_init(struct sl_arena *a, size_t cap)
{
	ProtobufCAllocator *pa = (ProtobufCAllocator *)a->pbc_storage;

	_Static_assert(sizeof(ProtobufCAllocator) <= sizeof(a->pbc_storage), "allocator storage");
	memset(a, 0, sizeof(*a));
	a->buf = malloc(cap);
	if (!a->buf)
		return -1;
	a->cap = cap;
	pa->alloc = arena_alloc;
	pa->free = arena_free;
	pa->allocator_data = a;
	a->pbc_allocator = pa;
	return 0;
}

void sl_arena_reset(struct sl_arena *a)
{
	a->used = 0;
	a->exhausted = false;
}

void sl_arena_fini(struct sl_arena *a)
{
	free(a->buf);
	a->buf = NULL;
}

static Response *unpack(struct sl_arena *a, const uint8_t *msg, size_t len, int want,
			enum starlink_error *e, char *err, size_t err_len)
{
	sl_arena_reset(a);
	Response *r = space_x__api__device__response__unpack(a->pbc_allocator, len, msg);
	if (!r) {
		*e = SL_ERR_DECODE;
		if (a->exhausted)
			snprintf(err, err_len, "reply of %zu bytes needs more than the %zu-byte decode arena",
				 len, a->cap);
		else
			snprintf(err, err_len, "reply of %zu bytes is not a valid Response protobuf", len);
		return NULL;
	}
	if ((int)r->response_case != want) {
		*e = SL_ERR_REPLY;
		snprintf(err, err_len, "reply carries field %d, expected %d", (int)r->response_case, want);
		return NULL;
	}
	*e = SL_ERR_NONE;
	return r;
}

/* A float the dish sent, or NAN when absent, not finite or out of [lo, hi]. */
static double num(bool has, double v, double lo, double hi)
{
	if (!has || !isfinite(v) || v < lo || v > hi)
		return NAN;
	return v;
}

static enum tri tri_of(bool has, bool v)
{
	return has ? (v ? TRI_TRUE : TRI_FALSE) : TRI_UNKNOWN;
}

/* Copy a string from the dish, printable ASCII only, truncated. */
static void copy_str(char *dst, size_t dst_len, const char *src)
{
	size_t o = 0;

	for (; src && *src && o + 1 < dst_len; src++)
		dst[o++] = (*src >= 0x20 && *src < 0x7f && *src != '"' && *src != '\\') ? *src : '?';
	dst[o] = '\0';
}

static void device_info_from(struct sl_device_info *di, const SpaceX__API__Device__DeviceInfo *d)
{
	memset(di, 0, sizeof(*di));
	di->utc_offset_s = INT32_MIN;
	di->bootcount = -1;
	if (!d)
		return;
	di->valid = true;
	copy_str(di->id, sizeof(di->id), d->id);
	copy_str(di->hardware_version, sizeof(di->hardware_version), d->hardware_version);
	copy_str(di->software_version, sizeof(di->software_version), d->software_version);
	copy_str(di->country_code, sizeof(di->country_code), d->country_code);
	copy_str(di->build_id, sizeof(di->build_id), d->build_id);
	if (d->has_utc_offset_s && d->utc_offset_s > -86400 && d->utc_offset_s < 86400)
		di->utc_offset_s = d->utc_offset_s;
	if (d->has_bootcount && d->bootcount >= 0)
		di->bootcount = d->bootcount;
}

enum starlink_error sl_decode_device_info(struct sl_arena *a, const uint8_t *msg, size_t len,
					  struct sl_device_info *di, char *err, size_t err_len)
{
	enum starlink_error e;
	Response *r = unpack(a, msg, len, SPACE_X__API__DEVICE__RESPONSE__RESPONSE_GET_DEVICE_INFO,
			     &e, err, err_len);
	if (!r)
		return e;
	device_info_from(di, r->get_device_info->device_info);
	if (!di->valid) {
		snprintf(err, err_len, "get_device_info reply without device_info");
		return SL_ERR_REPLY;
	}
	return SL_ERR_NONE;
}

const char *const sl_alert_names[SL_ALERT_FIELDS] = {
	[1] = "motors_stuck", [2] = "thermal_shutdown", [3] = "thermal_throttle",
	[4] = "unexpected_location", [5] = "mast_not_near_vertical", [6] = "slow_ethernet_speeds",
	[7] = "roaming", [8] = "install_pending", [9] = "is_heating",
	[10] = "power_supply_thermal_throttle", [11] = "is_power_save_idle",
	[14] = "dbf_telem_stale", [16] = "low_motor_current", [17] = "lower_signal_than_predicted",
	[18] = "slow_ethernet_speeds_100", [19] = "obstruction_map_reset",
	[20] = "dish_water_detected", [21] = "router_water_detected",
	[22] = "upsu_router_port_slow", [23] = "no_ethernet_link",
};

const char *sl_alert_name(int field)
{
	return field > 0 && field < SL_ALERT_FIELDS ? sl_alert_names[field] : NULL;
}

static uint32_t alert_bits(const SpaceX__API__Device__DishAlerts *al)
{
	const bool v[24] = {
		[1] = al->motors_stuck, [2] = al->thermal_shutdown, [3] = al->thermal_throttle,
		[4] = al->unexpected_location, [5] = al->mast_not_near_vertical,
		[6] = al->slow_ethernet_speeds, [7] = al->roaming, [8] = al->install_pending,
		[9] = al->is_heating, [10] = al->power_supply_thermal_throttle,
		[11] = al->is_power_save_idle, [14] = al->dbf_telem_stale,
		[16] = al->low_motor_current, [17] = al->lower_signal_than_predicted,
		[18] = al->slow_ethernet_speeds_100, [19] = al->obstruction_map_reset,
		[20] = al->dish_water_detected, [21] = al->router_water_detected,
		[22] = al->upsu_router_port_slow, [23] = al->no_ethernet_link,
	};
	uint32_t bits = 0;
	for (int i = 1; i < 24; i++)
		if (v[i])
			bits |= SL_ALERT_BIT(i);
	return bits;
}

static enum tri alert(const struct sl_status *st, int field)
{
	if (!st->alerts_known)
		return TRI_UNKNOWN;
	return (st->alerts & SL_ALERT_BIT(field)) ? TRI_TRUE : TRI_FALSE;
}

static void status_from(struct sl_status *st, const SpaceX__API__Device__DishGetStatusResponse *s)
{
	struct starlink_metrics *m = &st->m;
	bool connected = s->outage == NULL;

	/* top level: drop rate and throughput are omitted by the dish when 0 */
	if (s->has_pop_ping_drop_rate)
		m->pop_drop_pct = num(true, s->pop_ping_drop_rate, 0, 1) * 100;
	else if (connected)
		m->pop_drop_pct = 0;
	m->pop_latency_ms = num(s->has_pop_ping_latency_ms, s->pop_ping_latency_ms, 1e-3, 60000);
	m->downlink_bps = num(s->has_downlink_throughput_bps || connected,
			      s->downlink_throughput_bps, 0, 1e12);
	m->uplink_bps = num(s->has_uplink_throughput_bps || connected, s->uplink_throughput_bps, 0, 1e12);

	const SpaceX__API__Device__DishObstructionStats *ob = s->obstruction_stats;
	if (ob) {
		m->obstruction_pct = num(true, ob->fraction_obstructed, 0, 1) * 100;
		m->time_obstructed_pct = num(true, ob->time_obstructed, 0, 1) * 100;
		m->currently_obstructed = ob->currently_obstructed ? TRI_TRUE : TRI_FALSE;
		/* (0, NaN) = no data; the _valid flag is unreliable and ignored */
		double d = num(ob->has_avg_prolonged_obstruction_duration_s,
			       ob->avg_prolonged_obstruction_duration_s, 0, 1e7);
		double i = num(ob->has_avg_prolonged_obstruction_interval_s,
			       ob->avg_prolonged_obstruction_interval_s, 0, 1e9);
		if (d > 0 && !isnan(i)) {
			m->prolonged_obstruction_duration_s = d;
			m->prolonged_obstruction_interval_s = i;
		}
		st->obstruction_valid_s = num(ob->has_valid_s, ob->valid_s, 0, 1e9);
	}

	m->snr_above_noise_floor = tri_of(s->has_is_snr_above_noise_floor, s->is_snr_above_noise_floor);
	m->snr_persistently_low = tri_of(s->has_is_snr_persistently_low, s->is_snr_persistently_low);

	if (s->outage) {
		const SpaceX__API__Device__DishOutage *o = s->outage;
		m->outage_cause = o->cause >= 0 && o->cause < 256 ? o->cause : SL_OUTAGE_UNKNOWN;
		m->outage_duration_s = (double)o->duration_ns / 1e9;
		st->outage_duration_ns = (double)o->duration_ns;
		if (o->has_start_timestamp_ns && o->start_timestamp_ns > 0) {
			st->outage_start_ns = (double)o->start_timestamp_ns;
			m->outage_start_s = sl_gps_ns_to_unix_s(o->start_timestamp_ns);
		}
	} else {
		m->outage_cause = SL_OUTAGE_NONE;
		m->outage_duration_s = 0;
	}

	if (s->alerts) {
		st->alerts_known = true;
		st->alerts = alert_bits(s->alerts);
	}
	m->motors_stuck = alert(st, 1);
	m->thermal_shutdown = alert(st, 2);
	m->thermal_throttle = alert(st, 3);
	m->unexpected_location = alert(st, 4);
	m->mast_not_vertical = alert(st, 5);
	m->slow_ethernet = alert(st, 6);
	m->roaming = alert(st, 7);
	m->water_detected = alert(st, 20);
	if (st->alerts_known && (st->alerts & SL_ALERT_BIT(21)))
		m->water_detected = TRI_TRUE;

	/* software update: sparky's dish_check_update logic */
	int state = -1;
	if (s->has_software_update_state && s->software_update_state >= 0)
		state = s->software_update_state;
	const SpaceX__API__Device__SoftwareUpdateStats *us = s->software_update_stats;
	if (state < 0 && us && us->software_update_state >= 0)
		state = us->software_update_state;
	if (us)
		st->update_progress = num(us->has_software_update_progress, us->software_update_progress, 0, 1);
	m->software_update_state = state;
	bool reboot_required = state == 6 || (us && us->software_update_state == 6);
	if (reboot_required || (s->has_swupdate_reboot_ready && s->swupdate_reboot_ready))
		m->reboot_ready = TRI_TRUE;
	else if (s->has_swupdate_reboot_ready || state >= 0)
		m->reboot_ready = TRI_FALSE;
	if (s->has_seconds_until_swupdate_reboot_possible && s->seconds_until_swupdate_reboot_possible >= 0)
		m->reboot_in_s = s->seconds_until_swupdate_reboot_possible;
	else if (!s->has_seconds_until_swupdate_reboot_possible && reboot_required)
		m->reboot_in_s = 0;	/* proto3 does not send 0: reboot possible now */
	if (reboot_required || alert(st, 8) == TRI_TRUE)
		m->update_pending = TRI_TRUE;
	else if (st->alerts_known || state >= 0)
		m->update_pending = TRI_FALSE;

	if (s->gps_stats) {
		m->gps_valid = s->gps_stats->gps_valid ? TRI_TRUE : TRI_FALSE;
		m->gps_sats = s->gps_stats->gps_sats < 1000 ? (int)s->gps_stats->gps_sats : -1;
	}
	if (s->device_state && s->device_state->uptime_s < (uint64_t)1 << 40)
		m->uptime_s = (double)s->device_state->uptime_s;

	st->stow_requested = tri_of(s->has_stow_requested, s->stow_requested);
	st->is_cell_disabled = tri_of(s->has_is_cell_disabled, s->is_cell_disabled);
	st->disablement_code = s->has_disablement_code ? s->disablement_code : -1;
	st->mobility_class = s->has_mobility_class ? s->mobility_class : -1;
	st->reboot_reason = s->has_reboot_reason ? s->reboot_reason : -1;
	st->eth_speed_mbps = num(s->has_eth_speed_mbps, s->eth_speed_mbps, 0, 1e6);
	st->seconds_to_first_nonempty_slot = num(s->has_seconds_to_first_nonempty_slot,
						 s->seconds_to_first_nonempty_slot, 0, 1e6);
	device_info_from(&st->dev, s->device_info);
}

void sl_status_init(struct sl_status *st)
{
	struct sample tmp;

	sample_init(&tmp, 0);
	memset(st, 0, sizeof(*st));
	st->m = tmp.sl;
	st->outage_start_ns = st->outage_duration_ns = NAN;
	st->eth_speed_mbps = st->seconds_to_first_nonempty_slot = st->update_progress = NAN;
	st->obstruction_valid_s = NAN;
	st->disablement_code = st->mobility_class = st->reboot_reason = -1;
	st->stow_requested = st->is_cell_disabled = TRI_UNKNOWN;
	device_info_from(&st->dev, NULL);
}

enum starlink_error sl_decode_status(struct sl_arena *a, const uint8_t *msg, size_t len,
				     struct sl_status *st, char *err, size_t err_len)
{
	enum starlink_error e;

	sl_status_init(st);

	Response *r = unpack(a, msg, len, SPACE_X__API__DEVICE__RESPONSE__RESPONSE_DISH_GET_STATUS,
			     &e, err, err_len);
	if (!r)
		return e;
	st->api_version = r->has_api_version ? r->api_version : 0;
	status_from(st, r->dish_get_status);
	return SL_ERR_NONE;
}

enum starlink_error sl_decode_history(struct sl_arena *a, const uint8_t *msg, size_t len,
				      struct sl_history_view *hv, char *err, size_t err_len)
{
	enum starlink_error e;

	memset(hv, 0, sizeof(*hv));
	Response *r = unpack(a, msg, len, SPACE_X__API__DEVICE__RESPONSE__RESPONSE_DISH_GET_HISTORY,
			     &e, err, err_len);
	if (!r)
		return e;
	const SpaceX__API__Device__DishGetHistoryResponse *h = r->dish_get_history;
	if (!h->has_current) {
		snprintf(err, err_len, "history reply without `current`");
		return SL_ERR_REPLY;
	}
	hv->current = h->current;
	hv->n = h->n_pop_ping_drop_rate;
	hv->drop = h->pop_ping_drop_rate;
	hv->latency = h->n_pop_ping_latency_ms == hv->n ? h->pop_ping_latency_ms : NULL;
	hv->down = h->n_downlink_throughput_bps == hv->n ? h->downlink_throughput_bps : NULL;
	hv->up = h->n_uplink_throughput_bps == hv->n ? h->uplink_throughput_bps : NULL;
	hv->n_outages = h->n_outages;
	return SL_ERR_NONE;
}

void sl_hist_init(struct sl_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->newest_drop = h->newest_latency_ms = h->newest_down_bps = h->newest_up_bps = NAN;
}

static double sane(const float *a, size_t i, double lo, double hi)
{
	return a ? num(true, a[i], lo, hi) : NAN;
}

static void fold_one(struct sl_hist *h, const struct sl_history_view *v, size_t i)
{
	double drop = sane(v->drop, i, 0, 1);

	if (isnan(drop)) {
		h->bad_s++;
		h->run_s = 0;
		return;
	}
	h->n++;
	h->folded_s++;
	h->drop_sum += drop;
	if (drop >= 1) {
		h->run_s++;
		if (h->run_s > h->max_run_s)
			h->max_run_s = h->run_s;
		return;			/* latency of a fully dropped second repeats the last one */
	}
	h->run_s = 0;
	double lat = sane(v->latency, i, 1e-3, 60000);
	if (!isnan(lat)) {
		h->lat_sum += lat;
		h->lat_n++;
		if (lat > h->lat_max)
			h->lat_max = lat;
	}
}

unsigned sl_hist_fold(struct sl_hist *h, const struct sl_history_view *v)
{
	uint64_t n = v->n, cur = v->current, fresh;

	h->fresh = true;
	if (n == 0)
		return 0;
	if (!h->have) {
		fresh = 0;		/* baseline */
	} else if (cur < h->current) {
		h->reboots++;
		h->rebooted = true;
		h->run_s = 0;
		fresh = cur;
	} else {
		fresh = cur - h->current;
	}
	if (fresh > n) {
		h->lost_s += fresh - n;
		fresh = n;
	}
	uint64_t valid = cur < n ? cur : n;
	if (fresh > valid)
		fresh = valid;
	for (uint64_t k = fresh; k >= 1; k--)
		fold_one(h, v, (size_t)((cur - k) % n));
	h->have = true;
	h->current = cur;
	if (valid > 0) {
		size_t newest = (size_t)((cur - 1) % n);
		h->newest_drop = sane(v->drop, newest, 0, 1);
		h->newest_latency_ms = h->newest_drop < 1 ? sane(v->latency, newest, 1e-3, 60000) : NAN;
		h->newest_down_bps = sane(v->down, newest, 0, 1e12);
		h->newest_up_bps = sane(v->up, newest, 0, 1e12);
	}
	return (unsigned)fresh;
}

void sl_hist_take(struct sl_hist *h, struct starlink_metrics *m)
{
	if (!h->fresh)
		return;
	m->hist_seconds = h->n;
	if (h->n) {
		m->hist_drop_pct = h->drop_sum / h->n * 100;
		m->hist_max_drop_run_s = h->max_run_s;
	}
	if (h->lat_n) {
		m->hist_latency_ms = h->lat_sum / h->lat_n;
		m->hist_latency_max_ms = h->lat_max;
	}
	m->dish_rebooted = h->rebooted ? TRI_TRUE : TRI_FALSE;
	h->fresh = h->rebooted = false;
	h->n = h->lat_n = 0;
	h->drop_sum = h->lat_sum = h->lat_max = 0;
	h->max_run_s = 0;
}
