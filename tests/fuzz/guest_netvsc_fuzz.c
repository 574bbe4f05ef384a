// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer: ovb_netvsc's parsers of host bytes (netvsc/netvsc_proto.c,
 * built as it is against tests/fuzz/guestshim). The input's first byte
 * picks the parser; the rest is the host's bytes, in a buffer of exactly
 * that size (ASan: nothing read past what the host sent).
 *   0: an NVSP message, then both buffer layouts of it for a buffer size
 *      taken from its first 4 bytes;
 *   1: a transfer-page range against a buffer size (the next 4 bytes);
 *   2: an RNDIS message, as a range of the receive buffer;
 *   3: the host's offload capabilities (what we then turn on).
 * Checked (aborts): what a parser accepts is consistent with what the
 * driver then does with it: layouts fit the buffer, a range lies inside
 * it, a frame, an information buffer and the message lie inside the bytes
 * given, a data packet's frame is not empty.
 */
#include "tests/fuzz/guestshim/shim.h"

#include "netvsc/netvsc_proto.c"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

static void fuzz_nvsp(const u8 *p, u32 len)
{
	struct ovb_nvsp_msg m;
	u32 buf_size = 0, sz = 0, n = 0;

	if (len >= 4)
		memcpy(&buf_size, p, 4);
	if (ovb_nvsc_parse_nvsp(p, len, &m))
		return;
	if (!ovb_nvsc_recv_buf_layout(&m, buf_size, &sz, &n) &&
	    (sz < OVB_NVSP_MIN_SECTION_SIZE || !n || (u64)sz * n > buf_size))
		abort();
	if (!ovb_nvsc_send_buf_layout(&m, buf_size, &sz, &n) &&
	    (sz < OVB_NVSP_MIN_SECTION_SIZE || sz > buf_size || (u64)sz * n > buf_size))
		abort();
}

static void fuzz_range(const u8 *p, u32 len)
{
	struct ovb_vmxfer_page_range r;
	u32 buf_size, off, n;

	if (len < 4 + sizeof(r))
		return;
	memcpy(&buf_size, p, 4);
	memcpy(&r, p + 4, sizeof(r));
	if (!ovb_nvsc_xfer_range(&r, buf_size, &off, &n) && (!n || (u64)off + n > buf_size))
		abort();
}

static bool inside(const u8 *b, u32 len, const u8 *p, u32 n)
{
	return p >= b && p <= b + len && n <= (u32)(b + len - p);
}

static void fuzz_rndis(const u8 *p, u32 len)
{
	struct ovb_rndis_rx m;

	if (ovb_rndis_parse(p, len, &m))
		return;
	switch (m.type) {
	case RNDIS_MSG_PACKET:
		if (!m.pkt.len || !inside(p, len, m.pkt.data, m.pkt.len))
			abort();
		break;
	case RNDIS_MSG_INIT_C:
	case RNDIS_MSG_QUERY_C:
	case RNDIS_MSG_SET_C:
	case RNDIS_MSG_KEEPALIVE_C:
		if (!inside(p, len, m.cmplt.body, m.cmplt.body_len) || m.cmplt.body_len < 8)
			abort();
		if (m.cmplt.info && (m.cmplt.info < m.cmplt.body + 16 ||
				     !inside(p, len, m.cmplt.info, m.cmplt.info_len)))
			abort();
		break;
	case RNDIS_MSG_INDICATE:
		break;
	default:
		abort();	/* a type we said we never take */
	}
}

static void fuzz_offloads(const u8 *p, u32 len)
{
	struct ndis_offload_params par;
	u32 max = 0, plen = 0;
	int f = ovb_nvsc_offloads(p, len, OVB_NVSP_VERSION_61, &max, &par, &plen);

	if (f < 0)
		return;
	/* TSO only with its checksum; a size only with TSO; a whole parameter block */
	if ((f & OVB_NVSC_TSO4 && !(f & OVB_NVSC_TX_TCP4)) ||
	    (f & OVB_NVSC_TSO6 && !(f & OVB_NVSC_TX_TCP6)) ||
	    (!!max != !!(f & (OVB_NVSC_TSO4 | OVB_NVSC_TSO6))) || max > OVB_NVSC_LSO_MAX ||
	    plen != sizeof(par))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	u8 *buf;
	u32 len;

	if (size < 1 || size > OVB_NVSC_MAX_RNDIS + 1)
		return 0;
	len = (u32)(size - 1);
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, in + 1, len);
	switch (in[0] % 4) {
	case 0:
		fuzz_nvsp(buf, len);
		break;
	case 1:
		fuzz_range(buf, len);
		break;
	case 2:
		fuzz_rndis(buf, len);
		break;
	default:
		fuzz_offloads(buf, len);
		break;
	}
	free(buf);
	return 0;
}
