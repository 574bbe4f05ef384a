// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * VHD images with I/O (see vhd.h for the allocation order). One mutex per
 * image serialises its I/O: a write may allocate a block, and a read must
 * see the BAT and bitmaps consistent. Parents are separate read-only
 * images with their own mutex.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "hostside/disk/vhd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hostside/storvsp/disk_format.h"

#define COPY_STEP	(1u << 20)	/* a block moves in pieces of this */

struct vhd {
	int fd;
	bool ro;
	struct vhd_info vi;
	uint64_t footer_off;	/* the end footer: where the next block goes */
	uint8_t footer[VHD_FOOTER_SIZE];
	uint32_t *bat;		/* host-endian */
	uint32_t used;
	uint8_t *bm;		/* one block's bitmap, scratch (under lock) */
	struct vhd *parent;
	pthread_mutex_t lock;
	char *path;
	char real[PATH_MAX];	/* realpath of path: a chain may not name a file twice */
	const struct vhd *child;	/* the image whose parent this is, while opening */
	char *allow;		/* parents must resolve under this directory */
};

/* Whole-buffer pread/pwrite: a short transfer is completed, EOF is -EIO. */
int vhd_pio(int fd, const struct iovec *iov, int cnt, uint64_t off, bool write)
{
	struct iovec local[64], *v = local;
	size_t want = disk_iov_total(iov, cnt), done = 0;
	int ret = 0;

	if (cnt > 64) {
		v = malloc((size_t)cnt * sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	while (done < want) {
		int n = disk_iov_slice(iov, cnt, done, want - done, v);
		ssize_t r = write ? pwritev(fd, v, n, (off_t)(off + done)) :
				    preadv(fd, v, n, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ret = r < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)r;
	}
	if (v != local)
		free(v);
	return ret;
}

int vhd_pread(int fd, void *buf, size_t len, uint64_t off)
{
	struct iovec v = { buf, len };

	return vhd_pio(fd, &v, 1, off, false);
}

int vhd_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	struct iovec v = { (void *)buf, len };

	return vhd_pio(fd, &v, 1, off, true);
}

static int vhd_sync(int fd)
{
	return fdatasync(fd) < 0 ? -errno : 0;
}

/* ---- open ---------------------------------------------------------------- */

static struct vhd *vhd_open_at(int fd, const char *path, bool ro, const char *allow, int depth,
			       const struct vhd *child);

bool vhd_under(const char *real, const char *dir)
{
	size_t n = strlen(dir);

	if (!strcmp(dir, "/"))
		return true;
	return !strncmp(real, dir, n) && (real[n] == '/' || real[n] == '\0');
}

/* Try one candidate path for @v's parent; the parent, or NULL. */
static struct vhd *vhd_try_parent(struct vhd *v, const char *cand, int depth)
{
	char full[PATH_MAX], real[PATH_MAX];
	const char *slash;
	struct vhd *p;
	int fd;

	if (!cand[0])
		return NULL;
	if (cand[0] == '/') {
		snprintf(full, sizeof(full), "%s", cand);
	} else {
		/* Relative to the child's directory. */
		slash = strrchr(v->path, '/');
		if (slash) {
			if (snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - v->path),
				     v->path, cand) >= (int)sizeof(full))
				return NULL;
		} else {
			snprintf(full, sizeof(full), "%s", cand);
		}
	}
	if (!realpath(full, real) || !vhd_under(real, v->allow))
		return NULL;
	/* A loop (a file its own ancestor) would only end at VHD_MAX_CHAIN. */
	for (const struct vhd *c = v; c; c = c->child)
		if (!strcmp(c->real, real))
			return NULL;
	fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	p = vhd_open_at(fd, real, true, v->allow, depth + 1, v);
	if (!p) {
		close(fd);
		return NULL;
	}
	if (memcmp(p->vi.unique_id, v->vi.parent_id, 16) ||
	    p->vi.timestamp != v->vi.parent_timestamp) {
		vhd_close(p);
		return NULL;
	}
	return p;
}

static int vhd_open_parent(struct vhd *v, int depth)
{
	uint8_t *data;
	char cand[VHD_MAX_PATH];
	const char *base;

	if (depth >= VHD_MAX_CHAIN)
		return -ELOOP;
	data = malloc(VHD_MAX_LOCATOR_BYTES);
	if (!data)
		return -ENOMEM;
	/* Relative locators first: they survive moving the chain together. */
	for (int pass = 0; pass < 2 && !v->parent; pass++) {
		for (int i = 0; i < VHD_PARENT_LOCATORS && !v->parent; i++) {
			const struct vhd_locator *l = &v->vi.loc[i];

			if ((l->code == VHD_PLAT_W2RU) != (pass == 0) || l->code == VHD_PLAT_NONE)
				continue;
			if (vhd_pread(v->fd, data, l->len, l->off) ||
			    vhd_locator_path(l->code, data, l->len, cand, sizeof(cand)))
				continue;
			v->parent = vhd_try_parent(v, cand, depth);
		}
	}
	free(data);
	/* Then the parent's name, as given and as a name beside the child. */
	if (!v->parent)
		v->parent = vhd_try_parent(v, v->vi.parent_name, depth);
	base = strrchr(v->vi.parent_name, '/');
	if (!v->parent && base)
		v->parent = vhd_try_parent(v, base + 1, depth);
	return v->parent ? 0 : -ENOENT;
}

/* Where metadata ends: blocks must lie after it. */
static uint64_t vhd_meta_end(const struct vhd_info *vi)
{
	uint64_t end = vi->dyn_offset + VHD_DYN_HEADER_SIZE;

	if (vi->bat_offset + vhd_bat_bytes(vi) > end)
		end = vi->bat_offset + vhd_bat_bytes(vi);
	for (int i = 0; i < VHD_PARENT_LOCATORS; i++) {
		const struct vhd_locator *l = &vi->loc[i];

		if (l->code != VHD_PLAT_NONE && l->off + l->len > end)
			end = l->off + l->len;
	}
	return (end + VHD_SECTOR - 1) / VHD_SECTOR * VHD_SECTOR;
}

