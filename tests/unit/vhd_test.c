// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * VHD: the pure metadata layer (vhd_format.c) and images through
 * disk_backend (vhd.c): every type written at random offsets and read back
 * against a raw shadow copy, a chain three deep, parents that do not match
 * or lie outside the allowed directory, and a writer killed at many points.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "hostside/disk/vhd.h"
#include "hostside/storvsp/disk_backend.h"
#include "hostside/storvsp/scsi_disk.h"

#define SIZE	(24ull << 20)	/* 12 blocks of 2 MiB */
#include "tests/unit/disk_shadow.h"	/* uses SIZE */

static char dir[64];

static void pathof(char *out, const char *name)
{
	snprintf(out, 128, "%s/%s", dir, name);
}

/* ---- the pure layer ------------------------------------------------------ */

static void test_footer_roundtrip(void **state)
{
	struct vhd_info a = { .type = VHD_TYPE_DYNAMIC, .size = 10 << 20, .dyn_offset = 512,
			      .timestamp = 1234, .creator_app = "ovb " }, b;
	uint8_t buf[VHD_FOOTER_SIZE];

	memset(a.unique_id, 0xab, 16);
	vhd_footer_build(buf, &a);
	assert_int_equal(vhd_footer_parse(buf, 1 << 20, &b), 0);
	assert_int_equal(b.type, VHD_TYPE_DYNAMIC);
	assert_int_equal(b.size, 10 << 20);
	assert_int_equal(b.timestamp, 1234);
	assert_memory_equal(b.unique_id, a.unique_id, 16);
	/* Every single-bit flip of the checksummed bytes is caught. */
	for (size_t i = 0; i < 85; i++) {
		buf[i] ^= 0x10;
		assert_int_not_equal(vhd_footer_parse(buf, 1 << 20, &b), 0);
		buf[i] ^= 0x10;
	}
	/* A fixed disk's data must fit in front of its footer. */
	a.type = VHD_TYPE_FIXED;
	a.dyn_offset = VHD_NO_OFFSET;
	vhd_footer_build(buf, &a);
	assert_int_equal(vhd_footer_parse(buf, (10 << 20) + 512, &b), 0);
	assert_int_equal(vhd_footer_parse(buf, (10 << 20), &b), -EINVAL);
	/* Sizes not a multiple of 512 are refused. */
	a.size = (10 << 20) + 1;
	vhd_footer_build(buf, &a);
	assert_int_equal(vhd_footer_parse(buf, 1ull << 30, &b), -EINVAL);
}

static void test_dyn_header_checks(void **state)
{
	struct vhd_info a = { .type = VHD_TYPE_DYNAMIC, .size = SIZE, .dyn_offset = 512,
			      .bat_offset = 1536, .bat_entries = 12, .block_size = 2 << 20 }, b;
	uint8_t buf[VHD_DYN_HEADER_SIZE];

	vhd_dyn_build(buf, &a);
	b = a;
	assert_int_equal(vhd_dyn_parse(buf, 4096, &b), 0);
	assert_int_equal(b.bitmap_size, 512);
	assert_int_equal(vhd_dyn_parse(buf, 1536 + 100, &b), -EINVAL);	/* BAT past EOF */
	a.bat_entries = 11;	/* fewer blocks than the size needs */
	vhd_dyn_build(buf, &a);
	assert_int_equal(vhd_dyn_parse(buf, 4096, &b), -EINVAL);
	a.bat_entries = 12;
	a.block_size = 3 << 20;	/* not a power of two */
	vhd_dyn_build(buf, &a);
	assert_int_equal(vhd_dyn_parse(buf, 4096, &b), -EINVAL);
	a.block_size = 2 << 20;
	a.bat_offset = 512;	/* over the header */
	vhd_dyn_build(buf, &a);
	assert_int_equal(vhd_dyn_parse(buf, 4096, &b), -EINVAL);
	a.bat_offset = 1536;
	vhd_dyn_build(buf, &a);
	buf[100] ^= 1;
	assert_int_equal(vhd_dyn_parse(buf, 4096, &b), -EINVAL);	/* checksum */
}

