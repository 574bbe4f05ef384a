// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The VMBus server and the IC VSPs, driven in-process by the fake guest:
 * every handshake version, offers, GPADLs of 1..1000 pages, open/close,
 * rescind and release, unload, heartbeat and shutdown over real rings,
 * and malformed input answered with errors while the server keeps going;
 * the VSP API netvsc and the framebuffer need: GPADLs by id, transfer-page
 * packets and their completions, guest ranges in RAM or the MMIO window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <cmocka.h>

#include "tests/unit/channel_info.h"
#include "tests/unit/fakeguest.h"
#include "ovb/guids.h"
#include "ovb/ic_proto.h"
#include "hostside/vmbus/server.h"
#include "hostside/vmbus/vsp.h"
#include "hostside/icvsp/icvsp.h"
#include "lib/ic_negotiate.h"
#include "lib/vmbus_version.h"

int log_verbose;

static_assert(sizeof(struct fg_ops) == sizeof(struct vmbus_server_ops), "ops layout");

struct env {
	struct fakeguest *fg;
	struct vmbus_server *srv;
	struct vmbus_device *hb, *sd;
};

static void send(struct env *e, const void *msg, uint32_t len)
{
	vmbus_server_handle_msg(e->srv, 0, msg, len);
}

static struct env *env_new(void)
{
	struct env *e = calloc(1, sizeof(*e));

	e->fg = fg_new();
	assert_non_null(e->fg);
	e->srv = vmbus_server_new((const struct vmbus_server_ops *)&fg_ops, e->fg, 2);
	e->hb = icvsp_heartbeat_new();
	e->sd = icvsp_shutdown_new();
	assert_int_equal(vmbus_server_add_device(e->srv, e->hb), 0);
	assert_int_equal(vmbus_server_add_device(e->srv, e->sd), 0);
	return e;
}

static void env_free(struct env *e)
{
	vmbus_server_free(e->srv);
	icvsp_free(e->hb);
	icvsp_free(e->sd);
	fg_free(e->fg);
	free(e);
}

static const struct vmbus_channel_version_response *contact(struct env *e, uint32_t version)
{
	struct vmbus_channel_initiate_contact c = { .header.msgtype = CHANNELMSG_INITIATE_CONTACT };
	const struct fg_posted *p;

	c.vmbus_version_requested = version;
	c.target_vcpu = 0;
	if (version >= OVB_VMBUS_VERSION_WIN10_V5)
		c.u.v5.msg_sint = OVB_VMBUS_MESSAGE_SINT;
	send(e, &c, sizeof(c));
	p = fg_expect(e->fg, CHANNELMSG_VERSION_RESPONSE);
	assert_non_null(p);
	assert_int_equal(p->len, sizeof(struct vmbus_channel_version_response));
	return (const void *)p->data;
}

static void connect_and_offer(struct env *e, uint32_t version, uint32_t *relids)
{
	struct vmbus_channel_empty req = { .header.msgtype = CHANNELMSG_REQUESTOFFERS };
	const struct fg_posted *p;
	unsigned int n = 0;

	assert_int_equal(contact(e, version)->version_supported, 1);
	send(e, &req, sizeof(req));
	while ((p = fg_next(e->fg))) {
		struct vmbus_channel_offer_channel o;

		memcpy(&o, p->data, sizeof(o.header));
		if (o.header.msgtype == CHANNELMSG_ALLOFFERS_DELIVERED)
			break;
		assert_int_equal(o.header.msgtype, CHANNELMSG_OFFERCHANNEL);
		assert_int_equal(p->len, sizeof(o));
		memcpy(&o, p->data, sizeof(o));
		relids[n++] = o.child_relid;
		assert_int_equal(o.connection_id & 0xff000000, 0);
	}
	assert_non_null(p);
	assert_int_equal(n, 2);
}

/* Every version from 2.4 to 5.3 is accepted; others are refused. */
static void test_versions(void **state)
{
	static const uint32_t ok[] = { 0x20004, 0x30000, 0x40000, 0x40001,
				       0x50000, 0x50001, 0x50002, 0x50003 };
	static const uint32_t bad[] = { 0x0000d, 0x10001, 0x50004, 0x60000, 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct env *e = env_new();
		const struct vmbus_channel_version_response *r = contact(e, ok[i]);

		assert_int_equal(r->version_supported, 1);
		/* 5.x: the guest must switch to the message connection id we name. */
		assert_int_equal(r->msg_conn_id,
				 ok[i] >= 0x50000 ? OVB_VMBUS_MESSAGE_CONNECTION_ID_4 : 0);
		assert_int_equal(vmbus_server_version(e->srv), ok[i]);
		env_free(e);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct env *e = env_new();

		assert_int_equal(contact(e, bad[i])->version_supported, 0);
		assert_int_equal(vmbus_server_version(e->srv), 0);
		/* ... and the guest falls back: the next older one works. */
		assert_int_equal(contact(e, 0x50003)->version_supported, 1);
		env_free(e);
	}
}

static void test_offers_and_guids(void **state)
{
	struct env *e = env_new();
	struct vmbus_channel_empty req = { .header.msgtype = CHANNELMSG_REQUESTOFFERS };
	static const struct ovb_guid hb = OVB_GUID_HEARTBEAT, sd = OVB_GUID_SHUTDOWN;
	const struct fg_posted *p;
	struct vmbus_channel_offer_channel o1, o2;

	(void)state;
	/* Before contact, requests are dropped. */
	send(e, &req, sizeof(req));
	assert_null(fg_next(e->fg));
	contact(e, 0x50003);
	send(e, &req, sizeof(req));
	p = fg_expect(e->fg, CHANNELMSG_OFFERCHANNEL);
	memcpy(&o1, p->data, sizeof(o1));
	p = fg_expect(e->fg, CHANNELMSG_OFFERCHANNEL);
	memcpy(&o2, p->data, sizeof(o2));
	assert_memory_equal(&o1.offer.if_type, &hb, 16);
	assert_memory_equal(&o2.offer.if_type, &sd, 16);
	assert_int_not_equal(o1.child_relid, o2.child_relid);
	assert_int_not_equal(o1.connection_id, o2.connection_id);
	assert_non_null(fg_expect(e->fg, CHANNELMSG_ALLOFFERS_DELIVERED));
	env_free(e);
}

static uint32_t gpadl_create(struct env *e, uint32_t relid, uint32_t id, uint64_t pfn0,
			     uint32_t npages)
{
	static uint8_t msgs[64][OVB_VMBUS_MAX_MSG_SIZE];
	uint32_t lens[64];
	unsigned int n = fg_gpadl_msgs(relid, id, pfn0, npages, msgs, lens, 64);
	const struct fg_posted *p;
	struct vmbus_channel_gpadl_created c;

	for (unsigned int i = 0; i < n; i++)
		send(e, msgs[i], lens[i]);
	/* (--fault bad-relid puts a stray answer for another GPADL first) */
	do {
		p = fg_expect(e->fg, CHANNELMSG_GPADL_CREATED);
		assert_non_null(p);
		memcpy(&c, p->data, sizeof(c));
	} while (c.gpadl != id);
	return c.creation_status;
}

/*
 * GPADL headers that promise many pages cost host memory before any body
 * comes: all GPADLs together describe at most guest RAM.
 */
static void test_gpadl_pages_bounded_by_ram(void **state)
{
	static uint8_t msgs[8][OVB_VMBUS_MAX_MSG_SIZE];
	struct vmbus_channel_gpadl_teardown t = { .header.msgtype = CHANNELMSG_GPADL_TEARDOWN };
	struct env *e = env_new();
	uint32_t relids[2], lens[8];
	uint64_t pfn;

	(void)state;
	vmbus_server_set_guest_pages(e->srv, 100);
	connect_and_offer(e, 0x50003, relids);
	pfn = fg_alloc_pages(e->fg, 64);
	/* A header of 64 pages and no bodies: held, waiting for them. */
	fg_gpadl_msgs(relids[0], 50, pfn, 64, msgs, lens, 8);
	send(e, msgs[0], lens[0]);
	assert_null(fg_next(e->fg));
	assert_int_equal(vmbus_server_gpadl_count(e->srv), 1);
	/* Another 64: more than guest RAM in GPADLs, refused. */
	assert_int_not_equal(gpadl_create(e, relids[0], 51, pfn, 64), 0);
	assert_int_equal(vmbus_server_gpadl_count(e->srv), 1);
	/* Once the first goes, it fits. */
	t.child_relid = relids[0];
	t.gpadl = 50;
	send(e, &t, sizeof(t));
	assert_non_null(fg_expect(e->fg, CHANNELMSG_GPADL_TORNDOWN));
	assert_int_equal(gpadl_create(e, relids[0], 51, pfn, 64), 0);
	env_free(e);
}

