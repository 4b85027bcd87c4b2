/*
 * cellular.c - the cellular collector (see cellular.h): provider order,
 * the tool runs of one poll through util/proc, backoff, the sample and
 * the metrics snapshot.
 *
 * A poll walks the providers in order. For the chosen one its steps run
 * one after the other (one child at a time: RutOS's modem port does not
 * take parallel access); the first step is required (its failure or a
 * reply without values fails the provider), the rest add what they can.
 */
#include "cellular.h"

#include <errno.h>
#include <ev.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell_at.h"
#include "cell_parse.h"
#include "cellular_metrics.h"
#include "clock.h"
#include "log.h"
#include "metric_impl.h"
#include "proc.h"

#define STEPS_MAX 4
#define ARGS_MAX 6
#define ARG_LEN CFG_STR_MAX
#define ERR_CAP 1024

const char *const cell_provider_names[__CELL_PROV_MAX] = { "rutos_ubus", "gsmctl", "mmcli", "uqmi", "at" };
static const char *const provider_option_names[] = { "auto", "rutos_ubus", "gsmctl", "mmcli", "uqmi", "at", NULL };
static const char *const sim_command_names[] = { "sim_switch", "ubus_sim", "at", NULL };

#define P(f) offsetof(struct cellular_params, f)
const struct cfg_option cellular_options[] = {
	{ "cell_provider", CFG_ENUM, P(provider), 0, 0, "auto", provider_option_names, NULL,
	  CFG_HELP("Where radio figures come from: auto (the first that works of rutos_ubus, gsmctl, mmcli, uqmi, at) "
	  "or one of them.") },
	{ "cell_modem", CFG_INT, P(modem), 0, 15, "0", NULL, NULL,
	  CFG_HELP("Modem index: ubus gsm.modemN, mmcli -m N.") },
	{ "cell_interval_ms", CFG_INT, P(interval_ms), 1000, 600000, "10000", NULL, "ms",
	  CFG_HELP("How often the modem is asked (slow on purpose: tools are forked).") },
	{ "cell_timeout_ms", CFG_INT, P(timeout_ms), 100, 60000, "5000", NULL, "ms",
	  CFG_HELP("Deadline of one tool run; then TERM, and KILL 500 ms later.") },
	{ "cell_backoff_max_ms", CFG_INT, P(backoff_max_ms), 1000, 3600000, "300000", NULL, "ms",
	  CFG_HELP("Longest retry delay of a failing provider (starts at cell_interval_ms, doubles).") },
	{ "cell_uqmi_device", CFG_STRING, P(uqmi_device), 0, 0, "/dev/cdc-wdm0", NULL, NULL,
	  CFG_HELP("QMI control device for the uqmi provider.") },
	{ "cell_at_port", CFG_STRING, P(at_port), 0, 0, "", NULL, NULL,
	  CFG_HELP("AT serial port of the modem (e.g. /dev/ttyUSB2) for the at provider, tried after uqmi; "
	  "empty: no AT provider. Held for one query round at a time (docs/CELLULAR.md).") },
	{ "cell_at_timeout_ms", CFG_INT, P(at_timeout_ms), 100, 30000, "2000", NULL, "ms",
	  CFG_HELP("Deadline of one AT command; a command without a final result code by then fails the round.") },
	{ "cell_at_lock_dir", CFG_STRING, P(at_lock_dir), 0, 0, "/var/lock", NULL, NULL,
	  CFG_HELP("Directory of UUCP lock files (LCK..ttyUSB2) honoured and taken for the AT port; empty: none.") },
	{ "cell_sim_switch", CFG_BOOL, P(sim_switch), 0, 0, "0", NULL, NULL,
	  CFG_HELP("Switch the modem to its other SIM when the active one is down, below the radio floor "
	  "(cell_sim_on_weak) or roaming (cell_sim_on_roaming); verified, switched back once if the "
	  "new SIM does not come up (docs/CELLULAR.md, Dual SIM).") },
	{ "cell_sim_command", CFG_ENUM, P(sim_command), 0, 0, "sim_switch", sim_command_names, NULL,
	  CFG_HELP("How: sim_switch (`sim_switch change simN`), ubus_sim (`ubus call sim change`, toggles), "
	  "at (AT+QUIMSLOT=N through the AT provider).") },
	{ "cell_sim_slots", CFG_INT, P(sim_slots), 1, 4, "2", NULL, NULL,
	  CFG_HELP("SIM slots holding a SIM; a slot ModemManager lists empty is skipped.") },
	{ "cell_sim_rounds", CFG_INT, P(sim_rounds), 1, 100, "3", NULL, "polls",
	  CFG_HELP("Polls in a row the active SIM must be down, weak or roaming before a switch.") },
	{ "cell_sim_cooldown_ms", CFG_INT, P(sim_cooldown_ms), 10000, 86400000, "600000", NULL, "ms",
	  CFG_HELP("No switch sooner than this after the previous switch, failed switch or revert.") },
	{ "cell_sim_verify_ms", CFG_INT, P(sim_verify_ms), 5000, 3600000, "120000", NULL, "ms",
	  CFG_HELP("The new SIM must be registered and a probe round up within this, else one switch back.") },
	{ "cell_sim_startup_ms", CFG_INT, P(sim_startup_ms), 0, 3600000, "60000", NULL, "ms",
	  CFG_HELP("No switch this long after start (the modem and the probes settle).") },
	{ "cell_sim_failed_hold_ms", CFG_INT, P(sim_failed_hold_ms), 0, 86400000, "3600000", NULL, "ms",
	  CFG_HELP("A SIM that did not come up is not tried again for this long.") },
	{ "cell_sim_timeout_ms", CFG_INT, P(sim_timeout_ms), 1000, 600000, "30000", NULL, "ms",
	  CFG_HELP("Deadline of the switch command; then TERM, and KILL 500 ms later.") },
	{ "cell_sim_on_weak", CFG_BOOL, P(sim_on_weak), 0, 0, "1", NULL, NULL,
	  CFG_HELP("A standby below the engine's radio floor (radio_floor_rsrp_dbm, radio_floor_sinr_db) switches.") },
	{ "cell_sim_on_roaming", CFG_BOOL, P(sim_on_roaming), 0, 0, "0", NULL, NULL,
	  CFG_HELP("A standby that is roaming switches.") },
	CFG_OPT_END
};
#undef P

