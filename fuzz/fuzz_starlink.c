/*
 * fuzz_starlink.c - libFuzzer harness for the dish reply path: gRPC message
 * framing (sl_grpc_frame_parse), then protobuf-c decoding of a status,
 * history (with the incremental fold) or device-info reply into an arena.
 * The first input byte picks the reply kind; the rest is the HTTP/2 DATA
 * payload (5-byte gRPC prefix + message). Inputs whose framing is rejected
 * are also decoded raw, so short inputs still reach the protobuf decoder.
 *
 * Kind 3 goes one layer down: the rest of the input is what the dish sends
 * on the TCP stream (HTTP/2 frames), fed through a socketpair into the real
 * client (nghttp2 session + our header/data/trailer callbacks) during one
 * get_status call; a complete reply is then decoded as above.
 *
 * Beyond "no crash", it checks that whatever decodes yields values in range
 * (percentages 0..100, printable strings): garbage must become "unknown",
 * never a wild number. tests/unit/test_starlink_decode.c includes this file
 * to replay fuzz/corpus/starlink/ under ctest.
 */
#include <ev.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "starlink_decode.h"
#include "starlink_grpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MSG_CAP (256 * 1024)

static bool pct_ok(double v)
{
	return isnan(v) || (v >= 0 && v <= 100);
}

static bool str_ok(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s >= 0x7f)
			return false;
	return true;
}

static void check(bool ok)
{
	if (!ok)
		abort();
}

static struct sl_arena arena;

static void check_status(const uint8_t *msg, size_t len)
{
	struct sl_status st;
	char err[192];

	if (sl_decode_status(&arena, msg, len, &st, err, sizeof(err)) == SL_ERR_NONE) {
		const struct starlink_metrics *m = &st.m;
		check(pct_ok(m->pop_drop_pct) && pct_ok(m->obstruction_pct) && pct_ok(m->time_obstructed_pct));
		check(isnan(m->pop_latency_ms) || (m->pop_latency_ms > 0 && m->pop_latency_ms <= 60000));
		check(isnan(m->reboot_in_s) || m->reboot_in_s >= 0);
		check(str_ok(st.dev.id) && str_ok(st.dev.software_version) && str_ok(st.dev.hardware_version));
	} else {
		check(err[0] != '\0');
	}
}

struct h2_run {
	bool done;
	enum starlink_error err;
};

static void h2_done(void *ctx, const struct sl_grpc_result *r)
{
	struct h2_run *run = ctx;

	run->done = true;
	run->err = r->err;
	check(r->err == SL_ERR_NONE ? r->msg != NULL && r->text[0] == '\0' : r->text[0] != '\0');
	check(r->err != SL_ERR_GRPC_STATUS || r->grpc_status > 0);
	if (r->err == SL_ERR_NONE)
		check_status(r->msg, r->msg_len);
}

/* One get_status call whose server side sends `data`, then closes. */
static void fuzz_http2(const uint8_t *data, size_t size)
{
	static struct ev_loop *loop;
	static struct sl_grpc *g;
	static struct h2_run run;
	int sv[2];

	if (!g) {
		struct sl_grpc_cfg cfg = { .host = "127.0.0.1", .port = 9, .timeout_ms = 2000,
					   .msg_cap = FUZZ_MSG_CAP };
		loop = ev_loop_new(EVFLAG_AUTO);
		g = sl_grpc_new(loop, &cfg, h2_done, &run);
		check(g != NULL);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		return;
	run.done = false;
	check(sl_grpc_adopt_fd(g, sv[0]) == 0);
	check(sl_grpc_call(g, sl_req_get_status, sizeof(sl_req_get_status)) == 0);
	for (size_t off = 0; off < size;) {
		ssize_t n = write(sv[1], data + off, size - off);
		if (n <= 0)
			break;		/* buffer full: the rest is as good as lost */
		off += (size_t)n;
	}
	shutdown(sv[1], SHUT_WR);
	while (!run.done)
		ev_run(loop, EVRUN_ONCE);
	close(sv[1]);
	sl_grpc_close(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sl_hist hist;
	static bool ready;
	const uint8_t *msg;
	size_t len;
	char err[192];

	if (!ready) {
		if (sl_arena_init(&arena, SL_DECODE_ARENA_CAP) < 0)
			abort();
		sl_hist_init(&hist);
		ready = true;
	}
	if (size < 1)
		return 0;
	int kind = data[0] % 4;
	data++;
	size--;
	if (kind == 3) {
		fuzz_http2(data, size);
		sl_arena_reset(&arena);
		return 0;
	}
	if (sl_grpc_frame_parse(data, size, FUZZ_MSG_CAP, &msg, &len, err, sizeof(err)) != SL_ERR_NONE) {
		check(err[0] != '\0');
		msg = data;
		len = size;
	}

	if (kind == 0) {
		check_status(msg, len);
	} else if (kind == 1) {
		struct sl_history_view hv;
		if (sl_decode_history(&arena, msg, len, &hv, err, sizeof(err)) == SL_ERR_NONE) {
			struct sample s;
			sample_init(&s, 0);
			unsigned n = sl_hist_fold(&hist, &hv);
			check(n <= hv.n);
			sl_hist_take(&hist, &s.sl);
			check(pct_ok(s.sl.hist_drop_pct));
			check(s.sl.hist_max_drop_run_s >= -1);
			check(isnan(s.sl.hist_latency_ms) || (s.sl.hist_latency_ms > 0 &&
							       s.sl.hist_latency_ms <= 60000));
		} else {
			check(err[0] != '\0');
		}
	} else {
		struct sl_device_info di;
		if (sl_decode_device_info(&arena, msg, len, &di, err, sizeof(err)) == SL_ERR_NONE)
			check(di.valid && str_ok(di.id) && str_ok(di.build_id) && str_ok(di.country_code));
		else
			check(err[0] != '\0');
	}
	check(arena.used <= arena.cap);
	sl_arena_reset(&arena);
	return 0;
}
