/*
 * starlink.c - the Starlink collector (see starlink.h): poll sequencing,
 * backoff, folding replies into struct sample, metrics JSON.
 *
 * A poll is a short sequence of unary calls on one connection:
 * [get_device_info (until known)] get_status [get_history (when due)].
 * The sample goes out when the sequence ends. A failed status call fails
 * the poll; a failed history or device-info call is recorded but keeps the
 * status (those are extras).
 */
#include "starlink.h"

#include <ev.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgtab_impl.h"
#include "clock.h"
#include "log.h"
#include "metric_impl.h"
#include "text.h"
#include "starlink_decode.h"
#include "starlink_grpc.h"
#include "starlink_metrics.h"

#define SL_MSG_CAP (256 * 1024)
#define OBS_RING 256			/* obstruction history for the rise figure */

#define P(f) offsetof(struct starlink_params, f)
const struct cfg_option starlink_options[] = {
	{ "dish_host", CFG_STRING, P(host), 0, 0, "192.168.100.1", NULL, NULL,
	  CFG_HELP("Address of the dish's gRPC API (numeric IPv4/IPv6; no DNS).") },
	{ "dish_port", CFG_INT, P(port), 1, 65535, "9200", NULL, NULL,
	  CFG_HELP("TCP port of the dish's gRPC API.") },
	{ "dish_timeout_ms", CFG_INT, P(timeout_ms), 100, 60000, "2000", NULL, "ms",
	  CFG_HELP("Deadline of one gRPC call to the dish, connect included.") },
	{ "dish_status_interval_ms", CFG_INT, P(status_interval_ms), 500, 600000, "2000", NULL, "ms",
	  CFG_HELP("How often get_status is polled.") },
	{ "dish_history_interval_ms", CFG_INT, P(history_interval_ms), 1000, 600000, "10000", NULL,
	  "ms", CFG_HELP("How often get_history is read (only new one-second samples are used; < 900 s).") },
	{ "dish_backoff_min_ms", CFG_INT, P(backoff_min_ms), 100, 600000, "1000", NULL, "ms",
	  CFG_HELP("First retry delay after the dish did not answer; doubles per failure.") },
	{ "dish_backoff_max_ms", CFG_INT, P(backoff_max_ms), 100, 3600000, "30000", NULL, "ms",
	  CFG_HELP("Longest retry delay while the dish does not answer.") },
	{ "dish_obstruction_window_ms", CFG_INT, P(obstruction_window_ms), 2000, 600000, "60000", NULL,
	  "ms", CFG_HELP("Span over which the rise of the obstructed fraction is measured.") },
	CFG_OPT_END
};
#undef P

const char *const sl_error_names[__SL_ERR_MAX] = {
	[SL_ERR_NONE] = "none", [SL_ERR_REFUSED] = "refused", [SL_ERR_CONNECT] = "connect",
	[SL_ERR_TIMEOUT] = "timeout", [SL_ERR_CLOSED] = "closed", [SL_ERR_HTTP2] = "http2",
	[SL_ERR_HTTP_STATUS] = "http_status", [SL_ERR_CONTENT_TYPE] = "content_type",
	[SL_ERR_GRPC_STATUS] = "grpc_status", [SL_ERR_FRAME] = "frame", [SL_ERR_DECODE] = "decode",
	[SL_ERR_REPLY] = "reply",
};

const char *starlink_error_name(enum starlink_error e)
{
	return (unsigned)e < __SL_ERR_MAX ? sl_error_names[e] : "?";
}

void starlink_params_defaults(struct starlink_params *p)
{
	memset(p, 0, sizeof(*p));
	cfg_apply_defaults(starlink_options, p);	/* the same parser as the config file */
}

enum step { STEP_DEVINFO, STEP_STATUS, STEP_HISTORY, STEP_DONE };

struct sl_failure {
	enum starlink_error kind;
	int grpc_status;
	char text[192];
	int64_t t_ms;
};

struct starlink {
	struct ev_loop *loop;
	struct starlink_params p;
	char bind_device[32];
	void (*on_update)(void *ctx, const struct sample *s);
	void (*on_fault)(void *ctx, const char *reason);
	void *ctx;

