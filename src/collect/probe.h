/*
 * probe.h - active probes of one uplink ("member"), bound to its device.
 *
 * A prober owns, per member: one ICMP socket per family (a ping socket where
 * net.ipv4.ping_group_range allows, else a raw socket filtered to our echo
 * id; see probe_sock.h), one UDP socket per family for DNS probes, and a
 * short-lived non-blocking TCP socket per TCP target and round. Every socket
 * is bound to the member's device (SO_BINDTODEVICE), to its source address,
 * and marked (SO_MARK) when a mark is set, so probes leave through that
 * uplink whatever the main routing table says. No fork, no `ping`.
 *
 * A round sends one probe to every target at once and ends when all have
 * answered or after timeout_ms. The round is up when at least `reliability`
 * targets answered (capped at the number of targets that could be sent), so
 * one unreachable target is not an outage. Rounds go into a ring sized at
 * config time (window_ms / interval_ms, at most PROBE_RING_MAX); the window
 * gives latency mean and p95, jitter and loss (see probe_stats.h).
 *
 * Cadence: the primary probes every interval_ms (the global poll_interval_ms);
 * standby members every standby_interval_ms, or metered_interval_ms when
 * metered, but at least every keep_warm_ms when set (warm backup). After a round that is down, the next round starts at once, up to
 * fast_rounds times in a row (fast confirmation of a hard outage); then the
 * normal cadence resumes. Rounds start on an absolute schedule (no drift),
 * the first one after a random offset so members do not probe in lockstep.
 *
 * The prober is fed link state by the daemon (prober_set_link, from
 * linkmon): while the device is missing, down, or has no address/route for
 * any target family, the prober does not probe and reports the reason. When
 * the link comes back it probes at once.
 */
#ifndef SF_PROBE_H
#define SF_PROBE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfgtab.h"
#include "linkmon.h"
#include "sample.h"

struct ev_loop;

#define PROBE_TARGETS_MAX CFG_LIST_MAX	/* 8 */
#define PROBE_RING_MAX 3600		/* rounds kept per member */
#define PROBE_REASON_MAX 100

enum probe_kind { PROBE_ICMP, PROBE_TCP, PROBE_DNS, __PROBE_KIND_MAX };

struct probe_target {
	enum probe_kind kind;
	int family;			/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	uint16_t port;			/* TCP/DNS; 0 for ICMP */
	char text[CFG_STR_MAX];		/* as configured, for logs and status */
};

/*
 * Parse "icmp:1.1.1.1", "1.1.1.1" (= icmp), "icmp:2606:4700:4700::1111",
 * "tcp:1.1.1.1:443", "tcp:[2606:4700:4700::1111]:443", "dns:9.9.9.9",
 * "dns:[2620:fe::fe]:53", "dns:2620:fe::fe" (port 53). Addresses only, no
 * host names (resolving them would need a working uplink). Returns 0, or -1
 * with a message naming what was wrong in err.
 */
int probe_target_parse(const char *s, struct probe_target *out, char *err, size_t errlen);

/* Global probe tunables (UCI section `globals`), filled through probe_options. */
struct probe_params {
	int timeout_ms;			/* probe_timeout_ms */
	int window_ms;			/* probe_window_ms */
	int standby_interval_ms;	/* standby_interval_ms */
	int metered_interval_ms;	/* metered_interval_ms */
	int reliability;		/* probe_reliability */
	int fast_rounds;		/* probe_fast_rounds */
	int mark;			/* probe_mark, 0 = none */
	int payload_bytes;		/* probe_payload_bytes (ICMP) */
	struct cfg_list targets;	/* probe_targets (default for members) */
	char dns_name[CFG_STR_MAX];	/* probe_dns_name */
	int boost_interval_ms;		/* probe_boost_interval_ms (probe_boost.h) */
	int boost_hold_ms;		/* probe_boost_hold_ms */
	int boost_budget_kb_day;	/* probe_boost_budget_kb_day */
	int passive_stall_ms;		/* probe_passive_stall_ms */
};

extern const struct cfg_option probe_options[];

enum probe_role { PROBE_ROLE_PRIMARY, PROBE_ROLE_STANDBY };

/* Everything one prober needs; build it with probe_member_cfg_build(). */
struct probe_member_cfg {
	char name[CFG_STR_MAX];		/* member name, for logs */
	char device[IF_NAMESIZE];	/* Linux device, e.g. "wwan0" */
	struct probe_target targets[PROBE_TARGETS_MAX];
	int n_targets;
	int reliability;
	int timeout_ms;
	int interval_ms;		/* primary cadence */
	int standby_interval_ms;
	int metered_interval_ms;
	bool metered;
	int fast_rounds;
	uint32_t mark;
	int window_ms;
	int payload_bytes;
	char dns_name[CFG_STR_MAX];
	int boost_interval_ms;		/* adaptive evidence, probe_boost.h (0 = off) */
	int boost_hold_ms;
	int boost_budget_kb_day;
	int passive_stall_ms;		/* 0 = no passive stall detection */
	int keep_warm_ms;		/* standby cadence at most this (warm backup); 0 off */
};

