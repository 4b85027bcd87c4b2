/*
 * sfnet_drv.c - test driver of the network modules for the namespace tests
 * in tests/net/test_X.sh. It runs the real modules in a real libev loop and
 * prints key=value lines the scripts check:
 *
 *   sfnet_drv probe [-t ms] [-i interval_ms] [-T timeout_ms] [-r reliability]
 *                   member=device=target[,target...] ...
 *       run probers (primary cadence) for -t ms; prints "round ..." lines and
 *       a final "summary ..." line per member
 *   sfnet_drv linkmon [-t ms] device...
 *       print "change ..." lines for those devices (wall clock ms)
 *   sfnet_drv ctl [-b backend] [-m metric] [-T table] [-t ms] init|clean|show|hold|run|apply member=device|none ...
 *       route controller: init (sweeps leftovers); "apply m=dev" routes via
 *       dev using linkmon's gateway; "hold" sleeps until killed (crash test);
 *       "run" runs the loop for -t ms (or until SIGTERM), printing a "state
 *       wall_ms=... old=... new=... why=..." line per route_state change
 *       (reconciliation test);
 *       "clean" = init + shutdown; ends with shutdown unless the last
 *       command is "keep"
 *   sfnet_drv dnsd address port
 *       tiny DNS responder for the tests, bound to address (so replies come
 *       from it): answers every query with its question, QR set, NOERROR,
 *       until killed
 *   sfnet_drv spoof [-t ms] kinds count
 *       in the target's namespace: for each of the next count echo requests
 *       to a local address (seen on a raw socket), send echo replies from
 *       that address (marked 42): kinds is a set of letters, f = foreign id,
 *       p = our id and seq with another payload, c = a bad checksum, d = an
 *       exact copy (a duplicate of the kernel's reply); prints "spoofed
 *       requests=N"
 *   sfnet_drv failover [-t ms] [-i ms] member=device=targets ...
 *       probes + linkmon + route controller: the first member (in order)
 *       whose last round was up and whose link is usable is routed; prints
 *       "switch ..." lines (wall clock ms)
 */
#include <arpa/inet.h>
#include <ev.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "controller.h"
#include "linkmon.h"
#include "log.h"
#include "probe.h"
#include "probe_wire.h"

#define MAX_M 4

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct member {
	char name[CFG_STR_MAX], dev[IF_NAMESIZE];
	struct prober *p;
	bool last_up;
	bool have_round;
};

static struct ev_loop *loop;
static struct linkmon *lm;
static struct member mem[MAX_M];
static int n_mem;
static struct controller *ctl;
static int cur_primary = -1;
static int64_t t0_ms;
static int interval_ms = 200, timeout_ms = 300, reliability = 1, run_ms = 3000;
static const char *backend = "route";
static int table = 7373, metric = 1;

static void stop_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	ev_break(l, EVBREAK_ALL);
}

static void sig_cb(struct ev_loop *l, ev_signal *w, int revents)
{
	ev_break(l, EVBREAK_ALL);
}

/* run the loop for ms, or until SIGTERM/SIGINT */
static void run_for(int ms)
{
	ev_timer t;
	ev_signal s1, s2;
	ev_timer_init(&t, stop_cb, ms / 1000.0, 0.);
	ev_timer_start(loop, &t);
	ev_signal_init(&s1, sig_cb, SIGTERM);
	ev_signal_init(&s2, sig_cb, SIGINT);
	ev_signal_start(loop, &s1);
	ev_signal_start(loop, &s2);
	ev_run(loop, 0);
	ev_timer_stop(loop, &t);
	ev_signal_stop(loop, &s1);
	ev_signal_stop(loop, &s2);
}

static void reselect(void)
{
	if (!ctl)
		return;
	int best = -1;
	struct link_info li;
	for (int i = 0; i < n_mem && best < 0; i++) {
		linkmon_query(lm, mem[i].dev, &li);
		if (link_usable(&li, AF_INET) && (!mem[i].have_round || mem[i].last_up))
			best = i;
	}
	if (best == cur_primary)
		return;
	struct ctl_target t;
	if (best >= 0) {
		linkmon_query(lm, mem[best].dev, &li);
		ctl_target_from_link(&t, mem[best].name, mem[best].name, &li);
	}
	int rc = controller_apply(ctl, best >= 0 ? &t : NULL, NULL, NULL);
	printf("switch wall_ms=%" PRId64 " member=%s rc=%d\n", wall_ms(), best >= 0 ? mem[best].name : "none", rc);
	fflush(stdout);
	cur_primary = best;
	for (int i = 0; i < n_mem; i++)
		prober_set_role(mem[i].p, i == best ? PROBE_ROLE_PRIMARY : PROBE_ROLE_STANDBY);
}

