/*
 * proc.h - run an external program from the libev loop, never blocking it.
 *
 * The one exec helper of Starfail: every collector and controller that needs
 * a tool (ubus, uci, mwan3, gsmctl, mmcli, uqmi) goes through a proc_pool
 * instead of system()/popen(). A job is an argv (never a shell), a deadline,
 * and caps on the output kept. See docs/PROC.md.
 *
 * Contract:
 *  - The child leads its own process group, gets /dev/null as stdin, pipes
 *    as stdout and stderr, no other fd, default signal dispositions and an
 *    empty signal mask.
 *  - Deadline: SIGTERM to the group after timeout_ms, SIGKILL to the group
 *    kill_grace_ms later. The result says "timed out".
 *  - Output: the first out_cap bytes of stdout and err_cap bytes of stderr
 *    (kept apart) are kept; the rest is read and thrown away so the child
 *    never blocks on a full pipe.
 *  - The callback fires exactly once, always from the loop (never inside
 *    proc_run() or proc_cancel()), after the child was reaped and both pipes
 *    were closed. Grandchildren that keep a pipe open get PROC_EOF_GRACE_MS
 *    after the child's exit, then the group is killed and the pipes closed.
 *  - At most max_children run at once; up to max_queued more wait in FIFO
 *    order; beyond that proc_run() fails.
 *  - Child exits are seen through libev's ev_child, so the pool needs the
 *    default loop (libev reaps every child of the process there anyway).
 */
#ifndef SF_PROC_H
#define SF_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#define PROC_CHILDREN_MAX 64
#define PROC_QUEUED_MAX 1024
#define PROC_TIMEOUT_MS_MAX 600000		/* 10 min */
#define PROC_KILL_GRACE_MS_DEFAULT 500
#define PROC_KILL_GRACE_MS_MAX 10000
#define PROC_EOF_GRACE_MS 200			/* pipe EOF wait after the child's exit */
#define PROC_OUT_CAP_MAX (1024 * 1024)
#define PROC_ERR_CAP_MAX (64 * 1024)
#define PROC_ARGS_MAX 256			/* argv entries, and envp entries */
#define PROC_ARG_BYTES_MAX (64 * 1024)		/* argv + envp strings together */

struct proc_pool;
struct proc_job;

struct proc_spec {
	/* argv[0]: an absolute path, or a name searched in $PATH (execvp). */
	const char *const *argv;
	/* NULL: inherit the daemon's environment. $PATH is always the daemon's. */
	const char *const *envp;
	int timeout_ms;			/* 1..PROC_TIMEOUT_MS_MAX, counted from the start, not the queueing */
	int kill_grace_ms;		/* SIGTERM -> SIGKILL; 0 = PROC_KILL_GRACE_MS_DEFAULT */
	size_t out_cap;			/* stdout bytes kept, 0..PROC_OUT_CAP_MAX; 0 = discard, never "truncated" */
	size_t err_cap;			/* stderr bytes kept, 0..PROC_ERR_CAP_MAX; 0 = discard */
};

/*
 * What happened. Valid only during the callback: out and err are freed when
 * it returns. Exactly one of exited / term_signal / start_failed / dry_run
 * describes the end, except for a cancelled queued job (none of them).
 */
struct proc_result {
	bool ok;			/* exited with 0, not timed out or cancelled */
	bool exited;			/* exit_code is valid */
	int exit_code;			/* 0..255, or -1 */
	int term_signal;		/* the signal that ended the child, or 0 */
	bool timed_out;
	bool truncated;			/* stdout went past out_cap */
	bool err_truncated;		/* stderr went past err_cap */
	bool cancelled;			/* proc_cancel() */
	bool start_failed;		/* fork, pipe or exec failed; start_errno says why */
	int start_errno;
	bool dry_run;
	const char *out;		/* NUL-terminated, never NULL */
	size_t out_len;
	const char *err;		/* NUL-terminated, never NULL */
	size_t err_len;
	uint64_t duration_ms;		/* start (fork) to callback, monotonic */
	/* "exited 3", "killed by signal 9", "timed out after 2000 ms",
	 * "could not start: No such file or directory", "cancelled", "dry-run",
	 * with "; output cut at 65536 bytes" appended when truncated. */
	const char *reason;
};

typedef void (*proc_cb)(const struct proc_result *res, void *ctx);

struct proc_stats {
	unsigned running;		/* children alive (and dry-run jobs holding a slot) */
	unsigned queued;
	uint64_t started;		/* successful forks */
	uint64_t timed_out;
	uint64_t failed_to_start;	/* fork, pipe or exec failures */
	uint64_t cancelled;
	uint64_t completed;		/* callbacks fired (or suppressed by proc_abandon) */
};

/*
 * loop must be the default loop (EINVAL otherwise); max_children in
 * 1..PROC_CHILDREN_MAX, max_queued in 0..PROC_QUEUED_MAX. NULL with errno
 * on failure.
 */
struct proc_pool *proc_pool_new(struct ev_loop *loop, int max_children, int max_queued);

/*
 * SIGKILL to every job's process group, reap every child (blocking, which
 * SIGKILL keeps short), close every fd and free. No callback is invoked, not
 * even for jobs still queued. May be called from inside a callback.
 */
void proc_pool_free(struct proc_pool *pool);

/*
 * When on, proc_run() logs the argv (log_info, quoted, sanitised) and the
 * job completes from the loop with dry_run, exit 0 and empty output, without
 * forking. Dry-run jobs queue and take a slot like real ones, for one loop
 * iteration. Applies to jobs submitted after the call.
 */
void proc_pool_set_dry_run(struct proc_pool *pool, bool on);

void proc_pool_get_stats(const struct proc_pool *pool, struct proc_stats *st);

/* Why the last proc_run() on this pool returned NULL. */
const char *proc_pool_last_error(const struct proc_pool *pool);

/*
 * Submit a job. spec and everything it points to are copied. cb may be NULL.
 * Returns the handle, valid until the callback returns; NULL with errno
 * EINVAL (bad spec), EAGAIN (queue full) or ENOMEM, and
 * proc_pool_last_error() telling which. Failures to fork or exec are not
 * reported here but through the callback (start_failed).
 */
struct proc_job *proc_run(struct proc_pool *pool, const struct proc_spec *spec,
			  proc_cb cb, void *ctx);

/*
 * SIGKILL to the job's group (or drop it from the queue). The callback
 * still fires, from the loop, with cancelled = true once the child is
 * reaped. Does nothing if the job was already cancelled.
 */
void proc_cancel(struct proc_job *job);

/*
 * proc_cancel() without the callback: for an owner that goes away before
 * its job ends. The pool still reaps the child. The handle is invalid after.
 */
void proc_abandon(struct proc_job *job);

/*
 * A readable one-line rendering of argv for logs: each argument sanitised
 * (text.h) and single-quoted when it holds anything but [A-Za-z0-9_./:=,+@%-].
 * Cut with "..." to fit len. Returns dst.
 */
char *proc_format_argv(char *dst, size_t len, const char *const *argv);

/*
 * The first line of what the child wrote on stderr (up to its first \r or
 * \n; "Command failed: Not found"), cut to fit len and sanitised (text.h);
 * "" when it wrote nothing. Tools say why they failed there. Returns dst.
 */
char *proc_err_line(const struct proc_result *res, char *dst, size_t len);

#endif
