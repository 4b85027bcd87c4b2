/*
 * proc_spawn.c - see proc_spawn.h
 *
 * fork() rather than posix_spawn()/vfork(): the child must close every fd it
 * did not ask for (musl's posix_spawn has no closefrom action), lead its own
 * process group and report exec errors through a status pipe. The daemon is
 * single-threaded and small, so fork's copy-on-write costs little and malloc
 * in the child (execvp's PATH search) is safe.
 *
 * Exec failure: the child writes errno to a close-on-exec pipe. After a
 * successful exec the pipe is closed unwritten, so at reap time the parent
 * reads 4 bytes (failed) or EOF (started); no guessing from exit code 127.
 */
#include "proc_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- child side (between fork and exec) ------------------------------- */

static bool close_range_sys(unsigned lo, unsigned hi)
{
	if (lo > hi)
		return true;
#ifdef SYS_close_range
	return syscall(SYS_close_range, lo, hi, 0) == 0;
#else
	return false;
#endif
}

/* Every fd from 3 up except keep. Without close_range (Linux < 5.9), a loop
 * up to RLIMIT_NOFILE, capped at 65536: the daemon's fds are close-on-exec
 * anyway, this only guards against ones that are not. */
static void close_fds_except(int keep)
{
	if (close_range_sys(3, (unsigned)keep - 1) && close_range_sys((unsigned)keep + 1, ~0u))
		return;
	struct rlimit rl;
	long max = 1024;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = (long)rl.rlim_cur;
	if (max > 65536)
		max = 65536;
	for (int fd = 3; fd < max; fd++)
		if (fd != keep)
			close(fd);
}

static void __attribute__((noreturn)) child_exec(char *const *argv, char *const *envp, int out_w,
						 int err_w, int status_w)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);	/* EINVAL for KILL, STOP and libc's own: fine */

	setpgid(0, 0);
	int null_fd = open("/dev/null", O_RDONLY);
	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
		goto fail;
	close_fds_except(status_w);

	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (envp)
		execvpe(argv[0], argv, envp);
	else
		execvp(argv[0], argv);
fail:;
	int e = errno;
	ssize_t n = write(status_w, &e, sizeof(e));
	(void)n;
	_exit(127);
}

/* A close-on-exec pipe whose ends are both above stdio, so the child's
 * dup2() onto 0..2 can never clobber one of them. */
static int pipe_above_stdio(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		if (fds[i] >= 3)
			continue;
		int fd = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			int e = errno;
			close(fds[0]);
			close(fds[1]);
			fds[0] = fds[1] = -1;
			errno = e;
			return -1;
		}
		close(fds[i]);
		fds[i] = fd;
	}
	return 0;
}

static void fd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int proc_spawn(char *const *argv, char *const *envp, struct proc_child *c)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, ps[2] = { -1, -1 };
	int e;
	if (pipe_above_stdio(po) < 0 || pipe_above_stdio(pe) < 0 || pipe_above_stdio(ps) < 0)
		goto fail;
	if (fcntl(po[0], F_SETFL, O_NONBLOCK) < 0 || fcntl(pe[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(ps[0], F_SETFL, O_NONBLOCK) < 0)
		goto fail;

	/* No signal handler of the daemon (libev's writes to its wake-up pipe,
	 * shared after fork) may run in the child before it resets them. */
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid_t pid = fork();
	if (pid == 0)
		child_exec(argv, envp, po[1], pe[1], ps[1]);
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		errno = e;
		goto fail;
	}
	setpgid(pid, pid);	/* as the child does: kill(-pid) works whichever runs first */

	close(po[1]);
	close(pe[1]);
	close(ps[1]);
	c->pid = pid;
	c->out_fd = po[0];
	c->err_fd = pe[0];
	c->status_fd = ps[0];
	return 0;
fail:
	e = errno;
	for (int i = 0; i < 2; i++) {
		fd_close(&po[i]);
		fd_close(&pe[i]);
		fd_close(&ps[i]);
	}
	errno = e;
	return -1;
}
