/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* guestshim: see ../scsi_shim.h */
#include "../scsi_shim.h"
