/*
 * cell_parse_json.c - the JSON-speaking tools: uqmi (--get-signal-info,
 * --get-serving-system), ModemManager (`mmcli -J -m N`, `mmcli -J -m N
 * --signal-get`) and RutOS ubus (`gsm.modemN get_signal_query`,
 * `get_sim_slot`). json-c parses with a bounded depth; every value is
 * read as int, double or numeric string and range-checked (cell_parse_impl.h).
 */
#include "cell_parse_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#define JSON_DEPTH_MAX 16

static struct json_object *parse_json(const char *in, size_t len, char *err, size_t errlen)
{
	if (cell_input_check(in, len, err, errlen))
		return NULL;
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH_MAX);
	if (!tok) {
		cell_err(err, errlen, "out of memory");
		return NULL;
	}
	struct json_object *o = json_tokener_parse_ex(tok, in, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || jerr != json_tokener_success) {
		json_object_put(o);
		cell_err(err, errlen, "not JSON (%s)", jerr == json_tokener_continue ? "cut short"
			 : json_tokener_error_desc(jerr));
		return NULL;
	}
	for (size_t i = used; i < len; i++)
		if (!strchr(" \t\r\n", in[i])) {
			json_object_put(o);
			cell_err(err, errlen, "text after the JSON value");
			return NULL;
		}
	return o;
}

static struct json_object *jobj(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* A number as int, double or numeric string ("-95.00"); "--" and others: false. */
static bool jnum(struct json_object *o, const char *key, double *out)
{
	struct json_object *v = jobj(o, key);
	if (!v)
		return false;
	switch (json_object_get_type(v)) {
	case json_type_int:
		*out = (double)json_object_get_int64(v);
		return true;
	case json_type_double:
		*out = json_object_get_double(v);
		return isfinite(*out);
	case json_type_string:
		return cell_num(json_object_get_string(v), (size_t)json_object_get_string_len(v), out);
	default:
		return false;
	}
}

static const char *jstr(struct json_object *o, const char *key, size_t *len)
{
	struct json_object *v = jobj(o, key);
	if (!v || !json_object_is_type(v, json_type_string))
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

static int set_num(struct json_object *o, const char *key, double *dst, int (*set)(double *, double))
{
	double v;
	return jnum(o, key, &v) ? set(dst, v) : 0;
}

static int set_rssi(struct json_object *o, const char *key, struct cell_info *ci)
{
	double v;
	return jnum(o, key, &v) ? cell_set_rssi(ci, v) : 0;
}

/* One uqmi signal table: {"type": "lte", "rssi": .., "rsrq": .., "rsrp": .., "snr": ..}. */
static int uqmi_table(struct json_object *t, struct cell_info *ci, bool *lte, bool *nr)
{
	size_t tl;
	const char *type = jstr(t, "type", &tl);
	if (!type)
		return 0;
	int n = 0;
	if (strcmp(type, "lte") == 0) {
		*lte = true;
		n += set_rssi(t, "rssi", ci);
		n += set_num(t, "rsrp", &ci->rsrp_dbm, cell_set_rsrp);
		n += set_num(t, "rsrq", &ci->rsrq_db, cell_set_rsrq);
		n += set_num(t, "snr", &ci->sinr_db, cell_set_sinr);
	} else if (strcmp(type, "5gnr") == 0) {
		*nr = true;
		n += set_num(t, "rsrp", &ci->nr_rsrp_dbm, cell_set_rsrp);
		n += set_num(t, "rsrq", &ci->nr_rsrq_db, cell_set_rsrq);
		n += set_num(t, "snr", &ci->nr_sinr_db, cell_set_sinr);
	} else if (strcmp(type, "wcdma") == 0 || strcmp(type, "cdma") == 0 || strcmp(type, "hdr") == 0) {
		n += set_rssi(t, "rssi", ci);
		ci->tech = CELL_TECH_3G;
		n++;
	} else if (strcmp(type, "gsm") == 0 || strcmp(type, "tdma") == 0) {
		n += set_rssi(t, "signal", ci);
		ci->tech = CELL_TECH_2G;
		n++;
	}
	return n;
}

int cell_parse_uqmi_signal(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen)
{
	struct json_object *o = parse_json(in, len, err, errlen);
	if (!o)
		return -1;
	int n = 0;
	bool lte = false, nr = false;
	if (json_object_is_type(o, json_type_array)) {
		/* EN-DC: [{"type":"lte",...},{"type":"5gnr",...}] */
		size_t k = json_object_array_length(o);
		for (size_t i = 0; i < k && i < 4; i++)
			n += uqmi_table(json_object_array_get_idx(o, i), out, &lte, &nr);
	} else if (json_object_is_type(o, json_type_object)) {
		if (!jobj(o, "type")) {
			json_object_put(o);
			cell_err(err, errlen, "no \"type\" in uqmi signal info");
			return -1;
		}
		n += uqmi_table(o, out, &lte, &nr);
	} else {
		json_object_put(o);
		cell_err(err, errlen, "uqmi signal info is not an object or array");
		return -1;
	}
	if (lte || nr) {
		out->tech = lte && nr ? CELL_TECH_5G_NSA : lte ? CELL_TECH_LTE : CELL_TECH_5G_SA;
		n++;
	}
	json_object_put(o);
	return n;
}

int cell_parse_uqmi_serving(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen)
{
	struct json_object *o = parse_json(in, len, err, errlen);
	if (!o)
		return -1;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		cell_err(err, errlen, "uqmi serving system is not an object");
		return -1;
	}
	int n = 0;
	size_t l;
	const char *s = jstr(o, "registration", &l);
	if (s)
		n += cell_set_reg_word(out, s, l);
	s = jstr(o, "plmn_description", &l);
	if (s)
		n += cell_set_operator(out, s, l);
	struct json_object *r = jobj(o, "roaming");
	if (r && json_object_is_type(r, json_type_boolean)) {
		out->roaming = json_object_get_boolean(r) ? TRI_TRUE : TRI_FALSE;
		if (out->reg == CELL_REG_REGISTERED || out->reg == CELL_REG_HOME)
			out->reg = out->roaming == TRI_TRUE ? CELL_REG_ROAMING : CELL_REG_HOME;
		n++;
	}
	json_object_put(o);
	return n;
}

/* {"modem": {...}}: the inner object, or NULL with err set. */
static struct json_object *mm_modem(struct json_object *o, char *err, size_t errlen)
{
	struct json_object *m = jobj(o, "modem");
	if (!m || !json_object_is_type(m, json_type_object)) {
		cell_err(err, errlen, "no \"modem\" object in mmcli output");
		return NULL;
	}
	return m;
}

/*
 * mmcli's "sim-slots" (MM >= 1.16, modems with more than one slot): one SIM
 * object path per slot, "/" for a slot without a card. Anything else in the
 * list (not a string, not a path) makes the whole list unknown.
 */
_Static_assert(CELL_SIM_SLOTS_SEEN <= 9, "sim_slots text: one digit per slot, 8 bytes each at most");

static int mm_sim_slots(struct json_object *a, struct cell_info *out)
{
	if (!a || !json_object_is_type(a, json_type_array))
		return 0;
	size_t n = json_object_array_length(a);
	if (n < 1 || n > CELL_SIM_SLOTS_SEEN)
		return 0;
	char text[sizeof(out->sim_slots)] = "";
	unsigned empty = 0;
	size_t used = 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(a, i);
		const char *p = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
		if (!p || p[0] != '/')
			return 0;
		bool none = json_object_get_string_len(e) == 1;
		if (none)
			empty |= 1u << (i + 1);
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%zu:%s", i ? " " : "", i + 1,
					 none ? "empty" : "sim");
	}
	memcpy(out->sim_slots, text, sizeof(out->sim_slots));
	out->sim_empty = empty;
	return 1;
}

