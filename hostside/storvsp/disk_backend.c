// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The disk back end: a generic layer (open, identity, bounds, read-only,
 * injected faults) over a format's ops table (disk_format.h).
 *
 * Raw, the fast path: each I/O is one io_uring readv/writev; callers on
 * different queues share the ring under a mutex (one submission, one
 * completion), which keeps the back end simple and thread-safe; queues
 * therefore wait for each other's I/O (a ring per queue would not).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "hostside/storvsp/disk_backend.h"
#include "hostside/storvsp/disk_format.h"

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

#include "hostside/disk/vhd.h"
#include "hostside/disk/vhdx.h"
#include "ovb/vhd.h"

struct disk_backend {
	const struct disk_format_ops *ops;
	void *img;
	int fd;				/* the image's, owned by img (disk_backend_fd) */
	bool read_only;
	uint64_t size;
	uint32_t lsec, psec;		/* logical and physical block */
	char serial[21];
	uint64_t wwn;
	pthread_mutex_t lock;		/* the injected faults */
	int inject_err;
	unsigned int inject_count;
};

/* The raw format's state. */
struct disk_raw {
	int fd;
	uint64_t size;
	pthread_mutex_t lock;
	struct io_uring ring;
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

/* ---- raw --------------------------------------------------------------- */

static void *raw_open(int fd, const char *path, const struct disk_backend_opts *o,
		      uint64_t *size)
{
	struct disk_raw *r = calloc(1, sizeof(*r));
	struct stat st;
	int err;

	if (!r)
		return NULL;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(fd, 0, SEEK_END);

		if (end < 0)
			goto fail;
		r->size = (uint64_t)end;
	} else {
		r->size = (uint64_t)st.st_size;
	}
	err = io_uring_queue_init(8, &r->ring, 0);
	if (err < 0) {
		errno = -err;
		goto fail;
	}
	pthread_mutex_init(&r->lock, NULL);
	r->fd = fd;
	*size = r->size;
	return r;
fail:
	err = errno;
	free(r);
	errno = err;
	return NULL;
}

static void raw_close(void *img)
{
	struct disk_raw *r = img;

	io_uring_queue_exit(&r->ring);
	pthread_mutex_destroy(&r->lock);
	close(r->fd);
	free(r);
}

static int raw_submit_wait(struct disk_raw *r)
{
	struct io_uring_cqe *cqe;
	int ret = io_uring_submit(&r->ring);

	if (ret < 0)
		return ret;
	do
		ret = io_uring_wait_cqe(&r->ring, &cqe);
	while (ret == -EINTR);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(&r->ring, cqe);
	return ret;
}

static int raw_rw(struct disk_raw *r, const struct iovec *iov, int cnt, uint64_t off,
		  bool write, bool fua)
{
	struct iovec *local;
	size_t want = disk_iov_total(iov, cnt), done = 0;
	int ret = 0;

	local = malloc((size_t)cnt * sizeof(*iov));
	if (!local)
		return -ENOMEM;
	memcpy(local, iov, (size_t)cnt * sizeof(*iov));
	pthread_mutex_lock(&r->lock);
	while (!ret && done < want) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
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
			io_uring_prep_writev(sqe, r->fd, v, (unsigned int)n, off + done);
		else
			io_uring_prep_readv(sqe, r->fd, v, (unsigned int)n, off + done);
		if (write && fua)
			sqe->rw_flags = RWF_DSYNC;
		ret = raw_submit_wait(r);
		if (ret > 0) {
			done += (size_t)ret;
			/* Restore the split iovec for the next round. */
			memcpy(local, iov, (size_t)cnt * sizeof(*iov));
			ret = 0;
		} else if (ret == 0) {
			ret = -EIO;	/* the image shrank under us */
		}
	}
	pthread_mutex_unlock(&r->lock);
	free(local);
	return ret < 0 ? ret : 0;
}

static int raw_readv(void *img, const struct iovec *iov, int cnt, uint64_t off)
{
	return raw_rw(img, iov, cnt, off, false, false);
}

static int raw_writev(void *img, const struct iovec *iov, int cnt, uint64_t off, bool fua)
{
	return raw_rw(img, iov, cnt, off, true, fua);
}

static int raw_flush(void *img)
{
	struct disk_raw *r = img;
	int ret;

	pthread_mutex_lock(&r->lock);
	io_uring_prep_fsync(io_uring_get_sqe(&r->ring), r->fd, IORING_FSYNC_DATASYNC);
	ret = raw_submit_wait(r);
	pthread_mutex_unlock(&r->lock);
	return ret < 0 ? ret : 0;
}

