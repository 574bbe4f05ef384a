// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The SCSI disk target and its raw-image back end, over an image in a temp dir. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "hostside/disk/vhdx.h"
#include "hostside/storvsp/scsi_disk.h"

#define IMG_BLOCKS 8192u	/* 4 MiB */

struct fx {
	char dir[64];
	char path[96];
	struct disk_backend *b;
	struct scsi_disk *d;
	uint8_t buf[2 * 1024 * 1024 + 4096];
};

static int fx_open(struct fx *f, bool ro)
{
	struct disk_backend_opts o = { .read_only = ro };

	f->b = disk_backend_open(f->path, &o);
	if (!f->b)
		return -1;
	f->d = scsi_disk_new(f->b, 0);
	return f->d ? 0 : -1;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int fd;

	snprintf(f->dir, sizeof(f->dir), "/tmp/storvsp_test.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/disk.img", f->dir);
	fd = open(f->path, O_CREAT | O_RDWR, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)IMG_BLOCKS * 512) < 0)
		return -1;
	close(fd);
	*state = f;
	return fx_open(f, false);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	scsi_disk_free(f->d);
	disk_backend_close(f->b);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Run @cdb with the data buffer split in 4 KiB iovecs of f->buf. */
static void run(struct fx *f, struct scsi_disk_cmd *c, const uint8_t *cdb, unsigned int len,
		uint32_t buf_len)
{
	static struct iovec iov[520];
	int n = 0;

	for (uint32_t o = 0; o < buf_len; o += 4096, n++) {
		iov[n].iov_base = f->buf + o;
		iov[n].iov_len = buf_len - o < 4096 ? buf_len - o : 4096;
	}
	memset(c, 0, sizeof(*c));
	c->cdb = cdb;
	c->cdb_len = len;
	c->iov = iov;
	c->iovcnt = n;
	c->buf_len = buf_len;
	scsi_disk_execute(f->d, c);
}

static void assert_sense(const struct scsi_disk_cmd *c, uint8_t key, uint8_t asc, uint8_t ascq)
{
	assert_int_equal(c->status, SCSI_STATUS_CHECK_CONDITION);
	assert_int_equal(c->sense_len, 18);
	assert_int_equal(c->sense[0], 0x70);
	assert_int_equal(c->sense[2] & 0xf, key);
	assert_int_equal(c->sense[12], asc);
	assert_int_equal(c->sense[13], ascq);
}

static void test_inquiry(void **state)
{
	struct fx *f = *state;
	struct scsi_disk_cmd c;
	uint8_t std[6] = { 0x12, 0, 0, 0, 96, 0 };
	uint8_t vpd[6] = { 0x12, 1, 0x00, 0, 255, 0 };
	static const uint8_t pages[] = { 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 };

	run(f, &c, std, 6, 4096);
	assert_int_equal(c.status, 0);
	assert_int_equal(c.xfer_len, 36);
	assert_int_equal(f->buf[0], 0);
	assert_memory_equal(f->buf + 8, "OVB     ", 8);
	run(f, &c, vpd, 6, 4096);
	assert_int_equal(c.status, 0);
	assert_int_equal(f->buf[3], sizeof(pages));
	assert_memory_equal(f->buf + 4, pages, sizeof(pages));
	for (unsigned int i = 0; i < sizeof(pages); i++) {
		vpd[2] = pages[i];
		run(f, &c, vpd, 6, 4096);
		assert_int_equal(c.status, 0);
		assert_int_equal(f->buf[1], pages[i]);
		assert_true(c.xfer_len >= 4);
	}
	vpd[2] = 0x80;
	run(f, &c, vpd, 6, 4096);
	assert_memory_equal(f->buf + 4, disk_backend_serial(f->b), f->buf[3]);
	vpd[2] = 0x83;
	run(f, &c, vpd, 6, 4096);
	assert_int_equal(f->buf[5] & 0xf, 3);		/* NAA */
	assert_int_equal(f->buf[8] >> 4, 6);
	vpd[2] = 0xb2;
	run(f, &c, vpd, 6, 4096);
	assert_int_equal(f->buf[5] & 0xc0, 0xc0);	/* LBPU, LBPWS */
	vpd[2] = 0x99;					/* unknown page */
	run(f, &c, vpd, 6, 4096);
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
	std[2] = 0x80;					/* page without EVPD */
	run(f, &c, std, 6, 4096);
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
	/* allocation length truncates */
	std[2] = 0;
	std[4] = 5;
	run(f, &c, std, 6, 4096);
	assert_int_equal(c.xfer_len, 5);
}

