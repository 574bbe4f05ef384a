// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * VMBus server: version negotiation, offers, channel open/close, rescind,
 * unload. Sequences as Linux's drivers/hv/connection.c and channel_mgmt.c
 * expect them from a host.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hostside/vmbus/channel.h"
#include "hostside/vmbus/fault.h"
#include "lib/vmbus_version.h"
#include "ovb/vmbus_msg.h"

struct vmbus_msg_rule {
	uint32_t min_len, min_version, dir;
};

#define VMBUS_RULE(t, s, len, ver, d) [t] = { len, ver, d },
static const struct vmbus_msg_rule vmbus_rules[CHANNELMSG_COUNT] = {
	OVB_VMBUS_MSG_TABLE(VMBUS_RULE)
};

struct vmbus_server *vmbus_server_new(const struct vmbus_server_ops *ops, void *opaque,
				      uint32_t nr_vps)
{
	struct vmbus_server *srv = calloc(1, sizeof(*srv));

	if (!srv)
		return NULL;
	srv->ops = ops;
	srv->opaque = opaque;
	srv->nr_vps = nr_vps ? nr_vps : 1;
	srv->msg_sint = OVB_VMBUS_MESSAGE_SINT;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->map_lock, NULL);
	pthread_cond_init(&srv->closed, NULL);
	srv->max_gpadl_pages = VMBUS_DEFAULT_GPADL_PAGES;
	srv->connect_rl.burst = LOG_RL_STATE_BURST;
	srv->unload_rl.burst = LOG_RL_STATE_BURST;
	return srv;
}

void vmbus_server_set_guest_pages(struct vmbus_server *srv, uint64_t pages)
{
	pthread_mutex_lock(&srv->lock);
	srv->max_gpadl_pages = pages;
	pthread_mutex_unlock(&srv->lock);
}

void vmbus_server_post(struct vmbus_server *srv, const void *msg, uint32_t len)
{
	if (srv->ops->post_msg(srv->opaque, srv->msg_vp, srv->msg_sint, msg, len))
		log_err("vmbus: could not post message type %u to the guest",
			((const struct vmbus_msg_header *)msg)->msgtype);
}

static struct vmbus_channel *channel_get(struct vmbus_server *srv, uint32_t relid)
{
	return relid && relid <= OVB_VMBUS_MAX_RELID ? srv->chans[relid] : NULL;
}

static void channel_send_offer(struct vmbus_server *srv, struct vmbus_channel *ch)
{
	struct vmbus_channel_offer_channel o = { .header.msgtype = CHANNELMSG_OFFERCHANNEL };

	o.offer.if_type = ch->class_id;
	o.offer.if_instance = ch->instance_id;
	o.offer.mmio_megabytes = ch->dev->mmio_megabytes;
	o.offer.sub_channel_index = ch->subidx;
	o.child_relid = ch->relid;
	o.interrupt_flags = VMBUS_OFFER_DEDICATED_INTERRUPT;
	o.connection_id = ch->conn_id;
	vmbus_server_post(srv, &o, sizeof(o));
}

void vmbus_server_bind_thread(struct vmbus_server *srv)
{
	pthread_mutex_lock(&srv->lock);
	srv->ctl_thread = pthread_self();
	srv->bound = true;
	pthread_mutex_unlock(&srv->lock);
}

void vmbus_server_unbind_thread(struct vmbus_server *srv)
{
	pthread_mutex_lock(&srv->lock);
	srv->bound = false;
	pthread_mutex_unlock(&srv->lock);
}

struct vmbus_channel *vmbus_server_primary(struct vmbus_server *srv,
					   const struct vmbus_device *dev)
{
	for (uint32_t i = 1; i <= OVB_VMBUS_MAX_RELID; i++)
		if (srv->chans[i] && srv->chans[i]->dev == dev && !srv->chans[i]->subidx)
			return srv->chans[i];
	return NULL;
}

/*
 * A channel's rings are in GPADL @id from now on (or no longer): false if
 * a VSP maps it as a buffer or the guest is tearing it down.
 */
static bool channel_ring_gpadl(struct vmbus_server *srv, uint32_t id, bool ring)
{
	struct vmbus_gpadl *g = vmbus_gpadl_find(srv, id);
	bool ok;

	if (!g)
		return false;
	pthread_mutex_lock(&srv->map_lock);
	ok = !ring || (!g->maps && !g->teardown);
	if (ok)
		g->ring = ring;
	pthread_mutex_unlock(&srv->map_lock);
	return ok;
}

