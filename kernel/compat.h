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

#endif /* OVB_KERNEL_COMPAT_H */
