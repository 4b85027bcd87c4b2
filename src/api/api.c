/* api.c - see api.h */
#include "api.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
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
 * json-c builds the object tree while a request streams in; a request of
 * many tiny containers ("[{},{},...]") costs ~1 KiB of heap per 3 bytes.
 * Requests have a few objects: more than this many containers is refused
 * before they are parsed, so a client's heap use stays near its byte cap.
 */
#define API_MAX_CONTAINERS 64
#define API_MAX_DEPTH 16

struct client {
	struct api_server *srv;
	struct client *next;
	ev_io io;
	ev_timer timer;
	struct api_peer peer;
	struct json_tokener *tok;
	size_t received;
	int containers;			/* '{' and '[' seen (also inside strings: conservative) */
	char *reply;			/* once set, we only write */
	size_t reply_len, reply_off;
};

struct api_server {
	struct ev_loop *loop;
	ev_io accept_io;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	gid_t sock_gid;
	struct api_limits lim;
	api_dispatch_fn dispatch;
	void *ctx;
	struct client *clients;
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

static void client_free(struct client *c)
{
	struct api_server *s = c->srv;
	for (struct client **pp = &s->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	ev_io_stop(s->loop, &c->io);
	ev_timer_stop(s->loop, &c->timer);
	close(c->io.fd);
	if (c->tok)
		json_tokener_free(c->tok);
	free(c->reply);
	free(c);
	s->stats.clients--;
}

static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;
	while (c->reply_off < c->reply_len) {
		ssize_t n = send(w->fd, c->reply + c->reply_off, c->reply_len - c->reply_off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			break;		/* peer went away: nothing more to do */
		c->reply_off += (size_t)n;
	}
	client_free(c);
}

/*
 * Queue a reply and switch the client to writing; the reply gets a fresh
 * timeout period to be read. Takes ownership of obj. Returns -1 when the
 * client had to be freed (out of memory): the caller must not touch it.
 */
static int client_reply(struct client *c, struct json_object *obj)
{
	const char *txt = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(txt);
	c->reply = malloc(len + 2);
	if (!c->reply) {
		json_object_put(obj);
		client_free(c);
		return -1;
	}
	memcpy(c->reply, txt, len);
	c->reply[len] = '\n';
	c->reply_len = len + 1;
	json_object_put(obj);

	struct ev_loop *loop = c->srv->loop;
	ev_io_stop(loop, &c->io);
	ev_io_set(&c->io, c->io.fd, EV_WRITE);
	ev_set_cb(&c->io, client_write_cb);
	ev_io_start(loop, &c->io);
	ev_timer_stop(loop, &c->timer);
	ev_timer_set(&c->timer, c->srv->lim.timeout_ms / 1000.0, 0);
	ev_timer_start(loop, &c->timer);
	return 0;
}

static struct json_object *error_obj(int code, const char *msg)
{
	struct json_object *e = json_object_new_object();
	json_object_object_add(e, "code", json_object_new_int(code));
	json_object_object_add(e, "message", json_object_new_string(msg));
	struct json_object *root = json_object_new_object();
	json_object_object_add(root, "error", e);
	return root;
}

static int client_error(struct client *c, int code, const char *msg)
{
	c->srv->stats.errors++;
	return client_reply(c, error_obj(code, msg));
}

static void handle_request(struct client *c, struct json_object *req)
{
	struct api_server *s = c->srv;
	struct json_object *jm, *jp = NULL;
	s->stats.requests++;

	if (!json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "method", &jm) || !json_object_is_type(jm, json_type_string)) {
		client_error(c, API_ERR_INVALID, "expected {\"method\": string, \"params\": object}");
		return;
	}
	if (json_object_object_get_ex(req, "params", &jp) && jp &&
	    !json_object_is_type(jp, json_type_object)) {
		client_error(c, API_ERR_INVALID, "\"params\" must be an object");
		return;
	}
	const char *method = json_object_get_string(jm);
	struct api_error err = { 0, "" };
	struct json_object *res = s->dispatch(s->ctx, method, jp, &c->peer, &err);
	if (!res) {
		if (err.code == API_ERR_PERMISSION)
			s->stats.denied++;
		log_debug("api: method=%.40s pid=%d uid=%u error=%d msg=\"%s\"", method, (int)c->peer.pid,
			  (unsigned)c->peer.uid, err.code, err.message);
		client_error(c, err.code ? err.code : API_ERR_FAILED, err.message);
		return;
	}
	struct json_object *root = json_object_new_object();
	json_object_object_add(root, "result", res);
	client_reply(c, root);
}

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *c = w->data;
	struct api_server *s = c->srv;
	char buf[4096];

