/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IC services that talk to a guest daemon (KVP, VSS, fcopy:
 * icvsc/daemon.c) need a char device, which the shim has not: for the
 * userspace builds of icvsc/ic.c (OVB_IC_SERVICES names them), table
 * entries only. Include after icvsc/ic.c.
 */
#ifndef OVB_GUESTSHIM_STUB_IC_DAEMONS_H
#define OVB_GUESTSHIM_STUB_IC_DAEMONS_H

#ifndef SHIM_REAL_KVP	/* (guest_ic_fuzz includes icvsc/kvp.c itself) */
const struct ic_service ic_kvp = { .name = "kvp", .msgtype = ICMSGTYPE_KVPEXCHANGE };
#endif
const struct ic_service ic_vss = { .name = "vss", .msgtype = ICMSGTYPE_VSS };
const struct ic_service ic_fcopy = { .name = "fcopy", .msgtype = ICMSGTYPE_FCOPY };

#endif
