/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A KVP pool as Debian's hv_kvp_daemon keeps it, so either daemon (and
 * the tools that read the files) can take over: /var/lib/hyperv/
 * .kvp_pool_N, N the pool (0 external, 1 guest, 2 auto, 3 auto_external,
 * 4 auto_internal), an array of fixed records of a 512-byte key and a
 * 2048-byte value, each a NUL-terminated UTF-8 string. Nothing else: no
 * header, no count; a trailing partial record is ignored, as hv_kvp_daemon
 * does. Every operation reads the file under a whole-file fcntl write lock
 * (hv_kvp_daemon's lock), so an edit by another program is seen.
 *
 * The parse and the edits are pure functions over memory (tested and
 * fuzzed); kvp_pool_load/kvp_pool_store do the file I/O.
 */
#ifndef OVB_DAEMONS_KVP_POOL_H
#define OVB_DAEMONS_KVP_POOL_H

#include <stdbool.h>
#include <stddef.h>

#define KVP_POOL_COUNT		5
#define KVP_POOL_AUTO		2
#define KVP_POOL_KEY_SIZE	512
#define KVP_POOL_VALUE_SIZE	2048
/* A bound on what a file (anyone's) makes us allocate: 10 MiB of records. */
#define KVP_POOL_MAX_RECORDS	4096

struct kvp_record {
	char key[KVP_POOL_KEY_SIZE];
	char value[KVP_POOL_VALUE_SIZE];
};

struct kvp_pool_data {
	struct kvp_record *rec;
	size_t n, cap;
};

/*
 * The pool from a file's bytes: whole records, each string forced to end
 * within its field (a file is anyone's input), empty keys dropped, at most
 * KVP_POOL_MAX_RECORDS. 0, or -1 (out of memory).
 */
int kvp_pool_parse(struct kvp_pool_data *p, const void *buf, size_t len);
void kvp_pool_free(struct kvp_pool_data *p);

/* The record's index for @key, or -1. */
long kvp_pool_find(const struct kvp_pool_data *p, const char *key);
/*
 * Add or replace @key (strlen < KVP_POOL_KEY_SIZE, non-empty) with @value
 * (strlen < KVP_POOL_VALUE_SIZE). 0, or -1 (bad sizes, pool full, memory).
 */
int kvp_pool_set(struct kvp_pool_data *p, const char *key, const char *value);
/* Remove @key; 0, or -1 if it is not there. Later records move up one, as hv_kvp_daemon does. */
int kvp_pool_delete(struct kvp_pool_data *p, const char *key);

/* The file's name for pool @pool (relative to the pool directory). */
void kvp_pool_name(int pool, char *buf, size_t size);

/*
 * Open pool @pool's file in directory @dirfd (created 0644 if missing),
 * lock it and read it: the fd (locked; kvp_pool_close unlocks), or -1.
 */
int kvp_pool_load(int dirfd, int pool, struct kvp_pool_data *p);
/* Write @p back over the file (records zero-padded); 0, or -1. */
int kvp_pool_store(int fd, const struct kvp_pool_data *p);
void kvp_pool_close(int fd);

#endif /* OVB_DAEMONS_KVP_POOL_H */
