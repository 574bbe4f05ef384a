// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ovb_video (videovsc/, in userspace against tests/fuzz/guestshim with
 * video_shim.h) on the scripted host of guest_video_fuzz
 * (stub_video_host.h): the negotiation at 3.5 with the host's default
 * mode, the fallback to 3.0, the VRAM's place and its refusal, dirty
 * rectangles only once asked for and inside the mode, mode changes, and
 * what a hostile host gets: resolution lists with no entry, too many, a
 * default outside, more entries than its packet, short messages, a host
 * that never answers, one that keeps the ring full, VRAM sizes out of
 * bounds.
 */
#include "tests/fuzz/guestshim/shim.h"
#include "tests/fuzz/guestshim/video_shim.h"

#include "videovsc/video.c"
#include "videovsc/video_proto.c"

#include "tests/fuzz/guestshim/stub_bus.h"
#include "tests/fuzz/guestshim/stub_video_host.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static u8 sc[16384];
static size_t sl;

static void put(const void *p, size_t n)
{
	assert_true(sl + n <= sizeof(sc));
	memcpy(sc + sl, p, n);
	sl += n;
}

static void put8(u8 b)
{
	put(&b, 1);
}

static void put16(u16 v)
{
	put(&v, 2);
}

/* A synthvid message in its pipe: @body of @n bytes after both headers. */
static u16 vid_msg(u8 *out, u32 type, const void *body, u32 n)
{
	return (u16)ovb_vid_build(out, type, body, n);
}

static void put_vid(u32 type, const void *body, u32 n)
{
	u8 m[1024];
	u16 len = vid_msg(m, type, body, n);

	put8(0);
	put16(len);
	put(m, len);
}

#define END	0xff

static void put_version(u32 v, u8 ok)
{
	struct synthvid_version_resp r = { .version = v, .is_accepted = ok, .max_video_outputs = 1 };

	put_vid(SYNTHVID_VERSION_RESPONSE, &r, sizeof(r));
}

static void put_ack(u64 ctx)
{
	put_vid(SYNTHVID_VRAM_LOCATION_ACK, &ctx, sizeof(ctx));
}

static void put_feature(u8 dirt)
{
	struct synthvid_feature_change f = { dirt, 1, 1, 0 };

	put_vid(SYNTHVID_FEATURE_CHANGE, &f, sizeof(f));
}

static const struct synthvid_screen_info modes[] = {
	{ 640, 480 }, { 800, 600 }, { 1024, 768 }, { 1280, 1024 }, { 1920, 1080 }, { 2560, 1600 },
};

/* A resolution response of @count entries (@have of them in the packet), default @def. */
static u32 res_body(u8 *b, u8 count, u8 def, u32 have)
{
	const u32 off = offsetof(struct synthvid_resolution_resp, supported_resolution);

	memset(b, 0, off);
	b[128] = count;
	b[129] = def;
	for (u32 i = 0; i < have; i++)
		memcpy(b + off + 4 * i, &modes[i % ARRAY_SIZE(modes)], 4);
	return off + 4 * have;
}

static void put_resolutions(u8 count, u8 def)
{
	u8 b[sizeof(struct synthvid_resolution_resp)];

	put_vid(SYNTHVID_RESOLUTION_RESPONSE, b, res_body(b, count, def, count));
}

/* A 3.5 host with 16 MiB of VRAM: version, VRAM (+ @dirt's FEATURE_CHANGE), list. */
static void script_win10(bool dirt)
{
	sl = 0;
	put8(0);
	put_version(SYNTHVID_VERSION_WIN10, 1);
	put8(END);
	put_ack(VIDEO_SHIM_WINDOW);
	if (dirt)
		put_feature(1);
	put8(END);
	put_resolutions(ARRAY_SIZE(modes), 2);
	put8(END);
}

static void run(void)
{
	assert_int_equal(host_probe(sc, sl), 0);
	host_run();
}

static void test_win10_default_mode_and_dirt(void **state)
{
	script_win10(true);
	put8(0xc0);	/* work: the feature change, then the first flush */
	run();
	assert_int_equal(hl.versions, 1);
	assert_int_equal(hl.resolutions, 1);
	assert_int_equal(hl.vram_gpa, VIDEO_SHIM_WINDOW);
	assert_int_equal(host_video->version, SYNTHVID_VERSION_WIN10);
	/* The host's default (index 2), the largest listed as the limit. */
	assert_int_equal(hl.width, 1024);
	assert_int_equal(hl.height, 768);
	assert_int_equal(host_video->max_w, 2560);	/* 2560x1600x4 fits 16 MiB */
	assert_int_equal(host_video->max_h, 1600);
	assert_true(hl.pointers >= 2);
	assert_true(hl.dirts >= 1);
	assert_int_equal(hl.dx2, 1024);
	assert_int_equal(hl.dy2, 768);
	host_remove();
}

