// SPDX-License-Identifier: GPL-2.0
/*
 * A driver's requests over its channel: one in-band packet out, one
 * answer back with the same transaction id, within a timeout. One request
 * at a time per channel. Transaction ids of requests have the top bit set
 * (OVB_CHANNEL_REQ_TID) and a sequence number below it, so a driver can
 * tell them from its own ids, and an answer that comes after its request
 * timed out, or one the host sends unasked, matches nothing and is
 * dropped: it can neither complete nor overwrite a later request's answer.
 */
#include <linux/slab.h>

#include "vmbus/vmbus_internal.h"

void ovb_chan_call_init(struct ovb_chan_call *c)
{
	mutex_init(&c->lock);
	spin_lock_init(&c->slock);
	init_completion(&c->done);
}

int ovb_channel_request(struct ovb_channel *ch, const void *req, u32 len,
			void *resp, u32 resp_len, unsigned long timeout)
{
	struct ovb_chan_call *c = &ch->call;
	unsigned long flags;
	u64 tid;
	int ret;

	mutex_lock(&c->lock);
	spin_lock_irqsave(&c->slock, flags);
	tid = OVB_CHANNEL_REQ_TID | (++c->seq & ~OVB_CHANNEL_REQ_TID);
	c->tid = tid;
	c->resp = resp;
	c->resp_len = resp_len;
	c->got = 0;
	reinit_completion(&c->done);
	spin_unlock_irqrestore(&c->slock, flags);

	ret = ovb_channel_send_inband(ch, req, len, tid, OVB_VMPKT_FLAG_COMPLETION_REQUESTED);
	if (!ret)
		wait_for_completion_timeout(&c->done, timeout);

	spin_lock_irqsave(&c->slock, flags);
	if (!ret)
		ret = c->tid ? -ETIMEDOUT : c->got;	/* the answer cleared tid */
	c->tid = 0;
	c->resp = NULL;
	spin_unlock_irqrestore(&c->slock, flags);
	mutex_unlock(&c->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(ovb_channel_request);

bool ovb_channel_request_answer(struct ovb_channel *ch, u64 trans_id, const void *data, u32 len)
{
	struct ovb_chan_call *c = &ch->call;
	unsigned long flags;
	bool match;

	if (!(trans_id & OVB_CHANNEL_REQ_TID))
		return false;
	spin_lock_irqsave(&c->slock, flags);
	match = c->tid && c->tid == trans_id;
	if (match) {
		c->got = min(len, c->resp_len);
		memcpy(c->resp, data, c->got);
		c->tid = 0;
		complete(&c->done);
	}
	spin_unlock_irqrestore(&c->slock, flags);
	if (!match)
		pr_err_ratelimited("ovb_vmbus: channel %u: answer to no pending request (trans_id %#llx) dropped\n",
				   ch->relid, trans_id);
	return true;
}
EXPORT_SYMBOL_GPL(ovb_channel_request_answer);
