// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The IC framework from the host side. On open the host sends a
 * NEGOTIATE listing its framework and service versions; the guest answers
 * with the one of each it chose (Linux: vmbus_prep_negotiate_resp()), or
 * with none. After that the service exchanges its own messages. Every
 * answer from the guest is length-checked before it is looked at.
 */
#include <stdlib.h>
#include <string.h>

#include "hostside/icvsp/ic.h"
#include "hostside/icvsp/ic_txn.h"
#include "lib/ic_negotiate.h"
#include "hostside/log.h"

static const uint32_t ic_fw_versions[] = OVB_IC_FW_VERSIONS;

static struct ovb_ic_versions ic_versions(const struct ic_service *ic)
{
	struct ovb_ic_versions v = { .fw = ic_fw_versions, .nfw = OVB_IC_NR_FW_VERSIONS,
				     .srv = ic->srv_versions, .nsrv = ic->nsrv_versions };
	return v;
}

int ic_send(struct ic_service *ic, uint16_t msgtype, const void *body, uint32_t body_len)
{
	uint8_t buf[IC_BUF_SIZE];
	struct vmbuspipe_hdr *p = (void *)buf;
	struct icmsg_hdr *h = (void *)(buf + sizeof(*p));
	uint32_t len = ICMSG_HDR_SIZE + body_len;
	int ret;

	if (len > sizeof(buf))
		return -1;
	memset(buf, 0, ICMSG_HDR_SIZE);
	p->flags = 0;
	p->msgsize = len - sizeof(*p);
	pthread_mutex_lock(&ic->lock);
	h->icverframe.major = (uint16_t)(ic->st.fw_version >> 16);
	h->icverframe.minor = (uint16_t)ic->st.fw_version;
	h->icvermsg.major = (uint16_t)(ic->st.srv_version >> 16);
	h->icvermsg.minor = (uint16_t)ic->st.srv_version;
	h->icmsgtype = msgtype;
	h->icmsgsize = (uint16_t)body_len;
	h->ictransaction_id = ic->txn_id++;
	h->icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_REQUEST;
	ic->st.sent++;
	pthread_mutex_unlock(&ic->lock);
	memcpy(buf + ICMSG_HDR_SIZE, body, body_len);
	ret = vmbus_channel_send_inband(ic->ch, OVB_VMPKT_FLAG_COMPLETION_REQUESTED,
					++ic->next_trans, buf, len);
	if (ret)
		ic_log(ic, "cannot send (ring %d)", ret);
	return ret;
}

static int ic_send_negotiate(struct ic_service *ic)
{
	uint8_t body[sizeof(struct icmsg_negotiate) + 16 * sizeof(struct ic_version)];
	struct ovb_ic_versions v = ic_versions(ic);
	int len = ovb_ic_negotiate_offer(body, sizeof(body), &v);

	if (len < 0)
		return len;
	return ic_send(ic, ICMSGTYPE_NEGOTIATE, body, (uint32_t)len);
}

static void ic_negotiated(struct ic_service *ic, const uint8_t *body, uint32_t len)
{
	struct ovb_ic_versions v = ic_versions(ic);
	uint32_t fw, srv;
	int ret = ovb_ic_negotiate_check(body, len, &v, &fw, &srv);

	if (ret == -EPROTO) {
		ic_log(ic, "the guest accepted no version we offered");
		return;
	}
	if (ret) {
		ic_log(ic, "bad negotiation answer (%u bytes)", len);
		return;
	}
	pthread_mutex_lock(&ic->lock);
	ic->st.fw_version = fw;
	ic->st.srv_version = srv;
	pthread_mutex_unlock(&ic->lock);
	ic_log_state(ic, "guest speaks framework %u.%u, service %u.%u", fw >> 16, fw & 0xffff,
		     srv >> 16, srv & 0xffff);
	/*
	 * The service forgets the old guest's state before it is published as
	 * negotiated: a request (ovbctl copy) that sees it up must not then be
	 * cancelled by this reset.
	 */
	if (ic->txn)
		ic_txn_reset(ic->txn);
	if (ic->negotiated)
		ic->negotiated(ic);
	pthread_mutex_lock(&ic->lock);
	ic->st.negotiated = true;
	pthread_mutex_unlock(&ic->lock);
}

