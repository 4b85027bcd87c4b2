/*
 * wifi.c - the Wi-Fi collector (see wifi.h): provider order, the netlink
 * dumps and the ubus run of one poll, backoff, the sample and the metrics
 * snapshot.
 *
 * nl80211 steps of a poll, each an asynchronous dump on the collector's
 * own NETLINK_GENERIC socket (util/nl, one dump in flight): the family
 * (only until its id is known), the station dump (required: its failure
 * fails the provider), the survey dump (optional: noise when the driver
 * keeps one). Nothing here blocks: a dump the kernel does not finish ends
 * at wifi_timeout_ms.
 */
#include "wifi.h"

#include <errno.h>
#include <ev.h>
#include <json-c/json.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/nl80211.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "metric_impl.h"
#include "nl.h"
#include "proc.h"
#include "wifi_metrics.h"
#include "wifi_parse.h"

#define ERR_CAP 1024

const char *const wifi_provider_names[__WIFI_PROV_MAX] = { "nl80211", "iwinfo" };
static const char *const provider_option_names[] = { "auto", "nl80211", "iwinfo", NULL };

#define P(f) offsetof(struct wifi_params, f)
const struct cfg_option wifi_options[] = {
	{ "wifi_provider", CFG_ENUM, P(provider), 0, 0, "auto", provider_option_names, NULL,
	  CFG_HELP("Where Wi-Fi figures come from: auto (nl80211, then `ubus call iwinfo info` where nl80211 is not "
	  "usable) or one of nl80211, iwinfo.") },
	{ "wifi_interval_ms", CFG_INT, P(interval_ms), 1000, 600000, "5000", NULL, "ms",
	  CFG_HELP("How often the station is read (slow on purpose: signal moves slowly; never on the probe path).") },
	{ "wifi_timeout_ms", CFG_INT, P(timeout_ms), 100, 60000, "2000", NULL, "ms",
	  CFG_HELP("Deadline of one netlink dump or ubus run (ubus: then TERM, and KILL 500 ms later).") },
	{ "wifi_backoff_max_ms", CFG_INT, P(backoff_max_ms), 1000, 3600000, "300000", NULL, "ms",
	  CFG_HELP("Longest retry delay of a failing provider (starts at wifi_interval_ms, doubles).") },
	CFG_OPT_END
};
#undef P

COLLECTOR_PARAMS_FIT(struct wifi_params);

enum nl_step { NLS_FAMILY, NLS_STATION, NLS_SURVEY };


struct wifi {
	struct ev_loop *loop;
	struct collector_host host;
	struct wifi_params p;
	char member[CFG_STR_MAX];
	char device[IF_NAMESIZE];
	int ifindex;			/* from set_link; 0 unknown */
	struct nl_sock *nl;
	uint16_t family;		/* 0 until looked up */
	bool family_found;
	bool nl_stale;			/* a dump timed out: its late replies must not meet the next one */
	enum nl_step step;
	int ifindex_polled;
	char dump_err[96];		/* the first message a dump refused */
	struct proc_pool *pool;
	struct proc_job *job;
	char argv_json[64];
	ev_timer timer;
	struct provider_health prov[__WIFI_PROV_MAX];
	int cur;			/* provider running; -1 idle */
	bool tried_this_poll[__WIFI_PROV_MAX];
	struct wifi_info poll_info;
	int64_t poll_t_ms;
	struct wifi_info radio;		/* the latest poll's figures */
	enum tri associated;
	int active;			/* provider of the latest good poll; -1 none */
	uint64_t polls_ok, polls_failed;
	int64_t last_ok_ms;
};

static void start_provider(struct wifi *w);

static bool provider_allowed(const struct wifi *w, int prov)
{
	return w->p.provider == WIFI_PROVIDER_AUTO || w->p.provider == prov + 1;
}

static int next_provider(struct wifi *w, int64_t now)
{
	for (int i = 0; i < __WIFI_PROV_MAX; i++)
		if (provider_allowed(w, i) && !w->tried_this_poll[i] && w->prov[i].next_try_ms <= now)
			return i;
	return -1;
}

