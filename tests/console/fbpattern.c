// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fbpattern [-s SALT] [/dev/fb0]: draw the known picture (pattern.h) on a
 * 32-bit framebuffer with write(2), row by row (fbdev's write path marks
 * the rows damaged, so the driver sends them to the host), and print
 * "fbpattern: WxH pitch P" on success.
 */
#include <fcntl.h>
#include <linux/fb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tests/console/pattern.h"

int main(int argc, char **argv)
{
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	const char *dev = "/dev/fb0";
	uint32_t salt = 0, *row;
	int fd, i = 1;

	if (argc > 2 && !strcmp(argv[1], "-s")) {
		salt = (uint32_t)strtoul(argv[2], NULL, 0);
		i = 3;
	}
	if (i < argc)
		dev = argv[i];
	fd = open(dev, O_RDWR);
	if (fd < 0 || ioctl(fd, FBIOGET_VSCREENINFO, &var) || ioctl(fd, FBIOGET_FSCREENINFO, &fix)) {
		perror(dev);
		return 1;
	}
	if (var.bits_per_pixel != 32 || fix.line_length < var.xres * 4) {
		fprintf(stderr, "fbpattern: %u bpp, pitch %u: not 32-bit\n", var.bits_per_pixel,
			fix.line_length);
		return 1;
	}
	row = calloc(1, fix.line_length);
	if (!row)
		return 1;
	for (uint32_t y = 0; y < var.yres; y++) {
		for (uint32_t x = 0; x < var.xres; x++)
			row[x] = console_pattern(x, y, salt);
		if (pwrite(fd, row, fix.line_length, (off_t)y * fix.line_length) !=
		    (ssize_t)fix.line_length) {
			perror("fbpattern: write");
			return 1;
		}
	}
	fsync(fd);
	printf("fbpattern: %ux%u pitch %u\n", var.xres, var.yres, fix.line_length);
	return 0;
}
