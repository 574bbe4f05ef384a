/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * VHD images with I/O: open (and the parent chain of a differencing disk),
 * read, write (allocating blocks crash-safely), create, check. The format's
 * metadata goes through the pure layer (vhd_format.h); this file adds the
 * preads and pwrites. disk_vhd_ops (disk_format.h) puts it behind
 * disk_backend; ovb-img uses it directly for create, info and check.
 *
 * Block allocation order, so that a crash at any point leaves an image that
 * opens and holds every write acknowledged before the last flush:
 *   1. the footer is written one block further (the file grows; the old
 *      footer is still in place);
 *   2. the data, then the block's bitmap (over the old footer);
 *   3. fdatasync;
 *   4. the BAT entry.
 * A write to an allocated block writes the data, then the bitmap bits it
 * sets (on a differencing disk with an fdatasync between: a clear bit there
 * means the parent's data, not zeros). A crash before 4 leaks the block (check reports it, nothing references
 * it); a flush or FUA write is fdatasync'ed before it is acknowledged.
 */
#ifndef OVB_DISK_VHD_H
#define OVB_DISK_VHD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "hostside/disk/vhd_format.h"

#define VHD_MAX_CHAIN	64	/* parents below a child, at most */

struct vhd;

/*
 * Open @path (read-only if @ro). A differencing disk's parents open
 * read-only; each must have the unique id and time stamp its child
 * recorded, and lie under @parent_dir (NULL: @path's directory; "/":
 * anywhere). NULL with errno set; ENOENT/EINVAL for a parent that is
 * missing or does not match.
 */
struct vhd *vhd_open(const char *path, bool ro, const char *parent_dir);
/* The same over an open @fd, which the image takes over on success. */
struct vhd *vhd_open_fd(int fd, const char *path, bool ro, const char *parent_dir);
void vhd_close(struct vhd *v);

const struct vhd_info *vhd_get_info(const struct vhd *v);
const struct vhd *vhd_parent(const struct vhd *v);
const char *vhd_path(const struct vhd *v);
/* Blocks in use (dynamic and differencing). */
uint32_t vhd_used_blocks(const struct vhd *v);

/* Sector-aligned @off and length; 0 or -errno. */
int vhd_readv(struct vhd *v, const struct iovec *iov, int cnt, uint64_t off);
int vhd_writev(struct vhd *v, const struct iovec *iov, int cnt, uint64_t off, bool fua);
int vhd_flush(struct vhd *v);
/*
 * The range reads as zeros afterwards (storvsp reports LBPRZ): a dynamic
 * disk clears the sectors' bitmap bits and punches their data, a fixed one
 * punches a hole, a differencing one writes zeros over its parent's data.
 */
int vhd_discard(struct vhd *v, uint64_t off, uint64_t len);

struct vhd_create_opts {
	uint32_t type;		/* VHD_TYPE_* */
	uint64_t size;		/* bytes, multiple of 512 (ignored for differencing) */
	uint32_t block_size;	/* 0: 2 MiB (differencing: the parent's) */
	const char *parent;	/* differencing: the parent image */
};

/* Create (or replace) @path. 0 or -errno; *@why says what was wrong. */
int vhd_create(const char *path, const struct vhd_create_opts *o, const char **why);

struct vhd_check_result {
	unsigned int errors;	/* corruptions */
	unsigned int leaks;	/* clusters of unreferenced space */
	uint64_t leaked_bytes;
	uint32_t used_blocks;
	char first_error[160];
};

/*
 * Whole-buffer pread/pwrite (shared with vhdx.c): a short transfer is
 * completed, EOF is -EIO. 0 or -errno.
 */
int vhd_pio(int fd, const struct iovec *iov, int cnt, uint64_t off, bool write);
int vhd_pread(int fd, void *buf, size_t len, uint64_t off);
int vhd_pwrite(int fd, const void *buf, size_t len, uint64_t off);

/*
 * Where @path's parents may lie (shared with vhdx.c): @parent_dir
 * resolved, or @path's own directory; into @dir (PATH_MAX). 0 or -errno.
 */
int vhd_parent_root(const char *path, const char *parent_dir, char *dir);
/*
 * Replace the read-only *@fd with @real opened writable, if @real is still
 * the same file (shared with vhdx.c: commit writes into a parent the
 * chain's open checked). 0, or -errno (-ESTALE: another file there now).
 */
int vhd_reopen_writable(int *fd, const char *real);
/* Is the resolved @real in or under @dir ("/": anywhere)? */
bool vhd_under(const char *real, const char *dir);

/*
 * Check @path's metadata (and that its parent chain opens). 0, or -errno
 * if it cannot be read. A writable open (vhd_open) repairs what a crash
 * can leave: a footer missing at the end, a copy at 0 that differs.
 */
int vhd_check(const char *path, const char *parent_dir, struct vhd_check_result *r);

/*
 * Resize @path to @size bytes (a multiple of 512; qemu-img resize): the
 * footer's current size and its CHS geometry, recomputed from the size as
 * at create (the size is what we use; the geometry may describe a little
 * less). Shrinking needs @shrink and drops the data past the new end.
 * Fixed: the footer moves (a crash before the old one is zeroed leaves
 * its 512 bytes readable at the old end). Dynamic: growing the BAT past its space moves
 * the blocks in its way to the end first (each copy durable before the
 * BAT points at it), then the new entries, the header, the footer; a
 * shrink changes the footer first, then frees the blocks past the end
 * and packs. A differencing disk is refused (-ENOTSUP: its size is its
 * parent's). 0 or -errno with *@why.
 */
int vhd_resize(const char *path, uint64_t size, bool shrink, const char **why);
/*
 * Give back a dynamic or differencing disk's blocks that read the same as
 * what is below them (zeros; a child: its parent): their BAT entries are
 * cleared and synced first, then the highest blocks move down into the
 * gaps (each copy durable before the BAT points at it) and the file is cut
 * after the last one. *@freed: blocks freed. 0 or -errno with *@why.
 */
int vhd_compact(const char *path, const char *parent_dir, uint32_t *freed, const char **why);
/*
 * Merge the differencing @path into its parent (qemu-img commit): every
 * sector present in the child is written into the parent (which the
 * chain's open checked, reopened writable for this only) and synced; then
 * the child is emptied (all blocks freed, the file cut) and stays a valid
 * child of the parent (a VHD parent's identity does not change with its
 * data). A crash part way leaves the child reading as before (it hides
 * every sector written so far): run it again. *@sectors: sectors written.
 */
int vhd_commit(const char *path, const char *parent_dir, uint64_t *sectors, const char **why);

#endif
