// SPDX-License-Identifier: GPL-2.0
/*
 * Channels: rings in guest pages handed to the host as a GPADL, opened
 * with OPENCHANNEL; interrupts from the host arrive as bits in the VMBus
 * SINT's event flags (one per relid, Linux drivers/hv/vmbus_drv.c
 * vmbus_chan_sched) and run the driver's callback in a tasklet with the
 * host's signals masked until the ring stays empty.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/rcupdate.h>
#include <linux/sizes.h>
#include <linux/mm.h>
#include <asm/sync_bitops.h>

#include "ovb/hv_tlfs.h"
#include "kernel/ovb_hv.h"
#include "vmbus/vmbus_internal.h"

static struct ovb_channel __rcu *ovb_relid_map[OVB_VMBUS_MAX_RELID + 1];
static DEFINE_MUTEX(ovb_chan_mutex);	/* one request to the host at a time */
static atomic_t ovb_next_gpadl = ATOMIC_INIT(0xe1e10);
static struct ovb_channel *ovb_waiting;	/* the channel awaiting an answer */

void ovb_channel_init(struct ovb_channel *ch, struct ovb_vmbus_device *dev,
		      const struct vmbus_channel_offer_channel *o)
{
	ch->dev = dev;
	ch->relid = o->child_relid;
	ch->conn_id = o->connection_id;
	ch->sub_index = o->offer.sub_channel_index;
	ch->target_vp = ovb_hv_vp_index(0);
	INIT_LIST_HEAD(&ch->sc_list);
	INIT_LIST_HEAD(&ch->sc_node);
	spin_lock_init(&ch->tx_lock);
	init_completion(&ch->answered);
}

/*
 * Sub-channels. The device's protocol asks the host for them; each offer
 * (same instance GUID, sub_channel_index > 0) becomes an ovb_channel on the
 * primary's list, handed to the driver's sc_create callback from a work
 * item: opening it waits for host answers, which arrive on the message
 * workqueue that delivered the offer.
 */
static DEFINE_MUTEX(ovb_sc_lock);	/* every primary's sc_list */

static void ovb_channel_sc_work(struct work_struct *w)
{
	struct ovb_channel *sc = container_of(w, struct ovb_channel, sc_work);
	void (*fn)(struct ovb_channel *sc) = READ_ONCE(sc->dev->chan.sc_create);

	if (fn)
		fn(sc);
}

void ovb_channel_add_subchannel(struct ovb_vmbus_device *dev,
				const struct vmbus_channel_offer_channel *o)
{
	struct ovb_channel *sc, *it;

	mutex_lock(&ovb_sc_lock);
	list_for_each_entry(it, &dev->chan.sc_list, sc_node) {
		if (it->sub_index == o->offer.sub_channel_index || it->relid == o->child_relid) {
			mutex_unlock(&ovb_sc_lock);
			pr_err_ratelimited("ovb_vmbus: duplicate sub-channel offer (relid %u, index %u) dropped\n",
					   o->child_relid, o->offer.sub_channel_index);
			return;
		}
	}
	sc = kzalloc(sizeof(*sc), GFP_KERNEL);
	if (!sc) {
		mutex_unlock(&ovb_sc_lock);
		return;
	}
	ovb_channel_init(sc, dev, o);
	INIT_WORK(&sc->sc_work, ovb_channel_sc_work);
	list_add_tail(&sc->sc_node, &dev->chan.sc_list);
	mutex_unlock(&ovb_sc_lock);
	queue_work(system_unbound_wq, &sc->sc_work);
}

/* A rescinded sub-channel: closed if its driver left it open, then freed. */
bool ovb_channel_remove_subchannel(struct ovb_vmbus_device *dev, u32 relid)
{
	struct ovb_channel *sc, *found = NULL;

	mutex_lock(&ovb_sc_lock);
	list_for_each_entry(sc, &dev->chan.sc_list, sc_node)
		if (sc->relid == relid) {
			found = sc;
			list_del(&sc->sc_node);
			break;
		}
	mutex_unlock(&ovb_sc_lock);
	if (!found)
		return false;
	cancel_work_sync(&found->sc_work);
	ovb_channel_close(found);
	kfree(found);
	return true;
}