/* Undo an open: the VSP's mappings, the event route and the ring mappings. */
static void channel_unmap(struct vmbus_server *srv, struct vmbus_channel *ch)
{
	vmbus_channel_release_maps(ch);
	channel_ring_gpadl(srv, ch->gpadl, false);
	srv->ops->event_unregister(srv->opaque, ch->conn_id, ch->notify_fd);
	close(ch->notify_fd);
	ch->notify_fd = -1;
	srv->ops->unmap_ring(srv->opaque, ch->rx_map, ch->rx_pages);
	srv->ops->unmap_ring(srv->opaque, ch->tx_map, ch->tx_pages);
	ch->rx_map = ch->tx_map = NULL;
}

struct vmbus_channel *vmbus_channel_close(struct vmbus_server *srv, uint32_t relid)
{
	struct vmbus_channel *ch;

	for (;;) {
		ch = srv->chans[relid];
		if (!ch || ch->state != CH_CLOSING)
			break;
		pthread_cond_wait(&srv->closed, &srv->lock);
	}
	if (!ch || ch->state != CH_OPEN)
		return ch;
	/*
	 * The VSP's close joins its worker, which may be waiting for the
	 * guest: nothing else may wait for that behind our lock. CH_CLOSING
	 * keeps the channel (and its device) alive meanwhile.
	 */
	ch->state = CH_CLOSING;
	pthread_mutex_unlock(&srv->lock);
	if (ch->dev->ops->close)
		ch->dev->ops->close(ch);
	vmbus_channel_stop_worker(ch);	/* in case the VSP did not */
	pthread_mutex_lock(&srv->lock);
	channel_unmap(srv, ch);
	ch->state = CH_OFFERED;
	pthread_cond_broadcast(&srv->closed);
	return ch;
}

/* Call @dev's reset or rescind callback without the lock (like close). */
static void device_callback(struct vmbus_server *srv, struct vmbus_device *dev, bool rescind)
{
	void (*fn)(struct vmbus_device *) = rescind ? dev->ops->rescind : dev->ops->reset;

	if (!fn)
		return;
	pthread_mutex_unlock(&srv->lock);
	fn(dev);
	pthread_mutex_lock(&srv->lock);
}

/* Forget the guest's connection: close channels, drop GPADLs, reset VSPs. */
static void server_disconnect(struct vmbus_server *srv)
{
	bool was_connected = srv->version != 0;

	for (uint32_t i = 1; i <= OVB_VMBUS_MAX_RELID; i++) {
		struct vmbus_channel *ch = vmbus_channel_close(srv, i);

		if (!ch)
			continue;
		__atomic_store_n(&ch->subch_request, 0, __ATOMIC_RELAXED);
		/* Sub-channels belong to one connection: the VSP offers them again. */
		if (ch->state == CH_RESCINDED || ch->subidx) {
			srv->chans[i] = NULL;	/* the guest is gone: no release coming */
			free(ch);
		}
	}
	vmbus_gpadl_free_all(srv);
	srv->version = 0;
	srv->offers_requested = false;
	if (was_connected) {
		/* The callbacks run unlocked: walk a copy of the device list. */
		struct vmbus_device *devs[VMBUS_MAX_DEVICES];
		unsigned int n = srv->ndevs;

		memcpy(devs, srv->devs, n * sizeof(devs[0]));
		for (unsigned int i = 0; i < n; i++)
			device_callback(srv, devs[i], false);
	}
}

bool vmbus_gpadl_in_use(struct vmbus_server *srv, uint32_t id)
{
	for (uint32_t i = 1; i <= OVB_VMBUS_MAX_RELID; i++) {
		struct vmbus_channel *ch = srv->chans[i];

		if (ch && (ch->state == CH_OPEN || ch->state == CH_CLOSING) && ch->gpadl == id)
			return true;
	}
	return false;
}

