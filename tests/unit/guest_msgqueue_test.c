// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Bug 8 of the hardening issue: the guest queues one work item per host
 * message (offers, rescinds) for its workqueue, allocated in interrupt
 * context; a host that floods them must not exhaust the guest's memory.
 * The guest's VMBus stack is built in userspace with the fake host of the
 * guest_vmbus_fuzz target (its whole source, included: the shim, the
 * host's answers, the bus stubs), and flooded while the workqueue does not
 * run (a busy or starved worker): at most OVB_MSG_QUEUE_MAX items wait,
 * the rest are dropped and counted, every message is still acknowledged,
 * and once the worker ran the queue takes messages again. Fails on the
 * code before the fix (no cap: one item per message).
 */
#include "tests/fuzz/guest_vmbus_fuzz.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#define FLOOD	20000

static void flood(unsigned int n)
{
	struct vmbus_channel_offer_channel o = { .header.msgtype = CHANNELMSG_OFFERCHANNEL };
	struct vmbus_channel_rescind_offer r = { .header.msgtype = CHANNELMSG_RESCIND_CHANNELOFFER };

	o.child_relid = 2045;		/* one made-up relid, of no known class */
	o.connection_id = 0x100 + o.child_relid;
	r.child_relid = 2047;		/* a relid the guest never had */
	for (unsigned int i = 0; i < n; i++) {
		if (i % 2)
			host_send(&r, sizeof(r));
		else
			host_send(&o, sizeof(o));
	}
}

static void test_flood_is_capped(void **state)
{
	(void)state;
	reset();
	flood(FLOOD);
	assert_int_equal(msgs_in, FLOOD);
	assert_int_equal(msgs_done, FLOOD);		/* each one acknowledged */
	assert_int_equal(atomic_read(&vb.queued), OVB_MSG_QUEUE_MAX);
	assert_int_equal(atomic64_read(&vb.dropped), FLOOD - OVB_MSG_QUEUE_MAX);
	shim_run_work();
	assert_int_equal(atomic_read(&vb.queued), 0);
	/* Not sticky: with the worker caught up, messages are queued again. */
	flood(10);
	assert_int_equal(atomic_read(&vb.queued), 10);
	assert_int_equal(atomic64_read(&vb.dropped), FLOOD - OVB_MSG_QUEUE_MAX);
	shim_run_work();
	assert_int_equal(atomic_read(&vb.queued), 0);
	shim_run_tasklets(64);
	ovb_vmbus_disconnect();
	shim_run_tasklets(64);
	assert_true(list_empty(&vb.devices));
	shim_free_pages();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_is_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