static void test_gpadl_sizes(void **state)
{
	struct env *e = env_new();
	uint32_t relids[2];
	static const uint32_t sizes[] = { 1, 2, 25, 26, 27, 54, 55, 100, 513, 1000 };

	(void)state;
	connect_and_offer(e, 0x50003, relids);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t pfn = fg_alloc_pages(e->fg, sizes[i]);
		struct vmbus_channel_gpadl_teardown t = {
			.header.msgtype = CHANNELMSG_GPADL_TEARDOWN, .child_relid = relids[0],
			.gpadl = 100 + (uint32_t)i };

		assert_int_equal(gpadl_create(e, relids[0], 100 + (uint32_t)i, pfn, sizes[i]), 0);
		assert_int_equal(vmbus_server_gpadl_count(e->srv), 1);
		send(e, &t, sizeof(t));
		assert_non_null(fg_expect(e->fg, CHANNELMSG_GPADL_TORNDOWN));
		assert_int_equal(vmbus_server_gpadl_count(e->srv), 0);
	}
	env_free(e);
}

static void test_gpadl_malformed(void **state)
{
	struct env *e = env_new();
	uint32_t relids[2];
	struct vmbus_channel_gpadl_header h = { .header.msgtype = CHANNELMSG_GPADL_HEADER };
	struct vmbus_channel_gpadl_body b = { .header.msgtype = CHANNELMSG_GPADL_BODY };
	uint8_t msg[OVB_VMBUS_MAX_MSG_SIZE] = { 0 };
	struct ovb_gpa_range r = { .byte_count = 4096 };
	uint64_t pfn;

	(void)state;
	connect_and_offer(e, 0x50003, relids);
	/* PFN outside guest RAM */
	assert_int_not_equal(gpadl_create(e, relids[0], 1, FG_RAM_PAGES + 5, 1), 0);
	/* Body for an unknown GPADL: dropped, nothing posted. */
	b.gpadl = 77;
	memcpy(msg, &b, sizeof(b));
	send(e, msg, sizeof(b) + 8);
	assert_null(fg_next(e->fg));
	/* range_buflen disagreeing with the byte count */
	h.child_relid = relids[0];
	h.gpadl = 2;
	h.rangecount = 1;
	h.range_buflen = 8 + 2 * 8;
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), &r, sizeof(r));
	send(e, msg, sizeof(h) + sizeof(r) + 8);
	assert_int_not_equal(((struct vmbus_channel_gpadl_created *)
			      fg_expect(e->fg, CHANNELMSG_GPADL_CREATED)->data)->creation_status, 0);
	/* Two ranges: refused. */
	h.rangecount = 2;
	memcpy(msg, &h, sizeof(h));
	send(e, msg, sizeof(h) + sizeof(r) + 8);
	assert_non_null(fg_expect(e->fg, CHANNELMSG_GPADL_CREATED));
	/* Unknown channel */
	pfn = fg_alloc_pages(e->fg, 1);
	assert_int_not_equal(gpadl_create(e, 999, 3, pfn, 1), 0);
	/* Duplicate id */
	assert_int_equal(gpadl_create(e, relids[0], 4, pfn, 1), 0);
	assert_int_not_equal(gpadl_create(e, relids[0], 4, pfn, 1), 0);
	/* Too many PFNs in a body */
	{
		static uint8_t msgs[64][OVB_VMBUS_MAX_MSG_SIZE];
		uint32_t lens[64];
		unsigned int n = fg_gpadl_msgs(relids[0], 5, pfn, 30, msgs, lens, 64);

		assert_int_equal(n, 2);
		send(e, msgs[0], lens[0]);
		lens[1] += 8;	/* one PFN more than announced */
		send(e, msgs[1], lens[1]);
		assert_int_not_equal(((struct vmbus_channel_gpadl_created *)
				      fg_expect(e->fg, CHANNELMSG_GPADL_CREATED)->data)->creation_status, 0);
	}
	assert_int_equal(vmbus_server_gpadl_count(e->srv), 1);
	env_free(e);
}

static void test_malformed_messages(void **state)
{
	struct env *e = env_new();
	uint8_t msg[300] = { 0 };
	struct vmbus_msg_header h = { 0 };
	uint32_t relids[2];

	(void)state;
	connect_and_offer(e, 0x50003, relids);
	/* Short, empty, oversized, unknown type, host-to-guest type. */
	send(e, msg, 0);
	send(e, msg, 4);
	h.msgtype = 200;
	memcpy(msg, &h, sizeof(h));
	send(e, msg, 16);
	send(e, msg, 300);
	h.msgtype = CHANNELMSG_OFFERCHANNEL;
	memcpy(msg, &h, sizeof(h));
	send(e, msg, 196);
	h.msgtype = CHANNELMSG_OPENCHANNEL;	/* shorter than an open */
	memcpy(msg, &h, sizeof(h));
	send(e, msg, 20);
	assert_null(fg_next(e->fg));
	/* Open of an unknown channel: answered with a failure. */
	{
		struct vmbus_channel_open_channel o = { .header.msgtype = CHANNELMSG_OPENCHANNEL,
							.child_relid = 1234, .openid = 9 };
		struct vmbus_channel_open_result r;

		send(e, &o, sizeof(o));
		memcpy(&r, fg_expect(e->fg, CHANNELMSG_OPENCHANNEL_RESULT)->data, sizeof(r));
		assert_int_equal(r.child_relid, 1234);
		assert_int_not_equal(r.status, 0);
	}
	/* Close / release of channels in the wrong state: dropped. */
	{
		struct vmbus_channel_close_channel c = { .header.msgtype = CHANNELMSG_CLOSECHANNEL,
							 .child_relid = relids[0] };
		struct vmbus_channel_relid_released rr = {
			.header.msgtype = CHANNELMSG_RELID_RELEASED, .child_relid = relids[0] };

		send(e, &c, sizeof(c));
		send(e, &rr, sizeof(rr));
		assert_null(fg_next(e->fg));
	}
	/* Still alive: a new contact works. */
	assert_int_equal(contact(e, 0x50002)->version_supported, 1);
	env_free(e);
}

/* Open a channel with a ring GPADL of 2 x @ring_pages pages. */
static uint32_t open_channel(struct env *e, uint32_t relid, uint32_t gpadl, uint32_t ring_pages,
			     uint32_t off_pages, uint64_t *pfn0)
{
	struct vmbus_channel_open_channel o = { .header.msgtype = CHANNELMSG_OPENCHANNEL };
	struct vmbus_channel_open_result r;
	const struct fg_posted *p;

	*pfn0 = fg_alloc_pages(e->fg, 2 * ring_pages);
	assert_int_equal(gpadl_create(e, relid, gpadl, *pfn0, 2 * ring_pages), 0);
	o.child_relid = relid;
	o.openid = relid;
	o.ringbuffer_gpadlhandle = gpadl;
	o.downstream_ringbuffer_pageoffset = off_pages;
	send(e, &o, sizeof(o));
	/* (--fault bad-relid puts a stray answer for another relid first) */
	do {
		p = fg_expect(e->fg, CHANNELMSG_OPENCHANNEL_RESULT);
		assert_non_null(p);
		memcpy(&r, p->data, sizeof(r));
	} while (r.child_relid != relid && r.child_relid == OVB_VMBUS_MAX_RELID);
	assert_int_equal(r.child_relid, relid);
	return r.status;
}

/* Ask to open @relid on ring GPADL @gpadl by hand; the answer's status. */
static uint32_t open_status(struct env *e, uint32_t relid, uint32_t gpadl, uint32_t off_pages)
{
	struct vmbus_channel_open_channel o = { .header.msgtype = CHANNELMSG_OPENCHANNEL,
		.child_relid = relid, .openid = relid, .ringbuffer_gpadlhandle = gpadl,
		.downstream_ringbuffer_pageoffset = off_pages };
	struct vmbus_channel_open_result r;

	send(e, &o, sizeof(o));
	memcpy(&r, fg_expect(e->fg, CHANNELMSG_OPENCHANNEL_RESULT)->data, sizeof(r));
	return r.status;
}

static void test_open_ring_too_small(void **state)
{
	struct env *e = env_new();
	uint32_t relids[2];
	uint64_t pfn;

	(void)state;
	connect_and_offer(e, 0x50003, relids);
	/* Offset leaves no data page for the host's ring. */
	assert_int_not_equal(open_channel(e, relids[0], 1, 1, 1, &pfn), 0);
	/* Offset past the GPADL. */
	assert_int_not_equal(open_channel(e, relids[0], 2, 4, 9, &pfn), 0);
	/* Unknown GPADL handle. */
	assert_int_not_equal(open_status(e, relids[0], 555, 2), 0);
	assert_int_equal(e->fg->mapped_rings, 0);
	env_free(e);
}

