// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The list of the host's device types, and the generic code that creates
 * a VM's devices from it, offers them, and takes them down again.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/ctl/ctl.h"
#include "hostside/devices.h"
#include "hostside/log.h"
#include "hostside/vmbus/server.h"

extern const struct vsp_type heartbeat_vsp_type, shutdown_vsp_type, storvsp_vsp_type,
	timesync_vsp_type, kvp_vsp_type, vss_vsp_type, fcopy_vsp_type;
extern const struct vsp_type netvsp_vsp_type;
extern const struct vsp_type videovsp_vsp_type, keyboard_vsp_type, mouse_vsp_type, vnc_vsp_type,
	vnc_web_vsp_type;

/*
 * One line per type. Created (and offered, so given relids) in this
 * order: the integration services first, as on Hyper-V.
 */
const struct vsp_type *const vsp_types[] = {
	&heartbeat_vsp_type,
	&shutdown_vsp_type,
	&storvsp_vsp_type,
	&timesync_vsp_type,
	&kvp_vsp_type,
	&vss_vsp_type,
	&fcopy_vsp_type,
	&netvsp_vsp_type,
	&videovsp_vsp_type,
	&keyboard_vsp_type,
	&mouse_vsp_type,
	&vnc_vsp_type,		/* after the devices it shows */
	&vnc_web_vsp_type,
};
const unsigned int vsp_ntypes = sizeof(vsp_types) / sizeof(vsp_types[0]);

_Static_assert(sizeof(vsp_types) / sizeof(vsp_types[0]) <= VSP_MAX_TYPES, "VSP_MAX_TYPES");

struct host_device {
	const struct vsp_type *type;
	void *state;
};

struct host_devices {
	struct vmbus_server *srv;
	struct host_device devs[VSP_MAX_TYPES];
	unsigned int ndevs;		/* created, in order */
	struct host_device *by_type[VSP_MAX_TYPES];	/* NULL: not created */
	char absent[VSP_MAX_TYPES][96];	/* what its ctl commands answer then */
};

void vsp_cfgs_free(void **cfgs)
{
	for (unsigned int i = 0; i < vsp_ntypes; i++) {
		if (cfgs[i] && vsp_types[i]->cfg_free)
			vsp_types[i]->cfg_free(cfgs[i]);
		cfgs[i] = NULL;
	}
}

struct host_devices *host_devices_create(struct vmbus_server *srv, const struct vsp_env *env,
					 void *const *cfgs)
{
	struct host_devices *d = calloc(1, sizeof(*d));
	struct vsp_env e = *env;
	bool ok = d != NULL;

	if (d)
		d->srv = srv;
	e.srv = srv;
	for (unsigned int i = 0; i < vsp_ntypes; i++) {
		const struct vsp_type *t = vsp_types[i];
		void *cfg = cfgs[i];
		struct host_device *hd;

		if (ok && (cfg || t->always)) {
			hd = &d->devs[d->ndevs];
			hd->type = t;
			hd->state = t->create(&e, cfg);
			if (!hd->state) {
				log_err("%s: cannot create the device", t->name);
				ok = false;
			} else {
				d->ndevs++;
				d->by_type[i] = hd;
				if (t->device && t->device(hd->state) &&
				    vmbus_server_add_device(srv, t->device(hd->state))) {
					log_err("%s: cannot offer the device", t->name);
					ok = false;
				}
			}
		}
		if (cfg && t->cfg_free)
			t->cfg_free(cfg);
	}
	if (!ok) {
		host_devices_destroy(d);
		return NULL;
	}
	return d;
}

void host_devices_destroy(struct host_devices *d)
{
	if (!d)
		return;
	while (d->ndevs) {
		struct host_device *hd = &d->devs[--d->ndevs];

		if (hd->type->device && hd->type->device(hd->state))
			vmbus_server_remove_device(d->srv, hd->type->device(hd->state));
		hd->type->destroy(hd->state);
	}
	free(d);
}

int host_devices_ctl_add(struct host_devices *d, struct ctl *ctl)
{
	for (unsigned int i = 0; i < vsp_ntypes; i++) {
		const struct vsp_type *t = vsp_types[i];
		struct host_device *hd = d->by_type[i];

		if (!t->ncmds)
			continue;
		snprintf(d->absent[i], sizeof(d->absent[i]), "no %s device (start ovb-host with --%s)",
			 t->name, t->option ? t->option : "?");
		if (ctl_add(ctl, t->cmds, t->ncmds, hd ? hd->state : NULL, d->absent[i]))
			return -1;
	}
	return 0;
}

void host_devices_status(struct host_devices *d, struct json_object *array)
{
	for (unsigned int i = 0; i < d->ndevs; i++) {
		struct host_device *hd = &d->devs[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "type", json_object_new_string(hd->type->name));
		if (hd->type->status)
			hd->type->status(hd->state, e);
		json_object_array_add(array, e);
	}
}

void *host_devices_state(struct host_devices *d, const char *name)
{
	for (unsigned int i = 0; i < d->ndevs; i++)
		if (!strcmp(d->devs[i].type->name, name))
			return d->devs[i].state;
	return NULL;
}
