// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * netvsp's offloads (offload=on): the capabilities the guest is offered,
 * and a guest send's checksum and LSOv2 per-packet info as the TAP's
 * virtio-net header wants them, with the LSO fix-ups Linux's GSO needs
 * (netvsc_xmit zeroes the IPv4 total length and checksum, the IPv6 payload
 * length, and seeds the TCP checksum without the length).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hostside/netvsp/netvsp.h"
#include "ovb/nvsp.h"
#include "ovb/ring.h"
#include "ovb/rndis.h"
#include "tests/unit/netvsp_fakeio.h"

#define PAGE 4096u

static int setup(void **state)
{
	struct netvsp_fake *f = nf_new_offload();

	*state = f;
	return f && !nf_bringup(f, OVB_NVSP_VERSION_61) ? 0 : -1;
}

static int teardown(void **state)
{
	nf_free(*state);
	return 0;
}

/* A TCP/IPv4 frame as netvsc hands an LSO send over: lengths and checksum zeroed, seed without length. */
static uint32_t tcp4_lso_frame(uint8_t *f, uint32_t payload)
{
	uint32_t len = 14 + 20 + 20 + payload;

	memset(f, 0, 54);
	for (uint32_t i = 54; i < len; i++)
		f[i] = (uint8_t)(i * 31 + 7);
	f[12] = 0x08;
	f[14] = 0x45;
	f[14 + 8] = 64;
	f[14 + 9] = 6;
	memcpy(f + 26, (uint8_t[]){ 10, 77, 0, 2, 10, 77, 0, 1 }, 8);
	f[34 + 12] = 5 << 4;	/* data offset: 20 bytes */
	f[34 + 13] = 0x18;
	{
		uint32_t seed = nf_fold(nf_sum16(f + 26, 8, 6));

		f[34 + 16] = (uint8_t)(seed >> 8);
		f[34 + 17] = (uint8_t)seed;
	}
	return len;
}

static void test_caps_offered(void **state)
{
	struct netvsp_fake *f = *state, *plain = nf_new();
	struct ndis_offload o;
	const uint8_t *info;
	uint32_t st, n;

	info = nf_query(f, RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES, &st, &n);
	assert_non_null(info);
	memset(&o, 0, sizeof(o));
	memcpy(&o, info, n);
	/* What rndis_netdev_set_hwcaps needs for IP_CSUM, TSO, IPV6_CSUM and TSO6. */
	assert_int_equal(o.csum.ip4_txcsum & 0x14, 0x14);
	assert_int_equal(o.csum.ip6_txcsum & 0x15, 0x15);
	assert_true(o.lsov2.ip4_encap & NDIS_OFFLOAD_ENCAP_8023);
	assert_true(o.lsov2.ip6_encap & NDIS_OFFLOAD_ENCAP_8023);
	assert_int_equal(o.lsov2.ip6_opts & 5, 5);
	assert_true(o.lsov2.ip4_maxsz > 1514 && o.lsov2.ip4_maxsz < 65536);
	/* No RSC: the guest keeps LRO off. */
	assert_int_equal(o.rsc.ip4, 0);
	/* Without offload=on: an empty object. */
	assert_non_null(plain);
	assert_int_equal(nf_bringup(plain, OVB_NVSP_VERSION_61), 0);
	info = nf_query(plain, RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES, &st, &n);
	memcpy(&o, info, n);
	assert_int_equal(o.csum.ip4_txcsum, 0);
	assert_int_equal(o.lsov2.ip4_encap, 0);
	nf_free(plain);
}

static void test_tx_checksum(void **state)
{
	struct netvsp_fake *f = *state;
	uint8_t fr[200], msg[400];
	uint32_t len;

	memset(fr, 0, sizeof(fr));
	fr[12] = 0x08;
	len = nf_build_data_ppi(msg, fr, sizeof(fr), RNDIS_PPI_TCPIP_CHKSUM,
				RNDIS_CSUM_TX_IPV4 | RNDIS_CSUM_TX_TCP | 34u << 16);
	nf_rndis_section(f, 3, msg, len);
	assert_int_equal(f->nframes, 1);
	assert_int_equal(f->frame_len, sizeof(fr));
	assert_int_equal(f->meta.flags, NETVSP_TX_NEEDS_CSUM);
	assert_int_equal(f->meta.csum_start, 34);
	assert_int_equal(f->meta.csum_offset, 16);
	assert_int_equal(f->meta.gso_type, NETVSP_GSO_NONE);
	len = nf_build_data_ppi(msg, fr, sizeof(fr), RNDIS_PPI_TCPIP_CHKSUM,
				RNDIS_CSUM_TX_IPV6 | RNDIS_CSUM_TX_UDP | 54u << 16);
	nf_rndis_section(f, 3, msg, len);
	assert_int_equal(f->meta.csum_start, 54);
	assert_int_equal(f->meta.csum_offset, 6);
	/* No PPI: nothing asked. */
	len = nf_build_data(msg, fr, sizeof(fr));
	nf_rndis_section(f, 3, msg, len);
	assert_int_equal(f->meta.flags, 0);
	/* A checksum field past the frame: dropped. */
	len = nf_build_data_ppi(msg, fr, sizeof(fr), RNDIS_PPI_TCPIP_CHKSUM,
				RNDIS_CSUM_TX_IPV4 | RNDIS_CSUM_TX_TCP | 190u << 16);
	nf_rndis_section(f, 3, msg, len);
	assert_int_equal(f->nframes, 3);
	assert_int_equal(nf_bad_packets(f), 1);
}

