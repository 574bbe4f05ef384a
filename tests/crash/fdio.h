/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Whole-buffer pread/pwrite: 0, or -1 on an error or a short file. */
#ifndef OVB_TESTS_CRASH_FDIO_H
#define OVB_TESTS_CRASH_FDIO_H

#include <stddef.h>
#include <stdint.h>

int fd_pread_all(int fd, void *buf, size_t len, uint64_t off);
int fd_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);

#endif
