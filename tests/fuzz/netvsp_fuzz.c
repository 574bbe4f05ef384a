// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: netvsp's guest-facing parsing (NVSP packets, the
 * GPA-direct ranges, RNDIS messages in send sections and ranges, the
 * guest's completions of receive sections), over the fake channel of
 * tests/unit/netvsp_fakeio.h with guest RAM between guard pages.
 *
 * Input: byte 0 bit 0 = bring the NIC up first (Linux's sequence, at the
 * NVSP version byte 1 picks), bit 1 = offer offloads (checksum, LSO), then up to 64 operations, each an op byte:
 *   0: a raw packet: u16 length, then that many bytes (descriptor first)
 *   1: RNDIS bytes in a send section: u16 section, u16 length, the bytes
 *   2: bytes into guest RAM (for GPA ranges): u16 page offset, u16 length, the bytes
 *   3: the guest completes transfer-page packet u16
 *   4: a frame of u16 bytes from the TAP to the guest: a flags byte (bit 0:
 *      the TAP vouched for its checksum), its first bytes (up to 64: a VLAN
 *      tag, IP headers) from the input, the rest filler
 *   5: link down or up (bit 0 of the next byte), indicated to the guest
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_input.h"
#include "tests/unit/netvsp_fakeio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t versions[] = { 0x60001, 0x60000, 0x50000, 0x40000, 0x30002, 0x2 };

static uint8_t buf[65536 + 16] __attribute__((aligned(8)));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = { data, size };
	uint8_t state = fz_u8(&in), ver = fz_u8(&in);
	struct netvsp_fake *f = state & 2 ? nf_new_offload() : nf_new();

	if (!f)
		abort();
	if (state & 1)
		nf_bringup(f, versions[ver % 6]);
	for (int n = 0; n < 64 && in.left; n++) {
		uint8_t op = fz_u8(&in);
		uint16_t a = fz_u16(&in), len;

		switch (op % 6) {
		case 0:
			fz_take(&in, buf, a);
			nf_packet(f, buf, a);
			break;
		case 1:
			len = fz_u16(&in);
			if (!f->send_section_size || len > f->send_section_size ||
			    (uint64_t)a * f->send_section_size + len > (uint64_t)NF_SEND_PAGES * 4096)
				break;
			fz_take(&in, buf, len);
			nf_rndis_section(f, a, buf, len);
			break;
		case 2:
			len = fz_u16(&in);
			if ((uint64_t)a + len > (uint64_t)(NF_RAM_PAGES - NF_FREE_PFN) * 4096)
				break;
			fz_take(&in, f->ram + (uint64_t)NF_FREE_PFN * 4096 + a, len);
			break;
		case 3:
			nf_complete_xfer(f, a);
			break;
		case 4: {
			uint8_t fl = fz_u8(&in);

			memset(buf, (int)(a & 0xff), a);
			fz_take(&in, buf, a < 64 ? a : 64);
			netvsp_rx_frame_flags(f->nv, &nf_io, f, buf, a, fl & 1);
			break;
		}
		case 5:
			netvsp_proto_set_link(f->nv, a & 1);
			netvsp_indicate_link(f->nv, &nf_io, f);
			break;
		}
	}
	nf_free(f);
	return 0;
}
