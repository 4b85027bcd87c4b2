/*
 * config.c - /etc/config/starfail: the schema and its checks.
 *
 * uci.c reads the file; this file maps `starfail` and `member` sections
 * onto struct sf_config through option tables, reports every problem with
 * file, line, section and option, and resolves what needs resolving
 * (member class "auto", anonymous member names).
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <json-c/json.h>
#include <net/if.h>

#include "cfgtab_impl.h"
#include "classify.h"
#include "log.h"
#include "text.h"
#include "uci.h"

static const char *const log_level_names[] = { "error", "warn", "info", "debug", "trace", NULL };
static const char *const class_names[] = { "auto", "starlink", "cellular", "wifi", "lan", NULL };
/* in the order of enum engine_failback */
static const char *const failback_names[] = { "window", "immediate", "manual", NULL };
/* in the order of enum member_flow_failback */
static const char *const flow_failback_names[] = { "move", "keep", "metered", NULL };
/* in the order of enum member_data_cycle / member_data_action */
static const char *const data_cycle_names[] = { "daily", "monthly", NULL };
static const char *const data_action_names[] = { "avoid", "stop", NULL };

#define CORE(f) offsetof(struct core_params, f)
static const struct cfg_option core_options[] = {
	{ "enable", CFG_BOOL, CORE(enable), 0, 0, "1", NULL, NULL,
	  CFG_HELP("Master switch. 0: the daemon runs and answers the API but changes no routes.") },
	{ "use_mwan3", CFG_BOOL, CORE(use_mwan3), 0, 0, "0", NULL, NULL,
	  CFG_HELP("Work with mwan3: every enabled IPv4 interface of mwan3_config becomes a member (config members "
	  "override or add), resolved through netifd. See docs/DEPLOYMENT.md.") },
	{ "poll_interval_ms", CFG_INT, CORE(poll_interval_ms), 200, 60000, "1500", NULL, "ms",
	  CFG_HELP("Probe interval of the primary uplink.") },
	{ "log_level", CFG_ENUM, CORE(log_level), 0, 0, "info", log_level_names, NULL,
	  CFG_HELP("error, warn, info, debug or trace. The -log-level flag overrides it.") },
	{ "api_socket", CFG_STRING, CORE(api_socket), 0, 0, "/var/run/starfail.sock", NULL, NULL,
	  CFG_HELP("Path of the JSON API unix socket. The -socket flag overrides it.") },
	{ "api_socket_mode", CFG_STRING, CORE(api_socket_mode), 0, 0, "0660", NULL, NULL,
	  CFG_HELP("Permissions of the socket, octal. Whoever can connect can read; see api_group for changes.") },
	{ "api_group", CFG_STRING, CORE(api_group), 0, 0, "", NULL, NULL,
	  CFG_HELP("Group owning the socket. Root and peers whose credentials hold this group may call mutating "
	  "methods and take the api_admin_clients slots. Empty: the daemon's group owns the socket and only root may mutate.") },
	{ "api_max_clients", CFG_INT, CORE(api_max_clients), 1, 64, "16", NULL, "clients",
	  CFG_HELP("API connections served at once; more are refused with an error reply.") },
	{ "api_max_clients_per_uid", CFG_INT, CORE(api_max_clients_per_uid), 1, 64, "8", NULL, "clients",
	  CFG_HELP("API connections one peer uid (root included) may hold at once; more are refused with an error reply.") },
	{ "api_admin_clients", CFG_INT, CORE(api_admin_clients), 0, 16, "2", NULL, "clients",
	  CFG_HELP("Of api_max_clients, the last slots only root and api_group may take; other users always keep at least one.") },
	{ "api_timeout_ms", CFG_INT, CORE(api_timeout_ms), 100, 60000, "5000", NULL, "ms",
	  CFG_HELP("A client that has not sent a complete request by then is dropped.") },
	{ "api_max_request_bytes", CFG_INT, CORE(api_max_request_bytes), 256, 1048576, "65536", NULL,
	  "bytes", CFG_HELP("Largest accepted API request.") },
	{ "mwan3_config", CFG_STRING, CORE(mwan3_config), 0, 0, "/etc/config/mwan3", NULL, NULL,
	  CFG_HELP("mwan3's UCI file, read at start and reload when use_mwan3 is 1.") },
	{ "discover_interval_ms", CFG_INT, CORE(discover_interval_ms), 5000, 3600000, "60000", NULL, "ms",
	  CFG_HELP("netifd is asked (ubus call network.interface dump) at start, on reload, on the API's `discover` "
	  "(hotplug) and on this slow timer; never per probe.") },
	{ "discover_timeout_ms", CFG_INT, CORE(discover_timeout_ms), 500, 30000, "3000", NULL, "ms",
	  CFG_HELP("ubus is killed when it has not answered by then; the members keep what was known.") },
	{ "classify_dish_address", CFG_STRING, CORE(classify_dish_address), 0, 0, "192.168.100.1:9200",
	  NULL, NULL, CFG_HELP("Class auto: a member whose device reaches a TCP listener here is Starlink.") },
	CFG_OPT_END
};

