// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ovb-host's devices and control socket over the VMBus control thread of
 * vmbus_host.c: the device table (devices.h) decides which devices there
 * are; this file names none.
 */
#include <stdlib.h>
#include <time.h>

#include "hostside/backup.h"
#include "hostside/ctl/ctl.h"
#include "hostside/ctl/vm_cmds.h"
#include "hostside/devices.h"
#include "hostside/glue.h"
#include "hostside/vmbus/server.h"
#include "hostside/vmbus_host.h"
#include "hostside/vmm/vm.h"

struct host {
	struct vmbus_host *vh;
	struct vmbus_server *srv;
	struct host_devices *devs;
	struct vm_info info;		/* for the ctl's status and channels */
	struct ctl *ctl;
};

struct host *host_vmbus_start(struct vm *vm, struct hv *hv, void *const *dev_cfgs)
{
	struct host *h = calloc(1, sizeof(*h));
	struct vsp_env env = { .ncpus = vm->ncpus };

	if (h)
		h->vh = vmbus_host_new(vm, hv);
	if (!h || !h->vh) {
		vsp_cfgs_free((void **)dev_cfgs);
		free(h);
		return NULL;
	}
	h->srv = vmbus_host_server(h->vh);
	h->devs = host_devices_create(h->srv, &env, dev_cfgs);
	if (!h->devs || vmbus_host_start(h->vh)) {
		host_stop(h);
		return NULL;
	}
	h->info = (struct vm_info){ .srv = h->srv, .devs = h->devs, .ncpus = vm->ncpus,
				    .ram_size = vm->ram_size, .started = time(NULL) };
	return h;
}

void host_set_faults(struct host *h, const struct vmbus_faults *f)
{
	vmbus_server_set_faults(h->srv, f);
}

int host_ctl_start(struct host *h, const char *path, const char *group)
{
	h->ctl = ctl_new();
	if (!h->ctl || vm_cmds_add(h->ctl, &h->info) || host_devices_ctl_add(h->devs, h->ctl) ||
	    backup_ctl_add(h->ctl, h->devs))
		return -1;
	return ctl_listen(h->ctl, path, group);
}

void host_stop(struct host *h)
{
	if (!h)
		return;
	ctl_free(h->ctl);
	vmbus_host_stop(h->vh);
	host_devices_destroy(h->devs);
	vmbus_host_free(h->vh);
	free(h);
}
