// SPDX-License-Identifier: GPL-2.0 OR MIT
/* A KVP pool file in hv_kvp_daemon's format (kvp_pool.h). */
#include "daemons/kvp_pool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int pool_grow(struct kvp_pool_data *p)
{
	size_t cap = p->cap ? p->cap * 2 : 16;
	struct kvp_record *r;

	if (cap > KVP_POOL_MAX_RECORDS)
		cap = KVP_POOL_MAX_RECORDS;
	if (p->n < p->cap)
		return 0;
	if (p->n >= KVP_POOL_MAX_RECORDS)
		return -1;
	r = realloc(p->rec, cap * sizeof(*r));
	if (!r)
		return -1;
	p->rec = r;
	p->cap = cap;
	return 0;
}

int kvp_pool_parse(struct kvp_pool_data *p, const void *buf, size_t len)
{
	const struct kvp_record *in = buf;
	size_t n = len / sizeof(*in), i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < n && p->n < KVP_POOL_MAX_RECORDS; i++) {
		struct kvp_record r;

		memcpy(&r, &in[i], sizeof(r));	/* (buf need not be aligned) */
		r.key[sizeof(r.key) - 1] = '\0';
		r.value[sizeof(r.value) - 1] = '\0';
		if (!r.key[0])
			continue;
		if (pool_grow(p)) {
			kvp_pool_free(p);
			return -1;
		}
		p->rec[p->n++] = r;
	}
	return 0;
}

void kvp_pool_free(struct kvp_pool_data *p)
{
	free(p->rec);
	memset(p, 0, sizeof(*p));
}

long kvp_pool_find(const struct kvp_pool_data *p, const char *key)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->rec[i].key, key))
			return (long)i;
	return -1;
}

int kvp_pool_set(struct kvp_pool_data *p, const char *key, const char *value)
{
	size_t kl = strlen(key), vl = strlen(value);
	long i = kvp_pool_find(p, key);
	struct kvp_record *r;

	if (!kl || kl >= KVP_POOL_KEY_SIZE || vl >= KVP_POOL_VALUE_SIZE)
		return -1;
	if (i < 0) {
		if (pool_grow(p))
			return -1;
		i = (long)p->n++;
		r = &p->rec[i];
		memset(r, 0, sizeof(*r));
		memcpy(r->key, key, kl);
	}
	r = &p->rec[i];
	memset(r->value, 0, sizeof(r->value));
	memcpy(r->value, value, vl);
	return 0;
}

int kvp_pool_delete(struct kvp_pool_data *p, const char *key)
{
	long i = kvp_pool_find(p, key);

	if (i < 0)
		return -1;
	memmove(&p->rec[i], &p->rec[i + 1], (p->n - (size_t)i - 1) * sizeof(p->rec[0]));
	p->n--;
	return 0;
}

void kvp_pool_name(int pool, char *buf, size_t size)
{
	snprintf(buf, size, ".kvp_pool_%d", pool);
}

int kvp_pool_load(int dirfd, int pool, struct kvp_pool_data *p)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char name[32];
	struct stat st;
	void *buf = NULL;
	size_t len;
	int fd;

	memset(p, 0, sizeof(*p));
	if (pool < 0 || pool >= KVP_POOL_COUNT)
		return -1;
	kvp_pool_name(pool, name, sizeof(name));
	fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -1;
	while (fcntl(fd, F_SETLKW, &fl) < 0)
		if (errno != EINTR)
			goto fail;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		goto fail;
	len = (size_t)st.st_size;
	if (len > KVP_POOL_MAX_RECORDS * sizeof(struct kvp_record))
		len = KVP_POOL_MAX_RECORDS * sizeof(struct kvp_record);
	len -= len % sizeof(struct kvp_record);
	if (len) {
		buf = malloc(len);
		if (!buf || pread(fd, buf, len, 0) != (ssize_t)len)
			goto fail;
	}
	if (kvp_pool_parse(p, buf, len))
		goto fail;
	free(buf);
	return fd;
fail:
	free(buf);
	close(fd);	/* (drops the lock) */
	return -1;
}

int kvp_pool_store(int fd, const struct kvp_pool_data *p)
{
	size_t len = p->n * sizeof(struct kvp_record);

	if (len && pwrite(fd, p->rec, len, 0) != (ssize_t)len)
		return -1;
	return ftruncate(fd, (off_t)len);
}

void kvp_pool_close(int fd)
{
	if (fd >= 0)
		close(fd);	/* closing drops the fcntl lock */
}
