/* daemon.c - lifecycle of starfaild and the decide/apply step; see daemon.h */
#include "daemon.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/timex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "clock.h"
#include "daemon_export.h"
#include "daemon_caps.h"
#include "daemon_sim.h"
#include "explain.h"
#include "linkmon.h"
#include "log.h"

int64_t daemon_now_ms(const struct daemon *d)
{
	(void)d;
	return clock_mono_ms();
}

struct member *daemon_find_member(struct daemon *d, const char *name)
{
	for (int i = 0; i < d->n_members; i++)
		if (strcmp(d->members[i]->cfg.name, name) == 0)
			return d->members[i];
	return NULL;
}

static const char *member_name(const struct daemon *d, int idx)
{
	return idx >= 0 && idx < d->n_members ? d->members[idx]->cfg.name : "";
}

/* ---- events: engine and daemon -> the sinks (ring, log, ...) ------------ */

static void log_sink(void *ctx, const struct tel_event *te)
{
	bool loud = !strcmp(te->type, "switch") || !strcmp(te->type, "all_bad") || !strcmp(te->type, "repair");
	char from_to[2 * TEL_NAME_MAX + 16] = "";
	/* the engine's switch text says from= and to= already: not twice on one line */
	if ((*te->from || *te->to) && !(strstr(te->text, "from=") && strstr(te->text, "to=")))
		snprintf(from_to, sizeof(from_to), " from=%s to=%s", *te->from ? te->from : "-",
			 *te->to ? te->to : "-");
	sf_log(loud ? LOG_LVL_INFO : LOG_LVL_DEBUG, "event: type=%s reason=%s member=%s%s %s", te->type,
	       te->reason, *te->member ? te->member : "-", from_to, te->text);
}

static void on_engine_event(void *ctx, const struct engine_event *ev)
{
	struct daemon *d = ctx;
	struct tel_event te = { .t_ms = ev->t_ms, .wall_s = clock_wall_ms() / 1000 };
	snprintf(te.type, sizeof(te.type), "%s", engine_event_type_name(ev->type));
	snprintf(te.reason, sizeof(te.reason), "%s", engine_reason_name(ev->reason));
	snprintf(te.member, sizeof(te.member), "%s", member_name(d, ev->member));
	snprintf(te.from, sizeof(te.from), "%s", member_name(d, ev->from));
	snprintf(te.to, sizeof(te.to), "%s", member_name(d, ev->to));
	snprintf(te.text, sizeof(te.text), "%s", ev->text);
	event_bus_emit(&d->bus, &te);
}

