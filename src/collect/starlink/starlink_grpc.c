/* starlink_grpc.c - see starlink_grpc.h */
#include "starlink_grpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <ev.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "text.h"
#include "starlink_pool.h"

#define RX_CHUNK 16384
#define OUT_CAP (16384 + 64)		/* we only send small frames */

enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_UP };

struct sl_grpc {
	struct ev_loop *loop;
	struct sl_grpc_cfg cfg;
	char host[64], bind_device[32], authority[80], timeout_hdr[16];
	struct sockaddr_storage addr;
	socklen_t addr_len;
	sl_grpc_done_fn *done;
	void *ctx;

	enum conn_state state;
	int fd;
	ev_io rio, wio;
	ev_timer deadline;
	ev_timer kick;			/* delivers results outside of callbacks */
	nghttp2_session *session;
	nghttp2_session_callbacks *cbs;
	struct sl_pool pool;
	nghttp2_mem mem;
	unsigned long connects;

	unsigned long retries;

	/* the call in progress */
	bool busy, finished;
	bool reused, retried;		/* started on an open connection; retried once */
	ev_tstamp started;
	int32_t stream_id;
	uint8_t req[SL_GRPC_REQ_CAP + SL_GRPC_PREFIX_LEN];
	size_t req_len, req_off;
	uint8_t *rx;			/* SL_GRPC_PREFIX_LEN + msg_cap */
	size_t rx_len, rx_cap;
	size_t hdr_bytes;
	int http_status, grpc_status;
	bool ctype_ok, ctype_seen;
	char grpc_msg[128];
	size_t tx_bytes, rx_bytes;
	struct sl_grpc_result res;
	char err_text[192];
	char h2_error[112];		/* last protocol error nghttp2 reported */

	uint8_t out[OUT_CAP];		/* unsent tail of the last nghttp2 chunk */
	size_t out_len, out_off;
	uint8_t rxbuf[RX_CHUNK];
};

