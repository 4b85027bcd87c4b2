/* probe_passive.c - the device's packet counters for the passive stall rule; see probe_boost.h */
#include "probe_boost.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysfs.h"

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

int probe_counters_open(struct probe_counters *c, const char *device)
{
	probe_counters_close(c);
	c->fd_rx = sysfs_net_open(device, "statistics/rx_packets");
	c->fd_tx = sysfs_net_open(device, "statistics/tx_packets");
	if (c->fd_rx < 0 || c->fd_tx < 0) {
		probe_counters_close(c);
		return -1;
	}
	return 0;
}

int probe_counters_read(struct probe_counters *c, uint64_t *rx, uint64_t *tx)
{
	if (c->fd_rx < 0 || c->fd_tx < 0)
		return -1;
	return sysfs_read_u64(c->fd_rx, rx) || sysfs_read_u64(c->fd_tx, tx) ? -1 : 0;
}
