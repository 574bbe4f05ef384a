/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The packets of a scripted host (stub_input_host.h, stub_video_host.h):
 * 0xff (or the end of the script): none waiting; 0xfe: one too large
 * (-EMSGSIZE); 0xfd: the channel failed (-EIO); otherwise KIND LEN16
 * BYTES: a payload of LEN % @max bytes, in-band unless KIND has bit 7 (a
 * completion then). The payload ends at the end of @buf (@max bytes), so
 * ASan sees a read past it.
 */
#ifndef OVB_GUESTSHIM_STUB_SCRIPT_H
#define OVB_GUESTSHIM_STUB_SCRIPT_H

#include "tests/fuzz/fuzz_input.h"

static int stub_script_pkt(struct fz *f, u8 *buf, u16 max, struct ovb_packet *pkt,
			   unsigned int *recv_errors)
{
	u8 kind;
	u16 len;

	if (!f->left)
		return -EAGAIN;
	kind = fz_u8(f);
	if (kind == 0xff)
		return -EAGAIN;
	if (kind == 0xfe || kind == 0xfd) {
		(*recv_errors)++;
		return kind == 0xfe ? -EMSGSIZE : -EIO;
	}
	len = fz_u16(f) % max;
	memset(pkt, 0, sizeof(*pkt));
	fz_take(f, buf + max - len, len);
	pkt->type = kind & 0x80 ? OVB_VMPKT_COMP : OVB_VMPKT_DATA_INBAND;
	pkt->data = buf + max - len;
	pkt->len = len;
	return 0;
}

#endif /* OVB_GUESTSHIM_STUB_SCRIPT_H */
