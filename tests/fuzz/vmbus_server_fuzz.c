// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer: hostile channel messages into the VMBus server. Each run
 * starts a connection (INITIATE_CONTACT 5.3, REQUESTOFFERS) so the fuzzer
 * spends its time past the handshake, then feeds the input as a sequence
 * of messages: a length byte, then that many bytes. GPADLs point into a
 * small fake RAM (the fake guest's), devices are the real IC VSPs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/fakeguest.h"
#include "hostside/vmbus/server.h"
#include "hostside/icvsp/icvsp.h"

int log_verbose;
int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

static struct fakeguest *fg;

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	struct vmbus_channel_initiate_contact c = { .header.msgtype = CHANNELMSG_INITIATE_CONTACT,
		.vmbus_version_requested = OVB_VMBUS_VERSION_WIN10_V5_3 };
	struct vmbus_channel_empty req = { .header.msgtype = CHANNELMSG_REQUESTOFFERS };
	struct vmbus_server *srv;
	struct vmbus_device *hb, *sd;

	if (!fg)
		fg = fg_new();
	fg->nposted = fg->nread = 0;
	srv = vmbus_server_new((const struct vmbus_server_ops *)&fg_ops, fg, 2);
	hb = icvsp_heartbeat_new();
	sd = icvsp_shutdown_new();
	vmbus_server_add_device(srv, hb);
	vmbus_server_add_device(srv, sd);
	c.u.v5.msg_sint = 2;
	vmbus_server_handle_msg(srv, 0, &c, sizeof(c));
	vmbus_server_handle_msg(srv, 0, &req, sizeof(req));

	while (size > 0) {
		size_t n = in[0];
		uint8_t msg[256];

		in++;
		size--;
		if (n > size)
			n = size;
		/* Copy to an exact-size heap buffer so ASan sees any overread. */
		memcpy(msg, in, n);
		{
			uint8_t *exact = malloc(n ? n : 1);

			memcpy(exact, msg, n);
			vmbus_server_handle_msg(srv, 0, exact, (uint32_t)n);
			free(exact);
		}
		in += n;
		size -= n;
	}
	vmbus_server_free(srv);
	icvsp_free(hb);
	icvsp_free(sd);
	if (fg->mapped_rings)
		abort();	/* every ring mapping was undone */
	return 0;
}
