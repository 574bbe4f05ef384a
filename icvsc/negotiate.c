// SPDX-License-Identifier: GPL-2.0
/* ovb_ic's copy of the IC version negotiation both sides share, lib/ic_negotiate.c. */
#include "../lib/ic_negotiate.c"
