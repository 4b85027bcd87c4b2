/* nl.c - see nl.h */
#include "nl.h"

#include <errno.h>
#include <stdarg.h>
#include <ev.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct nl_sock {
	struct mnl_socket *mnl;
	int fd;
	uint32_t portid, seq;
	/* the asynchronous dump in flight */
	struct ev_loop *loop;
	ev_io io;
	ev_timer timer;
	bool busy;
	uint32_t dump_seq;
	nl_msg_cb cb;
	nl_done_cb done;
	void *ctx;
	struct nl_result r;
	char buf[NL_BUF_BYTES] __attribute__((aligned(8)));	/* messages are read in place */
};

static void set_why(struct nl_result *r, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_why(struct nl_result *r, int err, const char *fmt, ...)
{
	va_list ap;
	r->err = err;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

struct nl_sock *nl_open(int protocol, const unsigned *groups, int n_groups, int rcvbuf_bytes, char *err,
			size_t errlen)
{
	struct nl_sock *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "netlink: out of memory");
		return NULL;
	}
	s->mnl = mnl_socket_open2(protocol, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!s->mnl || mnl_socket_bind(s->mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "netlink socket (protocol %d): %s", protocol, strerror(errno));
		goto fail;
	}
	s->fd = mnl_socket_get_fd(s->mnl);
	for (int i = 0; i < n_groups; i++) {
		int g = (int)groups[i];
		if (mnl_socket_setsockopt(s->mnl, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0) {
			snprintf(err, errlen, "netlink: joining group %d: %s", g, strerror(errno));
			goto fail;
		}
	}
	if (rcvbuf_bytes > 0)	/* best effort: a small queue means overruns, and resyncs */
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_bytes, sizeof(rcvbuf_bytes));
	s->portid = mnl_socket_get_portid(s->mnl);
	s->seq = (uint32_t)time(NULL);
	ev_io_init(&s->io, NULL, s->fd, EV_READ);
	ev_timer_init(&s->timer, NULL, 0., 0.);
	return s;
fail:
	if (s->mnl)
		mnl_socket_close(s->mnl);
	free(s);
	return NULL;
}

void nl_close(struct nl_sock *s)
{
	if (!s)
		return;
	nl_dump_cancel(s);
	mnl_socket_close(s->mnl);
	free(s);
}

int nl_fd(const struct nl_sock *s)
{
	return s->fd;
}

uint32_t nl_portid(const struct nl_sock *s)
{
	return s->portid;
}

/* ---- the validator ---- */

/* match: replies to (seq, portid); else kernel events (any seq, port 0). */
static int walk(const void *buf, size_t len, bool match, uint32_t seq, uint32_t portid, nl_msg_cb cb, void *ctx,
		struct nl_result *r)
{
	const char *p = buf;
	size_t left = len;
	if (len == 0) {
		set_why(r, EPROTO, "empty datagram");
		return -1;
	}
	while (left > 0) {
		if (left < sizeof(struct nlmsghdr)) {
			set_why(r, EPROTO, "%zu trailing bytes, shorter than a header", left);
			return -1;
		}
		struct nlmsghdr h;
		memcpy(&h, p, sizeof(h));	/* the buffer may be unaligned (fuzzer, tests) */
		if (h.nlmsg_len < sizeof(h)) {
			set_why(r, EPROTO, "message length %u below a header", h.nlmsg_len);
			return -1;
		}
		if (h.nlmsg_len > left) {
			set_why(r, EPROTO, "truncated: message length %u beyond the %zu bytes left", h.nlmsg_len, left);
			return -1;
		}
		if (match && h.nlmsg_seq != seq) {
			set_why(r, EPROTO, "out of sequence: seq %u, expected %u", h.nlmsg_seq, seq);
			return -1;
		}
		if (match && h.nlmsg_pid != portid) {
			set_why(r, EPROTO, "port id %u, expected %u", h.nlmsg_pid, portid);
			return -1;
		}
		const struct nlmsghdr *m = (const struct nlmsghdr *)p;
		if (h.nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr e;
			if (h.nlmsg_len < NLMSG_LENGTH(sizeof(e))) {
				set_why(r, EPROTO, "NLMSG_ERROR of %u bytes, shorter than nlmsgerr", h.nlmsg_len);
				return -1;
			}
			memcpy(&e, p + NLMSG_HDRLEN, sizeof(e));
			if (e.error > 0 || e.error < -4095) {
				set_why(r, EPROTO, "NLMSG_ERROR with a bad code %d", e.error);
				return -1;
			}
			if (e.error)
				set_why(r, -e.error, "kernel: %s", strerror(-e.error));
			return 1;
		}
		if (h.nlmsg_type == NLMSG_DONE) {
			int e = 0;
			if (h.nlmsg_len >= NLMSG_LENGTH(sizeof(e)))
				memcpy(&e, p + NLMSG_HDRLEN, sizeof(e));
			if (e < 0 && e >= -4095)
				set_why(r, -e, "kernel (dump): %s", strerror(-e));
			return 1;
		}
		if (h.nlmsg_type == NLMSG_OVERRUN) {
			set_why(r, EPROTO, "NLMSG_OVERRUN");
			return -1;
		}
		if (h.nlmsg_type >= NLMSG_MIN_TYPE) {
			if (h.nlmsg_flags & NLM_F_DUMP_INTR)
				r->intr = true;
			r->messages++;
			if (cb && cb(m, ctx) < 0 && r->malformed++ == 0)
				snprintf(r->why, sizeof(r->why), "malformed message type %u", h.nlmsg_type);
		}
		/* in size_t: NLMSG_ALIGN of a 32-bit length >= 0xFFFFFFFD wraps to 0 */
		size_t step = ((size_t)h.nlmsg_len + NLMSG_ALIGNTO - 1) & ~(size_t)(NLMSG_ALIGNTO - 1);
		if (step > left)
			step = left;
		p += step;
		left -= step;
	}
	return 0;
}

