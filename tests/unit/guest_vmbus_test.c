// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The guest's VMBus stack in userspace with the fake host of the
 * guest_vmbus_fuzz target (its whole source, included: the shim, the
 * host's answers, the bus stubs and its one driver, which opens every
 * channel it is offered).
 *
 * Bug 8 of the hardening issue: the guest queues one work item per host
 * message (offers, rescinds) for its workqueue, allocated in interrupt
 * context; a host that floods them must not exhaust the guest's memory.
 * Flooded while the workqueue does not run (a busy or starved worker): at most OVB_MSG_QUEUE_MAX items wait,
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

/* Offer a device at relid 1 (the fake bus opens its channel); its ring pages. */
static unsigned int offer_and_open(u64 *pfns, unsigned int max)
{
	struct vmbus_channel_offer_channel o = { .header.msgtype = CHANNELMSG_OFFERCHANNEL };
	unsigned int n = 0;

	o.child_relid = 1;
	o.offer.if_instance = instances[0];
	o.connection_id = 0x101;
	host_send(&o, sizeof(o));
	shim_run_work();
	assert_int_equal(added, 1);
	for (unsigned int i = 0; i < MAX_GPADL_IDS; i++)
		for (unsigned int k = 0; gpadls[i].used && k < gpadls[i].got && n < max; k++)
			pfns[n++] = gpadls[i].pfn[k];
	assert_true(n > 0);
	for (unsigned int k = 0; k < n; k++)
		assert_non_null(shim_pfn_to_page(pfns[k]));
	return n;
}

/* The host rescinds relid 1: the device goes, its channel closes. */
static void rescind_one(void)
{
	struct vmbus_channel_rescind_offer r = { .header.msgtype = CHANNELMSG_RESCIND_CHANNELOFFER };

	r.child_relid = 1;
	host_send(&r, sizeof(r));
	shim_run_work();
	assert_int_equal(removed, 1);
}

/*
 * A channel closes and the host never answers the teardown of its ring
 * GPADL (GPADL_TORNDOWN): it may still write to those pages, so the guest
 * leaks them (as Linux does) instead of freeing them for reuse. With the
 * teardown answered they are freed. (Before: freed after the timeout.)
 * The closes here are the guest's own (its unload), not a rescind.
 */
static void test_ring_pages_leaked_after_teardown_timeout(void **state)
{
	u64 pfns[64];
	unsigned int n;

	(void)state;
	/* the host answers the teardown: pages freed */
	reset();
	policy = 0;
	send_pages = recv_pages = 2;
	n = offer_and_open(pfns, 64);
	ovb_vmbus_disconnect();
	assert_int_equal(removed, 1);
	for (unsigned int k = 0; k < n; k++)
		assert_null(shim_pfn_to_page(pfns[k]));
	assert_int_equal(shim_free_pages(), 0);
	/* it never answers: the pages stay allocated, none goes back */
	reset();
	policy = HOST_TEARDOWN_MUTE;
	n = offer_and_open(pfns, 64);
	ovb_vmbus_disconnect();
	assert_int_equal(removed, 1);
	for (unsigned int k = 0; k < n; k++)
		assert_non_null(shim_pfn_to_page(pfns[k]));
	assert_true(shim_free_pages() >= n);	/* the test's own cleanup */
}

/*
 * The host rescinds a channel: it closed it first and let go of its
 * GPADLs, and may answer no teardown (Hyper-V, ovb-host). Like Linux
 * (vmbus_teardown_gpadl, vmbus_close_internal) the guest still sends
 * CLOSECHANNEL but no GPADL_TEARDOWN, and frees the ring pages at once.
 * (Before: a teardown posted, a 5 s wait, and the pages leaked.)
 */
static void test_rescind_frees_pages_without_teardown(void **state)
{
	u64 pfns[64];
	unsigned int n;

	(void)state;
	reset();
	policy = HOST_TEARDOWN_MUTE;
	send_pages = recv_pages = 2;
	n = offer_and_open(pfns, 64);
	rescind_one();
	assert_int_equal(late_teardowns, 0);
	assert_int_equal(closes, 1);
	assert_int_equal(released[1], 1);
	for (unsigned int k = 0; k < n; k++)
		assert_null(shim_pfn_to_page(pfns[k]));
	ovb_vmbus_disconnect();
	assert_int_equal(shim_free_pages(), 0);
}

