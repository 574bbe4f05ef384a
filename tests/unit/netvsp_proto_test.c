// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * netvsp's pure protocol driven as the Linux guest drives it (netvsc.c,
 * rndis_filter.c): NVSP negotiation at every version, the buffers, RNDIS
 * bring-up, sends to the TAP from send sections and GPA-direct ranges,
 * frames to the guest in receive sections, link indications, and every
 * kind of malformed input, each dropped and counted with the channel
 * still working after it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hostside/netvsp/netvsp.h"
#include "ovb/nvsp.h"
#include "ovb/ring.h"
#include "ovb/rndis.h"
#include "tests/unit/netvsp_fakeio.h"

#define PAGE 4096u

static int setup(void **state)
{
	*state = nf_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	struct netvsp_fake *f = *state;

	nf_free(f);
	return 0;
}

static struct netvsp_stats stats(struct netvsp_fake *f)
{
	struct netvsp_stats s;

	netvsp_get_stats(f->nv, &s);
	return s;
}

static const struct nf_comp *init(struct netvsp_fake *f, uint32_t lo, uint32_t hi)
{
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG_TYPE_INIT };
	unsigned int before = f->ncomps;

	m.u.init.min_protocol_ver = lo;
	m.u.init.max_protocol_ver = hi;
	assert_int_equal(nf_nvsp(f, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m, sizeof(m)), 0);
	assert_int_equal(f->ncomps, before + 1);
	return nf_last_comp(f);
}

/* Each version Linux tries is accepted alone; anything else fails, never silently. */
static void test_init_versions(void **state)
{
	static const uint32_t ok[] = { 0x60001, 0x60000, 0x50000, 0x40000, 0x30002, 0x2 };
	static const uint32_t no[] = { 0x1, 0x30001, 0x70000, 0x60002, 0xffffffff };
	struct netvsp_fake *f = *state;
	const struct nf_comp *c;

	for (unsigned int i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t tid = f->tid;

		c = init(f, ok[i], ok[i]);
		assert_int_equal(c->trans_id, tid);	/* echoed exactly */
		assert_int_equal(c->msg.msg_type, NVSP_MSG_TYPE_INIT_COMPLETE);
		assert_int_equal(c->msg.u.init_complete.status, NVSP_STAT_SUCCESS);
		assert_int_equal(c->msg.u.init_complete.negotiated_protocol_ver, ok[i]);
		assert_true(c->len >= 4 + 24);	/* the guest checks the buffer-completion size */
		assert_int_equal(stats(f).nvsp_version, ok[i]);
	}
	for (unsigned int i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		c = init(f, no[i], no[i]);
		assert_int_equal(c->msg.msg_type, NVSP_MSG_TYPE_INIT_COMPLETE);
		assert_int_not_equal(c->msg.u.init_complete.status, NVSP_STAT_SUCCESS);
	}
	/* A range gets the highest we speak. */
	c = init(f, 0x2, 0x7ffff);
	assert_int_equal(c->msg.u.init_complete.negotiated_protocol_ver, 0x60001);
	assert_int_equal(nf_bad_packets(f), 0);
}

/* NDIS_CONFIG and NDIS_VER come without a completion request: none is sent. */
static void test_config_not_completed(void **state)
{
	struct netvsp_fake *f = *state;

	assert_int_equal(nf_connect(f, OVB_NVSP_VERSION_61), 0);
	/* INIT, receive and send buffer: three completions, nothing for the other two. */
	assert_int_equal(f->ncomps, 3);
	assert_int_equal(stats(f).ndis_version, 0x6001e);
}

