// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * VHDX: the pure metadata layer (vhdx_format.c) and images through
 * disk_backend (vhdx.c): every type written at random offsets and read back
 * against a raw shadow copy, a chain three deep, parents that do not match
 * or lie outside the allowed directory, the log replayed after a "crash"
 * between commit and apply, and a writer killed at many points.
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
#include "hostside/disk/vhdx.h"
#include "hostside/storvsp/disk_backend.h"

#define SIZE	(24ull << 20)	/* 24 blocks of 1 MiB */
#include "tests/unit/disk_shadow.h"	/* uses SIZE */

static char dir[64];

static void pathof(char *out, const char *name)
{
	snprintf(out, 128, "%s/%s", dir, name);
}

/* ---- the pure layer ------------------------------------------------------ */

static void test_crc_and_guid(void **state)
{
	vhdx_guid g, h;
	char s[39];

	/* The CRC-32C check value ("123456789"). */
	assert_int_equal(vhdx_crc32c(0, "123456789", 9), 0xe3069283u);
	/* The BAT region's GUID as the spec writes it. */
	vhdx_guid_str(&vhdx_guid_bat, s);
	assert_string_equal(s, "{2dc27766-f623-4200-9d64-115e9bfd4a08}");
	assert_int_equal(vhdx_guid_parse(s, &g), 0);
	assert_memory_equal(g.b, vhdx_guid_bat.b, 16);
	assert_int_equal(vhdx_guid_parse("2DC27766-F623-4200-9D64-115E9BFD4A08", &g), 0);
	assert_memory_equal(g.b, vhdx_guid_bat.b, 16);
	assert_int_equal(vhdx_guid_parse("{2dc27766-f623-4200-9d64-115e9bfd4a0}", &g), -EINVAL);
	assert_int_equal(vhdx_guid_parse("{2dc27766-f623-4200-9d64-115e9bfd4a08}x", &g), -EINVAL);
	vhdx_guid_random(&g);
	vhdx_guid_random(&h);
	assert_memory_not_equal(g.b, h.b, 16);
}

static void test_headers(void **state)
{
	struct vhdx_header a = { .seq = 7, .version = 1, .log_length = 1 << 20, .log_offset = 1 << 20 },
			   b, out;
	uint8_t h0[VHDX_HEADER_SIZE], h1[VHDX_HEADER_SIZE];

	vhdx_guid_random(&a.data_write);
	vhdx_header_build(h0, &a);
	assert_int_equal(vhdx_header_parse(h0, 4 << 20, &b), 0);
	assert_int_equal(b.seq, 7);
	assert_memory_equal(b.data_write.b, a.data_write.b, 16);
	/* A log outside the file. */
	assert_int_equal(vhdx_header_parse(h0, 1 << 20, &b), -EINVAL);
	/* Every single-bit flip of the defined fields is caught by the CRC. */
	for (size_t i = 0; i < 80; i++) {
		h0[i] ^= 0x04;
		assert_int_not_equal(vhdx_header_parse(h0, 4 << 20, &b), 0);
		h0[i] ^= 0x04;
	}
	/* The current header: the valid one with the higher sequence number. */
	a.seq = 8;
	vhdx_header_build(h1, &a);
	assert_int_equal(vhdx_header_pick(h0, h1, 4 << 20, &out), 1);
	assert_int_equal(out.seq, 8);
	h1[100] ^= 1;	/* torn: the other one */
	assert_int_equal(vhdx_header_pick(h0, h1, 4 << 20, &out), 0);
	assert_int_equal(out.seq, 7);
	assert_int_equal(vhdx_header_pick(NULL, h1, 4 << 20, &out), -EINVAL);
	/* A log length that is not whole MiB. */
	a.log_length = 4096;
	vhdx_header_build(h1, &a);
	assert_int_equal(vhdx_header_parse(h1, 4 << 20, &b), -EINVAL);
}

static void test_regions_and_metadata(void **state)
{
	static uint8_t rt[VHDX_REGION_SIZE], meta[1 << 20];
	struct vhdx_info a = { .block_size = 1 << 20, .size = SIZE, .lsec = 512, .psec = 4096,
			       .flags = VHDX_PARAM_HAS_PARENT, .bat_off = 3 << 20, .bat_len = 1 << 20,
			       .meta_off = 2 << 20, .meta_len = 1 << 20,
			       .hdr = { .log_offset = 1 << 20, .log_length = 1 << 20 } }, b;
	struct vhdx_kv kv[2] = { { "parent_linkage", "{2dc27766-f623-4200-9d64-115e9bfd4a08}" },
				 { "relative_path", ".\\b\xc3\xa4se.vhdx" } };

	vhdx_region_build(rt, &a);
	b = (struct vhdx_info){ .hdr = a.hdr };
	assert_int_equal(vhdx_region_parse(rt, 8 << 20, &b), 0);
	assert_int_equal(b.bat_off, 3 << 20);
	assert_int_equal(b.meta_len, 1 << 20);
	/* Regions past the end of the file, or over the log. */
	assert_int_equal(vhdx_region_parse(rt, 3 << 20, &b), -EINVAL);
	a.bat_off = 1 << 20;
	vhdx_region_build(rt, &a);
	assert_int_equal(vhdx_region_parse(rt, 8 << 20, &b), -EINVAL);
	/* An unknown region marked required is refused; a known one twice too. */
	a.bat_off = 3 << 20;
	vhdx_region_build(rt, &a);
	memset(rt + 16 + 2 * 32, 0x5a, 16);
	vhdx_put_le32(rt + 8, 3);
	vhdx_put_le32(rt + 16 + 2 * 32 + 28, 1);
	vhdx_put_le32(rt + 4, vhdx_checksum(rt, VHDX_REGION_SIZE, 4));
	assert_int_equal(vhdx_region_parse(rt, 8 << 20, &b), -ENOTSUP);

	a.kv = kv;
	a.nkv = 2;
	vhdx_guid_random(&a.page83);
	assert_int_equal(vhdx_meta_build(meta, sizeof(meta), &a), 0);
	b = a;
	b.kv = NULL;
	assert_int_equal(vhdx_meta_parse(meta, sizeof(meta), &b), 0);
	assert_int_equal(b.block_size, 1 << 20);
	assert_int_equal(b.size, SIZE);
	assert_int_equal(b.flags, VHDX_PARAM_HAS_PARENT);
	assert_memory_equal(b.page83.b, a.page83.b, 16);
	/* 512-byte sectors, 1 MiB blocks: 4096 blocks per chunk, one bitmap entry. */
	assert_int_equal(b.chunk_ratio, 4096);
	assert_int_equal(b.bat_entries, 4097);
	assert_string_equal(vhdx_kv_get(&b, "relative_path"), ".\\b\xc3\xa4se.vhdx");
	assert_non_null(vhdx_kv_get(&b, "parent_linkage"));
	assert_null(vhdx_kv_get(&b, "volume_path"));
	vhdx_info_free(&b);
	/* A locator value that runs past its item. */
	{
		uint8_t *pl = meta + (64 << 10) + 40;

		vhdx_put_le16(pl + 20 + 10, 0xfffe);
		b.kv = NULL;
		assert_int_equal(vhdx_meta_parse(meta, sizeof(meta), &b), -EINVAL);
		assert_null(b.kv);
	}
	/* A BAT region too small for the disk. */
	a.nkv = 0;
	a.flags = 0;
	a.size = 1ull << 40;
	assert_int_equal(vhdx_meta_build(meta, sizeof(meta), &a), 0);
	b.kv = NULL;
	assert_int_equal(vhdx_meta_parse(meta, sizeof(meta), &b), -EINVAL);
	/* Geometry: a dynamic disk's entries interleave a bitmap entry per chunk. */
	b = (struct vhdx_info){ .block_size = 32 << 20, .lsec = 512, .psec = 512, .size = 40 << 20 };
	assert_int_equal(vhdx_geometry(&b), 0);
	assert_int_equal(b.chunk_ratio, 128);
	assert_int_equal(b.bat_entries, 2);
	b.size = 129ull * (32 << 20);
	assert_int_equal(vhdx_geometry(&b), 0);
	assert_int_equal(b.bat_entries, 130);
	assert_int_equal(vhdx_bat_payload(&b, 128), 129);
	assert_int_equal(vhdx_bat_bitmap(&b, 5), 128);
	b.block_size = 3 << 20;
	assert_int_equal(vhdx_geometry(&b), -EINVAL);
}