static int vhd_load_dynamic(struct vhd *v, uint64_t file_size, bool end_footer)
{
	uint8_t hdr[VHD_DYN_HEADER_SIZE];
	uint64_t data_end, blocks_end, meta_end;
	uint32_t bad;
	int ret;

	ret = vhd_pread(v->fd, hdr, sizeof(hdr), v->vi.dyn_offset);
	if (ret)
		return ret;
	if (vhd_dyn_parse(hdr, file_size, &v->vi))
		return -EINVAL;
	v->bat = malloc(vhd_bat_bytes(&v->vi));
	v->bm = malloc(v->vi.bitmap_size);
	if (!v->bat || !v->bm)
		return -ENOMEM;
	ret = vhd_pread(v->fd, v->bat, vhd_bat_bytes(&v->vi), v->vi.bat_offset);
	if (ret)
		return ret;
	for (uint32_t i = 0; i < v->vi.bat_entries; i++)
		v->bat[i] = vhd_be32(&v->bat[i]);
	meta_end = vhd_meta_end(&v->vi);
	data_end = end_footer ? file_size - VHD_FOOTER_SIZE : file_size;
	if (meta_end > data_end)
		return -EINVAL;
	if (vhd_bat_check(v->bat, &v->vi, meta_end, data_end, &bad, &blocks_end, &v->used))
		return -EINVAL;
	/* The next block goes where the footer is, whole sectors. */
	v->footer_off = end_footer ? file_size - VHD_FOOTER_SIZE : blocks_end;
	v->footer_off = (v->footer_off + VHD_SECTOR - 1) / VHD_SECTOR * VHD_SECTOR;
	if (v->footer_off < blocks_end)
		v->footer_off = blocks_end;
	return 0;
}

static struct vhd *vhd_open_at(int fd, const char *path, bool ro, const char *allow, int depth,
			       const struct vhd *child)
{
	struct vhd *v = calloc(1, sizeof(*v));
	bool end_footer = true;
	struct stat st;
	int ret = -ENOMEM;

	if (!v)
		goto fail;
	v->fd = fd;
	v->ro = ro;
	pthread_mutex_init(&v->lock, NULL);
	v->path = strdup(path);
	v->allow = strdup(allow);
	v->child = child;
	if (!v->path || !v->allow)
		goto fail;
	if (!realpath(path, v->real))
		snprintf(v->real, sizeof(v->real), "%s", path);
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto fail;
	}
	ret = -EINVAL;
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)VHD_FOOTER_SIZE)
		goto fail;
	ret = vhd_pread(fd, v->footer, VHD_FOOTER_SIZE, (uint64_t)st.st_size - VHD_FOOTER_SIZE);
	if (ret)
		goto fail;
	if (vhd_footer_parse(v->footer, (uint64_t)st.st_size, &v->vi)) {
		/* A crash while the file grew: the copy at 0 (dynamic disks only). */
		end_footer = false;
		ret = vhd_pread(fd, v->footer, VHD_FOOTER_SIZE, 0);
		if (ret)
			goto fail;
		ret = -EINVAL;
		if (vhd_footer_parse(v->footer, (uint64_t)st.st_size, &v->vi) ||
		    v->vi.type == VHD_TYPE_FIXED)
			goto fail;
	}
	if (v->vi.type == VHD_TYPE_FIXED) {
		v->footer_off = (uint64_t)st.st_size - VHD_FOOTER_SIZE;
		v->child = NULL;
		return v;
	}
	ret = vhd_load_dynamic(v, (uint64_t)st.st_size, end_footer);
	if (ret)
		goto fail;
	if (end_footer && !ro) {
		/*
		 * The copy at 0 is written before the end footer when they change
		 * (resize): a crash between leaves it ahead. The end footer is
		 * the one in use; the copy follows it again.
		 */
		uint8_t copy[VHD_FOOTER_SIZE];

		ret = vhd_pread(fd, copy, sizeof(copy), 0);
		if (!ret && memcmp(copy, v->footer, sizeof(copy))) {
			ret = vhd_pwrite(fd, v->footer, VHD_FOOTER_SIZE, 0);
			if (!ret)
				ret = vhd_sync(fd);
		}
		if (ret)
			goto fail;
	}
	if (!end_footer && !ro) {
		/* Put the footer back at the end before anything is allocated. */
		ret = vhd_pwrite(fd, v->footer, VHD_FOOTER_SIZE, v->footer_off);
		if (!ret && ftruncate(fd, (off_t)(v->footer_off + VHD_FOOTER_SIZE)) < 0)
			ret = -errno;
		if (!ret)
			ret = vhd_sync(fd);
		if (ret)
			goto fail;
	}
	if (v->vi.type == VHD_TYPE_DIFFERENCING) {
		ret = vhd_open_parent(v, depth);
		if (ret)
			goto fail;
	}
	v->child = NULL;	/* only valid while the chain opens */
	return v;
fail:
	if (v) {
		v->fd = -1;	/* the caller still owns it */
		vhd_close(v);
	}
	errno = -ret;
	return NULL;
}

int vhd_parent_root(const char *path, const char *parent_dir, char *dir)
{
	char real[PATH_MAX];
	char *slash;

	if (parent_dir) {
		snprintf(dir, PATH_MAX, "%s", parent_dir);
		if (strcmp(dir, "/") && !realpath(parent_dir, dir))
			return -errno;
	} else {
		if (!realpath(path, real))
			return -errno;
		snprintf(dir, PATH_MAX, "%s", real);
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
	}
	return 0;
}

struct vhd *vhd_open_fd(int fd, const char *path, bool ro, const char *parent_dir)
{
	char dir[PATH_MAX];

	if (vhd_parent_root(path, parent_dir, dir))
		return NULL;
	return vhd_open_at(fd, path, ro, dir, 0, NULL);
}

struct vhd *vhd_open(const char *path, bool ro, const char *parent_dir)
{
	int fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC), err;
	struct vhd *v;

	if (fd < 0)
		return NULL;
	v = vhd_open_fd(fd, path, ro, parent_dir);
	if (!v) {
		err = errno;
		close(fd);
		errno = err;
	}
	return v;
}

void vhd_close(struct vhd *v)
{
	if (!v)
		return;
	vhd_close(v->parent);
	if (v->fd >= 0)
		close(v->fd);
	pthread_mutex_destroy(&v->lock);
	free(v->bat);
	free(v->bm);
	free(v->path);
	free(v->allow);
	free(v);
}

const struct vhd_info *vhd_get_info(const struct vhd *v) { return &v->vi; }
const struct vhd *vhd_parent(const struct vhd *v) { return v->parent; }
const char *vhd_path(const struct vhd *v) { return v->path; }
uint32_t vhd_used_blocks(const struct vhd *v) { return v->used; }

/* ---- read ---------------------------------------------------------------- */

static int vhd_read_locked(struct vhd *v, const struct iovec *iov, int cnt, uint64_t off);

/* Sectors that are not in @v: its parent's, or zeros. */
static int vhd_read_below(struct vhd *v, const struct iovec *iov, int cnt, uint64_t off)
{
	int ret;

	if (!v->parent) {
		disk_iov_zero(iov, cnt);
		return 0;
	}
	pthread_mutex_lock(&v->parent->lock);
	ret = vhd_read_locked(v->parent, iov, cnt, off);
	pthread_mutex_unlock(&v->parent->lock);
	return ret;
}

