// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer: the guest's VMBus stack (vmbus/connection.c, subchannel.c,
 * gpadl.c, channel.c, request.c and lib/ring.c, built against
 * tests/fuzz/guestshim) under a hostile host. The host is this file: it
 * answers the guest's requests (GPADL_CREATED, OPENCHANNEL_RESULT,
 * GPADL_TORNDOWN, UNLOAD_RESPONSE) right away, wrongly, late or never, as
 * the input's first byte says, and then plays a script: raw messages of
 * any length into the SynIC handler, well-formed offers and rescinds of a
 * few relids and instances (primaries and sub-channels), answers nobody
 * asked for, packets and garbage written into open channels' receive rings
 * followed by their event flag, and runs of the work queue and tasklets.
 * Like Hyper-V, the host holds a bounded number of GPADLs (beyond it, it
 * refuses new ones) and lets go of a channel's GPADLs when it rescinds it.
 * The bus is a fake whose driver opens every channel it is given and
 * drains it from its callback (at most a budget of packets per run).
 *
 * Checked: every SynIC message is acknowledged exactly once; no device
 * exists twice (relid or instance) or with an invalid relid, no relid is
 * a device's and a sub-channel's at once; a relid is
 * released only once its device or sub-channel is gone, and at most once
 * per rescind the host sent; every
 * received packet lies within the channel's receive buffer, transfer-page
 * ranges included; a callback never runs on a closed channel; at the end
 * (disconnect) every device is gone and every page the guest did not
 * leak on purpose is freed. ASan/LSan watch the rest.
 */
#include "tests/fuzz/guestshim/shim.h"

#include "lib/ring.c"
#include "vmbus/connection.c"
#include "vmbus/subchannel.c"
#include "vmbus/gpadl.c"
#include "vmbus/channel.c"
#include "vmbus/request.c"
#include "vmbus/version.c"

#include "tests/fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

#define MAX_DEVS	16
#define MAX_GPADLS	32	/* the host holds at most this many at once */
#define MAX_GPADL_IDS	128	/* ids it remembers: held, or let go by a rescind */
#define DRV_BUDGET	16

/* ---- the fake host ------------------------------------------------------- */
enum {
	HOST_GPADL_FAIL = 1 << 0,	/* GPADL_CREATED with an error status */
	HOST_GPADL_MUTE = 1 << 1,	/* no GPADL_CREATED at all */
	HOST_OPEN_FAIL = 1 << 2,
	HOST_OPEN_MUTE = 1 << 3,
	HOST_TEARDOWN_MUTE = 1 << 4,	/* the guest must leak the ring pages */
	HOST_WRONG_IDS = 1 << 5,	/* answers name another gpadl / relid */
	HOST_UNLOAD_MUTE = 1 << 6,
};

/*
 * @held: the host holds the pages (counts against MAX_GPADLS). A rescind
 * lets go of every GPADL of its relid, as Hyper-V does: Linux frees a
 * rescinded channel's GPADL pages without a teardown (channel.c
 * vmbus_teardown_gpadl, "so we don't leak memory"). The id is remembered,
 * so a teardown the guest still sends for it is answered (as ovb-host
 * does), until its record is the oldest let-go one and is reused.
 */
static struct gpadl {
	bool used, held, complete;
	u32 id, relid, npages, got;
	u64 pfn[64];
} gpadls[MAX_GPADL_IDS];

static unsigned int policy, msgs_in, msgs_done, gpadls_forgotten;
/* teardowns of GPADLs a rescind let go of (Linux sends none), closes */
static unsigned int late_teardowns, closes;
static unsigned int released[OVB_VMBUS_MAX_RELID + 1], rescinds[OVB_VMBUS_MAX_RELID + 1];
static bool in_handler;

/* The host rescinds @relid: it lets go of the channel's GPADLs. */
static void host_rescinded(u32 relid)
{
	rescinds[relid]++;
	for (unsigned int i = 0; i < MAX_GPADL_IDS; i++)
		if (gpadls[i].used && gpadls[i].relid == relid)
			gpadls[i].held = false;
}