#define MEMB(f) offsetof(struct member_config, f)
static const struct cfg_option member_options[] = {
	{ "interface", CFG_STRING, MEMB(interface), 0, 0, "", NULL, NULL,
	  CFG_HELP("netifd interface name (wan, mob1s1a1, ...); its device, gateway and addresses come from netifd.") },
	{ "device", CFG_STRING, MEMB(device), 0, 0, "", NULL, NULL,
	  CFG_HELP("Linux network device the uplink uses (eth1, wwan0, ...); probes are bound to it. Empty: netifd's "
	  "device of `interface` (one of the two is needed).") },
	{ "class", CFG_ENUM, MEMB(class_cfg), 0, 0, "auto", class_names, NULL,
	  CFG_HELP("Uplink class; `auto` from evidence: cellular netifd proto or RutOS mob<m>s<s>a<a> name, "
	  "Starlink dish answering through the device or a 100.64.0.0/10 address, wireless station, else lan.") },
	{ "priority", CFG_INT, MEMB(priority), 1, 255, "10", NULL, NULL,
	  CFG_HELP("Preference tier, lower is preferred (like a route metric). Not written, for a member of an "
	  "mwan3 interface: its mwan3 metric.") },
	{ "weight", CFG_INT, MEMB(weight), 0, 100, "50", NULL, "points",
	  CFG_HELP("Preference within a tier; see docs/ENGINE.md for how it enters the score.") },
	{ "metered", CFG_BOOL, MEMB(metered), 0, 0, "0", NULL, NULL,
	  CFG_HELP("Data costs money: probe it less while it is not the primary.") },
	{ "enabled", CFG_BOOL, MEMB(enabled), 0, 0, "1", NULL, NULL,
	  CFG_HELP("0: the member is kept in the config but not used.") },
	{ "probe_targets", CFG_LIST, MEMB(probe_targets), 0, 0, "", NULL, NULL,
	  CFG_HELP("Probe targets of this member; empty: the global defaults.") },
	{ "reliability", CFG_INT, MEMB(reliability), 0, 8, "0", NULL, "targets",
	  CFG_HELP("Targets that must answer for a round to count as up; 0: the global default.") },
	{ "failback", CFG_ENUM, MEMB(failback), 0, 0, "window", failback_names, NULL,
	  CFG_HELP("How a member left for a failure comes back: `window` (good for restore_window_ms), "
	  "`immediate` (as soon as it is good), `manual` (only by `failover`).") },
	{ "flow_failback", CFG_ENUM, MEMB(flow_failback), 0, 0, "metered", flow_failback_names, NULL,
	  CFG_HELP("When Starfail leaves this member while it still works (failback to a preferred one): `move` "
	  "(delete its flows so they follow), `keep` (they stay, sticky) or `metered` (move when this member is metered).") },
	{ "data_cap_mb", CFG_INT, MEMB(data_cap_mb), 0, 100000000, "0", NULL, "MB",
	  CFG_HELP("Data cap per billing cycle, MB of 1,000,000 bytes received plus sent on the member's device "
	  "(all traffic, probes included); 0: none. See docs/DATA_CAPS.md.") },
	{ "data_cycle", CFG_ENUM, MEMB(data_cycle), 0, 0, "monthly", data_cycle_names, NULL,
	  CFG_HELP("Billing cycle of data_cap_mb: `daily` (resets at 00:00 UTC) or `monthly` (at data_reset_day).") },
	{ "data_reset_day", CFG_INT, MEMB(data_reset_day), 1, 28, "1", NULL, "day",
	  CFG_HELP("Monthly cycle: day of the month the count restarts, at 00:00 UTC.") },
	{ "data_alert_pct", CFG_INT, MEMB(data_alert_pct), 1, 100, "80", NULL, "%",
	  CFG_HELP("A data_alert event when the cycle's use reaches this share of data_cap_mb.") },
	{ "data_cap_action", CFG_ENUM, MEMB(data_cap_action), 0, 0, "avoid", data_action_names, NULL,
	  CFG_HELP("At the cap: `avoid` (chosen only when no other member is usable) or `stop` (never chosen until the cycle resets).") },
	{ "keep_warm_ms", CFG_INT, MEMB(keep_warm_ms), 0, 60000, "0", NULL, "ms",
	  CFG_HELP("Warm backup: as a standby, probe at least this often (metered or not) so a cellular radio stays "
	  "out of RRC idle and the first packets after a failover are not delayed; 0: off. It costs bytes: "
	  "docs/CELLULAR.md, Warm backup.") },
	CFG_OPT_END
};