static int vhd_read_locked(struct vhd *v, const struct iovec *iov, int cnt, uint64_t off)
{
	size_t len = disk_iov_total(iov, cnt), done = 0;
	struct iovec *sl, *sub;
	int ret = 0;

	if (off >= v->vi.size) {
		/* A parent smaller than its child reads as zeros beyond its end. */
		disk_iov_zero(iov, cnt);
		return 0;
	}
	if (v->vi.type == VHD_TYPE_FIXED && len <= v->vi.size - off)
		return vhd_pio(v->fd, iov, cnt, off, false);
	sl = malloc(2 * (size_t)cnt * sizeof(*sl));
	if (!sl)
		return -ENOMEM;
	sub = sl + cnt;
	while (!ret && done < len) {
		uint64_t pos = off + done;
		uint32_t bs = v->vi.block_size ? v->vi.block_size : (1u << 20);
		uint32_t in = (uint32_t)(pos % bs), blk;
		size_t n = bs - in < len - done ? bs - in : len - done;
		int k;

		if (pos >= v->vi.size) {
			k = disk_iov_slice(iov, cnt, done, len - done, sl);
			disk_iov_zero(sl, k);
			break;
		}
		if (n > v->vi.size - pos)
			n = v->vi.size - pos;
		k = disk_iov_slice(iov, cnt, done, n, sl);
		if (v->vi.type == VHD_TYPE_FIXED) {
			ret = vhd_pio(v->fd, sl, k, pos, false);
			done += n;
			continue;
		}
		blk = (uint32_t)(pos / bs);
		if (v->bat[blk] == VHD_BAT_UNUSED) {
			ret = vhd_read_below(v, sl, k, pos);
		} else {
			uint64_t base = (uint64_t)v->bat[blk] * VHD_SECTOR;
			uint32_t s = in / VHD_SECTOR, e = (uint32_t)((in + n) / VHD_SECTOR);

			ret = vhd_pread(v->fd, v->bm, v->vi.bitmap_size, base);
			while (!ret && s < e) {
				uint32_t run = vhd_bitmap_run(v->bm, s, e);
				size_t roff = (size_t)(s * VHD_SECTOR - in);
				int m = disk_iov_slice(sl, k, roff, (size_t)run * VHD_SECTOR, sub);

				if (vhd_bitmap_test(v->bm, s))
					ret = vhd_pio(v->fd, sub, m, base + v->vi.bitmap_size +
						      (uint64_t)s * VHD_SECTOR, false);
				else
					ret = vhd_read_below(v, sub, m, pos - in + (uint64_t)s * VHD_SECTOR);
				s += run;
			}
		}
		done += n;
	}
	free(sl);
	return ret;
}

