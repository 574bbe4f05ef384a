/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* guestshim: see ../shim.h */
#include "../shim.h"
#ifndef OVB_GUESTSHIM_STRING_H
#define OVB_GUESTSHIM_STRING_H
/* strscpy: copy with a NUL always; the length, or -E2BIG if cut. */
static inline long strscpy(char *dst, const char *src, size_t size)
{
	size_t n = strnlen(src, size);

	if (!size)
		return -E2BIG;
	if (n == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, n + 1);
	return (long)n;
}
#endif