/*
 * Fill *out from the global params and the member's own settings:
 * targets (NULL or empty = pp->targets), reliability (0 = pp->reliability),
 * metered, mark (0 = pp->mark), interval_ms (the global poll_interval_ms).
 * Returns 0, or -1 with a message in err (bad target, device name too long,
 * reliability above the number of targets, ...).
 */
int probe_member_cfg_build(struct probe_member_cfg *out, const struct probe_params *pp,
			   const char *name, const char *device, const struct cfg_list *targets,
			   int reliability, bool metered, uint32_t mark, int interval_ms,
			   char *err, size_t errlen);

/* Window figures of one member. Doubles are NAN when unknown. */
struct probe_summary {
	double latency_ms;		/* mean RTT of answered probes in the window */
	double latency_p95_ms;
	double jitter_ms;		/* mean |RTT(n) - RTT(n-1)| per target */
	double loss_pct;		/* lost / sent, over targets alive in the window */
	int lost_in_row;		/* consecutive down rounds */
	int window_rounds;		/* rounds in the window now */
	int ring_capacity;		/* rounds the window can hold */
	uint64_t rounds, rounds_up;
	uint64_t probes_sent, probes_answered;
	uint64_t replies_ignored;	/* other programs' packets, late replies */
	uint64_t replies_bad;		/* truncated, bad checksum, spoofed source/seq */
	uint64_t send_errors;
	int interval_ms;		/* current cadence */
	double bytes_per_round;		/* L3 bytes both ways, estimated */
	double bytes_per_day;		/* at the current cadence */
	bool usable;
	bool needs_privilege;		/* not usable: no ICMP socket without CAP_NET_RAW/ping group */
	char reason[PROBE_REASON_MAX];	/* why not usable */
	int64_t last_round_ms;		/* monotonic ms; -1 = none yet */
	size_t mem_bytes;		/* memory held by the prober */
	uint64_t replies_duplicate;	/* second valid replies to an answered probe */
	uint64_t replies_bad_payload;	/* our id, seq and source, another cookie */
	uint64_t rand_weak_draws;	/* ids/cookies drawn before the kernel had entropy */
	uint64_t rand_reseeds;		/* back to kernel entropy after weak draws */
	char icmp_socket[8];		/* "ping", "raw" or "none" (probe_sock.h) */
	bool boosted;			/* probing faster on suspicion now (probe_boost.h) */
	uint64_t boost_rounds;		/* extra rounds taken on suspicion */
	uint64_t boost_bytes;		/* ... and their bytes (estimated) */
	uint64_t boost_denied;		/* boosted rounds the budget refused */
	uint64_t stall_fires;		/* passive stalls seen (rx still, tx moving) */
};

struct probe_result {
	const struct probe_target *target;
	bool sent;			/* false: no address/socket for its family */
	bool answered;
	double rtt_ms;			/* NAN when lost */
};

/* Handed to on_round once per round. */
struct probe_round {
	const char *member;
	int64_t t_ms;			/* clock_mono_ms() at the round's start */
	int64_t duration_ms;
	bool up;
	int n_sent, n_answered;
	int n_results;
	struct probe_result results[PROBE_TARGETS_MAX];
	struct probe_summary summary;	/* window after this round */
};

typedef void (*probe_round_cb)(void *ctx, const struct probe_round *r);

struct prober;

/*
 * Create a prober; it waits for prober_set_link() before probing. cfg is
 * copied. on_round runs from the loop at the end of each round and may call
 * any prober_* function on this prober, including prober_free(). Returns
 * NULL on bad config (logged) or out of memory.
 */
struct prober *prober_new(struct ev_loop *loop, const struct probe_member_cfg *cfg,
			  probe_round_cb on_round, void *ctx);
void prober_free(struct prober *p);

/*
 * New link state of the member's device (from linkmon_query). Sockets are
 * (re)bound when the ifindex or a source address changed; a link that is not
 * usable stops probing (reason kept); a link that became usable probes now.
 */
void prober_set_link(struct prober *p, const struct link_info *li);

void prober_set_role(struct prober *p, enum probe_role role);

/* Start a round now unless one is running. */
void prober_recheck(struct prober *p);

/*
 * Suspicion (the engine's suspect flag): probe every boost_interval_ms
 * until until_ms, within the member's budget (probe_boost.h); until_ms <=
 * now ends it. Only a member probed at the primary cadence boosts (a
 * standby at standby_interval_ms does not). The cadence resumes after.
 */
void prober_boost(struct prober *p, int64_t until_ms);

void prober_summary(const struct prober *p, struct probe_summary *out);

/* Copy the probe figures of a summary into a sample (other fields untouched). */
void probe_summary_to_sample(const struct probe_summary *s, struct sample *out);

#endif
