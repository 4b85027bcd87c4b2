/*
 * prom_http.h - the Prometheus scrape endpoint: a small HTTP/1.x server on
 * the daemon's libev loop that answers `GET /metrics` and nothing else.
 *
 * It binds only the address it is given (the config's default is
 * 127.0.0.1; all addresses only when 0.0.0.0 or :: is written). Every
 * client is hostile: at most max_clients at once (more get 503 and are
 * closed), a request head of at most max_request_bytes (431), the whole
 * exchange within timeout_ms (then closed), one request per connection
 * (Connection: close). Anything but a well-formed GET/HEAD of /metrics is
 * 400, 404 or 405. Sockets are non-blocking and close-on-exec; the body is
 * rendered by the owner's callback when the request is complete.
 */
#ifndef SF_PROM_HTTP_H
#define SF_PROM_HTTP_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "metric.h"
#include "prom.h"

struct ev_loop;
struct prom_http;

struct prom_http_limits {
	int max_clients;
	int timeout_ms;
	int max_request_bytes;
	size_t max_reply_bytes;		/* the exposition is cut (500) beyond this */
};

/* Fill o with the exposition; o is bounded by max_reply_bytes. */
typedef void (*prom_render_fn)(void *ctx, struct prom_out *o);

struct prom_http_stats {
	uint64_t scrapes;		/* 200 replies */
	uint64_t bad_requests;		/* 400, 404, 405 */
	uint64_t rejected_busy;		/* 503: max_clients */
	uint64_t rejected_large;	/* 431: head over max_request_bytes */
	uint64_t timeouts;		/* closed for being too slow */
	uint64_t render_overflow;	/* 500: the exposition did not fit */
	int clients;
	int64_t last_scrape_bytes;
};

/* Listen on addr:port (IPv4 or IPv6 literal); NULL with err set. */
struct prom_http *prom_http_new(struct ev_loop *loop, const char *addr, int port,
				const struct prom_http_limits *lim, prom_render_fn render, void *ctx,
				char *err, size_t errlen);
void prom_http_free(struct prom_http *h);
void prom_http_get_stats(const struct prom_http *h, struct prom_http_stats *st);

/* The endpoint's figures for `status.prometheus` (struct prom_status_view). */
struct prom_status_view {
	bool enabled;
	const char *listen;		/* "addr:port"; NULL when off */
	const char *error;		/* why it is not listening; NULL when it is */
	struct prom_http_stats http;
};
extern const struct metric_desc prom_status_metrics[];

#endif
