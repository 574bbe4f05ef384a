// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The fake channel and TAP of netvsp_fakeio.h. */
#include "tests/unit/netvsp_fakeio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hostside/netvsp/netvsp_internal.h"
#include "ovb/ring.h"

#define PAGE 4096u

static void *nf_gpadl_map(void *ctx, uint32_t gpadl, uint64_t *len)
{
	struct netvsp_fake *f = ctx;

	if (gpadl == NF_RECV_GPADL) {
		*len = (uint64_t)NF_RECV_PAGES * PAGE;
		f->maps++;
		return f->ram + (uint64_t)NF_RECV_PFN * PAGE;
	}
	if (gpadl == NF_SEND_GPADL) {
		*len = (uint64_t)NF_SEND_PAGES * PAGE;
		f->maps++;
		return f->ram + (uint64_t)NF_SEND_PFN * PAGE;
	}
	*len = 0;
	return NULL;
}

static void nf_gpadl_unmap(void *ctx, void *p)
{
	struct netvsp_fake *f = ctx;

	f->maps--;
}

static void *nf_gpa_map(void *ctx, uint64_t gpa, uint64_t len)
{
	struct netvsp_fake *f = ctx;
	uint64_t size = (uint64_t)NF_RAM_PAGES * PAGE;

	if (gpa >= size || len > size - gpa)
		return NULL;
	return f->ram + gpa;
}

static int nf_complete(void *ctx, uint64_t trans_id, const void *msg, uint32_t len)
{
	struct netvsp_fake *f = ctx;
	struct nf_comp *c = &f->comps[f->ncomps++ % NF_MAX_LOG];

	memset(c, 0, sizeof(*c));
	c->trans_id = trans_id;
	c->len = len;
	memcpy(&c->msg, msg, len < sizeof(c->msg) ? len : sizeof(c->msg));
	return 0;
}

static int nf_send_xfer(void *ctx, uint64_t trans_id, uint32_t channel_type, uint32_t offset,
			uint32_t len)
{
	struct netvsp_fake *f = ctx;
	struct nf_xfer *x;

	if (f->xfer_ret)
		return f->xfer_ret;
	x = &f->xfers[f->nxfers++ % NF_MAX_LOG];
	x->trans_id = trans_id;
	x->channel_type = channel_type;
	x->offset = offset;
	x->len = len;
	return 0;
}

static int nf_tap_write(void *ctx, const uint8_t *frame, uint32_t len,
			const struct netvsp_tx_meta *meta)
{
	struct netvsp_fake *f = ctx;

	f->nframes++;
	f->meta = *meta;
	f->frame_len = len < sizeof(f->frame) ? len : (uint32_t)sizeof(f->frame);
	memcpy(f->frame, frame, f->frame_len);
	return 0;
}

const struct netvsp_io nf_io = {
	.gpadl_map = nf_gpadl_map,
	.gpadl_unmap = nf_gpadl_unmap,
	.gpa_map = nf_gpa_map,
	.complete = nf_complete,
	.send_xfer = nf_send_xfer,
	.tap_write = nf_tap_write,
};

static struct netvsp_fake *nf_make(bool offload)
{
	struct netvsp_fake *f = calloc(1, sizeof(*f));
	struct netvsp_cfg cfg = { .ifname = "", .mac = { 0x00, 0x15, 0x5d, 0x01, 0x02, 0x03 },
				  .mtu = 1500, .tap_fd = -1, .offload = offload };
	size_t size = ((size_t)NF_RAM_PAGES + 2) * PAGE;

	if (!f)
		return NULL;
	f->map = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f->map == MAP_FAILED) {
		free(f);
		return NULL;
	}
	f->ram = f->map + PAGE;
	mprotect(f->ram, (size_t)NF_RAM_PAGES * PAGE, PROT_READ | PROT_WRITE);
	memcpy(f->mac, cfg.mac, 6);
	f->nv = calloc(1, sizeof(*f->nv));
	if (!f->nv || netvsp_proto_init(f->nv, &cfg)) {
		nf_free(f);
		return NULL;
	}
	f->tid = 1;
	return f;
}

struct netvsp_fake *nf_new(void)
{
	return nf_make(false);
}

struct netvsp_fake *nf_new_offload(void)
{
	return nf_make(true);
}

