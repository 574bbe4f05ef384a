// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * PNG output through libpng: one row at a
 * time, converted from the guest's XRGB to RGB, with setjmp for libpng's
 * errors.
 */
#include <fcntl.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hostside/console/png.h"

static int png_rows(FILE *f, const uint32_t *px, uint32_t w, uint32_t h, uint8_t *row)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	int ret = -1;

	if (!info)
		goto out;
	if (setjmp(png_jmpbuf(png)))
		goto out;
	png_init_io(png, f);
	/* Fast: screens are big and the ctl thread waits for this. */
	png_set_compression_level(png, 1);
	png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (uint32_t y = 0; y < h; y++) {
		const uint32_t *s = px + (size_t)y * w;

		for (uint32_t x = 0; x < w; x++) {
			row[3 * x] = (uint8_t)(s[x] >> 16);
			row[3 * x + 1] = (uint8_t)(s[x] >> 8);
			row[3 * x + 2] = (uint8_t)s[x];
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	ret = 0;
out:
	png_destroy_write_struct(&png, info ? &info : NULL);
	return ret;
}

int console_png_write(const char *path, const uint32_t *px, uint32_t w, uint32_t h,
		      const char **err)
{
	uint8_t *row = malloc((size_t)w * 3);
	int fd = -1, ret = -1;
	FILE *f = NULL;

	*err = "out of memory";
	if (!row)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		*err = "cannot create the file (it must not exist yet)";
		goto out;
	}
	f = fdopen(fd, "wb");
	if (!f) {
		close(fd);
		goto out;
	}
	*err = "cannot write the PNG";
	ret = png_rows(f, px, w, h, row);
	if (fclose(f) && !ret)
		ret = -1;
	if (ret)
		unlink(path);
out:
	free(row);
	return ret;
}