void ovb_channel_free_subchannels(struct ovb_vmbus_device *dev)
{
	struct ovb_channel *sc, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&ovb_sc_lock);
	list_splice_init(&dev->chan.sc_list, &gone);
	mutex_unlock(&ovb_sc_lock);
	list_for_each_entry_safe(sc, tmp, &gone, sc_node) {
		cancel_work_sync(&sc->sc_work);
		ovb_channel_close(sc);
		kfree(sc);
	}
}

/*
 * The indices as they are in shared memory: for a person looking, so a
 * hostile value is shown as it is, and the byte counts are 0 then.
 */
int ovb_channel_ring_info(struct ovb_channel *ch, bool out, struct ovb_channel_ring_info *ri)
{
	struct ovb_ring *r = out ? &ch->tx : &ch->rx;
	int ret = -ENODEV;

	mutex_lock(&ovb_chan_mutex);
	if (ch->open) {
		ri->intr_mask = READ_ONCE(r->ctl->interrupt_mask);
		ri->read_index = READ_ONCE(r->ctl->read_index);
		ri->write_index = READ_ONCE(r->ctl->write_index);
		ri->bytes_to_read = 0;
		ri->bytes_to_write = 0;
		if (ri->read_index < r->size && ri->write_index < r->size) {
			ri->bytes_to_read = (ri->write_index + r->size - ri->read_index) % r->size;
			ri->bytes_to_write = r->size - ri->bytes_to_read;
		}
		ret = 0;
	}
	mutex_unlock(&ovb_chan_mutex);
	return ret;
}

/* "relid:cpu" per line, primary first (in-tree channel_vp_mapping). */
int ovb_channel_vp_mapping(struct ovb_vmbus_device *dev, char *buf)
{
	struct ovb_channel *sc;
	int n;

	mutex_lock(&ovb_sc_lock);
	n = sysfs_emit_at(buf, 0, "%u:%u\n", dev->chan.relid, dev->chan.target_vp);
	list_for_each_entry(sc, &dev->chan.sc_list, sc_node)
		n += sysfs_emit_at(buf, n, "%u:%u\n", sc->relid, sc->target_vp);
	mutex_unlock(&ovb_sc_lock);
	return n;
}

void ovb_channel_set_sc_create(struct ovb_channel *primary, void (*fn)(struct ovb_channel *sc))
{
	WRITE_ONCE(primary->sc_create, fn);
}
EXPORT_SYMBOL_GPL(ovb_channel_set_sc_create);

u16 ovb_channel_sub_index(struct ovb_channel *ch)
{
	return ch->sub_index;
}
EXPORT_SYMBOL_GPL(ovb_channel_sub_index);

struct ovb_vmbus_device *ovb_channel_device(struct ovb_channel *ch)
{
	return ch->dev;
}
EXPORT_SYMBOL_GPL(ovb_channel_device);

