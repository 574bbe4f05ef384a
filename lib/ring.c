// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The VMBus ring: see lib/ring.h for the contract.
 *
 * Framing (Linux drivers/hv/ring_buffer.c): a packet is its descriptor and
 * payload padded to 8 bytes, followed by a u64 whose upper half is the
 * write index the packet started at. A writer never fills the ring
 * completely, so write_index == read_index always means "empty".
 *
 * Peer indices are cached and only reloaded when the cached value is not
 * enough. That is safe because a stale peer index is always conservative:
 * the reader's index only moves towards ours (less free space seen), the
 * writer's only away from ours (less data seen).
 */
#include "lib/ring.h"

static int ring_fail(struct ovb_ring *r, const char *why)
{
	if (!r->error) {
		r->error = -EIO;
		r->why = why;
	}
	return -EIO;
}

static ovb_bool ring_index_ok(const struct ovb_ring *r, u32 idx)
{
	return idx < r->size && !(idx & (OVB_RING_ALIGN - 1));
}

/* Bytes from @from up to (not including) @to, going forward around the ring. */
static u32 ring_dist(const struct ovb_ring *r, u32 from, u32 to)
{
	return to >= from ? to - from : r->size - from + to;
}

static u32 ring_wrap(const struct ovb_ring *r, u32 idx)
{
	return idx >= r->size ? idx - r->size : idx;
}

static void ring_copy_out(const struct ovb_ring *r, u32 off, void *dst, u32 len)
{
	u32 first = r->size - off;

	if ((r->flags & OVB_RING_F_DOUBLE_MAPPED) || len <= first) {
		memcpy(dst, r->data + off, len);
	} else {
		memcpy(dst, r->data + off, first);
		memcpy((u8 *)dst + first, r->data, len - first);
	}
}

static void ring_copy_in(struct ovb_ring *r, u32 off, const void *src, u32 len)
{
	u32 first = r->size - off;

	if ((r->flags & OVB_RING_F_DOUBLE_MAPPED) || len <= first) {
		memcpy(r->data + off, src, len);
	} else {
		memcpy(r->data + off, src, first);
		memcpy(r->data, (const u8 *)src + first, len - first);
	}
}

void ovb_ring_ctl_reset(struct ovb_ring_ctl *ctl)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->feature_bits = OVB_RING_FEAT_PENDING_SEND_SZ;
}

static int ring_init(struct ovb_ring *r, struct ovb_ring_ctl *ctl, void *data,
		     u32 size, u32 flags)
{
	memset(r, 0, sizeof(*r));
	if (size < 64 || size > 0x7fffffffu || (size & (OVB_RING_ALIGN - 1)))
		return -EINVAL;
	r->ctl = ctl;
	r->data = data;
	r->size = size;
	r->flags = flags;
	return 0;
}

int ovb_ring_tx_init(struct ovb_ring *r, struct ovb_ring_ctl *ctl, void *data,
		     u32 size, u32 flags)
{
	int ret = ring_init(r, ctl, data, size, flags);

	if (ret)
		return ret;
	r->own_index = OVB_READ_ONCE(ctl->write_index);
	r->peer_index = OVB_LOAD_ACQUIRE(&ctl->read_index);
	if (!ring_index_ok(r, r->own_index) || !ring_index_ok(r, r->peer_index))
		return -EINVAL;
	return 0;
}

int ovb_ring_rx_init(struct ovb_ring *r, struct ovb_ring_ctl *ctl, void *data,
		     u32 size, u32 flags)
{
	int ret = ring_init(r, ctl, data, size, flags);

	if (ret)
		return ret;
	r->own_index = OVB_READ_ONCE(ctl->read_index);
	r->committed = r->own_index;
	r->peer_index = r->own_index;	/* "nothing seen yet": reloads on use */
	if (!ring_index_ok(r, r->own_index))
		return -EINVAL;
	return 0;
}

/* tx: reload the reader's index; returns 0 or -EIO. */
static int ring_tx_reload(struct ovb_ring *r)
{
	u32 rd = OVB_LOAD_ACQUIRE(&r->ctl->read_index);

	if (ovb_unlikely(!ring_index_ok(r, rd)))
		return ring_fail(r, "read index out of range");
	r->peer_index = rd;
	return 0;
}

/* Free bytes as the writer sees them with the cached read index. */
static u32 ring_tx_free(const struct ovb_ring *r)
{
	return r->size - ring_dist(r, r->peer_index, r->own_index);
}

u32 ovb_ring_tx_space(struct ovb_ring *r)
{
	if (r->error || ring_tx_reload(r))
		return 0;
	return ring_tx_free(r);
}

