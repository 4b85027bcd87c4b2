/*
 * test_wifi_parse.c - the Wi-Fi parsers against tests/data/wifi/: every
 * NAME.golden names a case; its NAME.station.nl / NAME.survey.nl /
 * NAME.family.nl (constructed nl80211 datagrams, see README.md there) and
 * NAME.iwinfo.json (ubus iwinfo output) are parsed in that order into one
 * wifi_info, and the result, written as key=value lines (unknown values
 * left out), must equal the golden text. Also: the nl80211 numbers the
 * data generator used are the ones of <linux/nl80211.h>; a message is
 * never read past its stated length; the station filter by ifindex.
 */
#include <dirent.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/nl80211.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wifi_parse.h"

#define WANT_IFINDEX 5	/* the member's device in the generated data */

static const char *data_dir(void)
{
	const char *d = getenv("SF_WIFI_DATA");
	return d ? d : "tests/data/wifi";
}

/*
 * name in the data directory. A netlink message (NAME.nl) is read in the
 * host's byte order: NAME.be.nl on a big-endian host (gen-wifi-data.py
 * writes both).
 */
static char *slurp(const char *name, size_t *len)
{
	char path[512];
	size_t n = strlen(name);
	if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ && n > 3 && !strcmp(name + n - 3, ".nl"))
		snprintf(path, sizeof(path), "%s/%.*s.be.nl", data_dir(), (int)(n - 3), name);
	else
		snprintf(path, sizeof(path), "%s/%s", data_dir(), name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(65536);
	assert_non_null(buf);
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	return buf;
}

struct out {
	char text[4096];
	size_t n;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(o->text + o->n, sizeof(o->text) - o->n, fmt, ap);
	va_end(ap);
	assert_true(k >= 0 && (size_t)k < sizeof(o->text) - o->n);
	o->n += (size_t)k;
}

typedef int (*msg_parser)(const void *msg, size_t len, struct wifi_info *wi, uint16_t *id, char *err,
			  size_t errlen);

static int p_station(const void *m, size_t len, struct wifi_info *wi, uint16_t *id, char *err, size_t el)
{
	(void)id;
	return wifi_parse_station(m, len, WANT_IFINDEX, wi, err, el);
}

static int p_survey(const void *m, size_t len, struct wifi_info *wi, uint16_t *id, char *err, size_t el)
{
	(void)id;
	return wifi_parse_survey(m, len, wi, err, el);
}

static int p_family(const void *m, size_t len, struct wifi_info *wi, uint16_t *id, char *err, size_t el)
{
	(void)wi;
	return wifi_parse_family(m, len, "nl80211", id, err, el);
}

/*
 * Walk a datagram as util/nl does (message by message, by nlmsg_len); each
 * message gets a heap copy of exactly the bytes left, so ASan sees any read
 * past them. Stops at the first refused message. Returns false when one was.
 */
static bool run_datagram(const char *file, const char *key, msg_parser fn, struct wifi_info *wi, uint16_t *id,
			 struct out *o, char *err, size_t errlen)
{
	size_t len;
	char *buf = slurp(file, &len);
	if (!buf)
		return true;
	put(o, "%s=", key);
	size_t off = 0;
	bool ok = true, first = true;
	while (off < len) {
		size_t left = len - off;
		void *copy = malloc(left);
		assert_non_null(copy);
		memcpy(copy, buf + off, left);
		int rc = fn(copy, left, wi, id, err, errlen);
		free(copy);
		put(o, "%s%d", first ? "" : " ", rc);
		first = false;
		if (rc < 0) {
			ok = false;
			break;
		}
		struct nlmsghdr h;
		memcpy(&h, buf + off, sizeof(h));
		off += NLMSG_ALIGN(h.nlmsg_len);
	}
	put(o, "\n");
	free(buf);
	return ok;
}

static void put_rate(struct out *o, const char *pfx, const struct wifi_rate *r)
{
	if (!isnan(r->mbps))
		put(o, "%s.mbps=%g\n", pfx, r->mbps);
	if (r->mode >= 0)
		put(o, "%s.mode=%s\n", pfx, wifi_rate_mode_names[r->mode]);
	if (r->mcs >= 0)
		put(o, "%s.mcs=%d\n", pfx, r->mcs);
	if (r->nss >= 0)
		put(o, "%s.nss=%d\n", pfx, r->nss);
	if (r->width_mhz >= 0)
		put(o, "%s.width_mhz=%d\n", pfx, r->width_mhz);
}

