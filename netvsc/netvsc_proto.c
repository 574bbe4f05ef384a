// SPDX-License-Identifier: GPL-2.0
/*
 * ovb_netvsc's parsers of host bytes (netvsc_proto.h). Facts: Linux 6.1
 * drivers/net/hyperv/netvsc.c (netvsc_init_buf: the receive buffer
 * completion holds one section at offset 0; netvsc_receive: every range
 * must lie inside the receive buffer), rndis_filter.c (rndis_filter_receive
 * and rndis_get_ppi: offsets are from the byte after the 8-byte header, a
 * per-packet info's own offset from its start) and include/ovb's NVSP and
 * RNDIS headers. Lengths are checked in u64 so no sum of host values wraps.
 */
#include <linux/errno.h>
#include <linux/string.h>

#include "netvsc/netvsc_proto.h"

/* Minimum lengths of what the host sends, from include/ovb/nvsp.h's table. */
static u32 nvsc_nvsp_min_len(u32 type)
{
#define NVSC_NVSP_MIN(t, s, l, v, d) case t: return (d) & NVSP_DIR_H2G ? (l) : 0;
	switch (type) {
	OVB_NVSP_MSG_TABLE(NVSC_NVSP_MIN)
	default:
		return 0;
	}
#undef NVSC_NVSP_MIN
}

int ovb_nvsc_parse_nvsp(const void *buf, u32 len, struct ovb_nvsp_msg *m)
{
	u32 min;

	memset(m, 0, sizeof(*m));
	if (len < sizeof(m->msg_type))
		return -EBADMSG;
	memcpy(m, buf, len < sizeof(*m) ? len : sizeof(*m));
	min = nvsc_nvsp_min_len(m->msg_type);
	if (!min || len < min)
		return -EBADMSG;
	return 0;
}

int ovb_nvsc_recv_buf_layout(const struct ovb_nvsp_msg *m, u32 buf_size, u32 *size,
			     u32 *count)
{
	const struct nvsp_send_recv_buf_complete *c = &m->u.recv_buf_complete;
	const struct nvsp_receive_buffer_section *s = &c->sections[0];

	if (m->msg_type != NVSP_MSG1_TYPE_SEND_RECV_BUF_COMPLETE)
		return -EPROTO;
	if (c->status != NVSP_STAT_SUCCESS)
		return -EIO;
	if (c->num_sections != 1 || s->offset != 0 ||
	    s->sub_alloc_size < OVB_NVSP_MIN_SECTION_SIZE || !s->num_sub_allocs ||
	    (u64)s->sub_alloc_size * s->num_sub_allocs > buf_size)
		return -EPROTO;
	*size = s->sub_alloc_size;
	*count = s->num_sub_allocs;
	return 0;
}

int ovb_nvsc_send_buf_layout(const struct ovb_nvsp_msg *m, u32 buf_size, u32 *size,
			     u32 *count)
{
	const struct nvsp_send_send_buf_complete *c = &m->u.send_buf_complete;

	if (m->msg_type != NVSP_MSG1_TYPE_SEND_SEND_BUF_COMPLETE)
		return -EPROTO;
	if (c->status != NVSP_STAT_SUCCESS)
		return -EIO;
	if (c->section_size < OVB_NVSP_MIN_SECTION_SIZE || c->section_size > buf_size)
		return -EPROTO;
	*size = c->section_size;
	*count = buf_size / c->section_size;
	return 0;
}

int ovb_nvsc_xfer_range(const struct ovb_vmxfer_page_range *r, u32 buf_size, u32 *off,
			u32 *len)
{
	struct ovb_vmxfer_page_range v;

	memcpy(&v, r, sizeof(v));
	if (!v.byte_count || (u64)v.byte_offset + v.byte_count > buf_size)
		return -EPROTO;
	*off = v.byte_offset;
	*len = v.byte_count;
	return 0;
}

/*
 * The per-packet info elements at @p (@len bytes, inside the message):
 * each is at least its header, fits what is left, and its value lies
 * inside it. Unknown types are skipped.
 */
