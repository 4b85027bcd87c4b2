/*
 * api_explain.c - the `explain` reply: a decision record (explain.h) as
 * figures and as sentences.
 *
 * Two tables make the sentences. decision_texts[] has one template per
 * (event type, reason): what was decided and by which rule, with the rule's
 * settings filled in. evidence_rows[] has one row per figure of a member:
 * where it lives (struct engine_score_info, the prober's window, the
 * settings), what it is measured against (a threshold or a second figure),
 * when it is worth saying, and the sentence. A figure the engine adds to
 * engine_score_info (a latency test statistic, say) needs one row here.
 *
 * Templates name values in braces: {from}, {to}, {member}, {state},
 * {would}, {words}, the settings ({fail_window_s}, {restore_window_s},
 * {cooldown_s}, {switch_margin}, {bad_score}, {good_score},
 * {hard_fail_rounds}, {hard_fail_probes}, {recurring_quiet_s},
 * {since_switch_s}), and in a row {v} (the figure), {t} (its threshold) and
 * {a} (its second figure). Only the templates here are expanded; values
 * (member names, event text) are inserted as they are, never expanded.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "explain.h"

/* ---- templates ----------------------------------------------------------- */

struct decision_text {
	const char *type;		/* event type; NULL any */
	const char *reason;		/* reason code; NULL any */
	const char *text;
};

static const struct decision_text decision_texts[] = {
	{ "switch", "initial", "{to} was chosen as the first uplink: the best usable member at start." },
	{ "switch", "hard_fail_link", "{from} lost its link (the kernel reported the device down or gone), "
	  "so traffic moved to {to} at once, without waiting for any window." },
	{ "switch", "hard_fail_loss", "{from} stopped answering: {hard_fail_rounds} probe rounds in a row "
	  "with every probe lost (at least {hard_fail_probes} probes) is a hard failure, so traffic moved "
	  "to {to} at once." },
	{ "switch", "hard_fail_starlink_outage", "The Starlink dish behind {from} reported an outage, "
	  "so traffic moved to {to} at once." },
	{ "switch", "soft_fail", "{from} was bad (score below {bad_score}) for {fail_window_s} s and {to} "
	  "was better by at least {switch_margin} points, so traffic moved to {to}." },
	{ "switch", "restore", "{to} had been good for {good_s} s, its whole restore window "
	  "({need_s} s; {restore_window_s} s unless backed off after flaps), so traffic went back to it "
	  "from {from}." },
	{ "switch", "better_score", "{to} (same priority) scored better than {from} by at least "
	  "{switch_margin} points for {restore_window_s} s, so traffic moved to it." },
	{ "switch", "all_bad_switch_least_bad", "Every member was bad; {to} was the least bad by the "
	  "margin, so traffic moved to it from {from}." },
	{ "switch", "all_down", "No member was usable: {from} failed and no other member could take "
	  "over, so no uplink carries the traffic (the system's own routes apply)." },
	{ "switch", "manual_pin", "{to} was pinned by hand (starfailctl failover): it carries the "
	  "traffic until starfailctl restore, unless it goes down." },
	{ "switch", "recovered", "{to} answered again after no member was usable, so it carries the "
	  "traffic." },
	{ "switch", "no_data", "{from} had no probe results for too long to be judged, so traffic moved "
	  "to {to}." },
	{ "switch", "radio_below_floor", "The cellular radio of {from} fell below the floor, so traffic "
	  "moved to {to}." },
	{ "switch", "member_removed", "The uplink {from} was removed from the config; {to} took over." },
	{ "switch", "state", "{from} was disabled, so traffic moved to {to}." },
	{ "switch", NULL, "A predictive trigger ({words}) fired on {from}: its figures were heading for "
	  "a failure, so traffic moved to {to} before it happened." },
	{ "suppressed", "cooldown_suppressed", "Starfail would have moved from {from} to {to} ({would}), "
	  "but the last switch was only {since_switch_s} s before and the cooldown is {cooldown_s} s: "
	  "it waited." },
	{ "suppressed", "margin_suppressed", "{to} did not lead {from} by the margin of {switch_margin} "
	  "points, so Starfail stayed on {from} ({would} not acted on)." },
	{ "suppressed", "failback_wait_suppressed", "Starfail would go back to {to} ({would}), but {to} "
	  "is still waiting out its restore window or the quiet time after recurring drops: traffic "
	  "stays on {from}." },
	{ "predict", NULL, "A predictive trigger ({words}) fired on {member}." },
	{ "all_bad", NULL, "Every member was bad; {member} was still the least bad, so Starfail kept "
	  "it." },
	{ "state", "recovered", "{member} answered again after being down." },
	{ "state", NULL, "{member} became {state} ({words})." },
	{ "info", "manual_pin", "{member} was pinned by hand with starfailctl failover." },
	{ "info", "manual_unpin", "The manual pin of {member} was removed (starfailctl restore): "
	  "automatic selection again." },
	{ "info", "pin_overridden_down", "The pinned member {member} is down: the best other member "
	  "carries the traffic meanwhile." },
	{ "info", "radio_below_floor", "The cellular radio of {member} crossed the floor." },
	{ NULL, NULL, "A {type} event ({reason})." },
};