enum starlink_error sl_grpc_frame_parse(const uint8_t *buf, size_t len, size_t cap,
					const uint8_t **msg, size_t *msg_len,
					char *err, size_t err_len)
{
	if (len < SL_GRPC_PREFIX_LEN) {
		snprintf(err, err_len, "reply has %zu bytes, shorter than the 5-byte gRPC prefix", len);
		return SL_ERR_FRAME;
	}
	if (buf[0] != 0) {
		snprintf(err, err_len, "gRPC message flag 0x%02x (compression not requested)", buf[0]);
		return SL_ERR_FRAME;
	}
	uint32_t n = (uint32_t)buf[1] << 24 | (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 8 | buf[4];
	if (n > cap) {
		snprintf(err, err_len, "gRPC message length %u over the cap %zu", n, cap);
		return SL_ERR_FRAME;
	}
	if (len - SL_GRPC_PREFIX_LEN < n) {
		snprintf(err, err_len, "gRPC message truncated: %zu of %u bytes",
			 len - SL_GRPC_PREFIX_LEN, n);
		return SL_ERR_FRAME;
	}
	if (len - SL_GRPC_PREFIX_LEN > n) {
		snprintf(err, err_len, "%zu bytes after the gRPC message (unary reply)",
			 len - SL_GRPC_PREFIX_LEN - n);
		return SL_ERR_FRAME;
	}
	*msg = buf + SL_GRPC_PREFIX_LEN;
	*msg_len = n;
	return SL_ERR_NONE;
}

void sl_grpc_percent_decode(const uint8_t *in, size_t in_len, char *out, size_t out_len)
{
	size_t o = 0;

	if (!out_len)
		return;
	for (size_t i = 0; i < in_len && o + 1 < out_len; i++) {
		uint8_t c = in[i];
		if (c == '%' && i + 2 < in_len && text_hexval(in[i + 1]) >= 0 && text_hexval(in[i + 2]) >= 0) {
			c = (uint8_t)(text_hexval(in[i + 1]) << 4 | text_hexval(in[i + 2]));
			i += 2;
		}
		out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	out[o] = '\0';
}

static void conn_close(struct sl_grpc *g)
{
	ev_io_stop(g->loop, &g->rio);
	ev_io_stop(g->loop, &g->wio);
	if (g->session) {
		nghttp2_session_del(g->session);
		g->session = NULL;
	}
	if (g->fd >= 0) {
		close(g->fd);
		g->fd = -1;
	}
	g->state = CONN_DOWN;
	g->out_len = g->out_off = 0;
	g->h2_error[0] = '\0';
}

/* End the call: result goes out from the kick timer, never re-entrantly. */
static void call_fail(struct sl_grpc *g, enum starlink_error e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void call_finish(struct sl_grpc *g)
{
	if (!g->busy || g->finished)
		return;
	g->finished = true;
	ev_timer_stop(g->loop, &g->deadline);
	ev_timer_set(&g->kick, 0., 0.);
	ev_timer_start(g->loop, &g->kick);
}

static void call_fail(struct sl_grpc *g, enum starlink_error e, const char *fmt, ...)
{
	va_list ap;

	if (!g->busy || g->finished)
		return;
	g->res.err = e;
	va_start(ap, fmt);
	vsnprintf(g->err_text, sizeof(g->err_text), fmt, ap);
	va_end(ap);
	call_finish(g);
}

static void attempt_reset(struct sl_grpc *g);
static void conn_open(struct sl_grpc *g);

static void kick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sl_grpc *g = w->data;
	struct sl_grpc_result r;

	if (!g->busy)
		return;
	/*
	 * The dish may have closed an idle connection just as we reused it: try
	 * once more on a fresh one, within the same deadline (as grpc clients do).
	 */
	if (g->res.err == SL_ERR_CLOSED && g->reused && !g->retried && g->http_status < 0) {
		ev_tstamp left = g->cfg.timeout_ms / 1000. - (ev_now(loop) - g->started);
		if (left > 0.05) {
			log_debug("starlink: reused connection closed, retrying host=%s reason=\"%s\"",
				  g->host, g->err_text);
			conn_close(g);
			g->retried = true;
			g->retries++;
			attempt_reset(g);
			ev_timer_set(&g->deadline, left, 0.);
			ev_timer_start(loop, &g->deadline);
			conn_open(g);
			return;
		}
	}
	r = g->res;
	r.tx_bytes = g->tx_bytes;
	r.rx_bytes = g->rx_bytes;
	r.text = g->err_text;
	if (r.err != SL_ERR_NONE) {
		r.msg = NULL;
		r.msg_len = 0;
		/* a clean gRPC error leaves the connection usable */
		if (r.err != SL_ERR_GRPC_STATUS)
			conn_close(g);
	}
	g->busy = false;
	g->done(g->ctx, &r);
}

/* Write what nghttp2 has to send; arm the write watcher on EAGAIN. */
static int conn_flush(struct sl_grpc *g)
{
	for (;;) {
		if (g->out_off < g->out_len) {
			ssize_t n = send(g->fd, g->out + g->out_off, g->out_len - g->out_off, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK) {
					ev_io_start(g->loop, &g->wio);
					return 0;
				}
				if (errno == EINTR)
					continue;
				call_fail(g, SL_ERR_CLOSED, "send: %s", strerror(errno));
				conn_close(g);
				return -1;
			}
			g->tx_bytes += (size_t)n;
			g->out_off += (size_t)n;
			continue;
		}
		const uint8_t *data;
		ssize_t n = nghttp2_session_mem_send(g->session, &data);
		if (n < 0) {
			call_fail(g, SL_ERR_HTTP2, "nghttp2 send: %s", nghttp2_strerror((int)n));
			conn_close(g);
			return -1;
		}
		if (n == 0)
			break;
		if ((size_t)n > sizeof(g->out)) {
			call_fail(g, SL_ERR_HTTP2, "nghttp2 chunk of %zd bytes over the send buffer", n);
			conn_close(g);
			return -1;
		}
		memcpy(g->out, data, (size_t)n);
		g->out_len = (size_t)n;
		g->out_off = 0;
	}
	ev_io_stop(g->loop, &g->wio);
	if (!nghttp2_session_want_read(g->session) && !nghttp2_session_want_write(g->session)) {
		if (g->h2_error[0])
			call_fail(g, SL_ERR_HTTP2, "HTTP/2 protocol error: %s", g->h2_error);
		else
			call_fail(g, SL_ERR_CLOSED, "HTTP/2 session ended by the dish (GOAWAY)");
		conn_close(g);
		return -1;
	}
	return 0;
}

static ssize_t req_read_cb(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t length,
			   uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	struct sl_grpc *g = ud;
	size_t n = g->req_len - g->req_off;

	if (n > length)
		n = length;
	memcpy(buf, g->req + g->req_off, n);
	g->req_off += n;
	if (g->req_off == g->req_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), \
		   NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE }

static void call_submit(struct sl_grpc *g)
{
	nghttp2_nv hdrs[] = {
		NV(":method", "POST"),
		NV(":scheme", "http"),
		NV(":authority", g->authority),
		NV(":path", SL_GRPC_PATH),
		NV("content-type", "application/grpc"),
		NV("te", "trailers"),
		NV("grpc-timeout", g->timeout_hdr),
		NV("user-agent", "starfail/" SF_VERSION),
	};
	nghttp2_data_provider prd = { .source.ptr = g, .read_callback = req_read_cb };

	int32_t id = nghttp2_submit_request(g->session, NULL, hdrs, sizeof(hdrs) / sizeof(hdrs[0]),
					    &prd, NULL);
	if (id < 0) {
		call_fail(g, SL_ERR_HTTP2, "submit request: %s", nghttp2_strerror(id));
		conn_close(g);
		return;
	}
	g->stream_id = id;
	conn_flush(g);
}

static int on_header_cb(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name,
			size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags, void *ud)
{
	struct sl_grpc *g = ud;

	if (!g->busy || g->finished || frame->hd.stream_id != g->stream_id)
		return 0;
	g->hdr_bytes += namelen + valuelen + 32;
	if (g->hdr_bytes > SL_GRPC_HEADER_CAP) {
		call_fail(g, SL_ERR_HTTP2, "reply headers over %d bytes", SL_GRPC_HEADER_CAP);
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	if (namelen == 7 && !memcmp(name, ":status", 7)) {
		g->http_status = valuelen == 3 ? 0 : 999;	/* 999: not a status code */
		for (size_t i = 0; i < valuelen && i < 3; i++)
			g->http_status = value[i] >= '0' && value[i] <= '9' ?
					 g->http_status * 10 + (value[i] - '0') : 999;
	} else if (namelen == 12 && !memcmp(name, "content-type", 12)) {
		static const char ct[] = "application/grpc";
		g->ctype_seen = true;
		g->ctype_ok = valuelen >= sizeof(ct) - 1 && !memcmp(value, ct, sizeof(ct) - 1) &&
			      (valuelen == sizeof(ct) - 1 || value[sizeof(ct) - 1] == '+' ||
			       value[sizeof(ct) - 1] == ';');
	} else if (namelen == 11 && !memcmp(name, "grpc-status", 11)) {
		int v = 0;
		bool ok = valuelen > 0 && valuelen <= 3;
		for (size_t i = 0; ok && i < valuelen; i++) {
			ok = value[i] >= '0' && value[i] <= '9';
			v = v * 10 + (value[i] - '0');
		}
		g->grpc_status = ok ? v : 2;	/* UNKNOWN for garbage */
	} else if (namelen == 12 && !memcmp(name, "grpc-message", 12)) {
		sl_grpc_percent_decode(value, valuelen, g->grpc_msg, sizeof(g->grpc_msg));
	}
	return 0;
}

static int on_data_cb(nghttp2_session *s, uint8_t flags, int32_t stream_id, const uint8_t *data,
		      size_t len, void *ud)
{
	struct sl_grpc *g = ud;

	if (!g->busy || g->finished || stream_id != g->stream_id)
		return 0;
	if (g->http_status != 200) {
		call_fail(g, SL_ERR_HTTP_STATUS, "HTTP status %d", g->http_status);
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	if (!g->ctype_ok) {
		call_fail(g, SL_ERR_CONTENT_TYPE, "content-type %s, not application/grpc",
			  g->ctype_seen ? "wrong" : "missing");
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	if (len > g->rx_cap - g->rx_len) {
		call_fail(g, SL_ERR_FRAME, "reply body over %zu bytes", g->rx_cap);
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	memcpy(g->rx + g->rx_len, data, len);
	g->rx_len += len;
	if (g->rx_len >= SL_GRPC_PREFIX_LEN) {
		uint32_t n = (uint32_t)g->rx[1] << 24 | (uint32_t)g->rx[2] << 16 |
			     (uint32_t)g->rx[3] << 8 | g->rx[4];
		if (n > g->cfg.msg_cap) {
			call_fail(g, SL_ERR_FRAME, "gRPC message length %u over the cap %zu", n,
				  g->cfg.msg_cap);
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		}
	}
	return 0;
}

static int on_close_cb(nghttp2_session *s, int32_t stream_id, uint32_t error_code, void *ud)
{
	struct sl_grpc *g = ud;

	if (!g->busy || g->finished || stream_id != g->stream_id)
		return 0;
	if (error_code == NGHTTP2_REFUSED_STREAM) {
		call_fail(g, SL_ERR_CLOSED, "call refused by the dish (GOAWAY or stream limit)");
		return 0;
	}
	if (error_code != NGHTTP2_NO_ERROR) {
		call_fail(g, SL_ERR_HTTP2, "stream reset, HTTP/2 error %u (%s)", error_code,
			  nghttp2_http2_strerror(error_code));
		return 0;
	}
	if (g->http_status < 0) {
		call_fail(g, SL_ERR_HTTP2, "stream ended without response headers");
		return 0;
	}
	if (g->http_status != 200) {
		call_fail(g, SL_ERR_HTTP_STATUS, "HTTP status %d", g->http_status);
		return 0;
	}
	if (!g->ctype_ok) {
		call_fail(g, SL_ERR_CONTENT_TYPE, "content-type %s, not application/grpc",
			  g->ctype_seen ? "wrong" : "missing");
		return 0;
	}
	if (g->grpc_status < 0) {
		call_fail(g, SL_ERR_HTTP2, "reply without grpc-status");
		return 0;
	}
	g->res.grpc_status = g->grpc_status;
	if (g->grpc_status != 0) {
		call_fail(g, SL_ERR_GRPC_STATUS, "grpc-status %d: %s", g->grpc_status,
			  g->grpc_msg[0] ? g->grpc_msg : "(no message)");
		return 0;
	}
	const uint8_t *msg;
	size_t msg_len;
	char why[160];
	enum starlink_error e = sl_grpc_frame_parse(g->rx, g->rx_len, g->cfg.msg_cap, &msg, &msg_len,
						    why, sizeof(why));
	if (e != SL_ERR_NONE) {
		call_fail(g, e, "%s", why);
		return 0;
	}
	g->res.err = SL_ERR_NONE;
	g->res.msg = msg;
	g->res.msg_len = msg_len;
	g->err_text[0] = '\0';
	call_finish(g);
	return 0;
}

static int on_error_cb(nghttp2_session *s, int lib_error_code, const char *msg, size_t len, void *ud)
{
	struct sl_grpc *g = ud;

	snprintf(g->h2_error, sizeof(g->h2_error), "%.*s", (int)(len < 100 ? len : 100), msg);
	return 0;
}

/* A GOAWAY we send means nghttp2 found the dish's bytes invalid. */
static int on_frame_send_cb(nghttp2_session *s, const nghttp2_frame *frame, void *ud)
{
	struct sl_grpc *g = ud;

	if (frame->hd.type == NGHTTP2_GOAWAY && !g->h2_error[0])
		snprintf(g->h2_error, sizeof(g->h2_error), "%s",
			 nghttp2_http2_strerror(frame->goaway.error_code));
	return 0;
}

static void conn_read(struct sl_grpc *g)
{
	for (;;) {
		ssize_t n = recv(g->fd, g->rxbuf, sizeof(g->rxbuf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			call_fail(g, SL_ERR_CLOSED, "recv: %s", strerror(errno));
			conn_close(g);
			return;
		}
		if (n == 0) {
			call_fail(g, SL_ERR_CLOSED, "connection closed by the dish");
			conn_close(g);
			return;
		}
		g->rx_bytes += (size_t)n;
		ssize_t r = nghttp2_session_mem_recv(g->session, g->rxbuf, (size_t)n);
		if (r < 0) {
			call_fail(g, SL_ERR_HTTP2, "HTTP/2: %s", nghttp2_strerror((int)r));
			conn_close(g);
			return;
		}
		if (g->state != CONN_UP)
			return;
	}
	conn_flush(g);
}

static void session_start(struct sl_grpc *g)
{
	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 4 },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, SL_GRPC_HEADER_CAP },
	};

	if (nghttp2_session_client_new3(&g->session, g->cbs, g, NULL, &g->mem) != 0) {
		call_fail(g, SL_ERR_HTTP2, "nghttp2 session: out of memory");
		conn_close(g);
		return;
	}
	nghttp2_submit_settings(g->session, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0]));
	g->state = CONN_UP;
	ev_io_start(g->loop, &g->rio);
	call_submit(g);
}

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sl_grpc *g = w->data;

	if (g->state == CONN_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(g->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			call_fail(g, err == ECONNREFUSED ? SL_ERR_REFUSED : SL_ERR_CONNECT,
				  "connect %s:%d: %s", g->host, g->cfg.port, strerror(err));
			conn_close(g);
			return;
		}
		ev_io_stop(loop, &g->wio);
		session_start(g);
		return;
	}
	if (g->state != CONN_UP)
		return;
	if (revents & EV_READ)
		conn_read(g);
	if (g->state == CONN_UP && (revents & EV_WRITE))
		conn_flush(g);
}