static void on_round(void *ctx, const struct probe_round *r)
{
	struct member *m = ctx;
	printf("round member=%s t_ms=%" PRId64 " wall_ms=%" PRId64 " up=%d answered=%d sent=%d lost_in_row=%d",
	       r->member, r->t_ms - t0_ms, wall_ms(), r->up, r->n_answered, r->n_sent, r->summary.lost_in_row);
	for (int i = 0; i < r->n_results; i++)
		printf(" %s=%s", r->results[i].target->text,
		       !r->results[i].sent ? "unsent" : r->results[i].answered ? "ok" : "lost");
	printf("\n");
	fflush(stdout);
	m->last_up = r->up;
	m->have_round = true;
	reselect();
}

static void on_link(void *ctx, const char *ifname)
{
	struct link_info li;
	linkmon_query(lm, ifname, &li);
	for (int i = 0; i < n_mem; i++)
		if (strcmp(mem[i].dev, ifname) == 0 && mem[i].p) {
			prober_set_link(mem[i].p, &li);
			if (!link_usable(&li, AF_INET) && !link_usable(&li, AF_INET6))
				mem[i].have_round = false;
		}
	if (ctx)	/* linkmon subcommand: ctx = device list */
		for (char **d = ctx; *d; d++)
			if (strcmp(*d, ifname) == 0) {
				char gw[INET6_ADDRSTRLEN] = "-";
				if (li.v4.has_gw)
					inet_ntop(AF_INET, &li.v4.gw.v4, gw, sizeof(gw));
				printf("change wall_ms=%" PRId64 " dev=%s exists=%d carrier=%d usable4=%d usable6=%d gw4=%s reason=\"%s\"\n",
				       wall_ms(), ifname, li.exists, li.carrier, link_usable(&li, AF_INET),
				       link_usable(&li, AF_INET6), gw, li.reason);
				fflush(stdout);
			}
	reselect();
}

