/* telemetry.c - see telemetry.h */
#include "telemetry.h"

#include <stdlib.h>
#include <string.h>

#define TEL(f) offsetof(struct telemetry_params, f)
const struct cfg_option telemetry_options[] = {
	{ "telemetry_max_kb", CFG_INT, TEL(max_kb), 64, 65536, "1024", NULL, "KiB",
	  CFG_HELP("RAM for all telemetry rings (samples and events) together; oldest records are dropped first.") },
	{ "telemetry_max_events", CFG_INT, TEL(max_events), 16, 10000, "512", NULL, "events",
	  CFG_HELP("Events kept in RAM (taken out of telemetry_max_kb first).") },
	CFG_OPT_END
};

int tel_ring_init(struct tel_ring *r, size_t rec_size, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->rec_size = rec_size;
	if (cap == 0)
		cap = 1;
	r->buf = calloc(cap, rec_size);
	if (!r->buf)
		return -1;
	r->cap = cap;
	return 0;
}

int tel_ring_resize(struct tel_ring *r, size_t cap)
{
	if (cap == 0)
		cap = 1;
	if (cap == r->cap)
		return 0;
	char *nb = calloc(cap, r->rec_size);
	if (!nb)
		return -1;
	size_t keep = r->len < cap ? r->len : cap;
	size_t skip = r->len - keep;
	for (size_t i = 0; i < keep; i++)
		memcpy(nb + i * r->rec_size, tel_ring_get(r, skip + i), r->rec_size);
	r->dropped += skip;
	free(r->buf);
	r->buf = nb;
	r->cap = cap;
	r->head = 0;
	r->len = keep;
	return 0;
}

void tel_ring_free(struct tel_ring *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

void tel_ring_push(struct tel_ring *r, const void *rec)
{
	if (!r->buf)
		return;
	size_t slot;
	if (r->len < r->cap) {
		slot = (r->head + r->len) % r->cap;
		r->len++;
	} else {
		slot = r->head;
		r->head = (r->head + 1) % r->cap;
		r->dropped++;
	}
	memcpy((char *)r->buf + slot * r->rec_size, rec, r->rec_size);
	r->pushed++;
}

const void *tel_ring_get(const struct tel_ring *r, size_t i)
{
	if (i >= r->len)
		return NULL;
	return (const char *)r->buf + ((r->head + i) % r->cap) * r->rec_size;
}

size_t tel_ring_bytes(const struct tel_ring *r)
{
	return r->cap * r->rec_size;
}

static size_t decisions_bytes(const struct telemetry_params *p)
{
	return (size_t)p->max_kb * 1024 / 48;
}

size_t tel_decisions_cap(const struct telemetry_params *p, size_t rec_size)
{
	size_t n = rec_size ? decisions_bytes(p) / rec_size : 0;
	return n < TEL_DECISIONS_MIN ? TEL_DECISIONS_MIN : n > TEL_DECISIONS_MAX ? TEL_DECISIONS_MAX : n;
}

size_t tel_samples_per_member(const struct telemetry_params *p, int n_members)
{
	size_t total = (size_t)p->max_kb * 1024 - decisions_bytes(p);
	size_t ev = (size_t)p->max_events * sizeof(struct tel_event);
	size_t left = total > ev ? total - ev : 0;
	if (n_members < 1)
		n_members = 1;
	size_t n = left / (size_t)n_members / sizeof(struct tel_sample);
	return n < 16 ? 16 : n;
}
