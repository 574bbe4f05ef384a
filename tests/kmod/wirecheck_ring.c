// SPDX-License-Identifier: GPL-2.0
/* This module's own copy of the shared ring (see Kbuild). */
#include "../../lib/ring.c"