static void test_mode_change(void **state)
{
	script_win10(true);
	put8(0xa0);
	put16(1280);
	put16(1024);
	put8(0xc0);
	run();
	assert_int_equal(hl.width, 1280);
	assert_int_equal(hl.height, 1024);
	assert_int_equal(hl.modes, 2);
	assert_int_equal(host_video->pitch, 5120);
	assert_int_equal(hl.dx2, 1280);
	assert_int_equal(hl.dy2, 1024);
	/* Larger than the VRAM or than our bounds: refused, the mode stays. */
	assert_int_equal(ovb_video_set_mode(host_video, 2560, 1664), -EINVAL);
	assert_int_equal(ovb_video_set_mode(host_video, 4096, 4096), -EINVAL);
	assert_int_equal(ovb_video_set_mode(host_video, 320, 200), -EINVAL);
	assert_int_equal(hl.modes, 2);
	/* Damage past the screen is cut to it. */
	ovb_video_damage(host_video, 1000, 1000, 60000, 60000);
	shim_run_work();
	assert_int_equal(hl.dx1, 1000);
	assert_int_equal(hl.dx2, 1280);
	assert_int_equal(hl.dy2, 1024);
	host_remove();
}

static void test_no_dirt_before_asked(void **state)
{
	script_win10(false);
	put8(0xc0);
	put8(0x80);
	put16(0);
	put16(0);
	put16(100);
	put16(100);
	put8(0xc0);
	run();
	assert_int_equal(hl.dirts, 0);
	/* Now the host asks: everything once. */
	sl = 0;
	put_feature(1);
	put8(END);
	host = (struct fz){ sc, sl };
	host_run_callback();
	shim_run_work();
	assert_int_equal(hl.dirts, 1);
	assert_int_equal(hl.dx2, 1024);
	assert_int_equal(hl.dy2, 768);
	host_remove();
}

/* FEATURE_CHANGE honoured: the pointer and the mode sent again, dirt stopped. */
static void test_feature_change(void **state)
{
	struct synthvid_feature_change f = { 0, 1, 1, 1 };
	unsigned int nmodes, pointers;

	script_win10(true);
	put8(0xc0);
	run();
	nmodes = hl.modes;
	pointers = hl.pointers;
	sl = 0;
	put_vid(SYNTHVID_FEATURE_CHANGE, &f, sizeof(f));
	put8(END);
	host = (struct fz){ sc, sl };
	host_run_callback();
	shim_run_work();
	assert_int_equal(hl.modes, nmodes + 1);
	assert_int_equal(hl.width, 1024);
	assert_int_equal(hl.pointers, pointers + 2);
	/* No dirt wanted any more: damage reaches the VRAM, no rectangle the host. */
	hl.dirt_asked = true;	/* so the stub would take one, were it sent */
	hl.dirts = 0;
	ovb_video_damage(host_video, 0, 0, 10, 10);
	shim_run_work();
	assert_int_equal(hl.dirts, 0);
	host_remove();
}

static void test_version_fallback(void **state)
{
	sl = 0;
	put8(0);
	put_version(SYNTHVID_VERSION_WIN10, 0);
	put8(END);
	put_version(SYNTHVID_VERSION_WIN8, 0);
	put8(END);
	put_version(SYNTHVID_VERSION_WIN7, 1);
	put8(END);
	put_ack(VIDEO_SHIM_WINDOW);
	put8(END);
	run();
	assert_int_equal(hl.versions, 3);
	assert_int_equal(hl.resolutions, 0);
	assert_int_equal(host_video->version, SYNTHVID_VERSION_WIN7);
	assert_int_equal(hl.width, 1152);
	assert_int_equal(hl.height, 864);
	host_remove();
}

/* Probe fails, and leaves nothing behind. */
static void probe_fails(void)
{
	assert_int_not_equal(host_probe(sc, sl), 0);
	shim_run_work();
	assert_false(stub_chan.open);
	assert_int_equal(video_shim_mapped, 0);
	assert_int_equal(video_shim_mmio_live, 0);
}

static void test_vram_refused_or_silent(void **state)
{
	sl = 0;
	put8(0);
	put_version(SYNTHVID_VERSION_WIN10, 1);
	put8(END);
	put_ack(~VIDEO_SHIM_WINDOW);	/* the host's refusal */
	put8(END);
	probe_fails();
	assert_int_equal(hl.vram, 1);
	/* A host that never answers: each wait times out. */
	sl = 0;
	put8(0);
	probe_fails();
	assert_int_equal(hl.versions, 1);
	/* Refuses every version. */
	sl = 0;
	put8(0);
	for (int i = 0; i < 3; i++) {
		put_version(0, 0);
		put8(END);
	}
	probe_fails();
	assert_int_equal(hl.versions, 3);
	assert_int_equal(hl.vram, 0);
}