static void test_bat_check(void **state)
{
	struct vhd_info vi = { .bat_entries = 4, .block_size = 4096, .bitmap_size = 512 };
	uint32_t bat[4] = { 4, VHD_BAT_UNUSED, 13, 22 }, bad, used;
	uint64_t end;

	/* Blocks of 9 sectors at sectors 4, 13, 22 in [2048, 16384). */
	assert_int_equal(vhd_bat_check(bat, &vi, 2048, 16384, &bad, &end, &used), 0);
	assert_int_equal(used, 3);
	assert_int_equal(end, 31 * 512);
	bat[3] = 12;	/* overlaps the block at 4 (4..13) */
	assert_int_equal(vhd_bat_check(bat, &vi, 2048, 16384, &bad, &end, &used), -EINVAL);
	bat[3] = 3;	/* over the metadata */
	assert_int_equal(vhd_bat_check(bat, &vi, 2048, 16384, &bad, &end, &used), -EINVAL);
	assert_int_equal(bad, 3);
	bat[3] = 30;	/* past the end */
	assert_int_equal(vhd_bat_check(bat, &vi, 2048, 16384, &bad, &end, &used), -EINVAL);
}

static void test_geometry(void **state)
{
	uint16_t c;
	uint8_t h, s;

	vhd_geometry(64 << 11, &c, &h, &s);	/* 64 MiB */
	assert_int_equal(c, 963);
	assert_int_equal(h, 8);
	assert_int_equal(s, 17);
	vhd_geometry(1ull << 40 >> 9, &c, &h, &s);	/* beyond CHS: the maximum */
	assert_int_equal(c, 65535);
	assert_int_equal(h, 16);
	assert_int_equal(s, 255);
}

static void test_strings_and_bitmap(void **state)
{
	uint8_t w16[64], bm[4] = { 0xff, 0x0f, 0, 0x80 };
	char out[64];
	int n;

	n = vhd_utf8_to_utf16("C:\\dir\\p\xc3\xa9re.vhd", false, w16, sizeof(w16));
	assert_true(n > 0);
	assert_int_equal(vhd_locator_path(VHD_PLAT_W2KU, w16, (size_t)n, out, sizeof(out)), 0);
	assert_string_equal(out, "/dir/p\xc3\xa9re.vhd");
	assert_int_equal(vhd_locator_path(VHD_PLAT_MAC, w16, (size_t)n, out, sizeof(out)), -ENOENT);
	/* A lone surrogate is refused, not passed on. */
	w16[0] = 0x00;
	w16[1] = 0xd8;
	assert_int_equal(vhd_utf16_to_utf8(w16, 4, false, out, sizeof(out)), -EINVAL);
	/* Too long for the output: refused, never truncated into another path. */
	n = vhd_utf8_to_utf16("abcdefgh", true, w16, sizeof(w16));
	assert_int_equal(vhd_utf16_to_utf8(w16, (size_t)n, true, out, 5), -EINVAL);
	assert_int_equal(vhd_bitmap_run(bm, 0, 32), 8);
	assert_int_equal(vhd_bitmap_run(bm, 8, 32), 4);
	assert_int_equal(vhd_bitmap_run(bm, 12, 32), 4);
	assert_int_equal(vhd_bitmap_run(bm, 16, 32), 8);
	assert_true(vhd_bitmap_test(bm, 24));
	assert_int_equal(vhd_bitmap_run(bm, 25, 32), 7);
}

/* ---- images -------------------------------------------------------------- */

static struct disk_backend *open_img(const char *p, bool ro)
{
	struct disk_backend_opts o = { .read_only = ro, .format = DISK_FORMAT_VHD };

	return disk_backend_open(p, &o);
}

static void create(const char *name, uint32_t type, const char *parent, uint32_t bs)
{
	struct vhd_create_opts o = { .type = type, .size = SIZE, .parent = parent, .block_size = bs };
	char p[128];
	const char *why;

	pathof(p, name);
	assert_int_equal(vhd_create(p, &o, &why), 0);
}

/* Discards (storvsp reports LBPRZ): what was discarded reads as zeros. */
static void discard_some(struct disk_backend *b, uint8_t *shadow)
{
	for (int i = 0; i < 12; i++) {
		uint64_t sectors = 1 + xs() % 6000;
		uint64_t off = xs() % (SIZE / 512 - sectors) * 512, len = sectors * 512;

		assert_int_equal(disk_backend_discard(b, off, len), 0);
		memset(shadow + off, 0, len);
	}
}

static void check_clean(const char *name)
{
	struct vhd_check_result r;
	char p[128];

	pathof(p, name);
	assert_int_equal(vhd_check(p, NULL, &r), 0);
	assert_int_equal(r.errors, 0);
}

