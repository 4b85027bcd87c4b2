/* netifd.c - `ubus call network.interface dump`, run and parsed; see netifd.h */
#include "netifd.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "proc.h"
#include "text.h"

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	text_sanitize(err);	/* names quoted from the dump may be any bytes */
	return -1;
}

/* A Linux device name: 1..15 bytes, no '/', ':' or whitespace (dev_valid_name). */
static bool netdev_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s) || !isprint((unsigned char)*s))
			return false;
	return true;
}

/* src into dst[cap], cut to fit (callers checked that it fits). */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

struct where {
	int idx;
	const char *name;
};

/* Optional member of type t: 1 found, 0 absent, -1 wrong type (err set). */
static int get(struct json_object *o, const char *key, json_type t, struct json_object **v,
	       const struct where *w, char *err, size_t len)
{
	if (!json_object_object_get_ex(o, key, v) || json_object_is_type(*v, json_type_null))
		return 0;
	if (json_object_is_type(*v, t))
		return 1;
	if (t == json_type_int && json_object_is_type(*v, json_type_double))
		return fail(err, len, "netifd dump: interface[%d] \"%.32s\": \"%s\" is not an integer",
			    w->idx, w->name, key);
	return fail(err, len, "netifd dump: interface[%d] \"%.32s\": \"%s\" is not a%s %s", w->idx,
		    w->name, key, t == json_type_array || t == json_type_object ? "n" : "",
		    t == json_type_string ? "string" : t == json_type_boolean ? "boolean"
		    : t == json_type_int ? "integer" : t == json_type_array ? "array" : "object");
}

static int get_str(struct json_object *o, const char *key, char *dst, size_t cap,
		   const struct where *w, char *err, size_t len)
{
	struct json_object *v;
	int r = get(o, key, json_type_string, &v, w, err, len);
	if (r <= 0)
		return r;
	const char *s = json_object_get_string(v);
	if ((size_t)json_object_get_string_len(v) >= cap || strlen(s) != (size_t)json_object_get_string_len(v))
		return fail(err, len, "netifd dump: interface[%d] \"%.32s\": \"%s\" is longer than %zu"
			    " bytes or holds NUL", w->idx, w->name, key, cap - 1);
	memcpy(dst, s, strlen(s) + 1);
	return 1;
}

static int addresses(struct json_object *o, const char *key, int af, struct uplink_netifd *st,
		     const struct where *w, char *err, size_t len)
{
	struct json_object *arr;
	int r = get(o, key, json_type_array, &arr, w, err, len);
	if (r <= 0)
		return r;
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(arr, i), *v;
		if (!json_object_is_type(a, json_type_object))
			return fail(err, len, "netifd dump: interface[%d] \"%.32s\": %s[%zu] is not an object",
				    w->idx, w->name, key, i);
		char text[UPLINK_ADDR6_MAX] = "";
		unsigned char bin[16];
		if (get_str(a, "address", text, sizeof(text), w, err, len) <= 0 ||
		    inet_pton(af, text, bin) != 1)
			return fail(err, len, "netifd dump: interface[%d] \"%.32s\": %s[%zu].address is not"
				    " an IPv%d address", w->idx, w->name, key, i, af == AF_INET ? 4 : 6);
		if (get(a, "mask", json_type_int, &v, w, err, len) < 0)
			return -1;
		int *cnt = af == AF_INET ? &st->n_addr4 : &st->n_addr6;
		if (*cnt >= UPLINK_ADDRS_MAX)
			continue;	/* the first ones are kept; the device has them all */
		if (af == AF_INET)
			copy_str(st->addr4[*cnt], sizeof(st->addr4[0]), text);
		else
			snprintf(st->addr6[*cnt], sizeof(st->addr6[0]), "%s", text);
		(*cnt)++;
	}
	return 0;
}

