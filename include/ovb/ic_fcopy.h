/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The guest file copy (fcopy) integration service on the wire: the body of
 * an ICMSGTYPE_FCOPY message after the IC headers (ic_proto.h), answered
 * in place with a status only. A copy is START_FILE_COPY (name, directory,
 * size, flags), WRITE_TO_FILE fragments of at most 6 KiB at their offsets,
 * then COMPLETE_FCOPY, or CANCEL_FCOPY on failure (the guest's daemon
 * removes the partial file). Linux 6.1 accepts service version 1.1 with
 * framework 3.0; names are UTF-16LE, NUL-terminated. The 6.12 daemon
 * (uio) finds the device by its instance GUID, which the host must use.
 *
 * Sources: Linux 6.1 include/uapi/linux/hyperv.h (hv_fcopy_hdr,
 * hv_start_fcopy, hv_do_fcopy, enum hv_fcopy_op, OVER_WRITE, CREATE_PATH,
 * DATA_FRAGMENT, W_MAX_PATH), drivers/hv/hv_fcopy.c (versions) and 6.12
 * tools/hv/hv_fcopy_uio_daemon.c (the instance GUID).
 */
#ifndef OVB_IC_FCOPY_H
#define OVB_IC_FCOPY_H

#include "ovb/ic_proto.h"

#define IC_FCOPY_VERSION_1_1	IC_VERSION(1, 1)

/* The device's instance GUID: eb765408-105f-49b6-b4aa-c123b64d17d4 */
#define OVB_GUID_FCOPY_INSTANCE \
	OVB_GUID(0xeb765408, 0x105f, 0x49b6, 0xb4, 0xaa, 0xc1, 0x23, 0xb6, 0x4d, 0x17, 0xd4)

enum fcopy_op {
	IC_FCOPY_START = 0,
	IC_FCOPY_WRITE = 1,
	IC_FCOPY_COMPLETE = 2,
	IC_FCOPY_CANCEL = 3,
};

#define IC_FCOPY_OVERWRITE	0x1	/* OVER_WRITE */
#define IC_FCOPY_CREATE_PATH	0x2
#define IC_FCOPY_MAX_PATH	260	/* UTF-16 units, NUL included */
#define IC_FCOPY_FRAGMENT	(6 * 1024)

/* Status codes the daemon answers beyond ic_proto.h's. */
#define IC_FCOPY_E_ALREADY_EXISTS	0x80070050u
#define IC_FCOPY_E_DISK_FULL		0x80070070u

struct fcopy_hdr {
	u32 operation;		/* enum fcopy_op */
	u8 service_id0[16];	/* unused */
	u8 service_id1[16];
} __packed;
OVB_ASSERT_SIZE(struct fcopy_hdr, 36);

struct fcopy_start {
	struct fcopy_hdr hdr;
	u16 file_name[IC_FCOPY_MAX_PATH];
	u16 path_name[IC_FCOPY_MAX_PATH];
	u32 copy_flags;		/* IC_FCOPY_OVERWRITE | IC_FCOPY_CREATE_PATH */
	u64 file_size;
} __packed;
OVB_ASSERT_SIZE(struct fcopy_start, 1088);

struct fcopy_write {
	struct fcopy_hdr hdr;
	u32 pad;
	u64 offset;
	u32 size;		/* at most IC_FCOPY_FRAGMENT */
	u8 data[IC_FCOPY_FRAGMENT];
} __packed;
OVB_ASSERT_SIZE(struct fcopy_write, 6196);

#endif /* OVB_IC_FCOPY_H */
