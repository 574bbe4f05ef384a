// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The synthetic video protocol, host side (synthvid_proto.h). Message
 * order as the Linux drivers use it (hyperv_fb.c, hyperv_drm_proto.c):
 * VERSION_REQUEST -> RESPONSE; from 3.5 RESOLUTION_REQUEST -> RESPONSE;
 * VRAM_LOCATION -> ACK echoing user_ctx; then situation updates, pointer
 * position and shape, and dirty rectangles. Both drivers send the
 * rectangles only once the host asked with FEATURE_CHANGE (OpenVMM never
 * does, and then only polling the whole VRAM shows changes), so the host
 * asks right after it acknowledged the VRAM.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "hostside/videovsp/synthvid_proto.h"

const struct synthvid_screen_info synthvid_default_modes[] = {
	{ 640, 480 },   { 800, 600 },   { 1024, 768 },  { 1152, 864 },
	{ 1280, 720 },  { 1280, 1024 }, { 1440, 900 },  { 1600, 1200 },
	{ 1920, 1080 }, { 1920, 1200 }, { 2560, 1440 }, { 2560, 1600 },
};
const unsigned int synthvid_ndefault_modes =
	sizeof(synthvid_default_modes) / sizeof(synthvid_default_modes[0]);

/* Largest mode a situation update may set (a DRM client picks any size). */
#define SYNTHVID_MAX_DIM	8192u

#define sv_log(sv, fmt, ...) log_rl(&(sv)->rl, "videovsp: guest: " fmt, ##__VA_ARGS__)

void synthvid_init(struct synthvid *sv, const struct synthvid_config *cfg,
		   const struct synthvid_ops *ops, void *opaque)
{
	memset(sv, 0, sizeof(*sv));
	sv->cfg = *cfg;
	sv->ops = ops;
	sv->opaque = opaque;
	pthread_mutex_init(&sv->rl.lock, NULL);
}

static void synthvid_unmap(struct synthvid *sv)
{
	if (sv->vram && sv->ops->unmap_vram)
		sv->ops->unmap_vram(sv->opaque, sv->vram);
	sv->vram = NULL;
	sv->vram_gpa = 0;
	sv->mode.active = false;
}

void synthvid_reset(struct synthvid *sv)
{
	synthvid_unmap(sv);
	sv->version = 0;
	sv->dirt_asked = false;
	memset(&sv->mode, 0, sizeof(sv->mode));
	memset(&sv->ptr, 0, sizeof(sv->ptr));
	sv->ptr_seq++;
	memset(&sv->damage, 0, sizeof(sv->damage));
	sv->damage_seq++;
}

/* A reply: both headers then @body_len bytes of @body. */
static void *reply_add(struct synthvid_replies *out, uint32_t type, uint32_t body_len)
{
	uint8_t *b = out->buf[out->n];
	struct synthvid_hdrs h = {
		.pipe = { .type = SYNTHVID_PIPE_DATA,
			  .size = (uint32_t)sizeof(struct synthvid_msg_hdr) + body_len },
		.vid = { .type = type, .size = (uint32_t)sizeof(struct synthvid_msg_hdr) + body_len },
	};

	/* Every caller's body is a fixed, small struct: it fits. */
	memcpy(b, &h, sizeof(h));
	memset(b + sizeof(h), 0, body_len);
	out->len[out->n++] = (uint32_t)sizeof(h) + body_len;
	return b + sizeof(h);
}

static void damage_add(struct synthvid *sv, uint32_t x1, uint32_t y1, uint32_t x2, uint32_t y2)
{
	struct synthvid_box *d = &sv->damage;

	if (x1 >= x2 || y1 >= y2)
		return;
	if (d->x1 == d->x2) {
		*d = (struct synthvid_box){ x1, y1, x2, y2 };
	} else {
		d->x1 = x1 < d->x1 ? x1 : d->x1;
		d->y1 = y1 < d->y1 ? y1 : d->y1;
		d->x2 = x2 > d->x2 ? x2 : d->x2;
		d->y2 = y2 > d->y2 ? y2 : d->y2;
	}
	sv->damage_seq++;
}

static void damage_all(struct synthvid *sv)
{
	if (sv->mode.active)
		damage_add(sv, 0, 0, sv->mode.width, sv->mode.height);
	else
		sv->damage_seq++;
}

static bool version_known(uint32_t v)
{
	return v == SYNTHVID_VERSION_WIN7 || v == SYNTHVID_VERSION_WIN8 ||
	       v == SYNTHVID_VERSION_WIN10;
}

