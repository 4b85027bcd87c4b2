/*
 * fuzz_cell.c - libFuzzer harness of every cellular parser (cell_parse.h):
 * the first input byte picks the parser (modulo their number), the rest is
 * the tool's output. Checks the parsers' promises: no read past the end
 * (ASan, exact-size heap copy), a result >= -1, known values inside their
 * plausible ranges, enums in range, the operator name printable.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cell_parse.h"
#include "cell_parse_impl.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void in_range(double v, double lo, double hi)
{
	if (!isnan(v) && !(v >= lo && v <= hi))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int np = 0;
	while (cell_parsers[np].name)
		np++;
	const struct cell_parser *p = &cell_parsers[data[0] % np];
	size_t len = size - 1;
	char *buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);

	struct cell_info ci;
	cell_info_init(&ci);
	char err[128] = "";
	int rc = p->fn(buf, len, &ci, err, sizeof(err));
	if (rc < -1 || (rc == -1 && !err[0]))
		abort();
	in_range(ci.rssi_dbm, CELL_RANGE_RSSI_MIN, CELL_RANGE_RSSI_MAX);
	in_range(ci.rsrp_dbm, CELL_RANGE_RSRP_MIN, CELL_RANGE_RSRP_MAX);
	in_range(ci.nr_rsrp_dbm, CELL_RANGE_RSRP_MIN, CELL_RANGE_RSRP_MAX);
	in_range(ci.rsrq_db, CELL_RANGE_RSRQ_MIN, CELL_RANGE_RSRQ_MAX);
	in_range(ci.nr_rsrq_db, CELL_RANGE_RSRQ_MIN, CELL_RANGE_RSRQ_MAX);
	in_range(ci.sinr_db, CELL_RANGE_SINR_MIN, CELL_RANGE_SINR_MAX);
	in_range(ci.nr_sinr_db, CELL_RANGE_SINR_MIN, CELL_RANGE_SINR_MAX);
	in_range(ci.temp_c, CELL_RANGE_TEMP_MIN, CELL_RANGE_TEMP_MAX);
	if (ci.tech < CELL_TECH_UNKNOWN || ci.tech >= __CELL_TECH_MAX)
		abort();
	if (ci.reg < CELL_REG_UNKNOWN || ci.reg >= __CELL_REG_MAX)
		abort();
	if (ci.roaming < TRI_UNKNOWN || ci.roaming > TRI_TRUE)
		abort();
	if (ci.sim_slot != -1 && (ci.sim_slot < 1 || ci.sim_slot > 8))
		abort();
	if (!memchr(ci.operator_name, '\0', sizeof(ci.operator_name)) ||
	    !text_printable_utf8(ci.operator_name))
		abort();
	free(buf);
	return 0;
}
