/*
 * config_export.c - the options of the exporters (Prometheus endpoint,
 * MQTT with Home Assistant discovery, notifications) in `config starfail 'main'`, and
 * their checks. The exporters themselves are src/export/ (glued by the
 * daemon); their options are here so every build reads the same file.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

#define PROM(f) offsetof(struct prom_params, f)
const struct cfg_option prom_options[] = {
	{ "prometheus_enable", CFG_BOOL, PROM(enable), 0, 0, "0", NULL, NULL,
	  CFG_HELP("Serve the Prometheus text exposition on http://prometheus_listen:prometheus_port/metrics (docs/PROMETHEUS.md).") },
	{ "prometheus_listen", CFG_STRING, PROM(listen), 0, 0, "127.0.0.1", NULL, NULL,
	  CFG_HELP("IPv4 or IPv6 address to listen on: a LAN address to be scraped from the LAN; 0.0.0.0 or :: (all addresses) only if you mean it.") },
	{ "prometheus_port", CFG_INT, PROM(port), 1, 65535, "9811", NULL, NULL, CFG_HELP("TCP port of the endpoint.") },
	{ "prometheus_max_clients", CFG_INT, PROM(max_clients), 1, 64, "4", NULL, "clients",
	  CFG_HELP("Scrapers served at once; more are answered 503.") },
	{ "prometheus_timeout_ms", CFG_INT, PROM(timeout_ms), 100, 60000, "5000", NULL, "ms",
	  CFG_HELP("A scraper must send its request and read the reply within this time.") },
	{ "prometheus_max_request_bytes", CFG_INT, PROM(max_request_bytes), 256, 65536, "4096", NULL, "bytes",
	  CFG_HELP("Largest accepted request head; larger ones are answered 431.") },
	CFG_OPT_END
};

#define MQ(f) offsetof(struct mqtt_params, f)
const struct cfg_option mqtt_options[] = {
	{ "mqtt_enable", CFG_BOOL, MQ(enable), 0, 0, "0", NULL, NULL,
	  CFG_HELP("Publish state, metrics and events to an MQTT broker (docs/MQTT.md).") },
	{ "mqtt_host", CFG_STRING, MQ(host), 0, 0, "127.0.0.1", NULL, NULL,
	  CFG_HELP("Broker address or name. A name is resolved by a child process (never in the daemon's loop) within mqtt_resolve_timeout_ms before each connection attempt; with mqtt_tls the name is looked up once more right after, from the resolver's cache (docs/MQTT.md).") },
	{ "mqtt_port", CFG_INT, MQ(port), 1, 65535, "1883", NULL, NULL, CFG_HELP("Broker port (8883 is usual with TLS).") },
	{ "mqtt_client_id", CFG_STRING, MQ(client_id), 0, 0, "", NULL, NULL,
	  CFG_HELP("MQTT client id; empty: starfail-<node id>.") },
	{ "mqtt_username", CFG_STRING, MQ(username), 0, 0, "", NULL, NULL, CFG_HELP("User name; empty: none.") },
	{ "mqtt_password", CFG_STRING, MQ(password), 0, 0, "", NULL, NULL,
	  CFG_HELP("Password (shown as *** by the `config` method).") },
	{ "mqtt_tls", CFG_BOOL, MQ(tls), 0, 0, "0", NULL, NULL, CFG_HELP("Connect with TLS.") },
	{ "mqtt_tls_ca_file", CFG_STRING, MQ(tls_ca_file), 0, 0, "", NULL, NULL,
	  CFG_HELP("CA certificate file (PEM) the broker's certificate must chain to; empty: /etc/ssl/certs.") },
	{ "mqtt_tls_cert_file", CFG_STRING, MQ(tls_cert_file), 0, 0, "", NULL, NULL,
	  CFG_HELP("Client certificate (PEM) when the broker asks for one.") },
	{ "mqtt_tls_key_file", CFG_STRING, MQ(tls_key_file), 0, 0, "", NULL, NULL, CFG_HELP("Key of the client certificate.") },
	{ "mqtt_tls_insecure", CFG_BOOL, MQ(tls_insecure), 0, 0, "0", NULL, NULL,
	  CFG_HELP("Do not check that the certificate names the broker (testing only).") },
	{ "mqtt_keepalive_s", CFG_INT, MQ(keepalive_s), 5, 3600, "60", NULL, "s",
	  CFG_HELP("MQTT keepalive; a broker silent for 1.5 times this is taken as lost.") },
	{ "mqtt_base_topic", CFG_STRING, MQ(base_topic), 0, 0, "starfail", NULL, NULL,
	  CFG_HELP("Topics are <base>/<node id>/state, /active, /member/<name>, /event, /availability.") },
	{ "mqtt_node_id", CFG_STRING, MQ(node_id), 0, 0, "", NULL, NULL,
	  CFG_HELP("This router's id in topics and Home Assistant; empty: the host name. A-Z a-z 0-9 _ -.") },
	{ "mqtt_interval_ms", CFG_INT, MQ(interval_ms), 1000, 3600000, "30000", NULL, "ms",
	  CFG_HELP("Cadence of the per-member metrics (state and active uplink are also sent when they change).") },
	{ "mqtt_discovery", CFG_BOOL, MQ(discovery), 0, 0, "1", NULL, NULL,
	  CFG_HELP("Publish Home Assistant discovery configs (retained).") },
	{ "mqtt_discovery_prefix", CFG_STRING, MQ(discovery_prefix), 0, 0, "homeassistant", NULL, NULL,
	  CFG_HELP("Home Assistant's discovery prefix.") },
	{ "mqtt_retry_min_ms", CFG_INT, MQ(retry_min_ms), 100, 600000, "1000", NULL, "ms",
	  CFG_HELP("First wait after a failed or lost connection; doubles up to mqtt_retry_max_ms.") },
	{ "mqtt_retry_max_ms", CFG_INT, MQ(retry_max_ms), 1000, 3600000, "60000", NULL, "ms",
	  CFG_HELP("Longest wait between connection attempts.") },
	{ "mqtt_max_inflight", CFG_INT, MQ(max_inflight), 1, 1000, "100", NULL, "messages",
	  CFG_HELP("Messages queued towards the broker at most; more are dropped (counted in status.mqtt).") },
	{ "mqtt_resolve_timeout_ms", CFG_INT, MQ(resolve_timeout_ms), 500, 60000, "5000", NULL, "ms",
	  CFG_HELP("Longest wait for the resolution of a broker name (a failure with backoff after it).") },
	CFG_OPT_END
};

/* in the order of enum notify_format (export/notify.h) */
static const char *const format_names[] = { "json", "ntfy", "pushover", "telegram", "discord", NULL };

