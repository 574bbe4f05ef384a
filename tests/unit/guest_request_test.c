// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The guest's per-channel request/response helper (vmbus/request.c), built
 * in userspace against tests/fuzz/guestshim, with the channel's send
 * stubbed as the host: an answer in time completes the request with its
 * bytes; no answer times out (-ETIMEDOUT) and the answer that comes late
 * is dropped, as is one the host sends unasked or one for an earlier
 * request, so none of them can complete or overwrite a later request.
 */
#include "tests/fuzz/guestshim/shim.h"

#include "vmbus/request.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* The host: what it does with the next request it is sent. */
static enum { HOST_ANSWERS, HOST_SILENT, HOST_FAILS } host;
static u64 last_tid;
static struct ovb_channel chan;

int ovb_channel_send_inband(struct ovb_channel *ch, const void *buf, u32 len,
			    u64 trans_id, u16 flags)
{
	static const char answer[] = "answer";

	assert_ptr_equal(ch, &chan);
	assert_true(flags & OVB_VMPKT_FLAG_COMPLETION_REQUESTED);
	assert_true(trans_id & OVB_CHANNEL_REQ_TID);
	last_tid = trans_id;
	if (host == HOST_FAILS)
		return -EAGAIN;
	if (host == HOST_ANSWERS)	/* at once, as from the channel callback */
		assert_true(ovb_channel_request_answer(ch, trans_id, answer, sizeof(answer)));
	return 0;
}

static int setup(void **state)
{
	(void)state;
	memset(&chan, 0, sizeof(chan));
	chan.relid = 7;
	ovb_chan_call_init(&chan.call);
	return 0;
}

static void test_answered(void **state)
{
	char resp[16] = "";

	(void)state;
	host = HOST_ANSWERS;
	assert_int_equal(ovb_channel_request(&chan, "q", 1, resp, sizeof(resp), HZ), 7);
	assert_string_equal(resp, "answer");
	/* A short buffer gets what fits. */
	memset(resp, 0, sizeof(resp));
	assert_int_equal(ovb_channel_request(&chan, "q", 1, resp, 3, HZ), 3);
	assert_memory_equal(resp, "ans", 3);
}

static void test_timeout_then_late_answer(void **state)
{
	char resp[16] = "untouched";
	u64 late;

	(void)state;
	host = HOST_SILENT;
	assert_int_equal(ovb_channel_request(&chan, "q", 1, resp, sizeof(resp), HZ), -ETIMEDOUT);
	late = last_tid;
	/* The late answer matches nothing: taken as ours, dropped, no copy. */
	assert_true(ovb_channel_request_answer(&chan, late, "late", 5));
	assert_string_equal(resp, "untouched");
	/* The next request has another id; the old answer cannot complete it. */
	host = HOST_SILENT;
	assert_int_equal(ovb_channel_request(&chan, "q", 1, resp, sizeof(resp), HZ), -ETIMEDOUT);
	assert_true(last_tid != late);
	host = HOST_ANSWERS;
	assert_int_equal(ovb_channel_request(&chan, "q", 1, resp, sizeof(resp), HZ), 7);
	assert_string_equal(resp, "answer");
}

static void test_unasked_and_foreign_answers(void **state)
{
	(void)state;
	/* Unasked, with the request bit: dropped. Without it: not ours at all. */
	assert_true(ovb_channel_request_answer(&chan, OVB_CHANNEL_REQ_TID | 12345, "x", 1));
	assert_false(ovb_channel_request_answer(&chan, 12345, "x", 1));
	assert_int_equal(chan.call.done.done, 0);
}

static void test_send_fails(void **state)
{
	char resp[4];

	(void)state;
	host = HOST_FAILS;
	assert_int_equal(ovb_channel_request(&chan, "q", 1, resp, sizeof(resp), HZ), -EAGAIN);
	assert_true(ovb_channel_request_answer(&chan, last_tid, "x", 1));	/* dropped */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_answered, setup),
		cmocka_unit_test_setup(test_timeout_then_late_answer, setup),
		cmocka_unit_test_setup(test_unasked_and_foreign_answers, setup),
		cmocka_unit_test_setup(test_send_fails, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
