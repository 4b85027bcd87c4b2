/*
 * webhook.h - one HTTP(S) POST at a time through libcurl's multi interface,
 * its sockets and timer driven by the daemon's libev loop (no blocking
 * call, no thread of ours; libcurl's resolver may use its own).
 *
 * A request has a total timeout, follows at most NOTIFY_REDIRECTS_MAX
 * redirects, speaks http and https only (redirects too) and reads at most
 * NOTIFY_REPLY_MAX bytes of the reply (the rest is refused, the status
 * code still counts). done() is called once per request, from the loop.
 */
#ifndef SF_WEBHOOK_H
#define SF_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>

struct ev_loop;
struct webhook;

/* ok: a 2xx status came back; error: why not (valid during the call). */
typedef void (*webhook_done_fn)(void *ctx, bool ok, long status, const char *error);

struct webhook *webhook_new(struct ev_loop *loop, webhook_done_fn done, void *ctx);
void webhook_free(struct webhook *w);

/* Start a POST; -1 with err when one is running or libcurl refuses it. */
int webhook_post(struct webhook *w, const char *url, const char *const *headers, int n_headers,
		 const char *body, size_t len, int timeout_ms, char *err, size_t errlen);

bool webhook_busy(const struct webhook *w);

#endif