int vhd_readv(struct vhd *v, const struct iovec *iov, int cnt, uint64_t off)
{
	int ret;

	if (off % VHD_SECTOR || disk_iov_total(iov, cnt) % VHD_SECTOR)
		return -EINVAL;
	pthread_mutex_lock(&v->lock);
	ret = vhd_read_locked(v, iov, cnt, off);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

/* ---- write --------------------------------------------------------------- */

/* Write the BAT sector holding entry @blk from the in-memory BAT. */
static int vhd_write_bat_sector(struct vhd *v, uint32_t blk)
{
	uint32_t first = blk / (VHD_SECTOR / 4) * (VHD_SECTOR / 4);
	uint8_t sec[VHD_SECTOR];

	for (uint32_t i = 0; i < VHD_SECTOR / 4; i++)
		vhd_put_be32(sec + i * 4, first + i < v->vi.bat_entries ? v->bat[first + i] :
			     VHD_BAT_UNUSED);
	return vhd_pwrite(v->fd, sec, sizeof(sec), v->vi.bat_offset + (uint64_t)first * 4);
}

static void vhd_bitmap_range(uint8_t *bm, uint32_t s, uint32_t e)
{
	for (uint32_t i = s; i < e; i++)
		vhd_bitmap_set(bm, i);
}

/* A new block for @blk holding sectors [@s, @e) of @sl (order: vhd.h). */
static int vhd_alloc_write(struct vhd *v, uint32_t blk, uint32_t s, uint32_t e,
			   const struct iovec *sl, int k)
{
	uint64_t base = v->footer_off, total = vhd_block_total(&v->vi);
	int ret;

	if (base / VHD_SECTOR >= VHD_BAT_UNUSED || base + total + VHD_FOOTER_SIZE > (uint64_t)INT64_MAX)
		return -ENOSPC;
	ret = vhd_pwrite(v->fd, v->footer, VHD_FOOTER_SIZE, base + total);
	if (!ret)
		ret = vhd_pio(v->fd, sl, k, base + v->vi.bitmap_size + (uint64_t)s * VHD_SECTOR, true);
	if (ret)
		return ret;
	memset(v->bm, 0, v->vi.bitmap_size);
	vhd_bitmap_range(v->bm, s, e);
	ret = vhd_pwrite(v->fd, v->bm, v->vi.bitmap_size, base);
	if (!ret)
		ret = vhd_sync(v->fd);
	if (ret)
		return ret;
	/* From here the block is the image's: the footer has moved. */
	v->footer_off = base + total;
	v->bat[blk] = (uint32_t)(base / VHD_SECTOR);
	v->used++;
	ret = vhd_write_bat_sector(v, blk);
	if (ret) {
		v->bat[blk] = VHD_BAT_UNUSED;	/* leaked; never half-used */
		v->used--;
	}
	return ret;
}

static int vhd_write_locked(struct vhd *v, const struct iovec *iov, int cnt, uint64_t off)
{
	size_t len = disk_iov_total(iov, cnt), done = 0;
	struct iovec *sl;
	int ret = 0;

	if (v->vi.type == VHD_TYPE_FIXED)
		return vhd_pio(v->fd, iov, cnt, off, true);
	sl = malloc((size_t)cnt * sizeof(*sl));
	if (!sl)
		return -ENOMEM;
	while (!ret && done < len) {
		uint64_t pos = off + done;
		uint32_t bs = v->vi.block_size, in = (uint32_t)(pos % bs);
		uint32_t blk = (uint32_t)(pos / bs);
		size_t n = bs - in < len - done ? bs - in : len - done;
		uint32_t s = in / VHD_SECTOR, e = (uint32_t)((in + n) / VHD_SECTOR);
		int k = disk_iov_slice(iov, cnt, done, n, sl);
		uint64_t base;
		bool dirty = false;

		if (v->bat[blk] == VHD_BAT_UNUSED) {
			ret = vhd_alloc_write(v, blk, s, e, sl, k);
			done += n;
			continue;
		}
		/* Data first, then the bits that say it is there. */
		base = (uint64_t)v->bat[blk] * VHD_SECTOR;
		ret = vhd_pio(v->fd, sl, k, base + v->vi.bitmap_size + (uint64_t)s * VHD_SECTOR, true);
		if (!ret)
			ret = vhd_pread(v->fd, v->bm, v->vi.bitmap_size, base);
		for (uint32_t i = s; !ret && i < e; i++) {
			if (!vhd_bitmap_test(v->bm, i)) {
				vhd_bitmap_set(v->bm, i);
				dirty = true;
			}
		}
		/*
		 * A child's clear bit means "the parent's": the data must be on
		 * disk before the bit is, or a power loss would show zeros for a
		 * sector that had the parent's data (a dynamic disk's clear bit
		 * reads as zeros, which is what the hole under it holds).
		 */
		if (!ret && dirty && v->vi.type == VHD_TYPE_DIFFERENCING)
			ret = vhd_sync(v->fd);
		if (!ret && dirty) {
			/* Only the bitmap sectors that changed. */
			uint32_t b0 = s / 8 / VHD_SECTOR * VHD_SECTOR;
			uint32_t b1 = ((e - 1) / 8 / VHD_SECTOR + 1) * VHD_SECTOR;

			ret = vhd_pwrite(v->fd, v->bm + b0, b1 - b0, base + b0);
		}
		done += n;
	}
	free(sl);
	return ret;
}

/* A change of [@off, +@len): whole sectors inside the disk, and writable. */
static int vhd_may_change(const struct vhd *v, uint64_t off, uint64_t len)
{
	if (v->ro)
		return -EROFS;
	if (off % VHD_SECTOR || len % VHD_SECTOR || off > v->vi.size || len > v->vi.size - off)
		return -EINVAL;
	return 0;
}

int vhd_writev(struct vhd *v, const struct iovec *iov, int cnt, uint64_t off, bool fua)
{
	int ret = vhd_may_change(v, off, disk_iov_total(iov, cnt));

	if (ret)
		return ret;
	pthread_mutex_lock(&v->lock);
	ret = vhd_write_locked(v, iov, cnt, off);
	if (!ret && fua)
		ret = vhd_sync(v->fd);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

/* Zeros over [@off, +@len) the ordinary way: a child hides its parent's data. */
static int vhd_write_zeros(struct vhd *v, uint64_t off, uint64_t len)
{
	static uint8_t zero[64 << 10];
	struct iovec iov[16];
	int ret = 0;

	while (!ret && len) {
		uint64_t n = len < sizeof(zero) * 16 ? len : sizeof(zero) * 16;
		int k = 0;

		for (uint64_t left = n; left; k++) {
			iov[k].iov_base = zero;
			iov[k].iov_len = left < sizeof(zero) ? left : sizeof(zero);
			left -= iov[k].iov_len;
		}
		ret = vhd_write_locked(v, iov, k, off);
		off += n;
		len -= n;
	}
	return ret;
}

/* Give back what can be given back; the range reads as zeros afterwards. */
static int vhd_discard_locked(struct vhd *v, uint64_t off, uint64_t len)
{
	int ret = 0;

	if (v->vi.type == VHD_TYPE_FIXED) {
		if (!fallocate(v->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len))
			return 0;
		return vhd_write_zeros(v, off, len);
	}
	if (v->vi.type == VHD_TYPE_DIFFERENCING)
		return vhd_write_zeros(v, off, len);
	/*
	 * Dynamic: a clear bitmap bit reads as zero. Clear the bits first, then
	 * punch the data (a crash between leaves data nobody reads).
	 */
	while (!ret && len) {
		uint32_t bs = v->vi.block_size, in = (uint32_t)(off % bs), blk = (uint32_t)(off / bs);
		uint64_t n = bs - in < len ? bs - in : len, base, data;
		uint32_t s = in / VHD_SECTOR, e = (uint32_t)((in + n) / VHD_SECTOR);

		if (v->bat[blk] != VHD_BAT_UNUSED) {
			base = (uint64_t)v->bat[blk] * VHD_SECTOR;
			ret = vhd_pread(v->fd, v->bm, v->vi.bitmap_size, base);
			for (uint32_t i = s; i < e; i++)
				v->bm[i >> 3] &= (uint8_t)~(0x80u >> (i & 7));
			if (!ret)
				ret = vhd_pwrite(v->fd, v->bm, v->vi.bitmap_size, base);
			data = base + v->vi.bitmap_size + (uint64_t)s * VHD_SECTOR;
			if (!ret)
				fallocate(v->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)data,
					  (off_t)((uint64_t)(e - s) * VHD_SECTOR));	/* a hint */
		}
		off += n;
		len -= n;
	}
	return ret;
}

int vhd_discard(struct vhd *v, uint64_t off, uint64_t len)
{
	int ret = vhd_may_change(v, off, len);

	if (ret)
		return ret;
	pthread_mutex_lock(&v->lock);
	ret = vhd_discard_locked(v, off, len);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

int vhd_flush(struct vhd *v)
{
	return v->ro ? 0 : vhd_sync(v->fd);
}

/* ---- create -------------------------------------------------------------- */

static void vhd_new_identity(struct vhd_info *vi)
{
	time_t now = time(NULL);

	if (getrandom(vi->unique_id, 16, 0) != 16) {
		/* No entropy source: still unique enough per host and time. */
		uint64_t t = (uint64_t)now ^ ((uint64_t)getpid() << 32);

		memcpy(vi->unique_id, &t, 8);
		memcpy(vi->unique_id + 8, &vi, sizeof(void *) < 8 ? sizeof(void *) : 8);
	}
	vi->unique_id[6] = (uint8_t)((vi->unique_id[6] & 0x0f) | 0x40);	/* RFC 4122 v4 */
	vi->unique_id[8] = (uint8_t)((vi->unique_id[8] & 0x3f) | 0x80);
	vi->timestamp = (uint32_t)((uint64_t)now - VHD_EPOCH_UNIX);
	memcpy(vi->creator_app, "ovb ", 4);
	vi->creator_version = 0x00010000;
	vi->creator_os = VHD_OS_WINDOWS;
	vi->features = VHD_FEATURE_RESERVED;
	vhd_geometry(vi->size / VHD_SECTOR, &vi->cylinders, &vi->heads, &vi->sectors_per_track);
}

/* A locator's data at *@at (advanced past its space); the entry in @l. */
static int vhd_put_locator(int fd, uint32_t code, const char *path, uint64_t *at,
			   struct vhd_locator *l)
{
	uint8_t buf[VHD_MAX_LOCATOR_BYTES];
	char win[VHD_MAX_PATH];
	int n;

	snprintf(win, sizeof(win), "%s", path);
	for (char *p = win; *p; p++)
		if (*p == '/')
			*p = '\\';
	n = vhd_utf8_to_utf16(win, false, buf, sizeof(buf));
	if (n <= 0)
		return -ENAMETOOLONG;
	l->code = code;
	l->len = (uint32_t)n;
	/* Bytes, rounded to sectors, as Hyper-V writes it (the spec says sectors). */
	l->space = (uint32_t)((n + VHD_SECTOR - 1) / VHD_SECTOR * VHD_SECTOR);
	l->off = *at;
	*at += l->space;
	memset(buf + n, 0, l->space - (uint32_t)n);
	return vhd_pwrite(fd, buf, l->space, l->off);
}

/* The parent's path relative to the child's directory, when it is in or under it. */
static void vhd_relative(const char *child_real_dir, const char *parent_real, char *out, size_t n)
{
	size_t d = strlen(child_real_dir);

	if (!strncmp(parent_real, child_real_dir, d) && parent_real[d] == '/')
		snprintf(out, n, ".\\%s", parent_real + d + 1);
	else
		snprintf(out, n, "%s", parent_real);
}

int vhd_create(const char *path, const struct vhd_create_opts *o, const char **why)
{
	struct vhd_info vi = { .type = o->type, .size = o->size };
	char preal[PATH_MAX], cdir[PATH_MAX], rel[VHD_MAX_PATH];
	uint8_t buf[VHD_DYN_HEADER_SIZE];
	struct vhd *parent = NULL;
	uint64_t at;
	int fd, ret;

	*why = NULL;
	if (o->type == VHD_TYPE_DIFFERENCING) {
		if (!o->parent || !realpath(o->parent, preal)) {
			*why = "the parent cannot be found";
			return -ENOENT;
		}
		parent = vhd_open(preal, true, "/");
		if (!parent) {
			*why = "the parent is not a VHD that opens";
			return -errno;
		}
		vi.size = parent->vi.size;
		memcpy(vi.parent_id, parent->vi.unique_id, 16);
		vi.parent_timestamp = parent->vi.timestamp;
		vi.block_size = o->block_size ? o->block_size :
				parent->vi.block_size ? parent->vi.block_size : VHD_DEFAULT_BLOCK_SIZE;
		vhd_close(parent);
	} else {
		vi.block_size = o->block_size ? o->block_size : VHD_DEFAULT_BLOCK_SIZE;
	}
	vi.original_size = vi.size;
	if (!vi.size || vi.size % VHD_SECTOR || vi.size > VHD_MAX_SIZE) {
		*why = "the size must be a non-zero multiple of 512 bytes, at most 2040 GiB";
		return -EINVAL;
	}
	if (vi.block_size < VHD_MIN_BLOCK_SIZE || vi.block_size > VHD_MAX_BLOCK_SIZE ||
	    (vi.block_size & (vi.block_size - 1))) {
		*why = "block_size must be a power of two from 4 KiB to 256 MiB";
		return -EINVAL;
	}
	vhd_new_identity(&vi);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		*why = "cannot create the file";
		return -errno;
	}
	if (o->type == VHD_TYPE_FIXED) {
		vi.dyn_offset = VHD_NO_OFFSET;
		vhd_footer_build(buf, &vi);
		ret = ftruncate(fd, (off_t)vi.size) < 0 ? -errno : 0;
		if (!ret)
			ret = vhd_pwrite(fd, buf, VHD_FOOTER_SIZE, vi.size);
		goto out;
	}
	vi.dyn_offset = VHD_FOOTER_SIZE;
	vi.bat_offset = VHD_FOOTER_SIZE + VHD_DYN_HEADER_SIZE;
	vi.bat_entries = (uint32_t)((vi.size + vi.block_size - 1) / vi.block_size);
	at = vi.bat_offset + vhd_bat_bytes(&vi);
	ret = 0;
	if (o->type == VHD_TYPE_DIFFERENCING) {
		/* The name (UTF-16BE in the header) and two locators, relative and absolute. */
		snprintf(cdir, sizeof(cdir), "%s", path);
		if (!realpath(path, cdir)) {
			ret = -errno;
			goto out;
		}
		*strrchr(cdir, '/') = '\0';
		vhd_relative(cdir, preal, rel, sizeof(rel));
		snprintf(vi.parent_name, sizeof(vi.parent_name), "%s",
			 rel[0] == '.' ? rel + 2 : preal);
		ret = vhd_put_locator(fd, VHD_PLAT_W2RU, rel, &at, &vi.loc[0]);
		if (!ret)
			ret = vhd_put_locator(fd, VHD_PLAT_W2KU, preal, &at, &vi.loc[1]);
	}
	if (ret)
		goto out;
	{
		uint8_t *bat = malloc(vhd_bat_bytes(&vi));

		if (!bat) {
			ret = -ENOMEM;
			goto out;
		}
		memset(bat, 0xff, vhd_bat_bytes(&vi));
		ret = vhd_pwrite(fd, bat, vhd_bat_bytes(&vi), vi.bat_offset);
		free(bat);
	}
	vhd_dyn_build(buf, &vi);
	if (!ret)
		ret = vhd_pwrite(fd, buf, VHD_DYN_HEADER_SIZE, vi.dyn_offset);
	vhd_footer_build(buf, &vi);
	if (!ret)
		ret = vhd_pwrite(fd, buf, VHD_FOOTER_SIZE, 0);
	if (!ret)
		ret = vhd_pwrite(fd, buf, VHD_FOOTER_SIZE, at);
out:
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	close(fd);
	if (ret && !*why)
		*why = "cannot write the image";
	return ret;
}

/* ---- check --------------------------------------------------------------- */

static void vhd_check_err(struct vhd_check_result *r, const char *msg)
{
	if (!r->errors++)
		snprintf(r->first_error, sizeof(r->first_error), "%s", msg);
}

int vhd_check(const char *path, const char *parent_dir, struct vhd_check_result *r)
{
	uint8_t foot[VHD_FOOTER_SIZE], copy[VHD_FOOTER_SIZE];
	struct vhd_info vi;
	struct stat st;
	struct vhd *v;
	int fd, ret = 0;

	memset(r, 0, sizeof(*r));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)VHD_FOOTER_SIZE) {
		close(fd);
		return -EINVAL;
	}
	if (vhd_pread(fd, foot, sizeof(foot), (uint64_t)st.st_size - VHD_FOOTER_SIZE) ||
	    vhd_footer_parse(foot, (uint64_t)st.st_size, &vi)) {
		vhd_check_err(r, "no valid footer at the end of the file");
	} else if (vi.type != VHD_TYPE_FIXED) {
		if (vhd_pread(fd, copy, sizeof(copy), 0) || memcmp(foot, copy, sizeof(foot)))
			vhd_check_err(r, "the footer copy at offset 0 differs from the footer");
	}
	v = vhd_open_fd(fd, path, true, parent_dir);
	if (!v) {
		ret = -errno;
		vhd_check_err(r, ret == -ENOENT ? "the parent chain does not open (missing or not matching)" :
				 "the metadata is invalid (header, BAT or overlapping blocks)");
		close(fd);
		return 0;
	}
	r->used_blocks = v->used;
	if (v->vi.type != VHD_TYPE_FIXED) {
		/*
		 * Space between the metadata and the footer that no block covers,
		 * in whole blocks (what a crashed allocation leaves; a gap smaller
		 * than a block, as after a BAT grown over the first block, is padding).
		 */
		uint64_t total = vhd_block_total(&v->vi);
		uint64_t covered = vhd_meta_end(&v->vi) + (uint64_t)v->used * total;

		if (v->footer_off >= covered + total) {
			r->leaks = (unsigned int)((v->footer_off - covered) / total);
			r->leaked_bytes = v->footer_off - covered;
		}
	}
	vhd_close(v);
	return ret;
}

