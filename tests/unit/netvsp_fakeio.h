/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A fake channel and TAP for driving netvsp's pure packet handler
 * (hostside/netvsp/netvsp.h, struct netvsp_io) like a Linux guest would:
 * guest RAM between PROT_NONE guard pages, the receive and send buffers as
 * GPADLs in it, and everything the handler sends (completions, transfer
 * pages, frames for the TAP) recorded. Packets are built from include/ovb
 * only. Shared by the unit tests and the fuzzer.
 */
#ifndef OVB_TEST_NETVSP_FAKEIO_H
#define OVB_TEST_NETVSP_FAKEIO_H

#include <stdbool.h>
#include <stdint.h>

#include "hostside/netvsp/netvsp.h"
#include "ovb/nvsp.h"
#include "ovb/rndis.h"

#define NF_RAM_PAGES	1024u		/* 4 MiB at GPA 0 */
#define NF_RECV_GPADL	0x100u
#define NF_RECV_PFN	0u
#define NF_RECV_PAGES	512u		/* 2 MiB */
#define NF_SEND_GPADL	0x101u
#define NF_SEND_PFN	512u
#define NF_SEND_PAGES	256u		/* 1 MiB */
#define NF_FREE_PFN	768u		/* the rest: data for GPA-direct sends */
#define NF_MAX_LOG	64u

struct nf_comp {
	uint64_t trans_id;
	uint32_t len;
	struct ovb_nvsp_msg msg;
};

struct nf_xfer {
	uint64_t trans_id;
	uint32_t channel_type, offset, len;
};

struct netvsp_fake {
	uint8_t *map;			/* guard page, RAM, guard page */
	uint8_t *ram;
	struct netvsp *nv;
	uint8_t mac[6];
	int maps;			/* GPADL mappings alive */
	/* what the handler sent, oldest first (the last NF_MAX_LOG) */
	struct nf_comp comps[NF_MAX_LOG];
	unsigned int ncomps;
	struct nf_xfer xfers[NF_MAX_LOG];
	unsigned int nxfers;
	int xfer_ret;			/* what send_xfer answers (0, -EAGAIN) */
	uint8_t frame[70000];		/* the last frame for the TAP */
	uint32_t frame_len;
	struct netvsp_tx_meta meta;	/* what the last frame asked of the TAP */
	unsigned int nframes;
	uint64_t tid;			/* the guest's next transaction id */
	uint32_t send_section_size;
	uint32_t recv_section_size;
	uint8_t pkt[16384] __attribute__((aligned(8)));
};

extern const struct netvsp_io nf_io;

/* The tests' own Internet checksum (not netvsp's): big-endian words, ones' complement. */
static inline uint32_t nf_be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static inline uint32_t nf_sum16(const uint8_t *p, uint32_t len, uint32_t s)
{
	for (uint32_t i = 0; i + 1 < len; i += 2)
		s += nf_be16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static inline uint32_t nf_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* A NIC (MTU 1500) over fresh fake RAM; NULL on failure. */
struct netvsp_fake *nf_new(void);
/* The same, offering TX checksum and LSO (offload=on). */
struct netvsp_fake *nf_new_offload(void);
void nf_free(struct netvsp_fake *f);
/* The NIC's bad_packets counter: what it dropped as malformed. */
uint64_t nf_bad_packets(struct netvsp_fake *f);

/* One packet of @len bytes as the ring gave it. */
int nf_packet(struct netvsp_fake *f, const void *pkt, uint32_t len);
/* An in-band NVSP message (@flags: OVB_VMPKT_FLAG_COMPLETION_REQUESTED or 0). */
int nf_nvsp(struct netvsp_fake *f, uint16_t flags, const struct ovb_nvsp_msg *m, uint32_t len);
/* The last completion, or NULL if none came. */
const struct nf_comp *nf_last_comp(struct netvsp_fake *f);

/* INIT at @version, NDIS config and version, both buffers: 0 if all succeeded. */
int nf_connect(struct netvsp_fake *f, uint32_t version);
/* RNDIS message @msg (@len bytes) in send section @section, completion requested. */
int nf_rndis_section(struct netvsp_fake *f, uint32_t section, const void *msg, uint32_t len);
/* The RNDIS message of the last transfer-page packet (in the receive buffer), or NULL. */
const uint8_t *nf_last_rndis(struct netvsp_fake *f, uint32_t *len);
/* The guest completes transfer-page packet @trans_id. */
int nf_complete_xfer(struct netvsp_fake *f, uint64_t trans_id);
/* A query for @oid: the completion's info, its status in *@status; NULL if no answer. */
const uint8_t *nf_query(struct netvsp_fake *f, uint32_t oid, uint32_t *status, uint32_t *info_len);
/* A set of @oid to @info: the completion's status (0xffffffff if none). */
uint32_t nf_set(struct netvsp_fake *f, uint32_t oid, const void *info, uint32_t info_len);
/* Linux's whole bring-up to a running NIC at @version: 0 if every step succeeded. */
int nf_bringup(struct netvsp_fake *f, uint32_t version);
/* An RNDIS data message of @frame into @buf; its length. */
uint32_t nf_build_data(uint8_t *buf, const void *frame, uint32_t frame_len);
/* An RNDIS message in guest RAM (the free area) sent as one GPA-direct range. */
void nf_send_gpa(struct netvsp_fake *f, const uint8_t *msg, uint32_t len);
/* The same with one per-packet info of @type holding @value, as netvsc_xmit lays it out. */
uint32_t nf_build_data_ppi(uint8_t *buf, const void *frame, uint32_t frame_len, uint32_t type,
			   uint32_t value);

#endif
