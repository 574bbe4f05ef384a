// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The synthetic keyboard and mouse protocols (hostside/inputvsp/
 * input_proto.c) and scan codes, with messages built from
 * include/ovb/synthkbd.h and synthhid.h: the keyboard accepts 1.0 only
 * and sets the bit hyperv-keyboard checks; keystrokes carry break and E0
 * as flags; the mouse answers 2.0 and sends device info that passes
 * hid-hyperv's checks (sizes, descriptor lengths, byte 14); input
 * reports only after the guest's ACK; truncated messages are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hostside/inputvsp/input_proto.h"
#include "hostside/inputvsp/inputvsp.h"

int log_verbose;

static void test_keyboard(void **state)
{
	struct synthkbd k;
	struct input_replies out;
	struct synth_kbd_protocol_request req = { { SYNTH_KBD_PROTOCOL_REQUEST }, SYNTH_KBD_VERSION };
	struct synth_kbd_protocol_response r;
	uint8_t ks[sizeof(struct synth_kbd_keystroke)];
	struct synth_kbd_keystroke e;
	uint8_t led[8] = { SYNTH_KBD_LED_INDICATORS, 0, 0, 0, 4, 0, 0, 0 };

	(void)state;
	synthkbd_init(&k);
	assert_int_equal(synthkbd_handle(&k, (uint8_t *)&req, sizeof(req) - 1, &out), -EINVAL);
	assert_int_equal(out.n, 0);
	req.version_requested = 2 << 16;
	assert_int_equal(synthkbd_handle(&k, (uint8_t *)&req, sizeof(req), &out), 0);
	memcpy(&r, out.buf[0], sizeof(r));
	assert_int_equal(r.header.type, SYNTH_KBD_PROTOCOL_RESPONSE);
	assert_int_equal(r.proto_status & SYNTH_KBD_PROTOCOL_ACCEPTED, 0);
	assert_false(k.ready);
	req.version_requested = SYNTH_KBD_VERSION;
	assert_int_equal(synthkbd_handle(&k, (uint8_t *)&req, sizeof(req), &out), 0);
	assert_int_equal(out.len[0], sizeof(r));
	memcpy(&r, out.buf[0], sizeof(r));
	assert_int_equal(r.proto_status & SYNTH_KBD_PROTOCOL_ACCEPTED, 1);
	assert_true(k.ready);
	/* The LED state is kept; an event from the guest is not its to send. */
	assert_int_equal(synthkbd_handle(&k, led, sizeof(led), &out), 0);
	assert_true(k.leds_known);
	assert_int_equal(k.leds, 4);
	led[0] = SYNTH_KBD_EVENT;
	assert_int_equal(synthkbd_handle(&k, led, sizeof(led), &out), -EINVAL);
	assert_int_equal(synthkbd_handle(&k, led, 3, &out), -EINVAL);

	assert_int_equal(synthkbd_keystroke(ks, (struct scancode){ 0x53, true }, false), sizeof(e));
	memcpy(&e, ks, sizeof(e));
	assert_int_equal(e.header.type, SYNTH_KBD_EVENT);
	assert_int_equal(e.make_code, 0x53);
	assert_int_equal(e.info, SYNTH_KBD_IS_BREAK | SYNTH_KBD_IS_E0);
	synthkbd_keystroke(ks, (struct scancode){ 0x1e, false }, true);
	memcpy(&e, ks, sizeof(e));
	assert_int_equal(e.info, 0);
}

static void hid_send(struct synthhid *m, uint32_t type, uint32_t body_len, int want,
		     struct input_replies *out)
{
	uint8_t msg[64] = { 0 };
	struct synthhid_pipe_hdr p = { SYNTHHID_PIPE_DATA, 8 + body_len };
	struct synthhid_msg_hdr h = { type, body_len };
	uint32_t v = SYNTHHID_INPUT_VERSION;

