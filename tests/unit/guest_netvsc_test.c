// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ovb_netvsc's parsers of host bytes (netvsc/netvsc_proto.c, built as it
 * is against tests/fuzz/guestshim): each check on the host's bytes has a
 * case that passes only while that check is there (the good message
 * beside it is accepted, the one with the single bad field is not).
 */
#include "tests/fuzz/guestshim/shim.h"

#include "netvsc/netvsc_proto.c"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#define BUF (4u * 1024 * 1024)

static struct ovb_nvsp_msg recv_cmplt(u32 status, u32 nsec, u32 off, u32 size, u32 count)
{
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG1_TYPE_SEND_RECV_BUF_COMPLETE };

	m.u.recv_buf_complete.status = status;
	m.u.recv_buf_complete.num_sections = nsec;
	m.u.recv_buf_complete.sections[0].offset = off;
	m.u.recv_buf_complete.sections[0].sub_alloc_size = size;
	m.u.recv_buf_complete.sections[0].num_sub_allocs = count;
	m.u.recv_buf_complete.sections[0].end_offset = size * count;
	return m;
}

static void test_recv_layout(void **state)
{
	struct ovb_nvsp_msg m;
	u32 size = 0, count = 0;

	(void)state;
	m = recv_cmplt(NVSP_STAT_SUCCESS, 1, 0, 1728, BUF / 1728);
	assert_int_equal(ovb_nvsc_recv_buf_layout(&m, BUF, &size, &count), 0);
	assert_int_equal(size, 1728);
	assert_int_equal(count, BUF / 1728);
	m = recv_cmplt(NVSP_STAT_FAIL, 1, 0, 1728, 10);
	assert_int_equal(ovb_nvsc_recv_buf_layout(&m, BUF, &size, &count), -EIO);
	m = recv_cmplt(NVSP_STAT_SUCCESS, 2, 0, 1728, 10);
	assert_int_equal(ovb_nvsc_recv_buf_layout(&m, BUF, &size, &count), -EPROTO);
	m = recv_cmplt(NVSP_STAT_SUCCESS, 1, 64, 1728, 10);
	assert_int_equal(ovb_nvsc_recv_buf_layout(&m, BUF, &size, &count), -EPROTO);
	m = recv_cmplt(NVSP_STAT_SUCCESS, 1, 0, 67, 10);
	assert_int_equal(ovb_nvsc_recv_buf_layout(&m, BUF, &size, &count), -EPROTO);
	m = recv_cmplt(NVSP_STAT_SUCCESS, 1, 0, 1728, 0);
	assert_int_equal(ovb_nvsc_recv_buf_layout(&m, BUF, &size, &count), -EPROTO);
	/* more sections than the buffer holds, and a product that wraps u32 */
	m = recv_cmplt(NVSP_STAT_SUCCESS, 1, 0, 1728, BUF / 1728 + 1);
	assert_int_equal(ovb_nvsc_recv_buf_layout(&m, BUF, &size, &count), -EPROTO);
	m = recv_cmplt(NVSP_STAT_SUCCESS, 1, 0, 0x10000, 0x10001);
	assert_int_equal(ovb_nvsc_recv_buf_layout(&m, BUF, &size, &count), -EPROTO);
	m.msg_type = NVSP_MSG1_TYPE_SEND_SEND_BUF_COMPLETE;
	assert_int_equal(ovb_nvsc_recv_buf_layout(&m, BUF, &size, &count), -EPROTO);
}

static void test_send_layout(void **state)
{
	struct ovb_nvsp_msg m = { .msg_type = NVSP_MSG1_TYPE_SEND_SEND_BUF_COMPLETE };
	u32 size = 0, count = 0;

	(void)state;
	m.u.send_buf_complete.status = NVSP_STAT_SUCCESS;
	m.u.send_buf_complete.section_size = 6144;
	assert_int_equal(ovb_nvsc_send_buf_layout(&m, 1 << 20, &size, &count), 0);
	assert_int_equal(size, 6144);
	assert_int_equal(count, (1 << 20) / 6144);
	m.u.send_buf_complete.section_size = 67;
	assert_int_equal(ovb_nvsc_send_buf_layout(&m, 1 << 20, &size, &count), -EPROTO);
	m.u.send_buf_complete.section_size = (1 << 20) + 1;
	assert_int_equal(ovb_nvsc_send_buf_layout(&m, 1 << 20, &size, &count), -EPROTO);
	m.u.send_buf_complete.section_size = 6144;
	m.u.send_buf_complete.status = NVSP_STAT_FAIL;
	assert_int_equal(ovb_nvsc_send_buf_layout(&m, 1 << 20, &size, &count), -EIO);
}

