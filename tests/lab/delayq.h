/*
 * delayq.h - bounded FIFO of packets, each held until its release time.
 *
 * The queue of the lab's delay shim (sf-delayshim), kept apart from the TUN
 * and event-loop code so that it can be unit-tested without privileges.
 * All memory is allocated once in delayq_init(): capacity x slot size.
 * Release times never go backwards (a packet is never released before the
 * one queued ahead of it), so jitter adds delay variation but no reordering,
 * which keeps TCP measurements through the lab meaningful.
 */
#ifndef SF_LAB_DELAYQ_H
#define SF_LAB_DELAYQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct delayq {
	unsigned char *buf;	/* capacity * slot_bytes */
	size_t *len;		/* bytes used in each slot */
	uint64_t *release_ns;	/* release time of each slot */
	size_t capacity;	/* slots */
	size_t slot_bytes;	/* largest packet stored */
	size_t head;		/* oldest packet */
	size_t count;
	uint64_t last_release_ns;
	uint64_t dropped_full;	/* pushes refused because the queue was full */
	uint64_t dropped_big;	/* pushes refused because the packet was too big */
};

/* Allocates the queue. Returns false (errno set) on bad sizes or no memory. */
bool delayq_init(struct delayq *q, size_t capacity, size_t slot_bytes);
void delayq_free(struct delayq *q);

/*
 * Queues a copy of pkt to be released at release_ns, or later if the packet
 * ahead is released later (order is kept). Returns false and counts a drop
 * when the queue is full or the packet is larger than a slot.
 */
bool delayq_push(struct delayq *q, const void *pkt, size_t len, uint64_t release_ns);

/* Release time of the oldest packet; false when the queue is empty. */
bool delayq_next_release(const struct delayq *q, uint64_t *release_ns);

/*
 * The oldest packet if its release time is <= now_ns (pointer valid until the
 * next push/pop), else NULL. delayq_pop() removes it.
 */
const void *delayq_peek_due(const struct delayq *q, uint64_t now_ns, size_t *len);
void delayq_pop(struct delayq *q);

#endif
