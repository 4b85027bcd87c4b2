/*
 * ctl_mwan3.c - the "mwan3" controller: mwan3 keeps routing (its rules,
 * marks, tables and tracker stay); Starfail moves the primary.
 *
 * Two modes (option mwan3_mode):
 *   state (default) - like mwan3's own tracker: the events mwan3's hotplug
 *     handler (15-mwan3) answers by rebuilding only its policy chains,
 *     `ACTION=connected|disconnected INTERFACE=<iface> DEVICE=<dev>
 *     hotplug-call iface` (what mwan3track sends; FIRSTCONNECT and
 *     MWAN3_SHUTDOWN are never set, which would make 15-mwan3 ignore it).
 *     The primary is made connected, every other managed interface
 *     disconnected. Nothing is written to flash, mwan3 is never reloaded.
 *   metric - the mwan3 member sections of managed interfaces get computed
 *     metrics (m3_metric_for: the primary's 1, the others 2, 3, ... in
 *     Starfail's order; never incremented) with `uci set` WITHOUT commit:
 *     the change lives in uci's delta directory (/tmp/.uci, RAM), which
 *     mwan3's scripts read through config_load like /etc/config, and LuCI
 *     shows; then one `connected` event of an interface mwan3 has online
 *     rebuilds the policies. `uci commit` is never run (procd would do a
 *     full mwan3 reload, and flash would be written).
 *
 * mwan3 wins: `ubus call mwan3 status` (mwan3track's view) is read before
 * each run. An interface mwan3 considers offline is never made connected;
 * when the wanted primary is offline for mwan3 the apply fails with that
 * reason, and in state mode the interfaces Starfail disconnected are given
 * back to mwan3 (connected again where mwan3 has them online), so mwan3's
 * own choice routes rather than none.
 *
 * The pipeline. One run at a time, each step one tool through util/proc
 * (timeout mwan3_timeout_ms, then TERM/KILL): status (interfaces), status
 * (policies), `uci -q show mwan3`, then the plan computes the actions from
 * what was seen against what is wanted, runs them, and reads the policies
 * again to verify. A failed step fails the run: an apply is retried
 * M3_ATTEMPTS times (backoff from M3_BACKOFF_MS) before it completes with
 * CTL_ERROR; it stays the wanted state and is retried with a doubling
 * backoff up to M3_BACKOFF_MAX_MS. Every action is reported
 * (controller_action) with its result.
 *
 * Reconciliation: the same pipeline runs every mwan3_check_ms. What it
 * finds to do is a drift (someone ran `mwan3 restart`, mwan3track sent
 * `connected` for a demoted interface, a user changed a metric); it is
 * mended and route_state goes drifted -> repairing -> applied. A metric a
 * user changed while Starfail ran becomes the value restored on stop. What
 * must not be mended (mwan3 has the primary offline, mwan3 does not know
 * the interface, the interface is in no policy) is reported as the drift.
 *
 * The state file (mwan3_state_file, in RAM) records, before anything is
 * changed, the user's metrics and the interfaces made disconnected. On
 * stop (shutdown, `enable '0'`, a change of controller) and at the next
 * start after a crash, they are put back (`uci set`/`uci delete` of the
 * metric, `connected` where mwan3 has the interface online) and the file
 * is removed; a restore that fails leaves the file for the next start.
 */
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "conntrack.h"
#include "ctl_mwan3_impl.h"
#include "log.h"
#include "proc.h"

#define M3_ATTEMPTS 3
#define M3_BACKOFF_MS 500
#define M3_BACKOFF_MAX_MS 30000
#define M3_STEPS_MAX 64
#define M3_ARG_MAX 112

enum m3_kind { K_STATUS, K_POLICIES, K_UCI, K_PLAN, K_EXEC, K_VERIFY };
enum m3_run { RUN_APPLY, RUN_RESTORE };

struct m3_step {
	enum m3_kind kind;
	int argc, envc;
	char argv[6][M3_ARG_MAX];
	char env[5][M3_ARG_MAX];
	char member[CFG_STR_MAX];
	char section[M3_NAME_MAX];	/* a metric set: its section and value, ours once it succeeded */
	int metric;
};

