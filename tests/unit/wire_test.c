// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * include/ovb: GUID byte order, the message table, and messages against
 * byte images built from Linux's layouts (sizes are static asserts).
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

static void test_guid_byte_order(void **state)
{
	static const struct ovb_guid scsi = OVB_GUID_SCSI;
	/* ba6163d9-04a1-4d29-b605-72e2ffb1dc7f as Linux lays it out in memory. */
	static const u8 want[16] = { 0xd9, 0x63, 0x61, 0xba, 0xa1, 0x04, 0x29, 0x4d,
				     0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f };

	(void)state;
	assert_memory_equal(scsi.b, want, 16);
}

/*
 * Sizes and the offsets of most fields are pinned at compile time
 * (OVB_ASSERT_SIZE/OFFSET in the headers); repeating them here could never
 * fail. What follows checks what those asserts do not: every field of a
 * message against a byte image built from Linux 6.1's layouts (offsets
 * worked out by hand from include/linux/hyperv.h and the TLFS; the image
 * names Linux's field at each offset, and its constants as numbers). Both
 * directions: the image read into our struct gives each field's value,
 * and our struct filled in field by field gives the image byte for byte.
 */

/* Little-endian @n-byte @val at @off of @img. */
static void put(u8 *img, size_t off, unsigned int n, u64 val)
{
	for (unsigned int i = 0; i < n; i++)
		img[off + i] = (u8)(val >> (8 * i));
}

static void test_offer_image(void **state)
{
	static const struct ovb_guid hb = OVB_GUID_HEARTBEAT;
	struct vmbus_channel_offer_channel o, mine;
	u8 img[196] = { 0 };

	(void)state;
	put(img, 0, 4, 1);			/* header.msgtype: CHANNELMSG_OFFERCHANNEL */
	memcpy(img + 8, hb.b, 16);		/* offer.if_type */
	for (int i = 0; i < 16; i++)
		img[24 + i] = (u8)(0xa0 + i);	/* offer.if_instance */
	put(img, 56, 2, 0x2204);		/* offer.chn_flags */
	put(img, 58, 2, 8);			/* offer.mmio_megabytes */
	put(img, 60, 4, 4);			/* offer.u.pipe.pipe_mode: message */
	img[64] = 0x11;				/* offer.u.pipe.user_def[0] */
	img[179] = 0x22;			/* offer.u.pipe.user_def[115] */
	put(img, 180, 2, 3);			/* offer.sub_channel_index */
	put(img, 184, 4, 7);			/* child_relid */
	img[188] = 0x55;			/* monitorid */
	img[189] = 1;				/* monitor_allocated:1 */
	put(img, 190, 2, 1);			/* is_dedicated_interrupt:1 */
	put(img, 192, 4, 0x1234);		/* connection_id */

	memcpy(&o, img, sizeof(o));
	assert_int_equal(o.header.msgtype, CHANNELMSG_OFFERCHANNEL);
	assert_memory_equal(&o.offer.if_type, hb.b, 16);
	assert_int_equal(o.offer.if_instance.b[0], 0xa0);
	assert_int_equal(o.offer.if_instance.b[15], 0xaf);
	assert_int_equal(o.offer.chn_flags, VMBUS_CHANNEL_TLNPI_PROVIDER_OFFER |
			 VMBUS_CHANNEL_PARENT_OFFER | VMBUS_CHANNEL_SERVER_SUPPORTS_GPADLS);
	assert_int_equal(o.offer.mmio_megabytes, 8);
	assert_int_equal(o.offer.u.pipe.pipe_mode, VMBUS_PIPE_TYPE_MESSAGE);
	assert_int_equal(o.offer.u.user_def[4], 0x11);
	assert_int_equal(o.offer.u.pipe.user_def[VMBUS_MAX_PIPE_USER_DEFINED_BYTES - 1], 0x22);
	assert_int_equal(o.offer.sub_channel_index, 3);
	assert_int_equal(o.child_relid, 7);
	assert_int_equal(o.monitorid, 0x55);
	assert_int_equal(o.monitor_flags, VMBUS_OFFER_MONITOR_ALLOCATED);
	assert_int_equal(o.interrupt_flags, VMBUS_OFFER_DEDICATED_INTERRUPT);
	assert_int_equal(o.connection_id, 0x1234);

	memset(&mine, 0, sizeof(mine));
	mine.header.msgtype = CHANNELMSG_OFFERCHANNEL;
	mine.offer.if_type = hb;
	for (int i = 0; i < 16; i++)
		mine.offer.if_instance.b[i] = (u8)(0xa0 + i);
	mine.offer.chn_flags = VMBUS_CHANNEL_TLNPI_PROVIDER_OFFER | VMBUS_CHANNEL_PARENT_OFFER |
			       VMBUS_CHANNEL_SERVER_SUPPORTS_GPADLS;
	mine.offer.mmio_megabytes = 8;
	mine.offer.u.pipe.pipe_mode = VMBUS_PIPE_TYPE_MESSAGE;
	mine.offer.u.pipe.user_def[0] = 0x11;
	mine.offer.u.pipe.user_def[VMBUS_MAX_PIPE_USER_DEFINED_BYTES - 1] = 0x22;
	mine.offer.sub_channel_index = 3;
	mine.child_relid = 7;
	mine.monitorid = 0x55;
	mine.monitor_flags = VMBUS_OFFER_MONITOR_ALLOCATED;
	mine.interrupt_flags = VMBUS_OFFER_DEDICATED_INTERRUPT;
	mine.connection_id = 0x1234;
	assert_memory_equal(&mine, img, sizeof(img));
}

