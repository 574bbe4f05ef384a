/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovb_ic's framework: every integration service is one VMBus device whose
 * channel carries IC messages (struct icmsg_hdr after a pipe header); the
 * host negotiates framework and service versions first, then sends
 * requests, which we answer in the buffer they came in (Linux's hv_utils,
 * drivers/hv/hv_util.c). A service is a struct ic_service in a file of its
 * own and one line in ic.c's tables.
 */
#ifndef OVB_ICVSC_IC_H
#define OVB_ICVSC_IC_H

#include <linux/types.h>
#include <linux/uuid.h>
#include <linux/workqueue.h>

#include "ovb/ic_proto.h"

struct ic_dev;

struct ic_service {
	const char *name;
	/* Optional: set up and take down what the service keeps (process context). */
	int (*probe)(struct ic_dev *ic);
	void (*remove)(struct ic_dev *ic);
	/* Optional: before the channel closes; nothing may send after it. */
	void (*quiesce)(struct ic_dev *ic);
	u32 buf_len;			/* the largest packet it takes; 0: a page */
	u16 msgtype;			/* ICMSGTYPE_* of its requests */
	u32 min_len;			/* body bytes a request must have */
	const u32 *versions;		/* ours, best first (IC_VERSION()) */
	u32 nversions;
	/*
	 * Answer a request in place: @body has @len >= min_len bytes, our
	 * copy of the host's. h->status is IC_STATUS_OK on entry. Returns
	 * work to schedule once the answer is on its way, or NULL.
	 * A service that answers later (its daemon does) sets ic->deferred
	 * and keeps the packet and ic->tid; it sends with ic_answer().
	 * Softirq context.
	 */
	struct work_struct *(*handle)(struct ic_dev *ic, struct icmsg_hdr *h, u8 *body, u32 len);
};

struct ic_dev {
	struct ovb_vmbus_device *vdev;
	struct ovb_channel *ch;
	const struct ic_service *svc;
	u8 *buf;
	u64 requests;
	u64 tid;			/* the request being handled */
	bool deferred;			/* handle() keeps its answer for later */
	u32 srv_version;		/* negotiated, IC_VERSION(); 0 before */
	void *priv;			/* the service's */
};

/*
 * The services, one line each: its struct ic_service (defined in its own
 * file) and its class GUID (ovb/guids.h). ic.c builds both its service
 * table and the device-id table modpost reads from this list.
 */
#define OVB_IC_SERVICES(X)			\
	X(ic_heartbeat, OVB_GUID_HEARTBEAT)	\
	X(ic_shutdown, OVB_GUID_SHUTDOWN)	\
	X(ic_timesync, OVB_GUID_TIMESYNC)	\
	X(ic_kvp, OVB_GUID_KVP)			\
	X(ic_vss, OVB_GUID_VSS)			\
	X(ic_fcopy, OVB_GUID_FCOPY)

#define OVB_IC_DECLARE(svc, id) extern const struct ic_service svc;
OVB_IC_SERVICES(OVB_IC_DECLARE)

/*
 * Parsers of the host's bytes, self-contained (no channel calls; the fuzz
 * shim builds them in userspace).
 * ic_negotiate: answer a NEGOTIATE body of @len bytes in place with one
 * framework and one service version of ours, or refuse (status FAIL).
 * ic_process: one whole packet payload in @buf (@len bytes), answered in
 * place; returns what the service wants scheduled afterwards, or NULL.
 */
void ic_negotiate(struct ic_dev *ic, struct icmsg_hdr *h, u8 *body, u32 len);
struct work_struct *ic_process(struct ic_dev *ic, u8 *buf, u32 len);
/* A deferred answer: the whole packet payload as it came, answered in place. */
int ic_answer(struct ic_dev *ic, const void *buf, u32 len, u64 tid);

#endif /* OVB_ICVSC_IC_H */
