// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The console's registry of devices (console.h). */
#include <stddef.h>

#include "hostside/console/console.h"

static struct vmbus_device *console_video_dev, *console_kbd_dev, *console_mouse_dev;

void console_set_video(struct vmbus_device *dev)
{
	console_video_dev = dev;
}

struct vmbus_device *console_video(void)
{
	return console_video_dev;
}

void console_set_keyboard(struct vmbus_device *dev)
{
	console_kbd_dev = dev;
}

struct vmbus_device *console_keyboard(void)
{
	return console_kbd_dev;
}

void console_set_mouse(struct vmbus_device *dev)
{
	console_mouse_dev = dev;
}

struct vmbus_device *console_mouse(void)
{
	return console_mouse_dev;
}
