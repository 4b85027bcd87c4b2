/*
 * sysfs.h - a network device's files under /sys/class/net/DEV/: its
 * counters (statistics/rx_bytes, statistics/tx_packets, ...) and ifindex,
 * read as unsigned decimals. The device name comes from the config or the
 * kernel and is checked so that the path cannot leave the directory.
 */
#ifndef SF_SYSFS_H
#define SF_SYSFS_H

#include <stdbool.h>
#include <stdint.h>

/* A usable device name: 1..15 bytes, no '/', not "." or "..". */
bool sysfs_dev_name_ok(const char *dev);
/* Open /sys/class/net/DEV/FILE read-only (O_CLOEXEC|O_NONBLOCK); fd or -1 with errno. */
int sysfs_net_open(const char *dev, const char *file);
/* The decimal in an open sysfs file (read from offset 0); 0, or -1 if unreadable or not a number. */
int sysfs_read_u64(int fd, uint64_t *out);
/* Open, read and close /sys/class/net/DEV/FILE; false when any of it fails. */
bool sysfs_net_u64(const char *dev, const char *file, uint64_t *out);

#endif
