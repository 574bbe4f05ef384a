// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * netvsp end to end through the VMBus server, its threads included: the
 * fake guest opens the NIC's channel over real rings, gives its receive
 * and send buffers as GPADLs, negotiates NVSP and RNDIS as Linux does,
 * sends a frame that comes out of the "TAP" (a socketpair standing in for
 * it, virtio-net header and all), gets a frame written into the TAP as a
 * transfer-page packet in its receive buffer, and sees the link go down.
 */
#include <errno.h>
#include <json-c/json.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/fakeguest.h"
#include "ovb/guids.h"
#include "ovb/nvsp.h"
#include "ovb/rndis.h"
#include "tests/unit/netvsp_fakeio.h"
#include "hostside/vmbus/server.h"
#include "hostside/netvsp/netvsp.h"
#include "hostside/netvsp/tap.h"
#include "hostside/ctl/ctl.h"
#include "hostside/devices.h"

int log_verbose;
extern const struct vsp_type netvsp_vsp_type;

#define RING_PAGES	16
#define RECV_PAGES	64
#define SEND_PAGES	32
#define VNET_HDR	10	/* struct virtio_net_hdr */

struct env {
	struct fakeguest *fg;
	struct vmbus_server *srv;
	struct netvsp *nv;
	int tap[2];			/* [0] the host's "TAP", [1] the kernel's side */
	struct fg_chan ch;		/* guest view: ch.rx = host->guest */
	uint64_t recv_pfn, send_pfn, tid;
	uint32_t relid, conn_id, recv_gpadl, send_gpadl;
	uint32_t send_section;
	void *nics;			/* netvsp_vsp_type's state (the device-type tests) */
	uint8_t buf[8192] __attribute__((aligned(8)));
};

static void send_msg(struct env *e, const void *msg, uint32_t len)
{
	vmbus_server_handle_msg(e->srv, 0, msg, len);
}

static void gpadl(struct env *e, uint32_t relid, uint32_t id, uint64_t pfn, uint32_t pages)
{
	assert_int_equal(fg_gpadl(e->fg, relid, id, pfn, pages), 0);
}

/* Open the channel on fresh rings (GPADL @ring_id) and give fresh buffers (@buf_id, +1). */
static void chan_open(struct env *e, uint32_t ring_id, uint32_t buf_id)
{
	assert_int_equal(fg_chan_open(e->fg, &e->ch, e->relid, e->conn_id, ring_id, RING_PAGES), 0);
	e->recv_pfn = fg_alloc_pages(e->fg, RECV_PAGES);
	e->send_pfn = fg_alloc_pages(e->fg, SEND_PAGES);
	e->recv_gpadl = buf_id;
	e->send_gpadl = buf_id + 1;
	gpadl(e, e->relid, e->recv_gpadl, e->recv_pfn, RECV_PAGES);
	gpadl(e, e->relid, e->send_gpadl, e->send_pfn, SEND_PAGES);
}

static void srv_send(void *srv, const void *msg, uint32_t len)
{
	vmbus_server_handle_msg(srv, 0, msg, len);
}

/* Connect, take the NIC's offer, open its channel. */
static void env_open(struct env *e)
{
	struct vmbus_channel_offer_channel o;

	fg_set_send(e->fg, srv_send, e->srv);
	assert_int_equal(fg_connect(e->fg, 0x50002, &o), 0);
	assert_memory_equal(&o.offer.if_type, (struct ovb_guid[]){ OVB_GUID_NIC }, 16);
	e->relid = o.child_relid;
	e->conn_id = o.connection_id;
	chan_open(e, 1, 2);
}

static int setup_spec(void **state, const char *spec)
{
	struct env *e = calloc(1, sizeof(*e));
	struct netvsp_cfg cfg;
	const char *err;

	assert_int_equal(netvsp_cfg_parse(spec, &cfg, &err), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, e->tap), 0);
	cfg.tap_fd = e->tap[0];
	e->fg = fg_new();
	e->srv = vmbus_server_new((const struct vmbus_server_ops *)&fg_ops, e->fg, 2);
	e->nv = netvsp_new(&cfg);
	assert_non_null(e->nv);
	assert_int_equal(vmbus_server_add_device(e->srv, netvsp_device(e->nv)), 0);
	env_open(e);
	e->tid = 1;
	*state = e;
	return 0;
}

static int setup(void **state)
{
	return setup_spec(state, "tap=test0,mac=00:15:5d:aa:bb:cc");
}

static int setup_offload(void **state)
{
	return setup_spec(state, "tap=test0,mac=00:15:5d:aa:bb:cc,offload=on");
}

static int teardown(void **state)
{
	struct env *e = *state;

	if (e->nics)
		netvsp_vsp_type.destroy(e->nics);	/* rescinds its NICs, closes their TAPs */
	vmbus_server_free(e->srv);	/* closes the channel: joins the worker and the reader */
	netvsp_free(e->nv);
	close(e->tap[0]);
	close(e->tap[1]);
	fg_free(e->fg);
	free(e);
	return 0;
}

