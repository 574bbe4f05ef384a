/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * VMBus channel-management messages, protocol versions 2.4 (WIN8) to 5.3.
 *
 * These travel in SynIC messages (at most 240 payload bytes): guest to host
 * with HvPostMessage on the message connection id, host to guest in the
 * guest's SIMP slot of the VMBus message SINT.
 *
 * Sources: Linux 6.1 include/linux/hyperv.h (struct vmbus_channel_*,
 * VERSION_*), drivers/hv/hyperv_vmbus.h (connection ids, VMBUS_MESSAGE_SINT),
 * drivers/hv/channel_mgmt.c (channel_message_table: minimum lengths) and
 * drivers/hv/connection.c (vmbus_negotiate_version: per-version fields).
 * TL_CONNECT_RESULT's layout is from OpenVMM's vmbus_core protocol.
 */
#ifndef OVB_VMBUS_MSG_H
#define OVB_VMBUS_MSG_H

#include "ovb/types.h"

/* ---- versions ---------------------------------------------------------- */
#define OVB_VMBUS_VERSION(major, minor)	(((major) << 16) | (minor))
#define OVB_VMBUS_VERSION_WIN8		OVB_VMBUS_VERSION(2, 4)
#define OVB_VMBUS_VERSION_WIN8_1	OVB_VMBUS_VERSION(3, 0)
#define OVB_VMBUS_VERSION_WIN10		OVB_VMBUS_VERSION(4, 0)
#define OVB_VMBUS_VERSION_WIN10_V4_1	OVB_VMBUS_VERSION(4, 1)
#define OVB_VMBUS_VERSION_WIN10_V5	OVB_VMBUS_VERSION(5, 0)
#define OVB_VMBUS_VERSION_WIN10_V5_1	OVB_VMBUS_VERSION(5, 1)
#define OVB_VMBUS_VERSION_WIN10_V5_2	OVB_VMBUS_VERSION(5, 2)
#define OVB_VMBUS_VERSION_WIN10_V5_3	OVB_VMBUS_VERSION(5, 3)
#define OVB_VMBUS_VERSION_MIN		OVB_VMBUS_VERSION_WIN8
#define OVB_VMBUS_VERSION_MAX		OVB_VMBUS_VERSION_WIN10_V5_3

/*
 * Message connection ids: before 5.0 everything goes to 1; from 5.0 the
 * guest sends INITIATE_CONTACT to 4 and then uses the id the host returns
 * in VERSION_RESPONSE.msg_conn_id.
 */
#define OVB_VMBUS_MESSAGE_CONNECTION_ID		1
#define OVB_VMBUS_MESSAGE_CONNECTION_ID_4	4
#define OVB_VMBUS_MESSAGE_PORT_ID		1
/* The SINT the host posts VMBus messages and channel events on (< 5.0). */
#define OVB_VMBUS_MESSAGE_SINT			2

#define OVB_VMBUS_MAX_MSG_SIZE		240	/* HV_MESSAGE_PAYLOAD_BYTE_COUNT */
#define OVB_VMBUS_MAX_RELID		2047	/* Hyper-V's channel limit */
#define OVB_VMBUS_INVALID_RELID		0xffffffffu

/* ---- message types (enum vmbus_channel_message_type) -------------------- */
#define CHANNELMSG_INVALID			0
#define CHANNELMSG_OFFERCHANNEL			1
#define CHANNELMSG_RESCIND_CHANNELOFFER		2
#define CHANNELMSG_REQUESTOFFERS		3
#define CHANNELMSG_ALLOFFERS_DELIVERED		4
#define CHANNELMSG_OPENCHANNEL			5
#define CHANNELMSG_OPENCHANNEL_RESULT		6
#define CHANNELMSG_CLOSECHANNEL			7
#define CHANNELMSG_GPADL_HEADER			8
#define CHANNELMSG_GPADL_BODY			9
#define CHANNELMSG_GPADL_CREATED		10
#define CHANNELMSG_GPADL_TEARDOWN		11
#define CHANNELMSG_GPADL_TORNDOWN		12
#define CHANNELMSG_RELID_RELEASED		13
#define CHANNELMSG_INITIATE_CONTACT		14
#define CHANNELMSG_VERSION_RESPONSE		15
#define CHANNELMSG_UNLOAD			16
#define CHANNELMSG_UNLOAD_RESPONSE		17
#define CHANNELMSG_TL_CONNECT_REQUEST		21
#define CHANNELMSG_MODIFYCHANNEL		22
#define CHANNELMSG_TL_CONNECT_RESULT		23
#define CHANNELMSG_MODIFYCHANNEL_RESPONSE	24
#define CHANNELMSG_COUNT			25

