/*
 * test_caps.c - data caps (daemon_caps.h): billing cycle arithmetic in UTC
 * (daily, monthly with a reset day, year wrap, the instant of the reset),
 * counter growth that never goes negative (reset, re-creation, 32-bit wrap)
 * and the member options with their ranges. The counters moved by real
 * traffic and the events: tests/net/test_caps.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "daemon_caps.h"

/* Unix s of y-m-d h:mi:s UTC */
static int64_t utc(int y, int m, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi, .tm_sec = s };
	return (int64_t)timegm(&tm);
}

static void test_cycle_daily(void **st)
{
	(void)st;
	int64_t now = utc(2026, 3, 15, 13, 45, 7);
	assert_int_equal(caps_cycle_start(now, DATA_CYCLE_DAILY, 1, CAPS_DAY_S), utc(2026, 3, 15, 0, 0, 0));
	assert_int_equal(caps_cycle_start(utc(2026, 3, 15, 0, 0, 0), DATA_CYCLE_DAILY, 1, CAPS_DAY_S),
			 utc(2026, 3, 15, 0, 0, 0));
	assert_int_equal(caps_cycle_start(utc(2026, 3, 14, 23, 59, 59), DATA_CYCLE_DAILY, 1, CAPS_DAY_S),
			 utc(2026, 3, 14, 0, 0, 0));
	/* the test hook's short days: cut every 20 s */
	assert_int_equal(caps_cycle_start(1000019, DATA_CYCLE_DAILY, 1, 20), 1000000);
	assert_int_equal(caps_cycle_start(1000020, DATA_CYCLE_DAILY, 1, 20), 1000020);
	/* a day_s of 0 is the real day */
	assert_int_equal(caps_cycle_start(now, DATA_CYCLE_DAILY, 1, 0), utc(2026, 3, 15, 0, 0, 0));
}

static void test_cycle_monthly(void **st)
{
	(void)st;
	/* on or after the reset day: this month's */
	assert_int_equal(caps_cycle_start(utc(2026, 3, 15, 13, 0, 0), DATA_CYCLE_MONTHLY, 10, 0),
			 utc(2026, 3, 10, 0, 0, 0));
	assert_int_equal(caps_cycle_start(utc(2026, 3, 10, 0, 0, 0), DATA_CYCLE_MONTHLY, 10, 0),
			 utc(2026, 3, 10, 0, 0, 0));
	/* a second before it: the previous month's */
	assert_int_equal(caps_cycle_start(utc(2026, 3, 9, 23, 59, 59), DATA_CYCLE_MONTHLY, 10, 0),
			 utc(2026, 2, 10, 0, 0, 0));
	/* January before the day: December of the year before */
	assert_int_equal(caps_cycle_start(utc(2027, 1, 3, 8, 0, 0), DATA_CYCLE_MONTHLY, 28, 0),
			 utc(2026, 12, 28, 0, 0, 0));
	/* day 28 in February, and the default day 1 */
	assert_int_equal(caps_cycle_start(utc(2026, 2, 28, 1, 0, 0), DATA_CYCLE_MONTHLY, 28, 0),
			 utc(2026, 2, 28, 0, 0, 0));
	assert_int_equal(caps_cycle_start(utc(2026, 2, 27, 1, 0, 0), DATA_CYCLE_MONTHLY, 1, 0),
			 utc(2026, 2, 1, 0, 0, 0));
	/* out of range: day 1 */
	assert_int_equal(caps_cycle_start(utc(2026, 5, 5, 1, 0, 0), DATA_CYCLE_MONTHLY, 31, 0),
			 utc(2026, 5, 1, 0, 0, 0));
}

static void test_delta(void **st)
{
	(void)st;
	assert_int_equal(caps_delta(1000, 5000), 4000);
	assert_int_equal(caps_delta(7, 7), 0);
	/* counters reset (device re-created, driver reset): the new value is new traffic */
	assert_int_equal(caps_delta(5000000, 1200), 1200);
	assert_int_equal(caps_delta(UINT64_C(1) << 40, 300), 300);
	/* a 32-bit counter wrapped */
	assert_int_equal(caps_delta(UINT32_MAX - 99, 50), 150);
	/* low in 32 bits and back: a reset, not a wrap (never a huge jump) */
	assert_int_equal(caps_delta(1000, 10), 10);
}

static void load(const char *text, struct sf_config *cfg, int *errors)
{
	char path[] = "/tmp/sf-test-caps-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct config_report rep;
	config_load(path, cfg, &rep);
	*errors = rep.n_errors;
	unlink(path);
}

static void test_options(void **st)
{
	(void)st;
	static struct sf_config cfg;
	int errors;
	load("config starfail 'main'\nconfig member 'lte'\n\toption device 'wwan0'\n", &cfg, &errors);
	assert_int_equal(errors, 0);
	assert_int_equal(cfg.members[0].data_cap_mb, 0);
	assert_int_equal(cfg.members[0].data_cycle, DATA_CYCLE_MONTHLY);
	assert_int_equal(cfg.members[0].data_reset_day, 1);
	assert_int_equal(cfg.members[0].data_alert_pct, 80);
	assert_int_equal(cfg.members[0].data_cap_action, DATA_CAP_AVOID);
	load("config starfail 'main'\nconfig member 'lte'\n\toption device 'wwan0'\n"
	     "\toption data_cap_mb '5000'\n\toption data_cycle 'daily'\n\toption data_reset_day '28'\n"
	     "\toption data_alert_pct '90'\n\toption data_cap_action 'stop'\n", &cfg, &errors);
	assert_int_equal(errors, 0);
	assert_int_equal(cfg.members[0].data_cap_mb, 5000);
	assert_int_equal(cfg.members[0].data_cycle, DATA_CYCLE_DAILY);
	assert_int_equal(cfg.members[0].data_reset_day, 28);
	assert_int_equal(cfg.members[0].data_alert_pct, 90);
	assert_int_equal(cfg.members[0].data_cap_action, DATA_CAP_STOP);
	load("config starfail 'main'\nconfig member 'lte'\n\toption device 'wwan0'\n"
	     "\toption data_reset_day '29'\n\toption data_cap_mb '-1'\n\toption data_cap_action 'drop'\n",
	     &cfg, &errors);
	assert_int_equal(errors, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cycle_daily),
		cmocka_unit_test(test_cycle_monthly),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
