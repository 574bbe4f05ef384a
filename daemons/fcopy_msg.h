/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ovb-fcopyd's messages from /dev/vmbus/hv_fcopy (include/ovb/ic_fcopy.h;
 * Linux 6.1 hv_fcopy.c and ovb_ic give the same): START with the file's
 * name and directory (UTF-8 in the UTF-16 fields' room), its flags and
 * size; WRITE with a fragment; COMPLETE; CANCEL. After our registration
 * (a bare 4-byte version, 1) the kernel answers with its own, 4 bytes.
 * Every answer is a bare 4-byte status.
 *
 * The parse is a pure function: lengths, the operation, the strings'
 * ends within their fields, the fragment's size and its end against the
 * announced file size are all checked here.
 */
#ifndef OVB_DAEMONS_FCOPY_MSG_H
#define OVB_DAEMONS_FCOPY_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "ovb/ic_fcopy.h"

#define FCOPY_NAME_MAX	(2 * IC_FCOPY_MAX_PATH)	/* a field's bytes */

struct fcopy_req {
	uint32_t op;		/* enum fcopy_op */
	/* START */
	char file[FCOPY_NAME_MAX];
	char path[FCOPY_NAME_MAX];
	uint32_t flags;
	uint64_t size;
	/* WRITE */
	uint64_t offset;
	uint32_t len;
	const uint8_t *data;	/* into the message */
};

/* Parse one message of @len bytes into @r; 0, or -1 (malformed: answer a failure). */
int fcopy_parse(const void *msg, size_t len, struct fcopy_req *r);

#endif /* OVB_DAEMONS_FCOPY_MSG_H */
