/* api.c - see api.h */
#include "api.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ev.h>
#include <json-c/json.h>

#include "log.h"
#include "text.h"

/*
 * A refused or answered client gets EOF after its reply, and what it still
 * sends is read and dropped for this long (or this many bytes), so closing
 * with unread data never turns its read of the error into ECONNRESET.
 * At most API_MAX_LINGER connections linger; they hold no client slot.
 */
#define API_LINGER_MS 500
#define API_LINGER_MAX_BYTES (256 * 1024)
#define API_MAX_LINGER 16
/* accept() out of file descriptors: pause accepting this long, then retry */
#define API_ACCEPT_RETRY_MS 250
#define API_ACCEPT_LOG_EVERY_S 10.0

enum client_state { CLIENT_READ, CLIENT_WRITE, CLIENT_LINGER };

struct client {
	struct api_server *srv;
	struct client *next;
	enum client_state state;
	ev_io io;
	ev_timer timer;
	struct api_peer peer;
	struct api_reqparse *parser;
	char *reply;
	size_t reply_len, reply_off;
	size_t drained;			/* bytes read and dropped while lingering */
};

struct api_server {
	struct ev_loop *loop;
	ev_io accept_io;
	ev_timer accept_retry;
	double accept_logged_at;
	unsigned long accept_pauses, accept_pauses_logged;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool have_group;		/* api_group set: its members are admins */
	gid_t admin_gid;
	struct api_limits lim;
	api_dispatch_fn dispatch;
	void *ctx;
	struct client *clients;		/* holding a slot: reading or writing */
	struct client *lingering;
	int n_linger;
	struct api_stats stats;
};

struct json_object *api_fail(struct api_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	text_sanitize(err->message);	/* may quote the client's bytes */
	return NULL;
}

/* Take c off its list and stop its watchers; the fd stays open. */
static void client_detach(struct client *c)
{
	struct api_server *s = c->srv;
	struct client **head = c->state == CLIENT_LINGER ? &s->lingering : &s->clients;
	for (struct client **pp = head; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	c->next = NULL;
	ev_io_stop(s->loop, &c->io);
	ev_timer_stop(s->loop, &c->timer);
	if (c->state == CLIENT_LINGER)
		s->n_linger--;
	else
		s->stats.clients--;
	api_reqparse_free(c->parser);
	c->parser = NULL;
	free(c->reply);
	c->reply = NULL;
}

static void client_free(struct client *c)
{
	client_detach(c);
	close(c->io.fd);
	free(c);
}

/* Read and drop what the peer sends: 1 when done with it (EOF, error, too much). */
static int drain(int fd, size_t *drained)
{
	char buf[4096];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return 1;
		*drained += (size_t)n;
		if (*drained > API_LINGER_MAX_BYTES)
			return 1;
	}
}

static void linger_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;
	if (drain(w->fd, &c->drained))
		client_free(c);
}

static void client_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents);

/*
 * Our side is done (the reply, if any, is in the socket): EOF to the peer,
 * then linger until it closes. c: NULL for a refused connection that never
 * had a client; otherwise it is detached and reused.
 */
static void linger_start(struct api_server *s, struct client *c, int fd)
{
	if (c)
		client_detach(c);
	shutdown(fd, SHUT_WR);
	size_t drained = 0;
	if (drain(fd, &drained) || s->n_linger >= API_MAX_LINGER || (!c && !(c = calloc(1, sizeof(*c))))) {
		close(fd);
		free(c);
		return;
	}
	c->srv = s;
	c->state = CLIENT_LINGER;
	c->drained = drained;
	c->next = s->lingering;
	s->lingering = c;
	s->n_linger++;
	ev_io_init(&c->io, linger_read_cb, fd, EV_READ);
	c->io.data = c;
	ev_io_start(s->loop, &c->io);
	ev_timer_init(&c->timer, client_timeout_cb, API_LINGER_MS / 1000.0, 0);
	c->timer.data = c;
	ev_timer_start(s->loop, &c->timer);
}

