// SPDX-License-Identifier: GPL-2.0
/*
 * ovb_input's parsers of host bytes and its PS/2 answers (input_proto.h).
 * The sizes a message carries are the host's: each is checked against
 * what the packet holds before anything behind it is read, and a field is
 * read with memcpy (a packet in the ring is only 8-byte aligned as a
 * whole). Facts: Linux 6.1 drivers/hid/hid-hyperv.c (the pipe header,
 * the device info's HID descriptor followed by the report descriptor of
 * wDescriptorLength bytes, at most 16 bytes of input report) and
 * drivers/input/serio/hyperv-keyboard.c (E0/E1 prefixes, bit 7 on break).
 */
#include <linux/errno.h>
#include <linux/string.h>

#include "inputvsc/input_proto.h"

/* The synthhid message in a pipe payload: its body and the body's size. */
static int hid_unpipe(const u8 *p, u32 len, struct synthhid_msg_hdr *h, const u8 **body)
{
	struct synthhid_pipe_hdr pipe;

	if (len < sizeof(pipe) + sizeof(*h))
		return -EBADMSG;
	memcpy(&pipe, p, sizeof(pipe));
	if (pipe.type != SYNTHHID_PIPE_DATA || pipe.size < sizeof(*h) ||
	    pipe.size > len - sizeof(pipe))
		return -EBADMSG;
	memcpy(h, p + sizeof(pipe), sizeof(*h));
	if (h->size > pipe.size - sizeof(*h))
		return -EBADMSG;
	*body = p + sizeof(pipe) + sizeof(*h);
	return 0;
}

static int hid_device_info(const u8 *body, u32 size, struct ovb_hid_msg *m)
{
	struct synthhid_dev_info di;
	struct synthhid_hid_descriptor hd;
	u32 off = sizeof(di);

	if (size < sizeof(di) + sizeof(hd))
		return -EPROTO;
	memcpy(&di, body, sizeof(di));
	memcpy(&hd, body + off, sizeof(hd));
	/* The report descriptor starts bLength bytes after the HID descriptor. */
	if (hd.bLength < sizeof(hd) || hd.bLength > size - off || hd.bNumDescriptors < 1 ||
	    hd.wReportLength < 1 || hd.wReportLength > OVB_HID_MAX_RDESC ||
	    hd.wReportLength > size - off - hd.bLength)
		return -EPROTO;
	m->info.vendor = di.vendor;
	m->info.product = di.product;
	m->info.version = di.version;
	m->info.rdesc = body + off + hd.bLength;
	m->info.rdesc_len = hd.wReportLength;
	return 0;
}

int ovb_hid_parse(const void *buf, u32 len, struct ovb_hid_msg *m)
{
	struct synthhid_msg_hdr h;
	const u8 *body;
	int ret = hid_unpipe(buf, len, &h, &body);

	if (ret)
		return ret;
	memset(m, 0, sizeof(*m));
	m->type = h.type;
	switch (h.type) {
	case SYNTH_HID_PROTOCOL_RESPONSE:
		/* version_requested (4 bytes), approved (1) */
		if (h.size < 5)
			return -EPROTO;
		memcpy(&m->proto.version, body, 4);
		m->proto.approved = body[4] != 0;
		return 0;
	case SYNTH_HID_INITIAL_DEVICE_INFO:
		return hid_device_info(body, h.size, m);
	case SYNTH_HID_INPUT_REPORT:
		if (h.size < 1 || h.size > SYNTHHID_MAX_INPUT_REPORT_SIZE)
			return -EPROTO;
		m->report.data = body;
		m->report.len = h.size;
		return 0;
	default:
		return -EPROTO;
	}
}

int ovb_kbd_parse(const void *buf, u32 len, struct ovb_kbd_msg *m)
{
	struct synth_kbd_protocol_response r;
	struct synth_kbd_keystroke ks;
	struct synth_kbd_msg_hdr h;

	if (len < sizeof(h) || len > SYNTH_KBD_MAX_MSG_SIZE)
		return -EBADMSG;
	memcpy(&h, buf, sizeof(h));
	memset(m, 0, sizeof(*m));
	m->type = h.type;
	switch (h.type) {
	case SYNTH_KBD_PROTOCOL_RESPONSE:
		if (len < sizeof(r))
			return -EPROTO;
		memcpy(&r, buf, sizeof(r));
		m->accepted = r.proto_status & SYNTH_KBD_PROTOCOL_ACCEPTED;
		return 0;
	case SYNTH_KBD_EVENT:
		if (len < sizeof(ks))
			return -EPROTO;
		memcpy(&ks, buf, sizeof(ks));
		/* A set-1 make code has 7 bits; bit 7 is the break we add. */
		if (!(ks.info & SYNTH_KBD_IS_UNICODE) && ks.make_code > 0x7f)
			return -EPROTO;
		m->key.code = ks.make_code & 0x7f;
		m->key.info = ks.info;
		return 0;
	default:
		return -EPROTO;
	}
}

#define KBD_E0		0xe0
#define KBD_E1		0xe1
#define KBD_BREAK	0x80

unsigned int ovb_kbd_bytes(u8 code, u32 info, u8 out[OVB_KBD_MAX_BYTES])
{
	unsigned int n = 0;

	if (info & SYNTH_KBD_IS_UNICODE)
		return 0;
	/* Both prefixes at once make no key: E1 (Pause's) alone goes. */
	if (info & SYNTH_KBD_IS_E1)
		out[n++] = KBD_E1;
	else if (info & SYNTH_KBD_IS_E0)
		out[n++] = KBD_E0;
	out[n++] = (code & 0x7f) | (info & SYNTH_KBD_IS_BREAK ? KBD_BREAK : 0);
	return n;
}

/* PS/2 keyboard commands (atkbd.c's ATKBD_CMD_*, low byte) and answers. */
#define PS2_SETLEDS	0xed
#define PS2_ECHO	0xee
#define PS2_SSCANSET	0xf0
#define PS2_GETID	0xf2
#define PS2_SETREP	0xf3
#define PS2_RESET_BAT	0xff
#define PS2_ACK		0xfa
#define PS2_BAT_OK	0xaa
/* An MF2 keyboard behind a translating i8042 identifies as 0xab 0x41. */
#define PS2_ID0		0xab
#define PS2_ID1_XL	0x41

unsigned int ovb_ps2_write(struct ovb_ps2_kbd *k, u8 byte, u8 out[OVB_PS2_MAX_ANSWER],
			   int *leds)
{
	u8 cmd = k->expect;

	*leds = -1;
	out[0] = PS2_ACK;
	k->expect = 0;
	if (cmd == PS2_SETLEDS) {
		*leds = byte & (SYNTH_KBD_LED_SCROLL_LOCK | SYNTH_KBD_LED_NUM_LOCK |
				SYNTH_KBD_LED_CAPS_LOCK);
		return 1;
	}
	if (cmd)		/* the parameter of SETREP or SSCANSET */
		return 1;
	switch (byte) {
	case PS2_SETLEDS:
	case PS2_SETREP:
	case PS2_SSCANSET:
		k->expect = byte;
		return 1;
	case PS2_GETID:
		out[1] = PS2_ID0;
		out[2] = PS2_ID1_XL;
		return 3;
	case PS2_RESET_BAT:
		out[1] = PS2_BAT_OK;
		return 2;
	case PS2_ECHO:
		out[0] = PS2_ECHO;
		return 1;
	default:
		return 1;
	}
}
