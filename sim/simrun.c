/*
 * simrun.c - the simulator's core: stream a trace, feed every policy,
 * decide after each timestamp, and score the decisions against the truth.
 *
 * Definitions (docs/ENGINE.md "Figures"):
 *   switch        primary changed from one member to another (initial
 *                 choice and "no primary" do not count);
 *   false switch  a switch away from a member that is truly good, unless it
 *                 goes to a truly good member of a better priority tier
 *                 (a restore), and any switch to a truly bad member while the
 *                 old one was not bad;
 *   delay         time from the fault's onset to the first switch away from
 *                 the fault member at or after the fault's from_ms.
 */
#include "simrun.h"

#include <stdlib.h>
#include <string.h>

#include "policy.h"

static const char *const pol_names[__POL_MAX] = { "starfail", "mwan3", "rutos", "dpinger" };

const char *sim_policy_name(int pol)
{
	return pol >= 0 && pol < __POL_MAX ? pol_names[pol] : "?";
}

int sim_policy_parse(const char *s, unsigned *mask)
{
	if (!strcmp(s, "all")) {
		*mask = (1u << __POL_MAX) - 1;
		return 0;
	}
	for (int i = 0; i < __POL_MAX; i++)
		if (!strcmp(s, pol_names[i])) {
			*mask |= 1u << i;
			return 0;
		}
	return -1;
}

struct run {
	struct policy *p[__POL_MAX];
	int pol_of[__POL_MAX];
	int np;
	int primary[__POL_MAX];
	int64_t since_ms[__POL_MAX];
	bool chosen[__POL_MAX];		/* the policy has had a primary */
	enum truth_state truth[ENGINE_MAX_MEMBERS];
	int fault_member;
	int64_t fault_from_ms;
};

static void judge(struct run *run, struct sim_summary *sum, const struct trace_reader *tr,
		  int k, int64_t now_ms, int to, const char *why, FILE *out)
{
	struct sim_result *res = &sum->r[k];
	int from = run->primary[k];
	if (from == to)
		return;
	if (out)
		fprintf(out, "t=%.3f %s switch %s -> %s %s\n", now_ms / 1000.0, res->policy,
			from >= 0 ? tr->members[from].name : "-", to >= 0 ? tr->members[to].name : "-",
			why);
	run->primary[k] = to;
	if (from < 0 || to < 0)
		return;
	res->switches++;
	bool from_ok = run->truth[from] == TRUTH_GOOD;
	bool restore = run->truth[to] == TRUTH_GOOD &&
		       tr->members[to].priority < tr->members[from].priority;
	if ((from_ok && !restore) || (run->truth[to] == TRUTH_BAD && run->truth[from] != TRUTH_BAD))
		res->false_switches++;
	if (sum->has_fault && !res->detected && from == run->fault_member &&
	    now_ms >= run->fault_from_ms) {
		res->detected = true;
		res->detect_t_ms = now_ms;
		res->delay_ms = now_ms - sum->fault_t_ms;
	}
}

static void decide_all(struct run *run, struct sim_summary *sum, const struct trace_reader *tr,
		       int64_t now_ms, FILE *out)
{
	for (int k = 0; k < run->np; k++) {
		int cur = run->primary[k];
		if (cur >= 0 && run->truth[cur] == TRUTH_BAD && run->since_ms[k] != INT64_MIN)
			sum->r[k].time_on_bad_ms += now_ms - run->since_ms[k];
		if (run->since_ms[k] != INT64_MIN) {
			if (cur >= 0)
				sum->r[k].time_on_ms[cur] += now_ms - run->since_ms[k];
			else if (run->chosen[k])
				sum->r[k].time_none_ms += now_ms - run->since_ms[k];
		}
		run->since_ms[k] = now_ms;
		char why[POLICY_WHY_MAX] = "";
		int to = run->p[k]->decide(run->p[k], now_ms, why, sizeof(why));
		judge(run, sum, tr, k, now_ms, to, why, out);
		run->chosen[k] |= to >= 0;
	}
}

