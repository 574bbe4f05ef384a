// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * SCSI disk target. Command set and field positions from SBC-3/SPC-4 (as
 * used by Linux drivers/scsi/sd.c); sense is fixed format (0x70).
 */
#include "hostside/storvsp/scsi_disk.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/log.h"

struct scsi_disk {
	struct disk_backend *b;
	uint8_t lun;
	uint32_t bs;		/* the logical block: what LBAs count */
	uint8_t exp;		/* logical blocks per physical block, log2 */
};

#define ASC_INVALID_OPCODE	0x20, 0x00
#define ASC_LBA_OUT_OF_RANGE	0x21, 0x00
#define ASC_INVALID_FIELD_CDB	0x24, 0x00
#define ASC_INVALID_FIELD_PARAM	0x26, 0x00
#define ASC_WRITE_PROTECTED	0x27, 0x00
#define ASC_SPACE_ALLOC_FAILED	0x27, 0x07
#define ASC_UNRECOVERED_READ	0x11, 0x00
#define ASC_WRITE_ERROR		0x0c, 0x00
#define ASC_LUN_NOT_SUPPORTED	0x25, 0x00
#define ASC_INTERNAL_FAILURE	0x44, 0x00

static uint16_t get_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t get_be64(const uint8_t *p) { return (uint64_t)get_be32(p) << 32 | get_be32(p + 4); }
static void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put_be32(uint8_t *p, uint32_t v) { put_be16(p, (uint16_t)(v >> 16)); put_be16(p + 2, (uint16_t)v); }
static void put_be64(uint8_t *p, uint64_t v) { put_be32(p, (uint32_t)(v >> 32)); put_be32(p + 4, (uint32_t)v); }

static void scsi_sense_set(struct scsi_disk_cmd *c, uint8_t key, uint8_t asc, uint8_t ascq)
{
	c->status = SCSI_STATUS_CHECK_CONDITION;
	memset(c->sense, 0, sizeof(c->sense));
	c->sense[0] = 0x70;		/* current error, fixed format */
	c->sense[2] = key;
	c->sense[7] = SCSI_DISK_SENSE_LEN - 8;
	c->sense[12] = asc;
	c->sense[13] = ascq;
	c->sense_len = SCSI_DISK_SENSE_LEN;
	c->xfer_len = 0;
}

static void scsi_errno_sense(struct scsi_disk_cmd *c, int err, bool write)
{
	if (err != -EINVAL)	/* EINVAL: the guest's request was out of range */
		log_io("storvsp: disk %s failed on the host: %s", write ? "write" : "read",
		       strerror(-err));
	switch (err) {
	case -ENOSPC:
	case -EDQUOT:
		scsi_sense_set(c, SCSI_SENSE_DATA_PROTECT, ASC_SPACE_ALLOC_FAILED);
		break;
	case -EROFS:
		scsi_sense_set(c, SCSI_SENSE_DATA_PROTECT, ASC_WRITE_PROTECTED);
		break;
	case -EINVAL:
		scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
		break;
	case -EIO:
	default:
		if (write)
			scsi_sense_set(c, SCSI_SENSE_MEDIUM_ERROR, ASC_WRITE_ERROR);
		else
			scsi_sense_set(c, SCSI_SENSE_MEDIUM_ERROR, ASC_UNRECOVERED_READ);
		break;
	}
}

/* Copy @len bytes of a response into the data buffer, truncating to it. */
static void scsi_reply(struct scsi_disk_cmd *c, const void *buf, uint32_t len)
{
	const uint8_t *s = buf;
	uint32_t left = len < c->buf_len ? len : c->buf_len;

	c->status = SCSI_STATUS_GOOD;
	c->sense_len = 0;
	c->xfer_len = left;
	for (int i = 0; i < c->iovcnt && left; i++) {
		size_t n = c->iov[i].iov_len < left ? c->iov[i].iov_len : left;

		memcpy(c->iov[i].iov_base, s, n);
		s += n;
		left -= (uint32_t)n;
	}
}

/* Gather up to @len bytes of parameter data; returns how many. */
static uint32_t scsi_gather(const struct scsi_disk_cmd *c, void *buf, uint32_t len)
{
	uint8_t *d = buf;
	uint32_t want = len < c->buf_len ? len : c->buf_len, left = want;

	for (int i = 0; i < c->iovcnt && left; i++) {
		size_t n = c->iov[i].iov_len < left ? c->iov[i].iov_len : left;

		memcpy(d, c->iov[i].iov_base, n);
		d += n;
		left -= (uint32_t)n;
	}
	return want - left;
}