void daemon_event(struct daemon *d, const char *type, const char *reason, const char *member,
		  const char *fmt, ...)
{
	struct tel_event te = { .t_ms = daemon_now_ms(d), .wall_s = clock_wall_ms() / 1000 };
	snprintf(te.type, sizeof(te.type), "%s", type);
	snprintf(te.reason, sizeof(te.reason), "%s", reason);
	snprintf(te.member, sizeof(te.member), "%s", member ? member : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(te.text, sizeof(te.text), fmt, ap);
	va_end(ap);
	event_bus_emit(&d->bus, &te);
}

/* ---- decide and apply ---------------------------------------------------- */

/*
 * Once the system clock is NTP-synchronised, tell the engine how UTC relates
 * to the monotonic clock, so Starlink's published slot phase applies before
 * it is learned. Checked at most once a minute until it succeeds.
 */
static void maybe_set_utc(struct daemon *d, int64_t now_ms)
{
	if (d->utc_set || now_ms < d->utc_next_check_ms)
		return;
	d->utc_next_check_ms = now_ms + 60000;
	struct timex tx = { .modes = 0 };
	if (adjtimex(&tx) < 0 || (tx.status & STA_UNSYNC))
		return;
	engine_set_utc_offset(d->engine, clock_wall_ms() - daemon_now_ms(d));
	d->utc_set = true;
	log_info("clock synchronised: Starlink slot phase from UTC enabled");
}

/*
 * Probing cadence of member i: the primary at poll_interval_ms; a standby
 * that is not (yet) good - recovering from a failure, warming up - also at
 * that cadence unless it is metered, so its evidence builds up and it can be
 * restored within about restore_window_ms; a good standby slowly
 * (standby_interval_ms, metered_interval_ms when metered).
 */
static enum collector_role role_of(const struct daemon *d, int i)
{
	if (i == d->primary)
		return COLLECTOR_PRIMARY;
	struct engine_score_info si;
	if (!d->members[i]->cfg.metered && engine_member_score(d->engine, i, &si) == 0 &&
	    si.state != MS_GOOD && si.state != MS_DISABLED)
		return COLLECTOR_PRIMARY;
	return COLLECTOR_STANDBY;
}

void daemon_decide(struct daemon *d)
{
	if (!d->engine || d->in_decide)
		return;
	d->in_decide = true;
	maybe_set_utc(d, daemon_now_ms(d));
	engine_decide(d->engine, daemon_now_ms(d), &d->decision);
	d->primary = d->decision.primary;
	int64_t now = daemon_now_ms(d);
	for (int i = 0; i < d->n_members; i++) {
		struct engine_score_info si;
		member_set_role(d->members[i], role_of(d, i));
		/* adaptive evidence: a suspect member probes faster (probe_boost.h) */
		bool suspect = engine_member_score(d->engine, i, &si) == 0 && si.suspect;
		member_boost(d->members[i], suspect ? now + d->cfg.probe.boost_hold_ms : 0);
	}
	daemon_ctl_apply(d);
	daemon_export_decided(d);
	d->in_decide = false;
}

int daemon_pin(struct daemon *d, struct member *m)
{
	if (engine_pin(d->engine, m->idx, daemon_now_ms(d)) < 0)
		return -1;
	daemon_decide(d);
	return 0;
}

void daemon_unpin(struct daemon *d)
{
	engine_unpin(d->engine, daemon_now_ms(d));
	daemon_decide(d);
}

/* ---- members: their samples -> engine, history ------------------------- */

static void record(struct daemon *d, struct member *m, int64_t t_ms, bool round_up)
{
	const struct sample *v = member_view(m);
	struct tel_sample ts = {
		.t_ms = t_ms,
		.latency_ms = (float)v->latency_ms,
		.loss_pct = (float)v->loss_pct,
		.jitter_ms = (float)v->jitter_ms,
		.score = NAN,
		.link_up = (int8_t)v->link_up,
		.primary = d->primary == m->idx,
		.round_up = round_up,
	};
	struct engine_score_info si;
	if (d->engine && engine_member_score(d->engine, m->idx, &si) == 0) {
		ts.score = (float)si.final;
		ts.state = (uint8_t)si.state;
	}
	tel_ring_push(member_history(m), &ts);
}

/*
 * The member host callback: a sample of one of its collectors, or a link
 * change. Rounds are kept in the history after the decision they caused;
 * link changes before it (the link monitor's handler decides after).
 */
static void on_member_sample(void *ctx, struct member *m, const struct sample *s, unsigned flags)
{
	struct daemon *d = ctx;
	if (d->engine && engine_observe(d->engine, m->idx, s) < 0)
		log_debug("engine refused a sample: member=%s t_ms=%lld", m->cfg.name, (long long)s->t_ms);
	if (flags & MEMBER_OBS_LINK) {
		record(d, m, s->t_ms, false);
		return;
	}
	daemon_decide(d);
	if (flags & MEMBER_OBS_ROUND)
		record(d, m, s->t_ms, flags & MEMBER_OBS_ROUND_UP);
	daemon_sim_observe(d, m, s, flags);
}

/*
 * The member host's fault callback: one event per change of a collector's
 * fault (type fault or fault_cleared, reason the collector). It may come
 * from inside a member or ops call: it only records (the member's state
 * is read by the API; the engine goes by what was measured).
 */
static void on_member_fault(void *ctx, struct member *m, const struct collector_ops *ops,
			    const struct member_fault *f)
{
	struct daemon *d = ctx;
	if (f->active)
		daemon_event(d, "fault", ops->name, m->cfg.name, "reason=\"%s\" since=%lld failures=%llu%s",
			     f->reason, (long long)f->since_wall_s, (unsigned long long)f->failures,
			     ops->essential ? " member unusable" : "");
	else
		daemon_event(d, "fault_cleared", ops->name, m->cfg.name,
			     "after_s=%lld failures=%llu was=\"%s\"",
			     (long long)((daemon_now_ms(d) - f->since_ms) / 1000),
			     (unsigned long long)f->failures, f->reason);
}

static const char *const engine_state_names[] = {
	[MS_UNKNOWN] = "unknown", [MS_DOWN] = "down", [MS_WARMUP] = "warmup", [MS_BAD] = "bad",
	[MS_DEGRADED] = "degraded", [MS_GOOD] = "good", [MS_DISABLED] = "disabled",
};

const char *daemon_member_state(const struct daemon *d, const struct member *m, const char **reason)
{
	static char why[200];
	const char *st = member_unusable(m, reason);
	if (st)
		return st;
	struct engine_score_info si;
	if (!d->engine || engine_member_score(d->engine, m->idx, &si) < 0) {
		*reason = "no decision engine";
		return "unknown";
	}
	/* a plain state change says nothing beyond the state itself */
	snprintf(why, sizeof(why), "%s", si.last_reason == RSN_STATE || si.last_reason == RSN_NONE
						 ? "" : engine_reason_name(si.last_reason));
	if (si.predict != RSN_NONE)
		snprintf(why, sizeof(why), "predictive: %s", engine_reason_name(si.predict));
	*reason = why;
	return si.state < __MS_MAX ? engine_state_names[si.state] : "?";
}

/* ---- link monitor ------------------------------------------------------- */

static void member_sync_link(struct daemon *d, struct member *m);

static void on_link_change(void *ctx, const char *ifname)
{
	struct daemon *d = ctx;
	if (!d->links_synced && linkmon_ready(d->linkmon)) {
		/* first complete dump: members whose device does not exist hear it now */
		d->links_synced = true;
		for (int i = 0; i < d->n_members; i++)
			member_sync_link(d, d->members[i]);
		return;
	}
	for (int i = 0; i < d->n_members; i++) {
		struct member *m = d->members[i];
		if (strcmp(m->cfg.device, ifname))
			continue;
		struct link_info li;
		linkmon_query(d->linkmon, ifname, &li);
		member_link_changed(m, &li);
		daemon_decide(d);
	}
}

static void member_sync_link(struct daemon *d, struct member *m)
{
	if (!d->linkmon || !linkmon_ready(d->linkmon))
		return;
	struct link_info li;
	linkmon_query(d->linkmon, m->cfg.device, &li);
	member_link_changed(m, &li);
	daemon_decide(d);
}

/* ---- members and config ------------------------------------------------- */

static int build_engine_members(const struct sf_config *cfg, struct engine_member *out)
{
	for (int i = 0; i < cfg->n_members; i++)
		config_engine_member(&cfg->members[i], &out[i]);
	return cfg->n_members;
}

/*
 * Make the member list match cfg: members whose config is unchanged keep
 * their object and all its state; changed ones are rebuilt; the rest come
 * and go. Probers restart when the global probe settings changed.
 */
static int apply_members(struct daemon *d, const struct sf_config *cfg, bool probes_changed,
			 char *summary, size_t len)
{
	struct member *next[MAX_MEMBERS] = { 0 };
	bool reused[MAX_MEMBERS] = { false };
	bool fresh[MAX_MEMBERS] = { false };
	int added = 0, changed = 0, kept = 0, removed = 0;
	size_t cap = tel_samples_per_member(&cfg->telemetry, cfg->n_members);

	for (int i = 0; i < cfg->n_members; i++) {
		const struct member_config *mc = &cfg->members[i];
		for (int j = 0; j < d->n_members; j++)
			/* a member whose collector failed to start is retried */
			if (!reused[j] && !d->members[j]->collect_error[0] &&
			    config_member_equal(&d->members[j]->cfg, mc)) {
				next[i] = d->members[j];
				next[i]->cfg.up = mc->up;	/* discovery's facts, not options */
				reused[j] = true;
				kept++;
				break;
			}
		if (next[i])
			continue;
		struct member_host host = { .observe = on_member_sample, .fault = on_member_fault, .ctx = d };
		next[i] = member_new(d->loop, mc, cap, &host);
		if (!next[i]) {
			for (int k = 0; k < i; k++)
				if (fresh[k])
					member_free(next[k]);
			return -1;
		}
		fresh[i] = true;
		if (daemon_find_member(d, mc->name))
			changed++;
		else
			added++;
	}
	/* the primary by name in the new order (-1: removed), before roles are set from it */
	int primary = -1;
	for (int i = 0; d->primary >= 0 && d->primary < d->n_members && i < cfg->n_members; i++)
		if (strcmp(cfg->members[i].name, d->members[d->primary]->cfg.name) == 0)
			primary = i;
	for (int j = 0; j < d->n_members; j++) {
		if (reused[j])
			continue;
		if (!config_find_member(cfg, d->members[j]->cfg.name)) {
			removed++;
			log_info("member removed: name=%s", d->members[j]->cfg.name);
		}
		member_free(d->members[j]);
	}
	memcpy(d->members, next, sizeof(next));
	d->n_members = cfg->n_members;
	d->primary = primary;
	for (int i = 0; i < d->n_members; i++) {
		struct member *m = d->members[i];
		m->idx = i;
		if (tel_ring_resize(member_history(m), cap) < 0)
			log_warn("telemetry: cannot resize ring member=%s", m->cfg.name);
		if (fresh[i] || probes_changed) {
			member_stop_collectors(m);
			member_set_role(m, d->primary == i ? COLLECTOR_PRIMARY : COLLECTOR_STANDBY);
			member_start_collectors(m, &d->cfg);
			member_sync_link(d, m);
		}
	}
	snprintf(summary, len, "added=%d changed=%d unchanged=%d removed=%d", added, changed, kept,
		 removed);
	return 0;
}

int daemon_set_members(struct daemon *d, const struct sf_config *eff)
{
	static struct sf_config old;	/* large: not on the stack */
	struct engine_member em[MAX_MEMBERS];
	char eerr[200], summary[128];
	int n = build_engine_members(eff, em);
	if (engine_set_members(d->engine, &eff->engine, em, n, daemon_now_ms(d), eerr, sizeof(eerr)) < 0) {
		log_err("discovery: engine: %s", eerr);
		return -1;
	}
	old = d->cfg;
	d->cfg = *eff;
	if (apply_members(d, &d->cfg, false, summary, sizeof(summary)) < 0) {
		d->cfg = old;
		n = build_engine_members(&old, em);
		if (engine_set_members(d->engine, &old.engine, em, n, daemon_now_ms(d), eerr, sizeof(eerr)) < 0)
			log_err("discovery: engine rollback failed: %s", eerr);
		return -1;
	}
	log_info("discovery: members %s", summary);
	if (d->ctl)
		daemon_ctl_set_members(d->ctl, &d->cfg);	/* devices and members may be new */
	daemon_decide(d);
	return 0;
}

static void api_limits_from(const struct core_params *c, struct api_limits *lim)
{
	lim->max_clients = c->api_max_clients;
	lim->max_clients_per_uid = c->api_max_clients_per_uid;
	lim->admin_clients = c->api_admin_clients;
	lim->timeout_ms = c->api_timeout_ms;
	lim->max_request_bytes = c->api_max_request_bytes;
	lim->mode = (unsigned)strtoul(c->api_socket_mode, NULL, 8);
	lim->group = c->api_group;
}

static void log_effective(const struct daemon *d)
{
	const struct sf_config *c = &d->cfg;
	log_info("config: path=%s enable=%d controller=%s poll_interval_ms=%d fail_window_ms=%d "
		 "restore_window_ms=%d cooldown_ms=%d switch_margin=%d predictive=%d members=%d",
		 c->path, c->core.enable, daemon_ctl_backend(d, c), c->core.poll_interval_ms,
		 c->engine.fail_window_ms, c->engine.restore_window_ms, c->engine.cooldown_ms,
		 c->engine.switch_margin, c->engine.predictive, c->n_members);
}

static void fail_reload(struct daemon *d, const char *msg, char *err, size_t errlen)
{
	d->cstat.ok = false;
	d->cstat.failed_reloads++;
	snprintf(d->cstat.error, sizeof(d->cstat.error), "%s", msg);
	log_err("reload failed, old config kept: %s", d->cstat.error);
	snprintf(err, errlen, "%s", d->cstat.error);
}

int daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	static struct sf_config next;	/* large: not on the stack */
	struct config_report rep;
	char msg[CONFIG_MSG_MAX];

	d->cstat.attempted_at = time(NULL);
	if (config_load(d->opts.config_path, &next, &rep) < 0) {
		snprintf(msg, sizeof(msg), "%s (%d errors)", config_report_first_error(&rep), rep.n_errors);
		fail_reload(d, rep.n_errors == 1 ? config_report_first_error(&rep) : msg, err, errlen);
		return -1;
	}
	for (int i = 0; i < rep.n_warnings && i < CONFIG_MAX_ERRORS; i++)
		log_warn("config: %s", rep.warnings[i]);
	daemon_disc_load(d, &next);	/* next: the file's members merged with discovery's */

	/* the engine takes the new members first: it may refuse them */
	struct engine_member em[MAX_MEMBERS];
	int n = build_engine_members(&next, em);
	char eerr[200];
	if (engine_set_members(d->engine, &next.engine, em, n, daemon_now_ms(d), eerr, sizeof(eerr)) < 0) {
		snprintf(msg, sizeof(msg), "engine: %s", eerr);
		fail_reload(d, msg, err, errlen);
		return -1;
	}

	static struct sf_config old;	/* large: not on the stack */
	old = d->cfg;
	bool probes_changed = !config_probe_equal(&d->cfg, &next);
	bool ctl_changed = !config_ctl_equal(&d->cfg, &next) || d->cfg.core.enable != next.core.enable;
	const struct core_params *o = &old.core, *nc = &next.core;
	if (!d->opts.socket_path && strcmp(o->api_socket, nc->api_socket))
		log_warn("config: api_socket changed to %s: takes effect after a restart", nc->api_socket);
	if (strcmp(o->api_socket_mode, nc->api_socket_mode) || strcmp(o->api_group, nc->api_group))
		log_warn("config: api_socket_mode/api_group changes take effect after a restart");

	d->cfg = next;		/* members read d->cfg when their collectors start */
	char summary[128];
	if (apply_members(d, &d->cfg, probes_changed, summary, sizeof(summary)) < 0) {
		/* nothing changed in the members: put the engine and config back */
		d->cfg = old;
		n = build_engine_members(&old, em);
		if (engine_set_members(d->engine, &old.engine, em, n, daemon_now_ms(d), eerr,
				       sizeof(eerr)) < 0)
			log_err("reload: engine rollback failed: %s", eerr);
		fail_reload(d, "out of memory while rebuilding members", err, errlen);
		return -1;
	}
	if (d->ctl)
		daemon_ctl_set_members(d->ctl, &d->cfg);
	if (nc->log_level != o->log_level && d->opts.log_level < 0) {
		log_set_level((enum log_level)nc->log_level);
		log_info("log level set by config: level=%s", log_level_name((enum log_level)nc->log_level));
	}
	struct api_limits lim;
	api_limits_from(nc, &lim);
	api_server_set_limits(d->api, &lim);
	if (tel_ring_resize(&d->events, (size_t)next.telemetry.max_events) < 0)
		log_warn("telemetry: cannot resize the event ring");
	if (tel_ring_resize(&d->decisions, tel_decisions_cap(&next.telemetry, sizeof(struct explain_record))) < 0)
		log_warn("telemetry: cannot resize the decision records");
	if (ctl_changed) {
		daemon_ctl_stop(d);
		d->ctl_retry_ms = daemon_now_ms(d) + CTL_RETRY_MS;
		if (daemon_ctl_start(d, &d->cfg, msg, sizeof(msg)) < 0)
			log_err("reload: controller could not start (retried every %d s): %s",
				CTL_RETRY_MS / 1000, msg);
	}

	d->cstat.ok = true;
	d->cstat.error[0] = 0;
	d->cstat.warnings = rep.n_warnings;
	d->cstat.loaded_at = d->cstat.attempted_at;
	d->cstat.reloads++;
	daemon_disc_commit(d);
	daemon_disc_kick(d, "reload");
	log_info("reload done: %s probes_restarted=%d controller_restarted=%d", summary, probes_changed,
		 ctl_changed);
	log_effective(d);
	daemon_export_reload(d, &old);
	daemon_caps_poll(d);	/* the engine's cap gates for the new member list */
	daemon_decide(d);
	return 0;
}

