/*
 * test_log.c - repeat collapsing in sf_log(): identical lines within a second
 * are counted, and the count is written by a timer on the attached loop
 * (about 1 s after the first repeat) without any further log call; no timer
 * runs while nothing is pending; log_close() and the loop's destruction
 * write a pending count too. stderr is captured in an O_APPEND temp file.
 */
#include <ev.h>
#include <fcntl.h>
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

#include "log.h"

static int cap_fd = -1, saved_fd = -1;
static char cap_text[8192];

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* stderr into an empty capture file */
static void cap_begin(void)
{
	assert_int_equal(ftruncate(cap_fd, 0), 0);
	assert_int_equal(dup2(cap_fd, 2), 2);
}

/* stderr back; the captured text in cap_text */
static const char *cap_end(void)
{
	assert_int_equal(dup2(saved_fd, 2), 2);
	ssize_t n = pread(cap_fd, cap_text, sizeof(cap_text) - 1, 0);
	assert_true(n >= 0);
	cap_text[n] = 0;
	return cap_text;
}

static int count_of(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* 10 ms into a fresh wall-clock second, so a burst stays inside one */
static void wait_second_start(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct timespec d = { 0, 1000000000L - ts.tv_nsec + 10000000L };
	if (d.tv_nsec >= 1000000000L) {
		d.tv_sec = 1;
		d.tv_nsec -= 1000000000L;
	}
	nanosleep(&d, NULL);
}

static int setup(void **st)
{
	char path[] = "/tmp/test_log.XXXXXX";
	cap_fd = mkstemp(path);
	if (cap_fd < 0)
		return -1;
	unlink(path);
	fcntl(cap_fd, F_SETFL, O_APPEND);	/* writes land at the end after a truncate */
	saved_fd = dup(2);
	log_open("test_log", LOG_TO_STDERR);
	return saved_fd < 0 ? -1 : 0;
}

static int teardown(void **st)
{
	log_close();
	close(cap_fd);
	close(saved_fd);
	return 0;
}

static void test_count_flushed_by_time(void **st)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	assert_non_null(loop);
	log_attach_loop(loop);
	double t0 = mono_s();
	ev_run(loop, 0);	/* nothing pending: no timer, returns at once */
	assert_true(mono_s() - t0 < 0.2);

	wait_second_start();
	cap_begin();
	for (int i = 0; i < 5; i++)
		log_info("link down member=%s", "wan");
	t0 = mono_s();
	ev_run(loop, 0);	/* only the flush timer keeps it running */
	double took = mono_s() - t0;
	const char *out = cap_end();
	assert_int_equal(count_of(out, "link down member=wan"), 1);
	assert_int_equal(count_of(out, "last message repeated count=4"), 1);
	assert_true(took >= 0.9 && took <= 1.3);	/* 1 s after the first repeat */

	/* written once: a different line afterwards adds no second count */
	cap_begin();
	log_info("link up member=%s", "wan");
	ev_run(loop, 0);
	out = cap_end();
	assert_int_equal(count_of(out, "repeated"), 0);
	assert_int_equal(count_of(out, "link up member=wan"), 1);

	log_attach_loop(NULL);
	ev_loop_destroy(loop);
}

static void test_next_line_still_flushes(void **st)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	assert_non_null(loop);
	log_attach_loop(loop);
	wait_second_start();
	cap_begin();
	log_warn("probe timeout target=%s", "1.1.1.1");
	log_warn("probe timeout target=%s", "1.1.1.1");
	log_warn("probe timeout target=%s", "1.1.1.1");
	log_warn("other line");	/* flushes before itself, as before */
	double t0 = mono_s();
	ev_run(loop, 0);	/* and the timer went with the count */
	double took = mono_s() - t0;
	const char *out = cap_end();
	const char *c = strstr(out, "last message repeated count=2");
	assert_non_null(c);
	assert_true(c < strstr(out, "other line"));
	assert_int_equal(count_of(out, "repeated"), 1);
	assert_true(took < 0.2);
	log_attach_loop(NULL);
	ev_loop_destroy(loop);
}

static void test_close_and_destroy_flush(void **st)
{
	wait_second_start();
	cap_begin();
	log_info("no loop line");
	log_info("no loop line");
	log_close();	/* no loop attached: log_close writes it */
	const char *out = cap_end();
	assert_int_equal(count_of(out, "last message repeated count=1"), 1);

	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	assert_non_null(loop);
	log_attach_loop(loop);
	wait_second_start();
	cap_begin();
	log_info("pending at destroy");
	log_info("pending at destroy");
	log_info("pending at destroy");
	ev_loop_destroy(loop);	/* the loop goes with a count pending: written, detached */
	out = cap_end();
	assert_int_equal(count_of(out, "last message repeated count=2"), 1);
	wait_second_start();
	cap_begin();
	log_info("after destroy");	/* must not touch the destroyed loop */
	log_info("after destroy");
	log_info("different");
	out = cap_end();
	assert_int_equal(count_of(out, "last message repeated count=1"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_flushed_by_time),
		cmocka_unit_test(test_next_line_still_flushes),
		cmocka_unit_test(test_close_and_destroy_flush),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
