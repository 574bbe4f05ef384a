// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Synthetic video on VMBus: a worker per channel feeds each guest packet
 * to the protocol layer under the device's lock and sends its replies.
 * The VRAM the guest names is mapped with vmbus_channel_map_guest_range
 * (guest RAM, or memory placed in the VMBus MMIO window); anything else
 * is refused there. Readers of the framebuffer take the same lock, so the
 * mapping never goes away under them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hostside/log.h"
#include "hostside/vmbus/vsp.h"
#include "hostside/videovsp/videovsp.h"
#include "ovb/guids.h"

/* A packet: descriptor, then the largest message Linux sends or takes. */
#define VIDEOVSP_RX_SIZE	(SYNTHVID_MAX_PKT_SIZE + 64)

struct videovsp {
	struct vmbus_device dev;
	pthread_mutex_t lock;		/* sv, ch */
	pthread_cond_t changed;		/* sv.damage_seq moved */
	struct synthvid sv;
	struct vmbus_channel *ch;	/* NULL when closed */
	int notify_fd;			/* eventfd told of changes, or -1 */
	uint8_t rx[VIDEOVSP_RX_SIZE];	/* the worker's */
};

/* Tell the console something changed (under vv->lock). */
static void vv_notify(struct videovsp *vv)
{
	uint64_t one = 1;

	if (vv->notify_fd >= 0 && write(vv->notify_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is full, so the reader wakes anyway. */
	}
}

static void *vv_map_vram(void *opaque, uint64_t gpa, uint64_t len)
{
	struct videovsp *vv = opaque;

	return vv->ch ? vmbus_channel_map_guest_range(vv->ch, gpa, len) : NULL;
}

static void vv_unmap_vram(void *opaque, void *p)
{
	struct videovsp *vv = opaque;

	if (vv->ch)
		vmbus_channel_unmap_guest_range(vv->ch, p);
}

static const struct synthvid_ops vv_ops = {
	.map_vram = vv_map_vram,
	.unmap_vram = vv_unmap_vram,
};

static void vv_packet(struct videovsp *vv, struct vmbus_channel *ch, uint32_t len)
{
	struct synthvid_replies *out = malloc(sizeof(*out));
	struct vmbus_packet p = { 0 };
	uint64_t seq, ptr_seq;

	if (!out)
		return;
	if (vmbus_packet_parse(vv->rx, len, &p) || p.type != OVB_VMPKT_DATA_INBAND) {
		log_rl(&vv->sv.rl, "videovsp: guest: packet of type %u dropped", p.type);
		free(out);
		return;
	}
	pthread_mutex_lock(&vv->lock);
	seq = vv->sv.damage_seq;
	ptr_seq = vv->sv.ptr_seq;
	(void)synthvid_handle(&vv->sv, p.data, p.len, out);
	if (vv->sv.damage_seq != seq)
		pthread_cond_broadcast(&vv->changed);
	if (vv->sv.damage_seq != seq || vv->sv.ptr_seq != ptr_seq)
		vv_notify(vv);
	pthread_mutex_unlock(&vv->lock);
	for (unsigned int i = 0; i < out->n; i++)
		if (vmbus_channel_send_inband(ch, 0, 0, out->buf[i], out->len[i]))
			log_rl(&vv->sv.rl, "videovsp: cannot send a reply to the guest");
	free(out);
}

/* What vv_drain hands vmbus_channel_drain_rx; the packet is in vv->rx. */
struct vv_rx {
	struct videovsp *vv;
	struct vmbus_channel *ch;
};

static void vv_rx(void *arg, uint32_t len, bool oversized)
{
	struct vv_rx *r = arg;

	if (oversized)
		log_rl(&r->vv->sv.rl, "videovsp: guest: packet of %u bytes dropped", len);
	else
		vv_packet(r->vv, r->ch, len);
}

static void vv_drain(struct vmbus_channel *ch)
{
	struct vv_rx r = { .vv = vmbus_channel_get_priv(ch), .ch = ch };

	vmbus_channel_drain_rx(ch, r.vv->rx, sizeof(r.vv->rx), VMBUS_DRAIN_BUDGET, vv_rx, &r);
}

static int vv_open(struct vmbus_channel *ch)
{
	struct videovsp *vv = vmbus_channel_device(ch)->priv;

	vmbus_channel_set_priv(ch, vv);
	pthread_mutex_lock(&vv->lock);
	synthvid_reset(&vv->sv);
	vv->ch = ch;
	pthread_mutex_unlock(&vv->lock);
	return vmbus_channel_start_worker(ch, vv_drain, NULL, 0);
}

static void vv_close(struct vmbus_channel *ch)
{
	struct videovsp *vv = vmbus_channel_get_priv(ch);

	vmbus_channel_stop_worker(ch);
	pthread_mutex_lock(&vv->lock);
	synthvid_reset(&vv->sv);	/* unmaps the VRAM while the channel is open */
	vv->ch = NULL;
	pthread_cond_broadcast(&vv->changed);
	vv_notify(vv);
	pthread_mutex_unlock(&vv->lock);
}

static const struct vsp_ops vv_vsp_ops = {
	.open = vv_open,
	.close = vv_close,
};

struct vmbus_device *videovsp_new(unsigned int default_mode, unsigned int vram_mb)
{
	static const struct ovb_guid class_id = OVB_GUID_SYNTHVID;
	struct videovsp *vv = calloc(1, sizeof(*vv));
	struct synthvid_config cfg = {
		.modes = synthvid_default_modes,
		.nmodes = synthvid_ndefault_modes,
		.default_mode = default_mode < synthvid_ndefault_modes ? default_mode : 0,
		.vram_size = (uint64_t)vram_mb << 20,
	};

	if (!vv)
		return NULL;
	vv->dev.name = "videovsp";
	vv->dev.class_id = class_id;
	/* A fixed instance, so the guest sees the same device every boot. */
	vv->dev.instance_id = class_id;
	vv->dev.instance_id.b[15] ^= 0x5a;
	vv->dev.ops = &vv_vsp_ops;
	vv->dev.priv = vv;
	vv->dev.mmio_megabytes = (uint16_t)vram_mb;
	vv->notify_fd = -1;
	pthread_mutex_init(&vv->lock, NULL);
	pthread_cond_init(&vv->changed, NULL);
	synthvid_init(&vv->sv, &cfg, &vv_ops, vv);
	return &vv->dev;
}

void videovsp_free(struct vmbus_device *dev)
{
	struct videovsp *vv = dev ? dev->priv : NULL;

	if (!vv)
		return;
	pthread_mutex_destroy(&vv->lock);
	pthread_cond_destroy(&vv->changed);
	free(vv);
}

void videovsp_get_status(struct vmbus_device *dev, struct videovsp_status *st)
{
	struct videovsp *vv = dev->priv;

	pthread_mutex_lock(&vv->lock);
	st->open = vv->ch != NULL;
	st->version = vv->sv.version;
	st->vram_gpa = vv->sv.vram ? vv->sv.vram_gpa : 0;
	st->mode = vv->sv.mode;
	st->dirt_asked = vv->sv.dirt_asked;
	st->stats = vv->sv.stats;
	st->ptr_x = vv->sv.ptr.x;
	st->ptr_y = vv->sv.ptr.y;
	st->ptr_visible = vv->sv.ptr.visible;
	pthread_mutex_unlock(&vv->lock);
}

int videovsp_read_frame(struct vmbus_device *dev, uint32_t **px, uint32_t *width,
			uint32_t *height)
{
	struct videovsp *vv = dev->priv;
	struct synthvid *sv = &vv->sv;
	int ret = 0;

	*px = NULL;
	pthread_mutex_lock(&vv->lock);
	if (!synthvid_row(sv, 0)) {
		ret = -ENODEV;
	} else {
		uint32_t w = sv->mode.width, h = sv->mode.height;

		*px = malloc((size_t)w * h * 4);
		if (!*px)
			ret = -ENOMEM;
		for (uint32_t y = 0; *px && y < h; y++)
			memcpy(*px + (size_t)y * w, synthvid_row(sv, y), (size_t)w * 4);
		*width = w;
		*height = h;
	}
	pthread_mutex_unlock(&vv->lock);
	return ret;
}

int videovsp_wait_change(struct vmbus_device *dev, uint64_t *seq, unsigned int timeout_ms)
{
	struct videovsp *vv = dev->priv;
	struct timespec until;
	int changed;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&vv->lock);
	while (vv->sv.damage_seq == *seq &&
	       pthread_cond_timedwait(&vv->changed, &vv->lock, &until) == 0)
		;
	changed = vv->sv.damage_seq != *seq;
	*seq = vv->sv.damage_seq;
	pthread_mutex_unlock(&vv->lock);
	return changed;
}

