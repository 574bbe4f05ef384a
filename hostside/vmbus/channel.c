// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * What a VSP uses of an open channel, and the per-channel worker thread.
 *
 * The worker follows DESIGN.md's "exits are the cost": while the inbound
 * ring has data it keeps draining with the guest's signals masked; only
 * when the ring stays empty after unmasking does it sleep on the eventfd
 * that KVM signals on the guest's HvSignalEvent.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "hostside/clock.h"
#include "hostside/vmbus/channel.h"

struct ovb_ring *vmbus_channel_rx(struct vmbus_channel *ch)
{
	return &ch->rx;
}

struct ovb_ring *vmbus_channel_tx(struct vmbus_channel *ch)
{
	return &ch->tx;
}

struct vmbus_device *vmbus_channel_device(struct vmbus_channel *ch)
{
	return ch->dev;
}

uint16_t vmbus_channel_subchannel_index(struct vmbus_channel *ch)
{
	return ch->subidx;
}

void *vmbus_channel_gpa_map(struct vmbus_channel *ch, uint64_t gpa, uint64_t len)
{
	return ch->srv->ops->gpa_map(ch->srv->opaque, gpa, len);
}

/* ---- mappings: GPADLs by id, guest-chosen ranges ------------------------ */

/* Record a mapping; map_lock held. NULL (and nothing kept) past the limit. */
static struct vmbus_mapping *channel_add_map(struct vmbus_channel *ch)
{
	struct vmbus_mapping *m;

	if (ch->nmaps >= VMBUS_MAX_CHANNEL_MAPS || !(m = calloc(1, sizeof(*m))))
		return NULL;
	m->next = ch->maps;
	ch->maps = m;
	ch->nmaps++;
	return m;
}

/* Undo one mapping; map_lock held. A teardown it held up may go now. */
static void channel_drop_map(struct vmbus_channel *ch, struct vmbus_mapping *m)
{
	struct vmbus_server *srv = ch->srv;

	if (m->range) {
		srv->ops->unmap_range(srv->opaque, m->base, m->gpa, m->len);
	} else {
		struct vmbus_gpadl *g = vmbus_gpadl_find(srv, m->gpadl);

		srv->ops->unmap_pages(srv->opaque, m->base, m->npages);
		if (g && !--g->maps && g->teardown)
			__atomic_store_n(&srv->teardowns, true, __ATOMIC_RELEASE);
	}
	free(m);
}

void *vmbus_channel_gpadl_map(struct vmbus_channel *ch, uint32_t gpadl_id, uint64_t *len)
{
	struct vmbus_server *srv = ch->srv;
	struct vmbus_mapping *m = NULL;
	struct vmbus_gpadl *g;
	void *base = NULL;

	*len = 0;
	pthread_mutex_lock(&srv->map_lock);
	g = vmbus_gpadl_find(srv, gpadl_id);
	/*
	 * A buffer of this channel or its primary (netvsc's sub-channels
	 * share the primary's buffers), complete, not a ring, not going.
	 */
	if (!g || !g->complete || g->teardown || g->ring || g->id == ch->gpadl ||
	    (g->relid != ch->relid && g->relid != ch->primary_relid))
		goto out;
	m = channel_add_map(ch);
	if (!m)
		goto out;
	base = srv->ops->map_pages(srv->opaque, g->pfns, g->npages);
	if (!base) {
		ch->maps = m->next;
		ch->nmaps--;
		free(m);
		goto out;
	}
	g->maps++;
	m->base = base;
	m->p = (uint8_t *)base + g->byte_offset;
	m->gpadl = g->id;
	m->npages = g->npages;
	*len = g->byte_count;
out:
	pthread_mutex_unlock(&srv->map_lock);
	return base ? m->p : NULL;
}