/* Reason codes in words, for {words}. */
static const char *const reason_words[][2] = {
	{ "hard_fail_link", "link down" },
	{ "hard_fail_loss", "every probe lost for several rounds" },
	{ "hard_fail_starlink_outage", "the dish reports an outage" },
	{ "soft_fail", "bad for the fail window" },
	{ "predictive_latency", "latency rising fast" },
	{ "predictive_loss", "loss rising fast" },
	{ "predictive_score", "score falling fast" },
	{ "predictive_obstruction", "the dish getting obstructed" },
	{ "predictive_snr", "the dish's signal persistently low" },
	{ "predictive_thermal", "the dish throttling for heat" },
	{ "predictive_reboot", "the dish announcing a reboot" },
	{ "predictive_signal", "cellular signal falling fast" },
	{ "predictive_roaming", "cellular roaming" },
	{ "no_data", "no probe results" },
};

static const char *words_of(const char *reason)
{
	for (size_t i = 0; i < sizeof(reason_words) / sizeof(reason_words[0]); i++)
		if (!strcmp(reason, reason_words[i][0]))
			return reason_words[i][1];
	return reason;
}

/* ---- evidence rows ------------------------------------------------------- */

enum ex_src {
	EX_NONE,
	EX_DOUBLE,		/* double in engine_score_info */
	EX_INT,			/* int in engine_score_info */
	EX_MS_S,		/* int64_t ms duration in engine_score_info, shown in s */
	EX_AGE_S,		/* int64_t monotonic ms time in engine_score_info: its age
				 * at the decision, in s; INT64_MIN unknown */
	EX_BOOL,		/* bool in engine_score_info */
	EX_REASON,		/* enum engine_reason in engine_score_info; RSN_NONE unknown */
	EX_SET_MS_S,		/* int ms in struct explain_settings, shown in s */
	EX_PROBE_PCT,		/* the prober's window loss */
};

struct ex_field {
	enum ex_src src;
	size_t off;
};

enum ex_when {
	EX_KNOWN,		/* the figure is known */
	EX_NONZERO,		/* ... and not zero (flags: true) */
	EX_ABOVE_ONE,		/* ... and above 1 (multipliers) */
	EX_A_POSITIVE,		/* the second figure is known and above 0 */
};

struct evidence_row {
	const char *key;
	struct ex_field v, t, a;
	const char *unit;
	int decimals;
	enum ex_when when;
	const char *text;
	const char *not_role;		/* not said of a member in this role (NULL: all) */
};

#define S_(kind, f) { kind, offsetof(struct engine_score_info, f) }
#define SET_(f) { EX_SET_MS_S, offsetof(struct explain_settings, f) }
#define NONE_ { EX_NONE, 0 }

