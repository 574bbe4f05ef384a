/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Integration services (ICs): heartbeat, shutdown, timesync, KVP, VSS,
 * fcopy. Every IC packet is an in-band VMBus packet whose payload starts
 * with a pipe header and an IC message header; the host sends requests,
 * the guest answers in the same buffer with ICMSGHDRFLAG_RESPONSE set.
 * The first exchange on each channel negotiates a framework version and a
 * service version (ICMSGTYPE_NEGOTIATE).
 *
 * Sources: Linux 6.1 include/linux/hyperv.h (icmsg_hdr, icmsg_negotiate,
 * shutdown_msg_data, heartbeat_msg_data, ictimesync_*),
 * include/uapi/linux/hyperv.h (UTIL_FW_VERSION, HV_S_OK, HV_E_FAIL),
 * drivers/hv/hv_util.c (service versions) and drivers/hv/channel_mgmt.c
 * (vmbus_prep_negotiate_resp: how the guest answers a negotiation).
 */
#ifndef OVB_IC_PROTO_H
#define OVB_IC_PROTO_H

#include "ovb/types.h"

#define ICMSGTYPE_NEGOTIATE	0
#define ICMSGTYPE_HEARTBEAT	1
#define ICMSGTYPE_KVPEXCHANGE	2
#define ICMSGTYPE_SHUTDOWN	3
#define ICMSGTYPE_TIMESYNC	4
#define ICMSGTYPE_VSS		5
#define ICMSGTYPE_FCOPY		7

#define ICMSGHDRFLAG_TRANSACTION	1
#define ICMSGHDRFLAG_REQUEST		2
#define ICMSGHDRFLAG_RESPONSE		4

#define IC_STATUS_OK		0x00000000u	/* HV_S_OK */
#define IC_STATUS_FAIL		0x80004005u	/* HV_E_FAIL */

/* Versions are (major << 16 | minor) here, split on the wire. */
#define IC_VERSION(major, minor)	(((major) << 16) | (minor))
#define IC_FW_VERSION_1			IC_VERSION(1, 0)	/* WS2008 */
#define IC_FW_VERSION_3			IC_VERSION(3, 0)
#define IC_HEARTBEAT_VERSION_1		IC_VERSION(1, 0)
#define IC_HEARTBEAT_VERSION_3		IC_VERSION(3, 0)
#define IC_SHUTDOWN_VERSION_1		IC_VERSION(1, 0)
#define IC_SHUTDOWN_VERSION_3		IC_VERSION(3, 0)
#define IC_SHUTDOWN_VERSION_3_1		IC_VERSION(3, 1)
#define IC_SHUTDOWN_VERSION_3_2		IC_VERSION(3, 2)
#define IC_TIMESYNC_VERSION_1		IC_VERSION(1, 0)
#define IC_TIMESYNC_VERSION_3		IC_VERSION(3, 0)
#define IC_TIMESYNC_VERSION_4		IC_VERSION(4, 0)

/* A negotiation may list at most this many versions of each kind. */
#define IC_VERSION_NEGOTIATION_MAX_VER_COUNT	100

struct vmbuspipe_hdr {
	u32 flags;
	u32 msgsize;
} __packed;
OVB_ASSERT_SIZE(struct vmbuspipe_hdr, 8);

struct ic_version {
	u16 major;
	u16 minor;
} __packed;
OVB_ASSERT_SIZE(struct ic_version, 4);

struct icmsg_hdr {
	struct ic_version icverframe;
	u16 icmsgtype;
	struct ic_version icvermsg;
	u16 icmsgsize;		/* bytes after this header */
	u32 status;		/* IC_STATUS_* in responses */
	u8 ictransaction_id;
	u8 icflags;		/* ICMSGHDRFLAG_* */
	u8 reserved[2];
} __packed;
OVB_ASSERT_SIZE(struct icmsg_hdr, 20);

/* Everything before the message body: pipe header + IC header. */
#define ICMSG_HDR_SIZE	(sizeof(struct vmbuspipe_hdr) + sizeof(struct icmsg_hdr))

/*
 * Negotiation: the host lists icframe_vercnt framework versions then
 * icmsg_vercnt service versions; the guest answers with one of each
 * (counts 1 and 1) or with counts 0 and 0 if nothing matched.
 */
struct icmsg_negotiate {
	u16 icframe_vercnt;
	u16 icmsg_vercnt;
	u32 reserved;
	struct ic_version icversion_data[];
} __packed;
OVB_ASSERT_SIZE(struct icmsg_negotiate, 8);

struct ic_heartbeat_msg {
	u64 seq_num;		/* the guest answers with seq_num + 1 */
	u32 reserved[8];
} __packed;
OVB_ASSERT_SIZE(struct ic_heartbeat_msg, 40);

/* shutdown flags: 0 shut down, 2 restart, 4 hibernate; | 1 = forced. */
#define IC_SHUTDOWN_FLAG_FORCE		0x1
#define IC_SHUTDOWN_FLAG_RESTART	0x2
#define IC_SHUTDOWN_FLAG_HIBERNATE	0x4

struct ic_shutdown_msg {
	u32 reason_code;
	u32 timeout_seconds;
	u32 flags;
	u8 display_message[2048];
} __packed;
OVB_ASSERT_SIZE(struct ic_shutdown_msg, 2060);

#define ICTIMESYNCFLAG_PROBE	0
#define ICTIMESYNCFLAG_SYNC	1
#define ICTIMESYNCFLAG_SAMPLE	2
/* Windows epoch (1601) to Unix epoch, in 100 ns units. */
#define IC_TIMESYNC_WLTIMEDELTA	116444736000000000ull

struct ic_timesync_msg {
	u64 parenttime;
	u64 childtime;
	u64 roundtriptime;
	u8 flags;
} __packed;
OVB_ASSERT_SIZE(struct ic_timesync_msg, 25);

struct ic_timesync_ref_msg {	/* service version 4 */
	u64 parenttime;
	u64 vmreferencetime;
	u8 flags;
	s8 leapflags;
	s8 stratum;
	u8 reserved[3];
} __packed;
OVB_ASSERT_SIZE(struct ic_timesync_ref_msg, 22);

#endif /* OVB_IC_PROTO_H */