static void handle_initiate_contact(struct vmbus_server *srv, const void *msg)
{
	struct vmbus_channel_initiate_contact c;
	struct vmbus_channel_version_response r = { .header.msgtype = CHANNELMSG_VERSION_RESPONSE };
	uint32_t v;

	memcpy(&c, msg, sizeof(c));
	v = c.vmbus_version_requested;
	if (srv->version)
		server_disconnect(srv);	/* a new contact restarts the connection */
	srv->msg_vp = c.target_vcpu < srv->nr_vps ? c.target_vcpu : 0;
	srv->msg_sint = OVB_VMBUS_MESSAGE_SINT;
	if (v >= OVB_VMBUS_VERSION_WIN10_V5) {
		if (c.u.v5.msg_sint < 16)
			srv->msg_sint = c.u.v5.msg_sint;
		else
			vmbus_log(srv, "bad message SINT %u, using %u", c.u.v5.msg_sint, srv->msg_sint);
	}
	if (!ovb_vmbus_version_known(v)) {
		/* version_supported = 0: the guest tries its next older version. */
		vmbus_server_post(srv, &r, sizeof(r));
		return;
	}
	srv->version = v;
	r.version_supported = 1;
	if (v >= OVB_VMBUS_VERSION_WIN10_V5)
		r.msg_conn_id = OVB_VMBUS_MESSAGE_CONNECTION_ID_4;
	log_rl(&srv->connect_rl, "vmbus: guest connected, version %u.%u", v >> 16, v & 0xffff);
	vmbus_server_post(srv, &r, sizeof(r));
}

static void handle_request_offers(struct vmbus_server *srv)
{
	struct vmbus_channel_empty done = { .header.msgtype = CHANNELMSG_ALLOFFERS_DELIVERED };

	vmbus_fault_point(srv, VMBUS_FAULT_AT_OFFERS, NULL);
	for (uint32_t i = 1; i <= OVB_VMBUS_MAX_RELID; i++) {
		struct vmbus_channel *ch = srv->chans[i];

		if (ch && ch->state != CH_RESCINDED)
			channel_send_offer(srv, ch);
	}
	vmbus_fault_point(srv, VMBUS_FAULT_AT_OFFERS_DONE, NULL);
	srv->offers_requested = true;
	vmbus_server_post(srv, &done, sizeof(done));
}

/* Map one ring (control page + data pages) from a GPADL's page range. */
static int channel_map_ring(struct vmbus_server *srv, struct vmbus_channel *ch,
			    const uint64_t *pfns, uint32_t n, bool rx)
{
	void *map = srv->ops->map_ring(srv->opaque, pfns, n);
	struct ovb_ring *r = rx ? &ch->rx : &ch->tx;
	int ret;

	if (!map)
		return -1;
	if (rx)
		ret = ovb_ring_rx_init(r, map, (uint8_t *)map + OVB_HV_PAGE_SIZE,
				       (n - 1) * OVB_HV_PAGE_SIZE, OVB_RING_F_DOUBLE_MAPPED);
	else
		ret = ovb_ring_tx_init(r, map, (uint8_t *)map + OVB_HV_PAGE_SIZE,
				       (n - 1) * OVB_HV_PAGE_SIZE, OVB_RING_F_DOUBLE_MAPPED);
	if (ret) {
		srv->ops->unmap_ring(srv->opaque, map, n);
		return -1;
	}
	if (rx) {
		ch->rx_map = map;
		ch->rx_pages = n;
	} else {
		ch->tx_map = map;
		ch->tx_pages = n;
	}
	return 0;
}

