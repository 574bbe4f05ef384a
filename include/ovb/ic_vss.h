/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The volume shadow copy (VSS) integration service on the wire: the body
 * of an ICMSGTYPE_VSS message after the IC headers (ic_proto.h), answered
 * in place; the guest's daemon freezes (FIFREEZE) every filesystem on
 * FREEZE and thaws them on THAW. Only service version 5.0 (framework 3.0)
 * is accepted by Linux. The guest daemon's char device (/dev/vmbus/hv_vss)
 * carries the same struct.
 *
 * Sources: Linux 6.1 include/uapi/linux/hyperv.h (hv_vss_hdr,
 * hv_vss_msg, enum hv_vss_op, VSS_OP_REGISTER*, VSS_HBU_NO_AUTO_RECOVERY)
 * and drivers/hv/hv_snapshot.c (versions, the freeze timeout, what the
 * guest answers by itself).
 */
#ifndef OVB_IC_VSS_H
#define OVB_IC_VSS_H

#include "ovb/ic_proto.h"

#define IC_VSS_VERSION_5	IC_VERSION(5, 0)

enum vss_op {
	IC_VSS_OP_CREATE = 0,
	IC_VSS_OP_DELETE = 1,
	IC_VSS_OP_HOT_BACKUP = 2,	/* the guest answers flags = NO_AUTO_RECOVERY */
	IC_VSS_OP_GET_DM_INFO = 3,
	IC_VSS_OP_BU_COMPLETE = 4,
	IC_VSS_OP_FREEZE = 5,		/* from service version 5.0 on */
	IC_VSS_OP_THAW = 6,
	IC_VSS_OP_AUTO_RECOVER = 7,
};

#define IC_VSS_OP_REGISTER	128	/* the daemon's handshake (char device) */
#define IC_VSS_OP_REGISTER1	129
#define IC_VSS_HBU_NO_AUTO_RECOVERY	0x00000005

/* How long hv_snapshot.c lets its daemon take for a FREEZE (others: 30 s). */
#define IC_VSS_FREEZE_TIMEOUT_S	(15 * 60)

struct vss_msg {
	union {
		struct {
			u8 operation;	/* enum vss_op */
			u8 reserved[7];
		} __packed hdr;
		s32 error;		/* the daemon's answer on the char device */
	} __packed;
	u32 flags;			/* HOT_BACKUP: check_feature; GET_DM_INFO */
} __packed;
OVB_ASSERT_SIZE(struct vss_msg, 12);

#endif /* OVB_IC_VSS_H */
