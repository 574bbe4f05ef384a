// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The RNDIS device: control requests answered from struct rndis_dev, data
 * packets unwrapped, and the host's own messages built. What the Linux
 * guest needs answered, and how it checks the answers, is in
 * rndis_filter.c (rndis_filter_device_add and the functions it calls): a
 * failed INIT, PERMANENT_ADDRESS or TCP_OFFLOAD_HARDWARE_CAPABILITIES, or a
 * failed SET of TCP_OFFLOAD_PARAMETERS, stops the NIC; other queries may
 * fail (the guest then goes without: no friendly name, no vRSS).
 *
 * Offloads: with tx_offload the object offers TX checksum (TCP, UDP, v4
 * and v6) and LSOv2 (v4, v6) on 802.3 frames; without, it is valid and
 * empty, so the guest checksums and segments in software.
 */
#include "hostside/netvsp/rndis_dev.h"

#include <errno.h>
#include <string.h>

#define HDR	((uint32_t)sizeof(struct rndis_msg_hdr))

int rndis_dev_next(const uint8_t *buf, uint32_t len, uint32_t *off, struct rndis_msg *m)
{
	struct rndis_msg_hdr h;
	uint32_t left;

	if (*off >= len || len - *off < HDR)
		return 1;
	left = len - *off;
	memcpy(&h, buf + *off, sizeof(h));
	if (!h.ndis_msg_type && !h.msg_len)
		return 1;
	if (h.msg_len < HDR || h.msg_len > left)
		return -EINVAL;
	m->type = h.ndis_msg_type;
	m->len = h.msg_len;
	m->p = buf + *off;
	*off += h.msg_len;
	return 0;
}

int rndis_dev_packet(const struct rndis_msg *m, uint32_t max_frame, const uint8_t **frame,
		     uint32_t *frame_len)
{
	struct rndis_packet pkt;
	uint32_t body = m->len - HDR;

	if (m->type != RNDIS_MSG_PACKET || body < sizeof(pkt))
		return -EINVAL;
	memcpy(&pkt, m->p + HDR, sizeof(pkt));
	/* The frame lies within the body, after the fixed part. */
	if (pkt.data_offset < sizeof(pkt) || pkt.data_offset > body ||
	    pkt.data_len > body - pkt.data_offset || pkt.data_len < 14 || pkt.data_len > max_frame)
		return -EINVAL;
	*frame = m->p + HDR + pkt.data_offset;
	*frame_len = pkt.data_len;
	return 0;
}

int rndis_dev_packet_ppi(const struct rndis_msg *m, uint32_t type, uint32_t *value)
{
	struct rndis_packet pkt;
	uint32_t body = m->len - HDR, off, end;
	const uint8_t *b = m->p + HDR;

	memcpy(&pkt, b, sizeof(pkt));
	if (!pkt.per_pkt_info_offset || !pkt.per_pkt_info_len)
		return 0;
	if (pkt.per_pkt_info_offset < sizeof(pkt) || pkt.per_pkt_info_offset > body ||
	    pkt.per_pkt_info_len > body - pkt.per_pkt_info_offset)
		return -EINVAL;
	off = pkt.per_pkt_info_offset;
	end = off + pkt.per_pkt_info_len;
	/* A guest puts at most a few (VLAN, checksum, LSO, hash): a budget of 16. */
	for (int n = 0; n < 16 && end - off >= sizeof(struct rndis_per_packet_info); n++) {
		struct rndis_per_packet_info ppi;

		memcpy(&ppi, b + off, sizeof(ppi));
		if (ppi.size < sizeof(ppi) || ppi.size > end - off || ppi.ppi_offset < sizeof(ppi) ||
		    ppi.ppi_offset > ppi.size || ppi.size - ppi.ppi_offset < 4)
			return -EINVAL;
		if (ppi.type == type) {
			memcpy(value, b + off + ppi.ppi_offset, 4);
			return 1;
		}
		off += ppi.size;
	}
	return 0;
}