static void test_types_against_shadow(void **state)
{
	static const uint32_t types[] = { VHD_TYPE_FIXED, VHD_TYPE_DYNAMIC };
	static uint8_t shadow[SIZE];

	for (int t = 0; t < 2; t++) {
		struct disk_backend *b;
		char p[128];

		memset(shadow, 0, SIZE);
		create("t.vhd", types[t], NULL, t ? 512 << 10 : 0);
		pathof(p, "t.vhd");
		b = open_img(p, false);
		assert_non_null(b);
		assert_int_equal(disk_backend_size(b), SIZE);
		assert_string_equal(disk_backend_format(b), "vhd");
		compare(b, shadow);	/* new: zeros */
		scribble(b, shadow, 60);
		compare(b, shadow);
		discard_some(b, shadow);
		compare(b, shadow);
		disk_backend_close(b);
		b = open_img(p, true);	/* reopened: the same */
		assert_non_null(b);
		compare(b, shadow);
		disk_backend_close(b);
		check_clean("t.vhd");
	}
}

static void test_chain_three_deep(void **state)
{
	static uint8_t shadow[SIZE], base_copy[SIZE];
	struct disk_backend *b;
	char p[128], p0[128], p1[128];
	struct vhd *v;

	memset(shadow, 0, SIZE);
	create("c0.vhd", VHD_TYPE_DYNAMIC, NULL, 0);
	pathof(p0, "c0.vhd");
	b = open_img(p0, false);
	scribble(b, shadow, 40);
	disk_backend_close(b);
	memcpy(base_copy, shadow, SIZE);
	/* Each child: a different block size than its parent, on purpose. */
	create("c1.vhd", VHD_TYPE_DIFFERENCING, p0, 1 << 20);
	pathof(p1, "c1.vhd");
	b = open_img(p1, false);
	assert_non_null(b);
	compare(b, shadow);	/* a new child reads as its parent */
	scribble(b, shadow, 40);
	disk_backend_close(b);
	create("c2.vhd", VHD_TYPE_DIFFERENCING, p1, 0);
	pathof(p, "c2.vhd");
	b = open_img(p, false);
	assert_non_null(b);
	compare(b, shadow);
	scribble(b, shadow, 40);
	compare(b, shadow);
	discard_some(b, shadow);	/* over data of the parents too */
	compare(b, shadow);
	disk_backend_close(b);
	/* The base was not written through the chain. */
	b = open_img(p0, true);
	compare(b, base_copy);
	disk_backend_close(b);
	v = vhd_open(p, true, NULL);
	assert_non_null(v);
	assert_non_null(vhd_parent(v));
	assert_non_null(vhd_parent(vhd_parent(v)));
	assert_null(vhd_parent(vhd_parent(vhd_parent(v))));
	vhd_close(v);
	check_clean("c2.vhd");
}

static void test_parent_identity_and_place(void **state)
{
	char p0[128], p1[128], sub[128], moved[160];
	struct disk_backend_opts o = { .format = DISK_FORMAT_VHD };
	struct disk_backend *b;
	const char *why;

	create("i0.vhd", VHD_TYPE_DYNAMIC, NULL, 0);
	pathof(p0, "i0.vhd");
	create("i1.vhd", VHD_TYPE_DIFFERENCING, p0, 0);
	pathof(p1, "i1.vhd");
	b = open_img(p1, false);
	assert_non_null(b);
	disk_backend_close(b);
	/* A child in a subdirectory may not reach up to its parent by default... */
	pathof(sub, "sub");
	mkdir(sub, 0700);
	snprintf(moved, sizeof(moved), "%s/i2.vhd", sub);
	{
		struct vhd_create_opts co = { .type = VHD_TYPE_DIFFERENCING, .parent = p0 };

		assert_int_equal(vhd_create(moved, &co, &why), 0);
	}
	assert_null(open_img(moved, false));
	assert_int_equal(errno, ENOENT);
	/* ...only when the user allows the directory. */
	o.parent_dir = dir;
	b = disk_backend_open(moved, &o);
	assert_non_null(b);
	disk_backend_close(b);
	/* A new image under the parent's name: its unique id differs, refused. */
	create("i0.vhd", VHD_TYPE_DYNAMIC, NULL, 0);
	assert_null(open_img(p1, false));
	assert_int_equal(errno, ENOENT);
	assert_null(disk_backend_open(moved, &o));
}

