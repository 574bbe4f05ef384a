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

/* Exported by arch/x86 when the kernel set up Hyper-V itself (6.1, 6.12). */
extern void *hv_hypercall_pg;
void hv_setup_vmbus_handler(void (*handler)(void));
void hv_remove_vmbus_handler(void);

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
