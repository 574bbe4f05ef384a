/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * VMBus ring buffer wire layout and VM packet descriptors.
 *
 * Source: Linux 6.1 include/linux/hyperv.h (struct hv_ring_buffer,
 * struct vmpacket_descriptor, enum vmbus_packet_type, struct
 * vmtransfer_page_packet_header, struct vmbus_channel_packet_page_buffer,
 * struct vmbus_packet_mpb_array, struct gpa_range) and
 * drivers/hv/ring_buffer.c (packet framing: 8-byte alignment and the
 * trailing 64-bit "previous indices" word after every packet).
 *
 * A channel has two rings, each one GPADL-backed region that starts with a
 * 4 KiB control page followed by the data area. Indices are byte offsets
 * into the data area. The writer owns write_index, the reader owns
 * read_index and interrupt_mask; pending_send_sz is set by the writer to ask
 * the reader for a signal once that much space is free.
 */
#ifndef OVB_RING_H
#define OVB_RING_H

#include "ovb/types.h"

#define OVB_RING_CTL_SIZE	4096u	/* the control page */
#define OVB_RING_ALIGN		8u	/* packets start 8-byte aligned */
#define OVB_RING_TRAILER_SIZE	8u	/* u64 previous indices after each packet */

/* feature_bits: the ring honours pending_send_sz. */
#define OVB_RING_FEAT_PENDING_SEND_SZ	0x1u

/*
 * Not __packed, unlike the other wire structs: the ring code makes atomic
 * accesses through pointers to these fields, and the layout is naturally
 * aligned anyway; the asserts below pin it.
 */
struct ovb_ring_ctl {
	u32 write_index;	/* next byte the writer will write */
	u32 read_index;		/* next byte the reader will read */
	u32 interrupt_mask;	/* reader: nonzero = do not signal me */
	u32 pending_send_sz;	/* writer: signal me when this much is free */
	u32 reserved1[12];
	u32 feature_bits;	/* OVB_RING_FEAT_* */
	u8 reserved2[OVB_RING_CTL_SIZE - 68];
};
OVB_ASSERT_SIZE(struct ovb_ring_ctl, 4096);
OVB_ASSERT_OFFSET(struct ovb_ring_ctl, write_index, 0);
OVB_ASSERT_OFFSET(struct ovb_ring_ctl, read_index, 4);
OVB_ASSERT_OFFSET(struct ovb_ring_ctl, interrupt_mask, 8);
OVB_ASSERT_OFFSET(struct ovb_ring_ctl, pending_send_sz, 12);
OVB_ASSERT_OFFSET(struct ovb_ring_ctl, feature_bits, 64);

/* VM packet types (enum vmbus_packet_type). */
#define OVB_VMPKT_INVALID			0x0
#define OVB_VMPKT_SYNCH				0x1
#define OVB_VMPKT_ADD_XFER_PAGESET		0x2
#define OVB_VMPKT_RM_XFER_PAGESET		0x3
#define OVB_VMPKT_ESTABLISH_GPADL		0x4
#define OVB_VMPKT_TEARDOWN_GPADL		0x5
#define OVB_VMPKT_DATA_INBAND			0x6
#define OVB_VMPKT_DATA_USING_XFER_PAGES		0x7
#define OVB_VMPKT_DATA_USING_GPADL		0x8
#define OVB_VMPKT_DATA_USING_GPA_DIRECT		0x9
#define OVB_VMPKT_CANCEL_REQUEST		0xa
#define OVB_VMPKT_COMP				0xb
#define OVB_VMPKT_DATA_USING_ADDITIONAL_PKT	0xc
#define OVB_VMPKT_ADDITIONAL_DATA		0xd

/* Descriptor flags. */
#define OVB_VMPKT_FLAG_COMPLETION_REQUESTED	0x1

/*
 * Every packet starts with this descriptor. offset8 is where the payload
 * starts and len8 the whole packet length, both in units of 8 bytes and
 * both counted from the start of the descriptor.
 */
struct ovb_vmpacket_desc {
	u16 type;
	u16 offset8;
	u16 len8;
	u16 flags;
	u64 trans_id;
} __packed;
OVB_ASSERT_SIZE(struct ovb_vmpacket_desc, 16);

/* Transfer-page packets (netvsc receive buffers). */
struct ovb_vmxfer_page_range {
	u32 byte_count;
	u32 byte_offset;
} __packed;
OVB_ASSERT_SIZE(struct ovb_vmxfer_page_range, 8);

struct ovb_vmxfer_page_header {
	struct ovb_vmpacket_desc d;
	u16 xfer_pageset_id;
	u8 sender_owns_set;
	u8 reserved;
	u32 range_cnt;
	struct ovb_vmxfer_page_range ranges[];
} __packed;
OVB_ASSERT_SIZE(struct ovb_vmxfer_page_header, 24);
OVB_ASSERT_OFFSET(struct ovb_vmxfer_page_header, xfer_pageset_id, 16);
OVB_ASSERT_OFFSET(struct ovb_vmxfer_page_header, sender_owns_set, 18);
OVB_ASSERT_OFFSET(struct ovb_vmxfer_page_header, range_cnt, 20);
OVB_ASSERT_OFFSET(struct ovb_vmxfer_page_header, ranges, 24);

/* GPA-direct, single-page ranges (struct hv_page_buffer). */
struct ovb_gpa_page_range {
	u32 len;
	u32 offset;
	u64 pfn;
} __packed;
OVB_ASSERT_SIZE(struct ovb_gpa_page_range, 16);

#define OVB_GPA_DIRECT_MAX_PAGE_RANGES	32	/* MAX_PAGE_BUFFER_COUNT */

struct ovb_gpa_direct_header {
	struct ovb_vmpacket_desc d;
	u32 reserved;
	u32 range_count;
	/* then range_count struct ovb_gpa_page_range, or one multi-page range */
} __packed;
OVB_ASSERT_SIZE(struct ovb_gpa_direct_header, 24);

/*
 * GPA-direct, multi-page range (struct hv_mpb_array / struct gpa_range):
 * byte_count bytes starting byte_offset into the first of a list of PFNs.
 */
struct ovb_gpa_range {
	u32 byte_count;
	u32 byte_offset;
	u64 pfn_array[];
} __packed;
OVB_ASSERT_SIZE(struct ovb_gpa_range, 8);

#define OVB_HV_PAGE_SIZE	4096u
#define OVB_HV_PAGE_SHIFT	12

#endif /* OVB_RING_H */
