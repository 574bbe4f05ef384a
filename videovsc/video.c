// SPDX-License-Identifier: GPL-2.0
/*
 * ovb_video: synthetic video on ovb_vmbus (video.h). This file is the
 * driver and the protocol with the host: probe negotiates the version
 * (3.5, 3.2, 3.0: the first the host accepts), from 3.5 asks for the
 * host's resolutions and starts in its default mode, places the VRAM in
 * the VMBus MMIO window and reports it, sets the mode; fb.c then shows
 * the framebuffer. The host's messages arrive in on_event: answers to the
 * one request waiting, FEATURE_CHANGE (dirty rectangles wanted, the
 * pointer and the mode to send again) handled in feature_work. At most
 * VIDEO_BUDGET packets per callback run; every wait has a timeout; what
 * the host can make us log is rate-limited.
 */
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "ovb/guids.h"
#include "videovsc/video.h"

/* hyperv_fb's and hyperv_drm's ring (256 KiB), in pages. */
#define VIDEO_RING_BYTES	(64 * PAGE_SIZE)
#define VIDEO_BUDGET		64
/* The VRAM we take at most, whatever the offer says (the window is 192 MiB). */
#define VIDEO_MAX_VRAM		(128u << 20)
/* hyperv_fb's alignment of its MMIO. */
#define VIDEO_VRAM_ALIGN	(1u << 20)
/* How soon damage reaches the host (hyperv_fb: 20 updates a second). */
#define VIDEO_FLUSH_DELAY	(HZ / 50)
/* Before 3.5, where the host lists no modes: hyperv_fb's start. */
#define VIDEO_WIN8_START_W	1152
#define VIDEO_WIN8_START_H	864

static const u32 video_versions[] = {
	SYNTHVID_VERSION_WIN10, SYNTHVID_VERSION_WIN8, SYNTHVID_VERSION_WIN7,
};

static int video_send(struct ovb_video *v, u32 type, const void *body, u32 len)
{
	u8 buf[OVB_VID_MAX_MSG];

	if (len > sizeof(buf) - sizeof(struct synthvid_hdrs))
		return -EINVAL;
	return ovb_channel_send_inband(v->ch, buf, ovb_vid_build(buf, type, body, len), 0, 0);
}

/* Send a request and wait for the answer of type @want, copied to *@m. */
static int video_request(struct ovb_video *v, u32 type, const void *body, u32 len, u32 want,
			 struct ovb_vid_msg *m)
{
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&v->lock, flags);
	v->want = want;
	reinit_completion(&v->answered);
	spin_unlock_irqrestore(&v->lock, flags);
	ret = video_send(v, type, body, len);
	if (!ret && !wait_for_completion_timeout(&v->answered, OVB_VIDEO_TIMEOUT))
		ret = -ETIMEDOUT;
	spin_lock_irqsave(&v->lock, flags);
	v->want = 0;
	if (!ret)
		*m = v->answer;
	spin_unlock_irqrestore(&v->lock, flags);
	if (ret)
		dev_err(ovb_video_dev(v), "no answer %u from the host to request %u: %d\n", want,
			type, ret);
	return ret;
}

static int video_negotiate(struct ovb_video *v)
{
	struct synthvid_version_req req;
	struct ovb_vid_msg m;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(video_versions); i++) {
		req.version = video_versions[i];
		ret = video_request(v, SYNTHVID_VERSION_REQUEST, &req, sizeof(req),
				    SYNTHVID_VERSION_RESPONSE, &m);
		if (ret)
			return ret;
		if (m.ver.accepted && m.ver.version == req.version) {
			v->version = req.version;
			dev_info(ovb_video_dev(v), "synthetic video %u.%u\n",
				 SYNTHVID_VER_MAJOR(v->version), SYNTHVID_VER_MINOR(v->version));
			return 0;
		}
	}
	dev_err(ovb_video_dev(v), "the host accepts none of our versions\n");
	return -EPROTONOSUPPORT;
}

