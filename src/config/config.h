/*
 * config.h - Starfail's typed configuration (/etc/config/starfail).
 *
 * The file is read with uci.c, then mapped section by section onto plain
 * structs through the option tables of each module (cfgtab.h):
 *
 *   config starfail 'main'     core, API, engine, probe... options
 *   config member '<name>'     one uplink: netifd interface and/or device
 *                              (at least one; discover.h resolves the device),
 *                              class, priority, weight, metered, targets,
 *                              and the options of its collectors (their
 *                              tables come from the collector registry)
 *
 * A config is a value: it can be copied, compared (config_member_equal) and
 * thrown away. Reload parses a complete new config first and only then
 * replaces the running one, so a bad file never disturbs the daemon.
 */
#ifndef SF_CONFIG_H
#define SF_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "cfgtab.h"
#include "collector.h"
#include "controller.h"
#include "engine.h"
#include "probe.h"
#include "sample.h"
#include "telemetry.h"
#include "uplink.h"

struct json_object;

#define MAX_MEMBERS 16
#define MEMBER_NAME_MAX 32
#define CONFIG_MAX_ERRORS 32
#define CONFIG_MSG_MAX 320

/* `config starfail 'main'`: the daemon's own options (see core_options). */
struct core_params {
	bool enable;
	bool use_mwan3;
	int poll_interval_ms;
	int log_level;			/* enum log_level */
	char api_socket[CFG_STR_MAX];
	char api_socket_mode[CFG_STR_MAX];	/* octal text, e.g. "0660" */
	char api_group[CFG_STR_MAX];	/* empty: the daemon's group, root alone may mutate */
	int api_max_clients;
	int api_max_clients_per_uid;
	int api_admin_clients;		/* slots of api_max_clients kept for admins */
	int api_timeout_ms;
	int api_max_request_bytes;
	char mwan3_config[CFG_STR_MAX];	/* path of mwan3's UCI file */
	int discover_interval_ms;	/* netifd dump on this slow timer (and on events) */
	int discover_timeout_ms;	/* ubus is killed after this */
	char classify_dish_address[CFG_STR_MAX];	/* "ip:port" the dish answers on */
};

/* `config member '<name>'` */
struct member_config {
	char name[MEMBER_NAME_MAX];
	char interface[CFG_STR_MAX];	/* netifd interface name (e.g. wan, mob1s1a1) */
	char device[CFG_STR_MAX];	/* Linux device (e.g. eth1, wwan0) */
	int class_cfg;			/* enum member_class as written (may be CLASS_AUTO) */
	int cls;			/* resolved class, never CLASS_AUTO */
	int priority;
	int weight;
	bool metered;
	bool enabled;
	struct cfg_list probe_targets;
	int reliability;
	int failback;			/* enum engine_failback */
	/* collector i's params (its member_options), i = slot in the registry */
	struct collector_params collect[COLLECT_SLOTS_MAX];
	int line;			/* line of the section in the file (0: from mwan3) */
	struct uplink_info up;		/* discovery's facts (discover.h); not an option */
	int flow_failback;		/* enum member_flow_failback */
	bool priority_set;		/* `option priority` written; else discovery may take mwan3's metric */
	/* metered data cap (src/daemon_caps.c, docs/DATA_CAPS.md) */
	int data_cap_mb;		/* 0: none; MB = 1,000,000 bytes */
	int data_cycle;			/* enum member_data_cycle */
	int data_reset_day;		/* monthly: day of the month (1-28), 00:00 UTC */
	int data_alert_pct;		/* data_alert event at this share of the cap */
	int data_cap_action;		/* enum member_data_action */
	int keep_warm_ms;		/* standby probes at least this often; 0 off */
};

/* Member options data_cycle and data_cap_action. */
enum member_data_cycle { DATA_CYCLE_DAILY, DATA_CYCLE_MONTHLY };
enum member_data_action { DATA_CAP_AVOID, DATA_CAP_STOP };

/* Member option flow_failback: its flows when left while it works. */
enum member_flow_failback { FLOW_MOVE, FLOW_KEEP, FLOW_METERED };

/* `config starfail 'main'` prometheus_* options (config_export.c, docs/PROMETHEUS.md). */
struct prom_params {
	bool enable;
	char listen[CFG_STR_MAX];
	int port, max_clients, timeout_ms, max_request_bytes;
};

