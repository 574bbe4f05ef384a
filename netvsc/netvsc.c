// SPDX-License-Identifier: GPL-2.0
/*
 * ovb_netvsc: the synthetic network adapter's guest driver on ovb_vmbus.
 *
 * Sequence as Linux's drivers/net/hyperv (netvsc.c: netvsc_connect_vsp,
 * netvsc_init_buf; rndis_filter.c: rndis_filter_device_add): NVSP INIT
 * with one version per request, highest first, down to one the host
 * takes; NDIS_CONFIG (the MTU) and NDIS_VER, which the host does not
 * answer; the receive buffer and the send buffer as GPADLs, whose layouts
 * the host answers; RNDIS INITIALIZE, the permanent MAC, the media state;
 * the packet filter when the interface goes up. Frames go out copied into
 * a send-buffer section, or, when none is free or the frame is larger
 * than a section (or tx_copybreak), as GPA-direct ranges of the skb's own
 * pages with the RNDIS header pushed in front. Frames come in as
 * transfer-page packets whose ranges are RNDIS messages in receive-buffer
 * sections; each such packet is completed once we copied its frames out.
 * An MTU change closes the channel and opens it again with new buffers,
 * as the in-tree driver does. No VF is ever associated or enslaved.
 *
 * The host is not trusted: its messages go through netvsc_proto.c (sizes,
 * layouts, ranges inside the receive buffer, RNDIS lengths and offsets),
 * a send completion must name a send of ours that is at the host, an RNDIS
 * completion the request we wait for; everything else is counted, logged
 * (rate-limited) and dropped. Every wait on the host has a timeout.
 */
#include <linux/module.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/u64_stats_sync.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ip6_checksum.h>

#include "ovb/guids.h"
#include "ovb/ring.h"
#include "netvsc/netvsc_proto.h"
#include "vmbus/ovb_vmbus.h"

#define NVC_RING_BYTES		(512 * 1024)
#define NVC_RECV_BUF		(4 * 1024 * 1024)
#define NVC_SEND_BUF		(1024 * 1024)
#define NVC_TX_SLOTS		512		/* sends at the host at once */
#define NVC_TIMEOUT		(5 * HZ)	/* each set-up request */
#define NVC_DRAIN_MS		2000		/* sends to complete before teardown */
#define NVC_RESP_MAX		256		/* RNDIS completion bytes we keep */
#define NVC_GPA_WORDS		256		/* u64s of GPA-direct ranges per send */
#define NVC_MAX_MTU		9000
#define NVC_RNDIS_HDR		((u32)OVB_RNDIS_PACKET_HDR_SIZE)
#define NVC_PPI_SIZE		((u32)sizeof(struct nvc_ppi))
#define NVC_MAX_PPI		2		/* checksum or LSO, one each at most */
#define NVC_HDR_MAX		(NVC_RNDIS_HDR + NVC_MAX_PPI * NVC_PPI_SIZE)
#define NVC_TX_FEATURES		(NETIF_F_SG | NETIF_F_CSUM_MASK | NETIF_F_TSO | NETIF_F_TSO6)
#define NVC_RNDIS_MAX_XFER	0x4000

static unsigned int tx_copybreak = UINT_MAX;
module_param(tx_copybreak, uint, 0644);
MODULE_PARM_DESC(tx_copybreak, "frames longer than this go GPA-direct, not copied (bytes)");

/* NVSP versions, highest first: one per INIT, as Linux's guest does. */
static const u32 nvc_versions[] = {
	OVB_NVSP_VERSION_61, OVB_NVSP_VERSION_6, OVB_NVSP_VERSION_5,
	OVB_NVSP_VERSION_4, OVB_NVSP_VERSION_2, OVB_NVSP_VERSION_1,
};

/* One per-packet info element with a u32 value, as we send them. */
struct nvc_ppi {
	struct rndis_per_packet_info i;
	u32 v;
} __packed;

/* A frame's per-packet info (checksum or LSO request). */
struct nvc_txinfo {
	u32 n;
	struct nvc_ppi e[NVC_MAX_PPI];
};

/* A send at the host: trans_id = its index + 1. */
struct nvc_slot {
	struct sk_buff *skb;		/* GPA-direct: held until completed */
	u32 section;			/* or OVB_NVSP_INVALID_SECTION */
};

/* ethtool -S, in this order (nvc_stat_names). */
enum {
	NVC_STAT_TX_COPIED, NVC_STAT_TX_DIRECT, NVC_STAT_TX_BUSY, NVC_STAT_TX_HOST_FAILED,
	NVC_STAT_RX_BAD_HOST, NVC_STAT_BAD_COMPLETIONS, NVC_STAT_COMP_DEFERRED,
	NVC_STAT_LINK_CHANGES, NVC_STAT_VF_IGNORED, NVC_NSTATS
};

static const char nvc_stat_names[NVC_NSTATS][ETH_GSTRING_LEN] = {
	"tx_copied", "tx_gpa_direct", "tx_busy", "tx_host_failed",
	"rx_bad_host_bytes", "bad_completions", "rx_completions_deferred",
	"link_changes", "vf_association_ignored",
};

struct nvc_dev {
	struct net_device *ndev;
	struct ovb_vmbus_device *vdev;
	struct ovb_channel *ch;
	struct napi_struct napi;
	struct mutex state_lock;	/* connect/disconnect vs. the filter work */
	bool connected;
	bool tx_ready;
	u32 nvsp_ver;
	u32 offloads;			/* OVB_NVSC_* the host turned on */

	void *recv_buf;
	u32 recv_gpadl;
	bool recv_gpadl_ok;
	u32 recv_section_size, recv_sections;
	void *send_buf;
	u32 send_gpadl;
	bool send_gpadl_ok;
	u32 send_section_size, send_sections;
	unsigned long *send_map;	/* sections in use */

	spinlock_t tx_lock;		/* slots and sections */
	struct nvc_slot slots[NVC_TX_SLOTS];
	DECLARE_BITMAP(slot_map, NVC_TX_SLOTS);
	u32 tx_inflight;
	u64 gpa[NVC_GPA_WORDS];		/* under the netdev's TX lock */

	/* A transfer-page packet being worked through (NAPI only). */
	struct ovb_packet rx_pkt;
	u32 rx_next;
	bool rx_pending;
	/* Receive completions the ring had no room for (NAPI only). */
	u64 *comp_q;
	u32 comp_head, comp_len, comp_cap;

	/* The one RNDIS request in flight (ctrl_lock), answered from NAPI. */
	struct mutex ctrl_lock;
	spinlock_t req_lock;
	u32 req_id, req_type;
	bool req_waiting;
	int req_len;
	u32 req_info_off, req_info_len;
	u8 req_resp[NVC_RESP_MAX];
	struct completion req_done;

	bool link_up;
	struct work_struct filter_work;

	struct u64_stats_sync rx_sync, tx_sync;
	u64_stats_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	atomic64_t rx_dropped, rx_length_errors, tx_dropped;
	atomic64_t stats[NVC_NSTATS];
};

static void nvc_count(struct nvc_dev *nd, unsigned int i)
{
	atomic64_inc(&nd->stats[i]);
}

static struct device *nvc_devp(struct nvc_dev *nd)
{
	return ovb_vmbus_dev(nd->vdev);
}

static void nvc_bad(struct nvc_dev *nd, const char *what, u64 v)
{
	nvc_count(nd, NVC_STAT_RX_BAD_HOST);
	dev_err_ratelimited(nvc_devp(nd), "dropped from the host: %s (%llu)\n", what, v);
}

/* ---- slots and sections ---- */

