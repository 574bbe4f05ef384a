// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU SynIC set-up (as drivers/hv/hv.c hv_synic_enable_regs does it),
 * following CPU hotplug, the VMBus SINT interrupt, and message posting.
 */
#include <linux/cpuhotplug.h>
#include <linux/interrupt.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <asm/irq_vectors.h>
#include <asm/msr.h>

#include "ovb/hv_tlfs.h"
#include "ovb/vmbus_msg.h"
#include "kernel/compat.h"
#include "kernel/ovb_hv.h"
#include "kernel/hv_internal.h"

struct ovb_hv_cpu {
	struct hv_message_page *simp;
	struct hv_synic_event_flags_page *siefp;
	struct hv_input_post_message *post;	/* hypercall input page */
	u32 vp_index;
};

static DEFINE_PER_CPU(struct ovb_hv_cpu, ovb_hv_cpus);
static struct ovb_hv_handler ovb_handler;
static enum cpuhp_state ovb_cpuhp;
static int ovb_synic_mode;
static struct ovb_cpu_irqs *ovb_sint_irqs;	/* mode 2: one IRQ per CPU */

u32 ovb_hv_vp_index(unsigned int cpu)
{
	return per_cpu_ptr(&ovb_hv_cpus, cpu)->vp_index;
}
EXPORT_SYMBOL_GPL(ovb_hv_vp_index);

u16 ovb_hv_post_message(u32 conn_id, u32 msg_type, const void *payload, u32 len)
{
	struct hv_input_post_message *in;
	unsigned long flags;
	u16 status;

	if (len > HV_MESSAGE_PAYLOAD_BYTE_COUNT)
		return HV_STATUS_INVALID_PARAMETER;
	local_irq_save(flags);
	in = this_cpu_ptr(&ovb_hv_cpus)->post;
	in->connection_id = conn_id;
	in->reserved = 0;
	in->message_type = msg_type;
	in->payload_size = len;
	memcpy(in->payload, payload, len);
	status = ovb_hv_hypercall(HVCALL_POST_MESSAGE, in);
	local_irq_restore(flags);
	return status;
}
EXPORT_SYMBOL_GPL(ovb_hv_post_message);

u16 ovb_hv_signal_event(u32 conn_id)
{
	/* struct hv_input_signal_event: connection id, flag number 0. */
	return ovb_hv_hypercall_raw(HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST_BIT, conn_id);
}
EXPORT_SYMBOL_GPL(ovb_hv_signal_event);

void ovb_hv_msg_done(struct hv_message *msg)
{
	WRITE_ONCE(msg->header.message_type, HVMSG_NONE);
	mb();	/* the slot is free before we look at the pending flag */
	if (READ_ONCE(msg->header.message_flags) & HV_MESSAGE_FLAG_PENDING)
		wrmsrq(HV_X64_MSR_EOM, 0);
}
EXPORT_SYMBOL_GPL(ovb_hv_msg_done);

/* Mode 1: HYPERVISOR_CALLBACK_VECTOR via the kernel's hook; mode 2: our IRQs. */
void ovb_hv_isr(void)
{
	struct ovb_hv_cpu *c = this_cpu_ptr(&ovb_hv_cpus);
	struct hv_message *msg;

	if (!c->simp)
		return;
	if (ovb_handler.on_events)
		ovb_handler.on_events(ovb_handler.ctx,
				      (unsigned long *)c->siefp->sintevent_flags[OVB_VMBUS_MESSAGE_SINT].flags,
				      HV_EVENT_FLAGS_COUNT);
	msg = &c->simp->sint_message[OVB_VMBUS_MESSAGE_SINT];
	if (READ_ONCE(msg->header.message_type) != HVMSG_NONE) {
		if (ovb_handler.on_message)
			ovb_handler.on_message(ovb_handler.ctx, msg);
		else
			ovb_hv_msg_done(msg);
	}
}

int ovb_hv_register_handler(const struct ovb_hv_handler *h)
{
	if (ovb_handler.on_message)
		return -EBUSY;
	ovb_handler = *h;
	return 0;
}
EXPORT_SYMBOL_GPL(ovb_hv_register_handler);

void ovb_hv_unregister_handler(void)
{
	memset(&ovb_handler, 0, sizeof(ovb_handler));
	synchronize_rcu();	/* no ISR still running the old handler */
}
EXPORT_SYMBOL_GPL(ovb_hv_unregister_handler);

static void ovb_hv_cpu_free_pages(struct ovb_hv_cpu *c)
{
	free_page((unsigned long)c->simp);
	free_page((unsigned long)c->siefp);
	free_page((unsigned long)c->post);
}