static void handle_open(struct vmbus_server *srv, const void *msg)
{
	struct vmbus_channel_open_channel o;
	struct vmbus_channel_open_result r = { .header.msgtype = CHANNELMSG_OPENCHANNEL_RESULT };
	struct vmbus_channel *ch;
	struct vmbus_gpadl *g;
	uint32_t off;

	memcpy(&o, msg, sizeof(o));
	r.child_relid = o.child_relid;
	r.openid = o.openid;
	r.status = (uint32_t)-EINVAL;
	ch = channel_get(srv, o.child_relid);
	if (!ch || ch->state != CH_OFFERED) {
		vmbus_log(srv, "open of unknown or busy channel %u", o.child_relid);
		goto out;
	}
	g = vmbus_gpadl_find(srv, o.ringbuffer_gpadlhandle);
	off = o.downstream_ringbuffer_pageoffset;
	/*
	 * The ring GPADL: created for this channel, whole pages (Linux's
	 * hv_gpadl_size() for a ring on 4 KiB pages), not in use already.
	 */
	if (!g || !g->complete || g->relid != ch->relid || g->byte_offset ||
	    g->byte_count != (uint64_t)g->npages * OVB_HV_PAGE_SIZE || g->npages < 4 ||
	    off < 2 || off > g->npages - 2 || vmbus_gpadl_in_use(srv, g->id) ||
	    !channel_ring_gpadl(srv, g->id, true)) {
		vmbus_log(srv, "channel %u: ring GPADL %u missing, too small or mapped (offset %u)",
			  o.child_relid, o.ringbuffer_gpadlhandle, off);
		goto out;
	}
	if (channel_map_ring(srv, ch, g->pfns, off, true)) {
		channel_ring_gpadl(srv, g->id, false);
		goto out;
	}
	if (channel_map_ring(srv, ch, g->pfns + off, g->npages - off, false)) {
		srv->ops->unmap_ring(srv->opaque, ch->rx_map, ch->rx_pages);
		channel_ring_gpadl(srv, g->id, false);
		goto out;
	}
	ch->gpadl = g->id;
	ch->target_vp = o.target_vp < srv->nr_vps ? o.target_vp : 0;
	ch->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ch->notify_fd < 0 || srv->ops->event_register(srv->opaque, ch->conn_id, ch->notify_fd)) {
		if (ch->notify_fd >= 0)
			close(ch->notify_fd);
		channel_ring_gpadl(srv, g->id, false);
		srv->ops->unmap_ring(srv->opaque, ch->rx_map, ch->rx_pages);
		srv->ops->unmap_ring(srv->opaque, ch->tx_map, ch->tx_pages);
		goto out;
	}
	ch->state = CH_OPEN;
	if (ch->dev->ops->open && ch->dev->ops->open(ch)) {
		/* A failed open is not closed: the VSP started nothing. */
		vmbus_channel_stop_worker(ch);
		channel_unmap(srv, ch);
		ch->state = CH_OFFERED;
		r.status = (uint32_t)-EIO;
		goto out;
	}
	r.status = 0;
out:
	{
		struct vmbus_fault_ctx fc = { .ch = ch, .relid = r.child_relid,
					      .openid = r.openid };

		vmbus_fault_point(srv, VMBUS_FAULT_AT_OPEN_RESULT, &fc);
		vmbus_server_post(srv, &r, sizeof(r));
		if (!r.status)
			vmbus_fault_point(srv, VMBUS_FAULT_AT_OPENED, &fc);
	}
}

static void handle_close(struct vmbus_server *srv, const void *msg)
{
	struct vmbus_channel_close_channel c;
	struct vmbus_channel *ch;

	memcpy(&c, msg, sizeof(c));
	ch = channel_get(srv, c.child_relid);
	if (ch && ch->state == CH_RESCINDED)
		return;		/* Linux closes what we rescinded (closed) */
	if (!ch || ch->state != CH_OPEN) {
		vmbus_log(srv, "close of channel %u that is not open", c.child_relid);
		return;
	}
	vmbus_channel_close(srv, ch->relid);
}

static void handle_relid_released(struct vmbus_server *srv, const void *msg)
{
	struct vmbus_channel_relid_released m;
	struct vmbus_channel *ch;

	memcpy(&m, msg, sizeof(m));
	ch = channel_get(srv, m.child_relid);
	if (!ch || ch->state != CH_RESCINDED) {
		vmbus_log(srv, "release of channel %u that was not rescinded", m.child_relid);
		return;
	}
	vmbus_gpadl_release_relid(srv, ch->relid);
	srv->chans[ch->relid] = NULL;
	free(ch);
}

static void handle_unload(struct vmbus_server *srv)
{
	struct vmbus_channel_empty r = { .header.msgtype = CHANNELMSG_UNLOAD_RESPONSE };

	server_disconnect(srv);
	log_rl(&srv->unload_rl, "vmbus: guest unloaded");
	vmbus_server_post(srv, &r, sizeof(r));
}