static void test_capacity(void **state)
{
	struct fx *f = *state;
	struct scsi_disk_cmd c;
	uint8_t rc10[10] = { 0x25 };
	uint8_t rc16[16] = { 0x9e, 0x10, [13] = 32 };

	run(f, &c, rc10, 10, 4096);
	assert_int_equal(c.status, 0);
	assert_int_equal(c.xfer_len, 8);
	assert_int_equal((f->buf[2] << 8) | f->buf[3], IMG_BLOCKS - 1);
	assert_int_equal((f->buf[6] << 8) | f->buf[7], 512);
	run(f, &c, rc16, 16, 4096);
	assert_int_equal(c.status, 0);
	assert_int_equal(c.xfer_len, 32);
	assert_int_equal((f->buf[6] << 8) | f->buf[7], IMG_BLOCKS - 1);
	assert_int_equal(f->buf[14] & 0x80, 0x80);	/* LBPME */
	assert_int_equal(f->buf[13], 3);		/* 4 KiB physical blocks */
	rc16[1] = 0x11;					/* other service action */
	run(f, &c, rc16, 16, 4096);
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0);
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed);
}

static void test_rw_all_sizes(void **state)
{
	struct fx *f = *state;
	struct scsi_disk_cmd c;
	uint8_t want[8192];
	uint8_t w6[6] = { 0x0a, 0, 0, 10, 16, 0 }, r6[6] = { 0x08, 0, 0, 10, 16, 0 };
	uint8_t w10[10] = { 0x2a, 0x08, 0, 0, 0, 40, 0, 0, 16, 0 };
	uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 40, 0, 0, 16, 0 };
	uint8_t w12[12] = { 0xaa, 0, 0, 0, 0, 80, 0, 0, 0, 16 };
	uint8_t r12[12] = { 0xa8, 0, 0, 0, 0, 80, 0, 0, 0, 16 };
	uint8_t w16[16] = { 0x8a, 0x08, [9] = 120, [13] = 16 };
	uint8_t r16[16] = { 0x88, 0, [9] = 120, [13] = 16 };
	const uint8_t *wr[] = { w6, w10, w12, w16 }, *rd[] = { r6, r10, r12, r16 };
	const unsigned int len[] = { 6, 10, 12, 16 };
	FILE *img;

	for (int i = 0; i < 4; i++) {
		fill(want, sizeof(want), (unsigned int)i);
		memcpy(f->buf, want, sizeof(want));
		run(f, &c, wr[i], len[i], sizeof(want));
		assert_int_equal(c.status, 0);
		assert_int_equal(c.xfer_len, 8192);
		memset(f->buf, 0, sizeof(want));
		run(f, &c, rd[i], len[i], sizeof(want));
		assert_int_equal(c.status, 0);
		assert_int_equal(c.xfer_len, 8192);
		assert_memory_equal(f->buf, want, sizeof(want));
	}
	/* And it is on the image where it should be (LBA 120 of WRITE(16)). */
	img = fopen(f->path, "rb");
	assert_non_null(img);
	assert_int_equal(fseek(img, 120 * 512, SEEK_SET), 0);
	assert_int_equal(fread(f->buf, 1, 8192, img), 8192);
	fclose(img);
	assert_memory_equal(f->buf, want, sizeof(want));
}

