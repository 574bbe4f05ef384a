// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * include/ovb: sizes, offsets, GUID byte order, the message table, and
 * round trips of representative packets through bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ovb/hv_tlfs.h"
#include "ovb/vmbus_msg.h"
#include "ovb/guids.h"
#include "ovb/ic_proto.h"
#include "ovb/ring.h"

struct msg_info {
	u32 type;
	const char *name;
	size_t min_len;
	u32 min_version;
	int dir;
};

#define MSG_INFO(t, s, len, ver, d) { t, #s, len, ver, d },
static const struct msg_info msgs[] = { OVB_VMBUS_MSG_TABLE(MSG_INFO) };

static void test_msg_table(void **state)
{
	(void)state;
	assert_int_equal(sizeof(msgs) / sizeof(msgs[0]), 21);
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		/* Every message fits one SynIC message; types are unique. */
		assert_true(msgs[i].min_len <= OVB_VMBUS_MAX_MSG_SIZE);
		assert_true(msgs[i].min_len >= sizeof(struct vmbus_msg_header));
		assert_true(msgs[i].type > 0 && msgs[i].type < CHANNELMSG_COUNT);
		assert_true(msgs[i].dir == VMBUS_DIR_G2H || msgs[i].dir == VMBUS_DIR_H2G);
		assert_true(msgs[i].min_version >= OVB_VMBUS_VERSION_MIN &&
			    msgs[i].min_version <= OVB_VMBUS_VERSION_MAX);
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(msgs[i].type, msgs[j].type);
	}
}

static void test_sizes_match_linux(void **state)
{
	(void)state;
	/* Numbers as computed from Linux 6.1's structs by hand. */
	assert_int_equal(sizeof(struct vmbus_channel_offer_channel), 196);
	assert_int_equal(sizeof(struct vmbus_channel_open_channel), 148);
	assert_int_equal(sizeof(struct vmbus_channel_initiate_contact), 40);
	assert_int_equal(sizeof(struct vmbus_channel_version_response), 16);
	assert_int_equal(VMBUS_GPADL_HEADER_MAX_PFNS, 26);
	assert_int_equal(VMBUS_GPADL_BODY_MAX_PFNS, 28);
	assert_int_equal(sizeof(struct hv_message), 256);
	assert_int_equal(sizeof(struct hv_input_post_message), 256);
	assert_int_equal(sizeof(struct ovb_ring_ctl), 4096);
	assert_int_equal(ICMSG_HDR_SIZE, 28);
	assert_int_equal(OVB_VMBUS_VERSION_WIN10_V5_3, 0x50003);
	assert_int_equal(OVB_VMBUS_VERSION_WIN8, 0x20004);
}

static void test_guid_byte_order(void **state)
{
	static const struct ovb_guid scsi = OVB_GUID_SCSI;
	/* ba6163d9-04a1-4d29-b605-72e2ffb1dc7f as Linux lays it out in memory. */
	static const u8 want[16] = { 0xd9, 0x63, 0x61, 0xba, 0xa1, 0x04, 0x29, 0x4d,
				     0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f };

	(void)state;
	assert_memory_equal(scsi.b, want, 16);
}

static void test_offer_round_trip(void **state)
{
	struct vmbus_channel_offer_channel o = { 0 }, back;
	static const struct ovb_guid hb = OVB_GUID_HEARTBEAT;
	u8 wire[OVB_VMBUS_MAX_MSG_SIZE];

	(void)state;
	o.header.msgtype = CHANNELMSG_OFFERCHANNEL;
	o.offer.if_type = hb;
	o.offer.sub_channel_index = 3;
	o.child_relid = 7;
	o.connection_id = 0x1234;
	o.interrupt_flags = VMBUS_OFFER_DEDICATED_INTERRUPT;
	memcpy(wire, &o, sizeof(o));
	/* Fields land where Linux reads them. */
	assert_int_equal(wire[0], CHANNELMSG_OFFERCHANNEL);
	assert_memory_equal(wire + 8, hb.b, 16);
	assert_int_equal(wire + 8 + 172 - wire, 180);
	assert_int_equal(wire[180], 3);
	assert_int_equal(wire[184], 7);
	assert_int_equal(wire[192] | wire[193] << 8, 0x1234);
	memcpy(&back, wire, sizeof(back));
	assert_memory_equal(&back, &o, sizeof(o));
}

static void test_initiate_contact_v5_fields(void **state)
{
	struct vmbus_channel_initiate_contact c = { 0 };
	u8 wire[sizeof(c)];

	(void)state;
	c.vmbus_version_requested = OVB_VMBUS_VERSION_WIN10_V5_3;
	c.u.v5.msg_sint = OVB_VMBUS_MESSAGE_SINT;
	memcpy(wire, &c, sizeof(c));
	assert_int_equal(wire[16], 2);		/* msg_sint overlays interrupt_page */
	c.u.interrupt_page = 0x1122334455667788ull;
	memcpy(wire, &c, sizeof(c));
	assert_int_equal(wire[16], 0x88);
}

static void test_ic_negotiate_layout(void **state)
{
	u8 buf[ICMSG_HDR_SIZE + sizeof(struct icmsg_negotiate) + 4 * sizeof(struct ic_version)];
	struct icmsg_hdr *h = (void *)(buf + sizeof(struct vmbuspipe_hdr));
	struct icmsg_negotiate *n = (void *)(buf + ICMSG_HDR_SIZE);

	(void)state;
	memset(buf, 0, sizeof(buf));
	h->icmsgtype = ICMSGTYPE_NEGOTIATE;
	n->icframe_vercnt = 2;
	n->icmsg_vercnt = 2;
	n->icversion_data[3].major = 3;
	assert_int_equal(buf[8 + 4], ICMSGTYPE_NEGOTIATE);
	assert_int_equal(buf[28], 2);
	assert_int_equal(buf[28 + 8 + 12], 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_table),
		cmocka_unit_test(test_sizes_match_linux),
		cmocka_unit_test(test_guid_byte_order),
		cmocka_unit_test(test_offer_round_trip),
		cmocka_unit_test(test_initiate_contact_v5_fields),
		cmocka_unit_test(test_ic_negotiate_layout),
	};

	return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
