// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * recwriter: the guest side of the crash-consistency case. Writes numbered
 * records (record.h) 0..COUNT-1 in order to a raw disk and prints
 * "DONE n" once record n is durable -- never earlier -- so whoever reads
 * the console may hold the disk to every record it saw reported.
 *
 *   recwriter DEV COUNT [RECSIZE [SALT [ACKDEV]]]
 *
 * With ACKDEV (a second disk), after each report it waits until that disk's
 * first sector says "ACK m ACK" with m >= the record just reported: the host
 * writes it once it has noted the report, so the host's note of record n
 * comes before any write of record n + 1.
 *
 * The records rotate through the ways to make a write durable:
 *   direct  O_DIRECT write, then fdatasync    (WRITE, SYNCHRONIZE CACHE)
 *   cache   page-cache write, then fsync      (writeback, then a flush)
 *   fua     O_DIRECT|O_DSYNC write            (WRITE with FUA)
 *   batch   three page-cache writes, last first, one fsync for all three
 * A failed write or flush prints "FAIL: ..." and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/crash/record.h"

enum { DIRECT, CACHE, FUA, BATCH, NMODES };
static const char *const mode_name[NMODES] = { "direct", "cache", "fua", "batch" };

static void die(const char *what, unsigned long long n)
{
	printf("FAIL: recwriter: %s (record %llu): %s\n", what, n, strerror(errno));
	exit(1);
}

static void write_rec(int fd, void *buf, uint32_t size, uint64_t n, uint64_t salt)
{
	ssize_t w;

	record_fill(buf, size, n, salt);
	w = pwrite(fd, buf, size, (off_t)(n * size));
	if (w != (ssize_t)size) {
		if (w >= 0)
			errno = EIO;
		die("write", n);
	}
}

/* Until the host acknowledged record @n on the ack disk (2 minutes at most). */
static void wait_ack(int fd, char *sec, unsigned long long n)
{
	const struct timespec pause = { 0, 5 * 1000 * 1000 };
	unsigned long long m;
	int i;

	for (i = 0; i < 120 * 200; i++) {
		if (pread(fd, sec, 4096, 0) != 4096)
			die("read the ack disk", n);
		sec[4095] = 0;
		if (sscanf(sec, "ACK %llu ACK", &m) == 1 && m >= n)
			return;
		nanosleep(&pause, NULL);
	}
	errno = ETIMEDOUT;
	die("no ack from the host", n);
}

int main(int argc, char **argv)
{
	unsigned long long count, n, k, batch, i;
	uint32_t size = 16384;
	uint64_t salt = 0;
	int fd_direct, fd_cache, fd_fua, fd_ack = -1, mode;
	void *buf, *ack = NULL;

	if (argc < 3 || argc > 6) {
		fprintf(stderr, "usage: recwriter DEV COUNT [RECSIZE [SALT [ACKDEV]]]\n");
		return 2;
	}
	count = strtoull(argv[2], NULL, 0);
	if (argc > 3)
		size = (uint32_t)strtoul(argv[3], NULL, 0);
	if (argc > 4)
		salt = strtoull(argv[4], NULL, 0);
	if (!record_size_ok(size)) {
		fprintf(stderr, "recwriter: record size must be a multiple of 4096 up to 1 MiB\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd_direct = open(argv[1], O_RDWR | O_DIRECT);
	fd_cache = open(argv[1], O_RDWR);
	fd_fua = open(argv[1], O_RDWR | O_DIRECT | O_DSYNC);
	if (fd_direct < 0 || fd_cache < 0 || fd_fua < 0)
		die("open", 0);
	if (posix_memalign(&buf, 4096, size))
		die("allocate", 0);
	if (argc > 5) {
		fd_ack = open(argv[5], O_RDONLY | O_DIRECT);
		if (fd_ack < 0 || posix_memalign(&ack, 4096, 4096))
			die("open the ack disk", 0);
	}

	for (n = 0, i = 0; n < count; n += batch, i++) {
		mode = (int)(i % NMODES);
		batch = 1;
		switch (mode) {
		case DIRECT:
			write_rec(fd_direct, buf, size, n, salt);
			if (fdatasync(fd_direct))
				die("fdatasync", n);
			break;
		case CACHE:
			write_rec(fd_cache, buf, size, n, salt);
			if (fsync(fd_cache))
				die("fsync", n);
			break;
		case FUA:
			write_rec(fd_fua, buf, size, n, salt);
			break;
		case BATCH:
			batch = count - n < 3 ? count - n : 3;
			for (k = batch; k-- > 0;)
				write_rec(fd_cache, buf, size, n + k, salt);
			if (fsync(fd_cache))
				die("fsync", n);
			break;
		}
		for (k = 0; k < batch; k++)
			printf("DONE %llu %s\n", n + k, mode_name[mode]);
		if (fd_ack >= 0)
			wait_ack(fd_ack, ack, n + batch - 1);
	}
	printf("RECS-DONE %llu\n", count);
	return 0;
}