static void emit(struct wifi *w, const struct wifi_info *wi, int64_t t_ms)
{
	struct sample s;
	sample_init(&s, t_ms);
	if (wi) {
		s.wifi.signal_dbm = wi->signal_dbm;
		s.wifi.noise_dbm = wi->noise_dbm;
		s.wifi.bitrate_mbps = wi->tx.mbps;
	}
	struct collector_report rep = { .flags = 0, .view = NULL };
	w->host.sample(w->host.ctx, &s, &rep);
}

/* None while a provider answers; else every failing provider allowed, with its reason. */
static void report_fault(struct wifi *w, bool good)
{
	if (!w->host.fault)
		return;
	if (good) {
		w->host.fault(w->host.ctx, NULL);
		return;
	}
	char why[COLLECT_FAULT_REASON_MAX] = "no Wi-Fi source answered";
	size_t n = strlen(why);
	for (int i = 0; i < __WIFI_PROV_MAX && n < sizeof(why) - 1; i++) {
		if (!provider_allowed(w, i) || !w->prov[i].failing)
			continue;
		int k = snprintf(why + n, sizeof(why) - n, "; %s", w->prov[i].reason);
		n = k < 0 ? n : n + (size_t)k;
	}
	w->host.fault(w->host.ctx, why);
}

static void poll_end(struct wifi *w, bool good, enum tri associated)
{
	int prov = w->cur;
	w->cur = -1;
	if (good) {
		w->radio = w->poll_info;
		w->associated = associated;
		w->active = prov;
		w->polls_ok++;
		w->last_ok_ms = w->poll_t_ms;
		emit(w, &w->radio, w->poll_t_ms);
	} else {
		wifi_info_init(&w->radio);
		w->associated = TRI_UNKNOWN;
		w->active = -1;
		w->polls_failed++;
		emit(w, NULL, clock_mono_ms());
	}
	report_fault(w, good);
}

static void provider_failed(struct wifi *w, const char *reason)
{
	struct provider_health *ps = &w->prov[w->cur];
	bool changed;
	int64_t delay = provider_health_failed(ps, clock_mono_ms(), reason, w->p.interval_ms, w->p.backoff_max_ms,
					       &changed);
	if (changed)
		log_info("wifi member=%s provider=%s failing reason=\"%s\" retry_in_ms=%lld", w->member,
			 wifi_provider_names[w->cur], ps->reason, (long long)delay);
	w->job = NULL;
	start_provider(w);
}

static void provider_ok(struct wifi *w, enum tri associated)
{
	int64_t ended = provider_health_ok(&w->prov[w->cur], clock_mono_ms());
	if (ended)
		log_info("wifi member=%s provider=%s recovered after=%lld failures", w->member,
			 wifi_provider_names[w->cur], (long long)ended);
	poll_end(w, true, associated);
}

/* ---- nl80211 ---- */

static void nl_step_run(struct wifi *w);

static int on_nl_msg(const struct nlmsghdr *nlh, void *ctx)
{
	struct wifi *w = ctx;
	char err[96] = "";
	int rc = 0;
	if (w->step == NLS_FAMILY) {
		uint16_t id;
		rc = wifi_parse_family(nlh, nlh->nlmsg_len, "nl80211", &id, err, sizeof(err));
		if (rc == 1) {
			w->family = id;
			w->family_found = true;
		}
	} else if (w->step == NLS_STATION) {
		rc = wifi_parse_station(nlh, nlh->nlmsg_len, w->ifindex_polled, &w->poll_info, err, sizeof(err));
	} else {
		rc = wifi_parse_survey(nlh, nlh->nlmsg_len, &w->poll_info, err, sizeof(err));
	}
	if (rc < 0) {
		if (!w->dump_err[0])
			snprintf(w->dump_err, sizeof(w->dump_err), "%s", err);
		return -1;
	}
	return 0;
}

