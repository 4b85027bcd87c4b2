/*
 * test_collector.c - the collector registry, the config's registry-driven
 * option storage, and a fake collector driven through a member: start with
 * args/role/link, samples up through the one host callback (view merge,
 * round flags, non-decreasing time), recheck, metrics, failure, stop.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <ev.h>
#include <json-c/json.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "collector.h"
#include "config.h"
#include "member.h"
#include "probe.h"

/* ---- the registry ------------------------------------------------------- */

static void test_registry(void **state)
{
	int n = collector_count();
	assert_true(n >= 1 && n <= COLLECT_SLOTS_MAX);
	assert_ptr_equal(collectors[0], &probe_collector);
	assert_null(collectors[n]);
	assert_ptr_equal(collector_find("probe"), &probe_collector);
	assert_null(collector_find("nosuch"));
	assert_int_equal(collector_slot(&probe_collector), 0);
	for (int cls = CLASS_STARLINK; cls < __CLASS_MAX; cls++)
		assert_true(collector_serves(&probe_collector, cls));
	assert_false(collector_serves(&probe_collector, CLASS_AUTO));
	assert_false(collector_serves(&probe_collector, __CLASS_MAX));

	for (int i = 0; i < n; i++) {
		const struct collector_ops *c = collectors[i];
		assert_non_null(c->name);
		assert_non_null(c->start);
		assert_non_null(c->stop);
		assert_int_equal(collector_slot(c), i);
		assert_ptr_equal(collector_find(c->name), c);
		assert_true(c->classes != 0);
		assert_true(c->params_size <= COLLECT_PARAMS_MAX);
		/* options and their struct come together */
		assert_int_equal(c->member_options != NULL, c->params_size > 0);
	}

	const struct collector_ops *sl = collector_find("starlink");
	if (sl) {	/* built with the Starlink collector */
		assert_true(collector_serves(sl, CLASS_STARLINK));
		for (int cls = CLASS_CELLULAR; cls < __CLASS_MAX; cls++)
			assert_false(collector_serves(sl, cls));
		assert_true(sl->fills & COLLECT_FILLS_STARLINK);
	}
}

/* Options of a registered collector land in its area of the member config. */
static void test_config_params(void **state)
{
	static struct sf_config cfg;
	static struct config_report rep;
	const struct collector_ops *sl = collector_find("starlink");
	if (!sl)
		skip();
	const char *text = "config member 'starlink'\n\toption device 'eth9'\n"
			   "\toption dish_host '10.1.2.3'\n\toption dish_port '9201'\n"
			   "config member 'wan'\n\toption device 'eth8'\n";
	assert_int_equal(config_load_buffer("t.conf", text, strlen(text), &cfg, &rep), 0);
	const struct member_config *m = config_find_member(&cfg, "starlink");
	assert_non_null(m);
	const void *params;
	struct probe_member_cfg pc;
	char err[200];
	assert_int_equal(config_collector_params(&cfg, m, sl, &pc, &params, err, sizeof(err)), 0);
	assert_ptr_equal(params, &m->collect[collector_slot(sl)]);
	/* the table describes the area: read the values back through it */
	const struct cfg_option *host = NULL, *port = NULL;
	for (const struct cfg_option *o = sl->member_options; o->name; o++) {
		if (!strcmp(o->name, "dish_host"))
			host = o;
		if (!strcmp(o->name, "dish_port"))
			port = o;
	}
	assert_non_null(host);
	assert_non_null(port);
	assert_string_equal((const char *)params + host->offset, "10.1.2.3");
	assert_int_equal(*(const int *)((const char *)params + port->offset), 9201);
	/* defaults apply to every member; a changed value makes members differ */
	const struct member_config *w = config_find_member(&cfg, "wan");
	const void *wp;
	assert_int_equal(config_collector_params(&cfg, w, sl, &pc, &wp, err, sizeof(err)), 0);
	assert_int_equal(*(const int *)((const char *)wp + port->offset), 9200);
	struct member_config copy = *m;
	assert_true(config_member_equal(m, &copy));
	*(int *)((char *)&copy.collect[collector_slot(sl)] + port->offset) = 9202;
	assert_false(config_member_equal(m, &copy));
	/* the prober's params are its resolved probe config */
	assert_int_equal(config_collector_params(&cfg, w, &probe_collector, &pc, &wp, err, sizeof(err)), 0);
	assert_ptr_equal(wp, &pc);
	assert_string_equal(pc.device, "eth8");
}

