/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * For fuzzing one VSC driver without the bus: a device with one channel
 * (stub_vdev, stub_chan) that remembers its callback when opened. The
 * fuzzer defines ovb_channel_recv and the send functions the driver uses.
 * Include once, after the driver's source.
 */
#ifndef OVB_GUESTSHIM_STUB_BUS_H
#define OVB_GUESTSHIM_STUB_BUS_H

struct ovb_vmbus_device {
	struct device dev;
	guid_t class_id;
	void *drvdata;
};
struct ovb_channel {
	struct ovb_vmbus_device *dev;
	void (*on_event)(void *ctx);
	void *ctx;
	bool open;
};

static struct ovb_vmbus_device stub_vdev;
static struct ovb_channel stub_chan = { .dev = &stub_vdev };

/* A new device of @class_id with a closed channel. */
static inline void stub_bus_reset(const guid_t *class_id)
{
	memset(&stub_vdev, 0, sizeof(stub_vdev));
	memset(&stub_chan, 0, sizeof(stub_chan));
	stub_vdev.class_id = *class_id;
	stub_chan.dev = &stub_vdev;
}

struct device *ovb_vmbus_dev(struct ovb_vmbus_device *d) { return &d->dev; }
const guid_t *ovb_vmbus_class_id(struct ovb_vmbus_device *d) { return &d->class_id; }
void ovb_vmbus_set_drvdata(struct ovb_vmbus_device *d, void *p) { d->drvdata = p; }
void *ovb_vmbus_get_drvdata(struct ovb_vmbus_device *d) { return d->drvdata; }
struct ovb_channel *ovb_vmbus_primary_channel(struct ovb_vmbus_device *d) { return &stub_chan; }
struct ovb_vmbus_device *ovb_channel_device(struct ovb_channel *ch) { return ch->dev; }
int __ovb_vmbus_driver_register(struct ovb_vmbus_driver *drv, struct module *o) { return 0; }
void ovb_vmbus_driver_unregister(struct ovb_vmbus_driver *drv) { }

int ovb_channel_open(struct ovb_channel *ch, u32 send_bytes, u32 recv_bytes,
		     void (*on_event)(void *ctx), void *ctx)
{
	ch->on_event = on_event;
	ch->ctx = ctx;
	ch->open = true;
	return 0;
}

void ovb_channel_close(struct ovb_channel *ch)
{
	ch->open = false;
}

#endif /* OVB_GUESTSHIM_STUB_BUS_H */