struct vmbus_msg_header {
	u32 msgtype;
	u32 padding;
} __packed;
OVB_ASSERT_SIZE(struct vmbus_msg_header, 8);

/* ---- offers -------------------------------------------------------------- */
#define VMBUS_MAX_USER_DEFINED_BYTES		120
#define VMBUS_MAX_PIPE_USER_DEFINED_BYTES	116

/* offer.chn_flags */
#define VMBUS_CHANNEL_ENUMERATE_DEVICE_INTERFACE	0x0001
#define VMBUS_CHANNEL_SERVER_SUPPORTS_TRANSFER_PAGES	0x0002
#define VMBUS_CHANNEL_SERVER_SUPPORTS_GPADLS		0x0004
#define VMBUS_CHANNEL_NAMED_PIPE_MODE			0x0010
#define VMBUS_CHANNEL_LOOPBACK_OFFER			0x0100
#define VMBUS_CHANNEL_PARENT_OFFER			0x0200
#define VMBUS_CHANNEL_REQUEST_MONITORED_NOTIFICATION	0x0400
#define VMBUS_CHANNEL_TLNPI_PROVIDER_OFFER		0x2000

/* pipe_mode in the pipe variant of the user-defined area */
#define VMBUS_PIPE_TYPE_BYTE		0x00000000
#define VMBUS_PIPE_TYPE_MESSAGE		0x00000004

struct vmbus_channel_offer {
	struct ovb_guid if_type;	/* device class */
	struct ovb_guid if_instance;	/* this device */
	u64 reserved1;
	u64 reserved2;
	u16 chn_flags;
	u16 mmio_megabytes;
	union {
		u8 user_def[VMBUS_MAX_USER_DEFINED_BYTES];
		struct {
			u32 pipe_mode;
			u8 user_def[VMBUS_MAX_PIPE_USER_DEFINED_BYTES];
		} __packed pipe;
	} u;
	u16 sub_channel_index;		/* WIN8+: 0 = primary channel */
	u16 reserved3;
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_offer, 176);
OVB_ASSERT_OFFSET(struct vmbus_channel_offer, chn_flags, 48);
OVB_ASSERT_OFFSET(struct vmbus_channel_offer, sub_channel_index, 172);

/* offer_channel.monitor_flags / interrupt_flags bits */
#define VMBUS_OFFER_MONITOR_ALLOCATED		0x01
#define VMBUS_OFFER_DEDICATED_INTERRUPT		0x0001

struct vmbus_channel_offer_channel {
	struct vmbus_msg_header header;
	struct vmbus_channel_offer offer;
	u32 child_relid;
	u8 monitorid;
	u8 monitor_flags;		/* VMBUS_OFFER_MONITOR_ALLOCATED */
	u16 interrupt_flags;		/* VMBUS_OFFER_DEDICATED_INTERRUPT */
	u32 connection_id;		/* the guest signals the host on this */
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_offer_channel, 196);
OVB_ASSERT_OFFSET(struct vmbus_channel_offer_channel, child_relid, 184);
OVB_ASSERT_OFFSET(struct vmbus_channel_offer_channel, connection_id, 192);

struct vmbus_channel_rescind_offer {
	struct vmbus_msg_header header;
	u32 child_relid;
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_rescind_offer, 12);

/* REQUESTOFFERS, ALLOFFERS_DELIVERED, UNLOAD, UNLOAD_RESPONSE: header only. */
struct vmbus_channel_empty {
	struct vmbus_msg_header header;
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_empty, 8);

/* ---- open / close -------------------------------------------------------- */
struct vmbus_channel_open_channel {
	struct vmbus_msg_header header;
	u32 child_relid;
	u32 openid;
	u32 ringbuffer_gpadlhandle;
	u32 target_vp;
	/* The guest-to-host ring starts the GPADL; host-to-guest at this page. */
	u32 downstream_ringbuffer_pageoffset;
	u8 userdata[VMBUS_MAX_USER_DEFINED_BYTES];
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_open_channel, 148);

struct vmbus_channel_open_result {
	struct vmbus_msg_header header;
	u32 child_relid;
	u32 openid;
	u32 status;			/* 0 = success */
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_open_result, 20);

struct vmbus_channel_close_channel {
	struct vmbus_msg_header header;
	u32 child_relid;
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_close_channel, 12);

struct vmbus_channel_relid_released {
	struct vmbus_msg_header header;
	u32 child_relid;
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_relid_released, 12);

