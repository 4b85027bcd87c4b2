/*
 * test_proc.c - the exec helper with real children and the real default loop.
 *
 * /bin/sh -c scripts are the child programs here (the API itself never runs
 * a shell). After every test no fd may be left open and no child unreaped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

static struct ev_loop *loop;
static int fds_before;
static bool watchdog_fired;
static unsigned done_seq;

struct cap {
	int calls;
	unsigned seq;			/* completion order */
	struct proc_result r;		/* pointers redirected to the copies below */
	char out[8192];
	char err[2048];
	char reason[160];
	struct proc_pool *pool;		/* when set: stats sampled in the callback */
	unsigned running_at_cb;
	bool free_pool;			/* proc_pool_free(pool) from the callback */
};

static void on_done(const struct proc_result *r, void *ctx)
{
	struct cap *c = ctx;
	c->calls++;
	c->seq = done_seq++;
	c->r = *r;
	assert_non_null(r->out);
	assert_non_null(r->err);
	assert_int_equal(r->out[r->out_len], 0);
	assert_int_equal(r->err[r->err_len], 0);
	assert_true(r->out_len < sizeof(c->out) && r->err_len < sizeof(c->err));
	memcpy(c->out, r->out, r->out_len + 1);
	memcpy(c->err, r->err, r->err_len + 1);
	snprintf(c->reason, sizeof(c->reason), "%s", r->reason);
	c->r.out = c->out;
	c->r.err = c->err;
	c->r.reason = c->reason;
	if (c->pool) {
		struct proc_stats st;
		proc_pool_get_stats(c->pool, &st);
		c->running_at_cb = st.running;
		if (c->free_pool)
			proc_pool_free(c->pool);
	}
}

static int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void on_watchdog(struct ev_loop *l, ev_timer *w, int revents)
{
	watchdog_fired = true;
	ev_break(l, EVBREAK_ALL);
}

/* Run the loop until the pool has nothing left to watch (5 s at most). */
static void loop_run(void)
{
	ev_timer wd;
	watchdog_fired = false;
	ev_timer_init(&wd, on_watchdog, 5., 0.);
	ev_timer_start(loop, &wd);
	ev_unref(loop);
	ev_run(loop, 0);
	ev_ref(loop);
	ev_timer_stop(loop, &wd);
	assert_false(watchdog_fired);
}

static int setup(void **state)
{
	fds_before = fd_count();
	return 0;
}

/* no leaked fd, no unreaped child */
static int teardown(void **state)
{
	assert_int_equal(fd_count(), fds_before);
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	return 0;
}

static struct proc_job *run_spec(struct proc_pool *p, const char *script, int timeout_ms,
				 size_t out_cap, int grace_ms, struct cap *c)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct proc_spec s = {
		.argv = argv, .timeout_ms = timeout_ms, .kill_grace_ms = grace_ms,
		.out_cap = out_cap, .err_cap = 1024,
	};
	return proc_run(p, &s, on_done, c);
}

static struct proc_job *run_sh(struct proc_pool *p, const char *script, int timeout_ms, struct cap *c)
{
	return run_spec(p, script, timeout_ms, 4096, 0, c);
}

static void test_exit_codes(void **state)
{
	struct proc_pool *p = proc_pool_new(loop, 4, 4);
	assert_non_null(p);
	struct cap a = { 0 }, b = { 0 };
	assert_non_null(run_sh(p, "echo hello; echo oops >&2; exit 0", 2000, &a));
	assert_non_null(run_sh(p, "exit 3", 2000, &b));
	assert_int_equal(a.calls + b.calls, 0);	/* never from inside proc_run() */
	loop_run();

	assert_int_equal(a.calls, 1);
	assert_true(a.r.ok);
	assert_true(a.r.exited);
	assert_int_equal(a.r.exit_code, 0);
	assert_string_equal(a.out, "hello\n");
	assert_int_equal(a.r.out_len, 6);
	assert_string_equal(a.err, "oops\n");
	assert_string_equal(a.reason, "exited 0");
	assert_false(a.r.truncated || a.r.timed_out || a.r.cancelled || a.r.start_failed);

	assert_int_equal(b.calls, 1);
	assert_false(b.r.ok);
	assert_int_equal(b.r.exit_code, 3);
	assert_string_equal(b.reason, "exited 3");
	assert_int_equal(b.r.out_len, 0);
	assert_string_equal(b.out, "");

	struct proc_stats st;
	proc_pool_get_stats(p, &st);
	assert_int_equal(st.started, 2);
	assert_int_equal(st.completed, 2);
	assert_int_equal(st.running + st.queued, 0);
	proc_pool_free(p);
}