static void kick(struct env *e)
{
	uint64_t one = 1;

	assert_int_equal(write(e->ch.fd, &one, sizeof(one)), sizeof(one));
}

/* The next host packet (descriptor first) into e->buf; its type. */
static uint16_t recv_pkt(struct env *e, uint64_t *tid)
{
	for (int i = 0; i < 5000; i++) {
		uint32_t len;
		int ret = ovb_ring_rx_peek(&e->ch.rx, e->buf, sizeof(e->buf), &len);

		if (ret == 0) {
			struct ovb_vmpacket_desc d;
			ovb_bool sig;

			memcpy(&d, e->buf, sizeof(d));
			*tid = d.trans_id;
			ovb_ring_rx_advance(&e->ch.rx);
			ovb_ring_rx_commit(&e->ch.rx, &sig);
			return d.type;
		}
		assert_int_equal(ret, -EAGAIN);
		usleep(1000);
	}
	fail_msg("no packet from the host");
	return 0;
}

/* The NVSP message of the packet in e->buf. */
static struct ovb_nvsp_msg nvsp_of(struct env *e)
{
	struct ovb_vmpacket_desc d;
	struct ovb_nvsp_msg m;

	memcpy(&d, e->buf, sizeof(d));
	memcpy(&m, e->buf + d.offset8 * 8, sizeof(m));
	return m;
}

static void nvsp_send(struct env *e, uint16_t flags, const struct ovb_nvsp_msg *m)
{
	ovb_bool sig;

	assert_int_equal(ovb_ring_tx_inband(&e->ch.tx, OVB_VMPKT_DATA_INBAND, flags, e->tid++, m,
					    sizeof(*m), &sig), 0);
	kick(e);
}

/* A request answered by a completion echoing its id. */
static struct ovb_nvsp_msg nvsp_call(struct env *e, const struct ovb_nvsp_msg *m)
{
	uint64_t tid = e->tid, got;

	nvsp_send(e, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, m);
	assert_int_equal(recv_pkt(e, &got), OVB_VMPKT_COMP);
	assert_int_equal(got, tid);
	return nvsp_of(e);
}

/* A transfer-page packet: its RNDIS message in the receive buffer; completed. */
static const uint8_t *recv_rndis(struct env *e, uint32_t *len)
{
	struct ovb_vmxfer_page_header h;
	struct ovb_vmxfer_page_range r;
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG1_TYPE_SEND_RNDIS_PKT_COMPLETE };
	ovb_bool sig;
	uint64_t tid;

	assert_int_equal(recv_pkt(e, &tid), OVB_VMPKT_DATA_USING_XFER_PAGES);
	memcpy(&h, e->buf, sizeof(h));
	assert_int_equal(h.xfer_pageset_id, OVB_NETVSC_RECEIVE_BUFFER_ID);
	assert_int_equal(h.range_cnt, 1);
	assert_true(h.d.flags & OVB_VMPKT_FLAG_COMPLETION_REQUESTED);
	assert_int_equal(nvsp_of(e).msg_type, NVSP_MSG1_TYPE_SEND_RNDIS_PKT);
	memcpy(&r, e->buf + sizeof(h), sizeof(r));
	assert_true((uint64_t)r.byte_offset + r.byte_count <= RECV_PAGES * 4096ull);
	*len = r.byte_count;
	m.u.rndis_pkt_complete.status = NVSP_STAT_SUCCESS;
	assert_int_equal(ovb_ring_tx_inband(&e->ch.tx, OVB_VMPKT_COMP, 0, tid, &m, sizeof(m), &sig),
			 0);
	kick(e);
	return (const uint8_t *)fg_page(e->fg, e->recv_pfn) + r.byte_offset;
}

/* RNDIS bytes in send section 0 (a control answer comes before the send's completion). */
static void rndis_send(struct env *e, const void *msg, uint32_t len)
{
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG1_TYPE_SEND_RNDIS_PKT };

	memcpy(fg_page(e->fg, e->send_pfn), msg, len);
	m.u.rndis_pkt.send_buf_section_index = 0;
	m.u.rndis_pkt.send_buf_section_size = len;
	nvsp_send(e, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m);
}

static void expect_send_completed(struct env *e, uint64_t tid)
{
	uint64_t got;

	assert_int_equal(recv_pkt(e, &got), OVB_VMPKT_COMP);
	assert_int_equal(got, tid);
	assert_int_equal(nvsp_of(e).msg_type, NVSP_MSG1_TYPE_SEND_RNDIS_PKT_COMPLETE);
	assert_int_equal(nvsp_of(e).u.rndis_pkt_complete.status, NVSP_STAT_SUCCESS);
}

