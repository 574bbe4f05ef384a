/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The RNDIS device netvsp presents (include/ovb/rndis.h): pure parsing and
 * building of RNDIS messages, no I/O, no VMBus. netvsp_proto.c hands it
 * what the guest sent in a SEND_RNDIS_PKT; the answers it builds go back
 * to the guest in a receive-buffer section.
 *
 * Every offset and length in a message is the guest's: each is checked
 * against the bytes actually received before anything is read.
 *
 * Threads: one caller at a time (netvsp holds its lock around it).
 */
#ifndef OVB_NETVSP_RNDIS_DEV_H
#define OVB_NETVSP_RNDIS_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "ovb/rndis.h"

/* The largest answer built: a query completion and its 4 KiB limit in the guest. */
#define RNDIS_DEV_MAX_RESPONSE	512u
/* Messages of one SEND_RNDIS_PKT looked at before the rest is dropped. */
#define RNDIS_DEV_BATCH_BUDGET	64u
/* What INIT_C offers: packets per message and their alignment (1 << 3). */
#define RNDIS_DEV_MAX_PKT_PER_MSG	8u
#define RNDIS_DEV_PKT_ALIGN_SHIFT	3u
/* The largest LSO send offered (under the virtio-net header's 64 KiB). */
#define RNDIS_DEV_LSO_MAX		62768u

struct rndis_dev {
	/* the device (set before the guest talks to it) */
	uint8_t mac[6];
	uint32_t mtu;			/* Ethernet payload (1500) */
	uint32_t link_speed;		/* 100 bps units */
	uint32_t nvsp_version;		/* picks the offload object's revision */
	bool link_up;
	bool tx_offload;		/* offer TX checksum and LSOv2 */
	/* what the guest set up */
	bool initialized;
	uint32_t packet_filter;		/* 0: deliver nothing to it */
	uint8_t rx_csum;		/* RNDIS_DEV_RXCSUM_*: verified receive checksums it takes */
	uint32_t bad;			/* malformed messages seen */
};

/* rndis_dev.rx_csum: set by OID_TCP_OFFLOAD_PARAMETERS (offered with tx_offload). */
#define RNDIS_DEV_RXCSUM_TCP4	1u
#define RNDIS_DEV_RXCSUM_UDP4	2u
#define RNDIS_DEV_RXCSUM_TCP6	4u
#define RNDIS_DEV_RXCSUM_UDP6	8u

/* What one message is, after rndis_dev_next(). */
struct rndis_msg {
	uint32_t type;
	uint32_t len;			/* header included */
	const uint8_t *p;		/* header first */
};

/*
 * The message at *@off of @buf (@len bytes): 0 and *@off moved past it,
 * 1 at the end (fewer bytes left than a header, or a zero header: the
 * guest's padding), -EINVAL if its msg_len is short or runs past @len.
 */
int rndis_dev_next(const uint8_t *buf, uint32_t len, uint32_t *off, struct rndis_msg *m);

/*
 * A data packet: the Ethernet frame it carries. 0, or -EINVAL (offsets or
 * lengths outside the message, a frame shorter than 14 bytes or longer
 * than @max_frame).
 */
int rndis_dev_packet(const struct rndis_msg *m, uint32_t max_frame, const uint8_t **frame,
		     uint32_t *frame_len);

/*
 * The u32 value of the data packet's per-packet info of @type (one of
 * RNDIS_PPI_*, not internal): 1 and *@value set, 0 if it has none, or
 * -EINVAL if its list runs outside the message (the packet is bad).
 */
int rndis_dev_packet_ppi(const struct rndis_msg *m, uint32_t type, uint32_t *value);

/*
 * A control message (INIT, QUERY, SET, RESET, HALT, KEEPALIVE): updates
 * @d and builds the answer in @resp (RNDIS_DEV_MAX_RESPONSE bytes).
 * Returns its length, 0 when none is due (HALT, a KEEPALIVE_C), or
 * -EINVAL for a malformed or unknown message (counted in d->bad).
 */
int rndis_dev_control(struct rndis_dev *d, const struct rndis_msg *m, uint8_t *resp);

/* A data message carrying @frame_len bytes of @frame into @dst (@cap bytes); 0 if it does not fit. */
uint32_t rndis_dev_build_packet(uint8_t *dst, uint32_t cap, const void *frame, uint32_t frame_len);
/* The bytes a data message of @frame_len needs (with room for every per-packet info we add). */
#define RNDIS_DEV_RX_PPI_MAX	2u
#define RNDIS_DEV_PPI_SIZE	16u	/* a u32 value after its 12-byte header */
static inline uint32_t rndis_dev_packet_size(uint32_t frame_len)
{
	return (uint32_t)OVB_RNDIS_PACKET_HDR_SIZE + frame_len;
}

/*
 * What a received frame carries besides its bytes: the checksum info
 * (RNDIS_CSUM_RX_*) and an 802.1Q tag taken out of the frame (the
 * ndis_pkt_8021q_info value), each only if its has_ flag is set.
 */
struct rndis_rx_info {
	bool has_csum, has_vlan;
	uint32_t csum, vlan;
};
/* rndis_dev_build_packet with per-packet info from @info (NULL: none). */
uint32_t rndis_dev_build_packet_info(uint8_t *dst, uint32_t cap, const void *frame,
				     uint32_t frame_len, const struct rndis_rx_info *info);

/* A status indication (RNDIS_STATUS_MEDIA_CONNECT ...) into @dst (>= 20 bytes). */
uint32_t rndis_dev_build_indicate(uint8_t *dst, uint32_t status);

#endif
