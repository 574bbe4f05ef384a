// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: a VHD file's untrusted metadata. The input is the
 * whole image file. First the pure layer on it (footer at the end and its
 * copy at 0, the dynamic header, the BAT, the parent locators, bitmaps);
 * then the image itself from a memfd through vhd.c: open, read across
 * its first blocks and at its end, write a few sectors (allocating), and
 * check; then all of it again with the checksums made right, so that
 * mutated fields get past them. Parents may only come from an empty directory, so a locator
 * never opens a host file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hostside/disk/vhd.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char empty_dir[64];
static uint8_t buf[256 << 10];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	snprintf(empty_dir, sizeof(empty_dir), "/tmp/vhd_fuzz.XXXXXX");
	return mkdtemp(empty_dir) ? 0 : -1;
}

static void pure(const uint8_t *data, size_t size)
{
	struct vhd_info *vi = calloc(1, sizeof(*vi));
	uint32_t *bat, bad, used;
	uint64_t end;
	char path[VHD_MAX_PATH];

	if (!vi)
		return;
	if (size >= VHD_FOOTER_SIZE && (!vhd_footer_parse(data + size - VHD_FOOTER_SIZE, size, vi) ||
					!vhd_footer_parse(data, size, vi)) &&
	    vi->type != VHD_TYPE_FIXED &&
	    !vhd_dyn_parse(data + vi->dyn_offset, size, vi)) {
		/* Parsed offsets are within the file: use them as a reader would. */
		bat = malloc(vhd_bat_bytes(vi));
		if (bat) {
			for (uint32_t i = 0; i < vi->bat_entries; i++)
				bat[i] = vhd_be32(data + vi->bat_offset + (size_t)i * 4);
			vhd_bat_check(bat, vi, vi->bat_offset + vhd_bat_bytes(vi), size, &bad, &end, &used);
			for (uint32_t i = 0; i < vi->bat_entries && i < 64; i++) {
				uint64_t at = (uint64_t)bat[i] * VHD_SECTOR;
				uint32_t spb = vi->block_size / VHD_SECTOR;

				if (bat[i] == VHD_BAT_UNUSED || at > size || size - at < vi->bitmap_size)
					continue;
				for (uint32_t s = 0; s < spb; s += vhd_bitmap_run(data + at, s, spb))
					;
			}
			free(bat);
		}
		for (int i = 0; i < VHD_PARENT_LOCATORS; i++)
			if (vi->loc[i].code)
				vhd_locator_path(vi->loc[i].code, data + vi->loc[i].off, vi->loc[i].len,
						 path, sizeof(path));
	}
	free(vi);
}

static void image(const uint8_t *data, size_t size)
{
	struct vhd_check_result r;
	const struct vhd_info *vi;
	struct iovec v = { buf, sizeof(buf) };
	char path[64];
	struct vhd *img;
	int fd = memfd_create("vhd_fuzz", 0);

	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size)
		goto out;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	vhd_check(path, empty_dir, &r);
	img = vhd_open_fd(fd, path, false, empty_dir);
	if (!img)
		goto out;
	fd = -1;	/* the image's now */
	vi = vhd_get_info(img);
	for (uint64_t off = 0; off < vi->size && off < (1u << 20); off += sizeof(buf)) {
		v.iov_len = vi->size - off < sizeof(buf) ? vi->size - off : sizeof(buf);
		vhd_readv(img, &v, 1, off);
	}
	v.iov_len = VHD_SECTOR * 3;
	memset(buf, 0xa5, v.iov_len);
	if (vi->size >= v.iov_len) {
		vhd_writev(img, &v, 1, 0, false);
		vhd_writev(img, &v, 1, vi->size - v.iov_len, true);
		vhd_readv(img, &v, 1, vi->size - v.iov_len);
	}
	vhd_flush(img);
	vhd_close(img);
out:
	if (fd >= 0)
		close(fd);
}

/* Make a footer's (and its dynamic header's) checksums right, so mutations reach past them. */
static void fix_sums(uint8_t *d, size_t size, size_t at)
{
	uint64_t dyn;

	if (size < VHD_FOOTER_SIZE || at > size - VHD_FOOTER_SIZE)
		return;
	vhd_put_be32(d + at + 64, vhd_checksum(d + at, VHD_FOOTER_SIZE, 64));
	dyn = vhd_be64(d + at + 16);
	if (dyn <= size && size - dyn >= VHD_DYN_HEADER_SIZE)
		vhd_put_be32(d + dyn + 36, vhd_checksum(d + dyn, VHD_DYN_HEADER_SIZE, 36));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (size > (4u << 20))
		return 0;
	pure(data, size);
	image(data, size);
	/* Again with the checksums made right. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (size >= VHD_FOOTER_SIZE) {
		fix_sums(copy, size, size - VHD_FOOTER_SIZE);
		fix_sums(copy, size, 0);
		pure(copy, size);
		image(copy, size);
	}
	free(copy);
	return 0;
}
