/*
 * cell_at_session.c - one AT command's answer cut into lines and
 * classified (see cell_at_session.h).
 */
#include "cell_at_session.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Plain-text unsolicited codes (V.250 call progress, module boot): never a reply. */
static const char *const plain_urcs[] = { "RING", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE", "RDY", NULL };

void at_session_begin(struct at_session *s, const char *cmd, const char *prefix, bool text)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->cmd, sizeof(s->cmd), "%s", cmd);
	snprintf(s->prefix, sizeof(s->prefix), "%s", prefix ? prefix : "");
	s->text = text;
	s->final = AT_PENDING;
}

const char *at_final_name(int final)
{
	switch (final) {
	case AT_FINAL_OK:
		return "OK";
	case AT_FINAL_ERROR:
		return "ERROR";
	case AT_FINAL_CME:
		return "CME";
	default:
		return "pending";
	}
}

static bool starts(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);
	return len >= n && strncasecmp(s, w, n) == 0;
}

static bool is_word(const char *s, size_t len, const char *w)
{
	return len == strlen(w) && strncasecmp(s, w, len) == 0;
}

static void keep(struct at_session *s, const char *l, size_t len)
{
	if (s->reply_len + len + 2 > AT_REPLY_MAX) {
		s->reply_cut++;
		return;
	}
	memcpy(s->reply + s->reply_len, l, len);
	s->reply_len += len;
	memcpy(s->reply + s->reply_len, "\r\n", 2);
	s->reply_len += 2;
	s->reply[s->reply_len] = '\0';
	s->reply_lines++;
}

static bool looks_unsolicited(const char *l, size_t len)
{
	if (strchr("+^*#$%", l[0]))
		return true;
	for (int i = 0; plain_urcs[i]; i++)
		if (is_word(l, len, plain_urcs[i]))
			return true;
	return false;
}

static void line_end(struct at_session *s)
{
	const char *l = s->line;
	size_t len = s->line_len;
	bool over = s->line_over, bad = s->line_bad;
	s->line_len = 0;
	s->line_over = s->line_bad = false;
	if (over || bad) {
		s->dropped++;
		return;
	}
	while (len && (l[0] == ' ' || l[0] == '\t'))
		l++, len--;
	while (len && (l[len - 1] == ' ' || l[len - 1] == '\t'))
		len--;
	if (!len)
		return;
	if (is_word(l, len, s->cmd)) {
		s->echoes++;
		return;
	}
	int final = AT_PENDING;
	if (is_word(l, len, "OK"))
		final = AT_FINAL_OK;
	else if (is_word(l, len, "ERROR"))
		final = AT_FINAL_ERROR;
	else if (starts(l, len, "+CME ERROR") || starts(l, len, "+CMS ERROR"))
		final = AT_FINAL_CME;
	if (final != AT_PENDING) {
		s->final = final;
		size_t n = len < sizeof(s->final_text) - 1 ? len : sizeof(s->final_text) - 1;
		memcpy(s->final_text, l, n);
		s->final_text[n] = '\0';
		return;
	}
	size_t pl = strlen(s->prefix);
	if (pl && starts(l, len, s->prefix) && len > pl && (l[pl] == ':' || l[pl] == ' ')) {
		keep(s, l, len);
		return;
	}
	if (s->text && !looks_unsolicited(l, len)) {
		keep(s, l, len);
		return;
	}
	s->urcs++;
}

size_t at_session_feed(struct at_session *s, const char *buf, size_t len)
{
	size_t i = 0;
	while (i < len && s->final == AT_PENDING) {
		unsigned char ch = (unsigned char)buf[i++];
		s->bytes++;
		if (ch == '\r' || ch == '\n') {
			line_end(s);
			continue;
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			s->line_bad = true;
		if (s->line_len >= AT_LINE_MAX) {
			s->line_over = true;
			continue;
		}
		s->line[s->line_len++] = (char)ch;
	}
	return i;
}
