/*
 * text.h - making outside text safe to show.
 *
 * Strings from outside (config values, API requests, the dish's gRPC
 * messages and device info) end up in log lines and in JSON replies. json-c
 * copies bytes as they are, so invalid UTF-8 would make a reply undecodable
 * for every client. These helpers keep what is valid and replace the rest.
 */
#ifndef SF_TEXT_H
#define SF_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Value of one hexadecimal digit (0-9, a-f, A-F), -1 for any other byte. */
int text_hexval(unsigned char c);

/* True when s is valid UTF-8 without control characters (tab allowed). */
bool text_printable_utf8(const char *s);

/*
 * In place: every byte that is not part of a valid UTF-8 sequence, and every
 * control character, becomes '?'. A multi-byte character cut off at the end
 * (by a truncating snprintf) is removed. Returns s.
 */
char *text_sanitize(char *s);

/* Copy src into dst (size len), sanitized. Returns dst. */
char *text_copy_sanitized(char *dst, size_t len, const char *src);

#endif