/* Under tx_lock: a free slot, or -1. */
static int nvc_slot_get(struct nvc_dev *nd, u32 section)
{
	unsigned long i = find_first_zero_bit(nd->slot_map, NVC_TX_SLOTS);

	if (i >= NVC_TX_SLOTS)
		return -1;
	__set_bit(i, nd->slot_map);
	nd->slots[i].skb = NULL;
	nd->slots[i].section = section;
	nd->tx_inflight++;
	return i;
}

/* Under tx_lock: a free send section, or OVB_NVSP_INVALID_SECTION. */
static u32 nvc_section_get(struct nvc_dev *nd)
{
	unsigned long i;

	if (!nd->send_map)
		return OVB_NVSP_INVALID_SECTION;
	i = find_first_zero_bit(nd->send_map, nd->send_sections);
	if (i >= nd->send_sections)
		return OVB_NVSP_INVALID_SECTION;
	__set_bit(i, nd->send_map);
	return i;
}

/* Under tx_lock: slot @i is done; its skb (if any) is returned to free. */
static struct sk_buff *nvc_slot_put(struct nvc_dev *nd, unsigned int i)
{
	struct sk_buff *skb = nd->slots[i].skb;

	if (nd->slots[i].section != OVB_NVSP_INVALID_SECTION)
		__clear_bit(nd->slots[i].section, nd->send_map);
	nd->slots[i].skb = NULL;
	__clear_bit(i, nd->slot_map);
	nd->tx_inflight--;
	return skb;
}

static void *nvc_section(struct nvc_dev *nd, u32 s)
{
	return (u8 *)nd->send_buf + (size_t)s * nd->send_section_size;
}

static int nvc_send_rndis_msg(struct nvc_dev *nd, u32 chan_type, u32 section, u32 len,
			      int slot)
{
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG1_TYPE_SEND_RNDIS_PKT };

	m.u.rndis_pkt.channel_type = chan_type;
	m.u.rndis_pkt.send_buf_section_index = section;
	m.u.rndis_pkt.send_buf_section_size = len;
	return ovb_channel_send_inband(nd->ch, &m, sizeof(m), slot + 1,
				       OVB_VMPKT_FLAG_COMPLETION_REQUESTED);
}

/* ---- RNDIS control requests ---- */

/*
 * Send @msg (an RNDIS control message, @len bytes; its request id is
 * set here) in a send section and wait for the completion of type
 * @type. Returns the completion's body length (copied to nd->req_resp),
 * -ETIMEDOUT, -EBUSY (no section), or a send error.
 */
static int nvc_rndis_request(struct nvc_dev *nd, void *msg, u32 len, u32 type)
{
	u32 section = OVB_NVSP_INVALID_SECTION;
	int slot = -1, ret, tries;

	if (len > nd->send_section_size)
		return -EMSGSIZE;	/* the host chose sections too small for it */
	mutex_lock(&nd->ctrl_lock);
	for (tries = 0; tries < 100; tries++) {
		spin_lock_bh(&nd->tx_lock);
		section = nvc_section_get(nd);
		if (section != OVB_NVSP_INVALID_SECTION) {
			slot = nvc_slot_get(nd, section);
			if (slot < 0)
				__clear_bit(section, nd->send_map);
		}
		spin_unlock_bh(&nd->tx_lock);
		if (slot >= 0)
			break;
		msleep(1);
	}
	if (slot < 0) {
		ret = -EBUSY;
		goto out;
	}
	spin_lock_bh(&nd->req_lock);
	nd->req_id = nd->req_id + 1 ? nd->req_id + 1 : 1;
	nd->req_type = type;
	nd->req_len = -ETIMEDOUT;
	nd->req_waiting = true;
	reinit_completion(&nd->req_done);
	spin_unlock_bh(&nd->req_lock);
	/* every request body starts with its id */
	memcpy((u8 *)msg + sizeof(struct rndis_msg_hdr), &nd->req_id, sizeof(u32));
	memcpy(nvc_section(nd, section), msg, len);
	ret = nvc_send_rndis_msg(nd, OVB_NVSP_CHANNEL_CONTROL, section, len, slot);
	if (ret) {
		spin_lock_bh(&nd->tx_lock);
		nvc_slot_put(nd, slot);
		spin_unlock_bh(&nd->tx_lock);
	} else {
		wait_for_completion_timeout(&nd->req_done, NVC_TIMEOUT);
	}
	spin_lock_bh(&nd->req_lock);
	nd->req_waiting = false;
	if (!ret)
		ret = nd->req_len;
	spin_unlock_bh(&nd->req_lock);
out:
	mutex_unlock(&nd->ctrl_lock);
	if (ret < 0)
		dev_warn(nvc_devp(nd), "RNDIS request %#x failed: %d\n", type & 0xff, ret);
	return ret;
}

static u32 nvc_resp_status(struct nvc_dev *nd)
{
	u32 st;

	memcpy(&st, nd->req_resp + 4, sizeof(st));
	return st;
}

/*
 * QUERY or SET (@type) @oid with @in_len bytes of @in as its information
 * (query and set requests are laid out alike): 0 once the host answered
 * success, -EIO if it did not, or a request error.
 */
static int nvc_info_request(struct nvc_dev *nd, u32 type, u32 oid, const void *in, u32 in_len)
{
	struct {
		struct rndis_msg_hdr h;
		struct rndis_query_request q;
		u8 in[NDIS_OFFLOAD_SIZE];
	} __packed m = {
		.h = { type, sizeof(struct rndis_msg_hdr) + sizeof(struct rndis_query_request) +
			     in_len },
		.q = { .oid = oid, .info_buflen = in_len,
		       .info_buf_offset = sizeof(struct rndis_query_request) },
	};
	int ret;

	if (in_len > sizeof(m.in))
		return -EINVAL;
	if (in_len)
		memcpy(m.in, in, in_len);
	ret = nvc_rndis_request(nd, &m, m.h.msg_len, type | RNDIS_MSG_COMPLETION);
	if (ret < 0)
		return ret;
	return nvc_resp_status(nd) == RNDIS_STATUS_SUCCESS ? 0 : -EIO;
}

/*
 * QUERY @oid (with @in_len bytes of @in as its information) into @out:
 * the information's length (at most @out_max), -EIO, -EPROTO (longer),
 * or a request error.
 */
static int nvc_query_buf(struct nvc_dev *nd, u32 oid, const void *in, u32 in_len, void *out,
			 u32 out_max)
{
	int ret = nvc_info_request(nd, RNDIS_MSG_QUERY, oid, in, in_len);

	if (ret < 0)
		return ret;
	if (nd->req_info_len > out_max)
		return -EPROTO;
	memcpy(out, nd->req_resp + nd->req_info_off, nd->req_info_len);
	return nd->req_info_len;
}

/* QUERY @oid into @out (@out_len bytes exactly). */
static int nvc_query(struct nvc_dev *nd, u32 oid, void *out, u32 out_len)
{
	int ret = nvc_query_buf(nd, oid, NULL, 0, out, out_len);

	if (ret < 0)
		return ret;
	return ret == out_len ? 0 : -EPROTO;
}

static int nvc_set(struct nvc_dev *nd, u32 oid, const void *val, u32 val_len)
{
	return nvc_info_request(nd, RNDIS_MSG_SET, oid, val, val_len);
}