static void test_buffers(void **state)
{
	struct netvsp_fake *f = *state;
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG1_TYPE_SEND_RECV_BUF };
	const struct nvsp_send_recv_buf_complete *rc;
	const struct nf_comp *c;

	/* Before INIT: refused. */
	m.u.send_buf.gpadl_handle = NF_RECV_GPADL;
	m.u.send_buf.id = OVB_NETVSC_RECEIVE_BUFFER_ID;
	nf_nvsp(f, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m, sizeof(m));
	assert_int_equal(nf_last_comp(f)->msg.u.recv_buf_complete.status, NVSP_STAT_FAIL);
	assert_int_equal(f->maps, 0);

	init(f, OVB_NVSP_VERSION_6, OVB_NVSP_VERSION_6);
	/* A GPADL that does not exist: refused. */
	m.u.send_buf.gpadl_handle = 0x999;
	nf_nvsp(f, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m, sizeof(m));
	assert_int_equal(nf_last_comp(f)->msg.u.recv_buf_complete.status, NVSP_STAT_FAIL);

	m.u.send_buf.gpadl_handle = NF_RECV_GPADL;
	nf_nvsp(f, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m, sizeof(m));
	c = nf_last_comp(f);
	rc = &c->msg.u.recv_buf_complete;
	assert_int_equal(c->msg.msg_type, NVSP_MSG1_TYPE_SEND_RECV_BUF_COMPLETE);
	assert_int_equal(rc->status, NVSP_STAT_SUCCESS);
	/* What netvsc_init_buf demands. */
	assert_int_equal(rc->num_sections, 1);
	assert_int_equal(rc->sections[0].offset, 0);
	assert_true(rc->sections[0].sub_alloc_size >= OVB_NVSP_MIN_SECTION_SIZE);
	assert_true(rc->sections[0].sub_alloc_size >= 1514 + 44);	/* a full frame fits */
	assert_true((uint64_t)rc->sections[0].sub_alloc_size * rc->sections[0].num_sub_allocs <=
		    (uint64_t)NF_RECV_PAGES * PAGE);
	assert_int_equal(rc->sections[0].end_offset,
			 rc->sections[0].sub_alloc_size * rc->sections[0].num_sub_allocs);
	/* Twice: refused, the first stays. */
	nf_nvsp(f, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m, sizeof(m));
	assert_int_equal(nf_last_comp(f)->msg.u.recv_buf_complete.status, NVSP_STAT_FAIL);
	assert_int_equal(f->maps, 1);

	m.msg_type = NVSP_MSG1_TYPE_SEND_SEND_BUF;
	m.u.send_buf.gpadl_handle = NF_SEND_GPADL;
	m.u.send_buf.id = 0;
	nf_nvsp(f, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m, sizeof(m));
	c = nf_last_comp(f);
	assert_int_equal(c->msg.msg_type, NVSP_MSG1_TYPE_SEND_SEND_BUF_COMPLETE);
	assert_int_equal(c->msg.u.send_buf_complete.status, NVSP_STAT_SUCCESS);
	assert_true(c->msg.u.send_buf_complete.section_size >= OVB_NVSP_MIN_SECTION_SIZE);
	assert_int_equal(f->maps, 2);

	/* Revoked: unmapped at once. */
	m.msg_type = NVSP_MSG1_TYPE_REVOKE_SEND_BUF;
	m.u.revoke_buf.id = 0;
	nf_nvsp(f, 0, &m, sizeof(m));
	m.msg_type = NVSP_MSG1_TYPE_REVOKE_RECV_BUF;
	m.u.revoke_buf.id = OVB_NETVSC_RECEIVE_BUFFER_ID;
	nf_nvsp(f, 0, &m, sizeof(m));
	assert_int_equal(f->maps, 0);
	assert_int_equal(nf_bad_packets(f), 0);
}

/* The offload object's revision and size follow the NVSP version, as the guest asks. */
static void test_offload_caps_per_version(void **state)
{
	static const struct { uint32_t ver; uint8_t rev; uint16_t size; } v[] = {
		{ 0x60001, 3, 156 }, { 0x50000, 3, 156 }, { 0x40000, 2, 144 },
		{ 0x30002, 1, 112 }, { 0x2, 1, 112 },
	};

	for (unsigned int i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct netvsp_fake *f = nf_new();
		struct ndis_object_header h;
		const uint8_t *info;
		uint32_t st, n;

		assert_non_null(f);
		assert_int_equal(nf_bringup(f, v[i].ver), 0);
		info = nf_query(f, RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES, &st, &n);
		assert_non_null(info);
		assert_int_equal(st, RNDIS_STATUS_SUCCESS);
		assert_int_equal(n, v[i].size);
		memcpy(&h, info, sizeof(h));
		assert_int_equal(h.type, NDIS_OBJECT_TYPE_OFFLOAD);
		assert_int_equal(h.revision, v[i].rev);
		assert_int_equal(h.size, v[i].size);
		nf_free(f);
		(void)state;
	}
}

