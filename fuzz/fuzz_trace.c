/*
 * fuzz_trace.c - libFuzzer harness for the trace reader (sim/trace.c) and,
 * through it, the engine: whatever parses is fed to an engine built from the
 * trace's members, with a decision after each timestamp, so hostile values
 * that pass the reader's checks reach engine_observe()/engine_decide() too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct trace_reader r;
	struct trace_item it;
	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	if (trace_open(&r, "fuzz", f) == 0) {
		struct engine_params p;
		engine_params_defaults(&p);
		struct engine *e = engine_create(&p, r.members, r.n, NULL, 0);
		int64_t cur = INT64_MIN;
		for (int k = 0; k < 100000 && trace_next(&r, &it) > 0; k++) {
			if (it.kind != TI_SAMPLE || !e)
				continue;
			if (cur != INT64_MIN && it.t_ms > cur)
				engine_decide(e, cur, NULL);
			cur = it.t_ms;
			engine_observe(e, it.member, &it.s);
		}
		if (e && cur != INT64_MIN) {
			struct engine_decision d;
			engine_decide(e, cur, &d);
			for (int i = 0; i < engine_member_count(e); i++) {
				struct engine_score_info si;
				engine_member_score(e, i, &si);
			}
		}
		engine_destroy(e);
	}
	trace_close(&r);
	fclose(f);
	return 0;
}