static void bringup(struct env *e)
{
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG_TYPE_INIT }, c;
	uint8_t req[64];
	struct rndis_msg_hdr h = { RNDIS_MSG_INIT, 24 };
	struct rndis_initialize_request i = { .req_id = 5, .major_ver = 1 };
	struct rndis_initialize_complete ic;
	uint32_t filter = RNDIS_PACKET_TYPE_DIRECTED, len;
	const uint8_t *r;
	uint64_t tid;

	m.u.init.min_protocol_ver = m.u.init.max_protocol_ver = OVB_NVSP_VERSION_61;
	c = nvsp_call(e, &m);
	assert_int_equal(c.msg_type, NVSP_MSG_TYPE_INIT_COMPLETE);
	assert_int_equal(c.u.init_complete.status, NVSP_STAT_SUCCESS);
	memset(&m, 0, sizeof(m));
	m.msg_type = NVSP_MSG2_TYPE_SEND_NDIS_CONFIG;
	m.u.ndis_config.mtu = 1514;
	nvsp_send(e, 0, &m);
	memset(&m, 0, sizeof(m));
	m.msg_type = NVSP_MSG1_TYPE_SEND_RECV_BUF;
	m.u.send_buf.gpadl_handle = e->recv_gpadl;
	m.u.send_buf.id = OVB_NETVSC_RECEIVE_BUFFER_ID;
	c = nvsp_call(e, &m);	/* the NDIS config got no completion: this is next */
	assert_int_equal(c.msg_type, NVSP_MSG1_TYPE_SEND_RECV_BUF_COMPLETE);
	assert_int_equal(c.u.recv_buf_complete.status, NVSP_STAT_SUCCESS);
	assert_int_equal(c.u.recv_buf_complete.num_sections, 1);
	m.msg_type = NVSP_MSG1_TYPE_SEND_SEND_BUF;
	m.u.send_buf.gpadl_handle = e->send_gpadl;
	m.u.send_buf.id = 0;
	c = nvsp_call(e, &m);
	assert_int_equal(c.u.send_buf_complete.status, NVSP_STAT_SUCCESS);
	e->send_section = c.u.send_buf_complete.section_size;
	assert_true(e->send_section >= OVB_NVSP_MIN_SECTION_SIZE);

	memcpy(req, &h, 8);
	memcpy(req + 8, &i, sizeof(i));
	tid = e->tid;
	rndis_send(e, req, 24);
	r = recv_rndis(e, &len);
	assert_int_equal(len, 8 + sizeof(ic));
	memcpy(&h, r, 8);
	memcpy(&ic, r + 8, sizeof(ic));
	assert_int_equal(h.ndis_msg_type, RNDIS_MSG_INIT_C);
	assert_int_equal(ic.req_id, 5);
	assert_int_equal(ic.status, RNDIS_STATUS_SUCCESS);
	expect_send_completed(e, tid);

	h = (struct rndis_msg_hdr){ RNDIS_MSG_SET, 8 + 20 + 4 };
	{
		struct rndis_set_request s = { .req_id = 6, .oid = RNDIS_OID_GEN_CURRENT_PACKET_FILTER,
					       .info_buflen = 4, .info_buf_offset = 20 };

		memcpy(req, &h, 8);
		memcpy(req + 8, &s, sizeof(s));
		memcpy(req + 28, &filter, 4);
	}
	tid = e->tid;
	rndis_send(e, req, h.msg_len);
	r = recv_rndis(e, &len);
	memcpy(&h, r, 8);
	assert_int_equal(h.ndis_msg_type, RNDIS_MSG_SET_C);
	expect_send_completed(e, tid);
}

