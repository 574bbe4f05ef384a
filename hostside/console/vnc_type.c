// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The VNC console as an ovb-host device type (hostside/devices.h) with no
 * VMBus device of its own: `--vnc ADDR:PORT` or `--vnc unix:PATH` serves
 * the synthetic video device's screen (it needs --video). `--vnc-web DIR`
 * (a type of its own, so it is an option of its own) adds noVNC's files
 * from DIR to it, as `--vnc ...,web=DIR` does.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/console/console.h"
#include "hostside/console/vnc.h"
#include "hostside/console/vnc_web.h"
#include "hostside/ctl/ctl.h"
#include "hostside/devices.h"
#include "hostside/log.h"

/* --vnc-web's DIR, parsed before anything is created; --vnc given. */
static char vnc_web_dir[256];
static bool vnc_given;

static int vnc_type_parse(void **cfgp, const char *arg)
{
	if (*cfgp) {
		log_err("--vnc given twice");
		return -1;
	}
	if (console_vnc_check_spec(arg))
		return -1;
	*cfgp = strdup(arg);
	vnc_given = *cfgp != NULL;
	return *cfgp ? 0 : -1;
}

static void *vnc_type_create(const struct vsp_env *env, void *cfg)
{
	(void)env;
	if (!console_video()) {
		log_err("--vnc needs --video (the screen it shows)");
		return NULL;
	}
	if (vnc_web_dir[0]) {
		char spec[512];

		if (snprintf(spec, sizeof(spec), "%s,web=%s", (char *)cfg, vnc_web_dir) >=
		    (int)sizeof(spec)) {
			log_err("--vnc and --vnc-web: too long");
			return NULL;
		}
		return console_vnc_start(spec, console_video());
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

static int cmd_vnc_password(void *state, const char *args, struct json_object *reply,
			    const char **err)
{
	if (console_vnc_reload_password(state, args, err))
		return -1;
	json_object_object_add(reply, "password", json_object_new_boolean(1));
	return 0;
}

static const struct ctl_command vnc_cmds[] = {
	{ "vnc-password", "[/FILE]",
	  "read the VNC password again from its file (or from FILE from now on)",
	  cmd_vnc_password },
};

const struct vsp_type vnc_vsp_type = {
	.name = "vnc",
	.option = "vnc",
	.arg = "ADDR:PORT|unix:PATH[,password-file=FILE][,web[=DIR]]",
	.help = "serve the screen over VNC (and WebSocket) there, e.g. 127.0.0.1:5900; "
		"password-file: VNC authentication (weak: prefer unix: or an SSH tunnel); "
		"web: noVNC's files (" VNC_WEB_DEFAULT_DIR ") on the same port",
	.parse = vnc_type_parse,
	.cfg_free = free,
	.create = vnc_type_create,
	.destroy = vnc_type_destroy,
	.status = vnc_type_status,
	.cmds = vnc_cmds,
	.ncmds = sizeof(vnc_cmds) / sizeof(vnc_cmds[0]),
};

static int vnc_web_type_parse(void **cfgp, const char *arg)
{
	char spec[300];

	if (*cfgp) {
		log_err("--vnc-web given twice");
		return -1;
	}
	/* The directory is checked as --vnc's web= would be. */
	if (snprintf(spec, sizeof(spec), "127.0.0.1:0,web=%s", arg) >= (int)sizeof(spec) ||
	    strlen(arg) >= sizeof(vnc_web_dir) || console_vnc_check_spec(spec))
		return -1;
	snprintf(vnc_web_dir, sizeof(vnc_web_dir), "%s", arg);
	*cfgp = strdup(arg);
	return *cfgp ? 0 : -1;
}

/* Nothing of its own: the VNC server serves the files. */
static void *vnc_web_type_create(const struct vsp_env *env, void *cfg)
{
	(void)env;
	if (!vnc_given) {
		log_err("--vnc-web needs --vnc (the port it serves the files on)");
		return NULL;
	}
	(void)cfg;		/* freed after this: the state is only a token */
	return vnc_web_dir;
}

static void vnc_web_type_destroy(void *state)
{
	(void)state;
}

const struct vsp_type vnc_web_vsp_type = {
	.name = "vnc-web",
	.option = "vnc-web",
	.arg = "DIR",
	.help = "serve noVNC's files from DIR (Debian's novnc: " VNC_WEB_DEFAULT_DIR
		") on the --vnc port: http://ADDR:PORT/vnc.html",
	.parse = vnc_web_type_parse,
	.cfg_free = free,
	.create = vnc_web_type_create,
	.destroy = vnc_web_type_destroy,
};
