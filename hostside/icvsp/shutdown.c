// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Shutdown IC: the host asks; the guest answers HV_S_OK and powers off
 * (or restarts) in an orderly way (Linux hv_util.c
 * shutdown_onchannelcallback: flags 0 shut down, 2 restart, | 1 force).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostside/icvsp/ic.h"
#include "hostside/log.h"
#include "ovb/guids.h"

static const uint32_t sd_versions[] = {
	IC_SHUTDOWN_VERSION_3_2, IC_SHUTDOWN_VERSION_3_1, IC_SHUTDOWN_VERSION_3,
	IC_SHUTDOWN_VERSION_1,
};

#define SD_PENDING_SHUTDOWN	1
#define SD_PENDING_RESTART	2

static void sd_tick(struct ic_service *ic)
{
	int what = __atomic_exchange_n(&ic->pending, 0, __ATOMIC_ACQ_REL);
	struct ic_shutdown_msg m;

	if (!what)
		return;
	memset(&m, 0, sizeof(m));
	m.flags = (what == SD_PENDING_RESTART ? IC_SHUTDOWN_FLAG_RESTART : 0) |
		  IC_SHUTDOWN_FLAG_FORCE;
	strcpy((char *)m.display_message, "ovb-host: shutdown requested");
	if (!ic_send(ic, ICMSGTYPE_SHUTDOWN, &m, sizeof(m)))
		log_info("shutdown: %s request sent to the guest",
			 what == SD_PENDING_RESTART ? "restart" : "shutdown");
}

static void sd_response(struct ic_service *ic, const struct icmsg_hdr *h,
			const uint8_t *body, uint32_t len)
{
	(void)body;
	(void)len;
	pthread_mutex_lock(&ic->lock);
	ic->st.last_status = h->status;
	if (h->status == IC_STATUS_OK)
		ic->st.answered++;
	clock_gettime(CLOCK_MONOTONIC, &ic->st.last_answer);
	pthread_mutex_unlock(&ic->lock);
	if (h->status == IC_STATUS_OK)
		ic_log_state(ic, "the guest accepted");
	else
		ic_log(ic, "the guest refused (status 0x%x)", h->status);
}

int icvsp_shutdown_request(struct vmbus_device *dev, bool restart)
{
	struct ic_service *ic = dev->priv;
	struct vmbus_channel *ch;
	uint64_t one = 1;
	bool ready;

	pthread_mutex_lock(&ic->lock);
	ready = ic->st.negotiated;
	ch = ic->ch;
	if (ready)
		__atomic_store_n(&ic->pending, restart ? SD_PENDING_RESTART : SD_PENDING_SHUTDOWN,
				 __ATOMIC_RELEASE);
	/* Wake the worker now rather than at its next tick. */
	if (ready && write(vmbus_channel_notify_fd(ch), &one, sizeof(one)) < 0)
		ready = true;
	pthread_mutex_unlock(&ic->lock);
	return ready ? 0 : -1;
}

struct vmbus_device *icvsp_shutdown_new(void)
{
	static const struct ovb_guid class_id = OVB_GUID_SHUTDOWN;
	struct ic_service *ic = calloc(1, sizeof(*ic));

	if (!ic)
		return NULL;
	ic_service_init(ic, "shutdown", &class_id, ICMSGTYPE_SHUTDOWN, sd_versions, 4);
	ic->response = sd_response;
	ic->tick = sd_tick;
	return &ic->dev;
}
