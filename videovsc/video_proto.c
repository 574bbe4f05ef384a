// SPDX-License-Identifier: GPL-2.0
/*
 * ovb_video's parser of host bytes, builder and mode choice
 * (video_proto.h). Sizes in a message are the host's: each is checked
 * against what the packet holds before anything behind it is read, and
 * fields are read with memcpy (a packet in the ring is only 8-byte
 * aligned as a whole). Facts: Linux 6.1 drivers/video/fbdev/hyperv_fb.c
 * and drivers/gpu/drm/hyperv/hyperv_drm_proto.c (the pipe header whose
 * size counts the synthvid header and body, the resolution response
 * carrying resolution_count entries, the default index below the count).
 */
#include <linux/errno.h>
#include <linux/string.h>

#include "videovsc/video_proto.h"

/* The synthvid message in a pipe payload: its header and body. */
static int vid_unpipe(const u8 *p, u32 len, struct synthvid_msg_hdr *h, const u8 **body,
		      u32 *blen)
{
	struct synthvid_pipe_hdr pipe;

	if (len < sizeof(struct synthvid_hdrs) || len > SYNTHVID_MAX_PKT_SIZE)
		return -EBADMSG;
	memcpy(&pipe, p, sizeof(pipe));
	memcpy(h, p + sizeof(pipe), sizeof(*h));
	/* Both sizes count the synthvid header; the body lies inside @len. */
	if (pipe.type != SYNTHVID_PIPE_DATA || pipe.size < sizeof(*h) ||
	    pipe.size > len - sizeof(pipe) || h->size < sizeof(*h) || h->size > pipe.size)
		return -EBADMSG;
	*body = p + sizeof(struct synthvid_hdrs);
	*blen = h->size - sizeof(*h);
	return 0;
}

static int vid_resolutions(const u8 *body, u32 blen, struct ovb_vid_msg *m)
{
	const u32 off = offsetof(struct synthvid_resolution_resp, supported_resolution);
	const struct synthvid_resolution_resp *r = (const void *)body;
	u8 count, def;

	if (blen < off)
		return -EPROTO;
	count = r->resolution_count;
	def = r->default_resolution_index;
	if (!count || count > SYNTHVID_MAX_RESOLUTION_COUNT || def >= count ||
	    (u32)count * sizeof(struct synthvid_screen_info) > blen - off)
		return -EPROTO;
	m->res.count = count;
	m->res.def = def;
	memcpy(m->res.modes, body + off, count * sizeof(struct synthvid_screen_info));
	return 0;
}

int ovb_vid_parse(const void *buf, u32 len, struct ovb_vid_msg *m)
{
	struct synthvid_version_resp vr;
	struct synthvid_msg_hdr h;
	const u8 *body;
	u32 blen;
	int ret = vid_unpipe(buf, len, &h, &body, &blen);

	if (ret)
		return ret;
	memset(m, 0, sizeof(*m));
	m->type = h.type;
	switch (h.type) {
	case SYNTHVID_VERSION_RESPONSE:
		if (blen < sizeof(vr))
			return -EPROTO;
		memcpy(&vr, body, sizeof(vr));
		m->ver.version = vr.version;
		m->ver.accepted = vr.is_accepted != 0;
		return 0;
	case SYNTHVID_RESOLUTION_RESPONSE:
		return vid_resolutions(body, blen, m);
	case SYNTHVID_VRAM_LOCATION_ACK:
	case SYNTHVID_SITUATION_UPDATE_ACK:
		if (blen < sizeof(m->user_ctx))
			return -EPROTO;
		memcpy(&m->user_ctx, body, sizeof(m->user_ctx));
		return 0;
	case SYNTHVID_FEATURE_CHANGE:
		if (blen < sizeof(m->feat))
			return -EPROTO;
		memcpy(&m->feat, body, sizeof(m->feat));
		return 0;
	default:
		return -EPROTO;
	}
}

u32 ovb_vid_build(void *buf, u32 type, const void *body, u32 body_len)
{
	struct synthvid_hdrs h = {
		.pipe = { .type = SYNTHVID_PIPE_DATA, .size = sizeof(h.vid) + body_len },
		.vid = { .type = type, .size = sizeof(h.vid) + body_len },
	};

	memcpy(buf, &h, sizeof(h));
	memcpy((u8 *)buf + sizeof(h), body, body_len);
	return sizeof(h) + body_len;
}

bool ovb_vid_mode_fits(u32 w, u32 h, u64 vram)
{
	return w >= OVB_VID_MIN_WIDTH && h >= OVB_VID_MIN_HEIGHT && w <= OVB_VID_MAX_DIM &&
	       h <= OVB_VID_MAX_DIM && (u64)w * h * 4 <= vram;
}

int ovb_vid_pick_mode(const struct ovb_vid_msg *res, u64 vram, u32 *w, u32 *h,
		      u32 *max_w, u32 *max_h)
{
	const struct synthvid_screen_info *d = &res->res.modes[res->res.def];
	u64 best = 0;
	u32 i;

	*w = 0;
	*h = 0;
	*max_w = 0;
	*max_h = 0;
	for (i = 0; i < res->res.count && i < SYNTHVID_MAX_RESOLUTION_COUNT; i++) {
		const struct synthvid_screen_info *s = &res->res.modes[i];

		if (!ovb_vid_mode_fits(s->width, s->height, vram))
			continue;
		if (s->width > *max_w)
			*max_w = s->width;
		if (s->height > *max_h)
			*max_h = s->height;
		if ((u64)s->width * s->height > best) {
			best = (u64)s->width * s->height;
			*w = s->width;
			*h = s->height;
		}
	}
	if (!best)
		return -ENOSPC;
	if (res->res.def < res->res.count && ovb_vid_mode_fits(d->width, d->height, vram)) {
		*w = d->width;
		*h = d->height;
	}
	return 0;
}