static void nl_fail(struct wifi *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void nl_fail(struct wifi *w, const char *fmt, ...)
{
	char reason[WIFI_REASON_MAX];
	int n = snprintf(reason, sizeof(reason), "nl80211: ");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason + n, sizeof(reason) - (size_t)n, fmt, ap);
	va_end(ap);
	provider_failed(w, reason);
}

static void on_nl_done(void *ctx, const struct nl_result *r)
{
	struct wifi *w = ctx;
	if (r->err == ETIMEDOUT)
		w->nl_stale = true;
	switch (w->step) {
	case NLS_FAMILY:
		if (r->err) {
			nl_fail(w, "family lookup: %s", r->why[0] ? r->why : strerror(r->err));
			return;
		}
		if (!w->family_found) {
			nl_fail(w, "no nl80211 family in the kernel (no Wi-Fi driver)");
			return;
		}
		log_info("wifi member=%s nl80211 family id=%u", w->member, w->family);
		w->step = NLS_STATION;
		nl_step_run(w);
		return;
	case NLS_STATION:
		if (r->err == EOPNOTSUPP || r->err == ENODEV || r->err == EINVAL) {
			nl_fail(w, "%s is not a wireless device (%s)", w->device, strerror(r->err));
			return;
		}
		if (r->err) {
			nl_fail(w, "station dump: %s", r->why[0] ? r->why : strerror(r->err));
			return;
		}
		if (w->poll_info.stations < 0 && r->malformed) {
			nl_fail(w, "station reply not understood: %s", w->dump_err);
			return;
		}
		w->poll_t_ms = clock_mono_ms();
		w->step = NLS_SURVEY;
		nl_step_run(w);
		return;
	case NLS_SURVEY:
		if (r->err || r->malformed)
			log_debug("wifi member=%s survey: %s", w->member,
				  r->err ? (r->why[0] ? r->why : strerror(r->err)) : w->dump_err);
		wifi_info_finish(&w->poll_info);
		provider_ok(w, w->poll_info.stations > 0 ? TRI_TRUE : TRI_FALSE);
		return;
	}
}

