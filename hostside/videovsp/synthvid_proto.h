/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The synthetic video protocol from the host side, without VMBus: one
 * guest message in (synthvid_handle), at most SYNTHVID_MAX_REPLIES
 * messages out, and the state they leave behind — the negotiated
 * version, where the VRAM is, the guest's mode, its pointer and the area
 * it said changed since the last look. The guest's VRAM is mapped
 * through @ops, so the unit test and the fuzzer give it plain memory.
 *
 * Every field of a guest message is checked here; a bad one is counted
 * in errors and logged (rate-limited), never trusted. Not thread-safe:
 * videovsp.c holds its lock around every call.
 */
#ifndef OVB_VIDEOVSP_SYNTHVID_PROTO_H
#define OVB_VIDEOVSP_SYNTHVID_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "hostside/log.h"
#include "ovb/synthvid.h"

struct synthvid_ops {
	/* The guest's VRAM at [@gpa, @gpa + @len): NULL to refuse it. */
	void *(*map_vram)(void *opaque, uint64_t gpa, uint64_t len);
	void (*unmap_vram)(void *opaque, void *p);
};

/* The guest's output 0, as its last situation update set it. */
struct synthvid_mode {
	bool active;			/* checked: it fits the VRAM, depth 32 */
	uint32_t width, height, pitch;	/* pixels, pixels, bytes */
	uint32_t offset;		/* of the first pixel in the VRAM */
};

/* A box of pixels, x2/y2 exclusive; empty when x1 == x2. */
struct synthvid_box {
	uint32_t x1, y1, x2, y2;
};

struct synthvid_pointer {
	bool visible;
	int32_t x, y;
	bool argb;
	uint32_t width, height, hot_x, hot_y;
	uint8_t data[SYNTHVID_CURSOR_MAX_X * SYNTHVID_CURSOR_MAX_Y * 4];
};

struct synthvid_stats {
	uint64_t msgs, errors, dirt_rects, bad_rects, mode_changes;
};

#define SYNTHVID_MAX_REPLIES	2
#define SYNTHVID_REPLY_SIZE	512

struct synthvid_replies {
	unsigned int n;
	uint32_t len[SYNTHVID_MAX_REPLIES];
	uint8_t buf[SYNTHVID_MAX_REPLIES][SYNTHVID_REPLY_SIZE];
};

/* The resolutions the host offers (at least one) and which is the default. */
struct synthvid_config {
	const struct synthvid_screen_info *modes;
	unsigned int nmodes, default_mode;
	uint64_t vram_size;		/* the offer's mmio_megabytes, in bytes */
};

struct synthvid {
	struct synthvid_config cfg;
	const struct synthvid_ops *ops;
	void *opaque;
	struct log_ratelimit rl;

	uint32_t version;		/* 0 until accepted */
	void *vram;			/* NULL until the guest placed it */
	uint64_t vram_gpa;
	bool dirt_asked;		/* FEATURE_CHANGE sent */
	struct synthvid_mode mode;
	struct synthvid_pointer ptr;
	uint64_t ptr_seq;		/* counts every pointer message taken (and resets) */
	/* What changed since synthvid_take_damage(); seq counts every change. */
	struct synthvid_box damage;
	uint64_t damage_seq;
	struct synthvid_stats stats;
};

/* The default resolution list: 640x480 .. 2560x1600. */
extern const struct synthvid_screen_info synthvid_default_modes[];
extern const unsigned int synthvid_ndefault_modes;

void synthvid_init(struct synthvid *sv, const struct synthvid_config *cfg,
		   const struct synthvid_ops *ops, void *opaque);
/* The channel closed or the guest reconnected: unmap, forget everything. */
void synthvid_reset(struct synthvid *sv);

/*
 * One in-band payload from the guest (pipe header first), @len bytes.
 * Fills @out with what to send back, in order (out->n may be 0). Returns
 * 0, or -EINVAL when the message was refused (counted in stats.errors).
 */
int synthvid_handle(struct synthvid *sv, const uint8_t *msg, uint32_t len,
		    struct synthvid_replies *out);

/*
 * The box changed since the last call (empty if none), cleared. The
 * caller reads the pixels while it holds the lock it calls this under.
 */
struct synthvid_box synthvid_take_damage(struct synthvid *sv);

/* The first byte of row @y of the mode, or NULL if no VRAM or mode. */
const uint8_t *synthvid_row(const struct synthvid *sv, uint32_t y);

#endif /* OVB_VIDEOVSP_SYNTHVID_PROTO_H */
