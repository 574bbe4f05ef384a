/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything the guest modules need from the running kernel that differs
 * between kernels or would clash with include/ovb: the kernel's own
 * asm/mshyperv.h defines the same TLFS names as include/ovb/hv_tlfs.h, so
 * it is never included; the few symbols we reuse from a kernel that did
 * its Hyper-V set-up (mode 1) are declared here instead.
 */
#ifndef OVB_KERNEL_COMPAT_H
#define OVB_KERNEL_COMPAT_H

#include <linux/version.h>
#include <asm/nospec-branch.h>

/*
 * Mode 1, the kernel's own Hyper-V set-up, as far as we reuse it:
 * ovb_kernel_hv_ready() says whether the kernel set up its hypercall page
 * (the partition has one: mode 1 must call through it),
 * ovb_kernel_hypercall() calls through it (RCX control, RDX input, R8
 * output GPAs; the status), and hv_setup/remove_vmbus_handler() put our
 * ISR on the kernel's HYPERVISOR_CALLBACK_VECTOR.
 *
 * A kernel without CONFIG_HYPERV (the kernels mode 2 serves) exports none
 * of this: the module must load there, so nothing here refers to it and
 * mode 1 never starts. (IS_ENABLED() spelled out: the fuzzers' guest shim
 * has no IS_ENABLED and no CONFIG_*, and takes this no-Hyper-V branch.)
 */
#if defined(CONFIG_HYPERV) || defined(CONFIG_HYPERV_MODULE)
void hv_setup_vmbus_handler(void (*handler)(void));
void hv_remove_vmbus_handler(void);
#ifdef OVB_HAVE_HV_HYPERCALL_STATIC_CALL
/*
 * hv_hypercall_pg is not exported on x86-64 since the hypercall became a
 * static call (after 6.12, 7.2 has it; probed, kernel/compat.mk): the kernel's page
 * is behind the exported hv_hypercall trampoline, and the MSR tells
 * whether the kernel enabled it.
 */
#include <linux/static_call.h>
u64 hv_std_hypercall(u64 control, u64 param1, u64 param2);
DECLARE_STATIC_CALL(hv_hypercall, hv_std_hypercall);
bool hv_is_hyperv_initialized(void);

static inline bool ovb_kernel_hv_ready(void)
{
	return hv_is_hyperv_initialized();
}

static inline u64 ovb_kernel_hypercall(u64 control, u64 in, u64 out)
{
	return static_call_mod(hv_hypercall)(control, in, out);
}
#else
/* Exported by arch/x86 when the kernel set up Hyper-V itself (6.1, 6.12). */
extern void *hv_hypercall_pg;

static inline bool ovb_kernel_hv_ready(void)
{
	return hv_hypercall_pg;
}

/* the kernel's page: it turned IBT off if the page has no ENDBR */
static inline u64 ovb_kernel_hypercall(u64 control, u64 in, u64 out)
{
	u64 status;

	asm volatile("mov %4, %%r8\n"
		     CALL_NOSPEC
		     : "=a"(status), ASM_CALL_CONSTRAINT, "+c"(control), "+d"(in)
		     : "r"(out), THUNK_TARGET(hv_hypercall_pg)
		     : "cc", "memory", "r8", "r9", "r10", "r11");
	return status;
}
#endif
#else /* !CONFIG_HYPERV */
static inline bool ovb_kernel_hv_ready(void)
{
	return false;
}

static inline u64 ovb_kernel_hypercall(u64 control, u64 in, u64 out)
{
	return ~0ULL;	/* not reached: mode 1 never starts */
}

static inline void hv_setup_vmbus_handler(void (*handler)(void)) { }
static inline void hv_remove_vmbus_handler(void) { }
#endif

/*
 * rdmsrl()/wrmsrl() are rdmsrq()/wrmsrq() from 6.16 on (the old names
 * stayed as aliases until 7.2 dropped them): we call the new names.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 16, 0)
#define rdmsrq(msr, val)	rdmsrl(msr, val)
#define wrmsrq(msr, val)	wrmsrl(msr, val)
#endif

/* cpuid() is in <asm/cpuid/api.h>, which asm/processor.h no longer includes from 7.2 on. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 2, 0)
#include <asm/cpuid/api.h>
#endif

/* struct acpi_driver's remove() returns void from 6.2 on. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define ovb_acpi_remove_ret	int
#define OVB_ACPI_REMOVE_DONE	0
#else
#define ovb_acpi_remove_ret	void
#define OVB_ACPI_REMOVE_DONE
#endif

/* bus_type's uevent() is given a const device from 6.3 on. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#define ovb_uevent_device	struct device
#else
#define ovb_uevent_device	const struct device
#endif

/* bus_type's match() is given a const driver from 6.11 on. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
#define ovb_match_driver	struct device_driver
#else
#define ovb_match_driver	const struct device_driver
#endif

/*
 * scsi_host_template: queuecommand() returns enum scsi_qc_status (probed,
 * kernel/compat.mk: 7.x, no version tells us when), and slave_configure(sdev)
 * became sdev_configure(sdev, lim) in 6.14. A driver's callback is
 * "static ovb_scsi_qc_ret fn(...)" and "static int fn(OVB_SDEV_CONFIGURE_ARGS)",
 * its template says OVB_SDEV_CONFIGURE(fn).
 */
#ifdef OVB_HAVE_SCSI_QC_STATUS
#define ovb_scsi_qc_ret		enum scsi_qc_status
#else
#define ovb_scsi_qc_ret		int
#endif
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
#define OVB_SDEV_CONFIGURE_ARGS	struct scsi_device *sdev
#define OVB_SDEV_CONFIGURE(fn)	.slave_configure = (fn)
#else
#define OVB_SDEV_CONFIGURE_ARGS	struct scsi_device *sdev, struct queue_limits *lim
#define OVB_SDEV_CONFIGURE(fn)	.sdev_configure = (fn)
#endif

/*
 * Syscore callbacks get a data pointer and are registered through a
 * struct syscore (Debian's 6.12.117 has it, a backport: no version number
 * tells, so Kbuild probes syscore_ops.h and defines OVB_HAVE_STRUCT_SYSCORE).
 * OVB_SYSCORE(name, .shutdown = fn, ...) defines what
 * ovb_register_syscore(&name) registers; each callback takes
 * (OVB_SYSCORE_ARGS).
 */
#ifdef OVB_HAVE_STRUCT_SYSCORE
#define OVB_SYSCORE_ARGS	void *data
#define OVB_SYSCORE(name, ...)						\
	static const struct syscore_ops name##_ops = { __VA_ARGS__ };	\
	static struct syscore name = { .ops = &name##_ops }
#define ovb_register_syscore(s)		register_syscore(s)
#define ovb_unregister_syscore(s)	unregister_syscore(s)
#else
#define OVB_SYSCORE_ARGS	void
#define OVB_SYSCORE(name, ...)						\
	static struct syscore_ops name = { __VA_ARGS__ }
#define ovb_register_syscore(s)		register_syscore_ops(s)
#define ovb_unregister_syscore(s)	unregister_syscore_ops(s)
#endif

#endif /* OVB_KERNEL_COMPAT_H */