static void test_bat_check(void **state)
{
	struct vhdx_info vi = { .block_size = 1 << 20, .lsec = 512, .psec = 512, .size = 4 << 20,
				.bat_off = 3 << 20, .bat_len = 1 << 20, .meta_off = 2 << 20,
				.meta_len = 1 << 20, .hdr = { .log_offset = 1 << 20, .log_length = 1 << 20 } };
	uint64_t bat[4], end;
	uint32_t bad, used;

	assert_int_equal(vhdx_geometry(&vi), 0);
	for (int i = 0; i < 4; i++)
		bat[i] = VHDX_BAT_ENTRY((4ull + i) << 20, VHDX_PB_FULLY_PRESENT);
	assert_int_equal(vhdx_bat_check(bat, &vi, 8 << 20, &bad, &end, &used), 0);
	assert_int_equal(used, 4);
	assert_int_equal(end, 8 << 20);
	/* Overlapping blocks, a block over the BAT, past the end, a bad state. */
	bat[2] = bat[1];
	assert_int_equal(vhdx_bat_check(bat, &vi, 8 << 20, &bad, &end, &used), -EINVAL);
	bat[2] = VHDX_BAT_ENTRY(3ull << 20, VHDX_PB_FULLY_PRESENT);
	assert_int_equal(vhdx_bat_check(bat, &vi, 8 << 20, &bad, &end, &used), -EINVAL);
	assert_int_equal(bad, 2);
	bat[2] = VHDX_BAT_ENTRY(6ull << 20, VHDX_PB_FULLY_PRESENT);
	assert_int_equal(vhdx_bat_check(bat, &vi, 7 << 20, &bad, &end, &used), -EINVAL);
	bat[3] = VHDX_BAT_ENTRY(0, VHDX_PB_PARTIALLY_PRESENT);	/* not without a parent */
	assert_int_equal(vhdx_bat_check(bat, &vi, 8 << 20, &bad, &end, &used), -EINVAL);
	assert_int_equal(bad, 3);
	bat[3] = VHDX_BAT_ENTRY(0, VHDX_PB_ZERO);
	assert_int_equal(vhdx_bat_check(bat, &vi, 8 << 20, &bad, &end, &used), 0);
	assert_int_equal(used, 3);
}

static void test_log_entry(void **state)
{
	static uint8_t buf[3 * 4096], p1[4096], p2[4096], out[4096];
	struct vhdx_log_desc d[2] = { { .off = 3 << 20, .len = 4096, .data = p1 },
				      { .off = 5 << 20, .len = 4096, .data = p2 } }, got[4];
	struct vhdx_log_entry e = { .tail = 8192, .seq = 0x100000005ull, .ndesc = 2,
				    .flushed_off = 9 << 20, .last_off = 10 << 20 }, pe;
	vhdx_guid other;

	for (int i = 0; i < 4096; i++) {
		p1[i] = (uint8_t)xs();
		p2[i] = (uint8_t)i;
	}
	vhdx_guid_random(&e.log_guid);
	vhdx_guid_random(&other);
	assert_int_equal(vhdx_log_entry_size(2, 0), 3 * 4096);
	vhdx_log_build(buf, &e, d);
	assert_int_equal(vhdx_log_parse(buf, 4096, &e.log_guid, 1 << 20, &pe, got, 4), -EAGAIN);
	assert_int_equal(vhdx_log_parse(buf, sizeof(buf), &e.log_guid, 1 << 20, &pe, got, 4), 0);
	assert_int_equal(pe.seq, e.seq);
	assert_int_equal(pe.tail, 8192);
	assert_int_equal(pe.last_off, 10 << 20);
	assert_int_equal(pe.ndesc, 2);
	assert_int_equal(got[1].off, 5 << 20);
	vhdx_log_desc_data(&got[0], out);
	assert_memory_equal(out, p1, 4096);
	vhdx_log_desc_data(&got[1], out);
	assert_memory_equal(out, p2, 4096);
	/* Another log's entry, too few descriptors room, a bad data sector. */
	assert_int_equal(vhdx_log_parse(buf, sizeof(buf), &other, 1 << 20, &pe, got, 4), -EINVAL);
	assert_int_equal(vhdx_log_parse(buf, sizeof(buf), &e.log_guid, 1 << 20, &pe, got, 1), -EINVAL);
	assert_int_equal(vhdx_log_parse(buf, sizeof(buf), &e.log_guid, 8192, &pe, got, 4), -EINVAL);
	for (size_t i = 0; i < sizeof(buf); i += 509) {
		buf[i] ^= 0x40;
		assert_int_not_equal(vhdx_log_parse(buf, sizeof(buf), &e.log_guid, 1 << 20, &pe, got, 4), 0);
		buf[i] ^= 0x40;
	}
}

static void test_paths_and_bitmap(void **state)
{
	uint8_t bm[4] = { 0x0f, 0x00, 0xff, 0x01 };
	char out[64];

	vhdx_host_path("\\\\?\\C:\\images\\base.vhdx", out, sizeof(out));
	assert_string_equal(out, "/images/base.vhdx");
	vhdx_host_path(".\\sub\\base.vhdx", out, sizeof(out));
	assert_string_equal(out, "./sub/base.vhdx");
	vhdx_host_path("D:\\x", out, 3);
	assert_string_equal(out, "/x");
	/* Bit 0 of byte 0 is the first sector. */
	assert_true(vhdx_bit(bm, 0));
	assert_false(vhdx_bit(bm, 4));
	assert_int_equal(vhdx_bitmap_run(bm, 0, 32), 4);
	assert_int_equal(vhdx_bitmap_run(bm, 4, 32), 12);
	assert_int_equal(vhdx_bitmap_run(bm, 16, 32), 9);
	assert_int_equal(vhdx_bitmap_run(bm, 25, 32), 7);
}

/* ---- images -------------------------------------------------------------- */

static struct disk_backend *open_img(const char *p, bool ro)
{
	struct disk_backend_opts o = { .read_only = ro, .format = DISK_FORMAT_VHDX };

	return disk_backend_open(p, &o);
}

static void create(const char *name, enum vhdx_type type, const char *parent, uint32_t bs)
{
	struct vhdx_create_opts o = { .type = type, .size = SIZE, .parent = parent,
				      .block_size = bs ? bs : 1 << 20 };
	char p[128];
	const char *why;

	pathof(p, name);
	assert_int_equal(vhdx_create(p, &o, &why), 0);
}