#define NO(f) offsetof(struct notify_params, f)
const struct cfg_option notify_options[] = {
	{ "notify_events", CFG_LIST, NO(events), 0, 0, "switch all_bad recovered predictive_reboot", NULL, NULL,
	  CFG_HELP("Event types or reasons that notify (starfailctl events shows both).") },
	{ "notify_hooks_dir", CFG_STRING, NO(hooks_dir), 0, 0, "/etc/starfail/hooks.d", NULL, NULL,
	  CFG_HELP("Every executable file here runs once per event, with STARFAIL_* variables; empty: no hooks.") },
	{ "notify_hook_timeout_ms", CFG_INT, NO(hook_timeout_ms), 100, 600000, "10000", NULL, "ms",
	  CFG_HELP("A hook still running then is killed (its process group).") },
	{ "notify_webhook_url", CFG_STRING, NO(webhook_url), 0, 0, "", NULL, NULL,
	  CFG_HELP("http(s) URL messages are POSTed to; empty: no webhook (see notify_webhook_url_file).") },
	{ "notify_webhook_url_file", CFG_STRING, NO(webhook_url_file), 0, 0, "", NULL, NULL,
	  CFG_HELP("File whose first line is the URL: for long URLs and URLs with a token (Telegram, Discord); read at start and reload.") },
	{ "notify_webhook_format", CFG_ENUM, NO(webhook_format), 0, 0, "json", format_names, NULL,
	  CFG_HELP("Body: json (ours), ntfy, pushover, telegram or discord.") },
	{ "notify_webhook_token", CFG_STRING, NO(webhook_token), 0, 0, "", NULL, NULL, CFG_HELP("Pushover: the application token.") },
	{ "notify_webhook_user", CFG_STRING, NO(webhook_user), 0, 0, "", NULL, NULL, CFG_HELP("Pushover: the user key.") },
	{ "notify_telegram_chat_id", CFG_STRING, NO(telegram_chat_id), 0, 0, "", NULL, NULL, CFG_HELP("Telegram: the chat id.") },
	{ "notify_debounce_ms", CFG_INT, NO(debounce_ms), 0, 600000, "5000", NULL, "ms",
	  CFG_HELP("Events within this time of the first are one message.") },
	{ "notify_rate_per_hour", CFG_INT, NO(rate_per_hour), 1, 3600, "30", NULL, "messages",
	  CFG_HELP("At most this many messages an hour; more are dropped (counted in status.notify).") },
	{ "notify_retries", CFG_INT, NO(retries), 0, 10, "3", NULL, NULL,
	  CFG_HELP("A message not answered 2xx is tried again this many times, after 1, 2, 4... s.") },
	{ "notify_timeout_ms", CFG_INT, NO(timeout_ms), 1000, 120000, "10000", NULL, "ms",
	  CFG_HELP("Whole time one attempt may take (DNS, connect, TLS, reply).") },
	{ "notify_queue_max", CFG_INT, NO(queue_max), 1, 256, "16", NULL, "messages",
	  CFG_HELP("Messages waiting at most; the oldest is dropped for a new one.") },
	CFG_OPT_END
};

