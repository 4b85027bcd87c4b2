/*
 * proc_spawn.h - the child side of the exec helper: start one program.
 *
 * Internal to proc.c (which watches the fds, reaps and enforces deadlines);
 * nothing else should fork. No libev here.
 */
#ifndef SF_PROC_SPAWN_H
#define SF_PROC_SPAWN_H

#include <sys/types.h>

struct proc_child {
	pid_t pid;		/* also its process group id */
	int out_fd;		/* read ends, non-blocking and close-on-exec */
	int err_fd;
	int status_fd;		/* readable once the child is gone: an int errno when
				 * the exec (or the setup before it) failed, EOF when
				 * the exec succeeded */
};

/*
 * fork and execvp(argv[0], argv) -- execvpe with envp when envp is not
 * NULL; $PATH is the daemon's either way. The child leads its own process
 * group and has /dev/null as stdin, the two pipes as stdout and stderr, no
 * other fd, default signal dispositions and an empty signal mask.
 * Returns 0, or -1 with errno (pipe, fcntl, fork) and nothing left open.
 */
int proc_spawn(char *const *argv, char *const *envp, struct proc_child *c);

#endif