static void test_detect_and_raw(void **state)
{
	struct disk_backend_opts o = { .format = DISK_FORMAT_AUTO };
	struct disk_backend *b;
	char p[128];
	int fd;

	create("a.vhd", VHD_TYPE_DYNAMIC, NULL, 0);
	pathof(p, "a.vhd");
	b = disk_backend_open(p, &o);
	assert_non_null(b);
	assert_string_equal(disk_backend_format(b), "vhd");
	assert_int_equal(disk_backend_size(b), SIZE);
	disk_backend_close(b);
	o.format = DISK_FORMAT_RAW;	/* raw means raw, whatever the contents */
	b = disk_backend_open(p, &o);
	assert_non_null(b);
	assert_string_equal(disk_backend_format(b), "raw");
	disk_backend_close(b);
	pathof(p, "a.raw");
	fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	close(fd);
	o.format = DISK_FORMAT_AUTO;
	b = disk_backend_open(p, &o);
	assert_string_equal(disk_backend_format(b), "raw");
	disk_backend_close(b);
	o.format = DISK_FORMAT_VHD;	/* not a VHD */
	assert_null(disk_backend_open(p, &o));
}

/*
 * A writer killed at many points (disk_shadow.h): the image opens, checks
 * without errors, and holds every record up to the last flush.
 */
static void test_crash_kill_points(void **state)
{
	char p[128], p0[128];
	int killed = 0;

	pathof(p0, "k0.vhd");
	for (int round = 0; round < 16; round++) {
		struct vhd_check_result r;
		struct disk_backend *b;
		uint32_t last;
		bool k;

		/* Even rounds a dynamic disk, odd a differencing child of one. */
		create("k0.vhd", VHD_TYPE_DYNAMIC, NULL, round % 4 < 2 ? 0 : 64 << 10);
		if (round & 1) {
			create("k.vhd", VHD_TYPE_DIFFERENCING, p0, 0);
			pathof(p, "k.vhd");
		} else {
			snprintf(p, sizeof(p), "%s", p0);
		}
		last = run_killed_writer(p, 40, &k);
		killed += k;
		assert_int_equal(vhd_check(p, NULL, &r), 0);
		if (r.errors)
			fail_msg("round %d: %s", round, r.first_error);
		b = open_img(p, true);
		assert_non_null(b);
		verify_records(b, last);
		disk_backend_close(b);
	}
	/* The kills must land while records were being written, not before or after. */
	print_message("writer killed mid-run with flushed records in %d of 16 rounds\n", killed);
	assert_true(killed >= 12);
}

/* check finds overlapping blocks (and open refuses them); a lost end footer is recovered. */
static void test_check_and_recovery(void **state)
{
	static uint8_t shadow[SIZE];
	struct vhd_check_result r;
	struct disk_backend *b;
	uint8_t zero[VHD_FOOTER_SIZE] = { 0 };
	struct stat st;
	char p[128];
	int fd;

	memset(shadow, 0, SIZE);
	create("x.vhd", VHD_TYPE_DYNAMIC, NULL, 0);
	pathof(p, "x.vhd");
	b = open_img(p, false);
	scribble(b, shadow, 30);
	disk_backend_close(b);
	/* The end footer zeroed (a crash while the file grew): the copy at 0 serves. */
	fd = open(p, O_RDWR);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(pwrite(fd, zero, sizeof(zero), st.st_size - VHD_FOOTER_SIZE), VHD_FOOTER_SIZE);
	close(fd);
	assert_int_equal(vhd_check(p, NULL, &r), 0);
	assert_int_equal(r.errors, 1);
	b = open_img(p, false);	/* read-write: puts the footer back */
	assert_non_null(b);
	compare(b, shadow);
	disk_backend_close(b);
	check_clean("x.vhd");
	/* Two BAT entries naming one block. */
	fd = open(p, O_RDWR);
	/* The first used entry, copied over the one after it. */
	{
		off_t at = 1536;
		uint8_t e[4];

		while (pread(fd, e, 4, at) == 4 && !memcmp(e, "\xff\xff\xff\xff", 4))
			at += 4;
		assert_int_equal(pwrite(fd, e, 4, at + 4), 4);
	}
	close(fd);
	assert_int_equal(vhd_check(p, NULL, &r), 0);
	assert_true(r.errors >= 1);
	assert_null(open_img(p, true));
	assert_int_equal(errno, EINVAL);
}

