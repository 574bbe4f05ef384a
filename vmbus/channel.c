// SPDX-License-Identifier: GPL-2.0
/*
 * Channels: rings in guest pages handed to the host as a GPADL, opened
 * with OPENCHANNEL; interrupts from the host arrive as bits in the VMBus
 * SINT's event flags (one per relid, Linux drivers/hv/vmbus_drv.c
 * vmbus_chan_sched) and run the driver's callback in a tasklet with the
 * host's signals masked until the ring stays empty. The callback handles
 * a budget of packets per run; if more is waiting the tasklet runs again
 * (as a new run, so softirq processing can move to ksoftirqd). Reads are
 * committed to the host in batches: after each run, when the ring is
 * found empty, and when a quarter of the ring has been read.
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
static DEFINE_SPINLOCK(ovb_relid_lock);	/* claims on ovb_relid_map */

/*
 * For tests (the pair's guest-stall case): the channel with this relid
 * stops reading its receive ring, so the host's sends fill it.
 */
static unsigned int rx_stall_relid;
module_param(rx_stall_relid, uint, 0644);
MODULE_PARM_DESC(rx_stall_relid, "testing: never read the receive ring of this relid (0: off)");

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
	mutex_init(&ch->lock);
	ovb_chan_call_init(&ch->call);
}

/*
 * The indices as they are in shared memory: for a person looking, so a
 * hostile value is shown as it is, and the byte counts are 0 then.
 */
int ovb_channel_ring_info(struct ovb_channel *ch, bool out, struct ovb_channel_ring_info *ri)
{
	struct ovb_ring *r = out ? &ch->tx : &ch->rx;
	int ret = -ENODEV;

	mutex_lock(&ch->lock);
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
	mutex_unlock(&ch->lock);
	return ret;
}

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

/*
 * @host_may_hold: the host never confirmed it let go of the rings' GPADL,
 * so it may still write to those pages: leak them instead of freeing.
 */
static void ovb_channel_free_rings(struct ovb_channel *ch, bool host_may_hold)
{
	u32 i, n = ch->send_pages + ch->recv_pages;

	if (ch->send_map)
		vunmap(ch->send_map);
	if (ch->recv_map)
		vunmap(ch->recv_map);
	ch->send_map = NULL;
	ch->recv_map = NULL;
	kfree(ch->rxbuf);
	ch->rxbuf = NULL;
	if (ch->pages && host_may_hold)
		pr_err("ovb_vmbus: channel %u: the host may still use its %u ring pages: leaked\n",
		       ch->relid, n);
	if (ch->pages && !host_may_hold)
		for (i = 0; i < n; i++)
			if (ch->pages[i])
				__free_page(ch->pages[i]);
	kfree(ch->pages);
	ch->pages = NULL;
}

/* Publish what we read; wake the host if it waits for that space. */
static void ovb_channel_rx_commit(struct ovb_channel *ch)
{
	bool sig;

	ovb_ring_rx_commit(&ch->rx, &sig);
	if (sig)
		ovb_hv_signal_event(ch->conn_id);
}

