// SPDX-License-Identifier: GPL-2.0
/* ovb_vmbus's copy of the VMBus version table both sides share, lib/vmbus_version.c. */
#include "../lib/vmbus_version.c"