void nf_free(struct netvsp_fake *f)
{
	if (!f)
		return;
	if (f->nv) {
		netvsp_protocol_reset(f->nv, &nf_io, f);
		netvsp_proto_fini(f->nv);
		free(f->nv);
	}
	munmap(f->map, ((size_t)NF_RAM_PAGES + 2) * PAGE);
	free(f);
}

int nf_packet(struct netvsp_fake *f, const void *pkt, uint32_t len)
{
	return netvsp_packet_handle(f->nv, pkt, len, &nf_io, f);
}

int nf_nvsp(struct netvsp_fake *f, uint16_t flags, const struct ovb_nvsp_msg *m, uint32_t len)
{
	struct ovb_vmpacket_desc d = { .type = OVB_VMPKT_DATA_INBAND, .offset8 = 2, .flags = flags };
	uint32_t total = (uint32_t)sizeof(d) + ((len + 7) & ~7u);

	d.len8 = (uint16_t)(total / 8);
	d.trans_id = f->tid++;
	memset(f->pkt, 0, total);
	memcpy(f->pkt, &d, sizeof(d));
	memcpy(f->pkt + sizeof(d), m, len);
	return nf_packet(f, f->pkt, total);
}

const struct nf_comp *nf_last_comp(struct netvsp_fake *f)
{
	return f->ncomps ? &f->comps[(f->ncomps - 1) % NF_MAX_LOG] : NULL;
}

static int nf_buffer(struct netvsp_fake *f, uint32_t type, uint32_t gpadl, uint16_t id)
{
	struct ovb_nvsp_msg m = { .msg_type = type };
	const struct nf_comp *c;
	unsigned int before = f->ncomps;

	m.u.send_buf.gpadl_handle = gpadl;
	m.u.send_buf.id = id;
	nf_nvsp(f, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m, sizeof(m));
	c = nf_last_comp(f);
	if (f->ncomps != before + 1)
		return -1;
	if (type == NVSP_MSG1_TYPE_SEND_RECV_BUF) {
		if (c->msg.u.recv_buf_complete.status != NVSP_STAT_SUCCESS)
			return -1;
		f->recv_section_size = c->msg.u.recv_buf_complete.sections[0].sub_alloc_size;
		return 0;
	}
	if (c->msg.u.send_buf_complete.status != NVSP_STAT_SUCCESS)
		return -1;
	f->send_section_size = c->msg.u.send_buf_complete.section_size;
	return 0;
}

int nf_connect(struct netvsp_fake *f, uint32_t version)
{
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG_TYPE_INIT };
	const struct nf_comp *c;

	m.u.init.min_protocol_ver = m.u.init.max_protocol_ver = version;
	nf_nvsp(f, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m, sizeof(m));
	c = nf_last_comp(f);
	if (!c || c->msg.msg_type != NVSP_MSG_TYPE_INIT_COMPLETE ||
	    c->msg.u.init_complete.status != NVSP_STAT_SUCCESS)
		return -1;
	/* NDIS config and version carry no completion request, as Linux sends them. */
	memset(&m, 0, sizeof(m));
	m.msg_type = NVSP_MSG2_TYPE_SEND_NDIS_CONFIG;
	m.u.ndis_config.mtu = 1514;
	nf_nvsp(f, 0, &m, sizeof(m));
	memset(&m, 0, sizeof(m));
	m.msg_type = NVSP_MSG1_TYPE_SEND_NDIS_VER;
	m.u.ndis_ver.ndis_major_ver = 6;
	m.u.ndis_ver.ndis_minor_ver = version >= OVB_NVSP_VERSION_5 ? 30 : 1;
	nf_nvsp(f, 0, &m, sizeof(m));
	if (nf_buffer(f, NVSP_MSG1_TYPE_SEND_RECV_BUF, NF_RECV_GPADL, OVB_NETVSC_RECEIVE_BUFFER_ID))
		return -1;
	return nf_buffer(f, NVSP_MSG1_TYPE_SEND_SEND_BUF, NF_SEND_GPADL, OVB_NETVSC_SEND_BUFFER_ID);
}

