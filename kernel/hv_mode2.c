// SPDX-License-Identifier: GPL-2.0
/*
 * Mode 2: the kernel did no Hyper-V set-up (booted with nopv, or built
 * without CONFIG_HYPERVISOR_GUEST), so ovb_hv does it: the guest OS id,
 * the hypercall page, and per-CPU interrupts for the VMBus SINT and the
 * synthetic timers.
 *
 * A module cannot allocate executable memory or add an IDT gate, so:
 * - the hypercall page is a page of this module's own text (module text
 *   is executable), filled with int3 until the hypervisor overlays its
 *   hypercall code on it when we name its frame in HV_X64_MSR_HYPERCALL;
 * - the SINT and the synthetic timers (direct mode) are given vectors of
 *   ordinary interrupts: one IRQ per CPU, allocated from the x86 vector
 *   domain as a managed interrupt whose affinity is that CPU alone. Its
 *   vector is valid on that CPU only, which is all a per-CPU SINT or timer
 *   needs; the IRQ core shuts it down when the CPU goes offline and starts
 *   it again (maybe on another vector: read it again) when it comes back,
 *   before the CPUHP_AP_ONLINE_DYN callbacks that program the vector run.
 *   The kernel's IRQ code calls our handler and EOIs (the lapic_controller
 *   chip's ack), which also lets KVM resample a SINT.
 * See DESIGN.md, "Guest modules work in two modes".
 */
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/vmalloc.h>
#include <linux/mm.h>
#include <linux/objtool.h>
#include <linux/linkage.h>
#include <asm/hw_irq.h>
#include <asm/irqdomain.h>
#include <asm/msr.h>

#include "ovb/hv_tlfs.h"
#include "kernel/compat.h"
#include "kernel/hv_internal.h"

/*
 * The page holds no ENDBR (the hypervisor's code replaces ours): under IBT
 * (6.12's X86_KERNEL_IBT) an indirect call to it would fault, so it is
 * only ever called directly (ovb_hv_mode2_hypercall), which ANNOTATE_NOENDBR
 * tells objtool.
 */
asm(".pushsection .text.ovb_hypercall, \"ax\", @progbits\n"
    ".balign 4096\n"
    ".type ovb_hv_hypercall_text, @function\n"
    "ovb_hv_hypercall_text:\n"
    ANNOTATE_NOENDBR "\n"	/* 7.2's ends without one, older ones with */
    ".fill 4064, 1, 0xcc\n"
    ASM_RET	/* for objtool: the "function" returns (never run) */
    ".balign 4096, 0xcc\n"
    ".size ovb_hv_hypercall_text, 4096\n"
    ".popsection\n");
extern u8 ovb_hv_hypercall_text[];

/* The hypercall convention: control in RCX, input in RDX, output GPA (0) in R8. */
u64 ovb_hv_mode2_hypercall(u64 control, u64 in)
{
	u64 status;

	asm volatile("xor %%r8d, %%r8d\n"
		     "call ovb_hv_hypercall_text\n"
		     : "=a"(status), ASM_CALL_CONSTRAINT, "+c"(control), "+d"(in)
		     :
		     : "cc", "memory", "r8", "r9", "r10", "r11");
	return status;
}

int ovb_hv_mode2_hypercall_init(void **page)
{
	u64 guest_id = (HV_LINUX_VENDOR_ID << HV_GUEST_OS_ID_VENDOR_SHIFT) |
		       ((u64)LINUX_VERSION_CODE << 16);
	unsigned long pfn = vmalloc_to_pfn(ovb_hv_hypercall_text);
	u64 v;

	wrmsr(HV_X64_MSR_GUEST_OS_ID, lower_32_bits(guest_id), upper_32_bits(guest_id));
	wrmsrq(HV_X64_MSR_HYPERCALL, ((u64)pfn << HV_HYPERCALL_PAGE_SHIFT) | HV_HYPERCALL_ENABLE);
	rdmsrq(HV_X64_MSR_HYPERCALL, v);
	if (!(v & HV_HYPERCALL_ENABLE)) {
		wrmsrq(HV_X64_MSR_GUEST_OS_ID, 0);
		pr_err("ovb_hv: the hypervisor did not enable the hypercall page\n");
		return -ENODEV;
	}
	*page = ovb_hv_hypercall_text;
	return 0;
}

