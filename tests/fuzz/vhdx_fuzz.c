// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: a VHDX file's untrusted metadata and its log. A VHDX
 * is at least a few MiB of mostly zeros (its regions are 1 MiB aligned),
 * so the input describes a sparse file:
 *   u64 LE file size (capped), then records: u32 LE 4 KiB page, u16 LE n, n bytes
 * (the seeds are real images, ours and QEMU's, written that way: every
 * non-zero page). First the pure layer on the key parts (file identifier,
 * both headers, both region tables, the metadata, the BAT, every 4 KiB of
 * the log as an entry); then the image itself from a memfd through
 * vhdx.c: check, open writable (which replays a log), read across its
 * first blocks and at its end, write whole logical sectors (allocating
 * through the log; a 4Kn image also refuses a part of one),
 * discard, close; then all of it again with the CRCs made right, so that
 * mutated fields get past them. Parents may only come from the fuzzer's
 * own directory, so a locator never opens a host file; it holds one
 * parent, p.vhdx (empty, 8 MiB, DataWriteGuid all 0x11 bytes), which a
 * child naming it opens over (the image is reached
 * through a link in that directory, so a relative locator resolves
 * there): a child's writes then go through its sector bitmaps, whose
 * places in the file are the input's.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hostside/disk/vhd.h"
#include "hostside/disk/vhdx.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FILE	(96u << 20)	/* sparse in the memfd */

static char empty_dir[64];
static uint8_t buf[256 << 10];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	vhdx_guid g;
	/* Empty: written into, it would take a new DataWriteGuid, which no input knows. */
	struct vhdx_create_opts o = { .type = VHDX_DYNAMIC, .size = 8u << 20, .block_size = 1u << 20,
				      .data_write = &g };
	char p[96];
	const char *why;

	snprintf(empty_dir, sizeof(empty_dir), "/tmp/vhdx_fuzz.XXXXXX");
	if (!mkdtemp(empty_dir))
		return -1;
	memset(&g, 0x11, sizeof(g));
	snprintf(p, sizeof(p), "%s/p.vhdx", empty_dir);
	return vhdx_create(p, &o, &why) ? -1 : 0;
}

/* The sparse file the input describes, in a memfd; -1 if it has none. */
static int build(const uint8_t *d, size_t n)
{
	uint64_t size;
	int fd;

	if (n < 8)
		return -1;
	size = vhdx_le64(d) % MAX_FILE;
	fd = memfd_create("vhdx_fuzz", 0);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return -1;
	}
	for (size_t at = 8; n - at >= 6;) {
		uint64_t off = (uint64_t)vhdx_le32(d + at) * 4096;
		size_t len = vhdx_le16(d + at + 4);

		at += 6;
		if (len > n - at)
			len = n - at;
		if (off + len <= size && vhd_pwrite(fd, d + at, len, off)) {
			close(fd);
			return -1;
		}
		at += len;
	}
	return fd;
}

static void pure(int fd, uint64_t size)
{
	uint8_t *h0 = malloc(VHDX_REGION_SIZE), *h1 = malloc(VHDX_HEADER_SIZE), *rt = malloc(VHDX_REGION_SIZE);
	struct vhdx_info vi = { 0 };
	uint8_t *meta = NULL, *log = NULL;
	uint64_t *bat = NULL;
	struct vhdx_log_desc *d = NULL;
	char creator[128];

	if (!h0 || !h1 || !rt)
		goto out;
	if (!vhd_pread(fd, h0, VHDX_REGION_SIZE, 0))
		vhdx_file_id_parse(h0, VHDX_REGION_SIZE, creator, sizeof(creator));
	if (vhd_pread(fd, h0, VHDX_HEADER_SIZE, VHDX_HEADER_OFF(0)) ||
	    vhd_pread(fd, h1, VHDX_HEADER_SIZE, VHDX_HEADER_OFF(1)) ||
	    vhdx_header_pick(h0, h1, size, &vi.hdr) < 0)
		goto out;
	/* The log, each 4 KiB as the start of an entry. */
	if (!vhdx_guid_is_zero(&vi.hdr.log_guid) && vi.hdr.log_length <= (8u << 20)) {
		uint32_t max = vi.hdr.log_length / VHDX_LOG_DESC;

		log = malloc(vi.hdr.log_length);
		d = malloc(max * sizeof(*d));
		if (log && d && !vhd_pread(fd, log, vi.hdr.log_length, vi.hdr.log_offset)) {
			for (uint32_t p = 0; p < vi.hdr.log_length; p += VHDX_LOG_SECTOR) {
				struct vhdx_log_entry e;
				uint8_t sec[4096];

				if (!memcmp(log + p, "loge", 4) &&
				    !vhdx_log_parse(log + p, vi.hdr.log_length - p, &vi.hdr.log_guid,
						    vi.hdr.log_length, &e, d, max))
					for (uint32_t i = 0; i < e.ndesc; i++)
						if (!d[i].zero)
							vhdx_log_desc_data(&d[i], sec);
			}
		}
	}
	if (vhd_pread(fd, rt, VHDX_REGION_SIZE, VHDX_REGION_OFF(0)) || vhdx_region_parse(rt, size, &vi))
		goto out;
	if (vi.meta_len > (8u << 20))
		goto out;
	meta = malloc(vi.meta_len);	/* <= 8 MiB */
	if (!meta || vhd_pread(fd, meta, VHDX_META_TABLE_SIZE, vi.meta_off))
		goto out;
	{
		uint32_t need = vhdx_meta_extent(&vi, meta), o, l;

		/* What resize patches: the disk size item's place. */
		if (!vhdx_meta_find(meta, vi.meta_len, &vhdx_guid_disk_size, &o, &l) &&
		    (o > vi.meta_len || l > vi.meta_len - o))
			__builtin_trap();
		if (vhd_pread(fd, meta, need, vi.meta_off) || vhdx_meta_parse(meta, need, &vi))
			goto out;
	}
	vhdx_kv_get(&vi, "parent_linkage");
	bat = malloc((size_t)vi.bat_entries * 8);
	if (bat && !vhd_pread(fd, bat, (size_t)vi.bat_entries * 8, vi.bat_off)) {
		uint32_t bad, used;
		uint64_t end;

		for (uint32_t i = 0; i < vi.bat_entries; i++)
			bat[i] = vhdx_le64(&bat[i]);
		vhdx_bat_check(bat, &vi, size, &bad, &end, &used);
	}
out:
	vhdx_info_free(&vi);
	free(bat);
	free(meta);
	free(log);
	free(d);
	free(h0);
	free(h1);
	free(rt);
}