COLLECTOR_PARAMS_FIT(struct cellular_params);

struct step {
	const char *parser;		/* cell_parsers[] name */
	const char *argv[ARGS_MAX + 1];	/* "%d" = modem index, "%s" = uqmi device */
};

static const struct step provider_steps[__CELL_PROV_MAX][STEPS_MAX] = {
	[CELL_PROV_RUTOS_UBUS] = {
		{ "ubus_signal", { "ubus", "call", "gsm.modem%d", "get_signal_query" } },
		{ "ubus_sim_slot", { "ubus", "call", "gsm.modem%d", "get_sim_slot" } },
	},
	[CELL_PROV_GSMCTL] = {
		{ "gsmctl_signal", { "gsmctl", "-q" } },
		{ "gsmctl_operator", { "gsmctl", "-o" } },
		{ "gsmctl_nettype", { "gsmctl", "-t" } },
		{ "gsmctl_temp", { "gsmctl", "-c" } },
	},
	[CELL_PROV_MMCLI] = {
		{ "mmcli_signal", { "mmcli", "-J", "-m", "%d", "--signal-get" } },
		{ "mmcli_modem", { "mmcli", "-J", "-m", "%d" } },
	},
	[CELL_PROV_UQMI] = {
		{ "uqmi_signal", { "uqmi", "-d", "%s", "--get-signal-info" } },
		{ "uqmi_serving", { "uqmi", "-d", "%s", "--get-serving-system" } },
	},
};

struct prov_state {
	int nsteps;
	cell_parse_fn fn[STEPS_MAX];
	char args[STEPS_MAX][ARGS_MAX][ARG_LEN];
	const char *argv[STEPS_MAX][ARGS_MAX + 1];
	struct provider_health h;
};