static void test_data_both_ways(void **state)
{
	struct env *e = *state;
	uint8_t frame[1000], got[2000], msg[1100];
	struct rndis_msg_hdr h;
	struct rndis_packet p;
	struct netvsp_stats s;
	const uint8_t *r;
	uint32_t len;
	uint64_t tid;
	ssize_t n;

	bringup(e);
	for (unsigned int i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 13 + 1);
	/* Guest to TAP: the frame after a zeroed virtio-net header. */
	h = (struct rndis_msg_hdr){ RNDIS_MSG_PACKET, 44 + sizeof(frame) };
	p = (struct rndis_packet){ .data_offset = 36, .data_len = sizeof(frame) };
	memcpy(msg, &h, 8);
	memcpy(msg + 8, &p, sizeof(p));
	memcpy(msg + 44, frame, sizeof(frame));
	tid = e->tid;
	rndis_send(e, msg, h.msg_len);
	expect_send_completed(e, tid);
	n = -1;
	for (int i = 0; i < 2000 && n < 0; i++) {
		n = recv(e->tap[1], got, sizeof(got), 0);
		if (n < 0)
			usleep(1000);
	}
	assert_int_equal(n, VNET_HDR + sizeof(frame));
	for (int i = 0; i < VNET_HDR; i++)
		assert_int_equal(got[i], 0);
	assert_memory_equal(got + VNET_HDR, frame, sizeof(frame));

	/* TAP to guest: a transfer-page packet of an RNDIS data message. */
	memset(got, 0, VNET_HDR);
	memcpy(got + VNET_HDR, frame, 600);
	assert_int_equal(send(e->tap[1], got, VNET_HDR + 600, 0), VNET_HDR + 600);
	r = recv_rndis(e, &len);
	memcpy(&h, r, 8);
	memcpy(&p, r + 8, sizeof(p));
	assert_int_equal(h.ndis_msg_type, RNDIS_MSG_PACKET);
	assert_int_equal(p.data_len, 600);
	assert_true(p.data_offset + p.data_len <= len - 8);
	assert_memory_equal(r + 8 + p.data_offset, frame, 600);

	/* Link down: an indication. */
	netvsp_set_link(e->nv, false);
	r = recv_rndis(e, &len);
	memcpy(&h, r, 8);
	assert_int_equal(h.ndis_msg_type, RNDIS_MSG_INDICATE);
	{
		struct rndis_indicate_status st;

		memcpy(&st, r + 8, sizeof(st));
		assert_int_equal(st.status, RNDIS_STATUS_MEDIA_DISCONNECT);
	}
	for (int i = 0; i < 1000; i++) {
		netvsp_get_stats(e->nv, &s);
		if (s.rx_packets)
			break;
		usleep(1000);
	}
	assert_int_equal(s.tx_packets, 1);
	assert_int_equal(s.tx_bytes, sizeof(frame));
	assert_int_equal(s.rx_packets, 1);
	assert_int_equal(s.rx_bytes, 600);
	assert_int_equal(s.bad_packets, 0);
	assert_int_equal(s.nvsp_version, OVB_NVSP_VERSION_61);
}

/* One frame from the TAP reaches the guest intact. */
static void tap_to_guest(struct env *e, uint32_t n, uint8_t seed)
{
	uint8_t got[2000];
	struct rndis_packet p;
	const uint8_t *r;
	uint32_t len;

	memset(got, 0, VNET_HDR);
	for (uint32_t i = 0; i < n; i++)
		got[VNET_HDR + i] = (uint8_t)(seed + i);
	assert_int_equal(send(e->tap[1], got, VNET_HDR + n, 0), (ssize_t)(VNET_HDR + n));
	r = recv_rndis(e, &len);
	memcpy(&p, r + 8, sizeof(p));
	assert_int_equal(p.data_len, n);
	assert_memory_equal(r + 8 + p.data_offset, got + VNET_HDR, n);
}

/*
 * Close and open again, as Linux's netvsc does for an MTU change: the
 * buffers are let go at the close (the guest's teardowns are answered),
 * and the new channel negotiates afresh with new buffers and works.
 */
static void test_close_reopen(void **state)
{
	struct env *e = *state;
	struct vmbus_channel_close_channel c = { .header.msgtype = CHANNELMSG_CLOSECHANNEL };
	struct vmbus_channel_gpadl_teardown t = { .header.msgtype = CHANNELMSG_GPADL_TEARDOWN };

	bringup(e);
	tap_to_guest(e, 100, 1);
	c.child_relid = e->relid;
	send_msg(e, &c, sizeof(c));	/* joins netvsp's threads, unmaps the buffers */
	t.child_relid = e->relid;
	for (uint32_t id = 1; id <= 3; id++) {
		t.gpadl = id;
		send_msg(e, &t, sizeof(t));
		if (!fg_expect(e->fg, CHANNELMSG_GPADL_TORNDOWN)) {
			vmbus_server_run_requests(e->srv);
			assert_non_null(fg_expect(e->fg, CHANNELMSG_GPADL_TORNDOWN));
		}
	}
	chan_open(e, 4, 5);
	bringup(e);
	tap_to_guest(e, 300, 7);
	{
		struct netvsp_stats s;

		netvsp_get_stats(e->nv, &s);
		assert_int_equal(s.rx_packets, 2);
		assert_int_equal(s.bad_packets, 0);
	}
}

/* RNDIS @msg sent and completed: what came out of the TAP (its length, or -1). */
static ssize_t send_to_tap(struct env *e, const uint8_t *msg, uint32_t len, uint8_t *got,
			   size_t size)
{
	uint64_t tid = e->tid;
	ssize_t n = -1;

	rndis_send(e, msg, len);
	expect_send_completed(e, tid);
	for (int i = 0; i < 2000 && n < 0; i++) {
		n = recv(e->tap[1], got, size, 0);
		if (n < 0)
			usleep(1000);
	}
	return n;
}

static int setup_jumbo(void **state)
{
	return setup_spec(state, "tap=test0,mac=00:15:5d:aa:bb:cc,mtu=9000");
}

/*
 * mtu=9000: the guest is told 9000 as its largest frame
 * (OID_GEN_MAXIMUM_FRAME_SIZE, its MTU ceiling), and a full 9014-byte
 * frame goes each way through the send and receive sections.
 */
