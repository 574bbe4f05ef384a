// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The VMBus version table (lib/vmbus_version.h). */
#include "lib/vmbus_version.h"
#include "ovb/vmbus_msg.h"

/* Linux 6.1 drivers/hv/connection.c vmbus_versions[] goes 5.3 .. 2.4 (WIN8). */
static const u32 ovb_vmbus_version_table[] = {
	OVB_VMBUS_VERSION_WIN10_V5_3, OVB_VMBUS_VERSION_WIN10_V5_2,
	OVB_VMBUS_VERSION_WIN10_V5_1, OVB_VMBUS_VERSION_WIN10_V5,
	OVB_VMBUS_VERSION_WIN10_V4_1, OVB_VMBUS_VERSION_WIN10,
	OVB_VMBUS_VERSION_WIN8_1, OVB_VMBUS_VERSION_WIN8,
};

u32 ovb_vmbus_version_at(unsigned int i)
{
	return i < sizeof(ovb_vmbus_version_table) / sizeof(ovb_vmbus_version_table[0]) ?
	       ovb_vmbus_version_table[i] : 0;
}

ovb_bool ovb_vmbus_version_known(u32 v)
{
	unsigned int i;

	for (i = 0; ovb_vmbus_version_at(i); i++)
		if (ovb_vmbus_version_at(i) == v)
			return v != 0;
	return 0;
}
