// SPDX-License-Identifier: GPL-2.0
/*
 * ovb_vmbus: binds to the ACPI VMBus device, negotiates the highest
 * version the host accepts (5.3 down to 2.4, with the 5.x message
 * connection id), asks for offers and puts a device on the bus for each.
 * Sequence as Linux's drivers/hv/connection.c expects a host to follow it.
 * Everything the host sends is checked against the message table before
 * it is used; bad messages are logged (rate limited) and dropped.
 *
 * Answers to our own requests (version, GPADL created/torn down, open
 * result, unload) are taken in interrupt context, as Linux's
 * vmbus_on_msg_dpc does for its non-blocking handlers: a driver that opens
 * or closes a channel from the message work (a probe during an offer, a
 * remove during a rescind) would otherwise wait for an answer queued
 * behind itself. Offers, rescinds and ALLOFFERS_DELIVERED keep their order
 * on an ordered workqueue.
 *
 * Power-off, halt, reboot and kexec run our syscore shutdown hook after
 * device_shutdown(): it sends UNLOAD and waits briefly for UNLOAD_RESPONSE,
 * so the host is left with no channels or GPADLs of ours (Linux does this
 * from hv_kexec_handler/vmbus_initiate_unload).
 */
#include <linux/acpi.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/reboot.h>
#include <linux/syscore_ops.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "ovb/hv_tlfs.h"
#include "kernel/compat.h"
#include "kernel/ovb_hv.h"
#include "lib/vmbus_version.h"
#include "vmbus/vmbus_internal.h"


struct ovb_msg_rule {
	u32 min_len, dir;
};

#define OVB_RULE(t, s, len, ver, d) [t] = { len, d },
static const struct ovb_msg_rule ovb_rules[CHANNELMSG_COUNT] = {
	OVB_VMBUS_MSG_TABLE(OVB_RULE)
};

/*
 * Offers, rescinds and ALLOFFERS_DELIVERED waiting for the workqueue, at
 * most: a host that floods them gets the rest dropped (logged, rate
 * limited), not our memory. Far above what a real host queues: one offer
 * per device and sub-channel (OVB_VMBUS_MAX_RELID relids at most).
 */
#define OVB_MSG_QUEUE_MAX	(2 * (OVB_VMBUS_MAX_RELID + 1))

struct ovb_msg_work {
	struct work_struct work;
	u32 len;
	u8 data[HV_MESSAGE_PAYLOAD_BYTE_COUNT];
};

static struct {
	struct device *parent;
	struct workqueue_struct *wq;
	u32 version, msg_conn_id;
	struct completion version_done, offers_done, unload_done;
	struct vmbus_channel_version_response version_resp;
	atomic_t queued;		/* ovb_msg_work items not yet run */
	atomic64_t dropped;		/* messages dropped at OVB_MSG_QUEUE_MAX */
	struct mutex lock;		/* devices */
	struct list_head devices;
	struct mutex unload_lock;	/* connected, unloaded */
	bool connected;
	bool unloaded;			/* at shutdown: post nothing more */
	/*
	 * vb.lock: sub-channels freed with their rescinded device; the host
	 * rescinds each too, and the release answers that rescind.
	 */
	bool sc_gone[OVB_VMBUS_MAX_RELID + 1];
} vb;

int ovb_vmbus_post(const void *msg, u32 len)
{
	u16 st;
	int tries;

	if (READ_ONCE(vb.unloaded))
		return -ENODEV;
	for (tries = 0; tries < 100; tries++) {
		st = ovb_hv_post_message(vb.msg_conn_id, 1, msg, len);
		if (st != HV_STATUS_INSUFFICIENT_BUFFERS && st != HV_STATUS_INSUFFICIENT_MEMORY)
			break;
		usleep_range(1000, 2000);
	}
	return st ? -EIO : 0;
}

static struct ovb_vmbus_device *ovb_vmbus_find(u32 relid)
{
	struct ovb_vmbus_device *d;

	list_for_each_entry(d, &vb.devices, node)
		if (d->relid == relid)
			return d;
	return NULL;
}

