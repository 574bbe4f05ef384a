/* SPDX-License-Identifier: GPL-2.0 */
#ifndef OVB_HV_INTERNAL_H
#define OVB_HV_INTERNAL_H

#include <linux/types.h>

u16 ovb_hv_hypercall(u64 control, void *input);
u16 ovb_hv_hypercall_raw(u64 control, u64 input);
int ovb_hv_synic_init(int mode);
void ovb_hv_isr(void);
int ovb_hv_mode2_hypercall_init(void **page);
void ovb_hv_mode2_hypercall_exit(void);
int ovb_hv_mode2_irq_init(u32 *vector, int *cpu);
void ovb_hv_mode2_irq_exit(void);
extern void *ovb_hcall_pg;
int ovb_hv_clock_init(void);
void ovb_hv_clock_exit(void);
int ovb_hv_crash_init(void);
void ovb_hv_crash_exit(void);
void ovb_hv_synic_exit(void);

#endif
