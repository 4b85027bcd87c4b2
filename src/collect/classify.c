/* classify.c - uplink classes from evidence; see classify.h */
#include "classify.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ev.h>

#include "clock.h"

static const char *const cellular_protos[] = { "qmi", "ncm", "mbim", "modemmanager", "3g", "wwan",
					       NULL };

bool classify_cellular_proto(const char *proto)
{
	for (int i = 0; proto && cellular_protos[i]; i++)
		if (!strcmp(proto, cellular_protos[i]))
			return true;
	return false;
}

/* One decimal number of 1..3 digits at *p, advancing it. */
static bool number(const char **p)
{
	int n = 0;
	while (isdigit((unsigned char)**p) && n < 4) {
		(*p)++;
		n++;
	}
	return n >= 1 && n <= 3;
}

bool classify_rutos_mobile(const char *s)
{
	if (!s || strncmp(s, "mob", 3))
		return false;
	s += 3;
	if (!number(&s) || *s++ != 's' || !number(&s) || *s++ != 'a' || !number(&s))
		return false;
	return *s == 0;
}

bool classify_cgnat(const char *addr)
{
	struct in_addr a;
	if (!addr || inet_pton(AF_INET, addr, &a) != 1)
		return false;
	return (ntohl(a.s_addr) & 0xffc00000u) == 0x64400000u;
}

