/*
 * mwan3.h - /etc/config/mwan3 as a plain value: its interfaces, members and
 * policies, each with the line it came from. Filled by config/mwan3cfg.c
 * (mwan3cfg_load), read by the daemon's discovery and by the mwan3
 * controller; owned by none of them. Header-only: no code.
 *
 * mwan3's own rules, as the structs keep them:
 *  - `config interface '<name>'`: the section name IS the netifd interface
 *    name; `enabled` defaults to 0, `family` to ipv4.
 *  - `config member '<name>'`: `interface` (required), `metric` (default
 *    1, lower = preferred tier), `weight` (default 1, share within a tier).
 *    One interface may have several members (one per policy tier).
 *  - `config policy '<name>'`: `use_member` list (indexes into members[]),
 *    `last_resort` unreachable (default) | blackhole | default. mwan3 skips
 *    policies whose name is longer than 15 characters.
 * Anything mwan3 would reject or ignore is a warning of the reader (with
 * file:line), and the entry is left out or marked, never silently changed.
 */
#ifndef SF_MWAN3_H
#define SF_MWAN3_H

#include <stdbool.h>

#define MWAN3_NAME_MAX 32		/* section names kept (longer: warning, skipped) */
#define MWAN3_IFACES_MAX 64
#define MWAN3_MEMBERS_MAX 128
#define MWAN3_POLICIES_MAX 64
#define MWAN3_POLICY_USE_MAX 16		/* use_member entries kept per policy */
#define MWAN3_POLICY_NAME_MAX 15	/* mwan3 skips longer policy names */
#define MWAN3_METRIC_MIN 1		/* luci-app-mwan3's range for member metric */
#define MWAN3_METRIC_MAX 256
#define MWAN3_WEIGHT_MIN 1		/* ... and weight */
#define MWAN3_WEIGHT_MAX 1000

struct mwan3_iface {
	char name[MWAN3_NAME_MAX];	/* = the netifd interface */
	bool enabled;
	int family;			/* 4 or 6 */
	int n_track_ip;			/* 0: mwan3track does not track it */
	int line;
};

struct mwan3_member {
	char name[MWAN3_NAME_MAX];
	char iface[MWAN3_NAME_MAX];	/* its `interface` */
	int iface_idx;			/* into ifaces[], -1: no such `config interface` */
	int metric;
	int weight;
	int line;
};

struct mwan3_policy {
	char name[MWAN3_NAME_MAX];
	int n_use;
	int use[MWAN3_POLICY_USE_MAX];	/* into members[] (unknown names left out, warned) */
	char last_resort[16];		/* unreachable | blackhole | default */
	int line;
};

struct mwan3_config {
	char path[256];
	bool loaded;			/* the file was read and parsed */
	int n_ifaces, n_members, n_policies;
	struct mwan3_iface ifaces[MWAN3_IFACES_MAX];
	struct mwan3_member members[MWAN3_MEMBERS_MAX];
	struct mwan3_policy policies[MWAN3_POLICIES_MAX];
};

#endif
