/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* guestshim: the real errno values (glibc includes this header too). */
#include_next <linux/errno.h>
