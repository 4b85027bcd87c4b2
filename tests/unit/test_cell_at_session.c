/*
 * test_cell_at_session.c - the AT answer framing (cell_at_session.h): what
 * each kind of line becomes (echo, reply, URC, final, dropped), the bounds,
 * and that the result does not depend on how the bytes were cut into
 * reads: every transcript (built here and the recorded answers in
 * tests/data/cellular/, the .at files) fed whole, in two chunks split at every
 * position, in three chunks at every pair of positions (short ones), and
 * byte by byte gives the same session.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cell_at_session.h"
#include "cell_parse.h"

struct fed {
	struct at_session s;
	size_t consumed;
};

/* Feed the chunks the way the port code does: stop at the final result code. */
static void feed_cuts(struct fed *f, const char *cmd, const char *prefix, bool text, const char *in, size_t len,
		      const size_t *cuts, int ncuts)
{
	at_session_begin(&f->s, cmd, prefix, text);
	f->consumed = 0;
	size_t at = 0;
	for (int i = 0; i <= ncuts && f->s.final == AT_PENDING; i++) {
		size_t end = i < ncuts ? cuts[i] : len;
		f->consumed += at_session_feed(&f->s, in + at, end - at);
		at = end;
	}
}

static void feed_whole(struct fed *f, const char *cmd, const char *prefix, bool text, const char *in, size_t len)
{
	feed_cuts(f, cmd, prefix, text, in, len, NULL, 0);
}

static void assert_same(const struct fed *a, const struct fed *b, size_t cut)
{
	if (a->s.final != b->s.final || a->consumed != b->consumed || a->s.reply_len != b->s.reply_len ||
	    memcmp(a->s.reply, b->s.reply, a->s.reply_len) != 0 || a->s.echoes != b->s.echoes ||
	    a->s.urcs != b->s.urcs || a->s.dropped != b->s.dropped || a->s.reply_lines != b->s.reply_lines ||
	    a->s.reply_cut != b->s.reply_cut || strcmp(a->s.final_text, b->s.final_text) != 0 ||
	    a->s.bytes != b->s.bytes)
		fail_msg("split at %zu differs: final %d/%d consumed %zu/%zu reply %zu/%zu urcs %u/%u", cut, a->s.final,
			 b->s.final, a->consumed, b->consumed, a->s.reply_len, b->s.reply_len, a->s.urcs, b->s.urcs);
}

/* Every way of cutting in gives the session of the whole; returns the number of feeds compared. */
static long check_splits(const char *cmd, const char *prefix, bool text, const char *in, size_t len)
{
	struct fed whole, part;
	long n = 0;
	feed_whole(&whole, cmd, prefix, text, in, len);
	for (size_t i = 0; i <= len; i++, n++) {
		feed_cuts(&part, cmd, prefix, text, in, len, &i, 1);
		assert_same(&whole, &part, i);
	}
	if (len <= 160) {
		for (size_t i = 0; i <= len; i++)
			for (size_t j = i; j <= len; j++, n++) {
				size_t cuts[2] = { i, j };
				feed_cuts(&part, cmd, prefix, text, in, len, cuts, 2);
				assert_same(&whole, &part, i * 1000 + j);
			}
	}
	size_t *bytes = malloc((len + 1) * sizeof(*bytes));
	assert_non_null(bytes);
	for (size_t i = 0; i < len; i++)
		bytes[i] = i + 1;
	feed_cuts(&part, cmd, prefix, text, in, len, bytes, len ? (int)len - 1 : 0);
	assert_same(&whole, &part, (size_t)-1);
	free(bytes);
	return n + 1;
}

struct transcript {
	const char *cmd, *prefix;
	bool text;
	const char *in;
	int final;
	const char *reply;
	unsigned echoes, urcs, dropped;
	size_t consumed;	/* 0: up to the final line's CR (all when pending) */
};

static char overlong[AT_LINE_MAX + 200];

