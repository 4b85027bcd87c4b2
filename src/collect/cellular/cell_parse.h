/*
 * cell_parse.h - pure parsers of what cellular tools print: uqmi
 * --get-signal-info / --get-serving-system JSON, ModemManager `mmcli -J`
 * (modem and --signal-get), RutOS `ubus call gsm.modemN get_signal_query`
 * and `gsmctl` text, and AT responses (+CSQ, +CESQ, +CREG/+CGREG/+CEREG/
 * +C5GREG, +COPS, Quectel +QENG: "servingcell", +QUIMSLOT). No I/O, no
 * clock, no allocation that outlives a call: the collector (cellular.c)
 * and the fuzzer feed them bytes.
 *
 * Contract of every cell_parse_*(): input is len bytes (need not be
 * NUL-terminated, may hold anything); out must be cell_info_init()ed by
 * the caller and only fields the input states are set (a later parser can
 * add to the same struct). Returns the number of fields set (>= 0), or -1
 * with a one-line reason in err when the input is not what that tool
 * prints (garbage, wrong shape). 0 means "well-formed, nothing known".
 *
 * Unknown stays unknown: "--", "-", "N/A", 99 and 255 of AT, -32768 and
 * -200 of firmware, and any value outside the physically possible range of
 * its quantity (cell_parse.c: CELL_RANGE_*) leave the field unknown. The
 * scalings are in docs/CELLULAR.md.
 */
#ifndef SF_CELL_PARSE_H
#define SF_CELL_PARSE_H

#include <stddef.h>

#include "sample.h"

#define CELL_OPERATOR_MAX 48
#define CELL_SIM_SLOTS_SEEN 8		/* slots a provider may list */
#define CELL_INPUT_MAX (64 * 1024)	/* longer input is refused */

/* Radio access technology of the serving cell. */
enum cell_tech {
	CELL_TECH_UNKNOWN = -1,
	CELL_TECH_2G,		/* GSM, GPRS, EDGE */
	CELL_TECH_3G,		/* UMTS, HSPA, TD-SCDMA, CDMA/EVDO */
	CELL_TECH_LTE,
	CELL_TECH_5G_NSA,	/* LTE anchor + NR (EN-DC) */
	CELL_TECH_5G_SA,
	__CELL_TECH_MAX
};

/* Network registration (3GPP 27.007 <stat>, folded). */
enum cell_reg {
	CELL_REG_UNKNOWN = -1,
	CELL_REG_NONE,		/* not registered, not searching */
	CELL_REG_SEARCHING,
	CELL_REG_DENIED,
	CELL_REG_HOME,
	CELL_REG_ROAMING,
	CELL_REG_REGISTERED,	/* registered, home or roaming not stated */
	CELL_REG_EMERGENCY,	/* limited service: emergency calls only */
	__CELL_REG_MAX
};

/* What one poll of a modem says. NAN / -1 / TRI_UNKNOWN / "" = unknown. */
struct cell_info {
	double rssi_dbm, rsrp_dbm, rsrq_db, sinr_db;	/* LTE (or the only RAT: 2G/3G rssi) */
	double nr_rsrp_dbm, nr_rsrq_db, nr_sinr_db;	/* the NR leg (5G NSA or SA) */
	int tech;			/* enum cell_tech */
	int reg;			/* enum cell_reg */
	enum tri roaming;
	int sim_slot;			/* 1..; -1 unknown */
	/* what the provider says each slot holds (mmcli's sim-slots): "1:sim 2:empty";
	 * "" unknown. sim_empty: bit s set for slot s listed as empty. */
	char sim_slots[CELL_SIM_SLOTS_SEEN * 8];
	unsigned sim_empty;
	double temp_c;			/* modem temperature */
	char operator_name[CELL_OPERATOR_MAX];	/* sanitised; "" unknown */
};

void cell_info_init(struct cell_info *ci);

/* Copy every known field of src over dst. */
void cell_info_merge(struct cell_info *dst, const struct cell_info *src);

/* Names for logs and metrics ("LTE", "5G NSA", ...; "home", "roaming", ...). */
const char *cell_tech_name(int tech);
const char *cell_reg_name(int reg);
extern const char *const cell_tech_names[];	/* __CELL_TECH_MAX entries */
extern const char *const cell_reg_names[];	/* __CELL_REG_MAX entries */

/* Access technology from a tool's word ("lte", "5gnr", "WCDMA", "5G-NSA", ...). */
int cell_tech_from_word(const char *s, size_t len);

/* Fill the sample's cell block (the LTE figures; the NR ones for 5G SA). */
void cell_info_to_sample(const struct cell_info *ci, struct cellular_metrics *out);

/* The parsers; see the contract above. */
int cell_parse_uqmi_signal(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen);
int cell_parse_uqmi_serving(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen);
int cell_parse_mmcli_modem(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen);
int cell_parse_mmcli_signal(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen);
int cell_parse_ubus_signal(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen);
int cell_parse_ubus_sim_slot(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen);
int cell_parse_gsmctl_signal(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen);
int cell_parse_gsmctl_operator(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen);
int cell_parse_gsmctl_nettype(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen);
int cell_parse_gsmctl_temp(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen);
/* Any AT response text: every line it knows is used, the rest skipped. */
int cell_parse_at(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen);

/* Every parser by name, for the fuzzer and the golden tests. */
typedef int (*cell_parse_fn)(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen);
struct cell_parser {
	const char *name;
	cell_parse_fn fn;
};
extern const struct cell_parser cell_parsers[];	/* NULL-terminated */
cell_parse_fn cell_parser_find(const char *name);

#endif