static void discard_some(struct disk_backend *b, uint8_t *shadow)
{
	/* Whole blocks too: a dynamic disk frees them. */
	assert_int_equal(disk_backend_discard(b, 3 << 20, 2 << 20), 0);
	memset(shadow + (3 << 20), 0, 2 << 20);
	for (int i = 0; i < 12; i++) {
		uint64_t sectors = 1 + xs() % 6000;
		uint64_t off = xs() % (SIZE / 512 - sectors) * 512, len = sectors * 512;

		assert_int_equal(disk_backend_discard(b, off, len), 0);
		memset(shadow + off, 0, len);
	}
}

static void check_clean(const char *name)
{
	struct vhdx_check_result r;
	char p[128];

	pathof(p, name);
	assert_int_equal(vhdx_check(p, NULL, false, &r), 0);
	if (r.errors)
		fail_msg("%s: %s", name, r.first_error);
	assert_false(r.log_pending);
}

static void test_types_against_shadow(void **state)
{
	static const enum vhdx_type types[] = { VHDX_FIXED, VHDX_DYNAMIC };
	static uint8_t shadow[SIZE];

	for (int t = 0; t < 2; t++) {
		struct disk_backend *b;
		char p[128];

		memset(shadow, 0, SIZE);
		create("t.vhdx", types[t], NULL, 0);
		pathof(p, "t.vhdx");
		b = open_img(p, false);
		assert_non_null(b);
		assert_int_equal(disk_backend_size(b), SIZE);
		assert_string_equal(disk_backend_format(b), "vhdx");
		compare(b, shadow);
		scribble(b, shadow, 60);
		compare(b, shadow);
		discard_some(b, shadow);
		compare(b, shadow);
		disk_backend_close(b);
		b = open_img(p, true);	/* reopened: the same, and read-only opens (log cleared) */
		assert_non_null(b);
		compare(b, shadow);
		disk_backend_close(b);
		check_clean("t.vhdx");
	}
}

static void test_chain_three_deep(void **state)
{
	static uint8_t shadow[SIZE], base_copy[SIZE];
	struct disk_backend *b;
	char p[128], p0[128], p1[128];
	struct vhdx *v;

	memset(shadow, 0, SIZE);
	create("c0.vhdx", VHDX_DYNAMIC, NULL, 0);
	pathof(p0, "c0.vhdx");
	b = open_img(p0, false);
	scribble(b, shadow, 40);
	disk_backend_close(b);
	memcpy(base_copy, shadow, SIZE);
	create("c1.vhdx", VHDX_DIFFERENCING, p0, 2 << 20);	/* block sizes differ on purpose */
	pathof(p1, "c1.vhdx");
	b = open_img(p1, false);
	assert_non_null(b);
	compare(b, shadow);	/* a new child reads as its parent */
	scribble(b, shadow, 40);
	disk_backend_close(b);
	create("c2.vhdx", VHDX_DIFFERENCING, p1, 4 << 20);
	pathof(p, "c2.vhdx");
	b = open_img(p, false);
	assert_non_null(b);
	compare(b, shadow);
	scribble(b, shadow, 40);
	compare(b, shadow);
	discard_some(b, shadow);	/* over the parents' data too */
	compare(b, shadow);
	disk_backend_close(b);
	b = open_img(p, true);
	compare(b, shadow);
	disk_backend_close(b);
	b = open_img(p0, true);	/* the base was not written through the chain */
	compare(b, base_copy);
	disk_backend_close(b);
	v = vhdx_open(p, true, NULL);
	assert_non_null(v);
	assert_int_equal(vhdx_type(v), VHDX_DIFFERENCING);
	assert_non_null(vhdx_parent(v));
	assert_non_null(vhdx_parent(vhdx_parent(v)));
	assert_null(vhdx_parent(vhdx_parent(vhdx_parent(v))));
	vhdx_close(v);
	check_clean("c2.vhdx");
}

static void test_parent_identity_and_place(void **state)
{
	char p0[128], p1[128], sub[128], moved[160];
	struct disk_backend_opts o = { .format = DISK_FORMAT_VHDX };
	struct vhdx_create_opts co = { .type = VHDX_DIFFERENCING };
	struct disk_backend *b;
	const char *why;
	uint8_t sec[512] = { 1 };
	struct iovec v = { sec, sizeof(sec) };

	create("i0.vhdx", VHDX_DYNAMIC, NULL, 0);
	pathof(p0, "i0.vhdx");
	create("i1.vhdx", VHDX_DIFFERENCING, p0, 0);
	pathof(p1, "i1.vhdx");
	b = open_img(p1, false);
	assert_non_null(b);
	disk_backend_close(b);
	/* A child in a subdirectory may not reach up to its parent by default... */
	pathof(sub, "sub");
	mkdir(sub, 0700);
	snprintf(moved, sizeof(moved), "%s/i2.vhdx", sub);
	co.parent = p0;
	assert_int_equal(vhdx_create(moved, &co, &why), 0);
	assert_null(open_img(moved, false));
	assert_int_equal(errno, ENOENT);
	/* ...only when the user allows the directory. */
	o.parent_dir = dir;
	b = disk_backend_open(moved, &o);
	assert_non_null(b);
	disk_backend_close(b);
	/* An image its own parent is refused before anything is written. */
	co.parent = p0;
	assert_int_equal(vhdx_create(p0, &co, &why), -EINVAL);
	b = open_img(p0, true);
	assert_non_null(b);
	disk_backend_close(b);
	/* The parent written to: its DataWriteGuid changes, the children refuse. */
	b = open_img(p0, false);
	assert_int_equal(disk_backend_writev(b, &v, 1, 0, false), 0);
	disk_backend_close(b);
	assert_null(open_img(p1, false));
	assert_int_equal(errno, ENOENT);
	assert_null(disk_backend_open(moved, &o));
	/* Opening it without writing leaves the identity alone. */
	create("i0.vhdx", VHDX_DYNAMIC, NULL, 0);
	create("i1.vhdx", VHDX_DIFFERENCING, p0, 0);
	b = open_img(p0, false);
	disk_backend_close(b);
	b = open_img(p1, false);
	assert_non_null(b);
	disk_backend_close(b);
}

static void test_detect(void **state)
{
	struct disk_backend_opts o = { .format = DISK_FORMAT_AUTO };
	struct disk_backend *b;
	enum disk_format f;
	char p[128];

	create("a.vhdx", VHDX_DYNAMIC, NULL, 0);
	pathof(p, "a.vhdx");
	b = disk_backend_open(p, &o);
	assert_non_null(b);
	assert_string_equal(disk_backend_format(b), "vhdx");
	assert_int_equal(disk_backend_size(b), SIZE);
	disk_backend_close(b);
	assert_int_equal(disk_format_parse("vhdx", &f), 0);
	assert_int_equal(f, DISK_FORMAT_VHDX);
	o.format = DISK_FORMAT_VHD;	/* not a VHD */
	assert_null(disk_backend_open(p, &o));
	o.format = DISK_FORMAT_RAW;	/* raw means raw */
	b = disk_backend_open(p, &o);
	assert_string_equal(disk_backend_format(b), "raw");
	disk_backend_close(b);
}

