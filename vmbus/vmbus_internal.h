/* SPDX-License-Identifier: GPL-2.0 */
/* ovb_vmbus internals: the connection and the bus. */
#ifndef OVB_VMBUS_INTERNAL_H
#define OVB_VMBUS_INTERNAL_H

#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>

#include <linux/completion.h>
#include <linux/interrupt.h>
#include <linux/spinlock.h>

#include "ovb/vmbus_msg.h"
#include "lib/ring.h"
#include "vmbus/ovb_vmbus.h"

#define OVB_MAX_SUBCHANNELS	64		/* per device; Linux asks for at most one per CPU */
#define OVB_GPADL_MAX_BYTES	(64u << 20)	/* a driver's own GPADL (netvsc: 31 MiB) */

/* A driver's in-band request awaiting its answer (request.c). */
struct ovb_chan_call {
	struct mutex lock;		/* one request at a time */
	spinlock_t slock;		/* the fields below: answer vs. timeout */
	u64 tid;			/* awaited transaction id, 0: none */
	u32 seq;
	void *resp;
	u32 resp_len, got;
	struct completion done;
};

struct ovb_channel {
	struct ovb_vmbus_device *dev;
	u32 relid, conn_id, target_vp;
	u16 sub_index;			/* 0: the device's primary channel */
	/* sub-channels: on the primary's list; created by the host's offers */
	struct list_head sc_list;	/* primary: its sub-channels */
	struct list_head sc_node;	/* sub-channel: on the primary's list */
	void (*sc_create)(struct ovb_channel *sc);
	void (*sc_rescind)(struct ovb_channel *sc);
	struct work_struct sc_work;	/* runs the primary's sc_create */
	struct mutex lock;		/* open, close, requests to the host */
	bool open, failed_logged, tx_failed_logged;
	bool rx_deferred;		/* ovb_channel_set_rx_deferred */
	/*
	 * The host rescinded the channel (it closed it first and let go of
	 * its GPADLs): no teardown is sent, the pages are freed.
	 */
	bool rescinded;
	/* rings: pages[0..send_pages) then recv pages; both vmapped twice */
	struct page **pages;
	u32 send_pages, recv_pages;
	void *send_map, *recv_map;
	u32 gpadl;
	struct ovb_ring tx, rx;
	u8 *rxbuf;			/* one packet, copied out of the ring */
	u32 rxbuf_len;
	spinlock_t tx_lock;
	struct tasklet_struct tasklet;
	void (*on_event)(void *ctx);
	void *ctx;
	struct ovb_chan_call call;
	/* counters for sysfs */
	u64 interrupts;
};

/*
 * A request to the host over the message connection, awaiting the answer
 * of @type that carries @relid and/or @gpadl (gpadl.c).
 */
struct ovb_host_req {
	struct list_head node;
	u32 type, relid, gpadl, status;
	struct completion done;
};

struct ovb_vmbus_device {
	struct device dev;
	struct vmbus_channel_offer_channel offer;	/* as the host sent it */
	u32 relid;
	struct list_head node;
	struct ovb_channel chan;
	void *drvdata;
};

#define to_ovb_vmbus_device(d) container_of(d, struct ovb_vmbus_device, dev)

extern struct bus_type ovb_vmbus_bus;
int ovb_vmbus_bus_init(void);
void ovb_vmbus_bus_exit(void);
struct ovb_vmbus_device *ovb_vmbus_device_add(struct device *parent,
					      const struct vmbus_channel_offer_channel *o);
void ovb_vmbus_device_remove(struct ovb_vmbus_device *d);

/* connection.c */
int ovb_vmbus_post(const void *msg, u32 len);
u32 ovb_vmbus_version(void);

/* channel.c */
void ovb_channel_init(struct ovb_channel *ch, struct ovb_vmbus_device *dev,
		      const struct vmbus_channel_offer_channel *o);
/* A ring's control-page view for sysfs (in-tree out_* / in_* attributes). */
struct ovb_channel_ring_info {
	u32 intr_mask, read_index, write_index, bytes_to_read, bytes_to_write;
};
int ovb_channel_ring_info(struct ovb_channel *ch, bool out, struct ovb_channel_ring_info *ri);
void ovb_channel_on_events(void *ctx, unsigned long *flags, unsigned int nbits);

/* subchannel.c */
void ovb_channel_add_subchannel(struct ovb_vmbus_device *dev,
				const struct vmbus_channel_offer_channel *o);
int ovb_channel_vp_mapping(struct ovb_vmbus_device *dev, char *buf);
void ovb_channel_sc_stop(struct ovb_channel *primary);
bool ovb_channel_remove_subchannel(struct ovb_vmbus_device *dev, u32 relid);
bool ovb_channel_has_subchannel(struct ovb_vmbus_device *dev, u32 relid);
void ovb_channel_subchannel_relids(struct ovb_vmbus_device *dev, bool *relids);
void ovb_channel_free_subchannels(struct ovb_vmbus_device *dev);

/* gpadl.c: requests to the host and the GPADLs they make */
void ovb_host_req_arm(struct ovb_host_req *r, u32 type, u32 relid, u32 gpadl);
int ovb_host_req_wait(struct ovb_host_req *r, int ret);
int ovb_host_request(const void *msg, u32 len, u32 answer, u32 relid, u32 gpadl);
void ovb_channel_answer(u32 msgtype, const void *msg);
int ovb_gpadl_create_rings(struct ovb_channel *ch, u32 npages);
int ovb_gpadl_teardown(struct ovb_channel *ch, u32 gpadl);

/* request.c */
void ovb_chan_call_init(struct ovb_chan_call *c);

/* mmio.c: the VMBus MMIO windows from ACPI, read at connect */
struct acpi_device;
void ovb_vmbus_mmio_scan(struct acpi_device *adev);
void ovb_vmbus_mmio_clear(void);

#endif