int ovb_channel_set_target_cpu(struct ovb_channel *ch, unsigned int cpu)
{
	if (ch->open || cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;
	ch->target_vp = ovb_hv_vp_index(cpu);
	return 0;
}
EXPORT_SYMBOL_GPL(ovb_channel_set_target_cpu);

struct ovb_channel *ovb_vmbus_primary_channel(struct ovb_vmbus_device *dev)
{
	return &dev->chan;
}
EXPORT_SYMBOL_GPL(ovb_vmbus_primary_channel);

/* GPADL_CREATED, OPENCHANNEL_RESULT, GPADL_TORNDOWN from connection.c. */
void ovb_channel_answer(u32 msgtype, const void *msg)
{
	struct ovb_channel *ch = READ_ONCE(ovb_waiting);

	if (!ch || msgtype != ch->answer_type) {
		pr_err_ratelimited("ovb_vmbus: unexpected answer type %u from the host dropped\n",
				   msgtype);
		return;
	}
	switch (msgtype) {
	case CHANNELMSG_GPADL_CREATED: {
		const struct vmbus_channel_gpadl_created *c = msg;

		if (c->gpadl != ch->gpadl)
			goto stray;
		ch->answer_status = c->creation_status;
		break;
	}
	case CHANNELMSG_OPENCHANNEL_RESULT: {
		const struct vmbus_channel_open_result *r = msg;

		if (r->child_relid != ch->relid)
			goto stray;
		ch->answer_status = r->status;
		break;
	}
	case CHANNELMSG_GPADL_TORNDOWN: {
		const struct vmbus_channel_gpadl_torndown *t = msg;

		if (t->gpadl != ch->gpadl)
			goto stray;
		ch->answer_status = 0;
		break;
	}
	default:
		return;
	}
	complete(&ch->answered);
	return;
stray:
	pr_err_ratelimited("ovb_vmbus: answer type %u for another request dropped\n", msgtype);
}

/*
 * A request to the host is armed (the answer of type @answer is awaited
 * for @ch; anything else is dropped), posted in one or more messages, then
 * waited for (5 s). One request at a time (ovb_chan_mutex).
 */
static void ovb_channel_request_arm(struct ovb_channel *ch, u32 answer)
{
	reinit_completion(&ch->answered);
	ch->answer_status = ~0u;
	ch->answer_type = answer;
	WRITE_ONCE(ovb_waiting, ch);
}

static int ovb_channel_request_wait(struct ovb_channel *ch, int ret)
{
	if (!ret && !wait_for_completion_timeout(&ch->answered, 5 * HZ))
		ret = -ETIMEDOUT;
	WRITE_ONCE(ovb_waiting, NULL);
	if (!ret && ch->answer_status)
		ret = -EIO;
	return ret;
}

static int ovb_channel_request(struct ovb_channel *ch, const void *msg, u32 len, u32 answer)
{
	ovb_channel_request_arm(ch, answer);
	return ovb_channel_request_wait(ch, ovb_vmbus_post(msg, len));
}

static int ovb_gpadl_create(struct ovb_channel *ch, u32 npages)
{
	u8 msg[OVB_VMBUS_MAX_MSG_SIZE];
	struct vmbus_channel_gpadl_header h = { .header.msgtype = CHANNELMSG_GPADL_HEADER };
	struct ovb_gpa_range r = { .byte_count = npages * PAGE_SIZE, .byte_offset = 0 };
	u32 done, n, msgnum = 0;
	int ret;

	ch->gpadl = atomic_inc_return(&ovb_next_gpadl);
	h.child_relid = ch->relid;
	h.gpadl = ch->gpadl;
	h.rangecount = 1;
	h.range_buflen = sizeof(r) + npages * sizeof(u64);
	n = min_t(u32, npages, VMBUS_GPADL_HEADER_MAX_PFNS);
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), &r, sizeof(r));
	for (done = 0; done < n; done++) {
		u64 pfn = page_to_pfn(ch->pages[done]);

		memcpy(msg + sizeof(h) + sizeof(r) + done * 8, &pfn, 8);
	}
	/* Armed before the header: the answer comes after the last body. */
	ovb_channel_request_arm(ch, CHANNELMSG_GPADL_CREATED);
	ret = ovb_vmbus_post(msg, sizeof(h) + sizeof(r) + n * 8);
	while (!ret && done < npages) {
		struct vmbus_channel_gpadl_body b = { .header.msgtype = CHANNELMSG_GPADL_BODY };
		u32 i;

		b.msgnumber = ++msgnum;
		b.gpadl = ch->gpadl;
		n = min_t(u32, npages - done, VMBUS_GPADL_BODY_MAX_PFNS);
		memcpy(msg, &b, sizeof(b));
		for (i = 0; i < n; i++) {
			u64 pfn = page_to_pfn(ch->pages[done + i]);

			memcpy(msg + sizeof(b) + i * 8, &pfn, 8);
		}
		done += n;
		ret = ovb_vmbus_post(msg, sizeof(b) + n * 8);
	}
	return ovb_channel_request_wait(ch, ret);
}