/* The mode to start in, and the largest userspace may set. */
static int video_modes(struct ovb_video *v)
{
	struct synthvid_resolution_req req = {
		.maximum_resolution_count = SYNTHVID_MAX_RESOLUTION_COUNT,
	};
	struct ovb_vid_msg m;
	int ret;

	if (v->version != SYNTHVID_VERSION_WIN10) {
		v->max_w = OVB_VID_WIN8_WIDTH;
		v->max_h = OVB_VID_WIN8_HEIGHT;
		if (!ovb_vid_mode_fits(v->max_w, v->max_h, v->vram_size)) {
			v->max_w = OVB_VID_MIN_WIDTH;
			v->max_h = OVB_VID_MIN_HEIGHT;
		}
		v->width = min(v->max_w, (u32)VIDEO_WIN8_START_W);
		v->height = min(v->max_h, (u32)VIDEO_WIN8_START_H);
		return ovb_vid_mode_fits(v->width, v->height, v->vram_size) ? 0 : -ENOSPC;
	}
	ret = video_request(v, SYNTHVID_RESOLUTION_REQUEST, &req, sizeof(req),
			    SYNTHVID_RESOLUTION_RESPONSE, &m);
	if (ret)
		return ret;
	ret = ovb_vid_pick_mode(&m, v->vram_size, &v->width, &v->height, &v->max_w, &v->max_h);
	if (ret)
		dev_err(ovb_video_dev(v), "none of the host's %u modes fits %u bytes of VRAM\n",
			m.res.count, v->vram_size);
	return ret;
}

/* VRAM in the MMIO window, told to the host; it acknowledges with our context. */
static int video_vram(struct ovb_video *v)
{
	struct synthvid_vram_location loc = { .is_vram_gpa_specified = 1 };
	struct ovb_vid_msg m;
	int ret;

	v->vram_size = ovb_vmbus_mmio_bytes(v->vdev);
	if (v->vram_size < OVB_VID_MIN_WIDTH * OVB_VID_MIN_HEIGHT * 4 ||
	    v->vram_size > VIDEO_MAX_VRAM) {
		dev_err(ovb_video_dev(v), "the host offers %u bytes of VRAM\n", v->vram_size);
		return -EINVAL;
	}
	ret = ovb_vmbus_allocate_mmio(v->vdev, v->vram_size, VIDEO_VRAM_ALIGN, &v->mmio);
	if (ret) {
		dev_err(ovb_video_dev(v), "no MMIO space for %u bytes of VRAM: %d\n",
			v->vram_size, ret);
		return ret;
	}
	v->vram = ioremap_cache(v->mmio->start, v->vram_size);
	if (!v->vram)
		return -ENOMEM;
	loc.user_ctx = v->mmio->start;
	loc.vram_gpa = v->mmio->start;
	ret = video_request(v, SYNTHVID_VRAM_LOCATION, &loc, sizeof(loc),
			    SYNTHVID_VRAM_LOCATION_ACK, &m);
	if (ret)
		return ret;
	if (m.user_ctx != loc.user_ctx) {
		dev_err(ovb_video_dev(v), "the host refused the VRAM at %pa\n", &v->mmio->start);
		return -EPROTO;
	}
	return 0;
}

int ovb_video_set_mode(struct ovb_video *v, u32 w, u32 h)
{
	struct synthvid_situation_update s = {
		.video_output_count = 1,
		.video_output[0] = {
			.active = 1,
			.depth_bits = SYNTHVID_DEPTH_WIN8,
			.width_pixels = w,
			.height_pixels = h,
			.pitch_bytes = w * 4,
		},
	};
	int ret;

	if (!ovb_vid_mode_fits(w, h, v->vram_size) || w > v->max_w || h > v->max_h)
		return -EINVAL;
	/*
	 * Under mode_lock, so that a dirty rectangle the flush sends fits the
	 * mode the host has last been told of. The host acknowledges; nothing
	 * waits for that (hyperv_fb does not).
	 */
	mutex_lock(&v->mode_lock);
	ret = video_send(v, SYNTHVID_SITUATION_UPDATE, &s, sizeof(s));
	if (!ret) {
		v->width = w;
		v->height = h;
		v->pitch = w * 4;
	}
	mutex_unlock(&v->mode_lock);
	if (!ret)
		ovb_video_damage(v, 0, 0, w, h);
	return ret;
}

/* hyperv_drm's hidden pointer: visible, one transparent ARGB pixel. */
static int video_send_pointer(struct ovb_video *v)
{
	struct synthvid_pointer_position pos = { .is_visible = 1 };
	struct synthvid_pointer_shape shape = {
		.part_idx = SYNTHVID_CURSOR_COMPLETE,
		.is_argb = 1,
		.width = 1,
		.height = 1,
	};
	int ret = video_send(v, SYNTHVID_POINTER_POSITION, &pos, sizeof(pos));

	return ret ? ret : video_send(v, SYNTHVID_POINTER_SHAPE, &shape, sizeof(shape));
}

