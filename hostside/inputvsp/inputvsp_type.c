// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The synthetic keyboard and mouse as ovb-host device types
 * (hostside/devices.h): `--keyboard us` offers the keyboard (`ovbctl type
 * TEXT`, `ovbctl key COMBO`), `--mouse absolute` the mouse (`ovbctl mouse
 * X Y [BUTTONS]`, X and Y in pixels of the guest's screen). Both also
 * take the VNC clients' input (hostside/console).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/console/console.h"
#include "hostside/ctl/ctl.h"
#include "hostside/devices.h"
#include "hostside/inputvsp/input_proto.h"
#include "hostside/inputvsp/inputvsp.h"
#include "hostside/log.h"
#include "hostside/videovsp/videovsp.h"

#define COMBO_MAX	8

static int input_parse(void **cfgp, const char *arg, const char *want, const char *opt)
{
	static char on;

	if (strcmp(arg, want)) {
		log_err("bad --%s '%s' (only '%s')", opt, arg, want);
		return -1;
	}
	*cfgp = &on;
	return 0;
}

static int keyboard_parse(void **cfgp, const char *arg)
{
	return input_parse(cfgp, arg, "us", "keyboard");
}

static int mouse_parse(void **cfgp, const char *arg)
{
	return input_parse(cfgp, arg, "absolute", "mouse");
}

static void *keyboard_create(const struct vsp_env *env, void *cfg)
{
	struct vmbus_device *dev = inputvsp_keyboard_new();

	(void)env;
	(void)cfg;
	console_set_keyboard(dev);
	return dev;
}

static void *mouse_create(const struct vsp_env *env, void *cfg)
{
	struct vmbus_device *dev = inputvsp_mouse_new();

	(void)env;
	(void)cfg;
	console_set_mouse(dev);
	return dev;
}

static struct vmbus_device *input_device(void *dev)
{
	return dev;
}

static void keyboard_destroy(void *dev)
{
	console_set_keyboard(NULL);
	inputvsp_free(dev);
}

static void mouse_destroy(void *dev)
{
	console_set_mouse(NULL);
	inputvsp_free(dev);
}

static void input_status(void *dev, struct json_object *e)
{
	struct inputvsp_status st;

	inputvsp_get_status(dev, &st);
	json_object_object_add(e, "open", json_object_new_boolean(st.open));
	json_object_object_add(e, "ready", json_object_new_boolean(st.ready));
	json_object_object_add(e, "messages", json_object_new_int64((int64_t)st.msgs));
	json_object_object_add(e, "errors", json_object_new_int64((int64_t)st.errors));
	json_object_object_add(e, "events", json_object_new_int64((int64_t)st.events));
	json_object_object_add(e, "dropped", json_object_new_int64((int64_t)st.dropped));
	if (st.leds_known)
		json_object_object_add(e, "leds", json_object_new_int64(st.leds));
}

static int input_error(int ret, const char **err)
{
	*err = ret == -ENODEV ? "the guest's driver is not connected" :
				"too many events queued; try again";
	return -1;
}

/* One key pressed and released, with Shift around it if @shift. */
static int type_key(void *dev, struct scancode sc, bool shift)
{
	struct scancode sh = { SC_LSHIFT, false };
	int ret = shift ? inputvsp_key(dev, sh, true) : 0;

	if (!ret)
		ret = inputvsp_key(dev, sc, true);
	if (!ret)
		ret = inputvsp_key(dev, sc, false);
	if (!ret && shift)
		ret = inputvsp_key(dev, sh, false);
	return ret;
}

/* `type TEXT`: US layout; "\n" is Enter, "\t" Tab, "\\" a backslash. */
static int cmd_type(void *dev, const char *args, struct json_object *reply, const char **err)
{
	unsigned int n = 0;

	/* Every character first, so nothing is typed of a line that cannot be. */
	for (int pass = 0; pass < 2; pass++) {
		for (const char *p = args; *p; p++) {
			struct scancode sc;
			bool shift;
			char c = *p;
			int ret;

			if (c == '\\' && (p[1] == 'n' || p[1] == 't' || p[1] == '\\'))
				c = *++p == 'n' ? '\n' : *p == 't' ? '\t' : '\\';
			if (scancode_of_char(c, &sc, &shift)) {
				*err = "a character not on a US keyboard";
				return -1;
			}
			if (!pass)
				continue;
			ret = type_key(dev, sc, shift);
			if (ret)
				return input_error(ret, err);
			n++;
		}
	}
	json_object_object_add(reply, "keys", json_object_new_int64(n));
	return 0;
}

/* `key ctrl-alt-delete`: each key down in order, then up in reverse. */
static int cmd_key(void *dev, const char *args, struct json_object *reply, const char **err)
{
	struct scancode sc[COMBO_MAX];
	char buf[CTL_MAX_LINE + 1], *save = NULL, *tok;
	unsigned int n = 0;
	int ret = 0;

	snprintf(buf, sizeof(buf), "%s", args);
	for (tok = strtok_r(buf, "-+ ", &save); tok; tok = strtok_r(NULL, "-+ ", &save)) {
		if (n == COMBO_MAX || scancode_of_name(tok, &sc[n])) {
			*err = n == COMBO_MAX ? "at most 8 keys at once" :
						"unknown key (a character, or ctrl alt shift delete enter esc tab f1..f12 up down left right home end ...)";
			return -1;
		}
		n++;
	}
	if (!n) {
		*err = "usage: key KEY[-KEY...], e.g. ctrl-alt-delete";
		return -1;
	}
	for (unsigned int i = 0; i < n && !ret; i++)
		ret = inputvsp_key(dev, sc[i], true);
	for (unsigned int i = n; i-- > 0 && !ret;)
		ret = inputvsp_key(dev, sc[i], false);
	if (ret)
		return input_error(ret, err);
	json_object_object_add(reply, "keys", json_object_new_int64(n));
	return 0;
}

/* The guest's screen size, for pixels to the mouse's 0..32767 (1024x768 without one). */
static void screen_size(uint32_t *w, uint32_t *h)
{
	struct videovsp_status st;

	*w = 1024;
	*h = 768;
	if (!console_video())
		return;
	videovsp_get_status(console_video(), &st);
	if (st.mode.active) {
		*w = st.mode.width;
		*h = st.mode.height;
	}
}

static int cmd_mouse(void *dev, const char *args, struct json_object *reply, const char **err)
{
	unsigned int x, y, buttons = 0;
	uint32_t w, h;
	int n = sscanf(args, "%u %u %u", &x, &y, &buttons);
	int ret;

	if (n < 2 || buttons > 7) {
		*err = "usage: mouse X Y [BUTTONS] (pixels; buttons 1 left, 2 right, 4 middle)";
		return -1;
	}
	screen_size(&w, &h);
	ret = inputvsp_pointer(dev, input_scale(x, w), input_scale(y, h), (uint8_t)buttons, 0);
	if (ret)
		return input_error(ret, err);
	json_object_object_add(reply, "x", json_object_new_int64(input_scale(x, w)));
	json_object_object_add(reply, "y", json_object_new_int64(input_scale(y, h)));
	return 0;
}

static const struct ctl_command keyboard_cmds[] = {
	{ "type", "TEXT", "type TEXT on the synthetic keyboard (US; \\n is Enter)", cmd_type },
	{ "key", "KEY[-KEY...]", "press keys together, e.g. ctrl-alt-delete", cmd_key },
};

static const struct ctl_command mouse_cmds[] = {
	{ "mouse", "X Y [BUTTONS]", "move the synthetic mouse to pixel X,Y (buttons: 1 2 4)",
	  cmd_mouse },
};

const struct vsp_type keyboard_vsp_type = {
	.name = "keyboard",
	.option = "keyboard",
	.arg = "us",
	.help = "offer the synthetic keyboard (ovbctl type, key; VNC)",
	.parse = keyboard_parse,
	.create = keyboard_create,
	.device = input_device,
	.destroy = keyboard_destroy,
	.status = input_status,
	.cmds = keyboard_cmds,
	.ncmds = sizeof(keyboard_cmds) / sizeof(keyboard_cmds[0]),
};

const struct vsp_type mouse_vsp_type = {
	.name = "mouse",
	.option = "mouse",
	.arg = "absolute",
	.help = "offer the synthetic mouse, an absolute pointer (ovbctl mouse; VNC)",
	.parse = mouse_parse,
	.create = mouse_create,
	.device = input_device,
	.destroy = mouse_destroy,
	.status = input_status,
	.cmds = mouse_cmds,
	.ncmds = sizeof(mouse_cmds) / sizeof(mouse_cmds[0]),
};