static int routes(struct json_object *o, struct uplink_netifd *st, const struct where *w,
		  char *err, size_t len)
{
	struct json_object *arr;
	int r = get(o, "route", json_type_array, &arr, w, err, len);
	if (r <= 0)
		return r;
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		struct json_object *rt = json_object_array_get_idx(arr, i), *m;
		if (!json_object_is_type(rt, json_type_object))
			return fail(err, len, "netifd dump: interface[%d] \"%.32s\": route[%zu] is not an"
				    " object", w->idx, w->name, i);
		char target[UPLINK_ADDR6_MAX] = "", hop[UPLINK_ADDR6_MAX] = "";
		unsigned char bin[16];
		if (get_str(rt, "target", target, sizeof(target), w, err, len) <= 0)
			return fail(err, len, "netifd dump: interface[%d] \"%.32s\": route[%zu] has no"
				    " string \"target\"", w->idx, w->name, i);
		int af = strchr(target, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(af, target, bin) != 1)
			return fail(err, len, "netifd dump: interface[%d] \"%.32s\": route[%zu].target is"
				    " not an address", w->idx, w->name, i);
		if (get(rt, "mask", json_type_int, &m, w, err, len) <= 0)
			return fail(err, len, "netifd dump: interface[%d] \"%.32s\": route[%zu] has no"
				    " integer \"mask\"", w->idx, w->name, i);
		if (get_str(rt, "nexthop", hop, sizeof(hop), w, err, len) < 0)
			return -1;
		if (*hop && inet_pton(af, hop, bin) != 1)
			return fail(err, len, "netifd dump: interface[%d] \"%.32s\": route[%zu].nexthop is"
				    " not an IPv%d address", w->idx, w->name, i, af == AF_INET ? 4 : 6);
		bool any = af == AF_INET ? !strcmp(target, "0.0.0.0") : !strcmp(target, "::");
		if (!any || json_object_get_int64(m) != 0)
			continue;
		/* a nexthop of all zeroes is an on-link default route (ppp, wwan) */
		bool onlink = !*hop || !strcmp(hop, "0.0.0.0") || !strcmp(hop, "::");
		if (af == AF_INET && !st->route4) {
			st->route4 = true;
			copy_str(st->gw4, sizeof(st->gw4), onlink ? "" : hop);
		} else if (af == AF_INET6 && !st->route6) {
			st->route6 = true;
			snprintf(st->gw6, sizeof(st->gw6), "%s", onlink ? "" : hop);
		}
	}
	return 0;
}

static int one_iface(struct json_object *o, int idx, struct netifd_iface *out, char *err,
		     size_t len)
{
	struct where w = { idx, "?" };
	struct json_object *v = NULL;
	memset(out, 0, sizeof(*out));
	if (!json_object_is_type(o, json_type_object))
		return fail(err, len, "netifd dump: interface[%d] is not an object", idx);
	int r = get_str(o, "interface", out->name, sizeof(out->name), &w, err, len);
	if (r < 0)
		return -1;
	if (r == 0 || !*out->name)
		return fail(err, len, "netifd dump: interface[%d] has no string \"interface\"", idx);
	w.name = out->name;
	struct uplink_netifd *st = &out->st;
	st->known = true;
	if (get(o, "up", json_type_boolean, &v, &w, err, len) < 0)
		return -1;
	st->up = v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
	v = NULL;
	if (get(o, "dynamic", json_type_boolean, &v, &w, err, len) < 0)
		return -1;
	out->dynamic = v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
	if (get_str(o, "proto", st->proto, sizeof(st->proto), &w, err, len) < 0 ||
	    get_str(o, "l3_device", st->l3_device, sizeof(st->l3_device), &w, err, len) < 0)
		return -1;
	if (*st->l3_device && !netdev_name(st->l3_device))
		return fail(err, len, "netifd dump: interface[%d] \"%.32s\": \"l3_device\" '%s' is not"
			    " a Linux device name", idx, out->name, st->l3_device);
	char dev[128] = "";
	if (get_str(o, "device", dev, sizeof(dev), &w, err, len) < 0)
		return -1;
	if (netdev_name(dev))	/* else a modem's control path such as /dev/cdc-wdm0 */
		copy_str(out->device, sizeof(out->device), dev);
	if (addresses(o, "ipv4-address", AF_INET, st, &w, err, len) < 0 ||
	    addresses(o, "ipv6-address", AF_INET6, st, &w, err, len) < 0 ||
	    routes(o, st, &w, err, len) < 0)
		return -1;
	return 0;
}

int netifd_parse_dump(const char *buf, size_t len, struct netifd_state *out, char *err,
		      size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (len > NETIFD_DUMP_MAX_BYTES)
		return fail(err, errlen, "netifd dump: %zu bytes, more than %d", len, NETIFD_DUMP_MAX_BYTES);
	if (memchr(buf, 0, len))
		return fail(err, errlen, "netifd dump: holds a NUL byte at offset %zu",
			    (size_t)((const char *)memchr(buf, 0, len) - buf));
	struct json_tokener *tok = json_tokener_new_ex(NETIFD_MAX_DEPTH);
	if (!tok)
		return fail(err, errlen, "netifd dump: out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *root = json_tokener_parse_ex(tok, buf, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	int rc = -1;
	if (!root) {
		if (je == json_tokener_continue)
			fail(err, errlen, "netifd dump: not JSON: ends after %zu bytes inside a value", len);
		else
			fail(err, errlen, "netifd dump: not JSON: %s at offset %zu",
			     json_tokener_error_desc(je), used);
		return -1;
	}
	for (size_t i = used; i < len; i++)
		if (!isspace((unsigned char)buf[i])) {
			fail(err, errlen, "netifd dump: text after the JSON value at offset %zu", i);
			goto out;
		}
	struct json_object *arr;
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "interface", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		fail(err, errlen, "netifd dump: expected an object with an \"interface\" array");
		goto out;
	}
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		if (out->n >= NETIFD_IFACES_MAX) {
			out->skipped++;
			continue;
		}
		if (one_iface(json_object_array_get_idx(arr, i), (int)i, &out->ifaces[out->n], err,
			      errlen) < 0)
			goto out;
		if (netifd_find(out, out->ifaces[out->n].name)) {
			fail(err, errlen, "netifd dump: interface[%zu] \"%.32s\" appears twice", i,
			     out->ifaces[out->n].name);
			goto out;
		}
		out->n++;
	}
	rc = 0;