int videovsp_copy_damage(struct vmbus_device *dev, uint32_t *fb, uint32_t fb_w, uint32_t fb_h,
			 bool full, struct synthvid_box *box, uint32_t *mode_w, uint32_t *mode_h)
{
	struct videovsp *vv = dev->priv;
	struct synthvid *sv = &vv->sv;
	int ret = 0;

	memset(box, 0, sizeof(*box));
	pthread_mutex_lock(&vv->lock);
	if (!synthvid_row(sv, 0)) {
		ret = -ENODEV;
	} else if (sv->mode.width != fb_w || sv->mode.height != fb_h) {
		*mode_w = sv->mode.width;
		*mode_h = sv->mode.height;
		ret = -EAGAIN;
	} else {
		*box = synthvid_take_damage(sv);
		if (full)
			*box = (struct synthvid_box){ 0, 0, fb_w, fb_h };
		/* synthvid_proto keeps it inside the mode; clamped all the same. */
		box->x2 = box->x2 > fb_w ? fb_w : box->x2;
		box->y2 = box->y2 > fb_h ? fb_h : box->y2;
		if (box->x1 >= box->x2 || box->y1 >= box->y2)
			memset(box, 0, sizeof(*box));
		for (uint32_t y = box->y1; y < box->y2; y++)
			memcpy(fb + (size_t)y * fb_w + box->x1, synthvid_row(sv, y) + (size_t)box->x1 * 4,
			       (size_t)(box->x2 - box->x1) * 4);
	}
	pthread_mutex_unlock(&vv->lock);
	return ret;
}

int videovsp_get_pointer(struct vmbus_device *dev, uint64_t *seq, struct synthvid_pointer *ptr)
{
	struct videovsp *vv = dev->priv;
	int changed = 0;

	pthread_mutex_lock(&vv->lock);
	if (vv->sv.ptr_seq != *seq) {
		*ptr = vv->sv.ptr;
		*seq = vv->sv.ptr_seq;
		changed = 1;
	}
	pthread_mutex_unlock(&vv->lock);
	return changed;
}

void videovsp_set_notify(struct vmbus_device *dev, int fd)
{
	struct videovsp *vv = dev->priv;

	pthread_mutex_lock(&vv->lock);
	vv->notify_fd = fd;
	pthread_mutex_unlock(&vv->lock);
}