static void test_rndis_queries(void **state)
{
	struct netvsp_fake *f = *state;
	const uint8_t *info;
	uint32_t st, n, v;

	assert_int_equal(nf_bringup(f, OVB_NVSP_VERSION_61), 0);
	assert_true(stats(f).rndis_up);
	info = nf_query(f, RNDIS_OID_802_3_PERMANENT_ADDRESS, &st, &n);
	assert_non_null(info);
	assert_int_equal(n, 6);
	assert_memory_equal(info, f->mac, 6);
	info = nf_query(f, RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE, &st, &n);
	assert_non_null(info);
	assert_int_equal(n, 4);
	memcpy(&v, info, 4);
	assert_int_equal(v, 1500);
	info = nf_query(f, RNDIS_OID_GEN_MEDIA_CONNECT_STATUS, &st, &n);
	memcpy(&v, info, 4);
	assert_int_equal(v, RNDIS_MEDIA_STATE_CONNECTED);
	info = nf_query(f, RNDIS_OID_GEN_LINK_SPEED, &st, &n);
	assert_int_equal(st, RNDIS_STATUS_SUCCESS);
	assert_int_equal(n, 4);
	/* Not offered: failed, empty, so the guest sets up no vRSS and no alias. */
	info = nf_query(f, RNDIS_OID_GEN_RECEIVE_SCALE_CAPABILITIES, &st, &n);
	assert_non_null(info);
	assert_int_not_equal(st, RNDIS_STATUS_SUCCESS);
	assert_int_equal(n, 0);
	info = nf_query(f, RNDIS_OID_GEN_FRIENDLY_NAME, &st, &n);
	assert_int_not_equal(st, RNDIS_STATUS_SUCCESS);
	info = nf_query(f, 0x12345678, &st, &n);
	assert_int_equal(st, RNDIS_STATUS_NOT_SUPPORTED);
	assert_int_equal(nf_set(f, 0x12345678, "x", 1), RNDIS_STATUS_NOT_SUPPORTED);
	assert_int_equal(nf_set(f, RNDIS_OID_GEN_CURRENT_PACKET_FILTER, "x", 1),
			 RNDIS_STATUS_INVALID_LENGTH);
	/* Every send was completed with success, echoing the guest's id. */
	assert_int_equal(nf_last_comp(f)->msg.msg_type, NVSP_MSG1_TYPE_SEND_RNDIS_PKT_COMPLETE);
	assert_int_equal(nf_last_comp(f)->msg.u.rndis_pkt_complete.status, NVSP_STAT_SUCCESS);
	assert_int_equal(nf_last_comp(f)->trans_id, f->tid - 1);
	assert_int_equal(nf_bad_packets(f), 0);
}

static void test_keepalive_halt(void **state)
{
	struct netvsp_fake *f = *state;
	struct rndis_msg_hdr h = { RNDIS_MSG_KEEPALIVE, 12 };
	uint8_t req[12];
	uint32_t id = 42, len, st;
	const uint8_t *r;
	unsigned int before;

	assert_int_equal(nf_bringup(f, OVB_NVSP_VERSION_5), 0);
	memcpy(req, &h, 8);
	memcpy(req + 8, &id, 4);
	nf_rndis_section(f, 1, req, sizeof(req));
	r = nf_last_rndis(f, &len);
	assert_int_equal(len, 16);
	memcpy(&h, r, 8);
	assert_int_equal(h.ndis_msg_type, RNDIS_MSG_KEEPALIVE_C);
	memcpy(&id, r + 8, 4);
	memcpy(&st, r + 12, 4);
	assert_int_equal(id, 42);
	assert_int_equal(st, RNDIS_STATUS_SUCCESS);
	/* HALT: no answer, no more data to the guest. */
	h = (struct rndis_msg_hdr){ RNDIS_MSG_HALT, 12 };
	memcpy(req, &h, 8);
	before = f->nxfers;
	nf_rndis_section(f, 1, req, sizeof(req));
	assert_int_equal(f->nxfers, before);
	assert_false(stats(f).rndis_up);
	assert_int_equal(netvsp_rx_frame(f->nv, &nf_io, f, (const uint8_t *)"0123456789abcdef", 16),
			 -ENODEV);
}

static void frame_fill(uint8_t *fr, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		fr[i] = (uint8_t)(seed + i * 7);
}

