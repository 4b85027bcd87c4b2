/*
 * cell_parse_at.c - AT command responses (3GPP 27.007 and Quectel), as
 * read from a serial port or from an AT passthrough (`gsmctl -A`, `ubus
 * call gsm.modem0 exec`, `mmcli --command`). Every line that is known is
 * used; echoes, "OK" and unknown lines are skipped. Scalings
 * (docs/CELLULAR.md):
 * The Quectel figures (+QENG, +QCSQ) win over +CSQ / +CESQ, which are
 * coarser (2 dB / 1 dB bins), whatever the order of the lines.
 *   +CSQ: <rssi> 0..31 -> -113 + 2n dBm (0: <= -113, 31: >= -51); 99 unknown
 *   +CESQ: <rxlev> 0..63 -> n - 111 dBm; <rsrq> 0..34 -> n/2 - 20 dB;
 *          <rsrp> 0..97 -> n - 141 dBm (lower edge of each 27.007 bin);
 *          99 / 255 unknown
 *   +QENG: "servingcell": LTE fields in dBm / dB as printed; the NR5G-NSA
 *          line's SINR in 0.1 dB (see docs/CELLULAR.md); "-" unknown
 *   +QCSQ: "LTE",<rssi>,<rsrp>,<sinr>,<rsrq>: SINR raw 0..250 -> raw/5 - 20 dB
 */
#include "cell_parse_impl.h"

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#define AT_FIELDS_MAX 32

struct field {
	const char *s;
	size_t len;
};

/* Split "a,\"b,c\",d" into fields without quotes; returns the count. */
static int split(const char *s, size_t len, struct field *f, int max)
{
	int n = 0;
	size_t i = 0;
	while (n < max) {
		while (i < len && s[i] == ' ')
			i++;
		size_t start = i, end;
		if (i < len && s[i] == '"') {
			start = ++i;
			while (i < len && s[i] != '"')
				i++;
			end = i;
			if (i < len)
				i++;
			while (i < len && s[i] != ',')
				i++;
		} else {
			while (i < len && s[i] != ',')
				i++;
			end = i;
			while (end > start && s[end - 1] == ' ')
				end--;
		}
		f[n].s = s + start;
		f[n].len = end - start;
		n++;
		if (i >= len)
			break;
		i++;		/* the comma */
	}
	return n;
}

static bool fnum(const struct field *f, int n, int i, double *v)
{
	return i < n && cell_num(f[i].s, f[i].len, v);
}

static bool feq(const struct field *f, int n, int i, const char *w)
{
	return i < n && f[i].len == strlen(w) && strncasecmp(f[i].s, w, f[i].len) == 0;
}

static int at_csq(const struct field *f, int n, struct cell_info *ci)
{
	double r;
	if (!fnum(f, n, 0, &r) || r < 0 || r > 31 || r != (int)r)
		return 0;
	return cell_set_rssi(ci, -113 + 2 * r);
}

static int at_cesq(const struct field *f, int n, struct cell_info *ci)
{
	double v;
	int k = 0;
	if (fnum(f, n, 0, &v) && v >= 0 && v <= 63)
		k += cell_set_rssi(ci, v - 111);
	if (fnum(f, n, 4, &v) && v >= 0 && v <= 34)
		k += cell_set_rsrq(&ci->rsrq_db, v / 2 - 20);
	if (fnum(f, n, 5, &v) && v >= 0 && v <= 97)
		k += cell_set_rsrp(&ci->rsrp_dbm, v - 141);
	return k;
}

static int at_creg(const struct field *f, int n, struct cell_info *ci)
{
	double a, b;
	if (!fnum(f, n, 0, &a))
		return 0;
	/* read form "<n>,<stat>[,...]"; unsolicited "<stat>[,\"lac\",...]" */
	if (n >= 2 && fnum(f, n, 1, &b) && f[1].s[-1] != '"')
		a = b;
	/* in range before the cast: a double past LONG_MAX is undefined as a long */
	if (!(a >= 0 && a <= 10) || a != (int)a)
		return 0;
	return cell_set_reg_stat(ci, (long)a);
}

