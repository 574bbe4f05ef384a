/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * VSTOR: the synthetic SCSI (storvsc/storvsp) wire protocol over VMBus.
 *
 * Layout facts from Linux 6.1 drivers/scsi/storvsc_drv.c (struct
 * vstor_packet, struct vmscsi_request, struct vmstorage_channel_properties,
 * struct vmstorage_protocol_version, enum vstor_packet_operation, the
 * SRB_FLAGS_* and SRB_STATUS_* constants). Pre-WIN8 hosts/guests used a
 * vmscsi_request without the WIN8 extension (Linux <= 5.x called the
 * difference vmscsi_size_delta); 6.1 only speaks WIN8 and later, and so do
 * we, but the short size is kept for validating older peers.
 *
 * Data moves in the same VMBus packet as the request: EXECUTE_SRB is sent as
 * a GPA-direct multi-page-range packet (include/ovb/ring.h,
 * struct ovb_gpa_range) whose in-band part is a struct ovb_vstor_packet.
 */
#ifndef OVB_STORVSC_PROTO_H
#define OVB_STORVSC_PROTO_H

#include "ovb/types.h"

/* Protocol version: major in the high byte, minor in the low byte. */
#define OVB_VMSTOR_PROTO_VERSION(maj, min) \
	((u16)((((maj) & 0xff) << 8) | ((min) & 0xff)))
#define OVB_VMSTOR_PROTO_VERSION_WIN6	OVB_VMSTOR_PROTO_VERSION(2, 0)
#define OVB_VMSTOR_PROTO_VERSION_WIN7	OVB_VMSTOR_PROTO_VERSION(4, 2)
#define OVB_VMSTOR_PROTO_VERSION_WIN8	OVB_VMSTOR_PROTO_VERSION(5, 1)	/* 0x0501 */
#define OVB_VMSTOR_PROTO_VERSION_WIN8_1	OVB_VMSTOR_PROTO_VERSION(6, 0)	/* 0x0600 */
#define OVB_VMSTOR_PROTO_VERSION_WIN10	OVB_VMSTOR_PROTO_VERSION(6, 2)	/* 0x0602 */

/* enum vstor_packet_operation (a u32 on the wire) */
#define OVB_VSTOR_OP_COMPLETE_IO		1
#define OVB_VSTOR_OP_REMOVE_DEVICE		2
#define OVB_VSTOR_OP_EXECUTE_SRB		3
#define OVB_VSTOR_OP_RESET_LUN			4
#define OVB_VSTOR_OP_RESET_ADAPTER		5
#define OVB_VSTOR_OP_RESET_BUS			6
#define OVB_VSTOR_OP_BEGIN_INITIALIZATION	7
#define OVB_VSTOR_OP_END_INITIALIZATION		8
#define OVB_VSTOR_OP_QUERY_PROTOCOL_VERSION	9
#define OVB_VSTOR_OP_QUERY_PROPERTIES		10
#define OVB_VSTOR_OP_ENUMERATE_BUS		11
#define OVB_VSTOR_OP_FCHBA_DATA			12
#define OVB_VSTOR_OP_CREATE_SUB_CHANNELS	13
#define OVB_VSTOR_OP_MAXIMUM			13

/* vstor_packet.flags: REQUEST_COMPLETION_FLAG */
#define OVB_VSTOR_FLAG_REQUEST_COMPLETION	0x1

/*
 * vstor_packet.status: 0 is success (storvsc_drv.c checks "status != 0").
 * Failure values are Windows NTSTATUS-like; the guest only tests non-zero.
 */
#define OVB_VSTOR_STATUS_SUCCESS		0x00000000u
#define OVB_VSTOR_STATUS_INVALID_DEVICE_STATE	0xc0000184u
#define OVB_VSTOR_STATUS_REVISION_MISMATCH	0xc0000059u
#define OVB_VSTOR_STATUS_INVALID_PARAMETER	0xc000000du