static void nl_step_run(struct wifi *w)
{
	char buf[MNL_SOCKET_BUFFER_SIZE < 256 ? MNL_SOCKET_BUFFER_SIZE : 256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	w->dump_err[0] = '\0';
	if (w->step == NLS_FAMILY) {
		nlh->nlmsg_type = GENL_ID_CTRL;
		g->cmd = CTRL_CMD_GETFAMILY;
		g->version = 1;
	} else {
		nlh->nlmsg_type = w->family;
		g->cmd = w->step == NLS_STATION ? NL80211_CMD_GET_STATION : NL80211_CMD_GET_SURVEY;
		g->version = 0;
		mnl_attr_put_u32(nlh, NL80211_ATTR_IFINDEX, (uint32_t)w->ifindex_polled);
	}
	if (nl_dump_start(w->nl, w->loop, nlh, w->p.timeout_ms, on_nl_msg, on_nl_done, w))
		nl_fail(w, "netlink: %s", strerror(errno));
}

static void nl_begin(struct wifi *w)
{
	int idx = w->ifindex > 0 ? w->ifindex : (int)if_nametoindex(w->device);
	if (idx <= 0) {
		nl_fail(w, "device %s not found", w->device);
		return;
	}
	w->ifindex_polled = idx;
	if (w->nl && w->nl_stale) {
		nl_close(w->nl);
		w->nl = NULL;
	}
	w->nl_stale = false;
	if (!w->nl) {
		char err[128];
		w->nl = nl_open(NETLINK_GENERIC, NULL, 0, 0, err, sizeof(err));
		if (!w->nl) {
			nl_fail(w, "%s", err);
			return;
		}
	}
	w->step = w->family ? NLS_STATION : NLS_FAMILY;
	nl_step_run(w);
}

/* ---- iwinfo through ubus ---- */

static void run_reason(char *dst, size_t len, const struct proc_result *res)
{
	char first[64];
	proc_err_line(res, first, sizeof(first));
	if (res->start_failed && res->start_errno == ENOENT) {
		snprintf(dst, len, "iwinfo: ubus not installed");
		return;
	}
	int n = snprintf(dst, len, "iwinfo: ubus %.60s", res->reason);
	if (first[0] && n >= 0 && (size_t)n < len)	/* cut to len: a long stderr line loses its end */
		snprintf(dst + n, len - (size_t)n, ": %s", first);
}

static void on_ubus_done(const struct proc_result *res, void *ctx)
{
	struct wifi *w = ctx;
	char reason[WIFI_REASON_MAX];
	w->job = NULL;
	if (!res->ok || res->truncated) {
		if (res->ok)
			snprintf(reason, sizeof(reason), "iwinfo: output over %d bytes", WIFI_INPUT_MAX);
		else
			run_reason(reason, sizeof(reason), res);
		provider_failed(w, reason);
		return;
	}
	char err[96] = "";
	int n = wifi_parse_iwinfo(res->out, res->out_len, &w->poll_info, err, sizeof(err));
	if (n < 0) {
		snprintf(reason, sizeof(reason), "iwinfo: output not understood: %.80s", err);
		provider_failed(w, reason);
		return;
	}
	w->poll_t_ms = clock_mono_ms();
	provider_ok(w, n > 0 ? TRI_TRUE : TRI_FALSE);
}

static void ubus_begin(struct wifi *w)
{
	const char *argv[] = { "ubus", "call", "iwinfo", "info", w->argv_json, NULL };
	struct proc_spec spec = {
		.argv = argv,
		.envp = NULL,
		.timeout_ms = w->p.timeout_ms,
		.kill_grace_ms = 0,
		.out_cap = WIFI_INPUT_MAX,
		.err_cap = ERR_CAP,
	};
	w->job = proc_run(w->pool, &spec, on_ubus_done, w);
	if (!w->job) {
		char reason[WIFI_REASON_MAX];
		snprintf(reason, sizeof(reason), "iwinfo: %.100s", proc_pool_last_error(w->pool));
		provider_failed(w, reason);
	}
}

/* ---- the poll ---- */

static void start_provider(struct wifi *w)
{
	int64_t now = clock_mono_ms();
	int prov = next_provider(w, now);
	if (prov < 0) {
		poll_end(w, false, TRI_UNKNOWN);
		return;
	}
	w->tried_this_poll[prov] = true;
	w->cur = prov;
	wifi_info_init(&w->poll_info);
	provider_health_start(&w->prov[prov], now);
	if (prov == WIFI_PROV_NL80211)
		nl_begin(w);
	else
		ubus_begin(w);
}

static void on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	struct wifi *w = t->data;
	if (w->cur >= 0)
		return;		/* the previous poll still runs */
	memset(w->tried_this_poll, 0, sizeof(w->tried_this_poll));
	start_provider(w);
}

