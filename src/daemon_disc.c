/*
 * daemon_disc.c - discovery in the daemon: /etc/config/mwan3 at start and
 * reload; netifd's `ubus call network.interface dump` at start, on reload,
 * on the API's `discover` (the hotplug script calls it) and on the slow
 * discover_interval_ms timer - never per probe; the dish checks of class
 * `auto` members. Each result is merged (config/discover.h) into the
 * running members: only members whose config changed are rebuilt.
 *
 * One dump at a time: a request while one runs makes one more run after it.
 * A failed dump (ubus missing, hanging, failing, printing garbage) is a
 * warning; the last good dump stays in force, the members it did not
 * resolve are unusable with the reason, and the daemon carries on.
 */
#include "daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "classify.h"
#include "clock.h"
#include "discover.h"
#include "log.h"
#include "mwan3cfg.h"
#include "netifd.h"
#include "proc.h"

#define DISC_DISH_TIMEOUT_MS 1000

struct dish_slot {
	struct dish_check *dc;
	struct discovery *disc;
	char device[IF_NAMESIZE];
};

struct discovery {
	struct daemon *d;
	struct proc_pool *pool;
	ev_timer timer;
	struct proc_job *job;		/* the dump in flight */
	bool again;			/* asked while one ran */
	struct sf_config file;		/* as loaded: the merge's input */
	struct mwan3_config mwan3;
	bool use_mwan3;
	char mwan3_error[CONFIG_MSG_MAX];
	int mwan3_warnings;
	struct netifd_state netifd;	/* the last good dump */
	bool have_netifd;
	char netifd_error[NETIFD_ERR_MAX];	/* of the last dump; "" when it was good */
	bool asked;			/* a dump was asked at least once */
	int64_t netifd_at_ms;		/* time of the last good dump */
	uint64_t runs, failures;
	struct discover_evidence ev[MAX_MEMBERS];
	int n_ev;
	struct dish_slot dish[MAX_MEMBERS];
	/* pending reload: committed by daemon_disc_commit() */
	struct sf_config next_file;
	struct mwan3_config next_mwan3;
	char next_mwan3_error[CONFIG_MSG_MAX];
	int next_mwan3_warnings;
};

/* warn: log what the merge left out (once per load, not at every merge) */
static void merge(struct discovery *ds, const struct sf_config *file, const struct mwan3_config *mw,
		  const char *mw_err, const struct sf_config *prev, struct sf_config *out, bool warn)
{
	struct config_report rep;
	struct discover_input in = {
		.file = file,
		.mwan3 = file->core.use_mwan3 ? mw : NULL,
		.mwan3_error = mw_err[0] ? mw_err : NULL,
		.netifd = ds->have_netifd ? &ds->netifd : NULL,
		.netifd_error = ds->netifd_error[0] ? ds->netifd_error : NULL,
		.prev = prev,
		.ev = ds->ev,
		.n_ev = ds->n_ev,
		.sysfs_net = "/sys/class/net",
	};
	discover_merge(&in, out, &rep);
	for (int i = 0; warn && i < rep.n_warnings && i < CONFIG_MAX_ERRORS; i++)
		log_warn("mwan3: %s", rep.warnings[i]);
}

static void log_member_changes(const struct sf_config *old, const struct sf_config *now)
{
	for (int i = 0; i < now->n_members; i++) {
		const struct member_config *m = &now->members[i];
		const struct member_config *o = config_find_member(old, m->name);
		if (m->up.unusable[0] && (!o || strcmp(o->up.unusable, m->up.unusable)))
			log_warn("discovery: member=%s unusable reason=\"%s\"", m->name, m->up.unusable);
		if (*m->device && (!o || strcmp(o->device, m->device)))
			log_info("discovery: member=%s interface=%s device=%s gateway=%s address=%s",
				 m->name, *m->interface ? m->interface : "-", m->device,
				 *m->up.netifd.gw4 ? m->up.netifd.gw4 : "-",
				 m->up.netifd.n_addr4 ? m->up.netifd.addr4[0] : "-");
		if (!o || o->cls != m->cls)
			log_info("discovery: member=%s class=%s reason=\"%s\"", m->name,
				 member_class_name(m->cls), m->up.class_reason);
	}
}

