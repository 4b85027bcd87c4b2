/*
 * probe_cfg.c - probe tunables (probe_options), target parsing and the
 * per-member probe configuration. Pure code, unit-tested.
 */
#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "probe_wire.h"

const struct cfg_option probe_options[] = {
	{ "probe_timeout_ms", CFG_INT, offsetof(struct probe_params, timeout_ms), 50, 10000, "600",
	  NULL, "ms", CFG_HELP("wait for a probe's answer before counting it lost") },
	{ "probe_window_ms", CFG_INT, offsetof(struct probe_params, window_ms), 1000, 3600000, "60000",
	  NULL, "ms", CFG_HELP("window of latency, jitter and loss figures (ring = window / interval)") },
	{ "standby_interval_ms", CFG_INT, offsetof(struct probe_params, standby_interval_ms), 100, 600000,
	  "5000", NULL, "ms", CFG_HELP("probe interval of members that are not the primary") },
	{ "metered_interval_ms", CFG_INT, offsetof(struct probe_params, metered_interval_ms), 1000,
	  3600000, "60000", NULL, "ms", CFG_HELP("probe interval of metered standby members") },
	{ "probe_reliability", CFG_INT, offsetof(struct probe_params, reliability), 1, PROBE_TARGETS_MAX,
	  "1", NULL, "targets", CFG_HELP("targets that must answer for a round to count as up") },
	{ "probe_fast_rounds", CFG_INT, offsetof(struct probe_params, fast_rounds), 0, 10, "3", NULL,
	  "rounds", CFG_HELP("rounds re-probed at once after a lost round (fast outage confirmation)") },
	{ "probe_mark", CFG_INT, offsetof(struct probe_params, mark), 0, 2147483647, "0", NULL, NULL,
	  CFG_HELP("SO_MARK of probe packets, 0 = none") },
	{ "probe_payload_bytes", CFG_INT, offsetof(struct probe_params, payload_bytes), 0, 1400, "16",
	  NULL, "bytes", CFG_HELP("ICMP echo payload size") },
	{ "probe_targets", CFG_LIST, offsetof(struct probe_params, targets), 0, 0,
	  "1.1.1.1 8.8.8.8 9.9.9.9", NULL, NULL,
	  CFG_HELP("default targets: [icmp:|tcp:|dns:]address[:port], IPv4 or IPv6") },
	{ "probe_dns_name", CFG_STRING, offsetof(struct probe_params, dns_name), 0, 0, ".", NULL, NULL,
	  CFG_HELP("name asked by DNS probes (SOA query)") },
	{ "probe_boost_interval_ms", CFG_INT, offsetof(struct probe_params, boost_interval_ms), 0, 10000,
	  "100", NULL, "ms", CFG_HELP("round interval of a member the engine suspects (a lost probe, evidence "
	  "building up, a latency jump, a passive stall), to confirm or clear quickly; 0 = off") },
	{ "probe_boost_hold_ms", CFG_INT, offsetof(struct probe_params, boost_hold_ms), 100, 60000,
	  "3000", NULL, "ms", CFG_HELP("a suspicion boosts the probing this long unless renewed or cleared") },
	{ "probe_boost_budget_kb_day", CFG_INT, offsetof(struct probe_params, boost_budget_kb_day), 0,
	  1000000, "1000", NULL, "kB/day", CFG_HELP("extra probe bytes a member may spend on suspicion per day "
	  "(a bucket holding 1/8 of it; empty: the normal cadence)") },
	{ "probe_passive_stall_ms", CFG_INT, offsetof(struct probe_params, passive_stall_ms), 0, 10000,
	  "500", NULL, "ms", CFG_HELP("the primary's device sending (not probes) without receiving anything this "
	  "long starts a confirmation round at once (interface counters; 0 = off)") },
	CFG_OPT_END
};

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int parse_addr(const char *s, struct probe_target *t)
{
	if (inet_pton(AF_INET, s, &t->addr.v4) == 1) {
		t->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &t->addr.v6) == 1) {
		t->family = AF_INET6;
		return 0;
	}
	return -1;
}

/* "addr", "[v6]:port", "v4:port"; the port is optional when def_port != 0 */
static int parse_addr_port(const char *s, struct probe_target *t, uint16_t def_port)
{
	char buf[CFG_STR_MAX];
	const char *port = NULL;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');
		if (!close)
			return -1;
		*close = 0;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return -1;
		if (inet_pton(AF_INET6, buf + 1, &t->addr.v6) != 1)
			return -1;
		t->family = AF_INET6;
	} else {
		char *colon = strchr(buf, ':');
		if (colon && !strchr(colon + 1, ':')) {	/* exactly one ':' = v4:port */
			*colon = 0;
			port = colon + 1;
		}
		if (parse_addr(buf, t))
			return -1;
	}
	if (port)
		return parse_port(port, &t->port);
	if (!def_port)
		return -1;
	t->port = def_port;
	return 0;
}

