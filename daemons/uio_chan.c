// SPDX-License-Identifier: GPL-2.0 OR MIT
/* A VMBus channel through uio_hv_generic (uio_chan.h). */
#include "daemons/uio_chan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "daemons/daemon.h"

/* The first line of a small sysfs file, without its newline; false if unreadable. */
static bool read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	bool ok = f && fgets(buf, (int)size, f);

	if (f)
		fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

int uio_chan_find(const char *sysdir, char *node, size_t node_size, size_t *map_len)
{
	char path[512], line[64], uio[32] = "";
	unsigned long long size;
	struct dirent *e;
	DIR *d;
	char *end;

	snprintf(path, sizeof(path), "%s/uio", sysdir);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "uio", 3) && strlen(e->d_name) < sizeof(uio)) {
			memcpy(uio, e->d_name, strlen(e->d_name) + 1);
			break;
		}
	closedir(d);
	if (!uio[0]) {
		errno = ENOENT;
		return -1;
	}
	/* map 0 must be the ring pair: uio_hv_generic names it so */
	snprintf(path, sizeof(path), "/sys/class/uio/%s/maps/map0/name", uio);
	if (!read_line(path, line, sizeof(line)) || strcmp(line, "txrx_rings")) {
		errno = ENODEV;
		return -1;
	}
	snprintf(path, sizeof(path), "/sys/class/uio/%s/maps/map0/size", uio);
	if (!read_line(path, line, sizeof(line)))
		return -1;
	errno = 0;
	size = strtoull(line, &end, 0);
	if (errno || end == line || *end) {
		errno = EINVAL;
		return -1;
	}
	*map_len = size > SIZE_MAX ? SIZE_MAX : (size_t)size;
	if (snprintf(node, node_size, "/dev/%s", uio) >= (int)node_size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int uio_chan_attach(struct uio_chan *c, int fd, void *mem, size_t len)
{
	size_t half = len / 2;
	uint8_t *m = mem;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->send_timeout_ms = UIO_CHAN_SEND_TIMEOUT_MS;
	/* two equal halves, each a control page and at least a page of data */
	if (len % (2 * OVB_RING_CTL_SIZE) || half < 2 * OVB_RING_CTL_SIZE ||
	    len > UIO_CHAN_MAP_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (ovb_ring_tx_init(&c->tx, (struct ovb_ring_ctl *)m, m + OVB_RING_CTL_SIZE,
			     (u32)(half - OVB_RING_CTL_SIZE), 0) ||
	    ovb_ring_rx_init(&c->rx, (struct ovb_ring_ctl *)(m + half),
			     m + half + OVB_RING_CTL_SIZE, (u32)(half - OVB_RING_CTL_SIZE), 0)) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int uio_chan_open(struct uio_chan *c, const char *sysdir)
{
	char node[64];
	size_t len;
	void *map;
	int fd;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (uio_chan_find(sysdir, node, sizeof(node), &len)) {
		ovbd_log(OVBD_ERR, "no uio device for %s: %s", sysdir, strerror(errno));
		return -1;
	}
	if (len % (2 * OVB_RING_CTL_SIZE) || len < 4 * OVB_RING_CTL_SIZE ||
	    len > UIO_CHAN_MAP_MAX) {
		ovbd_log(OVBD_ERR, "%s: a ring map of %zu bytes is not a ring pair", node, len);
		errno = EINVAL;
		return -1;
	}
	/* opening it opens the channel: the host starts negotiating */
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ovbd_log(OVBD_ERR, "open %s: %s", node, strerror(errno));
		return -1;
	}
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		ovbd_log(OVBD_ERR, "mmap the rings of %s (%zu bytes): %s", node, len,
			 strerror(errno));
		close(fd);
		return -1;
	}
	if (uio_chan_attach(c, fd, map, len)) {
		ovbd_log(OVBD_ERR, "%s: the rings' indices are out of range", node);
		munmap(map, len);
		close(fd);
		return -1;
	}
	c->map = map;
	c->map_len = len;
	ovbd_log(OVBD_INFO, "%s: two rings of %zu data bytes", node,
		 len / 2 - OVB_RING_CTL_SIZE);
	return 0;
}

void uio_chan_close(struct uio_chan *c)
{
	if (c->map)
		munmap(c->map, c->map_len);
	if (c->fd >= 0)
		close(c->fd);
	c->map = NULL;
	c->fd = -1;
}

int uio_chan_signal(struct uio_chan *c)
{
	int32_t one = 1;	/* hv_uio_irqcontrol: unmask, and signal the host */

	return ovbd_write_msg(c->fd, &one, sizeof(one));
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int uio_chan_wait(struct uio_chan *c, int sigfd, int timeout_ms)
{
	struct pollfd p[2] = { { .fd = c->fd, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
	int32_t count;
	long n;

	do {
		n = poll(p, sigfd >= 0 ? 2 : 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return (int)n;
	if (sigfd >= 0 && p[1].revents) {
		struct signalfd_siginfo si;

		if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			ovbd_log(OVBD_INFO, "signal %u: stopping", si.ssi_signo);
		errno = EINTR;
		return -1;
	}
	if (!(p[0].revents & POLLIN)) {
		errno = ENODEV;	/* POLLERR/POLLHUP */
		return -1;
	}
	/* the interrupt count: reading it is what makes poll wait again */
	n = ovbd_read_msg(c->fd, &count, sizeof(count));
	if (n == (long)sizeof(count)) {
		c->interrupts++;
		return 1;
	}
	if (n >= 0 || errno == EAGAIN)
		errno = EIO;
	return -1;	/* a rescinded channel reads EIO */
}

/* Send one answer, waiting (bounded) for room; 0, or -1: dropped (ring failed or full). */
static int chan_send(struct uio_chan *c, uint64_t tid, const void *payload, uint32_t len)
{
	long end = now_ms() + c->send_timeout_ms;
	ovb_bool sig = 0;
	int ret;

	for (;;) {
		ret = ovb_ring_tx_inband(&c->tx, OVB_VMPKT_DATA_INBAND, 0, tid, payload, len, &sig);
		if (ret != -EAGAIN)
			break;
		/*
		 * Full: ask the host for a signal once there is room, and wake
		 * it to read (room already there: again, within the deadline,
		 * whatever a host does with its index).
		 */
		if (ovb_ring_tx_want_space(&c->tx, ovb_ring_packet_footprint(
				(uint32_t)sizeof(struct ovb_vmpacket_desc) + len)) && now_ms() < end)
			continue;
		if (uio_chan_signal(c) || now_ms() >= end)
			break;
		if (uio_chan_wait(c, -1, (int)(end - now_ms())) < 0)
			break;
	}
	ovb_ring_tx_want_space(&c->tx, 0);
	if (ret) {
		c->dropped++;
		ovbd_log_peer(OVBD_WARNING, "an answer of %u bytes not sent: %s", len,
			      ret == -EAGAIN ? "the host reads no more" :
			      ret == -EIO ? c->tx.why : strerror(-ret));
		return -1;
	}
	c->answers++;
	return 0;
}

int uio_chan_drain(struct uio_chan *c, uio_chan_handler handle, void *ctx)
{
	static uint8_t pkt[UIO_CHAN_PKT_MAX], out[UIO_CHAN_PKT_MAX];
	ovb_bool sig = 0;
	int n;

	for (n = 0; n < UIO_CHAN_BUDGET; n++) {
		uint64_t tid = 0;
		uint32_t len;
		size_t alen;
		int ret = ovb_ring_rx_peek(&c->rx, pkt, sizeof(pkt), &len);

		if (ret == -EAGAIN)
			break;
		if (ret == -EMSGSIZE) {
			ovbd_log_peer(OVBD_WARNING, "a %u-byte packet from the host dropped", len);
			ovb_ring_rx_advance(&c->rx);
			c->dropped++;
			continue;
		}
		if (ret)
			break;
		ovb_ring_rx_advance(&c->rx);
		/* room for the host's next request before we answer this one */
		ovb_ring_rx_commit(&c->rx, &sig);
		c->packets++;
		alen = handle(ctx, pkt, len, out, &tid);
		if (alen > UIO_CHAN_PKT_MAX - sizeof(struct ovb_vmpacket_desc))
			alen = 0;	/* (the handlers never do: no answer rather than a bad one) */
		if (alen)
			chan_send(c, tid, out, (uint32_t)alen);
		if (ovb_ring_failed(&c->tx))
			break;
	}
	if (ovb_ring_failed(&c->rx) || ovb_ring_failed(&c->tx)) {
		ovbd_log(OVBD_ERR, "the channel's ring failed: %s",
			 ovb_ring_failed(&c->rx) ? c->rx.why : c->tx.why);
		errno = EPROTO;
		return -1;
	}
	ovb_ring_rx_commit(&c->rx, &sig);
	/* one signal covers our answers, the freed room and the unmask */
	if (uio_chan_signal(c))
		return -1;	/* (the device went: EIO once rescinded) */
	return n;
}

int uio_chan_serve(struct uio_chan *c, int sigfd, uio_chan_handler handle, void *ctx)
{
	for (;;) {
		int n = uio_chan_drain(c, handle, ctx);
		bool busy;

		if (n < 0 && errno == EPROTO)
			return -1;
		if (n < 0) {
			ovbd_log(OVBD_NOTICE, "signalling the host: %s: stopping", strerror(errno));
			return 0;
		}
		/*
		 * The budget ran out, or data came before the unmask was seen:
		 * only a look at the signal fd before the next drain.
		 */
		busy = n == UIO_CHAN_BUDGET || ovb_ring_rx_avail(&c->rx);
		n = uio_chan_wait(c, sigfd, busy ? 0 : 1000);
		if (n < 0 && errno == EINTR)
			return 0;
		if (n < 0) {
			ovbd_log(OVBD_NOTICE, "the device went away (%s): stopping", strerror(errno));
			return 0;
		}
	}
}