/* The guest side of an IC channel: read host packets, answer them. */
static void test_heartbeat_and_shutdown(void **state)
{
	struct env *e = env_new();
	struct fg_chan hb, sd;
	uint32_t relids[2];
	uint8_t buf[4096];
	uint64_t pfn, tid;
	uint32_t len;
	struct icvsp_status st;

	(void)state;
	connect_and_offer(e, 0x50003, relids);
	assert_int_equal(open_channel(e, relids[0], 10, 4, 4, &pfn), 0);
	assert_int_equal(fg_chan_init(e->fg, &hb, pfn, 4, 0x10000 + relids[0]), 0);

	/* Negotiation, then heartbeats at 1 s: answer three of them. */
	len = fg_chan_recv(&hb, buf, sizeof(buf), &tid, 3000);
	assert_true(len > 0);
	assert_int_equal(fg_ic_answer(&hb, buf, len, tid, 0), 0);
	for (int i = 0; i < 3; i++) {
		len = fg_chan_recv(&hb, buf, sizeof(buf), &tid, 3000);
		assert_true(len > 0);
		assert_int_equal(fg_ic_answer(&hb, buf, len, tid, 0), 0);
	}
	usleep(100000);
	icvsp_get_status(e->hb, &st);
	assert_true(st.negotiated);
	assert_int_equal(st.srv_version, IC_HEARTBEAT_VERSION_3);
	assert_int_equal(st.answered, 3);
	assert_int_equal(st.last_seq, 4);
	assert_true(e->fg->signals > 0);

	/* Shutdown: not ready before it is open and negotiated. */
	assert_int_equal(icvsp_shutdown_request(e->sd, false), -1);
	assert_int_equal(open_channel(e, relids[1], 11, 4, 4, &pfn), 0);
	assert_int_equal(fg_chan_init(e->fg, &sd, pfn, 4, 0x10000 + relids[1]), 0);
	len = fg_chan_recv(&sd, buf, sizeof(buf), &tid, 3000);
	assert_true(len > 0);
	assert_int_equal(fg_ic_answer(&sd, buf, len, tid, 0), 0);
	for (int i = 0; i < 100 && icvsp_shutdown_request(e->sd, false); i++)
		usleep(10000);
	len = fg_chan_recv(&sd, buf, sizeof(buf), &tid, 3000);
	assert_true(len > 0);
	{
		uint32_t off = ((struct ovb_vmpacket_desc *)buf)->offset8 * 8;
		struct icmsg_hdr *h = (void *)(buf + off + sizeof(struct vmbuspipe_hdr));
		struct ic_shutdown_msg *m = (void *)(buf + off + ICMSG_HDR_SIZE);

		assert_int_equal(h->icmsgtype, ICMSGTYPE_SHUTDOWN);
		assert_int_equal(h->icvermsg.major, 3);
		assert_int_equal(h->icvermsg.minor, 2);
		assert_int_equal(m->flags & IC_SHUTDOWN_FLAG_RESTART, 0);
		assert_true(len - off >= ICMSG_HDR_SIZE + sizeof(*m));
	}
	assert_int_equal(fg_ic_answer(&sd, buf, len, tid, 0), 0);
	usleep(100000);
	icvsp_get_status(e->sd, &st);
	assert_int_equal(st.answered, 1);
	assert_int_equal(st.last_status, IC_STATUS_OK);

	/* Close both: workers stop, rings unmapped. */
	for (int i = 0; i < 2; i++) {
		struct vmbus_channel_close_channel c = { .header.msgtype = CHANNELMSG_CLOSECHANNEL,
							 .child_relid = relids[i] };
		send(e, &c, sizeof(c));
	}
	assert_int_equal(e->fg->mapped_rings, 0);
	icvsp_get_status(e->hb, &st);
	assert_false(st.open);
	env_free(e);
}

static struct vmbus_channel_info channel_info(struct env *e, uint32_t relid)
{
	return channel_info_of(e->srv, relid);
}

/* A guest that writes garbage into its ring fails that channel only. */
static void test_corrupt_ring_fails_channel(void **state)
{
	struct env *e = env_new();
	struct fg_chan hb;
	uint32_t relids[2];
	uint64_t pfn, one = 1;

	(void)state;
	connect_and_offer(e, 0x50003, relids);
	assert_int_equal(open_channel(e, relids[0], 10, 4, 4, &pfn), 0);
	assert_int_equal(fg_chan_init(e->fg, &hb, pfn, 4, 0x10000 + relids[0]), 0);
	/* write_index past the end of the ring */
	((struct ovb_ring_ctl *)fg_page(e->fg, pfn))->write_index = 0x7ffffff8;
	assert_int_equal(write(hb.fd, &one, sizeof(one)), sizeof(one));
	/* The channel is failed (ovbctl channels says so) ... */
	for (int i = 0; i < 2000 && !channel_info(e, relids[0]).ring_failed; i++)
		usleep(1000);
	assert_true(channel_info(e, relids[0]).ring_failed);
	assert_false(channel_info(e, relids[1]).ring_failed);
	/*
	 * ... and its worker sleeps: a guest that keeps signalling costs a
	 * wake-up per signal, not a poll() that returns at once forever.
	 */
	{
		uint64_t before = channel_info(e, relids[0]).worker_wakeups;

		for (int i = 0; i < 20; i++) {
			assert_int_equal(write(hb.fd, &one, sizeof(one)), sizeof(one));
			usleep(10000);
		}
		usleep(100000);
		assert_true(channel_info(e, relids[0]).worker_wakeups - before <= 21);
	}
	/* The server still works: close and a new contact. */
	{
		struct vmbus_channel_close_channel c = { .header.msgtype = CHANNELMSG_CLOSECHANNEL,
							 .child_relid = relids[0] };
		send(e, &c, sizeof(c));
	}
	assert_int_equal(e->fg->mapped_rings, 0);
	assert_int_equal(contact(e, 0x50003)->version_supported, 1);
	env_free(e);
}

static void test_rescind_release_and_unload(void **state)
{
	struct env *e = env_new();
	uint32_t relids[2];
	uint64_t pfn;
	struct vmbus_channel_rescind_offer r;
	struct vmbus_channel_relid_released rel = { .header.msgtype = CHANNELMSG_RELID_RELEASED };
	struct vmbus_channel_empty unload = { .header.msgtype = CHANNELMSG_UNLOAD };
	struct vmbus_channel_empty req = { .header.msgtype = CHANNELMSG_REQUESTOFFERS };

	(void)state;
	connect_and_offer(e, 0x50003, relids);
	assert_int_equal(open_channel(e, relids[0], 10, 4, 4, &pfn), 0);
	/* Hot-remove the heartbeat device while open: closed and rescinded. */
	vmbus_server_remove_device(e->srv, e->hb);
	memcpy(&r, fg_expect(e->fg, CHANNELMSG_RESCIND_CHANNELOFFER)->data, sizeof(r));
	assert_int_equal(r.child_relid, relids[0]);
	assert_int_equal(e->fg->mapped_rings, 0);
	rel.child_relid = relids[0];
	send(e, &rel, sizeof(rel));
	/* Hot-add it back: offered at once, under a fresh or reused relid. */
	assert_int_equal(vmbus_server_add_device(e->srv, e->hb), 0);
	assert_non_null(fg_expect(e->fg, CHANNELMSG_OFFERCHANNEL));
	/* Unload: everything goes, a response comes. */
	send(e, &unload, sizeof(unload));
	assert_non_null(fg_expect(e->fg, CHANNELMSG_UNLOAD_RESPONSE));
	assert_int_equal(vmbus_server_version(e->srv), 0);
	assert_int_equal(vmbus_server_gpadl_count(e->srv), 0);
	/* Reconnect (kexec'd kernel): both devices offered again. */
	connect_and_offer(e, 0x50003, relids);
	(void)req;
	env_free(e);
}

/*
 * Linux sends no GPADL_TEARDOWN for a rescinded channel's GPADLs (it
 * closes the channel, frees the pages and releases the relid): the
 * release drops them all, a late teardown is answered TORNDOWN, and the
 * ids can be made again.
 */