/* Into the guest's SynIC handler; rescinds (of any shape) are counted. */
static void host_deliver(struct hv_message *m)
{
	struct vmbus_channel_rescind_offer r;

	memcpy(&r, m->payload, sizeof(r));
	if (m->header.payload_size >= sizeof(r) && m->header.payload_size <= 240 &&
	    r.header.msgtype == CHANNELMSG_RESCIND_CHANNELOFFER && r.child_relid <= OVB_VMBUS_MAX_RELID)
		host_rescinded(r.child_relid);
	msgs_in++;
	in_handler = true;
	ovb_vmbus_on_message(NULL, m);
	in_handler = false;
}

static void host_send(const void *payload, u32 len)
{
	struct hv_message *m = calloc(1, sizeof(*m));

	m->header.message_type = 1;
	m->header.payload_size = (u8)len;
	memcpy(m->payload, payload, len);
	host_deliver(m);
	free(m);
}

static struct gpadl *gpadl_find(u32 id)
{
	for (unsigned int i = 0; i < MAX_GPADL_IDS; i++)
		if (gpadls[i].used && gpadls[i].id == id)
			return &gpadls[i];
	return NULL;
}

/*
 * A record for a new GPADL: NULL when the host holds MAX_GPADLS already
 * (it refuses, as a host out of resources does). A free record, else
 * the oldest let-go one: a teardown of that id is then no longer
 * recognised (gpadls_forgotten).
 */
static struct gpadl *gpadl_new(void)
{
	struct gpadl *g = NULL, *old = NULL;
	unsigned int held = 0;

	for (unsigned int i = 0; i < MAX_GPADL_IDS; i++) {
		if (!gpadls[i].used)
			g = g ? g : &gpadls[i];
		else if (gpadls[i].held)
			held++;
		else if (!old || gpadls[i].id - old->id > 0x80000000u)
			old = &gpadls[i];
	}
	if (held >= MAX_GPADLS)
		return NULL;
	if (!g && old) {
		g = old;
		gpadls_forgotten++;
	}
	return g;
}

static void host_gpadl_done(struct gpadl *g)
{
	struct vmbus_channel_gpadl_created c = { .header.msgtype = CHANNELMSG_GPADL_CREATED };

	g->complete = true;
	if (policy & HOST_GPADL_MUTE)
		return;
	c.child_relid = g->relid;
	c.gpadl = g->id + !!(policy & HOST_WRONG_IDS);
	c.creation_status = !!(policy & HOST_GPADL_FAIL);
	if (c.creation_status)
		g->used = false;	/* refused: the host keeps nothing */
	host_send(&c, sizeof(c));
}

static bool relid_live(u32 relid);

