/*
 * uplink.h - what discovery learned of one member (uplink): where it came
 * from, what mwan3 and netifd say of it, why it has its class, and why it
 * cannot be used when it cannot. Filled by config/discover.c from the
 * Starfail config, /etc/config/mwan3 (mwan3.h) and netifd's
 * `ubus call network.interface dump` (collect/netifd.h); carried in the
 * member's config (config.h: member_config.up) and shown by `members`.
 * Header-only: the currency between config, the daemon, the API and the
 * mwan3 controller (which needs mwan3.member/metric/weight and the device
 * and addresses of each member).
 */
#ifndef SF_UPLINK_H
#define SF_UPLINK_H

#include <net/if.h>
#include <stdbool.h>

#include "mwan3.h"

#define UPLINK_ADDRS_MAX 4
#define UPLINK_ADDR4_MAX 16		/* "255.255.255.255" + NUL */
#define UPLINK_ADDR6_MAX 46		/* INET6_ADDRSTRLEN */
#define UPLINK_PROTO_MAX 24
#define UPLINK_REASON_MAX 160

/* Where the member comes from (bits). */
#define UPLINK_FROM_CONFIG (1u << 0)	/* a `config member` of /etc/config/starfail */
#define UPLINK_FROM_MWAN3 (1u << 1)	/* a `config interface` of /etc/config/mwan3 */

/* Where member_config.device came from. */
enum uplink_devsrc {
	UPLINK_DEV_NONE = 0,		/* not resolved: the member is unusable (up.unusable) */
	UPLINK_DEV_CONFIG,		/* `option device` */
	UPLINK_DEV_NETIFD,		/* netifd's l3_device (or its device) of the interface */
	UPLINK_DEV_LAST,		/* netifd no longer says; the last one it said is kept */
};

/* What /etc/config/mwan3 says of the member's interface. */
struct uplink_mwan3 {
	bool present;			/* a `config interface` of that name */
	bool enabled;
	int family;			/* 4 or 6 */
	int line;			/* of the `config interface` */
	/* the preferred `config member` naming the interface (lowest metric,
	 * then first in the file); member[0] == 0 when none */
	char member[MWAN3_NAME_MAX];
	int metric;
	int weight;
	int n_members;			/* members naming it (one per policy tier) */
};

/* What netifd says of the member's interface (the last dump). */
struct uplink_netifd {
	bool known;			/* the interface is in the dump */
	bool up;
	char proto[UPLINK_PROTO_MAX];	/* dhcp, static, qmi, wwan, ... */
	char l3_device[IF_NAMESIZE];
	char via[MWAN3_NAME_MAX];	/* the dynamic sub-interface that carries the
					   addresses (qmi/ncm: "<iface>_4"), or "" */
	char gw4[UPLINK_ADDR4_MAX];	/* nexthop of the route with target 0.0.0.0/0, or "" */
	char gw6[UPLINK_ADDR6_MAX];	/* ... of ::/0 */
	bool route4, route6;		/* such a default route exists (gw may be "": on-link) */
	int n_addr4, n_addr6;
	char addr4[UPLINK_ADDRS_MAX][UPLINK_ADDR4_MAX];
	char addr6[UPLINK_ADDRS_MAX][UPLINK_ADDR6_MAX];
};

struct uplink_info {
	unsigned from;			/* UPLINK_FROM_* */
	enum uplink_devsrc devsrc;
	struct uplink_mwan3 mwan3;
	struct uplink_netifd netifd;
	char class_reason[UPLINK_REASON_MAX];	/* why member_config.cls is what it is */
	char unusable[UPLINK_REASON_MAX];	/* "" or why discovery leaves it unusable */
};

#endif
