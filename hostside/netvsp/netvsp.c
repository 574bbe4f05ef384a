// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * netvsp's VMBus and TAP side. One channel (no sub-channels yet), two
 * threads on it:
 *   - the channel's worker (vmbus_channel_start_worker) drains the guest's
 *     packets with its signals masked: NVSP control, sends to the TAP, and
 *     the guest's completions, which free receive sections;
 *   - the TAP reader polls the TAP and puts each frame into a free receive
 *     section and a transfer-page packet to the guest; with no section or
 *     no ring room it waits for the worker to free some (a bounded wait,
 *     then the frame is dropped and counted).
 * Every write to the guest's ring is under tx_lock (after the device's
 * lock where both are held): completions, transfer pages, indications.
 */
#include "hostside/netvsp/netvsp_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "hostside/netvsp/tap.h"
#include "hostside/vmbus/vsp.h"
#include "ovb/guids.h"
#include "ovb/nvsp.h"
#include "ovb/ring.h"

/* A wait for ring room or a free section, and how many before a frame is dropped. */
#define NETVSP_RX_WAIT_MS	5
#define NETVSP_RX_TRIES		200
/* Frames the reader moves before it looks at its stop flag. */
#define NETVSP_RX_BUDGET	64
#define NETVSP_TX_WAIT_MS	100
/* netvsp_quiesce: the guest is idle after this long without a packet from it. */
#define NETVSP_QUIET_MS		150
#define NETVSP_QUIESCE_STEP_MS	10

struct netvsp_glue {
	struct vmbus_device dev;
	int tap_fd;
	pthread_mutex_t lock;		/* primary: the ctl thread's view of the channel */
	struct netvsp_chan *primary;
};

struct netvsp_chan {
	struct netvsp *nv;
	struct vmbus_channel *ch;
	pthread_mutex_t tx_lock;
	/* the worker frees sections: the reader waits for that */
	pthread_mutex_t wake_lock;
	pthread_cond_t wake;
	pthread_t reader;
	bool reader_started;
	int stop_fd;			/* eventfd: the reader's stop */
	bool stop;
	uint8_t pkt[16384] __attribute__((aligned(8)));
	uint8_t frame[NETVSP_MTU_MAX + 64];
};

/* ---- what the pure handler needs (struct netvsp_io) ---- */

static void *netvsp_io_gpadl_map(void *ctx, uint32_t gpadl, uint64_t *len)
{
	return vmbus_channel_gpadl_map(((struct netvsp_chan *)ctx)->ch, gpadl, len);
}

static void netvsp_io_gpadl_unmap(void *ctx, void *p)
{
	vmbus_channel_gpadl_unmap(((struct netvsp_chan *)ctx)->ch, p);
}

static void *netvsp_io_gpa_map(void *ctx, uint64_t gpa, uint64_t len)
{
	return vmbus_channel_gpa_map(((struct netvsp_chan *)ctx)->ch, gpa, len);
}

/* Worker only: waits for ring room (until the channel closes). */
static int netvsp_io_complete(void *ctx, uint64_t trans_id, const void *msg, uint32_t len)
{
	struct netvsp_chan *c = ctx;
	struct ovb_ring *tx = vmbus_channel_tx(c->ch);
	int ret;

	for (;;) {
		ovb_bool sig = 0, again = 0;

		pthread_mutex_lock(&c->tx_lock);
		ret = ovb_ring_tx_inband(tx, OVB_VMPKT_COMP, 0, trans_id, msg, len, &sig);
		if (ret == -EAGAIN)
			again = ovb_ring_tx_want_space(tx, ovb_ring_packet_footprint(len + 16) + 8);
		pthread_mutex_unlock(&c->tx_lock);
		if (sig)
			vmbus_channel_signal(c->ch);
		if (ret != -EAGAIN)
			break;
		if (!again) {
			ovb_bool rsig = 0;

			/* The room we made in our inbound ring may be what it waits for. */
			ovb_ring_rx_commit(vmbus_channel_rx(c->ch), &rsig);
			if (rsig)
				vmbus_channel_signal(c->ch);
			if (vmbus_channel_wait(c->ch, NETVSP_TX_WAIT_MS) == -ESHUTDOWN)
				return -ESHUTDOWN;
		} else if (vmbus_channel_stopping(c->ch)) {
			return -ESHUTDOWN;
		}
	}
	pthread_mutex_lock(&c->tx_lock);
	ovb_ring_tx_want_space(tx, 0);
	pthread_mutex_unlock(&c->tx_lock);
	return ret;
}

