// SPDX-License-Identifier: GPL-2.0
/*
 * Requests to the host over the message connection and their answers,
 * and the GPADLs they make: a channel's rings, and buffers of a driver's
 * own (a receive buffer, say) on its channel.
 *
 * Every request is armed before its first message is posted: it names the
 * answer it awaits (type, and the relid and/or GPADL id the answer must
 * carry) and sits on a list until the answer arrives (in interrupt
 * context, connection.c) or its timeout passes, when it leaves the list
 * under the same lock: an answer that comes later finds nothing and is
 * dropped, it cannot complete another request. Requests of different
 * channels run at the same time.
 *
 * A GPADL the host did not confirm releasing (no GPADL_TORNDOWN in time)
 * may still be mapped by the host: its pages are leaked, never freed, as
 * Linux does (vmbus_teardown_gpadl's callers keep the buffer).
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "vmbus/vmbus_internal.h"

#define OVB_HOST_REQ_TIMEOUT	(5 * HZ)

static LIST_HEAD(ovb_host_reqs);
static DEFINE_SPINLOCK(ovb_host_reqs_lock);
static atomic_t ovb_next_gpadl = ATOMIC_INIT(0xe1e10);

void ovb_host_req_arm(struct ovb_host_req *r, u32 type, u32 relid, u32 gpadl)
{
	unsigned long flags;

	r->type = type;
	r->relid = relid;
	r->gpadl = gpadl;
	r->status = ~0u;
	init_completion(&r->done);
	spin_lock_irqsave(&ovb_host_reqs_lock, flags);
	list_add_tail(&r->node, &ovb_host_reqs);
	spin_unlock_irqrestore(&ovb_host_reqs_lock, flags);
}

/*
 * @ret: how posting went. Waits for the answer unless posting failed; the
 * request is off the list when this returns. 0, -ETIMEDOUT, -EIO (the
 * host said no) or @ret.
 */
int ovb_host_req_wait(struct ovb_host_req *r, int ret)
{
	unsigned long flags;
	bool answered;

	if (!ret)
		wait_for_completion_timeout(&r->done, OVB_HOST_REQ_TIMEOUT);
	spin_lock_irqsave(&ovb_host_reqs_lock, flags);
	answered = list_empty(&r->node);	/* the answer unlinked it */
	if (!answered)
		list_del_init(&r->node);
	spin_unlock_irqrestore(&ovb_host_reqs_lock, flags);
	if (ret)
		return ret;
	if (!answered)
		return -ETIMEDOUT;
	return r->status ? -EIO : 0;
}

/* Which pending request an answer of @type completes, by its ids. */
static bool ovb_host_req_match(const struct ovb_host_req *r, u32 type, const void *msg)
{
	switch (type) {
	case CHANNELMSG_GPADL_CREATED: {
		const struct vmbus_channel_gpadl_created *c = msg;

		return c->child_relid == r->relid && c->gpadl == r->gpadl;
	}
	case CHANNELMSG_OPENCHANNEL_RESULT: {
		const struct vmbus_channel_open_result *o = msg;

		return o->child_relid == r->relid;
	}
	case CHANNELMSG_GPADL_TORNDOWN: {
		const struct vmbus_channel_gpadl_torndown *t = msg;

		return t->gpadl == r->gpadl;
	}
	}
	return false;
}

static u32 ovb_host_answer_status(u32 type, const void *msg)
{
	if (type == CHANNELMSG_GPADL_CREATED)
		return ((const struct vmbus_channel_gpadl_created *)msg)->creation_status;
	if (type == CHANNELMSG_OPENCHANNEL_RESULT)
		return ((const struct vmbus_channel_open_result *)msg)->status;
	return 0;
}

/* GPADL_CREATED, OPENCHANNEL_RESULT, GPADL_TORNDOWN, in interrupt context. */
void ovb_channel_answer(u32 msgtype, const void *msg)
{
	struct ovb_host_req *r, *found = NULL;
	bool awaited = false;
	unsigned long flags;

	spin_lock_irqsave(&ovb_host_reqs_lock, flags);
	list_for_each_entry(r, &ovb_host_reqs, node) {
		if (r->type != msgtype)
			continue;
		awaited = true;
		if (ovb_host_req_match(r, msgtype, msg)) {
			found = r;
			break;
		}
	}
	if (found) {
		found->status = ovb_host_answer_status(msgtype, msg);
		list_del_init(&found->node);
		complete(&found->done);
	}
	spin_unlock_irqrestore(&ovb_host_reqs_lock, flags);
	if (found)
		return;
	if (awaited)
		pr_err_ratelimited("ovb_vmbus: answer type %u for another request dropped\n",
				   msgtype);
	else
		pr_err_ratelimited("ovb_vmbus: unexpected answer type %u from the host dropped\n",
				   msgtype);
}

/* A request of one message. */
int ovb_host_request(const void *msg, u32 len, u32 answer, u32 relid, u32 gpadl)
{
	struct ovb_host_req r;

	ovb_host_req_arm(&r, answer, relid, gpadl);
	return ovb_host_req_wait(&r, ovb_vmbus_post(msg, len));
}