	memcpy(msg, &p, sizeof(p));
	memcpy(msg + 8, &h, sizeof(h));
	memcpy(msg + 16, &v, sizeof(v));
	assert_int_equal(synthhid_handle(m, msg, 16 + body_len, out), want);
}

static void test_mouse(void **state)
{
	struct synthhid m;
	struct input_replies out;
	struct synthhid_pipe_hdr p;
	struct synthhid_protocol_response r;
	struct synthhid_device_info di;
	uint8_t rep[64];
	uint32_t desc_size;

	(void)state;
	synthhid_init(&m);
	/* An ACK before the protocol, a request cut short. */
	hid_send(&m, SYNTH_HID_INITIAL_DEVICE_INFO_ACK, 1, -EINVAL, &out);
	hid_send(&m, SYNTH_HID_PROTOCOL_REQUEST, 3, -EINVAL, &out);
	hid_send(&m, SYNTH_HID_PROTOCOL_REQUEST, 4, 0, &out);
	assert_int_equal(out.n, 2);
	memcpy(&p, out.buf[0], sizeof(p));
	memcpy(&r, out.buf[0] + 8, sizeof(r));
	assert_int_equal(p.size, sizeof(r));
	/* hid-hyperv: the whole answer fits its 21-byte message. */
	assert_true(p.size + 8 <= 21 + 1);
	assert_int_equal(r.header.type, SYNTH_HID_PROTOCOL_RESPONSE);
	assert_int_equal(r.version_requested, SYNTHHID_INPUT_VERSION);
	assert_int_equal(r.approved, 1);

	/* The device info, checked as mousevsc_on_receive_device_info does. */
	memcpy(&p, out.buf[1], sizeof(p));
	memcpy(&di, out.buf[1] + 8, sizeof(di));
	assert_int_equal(out.len[1], 8 + p.size);
	assert_true(p.size >= sizeof(di));
	assert_int_equal(di.header.type, SYNTH_HID_INITIAL_DEVICE_INFO);
	desc_size = p.size - (uint32_t)offsetof(struct synthhid_device_info, hid_descriptor);
	assert_int_equal(di.hid_descriptor.bLength, 9);
	assert_true(di.hid_descriptor.bLength <= desc_size);
	assert_int_equal(di.hid_descriptor.wReportLength, synthhid_report_desc_len);
	assert_int_equal(di.hid_descriptor.wReportLength, desc_size - di.hid_descriptor.bLength);
	assert_memory_equal(out.buf[1] + 8 + sizeof(di), synthhid_report_desc,
			    synthhid_report_desc_len);
	assert_int_not_equal(synthhid_report_desc[14], 0x25);
	assert_false(m.ready);
	hid_send(&m, SYNTH_HID_INITIAL_DEVICE_INFO_ACK, 1, 0, &out);
	assert_true(m.ready);
	hid_send(&m, SYNTH_HID_INPUT_REPORT, 6, -EINVAL, &out);

	/* A report: pipe, header with its size, buttons, X, Y little-endian, wheel. */
	assert_int_equal(synthhid_input_report(rep, sizeof(rep), 0x1234, 0x7fff, 5, -1), 22);
	assert_int_equal(rep[4], 14);	/* pipe size */
	assert_int_equal(rep[8], SYNTH_HID_INPUT_REPORT);
	assert_int_equal(rep[12], 6);
	assert_int_equal(rep[16], 5);
	assert_int_equal(rep[17], 0x34);
	assert_int_equal(rep[18], 0x12);
	assert_int_equal(rep[19], 0xff);
	assert_int_equal(rep[20], 0x7f);
	assert_int_equal(rep[21], 0xff);
	assert_int_equal(synthhid_input_report(rep, 21, 0, 0, 0, 0), 0);

	/* Another version: refused, and no device info. */
	synthhid_init(&m);
	{
		uint8_t msg[20] = { 1, 0, 0, 0, 12, 0, 0, 0, SYNTH_HID_PROTOCOL_REQUEST, 0, 0, 0, 4,
				    0, 0, 0, 0, 0, 1, 0 };

		assert_int_equal(synthhid_handle(&m, msg, sizeof(msg), &out), 0);
		assert_int_equal(out.n, 1);
		assert_int_equal(out.buf[0][20], 0);
		/* A pipe size past the bytes. */
		msg[4] = 13;
		assert_int_equal(synthhid_handle(&m, msg, sizeof(msg), &out), -EINVAL);
	}
}