struct m3_priv {
	struct proc_pool *pool;
	struct proc_job *job;
	ev_timer timer;		/* retry after a failure, periodic check */
	bool stopping;
	bool want_some;
	struct ctl_target want;
	bool running, dirty;	/* a run in progress; the wanted state changed under it */
	enum m3_run run;
	bool apply_waiting;	/* controller's apply in flight completes with this run */
	int attempt;		/* failed runs of the apply in flight */
	int backoff_ms;
	struct m3_step steps[M3_STEPS_MAX];
	int n_steps, cur;
	int actions;		/* actions of this run */
	bool had_drift;		/* this run mends a drift (a check found something to do) */
	bool releasing;		/* this run gives back what the record holds: cleared when it succeeds */
	bool all_steps, exec_failed;	/* every step ran; an action failed */
	bool no_status;		/* a restore without mwan3's status: the interfaces held down stay recorded */
	struct m3_status st;
	struct m3_policies po;
	struct m3_uci uci;
	bool have_uci;
	struct m3_record rec;
	char why[160];		/* what a failed run reports */
};

static const char *tool_name(enum m3_kind k)
{
	return k == K_UCI ? "uci show" : k == K_EXEC ? "action" : "ubus mwan3 status";
}

static struct m3_step *step_add(struct m3_priv *p, enum m3_kind kind, const char *member)
{
	if (p->n_steps >= M3_STEPS_MAX)
		return NULL;
	struct m3_step *s = &p->steps[p->n_steps++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	snprintf(s->member, sizeof(s->member), "%s", member ? member : "");
	return s;
}

static void arg(struct m3_step *s, const char *text)
{
	if (s && s->argc < 6)
		snprintf(s->argv[s->argc++], M3_ARG_MAX, "%s", text);
}

static void add_status(struct m3_priv *p, enum m3_kind kind, const char *section)
{
	struct m3_step *s = step_add(p, kind, NULL);
	char json[48];
	snprintf(json, sizeof(json), "{\"section\":\"%s\"}", section);
	arg(s, "ubus");
	arg(s, "call");
	arg(s, "mwan3");
	arg(s, "status");
	arg(s, json);
}

static void add_uci_show(struct m3_priv *p)
{
	struct m3_step *s = step_add(p, K_UCI, NULL);
	arg(s, "uci");
	arg(s, "-q");
	arg(s, "show");
	arg(s, "mwan3");
}

/* The event mwan3's tracker sends: policies only. */
static void add_event(struct m3_priv *p, const char *action, const char *iface, const char *device,
		      const char *member)
{
	struct m3_step *s = step_add(p, K_EXEC, member);
	if (!s)
		return;
	arg(s, "hotplug-call");
	arg(s, "iface");
	const char *path = getenv("PATH");
	snprintf(s->env[s->envc++], M3_ARG_MAX, "ACTION=%s", action);
	snprintf(s->env[s->envc++], M3_ARG_MAX, "INTERFACE=%s", iface);
	snprintf(s->env[s->envc++], M3_ARG_MAX, "DEVICE=%s", device);
	snprintf(s->env[s->envc++], M3_ARG_MAX, "STARFAIL=1");
	snprintf(s->env[s->envc++], M3_ARG_MAX, "PATH=%s", path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
	p->actions++;
}

static void add_metric(struct m3_priv *p, const char *section, bool set, int metric, const char *member)
{
	struct m3_step *s = step_add(p, K_EXEC, member);
	char v[24];
	snprintf(v, sizeof(v), "%d", metric);
	arg(s, "uci");
	if (set) {
		arg(s, "set");
		char a[M3_ARG_MAX];
		snprintf(a, sizeof(a), "mwan3.%.63s.metric=%s", section, v);
		arg(s, a);
		if (s) {
			snprintf(s->section, sizeof(s->section), "%s", section);
			s->metric = metric;
		}
	} else {
		arg(s, "-q");
		arg(s, "delete");
		char a[M3_ARG_MAX];
		snprintf(a, sizeof(a), "mwan3.%.63s.metric", section);
		arg(s, a);
	}
	p->actions++;
}

static const struct ctl_member *member_of(const struct controller *c, const char *iface)
{
	for (int i = 0; i < c->n_members; i++)
		if (c->members[i].iface[0] && strcmp(c->members[i].iface, iface) == 0)
			return &c->members[i];
	return NULL;
}

static int save_record(struct controller *c)
{
	struct m3_priv *p = c->priv;
	char err[160];
	if (p->rec.n_saved == 0 && p->rec.n_demoted == 0) {
		if (unlink(c->params.mwan3_state_file) && errno != ENOENT)
			log_warn("ctl: mwan3 cannot remove %s: %s", c->params.mwan3_state_file, strerror(errno));
		return 0;
	}
	if (m3_record_save(c->params.mwan3_state_file, &p->rec, err, sizeof(err)) == 0)
		return 0;
	snprintf(p->why, sizeof(p->why), "state file: %.140s", err);
	return -1;
}

static void schedule(struct controller *c, int ms)
{
	struct m3_priv *p = c->priv;
	if (!c->loop || p->stopping)
		return;
	ev_timer_stop(c->loop, &p->timer);
	ev_timer_set(&p->timer, ms / 1000.0, 0.);
	ev_timer_start(c->loop, &p->timer);
}

static void run_next(struct controller *c);
static void start_run(struct controller *c, enum m3_run kind);

/* ---- the plans ---- */

/* An interface mwan3 may route through now: usable and, in state mode, not one we hold down. */
static const char *rebuild_iface(const struct controller *c, const char **device)
{
	const struct m3_priv *p = c->priv;
	if (p->want_some && m3_iface_usable(m3_status_find(&p->st, p->want.iface))) {
		*device = p->want.device;
		return p->want.iface;
	}
	for (int i = 0; i < c->n_members; i++)
		if (c->members[i].iface[0] && !m3_record_demoted(&p->rec, c->members[i].iface) &&
		    m3_iface_usable(m3_status_find(&p->st, c->members[i].iface))) {
			*device = c->members[i].device;
			return c->members[i].iface;
		}
	return NULL;
}

/* Give back what the record holds: the user's metrics, the interfaces made disconnected. */
static void plan_release(struct controller *c)
{
	struct m3_priv *p = c->priv;
	int sets = 0;
	for (int i = 0; i < p->rec.n_saved; i++) {
		const struct m3_saved *s = &p->rec.saved[i];
		add_metric(p, s->section, s->had_metric, s->metric, NULL);
		sets++;
	}
	for (int i = 0; i < p->rec.n_demoted; i++) {
		const struct m3_iface *mi = m3_status_find(&p->st, p->rec.demoted[i]);
		const struct ctl_member *cm = member_of(c, p->rec.demoted[i]);
		if (m3_iface_usable(mi))	/* else mwan3 has it offline itself: it stays so */
			add_event(p, "connected", p->rec.demoted[i], p->rec.demoted_dev[i], cm ? cm->member : NULL);
	}
	bool connected_some = p->rec.n_demoted > 0;
	p->releasing = p->rec.n_saved || p->rec.n_demoted;
	const char *dev = "";
	const char *ifc = rebuild_iface(c, &dev);
	if (sets && ifc && !connected_some)
		add_event(p, "connected", ifc, dev, NULL);	/* policies rebuilt with the user's metrics */
}

static bool plan_metric(struct controller *c, const char *primary)
{
	struct m3_priv *p = c->priv;
	int sets = 0;
	for (int i = 0; i < p->uci.n; i++) {
		const struct m3_section *s = &p->uci.s[i];
		int m = m3_metric_for(c, primary, s);
		if (m < 0)
			continue;
		const struct ctl_member *cm = member_of(c, s->iface);
		struct m3_saved *sv = m3_record_find(&p->rec, s->name);
		if (!sv && p->rec.n_saved < M3_SECTIONS_MAX) {
			sv = &p->rec.saved[p->rec.n_saved++];
			snprintf(sv->section, sizeof(sv->section), "%s", s->name);
			sv->had_metric = s->has_metric;
			sv->metric = s->metric;
		} else if (sv && sv->ours && (!s->has_metric || s->metric != sv->ours)) {
			char now[16] = "none";
			if (s->has_metric)
				snprintf(now, sizeof(now), "%d", s->metric);
			controller_action(c, true, cm ? cm->member : NULL,
					  "mwan3 member %s: metric changed from %d to %s by someone: that value is "
					  "restored on stop", s->name, sv->ours, now);
			sv->had_metric = s->has_metric;
			sv->metric = s->metric;
		}
		if (!sv)
			continue;
		if (!s->has_metric || s->metric != m) {
			add_metric(p, s->name, true, m, cm ? cm->member : NULL);	/* ours once it succeeded */
			sets++;
		} else {
			sv->ours = m;
		}
	}
	if (sets) {
		if (save_record(c))	/* the originals first: nothing is changed unrecorded */
			return false;
		const char *dev = "";
		const char *ifc = rebuild_iface(c, &dev);
		if (ifc)
			add_event(p, "connected", ifc, dev, NULL);
	}
	return true;
}

/* Some mwan3 member section uses iface (it can be in a policy). */
static bool uci_has_member(const struct m3_uci *u, const char *iface)
{
	for (int i = 0; i < u->n; i++)
		if (strcmp(u->s[i].iface, iface) == 0)
			return true;
	return false;
}

static bool plan_state(struct controller *c, const struct ctl_target *t)
{
	struct m3_priv *p = c->priv;
	if (!t->device[0]) {	/* 15-mwan3 ignores a connected event without DEVICE */
		snprintf(p->why, sizeof(p->why), "member %s has no device for mwan3's connected event", t->member);
		return false;
	}
	if (!m3_policies_use(&p->po, t->iface))
		add_event(p, "connected", t->iface, t->device, t->member);
	for (int i = 0; i < p->rec.n_demoted; i++)	/* the primary is ours to hold down no more */
		if (strcmp(p->rec.demoted[i], t->iface) == 0) {
			p->rec.n_demoted--;
			memmove(&p->rec.demoted[i], &p->rec.demoted[i + 1],
				(size_t)(p->rec.n_demoted - i) * sizeof(p->rec.demoted[0]));
			memmove(&p->rec.demoted_dev[i], &p->rec.demoted_dev[i + 1],
				(size_t)(p->rec.n_demoted - i) * sizeof(p->rec.demoted_dev[0]));
			i--;
		}
	for (int i = 0; i < p->rec.n_demoted; i++) {	/* held down, no longer a member (reload): given back */
		if (member_of(c, p->rec.demoted[i]))
			continue;
		if (m3_iface_usable(m3_status_find(&p->st, p->rec.demoted[i])))
			add_event(p, "connected", p->rec.demoted[i], p->rec.demoted_dev[i], NULL);
		p->rec.n_demoted--;
		memmove(&p->rec.demoted[i], &p->rec.demoted[i + 1],
			(size_t)(p->rec.n_demoted - i) * sizeof(p->rec.demoted[0]));
		memmove(&p->rec.demoted_dev[i], &p->rec.demoted_dev[i + 1],
			(size_t)(p->rec.n_demoted - i) * sizeof(p->rec.demoted_dev[0]));
		i--;
	}
	int before = p->actions;
	for (int i = 0; i < c->n_members; i++) {
		const struct ctl_member *m = &c->members[i];
		if (!m->iface[0] || strcmp(m->iface, t->iface) == 0 || !m3_status_find(&p->st, m->iface))
			continue;
		/* used now, or a standby mwan3 could use (online, an mwan3 member) not held down yet */
		if (!m3_policies_use(&p->po, m->iface) &&
		    (m3_record_demoted(&p->rec, m->iface) || !m3_iface_usable(m3_status_find(&p->st, m->iface)) ||
		     !uci_has_member(&p->uci, m->iface)))
			continue;
		if (!m3_record_demoted(&p->rec, m->iface) && p->rec.n_demoted < CTL_MEMBERS_MAX) {
			snprintf(p->rec.demoted[p->rec.n_demoted], M3_NAME_MAX, "%s", m->iface);
			snprintf(p->rec.demoted_dev[p->rec.n_demoted++], IF_NAMESIZE, "%s", m->device);
		}
		add_event(p, "disconnected", m->iface, m->device, m->member);
	}
	return save_record(c) == 0 || p->actions == before;
}

/* What is wanted against what was seen: the actions, then a verification. */
static bool plan(struct controller *c)
{
	struct m3_priv *p = c->priv;
	p->actions = 0;
	bool ok = true;
	if (p->run == RUN_RESTORE || !p->want_some) {
		plan_release(c);
	} else {
		const struct ctl_target *t = &p->want;
		const struct m3_iface *mi = m3_status_find(&p->st, t->iface);
		if (!t->iface[0]) {
			snprintf(p->why, sizeof(p->why), "member %s has no netifd interface (option interface)", t->member);
			return false;
		}
		if (!mi) {
			snprintf(p->why, sizeof(p->why), "mwan3 has no interface '%s' (not in /etc/config/mwan3?)",
				 t->iface);
			return false;
		}
		if (c->params.mwan3_mode == CTL_MWAN3_METRIC && !plan_metric(c, t->iface))
			return false;	/* the originals could not be recorded: nothing is changed */
		if (!m3_iface_usable(mi)) {
			if (c->params.mwan3_mode == CTL_MWAN3_STATE)
				plan_release(c);	/* mwan3 decides: give back what we held down */
			snprintf(p->why, sizeof(p->why), "mwan3 considers %s offline (status %s): not promoted",
				 t->iface, mi->status);
			ok = false;
			if (p->actions == 0)
				return false;
		} else if (c->params.mwan3_mode == CTL_MWAN3_STATE && !plan_state(c, t)) {
			return false;
		}
	}
	if (p->actions && p->run == RUN_APPLY && !p->apply_waiting && !p->had_drift) {
		/* a check found something to do: someone changed what we set */
		p->had_drift = true;
		char what[160];
		snprintf(what, sizeof(what), "mwan3 not as set: %d action(s) to mend (%s)", p->actions,
			 p->want_some ? p->want.iface : "release");
		controller_set_rstate(c, CTL_RS_DRIFTED, what);
	}
	if (ok && p->run == RUN_APPLY && p->want_some)
		add_status(p, K_VERIFY, "policies");
	return ok || p->actions > 0;
}

/* The policies read after the actions: is the primary the one mwan3 uses? */
static bool verify(struct controller *c)
{
	struct m3_priv *p = c->priv;
	const struct ctl_target *t = &p->want;
	if (!m3_policies_use(&p->po, t->iface)) {
		snprintf(p->why, sizeof(p->why), "mwan3 uses %s in no policy", t->iface);
		return false;
	}
	for (int i = 0; i < c->n_members; i++) {
		const char *o = c->members[i].iface;
		if (!o[0] || strcmp(o, t->iface) == 0)
			continue;
		bool bad = c->params.mwan3_mode == CTL_MWAN3_STATE ? m3_policies_use(&p->po, o)
								   : m3_policies_share(&p->po, o, t->iface);
		if (bad) {
			snprintf(p->why, sizeof(p->why), "mwan3 still uses %s beside %s", o, t->iface);
			return false;
		}
	}
	return true;
}

/* ---- running it ---- */

static void run_end(struct controller *c, bool ok)
{
	struct m3_priv *p = c->priv;
	p->running = false;
	if (p->releasing && p->all_steps && !p->exec_failed) {	/* given back, even if the run fails after */
		p->rec.n_saved = 0;
		if (!p->no_status)
			p->rec.n_demoted = 0;
		if (save_record(c))
			log_warn("ctl: mwan3 %s", p->why);
	} else if (ok && (p->rec.n_saved || p->rec.n_demoted) && save_record(c))	/* with what we set now */
		log_warn("ctl: mwan3 %s", p->why);
	p->releasing = false;
	if (p->run == RUN_RESTORE) {
		if (ok)
			controller_action(c, true, NULL, "restored what an earlier run changed");
		else
			controller_action(c, false, NULL, "restore failed: %s", p->why);
	}
	if (ok) {
		p->attempt = 0;
		p->backoff_ms = M3_BACKOFF_MS;
		if (p->run == RUN_APPLY) {
			enum ctl_rstate good = p->want_some ? CTL_RS_APPLIED : CTL_RS_NONE;
			const char *why = p->had_drift ? "reinstalled: mwan3 as set again" : (p->want_some ? p->want.member : "no member");
			if (p->had_drift) {
				char what[sizeof(c->drift)];
				snprintf(what, sizeof(what), "%s", c->drift);
				controller_set_rstate(c, CTL_RS_REPAIRING, what);
			}
			controller_set_rstate(c, good, why);
			if (p->want_some)
				snprintf(c->state, sizeof(c->state), "mwan3 (%s): member %s iface %s",
					 c->params.mwan3_mode == CTL_MWAN3_METRIC ? "metric" : "state", p->want.member,
					 p->want.iface);
			else
				snprintf(c->state, sizeof(c->state), "mwan3: no member, mwan3 decides");
		}
		p->had_drift = false;
		if (p->apply_waiting && p->run == RUN_APPLY && !p->dirty) {
			p->apply_waiting = false;
			controller_complete(c, CTL_DONE);
		}
	} else {
		if (!p->dirty)	/* a run the newer apply did not ask for is not one of its attempts */
			p->attempt++;
		snprintf(c->error, sizeof(c->error), "mwan3: %.150s", p->why);
		if (p->run == RUN_APPLY) {
			controller_set_rstate(c, CTL_RS_DRIFTED, p->why);
			snprintf(c->state, sizeof(c->state), "mwan3: member %s (not yet applied: retrying)",
				 p->want_some ? p->want.member : "none");
		}
		p->had_drift = false;
		if (p->apply_waiting && p->attempt >= M3_ATTEMPTS && !p->dirty) {
			p->apply_waiting = false;
			controller_complete(c, CTL_ERROR);
		}
	}
	if (p->stopping)
		return;
	if (p->dirty) {
		p->dirty = false;
		start_run(c, RUN_APPLY);
		return;
	}
	int next = c->params.mwan3_check_ms;
	if (!ok) {
		next = p->backoff_ms;
		p->backoff_ms = p->backoff_ms * 2 > M3_BACKOFF_MAX_MS ? M3_BACKOFF_MAX_MS : p->backoff_ms * 2;
	}
	schedule(c, next);
}

static void step_done(const struct proc_result *res, void *ctx)
{
	struct controller *c = ctx;
	struct m3_priv *p = c->priv;
	struct m3_step *s = &p->steps[p->cur];
	char err[128] = "";
	p->job = NULL;
	bool ok = res->ok;
	if (!ok) {
		snprintf(p->why, sizeof(p->why), "%.20s %.20s: %.60s%s%.50s", s->argv[0], s->argv[1], res->reason,
			 res->err_len ? ": " : "", res->err);
	} else if (s->kind == K_STATUS && m3_parse_status(res->out, &p->st, err, sizeof(err)) < 0) {
		ok = false;
	} else if ((s->kind == K_POLICIES || s->kind == K_VERIFY) && m3_parse_policies(res->out, &p->po, err, sizeof(err)) < 0) {
		ok = false;
	} else if (s->kind == K_UCI) {
		ok = m3_parse_uci(res->out, &p->uci, err, sizeof(err)) == 0;
		p->have_uci = ok;
	}
	if (!ok && err[0])
		snprintf(p->why, sizeof(p->why), "%s: %.100s", tool_name(s->kind), err);
	if (!ok && s->kind == K_STATUS && p->run == RUN_RESTORE) {
		/* the metrics can be put back without it; only the events need mwan3's view */
		controller_action(c, false, NULL, "%s: restoring without mwan3's status", p->why);
		memset(&p->st, 0, sizeof(p->st));
		p->why[0] = 0;
		p->no_status = true;
		ok = true;
	}
	if (s->kind == K_EXEC) {
		char line[5 * M3_ARG_MAX + 8];
		if (s->envc)
			snprintf(line, sizeof(line), "%s %s %s %s %s", s->env[0], s->env[1], s->env[2], s->argv[0], s->argv[1]);
		else
			snprintf(line, sizeof(line), "%s %s %s", s->argv[0], s->argv[1], s->argv[s->argc - 1]);
		controller_action(c, ok, s->member, "%s: %s", line, res->reason);
		p->exec_failed |= !ok;
		struct m3_saved *sv = ok && s->section[0] ? m3_record_find(&p->rec, s->section) : NULL;
		if (sv)
			sv->ours = s->metric;
	}
	if (ok && s->kind == K_VERIFY)
		ok = verify(c);
	if (!ok) {
		if (s->kind != K_EXEC && s->kind != K_VERIFY)
			controller_action(c, false, p->want_some ? p->want.member : NULL, "%s", p->why);
		run_end(c, false);
		return;
	}
	p->cur++;
	run_next(c);
}

static void run_next(struct controller *c)
{
	struct m3_priv *p = c->priv;
	while (p->cur < p->n_steps && p->steps[p->cur].kind == K_PLAN) {
		if (!plan(c)) {
			run_end(c, false);
			return;
		}
		p->cur++;
	}
	if (p->cur >= p->n_steps) {
		bool ok = p->why[0] == 0;
		p->all_steps = true;
		run_end(c, ok);
		return;
	}
	struct m3_step *s = &p->steps[p->cur];
	const char *argv[8] = { NULL }, *envp[8] = { NULL };
	for (int i = 0; i < s->argc; i++)
		argv[i] = s->argv[i];
	for (int i = 0; i < s->envc; i++)
		envp[i] = s->env[i];
	struct proc_spec spec = {
		.argv = argv,
		.envp = s->envc ? envp : NULL,
		.timeout_ms = c->params.mwan3_timeout_ms,
		.out_cap = s->kind == K_EXEC ? 4096 : M3_OUT_CAP,
		.err_cap = 1024,
	};
	p->job = proc_run(p->pool, &spec, step_done, c);
	if (!p->job) {
		snprintf(p->why, sizeof(p->why), "cannot run %s: %s", s->argv[0], proc_pool_last_error(p->pool));
		run_end(c, false);
	}
}

static void start_run(struct controller *c, enum m3_run kind)
{
	struct m3_priv *p = c->priv;
	if (c->loop)
		ev_timer_stop(c->loop, &p->timer);
	p->running = true;
	p->run = kind;
	p->n_steps = p->cur = 0;
	p->why[0] = 0;
	p->all_steps = p->exec_failed = p->releasing = p->no_status = false;
	memset(&p->st, 0, sizeof(p->st));
	add_status(p, K_STATUS, "interfaces");
	if (kind == RUN_APPLY) {
		add_status(p, K_POLICIES, "policies");
		add_uci_show(p);
	}
	step_add(p, K_PLAN, NULL);
	run_next(c);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct controller *c = w->data;
	struct m3_priv *p = c->priv;
	if (p->running || p->stopping)
		return;
	if (p->want_some || p->rec.n_saved || p->rec.n_demoted || p->apply_waiting)
		start_run(c, RUN_APPLY);
	else
		schedule(c, c->params.mwan3_check_ms);
}

/* ---- the backend ---- */

static int m3_init(struct controller *c)
{
	if (!c->loop) {
		snprintf(c->error, sizeof(c->error), "mwan3 controller needs the event loop");
		return -1;
	}
	struct m3_priv *p = c->priv;
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p) {
			snprintf(c->error, sizeof(c->error), "mwan3: out of memory");
			return -1;
		}
		c->priv = p;
		p->pool = proc_pool_new(c->loop, 1, 8);
		if (!p->pool) {
			snprintf(c->error, sizeof(c->error), "mwan3: %s", strerror(errno));
			return -1;
		}
		ev_timer_init(&p->timer, on_timer, 0., 0.);
		p->timer.data = c;
	}
	p->backoff_ms = M3_BACKOFF_MS;
	p->stopping = false;
	char err[160];
	int rc = m3_record_load(c->params.mwan3_state_file, &p->rec, err, sizeof(err));
	if (rc < 0) {
		log_warn("ctl: mwan3 state file unreadable, ignored: %s", err);
		memset(&p->rec, 0, sizeof(p->rec));
	}
	snprintf(c->state, sizeof(c->state), "mwan3 (%s): no member",
		 c->params.mwan3_mode == CTL_MWAN3_METRIC ? "metric" : "state");
	controller_set_rstate(c, CTL_RS_NONE, "start");
	log_info("ctl: mwan3 ready mode=%s timeout_ms=%d check_ms=%d state_file=%s leftovers=%d",
		 c->params.mwan3_mode == CTL_MWAN3_METRIC ? "metric" : "state", c->params.mwan3_timeout_ms,
		 c->params.mwan3_check_ms, c->params.mwan3_state_file, p->rec.n_saved + p->rec.n_demoted);
	if (rc == 0 && (p->rec.n_saved || p->rec.n_demoted))
		start_run(c, RUN_RESTORE);	/* a crashed run's changes, before anything else */
	else
		schedule(c, c->params.mwan3_check_ms);
	return 0;
}

