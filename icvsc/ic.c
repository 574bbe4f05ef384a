// SPDX-License-Identifier: GPL-2.0
/*
 * ovb_ic: the heartbeat and shutdown integration services on ovb_vmbus.
 * The host negotiates framework and service versions, then sends
 * requests; we answer each in the buffer it came in (as Linux's hv_utils
 * does, drivers/hv/hv_util.c). A shutdown request powers off in an orderly
 * way after the answer is on its way. Every length the host sends is
 * checked before it is used.
 */
#include <linux/module.h>
#include <linux/reboot.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "ovb/guids.h"
#include "ovb/ic_proto.h"
#include "vmbus/ovb_vmbus.h"

#define IC_RING_BYTES	(4 * PAGE_SIZE)
#define IC_BUF_BYTES	PAGE_SIZE

enum ic_service { IC_HEARTBEAT = 1, IC_SHUTDOWN = 2 };

static const u32 ic_fw_versions[] = { IC_FW_VERSION_3, IC_FW_VERSION_1 };
static const u32 ic_hb_versions[] = { IC_HEARTBEAT_VERSION_3, IC_HEARTBEAT_VERSION_1 };
static const u32 ic_sd_versions[] = { IC_SHUTDOWN_VERSION_3_2, IC_SHUTDOWN_VERSION_3_1,
				      IC_SHUTDOWN_VERSION_3, IC_SHUTDOWN_VERSION_1 };

struct ic_dev {
	struct ovb_vmbus_device *vdev;
	struct ovb_channel *ch;
	enum ic_service svc;
	u8 *buf;
	u64 heartbeats;
};

static void ic_poweroff_fn(struct work_struct *w)
{
	orderly_poweroff(true);
}
static DECLARE_WORK(ic_poweroff_work, ic_poweroff_fn);

static void ic_reboot_fn(struct work_struct *w)
{
	orderly_reboot();
}
static DECLARE_WORK(ic_reboot_work, ic_reboot_fn);

/* Pick the first of ours that the host offers, in our order of preference. */
static bool ic_pick(const struct ic_version *offered, u32 n, const u32 *ours, u32 nours,
		    struct ic_version *out)
{
	u32 i, j;

	for (i = 0; i < nours; i++)
		for (j = 0; j < n; j++)
			if (offered[j].major == ours[i] >> 16 && offered[j].minor == (ours[i] & 0xffff)) {
				*out = offered[j];
				return true;
			}
	return false;
}

static void ic_negotiate(struct ic_dev *ic, struct icmsg_hdr *h, u8 *body, u32 len)
{
	struct icmsg_negotiate *n = (void *)body;
	struct ic_version fw, srv, *vers = (void *)(body + sizeof(*n));
	const u32 *ours = ic->svc == IC_HEARTBEAT ? ic_hb_versions : ic_sd_versions;
	u32 nours = ic->svc == IC_HEARTBEAT ? ARRAY_SIZE(ic_hb_versions) : ARRAY_SIZE(ic_sd_versions);
	u32 fcnt, mcnt;

	if (len < sizeof(*n))
		goto refuse;
	fcnt = n->icframe_vercnt;
	mcnt = n->icmsg_vercnt;
	/* The answer (one of each) is written over the first two entries. */
	if (!fcnt || !mcnt || fcnt > IC_VERSION_NEGOTIATION_MAX_VER_COUNT ||
	    mcnt > IC_VERSION_NEGOTIATION_MAX_VER_COUNT ||
	    len < sizeof(*n) + (fcnt + mcnt) * sizeof(*vers))
		goto refuse;
	if (!ic_pick(vers, fcnt, ic_fw_versions, ARRAY_SIZE(ic_fw_versions), &fw) ||
	    !ic_pick(vers + fcnt, mcnt, ours, nours, &srv))
		goto refuse;
	n->icframe_vercnt = 1;
	n->icmsg_vercnt = 1;
	vers[0] = fw;
	vers[1] = srv;
	dev_info(ovb_vmbus_dev(ic->vdev), "%s service version %u.%u\n",
		 ic->svc == IC_HEARTBEAT ? "heartbeat" : "shutdown", srv.major, srv.minor);
	return;
refuse:
	dev_err_ratelimited(ovb_vmbus_dev(ic->vdev), "unusable version negotiation from the host\n");
	if (len >= sizeof(*n)) {
		n->icframe_vercnt = 0;
		n->icmsg_vercnt = 0;
	}
	h->status = IC_STATUS_FAIL;
}

