/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Synthetic video (class OVB_GUID_SYNTHVID). Every message is one in-band
 * VMBus packet: a pipe header, a synthvid header, then the body of its
 * type. The guest asks for a protocol version, (from 3.5) the host's
 * resolutions, tells where its VRAM is (the host must echo user_ctx in
 * the ACK), then sends situation updates (mode), pointer position and
 * shape and, once the host asked for them with FEATURE_CHANGE, dirty
 * rectangles. The VRAM is offer.mmio_megabytes MiB at the GPA the guest
 * chose (in the VMBus MMIO window, or guest RAM for hyperv_fb on Gen1).
 *
 * Sources: Linux 6.1 drivers/video/fbdev/hyperv_fb.c and
 * drivers/gpu/drm/hyperv/hyperv_drm_proto.c (struct synthvid_msg and its
 * members, SYNTHVID_VERSION, CURSOR_*, the negotiation order).
 */
#ifndef OVB_SYNTHVID_H
#define OVB_SYNTHVID_H

#include "ovb/types.h"

/* Versions are minor << 16 | major (the opposite of the IC encoding). */
#define SYNTHVID_VERSION(major, minor)	(((u32)(minor) << 16) | (major))
#define SYNTHVID_VERSION_WIN7		SYNTHVID_VERSION(3, 0)
#define SYNTHVID_VERSION_WIN8		SYNTHVID_VERSION(3, 2)
#define SYNTHVID_VERSION_WIN10		SYNTHVID_VERSION(3, 5)
#define SYNTHVID_VER_MAJOR(v)		((v) & 0xffff)
#define SYNTHVID_VER_MINOR(v)		((v) >> 16)

#define SYNTHVID_DEPTH_WIN8		32
#define SYNTHVID_MAX_PKT_SIZE		0x4000	/* Linux's receive buffer */

/* The pipe header (its type is SYNTHVID_PIPE_DATA, size the bytes after it). */
#define SYNTHVID_PIPE_DATA		1
struct synthvid_pipe_hdr {
	u32 type;
	u32 size;
} __packed;
OVB_ASSERT_SIZE(struct synthvid_pipe_hdr, 8);

#define SYNTHVID_ERROR			0
#define SYNTHVID_VERSION_REQUEST	1
#define SYNTHVID_VERSION_RESPONSE	2
#define SYNTHVID_VRAM_LOCATION		3
#define SYNTHVID_VRAM_LOCATION_ACK	4
#define SYNTHVID_SITUATION_UPDATE	5
#define SYNTHVID_SITUATION_UPDATE_ACK	6
#define SYNTHVID_POINTER_POSITION	7
#define SYNTHVID_POINTER_SHAPE		8
#define SYNTHVID_FEATURE_CHANGE		9
#define SYNTHVID_DIRT			10
#define SYNTHVID_RESOLUTION_REQUEST	13
#define SYNTHVID_RESOLUTION_RESPONSE	14

/* size: this header's 8 bytes plus the body (also the pipe header's size). */
struct synthvid_msg_hdr {
	u32 type;
	u32 size;
} __packed;
OVB_ASSERT_SIZE(struct synthvid_msg_hdr, 8);

/* Both headers, as every packet starts. */
struct synthvid_hdrs {
	struct synthvid_pipe_hdr pipe;
	struct synthvid_msg_hdr vid;
} __packed;
OVB_ASSERT_SIZE(struct synthvid_hdrs, 16);

struct synthvid_version_req {
	u32 version;
} __packed;
OVB_ASSERT_SIZE(struct synthvid_version_req, 4);

struct synthvid_version_resp {
	u32 version;
	u8 is_accepted;
	u8 max_video_outputs;
} __packed;
OVB_ASSERT_SIZE(struct synthvid_version_resp, 6);

#define SYNTHVID_EDID_BLOCK_SIZE	128
#define SYNTHVID_MAX_RESOLUTION_COUNT	64