static void ovb_channel_tasklet(struct tasklet_struct *t)
{
	struct ovb_channel *ch = from_tasklet(ch, t, tasklet);

	/*
	 * Masked since the interrupt (ovb_channel_on_events). Not open yet
	 * (a host that signals before OPENCHANNEL_RESULT): stay masked, the
	 * open looks at the ring once it is done.
	 */
	if (!smp_load_acquire(&ch->open))
		return;
	if (ch->relid == READ_ONCE(rx_stall_relid))
		return;		/* testing: stays masked, never read */
	ch->on_event(ch->ctx);
	if (READ_ONCE(ch->rx_deferred))
		return;		/* NAPI: masked until ovb_channel_rx_done() */
	ovb_channel_rx_commit(ch);
	if (!ovb_ring_failed(&ch->rx) && ovb_ring_rx_unmask(&ch->rx)) {
		/*
		 * More came while we drained, or the callback used its
		 * budget: run again, still masked, but as a new tasklet run
		 * (as the in-tree bus does), so a host that keeps the ring
		 * busy cannot hold this CPU in softirq context (the softirq
		 * code defers to ksoftirqd after a while).
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

/* Claim @ch's relid in the interrupt map: a host that gave two channels one relid cannot have both open. */
static int ovb_relid_claim(struct ovb_channel *ch)
{
	int ret = 0;

	spin_lock(&ovb_relid_lock);
	if (rcu_access_pointer(ovb_relid_map[ch->relid]))
		ret = -EBUSY;
	else
		rcu_assign_pointer(ovb_relid_map[ch->relid], ch);
	spin_unlock(&ovb_relid_lock);
	if (ret)
		pr_err_ratelimited("ovb_vmbus: relid %u is already open\n", ch->relid);
	return ret;
}

static void ovb_relid_release(struct ovb_channel *ch)
{
	RCU_INIT_POINTER(ovb_relid_map[ch->relid], NULL);
	synchronize_rcu();		/* no interrupt schedules the tasklet now */
	tasklet_kill(&ch->tasklet);
}

int ovb_channel_open(struct ovb_channel *ch, u32 send_bytes, u32 recv_bytes,
		     void (*on_event)(void *ctx), void *ctx)
{
	struct vmbus_channel_open_channel o = { .header.msgtype = CHANNELMSG_OPENCHANNEL };
	bool host_may_hold = false;
	u32 i, total;
	int ret;

	if (send_bytes < 2 * PAGE_SIZE || recv_bytes < 2 * PAGE_SIZE ||
	    (send_bytes | recv_bytes) & ~PAGE_MASK || send_bytes > SZ_16M || recv_bytes > SZ_16M)
		return -EINVAL;
	mutex_lock(&ch->lock);
	ret = -EINVAL;
	if (ch->open)
		goto out;
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
	ch->on_event = on_event;
	ch->ctx = ctx;
	ch->failed_logged = false;
	ch->tx_failed_logged = false;
	tasklet_setup(&ch->tasklet, ovb_channel_tasklet);
	ret = ovb_relid_claim(ch);
	if (ret)
		goto fail;
	ret = ovb_gpadl_create_rings(ch, total);
	if (ret) {
		/* it may have taken the GPADL and answered too late */
		host_may_hold = ret == -ETIMEDOUT;
		goto unclaim;
	}

	o.child_relid = ch->relid;
	o.openid = ch->relid;
	o.ringbuffer_gpadlhandle = ch->gpadl;
	o.target_vp = ch->target_vp;
	o.downstream_ringbuffer_pageoffset = ch->send_pages;
	ret = ovb_host_request(&o, sizeof(o), CHANNELMSG_OPENCHANNEL_RESULT, ch->relid, 0);
	if (ret) {
		host_may_hold = ovb_gpadl_teardown(ch, ch->gpadl) != 0;
		goto unclaim;
	}
	smp_store_release(&ch->open, true);
	/*
	 * Anything the host sent (or broke) before we were open: one run
	 * looks at the ring now, masked, and unmasks it as usual.
	 */
	ovb_ring_rx_mask(&ch->rx);
	tasklet_schedule(&ch->tasklet);
	mutex_unlock(&ch->lock);
	return 0;
unclaim:
	ovb_relid_release(ch);
fail:
	ovb_channel_free_rings(ch, host_may_hold);
out:
	mutex_unlock(&ch->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(ovb_channel_open);

void ovb_channel_close(struct ovb_channel *ch)
{
	struct vmbus_channel_close_channel c = { .header.msgtype = CHANNELMSG_CLOSECHANNEL };
	bool host_may_hold;

	mutex_lock(&ch->lock);
	if (!ch->open) {
		mutex_unlock(&ch->lock);
		return;
	}
	WRITE_ONCE(ch->open, false);
	ovb_relid_release(ch);
	c.child_relid = ch->relid;
	ovb_vmbus_post(&c, sizeof(c));
	host_may_hold = ovb_gpadl_teardown(ch, ch->gpadl) != 0;
	ovb_channel_free_rings(ch, host_may_hold);
	mutex_unlock(&ch->lock);
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

int ovb_channel_send_comp(struct ovb_channel *ch, const void *buf, u32 len, u64 trans_id)
{
	unsigned long irqflags;
	bool sig = false;
	int ret;

	spin_lock_irqsave(&ch->tx_lock, irqflags);
	ret = ovb_ring_tx_inband(&ch->tx, OVB_VMPKT_COMP, 0, trans_id, buf, len, &sig);
	spin_unlock_irqrestore(&ch->tx_lock, irqflags);
	return ovb_channel_sent(ch, ret, sig);
}
EXPORT_SYMBOL_GPL(ovb_channel_send_comp);

void ovb_channel_set_rx_deferred(struct ovb_channel *ch, bool on)
{
	WRITE_ONCE(ch->rx_deferred, on);
}
EXPORT_SYMBOL_GPL(ovb_channel_set_rx_deferred);

bool ovb_channel_rx_done(struct ovb_channel *ch)
{
	ovb_channel_rx_commit(ch);
	if (ovb_ring_failed(&ch->rx))
		return false;
	if (!ovb_ring_rx_unmask(&ch->rx))
		return false;
	ovb_ring_rx_mask(&ch->rx);	/* more came: the caller polls again */
	return true;
}
EXPORT_SYMBOL_GPL(ovb_channel_rx_done);

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

/*
 * The payload starts at offset8 (the ring checked offset8 <= len8); what
 * lies between the descriptor and it is the packet type's header, of
 * which only the transfer-page one is parsed here.
 */
static int ovb_packet_parse(const u8 *raw, u32 plen, struct ovb_packet *pkt)
{
	struct ovb_vmpacket_desc d;
	u32 off;

	memcpy(&d, raw, sizeof(d));
	off = d.offset8 * 8;
	memset(pkt, 0, sizeof(*pkt));
	pkt->type = d.type;
	pkt->flags = d.flags;
	pkt->trans_id = d.trans_id;
	pkt->data = raw + off;
	pkt->len = plen - off;
	if (d.type == OVB_VMPKT_DATA_USING_XFER_PAGES) {
		struct ovb_vmxfer_page_header h;

		if (off < sizeof(h))
			return -EPROTO;
		memcpy(&h, raw, sizeof(h));
		if (h.range_cnt > (off - sizeof(h)) / sizeof(h.ranges[0]))
			return -EPROTO;
		pkt->xfer_pageset_id = h.xfer_pageset_id;
		pkt->range_count = h.range_cnt;
		pkt->ranges = (const struct ovb_vmxfer_page_range *)(raw + sizeof(h));
	}
	return 0;
}

int ovb_channel_recv_pkt(struct ovb_channel *ch, struct ovb_packet *pkt)
{
	u32 plen;
	int ret;

	ret = ovb_ring_rx_peek(&ch->rx, ch->rxbuf, ch->rxbuf_len, &plen);
	if (ret == -EAGAIN)
		ovb_channel_rx_commit(ch);	/* empty: the host may wait for space */
	if (ret == -EAGAIN || ret == -EIO)
		return ret;
	ovb_ring_rx_advance(&ch->rx);
	if (ovb_ring_rx_uncommitted(&ch->rx) >= ch->rx.size / 4)
		ovb_channel_rx_commit(ch);
	if (ret == -EMSGSIZE)
		return -EMSGSIZE;
	return ovb_packet_parse(ch->rxbuf, plen, pkt);
}
EXPORT_SYMBOL_GPL(ovb_channel_recv_pkt);

int ovb_channel_recv(struct ovb_channel *ch, void *buf, u32 buflen, u32 *len, u64 *trans_id)
{
	struct ovb_packet pkt;
	int ret = ovb_channel_recv_pkt(ch, &pkt);

	if (ret)
		return ret;
	if (pkt.len > buflen)
		return -EMSGSIZE;
	memcpy(buf, pkt.data, pkt.len);
	*len = pkt.len;
	*trans_id = pkt.trans_id;
	return 0;
}
EXPORT_SYMBOL_GPL(ovb_channel_recv);