static void test_nvsp_parse(void **state)
{
	struct ovb_nvsp_msg in = { .msg_type = NVSP_MSG_TYPE_INIT_COMPLETE }, m;

	(void)state;
	in.u.init_complete.status = NVSP_STAT_SUCCESS;
	assert_int_equal(ovb_nvsc_parse_nvsp(&in, 16, &m), 0);
	assert_int_equal(m.u.init_complete.status, NVSP_STAT_SUCCESS);
	/* one byte short of its type's body */
	assert_int_equal(ovb_nvsc_parse_nvsp(&in, 15, &m), -EBADMSG);
	assert_int_equal(ovb_nvsc_parse_nvsp(&in, 3, &m), -EBADMSG);
	/* a guest-to-host message is none the host sends */
	in.msg_type = NVSP_MSG_TYPE_INIT;
	assert_int_equal(ovb_nvsc_parse_nvsp(&in, sizeof(in), &m), -EBADMSG);
	in.msg_type = 9999;
	assert_int_equal(ovb_nvsc_parse_nvsp(&in, sizeof(in), &m), -EBADMSG);
}

static void test_xfer_range(void **state)
{
	struct ovb_vmxfer_page_range r = { .byte_count = 100, .byte_offset = BUF - 100 };
	u32 off = 0, len = 0;

	(void)state;
	assert_int_equal(ovb_nvsc_xfer_range(&r, BUF, &off, &len), 0);
	assert_int_equal(off, BUF - 100);
	assert_int_equal(len, 100);
	r.byte_offset++;
	assert_int_equal(ovb_nvsc_xfer_range(&r, BUF, &off, &len), -EPROTO);
	r.byte_offset = 0xffffffffu;	/* offset + count wraps in u32 */
	r.byte_count = 2;
	assert_int_equal(ovb_nvsc_xfer_range(&r, BUF, &off, &len), -EPROTO);
	r.byte_offset = 0;
	r.byte_count = 0;
	assert_int_equal(ovb_nvsc_xfer_range(&r, BUF, &off, &len), -EPROTO);
}

/* A data message: header, rndis_packet, @nppi bytes of per-packet info, a 60-byte frame. */
struct pkt {
	struct rndis_msg_hdr h;
	struct rndis_packet p;
	u8 rest[128];
};

static u32 make_pkt(struct pkt *k, const void *ppi, u32 nppi)
{
	memset(k, 0, sizeof(*k));
	k->h.ndis_msg_type = RNDIS_MSG_PACKET;
	k->p.per_pkt_info_offset = nppi ? sizeof(k->p) : 0;
	k->p.per_pkt_info_len = nppi;
	if (nppi)
		memcpy(k->rest, ppi, nppi);
	k->p.data_offset = sizeof(k->p) + nppi;
	k->p.data_len = 60;
	memset(k->rest + nppi, 0xab, 60);
	k->h.msg_len = sizeof(k->h) + sizeof(k->p) + nppi + 60;
	return k->h.msg_len;
}

struct ppi_u32 {
	struct rndis_per_packet_info i;
	u32 v;
} __packed;

