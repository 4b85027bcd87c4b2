/*
 * discover.h - the members the daemon runs: Starfail's config merged with
 * what discovery learned (/etc/config/mwan3, netifd's dump, the class
 * evidence). A pure function of its inputs (plus stat() of sysfs for the
 * Wi-Fi test), so the same merge runs in the daemon and in the unit tests.
 *
 * Rules:
 *  - Every `config member` of the file stays, in its order, with its own
 *    options; discovery only adds facts (member_config.up) and, when the
 *    member has no `device`, the device netifd names for its `interface`.
 *  - With use_mwan3, each enabled IPv4 `config interface` of mwan3 that no
 *    config member covers (same `interface`, or a member named after it
 *    without an interface) becomes a member after them: named after the
 *    interface, priority = its preferred mwan3 member's metric (capped at
 *    255), class auto, the other options at their defaults. Disabled and
 *    IPv6-family mwan3 interfaces are not members of their own (a member
 *    covers both families of its device); each one left out is a warning.
 *  - Device: `option device`, else netifd's l3_device of the interface (of
 *    its "<iface>_4"/"_6" sub-interface for qmi/ncm), else the device the
 *    previous merge had from netifd (kept while netifd says nothing new),
 *    else none: the member is unusable and up.unusable says why (netifd not
 *    asked yet, ubus failed, interface unknown to netifd, interface down).
 *  - Two members on one device: the later one is unusable, saying so.
 *  - Class `auto`: classify_uplink() on the evidence; up.class_reason.
 */
#ifndef SF_DISCOVER_H
#define SF_DISCOVER_H

#include "config.h"
#include "mwan3.h"
#include "netifd.h"

/* What a dish check found on one device (the daemon runs them). */
struct discover_evidence {
	char device[IF_NAMESIZE];
	int dish;			/* 1 answered, 0 did not */
	char detail[200];
};

struct discover_input {
	const struct sf_config *file;		/* as loaded from /etc/config/starfail */
	const struct mwan3_config *mwan3;	/* NULL: use_mwan3 off */
	const char *mwan3_error;		/* why mwan3 could not be read, or NULL */
	const struct netifd_state *netifd;	/* NULL: no good dump (yet) */
	const char *netifd_error;		/* why not; NULL: not asked yet */
	const struct sf_config *prev;		/* the previous merge, or NULL */
	const struct discover_evidence *ev;	/* dish checks done so far */
	int n_ev;
	const char *sysfs_net;			/* "/sys/class/net" (tests: a copy) */
};

/*
 * *out = the file's config with the merged members. Warnings (mwan3
 * interfaces left out) go to rep, which is reset. Never fails: what cannot
 * be resolved is an unusable member with its reason.
 */
void discover_merge(const struct discover_input *in, struct sf_config *out,
		    struct config_report *rep);

/* Does this config need netifd (a member with an interface but no device, or use_mwan3)? */
bool discover_needs_netifd(const struct sf_config *file);

#endif
