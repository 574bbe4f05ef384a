// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The synthetic video protocol layer (hostside/videovsp/synthvid_proto.c)
 * driven with messages built here from include/ovb/synthvid.h, the VRAM
 * being plain memory: negotiation of 3.0/3.2/3.5 and nothing else, the
 * resolution list as hyperv_drm checks it, VRAM acknowledged with its
 * context (or refused with another), FEATURE_CHANGE asking for dirty
 * rectangles, situation updates that fit the VRAM or are refused, dirty
 * rectangles as damage (outside the screen: an error, the whole screen
 * damaged), pointer shape limits, truncated messages.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hostside/videovsp/synthvid_proto.h"

int log_verbose;

#define VRAM_SIZE	(4u << 20)
#define VRAM_GPA	0xf8000000ull

struct fake {
	uint8_t *mem;
	uint64_t gpa, len;
	int maps, unmaps;
	bool refuse;
};

static void *fake_map(void *opaque, uint64_t gpa, uint64_t len)
{
	struct fake *f = opaque;

	f->gpa = gpa;
	f->len = len;
	if (f->refuse)
		return NULL;
	f->maps++;
	return f->mem;
}

static void fake_unmap(void *opaque, void *p)
{
	struct fake *f = opaque;

	assert_ptr_equal(p, f->mem);
	f->unmaps++;
}

static const struct synthvid_ops fake_ops = { fake_map, fake_unmap };

struct env {
	struct fake f;
	struct synthvid sv;
	struct synthvid_replies out;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct synthvid_config cfg = { synthvid_default_modes, synthvid_ndefault_modes, 2,
				       VRAM_SIZE };

	assert_non_null(e);
	e->f.mem = calloc(1, VRAM_SIZE);
	assert_non_null(e->f.mem);
	synthvid_init(&e->sv, &cfg, &fake_ops, &e->f);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	synthvid_reset(&e->sv);
	free(e->f.mem);
	free(e);
	return 0;
}

/* Send type @type with @body_len bytes of @body; the message is exactly that long. */
static int send_msg(struct env *e, uint32_t type, const void *body, uint32_t body_len)
{
	uint8_t *m = malloc(sizeof(struct synthvid_hdrs) + body_len);
	struct synthvid_hdrs h = { { SYNTHVID_PIPE_DATA, 8 + body_len }, { type, 8 + body_len } };
	int ret;

	assert_non_null(m);
	memcpy(m, &h, sizeof(h));
	memcpy(m + sizeof(h), body, body_len);
	ret = synthvid_handle(&e->sv, m, (uint32_t)sizeof(h) + body_len, &e->out);
	free(m);
	return ret;
}

/* Reply @i: its type, and its body (checked against both headers' sizes). */
static const uint8_t *reply(struct env *e, unsigned int i, uint32_t type, uint32_t *body_len)
{
	struct synthvid_hdrs h;

	assert_true(i < e->out.n);
	memcpy(&h, e->out.buf[i], sizeof(h));
	assert_int_equal(h.pipe.type, SYNTHVID_PIPE_DATA);
	assert_int_equal(h.vid.type, type);
	assert_int_equal(h.pipe.size, h.vid.size);
	assert_int_equal(e->out.len[i], 8 + h.vid.size);
	*body_len = h.vid.size - 8;
	return e->out.buf[i] + sizeof(h);
}

static void negotiate(struct env *e, uint32_t version, bool accepted)
{
	struct synthvid_version_req req = { version };
	struct synthvid_version_resp r;
	uint32_t blen;

	assert_int_equal(send_msg(e, SYNTHVID_VERSION_REQUEST, &req, sizeof(req)), 0);
	assert_int_equal(e->out.n, 1);
	memcpy(&r, reply(e, 0, SYNTHVID_VERSION_RESPONSE, &blen), sizeof(r));
	assert_int_equal(blen, sizeof(r));
	assert_int_equal(r.version, version);
	assert_int_equal(r.is_accepted, accepted);
	assert_int_equal(r.max_video_outputs, 1);
}

static void place_vram(struct env *e, uint64_t ctx)
{
	struct synthvid_vram_location req = { ctx, 1, VRAM_GPA };
	struct synthvid_vram_location_ack ack;
	uint32_t blen;

	assert_int_equal(send_msg(e, SYNTHVID_VRAM_LOCATION, &req, sizeof(req)), 0);
	memcpy(&ack, reply(e, 0, SYNTHVID_VRAM_LOCATION_ACK, &blen), sizeof(ack));
	assert_int_equal(ack.user_ctx, ctx);
}

