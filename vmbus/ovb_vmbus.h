/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VSC API of ovb_vmbus: drivers bind to devices by class GUID, open the
 * device's channel with chosen ring sizes, send in-band packets and
 * receive them from an interrupt-driven callback. The channel is opaque.
 */
#ifndef OVB_VMBUS_API_H
#define OVB_VMBUS_API_H

#include <linux/device.h>
#include <linux/mod_devicetable.h>
#include <linux/types.h>
#include <linux/uuid.h>

struct ovb_vmbus_device;
struct ovb_channel;

struct ovb_vmbus_driver {
	const char *name;
	/* struct hv_vmbus_device_id: the in-tree type, so modules.alias works */
	const struct hv_vmbus_device_id *id_table;
	int (*probe)(struct ovb_vmbus_device *dev);
	void (*remove)(struct ovb_vmbus_device *dev);
	struct device_driver driver;
};

int __ovb_vmbus_driver_register(struct ovb_vmbus_driver *drv, struct module *owner);
#define ovb_vmbus_driver_register(drv) __ovb_vmbus_driver_register(drv, THIS_MODULE)
void ovb_vmbus_driver_unregister(struct ovb_vmbus_driver *drv);

struct ovb_channel *ovb_vmbus_primary_channel(struct ovb_vmbus_device *dev);
struct device *ovb_vmbus_dev(struct ovb_vmbus_device *dev);
const guid_t *ovb_vmbus_class_id(struct ovb_vmbus_device *dev);
void ovb_vmbus_set_drvdata(struct ovb_vmbus_device *dev, void *data);
void *ovb_vmbus_get_drvdata(struct ovb_vmbus_device *dev);

/*
 * Sub-channels (VMBus 4.0+): after the device's own protocol asked the host
 * for them, each one the host offers is handed to @fn in process context
 * (set it before asking); @fn opens it like the primary. Sub-channels are
 * closed by the driver's remove (ovb_channel_close) and freed by the bus.
 */
void ovb_channel_set_sc_create(struct ovb_channel *primary, void (*fn)(struct ovb_channel *sc));
u16 ovb_channel_sub_index(struct ovb_channel *ch);	/* 0 for the primary */
struct ovb_vmbus_device *ovb_channel_device(struct ovb_channel *ch);
/* The CPU the host interrupts for this channel (before open; default CPU 0). */
int ovb_channel_set_target_cpu(struct ovb_channel *ch, unsigned int cpu);

/*
 * Open with rings of @send_bytes and @recv_bytes (multiples of PAGE_SIZE,
 * control page included). @on_event runs in softirq context, with the
 * host's signals masked, whenever the host signals; it should drain the
 * channel with ovb_channel_recv().
 */
int ovb_channel_open(struct ovb_channel *ch, u32 send_bytes, u32 recv_bytes,
		     void (*on_event)(void *ctx), void *ctx);
void ovb_channel_close(struct ovb_channel *ch);

/* One in-band packet; signals the host if it needs it. 0, -EAGAIN, -EIO. */
int ovb_channel_send_inband(struct ovb_channel *ch, const void *buf, u32 len,
			    u64 trans_id, u16 flags);
/*
 * A GPA-direct packet (VM_PKT_DATA_USING_GPA_DIRECT): @range_count ranges
 * in @ranges (@ranges_len bytes, a multiple of 8) name guest pages the host
 * reads or writes in place, then @len bytes of in-band payload follow. The
 * ranges are either single-page (struct ovb_gpa_page_range each) or
 * multi-page (struct ovb_gpa_range with its PFN array), include/ovb/ring.h.
 * @flags: OVB_VMPKT_FLAG_*. Signals the host if it needs it. Returns 0,
 * -EAGAIN (ring full now), -EINVAL, -EMSGSIZE or -EIO (channel failed).
 */
int ovb_channel_send_gpa(struct ovb_channel *ch, const void *ranges, u32 ranges_len,
			 u32 range_count, const void *buf, u32 len, u64 trans_id, u16 flags);

/*
 * The next packet's payload (after its descriptor) into @buf.
 * Returns 0 (*len, *trans_id set), -EAGAIN if empty, -EMSGSIZE if @buf is
 * too small (the packet is dropped), -EIO if the channel failed.
 */
int ovb_channel_recv(struct ovb_channel *ch, void *buf, u32 buflen, u32 *len, u64 *trans_id);

#endif /* OVB_VMBUS_API_H */
