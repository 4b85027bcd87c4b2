/*
 * test_member_fault.c - collector faults through a member (collector.h
 * collector_host.fault, member.h): raised, repeated (counted, not
 * announced), changed, cleared; the host hears each change once; an
 * essential collector's fault makes the member unusable (and down for the
 * engine at once), any other only
 * shows beside the state; the "still
 * failing" summary comes from a timer while the fault lasts. Then the real
 * prober's unusable states: targets of a family the device has no address
 * of, and (in a namespace of its own, without privileges) no ICMP socket.
 */
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "clock.h"
#include "collector.h"
#include "config.h"
#include "log.h"
#include "member.h"
#include "probe.h"

/* ---- two fake collectors: one essential, one not ------------------------ */

static struct collector_host hosts[2];	/* [0] essential, [1] extra */

static void *ess_start(struct ev_loop *loop, const struct collector_args *a,
		       const struct collector_host *host, char *err, size_t errlen)
{
	hosts[0] = *host;
	return &hosts[0];
}

static void *extra_start(struct ev_loop *loop, const struct collector_args *a,
			 const struct collector_host *host, char *err, size_t errlen)
{
	hosts[1] = *host;
	return &hosts[1];
}

static void fk_stop(void *inst)
{
}

static const struct collector_ops ess_ops = {
	.name = "ess", .classes = COLLECT_CLASS_ALL, .fills = COLLECT_FILLS_PROBE,
	.start = ess_start, .stop = fk_stop, .essential = true,
};
static const struct collector_ops extra_ops = {
	.name = "dish", .classes = COLLECT_CLASS(CLASS_STARLINK), .fills = COLLECT_FILLS_STARLINK,
	.start = extra_start, .stop = fk_stop,
};
static const struct collector_ops *const registry[] = { &ess_ops, &extra_ops, NULL };

struct heard {
	int faults, links;
	const struct collector_ops *ops[16];
	struct member_fault f[16];
	enum tri link_up[16];
};

static void on_observe(void *ctx, struct member *m, const struct sample *s, unsigned flags)
{
	struct heard *h = ctx;
	if ((flags & MEMBER_OBS_LINK) && h->links < 16)
		h->link_up[h->links++] = s->link_up;
}

static void on_fault(void *ctx, struct member *m, const struct collector_ops *ops,
		     const struct member_fault *f)
{
	struct heard *h = ctx;
	if (h->faults < 16) {
		h->ops[h->faults] = ops;
		h->f[h->faults] = *f;
	}
	h->faults++;
}

static struct member *new_member(struct heard *h, const struct collector_ops *const *reg,
				 const char *device, struct sf_config *cfg)
{
	struct member_config mc;
	memset(&mc, 0, sizeof(mc));
	snprintf(mc.name, sizeof(mc.name), "sl");
	snprintf(mc.device, sizeof(mc.device), "%s", device);
	mc.cls = CLASS_STARLINK;
	mc.enabled = true;
	struct member_host host = { .observe = on_observe, .fault = on_fault, .ctx = h };
	struct member *m = member_new(EV_DEFAULT, &mc, 16, &host);
	assert_non_null(m);
	m->registry = reg;
	(void)cfg;
	return m;
}

static struct link_info usable_link(const char *dev)
{
	struct link_info li = { .exists = true, .carrier = true, .admin_up = true, .ifindex = 1 };
	snprintf(li.ifname, sizeof(li.ifname), "%s", dev);
	li.v4.has_addr = li.v4.has_route = true;
	li.v4.addr.v4.s_addr = htonl(INADDR_LOOPBACK);
	return li;
}