static void test_release_drops_rescinded_gpadls(void **state)
{
	struct env *e = env_new();
	uint32_t relids[2];
	uint64_t pfn, extra;
	struct vmbus_channel_close_channel c = { .header.msgtype = CHANNELMSG_CLOSECHANNEL };
	struct vmbus_channel_relid_released rel = { .header.msgtype = CHANNELMSG_RELID_RELEASED };
	struct vmbus_channel_gpadl_teardown t = { .header.msgtype = CHANNELMSG_GPADL_TEARDOWN };
	struct vmbus_channel_gpadl_torndown td;
	struct vmbus_channel_offer_channel o;

	(void)state;
	connect_and_offer(e, 0x50003, relids);
	/* The other device's GPADL is the baseline that stays. */
	extra = fg_alloc_pages(e->fg, 4);
	assert_int_equal(gpadl_create(e, relids[1], 20, extra, 1), 0);
	assert_int_equal(open_channel(e, relids[0], 10, 4, 4, &pfn), 0);
	assert_int_equal(gpadl_create(e, relids[0], 11, extra + 1, 1), 0);
	assert_int_equal(gpadl_create(e, relids[0], 12, extra + 2, 2), 0);
	assert_int_equal(vmbus_server_gpadl_count(e->srv), 4);
	vmbus_server_remove_device(e->srv, e->hb);
	assert_non_null(fg_expect(e->fg, CHANNELMSG_RESCIND_CHANNELOFFER));
	/* What hv_process_channel_removal() does: close, no teardowns, release. */
	c.child_relid = relids[0];
	send(e, &c, sizeof(c));
	rel.child_relid = relids[0];
	send(e, &rel, sizeof(rel));
	assert_null(fg_next(e->fg));
	assert_int_equal(vmbus_server_gpadl_count(e->srv), 1);
	/* A guest that still tears one down is told it is gone. */
	t.child_relid = relids[0];
	t.gpadl = 11;
	send(e, &t, sizeof(t));
	memcpy(&td, fg_expect(e->fg, CHANNELMSG_GPADL_TORNDOWN)->data, sizeof(td));
	assert_int_equal(td.gpadl, 11);
	assert_int_equal(vmbus_server_gpadl_count(e->srv), 1);
	/* Hot-added back: the ids are free again. */
	assert_int_equal(vmbus_server_add_device(e->srv, e->hb), 0);
	memcpy(&o, fg_expect(e->fg, CHANNELMSG_OFFERCHANNEL)->data, sizeof(o));
	assert_int_equal(open_channel(e, o.child_relid, 10, 4, 4, &pfn), 0);
	assert_int_equal(gpadl_create(e, o.child_relid, 12, extra + 2, 2), 0);
	env_free(e);
}

/* A VSP that records its opens, to drive sub-channels. */
static struct vmbus_channel *opened[8];
static unsigned int nopened;

static int rec_open(struct vmbus_channel *ch)
{
	opened[nopened++] = ch;
	return 0;
}

static void rec_close(struct vmbus_channel *ch)
{
	(void)ch;
}

static unsigned int resets, rescinds_seen;

static void rec_reset(struct vmbus_device *dev)
{
	(void)dev;
	resets++;
}

static void rec_rescind(struct vmbus_device *dev)
{
	(void)dev;
	rescinds_seen++;
}

static const struct vsp_ops rec_ops = { .open = rec_open, .close = rec_close,
					.reset = rec_reset, .rescind = rec_rescind };

static void test_subchannels(void **state)
{
	struct env *e = env_new();
	struct vmbus_device dev = { .name = "rec", .class_id = OVB_GUID_SCSI, .ops = &rec_ops,
				    .max_subchannels = 2 };
	struct vmbus_channel_empty req = { .header.msgtype = CHANNELMSG_REQUESTOFFERS };
	struct vmbus_channel_offer_channel o;
	uint32_t relid, subrelid[2];
	uint64_t pfn;
	unsigned int rescinds = 0;
	const struct fg_posted *p;

	(void)state;
	nopened = 0;
	dev.instance_id.b[0] = 7;
	assert_int_equal(vmbus_server_add_device(e->srv, &dev), 0);
	contact(e, 0x50003);
	send(e, &req, sizeof(req));
	for (int i = 0; i < 3; i++) {
		memcpy(&o, fg_expect(e->fg, CHANNELMSG_OFFERCHANNEL)->data, sizeof(o));
		relid = o.child_relid;
	}
	assert_int_equal(o.offer.if_type.b[0], dev.class_id.b[0]);
	assert_int_equal(open_channel(e, relid, 20, 4, 4, &pfn), 0);
	assert_int_equal(nopened, 1);
	assert_int_equal(vmbus_channel_subchannel_index(opened[0]), 0);

	/* Queued for the control thread, which is kicked. */
	e->fg->kicks = 0;
	assert_int_equal(vmbus_channel_offer_subchannels(opened[0], 2), 0);
	assert_int_equal(e->fg->kicks, 1);
	assert_null(fg_next(e->fg));
	vmbus_server_run_requests(e->srv);
	for (int i = 0; i < 2; i++) {
		memcpy(&o, fg_expect(e->fg, CHANNELMSG_OFFERCHANNEL)->data, sizeof(o));
		assert_int_equal(o.offer.sub_channel_index, i + 1);
		assert_memory_equal(&o.offer.if_instance, &dev.instance_id, 16);
		assert_int_not_equal(o.child_relid, relid);
		subrelid[i] = o.child_relid;
	}
	/* Sub-channels of a sub-channel: refused. */
	assert_int_equal(open_channel(e, subrelid[1], 21, 4, 4, &pfn), 0);
	assert_int_equal(vmbus_channel_subchannel_index(opened[1]), 2);
	assert_int_equal(vmbus_channel_offer_subchannels(opened[1], 1), -EINVAL);

	/* Hot-remove: the primary and both sub-channels are rescinded. */
	vmbus_server_remove_device(e->srv, &dev);
	while ((p = fg_next(e->fg)))
		rescinds += ((const struct vmbus_msg_header *)p->data)->msgtype ==
			    CHANNELMSG_RESCIND_CHANNELOFFER;
	assert_int_equal(rescinds, 3);
	assert_int_equal(e->fg->mapped_rings, 0);
	env_free(e);
}


/* ---- fault injection (ovb-host --fault) ---------------------------------- */

static void test_fault_parse(void **state)
{
	struct vmbus_faults f = { 0 };

	(void)state;
	assert_int_equal(vmbus_faults_parse("offer-len", &f), 0);
	assert_int_equal(f.kinds, VMBUS_FAULT_OFFER_LEN);
	assert_int_equal(vmbus_faults_parse("bad-relid,msg-type", &f), 0);
	assert_int_equal(vmbus_faults_parse("dup-offer,ring-index=7", &f), 0);
	assert_int_equal(f.kinds, VMBUS_FAULT_OFFER_LEN | VMBUS_FAULT_BAD_RELID |
				  VMBUS_FAULT_MSG_TYPE | VMBUS_FAULT_DUP_OFFER |
				  VMBUS_FAULT_RING_INDEX);
	assert_int_equal(f.arg[VMBUS_FK_RING_INDEX], 7);
	/* ring-busy-s=S: ring-busy's length; a prefix of no other kind's name */
	assert_int_equal(vmbus_faults_parse("ring-busy-s=10,ring-busy=1", &f), 0);
	assert_true(f.kinds & (1u << VMBUS_FK_RING_BUSY_S));
	assert_true(f.kinds & (1u << VMBUS_FK_RING_BUSY));
	assert_int_equal(f.arg[VMBUS_FK_RING_BUSY_S], 10);
	assert_int_equal(f.arg[VMBUS_FK_RING_BUSY], 1);
	/* Bad lists leave @f as it was. */
	static const char *const bad[] = { "", ",", "offer-len,", ",msg-type", "bogus",
					   "offer-lenx", "offer-len=1", "ring-index=",
					   "ring-index=0", "ring-index=2048", "ring-index=1x",
					   "ring-index=99999", "msg-type,,bad-relid",
					   "ring-busy-s=0", "ring-busy-s=601", "ring-busy-sx" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vmbus_faults g = { .kinds = 0x40, .arg[VMBUS_FK_RING_INDEX] = 3 };

		assert_int_equal(vmbus_faults_parse(bad[i], &g), -1);
		assert_int_equal(g.kinds, 0x40);
		assert_int_equal(g.arg[VMBUS_FK_RING_INDEX], 3);
	}
}

static uint32_t posted_u32(const struct fg_posted *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p->data + off, sizeof(v));
	return v;
}