/* What storvsp does with a VHD: SCSI commands over the same back end. */
static void scsi(struct scsi_disk *d, const uint8_t *cdb, unsigned int len, void *buf, uint32_t n)
{
	struct iovec v = { buf, n };
	struct scsi_disk_cmd c = { .cdb = cdb, .cdb_len = len, .iov = &v, .iovcnt = 1, .buf_len = n };

	scsi_disk_execute(d, &c);
	assert_int_equal(c.status, SCSI_STATUS_GOOD);
}

static void test_scsi_over_vhd(void **state)
{
	static uint8_t data[64 << 10], back[64 << 10];
	const uint8_t cap[16] = { 0x9e, 0x10, [13] = 32 };
	const uint8_t wr[10] = { 0x2a, 0, 0, 0, 0x0f, 0xf0, 0, 0, 128 };	/* 128 @4080: over a block edge */
	const uint8_t rd[10] = { 0x28, 0, 0, 0, 0x0f, 0xf0, 0, 0, 128 };
	const uint8_t ws[16] = { 0x93, 0x08, [13] = 64 };	/* WRITE SAME(16) UNMAP, 64 @0 */
	const uint8_t rd0[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 64 };
	char p0[128], p[128];
	struct disk_backend *b, *pb;
	struct scsi_disk *d;
	uint8_t r[32];

	create("s0.vhd", VHD_TYPE_DYNAMIC, NULL, 0);
	pathof(p0, "s0.vhd");
	pb = open_img(p0, false);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)xs();
	{
		struct iovec v = { data, 32 << 10 };

		assert_int_equal(disk_backend_writev(pb, &v, 1, 0, false), 0);	/* the parent's data at 0 */
	}
	disk_backend_close(pb);
	create("s.vhd", VHD_TYPE_DIFFERENCING, p0, 0);
	pathof(p, "s.vhd");
	b = open_img(p, false);
	d = scsi_disk_new(b, 0);
	assert_non_null(d);
	scsi(d, cap, 16, r, 32);
	assert_int_equal(((uint64_t)r[4] << 24 | r[5] << 16 | r[6] << 8 | r[7]) + 1, SIZE / 512);
	scsi(d, wr, 10, data, sizeof(data));
	scsi(d, rd, 10, back, sizeof(back));
	assert_memory_equal(back, data, sizeof(data));
	/* WRITE SAME with UNMAP over the parent's data: zeros (LBPRZ). */
	scsi(d, ws, 16, back, 512);
	scsi(d, rd0, 10, back, 32 << 10);
	memset(data, 0, 32 << 10);
	assert_memory_equal(back, data, 32 << 10);
	scsi_disk_free(d);
	disk_backend_close(b);
	check_clean("s.vhd");
}

static void test_bad_requests(void **state)
{
	struct disk_backend *b;
	uint8_t buf[1024];
	struct iovec v = { buf, 100 };
	char p[128];

	create("r.vhd", VHD_TYPE_DYNAMIC, NULL, 0);
	pathof(p, "r.vhd");
	b = open_img(p, false);
	assert_int_equal(disk_backend_readv(b, &v, 1, 0), -EINVAL);	/* not whole sectors */
	v.iov_len = 512;
	assert_int_equal(disk_backend_writev(b, &v, 1, SIZE, false), -EINVAL);
	assert_int_equal(disk_backend_readv(b, &v, 1, 3), -EINVAL);
	disk_backend_close(b);
	b = open_img(p, true);
	assert_int_equal(disk_backend_writev(b, &v, 1, 0, false), -EROFS);
	disk_backend_close(b);
}

/* ---- resize, compact, commit --------------------------------------------- */

static uint8_t big[3 * SIZE + 4096], base_shadow[SIZE];

static void check_leaky(const char *p, bool leaks_ok)
{
	struct vhd_check_result r;

	assert_int_equal(vhd_check(p, NULL, &r), 0);
	if (r.errors)
		fail_msg("%s: %s", p, r.first_error);
	if (r.leaks && !leaks_ok)
		fail_msg("%s: %llu bytes leaked", p, (unsigned long long)r.leaked_bytes);
}

static void check_tidy(const char *p)
{
	check_leaky(p, false);
}

static int resize(const char *p, uint64_t size, bool shrink)
{
	const char *why;

	return vhd_resize(p, size, shrink, &why);
}

/*
 * Grow (past the BAT's sectors: the first blocks move), refuse a shrink
 * without the flag, shrink, grow again (what was cut reads as zeros), for
 * fixed and dynamic; a differencing disk is refused.
 */
