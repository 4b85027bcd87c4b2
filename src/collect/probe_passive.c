/* probe_passive.c - the device's packet counters for the passive stall rule; see probe_boost.h */
#include "probe_boost.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void probe_counters_init(struct probe_counters *c)
{
	c->fd_rx = c->fd_tx = -1;
}

void probe_counters_close(struct probe_counters *c)
{
	if (c->fd_rx >= 0)
		close(c->fd_rx);
	if (c->fd_tx >= 0)
		close(c->fd_tx);
	c->fd_rx = c->fd_tx = -1;
}

static int open_stat(const char *device, const char *name)
{
	char path[128];
	/* a device name with '/' or dots would leave the directory */
	if (!*device || strchr(device, '/') || !strcmp(device, ".") || !strcmp(device, ".."))
		return -1;
	if (snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", device, name) >=
	    (int)sizeof(path))
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
}

int probe_counters_open(struct probe_counters *c, const char *device)
{
	probe_counters_close(c);
	c->fd_rx = open_stat(device, "rx_packets");
	c->fd_tx = open_stat(device, "tx_packets");
	if (c->fd_rx < 0 || c->fd_tx < 0) {
		probe_counters_close(c);
		return -1;
	}
	return 0;
}

static int read_u64(int fd, uint64_t *out)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || buf[0] == '-')
		return -1;
	*out = v;
	return 0;
}

int probe_counters_read(struct probe_counters *c, uint64_t *rx, uint64_t *tx)
{
	if (c->fd_rx < 0 || c->fd_tx < 0)
		return -1;
	return read_u64(c->fd_rx, rx) || read_u64(c->fd_tx, tx) ? -1 : 0;
}
