/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A scripted host for ovb_video (videovsc/video.c, built against guestshim
 * with video_shim.h), shared by guest_video_fuzz and guest_video_test.
 * The script is bytes (tests/fuzz/fuzz_input.h): the first says how much
 * VRAM the offer asks for and what fails (an allocation, the MMIO, the
 * framebuffer); then the packets the host has waiting each time the
 * driver sends a request (its callback runs then, as the host's answer
 * would make it run), then operations until it ends:
 *
 *   packet:  stub_script.h's (0xff or the end: none waiting, the
 *            callback run ends).
 *   op:      0x00-0x7f: the callback runs; 0x80-0x9f: fbdev draws (a box
 *            of four u16s is damaged); 0xa0-0xbf: userspace sets a mode
 *            (two u16s); 0xc0-0xff: queued work runs.
 *
 * Checked (aborts): a callback run reads at most VIDEO_BUDGET packets;
 * every message the driver sends is one of the protocol's, of its exact
 * size; the versions it asks for are 3.5, 3.2, 3.0 in that order; the
 * modes it sets fit the VRAM; every dirty rectangle lies inside the mode
 * the host was last told of, and none comes before the host asked.
 * Include once, after the driver's sources and stub_bus.h.
 */
#ifndef OVB_GUESTSHIM_STUB_VIDEO_HOST_H
#define OVB_GUESTSHIM_STUB_VIDEO_HOST_H

#include "tests/fuzz/guestshim/stub_script.h"

#define HOST_MAX_PKT	1024
/* The offer's VRAM by the script's first byte & 7, in MiB (the fuzzer's is smaller: faster). */
#ifndef HOST_VRAM_MB
#define HOST_VRAM_MB	16, 4, 2, 1, 0, 129, 8, 16
#endif

static struct fz host;
static struct host_log {
	unsigned int versions, resolutions, vram, modes, pointers, dirts, recv_errors;
	u32 last_version;
	u64 vram_gpa;
	u32 width, height;		/* the last mode the driver set */
	u32 dx1, dy1, dx2, dy2;		/* the last dirty rectangle */
	bool dirt_asked;		/* a FEATURE_CHANGE with is_dirt_needed went in */
} hl;
static unsigned int run_recvs;
static struct ovb_video *host_video;

int ovb_video_fb_init(struct ovb_video *v)
{
	if (video_shim_fb_error)
		return video_shim_fb_error;
	v->shadow = vzalloc(v->vram_size);
	if (!v->shadow)
		return -ENOMEM;
	v->info = &video_shim_fb;
	video_shim_fb.registered = 1;
	ovb_video_damage(v, 0, 0, v->width, v->height);
	return 0;
}

void ovb_video_fb_exit(struct ovb_video *v)
{
	video_shim_fb.registered = 0;
	v->info = NULL;
}

/* Whether a FEATURE_CHANGE asking for dirt is in this payload (the driver's view). */
static void host_note_feature(const u8 *p, u32 len)
{
	struct ovb_vid_msg m;

	if (!ovb_vid_parse(p, len, &m) && m.type == SYNTHVID_FEATURE_CHANGE)
		hl.dirt_asked = m.feat.is_dirt_needed != 0;
}

int ovb_channel_recv_pkt(struct ovb_channel *ch, struct ovb_packet *pkt)
{
	static u8 buf[HOST_MAX_PKT];
	int ret;

	if (!ch->open || ++run_recvs > VIDEO_BUDGET)
		abort();
	ret = stub_script_pkt(&host, buf, HOST_MAX_PKT, pkt, &hl.recv_errors);
	if (!ret && pkt->type == OVB_VMPKT_DATA_INBAND)
		host_note_feature(pkt->data, pkt->len);
	return ret;
}

static void host_run_callback(void)
{
	run_recvs = 0;
	stub_chan.on_event(stub_chan.ctx);
}

/* The body of type @type the driver sends: its exact size. */
static u32 host_body_size(u32 type)
{
	switch (type) {
	case SYNTHVID_VERSION_REQUEST: return sizeof(struct synthvid_version_req);
	case SYNTHVID_RESOLUTION_REQUEST: return sizeof(struct synthvid_resolution_req);
	case SYNTHVID_VRAM_LOCATION: return sizeof(struct synthvid_vram_location);
	case SYNTHVID_SITUATION_UPDATE: return sizeof(struct synthvid_situation_update);
	case SYNTHVID_POINTER_POSITION: return sizeof(struct synthvid_pointer_position);
	case SYNTHVID_POINTER_SHAPE: return sizeof(struct synthvid_pointer_shape);
	case SYNTHVID_DIRT: return sizeof(struct synthvid_dirt);
	default: abort();
	}
}

static void host_check_version(u32 v)
{
	static const u32 order[] = {
		SYNTHVID_VERSION_WIN10, SYNTHVID_VERSION_WIN8, SYNTHVID_VERSION_WIN7,
	};

	if (hl.versions >= ARRAY_SIZE(order) || v != order[hl.versions])
		abort();
	hl.versions++;
	hl.last_version = v;
}

