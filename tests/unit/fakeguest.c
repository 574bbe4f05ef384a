// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/fakeguest.h"

#define PG 4096u

static int fg_post_msg(void *o, uint32_t vp, uint32_t sint, const void *msg, uint32_t len)
{
	struct fakeguest *fg = o;
	struct fg_posted *p;

	if (fg->nposted >= FG_MAX_POSTED || len > OVB_VMBUS_MAX_MSG_SIZE)
		return -1;
	p = &fg->posted[fg->nposted++];
	p->vp = vp;
	p->sint = sint;
	p->len = len;
	memcpy(p->data, msg, len);
	return 0;
}

static void *fg_gpa_map(void *o, uint64_t gpa, uint64_t len)
{
	struct fakeguest *fg = o;
	uint64_t size = (uint64_t)FG_RAM_PAGES * PG;

	if (gpa >= size || len > size - gpa)
		return NULL;
	return fg->ram + gpa;
}

/*
 * Map @total pages from the memfd back to back: page i is pfns[i] for the
 * first @n, then the list again from pfns[1] (a ring's second data copy).
 */
static void *fg_map_list(struct fakeguest *fg, const uint64_t *pfns, uint32_t n, uint32_t total)
{
	size_t span = (size_t)total * PG;
	uint8_t *base;

	for (uint32_t i = 0; i < n; i++)
		if (pfns[i] >= FG_RAM_PAGES)
			return NULL;
	base = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	for (uint32_t i = 0; i < total; i++) {
		uint64_t pfn = i < n ? pfns[i] : pfns[i - n + 1];

		if (mmap(base + (size_t)i * PG, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 fg->memfd, (off_t)(pfn * PG)) == MAP_FAILED) {
			munmap(base, span);
			return NULL;
		}
	}
	return base;
}

static void *fg_map_ring(void *o, const uint64_t *pfns, uint32_t n)
{
	struct fakeguest *fg = o;
	void *p = fg_map_list(fg, pfns, n, 2 * n - 1);

	if (p)
		fg->mapped_rings++;
	return p;
}

static void fg_unmap_ring(void *o, void *p, uint32_t n)
{
	struct fakeguest *fg = o;

	if (p) {
		munmap(p, (size_t)(2 * n - 1) * PG);
		fg->mapped_rings--;
	}
}

static int fg_event_register(void *o, uint32_t conn, int fd)
{
	struct fakeguest *fg = o;

	if (fg->nevents >= 64)
		return -1;
	fg->event_conns[fg->nevents] = conn;
	fg->event_fds[fg->nevents++] = fd;
	return 0;
}

static void fg_event_unregister(void *o, uint32_t conn, int fd)
{
	struct fakeguest *fg = o;

	for (unsigned int i = 0; i < fg->nevents; i++) {
		if (fg->event_conns[i] == conn && fg->event_fds[i] == fd) {
			fg->event_conns[i] = fg->event_conns[--fg->nevents];
			fg->event_fds[i] = fg->event_fds[fg->nevents];
			return;
		}
	}
}

static int fg_signal_guest(void *o, uint32_t vp, uint32_t sint, uint32_t relid)
{
	struct fakeguest *fg = o;

	(void)vp;
	(void)sint;
	__atomic_add_fetch(&fg->signals, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&fg->last_signal_relid, relid, __ATOMIC_SEQ_CST);
	return 0;
}

static void fg_kick(void *o)
{
	struct fakeguest *fg = o;

	__atomic_fetch_add(&fg->kicks, 1, __ATOMIC_RELEASE);
}

/* A GPADL's pages, contiguous: one memfd mapping per page, as vm_map_pages. */
static void *fg_map_pages(void *o, const uint64_t *pfns, uint32_t n)
{
	struct fakeguest *fg = o;
	void *p = fg_map_list(fg, pfns, n, n);

	if (p)
		fg->mapped_pages++;
	return p;
}

static void fg_unmap_pages(void *o, void *p, uint32_t n)
{
	struct fakeguest *fg = o;

	munmap(p, (size_t)n * PG);
	fg->mapped_pages--;
}

