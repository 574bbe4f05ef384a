/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What a VSP (device back end) sees of VMBus: a device it registers with
 * a name, class and instance GUIDs and callbacks, and for each open
 * channel, its two rings, a way to signal the guest, the guest's
 * notifications as an eventfd, and checked guest-memory access. Nothing
 * of hv/ or vmm/, and nothing of the server's bookkeeping.
 *
 * Threads (asserted in debug builds, see server.h):
 *   - the callbacks in struct vsp_ops run on the VMBus control thread, or
 *     on the thread that called vmbus_server_remove_device() (close,
 *     rescind); never with the server's lock held, so a close may join a
 *     worker that is stuck on the guest;
 *   - vmbus_channel_start_worker/stop_worker: in open/close;
 *   - the drain/tick functions, vmbus_channel_wait(),
 *     vmbus_channel_stopping() and vmbus_channel_offer_subchannels(): on
 *     the channel's worker;
 *   - vmbus_channel_send_inband() and vmbus_channel_send_xfer_pages(): on
 *     the worker, or on another thread of the VSP's while the channel is
 *     open (netvsp's TAP reader and ctl commands): the ring's send side
 *     has a lock of its own (tx_lock), so sends from two threads never
 *     interleave within a packet;
 *   - the accessors, vmbus_channel_signal(), vmbus_channel_gpa_map(),
 *     the GPADL and guest-range map/unmap functions and
 *     vmbus_packet_parse(): any thread while the channel is open (the
 *     worker, or the open/close callbacks).
 * A worker never takes the server's lock: what it wants of the server
 * (sub-channels, a TORNDOWN its unmap let go) is a request the control
 * thread carries out. Mapping takes only the server's map lock, a leaf
 * lock nobody holds while waiting.
 */
#ifndef OVB_VMBUS_VSP_H
#define OVB_VMBUS_VSP_H

#include <stdbool.h>
#include <stdint.h>

#include "ovb/types.h"
#include "lib/ring.h"

struct vmbus_server;
struct vmbus_channel;
struct vmbus_device;

struct vsp_ops {
	/*
	 * The guest opened a channel: rings are mapped. Start serving it
	 * (usually vmbus_channel_start_worker()). Return 0, or a negative
	 * errno to fail the open (close is then not called).
	 */
	int (*open)(struct vmbus_channel *ch);
	/* Stop touching the channel (join its worker); unmapped after this. */
	void (*close)(struct vmbus_channel *ch);
	/*
	 * Optional. The host removed the device (vmbus_server_remove_device):
	 * every channel of it is closed and none opens again.
	 */
	void (*rescind)(struct vmbus_device *dev);
	/*
	 * Optional. The guest unloaded VMBus or connected anew (a new
	 * INITIATE_CONTACT, kexec): every channel of the device is closed,
	 * its sub-channels are gone; forget what the guest negotiated.
	 */
	void (*reset)(struct vmbus_device *dev);
};

struct vmbus_device {
	const char *name;		/* static storage: ovbctl channels shows it */
	struct ovb_guid class_id;
	struct ovb_guid instance_id;
	const struct vsp_ops *ops;
	void *priv;			/* the VSP's */
	uint16_t mmio_megabytes;
	/* Sub-channels the VSP may offer per connection (0: none). */
	uint16_t max_subchannels;
};

/* A drain callback handles at most this many packets, then returns. */
#define VMBUS_DRAIN_BUDGET	256

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
 * A GPADL the guest made for this channel (or for its primary: netvsc's
 * sub-channels share the primary's buffers), by id: its pages mapped
 * contiguously, *@len its byte count (netvsc's receive and send buffers).
 * NULL unless it is complete, not any channel's ring, and not being torn
 * down; a channel holds at most VMBUS_MAX_CHANNEL_MAPS mappings.
 *
 * Teardown rule. A GPADL stays mapped for as long as the VSP holds it:
 * when the guest tears it down meanwhile, the server keeps it and answers
 * GPADL_TORNDOWN only once the last VSP mapping of it is gone — unmapped
 * by the VSP, or released when the channel closes (close, rescind, reset).
 * Linux waits for that answer without a timeout, and its netvsc tears its
 * buffers down after closing the channel (VMBus 4.0 on; before, after it
 * revoked them over NVSP), so a VSP unmaps a buffer when the guest revokes
 * it and otherwise leaves it to the close.
 */
#define VMBUS_MAX_CHANNEL_MAPS	16
void *vmbus_channel_gpadl_map(struct vmbus_channel *ch, uint32_t gpadl_id, uint64_t *len);
void vmbus_channel_gpadl_unmap(struct vmbus_channel *ch, void *p);

/*
 * Memory behind a guest-chosen range [@gpa, @gpa + @len), both page-
 * aligned: guest RAM's mapping if it is RAM (hyperv_fb may put VRAM
 * there), or memory the host places in the VMBus MMIO window (the ACPI
 * _CRS) if it lies inside it, so what the guest writes there the VSP
 * reads. NULL for anything else: unaligned, empty, wrapping, partly RAM,
 * outside both, overlapping a range already placed in the window.
 * Released by vmbus_channel_unmap_guest_range() or when the channel closes.
 */
void *vmbus_channel_map_guest_range(struct vmbus_channel *ch, uint64_t gpa, uint64_t len);
void vmbus_channel_unmap_guest_range(struct vmbus_channel *ch, void *p);

/* The guest's partition reference time now (100 ns units). Any thread. */
uint64_t vmbus_channel_ref_time(struct vmbus_channel *ch);

/*
 * A packet as ovb_ring_rx_peek() copied it (@pkt, @pktlen bytes): its
 * type, flags, transaction id and the payload after offset8. 0, or
 * -EINVAL if the descriptor does not fit the bytes.
 */
struct vmbus_packet {
	u16 type, flags;
	u64 trans_id;
	const u8 *data;		/* the payload, at offset8 */
	u32 len;		/* bytes from offset8 to len8 */
};
int vmbus_packet_parse(const void *pkt, u32 pktlen, struct vmbus_packet *p);

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

/* Worker: true once the channel is closing; every loop of a VSP checks it. */
bool vmbus_channel_stopping(struct vmbus_channel *ch);

/*
 * Worker: read up to @budget whole packets from the guest into @buf (@size
 * bytes), stopping early when the channel is closing, the ring is empty or
 * has failed, and hand each to @fn with its length; a packet larger than
 * @buf is skipped and given to @fn with @oversized set (to count and log).
 * Then commit the reads, signalling the guest if it waits for room.
 */
typedef void (*vmbus_rx_fn)(void *arg, uint32_t len, bool oversized);
void vmbus_channel_drain_rx(struct vmbus_channel *ch, void *buf, uint32_t size,
			    unsigned int budget, vmbus_rx_fn fn, void *arg);

/*
 * Worker: sleep until the guest signals the channel (a request, or room
 * in its receive ring after ovb_ring_tx_want_space()), the channel starts
 * closing, or @timeout_ms pass. 0, or -ESHUTDOWN once closing.
 */
int vmbus_channel_wait(struct vmbus_channel *ch, unsigned int timeout_ms);

/* Send one in-band packet and signal the guest if needed (threads: above). */
int vmbus_channel_send_inband(struct vmbus_channel *ch, u16 flags, u64 trans_id,
			      const void *buf, u32 len);

/*
 * Send a transfer-page packet (VM_PKT_DATA_USING_XFER_PAGES, Linux's
 * struct vmtransfer_page_packet_header): @nranges ranges of transfer page
 * set @pageset_id (a buffer the guest gave, e.g. netvsc's receive buffer),
 * then @len bytes of in-band payload. With
 * OVB_VMPKT_FLAG_COMPLETION_REQUESTED the guest answers with a VM_PKT_COMP
 * of @trans_id, which the drain sees (vmbus_packet_parse). 0, -EAGAIN
 * when the ring has no room now, -EMSGSIZE, -EINVAL (no ranges or more
 * than VMBUS_XFER_MAX_RANGES), -EIO (failed ring). Threads: as above.
 */
#define VMBUS_XFER_MAX_RANGES	4096
int vmbus_channel_send_xfer_pages(struct vmbus_channel *ch, u16 flags, u64 trans_id,
				  u16 pageset_id, const struct ovb_vmxfer_page_range *ranges,
				  u32 nranges, const void *buf, u32 len);

/*
 * Ask for @count sub-channels of @ch's device (sub_channel_index
 * 1..count), e.g. when a storage guest asks for more queues: queued for
 * the control thread, which offers them; each is opened by the guest like
 * a primary and reaches the VSP's open callback. Only on a primary, once
 * per connection, and at most the device's max_subchannels. Returns 0 if
 * queued, -EINVAL if refused (worker thread).
 */
int vmbus_channel_offer_subchannels(struct vmbus_channel *ch, unsigned int count);

#endif /* OVB_VMBUS_VSP_H */
