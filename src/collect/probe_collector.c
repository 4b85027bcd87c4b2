/*
 * probe_collector.c - the prober (probe.h) as a collector (collector.h):
 * serves every class. Each round becomes one sample (that round's loss and
 * mean RTT, probes sent, lost rounds in a row) with the window figures as
 * the member's view. Link state is the link monitor's to report, not the
 * prober's: its samples leave link_up unknown.
 *
 * Its params are not a `config member` table: they are the resolved
 * struct probe_member_cfg (global probe_* options + the member's
 * probe_targets, reliability, metered), built by the config.
 *
 * It is essential (collector.h): after every link change it reports a
 * fault when the device is up with an address of some family but the
 * prober still cannot probe -- the targets are all of a family the device
 * has no address or default route of, or no probe socket opens (no
 * CAP_NET_RAW and no ping-socket permission) -- and clears it once probing
 * works. A device that is missing, down or without any usable address is
 * the link monitor's to report: the fault is then left as it was.
 */
#include "collector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "probe.h"

struct probe_inst {
	struct prober *p;
	struct collector_host host;
	bool targets_v4, targets_v6;	/* families the targets need */
	char device[IF_NAMESIZE];
};

/* After prober_set_link(): the prober's own fault, or its end (collector_host.fault). */
static void report_fault(struct probe_inst *pi, const struct link_info *li)
{
	bool v4 = link_usable(li, AF_INET), v6 = link_usable(li, AF_INET6);
	if (!li->exists || !li->carrier || (!v4 && !v6) || !pi->host.fault)
		return;		/* the link monitor's to say */
	struct probe_summary ps;
	prober_summary(pi->p, &ps);
	if (ps.usable) {
		pi->host.fault(pi->host.ctx, NULL);
		return;
	}
	char why[COLLECT_FAULT_REASON_MAX];
	if (!(pi->targets_v4 && v4) && !(pi->targets_v6 && v6)) {
		snprintf(why, sizeof(why), "no %s address or default route on %s for the probe targets",
			 pi->targets_v4 && pi->targets_v6 ? "usable" : pi->targets_v6 ? "IPv6" : "IPv4",
			 pi->device);
	} else {
		/* the prober's reason is its socket error; name what would allow it */
		snprintf(why, sizeof(why), "%s%s", ps.reason[0] ? ps.reason : "cannot open probe sockets",
			 ps.needs_privilege ? " (needs CAP_NET_RAW or a group in net.ipv4.ping_group_range)" : "");
	}
	pi->host.fault(pi->host.ctx, why);
}

static void on_round(void *ctx, const struct probe_round *r)
{
	struct probe_inst *pi = ctx;
	struct sample s, view;
	sample_init(&s, r->t_ms);
	if (r->n_sent > 0) {
		double sum = 0;
		int n = 0;
		for (int i = 0; i < r->n_results; i++)
			if (r->results[i].answered) {
				sum += r->results[i].rtt_ms;
				n++;
			}
		s.loss_pct = 100.0 * (r->n_sent - r->n_answered) / r->n_sent;
		s.latency_ms = n ? sum / n : NAN;
		s.probes_sent = r->n_sent;
	}
	s.probes_lost_in_row = r->summary.lost_in_row;
	sample_init(&view, r->t_ms);
	probe_summary_to_sample(&r->summary, &view);
	struct collector_report rep = {
		.flags = COLLECT_ROUND | (r->up ? COLLECT_ROUND_UP : 0),
		.view = &view,
	};
	pi->host.sample(pi->host.ctx, &s, &rep);
}

static void *pc_start(struct ev_loop *loop, const struct collector_args *args,
		      const struct collector_host *host, char *err, size_t errlen)
{
	if (!args->params) {
		snprintf(err, errlen, "probes: no probe config");
		return NULL;
	}
	struct probe_inst *pi = calloc(1, sizeof(*pi));
	if (!pi) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pi->host = *host;
	const struct probe_member_cfg *pc = args->params;
	for (int i = 0; i < pc->n_targets && i < PROBE_TARGETS_MAX; i++) {
		pi->targets_v4 |= pc->targets[i].family == AF_INET;
		pi->targets_v6 |= pc->targets[i].family == AF_INET6;
	}
	snprintf(pi->device, sizeof(pi->device), "%s", pc->device);
	pi->p = prober_new(loop, args->params, on_round, pi);
	if (!pi->p) {
		snprintf(err, errlen, "probes could not start (see log)");
		free(pi);
		return NULL;
	}
	return pi;
}

static void pc_stop(void *inst)
{
	struct probe_inst *pi = inst;
	if (!pi)
		return;
	prober_free(pi->p);
	free(pi);
}

static void pc_set_link(void *inst, const struct link_info *li)
{
	struct probe_inst *pi = inst;
	prober_set_link(pi->p, li);
	report_fault(pi, li);
}

static void pc_set_role(void *inst, enum collector_role role)
{
	prober_set_role(((struct probe_inst *)inst)->p,
			role == COLLECTOR_PRIMARY ? PROBE_ROLE_PRIMARY : PROBE_ROLE_STANDBY);
}

static void pc_poll_now(void *inst)
{
	prober_recheck(((struct probe_inst *)inst)->p);
}

static void pc_boost(void *inst, int64_t until_ms)
{
	prober_boost(((struct probe_inst *)inst)->p, until_ms);
}

static void pc_summary(const void *inst, struct probe_summary *out)
{
	prober_summary(((const struct probe_inst *)inst)->p, out);
}

const struct collector_ops probe_collector = {
	.name = "probe",
	.classes = COLLECT_CLASS_ALL,
	.fills = COLLECT_FILLS_PROBE,
	.start = pc_start,
	.stop = pc_stop,
	.set_link = pc_set_link,
	.set_role = pc_set_role,
	.poll_now = pc_poll_now,
	.probe_summary = pc_summary,
	.essential = true,
	.boost = pc_boost,
};