static void test_open_image(void **state)
{
	struct vmbus_channel_open_channel m = { 0 };
	u8 img[148] = { 0 };

	(void)state;
	put(img, 0, 4, 5);			/* header.msgtype: CHANNELMSG_OPENCHANNEL */
	put(img, 8, 4, 7);			/* child_relid */
	put(img, 12, 4, 0x77);			/* openid */
	put(img, 16, 4, 0xe1e10);		/* ringbuffer_gpadlhandle */
	put(img, 20, 4, 2);			/* target_vp */
	put(img, 24, 4, 0x10);			/* downstream_ringbuffer_pageoffset */
	img[28] = 0xab;				/* userdata[0] */
	img[147] = 0xcd;			/* userdata[119] */
	m.header.msgtype = CHANNELMSG_OPENCHANNEL;
	m.child_relid = 7;
	m.openid = 0x77;
	m.ringbuffer_gpadlhandle = 0xe1e10;
	m.target_vp = 2;
	m.downstream_ringbuffer_pageoffset = 0x10;
	m.userdata[0] = 0xab;
	m.userdata[VMBUS_MAX_USER_DEFINED_BYTES - 1] = 0xcd;
	assert_memory_equal(&m, img, sizeof(img));
	memset(&m, 0, sizeof(m));
	memcpy(&m, img, sizeof(m));
	assert_int_equal(m.ringbuffer_gpadlhandle, 0xe1e10);
	assert_int_equal(m.downstream_ringbuffer_pageoffset, 0x10);
}

/* 5.0+ puts the message SINT where older versions put the interrupt page. */
static void test_initiate_contact_image(void **state)
{
	struct vmbus_channel_initiate_contact c = { 0 };
	u8 img[40] = { 0 };

	(void)state;
	put(img, 0, 4, 14);			/* header.msgtype: CHANNELMSG_INITIATE_CONTACT */
	put(img, 8, 4, 0x00050003);		/* vmbus_version_requested: VERSION_WIN10_V5_3 */
	put(img, 12, 4, 1);			/* target_vcpu */
	img[16] = 2;				/* msg_sint: VMBUS_MESSAGE_SINT */
	put(img, 24, 8, 0x1000);		/* monitor_page1 */
	put(img, 32, 8, 0x2000);		/* monitor_page2 */
	c.header.msgtype = CHANNELMSG_INITIATE_CONTACT;
	c.vmbus_version_requested = OVB_VMBUS_VERSION_WIN10_V5_3;
	c.target_vcpu = 1;
	c.u.v5.msg_sint = OVB_VMBUS_MESSAGE_SINT;
	c.monitor_page1 = 0x1000;
	c.monitor_page2 = 0x2000;
	assert_memory_equal(&c, img, sizeof(img));

	put(img, 8, 4, 0x00020004);		/* VERSION_WIN8 */
	put(img, 16, 8, 0x1122334455667788ull);	/* interrupt_page */
	c.vmbus_version_requested = OVB_VMBUS_VERSION_WIN8;
	c.u.interrupt_page = 0x1122334455667788ull;
	assert_memory_equal(&c, img, sizeof(img));
}

