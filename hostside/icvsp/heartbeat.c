// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Heartbeat IC: every second the host sends a sequence number; a live
 * guest answers with that number plus one (Linux hv_util.c
 * heartbeat_onchannelcallback). The last good answer is what
 * `ovbctl heartbeat` shows.
 */
#include <stdlib.h>
#include <string.h>

#include "hostside/icvsp/ic.h"
#include "hostside/log.h"
#include "ovb/guids.h"

static const uint32_t hb_versions[] = { IC_HEARTBEAT_VERSION_3, IC_HEARTBEAT_VERSION_1 };

struct heartbeat {
	struct ic_service ic;
	uint64_t seq;
};

static void hb_tick(struct ic_service *ic)
{
	struct heartbeat *hb = (struct heartbeat *)ic;
	struct ic_heartbeat_msg m = { .seq_num = ++hb->seq };

	ic_send(ic, ICMSGTYPE_HEARTBEAT, &m, sizeof(m));
}

static void hb_response(struct ic_service *ic, const struct icmsg_hdr *h,
			const uint8_t *body, uint32_t len)
{
	struct heartbeat *hb = (struct heartbeat *)ic;
	struct ic_heartbeat_msg m;

	(void)h;
	if (len < sizeof(m)) {
		ic_log(ic, "short answer (%u bytes)", len);
		return;
	}
	memcpy(&m, body, sizeof(m));
	if (m.seq_num != hb->seq + 1) {
		ic_log(ic, "answer %llu to request %llu",
			  (unsigned long long)m.seq_num, (unsigned long long)hb->seq);
		return;
	}
	pthread_mutex_lock(&ic->lock);
	ic->st.answered++;
	ic->st.last_seq = m.seq_num;
	clock_gettime(CLOCK_MONOTONIC, &ic->st.last_answer);
	pthread_mutex_unlock(&ic->lock);
}

struct vmbus_device *icvsp_heartbeat_new(void)
{
	static const struct ovb_guid class_id = OVB_GUID_HEARTBEAT;
	struct heartbeat *hb = calloc(1, sizeof(*hb));

	if (!hb)
		return NULL;
	ic_service_init(&hb->ic, "heartbeat", &class_id, ICMSGTYPE_HEARTBEAT, hb_versions, 2);
	hb->ic.response = hb_response;
	hb->ic.tick = hb_tick;
	return &hb->ic.dev;
}
