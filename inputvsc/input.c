// SPDX-License-Identifier: GPL-2.0
/*
 * ovb_input: the synthetic mouse and keyboard on ovb_vmbus (input.h).
 * This file is the driver and the channel: it opens it, hands each
 * in-band packet of the host to the device's kind and reads at most
 * INPUT_BUDGET packets per callback run (the bus runs it again if more
 * wait), so a host that keeps the ring full cannot hold the CPU. A kernel
 * without HID or serio gets the other device only (Kbuild).
 */
#include <linux/module.h>
#include <linux/slab.h>

#include "ovb/guids.h"
#include "inputvsc/input.h"

/* Like hid-hyperv's and hyperv-keyboard's rings (40 KiB), in pages. */
#define INPUT_RING_BYTES	(10 * PAGE_SIZE)
#define INPUT_BUDGET		64

static void input_on_event(void *ctx)
{
	struct ovb_input *in = ctx;
	struct ovb_packet pkt;
	unsigned int n;
	int ret;

	for (n = 0; n < INPUT_BUDGET; n++) {
		ret = ovb_channel_recv_pkt(in->ch, &pkt);
		if (ret == -EAGAIN || ret == -EIO)
			break;
		if (ret || pkt.type != OVB_VMPKT_DATA_INBAND) {
			dev_err_ratelimited(ovb_input_dev(in),
					    "bad packet from the host dropped (%d, type %u)\n",
					    ret, ret ? 0 : pkt.type);
			continue;
		}
		in->kind->packet(in, pkt.data, pkt.len);
	}
}

static const struct hv_vmbus_device_id input_ids[] = {
#ifdef OVB_INPUT_MOUSE
	{ .guid = OVB_GUID_MOUSE, .driver_data = (kernel_ulong_t)&ovb_input_mouse },
#endif
#ifdef OVB_INPUT_KBD
	{ .guid = OVB_GUID_KBD, .driver_data = (kernel_ulong_t)&ovb_input_kbd },
#endif
	{ },
};
MODULE_DEVICE_TABLE(vmbus, input_ids);

static const struct ovb_input_kind *input_find(struct ovb_vmbus_device *vdev)
{
	const struct hv_vmbus_device_id *id;

	for (id = input_ids; id->driver_data; id++)
		if (guid_equal(ovb_vmbus_class_id(vdev), &id->guid))
			return (const struct ovb_input_kind *)id->driver_data;
	return NULL;
}

static int input_probe(struct ovb_vmbus_device *vdev)
{
	const struct ovb_input_kind *kind = input_find(vdev);
	struct ovb_input *in;
	int ret;

	if (!kind)
		return -ENODEV;
	in = kzalloc(kind->size, GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	in->vdev = vdev;
	in->kind = kind;
	in->ch = ovb_vmbus_primary_channel(vdev);
	ovb_vmbus_set_drvdata(vdev, in);
	if (kind->init)
		kind->init(in);
	ret = ovb_channel_open(in->ch, INPUT_RING_BYTES, INPUT_RING_BYTES, input_on_event, in);
	if (ret) {
		dev_err(ovb_vmbus_dev(vdev), "cannot open the %s channel: %d\n", kind->name, ret);
		goto free;
	}
	ret = kind->start ? kind->start(in) : 0;
	if (!ret)
		return 0;
	dev_err(ovb_vmbus_dev(vdev), "%s not started: %d\n", kind->name, ret);
	if (kind->stop)
		kind->stop(in);
	ovb_channel_close(in->ch);
free:
	if (kind->free)
		kind->free(in);
	kfree(in);
	return ret;
}

static void input_remove(struct ovb_vmbus_device *vdev)
{
	struct ovb_input *in = ovb_vmbus_get_drvdata(vdev);

	if (in->kind->stop)
		in->kind->stop(in);
	ovb_channel_close(in->ch);
	if (in->kind->free)
		in->kind->free(in);
	kfree(in);
}

static struct ovb_vmbus_driver input_driver = {
	.name = "ovb_input",
	.id_table = input_ids,
	.probe = input_probe,
	.remove = input_remove,
};

module_ovb_vmbus_driver(input_driver);
MODULE_DESCRIPTION("openvmbus: synthetic mouse (HID) and keyboard (serio)");
MODULE_LICENSE("GPL");
