/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* guestshim: see ../shim.h */
#include "../shim.h"
#ifndef OVB_GUESTSHIM_SPINLOCK_H
#define OVB_GUESTSHIM_SPINLOCK_H
#define __SPIN_LOCK_UNLOCKED(x)		{ 0 }
#endif