/* ---- a fake collector through a member ---------------------------------- */

struct fake {
	struct collector_host host;
	char member[32], device[32];
	int cls;
	enum collector_role role;
	int roles, links, polls;
	struct link_info link;
};

static struct fake *last_fake;
static int fake_stops;
static bool fake_fail;

static void *fake_start(struct ev_loop *loop, const struct collector_args *a,
			const struct collector_host *host, char *err, size_t errlen)
{
	if (fake_fail) {
		snprintf(err, errlen, "fake: no modem");
		return NULL;
	}
	struct fake *f = calloc(1, sizeof(*f));
	f->host = *host;
	snprintf(f->member, sizeof(f->member), "%s", a->member);
	snprintf(f->device, sizeof(f->device), "%s", a->device);
	f->cls = a->cls;
	f->role = (enum collector_role)-1;
	last_fake = f;
	return f;
}

static void fake_stop(void *inst)
{
	fake_stops++;
	if (inst == last_fake)
		last_fake = NULL;
	free(inst);
}

static void fake_set_link(void *inst, const struct link_info *li)
{
	struct fake *f = inst;
	f->links++;
	f->link = *li;
}

static void fake_set_role(void *inst, enum collector_role r)
{
	struct fake *f = inst;
	f->roles++;
	f->role = r;
}

static void fake_poll_now(void *inst)
{
	((struct fake *)inst)->polls++;
}

static void fake_json(const void *inst, struct json_object *out)
{
	json_object_object_add(out, "fake", json_object_new_int(((const struct fake *)inst)->polls));
}

static const struct collector_ops fake_ops = {
	.name = "fake", .classes = COLLECT_CLASS(CLASS_CELLULAR) | COLLECT_CLASS(CLASS_LAN),
	.fills = COLLECT_FILLS_PROBE | COLLECT_FILLS_CELLULAR,
	.start = fake_start, .stop = fake_stop, .set_link = fake_set_link, .set_role = fake_set_role,
	.poll_now = fake_poll_now, .metrics_json = fake_json,
};
static const struct collector_ops wifi_only_ops = {
	.name = "wifi_only", .classes = COLLECT_CLASS(CLASS_WIFI), .start = fake_start, .stop = fake_stop,
};
static const struct collector_ops *const fake_registry[] = { &wifi_only_ops, &fake_ops, NULL };

struct seen {
	int n;
	struct sample s[8];
	unsigned flags[8];
	struct sample view_at_call;
};

static void on_observe(void *ctx, struct member *m, const struct sample *s, unsigned flags)
{
	struct seen *x = ctx;
	if (x->n < 8) {
		x->s[x->n] = *s;
		x->flags[x->n] = flags;
	}
	x->n++;
	x->view_at_call = *member_view(m);
}

static struct member *fake_member(struct seen *x, int cls, struct sf_config *cfg)
{
	struct member_config mc;
	memset(&mc, 0, sizeof(mc));
	snprintf(mc.name, sizeof(mc.name), "mob1");
	snprintf(mc.device, sizeof(mc.device), "wwan0");
	mc.cls = cls;
	mc.enabled = true;
	config_defaults(cfg);
	struct member_host host = { .observe = on_observe, .ctx = x };
	struct member *m = member_new(EV_DEFAULT, &mc, 16, &host);
	assert_non_null(m);
	m->registry = fake_registry;
	return m;
}

static void emit(struct fake *f, int64_t t_ms, double loss, double view_lat, unsigned flags)
{
	struct sample s, v;
	sample_init(&s, t_ms);
	s.loss_pct = loss;
	s.cell.rsrp_dbm = -90;
	sample_init(&v, t_ms);
	v.latency_ms = view_lat;
	v.cell.rsrp_dbm = -95;	/* the view, when given, is what the member shows */
	v.loss_pct = 1.5;
	struct collector_report r = { .flags = flags, .view = &v };
	f->host.sample(f->host.ctx, &s, &r);
}

