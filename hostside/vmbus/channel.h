/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The server's channel and GPADL state (private to hostside/vmbus). */
#ifndef OVB_VMBUS_CHANNEL_H
#define OVB_VMBUS_CHANNEL_H

#include <pthread.h>

#include "hostside/log.h"
#include "hostside/vmbus/server.h"
#include "hostside/vmbus/vsp.h"
#include "ovb/vmbus_msg.h"

#define VMBUS_MAX_DEVICES	64
#define VMBUS_MAX_GPADLS	4096
#define VMBUS_MAX_GPADL_PAGES	(1u << 18)	/* 1 GiB in one GPADL */
#define VMBUS_DEFAULT_GPADL_PAGES (1u << 20)	/* in all, until told guest RAM */
#define VMBUS_CONN_ID_BASE	0x10000		/* channel conn id = base + relid */

enum vmbus_channel_state {
	CH_OFFERED,	/* exists; offered when the guest asks */
	CH_OPEN,
	CH_CLOSING,	/* the VSP's close runs, without srv->lock */
	CH_RESCINDED,	/* waiting for the guest's RELID_RELEASED; dev is NULL */
};

/*
 * What a VSP mapped on a channel (vmbus_channel_gpadl_map, _map_guest_range):
 * released by the VSP or, at the latest, when the channel closes.
 */
struct vmbus_mapping {
	struct vmbus_mapping *next;
	void *p;			/* what the VSP got */
	void *base;			/* what the op returned */
	bool range;			/* a guest range, else GPADL @gpadl */
	uint32_t gpadl, npages;
	uint64_t gpa, len;
};

struct vmbus_channel {
	struct vmbus_server *srv;
	struct vmbus_device *dev;	/* NULL once rescinded */
	/* the device's, kept for ovbctl after a rescind */
	struct ovb_guid class_id, instance_id;
	const char *name;
	uint32_t relid, conn_id, target_vp;
	uint16_t subidx;
	uint32_t primary_relid;		/* own relid on a primary */
	enum vmbus_channel_state state;
	/* primary: sub-channels asked for (atomic; worker -> control thread) */
	unsigned int subch_request;
	uint32_t gpadl;
	struct vmbus_mapping *maps;	/* srv->map_lock */
	unsigned int nmaps;
	struct ovb_ring rx, tx;
	void *rx_map, *tx_map;
	uint32_t rx_pages, tx_pages;
	int notify_fd;
	void *priv;
	pthread_mutex_t tx_lock;
	/* worker */
	pthread_t worker;
	bool worker_running;
	bool worker_stop;		/* atomic */
	uint64_t worker_wakeups;	/* atomic; ovbctl and the tests read it */
	vmbus_channel_fn drain, tick;
	unsigned int tick_ms;
	/* channel_poll(): never poll; polling until (0: not); single drains */
	bool poll_off;
	uint64_t poll_until;
	unsigned int poll_singles;
	uint64_t poll_looks;		/* atomic: looks made while polling */
};

struct vmbus_gpadl {
	struct vmbus_gpadl *next;
	uint32_t id, relid;
	/*
	 * Body messages carry a msgnumber, but Linux leaves it 0: arrival
	 * order is all there is, and have counts the PFNs so far.
	 */
	uint32_t npages, have;
	uint32_t byte_count, byte_offset;
	bool complete;
	/* srv->map_lock: VSP mappings, a channel's rings, TEARDOWN waiting */
	unsigned int maps;
	bool ring, teardown;
	bool released;		/* its relid was released: freed unanswered */
	uint64_t *pfns;
};

struct vmbus_server {
	const struct vmbus_server_ops *ops;
	void *opaque;
	uint32_t nr_vps;
	pthread_mutex_t lock;
	/*
	 * A leaf lock, never held while waiting on anything: VSP threads
	 * map GPADLs and ranges under it without the server's lock. The
	 * control thread holds both to change the GPADL list.
	 */
	pthread_mutex_t map_lock;
	pthread_cond_t closed;		/* a channel left CH_CLOSING */
	bool bound;			/* ctl_thread is the control thread */
	pthread_t ctl_thread;
	bool requests;			/* atomic: a worker queued a request */
	bool teardowns;			/* atomic: a GPADL's TORNDOWN may go now */
	uint32_t version;		/* 0 = not connected */
	uint32_t msg_vp, msg_sint;
	bool offers_requested;
	struct vmbus_channel *chans[OVB_VMBUS_MAX_RELID + 1];	/* by relid */
	struct vmbus_device *devs[VMBUS_MAX_DEVICES];
	unsigned int ndevs;
	struct vmbus_gpadl *gpadls;
	unsigned int ngpadls;
	/* PFNs held by all GPADLs, and the most we hold (guest RAM's pages) */
	uint64_t gpadl_pages, max_gpadl_pages;
	struct vmbus_faults faults;	/* --fault: misbehave on purpose */
	struct log_ratelimit log_rl;	/* complaints about the guest's messages */
	struct log_ratelimit connect_rl, unload_rl;	/* state lines it can repeat */
};

/* gpadl.c */
void vmbus_gpadl_header(struct vmbus_server *srv, const void *msg, uint32_t len);
void vmbus_gpadl_body(struct vmbus_server *srv, const void *msg, uint32_t len);
void vmbus_gpadl_teardown(struct vmbus_server *srv, const void *msg, uint32_t len);
struct vmbus_gpadl *vmbus_gpadl_find(struct vmbus_server *srv, uint32_t id);
void vmbus_gpadl_free_all(struct vmbus_server *srv);
/* An open channel's rings are in GPADL @id. */
bool vmbus_gpadl_in_use(struct vmbus_server *srv, uint32_t id);
/* Answer the teardowns that waited for VSPs to unmap their GPADLs (srv->lock). */
void vmbus_gpadl_finish_teardowns(struct vmbus_server *srv);
/* Drop the GPADLs made on a rescinded channel the guest released. */
void vmbus_gpadl_release_relid(struct vmbus_server *srv, uint32_t relid);

/* channel.c: unmap whatever the VSP left mapped (closing, worker joined). */
void vmbus_channel_release_maps(struct vmbus_channel *ch);

/* server.c */
void vmbus_server_post(struct vmbus_server *srv, const void *msg, uint32_t len);
/*
 * Close channel @relid if it is open, with srv->lock held on entry and
 * exit but dropped while the VSP's close runs (it joins a worker that may
 * be waiting on the guest). Waits for a close another thread started.
 * Returns the channel as it is now (NULL if it went meanwhile).
 */
struct vmbus_channel *vmbus_channel_close(struct vmbus_server *srv, uint32_t relid);
/* The primary channel of @dev, or NULL. */
struct vmbus_channel *vmbus_server_primary(struct vmbus_server *srv,
					   const struct vmbus_device *dev);

/* Debug builds: the function runs on the control thread (server.h). */
#if defined(OVB_DEBUG) || defined(__SANITIZE_ADDRESS__)
#include <assert.h>
#define VMBUS_ASSERT_CONTROL(srv) \
	assert(!(srv)->bound || pthread_equal((srv)->ctl_thread, pthread_self()))
#else
#define VMBUS_ASSERT_CONTROL(srv) ((void)(srv))
#endif

/* Complaints about the guest's messages: rate limited per server. */
#define vmbus_log(srv, fmt, ...) log_rl(&(srv)->log_rl, "guest: vmbus: " fmt, ##__VA_ARGS__)

#endif /* OVB_VMBUS_CHANNEL_H */
