/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A raw disk image (sparse is fine) read and written through io_uring.
 * Independent of VMBus and of SCSI: offsets and iovecs in, errno out.
 */
#ifndef OVB_STORVSP_DISK_BACKEND_H
#define OVB_STORVSP_DISK_BACKEND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

struct disk_backend_opts {
	bool read_only;
	bool direct;		/* O_DIRECT (falls back to buffered if refused) */
	const char *serial;	/* NULL: derived from the image's device+inode */
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