static void test_fault_changes(void **state)
{
	static struct sf_config cfg;
	struct heard h = { 0 };
	config_defaults(&cfg);
	struct member *m = new_member(&h, registry, "eth1", &cfg);
	member_start_collectors(m, &cfg);
	struct link_info li = usable_link("eth1");
	member_link_changed(m, &li);
	assert_int_equal(h.links, 1);
	assert_int_equal(h.link_up[0], TRI_TRUE);
	const char *reason = NULL;
	assert_null(member_unusable(m, &reason));

	char text[400];
	int64_t since_wall = 0, since_ms = 0;
	uint64_t failures = 0;
	assert_int_equal(member_faults(m, text, sizeof(text), &since_wall, &since_ms, &failures), 0);
	assert_string_equal(text, "");
	hosts[1].fault(hosts[1].ctx, NULL);	/* works, never failed: nothing to say */
	assert_int_equal(h.faults, 0);

	/* the dish API fails: raised once, repeats counted, the member keeps its state */
	int64_t t0 = clock_mono_ms(), w0 = clock_wall_ms() / 1000;
	hosts[1].fault(hosts[1].ctx, "dish API answered gRPC status 7 PERMISSION_DENIED");
	assert_int_equal(h.faults, 1);
	assert_ptr_equal(h.ops[0], &extra_ops);
	assert_true(h.f[0].active);
	assert_string_equal(h.f[0].reason, "dish API answered gRPC status 7 PERMISSION_DENIED");
	assert_true(h.f[0].since_ms >= t0 && h.f[0].since_wall_s >= w0);
	for (int i = 0; i < 5; i++)
		hosts[1].fault(hosts[1].ctx, "dish API answered gRPC status 7 PERMISSION_DENIED");
	assert_int_equal(h.faults, 1);		/* no event per poll */
	assert_null(member_unusable(m, &reason));	/* not essential */
	assert_int_equal(h.links, 1);
	assert_int_equal(member_faults(m, text, sizeof(text), &since_wall, &since_ms, &failures), 1);
	assert_string_equal(text, "dish: dish API answered gRPC status 7 PERMISSION_DENIED");
	assert_int_equal(failures, 6);
	assert_int_equal(since_ms, h.f[0].since_ms);

	/* another reason: one change, the fault goes on (since kept, failures count on) */
	hosts[1].fault(hosts[1].ctx, "dish API 192.168.100.1:9200 refused the connection");
	assert_int_equal(h.faults, 2);
	assert_true(h.f[1].active);
	assert_string_equal(h.f[1].reason, "dish API 192.168.100.1:9200 refused the connection");
	assert_int_equal(h.f[1].since_ms, h.f[0].since_ms);
	assert_int_equal(h.f[1].failures, 7);

	/* the essential one fails too: member unusable, and the engine is told at once
	   (link_up false) instead of finding out after round_stale_ms without rounds;
	   the device's own link state stays what the link monitor said */
	hosts[0].fault(hosts[0].ctx, "no IPv6 address or default route on eth1 for the probe targets");
	assert_int_equal(h.faults, 3);
	assert_string_equal(member_unusable(m, &reason), "unusable");
	assert_string_equal(reason, "no IPv6 address or default route on eth1 for the probe targets");
	assert_int_equal(h.links, 2);
	assert_int_equal(h.link_up[1], TRI_FALSE);
	assert_int_equal(member_view(m)->link_up, TRI_TRUE);
	hosts[0].fault(hosts[0].ctx, "no IPv6 address or default route on eth1 for the probe targets");
	assert_int_equal(h.links, 2);		/* the same fault again: nothing new for the engine */
	assert_int_equal(member_faults(m, text, sizeof(text), &since_wall, &since_ms, &failures), 2);
	assert_non_null(strstr(text, "ess: no IPv6 address"));
	assert_non_null(strstr(text, "; dish: dish API 192.168.100.1:9200 refused"));
	assert_int_equal(failures, 9);
	/* a link report with the fault still there changes nothing */
	member_link_changed(m, &li);
	assert_int_equal(h.links, 2);
	assert_string_equal(member_unusable(m, &reason), "unusable");

	/* both clear: one event each; the engine hears the member is up again */
	hosts[0].fault(hosts[0].ctx, NULL);
	assert_int_equal(h.faults, 4);
	assert_int_equal(h.links, 3);
	assert_int_equal(h.link_up[2], TRI_TRUE);
	assert_false(h.f[3].active);
	assert_string_equal(h.f[3].reason, "no IPv6 address or default route on eth1 for the probe targets");
	assert_null(member_unusable(m, &reason));
	hosts[1].fault(hosts[1].ctx, NULL);
	hosts[1].fault(hosts[1].ctx, NULL);
	assert_int_equal(h.faults, 5);
	assert_false(h.f[4].active);
	assert_int_equal(h.f[4].failures, 7);
	assert_int_equal(member_faults(m, text, sizeof(text), &since_wall, &since_ms, &failures), 0);
	member_free(m);
}