/* RAM as it is, the fake window's memory if all inside it and free. */
static void *fg_map_range(void *o, uint64_t gpa, uint64_t len)
{
	struct fakeguest *fg = o;
	void *ram = fg_gpa_map(o, gpa, len);
	int slot = -1;

	if (ram)
		return ram;
	if (gpa < FG_MMIO_BASE || len > FG_MMIO_SIZE || gpa - FG_MMIO_BASE > FG_MMIO_SIZE - len)
		return NULL;
	for (int i = 0; i < FG_MMIO_MAX; i++) {
		uint64_t g = fg->mmio_maps[i].gpa, l = fg->mmio_maps[i].len;

		if (!l && slot < 0)
			slot = i;
		if (l && gpa < g + l && g < gpa + len)
			return NULL;
	}
	if (slot < 0)
		return NULL;
	fg->mmio_maps[slot].gpa = gpa;
	fg->mmio_maps[slot].len = len;
	fg->mapped_mmio++;
	return fg->mmio + (gpa - FG_MMIO_BASE);
}

static void fg_unmap_range(void *o, void *p, uint64_t gpa, uint64_t len)
{
	struct fakeguest *fg = o;

	if (p == fg_gpa_map(o, gpa, len))
		return;
	for (int i = 0; i < FG_MMIO_MAX; i++) {
		if (fg->mmio_maps[i].len && fg->mmio_maps[i].gpa == gpa) {
			fg->mmio_maps[i].len = 0;
			fg->mapped_mmio--;
			return;
		}
	}
	abort();	/* the server unmapped what it never mapped */
}