/* Offer-time garbage: each kind shows up, the real offers are intact. */
static void test_fault_offers(void **state)
{
	struct env *e = env_new();
	struct vmbus_faults f = { 0 };
	struct vmbus_channel_empty req = { .header.msgtype = CHANNELMSG_REQUESTOFFERS };
	const size_t relid_off = offsetof(struct vmbus_channel_offer_channel, child_relid);
	unsigned int short_offers = 0, bad_relid_offers = 0, real = 0, dup_relid = 0;
	unsigned int dup_instance = 0, rescinds = 0, answers = 0, odd_types = 0, tiny = 0;
	const struct fg_posted *p, *last = NULL;
	struct vmbus_channel_offer_channel first;

	(void)state;
	assert_int_equal(vmbus_faults_parse("offer-len,bad-relid,dup-offer,msg-type", &f), 0);
	vmbus_server_set_faults(e->srv, &f);
	contact(e, 0x50003);
	send(e, &req, sizeof(req));
	memset(&first, 0, sizeof(first));
	while ((p = fg_next(e->fg))) {
		uint32_t type = p->len >= 4 ? posted_u32(p, 0) : ~0u;

		last = p;
		if (p->len < sizeof(struct vmbus_msg_header)) {
			tiny++;
			continue;
		}
		switch (type) {
		case CHANNELMSG_OFFERCHANNEL: {
			struct vmbus_channel_offer_channel o;
			uint32_t relid;

			if (p->len < sizeof(o)) {
				short_offers++;
				continue;
			}
			memcpy(&o, p->data, sizeof(o));
			relid = posted_u32(p, relid_off);
			if (relid == 0 || relid > OVB_VMBUS_MAX_RELID) {
				bad_relid_offers++;
			} else if (relid == 1 && first.child_relid == 1) {
				dup_relid++;
				assert_memory_not_equal(&o.offer.if_instance, &first.offer.if_instance, 16);
			} else if (relid == 1) {
				first = o;
				real++;
			} else if (relid == 2) {
				real++;
			} else {
				dup_instance++;
				assert_memory_equal(&o.offer.if_instance, &first.offer.if_instance, 16);
			}
			break;
		}
		case CHANNELMSG_RESCIND_CHANNELOFFER:
			assert_true(posted_u32(p, 8) > 2);
			rescinds++;
			break;
		case CHANNELMSG_OPENCHANNEL_RESULT:
		case CHANNELMSG_GPADL_CREATED:
		case CHANNELMSG_GPADL_TORNDOWN:
			answers++;
			break;
		case CHANNELMSG_ALLOFFERS_DELIVERED:
			break;
		default:
			odd_types++;
			break;
		}
	}
	assert_int_equal(short_offers, 2);
	assert_int_equal(bad_relid_offers, 2);
	assert_int_equal(real, 2);
	assert_int_equal(dup_relid, 1);
	assert_int_equal(dup_instance, 1);
	assert_int_equal(rescinds, 2);
	assert_int_equal(answers, 3);
	assert_int_equal(odd_types, 4);
	assert_int_equal(tiny, 1);
	assert_non_null(last);
	assert_int_equal(posted_u32(last, 0), CHANNELMSG_ALLOFFERS_DELIVERED);
	/* The server itself is unharmed: the real channels still open. */
	{
		uint64_t pfn;

		assert_int_equal(open_channel(e, 1, 10, 4, 4, &pfn), 0);
	}
	env_free(e);
}

/*
 * Open-time garbage: a stray answer before each real one, and the faulted
 * channel's receive ring gets an out-of-range write_index and a signal.
 */
/* This process's threads (/proc/self/task). */
static unsigned int thread_count(void)
{
	DIR *d = opendir("/proc/self/task");
	unsigned int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n - 2;		/* . and .. */
}

/*
 * The fault kinds that run threads of their own: a ring kept busy for 600
 * s and a flood's thread are running when the server is freed, which
 * stops and joins them (promptly, not after their time), so no fault
 * thread outlives the server it looks at (before: detached, they went on
 * on freed memory, and ASan reported it).
 */