static void test_jumbo(void **state)
{
	struct env *e = *state;
	static uint8_t frame[9014], msg[9100], got[9100];
	struct rndis_msg_hdr h = { RNDIS_MSG_QUERY, 8 + 20 };
	struct rndis_query_request q = { .req_id = 9, .oid = RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE };
	struct rndis_query_complete qc;
	struct rndis_packet p;
	const uint8_t *r;
	uint32_t len, v;
	uint64_t tid;
	ssize_t n = -1;

	bringup(e);
	assert_true(e->send_section >= 44 + sizeof(frame));
	memcpy(msg, &h, 8);
	memcpy(msg + 8, &q, sizeof(q));
	tid = e->tid;
	rndis_send(e, msg, h.msg_len);
	r = recv_rndis(e, &len);
	memcpy(&h, r, 8);
	memcpy(&qc, r + 8, sizeof(qc));
	assert_int_equal(h.ndis_msg_type, RNDIS_MSG_QUERY_C);
	assert_int_equal(qc.status, RNDIS_STATUS_SUCCESS);
	assert_int_equal(qc.info_buflen, 4);
	memcpy(&v, r + 8 + qc.info_buf_offset, 4);
	assert_int_equal(v, 9000);
	expect_send_completed(e, tid);

	for (unsigned int i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 11 + 5);
	frame[12] = 0x08;
	frame[13] = 0x00;
	len = nf_build_data(msg, frame, sizeof(frame));
	n = send_to_tap(e, msg, len, got, sizeof(got));
	assert_int_equal(n, VNET_HDR + sizeof(frame));
	assert_memory_equal(got + VNET_HDR, frame, sizeof(frame));

	memset(got, 0, VNET_HDR);
	memcpy(got + VNET_HDR, frame, sizeof(frame));
	assert_int_equal(send(e->tap[1], got, VNET_HDR + sizeof(frame), 0),
			 (ssize_t)(VNET_HDR + sizeof(frame)));
	r = recv_rndis(e, &len);
	memcpy(&p, r + 8, sizeof(p));
	assert_int_equal(p.data_len, sizeof(frame));
	assert_memory_equal(r + 8 + p.data_offset, frame, sizeof(frame));
}

/* offload=on: an LSO send reaches the TAP with the GSO request in its virtio-net header. */
static void test_lso_to_tap(void **state)
{
	struct env *e = *state;
	static uint8_t fr[14 + 40 + 4000], msg[sizeof(fr) + 64], got[sizeof(fr) + 64];
	struct {
		uint8_t flags, gso_type;
		uint16_t hdr_len, gso_size, csum_start, csum_offset;
	} __attribute__((packed)) vh;
	uint32_t len, seed;
	ssize_t n;

	bringup(e);
	memset(fr, 0, 54);
	fr[12] = 0x08;
	fr[14] = 0x45;
	fr[23] = 6;
	memcpy(fr + 26, (uint8_t[]){ 10, 0, 0, 2, 10, 0, 0, 1 }, 8);
	fr[46] = 5 << 4;
	seed = nf_fold(nf_sum16(fr + 26, 8, 6));	/* netvsc's seed: no length */
	fr[50] = (uint8_t)(seed >> 8);
	fr[51] = (uint8_t)seed;
	len = nf_build_data_ppi(msg, fr, sizeof(fr), RNDIS_PPI_TCP_LARGESEND,
				RNDIS_LSO_TX_V2 | 34u << 20 | 1448u);
	n = send_to_tap(e, msg, len, got, sizeof(got));
	assert_int_equal(n, VNET_HDR + sizeof(fr));
	memcpy(&vh, got, sizeof(vh));
	assert_int_equal(vh.flags, 1);		/* VIRTIO_NET_HDR_F_NEEDS_CSUM */
	assert_int_equal(vh.gso_type, 1);	/* VIRTIO_NET_HDR_GSO_TCPV4 */
	assert_int_equal(vh.gso_size, 1448);
	assert_int_equal(vh.hdr_len, 54);
	assert_int_equal(vh.csum_start, 34);
	assert_int_equal(vh.csum_offset, 16);
	assert_int_equal(nf_be16(got + VNET_HDR + 16), sizeof(fr) - 14);
}

static void test_cfg_parse(void **state)
{
	struct netvsp_cfg c;
	const char *err;

	(void)state;
	assert_int_equal(netvsp_cfg_parse("tap=t0", &c, &err), 0);
	assert_string_equal(c.ifname, "t0");
	assert_int_equal(c.mtu, 1500);
	assert_int_equal(c.mac[0], 0x00);
	assert_int_equal(c.mac[2], 0x5d);
	assert_int_equal(netvsp_cfg_parse("tap=t0,mtu=9000,mac=02:00:00:00:00:01", &c, &err), 0);
	assert_int_equal(c.mtu, 9000);
	assert_int_equal(c.mac[5], 1);
	assert_int_equal(netvsp_cfg_parse("mtu=1500", &c, &err), -1);
	assert_int_equal(netvsp_cfg_parse("tap=t0,mtu=67", &c, &err), -1);
	assert_int_equal(netvsp_cfg_parse("tap=t0,mtu=65522", &c, &err), -1);
	assert_int_equal(netvsp_cfg_parse("tap=t0,mac=01:00:00:00:00:01", &c, &err), -1);
	assert_int_equal(netvsp_cfg_parse("tap=t0,mac=00:00:00:00:00", &c, &err), -1);
	assert_int_equal(netvsp_cfg_parse("tap=t0,foo=1", &c, &err), -1);
	assert_int_equal(netvsp_cfg_parse("tap=0123456789abcdef", &c, &err), -1);
}