/* ---- GPADLs -------------------------------------------------------------- */
/*
 * A GPADL is a list of guest page frames. The header message carries
 * rangecount ranges (Linux sends exactly one) of range_buflen bytes in all,
 * each a struct ovb_gpa_range (include/ovb/ring.h) followed by its PFNs; the
 * PFNs that do not fit follow in body messages, in order.
 */
#define VMBUS_GPADL_TYPE_RING_BUFFER		1
#define VMBUS_GPADL_TYPE_SERVER_SAVE_AREA	2
#define VMBUS_GPADL_TYPE_TRANSACTION		8

struct vmbus_channel_gpadl_header {
	struct vmbus_msg_header header;
	u32 child_relid;
	u32 gpadl;
	u16 range_buflen;
	u16 rangecount;
	/* struct ovb_gpa_range range[] with their pfn_array[] */
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_gpadl_header, 20);

struct vmbus_channel_gpadl_body {
	struct vmbus_msg_header header;
	u32 msgnumber;
	u32 gpadl;
	u64 pfn[];
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_gpadl_body, 16);

/* PFNs per message: the header's first range has an 8-byte range header. */
#define VMBUS_GPADL_HEADER_MAX_PFNS \
	((OVB_VMBUS_MAX_MSG_SIZE - sizeof(struct vmbus_channel_gpadl_header) - 8) / 8)
#define VMBUS_GPADL_BODY_MAX_PFNS \
	((OVB_VMBUS_MAX_MSG_SIZE - sizeof(struct vmbus_channel_gpadl_body)) / 8)
static_assert(VMBUS_GPADL_HEADER_MAX_PFNS == 26, "header PFNs");
static_assert(VMBUS_GPADL_BODY_MAX_PFNS == 28, "body PFNs");

struct vmbus_channel_gpadl_created {
	struct vmbus_msg_header header;
	u32 child_relid;
	u32 gpadl;
	u32 creation_status;		/* 0 = success */
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_gpadl_created, 20);

struct vmbus_channel_gpadl_teardown {
	struct vmbus_msg_header header;
	u32 child_relid;
	u32 gpadl;
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_gpadl_teardown, 16);

struct vmbus_channel_gpadl_torndown {
	struct vmbus_msg_header header;
	u32 gpadl;
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_gpadl_torndown, 12);

/* ---- connection ---------------------------------------------------------- */
struct vmbus_channel_initiate_contact {
	struct vmbus_msg_header header;
	u32 vmbus_version_requested;
	u32 target_vcpu;		/* the vCPU the host answers on */
	union {
		u64 interrupt_page;	/* < 5.0: GPA of the interrupt page */
		struct {
			u8 msg_sint;	/* >= 5.0: SINT for host messages */
			u8 padding1[3];
			u32 padding2;
		} __packed v5;
	} u;
	u64 monitor_page1;
	u64 monitor_page2;
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_initiate_contact, 40);
OVB_ASSERT_OFFSET(struct vmbus_channel_initiate_contact, u, 16);

struct vmbus_channel_version_response {
	struct vmbus_msg_header header;
	u8 version_supported;		/* 0 = try an older version */
	u8 connection_state;
	u16 padding;
	u32 msg_conn_id;		/* >= 5.0: connection id for messages */
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_version_response, 16);

/* ---- 4.0+: modify channel, 5.x hv_sock -------------------------------------- */
struct vmbus_channel_modifychannel {
	struct vmbus_msg_header header;
	u32 child_relid;
	u32 target_vp;
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_modifychannel, 16);

struct vmbus_channel_modifychannel_response {
	struct vmbus_msg_header header;
	u32 child_relid;
	u32 status;
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_modifychannel_response, 16);

struct vmbus_channel_tl_connect_request {
	struct vmbus_msg_header header;
	struct ovb_guid guest_endpoint_id;
	struct ovb_guid host_service_id;
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_tl_connect_request, 40);

struct vmbus_channel_tl_connect_result {
	struct vmbus_msg_header header;
	struct ovb_guid guest_endpoint_id;
	struct ovb_guid host_service_id;
	s32 status;
} __packed;
OVB_ASSERT_SIZE(struct vmbus_channel_tl_connect_result, 44);

/* ---- the message family, as one table ------------------------------------- */
#define VMBUS_DIR_G2H	1	/* guest to host */
#define VMBUS_DIR_H2G	2	/* host to guest */