static int m3_apply(struct controller *c, const struct ctl_target *t)
{
	struct m3_priv *p = c->priv;
	if (!p || p->stopping) {
		snprintf(c->error, sizeof(c->error), "mwan3 controller not running");
		return CTL_ERROR;
	}
	p->want_some = t != NULL;
	if (t)
		p->want = *t;
	p->apply_waiting = true;
	p->attempt = 0;
	p->backoff_ms = M3_BACKOFF_MS;
	if (p->running)
		p->dirty = true;
	else
		start_run(c, RUN_APPLY);	/* its steps complete from the loop, never in here */
	return CTL_IN_PROGRESS;
}

static void m3_cancel(struct controller *c)
{
	struct m3_priv *p = c->priv;
	if (!p)
		return;
	p->apply_waiting = false;
}

static void stop_job(struct controller *c)
{
	struct m3_priv *p = c->priv;
	if (p->job) {
		proc_abandon(p->job);
		p->job = NULL;
	}
	p->running = p->dirty = false;
	if (c->loop)
		ev_timer_stop(c->loop, &p->timer);
}

static void m3_shutdown(struct controller *c)
{
	struct m3_priv *p = c->priv;
	if (!p)
		return;
	stop_job(c);
	p->apply_waiting = false;
	p->stopping = true;
	if (p->rec.n_saved || p->rec.n_demoted) {
		/* the loop runs on until the restore is done: the daemon is stopping, bounded */
		int64_t deadline = clock_mono_ms() + 4LL * c->params.mwan3_timeout_ms + 1000;
		start_run(c, RUN_RESTORE);
		while (p->running && clock_mono_ms() < deadline)
			ev_run(c->loop, EVRUN_ONCE);
		if (p->running) {
			stop_job(c);
			log_warn("ctl: mwan3 restore did not finish in time; %s is kept for the next start",
				 c->params.mwan3_state_file);
		}
	}
	snprintf(c->state, sizeof(c->state), "mwan3: stopped");
	c->rstate = CTL_RS_NONE;
	c->drift[0] = 0;
	p->want_some = false;
}

