/*
 * api.h - the JSON API on a unix socket.
 *
 * One connection carries one request and one reply:
 *   -> {"method": "status", "params": {...}}
 *   <- {"result": {...}}   or   {"error": {"code": N, "message": "..."}}
 * then the daemon closes the connection. Requests are capped in size, the
 * number of clients is capped, and a client that does not complete its
 * request in time is dropped. Peer credentials (SO_PEERCRED) decide who may
 * call mutating methods: root, the daemon's own user, or members of the
 * socket's group. This file knows nothing of the methods: it hands each
 * request to a dispatch function (api_methods.c).
 */
#ifndef SF_API_H
#define SF_API_H

#include <stdbool.h>
#include <sys/types.h>

struct ev_loop;
struct json_object;

enum api_error_code {
	API_ERR_PARSE = -32700,		/* not JSON */
	API_ERR_INVALID = -32600,	/* JSON, but not {"method": string, "params": object} */
	API_ERR_UNKNOWN_METHOD = -32601,
	API_ERR_PARAMS = -32602,
	API_ERR_FAILED = -32000,	/* the method ran and failed; message says why */
	API_ERR_PERMISSION = -32001,
	API_ERR_BUSY = -32002,		/* too many clients */
	API_ERR_TOO_LARGE = -32003,
	API_ERR_TIMEOUT = -32004,
};

struct api_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	bool may_mutate;
};

struct api_error {
	int code;
	char message[256];
};

/* Returns the result object (owned by the caller) or NULL with *err set. */
typedef struct json_object *(*api_dispatch_fn)(void *ctx, const char *method,
					       struct json_object *params,
					       const struct api_peer *peer, struct api_error *err);

struct api_limits {
	int max_clients;
	int timeout_ms;
	int max_request_bytes;
	unsigned mode;			/* socket permissions */
	const char *group;		/* NULL/empty: keep the daemon's group */
};

struct api_stats {
	unsigned long requests, errors, rejected_busy, rejected_large, timeouts, denied;
	int clients;
};

struct api_server;

/* Create the socket. Refuses to replace the socket of a running daemon. NULL + errmsg on failure. */
struct api_server *api_server_new(struct ev_loop *loop, const char *path,
				  const struct api_limits *lim, api_dispatch_fn fn, void *ctx,
				  char *errmsg, size_t errlen);

/* Apply new limits (reload); path/mode/group changes need a restart. */
void api_server_set_limits(struct api_server *s, const struct api_limits *lim);
void api_server_stats(const struct api_server *s, struct api_stats *out);
const char *api_server_path(const struct api_server *s);

/* Close every client and the socket, remove the socket file. */
void api_server_free(struct api_server *s);

/* Helper for dispatchers: fill err and return NULL. */
struct json_object *api_fail(struct api_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