/* CPUHP_AP_ONLINE_DYN: runs on @cpu, on load for each online CPU and on hotplug. */
static int ovb_hv_cpu_online(unsigned int cpu)
{
	struct ovb_hv_cpu *c = per_cpu_ptr(&ovb_hv_cpus, cpu);
	struct ovb_hv_cpu n = {};
	u64 sint, v;

	n.simp = (void *)get_zeroed_page(GFP_KERNEL);
	n.siefp = (void *)get_zeroed_page(GFP_KERNEL);
	n.post = (void *)get_zeroed_page(GFP_KERNEL);
	if (!n.simp || !n.siefp || !n.post) {
		ovb_hv_cpu_free_pages(&n);
		return -ENOMEM;
	}
	if (ovb_synic_mode == 1) {	/* auto-EOI: the host does not deprecate it */
		sint = HYPERVISOR_CALLBACK_VECTOR | HV_SYNIC_SINT_AUTO_EOI;
	} else {	/* this CPU's own IRQ; the IRQ code EOIs it */
		u32 vector = ovb_hv_cpu_irq_vector(ovb_sint_irqs, cpu);

		sint = vector ? vector : HV_SYNIC_SINT_MASKED;
		if (!vector)
			pr_warn("ovb_hv: no SINT vector on CPU %u: its SINT stays masked\n", cpu);
	}
	rdmsrq(HV_X64_MSR_VP_INDEX, v);
	n.vp_index = (u32)v;
	local_irq_disable();
	*c = n;
	wrmsrq(HV_X64_MSR_SIMP, virt_to_phys(c->simp) | HV_SYNIC_SIMP_ENABLE);
	wrmsrq(HV_X64_MSR_SIEFP, virt_to_phys(c->siefp) | HV_SYNIC_SIEFP_ENABLE);
	wrmsrq(HV_X64_MSR_SINT0 + OVB_VMBUS_MESSAGE_SINT, sint);
	rdmsrq(HV_X64_MSR_SCONTROL, v);
	wrmsrq(HV_X64_MSR_SCONTROL, v | HV_SYNIC_CONTROL_ENABLE);
	local_irq_enable();
	return 0;
}

/* The reverse, on @cpu before it goes offline and on unload. */
static int ovb_hv_cpu_offline(unsigned int cpu)
{
	struct ovb_hv_cpu *c = per_cpu_ptr(&ovb_hv_cpus, cpu);
	struct ovb_hv_cpu old;
	u64 v;

	local_irq_disable();	/* our ISR on this CPU sees all or nothing */
	wrmsrq(HV_X64_MSR_SINT0 + OVB_VMBUS_MESSAGE_SINT, HV_SYNIC_SINT_MASKED);
	if (ovb_synic_mode == 2) {	/* nobody else uses the SynIC then */
		rdmsrq(HV_X64_MSR_SCONTROL, v);
		wrmsrq(HV_X64_MSR_SCONTROL, v & ~HV_SYNIC_CONTROL_ENABLE);
	}
	wrmsrq(HV_X64_MSR_SIMP, 0);
	wrmsrq(HV_X64_MSR_SIEFP, 0);
	old = *c;
	c->simp = NULL;
	c->siefp = NULL;
	c->post = NULL;
	local_irq_enable();
	ovb_hv_cpu_free_pages(&old);
	return 0;
}

static irqreturn_t ovb_hv_sint_irq(int irq, void *dev)
{
	ovb_hv_isr();
	return IRQ_HANDLED;
}

int ovb_hv_synic_init(int mode)
{
	int ret;

	ovb_synic_mode = mode;
	if (mode == 1) {
		hv_setup_vmbus_handler(ovb_hv_isr);
	} else {
		struct ovb_cpu_irqs *ci = ovb_hv_cpu_irqs_alloc("ovb_hv_sint", ovb_hv_sint_irq,
								IRQF_NO_THREAD);

		if (IS_ERR(ci))
			return PTR_ERR(ci);
		ovb_sint_irqs = ci;
	}
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "ovb_hv/synic:online", ovb_hv_cpu_online,
				ovb_hv_cpu_offline);
	if (ret < 0) {
		if (mode == 1)
			hv_remove_vmbus_handler();
		else
			ovb_hv_cpu_irqs_free(ovb_sint_irqs);
		ovb_sint_irqs = NULL;
		return ret;
	}
	ovb_cpuhp = ret;
	return 0;
}

void ovb_hv_synic_exit(void)
{
	cpuhp_remove_state(ovb_cpuhp);
	if (ovb_synic_mode == 1)
		hv_remove_vmbus_handler();
	else
		ovb_hv_cpu_irqs_free(ovb_sint_irqs);
	ovb_sint_irqs = NULL;
}
