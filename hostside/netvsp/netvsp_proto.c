// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * netvsp's protocol, pure: NVSP messages from the guest (negotiation, the
 * two buffers, SEND_RNDIS_PKT) and its completions of our receive
 * packets, the RNDIS inside, and the receive sections the host fills.
 *
 * The Linux guest's order (netvsc.c: netvsc_connect_vsp, netvsc_init_buf):
 * INIT, one version at a time, highest first (min == max), until one
 * completes with SUCCESS; NDIS_CONFIG and NDIS_VER, which it sends
 * without asking for a completion (completing them makes it log "Invalid
 * transaction ID"); SEND_RECV_BUF and SEND_SEND_BUF, each completed with
 * the host's section layout; then RNDIS over SEND_RNDIS_PKT.
 *
 * Every index, length and offset in a packet is the guest's and checked
 * before use; a bad packet is dropped and counted, the channel lives on.
 */
#include "hostside/netvsp/netvsp_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ovb/nvsp.h"
#include "ovb/ring.h"

/* Minimum lengths of what the guest sends, from the one table. */
static uint32_t nvsp_min_len(uint32_t type)
{
#define NVSP_MIN(t, s, l, v, d) case t: return (d) & NVSP_DIR_G2H ? (l) : 0;
	switch (type) {
	OVB_NVSP_MSG_TABLE(NVSP_MIN)
	default:
		return 0;
	}
#undef NVSP_MIN
}

/* The versions we speak, highest first. */
static const uint32_t nvsp_versions[] = {
	OVB_NVSP_VERSION_61, OVB_NVSP_VERSION_6, OVB_NVSP_VERSION_5,
	OVB_NVSP_VERSION_4, OVB_NVSP_VERSION_2, OVB_NVSP_VERSION_1,
};

int netvsp_proto_init(struct netvsp *nv, const struct netvsp_cfg *cfg)
{
	nv->cfg = *cfg;
	pthread_mutex_init(&nv->lock, NULL);
	pthread_mutex_init(&nv->log_rl.lock, NULL);
	pthread_mutex_init(&nv->state_rl.lock, NULL);
	nv->state_rl.burst = LOG_RL_STATE_BURST;
	memcpy(nv->rndis.mac, cfg->mac, 6);
	nv->rndis.mtu = cfg->mtu;
	nv->rndis.link_speed = 100000000u;	/* 10 Gbit/s in 100 bps units */
	nv->rndis.link_up = true;
	nv->rndis.tx_offload = cfg->offload;
	nv->gather = malloc(NETVSP_GATHER_MAX);
	return nv->gather ? 0 : -ENOMEM;
}

void netvsp_proto_fini(struct netvsp *nv)
{
	free(nv->gather);
	free(nv->recv_free);
	free(nv->recv_busy);
	pthread_mutex_destroy(&nv->lock);
	pthread_mutex_destroy(&nv->log_rl.lock);
	pthread_mutex_destroy(&nv->state_rl.lock);
}

/* ---- receive sections ---------------------------------------------------- */

/* Lock held. */
static void netvsp_recv_drop_buffer(struct netvsp *nv, const struct netvsp_io *io, void *ctx)
{
	if (nv->recv_buf && io && io->gpadl_unmap)
		io->gpadl_unmap(ctx, nv->recv_buf);
	nv->recv_buf = NULL;
	nv->recv_len = 0;
	nv->recv_sections = nv->recv_nfree = 0;
	free(nv->recv_free);
	free(nv->recv_busy);
	nv->recv_free = NULL;
	nv->recv_busy = NULL;
}

/* A free section, keeping @reserve for control messages; -1 if none. Lock held. */
static int64_t netvsp_section_get(struct netvsp *nv, uint32_t reserve)
{
	uint32_t i;

	if (nv->recv_nfree <= reserve)
		return -1;
	i = nv->recv_free[--nv->recv_nfree];
	nv->recv_busy[i] = 1;
	return i;
}

/* Lock held. */
static void netvsp_section_put(struct netvsp *nv, uint32_t i)
{
	nv->recv_busy[i] = 0;
	nv->recv_free[nv->recv_nfree++] = i;
}

/*
 * Put an RNDIS message built by @fill into a section and send it. Lock
 * held. 0, -ENODEV (no buffer), -EAGAIN (no section or ring full).
 */
static int netvsp_deliver(struct netvsp *nv, const struct netvsp_io *io, void *ctx,
			  uint32_t channel_type, uint32_t reserve, const uint8_t *msg,
			  uint32_t len, const uint8_t *frame, uint32_t frame_len,
			  const struct rndis_rx_info *info)
{
	int64_t s;
	uint8_t *dst;
	int ret;

	if (!nv->recv_buf)
		return -ENODEV;
	if ((frame ? rndis_dev_packet_size(frame_len) + RNDIS_DEV_RX_PPI_MAX * RNDIS_DEV_PPI_SIZE :
		     len) > nv->recv_section_size)
		return -EMSGSIZE;
	s = netvsp_section_get(nv, reserve);
	if (s < 0)
		return -EAGAIN;
	dst = nv->recv_buf + (uint64_t)s * nv->recv_section_size;
	if (frame)
		len = rndis_dev_build_packet_info(dst, nv->recv_section_size, frame, frame_len,
						  info);
	else
		memcpy(dst, msg, len);
	ret = io->send_xfer(ctx, (uint64_t)s, channel_type, (uint32_t)s * nv->recv_section_size,
			    len);
	if (ret)
		netvsp_section_put(nv, (uint32_t)s);
	return ret;
}

static uint16_t be16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * The receive checksum info for an untagged @frame the TAP vouched for,
 * if the guest takes it for the frame's protocol (IPv4 or IPv6 without
 * extension headers, TCP or UDP). Lock held.
 */
