/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* guestshim: see ../shim.h */
#include "../shim.h"
