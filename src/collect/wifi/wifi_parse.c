/*
 * wifi_parse.c - see wifi_parse.h. The netlink side walks attributes by
 * hand (not mnl_attr_parse) so that a truncated or overrunning attribute
 * is refused with a reason instead of ending the walk silently.
 */
#include "wifi_parse.h"

#include <json-c/json.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/nl80211.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

/* Plausible ranges; outside them a value stays unknown (counted as ignored). */
#define WIFI_RANGE_SIGNAL_MIN -120.0
#define WIFI_RANGE_SIGNAL_MAX -1.0
#define WIFI_RANGE_NOISE_MIN -130.0
#define WIFI_RANGE_NOISE_MAX -1.0
#define WIFI_RANGE_RATE_MAX_MBPS 100000.0
#define JSON_DEPTH_MAX 16

const char *const wifi_rate_mode_names[__WIFI_RATE_MAX] = { "legacy", "ht", "vht", "he", "eht" };

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void rate_init(struct wifi_rate *r)
{
	r->mbps = NAN;
	r->mode = WIFI_RATE_UNKNOWN;
	r->mcs = r->nss = r->width_mhz = -1;
}

void wifi_info_init(struct wifi_info *wi)
{
	memset(wi, 0, sizeof(*wi));
	wi->signal_dbm = wi->signal_avg_dbm = wi->noise_dbm = wi->snr_db = NAN;
	rate_init(&wi->tx);
	rate_init(&wi->rx);
	wi->tx_retries = wi->tx_failed = wi->tx_packets = wi->rx_packets = -1;
	wi->connected_s = wi->inactive_ms = -1;
	wi->frequency_mhz = wi->quality = wi->quality_max = -1;
	wi->stations = -1;
}

void wifi_info_finish(struct wifi_info *wi)
{
	wi->snr_db = isfinite(wi->signal_dbm) && isfinite(wi->noise_dbm) ? wi->signal_dbm - wi->noise_dbm : NAN;
}

bool wifi_info_has_values(const struct wifi_info *wi)
{
	return isfinite(wi->signal_dbm) || isfinite(wi->noise_dbm) || isfinite(wi->tx.mbps) ||
	       isfinite(wi->rx.mbps);
}

/* ---- netlink attributes ---- */

typedef void (*attr_cb)(uint16_t type, const uint8_t *pl, size_t plen, void *ctx);

/* Walk the attributes in p[0..len): -1 (err set) when one is truncated or overruns. */
static int attr_walk(const uint8_t *p, size_t len, attr_cb cb, void *ctx, const char *where, char *err,
		     size_t errlen)
{
	size_t off = 0;
	while (off < len) {
		if (len - off < NLA_HDRLEN) {
			set_err(err, errlen, "%s: %zu stray bytes after the last attribute", where, len - off);
			return -1;
		}
		struct nlattr a;
		memcpy(&a, p + off, sizeof(a));
		if (a.nla_len < NLA_HDRLEN || a.nla_len > len - off) {
			set_err(err, errlen, "%s: attribute %u of length %u overruns its %zu bytes", where,
				a.nla_type & NLA_TYPE_MASK, a.nla_len, len - off);
			return -1;
		}
		cb(a.nla_type & NLA_TYPE_MASK, p + off + NLA_HDRLEN, a.nla_len - NLA_HDRLEN, ctx);
		size_t step = NLA_ALIGN(a.nla_len);
		off = step < len - off ? off + step : len;
	}
	return 0;
}

/* Exact-size integer payloads; a wrong size is refused (false). */
static bool get_u8(const uint8_t *pl, size_t plen, uint8_t *v)
{
	if (plen != 1)
		return false;
	*v = pl[0];
	return true;
}

static bool get_u16(const uint8_t *pl, size_t plen, uint16_t *v)
{
	if (plen != 2)
		return false;
	memcpy(v, pl, 2);
	return true;
}

