// SPDX-License-Identifier: GPL-2.0
/*
 * The bus. Names follow the in-tree hv_vmbus on purpose (see
 * vmbus/COMPAT.md): bus "vmbus", devices named by instance GUID, sysfs
 * class_id/device_id as "{guid}", and MODALIAS "vmbus:<class GUID bytes
 * in hex>", so lsvmbus and modules.alias work unchanged.
 */
#include <linux/module.h>
#include <linux/slab.h>

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
	return sysfs_emit(buf, "offered\n");
}
static DEVICE_ATTR_RO(state);

static struct attribute *ovb_vmbus_dev_attrs[] = {
	&dev_attr_class_id.attr,
	&dev_attr_device_id.attr,
	&dev_attr_id.attr,
	&dev_attr_modalias.attr,
	&dev_attr_state.attr,
	NULL,
};
ATTRIBUTE_GROUPS(ovb_vmbus_dev);

static int ovb_vmbus_uevent(struct device *dev, struct kobj_uevent_env *env)
{
	return add_uevent_var(env, "MODALIAS=vmbus:%*phN", 16,
			      to_ovb_vmbus_device(dev)->offer.offer.if_type.b);
}

struct bus_type ovb_vmbus_bus = {
	.name = "vmbus",
	.dev_groups = ovb_vmbus_dev_groups,
	.uevent = ovb_vmbus_uevent,
};

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
	device_unregister(&d->dev);
}

int ovb_vmbus_bus_init(void)
{
	return bus_register(&ovb_vmbus_bus);
}

void ovb_vmbus_bus_exit(void)
{
	bus_unregister(&ovb_vmbus_bus);
}
