/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The synthetic video device: the protocol (synthvid_proto.h) on a VMBus
 * channel, and the framebuffer as the rest of the host sees it. The
 * console (screenshot, VNC) reads frames with videovsp_read_frame() from
 * any thread; the channel's worker is the only writer of the state.
 */
#ifndef OVB_VIDEOVSP_H
#define OVB_VIDEOVSP_H

#include <stdbool.h>
#include <stdint.h>

#include "hostside/videovsp/synthvid_proto.h"

struct vmbus_device;

/* VRAM (the offer's mmio_megabytes): the largest default mode fits. */
#define VIDEOVSP_VRAM_MB	16

/* @default_mode indexes synthvid_default_modes; @vram_mb: the VRAM (the tests use less). */
struct vmbus_device *videovsp_new(unsigned int default_mode, unsigned int vram_mb);
void videovsp_free(struct vmbus_device *dev);

struct videovsp_status {
	bool open;
	uint32_t version;		/* 0: not negotiated */
	uint64_t vram_gpa;		/* 0: not placed */
	struct synthvid_mode mode;
	bool dirt_asked;
	struct synthvid_stats stats;
	int32_t ptr_x, ptr_y;
	bool ptr_visible;
};
void videovsp_get_status(struct vmbus_device *dev, struct videovsp_status *st);

/*
 * A copy of the screen: width x height pixels 0x00RRGGBB, rows of
 * width * 4 bytes (the guest's XRGB8888). *@px is malloc'ed; the caller
 * frees it. 0, -ENODEV when the guest shows nothing (no VRAM or no active
 * mode), -ENOMEM. Any thread.
 */
int videovsp_read_frame(struct vmbus_device *dev, uint32_t **px, uint32_t *width,
			uint32_t *height);

/*
 * For the console, the only taker of the guest's damage: wait up to
 * @timeout_ms until the screen changed after *@seq (a dirty rectangle, a
 * mode change, the VRAM placed or gone), then set *@seq to now. 1 if it
 * changed, 0 on timeout. Any thread.
 */
int videovsp_wait_change(struct vmbus_device *dev, uint64_t *seq, unsigned int timeout_ms);

/*
 * Copy what changed since the last call into @fb, @fb_w x @fb_h pixels
 * 0x00RRGGBB (everything if @full), and say where in *@box (empty when
 * nothing changed). -EAGAIN when the guest's mode is not @fb_w x @fb_h,
 * with *@mode_w, *@mode_h the mode (nothing is taken: call again with a
 * buffer of that size and @full); -ENODEV when it shows nothing.
 */
int videovsp_copy_damage(struct vmbus_device *dev, uint32_t *fb, uint32_t fb_w, uint32_t fb_h,
			 bool full, struct synthvid_box *box, uint32_t *mode_w, uint32_t *mode_h);

/*
 * For the console's cursor: if the guest's pointer (shape, position,
 * visibility) changed after *@seq, copy it to *@ptr, set *@seq to now and
 * return 1; else 0. Any thread.
 */
int videovsp_get_pointer(struct vmbus_device *dev, uint64_t *seq, struct synthvid_pointer *ptr);

/*
 * Write 1 to eventfd @fd whenever the screen or the pointer changes (as
 * videovsp_wait_change would see), so a poll loop wakes at once; -1 stops
 * it. The caller keeps @fd open until it set -1. Any thread.
 */
void videovsp_set_notify(struct vmbus_device *dev, int fd);

#endif /* OVB_VIDEOVSP_H */
