/*
 * cell_parse_text.c - RutOS `gsmctl` text: -q (RutOS 7: "RSSI: -44" lines
 * with RSRP, SINR, RSRQ; legacy firmware: one RSSI integer), -o (operator),
 * -t (network type) and -c (temperature, degrees C).
 */
#include "cell_parse_impl.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* The first line of in without surrounding blanks. */
static const char *first_line(const char *in, size_t len, size_t *out_len)
{
	while (len && isspace((unsigned char)*in))
		in++, len--;
	const char *nl = memchr(in, '\n', len);
	size_t l = nl ? (size_t)(nl - in) : len;
	while (l && isspace((unsigned char)in[l - 1]))
		l--;
	*out_len = l;
	return in;
}

/* Lines gsmctl prints when there is no value (no signal, no operator). */
static bool is_no_value(const char *s, size_t len)
{
	static const char *const words[] = { "N/A", "unknown", "--", "-" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (len == strlen(words[i]) && strncasecmp(s, words[i], len) == 0)
			return true;
	return false;
}

int cell_parse_gsmctl_signal(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen)
{
	if (cell_input_check(in, len, err, errlen))
		return -1;
	size_t l;
	const char *line = first_line(in, len, &l);
	double v;
	if (!memchr(line, ':', l)) {
		/* legacy: the RSSI alone */
		if (cell_num(line, l, &v))
			return cell_set_rssi(out, v);
		if (is_no_value(line, l))
			return 0;
		cell_err(err, errlen, "gsmctl -q printed neither a number nor RSSI/RSRP/SINR/RSRQ lines");
		return -1;
	}
	int n = 0, lines = 0;
	const char *p = in, *end = in + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *colon = memchr(p, ':', (size_t)(e - p));
		if (colon) {
			const char *k = p;
			size_t kl = (size_t)(colon - p);
			while (kl && isspace((unsigned char)*k))
				k++, kl--;
			while (kl && isspace((unsigned char)k[kl - 1]))
				kl--;
			const char *val = colon + 1;
			size_t vl = (size_t)(e - val);
			/* "-75 dBm": the number before a unit */
			const char *sp = val;
			while (sp < e && isspace((unsigned char)*sp))
				sp++;
			const char *ve = sp;
			while (ve < e && !isspace((unsigned char)*ve))
				ve++;
			vl = (size_t)(ve - sp);
			bool num = cell_num(sp, vl, &v);
			if (kl == 4 && strncasecmp(k, "RSSI", 4) == 0)
				lines++, n += num ? cell_set_rssi(out, v) : 0;
			else if (kl == 4 && strncasecmp(k, "RSRP", 4) == 0)
				lines++, n += num ? cell_set_rsrp(&out->rsrp_dbm, v) : 0;
			else if (kl == 4 && strncasecmp(k, "RSRQ", 4) == 0)
				lines++, n += num ? cell_set_rsrq(&out->rsrq_db, v) : 0;
			else if ((kl == 4 && strncasecmp(k, "SINR", 4) == 0) ||
				 (kl == 3 && strncasecmp(k, "SNR", 3) == 0))
				lines++, n += num ? cell_set_sinr(&out->sinr_db, v) : 0;
		}
		p = e + (nl ? 1 : 0);
	}
	if (!lines) {
		cell_err(err, errlen, "gsmctl -q printed no RSSI/RSRP/SINR/RSRQ line");
		return -1;
	}
	return n;
}

int cell_parse_gsmctl_operator(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen)
{
	if (cell_input_check(in, len, err, errlen))
		return -1;
	size_t l;
	const char *line = first_line(in, len, &l);
	if (l == 0 || is_no_value(line, l))
		return 0;
	return cell_set_operator(out, line, l);
}

int cell_parse_gsmctl_nettype(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen)
{
	if (cell_input_check(in, len, err, errlen))
		return -1;
	size_t l;
	const char *line = first_line(in, len, &l);
	if (l == 0 || is_no_value(line, l))
		return 0;
	int t = cell_tech_from_word(line, l);
	if (t == CELL_TECH_UNKNOWN) {
		/* "4G (LTE)": the word in parentheses */
		const char *o = memchr(line, '(', l);
		const char *c = o ? memchr(o, ')', (size_t)(line + l - o)) : NULL;
		if (c)
			t = cell_tech_from_word(o + 1, (size_t)(c - o - 1));
	}
	if (t == CELL_TECH_UNKNOWN) {
		cell_err(err, errlen, "gsmctl -t: unknown network type");
		return -1;
	}
	out->tech = t;
	return 1;
}

int cell_parse_gsmctl_temp(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen)
{
	if (cell_input_check(in, len, err, errlen))
		return -1;
	size_t l;
	const char *line = first_line(in, len, &l);
	if (l == 0 || is_no_value(line, l))
		return 0;
	size_t nl = 0;
	while (nl < l && (isdigit((unsigned char)line[nl]) || strchr("+-.", line[nl])))
		nl++;
	double v;
	if (!cell_num(line, nl, &v)) {
		cell_err(err, errlen, "gsmctl -c printed no temperature");
		return -1;
	}
	return cell_set_temp(out, v);
}
