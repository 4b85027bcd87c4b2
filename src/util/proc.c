/*
 * proc.c - see proc.h
 *
 * The child's setup (fork, fds, signals, exec) is in proc_spawn.c.
 *
 * Phases of a job:
 *   QUEUED  -> RUN (forked, deadline armed) | SOON (dry-run, start failure)
 *   RUN     -> TERM (deadline: SIGTERM) -> KILL (grace over: SIGKILL)
 *   any running phase -> DRAIN (reaped, waiting for pipe EOF) -> done
 *   SOON    -> done at the next loop iteration (a 0 s timer)
 */
#include "proc.h"
#include "proc_spawn.h"
#include "log.h"
#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum job_phase {
	PH_QUEUED,	/* waiting for a slot */
	PH_SOON,	/* completes at the next loop iteration */
	PH_RUN,		/* child running, deadline armed */
	PH_TERM,	/* SIGTERM sent, SIGKILL armed */
	PH_KILL,	/* SIGKILL sent, waiting for the exit */
	PH_DRAIN,	/* child reaped, pipes still open, EOF grace armed */
	PH_DONE,	/* callback running */
};

struct sink {
	int fd;
	ev_io io;
	char *buf;
	size_t len;	/* bytes kept */
	size_t alloc;	/* size of buf, at most cap + 1 */
	size_t cap;
	bool truncated;
};

struct proc_job {
	struct proc_pool *pool;
	struct proc_job *prev, *next;	/* pool->jobs: every live job */
	struct proc_job *qnext;		/* pool->qhead: FIFO of queued jobs */
	char **argv;
	char **envp;			/* NULL: inherit */
	void *args_mem;			/* one block holding argv and envp */
	int timeout_ms;
	int kill_grace_ms;
	proc_cb cb;
	void *ctx;
	enum job_phase phase;
	bool dry, holds_slot, cancelled, timed_out, reaped, start_failed;
	int start_errno;
	int wstatus;
	pid_t pid;			/* also the process group id; 0 before fork */
	int status_fd;
	struct sink out, err;
	ev_child child;
	ev_timer timer;
	uint64_t start_ms;
	char reason[160];
};

struct proc_pool {
	struct ev_loop *loop;
	unsigned max_children;
	unsigned max_queued;
	bool dry_run;
	struct proc_job *jobs;
	struct proc_job *qhead, *qtail;
	struct proc_stats st;
	char last_err[128];
};

static const char empty_text[1] = "";

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void fd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents);
static void on_child(struct ev_loop *loop, ev_child *w, int revents);
static void on_timer(struct ev_loop *loop, ev_timer *w, int revents);

static void sink_open(struct proc_job *j, struct sink *s, int fd)
{
	s->fd = fd;
	ev_io_set(&s->io, fd, EV_READ);
	ev_io_start(j->pool->loop, &s->io);
}

static void job_arm(struct proc_job *j, int ms)
{
	ev_timer_stop(j->pool->loop, &j->timer);
	ev_timer_set(&j->timer, ms / 1000.0, 0.);
	ev_timer_start(j->pool->loop, &j->timer);
}

/* Fork and exec, then watch. 0, or -1 with errno and nothing left open. */
static int job_spawn(struct proc_job *j)
{
	struct proc_child c;
	if (proc_spawn(j->argv, j->envp, &c) < 0)
		return -1;
	j->pid = c.pid;
	j->status_fd = c.status_fd;
	sink_open(j, &j->out, c.out_fd);
	sink_open(j, &j->err, c.err_fd);
	ev_child_set(&j->child, c.pid, 0);
	ev_child_start(j->pool->loop, &j->child);
	return 0;
}

/* ---- parent side: output, exit, deadline ------------------------------ */

static void group_kill(struct proc_job *j, int sig)
{
	if (j->pid > 0)
		kill(-j->pid, sig);	/* ESRCH when the group is gone: fine */
}

/* Read what is there, at most 64 KiB per call so a flood cannot starve the
 * loop. Bytes past cap are read into scratch and dropped. True when the
 * pipe was closed (EOF or error). */
