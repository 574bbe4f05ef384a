/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The host's device types: one descriptor per VSP type and one explicit
 * list of them (devices.c). Everything that names a device lives in the
 * type's own directory (hostside/<dev>vsp/<dev>vsp_type.c): its command
 * line option and parser, how it is created and destroyed, its ctl
 * commands and what it adds to `ovbctl status`. main.c builds its options
 * and usage from the list, the VMBus control thread sees only struct
 * vmbus_device, and ovbctl asks the host what it offers.
 *
 * Adding a device type: its directory, one line in vsp_types[] and its
 * Build.mk lines.
 *
 * Threads: parse on main's thread before anything runs; create/destroy on
 * main's thread (before the guest runs, after it stopped); the ctl
 * commands and status on the control socket's thread (one at a time).
 */
#ifndef OVB_HOST_DEVICES_H
#define OVB_HOST_DEVICES_H

#include <stdbool.h>

struct ctl;
struct ctl_command;
struct json_object;
struct vmbus_device;
struct vmbus_server;

/* What a type sees of the host when it creates its device. */
struct vsp_env {
	unsigned int ncpus;		/* the guest's vCPUs */
	/*
	 * The server (host_devices_create fills it in): a type with several
	 * devices, or devices added and removed at run time (netvsp's NICs),
	 * offers them itself and has its device() return NULL.
	 */
	struct vmbus_server *srv;
};

struct vsp_type {
	const char *name;		/* "storvsp", "heartbeat": logs, status */
	/*
	 * Command line: --@option @arg (and -@short_opt if not 0), repeatable;
	 * NULL if the type has none. @help is its usage line's text.
	 */
	const char *option;
	int short_opt;
	const char *arg;
	const char *help;
	/* Created without its option (heartbeat, shutdown). */
	bool always;
	/*
	 * Check one option argument and keep it in *@cfg (the type allocates
	 * it on the first call). 0, or -1 after logging why.
	 */
	int (*parse)(void **cfg, const char *arg);
	void (*cfg_free)(void *cfg);
	/*
	 * Create the device from @cfg (NULL if its option was not given) and
	 * return the type's state, or NULL after logging why. It is offered as
	 * device(state) right after and removed before destroy(state). A type
	 * with no VMBus device of its own (the VNC console) has no device().
	 */
	void *(*create)(const struct vsp_env *env, void *cfg);
	struct vmbus_device *(*device)(void *state);
	void (*destroy)(void *state);
	/* Optional: fill this device's entry of status's "devices" array. */
	void (*status)(void *state, struct json_object *entry);
	/* Ctl commands, called with the state (absent device: an error). */
	const struct ctl_command *cmds;
	unsigned int ncmds;
};

extern const struct vsp_type *const vsp_types[];
extern const unsigned int vsp_ntypes;

#define VSP_MAX_TYPES 32

/* The devices of one VM, in list order. */
struct host_devices;

/*
 * Create every type that is always there or whose option was given
 * (@cfgs[i] for vsp_types[i], consumed: freed here, also on failure) and
 * add each to @srv. NULL on failure, with what was made destroyed again.
 */
struct host_devices *host_devices_create(struct vmbus_server *srv, const struct vsp_env *env,
					 void *const *cfgs);
/* Remove from the server and destroy, in reverse order of creation. */
void host_devices_destroy(struct host_devices *d);
/* Offer every type's ctl commands (a type without a device answers an error). */
int host_devices_ctl_add(struct host_devices *d, struct ctl *ctl);
/* Append one {"type": name, ...} per device to @array. */
void host_devices_status(struct host_devices *d, struct json_object *array);

/*
 * The state of the device of type @name ("vss", "storvsp"), NULL if it was
 * not created: for commands that span devices (hostside/backup.c).
 */
void *host_devices_state(struct host_devices *d, const char *name);

/* Free parsed configs that were never handed to host_devices_create. */
void vsp_cfgs_free(void **cfgs);

#endif /* OVB_HOST_DEVICES_H */