static void test_signal(void **state)
{
	struct proc_pool *p = proc_pool_new(loop, 4, 4);
	struct cap a = { 0 }, b = { 0 };
	assert_non_null(run_sh(p, "kill -SEGV $$", 2000, &a));
	assert_non_null(run_sh(p, "kill -KILL $$", 2000, &b));
	loop_run();
	assert_int_equal(a.calls, 1);
	assert_false(a.r.exited || a.r.ok);
	assert_int_equal(a.r.exit_code, -1);
	assert_int_equal(a.r.term_signal, SIGSEGV);
	assert_string_equal(a.reason, "killed by signal 11");
	assert_int_equal(b.r.term_signal, SIGKILL);
	assert_string_equal(b.reason, "killed by signal 9");
	proc_pool_free(p);
}

static void test_timeout(void **state)
{
	struct proc_pool *p = proc_pool_new(loop, 4, 4);
	struct cap a = { 0 };
	uint64_t t0 = mono_ms();
	assert_non_null(run_sh(p, "sleep 30", 200, &a));
	loop_run();
	uint64_t took = mono_ms() - t0;
	assert_int_equal(a.calls, 1);
	assert_true(a.r.timed_out);
	assert_false(a.r.ok);
	assert_int_equal(a.r.term_signal, SIGTERM);
	assert_string_equal(a.reason, "timed out after 200 ms");
	assert_true(took >= 190 && took < 1000);
	assert_true(a.r.duration_ms >= 190 && a.r.duration_ms < 1000);
	struct proc_stats st;
	proc_pool_get_stats(p, &st);
	assert_int_equal(st.timed_out, 1);
	proc_pool_free(p);
}

static void test_ignores_term(void **state)
{
	struct proc_pool *p = proc_pool_new(loop, 4, 4);
	struct cap a = { 0 };
	assert_non_null(run_spec(p, "trap '' TERM; sleep 30", 200, 4096, 300, &a));
	loop_run();
	assert_int_equal(a.calls, 1);
	assert_true(a.r.timed_out);
	assert_int_equal(a.r.term_signal, SIGKILL);
	assert_string_equal(a.reason, "timed out after 200 ms");
	assert_true(a.r.duration_ms >= 490 && a.r.duration_ms < 1500);
	proc_pool_free(p);
}

static void test_output_cap(void **state)
{
	struct proc_pool *p = proc_pool_new(loop, 4, 4);
	struct cap flood = { 0 }, exact = { 0 }, cut = { 0 }, err = { 0 }, none = { 0 };
	assert_non_null(run_spec(p, "head -c 10000000 /dev/zero", 5000, 4096, 0, &flood));
	assert_non_null(run_spec(p, "printf 1234", 2000, 4, 0, &exact));
	assert_non_null(run_spec(p, "printf 1234", 2000, 3, 0, &cut));
	assert_non_null(run_spec(p, "echo out; head -c 5000 /dev/zero >&2", 2000, 4096, 0, &err));
	assert_non_null(run_spec(p, "echo unwanted", 2000, 0, 0, &none));
	loop_run();

	assert_int_equal(flood.calls, 1);
	assert_true(flood.r.ok);	/* head wrote everything: nothing blocked */
	assert_true(flood.r.truncated);
	assert_int_equal(flood.r.out_len, 4096);
	static const char zeros[4096];
	assert_memory_equal(flood.out, zeros, sizeof(zeros));
	assert_string_equal(flood.reason, "exited 0; output cut at 4096 bytes");
	assert_true(flood.r.duration_ms < 3000);

	assert_false(exact.r.truncated);
	assert_string_equal(exact.out, "1234");
	assert_true(cut.r.truncated);
	assert_string_equal(cut.out, "123");

	assert_false(err.r.truncated);
	assert_true(err.r.err_truncated);
	assert_int_equal(err.r.err_len, 1024);
	assert_string_equal(err.out, "out\n");

	assert_false(none.r.truncated);
	assert_int_equal(none.r.out_len, 0);
	proc_pool_free(p);
}

