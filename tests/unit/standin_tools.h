/*
 * standin_tools.h - stand-in tools for the collector tests (tests only,
 * included by test_cellular_collector.c and test_wifi_collector.c): a
 * fresh directory first on $PATH (the only other entries /usr/bin:/bin),
 * shell scripts written into it, and the "mode" file those scripts read
 * (replay | fail | hang, as each script defines them).
 */
#ifndef SF_TEST_STANDIN_TOOLS_H
#define SF_TEST_STANDIN_TOOLS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cmocka.h>

static char standin_dir[64];

/* The directory /tmp/<prefix>.XXXXXX, made and put first on $PATH. */
static void standin_make(const char *prefix)
{
	snprintf(standin_dir, sizeof(standin_dir), "/tmp/%s.XXXXXX", prefix);
	assert_non_null(mkdtemp(standin_dir));
	char path[256];
	snprintf(path, sizeof(path), "%s:/usr/bin:/bin", standin_dir);
	setenv("PATH", path, 1);
}

/* The script standin_dir/name, its text from fmt, made executable. */
static void standin_script(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void standin_script(const char *name, const char *fmt, ...)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", standin_dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

static void standin_set_mode(const char *mode)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/mode", standin_dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(mode, f);
	fclose(f);
}

static int standin_remove(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", standin_dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