static bool same_members(const struct sf_config *a, const struct sf_config *b)
{
	if (a->n_members != b->n_members)
		return false;
	for (int i = 0; i < a->n_members; i++)
		if (!config_member_equal(&a->members[i], &b->members[i]))
			return false;
	return true;
}

/* Merge again with what is known now and apply the difference. */
static void remerge(struct discovery *ds)
{
	static struct sf_config eff;	/* large: not on the stack */
	struct daemon *d = ds->d;
	merge(ds, &ds->file, &ds->mwan3, ds->mwan3_error, &d->cfg, &eff, false);
	log_member_changes(&d->cfg, &eff);
	if (same_members(&eff, &d->cfg)) {
		for (int i = 0; i < d->n_members; i++) {
			d->cfg.members[i].up = eff.members[i].up;
			d->members[i]->cfg.up = eff.members[i].up;
		}
	} else if (daemon_set_members(d, &eff) < 0) {
		log_err("discovery: members not changed (the engine refused them)");
	}
}

/* ---- dish checks -------------------------------------------------------- */

static struct discover_evidence *evidence(struct discovery *ds, const char *dev, bool add)
{
	for (int i = 0; i < ds->n_ev; i++)
		if (!strcmp(ds->ev[i].device, dev))
			return &ds->ev[i];
	if (!add || ds->n_ev >= MAX_MEMBERS)
		return NULL;
	struct discover_evidence *e = &ds->ev[ds->n_ev++];
	memset(e, 0, sizeof(*e));
	snprintf(e->device, sizeof(e->device), "%.15s", dev);
	return e;
}

static void on_dish(void *ctx, bool answered, const char *detail)
{
	struct dish_slot *s = ctx;
	struct discovery *ds = s->disc;
	struct discover_evidence *e = evidence(ds, s->device, true);
	bool changed = true;
	if (e) {
		changed = e->dish != (answered ? 1 : 0) || strcmp(e->detail, detail);
		e->dish = answered ? 1 : 0;
		snprintf(e->detail, sizeof(e->detail), "%s", detail);
	}
	log_debug("discovery: dish check device=%s answered=%d detail=\"%s\"", s->device, answered, detail);
	dish_check_free(s->dc);
	s->dc = NULL;
	if (changed)
		remerge(ds);
}

static bool dish_running(const struct discovery *ds, const char *dev)
{
	for (int i = 0; i < MAX_MEMBERS; i++)
		if (ds->dish[i].dc && !strcmp(ds->dish[i].device, dev))
			return true;
	return false;
}

/*
 * Class auto members with a device that are not cellular: is the dish
 * there? A device whose dish answered stays confirmed (a dish rebooting
 * does not turn it into a LAN member); the others are checked again.
 */
static void start_dish_checks(struct discovery *ds)
{
	struct daemon *d = ds->d;
	char host[CFG_STR_MAX];
	int port;
	if (config_dish_address(&d->cfg.core, host, &port) < 0)
		return;
	for (int i = 0; i < d->cfg.n_members; i++) {
		const struct member_config *m = &d->cfg.members[i];
		if (m->class_cfg != CLASS_AUTO || !*m->device || m->cls == CLASS_CELLULAR ||
		    dish_running(ds, m->device))
			continue;
		const struct discover_evidence *e = evidence(ds, m->device, false);
		if (e && e->dish == 1)
			continue;
		struct dish_slot *s = NULL;
		for (int k = 0; k < MAX_MEMBERS && !s; k++)
			if (!ds->dish[k].dc)
				s = &ds->dish[k];
		if (!s)
			return;
		char err[160];
		s->disc = ds;
		snprintf(s->device, sizeof(s->device), "%.15s", m->device);
		s->dc = dish_check_start(d->loop, m->device, host, port, DISC_DISH_TIMEOUT_MS, on_dish, s,
					 err, sizeof(err));
		if (!s->dc)
			log_warn("discovery: dish check device=%s: %s", m->device, err);
	}
}

