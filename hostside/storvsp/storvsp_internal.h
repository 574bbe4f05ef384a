/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* State shared by storvsp_proto.c (the pure handler) and storvsp.c (VMBus glue). */
#ifndef OVB_STORVSP_INTERNAL_H
#define OVB_STORVSP_INTERNAL_H

#include <pthread.h>

#include "hostside/log.h"
#include "hostside/storvsp/disk_backend.h"
#include "hostside/storvsp/scsi_disk.h"
#include "hostside/storvsp/storvsp.h"

struct storvsp_lun {
	struct disk_backend *b;
	struct scsi_disk *d;
	char *path;		/* the image as opened (absolute if it resolved): status, backup */
};

struct storvsp {
	/* LUN table: readers are I/O threads, the writer is add/remove. */
	pthread_rwlock_t luns_lock;
	struct storvsp_lun luns[STORVSP_MAX_LUNS];
	unsigned int nluns;
	unsigned int max_subchannels;
	struct ovb_guid instance_id;

	/* Protocol state of the controller (set on the primary's thread). */
	pthread_mutex_t proto_lock;
	uint16_t version;
	bool begun, initialized;

	void (*bus_changed)(struct storvsp *sv);
	void *glue;		/* storvsp.c's */
	void (*glue_free)(struct storvsp *sv);
	/* Lines the guest can cause: rate limited for this controller. */
	struct log_ratelimit log_rl;	/* complaints about its requests */
	struct log_ratelimit state_rl;	/* negotiation, which it can repeat */
};

/* A complaint about the guest's request (any queue's thread). */
#define storvsp_log(sv, fmt, ...) log_rl(&(sv)->log_rl, "guest: storvsp: " fmt, ##__VA_ARGS__)

#endif
