/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* State shared by netvsp_proto.c (the pure handler) and netvsp.c (VMBus and TAP glue). */
#ifndef OVB_NETVSP_INTERNAL_H
#define OVB_NETVSP_INTERNAL_H

#include <pthread.h>

#include "hostside/log.h"
#include "hostside/netvsp/netvsp.h"
#include "hostside/netvsp/rndis_dev.h"

/* Receive sections reserved for control answers and indications. */
#define NETVSP_CONTROL_SECTIONS	8u
/* At most this many receive sections are used, whatever the buffer's size. */
#define NETVSP_MAX_RX_SECTIONS	32768u
/* Send sections: OpenVMM's size, unless the MTU needs more. */
#define NETVSP_SEND_SECTION	6144u
/* The bytes one guest send may gather (GPA-direct ranges, a send section). */
#define NETVSP_GATHER_MAX	(128u * 1024u)
/* GPA-direct ranges looked at in one packet. */
#define NETVSP_MAX_RANGES	64u

struct netvsp {
	struct netvsp_cfg cfg;
	/*
	 * lock: the protocol state below, the receive buffer and its
	 * sections (the worker, the TAP reader and the ctl thread use them).
	 * The send buffer is the worker's alone.
	 */
	pthread_mutex_t lock;
	uint32_t nvsp_version;		/* 0: not negotiated */
	uint32_t ndis_version;
	uint32_t guest_mtu;		/* from NDIS_CONFIG (frame size - 14), 0: none */
	struct rndis_dev rndis;

	uint8_t *recv_buf;
	uint64_t recv_len;
	uint16_t recv_id;		/* the transfer page set id */
	uint32_t recv_section_size, recv_sections;
	uint32_t *recv_free;		/* stack of free section indexes */
	uint32_t recv_nfree;
	uint8_t *recv_busy;		/* per section: with the guest */

	uint8_t *send_buf;
	uint64_t send_len;
	uint32_t send_section_size, send_sections;

	uint8_t *gather;		/* NETVSP_GATHER_MAX bytes (worker) */

	/* counters (atomic) */
	uint64_t tx_packets, tx_bytes, tx_drops;
	uint64_t rx_packets, rx_bytes, rx_drops;
	uint64_t bad_packets;
	uint64_t rx_csum, rx_vlan;	/* frames to the guest with that per-packet info */
	uint64_t guest_packets;		/* every packet from the guest (netvsp_quiesce) */

	void *glue;			/* netvsp.c's */
	struct log_ratelimit log_rl;	/* complaints about the guest's packets */
	struct log_ratelimit state_rl;	/* negotiation lines */
};

#define netvsp_log(nv, fmt, ...) log_rl(&(nv)->log_rl, "guest: netvsp: " fmt, ##__VA_ARGS__)

static inline void netvsp_count(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/* Receive section size for an MTU: an RNDIS data message of a full frame, with room to spare. */
static inline uint32_t netvsp_recv_section_size(uint32_t mtu)
{
	uint32_t need = (mtu + 14 + 44 + 64 + 63) & ~63u;

	return need < 1728 ? 1728 : need;
}

/* Allocate/free the state of netvsp_proto.c (called by netvsp_new/free). */
int netvsp_proto_init(struct netvsp *nv, const struct netvsp_cfg *cfg);
void netvsp_proto_fini(struct netvsp *nv);

#endif