static void test_scancodes(void **state)
{
	struct scancode sc;
	bool shift;

	(void)state;
	assert_int_equal(scancode_of_char('a', &sc, &shift), 0);
	assert_int_equal(sc.code, 0x1e);
	assert_false(shift);
	assert_int_equal(scancode_of_char('A', &sc, &shift), 0);
	assert_int_equal(sc.code, 0x1e);
	assert_true(shift);
	assert_int_equal(scancode_of_char('!', &sc, &shift), 0);
	assert_int_equal(sc.code, 0x02);
	assert_true(shift);
	assert_int_equal(scancode_of_char('\n', &sc, &shift), 0);
	assert_int_equal(sc.code, 0x1c);
	assert_int_equal(scancode_of_char('\x01', &sc, &shift), -1);
	assert_int_equal(scancode_of_name("delete", &sc), 0);
	assert_int_equal(sc.code, 0x53);
	assert_true(sc.e0);
	assert_int_equal(scancode_of_name("CTRL", &sc), 0);
	assert_int_equal(sc.code, 0x1d);
	assert_false(sc.e0);
	assert_int_equal(scancode_of_name("x", &sc), 0);
	assert_int_equal(sc.code, 0x2d);
	assert_int_equal(scancode_of_name("nosuchkey", &sc), -1);
	assert_int_equal(scancode_of_keysym(0xff0d, &sc), 0);
	assert_int_equal(sc.code, 0x1c);
	assert_int_equal(scancode_of_keysym('Z', &sc), 0);
	assert_int_equal(sc.code, 0x2c);
	assert_int_equal(scancode_of_keysym(0xffe1, &sc), 0);
	assert_int_equal(sc.code, SC_LSHIFT);
	assert_int_equal(scancode_of_keysym(0, &sc), -1);
	assert_int_equal(scancode_of_keysym(0x12345, &sc), -1);
	/* QEMU's extended key event: XT codes, bit 7 (or an 0xE0 byte above) for E0. */
	assert_int_equal(scancode_of_xt(0x10, &sc), 0);
	assert_int_equal(sc.code, 0x10);
	assert_false(sc.e0);
	assert_int_equal(scancode_of_xt(0x9d, &sc), 0);
	assert_int_equal(sc.code, 0x1d);
	assert_true(sc.e0);
	assert_int_equal(scancode_of_xt(0xe053, &sc), 0);
	assert_int_equal(sc.code, 0x53);
	assert_true(sc.e0);
	assert_int_equal(scancode_of_xt(0, &sc), -1);
	assert_int_equal(scancode_of_xt(0x80, &sc), -1);
	assert_int_equal(scancode_of_xt(0xe0d3, &sc), -1);
	assert_int_equal(scancode_of_xt(0x1d10, &sc), -1);
	assert_int_equal(scancode_of_xt(0xffffffff, &sc), -1);

	assert_int_equal(input_scale(0, 1024), 0);
	assert_int_equal(input_scale(1023, 1024), SYNTHHID_ABS_MAX);
	assert_int_equal(input_scale(5000, 1024), SYNTHHID_ABS_MAX);
	assert_int_equal(input_scale(512, 1025), SYNTHHID_ABS_MAX / 2 + 1);
	assert_int_equal(input_scale(3, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyboard),
		cmocka_unit_test(test_mouse),
		cmocka_unit_test(test_scancodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
