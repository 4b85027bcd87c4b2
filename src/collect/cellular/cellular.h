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
};

extern const struct cfg_option cellular_options[];
extern const char *const cell_provider_names[];	/* __CELL_PROV_MAX entries */
extern const struct collector_ops cellular_collector;

#endif