static const struct transcript cases[] = {
	/* echo on: the command comes back first, "\r\r\n" as modems send it */
	{ "AT+CSQ", "+CSQ", false, "AT+CSQ\r\r\n+CSQ: 31,99\r\n\r\nOK\r\n", AT_FINAL_OK, "+CSQ: 31,99\r\n", 1, 0, 0, 0 },
	/* URCs before and inside the answer; a +CSQ-like word is not +CSQ */
	{ "AT+CSQ", "+CSQ", false, "\r\nRING\r\n\r\n+CSQ: 20,99\r\n^RSSI: 5\r\n+CREG: 1\r\n+CSQX: 1\r\nOK\r\n",
	  AT_FINAL_OK, "+CSQ: 20,99\r\n", 0, 4, 0, 0 },
	/* the same kind of line as the answer, unsolicited: part of the answer (the parser's later line wins) */
	{ "AT+CEREG?", "+CEREG", false, "\r\n+CEREG: 2,1,\"1F4D\",\"1A2D001\",7\r\n+CEREG: 5\r\nOK\r\n", AT_FINAL_OK,
	  "+CEREG: 2,1,\"1F4D\",\"1A2D001\",7\r\n+CEREG: 5\r\n", 0, 0, 0, 0 },
	{ "AT+QENG=\"servingcell\"", "+QENG", false, "AT+QENG=\"servingcell\"\r\r\nERROR\r\n", AT_FINAL_ERROR, "", 1,
	  0, 0, 0 },
	{ "AT+C5GREG?", "+C5GREG", false, "\r\n+CME ERROR: 100\r\n", AT_FINAL_CME, "", 0, 0, 0, 0 },
	/* bare CR line ends (S4 empty); lower case result code */
	{ "AT+CSQ", "+CSQ", false, "+CSQ: 5,5\rok\r", AT_FINAL_OK, "+CSQ: 5,5\r\n", 0, 0, 0, 0 },
	/* what comes after the final result code is not this command's: "OK\r" consumed, the rest left */
	{ "AT+CSQ", "+CSQ", false, "+CSQ: 5,5\r\nOK\r\nRING\r\n+CSQ: 1,1\r\n", AT_FINAL_OK, "+CSQ: 5,5\r\n", 0, 0, 0,
	  14 },
	/* control bytes: the line is dropped, the next one kept */
	{ "AT+CSQ", "+CSQ", false, "\r\n\x1b[2J+CSQ: 1,1\r\n+CSQ: \x7f\r\n+CSQ: 9,9\r\nOK\r\n", AT_FINAL_OK,
	  "+CSQ: 9,9\r\n", 0, 0, 2, 0 },
	/* a text command: plain lines are the answer, URC-looking ones are not */
	{ "ATI", NULL, true, "ATI\r\r\nQuectel\r\nEC25\r\nRevision: EC25EFAR06A06M4G\r\nRING\r\n+CPIN: READY\r\n\r\nOK\r\n",
	  AT_FINAL_OK, "Quectel\r\nEC25\r\nRevision: EC25EFAR06A06M4G\r\n", 1, 2, 0, 0 },
	{ "AT+CGMI", "+CGMI", true, "\r\n+CGMI: Quectel\r\nOK\r\n", AT_FINAL_OK, "+CGMI: Quectel\r\n", 0, 0, 0, 0 },
	/* leading/trailing blanks; TAB is no control byte */
	{ "AT+COPS?", "+COPS", false, "  +COPS: 0,0,\"Telia\tFI\",7  \r\n OK \r\n", AT_FINAL_OK,
	  "+COPS: 0,0,\"Telia\tFI\",7\r\n", 0, 0, 0, 0 },
	/* no final result code yet: everything consumed, still pending */
	{ "AT+CESQ", "+CESQ", false, "\r\n+CESQ: 99,99", AT_PENDING, "", 0, 0, 0, 0 },
	/* the echo of another command is no echo of this one */
	{ "AT+CSQ", "+CSQ", false, "AT+CESQ\r\nOK\r\n", AT_FINAL_OK, "", 0, 1, 0, 0 },
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct transcript *t = &cases[k];
		size_t len = strlen(t->in);
		struct fed f;
		feed_whole(&f, t->cmd, t->prefix, t->text, t->in, len);
		/* up to the final line's first terminator: the LF of its CR LF is left */
		size_t want = t->consumed ? t->consumed
			    : t->final != AT_PENDING && len >= 2 && strcmp(t->in + len - 2, "\r\n") == 0 ? len - 1 : len;
		if (f.s.final != t->final || strcmp(f.s.reply, t->reply) != 0 || f.s.echoes != t->echoes ||
		    f.s.urcs != t->urcs || f.s.dropped != t->dropped || f.consumed != want)
			fail_msg("case %zu: final %s reply [%s] echoes %u urcs %u dropped %u consumed %zu", k,
				 at_final_name(f.s.final), f.s.reply, f.s.echoes, f.s.urcs, f.s.dropped, f.consumed);
		check_splits(t->cmd, t->prefix, t->text, t->in, len);
	}
}