static void conn_open(struct sl_grpc *g)
{
	int fd = socket(g->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		call_fail(g, SL_ERR_CONNECT, "socket: %s", strerror(errno));
		return;
	}
	if (g->bind_device[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, g->bind_device, (socklen_t)strlen(g->bind_device)) < 0) {
		call_fail(g, SL_ERR_CONNECT, "bind to device %s: %s", g->bind_device, strerror(errno));
		close(fd);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	g->fd = fd;
	g->connects++;
	ev_io_set(&g->rio, fd, EV_READ);
	ev_io_set(&g->wio, fd, EV_WRITE);
	if (connect(fd, (struct sockaddr *)&g->addr, g->addr_len) == 0) {
		session_start(g);
		return;
	}
	if (errno != EINPROGRESS) {
		call_fail(g, errno == ECONNREFUSED ? SL_ERR_REFUSED : SL_ERR_CONNECT,
			  "connect %s:%d: %s", g->host, g->cfg.port, strerror(errno));
		conn_close(g);
		return;
	}
	g->state = CONN_CONNECTING;
	ev_io_start(g->loop, &g->wio);
}

static void deadline_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sl_grpc *g = w->data;
	const char *phase = g->state == CONN_CONNECTING ? "connecting" :
			    g->http_status < 0 ? "waiting for the reply" : "reading the reply";

	call_fail(g, SL_ERR_TIMEOUT, "no reply within %d ms (%s)", g->cfg.timeout_ms, phase);
	conn_close(g);
}