int probe_target_parse(const char *s, struct probe_target *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return fail(err, errlen, "empty probe target");
	if (strlen(s) >= sizeof(out->text))
		return fail(err, errlen, "probe target too long: %.40s", s);
	strcpy(out->text, s);

	if (strncmp(s, "icmp:", 5) == 0) {
		out->kind = PROBE_ICMP;
		if (parse_addr(s + 5, out))
			return fail(err, errlen, "probe target '%s': not an IPv4/IPv6 address", s);
		return 0;
	}
	if (strncmp(s, "tcp:", 4) == 0) {
		out->kind = PROBE_TCP;
		if (parse_addr_port(s + 4, out, 0))
			return fail(err, errlen,
				    "probe target '%s': want tcp:IPv4:port or tcp:[IPv6]:port", s);
		return 0;
	}
	if (strncmp(s, "dns:", 4) == 0) {
		out->kind = PROBE_DNS;
		if (parse_addr(s + 4, out) == 0) {
			out->port = 53;
			return 0;
		}
		if (parse_addr_port(s + 4, out, 53))
			return fail(err, errlen,
				    "probe target '%s': want dns:address, dns:IPv4:port or dns:[IPv6]:port", s);
		return 0;
	}
	out->kind = PROBE_ICMP;
	if (parse_addr(s, out))
		return fail(err, errlen, "probe target '%s': not an address nor icmp:/tcp:/dns:", s);
	return 0;
}

int probe_member_cfg_build(struct probe_member_cfg *out, const struct probe_params *pp,
			   const char *name, const char *device, const struct cfg_list *targets,
			   int reliability, bool metered, uint32_t mark, int interval_ms,
			   char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (!name || !*name || strlen(name) >= sizeof(out->name))
		return fail(err, errlen, "member name empty or too long");
	strcpy(out->name, name);
	if (!device || !*device || strlen(device) >= sizeof(out->device))
		return fail(err, errlen, "member %s: device name empty or longer than 15 bytes", name);
	strcpy(out->device, device);

	if (!targets || targets->n == 0)
		targets = &pp->targets;
	if (targets->n < 1 || targets->n > PROBE_TARGETS_MAX)
		return fail(err, errlen, "member %s: needs 1 to 8 probe targets", name);
	for (int i = 0; i < targets->n; i++) {
		char e[128];
		if (probe_target_parse(targets->v[i], &out->targets[i], e, sizeof(e))) {
			snprintf(err, errlen, "member %s: %s", name, e);
			return -1;
		}
	}
	out->n_targets = targets->n;

	out->reliability = reliability > 0 ? reliability : pp->reliability;
	if (out->reliability < 1 || out->reliability > out->n_targets) {
		snprintf(err, errlen, "member %s: reliability %d outside 1..%d (number of targets)",
			 name, out->reliability, out->n_targets);
		return -1;
	}
	if (interval_ms < 50 || pp->timeout_ms < 1 || pp->window_ms < 1 ||
	    pp->standby_interval_ms < 50 || pp->metered_interval_ms < 50) {
		snprintf(err, errlen, "member %s: interval or timeout out of range", name);
		return -1;
	}
	uint8_t q[DNS_QUERY_MAX];
	if (!wire_dns_query(q, sizeof(q), 0, pp->dns_name[0] ? pp->dns_name : ".", 6))
		return fail(err, errlen, "probe_dns_name '%s' is not a valid DNS name", pp->dns_name);
	strcpy(out->dns_name, pp->dns_name[0] ? pp->dns_name : ".");

	out->timeout_ms = pp->timeout_ms;
	out->interval_ms = interval_ms;
	out->standby_interval_ms = pp->standby_interval_ms;
	out->metered_interval_ms = pp->metered_interval_ms;
	out->metered = metered;
	out->fast_rounds = pp->fast_rounds;
	out->mark = mark ? mark : (uint32_t)pp->mark;
	out->window_ms = pp->window_ms;
	out->payload_bytes = pp->payload_bytes;
	out->boost_interval_ms = pp->boost_interval_ms;
	out->boost_hold_ms = pp->boost_hold_ms;
	out->boost_budget_kb_day = pp->boost_budget_kb_day;
	out->passive_stall_ms = pp->passive_stall_ms;
	return 0;
}

void probe_summary_to_sample(const struct probe_summary *s, struct sample *out)
{
	out->latency_ms = s->latency_ms;
	out->latency_p95_ms = s->latency_p95_ms;
	out->jitter_ms = s->jitter_ms;
	out->loss_pct = s->loss_pct;
	out->probes_lost_in_row = s->rounds ? s->lost_in_row : -1;
}