static int rndis_parse_ppi(const u8 *p, u32 len, struct ovb_rndis_rx *m)
{
	unsigned int n;

	for (n = 0; len && n < OVB_NVSC_MAX_PPI; n++) {
		struct rndis_per_packet_info ppi;
		u32 val;

		if (len < sizeof(ppi))
			return -EBADMSG;
		memcpy(&ppi, p, sizeof(ppi));
		if (ppi.size < sizeof(ppi) || ppi.size > len || ppi.ppi_offset < sizeof(ppi) ||
		    ppi.ppi_offset > ppi.size)
			return -EBADMSG;
		if (ppi.type == RNDIS_PPI_TCPIP_CHKSUM || ppi.type == RNDIS_PPI_IEEE_8021Q) {
			if (ppi.size - ppi.ppi_offset < sizeof(val))
				return -EBADMSG;
			memcpy(&val, p + ppi.ppi_offset, sizeof(val));
			if (ppi.type == RNDIS_PPI_TCPIP_CHKSUM) {
				m->pkt.has_csum = true;
				m->pkt.csum = val;
			} else {
				m->pkt.has_vlan = true;
				m->pkt.vlan = val;
			}
		}
		p += ppi.size;
		len -= ppi.size;
	}
	return len ? -EBADMSG : 0;
}

static int rndis_parse_packet(const u8 *body, u32 blen, struct ovb_rndis_rx *m)
{
	struct rndis_packet pk;

	if (blen < sizeof(pk))
		return -EBADMSG;
	memcpy(&pk, body, sizeof(pk));
	if (pk.data_offset < sizeof(pk) || !pk.data_len ||
	    (u64)pk.data_offset + pk.data_len > blen)
		return -EBADMSG;
	m->pkt.data = body + pk.data_offset;
	m->pkt.len = pk.data_len;
	if (!pk.per_pkt_info_len)
		return 0;
	if (pk.per_pkt_info_offset < sizeof(pk) ||
	    (u64)pk.per_pkt_info_offset + pk.per_pkt_info_len > blen)
		return -EBADMSG;
	return rndis_parse_ppi(body + pk.per_pkt_info_offset, pk.per_pkt_info_len, m);
}

/* A completion: request id and status lead every body we take. */
static int rndis_parse_cmplt(u32 type, const u8 *body, u32 blen, struct ovb_rndis_rx *m)
{
	struct rndis_query_complete q;
	u32 min;

	switch (type) {
	case RNDIS_MSG_INIT_C:
		min = sizeof(struct rndis_initialize_complete);
		break;
	case RNDIS_MSG_QUERY_C:
		min = sizeof(struct rndis_query_complete);
		break;
	case RNDIS_MSG_SET_C:
		min = sizeof(struct rndis_set_complete);
		break;
	default:
		min = sizeof(struct rndis_keepalive_complete);
		break;
	}
	if (blen < min)
		return -EBADMSG;
	memcpy(&m->cmplt.req_id, body, sizeof(u32));
	memcpy(&m->cmplt.status, body + 4, sizeof(u32));
	m->cmplt.body = body;
	m->cmplt.body_len = blen;
	if (type != RNDIS_MSG_QUERY_C)
		return 0;
	memcpy(&q, body, sizeof(q));
	/* no information: no pointer either (its offset is then anything) */
	if (q.status != RNDIS_STATUS_SUCCESS || !q.info_buflen)
		return 0;
	if (q.info_buf_offset < sizeof(q) || (u64)q.info_buf_offset + q.info_buflen > blen)
		return -EBADMSG;
	m->cmplt.info = body + q.info_buf_offset;
	m->cmplt.info_len = q.info_buflen;
	return 0;
}