static void test_tx_send_section(void **state)
{
	struct netvsp_fake *f = *state;
	uint8_t fr[1514], buf[3 * 1600];
	uint32_t len = 0;

	assert_int_equal(nf_bringup(f, OVB_NVSP_VERSION_61), 0);
	frame_fill(fr, sizeof(fr), 1);
	len = nf_build_data(buf, fr, sizeof(fr));
	nf_rndis_section(f, 5, buf, len);
	assert_int_equal(f->nframes, 1);
	assert_int_equal(f->frame_len, sizeof(fr));
	assert_memory_equal(f->frame, fr, sizeof(fr));
	/* Three packets batched in one section, as the guest does with max_pkt_per_msg. */
	len = 0;
	for (int i = 0; i < 3; i++) {
		frame_fill(fr, 60, (uint8_t)(i + 10));
		len += nf_build_data(buf + len, fr, 60);
		len = (len + 7) & ~7u;	/* the alignment INIT_C asked for: zero padding */
	}
	nf_rndis_section(f, 6, buf, len);
	assert_int_equal(f->nframes, 4);
	assert_int_equal(f->frame_len, 60);
	assert_memory_equal(f->frame, fr, 60);
	assert_int_equal(stats(f).tx_packets, 4);
	assert_int_equal(stats(f).tx_bytes, 1514 + 180);
	assert_int_equal(nf_bad_packets(f), 0);
}

/* A GPA-direct send: the RNDIS header in one range, the frame across a page boundary in another. */
static uint32_t gpa_direct(struct netvsp_fake *f, uint8_t *pkt, uint32_t hdr_off, uint32_t hdr_len,
			   uint32_t data_off, uint32_t data_len)
{
	struct ovb_gpa_direct_header h = { .d = { .type = OVB_VMPKT_DATA_USING_GPA_DIRECT,
						  .flags = OVB_VMPKT_FLAG_COMPLETION_REQUESTED },
					   .range_count = 2 };
	struct ovb_gpa_range r1 = { .byte_count = hdr_len, .byte_offset = hdr_off % PAGE };
	struct ovb_gpa_range r2 = { .byte_count = data_len, .byte_offset = data_off % PAGE };
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG1_TYPE_SEND_RNDIS_PKT };
	uint64_t pfn = hdr_off / PAGE;
	uint32_t pos = sizeof(h), n2 = (data_off % PAGE + data_len + PAGE - 1) / PAGE;

	memcpy(pkt + pos, &r1, sizeof(r1));
	pos += sizeof(r1);
	memcpy(pkt + pos, &pfn, 8);
	pos += 8;
	memcpy(pkt + pos, &r2, sizeof(r2));
	pos += sizeof(r2);
	for (uint32_t i = 0; i < n2; i++) {
		pfn = data_off / PAGE + i;
		memcpy(pkt + pos, &pfn, 8);
		pos += 8;
	}
	h.d.offset8 = (uint16_t)(pos / 8);
	m.u.rndis_pkt.send_buf_section_index = OVB_NVSP_INVALID_SECTION;
	memcpy(pkt + pos, &m, sizeof(m));
	pos += sizeof(m);
	h.d.len8 = (uint16_t)(pos / 8);
	h.d.trans_id = f->tid++;
	memcpy(pkt, &h, sizeof(h));
	return pos;
}

static void test_tx_gpa_direct(void **state)
{
	struct netvsp_fake *f = *state;
	uint8_t fr[1400], pkt[512], hdr[64];
	uint32_t hoff = NF_FREE_PFN * PAGE + 100, doff = (NF_FREE_PFN + 2) * PAGE + 3000, len;

	assert_int_equal(nf_bringup(f, OVB_NVSP_VERSION_61), 0);
	frame_fill(fr, sizeof(fr), 3);
	/* The header claims the frame that follows in the next range. */
	nf_build_data(hdr, fr, 0);
	{
		struct rndis_msg_hdr h = { RNDIS_MSG_PACKET, 44 + sizeof(fr) };
		struct rndis_packet p = { .data_offset = 36, .data_len = sizeof(fr) };

		memcpy(hdr, &h, 8);
		memcpy(hdr + 8, &p, sizeof(p));
	}
	memcpy(f->ram + hoff, hdr, 44);
	memcpy(f->ram + doff, fr, sizeof(fr));
	len = gpa_direct(f, pkt, hoff, 44, doff, sizeof(fr));
	assert_int_equal(nf_packet(f, pkt, len), 0);
	assert_int_equal(f->nframes, 1);
	assert_int_equal(f->frame_len, sizeof(fr));
	assert_memory_equal(f->frame, fr, sizeof(fr));
	assert_int_equal(nf_last_comp(f)->msg.u.rndis_pkt_complete.status, NVSP_STAT_SUCCESS);

	/* The same with a PFN past guest RAM: dropped, counted, failed. */
	len = gpa_direct(f, pkt, hoff, 44, (uint64_t)NF_RAM_PAGES * PAGE - 100, sizeof(fr));
	assert_int_equal(nf_packet(f, pkt, len), 0);
	assert_int_equal(f->nframes, 1);
	assert_int_equal(nf_last_comp(f)->msg.u.rndis_pkt_complete.status, NVSP_STAT_FAIL);
	assert_int_equal(nf_bad_packets(f), 1);
	assert_int_equal(stats(f).tx_drops, 1);
}