int classify_wireless(const char *sysfs_net, const char *dev)
{
	char p[512];
	struct stat st;
	if (!dev || !*dev || strchr(dev, '/') || !strcmp(dev, ".") || !strcmp(dev, ".."))
		return -1;
	snprintf(p, sizeof(p), "%s/%s", sysfs_net, dev);
	if (stat(p, &st) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/%s/wireless", sysfs_net, dev);
	if (stat(p, &st) == 0)
		return 1;
	snprintf(p, sizeof(p), "%s/%s/phy80211", sysfs_net, dev);
	return stat(p, &st) == 0 ? 1 : 0;
}

enum member_class classify_uplink(const struct classify_input *in, char *reason, size_t len)
{
	const struct uplink_netifd *nd = in->nd && in->nd->known ? in->nd : NULL;
	if (nd && classify_cellular_proto(nd->proto)) {
		snprintf(reason, len, "cellular: netifd proto '%s' of interface '%s'", nd->proto, in->iface);
		return CLASS_CELLULAR;
	}
	const char *rut = classify_rutos_mobile(in->iface) ? in->iface
			  : classify_rutos_mobile(in->name) ? in->name : NULL;
	if (rut) {
		snprintf(reason, len, "cellular: RutOS mobile interface name '%s' (mob<modem>s<sim>a<apn>)",
			 rut);
		return CLASS_CELLULAR;
	}
	if (in->dish == 1) {
		snprintf(reason, len, "starlink: the dish answered (%s)", in->dish_detail ? in->dish_detail : "");
		return CLASS_STARLINK;
	}
	for (int i = 0; nd && i < nd->n_addr4; i++)
		if (classify_cgnat(nd->addr4[i])) {
			snprintf(reason, len, "starlink: address %s is in 100.64.0.0/10 (Starlink's CGNAT)",
				 nd->addr4[i]);
			return CLASS_STARLINK;
		}
	if (in->wireless == 1) {
		snprintf(reason, len, "wifi: %s is a wireless station (sysfs wireless/phy80211)",
			 in->device);
		return CLASS_WIFI;
	}
	if (!in->device || !*in->device)
		snprintf(reason, len, "lan: not classified yet, device not resolved");
	else if (in->wireless < 0)
		snprintf(reason, len, "lan: not classified yet, device %s not present", in->device);
	else if (in->dish < 0)
		snprintf(reason, len, "lan: wired %s; dish check pending", in->device);
	else
		snprintf(reason, len, "lan: wired %s, no cellular proto, no dish (%s)", in->device,
			 in->dish_detail ? in->dish_detail : "not checked");
	return CLASS_LAN;
}

/* ---- the dish check ------------------------------------------------------ */

struct dish_check {
	struct ev_loop *loop;
	ev_io io;
	ev_timer timer;
	int fd;
	int64_t start_ms;
	int timeout_ms;
	char what[96];		/* "192.168.100.1:9200 via eth1" */
	char early[96];		/* a failure seen inside start, reported from the loop */
	dish_check_cb cb;
	void *ctx;
};

static void dish_end(struct dish_check *dc, bool answered, const char *tail)
{
	char detail[200];
	ev_io_stop(dc->loop, &dc->io);
	ev_timer_stop(dc->loop, &dc->timer);
	if (dc->fd >= 0)
		close(dc->fd);
	dc->fd = -1;
	snprintf(detail, sizeof(detail), "%.96s: %.96s", dc->what, tail);
	dish_check_cb cb = dc->cb;
	dc->cb = NULL;
	if (cb)
		cb(dc->ctx, answered, detail);
}

static void on_dish_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dish_check *dc = w->data;
	int e = 0;
	socklen_t l = sizeof(e);
	if (getsockopt(dc->fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
		e = errno;
	char t[64];
	snprintf(t, sizeof(t), "accepted in %lld ms", (long long)(clock_mono_ms() - dc->start_ms));
	if (e == 0)
		dish_end(dc, true, t);
	else if (e == ECONNREFUSED)
		dish_end(dc, false, "refused (a host answered, not the dish's gRPC port)");
	else
		dish_end(dc, false, strerror(e));
}

static void on_dish_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct dish_check *dc = w->data;
	char t[64];
	if (dc->early[0]) {
		dish_end(dc, false, dc->early);
		return;
	}
	snprintf(t, sizeof(t), "no answer in %d ms", dc->timeout_ms);
	dish_end(dc, false, t);
}

struct dish_check *dish_check_start(struct ev_loop *loop, const char *device, const char *addr,
				    int port, int timeout_ms, dish_check_cb cb, void *ctx, char *err,
				    size_t errlen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1 || port <= 0 || port > 65535) {
		snprintf(err, errlen, "dish check: '%s:%d' is not an IPv4 address and port", addr, port);
		return NULL;
	}
	struct dish_check *dc = calloc(1, sizeof(*dc));
	if (!dc) {
		snprintf(err, errlen, "dish check: out of memory");
		return NULL;
	}
	dc->loop = loop;
	dc->cb = cb;
	dc->ctx = ctx;
	dc->timeout_ms = timeout_ms;
	dc->start_ms = clock_mono_ms();
	snprintf(dc->what, sizeof(dc->what), "%s:%d via %s", addr, port, device);
	ev_io_init(&dc->io, on_dish_io, -1, EV_WRITE);
	ev_timer_init(&dc->timer, on_dish_timeout, timeout_ms / 1000.0, 0);
	dc->io.data = dc->timer.data = dc;
	dc->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (dc->fd < 0) {
		snprintf(err, errlen, "dish check: socket: %s", strerror(errno));
		free(dc);
		return NULL;
	}
	const char *step = NULL;
	if (setsockopt(dc->fd, SOL_SOCKET, SO_BINDTODEVICE, device, (socklen_t)strlen(device) + 1) < 0)
		step = "cannot bind to the device";
	else if (connect(dc->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		step = "connect";
	if (step) {
		/* reported from the loop like every other outcome */
		snprintf(dc->early, sizeof(dc->early), "%s: %s", step, strerror(errno));
		close(dc->fd);
		dc->fd = -1;
		ev_timer_set(&dc->timer, 0, 0);
		ev_timer_start(loop, &dc->timer);
		return dc;
	}
	ev_io_set(&dc->io, dc->fd, EV_WRITE);
	ev_io_start(loop, &dc->io);
	ev_timer_start(loop, &dc->timer);
	return dc;
}

void dish_check_free(struct dish_check *dc)
{
	if (!dc)
		return;
	ev_io_stop(dc->loop, &dc->io);
	ev_timer_stop(dc->loop, &dc->timer);
	if (dc->fd >= 0)
		close(dc->fd);
	free(dc);
}
