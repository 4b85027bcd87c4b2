/*
 * fuzz_wifi.c - libFuzzer harness of the Wi-Fi parsers (wifi_parse.h):
 * the first input byte picks the parser (station, survey, family, iwinfo;
 * modulo 4), the rest is one netlink message or the tool's output. Checks
 * the parsers' promises: no read past the end (ASan, exact-size heap copy),
 * a result in -1..1 (iwinfo: >= -1) with an error text when -1, known
 * values inside their plausible ranges, SNR only with signal and noise,
 * strings terminated and printable. A station parse runs twice over the
 * same wifi_info, as a dump of two entries does.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "wifi_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void in_range(double v, double lo, double hi)
{
	if (!isnan(v) && !(v >= lo && v <= hi))
		abort();
}

static void check_rate(const struct wifi_rate *r)
{
	in_range(r->mbps, 0.1, 100000);
	if (r->mode < WIFI_RATE_UNKNOWN || r->mode >= __WIFI_RATE_MAX)
		abort();
	if (r->mcs < -1 || r->mcs > 76 || r->nss < -1 || r->nss > 16)
		abort();
	if (r->width_mhz != -1 && r->width_mhz != 20 && r->width_mhz != 40 && r->width_mhz != 80 &&
	    r->width_mhz != 160 && r->width_mhz != 320)
		abort();
}

static void check_str(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap) || !text_printable_utf8(s))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int which = data[0] % 4;
	size_t len = size - 1;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);

	struct wifi_info wi;
	wifi_info_init(&wi);
	char err[128] = "";
	int rc;
	uint16_t id = 0;
	switch (which) {
	case 0:
		rc = wifi_parse_station(buf, len, 0, &wi, err, sizeof(err));
		if (rc == 1 && wifi_parse_station(buf, len, 0, &wi, err, sizeof(err)) != 1)
			abort();	/* the same bytes, the same answer */
		if (rc == 1 && wi.stations != 2)
			abort();
		break;
	case 1:
		rc = wifi_parse_survey(buf, len, &wi, err, sizeof(err));
		break;
	case 2:
		rc = wifi_parse_family(buf, len, "nl80211", &id, err, sizeof(err));
		if (rc == 1 && id < 0x10)
			abort();
		break;
	default:
		rc = wifi_parse_iwinfo((const char *)buf, len, &wi, err, sizeof(err));
		if (rc > 3)
			abort();
		break;
	}
	if (rc < -1 || (which < 3 && rc > 1) || (rc == -1 && !err[0]))
		abort();
	in_range(wi.signal_dbm, -120, -1);
	in_range(wi.signal_avg_dbm, -120, -1);
	in_range(wi.noise_dbm, -130, -1);
	if (isnan(wi.snr_db) != (isnan(wi.signal_dbm) || isnan(wi.noise_dbm)))
		abort();
	check_rate(&wi.tx);
	check_rate(&wi.rx);
	if (wi.tx_retries < -1 || wi.tx_failed < -1 || wi.connected_s < -1 || wi.inactive_ms < -1)
		abort();
	if (wi.quality_max != -1 && (wi.quality < 0 || wi.quality > wi.quality_max))
		abort();
	if (wi.ignored < 0)
		abort();
	check_str(wi.bssid, sizeof(wi.bssid));
	check_str(wi.ssid, sizeof(wi.ssid));
	check_str(wi.mode, sizeof(wi.mode));
	if (wi.bssid[0] && strlen(wi.bssid) != 17)
		abort();
	free(buf);
	return 0;
}
