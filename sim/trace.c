/*
 * trace.c - strict, streaming parser of trace files (see trace.h and
 * docs/ENGINE.md "Trace format").
 */
#include "trace.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const class_names[__CLASS_MAX] = {
	[CLASS_AUTO] = "auto", [CLASS_STARLINK] = "starlink", [CLASS_CELLULAR] = "cellular",
	[CLASS_WIFI] = "wifi", [CLASS_LAN] = "lan",
};

const char *class_name(enum member_class c)
{
	return (unsigned)c < __CLASS_MAX ? class_names[c] : "invalid";
}

bool class_parse(const char *s, enum member_class *out)
{
	for (int i = 0; i < __CLASS_MAX; i++)
		if (!strcmp(s, class_names[i])) {
			*out = (enum member_class)i;
			return true;
		}
	return false;
}

const char *truth_name(enum truth_state t)
{
	return t == TRUTH_GOOD ? "good" : t == TRUTH_WARN ? "warn" : "bad";
}

static int err(struct trace_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int err(struct trace_reader *r, const char *fmt, ...)
{
	char msg[TRACE_ERR_MAX - 140];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->err, sizeof(r->err), "%.127s:%d: %s", r->path, r->line, msg);
	return -1;
}

static bool parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_dbl(const char *s, double min, double max, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Split line into at most max words on blanks; returns count or -1 if more. */
static int split(char *line, char **w, int max)
{
	int n = 0;
	for (char *p = strtok(line, " \t"); p; p = strtok(NULL, " \t")) {
		if (n == max)
			return -1;
		w[n++] = p;
	}
	return n;
}

static int find_member(const struct trace_reader *r, const char *name)
{
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->members[i].name, name))
			return i;
	return -1;
}

/* Read one line into r->buf without the newline. 1 ok, 0 eof, -1 error. */
static int read_line(struct trace_reader *r)
{
	if (!fgets(r->buf, sizeof(r->buf), r->f))
		return ferror(r->f) ? err(r, "read error") : 0;
	r->line++;
	size_t len = strlen(r->buf);
	if (len && r->buf[len - 1] == '\n')
		r->buf[--len] = '\0';
	else if (!feof(r->f))
		return err(r, "line longer than %d characters", TRACE_LINE_MAX);
	if (len && r->buf[len - 1] == '\r')
		r->buf[--len] = '\0';
	if (memchr(r->buf, '\0', len) != NULL || strlen(r->buf) != len)
		return err(r, "NUL byte in line");
	return 1;
}

static bool blank_or_comment(const char *s)
{
	s += strspn(s, " \t");
	return *s == '\0' || *s == '#';
}

static int parse_member(struct trace_reader *r, char **w, int n)
{
	if (n < 2)
		return err(r, "member: name missing");
	if (r->n == ENGINE_MAX_MEMBERS)
		return err(r, "more than %d members", ENGINE_MAX_MEMBERS);
	if (strlen(w[1]) >= ENGINE_NAME_MAX)
		return err(r, "member name '%.40s' longer than %d characters", w[1], ENGINE_NAME_MAX - 1);
	if (find_member(r, w[1]) >= 0)
		return err(r, "member '%s' declared twice", w[1]);
	struct engine_member *m = &r->members[r->n];
	memset(m, 0, sizeof(*m));
	strcpy(m->name, w[1]);
	m->cls = CLASS_LAN;
	m->priority = 10;
	m->weight = 50;
	m->enabled = true;
	for (int i = 2; i < n; i++) {
		char *eq = strchr(w[i], '=');
		if (!eq)
			return err(r, "member %s: expected key=value, got '%.40s'", m->name, w[i]);
		*eq++ = '\0';
		int64_t v;
		if (!strcmp(w[i], "class")) {
			if (!class_parse(eq, &m->cls))
				return err(r, "member %s: unknown class '%.40s'", m->name, eq);
		} else if (!strcmp(w[i], "priority")) {
			if (!parse_i64(eq, 1, 255, &v))
				return err(r, "member %s: priority must be 1..255", m->name);
			m->priority = (int)v;
		} else if (!strcmp(w[i], "weight")) {
			if (!parse_i64(eq, 0, 100, &v))
				return err(r, "member %s: weight must be 0..100", m->name);
			m->weight = (int)v;
		} else if (!strcmp(w[i], "metered")) {
			if (!parse_i64(eq, 0, 1, &v))
				return err(r, "member %s: metered must be 0 or 1", m->name);
			m->metered = v;
		} else {
			return err(r, "member %s: unknown key '%.40s'", m->name, w[i]);
		}
	}
	r->n++;
	return 0;
}