	struct sl_grpc *g;
	struct sl_arena arena;
	ev_timer poll_timer;

	bool polling, status_ok;
	int64_t status_t_ms;		/* when the status reply of this poll arrived */
	enum step step;
	bool want_history, devinfo_unsupported;
	int64_t poll_start_ms;
	bool history_asked, had_ok;	/* "never" is these, not a 0 time */
	int64_t last_history_ms, last_ok_ms;	/* valid once the bool beside is set */
	struct sample cur, last;
	struct sl_status st;		/* last good status */
	struct sl_device_info dev;
	struct sl_hist hist;
	uint64_t api_version;

	unsigned long polls_ok, polls_failed, history_ok, history_failed, history_failed_in_row;
	unsigned consecutive_failures;
	struct sl_failure last_err, last_history_err, last_devinfo_err;
	size_t poll_tx, poll_rx, last_poll_tx, last_poll_rx;
	unsigned long long total_tx, total_rx;
	double obs_pct[OBS_RING];
	int64_t obs_t_ms[OBS_RING];
	unsigned obs_n, obs_head;
};

/* the daemon's one clock, like every t_ms in struct sample */
static int64_t now_ms(const struct starlink *sl)
{
	(void)sl;
	return clock_mono_ms();
}

static void poll_step(struct starlink *sl);

static void record_failure(struct starlink *sl, struct sl_failure *f, enum starlink_error kind,
			   int grpc_status, const char *text)
{
	f->kind = kind;
	f->grpc_status = grpc_status;
	snprintf(f->text, sizeof(f->text), "%s", text);
	f->t_ms = now_ms(sl);
}

static void obs_push(struct starlink *sl, int64_t t_ms, double pct)
{
	sl->obs_pct[sl->obs_head] = pct;
	sl->obs_t_ms[sl->obs_head] = t_ms;
	sl->obs_head = (sl->obs_head + 1) % OBS_RING;
	if (sl->obs_n < OBS_RING)
		sl->obs_n++;
}

/* obstruction now minus the newest value at least the window older */
static double obs_rise(const struct starlink *sl, int64_t t_ms, double pct)
{
	if (isnan(pct))
		return NAN;
	for (unsigned k = 1; k <= sl->obs_n; k++) {
		unsigned i = (sl->obs_head + OBS_RING - k) % OBS_RING;
		if (t_ms - sl->obs_t_ms[i] >= sl->p.obstruction_window_ms)
			return isnan(sl->obs_pct[i]) ? NAN : pct - sl->obs_pct[i];
	}
	return NAN;
}

/*
 * Next poll: one interval after the start of this one (slow replies do not
 * make the cadence drift); after failures also no sooner than the backoff
 * counted from now (min * 2^(n-1), capped), so a dish that times out is not
 * asked again the moment it failed.
 */
static void schedule_next(struct starlink *sl)
{
	int64_t now = now_ms(sl);
	double next_ms = sl->poll_start_ms + sl->p.status_interval_ms;

	if (sl->consecutive_failures) {
		double b = sl->p.backoff_min_ms;
		for (unsigned i = 1; i < sl->consecutive_failures && b < sl->p.backoff_max_ms; i++)
			b *= 2;
		if (b > sl->p.backoff_max_ms)
			b = sl->p.backoff_max_ms;
		if (now + b > next_ms)
			next_ms = now + b;
	}
	double left = (next_ms - now) / 1000.0;
	ev_timer_stop(sl->loop, &sl->poll_timer);
	ev_timer_set(&sl->poll_timer, left > 0.01 ? left : 0.01, 0.);
	ev_timer_start(sl->loop, &sl->poll_timer);
}

/* gRPC status codes by number (grpc/status.h), for the fault reason. */
static const char *const grpc_code_names[] = {
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
	"OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
};

/*
 * The fault of a failed poll in one stable line (collector_host.fault: the
 * same fault, the same text): what failed, never the dish's own message or
 * a byte count (those stay in last_error).
 */