static int set_mode(struct env *e, uint32_t w, uint32_t h, uint32_t pitch, uint32_t off,
		    uint8_t depth)
{
	struct synthvid_situation_update req = { 77, 1, { { 1, off, depth, w, h, pitch } } };

	return send_msg(e, SYNTHVID_SITUATION_UPDATE, &req, sizeof(req));
}

static void test_versions(void **state)
{
	struct env *e = *state;
	struct synthvid_resolution_req rq = { 64 };

	/* Nothing before a version. */
	assert_int_equal(send_msg(e, SYNTHVID_RESOLUTION_REQUEST, &rq, sizeof(rq)), -EINVAL);
	assert_int_equal(e->out.n, 0);
	negotiate(e, SYNTHVID_VERSION(3, 1), false);
	negotiate(e, SYNTHVID_VERSION(4, 0), false);
	negotiate(e, 0x00030005, false);	/* 5.3: major and minor swapped */
	assert_int_equal(e->sv.version, 0);
	negotiate(e, SYNTHVID_VERSION_WIN7, true);
	negotiate(e, SYNTHVID_VERSION_WIN8, true);
	negotiate(e, SYNTHVID_VERSION_WIN10, true);
	assert_int_equal(e->sv.version, SYNTHVID_VERSION_WIN10);
}

static void test_resolutions(void **state)
{
	struct env *e = *state;
	struct synthvid_resolution_req rq = { 64 };
	struct synthvid_resolution_resp r;
	const uint8_t *b;
	uint32_t blen;

	negotiate(e, SYNTHVID_VERSION_WIN10, true);
	assert_int_equal(send_msg(e, SYNTHVID_RESOLUTION_REQUEST, &rq, sizeof(rq)), 0);
	b = reply(e, 0, SYNTHVID_RESOLUTION_RESPONSE, &blen);
	/* Exactly the entries sent, as hyperv_drm demands. */
	assert_int_equal(blen, offsetof(struct synthvid_resolution_resp, supported_resolution) +
				       synthvid_ndefault_modes * 4);
	memset(&r, 0, sizeof(r));
	memcpy(&r, b, blen);
	assert_int_equal(r.resolution_count, synthvid_ndefault_modes);
	assert_int_equal(r.default_resolution_index, 2);
	assert_int_equal(r.supported_resolution[0].width, 640);
	assert_int_equal(r.supported_resolution[0].height, 480);
	assert_int_equal(r.supported_resolution[synthvid_ndefault_modes - 1].width, 2560);
	assert_int_equal(r.supported_resolution[synthvid_ndefault_modes - 1].height, 1600);

	/* The guest takes fewer: the default stays inside what it got. */
	rq.maximum_resolution_count = 2;
	assert_int_equal(send_msg(e, SYNTHVID_RESOLUTION_REQUEST, &rq, sizeof(rq)), 0);
	memcpy(&r, reply(e, 0, SYNTHVID_RESOLUTION_RESPONSE, &blen), 131);
	assert_int_equal(blen, 131 + 2 * 4);
	assert_int_equal(r.resolution_count, 2);
	assert_int_equal(r.default_resolution_index, 1);
}

