/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The VMBus protocol versions openvmbus speaks, newest first: the guest
 * asks for them in this order (INITIATE_CONTACT, one at a time until the
 * host says version_supported), the host accepts exactly these. One table
 * for both sides.
 */
#ifndef OVB_LIB_VMBUS_VERSION_H
#define OVB_LIB_VMBUS_VERSION_H

#include "lib/compat.h"

/* The @i-th version, newest first; 0 past the last. */
u32 ovb_vmbus_version_at(unsigned int i);
/* Is @v one of them? */
ovb_bool ovb_vmbus_version_known(u32 v);

#endif /* OVB_LIB_VMBUS_VERSION_H */
