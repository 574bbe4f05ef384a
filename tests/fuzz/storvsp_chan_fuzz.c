// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target: storvsp's channel code (storvsp.c) through the VMBus
 * server and the fake guest: the worker's drain with its budget, the tx
 * retry when the guest does not read its completions, sub-channel
 * requests, ENUMERATE_BUS on hot add/remove, and closing under all that.
 * Input: byte 0 = flags (bit 0: the guest reads its receive ring; bit 1:
 * hot-add and remove a disk; bit 2: be the control thread and carry out
 * the worker's requests), then packets, each a length byte and that many
 * payload bytes (sent in-band with completion requested). Each input gets
 * a fresh server, controller and guest; the channel is closed at the end
 * and every ring mapping must be gone.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/fakeguest.h"
#include "ovb/guids.h"
#include "hostside/storvsp/storvsp.h"
#include "hostside/vmbus/server.h"

#define RING_PAGES	4

int log_verbose;
static char img[2][64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void remove_images(void)
{
	unlink(img[0]);
	unlink(img[1]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	atexit(remove_images);
	for (int i = 0; i < 2; i++) {
		int fd;

		snprintf(img[i], sizeof(img[i]), "/tmp/storvsp_chan_fuzz.%d.%d", (int)getpid(), i);
		fd = open(img[i], O_CREAT | O_RDWR | O_TRUNC, 0600);
		if (fd < 0 || ftruncate(fd, 1 << 20))
			abort();
		close(fd);
	}
	return 0;
}

static void msg(struct vmbus_server *srv, const void *m, uint32_t len)
{
	vmbus_server_handle_msg(srv, 0, m, len);
}

/* Connect, take the controller's offer, open it; the guest's two rings. */
static int open_controller(struct fakeguest *fg, struct vmbus_server *srv,
			   struct ovb_ring *gtx, struct ovb_ring *grx, uint32_t *relid, int *fd)
{
	struct vmbus_channel_initiate_contact c = { .header.msgtype = CHANNELMSG_INITIATE_CONTACT,
						    .vmbus_version_requested = 0x50002 };
	struct vmbus_channel_empty req = { .header.msgtype = CHANNELMSG_REQUESTOFFERS };
	struct vmbus_channel_open_channel op = { .header.msgtype = CHANNELMSG_OPENCHANNEL };
	static uint8_t msgs[4][OVB_VMBUS_MAX_MSG_SIZE];
	struct vmbus_channel_offer_channel o;
	const struct fg_posted *p;
	uint32_t lens[4];
	uint64_t pfn;
	unsigned int n;

	c.u.v5.msg_sint = OVB_VMBUS_MESSAGE_SINT;
	msg(srv, &c, sizeof(c));
	msg(srv, &req, sizeof(req));
	p = fg_expect(fg, CHANNELMSG_OFFERCHANNEL);
	if (!p)
		return -1;
	memcpy(&o, p->data, sizeof(o));
	pfn = fg_alloc_pages(fg, 2 * RING_PAGES);
	n = fg_gpadl_msgs(o.child_relid, 1, pfn, 2 * RING_PAGES, msgs, lens, 4);
	for (unsigned int i = 0; i < n; i++)
		msg(srv, msgs[i], lens[i]);
	op.child_relid = o.child_relid;
	op.openid = o.child_relid;
	op.ringbuffer_gpadlhandle = 1;
	op.downstream_ringbuffer_pageoffset = RING_PAGES;
	msg(srv, &op, sizeof(op));
	*relid = o.child_relid;
	*fd = fg_event_fd(fg, o.connection_id);
	if (*fd < 0 ||
	    ovb_ring_tx_init(gtx, fg_page(fg, pfn), fg_page(fg, pfn + 1),
			     (RING_PAGES - 1) * 4096, 0) ||
	    ovb_ring_rx_init(grx, fg_page(fg, pfn + RING_PAGES),
			     fg_page(fg, pfn + RING_PAGES + 1), (RING_PAGES - 1) * 4096, 0))
		return -1;
	return 0;
}

static void kick(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

/* The guest reads (and drops) what the host sent. */
static void guest_read(struct ovb_ring *grx)
{
	static uint8_t buf[16384];
	ovb_bool sig;
	uint32_t len;
	int ret;

	while ((ret = ovb_ring_rx_peek(grx, buf, sizeof(buf), &len)) == 0 || ret == -EMSGSIZE)
		ovb_ring_rx_advance(grx);
	ovb_ring_rx_commit(grx, &sig);
}

/* Up to ~20 ms for the host to take what the guest queued. */
static void settle(struct ovb_ring *gtx, struct ovb_ring *grx, bool reads)
{
	for (int i = 0; i < 20; i++) {
		if (reads)
			guest_read(grx);
		if (__atomic_load_n(&gtx->ctl->read_index, __ATOMIC_ACQUIRE) ==
		    __atomic_load_n(&gtx->ctl->write_index, __ATOMIC_ACQUIRE))
			return;
		usleep(1000);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fakeguest *fg;
	struct vmbus_server *srv;
	struct storvsp *sv;
	struct storvsp_disk_opts d0 = { .path = img[0] }, d1 = { .path = img[1] };
	struct vmbus_channel_close_channel cl = { .header.msgtype = CHANNELMSG_CLOSECHANNEL };
	struct ovb_ring gtx, grx;
	uint64_t tid = 1;
	uint32_t relid;
	bool reads;
	int fd;

	if (!size)
		return 0;
	reads = data[0] & 1;
	fg = fg_new();
	srv = vmbus_server_new((const struct vmbus_server_ops *)&fg_ops, fg, 2);
	sv = storvsp_new(NULL, 2);
	if (!fg || !srv || !sv || storvsp_disk_add(sv, -1, &d0) < 0 ||
	    vmbus_server_add_device(srv, storvsp_device(sv)) ||
	    open_controller(fg, srv, &gtx, &grx, &relid, &fd))
		abort();
	for (size_t off = 1; off < size;) {
		uint32_t n = data[off++];
		ovb_bool sig;

		if (n > size - off)
			n = (uint32_t)(size - off);
		if (ovb_ring_tx_inband(&gtx, OVB_VMPKT_DATA_INBAND,
				       OVB_VMPKT_FLAG_COMPLETION_REQUESTED, tid++, data + off, n,
				       &sig) == -EAGAIN) {
			kick(fd);
			settle(&gtx, &grx, reads);
		}
		off += n;
	}
	kick(fd);
	settle(&gtx, &grx, reads);
	if (data[0] & 4)
		vmbus_server_run_requests(srv);
	if (data[0] & 2) {
		int lun = storvsp_disk_add(sv, -1, &d1);

		if (lun >= 0)
			storvsp_disk_remove(sv, (unsigned int)lun);
	}
	cl.child_relid = relid;
	msg(srv, &cl, sizeof(cl));	/* joins the worker, however stuck */
	vmbus_server_remove_device(srv, storvsp_device(sv));
	vmbus_server_free(srv);
	storvsp_free(sv);
	if (fg->mapped_rings)
		abort();	/* every ring mapping was undone */
	fg_free(fg);
	return 0;
}
