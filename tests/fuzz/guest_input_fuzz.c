// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer: ovb_input (inputvsc/, built against tests/fuzz/guestshim with
 * its HID and serio cores in input_shim.h) under a hostile host: the input
 * is a script of stub_input_host.h: which device, the host's answers to
 * the driver's request, then packets, atkbd's writes and work runs. The
 * real probe, callback, parsers, HID transport and serio port run on it.
 * Checked (aborts): a callback run reads at most its budget; the driver
 * sends only the protocol's messages; a report it gives the HID core is
 * 1 to 16 bytes, the report descriptor it parses 1 to 4096 bytes, read
 * whole (ASan: no byte past what the host sent); serio bytes only on a
 * registered port; after remove no HID device, port or channel is left
 * (and LSan: no memory).
 */
#include "tests/fuzz/guestshim/shim.h"
#include "tests/fuzz/guestshim/input_shim.h"

#include "inputvsc/input.c"
#include "inputvsc/input_proto.c"
#include "inputvsc/mouse.c"
#include "inputvsc/keyboard.c"

#include "tests/fuzz/guestshim/stub_bus.h"
#include "tests/fuzz/guestshim/stub_input_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	if (host_probe(in, size)) {
		/* A failed probe leaves nothing behind either. */
		if (stub_chan.open || input_shim_hid_live || input_shim_serio)
			abort();
		shim_run_work();
		return 0;
	}
	host_run();
	host_remove();
	return 0;
}
