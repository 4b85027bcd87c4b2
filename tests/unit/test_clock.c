/* test_clock.c - the one clock: monotonic ms/ns agree and advance, wall is UTC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"

static void test_mono(void **state)
{
	int64_t prev = clock_mono_ms();
	for (int i = 0; i < 10000; i++) {
		int64_t t = clock_mono_ms();
		assert_true(t >= prev);
		prev = t;
	}
	int64_t ms = clock_mono_ms(), ns = clock_mono_ns(), ms2 = clock_mono_ms();
	assert_true(ns / 1000000 >= ms && ns / 1000000 <= ms2);
	struct timespec d = { 0, 30 * 1000000 };
	int64_t a = clock_mono_ms();
	nanosleep(&d, NULL);
	int64_t b = clock_mono_ms();
	assert_true(b - a >= 30 && b - a < 5000);
}

static void test_wall(void **state)
{
	/* time() may read a coarser clock than CLOCK_REALTIME (and under
	   qemu-user the host's): a second of slack either way still tells UTC
	   milliseconds from the monotonic clock or a local-time offset */
	int64_t before = ((int64_t)time(NULL) - 1) * 1000;
	int64_t w = clock_wall_ms();
	int64_t after = ((int64_t)time(NULL) + 2) * 1000;
	assert_true(w >= before && w <= after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mono),
		cmocka_unit_test(test_wall),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
