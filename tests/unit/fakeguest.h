/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A fake guest for driving the VMBus server in-process. It is built only
 * from include/ovb and lib/ (never from hostside/), so the tests check the
 * server against the wire definitions, not against itself. Guest RAM is a
 * memfd mapped between PROT_NONE guard pages; the server's ops are
 * implemented over it, and whatever the server posts lands in a queue.
 */
#ifndef OVB_TEST_FAKEGUEST_H
#define OVB_TEST_FAKEGUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "ovb/vmbus_msg.h"
#include "lib/ring.h"
#include "ovb/ic_proto.h"

#define FG_RAM_PAGES	4096		/* 16 MiB */
#define FG_MAX_POSTED	4096
/*
 * A fake VMBus MMIO window right after RAM (so a range can straddle
 * both): map_range places memory there, fg_mmio() is the guest's view.
 */
#define FG_MMIO_BASE	((uint64_t)FG_RAM_PAGES * 4096)
#define FG_MMIO_SIZE	(1024u * 4096)
#define FG_MMIO_MAX	8

struct fg_posted {
	uint32_t vp, sint, len;
	uint8_t data[OVB_VMBUS_MAX_MSG_SIZE];
};

/* Hands a guest message to the server under test (see fg_set_send). */
typedef void fg_send_fn(void *arg, const void *msg, uint32_t len);

struct fakeguest {
	int memfd;
	fg_send_fn *send;		/* fg_set_send */
	void *send_arg;
	uint64_t ref_time_offset;	/* added to ref_time (100 ns units) */
	uint8_t *ram;			/* FG_RAM_PAGES pages, guards around */
	uint32_t next_page;		/* page allocator */
	struct fg_posted *posted;
	unsigned int nposted, nread;
	int event_fds[64];
	uint32_t event_conns[64];
	unsigned int nevents;
	uint64_t signals;		/* host -> guest channel signals */
	uint32_t last_signal_relid;
	unsigned int mapped_rings;
	unsigned int kicks;		/* the server asked for its control thread */
	unsigned int mapped_pages;	/* map_pages mappings alive */
	uint8_t *mmio;			/* the window's memory, FG_MMIO_SIZE */
	struct { uint64_t gpa, len; } mmio_maps[FG_MMIO_MAX];	/* len 0: free */
	unsigned int mapped_mmio;	/* map_range mappings in the window alive */
};

/* The ops struct, layout-compatible with hostside's vmbus_server_ops. */
struct fg_ops {
	int (*post_msg)(void *, uint32_t, uint32_t, const void *, uint32_t);
	void *(*map_ring)(void *, const uint64_t *, uint32_t);
	void (*unmap_ring)(void *, void *, uint32_t);
	void *(*gpa_map)(void *, uint64_t, uint64_t);
	int (*event_register)(void *, uint32_t, int);
	void (*event_unregister)(void *, uint32_t, int);
	int (*signal_guest)(void *, uint32_t, uint32_t, uint32_t);
	void (*kick)(void *);
	void *(*map_pages)(void *, const uint64_t *, uint32_t);
	void (*unmap_pages)(void *, void *, uint32_t);
	void *(*map_range)(void *, uint64_t, uint64_t);
	void (*unmap_range)(void *, void *, uint64_t, uint64_t);
	uint64_t (*ref_time)(void *);
};
extern const struct fg_ops fg_ops;

struct fakeguest *fg_new(void);
void fg_free(struct fakeguest *fg);

/* Allocate @n zeroed guest pages; returns the first PFN. */
uint64_t fg_alloc_pages(struct fakeguest *fg, uint32_t n);
void *fg_page(struct fakeguest *fg, uint64_t pfn);
/* The guest's view of window address @gpa (what its VRAM writes reach). */
void *fg_mmio(struct fakeguest *fg, uint64_t gpa);

/* Next message the server posted, or NULL; copies its header type. */
const struct fg_posted *fg_next(struct fakeguest *fg);
/* Skip to the next posted message of @type (NULL if none queued). */
const struct fg_posted *fg_expect(struct fakeguest *fg, uint32_t type);

/* The eventfd the server registered for @conn_id, or -1. */
int fg_event_fd(struct fakeguest *fg, uint32_t conn_id);

/*
 * Build the GPADL header (+ bodies) for @npages pages from @pfn0 into
 * @msgs (each OVB_VMBUS_MAX_MSG_SIZE bytes) and their lengths; returns
 * the number of messages.
 */
unsigned int fg_gpadl_msgs(uint32_t relid, uint32_t gpadl, uint64_t pfn0, uint32_t npages,
			   uint8_t (*msgs)[OVB_VMBUS_MAX_MSG_SIZE], uint32_t *lens,
			   unsigned int max);

/*
 * The guest's end of an open channel: its rings over fake RAM (guest->host
 * first, host->guest at @pages, as the guest laid them out in its ring
 * GPADL from @pfn0) and the host's notification eventfd for @conn_id.
 */
struct fg_chan {
	struct ovb_ring rx, tx;	/* rx = host->guest ring, tx = guest->host */
	int fd;
};
int fg_chan_init(struct fakeguest *fg, struct fg_chan *g, uint64_t pfn0, uint32_t pages,
		 uint32_t conn_id);
/* Wait up to @ms for one host packet (whole, descriptor first); its length, or 0. */
uint32_t fg_chan_recv(struct fg_chan *g, uint8_t *buf, uint32_t size, uint64_t *tid,
		      unsigned int ms);
/*
 * The guest's side of connecting and opening, for tests that drive a VSP
 * through the real server: @send (the test's vmbus_server_handle_msg
 * call, bound to its server as @arg) takes each guest message; this file
 * itself never links the server. Each returns 0, or -1 when an answer the
 * guest waits for did not come or said no.
 */
void fg_set_send(struct fakeguest *fg, fg_send_fn *send, void *arg);
/* INITIATE_CONTACT at @version, REQUESTOFFERS; the first offer into @o. */
int fg_connect(struct fakeguest *fg, uint32_t version, struct vmbus_channel_offer_channel *o);
/* GPADL @id of @npages pages from @pfn0 on channel @relid, GPADL_CREATED. */
int fg_gpadl(struct fakeguest *fg, uint32_t relid, uint32_t id, uint64_t pfn0, uint32_t npages);
/*
 * Open channel @relid (connection @conn_id) on fresh rings of @pages
 * pages each way, described by ring GPADL @gpadl: the guest's end in @g.
 */
int fg_chan_open(struct fakeguest *fg, struct fg_chan *g, uint32_t relid, uint32_t conn_id,
		 uint32_t gpadl, uint32_t pages);

/*
 * Answer an IC packet in place as Linux's hv_utils does and signal the
 * host: a negotiation takes the host's first framework version and
 * service version @srv (IC_VERSION(); 0 = the host's first); a heartbeat
 * answers seq + 1; anything else is answered OK as it came. 0 or -1.
 */
int fg_ic_answer(struct fg_chan *g, uint8_t *pkt, uint32_t len, uint64_t tid, uint32_t srv);

#endif /* OVB_TEST_FAKEGUEST_H */
