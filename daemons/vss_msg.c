// SPDX-License-Identifier: GPL-2.0 OR MIT
/* ovb-vssd's protocol handling (vss_msg.h). */
#include "daemons/vss_msg.h"

#include <string.h>

#include "daemons/daemon.h"

void vss_register_msg(struct vss_msg *out)
{
	memset(out, 0, sizeof(*out));
	out->hdr.operation = IC_VSS_OP_REGISTER1;
}

size_t vss_handle(struct vss_ctx *c, const void *in, size_t len, struct vss_msg *out)
{
	uint32_t st = HV_S_OK;

	memset(out, 0, sizeof(*out));
	if (len == sizeof(uint32_t) && !c->kernel_version) {
		/* The kernel's reply to REGISTER1: its version. */
		memcpy(&c->kernel_version, in, sizeof(uint32_t));
		if (!c->kernel_version)
			c->kernel_version = 1;	/* (seen, whatever it said) */
		ovbd_log(OVBD_INFO, "registered with the kernel's VSS driver");
		return 0;
	}
	memcpy(out, in, len < sizeof(*out) ? len : sizeof(*out));
	if (len != sizeof(*out)) {
		ovbd_log_peer(OVBD_WARNING, "a %zu-byte message (not %zu): failed", len, sizeof(*out));
		st = HV_E_FAIL;
		goto answer;
	}
	switch (out->hdr.operation) {
	case IC_VSS_OP_FREEZE:
		c->freezes++;
		if (c->frozen)
			break;	/* already: one thaw undoes it */
		if (c->ops.freeze(c->ops.arg)) {
			st = HV_E_FAIL;
			break;
		}
		c->frozen = true;
		break;
	case IC_VSS_OP_THAW:
		c->thaws++;
		/* Always, even if we think we are not frozen: a thaw never hurts. */
		if (c->ops.thaw(c->ops.arg))
			st = HV_E_FAIL;
		c->frozen = false;
		break;
	case IC_VSS_OP_HOT_BACKUP:
		/* We can do a backup; no auto-recovery (as the in-tree driver says). */
		out->flags = IC_VSS_HBU_NO_AUTO_RECOVERY;
		break;
	default:
		ovbd_log_peer(OVBD_WARNING, "unknown operation %u: failed", out->hdr.operation);
		st = HV_E_FAIL;
		break;
	}
answer:
	if (st)
		c->errors++;
	out->error = (int32_t)st;
	return sizeof(*out);
}

size_t vss_standin_handle(const void *in, size_t len, struct vss_msg *out,
			  int (*thaw)(void *arg), void *arg, bool *thawed)
{
	uint32_t st = HV_E_FAIL;

	memset(out, 0, sizeof(*out));
	if (len != sizeof(*out))
		return len == sizeof(uint32_t) ? 0 : sizeof(*out);	/* (a version: no answer) */
	memcpy(out, in, len);
	if (out->hdr.operation == IC_VSS_OP_THAW && !thaw(arg)) {
		st = HV_S_OK;
		*thawed = true;
	}
	out->error = (int32_t)st;
	return sizeof(*out);
}