static void test_resize(void **state)
{
	for (int t = 0; t < 2; t++) {
		uint64_t grown = 3 * SIZE + 3 * 512, small = SIZE / 2 + 7 * 512;
		char p[128], c[128];

		create("rs.vhd", t ? VHD_TYPE_DYNAMIC : VHD_TYPE_FIXED, NULL, 64 << 10);
		pathof(p, "rs.vhd");
		memset(big, 0, sizeof(big));
		put_data(p, big, 0, 1 << 20, false);
		put_data(p, big, SIZE / 2, 3 << 16, false);
		put_data(p, big, SIZE - 8192, 8192, false);
		assert_int_equal(resize(p, grown, false), 0);
		check_tidy(p);
		expect_data(p, big, grown);
		if (t) {
			struct vhd *v = vhd_open(p, true, NULL);

			assert_non_null(v);
			/* 1152 entries: the BAT grew from 3 sectors to 9 over where the first block was. */
			assert_true(vhd_get_info(v)->bat_entries >= grown / (64 << 10));
			assert_int_equal(vhd_used_blocks(v), 16 + 3 + 1);
			vhd_close(v);
		}
		assert_int_equal(resize(p, small, false), -EINVAL);
		expect_data(p, big, grown);
		assert_int_equal(resize(p, small, true), 0);
		check_tidy(p);
		expect_data(p, big, small);
		memset(big + small, 0, sizeof(big) - small);
		assert_int_equal(resize(p, SIZE, false), 0);
		check_tidy(p);
		expect_data(p, big, SIZE);
		assert_int_equal(resize(p, SIZE + 100, false), -EINVAL);
		if (t) {
			create("rsc.vhd", VHD_TYPE_DIFFERENCING, p, 0);
			pathof(c, "rsc.vhd");
			assert_int_equal(resize(c, 2 * SIZE, false), -ENOTSUP);
		}
	}
}

static struct vhd_info info_of(const char *p)
{
	struct vhd *v = vhd_open(p, true, NULL);
	struct vhd_info vi;

	assert_non_null(v);
	vi = *vhd_get_info(v);
	vi.bat_entries = vhd_used_blocks(v);	/* what the tests look at */
	vhd_close(v);
	return vi;
}

/*
 * Blocks that read as what is below them go (a dynamic disk's zeros, a
 * child's copies of its parent), the file shrinks, the data stays.
 */
static void test_compact(void **state)
{
	const uint32_t bs = 64 << 10;
	struct stat st0, st1;
	const char *why;
	uint32_t freed;
	char p[128], c[128];

	create("cp.vhd", VHD_TYPE_DYNAMIC, NULL, bs);
	pathof(p, "cp.vhd");
	memset(big, 0, SIZE);
	put_data(p, big, 0, 40 * bs, false);
	put_data(p, big, 4 * bs, 3 * bs, true);		/* three blocks of zeros */
	put_data(p, big, 30 * bs + 512, 512, true);	/* one sector: the block stays */
	put_data(p, big, SIZE - 2 * bs, 2 * bs, true);	/* allocated zeros, at the end */
	assert_int_equal(info_of(p).bat_entries, 42);
	assert_int_equal(stat(p, &st0), 0);
	assert_int_equal(vhd_compact(p, NULL, &freed, &why), 0);
	assert_int_equal(freed, 5);
	assert_int_equal(info_of(p).bat_entries, 37);
	assert_int_equal(stat(p, &st1), 0);
	assert_true(st1.st_size <= st0.st_size - 5 * (off_t)bs);
	check_tidy(p);
	expect_data(p, big, SIZE);
	/* A child: blocks holding what the parent holds go, the others stay. */
	memcpy(base_shadow, big, SIZE);
	create("cpc.vhd", VHD_TYPE_DIFFERENCING, p, 0);
	pathof(c, "cpc.vhd");
	{
		struct disk_backend *b = open_img(c, false);
		struct iovec v = { big + 10 * bs, 4 * bs };

		assert_non_null(b);
		assert_int_equal(disk_backend_writev(b, &v, 1, 10 * bs, false), 0);	/* the parent's bytes */
		disk_backend_close(b);
	}
	put_data(c, big, 20 * bs, bs, false);
	assert_int_equal(info_of(c).bat_entries, 5);
	assert_int_equal(vhd_compact(c, NULL, &freed, &why), 0);
	assert_int_equal(freed, 4);
	assert_int_equal(info_of(c).bat_entries, 1);
	check_tidy(c);
	expect_data(c, big, SIZE);
	expect_data(p, base_shadow, SIZE);
	/* A fixed disk has nothing to give back. */
	create("cpf.vhd", VHD_TYPE_FIXED, NULL, 0);
	pathof(p, "cpf.vhd");
	assert_int_equal(vhd_compact(p, NULL, &freed, &why), -ENOTSUP);
}

