// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * include/ovb/ring.h: sizes, offsets and byte-level round trips of the ring
 * control page and VM packets, against layouts worked out by hand from
 * Linux 6.1 include/linux/hyperv.h (struct hv_ring_buffer, struct
 * vmpacket_descriptor, struct vmtransfer_page_packet_header, struct
 * vmbus_channel_packet_page_buffer, struct vmbus_packet_mpb_array).
 * Little-endian x86 is assumed, as on the wire. Sizes and the offsets the
 * headers pin with static asserts are not repeated here: only bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ovb/ring.h"

static u32 get32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

static u16 get16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static void test_ctl_page(void **state)
{
	static struct ovb_ring_ctl ctl;
	const u8 *b = (const u8 *)&ctl;

	(void)state;
	ctl.write_index = 0x11223344;
	ctl.read_index = 0x55667788;
	ctl.interrupt_mask = 1;
	ctl.pending_send_sz = 0x1000;
	ctl.feature_bits = OVB_RING_FEAT_PENDING_SEND_SZ;
	assert_int_equal(get32(b), 0x11223344);
	assert_int_equal(get32(b + 4), 0x55667788);
	assert_int_equal(get32(b + 8), 1);
	assert_int_equal(get32(b + 12), 0x1000);
	/* feat_pending_send_sz is bit 0 of the u32 at 64. */
	assert_int_equal(b[64], 1);
}

static void test_packet_types(void **state)
{
	(void)state;
	/* enum vmbus_packet_type */
	assert_int_equal(OVB_VMPKT_DATA_INBAND, 6);
	assert_int_equal(OVB_VMPKT_DATA_USING_XFER_PAGES, 7);
	assert_int_equal(OVB_VMPKT_DATA_USING_GPA_DIRECT, 9);
	assert_int_equal(OVB_VMPKT_COMP, 11);
	assert_int_equal(OVB_VMPKT_FLAG_COMPLETION_REQUESTED, 1);
	assert_int_equal(OVB_RING_ALIGN, 8);
	assert_int_equal(OVB_RING_TRAILER_SIZE, 8);
}

static void test_desc_round_trip(void **state)
{
	struct ovb_vmpacket_desc d = {
		.type = OVB_VMPKT_DATA_INBAND, .offset8 = 2, .len8 = 5,
		.flags = OVB_VMPKT_FLAG_COMPLETION_REQUESTED,
		.trans_id = 0x0102030405060708ull,
	};
	u8 b[16];

	(void)state;
	memcpy(b, &d, sizeof(d));
	assert_int_equal(get16(b), 6);
	assert_int_equal(get16(b + 2), 2);
	assert_int_equal(get16(b + 4), 5);
	assert_int_equal(get16(b + 6), 1);
	assert_int_equal(b[8], 0x08);
	assert_int_equal(b[15], 0x01);
}

static void test_xfer_pages(void **state)
{
	u8 b[40];
	struct ovb_vmxfer_page_header *h = (void *)b;

	(void)state;
	assert_int_equal(offsetof(struct ovb_vmxfer_page_header, xfer_pageset_id), 16);
	assert_int_equal(offsetof(struct ovb_vmxfer_page_header, sender_owns_set), 18);
	assert_int_equal(offsetof(struct ovb_vmxfer_page_header, range_cnt), 20);
	assert_int_equal(offsetof(struct ovb_vmxfer_page_header, ranges), 24);
	memset(b, 0, sizeof(b));
	h->d.type = OVB_VMPKT_DATA_USING_XFER_PAGES;
	h->xfer_pageset_id = 0xcafe;
	h->range_cnt = 2;
	h->ranges[0].byte_count = 1514;
	h->ranges[0].byte_offset = 0x1000;
	h->ranges[1].byte_count = 60;
	h->ranges[1].byte_offset = 0x2000;
	assert_int_equal(get16(b + 16), 0xcafe);
	assert_int_equal(get32(b + 20), 2);
	assert_int_equal(get32(b + 24), 1514);
	assert_int_equal(get32(b + 28), 0x1000);
	assert_int_equal(get32(b + 32), 60);
	assert_int_equal(get32(b + 36), 0x2000);
}

static void test_gpa_direct(void **state)
{
	u8 b[24 + 2 * 16];
	struct ovb_gpa_direct_header *h = (void *)b;
	struct ovb_gpa_page_range r[2] = {
		{ .len = 512, .offset = 8, .pfn = 0x123456789ull },
		{ .len = 4096, .offset = 0, .pfn = 0x42 },
	};

	(void)state;
	/* struct vmbus_channel_packet_page_buffer without its range array. */
	assert_int_equal(offsetof(struct ovb_gpa_direct_header, range_count), 20);
	assert_int_equal(OVB_GPA_DIRECT_MAX_PAGE_RANGES, 32);
	memset(b, 0, sizeof(b));
	h->d.type = OVB_VMPKT_DATA_USING_GPA_DIRECT;
	h->d.offset8 = sizeof(b) / 8;
	h->d.len8 = sizeof(b) / 8;
	h->range_count = 2;
	memcpy(b + 24, r, sizeof(r));
	assert_int_equal(get32(b + 20), 2);
	assert_int_equal(get32(b + 24), 512);
	assert_int_equal(get32(b + 28), 8);
	assert_int_equal(get32(b + 32), 0x23456789);
	assert_int_equal(get32(b + 36), 0x1);
	assert_int_equal(get32(b + 40 + 8), 0x42);

	/* Multi-page (struct vmbus_packet_mpb_array): one range, PFN list. */
	u8 m[24 + 8 + 3 * 8];
	struct ovb_gpa_range *g = (void *)(m + 24);

	assert_int_equal(offsetof(struct ovb_gpa_range, pfn_array), 8);
	memset(m, 0, sizeof(m));
	g->byte_count = 9000;
	g->byte_offset = 100;
	for (int i = 0; i < 3; i++)
		g->pfn_array[i] = 0x1000 + i;
	assert_int_equal(get32(m + 24), 9000);
	assert_int_equal(get32(m + 28), 100);
	assert_int_equal(get32(m + 32), 0x1000);
	assert_int_equal(get32(m + 48), 0x1002);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctl_page),
		cmocka_unit_test(test_packet_types),
		cmocka_unit_test(test_desc_round_trip),
		cmocka_unit_test(test_xfer_pages),
		cmocka_unit_test(test_gpa_direct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
