/*
 * classify.h - what kind of uplink a member is, for class `auto`, from
 * evidence only, never from its name alone (RutOS's mob<m>s<s>a<a> names
 * aside: RutOS gives that name to its mobile interfaces and nothing else).
 *
 * In order, the first that holds:
 *   cellular  netifd's proto is qmi, ncm, mbim, modemmanager, 3g or wwan;
 *             or the interface (or member) has a RutOS mobile name
 *   starlink  the dish answered a TCP connect to 192.168.100.1:9200 made
 *             through the member's device (dish_check_start); or one of
 *             its addresses is in 100.64.0.0/10 (Starlink's CGNAT)
 *   wifi      the device is a wireless station: /sys/class/net/DEV/wireless
 *             or /sys/class/net/DEV/phy80211 exists
 *   lan       otherwise
 * classify_uplink() returns the class and writes the reason the API shows.
 *
 * The dish check is a non-blocking connect bound to the device
 * (SO_BINDTODEVICE), with a timeout, driven by the loop: it never blocks.
 */
#ifndef SF_CLASSIFY_H
#define SF_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "sample.h"
#include "uplink.h"

struct ev_loop;

#define CLASSIFY_DISH_ADDR "192.168.100.1"
#define CLASSIFY_DISH_PORT 9200

struct classify_input {
	const char *name;		/* member name */
	const char *iface;		/* netifd interface, "" when none */
	const char *device;		/* Linux device, "" when not resolved */
	const struct uplink_netifd *nd;	/* NULL or !known: netifd says nothing */
	int wireless;			/* 1 a wireless station, 0 not, -1 not known */
	int dish;			/* 1 the dish answered, 0 it did not, -1 not checked yet */
	const char *dish_detail;	/* what the check saw ("192.168.100.1:9200 via eth1: ...") */
};

/* CLASS_STARLINK..CLASS_LAN, never CLASS_AUTO; reason always filled. */
enum member_class classify_uplink(const struct classify_input *in, char *reason, size_t len);

/* mob<modem>s<sim>a<apn>, each a decimal number (mob1s1a1, mob1s2a1, mob2s1a3). */
bool classify_rutos_mobile(const char *name);

/* A cellular netifd proto (qmi, ncm, mbim, modemmanager, 3g, wwan)? */
bool classify_cellular_proto(const char *proto);

/* Is dotted-quad addr in 100.64.0.0/10? */
bool classify_cgnat(const char *addr);

/* 1: sysfs_net/dev/wireless or .../phy80211 exists; 0: dev exists without; -1: no dev. */
int classify_wireless(const char *sysfs_net, const char *dev);

/*
 * TCP connect to addr:port bound to device, at most timeout_ms. cb fires
 * once, from the loop (never inside start), unless dish_check_free() comes
 * first: answered true when the connection was accepted, detail saying
 * what happened ("192.168.100.1:9200 via eth1: accepted in 3 ms",
 * "...: refused", "...: no answer in 1000 ms", "...: cannot bind to the
 * device: No such device"). NULL with err when no socket could be made.
 */
struct dish_check;
typedef void (*dish_check_cb)(void *ctx, bool answered, const char *detail);
struct dish_check *dish_check_start(struct ev_loop *loop, const char *device, const char *addr,
				    int port, int timeout_ms, dish_check_cb cb, void *ctx, char *err,
				    size_t errlen);
void dish_check_free(struct dish_check *dc);

#endif
