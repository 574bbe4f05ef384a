/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The VMBus server: a pure state machine. Channel messages the guest
 * posted go in (vmbus_server_handle_msg), effects come out through the
 * ops the embedder supplies (ovb-host's vmbus_host.c, or a fake guest in
 * the unit tests and fuzzers); it calls no KVM.
 *
 * Threads. The embedder runs one VMBus control thread and names it with
 * vmbus_server_bind_thread(); until it does (start-up) and after
 * vmbus_server_unbind_thread() (shut-down), the caller's thread counts
 * as the control thread.
 *   - control thread only: vmbus_server_handle_msg, _run_requests,
 *     _set_faults, _free (asserted in debug builds: -DOVB_DEBUG, or any
 *     sanitizer build);
 *   - any thread: _add_device, _remove_device, _version,
 *     _list_channels, _gpadl_count (they take the server's lock, which
 *     is never held while a VSP callback runs);
 *   - VSP workers never call into this header (vsp.h): what they ask of
 *     the server is queued, and the server calls ops->kick so the
 *     embedder's control thread calls vmbus_server_run_requests().
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
	/*
	 * A worker queued a request: make the control thread call
	 * vmbus_server_run_requests() soon. Any thread; must not block.
	 */
	void (*kick)(void *opaque);
	/*
	 * Map the guest pages @pfns contiguously, once (a GPADL's buffer for
	 * a VSP); NULL if any page is not RAM. Any thread.
	 */
	void *(*map_pages)(void *opaque, const uint64_t *pfns, uint32_t n);
	void (*unmap_pages)(void *opaque, void *p, uint32_t n);
	/*
	 * Memory behind [gpa, gpa + len) (page-aligned, checked not to wrap)
	 * that the host reads and the guest writes: guest RAM's own mapping
	 * if it is all RAM, fresh memory the embedder places there if it
	 * all lies in the VMBus MMIO window (the ACPI _CRS), else NULL. Any
	 * thread. Unmap gets back what map returned.
	 */
	void *(*map_range)(void *opaque, uint64_t gpa, uint64_t len);
	void (*unmap_range)(void *opaque, void *p, uint64_t gpa, uint64_t len);
	/*
	 * The guest's partition reference time now: 100 ns units since the
	 * VM started, what its TIME_REF_COUNT MSR and reference TSC page read
	 * (TLFS 12.4). Services that timestamp for the guest use it (timesync
	 * 4.0's vmreferencetime). Any thread.
	 */
	uint64_t (*ref_time)(void *opaque);
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

/*
 * Guest RAM in 4 KiB pages: all GPADLs together may describe at most this
 * much (default 4 GiB). Before the guest runs.
 */
void vmbus_server_set_guest_pages(struct vmbus_server *srv, uint64_t pages);

/* Carry out what VSP workers asked for (sub-channel offers). */
void vmbus_server_run_requests(struct vmbus_server *srv);

/* The calling thread is the control thread from now on / no longer. */
void vmbus_server_bind_thread(struct vmbus_server *srv);
void vmbus_server_unbind_thread(struct vmbus_server *srv);

/*
 * Add a device (offered now if the guest is connected: hot add); 0, or
 * -ENOSPC when devices or relids run out. Remove it: its channels are
 * closed (the VSP's close joins their workers) and rescinded (the guest
 * releases them), then the VSP's rescind runs; the device may be freed
 * when this returns. See vsp.h for the device.
 */
int vmbus_server_add_device(struct vmbus_server *srv, struct vmbus_device *dev);
void vmbus_server_remove_device(struct vmbus_server *srv, struct vmbus_device *dev);

/* Negotiated version, 0 while not connected. */
uint32_t vmbus_server_version(const struct vmbus_server *srv);

/* For the control socket (any thread). */
struct vmbus_channel_info {
	uint32_t relid, conn_id, target_vp;
	struct ovb_guid class_id, instance_id;
	uint16_t subchannel_index;
	const char *state;		/* "offered", "open", "rescinded", ... */
	const char *device;		/* the VSP's name */
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes, tx_signals, rx_signals;
	uint64_t worker_wakeups;	/* times the worker woke from its sleep */
	uint64_t poll_looks;		/* looks at the ring while polling */
	bool ring_failed;
};
typedef void (*vmbus_channel_info_fn)(void *arg, const struct vmbus_channel_info *info);
void vmbus_server_list_channels(struct vmbus_server *srv, vmbus_channel_info_fn fn, void *arg);
unsigned int vmbus_server_gpadl_count(const struct vmbus_server *srv);

#endif /* OVB_VMBUS_SERVER_H */