/* Start an answer of @type whose body is @body bytes: the header, body zeroed. */
static uint8_t *rndis_dev_answer(uint8_t *resp, uint32_t type, uint32_t body)
{
	struct rndis_msg_hdr h = { .ndis_msg_type = type, .msg_len = HDR + body };

	memset(resp, 0, HDR + body);
	memcpy(resp, &h, sizeof(h));
	return resp + HDR;
}

static const uint32_t rndis_dev_oids[] = {
	RNDIS_OID_GEN_SUPPORTED_LIST,
	RNDIS_OID_GEN_HARDWARE_STATUS,
	RNDIS_OID_GEN_MEDIA_SUPPORTED,
	RNDIS_OID_GEN_MEDIA_IN_USE,
	RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE,
	RNDIS_OID_GEN_LINK_SPEED,
	RNDIS_OID_GEN_CURRENT_PACKET_FILTER,
	RNDIS_OID_GEN_MAXIMUM_TOTAL_SIZE,
	RNDIS_OID_GEN_MEDIA_CONNECT_STATUS,
	RNDIS_OID_802_3_PERMANENT_ADDRESS,
	RNDIS_OID_802_3_CURRENT_ADDRESS,
	RNDIS_OID_802_3_MAXIMUM_LIST_SIZE,
	RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES,
	RNDIS_OID_TCP_OFFLOAD_CURRENT_CONFIG,
};

