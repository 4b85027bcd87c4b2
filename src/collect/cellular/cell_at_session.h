/*
 * cell_at_session.h - framing of one AT command's answer, pure (no I/O,
 * no clock): bytes as they come off the serial port, in chunks of any
 * size, are cut into lines, each line is classified, and the command ends
 * at its final result code. The port code (cell_at.c) and the fuzzer
 * (fuzz/fuzz_at_session.c) feed it; the kept lines go to cell_parse_at().
 *
 * Lines end at CR or LF (V.250 S3/S4; "\r\r\n" and bare "\r" too); empty
 * lines are skipped. A line is, in this order:
 *   - dropped: longer than AT_LINE_MAX, or holding a control byte other
 *     than TAB (NUL, escapes, binary junk);
 *   - the echo: the command itself (echo on, ATE1), case-insensitive;
 *   - final: "OK", "ERROR", "+CME ERROR: ...", "+CMS ERROR: ..." (V.250 and
 *     27.007 result codes; the answer ends here);
 *   - the reply: it starts with the command's prefix and a colon ("+CSQ:"),
 *     or, for a text command (ATI, AT+CGMI), any line that does not look
 *     like an unsolicited result code;
 *   - otherwise an unsolicited result code (URC: "RING", "+CREG: 1",
 *     "^RSSI: 12", "+CMTI: ..."), counted and dropped.
 * Bytes after the final result code are not consumed (at_session_feed()
 * returns how many were): they belong to no command.
 *
 * Memory is the struct itself: a line buffer of AT_LINE_MAX and a reply of
 * AT_REPLY_MAX bytes; a reply line that does not fit is dropped and counted.
 */
#ifndef SF_CELL_AT_SESSION_H
#define SF_CELL_AT_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#define AT_LINE_MAX 256		/* longest line kept (bytes, without the terminator) */
#define AT_REPLY_MAX 2048	/* the kept reply lines of one command, "\r\n"-joined */
#define AT_CMD_MAX 48		/* longest command */
#define AT_PREFIX_MAX 16

enum at_final {
	AT_PENDING,		/* no final result code yet */
	AT_FINAL_OK,
	AT_FINAL_ERROR,		/* "ERROR": unsupported or refused */
	AT_FINAL_CME,		/* "+CME ERROR: n" / "+CMS ERROR: n" */
};

struct at_session {
	char cmd[AT_CMD_MAX];		/* as sent, without CR: echo detection */
	char prefix[AT_PREFIX_MAX];	/* "+CSQ"; "" none */
	bool text;			/* plain lines are the reply (ATI, AT+CGMI) */
	int final;			/* enum at_final */
	char line[AT_LINE_MAX];
	size_t line_len;
	bool line_over, line_bad;	/* the line being read is too long / has control bytes */
	char reply[AT_REPLY_MAX + 1];	/* NUL-terminated */
	size_t reply_len;
	char final_text[AT_PREFIX_MAX + 24];	/* the final line ("+CME ERROR: 10"), cut */
	unsigned echoes, urcs, dropped, reply_lines, reply_cut;
	size_t bytes;			/* consumed for this command */
};

/* Start a command: cmd as sent ("AT+CSQ"), prefix of its reply lines ("+CSQ", or NULL). */
void at_session_begin(struct at_session *s, const char *cmd, const char *prefix, bool text);

/*
 * Feed len bytes; returns how many were consumed (all of them unless the
 * final result code came in this chunk: then up to and including its line
 * terminator). s->final says whether the command ended.
 */
size_t at_session_feed(struct at_session *s, const char *buf, size_t len);

/* Name of a final state, for logs and tests ("OK", "ERROR", "CME", "pending"). */
const char *at_final_name(int final);

#endif
