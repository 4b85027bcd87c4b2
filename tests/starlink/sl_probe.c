/*
 * sl_probe - run the Starlink collector against a dish (or the emulator in
 * tests/starlink/dish_emulator.py) and print one JSON line per poll:
 * {"poll": n, "t_ms": ..., "collector": starlink_metrics_json()}.
 * It is the test driver for the collector until the daemon's API serves
 * the same JSON; tests/integration/test_starlink.py reads its output.
 *
 *   sl_probe [-h host] [-p port] [-n polls] [-i status_ms] [-H history_ms]
 *            [-t timeout_ms] [-b backoff_min_ms] [-B backoff_max_ms] [-w obstruction_window_ms] [-d device]
 */
#include <ev.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "starlink.h"

struct probe {
	struct starlink *sl;
	struct ev_loop *loop;
	long polls, want;
};

static void on_update(void *ctx, const struct sample *s)
{
	struct probe *pr = ctx;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "poll", json_object_new_int64(++pr->polls));
	json_object_object_add(o, "t_ms", json_object_new_int64(s->t_ms));
	json_object_object_add(o, "collector", starlink_metrics_json(pr->sl));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(o);
	if (pr->want > 0 && pr->polls >= pr->want)
		ev_break(pr->loop, EVBREAK_ALL);
}

static int num_arg(const char *s, long min, long max, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	struct starlink_params p;
	struct probe pr = { .want = 1 };
	const char *dev = NULL;
	long v;
	int c;

	log_open("sl_probe", LOG_TO_STDERR);
	starlink_params_defaults(&p);
	while ((c = getopt(argc, argv, "h:p:n:i:H:t:b:B:w:d:v")) != -1) {
		int *dst = NULL;
		switch (c) {
		case 'h': snprintf(p.host, sizeof(p.host), "%s", optarg); continue;
		case 'd': dev = optarg; continue;
		case 'v': log_set_level(LOG_LVL_DEBUG); continue;
		case 'n':
			if (num_arg(optarg, 0, 1000000, &pr.want) < 0)
				goto usage;
			continue;
		case 'p': dst = &p.port; break;
		case 'i': dst = &p.status_interval_ms; break;
		case 'H': dst = &p.history_interval_ms; break;
		case 't': dst = &p.timeout_ms; break;
		case 'b': dst = &p.backoff_min_ms; break;
		case 'B': dst = &p.backoff_max_ms; break;
		case 'w': dst = &p.obstruction_window_ms; break;
		default: goto usage;
		}
		if (num_arg(optarg, 0, 3600000, &v) < 0)
			goto usage;
		*dst = (int)v;
	}
	pr.loop = ev_default_loop(0);
	pr.sl = starlink_new(pr.loop, &p, dev, on_update, &pr);
	if (!pr.sl)
		return 2;
	ev_run(pr.loop, 0);
	starlink_free(pr.sl);
	return 0;
usage:
	fprintf(stderr, "usage: sl_probe [-h host] [-p port] [-n polls] [-i status_ms] [-H history_ms] "
		"[-t timeout_ms] [-b backoff_min_ms] [-B backoff_max_ms] [-w obstruction_window_ms] [-d device] [-v]\n");
	return 2;
}
