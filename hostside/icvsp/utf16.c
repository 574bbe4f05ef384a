// SPDX-License-Identifier: GPL-2.0 OR MIT
/* UTF-8 <-> UTF-16LE for the ICs' strings (utf16.h). */
#include <stddef.h>
#include <string.h>

#include "hostside/icvsp/utf16.h"

/* @s as NUL-terminated UTF-16LE into @out; bytes written (NUL included) or -1. */
int utf8_to_utf16(const char *s, uint8_t *out, uint32_t size)
{
	const uint8_t *p = (const uint8_t *)s;
	uint32_t n = 0;

	while (*p) {
		uint32_t cp, need, min;

		if (*p < 0x80) {
			cp = *p++;
			need = 0, min = 0;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p++ & 0x1f;
			need = 1, min = 0x80;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p++ & 0x0f;
			need = 2, min = 0x800;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p++ & 0x07;
			need = 3, min = 0x10000;
		} else {
			return -1;
		}
		for (; need; need--, p++) {
			if ((*p & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (*p & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
			return -1;
		if (cp >= 0x10000) {
			if (n + 4 > size)
				return -1;
			cp -= 0x10000;
			out[n++] = (uint8_t)(0xd800 + (cp >> 10));
			out[n++] = (uint8_t)((0xd800 + (cp >> 10)) >> 8);
			out[n++] = (uint8_t)(0xdc00 + (cp & 0x3ff));
			out[n++] = (uint8_t)((0xdc00 + (cp & 0x3ff)) >> 8);
		} else {
			if (n + 2 > size)
				return -1;
			out[n++] = (uint8_t)cp;
			out[n++] = (uint8_t)(cp >> 8);
		}
	}
	if (n + 2 > size)
		return -1;
	out[n++] = 0;
	out[n++] = 0;
	return (int)n;
}

static int put_utf8(char *out, size_t size, size_t *n, uint32_t cp)
{
	uint8_t b[4];
	size_t k;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp, k = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6), b[1] = (uint8_t)(0x80 | (cp & 0x3f)), k = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12), b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f)), k = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | cp >> 18), b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		k = 4;
	}
	if (*n + k >= size)
		return -1;
	memcpy(out + *n, b, k);
	*n += k;
	return 0;
}

/*
 * The guest's UTF-16LE string in @in (at most @bytes, up to its NUL) as
 * UTF-8 into @out. 0, or -1 for a lone surrogate or no room.
 */
int utf16_to_utf8(const uint8_t *in, uint32_t bytes, char *out, size_t size)
{
	size_t n = 0;

	for (uint32_t i = 0; i + 1 < bytes; i += 2) {
		uint32_t u = in[i] | (uint32_t)in[i + 1] << 8, lo;

		if (!u)
			break;
		if (u >= 0xd800 && u < 0xdc00) {
			if (i + 3 >= bytes)
				return -1;
			lo = in[i + 2] | (uint32_t)in[i + 3] << 8;
			if (lo < 0xdc00 || lo >= 0xe000)
				return -1;
			u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		} else if (u >= 0xdc00 && u < 0xe000) {
			return -1;
		}
		if (put_utf8(out, size, &n, u))
			return -1;
	}
	out[n] = '\0';
	return 0;
}
