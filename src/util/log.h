/*
 * log.h - the one logging function of Starfail.
 *
 * Every message goes through sf_log(): format-checked, one line, key=value
 * fields after a short text, to stderr (foreground/tests) or syslog (router).
 * The level can be changed at run time (API "setlog", SIGHUP reload).
 * Identical messages repeated within a second are collapsed: the repeats
 * are counted, and "last message repeated count=N" is written before the
 * next different line or, once log_attach_loop() was called, at most 1 s
 * after the first repeat (a one-shot timer that runs only while a count is
 * pending, so an idle daemon is not woken). log_close() writes a pending
 * count too.
 */
#ifndef SF_LOG_H
#define SF_LOG_H

#include <stdbool.h>

struct ev_loop;

enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
	LOG_LVL_TRACE,
	__LOG_LVL_MAX
};

enum log_target { LOG_TO_STDERR, LOG_TO_SYSLOG };

void log_open(const char *ident, enum log_target target);
void log_close(void);
/* Flush pending repeat counts from a timer on loop (NULL: detach). The
 * attachment ends by itself when loop is destroyed. */
void log_attach_loop(struct ev_loop *loop);
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);

/* Name <-> level ("error", "warn", "info", "debug", "trace"). Returns -1 on unknown names. */
int log_level_parse(const char *name);
const char *log_level_name(enum log_level lvl);

void sf_log(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)   sf_log(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  sf_log(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  sf_log(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) do { if (log_get_level() >= LOG_LVL_DEBUG) sf_log(LOG_LVL_DEBUG, __VA_ARGS__); } while (0)
#define log_trace(...) do { if (log_get_level() >= LOG_LVL_TRACE) sf_log(LOG_LVL_TRACE, __VA_ARGS__); } while (0)

#endif
