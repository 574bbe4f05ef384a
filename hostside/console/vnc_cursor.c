// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Synthvid pointer shapes to libvncserver cursors (vnc_cursor.h). The
 * rich source is in the server's pixel format (32 bits, 0x00RRGGBB, as
 * vnc.c sets it); the mask has a bit per pixel, most significant first,
 * set where the pointer is opaque. An ARGB shape is opaque where alpha is
 * at least half; a monochrome one (AND and XOR masks, as on Windows) is
 * transparent where AND is set and XOR clear, black or white elsewhere
 * (an inverting pixel, AND and XOR both set, becomes black: VNC has no
 * inversion).
 */
#include <stdlib.h>
#include <string.h>

#include "hostside/console/vnc_cursor.h"

static bool bit(const uint8_t *rows, uint32_t stride, uint32_t x, uint32_t y)
{
	return rows[(size_t)y * stride + x / 8] & (0x80 >> (x % 8));
}

rfbCursorPtr vnc_cursor_new(const struct synthvid_pointer *p)
{
	bool shown = p->visible && p->width && p->height;
	uint32_t w = shown ? p->width : 1, h = shown ? p->height : 1;
	uint32_t stride = (w + 7) / 8;
	rfbCursorPtr c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->width = (unsigned short)w;
	c->height = (unsigned short)h;
	c->xhot = shown ? (unsigned short)p->hot_x : 0;
	c->yhot = shown ? (unsigned short)p->hot_y : 0;
	c->richSource = calloc((size_t)w * h, 4);
	c->mask = calloc((size_t)stride * h, 1);
	/* The X cursor's colours, for clients that take no rich cursor. */
	c->foreRed = c->foreGreen = c->foreBlue = 0xffff;
	c->cleanup = c->cleanupRichSource = c->cleanupMask = c->cleanupSource = TRUE;
	if (!c->richSource || !c->mask) {
		rfbFreeCursor(c);
		return NULL;
	}
	for (uint32_t y = 0; shown && y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			uint32_t px;
			bool opaque;

			if (p->argb) {
				memcpy(&px, p->data + ((size_t)y * w + x) * 4, 4);
				opaque = px >> 24 >= 0x80;
			} else {
				/* synthvid_proto checked that both masks are there. */
				const uint8_t *xor_mask = p->data + (size_t)stride * h;
				bool and = bit(p->data, stride, x, y), xor = bit(xor_mask, stride, x, y);

				opaque = !and || xor;
				px = !and && xor ? 0xffffff : 0;
			}
			px &= 0xffffff;
			memcpy(c->richSource + ((size_t)y * w + x) * 4, &px, 4);
			if (opaque)
				c->mask[(size_t)y * stride + x / 8] |= (uint8_t)(0x80 >> (x % 8));
		}
	return c;
}
