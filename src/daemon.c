/* daemon.c - lifecycle of starfaild; see daemon.h */
#include "daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "api.h"
#include "log.h"

static const char *const state_names[__MEMBER_STATE_MAX] = {
	[MEMBER_UNKNOWN] = "unknown",
	[MEMBER_UP] = "up",
	[MEMBER_DOWN] = "down",
	[MEMBER_UNUSABLE] = "unusable",
	[MEMBER_DISABLED] = "disabled",
};

const char *member_state_name(enum member_state s)
{
	return s < __MEMBER_STATE_MAX ? state_names[s] : "?";
}

int64_t daemon_now_ms(const struct daemon *d)
{
	return (int64_t)(ev_now(d->loop) * 1000.0);
}

struct member *daemon_find_member(struct daemon *d, const char *name)
{
	for (int i = 0; i < d->n_members; i++)
		if (strcmp(d->members[i]->cfg.name, name) == 0)
			return d->members[i];
	return NULL;
}

/* ---- members ----------------------------------------------------------- */

static struct member *member_new(struct daemon *d, const struct member_config *mc)
{
	struct member *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->cfg = *mc;
	m->since_ms = daemon_now_ms(d);
	sample_init(&m->last, m->since_ms);
	if (!mc->enabled) {
		m->state = MEMBER_DISABLED;
		snprintf(m->reason, sizeof(m->reason), "enabled '0' in the config");
	} else {
		m->state = MEMBER_UNKNOWN;
		snprintf(m->reason, sizeof(m->reason), "no measurement yet");
	}
	log_info("member added: name=%s class=%s interface=%s device=%s priority=%d weight=%d metered=%d",
		 mc->name, member_class_name(mc->cls), *mc->interface ? mc->interface : "-",
		 *mc->device ? mc->device : "-", mc->priority, mc->weight, mc->metered);
	return m;
}

static void member_free(struct daemon *d, struct member *m)
{
	(void)d;
	free(m);
}

/*
 * Make the member list match cfg: members whose config is unchanged keep
 * their object and all its state; changed ones are rebuilt; the rest come
 * and go. Returns -1 (nothing changed) when memory runs out.
 */
static int apply_members(struct daemon *d, const struct sf_config *cfg, char *summary, size_t len)
{
	struct member *next[MAX_MEMBERS] = { 0 };
	bool reused[MAX_MEMBERS] = { false };
	int added = 0, changed = 0, kept = 0, removed = 0;

	for (int i = 0; i < cfg->n_members; i++) {
		const struct member_config *mc = &cfg->members[i];
		for (int j = 0; j < d->n_members; j++) {
			if (!reused[j] && config_member_equal(&d->members[j]->cfg, mc)) {
				next[i] = d->members[j];
				reused[j] = true;
				kept++;
				break;
			}
		}
		if (next[i])
			continue;
		next[i] = member_new(d, mc);
		if (!next[i]) {
			for (int k = 0; k < i; k++) {
				bool was_reused = false;
				for (int j = 0; j < d->n_members; j++)
					was_reused |= next[k] == d->members[j];
				if (!was_reused)
					member_free(d, next[k]);
			}
			return -1;
		}
		if (daemon_find_member(d, mc->name))
			changed++;
		else
			added++;
	}
	for (int j = 0; j < d->n_members; j++) {
		if (reused[j])
			continue;
		if (!config_find_member(cfg, d->members[j]->cfg.name)) {
			removed++;
			log_info("member removed: name=%s", d->members[j]->cfg.name);
		}
		member_free(d, d->members[j]);
	}
	memcpy(d->members, next, sizeof(next));
	d->n_members = cfg->n_members;
	snprintf(summary, len, "added=%d changed=%d unchanged=%d removed=%d", added, changed, kept,
		 removed);
	return 0;
}

/* ---- config ------------------------------------------------------------ */

static void api_limits_from(const struct core_params *c, struct api_limits *lim)
{
	lim->max_clients = c->api_max_clients;
	lim->timeout_ms = c->api_timeout_ms;
	lim->max_request_bytes = c->api_max_request_bytes;
	lim->mode = (unsigned)strtoul(c->api_socket_mode, NULL, 8);
	lim->group = c->api_group;
}

static void log_effective(const struct daemon *d)
{
	const struct core_params *c = &d->cfg.core;
	log_info("config: path=%s enable=%d controller=%s dry_run=%d poll_interval_ms=%d members=%d",
		 d->cfg.path, c->enable, controller_kind_name(c->controller), d->opts.dry_run,
		 c->poll_interval_ms, d->cfg.n_members);
}

int daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	static struct sf_config next;	/* large: not on the stack */
	struct config_report rep;

	d->cstat.attempted_at = time(NULL);
	if (config_load(d->opts.config_path, &next, &rep) < 0) {
		d->cstat.ok = false;
		d->cstat.failed_reloads++;
		snprintf(d->cstat.error, sizeof(d->cstat.error), "%s", config_report_first_error(&rep));
		log_err("reload failed, old config kept: errors=%d first=\"%s\"", rep.n_errors,
			d->cstat.error);
		snprintf(err, errlen, "%s", d->cstat.error);
		return -1;
	}
	for (int i = 0; i < rep.n_warnings && i < CONFIG_MAX_ERRORS; i++)
		log_warn("config: %s", rep.warnings[i]);

	char summary[128];
	if (apply_members(d, &next, summary, sizeof(summary)) < 0) {
		snprintf(err, errlen, "out of memory applying the new config");
		log_err("reload failed, old config kept: out of memory");
		d->cstat.failed_reloads++;
		d->cstat.ok = false;
		snprintf(d->cstat.error, sizeof(d->cstat.error), "%s", err);
		return -1;
	}

	const struct core_params *o = &d->cfg.core, *n = &next.core;
	if (o->log_level != n->log_level) {
		log_set_level((enum log_level)n->log_level);
		log_info("log level set by config: level=%s", log_level_name((enum log_level)n->log_level));
	}
	if (d->api) {
		struct api_limits lim;
		api_limits_from(n, &lim);
		api_server_set_limits(d->api, &lim);
		if (!d->opts.socket_path && strcmp(o->api_socket, n->api_socket))
			log_warn("config: api_socket changed to %s: takes effect after a restart", n->api_socket);
		if (strcmp(o->api_socket_mode, n->api_socket_mode) || strcmp(o->api_group, n->api_group))
			log_warn("config: api_socket_mode/api_group changes take effect after a restart");
	}

	d->cfg = next;
	d->cstat.ok = true;
	d->cstat.error[0] = 0;
	d->cstat.warnings = rep.n_warnings;
	d->cstat.loaded_at = d->cstat.attempted_at;
	d->cstat.reloads++;
	log_info("reload done: %s", summary);
	log_effective(d);
	return 0;
}

/* ---- signals ----------------------------------------------------------- */

static void on_sighup(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	char err[CONFIG_MSG_MAX];
	log_info("SIGHUP: reloading config path=%s", d->opts.config_path);
	daemon_reload(d, err, sizeof(err));
}

static void on_sigterm(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;
	log_info("signal %d: stopping", w->signum);
	d->stopping = true;
	ev_break(loop, EVBREAK_ALL);
}

/* ---- lifecycle --------------------------------------------------------- */

int daemon_init(struct daemon *d, const struct daemon_opts *opts)
{
	struct config_report rep;

	memset(d, 0, sizeof(*d));
	d->opts = *opts;
	d->loop = ev_default_loop(EVFLAG_AUTO);
	if (!d->loop) {
		fprintf(stderr, "starfaild: cannot create the event loop\n");
		return -1;
	}
	if (config_load(opts->config_path, &d->cfg, &rep) < 0) {
		config_report_print(&rep, stderr);
		fprintf(stderr, "starfaild: configuration has errors, not starting\n");
		return -1;
	}
	for (int i = 0; i < rep.n_warnings && i < CONFIG_MAX_ERRORS; i++)
		log_warn("config: %s", rep.warnings[i]);
	log_set_level(opts->log_level >= 0 ? (enum log_level)opts->log_level
					   : (enum log_level)d->cfg.core.log_level);

	d->started_wall = time(NULL);
	d->started_ms = daemon_now_ms(d);
	d->cstat.ok = true;
	d->cstat.loaded_at = d->cstat.attempted_at = d->started_wall;
	d->cstat.warnings = rep.n_warnings;

	char summary[128];
	if (apply_members(d, &d->cfg, summary, sizeof(summary)) < 0) {
		fprintf(stderr, "starfaild: out of memory\n");
		return -1;
	}

	struct api_limits lim;
	char err[256];
	api_limits_from(&d->cfg.core, &lim);
	const char *path = opts->socket_path ? opts->socket_path : d->cfg.core.api_socket;
	d->api = api_server_new(d->loop, path, &lim, daemon_api_dispatch, d, err, sizeof(err));
	if (!d->api) {
		log_err("api: %s", err);
		fprintf(stderr, "starfaild: %s\n", err);
		return -1;
	}

	ev_signal_init(&d->sig_hup, on_sighup, SIGHUP);
	ev_signal_init(&d->sig_term, on_sigterm, SIGTERM);
	ev_signal_init(&d->sig_int, on_sigterm, SIGINT);
	d->sig_hup.data = d->sig_term.data = d->sig_int.data = d;
	ev_signal_start(d->loop, &d->sig_hup);
	ev_signal_start(d->loop, &d->sig_term);
	ev_signal_start(d->loop, &d->sig_int);
	signal(SIGPIPE, SIG_IGN);

	log_info("starfaild %s started: pid=%d socket=%s", SF_VERSION, (int)getpid(), path);
	log_effective(d);
	return 0;
}

void daemon_run(struct daemon *d)
{
	ev_run(d->loop, 0);
}

void daemon_fini(struct daemon *d)
{
	api_server_free(d->api);
	d->api = NULL;
	for (int i = 0; i < d->n_members; i++)
		member_free(d, d->members[i]);
	d->n_members = 0;
	if (d->loop) {
		ev_signal_stop(d->loop, &d->sig_hup);
		ev_signal_stop(d->loop, &d->sig_term);
		ev_signal_stop(d->loop, &d->sig_int);
		ev_loop_destroy(d->loop);
		d->loop = NULL;
	}
	log_info("stopped");
}