/*
 * A frame the kernel left for us to checksum (CHECKSUM_PARTIAL: the TCP
 * field holds the folded pseudo-header sum): filled in, it checks out as
 * a receiver verifies it, and bad offsets are refused.
 */
static void test_tap_fill_csum(void **state)
{
	uint8_t f[14 + 20 + 20 + 37];
	uint32_t l4 = 14 + 20, l4len = sizeof(f) - l4, pseudo;
	uint16_t c;

	(void)state;
	memset(f, 0, sizeof(f));
	for (unsigned int i = l4; i < sizeof(f); i++)
		f[i] = (uint8_t)(i * 29 + 3);
	f[12] = 0x08;
	f[14] = 0x45;
	f[14 + 9] = 6;		/* TCP */
	memcpy(f + 14 + 12, (uint8_t[]){ 10, 0, 0, 1, 10, 0, 0, 2 }, 8);
	pseudo = nf_sum16(f + 14 + 12, 8, 6 + l4len);
	c = nf_fold(pseudo);
	f[l4 + 16] = (uint8_t)(c >> 8);
	f[l4 + 17] = (uint8_t)c;
	assert_int_equal(tap_fill_csum(f, sizeof(f), l4, 16), 0);
	/* The receiver's check: pseudo-header plus segment sums to 0xffff. */
	assert_int_equal(nf_fold(nf_sum16(f + l4, l4len, pseudo)), 0xffff);
	assert_int_equal(tap_fill_csum(f, sizeof(f), sizeof(f), 0), -EINVAL);
	assert_int_equal(tap_fill_csum(f, sizeof(f), l4, l4len - 1), -EINVAL);
	assert_int_equal(tap_fill_csum(f, sizeof(f), 0xffff, 0xffff), -EINVAL);

	/*
	 * A segment whose checksum comes to 0: sent as 0xffff, since 0 means
	 * "no checksum" to UDP (and IPv6 drops such a datagram).
	 */
	f[14 + 9] = 17;
	pseudo = nf_sum16(f + 14 + 12, 8, 17 + l4len);
	c = nf_fold(pseudo);
	f[l4 + 6] = (uint8_t)(c >> 8);
	f[l4 + 7] = (uint8_t)c;
	f[l4 + 8] = f[l4 + 9] = 0;
	c = (uint16_t)~nf_fold(nf_sum16(f + l4, l4len, 0));	/* the word that makes it 0 */
	f[l4 + 8] = (uint8_t)(c >> 8);
	f[l4 + 9] = (uint8_t)c;
	assert_int_equal(tap_fill_csum(f, sizeof(f), l4, 6), 0);
	assert_int_equal(nf_be16(f + l4 + 6), 0xffff);
	assert_int_equal(nf_fold(nf_sum16(f + l4, l4len, pseudo)), 0xffff);
}

/* ---- several NICs, hot add and remove, through the device type ---- */

#define NIC0 "ovbnvt0"
#define NIC1 "ovbnvt1"

static int nic_cmd(struct env *e, const char *args, struct json_object **reply)
{
	const char *err = NULL;
	struct json_object *r = json_object_new_object();
	int ret = netvsp_vsp_type.cmds[0].fn(e->nics, args, r, &err);

	if (reply)
		*reply = r;
	else
		json_object_put(r);
	return ret;
}

/* status's "nics" of the type (caller puts the object). */
static struct json_object *nics_status(struct env *e, struct json_object **holder)
{
	struct json_object *n;

	*holder = json_object_new_object();
	netvsp_vsp_type.status(e->nics, *holder);
	assert_true(json_object_object_get_ex(*holder, "nics", &n));
	return n;
}

static uint64_t nic_field(struct env *e, unsigned int idx, const char *k)
{
	struct json_object *h, *v, *a = nics_status(e, &h);
	uint64_t r;

	assert_true(idx < json_object_array_length(a));
	assert_true(json_object_object_get_ex(json_object_array_get_idx(a, idx), k, &v));
	r = (uint64_t)json_object_get_int64(v);
	json_object_put(h);
	return r;
}

static size_t nics_count(struct env *e)
{
	struct json_object *h, *a = nics_status(e, &h);
	size_t n = json_object_array_length(a);

	json_object_put(h);
	return n;
}