static void test_rw_errors(void **state)
{
	struct fx *f = *state;
	struct scsi_disk_cmd c;
	uint8_t r16[16] = { 0x88, 0, [6] = 0, [8] = (IMG_BLOCKS - 8) >> 8,
			    [9] = (IMG_BLOCKS - 8) & 0xff, [13] = 16 };
	uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 16, 0 };
	uint8_t huge[16] = { 0x88, 0, [12] = 0x10 };	/* 4096 blocks = 2 MiB */
	uint8_t bad_lba[16] = { 0x8a, 0, [2] = 0xff, [13] = 1 };

	run(f, &c, r16, 16, 8192);			/* crosses the end */
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0);
	run(f, &c, bad_lba, 16, 512);
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0);
	run(f, &c, r10, 10, 4096);			/* more than the buffer */
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
	huge[12] = 0x20;				/* 4 MiB: over the max */
	run(f, &c, huge, 16, sizeof(f->buf));
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
	run(f, &c, r10, 9, 8192);			/* short CDB */
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0);
	/* Host errors become sense */
	disk_backend_inject_error(f->b, EIO, 1);
	run(f, &c, r10, 10, 8192);
	assert_sense(&c, SCSI_SENSE_MEDIUM_ERROR, 0x11, 0);
	r10[0] = 0x2a;
	disk_backend_inject_error(f->b, EIO, 1);
	run(f, &c, r10, 10, 8192);
	assert_sense(&c, SCSI_SENSE_MEDIUM_ERROR, 0x0c, 0);
	disk_backend_inject_error(f->b, ENOSPC, 1);
	run(f, &c, r10, 10, 8192);
	assert_sense(&c, SCSI_SENSE_DATA_PROTECT, 0x27, 0x07);
	run(f, &c, r10, 10, 8192);			/* injection used up */
	assert_int_equal(c.status, 0);
	disk_backend_inject_error(f->b, EIO, 1);
	{
		uint8_t sync[10] = { 0x35 };

		run(f, &c, sync, 10, 0);
		assert_sense(&c, SCSI_SENSE_MEDIUM_ERROR, 0x0c, 0);
		run(f, &c, sync, 10, 0);
		assert_int_equal(c.status, 0);
	}
}

static void test_misc_commands(void **state)
{
	struct fx *f = *state;
	struct scsi_disk_cmd c;
	uint8_t tur[6] = { 0 }, ss[6] = { 0x1b, 0, 0, 0, 1, 0 }, rs[6] = { 0x03, 0, 0, 0, 18, 0 };
	uint8_t rl[12] = { 0xa0, [9] = 255 }, sync16[16] = { 0x91 };
	uint8_t unknown[10] = { 0x3b }, unknown2[6] = { 0x04 };

	run(f, &c, tur, 6, 0);
	assert_int_equal(c.status, 0);
	run(f, &c, ss, 6, 0);
	assert_int_equal(c.status, 0);
	run(f, &c, rs, 6, 4096);
	assert_int_equal(c.status, 0);
	assert_int_equal(c.xfer_len, 18);
	assert_int_equal(f->buf[0], 0x70);
	assert_int_equal(f->buf[2], 0);
	run(f, &c, rl, 12, 4096);
	assert_int_equal(c.status, 0);
	assert_int_equal(c.xfer_len, 16);
	assert_int_equal(f->buf[3], 8);
	run(f, &c, sync16, 16, 0);
	assert_int_equal(c.status, 0);
	run(f, &c, unknown, 10, 4096);
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0);
	run(f, &c, unknown2, 6, 0);
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0);
	run(f, &c, tur, 0, 0);
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0);
}

static void test_mode_sense(void **state)
{
	struct fx *f = *state;
	struct scsi_disk_cmd c;
	uint8_t ms6[6] = { 0x1a, 0, 0x08, 0, 255, 0 };
	uint8_t ms10[10] = { 0x5a, 0, 0x3f, 0, 0, 0, 0, 1, 0, 0 };

	run(f, &c, ms6, 6, 4096);
	assert_int_equal(c.status, 0);
	assert_int_equal(f->buf[0] + 1, c.xfer_len);
	assert_int_equal(f->buf[2] & 0x80, 0);		/* writable */
	assert_int_equal(f->buf[4], 0x08);
	assert_int_equal(f->buf[6] & 0x04, 0x04);	/* WCE */
	run(f, &c, ms10, 10, 4096);
	assert_int_equal(c.status, 0);
	assert_int_equal(((f->buf[0] << 8) | f->buf[1]) + 2, c.xfer_len);
	assert_int_equal(f->buf[8], 0x08);
	ms6[2] = 0x1c;					/* a page we lack */
	run(f, &c, ms6, 6, 4096);
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
}

static long allocated(struct fx *f)
{
	struct stat st;

	assert_int_equal(stat(f->path, &st), 0);
	return (long)st.st_blocks;
}

