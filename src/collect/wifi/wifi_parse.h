/*
 * wifi_parse.h - pure parsers of what a Wi-Fi station uplink reports: the
 * nl80211 messages of a station dump (NL80211_CMD_GET_STATION), of a survey
 * dump (NL80211_CMD_GET_SURVEY), a generic netlink controller's family
 * dump (CTRL_CMD_GETFAMILY), and the JSON of `ubus call iwinfo info`.
 *
 * No I/O: every function takes the bytes of one message (or one tool
 * output) and fills a struct; the collector (wifi.c) does the talking.
 * Everything is hostile: a message whose header or any attribute is
 * truncated or overruns its parent is refused (-1, err says where); an
 * attribute of a known type with the wrong payload length is ignored and
 * counted (wifi_info.ignored), never read past its end; values outside a
 * plausible range (wifi_parse.c: WIFI_RANGE_*) stay unknown. Unknown is
 * NAN / -1, never 0.
 *
 * nl80211 attribute numbers are those of <linux/nl80211.h> (the stable
 * ABI: numbers are only ever appended). Signal and noise are s8 dBm sent
 * in a u8 attribute; bitrates are in 100 kbit/s (BITRATE32 preferred over
 * the 16-bit BITRATE).
 */
#ifndef SF_WIFI_PARSE_H
#define SF_WIFI_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest tool output kept (iwinfo info is ~1 KB). */
#define WIFI_INPUT_MAX 16384

/* How a bitrate was reached (nested NL80211_STA_INFO_TX/RX_BITRATE). */
enum wifi_rate_mode {
	WIFI_RATE_UNKNOWN = -1,
	WIFI_RATE_LEGACY,	/* 802.11a/b/g: no MCS */
	WIFI_RATE_HT,		/* 802.11n: RATE_INFO_MCS (0..76, streams folded in) */
	WIFI_RATE_VHT,		/* 802.11ac: VHT_MCS + VHT_NSS */
	WIFI_RATE_HE,		/* 802.11ax: HE_MCS + HE_NSS */
	WIFI_RATE_EHT,		/* 802.11be: EHT_MCS + EHT_NSS */
	__WIFI_RATE_MAX
};

extern const char *const wifi_rate_mode_names[__WIFI_RATE_MAX];

struct wifi_rate {
	double mbps;			/* NAN unknown */
	int mode;			/* enum wifi_rate_mode */
	int mcs, nss;			/* -1 unknown */
	int width_mhz;			/* 20/40/80/160/320 when flagged; -1 unknown */
};

/* The figures of one station uplink; every one may be unknown. */
struct wifi_info {
	double signal_dbm;		/* NL80211_STA_INFO_SIGNAL, iwinfo signal */
	double signal_avg_dbm;		/* NL80211_STA_INFO_SIGNAL_AVG */
	double noise_dbm;		/* survey of the in-use channel, iwinfo noise */
	double snr_db;			/* signal - noise when both known */
	struct wifi_rate tx, rx;	/* iwinfo gives only the tx bitrate */
	int64_t tx_retries, tx_failed;	/* cumulative, from the station entry */
	int64_t tx_packets, rx_packets;
	int64_t connected_s;		/* NL80211_STA_INFO_CONNECTED_TIME */
	int64_t inactive_ms;		/* NL80211_STA_INFO_INACTIVE_TIME */
	int frequency_mhz;		/* survey (in use) or iwinfo; -1 unknown */
	int quality, quality_max;	/* iwinfo only; -1 unknown */
	char bssid[18];			/* aa:bb:cc:dd:ee:ff; "" unknown */
	char ssid[33];			/* iwinfo only; printable, "" unknown */
	char mode[16];			/* iwinfo mode ("Client", "Master", ...); "" unknown */
	int stations;			/* station entries seen (STA mode: 1, the AP); -1 unknown */
	int ignored;			/* attributes/fields refused (wrong length, out of range) */
};

void wifi_info_init(struct wifi_info *wi);

/* Set snr_db from signal and noise (NAN unless both are known). */
void wifi_info_finish(struct wifi_info *wi);

/* Did the source give any figure of the link (signal, noise or a bitrate)? */
bool wifi_info_has_values(const struct wifi_info *wi);

/*
 * One NL80211_CMD_NEW_STATION message of a station dump (nlmsghdr,
 * genlmsghdr, attributes), len bytes. want_ifindex > 0: a message of
 * another interface is skipped (returns 0). Returns 1 when it described a
 * station (its figures merged into wi: the first station wins, later ones
 * only count in wi->stations), 0 when it is not a station entry of ours,
 * -1 when refused (err filled).
 */
int wifi_parse_station(const void *msg, size_t len, int want_ifindex, struct wifi_info *wi, char *err,
		       size_t errlen);

/*
 * One NL80211_CMD_NEW_SURVEY_RESULTS message. Returns 1 when it is the
 * channel in use (its noise and frequency set in wi), 0 when another
 * channel or without the in-use flag, -1 when refused.
 */
int wifi_parse_survey(const void *msg, size_t len, struct wifi_info *wi, char *err, size_t errlen);

/*
 * One CTRL_CMD_NEWFAMILY message of a family dump: 1 with *id set when it
 * is the family called name, 0 another family, -1 refused.
 */
int wifi_parse_family(const void *msg, size_t len, const char *name, uint16_t *id, char *err,
		      size_t errlen);

/*
 * `ubus call iwinfo info '{"device":"DEV"}'` output (a JSON object; rpcd
 * leaves out every field iwinfo could not read). Returns the number of
 * link figures found (signal, noise, bitrate; 0: none, e.g. not
 * associated), -1 when it is not such an object (err filled). signal and
 * noise of 0 are iwinfo's "none" and stay unknown.
 */
int wifi_parse_iwinfo(const char *text, size_t len, struct wifi_info *wi, char *err, size_t errlen);

#endif