/* Take back mapping @p (of the kind asked for); false if it is not ours. */
static bool channel_unmap_one(struct vmbus_channel *ch, void *p, bool range)
{
	struct vmbus_server *srv = ch->srv;
	bool found = false;

	pthread_mutex_lock(&srv->map_lock);
	for (struct vmbus_mapping **pp = &ch->maps; *pp; pp = &(*pp)->next) {
		struct vmbus_mapping *m = *pp;

		if (m->p == p && m->range == range) {
			*pp = m->next;
			ch->nmaps--;
			channel_drop_map(ch, m);
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&srv->map_lock);
	/* The TORNDOWN is the control thread's to send (server.h). */
	if (found && __atomic_load_n(&srv->teardowns, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&srv->requests, true, __ATOMIC_RELEASE);
		if (srv->ops->kick)
			srv->ops->kick(srv->opaque);
	}
	return found;
}

void vmbus_channel_gpadl_unmap(struct vmbus_channel *ch, void *p)
{
	if (p && !channel_unmap_one(ch, p, false))
		log_err("vmbus: channel %u: unmap of a GPADL it did not map", ch->relid);
}

void *vmbus_channel_map_guest_range(struct vmbus_channel *ch, uint64_t gpa, uint64_t len)
{
	struct vmbus_server *srv = ch->srv;
	struct vmbus_mapping *m;
	void *p = NULL;

	if (!len || ((gpa | len) & (OVB_HV_PAGE_SIZE - 1)) || gpa > UINT64_MAX - len)
		return NULL;
	pthread_mutex_lock(&srv->map_lock);
	m = channel_add_map(ch);
	if (m) {
		p = srv->ops->map_range(srv->opaque, gpa, len);
		if (p) {
			m->p = m->base = p;
			m->range = true;
			m->gpa = gpa;
			m->len = len;
		} else {
			ch->maps = m->next;
			ch->nmaps--;
			free(m);
		}
	}
	pthread_mutex_unlock(&srv->map_lock);
	return p;
}

void vmbus_channel_unmap_guest_range(struct vmbus_channel *ch, void *p)
{
	if (p && !channel_unmap_one(ch, p, true))
		log_err("vmbus: channel %u: unmap of a range it did not map", ch->relid);
}

void vmbus_channel_release_maps(struct vmbus_channel *ch)
{
	struct vmbus_server *srv = ch->srv;

	pthread_mutex_lock(&srv->map_lock);
	while (ch->maps) {
		struct vmbus_mapping *m = ch->maps;

		ch->maps = m->next;
		channel_drop_map(ch, m);
	}
	ch->nmaps = 0;
	pthread_mutex_unlock(&srv->map_lock);
}

void vmbus_channel_signal(struct vmbus_channel *ch)
{
	struct vmbus_server *srv = ch->srv;

	srv->ops->signal_guest(srv->opaque, __atomic_load_n(&ch->target_vp, __ATOMIC_RELAXED),
			       srv->msg_sint, ch->relid);
}

int vmbus_channel_notify_fd(struct vmbus_channel *ch)
{
	return ch->notify_fd;
}

void *vmbus_channel_get_priv(struct vmbus_channel *ch)
{
	return ch->priv;
}

void vmbus_channel_set_priv(struct vmbus_channel *ch, void *priv)
{
	ch->priv = priv;
}

int vmbus_channel_send_inband(struct vmbus_channel *ch, u16 flags, u64 trans_id,
			      const void *buf, u32 len)
{
	ovb_bool sig = false;
	int ret;

	pthread_mutex_lock(&ch->tx_lock);
	ret = ovb_ring_tx_inband(&ch->tx, OVB_VMPKT_DATA_INBAND, flags, trans_id, buf, len, &sig);
	pthread_mutex_unlock(&ch->tx_lock);
	if (!ret && sig)
		vmbus_channel_signal(ch);
	return ret;
}

int vmbus_channel_send_xfer_pages(struct vmbus_channel *ch, u16 flags, u64 trans_id,
				  u16 pageset_id, const struct ovb_vmxfer_page_range *ranges,
				  u32 nranges, const void *buf, u32 len)
{
	struct ovb_vmxfer_page_header h = { 0 };
	struct ovb_ring_buf bufs[3];
	uint64_t hdr = sizeof(h) + (uint64_t)nranges * sizeof(*ranges), total = hdr + len;
	ovb_bool sig = false;
	int ret;

	if (!nranges || nranges > VMBUS_XFER_MAX_RANGES)
		return -EINVAL;
	/* len8 is 16 bits of 8 bytes: at most 512 KiB in one packet. */
	if (total > 0xffffu * 8ull)
		return -EMSGSIZE;
	h.d.type = OVB_VMPKT_DATA_USING_XFER_PAGES;
	h.d.offset8 = (u16)(hdr / 8);	/* the header is 24 + 8n bytes */
	h.d.len8 = (u16)((total + 7) / 8);
	h.d.flags = flags;
	h.d.trans_id = trans_id;
	h.xfer_pageset_id = pageset_id;
	h.range_cnt = nranges;
	bufs[0] = (struct ovb_ring_buf){ &h, sizeof(h) };
	bufs[1] = (struct ovb_ring_buf){ ranges, nranges * (u32)sizeof(*ranges) };
	bufs[2] = (struct ovb_ring_buf){ buf, len };
	pthread_mutex_lock(&ch->tx_lock);
	ret = ovb_ring_tx_write(&ch->tx, bufs, len ? 3 : 2, &sig);
	pthread_mutex_unlock(&ch->tx_lock);
	if (!ret && sig)
		vmbus_channel_signal(ch);
	return ret;
}

int vmbus_packet_parse(const void *pkt, u32 pktlen, struct vmbus_packet *p)
{
	struct ovb_vmpacket_desc d;
	u32 off, len;

	memset(p, 0, sizeof(*p));
	if (pktlen < sizeof(d))
		return -EINVAL;
	memcpy(&d, pkt, sizeof(d));
	off = (u32)d.offset8 * 8;
	len = (u32)d.len8 * 8;
	if (len > pktlen || off < sizeof(d) || off > len)
		return -EINVAL;
	p->type = d.type;
	p->flags = d.flags;
	p->trans_id = d.trans_id;
	p->data = (const u8 *)pkt + off;
	p->len = len - off;
	return 0;
}

void vmbus_channel_drain_rx(struct vmbus_channel *ch, void *buf, uint32_t size,
			    unsigned int budget, vmbus_rx_fn fn, void *arg)
{
	struct ovb_ring *rx = vmbus_channel_rx(ch);
	ovb_bool sig;
	uint32_t len;
	unsigned int n = 0;
	int ret;

	while (n++ < budget && !vmbus_channel_stopping(ch) &&
	       (ret = ovb_ring_rx_peek(rx, buf, size, &len)) != -EAGAIN) {
		if (ret == -EIO)
			break;
		ovb_ring_rx_advance(rx);
		fn(arg, len, ret == -EMSGSIZE);
	}
	ovb_ring_rx_commit(rx, &sig);
	if (sig)
		vmbus_channel_signal(ch);
}

bool vmbus_channel_stopping(struct vmbus_channel *ch)
{
	return __atomic_load_n(&ch->worker_stop, __ATOMIC_ACQUIRE);
}

/* Sleep on the notification eventfd (read it when it fired). */
static int channel_sleep(struct vmbus_channel *ch, int timeout_ms)
{
	struct pollfd pfd = { .fd = ch->notify_fd, .events = POLLIN };
	uint64_t v;
	int n = poll(&pfd, 1, timeout_ms);

	__atomic_fetch_add(&ch->worker_wakeups, 1, __ATOMIC_RELAXED);
	if (n > 0 && read(ch->notify_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	return n;
}

int vmbus_channel_wait(struct vmbus_channel *ch, unsigned int timeout_ms)
{
	if (vmbus_channel_stopping(ch))
		return -ESHUTDOWN;
	/* stop_worker sets the flag before it writes the eventfd: no lost wake. */
	channel_sleep(ch, timeout_ms > INT32_MAX ? INT32_MAX : (int)timeout_ms);
	return vmbus_channel_stopping(ch) ? -ESHUTDOWN : 0;
}

static void channel_deadline(struct timespec *t, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

static int channel_ms_until(const struct timespec *t)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (t->tv_sec - now.tv_sec) * 1000LL + (t->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

/*
 * Polling, for a guest that queues requests faster than one at a time.
 *
 * Normally the worker sleeps with the guest's signals on; a signal wakes
 * it at once (it preempts the vCPU where they share a CPU, as in the
 * pair's one-CPU L1), it serves the request and the completion is there
 * before the vCPU runs again: the best latency for one request at a time,
 * but a hypercall and an interrupt per request however deep the guest's
 * queue. When a drain finds two or more requests, the guest is queueing:
 * the worker then keeps the signals masked and keeps looking for
 * CHANNEL_POLL_NS after each such drain, giving its CPU away between looks
 * at the lowest priority (nice 19), so a vCPU sharing the CPU runs until it
 * halts and its requests arrive in batches without a signal each. Where
 * the CPU is free the looks simply come fast. A guest at one request a
 * time never makes a drain find two, so every CHANNEL_POLL_PROBE single
 * drains the worker tries polling once: that is how a deep queue, served
 * one by one, is noticed.
 */
#define CHANNEL_POLL_NS		2000000u
#define CHANNEL_POLL_PROBE	32u

/*
 * Back from nice 19 to 0 needs root (CAP_SYS_NICE) or an RLIMIT_NICE of
 * 20: without either, a worker that polled once would stay at nice 19.
 */
static bool channel_can_renice(void)
{
	struct rlimit rl;

	return geteuid() == 0 || (!getrlimit(RLIMIT_NICE, &rl) && rl.rlim_cur >= 20);
}

static void channel_set_nice(struct vmbus_channel *ch, int nice)
{
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), nice) && !ch->poll_off) {
		log_err("vmbus: channel %u: nice %d: %s; polling off", ch->relid, nice,
			strerror(errno));
		ch->poll_off = true;
	}
}

/* After a drain that took @n packets, signals masked: true to look again. */
static bool channel_poll(struct vmbus_channel *ch, uint64_t n)
{
	bool polling = ch->poll_until != 0;
	uint64_t now;

	if (ch->poll_off)
		return false;
	if (n >= 2 || (n == 1 && !polling && ++ch->poll_singles >= CHANNEL_POLL_PROBE)) {
		now = host_now_ns();
		ch->poll_singles = 0;
		ch->poll_until = now + CHANNEL_POLL_NS;
		if (!polling)
			channel_set_nice(ch, 19);
	} else if (polling) {
		now = host_now_ns();
	} else {
		return false;
	}
	if (now < ch->poll_until && !ch->poll_off) {
		__atomic_fetch_add(&ch->poll_looks, 1, __ATOMIC_RELAXED);
		sched_yield();
		return true;
	}
	ch->poll_until = 0;
	channel_set_nice(ch, 0);
	return false;
}

static void *channel_worker(void *arg)
{
	struct vmbus_channel *ch = arg;
	struct timespec next_tick;
	char name[16];

	snprintf(name, sizeof(name), "vmbus-ch%u", ch->relid);
	pthread_setname_np(pthread_self(), name);
	ch->poll_off = !channel_can_renice();
	channel_deadline(&next_tick, 0);
	while (!vmbus_channel_stopping(ch)) {
		/*
		 * Drain with signals masked; keep looking while the guest
		 * is busy (channel_poll); unmask; re-check (lib/ring.h).
		 * A drain takes at most VMBUS_DRAIN_BUDGET packets: after a
		 * full one the stop flag is looked at and the CPU offered.
		 */
		ovb_ring_rx_mask(&ch->rx);
		for (;;) {
			uint64_t before = ch->rx.stats.packets, n;

			ch->drain(ch);
			n = ch->rx.stats.packets - before;
			if (vmbus_channel_stopping(ch) || ovb_ring_failed(&ch->rx))
				break;
			if (n >= VMBUS_DRAIN_BUDGET)
				sched_yield();
			if (channel_poll(ch, n))
				continue;
			if (!ovb_ring_rx_unmask(&ch->rx))
				break;	/* empty with signals on: sleep */
			ovb_ring_rx_mask(&ch->rx);
		}
		/* (a wait inside the drain may have read stop's wake-up) */
		if (vmbus_channel_stopping(ch))
			break;
		if (ovb_ring_failed(&ch->rx) || ovb_ring_failed(&ch->tx)) {
			log_guest("vmbus: channel %u ring failed: %s", ch->relid,
				  ch->rx.why ? ch->rx.why : ch->tx.why);
			/*
			 * A failed channel stays failed; wait to be closed.
			 * The guest may keep signalling: each signal is read,
			 * so it costs one wake-up, not a spinning poll().
			 */
			while (!vmbus_channel_stopping(ch))
				if (channel_sleep(ch, -1) < 0)
					break;
			break;
		}
		if (channel_sleep(ch, ch->tick ? channel_ms_until(&next_tick) : -1) < 0)
			break;
		/* Ticks keep their period however often the guest wakes us. */
		if (ch->tick && !vmbus_channel_stopping(ch) && channel_ms_until(&next_tick) == 0) {
			ch->tick(ch);
			channel_deadline(&next_tick, ch->tick_ms);
		}
	}
	return NULL;
}

int vmbus_channel_start_worker(struct vmbus_channel *ch, vmbus_channel_fn drain,
			       vmbus_channel_fn tick, unsigned int tick_ms)
{
	ch->drain = drain;
	ch->tick = tick;
	ch->tick_ms = tick_ms ? tick_ms : 1000;
	__atomic_store_n(&ch->worker_stop, false, __ATOMIC_RELAXED);
	if (pthread_create(&ch->worker, NULL, channel_worker, ch))
		return -1;
	ch->worker_running = true;
	return 0;
}

void vmbus_channel_stop_worker(struct vmbus_channel *ch)
{
	uint64_t one = 1;

	if (!ch->worker_running)
		return;
	__atomic_store_n(&ch->worker_stop, true, __ATOMIC_RELEASE);
	if (write(ch->notify_fd, &one, sizeof(one)) < 0)
		log_dbg("worker wake: %s", strerror(errno));
	pthread_join(ch->worker, NULL);
	ch->worker_running = false;
}

uint64_t vmbus_channel_ref_time(struct vmbus_channel *ch)
{
	return ch->srv->ops->ref_time(ch->srv->opaque);
}
