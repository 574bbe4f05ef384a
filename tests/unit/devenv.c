// SPDX-License-Identifier: GPL-2.0 OR MIT
#include <fcntl.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hostside/vmbus/server.h"
#include "tests/unit/devenv.h"

static_assert(sizeof(struct fg_ops) == sizeof(struct vmbus_server_ops), "ops layout");

static void send(struct devenv *e, const void *msg, uint32_t len)
{
	vmbus_server_handle_msg(e->srv, 0, msg, len);
}

const char *devenv_sample_arg(struct devenv *e, const struct vsp_type *t)
{
	/* The one place that knows what each type's option looks like. */
	if (t->option && !strcmp(t->option, "disk"))
		return e->img[0];
	if (t->option && !strcmp(t->option, "timesync"))
		return "1";
	if (t->option && !strcmp(t->option, "video"))
		return "1024x768";
	if (t->option && !strcmp(t->option, "keyboard"))
		return "us";
	if (t->option && !strcmp(t->option, "mouse"))
		return "absolute";
	if (t->option && !strcmp(t->option, "vnc"))
		return "127.0.0.1:0";	/* any free port */
	if (t->option && !strcmp(t->option, "vnc-web"))
		return e->dir;		/* a directory: its files over HTTP */
	if (t->option && (!strcmp(t->option, "kvp") || !strcmp(t->option, "vss")))
		return "2";
	if (t->option && !strcmp(t->option, "fcopy"))
		return "10";
	if (t->option && !strcmp(t->option, "nic")) {
		static char tap[32];

		/* A real TAP (the tests run as root), one per process: runs may overlap. */
		snprintf(tap, sizeof(tap), "tap=ovbde%u", (unsigned int)getpid() % 1000000);
		return tap;
	}
	return NULL;
}

void devenv_setup(struct devenv *e, bool options)
{
	devenv_setup_some(e, options ? "" : NULL);
}

/* @types NULL: none; "": all; else a space-separated list of options. */
static bool wanted(const char *types, const char *option)
{
	size_t n = strlen(option);

	if (!types || !*types)
		return types != NULL;
	for (const char *p = strstr(types, option); p; p = strstr(p + 1, option))
		if ((p == types || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

void devenv_setup_some(struct devenv *e, const char *types)
{
	struct vsp_env env = { .ncpus = 2 };

	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "/tmp/ovb-devenv.XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	for (int i = 0; i < 3; i++) {
		int fd;

		snprintf(e->img[i], sizeof(e->img[i]), "%.60s/d%d.img", e->dir, i);
		fd = open(e->img[i], O_CREAT | O_RDWR | O_TRUNC, 0600);
		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, 4 << 20), 0);
		close(fd);
	}
	e->fg = fg_new();
	assert_non_null(e->fg);
	e->srv = vmbus_server_new((const struct vmbus_server_ops *)&fg_ops, e->fg, 2);
	assert_non_null(e->srv);
	for (unsigned int i = 0; i < vsp_ntypes; i++) {
		const char *arg = devenv_sample_arg(e, vsp_types[i]);

		if (vsp_types[i]->option && wanted(types, vsp_types[i]->option)) {
			/* A new type with an option needs its sample in devenv_sample_arg. */
			assert_non_null(arg);
			assert_int_equal(vsp_types[i]->parse(&e->cfgs[i], arg), 0);
		}
	}
	e->devs = host_devices_create(e->srv, &env, e->cfgs);
	assert_non_null(e->devs);
}

void devenv_teardown(struct devenv *e)
{
	host_devices_destroy(e->devs);
	vmbus_server_free(e->srv);
	fg_free(e->fg);
	for (int i = 0; i < 3; i++)
		unlink(e->img[i]);
	rmdir(e->dir);
}

unsigned int devenv_connect(struct devenv *e, uint32_t version)
{
	struct vmbus_channel_initiate_contact c = { .header.msgtype = CHANNELMSG_INITIATE_CONTACT };
	struct vmbus_channel_empty req = { .header.msgtype = CHANNELMSG_REQUESTOFFERS };
	const struct fg_posted *p;
	unsigned int n = 0;

	c.vmbus_version_requested = version;
	c.u.v5.msg_sint = OVB_VMBUS_MESSAGE_SINT;
	send(e, &c, sizeof(c));
	assert_non_null(fg_expect(e->fg, CHANNELMSG_VERSION_RESPONSE));
	send(e, &req, sizeof(req));
	while ((p = fg_next(e->fg))) {
		struct vmbus_msg_header h;

		memcpy(&h, p->data, sizeof(h));
		if (h.msgtype == CHANNELMSG_ALLOFFERS_DELIVERED)
			break;
		assert_int_equal(h.msgtype, CHANNELMSG_OFFERCHANNEL);
		n++;
	}
	assert_non_null(p);
	return n;
}

uint64_t devenv_open(struct devenv *e, uint32_t relid, uint32_t gpadl)
{
	struct vmbus_channel_open_channel op = { .header.msgtype = CHANNELMSG_OPENCHANNEL };
	struct vmbus_channel_open_result r;
	static uint8_t msgs[64][OVB_VMBUS_MAX_MSG_SIZE];
	uint32_t lens[64], pages = 4;
	uint64_t pfn0 = fg_alloc_pages(e->fg, 2 * pages);
	unsigned int n = fg_gpadl_msgs(relid, gpadl, pfn0, 2 * pages, msgs, lens, 64);

	for (unsigned int i = 0; i < n; i++)
		send(e, msgs[i], lens[i]);
	assert_non_null(fg_expect(e->fg, CHANNELMSG_GPADL_CREATED));
	op.child_relid = relid;
	op.openid = relid;
	op.ringbuffer_gpadlhandle = gpadl;
	op.downstream_ringbuffer_pageoffset = pages;
	send(e, &op, sizeof(op));
	memcpy(&r, fg_expect(e->fg, CHANNELMSG_OPENCHANNEL_RESULT)->data, sizeof(r));
	assert_int_equal(r.status, 0);
	return pfn0;
}

struct json_object *devenv_status(struct devenv *e, const char *type)
{
	struct json_object *a = json_object_new_array(), *r = NULL, *t;

	host_devices_status(e->devs, a);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *d = json_object_array_get_idx(a, i);

		if (json_object_object_get_ex(d, "type", &t) &&
		    !strcmp(json_object_get_string(t), type))
			r = json_object_get(d);
	}
	json_object_put(a);
	assert_non_null(r);
	return r;
}