static void test_final_text(void **state)
{
	(void)state;
	struct fed f;
	const char *in = "\r\n+CME ERROR: operation not supported by this very long firmware message\r\n";
	feed_whole(&f, "AT+QENG=\"servingcell\"", "+QENG", false, in, strlen(in));
	assert_int_equal(f.s.final, AT_FINAL_CME);
	assert_true(strncmp(f.s.final_text, "+CME ERROR: operation", 21) == 0);
	assert_true(strlen(f.s.final_text) < sizeof(f.s.final_text));
	assert_string_equal(at_final_name(AT_FINAL_CME), "CME");
	assert_string_equal(at_final_name(AT_PENDING), "pending");
}

/* Lines past AT_LINE_MAX are dropped whole; the bounds hold. */
static void test_overlong(void **state)
{
	(void)state;
	char in[sizeof(overlong) + 64];
	memset(overlong, 'x', sizeof(overlong) - 1);
	overlong[sizeof(overlong) - 1] = '\0';
	snprintf(in, sizeof(in), "\r\n+CSQ: %s\r\n+CSQ: 7,99\r\nOK\r\n", overlong);
	struct fed f;
	feed_whole(&f, "AT+CSQ", "+CSQ", false, in, strlen(in));
	assert_int_equal(f.s.final, AT_FINAL_OK);
	assert_int_equal(f.s.dropped, 1);
	assert_string_equal(f.s.reply, "+CSQ: 7,99\r\n");
	/* exactly AT_LINE_MAX bytes is still a line */
	char edge[AT_LINE_MAX + 16];
	memset(edge, 'y', sizeof(edge));
	memcpy(edge, "+CSQ: ", 6);
	memcpy(edge + AT_LINE_MAX, "\r\nOK\r\n", 7);
	feed_whole(&f, "AT+CSQ", "+CSQ", false, edge, strlen(edge));
	assert_int_equal(f.s.dropped, 0);
	assert_int_equal(f.s.reply_len, AT_LINE_MAX + 2);
	edge[AT_LINE_MAX] = 'y';
	memcpy(edge + AT_LINE_MAX + 1, "\r\nOK\r\n", 7);
	feed_whole(&f, "AT+CSQ", "+CSQ", false, edge, strlen(edge));
	assert_int_equal(f.s.dropped, 1);
	assert_int_equal(f.s.reply_len, 0);
	check_splits("AT+CSQ", "+CSQ", false, in, strlen(in));
}

