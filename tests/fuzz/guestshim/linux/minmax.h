/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* guestshim: see ../shim.h (min and max are there) */
#include "../shim.h"
