/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The server's channel and GPADL state (private to hostside/vmbus). */
#ifndef OVB_VMBUS_CHANNEL_H
#define OVB_VMBUS_CHANNEL_H

#include <pthread.h>

#include "hostside/vmbus/server.h"
#include "hostside/vmbus/vsp.h"
#include "ovb/vmbus_msg.h"

#define VMBUS_MAX_DEVICES	64
#define VMBUS_MAX_GPADLS	4096
#define VMBUS_MAX_GPADL_PAGES	(1u << 18)	/* 1 GiB in one GPADL */
#define VMBUS_CONN_ID_BASE	0x10000		/* channel conn id = base + relid */

enum vmbus_channel_state {
	CH_OFFERED,	/* exists; offered when the guest asks */
	CH_OPEN,
	CH_RESCINDED,	/* waiting for the guest's RELID_RELEASED */
};

struct vmbus_channel {
	struct vmbus_server *srv;
	struct vmbus_device *dev;
	uint32_t relid, conn_id, target_vp;
	uint16_t subidx;
	enum vmbus_channel_state state;
	uint32_t gpadl;
	struct ovb_ring rx, tx;
	void *rx_map, *tx_map;
	uint32_t rx_pages, tx_pages;
	int notify_fd;
	void *priv;
	pthread_mutex_t tx_lock;
	/* worker */
	pthread_t worker;
	bool worker_running;
	volatile bool worker_stop;
	vmbus_channel_fn drain, tick;
	unsigned int tick_ms;
	/* channel_poll(): never poll; polling until (0: not); single drains */
	bool poll_off;
	uint64_t poll_until;
	unsigned int poll_singles;
};

struct vmbus_gpadl {
	struct vmbus_gpadl *next;
	uint32_t id, relid;
	uint32_t npages, have, next_msgnum;
	uint32_t byte_count, byte_offset;
	bool complete;
	uint64_t *pfns;
};

struct vmbus_server {
	const struct vmbus_server_ops *ops;
	void *opaque;
	uint32_t nr_vps;
	pthread_mutex_t lock;
	uint32_t version;		/* 0 = not connected */
	uint32_t msg_vp, msg_sint;
	bool offers_requested;
	struct vmbus_channel *chans[OVB_VMBUS_MAX_RELID + 1];	/* by relid */
	struct vmbus_device *devs[VMBUS_MAX_DEVICES];
	unsigned int ndevs;
	struct vmbus_gpadl *gpadls;
	unsigned int ngpadls;
	struct vmbus_faults faults;	/* --fault: misbehave on purpose */
};

/* gpadl.c */
void vmbus_gpadl_header(struct vmbus_server *srv, const void *msg, uint32_t len);
void vmbus_gpadl_body(struct vmbus_server *srv, const void *msg, uint32_t len);
void vmbus_gpadl_teardown(struct vmbus_server *srv, const void *msg, uint32_t len);
struct vmbus_gpadl *vmbus_gpadl_find(struct vmbus_server *srv, uint32_t id);
void vmbus_gpadl_free_all(struct vmbus_server *srv);

/* server.c */
void vmbus_server_post(struct vmbus_server *srv, const void *msg, uint32_t len);
void vmbus_channel_close_now(struct vmbus_channel *ch);

#include "hostside/log.h"
#define vmbus_log(fmt, ...) log_guest("vmbus: " fmt, ##__VA_ARGS__)

#endif /* OVB_VMBUS_CHANNEL_H */