/*
 * Linux's cp_partial send: the section holds a batched packet and the
 * next packet's RNDIS header, the GPA range that packet's frame; one
 * message spans both (netvsc_send). Failed before the section and the
 * ranges were joined: "RNDIS message runs past its send".
 */
static void test_tx_section_and_ranges(void **state)
{
	struct netvsp_fake *f = *state;
	struct ovb_gpa_direct_header h = { .d = { .type = OVB_VMPKT_DATA_USING_GPA_DIRECT,
						  .flags = OVB_VMPKT_FLAG_COMPLETION_REQUESTED },
					   .range_count = 1 };
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG1_TYPE_SEND_RNDIS_PKT };
	uint32_t doff = (NF_FREE_PFN + 5) * PAGE + 2500, pos = sizeof(h), len;
	struct ovb_gpa_range r = { .byte_count = 1400, .byte_offset = doff % PAGE };
	uint8_t a[60], b[1400], sec[256], pkt[256];
	uint64_t pfn;

	assert_int_equal(nf_bringup(f, OVB_NVSP_VERSION_61), 0);
	frame_fill(a, sizeof(a), 21);
	frame_fill(b, sizeof(b), 22);
	len = nf_build_data(sec, a, sizeof(a));
	{
		struct rndis_msg_hdr rh = { RNDIS_MSG_PACKET, 44 + sizeof(b) };
		struct rndis_packet rp = { .data_offset = 36, .data_len = sizeof(b) };

		memcpy(sec + len, &rh, 8);
		memcpy(sec + len + 8, &rp, sizeof(rp));
		len += 44;
	}
	memcpy(f->ram + NF_SEND_PFN * PAGE + 7 * f->send_section_size, sec, len);
	memcpy(f->ram + doff, b, sizeof(b));
	memcpy(pkt + pos, &r, sizeof(r));
	pos += sizeof(r);
	for (uint32_t i = 0; i < 2; i++) {	/* 2500 + 1400 spans two pages */
		pfn = doff / PAGE + i;
		memcpy(pkt + pos, &pfn, 8);
		pos += 8;
	}
	h.d.offset8 = (uint16_t)(pos / 8);
	m.u.rndis_pkt.send_buf_section_index = 7;
	m.u.rndis_pkt.send_buf_section_size = len;
	memcpy(pkt + pos, &m, sizeof(m));
	pos += sizeof(m);
	h.d.len8 = (uint16_t)(pos / 8);
	h.d.trans_id = 99;
	memcpy(pkt, &h, sizeof(h));
	assert_int_equal(nf_packet(f, pkt, pos), 0);
	assert_int_equal(nf_last_comp(f)->trans_id, 99);
	assert_int_equal(nf_last_comp(f)->msg.u.rndis_pkt_complete.status, NVSP_STAT_SUCCESS);
	assert_int_equal(f->nframes, 2);
	assert_int_equal(f->frame_len, sizeof(b));
	assert_memory_equal(f->frame, b, sizeof(b));
	assert_int_equal(nf_bad_packets(f), 0);
}