/* The device's lock is held (nv->recv_id is stable). */
static int netvsp_io_send_xfer(void *ctx, uint64_t trans_id, uint32_t channel_type,
			       uint32_t offset, uint32_t len)
{
	struct netvsp_chan *c = ctx;
	struct ovb_vmxfer_page_range r = { .byte_count = len, .byte_offset = offset };
	struct ovb_nvsp_msg m;
	int ret;

	memset(&m, 0, sizeof(m));
	m.msg_type = NVSP_MSG1_TYPE_SEND_RNDIS_PKT;
	m.u.rndis_pkt.channel_type = channel_type;
	m.u.rndis_pkt.send_buf_section_index = OVB_NVSP_INVALID_SECTION;
	pthread_mutex_lock(&c->tx_lock);
	ret = vmbus_channel_send_xfer_pages(c->ch, OVB_VMPKT_FLAG_COMPLETION_REQUESTED, trans_id,
					    c->nv->recv_id, &r, 1, &m, sizeof(m));
	pthread_mutex_unlock(&c->tx_lock);
	return ret;
}

static int netvsp_io_tap_write(void *ctx, const uint8_t *frame, uint32_t len,
			       const struct netvsp_tx_meta *meta)
{
	struct netvsp_chan *c = ctx;
	struct netvsp_glue *g = c->nv->glue;
	int ret = tap_write(g->tap_fd, frame, len, meta);

	if (ret && ret != -EAGAIN)
		log_io("netvsp: %s: write: %s", c->nv->cfg.ifname, strerror(-ret));
	return ret;
}

static const struct netvsp_io netvsp_io = {
	.gpadl_map = netvsp_io_gpadl_map,
	.gpadl_unmap = netvsp_io_gpadl_unmap,
	.gpa_map = netvsp_io_gpa_map,
	.complete = netvsp_io_complete,
	.send_xfer = netvsp_io_send_xfer,
	.tap_write = netvsp_io_tap_write,
};

/* ---- the worker ---- */

static void netvsp_drain(struct vmbus_channel *ch)
{
	struct netvsp_chan *c = vmbus_channel_get_priv(ch);
	struct ovb_ring *rx = vmbus_channel_rx(ch);
	ovb_bool sig = 0;
	uint32_t n = 0;

	while (n < VMBUS_DRAIN_BUDGET && !vmbus_channel_stopping(ch)) {
		uint32_t len;
		int ret = ovb_ring_rx_peek(rx, c->pkt, sizeof(c->pkt), &len);

		if (ret == -EMSGSIZE) {
			netvsp_log(c->nv, "packet of %u bytes dropped", len);
			netvsp_count(&c->nv->bad_packets, 1);
			ovb_ring_rx_advance(rx);
			n++;
			continue;
		}
		if (ret)
			break;
		n++;
		netvsp_count(&c->nv->guest_packets, 1);
		netvsp_packet_handle(c->nv, c->pkt, len, &netvsp_io, c);
		ovb_ring_rx_advance(rx);
	}
	ovb_ring_rx_commit(rx, &sig);
	if (sig)
		vmbus_channel_signal(ch);
	if (n) {
		/* Completions may have freed sections the reader waits for. */
		pthread_mutex_lock(&c->wake_lock);
		pthread_cond_broadcast(&c->wake);
		pthread_mutex_unlock(&c->wake_lock);
	}
}

/* ---- the TAP reader ---- */

static bool netvsp_reader_stopping(struct netvsp_chan *c)
{
	return __atomic_load_n(&c->stop, __ATOMIC_ACQUIRE);
}

static void netvsp_reader_wait(struct netvsp_chan *c)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_nsec += NETVSP_RX_WAIT_MS * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&c->wake_lock);
	if (!netvsp_reader_stopping(c))
		pthread_cond_timedwait(&c->wake, &c->wake_lock, &t);
	pthread_mutex_unlock(&c->wake_lock);
}

/* One frame to the guest, waiting a bounded while for room. */
static void netvsp_reader_frame(struct netvsp_chan *c, uint32_t len, uint32_t flags)
{
	for (int tries = 0; tries < NETVSP_RX_TRIES && !netvsp_reader_stopping(c); tries++) {
		int ret = netvsp_rx_frame_flags(c->nv, &netvsp_io, c, c->frame, len, flags);

		if (!ret)
			return;
		if (ret != -EAGAIN)
			break;
		netvsp_reader_wait(c);
	}
	netvsp_count_rx_drop(c->nv);
}