/* An RNDIS completion from the host: the answer to our request, or dropped. */
static void nvc_rx_cmplt(struct nvc_dev *nd, const struct ovb_rndis_rx *m)
{
	bool ok;

	spin_lock(&nd->req_lock);
	ok = nd->req_waiting && nd->req_type == m->type && nd->req_id == m->cmplt.req_id;
	if (ok) {
		u32 n = min_t(u32, m->cmplt.body_len, NVC_RESP_MAX);

		memcpy(nd->req_resp, m->cmplt.body, n);
		nd->req_info_off = m->cmplt.info ? m->cmplt.info - m->cmplt.body : 0;
		nd->req_info_len = m->cmplt.info_len;
		/* an information buffer past what we keep is not one we asked for */
		if (m->cmplt.info && nd->req_info_off + nd->req_info_len > n)
			nd->req_info_len = U32_MAX;
		nd->req_len = n;
		nd->req_waiting = false;
		complete(&nd->req_done);
	}
	spin_unlock(&nd->req_lock);
	if (!ok)
		nvc_bad(nd, "RNDIS completion for no request of ours", m->cmplt.req_id);
}

/* ---- the packet filter ---- */

static u32 nvc_filter_of(struct net_device *ndev)
{
	u32 f = RNDIS_PACKET_TYPE_DIRECTED | RNDIS_PACKET_TYPE_MULTICAST |
		RNDIS_PACKET_TYPE_BROADCAST;

	if (ndev->flags & IFF_PROMISC)
		return RNDIS_PACKET_TYPE_PROMISCUOUS;
	if (ndev->flags & IFF_ALLMULTI || !netdev_mc_empty(ndev))
		f |= RNDIS_PACKET_TYPE_ALL_MULTICAST;
	return f;
}

/* RNDIS SET can sleep: ndo_set_rx_mode runs it from here. */
static void nvc_filter_work(struct work_struct *w)
{
	struct nvc_dev *nd = container_of(w, struct nvc_dev, filter_work);
	u32 f;

	mutex_lock(&nd->state_lock);
	if (nd->connected && netif_running(nd->ndev)) {
		f = nvc_filter_of(nd->ndev);
		nvc_set(nd, RNDIS_OID_GEN_CURRENT_PACKET_FILTER, &f, sizeof(f));
	}
	mutex_unlock(&nd->state_lock);
}

/* ---- receive (NAPI) ---- */

static void nvc_rx_frame(struct nvc_dev *nd, const struct ovb_rndis_rx *m)
{
	struct net_device *ndev = nd->ndev;
	struct sk_buff *skb;

	if (m->pkt.len < ETH_HLEN || m->pkt.len > ndev->mtu + ETH_HLEN + VLAN_HLEN) {
		atomic64_inc(&nd->rx_length_errors);
		nvc_bad(nd, "frame length", m->pkt.len);
		return;
	}
	skb = napi_alloc_skb(&nd->napi, m->pkt.len);
	if (!skb) {
		atomic64_inc(&nd->rx_dropped);
		return;
	}
	skb_put_data(skb, m->pkt.data, m->pkt.len);
	skb->protocol = eth_type_trans(skb, ndev);
	if (m->pkt.has_csum && (ndev->features & NETIF_F_RXCSUM) &&
	    (m->pkt.csum & (RNDIS_CSUM_RX_TCP_OK | RNDIS_CSUM_RX_UDP_OK)))
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	if (m->pkt.has_vlan)
		__vlan_hwaccel_put_tag(skb, htons(ETH_P_8021Q),
				       RNDIS_VLAN_ID(m->pkt.vlan) |
				       RNDIS_VLAN_CFI(m->pkt.vlan) << 12 |
				       RNDIS_VLAN_PRI(m->pkt.vlan) << 13);
	u64_stats_update_begin(&nd->rx_sync);
	u64_stats_inc(&nd->rx_packets);
	u64_stats_add(&nd->rx_bytes, m->pkt.len);
	u64_stats_update_end(&nd->rx_sync);
	napi_gro_receive(&nd->napi, skb);
}

static void nvc_rx_indicate(struct nvc_dev *nd, u32 status)
{
	bool up;

	if (status == RNDIS_STATUS_MEDIA_CONNECT)
		up = true;
	else if (status == RNDIS_STATUS_MEDIA_DISCONNECT)
		up = false;
	else
		return;		/* speed and network changes: nothing to do */
	nd->link_up = up;
	nvc_count(nd, NVC_STAT_LINK_CHANGES);
	if (up)
		netif_carrier_on(nd->ndev);
	else
		netif_carrier_off(nd->ndev);
}

/* One RNDIS message in the receive buffer. */
static void nvc_rx_rndis(struct nvc_dev *nd, u32 off, u32 len)
{
	struct ovb_rndis_rx m;
	int ret = ovb_rndis_parse((const u8 *)nd->recv_buf + off, len, &m);

	if (ret) {
		nvc_bad(nd, "malformed RNDIS message of type", m.type);
		return;
	}
	switch (m.type) {
	case RNDIS_MSG_PACKET:
		nvc_rx_frame(nd, &m);
		break;
	case RNDIS_MSG_INDICATE:
		nvc_rx_indicate(nd, m.indicate.status);
		break;
	default:
		nvc_rx_cmplt(nd, &m);
		break;
	}
}

/* Complete the host's transfer-page packet @tid, or queue that for later. */
static void nvc_rx_complete(struct nvc_dev *nd, u64 tid)
{
	struct ovb_nvsp_msg c = { .msg_type = NVSP_MSG1_TYPE_SEND_RNDIS_PKT_COMPLETE };

	c.u.rndis_pkt_complete.status = NVSP_STAT_SUCCESS;
	if (!nd->comp_len && !ovb_channel_send_comp(nd->ch, &c, sizeof(c), tid))
		return;
	if (nd->comp_len == nd->comp_cap) {
		dev_err_ratelimited(nvc_devp(nd), "receive completion %llu lost\n", tid);
		return;
	}
	nd->comp_q[(nd->comp_head + nd->comp_len++) % nd->comp_cap] = tid;
	nvc_count(nd, NVC_STAT_COMP_DEFERRED);
}

/* The queued completions, in order, while the ring takes them. */
static void nvc_rx_flush_completions(struct nvc_dev *nd)
{
	struct ovb_nvsp_msg c = { .msg_type = NVSP_MSG1_TYPE_SEND_RNDIS_PKT_COMPLETE };

	c.u.rndis_pkt_complete.status = NVSP_STAT_SUCCESS;
	while (nd->comp_len) {
		if (ovb_channel_send_comp(nd->ch, &c, sizeof(c), nd->comp_q[nd->comp_head]))
			return;
		nd->comp_head = (nd->comp_head + 1) % nd->comp_cap;
		nd->comp_len--;
	}
}

/* Work through the pending transfer-page packet's ranges: at most @quota. */
static int nvc_rx_ranges(struct nvc_dev *nd, int quota)
{
	struct ovb_packet *p = &nd->rx_pkt;
	int done = 0;

	while (nd->rx_next < p->range_count && done < quota) {
		u32 off, len;

		if (ovb_nvsc_xfer_range(&p->ranges[nd->rx_next], NVC_RECV_BUF, &off, &len))
			nvc_bad(nd, "transfer-page range outside the receive buffer", nd->rx_next);
		else
			nvc_rx_rndis(nd, off, len);
		nd->rx_next++;
		done++;
	}
	if (nd->rx_next >= p->range_count) {
		nd->rx_pending = false;
		nvc_rx_complete(nd, p->trans_id);
	}
	return done;
}

