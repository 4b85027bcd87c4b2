/*
 * probe_rand.h - where the prober's echo ids, round cookies and DNS ids
 * come from: the kernel's CRNG (getrandom), never from time or pid alone.
 *
 * A draw asks getrandom(GRND_NONBLOCK). Early at boot the CRNG may not be
 * initialised yet (EAGAIN): the first time that happens in the process the
 * draw waits for it briefly (poll on /dev/random, at most
 * PROBE_RAND_WAIT_MS, once per process, so N members do not add up). When
 * there is still no entropy the draw is marked weak: it comes from a
 * per-generator mix of clock, pid and a counter, the generator counts it
 * (weak_draws), logs one warning per episode, and the caller re-keys what
 * it drew weakly (probe_rng_weak tells) as soon as a draw is strong again
 * (reseeds counts those recoveries).
 */
#ifndef SF_PROBE_RAND_H
#define SF_PROBE_RAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROBE_RAND_WAIT_MS 200

struct probe_rng {
	bool weak;		/* the last draw was weak */
	uint64_t state;		/* mixer state of the weak draws */
	uint64_t weak_draws;	/* draws made without kernel entropy */
	uint64_t reseeds;	/* returns to strong draws after weak ones */
	const char *name;	/* for logs (member name); may be NULL */
};

void probe_rng_init(struct probe_rng *r, const char *name);

/* Fill buf with len random bytes. Returns true when they are strong. */
bool probe_rng_fill(struct probe_rng *r, void *buf, size_t len);

uint16_t probe_rng_u16(struct probe_rng *r);
uint64_t probe_rng_u64(struct probe_rng *r);

/*
 * Test hook: the getrandom() the generators call (NULL = the real one) and
 * whether the once-per-process wait has been spent (reset for tests).
 */
typedef ssize_t (*probe_getrandom_fn)(void *buf, size_t len, unsigned flags);
void probe_rand_set_source(probe_getrandom_fn fn);
void probe_rand_reset_wait(void);

#endif