static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;
	while (c->reply_off < c->reply_len) {
		ssize_t n = send(w->fd, c->reply + c->reply_off, c->reply_len - c->reply_off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			client_free(c);	/* peer went away: nothing more to do */
			return;
		}
		c->reply_off += (size_t)n;
	}
	linger_start(c->srv, c, w->fd);
}

/*
 * Queue a reply and switch the client to writing; the reply gets a fresh
 * timeout period to be read. Takes ownership of obj.
 */
static void client_reply(struct client *c, struct json_object *obj)
{
	const char *txt = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(txt);
	c->reply = malloc(len + 2);
	if (!c->reply) {
		json_object_put(obj);
		client_free(c);
		return;
	}
	memcpy(c->reply, txt, len);
	c->reply[len] = '\n';
	c->reply_len = len + 1;
	json_object_put(obj);
	api_reqparse_free(c->parser);	/* nothing more is parsed */
	c->parser = NULL;

	struct ev_loop *loop = c->srv->loop;
	c->state = CLIENT_WRITE;
	ev_io_stop(loop, &c->io);
	ev_io_set(&c->io, c->io.fd, EV_WRITE);
	ev_set_cb(&c->io, client_write_cb);
	ev_io_start(loop, &c->io);
	ev_timer_stop(loop, &c->timer);
	ev_timer_set(&c->timer, c->srv->lim.timeout_ms / 1000.0, 0);
	ev_timer_start(loop, &c->timer);
}

static void client_error(struct client *c, int code, const char *msg)
{
	c->srv->stats.errors++;
	client_reply(c, api_error_reply(code, msg));
}

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;
	struct api_server *s = c->srv;
	char buf[4096];

	ssize_t n = recv(w->fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		client_free(c);
		return;
	}
	struct api_request req;
	struct api_error err;
	enum api_parse r = api_reqparse_feed(c->parser, buf, (size_t)n, n == 0, &req, &err);
	if (r == API_PARSE_MORE)
		return;
	if (r == API_PARSE_ERROR) {
		if (!err.code) {	/* closed without sending anything */
			client_free(c);
			return;
		}
		if (err.code == API_ERR_TOO_LARGE)
			s->stats.rejected_large++;
		if (err.code == API_ERR_INVALID)
			s->stats.requests++;
		log_debug("api: request refused pid=%d uid=%u error=%d msg=\"%s\"", (int)c->peer.pid,
			  (unsigned)c->peer.uid, err.code, err.message);
		text_sanitize(err.message);
		client_error(c, err.code, err.message);
		return;
	}
	s->stats.requests++;
	struct json_object *reply = api_request_answer(&req, s->dispatch, s->ctx, &c->peer, &err);
	if (err.code) {
		s->stats.errors++;
		if (err.code == API_ERR_PERMISSION)
			s->stats.denied++;
		log_debug("api: method=%.40s pid=%d uid=%u error=%d msg=\"%s\"", req.method, (int)c->peer.pid,
			  (unsigned)c->peer.uid, err.code, err.message);
	}
	api_request_release(&req);
	client_reply(c, reply);
}

static void client_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = w->data;
	if (c->state != CLIENT_READ) {	/* done lingering, or could not deliver the reply */
		if (c->state == CLIENT_WRITE)
			c->srv->stats.timeouts++;
		client_free(c);
		return;
	}
	c->srv->stats.timeouts++;
	log_debug("api: client pid=%d dropped: no complete request within timeout_ms=%d",
		  (int)c->peer.pid, c->srv->lim.timeout_ms);
	/* the error reply gets one more timeout period to be written */
	client_error(c, API_ERR_TIMEOUT, "no complete request in time");
}

/* Do the peer's supplementary groups, as the kernel holds them for this socket, include gid? */
static bool peer_groups_have(int fd, gid_t gid)
{
#ifdef SO_PEERGROUPS
	gid_t small[64], *groups = small;
	socklen_t len = sizeof(small);
	int rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len);
	if (rc < 0 && errno == ERANGE && len > sizeof(small) && len <= 65536 * sizeof(gid_t)) {
		groups = malloc(len);
		rc = groups ? getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) : -1;
	}
	bool found = false;
	for (size_t i = 0; rc == 0 && i < len / sizeof(gid_t) && !found; i++)
		found = groups[i] == gid;
	if (groups != small)
		free(groups);
	return found;
