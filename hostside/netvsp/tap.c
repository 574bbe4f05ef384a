// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * TAP I/O for netvsp (linux/if_tun.h, linux/virtio_net.h; QEMU's
 * net/tap-linux.c is the model of the ioctls).
 */
#include "hostside/netvsp/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hostside/log.h"
#include "hostside/netvsp/netvsp.h"

#define TAP_HDR	((uint32_t)sizeof(struct virtio_net_hdr))

static int tap_ifconfig(const char *ifname, uint32_t mtu)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0)
		ret = -errno;
	if (!ret && ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		ret = -errno;
	if (!ret && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			ret = -errno;
	}
	close(s);
	return ret;
}

int tap_open(const char *ifname, uint32_t mtu, bool csum)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC), hdr = (int)TAP_HDR, ret;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, csum ? TUN_F_CSUM : 0) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = tap_ifconfig(ifname, mtu);
	if (ret) {
		log_err("netvsp: %s: MTU %u / up: %s", ifname, mtu, strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

int tap_fill_csum(uint8_t *frame, uint32_t len, uint32_t start, uint32_t offset)
{
	uint16_t c;

	/* The field already holds the pseudo-header's sum; sum it all in. */
	if (start >= len || offset > len - start || len - start - offset < 2)
		return -EINVAL;
	c = (uint16_t)~netvsp_csum_fold(netvsp_csum_add(frame + start, len - start, 0));
	/* 0 means "no checksum" to UDP; 0xffff is the same sum (skb_checksum_help too). */
	if (!c)
		c = 0xffff;
	frame[start + offset] = (uint8_t)(c >> 8);
	frame[start + offset + 1] = (uint8_t)c;
	return 0;
}

ssize_t tap_read(int fd, uint8_t *buf, uint32_t cap, uint32_t *flags)
{
	struct virtio_net_hdr h;
	struct iovec iov[2] = { { &h, sizeof(h) }, { buf, cap } };
	ssize_t n = readv(fd, iov, 2);

	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(h))
		return -EIO;
	n -= (ssize_t)sizeof(h);
	if ((h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
	    tap_fill_csum(buf, (uint32_t)n, h.csum_start, h.csum_offset))
		return -EIO;
	*flags = h.flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID) ?
			 NETVSP_RX_CSUM_VALID : 0;
	return n;
}

int tap_write(int fd, const uint8_t *frame, uint32_t len, const struct netvsp_tx_meta *m)
{
	struct virtio_net_hdr h;
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)frame, len } };

	memset(&h, 0, sizeof(h));	/* none: a whole frame, checksummed by the guest */
	if (m && (m->flags & NETVSP_TX_NEEDS_CSUM)) {
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.csum_start = m->csum_start;
		h.csum_offset = m->csum_offset;
	}
	if (m && m->gso_type != NETVSP_GSO_NONE) {
		h.gso_type = m->gso_type == NETVSP_GSO_TCPV6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
							       VIRTIO_NET_HDR_GSO_TCPV4;
		h.gso_size = m->gso_size;
		h.hdr_len = m->hdr_len;
	}
	return writev(fd, iov, 2) < 0 ? -errno : 0;
}
