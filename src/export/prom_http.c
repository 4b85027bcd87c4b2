/* prom_http.c - the scrape endpoint on the loop; see prom_http.h */
#include "prom_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>

#include "log.h"

#define PROM_ACCEPT_RETRY_MS 1000	/* out of descriptors: try again after */
#define PROM_REPLY_HEAD_MAX 256

struct client {
	struct prom_http *srv;
	struct client *next;
	ev_io io;
	ev_timer timer;
	char *in;			/* request head, max_request_bytes + 1 */
	size_t in_len;
	char *out;			/* head + body */
	size_t out_len, out_off;
	bool writing;
};

struct prom_http {
	struct ev_loop *loop;
	struct prom_http_limits lim;
	prom_render_fn render;
	void *ctx;
	int fd;
	ev_io accept_io;
	ev_timer accept_retry;
	struct client *clients;
	struct prom_http_stats st;
};

static void client_free(struct client *c)
{
	struct prom_http *s = c->srv;
	for (struct client **p = &s->clients; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	ev_io_stop(s->loop, &c->io);
	ev_timer_stop(s->loop, &c->timer);
	close(c->io.fd);
	free(c->in);
	free(c->out);
	free(c);
	s->st.clients--;
}

static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;
	while (c->out_off < c->out_len) {
		ssize_t n = send(w->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			break;	/* the peer went away */
		c->out_off += (size_t)n;
	}
	shutdown(w->fd, SHUT_WR);
	client_free(c);
}

/* Answer and close after it is written; body may be NULL (errors: a short text). */
static void reply(struct client *c, int code, const char *status, const char *ctype,
		  const char *body, size_t body_len, bool head_only, const char *extra)
{
	struct prom_http *s = c->srv;
	char head[PROM_REPLY_HEAD_MAX];
	char text[64];
	if (!body) {
		snprintf(text, sizeof(text), "%d %s\n", code, status);
		body = text;
		body_len = strlen(text);
		ctype = "text/plain; charset=utf-8";
	}
	int hn = snprintf(head, sizeof(head),
			  "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
			  code, status, ctype, body_len, extra ? extra : "");
	size_t blen = head_only ? 0 : body_len;
	c->out = malloc((size_t)hn + blen);
	if (!c->out) {
		client_free(c);
		return;
	}
	memcpy(c->out, head, (size_t)hn);
	memcpy(c->out + hn, body, blen);
	c->out_len = (size_t)hn + blen;
	c->writing = true;
	ev_io_stop(s->loop, &c->io);
	ev_io_init(&c->io, client_write_cb, c->io.fd, EV_WRITE);
	c->io.data = c;
	ev_io_start(s->loop, &c->io);
}

static bool token_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* The head is complete (NUL-terminated in c->in): parse its request line and answer. */
static void handle(struct client *c)
{
	struct prom_http *s = c->srv;
	const char *line = c->in, *eol = strpbrk(line, "\r\n");
	size_t len = eol ? (size_t)(eol - line) : strlen(line);
	const char *sp1 = memchr(line, ' ', len);
	const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line)) : NULL;
	if (!sp1 || !sp2 || sp2 == sp1 + 1) {
		s->st.bad_requests++;
		reply(c, 400, "Bad Request", NULL, NULL, 0, false, NULL);
		return;
	}
	const char *method = line, *target = sp1 + 1, *version = sp2 + 1;
	size_t mlen = (size_t)(sp1 - line), tlen = (size_t)(sp2 - target);
	size_t vlen = len - (size_t)(version - line);
	if (!(token_is(version, vlen, "HTTP/1.1") || token_is(version, vlen, "HTTP/1.0"))) {
		s->st.bad_requests++;
		reply(c, 400, "Bad Request", NULL, NULL, 0, false, NULL);
		return;
	}
	bool head = token_is(method, mlen, "HEAD");
	if (!head && !token_is(method, mlen, "GET")) {
		s->st.bad_requests++;
		reply(c, 405, "Method Not Allowed", NULL, NULL, 0, false, "Allow: GET, HEAD\r\n");
		return;
	}
	const char *q = memchr(target, '?', tlen);
	size_t plen = q ? (size_t)(q - target) : tlen;
	if (!token_is(target, plen, "/metrics")) {
		s->st.bad_requests++;
		reply(c, 404, "Not Found", NULL, NULL, 0, head, NULL);
		return;
	}
	struct prom_out o;
	prom_out_init(&o, s->lim.max_reply_bytes);
	s->st.scrapes++;	/* the exposition counts the scrape it answers */
	s->render(s->ctx, &o);
	if (o.overflow) {
		s->st.scrapes--;
		s->st.render_overflow++;
		log_warn("prometheus: exposition over max_reply_bytes=%zu: answered 500",
			 s->lim.max_reply_bytes);
		reply(c, 500, "Internal Server Error", NULL, NULL, 0, head, NULL);
	} else {
		s->st.last_scrape_bytes = (int64_t)o.len;
		reply(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", o.buf ? o.buf : "", o.len,
		      head, NULL);
	}
	prom_out_free(&o);
}

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;
	struct prom_http *s = c->srv;
	size_t cap = (size_t)s->lim.max_request_bytes;
	for (;;) {
		if (c->in_len >= cap) {
			s->st.rejected_large++;
			reply(c, 431, "Request Header Fields Too Large", NULL, NULL, 0, false, NULL);
			return;
		}
		ssize_t n = recv(w->fd, c->in + c->in_len, cap - c->in_len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			client_free(c);	/* closed (or failed) before a complete head */
			return;
		}
		size_t from = c->in_len > 3 ? c->in_len - 3 : 0;
		c->in_len += (size_t)n;
		c->in[c->in_len] = '\0';
		if (memchr(c->in + from, '\0', c->in_len - from)) {
			s->st.bad_requests++;	/* NUL bytes: not HTTP */
			reply(c, 400, "Bad Request", NULL, NULL, 0, false, NULL);
			return;
		}
		if (strstr(c->in + from, "\r\n\r\n") || strstr(c->in + from, "\n\n")) {
			handle(c);
			return;
		}
	}
}

