/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * netvsp: the synthetic network VSP (NVSP 1 to 6.1, include/ovb/nvsp.h,
 * with RNDIS inside, include/ovb/rndis.h) on one TAP interface.
 *
 *   nv = netvsp_new(&cfg);                      the NIC (no channel yet)
 *   vmbus_server_add_device(srv, netvsp_device(nv));   netvsp.c: VMBus and TAP
 *   netvsp_set_link(nv, false);                 `ovbctl nic link down`
 *   netvsp_quiesce(nv, ms);                     before a hot remove
 *   netvsp_free(nv) after vmbus_server_remove_device().
 *
 * The packet handler (netvsp_proto.c, netvsp_packet_handle) is pure: what
 * it needs of VMBus and the TAP is a struct netvsp_io, so the unit tests
 * and the fuzzer drive it with fakes; netvsp.c runs it on the channel's
 * worker and moves TAP frames to the guest on a thread of its own.
 *
 * Offloads: with offload=on, TX checksum and LSOv2 from the guest become
 * the TAP's virtio-net header (offload.c); otherwise the capabilities
 * object is empty; receive checksum info (netvsp_rx_frame_flags) too.
 * 802.1Q tags go both ways as per-packet info. Not yet: sub-channels
 * (vRSS), RSC, several TAP queues; the guest is told so (no RSS
 * capabilities, SUBCHANNEL refused with 0 granted, no RSC in the
 * capabilities). Several NICs are several struct netvsp (netvsp_type.c).
 */
#ifndef OVB_NETVSP_H
#define OVB_NETVSP_H

#include <stdbool.h>
#include <stdint.h>

#include "ovb/types.h"

struct netvsp;
struct vmbus_device;

struct netvsp_cfg {
	char ifname[16];		/* the TAP (IFNAMSIZ); "" in tests: no TAP */
	uint8_t mac[6];
	uint32_t mtu;			/* 68..65521 */
	int tap_fd;			/* >= 0: use this fd instead of opening ifname */
	bool offload;			/* offer TX checksum and LSOv2 (offload=on) */
};

#define NETVSP_MTU_MIN	68u
#define NETVSP_MTU_MAX	65521u

/* Parse "tap=IFNAME[,mac=MAC][,mtu=N]". 0, or -1 with *@err set. */
int netvsp_cfg_parse(const char *arg, struct netvsp_cfg *cfg, const char **err);

struct netvsp *netvsp_new(const struct netvsp_cfg *cfg);
void netvsp_free(struct netvsp *nv);
struct vmbus_device *netvsp_device(struct netvsp *nv);

/* Link state as the guest sees it; tells a connected guest (an RNDIS indication). */
void netvsp_set_link(struct netvsp *nv, bool up);

/*
 * Ready the NIC for removal: link down, then wait (up to @max_ms) until
 * the guest is idle on it. 0, or -ETIMEDOUT (removed anyway).
 */
int netvsp_quiesce(struct netvsp *nv, unsigned int max_ms);

struct netvsp_stats {
	uint64_t tx_packets, tx_bytes, tx_drops;	/* guest to TAP */
	uint64_t rx_packets, rx_bytes, rx_drops;	/* TAP to guest */
	uint64_t bad_packets;				/* malformed from the guest */
	uint64_t rx_csum, rx_vlan;	/* of rx_packets: with checksum info, with a VLAN tag as info */
	uint32_t nvsp_version, ndis_version, mtu;
	bool link_up, rndis_up;
};
void netvsp_get_stats(struct netvsp *nv, struct netvsp_stats *s);
const char *netvsp_ifname(struct netvsp *nv);

/* ---- the pure packet handler ---- */

/*
 * What a frame from the guest asks of the TAP (its virtio-net header):
 * a checksum to finish from csum_start, and segmentation.
 */
#define NETVSP_TX_NEEDS_CSUM	1	/* VIRTIO_NET_HDR_F_NEEDS_CSUM */
#define NETVSP_GSO_NONE		0
#define NETVSP_GSO_TCPV4	1	/* VIRTIO_NET_HDR_GSO_TCPV4 */
#define NETVSP_GSO_TCPV6	4	/* VIRTIO_NET_HDR_GSO_TCPV6 */
struct netvsp_tx_meta {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset;
};
/* The Internet checksum's ones' complement sum of @len bytes (big-endian words), and its fold. */
uint32_t netvsp_csum_add(const uint8_t *p, uint32_t len, uint32_t sum);
uint16_t netvsp_csum_fold(uint32_t sum);

