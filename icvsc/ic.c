// SPDX-License-Identifier: GPL-2.0
/*
 * ovb_ic: the integration services on ovb_vmbus (framework: ic.h). This
 * file is the channel, the version negotiation and the table of services;
 * each service is a file of its own (heartbeat.c, shutdown.c). Every
 * length the host sends is checked before it is used; a callback run
 * answers at most IC_BUDGET requests and then lets the bus run it again.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "ovb/guids.h"
#include "vmbus/ovb_vmbus.h"
#include "lib/ic_negotiate.h"
#include "icvsc/ic.h"

#define IC_RING_BYTES	(4 * PAGE_SIZE)
#define IC_BUF_BYTES	PAGE_SIZE
#define IC_BUDGET	16

/* The services of ic.h's list, in the same order as ic_ids below. */
#define IC_SERVICE_PTR(svc, id) &svc,
static const struct ic_service *const ic_services[] = {
	OVB_IC_SERVICES(IC_SERVICE_PTR)
};

static const u32 ic_fw_versions[] = OVB_IC_FW_VERSIONS;

/* The host's offer, answered in place with lib/'s choice (ic_negotiate.c). */
void ic_negotiate(struct ic_dev *ic, struct icmsg_hdr *h, u8 *body, u32 len)
{
	struct ovb_ic_versions v = {
		.fw = ic_fw_versions, .nfw = ARRAY_SIZE(ic_fw_versions),
		.srv = ic->svc->versions, .nsrv = ic->svc->nversions,
	};
	u32 fw, srv;

	if (ovb_ic_negotiate_answer(body, len, &v, &fw, &srv) < 0) {
		dev_err_ratelimited(ovb_vmbus_dev(ic->vdev),
				    "unusable version negotiation from the host\n");
		h->status = IC_STATUS_FAIL;
		return;
	}
	ic->srv_version = srv;
	dev_info(ovb_vmbus_dev(ic->vdev), "%s service version %u.%u\n",
		 ic->svc->name, srv >> 16, srv & 0xffff);
}

struct work_struct *ic_process(struct ic_dev *ic, u8 *buf, u32 len)
{
	struct icmsg_hdr *h = (void *)(buf + sizeof(struct vmbuspipe_hdr));
	u8 *body = buf + ICMSG_HDR_SIZE;
	struct work_struct *then = NULL;
	u32 blen = len - ICMSG_HDR_SIZE;	/* the caller checked len >= ICMSG_HDR_SIZE */

	h->status = IC_STATUS_OK;
	if (h->icmsgtype == ICMSGTYPE_NEGOTIATE) {
		ic_negotiate(ic, h, body, blen);
	} else if (h->icmsgtype == ic->svc->msgtype && blen >= ic->svc->min_len) {
		then = ic->svc->handle(ic, h, body, blen);
	} else {
		dev_err_ratelimited(ovb_vmbus_dev(ic->vdev), "IC message type %u refused\n",
				    h->icmsgtype);
		h->status = IC_STATUS_FAIL;
	}
	h->icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
	return then;
}

static u32 ic_buf_len(const struct ic_service *svc)
{
	return svc->buf_len ? svc->buf_len : IC_BUF_BYTES;
}

int ic_answer(struct ic_dev *ic, const void *buf, u32 len, u64 tid)
{
	return ovb_channel_send_inband(ic->ch, buf, len, tid, 0);
}

static void ic_on_event(void *ctx)
{
	struct ic_dev *ic = ctx;
	struct work_struct *then = NULL, *w;
	unsigned int n;
	u64 tid;
	u32 len;
	int ret;

	for (n = 0; n < IC_BUDGET; n++) {
		ret = ovb_channel_recv(ic->ch, ic->buf, ic_buf_len(ic->svc), &len, &tid);
		if (ret == -EAGAIN || ret == -EIO)
			break;
		if (ret || len < ICMSG_HDR_SIZE) {
			dev_err_ratelimited(ovb_vmbus_dev(ic->vdev), "bad packet from the host dropped\n");
			continue;
		}
		ic->requests++;
		ic->tid = tid;
		ic->deferred = false;
		w = ic_process(ic, ic->buf, len);
		if (w)
			then = w;
		if (!ic->deferred)
			ovb_channel_send_inband(ic->ch, ic->buf, len, tid, 0);
	}
	if (then)
		schedule_work(then);
}

/* modpost needs a table of its own for the module's aliases. */
#define IC_SERVICE_ID(svc, id) { .guid = id },
static const struct hv_vmbus_device_id ic_ids[] = {
	OVB_IC_SERVICES(IC_SERVICE_ID)
	{ },
};
MODULE_DEVICE_TABLE(vmbus, ic_ids);

static const struct ic_service *ic_find(struct ovb_vmbus_device *vdev)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ic_services); i++)
		if (guid_equal(ovb_vmbus_class_id(vdev), &ic_ids[i].guid))
			return ic_services[i];
	return NULL;
}

static int ic_probe(struct ovb_vmbus_device *vdev)
{
	const struct ic_service *svc = ic_find(vdev);
	struct ic_dev *ic;
	int ret;

	if (!svc)
		return -ENODEV;
	ic = kzalloc(sizeof(*ic), GFP_KERNEL);
	if (!ic)
		return -ENOMEM;
	ic->buf = kmalloc(ic_buf_len(svc), GFP_KERNEL);
	if (!ic->buf) {
		kfree(ic);
		return -ENOMEM;
	}
	ic->vdev = vdev;
	ic->svc = svc;
	ic->ch = ovb_vmbus_primary_channel(vdev);
	ovb_vmbus_set_drvdata(vdev, ic);
	ret = svc->probe ? svc->probe(ic) : 0;
	if (ret)
		goto fail;
	ret = ovb_channel_open(ic->ch, IC_RING_BYTES, IC_RING_BYTES, ic_on_event, ic);
	if (!ret)
		return 0;
	dev_err(ovb_vmbus_dev(vdev), "cannot open the channel: %d\n", ret);
	if (svc->quiesce)
		svc->quiesce(ic);
	if (svc->remove)
		svc->remove(ic);
fail:
	kfree(ic->buf);
	kfree(ic);
	return ret;
}

static void ic_remove(struct ovb_vmbus_device *vdev)
{
	struct ic_dev *ic = ovb_vmbus_get_drvdata(vdev);

	if (ic->svc->quiesce)
		ic->svc->quiesce(ic);
	ovb_channel_close(ic->ch);
	if (ic->svc->remove)
		ic->svc->remove(ic);
	kfree(ic->buf);
	kfree(ic);
}


static struct ovb_vmbus_driver ic_driver = {
	.name = "ovb_ic",
	.id_table = ic_ids,
	.probe = ic_probe,
	.remove = ic_remove,
};

module_ovb_vmbus_driver(ic_driver);
MODULE_DESCRIPTION("openvmbus: integration services (heartbeat, shutdown, timesync, KVP)");
MODULE_LICENSE("GPL");
