/*
 * sfct_drv.c - driver of the flow tests (tests/net/test_flows.sh): the
 * real conntrack flush (src/control/conntrack.c) and the daemon's decision
 * (daemon_flow_flush_wanted) against the kernel of the namespace it runs in.
 *
 *   sfct_drv leave [addr4=A] [mark=M/MASK] [flush=off|dead|all] [dead=0|1]
 *                  [policy=move|keep|metered] [metered=0|1]
 *       the member with address A (and mwan3 mark M) is left: decide as
 *       the daemon does and, if so, delete its flows; prints
 *       "leave flush=yes|no seen=.. matched=.. deleted=.. failed=.."
 *   sfct_drv udp SRC_PORT DST PORT INTERVAL_MS COUNT
 *       send COUNT datagrams "seq N" from SRC_PORT to DST:PORT
 *   sfct_drv sink ADDR PORT
 *       print "from SRC seq N wall_ms=.." for each datagram, until killed
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conntrack.h"
#include "daemon.h"

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int pick(const char *v, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	fprintf(stderr, "unknown value '%s'\n", v);
	exit(2);
}

static int leave(int argc, char **argv)
{
	static const char *const flush_n[] = { "off", "dead", "all", NULL };
	static const char *const pol_n[] = { "move", "keep", "metered", NULL };
	struct ct_match m;
	memset(&m, 0, sizeof(m));
	int flush = CTL_FLUSH_DEAD, policy = FLOW_METERED;
	bool dead = true, metered = false;
	for (int i = 0; i < argc; i++) {
		char *v = strchr(argv[i], '=');
		if (!v)
			return 2;
		*v++ = 0;
		if (!strcmp(argv[i], "addr4")) {
			m.has_addr4 = inet_pton(AF_INET, v, &m.addr4) == 1;
		} else if (!strcmp(argv[i], "mark")) {
			char *slash = strchr(v, '/');
			m.mark = (uint32_t)strtoul(v, NULL, 0);
			m.mark_mask = slash ? (uint32_t)strtoul(slash + 1, NULL, 0) : 0xffffffffu;
			m.has_mark = true;
		} else if (!strcmp(argv[i], "flush")) {
			flush = pick(v, flush_n);
		} else if (!strcmp(argv[i], "dead")) {
			dead = atoi(v) != 0;
		} else if (!strcmp(argv[i], "policy")) {
			policy = pick(v, pol_n);
		} else if (!strcmp(argv[i], "metered")) {
			metered = atoi(v) != 0;
		} else {
			return 2;
		}
	}
	if (!daemon_flow_flush_wanted(flush, dead, policy, metered)) {
		printf("leave flush=no\n");
		return 0;
	}
	struct ctl_flow_counts n;
	char err[160];
	int rc = ct_flush(&m, 1000, &n, err, sizeof(err));
	printf("leave flush=yes seen=%u matched=%u deleted=%u failed=%u rc=%d%s%s\n", n.seen, n.matched, n.deleted,
	       n.failed, rc, rc ? " error=" : "", rc ? err : "");
	return rc ? 1 : 0;
}

static int udp(char **argv)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[0])) };
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		perror("udp");
		return 1;
	}
	int interval = atoi(argv[3]), count = atoi(argv[4]);
	for (int i = 0; i < count; i++) {
		char msg[32];
		int len = snprintf(msg, sizeof(msg), "seq %d", i);
		sendto(fd, msg, (size_t)len, 0, (struct sockaddr *)&dst, sizeof(dst));
		usleep((useconds_t)interval * 1000);
	}
	return 0;
}

static int sink(char **argv)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])) };
	if (fd < 0 || inet_pton(AF_INET, argv[0], &a.sin_addr) != 1 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("sink");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		char buf[64], from[INET_ADDRSTRLEN];
		struct sockaddr_in s;
		socklen_t sl = sizeof(s);
		ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&s, &sl);
		if (n <= 0)
			continue;
		buf[n] = 0;
		inet_ntop(AF_INET, &s.sin_addr, from, sizeof(from));
		printf("from %s %s wall_ms=%lld\n", from, buf, (long long)wall_ms());
	}
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "leave"))
		return leave(argc - 2, argv + 2);
	if (argc == 7 && !strcmp(argv[1], "udp"))
		return udp(argv + 2);
	if (argc == 4 && !strcmp(argv[1], "sink"))
		return sink(argv + 2);
	fprintf(stderr, "usage: see sfct_drv.c\n");
	return 2;
}