/* SRB flags (vmscsi_request.srb_flags, WIN8 extension) */
#define OVB_SRB_FLAGS_QUEUE_ACTION_ENABLE	0x00000002
#define OVB_SRB_FLAGS_DISABLE_DISCONNECT	0x00000004
#define OVB_SRB_FLAGS_DISABLE_SYNCH_TRANSFER	0x00000008
#define OVB_SRB_FLAGS_BYPASS_FROZEN_QUEUE	0x00000010
#define OVB_SRB_FLAGS_DISABLE_AUTOSENSE		0x00000020
#define OVB_SRB_FLAGS_DATA_IN			0x00000040
#define OVB_SRB_FLAGS_DATA_OUT			0x00000080
#define OVB_SRB_FLAGS_NO_DATA_TRANSFER		0x00000000
#define OVB_SRB_FLAGS_UNSPECIFIED_DIRECTION	0x000000c0
#define OVB_SRB_FLAGS_NO_QUEUE_FREEZE		0x00000100
#define OVB_SRB_FLAGS_ADAPTER_CACHE_ENABLE	0x00000200
#define OVB_SRB_FLAGS_FREE_SENSE_BUFFER		0x00000400
#define OVB_SRB_FLAGS_D3_PROCESSING		0x00000800
#define OVB_SRB_FLAGS_IS_ACTIVE			0x00010000
#define OVB_SRB_FLAGS_ALLOCATED_FROM_ZONE	0x00020000
#define OVB_SRB_FLAGS_SGLIST_FROM_POOL		0x00040000
#define OVB_SRB_FLAGS_BYPASS_LOCKED_QUEUE	0x00080000
#define OVB_SRB_FLAGS_NO_KEEP_AWAKE		0x00100000
#define OVB_SRB_FLAGS_PORT_DRIVER_ALLOCSENSE	0x00200000
#define OVB_SRB_FLAGS_PORT_DRIVER_SENSEHASPORT	0x00400000
#define OVB_SRB_FLAGS_DONT_START_NEXT_PACKET	0x00800000
#define OVB_SRB_FLAGS_PORT_DRIVER_RESERVED	0x0f000000
#define OVB_SRB_FLAGS_CLASS_DRIVER_RESERVED	0xf0000000

#define OVB_SRB_SP_UNTAGGED			0xff
#define OVB_SRB_SIMPLE_TAG_REQUEST		0x20

/* vmscsi_request.data_in */
#define OVB_VSTOR_WRITE_TYPE			0
#define OVB_VSTOR_READ_TYPE			1
#define OVB_VSTOR_UNKNOWN_TYPE			2

/* SRB status: a code in the low 6 bits plus two flag bits. */
#define OVB_SRB_STATUS_AUTOSENSE_VALID		0x80
#define OVB_SRB_STATUS_QUEUE_FROZEN		0x40
#define OVB_SRB_STATUS_PENDING			0x00
#define OVB_SRB_STATUS_SUCCESS			0x01
#define OVB_SRB_STATUS_ABORTED			0x02
#define OVB_SRB_STATUS_ERROR			0x04
#define OVB_SRB_STATUS_INVALID_REQUEST		0x06
#define OVB_SRB_STATUS_NO_DEVICE		0x08
#define OVB_SRB_STATUS_DATA_OVERRUN		0x12
#define OVB_SRB_STATUS_INVALID_LUN		0x20
#define OVB_SRB_STATUS(s) \
	((s) & ~(OVB_SRB_STATUS_AUTOSENSE_VALID | OVB_SRB_STATUS_QUEUE_FROZEN))

/* STORVSC_MAX_CMD_LEN, STORVSC_SENSE_BUFFER_SIZE, ..._WITH_PADDING */
#define OVB_VSTOR_MAX_CMD_LEN			0x10
#define OVB_VSTOR_SENSE_BUFFER_SIZE		0x14
#define OVB_VSTOR_MAX_BUF_LEN_WITH_PADDING	0x14