/*
 * A chain base <- mid <- top: committing top writes its sectors into mid
 * (base untouched), top is left empty and still a valid child reading the
 * same; a child whose parent was replaced is refused.
 */
static void test_commit(void **state)
{
	static uint8_t mid[SIZE];
	uint64_t sectors;
	const char *why;
	char p0[128], p1[128], p2[128];

	create("cm0.vhd", VHD_TYPE_DYNAMIC, NULL, 0);
	pathof(p0, "cm0.vhd");
	memset(base_shadow, 0, SIZE);
	put_data(p0, base_shadow, 0, SIZE / 2, false);
	memcpy(mid, base_shadow, SIZE);
	create("cm1.vhd", VHD_TYPE_DIFFERENCING, p0, 64 << 10);
	pathof(p1, "cm1.vhd");
	put_data(p1, mid, 3 << 20, 5 << 20, false);
	memcpy(big, mid, SIZE);
	create("cm2.vhd", VHD_TYPE_DIFFERENCING, p1, 512 << 10);
	pathof(p2, "cm2.vhd");
	put_data(p2, big, 512 * 3, 512 * 5, false);
	put_data(p2, big, 6 << 20, 4 << 20, true);	/* zeros over the parents' data */
	put_data(p2, big, SIZE - 4096, 4096, false);
	assert_int_equal(vhd_commit(p2, NULL, &sectors, &why), 0);
	assert_int_equal(sectors, 5 + (4 << 20) / 512 + 8);
	expect_data(p2, big, SIZE);
	expect_data(p1, big, SIZE);
	expect_data(p0, base_shadow, SIZE);
	assert_int_equal(info_of(p2).bat_entries, 0);
	check_tidy(p2);
	check_tidy(p1);
	/* Not a child; a parent that is not the one recorded. */
	assert_int_equal(vhd_commit(p0, NULL, &sectors, &why), -EINVAL);
	create("cm1.vhd", VHD_TYPE_DIFFERENCING, p0, 64 << 10);
	assert_int_equal(vhd_commit(p2, NULL, &sectors, &why), -ENOENT);
	expect_data(p0, base_shadow, SIZE);
}

/*
 * A resize killed between its two footer writes leaves the copy at 0 ahead
 * of the end footer: check says so, and a writable open puts it back in
 * line (the end footer is the one in use).
 */
