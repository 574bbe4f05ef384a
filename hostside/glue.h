/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ovb-host's devices (on the VMBus control thread of vmbus_host.h) and
 * the control socket's commands.
 */
#ifndef OVB_HOST_GLUE_H
#define OVB_HOST_GLUE_H

struct vm;
struct hv;
struct host;
struct vmbus_faults;

/* @dev_cfgs: each device type's parsed options (consumed), see devices.h. */
struct host *host_vmbus_start(struct vm *vm, struct hv *hv, void *const *dev_cfgs);
/* @group: NULL, or the group that may use the socket too (--ctl-group). */
int host_ctl_start(struct host *h, const char *path, const char *group);
/* --fault: make the VMBus server misbehave on purpose (before hv_start). */
void host_set_faults(struct host *h, const struct vmbus_faults *f);
void host_stop(struct host *h);

#endif /* OVB_HOST_GLUE_H */
