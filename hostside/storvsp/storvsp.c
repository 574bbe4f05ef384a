// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * storvsp's VMBus side: one I/O thread per channel (primary and each
 * sub-channel, vmbus_channel_start_worker) drains its inbound ring with
 * guest signals masked, handles each packet (storvsp_proto.c), queues the
 * completions without signalling and signals once per batch, only if the
 * guest's ring went from empty to non-empty (ovb_ring_tx_signal).
 */
#include "hostside/storvsp/storvsp_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostside/clock.h"
#include "hostside/log.h"
#include "hostside/vmbus/vsp.h"
#include "ovb/guids.h"
#include "ovb/ring.h"

struct storvsp_glue {
	struct vmbus_device dev;
	pthread_mutex_t lock;		/* primary, and each channel's tx */
	struct vmbus_channel *primary;
};

/* Per-channel state (the channel's priv). */
struct storvsp_chan {
	struct storvsp *sv;
	struct vmbus_channel *ch;
	bool primary;	/* its tx ring is shared with ENUMERATE_BUS: lock it */
	/* logged when the channel closes: how the guest's requests came */
	uint64_t requests, drains, host_ns;
	uint32_t largest_batch;
	uint8_t pkt[16384] __attribute__((aligned(8)));
};

static void *storvsp_gpa_map(void *ctx, uint64_t gpa, uint64_t len)
{
	return vmbus_channel_gpa_map(ctx, gpa, len);
}

/*
 * How long one wait for room in the guest's receive ring lasts before the
 * ring is looked at again (the guest's signal normally ends it sooner).
 */
#define STORVSP_TX_WAIT_MS	100

/*
 * Write one packet to the guest, waiting for room; batched (no signal).
 * A guest that stops reading its completions keeps us here, but only
 * until the channel closes: -ESHUTDOWN then.
 */
static int storvsp_tx(struct storvsp_chan *c, uint16_t type, uint64_t trans_id,
		      const void *buf, uint32_t len, ovb_bool *pending)
{
	struct ovb_ring *tx = vmbus_channel_tx(c->ch);
	struct ovb_ring *rx = vmbus_channel_rx(c->ch);
	struct storvsp_glue *g = c->sv->glue;
	bool waited = false;
	int ret;

	for (;;) {
		bool again = false;

		if (c->primary)
			pthread_mutex_lock(&g->lock);
		ret = ovb_ring_tx_inband(tx, type, 0, trans_id, buf, len, NULL);
		if (ret == -EAGAIN) {
			ovb_bool sig = 0;

			/* Let the guest see what is queued before we wait. */
			ovb_ring_tx_signal(tx, &sig);
			if (sig || *pending)
				vmbus_channel_signal(c->ch);
			*pending = 0;
			/* Its signal when it has read enough ends the wait. */
			again = ovb_ring_tx_want_space(tx, ovb_ring_packet_footprint(len + 16) + 8);
		} else if (waited) {
			ovb_ring_tx_want_space(tx, 0);
		}
		if (c->primary)
			pthread_mutex_unlock(&g->lock);
		if (ret != -EAGAIN)
			break;
		if (!waited) {
			ovb_bool sig = 0;

			/* Room we made in our inbound ring may be what it waits for. */
			ovb_ring_rx_commit(rx, &sig);
			if (sig)
				vmbus_channel_signal(c->ch);
		}
		waited = true;
		if (again ? vmbus_channel_stopping(c->ch) :
			    vmbus_channel_wait(c->ch, STORVSP_TX_WAIT_MS) == -ESHUTDOWN)
			return -ESHUTDOWN;
	}
	if (!ret)
		*pending = 1;
	return ret;
}

static void storvsp_drain(struct vmbus_channel *ch)
{
	struct storvsp_chan *c = vmbus_channel_get_priv(ch);
	struct ovb_ring *rx = vmbus_channel_rx(ch);
	struct ovb_ring *tx = vmbus_channel_tx(ch);
	struct storvsp_glue *g = c->sv->glue;
	ovb_bool pending = 0, sig = 0;
	uint16_t sub = vmbus_channel_subchannel_index(ch);
	uint64_t t0 = 0;	/* at the first packet: empty looks cost no clock read */
	uint32_t n = 0;

	while (n < VMBUS_DRAIN_BUDGET && !vmbus_channel_stopping(ch)) {
		struct ovb_vstor_packet resp;
		struct ovb_vmpacket_desc d;
		unsigned int subch = 0;
		uint32_t len;
		int ret = ovb_ring_rx_peek(rx, c->pkt, sizeof(c->pkt), &len);

		if (ret == -EMSGSIZE) {
			ovb_ring_rx_advance(rx);	/* too big for any valid request */
			n++;
			continue;
		}
		if (ret)
			break;
		if (!n++)
			t0 = host_now_ns();
		memcpy(&d, c->pkt, sizeof(d));
		ret = storvsp_packet_handle(c->sv, sub, c->pkt, len, storvsp_gpa_map, ch, &resp,
					    &subch);
		ovb_ring_rx_advance(rx);
		if (ret == 1 && storvsp_tx(c, OVB_VMPKT_COMP, d.trans_id, &resp, sizeof(resp),
					   &pending) < 0)
			break;	/* failed ring, or closing */
		if (subch && vmbus_channel_offer_subchannels(ch, subch))
			storvsp_log(c->sv, "sub-channel request (%u) refused", subch);
	}
	ovb_ring_rx_commit(rx, &sig);
	if (n) {
		c->requests += n;
		c->drains++;
		c->host_ns += host_now_ns() - t0;
		if (n > c->largest_batch)
			c->largest_batch = n;
	}
	if (pending) {
		ovb_bool s2 = 0;

		if (c->primary)
			pthread_mutex_lock(&g->lock);
		ovb_ring_tx_signal(tx, &s2);
		if (c->primary)
			pthread_mutex_unlock(&g->lock);
		sig |= s2;
	}
	if (sig)
		vmbus_channel_signal(ch);
}

