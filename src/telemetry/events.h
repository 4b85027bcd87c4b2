/*
 * events.h - the one list of event subscribers.
 *
 * Every event of the daemon and the engine (a switch, a state change, a
 * prediction, a repaired route, a reload) is emitted once into an
 * event_bus, which hands it to each subscribed sink in the order they
 * subscribed: today the RAM ring (event_sink_ring) and the log; later
 * notifications and MQTT. A sink must not block and must not emit (a sink
 * that emits is refused: the nested event is counted and dropped).
 */
#ifndef SF_EVENTS_H
#define SF_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "telemetry.h"

#define EVENT_SINKS_MAX 8

typedef void (*event_sink_fn)(void *ctx, const struct tel_event *ev);

struct event_bus {
	int n;
	struct {
		char name[16];
		event_sink_fn fn;
		void *ctx;
	} sinks[EVENT_SINKS_MAX];
	bool emitting;
	uint64_t emitted;	/* events handed to the sinks; the id of the latest */
	uint64_t nested;	/* events a sink tried to emit (dropped) */
};

void event_bus_init(struct event_bus *b);

/* Add a sink; -1 when EVENT_SINKS_MAX are subscribed already. */
int event_bus_subscribe(struct event_bus *b, const char *name, event_sink_fn fn, void *ctx);

/* Remove the sink (fn, ctx) if subscribed. */
void event_bus_unsubscribe(struct event_bus *b, event_sink_fn fn, void *ctx);

/* Hand ev to every sink, numbered: the sinks see ev->id = emitted (1, 2, ...). */
void event_bus_emit(struct event_bus *b, const struct tel_event *ev);

/* Sink that pushes the event into a struct tel_ring of struct tel_event (ctx). */
void event_sink_ring(void *ring, const struct tel_event *ev);

#endif
