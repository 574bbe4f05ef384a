// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The integration services as ovb-host device types (hostside/devices.h):
 * heartbeat and shutdown are always offered; `ovbctl heartbeat` reads the
 * guest's last answer, `ovbctl shutdown` and `reboot` ask it to go down.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hostside/ctl/ctl.h"
#include "hostside/devices.h"
#include "hostside/icvsp/icvsp.h"
#include "hostside/log.h"

static struct vmbus_device *ic_type_device(void *dev)
{
	return dev;
}

static void ic_type_destroy(void *dev)
{
	icvsp_free(dev);
}

static struct json_object *ic_version(uint32_t v)
{
	char s[16];

	snprintf(s, sizeof(s), "%u.%u", v >> 16, v & 0xffff);
	return json_object_new_string(s);
}

/* What both services say in status: is the guest's side there. */
static void ic_type_status(void *dev, struct json_object *e)
{
	struct icvsp_status st;

	icvsp_get_status(dev, &st);
	json_object_object_add(e, "open", json_object_new_boolean(st.open));
	json_object_object_add(e, "negotiated", json_object_new_boolean(st.negotiated));
	json_object_object_add(e, "version", st.negotiated ? ic_version(st.srv_version) : NULL);
}

int icvsp_parse_seconds(void **cfg, const char *arg, const char *option, const char *what,
			unsigned int max)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || !n || n > max) {
		log_err("bad --%s '%s' (%s, 1-%u)", option, arg, what, max);
		return -1;
	}
	free(*cfg);
	*cfg = malloc(sizeof(unsigned int));
	if (!*cfg)
		return -1;
	*(unsigned int *)*cfg = (unsigned int)n;
	return 0;
}

/* ---- heartbeat ---- */

static void *heartbeat_type_create(const struct vsp_env *env, void *cfg)
{
	(void)env;
	(void)cfg;
	return icvsp_heartbeat_new();
}

static int cmd_heartbeat(void *dev, const char *args, struct json_object *reply,
			 const char **err)
{
	struct icvsp_status st;
	struct timespec now;

	(void)args;
	icvsp_get_status(dev, &st);
	if (!st.negotiated) {
		*err = "the guest's heartbeat service is not running";
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	json_object_object_add(reply, "seq", json_object_new_int64((int64_t)st.last_seq));
	json_object_object_add(reply, "answered", json_object_new_int64((int64_t)st.answered));
	json_object_object_add(reply, "sent", json_object_new_int64((int64_t)st.sent));
	json_object_object_add(reply, "last_answer_s", st.last_answer.tv_sec ?
		json_object_new_double((double)(now.tv_sec - st.last_answer.tv_sec) +
				       (double)(now.tv_nsec - st.last_answer.tv_nsec) / 1e9) :
		NULL);
	json_object_object_add(reply, "version", ic_version(st.srv_version));
	return 0;
}

static const struct ctl_command heartbeat_cmds[] = {
	{ "heartbeat", "", "the guest's last heartbeat", cmd_heartbeat },
};

const struct vsp_type heartbeat_vsp_type = {
	.name = "heartbeat",
	.always = true,
	.create = heartbeat_type_create,
	.device = ic_type_device,
	.destroy = ic_type_destroy,
	.status = ic_type_status,
	.cmds = heartbeat_cmds,
	.ncmds = sizeof(heartbeat_cmds) / sizeof(heartbeat_cmds[0]),
};

/* ---- shutdown ---- */

static void *shutdown_type_create(const struct vsp_env *env, void *cfg)
{
	(void)env;
	(void)cfg;
	return icvsp_shutdown_new();
}

static int shutdown_request(void *dev, bool restart, struct json_object *reply,
			    const char **err)
{
	if (icvsp_shutdown_request(dev, restart)) {
		*err = "the guest's shutdown service is not running";
		return -1;
	}
	json_object_object_add(reply, "requested",
			       json_object_new_string(restart ? "restart" : "shutdown"));
	return 0;
}

static int cmd_shutdown(void *dev, const char *args, struct json_object *reply, const char **err)
{
	(void)args;
	return shutdown_request(dev, false, reply, err);
}

static int cmd_reboot(void *dev, const char *args, struct json_object *reply, const char **err)
{
	(void)args;
	return shutdown_request(dev, true, reply, err);
}

static const struct ctl_command shutdown_cmds[] = {
	{ "shutdown", "", "ask the guest to power off (integration service)", cmd_shutdown },
	{ "reboot", "", "ask the guest to restart (integration service)", cmd_reboot },
};

const struct vsp_type shutdown_vsp_type = {
	.name = "shutdown",
	.always = true,
	.create = shutdown_type_create,
	.device = ic_type_device,
	.destroy = ic_type_destroy,
	.status = ic_type_status,
	.cmds = shutdown_cmds,
	.ncmds = sizeof(shutdown_cmds) / sizeof(shutdown_cmds[0]),
};