int ovb_rndis_parse(const u8 *buf, u32 len, struct ovb_rndis_rx *m)
{
	struct rndis_msg_hdr h;
	struct rndis_indicate_status ind;
	const u8 *body = buf + sizeof(h);
	u32 blen;

	memset(m, 0, sizeof(*m));
	if (len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	if (h.msg_len < sizeof(h) || h.msg_len > len || h.msg_len > OVB_NVSC_MAX_RNDIS)
		return -EBADMSG;
	blen = h.msg_len - sizeof(h);
	m->type = h.ndis_msg_type;
	switch (h.ndis_msg_type) {
	case RNDIS_MSG_PACKET:
		return rndis_parse_packet(body, blen, m);
	case RNDIS_MSG_INIT_C:
	case RNDIS_MSG_QUERY_C:
	case RNDIS_MSG_SET_C:
	case RNDIS_MSG_KEEPALIVE_C:
		return rndis_parse_cmplt(h.ndis_msg_type, body, blen, m);
	case RNDIS_MSG_INDICATE:
		if (blen < sizeof(ind))
			return -EBADMSG;
		memcpy(&ind, body, sizeof(ind));
		if (ind.status_buflen && (ind.status_buf_offset < sizeof(ind) ||
					  (u64)ind.status_buf_offset + ind.status_buflen > blen))
			return -EBADMSG;
		m->indicate.status = ind.status;
		return 0;
	default:
		return -EPROTO;
	}
}

int ovb_nvsc_offloads(const u8 *info, u32 len, u32 nvsp_ver, u32 *lso_max,
		      struct ndis_offload_params *p, u32 *p_len)
{
	const u32 tcp4 = NDIS_TXCSUM_CAP_TCP4 | NDIS_TXCSUM_CAP_TCP4OPT;
	const u32 tcp6 = NDIS_TXCSUM_CAP_TCP6 | NDIS_TXCSUM_CAP_TCP6OPT | NDIS_TXCSUM_CAP_IP6EXT;
	const u32 ip6opts = NDIS_LSOV2_CAP_IP6EXT | NDIS_LSOV2_CAP_TCP6OPT;
	bool udp = nvsp_ver > OVB_NVSP_VERSION_4;
	struct ndis_offload o;
	u32 f = 0, max = OVB_NVSC_LSO_MAX;

	memset(&o, 0, sizeof(o));
	memset(p, 0, sizeof(*p));
	if (len < NDIS_OFFLOAD_SIZE_6_0)
		return -EPROTO;
	memcpy(&o, info, len < sizeof(o) ? len : sizeof(o));
	if (o.header.type != NDIS_OBJECT_TYPE_OFFLOAD || o.header.revision < 1 ||
	    o.header.size < NDIS_OFFLOAD_SIZE_6_0 || o.header.size > len)
		return -EPROTO;
	p->ip_v4_csum = NDIS_OFFLOAD_PARAMETERS_TX_RX_DISABLED;	/* the kernel does IP's */
	if ((o.csum.ip4_txcsum & tcp4) == tcp4) {
		f |= OVB_NVSC_TX_TCP4;
		p->tcp_ip_v4_csum = NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED;
		if (udp && o.csum.ip4_txcsum & NDIS_TXCSUM_CAP_UDP4) {
			f |= OVB_NVSC_TX_UDP4;
			p->udp_ip_v4_csum = NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED;
		}
		if (o.lsov2.ip4_encap & NDIS_OFFLOAD_ENCAP_8023 && o.lsov2.ip4_maxsz) {
			f |= OVB_NVSC_TSO4;
			p->lso_v2_ipv4 = NDIS_OFFLOAD_PARAMETERS_LSOV2_ENABLED;
			if (o.lsov2.ip4_maxsz < max)
				max = o.lsov2.ip4_maxsz;
		}
	}
	if ((o.csum.ip6_txcsum & tcp6) == tcp6) {
		f |= OVB_NVSC_TX_TCP6;
		p->tcp_ip_v6_csum = NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED;
		if (udp && o.csum.ip6_txcsum & NDIS_TXCSUM_CAP_UDP6) {
			f |= OVB_NVSC_TX_UDP6;
			p->udp_ip_v6_csum = NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED;
		}
		if (o.lsov2.ip6_encap & NDIS_OFFLOAD_ENCAP_8023 && o.lsov2.ip6_maxsz &&
		    (o.lsov2.ip6_opts & ip6opts) == ip6opts) {
			f |= OVB_NVSC_TSO6;
			p->lso_v2_ipv6 = NDIS_OFFLOAD_PARAMETERS_LSOV2_ENABLED;
			if (o.lsov2.ip6_maxsz < max)
				max = o.lsov2.ip6_maxsz;
		}
	}
	*lso_max = f & (OVB_NVSC_TSO4 | OVB_NVSC_TSO6) ? max : 0;
	p->header.type = NDIS_OBJECT_TYPE_DEFAULT;
	p->header.revision = NDIS_OFFLOAD_PARAMETERS_REVISION_3;
	*p_len = nvsp_ver <= OVB_NVSP_VERSION_4 ? NDIS_OFFLOAD_PARAMS_SIZE_V4 : sizeof(*p);
	p->header.size = *p_len;
	return f;
}
