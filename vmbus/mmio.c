// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO space for devices on the bus (ovb_vmbus.h: ovb_vmbus_allocate_mmio).
 * Synthetic video's VRAM lives at a GPA the guest picks inside the VMBus
 * MMIO window and reports to the host; Hyper-V (and ovb-host's DSDT)
 * declare that window in the _CRS of the VMBus device's ACPI parent
 * (ACPI0004), so we walk the VMBus device and its ancestors at connect
 * time, as Linux's vmbus_walk_resources does: only Address32/64 memory
 * descriptors count (hv_vmbus ignores Memory32Fixed too). The windows are
 * private roots we allocate from; nothing else in the guest claims them.
 */
#include <linux/acpi.h>
#include <linux/ioport.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "vmbus/vmbus_internal.h"

#define OVB_MMIO_WINDOWS	4
/* How far up the ACPI tree a window may be declared (Hyper-V: the parent). */
#define OVB_MMIO_DEPTH		4

static struct resource ovb_mmio_win[OVB_MMIO_WINDOWS];
static unsigned int ovb_mmio_nwin;
static DEFINE_MUTEX(ovb_mmio_lock);

static acpi_status ovb_mmio_walk(struct acpi_resource *res, void *ctx)
{
	struct acpi_resource_address64 a;
	struct resource *w;

	if (res->type != ACPI_RESOURCE_TYPE_ADDRESS32 &&
	    res->type != ACPI_RESOURCE_TYPE_ADDRESS64)
		return AE_OK;
	if (ACPI_FAILURE(acpi_resource_to_address64(res, &a)) ||
	    a.resource_type != ACPI_MEMORY_RANGE || !a.address.address_length ||
	    a.address.maximum < a.address.minimum)
		return AE_OK;
	if (ovb_mmio_nwin == OVB_MMIO_WINDOWS) {
		pr_warn("ovb_vmbus: more than %d MMIO windows, the rest ignored\n",
			OVB_MMIO_WINDOWS);
		return AE_CTRL_TERMINATE;
	}
	w = &ovb_mmio_win[ovb_mmio_nwin++];
	memset(w, 0, sizeof(*w));
	w->start = a.address.minimum;
	w->end = a.address.maximum;
	w->flags = IORESOURCE_MEM;
	w->name = "ovb_vmbus mmio";
	pr_info("ovb_vmbus: MMIO window %pR\n", w);
	return AE_OK;
}

void ovb_vmbus_mmio_scan(struct acpi_device *adev)
{
	acpi_handle h = adev->handle, parent;
	unsigned int depth;

	mutex_lock(&ovb_mmio_lock);
	ovb_mmio_nwin = 0;
	for (depth = 0; h && depth < OVB_MMIO_DEPTH; depth++) {
		/* A node without _CRS (AE_NOT_FOUND) has none to give. */
		acpi_walk_resources(h, METHOD_NAME__CRS, ovb_mmio_walk, NULL);
		if (ovb_mmio_nwin || ACPI_FAILURE(acpi_get_parent(h, &parent)))
			break;
		h = parent;
	}
	mutex_unlock(&ovb_mmio_lock);
}

void ovb_vmbus_mmio_clear(void)
{
	mutex_lock(&ovb_mmio_lock);
	ovb_mmio_nwin = 0;
	mutex_unlock(&ovb_mmio_lock);
}

int ovb_vmbus_allocate_mmio(struct ovb_vmbus_device *dev, resource_size_t size,
			    resource_size_t align, struct resource **out)
{
	struct resource *res;
	unsigned int i;
	int ret = -ENOSPC;

	if (!size || !align || (align & (align - 1)))
		return -EINVAL;
	res = kzalloc(sizeof(*res), GFP_KERNEL);
	if (!res)
		return -ENOMEM;
	res->name = dev_name(&dev->dev);
	res->flags = IORESOURCE_MEM;
	mutex_lock(&ovb_mmio_lock);
	if (!ovb_mmio_nwin)
		ret = -ENODEV;
	for (i = 0; i < ovb_mmio_nwin; i++) {
		struct resource *w = &ovb_mmio_win[i];

		if (!allocate_resource(w, res, size, w->start, w->end, align, NULL, NULL)) {
			ret = 0;
			break;
		}
	}
	mutex_unlock(&ovb_mmio_lock);
	if (ret) {
		kfree(res);
		return ret;
	}
	*out = res;
	return 0;
}
EXPORT_SYMBOL_GPL(ovb_vmbus_allocate_mmio);

void ovb_vmbus_free_mmio(struct resource *res)
{
	if (!res)
		return;
	mutex_lock(&ovb_mmio_lock);
	release_resource(res);
	mutex_unlock(&ovb_mmio_lock);
	kfree(res);
}
EXPORT_SYMBOL_GPL(ovb_vmbus_free_mmio);

u32 ovb_vmbus_mmio_bytes(struct ovb_vmbus_device *dev)
{
	return (u32)dev->offer.offer.mmio_megabytes << 20;
}
EXPORT_SYMBOL_GPL(ovb_vmbus_mmio_bytes);
