// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ovb_input (inputvsc/, in userspace against tests/fuzz/guestshim and its
 * HID and serio cores) on the scripted host of guest_input_fuzz
 * (stub_input_host.h): the mouse's handshake and reports, the keyboard's
 * set-1 bytes and LED state, and what a hostile host gets — a report
 * descriptor longer than its packet, a report over 16 bytes, a refused
 * protocol, a host that never answers, one that keeps the ring full.
 */
#include "tests/fuzz/guestshim/shim.h"
#include "tests/fuzz/guestshim/input_shim.h"

#include "inputvsc/input.c"
#include "inputvsc/input_proto.c"
#include "inputvsc/mouse.c"
#include "inputvsc/keyboard.c"

#include "tests/fuzz/guestshim/stub_bus.h"
#include "tests/fuzz/guestshim/stub_input_host.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* hostside/inputvsp's descriptor's first bytes are enough for the HID shim. */
static const u8 rdesc[] = { 0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0xc0 };

static u8 sc[16384];
static size_t sl;

static void put(const void *p, size_t n)
{
	assert_true(sl + n <= sizeof(sc));
	memcpy(sc + sl, p, n);
	sl += n;
}

static void put8(u8 b)
{
	put(&b, 1);
}

static void put_pkt(const void *p, u16 n)
{
	put8(0);
	put(&n, 2);
	put(p, n);
}

/* A synthhid message in its pipe: @body of @n bytes after the header. */
static u16 hid_msg(u8 *out, u32 type, const void *body, u32 n)
{
	struct synthhid_pipe_hdr pipe = { SYNTHHID_PIPE_DATA, 8 + n };
	struct synthhid_msg_hdr h = { type, n };

	memcpy(out, &pipe, 8);
	memcpy(out + 8, &h, 8);
	memcpy(out + 16, body, n);
	return 16 + n;
}

static void put_hid(u32 type, const void *body, u32 n)
{
	u8 m[OVB_HID_MAX_RDESC + 128];

	put_pkt(m, hid_msg(m, type, body, n));
}

static void put_response(u8 approved)
{
	u8 b[5] = { 0, 0, 2, 0, approved };	/* version 2.0 */

	put_hid(SYNTH_HID_PROTOCOL_RESPONSE, b, 5);
}

/* A device info whose descriptor says @rlen bytes of which @have follow. */
static u32 info_body(u8 *b, u8 blen, u16 rlen, u32 have)
{
	struct synthhid_dev_info di = { .size = 32, .vendor = 0x045e, .product = 0x0621 };
	struct synthhid_hid_descriptor hd = { .bLength = blen, .bDescriptorType = 0x21,
					      .bNumDescriptors = 1, .bReportType = 0x22,
					      .wReportLength = rlen };

	memcpy(b, &di, 32);
	memset(b + 32, 0, blen);
	memcpy(b + 32, &hd, sizeof(hd));
	memset(b + 32 + blen, 0x11, have);
	memcpy(b + 32 + blen, rdesc, min_t(u32, have, sizeof(rdesc)));
	return 32 + blen + have;
}

static void put_info(u8 blen, u16 rlen, u32 have)
{
	u8 b[OVB_HID_MAX_RDESC + 64];

	put_hid(SYNTH_HID_INITIAL_DEVICE_INFO, b, info_body(b, blen, rlen, have));
}

static void put_report(u32 n)
{
	u8 r[32];

	for (u32 i = 0; i < n; i++)
		r[i] = (u8)(i + 1);
	put_hid(SYNTH_HID_INPUT_REPORT, r, n);
}

static void put_key(u16 code, u32 info)
{
	struct synth_kbd_keystroke ks = { { SYNTH_KBD_EVENT }, code, 0, info };

	put_pkt(&ks, sizeof(ks));
}

static void put_kbd_response(u32 status)
{
	struct synth_kbd_protocol_response r = { { SYNTH_KBD_PROTOCOL_RESPONSE }, status };

	put_pkt(&r, sizeof(r));
}

static void begin(u8 first)
{
	sl = 0;
	put8(first);
}

static int probe(void)
{
	return host_probe(sc, sl);
}

static void test_mouse_handshake_and_report(void **state)
{
	unsigned int sum = 0;

	begin(0);
	put_report(6);			/* before the HID device: dropped */
	put_response(1);
	put_info(9, sizeof(rdesc), sizeof(rdesc));
	put8(0xff);
	put8(0x00);			/* a callback run: one report */
	put_report(6);
	put8(0xff);
	assert_int_equal(probe(), 0);
	assert_int_equal(hl.acks, 1);
	assert_int_equal(hl.reports, 0);
	host_run();
	assert_int_equal(hl.reports, 1);
	assert_int_equal(hl.report_len, 6);
	assert_memory_equal(hl.report, "\1\2\3\4\5\6", 6);
	for (unsigned int i = 0; i < sizeof(rdesc); i++)
		sum += rdesc[i];
	assert_int_equal(hl.rdesc_sum, sum);	/* the host's descriptor, exactly */
	host_remove();
}