static void fault_reason(const struct starlink *sl, const struct sl_failure *f, char *out, size_t len)
{
	int g = f->grpc_status;
	switch (f->kind) {
	case SL_ERR_REFUSED:
		snprintf(out, len, "dish API %.64s:%d refused the connection", sl->p.host, sl->p.port);
		break;
	case SL_ERR_CONNECT:
		snprintf(out, len, "dish API %.64s:%d unreachable: %.60s", sl->p.host, sl->p.port, f->text);
		break;
	case SL_ERR_TIMEOUT:
		snprintf(out, len, "dish API %.64s:%d did not answer within %d ms", sl->p.host, sl->p.port,
			 sl->p.timeout_ms);
		break;
	case SL_ERR_GRPC_STATUS:
		snprintf(out, len, "dish API answered gRPC status %d %s", g,
			 g >= 0 && g < (int)(sizeof(grpc_code_names) / sizeof(grpc_code_names[0]))
			 ? grpc_code_names[g] : "(unknown code)");
		break;
	case SL_ERR_CLOSED:
		snprintf(out, len, "dish API closed the connection");
		break;
	default:
		snprintf(out, len, "dish API reply unusable (%s)", starlink_error_name(f->kind));
		break;
	}
}

static void poll_finish(struct starlink *sl)
{
	struct sample *s = &sl->cur;
	struct starlink_metrics *m = &s->sl;

	sl->polling = false;
	/* stamped when measured: the status reply, or when the failure was known */
	s->t_ms = sl->status_ok ? sl->status_t_ms : now_ms(sl);
	sl->last_poll_tx = sl->poll_tx;
	sl->last_poll_rx = sl->poll_rx;
	sl->total_tx += sl->poll_tx;
	sl->total_rx += sl->poll_rx;
	if (sl->status_ok) {
		*m = sl->st.m;
		sl_hist_take(&sl->hist, m);
		/* firmware 2024.11 reported 0: use history, but never across an outage */
		if (isnan(m->pop_latency_ms) && m->outage_cause == SL_OUTAGE_NONE)
			m->pop_latency_ms = isnan(m->hist_latency_ms) ? sl->hist.newest_latency_ms
								      : m->hist_latency_ms;
		/* loss since the last sample, so a burst between polls is not lost */
		if (!isnan(m->hist_drop_pct) && m->hist_seconds > 0 &&
		    (isnan(m->pop_drop_pct) || m->hist_drop_pct > m->pop_drop_pct))
			m->pop_drop_pct = m->hist_drop_pct;
		m->obstruction_rise_pct = obs_rise(sl, s->t_ms, m->obstruction_pct);
		obs_push(sl, s->t_ms, m->obstruction_pct);
		m->reachable = TRI_TRUE;
		m->dish_error = SL_ERR_NONE;
		sl->polls_ok++;
		sl->consecutive_failures = 0;
		sl->last_ok_ms = s->t_ms;
		sl->had_ok = true;
	} else {
		m->reachable = TRI_FALSE;
		m->dish_error = sl->last_err.kind;
		m->grpc_status = sl->last_err.grpc_status;
		sl->polls_failed++;
		sl->consecutive_failures++;
		/* not a warning per poll: the member logs the fault when it starts, changes, ends */
		log_debug("starlink: dish not answering host=%s error=%s grpc_status=%d reason=\"%s\"",
			  sl->p.host, starlink_error_name(sl->last_err.kind), sl->last_err.grpc_status,
			  sl->last_err.text);
	}
	sl->last = *s;
	schedule_next(sl);
	if (sl->on_fault) {
		char why[COLLECT_FAULT_REASON_MAX];
		if (!sl->status_ok)
			fault_reason(sl, &sl->last_err, why, sizeof(why));
		sl->on_fault(sl->ctx, sl->status_ok ? NULL : why);
	}
	if (sl->on_update)
		sl->on_update(sl->ctx, &sl->last);
}