static bool netvsp_rx_csum(const struct netvsp *nv, const uint8_t *f, uint32_t len, uint32_t *v)
{
	uint16_t et;
	uint8_t proto, tcp, udp;

	if (len < 14)
		return false;
	et = be16_at(f + 12);
	if (et == 0x0800 && len >= 14 + 20) {
		proto = f[14 + 9];
		tcp = RNDIS_DEV_RXCSUM_TCP4;
		udp = RNDIS_DEV_RXCSUM_UDP4;
	} else if (et == 0x86dd && len >= 14 + 40) {
		proto = f[14 + 6];
		tcp = RNDIS_DEV_RXCSUM_TCP6;
		udp = RNDIS_DEV_RXCSUM_UDP6;
	} else {
		return false;
	}
	if (proto == 6 && (nv->rndis.rx_csum & tcp))
		*v = RNDIS_CSUM_RX_TCP_OK;
	else if (proto == 17 && (nv->rndis.rx_csum & udp))
		*v = RNDIS_CSUM_RX_UDP_OK;
	else
		return false;
	return true;
}

int netvsp_rx_frame(struct netvsp *nv, const struct netvsp_io *io, void *ctx,
		    const uint8_t *frame, uint32_t len)
{
	int ret;

	pthread_mutex_lock(&nv->lock);
	if (!nv->rndis.initialized || !nv->rndis.packet_filter || !nv->rndis.link_up)
		ret = -ENODEV;
	else
		ret = netvsp_deliver(nv, io, ctx, OVB_NVSP_CHANNEL_DATA, NETVSP_CONTROL_SECTIONS,
				     NULL, 0, frame, len, NULL);
	pthread_mutex_unlock(&nv->lock);
	if (!ret) {
		netvsp_count(&nv->rx_packets, 1);
		netvsp_count(&nv->rx_bytes, len);
	}
	return ret;
}

int netvsp_rx_frame_flags(struct netvsp *nv, const struct netvsp_io *io, void *ctx,
			  uint8_t *frame, uint32_t len, uint32_t flags)
{
	struct rndis_rx_info info = { 0 };
	uint32_t orig = len;
	uint16_t tci = 0;
	int ret;

	pthread_mutex_lock(&nv->lock);
	if (!nv->rndis.initialized || !nv->rndis.packet_filter || !nv->rndis.link_up) {
		pthread_mutex_unlock(&nv->lock);
		return -ENODEV;
	}
	if (len >= 18 && be16_at(frame + 12) == 0x8100 && nv->ndis_version >= 0x60000u) {
		tci = be16_at(frame + 14);
		info.has_vlan = true;
		info.vlan = (uint32_t)(tci >> 13) | (uint32_t)((tci >> 12) & 1u) << 3 |
			    (uint32_t)(tci & 0xfffu) << 4;
		memmove(frame + 4, frame, 12);
		frame += 4;
		len -= 4;
	}
	if (flags & NETVSP_RX_CSUM_VALID)
		info.has_csum = netvsp_rx_csum(nv, frame, len, &info.csum);
	ret = netvsp_deliver(nv, io, ctx, OVB_NVSP_CHANNEL_DATA, NETVSP_CONTROL_SECTIONS, NULL, 0,
			     frame, len, &info);
	if (ret && info.has_vlan) {
		/* Put the tag back: the caller may try this frame again. */
		frame -= 4;
		memmove(frame, frame + 4, 12);
		frame[12] = 0x81;
		frame[13] = 0x00;
		frame[14] = (uint8_t)(tci >> 8);
		frame[15] = (uint8_t)tci;
	}
	pthread_mutex_unlock(&nv->lock);
	if (!ret) {
		netvsp_count(&nv->rx_packets, 1);
		netvsp_count(&nv->rx_bytes, orig);
		netvsp_count(&nv->rx_csum, info.has_csum);
		netvsp_count(&nv->rx_vlan, info.has_vlan);
	}
	return ret;
}