struct cellular {
	struct ev_loop *loop;
	struct collector_host host;
	struct cellular_params p;
	char member[CFG_STR_MAX];
	struct proc_pool *pool;
	struct proc_job *job;
	struct cell_at *at;		/* the AT provider; NULL without cell_at_port */
	ev_timer timer;
	struct prov_state prov[__CELL_PROV_MAX];
	int cur, step;			/* provider and step running; cur -1 idle */
	struct cell_info poll_info;	/* what the running provider said so far */
	int64_t poll_t_ms;		/* when its required step answered */
	bool tried_this_poll[__CELL_PROV_MAX];
	struct cell_info radio;		/* the latest poll's figures */
	int active;			/* provider of the latest good poll; -1 none */
	uint64_t polls_ok, polls_failed;
	int64_t last_ok_ms;
	struct sim_cmd {		/* a SIM switch (cellular_sim_exec) */
		bool queued;
		struct proc_job *job;
		char args[ARGS_MAX][ARG_LEN];
		const char *argv[ARGS_MAX + 1];
		cellular_sim_done_fn done;
		void *ctx;
		bool at;		/* AT+QUIMSLOT through the AT provider, not a tool */
		bool at_running;
		char at_cmd[24];
	} sim;
};

static void run_step(struct cellular *c);
static void sim_start(struct cellular *c);

static void fill_argv(struct prov_state *ps, int prov, const struct cellular_params *p)
{
	ps->nsteps = 0;
	for (int s = 0; s < STEPS_MAX && provider_steps[prov][s].parser; s++) {
		const struct step *st = &provider_steps[prov][s];
		ps->fn[s] = cell_parser_find(st->parser);
		int a = 0;
		for (; a < ARGS_MAX && st->argv[a]; a++) {
			const char *t = st->argv[a];
			if (strcmp(t, "%s") == 0)
				snprintf(ps->args[s][a], ARG_LEN, "%s", p->uqmi_device);
			else if (strstr(t, "%d"))
				snprintf(ps->args[s][a], ARG_LEN, strcmp(t, "%d") == 0 ? "%d" : "gsm.modem%d",
					 p->modem);
			else
				snprintf(ps->args[s][a], ARG_LEN, "%s", t);
			ps->argv[s][a] = ps->args[s][a];
		}
		ps->argv[s][a] = NULL;
		ps->nsteps = s + 1;
	}
}

static bool provider_allowed(const struct cellular *c, int prov)
{
	if (prov == CELL_PROV_AT && !c->at)
		return false;
	return c->p.provider == CELL_PROVIDER_AUTO || c->p.provider == prov + 1;
}

/* The next provider to try in this poll, or -1. */
static int next_provider(struct cellular *c, int64_t now)
{
	for (int i = 0; i < __CELL_PROV_MAX; i++)
		if (provider_allowed(c, i) && !c->tried_this_poll[i] && c->prov[i].h.next_try_ms <= now)
			return i;
	return -1;
}

static void emit(struct cellular *c, const struct cell_info *ci, int64_t t_ms)
{
	struct sample s;
	sample_init(&s, t_ms);
	if (ci)
		cell_info_to_sample(ci, &s.cell);
	struct collector_report rep = { .flags = 0, .view = NULL };
	c->host.sample(c->host.ctx, &s, &rep);
}

/*
 * The collector's fault (collector.h), its reason without counters: when no
 * provider answered, the first failing one in order; when one answered but
 * a provider before it in order that has answered before is failing now
 * (auto: it was this modem's and stopped), that one, naming the provider
 * that answered in its place; else none. A provider that never answered is
 * not this router's (a RutOS object on OpenWrt, mmcli without
 * ModemManager running): no fault while another answers.
 */
static void report_fault(struct cellular *c, bool good)
{
	if (!c->host.fault)
		return;
	char why[COLLECT_FAULT_REASON_MAX] = "no modem tool answered";
	if (good) {
		for (int i = 0; i < c->active; i++) {
			if (provider_allowed(c, i) && c->prov[i].h.failing && c->prov[i].h.ok > 0) {
				snprintf(why, sizeof(why), "%s answered; %s: %.120s", cell_provider_names[c->active],
					 cell_provider_names[i], c->prov[i].h.reason);
				c->host.fault(c->host.ctx, why);
				return;
			}
		}
		c->host.fault(c->host.ctx, NULL);
		return;
	}
	for (int i = 0; i < __CELL_PROV_MAX; i++) {
		if (c->prov[i].h.failing) {
			snprintf(why, sizeof(why), "no modem tool answered; %s: %.120s", cell_provider_names[i],
				 c->prov[i].h.reason);
			break;
		}
	}
	c->host.fault(c->host.ctx, why);
}

