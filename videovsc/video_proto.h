/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovb_video's protocol code without the kernel's fbdev layer: the parser
 * of the host's synthetic video messages (every size and count checked;
 * what it returns is a copy, since the packet stays in the ring), the
 * builder of the guest's messages, and the choice of a mode that fits the
 * VRAM. Pure functions: the userspace fuzzer and unit tests build this
 * file as it is.
 */
#ifndef OVB_VIDEOVSC_VIDEO_PROTO_H
#define OVB_VIDEOVSC_VIDEO_PROTO_H

#include <linux/types.h>

#include "ovb/synthvid.h"

/* The mode before 3.5, where the host has no list (hyperv_fb's and hyperv_drm's). */
#define OVB_VID_WIN8_WIDTH	1600
#define OVB_VID_WIN8_HEIGHT	1200
/* The smallest mode we set; every Hyper-V list starts at 640x480. */
#define OVB_VID_MIN_WIDTH	640
#define OVB_VID_MIN_HEIGHT	480
/* Larger than any mode a host lists (synthvid's sizes are u16). */
#define OVB_VID_MAX_DIM		8192

/* One message from the host (type: SYNTHVID_*). */
struct ovb_vid_msg {
	u32 type;
	union {
		struct {
			u32 version;
			bool accepted;
		} ver;			/* VERSION_RESPONSE */
		struct {
			u32 count;	/* 1 .. SYNTHVID_MAX_RESOLUTION_COUNT */
			u32 def;	/* < count */
			struct synthvid_screen_info modes[SYNTHVID_MAX_RESOLUTION_COUNT];
		} res;			/* RESOLUTION_RESPONSE */
		u64 user_ctx;		/* VRAM_LOCATION_ACK, SITUATION_UPDATE_ACK */
		struct synthvid_feature_change feat;	/* FEATURE_CHANGE */
	};
};

/*
 * An in-band payload of @len bytes from the host: 0 with *@m filled, or
 * -EBADMSG (framing: pipe or message header, sizes), -EPROTO (a type the
 * guest never takes from the host, or its body is wrong: a resolution
 * list with no entry, more than 64, a default outside it, or more entries
 * than the packet holds).
 */
int ovb_vid_parse(const void *buf, u32 len, struct ovb_vid_msg *m);

/* Both headers and @body_len bytes of @body into @buf; returns the packet's length. */
#define OVB_VID_MAX_MSG		(sizeof(struct synthvid_hdrs) + sizeof(struct synthvid_situation_update))
u32 ovb_vid_build(void *buf, u32 type, const void *body, u32 body_len);

/* Does a 32-bit @w x @h mode (pitch w * 4) fit @vram bytes and our bounds? */
bool ovb_vid_mode_fits(u32 w, u32 h, u64 vram);

/*
 * The mode to start in from a resolution list: the host's default if it
 * fits @vram, else the largest listed that does. The largest width and
 * height that fit (what userspace may set) in *@max_w, *@max_h. -ENOSPC
 * if no entry fits.
 */
int ovb_vid_pick_mode(const struct ovb_vid_msg *res, u64 vram, u32 *w, u32 *h,
		      u32 *max_w, u32 *max_h);

#endif /* OVB_VIDEOVSC_VIDEO_PROTO_H */
