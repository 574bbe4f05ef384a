/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The TAP back end of netvsp: one queue, with a virtio-net header on every
 * frame (IFF_VNET_HDR) so that offloads can be mapped onto it. What the
 * kernel hands us is a whole frame, never a GSO one (no TUN_F_TSO*); with
 * TUN_F_CSUM (offload=on) a checksum it left to us
 * (VIRTIO_NET_HDR_F_NEEDS_CSUM) is filled in before the guest sees it. What the guest sends may ask the
 * kernel to checksum and segment (offload=on).
 *
 * Threads: tap_read on the TAP reader, tap_write on the channel's worker.
 */
#ifndef OVB_NETVSP_TAP_H
#define OVB_NETVSP_TAP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Attach to TAP @ifname, creating it if missing (needs CAP_NET_ADMIN),
 * set its MTU and bring it up. With @csum the kernel may leave checksums
 * to us (TUN_F_CSUM: no checksum pass before the frame reaches us);
 * tap_read completes them and says so, and the guest is told they are
 * good instead of checking them again. A non-blocking fd, or -errno.
 */
int tap_open(const char *ifname, uint32_t mtu, bool csum);
/*
 * Read one frame into @buf (@cap bytes): its length, -EAGAIN when none,
 * -errno. *@flags: NETVSP_RX_CSUM_VALID if the kernel vouched for its
 * checksum (DATA_VALID) or left it to us and we filled it in (NEEDS_CSUM).
 */
ssize_t tap_read(int fd, uint8_t *buf, uint32_t cap, uint32_t *flags);
struct netvsp_tx_meta;
/*
 * Write one frame with what it asks of the kernel (checksum, GSO) in its
 * virtio-net header. 0 or -errno (-EAGAIN: the TAP's queue is full; dropped).
 */
int tap_write(int fd, const uint8_t *frame, uint32_t len, const struct netvsp_tx_meta *m);
/* The Internet checksum fix-up a NEEDS_CSUM frame wants (exported for tests). */
int tap_fill_csum(uint8_t *frame, uint32_t len, uint32_t start, uint32_t offset);

#endif
