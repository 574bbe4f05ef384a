/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * guestshim's HID core and serio core for ovb_input (inputvsc/): the
 * fields and calls it uses. The HID core's side: hid_add_device parses
 * the report descriptor through the transport's parse (as hid_add_device
 * does), hid_input_report is the test's (input_shim_report). The serio
 * core's: registering a port starts it, unregistering stops and frees it
 * (as serio_add_port and serio_destroy_port do); serio_interrupt is the
 * test's (input_shim_byte). Include before the driver's sources.
 */
#ifndef OVB_GUESTSHIM_INPUT_H
#define OVB_GUESTSHIM_INPUT_H

#include "shim.h"

/* Both devices, as inputvsc/Kbuild defines them for a kernel with HID and serio. */
#define OVB_INPUT_MOUSE		1
#define OVB_INPUT_KBD		1
typedef unsigned long kernel_ulong_t;

static inline void *kmemdup(const void *p, size_t n, gfp_t f)
{
	void *q = kmalloc(n, f);

	if (q)
		memcpy(q, p, n);
	return q;
}
#include "linux/string.h"	/* strscpy */
#define dev_name(d)		((void)(d), "stub")

/* ---- HID ---- */
#define BUS_VIRTUAL		0x06
#define HID_INPUT_REPORT	0
struct hid_device;
struct hid_ll_driver {
	int (*start)(struct hid_device *hdev);
	void (*stop)(struct hid_device *hdev);
	int (*open)(struct hid_device *hdev);
	void (*close)(struct hid_device *hdev);
	int (*parse)(struct hid_device *hdev);
	int (*raw_request)(struct hid_device *hdev, unsigned char reportnum, __u8 *buf,
			   size_t len, unsigned char rtype, int reqtype);
};
struct hid_device {
	struct device dev;
	struct hid_ll_driver *ll_driver;
	void *driver_data;
	u16 bus;
	u32 vendor, product, version;
	char name[128], phys[64];
	unsigned int rdesc_sum;		/* the shim's: every byte was read */
};

/* The test's: every report the driver hands the HID core. */
int input_shim_report(struct hid_device *hid, u8 *data, u32 size);
/* Failures on demand: hid_add_device returns this (0: works). */
extern int input_shim_add_error;
extern unsigned int input_shim_hid_live;

static inline struct hid_device *hid_allocate_device(void)
{
	struct hid_device *h = kzalloc(sizeof(*h), GFP_KERNEL);

	if (!h)
		return ERR_PTR(-ENOMEM);
	input_shim_hid_live++;
	return h;
}

static inline int hid_parse_report(struct hid_device *hid, const u8 *rdesc, unsigned int size)
{
	if (size < 1 || size > 4096)
		abort();
	for (unsigned int i = 0; i < size; i++)
		hid->rdesc_sum += rdesc[i];
	return 0;
}

static inline int hid_add_device(struct hid_device *hid)
{
	int ret = hid->ll_driver->parse(hid);

	return ret ? ret : input_shim_add_error;
}

static inline void hid_destroy_device(struct hid_device *hid)
{
	input_shim_hid_live--;
	kfree(hid);
}

static inline int hid_input_report(struct hid_device *hid, int type, u8 *data, u32 size,
				   int interrupt)
{
	if (type != HID_INPUT_REPORT || !interrupt)
		abort();
	return input_shim_report(hid, data, size);
}

/* ---- serio ---- */
#define SERIO_8042_XL		0x06
struct serio_device_id {
	u8 type;
};
struct serio {
	void *port_data;
	char name[32], phys[32];
	struct serio_device_id id;
	int (*write)(struct serio *serio, unsigned char byte);
	int (*start)(struct serio *serio);
	void (*stop)(struct serio *serio);
	struct device dev;
};

/* The test's: every byte the port gives atkbd. */
void input_shim_byte(struct serio *serio, u8 byte);
/* The registered port (NULL when none). */
extern struct serio *input_shim_serio;

static inline void serio_register_port(struct serio *serio)
{
	if (input_shim_serio)
		abort();
	input_shim_serio = serio;
	if (serio->start)
		serio->start(serio);
}

static inline void serio_unregister_port(struct serio *serio)
{
	if (serio != input_shim_serio)
		abort();
	if (serio->stop)
		serio->stop(serio);
	input_shim_serio = NULL;
	kfree(serio);
}

static inline int serio_interrupt(struct serio *serio, unsigned char data, unsigned int flags)
{
	if (serio != input_shim_serio)
		abort();
	input_shim_byte(serio, data);
	return 0;
}

#endif /* OVB_GUESTSHIM_INPUT_H */