/* A send of ours completed. */
static void nvc_tx_complete(struct nvc_dev *nd, const struct ovb_packet *p, int budget)
{
	struct ovb_nvsp_msg m;
	struct sk_buff *skb;
	u64 tid = p->trans_id;

	if (ovb_nvsc_parse_nvsp(p->data, p->len, &m) ||
	    m.msg_type != NVSP_MSG1_TYPE_SEND_RNDIS_PKT_COMPLETE) {
		nvc_count(nd, NVC_STAT_BAD_COMPLETIONS);
		nvc_bad(nd, "completion that is not a send's", m.msg_type);
		return;
	}
	spin_lock(&nd->tx_lock);
	if (!tid || tid > NVC_TX_SLOTS || !test_bit(tid - 1, nd->slot_map)) {
		spin_unlock(&nd->tx_lock);
		nvc_count(nd, NVC_STAT_BAD_COMPLETIONS);
		nvc_bad(nd, "completion of no send at the host, id", tid);
		return;
	}
	skb = nvc_slot_put(nd, tid - 1);
	spin_unlock(&nd->tx_lock);
	if (m.u.rndis_pkt_complete.status != NVSP_STAT_SUCCESS)
		nvc_count(nd, NVC_STAT_TX_HOST_FAILED);
	if (skb)
		napi_consume_skb(skb, budget);
	if (netif_queue_stopped(nd->ndev) && nd->tx_ready)
		netif_wake_queue(nd->ndev);
}

/* An in-band message from the host: the few it may send unasked. */
static void nvc_rx_inband(struct nvc_dev *nd, const struct ovb_packet *p)
{
	struct ovb_nvsp_msg m;

	if (ovb_nvsc_parse_nvsp(p->data, p->len, &m)) {
		nvc_bad(nd, "NVSP message of type", m.msg_type);
		return;
	}
	switch (m.msg_type) {
	case NVSP_MSG4_TYPE_SEND_VF_ASSOCIATION:
		/* never a VF: we keep the synthetic path */
		nvc_count(nd, NVC_STAT_VF_IGNORED);
		break;
	case NVSP_MSG5_TYPE_SEND_INDIRECTION_TABLE:
		break;		/* one channel: nothing to steer */
	default:
		nvc_bad(nd, "unexpected NVSP message", m.msg_type);
		break;
	}
}

/* A transfer-page packet: SEND_RNDIS_PKT over our receive buffer. */
static void nvc_rx_xfer(struct nvc_dev *nd)
{
	struct ovb_packet *p = &nd->rx_pkt;
	struct ovb_nvsp_msg m;

	if (!READ_ONCE(nd->recv_buf) || p->xfer_pageset_id != OVB_NETVSC_RECEIVE_BUFFER_ID ||
	    ovb_nvsc_parse_nvsp(p->data, p->len, &m) ||
	    m.msg_type != NVSP_MSG1_TYPE_SEND_RNDIS_PKT) {
		nvc_bad(nd, "transfer-page packet, page set", p->xfer_pageset_id);
		nvc_rx_complete(nd, p->trans_id);
		return;
	}
	nd->rx_next = 0;
	nd->rx_pending = true;
}

/*
 * NAPI: every range and every other packet counts against @budget, so a
 * host that keeps the ring full gets at most a budget per run.
 */
static int nvc_poll(struct napi_struct *napi, int budget)
{
	struct nvc_dev *nd = container_of(napi, struct nvc_dev, napi);
	struct ovb_packet *p = &nd->rx_pkt;
	int work = 0, ret;

	nvc_rx_flush_completions(nd);
	while (work < budget) {
		if (nd->rx_pending) {
			work += nvc_rx_ranges(nd, budget - work);
			continue;
		}
		ret = ovb_channel_recv_pkt(nd->ch, p);
		if (ret == -EAGAIN || ret == -EIO)
			break;
		work++;
		if (ret) {
			nvc_bad(nd, "packet the ring dropped, error", -ret);
			continue;
		}
		switch (p->type) {
		case OVB_VMPKT_COMP:
			if (!ovb_channel_request_answer(nd->ch, p->trans_id, p->data, p->len))
				nvc_tx_complete(nd, p, budget);
			break;
		case OVB_VMPKT_DATA_USING_XFER_PAGES:
			nvc_rx_xfer(nd);
			break;
		case OVB_VMPKT_DATA_INBAND:
			nvc_rx_inband(nd, p);
			break;
		default:
			nvc_bad(nd, "packet of type", p->type);
			break;
		}
	}
	/* Completions still queued: the host may wait for them, poll again. */
	if (nd->comp_len)
		return budget;
	if (work < budget && napi_complete_done(napi, work) && ovb_channel_rx_done(nd->ch))
		napi_schedule(napi);
	return work;
}

/* Softirq, host signals masked: they stay so until the poll is done. */
static void nvc_on_event(void *ctx)
{
	struct nvc_dev *nd = ctx;

	napi_schedule(&nd->napi);
}

/* ---- transmit ---- */

/* The RNDIS header and per-packet info before a frame: NVC_RNDIS_HDR + n * NVC_PPI_SIZE. */
static void nvc_rndis_packet_hdr(void *dst, u32 frame_len, const struct nvc_txinfo *ti)
{
	u32 ppi_len = ti->n * NVC_PPI_SIZE;
	struct {
		struct rndis_msg_hdr h;
		struct rndis_packet p;
	} __packed m = {
		.h = { RNDIS_MSG_PACKET, NVC_RNDIS_HDR + ppi_len + frame_len },
		.p = { .data_offset = sizeof(struct rndis_packet) + ppi_len, .data_len = frame_len,
		       .per_pkt_info_offset = ti->n ? sizeof(struct rndis_packet) : 0,
		       .per_pkt_info_len = ppi_len },
	};

	memcpy(dst, &m, sizeof(m));
	memcpy((u8 *)dst + sizeof(m), ti->e, ppi_len);
}

static void nvc_ppi_add(struct nvc_txinfo *ti, u32 type, u32 v)
{
	struct nvc_ppi *e = &ti->e[ti->n++];

	e->i.size = sizeof(*e);
	e->i.type = type;
	e->i.ppi_offset = sizeof(e->i);
	e->v = v;
}

/*
 * The checksum or LSO request for @skb, as Linux's netvsc_xmit makes
 * them: for LSO the IPv4 length and header checksum are zeroed and the
 * TCP checksum seeded without the length (the host fixes them up). What
 * the host cannot offload is done here. 0, or an error: drop the frame.
 */
static int nvc_tx_offload(struct nvc_dev *nd, struct sk_buff *skb, struct nvc_txinfo *ti)
{
	bool v4 = skb->protocol == htons(ETH_P_IP), v6 = skb->protocol == htons(ETH_P_IPV6);
	u32 toff = skb_transport_offset(skb), v;
	u8 l4;

	ti->n = 0;
	if (skb_is_gso(skb)) {
		u32 mss = skb_shinfo(skb)->gso_size;

		if (!(skb_shinfo(skb)->gso_type & (SKB_GSO_TCPV4 | SKB_GSO_TCPV6)) ||
		    mss > 0xfffff || toff > 0x3ff || (!v4 && !v6) ||
		    !(nd->offloads & (v4 ? OVB_NVSC_TSO4 : OVB_NVSC_TSO6)))
			return -EINVAL;
		if (skb_cow_head(skb, NVC_HDR_MAX))
			return -ENOMEM;
		v = RNDIS_LSO_TX_V2 | mss | toff << 20;
		if (v4) {
			ip_hdr(skb)->tot_len = 0;
			ip_hdr(skb)->check = 0;
			tcp_hdr(skb)->check = ~csum_tcpudp_magic(ip_hdr(skb)->saddr,
								 ip_hdr(skb)->daddr, 0,
								 IPPROTO_TCP, 0);
		} else {
			v |= RNDIS_LSO_TX_IPV6;
			tcp_v6_gso_csum_prep(skb);
		}
		nvc_ppi_add(ti, RNDIS_PPI_TCP_LARGESEND, v);
		return 0;
	}
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return 0;
	l4 = v4 ? ip_hdr(skb)->protocol : v6 ? ipv6_hdr(skb)->nexthdr : 0;
	if (toff <= 0x3ff && l4 == IPPROTO_TCP &&
	    nd->offloads & (v4 ? OVB_NVSC_TX_TCP4 : OVB_NVSC_TX_TCP6))
		v = RNDIS_CSUM_TX_TCP;
	else if (toff <= 0x3ff && l4 == IPPROTO_UDP &&
		 nd->offloads & (v4 ? OVB_NVSC_TX_UDP4 : OVB_NVSC_TX_UDP6))
		v = RNDIS_CSUM_TX_UDP;
	else
		return skb_checksum_help(skb);
	v |= (v4 ? RNDIS_CSUM_TX_IPV4 : RNDIS_CSUM_TX_IPV6) | toff << 16;
	nvc_ppi_add(ti, RNDIS_PPI_TCPIP_CHKSUM, v);
	return 0;
}