static void on_reply(void *ctx, const struct sl_grpc_result *r)
{
	struct starlink *sl = ctx;
	char err[192];
	enum starlink_error e = r->err;

	sl->poll_tx += r->tx_bytes;
	sl->poll_rx += r->rx_bytes;
	snprintf(err, sizeof(err), "%s", r->text ? r->text : "");
	if (e == SL_ERR_NONE) {
		switch (sl->step) {
		case STEP_DEVINFO:
			e = sl_decode_device_info(&sl->arena, r->msg, r->msg_len, &sl->dev, err, sizeof(err));
			if (e == SL_ERR_NONE)
				log_info("starlink: dish id=%s hw=%s sw=%s", sl->dev.id,
					 sl->dev.hardware_version, sl->dev.software_version);
			break;
		case STEP_STATUS: {
			struct sl_status st;
			e = sl_decode_status(&sl->arena, r->msg, r->msg_len, &st, err, sizeof(err));
			if (e == SL_ERR_NONE) {
				sl->st = st;
				sl->status_ok = true;
				sl->status_t_ms = now_ms(sl);	/* the time of the measurement */
				if (st.api_version)
					sl->api_version = st.api_version;
				if (!sl->dev.valid && st.dev.valid)
					sl->dev = st.dev;
			}
			break;
		}
		case STEP_HISTORY: {
			struct sl_history_view hv;
			e = sl_decode_history(&sl->arena, r->msg, r->msg_len, &hv, err, sizeof(err));
			if (e == SL_ERR_NONE) {
				sl_hist_fold(&sl->hist, &hv);
				sl->history_ok++;
				sl->history_failed_in_row = 0;
				sl->last_history_ms = sl->poll_start_ms;
				sl->history_asked = true;
				if (sl->hist.rebooted) {
					log_warn("starlink: dish rebooted (history counter went back) current=%llu",
						 (unsigned long long)hv.current);
					sl->dev.valid = false;	/* refresh versions next poll */
					sl->devinfo_unsupported = false;
				}
			}
			break;
		}
		case STEP_DONE:
			break;
		}
		sl_arena_reset(&sl->arena);
		if (e != SL_ERR_NONE)
			sl_grpc_close(sl->g);	/* a reply we cannot read: start afresh */
	}

	if (e != SL_ERR_NONE) {
		if (sl->step == STEP_HISTORY) {
			/* a warning when it starts failing or fails otherwise, not every read */
			bool again = sl->last_history_err.kind == e && sl->history_failed_in_row;
			record_failure(sl, &sl->last_history_err, e, r->grpc_status, err);
			sl->history_failed++;
			sl->history_failed_in_row++;
			sl->last_history_ms = sl->poll_start_ms;
			sl->history_asked = true;
			sf_log(again ? LOG_LVL_DEBUG : LOG_LVL_WARN, "starlink: history failed error=%s reason=\"%s\"",
			       starlink_error_name(e), err);
		} else if (sl->step == STEP_DEVINFO &&
			   (e == SL_ERR_GRPC_STATUS || e == SL_ERR_DECODE || e == SL_ERR_REPLY)) {
			/* the dish answers but not this call: status carries device_info too */
			sl->devinfo_unsupported = true;
			record_failure(sl, &sl->last_devinfo_err, e, r->grpc_status, err);
			log_warn("starlink: get_device_info unusable, relying on status error=%s reason=\"%s\"",
				 starlink_error_name(e), err);
		} else {
			record_failure(sl, &sl->last_err, e, r->grpc_status, err);
			sl->step = STEP_DONE;
		}
	}
	if (sl->step != STEP_DONE)
		sl->step++;
	poll_step(sl);
}

static void poll_step(struct starlink *sl)
{
	for (;;) {
		const uint8_t *req = NULL;
		switch (sl->step) {
		case STEP_DEVINFO:
			if (!sl->dev.valid && !sl->devinfo_unsupported)
				req = sl_req_get_device_info;
			break;
		case STEP_STATUS:
			req = sl_req_get_status;
			break;
		case STEP_HISTORY:
			if (sl->want_history && sl->status_ok)
				req = sl_req_get_history;
			break;
		case STEP_DONE:
			poll_finish(sl);
			return;
		}
		if (req) {
			if (sl_grpc_call(sl->g, req, 3) == 0)
				return;
			record_failure(sl, &sl->last_err, SL_ERR_CONNECT, -1, "call could not start");
			sl->step = STEP_DONE;
			continue;
		}
		sl->step++;
	}
}

