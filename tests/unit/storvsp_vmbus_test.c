// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * storvsp end to end through the VMBus server: the fake guest connects,
 * opens the SCSI controller's channel over real rings, does the VSTOR
 * handshake, writes and reads a disk with GPA-direct SRBs, and sees
 * ENUMERATE_BUS when a disk is hot-added.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/channel_info.h"
#include "tests/unit/fakeguest.h"
#include "ovb/guids.h"
#include "ovb/storvsc_proto.h"
#include "hostside/vmbus/server.h"
#include "hostside/vmbus/vsp.h"
#include "hostside/storvsp/storvsp.h"

int log_verbose;

struct env {
	struct fakeguest *fg;
	struct vmbus_server *srv;
	struct storvsp *sv;
	char dir[64], img[2][96];
	struct fg_chan ch;		/* guest view: ch.rx = host->guest */
	uint32_t relid;
	uint8_t buf[8192] __attribute__((aligned(8)));
};

static void send(struct env *e, const void *msg, uint32_t len)
{
	vmbus_server_handle_msg(e->srv, 0, msg, len);
}

static void mkimg(char *path, size_t size, const char *dir, int i)
{
	int fd;

	snprintf(path, 96, "%.60s/d%d.img", dir, i);
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	close(fd);
}

static void srv_send(void *srv, const void *msg, uint32_t len)
{
	vmbus_server_handle_msg(srv, 0, msg, len);
}

