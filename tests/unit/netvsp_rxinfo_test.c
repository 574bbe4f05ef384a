// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * What rides beside a frame in RNDIS per-packet info, both ways:
 *   - 802.1Q: a guest send's IEEE 802.1Q info (Linux's netvsc puts a
 *     stacked VLAN device's tag there) becomes a tag in the frame for the
 *     TAP, the offsets the TAP is given moving with it; a tagged frame
 *     from the TAP gives its tag to an NDIS 6 guest as that info (Linux's
 *     rndis_filter_receive_data reads it, always), to an older one in the
 *     frame as it came.
 *   - receive checksums: a frame the TAP vouched for (DATA_VALID, or
 *     NEEDS_CSUM completed) carries tcp/udp_checksum_succeeded to a guest
 *     that enabled receive checksum offload for its protocol with
 *     SET OID_TCP_OFFLOAD_PARAMETERS (offered with offload=on only).
 * The messages are read as Linux's rndis_get_ppi reads them.
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
#include "ovb/rndis.h"
#include "tests/unit/netvsp_fakeio.h"

static int setup(void **state)
{
	struct netvsp_fake *f = nf_new_offload();

	*state = f;
	return f && !nf_bringup(f, OVB_NVSP_VERSION_61) ? 0 : -1;
}

static int setup_plain(void **state)
{
	struct netvsp_fake *f = nf_new();

	*state = f;
	return f && !nf_bringup(f, OVB_NVSP_VERSION_61) ? 0 : -1;
}

static int teardown(void **state)
{
	nf_free(*state);
	return 0;
}

/* A frame of @len: Ethernet type @et; IPv4/IPv6 with next protocol @proto. */
static void ip_frame(uint8_t *f, uint32_t len, uint16_t et, uint8_t proto)
{
	for (uint32_t i = 0; i < len; i++)
		f[i] = (uint8_t)(i * 7 + 3);
	f[12] = (uint8_t)(et >> 8);
	f[13] = (uint8_t)et;
	if (et == 0x0800) {
		f[14] = 0x45;
		f[14 + 9] = proto;
	} else if (et == 0x86dd) {
		f[14] = 0x60;
		f[14 + 6] = proto;
	}
}

/* @f with a tag (TCI @tci) after its MACs, into @out; the new length. */
static uint32_t tagged(uint8_t *out, const uint8_t *f, uint32_t len, uint16_t tci)
{
	memcpy(out, f, 12);
	out[12] = 0x81;
	out[13] = 0x00;
	out[14] = (uint8_t)(tci >> 8);
	out[15] = (uint8_t)tci;
	memcpy(out + 16, f + 12, len - 12);
	return len + 4;
}

/*
 * The last transfer-page packet as Linux reads it: the frame (*@frame,
 * *@flen) and the u32 of per-packet info @type (1 and *@v, or 0).
 */
static int rx_ppi(struct netvsp_fake *f, uint32_t type, uint32_t *v, const uint8_t **frame,
		  uint32_t *flen)
{
	struct rndis_msg_hdr h;
	struct rndis_packet p;
	uint32_t len, off;
	const uint8_t *r = nf_last_rndis(f, &len), *b;

	assert_non_null(r);
	memcpy(&h, r, 8);
	assert_int_equal(h.ndis_msg_type, RNDIS_MSG_PACKET);
	assert_int_equal(h.msg_len, len);
	memcpy(&p, r + 8, sizeof(p));
	b = r + 8;
	assert_true(p.data_offset + p.data_len <= len - 8);
	assert_true(p.per_pkt_info_offset + p.per_pkt_info_len <= len - 8);
	*frame = b + p.data_offset;
	*flen = p.data_len;
	for (off = p.per_pkt_info_offset; p.per_pkt_info_len &&
	     off + sizeof(struct rndis_per_packet_info) <= p.per_pkt_info_offset + p.per_pkt_info_len;) {
		struct rndis_per_packet_info ppi;

		memcpy(&ppi, b + off, sizeof(ppi));
		assert_true(ppi.size >= sizeof(ppi) + 4 && ppi.ppi_offset < ppi.size);
		if (ppi.type == type) {
			memcpy(v, b + off + ppi.ppi_offset, 4);
			return 1;
		}
		off += ppi.size;
	}
	return 0;
}