#else
	(void)fd;
	(void)gid;
	return false;		/* primary gid only */
#endif
}

bool api_peer_may_mutate(const struct api_peer *p)
{
	if (p->uid == 0)
		return true;
	if (p->uid == (uid_t)-1 || !p->srv || !p->srv->have_group)
		return false;
	if (p->gid == p->srv->admin_gid)
		return true;
	return p->fd >= 0 && peer_groups_have(p->fd, p->srv->admin_gid);
}

/* May this peer have a connection now? why: the refusal, for its error line. */
static bool admit(const struct api_server *s, const struct api_peer *p, char *why, size_t len)
{
	int max = s->lim.max_clients, per_uid = s->lim.max_clients_per_uid;
	int same = 0;
	for (const struct client *c = s->clients; c; c = c->next)
		same += c->peer.uid == p->uid;
	if (per_uid > 0 && same >= per_uid) {
		snprintf(why, len, "too many clients of uid %u (max %d per uid)", (unsigned)p->uid, per_uid);
		return false;
	}
	if (s->stats.clients >= max) {
		snprintf(why, len, "too many clients (max %d)", max);
		return false;
	}
	int keep = s->lim.admin_clients < max - 1 ? s->lim.admin_clients : max - 1;
	if (max - s->stats.clients > keep || api_peer_may_mutate(p))
		return true;
	snprintf(why, len, "too many clients (max %d, the last %d kept for root%s)", max, keep,
		 s->have_group ? " and api_group" : "");
	return false;
}

/* Best effort, never blocks: the socket buffer of a new connection is empty. */
static void refuse(struct api_server *s, int fd, int code, const char *msg)
{
	struct json_object *o = api_error_reply(code, msg);
	const char *txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	char line[320];
	int len = snprintf(line, sizeof(line), "%s\n", txt);
	json_object_put(o);
	if (len > 0 && (size_t)len < sizeof(line) && send(fd, line, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("api: refusal not sent: %s", strerror(errno));
	linger_start(s, NULL, fd);
}

static void accept_pause(struct api_server *s, int e)
{
	ev_io_stop(s->loop, &s->accept_io);
	ev_timer_set(&s->accept_retry, API_ACCEPT_RETRY_MS / 1000.0, 0);
	ev_timer_start(s->loop, &s->accept_retry);
	s->accept_pauses++;
	double now = ev_now(s->loop);
	if (s->accept_pauses_logged == 0 || now - s->accept_logged_at >= API_ACCEPT_LOG_EVERY_S) {
		log_warn("api: accept failed: %s: accepting paused, retried every %d ms (pauses=%lu)",
			 strerror(e), API_ACCEPT_RETRY_MS, s->accept_pauses);
		s->accept_logged_at = now;
		s->accept_pauses_logged = s->accept_pauses;
	}
}

static void accept_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct api_server *s = w->data;
	ev_io_start(loop, &s->accept_io);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct api_server *s = w->data;
	int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			accept_pause(s, errno);
		else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("api: accept failed: %s", strerror(errno));
		return;
	}
	struct api_peer peer = { .uid = (uid_t)-1, .gid = (gid_t)-1, .fd = fd, .srv = s };
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) {
		peer.pid = cred.pid;
		peer.uid = cred.uid;
		peer.gid = cred.gid;
	}
	char why[160];
	if (!admit(s, &peer, why, sizeof(why))) {
		s->stats.rejected_busy++;
		log_debug("api: refused pid=%d uid=%u: %s", (int)peer.pid, (unsigned)peer.uid, why);
		refuse(s, fd, API_ERR_BUSY, why);
		return;
	}
	struct client *c = calloc(1, sizeof(*c));
	if (!c || !(c->parser = api_reqparse_new(s->lim.max_request_bytes))) {
		free(c);
		close(fd);
		return;
	}
	c->peer = peer;
	c->srv = s;
	c->state = CLIENT_READ;
	c->next = s->clients;
	s->clients = c;
	s->stats.clients++;
	ev_io_init(&c->io, client_read_cb, fd, EV_READ);
	c->io.data = c;
	ev_io_start(loop, &c->io);
	ev_timer_init(&c->timer, client_timeout_cb, s->lim.timeout_ms / 1000.0, 0);
	c->timer.data = c;
	ev_timer_start(loop, &c->timer);
}