/* The BAT entry of payload block @blk, read from the file itself. */
static uint64_t bat_on_disk(const char *p, uint32_t blk)
{
	struct vhdx *v = vhdx_open(p, true, "/");
	uint64_t e;
	int fd = open(p, O_RDONLY);

	if (v) {
		const struct vhdx_info *vi = vhdx_get_info(v);

		assert_int_equal(pread(fd, &e, 8, (off_t)(vi->bat_off + 8ull * vhdx_bat_payload(vi, blk))), 8);
		vhdx_close(v);
	} else {
		/* Log pending: our layout (the BAT at 3 MiB, no chunk boundary this early). */
		assert_int_equal(pread(fd, &e, 8, (off_t)((3u << 20) + 8ull * blk)), 8);
	}
	close(fd);
	return vhdx_le64(&e);
}

/*
 * A "crash" after a block's log entry is durable and before it is applied:
 * the BAT on disk does not have the block, a read-only open refuses (the
 * log must be replayed), a writable one replays it and the data is there.
 * A corrupted entry is not replayed: the block leaks, nothing else changes.
 */
static void test_log_replay(void **state)
{
	static uint8_t data[64 << 10], got[64 << 10];
	struct iovec w = { data, sizeof(data) }, r = { got, sizeof(got) };
	struct vhdx_check_result cr;
	struct vhdx *v;
	char p[128], p0[128];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)xs();
	for (int round = 0; round < 3; round++) {
		const char *name = round == 2 ? "l1.vhdx" : "l.vhdx";

		create("l.vhdx", VHDX_DYNAMIC, NULL, 0);
		pathof(p0, "l.vhdx");
		if (round == 2)
			create("l1.vhdx", VHDX_DIFFERENCING, p0, 0);	/* a child's block, filled from its parent */
		pathof(p, name);
		v = vhdx_open(p, false, NULL);
		assert_non_null(v);
		assert_int_equal(vhdx_writev(v, &w, 1, 5 << 20, false), 0);	/* allocates block 5 */
		vhdx_test_stop_before_apply(v, true);
		assert_int_equal(vhdx_writev(v, &w, 1, 9 << 20, false), 0);	/* logged, not applied */
		vhdx_abandon(v);
		assert_int_equal(VHDX_BAT_STATE(bat_on_disk(p, 9)), VHDX_PB_NOT_PRESENT);
		v = vhdx_open(p, true, NULL);
		assert_null(v);
		assert_int_equal(errno, EROFS);
		assert_int_equal(vhdx_check(p, NULL, false, &cr), 0);
		assert_true(cr.log_pending);
		assert_int_equal(cr.errors, 0);
		if (round == 1) {
			/* Corrupt the newest entry: a torn log write must not be replayed. */
			int fd = open(p, O_RDWR);
			uint8_t sec[4096];
			off_t at = -1;

			for (off_t o = 1 << 20; o < 2 << 20; o += 4096) {
				assert_int_equal(pread(fd, sec, 4, o), 4);
				if (!memcmp(sec, "loge", 4))
					at = o;	/* the entries follow each other: the last is newest */
			}
			assert_true(at > 0);
			assert_int_equal(pread(fd, sec, 4096, at), 4096);
			sec[100] ^= 1;
			assert_int_equal(pwrite(fd, sec, 4096, at), 4096);
			close(fd);
		}
		v = vhdx_open(p, false, NULL);
		assert_non_null(v);
		assert_int_equal(vhdx_replayed(v), 1);
		assert_int_equal(vhdx_readv(v, &r, 1, 5 << 20), 0);
		assert_memory_equal(got, data, sizeof(data));
		assert_int_equal(vhdx_readv(v, &r, 1, 9 << 20), 0);
		if (round == 1) {
			/* The older entry (block 5) replayed again, harmlessly; block 9 absent. */
			for (size_t i = 0; i < sizeof(got); i++)
				assert_int_equal(got[i], 0);
		} else {
			assert_memory_equal(got, data, sizeof(data));
		}
		vhdx_close(v);
		v = vhdx_open(p, true, NULL);	/* the log was cleared */
		assert_non_null(v);
		assert_int_equal(vhdx_replayed(v), 0);
		vhdx_close(v);
		check_clean(name);
		assert_int_equal(vhdx_check(p, NULL, false, &cr), 0);
		if (round == 1)
			assert_true(cr.leaked_bytes > 0);	/* the block whose entry was lost */
	}
}

/*
 * A writer killed at many points (disk_shadow.h): the image opens
 * (replaying its log), checks without errors, and holds every record up to
 * the last flush.
 */
static void test_crash_kill_points(void **state)
{
	char p[128], p0[128];
	int killed = 0, replays = 0;

	pathof(p0, "k0.vhdx");
	for (int round = 0; round < 12; round++) {
		struct disk_backend *b;
		struct vhdx_check_result r;
		struct vhdx *v;
		uint32_t last;
		bool k;

		/* Even rounds a dynamic disk, odd a differencing child of one. */
		create("k0.vhdx", VHDX_DYNAMIC, NULL, 0);
		if (round & 1) {
			create("k.vhdx", VHDX_DIFFERENCING, p0, 1 << 20);
			pathof(p, "k.vhdx");
		} else {
			snprintf(p, sizeof(p), "%s", p0);
		}
		last = run_killed_writer(p, 60, &k);
		killed += k;
		/* A writable open replays what the log holds. */
		v = vhdx_open(p, false, NULL);
		assert_non_null(v);
		replays += vhdx_replayed(v) > 0;
		vhdx_close(v);
		assert_int_equal(vhdx_check(p, NULL, false, &r), 0);
		if (r.errors)
			fail_msg("round %d: %s", round, r.first_error);
		b = open_img(p, true);
		assert_non_null(b);
		verify_records(b, last);
		disk_backend_close(b);
	}
	print_message("writer killed mid-run with flushed records in %d of 12 rounds; "
		      "the log was replayed in %d\n", killed, replays);
	assert_true(killed >= 9);
}

/*
 * A partially present block, as Hyper-V writes them: made by hand in a
 * child, its sector bitmap says which sectors are the child's and which
 * the parent's. It reads that way; a write into the parent's part stays in
 * place and sets just those sectors' bits (through the log).
 */
