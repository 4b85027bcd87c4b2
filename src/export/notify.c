/* notify.c - hook scripts and the webhook: which events, debounce, rate, queue, retries, bodies; see notify.h */
#include "notify.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <ev.h>
#include <json-c/json.h>

#include "clock.h"
#include "log.h"
#include "proc.h"
#include "text.h"
#include "webhook.h"

#define NOTIFY_RETRY_FIRST_MS 1000
#define NOTIFY_TEXT_MAX 2048

const char *const notify_format_names[] = { "json", "ntfy", "pushover", "telegram", "discord", NULL };

struct message {
	char *body;
	size_t len;
	const char *ctype;
	char title[200];
	int attempts;
};

struct notifier {
	struct ev_loop *loop;
	struct notify_opts o;
	struct proc_pool *pool;
	struct webhook *wh;
	struct tel_event burst[NOTIFY_BURST_MAX];
	int n_burst, burst_more;
	ev_timer debounce, retry;
	int64_t *rate_ms;		/* when the last rate_per_hour messages were queued */
	int rate_n, rate_next;
	struct message *q;
	int q_head, q_len;
	struct notify_status_view st;	/* counters; pointers filled by notify_status_fill */
	char hook_error[200], last_error[200];
};

/* ---- which events ---- */

static bool wanted(const struct notifier *n, const struct tel_event *ev)
{
	for (int i = 0; i < n->o.n_kinds; i++)
		if (!strcmp(n->o.kinds[i], ev->type) || !strcmp(n->o.kinds[i], ev->reason))
			return true;
	return false;
}

/* One line about an event, for people. */
static void event_line(const struct tel_event *ev, char *buf, size_t len)
{
	if (!strcmp(ev->type, "switch"))
		snprintf(buf, len, "uplink %s -> %s (%s)", *ev->from ? ev->from : "none", *ev->to ? ev->to : "none",
			 ev->reason);
	else if (!strcmp(ev->type, "all_bad"))
		snprintf(buf, len, "all uplinks bad or down (%s)", ev->reason);
	else
		snprintf(buf, len, "%s%s%s: %s", ev->type, *ev->member ? " " : "", ev->member, ev->reason);
	text_sanitize(buf);
}

/* ---- hooks ---- */

static void hook_done(const struct proc_result *r, void *ctx)
{
	struct notifier *n = ctx;
	if (r->ok) {
		n->st.hooks_run++;
		return;
	}
	n->st.hooks_failed++;
	if (r->timed_out)
		n->st.hooks_timed_out++;
	char first[120];
	proc_err_line(r, first, sizeof(first));
	snprintf(n->hook_error, sizeof(n->hook_error), "%s%s%s", r->reason, *first ? ": " : "", first);
	text_sanitize(n->hook_error);
	log_warn("notify: hook failed: %s", n->hook_error);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_hooks(struct notifier *n, const struct tel_event *ev)
{
	DIR *dir = opendir(n->o.hooks_dir);
	if (!dir)
		return;	/* no directory: no hooks */
	char *names[NOTIFY_HOOKS_MAX];
	int count = 0;
	struct dirent *de;
	while ((de = readdir(dir)) && count < NOTIFY_HOOKS_MAX) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || !l || de->d_name[l - 1] == '~')
			continue;
		char path[NOTIFY_STR_MAX + 256];
		struct stat sb;
		snprintf(path, sizeof(path), "%s/%s", n->o.hooks_dir, de->d_name);
		if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode) || !(sb.st_mode & S_IXUSR))
			continue;
		if (!(names[count] = strdup(path)))
			break;
		count++;
	}
	closedir(dir);
	qsort(names, (size_t)count, sizeof(names[0]), name_cmp);

	char e_type[64], e_reason[64], e_member[64], e_from[64], e_to[64], e_text[TEL_TEXT_MAX + 16];
	char e_time[48], e_node[96], e_msg[256];
	char line[200];
	event_line(ev, line, sizeof(line));
	snprintf(e_type, sizeof(e_type), "STARFAIL_EVENT=%s", ev->type);
	snprintf(e_reason, sizeof(e_reason), "STARFAIL_REASON=%s", ev->reason);
	snprintf(e_member, sizeof(e_member), "STARFAIL_MEMBER=%s", ev->member);
	snprintf(e_from, sizeof(e_from), "STARFAIL_FROM=%s", ev->from);
	snprintf(e_to, sizeof(e_to), "STARFAIL_TO=%s", ev->to);
	snprintf(e_text, sizeof(e_text), "STARFAIL_TEXT=%s", ev->text);
	snprintf(e_time, sizeof(e_time), "STARFAIL_TIME=%lld", (long long)ev->wall_s);
	snprintf(e_node, sizeof(e_node), "STARFAIL_NODE=%s", n->o.node);
	snprintf(e_msg, sizeof(e_msg), "STARFAIL_MESSAGE=%s", line);
	const char *env[] = { e_type, e_reason, e_member, e_from, e_to, e_text, e_time, e_node, e_msg,
			      "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	for (int i = 0; i < 9; i++)
		text_sanitize((char *)env[i]);
	for (int i = 0; i < count; i++) {
		const char *argv[] = { names[i], ev->type, NULL };
		struct proc_spec spec = { .argv = argv, .envp = env, .timeout_ms = n->o.hook_timeout_ms,
					  .err_cap = 512 };
		if (!n->pool || !proc_run(n->pool, &spec, hook_done, n)) {
			n->st.hooks_dropped++;
			snprintf(n->hook_error, sizeof(n->hook_error), "%s not run: %s", names[i],
				 n->pool ? proc_pool_last_error(n->pool) : "no process pool");
		}
		free(names[i]);
	}
}