static int on_version(struct synthvid *sv, const uint8_t *body, struct synthvid_replies *out)
{
	struct synthvid_version_req req;
	struct synthvid_version_resp *r;

	memcpy(&req, body, sizeof(req));
	r = reply_add(out, SYNTHVID_VERSION_RESPONSE, sizeof(*r));
	r->version = req.version;
	r->is_accepted = version_known(req.version);
	r->max_video_outputs = 1;
	if (!r->is_accepted) {
		sv_log(sv, "version %u.%u refused", SYNTHVID_VER_MAJOR(req.version),
		       SYNTHVID_VER_MINOR(req.version));
		return 0;	/* a refusal is an answer, not an error: it tries another */
	}
	sv->version = req.version;
	return 0;
}

static int on_resolution(struct synthvid *sv, const uint8_t *body, struct synthvid_replies *out)
{
	struct synthvid_resolution_req req;
	struct synthvid_resolution_resp *r;
	unsigned int n = sv->cfg.nmodes;

	memcpy(&req, body, sizeof(req));
	if (n > req.maximum_resolution_count)
		n = req.maximum_resolution_count;
	if (n > SYNTHVID_MAX_RESOLUTION_COUNT)
		n = SYNTHVID_MAX_RESOLUTION_COUNT;
	/* Only the entries sent (hyperv_drm wants exactly those). */
	r = reply_add(out, SYNTHVID_RESOLUTION_RESPONSE,
		      (uint32_t)(offsetof(struct synthvid_resolution_resp, supported_resolution) +
				 n * sizeof(struct synthvid_screen_info)));
	r->resolution_count = (uint8_t)n;
	r->default_resolution_index = (uint8_t)(sv->cfg.default_mode < n ? sv->cfg.default_mode :
						n ? n - 1 : 0);
	memcpy(r->supported_resolution, sv->cfg.modes, n * sizeof(struct synthvid_screen_info));
	return 0;
}

static int on_vram(struct synthvid *sv, const uint8_t *body, struct synthvid_replies *out)
{
	struct synthvid_vram_location req;
	struct synthvid_vram_location_ack *ack;
	struct synthvid_feature_change *fc;
	void *p = NULL;

	memcpy(&req, body, sizeof(req));
	synthvid_unmap(sv);
	if (!req.is_vram_gpa_specified)
		sv_log(sv, "VRAM without a GPA (there is no default place) refused");
	else if (!(p = sv->ops->map_vram(sv->opaque, req.vram_gpa, sv->cfg.vram_size)))
		sv_log(sv, "VRAM at 0x%llx+0x%llx is neither RAM nor in the VMBus MMIO window",
		       (unsigned long long)req.vram_gpa, (unsigned long long)sv->cfg.vram_size);
	ack = reply_add(out, SYNTHVID_VRAM_LOCATION_ACK, sizeof(*ack));
	if (!p) {
		/* The guest compares the context: another value is a refusal it sees. */
		ack->user_ctx = ~req.user_ctx;
		sv->stats.errors++;
		return -EINVAL;
	}
	ack->user_ctx = req.user_ctx;
	sv->vram = p;
	sv->vram_gpa = req.vram_gpa;
	damage_all(sv);
	if (!sv->dirt_asked) {
		fc = reply_add(out, SYNTHVID_FEATURE_CHANGE, sizeof(*fc));
		fc->is_dirt_needed = 1;
		fc->is_ptr_pos_needed = 1;
		fc->is_ptr_shape_needed = 1;
		fc->is_situ_needed = 1;
		sv->dirt_asked = true;
	}
	return 0;
}

/* Does output @o fit the VRAM? (64-bit: every field is the guest's.) */
static bool situation_fits(const struct synthvid *sv, const struct synthvid_output_situation *o)
{
	uint64_t row = (uint64_t)o->width_pixels * 4;

	return o->depth_bits == SYNTHVID_DEPTH_WIN8 && o->width_pixels && o->height_pixels &&
	       o->width_pixels <= SYNTHVID_MAX_DIM && o->height_pixels <= SYNTHVID_MAX_DIM &&
	       o->pitch_bytes >= row &&
	       (uint64_t)o->vram_offset + (uint64_t)o->pitch_bytes * (o->height_pixels - 1) + row <=
		       sv->cfg.vram_size;
}