/* Append a multi-page range of @len bytes at @pfn/@off; false if no room. */
static bool nvc_gpa_add(u64 *w, u32 *nw, u32 *nr, unsigned long pfn, u32 off, u32 len)
{
	struct ovb_gpa_range r = { .byte_count = len, .byte_offset = off & ~PAGE_MASK };
	u32 pages = DIV_ROUND_UP(r.byte_offset + len, PAGE_SIZE), i;

	pfn += off >> PAGE_SHIFT;
	if (!len)
		return true;
	if (*nw + 1 + pages > NVC_GPA_WORDS)
		return false;
	memcpy(&w[(*nw)++], &r, sizeof(r));
	for (i = 0; i < pages; i++)
		w[(*nw)++] = pfn + i;
	(*nr)++;
	return true;
}

/* The skb (RNDIS header pushed in front) as ranges; 0 if it needs more than we hold. */
static u32 nvc_gpa_build(struct nvc_dev *nd, struct sk_buff *skb, u32 *words)
{
	u32 nw = 0, nr = 0, i;
	void *d = skb->data;

	if (!nvc_gpa_add(nd->gpa, &nw, &nr, PHYS_PFN(virt_to_phys(d)),
			 offset_in_page(d), skb_headlen(skb)))
		return 0;
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		const skb_frag_t *f = &skb_shinfo(skb)->frags[i];

		if (!nvc_gpa_add(nd->gpa, &nw, &nr, page_to_pfn(skb_frag_page(f)),
				 skb_frag_off(f), skb_frag_size(f)))
			return 0;
	}
	*words = nw;
	return nr;
}

static netdev_tx_t nvc_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct nvc_dev *nd = netdev_priv(ndev);
	u32 section = OVB_NVSP_INVALID_SECTION, words = 0, nr, frame_len, hdr_len, msg_len;
	struct nvc_txinfo ti;
	int slot, ret;

	if (!READ_ONCE(nd->tx_ready) || nvc_tx_offload(nd, skb, &ti))
		goto drop;
	frame_len = skb->len;
	hdr_len = NVC_RNDIS_HDR + ti.n * NVC_PPI_SIZE;
	msg_len = hdr_len + frame_len;
	spin_lock_bh(&nd->tx_lock);
	if (msg_len <= nd->send_section_size && frame_len <= tx_copybreak)
		section = nvc_section_get(nd);
	slot = nvc_slot_get(nd, section);
	if (slot < 0 && section != OVB_NVSP_INVALID_SECTION)
		__clear_bit(section, nd->send_map);
	if (slot < 0 && nd->tx_inflight)
		netif_stop_queue(ndev);		/* a completion wakes it */
	spin_unlock_bh(&nd->tx_lock);
	if (slot < 0) {
		nvc_count(nd, NVC_STAT_TX_BUSY);
		return NETDEV_TX_BUSY;
	}
	if (section != OVB_NVSP_INVALID_SECTION) {
		u8 *dst = nvc_section(nd, section);

		nvc_rndis_packet_hdr(dst, frame_len, &ti);
		skb_copy_bits(skb, 0, dst + hdr_len, frame_len);
		ret = nvc_send_rndis_msg(nd, OVB_NVSP_CHANNEL_DATA, section, msg_len, slot);
	} else {
		struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG1_TYPE_SEND_RNDIS_PKT };

		if (skb_cow_head(skb, hdr_len))
			goto unslot;
		nvc_rndis_packet_hdr(skb_push(skb, hdr_len), frame_len, &ti);
		nr = nvc_gpa_build(nd, skb, &words);
		if (!nr && (skb_linearize(skb) || !(nr = nvc_gpa_build(nd, skb, &words))))
			goto unslot;
		m.u.rndis_pkt.channel_type = OVB_NVSP_CHANNEL_DATA;
		m.u.rndis_pkt.send_buf_section_index = OVB_NVSP_INVALID_SECTION;
		nd->slots[slot].skb = skb;	/* before the host can complete it */
		ret = ovb_channel_send_gpa(nd->ch, nd->gpa, words * 8, nr, &m, sizeof(m),
					   slot + 1, OVB_VMPKT_FLAG_COMPLETION_REQUESTED);
		if (ret)
			skb_pull(skb, hdr_len);
	}
	if (ret == -EAGAIN) {
		spin_lock_bh(&nd->tx_lock);
		nvc_slot_put(nd, slot);
		if (nd->tx_inflight)
			netif_stop_queue(ndev);
		spin_unlock_bh(&nd->tx_lock);
		nvc_count(nd, NVC_STAT_TX_BUSY);
		return NETDEV_TX_BUSY;
	}
	if (ret)
		goto unslot;
	nvc_count(nd, section != OVB_NVSP_INVALID_SECTION ? NVC_STAT_TX_COPIED :
		  NVC_STAT_TX_DIRECT);
	u64_stats_update_begin(&nd->tx_sync);
	u64_stats_inc(&nd->tx_packets);
	u64_stats_add(&nd->tx_bytes, frame_len);
	u64_stats_update_end(&nd->tx_sync);
	if (section != OVB_NVSP_INVALID_SECTION)
		dev_consume_skb_any(skb);
	return NETDEV_TX_OK;
unslot:
	spin_lock_bh(&nd->tx_lock);
	nvc_slot_put(nd, slot);
	spin_unlock_bh(&nd->tx_lock);
drop:
	atomic64_inc(&nd->tx_dropped);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

/* ---- connect and disconnect: channel, NVSP, buffers, RNDIS ---- */

/* A request on the primary that the host answers with an NVSP message. */
static int nvc_nvsp_request(struct nvc_dev *nd, struct ovb_nvsp_msg *req,
			    struct ovb_nvsp_msg *resp)
{
	u8 buf[sizeof(*resp)];
	int ret = ovb_channel_request(nd->ch, req, sizeof(*req), buf, sizeof(buf), NVC_TIMEOUT);

	if (ret < 0)
		return ret;
	return ovb_nvsc_parse_nvsp(buf, ret, resp) ? -EPROTO : 0;
}

