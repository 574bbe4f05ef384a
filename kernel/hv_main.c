// SPDX-License-Identifier: GPL-2.0
/*
 * ovb_hv: the Hyper-V enlightenments ovb_vmbus stands on.
 *
 * Mode 1: the kernel detected Hyper-V and set up the hypercall page,
 * VP indices and its clocksource; we reuse them and only add what the
 * in-tree hv_vmbus would (SynIC pages, the VMBus SINT on the kernel's
 * HYPERVISOR_CALLBACK_VECTOR). Mode 2 (the kernel did nothing: nopv, or
 * no CONFIG_HYPERVISOR_GUEST): we set up the guest OS id, the hypercall
 * page, the SynIC on per-CPU IRQ vectors, the reference TSC page as the
 * clocksource, synthetic timer 0 of each CPU as its clockevent device
 * (direct mode) and the crash MSRs; the per-CPU parts follow CPU hotplug.
 * Which mode and what is active: /sys/module/ovb_hv/parameters/.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/io.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>

#include "ovb/hv_tlfs.h"
#include "kernel/compat.h"
#include "kernel/ovb_hv.h"
#include "kernel/hv_internal.h"

static int mode;
void *ovb_hcall_pg;	/* mode 2: ours (mode 1: compat.h calls the kernel's) */
static bool hcall_ready;	/* a hypercall page to call: the kernel's or ours */
static bool ovb_clock, ovb_crash, ovb_stimer;	/* mode 2: what we registered */
module_param(mode, int, 0444);
MODULE_PARM_DESC(mode, "1: reusing the kernel's Hyper-V set-up, 2: our own (read-only)");

static char enlightenments[256];
module_param_string(enlightenments, enlightenments, sizeof(enlightenments), 0444);
MODULE_PARM_DESC(enlightenments, "active enlightenments (read-only)");

int ovb_hv_mode(void)
{
	return mode;
}
EXPORT_SYMBOL_GPL(ovb_hv_mode);

/* The host's CPUID says "Microsoft Hv" with the "Hv#1" interface. */
static bool ovb_hv_detect(u32 *features, u32 *features_edx)
{
	u32 eax, ebx, ecx, edx;

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	cpuid(HVCPUID_VENDOR_AND_MAX, &eax, &ebx, &ecx, &edx);
	if (eax < HVCPUID_IMPLEMENT_LIMITS || ebx != HV_VENDOR_EBX ||
	    ecx != HV_VENDOR_ECX || edx != HV_VENDOR_EDX)
		return false;
	cpuid(HVCPUID_INTERFACE, &eax, &ebx, &ecx, &edx);
	if (eax != HV_INTERFACE_SIGNATURE)
		return false;
	cpuid(HVCPUID_FEATURES, &eax, &ebx, &ecx, &edx);
	*features = eax;
	*features_edx = edx;
	return (eax & HV_MSR_SYNIC_AVAILABLE) && (eax & HV_MSR_HYPERCALL_AVAILABLE) &&
	       (ebx & HV_POST_MESSAGES) && (ebx & HV_SIGNAL_EVENTS);
}

/* A hypercall with its input in memory (@input: a linear-map address). */
u16 ovb_hv_hypercall(u64 control, void *input)
{
	return ovb_hv_hypercall_raw(control, input ? virt_to_phys(input) : 0);
}

/* Fast calls pass the input value itself in RDX. */
u16 ovb_hv_hypercall_raw(u64 control, u64 in)
{
	if (!hcall_ready)
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	if (mode == 2)
		return ovb_hv_mode2_hypercall(control, in) & HV_HYPERCALL_CODE_MASK;
	return ovb_kernel_hypercall(control, in, 0) & HV_HYPERCALL_CODE_MASK;
}

static int __init ovb_hv_init(void)
{
	u32 features, features_edx;
	int ret;

	if (!ovb_hv_detect(&features, &features_edx)) {
		pr_info("ovb_hv: no Hyper-V interface with SynIC and hypercalls\n");
		return -ENODEV;
	}
	if (ovb_kernel_hv_ready()) {
		mode = 1;
	} else {
		mode = 2;
		ret = ovb_hv_mode2_hypercall_init(&ovb_hcall_pg);
		if (ret)
			return ret;
	}
	hcall_ready = true;
	ret = ovb_hv_synic_init(mode);
	if (ret) {
		if (mode == 2)
			ovb_hv_mode2_hypercall_exit();
		hcall_ready = false;
		ovb_hcall_pg = NULL;
		return ret;
	}
	if (mode == 1)
		snprintf(enlightenments, sizeof(enlightenments),
			 "hypercall,synic (the kernel's: clocksource%s%s)",
			 features & HV_MSR_REFERENCE_TSC_AVAILABLE ? ",tsc_page" : "",
			 features & HV_MSR_SYNTIMER_AVAILABLE ? ",stimer" : "");
	else {
		bool clock = (features & HV_MSR_REFERENCE_TSC_AVAILABLE) && !ovb_hv_clock_init();
		bool direct = (features & HV_MSR_SYNTIMER_AVAILABLE) &&
			      (features_edx & HV_STIMER_DIRECT_MODE_AVAILABLE);
		/* The timers count reference time: the TSC page's or the MSR's. */
		bool stimer = direct && (clock || (features & HV_MSR_TIME_REF_COUNT_AVAILABLE)) &&
			      !ovb_hv_stimer_init();
		bool crash = !ovb_hv_crash_init();

		ovb_clock = clock;
		ovb_stimer = stimer;
		ovb_crash = crash;
		snprintf(enlightenments, sizeof(enlightenments),
			 "guest_os_id,hypercall,synic (per-cpu irq vectors)%s%s%s",
			 clock ? ",tsc_page clocksource" : "",
			 stimer ? ",stimer clockevents (direct mode)" :
			 !direct && (features & HV_MSR_SYNTIMER_AVAILABLE) ?
			 ",no stimer clockevents (no direct mode)" : "",
			 crash ? ",crash_msrs" : "");
	}
	pr_info("ovb_hv: mode %d (%s): %s\n", mode,
		mode == 1 ? "reusing the kernel's Hyper-V set-up" : "our own set-up", enlightenments);
	return 0;
}

static void __exit ovb_hv_exit(void)
{
	if (ovb_crash)
		ovb_hv_crash_exit();
	if (ovb_stimer)
		ovb_hv_stimer_exit();
	if (ovb_clock)
		ovb_hv_clock_exit();
	ovb_hv_synic_exit();
	if (mode == 2)
		ovb_hv_mode2_hypercall_exit();
	hcall_ready = false;
	ovb_hcall_pg = NULL;
}

module_init(ovb_hv_init);
module_exit(ovb_hv_exit);
MODULE_DESCRIPTION("openvmbus: Hyper-V enlightenments for ovb_vmbus");
MODULE_LICENSE("GPL");