static void put_info(struct out *o, const struct wifi_info *w)
{
#define D(f)                                \
	if (!isnan(w->f))                   \
		put(o, #f "=%g\n", w->f);
#define N(f)                                \
	if (w->f >= 0)                      \
		put(o, #f "=%lld\n", (long long)w->f);
#define S(f)                                \
	if (w->f[0])                        \
		put(o, #f "=%s\n", w->f);
	D(signal_dbm) D(signal_avg_dbm) D(noise_dbm) D(snr_db)
	put_rate(o, "tx", &w->tx);
	put_rate(o, "rx", &w->rx);
	N(tx_retries) N(tx_failed) N(tx_packets) N(rx_packets) N(connected_s) N(inactive_ms)
	N(frequency_mhz) N(quality) N(quality_max)
	S(bssid) S(ssid) S(mode)
	N(stations)
	put(o, "ignored=%d\n", w->ignored);
#undef D
#undef N
#undef S
}

static void run_case(const char *name)
{
	char file[300];
	struct out o = { .n = 0 };
	struct wifi_info wi;
	wifi_info_init(&wi);
	char err[160] = "";
	uint16_t id = 0;
	bool ok = true;
	static const struct {
		const char *kind;
		msg_parser fn;
	} kinds[] = { { "station", p_station }, { "survey", p_survey }, { "family", p_family } };
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && ok; k++) {
		char key[32];
		snprintf(file, sizeof(file), "%s.%s.nl", name, kinds[k].kind);
		snprintf(key, sizeof(key), "%s_rc", kinds[k].kind);
		ok = run_datagram(file, key, kinds[k].fn, &wi, &id, &o, err, sizeof(err));
	}
	snprintf(file, sizeof(file), "%s.iwinfo.json", name);
	size_t len;
	char *text = ok ? slurp(file, &len) : NULL;
	if (text) {
		int rc = wifi_parse_iwinfo(text, len, &wi, err, sizeof(err));
		put(&o, "iwinfo_rc=%d\n", rc);
		ok = rc >= 0;
		free(text);
	}
	if (!ok) {
		put(&o, "err=%s\n", err);
	} else {
		if (id)
			put(&o, "family_id=%u\n", id);
		put_info(&o, &wi);
	}
	snprintf(file, sizeof(file), "%s.golden", name);
	char *golden = slurp(file, &len);
	assert_non_null(golden);
	golden[len] = '\0';
	if (strcmp(golden, o.text) != 0) {
		fprintf(stderr, "case %s:\n--- golden\n%s--- got\n%s", name, golden, o.text);
		fail_msg("case %s differs from its golden result", name);
	}
	free(golden);
}

static void test_golden(void **state)
{
	(void)state;
	DIR *d = opendir(data_dir());
	assert_non_null(d);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l <= 7 || strcmp(e->d_name + l - 7, ".golden") != 0)
			continue;
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(l - 7), e->d_name);
		run_case(name);
		n++;
	}
	closedir(d);
	fprintf(stderr, "[%d golden cases]\n", n);
	assert_true(n >= 25);
}

