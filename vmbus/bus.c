// SPDX-License-Identifier: GPL-2.0
/*
 * The bus. Names follow the in-tree hv_vmbus on purpose (see
 * vmbus/COMPAT.md): bus "vmbus", devices named by instance GUID, sysfs
 * class_id/device_id as "{guid}", and MODALIAS "vmbus:<class GUID bytes
 * in hex>", so lsvmbus and modules.alias work unchanged.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "kernel/compat.h"
#include "vmbus/vmbus_internal.h"

static ssize_t class_id_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "{%pUl}\n", to_ovb_vmbus_device(dev)->offer.offer.if_type.b);
}
static DEVICE_ATTR_RO(class_id);

static ssize_t device_id_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "{%pUl}\n", to_ovb_vmbus_device(dev)->offer.offer.if_instance.b);
}
static DEVICE_ATTR_RO(device_id);

static ssize_t id_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_ovb_vmbus_device(dev)->relid);
}
static DEVICE_ATTR_RO(id);

static ssize_t modalias_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "vmbus:%*phN\n", 16, to_ovb_vmbus_device(dev)->offer.offer.if_type.b);
}
static DEVICE_ATTR_RO(modalias);

static ssize_t state_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_ovb_vmbus_device(dev)->chan.open ? "open" : "offered");
}
static DEVICE_ATTR_RO(state);

static ssize_t target_vp_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_ovb_vmbus_device(dev)->chan.target_vp);
}
static DEVICE_ATTR_RO(target_vp);

/* Ring counters, named as in-tree's out_/in_ attributes are by purpose. */
static ssize_t ring_counters_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct ovb_channel *ch = &to_ovb_vmbus_device(dev)->chan;

	if (!ch->open)
		return sysfs_emit(buf, "closed\n");
	return sysfs_emit(buf, "out %llu packets %llu bytes %llu signals; in %llu packets %llu bytes %llu interrupts\n",
			  ch->tx.stats.packets, ch->tx.stats.bytes, ch->tx.stats.signals,
			  ch->rx.stats.packets, ch->rx.stats.bytes, ch->interrupts);
}
static DEVICE_ATTR_RO(ring_counters);

