/*
 * controller.h - the one OS boundary for actions: make one member the
 * uplink of the router.
 *
 * The engine decides, the daemon calls controller_apply() with the chosen
 * member (or NULL when no member is usable); a backend does the OS work.
 * Backends, chosen by name (option `controller`):
 *   "route"  - ctl_route.c: a default route owned by Starfail via rtnetlink,
 *              IPv4 and IPv6, in its own table behind two ip rules (default)
 *              or in the main table with a low metric. Never touches routes
 *              or rules it does not own (those of netifd, DHCP, the admin).
 *   "dryrun" - ctl_dryrun.c: logs what it would do, changes nothing.
 *   "mwan3"  - later: will need member and netifd interface names, which
 *              ctl_target therefore carries next to device and gateways.
 *
 * Lifecycle: controller_new -> init (removes leftovers of a crashed run)
 * -> apply* -> shutdown (removes what it installed; the system falls back
 * to its own routes) -> controller_free.
 *
 * Calls are short and non-blocking (netlink requests to the local kernel,
 * answered within the call). Failures return -1 and leave a message in
 * controller_error(); the controller stays usable and the next apply retries.
 */
#ifndef SF_CONTROLLER_H
#define SF_CONTROLLER_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfgtab.h"
#include "link.h"


/* The member to route through, as the controller needs it. */
struct ctl_target {
	char member[CFG_STR_MAX];	/* Starfail member name */
	char iface[CFG_STR_MAX];	/* netifd interface (e.g. "wan", "mob1s1a1"); for mwan3 */
	char device[IF_NAMESIZE];	/* Linux device */
	int ifindex;
	bool use4, use6;		/* route this family through the member */
	bool has_gw4, has_gw6;		/* else on-link default (ppp, wwan, tun) */
	struct in_addr gw4;
	struct in6_addr gw6;
	bool has_src4, has_src6;	/* preferred source address (optional) */
	struct in_addr src4;
	struct in6_addr src6;
};

/* Fill a target from linkmon's view of the member's device. */
void ctl_target_from_link(struct ctl_target *t, const char *member, const char *iface,
			  const struct link_info *li);

/* Tunables of the controllers (UCI section `globals`). */
struct ctl_params {
	char backend[CFG_STR_MAX];	/* controller: "route" or "dryrun" */
	int route_table;		/* route_table: own table id; 254 (main) = metric mode */
	int route_metric;		/* route_metric */
	int rule_priority;		/* route_rule_priority: first of our two rules */
	bool ipv6;			/* route_ipv6: also manage the IPv6 default */
};

extern const struct cfg_option ctl_options[];

struct controller;

struct controller_ops {
	const char *name;
	int (*init)(struct controller *c);
	/* primary NULL: no usable member, remove ours, let the system route. */
	int (*apply)(struct controller *c, const struct ctl_target *primary);
	/*
	 * Hook for a later issue: drop conntrack flows pinned to a dead
	 * member so they re-route. NULL or returning 0 = nothing done.
	 */
	int (*flush_flows)(struct controller *c, const struct ctl_target *dead);
	void (*shutdown)(struct controller *c);
	void (*destroy)(struct controller *c);
};

struct controller {
	const struct controller_ops *ops;
	struct ctl_params params;
	void *priv;			/* backend state */
	bool active;			/* a member is applied */
	struct ctl_target current;	/* valid when active */
	uint64_t applies, failures;
	char error[160];		/* last failure, "" if none */
	char state[160];		/* one line for `status` */
};

extern const struct controller_ops ctl_route_ops;
extern const struct controller_ops ctl_dryrun_ops;

/*
 * Create the backend called name with params p (copied). Returns NULL with
 * a message in err for an unknown name or when the backend cannot start.
 */
struct controller *controller_new(const char *name, const struct ctl_params *p,
				  char *err, size_t errlen);
int controller_init(struct controller *c);
int controller_apply(struct controller *c, const struct ctl_target *primary);
int controller_flush_flows(struct controller *c, const struct ctl_target *dead);
void controller_shutdown(struct controller *c);
void controller_free(struct controller *c);

static inline const char *controller_error(const struct controller *c)
{
	return c->error;
}

static inline const char *controller_state(const struct controller *c)
{
	return c->state;
}

#endif
