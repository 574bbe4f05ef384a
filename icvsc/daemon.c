// SPDX-License-Identifier: GPL-2.0
/* The ICs a guest daemon answers, over its char device (daemon.h). */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vmbus/ovb_vmbus.h"
#include "icvsc/daemon.h"

static struct ic_daemon *ic_daemon_of(struct file *f)
{
	return container_of(f->private_data, struct ic_daemon, misc);
}

/* Answer the pending request with @status and send it (d->lock held). */
static void ic_daemon_answer(struct ic_daemon *d, u32 status)
{
	struct icmsg_hdr *h = (void *)(d->pkt + sizeof(struct vmbuspipe_hdr));

	h->status = status;
	h->icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
	if (d->ic)
		ic_answer(d->ic, d->pkt, d->pkt_len, d->tid);
	d->pending = false;
	d->out_len = 0;
}

void ic_daemon_handle(struct ic_daemon *d, struct ic_dev *ic, struct icmsg_hdr *h, u8 *body,
		      u32 len)
{
	unsigned long timeout = 30 * HZ;	/* hv_utils' HV_UTIL_TIMEOUT */
	u32 status = IC_STATUS_FAIL, out_len = 0;

	spin_lock(&d->lock);
	/* (out_len: the daemon has not read our handshake reply yet) */
	if (!d->pending && d->registered && !d->out_len && ICMSG_HDR_SIZE + len <= sizeof(d->pkt))
		status = d->to_daemon(d, body, len, &out_len, &timeout);
	if (status || !out_len) {
		spin_unlock(&d->lock);
		h->status = status;	/* answered now */
		return;
	}
	memcpy(d->pkt, body - ICMSG_HDR_SIZE, ICMSG_HDR_SIZE + len);
	d->pkt_len = ICMSG_HDR_SIZE + len;
	d->tid = ic->tid;
	d->pending = true;
	d->out_len = out_len;
	ic->deferred = true;
	mod_delayed_work(system_wq, &d->timeout, timeout);
	spin_unlock(&d->lock);
	wake_up_interruptible(&d->wq);
}

void ic_daemon_timeout_fn(struct work_struct *w)
{
	struct ic_daemon *d = container_of(to_delayed_work(w), struct ic_daemon, timeout);

	spin_lock_bh(&d->lock);
	if (d->pending) {
		if (d->ic)
			dev_warn_ratelimited(ovb_vmbus_dev(d->ic->vdev),
					     "%s: the daemon did not answer in time\n",
					     d->misc.name);
		ic_daemon_answer(d, IC_STATUS_FAIL);
	}
	spin_unlock_bh(&d->lock);
}

static int ic_daemon_open(struct inode *inode, struct file *f)
{
	struct ic_daemon *d = ic_daemon_of(f);
	int ret = 0;

	spin_lock_bh(&d->lock);
	if (d->open) {
		ret = -EBUSY;	/* one daemon at a time, as hv_utils_transport */
	} else {
		d->open = true;
		d->registered = false;
	}
	spin_unlock_bh(&d->lock);
	/* Not stream_open(): hv_fcopy_daemon reads with pread(fd, ..., 0). */
	return ret;
}

static int ic_daemon_release(struct inode *inode, struct file *f)
{
	struct ic_daemon *d = ic_daemon_of(f);

	spin_lock_bh(&d->lock);
	d->open = false;
	d->registered = false;
	if (d->pending)
		ic_daemon_answer(d, IC_STATUS_FAIL);
	d->out_len = 0;
	spin_unlock_bh(&d->lock);
	return 0;
}

static ssize_t ic_daemon_read(struct file *f, char __user *buf, size_t count, loff_t *ppos)
{
	struct ic_daemon *d = ic_daemon_of(f);
	u8 *bounce = kmalloc(sizeof(d->out), GFP_KERNEL);
	ssize_t ret;
	u32 len;

	if (!bounce)
		return -ENOMEM;
	for (;;) {
		spin_lock_bh(&d->lock);
		len = d->out_len;
		if (!d->ic) {
			ret = -ENODEV;
		} else if (len && count < len) {
			ret = -EINVAL;
		} else if (len) {
			memcpy(bounce, d->out, len);
			d->out_len = 0;
			ret = len;
		} else {
			ret = 0;
		}
		spin_unlock_bh(&d->lock);
		if (ret)
			break;
		if (f->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		ret = wait_event_interruptible(d->wq, READ_ONCE(d->out_len) || !READ_ONCE(d->ic));
		if (ret)
			break;
	}
	if (ret > 0 && copy_to_user(buf, bounce, len))
		ret = -EFAULT;
	kfree(bounce);
	return ret;
}

static ssize_t ic_daemon_write(struct file *f, const char __user *buf, size_t count,
			       loff_t *ppos)
{
	struct ic_daemon *d = ic_daemon_of(f);
	ssize_t ret = count;
	u32 reply = 0;
	void *msg;

	if (count != d->msg_size)
		return -EINVAL;
	msg = memdup_user(buf, count);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	spin_lock_bh(&d->lock);
	if (!d->ic) {
		ret = -ENODEV;
	} else if (!d->registered) {
		if (d->handshake(d, msg, &reply)) {
			ret = -EINVAL;
		} else {
			d->registered = true;
			d->out_len = reply;
		}
	} else if (!d->pending || d->out_len) {
		ret = -EINVAL;		/* an answer to nothing we asked */
	} else {
		cancel_delayed_work(&d->timeout);
		ic_daemon_answer(d, d->from_daemon(d, msg));
	}
	spin_unlock_bh(&d->lock);
	kfree(msg);
	if (reply)
		wake_up_interruptible(&d->wq);
	return ret;
}

static __poll_t ic_daemon_poll(struct file *f, poll_table *wait)
{
	struct ic_daemon *d = ic_daemon_of(f);

	poll_wait(f, &d->wq, wait);
	if (!READ_ONCE(d->ic))
		return EPOLLERR | EPOLLHUP;
	return READ_ONCE(d->out_len) ? EPOLLIN | EPOLLRDNORM : 0;
}

const struct file_operations ic_daemon_fops = {
	.owner = THIS_MODULE,
	.open = ic_daemon_open,
	.release = ic_daemon_release,
	.read = ic_daemon_read,
	.write = ic_daemon_write,
	.poll = ic_daemon_poll,
};

int ic_daemon_probe(struct ic_daemon *d, struct ic_dev *ic)
{
	int ret = 0;

	spin_lock_bh(&d->lock);
	if (d->ic)
		ret = -EBUSY;	/* a second such device: the char device is taken */
	else
		d->ic = ic;
	spin_unlock_bh(&d->lock);
	if (ret)
		return ret;
	ret = misc_register(&d->misc);
	if (ret) {
		spin_lock_bh(&d->lock);
		d->ic = NULL;
		spin_unlock_bh(&d->lock);
	}
	return ret;
}

/* Before the channel closes: nothing of ours sends after this. */
void ic_daemon_quiesce(struct ic_daemon *d)
{
	cancel_delayed_work_sync(&d->timeout);
	spin_lock_bh(&d->lock);
	d->ic = NULL;
	d->pending = false;
	d->out_len = 0;
	d->registered = false;
	spin_unlock_bh(&d->lock);
	wake_up_interruptible(&d->wq);
}

void ic_daemon_remove(struct ic_daemon *d)
{
	misc_deregister(&d->misc);
}
