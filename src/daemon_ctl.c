/*
 * daemon_ctl.c - the daemon's side of the controller: start it (and retry
 * one that could not start), hand it the engine's choice, stop it.
 * See daemon.h.
 */
#include "daemon.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

void daemon_ctl_apply(struct daemon *d)
{
	daemon_ctl_retry(d);
	if (!d->ctl)
		return;
	const struct member *m = d->primary >= 0 ? d->members[d->primary] : NULL;
	struct ctl_target t;
	if (m) {
		ctl_target_from_link(&t, m->cfg.name, m->cfg.interface, &m->link);
		if (!t.use4 && !t.use6)
			m = NULL;	/* chosen but not routable right now: let the system route */
	}
	if (m && d->ctl_applied && memcmp(&t, &d->applied, sizeof(t)) == 0)
		return;
	if (!m && d->ctl_applied_none)
		return;
	if (controller_apply(d->ctl, m ? &t : NULL) < 0) {
		log_err("controller: apply failed member=%s error=\"%s\"", m ? m->cfg.name : "-",
			controller_error(d->ctl));
		d->ctl_applied = d->ctl_applied_none = false;	/* retried at the next decision */
		return;
	}
	d->ctl_applied = m != NULL;
	d->ctl_applied_none = m == NULL;
	if (m)
		d->applied = t;
	log_info("controller: applied member=%s state=\"%s\"", m ? m->cfg.name : "none",
		 controller_state(d->ctl));
}

const char *daemon_ctl_backend(const struct daemon *d, const struct sf_config *cfg)
{
	return d->opts.dry_run || !cfg->core.enable ? "dryrun" : cfg->ctl.backend;
}

int daemon_ctl_start(struct daemon *d, const struct sf_config *cfg, char *err, size_t len)
{
	struct controller *c = controller_new(daemon_ctl_backend(d, cfg), &cfg->ctl, err, len);
	if (!c)
		return -1;
	if (controller_init(c) < 0) {
		snprintf(err, len, "controller %s: %s", daemon_ctl_backend(d, cfg), controller_error(c));
		controller_shutdown(c);	/* whatever init installed before failing */
		controller_free(c);
		snprintf(d->ctl_error, sizeof(d->ctl_error), "%s", err);
		return -1;
	}
	d->ctl = c;
	d->ctl_error[0] = 0;
	d->ctl_applied = d->ctl_applied_none = false;
	return 0;
}

/*
 * A controller that could not start (reload) is retried at decisions, at
 * most every CTL_RETRY_MS, so routes are applied again once it can.
 */
void daemon_ctl_retry(struct daemon *d)
{
	int64_t now = daemon_now_ms(d);
	if (d->ctl || now < d->ctl_retry_ms)
		return;
	d->ctl_retry_ms = now + CTL_RETRY_MS;
	char err[sizeof(d->ctl_error)];
	if (daemon_ctl_start(d, &d->cfg, err, sizeof(err)) == 0)
		log_info("controller: started after an earlier failure");
	else
		log_err("controller: still cannot start: %s", err);
}

void daemon_ctl_stop(struct daemon *d)
{
	if (!d->ctl)
		return;
	controller_shutdown(d->ctl);
	controller_free(d->ctl);
	d->ctl = NULL;
	d->ctl_applied = d->ctl_applied_none = false;
}