/* SET OID_TCP_OFFLOAD_PARAMETERS with these checksum settings, as rndis_netdev_set_hwcaps does. */
static void set_csum(struct netvsp_fake *f, uint8_t tcp4, uint8_t udp4, uint8_t tcp6, uint8_t udp6)
{
	struct ndis_offload_params op = { .header = { NDIS_OBJECT_TYPE_DEFAULT, 3, 28 } };

	op.ip_v4_csum = NDIS_OFFLOAD_PARAMETERS_TX_RX_DISABLED;
	op.tcp_ip_v4_csum = tcp4;
	op.udp_ip_v4_csum = udp4;
	op.tcp_ip_v6_csum = tcp6;
	op.udp_ip_v6_csum = udp6;
	assert_int_equal(nf_set(f, RNDIS_OID_TCP_OFFLOAD_PARAMETERS, &op, sizeof(op)),
			 RNDIS_STATUS_SUCCESS);
}

/* A frame from the TAP with @flags: 1 and its checksum info in *@v, or 0. */
static int rx_csum_of(struct netvsp_fake *f, uint16_t et, uint8_t proto, uint32_t flags,
		      uint32_t *v)
{
	uint8_t fr[200];
	const uint8_t *got;
	uint32_t glen;
	int n;

	ip_frame(fr, sizeof(fr), et, proto);
	assert_int_equal(netvsp_rx_frame_flags(f->nv, &nf_io, f, fr, sizeof(fr), flags), 0);
	n = rx_ppi(f, RNDIS_PPI_TCPIP_CHKSUM, v, &got, &glen);
	assert_int_equal(glen, sizeof(fr));
	ip_frame(fr, sizeof(fr), et, proto);
	assert_memory_equal(got, fr, sizeof(fr));
	return n;
}

static void test_rx_csum(void **state)
{
	struct netvsp_fake *f = *state;
	struct ndis_offload o;
	uint32_t v = 0, st, n;
	const uint8_t *info;

	/* Offered with offload=on. */
	info = nf_query(f, RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES, &st, &n);
	assert_non_null(info);
	memcpy(&o, info, n);
	assert_true(o.csum.ip4_rxcsum & NDIS_TXCSUM_CAP_TCP4);
	assert_true(o.csum.ip6_rxcsum & NDIS_TXCSUM_CAP_UDP6);
	/* Not enabled yet (nf_bringup's SET changes nothing): no info. */
	assert_int_equal(rx_csum_of(f, 0x0800, 6, NETVSP_RX_CSUM_VALID, &v), 0);
	set_csum(f, NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED, NDIS_OFFLOAD_PARAMETERS_RX_ENABLED_TX_DISABLED,
		 NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED, NDIS_OFFLOAD_PARAMETERS_TX_ENABLED_RX_DISABLED);
	assert_int_equal(rx_csum_of(f, 0x0800, 6, NETVSP_RX_CSUM_VALID, &v), 1);
	assert_int_equal(v, RNDIS_CSUM_RX_TCP_OK);
	assert_int_equal(rx_csum_of(f, 0x0800, 17, NETVSP_RX_CSUM_VALID, &v), 1);
	assert_int_equal(v, RNDIS_CSUM_RX_UDP_OK);
	assert_int_equal(rx_csum_of(f, 0x86dd, 6, NETVSP_RX_CSUM_VALID, &v), 1);
	assert_int_equal(v, RNDIS_CSUM_RX_TCP_OK);
	/* UDP/IPv6 receive was left off; ICMP, ARP and unvouched frames get nothing. */
	assert_int_equal(rx_csum_of(f, 0x86dd, 17, NETVSP_RX_CSUM_VALID, &v), 0);
	assert_int_equal(rx_csum_of(f, 0x0800, 1, NETVSP_RX_CSUM_VALID, &v), 0);
	assert_int_equal(rx_csum_of(f, 0x0806, 6, NETVSP_RX_CSUM_VALID, &v), 0);
	assert_int_equal(rx_csum_of(f, 0x0800, 6, 0, &v), 0);
	{
		struct netvsp_stats ns;

		netvsp_get_stats(f->nv, &ns);
		assert_int_equal(ns.rx_csum, 3);	/* the TCP4, UDP4, TCP6 frames */
		assert_int_equal(ns.rx_vlan, 0);
	}
	/* 0 is "no change"; disabling turns it off. */
	set_csum(f, 0, 0, 0, 0);
	assert_int_equal(rx_csum_of(f, 0x0800, 6, NETVSP_RX_CSUM_VALID, &v), 1);
	set_csum(f, NDIS_OFFLOAD_PARAMETERS_TX_RX_DISABLED, 0, 0, 0);
	assert_int_equal(rx_csum_of(f, 0x0800, 6, NETVSP_RX_CSUM_VALID, &v), 0);
	/* A new RNDIS session starts without it. */
	set_csum(f, NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED, 0, 0, 0);
	assert_int_equal(nf_bringup(f, OVB_NVSP_VERSION_61), -1);	/* buffers given twice */
	netvsp_protocol_reset(f->nv, &nf_io, f);
	assert_int_equal(nf_bringup(f, OVB_NVSP_VERSION_61), 0);
	assert_int_equal(rx_csum_of(f, 0x0800, 6, NETVSP_RX_CSUM_VALID, &v), 0);
	assert_int_equal(nf_bad_packets(f), 0);
}

