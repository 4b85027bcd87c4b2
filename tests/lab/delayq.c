/*
 * delayq.c - bounded FIFO of delayed packets (see delayq.h).
 */
#include "delayq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DELAYQ_MAX_CAPACITY 65536u
#define DELAYQ_MAX_SLOT_BYTES 65536u
#define DELAYQ_MAX_TOTAL_BYTES (256u * 1024u * 1024u)

bool delayq_init(struct delayq *q, size_t capacity, size_t slot_bytes)
{
	memset(q, 0, sizeof(*q));
	if (capacity == 0 || capacity > DELAYQ_MAX_CAPACITY ||
	    slot_bytes == 0 || slot_bytes > DELAYQ_MAX_SLOT_BYTES ||
	    capacity > DELAYQ_MAX_TOTAL_BYTES / slot_bytes) {
		errno = EINVAL;
		return false;
	}
	q->buf = malloc(capacity * slot_bytes);
	q->len = calloc(capacity, sizeof(*q->len));
	q->release_ns = calloc(capacity, sizeof(*q->release_ns));
	if (!q->buf || !q->len || !q->release_ns) {
		delayq_free(q);
		errno = ENOMEM;
		return false;
	}
	q->capacity = capacity;
	q->slot_bytes = slot_bytes;
	return true;
}

void delayq_free(struct delayq *q)
{
	free(q->buf);
	free(q->len);
	free(q->release_ns);
	memset(q, 0, sizeof(*q));
}

bool delayq_push(struct delayq *q, const void *pkt, size_t len, uint64_t release_ns)
{
	size_t slot;

	if (len > q->slot_bytes) {
		q->dropped_big++;
		return false;
	}
	if (q->count == q->capacity) {
		q->dropped_full++;
		return false;
	}
	if (q->count > 0 && release_ns < q->last_release_ns)
		release_ns = q->last_release_ns;
	slot = (q->head + q->count) % q->capacity;
	memcpy(q->buf + slot * q->slot_bytes, pkt, len);
	q->len[slot] = len;
	q->release_ns[slot] = release_ns;
	q->last_release_ns = release_ns;
	q->count++;
	return true;
}

bool delayq_next_release(const struct delayq *q, uint64_t *release_ns)
{
	if (q->count == 0)
		return false;
	*release_ns = q->release_ns[q->head];
	return true;
}

const void *delayq_peek_due(const struct delayq *q, uint64_t now_ns, size_t *len)
{
	if (q->count == 0 || q->release_ns[q->head] > now_ns)
		return NULL;
	*len = q->len[q->head];
	return q->buf + q->head * q->slot_bytes;
}

void delayq_pop(struct delayq *q)
{
	if (q->count == 0)
		return;
	q->head = (q->head + 1) % q->capacity;
	q->count--;
}
