/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A VMBus channel driven from userspace through uio_hv_generic (Linux
 * 6.12's fcopy: the in-tree stack binds the fcopy device to it by its
 * class GUID and has no /dev/vmbus/hv_fcopy). The rings are lib/ring's.
 *
 * The uio device: /sys/bus/vmbus/devices/<instance GUID>/uio/uioN, node
 * /dev/uioN. Its map 0 ("txrx_rings") is the channel's ring pair, one
 * mmap at offset 0: the guest-to-host (tx) ring first, then the
 * host-to-guest (rx) ring, each a 4 KiB control page and its data area,
 * both halves the same size (uio_hv_generic allocates them so), not
 * double mapped. Opening the node opens the channel (the host then
 * starts its negotiation); the kernel masks the rx ring's interrupt at
 * open and after each interrupt. A 4-byte read (or poll) waits for an
 * interrupt; a 4-byte write of 1 unmasks it and signals the host (Linux
 * uio_hv_generic hv_uio_irqcontrol), which is the only way to signal.
 *
 * The host is hostile: the map's size is checked, every index through
 * lib/ring, every packet bounded (UIO_CHAN_PKT_MAX), every wait timed.
 */
#ifndef OVB_DAEMONS_UIO_CHAN_H
#define OVB_DAEMONS_UIO_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include "lib/ring.h"

/* The largest packet taken from the host, descriptor included (an fcopy WRITE is 6.2 KiB). */
#define UIO_CHAN_PKT_MAX	8192u
/* Packets one drain takes before it signals and looks at the signal fd. */
#define UIO_CHAN_BUDGET		64
/* How long an answer waits for room in the tx ring before it is dropped (send_timeout_ms). */
#define UIO_CHAN_SEND_TIMEOUT_MS	5000
/* The largest ring pair we accept (uio_hv_generic's default is 2 x 2 MiB). */
#define UIO_CHAN_MAP_MAX	(64u << 20)

struct uio_chan {
	int fd;			/* /dev/uioN (tests: one end of a socketpair) */
	void *map;		/* our mmap of the pair (NULL: the caller's memory) */
	size_t map_len;
	struct ovb_ring tx, rx;
	int send_timeout_ms;	/* UIO_CHAN_SEND_TIMEOUT_MS (tests: less) */
	unsigned long packets, answers, dropped, interrupts;
};

/*
 * The uio device of the VMBus device @sysdir (/sys/bus/vmbus/devices/
 * GUID): its node (/dev/uioN) in @node and its ring map's size. 0, or -1
 * with errno (ENOENT: not bound to uio_hv_generic, yet or at all).
 */
int uio_chan_find(const char *sysdir, char *node, size_t node_size, size_t *map_len);

/* Open and map the channel of @sysdir's uio device. 0, or -1 with errno (logged). */
int uio_chan_open(struct uio_chan *c, const char *sysdir);

/*
 * The rings in @mem (@len bytes: tx half, rx half, as map 0 lays them
 * out), interrupts read from and signals written to @fd. uio_chan_open's
 * second half; the tests' way in. 0, or -1 (EINVAL: a bad size or index).
 */
int uio_chan_attach(struct uio_chan *c, int fd, void *mem, size_t len);

/* Unmap and close (the channel closes with the last close). */
void uio_chan_close(struct uio_chan *c);

/* Unmask the rx interrupt and signal the host. 0, or -1 (errno). */
int uio_chan_signal(struct uio_chan *c);

/*
 * Wait at most @timeout_ms for an interrupt or a signal on @sigfd (which
 * may be -1) and take the interrupt. 1: interrupt; 0: timeout; -1: a
 * signal asks us to stop (errno EINTR) or the device went (EIO, ENODEV).
 */
int uio_chan_wait(struct uio_chan *c, int sigfd, int timeout_ms);

/*
 * What a packet from the host gets: its answer's payload in @out (at
 * most UIO_CHAN_PKT_MAX bytes) sent in band with *@tid, or nothing
 * (return 0). @pkt is the whole packet, descriptor first, as the ring
 * validated it; its other bytes are the host's.
 */
typedef size_t (*uio_chan_handler)(void *ctx, const void *pkt, uint32_t len, void *out,
				   uint64_t *tid);

/*
 * Take what the host has written (at most UIO_CHAN_BUDGET packets), hand
 * each to @handle and send its answer, publish the read index, then
 * unmask and signal the host. The number of packets taken, or -1: the
 * ring failed (errno EPROTO; c->rx.why or c->tx.why says why), or the
 * signal failed (errno: the device went).
 */
int uio_chan_drain(struct uio_chan *c, uio_chan_handler handle, void *ctx);

/*
 * The daemon's loop: drain, wait (at most 1 s at a time, so a lost
 * interrupt costs a second, not the channel), drain again, until a
 * signal on @sigfd or the device goes (0), or its ring fails (-1).
 */
int uio_chan_serve(struct uio_chan *c, int sigfd, uio_chan_handler handle, void *ctx);

#endif /* OVB_DAEMONS_UIO_CHAN_H */
