// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A guest send's offload requests (its checksum and LSOv2 per-packet info)
 * as the TAP's virtio-net header wants them, pure.
 *
 * LSO: Linux's netvsc (netvsc_xmit) zeroes the IPv4 total length and
 * header checksum (IPv6: the payload length) and seeds the TCP checksum
 * with a pseudo-header of length 0, as Hyper-V's switch wants; Linux's
 * GSO on the TAP (tcp_gso_segment) adjusts a pseudo-header checksum that
 * includes the length. So both lengths, the IPv4 header checksum and the
 * TCP seed are rewritten before the frame goes to the TAP.
 */
#include "hostside/netvsp/netvsp.h"

#include <errno.h>
#include <string.h>

#include "ovb/rndis.h"

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static void put_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint32_t netvsp_csum_add(const uint8_t *p, uint32_t len, uint32_t sum)
{
	uint64_t s = sum;

	for (uint32_t i = 0; i + 1 < len; i += 2)
		s += be16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t netvsp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}


/* Where the IP header starts (after one VLAN tag at most) and its ethertype; 0 if unknown. */
static uint32_t netvsp_l3(const uint8_t *f, uint32_t len, uint32_t *type)
{
	uint32_t off = 12;

	if (len < 18)
		return 0;
	if (be16(f + off) == 0x8100)
		off += 4;
	*type = be16(f + off);
	return off + 2;
}

static int netvsp_lso(uint8_t *f, uint32_t len, uint32_t lso, struct netvsp_tx_meta *m)
{
	uint32_t tcp = RNDIS_LSO_TX_TCP_OFFSET(lso), mss = RNDIS_LSO_TX_MSS(lso), type = 0;
	uint32_t ip = netvsp_l3(f, len, &type), doff, tcplen, sum;
	bool v6 = lso & RNDIS_LSO_TX_IPV6;

	if (!ip || !mss || mss > 0xffff || tcp > len || len - tcp < 20)
		return -EINVAL;
	doff = (uint32_t)(f[tcp + 12] >> 4) * 4;
	tcplen = len - tcp;
	if (doff < 20 || doff > tcplen)
		return -EINVAL;
	if (!v6) {
		uint32_t ihl;

		if (type != 0x0800 || len - ip < 20 || (f[ip] >> 4) != 4)
			return -EINVAL;
		ihl = (uint32_t)(f[ip] & 15) * 4;
		if (ihl < 20 || tcp != ip + ihl || f[ip + 9] != 6 || len - ip > 0xffff)
			return -EINVAL;
		put_be16(f + ip + 2, len - ip);
		put_be16(f + ip + 10, 0);
		put_be16(f + ip + 10, ~netvsp_csum_fold(netvsp_csum_add(f + ip, ihl, 0)) & 0xffff);
		sum = netvsp_csum_add(f + ip + 12, 8, 6 + tcplen);
	} else {
		/* Extension headers may lie between: the TCP header is where the guest says. */
		if (type != 0x86dd || tcp < ip + 40 || (f[ip] >> 4) != 6 || len - ip - 40 > 0xffff)
			return -EINVAL;
		put_be16(f + ip + 4, len - ip - 40);
		sum = netvsp_csum_add(f + ip + 8, 32, 6 + (tcplen >> 16) + (tcplen & 0xffff));
	}
	put_be16(f + tcp + 16, netvsp_csum_fold(sum));
	m->flags = NETVSP_TX_NEEDS_CSUM;
	m->gso_type = v6 ? NETVSP_GSO_TCPV6 : NETVSP_GSO_TCPV4;
	m->gso_size = (uint16_t)mss;
	m->hdr_len = (uint16_t)(tcp + doff);
	m->csum_start = (uint16_t)tcp;
	m->csum_offset = 16;
	return 0;
}

int netvsp_tx_offload(uint8_t *f, uint32_t len, const uint32_t *csum, const uint32_t *lso,
		      struct netvsp_tx_meta *m)
{
	memset(m, 0, sizeof(*m));
	if (lso && (*lso & RNDIS_LSO_TX_V2))
		return netvsp_lso(f, len, *lso, m);
	if (csum && (*csum & (RNDIS_CSUM_TX_TCP | RNDIS_CSUM_TX_UDP))) {
		uint32_t start = RNDIS_CSUM_TX_TCP_OFFSET(*csum);
		uint32_t off = *csum & RNDIS_CSUM_TX_TCP ? 16 : 6;

		/* The guest left the pseudo-header sum there: the TAP's kernel finishes it. */
		if (start < 14 || start > len || len - start < off + 2)
			return -EINVAL;
		m->flags = NETVSP_TX_NEEDS_CSUM;
		m->csum_start = (uint16_t)start;
		m->csum_offset = (uint16_t)off;
	}
	return 0;
}
