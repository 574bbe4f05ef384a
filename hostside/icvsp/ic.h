/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The IC framework shared by the IC VSPs (private to hostside/icvsp). */
#ifndef OVB_ICVSP_IC_H
#define OVB_ICVSP_IC_H

#include <pthread.h>

#include "hostside/icvsp/icvsp.h"
#include "hostside/log.h"
#include "hostside/vmbus/vsp.h"
#include "ovb/ic_proto.h"

#define IC_BUF_SIZE	8192	/* the largest IC message (KVP's IP info) fits */

struct ic_txn;

struct ic_service {
	struct vmbus_device dev;
	const char *name;
	uint16_t msgtype;			/* ICMSGTYPE_* of the service */
	const uint32_t *srv_versions;		/* ours, newest first */
	unsigned int nsrv_versions;
	/*
	 * Optional: the service's transactions (ic_txn.h: KVP, VSS, fcopy).
	 * The framework hands it every response (@response is not called),
	 * resets it on negotiation before @negotiated, and kicks and ticks
	 * it after @kick and @tick (which may leave it work for that run).
	 */
	struct ic_txn *txn;
	/* Called on the worker with a validated response to a service message. */
	void (*response)(struct ic_service *ic, const struct icmsg_hdr *h,
			 const uint8_t *body, uint32_t body_len);
	void (*tick)(struct ic_service *ic);	/* every second once negotiated */
	/*
	 * Optional: the guest accepted versions (st.srv_version); worker thread.
	 * Runs before st.negotiated turns true, so it may reset service state.
	 */
	void (*negotiated)(struct ic_service *ic);
	/*
	 * Optional: after every drain once negotiated (worker thread), so a
	 * request another thread queued goes out as soon as it wakes the
	 * worker (notify fd) instead of at the next tick.
	 */
	void (*kick)(struct ic_service *ic);
	pthread_mutex_t lock;			/* guards st */
	struct icvsp_status st;
	struct vmbus_channel *ch;
	uint64_t next_trans;
	uint8_t txn_id;
	volatile int pending;			/* service-specific request flag */
	/* Lines the guest can cause, rate limited per service. */
	struct log_ratelimit log_rl;		/* complaints about its answers */
	struct log_ratelimit state_rl;		/* negotiation and the like */
};

/* A complaint about the guest's answer; a state line the guest can repeat. */
#define ic_log(ic, fmt, ...) log_rl(&(ic)->log_rl, "guest: %s: " fmt, (ic)->name, ##__VA_ARGS__)
#define ic_log_state(ic, fmt, ...) log_rl(&(ic)->state_rl, "%s: " fmt, (ic)->name, ##__VA_ARGS__)

/* Packets one drain takes before it lets the worker look at its stop flag. */
#define IC_DRAIN_BUDGET		64

void ic_service_init(struct ic_service *ic, const char *name, const struct ovb_guid *class_id,
		     uint16_t msgtype, const uint32_t *versions, unsigned int nversions);
/*
 * One whole packet from the guest (descriptor first, as the ring hands it
 * over, any bytes): a negotiation answer or the service's answer. Worker
 * thread; the IC fuzzer calls it directly.
 */
void ic_handle_packet(struct ic_service *ic, const uint8_t *buf, uint32_t len);
/* Send a service message with @body (worker thread, or open()). */
int ic_send(struct ic_service *ic, uint16_t msgtype, const void *body, uint32_t body_len);

#endif /* OVB_ICVSP_IC_H */