static void m3_destroy(struct controller *c)
{
	struct m3_priv *p = c->priv;
	if (!p)
		return;
	stop_job(c);
	proc_pool_free(p->pool);
	free(p);
	c->priv = NULL;
}

/* The member's flows: its NAT address and, where mwan3's config says it, its mwan3 mark. */
static int m3_flush_flows(struct controller *c, const struct ctl_target *left, struct ctl_flow_counts *n)
{
	struct m3_priv *p = c->priv;
	struct ct_match m;
	ct_match_from_target(&m, left);
	if (p && p->have_uci && left->iface[0]) {
		m.mark = m3_iface_mark(&p->uci, left->iface);
		m.mark_mask = p->uci.mmx_mask;
		m.has_mark = m.mark != 0;
	}
	char err[160];
	if (ct_flush(&m, CTL_NL_TIMEOUT_MS, n, err, sizeof(err)) < 0) {
		snprintf(c->error, sizeof(c->error), "flows of %.30s: %.100s", left->member, err);
		return -1;
	}
	return 0;
}

const struct controller_ops ctl_mwan3_ops = {
	.name = "mwan3",
	.init = m3_init,
	.apply = m3_apply,
	.cancel = m3_cancel,
	.flush_flows = m3_flush_flows,
	.shutdown = m3_shutdown,
	.destroy = m3_destroy,
};