/*
 * X(type, struct, minimum length, minimum version, direction).
 * The minimum length is what the receiver needs to parse the message; the
 * GPADL header and body carry variable-length arrays after it. Expand with
 * a macro of five arguments where a table is needed (guest, host, tests).
 */
#define OVB_VMBUS_MSG_TABLE(X)                                                          \
	X(CHANNELMSG_OFFERCHANNEL, vmbus_channel_offer_channel,                          \
	  sizeof(struct vmbus_channel_offer_channel), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_H2G) \
	X(CHANNELMSG_RESCIND_CHANNELOFFER, vmbus_channel_rescind_offer,                  \
	  sizeof(struct vmbus_channel_rescind_offer), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_H2G) \
	X(CHANNELMSG_REQUESTOFFERS, vmbus_channel_empty,                                 \
	  sizeof(struct vmbus_channel_empty), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_G2H)       \
	X(CHANNELMSG_ALLOFFERS_DELIVERED, vmbus_channel_empty,                           \
	  sizeof(struct vmbus_channel_empty), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_H2G)       \
	X(CHANNELMSG_OPENCHANNEL, vmbus_channel_open_channel,                            \
	  sizeof(struct vmbus_channel_open_channel), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_G2H) \
	X(CHANNELMSG_OPENCHANNEL_RESULT, vmbus_channel_open_result,                      \
	  sizeof(struct vmbus_channel_open_result), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_H2G) \
	X(CHANNELMSG_CLOSECHANNEL, vmbus_channel_close_channel,                          \
	  sizeof(struct vmbus_channel_close_channel), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_G2H) \
	X(CHANNELMSG_GPADL_HEADER, vmbus_channel_gpadl_header,                           \
	  sizeof(struct vmbus_channel_gpadl_header), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_G2H) \
	X(CHANNELMSG_GPADL_BODY, vmbus_channel_gpadl_body,                               \
	  sizeof(struct vmbus_channel_gpadl_body), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_G2H)  \
	X(CHANNELMSG_GPADL_CREATED, vmbus_channel_gpadl_created,                         \
	  sizeof(struct vmbus_channel_gpadl_created), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_H2G) \
	X(CHANNELMSG_GPADL_TEARDOWN, vmbus_channel_gpadl_teardown,                       \
	  sizeof(struct vmbus_channel_gpadl_teardown), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_G2H) \
	X(CHANNELMSG_GPADL_TORNDOWN, vmbus_channel_gpadl_torndown,                       \
	  sizeof(struct vmbus_channel_gpadl_torndown), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_H2G) \
	X(CHANNELMSG_RELID_RELEASED, vmbus_channel_relid_released,                       \
	  sizeof(struct vmbus_channel_relid_released), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_G2H) \
	X(CHANNELMSG_INITIATE_CONTACT, vmbus_channel_initiate_contact,                   \
	  sizeof(struct vmbus_channel_initiate_contact), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_G2H) \
	X(CHANNELMSG_VERSION_RESPONSE, vmbus_channel_version_response,                   \
	  sizeof(struct vmbus_channel_version_response), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_H2G) \
	X(CHANNELMSG_UNLOAD, vmbus_channel_empty,                                        \
	  sizeof(struct vmbus_channel_empty), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_G2H)       \
	X(CHANNELMSG_UNLOAD_RESPONSE, vmbus_channel_empty,                               \
	  sizeof(struct vmbus_channel_empty), OVB_VMBUS_VERSION_WIN8, VMBUS_DIR_H2G)       \
	X(CHANNELMSG_TL_CONNECT_REQUEST, vmbus_channel_tl_connect_request,               \
	  sizeof(struct vmbus_channel_tl_connect_request), OVB_VMBUS_VERSION_WIN10, VMBUS_DIR_G2H) \
	X(CHANNELMSG_MODIFYCHANNEL, vmbus_channel_modifychannel,                         \
	  sizeof(struct vmbus_channel_modifychannel), OVB_VMBUS_VERSION_WIN10_V4_1, VMBUS_DIR_G2H) \
	X(CHANNELMSG_TL_CONNECT_RESULT, vmbus_channel_tl_connect_result,                 \
	  sizeof(struct vmbus_channel_tl_connect_result), OVB_VMBUS_VERSION_WIN10, VMBUS_DIR_H2G) \
	X(CHANNELMSG_MODIFYCHANNEL_RESPONSE, vmbus_channel_modifychannel_response,       \
	  sizeof(struct vmbus_channel_modifychannel_response), OVB_VMBUS_VERSION_WIN10_V5_3, VMBUS_DIR_H2G)

#endif /* OVB_VMBUS_MSG_H */
