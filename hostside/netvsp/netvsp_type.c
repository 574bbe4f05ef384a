// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The synthetic NIC as one of ovb-host's device types (hostside/devices.h):
 * --nic tap=IFNAME[,mac=MAC][,mtu=N], its counters in `ovbctl --json
 * status` ("nics") and `ovbctl nic link up|down`. One NIC for now: a
 * device type is one VMBus device (a second --nic is refused).
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/ctl/ctl.h"
#include "hostside/devices.h"
#include "hostside/log.h"
#include "hostside/netvsp/netvsp.h"

#define NIC_SPEC "tap=IFNAME[,mac=MAC][,mtu=N][,offload=on]"

static int netvsp_type_parse(void **cfgp, const char *arg)
{
	struct netvsp_cfg *cfg;
	const char *err = "";

	if (*cfgp) {
		log_err("--nic: one NIC for now (" NIC_SPEC ")");
		return -1;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return -1;
	if (netvsp_cfg_parse(arg, cfg, &err)) {
		log_err("bad --nic '%s': %s (" NIC_SPEC ")", arg, err);
		free(cfg);
		return -1;
	}
	*cfgp = cfg;
	return 0;
}

static void netvsp_type_cfg_free(void *cfg)
{
	free(cfg);
}

static void *netvsp_type_create(const struct vsp_env *env, void *cfg)
{
	struct netvsp *nv = netvsp_new(cfg);

	if (nv) {
		const struct netvsp_cfg *c = cfg;

		log_info("netvsp: NIC on TAP %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u",
			 c->ifname, c->mac[0], c->mac[1], c->mac[2], c->mac[3], c->mac[4],
			 c->mac[5], c->mtu);
	}
	return nv;
}

static struct vmbus_device *netvsp_type_device(void *nv)
{
	return netvsp_device(nv);
}

static void netvsp_type_destroy(void *nv)
{
	netvsp_free(nv);
}

static void json_add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

static void netvsp_type_status(void *nv, struct json_object *e)
{
	struct json_object *nics = json_object_new_array(), *n = json_object_new_object();
	struct netvsp_stats s;

	netvsp_get_stats(nv, &s);
	json_object_object_add(n, "ifname", json_object_new_string(netvsp_ifname(nv)));
	json_object_object_add(n, "link", json_object_new_string(s.link_up ? "up" : "down"));
	json_object_object_add(n, "rndis", json_object_new_boolean(s.rndis_up));
	json_add_u64(n, "mtu", s.mtu);
	json_add_u64(n, "nvsp_version", s.nvsp_version);
	json_add_u64(n, "ndis_version", s.ndis_version);
	json_add_u64(n, "tx_packets", s.tx_packets);
	json_add_u64(n, "tx_bytes", s.tx_bytes);
	json_add_u64(n, "tx_drops", s.tx_drops);
	json_add_u64(n, "rx_packets", s.rx_packets);
	json_add_u64(n, "rx_bytes", s.rx_bytes);
	json_add_u64(n, "rx_drops", s.rx_drops);
	json_add_u64(n, "bad_packets", s.bad_packets);
	json_object_array_add(nics, n);
	json_object_object_add(e, "nics", nics);
}

static int cmd_nic(void *opaque, const char *args, struct json_object *reply, const char **err)
{
	bool up;

	if (!strcmp(args, "link up"))
		up = true;
	else if (!strcmp(args, "link down"))
		up = false;
	else {
		*err = "usage: nic link up|down";
		return -1;
	}
	netvsp_set_link(opaque, up);
	log_info("netvsp: %s: link %s", netvsp_ifname(opaque), up ? "up" : "down");
	json_object_object_add(reply, "link", json_object_new_string(up ? "up" : "down"));
	return 0;
}

static const struct ctl_command netvsp_cmds[] = {
	{ "nic", "link up|down", "the synthetic NIC's link state as the guest sees it", cmd_nic },
};

const struct vsp_type netvsp_vsp_type = {
	.name = "netvsp",
	.option = "nic",
	.short_opt = 0,
	.arg = NIC_SPEC,
	.help = "a synthetic NIC on a TAP interface (created if missing)",
	.parse = netvsp_type_parse,
	.cfg_free = netvsp_type_cfg_free,
	.create = netvsp_type_create,
	.device = netvsp_type_device,
	.destroy = netvsp_type_destroy,
	.status = netvsp_type_status,
	.cmds = netvsp_cmds,
	.ncmds = sizeof(netvsp_cmds) / sizeof(netvsp_cmds[0]),
};