#ifndef SF_HAVE_WEBHOOK
/* not in this build: notify_new refuses a URL before these are reached */
struct webhook *webhook_new(struct ev_loop *loop, webhook_done_fn done, void *ctx) { return NULL; }
void webhook_free(struct webhook *w) {}
bool webhook_busy(const struct webhook *w) { return false; }
int webhook_post(struct webhook *w, const char *url, const char *const *headers, int n_headers,
		 const char *body, size_t len, int timeout_ms, char *err, size_t errlen)
{
	snprintf(err, errlen, "not in this build");
	return -1;
}
#endif

/* ---- webhook: bodies ---- */

static char *urlencode(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n * 3 + 1), *p = out;
	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '_' || c == '.' || c == '~')
			*p++ = (char)c;
		else
			p += sprintf(p, "%%%02X", c);
	}
	*p = '\0';
	return out;
}

static struct json_object *event_json(const struct tel_event *ev)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "time", json_object_new_int64(ev->wall_s));
	json_object_object_add(o, "type", json_object_new_string(ev->type));
	json_object_object_add(o, "reason", json_object_new_string(ev->reason));
	json_object_object_add(o, "member", *ev->member ? json_object_new_string(ev->member) : NULL);
	json_object_object_add(o, "from", *ev->from ? json_object_new_string(ev->from) : NULL);
	json_object_object_add(o, "to", *ev->to ? json_object_new_string(ev->to) : NULL);
	json_object_object_add(o, "text", json_object_new_string(ev->text));
	return o;
}

static char *dup_json(struct json_object *o, size_t *len)
{
	const char *t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *s = strdup(t);
	*len = s ? strlen(s) : 0;
	json_object_put(o);
	return s;
}

