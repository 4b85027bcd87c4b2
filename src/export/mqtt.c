/* mqtt.c - libmosquitto on the libev loop; see mqtt.h */
#include "mqtt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>
#include <mosquitto.h>

#include "clock.h"
#include "log.h"
#include "proc.h"
#include "text.h"

#define MQTT_MISC_MIN_S 1.0		/* loop_misc at most this often */
#define MQTT_ADDRS_MAX 8		/* addresses of a name kept and tried in turn */
#define MQTT_RESOLVE_OUT_CAP 2048
#define MQTT_RESOLVE_ERR_CAP 256

struct mqtt_client {
	struct ev_loop *loop;
	struct mqtt_opts o;
	struct mqtt_host host;
	struct mosquitto *mosq;
	bool started;			/* connect_async once; reconnect_async after */
	enum mqtt_state state;
	ev_io io;
	int io_fd, io_events;
	ev_timer misc;			/* connecting: the CONNACK deadline; connected: keepalive */
	ev_timer retry;
	int failures_in_row;
	int64_t retry_at_ms;
	/* set by libmosquitto's callbacks, handled after its call returns */
	bool connack;
	int refused;			/* CONNACK code != 0 */
	char last_error[200];
	char tls_detail[120];	/* libmosquitto's last "OpenSSL Error" log line, for MOSQ_ERR_TLS */
	time_t since, last_error_at;
	uint64_t connects, failures, published, dropped;
	int inflight;
	/* a broker name: resolved by a child before the attempts (see mqtt.h) */
	bool numeric;			/* o.host is an IPv4/IPv6 address */
	struct proc_pool *pool;
	struct proc_job *resolve_job;
	char addrs[MQTT_ADDRS_MAX][INET6_ADDRSTRLEN];
	int n_addrs, addr_next;
};

static int lib_users;

static const char *const state_names[__MQTT_STATE_MAX] = {
	[MQTT_OFF] = "off", [MQTT_CONNECTING] = "connecting", [MQTT_CONNECTED] = "connected",
	[MQTT_BACKOFF] = "backoff", [MQTT_RESOLVING] = "resolving",
};

static void set_state(struct mqtt_client *c, enum mqtt_state s)
{
	if (c->state != s)
		c->since = time(NULL);
	c->state = s;
}

__attribute__((format(printf, 2, 3))) static void set_error(struct mqtt_client *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->last_error, sizeof(c->last_error), fmt, ap);
	va_end(ap);
	c->last_error_at = time(NULL);
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents);

/* Watch libmosquitto's socket for what it needs now (its fd changes on reconnect). */
static void io_update(struct mqtt_client *c)
{
	int fd = c->state == MQTT_CONNECTING || c->state == MQTT_CONNECTED ? mosquitto_socket(c->mosq) : -1;
	int ev = EV_READ | (mosquitto_want_write(c->mosq) ? EV_WRITE : 0);
	if (fd == c->io_fd && ev == c->io_events)
		return;
	if (c->io_fd >= 0)
		ev_io_stop(c->loop, &c->io);
	c->io_fd = fd;
	c->io_events = ev;
	if (fd < 0)
		return;
	ev_io_init(&c->io, io_cb, fd, ev);
	c->io.data = c;
	ev_io_start(c->loop, &c->io);
}

/* Close what is left and try again after the backoff. */
static void fail(struct mqtt_client *c)
{
	c->failures++;
	c->failures_in_row++;
	ev_timer_stop(c->loop, &c->misc);
	set_state(c, MQTT_BACKOFF);
	io_update(c);
	double ms = c->o.retry_min_ms;
	for (int i = 1; i < c->failures_in_row && ms < c->o.retry_max_ms; i++)
		ms *= 2;
	if (ms > c->o.retry_max_ms)
		ms = c->o.retry_max_ms;
	ms *= 0.8 + 0.4 * ((double)(clock_mono_ms() % 1000) / 1000.0);
	c->retry_at_ms = clock_mono_ms() + (int64_t)ms;
	log_warn("mqtt: %s broker=%s:%d: retry in %d ms (failure %d in a row)", c->last_error,
		 c->o.host, c->o.port, (int)ms, c->failures_in_row);
	ev_timer_set(&c->retry, ms / 1000.0, 0);
	ev_timer_start(c->loop, &c->retry);
}