static void handle_modify(struct vmbus_server *srv, const void *msg)
{
	struct vmbus_channel_modifychannel m;
	struct vmbus_channel_modifychannel_response r = {
		.header.msgtype = CHANNELMSG_MODIFYCHANNEL_RESPONSE };
	struct vmbus_channel *ch;

	memcpy(&m, msg, sizeof(m));
	ch = channel_get(srv, m.child_relid);
	r.child_relid = m.child_relid;
	if (ch && ch->state == CH_OPEN && m.target_vp < srv->nr_vps) {
		__atomic_store_n(&ch->target_vp, m.target_vp, __ATOMIC_RELAXED);
		r.status = 0;
	} else {
		vmbus_log(srv, "bad modify of channel %u to vp %u", m.child_relid, m.target_vp);
		r.status = (uint32_t)-EINVAL;
	}
	if (srv->version >= OVB_VMBUS_VERSION_WIN10_V5_3)
		vmbus_server_post(srv, &r, sizeof(r));
}

static void handle_tl_connect(struct vmbus_server *srv, const void *msg)
{
	struct vmbus_channel_tl_connect_request q;
	struct vmbus_channel_tl_connect_result r = {
		.header.msgtype = CHANNELMSG_TL_CONNECT_RESULT };

	/* No hv_sock services are offered: refuse. */
	memcpy(&q, msg, sizeof(q));
	r.guest_endpoint_id = q.guest_endpoint_id;
	r.host_service_id = q.host_service_id;
	r.status = -ECONNREFUSED;
	vmbus_server_post(srv, &r, sizeof(r));
}

void vmbus_server_handle_msg(struct vmbus_server *srv, uint32_t vp, const void *msg,
			     uint32_t len)
{
	struct vmbus_msg_header h;
	const struct vmbus_msg_rule *rule;

	(void)vp;
	VMBUS_ASSERT_CONTROL(srv);
	if (len < sizeof(h) || len > OVB_VMBUS_MAX_MSG_SIZE) {
		vmbus_log(srv, "message of %u bytes dropped", len);
		return;
	}
	memcpy(&h, msg, sizeof(h));
	rule = h.msgtype < CHANNELMSG_COUNT ? &vmbus_rules[h.msgtype] : NULL;
	if (!rule || rule->dir != VMBUS_DIR_G2H) {
		vmbus_log(srv, "unknown or host-only message type %u dropped", h.msgtype);
		return;
	}
	if (len < rule->min_len) {
		vmbus_log(srv, "message type %u too short (%u < %u)", h.msgtype, len, rule->min_len);
		return;
	}
	pthread_mutex_lock(&srv->lock);
	if (h.msgtype != CHANNELMSG_INITIATE_CONTACT &&
	    (!srv->version || rule->min_version > srv->version)) {
		vmbus_log(srv, "message type %u before/outside the negotiated version", h.msgtype);
		goto out;
	}
	switch (h.msgtype) {
	case CHANNELMSG_INITIATE_CONTACT:
		handle_initiate_contact(srv, msg);
		break;
	case CHANNELMSG_REQUESTOFFERS:
		handle_request_offers(srv);
		break;
	case CHANNELMSG_GPADL_HEADER:
		vmbus_gpadl_header(srv, msg, len);
		break;
	case CHANNELMSG_GPADL_BODY:
		vmbus_gpadl_body(srv, msg, len);
		break;
	case CHANNELMSG_GPADL_TEARDOWN:
		vmbus_gpadl_teardown(srv, msg, len);
		break;
	case CHANNELMSG_OPENCHANNEL:
		handle_open(srv, msg);
		break;
	case CHANNELMSG_CLOSECHANNEL:
		handle_close(srv, msg);
		break;
	case CHANNELMSG_RELID_RELEASED:
		handle_relid_released(srv, msg);
		break;
	case CHANNELMSG_UNLOAD:
		handle_unload(srv);
		break;
	case CHANNELMSG_MODIFYCHANNEL:
		handle_modify(srv, msg);
		break;
	case CHANNELMSG_TL_CONNECT_REQUEST:
		handle_tl_connect(srv, msg);
		break;
	}
	/* A close may have released the last mapping of a GPADL being torn down. */
	if (srv->version && __atomic_load_n(&srv->teardowns, __ATOMIC_ACQUIRE))
		vmbus_gpadl_finish_teardowns(srv);
out:
	pthread_mutex_unlock(&srv->lock);
}