static void poll_start(struct starlink *sl)
{
	if (sl->polling)
		return;
	sl->polling = true;
	sl->status_ok = false;
	sl->poll_tx = sl->poll_rx = 0;
	sl->poll_start_ms = now_ms(sl);
	sl->want_history = !sl->history_asked ||
			   sl->poll_start_ms - sl->last_history_ms >= sl->p.history_interval_ms;
	sample_init(&sl->cur, sl->poll_start_ms);
	sl->step = STEP_DEVINFO;
	poll_step(sl);
}

static void poll_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	poll_start(w->data);
}

void starlink_poll_now(struct starlink *sl)
{
	if (sl->polling)
		return;
	ev_timer_stop(sl->loop, &sl->poll_timer);
	poll_start(sl);
}

static int params_check(const struct starlink_params *p)
{
	for (const struct cfg_option *o = starlink_options; o->name; o++) {
		if (o->type != CFG_INT)
			continue;
		int v = *(const int *)((const char *)p + o->offset);
		if (v < o->min || v > o->max) {
			log_err("starlink: option %s=%d out of range %.0f..%.0f", o->name, v, o->min, o->max);
			return -1;
		}
	}
	if (p->backoff_min_ms > p->backoff_max_ms) {
		log_err("starlink: dish_backoff_min_ms=%d above dish_backoff_max_ms=%d",
			p->backoff_min_ms, p->backoff_max_ms);
		return -1;
	}
	if (p->history_interval_ms >= 900000) {
		log_err("starlink: dish_history_interval_ms=%d must stay under the 900 s ring",
			p->history_interval_ms);
		return -1;
	}
	return 0;
}

struct starlink *starlink_new(struct ev_loop *loop, const struct starlink_params *p,
			      const char *bind_device,
			      void (*on_update)(void *ctx, const struct sample *s), void *ctx)
{
	if (params_check(p) < 0)
		return NULL;
	if (bind_device && strlen(bind_device) >= 16) {
		log_err("starlink: device name too long: %s", bind_device);
		return NULL;
	}
	struct starlink *sl = calloc(1, sizeof(*sl));
	if (!sl)
		return NULL;
	sl->loop = loop;
	sl->p = *p;
	sl->p.host[CFG_STR_MAX - 1] = '\0';
	snprintf(sl->bind_device, sizeof(sl->bind_device), "%s", bind_device ? bind_device : "");
	sl->on_update = on_update;
	sl->ctx = ctx;
	sl_hist_init(&sl->hist);
	sample_init(&sl->last, 0);
	sl_status_init(&sl->st);	/* status_extra is unknown, not zero, before the first status */
	memset(&sl->dev, 0, sizeof(sl->dev));
	sl->dev.utc_offset_s = INT32_MIN;
	sl->dev.bootcount = -1;
	sl->last_err.grpc_status = sl->last_history_err.grpc_status = -1;
	sl->last_devinfo_err.grpc_status = -1;

	struct sl_grpc_cfg gc = {
		.host = sl->p.host, .port = sl->p.port,
		.bind_device = sl->bind_device[0] ? sl->bind_device : NULL,
		.timeout_ms = sl->p.timeout_ms, .msg_cap = SL_MSG_CAP,
	};
	if (sl_arena_init(&sl->arena, SL_DECODE_ARENA_CAP) < 0 ||
	    !(sl->g = sl_grpc_new(loop, &gc, on_reply, sl))) {
		sl_arena_fini(&sl->arena);
		free(sl);
		return NULL;
	}
	ev_timer_init(&sl->poll_timer, poll_timer_cb, 0., 0.);
	sl->poll_timer.data = sl;
	log_info("starlink: collector host=%s port=%d device=%s timeout_ms=%d status_interval_ms=%d "
		 "history_interval_ms=%d backoff_ms=%d..%d", sl->p.host, sl->p.port,
		 sl->bind_device[0] ? sl->bind_device : "-", sl->p.timeout_ms,
		 sl->p.status_interval_ms, sl->p.history_interval_ms, sl->p.backoff_min_ms,
		 sl->p.backoff_max_ms);
	ev_timer_start(loop, &sl->poll_timer);	/* first poll on the next loop turn */
	return sl;
}