static void scsi_good(struct scsi_disk_cmd *c)
{
	c->status = SCSI_STATUS_GOOD;
	c->sense_len = 0;
	c->xfer_len = 0;
}

struct scsi_disk *scsi_disk_new(struct disk_backend *b, uint8_t lun)
{
	struct scsi_disk *d = calloc(1, sizeof(*d));

	if (d) {
		uint32_t bs = disk_backend_logical_block(b), ps = disk_backend_physical_block(b);

		d->b = b;
		d->lun = lun;
		/* The back end says 512 or 4096; anything else is treated as 512. */
		d->bs = bs == SCSI_DISK_MAX_BLOCK ? bs : SCSI_DISK_BLOCK_SIZE;
		while (d->exp < 3 && (d->bs << (d->exp + 1)) <= ps)
			d->exp++;
	}
	return d;
}

void scsi_disk_free(struct scsi_disk *d) { free(d); }

static uint64_t scsi_disk_blocks(const struct scsi_disk *d)
{
	return disk_backend_size(d->b) / d->bs;
}

static void scsi_disk_inquiry(struct scsi_disk *d, struct scsi_disk_cmd *c)
{
	uint8_t r[96];
	uint16_t n;
	bool evpd = c->cdb[1] & 1;
	uint8_t page = c->cdb[2];
	bool ro = disk_backend_read_only(d->b);

	memset(r, 0, sizeof(r));
	if (!evpd) {
		if (page) {
			scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
			return;
		}
		r[0] = 0x00;		/* direct-access block device */
		r[2] = 0x06;		/* SPC-4 */
		r[3] = 0x02;		/* response data format 2 */
		r[4] = 36 - 5;
		r[7] = 0x02;		/* CMDQUE */
		memcpy(r + 8, "OVB     ", 8);
		memcpy(r + 16, "Virtual Disk    ", 16);
		memcpy(r + 32, "1.0 ", 4);
		n = 36;
	} else {
		r[1] = page;
		switch (page) {
		case 0x00: {
			static const uint8_t pages[] = { 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 };

			memcpy(r + 4, pages, sizeof(pages));
			n = 4 + sizeof(pages);
			break;
		}
		case 0x80: {
			const char *s = disk_backend_serial(d->b);
			size_t l = strlen(s);

			memcpy(r + 4, s, l);
			n = (uint16_t)(4 + l);
			break;
		}
		case 0x83:
			r[4] = 0x01;	/* binary code set */
			r[5] = 0x03;	/* associated with the LU, designator NAA */
			r[7] = 8;
			put_be64(r + 8, disk_backend_wwn(d->b));
			n = 16;
			break;
		case 0xb0:	/* block limits */
			put_be16(r + 6, 1u << d->exp);	/* optimal granularity: a physical block */
			put_be32(r + 8, SCSI_DISK_MAX_XFER / d->bs);
			put_be32(r + 12, SCSI_DISK_MAX_XFER / d->bs);
			if (!ro) {
				put_be32(r + 20, 0xffffffffu);	/* max unmap LBA count */
				put_be32(r + 24, 64);		/* max unmap descriptors */
				put_be32(r + 28, 1u << d->exp);	/* unmap granularity */
				put_be64(r + 36, SCSI_DISK_MAX_WRITE_SAME_BYTES / d->bs);
			}
			n = 64;
			break;
		case 0xb1:	/* block device characteristics */
			put_be16(r + 4, 1);	/* non-rotating */
			n = 64;
			break;
		case 0xb2:	/* logical block provisioning */
			if (!ro) {
				r[5] = 0x80 | 0x40 | 0x04;	/* LBPU, LBPWS, LBPRZ */
				r[6] = 0x02;			/* thin provisioned */
			}
			n = 8;
			break;
		default:
			scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
			return;
		}
		put_be16(r + 2, (uint16_t)(n - 4));
	}
	scsi_reply(c, r, n < get_be16(c->cdb + 3) ? n : get_be16(c->cdb + 3));
}