static const char *rc_text(int rc, int err)
{
	switch (rc) {
	case MOSQ_ERR_CONN_LOST:
		return "connection lost";
	case MOSQ_ERR_PROTOCOL:
	case MOSQ_ERR_MALFORMED_PACKET:
		return "protocol error: the broker sent something that is not MQTT";
	case MOSQ_ERR_ERRNO:
		return err ? strerror(err) : "connection closed";
	default:
		return mosquitto_strerror(rc);
	}
}

/*
 * libmosquitto's log: only its OpenSSL errors are kept, the reason a TLS
 * handshake failed ("certificate verify failed", "tlsv13 alert certificate
 * required"), which its return code (MOSQ_ERR_TLS) does not say. The text
 * after the last ':' of OpenSSL's "error:XXXXXXXX:lib:func:reason" line.
 */
static void on_log(struct mosquitto *mosq, void *ctx, int level, const char *line)
{
	(void)mosq;
	struct mqtt_client *c = ctx;
	if (!(level & MOSQ_LOG_ERR) || !line || strncmp(line, "OpenSSL Error", 13))
		return;
	const char *r = strrchr(line, ':');
	r = r && r[1] ? r + 1 : line;
	while (*r == ' ')
		r++;
	if (!c->tls_detail[0])	/* the first of a burst is the cause */
		text_copy_sanitized(c->tls_detail, sizeof(c->tls_detail), r);
}

/* What a failed libmosquitto call says, with OpenSSL's reason when it logged one. */
static void set_call_error(struct mqtt_client *c, const char *what, int rc, int err)
{
	if (c->tls_detail[0] && rc == MOSQ_ERR_TLS)
		set_error(c, "%s: TLS: %s", what, c->tls_detail);
	else if (c->tls_detail[0])
		set_error(c, "%s: %s (TLS: %s)", what, rc_text(rc, err), c->tls_detail);
	else
		set_error(c, "%s: %s", what, rc_text(rc, err));
	c->tls_detail[0] = 0;
}

/* After every libmosquitto call: act on what its callbacks said, watch its socket. */
static void after_call(struct mqtt_client *c, int rc, int err, const char *what)
{
	if (c->refused) {
		set_error(c, "broker refused the connection: %s", mosquitto_connack_string(c->refused));
		c->refused = 0;
		c->connack = false;
		mosquitto_disconnect(c->mosq);
		fail(c);
		return;
	}
	if (rc != MOSQ_ERR_SUCCESS) {
		set_call_error(c, what, rc, err);
		c->connack = false;
		fail(c);
		return;
	}
	if (c->connack && c->state == MQTT_CONNECTING) {
		c->connack = false;
		c->failures_in_row = 0;
		c->connects++;
		c->inflight = 0;	/* a clean session: what was queued before is gone */
		c->n_addrs = c->addr_next = 0;	/* after a loss: resolve the name again */
		set_state(c, MQTT_CONNECTED);
		log_info("mqtt: connected broker=%s:%d client_id=%s", c->o.host, c->o.port, c->o.client_id);
		double every = c->o.keepalive_s / 4.0;
		ev_timer_stop(c->loop, &c->misc);
		ev_timer_set(&c->misc, every, every < MQTT_MISC_MIN_S ? MQTT_MISC_MIN_S : every);
		ev_timer_start(c->loop, &c->misc);
		if (c->host.connected)
			c->host.connected(c->host.ctx);
	}
	if (c->state != MQTT_BACKOFF && mosquitto_socket(c->mosq) < 0) {
		set_error(c, "%s: connection closed", what);
		fail(c);
		return;
	}
	io_update(c);
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct mqtt_client *c = w->data;
	int rc = MOSQ_ERR_SUCCESS;
	errno = 0;
	if (revents & EV_READ)
		rc = mosquitto_loop_read(c->mosq, 1);
	/* TLS: the handshake advances on reads whichever way the socket is ready */
	if (rc == MOSQ_ERR_SUCCESS && (revents & EV_WRITE) && c->o.tls && !(revents & EV_READ))
		rc = mosquitto_loop_read(c->mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS && (revents & EV_WRITE) && !c->refused)
		rc = mosquitto_loop_write(c->mosq, 1);
	after_call(c, rc, errno, revents & EV_READ ? "read" : "write");
}

