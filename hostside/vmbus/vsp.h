/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What a VSP (device back end) sees of VMBus: a device it registers with
 * class and instance GUIDs and callbacks, and for each open channel, its
 * two rings, a way to signal the guest, the guest's notifications as an
 * eventfd, and checked guest-memory access. Nothing of hv/ or vmm/.
 */
#ifndef OVB_VMBUS_VSP_H
#define OVB_VMBUS_VSP_H

#include <stdbool.h>
#include <stdint.h>

#include "ovb/types.h"
#include "lib/ring.h"

struct vmbus_server;
struct vmbus_channel;

struct vsp_ops {
	const char *name;
	/*
	 * The guest opened a channel: rings are mapped. Start serving it
	 * (usually vmbus_channel_start_worker()). Return 0, or a negative
	 * errno to fail the open. Called on the control thread.
	 */
	int (*open)(struct vmbus_channel *ch);
	/* Stop touching the channel; it is unmapped when this returns. */
	void (*close)(struct vmbus_channel *ch);
};

struct vmbus_device {
	struct ovb_guid class_id;
	struct ovb_guid instance_id;
	const struct vsp_ops *ops;
	void *priv;			/* the VSP's */
	uint16_t mmio_megabytes;
	/* The server's bookkeeping: */
	struct vmbus_channel *primary;
	bool removed;
};

/* Accessors for an open channel (any thread, while open). */
struct ovb_ring *vmbus_channel_rx(struct vmbus_channel *ch);	/* guest -> host */
struct ovb_ring *vmbus_channel_tx(struct vmbus_channel *ch);	/* host -> guest */
struct vmbus_device *vmbus_channel_device(struct vmbus_channel *ch);
uint16_t vmbus_channel_subchannel_index(struct vmbus_channel *ch);
void *vmbus_channel_gpa_map(struct vmbus_channel *ch, uint64_t gpa, uint64_t len);
/* Interrupt the guest for this channel. */
void vmbus_channel_signal(struct vmbus_channel *ch);
/* Readable when the guest signalled us; the worker reads it. */
int vmbus_channel_notify_fd(struct vmbus_channel *ch);
void *vmbus_channel_get_priv(struct vmbus_channel *ch);
void vmbus_channel_set_priv(struct vmbus_channel *ch, void *priv);

/*
 * A thread per channel: it calls @drain with interrupts from the guest
 * masked until the inbound ring stays empty after unmasking, then sleeps
 * on the notification eventfd; @tick (optional) runs every @tick_ms and
 * after each wake-up. Stopped (and joined) by vmbus_channel_stop_worker(),
 * which the VSP calls from its close callback.
 */
typedef void (*vmbus_channel_fn)(struct vmbus_channel *ch);
int vmbus_channel_start_worker(struct vmbus_channel *ch, vmbus_channel_fn drain,
			       vmbus_channel_fn tick, unsigned int tick_ms);
void vmbus_channel_stop_worker(struct vmbus_channel *ch);

/* Send one in-band packet and signal the guest if needed (worker thread). */
int vmbus_channel_send_inband(struct vmbus_channel *ch, u16 flags, u64 trans_id,
			      const void *buf, u32 len);

/*
 * Offer @count sub-channels of @ch's device (sub_channel_index 1..count),
 * e.g. when a storage guest asks for more queues. Each is opened by the
 * guest like a primary and reaches the VSP's open callback. May be called
 * from the channel's worker; returns the number offered or -1.
 */
int vmbus_channel_offer_subchannels(struct vmbus_channel *ch, unsigned int count);

#endif /* OVB_VMBUS_VSP_H */
