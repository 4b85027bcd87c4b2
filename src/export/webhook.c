/* webhook.c - libcurl multi on the libev loop; see webhook.h */
#include "webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <ev.h>

#include "notify.h"

struct sock {
	ev_io io;
	struct webhook *w;
};

struct webhook {
	struct ev_loop *loop;
	CURLM *multi;
	CURL *easy;			/* the request in flight, NULL none */
	struct curl_slist *headers;
	ev_timer timer;
	size_t reply_bytes;
	bool reply_cut;
	char errbuf[CURL_ERROR_SIZE];
	webhook_done_fn done;
	void *ctx;
};

static int curl_users;

static void finish(struct webhook *w)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(w->multi, &left))) {
		if (msg->msg != CURLMSG_DONE || msg->easy_handle != w->easy)
			continue;
		CURLcode rc = msg->data.result;
		long status = 0;
		curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &status);
		char why[CURL_ERROR_SIZE + 64];
		bool ok = status >= 200 && status < 300 && (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && w->reply_cut));
		if (ok)
			snprintf(why, sizeof(why), "%s", w->reply_cut ? "reply cut" : "");
		else if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && w->reply_cut))
			snprintf(why, sizeof(why), "%s", *w->errbuf ? w->errbuf : curl_easy_strerror(rc));
		else
			snprintf(why, sizeof(why), "HTTP status %ld", status);
		curl_multi_remove_handle(w->multi, w->easy);
		curl_easy_cleanup(w->easy);
		curl_slist_free_all(w->headers);
		w->easy = NULL;
		w->headers = NULL;
		w->done(w->ctx, ok, status, why);	/* may post the next one */
		return;
	}
}

static void io_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct sock *s = (struct sock *)io;
	struct webhook *w = s->w;
	int running;
	int flags = (revents & EV_READ ? CURL_CSELECT_IN : 0) | (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);
	curl_multi_socket_action(w->multi, io->fd, flags, &running);
	finish(w);
}

static void timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct webhook *w = t->data;
	int running;
	curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	finish(w);
}

static int socket_fn(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct webhook *w = userp;
	struct sock *s = socketp;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			ev_io_stop(w->loop, &s->io);
			free(s);
			curl_multi_assign(w->multi, fd, NULL);
		}
		return 0;
	}
	int ev = (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -1;
		s->w = w;
		curl_multi_assign(w->multi, fd, s);
	} else {
		ev_io_stop(w->loop, &s->io);
	}
	ev_io_init(&s->io, io_cb, fd, ev);
	ev_io_start(w->loop, &s->io);
	return 0;
}

static int timer_fn(CURLM *m, long timeout_ms, void *userp)
{
	struct webhook *w = userp;
	ev_timer_stop(w->loop, &w->timer);
	if (timeout_ms >= 0) {
		ev_timer_set(&w->timer, timeout_ms / 1000.0, 0);
		ev_timer_start(w->loop, &w->timer);
	}
	return 0;
}

static size_t write_fn(char *ptr, size_t size, size_t n, void *userp)
{
	struct webhook *w = userp;
	size_t len = size * n;
	if (w->reply_bytes + len > NOTIFY_REPLY_MAX) {
		w->reply_cut = true;
		return 0;	/* aborts the transfer: the rest is not read */
	}
	w->reply_bytes += len;
	return len;
}

struct webhook *webhook_new(struct ev_loop *loop, webhook_done_fn done, void *ctx)
{
	if (!curl_users++ && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		curl_users--;
		return NULL;
	}
	struct webhook *w = calloc(1, sizeof(*w));
	if (!w || !(w->multi = curl_multi_init())) {
		free(w);
		if (!--curl_users)
			curl_global_cleanup();
		return NULL;
	}
	w->loop = loop;
	w->done = done;
	w->ctx = ctx;
	ev_timer_init(&w->timer, timer_cb, 0, 0);
	w->timer.data = w;
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, socket_fn);
	curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, timer_fn);
	curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
	return w;
}

void webhook_free(struct webhook *w)
{
	if (!w)
		return;
	if (w->easy) {
		curl_multi_remove_handle(w->multi, w->easy);	/* closes its sockets: socket_fn frees them */
		curl_easy_cleanup(w->easy);
		curl_slist_free_all(w->headers);
	}
	ev_timer_stop(w->loop, &w->timer);
	curl_multi_cleanup(w->multi);
	free(w);
	if (!--curl_users)
		curl_global_cleanup();
}

bool webhook_busy(const struct webhook *w)
{
	return w->easy != NULL;
}

int webhook_post(struct webhook *w, const char *url, const char *const *headers, int n_headers,
		 const char *body, size_t len, int timeout_ms, char *err, size_t errlen)
{
	if (w->easy) {
		snprintf(err, errlen, "a request is in flight");
		return -1;
	}
	CURL *e = curl_easy_init();
	if (!e) {
		snprintf(err, errlen, "curl_easy_init failed");
		return -1;
	}
	struct curl_slist *hl = NULL;
	for (int i = 0; i < n_headers; i++) {
		struct curl_slist *n = curl_slist_append(hl, headers[i]);
		if (!n) {
			curl_slist_free_all(hl);
			curl_easy_cleanup(e);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		hl = n;
	}
	w->errbuf[0] = '\0';
	w->reply_bytes = 0;
	w->reply_cut = false;
	CURLcode rc = curl_easy_setopt(e, CURLOPT_URL, url);
	if (rc == CURLE_OK) {
#if LIBCURL_VERSION_NUM >= 0x075500
		rc = curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
		rc = curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
		curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	}
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)NOTIFY_REDIRECTS_MAX);
	curl_easy_setopt(e, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "starfail/" SF_VERSION);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_fn);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, w->errbuf);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "the URL is refused: %s", curl_easy_strerror(rc));
		curl_slist_free_all(hl);
		curl_easy_cleanup(e);
		return -1;
	}
	w->easy = e;
	w->headers = hl;
	if (curl_multi_add_handle(w->multi, e) != CURLM_OK) {
		snprintf(err, errlen, "curl_multi_add_handle failed");
		curl_slist_free_all(hl);
		curl_easy_cleanup(e);
		w->easy = NULL;
		w->headers = NULL;
		return -1;
	}
	return 0;
}
