/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A scripted host for ovb_input (inputvsc/, built against guestshim with
 * input_shim.h), shared by guest_input_fuzz and guest_input_test. The
 * script is bytes (tests/fuzz/fuzz_input.h): the first says which device
 * and which allocation fails; then the packets the host has waiting when
 * the driver sends its request (the driver's callback runs then, as the
 * host's answer would make it run), then operations until it ends:
 *
 *   packet:  0xff (or the end): none waiting, the callback run ends;
 *            0xfe: one too large (-EMSGSIZE); 0xfd: the channel failed;
 *            otherwise KIND LEN16 BYTES: a payload of LEN bytes, in-band
 *            unless KIND has bit 7 (a completion then).
 *   op:      0x00-0x7f: the callback runs; 0x80-0xbf: atkbd writes the
 *            next byte to the port; 0xc0-0xff: queued work runs.
 *
 * Recorded: what the driver sent, the reports and serio bytes it gave,
 * and checked on the way: a callback run reads at most INPUT_BUDGET
 * packets, every message the driver sends is one of the protocol's.
 * Include once, after the driver's sources and stub_bus.h.
 */
#ifndef OVB_GUESTSHIM_STUB_INPUT_HOST_H
#define OVB_GUESTSHIM_STUB_INPUT_HOST_H

#include "tests/fuzz/guestshim/stub_script.h"

#define HOST_MAX_PKT	(OVB_HID_MAX_RDESC + 512)
#define HOST_MAX_BYTES	256

static struct fz host;
static struct host_log {
	unsigned int requests, acks, leds_sent, reports, bytes, recv_errors;
	int leds;			/* the last LED state sent */
	u8 report[SYNTHHID_MAX_INPUT_REPORT_SIZE];
	u32 report_len;
	u8 byte[HOST_MAX_BYTES];	/* the first serio bytes */
	unsigned int rdesc_sum;
} hl;
static unsigned int run_recvs;

int input_shim_add_error;
unsigned int input_shim_hid_live;
struct serio *input_shim_serio;

int input_shim_report(struct hid_device *hid, u8 *data, u32 size)
{
	if (size < 1 || size > SYNTHHID_MAX_INPUT_REPORT_SIZE)
		abort();
	memcpy(hl.report, data, size);
	hl.report_len = size;
	hl.reports++;
	hl.rdesc_sum = hid->rdesc_sum;
	return 0;
}

void input_shim_byte(struct serio *serio, u8 byte)
{
	if (hl.bytes < HOST_MAX_BYTES)
		hl.byte[hl.bytes] = byte;
	hl.bytes++;
}

int ovb_channel_recv_pkt(struct ovb_channel *ch, struct ovb_packet *pkt)
{
	static u8 buf[HOST_MAX_PKT];

	if (!ch->open || ++run_recvs > INPUT_BUDGET)
		abort();
	return stub_script_pkt(&host, buf, HOST_MAX_PKT, pkt, &hl.recv_errors);
}

static void host_run_callback(void)
{
	run_recvs = 0;
	stub_chan.on_event(stub_chan.ctx);
}

/* The driver's messages: a request (answered by a callback run), an ACK, LEDs. */
int ovb_channel_send_inband(struct ovb_channel *ch, const void *buf, u32 len,
			    u64 trans_id, u16 flags)
{
	const u8 *b = buf;
	u32 type, v = 0;

	if (!ch->open)
		abort();
	if (guid_equal(&stub_vdev.class_id, &(guid_t)OVB_GUID_MOUSE)) {
		if (len < 17)
			abort();
		memcpy(&type, b + 8, 4);
		memcpy(&v, b + 16, len < 20 ? 1 : 4);
		if (type == SYNTH_HID_PROTOCOL_REQUEST && len == 20 && v == SYNTHHID_INPUT_VERSION) {
			hl.requests++;
			host_run_callback();
		} else if (type == SYNTH_HID_INITIAL_DEVICE_INFO_ACK && len == 17) {
			hl.acks++;
		} else {
			abort();
		}
		return 0;
	}
	if (len != 8)
		abort();
	memcpy(&type, b, 4);
	memcpy(&v, b + 4, 4);
	if (type == SYNTH_KBD_PROTOCOL_REQUEST && v == SYNTH_KBD_VERSION) {
		hl.requests++;
		host_run_callback();
	} else if (type == SYNTH_KBD_LED_INDICATORS && v <= 7) {
		hl.leds_sent++;
		hl.leds = v;
	} else {
		abort();
	}
	return 0;
}

/* A fresh device and host for @script; probe's result. */
static int host_probe(const u8 *script, size_t size)
{
	static const guid_t mouse = OVB_GUID_MOUSE, kbd = OVB_GUID_KBD;
	u8 first;

	host = (struct fz){ script, size };
	memset(&hl, 0, sizeof(hl));
	hl.leds = -1;
	first = fz_u8(&host);
	stub_bus_reset(first & 1 ? &kbd : &mouse);
	shim_fail_alloc = (first >> 1) & 7;
	input_shim_add_error = first & 0x10 ? -ENOMEM : 0;
	return input_probe(&stub_vdev);
}

/* The operations after probe, until the script ends. */
static void host_run(void)
{
	u8 op;

	while (host.left) {
		op = fz_u8(&host);
		if (op < 0x80) {
			host_run_callback();
		} else if (op < 0xc0) {
			op = fz_u8(&host);
			if (input_shim_serio)
				input_shim_serio->write(input_shim_serio, op);
		} else {
			shim_run_work();
		}
	}
	shim_run_work();
}

/* Remove; nothing may be left of the device. */
static void host_remove(void)
{
	input_remove(&stub_vdev);
	if (stub_chan.open || input_shim_hid_live || input_shim_serio)
		abort();
}

#endif /* OVB_GUESTSHIM_STUB_INPUT_HOST_H */
