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
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

static void *channel_worker(void *arg)
{
	struct vmbus_channel *ch = arg;
	struct pollfd pfd = { .fd = ch->notify_fd, .events = POLLIN };
	struct timespec next_tick;
	char name[16];

	snprintf(name, sizeof(name), "vmbus-ch%u", ch->relid);
	pthread_setname_np(pthread_self(), name);
	channel_deadline(&next_tick, 0);
	while (!ch->worker_stop) {
		uint64_t v;
		int n;

		/* Drain with signals masked; unmask; re-check (lib/ring.h). */
		ovb_ring_rx_mask(&ch->rx);
		for (;;) {
			ch->drain(ch);
			if (ch->worker_stop || ovb_ring_failed(&ch->rx))
				break;
			if (!ovb_ring_rx_unmask(&ch->rx))
				break;	/* empty with signals on: sleep */
			ovb_ring_rx_mask(&ch->rx);
		}
		if (ovb_ring_failed(&ch->rx) || ovb_ring_failed(&ch->tx)) {
			log_guest("vmbus: channel %u ring failed: %s", ch->relid,
				  ch->rx.why ? ch->rx.why : ch->tx.why);
			/* A failed channel stays failed; just wait to be closed. */
			while (!ch->worker_stop)
				poll(&pfd, 1, 100);
			break;
		}
		n = poll(&pfd, 1, ch->tick ? channel_ms_until(&next_tick) : -1);
		if (n > 0 && read(ch->notify_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			break;
		/* Ticks keep their period however often the guest wakes us. */
		if (ch->tick && !ch->worker_stop && channel_ms_until(&next_tick) == 0) {
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
	ch->worker_stop = false;
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
	ch->worker_stop = true;
	if (write(ch->notify_fd, &one, sizeof(one)) < 0)
		log_dbg("worker wake: %s", strerror(errno));
	pthread_join(ch->worker, NULL);
	ch->worker_running = false;
}