int nf_rndis_section(struct netvsp_fake *f, uint32_t section, const void *msg, uint32_t len)
{
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG1_TYPE_SEND_RNDIS_PKT };

	memcpy(f->ram + (uint64_t)NF_SEND_PFN * PAGE + (uint64_t)section * f->send_section_size,
	       msg, len);
	m.u.rndis_pkt.channel_type = OVB_NVSP_CHANNEL_CONTROL;
	m.u.rndis_pkt.send_buf_section_index = section;
	m.u.rndis_pkt.send_buf_section_size = len;
	return nf_nvsp(f, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, &m, sizeof(m));
}

const uint8_t *nf_last_rndis(struct netvsp_fake *f, uint32_t *len)
{
	const struct nf_xfer *x;

	if (!f->nxfers)
		return NULL;
	x = &f->xfers[(f->nxfers - 1) % NF_MAX_LOG];
	*len = x->len;
	return f->ram + (uint64_t)NF_RECV_PFN * PAGE + x->offset;
}

int nf_complete_xfer(struct netvsp_fake *f, uint64_t trans_id)
{
	struct ovb_vmpacket_desc d = { .type = OVB_VMPKT_COMP, .offset8 = 2, .len8 = 3,
				       .trans_id = trans_id };
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG1_TYPE_SEND_RNDIS_PKT_COMPLETE };
	uint8_t pkt[24];

	m.u.rndis_pkt_complete.status = NVSP_STAT_SUCCESS;
	memcpy(pkt, &d, sizeof(d));
	memcpy(pkt + 16, &m, 8);
	return nf_packet(f, pkt, sizeof(pkt));
}

/* Send one control request and take its answer (completing its section). */
static const uint8_t *nf_control(struct netvsp_fake *f, const void *req, uint32_t len,
				 uint32_t *rlen)
{
	unsigned int before = f->nxfers;
	const uint8_t *r;

	nf_rndis_section(f, 0, req, len);
	if (f->nxfers != before + 1)
		return NULL;
	r = nf_last_rndis(f, rlen);
	nf_complete_xfer(f, f->xfers[(f->nxfers - 1) % NF_MAX_LOG].trans_id);
	return r;
}

const uint8_t *nf_query(struct netvsp_fake *f, uint32_t oid, uint32_t *status, uint32_t *info_len)
{
	uint8_t req[8 + sizeof(struct rndis_query_request)];
	struct rndis_msg_hdr h = { RNDIS_MSG_QUERY, sizeof(req) };
	struct rndis_query_request q = { .req_id = 77, .oid = oid,
					 .info_buf_offset = sizeof(q) };
	struct rndis_query_complete c;
	const uint8_t *r;
	uint32_t rlen;

	memcpy(req, &h, 8);
	memcpy(req + 8, &q, sizeof(q));
	r = nf_control(f, req, sizeof(req), &rlen);
	if (!r || rlen < 8 + sizeof(c))
		return NULL;
	memcpy(&h, r, 8);
	memcpy(&c, r + 8, sizeof(c));
	if (h.ndis_msg_type != RNDIS_MSG_QUERY_C || c.req_id != 77 || h.msg_len != rlen ||
	    c.info_buf_offset < sizeof(c) || c.info_buf_offset + c.info_buflen > rlen - 8)
		return NULL;
	*status = c.status;
	*info_len = c.info_buflen;
	return r + 8 + c.info_buf_offset;
}

uint32_t nf_set(struct netvsp_fake *f, uint32_t oid, const void *info, uint32_t info_len)
{
	uint8_t req[512];
	struct rndis_msg_hdr h = { RNDIS_MSG_SET, (uint32_t)(8 + sizeof(struct rndis_set_request)) +
							  info_len };
	struct rndis_set_request s = { .req_id = 78, .oid = oid, .info_buflen = info_len,
				       .info_buf_offset = sizeof(s) };
	struct rndis_set_complete c;
	const uint8_t *r;
	uint32_t rlen;

	if (h.msg_len > sizeof(req))
		return 0xffffffffu;
	memcpy(req, &h, 8);
	memcpy(req + 8, &s, sizeof(s));
	memcpy(req + 8 + sizeof(s), info, info_len);
	r = nf_control(f, req, h.msg_len, &rlen);
	if (!r || rlen != 8 + sizeof(c))
		return 0xffffffffu;
	memcpy(&h, r, 8);
	memcpy(&c, r + 8, sizeof(c));
	return h.ndis_msg_type == RNDIS_MSG_SET_C && c.req_id == 78 ? c.status : 0xffffffffu;
}