static int on_situation(struct synthvid *sv, const uint8_t *body, uint32_t blen,
			struct synthvid_replies *out)
{
	struct synthvid_situation_update req;
	struct synthvid_situation_update_ack *ack;
	struct synthvid_output_situation o;
	int ret = 0;

	memcpy(&req, body, sizeof(req));
	/* The outputs after the first are not looked at, but must be there. */
	if (!req.video_output_count ||
	    (uint64_t)req.video_output_count * sizeof(o) > blen - offsetof(struct synthvid_situation_update, video_output)) {
		sv_log(sv, "situation update with %u outputs in %u bytes", req.video_output_count,
		       blen);
		sv->stats.errors++;
		return -EINVAL;
	}
	o = req.video_output[0];
	sv->stats.mode_changes++;
	if (!o.active) {
		sv->mode.active = false;
	} else if (!situation_fits(sv, &o)) {
		sv_log(sv, "mode %ux%u depth %u pitch %u at offset %u does not fit %llu bytes of VRAM",
		       o.width_pixels, o.height_pixels, o.depth_bits, o.pitch_bytes, o.vram_offset,
		       (unsigned long long)sv->cfg.vram_size);
		sv->mode.active = false;
		sv->stats.errors++;
		ret = -EINVAL;
	} else {
		sv->mode = (struct synthvid_mode){ true, o.width_pixels, o.height_pixels,
						   o.pitch_bytes, o.vram_offset };
	}
	memset(&sv->damage, 0, sizeof(sv->damage));
	damage_all(sv);
	ack = reply_add(out, SYNTHVID_SITUATION_UPDATE_ACK, sizeof(*ack));
	ack->user_ctx = req.user_ctx;
	return ret;
}

static int on_dirt(struct synthvid *sv, const uint8_t *body, uint32_t blen)
{
	struct synthvid_dirt req;
	uint32_t off = offsetof(struct synthvid_dirt, rect);
	bool bad = false;

	memcpy(&req, body, sizeof(req));
	if (req.video_output != 0 || !req.dirt_count ||
	    (uint64_t)req.dirt_count * sizeof(struct synthvid_rect) > blen - off) {
		sv_log(sv, "dirt of output %u with %u rectangles in %u bytes", req.video_output,
		       req.dirt_count, blen);
		sv->stats.errors++;
		return -EINVAL;
	}
	/* hyperv_drm may flush a plane before it sets the mode: nothing to show yet. */
	if (!sv->mode.active) {
		sv->stats.dirt_rects += req.dirt_count;
		return 0;
	}
	for (unsigned int i = 0; i < req.dirt_count; i++) {
		struct synthvid_rect r;

		memcpy(&r, body + off + i * sizeof(r), sizeof(r));
		sv->stats.dirt_rects++;
		if (r.x1 < 0 || r.y1 < 0 || r.x1 >= r.x2 || r.y1 >= r.y2 ||
		    (uint32_t)r.x2 > sv->mode.width || (uint32_t)r.y2 > sv->mode.height) {
			bad = true;
			sv->stats.bad_rects++;
			continue;
		}
		damage_add(sv, (uint32_t)r.x1, (uint32_t)r.y1, (uint32_t)r.x2, (uint32_t)r.y2);
	}
	if (bad) {
		/* Whatever it meant changed, the whole screen shows it. */
		sv_log(sv, "dirty rectangle outside the %ux%u screen", sv->mode.width,
		       sv->mode.height);
		damage_all(sv);
		sv->stats.errors++;
		return -EINVAL;
	}
	return 0;
}

static int on_pointer_position(struct synthvid *sv, const uint8_t *body)
{
	struct synthvid_pointer_position p;

	memcpy(&p, body, sizeof(p));
	sv->ptr.visible = p.is_visible != 0;
	sv->ptr.x = p.image_x;
	sv->ptr.y = p.image_y;
	sv->ptr_seq++;
	return 0;
}

