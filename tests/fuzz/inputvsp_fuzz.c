// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: the host's parsers of synthetic keyboard and mouse
 * messages from the guest (hostside/inputvsp/input_proto.c). Input: byte 0
 * picks the device (bit 0: mouse); then messages, each a byte of length
 * and that many bytes, fed to one fresh device; after each, a report or
 * keystroke is built as the host would send one. Each message is copied
 * to a buffer of its exact size, so ASan sees any read past it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/inputvsp/input_proto.h"

int log_verbose;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct synthkbd k;
	struct synthhid m;
	struct input_replies out;
	uint8_t ev[64];
	bool mouse;

	if (!size)
		return 0;
	mouse = data[0] & 1;
	data++;
	size--;
	synthkbd_init(&k);
	synthhid_init(&m);
	while (size) {
		uint32_t len = data[0];
		uint8_t *msg;

		data++;
		size--;
		if (len > size)
			len = (uint32_t)size;
		msg = malloc(len ? len : 1);
		if (!msg)
			break;
		memcpy(msg, data, len);
		if (mouse)
			(void)synthhid_handle(&m, msg, len, &out);
		else
			(void)synthkbd_handle(&k, msg, len, &out);
		free(msg);
		data += len;
		size -= len;
		for (unsigned int i = 0; i < out.n; i++)
			if (out.len[i] > INPUT_REPLY_SIZE)
				abort();
		if (mouse && m.ready && !synthhid_input_report(ev, sizeof(ev), 1, 2, 3, 4))
			abort();
		if (!mouse && k.ready)
			(void)synthkbd_keystroke(ev, (struct scancode){ 0x1e, true }, false);
	}
	pthread_mutex_destroy(&k.rl.lock);
	pthread_mutex_destroy(&m.rl.lock);
	return 0;
}
