// SPDX-License-Identifier: GPL-2.0
/* ovb_vmbus's copy of the one ring implementation, lib/ring.c. */
#include "../lib/ring.c"