/* `config starfail 'main'` mqtt_* options (config_export.c, docs/MQTT.md). */
struct mqtt_params {
	bool enable;
	char host[CFG_STR_MAX];
	int port;
	char client_id[CFG_STR_MAX], username[CFG_STR_MAX], password[CFG_STR_MAX];
	bool tls;
	char tls_ca_file[CFG_STR_MAX], tls_cert_file[CFG_STR_MAX], tls_key_file[CFG_STR_MAX];
	bool tls_insecure;
	int keepalive_s;
	char base_topic[CFG_STR_MAX], node_id[CFG_STR_MAX];
	int interval_ms;
	bool discovery;
	char discovery_prefix[CFG_STR_MAX];
	int retry_min_ms, retry_max_ms, max_inflight;
	int resolve_timeout_ms;
};

/* `config starfail 'main'` notify_* options (config_export.c, docs/NOTIFICATIONS.md). */
struct notify_params {
	struct cfg_list events;
	char hooks_dir[CFG_STR_MAX];
	int hook_timeout_ms;
	char webhook_url[CFG_STR_MAX], webhook_url_file[CFG_STR_MAX];
	int webhook_format;
	char webhook_token[CFG_STR_MAX], webhook_user[CFG_STR_MAX], telegram_chat_id[CFG_STR_MAX];
	int debounce_ms, rate_per_hour, retries, timeout_ms, queue_max;
};

extern const struct cfg_option notify_options[];
extern const struct cfg_option prom_options[];
extern const struct cfg_option mqtt_options[];

struct sf_config {
	char path[256];
	struct core_params core;
	struct engine_params engine;
	struct probe_params probe;
	struct ctl_params ctl;
	struct telemetry_params telemetry;
	int n_members;
	struct member_config members[MAX_MEMBERS];
	struct prom_params prom;
	struct mqtt_params mqtt;
	struct notify_params notify;
};

/* The exporters' options hang together (listen address, topics, retry range); -1 with err. */
int config_export_check(const struct sf_config *cfg, char *err, size_t len);

/* Outcome of a load: errors make it fail, warnings do not. */
struct config_report {
	int n_errors, n_warnings;
	int dropped;			/* messages beyond the cap, counted */
	char errors[CONFIG_MAX_ERRORS][CONFIG_MSG_MAX];
	char warnings[CONFIG_MAX_ERRORS][CONFIG_MSG_MAX];
};

/* Fill *cfg with every default and no members. */
void config_defaults(struct sf_config *cfg);

/* A member with every option at its default (no name). */
void config_member_defaults(struct member_config *m);

/* Read and validate a file. Returns 0 when usable (warnings allowed), -1 on errors. */
int config_load(const char *path, struct sf_config *cfg, struct config_report *rep);

/* Same from a buffer (tests, fuzzing). */
int config_load_buffer(const char *name, const char *buf, size_t len, struct sf_config *cfg,
		       struct config_report *rep);

const struct member_config *config_find_member(const struct sf_config *cfg, const char *name);
bool config_member_equal(const struct member_config *a, const struct member_config *b);

const char *member_class_name(int cls);

/* classify_dish_address split; -1 when it is not IPv4:port. */
int config_dish_address(const struct core_params *c, char host[CFG_STR_MAX], int *port);

/* Same global settings for probes (a change restarts every prober)? */
bool config_probe_equal(const struct sf_config *a, const struct sf_config *b);
bool config_ctl_equal(const struct sf_config *a, const struct sf_config *b);

/* The engine's view of member i. */
void config_engine_member(const struct member_config *mc, struct engine_member *out);

/* Probe settings of a member (global params + member options). 0 or -1 with err. */
int config_probe_member(const struct sf_config *cfg, const struct member_config *mc,
			struct probe_member_cfg *out, char *err, size_t errlen);

/*
 * What collector ops starts with for member mc, its collector_args.params:
 * its area in mc when it has member options (by its registry slot), the
 * prober's resolved probe config (built into *pc), else NULL. Returns -1
 * with err when they cannot be built.
 */
int config_collector_params(const struct sf_config *cfg, const struct member_config *mc,
			    const struct collector_ops *ops, struct probe_member_cfg *pc,
			    const void **params, char *err, size_t errlen);

/* The effective config as JSON (API `config`). */
struct json_object *config_to_json(const struct sf_config *cfg);

/* Markdown tables of every option, generated from the option tables (docs). */
void config_print_reference(FILE *out);

/* Add a message ("<file>:<line>: ..." or "<file>: ..." when line is 0) to rep. */
void config_report_add(struct config_report *rep, bool error, const char *file, int line,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Print a report, one message a line, to f. */
void config_report_print(const struct config_report *rep, FILE *f);

/* First error, or "" (for status and the log line on a failed reload). */
const char *config_report_first_error(const struct config_report *rep);

#endif