/* The fake guest's reference time: the host's clock plus what a test set. */
static uint64_t fg_ref_time(void *o)
{
	struct fakeguest *fg = o;
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ((uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec) / 100 + fg->ref_time_offset;
}

const struct fg_ops fg_ops = {
	.post_msg = fg_post_msg,
	.map_ring = fg_map_ring,
	.unmap_ring = fg_unmap_ring,
	.gpa_map = fg_gpa_map,
	.event_register = fg_event_register,
	.event_unregister = fg_event_unregister,
	.signal_guest = fg_signal_guest,
	.kick = fg_kick,
	.map_pages = fg_map_pages,
	.unmap_pages = fg_unmap_pages,
	.map_range = fg_map_range,
	.unmap_range = fg_unmap_range,
	.ref_time = fg_ref_time,
};

struct fakeguest *fg_new(void)
{
	struct fakeguest *fg = calloc(1, sizeof(*fg));
	uint8_t *area;

	if (!fg)
		return NULL;
	fg->posted = calloc(FG_MAX_POSTED, sizeof(*fg->posted));
	fg->memfd = memfd_create("fakeguest", 0);
	if (!fg->posted || fg->memfd < 0 || ftruncate(fg->memfd, (off_t)FG_RAM_PAGES * PG))
		return NULL;
	/* guard page, RAM, guard page */
	area = mmap(NULL, (size_t)(FG_RAM_PAGES + 2) * PG, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return NULL;
	fg->ram = mmap(area + PG, (size_t)FG_RAM_PAGES * PG, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_FIXED, fg->memfd, 0);
	if (fg->ram == MAP_FAILED)
		return NULL;
	fg->mmio = mmap(NULL, FG_MMIO_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			-1, 0);
	if (fg->mmio == MAP_FAILED)
		return NULL;
	fg->next_page = 16;	/* keep PFN 0 and friends unused */
	return fg;
}

void fg_free(struct fakeguest *fg)
{
	if (!fg)
		return;
	munmap(fg->ram - PG, (size_t)(FG_RAM_PAGES + 2) * PG);
	munmap(fg->mmio, FG_MMIO_SIZE);
	close(fg->memfd);
	free(fg->posted);
	free(fg);
}

uint64_t fg_alloc_pages(struct fakeguest *fg, uint32_t n)
{
	uint64_t pfn = fg->next_page;

	if (fg->next_page + n > FG_RAM_PAGES)
		abort();
	fg->next_page += n;
	memset(fg->ram + pfn * PG, 0, (size_t)n * PG);
	return pfn;
}

void *fg_page(struct fakeguest *fg, uint64_t pfn)
{
	return fg->ram + pfn * PG;
}

void *fg_mmio(struct fakeguest *fg, uint64_t gpa)
{
	return fg->mmio + (gpa - FG_MMIO_BASE);
}

const struct fg_posted *fg_next(struct fakeguest *fg)
{
	return fg->nread < fg->nposted ? &fg->posted[fg->nread++] : NULL;
}

const struct fg_posted *fg_expect(struct fakeguest *fg, uint32_t type)
{
	const struct fg_posted *p;

	while ((p = fg_next(fg))) {
		struct vmbus_msg_header h;

		memcpy(&h, p->data, sizeof(h));
		if (h.msgtype == type)
			return p;
	}
	return NULL;
}

int fg_event_fd(struct fakeguest *fg, uint32_t conn_id)
{
	for (unsigned int i = 0; i < fg->nevents; i++)
		if (fg->event_conns[i] == conn_id)
			return fg->event_fds[i];
	return -1;
}

unsigned int fg_gpadl_msgs(uint32_t relid, uint32_t gpadl, uint64_t pfn0, uint32_t npages,
			   uint8_t (*msgs)[OVB_VMBUS_MAX_MSG_SIZE], uint32_t *lens,
			   unsigned int max)
{
	struct vmbus_channel_gpadl_header h = { .header.msgtype = CHANNELMSG_GPADL_HEADER };
	struct ovb_gpa_range r = { .byte_count = npages * PG, .byte_offset = 0 };
	uint32_t done = 0, n, k = 0;

	h.child_relid = relid;
	h.gpadl = gpadl;
	h.rangecount = 1;
	h.range_buflen = (uint16_t)(sizeof(r) + npages * 8);
	n = npages < VMBUS_GPADL_HEADER_MAX_PFNS ? npages : VMBUS_GPADL_HEADER_MAX_PFNS;
	memcpy(msgs[0], &h, sizeof(h));
	memcpy(msgs[0] + sizeof(h), &r, sizeof(r));
	for (uint32_t i = 0; i < n; i++) {
		uint64_t pfn = pfn0 + i;

		memcpy(msgs[0] + sizeof(h) + sizeof(r) + i * 8, &pfn, 8);
	}
	lens[k++] = sizeof(h) + sizeof(r) + n * 8;
	done = n;
	while (done < npages && k < max) {
		struct vmbus_channel_gpadl_body b = { .header.msgtype = CHANNELMSG_GPADL_BODY };

		b.msgnumber = k;
		b.gpadl = gpadl;
		n = npages - done < VMBUS_GPADL_BODY_MAX_PFNS ? npages - done : VMBUS_GPADL_BODY_MAX_PFNS;
		memcpy(msgs[k], &b, sizeof(b));
		for (uint32_t i = 0; i < n; i++) {
			uint64_t pfn = pfn0 + done + i;

			memcpy(msgs[k] + sizeof(b) + i * 8, &pfn, 8);
		}
		lens[k++] = sizeof(b) + n * 8;
		done += n;
	}
	return k;
}

int fg_chan_init(struct fakeguest *fg, struct fg_chan *g, uint64_t pfn0, uint32_t pages,
		 uint32_t conn_id)
{
	if (ovb_ring_tx_init(&g->tx, fg_page(fg, pfn0), fg_page(fg, pfn0 + 1),
			     (pages - 1) * PG, 0) ||
	    ovb_ring_rx_init(&g->rx, fg_page(fg, pfn0 + pages), fg_page(fg, pfn0 + pages + 1),
			     (pages - 1) * PG, 0))
		return -1;
	g->fd = fg_event_fd(fg, conn_id);
	return g->fd >= 0 ? 0 : -1;
}

void fg_set_send(struct fakeguest *fg, fg_send_fn *send, void *arg)
{
	fg->send = send;
	fg->send_arg = arg;
}

int fg_connect(struct fakeguest *fg, uint32_t version, struct vmbus_channel_offer_channel *o)
{
	struct vmbus_channel_initiate_contact c = { .header.msgtype = CHANNELMSG_INITIATE_CONTACT };
	struct vmbus_channel_empty req = { .header.msgtype = CHANNELMSG_REQUESTOFFERS };
	const struct fg_posted *p;

	c.vmbus_version_requested = version;
	c.u.v5.msg_sint = OVB_VMBUS_MESSAGE_SINT;
	fg->send(fg->send_arg, &c, sizeof(c));
	if (!fg_expect(fg, CHANNELMSG_VERSION_RESPONSE))
		return -1;
	fg->send(fg->send_arg, &req, sizeof(req));
	p = fg_expect(fg, CHANNELMSG_OFFERCHANNEL);
	if (!p)
		return -1;
	memcpy(o, p->data, sizeof(*o));
	return 0;
}

int fg_gpadl(struct fakeguest *fg, uint32_t relid, uint32_t id, uint64_t pfn0, uint32_t npages)
{
	static uint8_t msgs[64][OVB_VMBUS_MAX_MSG_SIZE];
	uint32_t lens[64];
	unsigned int n = fg_gpadl_msgs(relid, id, pfn0, npages, msgs, lens, 64);
	const struct fg_posted *p;
	struct vmbus_channel_gpadl_created r;

	for (unsigned int i = 0; i < n; i++)
		fg->send(fg->send_arg, msgs[i], lens[i]);
	p = fg_expect(fg, CHANNELMSG_GPADL_CREATED);
	if (!n || !p)
		return -1;
	memcpy(&r, p->data, sizeof(r));
	return r.gpadl == id && r.child_relid == relid && !r.creation_status ? 0 : -1;
}

int fg_chan_open(struct fakeguest *fg, struct fg_chan *g, uint32_t relid, uint32_t conn_id,
		 uint32_t gpadl, uint32_t pages)
{
	struct vmbus_channel_open_channel op = { .header.msgtype = CHANNELMSG_OPENCHANNEL };
	struct vmbus_channel_open_result r;
	uint64_t pfn0 = fg_alloc_pages(fg, 2 * pages);
	const struct fg_posted *p;

	if (fg_gpadl(fg, relid, gpadl, pfn0, 2 * pages))
		return -1;
	op.child_relid = relid;
	op.openid = relid;
	op.ringbuffer_gpadlhandle = gpadl;
	op.downstream_ringbuffer_pageoffset = pages;
	fg->send(fg->send_arg, &op, sizeof(op));
	p = fg_expect(fg, CHANNELMSG_OPENCHANNEL_RESULT);
	if (!p)
		return -1;
	memcpy(&r, p->data, sizeof(r));
	if (r.status || r.child_relid != relid)
		return -1;
	return fg_chan_init(fg, g, pfn0, pages, conn_id);
}

uint32_t fg_chan_recv(struct fg_chan *g, uint8_t *buf, uint32_t size, uint64_t *tid,
		      unsigned int ms)
{
	uint32_t len = 0;

	for (unsigned int i = 0; i < ms; i++) {
		int ret = ovb_ring_rx_peek(&g->rx, buf, size, &len);

		if (ret == 0) {
			ovb_bool sig;

			*tid = ((struct ovb_vmpacket_desc *)buf)->trans_id;
			ovb_ring_rx_advance(&g->rx);
			ovb_ring_rx_commit(&g->rx, &sig);
			return len;
		}
		if (ret != -EAGAIN)
			return 0;
		usleep(1000);
	}
	return 0;
}

int fg_ic_answer(struct fg_chan *g, uint8_t *pkt, uint32_t len, uint64_t tid, uint32_t srv)
{
	uint32_t off = ((struct ovb_vmpacket_desc *)pkt)->offset8 * 8u;
	uint8_t *ic = pkt + off;
	struct icmsg_hdr *h = (void *)(ic + sizeof(struct vmbuspipe_hdr));
	uint64_t one = 1;
	ovb_bool sig;

	if (off + ICMSG_HDR_SIZE > len)
		return -1;
	if (h->icmsgtype == ICMSGTYPE_NEGOTIATE) {
		struct icmsg_negotiate *n = (void *)(ic + ICMSG_HDR_SIZE);
		struct ic_version fw = n->icversion_data[0];
		struct ic_version sv = n->icversion_data[n->icframe_vercnt];

		for (unsigned int i = 0; srv && i < n->icmsg_vercnt; i++) {
			struct ic_version v = n->icversion_data[n->icframe_vercnt + i];

			if (IC_VERSION((uint32_t)v.major, v.minor) == srv)
				sv = v;
		}
		n->icframe_vercnt = 1;
		n->icmsg_vercnt = 1;
		n->icversion_data[0] = fw;
		n->icversion_data[1] = sv;
	} else if (h->icmsgtype == ICMSGTYPE_HEARTBEAT) {
		struct ic_heartbeat_msg *m = (void *)(ic + ICMSG_HDR_SIZE);

		m->seq_num += 1;
	}
	h->icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
	h->status = IC_STATUS_OK;
	if (ovb_ring_tx_inband(&g->tx, OVB_VMPKT_DATA_INBAND, 0, tid, ic, len - off, &sig))
		return -1;
	return write(g->fd, &one, sizeof(one)) == sizeof(one) ? 0 : -1;
}