static void test_fault_threads_stopped_at_free(void **state)
{
	unsigned int before = thread_count(), during;
	struct env *e = env_new();
	struct vmbus_faults f = { 0 };
	struct vmbus_channel_empty req = { .header.msgtype = CHANNELMSG_REQUESTOFFERS };
	struct timespec t0, t1;
	struct ovb_ring_ctl *ctl;
	uint64_t pfn;

	(void)state;
	assert_int_equal(vmbus_faults_parse("ring-busy=1,ring-busy-s=600,rescind-sub=600", &f), 0);
	vmbus_server_set_faults(e->srv, &f);
	contact(e, 0x50003);
	send(e, &req, sizeof(req));
	assert_non_null(fg_expect(e->fg, CHANNELMSG_ALLOFFERS_DELIVERED));
	assert_int_equal(open_channel(e, 1, 10, 4, 4, &pfn), 0);
	/* the busy ring's thread runs: it fills the guest's receive ring */
	ctl = fg_page(e->fg, pfn + 4);
	for (int i = 0; i < 200 && __atomic_load_n(&ctl->write_index, __ATOMIC_ACQUIRE) < 6000; i++)
		usleep(10 * 1000);
	assert_true(__atomic_load_n(&ctl->write_index, __ATOMIC_ACQUIRE) >= 6000);
	during = thread_count();
	assert_true(during > before);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	env_free(e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(thread_count(), before);
	assert_true(t1.tv_sec - t0.tv_sec < 5);
}

static void test_fault_open_and_ring_index(void **state)
{
	static uint8_t msgs[8][OVB_VMBUS_MAX_MSG_SIZE];
	struct env *e = env_new();
	struct vmbus_faults f = { 0 };
	struct vmbus_channel_empty req = { .header.msgtype = CHANNELMSG_REQUESTOFFERS };
	struct vmbus_channel_open_channel o = { .header.msgtype = CHANNELMSG_OPENCHANNEL };
	const struct fg_posted *p;
	struct ovb_ring_ctl *ctl;
	uint32_t lens[8], ring_pages = 4;
	uint64_t pfn, hb_pfn, signals;
	unsigned int n;

	(void)state;
	assert_int_equal(vmbus_faults_parse("bad-relid,ring-index", &f), 0);
	vmbus_server_set_faults(e->srv, &f);
	contact(e, 0x50003);
	send(e, &req, sizeof(req));
	assert_non_null(fg_expect(e->fg, CHANNELMSG_ALLOFFERS_DELIVERED));

	/* The heartbeat (relid 1) opens normally, without a ring fault. */
	assert_int_equal(open_channel(e, 1, 10, ring_pages, ring_pages, &hb_pfn), 0);
	ctl = fg_page(e->fg, hb_pfn + ring_pages);
	assert_true(ctl->write_index < (ring_pages - 1) * 4096);

	/* Shutdown (relid 2, the last device's primary): stray, then real. */
	pfn = fg_alloc_pages(e->fg, 2 * ring_pages);
	n = fg_gpadl_msgs(2, 11, pfn, 2 * ring_pages, msgs, lens, 8);
	for (unsigned int i = 0; i < n; i++)
		send(e, msgs[i], lens[i]);
	p = fg_next(e->fg);
	assert_non_null(p);
	assert_int_equal(posted_u32(p, 0), CHANNELMSG_GPADL_CREATED);
	assert_int_equal(posted_u32(p, 8), OVB_VMBUS_MAX_RELID);
	assert_int_not_equal(posted_u32(p, 12), 11);
	p = fg_next(e->fg);
	assert_non_null(p);
	assert_int_equal(posted_u32(p, 0), CHANNELMSG_GPADL_CREATED);
	assert_int_equal(posted_u32(p, 12), 11);
	assert_int_equal(posted_u32(p, 16), 0);

	o.child_relid = 2;
	o.openid = 2;
	o.ringbuffer_gpadlhandle = 11;
	o.downstream_ringbuffer_pageoffset = ring_pages;
	e->fg->last_signal_relid = 0;
	signals = e->fg->signals;
	send(e, &o, sizeof(o));
	p = fg_next(e->fg);
	assert_non_null(p);
	assert_int_equal(posted_u32(p, 0), CHANNELMSG_OPENCHANNEL_RESULT);
	assert_int_equal(posted_u32(p, 8), OVB_VMBUS_MAX_RELID);
	p = fg_next(e->fg);
	assert_non_null(p);
	assert_int_equal(posted_u32(p, 0), CHANNELMSG_OPENCHANNEL_RESULT);
	assert_int_equal(posted_u32(p, 8), 2);
	assert_int_equal(posted_u32(p, 16), 0);

	/* The guest's receive ring starts at the offset: its write_index is bad. */
	ctl = fg_page(e->fg, pfn + ring_pages);
	assert_true(ctl->write_index >= (ring_pages - 1) * 4096);
	assert_int_equal(e->fg->last_signal_relid, 2);
	/* The VSP's NEGOTIATE signalled once; the fault signals again. */
	assert_true(e->fg->signals >= signals + 2);
	/* A guest reader fails on it, as the guest's ring code would. */
	{
		struct ovb_ring rx;
		uint8_t buf[256];
		uint32_t len;

		assert_int_equal(ovb_ring_rx_init(&rx, ctl, fg_page(e->fg, pfn + ring_pages + 1),
						  (ring_pages - 1) * 4096, 0), 0);
		assert_int_equal(ovb_ring_rx_peek(&rx, buf, sizeof(buf), &len), -EIO);
	}
	/* The host's writer of that ring is failed; the heartbeat's is not. */
	assert_true(channel_info(e, 2).ring_failed);
	assert_false(channel_info(e, 1).ring_failed);
	{
		struct vmbus_channel_close_channel c = { .header.msgtype = CHANNELMSG_CLOSECHANNEL };

		for (uint32_t relid = 1; relid <= 2; relid++) {
			c.child_relid = relid;
			send(e, &c, sizeof(c));
		}
	}
	assert_int_equal(e->fg->mapped_rings, 0);
	env_free(e);
}

/* Lines in @path; *@suppressed: whether a "messages suppressed" line is there. */
static unsigned int count_lines(const char *path, bool *suppressed)
{
	FILE *f = fopen(path, "r");
	char line[512];
	unsigned int n = 0;

	assert_non_null(f);
	*suppressed = false;
	while (fgets(line, sizeof(line), f)) {
		n++;
		*suppressed |= strstr(line, "messages suppressed") != NULL;
	}
	fclose(f);
	return n;
}

/*
 * A guest that connects, unloads and sends garbage in a loop gets a
 * bounded number of host log lines, and a later line says how many were
 * suppressed.
 */
static void test_log_flood_is_bounded(void **state)
{
	struct env *e = env_new();
	struct vmbus_channel_empty unload = { .header.msgtype = CHANNELMSG_UNLOAD };
	char path[] = "/tmp/vmbus_log.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	unsigned int lines;
	bool suppressed;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	assert_true(dup2(fd, 2) >= 0);
	for (int i = 0; i < 1000; i++) {
		contact(e, 0x50003);			/* "guest connected" */
		send(e, &unload, sizeof(unload));	/* "guest unloaded" */
		send(e, &unload, 2);			/* too short: a complaint */
		while (fg_next(e->fg))
			;
	}
	fflush(stderr);
	lines = count_lines(path, &suppressed);
	/* A burst for each state line, one for the complaints. */
	assert_true(lines >= 2 * 64 + 10 && lines <= 2 * 64 + 10 + 4);
	assert_false(suppressed);
	sleep(1);
	contact(e, 0x50003);
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	close(fd);
	assert_int_equal(count_lines(path, &suppressed), lines + 2);
	assert_true(suppressed);
	unlink(path);
	env_free(e);
}

/*
 * The VSP's reset runs when the guest unloads or connects anew, its
 * rescind when the host removes the device; an open must name a ring
 * GPADL of its own channel that no open channel uses.
 */
static void test_reset_rescind_and_ring_gpadl_rules(void **state)
{
	struct env *e = env_new();
	struct vmbus_device dev = { .name = "rec", .class_id = OVB_GUID_SCSI, .ops = &rec_ops };
	struct vmbus_channel_empty req = { .header.msgtype = CHANNELMSG_REQUESTOFFERS };
	struct vmbus_channel_empty unload = { .header.msgtype = CHANNELMSG_UNLOAD };
	uint32_t relid = 3;
	uint64_t pfn, pfn2;

	(void)state;
	nopened = resets = rescinds_seen = 0;
	assert_int_equal(vmbus_server_add_device(e->srv, &dev), 0);
	assert_int_equal(vmbus_server_add_device(e->srv, &dev), -EEXIST);
	contact(e, 0x50003);
	send(e, &req, sizeof(req));
	assert_non_null(fg_expect(e->fg, CHANNELMSG_ALLOFFERS_DELIVERED));
	/* A ring GPADL made for another channel (relid 1) cannot open relid 3. */
	pfn2 = fg_alloc_pages(e->fg, 8);
	assert_int_equal(gpadl_create(e, 1, 40, pfn2, 8), 0);
	assert_int_not_equal(open_status(e, relid, 40, 4), 0);
	assert_int_equal(nopened, 0);
	/* Its own GPADL opens it; the same GPADL again (in use) does not open relid 1. */
	assert_int_equal(open_channel(e, relid, 41, 4, 4, &pfn), 0);
	assert_int_equal(nopened, 1);
	assert_int_not_equal(open_status(e, 1, 41, 4), 0);
	/* Unload: reset once; a new contact after a connection: reset again. */
	assert_int_equal(resets, 0);
	send(e, &unload, sizeof(unload));
	assert_int_equal(resets, 1);
	contact(e, 0x50003);
	assert_int_equal(resets, 1);	/* nothing was connected */
	contact(e, 0x50003);
	assert_int_equal(resets, 2);
	/* Removal: rescind once; the device can go right after. */
	assert_int_equal(rescinds_seen, 0);
	vmbus_server_remove_device(e->srv, &dev);
	assert_int_equal(rescinds_seen, 1);
	memset(&dev, 0x6b, sizeof(dev));	/* as a freed device would look */
	vmbus_server_list_channels(e->srv, channel_info_keep, &(struct vmbus_channel_info){ .relid = 0 });
	env_free(e);
}

/* ---- what netvsc and the framebuffer need of the VSP API ------------------ */

static uint64_t ring_pfn;	/* of the channel vsp_env_open opened */

/* A device of @ops, connected, its primary open with ring GPADL 20: its relid. */
static uint32_t vsp_env_open(struct env *e, struct vmbus_device *dev, const struct vsp_ops *ops)
{
	struct vmbus_channel_empty req = { .header.msgtype = CHANNELMSG_REQUESTOFFERS };
	struct vmbus_channel_offer_channel o;

	nopened = 0;
	dev->name = "rec";
	dev->class_id = (struct ovb_guid)OVB_GUID_SCSI;
	dev->ops = ops;
	dev->instance_id.b[0] = 9;
	assert_int_equal(vmbus_server_add_device(e->srv, dev), 0);
	contact(e, 0x50003);
	send(e, &req, sizeof(req));
	for (int i = 0; i < 3; i++)
		memcpy(&o, fg_expect(e->fg, CHANNELMSG_OFFERCHANNEL)->data, sizeof(o));
	assert_non_null(fg_expect(e->fg, CHANNELMSG_ALLOFFERS_DELIVERED));
	assert_int_equal(open_channel(e, o.child_relid, 20, 4, 4, &ring_pfn), 0);
	assert_int_equal(nopened, 1);
	return o.child_relid;
}

static void gpadl_teardown(struct env *e, uint32_t relid, uint32_t id)
{
	struct vmbus_channel_gpadl_teardown t = { .header.msgtype = CHANNELMSG_GPADL_TEARDOWN,
						  .child_relid = relid, .gpadl = id };

	send(e, &t, sizeof(t));
}

static bool torndown_posted(struct env *e, uint32_t id)
{
	const struct fg_posted *p;

	while ((p = fg_expect(e->fg, CHANNELMSG_GPADL_TORNDOWN)))
		if (((const struct vmbus_channel_gpadl_torndown *)p->data)->gpadl == id)
			return true;
	return false;
}

/*
 * A GPADL by id (netvsc's receive and send buffers): mapped contiguously
 * only when complete and made for the channel or its primary, never a
 * ring; a teardown while mapped is answered once the VSP unmaps, or when
 * the channel closes.
 */
static void test_gpadl_map_by_id(void **state)
{
	static uint8_t msgs[8][OVB_VMBUS_MAX_MSG_SIZE];
	struct vmbus_channel_close_channel c = { .header.msgtype = CHANNELMSG_CLOSECHANNEL };
	struct vmbus_device dev = { .max_subchannels = 1 };
	struct env *e = env_new();
	struct vmbus_channel_offer_channel o;
	uint32_t relid, lens[8];
	uint64_t pfn, pfn2, len;
	uint8_t *p, *q;

	(void)state;
	relid = vsp_env_open(e, &dev, &rec_ops);
	/* 40 pages: a header and a body; a pattern the host must see in order. */
	pfn = fg_alloc_pages(e->fg, 40);
	for (uint32_t i = 0; i < 40; i++)
		memset(fg_page(e->fg, pfn + i), 0x10 + (int)i, 4096);
	assert_int_equal(gpadl_create(e, relid, 30, pfn, 40), 0);
	p = vmbus_channel_gpadl_map(opened[0], 30, &len);
	assert_non_null(p);
	assert_int_equal(len, 40 * 4096);
	for (uint32_t i = 0; i < 40; i++)
		assert_int_equal(p[i * 4096 + 7], 0x10 + i);
	p[39 * 4096] = 0xee;	/* and the guest sees the host's writes */
	assert_int_equal(((uint8_t *)fg_page(e->fg, pfn + 39))[0], 0xee);
	assert_int_equal(e->fg->mapped_pages, 1);

	/* Unknown id, the channel's own ring, another channel's, incomplete. */
	assert_null(vmbus_channel_gpadl_map(opened[0], 999, &len));
	assert_int_equal(len, 0);
	assert_null(vmbus_channel_gpadl_map(opened[0], 20, &len));
	pfn2 = fg_alloc_pages(e->fg, 4);
	assert_int_equal(gpadl_create(e, 1, 31, pfn2, 4), 0);
	assert_null(vmbus_channel_gpadl_map(opened[0], 31, &len));
	fg_gpadl_msgs(relid, 32, pfn2, 64, msgs, lens, 8);
	send(e, msgs[0], lens[0]);	/* header only: waits for its bodies */
	assert_null(vmbus_channel_gpadl_map(opened[0], 32, &len));
	assert_int_equal(e->fg->mapped_pages, 1);

	/* Teardown while mapped: no TORNDOWN, no new mapping, until unmapped. */
	gpadl_teardown(e, relid, 30);
	assert_false(torndown_posted(e, 30));
	assert_null(vmbus_channel_gpadl_map(opened[0], 30, &len));
	assert_int_equal(p[7], 0x10);	/* still ours */
	e->fg->kicks = 0;
	vmbus_channel_gpadl_unmap(opened[0], p);
	assert_int_equal(e->fg->mapped_pages, 0);
	assert_int_equal(e->fg->kicks, 1);	/* the control thread answers */
	vmbus_server_run_requests(e->srv);
	assert_true(torndown_posted(e, 30));

	/* A sub-channel maps its primary's buffer. */
	assert_int_equal(vmbus_channel_offer_subchannels(opened[0], 1), 0);
	vmbus_server_run_requests(e->srv);
	memcpy(&o, fg_expect(e->fg, CHANNELMSG_OFFERCHANNEL)->data, sizeof(o));
	assert_int_equal(open_channel(e, o.child_relid, 21, 4, 4, &pfn2), 0);
	assert_int_equal(gpadl_create(e, relid, 33, pfn, 40), 0);
	q = vmbus_channel_gpadl_map(opened[1], 33, &len);
	assert_non_null(q);
	assert_int_equal(q[5 * 4096], 0x15);
	/* ... but not the primary's ring. */
	assert_null(vmbus_channel_gpadl_map(opened[1], 20, &len));
	/* A mapped buffer cannot become a ring either: close, reopen on it. */
	c.child_relid = relid;
	send(e, &c, sizeof(c));
	assert_int_not_equal(open_status(e, relid, 33, 4), 0);
	/* Torn down while the sub-channel maps it: answered when it closes. */
	gpadl_teardown(e, relid, 33);
	assert_false(torndown_posted(e, 33));
	c.child_relid = o.child_relid;
	send(e, &c, sizeof(c));
	assert_int_equal(e->fg->mapped_pages, 0);
	assert_true(torndown_posted(e, 33));
	vmbus_server_remove_device(e->srv, &dev);
	env_free(e);
}

/* A VSP whose worker records what the guest sends (type, trans id). */
static struct vmbus_packet comp_seen[8];
static unsigned int ncomp;	/* atomic */

static void xfer_drain(struct vmbus_channel *ch)
{
	struct ovb_ring *rx = vmbus_channel_rx(ch);
	uint8_t buf[512];
	uint32_t len;
	ovb_bool sig;

	while (ovb_ring_rx_peek(rx, buf, sizeof(buf), &len) == 0) {
		struct vmbus_packet pk;
		unsigned int n = __atomic_load_n(&ncomp, __ATOMIC_RELAXED);

		if (!vmbus_packet_parse(buf, len, &pk) && n < 8) {
			pk.data = NULL;	/* buf goes away */
			comp_seen[n] = pk;
			__atomic_store_n(&ncomp, n + 1, __ATOMIC_RELEASE);
		}
		ovb_ring_rx_advance(rx);
	}
	ovb_ring_rx_commit(rx, &sig);
}

static int xfer_open(struct vmbus_channel *ch)
{
	opened[nopened++] = ch;
	return vmbus_channel_start_worker(ch, xfer_drain, NULL, 0);
}

static void xfer_close(struct vmbus_channel *ch)
{
	vmbus_channel_stop_worker(ch);
}

static const struct vsp_ops xfer_ops = { .open = xfer_open, .close = xfer_close };

/*
 * A transfer-page packet reaches the guest byte for byte as Linux's
 * struct vmtransfer_page_packet_header lays it out; the guest's
 * VM_PKT_COMP of it reaches the VSP's drain with its transaction id.
 */
static void test_xfer_pages_and_completion(void **state)
{
	static const struct ovb_vmxfer_page_range ranges[3] = {
		{ .byte_count = 1514, .byte_offset = 0 },
		{ .byte_count = 60, .byte_offset = 6144 },
		{ .byte_count = 9000, .byte_offset = 65536 },
	};
	static const uint8_t nvsp[12] = { 107, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct vmbus_device dev = { 0 };
	struct env *e = env_new();
	struct fg_chan g;
	uint8_t want[64] = { 0 }, got[256];
	uint32_t relid, len;
	uint64_t tid, one = 1;
	ovb_bool sig;

	(void)state;
	__atomic_store_n(&ncomp, 0, __ATOMIC_RELAXED);
	relid = vsp_env_open(e, &dev, &xfer_ops);
	assert_int_equal(fg_chan_init(e->fg, &g, ring_pfn, 4, 0x10000 + relid), 0);

	/* Bad calls: no ranges, too many. */
	assert_int_equal(vmbus_channel_send_xfer_pages(opened[0], 0, 1, 0xcafe, ranges, 0,
						       nvsp, sizeof(nvsp)), -EINVAL);
	assert_int_equal(vmbus_channel_send_xfer_pages(opened[0], 0, 1, 0xcafe, ranges,
						       VMBUS_XFER_MAX_RANGES + 1, nvsp,
						       sizeof(nvsp)), -EINVAL);
	assert_int_equal(vmbus_channel_send_xfer_pages(opened[0],
						       OVB_VMPKT_FLAG_COMPLETION_REQUESTED,
						       0x1122334455667788ull, 0xcafe, ranges, 3,
						       nvsp, sizeof(nvsp)), 0);
	/* type 7, offset8 (24 + 3 * 8) / 8 = 6, len8 (48 + 12 + 4 pad) / 8 = 8 */
	memcpy(want, (const uint8_t[]){ 7, 0, 6, 0, 8, 0, 1, 0,
					0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
					0xfe, 0xca, 0, 0, 3, 0, 0, 0 }, 24);
	memcpy(want + 24, ranges, sizeof(ranges));
	memcpy(want + 48, nvsp, sizeof(nvsp));
	len = fg_chan_recv(&g, got, sizeof(got), &tid, 3000);
	assert_true(len > 0);
	assert_int_equal(len, 64);
	assert_memory_equal(got, want, 64);
	assert_int_equal(tid, 0x1122334455667788ull);

	/* The guest completes it (netvsc: a VM_PKT_COMP with an NVSP answer). */
	assert_int_equal(ovb_ring_tx_inband(&g.tx, OVB_VMPKT_COMP, 0, tid, nvsp, 8, &sig), 0);
	assert_int_equal(write(g.fd, &one, sizeof(one)), sizeof(one));
	for (int i = 0; i < 3000 && !__atomic_load_n(&ncomp, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	assert_int_equal(__atomic_load_n(&ncomp, __ATOMIC_ACQUIRE), 1);
	assert_int_equal(comp_seen[0].type, OVB_VMPKT_COMP);
	assert_int_equal(comp_seen[0].trans_id, 0x1122334455667788ull);
	assert_int_equal(comp_seen[0].len, 8);

	/* The parser refuses descriptors that do not fit their bytes. */
	{
		struct vmbus_packet pk;

		assert_int_equal(vmbus_packet_parse(want, 64, &pk), 0);
		assert_int_equal(pk.type, OVB_VMPKT_DATA_USING_XFER_PAGES);
		assert_ptr_equal(pk.data, want + 48);
		assert_int_equal(pk.len, 16);
		assert_int_equal(vmbus_packet_parse(want, 56, &pk), -EINVAL);	/* len8 past */
		assert_int_equal(vmbus_packet_parse(want, 8, &pk), -EINVAL);
		want[2] = 9;						/* offset8 > len8 */
		assert_int_equal(vmbus_packet_parse(want, 64, &pk), -EINVAL);
		want[2] = 1;						/* inside the desc */
		assert_int_equal(vmbus_packet_parse(want, 64, &pk), -EINVAL);
	}
	vmbus_server_remove_device(e->srv, &dev);
	env_free(e);
}

/*
 * A guest-chosen range (hyperv_fb's VRAM): guest RAM as it is, or memory
 * placed in the MMIO window that the guest's writes reach; anything else
 * refused; released by the VSP, at close and at reset.
 */
static void test_map_guest_range(void **state)
{
	struct vmbus_channel_close_channel c = { .header.msgtype = CHANNELMSG_CLOSECHANNEL };
	struct vmbus_channel_empty unload = { .header.msgtype = CHANNELMSG_UNLOAD };
	struct vmbus_device dev = { 0 };
	struct env *e = env_new();
	const uint64_t vram = FG_MMIO_BASE + 16 * 4096, pg = 4096;
	uint32_t relid;
	uint64_t pfn, ring;
	uint8_t *p, *q;

	(void)state;
	relid = vsp_env_open(e, &dev, &rec_ops);
	/* RAM: RAM's own mapping. */
	pfn = fg_alloc_pages(e->fg, 2);
	p = vmbus_channel_map_guest_range(opened[0], pfn * pg, 2 * pg);
	assert_ptr_equal(p, fg_page(e->fg, pfn));
	assert_int_equal(e->fg->mapped_mmio, 0);
	/* Inside the window: fresh memory the guest's writes reach. */
	q = vmbus_channel_map_guest_range(opened[0], vram, 64 * pg);
	assert_non_null(q);
	assert_int_equal(e->fg->mapped_mmio, 1);
	memset(fg_mmio(e->fg, vram + 63 * pg), 0x5a, pg);
	assert_int_equal(q[63 * pg + 100], 0x5a);
	/* Refused: overlapping it, straddling RAM and window, past the window,
	 * unaligned, empty, wrapping, far outside both. */
	assert_null(vmbus_channel_map_guest_range(opened[0], vram + 63 * pg, 2 * pg));
	assert_null(vmbus_channel_map_guest_range(opened[0], FG_MMIO_BASE - pg, 2 * pg));
	assert_null(vmbus_channel_map_guest_range(opened[0], FG_MMIO_BASE + FG_MMIO_SIZE, pg));
	assert_null(vmbus_channel_map_guest_range(opened[0], FG_MMIO_BASE + FG_MMIO_SIZE - pg,
						  2 * pg));
	assert_null(vmbus_channel_map_guest_range(opened[0], FG_MMIO_BASE + 8, pg));
	assert_null(vmbus_channel_map_guest_range(opened[0], FG_MMIO_BASE, 100));
	assert_null(vmbus_channel_map_guest_range(opened[0], FG_MMIO_BASE, 0));
	assert_null(vmbus_channel_map_guest_range(opened[0], UINT64_MAX - pg + 1, 2 * pg));
	assert_null(vmbus_channel_map_guest_range(opened[0], 1ull << 40, pg));
	assert_int_equal(e->fg->mapped_mmio, 1);
	/* The VSP gives it back; the same place can be taken again. */
	vmbus_channel_unmap_guest_range(opened[0], q);
	assert_int_equal(e->fg->mapped_mmio, 0);
	assert_non_null(vmbus_channel_map_guest_range(opened[0], vram, 64 * pg));
	assert_int_equal(e->fg->mapped_mmio, 1);
	/* Close releases it (and the RAM range, with nothing to free). */
	c.child_relid = relid;
	send(e, &c, sizeof(c));
	assert_int_equal(e->fg->mapped_mmio, 0);
	/* Reopened and mapped again: a reset (unload) releases it too. */
	nopened = 0;
	assert_int_equal(open_channel(e, relid, 22, 4, 4, &ring), 0);
	assert_non_null(vmbus_channel_map_guest_range(opened[0], vram, pg));
	assert_non_null(vmbus_channel_map_guest_range(opened[0], vram + pg, pg));
	assert_int_equal(e->fg->mapped_mmio, 2);
	send(e, &unload, sizeof(unload));
	assert_int_equal(e->fg->mapped_mmio, 0);
	vmbus_server_remove_device(e->srv, &dev);
	env_free(e);
}

/* lib/'s tables and IC negotiation, as both sides use them. */
static void test_version_lib(void **state)
{
	static const uint32_t fw[] = OVB_IC_FW_VERSIONS;
	static const uint32_t hb[] = { IC_HEARTBEAT_VERSION_3, IC_HEARTBEAT_VERSION_1 };
	static const uint32_t old_hb[] = { IC_HEARTBEAT_VERSION_1 };
	static const uint32_t none[] = { IC_VERSION(9, 9) };
	struct ovb_ic_versions host = { fw, hb, OVB_IC_NR_FW_VERSIONS, 2 };
	struct ovb_ic_versions guest = { fw + 1, old_hb, 1, 1 };
	struct ovb_ic_versions alien = { fw, none, 2, 1 };
	uint8_t body[64], copy[64];
	uint32_t f, v;
	int len;

	(void)state;
	assert_int_equal(ovb_vmbus_version_at(0), OVB_VMBUS_VERSION_WIN10_V5_3);
	assert_true(ovb_vmbus_version_known(OVB_VMBUS_VERSION_WIN8));
	assert_false(ovb_vmbus_version_known(0));
	assert_false(ovb_vmbus_version_known(0x50004));
	assert_int_equal(ovb_vmbus_version_at(100), 0);

	len = ovb_ic_negotiate_offer(body, sizeof(body), &host);
	assert_int_equal(len, 8 + 4 * 4);
	assert_int_equal(ovb_ic_negotiate_offer(body, 20, &host), -EMSGSIZE);
	memcpy(copy, body, sizeof(body));
	/* An older guest picks 1.0 of both; the host accepts that. */
	assert_int_equal(ovb_ic_negotiate_answer(body, (uint32_t)len, &guest, &f, &v), 16);
	assert_int_equal(f, IC_FW_VERSION_1);
	assert_int_equal(v, IC_HEARTBEAT_VERSION_1);
	assert_int_equal(ovb_ic_negotiate_check(body, 16, &host, &f, &v), 0);
	assert_int_equal(v, IC_HEARTBEAT_VERSION_1);
	assert_int_equal(ovb_ic_negotiate_check(body, 15, &host, &f, &v), -EINVAL);
	/* A guest that speaks none of the service's versions says so. */
	memcpy(body, copy, sizeof(body));
	assert_int_equal(ovb_ic_negotiate_answer(body, (uint32_t)len, &alien, &f, &v), -EPROTO);
	assert_int_equal(ovb_ic_negotiate_check(body, 8, &host, &f, &v), -EPROTO);
	/* Counts past the bytes: refused untouched. */
	memcpy(body, copy, sizeof(body));
	body[0] = 200;
	assert_int_equal(ovb_ic_negotiate_answer(body, (uint32_t)len, &guest, &f, &v), -EINVAL);
	assert_int_equal(body[0], 200);
	/* An answer naming a version the host never offered. */
	memcpy(body, copy, sizeof(body));
	assert_int_equal(ovb_ic_negotiate_answer(body, (uint32_t)len, &guest, &f, &v), 16);
	body[8 + 4 + 0] = 7;	/* service major 7 */
	assert_int_equal(ovb_ic_negotiate_check(body, 16, &host, &f, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_offers_and_guids),
		cmocka_unit_test(test_gpadl_sizes),
		cmocka_unit_test(test_gpadl_malformed),
		cmocka_unit_test(test_malformed_messages),
		cmocka_unit_test(test_open_ring_too_small),
		cmocka_unit_test(test_heartbeat_and_shutdown),
		cmocka_unit_test(test_corrupt_ring_fails_channel),
		cmocka_unit_test(test_rescind_release_and_unload),
		cmocka_unit_test(test_release_drops_rescinded_gpadls),
		cmocka_unit_test(test_subchannels),
		cmocka_unit_test(test_log_flood_is_bounded),
		cmocka_unit_test(test_gpadl_pages_bounded_by_ram),
		cmocka_unit_test(test_version_lib),
		cmocka_unit_test(test_reset_rescind_and_ring_gpadl_rules),
		cmocka_unit_test(test_fault_parse),
		cmocka_unit_test(test_fault_offers),
		cmocka_unit_test(test_fault_open_and_ring_index),
		cmocka_unit_test(test_fault_threads_stopped_at_free),
		cmocka_unit_test(test_gpadl_map_by_id),
		cmocka_unit_test(test_xfer_pages_and_completion),
		cmocka_unit_test(test_map_guest_range),
	};

	return cmocka_run_group_tests_name("vmbus_server", tests, NULL, NULL);
}