/* The next offer posted: its relid, conn id and instance. */
static void expect_offer(struct env *e, uint32_t *relid, uint32_t *conn, struct ovb_guid *inst)
{
	const struct fg_posted *p = fg_expect(e->fg, CHANNELMSG_OFFERCHANNEL);
	struct vmbus_channel_offer_channel o;

	assert_non_null(p);
	memcpy(&o, p->data, sizeof(o));
	assert_memory_equal(&o.offer.if_type, (struct ovb_guid[]){ OVB_GUID_NIC }, 16);
	*relid = o.child_relid;
	*conn = o.connection_id;
	memcpy(inst, &o.offer.if_instance, sizeof(*inst));
}

/* Two --nic: two TAPs, two offers with their own instances and MACs. */
static int setup_two_nics(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct vmbus_channel_initiate_contact c = { .header.msgtype = CHANNELMSG_INITIATE_CONTACT };
	struct vmbus_channel_empty req = { .header.msgtype = CHANNELMSG_REQUESTOFFERS };
	struct vsp_env env = { .ncpus = 2 };
	void *cfg = NULL;

	e->tap[0] = e->tap[1] = -1;
	if (getuid() != 0 || unshare(CLONE_NEWNET)) {
		free(e);
		skip();	/* TAPs need CAP_NET_ADMIN */
	}
	/*
	 * A network namespace of our own (no clash with other tests' TAPs)
	 * where the kernel sends nothing on its own through them (IPv6's
	 * router solicitations and MLD would reach the fake guest).
	 */
	{
		FILE *f = fopen("/proc/sys/net/ipv6/conf/default/disable_ipv6", "w");

		if (f) {
			fputs("1", f);
			fclose(f);
		}
	}
	e->fg = fg_new();
	e->srv = vmbus_server_new((const struct vmbus_server_ops *)&fg_ops, e->fg, 2);
	fg_set_send(e->fg, srv_send, e->srv);
	env.srv = e->srv;
	assert_int_equal(netvsp_vsp_type.parse(&cfg, "tap=" NIC0), 0);
	assert_int_equal(netvsp_vsp_type.parse(&cfg, "tap=" NIC1 ",mtu=9000"), 0);
	/* One TAP, one MAC per NIC. */
	assert_int_equal(netvsp_vsp_type.parse(&cfg, "tap=" NIC0 ",mac=02:00:00:00:00:09"), -1);
	e->nics = netvsp_vsp_type.create(&env, cfg);
	netvsp_vsp_type.cfg_free(cfg);
	assert_non_null(e->nics);
	assert_null(netvsp_vsp_type.device(e->nics));	/* it offers its NICs itself */
	c.vmbus_version_requested = 0x50002;
	c.u.v5.msg_sint = OVB_VMBUS_MESSAGE_SINT;
	send_msg(e, &c, sizeof(c));
	assert_non_null(fg_expect(e->fg, CHANNELMSG_VERSION_RESPONSE));
	send_msg(e, &req, sizeof(req));
	e->tid = 1;
	*state = e;
	return 0;
}

/* An interface's MTU as the kernel has it (asked: /sys shows the first namespace); -1 if none. */
static int sys_mtu(const char *ifname)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = -1;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (s >= 0 && ioctl(s, SIOCGIFMTU, &ifr) == 0)
		mtu = ifr.ifr_mtu;
	if (s >= 0)
		close(s);
	return mtu;
}

struct remove_job {
	struct env *e;
	const char *args;
	int ret;
};