static void misc_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct mqtt_client *c = w->data;
	if (c->state == MQTT_CONNECTING) {
		set_error(c, "no CONNACK within %d ms", c->o.connect_timeout_ms);
		mosquitto_disconnect(c->mosq);
		fail(c);
		return;
	}
	errno = 0;
	int rc = mosquitto_loop_misc(c->mosq);
	after_call(c, rc == MOSQ_ERR_NO_CONN ? MOSQ_ERR_CONN_LOST : rc, errno, "keepalive");
}

/* One attempt towards target (an address, or the name when TLS checks it). */
static void connect_to(struct mqtt_client *c, const char *target)
{
	errno = 0;
	c->tls_detail[0] = 0;
	int rc = c->started && c->numeric ? mosquitto_reconnect_async(c->mosq)
					  : mosquitto_connect_async(c->mosq, target, c->o.port, c->o.keepalive_s);
	c->started = true;
	c->connack = false;
	c->refused = 0;
	set_state(c, MQTT_CONNECTING);
	if (rc != MOSQ_ERR_SUCCESS) {
		int err = errno;
		if (rc == MOSQ_ERR_EAI)
			set_error(c, "connect: cannot resolve the broker's name");
		else
			set_call_error(c, "connect", rc, err);
		fail(c);
		return;
	}
	ev_timer_stop(c->loop, &c->misc);
	ev_timer_set(&c->misc, c->o.connect_timeout_ms / 1000.0, 0);
	ev_timer_start(c->loop, &c->misc);
	io_update(c);
}

/* The numeric addresses the child printed, one a line; anything else is skipped. */
static int parse_addrs(struct mqtt_client *c, const char *out)
{
	c->n_addrs = c->addr_next = 0;
	while (*out && c->n_addrs < MQTT_ADDRS_MAX) {
		size_t n = strcspn(out, "\n");
		char line[INET6_ADDRSTRLEN];
		unsigned char bin[sizeof(struct in6_addr)];
		if (n < sizeof(line)) {
			memcpy(line, out, n);
			line[n] = '\0';
			if (inet_pton(AF_INET, line, bin) == 1 || inet_pton(AF_INET6, line, bin) == 1)
				memcpy(c->addrs[c->n_addrs++], line, n + 1);
		}
		out += n;
		if (*out)
			out++;
	}
	return c->n_addrs;
}

static void on_resolved(const struct proc_result *res, void *ctx)
{
	struct mqtt_client *c = ctx;
	c->resolve_job = NULL;
	if (!res->ok) {
		char why[MQTT_RESOLVE_ERR_CAP];
		if (res->exited && res->exit_code == 2 && res->err_len) {
			snprintf(why, sizeof(why), "%.*s", (int)strcspn(res->err, "\n"), res->err);
			text_sanitize(why);
		} else {
			snprintf(why, sizeof(why), "%s", res->reason);
		}
		set_error(c, "resolve %s: %s", c->o.host, why);
		fail(c);
		return;
	}
	if (!parse_addrs(c, res->out)) {
		set_error(c, "resolve %s: no address in the resolver's answer", c->o.host);
		fail(c);
		return;
	}
	log_debug("mqtt: resolved broker=%s addresses=%d first=%s in %llu ms", c->o.host, c->n_addrs,
		  c->addrs[0], (unsigned long long)res->duration_ms);
	if (c->o.tls) {
		c->n_addrs = 0;		/* the name, right after it was resolved: from the cache */
		connect_to(c, c->o.host);
	} else {
		connect_to(c, c->addrs[c->addr_next++]);
	}
}

