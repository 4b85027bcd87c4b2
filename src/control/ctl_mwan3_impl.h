/*
 * ctl_mwan3_impl.h - what ctl_mwan3.c (the pipeline of commands, apply,
 * reconciliation, restore) and ctl_mwan3_parse.c (mwan3's answers, the
 * state file, the metrics) share. Private to the mwan3 backend.
 *
 * Everything read here comes from tools (ubus, uci) and is hostile: a
 * parser returns -1 with a reason and never trusts a length, a nesting or
 * a name it has not checked.
 */
#ifndef SF_CTL_MWAN3_IMPL_H
#define SF_CTL_MWAN3_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controller.h"

#define M3_IFACES_MAX 32	/* mwan3 interfaces read */
#define M3_SECTIONS_MAX 64	/* mwan3 member sections read */
#define M3_POLICIES_MAX 32
#define M3_POLICY_IFACES_MAX 16
#define M3_NAME_MAX CFG_STR_MAX
#define M3_OUT_CAP (256 * 1024)	/* output of one tool kept (rpcd's own cap) */
#define M3_METRIC_BASE 1	/* metric of the primary's members; the others follow in Starfail's order */

/* `ubus call mwan3 status '{"section":"interfaces"}'`: mwan3track's view. */
struct m3_iface {
	char name[M3_NAME_MAX];
	char status[16];	/* online, offline, connecting, disconnecting, unknown, ... */
	bool up;		/* netifd's up */
	bool enabled;
};

struct m3_status {
	int n;
	struct m3_iface i[M3_IFACES_MAX];
};

/* `... {"section":"policies"}`: the interfaces each policy uses now (IPv4 and IPv6 together). */
struct m3_policy {
	char name[M3_NAME_MAX];
	int n;
	char iface[M3_POLICY_IFACES_MAX][M3_NAME_MAX];
};

struct m3_policies {
	int n;
	struct m3_policy p[M3_POLICIES_MAX];
};

/*
 * `uci -q show mwan3`, the little the controller needs of it. MINIMAL
 * READER, to be replaced by the discovery's parsed mwan3 config once it is
 * merged: interface sections in file order (mwan3's interface ids, hence
 * its marks), member sections (interface, metric) and globals.mmx_mask.
 */
struct m3_section {
	char name[M3_NAME_MAX];	/* as uci names it (may be @member[2]) */
	char iface[M3_NAME_MAX];
	bool has_metric;
	int metric;
};

struct m3_uci {
	int n_ifaces;
	char ifaces[M3_IFACES_MAX][M3_NAME_MAX];	/* id = index + 1 */
	int n;
	struct m3_section s[M3_SECTIONS_MAX];
	uint32_t mmx_mask;
};

/* What Starfail changed and must put back (the state file, see ctl_mwan3.c). */
struct m3_saved {
	char section[M3_NAME_MAX];
	bool had_metric;
	int metric;		/* the user's value, restored on stop */
	int ours;		/* the value Starfail set, 0 = none yet */
};

struct m3_record {
	int mode;		/* enum ctl_mwan3_mode of the run that wrote it */
	int n_saved;
	struct m3_saved saved[M3_SECTIONS_MAX];
	int n_demoted;
	char demoted[CTL_MEMBERS_MAX][M3_NAME_MAX];	/* interfaces made disconnected */
	char demoted_dev[CTL_MEMBERS_MAX][IF_NAMESIZE];
};

int m3_parse_status(const char *json, struct m3_status *st, char *err, size_t errlen);
int m3_parse_policies(const char *json, struct m3_policies *po, char *err, size_t errlen);
int m3_parse_uci(const char *text, struct m3_uci *u, char *err, size_t errlen);

const struct m3_iface *m3_status_find(const struct m3_status *st, const char *iface);
/* mwan3 lets traffic use iface: its tracker says online, or it has no tracker and netifd has it up. */
bool m3_iface_usable(const struct m3_iface *i);
/* iface is in the current interface list of any policy. */
bool m3_policies_use(const struct m3_policies *po, const char *iface);
/* Some policy uses both a and b now. */
bool m3_policies_share(const struct m3_policies *po, const char *a, const char *b);

/* mwan3's mark of interface id (1-based) under mask (mwan3_id2mask: the id's bits spread over the mask's). */
uint32_t m3_id2mark(unsigned id, uint32_t mask);
/* The mark of iface in u, 0 when unknown. */
uint32_t m3_iface_mark(const struct m3_uci *u, const char *iface);

/*
 * The metric member section s must have with primary iface `primary`
 * ("" = none): M3_METRIC_BASE for the primary's sections, then BASE + 1 +
 * the rank of its member among the other managed members (Starfail's
 * order); -1 for a section of an interface Starfail does not manage. A
 * function of (members, primary) only: switching never moves it further.
 */
int m3_metric_for(const struct controller *c, const char *primary, const struct m3_section *s);

/* The state file: 0; 1 when absent; -1 when unreadable (err). Written atomically (tmp + rename). */
int m3_record_load(const char *path, struct m3_record *r, char *err, size_t errlen);
int m3_record_save(const char *path, const struct m3_record *r, char *err, size_t errlen);
struct m3_saved *m3_record_find(struct m3_record *r, const char *section);
bool m3_record_demoted(const struct m3_record *r, const char *iface);

#endif
