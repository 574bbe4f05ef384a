/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Synthetic mouse (class OVB_GUID_MOUSE): a HID device over VMBus. Every
 * message is an in-band packet: a pipe header, a synthhid header, its
 * body. The guest asks for protocol 2.0 (PROTOCOL_REQUEST), the host
 * answers PROTOCOL_RESPONSE, then sends INITIAL_DEVICE_INFO (device info,
 * a HID descriptor and the report descriptor right after it); the guest
 * ACKs it, and the host then sends INPUT_REPORTs (at most
 * SYNTHHID_MAX_INPUT_REPORT_SIZE bytes are used).
 *
 * Sources: Linux 6.1 drivers/hid/hid-hyperv.c (synthhid_*, pipe_prt_msg,
 * hv_input_dev_info, the checks of mousevsc_on_receive_device_info) and
 * include/linux/hid.h (struct hid_descriptor).
 */
#ifndef OVB_SYNTHHID_H
#define OVB_SYNTHHID_H

#include "ovb/types.h"

/* minor | major << 16 */
#define SYNTHHID_VERSION(major, minor)	(((u32)(major) << 16) | (minor))
#define SYNTHHID_INPUT_VERSION		SYNTHHID_VERSION(2, 0)
#define SYNTHHID_MAX_INPUT_REPORT_SIZE	16

#define SYNTHHID_PIPE_DATA		1
struct synthhid_pipe_hdr {
	u32 type;
	u32 size;		/* bytes after this header */
} __packed;
OVB_ASSERT_SIZE(struct synthhid_pipe_hdr, 8);

#define SYNTH_HID_PROTOCOL_REQUEST		0
#define SYNTH_HID_PROTOCOL_RESPONSE		1
#define SYNTH_HID_INITIAL_DEVICE_INFO		2
#define SYNTH_HID_INITIAL_DEVICE_INFO_ACK	3
#define SYNTH_HID_INPUT_REPORT			4

struct synthhid_msg_hdr {
	u32 type;
	u32 size;		/* the body's bytes after this header */
} __packed;
OVB_ASSERT_SIZE(struct synthhid_msg_hdr, 8);

struct synthhid_protocol_request {
	struct synthhid_msg_hdr header;
	u32 version_requested;
} __packed;
OVB_ASSERT_SIZE(struct synthhid_protocol_request, 12);

struct synthhid_protocol_response {
	struct synthhid_msg_hdr header;
	u32 version_requested;
	u8 approved;
} __packed;
OVB_ASSERT_SIZE(struct synthhid_protocol_response, 13);

struct synthhid_dev_info {
	u32 size;
	u16 vendor;
	u16 product;
	u16 version;
	u16 reserved[11];
} __packed;
OVB_ASSERT_SIZE(struct synthhid_dev_info, 32);

/* USB HID 1.11 class descriptor with one report descriptor. */
#define SYNTHHID_HID_DT_HID		0x21
#define SYNTHHID_HID_DT_REPORT		0x22
struct synthhid_hid_descriptor {
	u8 bLength;
	u8 bDescriptorType;
	u16 bcdHID;
	u8 bCountryCode;
	u8 bNumDescriptors;
	u8 bReportType;
	u16 wReportLength;
} __packed;
OVB_ASSERT_SIZE(struct synthhid_hid_descriptor, 9);

/* The report descriptor (wReportLength bytes) follows. */
struct synthhid_device_info {
	struct synthhid_msg_hdr header;
	struct synthhid_dev_info hid_dev_info;
	struct synthhid_hid_descriptor hid_descriptor;
} __packed;
OVB_ASSERT_SIZE(struct synthhid_device_info, 49);

struct synthhid_device_info_ack {
	struct synthhid_msg_hdr header;
	u8 reserved;
} __packed;
OVB_ASSERT_SIZE(struct synthhid_device_info_ack, 9);

/* header.size bytes of report follow. */
struct synthhid_input_report {
	struct synthhid_msg_hdr header;
} __packed;
OVB_ASSERT_SIZE(struct synthhid_input_report, 8);

#endif /* OVB_SYNTHHID_H */