/*
 * Linux's hv_signal_on_write() rule, extended to a batch: signal unless the
 * reader masked interrupts, and only if the reader had caught up with us,
 * i.e. its read index lies inside what this batch wrote (for a single
 * packet that is "read index == where the packet started"). A reader
 * outside the batch is still behind it and will find it without a signal;
 * a batch longer than the ring is ambiguous, so it always signals.
 */
static ovb_bool ring_tx_decide(struct ovb_ring *r)
{
	u32 rd;

	r->in_batch = false;
	ovb_mb();	/* our write_index store before the reader's mask load */
	if (OVB_READ_ONCE(r->ctl->interrupt_mask))
		return false;
	ovb_rmb();	/* the mask before the read index, as Linux does */
	rd = OVB_READ_ONCE(r->ctl->read_index);
	if (r->batch_bytes < r->size &&
	    (rd >= r->size || ring_dist(r, r->batch_start, rd) >= r->batch_bytes))
		return false;
	r->stats.signals++;
	return true;
}

void ovb_ring_tx_signal(struct ovb_ring *r, ovb_bool *signal)
{
	*signal = false;
	if (r->error || !r->in_batch)
		return;
	*signal = ring_tx_decide(r);
}

int ovb_ring_tx_write(struct ovb_ring *r, const struct ovb_ring_buf *bufs,
		      unsigned int nbufs, ovb_bool *signal)
{
	static const u8 zeros[OVB_RING_ALIGN];
	struct ovb_vmpacket_desc d;
	u64 total = 0, trailer;
	u32 padded, need, start, w;
	unsigned int i;

	if (signal)
		*signal = false;
	if (r->error)
		return -EIO;
	if (!nbufs || bufs[0].len < sizeof(d))
		return -EINVAL;
	for (i = 0; i < nbufs; i++)
		total += bufs[i].len;
	if (total > r->size)
		return -EMSGSIZE;
	memcpy(&d, bufs[0].base, sizeof(d));
	padded = ((u32)total + OVB_RING_ALIGN - 1) & ~(OVB_RING_ALIGN - 1);
	if ((u32)d.len8 * 8 != padded || d.offset8 < 2 || d.offset8 > d.len8)
		return -EINVAL;

	need = padded + OVB_RING_TRAILER_SIZE;
	if (need >= r->size)
		return -EMSGSIZE;
	/* Strictly more than needed: the ring is never filled completely. */
	if (ring_tx_free(r) <= need) {
		if (ring_tx_reload(r))
			return -EIO;
		if (ring_tx_free(r) <= need) {
			r->stats.full++;
			if (signal && r->in_batch)
				*signal = ring_tx_decide(r);
			return -EAGAIN;
		}
	}

	start = r->own_index;
	w = start;
	for (i = 0; i < nbufs; i++) {
		if (!bufs[i].len)
			continue;
		ring_copy_in(r, w, bufs[i].base, bufs[i].len);
		w = ring_wrap(r, w + bufs[i].len);
	}
	if (padded != total) {
		ring_copy_in(r, w, zeros, padded - (u32)total);
		w = ring_wrap(r, w + padded - (u32)total);
	}
	trailer = (u64)start << 32;
	ring_copy_in(r, w, &trailer, sizeof(trailer));
	w = ring_wrap(r, w + OVB_RING_TRAILER_SIZE);

	r->own_index = w;
	OVB_STORE_RELEASE(&r->ctl->write_index, w);
	r->stats.packets++;
	r->stats.bytes += need;

	if (!r->in_batch) {
		r->in_batch = true;
		r->batch_start = start;
		r->batch_bytes = 0;
	}
	r->batch_bytes = r->batch_bytes + need < r->batch_bytes ?
			 ~0u : r->batch_bytes + need;
	if (signal)
		*signal = ring_tx_decide(r);
	return 0;
}

int ovb_ring_tx_inband(struct ovb_ring *r, u16 type, u16 flags, u64 trans_id,
		       const void *payload, u32 len, ovb_bool *signal)
{
	struct ovb_vmpacket_desc d;
	struct ovb_ring_buf bufs[2];
	u32 total = sizeof(d) + len;

	if (len > r->size)
		return -EMSGSIZE;
	d.type = type;
	d.offset8 = sizeof(d) / 8;
	d.len8 = (u16)((total + OVB_RING_ALIGN - 1) / 8);
	d.flags = flags;
	d.trans_id = trans_id;
	if ((u32)d.len8 * 8 < total)	/* more than 512 KiB: no len8 holds it */
		return -EMSGSIZE;
	bufs[0].base = &d;
	bufs[0].len = sizeof(d);
	bufs[1].base = payload;
	bufs[1].len = len;
	return ovb_ring_tx_write(r, bufs, len ? 2 : 1, signal);
}