void ovb_hv_mode2_hypercall_exit(void)
{
	wrmsrq(HV_X64_MSR_HYPERCALL, 0);
	wrmsrq(HV_X64_MSR_GUEST_OS_ID, 0);
}

struct ovb_cpu_irqs {
	unsigned int nr;
	int irq[];	/* per possible CPU; 0: none */
};

/*
 * One managed IRQ per possible CPU, bound to that CPU, with @fn as its
 * handler (dev_id NULL: the handler works on this CPU's state).
 */
struct ovb_cpu_irqs *ovb_hv_cpu_irqs_alloc(const char *name, irq_handler_t fn,
					   unsigned long flags)
{
	struct irq_alloc_info info = {};
	struct irq_affinity_desc *aff;
	struct ovb_cpu_irqs *ci;
	unsigned int cpu;
	int irq, ret = 0;

	ci = kzalloc(struct_size(ci, irq, nr_cpu_ids), GFP_KERNEL);
	aff = kzalloc(sizeof(*aff), GFP_KERNEL);	/* a cpumask: not on the stack */
	if (!ci || !aff) {
		kfree(ci);
		kfree(aff);
		return ERR_PTR(-ENOMEM);
	}
	ci->nr = nr_cpu_ids;
	aff->is_managed = 1;
	for_each_possible_cpu(cpu) {
		cpumask_copy(&aff->mask, cpumask_of(cpu));
		irq = __irq_domain_alloc_irqs(x86_vector_domain, -1, 1, cpu_to_node(cpu),
					      &info, false, aff);
		if (irq <= 0) {
			ret = irq ? irq : -ENOSPC;
			break;
		}
		irq_set_handler(irq, handle_edge_irq);
		ret = request_irq(irq, fn, flags, name, NULL);
		if (ret) {
			irq_dispose_mapping(irq);
			break;
		}
		ci->irq[cpu] = irq;
	}
	kfree(aff);
	if (ret) {
		pr_err("ovb_hv: cannot get a per-CPU interrupt for %s on CPU %u: %d\n",
		       name, cpu, ret);
		ovb_hv_cpu_irqs_free(ci);
		return ERR_PTR(ret);
	}
	return ci;
}

/*
 * The vector of @cpu's IRQ, or 0 if it has none that targets @cpu (it is
 * started before the CPUHP_AP_ONLINE_DYN callbacks run on an online CPU).
 */
u32 ovb_hv_cpu_irq_vector(const struct ovb_cpu_irqs *ci, unsigned int cpu)
{
	struct irq_data *d;
	struct irq_cfg *cfg;

	if (cpu >= ci->nr || !ci->irq[cpu])
		return 0;
	d = irq_get_irq_data(ci->irq[cpu]);
	if (!d || !irqd_is_activated(d) ||
	    !cpumask_test_cpu(cpu, irq_data_get_effective_affinity_mask(d)))
		return 0;
	cfg = irqd_cfg(d);
	if (!cfg || cfg->vector < HV_SYNIC_FIRST_VALID_VECTOR || cfg->vector > 0xff)
		return 0;
	return cfg->vector;
}

void ovb_hv_cpu_irqs_free(struct ovb_cpu_irqs *ci)
{
	unsigned int cpu;

	if (IS_ERR_OR_NULL(ci))
		return;
	for (cpu = 0; cpu < ci->nr; cpu++) {
		if (!ci->irq[cpu])
			continue;
		free_irq(ci->irq[cpu], NULL);
		irq_dispose_mapping(ci->irq[cpu]);
	}
	kfree(ci);
}