static const struct evidence_row evidence_rows[] = {
	{ "window_lost_probes", S_(EX_DOUBLE, window_lost_probes), NONE_, S_(EX_DOUBLE, window_probes),
	  "probes", 0, EX_A_POSITIVE, "{v} of the {a} probes sent in the loss window were lost.", NULL },
	{ "loss_pct", S_(EX_DOUBLE, loss_pct), NONE_, S_(EX_DOUBLE, loss_baseline_pct), "%", 1, EX_KNOWN,
	  "Loss over the window: {v} % (its learned healthy loss is {a} %).", NULL },
	{ "loss_evidence", S_(EX_DOUBLE, loss_evidence), S_(EX_DOUBLE, loss_threshold), NONE_, "nats", 1,
	  EX_KNOWN, "Loss evidence (a sequential test over lost probes): {v} against a threshold of {t} "
	  "at which a member is bad.", NULL },
	{ "lost_probes_in_row", S_(EX_DOUBLE, lost_probes_in_row), NONE_, NONE_, "probes", 0, EX_NONZERO,
	  "{v} probes in a row were lost.", NULL },
	{ "latency_ms", S_(EX_DOUBLE, latency_ms), NONE_, NONE_, "ms", 1, EX_KNOWN,
	  "Latency over the window: {v} ms.", NULL },
	{ "jitter_ms", S_(EX_DOUBLE, jitter_ms), NONE_, NONE_, "ms", 1, EX_KNOWN, "Jitter: {v} ms.", NULL },
	{ "latency_evidence", S_(EX_DOUBLE, latency_evidence), S_(EX_DOUBLE, latency_threshold),
	  S_(EX_DOUBLE, latency_baseline_ms), "nats", 1, EX_A_POSITIVE, "Latency evidence (a sequential test "
	  "over slow rounds, against its learned healthy latency of {a} ms): {v} against a threshold of "
	  "{t}.", NULL },
	{ "instant", S_(EX_DOUBLE, instant), NONE_, NONE_, "points", 0, EX_KNOWN,
	  "Score of its latest round: {v} of 100.", NULL },
	{ "final", S_(EX_DOUBLE, final), NONE_, S_(EX_DOUBLE, effective), "points", 0, EX_KNOWN,
	  "The score Starfail ranks by: {v} of 100 ({a} with its weight and any predictive penalty).", NULL },
	{ "predictive_signal", S_(EX_REASON, predict), NONE_, NONE_, NULL, 0, EX_KNOWN,
	  "A predictive trigger was active: {v}.", NULL },
	{ "bad_for_s", S_(EX_AGE_S, bad_since_ms), SET_(fail_window_ms), NONE_, "s", 1, EX_KNOWN,
	  "It had been bad for {v} s; a soft failure needs {t} s.", NULL },
	{ "good_for_s", S_(EX_AGE_S, good_since_ms), S_(EX_MS_S, restore_need_ms), NONE_, "s", 1,
	  EX_KNOWN, "It had been good for {v} s; it may be restored after {t} s.", "from" },
	{ "restore_backoff", S_(EX_INT, restore_backoff), NONE_, S_(EX_MS_S, restore_need_ms), NULL, 0,
	  EX_ABOVE_ONE, "It flapped (failed soon after coming back): its restore window is {v} times "
	  "longer, {a} s (flap backoff).", NULL },
	{ "restore_wait", S_(EX_BOOL, restore_wait), NONE_, NONE_, NULL, 0, EX_NONZERO,
	  "It had been left for a failure and was not allowed back yet.", NULL },
	{ "recurring", S_(EX_BOOL, recurring), SET_(recurring_quiet_ms), NONE_, NULL, 0, EX_NONZERO,
	  "Its drops recur: it comes back only after {t} s without one.", NULL },
	{ "since_last_drop_s", S_(EX_AGE_S, last_drop_ms), NONE_, NONE_, "s", 0, EX_KNOWN,
	  "Its last drop began {v} s before.", NULL },
	{ "below_radio_floor", S_(EX_BOOL, below_radio_floor), NONE_, NONE_, NULL, 0, EX_NONZERO,
	  "Its cellular radio was below the floor.", NULL },
	{ "suspect", S_(EX_BOOL, suspect), NONE_, NONE_, NULL, 0, EX_NONZERO,
	  "Evidence was building (probed faster to confirm or clear).", NULL },
	{ "probe_window_loss_pct", { EX_PROBE_PCT, 0 }, NONE_, NONE_, "%", 1, EX_KNOWN,
	  "The prober saw {v} % loss over its own window.", NULL },
};