int cell_parse_mmcli_modem(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen)
{
	struct json_object *o = parse_json(in, len, err, errlen);
	if (!o)
		return -1;
	struct json_object *m = mm_modem(o, err, errlen);
	if (!m) {
		json_object_put(o);
		return -1;
	}
	int n = 0;
	size_t l;
	struct json_object *g3 = jobj(m, "3gpp"), *gen = jobj(m, "generic");
	const char *s = jstr(g3, "operator-name", &l);
	if (s)
		n += cell_set_operator(out, s, l);
	s = jstr(g3, "registration-state", &l);
	if (s)
		n += cell_set_reg_word(out, s, l);
	/* "access-technologies": ["lte", "5gnr"] is EN-DC; ["5gnr"] alone SA */
	struct json_object *at = jobj(gen, "access-technologies");
	if (at && json_object_is_type(at, json_type_array)) {
		int best = CELL_TECH_UNKNOWN;
		bool lte = false, nr = false;
		size_t k = json_object_array_length(at);
		for (size_t i = 0; i < k && i < 16; i++) {
			struct json_object *e = json_object_array_get_idx(at, i);
			if (!json_object_is_type(e, json_type_string))
				continue;
			int t = cell_tech_from_word(json_object_get_string(e),
						    (size_t)json_object_get_string_len(e));
			lte |= t == CELL_TECH_LTE;
			nr |= t == CELL_TECH_5G_SA;
			if (t > best)
				best = t;
		}
		if (lte && nr)
			best = CELL_TECH_5G_NSA;
		if (best != CELL_TECH_UNKNOWN) {
			out->tech = best;
			n++;
		}
	}
	double slot;
	if (jnum(gen, "primary-sim-slot", &slot) && slot >= 1 && slot <= 8) {
		out->sim_slot = (int)slot;
		n++;
	}
	n += mm_sim_slots(gen ? jobj(gen, "sim-slots") : NULL, out);
	json_object_put(o);
	return n;
}

