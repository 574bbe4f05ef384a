// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Bug 4 of the hardening issue, storvsc's side: a host that keeps the
 * write index of a queue's receive ring ahead (a packet is always
 * waiting: junk, or completions of no command) must not keep the channel
 * callback running. storvsc (storvsc/storvsc.c, built in userspace against
 * tests/fuzz/guestshim) reads at most STOR_BUDGET packets per callback
 * run and returns with the rest still waiting; the bus (vmbus/channel.c)
 * then sees the ring not empty and runs the callback again as a new
 * tasklet run. The stub host gives up after HOST_PATIENCE packets, so a
 * callback without a budget (the code before the fix looped until the
 * ring was empty) ends this test with a failed assertion instead of
 * hanging it.
 */
#include "tests/fuzz/guestshim/shim.h"

#include "storvsc/storvsc.c"

#include "tests/fuzz/guestshim/stub_bus.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#define HOST_PATIENCE	100000

static unsigned int recvs;

/* What storvsc.c links against that this test never reaches. */
void ovb_channel_set_sc_create(struct ovb_channel *p, void (*fn)(struct ovb_channel *sc)) { }
void ovb_channel_set_sc_rescind(struct ovb_channel *p, void (*fn)(struct ovb_channel *sc)) { }
u16 ovb_channel_sub_index(struct ovb_channel *ch) { return 0; }
int ovb_channel_set_target_cpu(struct ovb_channel *ch, unsigned int cpu) { return 0; }
bool ovb_channel_request_answer(struct ovb_channel *ch, u64 tid, const void *d, u32 len)
{
	return false;
}
int ovb_channel_request(struct ovb_channel *ch, const void *req, u32 len, void *resp,
			u32 resp_len, unsigned long timeout)
{
	return -ETIMEDOUT;
}
int ovb_channel_send_inband(struct ovb_channel *ch, const void *buf, u32 len, u64 tid, u16 flags)
{
	return -EIO;
}
int ovb_channel_send_gpa(struct ovb_channel *ch, const void *ranges, u32 ranges_len,
			 u32 range_count, const void *buf, u32 len, u64 tid, u16 flags)
{
	return -EIO;
}
struct Scsi_Host *scsi_host_alloc(const struct scsi_host_template *t, int privsize)
{
	return NULL;
}
bool scsi_host_get(struct Scsi_Host *s) { return false; }
void scsi_host_put(struct Scsi_Host *s) { }
struct scsi_cmnd *scsi_host_find_tag(struct Scsi_Host *s, int tag) { return NULL; }
void scsi_done(struct scsi_cmnd *scmd) { fail(); }

/*
 * The busy host: a packet is always waiting (until it gives up), in
 * turn a packet too short to be one and a completion of no command.
 */
int ovb_channel_recv(struct ovb_channel *ch, void *buf, u32 buflen, u32 *len, u64 *tid)
{
	struct ovb_vstor_packet p = { .operation = OVB_VSTOR_OP_COMPLETE_IO };

	if (++recvs > HOST_PATIENCE)
		return -EAGAIN;
	assert_true(buflen >= sizeof(p));
	memcpy(buf, &p, sizeof(p));
	*len = recvs % 2 ? 4 : sizeof(p);
	*tid = 0x7fff0000u + recvs;	/* no command's tag */
	return 0;
}

static void test_busy_host_callback_returns_within_budget(void **state)
{
	static const guid_t scsi = OVB_GUID_SCSI;
	static struct stor_host h;
	struct stor_queue *q = &h.q[0];

	(void)state;
	stub_bus_reset(&scsi);
	h.vdev = &stub_vdev;
	h.ch = &stub_chan;
	q->h = &h;
	q->ch = &stub_chan;
	for (int run = 0; run < 3; run++) {
		recvs = 0;
		stor_on_event(q);
		/* Returned after its budget, with packets still waiting ... */
		assert_true(recvs <= STOR_BUDGET);
		/* ... having read a whole budget. */
		assert_int_equal(recvs, STOR_BUDGET);
	}
	/* Every packet was looked at and dropped (short, or no command's). */
	assert_int_equal(h.bad_packets, 3 * STOR_BUDGET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_busy_host_callback_returns_within_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
