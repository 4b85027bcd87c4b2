/*
 * cell_at.h - the AT provider of the cellular collector: one query round
 * on a modem's AT serial port (/dev/ttyUSB2 and the like), on the libev
 * loop, never blocking it.
 *
 * A round: take the port (cell_at_round()), send ATE0, AT+CGMI (ATI when
 * that says nothing), AT+CSQ, AT+CESQ, AT+CREG?, AT+CEREG?, AT+C5GREG?,
 * AT+COPS?, and on a Quectel module AT+QENG="servingcell" and
 * AT+QUIMSLOT?, one after the other, each with its own deadline; the
 * kept reply lines go to cell_parse_at(); release the port. The port is
 * held for that round only.
 *
 * Taking the port: the UUCP lock file LCK..<name> in lock_dir (FHS, HDB
 * format: a live holder means busy, a dead one's file is removed; "" skips
 * it), open(O_RDWR|O_NOCTTY|O_NONBLOCK|O_CLOEXEC), busy when another
 * process put the tty in exclusive mode (TIOCGEXCL: ModemManager does,
 * TIOCEXCL, and root would get past it unasked) or holds flock(LOCK_EX);
 * then flock(LOCK_EX|LOCK_NB) and TIOCEXCL ourselves, raw 8N1 termios, no
 * closing wait, input flushed. Any of that failing is "port busy" or the
 * open error; the round does not start.
 *
 * A round fails (done() with ci NULL and a one-line reason) when a command
 * gets no final result code by its deadline (the port is closed at once),
 * when the port goes away (EOF, EIO/ENXIO/ENODEV after an unplug), when a
 * write fails, or when nothing known came back. A command answered ERROR
 * or +CME ERROR is unsupported: its figures stay unknown, the round goes
 * on. docs/CELLULAR.md, "AT port".
 */
#ifndef SF_CELL_AT_H
#define SF_CELL_AT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cell_parse.h"
#include "metric.h"

struct ev_loop;
struct cell_at;

#define CELL_AT_UNSUPPORTED_MAX 160

/* What the last round saw (for the metrics); counters since start. */
struct cell_at_view {
	const char *port;
	const char *vendor;		/* "quectel", "other"; NULL before a round identified it */
	uint64_t rounds, rounds_ok;
	uint64_t echoes, urcs, dropped_lines, busy;
	int64_t last_round_ms;		/* time the last round held the port; -1 none */
	char unsupported[CELL_AT_UNSUPPORTED_MAX];	/* commands of the last round answered ERROR */
};

extern const struct metric_desc cell_at_view_metrics[];

/* ci: the round's figures (valid during the call), NULL when it failed with reason. */
typedef void (*cell_at_done_fn)(void *ctx, const struct cell_info *ci, const char *reason);

/* NULL on allocation failure. port and lock_dir are copied. */
struct cell_at *cell_at_new(struct ev_loop *loop, const char *member, const char *port, const char *lock_dir,
			    int cmd_timeout_ms);
/* Closes the port if a round runs (no callback). NULL is fine. */
void cell_at_free(struct cell_at *a);

/*
 * Start a round. 0: started, done() comes later from the loop (never from
 * inside this call). -1: it could not start ("port busy (...)", "no such
 * port", ...; reason filled), no callback.
 */
int cell_at_round(struct cell_at *a, cell_at_done_fn done, void *ctx, char *reason, size_t len);

/*
 * One command (e.g. AT+QUIMSLOT=2, the SIM switch) in a round of its own:
 * the same port, lock and deadline as a query round, ATE0 first. done()
 * gets ci NULL and reason NULL when the command answered OK, else the
 * reason ("AT+QUIMSLOT=2 answered +CME ERROR: 3", a stall, port busy).
 * cmd is one line starting with "AT". Same return as cell_at_round.
 */
int cell_at_command(struct cell_at *a, const char *cmd, cell_at_done_fn done, void *ctx, char *reason,
		    size_t len);

bool cell_at_running(const struct cell_at *a);
void cell_at_view(const struct cell_at *a, struct cell_at_view *v);

#endif