/* ---- netifd ------------------------------------------------------------- */

static void run_dump(struct discovery *ds);

static void on_dump(const struct proc_result *res, void *ctx)
{
	struct discovery *ds = ctx;
	static struct netifd_state st;	/* large: not on the stack */
	char err[NETIFD_ERR_MAX];
	ds->job = NULL;
	ds->runs++;
	if (netifd_dump_result(res, &st, err, sizeof(err)) < 0) {
		ds->failures++;
		if (strcmp(err, ds->netifd_error))
			log_warn("discovery: netifd state not read: %s%s", err,
				 ds->have_netifd ? " (the last good one is kept)" : "");
		snprintf(ds->netifd_error, sizeof(ds->netifd_error), "%s", err);
	} else {
		if (ds->netifd_error[0] || !ds->have_netifd)
			log_info("discovery: netifd state read: interfaces=%d in_ms=%llu", st.n,
				 (unsigned long long)res->duration_ms);
		ds->netifd = st;
		ds->have_netifd = true;
		ds->netifd_error[0] = 0;
		ds->netifd_at_ms = clock_mono_ms();
	}
	remerge(ds);
	start_dish_checks(ds);	/* with the devices this dump gave */
	if (ds->again) {
		ds->again = false;
		run_dump(ds);
	}
}

static void run_dump(struct discovery *ds)
{
	if (!discover_needs_netifd(&ds->file)) {
		remerge(ds);	/* no netifd needed: the dish checks still run */
		start_dish_checks(ds);
		return;
	}
	if (ds->job) {
		ds->again = true;
		return;
	}
	char err[NETIFD_ERR_MAX];
	ds->asked = true;
	ds->job = netifd_dump_start(ds->pool, ds->file.core.discover_timeout_ms, on_dump, ds, err,
				    sizeof(err));
	if (!ds->job) {
		log_warn("discovery: %s", err);
		snprintf(ds->netifd_error, sizeof(ds->netifd_error), "%s", err);
		remerge(ds);
		start_dish_checks(ds);
	}
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct discovery *ds = w->data;
	log_debug("discovery: slow timer");
	run_dump(ds);
}

/* ---- the daemon's side -------------------------------------------------- */

static void read_mwan3(const struct sf_config *file, struct mwan3_config *mw, char *err,
		       size_t errlen, int *n_warn)
{
	struct config_report rep;
	err[0] = 0;
	*n_warn = 0;
	memset(mw, 0, sizeof(*mw));
	if (!file->core.use_mwan3)
		return;
	int rc = mwan3cfg_load(file->core.mwan3_config, mw, &rep);
	for (int i = 0; i < rep.n_warnings && i < CONFIG_MAX_ERRORS; i++)
		log_warn("mwan3: %s", rep.warnings[i]);
	*n_warn = rep.n_warnings;
	if (rc < 0)
		snprintf(err, errlen, "%s", rep.n_warnings ? rep.warnings[0] : "cannot read");
}

int daemon_disc_init(struct daemon *d)
{
	struct discovery *ds = calloc(1, sizeof(*ds));
	if (!ds)
		return -1;
	ds->d = d;
	ds->pool = proc_pool_new(d->loop, 2, 4);
	if (!ds->pool) {
		log_err("discovery: cannot make a process pool: %s", strerror(errno));
		free(ds);
		return -1;
	}
	ev_timer_init(&ds->timer, on_timer, 0, 0);
	ds->timer.data = ds;
	d->disc = ds;
	return 0;
}

void daemon_disc_fini(struct daemon *d)
{
	struct discovery *ds = d->disc;
	if (!ds)
		return;
	ev_timer_stop(d->loop, &ds->timer);
	for (int i = 0; i < MAX_MEMBERS; i++)
		dish_check_free(ds->dish[i].dc);
	proc_pool_free(ds->pool);	/* kills a dump in flight, no callback */
	free(ds);
	d->disc = NULL;
}