/* ---- resize, compact, commit ---------------------------------------------- */

/*
 * The footer (both copies for a dynamic disk) from @v->vi, durably: the
 * copy at 0 first. The original size follows the current one: the spec
 * calls it the size at creation, but libvhdi takes it as the disk's size.
 */
static int vhd_write_footers(struct vhd *v)
{
	int ret = 0;

	v->vi.original_size = v->vi.size;
	vhd_footer_build(v->footer, &v->vi);
	if (v->vi.type != VHD_TYPE_FIXED) {
		ret = vhd_pwrite(v->fd, v->footer, VHD_FOOTER_SIZE, 0);
		if (!ret)
			ret = vhd_sync(v->fd);
	}
	if (!ret)
		ret = vhd_pwrite(v->fd, v->footer, VHD_FOOTER_SIZE, v->footer_off);
	return ret ? ret : vhd_sync(v->fd);
}

static int vhd_write_dyn(struct vhd *v)
{
	uint8_t hdr[VHD_DYN_HEADER_SIZE];
	int ret;

	vhd_dyn_build(hdr, &v->vi);
	ret = vhd_pwrite(v->fd, hdr, sizeof(hdr), v->vi.dyn_offset);
	return ret ? ret : vhd_sync(v->fd);
}

/*
 * Copy block @blk to @dst (space nothing references; at the end, the
 * footer is written past it first), make that durable, then point the BAT
 * at it: a crash leaves the old copy or the new one in use, never neither.
 */
