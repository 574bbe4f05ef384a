// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: what the VNC port's web server makes of a browser's
 * bytes (hostside/console/vnc_web.c) — the classifier of a connection's
 * first bytes and the request target's path. Each is given a copy of the
 * input of its exact size, so ASan sees a read past it; a path it accepts
 * must stay beneath DIR: relative, no empty, '.' or '..' segment, no
 * control character.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/console/vnc_web.h"

int log_verbose;

static void check_path(const char *p)
{
	const char *seg = p;

	if (!*p || *p == '/')
		abort();
	for (const char *c = p;; c++) {
		if (*c == '/' || !*c) {
			if (c == seg || *seg == '.')
				abort();
			if (!*c)
				break;
			seg = c + 1;
		} else if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1), out[256];

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (vnc_web_is_file_request(buf, size) > 1)
		abort();
	if (!vnc_web_path(buf, size, out, sizeof(out))) {
		check_path(out);
		(void)vnc_web_content_type(out);
	}
	free(buf);
	return 0;
}