static void test_footer_copy_mended(void **state)
{
	struct vhd_check_result r;
	uint8_t foot[VHD_FOOTER_SIZE];
	struct vhd_info vi;
	struct stat st;
	struct vhd *v;
	char p[128];
	int fd;

	create("fc.vhd", VHD_TYPE_DYNAMIC, NULL, 0);
	pathof(p, "fc.vhd");
	fd = open(p, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(vhd_pread(fd, foot, sizeof(foot), 0), 0);
	assert_int_equal(vhd_footer_parse(foot, (uint64_t)st.st_size, &vi), 0);
	vi.size = 2 * SIZE;	/* what the copy says first */
	vhd_footer_build(foot, &vi);
	assert_int_equal(vhd_pwrite(fd, foot, sizeof(foot), 0), 0);
	close(fd);
	assert_int_equal(vhd_check(p, NULL, &r), 0);
	assert_int_equal(r.errors, 1);
	v = vhd_open(p, false, NULL);
	assert_non_null(v);
	assert_int_equal(vhd_get_info(v)->size, SIZE);
	vhd_close(v);
	check_tidy(p);
}

/* ---- the same, killed part way (the claims in vhd.h) ---- */

static char kp0[128], kp1[128];

/* What the next writable open does after a crash (the footers agree again); then no errors. */
static void reopen_and_check(const char *p)
{
	struct vhd_check_result r;
	struct vhd *v = vhd_open(p, false, NULL);

	assert_non_null(v);
	vhd_close(v);
	assert_int_equal(vhd_check(p, NULL, &r), 0);
	if (r.errors)
		fail_msg("%s after a kill: %s", p, r.first_error);
}

static void commit_setup(void)
{
	create("kc0.vhd", VHD_TYPE_DYNAMIC, NULL, 0);
	memset(base_shadow, 0, SIZE);
	put_data(kp0, base_shadow, 1 << 20, 4 << 20, false);
	memcpy(big, base_shadow, SIZE);
	create("kc1.vhd", VHD_TYPE_DIFFERENCING, kp0, 0);
	put_data(kp1, big, 0, 2 << 20, false);
	put_data(kp1, big, 12 << 20, 2 << 20, false);
}

static int commit_op(void)
{
	uint64_t n;
	const char *why;

	return vhd_commit(kp1, NULL, &n, &why);
}

/* The child reads as before, checks, and a second commit finishes the job. */
static void commit_after(bool done)
{
	reopen_and_check(kp1);
	expect_data(kp1, big, SIZE);
	if (!done)
		assert_int_equal(commit_op(), 0);
	expect_data(kp0, big, SIZE);
	expect_data(kp1, big, SIZE);
	check_leaky(kp0, !done);	/* a block the kill caught allocating is leaked, no more */
	check_tidy(kp1);
}

static void compact_setup(void)
{
	create("kc0.vhd", VHD_TYPE_DYNAMIC, NULL, 256 << 10);
	memset(big, 0, SIZE);
	put_data(kp0, big, 0, 8 << 20, false);
	for (int i = 0; i < 8; i++)
		put_data(kp0, big, (uint64_t)i << 20, 512 << 10, true);	/* half of it freeable */
}

static int compact_op(void)
{
	uint32_t n;
	const char *why;

	return vhd_compact(kp0, NULL, &n, &why);
}

static void compact_after(bool done)
{
	reopen_and_check(kp0);
	expect_data(kp0, big, SIZE);
	if (!done)
		assert_int_equal(compact_op(), 0);
	expect_data(kp0, big, SIZE);
	check_tidy(kp0);
}

static void grow_setup(void)
{
	create("kc0.vhd", VHD_TYPE_DYNAMIC, NULL, 16 << 10);	/* the BAT outgrows the first block */
	memset(big, 0, sizeof(big));
	put_data(kp0, big, 0, 256 << 10, false);
	put_data(kp0, big, SIZE - (64 << 10), 64 << 10, false);
}

static int grow_op(void)
{
	return resize(kp0, 3 * SIZE, false);
}

/* The old size or the new, the data either way. */
static void grow_after(bool done)
{
	struct disk_backend *b;
	uint64_t size;

	reopen_and_check(kp0);
	b = open_img(kp0, true);
	assert_non_null(b);
	size = disk_backend_size(b);
	disk_backend_close(b);
	assert_true(size == SIZE || (size == 3 * SIZE));
	expect_data(kp0, big, size);
	if (!done)
		assert_int_equal(grow_op(), 0);
	expect_data(kp0, big, 3 * SIZE);
}

static void test_ops_killed(void **state)
{
	int k;

	pathof(kp0, "kc0.vhd");
	pathof(kp1, "kc1.vhd");
	k = killed_op_rounds(commit_setup, commit_op, commit_after, 3);
	print_message("commit killed part way in %d rounds (3 wanted)\n", k);
	assert_true(k >= 2);
	k = killed_op_rounds(compact_setup, compact_op, compact_after, 3);
	print_message("compact killed part way in %d rounds (3 wanted)\n", k);
	assert_true(k >= 2);
	k = killed_op_rounds(grow_setup, grow_op, grow_after, 3);
	print_message("resize (BAT growth: blocks moved) killed part way in %d rounds (3 wanted)\n", k);
	assert_true(k >= 2);
}

static int group_setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/vhd_test.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_footer_roundtrip),
		cmocka_unit_test(test_dyn_header_checks),
		cmocka_unit_test(test_bat_check),
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_strings_and_bitmap),
		cmocka_unit_test(test_types_against_shadow),
		cmocka_unit_test(test_chain_three_deep),
		cmocka_unit_test(test_parent_identity_and_place),
		cmocka_unit_test(test_detect_and_raw),
		cmocka_unit_test(test_crash_kill_points),
		cmocka_unit_test(test_check_and_recovery),
		cmocka_unit_test(test_scsi_over_vhd),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_commit),
		cmocka_unit_test(test_footer_copy_mended),
		cmocka_unit_test(test_ops_killed),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
