/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ICs that a guest daemon answers (KVP, VSS), with the in-tree
 * driver's userspace ABI (Linux hv_utils_transport's char device,
 * /dev/vmbus/hv_*): one whole message per read() and write(). The daemon
 * registers first (the service's handshake, which may queue a reply);
 * after that each host request the service turns into a daemon message
 * is read by the daemon, whose one write answers it; the answer goes to
 * the host in the request's own buffer (ic_answer()). One transaction at
 * a time: a request that comes while one is with the daemon, or while no
 * daemon is registered, is refused at once (IC_STATUS_FAIL); one the
 * daemon does not answer in time fails. Each service has one such device
 * (a fixed name), so its state is static and outlives a daemon's file.
 */
#ifndef OVB_ICVSC_DAEMON_H
#define OVB_ICVSC_DAEMON_H

#include <linux/miscdevice.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "icvsc/ic.h"

#define IC_DAEMON_PKT	(2 * PAGE_SIZE)	/* KVP's IP message, 7.5 KiB, fits */
#define IC_DAEMON_MSG	8192		/* any daemon message fits */

struct ic_daemon {
	/* The service's; every callback runs with @lock held. */
	u32 msg_size;			/* what the daemon writes, exactly */
	/*
	 * The daemon's first write: 0 with a reply of *@reply_len bytes in
	 * d->out (0: none), or -EINVAL for anything but a registration.
	 */
	int (*handshake)(struct ic_daemon *d, const void *msg, u32 *reply_len);
	/*
	 * A host request (@body, @len >= the service's min_len) as the
	 * daemon's message in d->out (*@out_len bytes) and how long the
	 * daemon may take; 0, or a status to answer with at once.
	 */
	u32 (*to_daemon)(struct ic_daemon *d, u8 *body, u32 len, u32 *out_len,
			 unsigned long *timeout);
	/* The daemon's answer @msg into the pending request d->pkt; a status. */
	u32 (*from_daemon)(struct ic_daemon *d, const void *msg);

	struct miscdevice misc;
	spinlock_t lock;		/* _bh: the channel callback takes it */
	wait_queue_head_t wq;		/* a message for the daemon, or the device went */
	struct delayed_work timeout;
	struct ic_dev *ic;		/* NULL while no device */
	bool open, registered;
	bool pending;			/* pkt is the host's request, not yet answered */
	u32 out_len;			/* d->out holds a message the daemon has not read */
	u32 pkt_len;
	u64 tid;
	u8 pkt[IC_DAEMON_PKT];		/* the request as it came, answered in place */
	u8 out[IC_DAEMON_MSG];
};

extern const struct file_operations ic_daemon_fops;
void ic_daemon_timeout_fn(struct work_struct *w);

/* A struct ic_daemon's initialiser: @var its name, @dev "vmbus/hv_kvp". */
#define IC_DAEMON_INIT(var, dev)						\
	.misc = { .minor = MISC_DYNAMIC_MINOR, .name = dev, .fops = &ic_daemon_fops }, \
	.lock = __SPIN_LOCK_UNLOCKED(var.lock),				\
	.wq = __WAIT_QUEUE_HEAD_INITIALIZER(var.wq),			\
	.timeout = __DELAYED_WORK_INITIALIZER(var.timeout, ic_daemon_timeout_fn, 0)

/* For the service's probe, quiesce and remove (ic.h) and its handle(). */
int ic_daemon_probe(struct ic_daemon *d, struct ic_dev *ic);
void ic_daemon_quiesce(struct ic_daemon *d);
void ic_daemon_remove(struct ic_daemon *d);
void ic_daemon_handle(struct ic_daemon *d, struct ic_dev *ic, struct icmsg_hdr *h, u8 *body,
		      u32 len);

/* The struct ic_service hooks of service @svc over its struct ic_daemon @d. */
#define IC_DAEMON_HOOKS(svc, d)							\
static struct work_struct *svc##_handle(struct ic_dev *ic, struct icmsg_hdr *h,	\
					u8 *body, u32 len)			\
{										\
	ic_daemon_handle(&(d), ic, h, body, len);				\
	return NULL;								\
}										\
static int svc##_probe(struct ic_dev *ic) { return ic_daemon_probe(&(d), ic); }	\
static void svc##_quiesce(struct ic_dev *ic) { ic_daemon_quiesce(&(d)); }	\
static void svc##_remove(struct ic_dev *ic) { ic_daemon_remove(&(d)); }

#endif /* OVB_ICVSC_DAEMON_H */