void starlink_free(struct starlink *sl)
{
	if (!sl)
		return;
	ev_timer_stop(sl->loop, &sl->poll_timer);
	sl_grpc_free(sl->g);
	sl_arena_fini(&sl->arena);
	free(sl);
}

void starlink_on_fault(struct starlink *sl, void (*on_fault)(void *ctx, const char *reason))
{
	sl->on_fault = on_fault;
}

const struct sample *starlink_last_sample(const struct starlink *sl)
{
	return &sl->last;
}

static void failure_view(struct sl_failure_view *v, const struct sl_failure *f, int64_t now,
			 const struct sl_failure_view **out)
{
	if (f->kind == SL_ERR_NONE) {
		*out = NULL;
		return;
	}
	v->kind = f->kind;
	v->grpc_status = f->grpc_status;
	v->message = f->text;
	v->age_ms = now - f->t_ms;
	*out = v;
}

/* The collector's own reading of the predictive signals; the engine applies its own thresholds. */
static void signals_of(const struct starlink_metrics *m, struct sl_signals *o)
{
	bool known = m->reachable == TRI_TRUE;
	enum tri rising = isnan(m->obstruction_rise_pct) ? TRI_UNKNOWN :
			  m->obstruction_rise_pct >= 1.0 ? TRI_TRUE : TRI_FALSE;
	enum tri thermal = m->thermal_throttle == TRI_TRUE || m->thermal_shutdown == TRI_TRUE ? TRI_TRUE :
			   m->thermal_throttle == TRI_UNKNOWN ? TRI_UNKNOWN : TRI_FALSE;
	enum tri reboot = (m->reboot_ready == TRI_TRUE && !isnan(m->reboot_in_s) && m->reboot_in_s <= 300) ||
			  m->outage_cause == SL_OUTAGE_BOOTING ? TRI_TRUE :
			  m->reboot_ready == TRI_UNKNOWN ? TRI_UNKNOWN : TRI_FALSE;

	o->obstruction_rising = known ? rising : TRI_UNKNOWN;
	o->currently_obstructed = known ? m->currently_obstructed : TRI_UNKNOWN;
	o->outage_present = known ? (m->outage_cause >= 0 ? TRI_TRUE : TRI_FALSE) : TRI_UNKNOWN;
	o->snr_persistently_low = known ? m->snr_persistently_low : TRI_UNKNOWN;
	o->thermal = known ? thermal : TRI_UNKNOWN;
	o->reboot_imminent = known ? reboot : TRI_UNKNOWN;
	o->update_pending = known ? m->update_pending : TRI_UNKNOWN;
	o->dish_unreachable = m->reachable == TRI_UNKNOWN ? TRI_UNKNOWN :
			      m->reachable == TRI_FALSE ? TRI_TRUE : TRI_FALSE;
}

