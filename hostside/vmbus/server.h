/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The VMBus server: a pure state machine. Channel messages the guest
 * posted go in (vmbus_server_handle_msg), effects come out through the
 * ops the embedder supplies (ovb-host's main.c, or a fake guest in the
 * unit tests and fuzzers); it calls no KVM.
 *
 * Threads: everything in this header except where noted runs on one
 * thread, the VMBus control thread (the embedder serialises calls).
 * VSPs run their queues on their own threads through vsp.h.
 */
#ifndef OVB_VMBUS_SERVER_H
#define OVB_VMBUS_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "hostside/vmbus/fault.h"	/* --fault */
#include "ovb/types.h"

struct vmbus_server;
struct vmbus_device;
struct vmbus_channel;

struct vmbus_server_ops {
	/* Post @msg to the guest's SINT @sint on @vp. 0 or -1. Thread-safe. */
	int (*post_msg)(void *opaque, uint32_t vp, uint32_t sint, const void *msg,
			uint32_t len);
	/*
	 * Map guest pages for a ring: pfns[0] is the control page, the rest
	 * the data area, which must appear twice back to back after it (so
	 * the mapping is 1 + 2 * (n - 1) pages). NULL if any page is not RAM.
	 */
	void *(*map_ring)(void *opaque, const uint64_t *pfns, uint32_t n);
	void (*unmap_ring)(void *opaque, void *p, uint32_t n);
	/* Checked guest memory access: NULL unless all of it is RAM. Thread-safe. */
	void *(*gpa_map)(void *opaque, uint64_t gpa, uint64_t len);
	/* Route the guest's signals on @conn_id to @fd (an eventfd), or stop. */
	int (*event_register)(void *opaque, uint32_t conn_id, int fd);
	void (*event_unregister)(void *opaque, uint32_t conn_id, int fd);
	/* Signal channel @relid to the guest (event flag + SINT). Thread-safe. */
	int (*signal_guest)(void *opaque, uint32_t vp, uint32_t sint, uint32_t relid);
};

struct vmbus_server *vmbus_server_new(const struct vmbus_server_ops *ops, void *opaque,
				      uint32_t nr_vps);
void vmbus_server_free(struct vmbus_server *srv);

/*
 * One message the guest posted to a VMBus message connection (1 or 4),
 * from vCPU @vp. Hostile bytes: any length, any content. Bad messages are
 * logged (rate limited) and dropped or answered with a failure.
 */
void vmbus_server_handle_msg(struct vmbus_server *srv, uint32_t vp, const void *msg,
			     uint32_t len);

/* The guest is gone (reboot, kexec without unload): forget it all. */
void vmbus_server_reset(struct vmbus_server *srv);

/*
 * Add a device (offered now if the guest is connected: hot add) or remove
 * it (rescinded; the guest releases it). See vsp.h for the device.
 */
int vmbus_server_add_device(struct vmbus_server *srv, struct vmbus_device *dev);
void vmbus_server_remove_device(struct vmbus_server *srv, struct vmbus_device *dev);

/* Negotiated version, 0 while not connected. */
uint32_t vmbus_server_version(const struct vmbus_server *srv);

/* For the control socket (call on the control thread). */
struct vmbus_channel_info {
	uint32_t relid, conn_id, target_vp;
	struct ovb_guid class_id, instance_id;
	uint16_t subchannel_index;
	const char *state;		/* "offered", "open", "rescinded", ... */
	const char *device;		/* the VSP's name */
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes, tx_signals, rx_signals;
	bool ring_failed;
};
typedef void (*vmbus_channel_info_fn)(void *arg, const struct vmbus_channel_info *info);
void vmbus_server_list_channels(struct vmbus_server *srv, vmbus_channel_info_fn fn, void *arg);
unsigned int vmbus_server_gpadl_count(const struct vmbus_server *srv);

#endif /* OVB_VMBUS_SERVER_H */
