/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovb_video: synthetic video on ovb_vmbus with an fbdev front end.
 * video.c owns the channel, the negotiation with the host (version,
 * resolutions, VRAM, mode) and the host's messages; fb.c is the
 * framebuffer: a shadow in RAM that fbcon and mmap(2) write (deferred
 * I/O tracks the pages), copied to the VRAM in the MMIO window with a
 * dirty rectangle to the host for what changed.
 */
#ifndef OVB_VIDEOVSC_VIDEO_H
#define OVB_VIDEOVSC_VIDEO_H

#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "vmbus/ovb_vmbus.h"
#include "videovsc/video_proto.h"

/* Each wait for the host's answer (hyperv_fb and hyperv_drm wait 10 s). */
#define OVB_VIDEO_TIMEOUT	(10 * HZ)

struct fb_info;

struct ovb_video {
	struct ovb_vmbus_device *vdev;
	struct ovb_channel *ch;
	u32 version;			/* SYNTHVID_VERSION_* agreed */

	/* The one request waiting for its answer (want: its type, 0: none). */
	spinlock_t lock;
	u32 want;
	struct ovb_vid_msg answer;
	struct completion answered;
	bool stopping;			/* remove: nothing more is scheduled */

	/* What the host asked for with FEATURE_CHANGE (feat under lock). */
	bool dirt_needed;
	struct synthvid_feature_change feat;
	bool running;			/* probe done: the mode may be sent again */
	struct work_struct feature_work;

	struct resource *mmio;
	void __iomem *vram;
	u32 vram_size;

	/* The mode (under mode_lock), and the largest one userspace may set. */
	struct mutex mode_lock;
	u32 width, height, pitch;
	u32 max_w, max_h;

	/* Damage not yet copied to the VRAM (under lock); x2, y2 exclusive. */
	u32 dx1, dy1, dx2, dy2;
	struct delayed_work flush_work;

	struct fb_info *info;
	void *shadow;			/* vram_size bytes, vmalloc'ed */
};

static inline struct device *ovb_video_dev(struct ovb_video *v)
{
	return ovb_vmbus_dev(v->vdev);
}

/* video.c: the host's side of things, process context. */
int ovb_video_set_mode(struct ovb_video *v, u32 w, u32 h);
/* Send the changed part of the VRAM as a dirty rectangle (if asked for). */
int ovb_video_send_dirt(struct ovb_video *v, u32 x1, u32 y1, u32 x2, u32 y2);
/* Mark a box damaged (any context) and schedule its flush. */
void ovb_video_damage(struct ovb_video *v, u32 x1, u32 y1, u32 x2, u32 y2);
/* Copy the damage to the VRAM and tell the host (process context). */
void ovb_video_flush(struct ovb_video *v);

/* fb.c */
int ovb_video_fb_init(struct ovb_video *v);
void ovb_video_fb_exit(struct ovb_video *v);

#endif /* OVB_VIDEOVSC_VIDEO_H */