static int add_members(int argc, char **argv)
{
	struct probe_params pp = { .timeout_ms = timeout_ms, .window_ms = 60000, .standby_interval_ms = interval_ms,
				   .metered_interval_ms = 5000, .reliability = 1, .fast_rounds = 3,
				   .payload_bytes = 16, .dns_name = "." };
	for (int a = 0; a < argc && n_mem < MAX_M; a++) {
		char spec[256];
		snprintf(spec, sizeof(spec), "%s", argv[a]);
		char *dev = strchr(spec, '=');
		char *tg = dev ? strchr(dev + 1, '=') : NULL;
		if (!tg) {
			fprintf(stderr, "bad member spec %s (want name=device=target,...)\n", argv[a]);
			return -1;
		}
		*dev++ = 0;
		*tg++ = 0;
		struct cfg_list l = { 0 };
		for (char *s = strtok(tg, ","); s && l.n < CFG_LIST_MAX; s = strtok(NULL, ","))
			snprintf(l.v[l.n++], CFG_STR_MAX, "%s", s);
		struct probe_member_cfg mc;
		char err[160];
		if (probe_member_cfg_build(&mc, &pp, spec, dev, &l, reliability, false, 0, interval_ms, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return -1;
		}
		struct member *m = &mem[n_mem++];
		snprintf(m->name, sizeof(m->name), "%.*s", (int)sizeof(m->name) - 1, spec);
		snprintf(m->dev, sizeof(m->dev), "%.*s", (int)sizeof(m->dev) - 1, dev);
		m->p = prober_new(loop, &mc, on_round, m);
		if (!m->p)
			return -1;
		prober_set_role(m->p, PROBE_ROLE_PRIMARY);
	}
	return 0;
}

static void print_summaries(void)
{
	for (int i = 0; i < n_mem; i++) {
		struct probe_summary s;
		prober_summary(mem[i].p, &s);
		printf("summary member=%s usable=%d reason=\"%s\" rounds=%" PRIu64 " rounds_up=%" PRIu64
		       " sent=%" PRIu64 " answered=%" PRIu64 " loss_pct=%.1f latency_ms=%.3f p95_ms=%.3f jitter_ms=%.3f"
		       " lost_in_row=%d ignored=%" PRIu64 " bad=%" PRIu64 " send_errors=%" PRIu64
		       " bytes_per_day=%.0f mem_bytes=%zu dup=%" PRIu64 " bad_payload=%" PRIu64
		       " icmp_socket=%s rand_weak=%" PRIu64 "\n",
		       mem[i].name, s.usable, s.reason, s.rounds, s.rounds_up, s.probes_sent, s.probes_answered,
		       s.loss_pct, s.latency_ms, s.latency_p95_ms, s.jitter_ms, s.lost_in_row, s.replies_ignored,
		       s.replies_bad, s.send_errors, s.bytes_per_day, s.mem_bytes, s.replies_duplicate,
		       s.replies_bad_payload, s.icmp_socket, s.rand_weak_draws);
	}
	fflush(stdout);
}

static int wait_linkmon(void)
{
	for (int i = 0; i < 100 && !linkmon_ready(lm); i++)
		ev_run(loop, EVRUN_ONCE);
	return linkmon_ready(lm) ? 0 : -1;
}

static struct controller *make_ctl(void)
{
	struct ctl_params cp = { .route_table = table, .route_metric = metric, .rule_priority = 32000, .ipv6 = true };
	char err[160];
	struct controller *c = controller_new(backend, &cp, loop, err, sizeof(err));
	if (!c)
		fprintf(stderr, "%s\n", err);
	return c;
}

static void on_ctl_state(void *ctx, struct controller *c, enum ctl_rstate old, enum ctl_rstate now,
			 const char *why)
{
	printf("state wall_ms=%" PRId64 " old=%s new=%s why=\"%s\" repair_ms=%d\n", wall_ms(), ctl_rstate_name(old),
	       ctl_rstate_name(now), why, c->last_repair_ms);
	fflush(stdout);
}

static int cmd_ctl(int argc, char **argv)
{
	ctl = make_ctl();
	if (ctl)
		controller_set_observer(ctl, on_ctl_state, NULL);
	if (!ctl || controller_init(ctl)) {
		fprintf(stderr, "init failed: %s\n", ctl ? controller_error(ctl) : "");
		return 1;
	}
	bool keep = false;
	int rc = 0;
	for (int a = 0; a < argc; a++) {
		if (strcmp(argv[a], "init") == 0 || strcmp(argv[a], "clean") == 0) {
			continue;
		} else if (strcmp(argv[a], "keep") == 0) {
			keep = true;
		} else if (strcmp(argv[a], "hold") == 0) {
			printf("holding pid=%d\n", getpid());
			fflush(stdout);
			pause();
		} else if (strcmp(argv[a], "run") == 0) {
			printf("running pid=%d\n", getpid());
			fflush(stdout);
			run_for(run_ms);
		} else if (strcmp(argv[a], "apply") == 0 && a + 1 < argc) {
			const char *spec = argv[++a];
			if (strcmp(spec, "none") == 0) {
				rc |= controller_apply(ctl, NULL, NULL, NULL);
				continue;
			}
			char name[32];
			snprintf(name, sizeof(name), "%s", spec);
			char *dev = strchr(name, '=');
			if (!dev)
				return 2;
			*dev++ = 0;
			struct link_info li;
			linkmon_query(lm, dev, &li);
			struct ctl_target t;
			ctl_target_from_link(&t, name, name, &li);
			int r = controller_apply(ctl, &t, NULL, NULL);
			printf("apply member=%s dev=%s rc=%d error=\"%s\" state=\"%s\"\n", name, dev, r,
			       controller_error(ctl), controller_state(ctl));
			rc |= r;
		} else {
			fprintf(stderr, "unknown ctl command %s\n", argv[a]);
			return 2;
		}
	}
	if (!keep)
		controller_shutdown(ctl);
	controller_free(ctl);
	return rc ? 1 : 0;
}

static int cmd_dnsd(const char *addr, int port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl = sizeof(*s4);
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*s6);
	} else {
		return 2;
	}
	int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl)) {
		perror("dnsd");
		return 1;
	}
	printf("dnsd ready port=%d\n", port);
	fflush(stdout);
	for (;;) {
		uint8_t b[512];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&from, &fl);
		if (n < 12)
			continue;
		b[2] |= 0x80;	/* QR */
		b[3] = 0x80;	/* RA, NOERROR */
		sendto(fd, b, (size_t)n, 0, (struct sockaddr *)&from, fl);
	}
}

