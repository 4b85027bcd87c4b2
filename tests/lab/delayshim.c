/*
 * delayshim.c - sf-delayshim: adds latency to packets routed through a TUN
 * device, because this kernel has no netem.
 *
 * The lab runs it inside one isp namespace and steers that uplink's
 * upstream traffic into the TUN device with a policy rule; every packet read
 * from the device is held for delay (+- jitter) ms in a bounded queue and then
 * written back into the same device, from where the kernel forwards it on as
 * usual. One libev loop, non-blocking fd, memory allocated once
 * (queue_pkts x 2 KiB); when the queue is full, packets are dropped and
 * counted like a full router buffer would. The TUN device is not persistent:
 * it disappears when the process exits, whatever the reason.
 *
 *   sf-delayshim --dev sfdly --delay-ms 200 [--jitter-ms 20] [--queue-pkts 2048]
 *
 * Prints "delayshim: ready dev=..." on stdout once the device is up, counters
 * on SIGUSR1 and at exit (SIGTERM/SIGINT/SIGHUP) on stderr.
 */
#include "delayq.h"

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SHIM_SLOT_BYTES 2048u		/* > the 1500-byte MTU of the device */
#define SHIM_READ_BYTES 65536u		/* anything bigger than a slot is counted */
#define SHIM_MAX_DELAY_MS 60000u
#define SHIM_MAX_QUEUE_PKTS 65536u
#define SHIM_READS_PER_WAKEUP 256	/* fairness between reading and releasing */

struct shim {
	struct ev_loop *loop;
	int tun_fd;
	char dev[IFNAMSIZ];
	uint64_t delay_ns;
	uint64_t jitter_ns;
	uint64_t rng;
	struct delayq q;
	unsigned char *rxbuf;
	ev_io io;
	ev_timer timer;
	ev_signal sig_term, sig_int, sig_hup, sig_usr1;
	uint64_t rx_pkts;
	uint64_t tx_pkts;
	uint64_t tx_errors;
	int exit_code;
};

static void shim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void shim_log(const char *fmt, ...)
{
	va_list ap;

	fputs("delayshim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: jitter needs no cryptographic quality, only independence. */
static uint64_t shim_random(struct shim *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 2685821657736338717ull;
}

static uint64_t shim_release_time(struct shim *s, uint64_t now_ns)
{
	uint64_t release = now_ns + s->delay_ns;

	if (s->jitter_ns > 0) {
		uint64_t span = 2 * s->jitter_ns + 1;
		uint64_t r = shim_random(s) % span;

		/* jitter <= delay is enforced at start, so this cannot underflow */
		release = release - s->jitter_ns + r;
	}
	return release < now_ns ? now_ns : release;
}

static void shim_print_counters(const struct shim *s)
{
	shim_log("dev=%s rx_pkts=%" PRIu64 " tx_pkts=%" PRIu64 " queued=%zu "
		 "dropped_full=%" PRIu64 " dropped_big=%" PRIu64 " tx_errors=%" PRIu64,
		 s->dev, s->rx_pkts, s->tx_pkts, s->q.count,
		 s->q.dropped_full, s->q.dropped_big, s->tx_errors);
}

static void shim_arm_timer(struct shim *s)
{
	uint64_t release, now;

	ev_timer_stop(s->loop, &s->timer);
	if (!delayq_next_release(&s->q, &release))
		return;
	now = mono_ns();
	ev_now_update(s->loop);
	ev_timer_set(&s->timer, release > now ? (double)(release - now) / 1e9 : 0.0, 0.0);
	ev_timer_start(s->loop, &s->timer);
}

static void shim_release_due(struct shim *s)
{
	uint64_t now = mono_ns();
	const void *pkt;
	size_t len;

	while ((pkt = delayq_peek_due(&s->q, now, &len)) != NULL) {
		ssize_t n = write(s->tun_fd, pkt, len);

		if (n == (ssize_t)len)
			s->tx_pkts++;
		else
			s->tx_errors++;	/* EAGAIN/ENOBUFS: the packet is lost, as on a full link */
		delayq_pop(&s->q);
	}
}

static void shim_on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct shim *s = w->data;

	shim_release_due(s);
	shim_arm_timer(s);
}

static void shim_on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct shim *s = w->data;
	int i;

	for (i = 0; i < SHIM_READS_PER_WAKEUP; i++) {
		ssize_t n = read(s->tun_fd, s->rxbuf, SHIM_READ_BYTES);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			shim_log("error=read dev=%s errno=%s", s->dev, strerror(errno));
			s->exit_code = 1;
			ev_break(loop, EVBREAK_ALL);
			return;
		}
		if (n == 0)
			break;
		s->rx_pkts++;
		delayq_push(&s->q, s->rxbuf, (size_t)n, shim_release_time(s, mono_ns()));
	}
	shim_release_due(s);	/* zero delay, or the timer is late under load */
	shim_arm_timer(s);
}

static void shim_on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct shim *s = w->data;

	if (w->signum == SIGUSR1) {
		shim_print_counters(s);
		return;
	}
	ev_break(loop, EVBREAK_ALL);
}