/* What the guest posts: the host's side of each request. */
u16 ovb_hv_post_message(u32 conn_id, u32 msg_type, const void *payload, u32 len)
{
	struct vmbus_msg_header h;
	const u8 *p = payload;

	if (len < sizeof(h) || len > OVB_VMBUS_MAX_MSG_SIZE || msg_type != 1)
		abort();
	memcpy(&h, p, sizeof(h));
	switch (h.msgtype) {
	case CHANNELMSG_GPADL_HEADER: {
		struct vmbus_channel_gpadl_header gh;
		struct gpadl *g = NULL;
		u32 n;

		memcpy(&gh, p, sizeof(gh));
		if (gpadl_find(gh.gpadl))
			abort();	/* the guest reuses a GPADL id */
		g = gpadl_new();
		if (!g)
			return HV_STATUS_INSUFFICIENT_MEMORY;
		*g = (struct gpadl){ .used = true, .held = true, .id = gh.gpadl,
				     .relid = gh.child_relid };
		g->npages = (gh.range_buflen - sizeof(struct ovb_gpa_range)) / 8;
		if (g->npages > 64) {
			g->used = false;	/* refused: kept nowhere */
			return HV_STATUS_INVALID_PARAMETER;
		}
		n = (len - sizeof(gh) - sizeof(struct ovb_gpa_range)) / 8;
		memcpy(g->pfn, p + sizeof(gh) + sizeof(struct ovb_gpa_range), n * 8);
		g->got = n;
		if (g->got >= g->npages)
			host_gpadl_done(g);
		return 0;
	}
	case CHANNELMSG_GPADL_BODY: {
		struct vmbus_channel_gpadl_body b;
		struct gpadl *g;
		u32 n = (len - sizeof(b)) / 8;

		memcpy(&b, p, sizeof(b));
		g = gpadl_find(b.gpadl);
		if (!g || g->complete || g->got + n > g->npages)
			abort();
		memcpy(g->pfn + g->got, p + sizeof(b), n * 8);
		g->got += n;
		if (g->got >= g->npages)
			host_gpadl_done(g);
		return 0;
	}
	case CHANNELMSG_OPENCHANNEL: {
		struct vmbus_channel_open_channel o;
		struct vmbus_channel_open_result r = { .header.msgtype = CHANNELMSG_OPENCHANNEL_RESULT };

		memcpy(&o, p, sizeof(o));
		if (!gpadl_find(o.ringbuffer_gpadlhandle))
			abort();	/* opened with a GPADL it never made */
		if (policy & HOST_OPEN_MUTE)
			return 0;
		r.child_relid = o.child_relid + !!(policy & HOST_WRONG_IDS);
		r.openid = o.openid;
		r.status = !!(policy & HOST_OPEN_FAIL);
		host_send(&r, sizeof(r));
		return 0;
	}
	case CHANNELMSG_GPADL_TEARDOWN: {
		struct vmbus_channel_gpadl_teardown t;
		struct vmbus_channel_gpadl_torndown d = { .header.msgtype = CHANNELMSG_GPADL_TORNDOWN };
		struct gpadl *g;

		memcpy(&t, p, sizeof(t));
		g = gpadl_find(t.gpadl);
		if (!g && !gpadls_forgotten)
			abort();	/* a GPADL it never made, or tore down already */
		if (g && !g->held)
			late_teardowns++;
		if (g)
			g->used = false;
		if (policy & HOST_TEARDOWN_MUTE)
			return 0;
		d.gpadl = t.gpadl;
		host_send(&d, sizeof(d));
		return 0;
	}
	case CHANNELMSG_RELID_RELEASED: {
		struct vmbus_channel_relid_released r;

		memcpy(&r, p, sizeof(r));
		if (r.child_relid > OVB_VMBUS_MAX_RELID)
			abort();
		/* Released once per rescind at most, and only once it is gone. */
		if (++released[r.child_relid] > rescinds[r.child_relid] || relid_live(r.child_relid))
			abort();
		return 0;
	}
	case CHANNELMSG_UNLOAD: {
		struct vmbus_channel_empty u = { .header.msgtype = CHANNELMSG_UNLOAD_RESPONSE };

		if (!(policy & HOST_UNLOAD_MUTE))
			host_send(&u, sizeof(u));
		return 0;
	}
	case CHANNELMSG_CLOSECHANNEL:
		closes++;
		return 0;
	default:
		abort();	/* nothing else is the guest's to send here */
	}
}

u16 ovb_hv_signal_event(u32 conn_id) { return 0; }
int ovb_hv_register_handler(const struct ovb_hv_handler *h) { return 0; }
void ovb_hv_unregister_handler(void) { }
u32 ovb_hv_vp_index(unsigned int cpu) { return cpu; }
int ovb_hv_mode(void) { return 1; }

void ovb_hv_msg_done(struct hv_message *msg)
{
	if (!in_handler)
		abort();
	msgs_done++;
}

/* ---- the fake bus and its one driver ---------------------------------------- */
static struct ovb_vmbus_device *devs[MAX_DEVS];
static u32 send_pages, recv_pages;
static unsigned int added, removed;

