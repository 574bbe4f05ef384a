// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Keyboard and mouse protocols, host side (input_proto.h). Sequences as
 * Linux's drivers expect them: hyperv-keyboard sends PROTOCOL_REQUEST
 * 1.0 and waits for a response with SYNTH_KBD_PROTOCOL_ACCEPTED; hid-hyperv
 * sends PROTOCOL_REQUEST 2.0, waits for PROTOCOL_RESPONSE (approved) and
 * then for INITIAL_DEVICE_INFO, which it ACKs, and only after its HID
 * device is registered does it take input reports.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "hostside/inputvsp/input_proto.h"

#define in_log(x, fmt, ...) log_rl(&(x)->rl, "inputvsp: guest: " fmt, ##__VA_ARGS__)

/*
 * An absolute pointer: 5 buttons, 3 bits padding, X and Y 0..32767 (16
 * bits each), a relative wheel -127..127. No report ID. hid-hyperv
 * rewrites byte 14 if it is 0x25 (a fix for Hyper-V's descriptor); ours
 * has 0x29 there.
 */
const uint8_t synthhid_report_desc[] = {
	0x05, 0x01,		/* Usage Page (Generic Desktop) */
	0x09, 0x02,		/* Usage (Mouse) */
	0xa1, 0x01,		/* Collection (Application) */
	0x09, 0x01,		/*  Usage (Pointer) */
	0xa1, 0x00,		/*  Collection (Physical) */
	0x05, 0x09,		/*   Usage Page (Button) */
	0x19, 0x01,		/*   Usage Minimum (1) */
	0x29, 0x05,		/*   Usage Maximum (5) */
	0x15, 0x00,		/*   Logical Minimum (0) */
	0x25, 0x01,		/*   Logical Maximum (1) */
	0x95, 0x05,		/*   Report Count (5) */
	0x75, 0x01,		/*   Report Size (1) */
	0x81, 0x02,		/*   Input (Data, Variable, Absolute) */
	0x95, 0x01,		/*   Report Count (1) */
	0x75, 0x03,		/*   Report Size (3) */
	0x81, 0x01,		/*   Input (Constant): padding */
	0x05, 0x01,		/*   Usage Page (Generic Desktop) */
	0x09, 0x30,		/*   Usage (X) */
	0x09, 0x31,		/*   Usage (Y) */
	0x16, 0x00, 0x00,	/*   Logical Minimum (0) */
	0x26, 0xff, 0x7f,	/*   Logical Maximum (32767) */
	0x75, 0x10,		/*   Report Size (16) */
	0x95, 0x02,		/*   Report Count (2) */
	0x81, 0x02,		/*   Input (Data, Variable, Absolute) */
	0x09, 0x38,		/*   Usage (Wheel) */
	0x15, 0x81,		/*   Logical Minimum (-127) */
	0x25, 0x7f,		/*   Logical Maximum (127) */
	0x75, 0x08,		/*   Report Size (8) */
	0x95, 0x01,		/*   Report Count (1) */
	0x81, 0x06,		/*   Input (Data, Variable, Relative) */
	0xc0,			/*  End Collection */
	0xc0,			/* End Collection */
};
const uint32_t synthhid_report_desc_len = sizeof(synthhid_report_desc);

_Static_assert(sizeof(synthhid_report_desc) + sizeof(struct synthhid_pipe_hdr) +
		       sizeof(struct synthhid_device_info) <= INPUT_REPLY_SIZE,
	       "the device info fits a reply");

/* ---- keyboard ---- */

void synthkbd_init(struct synthkbd *k)
{
	memset(k, 0, sizeof(*k));
	pthread_mutex_init(&k->rl.lock, NULL);
}

int synthkbd_handle(struct synthkbd *k, const uint8_t *msg, uint32_t len,
		    struct input_replies *out)
{
	struct synth_kbd_msg_hdr h;
	struct synth_kbd_protocol_request req;
	struct synth_kbd_protocol_response r = { { SYNTH_KBD_PROTOCOL_RESPONSE }, 0 };

	out->n = 0;
	k->stats.msgs++;
	if (len < sizeof(h) || len > SYNTH_KBD_MAX_MSG_SIZE)
		goto bad;
	memcpy(&h, msg, sizeof(h));
	switch (h.type) {
	case SYNTH_KBD_PROTOCOL_REQUEST:
		if (len < sizeof(req))
			goto bad;
		memcpy(&req, msg, sizeof(req));
		k->ready = req.version_requested == SYNTH_KBD_VERSION;
		r.proto_status = k->ready ? SYNTH_KBD_PROTOCOL_ACCEPTED : 0;
		if (!k->ready)
			in_log(k, "keyboard protocol 0x%x refused", req.version_requested);
		memcpy(out->buf[0], &r, sizeof(r));
		out->len[0] = sizeof(r);
		out->n = 1;
		return 0;
	case SYNTH_KBD_LED_INDICATORS:
		/* Only the header is known (synthkbd.h); keep a first word if there is one. */
		k->leds_known = true;
		k->leds = 0;
		if (len >= sizeof(h) + 4)
			memcpy(&k->leds, msg + sizeof(h), 4);
		return 0;
	default:
		break;
	}
bad:
	in_log(k, "keyboard message of %u bytes refused", len);
	k->stats.errors++;
	return -EINVAL;
}