int nl_check_replies(const void *buf, size_t len, uint32_t seq, uint32_t portid, nl_msg_cb cb, void *ctx,
		     struct nl_result *r)
{
	return walk(buf, len, true, seq, portid, cb, ctx, r);
}

/*
 * One datagram from the kernel, never blocking: its length, 0 for one to
 * skip (from a user space sender), -1 with errno (EAGAIN: nothing queued;
 * EMSGSIZE: larger than the buffer, refused).
 */
static ssize_t recv_one(struct nl_sock *s)
{
	struct sockaddr_nl from;
	struct iovec iov = { .iov_base = s->buf, .iov_len = sizeof(s->buf) };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = recvmsg(s->fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return -1;
	if (mh.msg_flags & MSG_TRUNC) {
		errno = EMSGSIZE;
		return -1;
	}
	if (mh.msg_namelen < sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0)
		return 0;
	return n;
}

/* Stale replies of an earlier exchange (timed out, cancelled) must not answer the next one. */
static void drain(struct nl_sock *s)
{
	for (int i = 0; i < 256; i++)
		if (recv_one(s) < 0 && errno != EMSGSIZE)
			return;
}

static int send_req(struct nl_sock *s, struct nlmsghdr *req, uint16_t flags, struct nl_result *r)
{
	memset(r, 0, sizeof(*r));
	drain(s);
	req->nlmsg_flags |= NLM_F_REQUEST | flags;
	req->nlmsg_seq = ++s->seq;
	req->nlmsg_pid = 0;
	if (mnl_socket_sendto(s->mnl, req, req->nlmsg_len) < 0) {
		set_why(r, errno, "netlink send: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int exchange(struct nl_sock *s, struct nlmsghdr *req, uint16_t flags, int timeout_ms, nl_msg_cb cb,
		    void *ctx, struct nl_result *r)
{
	if (s->busy) {
		memset(r, 0, sizeof(*r));
		set_why(r, EBUSY, "netlink: an asynchronous dump is in flight on this socket");
		return -1;
	}
	if (send_req(s, req, flags, r))
		return -1;
	int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 1000);
	for (;;) {
		ssize_t n = recv_one(s);
		if (n == 0) {	/* from a user space sender: skipped, but a flood of them must not outlast the bound */
			if (mono_ms() >= deadline) {
				set_why(r, ETIMEDOUT, "netlink: no answer within %d ms", timeout_ms);
				return -1;
			}
			continue;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				set_why(r, errno == EMSGSIZE ? EPROTO : errno, "netlink receive: %s",
					errno == EMSGSIZE ? "datagram larger than the buffer" : strerror(errno));
				return -1;
			}
			int64_t left = deadline - mono_ms();
			struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
			if (left <= 0 || (poll(&pfd, 1, (int)left) == 0 && mono_ms() >= deadline)) {
				set_why(r, ETIMEDOUT, "netlink: no answer within %d ms", timeout_ms);
				return -1;
			}
			continue;
		}
		int rc = walk(s->buf, (size_t)n, true, req->nlmsg_seq, s->portid, cb, ctx, r);
		if (rc < 0)
			return -1;
		if (rc > 0)
			return r->err ? -1 : 0;
	}
}

int nl_call(struct nl_sock *s, struct nlmsghdr *req, int timeout_ms, struct nl_result *r)
{
	return exchange(s, req, NLM_F_ACK, timeout_ms, NULL, NULL, r);
}

int nl_dump(struct nl_sock *s, struct nlmsghdr *req, int timeout_ms, nl_msg_cb cb, void *ctx, struct nl_result *r)
{
	return exchange(s, req, NLM_F_DUMP, timeout_ms, cb, ctx, r);
}

/* ---- asynchronous dump ---- */

static void dump_finish(struct nl_sock *s)
{
	ev_io_stop(s->loop, &s->io);
	ev_timer_stop(s->loop, &s->timer);
	s->busy = false;
	struct nl_result r = s->r;
	if (s->done)
		s->done(s->ctx, &r);	/* may start the next dump on s */
}

static void dump_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct nl_sock *s = w->data;
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv_one(s);
		if (n == 0)
			continue;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			set_why(&s->r, errno == EMSGSIZE ? EPROTO : errno, "netlink receive: %s",
				errno == EMSGSIZE ? "datagram larger than the buffer" : strerror(errno));
			dump_finish(s);
			return;
		}
		if (walk(s->buf, (size_t)n, true, s->dump_seq, s->portid, s->cb, s->ctx, &s->r) != 0) {
			dump_finish(s);
			return;
		}
	}
}