int ovb_video_send_dirt(struct ovb_video *v, u32 x1, u32 y1, u32 x2, u32 y2)
{
	struct synthvid_dirt d = {
		.dirt_count = 1,
		.rect[0] = { .x1 = x1, .y1 = y1, .x2 = x2, .y2 = y2 },
	};

	if (!READ_ONCE(v->dirt_needed))
		return 0;
	return video_send(v, SYNTHVID_DIRT, &d, sizeof(d));
}

void ovb_video_damage(struct ovb_video *v, u32 x1, u32 y1, u32 x2, u32 y2)
{
	unsigned long flags;

	if (x1 >= x2 || y1 >= y2)
		return;
	spin_lock_irqsave(&v->lock, flags);
	if (v->dx1 >= v->dx2) {
		v->dx1 = x1;
		v->dy1 = y1;
		v->dx2 = x2;
		v->dy2 = y2;
	} else {
		v->dx1 = min(v->dx1, x1);
		v->dy1 = min(v->dy1, y1);
		v->dx2 = max(v->dx2, x2);
		v->dy2 = max(v->dy2, y2);
	}
	if (!v->stopping)
		schedule_delayed_work(&v->flush_work, VIDEO_FLUSH_DELAY);
	spin_unlock_irqrestore(&v->lock, flags);
}

void ovb_video_flush(struct ovb_video *v)
{
	u32 x1, y1, x2, y2, y;
	unsigned long flags;

	spin_lock_irqsave(&v->lock, flags);
	x1 = v->dx1;
	y1 = v->dy1;
	x2 = v->dx2;
	y2 = v->dy2;
	v->dx1 = v->dx2 = v->dy1 = v->dy2 = 0;
	spin_unlock_irqrestore(&v->lock, flags);
	mutex_lock(&v->mode_lock);
	/* The damage may predate a smaller mode. */
	x2 = min(x2, v->width);
	y2 = min(y2, v->height);
	if (x1 < x2 && y1 < y2 && v->shadow) {
		for (y = y1; y < y2; y++)
			memcpy_toio(v->vram + y * v->pitch + x1 * 4,
				    (u8 *)v->shadow + y * v->pitch + x1 * 4, (x2 - x1) * 4);
		if (ovb_video_send_dirt(v, x1, y1, x2, y2) == -EAGAIN)
			ovb_video_damage(v, x1, y1, x2, y2);	/* the ring is full: later */
	}
	mutex_unlock(&v->mode_lock);
}

static void video_flush_work(struct work_struct *w)
{
	ovb_video_flush(container_of(to_delayed_work(w), struct ovb_video, flush_work));
}

/* FEATURE_CHANGE: what the host wants sent (again), in process context. */
static void video_feature_work(struct work_struct *work)
{
	struct ovb_video *v = container_of(work, struct ovb_video, feature_work);
	struct synthvid_feature_change f;
	unsigned long flags;
	bool running;
	u32 w, h;

	spin_lock_irqsave(&v->lock, flags);
	f = v->feat;
	running = v->running;
	spin_unlock_irqrestore(&v->lock, flags);
	if (f.is_ptr_pos_needed || f.is_ptr_shape_needed)
		video_send_pointer(v);
	/* Before probe is done it sends the mode and draws everything itself. */
	if (!running)
		return;
	mutex_lock(&v->mode_lock);
	w = v->width;
	h = v->height;
	mutex_unlock(&v->mode_lock);
	if (f.is_situ_needed)
		ovb_video_set_mode(v, w, h);
	/* Everything, once: the host may have missed what came before. */
	else if (f.is_dirt_needed)
		ovb_video_damage(v, 0, 0, w, h);
}

/* One in-band packet from the host (softirq context). */
static void video_packet(struct ovb_video *v, const void *data, u32 len)
{
	struct ovb_vid_msg m;
	unsigned long flags;
	int ret = ovb_vid_parse(data, len, &m);

	if (ret) {
		dev_err_ratelimited(ovb_video_dev(v),
				    "bad message from the host dropped (%d, %u bytes)\n", ret, len);
		return;
	}
	spin_lock_irqsave(&v->lock, flags);
	switch (m.type) {
	case SYNTHVID_FEATURE_CHANGE:
		/* Only once a mode is set: probe sends the pointer itself. */
		WRITE_ONCE(v->dirt_needed, m.feat.is_dirt_needed != 0);
		v->feat = m.feat;
		if (!v->stopping)
			schedule_work(&v->feature_work);
		break;
	case SYNTHVID_SITUATION_UPDATE_ACK:
		break;
	default:
		if (m.type != v->want || completion_done(&v->answered)) {
			dev_err_ratelimited(ovb_video_dev(v),
					    "message %u from the host unasked, dropped\n", m.type);
			break;
		}
		v->answer = m;
		complete(&v->answered);
	}
	spin_unlock_irqrestore(&v->lock, flags);
}

