/*
 * telemetry.h - RAM rings of per-member samples and of events.
 *
 * Everything lives in RAM (routers have little flash and it wears out).
 * The daemon sizes the rings from one global cap (telemetry_max_kb): the
 * event ring takes telemetry_max_events records, the sample rings share
 * what is left equally between members. When a ring is full the oldest
 * record is dropped and counted. Rings are resized, keeping the newest
 * records, when the member set changes.
 */
#ifndef SF_TELEMETRY_H
#define SF_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfgtab.h"

struct telemetry_params {
	int max_kb;		/* telemetry_max_kb: all rings together */
	int max_events;		/* telemetry_max_events */
};

extern const struct cfg_option telemetry_options[];

/* One point of a member's history (one probe round or status update). */
struct tel_sample {
	int64_t t_ms;		/* monotonic */
	float latency_ms, loss_pct, jitter_ms;	/* NAN = unknown */
	float score;		/* engine final score, NAN = unknown */
	uint8_t state;		/* engine member state */
	int8_t link_up;		/* enum tri */
	bool primary;
	bool round_up;		/* the probe round was up */
};

#define TEL_TEXT_MAX 192
#define TEL_NAME_MAX 32

struct tel_event {
	int64_t t_ms;		/* monotonic */
	int64_t wall_s;		/* Unix time, for humans */
	char type[16];
	char reason[32];
	char member[TEL_NAME_MAX];
	char from[TEL_NAME_MAX], to[TEL_NAME_MAX];
	char text[TEL_TEXT_MAX];
	uint64_t id;		/* 1, 2, ... per daemon run: set by event_bus_emit */
};

/* A ring of fixed-size records. */
struct tel_ring {
	void *buf;
	size_t rec_size;
	size_t cap, head, len;	/* head = index of the oldest */
	uint64_t pushed, dropped;
};

int tel_ring_init(struct tel_ring *r, size_t rec_size, size_t cap);
/* Change capacity keeping the newest records; -1 on ENOMEM (ring unchanged). */
int tel_ring_resize(struct tel_ring *r, size_t cap);
void tel_ring_free(struct tel_ring *r);
void tel_ring_push(struct tel_ring *r, const void *rec);
/* i = 0 is the oldest record held; NULL out of range. */
const void *tel_ring_get(const struct tel_ring *r, size_t i);
size_t tel_ring_bytes(const struct tel_ring *r);

/* Capacity of each member's sample ring for n members under the params
 * (what is left after the event ring and the decision records). */
size_t tel_samples_per_member(const struct telemetry_params *p, int n_members);

/*
 * RAM for the decision records (the evidence behind each decision, kept for
 * `explain`): 1/48 of telemetry_max_kb. The daemon fits as many records of
 * rec_size as that holds, at least TEL_DECISIONS_MIN, at most
 * TEL_DECISIONS_MAX.
 */
#define TEL_DECISIONS_MIN 4
#define TEL_DECISIONS_MAX 256
size_t tel_decisions_cap(const struct telemetry_params *p, size_t rec_size);

#endif
