/*
 * api.h - the JSON API on a unix socket.
 *
 * One connection carries one request and one reply:
 *   -> {"method": "status", "params": {...}}
 *   <- {"result": {...}}   or   {"error": {"code": N, "message": "..."}}
 * then the daemon closes the connection. This file knows nothing of the
 * methods: it hands each request to a dispatch function (api_methods.c).
 *
 * Admission (docs/API_REFERENCE.md, "Limits and admission"): at most
 * max_clients connections at once, at most max_clients_per_uid of one peer
 * uid, and the last admin_clients slots only for admins (root, members of
 * the configured group). A refused client, like every other, gets its error
 * line, then EOF (shutdown SHUT_WR); what it still sends is read and dropped
 * for a short linger so it never sees ECONNRESET instead of the error.
 * When accept() fails for want of file descriptors, accepting pauses and is
 * retried by a timer (never a busy loop on a readable listening socket).
 *
 * Requests are capped in bytes, containers, object members and depth; a
 * request with a duplicate key in any object or a NUL (\u0000) in any
 * string is refused (api_request.c says how). Peer credentials decide who
 * may call mutating methods: root, or a peer whose credentials (SO_PEERCRED
 * gid, SO_PEERGROUPS) hold the configured group; nobody else, not even the
 * daemon's own uid. Group membership is never looked up in /etc/group.
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

struct api_server;

/* Who is on the other end (SO_PEERCRED, taken at connect time). */
struct api_peer {
	pid_t pid;
	uid_t uid;			/* (uid_t)-1: unknown */
	gid_t gid;
	/* private to api.c: where the supplementary groups are asked for */
	int fd;				/* -1: no socket (fuzzer) */
	const struct api_server *srv;
};

/*
 * May this peer call mutating methods? Root, or the peer's primary or
 * supplementary groups (SO_PEERGROUPS; primary only where the kernel lacks
 * it) hold the configured api group. Asked only for a mutating method: the
 * group list is read then, from the socket, never from /etc/group.
 */
bool api_peer_may_mutate(const struct api_peer *p);

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
	int max_clients_per_uid;	/* connections one peer uid may hold at once */
	int admin_clients;		/* of max_clients, kept for admins (others keep >= 1) */
	int timeout_ms;
	int max_request_bytes;
	unsigned mode;			/* socket permissions */
	const char *group;		/* NULL/empty: keep the daemon's group */
};

struct api_stats {
	unsigned long requests, errors, rejected_busy, rejected_large, timeouts, denied;
	int clients;
};

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

/*
 * The request path without a socket (api_request.c): the server and
 * fuzz/fuzz_api.c run the same code. Feed the bytes of one connection as
 * they come; the first complete JSON value is the request, bytes after it
 * are ignored.
 *
 * json-c builds the object tree while a request streams in; a request of
 * many tiny containers ("[{},{},...]") costs ~1 KiB of heap per 3 bytes, so
 * more containers than this are refused before they are parsed and a
 * client's heap use stays near its byte cap.
 */
#define API_MAX_CONTAINERS 64		/* '{' and '[' in one request */
#define API_MAX_DEPTH 16
#define API_MAX_MEMBERS 256		/* "key": value pairs in one request */

enum api_parse { API_PARSE_MORE, API_PARSE_DONE, API_PARSE_ERROR };

struct api_reqparse;

struct api_request {
	struct json_object *root;	/* owned; NULL until DONE */
	const char *method;		/* into root */
	struct json_object *params;	/* into root; NULL when absent */
};

struct api_reqparse *api_reqparse_new(int max_request_bytes);
void api_reqparse_free(struct api_reqparse *p);

/*
 * DONE: *req holds a well-formed request (release it with api_request_release).
 * ERROR: *err says why (API_ERR_PARSE, _INVALID or _TOO_LARGE; _FAILED when
 * out of memory; code 0: EOF before any byte, nothing to answer); feed no more.
 * MORE: the request is not complete yet. eof: the peer closed its side.
 */
enum api_parse api_reqparse_feed(struct api_reqparse *p, const char *buf, size_t n, bool eof,
				 struct api_request *req, struct api_error *err);
void api_request_release(struct api_request *req);

/* Run the request through fn: the reply object ({"result":..} or {"error":..}), owned by the caller. */
struct json_object *api_request_answer(const struct api_request *req, api_dispatch_fn fn, void *ctx,
				       const struct api_peer *peer, struct api_error *err);

/* {"error": {"code": code, "message": msg}} */
struct json_object *api_error_reply(int code, const char *msg);

#endif