/* An extended HID descriptor (bLength 12): the report descriptor follows it. */
static void test_mouse_rdesc_after_blength(void **state)
{
	u8 m[256];
	struct ovb_hid_msg msg;
	u8 b[128];
	u16 n = hid_msg(m, SYNTH_HID_INITIAL_DEVICE_INFO, b,
			info_body(b, 12, sizeof(rdesc), sizeof(rdesc)));

	assert_int_equal(ovb_hid_parse(m, n, &msg), 0);
	assert_int_equal(msg.info.rdesc_len, sizeof(rdesc));
	assert_ptr_equal(msg.info.rdesc, m + 16 + 32 + 12);
	assert_memory_equal(msg.info.rdesc, rdesc, sizeof(rdesc));
}

static void test_hid_lengths_checked(void **state)
{
	u8 m[OVB_HID_MAX_RDESC + 128], b[OVB_HID_MAX_RDESC + 64], r[17] = { 0 };
	struct ovb_hid_msg msg;
	u16 n;

	/* A report descriptor one byte longer than the packet holds. */
	n = hid_msg(m, SYNTH_HID_INITIAL_DEVICE_INFO, b, info_body(b, 9, 8, 7));
	assert_int_equal(ovb_hid_parse(m, n, &msg), -EPROTO);
	/* A HID descriptor shorter than itself; none at all; over the HID core's limit. */
	n = hid_msg(m, SYNTH_HID_INITIAL_DEVICE_INFO, b, info_body(b, 8, 7, 7));
	assert_int_equal(ovb_hid_parse(m, n, &msg), -EPROTO);
	n = hid_msg(m, SYNTH_HID_INITIAL_DEVICE_INFO, b, info_body(b, 9, 0, 7));
	assert_int_equal(ovb_hid_parse(m, n, &msg), -EPROTO);
	n = hid_msg(m, SYNTH_HID_INITIAL_DEVICE_INFO, b, info_body(b, 9, 4097, 4097));
	assert_int_equal(ovb_hid_parse(m, n, &msg), -EPROTO);
	n = hid_msg(m, SYNTH_HID_INITIAL_DEVICE_INFO, b, info_body(b, 9, 4096, 4096));
	assert_int_equal(ovb_hid_parse(m, n, &msg), 0);
	/* Reports of 0 and 17 bytes; 16 is the most. */
	n = hid_msg(m, SYNTH_HID_INPUT_REPORT, r, 17);
	assert_int_equal(ovb_hid_parse(m, n, &msg), -EPROTO);
	n = hid_msg(m, SYNTH_HID_INPUT_REPORT, r, 0);
	assert_int_equal(ovb_hid_parse(m, n, &msg), -EPROTO);
	n = hid_msg(m, SYNTH_HID_INPUT_REPORT, r, 16);
	assert_int_equal(ovb_hid_parse(m, n, &msg), 0);
	assert_int_equal(msg.report.len, 16);
	/* Framing: a pipe larger than the packet, a message larger than its pipe. */
	assert_int_equal(ovb_hid_parse(m, n - 1, &msg), -EBADMSG);
	m[12]++;
	assert_int_equal(ovb_hid_parse(m, n, &msg), -EBADMSG);
	m[12]--;
	m[0] = 2;			/* not a data pipe message */
	assert_int_equal(ovb_hid_parse(m, n, &msg), -EBADMSG);
	assert_int_equal(ovb_hid_parse(m, 15, &msg), -EBADMSG);
}

/* Through the driver: the long descriptor is refused and probe times out. */
static void test_mouse_bad_info_times_out(void **state)
{
	begin(0);
	put_response(1);
	put_info(9, sizeof(rdesc) + 1, sizeof(rdesc));
	put8(0xff);
	assert_int_equal(probe(), -ETIMEDOUT);
	assert_int_equal(hl.acks, 0);
	assert_int_equal(input_shim_hid_live, 0);
	assert_false(stub_chan.open);
}