static void test_fake_through_member(void **state)
{
	static struct sf_config cfg;
	struct seen x = { 0 };
	fake_fail = false;
	fake_stops = 0;
	struct member *m = fake_member(&x, CLASS_CELLULAR, &cfg);
	member_set_role(m, COLLECTOR_PRIMARY);
	member_start_collectors(m, &cfg);
	assert_string_equal(m->collect_error, "");
	struct fake *f = last_fake;
	assert_non_null(f);	/* wifi_only is not started for a cellular member */
	assert_string_equal(f->member, "mob1");
	assert_string_equal(f->device, "wwan0");
	assert_int_equal(f->cls, CLASS_CELLULAR);
	assert_int_equal(f->role, COLLECTOR_PRIMARY);	/* role before link */
	assert_int_equal(f->links, 1);
	assert_string_equal(f->link.ifname, "wwan0");

	/* a round: flags go up, the view takes the window figures and the cell block */
	emit(f, 1000, 50, 42, COLLECT_ROUND | COLLECT_ROUND_UP);
	assert_int_equal(x.n, 1);
	assert_int_equal(x.flags[0], MEMBER_OBS_ROUND | MEMBER_OBS_ROUND_UP);
	assert_int_equal(x.s[0].t_ms, 1000);
	assert_true(x.s[0].loss_pct == 50);	/* the round itself goes to the engine */
	assert_true(x.s[0].cell.rsrp_dbm == -90);
	assert_true(x.view_at_call.latency_ms == 42);	/* view updated before the host hears */
	assert_true(member_view(m)->loss_pct == 1.5);
	assert_true(member_view(m)->cell.rsrp_dbm == -95);

	/* time never goes back per member */
	emit(f, 900, 0, 40, 0);
	assert_int_equal(x.n, 2);
	assert_int_equal(x.flags[1], 0);
	assert_int_equal(x.s[1].t_ms, 1000);
	emit(f, 1200, 0, 40, COLLECT_ROUND);
	assert_int_equal(x.s[2].t_ms, 1200);
	assert_int_equal(x.flags[2], MEMBER_OBS_ROUND);

	/* link: forwarded to the collector, usability change goes up as a link sample */
	struct link_info li = { .exists = true, .carrier = true };
	snprintf(li.ifname, sizeof(li.ifname), "wwan0");
	li.v4.has_addr = li.v4.has_route = true;
	member_link_changed(m, &li);
	assert_int_equal(f->links, 2);
	assert_int_equal(x.n, 4);
	assert_int_equal(x.flags[3], MEMBER_OBS_LINK);
	assert_int_equal(x.s[3].link_up, TRI_TRUE);
	assert_true(x.s[3].t_ms >= 1200);
	const char *reason = NULL;
	assert_null(member_unusable(m, &reason));
	member_link_changed(m, &li);	/* no change: nothing goes up */
	assert_int_equal(x.n, 4);

	member_set_role(m, COLLECTOR_STANDBY);
	assert_int_equal(f->role, COLLECTOR_STANDBY);
	member_recheck(m);
	member_recheck(m);
	assert_int_equal(f->polls, 2);
	struct json_object *o = json_object_new_object();
	member_collectors_json(m, o);
	struct json_object *v;
	assert_true(json_object_object_get_ex(o, "fake", &v));
	assert_int_equal(json_object_get_int(v), 2);
	json_object_put(o);
	struct probe_summary ps;
	assert_false(member_probe_summary(m, &ps));	/* no prober in this registry */
	assert_true(member_probe_bytes_per_day(m) == 0);

	member_free(m);
	assert_int_equal(fake_stops, 1);
	assert_null(last_fake);
}

static void test_fake_fails(void **state)
{
	static struct sf_config cfg;
	struct seen x = { 0 };
	fake_fail = true;
	fake_stops = 0;
	struct member *m = fake_member(&x, CLASS_LAN, &cfg);
	member_start_collectors(m, &cfg);
	assert_string_equal(m->collect_error, "fake: no modem");
	const char *reason = NULL;
	assert_string_equal(member_unusable(m, &reason), "unusable");
	assert_string_equal(reason, "fake: no modem");
	member_recheck(m);	/* nothing running: nothing called */
	member_free(m);
	assert_int_equal(fake_stops, 0);
	fake_fail = false;

	/* a disabled member starts nothing */
	m = fake_member(&x, CLASS_LAN, &cfg);
	m->cfg.enabled = false;
	member_start_collectors(m, &cfg);
	assert_null(m->coll[1].inst);
	assert_string_equal(member_unusable(m, &reason), "disabled");
	member_free(m);
}

/* ---- the real collectors through their ops ----------------------------- */

struct up {
	struct ev_loop *loop;
	int n;
	struct sample s;
	unsigned flags;
	int64_t delivered_ms;
};

static void up_sample(void *ctx, const struct sample *s, const struct collector_report *r)
{
	struct up *u = ctx;
	u->n++;
	u->s = *s;
	u->flags = r->flags;
	u->delivered_ms = clock_mono_ms();
	ev_break(u->loop, EVBREAK_ALL);
}

