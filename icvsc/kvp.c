// SPDX-License-Identifier: GPL-2.0
/*
 * KVP IC: the host reads and writes the guest's key-value pools, which a
 * daemon keeps (Debian's hv_kvp_daemon, hyperv-daemons). We offer the
 * in-tree driver's userspace ABI unchanged (Linux hv_kvp.c over
 * hv_utils_transport's char device): /dev/vmbus/hv_kvp, one whole struct
 * kvp_dev_msg per read() and write() (ovb/ic_kvp.h), UTF-8 towards the
 * daemon and UTF-16LE on the wire. The daemon registers first (its
 * REGISTER1, our version string back); then each host request is turned
 * into a daemon message and its answer into the host's, in the buffer the
 * request came in, sent later with ic_answer().
 *
 * One transaction at a time, as the host guarantees: a request that comes
 * while one is with the daemon, or while no daemon is registered, is
 * refused at once (HV_E_FAIL); a daemon that does not answer within
 * KVP_DAEMON_TIMEOUT fails its request. The host's sizes are clamped to
 * their fields; the daemon's strings to theirs.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/minmax.h>
#include <linux/nls.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "ovb/ic_kvp.h"
#include "vmbus/ovb_vmbus.h"
#include "icvsc/ic.h"

static const u32 kvp_versions[] = { IC_KVP_VERSION_4, IC_KVP_VERSION_3, IC_KVP_VERSION_1 };

#define KVP_DAEMON_TIMEOUT	(30 * HZ)	/* hv_kvp.c's HV_UTIL_TIMEOUT */
#define KVP_BUF_LEN		(2 * PAGE_SIZE)	/* the IP message, 7.5 KiB, fits */
#define KVP_DRV_VERSION		"3.1"		/* what hv_kvp.c registers with */

static void kvp_timeout_fn(struct work_struct *w);

/*
 * One KVP device per VM (its char device has a fixed name), so the state
 * is the module's: a daemon's open file may outlive the device.
 */
static struct kvp_state {
	spinlock_t lock;		/* _bh: the channel callback takes it */
	wait_queue_head_t wq;		/* to_daemon became true, or the device went */
	struct ic_dev *ic;		/* NULL while no device */
	bool open, registered;
	bool to_daemon;			/* out holds a message the daemon has not read */
	bool pending;			/* pkt is the host's request, not yet answered */
	u8 op;
	u32 pkt_len;
	u64 tid;
	u8 pkt[KVP_BUF_LEN];		/* the request as it came, answered in place */
	struct kvp_dev_msg out;
	struct delayed_work timeout;
} kvp = {
	.lock = __SPIN_LOCK_UNLOCKED(kvp.lock),
	.wq = __WAIT_QUEUE_HEAD_INITIALIZER(kvp.wq),
	.timeout = __DELAYED_WORK_INITIALIZER(kvp.timeout, kvp_timeout_fn, 0),
};

/* The host's UTF-16LE (@bytes of it at most, @field long) as UTF-8 into @out. */
static u32 kvp_to_utf8(const u8 *in, u32 bytes, u32 field, u8 *out, u32 out_size)
{
	int n;

	bytes = min(bytes, field);
	n = utf16s_to_utf8s((const wchar_t *)in, bytes / 2, UTF16_LITTLE_ENDIAN, out,
			    out_size - 1);
	n = max(n, 0);
	out[n] = '\0';
	return n + 1;	/* with the NUL, as hv_kvp.c counts */
}

/* The daemon's UTF-8 string (within @in_size) as UTF-16LE; bytes with the NUL, or -1. */
static int kvp_to_utf16(const u8 *in, u32 in_size, u8 *out, u32 out_size)
{
	int n = utf8s_to_utf16s(in, strnlen((const char *)in, in_size), UTF16_LITTLE_ENDIAN,
				(wchar_t *)out, out_size / 2 - 1);

	if (n < 0)
		return -1;
	out[2 * n] = out[2 * n + 1] = 0;
	return 2 * (n + 1);
}

