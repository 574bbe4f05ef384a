/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The synthetic keyboard and mouse on VMBus (input_proto.h on a
 * channel each). Events come from any thread (ovbctl, the VNC server):
 * they are queued and the channel's worker sends them, so only the
 * worker writes the ring.
 */
#ifndef OVB_INPUTVSP_H
#define OVB_INPUTVSP_H

#include <stdbool.h>
#include <stdint.h>

#include "hostside/inputvsp/scancodes.h"

struct vmbus_device;

struct vmbus_device *inputvsp_keyboard_new(void);
struct vmbus_device *inputvsp_mouse_new(void);
void inputvsp_free(struct vmbus_device *dev);

struct inputvsp_status {
	bool open, ready;		/* channel open; the guest's driver connected */
	uint64_t msgs, errors, events, dropped;
	bool leds_known;
	uint32_t leds;
};
void inputvsp_get_status(struct vmbus_device *dev, struct inputvsp_status *st);

/*
 * Queue a key going down or up (keyboard), or the pointer at @x, @y
 * (0..SYNTHHID_ABS_MAX) with @buttons (bit 0 left, 1 right, 2 middle) and
 * a @wheel step (mouse). 0; -ENODEV when the guest's driver is not
 * connected; -ENOSPC when the queue is full. Any thread.
 */
int inputvsp_key(struct vmbus_device *kbd, struct scancode sc, bool down);
int inputvsp_pointer(struct vmbus_device *mouse, uint16_t x, uint16_t y, uint8_t buttons,
		     int8_t wheel);

/* Pixel @v of @size to the mouse's 0..SYNTHHID_ABS_MAX (rounded; past the edge: the edge). */
uint16_t input_scale(uint32_t v, uint32_t size);

#endif /* OVB_INPUTVSP_H */
