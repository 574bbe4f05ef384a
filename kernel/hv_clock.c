// SPDX-License-Identifier: GPL-2.0
/*
 * Mode 2: the reference TSC page as a clocksource (TLFS "partition
 * reference time enlightenment"; Linux drivers/clocksource/hyperv_timer.c
 * reads it the same way), the reference time the synthetic timers count
 * in, and crash reporting through the crash MSRs.
 * In mode 1 the kernel already has both.
 */
#include <linux/clocksource.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/panic_notifier.h>
#include <linux/notifier.h>
#include <linux/ptrace.h>
#include <asm/irq_regs.h>
#include <asm/msr.h>
#include <asm/timex.h>

#include "ovb/hv_tlfs.h"
#include "kernel/compat.h"
#include "kernel/hv_internal.h"
#include "kernel/ovb_hv.h"

static struct hv_ref_tsc_page *ovb_tsc_page;

static u64 ovb_hv_read_ref(struct clocksource *cs)
{
	struct hv_ref_tsc_page *p = ovb_tsc_page;
	u32 seq;
	u64 scale, tsc, now;
	s64 offset;

	do {
		seq = READ_ONCE(p->tsc_sequence);
		if (!seq) {	/* the page is invalid now: ask the MSR */
			rdmsrq(HV_X64_MSR_TIME_REF_COUNT, now);
			return now;
		}
		smp_rmb();	/* sequence before the values */
		scale = READ_ONCE(p->tsc_scale);
		offset = READ_ONCE(p->tsc_offset);
		tsc = rdtsc_ordered();
		smp_rmb();	/* the values before the sequence again */
	} while (READ_ONCE(p->tsc_sequence) != seq);
	return mul_u64_u64_shr(tsc, scale, 64) + offset;
}

/*
 * The partition reference time in 100 ns units, as the stimers count it.
 * Without our TSC page (mode 1: the kernel's clocksource owns its own) the
 * MSR answers: an exit per read, which its users (stimer programming in
 * mode 2 only; timesync samples and PTP reads) can afford.
 */
u64 ovb_hv_ref_time(void)
{
	u64 now;

	if (ovb_tsc_page)
		return ovb_hv_read_ref(NULL);
	rdmsrq(HV_X64_MSR_TIME_REF_COUNT, now);
	return now;
}
EXPORT_SYMBOL_GPL(ovb_hv_ref_time);

static struct clocksource ovb_hv_clocksource = {
	.name = "ovb_hv_tsc_page",
	.rating = 500,	/* above the TSC: the host keeps this one right */
	.read = ovb_hv_read_ref,
	.mask = CLOCKSOURCE_MASK(64),
	.flags = CLOCK_SOURCE_IS_CONTINUOUS,
	/*
	 * The timekeeper holds a reference to the module of its current
	 * clocksource: while ours is current, ovb_hv cannot be unloaded.
	 * It must not be: a kernel in high-resolution mode only switches
	 * to another high-resolution clocksource, and an L2 under ovb-host
	 * has none (no HPET or PM timer, so the TSC is never calibrated and
	 * is marked unstable); clocksource_unregister() would fail and the
	 * timekeeper would read freed module memory.
	 */
	.owner = THIS_MODULE,
};

int ovb_hv_clock_init(void)
{
	u64 v;

	ovb_tsc_page = (void *)get_zeroed_page(GFP_KERNEL);
	if (!ovb_tsc_page)
		return -ENOMEM;
	wrmsrq(HV_X64_MSR_REFERENCE_TSC, virt_to_phys(ovb_tsc_page) | HV_REFERENCE_TSC_ENABLE);
	rdmsrq(HV_X64_MSR_REFERENCE_TSC, v);
	if (!(v & HV_REFERENCE_TSC_ENABLE) || !READ_ONCE(ovb_tsc_page->tsc_sequence)) {
		wrmsrq(HV_X64_MSR_REFERENCE_TSC, 0);
		free_page((unsigned long)ovb_tsc_page);
		ovb_tsc_page = NULL;
		return -ENODEV;
	}
	if (clocksource_register_hz(&ovb_hv_clocksource, HV_CLOCK_HZ)) {
		wrmsrq(HV_X64_MSR_REFERENCE_TSC, 0);
		free_page((unsigned long)ovb_tsc_page);
		ovb_tsc_page = NULL;
		return -ENODEV;
	}
	return 0;
}

void ovb_hv_clock_exit(void)
{
	if (!ovb_tsc_page)
		return;
	if (clocksource_unregister(&ovb_hv_clocksource)) {
		/* Cannot happen while the module reference above holds. */
		pr_err("ovb_hv: the kernel keeps using our clocksource\n");
		return;
	}
	wrmsrq(HV_X64_MSR_REFERENCE_TSC, 0);
	free_page((unsigned long)ovb_tsc_page);
	ovb_tsc_page = NULL;
}

/* Panic: hand the host the panic code and where it happened. */
static int ovb_hv_panic(struct notifier_block *nb, unsigned long val, void *args)
{
	struct pt_regs *regs = get_irq_regs();
	u64 guest_id;

	rdmsrq(HV_X64_MSR_GUEST_OS_ID, guest_id);
	wrmsrq(HV_X64_MSR_CRASH_P0, val);
	wrmsrq(HV_X64_MSR_CRASH_P1, guest_id);
	wrmsrq(HV_X64_MSR_CRASH_P2, regs ? regs->ip : 0);
	wrmsrq(HV_X64_MSR_CRASH_P3, regs ? regs->ax : 0);
	wrmsrq(HV_X64_MSR_CRASH_P4, regs ? regs->sp : 0);
	wrmsr(HV_X64_MSR_CRASH_CTL, 0, upper_32_bits(HV_CRASH_CTL_CRASH_NOTIFY));
	return NOTIFY_DONE;
}

static struct notifier_block ovb_hv_panic_nb = {
	.notifier_call = ovb_hv_panic,
	.priority = INT_MIN,	/* after everyone else has said their piece */
};

int ovb_hv_crash_init(void)
{
	u64 ctl;

	rdmsrq(HV_X64_MSR_CRASH_CTL, ctl);
	if (!(ctl & HV_CRASH_CTL_CRASH_NOTIFY))
		return -ENODEV;	/* the host takes no crash reports */
	atomic_notifier_chain_register(&panic_notifier_list, &ovb_hv_panic_nb);
	return 0;
}

void ovb_hv_crash_exit(void)
{
	atomic_notifier_chain_unregister(&panic_notifier_list, &ovb_hv_panic_nb);
}
