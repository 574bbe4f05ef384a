/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OVB_HV_INTERNAL_H
#define OVB_HV_INTERNAL_H

#include <linux/types.h>
#include <linux/interrupt.h>

u16 ovb_hv_hypercall(u64 control, void *input);
u16 ovb_hv_hypercall_raw(u64 control, u64 input);
int ovb_hv_synic_init(int mode);
void ovb_hv_synic_exit(void);
void ovb_hv_isr(void);
int ovb_hv_mode2_hypercall_init(void **page);
void ovb_hv_mode2_hypercall_exit(void);
u64 ovb_hv_mode2_hypercall(u64 control, u64 input);
extern void *ovb_hcall_pg;

/* Mode 2: one managed IRQ per possible CPU, its vector valid on that CPU. */
struct ovb_cpu_irqs;
struct ovb_cpu_irqs *ovb_hv_cpu_irqs_alloc(const char *name, irq_handler_t fn,
					   unsigned long flags);
u32 ovb_hv_cpu_irq_vector(const struct ovb_cpu_irqs *ci, unsigned int cpu);
void ovb_hv_cpu_irqs_free(struct ovb_cpu_irqs *ci);

/* Mode 2: reference time (TSC page, else the MSR), crash MSRs, stimers. */
int ovb_hv_clock_init(void);
void ovb_hv_clock_exit(void);
int ovb_hv_crash_init(void);
void ovb_hv_crash_exit(void);
int ovb_hv_stimer_init(void);
void ovb_hv_stimer_exit(void);

#endif