static int on_pointer_shape(struct synthvid *sv, const uint8_t *body, uint32_t blen)
{
	struct synthvid_pointer_shape s;
	uint32_t off = offsetof(struct synthvid_pointer_shape, data);
	uint64_t need;

	memcpy(&s, body, sizeof(s));
	if (s.part_idx != SYNTHVID_CURSOR_COMPLETE || !s.width || !s.height ||
	    s.width > SYNTHVID_CURSOR_MAX_X || s.height > SYNTHVID_CURSOR_MAX_Y ||
	    s.hot_x >= s.width || s.hot_y >= s.height) {
		sv_log(sv, "pointer shape part %u, %ux%u hot spot %u,%u refused", s.part_idx,
		       s.width, s.height, s.hot_x, s.hot_y);
		sv->stats.errors++;
		return -EINVAL;
	}
	need = s.is_argb ? (uint64_t)s.width * s.height * 4 :
			   (uint64_t)(s.width + 7) / 8 * s.height * 2;
	if (need > blen - off) {
		sv_log(sv, "pointer shape of %llu bytes in %u", (unsigned long long)need, blen - off);
		sv->stats.errors++;
		return -EINVAL;
	}
	sv->ptr.argb = s.is_argb != 0;
	sv->ptr.width = s.width;
	sv->ptr.height = s.height;
	sv->ptr.hot_x = s.hot_x;
	sv->ptr.hot_y = s.hot_y;
	memcpy(sv->ptr.data, body + off, need);
	sv->ptr_seq++;
	return 0;
}

/* The body each guest-to-host type needs at least. */
static uint32_t body_min(uint32_t type)
{
	switch (type) {
	case SYNTHVID_VERSION_REQUEST: return sizeof(struct synthvid_version_req);
	case SYNTHVID_RESOLUTION_REQUEST: return sizeof(struct synthvid_resolution_req);
	case SYNTHVID_VRAM_LOCATION: return sizeof(struct synthvid_vram_location);
	case SYNTHVID_SITUATION_UPDATE: return sizeof(struct synthvid_situation_update);
	case SYNTHVID_DIRT: return sizeof(struct synthvid_dirt);
	case SYNTHVID_POINTER_POSITION: return sizeof(struct synthvid_pointer_position);
	case SYNTHVID_POINTER_SHAPE: return sizeof(struct synthvid_pointer_shape);
	default: return UINT32_MAX;
	}
}

int synthvid_handle(struct synthvid *sv, const uint8_t *msg, uint32_t len,
		    struct synthvid_replies *out)
{
	struct synthvid_hdrs h;
	const uint8_t *body = msg + sizeof(h);
	uint32_t blen;

	out->n = 0;
	sv->stats.msgs++;
	if (len < sizeof(h)) {
		sv_log(sv, "message of %u bytes", len);
		goto bad;
	}
	memcpy(&h, msg, sizeof(h));
	/* vid.size counts its own header: it and the body lie inside @len. */
	if (h.pipe.type != SYNTHVID_PIPE_DATA || h.vid.size < sizeof(h.vid) ||
	    h.vid.size > len - sizeof(h.pipe)) {
		sv_log(sv, "pipe type %u, message size %u in %u bytes", h.pipe.type, h.vid.size, len);
		goto bad;
	}
	blen = h.vid.size - (uint32_t)sizeof(h.vid);
	if (body_min(h.vid.type) == UINT32_MAX || blen < body_min(h.vid.type)) {
		sv_log(sv, "message type %u with %u bytes refused", h.vid.type, blen);
		goto bad;
	}
	/* Nothing but the negotiation before a version is agreed. */
	if (!sv->version && h.vid.type != SYNTHVID_VERSION_REQUEST) {
		sv_log(sv, "message type %u before a version", h.vid.type);
		goto bad;
	}
	switch (h.vid.type) {
	case SYNTHVID_VERSION_REQUEST: return on_version(sv, body, out);
	case SYNTHVID_RESOLUTION_REQUEST: return on_resolution(sv, body, out);
	case SYNTHVID_VRAM_LOCATION: return on_vram(sv, body, out);
	case SYNTHVID_SITUATION_UPDATE: return on_situation(sv, body, blen, out);
	case SYNTHVID_DIRT: return on_dirt(sv, body, blen);
	case SYNTHVID_POINTER_POSITION: return on_pointer_position(sv, body);
	default: return on_pointer_shape(sv, body, blen);
	}
bad:
	sv->stats.errors++;
	return -EINVAL;
}

struct synthvid_box synthvid_take_damage(struct synthvid *sv)
{
	struct synthvid_box d = sv->damage;

	memset(&sv->damage, 0, sizeof(sv->damage));
	return d;
}

const uint8_t *synthvid_row(const struct synthvid *sv, uint32_t y)
{
	if (!sv->vram || !sv->mode.active || y >= sv->mode.height)
		return NULL;
	return (const uint8_t *)sv->vram + sv->mode.offset + (uint64_t)sv->mode.pitch * y;
}
