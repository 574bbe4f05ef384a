// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Synthetic video as an ovb-host device type (hostside/devices.h):
 * `--video WxH` offers it with that default resolution (one of
 * synthvid_default_modes); `ovbctl video` shows what the guest set up,
 * `ovbctl screenshot FILE.png` writes the screen as a PNG.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/console/console.h"
#include "hostside/console/png.h"
#include "hostside/ctl/ctl.h"
#include "hostside/devices.h"
#include "hostside/log.h"
#include "hostside/videovsp/videovsp.h"

struct video_cfg {
	unsigned int mode;		/* index in synthvid_default_modes */
};

static int video_type_parse(void **cfgp, const char *arg)
{
	struct video_cfg *cfg = *cfgp;
	unsigned int w, h;
	char end;

	if (sscanf(arg, "%ux%u%c", &w, &h, &end) != 2) {
		log_err("bad --video '%s' (WIDTHxHEIGHT)", arg);
		return -1;
	}
	for (unsigned int i = 0; i < synthvid_ndefault_modes; i++) {
		if (synthvid_default_modes[i].width != w || synthvid_default_modes[i].height != h)
			continue;
		if (!cfg && !(cfg = *cfgp = calloc(1, sizeof(*cfg))))
			return -1;
		cfg->mode = i;
		return 0;
	}
	log_err("--video %ux%u: not one of the resolutions offered (640x480 .. 2560x1600)", w, h);
	return -1;
}

static void *video_type_create(const struct vsp_env *env, void *cfg)
{
	struct vmbus_device *dev;

	(void)env;
	dev = videovsp_new(((struct video_cfg *)cfg)->mode, VIDEOVSP_VRAM_MB);
	console_set_video(dev);
	return dev;
}

static struct vmbus_device *video_type_device(void *dev)
{
	return dev;
}

static void video_type_destroy(void *dev)
{
	console_set_video(NULL);
	videovsp_free(dev);
}

static void video_type_status(void *dev, struct json_object *e)
{
	struct videovsp_status st;
	char s[32];

	videovsp_get_status(dev, &st);
	json_object_object_add(e, "open", json_object_new_boolean(st.open));
	snprintf(s, sizeof(s), "%u.%u", SYNTHVID_VER_MAJOR(st.version),
		 SYNTHVID_VER_MINOR(st.version));
	json_object_object_add(e, "version", st.version ? json_object_new_string(s) : NULL);
	json_object_object_add(e, "vram_gpa", json_object_new_int64((int64_t)st.vram_gpa));
	json_object_object_add(e, "active", json_object_new_boolean(st.mode.active));
	json_object_object_add(e, "width", json_object_new_int64(st.mode.width));
	json_object_object_add(e, "height", json_object_new_int64(st.mode.height));
	json_object_object_add(e, "pitch", json_object_new_int64(st.mode.pitch));
	json_object_object_add(e, "dirt_asked", json_object_new_boolean(st.dirt_asked));
	json_object_object_add(e, "messages", json_object_new_int64((int64_t)st.stats.msgs));
	json_object_object_add(e, "errors", json_object_new_int64((int64_t)st.stats.errors));
	json_object_object_add(e, "dirt_rects", json_object_new_int64((int64_t)st.stats.dirt_rects));
	json_object_object_add(e, "bad_rects", json_object_new_int64((int64_t)st.stats.bad_rects));
	json_object_object_add(e, "mode_changes",
			       json_object_new_int64((int64_t)st.stats.mode_changes));
}

static int cmd_video(void *dev, const char *args, struct json_object *reply, const char **err)
{
	(void)args;
	(void)err;
	video_type_status(dev, reply);
	return 0;
}

static int cmd_screenshot(void *dev, const char *args, struct json_object *reply,
			  const char **err)
{
	uint32_t *px, w, h;
	int ret;

	/* The host's working directory means nothing to the client. */
	if (!args || args[0] != '/' || strchr(args, ' ')) {
		*err = "usage: screenshot /ABSOLUTE/PATH.png (a new file)";
		return -1;
	}
	ret = videovsp_read_frame(dev, &px, &w, &h);
	if (ret) {
		*err = ret == -ENODEV ? "the guest shows no picture (no VRAM or no mode set)" :
					"out of memory";
		return -1;
	}
	ret = console_png_write(args, px, w, h, err);
	free(px);
	if (ret)
		return -1;
	json_object_object_add(reply, "file", json_object_new_string(args));
	json_object_object_add(reply, "width", json_object_new_int64(w));
	json_object_object_add(reply, "height", json_object_new_int64(h));
	return 0;
}

static const struct ctl_command video_cmds[] = {
	{ "video", "", "the synthetic video device: version, VRAM, mode, counters", cmd_video },
	{ "screenshot", "/PATH.png", "write the guest's screen to a new PNG file", cmd_screenshot },
};

const struct vsp_type videovsp_vsp_type = {
	.name = "videovsp",
	.option = "video",
	.arg = "WIDTHxHEIGHT",
	.help = "offer synthetic video with this default resolution (`ovbctl screenshot`)",
	.parse = video_type_parse,
	.cfg_free = free,
	.create = video_type_create,
	.device = video_type_device,
	.destroy = video_type_destroy,
	.status = video_type_status,
	.cmds = video_cmds,
	.ncmds = sizeof(video_cmds) / sizeof(video_cmds[0]),
};