static void spoof_send(int fd, const uint8_t *ip, size_t ihl, const uint8_t *icmp, size_t len,
		       char kind)
{
	uint8_t pkt[1600];
	if (ihl + len > sizeof(pkt) || len < ICMP_ECHO_HDR_LEN)
		return;
	memcpy(pkt, ip, ihl);
	memcpy(pkt + 12, ip + 16, 4);	/* swap source and destination */
	memcpy(pkt + 16, ip + 12, 4);
	pkt[0] = 0x45;
	pkt[2] = (uint8_t)((20 + len) >> 8);
	pkt[3] = (uint8_t)(20 + len);
	pkt[8] = 64;
	pkt[10] = pkt[11] = 0;
	uint8_t *r = pkt + 20;
	memcpy(r, icmp, len);
	r[0] = 0;	/* echo reply */
	if (kind == 'f')
		r[4] ^= 0x5a;
	if (kind == 'p' && len > ICMP_ECHO_HDR_LEN)
		r[ICMP_ECHO_HDR_LEN] ^= 0xff;
	r[2] = r[3] = 0;
	uint16_t c = wire_csum(r, len);
	r[2] = (uint8_t)(c >> 8);
	r[3] = (uint8_t)c;
	if (kind == 'c')
		r[3] ^= 0x55;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	memcpy(&sa.sin_addr, pkt + 16, 4);
	if (sendto(fd, pkt, 20 + len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		perror("spoof sendto");
}

static int cmd_spoof(const char *kinds, int count)
{
	int in = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP);
	int out = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);	/* IP_HDRINCL */
	int mark = 42;
	if (in < 0 || out < 0 || setsockopt(out, SOL_SOCKET, SO_MARK, &mark, sizeof(mark))) {
		perror("spoof");
		return 1;
	}
	printf("spoof ready\n");
	fflush(stdout);
	int n = 0;
	int64_t end = clock_mono_ms() + run_ms;
	while (n < count && clock_mono_ms() < end) {
		uint8_t b[1600];
		ssize_t len = recv(in, b, sizeof(b), 0);
		if (len < 0) {
			usleep(1000);
			continue;
		}
		size_t ihl = (size_t)(b[0] & 0x0f) * 4;
		if (len < 28 || ihl < 20 || ihl + ICMP_ECHO_HDR_LEN > (size_t)len || b[ihl] != 8)
			continue;	/* echo requests only */
		for (const char *k = kinds; *k; k++)
			spoof_send(out, b, ihl, b + ihl, (size_t)len - ihl, *k);
		n++;
	}
	printf("spoofed requests=%d\n", n);
	close(in);
	close(out);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sfnet_drv probe|linkmon|ctl|failover ...\n");
		return 2;
	}
	const char *cmd = argv[1];
	int opt;
	optind = 2;
	while ((opt = getopt(argc, argv, "+t:i:T:r:b:m:n:v")) != -1) {
		switch (opt) {
		case 't': run_ms = atoi(optarg); break;
		case 'i': interval_ms = atoi(optarg); break;
		case 'T': timeout_ms = atoi(optarg); break;
		case 'r': reliability = atoi(optarg); break;
		case 'b': backend = optarg; break;
		case 'm': metric = atoi(optarg); break;
		case 'n': table = atoi(optarg); break;
		case 'v': log_set_level(log_get_level() == LOG_LVL_DEBUG ? LOG_LVL_TRACE : LOG_LVL_DEBUG); break;
		default: return 2;
		}
	}
	log_open("sfnet_drv", LOG_TO_STDERR);
	if (strcmp(cmd, "dnsd") == 0)
		return optind + 1 < argc ? cmd_dnsd(argv[optind], atoi(argv[optind + 1])) : 2;
	if (strcmp(cmd, "spoof") == 0 && optind + 1 < argc)
		return cmd_spoof(argv[optind], atoi(argv[optind + 1]));
	loop = ev_default_loop(0);
	t0_ms = clock_mono_ms();
	bool with_link = true;
	char **devs = strcmp(cmd, "linkmon") == 0 ? argv + optind : NULL;
	if (strcmp(cmd, "probe") == 0 || strcmp(cmd, "failover") == 0)
		if (add_members(argc - optind, argv + optind))
			return 2;
	if (with_link) {
		lm = linkmon_new(loop, on_link, devs);
		if (!lm || wait_linkmon())
			return 1;
	}
	int rc = 0;
	if (strcmp(cmd, "ctl") == 0) {
		rc = cmd_ctl(argc - optind, argv + optind);
	} else if (strcmp(cmd, "failover") == 0) {
		ctl = make_ctl();
		if (!ctl || controller_init(ctl))
			return 1;
		reselect();
		run_for(run_ms);
		print_summaries();
		controller_shutdown(ctl);
		controller_free(ctl);
	} else if (strcmp(cmd, "probe") == 0 || strcmp(cmd, "linkmon") == 0) {
		run_for(run_ms);
		if (strcmp(cmd, "probe") == 0) {
			print_summaries();
			struct rusage ru;
			getrusage(RUSAGE_SELF, &ru);
			printf("rusage user_ms=%ld sys_ms=%ld nvcsw=%ld\n", ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000,
			       ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000, ru.ru_nvcsw);
		}
		struct linkmon_stats ls;
		linkmon_get_stats(lm, &ls);
		printf("linkmon messages=%" PRIu64 " resyncs=%" PRIu64 " overruns=%" PRIu64 " links=%d errors=%" PRIu64 "\n",
		       ls.messages, ls.resyncs, ls.overruns, ls.links, ls.errors);
	} else {
		fprintf(stderr, "unknown command %s\n", cmd);
		rc = 2;
	}
	for (int i = 0; i < n_mem; i++)
		prober_free(mem[i].p);
	linkmon_free(lm);
	ev_loop_destroy(loop);
	return rc;
}