static int nvc_nvsp_init(struct nvc_dev *nd)
{
	struct ovb_nvsp_msg req = { .msg_type = NVSP_MSG_TYPE_INIT }, resp;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(nvc_versions); i++) {
		req.u.init.min_protocol_ver = nvc_versions[i];
		req.u.init.max_protocol_ver = nvc_versions[i];
		ret = nvc_nvsp_request(nd, &req, &resp);
		if (ret)
			return ret;
		if (resp.msg_type != NVSP_MSG_TYPE_INIT_COMPLETE)
			return -EPROTO;
		if (resp.u.init_complete.status != NVSP_STAT_SUCCESS)
			continue;
		if (resp.u.init_complete.negotiated_protocol_ver != nvc_versions[i])
			return -EPROTO;
		nd->nvsp_ver = nvc_versions[i];
		return 0;
	}
	return -EPROTONOSUPPORT;
}

/* NDIS_CONFIG and NDIS_VER: the host answers neither. */
static int nvc_nvsp_config(struct nvc_dev *nd)
{
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG2_TYPE_SEND_NDIS_CONFIG };
	int ret;

	if (nd->nvsp_ver >= OVB_NVSP_VERSION_2) {
		m.u.ndis_config.mtu = nd->ndev->mtu + ETH_HLEN;
		m.u.ndis_config.capability = OVB_NVSP_CAP_IEEE8021Q;
		ret = ovb_channel_send_inband(nd->ch, &m, sizeof(m), 0, 0);
		if (ret)
			return ret;
	}
	memset(&m, 0, sizeof(m));
	m.msg_type = NVSP_MSG1_TYPE_SEND_NDIS_VER;
	m.u.ndis_ver.ndis_major_ver = 6;
	m.u.ndis_ver.ndis_minor_ver = nd->nvsp_ver >= OVB_NVSP_VERSION_5 ? 30 : 1;
	return ovb_channel_send_inband(nd->ch, &m, sizeof(m), 0, 0);
}

static int nvc_buffers(struct nvc_dev *nd)
{
	struct ovb_nvsp_msg req = { .msg_type = NVSP_MSG1_TYPE_SEND_RECV_BUF }, resp;
	int ret;

	nd->recv_buf = vzalloc(NVC_RECV_BUF);
	nd->send_buf = vzalloc(NVC_SEND_BUF);
	if (!nd->recv_buf || !nd->send_buf)
		return -ENOMEM;
	ret = ovb_channel_gpadl_create(nd->ch, nd->recv_buf, NVC_RECV_BUF, &nd->recv_gpadl);
	if (ret)
		return ret;
	nd->recv_gpadl_ok = true;
	req.u.send_buf.gpadl_handle = nd->recv_gpadl;
	req.u.send_buf.id = OVB_NETVSC_RECEIVE_BUFFER_ID;
	ret = nvc_nvsp_request(nd, &req, &resp);
	if (!ret)
		ret = ovb_nvsc_recv_buf_layout(&resp, NVC_RECV_BUF, &nd->recv_section_size,
					       &nd->recv_sections);
	if (ret) {
		dev_err(nvc_devp(nd), "receive buffer refused or unusable: %d\n", ret);
		return ret;
	}
	nd->comp_q = kvcalloc(nd->recv_sections, sizeof(u64), GFP_KERNEL);
	if (!nd->comp_q)
		return -ENOMEM;
	smp_wmb();		/* the poll may run now: the queue before its size */
	WRITE_ONCE(nd->comp_cap, nd->recv_sections);

	ret = ovb_channel_gpadl_create(nd->ch, nd->send_buf, NVC_SEND_BUF, &nd->send_gpadl);
	if (ret)
		return ret;
	nd->send_gpadl_ok = true;
	memset(&req, 0, sizeof(req));
	req.msg_type = NVSP_MSG1_TYPE_SEND_SEND_BUF;
	req.u.send_buf.gpadl_handle = nd->send_gpadl;
	req.u.send_buf.id = OVB_NETVSC_SEND_BUFFER_ID;
	ret = nvc_nvsp_request(nd, &req, &resp);
	if (!ret)
		ret = ovb_nvsc_send_buf_layout(&resp, NVC_SEND_BUF, &nd->send_section_size,
					       &nd->send_sections);
	if (ret) {
		dev_err(nvc_devp(nd), "send buffer refused or unusable: %d\n", ret);
		return ret;
	}
	nd->send_map = bitmap_zalloc(nd->send_sections, GFP_KERNEL);
	return nd->send_map ? 0 : -ENOMEM;
}

/*
 * What the host can offload (its answer read in netvsc_proto.c), turned
 * on with SET OID_TCP_OFFLOAD_PARAMETERS. Without either we offload
 * nothing (unlike Linux's guest, which then fails).
 */
static void nvc_offload_setup(struct nvc_dev *nd)
{
	struct net_device *ndev = nd->ndev;
	struct ndis_offload_params p;
	struct ndis_object_header h = { .type = NDIS_OBJECT_TYPE_OFFLOAD };
	u8 caps[NDIS_OFFLOAD_SIZE];
	u32 lso_max = 0, p_len = 0;
	netdev_features_t f = 0;
	int ret;

	if (nd->nvsp_ver >= OVB_NVSP_VERSION_5) {
		h.revision = NDIS_OFFLOAD_PARAMETERS_REVISION_3;
		h.size = NDIS_OFFLOAD_SIZE;
	} else if (nd->nvsp_ver >= OVB_NVSP_VERSION_4) {
		h.revision = NDIS_OFFLOAD_PARAMETERS_REVISION_2;
		h.size = NDIS_OFFLOAD_SIZE_6_1;
	} else {
		h.revision = NDIS_OFFLOAD_PARAMETERS_REVISION_1;
		h.size = NDIS_OFFLOAD_SIZE_6_0;
	}
	memset(caps, 0, sizeof(caps));
	memcpy(caps, &h, sizeof(h));
	nd->offloads = 0;
	ret = nvc_query_buf(nd, RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES, caps, h.size,
			    caps, sizeof(caps));
	if (ret >= 0)
		ret = ovb_nvsc_offloads(caps, ret, nd->nvsp_ver, &lso_max, &p, &p_len);
	if (ret < 0) {
		dev_warn(nvc_devp(nd), "no offload capabilities from the host (%d)\n", ret);
		return;
	}
	if (ret && nvc_set(nd, RNDIS_OID_TCP_OFFLOAD_PARAMETERS, &p, p_len)) {
		dev_warn(nvc_devp(nd), "the host refused its own offloads\n");
		return;
	}
	nd->offloads = ret;
	if (ret & (OVB_NVSC_TX_TCP4 | OVB_NVSC_TX_UDP4))
		f |= NETIF_F_IP_CSUM;
	if (ret & (OVB_NVSC_TX_TCP6 | OVB_NVSC_TX_UDP6))
		f |= NETIF_F_IPV6_CSUM;
	if (f)
		f |= NETIF_F_SG;
	if (ret & OVB_NVSC_TSO4)
		f |= NETIF_F_TSO;
	if (ret & OVB_NVSC_TSO6)
		f |= NETIF_F_TSO6;
	if (f & (NETIF_F_TSO | NETIF_F_TSO6))
		netif_set_tso_max_size(ndev, min_t(u32, lso_max, GSO_LEGACY_MAX_SIZE));
	/* what the host offers, on (a reconnect turns them all on again) */
	ndev->hw_features = (ndev->hw_features & ~NVC_TX_FEATURES) | f;
	ndev->features = (ndev->features & ~NVC_TX_FEATURES) | f;
}

