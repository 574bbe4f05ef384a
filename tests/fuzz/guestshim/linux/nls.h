/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * guestshim: see ../shim.h. The kernel's UTF-16 <-> UTF-8 conversions
 * (fs/nls), written again from their documented behaviour: utf16s_to_utf8s
 * stops at a 0 unit, at @inlen units or when @maxout bytes are written,
 * and skips a lone surrogate; utf8s_to_utf16s stops at a NUL, at @inlen
 * bytes or @maxout units, and fails (-EINVAL) on a byte sequence that is
 * not UTF-8. Little-endian only (all the guest uses). The wchar_t
 * pointers are read and written as bytes: userspace's wchar_t is 4 bytes.
 */
#include "../shim.h"
#ifndef OVB_GUESTSHIM_NLS_H
#define OVB_GUESTSHIM_NLS_H
#include <wchar.h>

enum utf16_endian { UTF16_HOST_ENDIAN, UTF16_LITTLE_ENDIAN, UTF16_BIG_ENDIAN };

static inline unsigned int shim_u16_at(const u8 *p, int i)
{
	return p[2 * i] | (unsigned int)p[2 * i + 1] << 8;
}

/* @c as UTF-8 into @out (room for @room bytes); its length, 0 if no room or not a character. */
static inline int shim_put_utf8(unsigned int c, u8 *out, int room)
{
	int n = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : c < 0x110000 ? 4 : 0;

	if (!n || n > room)
		return 0;
	if (n == 1) {
		out[0] = (u8)c;
		return 1;
	}
	for (int i = n - 1; i > 0; i--, c >>= 6)
		out[i] = (u8)(0x80 | (c & 0x3f));
	out[0] = (u8)((0xf00 >> n) | c);	/* 110xxxxx, 1110xxxx, 11110xxx */
	return n;
}

static inline int utf16s_to_utf8s(const wchar_t *pwcs, int inlen, enum utf16_endian endian,
				  u8 *s, int maxout)
{
	const u8 *in = (const u8 *)pwcs;
	int i = 0, n = 0;

	(void)endian;
	while (i < inlen && n < maxout) {
		unsigned int u = shim_u16_at(in, i++), v;

		if (!u)
			break;
		if (u >= 0xd800 && u < 0xe000) {
			if (u >= 0xdc00 || i >= inlen)
				continue;	/* a lone low surrogate (or a high one at the end) */
			v = shim_u16_at(in, i);
			if (v < 0xdc00 || v >= 0xe000)
				continue;	/* a high surrogate without its low one */
			i++;
			u = 0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00);
		}
		n += shim_put_utf8(u, s + n, maxout - n);	/* (no room: dropped) */
	}
	return n;
}

static inline int utf8s_to_utf16s(const u8 *s, int inlen, enum utf16_endian endian,
				  wchar_t *pwcs, int maxout)
{
	u8 *out = (u8 *)pwcs;
	int i = 0, n = 0;

	(void)endian;
	while (i < inlen && n < maxout && s[i]) {
		unsigned int c = s[i], len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 :
					     (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		unsigned int min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;

		if (!len || (int)len > inlen - i)
			return -EINVAL;
		if (len > 1) {
			c &= 0x7fu >> len;
			for (unsigned int k = 1; k < len; k++) {
				if ((s[i + k] & 0xc0) != 0x80)
					return -EINVAL;
				c = c << 6 | (s[i + k] & 0x3f);
			}
			if (c < min || c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
				return -EINVAL;
		}
		i += (int)len;
		if (c >= 0x10000) {
			if (maxout - n < 2)
				break;
			c -= 0x10000;
			out[2 * n] = (u8)(0xd800 + (c >> 10));
			out[2 * n + 1] = (u8)((0xd800 + (c >> 10)) >> 8);
			n++;
			c = 0xdc00 + (c & 0x3ff);
		}
		out[2 * n] = (u8)c;
		out[2 * n + 1] = (u8)(c >> 8);
		n++;
	}
	return n;
}
#endif