static int at_cops(const struct field *f, int n, struct cell_info *ci)
{
	int k = 0;
	double act;
	if (n >= 3 && f[2].len)
		k += cell_set_operator(ci, f[2].s, f[2].len);
	if (fnum(f, n, 3, &act)) {
		static const int tech[] = {
			CELL_TECH_2G, CELL_TECH_2G, CELL_TECH_3G, CELL_TECH_2G, CELL_TECH_3G, CELL_TECH_3G,
			CELL_TECH_3G, CELL_TECH_LTE, CELL_TECH_LTE, CELL_TECH_LTE, CELL_TECH_LTE,
			CELL_TECH_5G_SA, CELL_TECH_5G_SA, CELL_TECH_5G_NSA,
		};
		if (act >= 0 && act < (double)(sizeof(tech) / sizeof(tech[0])) && act == (int)act) {
			ci->tech = tech[(int)act];
			k++;
		}
	}
	return k;
}

struct qeng {
	bool lte, nr;
	int sa;
};

/* One RAT block of +QENG: "servingcell", starting at field r (the RAT name). */
static int at_qeng_rat(const struct field *f, int n, int r, struct cell_info *ci, struct qeng *q)
{
	double v;
	int k = 0;
	if (feq(f, n, r, "LTE")) {
		q->lte = true;
		if (fnum(f, n, r + 11, &v))
			k += cell_set_rsrp(&ci->rsrp_dbm, v);
		if (fnum(f, n, r + 12, &v))
			k += cell_set_rsrq(&ci->rsrq_db, v);
		if (fnum(f, n, r + 13, &v))
			k += cell_set_rssi(ci, v);
		if (fnum(f, n, r + 14, &v))
			k += cell_set_sinr(&ci->sinr_db, v);
	} else if (feq(f, n, r, "NR5G-NSA")) {
		q->nr = true;
		if (fnum(f, n, r + 4, &v))
			k += cell_set_rsrp(&ci->nr_rsrp_dbm, v);
		if (fnum(f, n, r + 5, &v))
			k += cell_set_sinr(&ci->nr_sinr_db, v / 10);
		if (fnum(f, n, r + 6, &v))
			k += cell_set_rsrq(&ci->nr_rsrq_db, v);
	} else if (feq(f, n, r, "NR5G-SA")) {
		q->sa = 1;
		if (fnum(f, n, r + 10, &v))
			k += cell_set_rsrp(&ci->nr_rsrp_dbm, v);
		if (fnum(f, n, r + 11, &v))
			k += cell_set_rsrq(&ci->nr_rsrq_db, v);
		if (fnum(f, n, r + 12, &v))
			k += cell_set_sinr(&ci->nr_sinr_db, v);
	} else if (feq(f, n, r, "WCDMA") || feq(f, n, r, "TDSCDMA")) {
		ci->tech = CELL_TECH_3G;
		k++;
	} else if (feq(f, n, r, "GSM")) {
		ci->tech = CELL_TECH_2G;
		k++;
	}
	return k;
}

static int at_qeng(const struct field *f, int n, struct cell_info *ci, struct qeng *q)
{
	if (!feq(f, n, 0, "servingcell"))
		return at_qeng_rat(f, n, 0, ci, q);	/* the NSA format: one line per RAT */
	int k = 0;
	if (feq(f, n, 1, "SEARCH"))
		ci->reg = CELL_REG_SEARCHING, k++;
	else if (feq(f, n, 1, "LIMSRV"))
		ci->reg = CELL_REG_EMERGENCY, k++;
	else if ((feq(f, n, 1, "NOCONN") || feq(f, n, 1, "CONNECT")) && ci->reg != CELL_REG_HOME &&
		 ci->reg != CELL_REG_ROAMING)
		ci->reg = CELL_REG_REGISTERED, k++;
	return k + at_qeng_rat(f, n, 2, ci, q);
}

