/*
 * starlink_grpc.h - a minimal unary gRPC client: HTTP/2 cleartext with prior
 * knowledge (h2c) on libnghttp2, driven by a libev loop. Made for the dish's
 * /SpaceX.API.Device.Device/Handle; knows nothing about protobuf.
 *
 * One connection, one call at a time. The connection stays open between
 * calls. A call has one deadline that covers connecting too. The result
 * comes through the done callback, always from the event loop (never from
 * inside sl_grpc_call). Every failure other than a clean non-zero
 * grpc-status closes the connection; the next call reconnects. A call on a
 * reused connection that the dish closed before answering is retried once
 * on a fresh connection within the same deadline.
 *
 * Bounds: the reply message is capped (cfg.msg_cap), received header bytes
 * are capped, buffers are sized at creation, and nghttp2 allocates from a
 * recycling pool so that steady-state calls do no malloc.
 */
#ifndef SF_STARLINK_GRPC_H
#define SF_STARLINK_GRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "starlink.h"

struct ev_loop;
struct sl_grpc;

#define SL_GRPC_PATH "/SpaceX.API.Device.Device/Handle"
#define SL_GRPC_PREFIX_LEN 5		/* compressed flag + 4-byte big-endian length */
#define SL_GRPC_HEADER_CAP 8192		/* received header bytes per call */
#define SL_GRPC_REQ_CAP 256		/* our requests are a few bytes */

struct sl_grpc_cfg {
	const char *host;		/* numeric IPv4 or IPv6 */
	int port;
	const char *bind_device;	/* SO_BINDTODEVICE, NULL for none */
	int timeout_ms;			/* per call, connect included */
	size_t msg_cap;			/* largest reply message accepted */
};

struct sl_grpc_result {
	enum starlink_error err;
	int grpc_status;		/* received grpc-status, -1 when none */
	const char *text;		/* reason of a failure, "" on success */
	const uint8_t *msg;		/* reply protobuf, valid during the callback */
	size_t msg_len;
	size_t tx_bytes, rx_bytes;	/* socket bytes during this call */
};

typedef void sl_grpc_done_fn(void *ctx, const struct sl_grpc_result *r);

/* NULL when the address does not parse or memory is short (logged). */
struct sl_grpc *sl_grpc_new(struct ev_loop *loop, const struct sl_grpc_cfg *cfg,
			    sl_grpc_done_fn *done, void *ctx);
void sl_grpc_free(struct sl_grpc *g);

/* Start a call with a serialized request message. -1 if busy or too big. */
int sl_grpc_call(struct sl_grpc *g, const uint8_t *req, size_t req_len);

/*
 * Use an already connected stream socket (e.g. one end of a socketpair) as
 * the connection; the HTTP/2 session starts with the next call. For tests
 * and the fuzzer. -1 when a connection exists.
 */
int sl_grpc_adopt_fd(struct sl_grpc *g, int fd);

/* Drop the connection (and a call in progress, without callback). */
void sl_grpc_close(struct sl_grpc *g);

bool sl_grpc_connected(const struct sl_grpc *g);
bool sl_grpc_busy(const struct sl_grpc *g);
unsigned long sl_grpc_connects(const struct sl_grpc *g);
unsigned long sl_grpc_retries(const struct sl_grpc *g);	/* calls retried on a fresh connection */
size_t sl_grpc_memory(const struct sl_grpc *g);		/* bytes held: buffers + nghttp2 pool */

/*
 * Check one complete gRPC message body: 1 byte flag (must be 0: we never
 * ask for compression), 4 bytes length, then exactly that many bytes, no
 * more. Returns SL_ERR_NONE and points *msg into buf, or SL_ERR_FRAME with
 * the reason in err.
 */
enum starlink_error sl_grpc_frame_parse(const uint8_t *buf, size_t len, size_t cap,
					const uint8_t **msg, size_t *msg_len,
					char *err, size_t err_len);

/* Percent-decode a grpc-message into out (always terminated, truncated). */
void sl_grpc_percent_decode(const uint8_t *in, size_t in_len, char *out, size_t out_len);

#endif