static int raw_discard(void *img, uint64_t off, uint64_t len)
{
	struct disk_raw *r = img;

	if (fallocate(r->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)off, (off_t)len) < 0)
		return errno == EOPNOTSUPP ? 0 : -errno;	/* discard is a hint */
	return 0;
}

const struct disk_format_ops disk_raw_ops = {
	.name = "raw",
	.open = raw_open,
	.close = raw_close,
	.readv = raw_readv,
	.writev = raw_writev,
	.flush = raw_flush,
	.discard = raw_discard,
};

/* ---- iovec helpers the formats share ------------------------------------ */

size_t disk_iov_total(const struct iovec *iov, int cnt)
{
	size_t t = 0;

	for (int i = 0; i < cnt; i++)
		t += iov[i].iov_len;
	return t;
}

int disk_iov_slice(const struct iovec *iov, int cnt, size_t skip, size_t len,
		   struct iovec *out)
{
	int n = 0;

	for (int i = 0; i < cnt && len; i++) {
		size_t l = iov[i].iov_len;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		out[n].iov_base = (char *)iov[i].iov_base + skip;
		out[n].iov_len = l - skip < len ? l - skip : len;
		len -= out[n].iov_len;
		skip = 0;
		n++;
	}
	return n;
}

void disk_iov_zero(const struct iovec *iov, int cnt)
{
	for (int i = 0; i < cnt; i++)
		memset(iov[i].iov_base, 0, iov[i].iov_len);
}

/* ---- the generic layer ------------------------------------------------- */

int disk_format_parse(const char *s, enum disk_format *f)
{
	if (!strcmp(s, "raw"))
		*f = DISK_FORMAT_RAW;
	else if (!strcmp(s, "vhd"))
		*f = DISK_FORMAT_VHD;
	else if (!strcmp(s, "vhdx"))
		*f = DISK_FORMAT_VHDX;
	else if (!strcmp(s, "auto"))
		*f = DISK_FORMAT_AUTO;
	else
		return -EINVAL;
	return 0;
}

/* A VHD has its footer in the last sector (a dynamic one a copy in the first). */
static const struct disk_format_ops *disk_detect(int fd, const struct stat *st)
{
	char cookie[8];

	if (!S_ISREG(st->st_mode) || st->st_size < VHD_FOOTER_SIZE)
		return &disk_raw_ops;
	if (pread(fd, cookie, 8, 0) == 8 && !memcmp(cookie, "vhdxfile", 8))
		return &disk_vhdx_ops;	/* [MS-VHDX]'s file identifier */
	if (pread(fd, cookie, 8, st->st_size - VHD_FOOTER_SIZE) == 8 &&
	    !memcmp(cookie, VHD_FOOTER_COOKIE, 8))
		return &disk_vhd_ops;
	if (pread(fd, cookie, 8, 0) == 8 && !memcmp(cookie, VHD_FOOTER_COOKIE, 8))
		return &disk_vhd_ops;
	return &disk_raw_ops;
}

struct disk_backend *disk_backend_open(const char *path, const struct disk_backend_opts *o)
{
	static const struct disk_backend_opts none;
	struct disk_backend *b = calloc(1, sizeof(*b));
	int flags, fd = -1, err;
	struct stat st;
	uint64_t h;

