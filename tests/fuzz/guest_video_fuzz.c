// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer: ovb_video (videovsc/, built against tests/fuzz/guestshim
 * with video_shim.h standing in for the VRAM mapping, the bus's MMIO and
 * fb.c) under a hostile host: the input is a script of stub_video_host.h:
 * what the offer and the guest's allocations do, the host's answers to
 * the driver's requests, then packets, drawing, mode changes and work
 * runs. The real probe, negotiation, callback, parser, damage and flush
 * run on it. Checked (aborts): the budget per callback run; only the
 * protocol's messages, of their sizes, are sent; versions in order; modes
 * that fit the VRAM; dirty rectangles inside the mode the host knows, and
 * only once asked for (ASan: the flush's copies stay inside the VRAM and
 * the shadow, the parser inside the packet); after remove no channel,
 * mapping, MMIO or framebuffer is left (and LSan: no memory).
 */
#include "tests/fuzz/guestshim/shim.h"
#include "tests/fuzz/guestshim/video_shim.h"

#include "videovsc/video.c"
#include "videovsc/video_proto.c"

#include "tests/fuzz/guestshim/stub_bus.h"
/* Every size class of the test's table, but small: a 16 MiB shadow per run is slow. */
#define HOST_VRAM_MB	4, 4, 2, 1, 0, 129, 3, 4
#include "tests/fuzz/guestshim/stub_video_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	if (host_probe(in, size)) {
		/* A failed probe leaves nothing behind either. */
		shim_run_work();
		if (stub_chan.open || video_shim_mapped || video_shim_mmio_live ||
		    video_shim_fb.registered)
			abort();
		return 0;
	}
	host_run();
	host_remove();
	return 0;
}