/* A reply longer than AT_REPLY_MAX keeps whole lines up to the cap and counts the rest. */
static void test_reply_cap(void **state)
{
	(void)state;
	char *in = malloc(64 * 200 + 16);
	assert_non_null(in);
	size_t len = 0;
	for (int i = 0; i < 200; i++)
		len += (size_t)sprintf(in + len, "+QENG: \"LTE\",\"FDD\",%03d,01,1A2D001,1,1575\r\n", i);
	len += (size_t)sprintf(in + len, "OK\r\n");
	struct fed f;
	feed_whole(&f, "AT+QENG=\"servingcell\"", "+QENG", false, in, len);
	assert_int_equal(f.s.final, AT_FINAL_OK);
	assert_true(f.s.reply_len <= AT_REPLY_MAX);
	assert_true(f.s.reply_lines > 40);
	assert_int_equal(f.s.reply_lines + f.s.reply_cut, 200);
	assert_int_equal(strlen(f.s.reply), f.s.reply_len);
	assert_memory_equal(f.s.reply + f.s.reply_len - 2, "\r\n", 2);
	check_splits("AT+QENG=\"servingcell\"", "+QENG", false, in, len);
	free(in);
}

/* The recorded answers: any split gives the same session, and the kept lines parse as before. */
static void test_recorded(void **state)
{
	(void)state;
	const char *dir = getenv("SF_CELL_DATA");
	if (!dir)
		dir = "tests/data/cellular";
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	int files = 0;
	long feeds = 0;
	static const char *const combos[][2] = { { "AT+CSQ", "+CSQ" }, { "AT+QENG=\"servingcell\"", "+QENG" },
						 { "AT+CEREG?", "+CEREG" } };
	while ((e = readdir(d))) {
		size_t nl = strlen(e->d_name);
		if (nl < 4 || strcmp(e->d_name + nl - 3, ".at") != 0)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *fp = fopen(path, "rb");
		assert_non_null(fp);
		char buf[4096];
		size_t len = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		for (size_t c = 0; c < sizeof(combos) / sizeof(combos[0]); c++)
			feeds += check_splits(combos[c][0], combos[c][1], false, buf, len);
		files++;
	}
	closedir(d);
	assert_true(files >= 7);
	fprintf(stderr, "[%d recorded answers, %ld split feeds compared]\n", files, feeds);
}

/* A round's replies joined: what cell_parse_at() makes of the framed answers. */
static void test_framed_answers_parse(void **state)
{
	(void)state;
	static const char *const answers[][3] = {
		{ "AT+CSQ", "+CSQ", "AT+CSQ\r\r\n+CSQ: 31,99\r\n\r\nRING\r\nOK\r\n" },
		{ "AT+CESQ", "+CESQ", "\r\n+CESQ: 99,99,255,255,31,70\r\n^RSSI: 3\r\nOK\r\n" },
		{ "AT+CEREG?", "+CEREG", "\r\n+CEREG: 2,1,\"1F4D\",\"1A2D001\",7\r\n\r\nOK\r\n" },
		{ "AT+COPS?", "+COPS", "\r\n+COPS: 0,0,\"Telia FI\",7\r\n\r\nOK\r\n" },
		{ "AT+QENG=\"servingcell\"", "+QENG", "\r\nERROR\r\n" },
	};
	char all[AT_REPLY_MAX * 5] = "";
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		struct fed f;
		feed_whole(&f, answers[i][0], answers[i][1], false, answers[i][2], strlen(answers[i][2]));
		if (f.s.final == AT_FINAL_OK)
			strcat(all, f.s.reply);
	}
	struct cell_info ci;
	cell_info_init(&ci);
	char err[120];
	assert_true(cell_parse_at(all, strlen(all), &ci, err, sizeof(err)) > 0);
	assert_true(ci.rssi_dbm == -51 && ci.rsrp_dbm == -71 && ci.rsrq_db == -4.5);
	assert_int_equal(ci.reg, CELL_REG_HOME);
	assert_int_equal(ci.tech, CELL_TECH_LTE);
	assert_string_equal(ci.operator_name, "Telia FI");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_final_text),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_reply_cap),
		cmocka_unit_test(test_recorded),
		cmocka_unit_test(test_framed_answers_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