static void video_on_event(void *ctx)
{
	struct ovb_video *v = ctx;
	struct ovb_packet pkt;
	unsigned int n;
	int ret;

	for (n = 0; n < VIDEO_BUDGET; n++) {
		ret = ovb_channel_recv_pkt(v->ch, &pkt);
		if (ret == -EAGAIN || ret == -EIO)
			break;
		if (ret || pkt.type != OVB_VMPKT_DATA_INBAND) {
			dev_err_ratelimited(ovb_video_dev(v),
					    "bad packet from the host dropped (%d, type %u)\n",
					    ret, ret ? 0 : pkt.type);
			continue;
		}
		video_packet(v, pkt.data, pkt.len);
	}
}

static void video_stop(struct ovb_video *v)
{
	unsigned long flags;

	spin_lock_irqsave(&v->lock, flags);
	v->stopping = true;
	spin_unlock_irqrestore(&v->lock, flags);
	cancel_work_sync(&v->feature_work);
	cancel_delayed_work_sync(&v->flush_work);
}

static void video_free(struct ovb_video *v)
{
	vfree(v->shadow);	/* fb.c's; the flush that reads it has stopped */
	if (v->vram)
		iounmap(v->vram);
	ovb_vmbus_free_mmio(v->mmio);
	kfree(v);
}

static int video_probe(struct ovb_vmbus_device *vdev)
{
	struct ovb_video *v = kzalloc(sizeof(*v), GFP_KERNEL);
	unsigned long flags;
	int ret;

	if (!v)
		return -ENOMEM;
	v->vdev = vdev;
	v->ch = ovb_vmbus_primary_channel(vdev);
	spin_lock_init(&v->lock);
	init_completion(&v->answered);
	mutex_init(&v->mode_lock);
	INIT_WORK(&v->feature_work, video_feature_work);
	INIT_DELAYED_WORK(&v->flush_work, video_flush_work);
	ovb_vmbus_set_drvdata(vdev, v);
	ret = ovb_channel_open(v->ch, VIDEO_RING_BYTES, VIDEO_RING_BYTES, video_on_event, v);
	if (ret) {
		dev_err(ovb_vmbus_dev(vdev), "cannot open the channel: %d\n", ret);
		kfree(v);
		return ret;
	}
	ret = video_negotiate(v);
	if (!ret)
		ret = video_vram(v);
	if (!ret)
		ret = video_modes(v);
	if (!ret)
		ret = video_send_pointer(v);
	if (!ret)
		ret = ovb_video_set_mode(v, v->width, v->height);
	if (!ret)
		ret = ovb_video_fb_init(v);
	if (!ret) {
		spin_lock_irqsave(&v->lock, flags);
		v->running = true;
		spin_unlock_irqrestore(&v->lock, flags);
		dev_info(ovb_vmbus_dev(vdev), "%ux%u (up to %ux%u), %u MiB of VRAM at %pa\n",
			 v->width, v->height, v->max_w, v->max_h, v->vram_size >> 20,
			 &v->mmio->start);
		return 0;
	}
	dev_err(ovb_vmbus_dev(vdev), "not started: %d\n", ret);
	video_stop(v);
	ovb_channel_close(v->ch);
	video_free(v);
	return ret;
}

static void video_remove(struct ovb_vmbus_device *vdev)
{
	struct ovb_video *v = ovb_vmbus_get_drvdata(vdev);

	ovb_video_fb_exit(v);
	video_stop(v);
	ovb_channel_close(v->ch);
	video_free(v);
}

static const struct hv_vmbus_device_id video_ids[] = {
	{ .guid = OVB_GUID_SYNTHVID },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, video_ids);

static struct ovb_vmbus_driver video_driver = {
	.name = "ovb_video",
	.id_table = video_ids,
	.probe = video_probe,
	.remove = video_remove,
};

module_ovb_vmbus_driver(video_driver);
MODULE_DESCRIPTION("openvmbus: synthetic video (fbdev)");
MODULE_LICENSE("GPL");
