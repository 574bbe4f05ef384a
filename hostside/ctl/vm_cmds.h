/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The control socket's commands about the VM and its VMBus as a whole
 * (status, channels); each device type brings its own (hostside/devices.h).
 */
#ifndef OVB_CTL_VM_CMDS_H
#define OVB_CTL_VM_CMDS_H

#include <stdint.h>
#include <time.h>

struct ctl;
struct host_devices;
struct vmbus_server;

struct vm_info {
	struct vmbus_server *srv;
	struct host_devices *devs;
	unsigned int ncpus;
	uint64_t ram_size;
	time_t started;
};

/* @info must outlive @ctl. */
int vm_cmds_add(struct ctl *ctl, struct vm_info *info);

#endif /* OVB_CTL_VM_CMDS_H */
