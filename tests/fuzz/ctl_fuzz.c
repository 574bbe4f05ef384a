// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer: the control socket's request parser (ctl_request) fed any
 * bytes a client could send, over a fresh ctl each run with stand-in
 * commands (the real ones would open files the input names). Every
 * request must get an answer that is a JSON object and survives a round
 * trip through its own text; a command only ever sees one line of
 * printable text of bounded length.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/ctl/ctl.h"

int log_verbose;

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

static int cmd_echo(void *opaque, const char *args, struct json_object *reply,
		    const char **err)
{
	size_t len = strlen(args);

	(void)opaque;
	if (len > CTL_MAX_LINE)
		abort();
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)args[i] < 0x20 && args[i] != '\t')
			abort();
	if (len && (args[0] == ' ' || args[len - 1] == ' '))
		abort();		/* blanks around the arguments are trimmed */
	if (!strcmp(args, "fail")) {
		*err = "asked to fail";
		return -1;
	}
	json_object_object_add(reply, "args", json_object_new_string(args));
	return 0;
}

static const struct ctl_command cmds[] = {
	{ "echo", "ARGS", "answer the arguments", cmd_echo },
	{ "e", "", "a one-letter name", cmd_echo },
};
static const struct ctl_command absent_cmds[] = {
	{ "gone", "", "a device that is not there", cmd_echo },
};

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct ctl *ctl = ctl_new();
	struct json_object *o, *back;
	const char *s;
	int dummy;

	if (!ctl)
		return 0;
	ctl_add(ctl, cmds, 2, &dummy, "");
	ctl_add(ctl, absent_cmds, 1, NULL, "no such device");
	o = ctl_request(ctl, (const char *)in, size);
	if (!o || !json_object_is_type(o, json_type_object))
		abort();
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	back = json_tokener_parse(s);
	if (!back || !json_object_equal(o, back))
		abort();
	json_object_put(back);
	json_object_put(o);
	ctl_free(ctl);
	return 0;
}