struct table_ref {
	const struct cfg_option *opts;
	size_t offset;		/* of the params struct inside sf_config / member_config */
	const char *title;
};

static const struct table_ref main_tables[] = {
	{ core_options, offsetof(struct sf_config, core), "Daemon and API" },
	{ engine_options, offsetof(struct sf_config, engine), "Decision engine (docs/ENGINE.md)" },
	{ probe_options, offsetof(struct sf_config, probe), "Probes (docs/NETWORK.md)" },
	{ ctl_options, offsetof(struct sf_config, ctl), "Controller (docs/NETWORK.md)" },
	{ telemetry_options, offsetof(struct sf_config, telemetry), "Telemetry" },
	{ prom_options, offsetof(struct sf_config, prom), "Prometheus endpoint (docs/PROMETHEUS.md)" },
	{ mqtt_options, offsetof(struct sf_config, mqtt), "MQTT and Home Assistant (docs/MQTT.md)" },
	{ notify_options, offsetof(struct sf_config, notify), "Notifications (docs/NOTIFICATIONS.md)" },
};

#define N_TABLES(t) (sizeof(t) / sizeof((t)[0]))
#define MEMBER_TABLES_MAX (1 + COLLECT_SLOTS_MAX)

/* A collector whose options live in each member's collect[] (too big: test_collector says so). */
static bool member_params(const struct collector_ops *c)
{
	return c->member_options && c->params_size <= sizeof(struct collector_params);
}

/* The member's own options, then those of every registered collector. */
static size_t member_tables(struct table_ref out[MEMBER_TABLES_MAX])
{
	size_t n = 0;
	out[n++] = (struct table_ref){ member_options, 0, "Member" };
	for (int i = 0; collectors[i]; i++) {
		const struct collector_ops *c = collectors[i];
		if (!member_params(c))
			continue;
		out[n++] = (struct table_ref){ c->member_options,
					       offsetof(struct member_config, collect) +
						       (size_t)i * sizeof(struct collector_params),
					       c->options_title ? c->options_title : c->name };
	}
	return n;
}

