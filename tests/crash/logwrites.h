/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Reader of the log that Linux's dm-log-writes target writes (see
 * Documentation/admin-guide/device-mapper/log-writes.rst and the format
 * comment in drivers/md/dm-log-writes.c). All fields little-endian:
 *
 *   sector 0          super: u64 magic, u64 version (1), u64 nr_entries,
 *                     u32 sectorsize (the data device's logical block size)
 *   then nr_entries times:
 *     1 sector        entry: u64 sector, u64 nr_sectors, u64 flags,
 *                     u64 data_len; a MARK's text (data_len bytes) follows
 *                     in the same sector
 *     nr_sectors      the data written (none for DISCARD and MARK)
 *
 * "sector" and "nr_sectors" count sectorsize units of the data device.
 * Entries are in the order the target saw the data reach stable storage:
 * plain writes are logged just before the FLUSH that made them durable,
 * FUA writes as they complete.
 *
 * The log is input: every field is checked against the log's size and
 * the device's, and a log that ends early is an error, not an end.
 */
#ifndef OVB_TESTS_CRASH_LOGWRITES_H
#define OVB_TESTS_CRASH_LOGWRITES_H

#include <stddef.h>
#include <stdint.h>

#define LW_MAGIC	0x6a736677736872ull
#define LW_VERSION	1u

#define LW_FLUSH	(1u << 0)
#define LW_FUA		(1u << 1)
#define LW_DISCARD	(1u << 2)
#define LW_MARK		(1u << 3)
#define LW_METADATA	(1u << 4)
#define LW_KNOWN_FLAGS	(LW_FLUSH | LW_FUA | LW_DISCARD | LW_MARK | LW_METADATA)

/* Reads len bytes at off of the log; 0, or -1 (short read or error). */
typedef int (*lw_read_fn)(void *ctx, void *buf, size_t len, uint64_t off);

struct lw_log {
	lw_read_fn read;
	void *ctx;
	uint64_t log_size;	/* bytes of log we may read */
	uint32_t sectorsize;
	uint64_t nr_entries;	/* from the super */
	uint64_t next;		/* index of the next entry */
	uint64_t pos;		/* its byte offset */
	unsigned char *sector;	/* one sector's buffer */
};

struct lw_entry {
	uint64_t index;
	uint64_t sector;	/* in sectorsize units */
	uint64_t nr_sectors;
	uint32_t flags;
	uint64_t data_off;	/* byte offset in the log of the data */
	uint64_t data_bytes;	/* nr_sectors * sectorsize; 0 for MARK, DISCARD */
	char mark[4096];	/* a MARK's text, NUL-terminated */
};

/* Read and check the super. 0, or -1 with *err set. */
int lw_open(struct lw_log *l, lw_read_fn read, void *ctx, uint64_t log_size, const char **err);
void lw_close(struct lw_log *l);

/*
 * The next entry: 1 (filled in *e), 0 after the last, -1 with *err set for
 * a corrupt or truncated log. A data device of dev_size bytes: a write or
 * discard beyond it is corrupt.
 */
int lw_next(struct lw_log *l, struct lw_entry *e, uint64_t dev_size, const char **err);

/* "FLUSH|FUA" etc. for printing; buf of at least 48 bytes. */
const char *lw_flags_str(uint32_t flags, char *buf);

#endif
