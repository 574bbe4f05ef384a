/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The known picture of the console pair cases: a colour per pixel that
 * differs from its neighbours' in every channel, so a shifted row, a
 * wrong pitch or swapped channels all show. fbpattern draws it in the
 * guest, pngcheck checks a screenshot against it on the host.
 */
#ifndef OVB_TESTS_CONSOLE_PATTERN_H
#define OVB_TESTS_CONSOLE_PATTERN_H

#include <stdint.h>

/* 0x00RRGGBB at (@x, @y), drawn with salt @s (a second picture differs). */
static inline uint32_t console_pattern(uint32_t x, uint32_t y, uint32_t s)
{
	uint32_t r = (x * 7 + y * 3 + s) & 0xff;
	uint32_t g = (x ^ (y * 5)) & 0xff;
	uint32_t b = (y + (x >> 8) * 37 + s * 11) & 0xff;

	return r << 16 | g << 8 | b;
}

#endif /* OVB_TESTS_CONSOLE_PATTERN_H */
