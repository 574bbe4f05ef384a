/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovb_input's protocol code without the kernel's input layers: the
 * parsers of the host's synthetic mouse and keyboard messages (every
 * length checked; what they return points into the packet), the set-1
 * scan code bytes of a keystroke, and the few PS/2 keyboard answers that
 * atkbd needs from a port that can be written (so it sets the LEDs).
 * Pure functions: the userspace fuzzer and unit tests build this file as
 * it is.
 */
#ifndef OVB_INPUTVSC_INPUT_PROTO_H
#define OVB_INPUTVSC_INPUT_PROTO_H

#include <linux/types.h>

#include "ovb/synthhid.h"
#include "ovb/synthkbd.h"

/* include/linux/hid.h's HID_MAX_DESCRIPTOR_SIZE: hid_parse_report's limit. */
#define OVB_HID_MAX_RDESC	4096

/* One mouse message from the host (type: SYNTH_HID_*). */
struct ovb_hid_msg {
	u32 type;
	union {
		struct {
			u32 version;
			bool approved;
		} proto;		/* SYNTH_HID_PROTOCOL_RESPONSE */
		struct {
			u16 vendor, product, version;
			const u8 *rdesc;	/* into the packet */
			u32 rdesc_len;		/* 1 .. OVB_HID_MAX_RDESC */
		} info;			/* SYNTH_HID_INITIAL_DEVICE_INFO */
		struct {
			const u8 *data;		/* into the packet */
			u32 len;		/* 1 .. SYNTHHID_MAX_INPUT_REPORT_SIZE */
		} report;		/* SYNTH_HID_INPUT_REPORT */
	};
};

/*
 * An in-band payload of @len bytes from the host: 0 with *@m filled, or
 * -EBADMSG (framing: pipe or message header, sizes), -EPROTO (a message
 * the guest never takes from the host, or its body is wrong).
 */
int ovb_hid_parse(const void *buf, u32 len, struct ovb_hid_msg *m);

/* One keyboard message from the host (type: SYNTH_KBD_*). */
struct ovb_kbd_msg {
	u32 type;
	union {
		bool accepted;		/* SYNTH_KBD_PROTOCOL_RESPONSE */
		struct {
			u8 code;	/* set-1 make code, 0 .. 0x7f */
			u32 info;	/* SYNTH_KBD_IS_* */
		} key;			/* SYNTH_KBD_EVENT */
	};
};

/* Like ovb_hid_parse, for the keyboard (which has no pipe header). */
int ovb_kbd_parse(const void *buf, u32 len, struct ovb_kbd_msg *m);

/*
 * The bytes an i8042 in XT translation would give for @key: an E0 or E1
 * prefix, then the code with bit 7 set on a break. Returns how many (1 or
 * 2), 0 for a UTF-16 unit (SYNTH_KBD_IS_UNICODE), which no scan code is.
 */
#define OVB_KBD_MAX_BYTES	2
unsigned int ovb_kbd_bytes(u8 code, u32 info, u8 out[OVB_KBD_MAX_BYTES]);

/*
 * A PS/2 keyboard's answers to what atkbd writes (drivers/input/keyboard/
 * atkbd.c through libps2): 0xFA (ACK) to every byte; GET ID answers the
 * ID of a translated MF2 keyboard, RESET its self-test result; the byte
 * after SET LEDS is the LED state (PS/2 bits: scroll, num, caps).
 */
#define OVB_PS2_MAX_ANSWER	3
struct ovb_ps2_kbd {
	u8 expect;		/* the command whose parameter comes next, or 0 */
};

/*
 * @byte written by atkbd: its answer in @out (the count returned); *@leds
 * is the new LED state (SYNTH_KBD_LED_* bits) if it was one, else -1.
 */
unsigned int ovb_ps2_write(struct ovb_ps2_kbd *k, u8 byte, u8 out[OVB_PS2_MAX_ANSWER],
			   int *leds);

#endif /* OVB_INPUTVSC_INPUT_PROTO_H */