struct synthvid_screen_info {
	u16 width;
	u16 height;
} __packed;
OVB_ASSERT_SIZE(struct synthvid_screen_info, 4);

struct synthvid_resolution_req {
	u8 maximum_resolution_count;
} __packed;
OVB_ASSERT_SIZE(struct synthvid_resolution_req, 1);

/*
 * Variable length: the host sends resolution_count entries (hyperv_drm
 * checks the packet holds exactly those; hyperv_fb reads the fixed size).
 */
struct synthvid_resolution_resp {
	u8 edid_block[SYNTHVID_EDID_BLOCK_SIZE];
	u8 resolution_count;
	u8 default_resolution_index;
	u8 is_standard;
	struct synthvid_screen_info supported_resolution[SYNTHVID_MAX_RESOLUTION_COUNT];
} __packed;
OVB_ASSERT_OFFSET(struct synthvid_resolution_resp, supported_resolution, 131);
OVB_ASSERT_SIZE(struct synthvid_resolution_resp, 131 + 4 * 64);

struct synthvid_vram_location {
	u64 user_ctx;
	u8 is_vram_gpa_specified;
	u64 vram_gpa;
} __packed;
OVB_ASSERT_SIZE(struct synthvid_vram_location, 17);

struct synthvid_vram_location_ack {
	u64 user_ctx;
} __packed;
OVB_ASSERT_SIZE(struct synthvid_vram_location_ack, 8);

struct synthvid_output_situation {
	u8 active;
	u32 vram_offset;
	u8 depth_bits;
	u32 width_pixels;
	u32 height_pixels;
	u32 pitch_bytes;
} __packed;
OVB_ASSERT_SIZE(struct synthvid_output_situation, 18);

/* video_output_count outputs follow (Linux sends one). */
struct synthvid_situation_update {
	u64 user_ctx;
	u8 video_output_count;
	struct synthvid_output_situation video_output[1];
} __packed;
OVB_ASSERT_SIZE(struct synthvid_situation_update, 27);

struct synthvid_situation_update_ack {
	u64 user_ctx;
} __packed;
OVB_ASSERT_SIZE(struct synthvid_situation_update_ack, 8);

struct synthvid_pointer_position {
	u8 is_visible;
	u8 video_output;
	s32 image_x;
	s32 image_y;
} __packed;
OVB_ASSERT_SIZE(struct synthvid_pointer_position, 10);

#define SYNTHVID_CURSOR_MAX_X		96
#define SYNTHVID_CURSOR_MAX_Y		96
#define SYNTHVID_CURSOR_COMPLETE	0xff	/* part_idx: the whole shape at once */

/*
 * data: width * height ARGB pixels (is_argb), else AND and XOR masks of
 * (width + 7) / 8 bytes per row each. Linux sends a 1x1 ARGB shape, so
 * the struct carries 4 bytes of data.
 */
struct synthvid_pointer_shape {
	u8 part_idx;
	u8 is_argb;
	u32 width;
	u32 height;
	u32 hot_x;
	u32 hot_y;
	u8 data[4];
} __packed;
OVB_ASSERT_SIZE(struct synthvid_pointer_shape, 22);

struct synthvid_feature_change {
	u8 is_dirt_needed;
	u8 is_ptr_pos_needed;
	u8 is_ptr_shape_needed;
	u8 is_situ_needed;
} __packed;
OVB_ASSERT_SIZE(struct synthvid_feature_change, 4);

/* x2, y2 exclusive. */
struct synthvid_rect {
	s32 x1, y1;
	s32 x2, y2;
} __packed;
OVB_ASSERT_SIZE(struct synthvid_rect, 16);

/* dirt_count rectangles follow (Linux sends one). */
struct synthvid_dirt {
	u8 video_output;
	u8 dirt_count;
	struct synthvid_rect rect[1];
} __packed;
OVB_ASSERT_SIZE(struct synthvid_dirt, 18);

#endif /* OVB_SYNTHVID_H */