static void test_rndis_packet(void **state)
{
	struct ppi_u32 two[2] = {
		{ { sizeof(two[0]), RNDIS_PPI_TCPIP_CHKSUM, sizeof(two[0].i) }, RNDIS_CSUM_RX_TCP_OK },
		{ { sizeof(two[0]), RNDIS_PPI_IEEE_8021Q, sizeof(two[0].i) }, 100u << 4 },
	};
	struct ovb_rndis_rx m;
	struct pkt k;
	u32 len;

	(void)state;
	len = make_pkt(&k, two, sizeof(two));
	assert_int_equal(ovb_rndis_parse((u8 *)&k, len, &m), 0);
	assert_int_equal(m.pkt.len, 60);
	assert_ptr_equal(m.pkt.data, k.rest + sizeof(two));
	assert_true(m.pkt.has_csum);
	assert_int_equal(m.pkt.csum, RNDIS_CSUM_RX_TCP_OK);
	assert_true(m.pkt.has_vlan);
	assert_int_equal(RNDIS_VLAN_ID(m.pkt.vlan), 100);
	/* the message claims more than the range holds */
	assert_int_equal(ovb_rndis_parse((u8 *)&k, len - 1, &m), -EBADMSG);
	/* the frame runs past the message */
	k.p.data_len = 61;
	assert_int_equal(ovb_rndis_parse((u8 *)&k, len, &m), -EBADMSG);
	k.p.data_len = 0xffffffffu;	/* offset + length wraps */
	assert_int_equal(ovb_rndis_parse((u8 *)&k, len, &m), -EBADMSG);
	k.p.data_len = 0;
	assert_int_equal(ovb_rndis_parse((u8 *)&k, len, &m), -EBADMSG);
	/* the frame starts inside the packet header */
	len = make_pkt(&k, NULL, 0);
	k.p.data_offset = 4;
	assert_int_equal(ovb_rndis_parse((u8 *)&k, len, &m), -EBADMSG);
	/* the per-packet info runs past the message */
	len = make_pkt(&k, two, sizeof(two));
	k.p.per_pkt_info_len = len;
	assert_int_equal(ovb_rndis_parse((u8 *)&k, len, &m), -EBADMSG);
	/* a message too short for its header */
	len = make_pkt(&k, NULL, 0);
	k.h.msg_len = 7;
	assert_int_equal(ovb_rndis_parse((u8 *)&k, len, &m), -EBADMSG);
}

static void test_rndis_ppi(void **state)
{
	struct ppi_u32 e = { { sizeof(e), RNDIS_PPI_TCPIP_CHKSUM, sizeof(e.i) }, 0 };
	struct ovb_rndis_rx m;
	struct pkt k;
	u32 len;

	(void)state;
	/* size 0 would never advance */
	e.i.size = 0;
	len = make_pkt(&k, &e, sizeof(e));
	assert_int_equal(ovb_rndis_parse((u8 *)&k, len, &m), -EBADMSG);
	/* larger than what is left of the info */
	e.i.size = sizeof(e) + 4;
	len = make_pkt(&k, &e, sizeof(e));
	assert_int_equal(ovb_rndis_parse((u8 *)&k, len, &m), -EBADMSG);
	/* its value starts past its end */
	e.i.size = sizeof(e);
	e.i.ppi_offset = sizeof(e) + 1;
	len = make_pkt(&k, &e, sizeof(e));
	assert_int_equal(ovb_rndis_parse((u8 *)&k, len, &m), -EBADMSG);
	/* its value is shorter than a u32 */
	e.i.ppi_offset = sizeof(e) - 2;
	len = make_pkt(&k, &e, sizeof(e));
	assert_int_equal(ovb_rndis_parse((u8 *)&k, len, &m), -EBADMSG);
	/* its value overlaps its own header */
	e.i.ppi_offset = 4;
	len = make_pkt(&k, &e, sizeof(e));
	assert_int_equal(ovb_rndis_parse((u8 *)&k, len, &m), -EBADMSG);
	/* an unknown type is skipped */
	e.i.ppi_offset = sizeof(e.i);
	e.i.type = 77;
	len = make_pkt(&k, &e, sizeof(e));
	assert_int_equal(ovb_rndis_parse((u8 *)&k, len, &m), 0);
	assert_false(m.pkt.has_csum);
}