static void drv_on_event(void *ctx)
{
	struct ovb_channel *ch = ctx;
	struct ovb_packet pkt;

	if (!ch->open)
		abort();
	for (int n = 0; n < DRV_BUDGET; n++) {
		int ret = ovb_channel_recv_pkt(ch, &pkt);
		const u8 *d = pkt.data;
		u32 sum = 0;

		if (ret == -EAGAIN || ret == -EIO)
			break;
		if (ret)
			continue;
		if (d < ch->rxbuf || pkt.len > ch->rxbuf_len || d + pkt.len > ch->rxbuf + ch->rxbuf_len)
			abort();
		for (u32 i = 0; i < pkt.len; i++)
			sum += d[i];	/* ASan: all of it is ours to read */
		if (pkt.type == OVB_VMPKT_DATA_USING_XFER_PAGES) {
			const u8 *r = (const u8 *)pkt.ranges;

			if (r < ch->rxbuf || r + (size_t)pkt.range_count * 8 > d)
				abort();	/* ranges end before the payload */
			for (u32 i = 0; i < pkt.range_count; i++)
				sum += pkt.ranges[i].byte_count;
		}
		(void)sum;
	}
}

static void drv_open(struct ovb_channel *ch)
{
	ovb_channel_open(ch, send_pages * PAGE_SIZE, recv_pages * PAGE_SIZE, drv_on_event, ch);
}

static void drv_sc_rescind(struct ovb_channel *sc)
{
	(void)sc;
}

static struct device_driver drv = { .name = "fuzz" };

struct ovb_vmbus_device *ovb_vmbus_device_add(struct device *parent,
					      const struct vmbus_channel_offer_channel *o)
{
	struct ovb_vmbus_device *d;
	unsigned int free_slot = MAX_DEVS;

	if (!o->child_relid || o->child_relid > OVB_VMBUS_MAX_RELID || o->offer.sub_channel_index ||
	    relid_live(o->child_relid))
		abort();	/* a relid a device or sub-channel has */
	for (unsigned int i = 0; i < MAX_DEVS; i++) {
		if (!devs[i]) {
			free_slot = i;
			continue;
		}
		if (devs[i]->relid == o->child_relid ||
		    !memcmp(&devs[i]->offer.offer.if_instance, &o->offer.if_instance, 16))
			abort();	/* a second device of one relid or instance */
	}
	if (free_slot == MAX_DEVS)
		return NULL;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return NULL;
	d->offer = *o;
	d->relid = o->child_relid;
	ovb_channel_init(&d->chan, d, o);
	d->dev.driver = &drv;
	ovb_channel_set_sc_create(&d->chan, drv_open);
	ovb_channel_set_sc_rescind(&d->chan, drv_sc_rescind);
	drv_open(&d->chan);		/* probe */
	devs[free_slot] = d;
	added++;
	return d;
}

void ovb_vmbus_device_remove(struct ovb_vmbus_device *d)
{
	unsigned int i;

	for (i = 0; i < MAX_DEVS && devs[i] != d; i++)
		;
	if (i == MAX_DEVS)
		abort();	/* not a live device */
	devs[i] = NULL;
	ovb_channel_sc_stop(&d->chan);
	ovb_channel_close(&d->chan);	/* the driver's remove */
	d->dev.driver = NULL;
	ovb_channel_free_subchannels(d);
	kfree(d);
	removed++;
}

int ovb_vmbus_bus_init(void) { return 0; }
void ovb_vmbus_bus_exit(void) { }

/* ---- the script -------------------------------------------------------------- */
static const struct ovb_guid instances[4] = {
	{ { 1 } }, { { 2 } }, { { 3 } }, { { 4, 4, 4, 4 } },
};

static void host_offer(struct fz *f, u8 op)
{
	struct vmbus_channel_offer_channel o = { .header.msgtype = CHANNELMSG_OFFERCHANNEL };
	u8 b = fz_u8(f);

	o.child_relid = (op & 0x80) ? fz_u32(f) : 1 + (b & 7);
	o.offer.if_instance = instances[(b >> 3) & 3];
	o.offer.sub_channel_index = (b >> 5) & 3;
	o.connection_id = 0x100 + o.child_relid;
	host_send(&o, sizeof(o));
}

