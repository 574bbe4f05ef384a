/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Synthetic keyboard (class OVB_GUID_KBD). In-band packets with no pipe
 * header: a 4-byte type, then the body. The guest asks for protocol 1.0;
 * the host's answer must set SYNTH_KBD_PROTOCOL_ACCEPTED. Keystrokes are
 * set-1 make codes with flags (break, E0/E1 prefixes, or a UTF-16 unit);
 * the guest may send its LED state
 * (SYNTH_KBD_LED_INDICATORS).
 *
 * Sources: Linux 6.1 drivers/input/serio/hyperv-keyboard.c (synth_kbd_*,
 * IS_UNICODE/IS_BREAK/IS_E0/IS_E1, PROTOCOL_ACCEPTED,
 * HK_MAXIMUM_MESSAGE_SIZE); the LED message from Microsoft's mu_msvm
 * (below).
 */
#ifndef OVB_SYNTHKBD_H
#define OVB_SYNTHKBD_H

#include "ovb/types.h"

/* minor | major << 16 */
#define SYNTH_KBD_VERSION		((1u << 16) | 0)
#define SYNTH_KBD_MAX_MSG_SIZE		256

#define SYNTH_KBD_PROTOCOL_REQUEST	1
#define SYNTH_KBD_PROTOCOL_RESPONSE	2
#define SYNTH_KBD_EVENT			3
#define SYNTH_KBD_LED_INDICATORS	4

struct synth_kbd_msg_hdr {
	u32 type;
} __packed;
OVB_ASSERT_SIZE(struct synth_kbd_msg_hdr, 4);

struct synth_kbd_protocol_request {
	struct synth_kbd_msg_hdr header;
	u32 version_requested;
} __packed;
OVB_ASSERT_SIZE(struct synth_kbd_protocol_request, 8);

#define SYNTH_KBD_PROTOCOL_ACCEPTED	0x1
struct synth_kbd_protocol_response {
	struct synth_kbd_msg_hdr header;
	u32 proto_status;
} __packed;
OVB_ASSERT_SIZE(struct synth_kbd_protocol_response, 8);

#define SYNTH_KBD_IS_UNICODE		0x1
#define SYNTH_KBD_IS_BREAK		0x2
#define SYNTH_KBD_IS_E0			0x4
#define SYNTH_KBD_IS_E1			0x8
struct synth_kbd_keystroke {
	struct synth_kbd_msg_hdr header;
	u16 make_code;
	u16 reserved0;
	u32 info;
} __packed;
OVB_ASSERT_SIZE(struct synth_kbd_keystroke, 12);

/*
 * SYNTH_KBD_LED_INDICATORS (guest -> host): the guest's lock-key LEDs.
 * Linux's hyperv-keyboard never sends it; Microsoft's UEFI keyboard
 * driver (mu_msvm SynthKeyDxe, HK_MESSAGE_LED_INDICATORS_STATE) sends a
 * 16-bit LedFlags after the header with Windows' ntddkbd.h
 * KEYBOARD_*_LOCK_ON bits, padded here to the 4-byte alignment of the
 * header (so a host that reads a 32-bit word after it sees the flags).
 */
#define SYNTH_KBD_LED_SCROLL_LOCK	0x1
#define SYNTH_KBD_LED_NUM_LOCK		0x2
#define SYNTH_KBD_LED_CAPS_LOCK		0x4
struct synth_kbd_led_indicators {
	struct synth_kbd_msg_hdr header;
	u16 led_flags;
	u16 reserved;
} __packed;
OVB_ASSERT_SIZE(struct synth_kbd_led_indicators, 8);

#endif /* OVB_SYNTHKBD_H */
