/*
 * sl_bench - cost of one Starlink poll: CPU time, socket bytes and heap
 * allocations, measured on the real collector against the dish emulator.
 *
 * malloc/calloc/realloc/free are interposed here (glibc: the executable's
 * definitions win for every library), so the count covers everything the
 * process does per poll: our code, libnghttp2, libprotobuf-c, libev.
 *
 * Phases: (1) status polls back to back, (2) polls with get_history every
 * second, (3) history decode + fold alone on a 900-sample reply from the
 * corpus, (4) baseline: what a shell-out collector pays at the very least,
 * one posix_spawn of /bin/true per poll (grpcurl + jq would be two).
 *
 *   sl_bench -p port [-n status_polls] [-s history_seconds] [-f history_file]
 */
#include <ev.h>
#include <json-c/json.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "starlink.h"
#include "starlink_decode.h"
#include "starlink_grpc.h"

extern char **environ;
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static unsigned long n_alloc;

void *malloc(size_t n);
void *calloc(size_t a, size_t b);
void *realloc(void *p, size_t n);
void free(void *p);

void *malloc(size_t n)
{
	n_alloc++;
	return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	n_alloc++;
	return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	n_alloc++;
	return __libc_realloc(p, n);
}

void free(void *p)
{
	__libc_free(p);
}

static double cpu_s(int who)
{
	struct rusage ru;
	getrusage(who, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct bench {
	struct ev_loop *loop;
	struct starlink *sl;
	ev_timer next;
	long polls, want, warm, failed;
	unsigned long alloc_at_warm, alloc_max_poll, alloc_prev;
	double cpu_at_warm;
	bool pace_1s;
};

static void next_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bench *b = w->data;
	starlink_poll_now(b->sl);
}

static void on_update(void *ctx, const struct sample *s)
{
	struct bench *b = ctx;
	unsigned long now = n_alloc;

	b->polls++;
	if (s->sl.reachable != TRI_TRUE)
		b->failed++;
	if (b->polls == b->warm) {
		b->alloc_at_warm = now;
		b->cpu_at_warm = cpu_s(RUSAGE_SELF);
	} else if (b->polls > b->warm && now - b->alloc_prev > b->alloc_max_poll) {
		b->alloc_max_poll = now - b->alloc_prev;
	}
	b->alloc_prev = now;
	if (b->polls >= b->want) {
		ev_break(b->loop, EVBREAK_ALL);
		return;
	}
	ev_timer_set(&b->next, b->pace_1s ? 1.0 : 0., 0.);
	ev_timer_start(b->loop, &b->next);
}

static int run_polls(const char *label, int port, long polls, long warm, int history_ms, bool pace)
{
	struct starlink_params p;
	struct bench b = { .want = polls, .warm = warm, .pace_1s = pace };

	starlink_params_defaults(&p);
	snprintf(p.host, sizeof(p.host), "127.0.0.1");
	p.port = port;
	p.status_interval_ms = 600000;		/* the bench drives the polls */
	p.history_interval_ms = history_ms;
	b.loop = ev_default_loop(0);
	b.sl = starlink_new(b.loop, &p, NULL, on_update, &b);
	if (!b.sl)
		return -1;
	ev_timer_init(&b.next, next_cb, 0., 0.);
	b.next.data = &b;
	ev_run(b.loop, 0);
	double cpu = cpu_s(RUSAGE_SELF) - b.cpu_at_warm;
	unsigned long allocs = n_alloc - b.alloc_at_warm;
	long measured = b.polls - b.warm;

	json_object *j = starlink_metrics_json(b.sl);
	long long rx = json_object_get_int64(json_object_object_get(j, "bytes_rx_total"));
	long long tx = json_object_get_int64(json_object_object_get(j, "bytes_tx_total"));
	json_object_put(j);
	printf("%-26s polls=%ld failed=%ld cpu_us_per_poll=%.1f bytes_per_poll=%.0f (tx %.0f rx %.0f) "
	       "allocs_per_poll=%.3f max_allocs_one_poll=%lu\n",
	       label, measured, b.failed, cpu * 1e6 / measured, (double)(rx + tx) / b.polls,
	       (double)tx / b.polls, (double)rx / b.polls, (double)allocs / measured, b.alloc_max_poll);
	starlink_free(b.sl);
	return b.failed ? -1 : 0;
}

static int run_decode(const char *path, long reps)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "sl_bench: %s: cannot open\n", path);
		return -1;
	}
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	struct sl_arena a;
	struct sl_hist h;
	struct sl_history_view hv;
	const uint8_t *msg;
	size_t len;
	char err[192];
	if (sl_arena_init(&a, SL_DECODE_ARENA_CAP) < 0 || n < 6 ||
	    sl_grpc_frame_parse(buf + 1, n - 1, 256 * 1024, &msg, &len, err, sizeof(err)) != SL_ERR_NONE)
		return -1;
	sl_hist_init(&h);
	unsigned long a0 = n_alloc;
	double c0 = cpu_s(RUSAGE_SELF);
	for (long i = 0; i < reps; i++) {
		if (sl_decode_history(&a, msg, len, &hv, err, sizeof(err)) != SL_ERR_NONE)
			return -1;
		hv.current += (uint64_t)i * 5;	/* 5 new seconds per read */
		sl_hist_fold(&h, &hv);
	}
	double c = cpu_s(RUSAGE_SELF) - c0;
	printf("%-26s reps=%ld reply_bytes=%zu cpu_us_per_decode=%.1f allocs_per_decode=%.3f arena_peak=%zu\n",
	       "history decode+fold", reps, len, c * 1e6 / reps, (double)(n_alloc - a0) / reps, a.peak);
	sl_arena_fini(&a);
	return 0;
}

