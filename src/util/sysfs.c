/*
 * sysfs.c - a network device's counter files (sysfs.h).
 */
#include "sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool sysfs_dev_name_ok(const char *dev)
{
	size_t n = strlen(dev);
	return n > 0 && n < 16 && !strchr(dev, '/') && strcmp(dev, ".") && strcmp(dev, "..");
}

int sysfs_net_open(const char *dev, const char *file)
{
	char path[128];
	if (!sysfs_dev_name_ok(dev) ||
	    snprintf(path, sizeof(path), "/sys/class/net/%s/%s", dev, file) >= (int)sizeof(path)) {
		errno = EINVAL;
		return -1;
	}
	return open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
}

int sysfs_read_u64(int fd, uint64_t *out)
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

bool sysfs_net_u64(const char *dev, const char *file, uint64_t *out)
{
	int fd = sysfs_net_open(dev, file);
	if (fd < 0)
		return false;
	int rc = sysfs_read_u64(fd, out);
	close(fd);
	return rc == 0;
}
