// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * VSS IC (`--vss SECONDS`): `ovbctl freeze` asks the guest's VSS daemon
 * (Linux hv_snapshot.c forwards to hv_vss_daemon) to freeze every
 * filesystem, `ovbctl thaw` to thaw them; a consistent copy of the disks
 * can be taken in between. SECONDS is the longest the guest stays frozen:
 * then the host thaws it by itself, so a host tool that dies between
 * freeze and thaw cannot leave the guest's writes blocked for good. A
 * freeze that failed or went unanswered is followed by a THAW too (the
 * guest may have frozen part of its filesystems). Service version 5.0
 * only, as Linux accepts (ovb/ic_vss.h).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostside/ctl/ctl.h"
#include "hostside/devices.h"
#include "hostside/icvsp/ic_txn.h"
#include "hostside/icvsp/icvsp.h"
#include "hostside/icvsp/vss.h"
#include "hostside/log.h"
#include "ovb/guids.h"
#include "ovb/ic_vss.h"

static const uint32_t vss_versions[] = { IC_VSS_VERSION_5 };

#define VSS_ANSWER_S		12	/* a freeze's answer (ovbctl waits 15) */
#define VSS_MAX_FROZEN_S	3600
#define VSS_THAW_TRIES		10	/* a THAW of ours, once a second, before giving up */

struct vss {
	struct ic_service ic;		/* first: icvsp_free() frees dev->priv */
	struct ic_txn txn;
	unsigned int max_frozen_s;
	pthread_mutex_t m;		/* guards what follows */
	bool frozen, thaw_due;
	bool held;			/* a backup's freeze: it thaws, not the timer */
	unsigned int thaw_tries;
	struct timespec frozen_at;
	uint64_t freezes, thaws, auto_thaws;
};

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static uint32_t vss_msg(uint8_t op, uint8_t *buf)
{
	struct vss_msg m = { .hdr.operation = op };

	memcpy(buf, &m, sizeof(m));
	return sizeof(m);
}

/* Worker: a THAW of our own when one is due or the guest stayed frozen too long. */
static uint32_t vss_own_next(struct ic_service *ic, uint8_t *buf, uint32_t size)
{
	struct vss *v = (struct vss *)ic;
	bool due;

	(void)size;
	pthread_mutex_lock(&v->m);
	if (v->frozen && !v->held && since(&v->frozen_at) > v->max_frozen_s && !v->thaw_due) {
		log_info("vss: the guest was frozen for %u s: thawing it", v->max_frozen_s);
		v->thaw_due = true;
	}
	due = v->thaw_due;
	pthread_mutex_unlock(&v->m);
	return due ? vss_msg(IC_VSS_OP_THAW, buf) : 0;
}

static void vss_own_done(struct ic_service *ic, int err, uint32_t status, const uint8_t *body,
			 uint32_t len)
{
	struct vss *v = (struct vss *)ic;

	(void)body;
	(void)len;
	pthread_mutex_lock(&v->m);
	if (!err && status == IC_STATUS_OK) {
		v->frozen = v->thaw_due = false;
		v->thaw_tries = 0;
		v->auto_thaws++;
	} else if (++v->thaw_tries >= VSS_THAW_TRIES) {
		v->thaw_due = false;	/* a guest without a daemon: stop asking */
		v->thaw_tries = 0;
	}	/* else: thaw_due stays, the next tick tries again */
	pthread_mutex_unlock(&v->m);
	if (err || status != IC_STATUS_OK)
		ic_log(ic, "the guest did not thaw (%d, status 0x%x)", err, status);
}

static void vss_negotiated(struct ic_service *ic)
{
	struct vss *v = (struct vss *)ic;

	pthread_mutex_lock(&v->m);
	v->frozen = v->thaw_due = false;	/* a new guest side: nothing frozen by us */
	pthread_mutex_unlock(&v->m);
}

/* ---- the device type and ctl commands ---- */

static int vss_type_parse(void **cfg, const char *arg)
{
	return icvsp_parse_seconds(cfg, arg, "vss", "the longest the guest stays frozen, in seconds", VSS_MAX_FROZEN_S);
}

static void *vss_type_create(const struct vsp_env *env, void *cfg)
{
	static const struct ovb_guid class_id = OVB_GUID_VSS;
	struct vss *v = calloc(1, sizeof(*v));

	(void)env;
	if (!v)
		return NULL;
	ic_service_init(&v->ic, "vss", &class_id, ICMSGTYPE_VSS, vss_versions,
			sizeof(vss_versions) / sizeof(vss_versions[0]));
	v->ic.txn = &v->txn;
	v->ic.negotiated = vss_negotiated;
	ic_txn_init(&v->txn, &v->ic, VSS_ANSWER_S);
	v->txn.own_next = vss_own_next;
	v->txn.own_done = vss_own_done;
	v->max_frozen_s = *(unsigned int *)cfg;
	pthread_mutex_init(&v->m, NULL);
	return v;
}

static struct vmbus_device *vss_type_device(void *state)
{
	return &((struct vss *)state)->ic.dev;
}

static void vss_type_destroy(void *state)
{
	icvsp_free(vss_type_device(state));
}