/* A SIM command is queued or running (a tool or an AT command). */
static bool sim_busy(const struct cellular *c)
{
	return c->sim.queued || c->sim.job || c->sim.at_running;
}

static void poll_end(struct cellular *c, bool good)
{
	int prov = c->cur;
	c->cur = -1;
	c->job = NULL;
	if (good) {
		c->radio = c->poll_info;
		c->active = prov;
		c->polls_ok++;
		c->last_ok_ms = c->poll_t_ms;
		emit(c, &c->radio, c->poll_t_ms);
	} else {
		cell_info_init(&c->radio);
		c->active = -1;
		c->polls_failed++;
		emit(c, NULL, clock_mono_ms());
	}
	report_fault(c, good);
	if (c->sim.queued)
		sim_start(c);
}

/* Start the next eligible provider of this poll, or end the poll as failed. */
static void start_provider(struct cellular *c)
{
	int64_t now = clock_mono_ms();
	int prov = next_provider(c, now);
	if (prov < 0) {
		poll_end(c, false);
		return;
	}
	c->tried_this_poll[prov] = true;
	c->cur = prov;
	c->step = 0;
	cell_info_init(&c->poll_info);
	provider_health_start(&c->prov[prov].h, now);
	run_step(c);
}

static void provider_failed(struct cellular *c, const char *reason)
{
	struct provider_health *h = &c->prov[c->cur].h;
	bool changed;
	int64_t delay = provider_health_failed(h, clock_mono_ms(), reason, c->p.interval_ms, c->p.backoff_max_ms,
					       &changed);
	if (changed)
		log_warn("cellular member=%s provider=%s failing reason=\"%s\" retry_in_ms=%lld", c->member,
			 cell_provider_names[c->cur], h->reason, (long long)delay);
	c->job = NULL;
	start_provider(c);
}

static void provider_ok(struct cellular *c)
{
	int64_t ended = provider_health_ok(&c->prov[c->cur].h, clock_mono_ms());
	if (ended)
		log_info("cellular member=%s provider=%s recovered after=%lld failures", c->member,
			 cell_provider_names[c->cur], (long long)ended);
	poll_end(c, true);
}

/* "exited 1: error: couldn't find modem" - the proc reason and stderr's first line. */
static void run_reason(char *dst, size_t len, const char *tool, const struct proc_result *res)
{
	char first[96];
	proc_err_line(res, first, sizeof(first));
	if (res->start_failed && res->start_errno == ENOENT)
		snprintf(dst, len, "%s: not installed", tool);
	else
		snprintf(dst, len, "%s: %s%s%s", tool, res->reason, first[0] ? ": " : "", first);
}

static void on_done(const struct proc_result *res, void *ctx)
{
	struct cellular *c = ctx;
	struct prov_state *ps = &c->prov[c->cur];
	const char *tool = ps->argv[c->step][0];
	bool required = c->step == 0;
	char reason[CELL_REASON_MAX];
	c->job = NULL;
	if (!res->ok || res->truncated) {
		if (required) {
			if (res->ok)
				snprintf(reason, sizeof(reason), "%s: output over %d bytes", tool, CELL_INPUT_MAX);
			else
				run_reason(reason, sizeof(reason), tool, res);
			provider_failed(c, reason);
			return;
		}
	} else {
		struct cell_info step;
		cell_info_init(&step);
		char err[120] = "";
		int n = ps->fn[c->step](res->out, res->out_len, &step, err, sizeof(err));
		if (required && n < 0) {
			snprintf(reason, sizeof(reason), "%s: output not understood: %s", tool, err);
			provider_failed(c, reason);
			return;
		}
		if (required && n == 0) {
			snprintf(reason, sizeof(reason), "%s: no signal values%s", tool,
				 c->cur == CELL_PROV_MMCLI ? " (mmcli --signal-setup not run?)" : "");
			provider_failed(c, reason);
			return;
		}
		if (required)
			c->poll_t_ms = clock_mono_ms();
		if (n > 0)
			cell_info_merge(&c->poll_info, &step);
		else if (n < 0)
			log_debug("cellular member=%s %s: %s", c->member, tool, err);
	}
	if (++c->step < ps->nsteps)
		run_step(c);
	else
		provider_ok(c);
}

