/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* guestshim: see ../shim.h. Nothing waits: a queue head that type-checks. */
#include "../shim.h"
#ifndef OVB_GUESTSHIM_WAIT_H
#define OVB_GUESTSHIM_WAIT_H
typedef struct {
	int waiters;
} wait_queue_head_t;
#define __WAIT_QUEUE_HEAD_INITIALIZER(n)	{ 0 }
#define wake_up_interruptible(q)		((void)(q))
#endif