/*
 * The device that has @relid, as its primary or as one of its
 * sub-channels: a second channel of that relid would be a second device
 * (or sub-channel) the rescind of the relid cannot tell apart, and a
 * rescind of either would release the relid while the other lives.
 */
static struct ovb_vmbus_device *ovb_vmbus_find_any(u32 relid)
{
	struct ovb_vmbus_device *d;

	list_for_each_entry(d, &vb.devices, node)
		if (d->relid == relid || ovb_channel_has_subchannel(d, relid))
			return d;
	return NULL;
}

static struct ovb_vmbus_device *ovb_vmbus_find_instance(const struct ovb_guid *g)
{
	struct ovb_vmbus_device *d;

	list_for_each_entry(d, &vb.devices, node)
		if (!memcmp(&d->offer.offer.if_instance, g, sizeof(*g)))
			return d;
	return NULL;
}

static void ovb_vmbus_on_offer(const struct vmbus_channel_offer_channel *o)
{
	struct ovb_vmbus_device *d;

	if (o->child_relid == 0 || o->child_relid > OVB_VMBUS_MAX_RELID) {
		pr_err_ratelimited("ovb_vmbus: offer with bad relid %u dropped\n", o->child_relid);
		return;
	}
	mutex_lock(&vb.lock);
	/* A sub-channel joins its primary's device (same instance GUID). */
	if (o->offer.sub_channel_index) {
		d = ovb_vmbus_find_instance(&o->offer.if_instance);
		if (d && !ovb_vmbus_find_any(o->child_relid))
			ovb_channel_add_subchannel(d, o);
		else
			pr_err_ratelimited("ovb_vmbus: sub-channel offer (relid %u, index %u) without its primary or of a relid in use dropped\n",
					   o->child_relid, o->offer.sub_channel_index);
		mutex_unlock(&vb.lock);
		return;
	}
	if (ovb_vmbus_find_any(o->child_relid)) {
		mutex_unlock(&vb.lock);
		/* The relid is a device's or a sub-channel's: the pair cases grep this line. */
		pr_err_ratelimited("ovb_vmbus: duplicate offer of relid %u dropped\n",
				   o->child_relid);
		return;
	}
	/* Devices are named by instance: a second one would clash in sysfs. */
	d = ovb_vmbus_find_instance(&o->offer.if_instance);
	if (d) {
		mutex_unlock(&vb.lock);
		pr_err_ratelimited("ovb_vmbus: offer of relid %u repeats the instance of relid %u: dropped\n",
				   o->child_relid, d->relid);
		return;
	}
	d = ovb_vmbus_device_add(vb.parent, o);
	if (d)
		list_add_tail(&d->node, &vb.devices);
	mutex_unlock(&vb.lock);
}

static void ovb_vmbus_on_rescind(u32 relid)
{
	struct ovb_vmbus_device *d;
	struct vmbus_channel_relid_released r = { .header.msgtype = CHANNELMSG_RELID_RELEASED };
	bool gone;

	mutex_lock(&vb.lock);
	d = ovb_vmbus_find(relid);
	if (d) {
		list_del(&d->node);
		WRITE_ONCE(d->chan.rescinded, true);
		ovb_channel_subchannel_relids(d, vb.sc_gone);
		ovb_vmbus_device_remove(d);
	} else {
		list_for_each_entry(d, &vb.devices, node)
			if (ovb_channel_remove_subchannel(d, relid))
				break;
		if (list_entry_is_head(d, &vb.devices, node))
			d = NULL;
	}
	gone = relid <= OVB_VMBUS_MAX_RELID && vb.sc_gone[relid];
	if (gone)
		vb.sc_gone[relid] = false;
	mutex_unlock(&vb.lock);
	if (!d && !gone) {
		pr_err_ratelimited("ovb_vmbus: rescind of unknown relid %u\n", relid);
		return;
	}
	r.child_relid = relid;
	ovb_vmbus_post(&r, sizeof(r));
}