/* The (empty) offload capabilities at the revision the guest's NVSP version asks for. */
static uint32_t rndis_dev_offload(const struct rndis_dev *d, uint8_t *out)
{
	struct ndis_offload o;

	memset(&o, 0, sizeof(o));
	o.header.type = NDIS_OBJECT_TYPE_OFFLOAD;
	if (d->nvsp_version >= 0x50000u) {
		o.header.revision = NDIS_OFFLOAD_PARAMETERS_REVISION_3;
		o.header.size = NDIS_OFFLOAD_SIZE;
	} else if (d->nvsp_version >= 0x40000u) {
		o.header.revision = NDIS_OFFLOAD_PARAMETERS_REVISION_2;
		o.header.size = NDIS_OFFLOAD_SIZE_6_1;
	} else {
		o.header.revision = NDIS_OFFLOAD_PARAMETERS_REVISION_1;
		o.header.size = NDIS_OFFLOAD_SIZE_6_0;
	}
	if (d->tx_offload) {
		o.csum.ip4_txenc = o.csum.ip6_txenc = NDIS_OFFLOAD_ENCAP_8023;
		o.csum.ip4_txcsum = NDIS_TXCSUM_CAP_TCP4 | NDIS_TXCSUM_CAP_TCP4OPT | NDIS_TXCSUM_CAP_UDP4;
		o.csum.ip6_txcsum = NDIS_TXCSUM_CAP_TCP6 | NDIS_TXCSUM_CAP_TCP6OPT |
				    NDIS_TXCSUM_CAP_UDP6 | NDIS_TXCSUM_CAP_IP6EXT;
		o.lsov2.ip4_encap = o.lsov2.ip6_encap = NDIS_OFFLOAD_ENCAP_8023;
		o.lsov2.ip4_maxsz = o.lsov2.ip6_maxsz = RNDIS_DEV_LSO_MAX;
		o.lsov2.ip4_minsg = o.lsov2.ip6_minsg = 2;
		o.lsov2.ip6_opts = NDIS_LSOV2_CAP_IP6EXT | NDIS_LSOV2_CAP_TCP6OPT;
		/* Receive: the host says what it verified (netvsp_rx_frame_info). */
		o.csum.ip4_rxenc = o.csum.ip6_rxenc = NDIS_OFFLOAD_ENCAP_8023;
		o.csum.ip4_rxcsum = NDIS_TXCSUM_CAP_TCP4 | NDIS_TXCSUM_CAP_UDP4;
		o.csum.ip6_rxcsum = NDIS_TXCSUM_CAP_TCP6 | NDIS_TXCSUM_CAP_UDP6;
	}
	memcpy(out, &o, o.header.size);
	return o.header.size;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* A query's information into @out (room for RNDIS_DEV_MAX_RESPONSE - 24); its length, or -1. */
static int rndis_dev_query_info(const struct rndis_dev *d, uint32_t oid, uint8_t *out)
{
	switch (oid) {
	case RNDIS_OID_GEN_SUPPORTED_LIST:
		memcpy(out, rndis_dev_oids, sizeof(rndis_dev_oids));
		return (int)sizeof(rndis_dev_oids);
	case RNDIS_OID_GEN_HARDWARE_STATUS:
		put32(out, 0);	/* ready */
		return 4;
	case RNDIS_OID_GEN_MEDIA_SUPPORTED:
	case RNDIS_OID_GEN_MEDIA_IN_USE:
		put32(out, RNDIS_MEDIUM_802_3);
		return 4;
	case RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE:
		put32(out, d->mtu);	/* the guest takes it as its MTU's ceiling */
		return 4;
	case RNDIS_OID_GEN_MAXIMUM_TOTAL_SIZE:
		put32(out, d->mtu + 14);
		return 4;
	case RNDIS_OID_GEN_LINK_SPEED:
		put32(out, d->link_speed);
		return 4;
	case RNDIS_OID_GEN_CURRENT_PACKET_FILTER:
		put32(out, d->packet_filter);
		return 4;
	case RNDIS_OID_GEN_MEDIA_CONNECT_STATUS:
		put32(out, d->link_up ? RNDIS_MEDIA_STATE_CONNECTED : RNDIS_MEDIA_STATE_DISCONNECTED);
		return 4;
	case RNDIS_OID_802_3_PERMANENT_ADDRESS:
	case RNDIS_OID_802_3_CURRENT_ADDRESS:
		memcpy(out, d->mac, 6);
		return 6;
	case RNDIS_OID_802_3_MAXIMUM_LIST_SIZE:
		put32(out, 32);
		return 4;
	case RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES:
	case RNDIS_OID_TCP_OFFLOAD_CURRENT_CONFIG:
		return (int)rndis_dev_offload(d, out);
	default:
		return -1;	/* friendly name, RSS: the guest goes without */
	}
}

/* One checksum setting of OFFLOAD_PARAMETERS into the receive mask. */
static uint8_t rndis_dev_rx_csum_bit(uint8_t mask, uint8_t setting, uint8_t bit)
{
	switch (setting) {
	case NDIS_OFFLOAD_PARAMETERS_RX_ENABLED_TX_DISABLED:
	case NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED:
		return mask | bit;
	case NDIS_OFFLOAD_PARAMETERS_TX_RX_DISABLED:
	case NDIS_OFFLOAD_PARAMETERS_TX_ENABLED_RX_DISABLED:
		return mask & (uint8_t)~bit;
	default:
		return mask;	/* no change (or a value we do not know) */
	}
}

/* A SET: the new value is @info (@len bytes, inside the message). */
static uint32_t rndis_dev_set(struct rndis_dev *d, uint32_t oid, const uint8_t *info, uint32_t len)
{
	uint32_t v;

	switch (oid) {
	case RNDIS_OID_GEN_CURRENT_PACKET_FILTER:
		if (len < 4)
			return RNDIS_STATUS_INVALID_LENGTH;
		memcpy(&v, info, 4);
		d->packet_filter = v;
		return RNDIS_STATUS_SUCCESS;
	case RNDIS_OID_TCP_OFFLOAD_PARAMETERS: {
		struct ndis_offload_params p;

		if (len < sizeof(struct ndis_object_header))
			return RNDIS_STATUS_INVALID_LENGTH;
		/* The transmit side needs nothing kept; receive checksums, when offered. */
		memset(&p, 0, sizeof(p));
		memcpy(&p, info, len < sizeof(p) ? len : sizeof(p));
		if (d->tx_offload) {
			d->rx_csum = rndis_dev_rx_csum_bit(d->rx_csum, p.tcp_ip_v4_csum,
							   RNDIS_DEV_RXCSUM_TCP4);
			d->rx_csum = rndis_dev_rx_csum_bit(d->rx_csum, p.udp_ip_v4_csum,
							   RNDIS_DEV_RXCSUM_UDP4);
			d->rx_csum = rndis_dev_rx_csum_bit(d->rx_csum, p.tcp_ip_v6_csum,
							   RNDIS_DEV_RXCSUM_TCP6);
			d->rx_csum = rndis_dev_rx_csum_bit(d->rx_csum, p.udp_ip_v6_csum,
							   RNDIS_DEV_RXCSUM_UDP6);
		}
		return RNDIS_STATUS_SUCCESS;
	}
	case RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER:
	case RNDIS_OID_OFFLOAD_ENCAPSULATION:
	case RNDIS_OID_802_3_MULTICAST_LIST:
		return RNDIS_STATUS_SUCCESS;	/* every frame is delivered anyway */
	default:
		return RNDIS_STATUS_NOT_SUPPORTED;
	}
}

int rndis_dev_control(struct rndis_dev *d, const struct rndis_msg *m, uint8_t *resp)
{
	uint32_t body = m->len - HDR;
	const uint8_t *b = m->p + HDR;
	uint32_t req_id;
	uint8_t *r;

	if (body < 4)
		goto bad;
	memcpy(&req_id, b, 4);	/* every request starts with it (RESET: reserved) */
	switch (m->type) {
	case RNDIS_MSG_INIT: {
		struct rndis_initialize_complete c = {
			.req_id = req_id,
			.status = RNDIS_STATUS_SUCCESS,
			.major_ver = RNDIS_MAJOR_VERSION,
			.minor_ver = RNDIS_MINOR_VERSION,
			.dev_flags = RNDIS_DF_CONNECTIONLESS,
			.medium = RNDIS_MEDIUM_802_3,
			.max_pkt_per_msg = RNDIS_DEV_MAX_PKT_PER_MSG,
			.max_xfer_size = 0x10000,
			.pkt_alignment_factor = RNDIS_DEV_PKT_ALIGN_SHIFT,
		};

		if (body < sizeof(struct rndis_initialize_request))
			goto bad;
		d->initialized = true;
		d->packet_filter = 0;
		d->rx_csum = 0;
		r = rndis_dev_answer(resp, RNDIS_MSG_INIT_C, sizeof(c));
		memcpy(r, &c, sizeof(c));
		return (int)(HDR + sizeof(c));
	}
	case RNDIS_MSG_QUERY: {
		struct rndis_query_complete c = { .req_id = req_id };
		int n;

		if (body < sizeof(struct rndis_query_request))
			goto bad;
		{
			struct rndis_query_request q;

			memcpy(&q, b, sizeof(q));
			n = rndis_dev_query_info(d, q.oid, resp + HDR + sizeof(c));
		}
		c.status = n < 0 ? RNDIS_STATUS_NOT_SUPPORTED : RNDIS_STATUS_SUCCESS;
		c.info_buflen = n < 0 ? 0 : (uint32_t)n;
		c.info_buf_offset = sizeof(c);
		{
			struct rndis_msg_hdr h = { RNDIS_MSG_QUERY_C,
						   HDR + (uint32_t)sizeof(c) + c.info_buflen };

			memcpy(resp, &h, sizeof(h));
		}
		memcpy(resp + HDR, &c, sizeof(c));
		return (int)(HDR + sizeof(c) + c.info_buflen);
	}
	case RNDIS_MSG_SET: {
		struct rndis_set_complete c = { .req_id = req_id };
		struct rndis_set_request s;

		if (body < sizeof(s))
			goto bad;
		memcpy(&s, b, sizeof(s));
		if (s.info_buf_offset > body || s.info_buflen > body - s.info_buf_offset)
			c.status = RNDIS_STATUS_INVALID_DATA;
		else
			c.status = rndis_dev_set(d, s.oid, b + s.info_buf_offset, s.info_buflen);
		r = rndis_dev_answer(resp, RNDIS_MSG_SET_C, sizeof(c));
		memcpy(r, &c, sizeof(c));
		return (int)(HDR + sizeof(c));
	}
	case RNDIS_MSG_RESET: {
		struct rndis_reset_complete c = { .status = RNDIS_STATUS_SUCCESS };

		d->packet_filter = 0;
		r = rndis_dev_answer(resp, RNDIS_MSG_RESET_C, sizeof(c));
		memcpy(r, &c, sizeof(c));
		return (int)(HDR + sizeof(c));
	}
	case RNDIS_MSG_HALT:
		d->initialized = false;
		d->packet_filter = 0;
		return 0;
	case RNDIS_MSG_KEEPALIVE: {
		struct rndis_keepalive_complete c = { .req_id = req_id,
						      .status = RNDIS_STATUS_SUCCESS };

		r = rndis_dev_answer(resp, RNDIS_MSG_KEEPALIVE_C, sizeof(c));
		memcpy(r, &c, sizeof(c));
		return (int)(HDR + sizeof(c));
	}
	case RNDIS_MSG_KEEPALIVE_C:
		return 0;	/* an answer to nothing we sent: ignore */
	default:
		break;
	}
bad:
	d->bad++;
	return -EINVAL;
}

/* One per-packet info of @type with its u32 @value at @dst. */
static void rndis_dev_put_ppi(uint8_t *dst, uint32_t type, uint32_t value)
{
	struct rndis_per_packet_info ppi = { .size = RNDIS_DEV_PPI_SIZE, .type = type,
					     .ppi_offset = sizeof(ppi) };

	memcpy(dst, &ppi, sizeof(ppi));
	memcpy(dst + sizeof(ppi), &value, 4);
}

uint32_t rndis_dev_build_packet_info(uint8_t *dst, uint32_t cap, const void *frame,
				     uint32_t frame_len, const struct rndis_rx_info *info)
{
	uint32_t nppi = info ? (uint32_t)info->has_csum + (uint32_t)info->has_vlan : 0;
	uint32_t ppi_len = nppi * RNDIS_DEV_PPI_SIZE;
	uint32_t total = rndis_dev_packet_size(frame_len) + ppi_len;
	struct rndis_msg_hdr h = { RNDIS_MSG_PACKET, total };
	/* Linux's rndis_get_ppi: offsets from the body; the list before the frame. */
	struct rndis_packet p = { .data_offset = sizeof(p) + ppi_len, .data_len = frame_len,
				  .per_pkt_info_offset = nppi ? sizeof(p) : 0,
				  .per_pkt_info_len = ppi_len };
	uint8_t *q = dst + OVB_RNDIS_PACKET_HDR_SIZE;

	if (total > cap || total < frame_len)
		return 0;
	memcpy(dst, &h, sizeof(h));
	memcpy(dst + HDR, &p, sizeof(p));
	if (info && info->has_csum) {
		rndis_dev_put_ppi(q, RNDIS_PPI_TCPIP_CHKSUM, info->csum);
		q += RNDIS_DEV_PPI_SIZE;
	}
	if (info && info->has_vlan) {
		rndis_dev_put_ppi(q, RNDIS_PPI_IEEE_8021Q, info->vlan);
		q += RNDIS_DEV_PPI_SIZE;
	}
	memcpy(q, frame, frame_len);
	return total;
}

uint32_t rndis_dev_build_packet(uint8_t *dst, uint32_t cap, const void *frame, uint32_t frame_len)
{
	return rndis_dev_build_packet_info(dst, cap, frame, frame_len, NULL);
}

uint32_t rndis_dev_build_indicate(uint8_t *dst, uint32_t status)
{
	struct rndis_indicate_status s = { .status = status, .status_buf_offset = sizeof(s) };
	uint8_t *r = rndis_dev_answer(dst, RNDIS_MSG_INDICATE, sizeof(s));

	memcpy(r, &s, sizeof(s));
	return HDR + (uint32_t)sizeof(s);
}