static void test_partially_present(void **state)
{
	static uint8_t par[1 << 20], own[1 << 20], want[1 << 20], got[1 << 20], w[4096];
	struct iovec r = { got, sizeof(got) }, wv = { w, sizeof(w) };
	const struct vhdx_info *vi;
	struct disk_backend *b;
	uint64_t sb, e, blk_off;
	uint8_t bits[256] = { 0 };
	char p0[128], p1[128];
	struct vhdx *v;
	int fd;

	for (size_t i = 0; i < sizeof(par); i++) {
		par[i] = (uint8_t)xs();
		own[i] = (uint8_t)xs();
	}
	create("p0.vhdx", VHDX_DYNAMIC, NULL, 0);
	pathof(p0, "p0.vhdx");
	b = open_img(p0, false);
	{
		struct iovec pv = { par, sizeof(par) };

		assert_int_equal(disk_backend_writev(b, &pv, 1, 2 << 20, false), 0);	/* block 2 */
	}
	disk_backend_close(b);
	create("p1.vhdx", VHDX_DIFFERENCING, p0, 1 << 20);
	pathof(p1, "p1.vhdx");
	v = vhdx_open(p1, true, NULL);
	assert_non_null(v);
	vi = vhdx_get_info(v);
	fd = open(p1, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &sb, 8, (off_t)(vi->bat_off + 8ull * vhdx_bat_bitmap(vi, 2))), 8);
	sb = vhdx_le64(&sb);
	assert_int_equal(VHDX_BAT_STATE(sb), VHDX_SB_PRESENT);
	blk_off = (uint64_t)lseek(fd, 0, SEEK_END);
	assert_int_equal(blk_off % (1 << 20), 0);
	assert_int_equal(pwrite(fd, own, sizeof(own), (off_t)blk_off), (ssize_t)sizeof(own));
	/* Sectors 10-19 and 100-2047 of block 2 (sectors 4096 + s of the disk) are the child's. */
	for (unsigned int s = 0; s < 2048; s++) {
		bool mine = (s >= 10 && s < 20) || s >= 100;

		if (mine)
			bits[s / 8] |= (uint8_t)(1u << (s % 8));
		memcpy(want + s * 512, (mine ? own : par) + s * 512, 512);
	}
	assert_int_equal(pwrite(fd, bits, sizeof(bits), (off_t)(VHDX_BAT_OFF(sb) + 4096 / 8)), (ssize_t)sizeof(bits));
	vhdx_put_le64(&e, VHDX_BAT_ENTRY(blk_off, VHDX_PB_PARTIALLY_PRESENT));
	assert_int_equal(pwrite(fd, &e, 8, (off_t)(vi->bat_off + 8ull * vhdx_bat_payload(vi, 2))), 8);
	close(fd);
	vhdx_close(v);

	v = vhdx_open(p1, true, NULL);
	assert_non_null(v);
	assert_int_equal(vhdx_readv(v, &r, 1, 2 << 20), 0);
	assert_memory_equal(got, want, sizeof(want));
	r.iov_len = 512 * 7;	/* a piece across the run boundaries */
	assert_int_equal(vhdx_readv(v, &r, 1, (2 << 20) + 512 * 8), 0);
	assert_memory_equal(got, want + 512 * 8, 512 * 7);
	r.iov_len = sizeof(got);
	vhdx_close(v);
	check_clean("p1.vhdx");
	/* A write into the parent's part of it (sectors 50-57): their bits set, nothing else changes. */
	memset(w, 0x6b, sizeof(w));
	memcpy(want + 50 * 512, w, sizeof(w));
	v = vhdx_open(p1, false, NULL);
	assert_int_equal(vhdx_writev(v, &wv, 1, (2 << 20) + 50 * 512, false), 0);
	vhdx_close(v);
	v = vhdx_open(p1, true, NULL);
	assert_int_equal(vhdx_readv(v, &r, 1, 2 << 20), 0);
	assert_memory_equal(got, want, sizeof(want));
	vi = vhdx_get_info(v);
	fd = open(p1, O_RDONLY);
	assert_int_equal(pread(fd, &e, 8, (off_t)(vi->bat_off + 8ull * vhdx_bat_payload(vi, 2))), 8);
	close(fd);
	assert_int_equal(VHDX_BAT_STATE(vhdx_le64(&e)), VHDX_PB_PARTIALLY_PRESENT);
	assert_int_equal(VHDX_BAT_OFF(vhdx_le64(&e)), blk_off);	/* in place */
	{
		uint8_t now[256];

		for (unsigned int s = 50; s < 58; s++)
			bits[s / 8] |= (uint8_t)(1u << (s % 8));
		fd = open(p1, O_RDONLY);
		assert_int_equal(pread(fd, now, sizeof(now), (off_t)(VHDX_BAT_OFF(sb) + 4096 / 8)),
				 (ssize_t)sizeof(now));
		close(fd);
		assert_memory_equal(now, bits, sizeof(bits));
	}
	vhdx_close(v);
	check_clean("p1.vhdx");
}

/* The first @n bytes of the child @p's first sector bitmap block, as on disk. */
static void first_bitmap(const char *p, uint8_t *out, size_t n)
{
	struct vhdx *v = vhdx_open(p, true, NULL);
	uint64_t sb;
	int fd = open(p, O_RDONLY);

	assert_non_null(v);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &sb, 8, (off_t)(vhdx_get_info(v)->bat_off + 8ull *
			 vhdx_bat_bitmap(vhdx_get_info(v), 0))), 8);
	sb = vhdx_le64(&sb);
	assert_int_equal(pread(fd, out, n, (off_t)VHDX_BAT_OFF(sb)), (ssize_t)n);
	close(fd);
	vhdx_close(v);
}

static unsigned int block_state(const char *p, uint32_t blk)
{
	struct vhdx *v = vhdx_open(p, true, NULL);
	uint64_t e;
	int fd = open(p, O_RDONLY);

	assert_non_null(v);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &e, 8, (off_t)(vhdx_get_info(v)->bat_off + 8ull *
			 vhdx_bat_payload(vhdx_get_info(v), blk))), 8);
	close(fd);
	vhdx_close(v);
	return VHDX_BAT_STATE(vhdx_le64(&e));
}

/*
 * Writes into a child's blocks that do not cover them make the blocks
 * partially present: the sector bitmap has exactly the written sectors'
 * bits, the parent's data shows through the rest, and nothing of the
 * parent is copied (the file grows by the blocks, sparse). A whole block
 * written is fully present, and so is one written in pieces once every
 * sector is the child's. Also on a 4Kn child (a bit per 4 KiB).
 */