static void scsi_disk_mode_sense(struct scsi_disk *d, struct scsi_disk_cmd *c, bool ten)
{
	uint8_t r[64];
	uint8_t page = c->cdb[2] & 0x3f, pc = c->cdb[2] >> 6;
	uint32_t hdr = ten ? 8 : 4, n = hdr, alloc;

	if (pc == 3) {	/* saved values: not supported */
		scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, 0x39, 0x00);
		return;
	}
	if (page != 0x08 && page != 0x0a && page != 0x3f) {
		scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		return;
	}
	memset(r, 0, sizeof(r));
	if (page == 0x08 || page == 0x3f) {	/* caching */
		r[n] = 0x08;
		r[n + 1] = 0x12;
		if (pc != 1)
			r[n + 2] = 0x04;	/* WCE: the host page cache is a write cache */
		n += 20;
	}
	if (page == 0x0a || page == 0x3f) {	/* control */
		r[n] = 0x0a;
		r[n + 1] = 0x0a;
		n += 12;
	}
	/* device-specific: WP for read-only disks, DPOFUA: FUA is honoured */
	if (ten) {
		put_be16(r, (uint16_t)(n - 2));
		r[3] = (disk_backend_read_only(d->b) ? 0x80 : 0) | 0x10;
		alloc = get_be16(c->cdb + 7);
	} else {
		r[0] = (uint8_t)(n - 1);
		r[2] = (disk_backend_read_only(d->b) ? 0x80 : 0) | 0x10;
		alloc = c->cdb[4];
	}
	scsi_reply(c, r, n < alloc ? n : alloc);
}

/* Build the iovec covering the first @len bytes of the data buffer. */
static int scsi_iov_prefix(const struct scsi_disk_cmd *c, uint32_t len, struct iovec **out)
{
	struct iovec *v = calloc((size_t)(c->iovcnt ? c->iovcnt : 1), sizeof(*v));
	int n = 0;

	if (!v)
		return -ENOMEM;
	for (int i = 0; i < c->iovcnt && len; i++, n++) {
		v[n] = c->iov[i];
		if (v[n].iov_len > len)
			v[n].iov_len = len;
		len -= (uint32_t)v[n].iov_len;
	}
	*out = v;
	return n;
}

static void scsi_disk_rw(struct scsi_disk *d, struct scsi_disk_cmd *c, uint64_t lba,
			 uint32_t nblocks, bool write, bool fua)
{
	uint64_t blocks = scsi_disk_blocks(d);
	uint64_t bytes = (uint64_t)nblocks * d->bs;
	struct iovec *v;
	int n, ret;

	if (lba > blocks || nblocks > blocks - lba) {
		scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
		return;
	}
	if (bytes > SCSI_DISK_MAX_XFER || bytes > c->buf_len) {
		scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		return;
	}
	if (write && disk_backend_read_only(d->b)) {
		scsi_sense_set(c, SCSI_SENSE_DATA_PROTECT, ASC_WRITE_PROTECTED);
		return;
	}
	if (!nblocks) {
		scsi_good(c);
		return;
	}
	n = scsi_iov_prefix(c, (uint32_t)bytes, &v);
	if (n < 0) {
		scsi_sense_set(c, SCSI_SENSE_HARDWARE_ERROR, ASC_INTERNAL_FAILURE);
		return;
	}
	if (write)
		ret = disk_backend_writev(d->b, v, n, lba * d->bs, fua);
	else
		ret = disk_backend_readv(d->b, v, n, lba * d->bs);
	free(v);
	if (ret) {
		scsi_errno_sense(c, ret, write);
		return;
	}
	scsi_good(c);
	c->xfer_len = (uint32_t)bytes;
}

static void scsi_disk_discard(struct scsi_disk *d, struct scsi_disk_cmd *c, uint64_t lba,
			      uint64_t nblocks)
{
	uint64_t blocks = scsi_disk_blocks(d);
	int ret;

	if (disk_backend_read_only(d->b)) {
		scsi_sense_set(c, SCSI_SENSE_DATA_PROTECT, ASC_WRITE_PROTECTED);
		return;
	}
	if (lba > blocks || nblocks > blocks - lba) {
		scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
		return;
	}
	ret = nblocks ? disk_backend_discard(d->b, lba * d->bs, nblocks * d->bs) : 0;
	if (ret)
		scsi_errno_sense(c, ret, true);
	else
		scsi_good(c);
}

