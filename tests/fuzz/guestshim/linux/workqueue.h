/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* guestshim: see ../shim.h */
#include "../shim.h"
#ifndef OVB_GUESTSHIM_WORKQUEUE_H
#define OVB_GUESTSHIM_WORKQUEUE_H
/* A delayed work item that type-checks (the timer never fires here). */
struct delayed_work {
	struct work_struct work;
};
#define __DELAYED_WORK_INITIALIZER(n, f, flags)	{ .work = { .func = (f) } }
#endif