static void *netvsp_reader(void *arg)
{
	struct netvsp_chan *c = arg;
	struct netvsp_glue *g = c->nv->glue;

	pthread_setname_np(pthread_self(), "netvsp-tap");
	while (!netvsp_reader_stopping(c)) {
		struct pollfd p[2] = { { g->tap_fd, POLLIN, 0 }, { c->stop_fd, POLLIN, 0 } };

		if (poll(p, 2, 1000) <= 0 || (p[1].revents & POLLIN))
			continue;
		for (int i = 0; i < NETVSP_RX_BUDGET && !netvsp_reader_stopping(c); i++) {
			uint32_t flags = 0;
			ssize_t n = tap_read(g->tap_fd, c->frame, sizeof(c->frame), &flags);

			if (n == -EAGAIN)
				break;
			if (n < 14) {
				if (n != -EIO && n < 0)
					log_io("netvsp: %s: read: %s", c->nv->cfg.ifname,
					       strerror((int)-n));
				netvsp_count_rx_drop(c->nv);
				if (n < 0 && n != -EIO)
					break;
				continue;
			}
			netvsp_reader_frame(c, (uint32_t)n, flags);
		}
	}
	return NULL;
}

static void netvsp_reader_stop(struct netvsp_chan *c)
{
	uint64_t one = 1;

	if (!c->reader_started)
		return;
	__atomic_store_n(&c->stop, true, __ATOMIC_RELEASE);
	if (write(c->stop_fd, &one, sizeof(one)) < 0)
		log_err("netvsp: reader stop: %s", strerror(errno));
	pthread_mutex_lock(&c->wake_lock);
	pthread_cond_broadcast(&c->wake);
	pthread_mutex_unlock(&c->wake_lock);
	pthread_join(c->reader, NULL);
	c->reader_started = false;
}

/* ---- channel life ---- */

static void netvsp_chan_free(struct netvsp_chan *c)
{
	if (c->stop_fd >= 0)
		close(c->stop_fd);
	pthread_mutex_destroy(&c->tx_lock);
	pthread_mutex_destroy(&c->wake_lock);
	pthread_cond_destroy(&c->wake);
	free(c);
}

static int netvsp_open(struct vmbus_channel *ch)
{
	struct netvsp *nv = vmbus_channel_device(ch)->priv;
	struct netvsp_glue *g = nv->glue;
	struct netvsp_chan *c;
	int ret;

	if (vmbus_channel_subchannel_index(ch))
		return -EINVAL;	/* none offered */
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->nv = nv;
	c->ch = ch;
	pthread_mutex_init(&c->tx_lock, NULL);
	pthread_mutex_init(&c->wake_lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->stop_fd < 0) {
		netvsp_chan_free(c);
		return -errno;
	}
	netvsp_protocol_reset(nv, NULL, NULL);
	vmbus_channel_set_priv(ch, c);
	ret = vmbus_channel_start_worker(ch, netvsp_drain, NULL, 0);
	if (!ret && g->tap_fd >= 0) {
		ret = -pthread_create(&c->reader, NULL, netvsp_reader, c);
		c->reader_started = !ret;
		if (ret)
			vmbus_channel_stop_worker(ch);
	}
	if (ret) {
		vmbus_channel_set_priv(ch, NULL);
		netvsp_chan_free(c);
		return ret;
	}
	pthread_mutex_lock(&g->lock);
	g->primary = c;
	pthread_mutex_unlock(&g->lock);
	return 0;
}

static void netvsp_close(struct vmbus_channel *ch)
{
	struct netvsp_chan *c = vmbus_channel_get_priv(ch);
	struct netvsp_glue *g = c->nv->glue;
	struct netvsp_stats s;

	pthread_mutex_lock(&g->lock);
	if (g->primary == c)
		g->primary = NULL;
	pthread_mutex_unlock(&g->lock);
	netvsp_reader_stop(c);
	vmbus_channel_stop_worker(ch);
	netvsp_protocol_reset(c->nv, &netvsp_io, c);
	netvsp_get_stats(c->nv, &s);
	log_info("netvsp: %s: closed; tx %llu packets %llu bytes %llu drops, rx %llu packets "
		 "%llu bytes %llu drops, %llu bad", c->nv->cfg.ifname,
		 (unsigned long long)s.tx_packets, (unsigned long long)s.tx_bytes,
		 (unsigned long long)s.tx_drops, (unsigned long long)s.rx_packets,
		 (unsigned long long)s.rx_bytes, (unsigned long long)s.rx_drops,
		 (unsigned long long)s.bad_packets);
	vmbus_channel_set_priv(ch, NULL);
	netvsp_chan_free(c);
}

