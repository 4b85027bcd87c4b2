/*
 * daemon_caps.c - metered data caps per member: bytes from the device
 * counters on a slow timer, billing cycles, alert/cap events and the
 * engine's gate (daemon_caps.h, docs/DATA_CAPS.md).
 */
#include "daemon_caps.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "sysfs.h"

struct caps_usage {
	char name[MEMBER_NAME_MAX];	/* "" free slot */
	bool have;			/* last_* hold a reading of ifindex */
	int ifindex;
	uint64_t last_rx, last_tx;
	uint64_t used_bytes;		/* this cycle */
	int64_t cycle_start_s;		/* -1: not yet */
	enum caps_state state;
	enum engine_cap gate;		/* what the engine was told */
	bool seen;			/* still a member (this tick) */
};

struct daemon_caps {
	ev_timer timer;
	struct daemon *d;
	int64_t tick_ms, day_s;
	struct caps_usage u[MAX_MEMBERS];
};

int64_t caps_cycle_start(int64_t now_s, int cycle, int reset_day, int64_t day_s)
{
	if (cycle == DATA_CYCLE_DAILY) {
		if (day_s <= 0)
			day_s = CAPS_DAY_S;
		int64_t r = now_s % day_s;
		return now_s - (r < 0 ? r + day_s : r);
	}
	if (reset_day < 1 || reset_day > 28)
		reset_day = 1;
	time_t t = (time_t)now_s;
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return -1;
	if (tm.tm_mday < reset_day && --tm.tm_mon < 0) {
		tm.tm_mon = 11;
		tm.tm_year--;
	}
	tm.tm_mday = reset_day;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = 0;
	return (int64_t)timegm(&tm);
}

uint64_t caps_delta(uint64_t last, uint64_t now)
{
	if (now >= last)
		return now - last;
	if (last <= UINT32_MAX && last > UINT32_MAX / 2 && now <= UINT32_MAX)
		return (uint64_t)UINT32_MAX + 1 - last + now;	/* 32-bit wrap */
	return now;
}