/* Offers, rescinds and the end of the offers, in the order they came. */
static void ovb_vmbus_msg_work(struct work_struct *work)
{
	struct ovb_msg_work *w = container_of(work, struct ovb_msg_work, work);
	struct vmbus_msg_header h;

	memcpy(&h, w->data, sizeof(h));
	switch (h.msgtype) {
	case CHANNELMSG_OFFERCHANNEL: {
		struct vmbus_channel_offer_channel o;

		memcpy(&o, w->data, sizeof(o));
		ovb_vmbus_on_offer(&o);
		break;
	}
	case CHANNELMSG_ALLOFFERS_DELIVERED:
		complete(&vb.offers_done);
		break;
	case CHANNELMSG_RESCIND_CHANNELOFFER: {
		struct vmbus_channel_rescind_offer r;

		memcpy(&r, w->data, sizeof(r));
		ovb_vmbus_on_rescind(r.child_relid);
		break;
	}
	default:
		pr_info_ratelimited("ovb_vmbus: message type %u ignored\n", h.msgtype);
		break;
	}
	kfree(w);
	atomic_dec(&vb.queued);
}

/*
 * Interrupt context: check the message against the table; take answers to
 * our requests here, copy the rest to the workqueue. The slot is the
 * host's memory: its length is read once, and only our copy is parsed.
 */
static void ovb_vmbus_on_message(void *ctx, struct hv_message *msg)
{
	u32 len = READ_ONCE(msg->header.payload_size);
	u8 data[HV_MESSAGE_PAYLOAD_BYTE_COUNT] __aligned(8);
	struct vmbus_msg_header h;
	struct ovb_msg_work *w;

	if (len < sizeof(h) || len > HV_MESSAGE_PAYLOAD_BYTE_COUNT) {
		pr_err_ratelimited("ovb_vmbus: message of %u bytes from the host dropped\n", len);
		goto done;
	}
	memset(data, 0, sizeof(data));
	memcpy(data, msg->payload, len);
	ovb_hv_msg_done(msg);
	memcpy(&h, data, sizeof(h));
	if (h.msgtype >= CHANNELMSG_COUNT || !ovb_rules[h.msgtype].dir) {
		pr_err_ratelimited("ovb_vmbus: unknown message type %u (%u bytes) from the host dropped\n",
				   h.msgtype, len);
		return;
	}
	if (ovb_rules[h.msgtype].dir != VMBUS_DIR_H2G) {
		pr_err_ratelimited("ovb_vmbus: guest-to-host message type %u from the host dropped\n",
				   h.msgtype);
		return;
	}
	if (len < ovb_rules[h.msgtype].min_len) {
		pr_err_ratelimited("ovb_vmbus: message type %u too short (%u < %u bytes) dropped\n",
				   h.msgtype, len, ovb_rules[h.msgtype].min_len);
		return;
	}
	switch (h.msgtype) {
	case CHANNELMSG_VERSION_RESPONSE:
		memcpy(&vb.version_resp, data, sizeof(vb.version_resp));
		complete(&vb.version_done);
		return;
	case CHANNELMSG_UNLOAD_RESPONSE:
		complete(&vb.unload_done);
		return;
	case CHANNELMSG_GPADL_CREATED:
	case CHANNELMSG_OPENCHANNEL_RESULT:
	case CHANNELMSG_GPADL_TORNDOWN:
		ovb_channel_answer(h.msgtype, data);
		return;
	}
	if (atomic_inc_return(&vb.queued) > OVB_MSG_QUEUE_MAX) {
		atomic_dec(&vb.queued);
		pr_err_ratelimited("ovb_vmbus: message queue full (%u): message type %u dropped (%lld so far)\n",
				   OVB_MSG_QUEUE_MAX, h.msgtype,
				   (long long)atomic64_inc_return(&vb.dropped));
		return;
	}
	w = kzalloc(sizeof(*w), GFP_ATOMIC);
	if (!w) {
		atomic_dec(&vb.queued);
		pr_err_ratelimited("ovb_vmbus: no memory: message type %u dropped\n", h.msgtype);
		return;
	}
	INIT_WORK(&w->work, ovb_vmbus_msg_work);
	w->len = len;
	memcpy(w->data, data, len);
	queue_work(vb.wq, &w->work);
	return;
done:
	ovb_hv_msg_done(msg);
}

static const struct ovb_hv_handler ovb_vmbus_handler = {
	.on_message = ovb_vmbus_on_message,
	.on_events = ovb_channel_on_events,
};