static void test_unmap_write_same(void **state)
{
	struct fx *f = *state;
	struct scsi_disk_cmd c;
	uint8_t w16[16] = { 0x8a, 0, [12] = 0x08 };	/* LBA 0, 2048 blocks = 1 MiB */
	uint8_t unmap[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0 };
	uint8_t ws[16] = { 0x93, 0x08, [9] = 0x00, [12] = 0x04 };	/* unmap 1024 @0 */
	uint8_t ws_data[16] = { 0x93, 0, [9] = 0x10, [13] = 4 };	/* 4 blocks @16 */
	uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 2, 0 };
	long before, after;

	memset(f->buf, 0xab, 1 << 20);
	run(f, &c, w16, 16, 1 << 20);
	assert_int_equal(c.status, 0);
	before = allocated(f);
	assert_true(before >= 2048);
	/* UNMAP the second half (LBA 1024, 1024 blocks) */
	memset(f->buf, 0, 24);
	f->buf[1] = 22;
	f->buf[3] = 16;
	f->buf[8 + 6] = 0x04;			/* LBA 1024 */
	f->buf[8 + 10] = 0x04;			/* 1024 blocks */
	run(f, &c, unmap, 10, 24);
	assert_int_equal(c.status, 0);
	after = allocated(f);
	assert_true(after <= before - 1024);
	/* WRITE SAME(16) with UNMAP the first half */
	run(f, &c, ws, 16, 512);
	assert_int_equal(c.status, 0);
	assert_true(allocated(f) <= after - 1024);
	memset(f->buf, 0x55, 1024);
	run(f, &c, r10, 10, 1024);
	assert_int_equal(c.status, 0);
	for (int i = 0; i < 1024; i++)
		assert_int_equal(f->buf[i], 0);
	/* WRITE SAME(16) with data */
	memset(f->buf, 0x5a, 512);
	run(f, &c, ws_data, 16, 512);
	assert_int_equal(c.status, 0);
	r10[5] = 16;
	r10[8] = 4;
	memset(f->buf, 0, 2048);
	run(f, &c, r10, 10, 2048);
	for (int i = 0; i < 2048; i++)
		assert_int_equal(f->buf[i], 0x5a);
	/* out of range UNMAP descriptor, and a malformed parameter list */
	memset(f->buf, 0, 24);
	f->buf[3] = 16;
	f->buf[8 + 2] = 0xff;
	f->buf[8 + 11] = 1;
	run(f, &c, unmap, 10, 24);
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0);
	f->buf[3] = 17;
	run(f, &c, unmap, 10, 24);
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0);
	ws[13] = 0;
	ws[12] = 0;				/* zero blocks: not supported */
	run(f, &c, ws, 16, 512);
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
}

/*
 * WRITE SAME runs under its LUN's read lock (storvsp_proto.c), so its
 * length is bounded: the block limits page says SCSI_DISK_MAX_WRITE_SAME
 * and a longer one is refused (INVALID FIELD IN CDB) on a disk that has
 * room for it; one of exactly that length is done. Before the bound, the
 * page said 0xffffffff and the longer command wrote on.
 */
static void test_write_same_bounded(void **state)
{
	struct fx *f = *state;
	struct scsi_disk_cmd c;
	const uint32_t max = SCSI_DISK_MAX_WRITE_SAME, blocks = 4 * max;
	uint8_t vpd[6] = { 0x12, 0x01, 0xb0, 0, 64, 0 };
	uint8_t ws[16] = { 0x93, 0 };
	uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	uint64_t adv = 0;

	/* a disk four times the bound (sparse) */
	scsi_disk_free(f->d);
	disk_backend_close(f->b);
	assert_int_equal(truncate(f->path, (off_t)blocks * 512), 0);
	assert_int_equal(fx_open(f, false), 0);
	run(f, &c, vpd, 6, 64);
	assert_int_equal(c.status, 0);
	for (int i = 36; i < 44; i++)
		adv = adv << 8 | f->buf[i];
	assert_int_equal(adv, max);
	memset(f->buf, 0x6c, 512);
	for (int i = 0; i < 4; i++)
		ws[10 + i] = (uint8_t)((max + 1) >> (24 - 8 * i));
	run(f, &c, ws, 16, 512);
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
	ws[1] = 0x08;				/* with UNMAP: the same bound */
	run(f, &c, ws, 16, 512);
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
	/* exactly the bound, at LBA max: written, its last block too */
	ws[1] = 0;
	for (int i = 0; i < 4; i++)
		ws[10 + i] = (uint8_t)(max >> (24 - 8 * i));
	ws[7] = (uint8_t)(max >> 16);
	ws[8] = (uint8_t)(max >> 8);
	ws[9] = (uint8_t)max;
	run(f, &c, ws, 16, 512);
	assert_int_equal(c.status, 0);
	r10[3] = (uint8_t)((2 * max - 1) >> 16);
	r10[4] = (uint8_t)((2 * max - 1) >> 8);
	r10[5] = (uint8_t)(2 * max - 1);
	memset(f->buf, 0, 512);
	run(f, &c, r10, 10, 512);
	assert_int_equal(c.status, 0);
	assert_int_equal(f->buf[0], 0x6c);
	assert_int_equal(f->buf[511], 0x6c);
}

