/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* guestshim: see ../shim.h. A misc device as a name only (nothing registers). */
#include "../shim.h"
#ifndef OVB_GUESTSHIM_MISCDEVICE_H
#define OVB_GUESTSHIM_MISCDEVICE_H
struct file_operations;
struct miscdevice {
	int minor;
	const char *name;
	const struct file_operations *fops;
};
#define MISC_DYNAMIC_MINOR	255
#endif
