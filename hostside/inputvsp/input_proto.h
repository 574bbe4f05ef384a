/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The synthetic keyboard and mouse protocols from the host side, without
 * VMBus: a guest message in, at most INPUT_MAX_REPLIES messages out; and
 * the host's own messages (a keystroke, a HID input report) built here.
 * Every field of a guest message is checked; not thread-safe (inputvsp.c
 * locks).
 */
#ifndef OVB_INPUTVSP_INPUT_PROTO_H
#define OVB_INPUTVSP_INPUT_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "hostside/inputvsp/scancodes.h"
#include "hostside/log.h"
#include "ovb/synthhid.h"
#include "ovb/synthkbd.h"

#define INPUT_MAX_REPLIES	2
#define INPUT_REPLY_SIZE	256

struct input_replies {
	unsigned int n;
	uint32_t len[INPUT_MAX_REPLIES];
	uint8_t buf[INPUT_MAX_REPLIES][INPUT_REPLY_SIZE];
};

struct input_stats {
	uint64_t msgs, errors, events;
};

/* ---- keyboard: protocol 1.0, set-1 scan codes ---- */
struct synthkbd {
	bool ready;			/* the guest's protocol was accepted */
	bool leds_known;
	uint32_t leds;			/* first word of LED_INDICATORS' body */
	struct input_stats stats;
	struct log_ratelimit rl;
};

void synthkbd_init(struct synthkbd *k);
/* One in-band payload from the guest. 0 or -EINVAL (counted). */
int synthkbd_handle(struct synthkbd *k, const uint8_t *msg, uint32_t len,
		    struct input_replies *out);
/* A key going down or up, as one message in @buf; its length. */
uint32_t synthkbd_keystroke(uint8_t buf[sizeof(struct synth_kbd_keystroke)], struct scancode sc,
			    bool down);

/* ---- mouse: SYNTHHID 2.0 with our report descriptor ---- */
#define SYNTHHID_ABS_MAX	32767	/* X and Y in the reports: 0 .. this */
#define SYNTHHID_REPORT_SIZE	6	/* buttons, X, Y (16 bits each), wheel */

struct synthhid {
	bool approved;			/* protocol answered, device info sent */
	bool ready;			/* the guest ACKed the device info */
	struct input_stats stats;
	struct log_ratelimit rl;
};

void synthhid_init(struct synthhid *m);
int synthhid_handle(struct synthhid *m, const uint8_t *msg, uint32_t len,
		    struct input_replies *out);
/* One input report (pipe header first) in @buf; its length. Buttons: bit 0 left, 1 right, 2 middle. */
uint32_t synthhid_input_report(uint8_t *buf, uint32_t size, uint16_t x, uint16_t y,
			       uint8_t buttons, int8_t wheel);
/* Our report descriptor (for the tests). */
extern const uint8_t synthhid_report_desc[];
extern const uint32_t synthhid_report_desc_len;

#endif /* OVB_INPUTVSP_INPUT_PROTO_H */
