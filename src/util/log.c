/* log.c - see log.h */
#include "log.h"
#include "text.h"

#include <ev.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static enum log_level cur_level = LOG_LVL_INFO;
static enum log_target cur_target = LOG_TO_STDERR;
static const char *cur_ident = "starfail";

/* collapse storms of the very same line */
static char last_line[256];
static time_t last_time;
static unsigned repeats;
/* writes the count when no different line comes (log_attach_loop) */
static struct ev_loop *flush_loop;
static ev_timer flush_timer;
static ev_cleanup flush_cleanup;

static const char *const level_names[__LOG_LVL_MAX] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
	[LOG_LVL_TRACE] = "trace",
};

static const int syslog_prio[__LOG_LVL_MAX] = {
	[LOG_LVL_ERROR] = LOG_ERR,
	[LOG_LVL_WARN] = LOG_WARNING,
	[LOG_LVL_INFO] = LOG_INFO,
	[LOG_LVL_DEBUG] = LOG_DEBUG,
	[LOG_LVL_TRACE] = LOG_DEBUG,
};

void log_open(const char *ident, enum log_target target)
{
	cur_ident = ident;
	cur_target = target;
	if (target == LOG_TO_SYSLOG)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

static void emit(enum log_level lvl, const char *line);

static void flush_repeats(void)
{
	if (flush_loop)
		ev_timer_stop(flush_loop, &flush_timer);
	if (!repeats)
		return;
	char note[64];
	snprintf(note, sizeof(note), "last message repeated count=%u", repeats);
	repeats = 0;
	emit(LOG_LVL_INFO, note);
}

static void flush_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	flush_repeats();
}

static void flush_detach(void)
{
	if (flush_loop) {
		ev_timer_stop(flush_loop, &flush_timer);
		ev_cleanup_stop(flush_loop, &flush_cleanup);
	}
	flush_loop = NULL;
}

static void cleanup_cb(struct ev_loop *loop, ev_cleanup *w, int revents)
{
	flush_repeats();
	flush_detach();
}

void log_attach_loop(struct ev_loop *loop)
{
	flush_detach();
	if (!loop)
		return;
	flush_loop = loop;
	ev_timer_init(&flush_timer, flush_cb, 1.0, 0.);
	ev_cleanup_init(&flush_cleanup, cleanup_cb);
	ev_cleanup_start(loop, &flush_cleanup);
}

void log_close(void)
{
	flush_repeats();
	if (cur_target == LOG_TO_SYSLOG)
		closelog();
}

void log_set_level(enum log_level lvl)
{
	if (lvl < __LOG_LVL_MAX)
		cur_level = lvl;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

int log_level_parse(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < __LOG_LVL_MAX; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	if (strcmp(name, "warning") == 0)
		return LOG_LVL_WARN;
	return -1;
}

const char *log_level_name(enum log_level lvl)
{
	return lvl < __LOG_LVL_MAX ? level_names[lvl] : "?";
}

static void emit(enum log_level lvl, const char *line)
{
	if (cur_target == LOG_TO_SYSLOG) {
		syslog(syslog_prio[lvl], "%s", line);
		return;
	}
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld %s %s: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
		ts.tv_nsec / 1000000, cur_ident, level_names[lvl], line);
}

void sf_log(enum log_level lvl, const char *fmt, ...)
{
	if (lvl >= __LOG_LVL_MAX || lvl > cur_level)
		return;

	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	text_sanitize(line);	/* no forged lines or escape sequences from outside text */

	time_t now = time(NULL);
	if (now == last_time && strncmp(line, last_line, sizeof(last_line) - 1) == 0) {
		if (repeats < UINT_MAX)
			repeats++;
		if (flush_loop && !ev_is_active(&flush_timer)) {
			ev_now_update(flush_loop);	/* 1 s from now, not from the loop's last wake */
			ev_timer_set(&flush_timer, 1.0, 0.);
			ev_timer_start(flush_loop, &flush_timer);
		}
		return;
	}
	flush_repeats();
	memcpy(last_line, line, sizeof(last_line) - 1);
	last_line[sizeof(last_line) - 1] = 0;
	last_time = now;
	emit(lvl, line);
}