static int parse_goal(struct trace_reader *r, char **w, int n)
{
	for (int i = 1; i < n; i++) {
		char *eq = strchr(w[i], '=');
		if (!eq)
			return err(r, "goal: expected key=value, got '%.40s'", w[i]);
		*eq++ = '\0';
		int64_t v;
		if (!parse_i64(eq, -86400000LL * 366, 86400000LL * 366, &v))
			return err(r, "goal %s: bad integer '%.40s'", w[i], eq);
		if (!strcmp(w[i], "max_delay_ms"))
			r->goals.max_delay_ms = v;
		else if (!strcmp(w[i], "max_switches") && v >= 0 && v < 1000000)
			r->goals.max_switches = (int)v;
		else if (!strcmp(w[i], "max_false") && v >= 0 && v < 1000000)
			r->goals.max_false = (int)v;
		else if (!strcmp(w[i], "switch_before_ms"))
			r->goals.switch_before_ms = v;
		else if (!strcmp(w[i], "all_bad") && (v == 0 || v == 1))
			r->goals.expect_all_bad = v;
		else
			return err(r, "goal: unknown key or bad value '%.40s'", w[i]);
	}
	return 0;
}

int trace_open(struct trace_reader *r, const char *path, FILE *f)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->goals = (struct trace_goals){ .max_delay_ms = INT64_MIN, .max_switches = -1,
					 .max_false = -1, .switch_before_ms = INT64_MIN };
	r->last_t_ms = INT64_MIN;
	if (f) {
		r->f = f;
	} else if (!strcmp(path, "-")) {
		r->f = stdin;
	} else {
		r->f = fopen(path, "r");
		if (!r->f) {
			snprintf(r->err, sizeof(r->err), "%s: %s", path, strerror(errno));
			return -1;
		}
		r->own = true;
	}
	bool seen_format = false;
	for (;;) {
		int rc = read_line(r);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		if (blank_or_comment(r->buf))
			continue;
		char copy[TRACE_LINE_MAX + 2], *w[24] = { 0 };
		strcpy(copy, r->buf);
		int n = split(copy, w, 24);
		if (n < 0)
			return err(r, "too many fields");
		if (n == 0)
			continue;
		if (!seen_format) {
			if (n != 2 || strcmp(w[0], "starfail-trace") || strcmp(w[1], "1"))
				return err(r, "expected 'starfail-trace 1' as the first line");
			seen_format = true;
		} else if (!strcmp(w[0], "member")) {
			if (parse_member(r, w, n))
				return -1;
		} else if (!strcmp(w[0], "goal")) {
			if (parse_goal(r, w, n))
				return -1;
		} else if (!strcmp(w[0], "utc_start_ms")) {
			if (n != 2 || !parse_i64(w[1], 0, INT64_MAX / 2, &r->utc_start_ms))
				return err(r, "utc_start_ms: expected one non-negative integer");
			r->has_utc = true;
		} else {
			r->pending = true;	/* first body line */
			break;
		}
	}
	if (!seen_format)
		return err(r, "empty trace: expected 'starfail-trace 1'");
	if (r->n == 0)
		return err(r, "no member declared before the first sample");
	return 0;
}

static int set_tri(struct trace_reader *r, const char *k, const char *v, enum tri *out)
{
	int64_t x;
	if (!parse_i64(v, 0, 1, &x))
		return err(r, "%s must be 0 or 1, got '%.40s'", k, v);
	*out = x ? TRI_TRUE : TRI_FALSE;
	return 0;
}

/* Doubles: key, field offset in struct sample, range. */
struct dkey {
	const char *k;
	size_t off;
	double min, max;
};
#define S(f) offsetof(struct sample, f)
static const struct dkey dkeys[] = {
	{ "rtt_ms", S(latency_ms), 0, 600000 },
	{ "loss_pct", S(loss_pct), 0, 100 },
	{ "jitter_ms", S(jitter_ms), 0, 600000 },
	{ "p95_ms", S(latency_p95_ms), 0, 600000 },
	{ "obstruction_pct", S(sl.obstruction_pct), 0, 100 },
	{ "reboot_in_s", S(sl.reboot_in_s), 0, 86400 * 30 },
	{ "rsrp_dbm", S(cell.rsrp_dbm), -200, 0 },
	{ "rsrq_db", S(cell.rsrq_db), -50, 10 },
	{ "sinr_db", S(cell.sinr_db), -50, 60 },
	{ "signal_dbm", S(wifi.signal_dbm), -150, 0 },
	{ "noise_dbm", S(wifi.noise_dbm), -150, 0 },
	{ "bitrate_mbps", S(wifi.bitrate_mbps), 0, 100000 },
};