static void test_rndis_control(void **state)
{
	struct {
		struct rndis_msg_hdr h;
		struct rndis_query_complete q;
		u8 mac[8];
	} __packed qc = {
		.h = { RNDIS_MSG_QUERY_C, sizeof(qc) },
		.q = { .req_id = 7, .status = RNDIS_STATUS_SUCCESS, .info_buflen = 6,
		       .info_buf_offset = sizeof(struct rndis_query_complete) },
		.mac = { 0, 0x15, 0x5d, 1, 2, 3 },
	};
	struct {
		struct rndis_msg_hdr h;
		struct rndis_indicate_status s;
		u32 buf;
	} __packed ind = {
		.h = { RNDIS_MSG_INDICATE, sizeof(ind) },
		.s = { RNDIS_STATUS_MEDIA_DISCONNECT, 4, sizeof(struct rndis_indicate_status) },
	};
	struct rndis_msg_hdr bad = { RNDIS_MSG_QUERY, sizeof(bad) };
	struct ovb_rndis_rx m;

	(void)state;
	assert_int_equal(ovb_rndis_parse((u8 *)&qc, sizeof(qc), &m), 0);
	assert_int_equal(m.cmplt.req_id, 7);
	assert_int_equal(m.cmplt.info_len, 6);
	assert_ptr_equal(m.cmplt.info, qc.mac);
	/* no information, an offset anywhere: no pointer (guest_netvsc_fuzz found it) */
	qc.q.info_buflen = 0;
	qc.q.info_buf_offset = 0x93939393u;
	assert_int_equal(ovb_rndis_parse((u8 *)&qc, sizeof(qc), &m), 0);
	assert_null(m.cmplt.info);
	assert_int_equal(m.cmplt.info_len, 0);
	qc.q.info_buf_offset = sizeof(struct rndis_query_complete);
	qc.q.info_buflen = 9;		/* past the message */
	assert_int_equal(ovb_rndis_parse((u8 *)&qc, sizeof(qc), &m), -EBADMSG);
	qc.q.info_buflen = 6;
	qc.q.info_buf_offset = 8;	/* inside the completion's own fields */
	assert_int_equal(ovb_rndis_parse((u8 *)&qc, sizeof(qc), &m), -EBADMSG);
	qc.h.msg_len = sizeof(qc.h) + 15;	/* shorter than a query completion */
	assert_int_equal(ovb_rndis_parse((u8 *)&qc, sizeof(qc), &m), -EBADMSG);

	assert_int_equal(ovb_rndis_parse((u8 *)&ind, sizeof(ind), &m), 0);
	assert_int_equal(m.indicate.status, RNDIS_STATUS_MEDIA_DISCONNECT);
	ind.s.status_buflen = 5;
	assert_int_equal(ovb_rndis_parse((u8 *)&ind, sizeof(ind), &m), -EBADMSG);
	/* a request is nothing the host sends us */
	assert_int_equal(ovb_rndis_parse((u8 *)&bad, sizeof(bad), &m), -EPROTO);
}

/* What netvsp offers with offload=on (hostside/netvsp/rndis_dev.c). */
static struct ndis_offload host_caps(void)
{
	struct ndis_offload o;

	memset(&o, 0, sizeof(o));
	o.header.type = NDIS_OBJECT_TYPE_OFFLOAD;
	o.header.revision = NDIS_OFFLOAD_PARAMETERS_REVISION_3;
	o.header.size = NDIS_OFFLOAD_SIZE;
	o.csum.ip4_txcsum = NDIS_TXCSUM_CAP_TCP4 | NDIS_TXCSUM_CAP_TCP4OPT | NDIS_TXCSUM_CAP_UDP4;
	o.csum.ip6_txcsum = NDIS_TXCSUM_CAP_TCP6 | NDIS_TXCSUM_CAP_TCP6OPT | NDIS_TXCSUM_CAP_UDP6 |
			    NDIS_TXCSUM_CAP_IP6EXT;
	o.lsov2.ip4_encap = o.lsov2.ip6_encap = NDIS_OFFLOAD_ENCAP_8023;
	o.lsov2.ip4_maxsz = 62768;
	o.lsov2.ip6_maxsz = 60000;
	o.lsov2.ip6_opts = NDIS_LSOV2_CAP_IP6EXT | NDIS_LSOV2_CAP_TCP6OPT;
	return o;
}

