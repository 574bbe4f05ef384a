// SPDX-License-Identifier: GPL-2.0
/*
 * Heartbeat IC: the host sends a sequence number; a live guest answers
 * with that number plus one (Linux hv_util.c heartbeat_onchannelcallback).
 */
#include "ovb/guids.h"
#include "icvsc/ic.h"

static const u32 hb_versions[] = { IC_HEARTBEAT_VERSION_3, IC_HEARTBEAT_VERSION_1 };

static struct work_struct *hb_handle(struct ic_dev *ic, struct icmsg_hdr *h, u8 *body, u32 len)
{
	struct ic_heartbeat_msg m;

	memcpy(&m, body, sizeof(m));
	m.seq_num += 1;
	memcpy(body, &m, sizeof(m));
	return NULL;
}

const struct ic_service ic_heartbeat = {
	.name = "heartbeat",
	.msgtype = ICMSGTYPE_HEARTBEAT,
	.min_len = sizeof(struct ic_heartbeat_msg),
	.versions = hb_versions,
	.nversions = ARRAY_SIZE(hb_versions),
	.handle = hb_handle,
};