static void offer(u32 relid, unsigned int instance, u16 sub_index)
{
	struct vmbus_channel_offer_channel o = { .header.msgtype = CHANNELMSG_OFFERCHANNEL };

	o.child_relid = relid;
	o.offer.if_instance = instances[instance];
	o.offer.sub_channel_index = sub_index;
	o.connection_id = 0x100 + relid;
	host_send(&o, sizeof(o));
	shim_run_work();		/* the offer, then the sub-channel's open */
}

static struct ovb_vmbus_device *dev_of(u32 relid)
{
	for (unsigned int i = 0; i < MAX_DEVS; i++)
		if (devs[i] && devs[i]->relid == relid)
			return devs[i];
	fail_msg("no device of relid %u", relid);
	return NULL;
}

static struct ovb_channel *subchannel(struct ovb_vmbus_device *d, u32 relid)
{
	struct ovb_channel *sc;

	list_for_each_entry(sc, &d->chan.sc_list, sc_node)
		if (sc->relid == relid)
			return sc;
	return NULL;
}

/*
 * The host offers a channel on a relid one of a device's sub-channels
 * already has: a new device (primary offer) or another device's
 * sub-channel. Either is dropped; the sub-channel stays open on its relid
 * and its rescind still finds it. (Before: the primary offer made a
 * second device of that relid, and the sub-channel offer a second
 * sub-channel, whose opens failed on the claimed relid.)
 */
static void test_offer_on_a_subchannels_relid_dropped(void **state)
{
	struct vmbus_channel_rescind_offer r = {
		.header.msgtype = CHANNELMSG_RESCIND_CHANNELOFFER, .child_relid = 5 };
	struct ovb_channel *sc;

	(void)state;
	reset();
	policy = 0;
	send_pages = recv_pages = 2;
	offer(1, 0, 0);			/* device A */
	offer(5, 0, 1);			/* A's sub-channel 1 at relid 5 */
	assert_int_equal(added, 1);
	sc = subchannel(dev_of(1), 5);
	assert_non_null(sc);
	assert_true(sc->open);
	offer(5, 1, 0);			/* a device B at relid 5: dropped */
	assert_int_equal(added, 1);
	offer(2, 1, 0);			/* device B at relid 2 */
	assert_int_equal(added, 2);
	offer(5, 1, 1);			/* B's sub-channel at relid 5: dropped */
	assert_null(subchannel(dev_of(2), 5));
	assert_ptr_equal(subchannel(dev_of(1), 5), sc);
	assert_true(sc->open);
	/* the rescind of relid 5 is A's sub-channel's; released once */
	host_send(&r, sizeof(r));
	shim_run_work();
	assert_null(subchannel(dev_of(1), 5));
	assert_int_equal(released[5], 1);
	assert_int_equal(removed, 0);
	ovb_vmbus_disconnect();
	assert_int_equal(removed, 2);
	assert_int_equal(shim_free_pages(), 0);
}

/*
 * The host removes a device with a sub-channel: it rescinds the primary,
 * then the sub-channel. The device's removal frees the sub-channel, and
 * its rescind must still be answered with RELID_RELEASED, or the host
 * keeps the relid for good. (Before: "rescind of unknown relid", never
 * released.)
 */
static void test_subchannel_of_a_removed_device_released(void **state)
{
	struct vmbus_channel_rescind_offer r = {
		.header.msgtype = CHANNELMSG_RESCIND_CHANNELOFFER, .child_relid = 1 };

	(void)state;
	reset();
	policy = 0;
	send_pages = recv_pages = 2;
	offer(1, 0, 0);
	offer(5, 0, 1);
	assert_non_null(subchannel(dev_of(1), 5));
	host_send(&r, sizeof(r));
	r.child_relid = 5;
	host_send(&r, sizeof(r));
	shim_run_work();
	assert_int_equal(removed, 1);
	assert_int_equal(released[1], 1);
	assert_int_equal(released[5], 1);
	/* a second rescind of it is unknown again: no second release */
	host_send(&r, sizeof(r));
	shim_run_work();
	assert_int_equal(released[5], 1);
	ovb_vmbus_disconnect();
	assert_int_equal(shim_free_pages(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_is_capped),
		cmocka_unit_test(test_ring_pages_leaked_after_teardown_timeout),
		cmocka_unit_test(test_rescind_frees_pages_without_teardown),
		cmocka_unit_test(test_offer_on_a_subchannels_relid_dropped),
		cmocka_unit_test(test_subchannel_of_a_removed_device_released),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
