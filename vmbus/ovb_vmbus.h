/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VSC API of ovb_vmbus: drivers bind to devices by class GUID, open the
 * device's channel with chosen ring sizes, send in-band packets and
 * receive them from an interrupt-driven callback. The channel is opaque.
 */
#ifndef OVB_VMBUS_API_H
#define OVB_VMBUS_API_H

#include <linux/device.h>
#include <linux/mod_devicetable.h>
#include <linux/types.h>
#include <linux/uuid.h>

#include "ovb/ring.h"

struct ovb_vmbus_device;
struct ovb_channel;

struct ovb_vmbus_driver {
	const char *name;
	/* struct hv_vmbus_device_id: the in-tree type, so modules.alias works */
	const struct hv_vmbus_device_id *id_table;
	int (*probe)(struct ovb_vmbus_device *dev);
	void (*remove)(struct ovb_vmbus_device *dev);
	struct device_driver driver;
};

int __ovb_vmbus_driver_register(struct ovb_vmbus_driver *drv, struct module *owner);
#define ovb_vmbus_driver_register(drv) __ovb_vmbus_driver_register(drv, THIS_MODULE)
void ovb_vmbus_driver_unregister(struct ovb_vmbus_driver *drv);
/* A module that only registers @drv: its init and exit. */
#define module_ovb_vmbus_driver(drv) \
	module_driver(drv, ovb_vmbus_driver_register, ovb_vmbus_driver_unregister)

struct ovb_channel *ovb_vmbus_primary_channel(struct ovb_vmbus_device *dev);
struct device *ovb_vmbus_dev(struct ovb_vmbus_device *dev);
const guid_t *ovb_vmbus_class_id(struct ovb_vmbus_device *dev);
void ovb_vmbus_set_drvdata(struct ovb_vmbus_device *dev, void *data);
void *ovb_vmbus_get_drvdata(struct ovb_vmbus_device *dev);

/*
 * MMIO space of the device's own (synthetic video's VRAM), as Linux's
 * vmbus_allocate_mmio: @size bytes aligned to @align (a power of two)
 * from the VMBus's ACPI windows (Address32/64 memory in the _CRS of the
 * VMBus device or its nearest ancestor that has one). 0 with *@res set
 * (its start is the GPA), -ENOSPC, -ENODEV (no window), -EINVAL.
 * ovb_vmbus_mmio_bytes: what the host's offer asks for (mmio_megabytes).
 */
struct resource;
int ovb_vmbus_allocate_mmio(struct ovb_vmbus_device *dev, resource_size_t size,
			    resource_size_t align, struct resource **res);
void ovb_vmbus_free_mmio(struct resource *res);
u32 ovb_vmbus_mmio_bytes(struct ovb_vmbus_device *dev);

/*
 * Sub-channels (VMBus 4.0+): after the device's own protocol asked the host
 * for them, each one the host offers is handed to @fn in process context
 * (set it before asking); @fn opens it like the primary. Setting NULL
 * waits until no @fn runs (a driver does that in its remove and its
 * probe's error path before it closes its channels); the bus does it too
 * before the driver's remove. Sub-channels are closed by the driver's
 * remove (ovb_channel_close) and freed by the bus.
 */
void ovb_channel_set_sc_create(struct ovb_channel *primary, void (*fn)(struct ovb_channel *sc));
/*
 * The host rescinded sub-channel @sc: @fn runs in process context, with
 * the driver bound (never during its probe or remove), before the bus
 * closes and frees @sc. When it returns the driver sends nothing more on
 * @sc and will not close it; its on_event may run until the bus closes it.
 */
void ovb_channel_set_sc_rescind(struct ovb_channel *primary,
				void (*fn)(struct ovb_channel *sc));
u16 ovb_channel_sub_index(struct ovb_channel *ch);	/* 0 for the primary */
struct ovb_vmbus_device *ovb_channel_device(struct ovb_channel *ch);
/* The CPU the host interrupts for this channel (before open; default CPU 0). */
int ovb_channel_set_target_cpu(struct ovb_channel *ch, unsigned int cpu);

/*
 * Open with rings of @send_bytes and @recv_bytes (multiples of PAGE_SIZE,
 * control page included). @on_event runs in softirq context, with the
 * host's signals masked, whenever the host signals; it should drain the
 * channel with ovb_channel_recv().
 */
int ovb_channel_open(struct ovb_channel *ch, u32 send_bytes, u32 recv_bytes,
		     void (*on_event)(void *ctx), void *ctx);
void ovb_channel_close(struct ovb_channel *ch);

/* One in-band packet; signals the host if it needs it. 0, -EAGAIN, -EIO. */
int ovb_channel_send_inband(struct ovb_channel *ch, const void *buf, u32 len,
			    u64 trans_id, u16 flags);