void netvsp_count_rx_drop(struct netvsp *nv)
{
	netvsp_count(&nv->rx_drops, 1);
}

/* A control answer or indication: a few tries, then it is lost (logged). Lock held. */
static void netvsp_send_control(struct netvsp *nv, const struct netvsp_io *io, void *ctx,
				const uint8_t *msg, uint32_t len)
{
	int ret = netvsp_deliver(nv, io, ctx, OVB_NVSP_CHANNEL_CONTROL, 0, msg, len, NULL, 0, NULL);

	if (ret)
		netvsp_log(nv, "RNDIS answer (type %#x) not delivered: %s",
			   len >= 4 ? (unsigned int)msg[0] | (unsigned int)msg[1] << 8 |
				      (unsigned int)msg[2] << 16 | (unsigned int)msg[3] << 24 : 0,
			   strerror(-ret));
}

void netvsp_proto_set_link(struct netvsp *nv, bool up)
{
	pthread_mutex_lock(&nv->lock);
	nv->rndis.link_up = up;
	pthread_mutex_unlock(&nv->lock);
}

void netvsp_indicate_link(struct netvsp *nv, const struct netvsp_io *io, void *ctx)
{
	uint8_t msg[32];
	uint32_t len;

	pthread_mutex_lock(&nv->lock);
	if (nv->rndis.initialized && nv->recv_buf) {
		len = rndis_dev_build_indicate(msg, nv->rndis.link_up ? RNDIS_STATUS_MEDIA_CONNECT :
									 RNDIS_STATUS_MEDIA_DISCONNECT);
		netvsp_send_control(nv, io, ctx, msg, len);
	}
	pthread_mutex_unlock(&nv->lock);
}

void netvsp_protocol_reset(struct netvsp *nv, const struct netvsp_io *io, void *ctx)
{
	pthread_mutex_lock(&nv->lock);
	netvsp_recv_drop_buffer(nv, io, ctx);
	if (nv->send_buf && io && io->gpadl_unmap)
		io->gpadl_unmap(ctx, nv->send_buf);
	nv->send_buf = NULL;
	nv->send_len = 0;
	nv->send_sections = 0;
	nv->nvsp_version = nv->ndis_version = nv->guest_mtu = 0;
	nv->rndis.initialized = false;
	nv->rndis.packet_filter = 0;
	nv->rndis.rx_csum = 0;
	nv->rndis.nvsp_version = 0;
	pthread_mutex_unlock(&nv->lock);
}

void netvsp_get_stats(struct netvsp *nv, struct netvsp_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->tx_packets = __atomic_load_n(&nv->tx_packets, __ATOMIC_RELAXED);
	s->tx_bytes = __atomic_load_n(&nv->tx_bytes, __ATOMIC_RELAXED);
	s->tx_drops = __atomic_load_n(&nv->tx_drops, __ATOMIC_RELAXED);
	s->rx_packets = __atomic_load_n(&nv->rx_packets, __ATOMIC_RELAXED);
	s->rx_bytes = __atomic_load_n(&nv->rx_bytes, __ATOMIC_RELAXED);
	s->rx_drops = __atomic_load_n(&nv->rx_drops, __ATOMIC_RELAXED);
	s->bad_packets = __atomic_load_n(&nv->bad_packets, __ATOMIC_RELAXED);
	s->rx_csum = __atomic_load_n(&nv->rx_csum, __ATOMIC_RELAXED);
	s->rx_vlan = __atomic_load_n(&nv->rx_vlan, __ATOMIC_RELAXED);
	pthread_mutex_lock(&nv->lock);
	s->nvsp_version = nv->nvsp_version;
	s->ndis_version = nv->ndis_version;
	s->mtu = nv->cfg.mtu;
	s->link_up = nv->rndis.link_up;
	s->rndis_up = nv->rndis.initialized;
	pthread_mutex_unlock(&nv->lock);
}

