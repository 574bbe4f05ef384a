/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * NVSP: the synthetic network (netvsc/netvsp) protocol over VMBus, the
 * layer below RNDIS (include/ovb/rndis.h).
 *
 * Sources: Linux 6.1 drivers/net/hyperv/hyperv_net.h (NVSP_PROTOCOL_VERSION_*,
 * enum nvsp_msg_type, enum nvsp_status, struct nvsp_message and its
 * members, NETVSC_RECEIVE_BUFFER_ID), drivers/net/hyperv/netvsc.c
 * (negotiate_nvsp_ver and netvsc_connect_vsp: the order of the messages,
 * which carry no completion; netvsc_init_buf: what the buffer completions
 * must hold; netvsc_send_completion: the minimum lengths of what the host
 * sends; netvsc_receive: transfer-page packets) and OpenVMM's netvsp
 * (messages padded to 0x28 bytes from NVSP 6.1 on, max_mdl_chain_length 34).
 *
 * Every message is one in-band packet (or, for SEND_RNDIS_PKT, the in-band
 * part of a GPA-direct packet) that starts with a u32 message type. The
 * host's answers to INIT, SEND_RECV_BUF, SEND_SEND_BUF, SEND_RNDIS_PKT and
 * SUBCHANNEL are VM_PKT_COMP packets echoing the guest's transaction id;
 * the host's RNDIS messages reach the guest as SEND_RNDIS_PKT in a
 * transfer-page packet (pageset id = the receive buffer's id) whose ranges
 * are sections of the receive buffer.
 */
#ifndef OVB_NVSP_H
#define OVB_NVSP_H

#include "ovb/types.h"

/* ---- versions (NVSP_PROTOCOL_VERSION_*) ---------------------------------- */
#define OVB_NVSP_VERSION_1		0x00002u
#define OVB_NVSP_VERSION_2		0x30002u
#define OVB_NVSP_VERSION_4		0x40000u
#define OVB_NVSP_VERSION_5		0x50000u
#define OVB_NVSP_VERSION_6		0x60000u
#define OVB_NVSP_VERSION_61		0x60001u
#define OVB_NVSP_VERSION_INVALID	0xffffffffu

/* NDIS versions the guest announces in SEND_NDIS_VER (major << 16 | minor). */
#define OVB_NDIS_VERSION_6_1		0x00060001u	/* NVSP <= 4 */
#define OVB_NDIS_VERSION_6_30		0x0006001eu	/* NVSP >= 5 */

/* ---- message types (enum nvsp_msg_type) ----------------------------------- */
#define NVSP_MSG_TYPE_NONE			0
#define NVSP_MSG_TYPE_INIT			1
#define NVSP_MSG_TYPE_INIT_COMPLETE		2
#define NVSP_MSG1_TYPE_SEND_NDIS_VER		100
#define NVSP_MSG1_TYPE_SEND_RECV_BUF		101
#define NVSP_MSG1_TYPE_SEND_RECV_BUF_COMPLETE	102
#define NVSP_MSG1_TYPE_REVOKE_RECV_BUF		103
#define NVSP_MSG1_TYPE_SEND_SEND_BUF		104
#define NVSP_MSG1_TYPE_SEND_SEND_BUF_COMPLETE	105
#define NVSP_MSG1_TYPE_REVOKE_SEND_BUF		106
#define NVSP_MSG1_TYPE_SEND_RNDIS_PKT		107
#define NVSP_MSG1_TYPE_SEND_RNDIS_PKT_COMPLETE	108
#define NVSP_MSG2_TYPE_SEND_NDIS_CONFIG		125
#define NVSP_MSG4_TYPE_SEND_VF_ASSOCIATION	128
#define NVSP_MSG4_TYPE_SWITCH_DATA_PATH		129
#define NVSP_MSG5_TYPE_OID_QUERY_EX		131
#define NVSP_MSG5_TYPE_OID_QUERY_EX_COMP	132
#define NVSP_MSG5_TYPE_SUBCHANNEL		133
#define NVSP_MSG5_TYPE_SEND_INDIRECTION_TABLE	134

/* ---- status (enum nvsp_status) -------------------------------------------- */
#define NVSP_STAT_NONE			0
#define NVSP_STAT_SUCCESS		1
#define NVSP_STAT_FAIL			2
#define NVSP_STAT_PROTOCOL_TOO_NEW	3
#define NVSP_STAT_PROTOCOL_TOO_OLD	4
#define NVSP_STAT_INVALID_RNDIS_PKT	5
#define NVSP_STAT_BUSY			6
#define NVSP_STAT_PROTOCOL_UNSUPPORTED	7

/* Linux's buffer ids: the receive buffer's is the transfer page set id. */
#define OVB_NETVSC_RECEIVE_BUFFER_ID	0xcafe
#define OVB_NETVSC_SEND_BUFFER_ID	0

/* SEND_RNDIS_PKT.channel_type */
#define OVB_NVSP_CHANNEL_DATA		0
#define OVB_NVSP_CHANNEL_CONTROL	1
/* SEND_RNDIS_PKT.send_buf_section_index when the data is GPA-direct */
#define OVB_NVSP_INVALID_SECTION	0xffffffffu

/* The minimum section size either buffer may have (NETVSC_MTU_MIN). */
#define OVB_NVSP_MIN_SECTION_SIZE	68u
/* What OpenVMM and Hyper-V answer in INIT_COMPLETE.max_mdl_chain_len. */
#define OVB_NVSP_MAX_MDL_CHAIN		34u
/* Entries of the send indirection table (VRSS_SEND_TAB_SIZE). */
#define OVB_NVSP_SEND_TABLE_SIZE	16u

/* ---- message bodies (after the u32 type) ----------------------------------- */
struct nvsp_init {
	u32 min_protocol_ver;
	u32 max_protocol_ver;
} __packed;
OVB_ASSERT_SIZE(struct nvsp_init, 8);

struct nvsp_init_complete {
	u32 negotiated_protocol_ver;
	u32 max_mdl_chain_len;
	u32 status;			/* NVSP_STAT_* */
} __packed;
OVB_ASSERT_SIZE(struct nvsp_init_complete, 12);

struct nvsp_send_ndis_version {
	u32 ndis_major_ver;
	u32 ndis_minor_ver;
} __packed;
OVB_ASSERT_SIZE(struct nvsp_send_ndis_version, 8);

/* SEND_RECV_BUF and SEND_SEND_BUF */
struct nvsp_send_buffer {
	u32 gpadl_handle;
	u16 id;
} __packed;
OVB_ASSERT_SIZE(struct nvsp_send_buffer, 6);

struct nvsp_receive_buffer_section {
	u32 offset;
	u32 sub_alloc_size;
	u32 num_sub_allocs;
	u32 end_offset;
} __packed;
OVB_ASSERT_SIZE(struct nvsp_receive_buffer_section, 16);

/* The guest requires num_sections == 1 and sections[0].offset == 0. */
struct nvsp_send_recv_buf_complete {
	u32 status;
	u32 num_sections;
	struct nvsp_receive_buffer_section sections[1];
} __packed;
OVB_ASSERT_SIZE(struct nvsp_send_recv_buf_complete, 24);

struct nvsp_send_send_buf_complete {
	u32 status;
	u32 section_size;		/* the host chooses it */
} __packed;
OVB_ASSERT_SIZE(struct nvsp_send_send_buf_complete, 8);

/* REVOKE_RECV_BUF and REVOKE_SEND_BUF */
struct nvsp_revoke_buffer {
	u16 id;
} __packed;
OVB_ASSERT_SIZE(struct nvsp_revoke_buffer, 2);

struct nvsp_send_rndis_pkt {
	u32 channel_type;		/* OVB_NVSP_CHANNEL_* */
	u32 send_buf_section_index;	/* or OVB_NVSP_INVALID_SECTION */
	u32 send_buf_section_size;	/* bytes used in that section */
} __packed;
OVB_ASSERT_SIZE(struct nvsp_send_rndis_pkt, 12);

struct nvsp_send_rndis_pkt_complete {
	u32 status;
} __packed;
OVB_ASSERT_SIZE(struct nvsp_send_rndis_pkt_complete, 4);

/* nvsp_2_vsc_capability bits in SEND_NDIS_CONFIG.capability */
#define OVB_NVSP_CAP_VMQ		(1ull << 0)
#define OVB_NVSP_CAP_CHIMNEY		(1ull << 1)
#define OVB_NVSP_CAP_SRIOV		(1ull << 2)
#define OVB_NVSP_CAP_IEEE8021Q		(1ull << 3)
#define OVB_NVSP_CAP_CORRELATION_ID	(1ull << 4)
#define OVB_NVSP_CAP_TEAMING		(1ull << 5)
#define OVB_NVSP_CAP_VSUBNETID		(1ull << 6)
#define OVB_NVSP_CAP_RSC		(1ull << 7)

struct nvsp_send_ndis_config {
	u32 mtu;			/* the guest's MTU + 14 */
	u32 reserved;
	u64 capability;			/* OVB_NVSP_CAP_* */
} __packed;
OVB_ASSERT_SIZE(struct nvsp_send_ndis_config, 16);

#define OVB_NVSP_SUBCHANNEL_ALLOCATE	1

struct nvsp_subchannel_request {
	u32 op;
	u32 num_subchannels;
} __packed;
OVB_ASSERT_SIZE(struct nvsp_subchannel_request, 8);

struct nvsp_subchannel_complete {
	u32 status;
	u32 num_subchannels;		/* granted: every one is then offered */
} __packed;
OVB_ASSERT_SIZE(struct nvsp_subchannel_complete, 8);

/* Host to guest: count u32 entries at offset bytes from the message start. */
struct nvsp_send_indirect_table {
	u32 count;
	u32 offset;
} __packed;
OVB_ASSERT_SIZE(struct nvsp_send_indirect_table, 8);

/*
 * Host to guest (NVSP >= 4): a PCI VF is (or is no longer) there for this
 * NIC. ovb_netvsc takes note and never enslaves one.
 */
struct nvsp_vf_association {
	u32 allocated;
	u32 serial;
} __packed;
OVB_ASSERT_SIZE(struct nvsp_vf_association, 8);

/* ---- the whole message ---------------------------------------------------- */
/*
 * sizeof(struct nvsp_message) in Linux 6.1 is 40 bytes: what its guest
 * sends, and what the host pads its own messages to (the guest needs at
 * least header + 24 bytes in a buffer completion).
 */
#define OVB_NVSP_MSG_SIZE	40u

struct ovb_nvsp_msg {
	u32 msg_type;			/* NVSP_MSG*_TYPE_* */
	union {
		struct nvsp_init init;
		struct nvsp_init_complete init_complete;
		struct nvsp_send_ndis_version ndis_ver;
		struct nvsp_send_ndis_config ndis_config;
		struct nvsp_send_buffer send_buf;
		struct nvsp_send_recv_buf_complete recv_buf_complete;
		struct nvsp_send_send_buf_complete send_buf_complete;
		struct nvsp_revoke_buffer revoke_buf;
		struct nvsp_send_rndis_pkt rndis_pkt;
		struct nvsp_send_rndis_pkt_complete rndis_pkt_complete;
		struct nvsp_subchannel_request subchannel;
		struct nvsp_subchannel_complete subchannel_complete;
		struct nvsp_send_indirect_table indirect_table;
		struct nvsp_vf_association vf_assoc;
		u8 pad[OVB_NVSP_MSG_SIZE - 4];
	} __packed u;
} __packed;
OVB_ASSERT_SIZE(struct ovb_nvsp_msg, OVB_NVSP_MSG_SIZE);
OVB_ASSERT_OFFSET(struct ovb_nvsp_msg, u, 4);

/* ---- the message family, as one table -------------------------------------- */
#define NVSP_DIR_G2H	1	/* guest to host */
#define NVSP_DIR_H2G	2	/* host to guest */
#define NVSP_DIR_BOTH	3

/*
 * X(type, body struct, minimum length, minimum version, direction). The
 * minimum length counts the u32 type: what a receiver needs to parse the
 * message. Expand with a macro of five arguments where a table is needed.
 */
#define OVB_NVSP_MSG_LEN(body)	(4u + (u32)sizeof(struct body))
#define OVB_NVSP_MSG_TABLE(X)                                                            \
	X(NVSP_MSG_TYPE_INIT, nvsp_init, OVB_NVSP_MSG_LEN(nvsp_init),                     \
	  OVB_NVSP_VERSION_1, NVSP_DIR_G2H)                                               \
	X(NVSP_MSG_TYPE_INIT_COMPLETE, nvsp_init_complete,                                \
	  OVB_NVSP_MSG_LEN(nvsp_init_complete), OVB_NVSP_VERSION_1, NVSP_DIR_H2G)        \
	X(NVSP_MSG1_TYPE_SEND_NDIS_VER, nvsp_send_ndis_version,                           \
	  OVB_NVSP_MSG_LEN(nvsp_send_ndis_version), OVB_NVSP_VERSION_1, NVSP_DIR_G2H)    \
	X(NVSP_MSG1_TYPE_SEND_RECV_BUF, nvsp_send_buffer,                                 \
	  OVB_NVSP_MSG_LEN(nvsp_send_buffer), OVB_NVSP_VERSION_1, NVSP_DIR_G2H)          \
	X(NVSP_MSG1_TYPE_SEND_RECV_BUF_COMPLETE, nvsp_send_recv_buf_complete,             \
	  OVB_NVSP_MSG_LEN(nvsp_send_recv_buf_complete), OVB_NVSP_VERSION_1, NVSP_DIR_H2G) \
	X(NVSP_MSG1_TYPE_REVOKE_RECV_BUF, nvsp_revoke_buffer,                             \
	  OVB_NVSP_MSG_LEN(nvsp_revoke_buffer), OVB_NVSP_VERSION_1, NVSP_DIR_G2H)        \
	X(NVSP_MSG1_TYPE_SEND_SEND_BUF, nvsp_send_buffer,                                 \
	  OVB_NVSP_MSG_LEN(nvsp_send_buffer), OVB_NVSP_VERSION_1, NVSP_DIR_G2H)          \
	X(NVSP_MSG1_TYPE_SEND_SEND_BUF_COMPLETE, nvsp_send_send_buf_complete,             \
	  OVB_NVSP_MSG_LEN(nvsp_send_send_buf_complete), OVB_NVSP_VERSION_1, NVSP_DIR_H2G) \
	X(NVSP_MSG1_TYPE_REVOKE_SEND_BUF, nvsp_revoke_buffer,                             \
	  OVB_NVSP_MSG_LEN(nvsp_revoke_buffer), OVB_NVSP_VERSION_1, NVSP_DIR_G2H)        \
	X(NVSP_MSG1_TYPE_SEND_RNDIS_PKT, nvsp_send_rndis_pkt,                             \
	  OVB_NVSP_MSG_LEN(nvsp_send_rndis_pkt), OVB_NVSP_VERSION_1, NVSP_DIR_BOTH)       \
	X(NVSP_MSG1_TYPE_SEND_RNDIS_PKT_COMPLETE, nvsp_send_rndis_pkt_complete,           \
	  OVB_NVSP_MSG_LEN(nvsp_send_rndis_pkt_complete), OVB_NVSP_VERSION_1, NVSP_DIR_BOTH) \
	X(NVSP_MSG2_TYPE_SEND_NDIS_CONFIG, nvsp_send_ndis_config,                         \
	  OVB_NVSP_MSG_LEN(nvsp_send_ndis_config), OVB_NVSP_VERSION_2, NVSP_DIR_G2H)     \
	X(NVSP_MSG4_TYPE_SEND_VF_ASSOCIATION, nvsp_vf_association,                        \
	  OVB_NVSP_MSG_LEN(nvsp_vf_association), OVB_NVSP_VERSION_4, NVSP_DIR_H2G)       \
	X(NVSP_MSG5_TYPE_SUBCHANNEL, nvsp_subchannel_request,                             \
	  OVB_NVSP_MSG_LEN(nvsp_subchannel_request), OVB_NVSP_VERSION_5, NVSP_DIR_G2H)   \
	X(NVSP_MSG5_TYPE_SEND_INDIRECTION_TABLE, nvsp_send_indirect_table,                \
	  OVB_NVSP_MSG_LEN(nvsp_send_indirect_table), OVB_NVSP_VERSION_5, NVSP_DIR_H2G)

#endif /* OVB_NVSP_H */
