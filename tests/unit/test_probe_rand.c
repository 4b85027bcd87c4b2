/*
 * test_probe_rand.c - where probe ids and cookies come from (probe_rand.h):
 * kernel entropy when there is some; without it (getrandom EAGAIN at early
 * boot) one brief wait per process, then weak draws that are counted and
 * flagged, never a silent fallback; and the recovery (reseed) once entropy
 * is there. The kernel's getrandom is replaced by a scripted one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "clock.h"
#include "probe_rand.h"

static int calls;
static bool have_entropy;

static ssize_t fake_getrandom(void *buf, size_t len, unsigned flags)
{
	calls++;
	if (!have_entropy) {
		errno = EAGAIN;
		return -1;
	}
	memset(buf, 0xa5, len);
	return (ssize_t)len;
}

static int setup(void **state)
{
	probe_rand_set_source(fake_getrandom);
	probe_rand_reset_wait();
	calls = 0;
	return 0;
}

static int teardown(void **state)
{
	probe_rand_set_source(NULL);
	return 0;
}

static void test_strong(void **state)
{
	struct probe_rng r;
	probe_rng_init(&r, "t");
	have_entropy = true;
	uint64_t v = 0;
	assert_true(probe_rng_fill(&r, &v, sizeof(v)));
	assert_int_equal(v, 0xa5a5a5a5a5a5a5a5ull);	/* the kernel's bytes, untouched */
	assert_false(r.weak);
	assert_int_equal(r.weak_draws, 0);
	assert_int_equal(r.reseeds, 0);
	assert_int_equal(calls, 1);
}

static void test_no_entropy_then_reseed(void **state)
{
	struct probe_rng r;
	probe_rng_init(&r, "t");
	have_entropy = false;
	uint64_t a = 0, b = 0;
	int64_t t0 = clock_mono_ms();
	assert_false(probe_rng_fill(&r, &a, sizeof(a)));
	/* the first failure waits for entropy once and asks again */
	assert_int_equal(calls, 2);
	assert_true(clock_mono_ms() - t0 <= PROBE_RAND_WAIT_MS + 100);
	assert_true(r.weak);
	assert_int_equal(r.weak_draws, 1);
	t0 = clock_mono_ms();
	assert_false(probe_rng_fill(&r, &b, sizeof(b)));
	assert_int_equal(calls, 3);	/* no second wait in this process */
	assert_true(clock_mono_ms() - t0 < 50);
	assert_int_equal(r.weak_draws, 2);
	assert_true(a != b);		/* weak, but not constant */
	uint16_t s = probe_rng_u16(&r);
	(void)s;
	assert_int_equal(r.weak_draws, 3);
	assert_int_equal(r.reseeds, 0);

	have_entropy = true;	/* the CRNG is up now */
	assert_true(probe_rng_fill(&r, &a, sizeof(a)));
	assert_int_equal(a, 0xa5a5a5a5a5a5a5a5ull);
	assert_false(r.weak);
	assert_int_equal(r.reseeds, 1);
	assert_int_equal(r.weak_draws, 3);
	assert_true(probe_rng_fill(&r, &a, sizeof(a)));
	assert_int_equal(r.reseeds, 1);	/* counted once per recovery */
}

static void test_two_generators_differ(void **state)
{
	struct probe_rng r1, r2;
	probe_rng_init(&r1, "a");
	probe_rng_init(&r2, "b");
	have_entropy = false;
	assert_true(probe_rng_u64(&r1) != probe_rng_u64(&r2));
	assert_true(r1.weak && r2.weak);
}

static void test_real_getrandom(void **state)
{
	probe_rand_set_source(NULL);
	struct probe_rng r;
	probe_rng_init(&r, "t");
	uint64_t a = probe_rng_u64(&r), b = probe_rng_u64(&r);
	assert_false(r.weak);	/* a running system has entropy */
	assert_true(a != b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_strong, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_entropy_then_reseed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_generators_differ, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_getrandom, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