static void *remove_thread(void *arg)
{
	struct remove_job *j = arg;

	j->ret = nic_cmd(j->e, j->args, NULL);
	return NULL;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * Two NICs at start, each with its own offer, instance and MAC and its
 * own counters; the second removed while open (the guest told the link
 * is down first and let go idle, then the rescind; its TAP is gone), and
 * added again: offered anew with the same instance, a new relid.
 */
static void test_nics_add_remove(void **state)
{
	struct env *e = *state;
	struct ovb_guid inst0, inst1, inst1b;
	uint32_t relid0, conn0, relid1b, conn1b;
	struct vmbus_channel_rescind_offer rs;
	struct remove_job job = { e, "remove 1", -1 };
	uint8_t frame[200], msg[300];
	struct rndis_msg_hdr h;
	struct json_object *reply, *v;
	pthread_t t;
	const uint8_t *r;
	uint32_t len;
	uint64_t tid;
	double t0;

	expect_offer(e, &relid0, &conn0, &inst0);
	expect_offer(e, &e->relid, &e->conn_id, &inst1);
	assert_int_not_equal(relid0, e->relid);
	assert_memory_not_equal(&inst0, &inst1, sizeof(inst0));
	assert_int_equal(nics_count(e), 2);
	assert_int_equal(nic_field(e, 0, "id"), 0);
	assert_int_equal(nic_field(e, 1, "id"), 1);
	assert_int_equal(nic_field(e, 1, "mtu"), 9000);
	{
		struct json_object *h2, *a = nics_status(e, &h2), *m0, *m1;

		assert_true(json_object_object_get_ex(json_object_array_get_idx(a, 0), "mac", &m0));
		assert_true(json_object_object_get_ex(json_object_array_get_idx(a, 1), "mac", &m1));
		assert_string_not_equal(json_object_get_string(m0), json_object_get_string(m1));
		json_object_put(h2);
	}
	assert_true(if_nametoindex(NIC0) > 0);
	assert_true(if_nametoindex(NIC1) > 0);
	assert_int_equal(sys_mtu(NIC0), 1500);
	assert_int_equal(sys_mtu(NIC1), 9000);	/* mtu=9000 set on its TAP */

	/* The second NIC carries a frame: counted on it alone. */
	chan_open(e, 1, 2);
	bringup(e);
	memset(frame, 0xff, 12);
	memset(frame + 12, 0x42, sizeof(frame) - 12);
	len = nf_build_data_ppi(msg, frame, sizeof(frame), 0, 0);
	tid = e->tid;
	rndis_send(e, msg, len);
	expect_send_completed(e, tid);
	assert_int_equal(nic_field(e, 1, "tx_packets"), 1);
	assert_int_equal(nic_field(e, 0, "tx_packets"), 0);
	assert_int_equal(nic_field(e, 1, "bad_packets"), 0);

	/* Hot remove while open: link down to the guest, then the rescind. */
	while (fg_next(e->fg))
		;
	t0 = now_s();
	assert_int_equal(pthread_create(&t, NULL, remove_thread, &job), 0);
	r = recv_rndis(e, &len);	/* completed: the guest holds nothing */
	memcpy(&h, r, 8);
	assert_int_equal(h.ndis_msg_type, RNDIS_MSG_INDICATE);
	{
		struct rndis_indicate_status st;

		memcpy(&st, r + 8, sizeof(st));
		assert_int_equal(st.status, RNDIS_STATUS_MEDIA_DISCONNECT);
	}
	pthread_join(t, NULL);
	assert_int_equal(job.ret, 0);
	/* Quiesced as soon as the guest was idle, not at the timeout. */
	assert_true(now_s() - t0 < 2.0);
	memcpy(&rs, fg_expect(e->fg, CHANNELMSG_RESCIND_CHANNELOFFER)->data, sizeof(rs));
	assert_int_equal(rs.child_relid, e->relid);
	assert_int_equal(nics_count(e), 1);
	assert_int_equal(if_nametoindex(NIC1), 0);	/* our TAP: gone with its fd */
	assert_true(if_nametoindex(NIC0) > 0);
	assert_int_equal(nic_cmd(e, "remove 1", NULL), -1);
	assert_int_equal(nic_cmd(e, "remove x", NULL), -1);
	/* The other TAP and MAC are taken; a bad spec is refused. */
	assert_int_equal(nic_cmd(e, "add tap=" NIC0, NULL), -1);
	assert_int_equal(nic_cmd(e, "add mtu=9000", NULL), -1);

	/*
	 * Not while the guest still holds the rescinded channel of the same
	 * instance (Linux would take the offer for a sub-channel's).
	 */
	assert_int_equal(nic_cmd(e, "add tap=" NIC1 ",mtu=9000", NULL), -1);
	assert_true(if_nametoindex(NIC1) == 0);
	{
		struct vmbus_channel_relid_released rel = {
			.header.msgtype = CHANNELMSG_RELID_RELEASED, .child_relid = e->relid };

		send_msg(e, &rel, sizeof(rel));
	}
	/* Hot add: the same NIC comes back in slot 1, the same instance, a new relid. */
	assert_int_equal(nic_cmd(e, "add tap=" NIC1 ",mtu=9000", &reply), 0);
	assert_true(json_object_object_get_ex(reply, "id", &v));
	assert_int_equal(json_object_get_int(v), 1);
	json_object_put(reply);
	expect_offer(e, &relid1b, &conn1b, &inst1b);
	assert_memory_equal(&inst1, &inst1b, sizeof(inst1));
	assert_int_equal(nics_count(e), 2);
	assert_true(if_nametoindex(NIC1) > 0);
	assert_int_equal(nic_field(e, 1, "tx_packets"), 0);	/* a new NIC, new counters */
	/* link without an ID: every NIC; with one: that one. */
	assert_int_equal(nic_cmd(e, "link down 0", NULL), 0);
	assert_int_equal(nic_cmd(e, "link down 5", NULL), -1);
	assert_int_equal(nic_cmd(e, "link sideways", NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_data_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lso_to_tap, setup_offload, teardown),
		cmocka_unit_test_setup_teardown(test_jumbo, setup_jumbo, teardown),
		cmocka_unit_test(test_cfg_parse),
		cmocka_unit_test_setup_teardown(test_nics_add_remove, setup_two_nics, teardown),
		cmocka_unit_test(test_tap_fill_csum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