static void test_version_response_image(void **state)
{
	struct vmbus_channel_version_response r;
	u8 img[16] = { 0 };

	(void)state;
	put(img, 0, 4, 15);			/* header.msgtype: CHANNELMSG_VERSION_RESPONSE */
	img[8] = 1;				/* version_supported */
	img[9] = 0;				/* connection_state */
	put(img, 12, 4, 4);			/* msg_conn_id: VMBUS_MESSAGE_CONNECTION_ID_4 */
	memcpy(&r, img, sizeof(r));
	assert_int_equal(r.header.msgtype, CHANNELMSG_VERSION_RESPONSE);
	assert_int_equal(r.version_supported, 1);
	assert_int_equal(r.connection_state, 0);
	assert_int_equal(r.msg_conn_id, OVB_VMBUS_MESSAGE_CONNECTION_ID_4);
}

/* A two-page GPADL in one header message, as Linux's create_gpadl_header. */
static void test_gpadl_header_image(void **state)
{
	u8 img[36] = { 0 }, mine[36] = { 0 };
	struct vmbus_channel_gpadl_header h = { 0 };
	struct ovb_gpa_range r = { 0 };
	const u64 pfns[2] = { 0x12345, 0xabcdef0123ull };

	(void)state;
	put(img, 0, 4, 8);			/* header.msgtype: CHANNELMSG_GPADL_HEADER */
	put(img, 8, 4, 7);			/* child_relid */
	put(img, 12, 4, 0xe1e10);		/* gpadl */
	put(img, 16, 2, 8 + 2 * 8);		/* range_buflen: gpa_range + 2 PFNs */
	put(img, 18, 2, 1);			/* rangecount */
	put(img, 20, 4, 8192);			/* range[0].byte_count */
	put(img, 24, 4, 0);			/* range[0].byte_offset */
	put(img, 28, 8, pfns[0]);		/* range[0].pfn_array[0] */
	assert_int_equal(sizeof(h) + sizeof(r) + 8, sizeof(img));
	h.header.msgtype = CHANNELMSG_GPADL_HEADER;
	h.child_relid = 7;
	h.gpadl = 0xe1e10;
	h.range_buflen = sizeof(r) + 2 * sizeof(u64);
	h.rangecount = 1;
	r.byte_count = 2 * OVB_HV_PAGE_SIZE;
	memcpy(mine, &h, sizeof(h));
	memcpy(mine + sizeof(h), &r, sizeof(r));
	memcpy(mine + sizeof(h) + sizeof(r), &pfns[0], 8);
	assert_memory_equal(mine, img, sizeof(img));
	/* The body carrying the rest: msgnumber, gpadl, then PFNs at 16. */
	{
		struct vmbus_channel_gpadl_body b = { .header.msgtype = CHANNELMSG_GPADL_BODY,
						      .msgnumber = 1, .gpadl = 0xe1e10 };
		u8 bimg[24] = { 0 }, bmine[24];

		put(bimg, 0, 4, 9);		/* header.msgtype: CHANNELMSG_GPADL_BODY */
		put(bimg, 8, 4, 1);		/* msgnumber */
		put(bimg, 12, 4, 0xe1e10);	/* gpadl */
		put(bimg, 16, 8, pfns[1]);	/* pfn[0] */
		memcpy(bmine, &b, sizeof(b));
		memcpy(bmine + sizeof(b), &pfns[1], 8);
		assert_memory_equal(bmine, bimg, sizeof(bimg));
	}
}

