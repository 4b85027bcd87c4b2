/*
 * cell_parse.c - the common part of the cellular parsers: struct cell_info,
 * names, plausible ranges, strict numbers, the registration fold, and the
 * table of every parser (cell_parsers[]). The tool formats live in
 * cell_parse_json.c (uqmi, mmcli, ubus), cell_parse_text.c (gsmctl) and
 * cell_parse_at.c (AT responses).
 */
#include "cell_parse_impl.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

const char *const cell_tech_names[] = { "2G", "3G", "LTE", "5G NSA", "5G SA" };
const char *const cell_reg_names[] = {
	"not_registered", "searching", "denied", "home", "roaming", "registered", "emergency_only"
};
_Static_assert(sizeof(cell_tech_names) / sizeof(cell_tech_names[0]) == __CELL_TECH_MAX, "tech names");
_Static_assert(sizeof(cell_reg_names) / sizeof(cell_reg_names[0]) == __CELL_REG_MAX, "reg names");

void cell_info_init(struct cell_info *ci)
{
	ci->rssi_dbm = ci->rsrp_dbm = ci->rsrq_db = ci->sinr_db = NAN;
	ci->nr_rsrp_dbm = ci->nr_rsrq_db = ci->nr_sinr_db = NAN;
	ci->tech = CELL_TECH_UNKNOWN;
	ci->reg = CELL_REG_UNKNOWN;
	ci->roaming = TRI_UNKNOWN;
	ci->sim_slot = -1;
	ci->sim_slots[0] = '\0';
	ci->sim_empty = 0;
	ci->temp_c = NAN;
	ci->operator_name[0] = '\0';
}

static void merge_d(double *dst, double src)
{
	if (isfinite(src))
		*dst = src;
}

void cell_info_merge(struct cell_info *dst, const struct cell_info *src)
{
	merge_d(&dst->rssi_dbm, src->rssi_dbm);
	merge_d(&dst->rsrp_dbm, src->rsrp_dbm);
	merge_d(&dst->rsrq_db, src->rsrq_db);
	merge_d(&dst->sinr_db, src->sinr_db);
	merge_d(&dst->nr_rsrp_dbm, src->nr_rsrp_dbm);
	merge_d(&dst->nr_rsrq_db, src->nr_rsrq_db);
	merge_d(&dst->nr_sinr_db, src->nr_sinr_db);
	merge_d(&dst->temp_c, src->temp_c);
	if (src->tech != CELL_TECH_UNKNOWN)
		dst->tech = src->tech;
	if (src->reg != CELL_REG_UNKNOWN)
		dst->reg = src->reg;
	if (src->roaming != TRI_UNKNOWN)
		dst->roaming = src->roaming;
	if (src->sim_slot >= 1)
		dst->sim_slot = src->sim_slot;
	if (src->sim_slots[0]) {
		memcpy(dst->sim_slots, src->sim_slots, sizeof(dst->sim_slots));
		dst->sim_empty = src->sim_empty;
	}
	if (src->operator_name[0])
		memcpy(dst->operator_name, src->operator_name, sizeof(dst->operator_name));
}

const char *cell_tech_name(int tech)
{
	return tech >= 0 && tech < __CELL_TECH_MAX ? cell_tech_names[tech] : "unknown";
}

const char *cell_reg_name(int reg)
{
	return reg >= 0 && reg < __CELL_REG_MAX ? cell_reg_names[reg] : "unknown";
}

void cell_info_to_sample(const struct cell_info *ci, struct cellular_metrics *out)
{
	bool sa = ci->tech == CELL_TECH_5G_SA;
	out->rsrp_dbm = sa ? ci->nr_rsrp_dbm : ci->rsrp_dbm;
	out->rsrq_db = sa ? ci->nr_rsrq_db : ci->rsrq_db;
	out->sinr_db = sa ? ci->nr_sinr_db : ci->sinr_db;
	out->rssi_dbm = ci->rssi_dbm;
	out->roaming = ci->roaming;
}

/* Lower-case letters and digits of s, the rest dropped ("5G-NSA" -> "5gnsa"). */
static size_t fold_word(const char *s, size_t len, char *dst, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < len && n + 1 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || c == '+')
			dst[n++] = (char)tolower(c);
	}
	dst[n] = '\0';
	return n;
}