/* Per-attempt state of the call (a retry starts a new attempt). */
static void attempt_reset(struct sl_grpc *g)
{
	g->finished = false;
	g->req_off = 0;
	g->rx_len = g->hdr_bytes = 0;
	g->http_status = g->grpc_status = -1;
	g->ctype_ok = g->ctype_seen = false;
	g->grpc_msg[0] = g->err_text[0] = '\0';
	memset(&g->res, 0, sizeof(g->res));
	g->res.grpc_status = -1;
	g->stream_id = -1;
}

int sl_grpc_call(struct sl_grpc *g, const uint8_t *req, size_t req_len)
{
	if (g->busy || req_len > SL_GRPC_REQ_CAP)
		return -1;
	g->busy = true;
	g->finished = false;
	g->req[0] = 0;
	g->req[1] = (uint8_t)(req_len >> 24);
	g->req[2] = (uint8_t)(req_len >> 16);
	g->req[3] = (uint8_t)(req_len >> 8);
	g->req[4] = (uint8_t)req_len;
	memcpy(g->req + SL_GRPC_PREFIX_LEN, req, req_len);
	g->req_len = req_len + SL_GRPC_PREFIX_LEN;
	g->tx_bytes = g->rx_bytes = 0;
	g->reused = g->state == CONN_UP;
	g->retried = false;
	g->started = ev_now(g->loop);
	attempt_reset(g);

	ev_timer_set(&g->deadline, g->cfg.timeout_ms / 1000., 0.);
	ev_timer_start(g->loop, &g->deadline);
	if (g->state == CONN_UP)
		call_submit(g);
	else if (g->state == CONN_DOWN)
		conn_open(g);
	else
		ev_io_start(g->loop, &g->wio);	/* connecting or adopted: session starts when writable */
	return 0;
}