static void test_rx_frames_and_sections(void **state)
{
	struct netvsp_fake *f = *state;
	struct rndis_packet p;
	struct rndis_msg_hdr h;
	uint8_t fr[1514];
	const uint8_t *r;
	uint32_t len, delivered = 0, st, n;
	int ret;

	frame_fill(fr, sizeof(fr), 9);
	/* Nothing before the guest is ready. */
	assert_int_equal(netvsp_rx_frame(f->nv, &nf_io, f, fr, sizeof(fr)), -ENODEV);
	assert_int_equal(nf_bringup(f, OVB_NVSP_VERSION_61), 0);
	assert_int_equal(netvsp_rx_frame(f->nv, &nf_io, f, fr, sizeof(fr)), 0);
	r = nf_last_rndis(f, &len);
	assert_int_equal(f->xfers[(f->nxfers - 1) % NF_MAX_LOG].channel_type,
			 OVB_NVSP_CHANNEL_DATA);
	assert_int_equal(len, 44 + sizeof(fr));
	assert_true(len <= f->recv_section_size);
	memcpy(&h, r, 8);
	memcpy(&p, r + 8, sizeof(p));
	assert_int_equal(h.ndis_msg_type, RNDIS_MSG_PACKET);
	assert_int_equal(h.msg_len, len);
	assert_int_equal(p.data_offset, sizeof(p));
	assert_int_equal(p.data_len, sizeof(fr));
	assert_memory_equal(r + 8 + p.data_offset, fr, sizeof(fr));
	delivered = 1;
	/* Sections held by the guest run out; control answers keep a reserve. */
	while ((ret = netvsp_rx_frame(f->nv, &nf_io, f, fr, 60)) == 0)
		delivered++;
	assert_int_equal(ret, -EAGAIN);
	/* Every section but the control reserve (NETVSP_CONTROL_SECTIONS, 8). */
	assert_int_equal(delivered, NF_RECV_PAGES * PAGE / f->recv_section_size - 8);
	assert_non_null(nf_query(f, RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE, &st, &n));
	/* One completion frees one section. */
	assert_int_equal(nf_complete_xfer(f, f->xfers[0].trans_id), 0);
	assert_int_equal(netvsp_rx_frame(f->nv, &nf_io, f, fr, 60), 0);
	assert_int_equal(netvsp_rx_frame(f->nv, &nf_io, f, fr, 60), -EAGAIN);
	/* Completing the same section twice is the guest's error: counted. */
	assert_int_equal(nf_complete_xfer(f, f->xfers[0].trans_id), 0);
	assert_int_equal(nf_complete_xfer(f, f->xfers[0].trans_id), -EINVAL);
	assert_int_equal(nf_bad_packets(f), 1);
	/* A full ring gives the section back. */
	f->xfer_ret = -EAGAIN;
	assert_int_equal(netvsp_rx_frame(f->nv, &nf_io, f, fr, 60), -EAGAIN);
	f->xfer_ret = 0;
	assert_int_equal(netvsp_rx_frame(f->nv, &nf_io, f, fr, 60), 0);
	/* A frame no section can hold. */
	{
		static uint8_t big[9000];

		assert_int_equal(netvsp_rx_frame(f->nv, &nf_io, f, big, sizeof(big)), -EMSGSIZE);
	}
	assert_int_equal(stats(f).rx_packets, delivered + 2);
}

static void test_link_indication(void **state)
{
	struct netvsp_fake *f = *state;
	struct rndis_indicate_status s;
	struct rndis_msg_hdr h;
	const uint8_t *r, *info;
	uint32_t len, st, n, v;
	uint8_t fr[60] = { 0 };

	assert_int_equal(nf_bringup(f, OVB_NVSP_VERSION_61), 0);
	netvsp_proto_set_link(f->nv, false);
	netvsp_indicate_link(f->nv, &nf_io, f);
	r = nf_last_rndis(f, &len);
	assert_int_equal(len, 8 + sizeof(s));
	memcpy(&h, r, 8);
	memcpy(&s, r + 8, sizeof(s));
	assert_int_equal(h.ndis_msg_type, RNDIS_MSG_INDICATE);
	assert_int_equal(h.msg_len, len);
	assert_int_equal(s.status, RNDIS_STATUS_MEDIA_DISCONNECT);
	assert_int_equal(f->xfers[(f->nxfers - 1) % NF_MAX_LOG].channel_type,
			 OVB_NVSP_CHANNEL_CONTROL);
	info = nf_query(f, RNDIS_OID_GEN_MEDIA_CONNECT_STATUS, &st, &n);
	memcpy(&v, info, 4);
	assert_int_equal(v, RNDIS_MEDIA_STATE_DISCONNECTED);
	assert_int_equal(netvsp_rx_frame(f->nv, &nf_io, f, fr, sizeof(fr)), -ENODEV);
	netvsp_proto_set_link(f->nv, true);
	netvsp_indicate_link(f->nv, &nf_io, f);
	r = nf_last_rndis(f, &len);
	memcpy(&s, r + 8, sizeof(s));
	assert_int_equal(s.status, RNDIS_STATUS_MEDIA_CONNECT);
	assert_int_equal(netvsp_rx_frame(f->nv, &nf_io, f, fr, sizeof(fr)), 0);
}