int cell_tech_from_word(const char *s, size_t len)
{
	static const struct {
		const char *w;
		int tech;
	} words[] = {
		{ "gsm", CELL_TECH_2G }, { "gprs", CELL_TECH_2G }, { "edge", CELL_TECH_2G },
		{ "2g", CELL_TECH_2G }, { "egprs", CELL_TECH_2G },
		{ "umts", CELL_TECH_3G }, { "wcdma", CELL_TECH_3G }, { "hsdpa", CELL_TECH_3G },
		{ "hsupa", CELL_TECH_3G }, { "hspa", CELL_TECH_3G }, { "hspa+", CELL_TECH_3G },
		{ "hsdpa+hsupa", CELL_TECH_3G }, { "hsdpahsupa", CELL_TECH_3G }, { "3g", CELL_TECH_3G },
		{ "tdscdma", CELL_TECH_3G }, { "cdma", CELL_TECH_3G }, { "cdma1x", CELL_TECH_3G },
		{ "evdo", CELL_TECH_3G }, { "hdr", CELL_TECH_3G }, { "1xrtt", CELL_TECH_3G },
		{ "evdo0", CELL_TECH_3G }, { "evdoa", CELL_TECH_3G }, { "evdob", CELL_TECH_3G },
		{ "lte", CELL_TECH_LTE }, { "4g", CELL_TECH_LTE }, { "ltea", CELL_TECH_LTE },
		{ "lte+", CELL_TECH_LTE }, { "ltecatm", CELL_TECH_LTE }, { "catm", CELL_TECH_LTE },
		{ "catm1", CELL_TECH_LTE }, { "nbiot", CELL_TECH_LTE }, { "ltenbiot", CELL_TECH_LTE },
		{ "4glte", CELL_TECH_LTE }, { "ltecatm1", CELL_TECH_LTE }, { "fddlte", CELL_TECH_LTE },
		{ "tddlte", CELL_TECH_LTE },
		{ "5gnsa", CELL_TECH_5G_NSA }, { "nr5gnsa", CELL_TECH_5G_NSA }, { "endc", CELL_TECH_5G_NSA },
		{ "nsa", CELL_TECH_5G_NSA }, { "5gnrnsa", CELL_TECH_5G_NSA }, { "lte+nr", CELL_TECH_5G_NSA },
		{ "5gsa", CELL_TECH_5G_SA }, { "nr5gsa", CELL_TECH_5G_SA }, { "sa", CELL_TECH_5G_SA },
		{ "5gnrsa", CELL_TECH_5G_SA }, { "5gnr", CELL_TECH_5G_SA }, { "nr5g", CELL_TECH_5G_SA },
		{ "5g", CELL_TECH_5G_SA }, { "nr", CELL_TECH_5G_SA },
	};
	char w[24];
	if (!s || len == 0 || len > 40)
		return CELL_TECH_UNKNOWN;
	if (fold_word(s, len, w, sizeof(w)) == 0)
		return CELL_TECH_UNKNOWN;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(w, words[i].w) == 0)
			return words[i].tech;
	return CELL_TECH_UNKNOWN;
}

bool cell_num(const char *s, size_t len, double *out)
{
	char buf[32];
	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!(isdigit((unsigned char)c) || c == '-' || c == '+' || c == '.'))
			return false;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *end;
	errno = 0;
	double v = strtod(buf, &end);
	if (errno || end != buf + len || !isfinite(v))
		return false;
	*out = v;
	return true;
}

int cell_set(double *dst, double v, double lo, double hi)
{
	if (!isfinite(v) || v < lo || v > hi)
		return 0;
	*dst = v;
	return 1;
}

int cell_set_rssi(struct cell_info *ci, double v)
{
	return cell_set(&ci->rssi_dbm, v, CELL_RANGE_RSSI_MIN, CELL_RANGE_RSSI_MAX);
}

int cell_set_rsrp(double *dst, double v)
{
	return cell_set(dst, v, CELL_RANGE_RSRP_MIN, CELL_RANGE_RSRP_MAX);
}

int cell_set_rsrq(double *dst, double v)
{
	return cell_set(dst, v, CELL_RANGE_RSRQ_MIN, CELL_RANGE_RSRQ_MAX);
}

int cell_set_sinr(double *dst, double v)
{
	return cell_set(dst, v, CELL_RANGE_SINR_MIN, CELL_RANGE_SINR_MAX);
}

int cell_set_temp(struct cell_info *ci, double v)
{
	return cell_set(&ci->temp_c, v, CELL_RANGE_TEMP_MIN, CELL_RANGE_TEMP_MAX);
}

