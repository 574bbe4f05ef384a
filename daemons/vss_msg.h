/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ovb-vssd's protocol on /dev/vmbus/hv_vss: struct vss_msg (12 bytes,
 * include/ovb/ic_vss.h) both ways, our status in the header's place. The
 * kernel hands over FREEZE, THAW and HOT_BACKUP; after our REGISTER1 it
 * first answers with its version, a bare 4-byte number. The freezing
 * itself is behind callbacks (vss_fs.c in the daemon; the fuzzer's and
 * tests' fakes).
 */
#ifndef OVB_DAEMONS_VSS_MSG_H
#define OVB_DAEMONS_VSS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ovb/ic_vss.h"

struct vss_ops {
	/* Freeze every local filesystem; 0, or -1 with everything thawed again. */
	int (*freeze)(void *arg);
	/* Thaw them; 0, or -1 if one would not thaw. */
	int (*thaw)(void *arg);
	void *arg;
};

struct vss_ctx {
	struct vss_ops ops;
	bool frozen;
	uint32_t kernel_version;	/* 0 until the kernel's reply */
	unsigned long freezes, thaws, errors;
};

void vss_register_msg(struct vss_msg *out);
/* One message of @len bytes: the answer in @out, its length (0: none to write). */
size_t vss_handle(struct vss_ctx *c, const void *in, size_t len, struct vss_msg *out);

/*
 * The watchdog's answer once ovb-vssd died while frozen and the watchdog
 * thawed (vss_fs.c): a THAW succeeds if @thaw (one more thaw, a no-op)
 * does, and sets *@thawed; anything else fails, since nobody is left to
 * hold a freeze. So `ovbctl thaw` after the daemon's death says the truth
 * (thawed) instead of "no daemon". The answer's length, as vss_handle().
 */
size_t vss_standin_handle(const void *in, size_t len, struct vss_msg *out,
			  int (*thaw)(void *arg), void *arg, bool *thawed);

#endif /* OVB_DAEMONS_VSS_MSG_H */