/* The host's request as the daemon's message (kvp.out). 0, or -EINVAL. */
static int kvp_to_daemon(const u8 *body, u32 len)
{
	const struct kvp_msg *m = (const void *)body;
	const struct kvp_ip_msg *ip = (const void *)body;
	struct kvp_dev_msg *o = &kvp.out;
	u32 v32;
	u64 v64;

	memset(o, 0, sizeof(*o));
	o->hdr.operation = m->hdr.operation;
	o->hdr.pool = m->hdr.pool;
	switch (m->hdr.operation) {
	case IC_KVP_OP_GET_IP_INFO:
		if (len < sizeof(*ip))
			return -EINVAL;
		kvp_to_utf8((const u8 *)ip->ip.adapter_id, sizeof(ip->ip.adapter_id),
			    sizeof(ip->ip.adapter_id), (u8 *)o->body.ip.adapter_id,
			    sizeof(o->body.ip.adapter_id));
		o->body.ip.addr_family = ip->ip.addr_family;
		return 0;
	case IC_KVP_OP_SET:
		switch (m->body.get_set.value_type) {
		case IC_KVP_REG_SZ:
			o->body.get_set.value_size =
				kvp_to_utf8(m->body.get_set.value, m->body.get_set.value_size,
					    sizeof(m->body.get_set.value), o->body.get_set.value,
					    sizeof(o->body.get_set.value));
			break;
		case IC_KVP_REG_U32:
			memcpy(&v32, m->body.get_set.value, sizeof(v32));
			o->body.get_set.value_size = 1 +
				snprintf((char *)o->body.get_set.value,
					 sizeof(o->body.get_set.value), "%u", v32);
			break;
		case IC_KVP_REG_U64:
			memcpy(&v64, m->body.get_set.value, sizeof(v64));
			o->body.get_set.value_size = 1 +
				snprintf((char *)o->body.get_set.value,
					 sizeof(o->body.get_set.value), "%llu", v64);
			break;
		default:
			return -EINVAL;
		}
		fallthrough;
	case IC_KVP_OP_GET:
		o->body.get_set.key_size =
			kvp_to_utf8(m->body.get_set.key, m->body.get_set.key_size,
				    sizeof(m->body.get_set.key), o->body.get_set.key,
				    sizeof(o->body.get_set.key));
		return 0;
	case IC_KVP_OP_DELETE:
		o->body.del.key_size = kvp_to_utf8(m->body.del.key, m->body.del.key_size,
						   sizeof(m->body.del.key), o->body.del.key,
						   sizeof(o->body.del.key));
		return 0;
	case IC_KVP_OP_ENUMERATE:
		o->body.enumerate.index = m->body.enumerate.index;
		return 0;
	}
	return -EINVAL;	/* SET_IP_INFO and unknown operations */
}

/* Answer the pending request with @status and send it (kvp.lock held). */
static void kvp_answer(u32 status)
{
	struct icmsg_hdr *h = (void *)(kvp.pkt + sizeof(struct vmbuspipe_hdr));

	h->status = status;
	h->icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
	if (kvp.ic)
		ic_answer(kvp.ic, kvp.pkt, kvp.pkt_len, kvp.tid);
	kvp.pending = false;
	kvp.to_daemon = false;
}

/* The daemon's answer @d into the pending request's body; a status. */
static u32 kvp_from_daemon(const struct kvp_dev_msg *d)
{
	struct kvp_msg *m = (void *)(kvp.pkt + ICMSG_HDR_SIZE);
	struct kvp_ip_msg *ip = (void *)(kvp.pkt + ICMSG_HDR_SIZE);
	struct kvp_value *v;
	int ks = 0, vs;

	if (d->error)
		return d->error;
	switch (kvp.op) {
	case IC_KVP_OP_GET_IP_INFO:
		if (kvp_to_utf16((const u8 *)d->body.ip.ip_addr, sizeof(d->body.ip.ip_addr),
				 (u8 *)ip->ip.ip_addr, sizeof(ip->ip.ip_addr)) < 0 ||
		    kvp_to_utf16((const u8 *)d->body.ip.sub_net, sizeof(d->body.ip.sub_net),
				 (u8 *)ip->ip.sub_net, sizeof(ip->ip.sub_net)) < 0 ||
		    kvp_to_utf16((const u8 *)d->body.ip.gate_way, sizeof(d->body.ip.gate_way),
				 (u8 *)ip->ip.gate_way, sizeof(ip->ip.gate_way)) < 0 ||
		    kvp_to_utf16((const u8 *)d->body.ip.dns_addr, sizeof(d->body.ip.dns_addr),
				 (u8 *)ip->ip.dns_addr, sizeof(ip->ip.dns_addr)) < 0 ||
		    kvp_to_utf16((const u8 *)d->body.ip.adapter_id, sizeof(d->body.ip.adapter_id),
				 (u8 *)ip->ip.adapter_id, sizeof(ip->ip.adapter_id)) < 0)
			return IC_STATUS_FAIL;
		ip->ip.dhcp_enabled = d->body.ip.dhcp_enabled;
		ip->ip.addr_family = d->body.ip.addr_family;
		return IC_STATUS_OK;
	case IC_KVP_OP_GET:
		v = &m->body.get_set;
		vs = kvp_to_utf16(d->body.get_set.value, sizeof(d->body.get_set.value),
				  v->value, sizeof(v->value));
		break;
	case IC_KVP_OP_ENUMERATE:
		v = &m->body.enumerate.data;
		ks = kvp_to_utf16(d->body.enumerate.data.key, sizeof(d->body.enumerate.data.key),
				  v->key, sizeof(v->key));
		vs = kvp_to_utf16(d->body.enumerate.data.value,
				  sizeof(d->body.enumerate.data.value), v->value, sizeof(v->value));
		v->key_size = max(ks, 0);
		break;
	default:
		return IC_STATUS_OK;	/* SET, DELETE: nothing comes back */
	}
	if (ks < 0 || vs < 0)
		return IC_STATUS_FAIL;
	v->value_size = vs;
	v->value_type = IC_KVP_REG_SZ;	/* all the daemon's values are strings */
	return IC_STATUS_OK;
}