int config_dish_address(const struct core_params *c, char host[CFG_STR_MAX], int *port)
{
	const char *colon = strrchr(c->classify_dish_address, ':');
	struct in_addr a;
	char *end;
	if (!colon || (size_t)(colon - c->classify_dish_address) >= CFG_STR_MAX)
		return -1;
	memcpy(host, c->classify_dish_address, (size_t)(colon - c->classify_dish_address));
	host[colon - c->classify_dish_address] = 0;
	long p = strtol(colon + 1, &end, 10);
	if (inet_pton(AF_INET, host, &a) != 1 || end == colon + 1 || *end || p < 1 || p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}

const char *member_class_name(int cls)
{
	return cls >= 0 && cls < __CLASS_MAX ? class_names[cls] : "?";
}


/* ---- reports ---------------------------------------------------------- */

struct ctx {
	const char *file;
	struct config_report *rep;
};

__attribute__((format(printf, 4, 5))) static void report(struct ctx *c, bool error, int line,
							   const char *fmt, ...)
{
	struct config_report *r = c->rep;
	int *n = error ? &r->n_errors : &r->n_warnings;
	char(*slot)[CONFIG_MSG_MAX] = error ? r->errors : r->warnings;
	if (*n >= CONFIG_MAX_ERRORS) {
		r->dropped++;
		if (error)
			r->n_errors++;	/* still an error, just not stored */
		return;
	}
	char msg[CONFIG_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int len = line > 0 ? snprintf(slot[*n], CONFIG_MSG_MAX, "%s:%d: %s", c->file, line, msg)
			   : snprintf(slot[*n], CONFIG_MSG_MAX, "%s: %s", c->file, msg);
	if (len >= CONFIG_MSG_MAX)	/* keep the end visible as cut */
		memcpy(slot[*n] + CONFIG_MSG_MAX - 4, "...", 4);
	text_sanitize(slot[*n]);	/* values quoted from the file may be any bytes */
	(*n)++;
}

void config_report_add(struct config_report *rep, bool error, const char *file, int line,
		       const char *fmt, ...)
{
	char msg[CONFIG_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct ctx c = { file, rep };
	report(&c, error, line, "%s", msg);
}

void config_report_print(const struct config_report *rep, FILE *f)
{
	int ne = rep->n_errors < CONFIG_MAX_ERRORS ? rep->n_errors : CONFIG_MAX_ERRORS;
	int nw = rep->n_warnings < CONFIG_MAX_ERRORS ? rep->n_warnings : CONFIG_MAX_ERRORS;
	for (int i = 0; i < ne; i++)
		fprintf(f, "error: %s\n", rep->errors[i]);
	for (int i = 0; i < nw; i++)
		fprintf(f, "warning: %s\n", rep->warnings[i]);
	if (rep->dropped)
		fprintf(f, "(%d more messages not shown)\n", rep->dropped);
}

const char *config_report_first_error(const struct config_report *rep)
{
	return rep->n_errors ? rep->errors[0] : "";
}

/* ---- mapping ---------------------------------------------------------- */

void config_defaults(struct sf_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < N_TABLES(main_tables); i++)
		cfg_apply_defaults(main_tables[i].opts, (char *)cfg + main_tables[i].offset);
}

void config_member_defaults(struct member_config *m)
{
	struct table_ref t[MEMBER_TABLES_MAX];
	size_t n = member_tables(t);
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < n; i++)
		cfg_apply_defaults(t[i].opts, (char *)m + t[i].offset);
}

/* Apply one UCI option through the first table that knows it. */
static void apply_option(struct ctx *c, const struct table_ref *tabs, size_t n_tabs, void *base,
			 const struct uci_section *s, const struct uci_option *o)
{
	const char *sname = s->anonymous ? s->type : s->name;
	for (size_t i = 0; i < n_tabs; i++) {
		const struct cfg_option *opt = cfg_find(tabs[i].opts, o->name);
		if (!opt)
			continue;
		if (cfg_set(opt, (char *)base + tabs[i].offset, (const char *const *)o->values,
			    o->n_values, o->is_list) == 0)
			return;
		char want[200];
		cfg_expectation(opt, want, sizeof(want));
		if (o->is_list && opt->type != CFG_LIST)
			report(c, true, o->line,
			       "section '%s' option '%s': expected a single value (option), got a list",
			       sname, o->name);
		else
			report(c, true, o->line, "section '%s' option '%s': expected %s, got '%.60s'",
			       sname, o->name, want, o->n_values ? o->values[0] : "");
		return;
	}
	report(c, false, o->line, "section '%s': unknown option '%s' ignored", sname, o->name);
}

static bool valid_member_name(const char *s)
{
	if (!*s || strlen(s) >= MEMBER_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

/* class "auto" before discovery: what the names alone prove (classify.h). */
static int guess_class(struct member_config *m)
{
	struct classify_input ci = { .name = m->name, .iface = m->interface, .device = m->device,
				     .wireless = -1, .dish = -1 };
	return classify_uplink(&ci, m->up.class_reason, sizeof(m->up.class_reason));
}

static void load_member(struct ctx *c, struct sf_config *cfg, const struct uci_section *s)
{
	struct member_config m;
	config_member_defaults(&m);
	m.line = s->line;

	struct table_ref tabs[MEMBER_TABLES_MAX];
	size_t n_tabs = member_tables(tabs);
	for (int i = 0; i < s->n_options; i++) {
		apply_option(c, tabs, n_tabs, &m, s, &s->options[i]);
		if (!strcmp(s->options[i].name, "priority"))
			m.priority_set = true;
	}

	/* anonymous `config member`: named after its interface, else its device */
	const char *name = s->anonymous ? (*m.interface ? m.interface : m.device) : s->name;
	if (!valid_member_name(name)) {
		report(c, true, s->line,
		       "section 'member': name '%.40s' must be 1-%d characters of A-Z a-z 0-9 _ -"
		       " (anonymous members take the name of their interface or device)",
		       name, MEMBER_NAME_MAX - 1);
		return;
	}
	memcpy(m.name, name, strlen(name) + 1);	/* length checked above */

	if (strlen(m.device) >= IFNAMSIZ)
		report(c, true, s->line, "section '%s' option 'device': '%s' is longer than %d characters",
		       m.name, m.device, IFNAMSIZ - 1);
	m.cls = m.class_cfg == CLASS_AUTO ? guess_class(&m) : m.class_cfg;
	for (int i = 0; collectors[i]; i++) {
		char why[160];
		if (collectors[i]->check_params && member_params(collectors[i]) &&
		    collectors[i]->check_params(&m.collect[i], why, sizeof(why)) < 0)
			report(c, true, s->line, "section '%s': %s", m.name, why);
	}

	for (int i = 0; i < cfg->n_members; i++) {
		const struct member_config *o = &cfg->members[i];
		if (strcmp(o->name, m.name) == 0) {
			report(c, true, s->line, "section '%s': member defined twice (also line %d)",
			       m.name, o->line);
			return;
		}
		if (*m.device && strcmp(o->device, m.device) == 0)
			report(c, true, s->line,
			       "section '%s' option 'device': '%s' is already used by member '%s'",
			       m.name, m.device, o->name);
	}
	if (cfg->n_members >= MAX_MEMBERS) {
		report(c, true, s->line, "section '%s': more than %d members", m.name, MAX_MEMBERS);
		return;
	}
	cfg->members[cfg->n_members++] = m;
}

static void load_sections(struct ctx *c, const struct uci_file *f, struct sf_config *cfg)
{
	int n_main = 0;
	for (int i = 0; i < f->n_sections; i++) {
		const struct uci_section *s = &f->sections[i];
		if (strcmp(s->type, "starfail") == 0) {
			if (n_main++)
				report(c, false, s->line,
				       "another 'starfail' section: its options override the first");
			for (int j = 0; j < s->n_options; j++)
				apply_option(c, main_tables, N_TABLES(main_tables), cfg, s, &s->options[j]);
		} else if (strcmp(s->type, "member") == 0) {
			load_member(c, cfg, s);
		} else {
			report(c, false, s->line, "unknown section type '%s' ignored", s->type);
		}
	}
	if (!n_main)
		report(c, false, 0, "no `config starfail 'main'` section: defaults used");

	char host[CFG_STR_MAX];
	int port;
	if (config_dish_address(&cfg->core, host, &port) < 0)
		report(c, true, 0, "section 'main' option 'classify_dish_address': expected IPv4:port"
				   " like 192.168.100.1:9200, got '%s'", cfg->core.classify_dish_address);
	unsigned long mode;
	char *end;
	mode = strtoul(cfg->core.api_socket_mode, &end, 8);
	if (!*cfg->core.api_socket_mode || *end || mode > 0777)
		report(c, true, 0, "section 'main' option 'api_socket_mode': expected octal permissions"
				   " like 0660, got '%s'", cfg->core.api_socket_mode);
	if (cfg->core.api_socket[0] != '/')
		report(c, true, 0, "section 'main' option 'api_socket': expected an absolute path, got '%s'",
		       cfg->core.api_socket);
	if (cfg->n_members == 0)
		report(c, false, 0, "no `config member` sections: nothing to watch");
	for (int i = 0; i < cfg->n_members; i++) {
		struct member_config *m = &cfg->members[i];
		if (*m->device || *m->interface)
			continue;
		if (cfg->core.use_mwan3)	/* the mwan3 (and netifd) interface of its name */
			memcpy(m->interface, m->name, sizeof(m->name));
		else
			report(c, true, m->line,
			       "section '%s': option 'interface' (the netifd interface, e.g. wan or"
			       " mob1s1a1) or 'device' (the Linux device, e.g. eth1 or wwan0) is required",
			       m->name);
	}

	char err[200];
	if (engine_params_check(&cfg->engine, err, sizeof(err)) < 0)
		report(c, true, 0, "section 'main': %s", err);
	if (strcmp(cfg->ctl.backend, "auto") && strcmp(cfg->ctl.backend, "route") &&
	    strcmp(cfg->ctl.backend, "dryrun") && strcmp(cfg->ctl.backend, "mwan3"))
		report(c, true, 0, "section 'main' option 'controller': expected auto|route|dryrun|mwan3, got '%s'",
		       cfg->ctl.backend);
	if (cfg->ctl.mwan3_state_file[0] != '/')
		report(c, true, 0, "section 'main' option 'mwan3_state_file': expected an absolute path, got '%s'",
		       cfg->ctl.mwan3_state_file);
	size_t ev_bytes = (size_t)cfg->telemetry.max_events * sizeof(struct tel_event);
	if (ev_bytes > (size_t)cfg->telemetry.max_kb * 1024 / 2)
		report(c, true, 0,
		       "section 'main' option 'telemetry_max_events': %d events need %zu KiB, more than"
		       " half of telemetry_max_kb (%d)", cfg->telemetry.max_events, ev_bytes / 1024,
		       cfg->telemetry.max_kb);
	if (config_export_check(cfg, err, sizeof(err)) < 0)
		report(c, true, 0, "section 'main' %s", err);
	for (int i = 0; i < cfg->n_members; i++) {
		struct probe_member_cfg pc;
		const struct member_config *mc = &cfg->members[i];
		if (*mc->device && config_probe_member(cfg, mc, &pc, err, sizeof(err)) < 0)
			report(c, true, mc->line, "section '%s': %s", mc->name, err);
	}
}

bool config_probe_equal(const struct sf_config *a, const struct sf_config *b)
{
	return a->core.poll_interval_ms == b->core.poll_interval_ms &&
	       cfg_equal(probe_options, &a->probe, &b->probe);
}

bool config_ctl_equal(const struct sf_config *a, const struct sf_config *b)
{
	return cfg_equal(ctl_options, &a->ctl, &b->ctl);
}

void config_engine_member(const struct member_config *mc, struct engine_member *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", mc->name);
	out->cls = (enum member_class)mc->cls;
	out->priority = mc->priority;
	out->failback = (enum engine_failback)mc->failback;
	out->weight = mc->weight;
	out->metered = mc->metered;
	out->enabled = mc->enabled;
}

int config_probe_member(const struct sf_config *cfg, const struct member_config *mc,
			struct probe_member_cfg *out, char *err, size_t errlen)
{
	int rc = probe_member_cfg_build(out, &cfg->probe, mc->name, mc->device, &mc->probe_targets,
					mc->reliability, mc->metered, 0, cfg->core.poll_interval_ms,
					err, errlen);
	if (rc == 0)
		out->keep_warm_ms = mc->keep_warm_ms;
	return rc;
}

int config_collector_params(const struct sf_config *cfg, const struct member_config *mc,
			    const struct collector_ops *ops, struct probe_member_cfg *pc,
			    const void **params, char *err, size_t errlen)
{
	*params = NULL;
	if (ops == &probe_collector) {
		if (config_probe_member(cfg, mc, pc, err, errlen) < 0)
			return -1;
		*params = pc;
	} else if (ops->member_options) {
		int slot = collector_slot(ops);
		if (slot < 0 || ops->params_size > sizeof(struct collector_params)) {
			snprintf(err, errlen, "collector %s is not in the registry", ops->name);
			return -1;
		}
		*params = &mc->collect[slot];
	}
	return 0;
}

static int finish(struct ctx *c, const struct uci_file *f, struct uci_error *uerr, int rc,
		  struct sf_config *cfg, const char *name)
{
	config_defaults(cfg);
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	if (rc) {
		if (uerr->line > 0)
			report(c, true, uerr->line, "%s", uerr->msg);
		else
			report(c, true, 0, "%s", uerr->msg);
		return -1;
	}
	load_sections(c, f, cfg);
	return c->rep->n_errors ? -1 : 0;
}

int config_load(const char *path, struct sf_config *cfg, struct config_report *rep)
{
	struct uci_file *f = NULL;
	struct uci_error uerr = { 0 };
	struct ctx c = { path, rep };
	memset(rep, 0, sizeof(*rep));
	int rc = uci_parse_file(path, &f, &uerr);
	rc = finish(&c, f, &uerr, rc, cfg, path);
	uci_free(f);
	return rc;
}

int config_load_buffer(const char *name, const char *buf, size_t len, struct sf_config *cfg,
		       struct config_report *rep)
{
	struct uci_file *f = NULL;
	struct uci_error uerr = { 0 };
	struct ctx c = { name, rep };
	memset(rep, 0, sizeof(*rep));
	int rc = uci_parse_buffer(name, buf, len, &f, &uerr);
	rc = finish(&c, f, &uerr, rc, cfg, name);
	uci_free(f);
	return rc;
}

const struct member_config *config_find_member(const struct sf_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->n_members; i++)
		if (strcmp(cfg->members[i].name, name) == 0)
			return &cfg->members[i];
	return NULL;
}

bool config_member_equal(const struct member_config *a, const struct member_config *b)
{
	if (strcmp(a->name, b->name) || a->cls != b->cls)
		return false;
	struct table_ref t[MEMBER_TABLES_MAX];
	size_t n = member_tables(t);
	for (size_t i = 0; i < n; i++)
		if (!cfg_equal(t[i].opts, (const char *)a + t[i].offset, (const char *)b + t[i].offset))
			return false;
	return true;
}

struct json_object *config_to_json(const struct sf_config *cfg)
{
	struct json_object *root = json_object_new_object();
	struct json_object *main = json_object_new_object();
	for (size_t i = 0; i < N_TABLES(main_tables); i++)
		cfg_to_json(main_tables[i].opts, (const char *)cfg + main_tables[i].offset, main);
	if (*cfg->mqtt.password)	/* a secret: the socket is readable by more than root */
		json_object_object_add(main, "mqtt_password", json_object_new_string("***"));
	if (*cfg->notify.webhook_url)	/* tokens live in webhook URLs */
		json_object_object_add(main, "notify_webhook_url", json_object_new_string("***"));
	if (*cfg->notify.webhook_token)
		json_object_object_add(main, "notify_webhook_token", json_object_new_string("***"));
	json_object_object_add(root, "path", json_object_new_string(cfg->path));
	json_object_object_add(root, "main", main);

	struct table_ref t[MEMBER_TABLES_MAX];
	size_t n = member_tables(t);
	struct json_object *members = json_object_new_array();
	for (int m = 0; m < cfg->n_members; m++) {
		const struct member_config *mc = &cfg->members[m];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(mc->name));
		for (size_t i = 0; i < n; i++)
			cfg_to_json(t[i].opts, (const char *)mc + t[i].offset, o);
		json_object_object_add(o, "class_resolved", json_object_new_string(member_class_name(mc->cls)));
		json_object_array_add(members, o);
	}
	json_object_object_add(root, "members", members);
	return root;
}

void config_print_reference(FILE *out)
{
	for (size_t i = 0; i < N_TABLES(main_tables); i++) {
		fprintf(out, "\n### `config starfail 'main'`: %s\n\n", main_tables[i].title);
		cfg_print_markdown(main_tables[i].opts, out);
	}
	struct table_ref t[MEMBER_TABLES_MAX];
	size_t n = member_tables(t);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "\n### `config member '<name>'`: %s\n\n", t[i].title);
		cfg_print_markdown(t[i].opts, out);
	}
}
