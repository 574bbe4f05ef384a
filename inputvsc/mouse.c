// SPDX-License-Identifier: GPL-2.0
/*
 * The synthetic mouse as a HID device: after SYNTHHID 2.0 is approved the
 * host sends its device info with a HID report descriptor, which this
 * HID transport (a hid_ll_driver, like uhid's) hands to the HID core, so
 * hid-generic binds and makes the input device; the host's input reports
 * go to hid_input_report. Protocol facts: Linux 6.1 drivers/hid/
 * hid-hyperv.c; parsing: input_proto.c.
 */
#include <linux/completion.h>
#include <linux/hid.h>
#include <linux/slab.h>

#include "inputvsc/input.h"
#include "inputvsc/input_proto.h"

struct ovb_mouse {
	struct ovb_input in;
	struct completion proto_done, info_done;
	bool approved;
	/* The first device info (softirq), read by start once info_done. */
	u8 *rdesc;
	u32 rdesc_len;
	u16 vendor, product, version;
	struct hid_device *hid;		/* set once added: reports go to it */
	u8 report[SYNTHHID_MAX_INPUT_REPORT_SIZE];
};

static struct ovb_mouse *to_mouse(struct ovb_input *in)
{
	return container_of(in, struct ovb_mouse, in);
}

static int mouse_hid_parse(struct hid_device *hid)
{
	struct ovb_mouse *m = hid->driver_data;

	return hid_parse_report(hid, m->rdesc, m->rdesc_len);
}

static int mouse_hid_start(struct hid_device *hid)
{
	return 0;
}

static void mouse_hid_stop(struct hid_device *hid)
{
}

static int mouse_hid_open(struct hid_device *hid)
{
	return 0;
}

static void mouse_hid_close(struct hid_device *hid)
{
}

/* The host takes no reports from the guest. */
static int mouse_hid_raw_request(struct hid_device *hid, unsigned char reportnum, __u8 *buf,
				 size_t len, unsigned char rtype, int reqtype)
{
	return -EIO;
}

static struct hid_ll_driver mouse_ll_driver = {
	.parse = mouse_hid_parse,
	.start = mouse_hid_start,
	.stop = mouse_hid_stop,
	.open = mouse_hid_open,
	.close = mouse_hid_close,
	.raw_request = mouse_hid_raw_request,
};

static void mouse_info(struct ovb_mouse *m, const struct ovb_hid_msg *msg)
{
	if (m->rdesc) {
		dev_err_ratelimited(ovb_input_dev(&m->in), "another device info ignored\n");
		return;
	}
	m->rdesc = kmemdup(msg->info.rdesc, msg->info.rdesc_len, GFP_ATOMIC);
	if (!m->rdesc)
		return;		/* start times out and fails */
	m->rdesc_len = msg->info.rdesc_len;
	m->vendor = msg->info.vendor;
	m->product = msg->info.product;
	m->version = msg->info.version;
	complete(&m->info_done);
}

static void mouse_packet(struct ovb_input *in, const void *data, u32 len)
{
	struct ovb_mouse *m = to_mouse(in);
	struct hid_device *hid;
	struct ovb_hid_msg msg;
	int ret = ovb_hid_parse(data, len, &msg);

	if (ret) {
		dev_err_ratelimited(ovb_input_dev(in), "bad message of %u bytes from the host (%d)\n",
				    len, ret);
		return;
	}
	switch (msg.type) {
	case SYNTH_HID_PROTOCOL_RESPONSE:
		if (completion_done(&m->proto_done))
			break;
		m->approved = msg.proto.approved &&
			      msg.proto.version == SYNTHHID_INPUT_VERSION;
		complete(&m->proto_done);
		break;
	case SYNTH_HID_INITIAL_DEVICE_INFO:
		mouse_info(m, &msg);
		break;
	case SYNTH_HID_INPUT_REPORT:
		/* Before the HID device is added, reports have nowhere to go. */
		hid = smp_load_acquire(&m->hid);
		if (!hid)
			break;
		memcpy(m->report, msg.report.data, msg.report.len);
		hid_input_report(hid, HID_INPUT_REPORT, m->report, msg.report.len, 1);
		break;
	}
}

static void mouse_init(struct ovb_input *in)
{
	struct ovb_mouse *m = to_mouse(in);

	init_completion(&m->proto_done);
	init_completion(&m->info_done);
}

static int mouse_send(struct ovb_mouse *m, void *msg, u32 len)
{
	return ovb_channel_send_inband(m->in.ch, msg, len, 0, 0);
}

/* PROTOCOL_REQUEST 2.0, its approval, the device info; then our ACK. */
static int mouse_connect(struct ovb_mouse *m)
{
	struct {
		struct synthhid_pipe_hdr pipe;
		struct synthhid_protocol_request req;
	} __packed req = {
		.pipe = { SYNTHHID_PIPE_DATA, sizeof(req.req) },
		.req = { { SYNTH_HID_PROTOCOL_REQUEST, sizeof(u32) }, SYNTHHID_INPUT_VERSION },
	};
	struct {
		struct synthhid_pipe_hdr pipe;
		struct synthhid_device_info_ack ack;
	} __packed ack = {
		.pipe = { SYNTHHID_PIPE_DATA, sizeof(ack.ack) },
		.ack = { { SYNTH_HID_INITIAL_DEVICE_INFO_ACK, 1 }, 0 },
	};
	int ret = mouse_send(m, &req, sizeof(req));

	if (ret)
		return ret;
	if (!wait_for_completion_timeout(&m->proto_done, OVB_INPUT_TIMEOUT))
		return -ETIMEDOUT;
	if (!m->approved)
		return -EPROTONOSUPPORT;
	if (!wait_for_completion_timeout(&m->info_done, OVB_INPUT_TIMEOUT))
		return -ETIMEDOUT;
	return mouse_send(m, &ack, sizeof(ack));
}

static int mouse_start(struct ovb_input *in)
{
	struct ovb_mouse *m = to_mouse(in);
	struct hid_device *hid;
	int ret = mouse_connect(m);

	if (ret)
		return ret;
	/* Hyper-V's own descriptor has Logical Maximum where Usage Maximum belongs (hid-hyperv). */
	if (m->rdesc_len > 14 && m->rdesc[14] == 0x25)
		m->rdesc[14] = 0x29;
	hid = hid_allocate_device();
	if (IS_ERR(hid))
		return PTR_ERR(hid);
	hid->ll_driver = &mouse_ll_driver;
	hid->driver_data = m;
	hid->dev.parent = ovb_input_dev(in);
	hid->bus = BUS_VIRTUAL;
	hid->vendor = m->vendor;
	hid->product = m->product;
	hid->version = m->version;
	snprintf(hid->name, sizeof(hid->name), "ovb synthetic mouse");
	snprintf(hid->phys, sizeof(hid->phys), "%s", dev_name(ovb_input_dev(in)));
	ret = hid_add_device(hid);
	if (ret) {
		hid_destroy_device(hid);
		return ret;
	}
	smp_store_release(&m->hid, hid);
	return 0;
}

/* After the channel closed: no report reaches the HID device any more. */
static void mouse_free(struct ovb_input *in)
{
	struct ovb_mouse *m = to_mouse(in);

	if (m->hid)
		hid_destroy_device(m->hid);
	kfree(m->rdesc);
}

const struct ovb_input_kind ovb_input_mouse = {
	.name = "mouse",
	.size = sizeof(struct ovb_mouse),
	.init = mouse_init,
	.start = mouse_start,
	.free = mouse_free,
	.packet = mouse_packet,
};