static void ovb_gpadl_teardown(struct ovb_channel *ch)
{
	struct vmbus_channel_gpadl_teardown t = { .header.msgtype = CHANNELMSG_GPADL_TEARDOWN };

	t.child_relid = ch->relid;
	t.gpadl = ch->gpadl;
	if (ovb_channel_request(ch, &t, sizeof(t), CHANNELMSG_GPADL_TORNDOWN))
		pr_err("ovb_vmbus: channel %u: GPADL teardown not confirmed\n", ch->relid);
}

/* ctl page + data pages + data pages again: no copy ever splits. */
static void *ovb_ring_map(struct page **pages, u32 n)
{
	struct page **list = kmalloc_array(2 * n - 1, sizeof(*list), GFP_KERNEL);
	void *map;
	u32 i;

	if (!list)
		return NULL;
	for (i = 0; i < n; i++)
		list[i] = pages[i];
	for (i = 1; i < n; i++)
		list[n + i - 1] = pages[i];
	map = vmap(list, 2 * n - 1, VM_MAP, PAGE_KERNEL);
	kfree(list);
	return map;
}

static void ovb_channel_free_rings(struct ovb_channel *ch)
{
	u32 i;

	if (ch->send_map)
		vunmap(ch->send_map);
	if (ch->recv_map)
		vunmap(ch->recv_map);
	ch->send_map = NULL;
	ch->recv_map = NULL;
	kfree(ch->rxbuf);
	ch->rxbuf = NULL;
	if (ch->pages) {
		for (i = 0; i < ch->send_pages + ch->recv_pages; i++)
			if (ch->pages[i])
				__free_page(ch->pages[i]);
		kfree(ch->pages);
	}
	ch->pages = NULL;
}

static void ovb_channel_tasklet(struct tasklet_struct *t)
{
	struct ovb_channel *ch = from_tasklet(ch, t, tasklet);

	/* masked since the interrupt (ovb_channel_on_events) */
	ch->on_event(ch->ctx);
	if (!ovb_ring_failed(&ch->rx) && ovb_ring_rx_unmask(&ch->rx)) {
		/*
		 * More came while we drained: run again, still masked, but as
		 * a new tasklet run (as the in-tree bus does), so a host that
		 * keeps the ring busy cannot hold this CPU in softirq context
		 * (the softirq code defers to ksoftirqd after a while).
		 */
		ovb_ring_rx_mask(&ch->rx);
		tasklet_schedule(&ch->tasklet);
		return;
	}
	if (ovb_ring_failed(&ch->rx) && !ch->failed_logged) {
		ch->failed_logged = true;
		pr_err("ovb_vmbus: channel %u failed: %s\n", ch->relid, ch->rx.why);
	}
}

void ovb_channel_on_events(void *ctx, unsigned long *flags, unsigned int nbits)
{
	unsigned int relid;

	/* word by word: a bit test per relid cost ~10k instructions an interrupt */
	nbits = min_t(unsigned int, nbits, OVB_VMBUS_MAX_RELID + 1);
	rcu_read_lock();
	for_each_set_bit(relid, flags, nbits) {
		struct ovb_channel *ch;

		if (!relid || !sync_test_and_clear_bit(relid, flags))
			continue;
		ch = rcu_dereference(ovb_relid_map[relid]);
		if (ch) {
			ch->interrupts++;
			/*
			 * Mask the host's signals now, not when the tasklet
			 * runs: completions that land before it runs need no
			 * interrupt of their own (the in-tree bus does the
			 * same for its batched channels).
			 */
			ovb_ring_rx_mask(&ch->rx);
			tasklet_schedule(&ch->tasklet);
		}
	}
	rcu_read_unlock();
}

