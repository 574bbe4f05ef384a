/* SPDX-License-Identifier: GPL-2.0 */
/* ovb_vmbus internals: the connection and the bus. */
#ifndef OVB_VMBUS_INTERNAL_H
#define OVB_VMBUS_INTERNAL_H

#include <linux/device.h>
#include <linux/list.h>

#include "ovb/vmbus_msg.h"

struct ovb_vmbus_device {
	struct device dev;
	struct vmbus_channel_offer_channel offer;	/* as the host sent it */
	u32 relid;
	struct list_head node;
};

#define to_ovb_vmbus_device(d) container_of(d, struct ovb_vmbus_device, dev)

extern struct bus_type ovb_vmbus_bus;
int ovb_vmbus_bus_init(void);
void ovb_vmbus_bus_exit(void);
struct ovb_vmbus_device *ovb_vmbus_device_add(struct device *parent,
					      const struct vmbus_channel_offer_channel *o);
void ovb_vmbus_device_remove(struct ovb_vmbus_device *d);

#endif