int cell_parse_mmcli_signal(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen)
{
	struct json_object *o = parse_json(in, len, err, errlen);
	if (!o)
		return -1;
	struct json_object *m = mm_modem(o, err, errlen);
	struct json_object *sig = m ? jobj(m, "signal") : NULL;
	if (!m || !sig || !json_object_is_type(sig, json_type_object)) {
		if (m)
			cell_err(err, errlen, "no \"signal\" object in mmcli --signal-get output");
		json_object_put(o);
		return -1;
	}
	int n = 0, lte = 0, nr = 0, umts = 0, gsm = 0;
	struct json_object *g = jobj(sig, "lte");
	lte += set_rssi(g, "rssi", out);
	lte += set_num(g, "rsrp", &out->rsrp_dbm, cell_set_rsrp);
	lte += set_num(g, "rsrq", &out->rsrq_db, cell_set_rsrq);
	lte += set_num(g, "snr", &out->sinr_db, cell_set_sinr);
	/* MM >= 1.20 names the NR group "5g"; older builds "nr5g" */
	g = jobj(sig, "5g");
	if (!g)
		g = jobj(sig, "nr5g");
	nr += set_num(g, "rsrp", &out->nr_rsrp_dbm, cell_set_rsrp);
	nr += set_num(g, "rsrq", &out->nr_rsrq_db, cell_set_rsrq);
	nr += set_num(g, "snr", &out->nr_sinr_db, cell_set_sinr);
	if (!lte && !nr) {
		umts = set_rssi(jobj(sig, "umts"), "rssi", out);
		if (!umts)
			gsm = set_rssi(jobj(sig, "gsm"), "rssi", out);
	}
	n = lte + nr + umts + gsm;
	/* only a hint: the modem step's access technologies override it */
	int tech = lte && nr ? CELL_TECH_5G_NSA : lte ? CELL_TECH_LTE : nr ? CELL_TECH_5G_SA
		   : umts ? CELL_TECH_3G : gsm ? CELL_TECH_2G : CELL_TECH_UNKNOWN;
	if (tech != CELL_TECH_UNKNOWN) {
		out->tech = tech;
		n++;
	}
	json_object_put(o);
	return n;
}

int cell_parse_ubus_signal(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen)
{
	struct json_object *o = parse_json(in, len, err, errlen);
	if (!o)
		return -1;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		cell_err(err, errlen, "get_signal_query reply is not an object");
		return -1;
	}
	int n = 0;
	size_t l;
	const char *mode = jstr(o, "net_mode", &l);
	int tech = mode ? cell_tech_from_word(mode, l) : CELL_TECH_UNKNOWN;
	n += set_rssi(o, "rssi", out);
	if (tech == CELL_TECH_5G_SA) {
		n += set_num(o, "rsrp", &out->nr_rsrp_dbm, cell_set_rsrp);
		n += set_num(o, "rsrq", &out->nr_rsrq_db, cell_set_rsrq);
		n += set_num(o, "sinr", &out->nr_sinr_db, cell_set_sinr);
	} else {
		n += set_num(o, "rsrp", &out->rsrp_dbm, cell_set_rsrp);
		n += set_num(o, "rsrq", &out->rsrq_db, cell_set_rsrq);
		n += set_num(o, "sinr", &out->sinr_db, cell_set_sinr);
	}
	if (tech != CELL_TECH_UNKNOWN) {
		out->tech = tech;
		n++;
	}
	json_object_put(o);
	return n;
}

int cell_parse_ubus_sim_slot(const char *in, size_t len, struct cell_info *out, char *err, size_t errlen)
{
	struct json_object *o = parse_json(in, len, err, errlen);
	if (!o)
		return -1;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		cell_err(err, errlen, "get_sim_slot reply is not an object");
		return -1;
	}
	/* key not documented: the RutOS scripts seen read "sim"; "slot"/"sim_slot" also taken */
	static const char *const keys[] = { "sim", "slot", "sim_slot", "active_sim" };
	int n = 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && !n; i++) {
		double v;
		if (jnum(o, keys[i], &v) && v >= 1 && v <= 8 && v == floor(v)) {
			out->sim_slot = (int)v;
			n = 1;
		}
	}
	json_object_put(o);
	return n;
}
