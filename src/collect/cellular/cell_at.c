/*
 * cell_at.c - one AT query round on a serial port (see cell_at.h): the
 * lock, the tty set-up, the command sequence with a deadline each, the
 * answer framed by cell_at_session.c and parsed by cell_parse_at().
 */
#include "cell_at.h"

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <linux/serial.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cell_at_session.h"
#include "clock.h"
#include "log.h"
#include "text.h"

#define PATH_LEN 160
#define ROUND_MAX 8192		/* the parsed replies of one round */
#define READ_CHUNK 512
#define READS_PER_WAKEUP 8	/* a babbling port cannot hold the loop */

#define CMD_SETUP 0x01		/* reply not parsed (ATE0) */
#define CMD_TEXT 0x02		/* plain lines are the reply */
#define CMD_IDENT 0x04		/* names the vendor, not parsed */
#define CMD_IF_UNKNOWN 0x08	/* only while the vendor is unknown */
#define CMD_QUECTEL 0x10	/* only on a Quectel module */

struct at_cmd {
	const char *cmd, *prefix;
	unsigned flags;
};

static const struct at_cmd round_cmds[] = {
	{ "ATE0", NULL, CMD_SETUP },
	{ "AT+CGMI", "+CGMI", CMD_TEXT | CMD_IDENT },
	{ "ATI", NULL, CMD_TEXT | CMD_IDENT | CMD_IF_UNKNOWN },
	{ "AT+CSQ", "+CSQ", 0 },
	{ "AT+CESQ", "+CESQ", 0 },
	{ "AT+CREG?", "+CREG", 0 },
	{ "AT+CEREG?", "+CEREG", 0 },
	{ "AT+C5GREG?", "+C5GREG", 0 },
	{ "AT+COPS?", "+COPS", 0 },
	{ "AT+QENG=\"servingcell\"", "+QENG", CMD_QUECTEL },
	{ "AT+QUIMSLOT?", "+QUIMSLOT", CMD_QUECTEL },
};
#define NCMDS ((int)(sizeof(round_cmds) / sizeof(round_cmds[0])))
#define CMD_ACTION 0x20		/* cell_at_command's own: its OK is the result */

enum vendor { VENDOR_UNKNOWN = -1, VENDOR_OTHER, VENDOR_QUECTEL };

struct cell_at {
	struct ev_loop *loop;
	char member[64];
	char port[64];
	char lock_dir[64];
	char lock_path[PATH_LEN];
	int cmd_timeout_ms;
	int fd;			/* -1 between rounds */
	bool lock_held;		/* we created lock_path */
	ev_io io;
	ev_timer timer;
	const struct at_cmd *cmds;	/* this round's: round_cmds, or one[] for cell_at_command */
	int ncmds;
	struct at_cmd one[2];		/* ATE0 and the command of cell_at_command */
	char one_cmd[AT_CMD_MAX];
	bool action_ok;			/* the command answered OK */
	int idx;		/* command running */
	struct at_session sess;
	char out[AT_CMD_MAX + 2];
	size_t out_len, out_off;
	char all[ROUND_MAX + 1];
	size_t all_len;
	int vendor;
	cell_at_done_fn done;
	void *ctx;
	int64_t started_ms;
	uint64_t rounds, rounds_ok, echoes, urcs, dropped, busy;
	int64_t last_round_ms;
	char unsupported[CELL_AT_UNSUPPORTED_MAX];
	char unsup_next[CELL_AT_UNSUPPORTED_MAX];	/* this round's, published at its end */
};

static const char *const vendor_names[] = { "other", "quectel" };

struct cell_at *cell_at_new(struct ev_loop *loop, const char *member, const char *port, const char *lock_dir,
			    int cmd_timeout_ms)
{
	struct cell_at *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->loop = loop;
	snprintf(a->member, sizeof(a->member), "%s", member);
	snprintf(a->port, sizeof(a->port), "%s", port);
	snprintf(a->lock_dir, sizeof(a->lock_dir), "%s", lock_dir ? lock_dir : "");
	if (a->lock_dir[0]) {
		const char *base = strrchr(a->port, '/');
		snprintf(a->lock_path, sizeof(a->lock_path), "%s/LCK..%s", a->lock_dir, base ? base + 1 : a->port);
	}
	a->cmd_timeout_ms = cmd_timeout_ms;
	a->fd = -1;
	a->vendor = VENDOR_UNKNOWN;
	a->last_round_ms = -1;
	return a;
}