/*
 * A GPA-direct packet (VM_PKT_DATA_USING_GPA_DIRECT): @range_count ranges
 * in @ranges (@ranges_len bytes, a multiple of 8) name guest pages the host
 * reads or writes in place, then @len bytes of in-band payload follow. The
 * ranges are either single-page (struct ovb_gpa_page_range each) or
 * multi-page (struct ovb_gpa_range with its PFN array), include/ovb/ring.h.
 * @flags: OVB_VMPKT_FLAG_*. Signals the host if it needs it. Returns 0,
 * -EAGAIN (ring full now), -EINVAL, -EMSGSIZE or -EIO (channel failed).
 */
int ovb_channel_send_gpa(struct ovb_channel *ch, const void *ranges, u32 ranges_len,
			 u32 range_count, const void *buf, u32 len, u64 trans_id, u16 flags);

/*
 * A completion packet (VM_PKT_COMP) answering the host's packet
 * @trans_id, e.g. netvsc's receive completions. 0, -EAGAIN, -EIO.
 */
int ovb_channel_send_comp(struct ovb_channel *ch, const void *buf, u32 len, u64 trans_id);

/*
 * NAPI drivers: with @on (set before open), on_event only schedules the
 * driver's poll and the host's signals stay masked after it returns; the
 * poll reads the ring and, when it is done under its budget, calls
 * ovb_channel_rx_done(), which commits the reads and unmasks. It returns
 * true if more arrived meanwhile (still masked: poll again).
 */
void ovb_channel_set_rx_deferred(struct ovb_channel *ch, bool on);
bool ovb_channel_rx_done(struct ovb_channel *ch);

/*
 * Receiving, from on_event. Reads are committed to the host in batches
 * (when a quarter of the ring is read, when it is empty, and after each
 * on_event run). on_event should handle at most a budget of packets (say
 * 64) and return: if more is waiting it is called again, as a new tasklet
 * run, so a host that keeps the ring busy cannot hold the CPU.
 */
struct ovb_packet {
	u16 type;			/* OVB_VMPKT_* */
	u16 flags;			/* OVB_VMPKT_FLAG_* */
	u64 trans_id;
	const void *data;		/* the payload (after offset8) */
	u32 len;
	/* OVB_VMPKT_DATA_USING_XFER_PAGES: ranges of the page set, unchecked */
	u16 xfer_pageset_id;
	u32 range_count;
	const struct ovb_vmxfer_page_range *ranges;
};

/*
 * The next packet, in place: @pkt points into the channel's receive
 * buffer and stays valid until the next receive call. Returns 0, -EAGAIN
 * if empty, -EMSGSIZE if it is larger than 64 KiB (dropped), -EPROTO for a
 * transfer-page packet whose ranges do not fit its header (dropped), or
 * -EIO if the channel failed. The ranges' offsets and lengths are the
 * host's: check them against the buffer they name.
 */
int ovb_channel_recv_pkt(struct ovb_channel *ch, struct ovb_packet *pkt);

/*
 * The next packet's payload (after its descriptor) into @buf.
 * Returns 0 (*len, *trans_id set), -EAGAIN if empty, -EMSGSIZE if @buf is
 * too small (the packet is dropped), -EPROTO, or -EIO if the channel failed.
 */
int ovb_channel_recv(struct ovb_channel *ch, void *buf, u32 buflen, u32 *len, u64 *trans_id);

/*
 * Request/response: send @req (@len bytes, in-band, completion requested)
 * with a transaction id of its own and wait up to @timeout jiffies for
 * the answer, copied into @resp (at most @resp_len bytes). One request at
 * a time per channel (others wait); process context. The driver's
 * on_event hands every packet to ovb_channel_request_answer() first.
 * Returns the answer's length (it may be shorter than @resp_len),
 * -ETIMEDOUT, or a send error (-EAGAIN, -EIO).
 */
#define OVB_CHANNEL_REQ_TID	(1ULL << 63)	/* request ids have it; keep it off yours */
int ovb_channel_request(struct ovb_channel *ch, const void *req, u32 len,
			void *resp, u32 resp_len, unsigned long timeout);
/*
 * From on_event: true if @trans_id is a request id (the packet is taken:
 * it answered the pending request, or it is late or unasked and was
 * dropped with a rate-limited log line), false if it is the driver's.
 */
bool ovb_channel_request_answer(struct ovb_channel *ch, u64 trans_id, const void *data, u32 len);

/*
 * A GPADL of the driver's own on @ch (a receive or send buffer): @buf
 * page-aligned, vmalloc'ed or in the linear map, @size a non-zero
 * multiple of PAGE_SIZE up to 64 MiB. Waits up to 5 s for the host.
 * Returns 0 with the handle in *@gpadl, -EINVAL, -EIO (refused),
 * -ETIMEDOUT or -ENODEV. After -ETIMEDOUT the host may hold the pages:
 * never free @buf then (leak it), as after a teardown that failed.
 */
int ovb_channel_gpadl_create(struct ovb_channel *ch, void *buf, u32 size, u32 *gpadl);
/* 0 once the host let go of @gpadl; otherwise it may still use the buffer: leak it. */
int ovb_channel_gpadl_teardown(struct ovb_channel *ch, u32 gpadl);

#endif /* OVB_VMBUS_API_H */
