// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fbpattern [-m WxH] [-s SALT] [/dev/fb0]: draw the known picture
 * (pattern.h) on a 32-bit framebuffer through mmap(2), and print
 * "fbpattern: WxH pitch P" on success. -m first sets that mode
 * (FBIOPUT_VSCREENINFO), as fbset would: a mode change the host sees. mmap, not write(2): DRM's fbdev emulation tracks written
 * pages of a mapping (deferred I/O) and sends them to the driver, which
 * blits them to the VRAM. Pixels written with write(2) on Debian's 6.1
 * never reached hyperv_drm's VRAM in the pair (the screenshot stayed
 * black), so the write path there seems to mark nothing damaged.
 */
#include <fcntl.h>
#include <linux/fb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/console/pattern.h"

int main(int argc, char **argv)
{
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	const char *dev = "/dev/fb0";
	uint32_t salt = 0, *row;
	uint8_t *fb;
	unsigned int mode_w = 0, mode_h = 0;
	int fd, i = 1;

	if (argc > i + 1 && !strcmp(argv[i], "-m")) {
		if (sscanf(argv[i + 1], "%ux%u", &mode_w, &mode_h) != 2) {
			fprintf(stderr, "fbpattern: -m WIDTHxHEIGHT\n");
			return 1;
		}
		i += 2;
	}
	if (argc > i + 1 && !strcmp(argv[i], "-s")) {
		salt = (uint32_t)strtoul(argv[i + 1], NULL, 0);
		i += 2;
	}
	if (i < argc)
		dev = argv[i];
	fd = open(dev, O_RDWR);
	if (fd < 0 || ioctl(fd, FBIOGET_VSCREENINFO, &var) || ioctl(fd, FBIOGET_FSCREENINFO, &fix)) {
		perror(dev);
		return 1;
	}
	if (mode_w) {
		var.xres = var.xres_virtual = mode_w;
		var.yres = var.yres_virtual = mode_h;
		var.activate = FB_ACTIVATE_NOW;
		if (ioctl(fd, FBIOPUT_VSCREENINFO, &var) || ioctl(fd, FBIOGET_VSCREENINFO, &var) ||
		    ioctl(fd, FBIOGET_FSCREENINFO, &fix) || var.xres != mode_w || var.yres != mode_h) {
			fprintf(stderr, "fbpattern: cannot set %ux%u (now %ux%u)\n", mode_w, mode_h,
				var.xres, var.yres);
			return 1;
		}
	}
	if (var.bits_per_pixel != 32 || fix.line_length < var.xres * 4) {
		fprintf(stderr, "fbpattern: %u bpp, pitch %u: not 32-bit\n", var.bits_per_pixel,
			fix.line_length);
		return 1;
	}
	fb = mmap(NULL, (size_t)fix.line_length * var.yres, PROT_READ | PROT_WRITE, MAP_SHARED,
		  fd, 0);
	if (fb == MAP_FAILED) {
		perror("fbpattern: mmap");
		return 1;
	}
	for (uint32_t y = 0; y < var.yres; y++) {
		row = (uint32_t *)(fb + (size_t)y * fix.line_length);
		for (uint32_t x = 0; x < var.xres; x++)
			row[x] = console_pattern(x, y, salt);
	}
	msync(fb, (size_t)fix.line_length * var.yres, MS_SYNC);
	munmap(fb, (size_t)fix.line_length * var.yres);
	printf("fbpattern: %ux%u pitch %u\n", var.xres, var.yres, fix.line_length);
	return 0;
}