int sl_grpc_adopt_fd(struct sl_grpc *g, int fd)
{
	if (g->state != CONN_DOWN || g->busy)
		return -1;
	g->fd = fd;
	g->connects++;
	ev_io_set(&g->rio, fd, EV_READ);
	ev_io_set(&g->wio, fd, EV_WRITE);
	g->state = CONN_CONNECTING;
	return 0;
}

void sl_grpc_close(struct sl_grpc *g)
{
	conn_close(g);
	ev_timer_stop(g->loop, &g->deadline);
	ev_timer_stop(g->loop, &g->kick);
	g->busy = false;
}

bool sl_grpc_connected(const struct sl_grpc *g)
{
	return g->state == CONN_UP;
}

bool sl_grpc_busy(const struct sl_grpc *g)
{
	return g->busy;
}

unsigned long sl_grpc_connects(const struct sl_grpc *g)
{
	return g->connects;
}

unsigned long sl_grpc_retries(const struct sl_grpc *g)
{
	return g->retries;
}

size_t sl_grpc_memory(const struct sl_grpc *g)
{
	return sizeof(*g) + g->rx_cap + g->pool.held_bytes;
}

static int parse_addr(struct sl_grpc *g, const char *host, int port)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)&g->addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&g->addr;

	memset(&g->addr, 0, sizeof(g->addr));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		g->addr_len = sizeof(*a4);
		snprintf(g->authority, sizeof(g->authority), "%s:%d", host, port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		g->addr_len = sizeof(*a6);
		snprintf(g->authority, sizeof(g->authority), "[%s]:%d", host, port);
		return 0;
	}
	return -1;
}