static void test_mouse_refused_or_silent(void **state)
{
	begin(0);
	put_response(0);
	put_info(9, sizeof(rdesc), sizeof(rdesc));
	put8(0xff);
	assert_int_equal(probe(), -EPROTONOSUPPORT);
	assert_int_equal(hl.acks, 0);
	begin(0);
	assert_int_equal(probe(), -ETIMEDOUT);
	assert_int_equal(hl.requests, 1);
	assert_false(stub_chan.open);
	/* HID core refuses the device: nothing left behind. */
	begin(0x10);
	put_response(1);
	put_info(9, sizeof(rdesc), sizeof(rdesc));
	put8(0xff);
	assert_int_equal(probe(), -ENOMEM);
	assert_int_equal(input_shim_hid_live, 0);
}

/* A host with a packet always waiting: each callback run reads its budget. */
static void test_busy_host_budget(void **state)
{
	begin(0);
	put_response(1);
	put_info(9, sizeof(rdesc), sizeof(rdesc));
	put8(0xff);
	put8(0x00);
	for (int i = 0; i < 3 * INPUT_BUDGET; i++)
		put_report(6);
	assert_int_equal(probe(), 0);
	fz_u8(&host);			/* the op: one callback run by hand */
	host_run_callback();
	assert_int_equal(hl.reports, INPUT_BUDGET);
	host_run_callback();
	assert_int_equal(hl.reports, 2 * INPUT_BUDGET);
	host.left = 0;
	host_remove();
}

static void test_kbd_scan_codes(void **state)
{
	static const u8 want[] = { 0x1e, 0x9e, 0xe0, 0xc8, 0xe1, 0x1d, 0x2a };

	begin(1);
	put_key(0x10, 0);		/* before the port: dropped */
	put_kbd_response(SYNTH_KBD_PROTOCOL_ACCEPTED);
	put8(0xff);
	put8(0x00);
	put_key(0x1e, 0);				/* a down */
	put_key(0x1e, SYNTH_KBD_IS_BREAK);		/* a up */
	put_key(0x48, SYNTH_KBD_IS_E0 | SYNTH_KBD_IS_BREAK);	/* up arrow up */
	put_key(0x1d, SYNTH_KBD_IS_E1);			/* Pause's first half */
	put_key(0x41, SYNTH_KBD_IS_UNICODE);		/* 'A' as UTF-16: no scan code */
	put_key(0x9e, 0);				/* not a set-1 make code */
	put_key(0x2a, 0);
	put8(0xff);
	assert_int_equal(probe(), 0);
	assert_non_null(input_shim_serio);
	assert_int_equal(input_shim_serio->id.type, SERIO_8042_XL);
	host_run();
	assert_int_equal(hl.bytes, sizeof(want));
	assert_memory_equal(hl.byte, want, sizeof(want));
	host_remove();
}

/* atkbd's probe and LED commands, answered; the LED state goes to the host. */
static void test_kbd_ps2_and_leds(void **state)
{
	static const u8 want[] = { 0xfa, 0xab, 0x41, 0xfa, 0xfa, 0xfa, 0xaa, 0xfa };

	begin(1);
	put_kbd_response(SYNTH_KBD_PROTOCOL_ACCEPTED);
	put8(0xff);
	put(&(u8[]){ 0x80, 0xf2, 0xc0 }, 3);		/* GET ID */
	put(&(u8[]){ 0x80, 0xed, 0xc0, 0x80, 0x04, 0xc0 }, 6);	/* SET LEDS caps */
	put(&(u8[]){ 0x80, 0xff, 0xc0, 0x80, 0xf4, 0xc0 }, 6);	/* RESET, ENABLE */
	assert_int_equal(probe(), 0);
	host_run();
	assert_int_equal(hl.bytes, sizeof(want));
	assert_memory_equal(hl.byte, want, sizeof(want));
	assert_int_equal(hl.leds_sent, 1);
	assert_int_equal(hl.leds, SYNTH_KBD_LED_CAPS_LOCK);
	host_remove();
}

static void test_kbd_refused(void **state)
{
	begin(1);
	put_kbd_response(0);
	put8(0xff);
	assert_int_equal(probe(), -EPROTONOSUPPORT);
	assert_null(input_shim_serio);
	begin(1);
	put_pkt("\2\0\0\0\1\0\0", 7);		/* a response too short */
	put8(0xff);
	assert_int_equal(probe(), -ETIMEDOUT);
	assert_false(stub_chan.open);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mouse_handshake_and_report),
		cmocka_unit_test(test_mouse_rdesc_after_blength),
		cmocka_unit_test(test_hid_lengths_checked),
		cmocka_unit_test(test_mouse_bad_info_times_out),
		cmocka_unit_test(test_mouse_refused_or_silent),
		cmocka_unit_test(test_busy_host_budget),
		cmocka_unit_test(test_kbd_scan_codes),
		cmocka_unit_test(test_kbd_ps2_and_leds),
		cmocka_unit_test(test_kbd_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