/* A new channel of @dev under a free relid. Called with srv->lock held. */
static struct vmbus_channel *channel_new(struct vmbus_server *srv, struct vmbus_device *dev,
					 uint16_t subidx)
{
	struct vmbus_channel *ch;
	uint32_t relid;

	for (relid = 1; relid <= OVB_VMBUS_MAX_RELID && srv->chans[relid]; relid++)
		;
	if (relid > OVB_VMBUS_MAX_RELID)
		return NULL;
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return NULL;
	ch->srv = srv;
	ch->dev = dev;
	ch->class_id = dev->class_id;
	ch->instance_id = dev->instance_id;
	ch->name = dev->name;
	ch->relid = relid;
	ch->subidx = subidx;
	ch->primary_relid = relid;
	ch->conn_id = VMBUS_CONN_ID_BASE + relid;
	ch->notify_fd = -1;
	ch->state = CH_OFFERED;
	pthread_mutex_init(&ch->tx_lock, NULL);
	srv->chans[relid] = ch;
	return ch;
}

int vmbus_server_add_device(struct vmbus_server *srv, struct vmbus_device *dev)
{
	struct vmbus_channel *ch;
	int ret = -ENOSPC;

	pthread_mutex_lock(&srv->lock);
	for (unsigned int i = 0; i < srv->ndevs; i++) {
		if (srv->devs[i] == dev) {
			ret = -EEXIST;
			goto out;
		}
	}
	if (srv->ndevs >= VMBUS_MAX_DEVICES)
		goto out;
	ch = channel_new(srv, dev, 0);
	if (!ch)
		goto out;
	srv->devs[srv->ndevs++] = dev;
	if (srv->version && srv->offers_requested)
		channel_send_offer(srv, ch);	/* hot add */
	ret = 0;
out:
	pthread_mutex_unlock(&srv->lock);
	return ret;
}