static int vhd_move_block(struct vhd *v, uint32_t blk, uint64_t dst)
{
	uint64_t total = vhd_block_total(&v->vi), src = (uint64_t)v->bat[blk] * VHD_SECTOR;
	bool at_end = dst >= v->footer_off;
	uint32_t old = v->bat[blk];
	uint8_t *buf;
	int ret = 0;

	if (dst % VHD_SECTOR || dst / VHD_SECTOR >= VHD_BAT_UNUSED ||
	    dst + total + VHD_FOOTER_SIZE > (uint64_t)INT64_MAX)
		return -ENOSPC;
	buf = malloc(COPY_STEP);
	if (!buf)
		return -ENOMEM;
	if (at_end)
		ret = vhd_pwrite(v->fd, v->footer, VHD_FOOTER_SIZE, dst + total);
	for (uint64_t k = 0; !ret && k < total; k += COPY_STEP) {
		size_t n = total - k < COPY_STEP ? (size_t)(total - k) : COPY_STEP;

		ret = vhd_pread(v->fd, buf, n, src + k);
		if (!ret)
			ret = vhd_pwrite(v->fd, buf, n, dst + k);
	}
	free(buf);
	if (!ret)
		ret = vhd_sync(v->fd);
	if (ret)
		return ret;
	if (at_end)
		v->footer_off = dst + total;
	v->bat[blk] = (uint32_t)(dst / VHD_SECTOR);
	ret = vhd_write_bat_sector(v, blk);
	if (!ret)
		ret = vhd_sync(v->fd);
	if (ret)
		v->bat[blk] = old;	/* the old copy is still whole */
	return ret;
}

struct vhd_pos {
	uint64_t off;
	uint32_t blk;
};

