// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer: a hostile writer. The input is the peer's side of a ring: the
 * first bytes become write_index / read_index / pending_send_sz and a
 * script of index changes, the rest the data area. The reader must never
 * read outside its memory (ASan watches), must return only packets whose
 * descriptor is consistent, and must stay failed once failed.
 * The same script then plays a hostile reader against our writer: it
 * moves read_index and interrupt_mask at will, and the writer must never
 * write outside the data area either.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ring.h"

#define FZ_RING 512u

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static struct ovb_ring_ctl ctl;
	u8 *data, out[FZ_RING];
	struct ovb_ring rx;
	u32 script[8] = { 0 }, len;
	ovb_bool sig;
	int step;

	if (size < sizeof(script))
		return 0;
	memcpy(script, in, sizeof(script));
	in += sizeof(script);
	size -= sizeof(script);

	data = malloc(FZ_RING);	/* exact size: ASan catches any overrun */
	memset(data, 0, FZ_RING);
	memcpy(data, in, size < FZ_RING ? size : FZ_RING);
	ovb_ring_ctl_reset(&ctl);
	ctl.pending_send_sz = script[0];
	if (ovb_ring_rx_init(&rx, &ctl, data, FZ_RING, 0))
		abort();

	for (step = 1; step < 8; step++) {
		ctl.write_index = script[step];	/* the peer moves, validly or not */
		for (int n = 0; n < 64; n++) {
			int ret = ovb_ring_rx_peek(&rx, out, (step & 1) ? sizeof(out) : 40, &len);

			if (ret == 0) {
				struct ovb_vmpacket_desc d;

				memcpy(&d, out, sizeof(d));
				if ((u32)d.len8 * 8 != len || d.offset8 < 2 || d.offset8 > d.len8)
					abort();
			} else if (ret != -EMSGSIZE) {
				break;
			}
			ovb_ring_rx_advance(&rx);
			if (rx.own_index >= FZ_RING || (rx.own_index & 7))
				abort();
		}
		ovb_ring_rx_commit(&rx, &sig);
		if (ovb_ring_failed(&rx) &&
		    ovb_ring_rx_peek(&rx, out, sizeof(out), &len) != -EIO)
			abort();
	}

	/* Hostile reader: the script's values become read_index / mask. */
	struct ovb_ring tx;

	memset(data, 0, FZ_RING);
	ovb_ring_ctl_reset(&ctl);
	if (ovb_ring_tx_init(&tx, &ctl, data, FZ_RING, 0))
		abort();
	for (step = 0; step < 8; step++) {
		u32 plen = script[step] % 200;
		int ret;

		ctl.read_index = script[(step + 1) & 7] >> (step & 3);
		ctl.interrupt_mask = script[step] & 0x100;
		ret = ovb_ring_tx_inband(&tx, OVB_VMPKT_DATA_INBAND, 0, step,
					 in, size < plen ? (u32)size : plen,
					 (step & 1) ? &sig : NULL);
		if (ret && ret != -EAGAIN && ret != -EIO)
			abort();
		if (tx.own_index >= FZ_RING || (tx.own_index & 7))
			abort();
		if (ovb_ring_failed(&tx) &&
		    ovb_ring_tx_inband(&tx, 6, 0, 0, NULL, 0, &sig) != -EIO)
			abort();
	}
	ovb_ring_tx_signal(&tx, &sig);
	free(data);
	return 0;
}
