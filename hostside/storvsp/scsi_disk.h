/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A SCSI direct-access (disk) target over a disk_backend. Pure: a CDB and
 * the data buffers in, SCSI status, sense and the transferred byte count
 * out. Knows nothing of VMBus; storvsp maps SRBs onto it.
 */
#ifndef OVB_STORVSP_SCSI_DISK_H
#define OVB_STORVSP_SCSI_DISK_H

#include <stdint.h>
#include <sys/uio.h>

#include "hostside/storvsp/disk_backend.h"

/*
 * A raw or VHD disk's logical block; a VHDX's is its LogicalSectorSize
 * (512 or 4096: disk_backend_logical_block), and every LBA, length and
 * limit below counts that disk's own blocks.
 */
#define SCSI_DISK_BLOCK_SIZE	512u
#define SCSI_DISK_MAX_BLOCK	4096u
#define SCSI_DISK_SENSE_LEN	18u	/* fixed-format sense */
#define SCSI_DISK_MAX_XFER	(2u * 1024 * 1024)	/* per command, bytes */
/*
 * Blocks per WRITE SAME (16 MiB), in the block limits page and enforced:
 * a command runs under its LUN's read lock, so one over the whole disk
 * would keep `disk remove` waiting for all of it; the guest splits
 * larger ranges (Linux sd: max_ws_blocks) and a remove gets in between.
 */
#define SCSI_DISK_MAX_WRITE_SAME_BYTES	(16u * 1024 * 1024)
#define SCSI_DISK_MAX_WRITE_SAME	(SCSI_DISK_MAX_WRITE_SAME_BYTES / SCSI_DISK_BLOCK_SIZE)

#define SCSI_STATUS_GOOD		0x00
#define SCSI_STATUS_CHECK_CONDITION	0x02

#define SCSI_SENSE_NO_SENSE		0x0
#define SCSI_SENSE_NOT_READY		0x2
#define SCSI_SENSE_MEDIUM_ERROR		0x3
#define SCSI_SENSE_HARDWARE_ERROR	0x4
#define SCSI_SENSE_ILLEGAL_REQUEST	0x5
#define SCSI_SENSE_DATA_PROTECT		0x7

struct scsi_disk;

struct scsi_disk_cmd {
	/* in */
	const uint8_t *cdb;
	unsigned int cdb_len;
	const struct iovec *iov;	/* the data buffer (guest pages) */
	int iovcnt;
	uint32_t buf_len;		/* bytes available in iov */
	/* out */
	uint8_t status;			/* SCSI_STATUS_* */
	uint8_t sense[SCSI_DISK_SENSE_LEN];
	uint8_t sense_len;		/* 0 unless CHECK CONDITION */
	uint32_t xfer_len;		/* bytes actually moved */
};

/* @b stays owned by the caller and must outlive the disk. */
struct scsi_disk *scsi_disk_new(struct disk_backend *b, uint8_t lun);
void scsi_disk_free(struct scsi_disk *d);

/* Execute one command (thread-safe as far as the back end is). */
void scsi_disk_execute(struct scsi_disk *d, struct scsi_disk_cmd *c);

/*
 * REPORT LUNS is answered by the controller, not a LUN: fill @c from the
 * @n LUN numbers in @luns. Also usable with no disk at LUN 0.
 */
void scsi_report_luns(struct scsi_disk_cmd *c, const uint8_t *luns, unsigned int n);
/* Answer a command for a LUN that does not exist (INQUIRY: peripheral 0x7f). */
void scsi_no_lun(struct scsi_disk_cmd *c);

#endif