/*
 * GPADL_HEADER with the first PFNs, GPADL_BODY messages with the rest,
 * then GPADL_CREATED. @pfn(@arg, i) is page i's frame number.
 */
static int ovb_gpadl_post(u32 relid, u32 gpadl, u32 npages,
			  u64 (*pfn)(const void *arg, u32 i), const void *arg)
{
	u8 msg[OVB_VMBUS_MAX_MSG_SIZE];
	struct vmbus_channel_gpadl_header h = { .header.msgtype = CHANNELMSG_GPADL_HEADER };
	struct ovb_gpa_range r = { .byte_count = npages * PAGE_SIZE, .byte_offset = 0 };
	struct ovb_host_req req;
	u32 done, n, msgnum = 0;
	int ret;

	h.child_relid = relid;
	h.gpadl = gpadl;
	h.rangecount = 1;
	h.range_buflen = sizeof(r) + npages * sizeof(u64);
	n = min_t(u32, npages, VMBUS_GPADL_HEADER_MAX_PFNS);
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), &r, sizeof(r));
	for (done = 0; done < n; done++) {
		u64 f = pfn(arg, done);

		memcpy(msg + sizeof(h) + sizeof(r) + done * 8, &f, 8);
	}
	/* Armed before the header: the answer comes after the last body. */
	ovb_host_req_arm(&req, CHANNELMSG_GPADL_CREATED, relid, gpadl);
	ret = ovb_vmbus_post(msg, sizeof(h) + sizeof(r) + n * 8);
	while (!ret && done < npages) {
		struct vmbus_channel_gpadl_body b = { .header.msgtype = CHANNELMSG_GPADL_BODY };
		u32 i;

		b.msgnumber = ++msgnum;
		b.gpadl = gpadl;
		n = min_t(u32, npages - done, VMBUS_GPADL_BODY_MAX_PFNS);
		memcpy(msg, &b, sizeof(b));
		for (i = 0; i < n; i++) {
			u64 f = pfn(arg, done + i);

			memcpy(msg + sizeof(b) + i * 8, &f, 8);
		}
		done += n;
		ret = ovb_vmbus_post(msg, sizeof(b) + n * 8);
	}
	return ovb_host_req_wait(&req, ret);
}

static u64 ovb_ring_page_pfn(const void *arg, u32 i)
{
	struct page *const *pages = arg;

	return page_to_pfn(pages[i]);
}

/* The rings' GPADL: ch->pages, send pages first. */
int ovb_gpadl_create_rings(struct ovb_channel *ch, u32 npages)
{
	ch->gpadl = atomic_inc_return(&ovb_next_gpadl);
	return ovb_gpadl_post(ch->relid, ch->gpadl, npages, ovb_ring_page_pfn, ch->pages);
}

int ovb_gpadl_teardown(struct ovb_channel *ch, u32 gpadl)
{
	struct vmbus_channel_gpadl_teardown t = { .header.msgtype = CHANNELMSG_GPADL_TEARDOWN };
	int ret;

	/*
	 * Like Linux (channel.c vmbus_teardown_gpadl): once rescinded the
	 * host holds none of the channel's GPADLs and may not answer.
	 */
	if (READ_ONCE(ch->rescinded))
		return 0;
	t.child_relid = ch->relid;
	t.gpadl = gpadl;
	ret = ovb_host_request(&t, sizeof(t), CHANNELMSG_GPADL_TORNDOWN, ch->relid, gpadl);
	if (ret)
		pr_err("ovb_vmbus: channel %u: teardown of GPADL %u not confirmed (%d)\n",
		       ch->relid, gpadl, ret);
	return ret;
}

static u64 ovb_buf_pfn(const void *arg, u32 i)
{
	const u8 *p = (const u8 *)arg + (size_t)i * PAGE_SIZE;

	return is_vmalloc_addr(p) ? vmalloc_to_pfn(p) : page_to_pfn(virt_to_page(p));
}

int ovb_channel_gpadl_create(struct ovb_channel *ch, void *buf, u32 size, u32 *gpadl)
{
	u32 id;
	int ret;

	if (!size || size % PAGE_SIZE || offset_in_page(buf) || size > OVB_GPADL_MAX_BYTES)
		return -EINVAL;
	id = atomic_inc_return(&ovb_next_gpadl);
	mutex_lock(&ch->lock);
	ret = ovb_gpadl_post(ch->relid, id, size >> PAGE_SHIFT, ovb_buf_pfn, buf);
	mutex_unlock(&ch->lock);
	if (ret) {
		pr_err("ovb_vmbus: channel %u: GPADL of %u bytes not created (%d)\n",
		       ch->relid, size, ret);
		return ret;
	}
	*gpadl = id;
	return 0;
}
EXPORT_SYMBOL_GPL(ovb_channel_gpadl_create);

int ovb_channel_gpadl_teardown(struct ovb_channel *ch, u32 gpadl)
{
	int ret;

	mutex_lock(&ch->lock);
	ret = ovb_gpadl_teardown(ch, gpadl);
	mutex_unlock(&ch->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(ovb_channel_gpadl_teardown);