static void test_lso_v4_fixups(void **state)
{
	struct netvsp_fake *f = *state;
	static uint8_t fr[14 + 40 + 30000], msg[sizeof(fr) + 64];
	uint32_t flen = tcp4_lso_frame(fr, 30000), len, tcplen = flen - 34;

	len = nf_build_data_ppi(msg, fr, flen, RNDIS_PPI_TCP_LARGESEND,
				RNDIS_LSO_TX_V2 | 34u << 20 | 1448u);
	nf_send_gpa(f, msg, len);
	assert_int_equal(nf_last_comp(f)->msg.u.rndis_pkt_complete.status, NVSP_STAT_SUCCESS);
	assert_int_equal(f->nframes, 1);
	assert_int_equal(f->frame_len, flen);
	assert_int_equal(f->meta.gso_type, NETVSP_GSO_TCPV4);
	assert_int_equal(f->meta.gso_size, 1448);
	assert_int_equal(f->meta.hdr_len, 54);
	assert_int_equal(f->meta.csum_start, 34);
	assert_int_equal(f->meta.csum_offset, 16);
	assert_int_equal(f->meta.flags, NETVSP_TX_NEEDS_CSUM);
	/* IPv4 total length and a header checksum that verifies. */
	assert_int_equal(nf_be16(f->frame + 16), flen - 14);
	assert_int_equal(nf_fold(nf_sum16(f->frame + 14, 20, 0)), 0xffff);
	/* The TCP seed now holds the pseudo-header with the length, as tcp_gso_segment wants. */
	assert_int_equal(nf_be16(f->frame + 34 + 16), nf_fold(nf_sum16(f->frame + 26, 8, 6 + tcplen)));
	/* The payload is untouched. */
	assert_memory_equal(f->frame + 54, fr + 54, 30000);
	assert_int_equal(nf_bad_packets(f), 0);
}

static void test_lso_v6_fixups(void **state)
{
	struct netvsp_fake *f = *state;
	static uint8_t fr[14 + 40 + 20 + 5000], msg[sizeof(fr) + 64];
	uint32_t flen = sizeof(fr), len, tcplen = flen - 54;

	memset(fr, 0, sizeof(fr));
	fr[12] = 0x86;
	fr[13] = 0xdd;
	fr[14] = 0x60;
	fr[14 + 6] = 6;
	for (int i = 0; i < 32; i++)
		fr[14 + 8 + i] = (uint8_t)(i + 1);
	fr[54 + 12] = 8 << 4;	/* 32 bytes of TCP header (options) */
	len = nf_build_data_ppi(msg, fr, flen, RNDIS_PPI_TCP_LARGESEND,
				RNDIS_LSO_TX_V2 | RNDIS_LSO_TX_IPV6 | 54u << 20 | 1400u);
	nf_send_gpa(f, msg, len);
	assert_int_equal(f->nframes, 1);
	assert_int_equal(f->meta.gso_type, NETVSP_GSO_TCPV6);
	assert_int_equal(f->meta.hdr_len, 54 + 32);
	assert_int_equal(nf_be16(f->frame + 18), flen - 54);
	assert_int_equal(nf_be16(f->frame + 54 + 16), nf_fold(nf_sum16(f->frame + 22, 32, 6 + tcplen)));
	assert_int_equal(nf_bad_packets(f), 0);
}

/* LSO info that contradicts the frame: dropped and counted, never handed to the kernel. */
static void test_lso_bad(void **state)
{
	struct netvsp_fake *f = *state;
	static uint8_t fr[14 + 40 + 3000], msg[sizeof(fr) + 64];
	uint32_t flen = tcp4_lso_frame(fr, 3000), len;
	static const uint32_t lso[] = {
		RNDIS_LSO_TX_V2 | 30u << 20 | 1448u,		/* TCP offset inside the IP header */
		RNDIS_LSO_TX_V2 | 34u << 20 | 0u,		/* MSS 0 */
		RNDIS_LSO_TX_V2 | RNDIS_LSO_TX_IPV6 | 54u << 20 | 1400u,	/* v6 on a v4 frame */
		RNDIS_LSO_TX_V2 | 1000u << 20 | 1448u,		/* past the frame's headers */
	};

	for (unsigned int i = 0; i < sizeof(lso) / sizeof(lso[0]); i++) {
		len = nf_build_data_ppi(msg, fr, flen, RNDIS_PPI_TCP_LARGESEND, lso[i]);
		nf_send_gpa(f, msg, len);
		assert_int_equal(nf_bad_packets(f), i + 1);
	}
	/* A PPI list that runs past the message. */
	len = nf_build_data_ppi(msg, fr, flen, RNDIS_PPI_TCP_LARGESEND, lso[0]);
	{
		struct rndis_packet p;

		memcpy(&p, msg + 8, sizeof(p));
		p.per_pkt_info_len = 0x10000;
		memcpy(msg + 8, &p, sizeof(p));
	}
	nf_send_gpa(f, msg, len);
	assert_int_equal(nf_bad_packets(f), 5);
	assert_int_equal(f->nframes, 0);
	/* A big frame without offload=on is dropped too (larger than the MTU). */
	{
		struct netvsp_fake *plain = nf_new();

		assert_int_equal(nf_bringup(plain, OVB_NVSP_VERSION_61), 0);
		len = nf_build_data_ppi(msg, fr, flen, RNDIS_PPI_TCP_LARGESEND,
					RNDIS_LSO_TX_V2 | 34u << 20 | 1448u);
		nf_send_gpa(plain, msg, len);
		assert_int_equal(plain->nframes, 0);
		assert_int_equal(nf_bad_packets(plain), 1);
		nf_free(plain);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_caps_offered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lso_v4_fixups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lso_v6_fixups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lso_bad, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