/* The in-tree ring attributes: out = guest to host, in = host to guest. */
#define OVB_RING_ATTR(dir, field, name)							\
static ssize_t dir##_##name##_show(struct device *dev, struct device_attribute *attr,	\
				   char *buf)							\
{											\
	struct ovb_channel_ring_info ri;						\
	int ret = ovb_channel_ring_info(&to_ovb_vmbus_device(dev)->chan,		\
					__stringify(dir)[0] == 'o', &ri);		\
											\
	return ret ? ret : sysfs_emit(buf, "%u\n", ri.field);				\
}											\
static DEVICE_ATTR_RO(dir##_##name)

OVB_RING_ATTR(out, intr_mask, intr_mask);
OVB_RING_ATTR(out, read_index, read_index);
OVB_RING_ATTR(out, write_index, write_index);
OVB_RING_ATTR(out, bytes_to_read, read_bytes_avail);
OVB_RING_ATTR(out, bytes_to_write, write_bytes_avail);
OVB_RING_ATTR(in, intr_mask, intr_mask);
OVB_RING_ATTR(in, read_index, read_index);
OVB_RING_ATTR(in, write_index, write_index);
OVB_RING_ATTR(in, bytes_to_read, read_bytes_avail);
OVB_RING_ATTR(in, bytes_to_write, write_bytes_avail);

static ssize_t channel_vp_mapping_show(struct device *dev, struct device_attribute *attr,
				       char *buf)
{
	return ovb_channel_vp_mapping(to_ovb_vmbus_device(dev), buf);
}
static DEVICE_ATTR_RO(channel_vp_mapping);

static struct attribute *ovb_vmbus_dev_attrs[] = {
	&dev_attr_out_intr_mask.attr,
	&dev_attr_out_read_index.attr,
	&dev_attr_out_write_index.attr,
	&dev_attr_out_read_bytes_avail.attr,
	&dev_attr_out_write_bytes_avail.attr,
	&dev_attr_in_intr_mask.attr,
	&dev_attr_in_read_index.attr,
	&dev_attr_in_write_index.attr,
	&dev_attr_in_read_bytes_avail.attr,
	&dev_attr_in_write_bytes_avail.attr,
	&dev_attr_channel_vp_mapping.attr,
	&dev_attr_class_id.attr,
	&dev_attr_device_id.attr,
	&dev_attr_id.attr,
	&dev_attr_modalias.attr,
	&dev_attr_state.attr,
	&dev_attr_target_vp.attr,
	&dev_attr_ring_counters.attr,
	NULL,
};
ATTRIBUTE_GROUPS(ovb_vmbus_dev);

static int ovb_vmbus_uevent(ovb_uevent_device *dev, struct kobj_uevent_env *env)
{
	return add_uevent_var(env, "MODALIAS=vmbus:%*phN", 16,
			      to_ovb_vmbus_device(dev)->offer.offer.if_type.b);
}

#define to_ovb_vmbus_driver(d) container_of(d, struct ovb_vmbus_driver, driver)

static int ovb_vmbus_match(struct device *dev, ovb_match_driver *drv)
{
	const struct hv_vmbus_device_id *id = to_ovb_vmbus_driver(drv)->id_table;
	const u8 *cls = to_ovb_vmbus_device(dev)->offer.offer.if_type.b;

	for (; id && !guid_is_null(&id->guid); id++)
		if (!memcmp(&id->guid, cls, sizeof(id->guid)))
			return 1;
	return 0;
}

/* After a failed probe or a remove: no driver callbacks are left behind. */
static void ovb_vmbus_unbound(struct ovb_vmbus_device *d)
{
	ovb_channel_sc_stop(&d->chan);
	ovb_channel_set_sc_rescind(&d->chan, NULL);
	ovb_channel_close(&d->chan);	/* if the driver did not */
}

static int ovb_vmbus_probe(struct device *dev)
{
	struct ovb_vmbus_driver *drv = to_ovb_vmbus_driver(dev->driver);
	int ret = drv->probe ? drv->probe(to_ovb_vmbus_device(dev)) : 0;

	if (ret)
		ovb_vmbus_unbound(to_ovb_vmbus_device(dev));
	return ret;
}

static void ovb_vmbus_remove(struct device *dev)
{
	struct ovb_vmbus_driver *drv = to_ovb_vmbus_driver(dev->driver);
	struct ovb_vmbus_device *d = to_ovb_vmbus_device(dev);

	/* sub-channel offers racing the removal reach no driver code now */
	ovb_channel_sc_stop(&d->chan);
	if (drv->remove)
		drv->remove(d);
	ovb_vmbus_unbound(d);
}

struct bus_type ovb_vmbus_bus = {
	.name = "vmbus",
	.dev_groups = ovb_vmbus_dev_groups,
	.uevent = ovb_vmbus_uevent,
	.match = ovb_vmbus_match,
	.probe = ovb_vmbus_probe,
	.remove = ovb_vmbus_remove,
};

int __ovb_vmbus_driver_register(struct ovb_vmbus_driver *drv, struct module *owner)
{
	drv->driver.name = drv->name;
	drv->driver.bus = &ovb_vmbus_bus;
	drv->driver.owner = owner;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL_GPL(__ovb_vmbus_driver_register);

void ovb_vmbus_driver_unregister(struct ovb_vmbus_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL_GPL(ovb_vmbus_driver_unregister);

struct device *ovb_vmbus_dev(struct ovb_vmbus_device *dev)
{
	return &dev->dev;
}
EXPORT_SYMBOL_GPL(ovb_vmbus_dev);

const guid_t *ovb_vmbus_class_id(struct ovb_vmbus_device *dev)
{
	return (const guid_t *)dev->offer.offer.if_type.b;
}
EXPORT_SYMBOL_GPL(ovb_vmbus_class_id);

void ovb_vmbus_set_drvdata(struct ovb_vmbus_device *dev, void *data)
{
	dev->drvdata = data;
}
EXPORT_SYMBOL_GPL(ovb_vmbus_set_drvdata);

void *ovb_vmbus_get_drvdata(struct ovb_vmbus_device *dev)
{
	return dev->drvdata;
}
EXPORT_SYMBOL_GPL(ovb_vmbus_get_drvdata);

static void ovb_vmbus_device_release(struct device *dev)
{
	kfree(to_ovb_vmbus_device(dev));
}

struct ovb_vmbus_device *ovb_vmbus_device_add(struct device *parent,
					      const struct vmbus_channel_offer_channel *o)
{
	struct ovb_vmbus_device *d = kzalloc(sizeof(*d), GFP_KERNEL);

	if (!d)
		return NULL;
	d->offer = *o;
	d->relid = o->child_relid;
	ovb_channel_init(&d->chan, d, o);
	d->dev.bus = &ovb_vmbus_bus;
	d->dev.parent = parent;
	d->dev.release = ovb_vmbus_device_release;
	dev_set_name(&d->dev, "%pUl", o->offer.if_instance.b);
	if (device_register(&d->dev)) {
		put_device(&d->dev);
		return NULL;
	}
	return d;
}

void ovb_vmbus_device_remove(struct ovb_vmbus_device *d)
{
	/*
	 * device_unregister() drops what may be the last reference: hold one
	 * of ours until the sub-channels (which the driver's remove closed)
	 * are freed.
	 */
	get_device(&d->dev);
	device_unregister(&d->dev);
	ovb_channel_free_subchannels(d);
	put_device(&d->dev);
}

int ovb_vmbus_bus_init(void)
{
	return bus_register(&ovb_vmbus_bus);
}

void ovb_vmbus_bus_exit(void)
{
	bus_unregister(&ovb_vmbus_bus);
}
