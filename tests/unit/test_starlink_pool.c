/*
 * test_starlink_pool.c - the nghttp2 allocator: in a normal build it recycles
 * blocks through its size classes; in a sanitizer/fuzz build (SF_SANITIZED)
 * it passes every call to malloc, so AddressSanitizer sees an overrun inside
 * a size class and a use after free (checked in a child that must die).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "starlink_pool.h"

static void test_mode_matches_build(void **st)
{
#ifdef SF_SANITIZED
	assert_true(sl_pool_passthrough());
#elif !defined(__SANITIZE_ADDRESS__)
	assert_false(sl_pool_passthrough());
#endif
}

static void test_free_then_alloc(void **st)
{
	struct sl_pool p;
	nghttp2_mem m;
	memset(&p, 0, sizeof(p));
	sl_pool_nghttp2_mem(&p, &m);
	uint8_t *a = m.malloc(100, m.mem_user_data);
	assert_non_null(a);
	memset(a, 0xa5, 100);
	m.free(a, m.mem_user_data);
	uint8_t *b = m.malloc(100, m.mem_user_data);
	assert_non_null(b);
	if (sl_pool_passthrough()) {
		/* a fresh malloc'd block: ASan keeps the freed one in quarantine */
		assert_ptr_not_equal(a, b);
		assert_int_equal(p.sys_allocs, 2);
		assert_int_equal(p.held_bytes, 0);
	} else {
		/* the same block back from the 128 B class's free list */
		assert_ptr_equal(a, b);
		assert_int_equal(p.sys_allocs, 1);
		assert_int_equal(p.held_bytes, 128);
	}
	m.free(b, m.mem_user_data);
	sl_pool_destroy(&p);
}

static void test_calloc_realloc(void **st)
{
	struct sl_pool p;
	nghttp2_mem m;
	memset(&p, 0, sizeof(p));
	sl_pool_nghttp2_mem(&p, &m);
	uint8_t *z = m.calloc(10, 30, m.mem_user_data);
	assert_non_null(z);
	for (int i = 0; i < 300; i++)
		assert_int_equal(z[i], 0);
	for (int i = 0; i < 300; i++)
		z[i] = (uint8_t)i;
	uint8_t *r = m.realloc(z, 5000, m.mem_user_data);
	assert_non_null(r);
	for (int i = 0; i < 300; i++)
		assert_int_equal(r[i], (uint8_t)i);
	r = m.realloc(r, 0, m.mem_user_data);	/* still a block, not freed */
	assert_non_null(r);
	assert_null(m.malloc(SIZE_MAX - 8, m.mem_user_data));
	assert_null(m.calloc(SIZE_MAX / 2, 4, m.mem_user_data));
	assert_null(m.realloc(r, SIZE_MAX - 8, m.mem_user_data));	/* r is kept */
	m.free(r, m.mem_user_data);
	m.free(NULL, m.mem_user_data);
	sl_pool_destroy(&p);
}

/* Misuse a pool block in a child: 0 if it exited normally (the misuse went unseen). */
static int child_misuse(int kind)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2);	/* the sanitizer's report is expected */
		struct sl_pool p;
		nghttp2_mem m;
		memset(&p, 0, sizeof(p));
		sl_pool_nghttp2_mem(&p, &m);
		volatile uint8_t *a = m.malloc(100, m.mem_user_data);	/* a 128 B class block */
		if (kind == 0) {
			a[100] = 1;	/* past the request, inside the class */
		} else {
			m.free((void *)a, m.mem_user_data);
			a[0] = 1;	/* after free */
		}
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void test_sanitizer_sees_misuse(void **st)
{
	if (!sl_pool_passthrough()) {
		print_message("skipped: pool recycles in this build; misuse is only caught with SF_SANITIZE\n");
		skip();
	}
	assert_int_equal(child_misuse(0), -1);	/* overrun inside a size class */
	assert_int_equal(child_misuse(1), -1);	/* use after free */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_matches_build),
		cmocka_unit_test(test_free_then_alloc),
		cmocka_unit_test(test_calloc_realloc),
		cmocka_unit_test(test_sanitizer_sees_misuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