/* gone, or a zombie waiting for whoever adopted it */
static bool pid_gone(pid_t pid)
{
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	char path[64], buf[256];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return true;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *rp = strrchr(buf, ')');
	return rp && (rp[2] == 'Z' || rp[2] == 'X');
}

static void test_grandchild(void **state)
{
	struct proc_pool *p = proc_pool_new(loop, 4, 4);
	struct cap a = { 0 };
	uint64_t t0 = mono_ms();
	assert_non_null(run_sh(p, "sleep 30 & echo $!; exit 0", 5000, &a));
	loop_run();
	uint64_t took = mono_ms() - t0;
	assert_int_equal(a.calls, 1);
	assert_true(a.r.ok);
	assert_false(a.r.timed_out);
	assert_true(took >= PROC_EOF_GRACE_MS - 10 && took < 1500);

	char *end;
	long gpid = strtol(a.out, &end, 10);
	assert_true(gpid > 1 && *end == '\n');
	bool gone = false;
	for (int i = 0; i < 100 && !gone; i++) {
		gone = pid_gone((pid_t)gpid);
		if (!gone)
			usleep(10000);
	}
	assert_true(gone);
	proc_pool_free(p);
}

/* What the exec'd program sees: stdio only, stdin /dev/null, its own
 * group, no blocked or ignored signal, even when the daemon leaks an fd,
 * ignores SIGPIPE and blocks SIGUSR1. Checked by ls, readlink and grep
 * exec'd directly: a shell in between has its own pipes and masks (dash
 * blocks signals while it waits). ls's 3 is the directory it reads. */
static void test_child_setup(void **state)
{
	int leaked = open("/dev/null", O_RDONLY);	/* deliberately not O_CLOEXEC */
	assert_true(leaked >= 3);
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
	sigaction(SIGPIPE, &ign, &old_pipe);
	sigset_t usr1, old_mask;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old_mask);

	struct proc_pool *p = proc_pool_new(loop, 4, 4);
	struct cap fds = { 0 }, in = { 0 }, sig = { 0 }, grp = { 0 };
	const char *ls_argv[] = { "ls", "/proc/self/fd", NULL };
	const char *in_argv[] = { "readlink", "/proc/self/fd/0", NULL };
	const char *sig_argv[] = { "grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status", NULL };
	struct proc_spec s = { .argv = ls_argv, .timeout_ms = 2000, .out_cap = 256 };
	assert_non_null(proc_run(p, &s, on_done, &fds));
	s.argv = in_argv;
	assert_non_null(proc_run(p, &s, on_done, &in));
	s.argv = sig_argv;
	assert_non_null(proc_run(p, &s, on_done, &sig));
	assert_non_null(run_sh(p, "read -r pid comm state ppid pgrp rest < /proc/$$/stat;"
			       "[ \"$pgrp\" = $$ ] && echo leader", 2000, &grp));
	loop_run();
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	close(leaked);

	assert_string_equal(fds.out, "0\n1\n2\n3\n");
	assert_string_equal(in.out, "/dev/null\n");
	/* nothing blocked or ignored; but signals 32..SIGRTMIN-1 are the C
	 * library's own: sigaction() cannot reset them, an ignored one is
	 * inherited from whoever started the test, and every libc program sets
	 * them up itself at start */
	unsigned long long sig_blk = ~0ull, sig_ign = ~0ull, libc_own = 0;
	assert_int_equal(sscanf(sig.out, "SigBlk:\t%llx\nSigIgn:\t%llx", &sig_blk, &sig_ign), 2);
	for (int n = 32; n < SIGRTMIN; n++)
		libc_own |= 1ull << (n - 1);
	assert_int_equal(sig_blk & ~libc_own, 0);
	assert_int_equal(sig_ign & ~libc_own, 0);
	assert_string_equal(grp.out, "leader\n");
	proc_pool_free(p);
}