static void test_bitmap_writes(void **state)
{
	static uint8_t shadow[SIZE], mine[SIZE / 512];
	static const uint32_t lsecs[] = { 512, 4096 };

	for (int t = 0; t < 2; t++) {
		uint32_t ls = lsecs[t];
		struct vhdx_create_opts o = { .type = VHDX_DYNAMIC, .size = SIZE, .block_size = 1 << 20,
					      .logical_sector = ls };
		struct disk_backend *b;
		const char *why;
		char p0[128], p1[128];
		struct stat st;
		uint8_t buf[64 << 10];
		struct iovec v = { shadow, SIZE };

		pathof(p0, "bm0.vhdx");
		pathof(p1, "bm1.vhdx");
		assert_int_equal(vhdx_create(p0, &o, &why), 0);
		for (uint64_t k = 0; k < SIZE; k++)
			shadow[k] = (uint8_t)(xs() | 1);
		b = open_img(p0, false);
		assert_int_equal(disk_backend_writev(b, &v, 1, 0, false), 0);
		disk_backend_close(b);
		o = (struct vhdx_create_opts){ .type = VHDX_DIFFERENCING, .parent = p0, .block_size = 1 << 20 };
		assert_int_equal(vhdx_create(p1, &o, &why), 0);
		memset(mine, 0, sizeof(mine));
		b = open_img(p1, false);
		assert_non_null(b);
		/* Single sectors, runs across blocks and bitmap bytes, all in blocks 0-9. */
		for (int i = 0; i < 60; i++) {
			uint64_t n = 1 + xs() % (i % 3 ? 4 : sizeof(buf) / ls);
			uint64_t s = xs() % ((10u << 20) / ls - n);

			for (size_t k = 0; k < n * ls; k++)
				buf[k] = (uint8_t)xs();
			v = (struct iovec){ buf, n * ls };
			assert_int_equal(disk_backend_writev(b, &v, 1, s * ls, i % 5 == 0), 0);
			memcpy(shadow + s * ls, buf, n * ls);
			memset(mine + s, 1, n);
		}
		/* Block 11 in two halves: partially present, then all the child's: fully present. */
		for (int h = 0; h < 2; h++) {
			uint64_t at = (11u << 20) + (uint64_t)h * (512 << 10);

			for (size_t k = 0; k < (512 << 10); k++)
				shadow[at + k] = (uint8_t)xs();
			v = (struct iovec){ shadow + at, 512 << 10 };
			assert_int_equal(disk_backend_writev(b, &v, 1, at, false), 0);
			if (!h) {
				disk_backend_close(b);
				assert_int_equal(block_state(p1, 11), VHDX_PB_PARTIALLY_PRESENT);
				b = open_img(p1, false);
			}
		}
		/* Block 12 whole. */
		v = (struct iovec){ shadow + (12 << 20), 1 << 20 };
		for (size_t k = 0; k < (1 << 20); k++)
			shadow[(12 << 20) + k] = (uint8_t)xs();
		assert_int_equal(disk_backend_writev(b, &v, 1, 12 << 20, false), 0);
		compare(b, shadow);
		disk_backend_close(b);
		check_clean("bm1.vhdx");
		b = open_img(p1, true);
		compare(b, shadow);
		disk_backend_close(b);
		first_bitmap(p1, buf, (10u << 20) / ls / 8);
		for (uint64_t s = 0; s < (10u << 20) / ls; s++)
			if (vhdx_bit(buf, s) != !!mine[s])
				fail_msg("%u-byte sectors: sector %llu's bit is %d", ls,
					 (unsigned long long)s, !mine[s]);
		for (uint32_t blk = 0; blk < 10; blk++)
			assert_int_equal(block_state(p1, blk), VHDX_PB_PARTIALLY_PRESENT);
		assert_int_equal(block_state(p1, 10), VHDX_PB_NOT_PRESENT);
		assert_int_equal(block_state(p1, 11), VHDX_PB_FULLY_PRESENT);
		assert_int_equal(block_state(p1, 12), VHDX_PB_FULLY_PRESENT);
		/* Nothing of the parent copied in: the written sectors and metadata only. */
		assert_int_equal(stat(p1, &st), 0);
		assert_true((uint64_t)st.st_blocks * 512 < (8u << 20));
		/*
		 * Block 14 made fully present by two halves of the parent's own data:
		 * compact frees it (bits still set), and a new small write there must
		 * not take those bits for its own: the rest reads as the parent.
		 */
		{
			uint32_t freed = 0;
			uint8_t par14[1 << 20];

			memcpy(par14, shadow + (14u << 20), sizeof(par14));	/* the parent's, never written */
			b = open_img(p1, false);
			for (int h = 0; h < 2; h++) {
				v = (struct iovec){ par14 + h * (512 << 10), 512 << 10 };
				assert_int_equal(disk_backend_writev(b, &v, 1, (14u << 20) + h * (512 << 10), false), 0);
			}
			disk_backend_close(b);
			assert_int_equal(block_state(p1, 14), VHDX_PB_FULLY_PRESENT);
			assert_int_equal(vhdx_compact(p1, NULL, &freed, &why), 0);
			assert_true(freed >= 1);
			assert_int_equal(block_state(p1, 14), VHDX_PB_NOT_PRESENT);
			b = open_img(p1, false);
			memset(buf, 0xe7, 4096);
			v = (struct iovec){ buf, 4096 };
			assert_int_equal(disk_backend_writev(b, &v, 1, (14u << 20) + 8192, false), 0);
			memcpy(shadow + (14u << 20) + 8192, buf, 4096);
			compare(b, shadow);
			disk_backend_close(b);
			check_clean("bm1.vhdx");
		}
		unlink(p1);
		unlink(p0);
	}
}

/*
 * 4096-byte logical sectors (a 4Kn disk): made at create, inherited by a
 * child, reported by disk_backend; writes must be whole sectors; a child
 * and parent whose sector sizes differ do not make a chain.
 */
static void test_logical_4k(void **state)
{
	static uint8_t shadow[SIZE], buf[64 << 10];
	struct vhdx_create_opts o = { .type = VHDX_DYNAMIC, .size = SIZE, .block_size = 1 << 20,
				      .logical_sector = 4096 };
	struct disk_backend *b;
	struct iovec v = { buf, 512 };
	const char *why;
	char p0[128], p1[128];
	struct vhdx *x;
	vhdx_guid dw;

	pathof(p0, "k0.vhdx");
	pathof(p1, "k1.vhdx");
	o.size = SIZE + 512;	/* not a whole number of sectors */
	assert_int_equal(vhdx_create(p0, &o, &why), -EINVAL);
	o.size = SIZE;
	o.logical_sector = 1024;
	assert_int_equal(vhdx_create(p0, &o, &why), -EINVAL);
	o.logical_sector = 4096;
	assert_int_equal(vhdx_create(p0, &o, &why), 0);
	b = open_img(p0, false);
	assert_non_null(b);
	assert_int_equal(disk_backend_logical_block(b), 4096);
	assert_int_equal(disk_backend_physical_block(b), 4096);	/* the default physical */
	/* Half a sector, or a sector at a 512-byte offset: refused, nothing written. */
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(disk_backend_writev(b, &v, 1, 0, false), -EINVAL);
	v.iov_len = 4096;
	assert_int_equal(disk_backend_writev(b, &v, 1, 512, false), -EINVAL);
	assert_int_equal(disk_backend_discard(b, 4096, 512), -EINVAL);
	memset(shadow, 0, SIZE);
	compare(b, shadow);
	for (int i = 0; i < 40; i++) {
		uint64_t n = 1 + xs() % (sizeof(buf) / 4096), off = xs() % (SIZE / 4096 - n) * 4096;

		for (size_t k = 0; k < n * 4096; k++)
			buf[k] = (uint8_t)xs();
		v.iov_len = n * 4096;
		assert_int_equal(disk_backend_writev(b, &v, 1, off, false), 0);
		memcpy(shadow + off, buf, n * 4096);
	}
	disk_backend_close(b);
	/* The child has its parent's sectors; asking for others is refused. */
	o.type = VHDX_DIFFERENCING;
	o.parent = p0;
	o.logical_sector = 512;
	assert_int_equal(vhdx_create(p1, &o, &why), -EINVAL);
	o.logical_sector = 0;
	assert_int_equal(vhdx_create(p1, &o, &why), 0);
	b = open_img(p1, false);
	assert_non_null(b);
	assert_int_equal(disk_backend_logical_block(b), 4096);
	/* What ovbctl status says of it: its parent. */
	assert_non_null(disk_backend_parent(b));
	assert_non_null(strstr(disk_backend_parent(b), "/k0.vhdx"));
	compare(b, shadow);
	v.iov_len = 8192;
	memset(buf, 0xc3, 8192);
	assert_int_equal(disk_backend_writev(b, &v, 1, 5 << 20, false), 0);
	memcpy(shadow + (5 << 20), buf, 8192);
	compare(b, shadow);
	disk_backend_close(b);
	check_clean("k0.vhdx");
	check_clean("k1.vhdx");
	/*
	 * The parent remade with 512-byte sectors but the same DataWriteGuid:
	 * the child no longer has a parent it can use.
	 */
	x = vhdx_open(p0, true, NULL);
	assert_non_null(x);
	dw = vhdx_get_info(x)->hdr.data_write;
	vhdx_close(x);
	o = (struct vhdx_create_opts){ .type = VHDX_DYNAMIC, .size = SIZE, .data_write = &dw };
	assert_int_equal(vhdx_create(p0, &o, &why), 0);
	assert_null(vhdx_open(p1, true, NULL));
	assert_int_equal(errno, ENOENT);
	unlink(p0);
	unlink(p1);
}

