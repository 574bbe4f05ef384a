/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * hostside/hv: the Hyper-V interface on top of KVM's in-kernel support.
 * CPUID leaves, SynIC, hypercall exits, a connection-ID registry for
 * guest->host messages and events, and host->guest messages and event
 * flags. The layers above never see KVM.
 */
#ifndef OVB_HV_HV_H
#define OVB_HV_HV_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct hv;

/*
 * A guest->host message (HvPostMessage) on a registered connection id,
 * already copied out of guest memory and size-checked (<= 240 bytes).
 * Called on a vCPU thread: hand the bytes to your own thread and return.
 * Returns an HV_STATUS_* for the hypercall.
 */
typedef uint16_t (*hv_msg_fn)(void *opaque, uint32_t vp, uint32_t msg_type,
			      const void *payload, uint32_t len);

struct hv *hv_create(struct vm *vm);	/* CPUID, SynIC, crash MSRs */
int hv_start(struct hv *hv);		/* the message delivery thread */
void hv_stop(struct hv *hv);

int hv_register_msg_conn(struct hv *hv, uint32_t conn_id, hv_msg_fn fn, void *opaque);

/*
 * Route HvSignalEvent(@conn_id) to @eventfd inside KVM (no exit), or stop
 * doing so. Thread-safe.
 */
int hv_register_event_conn(struct hv *hv, uint32_t conn_id, int eventfd);
void hv_unregister_event_conn(struct hv *hv, uint32_t conn_id, int eventfd);

/*
 * Queue a message for the guest's SIMP slot of (@vp, @sint): delivered in
 * order, waiting for the guest's EOM while the slot is busy. Thread-safe.
 * Returns 0 or -1 (bad arguments or too many queued).
 */
int hv_post_msg(struct hv *hv, uint32_t vp, uint32_t sint, uint32_t msg_type,
		const void *payload, uint32_t len);

/*
 * Set event flag @flag of (@vp, @sint) in the guest's SIEFP page and raise
 * the SINT (if the guest has enabled both). Thread-safe and cheap: the
 * VSPs' fast path.
 */
int hv_signal_event(struct hv *hv, uint32_t vp, uint32_t sint, uint32_t flag);

uint32_t hv_vp_count(const struct hv *hv);

#endif /* OVB_HV_HV_H */
