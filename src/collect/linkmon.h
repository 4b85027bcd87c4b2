/*
 * linkmon.h - link monitor: what the kernel says about each uplink device.
 *
 * One rtnetlink socket (util/nl.h) subscribed to link, IPv4/IPv6 address and
 * IPv4/IPv6 route events. Events are not interpreted one by one: the first
 * message of a burst arms a short timer (coalesce_ms, 50 ms), and when it
 * fires linkmon re-reads links, addresses and routes with non-blocking dumps
 * (also done at start and after a socket overrun), compares with what it knew
 * and calls on_change() once per device whose state changed. A burst of 1000
 * route messages costs one resync.
 *
 * For each device it keeps: existence, ifindex, carrier (IFF_UP and
 * IFF_RUNNING), the preferred IPv4 and global IPv6 source address, and the
 * default route via that device in the main table (gateway or on-link),
 * ignoring routes whose protocol is Starfail's (SF_RTPROT, types/link.h).
 * A device that is unusable gets a reason ("no such device", "no carrier",
 * "no IPv4/IPv6 address", "no default route").
 */
#ifndef SF_LINKMON_H
#define SF_LINKMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link.h"

struct ev_loop;

#define LINKMON_MAX_LINKS 256	/* devices tracked; more are ignored and counted */
#define LINKMON_COALESCE_MS 50

/* struct link_info and link_usable(): types/link.h */


struct linkmon_stats {
	uint64_t messages;	/* event messages received */
	uint64_t resyncs;	/* dumps done (coalesced bursts + start + overruns) */
	uint64_t overruns;	/* ENOBUFS on the event socket */
	uint64_t links_dropped;	/* devices over LINKMON_MAX_LINKS */
	uint64_t errors;	/* malformed messages, failed dumps */
	int links;		/* devices known now */
};

struct linkmon;
typedef void (*linkmon_change_cb)(void *ctx, const char *ifname);

/*
 * Open the netlink socket, start the first dump. on_change(ctx, ifname) is
 * called from the loop for every device whose state changed (appeared,
 * vanished, carrier, address, default route), after the first dump for every
 * device. Returns NULL (errno set, error logged) when netlink is unavailable.
 */
struct linkmon *linkmon_new(struct ev_loop *loop, linkmon_change_cb on_change, void *ctx);
void linkmon_free(struct linkmon *lm);

/* True once the first dump has completed. */
bool linkmon_ready(const struct linkmon *lm);

/*
 * State of ifname. Always fills *out: a device not (yet) seen has
 * exists=false and reason "no such device". Returns 0 when known, -1 if not.
 */
int linkmon_query(const struct linkmon *lm, const char *ifname, struct link_info *out);

/* Force a resync now (e.g. after reload). */
void linkmon_resync(struct linkmon *lm);

void linkmon_get_stats(const struct linkmon *lm, struct linkmon_stats *out);

/*
 * For the fuzzer and tests: a link monitor without sockets, fed by hand.
 * linkmon_feed() takes one datagram of dump replies as the kernel sends
 * them for request (seq LINKMON_FEED_SEQ, port 0): RTM_NEWLINK, NEWADDR and
 * NEWROUTE are parsed, other types ignored, NLMSG_DONE/ERROR end it. It is
 * validated (nl_check_replies) and parsed exactly like a real dump; with
 * end set, the resync then ends as a real one does (on_change per device
 * that changed). Returns nl_check_replies()' verdict (1, 0 or -1).
 */
#define LINKMON_FEED_SEQ 1
struct linkmon *linkmon_new_offline(struct ev_loop *loop, linkmon_change_cb on_change, void *ctx);
int linkmon_feed(struct linkmon *lm, const void *buf, size_t len, bool end);

#endif
