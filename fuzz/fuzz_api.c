/* fuzz_api.c - libFuzzer harness: one API request, as bytes from a client,
 * through the daemon's own request path (api_reqparse_feed, then
 * api_request_answer with a stand-in dispatcher) to a reply line. The
 * first byte picks where the bytes are split into two reads, so the
 * streaming parser is exercised across chunk boundaries as well. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct json_object *dispatch(void *ctx, const char *method, struct json_object *params,
				    const struct api_peer *peer, struct api_error *err)
{
	(void)ctx;
	if (!strcmp(method, "reload") && !api_peer_may_mutate(peer))
		return api_fail(err, API_ERR_PERMISSION, "method '%s' needs root", method);
	struct json_object *jm;
	if (!strcmp(method, "metrics")) {
		if (!params || !json_object_object_get_ex(params, "member", &jm) ||
		    !json_object_is_type(jm, json_type_string))
			return api_fail(err, API_ERR_PARAMS, "needs {\"member\": name}");
		return api_fail(err, API_ERR_PARAMS, "unknown member '%.64s'", json_object_get_string(jm));
	}
	if (!strcmp(method, "status"))
		return params ? json_object_get(params) : json_object_new_object();
	return api_fail(err, API_ERR_UNKNOWN_METHOD, "unknown method '%.64s'", method);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_reqparse *p = api_reqparse_new(65536);
	if (!p)
		return 0;
	size_t split = size ? data[0] % (size + 1) : 0;
	struct api_request req;
	struct api_error err;
	struct json_object *reply = NULL;
	enum api_parse r = api_reqparse_feed(p, (const char *)data, split, false, &req, &err);
	if (r == API_PARSE_MORE)
		r = api_reqparse_feed(p, (const char *)data + split, size - split, false, &req, &err);
	if (r == API_PARSE_MORE)
		r = api_reqparse_feed(p, NULL, 0, true, &req, &err);
	if (r == API_PARSE_DONE) {
		struct api_peer peer = { .uid = 65534, .gid = 65534, .fd = -1 };
		reply = api_request_answer(&req, dispatch, NULL, &peer, &err);
		api_request_release(&req);
	} else if (r == API_PARSE_ERROR && err.code) {
		reply = api_error_reply(err.code, err.message);
	}
	if (reply) {
		const char *txt = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
		if (!txt || !*txt)
			__builtin_trap();	/* every reply must serialise */
		json_object_put(reply);
	}
	api_reqparse_free(p);
	return 0;
}