/* struct vmscsi_request, with the WIN8 extension (srb flags etc.) */
struct ovb_vmscsi_request {
	u16 length;		/* sizeof this struct as the guest sees it */
	u8 srb_status;
	u8 scsi_status;
	u8 port_number;
	u8 path_id;
	u8 target_id;
	u8 lun;
	u8 cdb_length;
	u8 sense_info_length;
	u8 data_in;		/* OVB_VSTOR_{WRITE,READ,UNKNOWN}_TYPE */
	u8 reserved;
	u32 data_transfer_length;
	union {
		u8 cdb[OVB_VSTOR_MAX_CMD_LEN];
		u8 sense_data[OVB_VSTOR_SENSE_BUFFER_SIZE];
		u8 reserved_array[OVB_VSTOR_MAX_BUF_LEN_WITH_PADDING];
	};
	/* WIN8 extension */
	u16 reserve;
	u8 queue_tag;
	u8 queue_action;
	u32 srb_flags;
	u32 time_out_value;
	u32 queue_sort_key;
} __packed;
OVB_ASSERT_SIZE(struct ovb_vmscsi_request, 0x34);
OVB_ASSERT_OFFSET(struct ovb_vmscsi_request, data_transfer_length, 12);
OVB_ASSERT_OFFSET(struct ovb_vmscsi_request, cdb, 16);
OVB_ASSERT_OFFSET(struct ovb_vmscsi_request, reserve, 36);
OVB_ASSERT_OFFSET(struct ovb_vmscsi_request, srb_flags, 40);

/* Size difference of a pre-WIN8 vmscsi_request (Linux's vmscsi_size_delta). */
#define OVB_VMSCSI_WIN8_EXT_SIZE		16
#define OVB_VMSCSI_REQUEST_SIZE_PRE_WIN8	(0x34 - OVB_VMSCSI_WIN8_EXT_SIZE)

/* vmstorage_channel_properties.flags */
#define OVB_STORAGE_CHANNEL_SUPPORTS_MULTI_CHANNEL	0x1

struct ovb_vmstorage_channel_properties {
	u32 reserved;
	u16 max_channel_cnt;	/* sub-channels the host can offer */
	u16 reserved1;
	u32 flags;
	u32 max_transfer_bytes;
	u64 reserved2;
} __packed;
OVB_ASSERT_SIZE(struct ovb_vmstorage_channel_properties, 24);
OVB_ASSERT_OFFSET(struct ovb_vmstorage_channel_properties, max_transfer_bytes, 12);

struct ovb_vmstorage_protocol_version {
	u16 major_minor;
	u16 revision;		/* Windows-only build revision, 0 */
} __packed;
OVB_ASSERT_SIZE(struct ovb_vmstorage_protocol_version, 4);

/* The vstor_packet.flags of the channel in the QUERY_PROPERTIES reply */
#define OVB_STORAGE_CHANNEL_REMOVABLE_FLAG	0x1
#define OVB_STORAGE_CHANNEL_EMULATED_IDE_FLAG	0x2

struct ovb_vstor_fc_wwn {
	u8 primary_active;
	u8 reserved1[3];
	u8 primary_port_wwn[8];
	u8 primary_node_wwn[8];
	u8 secondary_port_wwn[8];
	u8 secondary_node_wwn[8];
} __packed;
OVB_ASSERT_SIZE(struct ovb_vstor_fc_wwn, 36);

#define OVB_VSTOR_PAYLOAD_SIZE			0x34

struct ovb_vstor_packet {
	u32 operation;		/* OVB_VSTOR_OP_* */
	u32 flags;		/* OVB_VSTOR_FLAG_* */
	u32 status;		/* 0 = success */
	union {
		struct ovb_vmscsi_request vm_srb;
		struct ovb_vmstorage_channel_properties storage_channel_properties;
		struct ovb_vmstorage_protocol_version version;
		struct ovb_vstor_fc_wwn wwn_packet;
		u16 sub_channel_count;
		u8 buffer[OVB_VSTOR_PAYLOAD_SIZE];
	};
} __packed;
OVB_ASSERT_SIZE(struct ovb_vstor_packet, 64);
OVB_ASSERT_OFFSET(struct ovb_vstor_packet, vm_srb, 12);

/* A packet from a pre-WIN8 peer is this much shorter. */
#define OVB_VSTOR_PACKET_SIZE_PRE_WIN8 \
	(sizeof(struct ovb_vstor_packet) - OVB_VMSCSI_WIN8_EXT_SIZE)

#endif /* OVB_STORVSC_PROTO_H */