struct sl_grpc *sl_grpc_new(struct ev_loop *loop, const struct sl_grpc_cfg *cfg,
			    sl_grpc_done_fn *done, void *ctx)
{
	struct sl_grpc *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->loop = loop;
	g->cfg = *cfg;
	g->done = done;
	g->ctx = ctx;
	g->fd = -1;
	snprintf(g->host, sizeof(g->host), "%s", cfg->host ? cfg->host : "");
	snprintf(g->bind_device, sizeof(g->bind_device), "%s", cfg->bind_device ? cfg->bind_device : "");
	g->cfg.host = g->host;
	g->cfg.bind_device = g->bind_device[0] ? g->bind_device : NULL;
	if (parse_addr(g, g->host, cfg->port) < 0 || cfg->port <= 0 || cfg->port > 65535) {
		log_err("starlink: bad dish address host=%s port=%d (numeric IPv4/IPv6 expected)",
			g->host, cfg->port);
		free(g);
		return NULL;
	}
	/* a little over our own deadline, so that ours decides and the server still drops the work */
	snprintf(g->timeout_hdr, sizeof(g->timeout_hdr), "%dm", cfg->timeout_ms + 250);
	g->rx_cap = SL_GRPC_PREFIX_LEN + cfg->msg_cap;
	g->rx = malloc(g->rx_cap);
	if (!g->rx || nghttp2_session_callbacks_new(&g->cbs) != 0) {
		free(g->rx);
		free(g);
		return NULL;
	}
	nghttp2_session_callbacks_set_on_header_callback(g->cbs, on_header_cb);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(g->cbs, on_data_cb);
	nghttp2_session_callbacks_set_on_stream_close_callback(g->cbs, on_close_cb);
	nghttp2_session_callbacks_set_error_callback2(g->cbs, on_error_cb);
	nghttp2_session_callbacks_set_on_frame_send_callback(g->cbs, on_frame_send_cb);
	sl_pool_nghttp2_mem(&g->pool, &g->mem);

	ev_io_init(&g->rio, io_cb, -1, EV_READ);
	ev_io_init(&g->wio, io_cb, -1, EV_WRITE);
	g->rio.data = g->wio.data = g;
	ev_timer_init(&g->deadline, deadline_cb, 1., 0.);
	g->deadline.data = g;
	ev_timer_init(&g->kick, kick_cb, 0., 0.);
	g->kick.data = g;
	return g;
}

void sl_grpc_free(struct sl_grpc *g)
{
	if (!g)
		return;
	sl_grpc_close(g);
	nghttp2_session_callbacks_del(g->cbs);
	sl_pool_destroy(&g->pool);
	free(g->rx);
	free(g);
}
