/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The console: what ovb-host shows of the guest's screen (VNC) and
 * where input from it goes. The devices register here when their types
 * create them (hostside/devices.c creates types in list order, and the
 * console type comes after them), so the console names no device type.
 * Main's thread only (create/destroy).
 */
#ifndef OVB_CONSOLE_H
#define OVB_CONSOLE_H

struct vmbus_device;

/* The synthetic video device, or NULL once it is gone. */
void console_set_video(struct vmbus_device *dev);
struct vmbus_device *console_video(void);

/* The synthetic keyboard and mouse (VNC input goes there), or NULL. */
void console_set_keyboard(struct vmbus_device *dev);
struct vmbus_device *console_keyboard(void);
void console_set_mouse(struct vmbus_device *dev);
struct vmbus_device *console_mouse(void);

#endif /* OVB_CONSOLE_H */