/* The figure f of member x in record r as a double; NAN when unknown. */
static double field_value(const struct ex_field *f, const struct explain_record *r,
			  const struct explain_member *x)
{
	const char *si = (const char *)&x->si;
	if (f->src != EX_NONE && f->src != EX_SET_MS_S && f->src != EX_PROBE_PCT && !x->have_score)
		return NAN;
	switch (f->src) {
	case EX_NONE:
		return NAN;
	case EX_DOUBLE: {
		double v;
		memcpy(&v, si + f->off, sizeof(v));
		return v;
	}
	case EX_INT: {
		int v;
		memcpy(&v, si + f->off, sizeof(v));
		return v;
	}
	case EX_BOOL: {
		bool v;
		memcpy(&v, si + f->off, sizeof(v));
		return v;
	}
	case EX_REASON: {
		enum engine_reason v;
		memcpy(&v, si + f->off, sizeof(v));
		return v == RSN_NONE ? NAN : (double)v;
	}
	case EX_MS_S:
	case EX_AGE_S: {
		int64_t v;
		memcpy(&v, si + f->off, sizeof(v));
		if (v == INT64_MIN)
			return NAN;
		return (f->src == EX_AGE_S ? (double)(r->ev.t_ms - v) : (double)v) / 1000.0;
	}
	case EX_SET_MS_S: {
		int v;
		memcpy(&v, (const char *)&r->set + f->off, sizeof(v));
		return v / 1000.0;
	}
	case EX_PROBE_PCT:
		return x->have_probe ? x->probe_loss_pct : NAN;
	}
	return NAN;
}

static bool row_applies(const struct evidence_row *row, double v, double a)
{
	if (!isfinite(v))
		return false;
	switch (row->when) {
	case EX_KNOWN:
		return true;
	case EX_NONZERO:
		return v != 0;
	case EX_ABOVE_ONE:
		return v > 1;
	case EX_A_POSITIVE:
		return isfinite(a) && a > 0;
	}
	return false;
}

/* ---- template expansion -------------------------------------------------- */

struct tvar {
	const char *name;
	char value[ENGINE_TEXT_MAX];
};

#define TVARS_MAX 24
struct tvars {
	int n;
	struct tvar v[TVARS_MAX];
};

static void tv_set(struct tvars *tv, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void tv_set(struct tvars *tv, const char *name, const char *fmt, ...)
{
	if (tv->n >= TVARS_MAX)
		return;
	struct tvar *t = &tv->v[tv->n++];
	t->name = name;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->value, sizeof(t->value), fmt, ap);
	va_end(ap);
}

/* Expand {name} from tv into out; an unknown name is kept as it is. */
static void expand(const char *tmpl, const struct tvars *tv, char *out, size_t len)
{
	size_t o = 0;
	out[0] = '\0';
	for (const char *p = tmpl; *p && o + 1 < len;) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;
		const char *val = NULL;
		if (end)
			for (int i = 0; i < tv->n && !val; i++)
				if (strlen(tv->v[i].name) == (size_t)(end - p - 1) &&
				    !strncmp(tv->v[i].name, p + 1, (size_t)(end - p - 1)))
					val = tv->v[i].value;
		if (val) {
			int n = snprintf(out + o, len - o, "%s", val);
			o = n < 0 ? o : o + (size_t)n < len ? o + (size_t)n : len - 1;
			p = end + 1;
		} else {
			out[o++] = *p++;
			out[o] = '\0';
		}
	}
}

/* The value of key (e.g. "would=") in the event's "key=value ..." text. */
static void text_value(const char *text, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	buf[0] = '\0';
	for (const char *p = text; (p = strstr(p, key)); p += klen)
		if (p == text || p[-1] == ' ') {
			p += klen;
			snprintf(buf, len, "%.*s", (int)strcspn(p, " "), p);
			return;
		}
}

/* ---- the reply ----------------------------------------------------------- */