u32 ovb_vmbus_version(void)
{
	return vb.version;
}

static int ovb_vmbus_connect(void)
{
	struct vmbus_channel_initiate_contact c = { .header.msgtype = CHANNELMSG_INITIATE_CONTACT };
	struct vmbus_channel_empty req = { .header.msgtype = CHANNELMSG_REQUESTOFFERS };
	unsigned int i;
	u32 v;

	for (i = 0; (v = ovb_vmbus_version_at(i)); i++) {

		reinit_completion(&vb.version_done);
		memset(&c.u, 0, sizeof(c.u));
		c.vmbus_version_requested = v;
		c.target_vcpu = ovb_hv_vp_index(0);
		if (v >= OVB_VMBUS_VERSION_WIN10_V5) {
			c.u.v5.msg_sint = OVB_VMBUS_MESSAGE_SINT;
			vb.msg_conn_id = OVB_VMBUS_MESSAGE_CONNECTION_ID_4;
		} else {
			vb.msg_conn_id = OVB_VMBUS_MESSAGE_CONNECTION_ID;
		}
		if (ovb_vmbus_post(&c, sizeof(c)))
			continue;
		if (!wait_for_completion_timeout(&vb.version_done, 5 * HZ)) {
			pr_err("ovb_vmbus: no answer to version %u.%u\n", v >> 16, v & 0xffff);
			return -ETIMEDOUT;
		}
		if (!vb.version_resp.version_supported)
			continue;
		if (v >= OVB_VMBUS_VERSION_WIN10_V5) {
			u32 id = vb.version_resp.msg_conn_id;

			if (!id || id > HV_CONNECTION_ID_MASK) {
				pr_err("ovb_vmbus: host gave bad message connection id %u\n", id);
				return -EPROTO;
			}
			vb.msg_conn_id = id;
		}
		vb.version = v;
		break;
	}
	if (!vb.version) {
		pr_err("ovb_vmbus: the host accepts no VMBus version from 5.3 to 2.4\n");
		return -ENODEV;
	}
	mutex_lock(&vb.unload_lock);
	vb.connected = true;
	mutex_unlock(&vb.unload_lock);
	pr_info("ovb_vmbus: connected, VMBus version %u.%u\n", vb.version >> 16,
		vb.version & 0xffff);
	reinit_completion(&vb.offers_done);
	if (ovb_vmbus_post(&req, sizeof(req)))
		return -EIO;
	if (!wait_for_completion_timeout(&vb.offers_done, 10 * HZ))
		pr_err("ovb_vmbus: the host did not finish its offers\n");
	flush_workqueue(vb.wq);
	return 0;
}

/*
 * UNLOAD: the host closes every channel and forgets every GPADL of ours.
 * Waits up to 5 s for UNLOAD_RESPONSE (it is taken in interrupt context,
 * so this works while the workqueues are being shut down). Once only.
 * @final: post nothing more afterwards (the system is going down).
 * Returns whether we were connected.
 */
static bool ovb_vmbus_unload(bool final)
{
	struct vmbus_channel_empty unload = { .header.msgtype = CHANNELMSG_UNLOAD };
	bool was = false;

	mutex_lock(&vb.unload_lock);
	if (vb.connected) {
		was = true;
		reinit_completion(&vb.unload_done);
		if (ovb_vmbus_post(&unload, sizeof(unload)))
			pr_err("ovb_vmbus: cannot post UNLOAD to the host\n");
		else if (!wait_for_completion_timeout(&vb.unload_done, 5 * HZ))
			pr_err("ovb_vmbus: no UNLOAD_RESPONSE from the host\n");
		vb.connected = false;
	}
	if (final)
		WRITE_ONCE(vb.unloaded, true);
	mutex_unlock(&vb.unload_lock);
	return was;
}

static void ovb_vmbus_disconnect(void)
{
	struct ovb_vmbus_device *d, *tmp;

	/* Drivers close their channels while the host still answers. */
	mutex_lock(&vb.lock);
	list_for_each_entry_safe(d, tmp, &vb.devices, node) {
		list_del(&d->node);
		ovb_vmbus_device_remove(d);
	}
	mutex_unlock(&vb.lock);
	ovb_vmbus_unload(false);
	ovb_hv_unregister_handler();
	flush_workqueue(vb.wq);
}