/*
 * A VHDX made with 4096-byte logical sectors is a 4Kn disk: READ CAPACITY
 * and the block limits count 4 KiB blocks, one logical block per physical
 * block, and LBAs address 4 KiB each. One with 512-byte physical sectors
 * (as qemu-img makes them) reports them.
 */
static void test_4k_vhdx(void **state)
{
	struct fx *f = *state;
	struct scsi_disk_cmd c;
	uint8_t rc10[10] = { 0x25 }, rc16[16] = { 0x9e, 0x10, [13] = 32 };
	uint8_t bl[6] = { 0x12, 1, 0xb0, 0, 64, 0 };
	uint8_t w10[10] = { 0x2a, 0, 0, 0, 0, 3, 0, 0, 2, 0 };	/* LBA 3, 2 blocks */
	uint8_t ws[16] = { 0x93, 0, [9] = 9, [13] = 2 };	/* WRITE SAME LBA 9, 2 blocks */
	struct vhdx_create_opts o = { .type = VHDX_DYNAMIC, .size = 4 << 20, .block_size = 1 << 20,
				      .logical_sector = 4096 };
	struct disk_backend_opts bo = { .format = DISK_FORMAT_VHDX };
	static uint8_t want[8192], got[3 * 4096];
	struct iovec v = { got, sizeof(got) };
	const char *why;

	scsi_disk_free(f->d);
	disk_backend_close(f->b);
	assert_int_equal(vhdx_create(f->path, &o, &why), 0);
	f->b = disk_backend_open(f->path, &bo);
	assert_non_null(f->b);
	f->d = scsi_disk_new(f->b, 0);
	run(f, &c, rc10, 10, 4096);
	assert_int_equal(c.status, 0);
	assert_int_equal((f->buf[2] << 8) | f->buf[3], 1023);
	assert_int_equal((f->buf[6] << 8) | f->buf[7], 4096);
	run(f, &c, rc16, 16, 4096);
	assert_int_equal(c.status, 0);
	assert_int_equal((f->buf[6] << 8) | f->buf[7], 1023);
	assert_int_equal((f->buf[10] << 8) | f->buf[11], 4096);
	assert_int_equal(f->buf[13], 0);
	run(f, &c, bl, 6, 64);
	assert_int_equal(c.status, 0);
	assert_int_equal((f->buf[6] << 8) | f->buf[7], 1);			/* optimal granularity */
	assert_int_equal((f->buf[10] << 8) | f->buf[11], 2u * 1024 * 1024 / 4096);	/* max transfer */
	assert_int_equal((f->buf[42] << 8) | f->buf[43], 16u * 1024 * 1024 / 4096);	/* max write same */
	fill(want, sizeof(want), 9);
	memcpy(f->buf, want, sizeof(want));
	run(f, &c, w10, 10, sizeof(want));
	assert_int_equal(c.status, 0);
	assert_int_equal(c.xfer_len, 8192);
	assert_int_equal(disk_backend_readv(f->b, &v, 1, 2 * 4096), 0);
	assert_true(!got[0] && !got[4095]);			/* LBA 2 untouched */
	assert_memory_equal(got + 4096, want, sizeof(want));	/* LBAs 3-4 at 12 KiB */
	/* WRITE SAME's one block is a whole 4 KiB block, repeated. */
	memcpy(f->buf, want, 4096);
	run(f, &c, ws, 16, 4096);
	assert_int_equal(c.status, 0);
	assert_int_equal(disk_backend_readv(f->b, &v, 1, 9 * 4096), 0);
	assert_memory_equal(got, want, 4096);
	assert_memory_equal(got + 4096, want, 4096);
	assert_true(!got[8192] && !got[3 * 4096 - 1]);
	/* 512-byte logical and physical sectors (qemu-img's): no 4 KiB physical blocks claimed. */
	scsi_disk_free(f->d);
	disk_backend_close(f->b);
	o.logical_sector = 512;
	o.physical_sector = 512;
	assert_int_equal(vhdx_create(f->path, &o, &why), 0);
	f->b = disk_backend_open(f->path, &bo);
	assert_non_null(f->b);
	f->d = scsi_disk_new(f->b, 0);
	run(f, &c, rc16, 16, 4096);
	assert_int_equal((f->buf[10] << 8) | f->buf[11], 512);
	assert_int_equal(f->buf[13], 0);
}