static int tun_open(char *dev)
{
	struct ifreq ifr;
	int fd, sock, rc;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		shim_log("error=open path=/dev/net/tun errno=%s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		shim_log("error=TUNSETIFF dev=%s errno=%s", dev, strerror(errno));
		close(fd);
		return -1;
	}
	snprintf(dev, IFNAMSIZ, "%s", ifr.ifr_name);

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		shim_log("error=socket errno=%s", strerror(errno));
		close(fd);
		return -1;
	}
	rc = ioctl(sock, SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(sock, SIOCSIFFLAGS, &ifr);
	}
	if (rc < 0) {
		shim_log("error=link-up dev=%s errno=%s", dev, strerror(errno));
		close(sock);
		close(fd);
		return -1;
	}
	close(sock);
	return fd;
}

static bool parse_uint(const char *opt, const char *text, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end != '\0' || text[0] == '-' || v > max) {
		shim_log("error=bad-option option=%s value='%s' range=0..%lu", opt, text, max);
		return false;
	}
	*out = v;
	return true;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sf-delayshim [--dev NAME] --delay-ms N [--jitter-ms N] [--queue-pkts N]\n"
		   "  Creates TUN device NAME (default sfdly) in the current network namespace and\n"
		   "  writes every packet read from it back into it after N ms (+- jitter).\n"
		   "  delay 0..%u ms, jitter <= delay, queue 1..%u packets (default 2048).\n",
		SHIM_MAX_DELAY_MS, SHIM_MAX_QUEUE_PKTS);
}

static void shim_watch_signal(struct shim *s, ev_signal *w, int signum)
{
	ev_signal_init(w, shim_on_signal, signum);
	w->data = s;
	ev_signal_start(s->loop, w);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "delay-ms", required_argument, NULL, 'l' },
		{ "jitter-ms", required_argument, NULL, 'j' },
		{ "queue-pkts", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct shim s;
	unsigned long delay_ms = 0, jitter_ms = 0, queue_pkts = 2048;
	bool have_delay = false;
	int c;

	memset(&s, 0, sizeof(s));
	snprintf(s.dev, sizeof(s.dev), "sfdly");
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (strlen(optarg) == 0 || strlen(optarg) >= IFNAMSIZ || strchr(optarg, '/')) {
				shim_log("error=bad-option option=--dev value='%s' (1..%d characters, no '/')",
					 optarg, IFNAMSIZ - 1);
				return 2;
			}
			snprintf(s.dev, sizeof(s.dev), "%s", optarg);
			break;
		case 'l':
			if (!parse_uint("--delay-ms", optarg, SHIM_MAX_DELAY_MS, &delay_ms))
				return 2;
			have_delay = true;
			break;
		case 'j':
			if (!parse_uint("--jitter-ms", optarg, SHIM_MAX_DELAY_MS, &jitter_ms))
				return 2;
			break;
		case 'q':
			if (!parse_uint("--queue-pkts", optarg, SHIM_MAX_QUEUE_PKTS, &queue_pkts))
				return 2;
			if (queue_pkts == 0) {
				shim_log("error=bad-option option=--queue-pkts value=0 range=1..%u",
					 SHIM_MAX_QUEUE_PKTS);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !have_delay) {
		usage(stderr);
		return 2;
	}
	if (jitter_ms > delay_ms) {
		shim_log("error=bad-option option=--jitter-ms value=%lu (must be <= delay %lu)",
			 jitter_ms, delay_ms);
		return 2;
	}
	s.delay_ns = (uint64_t)delay_ms * 1000000u;
	s.jitter_ns = (uint64_t)jitter_ms * 1000000u;
	s.rng = mono_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;

	if (!delayq_init(&s.q, queue_pkts, SHIM_SLOT_BYTES)) {
		shim_log("error=alloc queue_pkts=%lu errno=%s", queue_pkts, strerror(errno));
		return 1;
	}
	s.rxbuf = malloc(SHIM_READ_BYTES);
	if (!s.rxbuf) {
		shim_log("error=alloc bytes=%u", SHIM_READ_BYTES);
		delayq_free(&s.q);
		return 1;
	}
	s.tun_fd = tun_open(s.dev);
	if (s.tun_fd < 0) {
		free(s.rxbuf);
		delayq_free(&s.q);
		return 1;
	}

	s.loop = ev_default_loop(EVFLAG_AUTO);
	if (!s.loop) {
		shim_log("error=ev_default_loop");
		close(s.tun_fd);
		free(s.rxbuf);
		delayq_free(&s.q);
		return 1;
	}
	ev_io_init(&s.io, shim_on_readable, s.tun_fd, EV_READ);
	s.io.data = &s;
	ev_io_start(s.loop, &s.io);
	ev_init(&s.timer, shim_on_timer);
	s.timer.data = &s;
	shim_watch_signal(&s, &s.sig_term, SIGTERM);
	shim_watch_signal(&s, &s.sig_int, SIGINT);
	shim_watch_signal(&s, &s.sig_hup, SIGHUP);
	shim_watch_signal(&s, &s.sig_usr1, SIGUSR1);

	printf("delayshim: ready dev=%s delay_ms=%lu jitter_ms=%lu queue_pkts=%lu\n",
	       s.dev, delay_ms, jitter_ms, queue_pkts);
	fflush(stdout);

	ev_run(s.loop, 0);

	shim_print_counters(&s);
	ev_io_stop(s.loop, &s.io);
	ev_timer_stop(s.loop, &s.timer);
	ev_loop_destroy(s.loop);
	close(s.tun_fd);
	free(s.rxbuf);
	delayq_free(&s.q);
	return s.exit_code;
}
