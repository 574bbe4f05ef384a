// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Time synchronization IC (`--timesync SECONDS`): right after the guest
 * negotiates, the host sends its wall-clock time flagged SYNC (the guest
 * steps its clock), then every SECONDS a SAMPLE (the guest may discipline
 * from it: Linux hv_util.c feeds a PTP clock). Each is a transaction the
 * guest answers. Times are 100 ns units since 1601 (Windows' epoch); from
 * service version 4.0 on a message also carries the guest's reference time
 * at the moment the host read its clock, so the guest can add the delay
 * the message took (hv_util.c adj_guesttime).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostside/devices.h"
#include "hostside/icvsp/ic.h"
#include "hostside/log.h"
#include "ovb/guids.h"

static const uint32_t ts_versions[] = {
	IC_TIMESYNC_VERSION_4, IC_TIMESYNC_VERSION_3, IC_TIMESYNC_VERSION_1,
};

#define TS_MAX_PERIOD	3600u

struct timesync {
	struct ic_service ic;		/* first: icvsp_free() frees dev->priv */
	unsigned int period, ticks;	/* seconds between SAMPLEs; since the last */
	uint64_t syncs, samples;	/* sent (atomics: status reads them) */
};

/* The host's wall clock in 100 ns units since 1601-01-01. */
static uint64_t ts_host_time(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 10000000u + (uint64_t)t.tv_nsec / 100 +
	       IC_TIMESYNC_WLTIMEDELTA;
}

static void ts_send(struct timesync *ts, uint8_t flags)
{
	struct ic_service *ic = &ts->ic;
	int ret;

	if (ic->st.srv_version >= IC_TIMESYNC_VERSION_4) {
		struct ic_timesync_ref_msg m = { .flags = flags };

		/* Read together, so the guest's correction is the transit alone. */
		m.vmreferencetime = vmbus_channel_ref_time(ic->ch);
		m.parenttime = ts_host_time();
		ret = ic_send(ic, ICMSGTYPE_TIMESYNC, &m, sizeof(m));
	} else {
		struct ic_timesync_msg m = { .parenttime = ts_host_time(), .flags = flags };

		ret = ic_send(ic, ICMSGTYPE_TIMESYNC, &m, sizeof(m));
	}
	if (ret)
		return;		/* ring full: the next period tries again */
	__atomic_add_fetch(flags == ICTIMESYNCFLAG_SYNC ? &ts->syncs : &ts->samples, 1,
			   __ATOMIC_RELAXED);
}

static void ts_negotiated(struct ic_service *ic)
{
	struct timesync *ts = (struct timesync *)ic;

	ts->ticks = 0;
	ts_send(ts, ICTIMESYNCFLAG_SYNC);
}

static void ts_tick(struct ic_service *ic)
{
	struct timesync *ts = (struct timesync *)ic;

	if (++ts->ticks < ts->period)
		return;
	ts->ticks = 0;
	ts_send(ts, ICTIMESYNCFLAG_SAMPLE);
}

static void ts_response(struct ic_service *ic, const struct icmsg_hdr *h,
			const uint8_t *body, uint32_t len)
{
	(void)body;
	(void)len;
	if (h->status != IC_STATUS_OK) {
		ic_log(ic, "the guest refused a time message (status 0x%x)", h->status);
		return;
	}
	pthread_mutex_lock(&ic->lock);
	ic->st.answered++;
	clock_gettime(CLOCK_MONOTONIC, &ic->st.last_answer);
	pthread_mutex_unlock(&ic->lock);
}

/* ---- the device type: --timesync SECONDS ---- */

static int ts_type_parse(void **cfg, const char *arg)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || !n || n > TS_MAX_PERIOD) {
		log_err("bad --timesync '%s' (seconds between samples, 1-%u)", arg, TS_MAX_PERIOD);
		return -1;
	}
	free(*cfg);
	*cfg = malloc(sizeof(unsigned int));
	if (!*cfg)
		return -1;
	*(unsigned int *)*cfg = (unsigned int)n;
	return 0;
}

static void *ts_type_create(const struct vsp_env *env, void *cfg)
{
	static const struct ovb_guid class_id = OVB_GUID_TIMESYNC;
	struct timesync *ts = calloc(1, sizeof(*ts));

	(void)env;
	if (!ts)
		return NULL;
	ic_service_init(&ts->ic, "timesync", &class_id, ICMSGTYPE_TIMESYNC, ts_versions,
			sizeof(ts_versions) / sizeof(ts_versions[0]));
	ts->ic.response = ts_response;
	ts->ic.tick = ts_tick;
	ts->ic.negotiated = ts_negotiated;
	ts->period = *(unsigned int *)cfg;
	return ts;
}

static struct vmbus_device *ts_type_device(void *state)
{
	return &((struct timesync *)state)->ic.dev;
}

static void ts_type_destroy(void *state)
{
	icvsp_free(ts_type_device(state));
}

static void ts_type_status(void *state, struct json_object *e)
{
	struct timesync *ts = state;
	struct icvsp_status st;

	icvsp_get_status(&ts->ic.dev, &st);
	json_object_object_add(e, "negotiated", json_object_new_boolean(st.negotiated));
	json_object_object_add(e, "period_s", json_object_new_int((int)ts->period));
	json_object_object_add(e, "syncs", json_object_new_int64(
		(int64_t)__atomic_load_n(&ts->syncs, __ATOMIC_RELAXED)));
	json_object_object_add(e, "samples", json_object_new_int64(
		(int64_t)__atomic_load_n(&ts->samples, __ATOMIC_RELAXED)));
	json_object_object_add(e, "answered", json_object_new_int64((int64_t)st.answered));
}

const struct vsp_type timesync_vsp_type = {
	.name = "timesync",
	.option = "timesync",
	.arg = "SECONDS",
	.help = "time synchronization: the host's time at connect, then a sample every SECONDS (Hyper-V: 5)",
	.parse = ts_type_parse,
	.cfg_free = free,
	.create = ts_type_create,
	.device = ts_type_device,
	.destroy = ts_type_destroy,
	.status = ts_type_status,
};