void daemon_disc_load(struct daemon *d, struct sf_config *cfg)
{
	struct discovery *ds = d->disc;
	ds->next_file = *cfg;
	read_mwan3(cfg, &ds->next_mwan3, ds->next_mwan3_error, sizeof(ds->next_mwan3_error),
		   &ds->next_mwan3_warnings);
	merge(ds, &ds->next_file, &ds->next_mwan3, ds->next_mwan3_error,
	      d->n_members ? &d->cfg : NULL, cfg, true);
	log_member_changes(d->n_members ? &d->cfg : &ds->next_file, cfg);
}

void daemon_disc_commit(struct daemon *d)
{
	struct discovery *ds = d->disc;
	ds->file = ds->next_file;
	ds->mwan3 = ds->next_mwan3;
	ds->use_mwan3 = ds->file.core.use_mwan3;
	memcpy(ds->mwan3_error, ds->next_mwan3_error, sizeof(ds->mwan3_error));
	ds->mwan3_warnings = ds->next_mwan3_warnings;
	ev_timer_stop(d->loop, &ds->timer);
	double every = ds->file.core.discover_interval_ms / 1000.0;
	ev_timer_set(&ds->timer, every, every);
	ev_timer_start(d->loop, &ds->timer);
}

void daemon_disc_kick(struct daemon *d, const char *why)
{
	struct discovery *ds = d->disc;
	if (!ds)
		return;
	log_debug("discovery: asked why=%s", why);
	ev_timer_again(d->loop, &ds->timer);	/* the slow timer counts from now */
	run_dump(ds);
}

const struct mwan3_config *daemon_disc_mwan3(const struct daemon *d)
{
	return d->disc && d->disc->use_mwan3 && d->disc->mwan3.loaded ? &d->disc->mwan3 : NULL;
}

struct json_object *daemon_disc_json(const struct daemon *d)
{
	const struct discovery *ds = d->disc;
	struct json_object *o = json_object_new_object();
	if (!ds)
		return o;
	struct json_object *n = json_object_new_object();
	json_object_object_add(n, "needed", json_object_new_boolean(discover_needs_netifd(&ds->file)));
	json_object_object_add(n, "running", json_object_new_boolean(ds->job != NULL));
	json_object_object_add(n, "ok", json_object_new_boolean(ds->have_netifd && !ds->netifd_error[0]));
	json_object_object_add(n, "error", ds->netifd_error[0] ? json_object_new_string(ds->netifd_error) : NULL);
	json_object_object_add(n, "interfaces", json_object_new_int(ds->have_netifd ? ds->netifd.n : 0));
	json_object_object_add(n, "age_s", ds->have_netifd ? json_object_new_double(
		(clock_mono_ms() - ds->netifd_at_ms) / 1000.0) : NULL);
	json_object_object_add(n, "runs", json_object_new_int64((int64_t)ds->runs));
	json_object_object_add(n, "failures", json_object_new_int64((int64_t)ds->failures));
	json_object_object_add(o, "netifd", n);
	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "enabled", json_object_new_boolean(ds->use_mwan3));
	json_object_object_add(m, "path", json_object_new_string(ds->file.core.mwan3_config));
	json_object_object_add(m, "loaded", json_object_new_boolean(ds->mwan3.loaded));
	json_object_object_add(m, "error", ds->mwan3_error[0] ? json_object_new_string(ds->mwan3_error) : NULL);
	json_object_object_add(m, "warnings", json_object_new_int(ds->mwan3_warnings));
	json_object_object_add(m, "interfaces", json_object_new_int(ds->mwan3.n_ifaces));
	json_object_object_add(m, "members", json_object_new_int(ds->mwan3.n_members));
	json_object_object_add(m, "policies", json_object_new_int(ds->mwan3.n_policies));
	json_object_object_add(o, "mwan3", m);
	return o;
}
