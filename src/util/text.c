/* text.c - see text.h */
#include "text.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at s (1..4), 0 when invalid or cut off. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	unsigned min;
	unsigned cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;	/* includes the terminating NUL: cut off */
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static bool is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

bool text_printable_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	while (*s) {
		size_t n = utf8_len(s);
		if (!n || (n == 1 && is_control(*s)))
			return false;
		s += n;
	}
	return true;
}

char *text_sanitize(char *str)
{
	unsigned char *s = (unsigned char *)str;
	while (*s) {
		size_t n = utf8_len(s);
		if (n == 0) {
			/* a lead byte whose tail was cut off at the very end: drop it */
			size_t rest = strlen((char *)s);
			if (*s >= 0xc2 && rest < 4) {
				bool tail_ok = true;
				for (size_t i = 1; i < rest; i++)
					tail_ok &= (s[i] & 0xc0) == 0x80;
				if (tail_ok) {
					*s = 0;
					break;
				}
			}
			*s++ = '?';
			continue;
		}
		if (n == 1 && is_control(*s))
			*s = '?';
		s += n;
	}
	return str;
}

char *text_copy_sanitized(char *dst, size_t len, const char *src)
{
	if (!len)
		return dst;
	size_t n = strlen(src);
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
	return text_sanitize(dst);
}

int text_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