static void resolve_start(struct mqtt_client *c)
{
	const char *argv[] = { c->o.resolver, "--resolve", c->o.host, NULL };
	struct proc_spec sp = { .argv = argv, .timeout_ms = c->o.resolve_timeout_ms,
				.out_cap = MQTT_RESOLVE_OUT_CAP, .err_cap = MQTT_RESOLVE_ERR_CAP };
	set_state(c, MQTT_RESOLVING);
	io_update(c);
	c->resolve_job = proc_run(c->pool, &sp, on_resolved, c);
	if (!c->resolve_job) {
		set_error(c, "resolve %s: %s", c->o.host, proc_pool_last_error(c->pool));
		fail(c);
	}
}

static void try_connect(struct mqtt_client *c)
{
	if (c->numeric)
		connect_to(c, c->o.host);
	else if (c->addr_next < c->n_addrs)
		connect_to(c, c->addrs[c->addr_next++]);	/* the next address of the list */
	else
		resolve_start(c);
}

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	try_connect(w->data);
}

static void on_connect(struct mosquitto *m, void *obj, int rc)
{
	struct mqtt_client *c = obj;
	if (rc)
		c->refused = rc;
	else
		c->connack = true;
}

static void on_publish(struct mosquitto *m, void *obj, int mid)
{
	struct mqtt_client *c = obj;
	if (c->inflight > 0)
		c->inflight--;
}

struct mqtt_client *mqtt_new(struct ev_loop *loop, const struct mqtt_opts *opts,
			     const struct mqtt_host *host, char *err, size_t errlen)
{
	if (!lib_users++)
		mosquitto_lib_init();
	struct mqtt_client *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	c->loop = loop;
	c->o = *opts;
	c->host = *host;
	c->io_fd = -1;
	c->since = time(NULL);
	unsigned char bin[sizeof(struct in6_addr)];
	c->numeric = inet_pton(AF_INET, opts->host, bin) == 1 || inet_pton(AF_INET6, opts->host, bin) == 1;
	if (!c->numeric) {
		if (!*opts->resolver || opts->resolve_timeout_ms < 1 ||
		    opts->resolve_timeout_ms > PROC_TIMEOUT_MS_MAX) {
			snprintf(err, errlen, "broker name '%s': no resolver or a bad resolve timeout", opts->host);
			goto fail;
		}
		c->pool = proc_pool_new(loop, 1, 0);
		if (!c->pool) {
			snprintf(err, errlen, "resolver pool: %s", strerror(errno));
			goto fail;
		}
	}
	c->mosq = mosquitto_new(opts->client_id, true, c);
	if (!c->mosq) {
		snprintf(err, errlen, "mosquitto_new: %s", strerror(errno));
		goto fail;
	}
	mosquitto_connect_callback_set(c->mosq, on_connect);
	mosquitto_publish_callback_set(c->mosq, on_publish);
	if (opts->tls)
		mosquitto_log_callback_set(c->mosq, on_log);
	int rc = MOSQ_ERR_SUCCESS;
	if (*opts->username)
		rc = mosquitto_username_pw_set(c->mosq, opts->username, *opts->password ? opts->password : NULL);
	if (rc == MOSQ_ERR_SUCCESS && opts->tls) {
		rc = mosquitto_tls_set(c->mosq, *opts->tls_ca_file ? opts->tls_ca_file : NULL,
				       *opts->tls_ca_file ? NULL : "/etc/ssl/certs",
				       *opts->tls_cert_file ? opts->tls_cert_file : NULL,
				       *opts->tls_key_file ? opts->tls_key_file : NULL, NULL);
		if (rc == MOSQ_ERR_SUCCESS && opts->tls_insecure)
			rc = mosquitto_tls_insecure_set(c->mosq, true);
	}
	if (rc == MOSQ_ERR_SUCCESS && *opts->will_topic)
		rc = mosquitto_will_set(c->mosq, opts->will_topic, (int)strlen(opts->will_payload),
					opts->will_payload, 1, true);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(err, errlen, "options refused by libmosquitto: %s",
			 rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		goto fail;
	}
	ev_timer_init(&c->misc, misc_cb, 1, 0);
	c->misc.data = c;
	ev_timer_init(&c->retry, retry_cb, 1, 0);
	c->retry.data = c;
	try_connect(c);
	return c;
fail:
	if (c && c->mosq)
		mosquitto_destroy(c->mosq);
	if (c && c->pool)
		proc_pool_free(c->pool);
	free(c);
	if (!--lib_users)
		mosquitto_lib_cleanup();
	return NULL;
}

