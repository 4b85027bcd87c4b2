/*
 * ctl_timeline.c - `starfailctl timeline [--since DURATION] --svg FILE`: the
 * picture of what happened, from the `status`, `history` and `events` API
 * methods: each member's latency, loss and score over time (one chart each),
 * above them the active uplink as a band (one row per member, filled while
 * it carried the traffic) and every switch marked with its reason.
 *
 * Plain SVG 1.1 with no external assets (no fonts, scripts, images or
 * style sheets fetched); every text from the daemon is XML-escaped and cut
 * to printable ASCII. Elements carry classes a test (or a script) can count:
 * one <g class="band" data-member=...> per member, one <g class="switch">
 * per switch in the range, <g class="series"> per member and chart.
 *
 * DURATION: seconds, or a number with s, m, h or d (default 1h, at most 30d:
 * what the history method accepts). The range shown is the part of it the
 * daemon still holds. FILE "-" is standard output.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "ctl.h"

#define TL_MEMBERS_MAX 16
#define TL_NAME_MAX 64
#define TL_SINCE_MAX_S (86400L * 30)
#define TL_POINTS 2000			/* history's cap per member */
#define TL_EVENTS 1000			/* events' cap */

struct tl_point {
	double age_s, latency_ms, loss_pct, score;
};

struct tl_member {
	char name[TL_NAME_MAX];
	struct tl_point *p;
	size_t n;
};

struct tl_switch {
	double age_s;
	long long id;
	char from[TL_NAME_MAX], to[TL_NAME_MAX], reason[TL_NAME_MAX];
};

struct timeline {
	int n;
	struct tl_member m[TL_MEMBERS_MAX];
	struct tl_switch *sw;		/* oldest first */
	size_t nsw;
	char current[TL_NAME_MAX];
	double span_s;
	time_t now;
};

/* "90", "90s", "15m", "2h", "1d" -> seconds in 1..TL_SINCE_MAX_S; -1 otherwise. */
static long parse_duration(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v <= 0)
		return -1;
	double mult = 1;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		mult = 60, end++;
	else if (*end == 'h')
		mult = 3600, end++;
	else if (*end == 'd')
		mult = 86400, end++;
	if (*end)
		return -1;
	v *= mult;
	return v < 1 || v > TL_SINCE_MAX_S ? -1 : (long)v;
}

static double num(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NAN;
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return NAN;
	return json_object_get_double(v);
}

static void str_copy(char *dst, size_t len, struct json_object *o, const char *key)
{
	struct json_object *v;
	const char *s = json_object_object_get_ex(o, key, &v) && v &&
			json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	snprintf(dst, len, "%s", s);
}

/* One request; its result, or NULL with *rc set (the reply kept in *hold to free). */
static struct json_object *result_of(const char *method, struct json_object *params,
				     struct json_object **hold, int *rc)
{
	*hold = ctl_request(method, params, rc);
	if (!*hold)
		return NULL;
	*rc = ctl_reply_error(*hold, false);
	if (*rc != EXIT_OK)
		return NULL;
	struct json_object *res;
	return json_object_object_get_ex(*hold, "result", &res) ? res : NULL;
}

static int fetch_members(struct timeline *tl, long since_s)
{
	struct json_object *hold, *st;
	int rc = EXIT_OK;
	if (!(st = result_of("status", NULL, &hold, &rc))) {
		json_object_put(hold);
		return rc ? rc : EXIT_METHOD_ERR;
	}
	str_copy(tl->current, sizeof(tl->current), st, "current");
	struct json_object *ms;
	if (json_object_object_get_ex(st, "members", &ms) && json_object_is_type(ms, json_type_array))
		for (size_t i = 0; i < json_object_array_length(ms) && tl->n < TL_MEMBERS_MAX; i++)
			str_copy(tl->m[tl->n++].name, TL_NAME_MAX, json_object_array_get_idx(ms, i), "name");
	json_object_put(hold);

	for (int i = 0; i < tl->n; i++) {
		struct json_object *pa = json_object_new_object();
		json_object_object_add(pa, "member", json_object_new_string(tl->m[i].name));
		json_object_object_add(pa, "since_s", json_object_new_int64(since_s));
		json_object_object_add(pa, "limit", json_object_new_int(TL_POINTS));
		struct json_object *h = result_of("history", pa, &hold, &rc), *arr;
		json_object_put(pa);
		if (!h) {
			json_object_put(hold);
			return rc ? rc : EXIT_METHOD_ERR;
		}
		if (json_object_object_get_ex(h, "samples", &arr) && json_object_is_type(arr, json_type_array)) {
			size_t n = json_object_array_length(arr);
			tl->m[i].p = calloc(n ? n : 1, sizeof(struct tl_point));
			if (!tl->m[i].p) {
				json_object_put(hold);
				fprintf(stderr, "starfailctl: out of memory\n");
				return EXIT_METHOD_ERR;
			}
			for (size_t k = 0; k < n; k++) {
				struct json_object *p = json_object_array_get_idx(arr, k);
				struct tl_point *t = &tl->m[i].p[tl->m[i].n];
				*t = (struct tl_point){ num(p, "age_s"), num(p, "latency_ms"), num(p, "loss_pct"),
							num(p, "score") };
				if (isfinite(t->age_s) && t->age_s >= 0)
					tl->m[i].n++;
			}
		}
		json_object_put(hold);
	}
	return EXIT_OK;
}

