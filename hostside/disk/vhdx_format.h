/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The VHDX format's metadata ([MS-VHDX], Microsoft Open Specifications),
 * parsed and built. Pure: bytes in, checked host values out (and back), no
 * I/O, so the unit tests and the fuzzer drive it directly. Everything read
 * from an image is untrusted: a parse returns a structure whose every
 * offset, length and count has been checked (against the file's size where
 * one is given), or -EINVAL.
 *
 * Layout (all little-endian; GUIDs in Microsoft's mixed-endian form):
 *   0        file identifier "vhdxfile" + creator (UTF-16LE)
 *   64 KiB   header 1, 128 KiB header 2 (4 KiB each, CRC-32C, the valid
 *            one with the higher sequence number is current)
 *   192 KiB  region table 1, 256 KiB region table 2 (64 KiB, CRC-32C):
 *            where the BAT and the metadata region are
 *   log      circular, 4 KiB sectors: entries of descriptors + data sectors
 *   metadata a 64 KiB table of items (file parameters, sizes, page 83 id,
 *            parent locator) and the items
 *   BAT      64-bit entries: a chunk's payload blocks, then its sector
 *            bitmap block ("chunk ratio" payload entries per bitmap entry)
 *   blocks   1 MiB aligned payload blocks and 1 MiB sector bitmap blocks
 */
#ifndef OVB_DISK_VHDX_FORMAT_H
#define OVB_DISK_VHDX_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VHDX_MB			(1ull << 20)
#define VHDX_KB			(1ull << 10)
#define VHDX_FILE_ID_SIG	"vhdxfile"
#define VHDX_HEADER_OFF(i)	((uint64_t)(i + 1) * 64 * VHDX_KB)	/* i = 0, 1 */
#define VHDX_HEADER_SIZE	4096u
#define VHDX_REGION_OFF(i)	((uint64_t)(i + 3) * 64 * VHDX_KB)
#define VHDX_REGION_SIZE	(64u << 10)
#define VHDX_REGION_MAX		2047u
#define VHDX_META_TABLE_SIZE	(64u << 10)
#define VHDX_META_MAX		2047u
#define VHDX_META_ITEM_MAX	(1u << 20)
#define VHDX_LOG_SECTOR		4096u
#define VHDX_LOG_HDR		64u
#define VHDX_LOG_DESC		32u
#define VHDX_SB_BLOCK		(1u << 20)	/* a sector bitmap block */

/* BAT entry: state in bits 0-2, file offset in MiB in bits 20-63. */
#define VHDX_BAT_STATE(e)	((unsigned int)((e) & 7))
#define VHDX_BAT_OFF(e)		(((e) >> 20) << 20)
#define VHDX_BAT_ENTRY(off, st)	(((uint64_t)(off) & ~(VHDX_MB - 1)) | (uint64_t)(st))
enum {
	VHDX_PB_NOT_PRESENT = 0,
	VHDX_PB_UNDEFINED = 1,
	VHDX_PB_ZERO = 2,
	VHDX_PB_UNMAPPED = 3,
	VHDX_PB_UNMAPPED_OLD = 5,	/* the v1.00 document's value (QEMU's) */
	VHDX_PB_FULLY_PRESENT = 6,
	VHDX_PB_PARTIALLY_PRESENT = 7,
	VHDX_SB_NOT_PRESENT = 0,
	VHDX_SB_PRESENT = 6,
};

/* Limits: the spec's, and ours on what we hold in memory. */
#define VHDX_MAX_SIZE		(64ull << 40)
#define VHDX_MIN_BLOCK		(1u << 20)
#define VHDX_MAX_BLOCK		(256u << 20)
#define VHDX_MAX_BAT_ENTRIES	(1u << 23)	/* 64 MiB of BAT */
#define VHDX_MAX_KV		256u		/* parent locator entries */
#define VHDX_MAX_PATH		4096u

/* File parameters flags. */
#define VHDX_PARAM_LEAVE_ALLOCATED	1u
#define VHDX_PARAM_HAS_PARENT		2u
/* Metadata entry flags. */
#define VHDX_META_USER		1u
#define VHDX_META_VIRTUAL_DISK	2u
#define VHDX_META_REQUIRED	4u

typedef struct { uint8_t b[16]; } vhdx_guid;	/* as on disk */

extern const vhdx_guid vhdx_guid_bat, vhdx_guid_metadata;
extern const vhdx_guid vhdx_guid_file_params, vhdx_guid_disk_size, vhdx_guid_page83,
	vhdx_guid_logical_sector, vhdx_guid_physical_sector, vhdx_guid_parent_locator,
	vhdx_guid_locator_type;

struct vhdx_header {
	uint64_t seq;
	vhdx_guid file_write, data_write, log_guid;
	uint16_t log_version, version;
	uint32_t log_length;
	uint64_t log_offset;
};

struct vhdx_region {
	vhdx_guid guid;
	uint64_t off;
	uint32_t len;
	bool required;
};

struct vhdx_kv {
	char key[64];
	char value[VHDX_MAX_PATH];
};

struct vhdx_info {
	struct vhdx_header hdr;	/* the current one */
	int cur;		/* its slot, 0 or 1 */
	char creator[128];	/* UTF-8 */
	uint64_t bat_off, meta_off;
	uint32_t bat_len, meta_len;
	/* metadata */
	uint32_t block_size;	/* power of two, 1..256 MiB */
	uint32_t flags;		/* VHDX_PARAM_* */
	uint64_t size;		/* virtual, multiple of the logical sector */
	uint32_t lsec, psec;	/* 512 or 4096 */
	vhdx_guid page83;
	/* the parent locator (has-parent only) */
	unsigned int nkv;
	struct vhdx_kv *kv;	/* malloc'd by vhdx_meta_parse; vhdx_info_free */
	/* derived */
	uint64_t chunk_ratio;	/* payload blocks per sector bitmap block */
	uint32_t payload_blocks, bitmap_blocks, bat_entries;
};

void vhdx_info_free(struct vhdx_info *vi);

uint32_t vhdx_crc32c(uint32_t crc, const void *buf, size_t len);
/* CRC-32C of @len bytes with the 4 at @at taken as zero. */
uint32_t vhdx_checksum(const void *buf, size_t len, size_t at);

uint16_t vhdx_le16(const void *p);
uint32_t vhdx_le32(const void *p);
uint64_t vhdx_le64(const void *p);
void vhdx_put_le16(void *p, uint16_t v);
void vhdx_put_le32(void *p, uint32_t v);
void vhdx_put_le64(void *p, uint64_t v);

bool vhdx_guid_is_zero(const vhdx_guid *g);
/* "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" (the parent_linkage form). */
void vhdx_guid_str(const vhdx_guid *g, char out[39]);
int vhdx_guid_parse(const char *s, vhdx_guid *g);	/* braces optional; 0 or -EINVAL */
void vhdx_guid_random(vhdx_guid *g);

/* The first 64 KiB: the signature and the creator. 0 or -EINVAL. */
int vhdx_file_id_parse(const void *buf, size_t len, char *creator, size_t clen);
void vhdx_file_id_build(void *buf /* 64 KiB */, const char *creator);

/* One header (4 KiB): 0 or -EINVAL. Offsets checked against @file_size. */
int vhdx_header_parse(const void *buf, uint64_t file_size, struct vhdx_header *h);
void vhdx_header_build(void *buf, const struct vhdx_header *h);
/*
 * The current header of the two (either may be NULL: unreadable): the
 * valid one with the higher sequence number. Its slot, or -EINVAL.
 */
int vhdx_header_pick(const void *h0, const void *h1, uint64_t file_size,
		     struct vhdx_header *out);

/*
 * A region table (64 KiB): the BAT and metadata regions into @vi. Unknown
 * required regions, overlaps, and regions outside the file are refused.
 */
int vhdx_region_parse(const void *buf, uint64_t file_size, struct vhdx_info *vi);
void vhdx_region_build(void *buf, const struct vhdx_info *vi);

/*
 * The metadata region (@len bytes, the whole region as read) into @vi:
 * items, sizes, the parent locator; then the BAT geometry, checked against
 * the BAT region's length. 0 or -EINVAL (-ENOTSUP: an unknown required item).
 */
int vhdx_meta_parse(const void *buf, size_t len, struct vhdx_info *vi);
/*
 * How many bytes of the metadata region (@vi->meta_len, at least the
 * table) its items need, from the table @table (its first 64 KiB; NULL:
 * the table only). Parse that much with vhdx_meta_parse.
 */
uint32_t vhdx_meta_extent(const struct vhdx_info *vi, const void *table);
/* Build the metadata region (VHDX_MB bytes) for @vi (and its @kv, if has-parent). */
int vhdx_meta_build(void *buf, size_t len, const struct vhdx_info *vi);
/*
 * Where item @g lies in the metadata region, from its table (the first
 * 64 KiB): *@off and *@len, checked against @meta_len. 0, -ENOENT or -EINVAL.
 */
int vhdx_meta_find(const void *table, uint32_t meta_len, const vhdx_guid *g, uint32_t *off,
		   uint32_t *len);
/* A locator value by key, or NULL. */
const char *vhdx_kv_get(const struct vhdx_info *vi, const char *key);

/* BAT geometry of @vi from size, block size and sector size; 0 or -EINVAL. */
int vhdx_geometry(struct vhdx_info *vi);
/* The BAT index of payload block @blk and of the bitmap block of its chunk. */
static inline uint32_t vhdx_bat_payload(const struct vhdx_info *vi, uint32_t blk)
{
	return (uint32_t)(blk + blk / vi->chunk_ratio);
}

static inline uint32_t vhdx_bat_bitmap(const struct vhdx_info *vi, uint32_t blk)
{
	return (uint32_t)((blk / vi->chunk_ratio) * (vi->chunk_ratio + 1) + vi->chunk_ratio);
}

/*
 * Check a BAT (host-endian, @vi->bat_entries): states valid for the type,
 * blocks inside [1 MiB, @file_size) and clear of the log, metadata and BAT
 * regions and of each other. 0 or -EINVAL with *@bad the first bad entry;
 * *@end the end of the highest block, *@used the payload blocks present.
 */
int vhdx_bat_check(const uint64_t *bat, const struct vhdx_info *vi, uint64_t file_size,
		   uint32_t *bad, uint64_t *end, uint32_t *used);

/* ---- the log ---- */

struct vhdx_log_desc {
	bool zero;		/* a zero descriptor: @len zeros at @off */
	uint64_t off, len;	/* a data one: 4096 bytes at @off */
	/*
	 * Data: building, the 4096 bytes; parsed, the data sector in the
	 * entry, whose first 8 and last 4 bytes are in @lead and @trail
	 * (vhdx_log_desc_data puts them together).
	 */
	const uint8_t *data;
	uint8_t lead[8], trail[4];
};

struct vhdx_log_entry {
	uint32_t length;	/* bytes, multiple of 4 KiB */
	uint32_t tail;
	uint64_t seq;
	uint32_t ndesc;
	vhdx_guid log_guid;
	uint64_t flushed_off, last_off;
};

/*
 * Parse and verify an entry from @buf (@len bytes of the log in log order
 * from the entry's start): signature, CRC, the descriptors and their data
 * sectors, @log_guid. The entry in *@e, its descriptors (up to @max) in
 * @d. 0, -EAGAIN (@len too short: e->length is valid, read that much and
 * retry) or -EINVAL.
 */
int vhdx_log_parse(const void *buf, size_t len, const vhdx_guid *log_guid, uint32_t log_len,
		   struct vhdx_log_entry *e, struct vhdx_log_desc *d, uint32_t max);
/* The 4096 bytes a parsed data descriptor writes. */
void vhdx_log_desc_data(const struct vhdx_log_desc *d, uint8_t out[4096]);
/* Bytes an entry of @ndata data descriptors (and @nzero zero ones) takes. */
uint32_t vhdx_log_entry_size(uint32_t ndata, uint32_t nzero);
/* Build an entry into @buf (vhdx_log_entry_size bytes) from @e and @d. */
void vhdx_log_build(void *buf, const struct vhdx_log_entry *e, const struct vhdx_log_desc *d);

/* Sector bitmaps: bit 0 of byte 0 is the first sector. */
static inline bool vhdx_bit(const uint8_t *bm, uint64_t i)
{
	return bm[i >> 3] & (1u << (i & 7));
}

/* The length of the run from @i (< @end) of sectors whose bit equals @i's. */
uint64_t vhdx_bitmap_run(const uint8_t *bm, uint64_t i, uint64_t end);

/* A locator path ("\" separators, maybe "\\?\" and a drive) as a host path. */
void vhdx_host_path(const char *win, char *out, size_t outlen);

#endif