/* The body of one message of the burst, in the configured format. */
static bool build(struct notifier *n, struct message *m)
{
	char text[NOTIFY_TEXT_MAX] = "";
	size_t tl = 0;
	for (int i = 0; i < n->n_burst; i++) {
		char line[200];
		event_line(&n->burst[i], line, sizeof(line));
		tl += (size_t)snprintf(text + tl, tl < sizeof(text) ? sizeof(text) - tl : 0, "%s%s", i ? "\n" : "", line);
	}
	if (n->burst_more && tl < sizeof(text))
		snprintf(text + tl, sizeof(text) - tl, "\n(and %d more)", n->burst_more);
	int total = n->n_burst + n->burst_more;
	char first[120];
	event_line(&n->burst[0], first, sizeof(first));
	if (total == 1)
		snprintf(m->title, sizeof(m->title), "Starfail %s: %s", n->o.node, first);
	else
		snprintf(m->title, sizeof(m->title), "Starfail %s: %d events", n->o.node, total);
	text_sanitize(m->title);

	struct json_object *o;
	switch (n->o.format) {
	case NOTIFY_NTFY:
		m->body = strdup(text);
		m->len = m->body ? strlen(m->body) : 0;
		m->ctype = "Content-Type: text/plain; charset=utf-8";
		break;
	case NOTIFY_PUSHOVER: {
		char *t = urlencode(m->title), *x = urlencode(text), *tok = urlencode(n->o.token),
		     *usr = urlencode(n->o.user);
		if (t && x && tok && usr && asprintf(&m->body, "token=%s&user=%s&title=%s&message=%s", tok, usr, t, x) < 0)
			m->body = NULL;
		free(t);
		free(x);
		free(tok);
		free(usr);
		m->len = m->body ? strlen(m->body) : 0;
		m->ctype = "Content-Type: application/x-www-form-urlencoded";
		break;
	}
	case NOTIFY_TELEGRAM: {
		char msg[NOTIFY_TEXT_MAX + 256];
		snprintf(msg, sizeof(msg), "%s\n%s", m->title, text);
		o = json_object_new_object();
		json_object_object_add(o, "chat_id", json_object_new_string(n->o.chat_id));
		json_object_object_add(o, "text", json_object_new_string(msg));
		m->body = dup_json(o, &m->len);
		m->ctype = "Content-Type: application/json";
		break;
	}
	case NOTIFY_DISCORD: {
		char msg[NOTIFY_TEXT_MAX + 256];
		snprintf(msg, sizeof(msg), "**%s**\n%s", m->title, text);
		o = json_object_new_object();
		json_object_object_add(o, "username", json_object_new_string("Starfail"));
		json_object_object_add(o, "content", json_object_new_string(msg));
		m->body = dup_json(o, &m->len);
		m->ctype = "Content-Type: application/json";
		break;
	}
	default: {
		o = json_object_new_object();
		struct json_object *evs = json_object_new_array();
		for (int i = 0; i < n->n_burst; i++)
			json_object_array_add(evs, event_json(&n->burst[i]));
		json_object_object_add(o, "node", json_object_new_string(n->o.node));
		json_object_object_add(o, "title", json_object_new_string(m->title));
		json_object_object_add(o, "message", json_object_new_string(text));
		json_object_object_add(o, "events", evs);
		json_object_object_add(o, "events_left_out", json_object_new_int(n->burst_more));
		m->body = dup_json(o, &m->len);
		m->ctype = "Content-Type: application/json";
		break;
	}
	}
	return m->body != NULL;
}

/* ---- webhook: queue and sending ---- */

static void pump(struct notifier *n);

static void drop_head(struct notifier *n)
{
	free(n->q[n->q_head].body);
	n->q[n->q_head].body = NULL;
	n->q_head = (n->q_head + 1) % n->o.queue_max;
	n->q_len--;
}

static void sent_cb(void *ctx, bool ok, long status, const char *error)
{
	struct notifier *n = ctx;
	struct message *m = &n->q[n->q_head];
	if (ok) {
		n->st.sent++;
		n->st.last_sent_at = time(NULL);
		drop_head(n);
		pump(n);
		return;
	}
	snprintf(n->last_error, sizeof(n->last_error), "%s", error);
	text_sanitize(n->last_error);
	n->st.last_error_at = time(NULL);
	if (m->attempts > n->o.retries) {
		n->st.failed++;
		log_warn("notify: webhook gave up after %d attempts: %s", m->attempts, n->last_error);
		drop_head(n);
		pump(n);
		return;
	}
	double ms = NOTIFY_RETRY_FIRST_MS;
	for (int i = 1; i < m->attempts; i++)
		ms *= 2;
	log_info("notify: webhook attempt %d failed (%s): retry in %d ms", m->attempts, n->last_error, (int)ms);
	ev_timer_set(&n->retry, ms / 1000.0, 0);
	ev_timer_start(n->loop, &n->retry);
}

static void pump(struct notifier *n)
{
	if (!n->wh || !n->q_len || webhook_busy(n->wh) || ev_is_active(&n->retry))
		return;
	struct message *m = &n->q[n->q_head];
	char title[210];
	snprintf(title, sizeof(title), "Title: %s", m->title);
	const char *headers[3] = { m->ctype, "Expect:", title };
	int nh = n->o.format == NOTIFY_NTFY ? 3 : 2;
	char err[200];
	if (m->attempts++)
		n->st.retried++;
	if (webhook_post(n->wh, n->o.url, headers, nh, m->body, m->len, n->o.timeout_ms, err, sizeof(err)) < 0)
		sent_cb(n, false, 0, err);
}

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	pump(w->data);
}

