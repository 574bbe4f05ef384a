// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: the host's parsers of integration-service answers
 * (hostside/icvsp: a negotiation answer, each service's answer) and
 * lib/ic_negotiate (the host's check, the guest's choice). Input: byte 0
 * picks the service (bit 0: shutdown, else heartbeat) and whether it is
 * negotiated already (bit 1); the rest is one packet as the ring hands it
 * over (descriptor first). Each input gets fresh services.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/icvsp/ic.h"
#include "lib/ic_negotiate.h"

int log_verbose;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t fw[] = OVB_IC_FW_VERSIONS;
	static const uint32_t srv[] = { IC_SHUTDOWN_VERSION_3_2, IC_SHUTDOWN_VERSION_1 };
	struct ovb_ic_versions v = { fw, srv, OVB_IC_NR_FW_VERSIONS, 2 };
	struct vmbus_device *dev;
	struct ic_service *ic;
	uint8_t *copy;
	uint32_t f, s;

	if (!size || size > IC_BUF_SIZE + 64)
		return 0;
	dev = data[0] & 1 ? icvsp_shutdown_new() : icvsp_heartbeat_new();
	if (!dev)
		return 0;
	ic = dev->priv;
	ic->st.negotiated = (data[0] & 2) != 0;
	/* An exact-size copy, so ASan sees any read past the packet. */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (copy) {
		memcpy(copy, data + 1, size - 1);
		ic_handle_packet(ic, copy, (uint32_t)(size - 1));
		/* The same bytes as a negotiation body, both ways. */
		(void)ovb_ic_negotiate_check(copy, (uint32_t)(size - 1), &v, &f, &s);
		(void)ovb_ic_negotiate_answer(copy, (uint32_t)(size - 1), &v, &f, &s);
		free(copy);
	}
	icvsp_free(dev);
	return 0;
}