static int vhd_pos_cmp(const void *a, const void *b)
{
	const struct vhd_pos *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * Give back the space no block uses: the highest blocks move down into the
 * lowest gaps (each move durable before the next), then the footer moves
 * down to just past the last block and the file is cut there.
 */
static int vhd_pack(struct vhd *v)
{
	uint64_t total = vhd_block_total(&v->vi), cur = vhd_meta_end(&v->vi), end;
	struct vhd_pos *a = malloc(((size_t)v->used + 1) * sizeof(*a));
	size_t n = 0, lo = 0;
	uint32_t blk;
	int ret = 0;

	if (!a)
		return -ENOMEM;
	for (uint32_t i = 0; i < v->vi.bat_entries && n < v->used; i++)
		if (v->bat[i] != VHD_BAT_UNUSED)
			a[n++] = (struct vhd_pos){ (uint64_t)v->bat[i] * VHD_SECTOR, i };
	qsort(a, n, sizeof(*a), vhd_pos_cmp);
	/* Each pass moves one block below the next gap: at most n passes. */
	for (size_t budget = n + 1; !ret && budget; budget--) {
		while (lo < n && a[lo].off < cur + total) {
			if (a[lo].off + total > cur)
				cur = a[lo].off + total;
			lo++;
		}
		if (lo >= n)
			break;	/* no block above the gap */
		blk = a[n - 1].blk;
		ret = vhd_move_block(v, blk, cur);
		if (ret)
			break;
		memmove(a + lo + 1, a + lo, (n - 1 - lo) * sizeof(*a));
		a[lo] = (struct vhd_pos){ cur, blk };
	}
	end = vhd_meta_end(&v->vi);
	for (size_t i = 0; i < n; i++)
		if (a[i].off + total > end)
			end = a[i].off + total;
	free(a);
	if (ret || end >= v->footer_off)
		return ret;
	/* The footer below the old one first: a crash before the cut keeps the old one. */
	ret = vhd_pwrite(v->fd, v->footer, VHD_FOOTER_SIZE, end);
	if (!ret)
		ret = vhd_sync(v->fd);
	if (!ret && ftruncate(v->fd, (off_t)(end + VHD_FOOTER_SIZE)) < 0)
		ret = -errno;
	if (!ret) {
		v->footer_off = end;
		ret = vhd_sync(v->fd);
	}
	return ret;
}

/* Clear the bitmap bits of sectors [@s, end of block) of allocated block @blk. */
static int vhd_clear_tail(struct vhd *v, uint32_t blk, uint32_t s)
{
	uint64_t base;
	int ret;

	if (blk >= v->vi.bat_entries || v->bat[blk] == VHD_BAT_UNUSED)
		return 0;
	base = (uint64_t)v->bat[blk] * VHD_SECTOR;
	ret = vhd_pread(v->fd, v->bm, v->vi.bitmap_size, base);
	for (uint32_t i = s; !ret && i < v->vi.block_size / VHD_SECTOR; i++)
		v->bm[i >> 3] &= (uint8_t)~(0x80u >> (i & 7));
	if (!ret)
		ret = vhd_pwrite(v->fd, v->bm, v->vi.bitmap_size, base);
	return ret ? ret : vhd_sync(v->fd);
}

static int vhd_resize_fixed(struct vhd *v, uint64_t size)
{
	static const uint8_t zero[VHD_FOOTER_SIZE];
	uint64_t old = v->vi.size;
	int ret;

	v->vi.size = size;
	vhd_geometry(size / VHD_SECTOR, &v->vi.cylinders, &v->vi.heads, &v->vi.sectors_per_track);
	v->footer_off = size;
	ret = vhd_write_footers(v);
	if (ret)
		return ret;
	if (size < old)
		return ftruncate(v->fd, (off_t)(size + VHD_FOOTER_SIZE)) < 0 ? -errno : vhd_sync(v->fd);
	/* The old footer is disk data now: zeros, as the rest of the new space. */
	ret = vhd_pwrite(v->fd, zero, sizeof(zero), old);
	return ret ? ret : vhd_sync(v->fd);
}

/* Make room for a BAT of @entries: move the blocks in its way to the end. */
static int vhd_grow_bat(struct vhd *v, uint32_t entries, const char **why)
{
	uint64_t old_end = v->vi.bat_offset + vhd_bat_bytes(&v->vi);
	uint64_t need = v->vi.bat_offset + ((uint64_t)entries * 4 + VHD_SECTOR - 1) / VHD_SECTOR * VHD_SECTOR;
	uint64_t total = vhd_block_total(&v->vi);
	uint8_t *fill;
	int ret = 0;

	if (v->vi.bat_offset < VHD_FOOTER_SIZE ||
	    (v->vi.dyn_offset < need && v->vi.dyn_offset + VHD_DYN_HEADER_SIZE > v->vi.bat_offset)) {
		*why = "the dynamic header lies after the BAT: it cannot grow";
		return -ENOTSUP;
	}
	for (int i = 0; i < VHD_PARENT_LOCATORS; i++) {
		const struct vhd_locator *l = &v->vi.loc[i];

		if (l->code != VHD_PLAT_NONE && l->off < need && l->off + l->space > v->vi.bat_offset) {
			*why = "a parent locator lies after the BAT: it cannot grow";
			return -ENOTSUP;
		}
	}
	for (uint32_t i = 0; !ret && i < v->vi.bat_entries; i++) {
		uint64_t off = (uint64_t)v->bat[i] * VHD_SECTOR;

		if (v->bat[i] != VHD_BAT_UNUSED && off < need && off + total > v->vi.bat_offset)
			ret = vhd_move_block(v, i, v->footer_off > need ? v->footer_off : need);
	}
	if (!ret && need > v->footer_off) {
		/* No block after the BAT: the footer moves out of its way. */
		ret = vhd_pwrite(v->fd, v->footer, VHD_FOOTER_SIZE, need);
		if (!ret)
			ret = vhd_sync(v->fd);
		if (!ret)
			v->footer_off = need;
	}
	if (ret) {
		*why = "cannot move the blocks in the BAT's way";
		return ret;
	}
	/* The new entries unused, on disk before the header counts them. */
	fill = malloc(need - old_end + VHD_SECTOR);
	if (!fill)
		return -ENOMEM;
	memset(fill, 0xff, need - old_end + VHD_SECTOR);
	{
		uint32_t *nb = realloc(v->bat, (size_t)(need - v->vi.bat_offset));

		if (!nb) {
			free(fill);
			return -ENOMEM;
		}
		v->bat = nb;
		for (uint32_t i = v->vi.bat_entries; i < entries; i++)
			v->bat[i] = VHD_BAT_UNUSED;
	}
	/* The tail of the old last BAT sector too (its padding may be anything). */
	ret = vhd_pwrite(v->fd, fill, (size_t)(need - v->vi.bat_offset - (uint64_t)v->vi.bat_entries * 4),
			 v->vi.bat_offset + (uint64_t)v->vi.bat_entries * 4);
	free(fill);
	return ret ? ret : vhd_sync(v->fd);
}

static int vhd_resize_dynamic(struct vhd *v, uint64_t size, const char **why)
{
	uint32_t bs = v->vi.block_size, entries = (uint32_t)((size + bs - 1) / bs);
	uint64_t old = v->vi.size;
	int ret = 0;

	if ((size + bs - 1) / bs > VHD_MAX_BAT_ENTRIES) {
		*why = "too many blocks for a BAT";
		return -EINVAL;
	}
	if (size > old) {
		/*
		 * What a shrink left past the old end must read as zeros: the
		 * tail of the last block, and blocks a shrink cut short by a
		 * crash did not free yet.
		 */
		if (old % bs)
			ret = vhd_clear_tail(v, (uint32_t)(old / bs), (uint32_t)(old % bs / VHD_SECTOR));
		for (uint32_t i = (uint32_t)((old + bs - 1) / bs); !ret && i < v->vi.bat_entries; i++) {
			if (v->bat[i] == VHD_BAT_UNUSED)
				continue;
			v->bat[i] = VHD_BAT_UNUSED;
			v->used--;
			ret = vhd_write_bat_sector(v, i);
			if (!ret)
				ret = vhd_sync(v->fd);
		}
		if (!ret && entries > v->vi.bat_entries) {
			ret = vhd_grow_bat(v, entries, why);
			if (ret)
				return ret;
			v->vi.bat_entries = entries;
			ret = vhd_write_dyn(v);
		}
		if (ret)
			return ret;
		v->vi.size = size;
		vhd_geometry(size / VHD_SECTOR, &v->vi.cylinders, &v->vi.heads, &v->vi.sectors_per_track);
		ret = vhd_write_footers(v);
		/* Blocks moved out of the BAT's way left gaps: fill them from the end. */
		return ret ? ret : vhd_pack(v);
	}
	/* Shrink: the size first (nothing reads past it), then the blocks go. */
	v->vi.size = size;
	vhd_geometry(size / VHD_SECTOR, &v->vi.cylinders, &v->vi.heads, &v->vi.sectors_per_track);
	ret = vhd_write_footers(v);
	for (uint32_t i = entries; !ret && i < v->vi.bat_entries; i++) {
		if (v->bat[i] == VHD_BAT_UNUSED)
			continue;
		v->bat[i] = VHD_BAT_UNUSED;
		v->used--;
		ret = vhd_write_bat_sector(v, i);
	}
	if (!ret)
		ret = vhd_sync(v->fd);
	return ret ? ret : vhd_pack(v);
}

int vhd_resize(const char *path, uint64_t size, bool shrink, const char **why)
{
	struct vhd *v;
	int ret;

	*why = NULL;
	if (!size || size % VHD_SECTOR || size > VHD_MAX_SIZE) {
		*why = "the size must be a non-zero multiple of 512 bytes, at most 2040 GiB";
		return -EINVAL;
	}
	v = vhd_open(path, false, "/");
	if (!v) {
		*why = "cannot open the image";
		return -errno;
	}
	ret = 0;
	if (v->vi.type == VHD_TYPE_DIFFERENCING) {
		*why = "a differencing disk has its parent's size (commit it, or convert it, first)";
		ret = -ENOTSUP;
	} else if (size < v->vi.size && !shrink) {
		*why = "shrinking loses the data past the new end: give --shrink";
		ret = -EINVAL;
	} else if (size != v->vi.size) {
		ret = v->vi.type == VHD_TYPE_FIXED ? vhd_resize_fixed(v, size) :
						     vhd_resize_dynamic(v, size, why);
	}
	vhd_close(v);
	if (ret && !*why)
		*why = "cannot write the image";
	return ret;
}

/* Does block @blk read the same as what lies below it (the parent, or zeros)? */
static int vhd_block_redundant(struct vhd *v, uint32_t blk, uint8_t *a, uint8_t *b)
{
	uint64_t start = (uint64_t)blk * v->vi.block_size;
	size_t n = v->vi.size - start < v->vi.block_size ? (size_t)(v->vi.size - start) : v->vi.block_size;
	struct iovec x = { a, n }, y = { b, n };
	int ret = vhd_read_locked(v, &x, 1, start);

	if (!ret)
		ret = vhd_read_below(v, &y, 1, start);
	return ret ? ret : !memcmp(a, b, n);
}

int vhd_compact(const char *path, const char *parent_dir, uint32_t *freed, const char **why)
{
	uint8_t *a = NULL, *b = NULL;
	struct vhd *v;
	int ret = 0;

	*why = NULL;
	*freed = 0;
	v = vhd_open(path, false, parent_dir);
	if (!v) {
		*why = "cannot open the image";
		return -errno;
	}
	if (v->vi.type == VHD_TYPE_FIXED) {
		*why = "a fixed disk has no blocks to give back";
		ret = -ENOTSUP;
		goto out;
	}
	a = malloc(v->vi.block_size);
	b = malloc(v->vi.block_size);
	if (!a || !b) {
		ret = -ENOMEM;
		goto out;
	}
	/* Unmapped first, durably; only then is their space reused or cut. */
	for (uint32_t i = 0; !ret && i < v->vi.bat_entries; i++) {
		if (v->bat[i] == VHD_BAT_UNUSED || (uint64_t)i * v->vi.block_size >= v->vi.size)
			continue;
		ret = vhd_block_redundant(v, i, a, b);
		if (ret == 1) {
			v->bat[i] = VHD_BAT_UNUSED;
			v->used--;
			(*freed)++;
			ret = vhd_write_bat_sector(v, i);
		}
	}
	if (!ret)
		ret = vhd_sync(v->fd);
	if (!ret)
		ret = vhd_pack(v);
out:
	free(a);
	free(b);
	vhd_close(v);
	if (ret && !*why)
		*why = "cannot write the image";
	return ret;
}

int vhd_reopen_writable(int *fd, const char *real)
{
	int nfd = open(real, O_RDWR | O_CLOEXEC);
	struct stat a, b;

	if (nfd < 0)
		return -errno;
	/* The same file, not a new one put at its path since. */
	if (fstat(nfd, &a) < 0 || fstat(*fd, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		close(nfd);
		return -ESTALE;
	}
	close(*fd);
	*fd = nfd;
	return 0;
}

int vhd_commit(const char *path, const char *parent_dir, uint64_t *sectors, const char **why)
{
	struct vhd *v, *p;
	uint8_t *buf = NULL;
	int ret = 0;

	*why = NULL;
	*sectors = 0;
	v = vhd_open(path, false, parent_dir);
	if (!v) {
		*why = errno == ENOENT ? "the image or its parent chain does not open (missing or not matching)" :
			"cannot open the image";
		return -errno;
	}
	p = v->parent;
	if (!p) {
		*why = "not a differencing image: it has no parent to commit into";
		ret = -EINVAL;
		goto out;
	}
	if (p->vi.size != v->vi.size) {
		*why = "the parent's size differs from the child's";
		ret = -EINVAL;
		goto out;
	}
	/* The parent this chain checked, now writable. */
	ret = vhd_reopen_writable(&p->fd, p->real);
	if (ret) {
		*why = "cannot open the parent writable";
		goto out;
	}
	p->ro = false;
	buf = malloc(v->vi.block_size);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	/* Every sector the child holds, into the parent (which it hides meanwhile). */
	for (uint32_t i = 0; !ret && i < v->vi.bat_entries; i++) {
		uint64_t base = (uint64_t)v->bat[i] * VHD_SECTOR, start = (uint64_t)i * v->vi.block_size;
		uint32_t e;

		if (v->bat[i] == VHD_BAT_UNUSED || start >= v->vi.size)
			continue;
		e = (uint32_t)((v->vi.size - start < v->vi.block_size ? v->vi.size - start :
				v->vi.block_size) / VHD_SECTOR);
		ret = vhd_pread(v->fd, v->bm, v->vi.bitmap_size, base);
		for (uint32_t s = 0; !ret && s < e;) {
			uint32_t run = vhd_bitmap_run(v->bm, s, e);
			struct iovec io = { buf, (size_t)run * VHD_SECTOR };

			if (vhd_bitmap_test(v->bm, s)) {
				ret = vhd_pio(v->fd, &io, 1, base + v->vi.bitmap_size +
					      (uint64_t)s * VHD_SECTOR, false);
				pthread_mutex_lock(&p->lock);
				if (!ret)
					ret = vhd_write_locked(p, &io, 1, start + (uint64_t)s * VHD_SECTOR);
				pthread_mutex_unlock(&p->lock);
				*sectors += run;
			}
			s += run;
		}
	}
	if (!ret)
		ret = vhd_sync(p->fd);
	if (ret) {
		*why = "cannot write into the parent";
		goto out;
	}
	/* The parent holds it all, durably: empty the child, as qemu-img commit does. */
	memset(v->bat, 0xff, vhd_bat_bytes(&v->vi));
	v->used = 0;
	ret = vhd_pwrite(v->fd, v->bat, vhd_bat_bytes(&v->vi), v->vi.bat_offset);
	if (!ret)
		ret = vhd_sync(v->fd);
	if (!ret)
		ret = vhd_pack(v);
out:
	free(buf);
	vhd_close(v);
	if (ret && !*why)
		*why = "cannot write the image";
	return ret;
}

/* ---- behind disk_backend ------------------------------------------------- */

static void *vhd_ops_open(int fd, const char *path, const struct disk_backend_opts *o,
			  uint64_t *size)
{
	struct vhd *v = vhd_open_fd(fd, path, o->read_only, o->parent_dir);

	if (v)
		*size = v->vi.size;
	return v;
}

static void vhd_ops_close(void *img)
{
	vhd_close(img);
}

static int vhd_ops_readv(void *img, const struct iovec *iov, int cnt, uint64_t off)
{
	return vhd_readv(img, iov, cnt, off);
}

static int vhd_ops_writev(void *img, const struct iovec *iov, int cnt, uint64_t off, bool fua)
{
	return vhd_writev(img, iov, cnt, off, fua);
}

static int vhd_ops_flush(void *img)
{
	return vhd_flush(img);
}

static int vhd_ops_discard(void *img, uint64_t off, uint64_t len)
{
	return vhd_discard(img, off, len);
}

const struct disk_format_ops disk_vhd_ops = {
	.name = "vhd",
	.open = vhd_ops_open,
	.close = vhd_ops_close,
	.readv = vhd_ops_readv,
	.writev = vhd_ops_writev,
	.flush = vhd_ops_flush,
	.discard = vhd_ops_discard,
};