/* ---- NVSP ------------------------------------------------------------------ */

static int netvsp_bad(struct netvsp *nv)
{
	netvsp_count(&nv->bad_packets, 1);
	return -EINVAL;
}

static void netvsp_reply(struct netvsp *nv, const struct netvsp_io *io, void *ctx,
			 uint64_t trans_id, const struct ovb_nvsp_msg *m)
{
	if (io->complete(ctx, trans_id, m, sizeof(*m)))
		netvsp_log(nv, "completion of type %u not sent", m->msg_type);
}

static void netvsp_init(struct netvsp *nv, const struct ovb_nvsp_msg *in, struct ovb_nvsp_msg *out)
{
	uint32_t lo = in->u.init.min_protocol_ver, hi = in->u.init.max_protocol_ver;

	out->msg_type = NVSP_MSG_TYPE_INIT_COMPLETE;
	out->u.init_complete.status = NVSP_STAT_FAIL;
	out->u.init_complete.max_mdl_chain_len = OVB_NVSP_MAX_MDL_CHAIN;
	for (unsigned int i = 0; i < sizeof(nvsp_versions) / sizeof(nvsp_versions[0]); i++) {
		if (nvsp_versions[i] >= lo && nvsp_versions[i] <= hi) {
			out->u.init_complete.negotiated_protocol_ver = nvsp_versions[i];
			out->u.init_complete.status = NVSP_STAT_SUCCESS;
			break;
		}
	}
	if (out->u.init_complete.status != NVSP_STAT_SUCCESS) {
		log_rl(&nv->state_rl, "netvsp: NVSP version %#x..%#x refused", lo, hi);
		return;
	}
	pthread_mutex_lock(&nv->lock);
	nv->nvsp_version = out->u.init_complete.negotiated_protocol_ver;
	nv->rndis.nvsp_version = nv->nvsp_version;
	pthread_mutex_unlock(&nv->lock);
	log_rl(&nv->state_rl, "netvsp: NVSP version %#x", nv->nvsp_version);
}

static void netvsp_recv_buf(struct netvsp *nv, const struct netvsp_io *io, void *ctx,
			    const struct ovb_nvsp_msg *in, struct ovb_nvsp_msg *out)
{
	struct nvsp_send_recv_buf_complete *c = &out->u.recv_buf_complete;
	uint32_t size = netvsp_recv_section_size(nv->cfg.mtu), n;
	uint64_t len = 0;
	uint8_t *p;

	out->msg_type = NVSP_MSG1_TYPE_SEND_RECV_BUF_COMPLETE;
	c->status = NVSP_STAT_FAIL;
	pthread_mutex_lock(&nv->lock);
	if (!nv->nvsp_version || nv->recv_buf) {
		netvsp_log(nv, "receive buffer %s", nv->recv_buf ? "given twice" : "before INIT");
		goto out;
	}
	p = io->gpadl_map(ctx, in->u.send_buf.gpadl_handle, &len);
	if (!p) {
		netvsp_log(nv, "receive buffer: no GPADL %#x", in->u.send_buf.gpadl_handle);
		goto out;
	}
	n = len / size > NETVSP_MAX_RX_SECTIONS ? NETVSP_MAX_RX_SECTIONS : (uint32_t)(len / size);
	if (n <= NETVSP_CONTROL_SECTIONS) {
		netvsp_log(nv, "receive buffer of %llu bytes is too small", (unsigned long long)len);
		io->gpadl_unmap(ctx, p);
		goto out;
	}
	nv->recv_free = malloc(n * sizeof(*nv->recv_free));
	nv->recv_busy = calloc(n, 1);
	if (!nv->recv_free || !nv->recv_busy) {
		nv->recv_buf = p;
		netvsp_recv_drop_buffer(nv, io, ctx);
		goto out;
	}
	nv->recv_buf = p;
	nv->recv_len = len;
	nv->recv_id = in->u.send_buf.id;
	nv->recv_section_size = size;
	nv->recv_sections = n;
	for (uint32_t i = 0; i < n; i++)
		nv->recv_free[i] = n - 1 - i;	/* section 0 first */
	nv->recv_nfree = n;
	c->status = NVSP_STAT_SUCCESS;
	c->num_sections = 1;
	c->sections[0].offset = 0;
	c->sections[0].sub_alloc_size = size;
	c->sections[0].num_sub_allocs = n;
	c->sections[0].end_offset = size * n;
out:
	pthread_mutex_unlock(&nv->lock);
}