static void at_done(void *ctx, const struct cell_info *ci, const char *reason)
{
	struct cellular *c = ctx;
	char why[CELL_REASON_MAX];
	if (!ci) {
		snprintf(why, sizeof(why), "at: %.150s", reason);
		provider_failed(c, why);
		return;
	}
	c->poll_t_ms = clock_mono_ms();
	cell_info_merge(&c->poll_info, ci);
	provider_ok(c);
}

static void run_step(struct cellular *c)
{
	struct prov_state *ps = &c->prov[c->cur];
	if (c->cur == CELL_PROV_AT) {
		char reason[CELL_REASON_MAX], why[CELL_REASON_MAX];
		if (cell_at_round(c->at, at_done, c, reason, sizeof(reason)) != 0) {
			snprintf(why, sizeof(why), "at: %.150s", reason);
			provider_failed(c, why);
		}
		return;
	}
	struct proc_spec spec = {
		.argv = ps->argv[c->step],
		.envp = NULL,
		.timeout_ms = c->p.timeout_ms,
		.kill_grace_ms = 0,
		.out_cap = CELL_INPUT_MAX,
		.err_cap = ERR_CAP,
	};
	c->job = proc_run(c->pool, &spec, on_done, c);
	if (!c->job) {
		char reason[CELL_REASON_MAX];
		snprintf(reason, sizeof(reason), "%s: %s", ps->argv[c->step][0], proc_pool_last_error(c->pool));
		if (c->step == 0) {
			provider_failed(c, reason);
		} else {
			log_debug("cellular member=%s %s", c->member, reason);
			provider_ok(c);
		}
	}
}

static void poll_begin(struct cellular *c)
{
	if (c->cur >= 0 || sim_busy(c))
		return;		/* the previous poll (tools slower than the cadence) or a SIM switch runs */
	memset(c->tried_this_poll, 0, sizeof(c->tried_this_poll));
	start_provider(c);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	poll_begin(w->data);
}

/* The AT provider's port is what two other options need. */
static int cell_check_params(const void *params, char *err, size_t errlen)
{
	const struct cellular_params *p = params;
	if (p->at_port[0])
		return 0;
	if (p->provider == CELL_PROV_AT + 1) {
		snprintf(err, errlen, "option 'cell_provider' is 'at' but 'cell_at_port' is not set");
		return -1;
	}
	if (p->sim_switch && p->sim_command == CELL_SIM_CMD_AT) {
		snprintf(err, errlen, "option 'cell_sim_command' is 'at' but 'cell_at_port' is not set");
		return -1;
	}
	return 0;
}