static void test_offloads(void **state)
{
	const u32 all = OVB_NVSC_TX_TCP4 | OVB_NVSC_TX_UDP4 | OVB_NVSC_TX_TCP6 |
			OVB_NVSC_TX_UDP6 | OVB_NVSC_TSO4 | OVB_NVSC_TSO6;
	struct ndis_offload o = host_caps();
	struct ndis_offload_params p;
	u32 max = 0, plen = 0;

	(void)state;
	assert_int_equal(ovb_nvsc_offloads((u8 *)&o, sizeof(o), OVB_NVSP_VERSION_61, &max, &p,
					   &plen), all);
	assert_int_equal(max, 60000);
	assert_int_equal(plen, sizeof(p));
	assert_int_equal(p.header.type, NDIS_OBJECT_TYPE_DEFAULT);
	assert_int_equal(p.header.size, sizeof(p));
	assert_int_equal(p.tcp_ip_v4_csum, NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED);
	assert_int_equal(p.udp_ip_v6_csum, NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED);
	assert_int_equal(p.lso_v2_ipv4, NDIS_OFFLOAD_PARAMETERS_LSOV2_ENABLED);
	assert_int_equal(p.lso_v2_ipv6, NDIS_OFFLOAD_PARAMETERS_LSOV2_ENABLED);
	/* NVSP 4: no UDP checksum, the short parameter block */
	assert_int_equal(ovb_nvsc_offloads((u8 *)&o, sizeof(o), OVB_NVSP_VERSION_4, &max, &p,
					   &plen), all & ~(OVB_NVSC_TX_UDP4 | OVB_NVSC_TX_UDP6));
	assert_int_equal(plen, NDIS_OFFLOAD_PARAMS_SIZE_V4);
	assert_int_equal(p.udp_ip_v4_csum, 0);
	/* no TSO6 without both IPv6 options; no TCP6 without its option bit */
	o.lsov2.ip6_opts = NDIS_LSOV2_CAP_IP6EXT;
	assert_int_equal(ovb_nvsc_offloads((u8 *)&o, sizeof(o), OVB_NVSP_VERSION_61, &max, &p,
					   &plen), all & ~OVB_NVSC_TSO6);
	assert_int_equal(max, 62768);
	o.csum.ip6_txcsum &= ~NDIS_TXCSUM_CAP_TCP6OPT;
	assert_int_equal(ovb_nvsc_offloads((u8 *)&o, sizeof(o), OVB_NVSP_VERSION_61, &max, &p,
					   &plen), OVB_NVSC_TX_TCP4 | OVB_NVSC_TX_UDP4 | OVB_NVSC_TSO4);
	/* no TSO4 without TCP4 checksum */
	o = host_caps();
	o.csum.ip4_txcsum = 0;
	assert_int_equal(ovb_nvsc_offloads((u8 *)&o, sizeof(o), OVB_NVSP_VERSION_61, &max, &p,
					   &plen) & (OVB_NVSC_TSO4 | OVB_NVSC_TX_TCP4), 0);
	/* a host's size past what we take is capped (guest_netvsc_fuzz's find) */
	o = host_caps();
	o.lsov2.ip4_maxsz = o.lsov2.ip6_maxsz = 0xffffffffu;
	assert_int_equal(ovb_nvsc_offloads((u8 *)&o, sizeof(o), OVB_NVSP_VERSION_61, &max, &p,
					   &plen), all);
	assert_int_equal(max, OVB_NVSC_LSO_MAX);
	/* malformed objects */
	o = host_caps();
	assert_int_equal(ovb_nvsc_offloads((u8 *)&o, NDIS_OFFLOAD_SIZE_6_0 - 1,
					   OVB_NVSP_VERSION_61, &max, &p, &plen), -EPROTO);
	assert_int_equal(ovb_nvsc_offloads((u8 *)&o, NDIS_OFFLOAD_SIZE_6_1,
					   OVB_NVSP_VERSION_61, &max, &p, &plen), -EPROTO);
	o.header.type = NDIS_OBJECT_TYPE_DEFAULT;
	assert_int_equal(ovb_nvsc_offloads((u8 *)&o, sizeof(o), OVB_NVSP_VERSION_61, &max, &p,
					   &plen), -EPROTO);
	o = host_caps();
	o.header.revision = 0;
	assert_int_equal(ovb_nvsc_offloads((u8 *)&o, sizeof(o), OVB_NVSP_VERSION_61, &max, &p,
					   &plen), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recv_layout),
		cmocka_unit_test(test_send_layout),
		cmocka_unit_test(test_nvsp_parse),
		cmocka_unit_test(test_xfer_range),
		cmocka_unit_test(test_rndis_packet),
		cmocka_unit_test(test_rndis_ppi),
		cmocka_unit_test(test_rndis_control),
		cmocka_unit_test(test_offloads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