/*
 * From the guest's checksum and LSO per-packet info values (NULL: none),
 * fixing up @frame's lengths and seeds for LSO (offload.c). 0, or -EINVAL
 * if they do not match the frame (the send is dropped).
 */
int netvsp_tx_offload(uint8_t *frame, uint32_t len, const uint32_t *csum, const uint32_t *lso,
		      struct netvsp_tx_meta *m);

/*
 * What the handler needs of its channel and back end (ctx is the glue's).
 * complete: a VM_PKT_COMP of @trans_id with @msg as its payload.
 * send_xfer: a transfer-page packet of one range of the receive buffer
 *   (@offset, @len) holding an RNDIS message, with completion requested
 *   as @trans_id; 0, -EAGAIN when the ring is full now, or another errno.
 *   Called with the device's lock held.
 * tap_write: one Ethernet frame from the guest with what it asks of the
 *   TAP; 0, or an errno (dropped).
 */
struct netvsp_io {
	void *(*gpadl_map)(void *ctx, uint32_t gpadl, uint64_t *len);
	void (*gpadl_unmap)(void *ctx, void *p);
	void *(*gpa_map)(void *ctx, uint64_t gpa, uint64_t len);
	int (*complete)(void *ctx, uint64_t trans_id, const void *msg, uint32_t len);
	int (*send_xfer)(void *ctx, uint64_t trans_id, uint32_t channel_type, uint32_t offset,
			 uint32_t len);
	int (*tap_write)(void *ctx, const uint8_t *frame, uint32_t len,
			 const struct netvsp_tx_meta *meta);
};

/*
 * One VMBus packet from the guest (descriptor first, @len bytes as the
 * ring gave it). 0, or -EINVAL if it was dropped as malformed (counted in
 * bad_packets and logged, rate-limited).
 */
int netvsp_packet_handle(struct netvsp *nv, const void *pkt, uint32_t len,
			 const struct netvsp_io *io, void *ctx);

/*
 * A frame from the TAP into a free receive section and on to the guest.
 * 0; -EAGAIN if no section or no ring room now (retry later); -ENODEV if
 * the guest is not ready for data (no buffer, RNDIS down, filter 0);
 * -EMSGSIZE if it can never fit a section. Counts rx_* (drops are the
 * caller's to count, it knows whether it gives up).
 */
int netvsp_rx_frame(struct netvsp *nv, const struct netvsp_io *io, void *ctx,
		    const uint8_t *frame, uint32_t len);
/*
 * The same with what the TAP said of the frame (NETVSP_RX_*), which may
 * be rewritten in place: an 802.1Q tag goes into the guest's per-packet
 * info (IEEE 802.1Q) instead of the frame when the guest is an NDIS 6
 * one (it sent NDIS_VER >= 6.0; every NDIS 6 stack takes VLAN tags out of
 * band, Linux's netvsc always does), else it stays in the frame; a
 * checksum the TAP vouches for becomes the TCP/IP checksum info
 * (tcp/udp_checksum_succeeded) if the guest enabled receive checksum
 * offload for that protocol (SET OID_TCP_OFFLOAD_PARAMETERS).
 */
#define NETVSP_RX_CSUM_VALID	1u	/* VIRTIO_NET_HDR_F_DATA_VALID, or NEEDS_CSUM completed */
int netvsp_rx_frame_flags(struct netvsp *nv, const struct netvsp_io *io, void *ctx,
			  uint8_t *frame, uint32_t len, uint32_t flags);
void netvsp_count_rx_drop(struct netvsp *nv);

/* Set the link state the guest is told (no message: see netvsp_indicate_link). */
void netvsp_proto_set_link(struct netvsp *nv, bool up);
/* Tell the guest the link state now, if it is listening (with io/ctx of its channel). */
void netvsp_indicate_link(struct netvsp *nv, const struct netvsp_io *io, void *ctx);

/* The guest's channel closed or it reconnected: forget what it negotiated, unmapping buffers. */
void netvsp_protocol_reset(struct netvsp *nv, const struct netvsp_io *io, void *ctx);

#endif
