/*
 * test_provider.c - provider health of the slow collectors (provider.h):
 * the backoff doubles from the interval up to its cap, a repeated reason is
 * not "changed", an answer ends the run of failures, and the view.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "provider.h"

static void test_backoff_and_recovery(void **state)
{
	(void)state;
	struct provider_health h;
	provider_health_init(&h);
	struct provider_view v;
	provider_health_view(&h, 0, &v);
	assert_string_equal(v.status, "untried");
	assert_int_equal(v.last_duration_ms, -1);
	assert_int_equal(v.failing_for_ms, -1);

	bool changed;
	int64_t want[] = { 1000, 2000, 4000, 8000, 10000, 10000 };
	for (int i = 0; i < 6; i++) {
		int64_t t = 100000 + i * 20000;
		provider_health_start(&h, t);
		int64_t d = provider_health_failed(&h, t + 30, i < 4 ? "gsmctl: timed out\nafter 1 s" : "gsmctl: exited 1",
						   1000, 10000, &changed);
		assert_int_equal(d, want[i]);
		assert_int_equal(h.next_try_ms, t + 30 + d);
		assert_int_equal(h.last_duration_ms, 30);
		/* new, then the same reason again, then another */
		assert_int_equal(changed, i == 0 || i == 4);
	}
	assert_string_equal(h.reason, "gsmctl: exited 1");
	provider_health_view(&h, 205000, &v);
	assert_string_equal(v.status, "failing");
	assert_int_equal(v.failing_for_ms, 205000 - 100030);
	assert_int_equal(v.next_try_in_ms, 210030 - 205000);	/* the last failure at 200030 */
	assert_int_equal(v.consecutive_failures, 6);
	assert_int_equal(v.runs, 6);

	provider_health_start(&h, 210000);
	assert_int_equal(provider_health_ok(&h, 210050), 6);
	provider_health_view(&h, 210100, &v);
	assert_string_equal(v.status, "ok");
	assert_string_equal(v.reason, "");
	assert_int_equal(v.consecutive_failures, 0);
	assert_int_equal(v.ok, 1);
	assert_int_equal(v.failures, 6);
	assert_int_equal(v.last_duration_ms, 50);
	assert_int_equal(h.next_try_ms, 0);
	assert_int_equal(provider_health_ok(&h, 210060), 0);	/* was not failing */
}

static void test_reason_sanitized(void **state)
{
	(void)state;
	struct provider_health h;
	provider_health_init(&h);
	char big[400];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	big[3] = '\033';
	bool changed;
	provider_health_start(&h, 0);
	provider_health_failed(&h, 1, big, 500, 500, &changed);
	assert_true(changed);
	assert_int_equal(strlen(h.reason), PROVIDER_REASON_MAX - 1);
	assert_null(strchr(h.reason, '\033'));
	/* the same long reason again is the same fault */
	provider_health_failed(&h, 2, big, 500, 500, &changed);
	assert_false(changed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_and_recovery),
		cmocka_unit_test(test_reason_sanitized),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