static int fetch_switches(struct timeline *tl)
{
	struct json_object *hold, *pa = json_object_new_object(), *arr;
	int rc = EXIT_OK;
	json_object_object_add(pa, "limit", json_object_new_int(TL_EVENTS));
	struct json_object *r = result_of("events", pa, &hold, &rc);
	json_object_put(pa);
	if (!r) {
		json_object_put(hold);
		return rc ? rc : EXIT_METHOD_ERR;
	}
	if (json_object_object_get_ex(r, "events", &arr) && json_object_is_type(arr, json_type_array)) {
		size_t n = json_object_array_length(arr);
		tl->sw = calloc(n ? n : 1, sizeof(*tl->sw));
		for (size_t i = 0; tl->sw && i < n; i++) {
			struct json_object *e = json_object_array_get_idx(arr, i);
			char type[16];
			str_copy(type, sizeof(type), e, "type");
			struct tl_switch *s = &tl->sw[tl->nsw];
			s->age_s = num(e, "age_s");
			if (strcmp(type, "switch") || !isfinite(s->age_s))
				continue;
			double id = num(e, "id");
			s->id = isfinite(id) ? (long long)id : 0;
			str_copy(s->from, sizeof(s->from), e, "from");
			str_copy(s->to, sizeof(s->to), e, "to");
			str_copy(s->reason, sizeof(s->reason), e, "reason");
			tl->nsw++;
		}
	}
	json_object_put(hold);
	return EXIT_OK;
}

/* ---- drawing ------------------------------------------------------------- */

#define W 1200
#define LEFT 90
#define RIGHT 170
#define PW (W - LEFT - RIGHT)
#define ROW_H 18
#define CHART_H 140
#define CHART_GAP 46

static const char *const colors[] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
				      "#8c564b", "#e377c2", "#17becf" };
#define COLOR(i) colors[(i) % (int)(sizeof(colors) / sizeof(colors[0]))]

/* s as XML character data or attribute value: printable ASCII, escaped. */
static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c == '\'')
			fputs("&#39;", f);
		else
			fputc(c >= 0x20 && c < 0x7f ? c : '?', f);
	}
}

static double x_of(const struct timeline *tl, double age_s)
{
	return LEFT + PW * (1.0 - age_s / tl->span_s);
}

/* A round upper bound of the axis: 1, 2 or 5 times a power of ten. */
static double nice_ceil(double v)
{
	if (!(v > 0))
		return 1;
	double p = pow(10, floor(log10(v)));
	return v <= p ? p : v <= 2 * p ? 2 * p : v <= 5 * p ? 5 * p : 10 * p;
}

static void time_ticks(FILE *f, const struct timeline *tl, double y0, double y1)
{
	for (int k = 0; k <= 6; k++) {
		double age = tl->span_s * (6 - k) / 6.0, x = x_of(tl, age);
		time_t t = tl->now - (time_t)age;
		struct tm tm;
		char ts[16] = "?";
		if (localtime_r(&t, &tm))
			strftime(ts, sizeof(ts), tl->span_s > 86400 ? "%d %H:%M" : "%H:%M:%S", &tm);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", x, y0, x,
			y1);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">%s</text>\n",
			x, y1 + 14, ts);
	}
}

enum metric { M_LATENCY, M_LOSS, M_SCORE };

static double value_of(const struct tl_point *p, enum metric m)
{
	return m == M_LATENCY ? p->latency_ms : m == M_LOSS ? p->loss_pct : p->score;
}

