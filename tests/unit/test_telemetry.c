/* test_telemetry.c - rings: order, overwrite of the oldest, drop counts, resize, sizing; the event bus. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "events.h"
#include "telemetry.h"

static void test_push_wrap(void **state)
{
	struct tel_ring r;
	assert_int_equal(tel_ring_init(&r, sizeof(int), 4), 0);
	assert_null(tel_ring_get(&r, 0));
	for (int i = 1; i <= 6; i++)
		tel_ring_push(&r, &i);
	assert_int_equal(r.len, 4);
	assert_int_equal(r.dropped, 2);
	assert_int_equal(r.pushed, 6);
	for (int i = 0; i < 4; i++)
		assert_int_equal(*(const int *)tel_ring_get(&r, (size_t)i), i + 3);
	assert_null(tel_ring_get(&r, 4));
	tel_ring_free(&r);
}

static void test_resize_keeps_newest(void **state)
{
	struct tel_ring r;
	assert_int_equal(tel_ring_init(&r, sizeof(int), 5), 0);
	for (int i = 1; i <= 7; i++)
		tel_ring_push(&r, &i);	/* holds 3..7 */
	assert_int_equal(tel_ring_resize(&r, 3), 0);
	assert_int_equal(r.len, 3);
	assert_int_equal(r.dropped, 4);
	assert_int_equal(*(const int *)tel_ring_get(&r, 0), 5);
	assert_int_equal(*(const int *)tel_ring_get(&r, 2), 7);
	assert_int_equal(tel_ring_resize(&r, 10), 0);
	int x = 8;
	tel_ring_push(&r, &x);
	assert_int_equal(r.len, 4);
	assert_int_equal(*(const int *)tel_ring_get(&r, 3), 8);
	assert_int_equal(tel_ring_bytes(&r), 10 * sizeof(int));
	tel_ring_free(&r);
}

static void test_sizing_under_cap(void **state)
{
	struct telemetry_params p = { .max_kb = 1024, .max_events = 512 };
	size_t per = tel_samples_per_member(&p, 3);
	size_t total = 3 * per * sizeof(struct tel_sample) + 512 * sizeof(struct tel_event);
	assert_true(total <= 1024 * 1024);
	assert_true(total > 1000 * 1024);	/* the cap is used, not wasted */
	p.max_kb = 64;
	p.max_events = 10000;			/* events alone exceed the cap: floor */
	assert_int_equal(tel_samples_per_member(&p, 2), 16);
}

/* The decision records take 1/48 of the cap, within bounds; the samples the rest. */
static void test_decisions_share(void **state)
{
	struct telemetry_params p = { .max_kb = 1024, .max_events = 512 };
	size_t rec = 1500, n = tel_decisions_cap(&p, rec);
	assert_int_equal(n, 1024 * 1024 / 48 / rec);
	size_t per = tel_samples_per_member(&p, 3);
	size_t total = 3 * per * sizeof(struct tel_sample) + 512 * sizeof(struct tel_event) + n * rec;
	assert_true(total <= 1024 * 1024);
	p.max_kb = 64;				/* the floor, whatever the share */
	assert_int_equal(tel_decisions_cap(&p, rec), TEL_DECISIONS_MIN);
	p.max_kb = 65536;			/* the ceiling */
	assert_int_equal(tel_decisions_cap(&p, rec), TEL_DECISIONS_MAX);
	assert_int_equal(tel_decisions_cap(&p, 0), TEL_DECISIONS_MIN);
}

struct seen {
	int n;
	char last[16];
	struct event_bus *bus;	/* set: the sink tries to emit (refused) */
};

static void count_sink(void *ctx, const struct tel_event *ev)
{
	struct seen *s = ctx;
	s->n++;
	strcpy(s->last, ev->type);
	if (s->bus)
		event_bus_emit(s->bus, ev);
}

static void test_event_bus(void **state)
{
	struct event_bus b;
	struct tel_ring ring;
	struct seen a = { 0 }, c = { 0 };
	event_bus_init(&b);
	assert_int_equal(tel_ring_init(&ring, sizeof(struct tel_event), 4), 0);
	assert_int_equal(event_bus_subscribe(&b, "ring", event_sink_ring, &ring), 0);
	assert_int_equal(event_bus_subscribe(&b, "a", count_sink, &a), 0);
	c.bus = &b;
	assert_int_equal(event_bus_subscribe(&b, "c", count_sink, &c), 0);
	struct tel_event ev = { .t_ms = 5, .type = "repair" };
	event_bus_emit(&b, &ev);
	assert_int_equal(a.n, 1);
	assert_int_equal(c.n, 1);	/* its nested emit was refused, not delivered again */
	assert_int_equal(b.nested, 1);
	assert_string_equal(a.last, "repair");
	assert_int_equal(ring.len, 1);
	assert_string_equal(((const struct tel_event *)tel_ring_get(&ring, 0))->type, "repair");
	event_bus_unsubscribe(&b, count_sink, &a);
	event_bus_emit(&b, &ev);
	assert_int_equal(a.n, 1);
	assert_int_equal(c.n, 2);
	assert_int_equal(ring.len, 2);
	assert_int_equal(b.emitted, 2);
	/* numbered in emit order, the caller's copy untouched */
	assert_int_equal(((const struct tel_event *)tel_ring_get(&ring, 0))->id, 1);
	assert_int_equal(((const struct tel_event *)tel_ring_get(&ring, 1))->id, 2);
	assert_int_equal(ev.id, 0);
	for (int i = b.n; i < EVENT_SINKS_MAX; i++)
		assert_int_equal(event_bus_subscribe(&b, "x", count_sink, &a), 0);
	assert_int_equal(event_bus_subscribe(&b, "full", count_sink, &a), -1);
	tel_ring_free(&ring);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_wrap),
		cmocka_unit_test(test_resize_keeps_newest),
		cmocka_unit_test(test_sizing_under_cap),
		cmocka_unit_test(test_event_bus),
		cmocka_unit_test(test_decisions_share),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
