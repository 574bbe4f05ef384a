/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The one VMBus ring implementation, shared by the guest modules and the
 * host. One struct ovb_ring is one direction of a channel, seen from one
 * side: either its writer (tx) or its reader (rx).
 *
 * The peer is hostile. Only the peer's index is ever read from shared
 * memory, once per use, and checked (in range, 8-byte aligned); our own
 * index lives in private state and is only ever written to shared memory.
 * Packets are copied out before anyone parses them, with the descriptor as
 * it was validated. Any inconsistency marks the ring failed: every later
 * call returns -EIO. Nothing here allocates, locks, logs or does I/O; one
 * thread at a time may use each struct ovb_ring (one tx user, one rx user).
 *
 * Transmit:   ovb_ring_tx_write() / ovb_ring_tx_inband()
 * Receive:    ovb_ring_rx_peek() -> ovb_ring_rx_advance() (repeat) ->
 *             ovb_ring_rx_commit() once per batch
 * Signalling: a tx call says whether the reader must be signalled (ring
 *             went empty -> non-empty and the reader did not mask
 *             interrupts); rx_commit says whether the writer must be
 *             signalled (free space crossed its pending_send_sz).
 *             For a batch of writes (signal NULL, then one decision) the
 *             reader is signalled if its read index is anywhere inside the
 *             batch: it may have found the ring empty there and slept.
 */
#ifndef OVB_LIB_RING_H
#define OVB_LIB_RING_H

#include "ovb/ring.h"
#include "lib/compat.h"

/* The data area is mapped twice back to back: no copy ever splits. */
#define OVB_RING_F_DOUBLE_MAPPED	0x1u

struct ovb_ring_stats {
	u64 packets;		/* packets written (tx) or consumed (rx) */
	u64 bytes;		/* bytes of those packets, framing included */
	u64 signals;		/* times this side said "signal the peer" */
	u64 full;		/* tx: writes refused for lack of space */
	u64 commits;		/* rx: read-index publications */
};

struct ovb_ring {
	struct ovb_ring_ctl *ctl;	/* shared control page */
	u8 *data;			/* shared data area */
	u32 size;			/* bytes in the data area */
	u32 flags;			/* OVB_RING_F_* */
	u32 own_index;			/* tx: write position; rx: read position */
	u32 committed;			/* rx: read index last published */
	u32 peer_index;			/* last validated peer index */
	u32 next_len;			/* rx: bytes the peeked packet occupies */
	u32 batch_start;		/* tx: write index before unsignalled writes */
	u32 batch_bytes;		/* tx: bytes written since then (saturates) */
	ovb_bool in_batch;		/* tx: writes since the last signal decision */
	int error;			/* 0, or the sticky error (-EIO) */
	const char *why;		/* what failed, for the caller's log */
	struct ovb_ring_stats stats;
};

/* One gather element for ovb_ring_tx_write(). */
struct ovb_ring_buf {
	const void *base;
	u32 len;
};

/*
 * Initialise the creator's view of a fresh ring: zero both indices and the
 * masks, advertise pending_send_sz support. Only the side that allocates
 * the ring memory (the guest) calls this, before offering it to the peer.
 */
void ovb_ring_ctl_reset(struct ovb_ring_ctl *ctl);

/*
 * Attach to a ring as its writer (tx) or reader (rx). The data area is
 * @size bytes (a multiple of 8, at least one page, below 2 GiB). Our own
 * index is taken from shared memory once, here, and checked; after this it
 * is never read back. Returns 0 or -EINVAL (bad size or index).
 */
int ovb_ring_tx_init(struct ovb_ring *r, struct ovb_ring_ctl *ctl, void *data,
		     u32 size, u32 flags);
int ovb_ring_rx_init(struct ovb_ring *r, struct ovb_ring_ctl *ctl, void *data,
		     u32 size, u32 flags);

