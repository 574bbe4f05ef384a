/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* guestshim: see ../shim.h */
#include "../shim.h"
#ifndef OVB_GUESTSHIM_STRING_H
#define OVB_GUESTSHIM_STRING_H
/* strscpy: copy with a NUL always; the length, or -E2BIG if cut. */
static inline long strscpy(char *dst, const char *src, size_t size)
{
	size_t n;

	if (!size)
		return -E2BIG;
	/* at most size - 1 bytes, so no read past a shorter source */
	n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
	return src[n] ? -E2BIG : (long)n;
}
#endif