static void guard_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static void test_probe_ops(void **state)
{
	char err[200] = "";
	struct up u = { .loop = EV_DEFAULT };
	struct collector_host host = { .sample = up_sample, .ctx = &u };
	struct collector_args a = { .member = "wan", .device = "lo", .cls = CLASS_LAN, .params = NULL };
	assert_null(probe_collector.start(u.loop, &a, &host, err, sizeof(err)));
	assert_non_null(strstr(err, "no probe config"));

	static struct sf_config cfg;
	static struct config_report rep;
	const char *text = "config member 'wan'\n\toption device 'lo'\n\tlist probe_targets '127.0.0.1'\n";
	assert_int_equal(config_load_buffer("t.conf", text, strlen(text), &cfg, &rep), 0);
	struct probe_member_cfg pc;
	assert_int_equal(config_collector_params(&cfg, &cfg.members[0], &probe_collector, &pc, &a.params,
						 err, sizeof(err)), 0);
	void *inst = probe_collector.start(u.loop, &a, &host, err, sizeof(err));
	assert_non_null(inst);
	probe_collector.set_role(inst, COLLECTOR_PRIMARY);
	probe_collector.poll_now(inst);	/* no link known yet: nothing happens */
	struct probe_summary ps;
	probe_collector.probe_summary(inst, &ps);
	assert_false(ps.usable);
	assert_int_equal(ps.rounds, 0);
	assert_int_equal(ps.interval_ms, cfg.core.poll_interval_ms);	/* primary cadence */
	probe_collector.set_role(inst, COLLECTOR_STANDBY);
	probe_collector.probe_summary(inst, &ps);
	assert_int_equal(ps.interval_ms, cfg.probe.standby_interval_ms);
	assert_int_equal(u.n, 0);
	probe_collector.stop(inst);
}

/* The dish collector: a refused dish is one sample, stamped when it was known. */
static void test_starlink_ops(void **state)
{
	const struct collector_ops *sl = collector_find("starlink");
	if (!sl)
		skip();
	static struct sf_config cfg;
	static struct config_report rep;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &alen), 0);
	close(fd);	/* a port nothing listens on */
	char text[256];
	snprintf(text, sizeof(text), "config member 'starlink'\n\toption device 'lo'\n"
		 "\toption dish_host '127.0.0.1'\n\toption dish_port '%d'\n", ntohs(sa.sin_port));
	assert_int_equal(config_load_buffer("t.conf", text, strlen(text), &cfg, &rep), 0);

	char err[200];
	struct up u = { .loop = ev_loop_new(EVFLAG_AUTO) };
	struct collector_host host = { .sample = up_sample, .ctx = &u };
	struct probe_member_cfg pc;
	struct collector_args a = { .member = "starlink", .device = "", .cls = CLASS_STARLINK };
	assert_int_equal(config_collector_params(&cfg, &cfg.members[0], sl, &pc, &a.params, err,
						 sizeof(err)), 0);
	int64_t t0 = clock_mono_ms();
	void *inst = sl->start(u.loop, &a, &host, err, sizeof(err));
	assert_non_null(inst);
	ev_timer guard;
	ev_timer_init(&guard, guard_cb, 5., 0.);
	ev_timer_start(u.loop, &guard);
	ev_run(u.loop, 0);
	assert_int_equal(u.n, 1);
	assert_int_equal(u.flags, 0);
	assert_int_equal(u.s.sl.reachable, TRI_FALSE);
	assert_true(u.s.t_ms >= t0 && u.s.t_ms <= u.delivered_ms);
	assert_true(isnan(u.s.latency_ms));	/* only the dish block is filled */

	struct json_object *o = json_object_new_object();
	sl->metrics_json(inst, o);
	struct json_object *j, *k;
	assert_true(json_object_object_get_ex(o, "starlink", &j));
	assert_true(json_object_object_get_ex(j, "polls_failed", &k));
	assert_int_equal(json_object_get_int(k), 1);
	json_object_put(o);

	sl->poll_now(inst);	/* on demand: a second sample */
	ev_run(u.loop, 0);
	assert_int_equal(u.n, 2);
	ev_timer_stop(u.loop, &guard);
	sl->stop(inst);
	ev_loop_destroy(u.loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_config_params),
		cmocka_unit_test(test_fake_through_member),
		cmocka_unit_test(test_fake_fails),
		cmocka_unit_test(test_probe_ops),
		cmocka_unit_test(test_starlink_ops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