	if (!o)
		o = &none;
	flags = (o->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	if (!b)
		return NULL;
	b->read_only = o->read_only;
	/* Only raw does unbuffered I/O: formats write sub-sector metadata. */
	if (o->direct && o->format == DISK_FORMAT_RAW)
		fd = open(path, flags | O_DIRECT);
	if (fd < 0)
		fd = open(path, flags);
	if (fd < 0)
		goto fail;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	switch (o->format) {
	case DISK_FORMAT_VHD:
		b->ops = &disk_vhd_ops;
		break;
	case DISK_FORMAT_VHDX:
		b->ops = &disk_vhdx_ops;
		break;
	case DISK_FORMAT_AUTO:
		b->ops = disk_detect(fd, &st);
		if (b->ops == &disk_raw_ops && o->direct) {
			/* Detected raw: unbuffered after all, as asked. */
			int dfd = open(path, flags | O_DIRECT);

			if (dfd >= 0) {
				close(fd);
				fd = dfd;
			}
		}
		break;
	default:
		b->ops = &disk_raw_ops;
		break;
	}
	if (o->serial && o->serial[0]) {
		snprintf(b->serial, sizeof(b->serial), "%s", o->serial);
		h = disk_backend_hash(o->serial, strlen(o->serial), 0xcbf29ce484222325ull);
	} else {
		uint64_t id[2] = { (uint64_t)st.st_dev, (uint64_t)st.st_ino };

		h = disk_backend_hash(id, sizeof(id), 0xcbf29ce484222325ull);
		snprintf(b->serial, sizeof(b->serial), "OVB%016llX", (unsigned long long)h);
	}
	/* NAA 6 (IEEE registered extended), made-up OUI 0x0ab0b5 + 36 hash bits. */
	b->wwn = (6ull << 60) | (0x0ab0b5ull << 36) | (h & 0xfffffffffull);
	b->img = b->ops->open(fd, path, o, &b->size);
	if (!b->img)
		goto fail;
	b->lsec = 512;
	b->psec = 4096;
	if (b->ops->sectors)
		b->ops->sectors(b->img, &b->lsec, &b->psec);
	b->fd = fd;
	pthread_mutex_init(&b->lock, NULL);
	return b;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	free(b);
	errno = err;
	return NULL;
}

void disk_backend_close(struct disk_backend *b)
{
	if (!b)
		return;
	b->ops->close(b->img);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

uint64_t disk_backend_size(const struct disk_backend *b) { return b->size; }
bool disk_backend_read_only(const struct disk_backend *b) { return b->read_only; }
const char *disk_backend_serial(const struct disk_backend *b) { return b->serial; }
uint64_t disk_backend_wwn(const struct disk_backend *b) { return b->wwn; }
const char *disk_backend_format(const struct disk_backend *b) { return b->ops->name; }
uint32_t disk_backend_logical_block(const struct disk_backend *b) { return b->lsec; }
uint32_t disk_backend_physical_block(const struct disk_backend *b) { return b->psec; }
int disk_backend_fd(const struct disk_backend *b) { return b->fd; }

const char *disk_backend_parent(const struct disk_backend *b)
{
	const struct vhd *p = b->ops == &disk_vhd_ops ? vhd_parent(b->img) : NULL;
	const struct vhdx *px = b->ops == &disk_vhdx_ops ? vhdx_parent(b->img) : NULL;

	return p ? vhd_path(p) : px ? vhdx_path(px) : NULL;
}

void disk_backend_inject_error(struct disk_backend *b, int err, unsigned int count)
{
	pthread_mutex_lock(&b->lock);
	b->inject_err = err;
	b->inject_count = count;
	pthread_mutex_unlock(&b->lock);
}

/* Consume one injected failure if armed. */
static int disk_backend_injected(struct disk_backend *b)
{
	int ret = 0;

	pthread_mutex_lock(&b->lock);
	if (b->inject_count) {
		b->inject_count--;
		ret = -b->inject_err;
	}
	pthread_mutex_unlock(&b->lock);
	return ret;
}

static int disk_backend_check(struct disk_backend *b, int cnt, uint64_t off, size_t len,
			      bool write)
{
	if (cnt <= 0 || cnt > IOV_MAX)
		return -EINVAL;
	if (off > b->size || len > b->size - off)
		return -EINVAL;
	if (write && b->read_only)
		return -EROFS;
	return disk_backend_injected(b);
}

int disk_backend_readv(struct disk_backend *b, const struct iovec *iov, int cnt, uint64_t off)
{
	int ret = disk_backend_check(b, cnt, off, cnt > 0 ? disk_iov_total(iov, cnt) : 0, false);

	return ret ? ret : b->ops->readv(b->img, iov, cnt, off);
}

int disk_backend_writev(struct disk_backend *b, const struct iovec *iov, int cnt,
			uint64_t off, bool fua)
{
	int ret = disk_backend_check(b, cnt, off, cnt > 0 ? disk_iov_total(iov, cnt) : 0, true);

	return ret ? ret : b->ops->writev(b->img, iov, cnt, off, fua);
}

int disk_backend_flush(struct disk_backend *b)
{
	int ret;

	if (b->read_only)
		return 0;
	ret = disk_backend_injected(b);
	return ret ? ret : b->ops->flush(b->img);
}

int disk_backend_discard(struct disk_backend *b, uint64_t off, uint64_t len)
{
	int ret;

	if (b->read_only)
		return -EROFS;
	if (off > b->size || len > b->size - off)
		return -EINVAL;
	ret = disk_backend_injected(b);
	return ret ? ret : b->ops->discard(b->img, off, len);
}
