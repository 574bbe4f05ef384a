/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * ovb-fcopyd's copies: the host's file written below a root directory
 * ("/" in the daemon; a temporary directory in tests and the fuzzer).
 *
 * The path must be absolute and without ".." components; its directories
 * are created (0755) with CREATE_PATH. The file's name is one component
 * (no '/', not "." or ".."). Without OVERWRITE the file is created with
 * O_EXCL|O_NOFOLLOW: an existing name (a symlink included) is refused with
 * ALREADY_EXISTS, and nothing is followed. With OVERWRITE the data goes to
 * a new hidden file in the same directory, renamed over the name on
 * COMPLETE (rename replaces a symlink, never follows it; the old file
 * stays whole until the copy is). A write past the announced size, a
 * COMPLETE short of it, a write error, CANCEL, or a new START before
 * COMPLETE remove the partial file. ENOSPC/EDQUOT answer DISK_FULL.
 */
#ifndef OVB_DAEMONS_FCOPY_FILE_H
#define OVB_DAEMONS_FCOPY_FILE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "daemons/fcopy_msg.h"

struct fcopy_state {
	int rootfd;
	int fd, dirfd;			/* -1: no copy under way */
	char name[NAME_MAX + 1];	/* the file's name in dirfd */
	char tmp[NAME_MAX + 1];		/* the hidden file written instead ("": none) */
	uint64_t size, end;		/* announced; the furthest byte written */
	uint32_t kernel_version;	/* 0 until the kernel's reply */
	unsigned long files, failures;
};

/* @rootfd: the directory the host's paths start at. */
void fcopy_init(struct fcopy_state *s, int rootfd);
/* Message @in (@len bytes): the 4-byte status to answer in @out; its length (0: none). */
size_t fcopy_handle(struct fcopy_state *s, const void *in, size_t len, void *out);
/* Drop a copy under way (its partial file removed); the daemon's exit. */
void fcopy_abort(struct fcopy_state *s);

#endif /* OVB_DAEMONS_FCOPY_FILE_H */