/* Everything starlink_metrics_json() shows, in one snapshot (starlink_metrics.h). */
static void view_fill(const struct starlink *sl, struct starlink_view *v)
{
	int64_t now = now_ms(sl);
	const struct starlink_metrics *m = &sl->last.sl;
	bool polled = sl->polls_ok + sl->polls_failed > 0;

	memset(v, 0, sizeof(*v));
	v->host = sl->p.host;
	v->port = sl->p.port;
	v->bind_device = sl->bind_device;
	v->connected = sl_grpc_connected(sl->g);
	v->state = sl->polling ? "polling" : sl->consecutive_failures ? "backoff" : "idle";
	v->polls_ok = sl->polls_ok;
	v->polls_failed = sl->polls_failed;
	v->consecutive_failures = sl->consecutive_failures;
	v->connects = sl_grpc_connects(sl->g);
	v->retries = sl_grpc_retries(sl->g);
	v->memory_bytes = sizeof(*sl) + sl->arena.cap + sl_grpc_memory(sl->g);
	v->last_ok_age_ms = sl->had_ok ? now - sl->last_ok_ms : -1;
	failure_view(&v->failures[0], &sl->last_err, now, &v->last_error);
	v->history_ok = sl->history_ok;
	v->history_failed = sl->history_failed;
	failure_view(&v->failures[1], &sl->last_history_err, now, &v->last_history_error);
	failure_view(&v->failures[2], &sl->last_devinfo_err, now, &v->last_device_info_error);
	v->bytes_tx_last_poll = polled ? (int64_t)sl->last_poll_tx : -1;
	v->bytes_rx_last_poll = polled ? (int64_t)sl->last_poll_rx : -1;
	v->bytes_tx_total = sl->total_tx;
	v->bytes_rx_total = sl->total_rx;
	v->api_version = sl->api_version;
	v->device = sl->dev;
	v->metrics = *m;
	signals_of(m, &v->signals);
	v->alerts = !sl->st.alerts_known ? -1 : m->reachable == TRI_TRUE ? (int64_t)sl->st.alerts : 0;
	v->history = (struct sl_hist_summary){
		.current = sl->hist.have ? (int64_t)sl->hist.current : -1,
		.folded_s = sl->hist.folded_s, .lost_s = sl->hist.lost_s, .bad_s = sl->hist.bad_s,
		.reboots_seen = sl->hist.reboots,
		.newest_latency_ms = sl->hist.newest_latency_ms,
		.newest_drop_pct = sl->hist.newest_drop * 100,
	};
	v->status_extra = sl->st;
}

json_object *starlink_metrics_json(const struct starlink *sl)
{
	struct starlink_view v;
	view_fill(sl, &v);
	return metric_object(starlink_view_metrics, &v);
}

/* ---- the collector (collector.h) ---------------------------------------- */

COLLECTOR_PARAMS_FIT(struct starlink_params);

struct sl_inst {
	struct starlink *sl;
	struct collector_host host;
};

static void sc_on_fault(void *ctx, const char *reason)
{
	struct sl_inst *si = ctx;
	if (si->host.fault)
		si->host.fault(si->host.ctx, reason);
}

static void sc_on_update(void *ctx, const struct sample *s)
{
	struct sl_inst *si = ctx;
	struct collector_report rep = { .flags = 0, .view = NULL };
	si->host.sample(si->host.ctx, s, &rep);
}

static void *sc_start(struct ev_loop *loop, const struct collector_args *args,
		      const struct collector_host *host, char *err, size_t errlen)
{
	if (!args->params) {
		snprintf(err, errlen, "starlink: no params");
		return NULL;
	}
	struct sl_inst *si = calloc(1, sizeof(*si));
	if (!si) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	si->host = *host;
	si->sl = starlink_new(loop, args->params, args->device[0] ? args->device : NULL, sc_on_update, si);
	if (!si->sl) {
		snprintf(err, errlen, "starlink collector could not start (see log)");
		free(si);
		return NULL;
	}
	starlink_on_fault(si->sl, sc_on_fault);
	return si;
}

static void sc_stop(void *inst)
{
	struct sl_inst *si = inst;
	if (!si)
		return;
	starlink_free(si->sl);
	free(si);
}

static void sc_poll_now(void *inst)
{
	starlink_poll_now(((struct sl_inst *)inst)->sl);
}

static void sc_metrics_json(const void *inst, struct json_object *out)
{
	json_object_object_add(out, "starlink", starlink_metrics_json(((const struct sl_inst *)inst)->sl));
}

const struct collector_ops starlink_collector = {
	.name = "starlink",
	.classes = COLLECT_CLASS(CLASS_STARLINK),
	.fills = COLLECT_FILLS_STARLINK,
	.member_options = starlink_options,
	.params_size = sizeof(struct starlink_params),
	.options_title = "Member of class starlink: the dish API (docs/STARLINK.md)",
	.start = sc_start,
	.stop = sc_stop,
	.poll_now = sc_poll_now,
	.metrics_json = sc_metrics_json,
};