static struct json_object *jnum(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

/* "name (state: reason)" */
#define WHO_MAX (ENGINE_NAME_MAX + EXPLAIN_WORD_MAX + EXPLAIN_REASON_MAX + 8)

static struct json_object *evidence_json(const struct explain_record *r, const struct explain_member *x,
					 struct json_object *sentences, const char *who)
{
	struct json_object *arr = json_object_new_array();
	for (size_t i = 0; i < sizeof(evidence_rows) / sizeof(evidence_rows[0]); i++) {
		const struct evidence_row *row = &evidence_rows[i];
		double v = field_value(&row->v, r, x), t = field_value(&row->t, r, x);
		double a = field_value(&row->a, r, x);
		if (!row_applies(row, v, a) || (row->not_role && !strcmp(row->not_role, x->role)))
			continue;
		/* a sentence that measures against an unknown says nothing */
		if ((row->t.src != EX_NONE && !isfinite(t)) || (row->a.src != EX_NONE && !isfinite(a)))
			continue;
		struct tvars tv = { 0 };
		if (row->v.src == EX_REASON) {
			const char *name = engine_reason_name((enum engine_reason)(int)v);
			tv_set(&tv, "v", "%s", words_of(name));
		} else {
			tv_set(&tv, "v", "%.*f", row->decimals, v);
		}
		if (isfinite(t))
			tv_set(&tv, "t", "%.*f", row->decimals > 1 ? row->decimals : 1, t);
		if (isfinite(a))
			tv_set(&tv, "a", "%.*f", row->decimals, a);
		char text[2 * ENGINE_TEXT_MAX], line[sizeof(text) + WHO_MAX + 4];
		expand(row->text, &tv, text, sizeof(text));
		snprintf(line, sizeof(line), "%.*s: %s", WHO_MAX, who, text);
		json_object_array_add(sentences, json_object_new_string(line));

		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "key", json_object_new_string(row->key));
		if (row->v.src == EX_REASON)
			json_object_object_add(o, "value",
					       json_object_new_string(engine_reason_name((enum engine_reason)(int)v)));
		else if (row->v.src == EX_BOOL)
			json_object_object_add(o, "value", json_object_new_boolean(v != 0));
		else
			json_object_object_add(o, "value", jnum(v));
		if (row->t.src != EX_NONE)
			json_object_object_add(o, "threshold", jnum(t));
		if (row->a.src != EX_NONE)
			json_object_object_add(o, "versus", jnum(a));
		if (row->unit)
			json_object_object_add(o, "unit", json_object_new_string(row->unit));
		json_object_object_add(o, "text", json_object_new_string(text));
		json_object_array_add(arr, o);
	}
	return arr;
}

static struct json_object *member_json(const struct explain_record *r, const struct explain_member *x,
				       struct json_object *sentences)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(x->name));
	json_object_object_add(o, "role", json_object_new_string(x->role));
	json_object_object_add(o, "state", json_object_new_string(x->state));
	json_object_object_add(o, "state_reason", *x->why ? json_object_new_string(x->why) : NULL);
	json_object_object_add(o, "priority", json_object_new_int(x->priority));
	json_object_object_add(o, "failback", json_object_new_string(x->failback));
	char who[WHO_MAX];
	snprintf(who, sizeof(who), "%s (%s%s%s)", x->name, x->state, *x->why ? ": " : "", x->why);
	json_object_object_add(o, "evidence", evidence_json(r, x, sentences, who));
	if (x->have_probe) {
		struct json_object *p = json_object_new_object();
		json_object_object_add(p, "window_rounds", json_object_new_int(x->probe_window_rounds));
		json_object_object_add(p, "interval_ms", json_object_new_int(x->probe_interval_ms));
		json_object_object_add(p, "loss_pct", jnum(x->probe_loss_pct));
		json_object_object_add(p, "latency_ms", jnum(x->probe_latency_ms));
		json_object_object_add(o, "probe", p);
	}
	return o;
}

static const char *decision_template(const struct tel_event *ev)
{
	for (size_t i = 0; i < sizeof(decision_texts) / sizeof(decision_texts[0]); i++) {
		const struct decision_text *t = &decision_texts[i];
		if ((!t->type || !strcmp(t->type, ev->type)) && (!t->reason || !strcmp(t->reason, ev->reason)))
			return t->text;
	}
	return "";
}