/* An essential fault before the link monitor has spoken: the link's reason comes first. */
static void test_fault_before_link(void **state)
{
	static struct sf_config cfg;
	struct heard h = { 0 };
	config_defaults(&cfg);
	struct member *m = new_member(&h, registry, "eth1", &cfg);
	member_start_collectors(m, &cfg);
	hosts[0].fault(hosts[0].ctx, "ICMP socket: Permission denied");
	assert_int_equal(h.faults, 1);
	const char *reason;
	/* the link is not known yet: that is what the member says first */
	assert_string_equal(member_unusable(m, &reason), "unusable");
	assert_string_equal(reason, "link state not known yet");
	struct link_info li = usable_link("eth1");
	member_link_changed(m, &li);
	assert_int_equal(h.links, 1);
	assert_int_equal(h.link_up[0], TRI_FALSE);	/* the device is fine, the prober is not */
	assert_int_equal(member_view(m)->link_up, TRI_TRUE);
	assert_string_equal(member_unusable(m, &reason), "unusable");
	assert_string_equal(reason, "ICMP socket: Permission denied");
	member_free(m);
}

static void stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static void run_for(double s)
{
	ev_timer t;
	ev_timer_init(&t, stop_cb, s, 0.);
	ev_timer_start(EV_DEFAULT, &t);
	ev_run(EV_DEFAULT, 0);
	ev_timer_stop(EV_DEFAULT, &t);
}

/* Read what the daemon logged to stderr while fn ran. */
static void capture(char *out, size_t len, void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/sf-fault-log-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ssize_t n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(path);
}

static void summary_run(void *arg)
{
	struct member *m = arg;
	hosts[1].fault(hosts[1].ctx, "dish API 127.0.0.1:9 refused the connection");
	for (int i = 0; i < 3; i++)
		hosts[1].fault(hosts[1].ctx, "dish API 127.0.0.1:9 refused the connection");
	run_for(0.15);	/* summaries every 100 ms: one at 100 ms, */
	hosts[1].fault(hosts[1].ctx, "dish API 127.0.0.1:9 refused the connection");
	run_for(0.12);	/* one at 200 ms */
	hosts[1].fault(hosts[1].ctx, NULL);
	run_for(0.25);	/* cleared: no more */
	(void)m;
}

static void test_fault_summary(void **state)
{
	static struct sf_config cfg;
	static char log[8192];
	struct heard h = { 0 };
	config_defaults(&cfg);
	log_open("test", LOG_TO_STDERR);
	log_set_level(LOG_LVL_INFO);
	struct member *m = new_member(&h, registry, "eth1", &cfg);
	m->fault_summary_ms = 100;
	member_start_collectors(m, &cfg);
	capture(log, sizeof(log), summary_run, m);
	/* one line when it starts, a summary per interval, one when it ends; not one per poll */
	const char *raised = strstr(log, "fault: member=sl collector=dish reason=\"dish API 127.0.0.1:9 refused");
	assert_non_null(raised);
	int summaries = 0;
	for (const char *p = log; (p = strstr(p, "still failing for 0 min")); p++)
		summaries++;
	assert_int_equal(summaries, 2);
	assert_non_null(strstr(log, "still failing for 0 min, 4 failed attempts reason=\"dish API"));
	assert_non_null(strstr(log, "still failing for 0 min, 5 failed attempts reason=\"dish API"));
	assert_null(strstr(log, "repeated"));	/* no line per poll to collapse */
	assert_non_null(strstr(log, "fault cleared: member=sl collector=dish after_s=0 failures=5"));
	assert_false(ev_is_active(&m->fault_timer));
	member_free(m);
}

/* ---- the real prober: its unusable states -------------------------------- */

static const struct collector_ops *const probe_registry[] = { &probe_collector, NULL };

static struct member *probe_member(struct heard *h, struct sf_config *cfg, const char *targets)
{
	static struct config_report rep;
	char text[256];
	snprintf(text, sizeof(text), "config member 'wan'\n\toption device 'lo'\n%s", targets);
	assert_int_equal(config_load_buffer("t.conf", text, strlen(text), cfg, &rep), 0);
	struct member_host host = { .observe = on_observe, .fault = on_fault, .ctx = h };
	struct member *m = member_new(EV_DEFAULT, &cfg->members[0], 16, &host);
	assert_non_null(m);
	m->registry = probe_registry;
	member_start_collectors(m, cfg);
	assert_string_equal(m->collect_error, "");
	return m;
}

