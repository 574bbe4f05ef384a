// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Raw image back end. Each I/O is one io_uring readv/writev; callers on
 * different queues share the ring under a mutex (one submission, one
 * completion), which keeps the back end simple and thread-safe; queues
 * therefore wait for each other's I/O (a ring per queue would not).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "hostside/storvsp/disk_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <limits.h>
#include <unistd.h>

struct disk_backend {
	int fd;
	bool read_only;
	uint64_t size;
	char serial[21];
	uint64_t wwn;
	pthread_mutex_t lock;
	struct io_uring ring;
	int inject_err;
	unsigned int inject_count;
};

/* FNV-1a: a stable hash, unlike anything seeded per process. */
static uint64_t disk_backend_hash(const void *p, size_t n, uint64_t h)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ull;
	}
	return h;
}

struct disk_backend *disk_backend_open(const char *path, const struct disk_backend_opts *o)
{
	struct disk_backend *b = calloc(1, sizeof(*b));
	int flags = (o && o->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	struct stat st;
	uint64_t h;
	int err;

	if (!b)
		return NULL;
	b->read_only = o && o->read_only;
	b->fd = -1;
	if (o && o->direct)
		b->fd = open(path, flags | O_DIRECT);
	if (b->fd < 0)
		b->fd = open(path, flags);
	if (b->fd < 0)
		goto fail;
	if (fstat(b->fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(b->fd, 0, SEEK_END);

		if (end < 0)
			goto fail;
		b->size = (uint64_t)end;
	} else {
		b->size = (uint64_t)st.st_size;
	}
	if (o && o->serial && o->serial[0]) {
		snprintf(b->serial, sizeof(b->serial), "%s", o->serial);
		h = disk_backend_hash(o->serial, strlen(o->serial), 0xcbf29ce484222325ull);
	} else {
		uint64_t id[2] = { (uint64_t)st.st_dev, (uint64_t)st.st_ino };

		h = disk_backend_hash(id, sizeof(id), 0xcbf29ce484222325ull);
		snprintf(b->serial, sizeof(b->serial), "OVB%016llX", (unsigned long long)h);
	}
	/* NAA 6 (IEEE registered extended), made-up OUI 0x0ab0b5 + 36 hash bits. */
	b->wwn = (6ull << 60) | (0x0ab0b5ull << 36) | (h & 0xfffffffffull);
	err = io_uring_queue_init(8, &b->ring, 0);
	if (err < 0) {
		errno = -err;
		goto fail;
	}
	pthread_mutex_init(&b->lock, NULL);
	return b;
fail:
	err = errno;
	if (b->fd >= 0)
		close(b->fd);
	free(b);
	errno = err;
	return NULL;
}

void disk_backend_close(struct disk_backend *b)
{
	if (!b)
		return;
	io_uring_queue_exit(&b->ring);
	pthread_mutex_destroy(&b->lock);
	close(b->fd);
	free(b);
}

uint64_t disk_backend_size(const struct disk_backend *b) { return b->size; }
bool disk_backend_read_only(const struct disk_backend *b) { return b->read_only; }
const char *disk_backend_serial(const struct disk_backend *b) { return b->serial; }
uint64_t disk_backend_wwn(const struct disk_backend *b) { return b->wwn; }

void disk_backend_inject_error(struct disk_backend *b, int err, unsigned int count)
{
	pthread_mutex_lock(&b->lock);
	b->inject_err = err;
	b->inject_count = count;
	pthread_mutex_unlock(&b->lock);
}

/* Called locked: consume one injected failure if armed. */
static int disk_backend_injected(struct disk_backend *b)
{
	if (!b->inject_count)
		return 0;
	b->inject_count--;
	return -b->inject_err;
}

static int disk_backend_submit_wait(struct disk_backend *b)
{
	struct io_uring_cqe *cqe;
	int ret = io_uring_submit(&b->ring);

	if (ret < 0)
		return ret;
	do
		ret = io_uring_wait_cqe(&b->ring, &cqe);
	while (ret == -EINTR);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(&b->ring, cqe);
	return ret;
}

static size_t iov_total(const struct iovec *iov, int cnt)
{
	size_t t = 0;

	for (int i = 0; i < cnt; i++)
		t += iov[i].iov_len;
	return t;
}

static int disk_backend_rw(struct disk_backend *b, const struct iovec *iov, int cnt,
			   uint64_t off, bool write, bool fua)
{
	struct iovec *local;
	size_t want = iov_total(iov, cnt), done = 0;
	int ret = 0;

	if (cnt <= 0 || cnt > IOV_MAX)
		return -EINVAL;
	if (off > b->size || want > b->size - off)
		return -EINVAL;
	if (write && b->read_only)
		return -EROFS;
	local = malloc((size_t)cnt * sizeof(*iov));
	if (!local)
		return -ENOMEM;
	memcpy(local, iov, (size_t)cnt * sizeof(*iov));
	pthread_mutex_lock(&b->lock);
	ret = disk_backend_injected(b);
	while (!ret && done < want) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
		struct iovec *v = local;
		int n = cnt;
		size_t skip = done;

		/* Resume a short transfer where it stopped. */
		while (n && skip >= v->iov_len) {
			skip -= v->iov_len;
			v++;
			n--;
		}
		v->iov_base = (char *)v->iov_base + skip;
		v->iov_len -= skip;
		if (write)
			io_uring_prep_writev(sqe, b->fd, v, (unsigned int)n, off + done);
		else
			io_uring_prep_readv(sqe, b->fd, v, (unsigned int)n, off + done);
		if (write && fua)
			sqe->rw_flags = RWF_DSYNC;
		ret = disk_backend_submit_wait(b);
		if (ret > 0) {
			done += (size_t)ret;
			/* Restore the split iovec for the next round. */
			memcpy(local, iov, (size_t)cnt * sizeof(*iov));
			ret = 0;
		} else if (ret == 0) {
			ret = -EIO;	/* the image shrank under us */
		}
	}
	pthread_mutex_unlock(&b->lock);
	free(local);
	return ret < 0 ? ret : 0;
}

int disk_backend_readv(struct disk_backend *b, const struct iovec *iov, int cnt, uint64_t off)
{
	return disk_backend_rw(b, iov, cnt, off, false, false);
}

int disk_backend_writev(struct disk_backend *b, const struct iovec *iov, int cnt,
			uint64_t off, bool fua)
{
	return disk_backend_rw(b, iov, cnt, off, true, fua);
}

int disk_backend_flush(struct disk_backend *b)
{
	int ret;

	if (b->read_only)
		return 0;
	pthread_mutex_lock(&b->lock);
	ret = disk_backend_injected(b);
	if (!ret) {
		io_uring_prep_fsync(io_uring_get_sqe(&b->ring), b->fd, IORING_FSYNC_DATASYNC);
		ret = disk_backend_submit_wait(b);
	}
	pthread_mutex_unlock(&b->lock);
	return ret < 0 ? ret : 0;
}

int disk_backend_discard(struct disk_backend *b, uint64_t off, uint64_t len)
{
	int ret;

	if (b->read_only)
		return -EROFS;
	if (off > b->size || len > b->size - off)
		return -EINVAL;
	pthread_mutex_lock(&b->lock);
	ret = disk_backend_injected(b);
	pthread_mutex_unlock(&b->lock);
	if (ret)
		return ret;
	if (fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)off, (off_t)len) < 0)
		return errno == EOPNOTSUPP ? 0 : -errno;	/* discard is a hint */
	return 0;
}