static void image(int fd)
{
	struct vhdx_check_result r;
	const struct vhdx_info *vi;
	struct iovec v = { buf, sizeof(buf) };
	char path[96], link[64];
	struct vhdx *img;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	snprintf(path, sizeof(path), "%s/img", empty_dir);
	unlink(path);
	if (symlink(link, path))
		return;
	vhdx_check(path, empty_dir, false, &r);
	img = vhdx_open(path, false, empty_dir);	/* its own fd: ours stays ours */
	if (!img)
		return;
	vi = vhdx_get_info(img);
	for (uint64_t off = 0; off < vi->size && off < (1u << 20); off += sizeof(buf)) {
		v.iov_len = vi->size - off < sizeof(buf) ? vi->size - off : sizeof(buf);
		vhdx_readv(img, &v, 1, off);
	}
	/* Three logical sectors (4 KiB each on a 4Kn image: LogicalSectorSize is the file's). */
	v.iov_len = 3 * (size_t)vi->lsec;
	memset(buf, 0xa5, v.iov_len);
	if (vi->size >= v.iov_len) {
		vhdx_writev(img, &v, 1, 0, false);
		vhdx_writev(img, &v, 1, vi->size - v.iov_len, true);
		if (vi->lsec != 512) {
			struct iovec part = { buf, 512 * 3 };

			/* Not whole sectors: refused, nothing allocated. */
			if (!vhdx_writev(img, &part, 1, 512, false))
				__builtin_trap();
		}
		vhdx_readv(img, &v, 1, vi->size - v.iov_len);
		vhdx_discard(img, 0, vi->size < (4u << 20) ? vi->size : (4u << 20));
	}
	vhdx_flush(img);
	vhdx_close(img);
}

/* Make the headers', region tables' and log entries' CRCs right. */
static void fix_sums(int fd, uint64_t size)
{
	uint8_t *b = malloc(VHDX_REGION_SIZE);
	struct vhdx_header h;

	if (!b)
		return;
	for (int i = 0; i < 2; i++) {
		if (!vhd_pread(fd, b, VHDX_HEADER_SIZE, VHDX_HEADER_OFF(i))) {
			vhdx_put_le32(b + 4, vhdx_checksum(b, VHDX_HEADER_SIZE, 4));
			vhd_pwrite(fd, b, VHDX_HEADER_SIZE, VHDX_HEADER_OFF(i));
		}
		if (!vhd_pread(fd, b, VHDX_REGION_SIZE, VHDX_REGION_OFF(i))) {
			vhdx_put_le32(b + 4, vhdx_checksum(b, VHDX_REGION_SIZE, 4));
			vhd_pwrite(fd, b, VHDX_REGION_SIZE, VHDX_REGION_OFF(i));
		}
	}
	free(b);
	b = NULL;
	if (vhd_pread(fd, buf, VHDX_HEADER_SIZE, VHDX_HEADER_OFF(0)) ||
	    (vhdx_header_parse(buf, size, &h) &&
	     (vhd_pread(fd, buf, VHDX_HEADER_SIZE, VHDX_HEADER_OFF(1)) || vhdx_header_parse(buf, size, &h))))
		return;
	if (!h.log_length || h.log_length > (8u << 20))
		return;
	b = malloc(h.log_length);
	if (b && !vhd_pread(fd, b, h.log_length, h.log_offset)) {
		for (uint32_t p = 0; p < h.log_length; p += VHDX_LOG_SECTOR) {
			uint32_t len = vhdx_le32(b + p + 8);

			if (!memcmp(b + p, "loge", 4) && len >= VHDX_LOG_HDR && len <= h.log_length - p)
				vhdx_put_le32(b + p + 4, vhdx_checksum(b + p, len, 4));
		}
		vhd_pwrite(fd, b, h.log_length, h.log_offset);
	}
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = build(data, size);
	uint64_t fsize;

	if (fd < 0)
		return 0;
	fsize = vhdx_le64(data) % MAX_FILE;
	pure(fd, fsize);
	image(fd);
	close(fd);
	fd = build(data, size);
	if (fd < 0)
		return 0;
	fix_sums(fd, fsize);
	pure(fd, fsize);
	image(fd);
	close(fd);
	return 0;
}
