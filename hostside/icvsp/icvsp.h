/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Integration-service VSPs: heartbeat and shutdown. Each is a VMBus
 * device; the IC framework (version negotiation) is shared (ic.c).
 */
#ifndef OVB_ICVSP_H
#define OVB_ICVSP_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct vmbus_device;

struct icvsp_status {
	bool open, negotiated;
	uint32_t fw_version, srv_version;	/* major << 16 | minor */
	uint64_t sent, answered;		/* requests and good answers */
	uint64_t last_seq;			/* heartbeat: last sequence answered */
	struct timespec last_answer;		/* CLOCK_MONOTONIC; 0 if never */
	uint32_t last_status;			/* shutdown: the guest's status */
};

struct vmbus_device *icvsp_heartbeat_new(void);
struct vmbus_device *icvsp_shutdown_new(void);
void icvsp_free(struct vmbus_device *dev);

/* A snapshot of the service's state (any thread). */
void icvsp_get_status(struct vmbus_device *dev, struct icvsp_status *st);

/*
 * Ask the guest to shut down (or restart). Returns 0 if the request is on
 * its way, -1 if the guest's shutdown service is not ready. Any thread.
 */
int icvsp_shutdown_request(struct vmbus_device *dev, bool restart);

/*
 * A device type's `--OPTION SECONDS` (1..@max), kept in *@cfg as an
 * unsigned int; 0, or -1 after logging "bad --@option ... (@what)".
 */
int icvsp_parse_seconds(void **cfg, const char *arg, const char *option, const char *what,
			unsigned int max);

#endif /* OVB_ICVSP_H */
