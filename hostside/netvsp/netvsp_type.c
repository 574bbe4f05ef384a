// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The synthetic NICs as one of ovb-host's device types (hostside/devices.h):
 * --nic tap=IFNAME[,mac=MAC][,mtu=N][,offload=on], repeatable (each NIC
 * its own TAP, MAC and VMBus device, its instance GUID made from the MAC),
 * their counters in `ovbctl --json status` ("nics", one entry per NIC with
 * its id), and `ovbctl nic add SPEC | remove ID | link up|down [ID]`.
 *
 * The type offers its NICs itself (vsp_env.srv) so that it can have
 * several and add and remove them while the guest runs: a hot add is a
 * new offer, a hot remove a rescind after the guest was quiesced
 * (netvsp_quiesce), then the TAP is let go. IDs are slots, stable while
 * the NIC exists; a removed NIC's slot is reused by the next add.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/ctl/ctl.h"
#include "hostside/devices.h"
#include "hostside/log.h"
#include "hostside/netvsp/netvsp.h"
#include "hostside/vmbus/server.h"
#include "hostside/vmbus/vsp.h"

#define NIC_SPEC "tap=IFNAME[,mac=MAC][,mtu=N][,offload=on]"
#define NETVSP_MAX_NICS	8
/* How long a hot remove waits for the guest to go idle on the NIC. */
#define NETVSP_REMOVE_QUIESCE_MS	3000

struct nic_cfgs {
	unsigned int n;
	struct netvsp_cfg c[NETVSP_MAX_NICS];
};

struct nic_set {
	struct vmbus_server *srv;
	struct netvsp *nic[NETVSP_MAX_NICS];	/* by id; NULL: free */
	struct netvsp_cfg cfg[NETVSP_MAX_NICS];	/* what each was made from */
};

/* Two NICs may not share a TAP or a MAC (the MAC names the VMBus instance). */
static const char *nic_clash(const struct netvsp_cfg *a, const struct netvsp_cfg *b)
{
	if (!strcmp(a->ifname, b->ifname))
		return "that TAP has a NIC already";
	if (!memcmp(a->mac, b->mac, 6))
		return "that MAC has a NIC already";
	return NULL;
}

static int netvsp_type_parse(void **cfgp, const char *arg)
{
	struct nic_cfgs *cfgs = *cfgp;
	struct netvsp_cfg c;
	const char *err = "";

	if (netvsp_cfg_parse(arg, &c, &err)) {
		log_err("bad --nic '%s': %s (" NIC_SPEC ")", arg, err);
		return -1;
	}
	if (!cfgs) {
		cfgs = calloc(1, sizeof(*cfgs));
		if (!cfgs)
			return -1;
		*cfgp = cfgs;
	}
	if (cfgs->n == NETVSP_MAX_NICS) {
		log_err("--nic: at most %u NICs", NETVSP_MAX_NICS);
		return -1;
	}
	for (unsigned int i = 0; i < cfgs->n; i++) {
		err = nic_clash(&cfgs->c[i], &c);
		if (err) {
			log_err("bad --nic '%s': %s", arg, err);
			return -1;
		}
	}
	cfgs->c[cfgs->n++] = c;
	return 0;
}

static void netvsp_type_cfg_free(void *cfg)
{
	free(cfg);
}

struct instance_look {
	const struct ovb_guid *inst;
	bool held;
};

static void instance_held(void *arg, const struct vmbus_channel_info *i)
{
	struct instance_look *l = arg;

	if (!memcmp(&i->instance_id, l->inst, sizeof(*l->inst)))
		l->held = true;
}

/*
 * Make and offer a NIC in slot @id. 0, or -errno after logging why;
 * -EBUSY while the guest has not yet released the rescinded channel of a
 * NIC with this MAC (the instance GUID is the MAC's: Linux's vmbus takes a
 * second offer of a listed instance for a sub-channel and warns).
 */
