// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The timesync VSP (hostside/icvsp/timesync.c) as ovb-host makes it, from
 * its --timesync option, over the real server and the fake guest: after
 * the guest negotiates 4.0, 3.0 or 1.0 the host's time comes flagged SYNC
 * in that version's layout, then a SAMPLE every period, each a
 * transaction the guest answers; 4.0 also carries the guest's reference
 * time. Times are checked against the clocks read here.
 */
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hostside/vmbus/server.h"
#include "ovb/ic_proto.h"
#include "tests/unit/channel_info.h"
#include "tests/unit/devenv.h"

int log_verbose;

#define SECOND	10000000ull	/* in the protocol's 100 ns units */

static uint64_t now_1601(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * SECOND + (uint64_t)t.tv_nsec / 100 + IC_TIMESYNC_WLTIMEDELTA;
}

/* What the fake guest's reference counter reads now (fakeguest.c). */
static uint64_t guest_ref_now(const struct devenv *e)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ((uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec) / 100 +
	       e->fg->ref_time_offset;
}

static bool near(uint64_t a, uint64_t b)
{
	return (a > b ? a - b : b - a) < SECOND;
}

static uint32_t timesync_relid(struct devenv *e)
{
	for (uint32_t relid = 1; relid < 16; relid++) {
		struct vmbus_channel_info i = channel_info_of(e->srv, relid);

		if (i.state && !strcmp(i.device, "timesync"))
			return relid;
	}
	fail_msg("no timesync channel");
	return 0;
}

/* The time message in @pkt: its version and fields, checked against ours. */
static void check_time_msg(struct devenv *e, const uint8_t *pkt, uint32_t len,
			   uint32_t version, uint8_t flags)
{
	uint32_t off = ((const struct ovb_vmpacket_desc *)pkt)->offset8 * 8u;
	const struct icmsg_hdr *h = (const void *)(pkt + off + sizeof(struct vmbuspipe_hdr));
	const uint8_t *body = pkt + off + ICMSG_HDR_SIZE;

	assert_int_equal(h->icmsgtype, ICMSGTYPE_TIMESYNC);
	assert_int_equal(IC_VERSION((uint32_t)h->icvermsg.major, h->icvermsg.minor), version);
	assert_true(h->icflags & ICMSGHDRFLAG_TRANSACTION);
	if (version >= IC_TIMESYNC_VERSION_4) {
		struct ic_timesync_ref_msg m;

		assert_int_equal(h->icmsgsize, sizeof(m));
		assert_true(len - off - ICMSG_HDR_SIZE >= sizeof(m));
		memcpy(&m, body, sizeof(m));
		assert_int_equal(m.flags, flags);
		assert_true(near(m.parenttime, now_1601()));
		assert_true(near(m.vmreferencetime, guest_ref_now(e)));
	} else {
		struct ic_timesync_msg m;

		assert_int_equal(h->icmsgsize, sizeof(m));
		assert_true(len - off - ICMSG_HDR_SIZE >= sizeof(m));
		memcpy(&m, body, sizeof(m));
		assert_int_equal(m.flags, flags);
		assert_true(near(m.parenttime, now_1601()));
	}
}

static int64_t status_field(struct devenv *e, const char *key)
{
	struct json_object *a = json_object_new_array(), *v = NULL;
	int64_t n = -1;

	host_devices_status(e->devs, a);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *d = json_object_array_get_idx(a, i), *t;

		if (json_object_object_get_ex(d, "type", &t) &&
		    !strcmp(json_object_get_string(t), "timesync") &&
		    json_object_object_get_ex(d, key, &v))
			n = json_object_get_int64(v);
	}
	json_object_put(a);
	return n;
}

static void run_version(uint32_t version)
{
	struct devenv e;
	struct fg_chan g;
	uint8_t buf[4096];
	uint64_t tid, pfn;
	uint32_t relid, len;

	devenv_setup(&e, true);		/* --timesync 1 (devenv_sample_arg) */
	e.fg->ref_time_offset = 987654321;	/* the guest's clock is not ours */
	devenv_connect(&e, 0x50003);
	relid = timesync_relid(&e);
	pfn = devenv_open(&e, relid, 40);
	assert_int_equal(fg_chan_init(e.fg, &g, pfn, 4, 0x10000 + relid), 0);

	len = fg_chan_recv(&g, buf, sizeof(buf), &tid, 3000);
	assert_true(len > 0);
	assert_int_equal(fg_ic_answer(&g, buf, len, tid, version), 0);

	/* SYNC right after the negotiation, before the first period ends. */
	len = fg_chan_recv(&g, buf, sizeof(buf), &tid, 900);
	assert_true(len > 0);
	check_time_msg(&e, buf, len, version, ICTIMESYNCFLAG_SYNC);
	assert_int_equal(fg_ic_answer(&g, buf, len, tid, 0), 0);

	/* Then a SAMPLE each period (1 s). */
	for (int i = 0; i < 2; i++) {
		len = fg_chan_recv(&g, buf, sizeof(buf), &tid, 2500);
		assert_true(len > 0);
		check_time_msg(&e, buf, len, version, ICTIMESYNCFLAG_SAMPLE);
		assert_int_equal(fg_ic_answer(&g, buf, len, tid, 0), 0);
	}
	usleep(200000);
	assert_int_equal(status_field(&e, "syncs"), 1);
	assert_true(status_field(&e, "samples") >= 2);
	assert_true(status_field(&e, "answered") >= 3);
	devenv_teardown(&e);
}

static void test_version_4(void **state)
{
	(void)state;
	run_version(IC_TIMESYNC_VERSION_4);
}

static void test_version_3(void **state)
{
	(void)state;
	run_version(IC_TIMESYNC_VERSION_3);
}

static void test_version_1(void **state)
{
	(void)state;
	run_version(IC_TIMESYNC_VERSION_1);
}

/* --timesync takes whole seconds, 1 to an hour. */
static void test_option(void **state)
{
	static const char *const bad[] = { "", "0", "-1", "5s", "3601", "99999999999999999999" };
	const struct vsp_type *t = NULL;
	void *cfg = NULL;

	(void)state;
	for (unsigned int i = 0; i < vsp_ntypes; i++)
		if (vsp_types[i]->option && !strcmp(vsp_types[i]->option, "timesync"))
			t = vsp_types[i];
	assert_non_null(t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(t->parse(&cfg, bad[i]), -1);
	assert_null(cfg);
	assert_int_equal(t->parse(&cfg, "5"), 0);
	assert_int_equal(t->parse(&cfg, "3600"), 0);
	assert_int_equal(*(unsigned int *)cfg, 3600);
	t->cfg_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_4),
		cmocka_unit_test(test_version_3),
		cmocka_unit_test(test_version_1),
		cmocka_unit_test(test_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