void mqtt_free(struct mqtt_client *c)
{
	if (!c)
		return;
	if (c->state == MQTT_CONNECTED && *c->o.will_topic) {
		/* a clean stop says so itself: the broker drops the will on DISCONNECT */
		mosquitto_publish(c->mosq, NULL, c->o.will_topic, (int)strlen(c->o.stop_payload),
				  c->o.stop_payload, 1, true);
		mosquitto_disconnect(c->mosq);
		for (int i = 0; i < 4 && mosquitto_want_write(c->mosq); i++)
			if (mosquitto_loop_write(c->mosq, 8) != MOSQ_ERR_SUCCESS)
				break;
	}
	if (c->io_fd >= 0)
		ev_io_stop(c->loop, &c->io);
	ev_timer_stop(c->loop, &c->misc);
	ev_timer_stop(c->loop, &c->retry);
	if (c->resolve_job)
		proc_abandon(c->resolve_job);
	if (c->pool)
		proc_pool_free(c->pool);
	mosquitto_destroy(c->mosq);
	free(c);
	if (!--lib_users)
		mosquitto_lib_cleanup();
}

bool mqtt_connected(const struct mqtt_client *c)
{
	return c && c->state == MQTT_CONNECTED;
}

int mqtt_publish(struct mqtt_client *c, const char *topic, const void *payload, size_t len, int qos,
		 bool retain)
{
	if (!mqtt_connected(c) || c->inflight >= c->o.max_inflight || len > 256 * 1024) {
		if (c)
			c->dropped++;
		return -1;
	}
	c->inflight++;	/* first: a QoS 0 message written at once is acked inside the call */
	errno = 0;
	int rc = mosquitto_publish(c->mosq, NULL, topic, (int)len, payload, qos, retain);
	int err = errno;
	if (rc != MOSQ_ERR_SUCCESS) {
		if (c->inflight > 0)
			c->inflight--;
		c->dropped++;
		log_debug("mqtt: publish refused topic=%s: %s", topic, mosquitto_strerror(rc));
		if (mosquitto_socket(c->mosq) < 0 || rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_ERRNO)
			after_call(c, rc, err, "publish");
		return -1;
	}
	c->published++;
	io_update(c);
	return 0;
}

void mqtt_status_fill(const struct mqtt_client *c, struct mqtt_status_view *v)
{
	if (!c) {
		v->state = state_names[MQTT_OFF];
		v->retry_in_ms = -1;
		return;
	}
	v->state = state_names[c->state];
	snprintf(v->broker_store, sizeof(v->broker_store), "%s:%d", c->o.host, c->o.port);
	v->broker = v->broker_store;
	if (*c->last_error) {
		snprintf(v->error_store, sizeof(v->error_store), "%s", c->last_error);
		v->last_error = v->error_store;
		v->last_error_at = (int64_t)c->last_error_at;
	}
	v->since = (int64_t)c->since;
	v->connects = c->connects;
	v->failures = c->failures;
	v->published = c->published;
	v->dropped = c->dropped;
	v->inflight = c->inflight;
	v->retry_in_ms = -1;
	if (c->state == MQTT_BACKOFF) {
		int64_t left = c->retry_at_ms - clock_mono_ms();
		v->retry_in_ms = left > 0 ? (int)left : 0;
	}
}
