/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * storvsp: the synthetic SCSI controller VSP (VSTOR protocol 5.1, 6.0 and
 * 6.2, include/ovb/storvsc_proto.h) with up to STORVSP_MAX_LUNS disks.
 *
 * Wiring into ovb-host (hostside/glue.c) and ovbctl (hostside/ctl):
 *   sv = storvsp_new(NULL, nr_vcpus - 1);            one SCSI controller
 *   storvsp_disk_parse(optarg, &opts, buf, len);   for --disk PATH[,ro][,direct][,serial=S]
 *                                                  [,format=raw|vhd|vhdx|auto][,parents=DIR]
 *   storvsp_disk_add(sv, -1, &opts);               at start-up, or from `ovbctl disk add`
 *   vmbus_server_add_device(srv, storvsp_device(sv));
 *   storvsp_disk_remove(sv, lun);                  from `ovbctl disk remove`
 *   storvsp_free(sv) after vmbus_server_remove_device().
 * Adding or removing a disk while the guest is connected sends it
 * ENUMERATE_BUS, so it rescans (hot add/remove).
 *
 * The packet handler is pure (no VMBus, no threads of its own): it is
 * what the unit tests and the fuzzer drive; storvsp.c runs it on one
 * worker per channel.
 */
#ifndef OVB_STORVSP_H
#define OVB_STORVSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ovb/types.h"
#include "ovb/storvsc_proto.h"

#define STORVSP_MAX_LUNS	64

struct storvsp;
struct vmbus_device;

struct storvsp_disk_opts {
	const char *path;
	bool read_only;
	bool direct;		/* O_DIRECT */
	const char *serial;	/* NULL: derived from the image (stable) */
	/*
	 * enum disk_format (disk_backend.h): format= as given; without it a
	 * PATH ending in .vhd is VHD, anything else raw (never detected from
	 * the contents, which the guest writes).
	 */
	int format;
	const char *parent_dir;	/* parents=DIR; NULL: the image's directory */
};

/*
 * A controller. @instance_id NULL picks a fixed default (stable across
 * runs); @max_subchannels is what QUERY_PROPERTIES offers (0: one queue).
 */
struct storvsp *storvsp_new(const struct ovb_guid *instance_id, unsigned int max_subchannels);
void storvsp_free(struct storvsp *sv);
/* The device to register with vmbus_server_add_device() (storvsp.c). */
struct vmbus_device *storvsp_device(struct storvsp *sv);

/* Parse "PATH[,ro][,direct][,serial=S][,format=F][,parents=DIR]" in place in @buf (a copy of @arg). */
int storvsp_disk_parse(const char *arg, struct storvsp_disk_opts *o, char *buf, size_t len);
/* Attach a disk at @lun (-1: the lowest free). Returns the LUN or -errno. */
int storvsp_disk_add(struct storvsp *sv, int lun, const struct storvsp_disk_opts *o);
/* Detach (waits for its in-flight commands). 0 or -ENOENT. */
int storvsp_disk_remove(struct storvsp *sv, unsigned int lun);
unsigned int storvsp_disk_count(struct storvsp *sv);

/* ---- the disks as a whole: status and backup (storvsp_disks.c) ---- */

struct storvsp_disk_info {
	unsigned int lun;
	const char *path;	/* as opened, absolute if it resolved */
	const char *format;	/* "raw", "vhd", "vhdx" */
	const char *parent;	/* a differencing image's parent file, else NULL */
	uint64_t size;		/* virtual, bytes */
	uint32_t block_size;	/* logical: 512, or 4096 (a 4Kn VHDX) */
	bool read_only;
	int fd;			/* the image's (disk_backend_fd): do not close */
};

/* @fn for each disk in LUN order, under the LUN table's lock (strings valid during @fn). */
void storvsp_disks_foreach(struct storvsp *sv,
			   void (*fn)(void *arg, const struct storvsp_disk_info *i), void *arg);
/*
 * Hold every LUN's I/O until storvsp_resume(): waits for the commands in
 * flight on every queue (each runs to its completion under the LUN
 * table's read lock, so each write the guest was told is done has reached
 * the back end by then); new commands wait, and no disk is added or
 * removed meanwhile. In between, call only the storvsp_paused_*() below.
 */
void storvsp_pause(struct storvsp *sv);
void storvsp_resume(struct storvsp *sv);
/* While paused: up to @max disks in LUN order (valid until resume); how many. */
unsigned int storvsp_paused_disks(struct storvsp *sv, struct storvsp_disk_info *out,
				  unsigned int max);
/* While paused: LUN @lun's acknowledged writes made durable (flush). 0 or -errno. */
int storvsp_paused_flush(struct storvsp *sv, unsigned int lun);

/* ---- the pure packet handler ---- */

/* Checked guest-memory access: a host pointer to @len bytes, or NULL. */
typedef void *(*storvsp_gpa_map_fn)(void *ctx, uint64_t gpa, uint64_t len);

/*
 * Handle one whole VMBus packet from the guest (descriptor first, as
 * ovb_ring_rx_peek returns it) received on a channel (@subchannel 0 is the
 * primary). Returns 1 with *@resp filled if a completion must be sent back
 * (a VM_PKT_COMP with the request's trans_id), 0 if nothing is sent, or
 * -EINVAL for a packet too malformed to answer (dropped, logged).
 * *@subch_request is set to the sub-channel count to offer, if asked.
 */
int storvsp_packet_handle(struct storvsp *sv, uint16_t subchannel, const void *pkt,
			  uint32_t len, storvsp_gpa_map_fn map, void *map_ctx,
			  struct ovb_vstor_packet *resp, unsigned int *subch_request);

/* The guest (re)opened the primary channel: forget the negotiation. */
void storvsp_protocol_reset(struct storvsp *sv);
/* Negotiated VSTOR version, 0 before QUERY_PROTOCOL_VERSION succeeded. */
uint16_t storvsp_protocol_version(struct storvsp *sv);

/* Called (from add/remove, any thread) to tell the guest the bus changed. */
void storvsp_set_bus_changed_fn(struct storvsp *sv, void (*fn)(struct storvsp *sv));

#endif