static void ic_on_event(void *ctx)
{
	struct ic_dev *ic = ctx;
	struct work_struct *then = NULL;
	u64 tid;
	u32 len;
	int ret;

	while ((ret = ovb_channel_recv(ic->ch, ic->buf, IC_BUF_BYTES, &len, &tid)) != -EAGAIN) {
		struct icmsg_hdr *h = (void *)(ic->buf + sizeof(struct vmbuspipe_hdr));
		u8 *body = ic->buf + ICMSG_HDR_SIZE;
		u32 blen;

		if (ret == -EIO)
			return;
		if (ret || len < ICMSG_HDR_SIZE) {
			dev_err_ratelimited(ovb_vmbus_dev(ic->vdev), "bad packet from the host dropped\n");
			continue;
		}
		blen = len - ICMSG_HDR_SIZE;
		h->status = IC_STATUS_OK;
		if (h->icmsgtype == ICMSGTYPE_NEGOTIATE) {
			ic_negotiate(ic, h, body, blen);
		} else if (ic->svc == IC_HEARTBEAT && h->icmsgtype == ICMSGTYPE_HEARTBEAT &&
			   blen >= sizeof(struct ic_heartbeat_msg)) {
			struct ic_heartbeat_msg *m = (void *)body;

			m->seq_num += 1;
			ic->heartbeats++;
		} else if (ic->svc == IC_SHUTDOWN && h->icmsgtype == ICMSGTYPE_SHUTDOWN &&
			   blen >= sizeof(struct ic_shutdown_msg)) {
			struct ic_shutdown_msg *m = (void *)body;

			switch (m->flags & ~IC_SHUTDOWN_FLAG_FORCE) {
			case 0:
				dev_info(ovb_vmbus_dev(ic->vdev), "shutdown requested by the host\n");
				then = &ic_poweroff_work;
				break;
			case IC_SHUTDOWN_FLAG_RESTART:
				dev_info(ovb_vmbus_dev(ic->vdev), "restart requested by the host\n");
				then = &ic_reboot_work;
				break;
			default:
				h->status = IC_STATUS_FAIL;
				break;
			}
		} else {
			dev_err_ratelimited(ovb_vmbus_dev(ic->vdev), "IC message type %u refused\n",
					    h->icmsgtype);
			h->status = IC_STATUS_FAIL;
		}
		h->icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
		ovb_channel_send_inband(ic->ch, ic->buf, len, tid, 0);
	}
	if (then)
		schedule_work(then);
}

static int ic_probe(struct ovb_vmbus_device *vdev)
{
	static const guid_t hb = OVB_GUID_HEARTBEAT;
	struct ic_dev *ic = kzalloc(sizeof(*ic), GFP_KERNEL);
	int ret;

	if (!ic)
		return -ENOMEM;
	ic->buf = kmalloc(IC_BUF_BYTES, GFP_KERNEL);
	if (!ic->buf) {
		kfree(ic);
		return -ENOMEM;
	}
	ic->vdev = vdev;
	ic->svc = guid_equal(ovb_vmbus_class_id(vdev), &hb) ? IC_HEARTBEAT : IC_SHUTDOWN;
	ic->ch = ovb_vmbus_primary_channel(vdev);
	ovb_vmbus_set_drvdata(vdev, ic);
	ret = ovb_channel_open(ic->ch, IC_RING_BYTES, IC_RING_BYTES, ic_on_event, ic);
	if (ret) {
		dev_err(ovb_vmbus_dev(vdev), "cannot open the channel: %d\n", ret);
		kfree(ic->buf);
		kfree(ic);
	}
	return ret;
}

static void ic_remove(struct ovb_vmbus_device *vdev)
{
	struct ic_dev *ic = ovb_vmbus_get_drvdata(vdev);

	ovb_channel_close(ic->ch);
	kfree(ic->buf);
	kfree(ic);
}

static const struct hv_vmbus_device_id ic_ids[] = {
	{ .guid = OVB_GUID_HEARTBEAT },
	{ .guid = OVB_GUID_SHUTDOWN },
	{ },
};
MODULE_DEVICE_TABLE(vmbus, ic_ids);

static struct ovb_vmbus_driver ic_driver = {
	.name = "ovb_ic",
	.id_table = ic_ids,
	.probe = ic_probe,
	.remove = ic_remove,
};

static int __init ic_init(void)
{
	return ovb_vmbus_driver_register(&ic_driver);
}

static void __exit ic_exit(void)
{
	ovb_vmbus_driver_unregister(&ic_driver);
}

module_init(ic_init);
module_exit(ic_exit);
MODULE_DESCRIPTION("openvmbus: heartbeat and shutdown integration services");
MODULE_LICENSE("GPL");