static struct work_struct *kvp_handle(struct ic_dev *ic, struct icmsg_hdr *h, u8 *body, u32 len)
{
	u8 *pkt = body - ICMSG_HDR_SIZE;

	spin_lock(&kvp.lock);
	if (kvp.pending || !kvp.registered || ICMSG_HDR_SIZE + len > sizeof(kvp.pkt) ||
	    kvp_to_daemon(body, len)) {
		spin_unlock(&kvp.lock);
		h->status = IC_STATUS_FAIL;	/* answered now */
		return NULL;
	}
	memcpy(kvp.pkt, pkt, ICMSG_HDR_SIZE + len);
	kvp.pkt_len = ICMSG_HDR_SIZE + len;
	kvp.tid = ic->tid;
	kvp.op = ((struct kvp_hdr *)body)->operation;
	kvp.pending = true;
	kvp.to_daemon = true;
	ic->deferred = true;
	mod_delayed_work(system_wq, &kvp.timeout, KVP_DAEMON_TIMEOUT);
	spin_unlock(&kvp.lock);
	wake_up_interruptible(&kvp.wq);
	return NULL;
}

static void kvp_timeout_fn(struct work_struct *w)
{
	spin_lock_bh(&kvp.lock);
	if (kvp.pending) {
		if (kvp.ic)
			dev_warn_ratelimited(ovb_vmbus_dev(kvp.ic->vdev),
					     "KVP daemon did not answer in time\n");
		kvp_answer(IC_STATUS_FAIL);
	}
	spin_unlock_bh(&kvp.lock);
}

/* ---- the daemon's char device ---- */

static int kvp_open(struct inode *inode, struct file *f)
{
	void *bounce = kmalloc(sizeof(struct kvp_dev_msg), GFP_KERNEL);
	int ret = 0;

	if (!bounce)
		return -ENOMEM;
	spin_lock_bh(&kvp.lock);
	if (kvp.open) {
		ret = -EBUSY;	/* one daemon at a time, as hv_utils_transport */
	} else {
		kvp.open = true;
		kvp.registered = false;
	}
	spin_unlock_bh(&kvp.lock);
	if (ret) {
		kfree(bounce);
		return ret;
	}
	f->private_data = bounce;
	return stream_open(inode, f);
}

static int kvp_release(struct inode *inode, struct file *f)
{
	spin_lock_bh(&kvp.lock);
	kvp.open = false;
	kvp.registered = false;
	if (kvp.pending)
		kvp_answer(IC_STATUS_FAIL);
	kvp.to_daemon = false;
	spin_unlock_bh(&kvp.lock);
	kfree(f->private_data);
	return 0;
}