static void netvsp_send_buf(struct netvsp *nv, const struct netvsp_io *io, void *ctx,
			    const struct ovb_nvsp_msg *in, struct ovb_nvsp_msg *out)
{
	uint32_t size = netvsp_recv_section_size(nv->cfg.mtu);
	uint64_t len = 0;
	uint8_t *p;

	if (size < NETVSP_SEND_SECTION)
		size = NETVSP_SEND_SECTION;
	out->msg_type = NVSP_MSG1_TYPE_SEND_SEND_BUF_COMPLETE;
	out->u.send_buf_complete.status = NVSP_STAT_FAIL;
	if (!nv->nvsp_version || nv->send_buf) {
		netvsp_log(nv, "send buffer %s", nv->send_buf ? "given twice" : "before INIT");
		return;
	}
	p = io->gpadl_map(ctx, in->u.send_buf.gpadl_handle, &len);
	if (!p || len < size) {
		netvsp_log(nv, "send buffer: no usable GPADL %#x", in->u.send_buf.gpadl_handle);
		if (p)
			io->gpadl_unmap(ctx, p);
		return;
	}
	nv->send_buf = p;
	nv->send_len = len;
	nv->send_section_size = size;
	nv->send_sections = (uint32_t)(len / size > UINT32_MAX ? UINT32_MAX : len / size);
	out->u.send_buf_complete.status = NVSP_STAT_SUCCESS;
	out->u.send_buf_complete.section_size = size;
}

/*
 * The guest's 802.1Q info (Linux's netvsc puts the tag of a stacked VLAN
 * device there, NETIF_F_HW_VLAN_CTAG_TX being always on) as a tag in the
 * frame for the TAP: the frame grows by 4 bytes into the RNDIS header
 * before it (our copy, in nv->gather, already parsed) and the offsets
 * the TAP is given move with it. -EINVAL if the frame is tagged already.
 */
static int netvsp_tx_vlan(const uint8_t **frame, uint32_t *len, uint32_t v,
			  struct netvsp_tx_meta *meta)
{
	uint8_t *f = (uint8_t *)*frame - 4;
	uint16_t tci = (uint16_t)(RNDIS_VLAN_PRI(v) << 13 | RNDIS_VLAN_CFI(v) << 12 |
				  RNDIS_VLAN_ID(v));

	if ((*frame)[12] == 0x81 && (*frame)[13] == 0x00)
		return -EINVAL;
	memmove(f, *frame, 12);
	f[12] = 0x81;
	f[13] = 0x00;
	f[14] = (uint8_t)(tci >> 8);
	f[15] = (uint8_t)tci;
	*frame = f;
	*len += 4;
	if (meta->flags & NETVSP_TX_NEEDS_CSUM)
		meta->csum_start += 4;
	if (meta->gso_type != NETVSP_GSO_NONE)
		meta->hdr_len += 4;
	return 0;
}

/*
 * One data packet to the TAP, with its offload requests when offloads are
 * offered. 0, or -EINVAL if it was malformed (dropped, counted).
 */
