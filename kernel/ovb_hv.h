/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovb_hv's API for ovb_vmbus: post a message, signal an event, and one
 * interrupt hook that sees the VMBus SINT's message slot and event flags.
 */
#ifndef OVB_HV_API_H
#define OVB_HV_API_H

#include <linux/types.h>

struct hv_message;

/* HvPostMessage; returns the HV_STATUS_* (0 = success). Sleeps never. */
u16 ovb_hv_post_message(u32 conn_id, u32 msg_type, const void *payload, u32 len);
/* HvSignalEvent (fast hypercall); returns the HV_STATUS_*. */
u16 ovb_hv_signal_event(u32 conn_id);

/*
 * Called in interrupt context on the CPU that took the VMBus SINT: @msg is
 * that CPU's message slot (the callee copies what it needs, then calls
 * ovb_hv_msg_done()), @flags that CPU's event-flag bitmap for the SINT.
 */
struct ovb_hv_handler {
	void (*on_message)(void *ctx, struct hv_message *msg);
	void (*on_events)(void *ctx, unsigned long *flags, unsigned int nbits);
	void *ctx;
};
int ovb_hv_register_handler(const struct ovb_hv_handler *h);
void ovb_hv_unregister_handler(void);
/* Free the message slot and EOM if the host has more queued. */
void ovb_hv_msg_done(struct hv_message *msg);

/* The partition reference time (TLFS: 100 ns units since the VM started). */
u64 ovb_hv_ref_time(void);

/* 1: the kernel had set up Hyper-V and we reuse it; 2: we did it all. */
int ovb_hv_mode(void);
u32 ovb_hv_vp_index(unsigned int cpu);

#endif /* OVB_HV_API_H */