static void scsi_disk_unmap(struct scsi_disk *d, struct scsi_disk_cmd *c)
{
	uint8_t p[8 + 64 * 16];
	uint32_t plen = get_be16(c->cdb + 7), got, dlen;

	if (!plen) {
		scsi_good(c);
		return;
	}
	if (plen < 8 || plen > c->buf_len) {
		scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		return;
	}
	got = scsi_gather(c, p, plen < sizeof(p) ? plen : (uint32_t)sizeof(p));
	dlen = get_be16(p + 2);
	if (got < 8 || dlen % 16 || dlen > got - 8) {
		scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD_PARAM);
		return;
	}
	/* Check every descriptor before punching anything. */
	for (uint32_t o = 8; o < 8 + dlen; o += 16) {
		uint64_t lba = get_be64(p + o), nb = get_be32(p + o + 8);

		if (lba > scsi_disk_blocks(d) || nb > scsi_disk_blocks(d) - lba) {
			scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
			return;
		}
	}
	for (uint32_t o = 8; o < 8 + dlen; o += 16) {
		scsi_disk_discard(d, c, get_be64(p + o), get_be32(p + o + 8));
		if (c->status != SCSI_STATUS_GOOD)
			return;
	}
	scsi_good(c);
}

static void scsi_disk_write_same(struct scsi_disk *d, struct scsi_disk_cmd *c)
{
	uint64_t lba = get_be64(c->cdb + 2), blocks = scsi_disk_blocks(d);
	uint32_t nb = get_be32(c->cdb + 10);
	uint8_t block[SCSI_DISK_MAX_BLOCK];
	uint8_t *chunk;
	const uint32_t per = 128;	/* blocks per write */

	/* Longer than the block limits page allows: SBC's INVALID FIELD IN CDB. */
	if (!nb || nb > SCSI_DISK_MAX_WRITE_SAME_BYTES / d->bs ||
	    (c->cdb[1] & 0x01) /* NDOB unsupported */) {
		scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		return;
	}
	if (c->cdb[1] & 0x08) {		/* UNMAP: holes read back as zeroes (LBPRZ) */
		scsi_disk_discard(d, c, lba, nb);
		return;
	}
	if (disk_backend_read_only(d->b)) {
		scsi_sense_set(c, SCSI_SENSE_DATA_PROTECT, ASC_WRITE_PROTECTED);
		return;
	}
	if (lba > blocks || nb > blocks - lba) {
		scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
		return;
	}
	if (scsi_gather(c, block, d->bs) != d->bs) {
		scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD_CDB);
		return;
	}
	chunk = malloc((size_t)per * d->bs);
	if (!chunk) {
		scsi_sense_set(c, SCSI_SENSE_HARDWARE_ERROR, ASC_INTERNAL_FAILURE);
		return;
	}
	for (uint32_t i = 0; i < per; i++)
		memcpy(chunk + (size_t)i * d->bs, block, d->bs);
	while (nb) {
		uint32_t k = nb < per ? nb : per;
		struct iovec v = { chunk, (size_t)k * d->bs };
		int ret = disk_backend_writev(d->b, &v, 1, lba * d->bs, false);

		if (ret) {
			free(chunk);
			scsi_errno_sense(c, ret, true);
			return;
		}
		lba += k;
		nb -= k;
	}
	free(chunk);
	scsi_good(c);
}

void scsi_report_luns(struct scsi_disk_cmd *c, const uint8_t *luns, unsigned int n)
{
	uint8_t r[8 + 256 * 8];
	uint32_t alloc = get_be32(c->cdb + 6);

	if (n > 256)
		n = 256;
	memset(r, 0, 8 + (size_t)n * 8);
	put_be32(r, n * 8);
	for (unsigned int i = 0; i < n; i++)
		r[8 + i * 8 + 1] = luns[i];	/* peripheral addressing, bus 0 */
	scsi_reply(c, r, 8 + n * 8 < alloc ? 8 + n * 8 : alloc);
}

void scsi_no_lun(struct scsi_disk_cmd *c)
{
	if (c->cdb_len >= 6 && c->cdb[0] == 0x12 && !(c->cdb[1] & 1)) {
		uint8_t r[36] = { 0x7f, 0, 0x06, 0x02, 31 };
		uint32_t alloc = get_be16(c->cdb + 3);

		scsi_reply(c, r, alloc < 36 ? alloc : 36);
		return;
	}
	scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_LUN_NOT_SUPPORTED);
}

