/*
 * test_sysfs.c - a device's sysfs files (sysfs.h): names that would leave
 * /sys/class/net refused; lo's ifindex (1 in every network namespace) and
 * counters read; a file that is not a number refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "sysfs.h"

static void test_names(void **state)
{
	(void)state;
	assert_true(sysfs_dev_name_ok("eth1"));
	assert_true(sysfs_dev_name_ok("abcdefghijklmno"));	/* 15: IFNAMSIZ - 1 */
	assert_false(sysfs_dev_name_ok("abcdefghijklmnop"));
	assert_false(sysfs_dev_name_ok(""));
	assert_false(sysfs_dev_name_ok("."));
	assert_false(sysfs_dev_name_ok(".."));
	assert_false(sysfs_dev_name_ok("../../etc"));
	uint64_t v;
	assert_false(sysfs_net_u64("..", "ifindex", &v));
	assert_int_equal(sysfs_net_open("a/b", "ifindex"), -1);
}

static void test_lo(void **state)
{
	(void)state;
	uint64_t v = 0;
	if (access("/sys/class/net/lo/ifindex", R_OK) != 0)
		skip();
	assert_true(sysfs_net_u64("lo", "ifindex", &v));
	assert_int_equal(v, 1);
	assert_true(sysfs_net_u64("lo", "statistics/rx_packets", &v));
	int fd = sysfs_net_open("lo", "statistics/tx_bytes");
	assert_true(fd >= 0);
	uint64_t a, b;
	assert_int_equal(sysfs_read_u64(fd, &a), 0);
	assert_int_equal(sysfs_read_u64(fd, &b), 0);		/* read again from the start */
	assert_true(b >= a);
	close(fd);
	assert_false(sysfs_net_u64("lo", "address", &v));	/* "00:00:00:00:00:00" */
	assert_false(sysfs_net_u64("lo", "no_such_file", &v));
	assert_false(sysfs_net_u64("sf-no-such-dev", "ifindex", &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_lo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