/* Corrupt metadata is refused at open; check says so. */
static void test_corruption_refused(void **state)
{
	struct vhdx_check_result r;
	uint8_t b[8];
	char p[128];
	int fd;

	create("x.vhdx", VHDX_DYNAMIC, NULL, 0);
	pathof(p, "x.vhdx");
	fd = open(p, O_RDWR);
	/* Both region tables' CRC broken. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pread(fd, b, 1, (off_t)VHDX_REGION_OFF(i) + 20), 1);
		b[0] ^= 1;
		assert_int_equal(pwrite(fd, b, 1, (off_t)VHDX_REGION_OFF(i) + 20), 1);
	}
	close(fd);
	assert_null(vhdx_open(p, false, NULL));
	assert_int_equal(vhdx_check(p, NULL, false, &r), 0);
	assert_int_equal(r.errors, 1);
	/* A BAT entry pointing at the metadata region. */
	create("x.vhdx", VHDX_DYNAMIC, NULL, 0);
	fd = open(p, O_RDWR);
	vhdx_put_le64(b, VHDX_BAT_ENTRY(2 << 20, VHDX_PB_FULLY_PRESENT));
	assert_int_equal(pwrite(fd, b, 8, 3 << 20), 8);
	close(fd);
	assert_null(vhdx_open(p, true, NULL));
	assert_int_equal(errno, EINVAL);
	/* Only one header broken: the other is used. */
	create("x.vhdx", VHDX_DYNAMIC, NULL, 0);
	fd = open(p, O_RDWR);
	assert_int_equal(pwrite(fd, "XXXX", 4, (off_t)VHDX_HEADER_OFF(1)), 4);
	close(fd);
	check_clean("x.vhdx");
}

/* ---- resize, compact, commit --------------------------------------------- */

static uint8_t big[3 * SIZE + 4096], base_shadow[SIZE];

/* No errors, the log clear; with @tidy nothing leaked either. */
static void check_path(const char *p, bool tidy)
{
	struct vhdx_check_result r;

	assert_int_equal(vhdx_check(p, NULL, false, &r), 0);
	if (r.errors)
		fail_msg("%s: %s", p, r.first_error);
	assert_false(r.log_pending);
	if (tidy && r.leaked_bytes)
		fail_msg("%s: %llu bytes leaked", p, (unsigned long long)r.leaked_bytes);
}

static int resize(const char *p, uint64_t size, bool shrink)
{
	const char *why;

	return vhdx_resize(p, size, shrink, &why);
}

static uint32_t used_of(const char *p)
{
	struct vhdx *v = vhdx_open(p, true, NULL);
	uint32_t n;

	assert_non_null(v);
	n = vhdx_used_blocks(v);
	vhdx_close(v);
	return n;
}

/*
 * Grow (the new size through the log; a fixed disk gets its blocks),
 * refuse a shrink without the flag, shrink (the file is cut), grow again
 * (what was cut reads as zeros); a differencing disk and a size the BAT
 * region cannot index are refused.
 */
static void test_resize(void **state)
{
	for (int t = 0; t < 2; t++) {
		uint64_t grown = 3 * SIZE + 3 * 512, small = SIZE / 2 + 7 * 512;
		struct stat st0, st1;
		char p[128], c[128];

		create("rs.vhdx", t ? VHDX_DYNAMIC : VHDX_FIXED, NULL, 0);
		pathof(p, "rs.vhdx");
		memset(big, 0, sizeof(big));
		put_data(p, big, 0, 1 << 20, false);
		put_data(p, big, SIZE / 2, 3 << 16, false);
		put_data(p, big, SIZE - 8192, 8192, false);
		assert_int_equal(resize(p, grown, false), 0);
		check_path(p, true);
		expect_data(p, big, grown);
		assert_int_equal(used_of(p), t ? 3 : 73);
		assert_int_equal(resize(p, small, false), -EINVAL);
		expect_data(p, big, grown);
		assert_int_equal(stat(p, &st0), 0);
		assert_int_equal(resize(p, small, true), 0);
		assert_int_equal(stat(p, &st1), 0);
		assert_true(st1.st_size < st0.st_size || t);
		check_path(p, true);
		expect_data(p, big, small);
		memset(big + small, 0, sizeof(big) - small);
		assert_int_equal(resize(p, SIZE, false), 0);
		check_path(p, true);
		expect_data(p, big, SIZE);
		assert_int_equal(resize(p, SIZE + 100, false), -EINVAL);
		assert_int_equal(resize(p, 200ull << 30, false), -ENOSPC);	/* 1 MiB of BAT: 128 GiB */
		expect_data(p, big, SIZE);
		if (t) {
			create("rsc.vhdx", VHDX_DIFFERENCING, p, 0);
			pathof(c, "rsc.vhdx");
			assert_int_equal(resize(c, 2 * SIZE, false), -ENOTSUP);
		}
	}
}

/*
 * Blocks that read as what is below them go (a dynamic disk's zeros, a
 * child's copies of its parent) and the file shrinks; the data stays, and
 * a compacted parent keeps its DataWriteGuid: its child still opens.
 */
static void test_compact(void **state)
{
	struct stat st0, st1;
	const char *why;
	uint32_t freed;
	char p[128], c[128];

	create("cp.vhdx", VHDX_DYNAMIC, NULL, 0);
	pathof(p, "cp.vhdx");
	memset(big, 0, SIZE);
	put_data(p, big, 0, 20 << 20, false);
	put_data(p, big, 4 << 20, 3 << 20, true);		/* three blocks of zeros */
	put_data(p, big, (10 << 20) + 512, 512, true);		/* one sector: the block stays */
	put_data(p, big, SIZE - (2 << 20), 2 << 20, true);	/* allocated zeros, at the end */
	create("cpc.vhdx", VHDX_DIFFERENCING, p, 0);
	pathof(c, "cpc.vhdx");
	assert_int_equal(used_of(p), 22);
	assert_int_equal(stat(p, &st0), 0);
	assert_int_equal(vhdx_compact(p, NULL, &freed, &why), 0);
	assert_int_equal(freed, 5);
	assert_int_equal(used_of(p), 17);
	assert_int_equal(stat(p, &st1), 0);
	assert_true(st1.st_size <= st0.st_size - (2 << 20));	/* cut at the end */
	assert_true(st1.st_blocks <= st0.st_blocks - (5 << 20) / 512);	/* punched */
	check_path(p, true);
	expect_data(p, big, SIZE);
	expect_data(c, big, SIZE);	/* the child still matches */
	/* The child: blocks holding what the parent holds go, the others stay. */
	memcpy(base_shadow, big, SIZE);
	{
		struct disk_backend *b = open_img(c, false);
		struct iovec v = { big + (12 << 20), 4 << 20 };

		assert_non_null(b);
		assert_int_equal(disk_backend_writev(b, &v, 1, 12 << 20, false), 0);
		disk_backend_close(b);
	}
	put_data(c, big, 2 << 20, 1 << 20, false);
	assert_int_equal(used_of(c), 5);
	assert_int_equal(vhdx_compact(c, NULL, &freed, &why), 0);
	assert_int_equal(freed, 4);
	assert_int_equal(used_of(c), 1);
	check_path(c, true);
	expect_data(c, big, SIZE);
	expect_data(p, base_shadow, SIZE);
	create("cpf.vhdx", VHDX_FIXED, NULL, 0);
	pathof(p, "cpf.vhdx");
	assert_int_equal(vhdx_compact(p, NULL, &freed, &why), -ENOTSUP);
}

