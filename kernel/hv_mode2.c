// SPDX-License-Identifier: GPL-2.0
/*
 * Mode 2: the kernel did no Hyper-V set-up (booted with nopv, or built
 * without CONFIG_HYPERVISOR_GUEST), so ovb_hv does it: the guest OS id,
 * the hypercall page, and an interrupt for the VMBus SINT.
 *
 * A module cannot allocate executable memory or add an IDT gate, so:
 * - the hypercall page is a page of this module's own text (module text
 *   is executable), filled with int3 until the hypervisor overlays its
 *   hypercall code on it when we name its frame in HV_X64_MSR_HYPERCALL;
 * - the SINT is given the vector of an ordinary interrupt: the IRQ that
 *   the VMBus ACPI device declares (ovb-host's DSDT gives it one, as older
 *   Hyper-V did); the kernel's IRQ code then calls our handler and EOIs.
 * See DESIGN.md, "Guest modules work in two modes".
 */
#include <linux/acpi.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/module.h>
#include <linux/version.h>
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <asm/hw_irq.h>
#include <asm/msr.h>

#include "ovb/hv_tlfs.h"
#include "kernel/hv_internal.h"

asm(".pushsection .text.ovb_hypercall, \"ax\", @progbits\n"
    ".balign 4096\n"
    "ovb_hv_hypercall_text:\n"
    ".fill 4096, 1, 0xcc\n"
    ".popsection\n");
extern u8 ovb_hv_hypercall_text[];

static int ovb_irq = -1;

int ovb_hv_mode2_hypercall_init(void **page)
{
	u64 guest_id = (HV_LINUX_VENDOR_ID << HV_GUEST_OS_ID_VENDOR_SHIFT) |
		       ((u64)LINUX_VERSION_CODE << 16);
	unsigned long pfn = vmalloc_to_pfn(ovb_hv_hypercall_text);
	u64 v;

	wrmsr(HV_X64_MSR_GUEST_OS_ID, lower_32_bits(guest_id), upper_32_bits(guest_id));
	wrmsrl(HV_X64_MSR_HYPERCALL, ((u64)pfn << HV_HYPERCALL_PAGE_SHIFT) | HV_HYPERCALL_ENABLE);
	rdmsrl(HV_X64_MSR_HYPERCALL, v);
	if (!(v & HV_HYPERCALL_ENABLE)) {
		wrmsrl(HV_X64_MSR_GUEST_OS_ID, 0);
		pr_err("ovb_hv: the hypervisor did not enable the hypercall page\n");
		return -ENODEV;
	}
	*page = ovb_hv_hypercall_text;
	return 0;
}

void ovb_hv_mode2_hypercall_exit(void)
{
	wrmsrl(HV_X64_MSR_HYPERCALL, 0);
	wrmsrl(HV_X64_MSR_GUEST_OS_ID, 0);
}

static irqreturn_t ovb_hv_mode2_irq(int irq, void *dev)
{
	ovb_hv_isr();
	return IRQ_HANDLED;
}

/* The IRQ of the VMBus ACPI device; its vector and CPU go into the SINT. */
int ovb_hv_mode2_irq_init(u32 *vector, int *cpu)
{
	static const char * const hids[] = { "VMBUS", "VMBus", "OVB0001" };
	struct acpi_device *adev = NULL;
	struct resource_entry *e;
	struct irq_cfg *cfg;
	LIST_HEAD(res);
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(hids) && !adev; i++)
		adev = acpi_dev_get_first_match_dev(hids[i], NULL, -1);
	if (!adev) {
		pr_err("ovb_hv: no VMBus ACPI device to take an interrupt from\n");
		return -ENODEV;
	}
	ret = acpi_dev_get_resources(adev, &res, NULL, NULL);
	if (ret >= 0) {
		resource_list_for_each_entry(e, &res)
			if (resource_type(e->res) == IORESOURCE_IRQ && ovb_irq < 0)
				ovb_irq = e->res->start;
		acpi_dev_free_resource_list(&res);
	}
	acpi_dev_put(adev);
	if (ovb_irq <= 0) {
		pr_err("ovb_hv: the VMBus ACPI device declares no interrupt\n");
		return -ENODEV;
	}
	ret = request_irq(ovb_irq, ovb_hv_mode2_irq, 0, "ovb_hv", NULL);
	if (ret) {
		ovb_irq = -1;
		return ret;
	}
	cfg = irqd_cfg(irq_get_irq_data(ovb_irq));
	if (!cfg) {
		free_irq(ovb_irq, NULL);
		ovb_irq = -1;
		return -ENODEV;
	}
	*vector = cfg->vector;
	*cpu = cpumask_first(irq_data_get_effective_affinity_mask(irq_get_irq_data(ovb_irq)));
	return 0;
}

void ovb_hv_mode2_irq_exit(void)
{
	if (ovb_irq > 0)
		free_irq(ovb_irq, NULL);
	ovb_irq = -1;
}