/*
 * Power-off, halt, restart and kexec: leave the host with no channels (a
 * kexec'd kernel connects afresh). A syscore shutdown hook, not a reboot
 * notifier: it runs after device_shutdown(), so our drivers' last requests
 * (a disk's cache flush) still reach the host before we unload. Channels
 * stay allocated here; nothing more is posted.
 */
static void ovb_vmbus_syscore_shutdown(OVB_SYSCORE_ARGS)
{
	if (ovb_vmbus_unload(true))
		pr_info("ovb_vmbus: unloaded from the host for %s\n",
			system_state == SYSTEM_RESTART ? "restart" :
			system_state == SYSTEM_HALT ? "halt" : "power-off");
}

OVB_SYSCORE(ovb_vmbus_syscore, .shutdown = ovb_vmbus_syscore_shutdown);

static int ovb_vmbus_acpi_add(struct acpi_device *adev)
{
	int ret;

	if (vb.parent)
		return -EBUSY;
	vb.parent = &adev->dev;
	/* Before the offers: a driver's probe may allocate from the windows. */
	ovb_vmbus_mmio_scan(adev);
	ret = ovb_hv_register_handler(&ovb_vmbus_handler);
	if (ret)
		goto fail;
	ret = ovb_vmbus_connect();
	if (ret) {
		ovb_vmbus_disconnect();
		goto fail;
	}
	return 0;
fail:
	ovb_vmbus_mmio_clear();
	vb.parent = NULL;
	return ret;
}

static ovb_acpi_remove_ret ovb_vmbus_acpi_remove(struct acpi_device *adev)
{
	ovb_vmbus_disconnect();
	ovb_vmbus_mmio_clear();
	vb.parent = NULL;
	return OVB_ACPI_REMOVE_DONE;
}

static const struct acpi_device_id ovb_vmbus_acpi_ids[] = {
	{ "VMBUS", 0 },
	{ "VMBus", 0 },
	{ "", 0 },
};
MODULE_DEVICE_TABLE(acpi, ovb_vmbus_acpi_ids);

static struct acpi_driver ovb_vmbus_acpi_driver = {
	.name = "ovb_vmbus",
	.ids = ovb_vmbus_acpi_ids,
	.ops = {
		.add = ovb_vmbus_acpi_add,
		.remove = ovb_vmbus_acpi_remove,
	},
};

static int __init ovb_vmbus_init(void)
{
	int ret;

	mutex_init(&vb.lock);
	mutex_init(&vb.unload_lock);
	INIT_LIST_HEAD(&vb.devices);
	init_completion(&vb.version_done);
	init_completion(&vb.offers_done);
	init_completion(&vb.unload_done);
	vb.wq = alloc_ordered_workqueue("ovb_vmbus", 0);
	if (!vb.wq)
		return -ENOMEM;
	ret = ovb_vmbus_bus_init();
	if (ret)
		goto fail_wq;
	ret = acpi_bus_register_driver(&ovb_vmbus_acpi_driver);
	if (ret)
		goto fail_bus;
	if (!vb.connected) {
		ret = -ENODEV;
		acpi_bus_unregister_driver(&ovb_vmbus_acpi_driver);
		goto fail_bus;
	}
	ovb_register_syscore(&ovb_vmbus_syscore);
	return 0;
fail_bus:
	ovb_vmbus_bus_exit();
fail_wq:
	destroy_workqueue(vb.wq);
	return ret;
}

static void __exit ovb_vmbus_exit(void)
{
	ovb_unregister_syscore(&ovb_vmbus_syscore);
	acpi_bus_unregister_driver(&ovb_vmbus_acpi_driver);
	ovb_vmbus_bus_exit();
	destroy_workqueue(vb.wq);
}

module_init(ovb_vmbus_init);
module_exit(ovb_vmbus_exit);
MODULE_DESCRIPTION("openvmbus: the VMBus bus");
MODULE_LICENSE("GPL");
