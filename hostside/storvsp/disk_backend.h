/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A disk image: offsets and iovecs in, errno out; independent of VMBus and
 * of SCSI. The image's format is a back end behind one ops table
 * (disk_format.h): raw (sparse is fine) through io_uring, the fast path,
 * or VHD (hostside/disk/vhd.c).
 */
#ifndef OVB_STORVSP_DISK_BACKEND_H
#define OVB_STORVSP_DISK_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

enum disk_format {
	DISK_FORMAT_RAW,	/* the default: a guest cannot turn a raw disk into another format */
	DISK_FORMAT_VHD,
	DISK_FORMAT_AUTO,	/* detect (VHDX identifier, VHD footer, else raw): only when the user asks */
	DISK_FORMAT_VHDX,
};

struct disk_backend_opts {
	bool read_only;
	bool direct;		/* O_DIRECT, raw only (falls back to buffered if refused) */
	const char *serial;	/* NULL: derived from the image's device+inode */
	enum disk_format format;
	/*
	 * Where a differencing image's parents may live: NULL, the image's own
	 * directory (and below); "/" anywhere. Parents open read-only.
	 */
	const char *parent_dir;
};

struct disk_backend;

/* Open @path; returns NULL with errno set. */
struct disk_backend *disk_backend_open(const char *path, const struct disk_backend_opts *o);
void disk_backend_close(struct disk_backend *b);

uint64_t disk_backend_size(const struct disk_backend *b);	/* bytes */
bool disk_backend_read_only(const struct disk_backend *b);
/* Stable across runs: from the option, else from st_dev/st_ino of the image. */
const char *disk_backend_serial(const struct disk_backend *b);	/* <= 20 chars */
uint64_t disk_backend_wwn(const struct disk_backend *b);	/* NAA 6 */
/*
 * The disk's logical block (what LBAs count: 512, or 4096 for a VHDX made
 * with 4096-byte logical sectors) and physical block (4096 unless the
 * image says 512); the size is a multiple of the logical block.
 */
uint32_t disk_backend_logical_block(const struct disk_backend *b);
uint32_t disk_backend_physical_block(const struct disk_backend *b);
/* "raw", "vhd" or "vhdx". */
const char *disk_backend_format(const struct disk_backend *b);
/*
 * The image file's descriptor (owned by the back end: do not close it or
 * move its offset; reopen /proc/self/fd/N to read it on your own), for a
 * backup's copy (hostside/backup.c).
 */
int disk_backend_fd(const struct disk_backend *b);
/* A differencing image's parent file (as opened), else NULL. */
const char *disk_backend_parent(const struct disk_backend *b);
/* Parse "raw", "vhd", "vhdx" or "auto"; 0 or -EINVAL. */
int disk_format_parse(const char *s, enum disk_format *f);

/* All return 0 or a negative errno; short transfers are completed or -EIO. */
int disk_backend_readv(struct disk_backend *b, const struct iovec *iov, int cnt, uint64_t off);
int disk_backend_writev(struct disk_backend *b, const struct iovec *iov, int cnt,
			uint64_t off, bool fua);
int disk_backend_flush(struct disk_backend *b);
int disk_backend_discard(struct disk_backend *b, uint64_t off, uint64_t len);

/*
 * Fault injection for tests: the next I/Os (read, write, flush or discard)
 * fail with -@err until @count have failed. 0/0 clears it.
 */
void disk_backend_inject_error(struct disk_backend *b, int err, unsigned int count);

#endif
