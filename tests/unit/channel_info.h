/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* What `ovbctl channels` would say about one channel, for the unit tests. */
#ifndef OVB_TEST_CHANNEL_INFO_H
#define OVB_TEST_CHANNEL_INFO_H

#include "hostside/vmbus/server.h"

static inline void channel_info_keep(void *arg, const struct vmbus_channel_info *i)
{
	struct vmbus_channel_info *want = arg;

	if (i->relid == want->relid)
		*want = *i;
}

/* The channel @relid's line (state NULL: no such channel). */
static inline struct vmbus_channel_info channel_info_of(struct vmbus_server *srv, uint32_t relid)
{
	struct vmbus_channel_info i = { .relid = relid };

	vmbus_server_list_channels(srv, channel_info_keep, &i);
	return i;
}

#endif