/* CDB length implied by the opcode's group code (SPC-4 4.2.5.1). */
static unsigned int scsi_cdb_len(uint8_t op)
{
	static const uint8_t len[8] = { 6, 10, 10, 0, 16, 12, 0, 0 };

	return len[op >> 5];
}

void scsi_disk_execute(struct scsi_disk *d, struct scsi_disk_cmd *c)
{
	const uint8_t *cdb = c->cdb;
	unsigned int need;

	c->xfer_len = 0;
	c->sense_len = 0;
	c->status = SCSI_STATUS_GOOD;
	if (!c->cdb_len) {
		scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
		return;
	}
	need = scsi_cdb_len(cdb[0]);
	if (!need || c->cdb_len < need) {
		scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
		return;
	}
	switch (cdb[0]) {
	case 0x00:	/* TEST UNIT READY */
	case 0x1b:	/* START STOP UNIT */
		scsi_good(c);
		return;
	case 0x03: {	/* REQUEST SENSE: nothing deferred to report */
		uint8_t r[SCSI_DISK_SENSE_LEN] = { 0x70, 0, 0, 0, 0, 0, 0, 10 };

		scsi_reply(c, r, cdb[4] < sizeof(r) ? cdb[4] : (uint32_t)sizeof(r));
		return;
	}
	case 0x12:
		scsi_disk_inquiry(d, c);
		return;
	case 0x25: {	/* READ CAPACITY(10) */
		uint8_t r[8];
		uint64_t last = scsi_disk_blocks(d) - 1;

		put_be32(r, last > 0xffffffffu ? 0xffffffffu : (uint32_t)last);
		put_be32(r + 4, d->bs);
		scsi_reply(c, r, sizeof(r));
		return;
	}
	case 0x9e:	/* SERVICE ACTION IN(16) */
		if ((cdb[1] & 0x1f) == 0x10) {	/* READ CAPACITY(16) */
			uint8_t r[32];
			uint32_t alloc = get_be32(cdb + 10);

			memset(r, 0, sizeof(r));
			put_be64(r, scsi_disk_blocks(d) - 1);
			put_be32(r + 8, d->bs);
			r[13] = d->exp;	/* logical blocks per physical block, log2 */
			if (!disk_backend_read_only(d->b))
				r[14] = 0x80 | 0x40;	/* LBPME, LBPRZ */
			scsi_reply(c, r, alloc < sizeof(r) ? alloc : (uint32_t)sizeof(r));
			return;
		}
		break;
	case 0x08:
	case 0x0a:	/* READ(6) / WRITE(6) */
		scsi_disk_rw(d, c, (uint64_t)(cdb[1] & 0x1f) << 16 | get_be16(cdb + 2),
			     cdb[4] ? cdb[4] : 256, cdb[0] == 0x0a, false);
		return;
	case 0x28:
	case 0x2a:	/* READ(10) / WRITE(10) */
		scsi_disk_rw(d, c, get_be32(cdb + 2), get_be16(cdb + 7), cdb[0] == 0x2a,
			     cdb[1] & 0x08);
		return;
	case 0xa8:
	case 0xaa:	/* READ(12) / WRITE(12) */
		scsi_disk_rw(d, c, get_be32(cdb + 2), get_be32(cdb + 6), cdb[0] == 0xaa,
			     cdb[1] & 0x08);
		return;
	case 0x88:
	case 0x8a:	/* READ(16) / WRITE(16) */
		scsi_disk_rw(d, c, get_be64(cdb + 2), get_be32(cdb + 10), cdb[0] == 0x8a,
			     cdb[1] & 0x08);
		return;
	case 0x35:
	case 0x91: {	/* SYNCHRONIZE CACHE(10/16) */
		int ret = disk_backend_flush(d->b);

		if (ret)
			scsi_errno_sense(c, ret, true);
		else
			scsi_good(c);
		return;
	}
	case 0x42:
		scsi_disk_unmap(d, c);
		return;
	case 0x93:
		scsi_disk_write_same(d, c);
		return;
	case 0x1a:
		scsi_disk_mode_sense(d, c, false);
		return;
	case 0x5a:
		scsi_disk_mode_sense(d, c, true);
		return;
	case 0xa0:
		scsi_report_luns(c, &d->lun, 1);
		return;
	default:
		break;
	}
	scsi_sense_set(c, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
}
