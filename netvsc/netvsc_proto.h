/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovb_netvsc's parsers of host bytes, without the network stack: NVSP
 * messages and the buffer layouts the host answers, transfer-page ranges
 * inside the receive buffer, and RNDIS messages (data packets with their
 * per-packet info, control completions, status indications).
 *
 * The receive buffer is shared with the host, which may change it while
 * we parse: every field is read exactly once (memcpy into a local) and
 * only checked values are used. What a parser returns points into the
 * caller's buffer. Pure functions: the userspace fuzzer and unit test
 * build this file as it is.
 */
#ifndef OVB_NETVSC_PROTO_H
#define OVB_NETVSC_PROTO_H

#include <linux/types.h>

#include "ovb/nvsp.h"
#include "ovb/ring.h"
#include "ovb/rndis.h"

/* Per-packet info elements we walk at most (Linux's guest sends up to 5). */
#define OVB_NVSC_MAX_PPI	16
/* The largest RNDIS message we take in one range (Linux: its receive section). */
#define OVB_NVSC_MAX_RNDIS	(64 * 1024 + 512)

/*
 * An in-band NVSP message of @len bytes from the host into *@m (zeroed
 * past @len): 0, or -EBADMSG if its type is none the host sends or it is
 * shorter than its type needs.
 */
int ovb_nvsc_parse_nvsp(const void *buf, u32 len, struct ovb_nvsp_msg *m);

/*
 * SEND_RECV_BUF_COMPLETE for a receive buffer of @buf_size bytes: one
 * section at offset 0 whose sub-allocations (at least 68 bytes each, at
 * least one) fit the buffer. 0 with *@size and *@count, -EIO if the host
 * said no, -EPROTO if the layout is not one we can use.
 */
int ovb_nvsc_recv_buf_layout(const struct ovb_nvsp_msg *m, u32 buf_size, u32 *size,
			     u32 *count);
/* SEND_SEND_BUF_COMPLETE: section size 68 .. @buf_size; count = buffer / size. */
int ovb_nvsc_send_buf_layout(const struct ovb_nvsp_msg *m, u32 buf_size, u32 *size,
			     u32 *count);

/*
 * Range @r (host bytes, read once) of a transfer-page packet: 0 with
 * *@off and *@len if it is non-empty and inside a receive buffer of
 * @buf_size bytes, else -EPROTO.
 */
int ovb_nvsc_xfer_range(const struct ovb_vmxfer_page_range *r, u32 buf_size, u32 *off,
			u32 *len);

/* One RNDIS message from the host. */
struct ovb_rndis_rx {
	u32 type;			/* RNDIS_MSG_* */
	union {
		struct {
			const u8 *data;	/* the Ethernet frame, into the buffer */
			u32 len;
			bool has_csum;	/* RNDIS_PPI_TCPIP_CHKSUM seen */
			u32 csum;	/* its value: RNDIS_CSUM_RX_* */
			bool has_vlan;	/* RNDIS_PPI_IEEE_8021Q seen */
			u32 vlan;	/* RNDIS_VLAN_* */
		} pkt;			/* RNDIS_MSG_PACKET */
		struct {
			u32 req_id;
			u32 status;
			const u8 *body;	/* the whole body (after the 8-byte header) */
			u32 body_len;
			const u8 *info;	/* QUERY_C: its information buffer */
			u32 info_len;
		} cmplt;		/* INIT_C, QUERY_C, SET_C, KEEPALIVE_C */
		struct {
			u32 status;	/* RNDIS_STATUS_* */
		} indicate;		/* RNDIS_MSG_INDICATE */
	};
};

/*
 * The RNDIS message at @buf (@len bytes: the range it came in): 0 with
 * *@m filled, -EBADMSG if its header or a length or offset in it does not
 * fit, -EPROTO for a type the host never sends us.
 */
int ovb_rndis_parse(const u8 *buf, u32 len, struct ovb_rndis_rx *m);

/* What the host can offload for us (ovb_nvsc_offloads). */
#define OVB_NVSC_TX_TCP4	(1u << 0)	/* checksum of TCP over IPv4 */
#define OVB_NVSC_TX_UDP4	(1u << 1)
#define OVB_NVSC_TX_TCP6	(1u << 2)
#define OVB_NVSC_TX_UDP6	(1u << 3)
#define OVB_NVSC_TSO4		(1u << 4)	/* LSOv2 */
#define OVB_NVSC_TSO6		(1u << 5)
/* The largest LSO we take whatever the host says (GSO_LEGACY_MAX_SIZE). */
#define OVB_NVSC_LSO_MAX	65536u

/*
 * The host's answer to OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES (@info,
 * @len bytes): an offload object (type 0xa7, revision >= 1, at least the
 * NDIS 6.0 size, no larger than what came). Returns the OVB_NVSC_* it
 * offers, as Linux's rndis_netdev_set_hwcaps judges them (TSO only with
 * the checksum of its IP version; at NVSP <= 4 no UDP checksum), with the
 * largest LSO size (at most OVB_NVSC_LSO_MAX; 0 without TSO) in *@lso_max and the SET OID_TCP_OFFLOAD_PARAMETERS
 * that turns them on in *@p (its length in *@p_len); -EPROTO if the
 * object is malformed.
 */
int ovb_nvsc_offloads(const u8 *info, u32 len, u32 nvsp_ver, u32 *lso_max,
		      struct ndis_offload_params *p, u32 *p_len);

#endif /* OVB_NETVSC_PROTO_H */
