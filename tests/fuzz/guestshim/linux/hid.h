/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* guestshim: see ../input_shim.h */
#include "../input_shim.h"