/* ---- signals ------------------------------------------------------------ */

static void on_sighup(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	char err[CONFIG_MSG_MAX];
	log_info("SIGHUP: reloading config path=%s", d->opts.config_path);
	daemon_reload(d, err, sizeof(err));
}

static void on_sigterm(struct ev_loop *loop, ev_signal *w, int revents)
{
	log_info("signal %d: stopping", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

/* ---- lifecycle ---------------------------------------------------------- */

int daemon_init(struct daemon *d, const struct daemon_opts *opts)
{
	struct config_report rep;
	char err[256];

	memset(d, 0, sizeof(*d));
	d->opts = *opts;
	d->primary = -1;
	d->loop = ev_default_loop(EVFLAG_AUTO);
	if (!d->loop) {
		fprintf(stderr, "starfaild: cannot create the event loop\n");
		return -1;
	}
	/* at once: a SIGHUP or SIGTERM during start-up must not kill us half-way */
	ev_signal_init(&d->sig_hup, on_sighup, SIGHUP);
	ev_signal_init(&d->sig_term, on_sigterm, SIGTERM);
	ev_signal_init(&d->sig_int, on_sigterm, SIGINT);
	d->sig_hup.data = d->sig_term.data = d->sig_int.data = d;
	ev_signal_start(d->loop, &d->sig_hup);
	ev_signal_start(d->loop, &d->sig_term);
	ev_signal_start(d->loop, &d->sig_int);
	signal(SIGPIPE, SIG_IGN);
	if (config_load(opts->config_path, &d->cfg, &rep) < 0) {
		config_report_print(&rep, stderr);
		fprintf(stderr, "starfaild: configuration has errors, not starting\n");
		return -1;
	}
	log_set_level(opts->log_level >= 0 ? (enum log_level)opts->log_level
					   : (enum log_level)d->cfg.core.log_level);
	for (int i = 0; i < rep.n_warnings && i < CONFIG_MAX_ERRORS; i++)
		log_warn("config: %s", rep.warnings[i]);
	if (daemon_disc_init(d) < 0)
		goto oom;
	daemon_disc_load(d, &d->cfg);	/* d->cfg: the file's members merged with discovery's */
	daemon_disc_commit(d);

	d->started_wall = time(NULL);
	d->started_ms = daemon_now_ms(d);
	d->cstat.ok = true;
	d->cstat.loaded_at = d->cstat.attempted_at = d->started_wall;
	d->cstat.warnings = rep.n_warnings;

	if (tel_ring_init(&d->events, sizeof(struct tel_event), (size_t)d->cfg.telemetry.max_events) < 0)
		goto oom;
	if (tel_ring_init(&d->decisions, sizeof(struct explain_record),
			  tel_decisions_cap(&d->cfg.telemetry, sizeof(struct explain_record))) < 0)
		goto oom;
	event_bus_init(&d->bus);
	event_bus_subscribe(&d->bus, "ring", event_sink_ring, &d->events);
	event_bus_subscribe(&d->bus, "explain", explain_sink, d);
	event_bus_subscribe(&d->bus, "log", log_sink, d);
	struct engine_member em[MAX_MEMBERS];
	int n = build_engine_members(&d->cfg, em);
	d->engine = engine_create(&d->cfg.engine, em, n, err, sizeof(err));
	if (!d->engine) {
		fprintf(stderr, "starfaild: engine: %s\n", err);
		return -1;
	}
	engine_set_event_cb(d->engine, on_engine_event, d);

	/* the API first: a second daemon must not touch routes */
	struct api_limits lim;
	api_limits_from(&d->cfg.core, &lim);
	const char *path = opts->socket_path ? opts->socket_path : d->cfg.core.api_socket;
	d->api = api_server_new(d->loop, path, &lim, daemon_api_dispatch, d, err, sizeof(err));
	if (!d->api) {
		log_err("api: %s", err);
		fprintf(stderr, "starfaild: %s\n", err);
		return -1;
	}
	if (daemon_ctl_start(d, &d->cfg, err, sizeof(err)) < 0) {
		log_err("controller: %s", err);
		fprintf(stderr, "starfaild: %s\n", err);
		return -1;
	}
	d->linkmon = linkmon_new(d->loop, on_link_change, d);
	if (!d->linkmon)
		log_err("linkmon: netlink unavailable (%s): link events will not be seen", strerror(errno));

	char summary[128];
	if (apply_members(d, &d->cfg, false, summary, sizeof(summary)) < 0)
		goto oom;
	daemon_disc_kick(d, "start");
	daemon_export_start(d);
	if (daemon_caps_start(d) < 0)
		goto oom;
	if (daemon_sim_start(d) < 0)
		goto oom;


	log_info("starfaild %s started: pid=%d socket=%s", SF_VERSION, (int)getpid(), path);
	log_effective(d);
	return 0;
oom:
	fprintf(stderr, "starfaild: out of memory\n");
	return -1;
}

void daemon_run(struct daemon *d)
{
	ev_run(d->loop, 0);
}

void daemon_fini(struct daemon *d)
{
	daemon_disc_fini(d);	/* no discovery callback after this */
	daemon_export_stop(d);	/* MQTT says offline while the members and the loop are there */
	daemon_caps_stop(d);
	for (int i = 0; i < d->n_members; i++)
		member_free(d->members[i]);
	d->n_members = 0;
	daemon_sim_stop(d);	/* after the members: no SIM command callback is left */
	daemon_ctl_stop(d);	/* removes Starfail's routes: the system's own take over */
	linkmon_free(d->linkmon);
	d->linkmon = NULL;
	api_server_free(d->api);
	d->api = NULL;
	engine_destroy(d->engine);
	d->engine = NULL;
	tel_ring_free(&d->events);
	tel_ring_free(&d->decisions);
	if (d->loop) {
		ev_signal_stop(d->loop, &d->sig_hup);
		ev_signal_stop(d->loop, &d->sig_term);
		ev_signal_stop(d->loop, &d->sig_int);
		ev_loop_destroy(d->loop);
		d->loop = NULL;
	}
	log_info("stopped");
}