static void *wifi_start(struct ev_loop *loop, const struct collector_args *args, const struct collector_host *host,
			char *err, size_t errlen)
{
	if (!args->params) {
		snprintf(err, errlen, "wifi: no params");
		return NULL;
	}
	if (!args->device || !args->device[0] || strlen(args->device) >= IF_NAMESIZE) {
		snprintf(err, errlen, "wifi: the member has no usable device name");
		return NULL;
	}
	struct wifi *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(&w->p, args->params, sizeof(w->p));
	if (w->p.provider < 0 || w->p.provider > __WIFI_PROV_MAX || w->p.interval_ms < 1000 ||
	    w->p.timeout_ms < 1 || w->p.timeout_ms > PROC_TIMEOUT_MS_MAX || w->p.backoff_max_ms < 1) {
		snprintf(err, errlen, "wifi: params out of range");
		free(w);
		return NULL;
	}
	snprintf(w->member, sizeof(w->member), "%s", args->member);
	snprintf(w->device, sizeof(w->device), "%s", args->device);
	struct json_object *arg = json_object_new_object();
	if (arg) {
		json_object_object_add(arg, "device", json_object_new_string(w->device));
		snprintf(w->argv_json, sizeof(w->argv_json), "%s",
			 json_object_to_json_string_ext(arg, JSON_C_TO_STRING_PLAIN));
		json_object_put(arg);
	}
	w->loop = loop;
	w->host = *host;
	w->cur = -1;
	w->active = -1;
	w->last_ok_ms = -1;
	w->associated = TRI_UNKNOWN;
	wifi_info_init(&w->radio);
	for (int i = 0; i < __WIFI_PROV_MAX; i++)
		provider_health_init(&w->prov[i]);
	w->pool = proc_pool_new(loop, 1, 0);
	if (!w->pool || !arg) {
		snprintf(err, errlen, "wifi: cannot run tools: %s", strerror(errno ? errno : ENOMEM));
		log_err("wifi member=%s %s", w->member, err);
		proc_pool_free(w->pool);
		free(w);
		return NULL;
	}
	ev_timer_init(&w->timer, on_timer, 0.05, w->p.interval_ms / 1000.0);
	w->timer.data = w;
	ev_timer_start(loop, &w->timer);
	log_info("wifi member=%s device=%s provider=%s interval_ms=%d timeout_ms=%d", w->member, w->device,
		 provider_option_names[w->p.provider], w->p.interval_ms, w->p.timeout_ms);
	return w;
}

static void wifi_stop(void *inst)
{
	struct wifi *w = inst;
	if (!w)
		return;
	ev_timer_stop(w->loop, &w->timer);
	if (w->nl) {
		nl_dump_cancel(w->nl);
		nl_close(w->nl);
	}
	if (w->job)
		proc_abandon(w->job);
	proc_pool_free(w->pool);
	free(w);
}

static void wifi_set_link(void *inst, const struct link_info *li)
{
	struct wifi *w = inst;
	w->ifindex = li->exists ? li->ifindex : 0;
}

static void wifi_poll_now(void *inst)
{
	struct wifi *w = inst;
	if (w->cur >= 0)
		return;
	for (int i = 0; i < __WIFI_PROV_MAX; i++)
		w->prov[i].next_try_ms = 0;
	/* from the loop, not inside this ops call: the poll may end at once */
	ev_timer_stop(w->loop, &w->timer);
	ev_timer_set(&w->timer, 0., w->p.interval_ms / 1000.0);
	ev_timer_start(w->loop, &w->timer);
}

static void wifi_metrics_json(const void *inst, struct json_object *out)
{
	const struct wifi *w = inst;
	struct wifi_view v;
	int64_t now = clock_mono_ms();
	memset(&v, 0, sizeof(v));
	v.provider = provider_option_names[w->p.provider];
	v.active = w->active >= 0 ? wifi_provider_names[w->active] : NULL;
	v.state = w->cur >= 0 ? "polling" : "idle";
	v.device = w->device;
	v.ifindex = w->ifindex;
	v.interval_ms = w->p.interval_ms;
	v.timeout_ms = w->p.timeout_ms;
	v.polls_ok = w->polls_ok;
	v.polls_failed = w->polls_failed;
	v.last_ok_age_ms = w->last_ok_ms >= 0 ? now - w->last_ok_ms : -1;
	v.associated = w->associated;
	v.nl80211_family = w->family;
	v.radio = w->radio;
	for (int i = 0; i < __WIFI_PROV_MAX; i++)
		provider_health_view(&w->prov[i], now, &v.prov[i]);
	json_object_object_add(out, "wifi", metric_object(wifi_view_metrics, &v));
}

const struct collector_ops wifi_collector = {
	.name = "wifi",
	.classes = COLLECT_CLASS(CLASS_WIFI),
	.fills = COLLECT_FILLS_WIFI,
	.member_options = wifi_options,
	.params_size = sizeof(struct wifi_params),
	.options_title = "Member of class wifi: the station (docs/WIFI.md)",
	.start = wifi_start,
	.stop = wifi_stop,
	.set_link = wifi_set_link,
	.poll_now = wifi_poll_now,
	.metrics_json = wifi_metrics_json,
};