static void chart(FILE *f, const struct timeline *tl, enum metric m, double top)
{
	static const char *const names[] = { "latency", "loss", "score" };
	static const char *const titles[] = { "Latency (ms)", "Loss (%)", "Score (0-100)" };
	double ymax = 100;
	if (m == M_LATENCY) {
		double mx = 0;
		for (int i = 0; i < tl->n; i++)
			for (size_t k = 0; k < tl->m[i].n; k++) {
				double v = tl->m[i].p[k].latency_ms;
				if (isfinite(v) && v > mx)
					mx = v;
			}
		ymax = nice_ceil(mx < 10 ? 10 : mx);
	}
	fprintf(f, "<g class=\"chart\" data-metric=\"%s\">\n", names[m]);
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"13\" font-weight=\"bold\" fill=\"#333\">%s</text>\n", LEFT,
		top - 8, titles[m]);
	fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" stroke=\"#bbb\"/>\n", LEFT,
		top, PW, CHART_H);
	for (int k = 0; k <= 4; k++) {
		double y = top + CHART_H * k / 4.0;
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", LEFT, y,
			LEFT + PW, y);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">%g</text>\n",
			LEFT - 6, y + 4, ymax * (4 - k) / 4.0);
	}
	for (int i = 0; i < tl->n; i++) {
		fprintf(f, "<g class=\"series\" data-metric=\"%s\" data-member=\"", names[m]);
		xml_text(f, tl->m[i].name);
		fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\">\n", COLOR(i));
		bool open = false;
		for (size_t k = 0; k < tl->m[i].n; k++) {
			const struct tl_point *p = &tl->m[i].p[k];
			double v = value_of(p, m);
			if (!isfinite(v) || p->age_s > tl->span_s) {
				if (open)
					fputs("\"/>\n", f);
				open = false;
				continue;
			}
			v = v < 0 ? 0 : v > ymax ? ymax : v;
			fprintf(f, "%s%.1f,%.1f", open ? " " : "<polyline points=\"", x_of(tl, p->age_s),
				top + CHART_H * (1 - v / ymax));
			open = true;
		}
		if (open)
			fputs("\"/>\n", f);
		fputs("</g>\n", f);
	}
	fputs("</g>\n", f);
}

/* Who carried the traffic before the first switch of the range. */
static const char *active_at_start(const struct timeline *tl)
{
	const char *before = NULL;
	for (size_t i = 0; i < tl->nsw; i++) {
		if (tl->sw[i].age_s > tl->span_s)
			before = tl->sw[i].to;
		else
			return before ? before : tl->sw[i].from;
	}
	return before ? before : tl->current;
}

static void bands(FILE *f, const struct timeline *tl, double top)
{
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"13\" font-weight=\"bold\" fill=\"#333\">"
		   "Active uplink</text>\n", LEFT, top - 8);
	for (int i = 0; i < tl->n; i++) {
		double y = top + i * ROW_H;
		fprintf(f, "<g class=\"band\" data-member=\"");
		xml_text(f, tl->m[i].name);
		fprintf(f, "\">\n<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"#f2f2f2\"/>\n", LEFT, y, PW,
			ROW_H - 3);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">", LEFT - 6,
			y + 12);
		xml_text(f, tl->m[i].name);
		fputs("</text>\n", f);
		/* segments: from the range start to each switch, then to now */
		const char *who = active_at_start(tl);
		double from_age = tl->span_s;
		for (size_t k = 0; k <= tl->nsw; k++) {
			if (k < tl->nsw && tl->sw[k].age_s > tl->span_s)
				continue;
			double to_age = k < tl->nsw ? tl->sw[k].age_s : 0;
			if (!strcmp(who, tl->m[i].name) && from_age > to_age)
				fprintf(f, "<rect class=\"active\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
					   "fill=\"%s\"/>\n", x_of(tl, from_age), y,
					x_of(tl, to_age) - x_of(tl, from_age), ROW_H - 3, COLOR(i));
			if (k < tl->nsw) {
				who = tl->sw[k].to;
				from_age = to_age;
			}
		}
		fputs("</g>\n", f);
	}
}

/* Markers from top to bottom; their labels in three staggered rows from label_y. */
static void switches(FILE *f, const struct timeline *tl, double top, double bottom, double label_y)
{
	int shown = 0;
	for (size_t k = 0; k < tl->nsw; k++) {
		const struct tl_switch *s = &tl->sw[k];
		if (s->age_s > tl->span_s)
			continue;
		double x = x_of(tl, s->age_s);
		fprintf(f, "<g class=\"switch\" data-id=\"%lld\" data-reason=\"", s->id);
		xml_text(f, s->reason);
		fputs("\">\n<title>", f);
		xml_text(f, *s->from ? s->from : "none");
		fputs(" -&gt; ", f);
		xml_text(f, *s->to ? s->to : "none");
		fputs(": ", f);
		xml_text(f, s->reason);
		fprintf(f, "</title>\n<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\" "
			   "stroke-dasharray=\"4,3\"/>\n", x, top, x, bottom);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#222\">", x + 3,
			label_y + 11 * (shown % 3));
		xml_text(f, s->reason);
		fputs(" -&gt; ", f);
		xml_text(f, *s->to ? s->to : "none");
		fputs("</text>\n</g>\n", f);
		shown++;
	}
}

