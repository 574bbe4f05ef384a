/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Portable base types for the wire definitions in include/ovb.
 *
 * Every header in include/ovb compiles unchanged in a Linux kernel module and
 * in C11 userspace. This is the only place that differs between the two: it
 * provides u8..u64, __packed and OVB_ASSERT_SIZE/OVB_ASSERT_OFFSET. The wire
 * is little-endian x86 (Hyper-V has no other byte order), so plain integer
 * types are used for wire fields.
 */
#ifndef OVB_TYPES_H
#define OVB_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/build_bug.h>
#include <linux/compiler_attributes.h>
#else
#include <stddef.h>
#include <stdint.h>
#include <assert.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#ifndef __packed
#define __packed __attribute__((__packed__))
#endif
#endif /* __KERNEL__ */

/* Pin a wire layout: a wrong size or offset is a build error on both sides. */
#define OVB_ASSERT_SIZE(type, size) \
	static_assert(sizeof(type) == (size), "size of " #type)
#define OVB_ASSERT_OFFSET(type, field, off) \
	static_assert(offsetof(type, field) == (off), "offset of " #type "." #field)

/* A GUID as it appears on the wire (mixed-endian, 16 bytes, as Windows lays it out). */
struct ovb_guid {
	u8 b[16];
} __packed;
OVB_ASSERT_SIZE(struct ovb_guid, 16);

/*
 * Build an ovb_guid initialiser from the textual form
 * aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee: the first three groups are stored
 * little-endian, the last two as bytes, as Linux's GUID_INIT() does.
 */
#define OVB_GUID(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)                     \
	{ { (a) & 0xff, ((a) >> 8) & 0xff, ((a) >> 16) & 0xff, ((a) >> 24) & 0xff, \
	    (b) & 0xff, ((b) >> 8) & 0xff, (c) & 0xff, ((c) >> 8) & 0xff,         \
	    (d0), (d1), (d2), (d3), (d4), (d5), (d6), (d7) } }

#endif /* OVB_TYPES_H */