int ovb_channel_open(struct ovb_channel *ch, u32 send_bytes, u32 recv_bytes,
		     void (*on_event)(void *ctx), void *ctx)
{
	struct vmbus_channel_open_channel o = { .header.msgtype = CHANNELMSG_OPENCHANNEL };
	u32 i, total;
	int ret;

	if (ch->open || send_bytes < 2 * PAGE_SIZE || recv_bytes < 2 * PAGE_SIZE ||
	    (send_bytes | recv_bytes) & ~PAGE_MASK || send_bytes > SZ_16M || recv_bytes > SZ_16M)
		return -EINVAL;
	mutex_lock(&ovb_chan_mutex);
	/* a host that gave two channels one relid cannot have both open */
	if (rcu_access_pointer(ovb_relid_map[ch->relid])) {
		mutex_unlock(&ovb_chan_mutex);
		pr_err_ratelimited("ovb_vmbus: relid %u is already open\n", ch->relid);
		return -EBUSY;
	}
	ch->send_pages = send_bytes >> PAGE_SHIFT;
	ch->recv_pages = recv_bytes >> PAGE_SHIFT;
	total = ch->send_pages + ch->recv_pages;
	ret = -ENOMEM;
	ch->pages = kcalloc(total, sizeof(*ch->pages), GFP_KERNEL);
	if (!ch->pages)
		goto fail;
	for (i = 0; i < total; i++) {
		ch->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!ch->pages[i])
			goto fail;
	}
	ch->rxbuf_len = min_t(u32, recv_bytes, SZ_64K);
	ch->rxbuf = kmalloc(ch->rxbuf_len, GFP_KERNEL);
	if (!ch->rxbuf)
		goto fail;
	ch->send_map = ovb_ring_map(ch->pages, ch->send_pages);
	ch->recv_map = ovb_ring_map(ch->pages + ch->send_pages, ch->recv_pages);
	if (!ch->send_map || !ch->recv_map)
		goto fail;
	ovb_ring_ctl_reset(ch->send_map);
	ovb_ring_ctl_reset(ch->recv_map);
	if (ovb_ring_tx_init(&ch->tx, ch->send_map, ch->send_map + PAGE_SIZE,
			     send_bytes - PAGE_SIZE, OVB_RING_F_DOUBLE_MAPPED) ||
	    ovb_ring_rx_init(&ch->rx, ch->recv_map, ch->recv_map + PAGE_SIZE,
			     recv_bytes - PAGE_SIZE, OVB_RING_F_DOUBLE_MAPPED)) {
		ret = -EINVAL;
		goto fail;
	}
	ret = ovb_gpadl_create(ch, total);
	if (ret)
		goto fail;

	ch->on_event = on_event;
	ch->ctx = ctx;
	ch->failed_logged = false;
	ch->tx_failed_logged = false;
	tasklet_setup(&ch->tasklet, ovb_channel_tasklet);
	rcu_assign_pointer(ovb_relid_map[ch->relid], ch);

	o.child_relid = ch->relid;
	o.openid = ch->relid;
	o.ringbuffer_gpadlhandle = ch->gpadl;
	o.target_vp = ch->target_vp;
	o.downstream_ringbuffer_pageoffset = ch->send_pages;
	ret = ovb_channel_request(ch, &o, sizeof(o), CHANNELMSG_OPENCHANNEL_RESULT);
	if (ret) {
		RCU_INIT_POINTER(ovb_relid_map[ch->relid], NULL);
		synchronize_rcu();
		ovb_gpadl_teardown(ch);
		goto fail;
	}
	ch->open = true;
	mutex_unlock(&ovb_chan_mutex);
	return 0;