static int at_qcsq(const struct field *f, int n, struct cell_info *ci)
{
	double v;
	int k = 0;
	if (!feq(f, n, 0, "LTE"))
		return 0;
	if (fnum(f, n, 1, &v))
		k += cell_set_rssi(ci, v);
	if (fnum(f, n, 2, &v))
		k += cell_set_rsrp(&ci->rsrp_dbm, v);
	if (fnum(f, n, 3, &v) && v >= 0 && v <= 250)
		k += cell_set_sinr(&ci->sinr_db, v / 5 - 20);
	if (fnum(f, n, 4, &v))
		k += cell_set_rsrq(&ci->rsrq_db, v);
	return k;
}

int cell_parse_at(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen)
{
	if (cell_input_check(in, len, err, errlen))
		return -1;
	int k = 0, known = 0, errors = 0;
	struct qeng q = { false, false, 0 };
	struct cell_info coarse;	/* +CSQ / +CESQ: used where nothing finer was said */
	cell_info_init(&coarse);
	const char *p = in, *end = in + len;
	while (p < end) {
		const char *e = p;
		while (e < end && *e != '\n' && *e != '\r')
			e++;
		const char *s = p;
		while (s < e && isspace((unsigned char)*s))
			s++;
		size_t l = (size_t)(e - s);
		p = e < end ? e + 1 : end;
		if ((l == 5 && strncmp(s, "ERROR", 5) == 0) || (l > 10 && strncmp(s, "+CME ERROR", 10) == 0)) {
			errors++;
			continue;
		}
		if (l < 2 || s[0] != '+')
			continue;
		const char *colon = memchr(s, ':', l);
		if (!colon)
			continue;
		size_t pl = (size_t)(colon - s);
		struct field f[AT_FIELDS_MAX];
		int n = split(colon + 1, (size_t)(e - colon - 1), f, AT_FIELDS_MAX);
#define IS(w) (pl == strlen(w) && strncasecmp(s, (w), pl) == 0)
		if (IS("+CSQ"))
			known++, k += at_csq(f, n, &coarse);
		else if (IS("+CESQ")) {
			/* its rxlev is the GSM RSSI: +CSQ, when given, is the better one */
			double csq_rssi = coarse.rssi_dbm;
			known++, k += at_cesq(f, n, &coarse);
			if (isfinite(csq_rssi))
				coarse.rssi_dbm = csq_rssi;
		}
		else if (IS("+CREG") || IS("+CGREG") || IS("+CEREG") || IS("+C5GREG"))
			known++, k += at_creg(f, n, out);
		else if (IS("+COPS"))
			known++, k += at_cops(f, n, out);
		else if (IS("+QENG"))
			known++, k += at_qeng(f, n, out, &q);
		else if (IS("+QCSQ"))
			known++, k += at_qcsq(f, n, out);
		else if (IS("+QUIMSLOT")) {
			double v;
			known++;
			if (fnum(f, n, 0, &v) && v >= 1 && v <= 8 && v == (int)v)
				out->sim_slot = (int)v, k++;
		}
#undef IS
	}
	if (isnan(out->rssi_dbm))
		out->rssi_dbm = coarse.rssi_dbm;
	if (isnan(out->rsrp_dbm))
		out->rsrp_dbm = coarse.rsrp_dbm;
	if (isnan(out->rsrq_db))
		out->rsrq_db = coarse.rsrq_db;
	if (q.sa)
		out->tech = CELL_TECH_5G_SA, k++;
	else if (q.lte || q.nr)
		out->tech = q.lte && q.nr ? CELL_TECH_5G_NSA : q.lte ? CELL_TECH_LTE : CELL_TECH_5G_NSA, k++;
	if (!known) {
		cell_err(err, errlen, errors ? "the modem answered ERROR" : "no known AT response");
		return -1;
	}
	return k;
}