static void host_check_mode(const u8 *body)
{
	struct synthvid_situation_update s;
	struct synthvid_output_situation *o = &s.video_output[0];

	memcpy(&s, body, sizeof(s));
	if (s.video_output_count != 1 || !o->active || o->depth_bits != 32 ||
	    o->vram_offset || o->pitch_bytes != o->width_pixels * 4 ||
	    !ovb_vid_mode_fits(o->width_pixels, o->height_pixels, video_shim_mmio_bytes))
		abort();
	hl.width = o->width_pixels;
	hl.height = o->height_pixels;
	hl.modes++;
}

static void host_check_dirt(const u8 *body)
{
	struct synthvid_dirt d;
	struct synthvid_rect *r = &d.rect[0];

	memcpy(&d, body, sizeof(d));
	if (!hl.dirt_asked || d.video_output || d.dirt_count != 1 || r->x1 < 0 || r->y1 < 0 ||
	    r->x1 >= r->x2 || r->y1 >= r->y2 || (u32)r->x2 > hl.width || (u32)r->y2 > hl.height)
		abort();
	hl.dx1 = r->x1;
	hl.dy1 = r->y1;
	hl.dx2 = r->x2;
	hl.dy2 = r->y2;
	hl.dirts++;
}

int ovb_channel_send_inband(struct ovb_channel *ch, const void *buf, u32 len,
			    u64 trans_id, u16 flags)
{
	struct synthvid_hdrs h;
	struct synthvid_vram_location loc;
	const u8 *body = (const u8 *)buf + sizeof(h);
	u32 v;

	if (!ch->open || len < sizeof(h))
		abort();
	memcpy(&h, buf, sizeof(h));
	if (h.pipe.type != SYNTHVID_PIPE_DATA || h.pipe.size != len - sizeof(h.pipe) ||
	    h.vid.size != h.pipe.size || len - sizeof(h) != host_body_size(h.vid.type))
		abort();
	switch (h.vid.type) {
	case SYNTHVID_VERSION_REQUEST:
		memcpy(&v, body, sizeof(v));
		host_check_version(v);
		host_run_callback();
		break;
	case SYNTHVID_RESOLUTION_REQUEST:
		if (hl.last_version != SYNTHVID_VERSION_WIN10 ||
		    body[0] != SYNTHVID_MAX_RESOLUTION_COUNT)
			abort();
		hl.resolutions++;
		host_run_callback();
		break;
	case SYNTHVID_VRAM_LOCATION:
		memcpy(&loc, body, sizeof(loc));
		if (!loc.is_vram_gpa_specified || loc.vram_gpa != VIDEO_SHIM_WINDOW ||
		    loc.user_ctx != loc.vram_gpa)
			abort();
		hl.vram++;
		hl.vram_gpa = loc.vram_gpa;
		host_run_callback();
		break;
	case SYNTHVID_SITUATION_UPDATE:
		host_check_mode(body);
		break;
	case SYNTHVID_DIRT:
		host_check_dirt(body);
		break;
	default:
		hl.pointers++;
	}
	return 0;
}

/* A fresh device and host for @script; probe's result. */
static int host_probe(const u8 *script, size_t size)
{
	static const guid_t synthvid = OVB_GUID_SYNTHVID;
	static const u32 vram_mb[] = { HOST_VRAM_MB };
	u8 first;

	host = (struct fz){ script, size };
	memset(&hl, 0, sizeof(hl));
	first = fz_u8(&host);
	stub_bus_reset(&synthvid);
	video_shim_mmio_bytes = vram_mb[first & 7] << 20;
	shim_fail_alloc = (first >> 3) & 7;
	video_shim_mmio_error = first & 0x40 ? -ENOSPC : 0;
	video_shim_fb_error = first & 0x80 ? -ENOMEM : 0;
	host_video = NULL;
	if (video_probe(&stub_vdev))
		return -1;
	host_video = ovb_vmbus_get_drvdata(&stub_vdev);
	return 0;
}

/* The operations after probe, until the script ends. */
static void host_run(void)
{
	struct ovb_video *v = host_video;
	u16 a, b, c, d;
	u8 op;

	while (host.left) {
		op = fz_u8(&host);
		if (op < 0x80) {
			host_run_callback();
		} else if (op < 0xa0) {
			a = fz_u16(&host);
			b = fz_u16(&host);
			c = fz_u16(&host);
			d = fz_u16(&host);
			ovb_video_damage(v, a, b, c, d);
		} else if (op < 0xc0) {
			a = fz_u16(&host);
			b = fz_u16(&host);
			/* fb.c's check_var, then set_par. */
			if (a <= v->max_w && b <= v->max_h)
				ovb_video_set_mode(v, a, b);
		} else {
			shim_run_work();
		}
	}
	shim_run_work();
}

/* Remove; nothing may be left of the device. */
static void host_remove(void)
{
	video_remove(&stub_vdev);
	shim_run_work();
	if (stub_chan.open || video_shim_mapped || video_shim_mmio_live || video_shim_fb.registered)
		abort();
}

#endif /* OVB_GUESTSHIM_STUB_VIDEO_HOST_H */