static void decision_vars(const struct explain_record *r, struct tvars *tv)
{
	const struct tel_event *ev = &r->ev;
	const struct explain_settings *s = &r->set;
	char buf[64];
	tv_set(tv, "from", "%s", *ev->from ? ev->from : "no uplink");
	tv_set(tv, "to", "%s", *ev->to ? ev->to : "no uplink");
	tv_set(tv, "member", "%s", *ev->member ? ev->member : "-");
	tv_set(tv, "type", "%s", ev->type);
	tv_set(tv, "reason", "%s", ev->reason);
	text_value(ev->text, "to=", buf, sizeof(buf));
	tv_set(tv, "state", "%s", *buf ? buf : "?");
	text_value(ev->text, "would=", buf, sizeof(buf));
	tv_set(tv, "would", "%s", words_of(*buf ? buf : "a switch"));
	tv_set(tv, "words", "%s", words_of(ev->reason));
	text_value(ev->text, "good_ms=", buf, sizeof(buf));
	tv_set(tv, "good_s", "%.1f", *buf ? strtod(buf, NULL) / 1000.0 : NAN);
	text_value(ev->text, "restore_window_ms=", buf, sizeof(buf));
	tv_set(tv, "need_s", "%.1f", (*buf ? strtod(buf, NULL) : s->restore_window_ms) / 1000.0);
	tv_set(tv, "fail_window_s", "%.1f", s->fail_window_ms / 1000.0);
	tv_set(tv, "restore_window_s", "%.1f", s->restore_window_ms / 1000.0);
	tv_set(tv, "cooldown_s", "%.1f", s->cooldown_ms / 1000.0);
	tv_set(tv, "recurring_quiet_s", "%.1f", s->recurring_quiet_ms / 1000.0);
	tv_set(tv, "switch_margin", "%d", s->switch_margin);
	tv_set(tv, "bad_score", "%d", s->bad_score);
	tv_set(tv, "good_score", "%d", s->good_score);
	tv_set(tv, "hard_fail_rounds", "%d", s->hard_fail_rounds);
	tv_set(tv, "hard_fail_probes", "%d", s->hard_fail_probes);
	if (r->since_switch_ms >= 0)
		tv_set(tv, "since_switch_s", "%.1f", r->since_switch_ms / 1000.0);
	else
		tv_set(tv, "since_switch_s", "?");
}

static struct json_object *settings_json(const struct explain_settings *s)
{
	struct json_object *o = json_object_new_object();
	static const struct {
		const char *name;
		size_t off;
	} f[] = {
#define F_(x) { #x, offsetof(struct explain_settings, x) }
		F_(fail_window_ms), F_(restore_window_ms), F_(restore_backoff_max_ms), F_(flap_memory_ms),
		F_(cooldown_ms), F_(switch_margin), F_(bad_score), F_(good_score), F_(hard_fail_rounds),
		F_(hard_fail_probes), F_(loss_window_ms), F_(min_uptime_ms), F_(recurring_quiet_ms),
#undef F_
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		int v;
		memcpy(&v, (const char *)s + f[i].off, sizeof(v));
		json_object_object_add(o, f[i].name, json_object_new_int(v));
	}
	return o;
}

struct json_object *explain_json(const struct explain_record *r, int64_t now_ms)
{
	const struct tel_event *ev = &r->ev;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64((int64_t)ev->id));
	json_object_object_add(o, "time", json_object_new_int64(ev->wall_s));
	json_object_object_add(o, "age_s", json_object_new_double((now_ms - ev->t_ms) / 1000.0));
	json_object_object_add(o, "type", json_object_new_string(ev->type));
	json_object_object_add(o, "reason", json_object_new_string(ev->reason));
	json_object_object_add(o, "member", *ev->member ? json_object_new_string(ev->member) : NULL);
	json_object_object_add(o, "from", *ev->from ? json_object_new_string(ev->from) : NULL);
	json_object_object_add(o, "to", *ev->to ? json_object_new_string(ev->to) : NULL);
	json_object_object_add(o, "text", json_object_new_string(ev->text));
	json_object_object_add(o, "pinned", *r->pinned ? json_object_new_string(r->pinned) : NULL);
	json_object_object_add(o, "since_switch_s",
			       r->since_switch_ms >= 0 ? json_object_new_double(r->since_switch_ms / 1000.0) : NULL);

	static struct tvars tv;
	memset(&tv, 0, sizeof(tv));
	decision_vars(r, &tv);
	char summary[4 * ENGINE_TEXT_MAX];
	expand(decision_template(ev), &tv, summary, sizeof(summary));
	json_object_object_add(o, "summary", json_object_new_string(summary));

	struct json_object *sentences = json_object_new_array();
	json_object_array_add(sentences, json_object_new_string(summary));
	if (*r->pinned && strcmp(ev->reason, "manual_pin")) {
		char line[ENGINE_NAME_MAX + 64];
		snprintf(line, sizeof(line), "%s was pinned by hand at the time.", r->pinned);
		json_object_array_add(sentences, json_object_new_string(line));
	}
	struct json_object *members = json_object_new_array();
	for (int i = 0; i < r->n && i < EXPLAIN_MEMBERS_MAX; i++)
		json_object_array_add(members, member_json(r, &r->m[i], sentences));
	json_object_object_add(o, "sentences", sentences);
	json_object_object_add(o, "members", members);
	json_object_object_add(o, "members_configured", json_object_new_int(r->n_members));
	json_object_object_add(o, "settings", settings_json(&r->set));
	return o;
}
