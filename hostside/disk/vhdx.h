/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * VHDX images with I/O: open (replaying the log, and the parent chain of a
 * differencing disk), read, write (allocating blocks crash-safely through
 * the log), discard, create, check. The metadata goes through the pure
 * layer (vhdx_format.h); disk_vhdx_ops (disk_format.h) puts it behind
 * disk_backend; ovb-img uses it directly for create, info and check.
 *
 * Open: a header with a non-zero LogGuid and a valid sequence of log
 * entries with that GUID is replayed onto the file (data and zero
 * descriptors, then the file extended to LastFileOffset), fdatasync'ed,
 * and the log cleared by a header update (LogGuid zero). A read-only open
 * of an image that needs a replay fails with EROFS (nothing may be
 * written): open it writable once.
 *
 * First change after an open: a header update with new FileWriteGuid,
 * DataWriteGuid and LogGuid, as the spec says, before anything else is
 * written (a child records its parent's DataWriteGuid: a parent changed
 * since no longer matches).
 *
 * Block allocation (a simple scheme, correct over fast), so that a crash
 * at any point leaves an image that opens and holds every write
 * acknowledged before the last flush:
 *   1. the data is written at the end of the file (a fixed or dynamic
 *      disk's block: FULLY_PRESENT, the rest a hole reading zeros);
 *   2. fdatasync;
 *   3. a log entry with the new 4 KiB BAT page; fdatasync;
 *   4. the page written in place; fdatasync (then the log space may be
 *      reused).
 * A crash before 3 is durable leaks an unreferenced block at the end; after
 * it, the replay on the next open puts the BAT page in place. Writes to a
 * present block are in place; flush and FUA are fdatasync.
 *
 * A differencing disk's write that does not cover its block uses the sector
 * bitmap (one bit per logical sector: the child's or the parent's): the
 * block is PARTIALLY_PRESENT and nothing of the parent is copied. Its new
 * data goes where no bit points yet (a new block's space at the end of the
 * file, or the block's own place), fdatasync, then one log entry holds the
 * changed bitmap page (the block's bits all lie in one) and, for a new
 * block or one now all the child's, its BAT page, so a crash shows all of
 * the write's sectors or none; once every sector of the block is the
 * child's, the same entry makes it FULLY_PRESENT (read without the
 * bitmap). A new partially present block starts with its bits clear (a
 * block compact freed keeps its old bits). Blocks over 16 MiB (of 512-byte
 * sectors; their bits fill more than a page) and a whole block written are
 * FULLY_PRESENT as above; so is any block whose chunk has no sector bitmap block (an image
 * from elsewhere), filled from the parent around the new data.
 */
#ifndef OVB_DISK_VHDX_H
#define OVB_DISK_VHDX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "hostside/disk/vhdx_format.h"

#define VHDX_MAX_CHAIN	64	/* parents below a child, at most */
#define VHDX_DEFAULT_BLOCK	(32u << 20)	/* fixed and dynamic, as Hyper-V */
#define VHDX_DEFAULT_DIFF_BLOCK	(2u << 20)

enum vhdx_type { VHDX_FIXED = 1, VHDX_DYNAMIC, VHDX_DIFFERENCING };

struct vhdx;

/*
 * Open @path (read-only if @ro). A differencing disk's parents open
 * read-only; each must have the DataWriteGuid its child's parent_linkage
 * (or parent_linkage2) names, and lie under @parent_dir (NULL: @path's
 * directory; "/": anywhere). NULL with errno set: ENOENT for a parent
 * missing or not matching, EROFS for a log to replay on a read-only open.
 */
struct vhdx *vhdx_open(const char *path, bool ro, const char *parent_dir);
/* The same over an open @fd, which the image takes over on success. */
struct vhdx *vhdx_open_fd(int fd, const char *path, bool ro, const char *parent_dir);
/* Flushes, clears the log of a changed image, closes the chain. */
void vhdx_close(struct vhdx *v);

const struct vhdx_info *vhdx_get_info(const struct vhdx *v);
enum vhdx_type vhdx_type(const struct vhdx *v);
const struct vhdx *vhdx_parent(const struct vhdx *v);
const char *vhdx_path(const struct vhdx *v);
uint32_t vhdx_used_blocks(const struct vhdx *v);
/* Log entries replayed when it opened. */
unsigned int vhdx_replayed(const struct vhdx *v);

/*
 * Reads: 512-byte aligned @off and length; writes and discards: aligned
 * to the logical sector (4096 on a 4Kn disk, -EINVAL otherwise). 0 or -errno.
 */
int vhdx_readv(struct vhdx *v, const struct iovec *iov, int cnt, uint64_t off);
int vhdx_writev(struct vhdx *v, const struct iovec *iov, int cnt, uint64_t off, bool fua);
int vhdx_flush(struct vhdx *v);
/*
 * The range reads as zeros afterwards: whole blocks of a dynamic disk are
 * freed (NOT_PRESENT through the log, then punched), the rest is punched
 * in place; a differencing disk allocates what it must to hide its parent.
 */
int vhdx_discard(struct vhdx *v, uint64_t off, uint64_t len);

/*
 * Test hook: stop a block allocation after its log entry is durable and
 * before it is applied (the "crash" a replay must repair); the image must
 * then be closed without further I/O (vhdx_abandon).
 */
void vhdx_test_stop_before_apply(struct vhdx *v, bool on);
/* Close without flushing or clearing anything (as a crash would). */
void vhdx_abandon(struct vhdx *v);

struct vhdx_create_opts {
	enum vhdx_type type;
	uint64_t size;		/* bytes, multiple of 512 (ignored for differencing) */
	uint32_t block_size;	/* 0: the default for the type */
	const char *parent;	/* differencing: the parent image */
	/*
	 * 0: 512 logical, 4096 physical (Hyper-V's default); else 512 or 4096
	 * each. A differencing disk has its parent's (a different one given is
	 * refused: the chain's sector bitmaps count the same sectors).
	 */
	uint32_t logical_sector, physical_sector;
	/* NULL: new ones; else kept (commit's replacement child reads as the old one did) */
	const vhdx_guid *data_write, *page83;
};

/* Create (or replace) @path. 0 or -errno; *@why says what was wrong. */
int vhdx_create(const char *path, const struct vhdx_create_opts *o, const char **why);

struct vhdx_check_result {
	unsigned int errors;
	bool log_pending;	/* not closed cleanly: replayed on the next writable open */
	unsigned int replayed;	/* log entries replayed (repair) */
	uint64_t leaked_bytes;	/* file space nothing references */
	uint32_t used_blocks;
	char first_error[160];
};

/*
 * Check @path; with @repair, first open it writable (which replays a log
 * left by a crash), else read-only. 0, or -errno if it cannot be read.
 */
int vhdx_check(const char *path, const char *parent_dir, bool repair,
	       struct vhdx_check_result *r);

/*
 * Resize a fixed or dynamic @path to @size (qemu-img resize). Growing:
 * the bytes past the old end zeroed, the new BAT entries written (not
 * present; a fixed disk's new blocks) while nothing references them, then
 * the metadata's VirtualDiskSize through the log (a crash leaves the old
 * size or the new). Shrinking needs @shrink: the size through the log
 * first, then the blocks past it dropped and the file cut. The BAT region
 * is not moved: a size it cannot index is refused (-ENOSPC). A
 * differencing disk is refused (-ENOTSUP). 0 or -errno with *@why.
 */
int vhdx_resize(const char *path, uint64_t size, bool shrink, const char **why);
/*
 * Give back a dynamic or differencing disk's fully present blocks that
 * read the same as what is below them (zeros; a child: its parent): made
 * not present through the log (durable) first, then punched, the log
 * cleared and the file cut after the last block. *@freed: blocks freed.
 */
int vhdx_compact(const char *path, const char *parent_dir, uint32_t *freed, const char **why);
/*
 * Merge the differencing @path into its parent (qemu-img commit): every
 * block the child has is written into the parent (the one the chain
 * matched, reopened writable for this only; through its log) and synced.
 * The parent's DataWriteGuid changes with its data, so the child is then
 * replaced by an empty child of the parent with the child's own identity
 * (path, block size, DataWriteGuid and page 83 id: it reads as it did, so
 * its own children still match). A crash part way leaves the parent
 * consistent and the child holding all its data, but no longer matching
 * the changed parent.
 */
int vhdx_commit(const char *path, const char *parent_dir, uint64_t *sectors, const char **why);

/* Is the file at @fd a VHDX (its file identifier)? */
bool vhdx_probe(int fd);

#endif