out:
	json_object_put(root);
	if (rc < 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

const struct netifd_iface *netifd_find(const struct netifd_state *st, const char *name)
{
	for (int i = 0; i < st->n; i++)
		if (!strcmp(st->ifaces[i].name, name))
			return &st->ifaces[i];
	return NULL;
}

/* Fold the addresses and routes of sub-interface sub into out. */
static void fold(struct uplink_netifd *out, const struct netifd_iface *sub, char dev[IF_NAMESIZE])
{
	const struct uplink_netifd *s = &sub->st;
	bool used = false;
	for (int i = 0; i < s->n_addr4 && out->n_addr4 < UPLINK_ADDRS_MAX; i++, used = true)
		memcpy(out->addr4[out->n_addr4++], s->addr4[i], sizeof(s->addr4[i]));
	for (int i = 0; i < s->n_addr6 && out->n_addr6 < UPLINK_ADDRS_MAX; i++, used = true)
		memcpy(out->addr6[out->n_addr6++], s->addr6[i], sizeof(s->addr6[i]));
	if (s->route4 && !out->route4) {
		out->route4 = used = true;
		memcpy(out->gw4, s->gw4, sizeof(out->gw4));
	}
	if (s->route6 && !out->route6) {
		out->route6 = used = true;
		memcpy(out->gw6, s->gw6, sizeof(out->gw6));
	}
	if (!used)
		return;
	if (!*out->via)
		snprintf(out->via, sizeof(out->via), "%s", sub->name);
	if (!*dev && *s->l3_device)
		memcpy(dev, s->l3_device, IF_NAMESIZE);
	out->up = out->up || s->up;
}

void netifd_resolve(const struct netifd_state *st, const char *name, struct uplink_netifd *out,
		    char dev[IF_NAMESIZE])
{
	memset(out, 0, sizeof(*out));
	dev[0] = 0;
	const struct netifd_iface *i = st ? netifd_find(st, name) : NULL;
	if (!i)
		return;
	*out = i->st;
	if (*i->st.l3_device)
		memcpy(dev, i->st.l3_device, IF_NAMESIZE);
	if (!out->n_addr4 && !out->route4 && !out->n_addr6 && !out->route6) {
		char sub[MWAN3_NAME_MAX + 3];
		static const char *const sfx[] = { "_4", "_6" };
		for (int k = 0; k < 2; k++) {
			snprintf(sub, sizeof(sub), "%s%s", name, sfx[k]);
			const struct netifd_iface *s = netifd_find(st, sub);
			if (s && s->dynamic)
				fold(out, s, dev);
		}
	}
	if (!*out->l3_device)	/* the sub-interface's device carries the uplink */
		memcpy(out->l3_device, dev, IF_NAMESIZE);
	if (!*dev && *i->device)
		memcpy(dev, i->device, IF_NAMESIZE);
}

struct proc_job *netifd_dump_start(struct proc_pool *pool, int timeout_ms,
				   void (*cb)(const struct proc_result *res, void *ctx), void *ctx,
				   char *err, size_t errlen)
{
	static const char *const argv[] = { "ubus", "call", "network.interface", "dump", NULL };
	struct proc_spec spec = {
		.argv = argv, .timeout_ms = timeout_ms, .out_cap = NETIFD_DUMP_MAX_BYTES, .err_cap = 512,
	};
	struct proc_job *job = proc_run(pool, &spec, cb, ctx);
	if (!job)
		fail(err, errlen, "ubus: cannot run: %s", proc_pool_last_error(pool));
	return job;
}

int netifd_dump_result(const struct proc_result *res, struct netifd_state *out, char *err,
		       size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (res->truncated)
		return fail(err, errlen, "ubus: output larger than %d bytes", NETIFD_DUMP_MAX_BYTES);
	if (!res->ok) {
		/* ubus says why on stderr ("Command failed: Not found"): its first line */
		char why[120];
		proc_err_line(res, why, sizeof(why));
		return fail(err, errlen, "ubus: %s%s%s", res->reason, *why ? ": " : "", why);
	}
	return netifd_parse_dump(res->out, res->out_len, out, err, errlen);
}
