/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * RNDIS as netvsc speaks it inside NVSP SEND_RNDIS_PKT messages: the
 * control messages (initialize, query, set, reset, halt, keepalive, status
 * indications) and data packets with per-packet info, and the NDIS objects
 * the Linux guest queries (offload capabilities, RSS capabilities).
 *
 * Sources: Linux 6.1 include/linux/rndis.h (message types, status codes,
 * OIDs, medium, packet filter bits), drivers/net/hyperv/hyperv_net.h
 * (struct rndis_message and its members, struct rndis_packet, struct
 * rndis_per_packet_info, enum ndis_per_pkt_info_type, struct ndis_offload
 * and its parts, struct ndis_offload_params, struct ndis_recv_scale_cap,
 * NDIS_OFFLOAD_SIZE_6_0/6_1, OID_TCP_OFFLOAD_*), drivers/net/hyperv/
 * rndis_filter.c (rndis_filter_receive: every offset is counted from the
 * byte after the 8-byte header; rndis_filter_query_device: what a query
 * completion must hold; rndis_query_hwcaps: the offload object's header).
 *
 * A message is an 8-byte header (type, total length) followed by the body
 * of that type; offsets inside a body are from the start of the body.
 */
#ifndef OVB_RNDIS_H
#define OVB_RNDIS_H

#include "ovb/types.h"

/* ---- message types ---------------------------------------------------------- */
#define RNDIS_MSG_COMPLETION	0x80000000u
#define RNDIS_MSG_PACKET	0x00000001u
#define RNDIS_MSG_INIT		0x00000002u
#define RNDIS_MSG_INIT_C	(RNDIS_MSG_INIT | RNDIS_MSG_COMPLETION)
#define RNDIS_MSG_HALT		0x00000003u
#define RNDIS_MSG_QUERY		0x00000004u
#define RNDIS_MSG_QUERY_C	(RNDIS_MSG_QUERY | RNDIS_MSG_COMPLETION)
#define RNDIS_MSG_SET		0x00000005u
#define RNDIS_MSG_SET_C		(RNDIS_MSG_SET | RNDIS_MSG_COMPLETION)
#define RNDIS_MSG_RESET		0x00000006u
#define RNDIS_MSG_RESET_C	(RNDIS_MSG_RESET | RNDIS_MSG_COMPLETION)
#define RNDIS_MSG_INDICATE	0x00000007u
#define RNDIS_MSG_KEEPALIVE	0x00000008u
#define RNDIS_MSG_KEEPALIVE_C	(RNDIS_MSG_KEEPALIVE | RNDIS_MSG_COMPLETION)

#define RNDIS_MAJOR_VERSION	1u
#define RNDIS_MINOR_VERSION	0u

/* ---- status codes ----------------------------------------------------------- */
#define RNDIS_STATUS_SUCCESS		0x00000000u
#define RNDIS_STATUS_MEDIA_CONNECT	0x4001000bu
#define RNDIS_STATUS_MEDIA_DISCONNECT	0x4001000cu
#define RNDIS_STATUS_LINK_SPEED_CHANGE	0x40010013u
#define RNDIS_STATUS_NETWORK_CHANGE	0x40010018u
#define RNDIS_STATUS_FAILURE		0xc0000001u
#define RNDIS_STATUS_INVALID_DATA	0xc0010015u
#define RNDIS_STATUS_INVALID_LENGTH	0xc0010014u
#define RNDIS_STATUS_INVALID_OID	0xc0010017u
#define RNDIS_STATUS_NOT_SUPPORTED	0xc00000bbu

#define RNDIS_MEDIUM_802_3		0x00000000u
#define RNDIS_DF_CONNECTIONLESS		0x00000001u

/* ---- OIDs the Linux and FreeBSD guests use ---------------------------------- */
#define RNDIS_OID_GEN_SUPPORTED_LIST		0x00010101u
#define RNDIS_OID_GEN_HARDWARE_STATUS		0x00010102u
#define RNDIS_OID_GEN_MEDIA_SUPPORTED		0x00010103u
#define RNDIS_OID_GEN_MEDIA_IN_USE		0x00010104u
#define RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE	0x00010106u
#define RNDIS_OID_GEN_LINK_SPEED		0x00010107u
#define RNDIS_OID_GEN_CURRENT_PACKET_FILTER	0x0001010eu
#define RNDIS_OID_GEN_MAXIMUM_TOTAL_SIZE	0x00010111u
#define RNDIS_OID_GEN_MEDIA_CONNECT_STATUS	0x00010114u
#define RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER	0x0001021bu
#define RNDIS_OID_GEN_RECEIVE_SCALE_CAPABILITIES 0x00010203u
#define RNDIS_OID_GEN_RECEIVE_SCALE_PARAMETERS	0x00010204u
#define RNDIS_OID_GEN_FRIENDLY_NAME		0x00020216u
#define RNDIS_OID_802_3_PERMANENT_ADDRESS	0x01010101u
#define RNDIS_OID_802_3_CURRENT_ADDRESS		0x01010102u
#define RNDIS_OID_802_3_MULTICAST_LIST		0x01010103u
#define RNDIS_OID_802_3_MAXIMUM_LIST_SIZE	0x01010104u
#define RNDIS_OID_OFFLOAD_ENCAPSULATION		0x0101010au
#define RNDIS_OID_TCP_OFFLOAD_CURRENT_CONFIG	0xfc01020bu
#define RNDIS_OID_TCP_OFFLOAD_PARAMETERS	0xfc01020cu
#define RNDIS_OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES 0xfc01020du

/* MEDIA_CONNECT_STATUS values */
#define RNDIS_MEDIA_STATE_CONNECTED	0u
#define RNDIS_MEDIA_STATE_DISCONNECTED	1u

/* CURRENT_PACKET_FILTER bits (NDIS_PACKET_TYPE_*) */
#define RNDIS_PACKET_TYPE_DIRECTED	0x00000001u
#define RNDIS_PACKET_TYPE_MULTICAST	0x00000002u
#define RNDIS_PACKET_TYPE_ALL_MULTICAST	0x00000004u
#define RNDIS_PACKET_TYPE_BROADCAST	0x00000008u
#define RNDIS_PACKET_TYPE_PROMISCUOUS	0x00000020u

/* ---- header and control bodies ----------------------------------------------- */
struct rndis_msg_hdr {
	u32 ndis_msg_type;		/* RNDIS_MSG_* */
	u32 msg_len;			/* header included */
} __packed;
OVB_ASSERT_SIZE(struct rndis_msg_hdr, 8);

struct rndis_initialize_request {
	u32 req_id;
	u32 major_ver;
	u32 minor_ver;
	u32 max_xfer_size;
} __packed;
OVB_ASSERT_SIZE(struct rndis_initialize_request, 16);

/* max_pkt_per_msg and 1 << pkt_alignment_factor shape the guest's batching. */
struct rndis_initialize_complete {
	u32 req_id;
	u32 status;
	u32 major_ver;
	u32 minor_ver;
	u32 dev_flags;
	u32 medium;
	u32 max_pkt_per_msg;
	u32 max_xfer_size;
	u32 pkt_alignment_factor;
	u32 af_list_offset;
	u32 af_list_size;
} __packed;
OVB_ASSERT_SIZE(struct rndis_initialize_complete, 44);

struct rndis_halt_request {
	u32 req_id;
} __packed;
OVB_ASSERT_SIZE(struct rndis_halt_request, 4);

/* QUERY and SET requests: info_buf_offset is from the start of this body. */
struct rndis_query_request {
	u32 req_id;
	u32 oid;
	u32 info_buflen;
	u32 info_buf_offset;
	u32 dev_vc_handle;
} __packed;
OVB_ASSERT_SIZE(struct rndis_query_request, 20);

struct rndis_query_complete {
	u32 req_id;
	u32 status;
	u32 info_buflen;
	u32 info_buf_offset;		/* >= sizeof(this), from its start */
} __packed;
OVB_ASSERT_SIZE(struct rndis_query_complete, 16);

#define rndis_set_request rndis_query_request

struct rndis_set_complete {
	u32 req_id;
	u32 status;
} __packed;
OVB_ASSERT_SIZE(struct rndis_set_complete, 8);

struct rndis_reset_request {
	u32 reserved;
} __packed;
OVB_ASSERT_SIZE(struct rndis_reset_request, 4);

struct rndis_reset_complete {
	u32 status;
	u32 addressing_reset;
} __packed;
OVB_ASSERT_SIZE(struct rndis_reset_complete, 8);

struct rndis_indicate_status {
	u32 status;			/* RNDIS_STATUS_MEDIA_* ... */
	u32 status_buflen;
	u32 status_buf_offset;
} __packed;
OVB_ASSERT_SIZE(struct rndis_indicate_status, 12);

struct rndis_keepalive_request {
	u32 req_id;
} __packed;
OVB_ASSERT_SIZE(struct rndis_keepalive_request, 4);

struct rndis_keepalive_complete {
	u32 req_id;
	u32 status;
} __packed;
OVB_ASSERT_SIZE(struct rndis_keepalive_complete, 8);

/* ---- data packets -------------------------------------------------------------- */
/* Offsets are from the start of this body (the byte after the header). */
struct rndis_packet {
	u32 data_offset;
	u32 data_len;
	u32 oob_data_offset;
	u32 oob_data_len;
	u32 num_oob_data_elements;
	u32 per_pkt_info_offset;
	u32 per_pkt_info_len;
	u32 vc_handle;
	u32 reserved;
} __packed;
OVB_ASSERT_SIZE(struct rndis_packet, 36);

/* One per-packet info element; ppi_offset is from its own start. */
struct rndis_per_packet_info {
	u32 size;
	u32 type;			/* bit 31: internal (RNDIS_PKTINFO_*) */
	u32 ppi_offset;
} __packed;
OVB_ASSERT_SIZE(struct rndis_per_packet_info, 12);

#define RNDIS_PPI_INTERNAL		0x80000000u
/* enum ndis_per_pkt_info_type */
#define RNDIS_PPI_TCPIP_CHKSUM		0
#define RNDIS_PPI_IPSEC			1
#define RNDIS_PPI_TCP_LARGESEND		2
#define RNDIS_PPI_CLASSIFICATION_HANDLE	3
#define RNDIS_PPI_SG_LIST		5
#define RNDIS_PPI_IEEE_8021Q		6
#define RNDIS_PPI_ORIGINAL		7
#define RNDIS_PPI_NBL_HASH_VALUE	8
#define RNDIS_PPI_SHORT_PKT_PADINFO	11

/*
 * A TX per-packet info's u32 value (hyperv_net.h: struct
 * ndis_tcp_ip_checksum_info.transmit, struct ndis_tcp_lso_info.
 * lso_v2_transmit, as GCC lays the bit fields out on x86). Offsets are
 * from the start of the Ethernet frame.
 */
#define RNDIS_CSUM_TX_IPV4		(1u << 0)
#define RNDIS_CSUM_TX_IPV6		(1u << 1)
#define RNDIS_CSUM_TX_TCP		(1u << 2)
#define RNDIS_CSUM_TX_UDP		(1u << 3)
#define RNDIS_CSUM_TX_IP_HEADER		(1u << 4)
#define RNDIS_CSUM_TX_TCP_OFFSET(v)	(((v) >> 16) & 0x3ffu)
#define RNDIS_LSO_TX_MSS(v)		((v) & 0xfffffu)
#define RNDIS_LSO_TX_TCP_OFFSET(v)	(((v) >> 20) & 0x3ffu)
#define RNDIS_LSO_TX_V2			(1u << 30)	/* type: LSOv2 */
#define RNDIS_LSO_TX_IPV6		(1u << 31)	/* ip_version: 1 = IPv6 */
/* ndis_tcp_ip_checksum_info.receive: what the host verified. */
#define RNDIS_CSUM_RX_TCP_OK		(1u << 3)
#define RNDIS_CSUM_RX_UDP_OK		(1u << 4)
#define RNDIS_CSUM_RX_IP_OK		(1u << 5)
/* ndis_pkt_8021q_info: pri:3, cfi:1, vlanid:12 (from bit 0), both ways. */
#define RNDIS_VLAN_PRI(v)		((v) & 7u)
#define RNDIS_VLAN_CFI(v)		(((v) >> 3) & 1u)
#define RNDIS_VLAN_ID(v)		(((v) >> 4) & 0xfffu)

/* The smallest and largest whole data message a host sends or takes. */
#define OVB_RNDIS_PACKET_HDR_SIZE	(sizeof(struct rndis_msg_hdr) + sizeof(struct rndis_packet))

/* ---- NDIS objects ---------------------------------------------------------------- */
struct ndis_object_header {
	u8 type;			/* NDIS_OBJECT_TYPE_* */
	u8 revision;
	u16 size;
} __packed;
OVB_ASSERT_SIZE(struct ndis_object_header, 4);

#define NDIS_OBJECT_TYPE_DEFAULT		0x80
#define NDIS_OBJECT_TYPE_RSS_CAPABILITIES	0x88
#define NDIS_OBJECT_TYPE_RSS_PARAMETERS		0x89
#define NDIS_OBJECT_TYPE_OFFLOAD		0xa7

#define NDIS_OFFLOAD_PARAMETERS_REVISION_1	1
#define NDIS_OFFLOAD_PARAMETERS_REVISION_2	2
#define NDIS_OFFLOAD_PARAMETERS_REVISION_3	3

#define NDIS_OFFLOAD_ENCAP_8023			0x0002

/* lsov2.ip6_opts: the guest needs both for TSO6 */
#define NDIS_LSOV2_CAP_IP6EXT		0x001
#define NDIS_LSOV2_CAP_TCP6OPT		0x004

/* Checksum capabilities (the guest needs every TCP bit for TX checksum). */
#define NDIS_TXCSUM_CAP_IP4OPT		0x001
#define NDIS_TXCSUM_CAP_TCP4OPT		0x004
#define NDIS_TXCSUM_CAP_TCP4		0x010
#define NDIS_TXCSUM_CAP_UDP4		0x040
#define NDIS_TXCSUM_CAP_IP4		0x100
#define NDIS_TXCSUM_CAP_IP6EXT		0x001
#define NDIS_TXCSUM_CAP_TCP6OPT		0x004
#define NDIS_TXCSUM_CAP_TCP6		0x010
#define NDIS_TXCSUM_CAP_UDP6		0x040

struct ndis_csum_offload {
	u32 ip4_txenc;
	u32 ip4_txcsum;
	u32 ip4_rxenc;
	u32 ip4_rxcsum;
	u32 ip6_txenc;
	u32 ip6_txcsum;
	u32 ip6_rxenc;
	u32 ip6_rxcsum;
} __packed;
OVB_ASSERT_SIZE(struct ndis_csum_offload, 32);

struct ndis_lsov1_offload {
	u32 encap;
	u32 maxsize;
	u32 minsegs;
	u32 opts;
} __packed;
OVB_ASSERT_SIZE(struct ndis_lsov1_offload, 16);

struct ndis_ipsecv1_offload {
	u32 encap;
	u32 ah_esp;
	u32 xport_tun;
	u32 ip4_opts;
	u32 flags;
	u32 ip4_ah;
	u32 ip4_esp;
} __packed;
OVB_ASSERT_SIZE(struct ndis_ipsecv1_offload, 28);

struct ndis_lsov2_offload {
	u32 ip4_encap;
	u32 ip4_maxsz;
	u32 ip4_minsg;
	u32 ip6_encap;
	u32 ip6_maxsz;
	u32 ip6_minsg;
	u32 ip6_opts;
} __packed;
OVB_ASSERT_SIZE(struct ndis_lsov2_offload, 28);

/* Linux's struct is naturally aligned: 11 bytes of flags, then a pad byte. */
struct ndis_ipsecv2_offload {
	u32 encap;
	u8 ip6, ip4opt, ip6ext, ah, esp, ah_esp, xport, tun, xport_tun, lso, extseq;
	u8 pad;
	u32 udp_esp;
	u32 auth;
	u32 crypto;
	u32 sa_caps;
} __packed;
OVB_ASSERT_SIZE(struct ndis_ipsecv2_offload, 32);

struct ndis_rsc_offload {
	u8 ip4;
	u8 ip6;
} __packed;

struct ndis_encap_offload {
	u32 flags;
	u32 maxhdr;
} __packed;

/* The reply to OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES (header type 0xa7). */
struct ndis_offload {
	struct ndis_object_header header;
	struct ndis_csum_offload csum;
	struct ndis_lsov1_offload lsov1;
	struct ndis_ipsecv1_offload ipsecv1;
	struct ndis_lsov2_offload lsov2;
	u32 flags;
	struct ndis_ipsecv2_offload ipsecv2;	/* NDIS >= 6.1 */
	struct ndis_rsc_offload rsc;		/* NDIS >= 6.30 */
	u8 pad[2];
	struct ndis_encap_offload encap_gre;
} __packed;
OVB_ASSERT_SIZE(struct ndis_offload, 156);
OVB_ASSERT_OFFSET(struct ndis_offload, ipsecv2, 112);
OVB_ASSERT_OFFSET(struct ndis_offload, rsc, 144);
#define NDIS_OFFLOAD_SIZE_6_0	112u	/* revision 1 */
#define NDIS_OFFLOAD_SIZE_6_1	144u	/* revision 2 */
#define NDIS_OFFLOAD_SIZE	156u	/* revision 3 */

/* SET OID_TCP_OFFLOAD_PARAMETERS: 22 bytes at NVSP <= 4 (VERSION_4_OFFLOAD_SIZE). */
struct ndis_offload_params {
	struct ndis_object_header header;
	u8 ip_v4_csum;
	u8 tcp_ip_v4_csum;
	u8 udp_ip_v4_csum;
	u8 tcp_ip_v6_csum;
	u8 udp_ip_v6_csum;
	u8 lso_v1;
	u8 ip_sec_v1;
	u8 lso_v2_ipv4;
	u8 lso_v2_ipv6;
	u8 tcp_connection_ip_v4;
	u8 tcp_connection_ip_v6;
	u8 pad;
	u32 flags;
	u8 ip_sec_v2;
	u8 ip_sec_v2_ip_v4;
	u8 rsc_ip_v4;
	u8 rsc_ip_v6;
	u8 encapsulated_packet_task_offload;
	u8 encapsulation_types;
	u8 pad2[2];
} __packed;
OVB_ASSERT_SIZE(struct ndis_offload_params, 28);
OVB_ASSERT_OFFSET(struct ndis_offload_params, flags, 16);
#define NDIS_OFFLOAD_PARAMS_SIZE_V4	22u
/* Its checksum fields: 0 leaves a setting as it was. */
#define NDIS_OFFLOAD_PARAMETERS_NO_CHANGE		0
#define NDIS_OFFLOAD_PARAMETERS_TX_RX_DISABLED		1
#define NDIS_OFFLOAD_PARAMETERS_TX_ENABLED_RX_DISABLED	2
#define NDIS_OFFLOAD_PARAMETERS_RX_ENABLED_TX_DISABLED	3
#define NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED		4

/* Its lso_v2_ipv4 / lso_v2_ipv6 fields. */
#define NDIS_OFFLOAD_PARAMETERS_LSOV2_DISABLED		1
#define NDIS_OFFLOAD_PARAMETERS_LSOV2_ENABLED		2

/* OID_GEN_RECEIVE_SCALE_CAPABILITIES (header type 0x88, revision 2). */
struct ndis_recv_scale_cap {
	struct ndis_object_header hdr;
	u32 cap_flag;
	u32 num_int_msg;
	u32 num_recv_que;		/* < 2: the guest sets up no vRSS */
	u16 num_indirect_tabent;
} __packed;
OVB_ASSERT_SIZE(struct ndis_recv_scale_cap, 18);

/* ---- the message family, as one table ---------------------------------------------- */
#define RNDIS_DIR_G2H	1	/* guest to host */
#define RNDIS_DIR_H2G	2	/* host to guest */
#define RNDIS_DIR_BOTH	3

/*
 * X(type, body struct, minimum length, minimum version, direction): the
 * minimum length counts the 8-byte header; RNDIS has one version (1.0),
 * so the fourth column is the lowest NVSP version that carries it.
 * Expand with a macro of five arguments where a table is needed.
 */
#define OVB_RNDIS_MSG_LEN(body)	((u32)(sizeof(struct rndis_msg_hdr) + sizeof(struct body)))
#define OVB_RNDIS_MSG_TABLE(X)                                                            \
	X(RNDIS_MSG_PACKET, rndis_packet, OVB_RNDIS_MSG_LEN(rndis_packet), 0, RNDIS_DIR_BOTH) \
	X(RNDIS_MSG_INIT, rndis_initialize_request,                                         \
	  OVB_RNDIS_MSG_LEN(rndis_initialize_request), 0, RNDIS_DIR_G2H)                    \
	X(RNDIS_MSG_INIT_C, rndis_initialize_complete,                                      \
	  OVB_RNDIS_MSG_LEN(rndis_initialize_complete), 0, RNDIS_DIR_H2G)                   \
	X(RNDIS_MSG_HALT, rndis_halt_request, OVB_RNDIS_MSG_LEN(rndis_halt_request), 0,     \
	  RNDIS_DIR_G2H)                                                                    \
	X(RNDIS_MSG_QUERY, rndis_query_request, OVB_RNDIS_MSG_LEN(rndis_query_request), 0,  \
	  RNDIS_DIR_G2H)                                                                    \
	X(RNDIS_MSG_QUERY_C, rndis_query_complete,                                          \
	  OVB_RNDIS_MSG_LEN(rndis_query_complete), 0, RNDIS_DIR_H2G)                        \
	X(RNDIS_MSG_SET, rndis_set_request, OVB_RNDIS_MSG_LEN(rndis_set_request), 0,        \
	  RNDIS_DIR_G2H)                                                                    \
	X(RNDIS_MSG_SET_C, rndis_set_complete, OVB_RNDIS_MSG_LEN(rndis_set_complete), 0,    \
	  RNDIS_DIR_H2G)                                                                    \
	X(RNDIS_MSG_RESET, rndis_reset_request, OVB_RNDIS_MSG_LEN(rndis_reset_request), 0,  \
	  RNDIS_DIR_G2H)                                                                    \
	X(RNDIS_MSG_RESET_C, rndis_reset_complete,                                          \
	  OVB_RNDIS_MSG_LEN(rndis_reset_complete), 0, RNDIS_DIR_H2G)                        \
	X(RNDIS_MSG_INDICATE, rndis_indicate_status,                                        \
	  OVB_RNDIS_MSG_LEN(rndis_indicate_status), 0, RNDIS_DIR_H2G)                       \
	X(RNDIS_MSG_KEEPALIVE, rndis_keepalive_request,                                     \
	  OVB_RNDIS_MSG_LEN(rndis_keepalive_request), 0, RNDIS_DIR_BOTH)                    \
	X(RNDIS_MSG_KEEPALIVE_C, rndis_keepalive_complete,                                  \
	  OVB_RNDIS_MSG_LEN(rndis_keepalive_complete), 0, RNDIS_DIR_BOTH)

#endif /* OVB_RNDIS_H */