	ssize_t n = recv(w->fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n == 0 && c->received > 0)
			client_error(c, API_ERR_PARSE, "incomplete JSON request before end of stream");
		else
			client_free(c);
		return;
	}
	c->received += (size_t)n;
	for (ssize_t i = 0; i < n; i++)
		c->containers += buf[i] == '{' || buf[i] == '[';
	if (c->containers > API_MAX_CONTAINERS) {
		s->stats.rejected_large++;
		char msg[96];
		snprintf(msg, sizeof(msg), "request has more than %d JSON objects and arrays",
			 API_MAX_CONTAINERS);
		client_error(c, API_ERR_TOO_LARGE, msg);
		return;
	}
	if (c->received > (size_t)s->lim.max_request_bytes) {
		s->stats.rejected_large++;
		char msg[96];
		snprintf(msg, sizeof(msg), "request larger than %d bytes", s->lim.max_request_bytes);
		client_error(c, API_ERR_TOO_LARGE, msg);
		return;
	}
	struct json_object *req = json_tokener_parse_ex(c->tok, buf, (int)n);
	enum json_tokener_error jerr = json_tokener_get_error(c->tok);
	if (jerr == json_tokener_continue)
		return;
	if (jerr != json_tokener_success) {
		char msg[128];
		snprintf(msg, sizeof(msg), "not valid JSON: %s", json_tokener_error_desc(jerr));
		json_object_put(req);
		client_error(c, API_ERR_PARSE, msg);
		return;
	}
	handle_request(c, req);
	json_object_put(req);
}

static void client_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *c = w->data;
	c->srv->stats.timeouts++;
	if (c->reply) {			/* could not even deliver the reply */
		client_free(c);
		return;
	}
	log_debug("api: client pid=%d dropped: no complete request within timeout_ms=%d",
		  (int)c->peer.pid, c->srv->lim.timeout_ms);
	/* the error reply gets one more timeout period to be written */
	client_error(c, API_ERR_TIMEOUT, "no complete request in time");
}

static bool peer_may_mutate(const struct api_server *s, const struct api_peer *p)
{
	if (p->uid == 0 || p->uid == geteuid() || p->gid == s->sock_gid)
		return true;
	struct passwd pw, *pwp = NULL;
	char buf[1024];
	if (getpwuid_r(p->uid, &pw, buf, sizeof(buf), &pwp) || !pwp)
		return false;
	gid_t groups[64];
	int ng = 64;
	if (getgrouplist(pwp->pw_name, pwp->pw_gid, groups, &ng) < 0)
		return false;
	for (int i = 0; i < ng; i++)
		if (groups[i] == s->sock_gid)
			return true;
	return false;
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct api_server *s = w->data;
	int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("api: accept failed: %s", strerror(errno));
		return;
	}
	if (s->stats.clients >= s->lim.max_clients) {
		s->stats.rejected_busy++;
		/* best effort, never blocks: the socket buffer is empty */
		char msg[160];
		int len = snprintf(msg, sizeof(msg), "{\"error\":{\"code\":%d,\"message\":\"too many clients (max %d)\"}}\n",
				   API_ERR_BUSY, s->lim.max_clients);
		if (send(fd, msg, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("api: busy reply not sent: %s", strerror(errno));
		close(fd);
		return;
	}
	struct client *c = calloc(1, sizeof(*c));
	if (!c || !(c->tok = json_tokener_new_ex(API_MAX_DEPTH))) {
		free(c);
		close(fd);
		return;
	}
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) {
		c->peer.pid = cred.pid;
		c->peer.uid = cred.uid;
		c->peer.gid = cred.gid;
		c->peer.may_mutate = peer_may_mutate(s, &c->peer);
	} else {
		c->peer.uid = (uid_t)-1;
		c->peer.gid = (gid_t)-1;
	}
	c->srv = s;
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
		snprintf(errmsg, errlen, "socket path '%s' is too long (max %zu)", path,
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
	s->sock_gid = getegid();
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
		s->sock_gid = grp->gr_gid;
	}
	if (chmod(path, lim->mode) < 0 || listen(s->fd, 16) < 0)
		goto fail_bound;

	ev_io_init(&s->accept_io, accept_cb, s->fd, EV_READ);
	s->accept_io.data = s;
	ev_io_start(loop, &s->accept_io);
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
	ev_io_stop(s->loop, &s->accept_io);
	close(s->fd);
	unlink(s->path);
	free(s);
}