static void test_vram(void **state)
{
	struct env *e = *state;
	struct synthvid_vram_location req = { 0x1234, 1, VRAM_GPA };
	struct synthvid_vram_location_ack ack;
	struct synthvid_feature_change fc;
	uint32_t blen;

	negotiate(e, SYNTHVID_VERSION_WIN8, true);
	/* The ACK echoes the context, then the host asks for dirty rectangles. */
	assert_int_equal(send_msg(e, SYNTHVID_VRAM_LOCATION, &req, sizeof(req)), 0);
	assert_int_equal(e->out.n, 2);
	memcpy(&ack, reply(e, 0, SYNTHVID_VRAM_LOCATION_ACK, &blen), sizeof(ack));
	assert_int_equal(ack.user_ctx, 0x1234);
	memcpy(&fc, reply(e, 1, SYNTHVID_FEATURE_CHANGE, &blen), sizeof(fc));
	assert_int_equal(blen, sizeof(fc));
	assert_int_equal(fc.is_dirt_needed, 1);
	assert_int_equal(e->f.gpa, VRAM_GPA);
	assert_int_equal(e->f.len, VRAM_SIZE);
	assert_int_equal(e->f.maps, 1);

	/* Placed again (resume): the old mapping goes, no second FEATURE_CHANGE. */
	place_vram(e, 0x99);
	assert_int_equal(e->out.n, 1);
	assert_int_equal(e->f.unmaps, 1);

	/* Somewhere the host cannot map: another context comes back. */
	e->f.refuse = true;
	req.user_ctx = 0x5678;
	assert_int_equal(send_msg(e, SYNTHVID_VRAM_LOCATION, &req, sizeof(req)), -EINVAL);
	assert_int_equal(e->out.n, 1);
	memcpy(&ack, reply(e, 0, SYNTHVID_VRAM_LOCATION_ACK, &blen), sizeof(ack));
	assert_int_not_equal(ack.user_ctx, 0x5678);
	assert_null(e->sv.vram);
	assert_int_equal(e->f.unmaps, 2);

	/* No GPA: nothing to map at all. */
	e->f.refuse = false;
	e->f.gpa = 0;
	req.is_vram_gpa_specified = 0;
	assert_int_equal(send_msg(e, SYNTHVID_VRAM_LOCATION, &req, sizeof(req)), -EINVAL);
	assert_int_equal(e->f.gpa, 0);
	assert_null(e->sv.vram);
}

static void test_situation(void **state)
{
	struct env *e = *state;
	struct synthvid_situation_update_ack ack;
	struct synthvid_situation_update two = { 1, 2, { { 1, 0, 32, 640, 480, 2560 } } };
	uint32_t blen;

	negotiate(e, SYNTHVID_VERSION_WIN10, true);
	place_vram(e, 1);
	assert_int_equal(set_mode(e, 1024, 768, 4096, 0, 32), 0);
	memcpy(&ack, reply(e, 0, SYNTHVID_SITUATION_UPDATE_ACK, &blen), sizeof(ack));
	assert_int_equal(ack.user_ctx, 77);
	assert_true(e->sv.mode.active);
	assert_int_equal(e->sv.mode.width, 1024);
	assert_int_equal(e->sv.mode.pitch, 4096);

	/* Refused: each fails one check, and the screen goes blank. */
	assert_int_equal(set_mode(e, 1024, 768, 4095, 0, 32), -EINVAL);	/* pitch < row */
	assert_false(e->sv.mode.active);
	assert_int_equal(set_mode(e, 1024, 768, 4096, 0, 16), -EINVAL);	/* depth */
	assert_int_equal(set_mode(e, 1024, 1025, 4096, 0, 32), -EINVAL);	/* past 4 MiB */
	assert_int_equal(set_mode(e, 1024, 1024, 4096, 4, 32), -EINVAL);	/* offset */
	assert_int_equal(set_mode(e, 0, 768, 4096, 0, 32), -EINVAL);
	assert_int_equal(set_mode(e, 1024, 768, 0xffffffffu, 0xffffffffu, 32), -EINVAL);
	assert_false(e->sv.mode.active);
	/* Exactly the VRAM: fits. */
	assert_int_equal(set_mode(e, 1024, 1024, 4096, 0, 32), 0);
	assert_true(e->sv.mode.active);
	/* Two outputs announced, one sent. */
	assert_int_equal(send_msg(e, SYNTHVID_SITUATION_UPDATE, &two, sizeof(two)), -EINVAL);
	two.video_output_count = 0;
	assert_int_equal(send_msg(e, SYNTHVID_SITUATION_UPDATE, &two, sizeof(two)), -EINVAL);
}