/* Each malformed packet: dropped, counted once, and the NIC still answers afterwards. */
static void test_bad_input(void **state)
{
	struct netvsp_fake *f = *state;
	struct ovb_nvsp_msg m;
	struct ovb_vmpacket_desc d;
	uint8_t pkt[512], buf[2048];
	uint64_t b = 0;
	uint32_t st, n, len;

	assert_int_equal(nf_bringup(f, OVB_NVSP_VERSION_61), 0);
#define EXPECT_BAD() do { assert_int_equal(nf_bad_packets(f), ++b); \
	assert_non_null(nf_query(f, RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE, &st, &n)); } while (0)

	/* Shorter than a descriptor; offset8 inside it; len8 past the bytes. */
	memset(pkt, 0, sizeof(pkt));
	assert_int_equal(nf_packet(f, pkt, 8), -EINVAL);
	EXPECT_BAD();
	d = (struct ovb_vmpacket_desc){ .type = OVB_VMPKT_DATA_INBAND, .offset8 = 1, .len8 = 8 };
	memcpy(pkt, &d, sizeof(d));
	assert_int_equal(nf_packet(f, pkt, 64), -EINVAL);
	EXPECT_BAD();
	d.offset8 = 2;
	d.len8 = 100;
	memcpy(pkt, &d, sizeof(d));
	assert_int_equal(nf_packet(f, pkt, 64), -EINVAL);
	EXPECT_BAD();
	/* A packet type netvsc never sends. */
	d.type = OVB_VMPKT_DATA_USING_GPADL;
	d.len8 = 8;
	memcpy(pkt, &d, sizeof(d));
	assert_int_equal(nf_packet(f, pkt, 64), -EINVAL);
	EXPECT_BAD();
	/* Unknown and host-only NVSP types; a short INIT. */
	memset(&m, 0, sizeof(m));
	m.msg_type = 999;
	assert_int_equal(nf_nvsp(f, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m, sizeof(m)), -EINVAL);
	EXPECT_BAD();
	m.msg_type = NVSP_MSG_TYPE_INIT_COMPLETE;
	assert_int_equal(nf_nvsp(f, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m, sizeof(m)), -EINVAL);
	EXPECT_BAD();
	m.msg_type = NVSP_MSG_TYPE_INIT;
	assert_int_equal(nf_nvsp(f, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m, 8), -EINVAL);
	EXPECT_BAD();
	/* Send section out of range, or longer than a section; no section and in-band. */
	m.msg_type = NVSP_MSG1_TYPE_SEND_RNDIS_PKT;
	m.u.rndis_pkt.send_buf_section_index = NF_SEND_PAGES * PAGE / f->send_section_size;
	m.u.rndis_pkt.send_buf_section_size = 100;
	nf_nvsp(f, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m, sizeof(m));
	assert_int_equal(nf_last_comp(f)->msg.u.rndis_pkt_complete.status, NVSP_STAT_FAIL);
	EXPECT_BAD();
	m.u.rndis_pkt.send_buf_section_index = 0;
	m.u.rndis_pkt.send_buf_section_size = f->send_section_size + 1;
	nf_nvsp(f, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m, sizeof(m));
	EXPECT_BAD();
	m.u.rndis_pkt.send_buf_section_index = OVB_NVSP_INVALID_SECTION;
	nf_nvsp(f, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m, sizeof(m));
	EXPECT_BAD();
	/* RNDIS: msg_len past the section's bytes, shorter than a header, unknown type. */
	{
		struct rndis_msg_hdr h = { RNDIS_MSG_QUERY, 200 };

		memcpy(buf, &h, 8);
		nf_rndis_section(f, 0, buf, 100);
		assert_int_equal(nf_last_comp(f)->msg.u.rndis_pkt_complete.status,
				 NVSP_STAT_INVALID_RNDIS_PKT);
		EXPECT_BAD();
		h.msg_len = 4;
		memcpy(buf, &h, 8);
		nf_rndis_section(f, 0, buf, 100);
		EXPECT_BAD();
		h = (struct rndis_msg_hdr){ 0x77, 32 };
		memcpy(buf, &h, 8);
		nf_rndis_section(f, 0, buf, 32);
		EXPECT_BAD();
		/* A query too short for its body. */
		h = (struct rndis_msg_hdr){ RNDIS_MSG_QUERY, 16 };
		memcpy(buf, &h, 8);
		nf_rndis_section(f, 0, buf, 16);
		EXPECT_BAD();
	}
	/* Data packets: data_offset past the message, data_len past it, a runt frame. */
	{
		uint8_t fr[100] = { 0 };
		struct rndis_packet p;

		len = nf_build_data(buf, fr, sizeof(fr));
		memcpy(&p, buf + 8, sizeof(p));
		p.data_offset = 4000;
		memcpy(buf + 8, &p, sizeof(p));
		nf_rndis_section(f, 0, buf, len);
		EXPECT_BAD();
		p.data_offset = 36;
		p.data_len = 0xfffffff0u;
		memcpy(buf + 8, &p, sizeof(p));
		nf_rndis_section(f, 0, buf, len);
		EXPECT_BAD();
		p.data_len = 10;
		memcpy(buf + 8, &p, sizeof(p));
		nf_rndis_section(f, 0, buf, len);
		EXPECT_BAD();
		p.data_offset = 20;	/* inside the fixed part */
		p.data_len = 60;
		memcpy(buf + 8, &p, sizeof(p));
		nf_rndis_section(f, 0, buf, len);
		EXPECT_BAD();
		assert_int_equal(f->nframes, 0);
	}
	/* GPA-direct: no ranges, too many, an offset past its page, PFNs missing. */
	{
		struct ovb_gpa_direct_header h = { .d = { .type = OVB_VMPKT_DATA_USING_GPA_DIRECT,
							  .offset8 = 5, .len8 = 10,
							  .flags = 1 } };
		struct ovb_gpa_range r = { .byte_count = 100, .byte_offset = 0 };
		uint64_t pfn = NF_FREE_PFN;

		memset(pkt, 0, sizeof(pkt));
		m.msg_type = NVSP_MSG1_TYPE_SEND_RNDIS_PKT;
		m.u.rndis_pkt.send_buf_section_index = OVB_NVSP_INVALID_SECTION;
		memcpy(pkt + 40, &m, sizeof(m));
		h.range_count = 0;
		memcpy(pkt, &h, sizeof(h));
		nf_packet(f, pkt, 80);
		EXPECT_BAD();
		h.range_count = 1000;
		memcpy(pkt, &h, sizeof(h));
		nf_packet(f, pkt, 80);
		EXPECT_BAD();
		h.range_count = 1;
		r.byte_offset = PAGE;
		memcpy(pkt, &h, sizeof(h));
		memcpy(pkt + 24, &r, sizeof(r));
		memcpy(pkt + 32, &pfn, 8);
		nf_packet(f, pkt, 80);
		EXPECT_BAD();
		r.byte_offset = 4000;	/* spans two pages: one PFN short */
		memcpy(pkt + 24, &r, sizeof(r));
		nf_packet(f, pkt, 80);
		EXPECT_BAD();
		/* Any NVSP type but SEND_RNDIS_PKT in a GPA-direct packet. */
		r.byte_offset = 0;
		memcpy(pkt + 24, &r, sizeof(r));
		m.msg_type = NVSP_MSG_TYPE_INIT;
		memcpy(pkt + 40, &m, sizeof(m));
		nf_packet(f, pkt, 80);
		EXPECT_BAD();
	}
	/* Completions: a section never sent, an absurd id, the wrong NVSP type, empty. */
	assert_int_equal(nf_complete_xfer(f, 5000), -EINVAL);
	EXPECT_BAD();
	assert_int_equal(nf_complete_xfer(f, 1ull << 40), -EINVAL);
	EXPECT_BAD();
	d = (struct ovb_vmpacket_desc){ .type = OVB_VMPKT_COMP, .offset8 = 2, .len8 = 3 };
	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, &d, sizeof(d));
	pkt[16] = NVSP_MSG_TYPE_INIT;
	assert_int_equal(nf_packet(f, pkt, 24), -EINVAL);
	EXPECT_BAD();
	d.len8 = 2;
	memcpy(pkt, &d, sizeof(d));
	assert_int_equal(nf_packet(f, pkt, 16), -EINVAL);
	EXPECT_BAD();
	/* Sub-channels are refused with none granted (the guest waits for each one granted). */
	memset(&m, 0, sizeof(m));
	m.msg_type = NVSP_MSG5_TYPE_SUBCHANNEL;
	m.u.subchannel.op = OVB_NVSP_SUBCHANNEL_ALLOCATE;
	m.u.subchannel.num_subchannels = 3;
	nf_nvsp(f, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m, sizeof(m));
	assert_int_equal(nf_last_comp(f)->msg.msg_type, NVSP_MSG5_TYPE_SUBCHANNEL);
	assert_int_equal(nf_last_comp(f)->msg.u.subchannel_complete.num_subchannels, 0);
	assert_int_equal(nf_bad_packets(f), b);
#undef EXPECT_BAD
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_not_completed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buffers, setup, teardown),
		cmocka_unit_test(test_offload_caps_per_version),
		cmocka_unit_test_setup_teardown(test_rndis_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_halt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_send_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_gpa_direct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_section_and_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_frames_and_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_indication, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
