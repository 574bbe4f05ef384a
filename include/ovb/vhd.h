/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The VHD image format (Virtual PC / Hyper-V "Virtual Hard Disk Image Format
 * Specification", Microsoft, version 1.0, October 11 2006): fixed, dynamic
 * and differencing disks.
 *
 * Every multi-byte field is BIG-endian (unlike the rest of include/ovb):
 * read and write them with the helpers of hostside/disk/vhd_format.h.
 *
 *   fixed:        [ data: current_size bytes ][ footer ]
 *   dynamic/diff: [ footer copy ][ dynamic header ][ BAT ] [ blocks... ][ footer ]
 *   block:        [ sector bitmap, rounded up to 512 ][ block_size bytes of data ]
 *
 * Sector bitmap bit order (spec, "Block Format"): bit 7 of byte 0 is the
 * first sector of the block. A set bit: the sector is in this file; clear:
 * zero (dynamic) or the parent's (differencing).
 */
#ifndef OVB_VHD_H
#define OVB_VHD_H

#include "ovb/types.h"

#define VHD_SECTOR			512u
#define VHD_FOOTER_SIZE			512u
#define VHD_DYN_HEADER_SIZE		1024u

#define VHD_FOOTER_COOKIE		"conectix"
#define VHD_DYN_COOKIE			"cxsparse"

#define VHD_FEATURE_TEMPORARY		0x00000001u
#define VHD_FEATURE_RESERVED		0x00000002u	/* must always be set */
#define VHD_VERSION_1_0			0x00010000u	/* footer and header */

#define VHD_TYPE_FIXED			2u
#define VHD_TYPE_DYNAMIC		3u
#define VHD_TYPE_DIFFERENCING		4u

/* Data offset of a fixed disk's footer: no dynamic header. */
#define VHD_NO_OFFSET			0xffffffffffffffffull
#define VHD_BAT_UNUSED			0xffffffffu
#define VHD_DEFAULT_BLOCK_SIZE		(2u * 1024 * 1024)

/* Time stamps count seconds from 2000-01-01 00:00:00 UTC. */
#define VHD_EPOCH_UNIX			946684800ull

/* The creator host OS field. */
#define VHD_OS_WINDOWS			0x5769326bu	/* "Wi2k" */
#define VHD_OS_MAC			0x4d616320u	/* "Mac " */

/* Largest disk: the spec's maximum CHS, 65535 cylinders x 16 heads x 255. */
#define VHD_MAX_CHS_SECTORS		(65535ull * 16 * 255)

struct vhd_footer {
	char cookie[8];
	u32 features;
	u32 version;
	u64 data_offset;	/* the dynamic header, or VHD_NO_OFFSET */
	u32 timestamp;
	char creator_app[4];
	u32 creator_version;
	u32 creator_os;
	u64 original_size;
	u64 current_size;	/* the disk's size in bytes */
	u16 cylinders;
	u8 heads;
	u8 sectors_per_track;
	u32 disk_type;
	u32 checksum;		/* ~(byte sum of the footer, this field as 0) */
	u8 unique_id[16];
	u8 saved_state;
	u8 reserved[427];
} __packed;
OVB_ASSERT_SIZE(struct vhd_footer, VHD_FOOTER_SIZE);
OVB_ASSERT_OFFSET(struct vhd_footer, current_size, 48);
OVB_ASSERT_OFFSET(struct vhd_footer, checksum, 64);
OVB_ASSERT_OFFSET(struct vhd_footer, saved_state, 84);

/* Parent locator platform codes. */
#define VHD_PLAT_NONE			0u
#define VHD_PLAT_WI2R			0x57693272u	/* "Wi2r" deprecated */
#define VHD_PLAT_WI2K			0x5769326bu	/* "Wi2k" deprecated */
#define VHD_PLAT_W2RU			0x57327275u	/* "W2ru": relative path, UTF-16LE */
#define VHD_PLAT_W2KU			0x57326b75u	/* "W2ku": absolute path, UTF-16LE */
#define VHD_PLAT_MAC			0x4d616320u	/* "Mac " alias blob */
#define VHD_PLAT_MACX			0x4d616358u	/* "MacX": file URL, UTF-8 */

struct vhd_parent_locator {
	u32 platform_code;
	u32 data_space;		/* sectors reserved (some writers put bytes) */
	u32 data_length;	/* bytes of locator data */
	u32 reserved;
	u64 data_offset;	/* absolute file offset of the data */
} __packed;
OVB_ASSERT_SIZE(struct vhd_parent_locator, 24);

#define VHD_PARENT_LOCATORS		8
#define VHD_PARENT_NAME_BYTES		512	/* UTF-16BE, NUL padded */

struct vhd_dyn_header {
	char cookie[8];
	u64 data_offset;	/* unused: VHD_NO_OFFSET */
	u64 table_offset;	/* the BAT */
	u32 header_version;
	u32 max_table_entries;	/* BAT entries (blocks) */
	u32 block_size;		/* bytes of data per block */
	u32 checksum;
	u8 parent_unique_id[16];
	u32 parent_timestamp;
	u32 reserved1;
	u8 parent_name[VHD_PARENT_NAME_BYTES];
	struct vhd_parent_locator loc[VHD_PARENT_LOCATORS];
	u8 reserved2[256];
} __packed;
OVB_ASSERT_SIZE(struct vhd_dyn_header, VHD_DYN_HEADER_SIZE);
OVB_ASSERT_OFFSET(struct vhd_dyn_header, checksum, 36);
OVB_ASSERT_OFFSET(struct vhd_dyn_header, parent_name, 64);
OVB_ASSERT_OFFSET(struct vhd_dyn_header, loc, 576);

#endif /* OVB_VHD_H */