static void test_dirt(void **state)
{
	struct env *e = *state;
	uint8_t buf[2 + 3 * 16];
	struct synthvid_rect r[3] = { { 10, 20, 30, 40 }, { 100, 5, 101, 6 }, { 0, 0, 640, 480 } };
	struct synthvid_box d;
	uint64_t errors;

	negotiate(e, SYNTHVID_VERSION_WIN10, true);
	place_vram(e, 1);
	/* Before a mode (hyperv_drm does that): taken, nothing to show. */
	buf[0] = 0;
	buf[1] = 1;
	memcpy(buf + 2, r, 16);
	assert_int_equal(send_msg(e, SYNTHVID_DIRT, buf, 2 + 16), 0);
	assert_int_equal(e->sv.stats.errors, 0);
	assert_int_equal(set_mode(e, 640, 480, 2560, 0, 32), 0);
	d = synthvid_take_damage(&e->sv);
	assert_int_equal(d.x2, 640);	/* a new mode is all new */
	assert_int_equal(synthvid_take_damage(&e->sv).x2, 0);

	buf[0] = 0;
	buf[1] = 2;
	memcpy(buf + 2, r, 2 * 16);
	assert_int_equal(send_msg(e, SYNTHVID_DIRT, buf, 2 + 2 * 16), 0);
	assert_int_equal(e->out.n, 0);
	d = synthvid_take_damage(&e->sv);
	assert_int_equal(d.x1, 10);
	assert_int_equal(d.y1, 5);
	assert_int_equal(d.x2, 101);
	assert_int_equal(d.y2, 40);

	/* Three announced, two sent. */
	buf[1] = 3;
	assert_int_equal(send_msg(e, SYNTHVID_DIRT, buf, 2 + 2 * 16), -EINVAL);
	assert_int_equal(synthvid_take_damage(&e->sv).x2, 0);

	/* Outside the screen, or inverted: an error, and all of it is damaged. */
	errors = e->sv.stats.errors;
	r[2] = (struct synthvid_rect){ 0, 0, 641, 480 };
	memcpy(buf + 2, r, 3 * 16);
	assert_int_equal(send_msg(e, SYNTHVID_DIRT, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(e->sv.stats.errors, errors + 1);
	assert_int_equal(e->sv.stats.bad_rects, 1);
	d = synthvid_take_damage(&e->sv);
	assert_int_equal(d.x1, 0);
	assert_int_equal(d.y2, 480);
	r[0] = (struct synthvid_rect){ 30, 0, 10, 5 };
	r[1] = (struct synthvid_rect){ -1, 0, 10, 5 };
	r[2] = (struct synthvid_rect){ INT32_MIN, INT32_MIN, INT32_MAX, INT32_MAX };
	memcpy(buf + 2, r, 3 * 16);
	assert_int_equal(send_msg(e, SYNTHVID_DIRT, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(e->sv.stats.bad_rects, 4);
	/* Another output does not exist. */
	buf[0] = 1;
	buf[1] = 1;
	assert_int_equal(send_msg(e, SYNTHVID_DIRT, buf, 2 + 16), -EINVAL);
}

static void test_pixels(void **state)
{
	struct env *e = *state;
	const uint8_t *row;

	negotiate(e, SYNTHVID_VERSION_WIN10, true);
	assert_null(synthvid_row(&e->sv, 0));
	place_vram(e, 1);
	assert_null(synthvid_row(&e->sv, 0));		/* no mode yet */
	assert_int_equal(set_mode(e, 640, 480, 4096, 8192, 32), 0);
	e->f.mem[8192 + 4096 * 3] = 0xab;
	row = synthvid_row(&e->sv, 3);
	assert_ptr_equal(row, e->f.mem + 8192 + 4096 * 3);
	assert_int_equal(row[0], 0xab);
	assert_null(synthvid_row(&e->sv, 480));
	/* Gone with the channel. */
	synthvid_reset(&e->sv);
	assert_null(synthvid_row(&e->sv, 0));
	assert_int_equal(e->f.unmaps, 1);
}

static void test_pointer(void **state)
{
	struct env *e = *state;
	uint8_t buf[offsetof(struct synthvid_pointer_shape, data) + 96 * 96 * 4];
	struct synthvid_pointer_shape s = { SYNTHVID_CURSOR_COMPLETE, 1, 1, 1, 0, 0, { 1, 2, 3, 4 } };
	struct synthvid_pointer_position p = { 1, 0, 33, -4 };

	negotiate(e, SYNTHVID_VERSION_WIN10, true);
	assert_int_equal(send_msg(e, SYNTHVID_POINTER_POSITION, &p, sizeof(p)), 0);
	assert_true(e->sv.ptr.visible);
	assert_int_equal(e->sv.ptr.x, 33);
	assert_int_equal(e->sv.ptr.y, -4);
	/* What Linux sends: 1x1 ARGB. */
	assert_int_equal(send_msg(e, SYNTHVID_POINTER_SHAPE, &s, sizeof(s)), 0);
	assert_int_equal(e->sv.ptr.width, 1);
	assert_int_equal(e->sv.ptr.data[3], 4);
	/* 96x96 ARGB needs all its bytes. */
	s.width = s.height = 96;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &s, offsetof(struct synthvid_pointer_shape, data));
	assert_int_equal(send_msg(e, SYNTHVID_POINTER_SHAPE, buf, sizeof(buf)), 0);
	assert_int_equal(send_msg(e, SYNTHVID_POINTER_SHAPE, buf, sizeof(buf) - 1), -EINVAL);
	s.width = 97;
	memcpy(buf, &s, offsetof(struct synthvid_pointer_shape, data));
	assert_int_equal(send_msg(e, SYNTHVID_POINTER_SHAPE, buf, sizeof(buf)), -EINVAL);
	s.width = 4;
	s.hot_x = 4;
	memcpy(buf, &s, offsetof(struct synthvid_pointer_shape, data));
	assert_int_equal(send_msg(e, SYNTHVID_POINTER_SHAPE, buf, 64), -EINVAL);
	s.hot_x = 0;
	s.part_idx = 0;
	memcpy(buf, &s, offsetof(struct synthvid_pointer_shape, data));
	assert_int_equal(send_msg(e, SYNTHVID_POINTER_SHAPE, buf, sizeof(buf)), -EINVAL);
}

/* Every message one byte short of its body, and broken headers. */
static void test_truncated(void **state)
{
	struct env *e = *state;
	static const struct { uint32_t type, len; } min[] = {
		{ SYNTHVID_RESOLUTION_REQUEST, 1 }, { SYNTHVID_VRAM_LOCATION, 17 },
		{ SYNTHVID_SITUATION_UPDATE, 27 },  { SYNTHVID_DIRT, 18 },
		{ SYNTHVID_POINTER_POSITION, 10 },  { SYNTHVID_POINTER_SHAPE, 22 },
	};
	uint8_t zero[64] = { 0 };
	struct synthvid_hdrs h = { { SYNTHVID_PIPE_DATA, 8 }, { SYNTHVID_VERSION_REQUEST, 12 } };
	uint8_t m[sizeof(h) + 4] = { 0 };
	uint64_t errors;

	negotiate(e, SYNTHVID_VERSION_WIN10, true);
	place_vram(e, 1);
	errors = e->sv.stats.errors;
	for (unsigned int i = 0; i < sizeof(min) / sizeof(min[0]); i++) {
		assert_int_equal(send_msg(e, min[i].type, zero, min[i].len - 1), -EINVAL);
		assert_int_equal(e->out.n, 0);
	}
	assert_int_equal(send_msg(e, SYNTHVID_VERSION_REQUEST, zero, 3), -EINVAL);
	assert_int_equal(send_msg(e, SYNTHVID_FEATURE_CHANGE, zero, 4), -EINVAL);	/* host's */
	assert_int_equal(send_msg(e, 11, zero, 8), -EINVAL);
	assert_int_equal(e->sv.stats.errors, errors + 9);

	/* vid.size past the bytes, below its own header, a bad pipe type. */
	h.vid.size = 13;
	memcpy(m, &h, sizeof(h));
	assert_int_equal(synthvid_handle(&e->sv, m, sizeof(m), &e->out), -EINVAL);
	h.vid.size = 7;
	memcpy(m, &h, sizeof(h));
	assert_int_equal(synthvid_handle(&e->sv, m, sizeof(m), &e->out), -EINVAL);
	h.vid.size = 12;
	h.pipe.type = 2;
	memcpy(m, &h, sizeof(h));
	assert_int_equal(synthvid_handle(&e->sv, m, sizeof(m), &e->out), -EINVAL);
	assert_int_equal(synthvid_handle(&e->sv, m, 15, &e->out), -EINVAL);
	/* Well-formed again: answered. */
	h.pipe.type = SYNTHVID_PIPE_DATA;
	memcpy(m, &h, sizeof(h));
	memcpy(m + sizeof(h), &(uint32_t){ SYNTHVID_VERSION_WIN10 }, 4);
	assert_int_equal(synthvid_handle(&e->sv, m, sizeof(m), &e->out), 0);
	assert_int_equal(e->out.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolutions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_situation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dirt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pixels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pointer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
