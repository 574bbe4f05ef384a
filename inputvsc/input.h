/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovb_input: the synthetic mouse (mouse.c, a HID transport) and keyboard
 * (keyboard.c, a serio port for atkbd) on ovb_vmbus. input.c owns the
 * channel and hands each in-band packet of the host to its kind; the
 * protocol code without the input layers is input_proto.c.
 */
#ifndef OVB_INPUTVSC_INPUT_H
#define OVB_INPUTVSC_INPUT_H

#include <linux/types.h>

#include "vmbus/ovb_vmbus.h"

/* Each wait for the host's answer to a request (hid-hyperv waits 5 s). */
#define OVB_INPUT_TIMEOUT	(5 * HZ)

struct ovb_input;

/*
 * A kind of device. init runs before the channel opens (packet may run
 * from then on, in softirq context), start after (the protocol with the
 * host, the input device), stop before it closes, free after: no packet
 * runs any more then. Every one may be NULL but packet.
 */
struct ovb_input_kind {
	const char *name;
	size_t size;			/* of the kind's struct, ovb_input first */
	void (*init)(struct ovb_input *in);
	int (*start)(struct ovb_input *in);
	void (*stop)(struct ovb_input *in);
	void (*free)(struct ovb_input *in);
	void (*packet)(struct ovb_input *in, const void *data, u32 len);
};

struct ovb_input {
	struct ovb_vmbus_device *vdev;
	struct ovb_channel *ch;
	const struct ovb_input_kind *kind;
};

static inline struct device *ovb_input_dev(struct ovb_input *in)
{
	return ovb_vmbus_dev(in->vdev);
}

/* The kinds this kernel can serve (the Kbuild builds the ones it has). */
extern const struct ovb_input_kind ovb_input_mouse;
extern const struct ovb_input_kind ovb_input_kbd;

#endif /* OVB_INPUTVSC_INPUT_H */
