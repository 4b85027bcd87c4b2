/*
 * link.h - what the kernel says of one network device, and the netlink
 * identifiers Starfail puts on what it installs. Shared by the link monitor
 * (collect/linkmon), the prober, the controllers and the daemon; owned by
 * none of them.
 */
#ifndef SF_LINK_H
#define SF_LINK_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * rtnetlink protocol number of every route and rule Starfail installs
 * ("proto 73" in `ip route`). Not in iproute2's rt_protos list (0-18, 42,
 * 99, 186-192); used to find our routes after a crash and to tell them from
 * netifd's (static/boot), the kernel's and routing daemons'.
 */
#define SF_RTPROT 73

struct link_family {
	bool has_addr;		/* usable source address */
	bool has_route;		/* default route via this device (not ours) */
	bool has_gw;		/* that route has a gateway (else on-link, e.g. ppp/wwan) */
	uint32_t metric;	/* lowest metric of those routes */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr, gw;
};

struct link_info {
	char ifname[IF_NAMESIZE];
	bool exists;
	int ifindex;
	bool admin_up;		/* IFF_UP */
	bool carrier;		/* IFF_UP and IFF_RUNNING (operstate up/unknown) */
	struct link_family v4, v6;
	char reason[64];	/* why the device is unusable; "" when usable in a family */
};

/* True when the device can carry traffic of that family (AF_INET/AF_INET6). */
static inline bool link_usable(const struct link_info *li, int family)
{
	const struct link_family *f = family == AF_INET6 ? &li->v6 : &li->v4;
	return li->exists && li->carrier && f->has_addr && f->has_route;
}

#endif