/* ENUMERATE_BUS on the primary channel: the guest rescans the bus. */
static void storvsp_bus_changed(struct storvsp *sv)
{
	struct storvsp_glue *g = sv->glue;
	struct ovb_vstor_packet p;
	ovb_bool sig = 0;

	memset(&p, 0, sizeof(p));
	p.operation = OVB_VSTOR_OP_ENUMERATE_BUS;
	pthread_mutex_lock(&g->lock);
	if (g->primary && storvsp_protocol_version(sv) &&
	    !ovb_ring_tx_inband(vmbus_channel_tx(g->primary), OVB_VMPKT_DATA_INBAND, 0, 0, &p,
				sizeof(p), &sig) && sig)
		vmbus_channel_signal(g->primary);
	pthread_mutex_unlock(&g->lock);
}

static int storvsp_open(struct vmbus_channel *ch)
{
	struct storvsp *sv = vmbus_channel_device(ch)->priv;
	struct storvsp_glue *g = sv->glue;
	struct storvsp_chan *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	c->sv = sv;
	c->ch = ch;
	vmbus_channel_set_priv(ch, c);
	c->primary = vmbus_channel_subchannel_index(ch) == 0;
	if (c->primary) {
		storvsp_protocol_reset(sv);
		pthread_mutex_lock(&g->lock);
		g->primary = ch;
		pthread_mutex_unlock(&g->lock);
	}
	ret = vmbus_channel_start_worker(ch, storvsp_drain, NULL, 0);
	if (ret) {
		pthread_mutex_lock(&g->lock);
		if (g->primary == ch)
			g->primary = NULL;
		pthread_mutex_unlock(&g->lock);
		vmbus_channel_set_priv(ch, NULL);
		free(c);
	}
	return ret;
}

static void storvsp_close(struct vmbus_channel *ch)
{
	struct storvsp_chan *c = vmbus_channel_get_priv(ch);
	struct storvsp_glue *g = c->sv->glue;

	vmbus_channel_stop_worker(ch);
	if (c->requests)
		log_info("storvsp: queue %u: %llu packets in %llu drains (largest %u), "
			 "%.1f us of drain time each (wall clock)", vmbus_channel_subchannel_index(ch),
			 (unsigned long long)c->requests, (unsigned long long)c->drains,
			 c->largest_batch, (double)c->host_ns / 1000.0 / (double)c->requests);
	pthread_mutex_lock(&g->lock);
	if (g->primary == ch)
		g->primary = NULL;
	pthread_mutex_unlock(&g->lock);
	vmbus_channel_set_priv(ch, NULL);
	free(c);
}

/* The guest unloaded or reconnected: a new guest negotiates afresh. */
static void storvsp_reset(struct vmbus_device *dev)
{
	storvsp_protocol_reset(dev->priv);
}

static const struct vsp_ops storvsp_ops = {
	.open = storvsp_open,
	.close = storvsp_close,
	.reset = storvsp_reset,
	.rescind = storvsp_reset,	/* a device added back starts afresh too */
};

static void storvsp_glue_free(struct storvsp *sv)
{
	struct storvsp_glue *g = sv->glue;

	pthread_mutex_destroy(&g->lock);
	free(g);
	sv->glue = NULL;
}

struct vmbus_device *storvsp_device(struct storvsp *sv)
{
	static const struct ovb_guid scsi = OVB_GUID_SCSI;
	struct storvsp_glue *g = sv->glue;

	if (g)
		return &g->dev;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	pthread_mutex_init(&g->lock, NULL);
	g->dev.name = "storvsp";
	g->dev.class_id = scsi;
	g->dev.instance_id = sv->instance_id;
	g->dev.ops = &storvsp_ops;
	g->dev.priv = sv;
	g->dev.max_subchannels = (uint16_t)sv->max_subchannels;
	sv->glue = g;
	sv->glue_free = storvsp_glue_free;
	storvsp_set_bus_changed_fn(sv, storvsp_bus_changed);
	return &g->dev;
}
