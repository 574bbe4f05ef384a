// SPDX-License-Identifier: GPL-2.0
/*
 * Mode 2: synthetic timer 0 of each CPU as that CPU's clockevent device
 * (TLFS "synthetic timers"; Linux drivers/clocksource/hyperv_timer.c uses
 * them the same way). Direct mode only: the timer raises a plain APIC
 * vector, here the vector of a per-CPU IRQ of ours (hv_mode2.c); message
 * mode would write the VMBus SINT's message slot, which the host's VMBus
 * server writes too (ovb-host offers direct mode for that reason).
 *
 * One-shot: STIMER0_COUNT is the absolute reference time (100 ns units)
 * to fire at; auto-enable re-arms the timer, which a one-shot expiry
 * disables, on each COUNT write.
 *
 * Hotplug: registered on each CPU as it comes online (CPUHP_AP_ONLINE_DYN,
 * which runs on that CPU, after the IRQ core started its IRQ). Going
 * offline, and on unload, it is unbound, so that the local APIC timer
 * takes that CPU's tick over again for the rest of the way down (as
 * hyperv_timer.c does for its stimers set up in the same hotplug state).
 */
#include <linux/clockchips.h>
#include <linux/cpuhotplug.h>
#include <linux/interrupt.h>
#include <linux/percpu.h>
#include <asm/msr.h>

#include "ovb/hv_tlfs.h"
#include "kernel/compat.h"
#include "kernel/hv_internal.h"
#include "kernel/ovb_hv.h"

struct ovb_stimer {
	struct clock_event_device ced;
	u32 vector;
	bool registered;
};

static DEFINE_PER_CPU(struct ovb_stimer, ovb_stimers);
static struct ovb_cpu_irqs *ovb_stimer_irqs;
static enum cpuhp_state ovb_stimer_cpuhp;

#define OVB_STIMER_MIN_DELTA	1ul		/* 100 ns; a past COUNT fires at once */
#define OVB_STIMER_MAX_DELTA	0xfffffffful	/* ~7 minutes */

static irqreturn_t ovb_stimer_irq(int irq, void *dev)
{
	struct ovb_stimer *t = this_cpu_ptr(&ovb_stimers);

	if (READ_ONCE(t->registered) && t->ced.event_handler)
		t->ced.event_handler(&t->ced);
	return IRQ_HANDLED;
}

/* The clockevent callbacks run on the timer's own CPU. */
static int ovb_stimer_next(unsigned long delta, struct clock_event_device *ced)
{
	wrmsrq(HV_X64_MSR_STIMER0_COUNT, ovb_hv_ref_time() + delta);
	return 0;
}

static int ovb_stimer_oneshot(struct clock_event_device *ced)
{
	struct ovb_stimer *t = container_of(ced, struct ovb_stimer, ced);

	wrmsrq(HV_X64_MSR_STIMER0_CONFIG,
	       HV_STIMER_ENABLE | HV_STIMER_AUTOENABLE | HV_STIMER_DIRECT_MODE |
	       ((u64)t->vector << HV_STIMER_APIC_VECTOR_SHIFT));
	return 0;
}

static int ovb_stimer_shutdown(struct clock_event_device *ced)
{
	wrmsrq(HV_X64_MSR_STIMER0_COUNT, 0);
	wrmsrq(HV_X64_MSR_STIMER0_CONFIG, 0);
	return 0;
}

static int ovb_stimer_cpu_online(unsigned int cpu)
{
	struct ovb_stimer *t = per_cpu_ptr(&ovb_stimers, cpu);
	u32 vector = ovb_hv_cpu_irq_vector(ovb_stimer_irqs, cpu);

	if (!vector) {	/* the lapic timer goes on serving this CPU */
		pr_warn("ovb_hv: no timer vector on CPU %u: no stimer clockevent there\n", cpu);
		return 0;
	}
	memset(t, 0, sizeof(*t));
	t->vector = vector;
	t->ced.name = "ovb_hv_stimer";
	t->ced.features = CLOCK_EVT_FEAT_ONESHOT;
	t->ced.rating = 1000;	/* above the lapic timer, as hyperv_timer.c */
	t->ced.cpumask = cpumask_of(cpu);
	t->ced.irq = -1;	/* per-CPU: nothing for the core to move */
	t->ced.set_state_shutdown = ovb_stimer_shutdown;
	t->ced.set_state_oneshot = ovb_stimer_oneshot;
	t->ced.set_next_event = ovb_stimer_next;
	WRITE_ONCE(t->registered, true);
	/* On this CPU: the tick code takes it for this CPU at once. */
	clockevents_config_and_register(&t->ced, HV_CLOCK_HZ, OVB_STIMER_MIN_DELTA,
					OVB_STIMER_MAX_DELTA);
	return 0;
}

static int ovb_stimer_cpu_offline(unsigned int cpu)
{
	struct ovb_stimer *t = per_cpu_ptr(&ovb_stimers, cpu);
	int ret;

	if (!t->registered)
		return 0;
	/* Hands the tick to the best other device (the lapic), shuts ours down. */
	ret = clockevents_unbind_device(&t->ced, cpu);
	if (ret) {
		pr_err("ovb_hv: cannot unbind the stimer clockevent of CPU %u: %d\n", cpu, ret);
		return 0;	/* still in use: keep it registered */
	}
	WRITE_ONCE(t->registered, false);
	ovb_stimer_shutdown(&t->ced);
	return 0;
}

int ovb_hv_stimer_init(void)
{
	struct ovb_cpu_irqs *ci;
	int ret;

	ci = ovb_hv_cpu_irqs_alloc("ovb_hv_stimer", ovb_stimer_irq, IRQF_TIMER);
	if (IS_ERR(ci))
		return PTR_ERR(ci);
	ovb_stimer_irqs = ci;
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "ovb_hv/stimer:online",
				ovb_stimer_cpu_online, ovb_stimer_cpu_offline);
	if (ret < 0) {
		ovb_hv_cpu_irqs_free(ovb_stimer_irqs);
		ovb_stimer_irqs = NULL;
		return ret;
	}
	ovb_stimer_cpuhp = ret;
	return 0;
}

void ovb_hv_stimer_exit(void)
{
	unsigned int cpu;

	cpuhp_remove_state(ovb_stimer_cpuhp);
	for_each_possible_cpu(cpu)
		if (per_cpu_ptr(&ovb_stimers, cpu)->registered)
			pr_err("ovb_hv: CPU %u still ticks on our stimer\n", cpu);
	ovb_hv_cpu_irqs_free(ovb_stimer_irqs);
	ovb_stimer_irqs = NULL;
}