static void vss_type_status(void *state, struct json_object *e)
{
	struct vss *v = state;
	struct icvsp_status st;
	char ver[16];

	icvsp_get_status(&v->ic.dev, &st);
	snprintf(ver, sizeof(ver), "%u.%u", st.srv_version >> 16, st.srv_version & 0xffff);
	json_object_object_add(e, "negotiated", json_object_new_boolean(st.negotiated));
	json_object_object_add(e, "version", st.negotiated ? json_object_new_string(ver) : NULL);
	pthread_mutex_lock(&v->m);
	json_object_object_add(e, "frozen", json_object_new_boolean(v->frozen));
	json_object_object_add(e, "frozen_s", v->frozen ?
			       json_object_new_double(since(&v->frozen_at)) : NULL);
	json_object_object_add(e, "max_frozen_s", json_object_new_int((int)v->max_frozen_s));
	json_object_object_add(e, "freezes", json_object_new_int64((int64_t)v->freezes));
	json_object_object_add(e, "thaws", json_object_new_int64((int64_t)v->thaws));
	json_object_object_add(e, "auto_thaws", json_object_new_int64((int64_t)v->auto_thaws));
	pthread_mutex_unlock(&v->m);
}

/* FREEZE or THAW and its answer; 0, or -1 with *@err. */
static int vss_do(struct vss *v, uint8_t op, const char **err)
{
	uint8_t buf[sizeof(struct vss_msg)];
	uint32_t len = vss_msg(op, buf), alen, status = 0;
	int ret = ic_txn_call(&v->txn, buf, len, buf, sizeof(buf), &alen, &status);

	pthread_mutex_lock(&v->m);
	if (!ret && status == IC_STATUS_OK) {
		v->frozen = op == IC_VSS_OP_FREEZE;
		v->thaw_due = false;
		if (v->frozen)
			clock_gettime(CLOCK_MONOTONIC, &v->frozen_at);
		*(op == IC_VSS_OP_FREEZE ? &v->freezes : &v->thaws) += 1;
	} else if (op == IC_VSS_OP_FREEZE && ret != -ENOTCONN && ret != -EBUSY) {
		v->thaw_due = true;	/* part of it may be frozen: undo */
	}
	pthread_mutex_unlock(&v->m);
	switch (ret) {
	case 0:
		if (status == IC_STATUS_OK)
			return 0;
		*err = op == IC_VSS_OP_FREEZE ?
			"the guest's VSS daemon could not freeze (is hv_vss_daemon running?)" :
			"the guest's VSS daemon could not thaw";
		return -1;
	case -ENOTCONN: *err = "the guest's VSS service is not running"; return -1;
	case -EBUSY: *err = "another VSS request is in progress"; return -1;
	case -ETIMEDOUT: *err = "the guest's VSS daemon did not answer in time"; return -1;
	default: *err = "cannot send to the guest"; return -1;
	}
}

static int cmd_freeze(void *state, const char *args, struct json_object *reply, const char **err)
{
	struct vss *v = state;

	(void)args;
	if (vss_do(v, IC_VSS_OP_FREEZE, err))
		return -1;
	json_object_object_add(reply, "frozen", json_object_new_boolean(true));
	json_object_object_add(reply, "thaw_within_s", json_object_new_int((int)v->max_frozen_s));
	return 0;
}

static int cmd_thaw(void *state, const char *args, struct json_object *reply, const char **err)
{
	(void)args;
	if (vss_do(state, IC_VSS_OP_THAW, err))
		return -1;
	json_object_object_add(reply, "frozen", json_object_new_boolean(false));
	return 0;
}

int vss_backup_freeze(void *state, unsigned int *max_frozen_s, const char **err)
{
	struct vss *v = state;
	int ret = vss_do(v, IC_VSS_OP_FREEZE, err);

	pthread_mutex_lock(&v->m);
	v->held = !ret;
	pthread_mutex_unlock(&v->m);
	*max_frozen_s = v->max_frozen_s;
	return ret;
}

int vss_backup_thaw(void *state, const char **err)
{
	struct vss *v = state;
	int ret = vss_do(v, IC_VSS_OP_THAW, err);

	pthread_mutex_lock(&v->m);
	v->held = false;	/* a thaw that failed: the timer takes over */
	if (ret && v->frozen)
		v->thaw_due = true;
	pthread_mutex_unlock(&v->m);
	return ret;
}

static const struct ctl_command vss_cmds[] = {
	{ "freeze", "", "freeze the guest's filesystems (its VSS daemon)", cmd_freeze },
	{ "thaw", "", "thaw the guest's filesystems", cmd_thaw },
};

const struct vsp_type vss_vsp_type = {
	.name = "vss",
	.option = "vss",
	.arg = "SECONDS",
	.help = "volume shadow copy: ovbctl freeze/thaw through the guest's VSS daemon; "
		"the host thaws by itself after SECONDS frozen",
	.parse = vss_type_parse,
	.cfg_free = free,
	.create = vss_type_create,
	.device = vss_type_device,
	.destroy = vss_type_destroy,
	.status = vss_type_status,
	.cmds = vss_cmds,
	.ncmds = sizeof(vss_cmds) / sizeof(vss_cmds[0]),
};