/* The SynIC message slot and the HvPostMessage input page (TLFS). */
static void test_synic_images(void **state)
{
	struct hv_input_post_message in = { 0 };
	struct hv_message m;
	u8 img[256] = { 0 };

	(void)state;
	put(img, 0, 4, 4);			/* connectionid */
	put(img, 8, 4, 1);			/* message_type */
	put(img, 12, 4, 16);			/* payload_size */
	put(img, 16, 4, 14);			/* payload[0] */
	in.connection_id = 4;
	in.message_type = 1;
	in.payload_size = 16;
	in.payload[0] = 14;
	assert_memory_equal(&in, img, sizeof(img));

	memset(img, 0, sizeof(img));
	put(img, 0, 4, 0x80000010u);		/* header.message_type: HVMSG_TIMER_EXPIRED */
	img[4] = 24;				/* header.payload_size */
	img[5] = 1;				/* header.message_flags.msg_pending */
	put(img, 8, 8, 0x42);			/* header.sender */
	put(img, 16, 4, 3);			/* payload: timer_index */
	memcpy(&m, img, sizeof(m));
	assert_int_equal(m.header.message_type, HVMSG_TIMER_EXPIRED);
	assert_int_equal(m.header.payload_size, 24);
	assert_int_equal(m.header.message_flags, HV_MESSAGE_FLAG_PENDING);
	assert_int_equal(m.header.sender, 0x42);
	assert_int_equal(((struct hv_timer_message_payload *)(void *)m.payload)->timer_index, 3);
}

/* A heartbeat request as Linux's hv_utils reads it, pipe header first. */
static void test_ic_header_image(void **state)
{
	u8 img[ICMSG_HDR_SIZE + 8] = { 0 }, mine[sizeof(img)] = { 0 };
	struct vmbuspipe_hdr p = { .flags = 2, .msgsize = 28 + 8 };
	struct icmsg_hdr h = { .icverframe = { 3, 0 }, .icmsgtype = ICMSGTYPE_HEARTBEAT,
			       .icvermsg = { 3, 0 }, .icmsgsize = 8, .status = IC_STATUS_FAIL,
			       .ictransaction_id = 9,
			       .icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_REQUEST };
	u64 seq = 0x0102030405060708ull;

	(void)state;
	put(img, 0, 4, 2);			/* vmbuspipe_hdr.flags */
	put(img, 4, 4, 36);			/* vmbuspipe_hdr.msgsize */
	put(img, 8, 2, 3);			/* icverframe.major */
	put(img, 12, 2, 1);			/* icmsgtype: ICMSGTYPE_HEARTBEAT */
	put(img, 14, 2, 3);			/* icvermsg.major */
	put(img, 18, 2, 8);			/* icmsgsize */
	put(img, 20, 4, 0x80004005u);		/* status: HV_E_FAIL */
	img[24] = 9;				/* ictransaction_id */
	img[25] = 1 | 2;			/* icflags: TRANSACTION | REQUEST */
	put(img, 28, 8, seq);			/* heartbeat_msg_data.seq_num */
	memcpy(mine, &p, sizeof(p));
	memcpy(mine + sizeof(p), &h, sizeof(h));
	memcpy(mine + ICMSG_HDR_SIZE, &seq, 8);
	assert_memory_equal(mine, img, sizeof(img));
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
		cmocka_unit_test(test_guid_byte_order),
		cmocka_unit_test(test_offer_image),
		cmocka_unit_test(test_open_image),
		cmocka_unit_test(test_initiate_contact_image),
		cmocka_unit_test(test_version_response_image),
		cmocka_unit_test(test_gpadl_header_image),
		cmocka_unit_test(test_synic_images),
		cmocka_unit_test(test_ic_header_image),
		cmocka_unit_test(test_ic_negotiate_layout),
	};

	return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