static void run_spawn_baseline(long reps, double native_us)
{
	double c0 = cpu_s(RUSAGE_SELF) + cpu_s(RUSAGE_CHILDREN);
	for (long i = 0; i < reps; i++) {
		pid_t pid;
		char *argv[] = { "/bin/true", NULL };
		if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) != 0)
			return;
		waitpid(pid, NULL, 0);
	}
	double us = (cpu_s(RUSAGE_SELF) + cpu_s(RUSAGE_CHILDREN) - c0) * 1e6 / reps;
	printf("%-26s reps=%ld cpu_us_per_spawn=%.1f ratio_vs_native_status_poll=%.1fx "
	       "(grpcurl+jq = 2 spawns + a Go runtime start)\n", "baseline spawn /bin/true", reps, us,
	       native_us > 0 ? us / native_us : NAN);
}

int main(int argc, char **argv)
{
	int port = 0, c;
	long polls = 2000, hist_s = 6;
	const char *hist_file = "fuzz/corpus/starlink/healthy-get_history";

	log_open("sl_bench", LOG_TO_STDERR);
	log_set_level(LOG_LVL_WARN);
	while ((c = getopt(argc, argv, "p:n:s:f:")) != -1) {
		switch (c) {
		case 'p': port = (int)strtol(optarg, NULL, 10); break;
		case 'n': polls = strtol(optarg, NULL, 10); break;
		case 's': hist_s = strtol(optarg, NULL, 10); break;
		case 'f': hist_file = optarg; break;
		default:
			fprintf(stderr, "usage: sl_bench -p port [-n polls] [-s history_seconds] [-f file]\n");
			return 2;
		}
	}
	if (port <= 0 || port > 65535 || polls < 50 || hist_s < 3)
		return 2;
	int rc = 0;
	double t0 = cpu_s(RUSAGE_SELF);
	rc |= run_polls("status poll (warm)", port, polls, 20, 600000, false);
	double native_us = (cpu_s(RUSAGE_SELF) - t0) * 1e6 / polls;
	rc |= run_polls("status+history poll (1/s)", port, hist_s, 2, 1000, true);
	rc |= run_decode(hist_file, 20000);
	run_spawn_baseline(200, native_us);
	return rc ? 1 : 0;
}