static ssize_t kvp_read(struct file *f, char __user *buf, size_t count, loff_t *ppos)
{
	struct kvp_dev_msg *bounce = f->private_data;
	int ret;

	if (count < sizeof(*bounce))
		return -EINVAL;
	for (;;) {
		spin_lock_bh(&kvp.lock);
		if (!kvp.ic) {
			spin_unlock_bh(&kvp.lock);
			return -ENODEV;
		}
		if (kvp.to_daemon) {
			memcpy(bounce, &kvp.out, sizeof(*bounce));
			kvp.to_daemon = false;
			spin_unlock_bh(&kvp.lock);
			break;
		}
		spin_unlock_bh(&kvp.lock);
		if (f->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(kvp.wq, READ_ONCE(kvp.to_daemon) ||
					       !READ_ONCE(kvp.ic));
		if (ret)
			return ret;
	}
	if (copy_to_user(buf, bounce, sizeof(*bounce)))
		return -EFAULT;
	return sizeof(*bounce);
}

static ssize_t kvp_write(struct file *f, const char __user *buf, size_t count, loff_t *ppos)
{
	struct kvp_dev_msg *d = f->private_data;
	ssize_t ret = count;
	bool wake;

	if (count != sizeof(*d))
		return -EINVAL;
	if (copy_from_user(d, buf, sizeof(*d)))
		return -EFAULT;
	spin_lock_bh(&kvp.lock);
	if (!kvp.ic) {
		ret = -ENODEV;
	} else if (!kvp.registered) {
		/* The handshake: their REGISTER1 (or the old REGISTER), our version. */
		if (d->hdr.operation != IC_KVP_OP_REGISTER1 &&
		    d->hdr.operation != IC_KVP_OP_REGISTER) {
			ret = -EINVAL;
		} else {
			memset(&kvp.out, 0, sizeof(kvp.out));
			kvp.out.hdr.operation = d->hdr.operation;
			strscpy((char *)kvp.out.body.version, KVP_DRV_VERSION,
				sizeof(kvp.out.body.version));
			kvp.registered = true;
			kvp.to_daemon = true;
		}
	} else if (!kvp.pending || kvp.to_daemon) {
		ret = -EINVAL;		/* an answer to nothing we asked */
	} else {
		cancel_delayed_work(&kvp.timeout);
		kvp_answer(kvp_from_daemon(d));
	}
	wake = kvp.to_daemon;
	spin_unlock_bh(&kvp.lock);
	if (wake)
		wake_up_interruptible(&kvp.wq);
	return ret;
}

static __poll_t kvp_poll(struct file *f, poll_table *wait)
{
	poll_wait(f, &kvp.wq, wait);
	if (!READ_ONCE(kvp.ic))
		return EPOLLERR | EPOLLHUP;
	return READ_ONCE(kvp.to_daemon) ? EPOLLIN | EPOLLRDNORM : 0;
}

static const struct file_operations kvp_fops = {
	.owner = THIS_MODULE,
	.open = kvp_open,
	.release = kvp_release,
	.read = kvp_read,
	.write = kvp_write,
	.poll = kvp_poll,
};

static struct miscdevice kvp_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vmbus/hv_kvp",		/* devtmpfs: /dev/vmbus/hv_kvp */
	.fops = &kvp_fops,
};

/* ---- the device ---- */

static int kvp_probe(struct ic_dev *ic)
{
	int ret;

	spin_lock_bh(&kvp.lock);
	if (kvp.ic)
		ret = -EBUSY;	/* a second KVP device: the char device is taken */
	else
		ret = 0, kvp.ic = ic;
	spin_unlock_bh(&kvp.lock);
	if (ret)
		return ret;
	ret = misc_register(&kvp_misc);
	if (ret) {
		spin_lock_bh(&kvp.lock);
		kvp.ic = NULL;
		spin_unlock_bh(&kvp.lock);
	}
	return ret;
}

/* Before the channel closes: nothing of ours sends after this. */
static void kvp_quiesce(struct ic_dev *ic)
{
	cancel_delayed_work_sync(&kvp.timeout);
	spin_lock_bh(&kvp.lock);
	kvp.ic = NULL;
	kvp.pending = false;
	kvp.to_daemon = false;
	kvp.registered = false;
	spin_unlock_bh(&kvp.lock);
	wake_up_interruptible(&kvp.wq);
}

static void kvp_remove(struct ic_dev *ic)
{
	misc_deregister(&kvp_misc);
}

const struct ic_service ic_kvp = {
	.name = "kvp",
	.probe = kvp_probe,
	.quiesce = kvp_quiesce,
	.remove = kvp_remove,
	.buf_len = KVP_BUF_LEN,
	.msgtype = ICMSGTYPE_KVPEXCHANGE,
	.min_len = sizeof(struct kvp_msg),
	.versions = kvp_versions,
	.nversions = ARRAY_SIZE(kvp_versions),
	.handle = kvp_handle,
};