static bool get_u32(const uint8_t *pl, size_t plen, uint32_t *v)
{
	if (plen != 4)
		return false;
	memcpy(v, pl, 4);
	return true;
}

/* s8 dBm in a u8 attribute, inside [lo, hi]. */
static bool get_dbm(const uint8_t *pl, size_t plen, double lo, double hi, double *out)
{
	uint8_t u;
	if (!get_u8(pl, plen, &u))
		return false;
	double v = (double)(int8_t)u;
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* Header of one generic netlink message: its attributes, or NULL (err set). */
static const uint8_t *genl_attrs(const void *msg, size_t len, uint8_t *cmd, size_t *alen, char *err,
				 size_t errlen)
{
	struct nlmsghdr h;
	if (!msg || len < NLMSG_HDRLEN + GENL_HDRLEN) {
		set_err(err, errlen, "message of %zu bytes: shorter than its headers", msg ? len : 0);
		return NULL;
	}
	memcpy(&h, msg, sizeof(h));
	if (h.nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN || h.nlmsg_len > len) {
		set_err(err, errlen, "nlmsg_len %u does not fit the %zu bytes received", h.nlmsg_len, len);
		return NULL;
	}
	struct genlmsghdr g;
	memcpy(&g, (const uint8_t *)msg + NLMSG_HDRLEN, sizeof(g));
	*cmd = g.cmd;
	*alen = h.nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	return (const uint8_t *)msg + NLMSG_HDRLEN + GENL_HDRLEN;
}

/* ---- station ---- */

struct rate_ctx {
	struct wifi_rate r;
	uint32_t bitrate32;
	uint16_t bitrate16;
	bool have32, have16;
	int ht_mcs, vht_mcs, vht_nss, he_mcs, he_nss, eht_mcs, eht_nss;
	int *ignored;
};

static void rate_attr(uint16_t type, const uint8_t *pl, size_t plen, void *ctx)
{
	struct rate_ctx *c = ctx;
	uint8_t u8;
	bool ok = true;
	switch (type) {
	case NL80211_RATE_INFO_BITRATE32:
		ok = get_u32(pl, plen, &c->bitrate32) && (c->have32 = true);
		break;
	case NL80211_RATE_INFO_BITRATE:
		ok = get_u16(pl, plen, &c->bitrate16) && (c->have16 = true);
		break;
#define U8(attr, field)                                         \
	case attr:                                              \
		ok = get_u8(pl, plen, &u8) && ((c->field = u8), true); \
		break;
	U8(NL80211_RATE_INFO_MCS, ht_mcs)
	U8(NL80211_RATE_INFO_VHT_MCS, vht_mcs)
	U8(NL80211_RATE_INFO_VHT_NSS, vht_nss)
	U8(NL80211_RATE_INFO_HE_MCS, he_mcs)
	U8(NL80211_RATE_INFO_HE_NSS, he_nss)
	U8(NL80211_RATE_INFO_EHT_MCS, eht_mcs)
	U8(NL80211_RATE_INFO_EHT_NSS, eht_nss)
#undef U8
#define WIDTH(attr, mhz)              \
	case attr:                    \
		ok = plen == 0;       \
		if (ok)               \
			c->r.width_mhz = mhz; \
		break;
	WIDTH(NL80211_RATE_INFO_40_MHZ_WIDTH, 40)
	WIDTH(NL80211_RATE_INFO_80_MHZ_WIDTH, 80)
	WIDTH(NL80211_RATE_INFO_160_MHZ_WIDTH, 160)
	WIDTH(NL80211_RATE_INFO_320_MHZ_WIDTH, 320)
#undef WIDTH
	default:
		break;	/* short GI, HE GI/DCM/RU, 5/10 MHz ... not reported */
	}
	if (!ok)
		(*c->ignored)++;
}

static int parse_rate(const uint8_t *pl, size_t plen, struct wifi_rate *out, int *ignored, const char *where,
		      char *err, size_t errlen)
{
	struct rate_ctx c = { .ht_mcs = -1, .vht_mcs = -1, .vht_nss = -1, .he_mcs = -1, .he_nss = -1,
			      .eht_mcs = -1, .eht_nss = -1, .ignored = ignored };
	rate_init(&c.r);
	if (attr_walk(pl, plen, rate_attr, &c, where, err, errlen))
		return -1;
	double units = c.have32 ? c.bitrate32 : c.have16 ? c.bitrate16 : 0;
	if (units > 0 && units / 10.0 <= WIFI_RANGE_RATE_MAX_MBPS)
		c.r.mbps = units / 10.0;
	else if (c.have32 || c.have16)
		(*ignored)++;
	if (c.eht_mcs >= 0 && c.eht_mcs <= 15) {
		c.r.mode = WIFI_RATE_EHT;
		c.r.mcs = c.eht_mcs;
		c.r.nss = c.eht_nss >= 1 && c.eht_nss <= 16 ? c.eht_nss : -1;
	} else if (c.he_mcs >= 0 && c.he_mcs <= 11) {
		c.r.mode = WIFI_RATE_HE;
		c.r.mcs = c.he_mcs;
		c.r.nss = c.he_nss >= 1 && c.he_nss <= 8 ? c.he_nss : -1;
	} else if (c.vht_mcs >= 0 && c.vht_mcs <= 11) {
		c.r.mode = WIFI_RATE_VHT;
		c.r.mcs = c.vht_mcs;
		c.r.nss = c.vht_nss >= 1 && c.vht_nss <= 8 ? c.vht_nss : -1;
	} else if (c.ht_mcs >= 0 && c.ht_mcs <= 76) {
		c.r.mode = WIFI_RATE_HT;
		c.r.mcs = c.ht_mcs;
		c.r.nss = c.ht_mcs <= 31 ? c.ht_mcs / 8 + 1 : -1;
	} else if (isfinite(c.r.mbps)) {
		c.r.mode = WIFI_RATE_LEGACY;
		c.r.width_mhz = c.r.width_mhz < 0 ? 20 : c.r.width_mhz;
	}
	if (c.r.mode >= WIFI_RATE_HT && c.r.width_mhz < 0)
		c.r.width_mhz = 20;	/* no width flag: the 20 MHz default of the ABI */
	*out = c.r;
	return 0;
}

struct sta_ctx {
	struct wifi_info st;
	int ifindex;			/* -1 none */
	bool have_info;
	uint8_t mac[6];
	bool have_mac;
	int rc;				/* -1: a nested part was refused */
	char *err;
	size_t errlen;
};

static void sta_info_attr(uint16_t type, const uint8_t *pl, size_t plen, void *ctx)
{
	struct sta_ctx *c = ctx;
	struct wifi_info *w = &c->st;
	uint32_t u32;
	bool ok = true;
	if (c->rc < 0)
		return;
	switch (type) {
	case NL80211_STA_INFO_SIGNAL:
		ok = get_dbm(pl, plen, WIFI_RANGE_SIGNAL_MIN, WIFI_RANGE_SIGNAL_MAX, &w->signal_dbm);
		break;
	case NL80211_STA_INFO_SIGNAL_AVG:
		ok = get_dbm(pl, plen, WIFI_RANGE_SIGNAL_MIN, WIFI_RANGE_SIGNAL_MAX, &w->signal_avg_dbm);
		break;
#define U32(attr, field)                                              \
	case attr:                                                    \
		ok = get_u32(pl, plen, &u32) && ((w->field = u32), true); \
		break;
	U32(NL80211_STA_INFO_INACTIVE_TIME, inactive_ms)
	U32(NL80211_STA_INFO_CONNECTED_TIME, connected_s)
	U32(NL80211_STA_INFO_TX_RETRIES, tx_retries)
	U32(NL80211_STA_INFO_TX_FAILED, tx_failed)
	U32(NL80211_STA_INFO_TX_PACKETS, tx_packets)
	U32(NL80211_STA_INFO_RX_PACKETS, rx_packets)
#undef U32
	case NL80211_STA_INFO_TX_BITRATE:
		if (parse_rate(pl, plen, &w->tx, &w->ignored, "tx bitrate", c->err, c->errlen))
			c->rc = -1;
		break;
	case NL80211_STA_INFO_RX_BITRATE:
		if (parse_rate(pl, plen, &w->rx, &w->ignored, "rx bitrate", c->err, c->errlen))
			c->rc = -1;
		break;
	default:
		break;
	}
	if (!ok)
		w->ignored++;
}

static void sta_attr(uint16_t type, const uint8_t *pl, size_t plen, void *ctx)
{
	struct sta_ctx *c = ctx;
	uint32_t u32;
	if (c->rc < 0)
		return;
	switch (type) {
	case NL80211_ATTR_IFINDEX:
		if (get_u32(pl, plen, &u32) && u32 > 0 && u32 <= INT32_MAX)
			c->ifindex = (int)u32;
		else
			c->st.ignored++;
		break;
	case NL80211_ATTR_MAC:
		if (plen == 6) {
			memcpy(c->mac, pl, 6);
			c->have_mac = true;
		} else {
			c->st.ignored++;
		}
		break;
	case NL80211_ATTR_STA_INFO:
		c->have_info = true;
		if (attr_walk(pl, plen, sta_info_attr, c, "station info", c->err, c->errlen))
			c->rc = -1;
		break;
	default:
		break;
	}
}

int wifi_parse_station(const void *msg, size_t len, int want_ifindex, struct wifi_info *wi, char *err,
		       size_t errlen)
{
	uint8_t cmd;
	size_t alen;
	const uint8_t *a = genl_attrs(msg, len, &cmd, &alen, err, errlen);
	if (!a)
		return -1;
	if (cmd != NL80211_CMD_NEW_STATION)
		return 0;
	struct sta_ctx c = { .ifindex = -1, .err = err, .errlen = errlen };
	wifi_info_init(&c.st);
	if (attr_walk(a, alen, sta_attr, &c, "station", err, errlen) || c.rc < 0)
		return -1;
	if (!c.have_info)
		return 0;
	if (want_ifindex > 0 && c.ifindex > 0 && c.ifindex != want_ifindex)
		return 0;
	int seen = wi->stations < 0 ? 0 : wi->stations;
	if (seen == 0) {
		int ignored = wi->ignored;
		double noise = wi->noise_dbm;
		int freq = wi->frequency_mhz;
		*wi = c.st;
		wi->ignored += ignored;
		wi->noise_dbm = noise;
		wi->frequency_mhz = freq;
		if (c.have_mac)
			snprintf(wi->bssid, sizeof(wi->bssid), "%02x:%02x:%02x:%02x:%02x:%02x", c.mac[0], c.mac[1],
				 c.mac[2], c.mac[3], c.mac[4], c.mac[5]);
	} else {
		wi->ignored += c.st.ignored;
	}
	wi->stations = seen + 1;
	wifi_info_finish(wi);
	return 1;
}

/* ---- survey ---- */

struct survey_ctx {
	double noise;
	int freq;
	bool in_use;
	int ignored;
	int rc;
	char *err;
	size_t errlen;
};

static void survey_info_attr(uint16_t type, const uint8_t *pl, size_t plen, void *ctx)
{
	struct survey_ctx *c = ctx;
	uint32_t u32;
	switch (type) {
	case NL80211_SURVEY_INFO_FREQUENCY:
		if (get_u32(pl, plen, &u32) && u32 > 0 && u32 < 100000)
			c->freq = (int)u32;
		else
			c->ignored++;
		break;
	case NL80211_SURVEY_INFO_NOISE:
		if (!get_dbm(pl, plen, WIFI_RANGE_NOISE_MIN, WIFI_RANGE_NOISE_MAX, &c->noise))
			c->ignored++;
		break;
	case NL80211_SURVEY_INFO_IN_USE:
		if (plen == 0)
			c->in_use = true;
		else
			c->ignored++;
		break;
	default:
		break;
	}
}

static void survey_attr(uint16_t type, const uint8_t *pl, size_t plen, void *ctx)
{
	struct survey_ctx *c = ctx;
	if (type == NL80211_ATTR_SURVEY_INFO && c->rc == 0 &&
	    attr_walk(pl, plen, survey_info_attr, c, "survey info", c->err, c->errlen))
		c->rc = -1;
}

int wifi_parse_survey(const void *msg, size_t len, struct wifi_info *wi, char *err, size_t errlen)
{
	uint8_t cmd;
	size_t alen;
	const uint8_t *a = genl_attrs(msg, len, &cmd, &alen, err, errlen);
	if (!a)
		return -1;
	if (cmd != NL80211_CMD_NEW_SURVEY_RESULTS)
		return 0;
	struct survey_ctx c = { .noise = NAN, .freq = -1, .err = err, .errlen = errlen };
	if (attr_walk(a, alen, survey_attr, &c, "survey", err, errlen) || c.rc < 0)
		return -1;
	wi->ignored += c.ignored;
	if (!c.in_use)
		return 0;
	wi->noise_dbm = c.noise;
	if (c.freq > 0)
		wi->frequency_mhz = c.freq;
	wifi_info_finish(wi);
	return 1;
}

/* ---- generic netlink family ---- */

struct family_ctx {
	const char *want;
	bool match;
	uint16_t id;
	bool have_id;
};

static void family_attr(uint16_t type, const uint8_t *pl, size_t plen, void *ctx)
{
	struct family_ctx *c = ctx;
	if (type == CTRL_ATTR_FAMILY_NAME) {
		size_t n = strlen(c->want);
		c->match = plen >= n + 1 && memcmp(pl, c->want, n) == 0 && pl[n] == '\0';
	} else if (type == CTRL_ATTR_FAMILY_ID && plen == 2) {
		memcpy(&c->id, pl, 2);
		c->have_id = true;
	}
}

int wifi_parse_family(const void *msg, size_t len, const char *name, uint16_t *id, char *err, size_t errlen)
{
	uint8_t cmd;
	size_t alen;
	const uint8_t *a = genl_attrs(msg, len, &cmd, &alen, err, errlen);
	if (!a)
		return -1;
	struct nlmsghdr h;
	memcpy(&h, msg, sizeof(h));
	if (h.nlmsg_type != GENL_ID_CTRL || cmd != CTRL_CMD_NEWFAMILY)
		return 0;
	struct family_ctx c = { .want = name };
	if (attr_walk(a, alen, family_attr, &c, "family", err, errlen))
		return -1;
	if (!c.match)
		return 0;
	if (!c.have_id || c.id < GENL_MIN_ID) {
		set_err(err, errlen, "family %s without a usable id", name);
		return -1;
	}
	*id = c.id;
	return 1;
}

/* ---- ubus call iwinfo info ---- */

/* An integer field of o: true with *v, false when absent; a non-integer counts as ignored. */
static bool jint(struct json_object *o, const char *key, int64_t *v, int *ignored)
{
	struct json_object *x;
	if (!json_object_object_get_ex(o, key, &x) || !x)
		return false;
	if (!json_object_is_type(x, json_type_int)) {
		(*ignored)++;
		return false;
	}
	*v = json_object_get_int64(x);
	return true;
}

static void jstr(struct json_object *o, const char *key, char *dst, size_t len, int *ignored)
{
	struct json_object *x;
	if (!json_object_object_get_ex(o, key, &x) || !x)
		return;
	if (!json_object_is_type(x, json_type_string)) {
		(*ignored)++;
		return;
	}
	text_copy_sanitized(dst, len, json_object_get_string(x));
}

int wifi_parse_iwinfo(const char *text, size_t len, struct wifi_info *wi, char *err, size_t errlen)
{
	if (!text || len == 0) {
		set_err(err, errlen, "empty output");
		return -1;
	}
	if (len > WIFI_INPUT_MAX || len > INT32_MAX) {
		set_err(err, errlen, "output over %d bytes", WIFI_INPUT_MAX);
		return -1;
	}
	if (memchr(text, '\0', len)) {
		set_err(err, errlen, "NUL byte in the output");
		return -1;
	}
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH_MAX);
	if (!tok) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	struct json_object *o = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || jerr != json_tokener_success) {
		json_object_put(o);
		set_err(err, errlen, "not JSON (%s)",
			jerr == json_tokener_continue ? "cut short" : json_tokener_error_desc(jerr));
		return -1;
	}
	for (size_t i = used; i < len; i++) {
		if (!strchr(" \t\r\n", text[i])) {
			json_object_put(o);
			set_err(err, errlen, "text after the JSON value");
			return -1;
		}
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		set_err(err, errlen, "not a JSON object");
		return -1;
	}
	int found = 0;
	int64_t v;
	if (jint(o, "signal", &v, &wi->ignored)) {
		if (v >= WIFI_RANGE_SIGNAL_MIN && v <= WIFI_RANGE_SIGNAL_MAX) {
			wi->signal_dbm = (double)v;
			found++;
		} else if (v != 0) {
			wi->ignored++;
		}
	}
	if (jint(o, "noise", &v, &wi->ignored)) {
		if (v >= WIFI_RANGE_NOISE_MIN && v <= WIFI_RANGE_NOISE_MAX) {
			wi->noise_dbm = (double)v;
			found++;
		} else if (v != 0) {
			wi->ignored++;
		}
	}
	if (jint(o, "bitrate", &v, &wi->ignored)) {	/* kbit/s */
		if (v >= 100 && v / 1000.0 <= WIFI_RANGE_RATE_MAX_MBPS) {	/* 0.1 Mbit/s: nl80211's unit */
			wi->tx.mbps = (double)v / 1000.0;
			found++;
		} else if (v != 0) {
			wi->ignored++;
		}
	}
	if (jint(o, "frequency", &v, &wi->ignored)) {
		if (v > 0 && v < 100000)
			wi->frequency_mhz = (int)v;
		else
			wi->ignored++;
	}
	int64_t q = 0, qmax = 0;
	bool hq = jint(o, "quality", &q, &wi->ignored), hqm = jint(o, "quality_max", &qmax, &wi->ignored);
	if (hq && hqm && qmax > 0 && qmax <= 1000 && q >= 0 && q <= qmax) {
		wi->quality = (int)q;
		wi->quality_max = (int)qmax;
	} else if (hq || hqm) {
		wi->ignored++;
	}
	jstr(o, "ssid", wi->ssid, sizeof(wi->ssid), &wi->ignored);
	jstr(o, "mode", wi->mode, sizeof(wi->mode), &wi->ignored);
	char bssid[sizeof(wi->bssid)] = "";
	jstr(o, "bssid", bssid, sizeof(bssid), &wi->ignored);
	unsigned m[6];
	char tail;
	if (bssid[0] && sscanf(bssid, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
			       &tail) == 6) {
		if (m[0] | m[1] | m[2] | m[3] | m[4] | m[5])	/* all zero: not associated */
			snprintf(wi->bssid, sizeof(wi->bssid), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
				 m[4], m[5]);
	} else if (bssid[0]) {
		wi->ignored++;
	}
	json_object_put(o);
	wifi_info_finish(wi);
	return found;
}