/* Bytes a packet of @payload_len bytes occupies in the ring, framing included. */
static inline u32 ovb_ring_packet_footprint(u32 len)
{
	return ((len + OVB_RING_ALIGN - 1) & ~(OVB_RING_ALIGN - 1)) +
	       OVB_RING_TRAILER_SIZE;
}

/* The ring has failed; r->why says why. */
static inline ovb_bool ovb_ring_failed(const struct ovb_ring *r)
{
	return r->error != 0;
}

/*
 * Write one packet gathered from @bufs: together they must form the whole
 * packet, starting with a struct ovb_vmpacket_desc whose len8 covers them
 * (rounded up to 8 bytes) and whose offset8 is within it. The ring pads to
 * 8 bytes and appends the trailer.
 * With @signal NULL the signal decision is deferred: a batch of writes ends
 * with one that passes @signal, or with ovb_ring_tx_signal().
 * Returns 0 (sets *signal if the reader must be notified), -EAGAIN if there
 * is not enough room now, -EMSGSIZE if it can never fit, -EINVAL for a
 * malformed packet from the caller, or -EIO if the ring has failed.
 */
int ovb_ring_tx_write(struct ovb_ring *r, const struct ovb_ring_buf *bufs,
		      unsigned int nbufs, ovb_bool *signal);

/* End a batch of writes made with @signal NULL: should the reader be woken? */
void ovb_ring_tx_signal(struct ovb_ring *r, ovb_bool *signal);

/* Convenience: an in-band packet of @len payload bytes after a descriptor. */
int ovb_ring_tx_inband(struct ovb_ring *r, u16 type, u16 flags, u64 trans_id,
		       const void *payload, u32 len, ovb_bool *signal);

/* Bytes free for writing now (a packet needs strictly more than its footprint). */
u32 ovb_ring_tx_space(struct ovb_ring *r);

/*
 * Ask the reader for a signal once @bytes are free (0 clears the request).
 * Returns true if that much is already free after setting it, so the
 * caller must retry now instead of sleeping.
 */
ovb_bool ovb_ring_tx_want_space(struct ovb_ring *r, u32 bytes);

/*
 * Look at the next packet: copy it (descriptor first, len8 * 8 bytes) into
 * @buf of @buflen bytes and set *@pktlen. Returns 0, -EAGAIN if the ring is
 * empty, -EMSGSIZE if @buf is too small (*@pktlen says how much is needed;
 * the ring stays usable and the packet can be skipped with advance), or
 * -EIO if the ring is (now) failed. The copy's descriptor always holds the
 * values that were validated, whatever the peer did meanwhile.
 */
int ovb_ring_rx_peek(struct ovb_ring *r, void *buf, u32 buflen, u32 *pktlen);

/* Step past the packet the last successful (or -EMSGSIZE) peek returned. */
void ovb_ring_rx_advance(struct ovb_ring *r);

/*
 * Publish the read position after a batch. Sets *signal if the writer asked
 * (pending_send_sz) to be woken and the free space just crossed that mark.
 */
void ovb_ring_rx_commit(struct ovb_ring *r, ovb_bool *signal);

/*
 * Bytes consumed (advanced past) but not yet published by a commit. A batch
 * should also end when this reaches a fair share of the ring (a quarter,
 * say), or a writer with a small ring stalls waiting for space we already
 * freed.
 */
static inline u32 ovb_ring_rx_uncommitted(const struct ovb_ring *r)
{
	return r->own_index >= r->committed ?
	       r->own_index - r->committed :
	       r->size - r->committed + r->own_index;
}

/* Bytes the peer has written that we have not consumed (0 if failed). */
u32 ovb_ring_rx_avail(struct ovb_ring *r);

/* Reader: ask the writer not to signal us (we are polling). */
void ovb_ring_rx_mask(struct ovb_ring *r);

/*
 * Reader: ask for signals again. Returns true if data arrived before the
 * unmask became visible: the caller must keep draining, since the writer
 * may have seen the mask and not signalled.
 */
ovb_bool ovb_ring_rx_unmask(struct ovb_ring *r);

#endif /* OVB_LIB_RING_H */