static void legend(FILE *f, const struct timeline *tl, double top)
{
	for (int i = 0; i < tl->n; i++) {
		double y = top + i * 18;
		fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"14\" height=\"4\" fill=\"%s\"/>\n", W - RIGHT + 16, y + 5,
			COLOR(i));
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" fill=\"#333\">", W - RIGHT + 36, y + 10);
		xml_text(f, tl->m[i].name);
		fputs("</text>\n", f);
	}
}

static size_t switches_in_range(const struct timeline *tl)
{
	size_t n = 0;
	for (size_t k = 0; k < tl->nsw; k++)
		n += tl->sw[k].age_s <= tl->span_s;
	return n;
}

static int draw(FILE *f, const struct timeline *tl)
{
	size_t nsw = switches_in_range(tl);
	double band_top = 62, band_h = tl->n * ROW_H;
	double label_y = band_top + band_h + 12;	/* switch labels under the band */
	double chart_top = label_y + 3 * 11 + CHART_GAP - 16;
	double height = chart_top + 3 * (CHART_H + CHART_GAP) + 4;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%.0f\" "
		   "viewBox=\"0 0 %d %.0f\" font-family=\"sans-serif\">\n", W, height, W, height);
	fprintf(f, "<rect width=\"%d\" height=\"%.0f\" fill=\"#ffffff\"/>\n", W, height);
	struct tm tm;
	char ts[32] = "?";
	if (localtime_r(&tl->now, &tm))
		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "<text x=\"%d\" y=\"28\" font-size=\"16\" font-weight=\"bold\" fill=\"#111\">Starfail timeline: "
		   "the last %.0f s up to %s, %zu switch%s</text>\n", LEFT, tl->span_s, ts, nsw,
		nsw == 1 ? "" : "es");
	bands(f, tl, band_top);
	for (int m = 0; m < 3; m++)
		chart(f, tl, (enum metric)m, chart_top + m * (CHART_H + CHART_GAP));
	time_ticks(f, tl, chart_top + 2 * (CHART_H + CHART_GAP), chart_top + 2 * (CHART_H + CHART_GAP) + CHART_H);
	switches(f, tl, band_top, chart_top + 2 * (CHART_H + CHART_GAP) + CHART_H, label_y);
	legend(f, tl, chart_top);
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}

static void usage_timeline(void)
{
	fprintf(stderr, "usage: starfailctl timeline [--since DURATION] --svg FILE\n"
			"  DURATION: seconds or N[s|m|h|d], default 1h, at most 30d; FILE - is stdout\n");
}

int ctl_timeline_main(int argc, char **argv)
{
	long since_s = 3600;
	const char *out = NULL;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--since") && i + 1 < argc) {
			if ((since_s = parse_duration(argv[++i])) < 0) {
				fprintf(stderr, "starfailctl: --since '%.40s': expected seconds or N[s|m|h|d], 1 s to 30 d\n",
					argv[i]);
				return EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--svg") && i + 1 < argc) {
			out = argv[++i];
		} else {
			usage_timeline();
			return EXIT_USAGE;
		}
	}
	if (!out) {
		usage_timeline();
		return EXIT_USAGE;
	}
	static struct timeline tl;
	memset(&tl, 0, sizeof(tl));
	tl.now = time(NULL);
	int rc = fetch_members(&tl, since_s);
	if (rc == EXIT_OK)
		rc = fetch_switches(&tl);
	if (rc == EXIT_OK) {
		/* the range the daemon still holds, but never less than 10 s */
		double oldest = 10;
		for (int i = 0; i < tl.n; i++)
			if (tl.m[i].n && tl.m[i].p[0].age_s > oldest)
				oldest = tl.m[i].p[0].age_s;
		for (size_t k = 0; k < tl.nsw; k++)
			if (tl.sw[k].age_s <= since_s && tl.sw[k].age_s > oldest)
				oldest = tl.sw[k].age_s;
		tl.span_s = oldest < since_s ? oldest : since_s;
		size_t in_range = switches_in_range(&tl);
		FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;
		if (!f) {
			fprintf(stderr, "starfailctl: cannot write %s: %s\n", out, strerror(errno));
			rc = EXIT_USAGE;
		} else {
			int w = draw(f, &tl);
			if ((f != stdout && fclose(f) != 0) || w < 0) {
				fprintf(stderr, "starfailctl: writing %s failed: %s\n", out, strerror(errno));
				rc = EXIT_METHOD_ERR;
			} else if (f != stdout) {
				printf("timeline: %s: %d members, %zu switches in the last %.0f s\n", out, tl.n,
				       in_range, tl.span_s);
			}
		}
	}
	for (int i = 0; i < tl.n; i++)
		free(tl.m[i].p);
	free(tl.sw);
	return rc;
}