static void dump_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct nl_sock *s = w->data;
	set_why(&s->r, ETIMEDOUT, "netlink: dump not finished in time");
	dump_finish(s);
}

int nl_dump_start(struct nl_sock *s, struct ev_loop *loop, struct nlmsghdr *req, int timeout_ms, nl_msg_cb cb,
		  nl_done_cb done, void *ctx)
{
	if (s->busy) {
		errno = EBUSY;
		return -1;
	}
	s->loop = loop;
	s->cb = cb;
	s->done = done;
	s->ctx = ctx;
	if (send_req(s, req, NLM_F_DUMP, &s->r)) {
		struct nl_result r = s->r;
		if (done)
			done(ctx, &r);
		return 0;
	}
	s->dump_seq = req->nlmsg_seq;
	s->busy = true;
	ev_io_init(&s->io, dump_readable, s->fd, EV_READ);
	s->io.data = s;
	ev_io_start(loop, &s->io);
	if (timeout_ms > 0) {
		ev_timer_init(&s->timer, dump_timeout, timeout_ms / 1000.0, 0.);
		s->timer.data = s;
		ev_timer_start(loop, &s->timer);
	}
	return 0;
}

bool nl_dump_busy(const struct nl_sock *s)
{
	return s->busy;
}

void nl_dump_cancel(struct nl_sock *s)
{
	if (!s->busy)
		return;
	ev_io_stop(s->loop, &s->io);
	ev_timer_stop(s->loop, &s->timer);
	s->busy = false;
}

/* ---- events ---- */

int nl_read_events(struct nl_sock *s, int max_reads, nl_msg_cb cb, void *ctx, bool *overrun)
{
	int msgs = 0;
	for (int i = 0; i < max_reads; i++) {
		ssize_t n = recv_one(s);
		if (n == 0)
			continue;
		if (n < 0) {
			if (errno == ENOBUFS || errno == EMSGSIZE) {	/* events lost */
				*overrun = true;
				continue;
			}
			break;
		}
		struct nl_result r = { 0 };
		walk(s->buf, (size_t)n, false, 0, 0, cb, ctx, &r);	/* a refused rest is skipped */
		msgs += (int)r.messages;
	}
	return msgs;
}

/* ---- generic netlink ---- */

struct genl_lookup {
	uint16_t id;
	bool found;
};

static int genl_attr(const struct nlattr *a, void *data)
{
	struct genl_lookup *g = data;
	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(a, MNL_TYPE_U16) == 0) {
		g->id = mnl_attr_get_u16(a);
		g->found = true;
	}
	return MNL_CB_OK;
}

static int genl_reply(const struct nlmsghdr *nlh, void *ctx)
{
	if (nlh->nlmsg_type != GENL_ID_CTRL || nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return -1;
	mnl_attr_parse(nlh, GENL_HDRLEN, genl_attr, ctx);
	return 0;
}

int nl_genl_family(struct nl_sock *s, const char *name, int timeout_ms, uint16_t *id, struct nl_result *r)
{
	char buf[256];
	if (strlen(name) >= GENL_NAMSIZ) {
		memset(r, 0, sizeof(*r));
		set_why(r, EINVAL, "generic netlink family name too long");
		return -1;
	}
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	struct genl_lookup look = { 0 };
	if (exchange(s, nlh, NLM_F_ACK, timeout_ms, genl_reply, &look, r))
		return -1;
	if (!look.found) {
		set_why(r, ENOENT, "generic netlink family %s: no id in the answer", name);
		return -1;
	}
	*id = look.id;
	return 0;
}