int cell_set_operator(struct cell_info *ci, const char *s, size_t len)
{
	char buf[CELL_OPERATOR_MAX];
	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;	/* cut; text_copy_sanitized() mends a cut UTF-8 sequence */
	if (len == 0)
		return 0;
	if ((len == 2 && memcmp(s, "--", 2) == 0) || (len == 1 && *s == '-'))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (memchr(buf, '\0', len))
		return 0;
	text_copy_sanitized(ci->operator_name, sizeof(ci->operator_name), buf);
	return ci->operator_name[0] != '\0';
}

int cell_set_reg_stat(struct cell_info *ci, long stat)
{
	static const int reg[] = {
		CELL_REG_NONE, CELL_REG_HOME, CELL_REG_SEARCHING, CELL_REG_DENIED, CELL_REG_UNKNOWN,
		CELL_REG_ROAMING, CELL_REG_HOME, CELL_REG_ROAMING, CELL_REG_EMERGENCY, CELL_REG_HOME,
		CELL_REG_ROAMING,
	};
	if (stat < 0 || stat > 10 || reg[stat] == CELL_REG_UNKNOWN)
		return 0;
	ci->reg = reg[stat];
	ci->roaming = reg[stat] == CELL_REG_ROAMING ? TRI_TRUE
		      : reg[stat] == CELL_REG_HOME ? TRI_FALSE : TRI_UNKNOWN;
	return 1;
}

int cell_set_reg_word(struct cell_info *ci, const char *s, size_t len)
{
	static const struct {
		const char *w;
		int reg;
	} words[] = {
		{ "home", CELL_REG_HOME }, { "homesmsonly", CELL_REG_HOME },
		{ "homecsfbnotpreferred", CELL_REG_HOME },
		{ "roaming", CELL_REG_ROAMING }, { "roamingsmsonly", CELL_REG_ROAMING },
		{ "roamingcsfbnotpreferred", CELL_REG_ROAMING },
		{ "registered", CELL_REG_REGISTERED },
		{ "searching", CELL_REG_SEARCHING }, { "registering", CELL_REG_SEARCHING },
		{ "denied", CELL_REG_DENIED }, { "registeringdenied", CELL_REG_DENIED },
		{ "registrationdenied", CELL_REG_DENIED },
		{ "idle", CELL_REG_NONE }, { "notregistered", CELL_REG_NONE },
		{ "emergencyonly", CELL_REG_EMERGENCY },
	};
	char w[32];
	if (!s || len == 0 || len > 60 || fold_word(s, len, w, sizeof(w)) == 0)
		return 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(w, words[i].w) == 0) {
			ci->reg = words[i].reg;
			if (ci->reg == CELL_REG_ROAMING)
				ci->roaming = TRI_TRUE;
			else if (ci->reg == CELL_REG_HOME)
				ci->roaming = TRI_FALSE;
			return 1;
		}
	return 0;
}

void cell_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int cell_input_check(const char *in, size_t len, char *err, size_t errlen)
{
	if (!in || len == 0) {
		cell_err(err, errlen, "empty output");
		return -1;
	}
	if (len > CELL_INPUT_MAX) {
		cell_err(err, errlen, "output too long (%zu bytes)", len);
		return -1;
	}
	if (memchr(in, '\0', len)) {
		cell_err(err, errlen, "output holds NUL bytes");
		return -1;
	}
	return 0;
}

const struct cell_parser cell_parsers[] = {
	{ "uqmi_signal", cell_parse_uqmi_signal },
	{ "uqmi_serving", cell_parse_uqmi_serving },
	{ "mmcli_modem", cell_parse_mmcli_modem },
	{ "mmcli_signal", cell_parse_mmcli_signal },
	{ "ubus_signal", cell_parse_ubus_signal },
	{ "ubus_sim_slot", cell_parse_ubus_sim_slot },
	{ "gsmctl_signal", cell_parse_gsmctl_signal },
	{ "gsmctl_operator", cell_parse_gsmctl_operator },
	{ "gsmctl_nettype", cell_parse_gsmctl_nettype },
	{ "gsmctl_temp", cell_parse_gsmctl_temp },
	{ "at", cell_parse_at },
	{ NULL, NULL }
};

cell_parse_fn cell_parser_find(const char *name)
{
	for (const struct cell_parser *p = cell_parsers; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p->fn;
	return NULL;
}