static bool topic_word(const char *s, bool empty_ok)
{
	if (!*s)
		return empty_ok;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-' || *s == '/'))
			return false;
	return true;
}

int config_export_check(const struct sf_config *cfg, char *err, size_t len)
{
	const struct prom_params *p = &cfg->prom;
	const struct mqtt_params *m = &cfg->mqtt;
	unsigned char a[16];
	if (inet_pton(AF_INET, p->listen, a) != 1 && inet_pton(AF_INET6, p->listen, a) != 1)
		return snprintf(err, len, "option 'prometheus_listen': expected an IPv4 or IPv6 address, got '%s'",
				p->listen), -1;
	if (m->enable && !*m->host)
		return snprintf(err, len, "option 'mqtt_host': empty while mqtt_enable is 1"), -1;
	if (!topic_word(m->base_topic, false) || m->base_topic[0] == '/' ||
	    m->base_topic[strlen(m->base_topic) - 1] == '/')
		return snprintf(err, len, "option 'mqtt_base_topic': expected A-Z a-z 0-9 _ - and inner /, got '%s'",
				m->base_topic), -1;
	if (!topic_word(m->discovery_prefix, false) || strchr(m->discovery_prefix, '/'))
		return snprintf(err, len, "option 'mqtt_discovery_prefix': expected A-Z a-z 0-9 _ -, got '%s'",
				m->discovery_prefix), -1;
	if (!topic_word(m->node_id, true) || strchr(m->node_id, '/'))
		return snprintf(err, len, "option 'mqtt_node_id': expected A-Z a-z 0-9 _ -, got '%s'", m->node_id), -1;
	if (m->retry_min_ms > m->retry_max_ms)
		return snprintf(err, len, "option 'mqtt_retry_min_ms': %d is more than mqtt_retry_max_ms (%d)",
				m->retry_min_ms, m->retry_max_ms), -1;
	const struct notify_params *n = &cfg->notify;
	if (*n->webhook_url && strncmp(n->webhook_url, "http://", 7) && strncmp(n->webhook_url, "https://", 8))
		return snprintf(err, len, "option 'notify_webhook_url': expected http:// or https://, got '%s'",
				n->webhook_url), -1;
	if (*n->webhook_url && *n->webhook_url_file)
		return snprintf(err, len, "options 'notify_webhook_url' and 'notify_webhook_url_file': give one"), -1;
	if (m->tls && (!*m->tls_cert_file) != (!*m->tls_key_file))
		return snprintf(err, len, "options 'mqtt_tls_cert_file' and 'mqtt_tls_key_file': give both or neither"), -1;
	return 0;
}