/* Is a daemon answering on this path? */
static bool socket_alive(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool alive = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return alive;
}

struct api_server *api_server_new(struct ev_loop *loop, const char *path,
				  const struct api_limits *lim, api_dispatch_fn fn, void *ctx,
				  char *errmsg, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(errmsg, errlen, "socket path '%.120s' is too long (max %zu)", path,
			 sizeof(sa.sun_path) - 1);
		return NULL;
	}
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(errmsg, errlen, "'%s' exists and is not a socket", path);
			return NULL;
		}
		if (socket_alive(path)) {
			snprintf(errmsg, errlen, "another daemon answers on '%s'", path);
			return NULL;
		}
		unlink(path);		/* stale, from a crash */
	}

	struct api_server *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(errmsg, errlen, "out of memory");
		return NULL;
	}
	s->loop = loop;
	s->lim = *lim;
	s->dispatch = fn;
	s->ctx = ctx;
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);

	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		goto fail;
	mode_t old = umask(0177);	/* never world-open, even for a moment */
	int rc = bind(s->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0)
		goto fail;
	if (lim->group && *lim->group) {
		struct group gr, *grp = NULL;
		char buf[1024];
		if (getgrnam_r(lim->group, &gr, buf, sizeof(buf), &grp) || !grp) {
			snprintf(errmsg, errlen, "group '%s' does not exist", lim->group);
			close(s->fd);
			unlink(path);
			free(s);
			return NULL;
		}
		if (chown(path, (uid_t)-1, grp->gr_gid) < 0)
			goto fail_bound;
		s->have_group = true;
		s->admin_gid = grp->gr_gid;
		if (geteuid() != 0 && grp->gr_gid == getegid())
			log_warn("api: api_group=%s is the daemon's own group: every process of that group "
				 "may call mutating methods", lim->group);
	}
	if (chmod(path, lim->mode) < 0 || listen(s->fd, 16) < 0)
		goto fail_bound;

	ev_io_init(&s->accept_io, accept_cb, s->fd, EV_READ);
	s->accept_io.data = s;
	ev_io_start(loop, &s->accept_io);
	ev_timer_init(&s->accept_retry, accept_retry_cb, API_ACCEPT_RETRY_MS / 1000.0, 0);
	s->accept_retry.data = s;
	return s;

fail_bound:
	unlink(path);
fail:
	snprintf(errmsg, errlen, "cannot listen on '%s': %s", path, strerror(errno));
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return NULL;
}

void api_server_set_limits(struct api_server *s, const struct api_limits *lim)
{
	s->lim.max_clients = lim->max_clients;
	s->lim.max_clients_per_uid = lim->max_clients_per_uid;
	s->lim.admin_clients = lim->admin_clients;
	s->lim.timeout_ms = lim->timeout_ms;
	s->lim.max_request_bytes = lim->max_request_bytes;
}

void api_server_stats(const struct api_server *s, struct api_stats *out)
{
	*out = s->stats;
}

const char *api_server_path(const struct api_server *s)
{
	return s->path;
}

void api_server_free(struct api_server *s)
{
	if (!s)
		return;
	while (s->clients)
		client_free(s->clients);
	while (s->lingering)
		client_free(s->lingering);
	ev_io_stop(s->loop, &s->accept_io);
	ev_timer_stop(s->loop, &s->accept_retry);
	close(s->fd);
	unlink(s->path);
	free(s);
}