/* The UUCP lock file (FHS 3.0 5.9, HDB format). 0 taken or not used, -1 busy. */
static int lockfile_take(struct cell_at *a, char *reason, size_t len)
{
	if (!a->lock_path[0])
		return 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = open(a->lock_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd >= 0) {
			char pid[16];
			int n = snprintf(pid, sizeof(pid), "%10ld\n", (long)getpid());
			bool ok = write(fd, pid, (size_t)n) == n;
			close(fd);
			if (!ok) {
				unlink(a->lock_path);
				return 0;
			}
			a->lock_held = true;
			return 0;
		}
		if (errno != EEXIST) {
			/* no lock directory, read-only: go on with flock alone */
			log_debug("cellular member=%s at: no lock file %s: %s", a->member, a->lock_path,
				  strerror(errno));
			return 0;
		}
		char buf[32] = "";
		fd = open(a->lock_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = '\0';
			close(fd);
		}
		char *end;
		errno = 0;
		long pid = strtol(buf, &end, 10);
		bool parsed = end != buf && errno == 0 && pid > 0 && pid < (1L << 22);
		/* our own pid: another member of this daemon has the port */
		if (parsed && (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
			snprintf(reason, len, "port busy (lock file %s)", a->lock_path);
			return -1;
		}
		/* a dead holder's (or unreadable) lock: stale */
		log_info("cellular member=%s at: removing stale lock file %s", a->member, a->lock_path);
		if (unlink(a->lock_path) != 0 && errno != ENOENT)
			break;
	}
	snprintf(reason, len, "port busy (lock file %s)", a->lock_path);
	return -1;
}

/* Close the port and drop every lock; safe to call twice. */
static void port_release(struct cell_at *a)
{
	ev_io_stop(a->loop, &a->io);
	ev_timer_stop(a->loop, &a->timer);
	if (a->fd >= 0) {
		tcflush(a->fd, TCIOFLUSH);	/* nothing left to drain: close does not wait */
		ioctl(a->fd, TIOCNXCL);
		close(a->fd);		/* releases the flock */
		a->fd = -1;
	}
	if (a->lock_held) {
		unlink(a->lock_path);
		a->lock_held = false;
	}
}

static void open_reason(char *reason, size_t len, const char *port, int err)
{
	if (err == ENOENT)
		snprintf(reason, len, "no such port %s", port);
	else if (err == EBUSY)
		snprintf(reason, len, "port busy (exclusive open)");
	else if (err == ENXIO || err == ENODEV || err == EIO)
		snprintf(reason, len, "port gone (%s)", strerror(err));
	else
		snprintf(reason, len, "cannot open %s: %s", port, strerror(err));
}