static void test_prober_family(void **state)
{
	static struct sf_config cfg;
	struct heard h = { 0 };
	struct member *m = probe_member(&h, &cfg, "\tlist probe_targets '2001:db8::1'\n");
	const char *reason = NULL;

	/* lo is up with IPv4 only; the one target is IPv6 */
	struct link_info li = usable_link("lo");
	member_link_changed(m, &li);
	assert_int_equal(h.faults, 1);
	assert_ptr_equal(h.ops[0], &probe_collector);
	assert_string_equal(h.f[0].reason, "no IPv6 address or default route on lo for the probe targets");
	assert_string_equal(member_unusable(m, &reason), "unusable");
	assert_string_equal(reason, "no IPv6 address or default route on lo for the probe targets");
	member_link_changed(m, &li);	/* told again: counted, not announced */
	assert_int_equal(h.faults, 1);
	assert_int_equal(m->coll[0].fault.failures, 2);

	/* the device goes down: the link monitor's to say, the fault stays as it was */
	struct link_info down = li;
	down.carrier = false;
	snprintf(down.reason, sizeof(down.reason), "no carrier");
	member_link_changed(m, &down);
	assert_int_equal(h.faults, 1);
	assert_string_equal(member_unusable(m, &reason), "down");
	assert_string_equal(reason, "no carrier");

	/* an IPv6 address and route appear: the prober opens its sockets, the fault clears */
	li.v6.has_addr = li.v6.has_route = true;
	li.v6.addr.v6 = in6addr_loopback;
	member_link_changed(m, &li);
	struct probe_summary ps;
	assert_true(member_probe_summary(m, &ps));
	if (geteuid() == 0) {	/* SO_BINDTODEVICE and raw sockets: root here */
		assert_true(ps.usable);
		assert_int_equal(h.faults, 2);
		assert_false(h.f[1].active);
		assert_null(member_unusable(m, &reason));
	}
	member_free(m);

	/* IPv4 targets on a device with IPv6 only */
	struct heard h4 = { 0 };
	m = probe_member(&h4, &cfg, "\tlist probe_targets '192.0.2.1'\n");
	struct link_info v6only = usable_link("lo");
	v6only.v4.has_addr = v6only.v4.has_route = false;
	v6only.v6.has_addr = v6only.v6.has_route = true;
	member_link_changed(m, &v6only);
	assert_int_equal(h4.faults, 1);
	assert_string_equal(h4.f[0].reason, "no IPv4 address or default route on lo for the probe targets");
	member_free(m);
}

/*
 * No CAP_NET_RAW and no ping-socket permission: in a network namespace of
 * its own whose net.ipv4.ping_group_range admits nobody, as uid nobody.
 */
static void test_prober_no_socket(void **state)
{
	if (geteuid() != 0)
		skip();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(77);
		int fd = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY);
		if (fd < 0 || write(fd, "1 0", 3) != 3)
			_exit(77);
		close(fd);
		if (setgid(65534) || setuid(65534))
			_exit(77);
		static struct sf_config cfg;
		struct heard h = { 0 };
		struct member *m = probe_member(&h, &cfg, "\tlist probe_targets '192.0.2.1'\n");
		struct link_info li = usable_link("lo");
		member_link_changed(m, &li);
		const char *reason = NULL;
		const char *st = member_unusable(m, &reason);
		int ok = h.faults == 1 && st && !strcmp(st, "unusable") &&
			 strstr(reason, "ICMP socket:") && strstr(reason, "Permission denied") &&
			 strstr(reason, "needs CAP_NET_RAW or a group in net.ipv4.ping_group_range") &&
			 h.links == 1;
		if (!ok)
			fprintf(stderr, "faults=%d state=%s reason=%s\n", h.faults, st ? st : "-",
				reason ? reason : "-");
		member_free(m);
		_exit(ok ? 0 : 1);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_changes),
		cmocka_unit_test(test_fault_before_link),
		cmocka_unit_test(test_fault_summary),
		cmocka_unit_test(test_prober_family),
		cmocka_unit_test(test_prober_no_socket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