static void *cell_start(struct ev_loop *loop, const struct collector_args *args,
			const struct collector_host *host, char *err, size_t errlen)
{
	if (!args->params) {
		snprintf(err, errlen, "cellular: no params");
		return NULL;
	}
	struct cellular *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(&c->p, args->params, sizeof(c->p));
	c->p.uqmi_device[CFG_STR_MAX - 1] = '\0';
	if (c->p.provider < 0 || c->p.provider > __CELL_PROV_MAX || c->p.modem < 0 || c->p.modem > 15 ||
	    c->p.interval_ms < 1000 || c->p.timeout_ms < 1 || c->p.timeout_ms > PROC_TIMEOUT_MS_MAX ||
	    c->p.backoff_max_ms < 1) {
		snprintf(err, errlen, "cellular: params out of range");
		free(c);
		return NULL;
	}
	snprintf(c->member, sizeof(c->member), "%s", args->member);
	c->loop = loop;
	c->host = *host;
	c->cur = -1;
	c->active = -1;
	c->last_ok_ms = -1;
	cell_info_init(&c->radio);
	for (int i = 0; i < __CELL_PROV_MAX; i++) {
		fill_argv(&c->prov[i], i, &c->p);
		provider_health_init(&c->prov[i].h);
	}
	c->p.at_port[CFG_STR_MAX - 1] = c->p.at_lock_dir[CFG_STR_MAX - 1] = '\0';
	char why[160];
	if (cell_check_params(&c->p, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "cellular: %s", why);
		log_err("cellular member=%s %s", c->member, err);
		free(c);
		return NULL;
	}
	if (c->p.at_port[0] &&
	    !(c->at = cell_at_new(loop, c->member, c->p.at_port, c->p.at_lock_dir, c->p.at_timeout_ms))) {
		snprintf(err, errlen, "out of memory");
		free(c);
		return NULL;
	}
	c->pool = proc_pool_new(loop, 1, 0);
	if (!c->pool) {
		snprintf(err, errlen, "cellular: cannot run tools: %s", strerror(errno));
		log_err("cellular member=%s %s", c->member, err);
		cell_at_free(c->at);
		free(c);
		return NULL;
	}
	/* the first poll soon, not a whole interval after start */
	ev_timer_init(&c->timer, on_timer, 0.05, c->p.interval_ms / 1000.0);
	c->timer.data = c;
	ev_timer_start(loop, &c->timer);
	log_info("cellular member=%s provider=%s modem=%d interval_ms=%d timeout_ms=%d at_port=%s", c->member,
		 provider_option_names[c->p.provider], c->p.modem, c->p.interval_ms, c->p.timeout_ms,
		 c->p.at_port[0] ? c->p.at_port : "-");
	return c;
}

static void cell_stop(void *inst)
{
	struct cellular *c = inst;
	if (!c)
		return;
	ev_timer_stop(c->loop, &c->timer);
	if (c->job)
		proc_abandon(c->job);
	cell_at_free(c->at);
	if (c->sim.job)
		proc_abandon(c->sim.job);
	proc_pool_free(c->pool);
	free(c);
}

static void cell_poll_now(void *inst)
{
	struct cellular *c = inst;
	if (c->cur >= 0 || sim_busy(c))
		return;
	/* a recheck asks every provider again, backoff or not */
	for (int i = 0; i < __CELL_PROV_MAX; i++)
		c->prov[i].h.next_try_ms = 0;
	ev_timer_again(c->loop, &c->timer);
	poll_begin(c);
}

static void cell_metrics_json(const void *inst, struct json_object *out)
{
	const struct cellular *c = inst;
	struct cellular_view v;
	int64_t now = clock_mono_ms();
	memset(&v, 0, sizeof(v));
	v.provider = provider_option_names[c->p.provider];
	v.active = c->active >= 0 ? cell_provider_names[c->active] : NULL;
	v.state = c->cur >= 0 ? "polling" : "idle";
	v.modem = c->p.modem;
	v.interval_ms = c->p.interval_ms;
	v.timeout_ms = c->p.timeout_ms;
	v.polls_ok = c->polls_ok;
	v.polls_failed = c->polls_failed;
	v.last_ok_age_ms = c->last_ok_ms >= 0 ? now - c->last_ok_ms : -1;
	v.radio = c->radio;
	struct cell_at_view atv;
	if (c->at) {
		cell_at_view(c->at, &atv);
		v.at = &atv;
	}
	for (int i = 0; i < __CELL_PROV_MAX; i++)
		provider_health_view(&c->prov[i].h, now, &v.prov[i]);
	json_object_object_add(out, "cellular", metric_object(cellular_view_metrics, &v));
}

const struct collector_ops cellular_collector = {
	.name = "cellular",
	.classes = COLLECT_CLASS(CLASS_CELLULAR),
	.fills = COLLECT_FILLS_CELLULAR,
	.member_options = cellular_options,
	.params_size = sizeof(struct cellular_params),
	.options_title = "Member of class cellular: the modem (docs/CELLULAR.md)",
	.check_params = cell_check_params,
	.start = cell_start,
	.stop = cell_stop,
	.poll_now = cell_poll_now,
	.metrics_json = cell_metrics_json,
};

/* ---- SIM switch (cellular.h: cellular_sim_exec) ---------------------------- */

void cellular_sim_view(const void *inst, struct cellular_sim_view *out)
{
	const struct cellular *c = inst;
	out->polls = c->polls_ok + c->polls_failed;
	out->answered = c->active >= 0;
	out->radio = &c->radio;
	out->params = &c->p;
	out->busy = sim_busy(c);
}