static void test_exec_failure(void **state)
{
	struct proc_pool *p = proc_pool_new(loop, 4, 4);
	struct cap a = { 0 }, b = { 0 }, c = { 0 };
	const char *abs_argv[] = { "/nonexistent/prog", "x", NULL };
	const char *path_argv[] = { "no-such-program-starfail", NULL };
	const char *noexec_argv[] = { "/etc/passwd", NULL };
	struct proc_spec s = { .argv = abs_argv, .timeout_ms = 2000, .out_cap = 64 };
	assert_non_null(proc_run(p, &s, on_done, &a));
	s.argv = path_argv;
	assert_non_null(proc_run(p, &s, on_done, &b));
	s.argv = noexec_argv;
	assert_non_null(proc_run(p, &s, on_done, &c));
	loop_run();

	assert_int_equal(a.calls, 1);
	assert_true(a.r.start_failed);
	assert_false(a.r.ok || a.r.exited);
	assert_int_equal(a.r.start_errno, ENOENT);
	assert_string_equal(a.reason, "could not start: No such file or directory");
	assert_true(b.r.start_failed);
	assert_int_equal(b.r.start_errno, ENOENT);
	assert_true(c.r.start_failed);
	assert_int_equal(c.r.start_errno, EACCES);

	struct proc_stats st;
	proc_pool_get_stats(p, &st);
	assert_int_equal(st.failed_to_start, 3);
	proc_pool_free(p);
}

static void test_environment(void **state)
{
	struct proc_pool *p = proc_pool_new(loop, 4, 4);
	struct cap given = { 0 }, inherited = { 0 };
	const char *script = "printf '%s|%s' \"$FOO\" \"${SF_PROC_INHERIT-unset}\"";
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	const char *envp[] = { "FOO=bar baz", NULL };
	setenv("SF_PROC_INHERIT", "yes", 1);
	struct proc_spec s = { .argv = argv, .envp = envp, .timeout_ms = 2000, .out_cap = 256 };
	assert_non_null(proc_run(p, &s, on_done, &given));
	s.envp = NULL;
	assert_non_null(proc_run(p, &s, on_done, &inherited));
	unsetenv("SF_PROC_INHERIT");
	loop_run();
	assert_string_equal(given.out, "bar baz|unset");
	assert_string_equal(inherited.out, "|yes");
	proc_pool_free(p);
}

static unsigned peak_running;

static void on_check(struct ev_loop *l, ev_check *w, int revents)
{
	struct proc_stats st;
	proc_pool_get_stats(w->data, &st);
	if (st.running > peak_running)
		peak_running = st.running;
}

static void test_concurrency_cap(void **state)
{
	struct proc_pool *p = proc_pool_new(loop, 2, 8);
	struct cap c[5];
	memset(c, 0, sizeof(c));
	ev_check chk;
	ev_check_init(&chk, on_check);
	chk.data = p;
	ev_check_start(loop, &chk);
	ev_unref(loop);
	peak_running = 0;

	uint64_t t0 = mono_ms();
	for (int i = 0; i < 5; i++) {
		c[i].pool = p;
		assert_non_null(run_sh(p, "sleep 0.2", 3000, &c[i]));
		struct proc_stats st;
		proc_pool_get_stats(p, &st);
		assert_true(st.running <= 2);
	}
	struct proc_stats st;
	proc_pool_get_stats(p, &st);
	assert_int_equal(st.running, 2);
	assert_int_equal(st.queued, 3);
	loop_run();
	uint64_t took = mono_ms() - t0;
	ev_ref(loop);
	ev_check_stop(loop, &chk);

	for (int i = 0; i < 5; i++) {
		assert_int_equal(c[i].calls, 1);
		assert_true(c[i].r.ok);
		assert_true(c[i].running_at_cb <= 2);
	}
	assert_true(peak_running <= 2);
	assert_true(took >= 3 * 200 - 10);
	assert_true(took < 2500);
	assert_int_equal(c[4].seq, done_seq - 1);	/* FIFO: the fifth ran alone, last */
	proc_pool_get_stats(p, &st);
	assert_int_equal(st.started, 5);
	proc_pool_free(p);
}