/* Without offload=on nothing is offered, and enabling it does nothing. */
static void test_rx_csum_plain(void **state)
{
	struct netvsp_fake *f = *state;
	uint32_t v;

	set_csum(f, NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED, NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED, 0, 0);
	assert_int_equal(rx_csum_of(f, 0x0800, 6, NETVSP_RX_CSUM_VALID, &v), 0);
}

static void test_rx_vlan(void **state)
{
	struct netvsp_fake *f = *state;
	uint8_t fr[300], tg[304];
	uint16_t tci = 5u << 13 | 1u << 12 | 100;	/* priority 5, CFI, VLAN 100 */
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG1_TYPE_SEND_NDIS_VER };
	const uint8_t *got;
	uint32_t glen, v = 0, len;

	/* NDIS 6.30 guest: the tag comes out of the frame into the info. */
	ip_frame(fr, sizeof(fr), 0x0800, 6);
	len = tagged(tg, fr, sizeof(fr), tci);
	assert_int_equal(netvsp_rx_frame_flags(f->nv, &nf_io, f, tg, len, 0), 0);
	assert_int_equal(rx_ppi(f, RNDIS_PPI_IEEE_8021Q, &v, &got, &glen), 1);
	assert_int_equal(RNDIS_VLAN_PRI(v), 5);
	assert_int_equal(RNDIS_VLAN_CFI(v), 1);
	assert_int_equal(RNDIS_VLAN_ID(v), 100);
	assert_int_equal(glen, sizeof(fr));
	assert_memory_equal(got, fr, sizeof(fr));
	{
		struct netvsp_stats ns;

		netvsp_get_stats(f->nv, &ns);
		assert_int_equal(ns.rx_vlan, 1);
		assert_int_equal(ns.rx_bytes, sizeof(fr) + 4);	/* as it came from the TAP */
	}
	/* With a vouched checksum: both infos, the protocol seen past the tag. */
	set_csum(f, NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED, 0, 0, 0);
	len = tagged(tg, fr, sizeof(fr), tci);
	assert_int_equal(netvsp_rx_frame_flags(f->nv, &nf_io, f, tg, len, NETVSP_RX_CSUM_VALID), 0);
	assert_int_equal(rx_ppi(f, RNDIS_PPI_IEEE_8021Q, &v, &got, &glen), 1);
	assert_int_equal(RNDIS_VLAN_ID(v), 100);
	assert_int_equal(rx_ppi(f, RNDIS_PPI_TCPIP_CHKSUM, &v, &got, &glen), 1);
	assert_int_equal(v, RNDIS_CSUM_RX_TCP_OK);
	assert_memory_equal(got, fr, sizeof(fr));
	/* Not delivered (no room): the frame is as it was, tag and all, for a retry. */
	f->xfer_ret = -EAGAIN;
	len = tagged(tg, fr, sizeof(fr), tci);
	assert_int_equal(netvsp_rx_frame_flags(f->nv, &nf_io, f, tg, len, 0), -EAGAIN);
	{
		uint8_t again[304];

		assert_int_equal(tagged(again, fr, sizeof(fr), tci), len);
		assert_memory_equal(tg, again, len);
	}
	f->xfer_ret = 0;
	/* A guest that said NDIS 5: the tag stays in the frame, no info. */
	m.u.ndis_ver.ndis_major_ver = 5;
	assert_int_equal(nf_nvsp(f, 0, &m, sizeof(m)), 0);
	len = tagged(tg, fr, sizeof(fr), tci);
	assert_int_equal(netvsp_rx_frame_flags(f->nv, &nf_io, f, tg, len, 0), 0);
	assert_int_equal(rx_ppi(f, RNDIS_PPI_IEEE_8021Q, &v, &got, &glen), 0);
	assert_int_equal(glen, len);
	assert_memory_equal(got, tg, len);
	assert_int_equal(nf_bad_packets(f), 0);
}

