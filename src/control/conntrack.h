/*
 * conntrack.h - delete the conntrack entries bound to one uplink, through
 * ctnetlink (util/nl.h over libmnl; no libnetfilter-conntrack).
 *
 * An entry is bound to the uplink when its reply tuple's destination is
 * the uplink's address (SNAT/masquerade: replies come back to the NAT
 * address; the router's own flows: their source), or when its ctmark
 * under mark_mask equals mark (mwan3 saves its interface mark into the
 * connmark). Everything else is left alone: unrelated flows on the other
 * uplinks and LAN-internal flows keep their state.
 *
 * The table is dumped per family (AF_INET, then AF_INET6 when an IPv6
 * address or a mark is given), matching entries are kept (their original
 * tuple exactly as dumped, and their id so a newer entry with the same
 * tuple is not hit) and deleted one request each, at most CT_BATCH per
 * pass, CT_PASSES passes. Synchronous, each exchange bounded by
 * timeout_ms: the local kernel answers in microseconds per entry. An entry
 * already gone (ENOENT) counts as deleted; a message that cannot be read
 * counts as failed and is never guessed at.
 */
#ifndef SF_CONNTRACK_H
#define SF_CONNTRACK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controller.h"

#define CT_BATCH 4096
#define CT_PASSES 4

struct ct_match {
	bool has_addr4, has_addr6, has_mark;
	struct in_addr addr4;
	struct in6_addr addr6;
	uint32_t mark, mark_mask;
};

/* The match of a target: its source addresses (the mark is the backend's to add). */
void ct_match_from_target(struct ct_match *m, const struct ctl_target *t);

/* Delete what m matches; counts in n. 0, or -1 with err (nothing, or part, deleted: see n). */
int ct_flush(const struct ct_match *m, int timeout_ms, struct ctl_flow_counts *n, char *err, size_t errlen);

/* The test of one dumped message (public for tests and the fuzzer): 1 match, 0 not, -1 unreadable. */
int ct_msg_matches(const struct ct_match *m, const void *nlh);

#endif
