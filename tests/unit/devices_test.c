// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The device table (hostside/devices.c): every type is created from its
 * option, offered in list order, and on destroy removed in reverse order
 * with nothing left behind (run under LSan: detect_leaks=1); a failed
 * creation takes down what it had made.
 */
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hostside/vmbus/server.h"
#include "tests/unit/devenv.h"

int log_verbose;

static void count_channel(void *arg, const struct vmbus_channel_info *i)
{
	(void)i;
	(*(unsigned int *)arg)++;
}

static unsigned int nchannels(struct devenv *e)
{
	unsigned int n = 0;

	vmbus_server_list_channels(e->srv, count_channel, &n);
	return n;
}

/* status's "devices": one entry per type, in list order. */
static void assert_devices(struct devenv *e, bool all)
{
	struct json_object *a = json_object_new_array();
	size_t k = 0;

	host_devices_status(e->devs, a);
	for (unsigned int i = 0; i < vsp_ntypes; i++) {
		struct json_object *t;

		if (!all && !vsp_types[i]->always)
			continue;
		assert_true(k < json_object_array_length(a));
		assert_true(json_object_object_get_ex(json_object_array_get_idx(a, k), "type", &t));
		assert_string_equal(json_object_get_string(t), vsp_types[i]->name);
		k++;
	}
	assert_int_equal(json_object_array_length(a), k);
	json_object_put(a);
}

static void test_every_type(void **state)
{
	struct devenv e;
	const struct fg_posted *p;

	unsigned int offered = 0;

	(void)state;
	/* The types with a VMBus device (the console has none). */
	for (unsigned int i = 0; i < vsp_ntypes; i++)
		offered += vsp_types[i]->device != NULL;
	devenv_setup(&e, true);
	assert_devices(&e, true);
	/* Offered in list order, relid 1 first; every channel opened. */
	assert_int_equal(devenv_connect(&e, 0x50002), offered);
	for (uint32_t relid = 1; relid <= offered; relid++)
		devenv_open(&e, relid, relid);
	/* Removed in reverse order: the rescinds come last relid first. */
	while (fg_next(e.fg))
		;
	host_devices_destroy(e.devs);
	e.devs = NULL;
	for (uint32_t relid = offered; relid >= 1; relid--) {
		struct vmbus_channel_rescind_offer r;

		p = fg_expect(e.fg, CHANNELMSG_RESCIND_CHANNELOFFER);
		assert_non_null(p);
		memcpy(&r, p->data, sizeof(r));
		assert_int_equal(r.child_relid, relid);
	}
	devenv_teardown(&e);
}

/* Without options only the types that are always there. */
static void test_defaults(void **state)
{
	struct devenv e;
	unsigned int always = 0;

	(void)state;
	for (unsigned int i = 0; i < vsp_ntypes; i++)
		always += vsp_types[i]->always;
	devenv_setup(&e, false);
	assert_devices(&e, false);
	assert_int_equal(nchannels(&e), always);
	/* Destroyed before the guest connected: nothing to rescind, all gone. */
	host_devices_destroy(e.devs);
	e.devs = NULL;
	assert_int_equal(nchannels(&e), 0);
	devenv_teardown(&e);
}

/* A device that cannot be made: what was made before it is taken down. */
static void test_create_fails(void **state)
{
	struct devenv e;
	struct vsp_env env = { .ncpus = 1 };
	void *cfgs[VSP_MAX_TYPES] = { 0 };
	unsigned int with_option = 0;

	(void)state;
	devenv_setup(&e, false);
	for (unsigned int i = 0; i < vsp_ntypes; i++) {
		if (!vsp_types[i]->option || strcmp(vsp_types[i]->option, "disk"))
			continue;
		/* Good syntax for a disk, but no such file. */
		assert_int_equal(vsp_types[i]->parse(&cfgs[i], "/nonexistent/ovb.img"), 0);
		with_option++;
	}
	assert_true(with_option > 0);
	host_devices_destroy(e.devs);
	e.devs = host_devices_create(e.srv, &env, cfgs);
	assert_null(e.devs);
	assert_int_equal(nchannels(&e), 0);
	devenv_teardown(&e);
}

/* Bad --disk arguments are refused, and what was parsed is freed. */
static void test_parse_errors(void **state)
{
	void *cfgs[VSP_MAX_TYPES] = { 0 };

	(void)state;
	for (unsigned int i = 0; i < vsp_ntypes; i++) {
		if (!vsp_types[i]->option || strcmp(vsp_types[i]->option, "disk"))
			continue;
		assert_int_equal(vsp_types[i]->parse(&cfgs[i], "x.img"), 0);
		assert_int_equal(vsp_types[i]->parse(&cfgs[i], ""), -1);
		assert_int_equal(vsp_types[i]->parse(&cfgs[i], "x.img,bogus"), -1);
	}
	vsp_cfgs_free(cfgs);
	for (unsigned int i = 0; i < vsp_ntypes; i++)
		assert_null(cfgs[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_create_fails),
		cmocka_unit_test(test_parse_errors),
	};

	return cmocka_run_group_tests_name("devices", tests, NULL, NULL);
}