/* Connect, take the disk's offer, open its channel on 16-page rings. */
static void env_open(struct env *e)
{
	struct vmbus_channel_offer_channel o;

	fg_set_send(e->fg, srv_send, e->srv);
	assert_int_equal(fg_connect(e->fg, 0x50002, &o), 0);
	assert_memory_equal(&o.offer.if_type, (struct ovb_guid[]){ OVB_GUID_SCSI }, 16);
	assert_int_equal(fg_chan_open(e->fg, &e->ch, o.child_relid, o.connection_id, 1, 16), 0);
	e->relid = o.child_relid;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct storvsp_disk_opts o = { 0 };

	snprintf(e->dir, sizeof(e->dir), "/tmp/storvsp_vmbus.XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	mkimg(e->img[0], 8u << 20, e->dir, 0);
	mkimg(e->img[1], 1u << 20, e->dir, 1);
	e->fg = fg_new();
	e->srv = vmbus_server_new((const struct vmbus_server_ops *)&fg_ops, e->fg, 2);
	e->sv = storvsp_new(NULL, 1);
	o.path = e->img[0];
	assert_int_equal(storvsp_disk_add(e->sv, -1, &o), 0);
	assert_int_equal(vmbus_server_add_device(e->srv, storvsp_device(e->sv)), 0);
	env_open(e);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	vmbus_server_free(e->srv);	/* closes the channel: joins the worker */
	storvsp_free(e->sv);
	fg_free(e->fg);
	unlink(e->img[0]);
	unlink(e->img[1]);
	rmdir(e->dir);
	free(e);
	return 0;
}

static struct vmbus_channel_info channel_info(struct env *e, uint32_t relid)
{
	return channel_info_of(e->srv, relid);
}

static void kick(struct env *e)
{
	uint64_t one = 1;

	assert_int_equal(write(e->ch.fd, &one, sizeof(one)), sizeof(one));
}

/* Wait for one host packet; returns the vstor_packet inside it. */
static struct ovb_vstor_packet recv_vstor(struct env *e, uint16_t *type, uint64_t *tid)
{
	struct ovb_vstor_packet v;
	uint32_t len = 0;

	for (int i = 0; i < 5000; i++) {
		int ret = ovb_ring_rx_peek(&e->ch.rx, e->buf, sizeof(e->buf), &len);

		if (ret == 0) {
			struct ovb_vmpacket_desc d;
			ovb_bool sig;

			memcpy(&d, e->buf, sizeof(d));
			*type = d.type;
			*tid = d.trans_id;
			assert_true(len >= d.offset8 * 8u + sizeof(v));
			memcpy(&v, e->buf + d.offset8 * 8, sizeof(v));
			ovb_ring_rx_advance(&e->ch.rx);
			ovb_ring_rx_commit(&e->ch.rx, &sig);
			return v;
		}
		assert_int_equal(ret, -EAGAIN);
		usleep(1000);
	}
	fail_msg("no packet from the host");
	return v;
}

/* Be the control thread: once the worker kicked, carry out its requests. */
static void run_requests(struct env *e)
{
	for (int i = 0; i < 2000 && !__atomic_load_n(&e->fg->kicks, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	assert_true(e->fg->kicks > 0);
	vmbus_server_run_requests(e->srv);
	e->fg->kicks = 0;
}

static struct ovb_vstor_packet call(struct env *e, struct ovb_vstor_packet *v, uint64_t tid)
{
	ovb_bool sig;
	uint16_t type;
	uint64_t got;
	struct ovb_vstor_packet r;

	assert_int_equal(ovb_ring_tx_inband(&e->ch.tx, OVB_VMPKT_DATA_INBAND,
					    OVB_VMPKT_FLAG_COMPLETION_REQUESTED, tid, v,
					    sizeof(*v), &sig), 0);
	kick(e);
	r = recv_vstor(e, &type, &got);
	assert_int_equal(type, OVB_VMPKT_COMP);
	assert_int_equal(got, tid);
	assert_int_equal(r.operation, OVB_VSTOR_OP_COMPLETE_IO);
	return r;
}

static void handshake(struct env *e)
{
	const uint32_t ops[] = { OVB_VSTOR_OP_BEGIN_INITIALIZATION,
		OVB_VSTOR_OP_QUERY_PROTOCOL_VERSION, OVB_VSTOR_OP_QUERY_PROPERTIES,
		OVB_VSTOR_OP_END_INITIALIZATION };

	for (unsigned int i = 0; i < 4; i++) {
		struct ovb_vstor_packet v = { .operation = ops[i],
					      .flags = OVB_VSTOR_FLAG_REQUEST_COMPLETION };

		v.version.major_minor = OVB_VMSTOR_PROTO_VERSION_WIN10;
		assert_int_equal(call(e, &v, 100 + i).status, 0);
	}
	assert_int_equal(storvsp_protocol_version(e->sv), 0x0602);
}

/* An SRB with data in guest pages from @pfn (page-aligned, @bytes long). */
static struct ovb_vstor_packet srb_io(struct env *e, const uint8_t *cdb, uint8_t cdb_len,
				      uint64_t pfn, uint32_t bytes, bool write, uint64_t tid)
{
	struct ovb_vstor_packet v, r;
	struct {
		struct ovb_gpa_direct_header h;
		struct ovb_gpa_range rg;
		uint64_t pfns[8];
	} hdr;
	uint32_t npfn = (bytes + 4095) / 4096;
	uint32_t hlen = (uint32_t)(sizeof(hdr.h) + sizeof(hdr.rg) + npfn * 8);
	struct ovb_ring_buf bufs[2] = { { &hdr, hlen }, { &v, sizeof(v) } };
	ovb_bool sig;
	uint16_t type;
	uint64_t got;

	memset(&v, 0, sizeof(v));
	v.operation = OVB_VSTOR_OP_EXECUTE_SRB;
	v.flags = OVB_VSTOR_FLAG_REQUEST_COMPLETION;
	v.vm_srb.length = sizeof(v.vm_srb);
	v.vm_srb.cdb_length = cdb_len;
	v.vm_srb.sense_info_length = OVB_VSTOR_SENSE_BUFFER_SIZE;
	v.vm_srb.data_in = write ? OVB_VSTOR_WRITE_TYPE : OVB_VSTOR_READ_TYPE;
	v.vm_srb.data_transfer_length = bytes;
	memcpy(v.vm_srb.cdb, cdb, cdb_len);
	memset(&hdr, 0, sizeof(hdr));
	hdr.h.d.type = OVB_VMPKT_DATA_USING_GPA_DIRECT;
	hdr.h.d.flags = OVB_VMPKT_FLAG_COMPLETION_REQUESTED;
	hdr.h.d.offset8 = (uint16_t)(hlen / 8);
	hdr.h.d.len8 = (uint16_t)((hlen + sizeof(v)) / 8);
	hdr.h.d.trans_id = tid;
	hdr.h.range_count = 1;
	hdr.rg.byte_count = bytes;
	for (uint32_t i = 0; i < npfn; i++)
		hdr.pfns[i] = pfn + i;
	assert_int_equal(ovb_ring_tx_write(&e->ch.tx, bufs, 2, &sig), 0);
	kick(e);
	r = recv_vstor(e, &type, &got);
	assert_int_equal(type, OVB_VMPKT_COMP);
	assert_int_equal(got, tid);
	return r;
}

static void test_handshake_and_io(void **state)
{
	struct env *e = *state;
	uint8_t w10[10] = { 0x2a, 0x08, 0, 0, 0, 16, 0, 0, 32, 0 };	/* 16 KiB @16, FUA */
	uint8_t r10[10] = { 0x28, 0, 0, 0, 0, 16, 0, 0, 32, 0 };
	uint64_t wp = fg_alloc_pages(e->fg, 4), rp = fg_alloc_pages(e->fg, 4);
	uint8_t *w = fg_page(e->fg, wp), *rd = fg_page(e->fg, rp);
	struct ovb_vstor_packet r;

	handshake(e);
	for (int i = 0; i < 16384; i++)
		w[i] = (uint8_t)(i * 31 + 7);
	r = srb_io(e, w10, 10, wp, 16384, true, 1);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.vm_srb.srb_status, OVB_SRB_STATUS_SUCCESS);
	assert_int_equal(r.vm_srb.data_transfer_length, 16384);
	r = srb_io(e, r10, 10, rp, 16384, false, 2);
	assert_int_equal(r.vm_srb.srb_status, OVB_SRB_STATUS_SUCCESS);
	assert_memory_equal(rd, w, 16384);
	/* out of range: CHECK CONDITION with sense in the completion */
	r10[2] = 0x7f;
	r = srb_io(e, r10, 10, rp, 16384, false, 3);
	assert_int_equal(r.vm_srb.scsi_status, 2);
	assert_int_equal(r.vm_srb.srb_status, OVB_SRB_STATUS_ERROR | OVB_SRB_STATUS_AUTOSENSE_VALID);
	assert_int_equal(r.vm_srb.sense_data[12], 0x21);
	/* sub-channels: asking for one is granted (offered by the server) */
	{
		struct ovb_vstor_packet v = { .operation = OVB_VSTOR_OP_CREATE_SUB_CHANNELS,
					      .sub_channel_count = 1 };

		assert_int_equal(call(e, &v, 50).status, 0);
		run_requests(e);
		assert_non_null(fg_expect(e->fg, CHANNELMSG_OFFERCHANNEL));
	}
}

static void test_hot_add_enumerates(void **state)
{
	struct env *e = *state;
	struct storvsp_disk_opts o = { .path = e->img[1] };
	struct ovb_vstor_packet v;
	uint16_t type;
	uint64_t tid;

	handshake(e);
	assert_int_equal(storvsp_disk_add(e->sv, -1, &o), 1);
	v = recv_vstor(e, &type, &tid);
	assert_int_equal(type, OVB_VMPKT_DATA_INBAND);
	assert_int_equal(tid, 0);
	assert_int_equal(v.operation, OVB_VSTOR_OP_ENUMERATE_BUS);
	assert_int_equal(storvsp_disk_remove(e->sv, 1), 0);
	v = recv_vstor(e, &type, &tid);
	assert_int_equal(v.operation, OVB_VSTOR_OP_ENUMERATE_BUS);
}

/*
 * A burst: eight requests queued behind one signal all complete, in order;
 * the worker polls after it (signals masked) and, once the guest has been
 * quiet for the poll window, sleeps with the guest's signals on again.
 */
static void test_burst_then_quiet(void **state)
{
	struct env *e = *state;
	uint64_t seen = 0, looks;
	ovb_bool sig;

	handshake(e);
	/* The worker asleep first, so one drain finds the whole burst. */
	for (int i = 0; i < 500 && OVB_READ_ONCE(e->ch.tx.ctl->interrupt_mask); i++)
		usleep(1000);
	usleep(20000);
	looks = channel_info(e, e->relid).poll_looks;
	for (uint64_t tid = 1; tid <= 8; tid++) {
		struct ovb_vstor_packet v;

		memset(&v, 0, sizeof(v));
		v.operation = OVB_VSTOR_OP_EXECUTE_SRB;
		v.flags = OVB_VSTOR_FLAG_REQUEST_COMPLETION;
		v.vm_srb.length = sizeof(v.vm_srb);
		v.vm_srb.cdb_length = 6;	/* TEST UNIT READY: all zero */
		v.vm_srb.data_in = OVB_VSTOR_UNKNOWN_TYPE;
		assert_int_equal(ovb_ring_tx_inband(&e->ch.tx, OVB_VMPKT_DATA_INBAND,
						    OVB_VMPKT_FLAG_COMPLETION_REQUESTED, tid, &v,
						    sizeof(v), &sig), 0);
	}
	kick(e);
	for (uint64_t i = 1; i <= 8; i++) {
		uint16_t type;
		uint64_t tid;
		struct ovb_vstor_packet r = recv_vstor(e, &type, &tid);

		assert_int_equal(type, OVB_VMPKT_COMP);
		assert_int_equal(tid, i);
		assert_int_equal(r.vm_srb.srb_status, OVB_SRB_STATUS_SUCCESS);
		seen |= 1ull << tid;
	}
	assert_int_equal(seen, 0x1fe);
	/* The drain that found several requests made the worker poll. */
	if (geteuid() == 0) {	/* polling renices: root, or RLIMIT_NICE */
		/* (the completions go out before the worker decides to poll) */
		for (int i = 0; i < 1000 && channel_info(e, e->relid).poll_looks == looks; i++)
			usleep(1000);
		assert_true(channel_info(e, e->relid).poll_looks > looks);
	}
	/* quiet for far longer than the 2 ms window: signals are on again */
	for (int i = 0; i < 500 && OVB_READ_ONCE(e->ch.tx.ctl->interrupt_mask); i++)
		usleep(1000);
	assert_int_equal(OVB_READ_ONCE(e->ch.tx.ctl->interrupt_mask), 0);
	/* and a signalled request is still served */
	{
		uint8_t tur[6] = { 0 };
		uint64_t p = fg_alloc_pages(e->fg, 1);

		assert_int_equal(srb_io(e, tur, 6, p, 0, false, 9).vm_srb.srb_status,
				 OVB_SRB_STATUS_SUCCESS);
	}
}

/* A TEST UNIT READY request queued in the guest's ring (no signal). */
static int queue_tur(struct env *e, uint64_t tid)
{
	struct ovb_vstor_packet v;
	ovb_bool sig;

	memset(&v, 0, sizeof(v));
	v.operation = OVB_VSTOR_OP_EXECUTE_SRB;
	v.flags = OVB_VSTOR_FLAG_REQUEST_COMPLETION;
	v.vm_srb.length = sizeof(v.vm_srb);
	v.vm_srb.cdb_length = 6;
	v.vm_srb.data_in = OVB_VSTOR_UNKNOWN_TYPE;
	return ovb_ring_tx_inband(&e->ch.tx, OVB_VMPKT_DATA_INBAND,
				  OVB_VMPKT_FLAG_COMPLETION_REQUESTED, tid, &v, sizeof(v), &sig);
}

struct closer {
	struct env *e;
	bool done;
};

static void *close_channel(void *arg)
{
	struct closer *c = arg;
	struct vmbus_channel_close_channel m = { .header.msgtype = CHANNELMSG_CLOSECHANNEL,
						 .child_relid = c->e->relid };

	send(c->e, &m, sizeof(m));
	__atomic_store_n(&c->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * A guest that stops reading its completions: the worker waits for room
 * (pending_send_sz set), ovbctl still answers, other messages are still
 * handled, and closing the channel finishes (a hang detector's 10 s, not
 * a speed test: before the fix it never finished).
 */
static void test_stuck_guest_close_is_bounded(void **state)
{
	static uint8_t msgs[8][OVB_VMBUS_MAX_MSG_SIZE];
	struct env *e = *state;
	struct closer c = { .e = e };
	struct vmbus_channel_gpadl_created gc;
	uint64_t tid = 1, pfn;
	uint32_t lens[8];
	unsigned int n;
	pthread_t t;
	int i;

	handshake(e);
	for (i = 0; i < 20000; i++) {
		if (queue_tur(e, tid) == 0) {
			tid++;
			kick(e);
			continue;
		}
		if (OVB_READ_ONCE(e->ch.rx.ctl->pending_send_sz))
			break;	/* the host waits for room in our receive ring */
		kick(e);
		usleep(1000);
	}
	assert_int_not_equal(OVB_READ_ONCE(e->ch.rx.ctl->pending_send_sz), 0);
	assert_true(tid > 100);
	/* ovbctl channels answers; a GPADL message is answered. */
	assert_string_equal(channel_info(e, e->relid).state, "open");
	pfn = fg_alloc_pages(e->fg, 2);
	n = fg_gpadl_msgs(e->relid, 77, pfn, 2, msgs, lens, 8);
	for (unsigned int k = 0; k < n; k++)
		send(e, msgs[k], lens[k]);
	memcpy(&gc, fg_expect(e->fg, CHANNELMSG_GPADL_CREATED)->data, sizeof(gc));
	assert_int_equal(gc.gpadl, 77);
	assert_int_equal(gc.creation_status, 0);
	/* The guest closes the channel (still not reading): the close ends. */
	assert_int_equal(pthread_create(&t, NULL, close_channel, &c), 0);
	for (i = 0; i < 10000 && !__atomic_load_n(&c.done, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	assert_true(__atomic_load_n(&c.done, __ATOMIC_ACQUIRE));
	pthread_join(t, NULL);
	assert_string_equal(channel_info(e, e->relid).state, "offered");
}

/*
 * CREATE_SUB_CHANNELS is bounded: more than the controller offers is
 * refused, and asking again on the same connection offers nothing new.
 */
static void test_subchannel_requests_bounded(void **state)
{
	struct env *e = *state;
	struct ovb_vstor_packet v = { .operation = OVB_VSTOR_OP_CREATE_SUB_CHANNELS };
	const struct fg_posted *p;
	unsigned int offers = 0;

	handshake(e);
	v.sub_channel_count = 2;	/* the controller offers 1 */
	assert_int_not_equal(call(e, &v, 60).status, 0);
	v.sub_channel_count = 1;
	for (uint64_t tid = 61; tid < 71; tid++) {
		assert_int_equal(call(e, &v, tid).status, 0);
		run_requests(e);
	}
	while ((p = fg_next(e->fg)))
		offers += ((const struct vmbus_msg_header *)p->data)->msgtype ==
			  CHANNELMSG_OFFERCHANNEL;
	assert_int_equal(offers, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake_and_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hot_add_enumerates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst_then_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stuck_guest_close_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subchannel_requests_bounded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