/* A message out of the burst: rate limit, then the queue. */
static void debounce_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct notifier *n = w->data;
	if (!n->n_burst)
		return;
	int64_t now = clock_mono_ms();
	if (n->rate_n == n->o.rate_per_hour && now - n->rate_ms[n->rate_next] < 3600 * 1000) {
		n->st.dropped_rate++;
		log_warn("notify: more than %d messages this hour: message dropped", n->o.rate_per_hour);
	} else {
		struct message m = { 0 };
		if (!build(n, &m)) {
			n->st.dropped_queue++;
		} else {
			if (n->q_len == n->o.queue_max) {
				n->st.dropped_queue++;	/* the oldest goes: the newest says more */
				if (!webhook_busy(n->wh))
					drop_head(n);
			}
			if (n->q_len < n->o.queue_max) {
				n->q[(n->q_head + n->q_len) % n->o.queue_max] = m;
				n->q_len++;
			} else {
				free(m.body);
			}
			n->rate_ms[n->rate_next] = now;
			n->rate_next = (n->rate_next + 1) % n->o.rate_per_hour;
			if (n->rate_n < n->o.rate_per_hour)
				n->rate_n++;
		}
	}
	n->n_burst = n->burst_more = 0;
	pump(n);
}

void notify_event(struct notifier *n, const struct tel_event *ev)
{
	if (!n || !wanted(n, ev))
		return;
	n->st.events++;
	if (*n->o.hooks_dir)
		run_hooks(n, ev);
	if (!n->wh)
		return;
	if (n->n_burst < NOTIFY_BURST_MAX)
		n->burst[n->n_burst++] = *ev;
	else
		n->burst_more++;
	if (!ev_is_active(&n->debounce)) {
		ev_timer_set(&n->debounce, n->o.debounce_ms / 1000.0, 0);
		ev_timer_start(n->loop, &n->debounce);
	}
}

struct notifier *notify_new(struct ev_loop *loop, const struct notify_opts *o, char *err, size_t errlen)
{
#ifndef SF_HAVE_WEBHOOK
	if (*o->url) {
		snprintf(err, errlen, "webhook: not in this build (SF_WEBHOOK=OFF)");
		return NULL;
	}
#endif
	if (*o->url && strncmp(o->url, "http://", 7) && strncmp(o->url, "https://", 8)) {
		snprintf(err, errlen, "webhook URL must start with http:// or https://");
		return NULL;
	}
	struct notifier *n = calloc(1, sizeof(*n));
	if (!n) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n->loop = loop;
	n->o = *o;
	n->st.enabled = *o->hooks_dir || *o->url;
	ev_timer_init(&n->debounce, debounce_cb, 0, 0);
	n->debounce.data = n;
	ev_timer_init(&n->retry, retry_cb, 0, 0);
	n->retry.data = n;
	if (*o->hooks_dir && !(n->pool = proc_pool_new(loop, NOTIFY_HOOKS_RUNNING, NOTIFY_HOOKS_QUEUED))) {
		snprintf(err, errlen, "hooks: cannot create the process pool: %s", strerror(errno));
		goto fail;
	}
	if (*o->url) {
		n->q = calloc((size_t)o->queue_max, sizeof(*n->q));
		n->rate_ms = calloc((size_t)o->rate_per_hour, sizeof(*n->rate_ms));
		if (!n->q || !n->rate_ms || !(n->wh = webhook_new(loop, sent_cb, n))) {
			snprintf(err, errlen, "webhook: cannot set up libcurl");
			goto fail;
		}
	}
	return n;
fail:
	notify_free(n);
	return NULL;
}

void notify_free(struct notifier *n)
{
	if (!n)
		return;
	ev_timer_stop(n->loop, &n->debounce);
	ev_timer_stop(n->loop, &n->retry);
	webhook_free(n->wh);
	if (n->pool)
		proc_pool_free(n->pool);
	while (n->q && n->q_len)
		drop_head(n);
	free(n->q);
	free(n->rate_ms);
	free(n);
}

void notify_status_fill(const struct notifier *n, struct notify_status_view *v)
{
	if (!n) {
		v->state = "off";
		return;
	}
	*v = n->st;
	v->queued = n->q_len;
	v->state = n->wh && webhook_busy(n->wh) ? "sending" : ev_is_active(&n->retry) ? "retry_wait"
		   : ev_is_active(&n->debounce) ? "debounce" : "idle";
	if (*n->hook_error) {
		snprintf(v->hook_error_store, sizeof(v->hook_error_store), "%s", n->hook_error);
		v->hook_error = v->hook_error_store;
	}
	if (*n->last_error) {
		snprintf(v->error_store, sizeof(v->error_store), "%s", n->last_error);
		v->last_error = v->error_store;
	}
}
