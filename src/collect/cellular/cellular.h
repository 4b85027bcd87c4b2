/*
 * cellular.h - the cellular collector: radio figures of a member of class
 * cellular, read from whichever modem tool the router has, through
 * util/proc (never blocking the loop), at a slow cadence.
 *
 * Providers, tried in this order when cell_provider is auto: RutOS ubus
 * (`ubus call gsm.modemN get_signal_query`), RutOS `gsmctl`, ModemManager
 * (`mmcli -J -m N`), uqmi (`uqmi -d DEV --get-signal-info`), and AT commands
 * on a serial port when cell_at_port names one (cell_at.h). One poll runs
 * the first provider that is not backing off; when it fails (missing,
 * timed out, non-zero exit, output the parser refuses, no values) the
 * next one is tried in the same poll. A failing provider is retried after
 * cell_interval_ms, doubling per failure up to cell_backoff_max_ms. Each
 * provider's state (reason, since when, next try) is in the metrics
 * (cellular_metrics.h, docs/METRICS.md, docs/CELLULAR.md).
 *
 * One sample per poll: the cell block from the provider that answered, or
 * all unknown when none did (never the last values passed off as new).
 */
#ifndef SF_CELLULAR_H
#define SF_CELLULAR_H

#include "cfgtab.h"
#include "collector.h"

enum cell_provider {
	CELL_PROV_RUTOS_UBUS,
	CELL_PROV_GSMCTL,
	CELL_PROV_MMCLI,
	CELL_PROV_UQMI,
	CELL_PROV_AT,		/* AT commands on a serial port (cell_at.h); only with cell_at_port */
	__CELL_PROV_MAX
};

/* cell_provider option: "auto" (index 0) or one provider (index provider + 1). */
#define CELL_PROVIDER_AUTO 0

struct cellular_params {
	int provider;			/* CELL_PROVIDER_AUTO or enum cell_provider + 1 */
	int modem;			/* gsm.modemN, mmcli -m N */
	int interval_ms;		/* poll cadence */
	int timeout_ms;			/* per tool run */
	int backoff_max_ms;
	char uqmi_device[CFG_STR_MAX];
	char at_port[CFG_STR_MAX];	/* "": no AT provider */
	int at_timeout_ms;		/* per AT command */
	char at_lock_dir[CFG_STR_MAX];	/* UUCP lock files; "": none */
	/* dual SIM (cell_sim.h, daemon_sim.c); the floor is the engine's */
	bool sim_switch;
	int sim_command;		/* enum cell_sim_command */
	int sim_slots, sim_rounds;
	int sim_cooldown_ms, sim_verify_ms, sim_startup_ms, sim_failed_hold_ms, sim_timeout_ms;
	bool sim_on_weak, sim_on_roaming;
};

/*
 * How a SIM switch is made (cell_sim_command option):
 * sim_switch: `sim_switch change simN` (Teltonika's own scripts, RUT9xx);
 * ubus_sim: `ubus call sim change` (older RutOS: toggles the SIM);
 * at: AT+QUIMSLOT=N through the AT provider (refused while there is none).
 */
enum cell_sim_command { CELL_SIM_CMD_SIM_SWITCH, CELL_SIM_CMD_UBUS, CELL_SIM_CMD_AT, __CELL_SIM_CMD_MAX };

extern const struct cfg_option cellular_options[];
extern const char *const cell_provider_names[];	/* __CELL_PROV_MAX entries */
extern const struct collector_ops cellular_collector;

/* What the SIM logic reads of a running collector (cellular_sim_view). */
struct cell_info;
struct cellular_sim_view {
	uint64_t polls;			/* polls ended (good or not): a new one when it grows */
	bool answered;			/* the latest poll had a provider answering */
	const struct cell_info *radio;	/* its figures (valid until the next poll) */
	const struct cellular_params *params;
	bool busy;			/* a SIM command is queued or running */
};
void cellular_sim_view(const void *inst, struct cellular_sim_view *out);

/*
 * Switch the modem to slot (cell_sim_command, cell_sim_timeout_ms) through
 * util/proc, after the poll that runs (never at the same time as a tool of
 * the poll: one child on the modem at a time). done gets ok (exit 0) and a
 * one-line reason, from the loop, unless the collector is stopped first
 * (then never). -1 with reason in err when it cannot be started (a command
 * is already queued, the AT provider is missing).
 */
typedef void (*cellular_sim_done_fn)(void *ctx, bool ok, const char *cmd, const char *reason);
int cellular_sim_exec(void *inst, int slot, cellular_sim_done_fn done, void *ctx, char *err, size_t errlen);

#endif
