/*
 * netifd.h - netifd's view of the interfaces: `ubus call network.interface
 * dump`, run through util/proc (never blocking the loop, killed at its
 * timeout) and parsed with json-c as hostile input.
 *
 * The parser keeps, per interface: name, up, dynamic, proto, device,
 * l3_device, the IPv4/IPv6 addresses and the default routes (target
 * 0.0.0.0/0 and ::/0, their nexthop as the gateway). It refuses the whole
 * dump with a message naming what was wrong (not JSON, no "interface"
 * array, interface[3] "wan": "up" is not a boolean, an address that is
 * not one, a device name that cannot be a Linux device...) rather than
 * guess; unknown fields are ignored.
 *
 * Resolution (netifd_resolve): a qmi/ncm/mbim interface with DHCP carries
 * its addresses and routes on a dynamic sub-interface "<name>_4" /
 * "<name>_6" (netifd creates it; mwan3 PR #4174); when the interface itself
 * has none, those of the sub-interfaces are taken and `via` names them.
 */
#ifndef SF_NETIFD_H
#define SF_NETIFD_H

#include <stdbool.h>
#include <stddef.h>

#include "uplink.h"

struct ev_loop;
struct proc_pool;
struct proc_job;

#define NETIFD_IFACES_MAX 64
#define NETIFD_DUMP_MAX_BYTES (512 * 1024)	/* a dump of 64 interfaces is ~100 KiB */
#define NETIFD_MAX_DEPTH 16
#define NETIFD_ERR_MAX 200

struct netifd_iface {
	char name[MWAN3_NAME_MAX];
	bool dynamic;
	char device[IF_NAMESIZE];	/* "device" when it names a netdev, else "" */
	struct uplink_netifd st;	/* known = true */
};

struct netifd_state {
	int n;
	int skipped;			/* interfaces beyond NETIFD_IFACES_MAX */
	struct netifd_iface ifaces[NETIFD_IFACES_MAX];
};

/* Parse a dump. 0, or -1 with err ("netifd dump: ...") and *out emptied. */
int netifd_parse_dump(const char *buf, size_t len, struct netifd_state *out, char *err,
		      size_t errlen);

const struct netifd_iface *netifd_find(const struct netifd_state *st, const char *name);

/*
 * What netifd says of interface name, sub-interfaces folded in (above):
 * *out filled (out->known false when netifd does not know it), dev gets
 * the Linux device (l3_device, else a netdev "device", else "").
 */
void netifd_resolve(const struct netifd_state *st, const char *name, struct uplink_netifd *out,
		    char dev[IF_NAMESIZE]);

/*
 * Run `ubus call network.interface dump` (argv[0] "ubus", found in $PATH)
 * with timeout_ms; cb gets the proc result (proc.h) and hands it to
 * netifd_dump_result(). NULL with err when it could not be queued.
 */
struct proc_result;
struct proc_job *netifd_dump_start(struct proc_pool *pool, int timeout_ms,
				   void (*cb)(const struct proc_result *res, void *ctx), void *ctx,
				   char *err, size_t errlen);

/*
 * The state from a finished job: 0, or -1 with err saying why ("ubus: timed
 * out after 3000 ms", "ubus: exited 4: Command failed: Not found",
 * "ubus: could not start: No such file or directory", "netifd dump: ...").
 */
int netifd_dump_result(const struct proc_result *res, struct netifd_state *out, char *err,
		       size_t errlen);

#endif