static int netvsp_tx_frame(struct netvsp *nv, const struct netvsp_io *io, void *ctx,
			   const struct rndis_msg *m, uint32_t max_frame)
{
	struct netvsp_tx_meta meta = { 0 };
	const uint8_t *frame;
	uint32_t flen, csum, lso, vlan;
	int hc = 0, hl = 0, hv;

	if (rndis_dev_packet(m, max_frame, &frame, &flen)) {
		netvsp_log(nv, "malformed RNDIS packet (%u bytes)", m->len);
		goto bad;
	}
	hv = rndis_dev_packet_ppi(m, RNDIS_PPI_IEEE_8021Q, &vlan);
	if (hv < 0) {
		netvsp_log(nv, "bad per-packet info list (%u bytes)", m->len);
		goto bad;
	}
	if (nv->cfg.offload) {
		hc = rndis_dev_packet_ppi(m, RNDIS_PPI_TCPIP_CHKSUM, &csum);
		hl = rndis_dev_packet_ppi(m, RNDIS_PPI_TCP_LARGESEND, &lso);
		/* The frame lies in nv->gather, our copy: the LSO fix-ups go there. */
		if (hc < 0 || hl < 0 ||
		    netvsp_tx_offload((uint8_t *)frame, flen, hc ? &csum : NULL, hl ? &lso : NULL,
				      &meta)) {
			netvsp_log(nv, "bad offload info (checksum %#x, LSO %#x) for %u bytes",
				   hc > 0 ? csum : 0, hl > 0 ? lso : 0, flen);
			goto bad;
		}
	} else if (flen > nv->cfg.mtu + 18) {
		goto bad;
	}
	if (hv > 0 && netvsp_tx_vlan(&frame, &flen, vlan, &meta)) {
		netvsp_log(nv, "VLAN info %#x for a frame that has a tag", vlan);
		goto bad;
	}
	if (io->tap_write(ctx, frame, flen, &meta)) {
		netvsp_count(&nv->tx_drops, 1);
		return 0;
	}
	netvsp_count(&nv->tx_packets, 1);
	netvsp_count(&nv->tx_bytes, flen);
	return 0;
bad:
	netvsp_bad(nv);
	netvsp_count(&nv->tx_drops, 1);
	return -EINVAL;
}

/* The RNDIS messages of one send: frames to the TAP, control to the RNDIS device. */
static uint32_t netvsp_rndis(struct netvsp *nv, const struct netvsp_io *io, void *ctx,
			     const uint8_t *buf, uint32_t len)
{
	uint8_t resp[RNDIS_DEV_MAX_RESPONSE];
	uint32_t off = 0, status = NVSP_STAT_SUCCESS;
	/* A VLAN tag may ride along; an LSO send is up to 64 KiB. */
	uint32_t max_frame = nv->cfg.offload ? 65535u + 18u : nv->cfg.mtu + 14 + 4;

	for (unsigned int n = 0; n < RNDIS_DEV_BATCH_BUDGET; n++) {
		struct rndis_msg m;
		int ret = rndis_dev_next(buf, len, &off, &m);

		if (ret == 1)
			break;
		if (ret < 0) {
			netvsp_log(nv, "RNDIS message runs past its send (%u bytes at %u)", len, off);
			netvsp_bad(nv);
			netvsp_count(&nv->tx_drops, 1);
			return NVSP_STAT_INVALID_RNDIS_PKT;
		}
		if (m.type == RNDIS_MSG_PACKET) {
			if (netvsp_tx_frame(nv, io, ctx, &m, max_frame))
				status = NVSP_STAT_INVALID_RNDIS_PKT;
			continue;
		}
		pthread_mutex_lock(&nv->lock);
		ret = rndis_dev_control(&nv->rndis, &m, resp);
		if (ret > 0)
			netvsp_send_control(nv, io, ctx, resp, (uint32_t)ret);
		pthread_mutex_unlock(&nv->lock);
		if (ret < 0) {
			netvsp_log(nv, "bad RNDIS message type %#x (%u bytes)", m.type, m.len);
			netvsp_bad(nv);
			status = NVSP_STAT_INVALID_RNDIS_PKT;
		} else if (m.type == RNDIS_MSG_INIT) {
			log_rl(&nv->state_rl, "netvsp: RNDIS initialized");
		}
	}
	return status;
}

/*
 * Gather a GPA-direct packet's multi-page ranges (Linux's
 * netvsc_build_mpb_array: each range's PFNs cover offset + len) into
 * nv->gather after the @start bytes already there. The bytes added, or -1
 * if a range is malformed or not RAM.
 */
static int64_t netvsp_gather(struct netvsp *nv, const struct netvsp_io *io, void *ctx,
			     const uint8_t *p, uint32_t off8, uint32_t start)
{
	struct ovb_gpa_direct_header h;
	uint32_t pos = sizeof(h), total = start;

	memcpy(&h, p, sizeof(h));
	if (!h.range_count || h.range_count > NETVSP_MAX_RANGES)
		return -1;
	for (uint32_t r = 0; r < h.range_count; r++) {
		struct ovb_gpa_range g;
		uint64_t npages;

		if (off8 - pos < sizeof(g))
			return -1;
		memcpy(&g, p + pos, sizeof(g));
		pos += sizeof(g);
		if (g.byte_offset >= OVB_HV_PAGE_SIZE || !g.byte_count ||
		    g.byte_count > NETVSP_GATHER_MAX - total)
			return -1;
		npages = ((uint64_t)g.byte_offset + g.byte_count + OVB_HV_PAGE_SIZE - 1) /
			 OVB_HV_PAGE_SIZE;
		if ((off8 - pos) / 8 < npages)
			return -1;
		for (uint64_t i = 0, left = g.byte_count, in = g.byte_offset; i < npages; i++) {
			uint64_t pfn, n = OVB_HV_PAGE_SIZE - in;
			void *src;

			if (n > left)
				n = left;
			memcpy(&pfn, p + pos + i * 8, 8);
			if (pfn > (UINT64_MAX >> OVB_HV_PAGE_SHIFT))
				return -1;
			src = io->gpa_map(ctx, (pfn << OVB_HV_PAGE_SHIFT) + in, n);
			if (!src)
				return -1;
			memcpy(nv->gather + total, src, n);
			total += (uint32_t)n;
			left -= n;
			in = 0;
		}
		pos += (uint32_t)npages * 8;
	}
	return total - start;
}

