// SPDX-License-Identifier: GPL-2.0
/*
 * VSS IC: the host asks the guest to freeze its filesystems for a backup
 * and to thaw them; a daemon does it (Debian's hv_vss_daemon, FIFREEZE on
 * every mount) through the in-tree driver's char device /dev/vmbus/hv_vss
 * (daemon.h; Linux hv_snapshot.c): struct vss_msg both ways, the daemon's
 * result in the header's place. FREEZE, THAW and HOT_BACKUP go to the
 * daemon (a FREEZE may take 15 minutes); GET_DM_INFO and the rest are
 * answered here, as hv_snapshot.c does.
 */
#include "ovb/ic_vss.h"
#include "icvsc/daemon.h"

static const u32 vss_versions[] = { IC_VSS_VERSION_5 };

static u32 vss_to_daemon(struct ic_daemon *d, u8 *body, u32 len, u32 *out_len,
			 unsigned long *timeout)
{
	struct vss_msg m, *o = (void *)d->out;

	memcpy(&m, body, sizeof(m));
	switch (m.hdr.operation) {
	case IC_VSS_OP_FREEZE:
		*timeout = IC_VSS_FREEZE_TIMEOUT_S * HZ;
		fallthrough;
	case IC_VSS_OP_THAW:
	case IC_VSS_OP_HOT_BACKUP:
		memset(o, 0, sizeof(*o));
		o->hdr.operation = m.hdr.operation;
		*out_len = sizeof(*o);
		return IC_STATUS_OK;
	case IC_VSS_OP_GET_DM_INFO:
		m.flags = 0;
		memcpy(body, &m, sizeof(m));
		return IC_STATUS_OK;	/* answered here */
	default:
		return IC_STATUS_OK;
	}
}

static u32 vss_from_daemon(struct ic_daemon *d, const void *msg)
{
	const struct vss_msg *a = msg;
	struct vss_msg *m = (void *)(d->pkt + ICMSG_HDR_SIZE);

	if (m->hdr.operation == IC_VSS_OP_HOT_BACKUP)
		m->flags = IC_VSS_HBU_NO_AUTO_RECOVERY;
	return a->error;
}

/* REGISTER1 gets our version (a bare u32) back; the old REGISTER nothing. */
static int vss_handshake(struct ic_daemon *d, const void *msg, u32 *reply_len)
{
	const struct vss_msg *m = msg;
	u32 ver = IC_VSS_OP_REGISTER1;

	if (m->hdr.operation == IC_VSS_OP_REGISTER) {
		*reply_len = 0;
		return 0;
	}
	if (m->hdr.operation != IC_VSS_OP_REGISTER1)
		return -EINVAL;
	memcpy(d->out, &ver, sizeof(ver));
	*reply_len = sizeof(ver);
	return 0;
}

static struct ic_daemon vss_daemon = {
	IC_DAEMON_INIT(vss_daemon, "vmbus/hv_vss"),	/* devtmpfs: /dev/vmbus/hv_vss */
	.msg_size = sizeof(struct vss_msg),
	.handshake = vss_handshake,
	.to_daemon = vss_to_daemon,
	.from_daemon = vss_from_daemon,
};

IC_DAEMON_HOOKS(vss, vss_daemon)

const struct ic_service ic_vss = {
	.name = "vss",
	.probe = vss_probe,
	.quiesce = vss_quiesce,
	.remove = vss_remove,
	.msgtype = ICMSGTYPE_VSS,
	.min_len = sizeof(struct vss_msg),
	.versions = vss_versions,
	.nversions = ARRAY_SIZE(vss_versions),
	.handle = vss_handle,
};