static void test_rejects(void **state)
{
	struct ev_loop *other = ev_loop_new(EVFLAG_AUTO);
	errno = 0;
	assert_null(proc_pool_new(other, 1, 1));
	assert_int_equal(errno, EINVAL);
	ev_loop_destroy(other);
	assert_null(proc_pool_new(loop, 0, 1));
	assert_null(proc_pool_new(loop, 1, -1));

	struct proc_pool *p = proc_pool_new(loop, 1, 1);
	struct cap a = { 0 }, b = { 0 }, c = { 0 };
	assert_non_null(run_sh(p, "sleep 0.1", 2000, &a));
	assert_non_null(run_sh(p, "true", 2000, &b));
	errno = 0;
	assert_null(run_sh(p, "true", 2000, &c));
	assert_int_equal(errno, EAGAIN);
	assert_non_null(strstr(proc_pool_last_error(p), "queue full"));

	errno = 0;
	assert_null(run_sh(p, "true", 0, &c));	/* a deadline is required */
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(proc_pool_last_error(p), "timeout_ms"));
	struct proc_spec s = { .argv = NULL, .timeout_ms = 100 };
	assert_null(proc_run(p, &s, on_done, &c));
	const char *empty[] = { "", NULL };
	s.argv = empty;
	assert_null(proc_run(p, &s, on_done, &c));
	assert_null(run_spec(p, "true", 100, PROC_OUT_CAP_MAX + 1, 0, &c));

	loop_run();
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_int_equal(c.calls, 0);
	assert_true(b.seq > a.seq);
	proc_pool_free(p);
}

static struct proc_job *to_cancel;
static bool cancel_sync_call;

static void on_cancel_timer(struct ev_loop *l, ev_timer *w, int revents)
{
	struct cap *c = w->data;
	proc_cancel(to_cancel);
	cancel_sync_call = c->calls != 0;
	proc_cancel(to_cancel);	/* twice: harmless */
}

static void test_cancel(void **state)
{
	struct proc_pool *p = proc_pool_new(loop, 2, 2);
	struct cap run1 = { 0 }, run2 = { 0 }, q1 = { 0 }, q2 = { 0 };
	to_cancel = run_sh(p, "sleep 30", 5000, &run1);
	struct proc_job *abandoned_running = run_sh(p, "sleep 30", 5000, &run2);
	struct proc_job *queued = run_sh(p, "sleep 30", 5000, &q1);
	struct proc_job *abandoned_queued = run_sh(p, "sleep 30", 5000, &q2);
	assert_non_null(to_cancel);
	assert_non_null(abandoned_running);
	assert_non_null(queued);
	assert_non_null(abandoned_queued);

	proc_cancel(queued);
	proc_abandon(abandoned_queued);
	proc_abandon(abandoned_running);
	assert_int_equal(q1.calls, 0);	/* from the loop, not from proc_cancel() */

	ev_timer t;
	ev_timer_init(&t, on_cancel_timer, 0.1, 0.);
	t.data = &run1;
	ev_timer_start(loop, &t);
	uint64_t t0 = mono_ms();
	loop_run();
	uint64_t took = mono_ms() - t0;

	assert_false(cancel_sync_call);
	assert_int_equal(run1.calls, 1);
	assert_true(run1.r.cancelled);
	assert_false(run1.r.ok);
	assert_int_equal(run1.r.term_signal, SIGKILL);
	assert_string_equal(run1.reason, "cancelled");
	assert_int_equal(q1.calls, 1);
	assert_true(q1.r.cancelled);
	assert_false(q1.r.exited);
	assert_int_equal(q1.r.term_signal, 0);
	assert_int_equal(run2.calls, 0);
	assert_int_equal(q2.calls, 0);
	assert_true(took < 1000);

	struct proc_stats st;
	proc_pool_get_stats(p, &st);
	assert_int_equal(st.started, 2);
	assert_int_equal(st.cancelled, 4);
	assert_int_equal(st.completed, 4);
	proc_pool_free(p);
}

