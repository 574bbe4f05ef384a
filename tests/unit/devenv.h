/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * For the tests of ovb-host's device table and control socket: the real
 * VMBus server and every device type of hostside/devices.c, driven by the
 * fake guest (fakeguest.h), with disk images in a temporary directory.
 */
#ifndef OVB_TEST_DEVENV_H
#define OVB_TEST_DEVENV_H

#include <stdbool.h>
#include <stdint.h>

#include "hostside/devices.h"
#include "tests/unit/fakeguest.h"

struct devenv {
	struct fakeguest *fg;
	struct vmbus_server *srv;
	struct host_devices *devs;
	void *cfgs[VSP_MAX_TYPES];
	char dir[64], img[3][96];	/* img[0]: the --disk, the others spare */
};

/* A sample option argument for every type that has an option (NULL: none known). */
const char *devenv_sample_arg(struct devenv *e, const struct vsp_type *t);
/* Make the server, parse a sample option for each type (if @options), create the devices. */
void devenv_setup(struct devenv *e, bool options);
/* The same with the sample options of @types only ("disk vss"): no TAP, no VNC port. */
void devenv_setup_some(struct devenv *e, const char *types);
void devenv_teardown(struct devenv *e);
/* The fake guest connects at @version and asks for offers; returns how many came. */
unsigned int devenv_connect(struct devenv *e, uint32_t version);
/*
 * The fake guest opens channel @relid over real rings (4 pages each way)
 * described by GPADL @gpadl; returns the rings' first PFN (fg_chan_init).
 */
uint64_t devenv_open(struct devenv *e, uint32_t relid, uint32_t gpadl);

/* Status's entry of the device of @type (a new reference; fails the test if none). */
struct json_object *devenv_status(struct devenv *e, const char *type);

#endif /* OVB_TEST_DEVENV_H */
