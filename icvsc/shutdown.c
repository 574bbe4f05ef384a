// SPDX-License-Identifier: GPL-2.0
/*
 * Shutdown IC: the host asks for a power-off (or, with the restart flag,
 * a reboot); we answer first and then shut down in an orderly way from a
 * work item (Linux hv_util.c shutdown_onchannelcallback).
 */
#include <linux/device.h>
#include <linux/reboot.h>

#include "ovb/guids.h"
#include "vmbus/ovb_vmbus.h"
#include "icvsc/ic.h"

static const u32 sd_versions[] = { IC_SHUTDOWN_VERSION_3_2, IC_SHUTDOWN_VERSION_3_1,
				   IC_SHUTDOWN_VERSION_3, IC_SHUTDOWN_VERSION_1 };

static void sd_poweroff_fn(struct work_struct *w)
{
	orderly_poweroff(true);
}
static DECLARE_WORK(sd_poweroff_work, sd_poweroff_fn);

static void sd_reboot_fn(struct work_struct *w)
{
	orderly_reboot();
}
static DECLARE_WORK(sd_reboot_work, sd_reboot_fn);

static struct work_struct *sd_handle(struct ic_dev *ic, struct icmsg_hdr *h, u8 *body, u32 len)
{
	struct ic_shutdown_msg m;

	memcpy(&m, body, sizeof(m));
	switch (m.flags & ~IC_SHUTDOWN_FLAG_FORCE) {
	case 0:
		dev_info(ovb_vmbus_dev(ic->vdev), "shutdown requested by the host\n");
		return &sd_poweroff_work;
	case IC_SHUTDOWN_FLAG_RESTART:
		dev_info(ovb_vmbus_dev(ic->vdev), "restart requested by the host\n");
		return &sd_reboot_work;
	}
	h->status = IC_STATUS_FAIL;
	return NULL;
}

const struct ic_service ic_shutdown = {
	.name = "shutdown",
	.msgtype = ICMSGTYPE_SHUTDOWN,
	.min_len = sizeof(struct ic_shutdown_msg),
	.versions = sd_versions,
	.nversions = ARRAY_SIZE(sd_versions),
	.handle = sd_handle,
};
