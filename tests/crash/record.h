/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The numbered records of the crash-consistency test (tests/pair case
 * storage-logwrites): the guest's recwriter writes them to a raw disk and
 * says which are durable; the host's logreplay checks them on a replayed
 * image. Record n lives at byte n * size of the disk and is fully
 * determined by (n, size, salt): a header, then pseudo-random bytes, so a
 * check regenerates it and compares every byte (a torn, stale, shifted or
 * misdirected record fails, and so does one from an earlier run whose salt
 * differed).
 */
#ifndef OVB_TESTS_CRASH_RECORD_H
#define OVB_TESTS_CRASH_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define REC_MAGIC	0x3143455242564f4full	/* "OOVBREC1", little-endian */
#define REC_MAX_SIZE	(1u << 20)

/* A record size is a multiple of 4 KiB (O_DIRECT in the guest) up to 1 MiB. */
int record_size_ok(uint32_t size);

/* Fill buf[0..size) with record @n. */
void record_fill(void *buf, uint32_t size, uint64_t n, uint64_t salt);

/*
 * 0 if buf[0..size) is record @n, else -1 with *why saying what is wrong
 * (a static string) and *at the first byte offset that differs.
 */
int record_check(const void *buf, uint32_t size, uint64_t n, uint64_t salt,
		 const char **why, uint32_t *at);

#endif