int vmbus_channel_offer_subchannels(struct vmbus_channel *ch, unsigned int count)
{
	struct vmbus_server *srv = ch->srv;
	unsigned int none = 0;

	/*
	 * A worker must not take the server's lock (the control thread may
	 * be joining it): leave the request in the channel for
	 * vmbus_server_run_requests(). One request at a time per primary.
	 */
	if (ch->subidx || !count || count > ch->dev->max_subchannels ||
	    !__atomic_compare_exchange_n(&ch->subch_request, &none, count, false,
					 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return -EINVAL;
	__atomic_store_n(&srv->requests, true, __ATOMIC_RELEASE);
	if (srv->ops->kick)
		srv->ops->kick(srv->opaque);
	return 0;
}

/*
 * Offer the sub-channels 1..count that @ch's device does not have yet: a
 * guest that asks again (a driver probed anew on the same connection)
 * finds the ones it was offered before, and no guest gets more than the
 * device allows. Called with srv->lock held.
 */
static void channel_make_subchannels(struct vmbus_server *srv, struct vmbus_channel *ch)
{
	unsigned int count = __atomic_exchange_n(&ch->subch_request, 0, __ATOMIC_ACQUIRE);
	uint64_t have = 0;

	if (!count || ch->state != CH_OPEN || !srv->version)
		return;
	for (uint32_t i = 1; i <= OVB_VMBUS_MAX_RELID; i++) {
		struct vmbus_channel *s = srv->chans[i];

		if (s && s->dev == ch->dev && s->subidx && s->subidx <= 64)
			have |= 1ull << (s->subidx - 1);
	}
	for (unsigned int idx = 1; idx <= count && idx <= 64; idx++) {
		struct vmbus_channel *sub;

		if (have & (1ull << (idx - 1)))
			continue;
		sub = channel_new(srv, ch->dev, (uint16_t)idx);
		if (!sub) {
			log_err("vmbus: channel %u: relids ran out at sub-channel %u", ch->relid, idx);
			break;
		}
		sub->primary_relid = ch->relid;
		channel_send_offer(srv, sub);
	}
}

void vmbus_server_run_requests(struct vmbus_server *srv)
{
	VMBUS_ASSERT_CONTROL(srv);
	if (!__atomic_exchange_n(&srv->requests, false, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&srv->lock);
	for (uint32_t i = 1; i <= OVB_VMBUS_MAX_RELID; i++)
		if (srv->chans[i] && __atomic_load_n(&srv->chans[i]->subch_request,
						     __ATOMIC_RELAXED))
			channel_make_subchannels(srv, srv->chans[i]);
	/* A VSP unmapped the last mapping of a GPADL the guest tore down. */
	if (srv->version && __atomic_load_n(&srv->teardowns, __ATOMIC_ACQUIRE))
		vmbus_gpadl_finish_teardowns(srv);
	pthread_mutex_unlock(&srv->lock);
}

void vmbus_server_remove_device(struct vmbus_server *srv, struct vmbus_device *dev)
{
	bool found = false;

	pthread_mutex_lock(&srv->lock);
	for (unsigned int i = 0; i < srv->ndevs; i++) {
		if (srv->devs[i] == dev) {
			srv->devs[i] = srv->devs[--srv->ndevs];
			found = true;
			break;
		}
	}
	/* The primary and every sub-channel: closed, then rescinded or freed. */
	for (uint32_t relid = 1; found && relid <= OVB_VMBUS_MAX_RELID; relid++) {
		struct vmbus_channel *ch = srv->chans[relid];

		if (!ch || ch->dev != dev)
			continue;
		ch = vmbus_channel_close(srv, relid);
		if (!ch || ch->dev != dev)
			continue;
		if (srv->version && srv->offers_requested) {
			struct vmbus_channel_rescind_offer r = {
				.header.msgtype = CHANNELMSG_RESCIND_CHANNELOFFER,
				.child_relid = ch->relid };

			ch->state = CH_RESCINDED;
			ch->dev = NULL;		/* the device may go when we return */
			vmbus_server_post(srv, &r, sizeof(r));
		} else {
			srv->chans[relid] = NULL;
			free(ch);
		}
	}
	if (found)
		device_callback(srv, dev, true);
	if (srv->version && __atomic_load_n(&srv->teardowns, __ATOMIC_ACQUIRE))
		vmbus_gpadl_finish_teardowns(srv);
	pthread_mutex_unlock(&srv->lock);
}

uint32_t vmbus_server_version(const struct vmbus_server *srv)
{
	return srv->version;
}

unsigned int vmbus_server_gpadl_count(const struct vmbus_server *srv)
{
	return srv->ngpadls;
}

static const char *channel_state_name(const struct vmbus_channel *ch)
{
	switch (ch->state) {
	case CH_OFFERED:
		return "offered";
	case CH_OPEN:
		return "open";
	case CH_CLOSING:
		return "closing";
	case CH_RESCINDED:
		return "rescinded";
	}
	return "?";
}

void vmbus_server_list_channels(struct vmbus_server *srv, vmbus_channel_info_fn fn, void *arg)
{
	pthread_mutex_lock(&srv->lock);
	for (uint32_t i = 1; i <= OVB_VMBUS_MAX_RELID; i++) {
		struct vmbus_channel *ch = srv->chans[i];
		struct vmbus_channel_info info;

		if (!ch)
			continue;
		memset(&info, 0, sizeof(info));
		info.relid = ch->relid;
		info.conn_id = ch->conn_id;
		info.target_vp = ch->target_vp;
		info.class_id = ch->class_id;
		info.instance_id = ch->instance_id;
		info.subchannel_index = ch->subidx;
		info.state = channel_state_name(ch);
		info.device = ch->name;
		info.worker_wakeups = __atomic_load_n(&ch->worker_wakeups, __ATOMIC_RELAXED);
		info.poll_looks = __atomic_load_n(&ch->poll_looks, __ATOMIC_RELAXED);
		if (ch->state == CH_OPEN || ch->state == CH_CLOSING) {
			info.tx_packets = ch->tx.stats.packets;
			info.tx_bytes = ch->tx.stats.bytes;
			info.tx_signals = ch->tx.stats.signals;
			info.rx_packets = ch->rx.stats.packets;
			info.rx_bytes = ch->rx.stats.bytes;
			info.rx_signals = ch->rx.stats.signals;
			info.ring_failed = ovb_ring_failed(&ch->tx) || ovb_ring_failed(&ch->rx);
		}
		fn(arg, &info);
	}
	pthread_mutex_unlock(&srv->lock);
}

void vmbus_server_free(struct vmbus_server *srv)
{
	if (!srv)
		return;
	VMBUS_ASSERT_CONTROL(srv);
	vmbus_faults_stop(srv);		/* their threads look at srv */
	pthread_mutex_lock(&srv->lock);
	server_disconnect(srv);
	for (uint32_t i = 1; i <= OVB_VMBUS_MAX_RELID; i++) {
		free(srv->chans[i]);
		srv->chans[i] = NULL;
	}
	pthread_mutex_unlock(&srv->lock);
	free(srv);
}