static void sim_on_done(const struct proc_result *res, void *ctx)
{
	struct cellular *c = ctx;
	char cmd[160], reason[CELL_REASON_MAX];
	proc_format_argv(cmd, sizeof(cmd), c->sim.argv);
	c->sim.job = NULL;
	if (res->ok)
		snprintf(reason, sizeof(reason), "exited 0");
	else
		run_reason(reason, sizeof(reason), c->sim.argv[0], res);
	log_info("cellular member=%s sim command=\"%s\" %s", c->member, cmd, reason);
	c->sim.done(c->sim.ctx, res->ok, cmd, reason);
}

static void sim_at_done(void *ctx, const struct cell_info *ci, const char *reason)
{
	(void)ci;
	struct cellular *c = ctx;
	c->sim.at_running = false;
	log_info("cellular member=%s sim command=\"%s\" %s", c->member, c->sim.at_cmd, reason ? reason : "OK");
	c->sim.done(c->sim.ctx, !reason, c->sim.at_cmd, reason ? reason : "answered OK");
}

static void sim_start(struct cellular *c)
{
	c->sim.queued = false;
	if (c->sim.at) {
		char reason[CELL_REASON_MAX];
		if (cell_at_command(c->at, c->sim.at_cmd, sim_at_done, c, reason, sizeof(reason)) != 0)
			c->sim.done(c->sim.ctx, false, c->sim.at_cmd, reason);
		else
			c->sim.at_running = true;
		return;
	}
	struct proc_spec spec = {
		.argv = c->sim.argv,
		.timeout_ms = c->p.sim_timeout_ms,
		.out_cap = ERR_CAP,
		.err_cap = ERR_CAP,
	};
	c->sim.job = proc_run(c->pool, &spec, sim_on_done, c);
	if (!c->sim.job) {
		char cmd[160], reason[CELL_REASON_MAX];
		proc_format_argv(cmd, sizeof(cmd), c->sim.argv);
		snprintf(reason, sizeof(reason), "%s: %s", c->sim.argv[0], proc_pool_last_error(c->pool));
		c->sim.done(c->sim.ctx, false, cmd, reason);
	}
}

int cellular_sim_exec(void *inst, int slot, cellular_sim_done_fn done, void *ctx, char *err, size_t errlen)
{
	struct cellular *c = inst;
	if (sim_busy(c)) {
		snprintf(err, errlen, "a SIM command is already under way");
		return -1;
	}
	if (slot < 1 || slot > 9) {
		snprintf(err, errlen, "slot %d out of range", slot);
		return -1;
	}
	int n = 0;
	switch (c->p.sim_command) {
	case CELL_SIM_CMD_SIM_SWITCH:
		snprintf(c->sim.args[n++], ARG_LEN, "sim_switch");
		snprintf(c->sim.args[n++], ARG_LEN, "change");
		snprintf(c->sim.args[n++], ARG_LEN, "sim%d", slot);
		break;
	case CELL_SIM_CMD_UBUS:
		snprintf(c->sim.args[n++], ARG_LEN, "ubus");
		snprintf(c->sim.args[n++], ARG_LEN, "call");
		snprintf(c->sim.args[n++], ARG_LEN, "sim");
		snprintf(c->sim.args[n++], ARG_LEN, "change");
		break;
	default:
		/* AT+QUIMSLOT=slot through the AT provider's port (it alone opens it) */
		if (!c->at) {
			snprintf(err, errlen, "AT+QUIMSLOT=%d: cell_sim_command 'at' needs cell_at_port", slot);
			return -1;
		}
		break;
	}
	c->sim.at = c->p.sim_command == CELL_SIM_CMD_AT;
	snprintf(c->sim.at_cmd, sizeof(c->sim.at_cmd), "AT+QUIMSLOT=%d", slot);
	for (int i = 0; i < n; i++)
		c->sim.argv[i] = c->sim.args[i];
	c->sim.argv[n] = NULL;
	c->sim.done = done;
	c->sim.ctx = ctx;
	c->sim.queued = true;
	if (c->cur < 0)
		sim_start(c);	/* else after the poll (poll_end) */
	return 0;
}