uint64_t nf_bad_packets(struct netvsp_fake *f)
{
	struct netvsp_stats s;

	netvsp_get_stats(f->nv, &s);
	return s.bad_packets;
}

int nf_bringup(struct netvsp_fake *f, uint32_t version)
{
	uint8_t req[8 + sizeof(struct rndis_initialize_request)];
	struct rndis_msg_hdr h = { RNDIS_MSG_INIT, sizeof(req) };
	struct rndis_initialize_request i = { .req_id = 1, .major_ver = 1, .max_xfer_size = 0x4000 };
	struct ndis_offload_params op = { .header = { NDIS_OBJECT_TYPE_DEFAULT, 3, 28 } };
	uint32_t filter = RNDIS_PACKET_TYPE_DIRECTED | RNDIS_PACKET_TYPE_BROADCAST |
			  RNDIS_PACKET_TYPE_ALL_MULTICAST;
	uint32_t rlen, st, n;
	const uint8_t *r;

	if (nf_connect(f, version))
		return -1;
	memcpy(req, &h, 8);
	memcpy(req + 8, &i, sizeof(i));
	r = nf_control(f, req, sizeof(req), &rlen);
	if (!r || rlen != 8 + sizeof(struct rndis_initialize_complete))
		return -1;
	memcpy(&st, r + 12, 4);
	if (st != RNDIS_STATUS_SUCCESS)
		return -1;
	if (!nf_query(f, RNDIS_OID_802_3_PERMANENT_ADDRESS, &st, &n) || st || n != 6)
		return -1;
	if (!nf_query(f, RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES, &st, &n) || st)
		return -1;
	if (nf_set(f, RNDIS_OID_TCP_OFFLOAD_PARAMETERS, &op, sizeof(op)))
		return -1;
	return nf_set(f, RNDIS_OID_GEN_CURRENT_PACKET_FILTER, &filter, 4) ? -1 : 0;
}

uint32_t nf_build_data(uint8_t *buf, const void *frame, uint32_t frame_len)
{
	struct rndis_msg_hdr h = { RNDIS_MSG_PACKET, (uint32_t)(8 + sizeof(struct rndis_packet)) +
						     frame_len };
	struct rndis_packet p = { .data_offset = sizeof(p), .data_len = frame_len };

	memcpy(buf, &h, 8);
	memcpy(buf + 8, &p, sizeof(p));
	memcpy(buf + 8 + sizeof(p), frame, frame_len);
	return h.msg_len;
}

uint32_t nf_build_data_ppi(uint8_t *buf, const void *frame, uint32_t frame_len, uint32_t type,
			   uint32_t value)
{
	struct rndis_per_packet_info ppi = { .size = 16, .type = type, .ppi_offset = 12 };
	struct rndis_msg_hdr h = { RNDIS_MSG_PACKET, (uint32_t)(8 + sizeof(struct rndis_packet)) +
						     16 + frame_len };
	struct rndis_packet p = { .data_offset = sizeof(p) + 16, .data_len = frame_len,
				  .per_pkt_info_offset = sizeof(p), .per_pkt_info_len = 16 };

	memcpy(buf, &h, 8);
	memcpy(buf + 8, &p, sizeof(p));
	memcpy(buf + 8 + sizeof(p), &ppi, sizeof(ppi));
	memcpy(buf + 8 + sizeof(p) + 12, &value, 4);
	memcpy(buf + 8 + sizeof(p) + 16, frame, frame_len);
	return h.msg_len;
}

void nf_send_gpa(struct netvsp_fake *f, const uint8_t *msg, uint32_t len)
{
	struct ovb_gpa_direct_header h = { .d = { .type = OVB_VMPKT_DATA_USING_GPA_DIRECT,
						  .flags = OVB_VMPKT_FLAG_COMPLETION_REQUESTED },
					   .range_count = 1 };
	struct ovb_gpa_range r = { .byte_count = len, .byte_offset = 0 };
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG1_TYPE_SEND_RNDIS_PKT };
	static uint8_t pkt[1024];
	uint32_t pos = sizeof(h), n = (len + PAGE - 1) / PAGE;

	memcpy(f->ram + (uint64_t)NF_FREE_PFN * PAGE, msg, len);
	memcpy(pkt + pos, &r, sizeof(r));
	pos += sizeof(r);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t pfn = NF_FREE_PFN + i;

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
	nf_packet(f, pkt, pos);
}