static int nvc_rndis_init(struct nvc_dev *nd)
{
	struct {
		struct rndis_msg_hdr h;
		struct rndis_initialize_request r;
	} __packed m = {
		.h = { RNDIS_MSG_INIT, sizeof(m) },
		.r = { .major_ver = RNDIS_MAJOR_VERSION, .minor_ver = RNDIS_MINOR_VERSION,
		       .max_xfer_size = NVC_RNDIS_MAX_XFER },
	};
	u8 mac[ETH_ALEN];
	u32 media;
	int ret;

	ret = nvc_rndis_request(nd, &m, sizeof(m), RNDIS_MSG_INIT_C);
	if (ret < 0)
		return ret;
	if (nvc_resp_status(nd) != RNDIS_STATUS_SUCCESS)
		return -EIO;
	ret = nvc_query(nd, RNDIS_OID_802_3_PERMANENT_ADDRESS, mac, sizeof(mac));
	if (ret)
		return ret;
	if (!is_valid_ether_addr(mac)) {
		dev_err(nvc_devp(nd), "the host's MAC %pM is not a unicast address\n", mac);
		return -EPROTO;
	}
	eth_hw_addr_set(nd->ndev, mac);
	if (nvc_query(nd, RNDIS_OID_GEN_MEDIA_CONNECT_STATUS, &media, sizeof(media)))
		media = RNDIS_MEDIA_STATE_CONNECTED;	/* as Linux: assume up */
	nd->link_up = media == RNDIS_MEDIA_STATE_CONNECTED;
	if (nd->link_up)
		netif_carrier_on(nd->ndev);
	else
		netif_carrier_off(nd->ndev);
	nvc_offload_setup(nd);
	return 0;
}

/* Wait until the host completed every send (the poll runs them). */
static bool nvc_drain(struct nvc_dev *nd)
{
	unsigned int ms;

	for (ms = 0; ms < NVC_DRAIN_MS; ms += 10) {
		if (!READ_ONCE(nd->tx_inflight))
			return true;
		msleep(10);
	}
	return false;
}

/* Revoke, tear down, close and free; a GPADL the host kept is leaked. */
static void nvc_disconnect(struct nvc_dev *nd)
{
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG1_TYPE_REVOKE_RECV_BUF };
	bool recv_free = true, send_free = true;
	unsigned int i;

	if (nd->ch && nd->connected) {
		struct {
			struct rndis_msg_hdr h;
			struct rndis_halt_request r;
		} __packed halt = { .h = { RNDIS_MSG_HALT, sizeof(halt) } };
		int slot = -1;
		u32 s;

		spin_lock_bh(&nd->tx_lock);
		s = nvc_section_get(nd);
		if (s != OVB_NVSP_INVALID_SECTION)
			slot = nvc_slot_get(nd, s);
		spin_unlock_bh(&nd->tx_lock);
		if (slot >= 0) {
			memcpy(nvc_section(nd, s), &halt, sizeof(halt));
			if (nvc_send_rndis_msg(nd, OVB_NVSP_CHANNEL_CONTROL, s, sizeof(halt), slot)) {
				spin_lock_bh(&nd->tx_lock);
				nvc_slot_put(nd, slot);
				spin_unlock_bh(&nd->tx_lock);
			}
		}
		if (!nvc_drain(nd))
			dev_warn(nvc_devp(nd), "%u sends not completed by the host\n",
				 nd->tx_inflight);
	}
	nd->connected = false;
	if (nd->ch) {
		if (nd->recv_gpadl_ok) {
			m.u.revoke_buf.id = OVB_NETVSC_RECEIVE_BUFFER_ID;
			ovb_channel_send_inband(nd->ch, &m, sizeof(m), 0, 0);
		}
		if (nd->send_gpadl_ok) {
			m.msg_type = NVSP_MSG1_TYPE_REVOKE_SEND_BUF;
			m.u.revoke_buf.id = OVB_NETVSC_SEND_BUFFER_ID;
			ovb_channel_send_inband(nd->ch, &m, sizeof(m), 0, 0);
		}
		if (nd->recv_gpadl_ok && ovb_channel_gpadl_teardown(nd->ch, nd->recv_gpadl))
			recv_free = false;
		if (nd->send_gpadl_ok && ovb_channel_gpadl_teardown(nd->ch, nd->send_gpadl))
			send_free = false;
		napi_disable(&nd->napi);
		ovb_channel_close(nd->ch);
		nd->ch = NULL;
	}
	nd->recv_gpadl_ok = false;
	nd->send_gpadl_ok = false;
	/* what the host never completed: it will not now */
	for (i = 0; i < NVC_TX_SLOTS; i++)
		if (test_bit(i, nd->slot_map))
			dev_kfree_skb_any(nvc_slot_put(nd, i));
	if (recv_free)
		vfree(nd->recv_buf);
	if (send_free)
		vfree(nd->send_buf);
	if (!recv_free || !send_free)
		dev_err(nvc_devp(nd), "the host kept a buffer's GPADL: leaked\n");
	nd->recv_buf = NULL;
	nd->send_buf = NULL;
	bitmap_free(nd->send_map);
	nd->send_map = NULL;
	nd->send_section_size = 0;
	kvfree(nd->comp_q);
	nd->comp_q = NULL;
	nd->comp_cap = 0;
	nd->comp_len = 0;
	nd->comp_head = 0;
	nd->rx_pending = false;
}

static int nvc_connect(struct nvc_dev *nd)
{
	struct device *dev = nvc_devp(nd);
	int ret;

	nd->ch = ovb_vmbus_primary_channel(nd->vdev);
	ovb_channel_set_rx_deferred(nd->ch, true);
	napi_enable(&nd->napi);
	ret = ovb_channel_open(nd->ch, NVC_RING_BYTES, NVC_RING_BYTES, nvc_on_event, nd);
	if (ret) {
		napi_disable(&nd->napi);
		nd->ch = NULL;
		return ret;
	}
	ret = nvc_nvsp_init(nd);
	if (ret) {
		dev_err(dev, "no NVSP version in common with the host: %d\n", ret);
		goto fail;
	}
	ret = nvc_nvsp_config(nd);
	if (!ret)
		ret = nvc_buffers(nd);
	if (ret)
		goto fail;
	nd->connected = true;
	ret = nvc_rndis_init(nd);
	if (ret) {
		dev_err(dev, "RNDIS set-up failed: %d\n", ret);
		goto fail;
	}
	dev_info(dev, "NVSP %#x, MTU %u, %u receive sections of %u bytes, %u send sections of %u, offloads %#x\n",
		 nd->nvsp_ver, nd->ndev->mtu, nd->recv_sections, nd->recv_section_size,
		 nd->send_sections, nd->send_section_size, nd->offloads);
	return 0;
fail:
	nvc_disconnect(nd);
	return ret;
}

/* ---- net_device ---- */

static int nvc_open(struct net_device *ndev)
{
	struct nvc_dev *nd = netdev_priv(ndev);
	u32 f;
	int ret = 0;

	mutex_lock(&nd->state_lock);
	if (!nd->connected)
		ret = -ENODEV;
	if (!ret) {
		f = nvc_filter_of(ndev);
		ret = nvc_set(nd, RNDIS_OID_GEN_CURRENT_PACKET_FILTER, &f, sizeof(f));
	}
	if (!ret) {
		WRITE_ONCE(nd->tx_ready, true);
		netif_start_queue(ndev);
	}
	mutex_unlock(&nd->state_lock);
	return ret;
}

static void nvc_stop_traffic(struct nvc_dev *nd)
{
	u32 f = 0;

	WRITE_ONCE(nd->tx_ready, false);
	netif_tx_disable(nd->ndev);
	if (nd->connected)
		nvc_set(nd, RNDIS_OID_GEN_CURRENT_PACKET_FILTER, &f, sizeof(f));
}

