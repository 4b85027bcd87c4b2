/*
 * cell_parse_impl.h - helpers shared by the cell_parse*.c files (not a
 * public interface): plausible ranges, strict number reading, setters
 * that keep a value only when it is physically possible.
 */
#ifndef SF_CELL_PARSE_IMPL_H
#define SF_CELL_PARSE_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "cell_parse.h"

/* Plausible ranges (inclusive); anything outside is "unknown", not a value. */
#define CELL_RANGE_RSSI_MIN (-130.0)	/* dBm */
#define CELL_RANGE_RSSI_MAX (-1.0)
#define CELL_RANGE_RSRP_MIN (-156.0)	/* dBm, 3GPP 38.133 reporting range */
#define CELL_RANGE_RSRP_MAX (-31.0)
#define CELL_RANGE_RSRQ_MIN (-43.0)	/* dB, NR extended range */
#define CELL_RANGE_RSRQ_MAX (20.0)
#define CELL_RANGE_SINR_MIN (-30.0)	/* dB */
#define CELL_RANGE_SINR_MAX (50.0)
#define CELL_RANGE_TEMP_MIN (-40.0)	/* degrees C */
#define CELL_RANGE_TEMP_MAX (125.0)

/* A whole token as a finite number ("-95", "-95.00", " 12.4 "); "--", "-", "" and words fail. */
bool cell_num(const char *s, size_t len, double *out);

/* Store v into *dst when lo <= v <= hi; returns 1 if stored. */
int cell_set(double *dst, double v, double lo, double hi);
int cell_set_rssi(struct cell_info *ci, double v);
int cell_set_rsrp(double *dst, double v);
int cell_set_rsrq(double *dst, double v);
int cell_set_sinr(double *dst, double v);
int cell_set_temp(struct cell_info *ci, double v);
int cell_set_operator(struct cell_info *ci, const char *s, size_t len);

/* Registration from 3GPP 27.007 <stat> (0..10); 1 if known. */
int cell_set_reg_stat(struct cell_info *ci, long stat);
/* Registration from a word: "home", "roaming", "registered", "searching", ...; 1 if known. */
int cell_set_reg_word(struct cell_info *ci, const char *s, size_t len);

/* Reject what no parser should see: empty, too long, NUL bytes. */
int cell_input_check(const char *in, size_t len, char *err, size_t errlen);

void cell_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