static int parse_sample_kv(struct trace_reader *r, char *kv, struct sample *s)
{
	char *eq = strchr(kv, '=');
	if (!eq || eq == kv)
		return err(r, "expected key=value, got '%.40s'", kv);
	*eq++ = '\0';
	for (size_t i = 0; i < sizeof(dkeys) / sizeof(dkeys[0]); i++)
		if (!strcmp(kv, dkeys[i].k)) {
			double v;
			if (!parse_dbl(eq, dkeys[i].min, dkeys[i].max, &v))
				return err(r, "%s: '%.40s' is not a finite number in [%g, %g]", kv, eq,
					   dkeys[i].min, dkeys[i].max);
			*(double *)((char *)s + dkeys[i].off) = v;
			return 0;
		}
	int64_t x;
	if (!strcmp(kv, "up"))
		return set_tri(r, kv, eq, &s->link_up);
	if (!strcmp(kv, "obstructed"))
		return set_tri(r, kv, eq, &s->sl.currently_obstructed);
	if (!strcmp(kv, "snr_low"))
		return set_tri(r, kv, eq, &s->sl.snr_persistently_low);
	if (!strcmp(kv, "thermal"))
		return set_tri(r, kv, eq, &s->sl.thermal_throttle);
	if (!strcmp(kv, "roaming"))
		return set_tri(r, kv, eq, &s->cell.roaming);
	if (!strcmp(kv, "lost_in_row")) {
		if (!parse_i64(eq, 0, 1000000, &x))
			return err(r, "lost_in_row: expected 0..1000000, got '%.40s'", eq);
		s->probes_lost_in_row = (int)x;
		return 0;
	}
	if (!strcmp(kv, "probes")) {
		if (!parse_i64(eq, 1, 1000, &x))
			return err(r, "probes: expected 1..1000, got '%.40s'", eq);
		s->probes_sent = (int)x;
		return 0;
	}
	if (!strcmp(kv, "outage")) {
		if (!parse_i64(eq, SL_OUTAGE_NONE, SL_OUTAGE_INHIBIT_RF, &x))
			return err(r, "outage: expected -1 (none) .. 14, got '%.40s'", eq);
		s->sl.outage_cause = (int)x;
		return 0;
	}
	if (!strcmp(kv, "update_state")) {
		if (!parse_i64(eq, 0, 8, &x))
			return err(r, "update_state: expected 0..8, got '%.40s'", eq);
		s->sl.software_update_state = (int)x;
		return 0;
	}
	return err(r, "unknown key '%.40s'", kv);
}

int trace_next(struct trace_reader *r, struct trace_item *it)
{
	for (;;) {
		if (!r->pending) {
			int rc = read_line(r);
			if (rc <= 0) {
				if (rc == 0)
					it->kind = TI_END;
				return rc;
			}
		}
		r->pending = false;
		if (blank_or_comment(r->buf))
			continue;
		char *w[24] = { 0 };
		int n = split(r->buf, w, 24);
		if (n < 0)
			return err(r, "too many fields");
		if (n == 0)
			continue;
		bool truth = !strcmp(w[0], "truth"), fault = !strcmp(w[0], "fault");
		int base = truth || fault ? 1 : 0;
		if (!strcmp(w[0], "member") || !strcmp(w[0], "goal") || !strcmp(w[0], "utc_start_ms"))
			return err(r, "'%s' must come before the first sample", w[0]);
		if (n < base + 2)
			return err(r, "expected '%sT_MS MEMBER ...'", base ? "truth|fault " : "");
		memset(it, 0, sizeof(*it));
		if (!parse_i64(w[base], 0, INT64_MAX / 4, &it->t_ms))
			return err(r, "bad time '%.40s' (expected ms, a non-negative integer)", w[base]);
		if (it->t_ms < r->last_t_ms)
			return err(r, "time goes backwards (%lld after %lld)", (long long)it->t_ms,
				   (long long)r->last_t_ms);
		it->member = find_member(r, w[base + 1]);
		if (it->member < 0)
			return err(r, "unknown member '%.40s'", w[base + 1]);
		r->last_t_ms = it->t_ms;
		if (truth) {
			it->kind = TI_TRUTH;
			if (n != 4)
				return err(r, "truth: expected 'truth T_MS MEMBER good|warn|bad'");
			if (!strcmp(w[3], "good"))
				it->truth = TRUTH_GOOD;
			else if (!strcmp(w[3], "warn"))
				it->truth = TRUTH_WARN;
			else if (!strcmp(w[3], "bad"))
				it->truth = TRUTH_BAD;
			else
				return err(r, "truth: state must be good, warn or bad");
			return 1;
		}
		if (fault) {
			it->kind = TI_FAULT;
			it->onset_ms = it->t_ms;
			if (n < 4 || n > 5)
				return err(r, "fault: expected 'fault T_MS MEMBER LABEL [onset_ms=T]'");
			snprintf(it->label, sizeof(it->label), "%s", w[3]);
			if (n == 5 && (strncmp(w[4], "onset_ms=", 9) ||
				       !parse_i64(w[4] + 9, it->t_ms, INT64_MAX / 4, &it->onset_ms)))
				return err(r, "fault: onset_ms must be a time not before the fault line");
			return 1;
		}
		it->kind = TI_SAMPLE;
		sample_init(&it->s, it->t_ms);
		if (n == 2)
			return err(r, "sample without any key=value");
		for (int i = 2; i < n; i++)
			if (parse_sample_kv(r, w[i], &it->s))
				return -1;
		return 1;
	}
}

void trace_close(struct trace_reader *r)
{
	if (r->own && r->f)
		fclose(r->f);
	r->f = NULL;
}
