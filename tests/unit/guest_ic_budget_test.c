// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Bug 4 of the hardening issue, ovb_ic's side: a host that keeps the
 * write index of the guest's receive ring ahead (a packet is always
 * waiting) must not keep the channel callback running. ovb_ic (icvsc/ic.c
 * with its services, built in userspace against tests/fuzz/guestshim)
 * reads at most IC_BUDGET packets per callback run and returns with the
 * rest still waiting; the bus (vmbus/channel.c) then sees the ring not
 * empty and runs the callback again as a new tasklet run. The stub host
 * gives up after HOST_PATIENCE packets, so a callback without a budget
 * (the code before the fix looped until the ring was empty) ends this
 * test with a failed assertion instead of hanging it.
 */
#include "tests/fuzz/guestshim/shim.h"

#include "icvsc/ic.c"
#include "icvsc/heartbeat.c"
#include "icvsc/shutdown.c"
#include "icvsc/timesync.c"
#include "icvsc/negotiate.c"
#include "tests/fuzz/guestshim/stub_ic_daemons.h"

#include "tests/fuzz/guestshim/stub_bus.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#define HOST_PATIENCE	100000

static unsigned int recvs, answers;

u64 ovb_hv_ref_time(void) { return 1; }
int do_settimeofday64(const struct timespec64 *ts) { return 0; }
void orderly_poweroff(bool force) { }
void orderly_reboot(void) { }

/* The busy host: a heartbeat request is always waiting (until it gives up). */
int ovb_channel_recv(struct ovb_channel *ch, void *buf, u32 buflen, u32 *len, u64 *trans_id)
{
	struct icmsg_hdr *h = (void *)((u8 *)buf + sizeof(struct vmbuspipe_hdr));
	u32 n = ICMSG_HDR_SIZE + sizeof(struct ic_heartbeat_msg);

	assert_true(ch->open);
	if (++recvs > HOST_PATIENCE)
		return -EAGAIN;
	assert_true(buflen >= n);
	memset(buf, 0, n);
	h->icmsgtype = ICMSGTYPE_HEARTBEAT;
	h->icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_REQUEST;
	*len = n;
	*trans_id = recvs;
	return 0;
}

int ovb_channel_send_inband(struct ovb_channel *ch, const void *buf, u32 len,
			    u64 trans_id, u16 flags)
{
	answers++;
	return 0;
}

static void test_busy_host_callback_returns_within_budget(void **state)
{
	static const guid_t hb = OVB_GUID_HEARTBEAT;

	(void)state;
	stub_bus_reset(&hb);
	assert_int_equal(ic_probe(&stub_vdev), 0);
	assert_true(stub_chan.open);
	for (int run = 0; run < 3; run++) {
		recvs = answers = 0;
		stub_chan.on_event(stub_chan.ctx);
		/* Returned after its budget, with packets still waiting ... */
		assert_true(recvs <= IC_BUDGET);
		/* ... having read (and answered) a whole budget: it works. */
		assert_int_equal(recvs, IC_BUDGET);
		assert_int_equal(answers, IC_BUDGET);
	}
	ic_remove(&stub_vdev);
	shim_run_work();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_busy_host_callback_returns_within_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