/*
 * A chain base <- mid <- top: committing top writes its blocks into mid
 * (base untouched); top is replaced by an empty child of the changed mid,
 * reading the same; a child whose parent does not match is refused.
 */
static void test_commit(void **state)
{
	static uint8_t mid[SIZE];
	uint64_t sectors;
	const char *why;
	char p0[128], p1[128], p2[128];

	create("cm0.vhdx", VHDX_DYNAMIC, NULL, 0);
	pathof(p0, "cm0.vhdx");
	memset(base_shadow, 0, SIZE);
	put_data(p0, base_shadow, 0, SIZE / 2, false);
	memcpy(mid, base_shadow, SIZE);
	create("cm1.vhdx", VHDX_DIFFERENCING, p0, 4 << 20);
	pathof(p1, "cm1.vhdx");
	put_data(p1, mid, 3 << 20, 5 << 20, false);
	memcpy(big, mid, SIZE);
	create("cm2.vhdx", VHDX_DIFFERENCING, p1, 1 << 20);
	pathof(p2, "cm2.vhdx");
	put_data(p2, big, 512 * 3, 512 * 5, false);
	put_data(p2, big, 6 << 20, 4 << 20, true);	/* zeros over the parents' data */
	put_data(p2, big, SIZE - 4096, 4096, false);
	assert_int_equal(vhdx_commit(p2, NULL, &sectors, &why), 0);
	assert_int_equal(sectors, 6 * (1 << 20) / 512);	/* six 1 MiB blocks */
	expect_data(p2, big, SIZE);
	expect_data(p1, big, SIZE);
	expect_data(p0, base_shadow, SIZE);
	assert_int_equal(used_of(p2), 0);
	check_path(p2, true);
	check_path(p1, true);
	assert_int_equal(vhdx_commit(p0, NULL, &sectors, &why), -EINVAL);
	/* mid written behind top's back: its DataWriteGuid no longer matches. */
	put_data(p1, big, 0, 4096, false);
	assert_int_equal(vhdx_commit(p2, NULL, &sectors, &why), -ENOENT);
}

/* ---- the same, killed part way (the claims in vhdx.h) ---- */

static char kp0[128], kp1[128];

/* A writable open replays what a kill left in the log; then it checks clean. */
static void replay_and_check(const char *p)
{
	struct vhdx *v = vhdx_open(p, false, NULL);

	assert_non_null(v);
	vhdx_close(v);
	check_path(p, false);
}

static void commit_setup(void)
{
	create("kc0.vhdx", VHDX_DYNAMIC, NULL, 0);
	memset(base_shadow, 0, SIZE);
	put_data(kp0, base_shadow, 1 << 20, 4 << 20, false);
	memcpy(big, base_shadow, SIZE);
	create("kc1.vhdx", VHDX_DIFFERENCING, kp0, 0);
	put_data(kp1, big, 0, 2 << 20, false);
	put_data(kp1, big, 12 << 20, 2 << 20, false);
}

static int commit_op(void)
{
	uint64_t n;
	const char *why;

	return vhdx_commit(kp1, NULL, &n, &why);
}

/* The parent opens and checks; every 4 KiB of it is the old parent's or the child's. */
static void commit_after(bool done)
{
	static uint8_t now[SIZE];
	struct disk_backend *b;
	struct iovec v = { now, SIZE };

	replay_and_check(kp0);
	b = open_img(kp0, true);
	assert_non_null(b);
	assert_int_equal(disk_backend_readv(b, &v, 1, 0), 0);
	disk_backend_close(b);
	for (uint64_t at = 0; at < SIZE; at += 4096)
		if (memcmp(now + at, big + at, 4096))
			assert_memory_equal(now + at, base_shadow + at, 4096);
	if (done) {
		assert_memory_equal(now, big, SIZE);
		expect_data(kp1, big, SIZE);
	}
}

static void compact_setup(void)
{
	create("kc0.vhdx", VHDX_DYNAMIC, NULL, 0);
	memset(big, 0, SIZE);
	put_data(kp0, big, 0, 8 << 20, false);
	for (int i = 0; i < 8; i += 2)
		put_data(kp0, big, (uint64_t)i << 20, 1 << 20, true);	/* half of it freeable */
}

static int compact_op(void)
{
	uint32_t n;
	const char *why;

	return vhdx_compact(kp0, NULL, &n, &why);
}

static void compact_after(bool done)
{
	replay_and_check(kp0);
	expect_data(kp0, big, SIZE);
	if (!done)
		assert_int_equal(compact_op(), 0);
	expect_data(kp0, big, SIZE);
	check_path(kp0, true);
}

static void grow_setup(void)
{
	create("kc0.vhdx", VHDX_DYNAMIC, NULL, 0);
	memset(big, 0, sizeof(big));
	put_data(kp0, big, 0, 2 << 20, false);
	put_data(kp0, big, SIZE - (1 << 20) - 512, 1 << 20, false);
	assert_int_equal(resize(kp0, SIZE - 512, true), 0);	/* the last block is partial */
	memset(big + SIZE - 512, 0, 512);
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

	replay_and_check(kp0);
	b = open_img(kp0, true);
	assert_non_null(b);
	size = disk_backend_size(b);
	disk_backend_close(b);
	assert_true(size == SIZE - 512 || size == 3 * SIZE);
	expect_data(kp0, big, size);
	if (!done && size != 3 * SIZE)
		assert_int_equal(grow_op(), 0);
	expect_data(kp0, big, 3 * SIZE);
}

static void test_ops_killed(void **state)
{
	int k;

	pathof(kp0, "kc0.vhdx");
	pathof(kp1, "kc1.vhdx");
	k = killed_op_rounds(commit_setup, commit_op, commit_after, 3);
	print_message("commit killed part way in %d rounds (3 wanted)\n", k);
	assert_true(k >= 2);
	k = killed_op_rounds(compact_setup, compact_op, compact_after, 3);
	print_message("compact killed part way in %d rounds (3 wanted)\n", k);
	assert_true(k >= 2);
	k = killed_op_rounds(grow_setup, grow_op, grow_after, 3);
	print_message("resize killed part way in %d rounds (3 wanted)\n", k);
	assert_true(k >= 2);
}

static int group_setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/vhdx_test.XXXXXX");
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
		cmocka_unit_test(test_crc_and_guid),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_regions_and_metadata),
		cmocka_unit_test(test_bat_check),
		cmocka_unit_test(test_log_entry),
		cmocka_unit_test(test_paths_and_bitmap),
		cmocka_unit_test(test_types_against_shadow),
		cmocka_unit_test(test_chain_three_deep),
		cmocka_unit_test(test_parent_identity_and_place),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_log_replay),
		cmocka_unit_test(test_partially_present),
		cmocka_unit_test(test_bitmap_writes),
		cmocka_unit_test(test_logical_4k),
		cmocka_unit_test(test_crash_kill_points),
		cmocka_unit_test(test_corruption_refused),
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_commit),
		cmocka_unit_test(test_ops_killed),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