/* A data message with per-packet infos (@n of @types/@values), as netvsc_xmit lays them out. */
static uint32_t build_ppis(uint8_t *buf, const void *frame, uint32_t flen, const uint32_t *types,
			   const uint32_t *values, uint32_t n)
{
	struct rndis_packet p = { .data_offset = sizeof(p) + 16 * n, .data_len = flen,
				  .per_pkt_info_offset = sizeof(p), .per_pkt_info_len = 16 * n };
	struct rndis_msg_hdr h = { RNDIS_MSG_PACKET, 8 + (uint32_t)sizeof(p) + 16 * n + flen };

	memcpy(buf, &h, 8);
	memcpy(buf + 8, &p, sizeof(p));
	for (uint32_t i = 0; i < n; i++) {
		struct rndis_per_packet_info ppi = { .size = 16, .type = types[i], .ppi_offset = 12 };

		memcpy(buf + 8 + sizeof(p) + 16 * i, &ppi, 12);
		memcpy(buf + 8 + sizeof(p) + 16 * i + 12, &values[i], 4);
	}
	memcpy(buf + 8 + sizeof(p) + 16 * n, frame, flen);
	return h.msg_len;
}

/* The guest's 802.1Q info: a tag in the frame for the TAP (with or without offloads). */
static void tx_vlan(struct netvsp_fake *f, bool offload)
{
	uint8_t fr[200], msg[400], want[204];
	uint32_t types[2] = { RNDIS_PPI_IEEE_8021Q, RNDIS_PPI_TCPIP_CHKSUM };
	uint32_t values[2] = { 3u | 0u << 3 | 42u << 4,
			       RNDIS_CSUM_TX_IPV4 | RNDIS_CSUM_TX_TCP | 34u << 16 };
	uint32_t len;

	ip_frame(fr, sizeof(fr), 0x0800, 6);
	len = build_ppis(msg, fr, sizeof(fr), types, values, 1);
	assert_int_equal(nf_rndis_section(f, 2, msg, len), 0);
	assert_int_equal(f->nframes, 1);
	assert_int_equal(f->frame_len, sizeof(fr) + 4);
	assert_int_equal(tagged(want, fr, sizeof(fr), 3u << 13 | 42), sizeof(fr) + 4);
	assert_memory_equal(f->frame, want, sizeof(want));
	assert_int_equal(f->meta.flags, 0);
	if (offload) {
		/* With a checksum to finish: its start moves past the tag. */
		len = build_ppis(msg, fr, sizeof(fr), types, values, 2);
		assert_int_equal(nf_rndis_section(f, 2, msg, len), 0);
		assert_int_equal(f->nframes, 2);
		assert_memory_equal(f->frame, want, sizeof(want));
		assert_int_equal(f->meta.flags, NETVSP_TX_NEEDS_CSUM);
		assert_int_equal(f->meta.csum_start, 38);
		assert_int_equal(f->meta.csum_offset, 16);
	}
	/* A frame that has a tag already and the info too: dropped, counted. */
	len = build_ppis(msg, want, sizeof(want), types, values, 1);
	nf_rndis_section(f, 2, msg, len);
	assert_int_equal(f->nframes, offload ? 2 : 1);
	assert_int_equal(nf_bad_packets(f), 1);
}

static void test_tx_vlan(void **state)
{
	tx_vlan(*state, true);
}

static void test_tx_vlan_plain(void **state)
{
	tx_vlan(*state, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rx_csum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_csum_plain, setup_plain, teardown),
		cmocka_unit_test_setup_teardown(test_rx_vlan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_vlan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_vlan_plain, setup_plain, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