/* The guest unloaded or reconnected: its mappings are gone already. */
static void netvsp_reset(struct vmbus_device *dev)
{
	netvsp_protocol_reset(dev->priv, NULL, NULL);
}

static const struct vsp_ops netvsp_ops = {
	.open = netvsp_open,
	.close = netvsp_close,
	.reset = netvsp_reset,
	.rescind = netvsp_reset,
};

/* ---- the device ---- */

struct netvsp *netvsp_new(const struct netvsp_cfg *cfg)
{
	static const struct ovb_guid net = OVB_GUID_NIC;
	struct netvsp *nv = calloc(1, sizeof(*nv));
	struct netvsp_glue *g = calloc(1, sizeof(*g));
	int fd = cfg->tap_fd;

	if (!nv || !g || netvsp_proto_init(nv, cfg)) {
		free(g);
		if (nv)
			netvsp_proto_fini(nv);
		free(nv);
		return NULL;
	}
	if (fd < 0 && cfg->ifname[0]) {
		fd = tap_open(cfg->ifname, cfg->mtu, cfg->offload);
		if (fd < 0) {
			log_err("netvsp: TAP %s: %s", cfg->ifname, strerror(-fd));
			netvsp_proto_fini(nv);
			free(nv);
			free(g);
			return NULL;
		}
	}
	g->tap_fd = fd;
	pthread_mutex_init(&g->lock, NULL);
	g->dev.name = "netvsp";
	g->dev.class_id = net;
	/* A stable instance per MAC: the guest names and remembers it. */
	memcpy(g->dev.instance_id.b, "ovb-netvsp", 10);
	memcpy(g->dev.instance_id.b + 10, cfg->mac, 6);
	g->dev.ops = &netvsp_ops;
	g->dev.priv = nv;
	nv->glue = g;
	return nv;
}

void netvsp_free(struct netvsp *nv)
{
	struct netvsp_glue *g;

	if (!nv)
		return;
	g = nv->glue;
	if (g->tap_fd >= 0 && g->tap_fd != nv->cfg.tap_fd)
		close(g->tap_fd);
	pthread_mutex_destroy(&g->lock);
	free(g);
	netvsp_proto_fini(nv);
	free(nv);
}

struct vmbus_device *netvsp_device(struct netvsp *nv)
{
	return &((struct netvsp_glue *)nv->glue)->dev;
}

const char *netvsp_ifname(struct netvsp *nv)
{
	return nv->cfg.ifname;
}

void netvsp_set_link(struct netvsp *nv, bool up)
{
	struct netvsp_glue *g = nv->glue;

	netvsp_proto_set_link(nv, up);
	pthread_mutex_lock(&g->lock);
	if (g->primary)
		netvsp_indicate_link(nv, &netvsp_io, g->primary);
	pthread_mutex_unlock(&g->lock);
}

/*
 * Before a hot remove. Linux's netvsc_remove waits without a timeout for
 * every send it has outstanding and every receive completion it still
 * owes (rndis_filter_halt_device: netvsc_device_idle), and on a rescinded
 * channel it can neither get the one nor give the other: so the guest is
 * first told the link is down (netvsc stops its queues, no more frames go
 * to it) and we wait until it has sent nothing for NETVSP_QUIET_MS and
 * holds no receive section. The worker keeps completing meanwhile.
 */
int netvsp_quiesce(struct netvsp *nv, unsigned int max_ms)
{
	uint64_t last = UINT64_MAX;
	unsigned int quiet = 0;

	netvsp_set_link(nv, false);
	for (unsigned int ms = 0; ms < max_ms; ms += NETVSP_QUIESCE_STEP_MS) {
		uint64_t seen = __atomic_load_n(&nv->guest_packets, __ATOMIC_RELAXED);
		bool held;

		pthread_mutex_lock(&nv->lock);
		held = nv->recv_buf && nv->recv_nfree != nv->recv_sections;
		pthread_mutex_unlock(&nv->lock);
		quiet = seen == last && !held ? quiet + NETVSP_QUIESCE_STEP_MS : 0;
		if (quiet >= NETVSP_QUIET_MS)
			return 0;
		last = seen;
		usleep(NETVSP_QUIESCE_STEP_MS * 1000);
	}
	return -ETIMEDOUT;
}
