/* test_text.c - UTF-8 validation and sanitising of outside text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"

static void test_valid(void **state)
{
	assert_true(text_printable_utf8("plain ascii\twith tab"));
	assert_true(text_printable_utf8("Gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x9b\xb0"));	/* Grüß € 🛰 */
	assert_false(text_printable_utf8("bell\a"));
	assert_false(text_printable_utf8("nl\n"));
	assert_false(text_printable_utf8("\xff"));
	assert_false(text_printable_utf8("\xc3"));		/* cut off */
	assert_false(text_printable_utf8("\xc0\xaf"));		/* overlong */
	assert_false(text_printable_utf8("\xed\xa0\x80"));	/* surrogate */
	assert_false(text_printable_utf8("\xf4\x90\x80\x80"));	/* above U+10FFFF */
}

static void test_sanitize(void **state)
{
	char a[] = "ok\xff\x01x\xc3\xbc";
	assert_string_equal(text_sanitize(a), "ok??x\xc3\xbc");
	char b[] = "cut \xe2\x82";	/* a truncated euro sign at the end disappears */
	assert_string_equal(text_sanitize(b), "cut ");
	char c[] = "\xe2\x82 mid";	/* an incomplete sequence inside becomes ? */
	assert_string_equal(text_sanitize(c), "?? mid");
	char d[7];
	assert_string_equal(text_copy_sanitized(d, sizeof(d), "abcde\xc3\xbc\xc3\xbc"), "abcde");
	assert_true(text_printable_utf8(d));
	char e[4];
	assert_string_equal(text_copy_sanitized(e, sizeof(e), "\x1b[31m"), "?[3");
}

static void test_hexval(void **state)
{
	assert_int_equal(text_hexval('0'), 0);
	assert_int_equal(text_hexval('9'), 9);
	assert_int_equal(text_hexval('a'), 10);
	assert_int_equal(text_hexval('F'), 15);
	assert_int_equal(text_hexval('g'), -1);
	assert_int_equal(text_hexval('/'), -1);
	assert_int_equal(text_hexval(0xff), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hexval),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_sanitize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
