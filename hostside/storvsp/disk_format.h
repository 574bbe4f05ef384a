/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What an image format implements to sit behind disk_backend. The generic
 * layer (disk_backend.c) has already opened the file, derived the serial,
 * checked every request against the size and read-only flag and applied
 * injected faults; a format only maps virtual offsets onto its file.
 */
#ifndef OVB_STORVSP_DISK_FORMAT_H
#define OVB_STORVSP_DISK_FORMAT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "hostside/storvsp/disk_backend.h"

struct disk_format_ops {
	const char *name;
	/*
	 * Take over @fd (open on @path, read-only if @o->read_only): the image
	 * or NULL with errno set (@fd is then closed by the caller). *@size: the
	 * virtual disk's size in bytes.
	 */
	void *(*open)(int fd, const char *path, const struct disk_backend_opts *o,
		      uint64_t *size);
	void (*close)(void *img);	/* closes the fd too */
	int (*readv)(void *img, const struct iovec *iov, int cnt, uint64_t off);
	int (*writev)(void *img, const struct iovec *iov, int cnt, uint64_t off, bool fua);
	int (*flush)(void *img);
	int (*discard)(void *img, uint64_t off, uint64_t len);
	/*
	 * Optional: the image's logical and physical sector sizes (512 or
	 * 4096). NULL: 512 logical, 4096 physical. The size is a multiple of
	 * the logical sector, and so are the writes the format accepts.
	 */
	void (*sectors)(const void *img, uint32_t *logical, uint32_t *physical);
};

extern const struct disk_format_ops disk_raw_ops;
extern const struct disk_format_ops disk_vhd_ops;	/* hostside/disk/vhd.c */
extern const struct disk_format_ops disk_vhdx_ops;	/* hostside/disk/vhdx.c */

/* Bytes in an iovec array. */
size_t disk_iov_total(const struct iovec *iov, int cnt);
/*
 * The part [@skip, @skip + @len) of @iov in @out (room for @cnt entries);
 * returns the count of entries used.
 */
int disk_iov_slice(const struct iovec *iov, int cnt, size_t skip, size_t len,
		   struct iovec *out);
/* Zero what @iov covers. */
void disk_iov_zero(const struct iovec *iov, int cnt);

#endif