static void test_read_only(void **state)
{
	struct fx *f = *state;
	struct scsi_disk_cmd c;
	uint8_t w10[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	uint8_t ms6[6] = { 0x1a, 0, 0x3f, 0, 255, 0 };
	uint8_t ws[16] = { 0x93, 0x08, [13] = 1 };
	char serial[24];
	uint64_t wwn = disk_backend_wwn(f->b);

	snprintf(serial, sizeof(serial), "%s", disk_backend_serial(f->b));
	scsi_disk_free(f->d);
	disk_backend_close(f->b);
	assert_int_equal(fx_open(f, true), 0);
	/* identity is stable across re-opens */
	assert_string_equal(disk_backend_serial(f->b), serial);
	assert_true(disk_backend_wwn(f->b) == wwn);
	run(f, &c, w10, 10, 512);
	assert_sense(&c, SCSI_SENSE_DATA_PROTECT, 0x27, 0);
	run(f, &c, ws, 16, 512);
	assert_sense(&c, SCSI_SENSE_DATA_PROTECT, 0x27, 0);
	run(f, &c, r10, 10, 512);
	assert_int_equal(c.status, 0);
	run(f, &c, ms6, 6, 4096);
	assert_int_equal(c.status, 0);
	assert_int_equal(f->buf[2] & 0x80, 0x80);	/* WP */
}

static void test_serial_option(void **state)
{
	struct fx *f = *state;
	struct disk_backend_opts o = { .serial = "MYSERIAL" };
	struct disk_backend *b = disk_backend_open(f->path, &o);
	struct disk_backend *b2 = disk_backend_open(f->path, &o);

	assert_non_null(b);
	assert_string_equal(disk_backend_serial(b), "MYSERIAL");
	assert_true(disk_backend_wwn(b) == disk_backend_wwn(b2));
	assert_true(disk_backend_wwn(b) != disk_backend_wwn(f->b));
	disk_backend_close(b);
	disk_backend_close(b2);
	assert_null(disk_backend_open("/nonexistent/x.img", NULL));
}

static void test_no_lun_and_report(void **state)
{
	struct fx *f = *state;
	struct scsi_disk_cmd c;
	uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 }, tur[6] = { 0 };
	uint8_t rl[12] = { 0xa0, [9] = 255 };
	const uint8_t luns[3] = { 0, 1, 5 };
	struct iovec v = { f->buf, 4096 };

	memset(&c, 0, sizeof(c));
	c.cdb = inq;
	c.cdb_len = 6;
	c.iov = &v;
	c.iovcnt = 1;
	c.buf_len = 4096;
	scsi_no_lun(&c);
	assert_int_equal(c.status, 0);
	assert_int_equal(f->buf[0], 0x7f);
	c.cdb = tur;
	scsi_no_lun(&c);
	assert_sense(&c, SCSI_SENSE_ILLEGAL_REQUEST, 0x25, 0);
	c.cdb = rl;
	c.cdb_len = 12;
	scsi_report_luns(&c, luns, 3);
	assert_int_equal(c.status, 0);
	assert_int_equal(c.xfer_len, 32);
	assert_int_equal(f->buf[3], 24);
	assert_int_equal(f->buf[8 + 16 + 1], 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inquiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capacity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rw_all_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rw_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misc_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode_sense, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_write_same, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_same_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_4k_vhdx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serial_option, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_lun_and_report, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
