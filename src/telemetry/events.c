/* events.c - see events.h */
#include "events.h"

#include <stdio.h>
#include <string.h>

void event_bus_init(struct event_bus *b)
{
	memset(b, 0, sizeof(*b));
}

int event_bus_subscribe(struct event_bus *b, const char *name, event_sink_fn fn, void *ctx)
{
	if (b->n >= EVENT_SINKS_MAX || !fn)
		return -1;
	snprintf(b->sinks[b->n].name, sizeof(b->sinks[b->n].name), "%s", name);
	b->sinks[b->n].fn = fn;
	b->sinks[b->n].ctx = ctx;
	b->n++;
	return 0;
}

void event_bus_unsubscribe(struct event_bus *b, event_sink_fn fn, void *ctx)
{
	for (int i = 0; i < b->n; i++) {
		if (b->sinks[i].fn != fn || b->sinks[i].ctx != ctx)
			continue;
		memmove(&b->sinks[i], &b->sinks[i + 1], (size_t)(b->n - i - 1) * sizeof(b->sinks[0]));
		b->n--;
		return;
	}
}

void event_bus_emit(struct event_bus *b, const struct tel_event *ev)
{
	if (b->emitting) {
		b->nested++;
		return;
	}
	b->emitting = true;
	struct tel_event numbered = *ev;
	numbered.id = ++b->emitted;
	for (int i = 0; i < b->n; i++)
		b->sinks[i].fn(b->sinks[i].ctx, &numbered);
	b->emitting = false;
}

void event_sink_ring(void *ring, const struct tel_event *ev)
{
	tel_ring_push(ring, ev);
}
