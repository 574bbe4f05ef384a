// SPDX-License-Identifier: GPL-2.0
/*
 * File copy IC: the host sends a file (START with its name, directory and
 * size, WRITE fragments, COMPLETE, or CANCEL) and a daemon writes it
 * (Debian's hv_fcopy_daemon) through the in-tree driver's char device
 * /dev/vmbus/hv_fcopy (daemon.h; Linux 6.1 hv_fcopy.c), also on kernels
 * whose own driver is gone (6.12 made fcopy a uio device). Towards the
 * daemon START carries the names in UTF-8, WRITE goes as it came; the
 * daemon answers with a bare int status. It registers with a bare int
 * version (1: we answer ours, 0: nothing).
 */
#include <linux/nls.h>

#include "ovb/ic_fcopy.h"
#include "icvsc/daemon.h"

static const u32 fcopy_versions[] = { IC_FCOPY_VERSION_1_1 };

#define FCOPY_DAEMON_VERSION	1

/* The host's UTF-16LE name field as UTF-8 in the daemon's (same size) field. */
static void fcopy_name(const u16 *in, u16 *out)
{
	u8 *o = (u8 *)out;
	int n = utf16s_to_utf8s((const wchar_t *)in, IC_FCOPY_MAX_PATH, UTF16_LITTLE_ENDIAN, o,
				IC_FCOPY_MAX_PATH - 1);

	o[max(n, 0)] = '\0';
}

static u32 fcopy_to_daemon(struct ic_daemon *d, u8 *body, u32 len, u32 *out_len,
			   unsigned long *timeout)
{
	struct fcopy_hdr h;

	memcpy(&h, body, sizeof(h));
	switch (h.operation) {
	case IC_FCOPY_START: {
		const struct fcopy_start *in = (const void *)body;
		struct fcopy_start *o = (void *)d->out;

		if (len < sizeof(*in))
			return IC_STATUS_FAIL;
		memset(o, 0, sizeof(*o));
		o->hdr.operation = IC_FCOPY_START;
		fcopy_name(in->file_name, o->file_name);
		fcopy_name(in->path_name, o->path_name);
		o->copy_flags = in->copy_flags;
		o->file_size = in->file_size;
		*out_len = sizeof(*o);
		return IC_STATUS_OK;
	}
	case IC_FCOPY_WRITE: {
		const struct fcopy_write *w = (const void *)body;

		if (len < sizeof(*w) || w->size > IC_FCOPY_FRAGMENT)
			return IC_STATUS_FAIL;	/* the daemon would read past data[] */
		memcpy(d->out, w, sizeof(*w));
		*out_len = sizeof(*w);
		return IC_STATUS_OK;
	}
	case IC_FCOPY_COMPLETE:
	case IC_FCOPY_CANCEL:
		memset(d->out, 0, sizeof(struct fcopy_hdr));
		memcpy(d->out, &h.operation, sizeof(h.operation));
		*out_len = sizeof(struct fcopy_hdr);
		return IC_STATUS_OK;
	}
	return IC_STATUS_FAIL;
}

static u32 fcopy_from_daemon(struct ic_daemon *d, const void *msg)
{
	s32 status;

	memcpy(&status, msg, sizeof(status));
	return status;
}

static int fcopy_handshake(struct ic_daemon *d, const void *msg, u32 *reply_len)
{
	u32 version, ours = FCOPY_DAEMON_VERSION;

	memcpy(&version, msg, sizeof(version));
	if (version == 0) {
		*reply_len = 0;
		return 0;
	}
	if (version != FCOPY_DAEMON_VERSION)
		return -EINVAL;
	memcpy(d->out, &ours, sizeof(ours));
	*reply_len = sizeof(ours);
	return 0;
}

static struct ic_daemon fcopy_daemon = {
	IC_DAEMON_INIT(fcopy_daemon, "vmbus/hv_fcopy"),	/* devtmpfs: /dev/vmbus/hv_fcopy */
	.msg_size = sizeof(s32),
	.handshake = fcopy_handshake,
	.to_daemon = fcopy_to_daemon,
	.from_daemon = fcopy_from_daemon,
};

IC_DAEMON_HOOKS(fcopy, fcopy_daemon)

const struct ic_service ic_fcopy = {
	.name = "fcopy",
	.probe = fcopy_probe,
	.quiesce = fcopy_quiesce,
	.remove = fcopy_remove,
	.buf_len = IC_DAEMON_PKT,
	.msgtype = ICMSGTYPE_FCOPY,
	.min_len = sizeof(struct fcopy_hdr),
	.versions = fcopy_versions,
	.nversions = ARRAY_SIZE(fcopy_versions),
	.handle = fcopy_handle,
};
