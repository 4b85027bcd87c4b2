/*
 * ctl_explain.c - `starfailctl explain [EVENT-ID]`: the evidence behind a
 * decision, as the daemon's `explain` method gives it (docs/API_REFERENCE.md),
 * printed as sentences grouped by member; --json prints the reply as it is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "ctl.h"

int ctl_explain_params(int argc, char **argv, struct json_object *params)
{
	if (argc == 0)
		return 0;
	if (argc > 1)
		return -1;
	char *end;
	errno = 0;
	long long id = strtoll(argv[0], &end, 10);
	if (!*argv[0] || *end || errno || id <= 0) {
		fprintf(stderr, "starfailctl: EVENT-ID must be a positive integer, not '%.40s' "
				"(`starfailctl events` shows the ids)\n", argv[0]);
		return -1;
	}
	json_object_object_add(params, "id", json_object_new_int64(id));
	return 0;
}

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

static void print_member(struct json_object *m)
{
	const char *why = str_of(m, "state_reason");
	printf("\n%s (%s, %s%s%s, priority %s):\n", str_of(m, "name") ? str_of(m, "name") : "?",
	       str_of(m, "role") ? str_of(m, "role") : "?", str_of(m, "state") ? str_of(m, "state") : "?",
	       why ? ": " : "", why ? why : "", str_of(m, "priority") ? str_of(m, "priority") : "?");
	struct json_object *ev;
	if (!json_object_object_get_ex(m, "evidence", &ev) || !json_object_is_type(ev, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(ev); i++) {
		const char *t = str_of(json_object_array_get_idx(ev, i), "text");
		if (t)
			printf("  - %s\n", t);
	}
}

void ctl_explain_print(struct json_object *r)
{
	time_t t = (time_t)json_object_get_int64(json_object_object_get(r, "time"));
	struct tm tm;
	char ts[32] = "?";
	if (localtime_r(&t, &tm))
		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	printf("event %s at %s (%.1f s ago): %s, %s\n", str_of(r, "id") ? str_of(r, "id") : "?", ts,
	       json_object_get_double(json_object_object_get(r, "age_s")),
	       str_of(r, "type") ? str_of(r, "type") : "?", str_of(r, "reason") ? str_of(r, "reason") : "?");
	if (str_of(r, "summary"))
		printf("\n%s\n", str_of(r, "summary"));
	if (str_of(r, "pinned"))
		printf("(%s was pinned by hand at the time)\n", str_of(r, "pinned"));
	struct json_object *ms;
	if (json_object_object_get_ex(r, "members", &ms) && json_object_is_type(ms, json_type_array))
		for (size_t i = 0; i < json_object_array_length(ms); i++)
			print_member(json_object_array_get_idx(ms, i));
	struct json_object *s;
	if (json_object_object_get_ex(r, "settings", &s) && s)
		printf("\nsettings: fail_window %.1f s, restore_window %.1f s, cooldown %.1f s, switch_margin %d, "
		       "hard_fail %d rounds / %d probes\n",
		       json_object_get_int(json_object_object_get(s, "fail_window_ms")) / 1000.0,
		       json_object_get_int(json_object_object_get(s, "restore_window_ms")) / 1000.0,
		       json_object_get_int(json_object_object_get(s, "cooldown_ms")) / 1000.0,
		       json_object_get_int(json_object_object_get(s, "switch_margin")),
		       json_object_get_int(json_object_object_get(s, "hard_fail_rounds")),
		       json_object_get_int(json_object_object_get(s, "hard_fail_probes")));
	if (str_of(r, "text"))
		printf("details: %s\n", str_of(r, "text"));
}
