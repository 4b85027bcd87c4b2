/* probe_rand.c - see probe_rand.h */
#include "probe_rand.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

static probe_getrandom_fn source;
static bool waited;

void probe_rand_set_source(probe_getrandom_fn fn)
{
	source = fn;
}

void probe_rand_reset_wait(void)
{
	waited = false;
}

static ssize_t get_random(void *buf, size_t len)
{
	ssize_t n;
	do
		n = source ? source(buf, len, GRND_NONBLOCK) : getrandom(buf, len, GRND_NONBLOCK);
	while (n < 0 && errno == EINTR);
	return n;
}

/* /dev/random turns readable once the CRNG is initialised. */
static void wait_for_entropy(void)
{
	int fd = open("/dev/random", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int64_t end = clock_mono_ms() + PROBE_RAND_WAIT_MS;
	for (int64_t left = PROBE_RAND_WAIT_MS; left > 0; left = end - clock_mono_ms())
		if (poll(&pfd, 1, (int)left) >= 0 || errno != EINTR)
			break;
	close(fd);
}

/* splitmix64: spreads the weak seed; not a secret, only not constant */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void probe_rng_init(struct probe_rng *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->state = mix64((uint64_t)clock_mono_ns() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)r);
}

bool probe_rng_fill(struct probe_rng *r, void *buf, size_t len)
{
	ssize_t n = get_random(buf, len);
	if (n < 0 && errno == EAGAIN && !waited) {
		waited = true;
		wait_for_entropy();
		n = get_random(buf, len);
	}
	if (n == (ssize_t)len) {
		if (r->weak) {
			r->weak = false;
			r->reseeds++;
			log_info("probe: member=%s kernel entropy available, ids reseeded", r->name ? r->name : "-");
		}
		return true;
	}
	if (!r->weak)
		log_warn("probe: member=%s no kernel entropy yet (getrandom: %s), ids weak until reseeded",
			 r->name ? r->name : "-", n < 0 ? strerror(errno) : "short read");
	r->weak = true;
	r->weak_draws++;
	uint8_t *p = buf;
	for (size_t i = 0; i < len; i += 8) {
		r->state += 0x9e3779b97f4a7c15ull;
		uint64_t v = mix64(r->state ^ (uint64_t)clock_mono_ns());
		size_t k = len - i < 8 ? len - i : 8;
		memcpy(p + i, &v, k);
	}
	return false;
}

uint16_t probe_rng_u16(struct probe_rng *r)
{
	uint16_t v;
	probe_rng_fill(r, &v, sizeof(v));
	return v;
}

uint64_t probe_rng_u64(struct probe_rng *r)
{
	uint64_t v;
	probe_rng_fill(r, &v, sizeof(v));
	return v;
}
