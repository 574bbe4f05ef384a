// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Whole-buffer pread/pwrite: see fdio.h. */
#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

#include "tests/crash/fdio.h"

static int fd_rw_all(int fd, char *p, size_t len, uint64_t off, bool write)
{
	while (len) {
		ssize_t n = write ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int fd_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	return fd_rw_all(fd, buf, len, off, false);
}

int fd_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	return fd_rw_all(fd, (char *)buf, len, off, true);
}
