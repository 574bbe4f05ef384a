/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Screens as PNG files (libpng): `ovbctl screenshot`.
 */
#ifndef OVB_CONSOLE_PNG_H
#define OVB_CONSOLE_PNG_H

#include <stdint.h>

/*
 * Write @w x @h pixels 0x00RRGGBB (rows of @w) to a new file @path as an
 * 8-bit RGB PNG. The file must not exist (O_EXCL, no symlink followed):
 * ovb-host may run as root for a client that is not. 0, or -1 with *@err
 * a static reason.
 */
int console_png_write(const char *path, const uint32_t *px, uint32_t w, uint32_t h,
		      const char **err);

#endif /* OVB_CONSOLE_PNG_H */