void ic_handle_packet(struct ic_service *ic, const uint8_t *buf, uint32_t len)
{
	struct ovb_vmpacket_desc d;
	struct icmsg_hdr h;
	uint32_t off, plen;

	if (len < sizeof(d))
		return;
	memcpy(&d, buf, sizeof(d));
	off = (uint32_t)d.offset8 * 8;
	if (off > len) {
		ic_log(ic, "packet offset %u past its %u bytes", off, len);
		return;
	}
	plen = len - off;
	if (d.type != OVB_VMPKT_DATA_INBAND || plen < ICMSG_HDR_SIZE) {
		ic_log(ic, "packet type %u of %u bytes dropped", d.type, plen);
		return;
	}
	memcpy(&h, buf + off + sizeof(struct vmbuspipe_hdr), sizeof(h));
	if (!(h.icflags & ICMSGHDRFLAG_RESPONSE)) {
		ic_log(ic, "unexpected request from the guest");
		return;
	}
	if (h.icmsgtype == ICMSGTYPE_NEGOTIATE)
		ic_negotiated(ic, buf + off + ICMSG_HDR_SIZE, plen - ICMSG_HDR_SIZE);
	else if (h.icmsgtype == ic->msgtype && ic->st.negotiated && ic->txn)
		ic_txn_response(ic->txn, &h, buf + off + ICMSG_HDR_SIZE, plen - ICMSG_HDR_SIZE);
	else if (h.icmsgtype == ic->msgtype && ic->st.negotiated)
		ic->response(ic, &h, buf + off + ICMSG_HDR_SIZE, plen - ICMSG_HDR_SIZE);
	else
		ic_log(ic, "answer of type %u dropped", h.icmsgtype);
}

/* What ic_drain hands vmbus_channel_drain_rx: the service and its buffer. */
struct ic_rx {
	struct ic_service *ic;
	uint8_t buf[IC_BUF_SIZE + 64];
};

static void ic_rx(void *arg, uint32_t len, bool oversized)
{
	struct ic_rx *r = arg;

	if (oversized)
		ic_log(r->ic, "oversized packet (%u bytes) dropped", len);
	else
		ic_handle_packet(r->ic, r->buf, len);
}

static void ic_drain(struct vmbus_channel *ch)
{
	struct ic_rx r = { .ic = vmbus_channel_get_priv(ch) };
	struct ic_service *ic = r.ic;

	/* A budget per drain: the worker then checks its stop flag and yields. */
	vmbus_channel_drain_rx(ch, r.buf, sizeof(r.buf), IC_DRAIN_BUDGET, ic_rx, &r);
	if (!ic->st.negotiated || vmbus_channel_stopping(ch))
		return;
	if (ic->kick)
		ic->kick(ic);
	if (ic->txn)
		ic_txn_kick(ic->txn);
}

static void ic_tick(struct vmbus_channel *ch)
{
	struct ic_service *ic = vmbus_channel_get_priv(ch);

	if (!ic->st.negotiated)
		return;
	if (ic->tick)
		ic->tick(ic);
	if (ic->txn)
		ic_txn_tick(ic->txn);
}

static int ic_open(struct vmbus_channel *ch)
{
	struct ic_service *ic = vmbus_channel_device(ch)->priv;

	pthread_mutex_lock(&ic->lock);
	memset(&ic->st, 0, sizeof(ic->st));
	ic->st.open = true;
	ic->st.fw_version = IC_FW_VERSION_1;	/* what a NEGOTIATE header carries */
	ic->st.srv_version = IC_VERSION(1, 0);
	ic->ch = ch;
	pthread_mutex_unlock(&ic->lock);
	vmbus_channel_set_priv(ch, ic);
	if (ic_send_negotiate(ic))
		return -1;
	return vmbus_channel_start_worker(ch, ic_drain, ic_tick, 1000);
}

static void ic_close(struct vmbus_channel *ch)
{
	struct ic_service *ic = vmbus_channel_get_priv(ch);

	vmbus_channel_stop_worker(ch);
	pthread_mutex_lock(&ic->lock);
	ic->st.open = false;
	ic->st.negotiated = false;
	ic->ch = NULL;
	pthread_mutex_unlock(&ic->lock);
}

/* The guest unloaded or reconnected: nothing is negotiated any more. */
static void ic_reset(struct vmbus_device *dev)
{
	struct ic_service *ic = dev->priv;

	pthread_mutex_lock(&ic->lock);
	ic->st.negotiated = false;
	pthread_mutex_unlock(&ic->lock);
}

static const struct vsp_ops ic_ops = {
	.open = ic_open,
	.close = ic_close,
	.reset = ic_reset,
	.rescind = ic_reset,
};

void ic_service_init(struct ic_service *ic, const char *name, const struct ovb_guid *class_id,
		     uint16_t msgtype, const uint32_t *versions, unsigned int nversions)
{
	/* Instance GUIDs are fixed per service so guests see stable devices. */
	struct ovb_guid inst = *class_id;

	inst.b[15] ^= 0x5a;
	ic->dev.class_id = *class_id;
	ic->dev.instance_id = inst;
	ic->dev.name = name;
	ic->dev.ops = &ic_ops;
	ic->dev.priv = ic;
	ic->name = name;
	ic->state_rl.burst = LOG_RL_STATE_BURST;
	ic->msgtype = msgtype;
	ic->srv_versions = versions;
	ic->nsrv_versions = nversions;
	pthread_mutex_init(&ic->lock, NULL);
}

void icvsp_get_status(struct vmbus_device *dev, struct icvsp_status *st)
{
	struct ic_service *ic = dev->priv;

	pthread_mutex_lock(&ic->lock);
	*st = ic->st;
	pthread_mutex_unlock(&ic->lock);
}

void icvsp_free(struct vmbus_device *dev)
{
	free(dev ? dev->priv : NULL);
}