uint32_t synthkbd_keystroke(uint8_t buf[sizeof(struct synth_kbd_keystroke)], struct scancode sc,
			    bool down)
{
	struct synth_kbd_keystroke ks = { { SYNTH_KBD_EVENT }, sc.code, 0, 0 };

	ks.info = (down ? 0 : SYNTH_KBD_IS_BREAK) | (sc.e0 ? SYNTH_KBD_IS_E0 : 0);
	memcpy(buf, &ks, sizeof(ks));
	return sizeof(ks);
}

/* ---- mouse ---- */

void synthhid_init(struct synthhid *m)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->rl.lock, NULL);
}

/* A reply: pipe header, then @body (which starts with the synthhid header). */
static void *hid_reply(struct input_replies *out, uint32_t body_len)
{
	struct synthhid_pipe_hdr p = { SYNTHHID_PIPE_DATA, body_len };
	uint8_t *b = out->buf[out->n];

	memcpy(b, &p, sizeof(p));
	memset(b + sizeof(p), 0, body_len);
	out->len[out->n++] = (uint32_t)sizeof(p) + body_len;
	return b + sizeof(p);
}

static void hid_device_info(struct input_replies *out)
{
	uint32_t body = (uint32_t)sizeof(struct synthhid_device_info) + synthhid_report_desc_len;
	uint8_t *b = hid_reply(out, body);
	struct synthhid_device_info di = {
		.header = { SYNTH_HID_INITIAL_DEVICE_INFO,
			    body - (uint32_t)sizeof(struct synthhid_msg_hdr) },
		.hid_dev_info = { .size = sizeof(struct synthhid_dev_info), .vendor = 0x045e,
				  .product = 0x0621, .version = 1 },
		.hid_descriptor = { .bLength = sizeof(struct synthhid_hid_descriptor),
				    .bDescriptorType = SYNTHHID_HID_DT_HID, .bcdHID = 0x0101,
				    .bNumDescriptors = 1, .bReportType = SYNTHHID_HID_DT_REPORT,
				    .wReportLength = (uint16_t)synthhid_report_desc_len },
	};

	memcpy(b, &di, sizeof(di));
	memcpy(b + sizeof(di), synthhid_report_desc, synthhid_report_desc_len);
}

int synthhid_handle(struct synthhid *m, const uint8_t *msg, uint32_t len,
		    struct input_replies *out)
{
	struct synthhid_pipe_hdr p;
	struct synthhid_msg_hdr h;
	struct synthhid_protocol_request req;
	struct synthhid_protocol_response *r;

	out->n = 0;
	m->stats.msgs++;
	if (len < sizeof(p) + sizeof(h))
		goto bad;
	memcpy(&p, msg, sizeof(p));
	memcpy(&h, msg + sizeof(p), sizeof(h));
	/* The pipe's size covers the synthhid message, inside @len. */
	if (p.type != SYNTHHID_PIPE_DATA || p.size < sizeof(h) || p.size > len - sizeof(p))
		goto bad;
	switch (h.type) {
	case SYNTH_HID_PROTOCOL_REQUEST:
		if (p.size < sizeof(req))
			goto bad;
		memcpy(&req, msg + sizeof(p), sizeof(req));
		r = hid_reply(out, sizeof(*r));
		r->header.type = SYNTH_HID_PROTOCOL_RESPONSE;
		r->header.size = sizeof(*r) - sizeof(r->header);
		r->version_requested = req.version_requested;
		r->approved = req.version_requested == SYNTHHID_INPUT_VERSION;
		m->approved = r->approved;
		m->ready = false;
		if (!m->approved) {
			in_log(m, "mouse protocol 0x%x refused", req.version_requested);
			return 0;
		}
		hid_device_info(out);
		return 0;
	case SYNTH_HID_INITIAL_DEVICE_INFO_ACK:
		if (!m->approved)
			goto bad;
		m->ready = true;
		return 0;
	default:
		break;
	}
bad:
	in_log(m, "mouse message of %u bytes refused", len);
	m->stats.errors++;
	return -EINVAL;
}

uint32_t synthhid_input_report(uint8_t *buf, uint32_t size, uint16_t x, uint16_t y,
			       uint8_t buttons, int8_t wheel)
{
	struct synthhid_pipe_hdr p = { SYNTHHID_PIPE_DATA,
				       sizeof(struct synthhid_input_report) + SYNTHHID_REPORT_SIZE };
	struct synthhid_input_report h = { { SYNTH_HID_INPUT_REPORT, SYNTHHID_REPORT_SIZE } };
	uint8_t rep[SYNTHHID_REPORT_SIZE] = { (uint8_t)(buttons & 0x1f), (uint8_t)x,
					      (uint8_t)(x >> 8), (uint8_t)y, (uint8_t)(y >> 8),
					      (uint8_t)wheel };
	uint32_t len = (uint32_t)(sizeof(p) + sizeof(h) + sizeof(rep));

	if (size < len)
		return 0;
	memcpy(buf, &p, sizeof(p));
	memcpy(buf + sizeof(p), &h, sizeof(h));
	memcpy(buf + sizeof(p) + sizeof(h), rep, sizeof(rep));
	return len;
}
