// SPDX-License-Identifier: GPL-2.0 OR MIT
/* `status` and `channels`: the VM, its VMBus connection and channels. */
#include <json-c/json.h>
#include <stdio.h>

#include "hostside/ctl/ctl.h"
#include "hostside/ctl/vm_cmds.h"
#include "hostside/devices.h"
#include "hostside/vmbus/server.h"

static struct json_object *guid_json(const struct ovb_guid *g)
{
	const uint8_t *b = g->b;
	char s[40];

	snprintf(s, sizeof(s),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11],
		 b[12], b[13], b[14], b[15]);
	return json_object_new_string(s);
}

static int cmd_status(void *opaque, const char *args, struct json_object *r, const char **err)
{
	struct vm_info *vi = opaque;
	uint32_t v = vmbus_server_version(vi->srv);
	struct json_object *vmbus = json_object_new_object(), *devs = json_object_new_array();
	char ver[16];

	(void)args;
	(void)err;
	json_object_object_add(r, "state", json_object_new_string("running"));
	json_object_object_add(r, "uptime_s", json_object_new_int64(time(NULL) - vi->started));
	json_object_object_add(r, "vcpus", json_object_new_int((int)vi->ncpus));
	json_object_object_add(r, "memory_mib", json_object_new_int64((int64_t)(vi->ram_size >> 20)));
	snprintf(ver, sizeof(ver), "%u.%u", v >> 16, v & 0xffff);
	json_object_object_add(vmbus, "connected", json_object_new_boolean(v != 0));
	json_object_object_add(vmbus, "version", v ? json_object_new_string(ver) : NULL);
	json_object_object_add(r, "vmbus", vmbus);
	json_object_object_add(r, "gpadls", json_object_new_int((int)vmbus_server_gpadl_count(vi->srv)));
	host_devices_status(vi->devs, devs);
	json_object_object_add(r, "devices", devs);
	return 0;
}

static struct json_object *counters(uint64_t packets, uint64_t bytes, uint64_t signals)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "packets", json_object_new_int64((int64_t)packets));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)bytes));
	json_object_object_add(o, "signals", json_object_new_int64((int64_t)signals));
	return o;
}

/* Called under the server's lock: only builds memory, writes to no one. */
static void channel_json(void *arg, const struct vmbus_channel_info *i)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "relid", json_object_new_int64(i->relid));
	json_object_object_add(o, "device", json_object_new_string(i->device));
	json_object_object_add(o, "state", json_object_new_string(i->state));
	json_object_object_add(o, "vp", json_object_new_int64(i->target_vp));
	json_object_object_add(o, "subchannel", json_object_new_int(i->subchannel_index));
	json_object_object_add(o, "conn_id", json_object_new_int64(i->conn_id));
	json_object_object_add(o, "class", guid_json(&i->class_id));
	json_object_object_add(o, "instance", guid_json(&i->instance_id));
	json_object_object_add(o, "tx", counters(i->tx_packets, i->tx_bytes, i->tx_signals));
	json_object_object_add(o, "rx", counters(i->rx_packets, i->rx_bytes, i->rx_signals));
	json_object_object_add(o, "worker_wakeups",
			       json_object_new_int64((int64_t)i->worker_wakeups));
	json_object_object_add(o, "failed", json_object_new_boolean(i->ring_failed));
	json_object_array_add(arg, o);
}

static int cmd_channels(void *opaque, const char *args, struct json_object *r, const char **err)
{
	struct vm_info *vi = opaque;
	struct json_object *a = json_object_new_array();

	(void)args;
	(void)err;
	vmbus_server_list_channels(vi->srv, channel_json, a);
	json_object_object_add(r, "channels", a);
	return 0;
}

static const struct ctl_command vm_cmds[] = {
	{ "status", "", "VM state, VMBus version, GPADL count, devices", cmd_status },
	{ "channels", "", "VMBus channels with state and ring counters", cmd_channels },
};

int vm_cmds_add(struct ctl *ctl, struct vm_info *info)
{
	return ctl_add(ctl, vm_cmds, sizeof(vm_cmds) / sizeof(vm_cmds[0]), info, "");
}