static void client_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = w->data;
	c->srv->st.timeouts++;
	log_debug("prometheus: client too slow, closed (timeout_ms=%d writing=%d)", c->srv->lim.timeout_ms,
		  c->writing);
	client_free(c);
}

static void accept_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct prom_http *s = w->data;
	ev_io_start(loop, &s->accept_io);
}

static void refuse_busy(struct prom_http *s, int fd)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
				   "Connection: close\r\n\r\n";
	s->st.rejected_busy++;
	if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("prometheus: 503 not sent: %s", strerror(errno));
	close(fd);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct prom_http *s = w->data;
	int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			log_warn("prometheus: accept paused for %d ms: %s", PROM_ACCEPT_RETRY_MS,
				 strerror(errno));
			ev_io_stop(loop, &s->accept_io);
			ev_timer_set(&s->accept_retry, PROM_ACCEPT_RETRY_MS / 1000.0, 0);
			ev_timer_start(loop, &s->accept_retry);
		}
		return;
	}
	if (s->st.clients >= s->lim.max_clients) {
		refuse_busy(s, fd);
		return;
	}
	struct client *c = calloc(1, sizeof(*c));
	if (!c || !(c->in = malloc((size_t)s->lim.max_request_bytes + 1))) {
		free(c);
		close(fd);
		return;
	}
	c->srv = s;
	c->next = s->clients;
	s->clients = c;
	s->st.clients++;
	ev_io_init(&c->io, client_read_cb, fd, EV_READ);
	c->io.data = c;
	ev_io_start(loop, &c->io);
	ev_timer_init(&c->timer, client_timeout_cb, s->lim.timeout_ms / 1000.0, 0);
	c->timer.data = c;
	ev_timer_start(loop, &c->timer);
}

struct prom_http *prom_http_new(struct ev_loop *loop, const char *addr, int port,
				const struct prom_http_limits *lim, prom_render_fn render, void *ctx,
				char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		sl = sizeof(*v4);
	} else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*v6);
	} else {
		snprintf(err, errlen, "listen address '%s' is not an IPv4 or IPv6 address", addr);
		return NULL;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return NULL;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 16) < 0) {
		snprintf(err, errlen, "cannot listen on %s port %d: %s", addr, port, strerror(errno));
		close(fd);
		return NULL;
	}
	struct prom_http *s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->loop = loop;
	s->lim = *lim;
	s->render = render;
	s->ctx = ctx;
	s->fd = fd;
	ev_io_init(&s->accept_io, accept_cb, fd, EV_READ);
	s->accept_io.data = s;
	ev_io_start(loop, &s->accept_io);
	ev_timer_init(&s->accept_retry, accept_retry_cb, PROM_ACCEPT_RETRY_MS / 1000.0, 0);
	s->accept_retry.data = s;
	return s;
}

void prom_http_free(struct prom_http *s)
{
	if (!s)
		return;
	while (s->clients)
		client_free(s->clients);
	ev_io_stop(s->loop, &s->accept_io);
	ev_timer_stop(s->loop, &s->accept_retry);
	close(s->fd);
	free(s);
}

void prom_http_get_stats(const struct prom_http *s, struct prom_http_stats *st)
{
	if (s)
		*st = s->st;
	else
		memset(st, 0, sizeof(*st));
}