/* Open, check nobody else holds it, lock, raw mode. 0 or -1 with reason. */
static int port_take(struct cell_at *a, char *reason, size_t len)
{
	if (lockfile_take(a, reason, len))
		return -1;
	a->fd = open(a->port, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (a->fd < 0) {
		open_reason(reason, len, a->port, errno);
		goto fail;
	}
	if (!isatty(a->fd)) {
		snprintf(reason, len, "%s is not a tty", a->port);
		goto fail;
	}
#ifdef TIOCGEXCL
	int excl = 0;
	if (ioctl(a->fd, TIOCGEXCL, &excl) == 0 && excl) {
		snprintf(reason, len, "port busy (exclusive mode: ModemManager?)");
		goto fail;
	}
#endif
	if (flock(a->fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			snprintf(reason, len, "port busy (flock)");
		else
			snprintf(reason, len, "flock: %s", strerror(errno));
		goto fail;
	}
	ioctl(a->fd, TIOCEXCL);
	struct termios t;
	if (tcgetattr(a->fd, &t) != 0) {
		snprintf(reason, len, "%s: tcgetattr: %s", a->port, strerror(errno));
		goto fail;
	}
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~(tcflag_t)CRTSCTS;
	/* MIN 1: with O_NONBLOCK an empty port reads EAGAIN; MIN 0 would read 0, like a hang-up */
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	cfsetispeed(&t, B115200);
	cfsetospeed(&t, B115200);
	if (tcsetattr(a->fd, TCSANOW, &t) != 0) {
		snprintf(reason, len, "%s: tcsetattr: %s", a->port, strerror(errno));
		goto fail;
	}
	struct serial_struct ss;
	if (ioctl(a->fd, TIOCGSERIAL, &ss) == 0) {
		ss.closing_wait = ASYNC_CLOSING_WAIT_NONE;
		ioctl(a->fd, TIOCSSERIAL, &ss);
	}
	tcflush(a->fd, TCIOFLUSH);	/* what was said before this round is no answer */
	return 0;
fail:
	port_release(a);
	return -1;
}

static void round_end(struct cell_at *a, const struct cell_info *ci, const char *reason)
{
	port_release(a);
	a->last_round_ms = clock_mono_ms() - a->started_ms;
	if (a->cmds != a->one)	/* a query round's list; a command leaves it */
		snprintf(a->unsupported, sizeof(a->unsupported), "%s", a->unsup_next);
	cell_at_done_fn done = a->done;
	a->done = NULL;
	if (ci)
		a->rounds_ok++;
	else if (reason)
		log_debug("cellular member=%s at: round failed: %s", a->member, reason);
	done(a->ctx, ci, reason);
}

static void round_fail(struct cell_at *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void round_fail(struct cell_at *a, const char *fmt, ...)
{
	char reason[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	round_end(a, NULL, reason);
}

/* Write what is pending; 0 or -1 with errno (EAGAIN is not an error). */
static int out_flush(struct cell_at *a)
{
	while (a->out_off < a->out_len) {
		ssize_t n = write(a->fd, a->out + a->out_off, a->out_len - a->out_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -1;
		}
		a->out_off += (size_t)n;
	}
	int events = EV_READ | (a->out_off < a->out_len ? EV_WRITE : 0);
	if (!ev_is_active(&a->io) || (a->io.events & (EV_READ | EV_WRITE)) != events) {
		ev_io_stop(a->loop, &a->io);
		ev_io_set(&a->io, a->fd, events);
		ev_io_start(a->loop, &a->io);
	}
	return 0;
}

static bool cmd_applies(const struct cell_at *a, int i)
{
	unsigned f = a->cmds[i].flags;
	if ((f & CMD_IF_UNKNOWN) && a->vendor != VENDOR_UNKNOWN)
		return false;
	if ((f & CMD_QUECTEL) && a->vendor != VENDOR_QUECTEL)
		return false;
	return true;
}

/* Send command idx; 0 or -1 with errno. */
static int cmd_send(struct cell_at *a)
{
	const struct at_cmd *c = &a->cmds[a->idx];
	at_session_begin(&a->sess, c->cmd, c->prefix, (c->flags & CMD_TEXT) != 0);
	a->out_len = (size_t)snprintf(a->out, sizeof(a->out), "%s\r", c->cmd);
	a->out_off = 0;
	ev_timer_stop(a->loop, &a->timer);
	ev_timer_set(&a->timer, a->cmd_timeout_ms / 1000.0, 0.);
	ev_timer_start(a->loop, &a->timer);
	return out_flush(a);
}

/* Does s contain w, ignoring case (ASCII)? */
static bool contains_ci(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (; *s; s++)
		if (strncasecmp(s, w, n) == 0)
			return true;
	return false;
}

static void note_unsupported(struct cell_at *a, const char *cmd)
{
	size_t l = strlen(a->unsup_next);
	if (l + strlen(cmd) + 2 < sizeof(a->unsup_next))
		snprintf(a->unsup_next + l, sizeof(a->unsup_next) - l, "%s%s", l ? "," : "", cmd);
}

static void round_finish(struct cell_at *a)
{
	if (a->cmds == a->one) {	/* cell_at_command: OK or what it answered */
		if (a->action_ok)
			round_end(a, NULL, NULL);
		else
			round_fail(a, "%s answered %s", a->one_cmd, a->all[0] ? a->all : "nothing");
		return;
	}
	struct cell_info ci;
	cell_info_init(&ci);
	char err[120] = "";
	int n = a->all_len ? cell_parse_at(a->all, a->all_len, &ci, err, sizeof(err)) : 0;
	if (n < 0)
		round_fail(a, "answer not understood: %s", err);
	else if (n == 0)
		round_fail(a, "no signal values%s", a->unsup_next[0] ? " (every query answered ERROR?)" : "");
	else
		round_end(a, &ci, NULL);
}

/* The running command got its final result code. */
static void cmd_done(struct cell_at *a)
{
	const struct at_cmd *c = &a->cmds[a->idx];
	const struct at_session *s = &a->sess;
	a->echoes += s->echoes;
	a->urcs += s->urcs;
	a->dropped += s->dropped + s->reply_cut;
	if (c->flags & CMD_ACTION) {
		a->action_ok = s->final == AT_FINAL_OK;
		snprintf(a->all, sizeof(a->all), "%s", s->final_text);
	} else if (s->final != AT_FINAL_OK) {
		if (!(c->flags & CMD_SETUP))
			note_unsupported(a, c->cmd);
		log_debug("cellular member=%s at: %s answered %s", a->member, c->cmd, s->final_text);
	} else if (c->flags & CMD_IDENT) {
		if (s->reply_lines)
			a->vendor = contains_ci(s->reply, "quectel") ? VENDOR_QUECTEL : VENDOR_OTHER;
	} else if (!(c->flags & CMD_SETUP) && s->reply_len) {
		if (a->all_len + s->reply_len <= ROUND_MAX) {
			memcpy(a->all + a->all_len, s->reply, s->reply_len);
			a->all_len += s->reply_len;
			a->all[a->all_len] = '\0';
		}
	}
	do
		a->idx++;
	while (a->idx < a->ncmds && !cmd_applies(a, a->idx));
	if (a->idx >= a->ncmds) {
		round_finish(a);
		return;
	}
	if (cmd_send(a) != 0)
		round_fail(a, "%s: write: %s", a->cmds[a->idx].cmd, strerror(errno));
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	struct cell_at *a = w->data;
	if ((revents & EV_WRITE) && out_flush(a) != 0) {
		round_fail(a, "%s: write: %s", a->cmds[a->idx].cmd, strerror(errno));
		return;
	}
	if (!(revents & EV_READ))
		return;
	for (int r = 0; r < READS_PER_WAKEUP; r++) {
		char buf[READ_CHUNK];
		ssize_t n = read(a->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n == 0) {
			round_fail(a, "port gone (hung up) during %s", a->cmds[a->idx].cmd);
			return;
		}
		if (n < 0) {
			int e = errno;
			if (e == EIO || e == ENXIO || e == ENODEV)
				round_fail(a, "port gone (%s) during %s", strerror(e), a->cmds[a->idx].cmd);
			else
				round_fail(a, "read: %s", strerror(e));
			return;
		}
		at_session_feed(&a->sess, buf, (size_t)n);
		if (a->sess.final != AT_PENDING) {
			/* the rest of this chunk answers no command: dropped */
			cmd_done(a);
			return;
		}
	}
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct cell_at *a = w->data;
	const char *cmd = a->cmds[a->idx].cmd;
	if (a->idx == 0)
		round_fail(a, "%s: no answer within %d ms (not an AT port?)", cmd, a->cmd_timeout_ms);
	else
		round_fail(a, "%s: no answer within %d ms", cmd, a->cmd_timeout_ms);
}

/* Take the port and send the first of cmds[0..n). 0, or -1 with the reason. */
static int round_start(struct cell_at *a, const struct at_cmd *cmds, int n, cell_at_done_fn done, void *ctx,
		       char *reason, size_t len);

int cell_at_round(struct cell_at *a, cell_at_done_fn done, void *ctx, char *reason, size_t len)
{
	return round_start(a, round_cmds, NCMDS, done, ctx, reason, len);
}

int cell_at_command(struct cell_at *a, const char *cmd, cell_at_done_fn done, void *ctx, char *reason,
		    size_t len)
{
	if (a->done) {
		snprintf(reason, len, "a round is running");
		return -1;
	}
	if (strlen(cmd) + 1 > sizeof(a->one_cmd) || strncmp(cmd, "AT", 2) || strpbrk(cmd, "\r\n")) {
		snprintf(reason, len, "not one AT command: %.40s", cmd);
		return -1;
	}
	snprintf(a->one_cmd, sizeof(a->one_cmd), "%s", cmd);
	a->one[0] = (struct at_cmd){ "ATE0", NULL, CMD_SETUP };
	a->one[1] = (struct at_cmd){ a->one_cmd, NULL, CMD_ACTION };
	a->action_ok = false;
	return round_start(a, a->one, 2, done, ctx, reason, len);
}

static int round_start(struct cell_at *a, const struct at_cmd *cmds, int n, cell_at_done_fn done, void *ctx,
		       char *reason, size_t len)
{
	if (a->done) {
		snprintf(reason, len, "a round is running");
		return -1;
	}
	a->rounds++;
	a->started_ms = clock_mono_ms();
	if (port_take(a, reason, len) != 0) {
		if (strncmp(reason, "port busy", 9) == 0)
			a->busy++;
		return -1;
	}
	ev_io_init(&a->io, on_io, a->fd, EV_READ);
	a->io.data = a;
	ev_timer_init(&a->timer, on_timeout, 1., 0.);
	a->timer.data = a;
	a->cmds = cmds;
	a->ncmds = n;
	a->idx = 0;
	a->all_len = 0;
	a->all[0] = '\0';
	a->unsup_next[0] = '\0';
	a->vendor = VENDOR_UNKNOWN;	/* asked again each round: the module may have been swapped */
	if (cmd_send(a) != 0) {
		snprintf(reason, len, "%s: write: %s", a->cmds[0].cmd, strerror(errno));
		port_release(a);
		return -1;
	}
	a->done = done;
	a->ctx = ctx;
	return 0;
}

bool cell_at_running(const struct cell_at *a)
{
	return a && a->done;
}

void cell_at_free(struct cell_at *a)
{
	if (!a)
		return;
	port_release(a);
	free(a);
}

void cell_at_view(const struct cell_at *a, struct cell_at_view *v)
{
	memset(v, 0, sizeof(*v));
	v->port = a->port;
	v->vendor = a->vendor >= 0 ? vendor_names[a->vendor] : NULL;
	v->rounds = a->rounds;
	v->rounds_ok = a->rounds_ok;
	v->echoes = a->echoes;
	v->urcs = a->urcs;
	v->dropped_lines = a->dropped;
	v->busy = a->busy;
	v->last_round_ms = a->last_round_ms;
	snprintf(v->unsupported, sizeof(v->unsupported), "%s", a->unsupported);
}

#define G METRIC_GAUGE
#define C METRIC_COUNTER
#define I METRIC_INFO
#define V(f) offsetof(struct cell_at_view, f)
const struct metric_desc cell_at_view_metrics[] = {
	{ METRIC("port", METRIC_STRPTR, V(port), NULL, I, "The AT serial port (cell_at_port).") },
	{ METRIC("vendor", METRIC_STRPTR, V(vendor), NULL, I,
		 "quectel or other, from AT+CGMI / ATI of the latest round; null before one answered.") },
	{ METRIC("rounds", METRIC_UINT64, V(rounds), "rounds", C, "Query rounds started (port taken or not).") },
	{ METRIC("rounds_ok", METRIC_UINT64, V(rounds_ok), "rounds", C, "Rounds that gave values.") },
	{ METRIC("busy", METRIC_UINT64, V(busy), "rounds", C,
		 "Rounds not started because another process held the port.") },
	{ METRIC("echoes", METRIC_UINT64, V(echoes), "lines", C, "Command echoes skipped (echo was on).") },
	{ METRIC("urcs", METRIC_UINT64, V(urcs), "lines", C, "Unsolicited result codes skipped.") },
	{ METRIC("dropped_lines", METRIC_UINT64, V(dropped_lines), "lines", C,
		 "Lines dropped: too long, control bytes, or past the reply cap.") },
	{ METRIC("last_round_ms", METRIC_INT64, V(last_round_ms), "ms", G,
		 "Time the latest round held the port."), .flags = METRIC_F_NEG_UNKNOWN },
	{ METRIC("unsupported", METRIC_STRING, V(unsupported), NULL, I,
		 "Commands of the latest round answered ERROR (their figures unknown); null: none.") },
	METRIC_END
};
#undef V