static void host_rescind(struct fz *f, u8 op)
{
	struct vmbus_channel_rescind_offer r = { .header.msgtype = CHANNELMSG_RESCIND_CHANNELOFFER };

	r.child_relid = (op & 0x80) ? fz_u32(f) : 1 + (fz_u8(f) & 7);
	host_send(&r, sizeof(r));
}

/* Any bytes as a message, with any payload_size the slot claims. */
static void host_raw(struct fz *f)
{
	struct hv_message *m = calloc(1, sizeof(*m));
	u8 n = fz_u8(f);

	fz_take(f, m->payload, n < sizeof(m->payload) ? n : sizeof(m->payload));
	if (n >= 4 && !(n & 0x80))
		((u8 *)m->payload)[0] %= CHANNELMSG_COUNT + 1;	/* mostly a known type */
	m->header.message_type = 1;
	m->header.payload_size = n;
	host_deliver(m);
	free(m);
}

/* Does a device or sub-channel of @relid exist? */
static bool relid_live(u32 relid)
{
	for (unsigned int i = 0; i < MAX_DEVS; i++) {
		struct ovb_channel *sc;

		if (!devs[i])
			continue;
		if (devs[i]->relid == relid)
			return true;
		list_for_each_entry(sc, &devs[i]->chan.sc_list, sc_node)
			if (sc->relid == relid)
				return true;
	}
	return false;
}

/* The channel of @relid the guest has open, primary or sub-channel. */
static struct ovb_channel *open_channel(u32 relid)
{
	for (unsigned int i = 0; i < MAX_DEVS; i++) {
		struct ovb_channel *sc;

		if (!devs[i])
			continue;
		if (devs[i]->relid == relid)
			return devs[i]->chan.open ? &devs[i]->chan : NULL;
		list_for_each_entry(sc, &devs[i]->chan.sc_list, sc_node)
			if (sc->relid == relid)
				return sc->open ? sc : NULL;
	}
	return NULL;
}

/*
 * The host writes into a channel's receive ring through the GPADL pages
 * (mapped again, as the host would), then sets the channel's event flag.
 */
static void host_packets(struct fz *f)
{
	u32 relid = 1 + (fz_u8(f) & 7), npkts = fz_u8(f) & 15;
	struct ovb_channel *ch = open_channel(relid);
	struct page *pages[2 * 64];
	struct ovb_ring tx;
	struct gpadl *g;
	unsigned long flags[(OVB_VMBUS_MAX_RELID + 1) / BITS_PER_LONG] = { 0 };
	u8 *map;
	u32 n;

	if (!ch || !(g = gpadl_find(ch->gpadl)))
		return;
	n = g->npages - ch->send_pages;		/* the receive ring, control page first */
	for (u32 i = 0; i < n; i++)
		pages[i] = shim_pfn_to_page(g->pfn[ch->send_pages + i]);
	for (u32 i = 1; i < n; i++)
		pages[n + i - 1] = pages[i];
	for (u32 i = 0; i < 2 * n - 1; i++)
		if (!pages[i])
			abort();	/* the GPADL named pages the guest does not have */
	map = vmap(pages, 2 * n - 1, VM_MAP, PAGE_KERNEL);
	if (!map)
		return;
	/* Continue where the ring is; the host's own index is the shared one. */
	if (!ovb_ring_tx_init(&tx, (void *)map, map + PAGE_SIZE, (n - 1) * PAGE_SIZE,
			      OVB_RING_F_DOUBLE_MAPPED)) {
		for (u32 k = 0; k < npkts; k++) {
			u8 buf[512];
			u8 how = fz_u8(f);
			u16 len = fz_u16(f) % sizeof(buf);

			fz_take(f, buf, len);
			if ((how & 3) == 3) {	/* framed: any offset8, mostly transfer pages */
				u8 pkt[16 + sizeof(buf) + 8] = { 0 };
				struct ovb_vmpacket_desc d = {
					.type = (how & 4) ? how >> 3 : OVB_VMPKT_DATA_USING_XFER_PAGES,
					.len8 = (u16)((16 + len + 7) / 8), .trans_id = k,
				};
				struct ovb_ring_buf rb = { pkt, d.len8 * 8u };

				d.offset8 = (u16)(2 + fz_u8(f) % (d.len8 - 1));
				memcpy(pkt, &d, sizeof(d));
				memcpy(pkt + 16, buf, len);
				ovb_ring_tx_write(&tx, &rb, 1, NULL);
			} else if (how & 1) {	/* in-band with any type and flags */
				ovb_ring_tx_inband(&tx, how >> 1, (u16)(how & 0x80), k, buf,
						   len, NULL);
			} else		/* raw bytes at the write index, index moved */
				memcpy(tx.data + tx.own_index, buf,
				       min_t(u32, len, tx.size - tx.own_index));
			if (how & 0x40)
				((struct ovb_ring_ctl *)(void *)map)->write_index = fz_u32(f);
		}
	}
	vunmap(map);
	flags[relid / BITS_PER_LONG] |= 1ul << (relid % BITS_PER_LONG);
	ovb_channel_on_events(NULL, flags, OVB_VMBUS_MAX_RELID + 1);
}