static void test_vram_size_checked(void **state)
{
	static const u8 bad[] = { 3, 4, 5 };	/* 1 MiB, none, 129 MiB (host_probe's table) */

	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		sl = 0;
		put8(bad[i]);
		put_version(SYNTHVID_VERSION_WIN10, 1);
		put8(END);
		probe_fails();
		assert_int_equal(hl.vram, 0);
	}
	/* 2 MiB: 1024x768, the default, does not fit; 800x600 is the largest that does. */
	script_win10(true);
	sc[0] = 2;
	run();
	assert_int_equal(hl.width, 800);
	assert_int_equal(host_video->max_w, 800);
	assert_int_equal(host_video->max_h, 600);
	host_remove();
}

static void test_resolutions_checked(void **state)
{
	u8 m[1024], b[sizeof(struct synthvid_resolution_resp)];
	struct ovb_vid_msg msg;
	u16 len;

	len = vid_msg(m, SYNTHVID_RESOLUTION_RESPONSE, b, res_body(b, 6, 5, 6));
	assert_int_equal(ovb_vid_parse(m, len, &msg), 0);
	assert_int_equal(msg.res.count, 6);
	assert_int_equal(msg.res.modes[5].width, 2560);
	len = vid_msg(m, SYNTHVID_RESOLUTION_RESPONSE, b, res_body(b, 0, 0, 0));
	assert_int_equal(ovb_vid_parse(m, len, &msg), -EPROTO);	/* no entry */
	len = vid_msg(m, SYNTHVID_RESOLUTION_RESPONSE, b, res_body(b, 6, 6, 6));
	assert_int_equal(ovb_vid_parse(m, len, &msg), -EPROTO);	/* default outside */
	len = vid_msg(m, SYNTHVID_RESOLUTION_RESPONSE, b, res_body(b, 65, 0, 64));
	assert_int_equal(ovb_vid_parse(m, len, &msg), -EPROTO);	/* more than 64 */
	len = vid_msg(m, SYNTHVID_RESOLUTION_RESPONSE, b, res_body(b, 6, 0, 5));
	assert_int_equal(ovb_vid_parse(m, len, &msg), -EPROTO);	/* one short */
	/* Framing: the message's size past the packet, the pipe's too. */
	len = vid_msg(m, SYNTHVID_VRAM_LOCATION_ACK, b, 8);
	assert_int_equal(ovb_vid_parse(m, len - 1, &msg), -EBADMSG);
	assert_int_equal(ovb_vid_parse(m, 15, &msg), -EBADMSG);
	/* A body too short for its type. */
	len = vid_msg(m, SYNTHVID_VERSION_RESPONSE, b, 5);
	assert_int_equal(ovb_vid_parse(m, len, &msg), -EPROTO);
	len = vid_msg(m, SYNTHVID_FEATURE_CHANGE, b, 3);
	assert_int_equal(ovb_vid_parse(m, len, &msg), -EPROTO);
	/* The guest's own messages are never the host's. */
	len = vid_msg(m, SYNTHVID_DIRT, b, 18);
	assert_int_equal(ovb_vid_parse(m, len, &msg), -EPROTO);
	/* A list the driver sees with one entry short: the probe fails. */
	sl = 0;
	put8(0);
	put_version(SYNTHVID_VERSION_WIN10, 1);
	put8(END);
	put_ack(VIDEO_SHIM_WINDOW);
	put8(END);
	len = vid_msg(m, SYNTHVID_RESOLUTION_RESPONSE, b, res_body(b, 6, 0, 5));
	put8(0);
	put16(len);
	put(m, len);
	put8(END);
	probe_fails();
	assert_int_equal(hl.resolutions, 1);
}

static void test_busy_host_budget(void **state)
{
	script_win10(true);
	run();
	sl = 0;
	for (int i = 0; i < VIDEO_BUDGET + 10; i++)
		put_feature(1);
	put8(END);
	host = (struct fz){ sc, sl };
	host_run_callback();	/* the stub aborts past the budget */
	assert_true(host.left > 0);
	host_run_callback();
	assert_int_equal(host.left, 0);
	shim_run_work();
	host_remove();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_win10_default_mode_and_dirt),
		cmocka_unit_test(test_mode_change),
		cmocka_unit_test(test_no_dirt_before_asked),
		cmocka_unit_test(test_feature_change),
		cmocka_unit_test(test_version_fallback),
		cmocka_unit_test(test_vram_refused_or_silent),
		cmocka_unit_test(test_vram_size_checked),
		cmocka_unit_test(test_resolutions_checked),
		cmocka_unit_test(test_busy_host_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
