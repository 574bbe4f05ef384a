// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The SCSI controller as one of ovb-host's device types (hostside/devices.h):
 * --disk SPEC adds a disk (the controller exists when there is at least
 * one), and `ovbctl disk add SPEC | remove LUN` hot-plugs them.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/ctl/ctl.h"
#include "hostside/devices.h"
#include "hostside/log.h"
#include "hostside/storvsp/storvsp.h"

#define DISK_SPEC "PATH[,ro][,direct][,serial=S][,format=raw|vhd|vhdx|auto][,parents=DIR]"

/* The --disk arguments, in order. */
struct storvsp_cfg {
	unsigned int n;
	char *specs[STORVSP_MAX_LUNS];
};

static int storvsp_type_parse(void **cfgp, const char *arg)
{
	struct storvsp_cfg *cfg = *cfgp;
	struct storvsp_disk_opts o;
	char buf[512];

	if (storvsp_disk_parse(arg, &o, buf, sizeof(buf))) {
		log_err("bad --disk '%s' (" DISK_SPEC ")", arg);
		return -1;
	}
	if (!cfg) {
		cfg = calloc(1, sizeof(*cfg));
		if (!cfg)
			return -1;
		*cfgp = cfg;
	}
	if (cfg->n == STORVSP_MAX_LUNS) {
		log_err("at most %d --disk options", STORVSP_MAX_LUNS);
		return -1;
	}
	cfg->specs[cfg->n] = strdup(arg);
	return cfg->specs[cfg->n++] ? 0 : -1;
}

static void storvsp_type_cfg_free(void *p)
{
	struct storvsp_cfg *cfg = p;

	for (unsigned int i = 0; i < cfg->n; i++)
		free(cfg->specs[i]);
	free(cfg);
}

static int storvsp_type_disk_add(struct storvsp *sv, const char *spec, const char **err)
{
	struct storvsp_disk_opts o;
	char buf[512];
	int lun;

	if (storvsp_disk_parse(spec, &o, buf, sizeof(buf))) {
		*err = "bad disk (" DISK_SPEC ")";
		return -1;
	}
	lun = storvsp_disk_add(sv, -1, &o);
	if (lun < 0) {
		log_err("disk %s: %s", o.path, strerror(-lun));
		*err = "cannot attach the disk (see ovb-host's log)";
		return -1;
	}
	log_info("disk %s attached as LUN %d", o.path, lun);
	return lun;
}

static void *storvsp_type_create(const struct vsp_env *env, void *p)
{
	struct storvsp_cfg *cfg = p;
	struct storvsp *sv;
	const char *err;

	/* One queue per vCPU: the primary channel and a sub-channel for each other vCPU. */
	sv = storvsp_new(NULL, env->ncpus > 1 ? env->ncpus - 1 : 0);
	if (!sv)
		return NULL;
	for (unsigned int i = 0; cfg && i < cfg->n; i++) {
		if (storvsp_type_disk_add(sv, cfg->specs[i], &err) < 0) {
			log_err("--disk %s: %s", cfg->specs[i], err);
			storvsp_free(sv);
			return NULL;
		}
	}
	return sv;
}

static struct vmbus_device *storvsp_type_device(void *sv)
{
	return storvsp_device(sv);
}

static void storvsp_type_destroy(void *sv)
{
	storvsp_free(sv);
}

/* One entry of status's "luns": what the disk is (issue 16 asks for it there). */
static void disk_status(void *arg, const struct storvsp_disk_info *i)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "lun", json_object_new_int((int)i->lun));
	json_object_object_add(o, "path", json_object_new_string(i->path));
	json_object_object_add(o, "format", json_object_new_string(i->format));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)i->size));
	json_object_object_add(o, "block_size", json_object_new_int((int)i->block_size));
	json_object_object_add(o, "read_only", json_object_new_boolean(i->read_only));
	if (i->parent)
		json_object_object_add(o, "parent", json_object_new_string(i->parent));
	json_object_array_add(arg, o);
}

static void storvsp_type_status(void *sv, struct json_object *e)
{
	struct json_object *luns = json_object_new_array();

	storvsp_disks_foreach(sv, disk_status, luns);
	json_object_object_add(e, "disks", json_object_new_int((int)json_object_array_length(luns)));
	json_object_object_add(e, "luns", luns);
	json_object_object_add(e, "vstor_version",
			       json_object_new_int(storvsp_protocol_version(sv)));
}

static int cmd_disk(void *opaque, const char *args, struct json_object *reply, const char **err)
{
	struct storvsp *sv = opaque;
	int lun;

	if (!strncmp(args, "add ", 4)) {
		lun = storvsp_type_disk_add(sv, args + 4, err);
		if (lun < 0)
			return -1;
		json_object_object_add(reply, "lun", json_object_new_int(lun));
		return 0;
	}
	if (!strncmp(args, "remove ", 7)) {
		char *end;
		long n;

		errno = 0;
		n = strtol(args + 7, &end, 10);
		if (errno || end == args + 7 || *end || n < 0 || n >= STORVSP_MAX_LUNS ||
		    storvsp_disk_remove(sv, (unsigned int)n)) {
			*err = "no such LUN";
			return -1;
		}
		log_info("LUN %ld removed", n);
		json_object_object_add(reply, "lun", json_object_new_int((int)n));
		json_object_object_add(reply, "removed", json_object_new_boolean(1));
		return 0;
	}
	*err = "usage: disk add " DISK_SPEC " | disk remove LUN";
	return -1;
}

static const struct ctl_command storvsp_cmds[] = {
	{ "disk", "add " DISK_SPEC " | remove LUN", "hot-plug SCSI disks", cmd_disk },
};

const struct vsp_type storvsp_vsp_type = {
	.name = "storvsp",
	.option = "disk",
	.short_opt = 'd',
	.arg = DISK_SPEC,
	.help = "a SCSI disk on the synthetic controller (repeatable)",
	.parse = storvsp_type_parse,
	.cfg_free = storvsp_type_cfg_free,
	.create = storvsp_type_create,
	.device = storvsp_type_device,
	.destroy = storvsp_type_destroy,
	.status = storvsp_type_status,
	.cmds = storvsp_cmds,
	.ncmds = sizeof(storvsp_cmds) / sizeof(storvsp_cmds[0]),
};