static void test_dry_run(void **state)
{
	struct proc_pool *p = proc_pool_new(loop, 1, 2);
	proc_pool_set_dry_run(p, true);
	const char *argv[] = { "/sbin/ip", "route", "add", "it's here", NULL };
	struct proc_spec s = { .argv = argv, .timeout_ms = 1000, .out_cap = 64 };
	struct cap c[3];
	memset(c, 0, sizeof(c));
	for (int i = 0; i < 3; i++)
		assert_non_null(proc_run(p, &s, on_done, &c[i]));
	assert_int_equal(c[0].calls, 0);	/* completes from the loop */
	loop_run();
	for (int i = 0; i < 3; i++) {
		assert_int_equal(c[i].calls, 1);
		assert_true(c[i].r.dry_run);
		assert_true(c[i].r.ok);
		assert_int_equal(c[i].r.exit_code, 0);
		assert_int_equal(c[i].r.out_len, 0);
		assert_string_equal(c[i].reason, "dry-run");
	}
	struct proc_stats st;
	proc_pool_get_stats(p, &st);
	assert_int_equal(st.started, 0);
	assert_int_equal(st.completed, 3);
	proc_pool_free(p);
}

static void test_format_argv(void **state)
{
	char buf[128];
	const char *a[] = { "/sbin/ip", "route", "add", "it's here", "", "a\nb", NULL };
	assert_string_equal(proc_format_argv(buf, sizeof(buf), a),
			    "/sbin/ip route add 'it'\\''s here' '' 'a?b'");
	char small[16];
	proc_format_argv(small, sizeof(small), a);
	assert_true(strlen(small) < sizeof(small));
	assert_string_equal(small, "/sbin/ip rou...");
	char tiny[3];
	assert_string_equal(proc_format_argv(tiny, sizeof(tiny), a), "");
}

static void test_err_line(void **state)
{
	(void)state;
	char buf[16];
	struct proc_result r = { .err = "Command failed: Not found\nmore\n" };
	assert_string_equal(proc_err_line(&r, buf, sizeof(buf)), "Command failed:");
	char big[64];
	assert_string_equal(proc_err_line(&r, big, sizeof(big)), "Command failed: Not found");
	r.err = "busy\r\n";
	assert_string_equal(proc_err_line(&r, big, sizeof(big)), "busy");
	r.err = "a\tb\x1b[31m";		/* a tool's bytes: sanitised */
	assert_string_equal(proc_err_line(&r, big, sizeof(big)), "a\tb?[31m");	/* tab kept, ESC not */
	r.err = "";
	assert_string_equal(proc_err_line(&r, big, sizeof(big)), "");
}

static void test_pool_free(void **state)
{
	/* jobs running, draining and queued: free kills and reaps, calls nobody */
	struct proc_pool *p = proc_pool_new(loop, 2, 4);
	struct cap c[3];
	memset(c, 0, sizeof(c));
	assert_non_null(run_sh(p, "sleep 30", 5000, &c[0]));
	assert_non_null(run_sh(p, "sleep 30 & exit 0", 5000, &c[1]));
	assert_non_null(run_sh(p, "true", 5000, &c[2]));
	usleep(50000);
	ev_run(loop, EVRUN_NOWAIT);	/* likely reaps the second, which then drains */
	proc_pool_free(p);
	for (int i = 0; i < 3; i++)
		assert_int_equal(c[i].calls, 0);

	/* freed from inside a callback: the other job's callback never comes */
	p = proc_pool_new(loop, 2, 4);
	struct cap quick = { .pool = p, .free_pool = true }, slow = { 0 };
	assert_non_null(run_sh(p, "sleep 30", 5000, &slow));
	assert_non_null(run_sh(p, "true", 5000, &quick));
	loop_run();
	assert_int_equal(quick.calls, 1);
	assert_int_equal(slow.calls, 0);
}

int main(void)
{
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);	/* the SIGSEGV child must not dump */
	loop = ev_default_loop(EVFLAG_AUTO);
	if (!loop)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exit_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignores_term, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grandchild, setup, teardown),
		cmocka_unit_test_setup_teardown(test_child_setup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_environment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrency_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
		cmocka_unit_test(test_format_argv),
		cmocka_unit_test(test_err_line),
		cmocka_unit_test_setup_teardown(test_pool_free, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	ev_loop_destroy(loop);
	return rc;
}