fail:
	ovb_channel_free_rings(ch);
	mutex_unlock(&ovb_chan_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(ovb_channel_open);

void ovb_channel_close(struct ovb_channel *ch)
{
	struct vmbus_channel_close_channel c = { .header.msgtype = CHANNELMSG_CLOSECHANNEL };

	if (!ch->open)
		return;
	mutex_lock(&ovb_chan_mutex);
	ch->open = false;
	RCU_INIT_POINTER(ovb_relid_map[ch->relid], NULL);
	synchronize_rcu();
	tasklet_kill(&ch->tasklet);
	c.child_relid = ch->relid;
	ovb_vmbus_post(&c, sizeof(c));
	ovb_gpadl_teardown(ch);
	ovb_channel_free_rings(ch);
	mutex_unlock(&ovb_chan_mutex);
}
EXPORT_SYMBOL_GPL(ovb_channel_close);

/* The host broke our send ring (its read index): say so once. */
static void ovb_channel_tx_failed(struct ovb_channel *ch)
{
	if (!xchg(&ch->tx_failed_logged, true))
		pr_err("ovb_vmbus: channel %u failed: %s\n", ch->relid, ch->tx.why);
}

/* After a write to the send ring: signal the host if the ring said so. */
static int ovb_channel_sent(struct ovb_channel *ch, int ret, bool sig)
{
	if (!ret && sig)
		ovb_hv_signal_event(ch->conn_id);
	if (ret == -EIO)
		ovb_channel_tx_failed(ch);
	return ret;
}

int ovb_channel_send_inband(struct ovb_channel *ch, const void *buf, u32 len,
			    u64 trans_id, u16 flags)
{
	unsigned long irqflags;
	bool sig = false;
	int ret;

	spin_lock_irqsave(&ch->tx_lock, irqflags);
	ret = ovb_ring_tx_inband(&ch->tx, OVB_VMPKT_DATA_INBAND, flags, trans_id, buf, len, &sig);
	spin_unlock_irqrestore(&ch->tx_lock, irqflags);
	return ovb_channel_sent(ch, ret, sig);
}
EXPORT_SYMBOL_GPL(ovb_channel_send_inband);

int ovb_channel_send_gpa(struct ovb_channel *ch, const void *ranges, u32 ranges_len,
			 u32 range_count, const void *buf, u32 len, u64 trans_id, u16 flags)
{
	struct ovb_gpa_direct_header h = { };
	struct ovb_ring_buf bufs[3];
	unsigned long irqflags;
	u32 hdr_len = sizeof(h) + ranges_len;
	bool sig = false;
	int ret;

	if (!range_count || ranges_len % 8 || ranges_len > SZ_64K || len > SZ_64K)
		return -EINVAL;
	h.d.type = OVB_VMPKT_DATA_USING_GPA_DIRECT;
	h.d.offset8 = hdr_len / 8;
	h.d.len8 = DIV_ROUND_UP(hdr_len + len, 8);
	h.d.flags = flags;
	h.d.trans_id = trans_id;
	h.range_count = range_count;
	bufs[0].base = &h;
	bufs[0].len = sizeof(h);
	bufs[1].base = ranges;
	bufs[1].len = ranges_len;
	bufs[2].base = buf;
	bufs[2].len = len;
	spin_lock_irqsave(&ch->tx_lock, irqflags);
	ret = ovb_ring_tx_write(&ch->tx, bufs, 3, &sig);
	spin_unlock_irqrestore(&ch->tx_lock, irqflags);
	return ovb_channel_sent(ch, ret, sig);
}
EXPORT_SYMBOL_GPL(ovb_channel_send_gpa);

int ovb_channel_recv(struct ovb_channel *ch, void *buf, u32 buflen, u32 *len, u64 *trans_id)
{
	u8 *pkt = ch->rxbuf;
	struct ovb_vmpacket_desc d;
	u32 plen, off;
	bool sig;
	int ret;

	ret = ovb_ring_rx_peek(&ch->rx, pkt, ch->rxbuf_len, &plen);
	if (ret == -EAGAIN || ret == -EIO)
		return ret;
	ovb_ring_rx_advance(&ch->rx);
	ovb_ring_rx_commit(&ch->rx, &sig);
	if (sig)
		ovb_hv_signal_event(ch->conn_id);
	if (ret == -EMSGSIZE)
		return -EMSGSIZE;
	memcpy(&d, pkt, sizeof(d));
	off = d.offset8 * 8;	/* the ring checked offset8 <= len8 */
	if (plen - off > buflen)
		return -EMSGSIZE;
	memcpy(buf, pkt + off, plen - off);
	*len = plen - off;
	*trans_id = d.trans_id;
	return 0;
}
EXPORT_SYMBOL_GPL(ovb_channel_recv);
