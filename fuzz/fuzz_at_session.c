/*
 * fuzz_at_session.c - libFuzzer harness of the AT answer framing
 * (cell_at_session.h) over a whole round: byte 0 picks the first command
 * of the round's list, byte 1 seeds the read sizes, the rest is what the
 * modem sent. The stream is framed command after command (a final result
 * code ends one, the next starts on the rest, as on a port where the next
 * answer follows at once), once in one feed per command and once in reads
 * of pseudo-random sizes; both must agree. Checks: bounds (reply within
 * AT_REPLY_MAX, NUL-terminated, no control bytes in kept lines), every
 * kept line of a prefixed command starts with its prefix, consumption
 * within the input, and cell_parse_at() over the joined replies keeps its
 * contract. Corpus: fuzz/corpus/at_session/ (seeds from the recordings).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cell_at_session.h"
#include "cell_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *cmd, *prefix;
	bool text;
} cmds[] = {
	{ "ATE0", NULL, false },	{ "AT+CGMI", "+CGMI", true },	{ "ATI", NULL, true },
	{ "AT+CSQ", "+CSQ", false },	{ "AT+CESQ", "+CESQ", false },	{ "AT+CREG?", "+CREG", false },
	{ "AT+CEREG?", "+CEREG", false }, { "AT+C5GREG?", "+C5GREG", false }, { "AT+COPS?", "+COPS", false },
	{ "AT+QENG=\"servingcell\"", "+QENG", false }, { "AT+QUIMSLOT?", "+QUIMSLOT", false },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))
#define ROUND_MAX (AT_REPLY_MAX * 4)

struct round {
	char all[ROUND_MAX + 1];
	size_t all_len;
	int finals[64];
	int ncmds;
	size_t consumed;
};

static void check_session(const struct at_session *s, size_t k)
{
	if (s->reply_len > AT_REPLY_MAX || s->reply[s->reply_len] != '\0' || strlen(s->reply) != s->reply_len)
		abort();
	if (s->final < AT_PENDING || s->final > AT_FINAL_CME)
		abort();
	for (size_t i = 0; i < s->reply_len; i++) {
		unsigned char c = (unsigned char)s->reply[i];
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f)
			abort();
	}
	if (cmds[k].text || !s->reply_len)
		return;
	size_t pl = strlen(cmds[k].prefix);
	for (const char *l = s->reply; *l;) {
		if (strncasecmp(l, cmds[k].prefix, pl) != 0)
			abort();
		const char *e = strstr(l, "\r\n");
		if (!e)
			abort();
		l = e + 2;
	}
}

/* Frame in from command first on; step 0: one feed per command, else reads of varying size. */
static void frame(const char *in, size_t len, size_t first, unsigned seed, bool chunked, struct round *r)
{
	struct at_session s;
	size_t at = 0, k = first;
	memset(r, 0, sizeof(*r));
	at_session_begin(&s, cmds[k].cmd, cmds[k].prefix, cmds[k].text);
	while (at < len && r->ncmds < 64) {
		size_t n = len - at;
		if (chunked) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 16) % 97;
			if (n > len - at)
				n = len - at;
		}
		size_t used = at_session_feed(&s, in + at, n);
		if (used > n)
			abort();
		at += used;
		if (s.final == AT_PENDING) {
			if (used != n)
				abort();
			continue;
		}
		check_session(&s, k);
		r->finals[r->ncmds++] = s.final;
		if (s.final == AT_FINAL_OK && r->all_len + s.reply_len <= ROUND_MAX) {
			memcpy(r->all + r->all_len, s.reply, s.reply_len);
			r->all_len += s.reply_len;
		}
		k = (k + 1) % NCMDS;
		at_session_begin(&s, cmds[k].cmd, cmds[k].prefix, cmds[k].text);
	}
	check_session(&s, k);
	r->consumed = at;
	r->all[r->all_len] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t first = data[0] % NCMDS;
	unsigned seed = data[1];
	size_t len = size - 2;
	char *in = malloc(len ? len : 1);
	struct round *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	if (!in || !a || !b)
		abort();
	memcpy(in, data + 2, len);
	frame(in, len, first, seed, false, a);
	frame(in, len, first, seed, true, b);
	if (a->ncmds != b->ncmds || a->consumed != b->consumed || a->all_len != b->all_len ||
	    memcmp(a->all, b->all, a->all_len) != 0 || memcmp(a->finals, b->finals, sizeof(a->finals)) != 0)
		abort();
	if (a->all_len) {
		struct cell_info ci;
		cell_info_init(&ci);
		char err[128] = "";
		int rc = cell_parse_at(a->all, a->all_len, &ci, err, sizeof(err));
		if (rc < -1 || (rc == -1 && !err[0]))
			abort();
	}
	free(in);
	free(a);
	free(b);
	return 0;
}