static int nic_add(struct nic_set *s, unsigned int id, const struct netvsp_cfg *c)
{
	struct netvsp *nv = netvsp_new(c);
	struct instance_look look;

	if (!nv)
		return -EIO;
	look = (struct instance_look){ &netvsp_device(nv)->instance_id, false };
	vmbus_server_list_channels(s->srv, instance_held, &look);
	if (look.held) {
		netvsp_free(nv);
		return -EBUSY;
	}
	if (vmbus_server_add_device(s->srv, netvsp_device(nv))) {
		log_err("netvsp: %s: cannot offer the NIC", c->ifname);
		netvsp_free(nv);
		return -ENOSPC;
	}
	s->nic[id] = nv;
	s->cfg[id] = *c;
	log_info("netvsp: NIC %u on TAP %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u", id,
		 c->ifname, c->mac[0], c->mac[1], c->mac[2], c->mac[3], c->mac[4], c->mac[5],
		 c->mtu);
	return 0;
}

/* Rescind and free the NIC in slot @id: quiesced first, its TAP closed last. */
static void nic_remove(struct nic_set *s, unsigned int id, bool quiesce)
{
	struct netvsp *nv = s->nic[id];

	if (quiesce && netvsp_quiesce(nv, NETVSP_REMOVE_QUIESCE_MS))
		log_info("netvsp: NIC %u: the guest was still busy on it; removed anyway", id);
	vmbus_server_remove_device(s->srv, netvsp_device(nv));
	netvsp_free(nv);
	s->nic[id] = NULL;
}

static void netvsp_type_destroy(void *p)
{
	struct nic_set *s = p;

	for (unsigned int id = NETVSP_MAX_NICS; id-- > 0;)
		if (s->nic[id])
			nic_remove(s, id, false);
	free(s);
}

static void *netvsp_type_create(const struct vsp_env *env, void *cfg)
{
	const struct nic_cfgs *cfgs = cfg;
	struct nic_set *s = calloc(1, sizeof(*s));

	if (!s || !env->srv) {
		free(s);
		return NULL;
	}
	s->srv = env->srv;
	for (unsigned int i = 0; cfgs && i < cfgs->n; i++) {
		if (nic_add(s, i, &cfgs->c[i])) {
			netvsp_type_destroy(s);
			return NULL;
		}
	}
	return s;
}

/* The NICs are offered by the type itself (nic_add). */
static struct vmbus_device *netvsp_type_device(void *s)
{
	(void)s;
	return NULL;
}

static void json_add_u64(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

static void netvsp_type_status(void *p, struct json_object *e)
{
	struct nic_set *s = p;
	struct json_object *nics = json_object_new_array();

	for (unsigned int id = 0; id < NETVSP_MAX_NICS; id++) {
		struct json_object *n;
		struct netvsp_stats st;
		const uint8_t *m = s->cfg[id].mac;
		char mac[18];

		if (!s->nic[id])
			continue;
		n = json_object_new_object();
		netvsp_get_stats(s->nic[id], &st);
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
			 m[4], m[5]);
		json_object_object_add(n, "id", json_object_new_int((int)id));
		json_object_object_add(n, "ifname", json_object_new_string(s->cfg[id].ifname));
		json_object_object_add(n, "mac", json_object_new_string(mac));
		json_object_object_add(n, "link", json_object_new_string(st.link_up ? "up" : "down"));
		json_object_object_add(n, "rndis", json_object_new_boolean(st.rndis_up));
		json_add_u64(n, "mtu", st.mtu);
		json_add_u64(n, "nvsp_version", st.nvsp_version);
		json_add_u64(n, "ndis_version", st.ndis_version);
		json_add_u64(n, "tx_packets", st.tx_packets);
		json_add_u64(n, "tx_bytes", st.tx_bytes);
		json_add_u64(n, "tx_drops", st.tx_drops);
		json_add_u64(n, "rx_packets", st.rx_packets);
		json_add_u64(n, "rx_bytes", st.rx_bytes);
		json_add_u64(n, "rx_drops", st.rx_drops);
		json_add_u64(n, "rx_csum", st.rx_csum);
		json_add_u64(n, "rx_vlan", st.rx_vlan);
		json_add_u64(n, "bad_packets", st.bad_packets);
		json_object_array_add(nics, n);
	}
	json_object_object_add(e, "nics", nics);
}