static bool sink_read(struct proc_job *j, struct sink *s)
{
	char scratch[4096];
	size_t budget = 64 * 1024;
	while (budget > 0) {
		char *dst = scratch;
		size_t room = sizeof(scratch);
		if (s->len < s->cap) {
			if (s->len + 1 >= s->alloc) {
				size_t want = s->alloc ? s->alloc * 2 : 1024;
				if (want > s->cap + 1)
					want = s->cap + 1;
				char *nb = realloc(s->buf, want);
				if (!nb)
					goto closed;	/* keep what we have; the writer gets EPIPE */
				s->buf = nb;
				s->alloc = want;
			}
			dst = s->buf + s->len;
			room = s->alloc - 1 - s->len;
		}
		ssize_t n = read(s->fd, dst, room);
		if (n > 0) {
			if (dst != scratch)
				s->len += (size_t)n;
			else if (s->cap > 0)
				s->truncated = true;	/* cap 0 means "not wanted", not "cut" */
			budget -= (size_t)n < budget ? (size_t)n : budget;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		goto closed;	/* EOF, or an error we cannot do better with */
	}
	return false;
closed:
	ev_io_stop(j->pool->loop, &s->io);
	fd_close(&s->fd);
	return true;
}

/* Take what is left in the pipes, then close them. */
static void sinks_close(struct proc_job *j)
{
	struct sink *sinks[2] = { &j->out, &j->err };
	for (int i = 0; i < 2; i++) {
		if (sinks[i]->fd < 0)
			continue;
		if (!sink_read(j, sinks[i])) {
			ev_io_stop(j->pool->loop, &sinks[i]->io);
			fd_close(&sinks[i]->fd);
		}
	}
}

static void status_read(struct proc_job *j)
{
	int e = 0;
	ssize_t n;
	do
		n = read(j->status_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(e)) {
		j->start_failed = true;
		j->start_errno = e;
		j->pool->st.failed_to_start++;
	}
	fd_close(&j->status_fd);
}

static void job_finish(struct proc_job *j);
static void pool_pump(struct proc_pool *p);

static void job_maybe_finish(struct proc_job *j)
{
	if (!j->reaped)
		return;
	if (j->out.fd >= 0 || j->err.fd >= 0) {
		if (j->phase != PH_DRAIN) {
			j->phase = PH_DRAIN;
			job_arm(j, PROC_EOF_GRACE_MS);
		}
		return;
	}
	job_finish(j);
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct proc_job *j = w->data;
	struct sink *s = w == &j->out.io ? &j->out : &j->err;
	if (sink_read(j, s))
		job_maybe_finish(j);
}

static void on_child(struct ev_loop *loop, ev_child *w, int revents)
{
	struct proc_job *j = w->data;
	ev_child_stop(loop, w);
	ev_timer_stop(loop, &j->timer);
	j->reaped = true;
	j->wstatus = w->rstatus;
	status_read(j);
	if (j->timed_out || j->cancelled) {
		/* being torn down already: no reason to wait for stragglers */
		group_kill(j, SIGKILL);
		sinks_close(j);
	}
	job_maybe_finish(j);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct proc_job *j = w->data;
	switch (j->phase) {
	case PH_RUN:
		j->timed_out = true;
		j->pool->st.timed_out++;
		log_debug("proc: deadline pid=%d prog=%s timeout_ms=%d", (int)j->pid, j->argv[0],
			  j->timeout_ms);
		group_kill(j, SIGTERM);
		j->phase = PH_TERM;
		job_arm(j, j->kill_grace_ms);
		break;
	case PH_TERM:
		group_kill(j, SIGKILL);
		j->phase = PH_KILL;
		break;
	case PH_DRAIN:
		group_kill(j, SIGKILL);	/* whoever still holds the pipes */
		sinks_close(j);
		job_finish(j);
		break;
	case PH_SOON:
		job_finish(j);
		break;
	default:
		break;
	}
}

/* ---- results ---------------------------------------------------------- */

static void result_build(struct proc_job *j, struct proc_result *r)
{
	memset(r, 0, sizeof(*r));
	r->exit_code = -1;
	r->cancelled = j->cancelled;
	r->timed_out = j->timed_out;
	r->truncated = j->out.truncated;
	r->err_truncated = j->err.truncated;
	if (j->dry && !j->cancelled) {
		r->dry_run = true;
		r->exited = true;
		r->exit_code = 0;
	} else if (j->start_failed) {
		r->start_failed = true;
		r->start_errno = j->start_errno;
	} else if (j->reaped && WIFEXITED(j->wstatus)) {
		r->exited = true;
		r->exit_code = WEXITSTATUS(j->wstatus);
	} else if (j->reaped && WIFSIGNALED(j->wstatus)) {
		r->term_signal = WTERMSIG(j->wstatus);
	}
	r->ok = r->exited && r->exit_code == 0 && !r->timed_out && !r->cancelled;
	if (j->out.buf)
		j->out.buf[j->out.len] = 0;
	if (j->err.buf)
		j->err.buf[j->err.len] = 0;
	r->out = j->out.buf ? j->out.buf : empty_text;
	r->out_len = j->out.len;
	r->err = j->err.buf ? j->err.buf : empty_text;
	r->err_len = j->err.len;
	r->duration_ms = j->start_ms ? now_ms() - j->start_ms : 0;

	int n;
	size_t sz = sizeof(j->reason);
	if (r->cancelled)
		n = snprintf(j->reason, sz, "cancelled");
	else if (r->start_failed)
		n = snprintf(j->reason, sz, "could not start: %s", strerror(r->start_errno));
	else if (r->timed_out)
		n = snprintf(j->reason, sz, "timed out after %d ms", j->timeout_ms);
	else if (r->dry_run)
		n = snprintf(j->reason, sz, "dry-run");
	else if (r->term_signal)
		n = snprintf(j->reason, sz, "killed by signal %d", r->term_signal);
	else
		n = snprintf(j->reason, sz, "exited %d", r->exit_code);
	if (r->truncated && n >= 0 && (size_t)n < sz)
		snprintf(j->reason + n, sz - (size_t)n, "; output cut at %zu bytes", j->out.cap);
	r->reason = j->reason;
}

static void job_unlink(struct proc_pool *p, struct proc_job *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else
		p->jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	j->prev = j->next = NULL;
}

static void job_free(struct proc_job *j)
{
	free(j->out.buf);
	free(j->err.buf);
	free(j->args_mem);
	free(j);
}

/* Out of the pool's list, every watcher stopped, every fd closed. */
static void job_release(struct proc_pool *p, struct proc_job *j)
{
	job_unlink(p, j);
	ev_timer_stop(p->loop, &j->timer);
	ev_child_stop(p->loop, &j->child);
	ev_io_stop(p->loop, &j->out.io);
	ev_io_stop(p->loop, &j->err.io);
	fd_close(&j->out.fd);
	fd_close(&j->err.fd);
	fd_close(&j->status_fd);
}

static void job_finish(struct proc_job *j)
{
	struct proc_pool *p = j->pool;
	j->phase = PH_DONE;
	job_release(p, j);
	if (j->holds_slot) {
		p->st.running--;
		j->holds_slot = false;
	}
	p->st.completed++;
	if (j->cancelled)
		p->st.cancelled++;

	struct proc_result r;
	result_build(j, &r);
	log_debug("proc: done pid=%d prog=%s result=\"%s\" duration_ms=%llu", (int)j->pid,
		  j->argv[0], r.reason, (unsigned long long)r.duration_ms);

	/* Start the next ones before the callback: it may free the pool. */
	pool_pump(p);
	if (j->cb)
		j->cb(&r, j->ctx);
	job_free(j);
}

/* ---- the pool --------------------------------------------------------- */

static void job_start(struct proc_job *j)
{
	struct proc_pool *p = j->pool;
	j->holds_slot = true;
	p->st.running++;
	ev_now_update(p->loop);
	j->start_ms = now_ms();
	if (j->dry) {
		j->phase = PH_SOON;
		job_arm(j, 0);
		return;
	}
	if (job_spawn(j) < 0) {
		j->start_failed = true;
		j->start_errno = errno;
		p->st.failed_to_start++;
		j->holds_slot = false;
		p->st.running--;
		j->phase = PH_SOON;
		job_arm(j, 0);
		return;
	}
	p->st.started++;
	log_debug("proc: start pid=%d prog=%s timeout_ms=%d", (int)j->pid, j->argv[0], j->timeout_ms);
	j->phase = PH_RUN;
	job_arm(j, j->timeout_ms);
}

static void pool_pump(struct proc_pool *p)
{
	while (p->qhead && p->st.running < p->max_children) {
		struct proc_job *j = p->qhead;
		p->qhead = j->qnext;
		if (!p->qhead)
			p->qtail = NULL;
		j->qnext = NULL;
		p->st.queued--;
		job_start(j);
	}
}

struct proc_pool *proc_pool_new(struct ev_loop *loop, int max_children, int max_queued)
{
	if (!loop || !ev_is_default_loop(loop) || max_children < 1 ||
	    max_children > PROC_CHILDREN_MAX || max_queued < 0 || max_queued > PROC_QUEUED_MAX) {
		errno = EINVAL;
		return NULL;
	}
	struct proc_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->loop = loop;
	p->max_children = (unsigned)max_children;
	p->max_queued = (unsigned)max_queued;
	return p;
}

void proc_pool_free(struct proc_pool *p)
{
	if (!p)
		return;
	struct proc_job *j;
	while ((j = p->jobs)) {
		if (j->pid > 0 && (!j->reaped || j->out.fd >= 0 || j->err.fd >= 0))
			group_kill(j, SIGKILL);
		job_release(p, j);
		/* ECHILD when libev reaped it already, its event still pending */
		while (j->pid > 0 && !j->reaped && waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
			;
		job_free(j);
	}
	free(p);
}

void proc_pool_set_dry_run(struct proc_pool *p, bool on)
{
	p->dry_run = on;
}

void proc_pool_get_stats(const struct proc_pool *p, struct proc_stats *st)
{
	*st = p->st;
}

const char *proc_pool_last_error(const struct proc_pool *p)
{
	return p->last_err;
}

/* Count entries and string bytes of a NULL-terminated vector. */
static bool vec_measure(const char *const *v, size_t *count, size_t *bytes)
{
	*count = 0;
	for (; v[*count]; (*count)++) {
		if (*count >= PROC_ARGS_MAX)
			return false;
		*bytes += strlen(v[*count]) + 1;
		if (*bytes > PROC_ARG_BYTES_MAX)
			return false;
	}
	return true;
}

static char **vec_copy(const char *const *v, size_t count, char **slots, char **strings)
{
	for (size_t i = 0; i < count; i++) {
		size_t n = strlen(v[i]) + 1;
		memcpy(*strings, v[i], n);
		slots[i] = *strings;
		*strings += n;
	}
	slots[count] = NULL;
	return slots;
}

static bool spec_check(struct proc_pool *p, const struct proc_spec *s, size_t *argc,
		       size_t *envc, size_t *bytes)
{
	const char *why = NULL;
	*bytes = 0;
	*envc = 0;
	if (!s || !s->argv || !s->argv[0] || !s->argv[0][0])
		why = "argv[0] missing";
	else if (s->timeout_ms < 1 || s->timeout_ms > PROC_TIMEOUT_MS_MAX)
		why = "timeout_ms out of range";
	else if (s->kill_grace_ms < 0 || s->kill_grace_ms > PROC_KILL_GRACE_MS_MAX)
		why = "kill_grace_ms out of range";
	else if (s->out_cap > PROC_OUT_CAP_MAX || s->err_cap > PROC_ERR_CAP_MAX)
		why = "output cap too large";
	else if (!vec_measure(s->argv, argc, bytes) || (s->envp && !vec_measure(s->envp, envc, bytes)))
		why = "argv or envp too long";
	if (!why)
		return true;
	snprintf(p->last_err, sizeof(p->last_err), "invalid spec: %s", why);
	errno = EINVAL;
	return false;
}

struct proc_job *proc_run(struct proc_pool *p, const struct proc_spec *spec, proc_cb cb, void *ctx)
{
	size_t argc, envc, bytes;
	if (!spec_check(p, spec, &argc, &envc, &bytes))
		return NULL;
	if (p->st.running >= p->max_children && p->st.queued >= p->max_queued) {
		snprintf(p->last_err, sizeof(p->last_err), "queue full: running=%u queued=%u",
			 p->st.running, p->st.queued);
		errno = EAGAIN;
		return NULL;
	}

	struct proc_job *j = calloc(1, sizeof(*j));
	size_t nslots = argc + 1 + (spec->envp ? envc + 1 : 0);
	void *mem = j ? malloc(nslots * sizeof(char *) + bytes) : NULL;
	if (!mem) {
		free(j);
		snprintf(p->last_err, sizeof(p->last_err), "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	char **slots = mem;
	char *strings = (char *)(slots + nslots);
	j->args_mem = mem;
	j->argv = vec_copy(spec->argv, argc, slots, &strings);
	if (spec->envp)
		j->envp = vec_copy(spec->envp, envc, slots + argc + 1, &strings);

	j->pool = p;
	j->cb = cb;
	j->ctx = ctx;
	j->timeout_ms = spec->timeout_ms;
	j->kill_grace_ms = spec->kill_grace_ms ? spec->kill_grace_ms : PROC_KILL_GRACE_MS_DEFAULT;
	j->out.cap = spec->out_cap;
	j->err.cap = spec->err_cap;
	j->out.fd = j->err.fd = j->status_fd = -1;
	ev_io_init(&j->out.io, on_io, -1, EV_READ);
	ev_io_init(&j->err.io, on_io, -1, EV_READ);
	j->out.io.data = j->err.io.data = j;
	ev_child_init(&j->child, on_child, 0, 0);
	j->child.data = j;
	ev_timer_init(&j->timer, on_timer, 0., 0.);
	j->timer.data = j;

	j->dry = p->dry_run;
	if (j->dry) {
		char line[512];
		log_info("dry-run: would run %s", proc_format_argv(line, sizeof(line), spec->argv));
	}

	j->next = p->jobs;
	if (p->jobs)
		p->jobs->prev = j;
	p->jobs = j;
	j->phase = PH_QUEUED;
	if (p->qtail)
		p->qtail->qnext = j;
	else
		p->qhead = j;
	p->qtail = j;
	p->st.queued++;
	pool_pump(p);
	return j;
}

static void queue_remove(struct proc_pool *p, struct proc_job *j)
{
	struct proc_job **pp = &p->qhead, *prev = NULL;
	while (*pp && *pp != j) {
		prev = *pp;
		pp = &(*pp)->qnext;
	}
	if (!*pp)
		return;
	*pp = j->qnext;
	if (p->qtail == j)
		p->qtail = prev;
	j->qnext = NULL;
	p->st.queued--;
}

void proc_cancel(struct proc_job *j)
{
	if (!j || j->cancelled || j->phase == PH_DONE)
		return;
	j->cancelled = true;
	switch (j->phase) {
	case PH_QUEUED:
		queue_remove(j->pool, j);
		j->phase = PH_SOON;
		job_arm(j, 0);
		break;
	case PH_RUN:
	case PH_TERM:
		ev_timer_stop(j->pool->loop, &j->timer);
		group_kill(j, SIGKILL);
		j->phase = PH_KILL;
		break;
	case PH_DRAIN:
		group_kill(j, SIGKILL);
		sinks_close(j);
		j->phase = PH_SOON;
		job_arm(j, 0);
		break;
	default:	/* PH_SOON: completes anyway; PH_KILL: SIGKILL sent already */
		break;
	}
}

void proc_abandon(struct proc_job *j)
{
	if (!j)
		return;
	j->cb = NULL;
	proc_cancel(j);
}

/* ---- argv for logs ---------------------------------------------------- */

static bool arg_is_plain(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_./:=,+@%-", *s))
			return false;
	return true;
}

char *proc_format_argv(char *dst, size_t len, const char *const *argv)
{
	if (!len)
		return dst;
	size_t n = 0;
	bool full = false;
	/* room is kept for "..." and the NUL */
#define PUT(c) do { if (n + 4 >= len) { full = true; goto out; } dst[n++] = (c); } while (0)
	for (size_t i = 0; argv && argv[i]; i++) {
		char arg[256];
		text_copy_sanitized(arg, sizeof(arg), argv[i]);
		if (i)
			PUT(' ');
		bool quote = !arg_is_plain(arg);
		if (quote)
			PUT('\'');
		for (const char *c = arg; *c; c++) {
			if (*c == '\'') {
				PUT('\'');
				PUT('\\');
				PUT('\'');
			}
			PUT(*c);
		}
		if (quote)
			PUT('\'');
	}
#undef PUT
out:
	if (full && len >= 4) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n < len ? n : len - 1] = 0;
	return text_sanitize(dst);
}

char *proc_err_line(const struct proc_result *res, char *dst, size_t len)
{
	if (!len)
		return dst;
	size_t n = strcspn(res->err, "\r\n");
	if (n >= len)
		n = len - 1;
	memcpy(dst, res->err, n);
	dst[n] = '\0';
	return text_sanitize(dst);
}