/*
 * SEND_RNDIS_PKT: the RNDIS messages are in a send section, in the
 * packet's GPA ranges, or both: when a frame does not fit what is left of
 * a section it is batching, Linux puts its RNDIS header there and the
 * frame in the ranges (netvsc_send: cp_partial), one message across both.
 */
static void netvsp_send_rndis(struct netvsp *nv, const struct netvsp_io *io, void *ctx,
			      uint16_t type, const uint8_t *p, uint32_t off8,
			      const struct ovb_nvsp_msg *in, struct ovb_nvsp_msg *out)
{
	const struct nvsp_send_rndis_pkt *r = &in->u.rndis_pkt;
	bool gpa = type == OVB_VMPKT_DATA_USING_GPA_DIRECT;
	uint32_t total = 0;
	int64_t n;

	out->msg_type = NVSP_MSG1_TYPE_SEND_RNDIS_PKT_COMPLETE;
	out->u.rndis_pkt_complete.status = NVSP_STAT_FAIL;
	if (r->send_buf_section_index != OVB_NVSP_INVALID_SECTION) {
		if (!nv->send_buf || r->send_buf_section_index >= nv->send_sections ||
		    r->send_buf_section_size > nv->send_section_size) {
			netvsp_log(nv, "send section %u (%u bytes) out of range",
				   r->send_buf_section_index, r->send_buf_section_size);
			goto bad;
		}
		/*
		 * Copied first: the guest may change its buffer while we
		 * parse, and every length must be read once.
		 */
		total = r->send_buf_section_size;
		memcpy(nv->gather,
		       nv->send_buf + (uint64_t)r->send_buf_section_index * nv->send_section_size,
		       total);
	} else if (!gpa) {
		netvsp_log(nv, "send without a section or ranges");
		goto bad;
	}
	if (gpa) {
		n = netvsp_gather(nv, io, ctx, p, off8, total);
		if (n < 0) {
			netvsp_log(nv, "bad GPA-direct ranges in a send");
			goto bad;
		}
		total += (uint32_t)n;
	}
	out->u.rndis_pkt_complete.status = netvsp_rndis(nv, io, ctx, nv->gather, total);
	return;
bad:
	netvsp_bad(nv);
	netvsp_count(&nv->tx_drops, 1);
}

/* The guest completed one of our transfer-page packets: its section is free again. */
static int netvsp_completion(struct netvsp *nv, uint64_t trans_id, const uint8_t *data,
			     uint32_t len)
{
	uint32_t type = 0;
	int ret = 0;

	if (len >= 4)
		memcpy(&type, data, 4);
	if (len < 8 || type != NVSP_MSG1_TYPE_SEND_RNDIS_PKT_COMPLETE) {
		netvsp_log(nv, "unexpected completion (type %u, %u bytes)", type, len);
		return netvsp_bad(nv);
	}
	pthread_mutex_lock(&nv->lock);
	if (!nv->recv_buf || trans_id >= nv->recv_sections || !nv->recv_busy[trans_id])
		ret = -EINVAL;
	else
		netvsp_section_put(nv, (uint32_t)trans_id);
	pthread_mutex_unlock(&nv->lock);
	if (ret) {
		netvsp_log(nv, "completion of section %llu it does not hold",
			   (unsigned long long)trans_id);
		return netvsp_bad(nv);
	}
	return 0;
}

