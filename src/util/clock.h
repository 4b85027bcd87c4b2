/*
 * clock.h - the daemon's one clock.
 *
 * clock_mono_ms() is the time base of every t_ms in Starfail: samples,
 * engine decisions, events, timers' deadlines. It is CLOCK_MONOTONIC, so it
 * never jumps when NTP or the user sets the date; its zero is arbitrary
 * (boot), so it is only ever compared with itself.
 *
 * clock_wall_ms() is UTC (CLOCK_REALTIME) for what people and other
 * machines read: event timestamps, the engine's UTC offset for Starlink's
 * slot phase. It may jump; never compute durations from it.
 */
#ifndef SF_CLOCK_H
#define SF_CLOCK_H

#include <stdint.h>

/* Monotonic milliseconds. */
int64_t clock_mono_ms(void);

/* Monotonic nanoseconds, same clock (round-trip times). */
int64_t clock_mono_ns(void);

/* UTC milliseconds since the epoch. */
int64_t clock_wall_ms(void);

#endif
