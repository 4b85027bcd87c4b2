/*
 * test_delayq.c - unit tests of the delay shim's packet queue: bounded size,
 * FIFO order, release times held back (never reordered), drops counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "delayq.h"

static void test_init_rejects_bad_sizes(void **state)
{
	struct delayq q;

	assert_false(delayq_init(&q, 0, 2048));
	assert_int_equal(errno, EINVAL);
	assert_false(delayq_init(&q, 16, 0));
	assert_false(delayq_init(&q, 65537, 2048));
	assert_false(delayq_init(&q, 65536, 65536));	/* 4 GiB total */
	assert_true(delayq_init(&q, 4, 64));
	delayq_free(&q);
}

static void test_release_in_order_when_due(void **state)
{
	struct delayq q;
	const unsigned char *p;
	uint64_t next;
	size_t len;

	assert_true(delayq_init(&q, 4, 64));
	assert_false(delayq_next_release(&q, &next));
	assert_true(delayq_push(&q, "aa", 2, 100));
	assert_true(delayq_push(&q, "bbb", 3, 200));
	assert_true(delayq_next_release(&q, &next));
	assert_int_equal(next, 100);

	assert_null(delayq_peek_due(&q, 99, &len));
	p = delayq_peek_due(&q, 100, &len);
	assert_non_null(p);
	assert_int_equal(len, 2);
	assert_memory_equal(p, "aa", 2);
	delayq_pop(&q);
	assert_null(delayq_peek_due(&q, 150, &len));
	p = delayq_peek_due(&q, 250, &len);
	assert_non_null(p);
	assert_int_equal(len, 3);
	assert_memory_equal(p, "bbb", 3);
	delayq_pop(&q);
	assert_false(delayq_next_release(&q, &next));
	delayq_pop(&q);		/* popping an empty queue is harmless */
	assert_int_equal(q.count, 0);
	delayq_free(&q);
}

static void test_earlier_release_is_held_back(void **state)
{
	struct delayq q;
	uint64_t next;
	size_t len;

	assert_true(delayq_init(&q, 4, 64));
	assert_true(delayq_push(&q, "x", 1, 500));
	assert_true(delayq_push(&q, "y", 1, 300));	/* jitter made it earlier */
	delayq_pop(&q);
	assert_true(delayq_next_release(&q, &next));
	assert_int_equal(next, 500);
	assert_null(delayq_peek_due(&q, 499, &len));
	assert_non_null(delayq_peek_due(&q, 500, &len));
	delayq_free(&q);
}

static void test_full_and_oversize_are_dropped_and_counted(void **state)
{
	struct delayq q;
	unsigned char big[65];
	size_t len, i;

	memset(big, 0x5a, sizeof(big));
	assert_true(delayq_init(&q, 3, 64));
	assert_false(delayq_push(&q, big, sizeof(big), 1));
	assert_int_equal(q.dropped_big, 1);
	assert_true(delayq_push(&q, big, 64, 1));
	assert_true(delayq_push(&q, big, 64, 2));
	assert_true(delayq_push(&q, big, 64, 3));
	assert_false(delayq_push(&q, big, 64, 4));
	assert_int_equal(q.dropped_full, 1);
	assert_int_equal(q.count, 3);

	/* wrap around the ring several times; content and order survive */
	for (i = 0; i < 10; i++) {
		unsigned char v = (unsigned char)i;
		const unsigned char *p;

		assert_non_null(delayq_peek_due(&q, 1000, &len));
		delayq_pop(&q);
		assert_true(delayq_push(&q, &v, 1, 10 + i));
		if (i >= 2) {
			p = delayq_peek_due(&q, 1000, &len);
			assert_non_null(p);
			assert_int_equal(len, 1);
			assert_int_equal(p[0], (unsigned char)(i - 2));
		}
	}
	assert_int_equal(q.count, 3);
	delayq_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_sizes),
		cmocka_unit_test(test_release_in_order_when_due),
		cmocka_unit_test(test_earlier_release_is_held_back),
		cmocka_unit_test(test_full_and_oversize_are_dropped_and_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
