// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * pngcheck FILE.png WIDTH HEIGHT [SALT]: exit 0 if the PNG is WIDTHxHEIGHT
 * 8-bit RGB and every pixel is the known picture (pattern.h); otherwise
 * say what differs (size, the first wrong pixel, how many) and exit 1.
 */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/console/pattern.h"

int main(int argc, char **argv)
{
	png_image img = { .version = PNG_IMAGE_VERSION };
	unsigned long bad = 0;
	uint32_t w, h, salt;
	uint8_t *px;

	if (argc < 4) {
		fprintf(stderr, "usage: pngcheck FILE.png WIDTH HEIGHT [SALT]\n");
		return 2;
	}
	w = (uint32_t)strtoul(argv[2], NULL, 0);
	h = (uint32_t)strtoul(argv[3], NULL, 0);
	salt = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 0) : 0;
	if (!png_image_begin_read_from_file(&img, argv[1])) {
		fprintf(stderr, "pngcheck: %s: %s\n", argv[1], img.message);
		return 1;
	}
	if (img.width != w || img.height != h) {
		fprintf(stderr, "pngcheck: %ux%u, expected %ux%u\n", img.width, img.height, w, h);
		return 1;
	}
	img.format = PNG_FORMAT_RGB;
	px = malloc(PNG_IMAGE_SIZE(img));
	if (!px || !png_image_finish_read(&img, NULL, px, 0, NULL)) {
		fprintf(stderr, "pngcheck: cannot read %s\n", argv[1]);
		return 1;
	}
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			const uint8_t *p = px + ((size_t)y * w + x) * 3;
			uint32_t got = (uint32_t)p[0] << 16 | p[1] << 8 | p[2];
			uint32_t want = console_pattern(x, y, salt);

			if (got != want && !bad++)
				fprintf(stderr, "pngcheck: (%u,%u) is %06x, expected %06x\n", x, y,
					got, want);
		}
	}
	free(px);
	if (bad) {
		fprintf(stderr, "pngcheck: %lu of %u pixels differ\n", bad, w * h);
		return 1;
	}
	printf("pngcheck: %ux%u match\n", w, h);
	return 0;
}