ovb_bool ovb_ring_tx_want_space(struct ovb_ring *r, u32 bytes)
{
	OVB_WRITE_ONCE(r->ctl->pending_send_sz, bytes);
	ovb_mb();	/* publish the request before looking at the space again */
	if (!bytes || r->error || ring_tx_reload(r))
		return false;
	return ring_tx_free(r) > bytes;
}

/* rx: reload the writer's index; returns 0 or -EIO. */
static int ring_rx_reload(struct ovb_ring *r)
{
	u32 wr = OVB_LOAD_ACQUIRE(&r->ctl->write_index);

	if (ovb_unlikely(!ring_index_ok(r, wr)))
		return ring_fail(r, "write index out of range");
	r->peer_index = wr;
	return 0;
}

u32 ovb_ring_rx_avail(struct ovb_ring *r)
{
	if (r->error || ring_rx_reload(r))
		return 0;
	return ring_dist(r, r->own_index, r->peer_index);
}

int ovb_ring_rx_peek(struct ovb_ring *r, void *buf, u32 buflen, u32 *pktlen)
{
	struct ovb_vmpacket_desc d;
	u32 avail, len;

	*pktlen = 0;
	r->next_len = 0;
	if (r->error)
		return -EIO;
	avail = ring_dist(r, r->own_index, r->peer_index);
	if (avail < sizeof(d) + OVB_RING_TRAILER_SIZE) {
		if (ring_rx_reload(r))
			return -EIO;
		avail = ring_dist(r, r->own_index, r->peer_index);
		if (!avail)
			return -EAGAIN;
		if (avail < sizeof(d) + OVB_RING_TRAILER_SIZE)
			return ring_fail(r, "partial packet");
	}

	/* Read the descriptor once, validate it, and only then use it. */
	ring_copy_out(r, r->own_index, &d, sizeof(d));
	len = (u32)d.len8 * 8;
	if (d.offset8 < 2 || d.offset8 > d.len8)
		return ring_fail(r, "bad descriptor offset");
	if (len + OVB_RING_TRAILER_SIZE > avail) {
		/* Maybe more was written since our cached index. */
		if (ring_rx_reload(r))
			return -EIO;
		avail = ring_dist(r, r->own_index, r->peer_index);
		if (len + OVB_RING_TRAILER_SIZE > avail)
			return ring_fail(r, "packet past write index");
	}

	*pktlen = len;
	r->next_len = len + OVB_RING_TRAILER_SIZE;
	if (buflen < len)
		return -EMSGSIZE;
	ring_copy_out(r, r->own_index, buf, len);
	memcpy(buf, &d, sizeof(d));	/* the peer may have changed it since */
	return 0;
}

void ovb_ring_rx_advance(struct ovb_ring *r)
{
	if (r->error || !r->next_len)
		return;
	r->own_index = ring_wrap(r, r->own_index + r->next_len);
	r->stats.packets++;
	r->stats.bytes += r->next_len;
	r->next_len = 0;
}

void ovb_ring_rx_commit(struct ovb_ring *r, ovb_bool *signal)
{
	u32 old = r->committed, pending, free_now, freed;

	*signal = false;
	if (r->error || r->own_index == old)
		return;
	OVB_STORE_RELEASE(&r->ctl->read_index, r->own_index);
	r->committed = r->own_index;
	r->stats.commits++;

	if (!(OVB_READ_ONCE(r->ctl->feature_bits) & OVB_RING_FEAT_PENDING_SEND_SZ))
		return;
	ovb_mb();	/* our read_index store before the writer's request load */
	pending = OVB_READ_ONCE(r->ctl->pending_send_sz);
	if (!pending)
		return;
	if (ring_rx_reload(r))
		return;
	free_now = r->size - ring_dist(r, r->own_index, r->peer_index);
	freed = ring_dist(r, old, r->own_index);
	/* Wake the writer only when this batch made the space cross its mark. */
	if (free_now <= pending || free_now - freed > pending)
		return;
	r->stats.signals++;
	*signal = true;
}

void ovb_ring_rx_mask(struct ovb_ring *r)
{
	OVB_WRITE_ONCE(r->ctl->interrupt_mask, 1);
}

ovb_bool ovb_ring_rx_unmask(struct ovb_ring *r)
{
	OVB_WRITE_ONCE(r->ctl->interrupt_mask, 0);
	ovb_mb();	/* the unmask before the write-index load (vs. writer) */
	return ovb_ring_rx_avail(r) != 0;
}
