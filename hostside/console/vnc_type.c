// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The VNC console as an ovb-host device type (hostside/devices.h) with no
 * VMBus device of its own: `--vnc ADDR:PORT` or `--vnc unix:PATH` serves
 * the synthetic video device's screen (it needs --video).
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/console/console.h"
#include "hostside/console/vnc.h"
#include "hostside/devices.h"
#include "hostside/log.h"

static int vnc_type_parse(void **cfgp, const char *arg)
{
	if (*cfgp) {
		log_err("--vnc given twice");
		return -1;
	}
	if (console_vnc_check_spec(arg))
		return -1;
	*cfgp = strdup(arg);
	return *cfgp ? 0 : -1;
}

static void *vnc_type_create(const struct vsp_env *env, void *cfg)
{
	(void)env;
	if (!console_video()) {
		log_err("--vnc needs --video (the screen it shows)");
		return NULL;
	}
	return console_vnc_start(cfg, console_video());
}

static void vnc_type_destroy(void *state)
{
	console_vnc_stop(state);
}

static void vnc_type_status(void *state, struct json_object *e)
{
	console_vnc_status(state, e);
}

const struct vsp_type vnc_vsp_type = {
	.name = "vnc",
	.option = "vnc",
	.arg = "ADDR:PORT|unix:PATH",
	.help = "serve the screen over VNC (and WebSocket) there, e.g. 127.0.0.1:5900",
	.parse = vnc_type_parse,
	.cfg_free = free,
	.create = vnc_type_create,
	.destroy = vnc_type_destroy,
	.status = vnc_type_status,
};