/* The numbers tests/data/wifi/gen-wifi-data.py writes, against this build's header. */
static void test_abi_numbers(void **state)
{
	(void)state;
	assert_int_equal(GENL_ID_CTRL, 16);
	assert_int_equal(CTRL_CMD_NEWFAMILY, 1);
	assert_int_equal(CTRL_ATTR_FAMILY_ID, 1);
	assert_int_equal(CTRL_ATTR_FAMILY_NAME, 2);
	assert_int_equal(NL80211_CMD_NEW_INTERFACE, 7);
	assert_int_equal(NL80211_CMD_NEW_STATION, 19);
	assert_int_equal(NL80211_CMD_NEW_SURVEY_RESULTS, 51);
	assert_int_equal(NL80211_ATTR_IFINDEX, 3);
	assert_int_equal(NL80211_ATTR_MAC, 6);
	assert_int_equal(NL80211_ATTR_STA_INFO, 21);
	assert_int_equal(NL80211_ATTR_GENERATION, 46);
	assert_int_equal(NL80211_ATTR_SURVEY_INFO, 84);
	assert_int_equal(NL80211_STA_INFO_INACTIVE_TIME, 1);
	assert_int_equal(NL80211_STA_INFO_SIGNAL, 7);
	assert_int_equal(NL80211_STA_INFO_TX_BITRATE, 8);
	assert_int_equal(NL80211_STA_INFO_RX_PACKETS, 9);
	assert_int_equal(NL80211_STA_INFO_TX_PACKETS, 10);
	assert_int_equal(NL80211_STA_INFO_TX_RETRIES, 11);
	assert_int_equal(NL80211_STA_INFO_TX_FAILED, 12);
	assert_int_equal(NL80211_STA_INFO_SIGNAL_AVG, 13);
	assert_int_equal(NL80211_STA_INFO_RX_BITRATE, 14);
	assert_int_equal(NL80211_STA_INFO_CONNECTED_TIME, 16);
	assert_int_equal(NL80211_STA_INFO_PAD, 33);
	assert_int_equal(NL80211_RATE_INFO_BITRATE, 1);
	assert_int_equal(NL80211_RATE_INFO_MCS, 2);
	assert_int_equal(NL80211_RATE_INFO_BITRATE32, 5);
	assert_int_equal(NL80211_RATE_INFO_VHT_MCS, 6);
	assert_int_equal(NL80211_RATE_INFO_VHT_NSS, 7);
	assert_int_equal(NL80211_RATE_INFO_80_MHZ_WIDTH, 8);
	assert_int_equal(NL80211_RATE_INFO_160_MHZ_WIDTH, 10);
	assert_int_equal(NL80211_RATE_INFO_HE_MCS, 13);
	assert_int_equal(NL80211_RATE_INFO_HE_NSS, 14);
	assert_int_equal(NL80211_RATE_INFO_320_MHZ_WIDTH, 18);
	assert_int_equal(NL80211_RATE_INFO_EHT_MCS, 19);
	assert_int_equal(NL80211_RATE_INFO_EHT_NSS, 20);
	assert_int_equal(NL80211_SURVEY_INFO_FREQUENCY, 1);
	assert_int_equal(NL80211_SURVEY_INFO_NOISE, 2);
	assert_int_equal(NL80211_SURVEY_INFO_IN_USE, 3);
}

/* Every prefix of a good station message is refused or parsed, never read past. */
static void test_every_prefix(void **state)
{
	(void)state;
	size_t len;
	char *buf = slurp("sta_ht.station.nl", &len);
	assert_non_null(buf);
	int refused = 0;
	for (size_t n = 0; n < len; n++) {
		void *copy = malloc(n ? n : 1);
		memcpy(copy, buf, n);
		struct wifi_info wi;
		wifi_info_init(&wi);
		char err[160] = "";
		int rc = wifi_parse_station(copy, n, WANT_IFINDEX, &wi, err, sizeof(err));
		free(copy);
		assert_int_equal(rc, -1);	/* nlmsg_len says more than n */
		assert_true(err[0] != '\0');
		assert_true(isnan(wi.signal_dbm));
		refused++;
	}
	assert_int_equal(refused, (int)len);
	free(buf);
}

/* want_ifindex 0 takes any station; another index skips the entry. */
static void test_ifindex_filter(void **state)
{
	(void)state;
	size_t len;
	char *buf = slurp("sta_vht80.station.nl", &len);
	assert_non_null(buf);
	struct wifi_info wi;
	char err[160];
	wifi_info_init(&wi);
	assert_int_equal(wifi_parse_station(buf, len, 6, &wi, err, sizeof(err)), 0);
	assert_true(isnan(wi.signal_dbm));
	assert_int_equal(wi.stations, -1);
	assert_int_equal(wifi_parse_station(buf, len, 0, &wi, err, sizeof(err)), 1);
	assert_true(wi.signal_dbm == -55);
	assert_true(wifi_info_has_values(&wi));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abi_numbers),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_ifindex_filter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
