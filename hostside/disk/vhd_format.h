/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The VHD format's metadata, parsed and built. Pure: bytes in, checked
 * host-endian values out (and back), no I/O, so the unit tests and the
 * fuzzer drive it directly. Everything read from an image is untrusted:
 * a parse either returns a structure whose every offset and count has been
 * checked against the file's size, or -EINVAL.
 *
 * Wire layout: include/ovb/vhd.h.
 */
#ifndef OVB_DISK_VHD_FORMAT_H
#define OVB_DISK_VHD_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ovb/vhd.h"

/* Limits we impose (the spec's own maximum is 2040 GiB). */
#define VHD_MAX_SIZE		(2040ull << 30)
#define VHD_MIN_BLOCK_SIZE	(4u << 10)
#define VHD_MAX_BLOCK_SIZE	(256u << 20)
#define VHD_MAX_BAT_ENTRIES	(1u << 22)
#define VHD_MAX_LOCATOR_BYTES	8192u
#define VHD_MAX_PATH		4096u

struct vhd_locator {
	uint32_t code;		/* VHD_PLAT_* */
	uint32_t space;
	uint32_t len;		/* bytes, <= VHD_MAX_LOCATOR_BYTES */
	uint64_t off;		/* within the file (checked) */
};

struct vhd_info {
	/* footer */
	uint32_t type;		/* VHD_TYPE_* */
	uint64_t size;		/* current size, bytes, multiple of 512 */
	uint64_t original_size;
	uint32_t timestamp;
	uint8_t unique_id[16];
	char creator_app[5];
	uint32_t creator_version;
	uint32_t creator_os;
	uint16_t cylinders;
	uint8_t heads, sectors_per_track;
	uint32_t features;
	uint8_t saved_state;
	uint64_t dyn_offset;	/* VHD_NO_OFFSET for fixed */
	/* dynamic header (dynamic and differencing) */
	uint64_t bat_offset;
	uint32_t bat_entries;
	uint32_t block_size;	/* power of two */
	uint32_t bitmap_size;	/* bytes before each block's data, multiple of 512 */
	uint8_t parent_id[16];
	uint32_t parent_timestamp;
	char parent_name[VHD_MAX_PATH];	/* UTF-8 */
	struct vhd_locator loc[VHD_PARENT_LOCATORS];
};

/* Big-endian field access. */
uint16_t vhd_be16(const void *p);
uint32_t vhd_be32(const void *p);
uint64_t vhd_be64(const void *p);
void vhd_put_be16(void *p, uint16_t v);
void vhd_put_be32(void *p, uint32_t v);
void vhd_put_be64(void *p, uint64_t v);

/* The spec's checksum: one's complement of the byte sum, skipping 4 bytes at @skip. */
uint32_t vhd_checksum(const void *buf, size_t len, size_t skip);

/*
 * Parse a footer (512 bytes) of an image whose file is @file_size bytes.
 * Fills the footer fields of @vi. 0 or -EINVAL.
 */
int vhd_footer_parse(const void *buf, uint64_t file_size, struct vhd_info *vi);
/* After vhd_footer_parse of a dynamic or differencing disk: the header (1024 bytes). */
int vhd_dyn_parse(const void *buf, uint64_t file_size, struct vhd_info *vi);
/* Bytes the BAT occupies on disk (rounded up to a sector). */
uint64_t vhd_bat_bytes(const struct vhd_info *vi);
/* Data+bitmap bytes of one block. */
uint64_t vhd_block_total(const struct vhd_info *vi);

void vhd_footer_build(void *buf, const struct vhd_info *vi);
void vhd_dyn_build(void *buf, const struct vhd_info *vi);

/* The spec's CHS geometry for @sectors (Appendix: CHS Calculation). */
void vhd_geometry(uint64_t sectors, uint16_t *c, uint8_t *h, uint8_t *s);

/*
 * Check a BAT (host-endian, @vi->bat_entries entries): every used block lies
 * in [@data_start, @data_end) and no two overlap. Returns 0, or -EINVAL with
 * *@bad the first bad entry; *@end the end of the highest block (or
 * @data_start) and *@used the count of used entries, either way.
 */
int vhd_bat_check(const uint32_t *bat, const struct vhd_info *vi, uint64_t data_start,
		  uint64_t data_end, uint32_t *bad, uint64_t *end, uint32_t *used);

/*
 * A parent locator's data as a host path (UTF-8, '/' separators) in @out.
 * W2ru/W2ku (UTF-16LE) and MacX (file URL) are understood; Windows drive
 * paths (C:\...) are returned without the drive. 0, -ENOENT (a code we
 * cannot use) or -EINVAL.
 */
int vhd_locator_path(uint32_t code, const void *data, size_t len, char *out, size_t outlen);

/* UTF-16 (@be: big-endian) to UTF-8 up to a NUL or @n bytes; 0 or -EINVAL. */
int vhd_utf16_to_utf8(const uint8_t *in, size_t n, bool be, char *out, size_t outlen);
/* UTF-8 to UTF-16 (no NUL written); bytes written or -EINVAL. */
int vhd_utf8_to_utf16(const char *in, bool be, uint8_t *out, size_t outlen);

/* Sector bitmaps: bit 7 of byte 0 is the block's first sector. */
static inline bool vhd_bitmap_test(const uint8_t *bm, uint32_t i)
{
	return bm[i >> 3] & (0x80u >> (i & 7));
}

static inline void vhd_bitmap_set(uint8_t *bm, uint32_t i)
{
	bm[i >> 3] |= (uint8_t)(0x80u >> (i & 7));
}

/* Length of the run of sectors from @i (< @end) whose bit equals bit @i. */
uint32_t vhd_bitmap_run(const uint8_t *bm, uint32_t i, uint32_t end);

#endif