static void reset(void)
{
	memset(&vb, 0, sizeof(vb));
	mutex_init(&vb.lock);
	mutex_init(&vb.unload_lock);
	INIT_LIST_HEAD(&vb.devices);
	init_completion(&vb.version_done);
	init_completion(&vb.offers_done);
	init_completion(&vb.unload_done);
	vb.wq = alloc_ordered_workqueue("ovb_vmbus", 0);
	vb.connected = true;
	vb.version = OVB_VMBUS_VERSION_WIN10_V5_3;
	vb.msg_conn_id = OVB_VMBUS_MESSAGE_CONNECTION_ID_4;
	memset(gpadls, 0, sizeof(gpadls));
	gpadls_forgotten = late_teardowns = closes = 0;
	memset(devs, 0, sizeof(devs));
	memset(released, 0, sizeof(released));
	memset(rescinds, 0, sizeof(rescinds));
	msgs_in = msgs_done = added = removed = 0;
	INIT_LIST_HEAD(&ovb_host_reqs);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct fz f = { in, size };
	u8 cfg = fz_u8(&f), sizes = fz_u8(&f);
	unsigned int leaked;

	reset();
	policy = (cfg & 0x80) ? cfg : 0;
	send_pages = 2 + (sizes & 3);
	recv_pages = 2 + ((sizes >> 2) & 3);
	for (int step = 0; step < 128 && f.left; step++) {
		u8 op = fz_u8(&f);

		switch (op & 7) {
		case 0:
		case 1:
			host_offer(&f, op);
			break;
		case 2: {
			/* A rescind of a live device must be released exactly once. */
			host_rescind(&f, op);
			break;
		}
		case 3:
			host_raw(&f);
			break;
		case 4:
			host_packets(&f);
			break;
		case 5:
			shim_run_tasklets(1 + (op >> 3));
			break;
		default:
			shim_run_work();
			break;
		}
		if (msgs_done != msgs_in)
			abort();	/* every SynIC message acknowledged, once */
	}
	shim_run_work();
	shim_run_tasklets(64);
	ovb_vmbus_disconnect();
	shim_run_tasklets(64);
	if (msgs_done != msgs_in || !list_empty(&vb.devices) || added != removed)
		abort();
	for (unsigned int i = 0; i < MAX_DEVS; i++)
		if (devs[i])
			abort();
	leaked = shim_free_pages();
	if (leaked && !(policy & (HOST_TEARDOWN_MUTE | HOST_GPADL_MUTE | HOST_OPEN_MUTE |
				  HOST_WRONG_IDS | HOST_OPEN_FAIL)))
		abort();	/* pages left although the host let go of every GPADL */
	return 0;
}