static int nvc_stop(struct net_device *ndev)
{
	struct nvc_dev *nd = netdev_priv(ndev);

	mutex_lock(&nd->state_lock);
	nvc_stop_traffic(nd);
	mutex_unlock(&nd->state_lock);
	return 0;
}

static void nvc_set_rx_mode(struct net_device *ndev)
{
	struct nvc_dev *nd = netdev_priv(ndev);

	schedule_work(&nd->filter_work);
}

/* Close the channel and open it again with buffers for the new MTU. */
static int nvc_change_mtu(struct net_device *ndev, int mtu)
{
	struct nvc_dev *nd = netdev_priv(ndev);
	bool running = netif_running(ndev);
	unsigned int old = ndev->mtu;
	int ret;

	mutex_lock(&nd->state_lock);
	if (running)
		nvc_stop_traffic(nd);
	netif_device_detach(ndev);
	nvc_disconnect(nd);
	ndev->mtu = mtu;
	ret = nvc_connect(nd);
	if (ret) {
		netdev_err(ndev, "MTU %d refused (%d): back to %u\n", mtu, ret, old);
		ndev->mtu = old;
		if (nvc_connect(nd))
			netdev_err(ndev, "the channel did not reopen\n");
	}
	netif_device_attach(ndev);
	if (running && nd->connected) {
		u32 f = nvc_filter_of(ndev);

		if (!nvc_set(nd, RNDIS_OID_GEN_CURRENT_PACKET_FILTER, &f, sizeof(f))) {
			WRITE_ONCE(nd->tx_ready, true);
			netif_wake_queue(ndev);
		}
	}
	mutex_unlock(&nd->state_lock);
	return ret;
}

static void nvc_get_stats64(struct net_device *ndev, struct rtnl_link_stats64 *s)
{
	struct nvc_dev *nd = netdev_priv(ndev);
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&nd->rx_sync);
		s->rx_packets = u64_stats_read(&nd->rx_packets);
		s->rx_bytes = u64_stats_read(&nd->rx_bytes);
	} while (u64_stats_fetch_retry(&nd->rx_sync, start));
	do {
		start = u64_stats_fetch_begin(&nd->tx_sync);
		s->tx_packets = u64_stats_read(&nd->tx_packets);
		s->tx_bytes = u64_stats_read(&nd->tx_bytes);
	} while (u64_stats_fetch_retry(&nd->tx_sync, start));
	s->rx_dropped = atomic64_read(&nd->rx_dropped);
	s->rx_length_errors = atomic64_read(&nd->rx_length_errors);
	s->rx_errors = s->rx_length_errors;
	s->tx_dropped = atomic64_read(&nd->tx_dropped);
}

static const struct net_device_ops nvc_netdev_ops = {
	.ndo_open		= nvc_open,
	.ndo_stop		= nvc_stop,
	.ndo_start_xmit		= nvc_xmit,
	.ndo_set_rx_mode	= nvc_set_rx_mode,
	.ndo_change_mtu		= nvc_change_mtu,
	.ndo_get_stats64	= nvc_get_stats64,
	.ndo_validate_addr	= eth_validate_addr,
};

static void nvc_get_drvinfo(struct net_device *ndev, struct ethtool_drvinfo *info)
{
	struct nvc_dev *nd = netdev_priv(ndev);

	strscpy(info->driver, "ovb_netvsc", sizeof(info->driver));
	snprintf(info->fw_version, sizeof(info->fw_version), "NVSP %#x", nd->nvsp_ver);
	strscpy(info->bus_info, dev_name(nvc_devp(nd)), sizeof(info->bus_info));
}

static int nvc_get_sset_count(struct net_device *ndev, int sset)
{
	return sset == ETH_SS_STATS ? NVC_NSTATS : -EINVAL;
}

static void nvc_get_strings(struct net_device *ndev, u32 sset, u8 *data)
{
	if (sset == ETH_SS_STATS)
		memcpy(data, nvc_stat_names, sizeof(nvc_stat_names));
}

static void nvc_get_ethtool_stats(struct net_device *ndev, struct ethtool_stats *st, u64 *data)
{
	struct nvc_dev *nd = netdev_priv(ndev);
	unsigned int i;

	for (i = 0; i < NVC_NSTATS; i++)
		data[i] = atomic64_read(&nd->stats[i]);
}

static const struct ethtool_ops nvc_ethtool_ops = {
	.get_drvinfo		= nvc_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= nvc_get_sset_count,
	.get_strings		= nvc_get_strings,
	.get_ethtool_stats	= nvc_get_ethtool_stats,
};

static int nvc_probe(struct ovb_vmbus_device *vdev)
{
	struct net_device *ndev;
	struct nvc_dev *nd;
	int ret;

	ndev = alloc_etherdev(sizeof(*nd));
	if (!ndev)
		return -ENOMEM;
	nd = netdev_priv(ndev);
	nd->ndev = ndev;
	nd->vdev = vdev;
	mutex_init(&nd->state_lock);
	mutex_init(&nd->ctrl_lock);
	spin_lock_init(&nd->tx_lock);
	spin_lock_init(&nd->req_lock);
	init_completion(&nd->req_done);
	INIT_WORK(&nd->filter_work, nvc_filter_work);
	u64_stats_init(&nd->rx_sync);
	u64_stats_init(&nd->tx_sync);
	SET_NETDEV_DEV(ndev, ovb_vmbus_dev(vdev));
	ndev->netdev_ops = &nvc_netdev_ops;
	ndev->ethtool_ops = &nvc_ethtool_ops;
	ndev->min_mtu = ETH_MIN_MTU;
	ndev->max_mtu = NVC_MAX_MTU;
	ndev->needed_headroom = NVC_HDR_MAX;
	ndev->hw_features = NETIF_F_RXCSUM;
	ndev->features = NETIF_F_RXCSUM | NETIF_F_HW_VLAN_CTAG_RX;
	netif_napi_add(ndev, &nd->napi, nvc_poll);
	netif_carrier_off(ndev);
	ovb_vmbus_set_drvdata(vdev, nd);

	mutex_lock(&nd->state_lock);
	ret = nvc_connect(nd);
	mutex_unlock(&nd->state_lock);
	if (ret)
		goto free;
	ret = register_netdev(ndev);
	if (ret)
		goto disconnect;
	return 0;
disconnect:
	mutex_lock(&nd->state_lock);
	nvc_disconnect(nd);
	mutex_unlock(&nd->state_lock);
free:
	netif_napi_del(&nd->napi);
	free_netdev(ndev);
	return ret;
}

/* Hot removal or rmmod: the interface goes first, then the channel. */
static void nvc_remove(struct ovb_vmbus_device *vdev)
{
	struct nvc_dev *nd = ovb_vmbus_get_drvdata(vdev);

	unregister_netdev(nd->ndev);
	cancel_work_sync(&nd->filter_work);
	mutex_lock(&nd->state_lock);
	nvc_disconnect(nd);
	mutex_unlock(&nd->state_lock);
	netif_napi_del(&nd->napi);
	free_netdev(nd->ndev);
}

static const struct hv_vmbus_device_id nvc_ids[] = {
	{ .guid = OVB_GUID_NIC },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, nvc_ids);

static struct ovb_vmbus_driver nvc_driver = {
	.name = "ovb_netvsc",
	.id_table = nvc_ids,
	.probe = nvc_probe,
	.remove = nvc_remove,
};

module_ovb_vmbus_driver(nvc_driver);
MODULE_DESCRIPTION("openvmbus: synthetic network adapter driver");
MODULE_LICENSE("GPL");