int netvsp_packet_handle(struct netvsp *nv, const void *pkt, uint32_t len,
			 const struct netvsp_io *io, void *ctx)
{
	const uint8_t *p = pkt;
	struct ovb_nvsp_msg in, out;
	struct ovb_vmpacket_desc d;
	uint32_t off, plen, min;
	bool want_completion;

	if (len < sizeof(d))
		return netvsp_bad(nv);
	memcpy(&d, p, sizeof(d));
	off = (uint32_t)d.offset8 * 8;
	if ((uint32_t)d.len8 * 8 > len || off < sizeof(d) || off > (uint32_t)d.len8 * 8) {
		netvsp_log(nv, "malformed packet (len %u, offset8 %u, len8 %u)", len, d.offset8,
			   d.len8);
		return netvsp_bad(nv);
	}
	plen = (uint32_t)d.len8 * 8 - off;
	if (d.type == OVB_VMPKT_COMP)
		return netvsp_completion(nv, d.trans_id, p + off, plen);
	if (d.type != OVB_VMPKT_DATA_INBAND && d.type != OVB_VMPKT_DATA_USING_GPA_DIRECT) {
		netvsp_log(nv, "unexpected packet type %u", d.type);
		return netvsp_bad(nv);
	}
	if (d.type == OVB_VMPKT_DATA_USING_GPA_DIRECT && off < sizeof(struct ovb_gpa_direct_header))
		return netvsp_bad(nv);
	memset(&in, 0, sizeof(in));
	memcpy(&in, p + off, plen < sizeof(in) ? plen : sizeof(in));
	min = nvsp_min_len(in.msg_type);
	if (!min || plen < min) {
		netvsp_log(nv, "NVSP message type %u (%u bytes) unknown or short", in.msg_type,
			   plen);
		return netvsp_bad(nv);
	}
	if (d.type == OVB_VMPKT_DATA_USING_GPA_DIRECT &&
	    in.msg_type != NVSP_MSG1_TYPE_SEND_RNDIS_PKT)
		return netvsp_bad(nv);
	want_completion = d.flags & OVB_VMPKT_FLAG_COMPLETION_REQUESTED;
	memset(&out, 0, sizeof(out));
	switch (in.msg_type) {
	case NVSP_MSG_TYPE_INIT:
		netvsp_init(nv, &in, &out);
		break;
	case NVSP_MSG1_TYPE_SEND_NDIS_VER:
		nv->ndis_version = in.u.ndis_ver.ndis_major_ver << 16 | in.u.ndis_ver.ndis_minor_ver;
		return 0;	/* no completion: the guest asked for none */
	case NVSP_MSG2_TYPE_SEND_NDIS_CONFIG:
		if (in.u.ndis_config.mtu >= NETVSP_MTU_MIN + 14 &&
		    in.u.ndis_config.mtu <= NETVSP_MTU_MAX + 14)
			nv->guest_mtu = in.u.ndis_config.mtu - 14;
		return 0;
	case NVSP_MSG1_TYPE_SEND_RECV_BUF:
		netvsp_recv_buf(nv, io, ctx, &in, &out);
		break;
	case NVSP_MSG1_TYPE_SEND_SEND_BUF:
		netvsp_send_buf(nv, io, ctx, &in, &out);
		break;
	case NVSP_MSG1_TYPE_REVOKE_RECV_BUF:
		pthread_mutex_lock(&nv->lock);
		if (nv->recv_buf && in.u.revoke_buf.id == nv->recv_id)
			netvsp_recv_drop_buffer(nv, io, ctx);
		pthread_mutex_unlock(&nv->lock);
		return 0;
	case NVSP_MSG1_TYPE_REVOKE_SEND_BUF:
		if (nv->send_buf)
			io->gpadl_unmap(ctx, nv->send_buf);
		nv->send_buf = NULL;
		nv->send_sections = 0;
		return 0;
	case NVSP_MSG1_TYPE_SEND_RNDIS_PKT:
		netvsp_send_rndis(nv, io, ctx, d.type, p, off, &in, &out);
		break;
	case NVSP_MSG5_TYPE_SUBCHANNEL:
		/* No vRSS yet: none granted (the guest waits for every one granted). */
		out.msg_type = NVSP_MSG5_TYPE_SUBCHANNEL;
		out.u.subchannel_complete.status = NVSP_STAT_FAIL;
		break;
	default:
		netvsp_log(nv, "NVSP message type %u not expected from a guest", in.msg_type);
		return netvsp_bad(nv);
	}
	if (want_completion)
		netvsp_reply(nv, io, ctx, d.trans_id, &out);
	return 0;
}