int sim_run(const char *path, const struct sim_opts *o, struct sim_summary *sum, char *err,
	    size_t errlen)
{
	struct trace_reader *tr = malloc(sizeof(*tr));
	struct trace_item it;
	struct run run;
	int rc = -1;
	memset(sum, 0, sizeof(*sum));
	memset(&run, 0, sizeof(run));
	if (!tr) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (trace_open(tr, path, NULL)) {
		snprintf(err, errlen, "%s", tr->err);
		goto out;
	}
	sum->goals = tr->goals;
	sum->n_members = tr->n;
	for (int i = 0; i < tr->n; i++)
		snprintf(sum->member_names[i], sizeof(sum->member_names[i]), "%s", tr->members[i].name);
	run.fault_member = -1;
	for (int pol = 0; pol < __POL_MAX; pol++) {
		if (!(o->policies & (1u << pol)))
			continue;
		struct policy *p = NULL;
		FILE *ev = o->events ? o->out : NULL;
		switch (pol) {
		case POL_STARFAIL:
			p = policy_starfail_new(&o->params, tr->members, tr->n,
						o->use_utc && tr->has_utc, tr->utc_start_ms, ev);
			break;
		case POL_MWAN3: p = policy_tracker_new(BASE_MWAN3, tr->members, tr->n, o->seed); break;
		case POL_RUTOS: p = policy_tracker_new(BASE_RUTOS, tr->members, tr->n, o->seed); break;
		case POL_DPINGER: p = policy_dpinger_new(tr->members, tr->n, o->seed); break;
		}
		if (!p) {
			snprintf(err, errlen, "%s: cannot create policy %s", path, pol_names[pol]);
			goto out;
		}
		run.p[run.np] = p;
		run.pol_of[run.np] = pol;
		run.primary[run.np] = -1;
		run.since_ms[run.np] = INT64_MIN;
		sum->r[run.np].policy = pol_names[pol];
		run.np++;
	}
	sum->n = run.np;
	int64_t cur = INT64_MIN, first = INT64_MIN;
	for (;;) {
		int n = trace_next(tr, &it);
		if (n < 0) {
			snprintf(err, errlen, "%s", tr->err);
			goto out;
		}
		if (n == 0 || it.t_ms > cur) {
			if (cur != INT64_MIN)
				decide_all(&run, sum, tr, cur, o->out);
			if (n == 0)
				break;
			cur = it.t_ms;
			if (first == INT64_MIN)
				first = cur;
		}
		switch (it.kind) {
		case TI_SAMPLE:
			sum->samples++;
			for (int k = 0; k < run.np; k++)
				run.p[k]->observe(run.p[k], it.member, &it.s);
			break;
		case TI_TRUTH:
			run.truth[it.member] = it.truth;
			break;
		case TI_FAULT:
			if (!sum->has_fault) {
				sum->has_fault = true;
				sum->fault_t_ms = it.onset_ms;
				run.fault_member = it.member;
				run.fault_from_ms = it.t_ms;
				snprintf(sum->label, sizeof(sum->label), "%s", it.label);
			}
			break;
		case TI_END:
			break;
		}
	}
	sum->duration_ms = cur == INT64_MIN ? 0 : cur - first;
	for (int k = 0; k < run.np; k++)
		sum->r[k].all_bad_seen = run.p[k]->all_bad_seen;
	rc = 0;
out:
	for (int k = 0; k < run.np; k++)
		run.p[k]->destroy(run.p[k]);
	trace_close(tr);
	free(tr);
	return rc;
}

int sim_check_goals(const struct sim_summary *sum, FILE *out)
{
	const struct sim_result *r = NULL;
	const struct trace_goals *g = &sum->goals;
	int bad = 0;
	for (int k = 0; k < sum->n; k++)
		if (!strcmp(sum->r[k].policy, "starfail"))
			r = &sum->r[k];
	if (!r)
		return 0;
#define VIOLATION(...) do { bad++; if (out) fprintf(out, __VA_ARGS__); } while (0)
	if (g->max_delay_ms != INT64_MIN) {
		if (!r->detected)
			VIOLATION("goal violated: fault never detected (max_delay_ms=%lld)\n",
				  (long long)g->max_delay_ms);
		else if (r->delay_ms > g->max_delay_ms)
			VIOLATION("goal violated: delay_ms=%lld > max_delay_ms=%lld\n",
				  (long long)r->delay_ms, (long long)g->max_delay_ms);
	}
	if (g->switch_before_ms != INT64_MIN && (!r->detected || r->detect_t_ms >= g->switch_before_ms))
		VIOLATION("goal violated: no switch away from the fault member before t_ms=%lld\n",
			  (long long)g->switch_before_ms);
	if (g->max_switches >= 0 && r->switches > g->max_switches)
		VIOLATION("goal violated: switches=%d > max_switches=%d\n", r->switches, g->max_switches);
	if (g->max_false >= 0 && r->false_switches > g->max_false)
		VIOLATION("goal violated: false_switches=%d > max_false=%d\n", r->false_switches,
			  g->max_false);
	if (g->expect_all_bad && !r->all_bad_seen)
		VIOLATION("goal violated: no all-bad event reported\n");
	return bad;
}