/* "ID" of an existing NIC; -1 if it is not one. */
static int nic_id(struct nic_set *s, const char *arg)
{
	char *end;
	long id = strtol(arg, &end, 10);

	if (end == arg || *end || id < 0 || id >= NETVSP_MAX_NICS || !s->nic[id])
		return -1;
	return (int)id;
}

static int cmd_nic_add(struct nic_set *s, const char *spec, struct json_object *reply,
		       const char **err)
{
	struct netvsp_cfg c;
	unsigned int id = NETVSP_MAX_NICS;

	if (netvsp_cfg_parse(spec, &c, err))
		return -1;
	for (unsigned int i = NETVSP_MAX_NICS; i-- > 0;) {
		if (!s->nic[i]) {
			id = i;
			continue;
		}
		*err = nic_clash(&s->cfg[i], &c);
		if (*err)
			return -1;
	}
	if (id == NETVSP_MAX_NICS) {
		*err = "no free NIC slot";
		return -1;
	}
	switch (nic_add(s, id, &c)) {
	case 0:
		break;
	case -EBUSY:
		*err = "the guest still holds this NIC's previous channel (try again)";
		return -1;
	default:
		*err = "cannot make the NIC (see the host's log)";
		return -1;
	}
	json_object_object_add(reply, "id", json_object_new_int((int)id));
	return 0;
}

static int cmd_nic(void *opaque, const char *args, struct json_object *reply, const char **err)
{
	struct nic_set *s = opaque;
	bool up;
	int id = -1;

	if (!strncmp(args, "add ", 4))
		return cmd_nic_add(s, args + 4, reply, err);
	if (!strncmp(args, "remove ", 7)) {
		id = nic_id(s, args + 7);
		if (id < 0) {
			*err = "no such NIC";
			return -1;
		}
		nic_remove(s, (unsigned int)id, true);
		log_info("netvsp: NIC %d removed", id);
		json_object_object_add(reply, "id", json_object_new_int(id));
		json_object_object_add(reply, "removed", json_object_new_boolean(1));
		return 0;
	}
	if (!strncmp(args, "link up", 7))
		up = true;
	else if (!strncmp(args, "link down", 9))
		up = false;
	else
		goto usage;
	args += up ? 7 : 9;
	if (*args == ' ') {
		id = nic_id(s, args + 1);
		if (id < 0) {
			*err = "no such NIC";
			return -1;
		}
	} else if (*args) {
		goto usage;
	}
	for (unsigned int i = 0; i < NETVSP_MAX_NICS; i++) {
		if (!s->nic[i] || (id >= 0 && (unsigned int)id != i))
			continue;
		netvsp_set_link(s->nic[i], up);
		log_info("netvsp: %s: link %s", s->cfg[i].ifname, up ? "up" : "down");
	}
	json_object_object_add(reply, "link", json_object_new_string(up ? "up" : "down"));
	return 0;
usage:
	*err = "usage: nic add " NIC_SPEC " | nic remove ID | nic link up|down [ID]";
	return -1;
}

static const struct ctl_command netvsp_cmds[] = {
	{ "nic", "add " NIC_SPEC " | remove ID | link up|down [ID]",
	  "hot-plug synthetic NICs; their link state as the guest sees it (all without ID)",
	  cmd_nic },
};

const struct vsp_type netvsp_vsp_type = {
	.name = "netvsp",
	.option = "nic",
	.short_opt = 0,
	.arg = NIC_SPEC,
	.help = "a synthetic NIC on a TAP interface (created if missing); repeatable",
	.parse = netvsp_type_parse,
	.cfg_free = netvsp_type_cfg_free,
	.create = netvsp_type_create,
	.device = netvsp_type_device,
	.destroy = netvsp_type_destroy,
	.status = netvsp_type_status,
	.cmds = netvsp_cmds,
	.ncmds = sizeof(netvsp_cmds) / sizeof(netvsp_cmds[0]),
};