static struct caps_usage *usage_of(struct daemon_caps *c, const char *name)
{
	struct caps_usage *free_slot = NULL;
	for (int i = 0; i < MAX_MEMBERS; i++) {
		if (!strcmp(c->u[i].name, name))
			return &c->u[i];
		if (!c->u[i].name[0] && !free_slot)
			free_slot = &c->u[i];
	}
	if (!free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
	free_slot->cycle_start_s = -1;
	return free_slot;
}

/* Add the device's growth since the last reading. */
static void count(struct caps_usage *u, const char *dev)
{
	uint64_t rx, tx, ifi;
	if (!sysfs_net_u64(dev, "ifindex", &ifi) || !sysfs_net_u64(dev, "statistics/rx_bytes", &rx) ||
	    !sysfs_net_u64(dev, "statistics/tx_bytes", &tx))
		return;		/* no device now: nothing counted, the last reading kept */
	if (u->have && (int)ifi == u->ifindex) {
		u->used_bytes += caps_delta(u->last_rx, rx) + caps_delta(u->last_tx, tx);
	} else if (u->have) {
		/* re-created: its counters are all new traffic */
		u->used_bytes += rx + tx;
		log_info("data cap: device re-created, counting its counters: dev=%s ifindex=%d->%d",
			 dev, u->ifindex, (int)ifi);
	}
	u->have = true;
	u->ifindex = (int)ifi;
	u->last_rx = rx;
	u->last_tx = tx;
}

static double mb(uint64_t bytes)
{
	return (double)bytes / (double)CAPS_MB;
}

static bool member_tick(struct daemon_caps *c, struct member *m, int64_t now_s)
{
	struct daemon *d = c->d;
	const struct member_config *mc = &m->cfg;
	struct caps_usage *u = usage_of(c, mc->name);
	if (!u)
		return false;
	u->seen = true;
	int64_t start = caps_cycle_start(now_s, mc->data_cycle, mc->data_reset_day, c->day_s);
	if (start != u->cycle_start_s) {
		if (u->cycle_start_s >= 0) {
			if (u->state != CAPS_OK)
				daemon_event(d, "data_cap_reset", "cycle_reset", mc->name,
					     "used_mb=%.1f cap_mb=%d cycle_start=%lld",
					     mb(u->used_bytes), mc->data_cap_mb, (long long)start);
			log_info("data cap: new cycle member=%s used_mb=%.1f cycle_start=%lld", mc->name,
				 mb(u->used_bytes), (long long)start);
		}
		u->used_bytes = 0;
		u->state = CAPS_OK;
		u->cycle_start_s = start;
	}
	count(u, mc->device);

	enum caps_state st = CAPS_OK;
	uint64_t cap = (uint64_t)mc->data_cap_mb * CAPS_MB;
	if (cap && u->used_bytes >= cap)
		st = CAPS_CAPPED;
	else if (cap && u->used_bytes * 100 >= cap * (uint64_t)mc->data_alert_pct)
		st = CAPS_ALERT;
	const char *action = mc->data_cap_action == DATA_CAP_STOP ? "stop" : "avoid";
	if (st > u->state && st >= CAPS_ALERT && u->state < CAPS_ALERT)
		daemon_event(d, "data_alert", "alert_pct", mc->name,
			     "used_mb=%.1f cap_mb=%d pct=%.0f alert_pct=%d", mb(u->used_bytes),
			     mc->data_cap_mb, 100.0 * (double)u->used_bytes / (double)cap,
			     mc->data_alert_pct);
	if (st >= CAPS_ALERT && u->state < CAPS_ALERT)
		log_info("data cap: alert member=%s used_mb=%.1f cap_mb=%d alert_pct=%d", mc->name,
			 mb(u->used_bytes), mc->data_cap_mb, mc->data_alert_pct);
	if (st == CAPS_CAPPED && u->state != CAPS_CAPPED) {
		daemon_event(d, "data_cap", action, mc->name, "used_mb=%.1f cap_mb=%d action=%s",
			     mb(u->used_bytes), mc->data_cap_mb, action);
		log_warn("data cap: reached member=%s used_mb=%.1f cap_mb=%d action=%s", mc->name,
			 mb(u->used_bytes), mc->data_cap_mb, action);
	}
	/* a cap raised or removed by a reload: the gate opens, no event */
	u->state = st;

	enum engine_cap gate = st != CAPS_CAPPED ? ENGINE_CAP_NONE :
			       mc->data_cap_action == DATA_CAP_STOP ? ENGINE_CAP_STOP : ENGINE_CAP_AVOID;
	struct engine_score_info si;
	bool changed = gate != u->gate ||
		       (d->engine && engine_member_score(d->engine, m->idx, &si) == 0 && si.cap != gate);
	u->gate = gate;
	if (changed && d->engine)
		engine_member_set_cap(d->engine, m->idx, gate);
	return changed;
}

void daemon_caps_poll(struct daemon *d)
{
	struct daemon_caps *c = d->caps;
	if (!c)
		return;
	int64_t now_s = clock_wall_ms() / 1000;
	for (int i = 0; i < MAX_MEMBERS; i++)
		c->u[i].seen = false;
	bool changed = false;
	for (int i = 0; i < d->n_members; i++)
		changed |= member_tick(c, d->members[i], now_s);
	for (int i = 0; i < MAX_MEMBERS; i++)	/* members gone: forget them */
		if (!c->u[i].seen)
			c->u[i].name[0] = 0;
	if (changed)
		daemon_decide(d);
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	daemon_caps_poll(((struct daemon_caps *)w->data)->d);
}

/* STARFAIL_TEST_CAPS="TICK_MS DAY_S": a faster timer and shorter days, for tests only. */
static void test_hook(struct daemon_caps *c)
{
	const char *s = getenv("STARFAIL_TEST_CAPS");
	if (!s)
		return;
	char *end;
	errno = 0;
	long tick = strtol(s, &end, 10);
	long day = errno == 0 && *end == ' ' ? strtol(end + 1, &end, 10) : -1;
	if (errno || *end || tick < 100 || tick > CAPS_TICK_MS || day < 2 || day > CAPS_DAY_S) {
		log_warn("STARFAIL_TEST_CAPS: expected \"TICK_MS DAY_S\", got '%.40s': ignored", s);
		return;
	}
	c->tick_ms = tick;
	c->day_s = day;
	log_warn("data cap test hook: tick_ms=%ld day_s=%ld", tick, day);
}

int daemon_caps_start(struct daemon *d)
{
	struct daemon_caps *c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->d = d;
	c->tick_ms = CAPS_TICK_MS;
	c->day_s = CAPS_DAY_S;
	test_hook(c);
	d->caps = c;
	ev_timer_init(&c->timer, on_tick, 0., (double)c->tick_ms / 1000.0);
	c->timer.data = c;
	ev_timer_start(d->loop, &c->timer);
	return 0;
}

void daemon_caps_stop(struct daemon *d)
{
	if (!d->caps)
		return;
	ev_timer_stop(d->loop, &d->caps->timer);
	free(d->caps);
	d->caps = NULL;
}

bool daemon_caps_view(const struct daemon *d, const struct member *m, struct caps_view *out)
{
	const struct member_config *mc = &m->cfg;
	const char *name = mc->name;
	if (!d->caps)
		return false;
	for (int i = 0; i < MAX_MEMBERS; i++) {
		const struct caps_usage *u = &d->caps->u[i];
		if (strcmp(u->name, name))
			continue;
		static const char *const names[] = { "ok", "alert", "capped" };
		*out = (struct caps_view){
			.used_mb = u->cycle_start_s >= 0 && u->have ? mb(u->used_bytes) : NAN,
			.cap_mb = mc->data_cap_mb,
			.pct = mc->data_cap_mb && u->have ?
				       100.0 * (double)u->used_bytes / ((double)mc->data_cap_mb * CAPS_MB) : NAN,
			.cycle_start = u->cycle_start_s,
			.state = mc->data_cap_mb ? names[u->state] : NULL,
		};
		return true;
	}
	return false;
}
