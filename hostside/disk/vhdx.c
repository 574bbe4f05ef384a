// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * VHDX images with I/O (see vhdx.h for the log and the allocation order).
 * One mutex per image serialises its I/O: a write may allocate a block,
 * and a read must see the BAT consistent. Parents are separate read-only
 * images with their own mutex.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "hostside/disk/vhdx.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostside/disk/vhd.h"	/* vhd_pio and friends */
#include "hostside/storvsp/disk_format.h"

#define VHDX_MAX_LOG		(32u << 20)	/* we read a log whole */
#define VHDX_MAX_META		(32u << 20)
#define VHDX_MAX_REPLAY_END	(1ull << 40)	/* where a replayed log may write */
#define VHDX_MAX_ZERO		(1ull << 30)	/* one zero descriptor */

struct vhdx {
	int fd;
	bool ro;
	struct vhdx_info vi;
	uint64_t *bat;		/* host-endian */
	uint32_t used;
	uint64_t file_end;	/* where the next block goes (1 MiB aligned) */
	uint64_t meta_end;	/* the end of the highest region or block at open */
	uint8_t *bm;		/* scratch: one block's sector bitmap bytes */
	bool changed;		/* the header's GUIDs were renewed this session */
	bool stop_before_apply;
	uint32_t log_pos;
	uint64_t log_seq;
	unsigned int replayed;
	struct vhdx *parent;
	pthread_mutex_t lock;
	char *path;
	char real[PATH_MAX];	/* a chain may not name a file twice */
	const struct vhdx *child;	/* while opening */
	char *allow;
};

static int vhdx_sync(int fd)
{
	return fdatasync(fd) < 0 ? -errno : 0;
}

static uint64_t round_mb(uint64_t x)
{
	return (x + VHDX_MB - 1) & ~(VHDX_MB - 1);
}

/* ---- headers and the log --------------------------------------------------- */

/* Write the header in the other slot with the next sequence number; it becomes current. */
static int vhdx_header_update(struct vhdx *v, const struct vhdx_header *h)
{
	uint8_t buf[VHDX_HEADER_SIZE];
	struct vhdx_header n = *h;
	int slot = v->vi.cur ^ 1, ret;

	n.seq = v->vi.hdr.seq + 1;
	vhdx_header_build(buf, &n);
	ret = vhd_pwrite(v->fd, buf, sizeof(buf), VHDX_HEADER_OFF(slot));
	if (!ret)
		ret = vhdx_sync(v->fd);
	if (ret)
		return ret;
	v->vi.hdr = n;
	v->vi.cur = slot;
	return 0;
}

/* What a scan of the log found at one 4 KiB position. */
struct log_slot {
	bool valid;
	uint32_t length, tail;
	uint64_t seq;
};

struct log_seq {
	uint32_t tail;
	uint64_t seq;		/* of its last entry */
	unsigned int count;
};

/* The entry at @pos of the doubled log (@log holds it twice, so none wraps). */
static int log_entry_at(const uint8_t *log, uint32_t len, uint32_t pos, const vhdx_guid *g,
			struct vhdx_log_entry *e, struct vhdx_log_desc *d, uint32_t max)
{
	return vhdx_log_parse(log + pos, len, g, len, e, d, max);
}

/*
 * The sequence ending at the valid entry @head: from its tail, contiguous
 * valid entries with consecutive numbers up to it. 0 or -EINVAL.
 */
static int log_sequence(const struct log_slot *slot, uint32_t len, uint32_t head,
			struct log_seq *s)
{
	uint32_t pos = slot[head / VHDX_LOG_SECTOR].tail;
	uint64_t seq = 0;

	s->count = 0;
	for (unsigned int budget = len / VHDX_LOG_SECTOR + 1; budget; budget--) {
		const struct log_slot *e = &slot[pos / VHDX_LOG_SECTOR];

		if (!e->valid || (s->count && e->seq != seq + 1))
			return -EINVAL;
		seq = e->seq;
		s->count++;
		if (pos == head) {
			s->tail = slot[head / VHDX_LOG_SECTOR].tail;
			s->seq = e->seq;
			return 0;
		}
		pos = (uint32_t)((pos + e->length) % len);
	}
	return -EINVAL;
}

/* Write what one parsed entry says, checked against the file and the log. */
static int log_apply(struct vhdx *v, const struct vhdx_log_entry *e, const struct vhdx_log_desc *d,
		     uint64_t file_size)
{
	uint64_t lo = v->vi.hdr.log_offset, ll = v->vi.hdr.log_length;
	uint64_t limit = e->last_off > file_size ? e->last_off : file_size;
	uint8_t sec[VHDX_LOG_SECTOR];
	int ret = 0;

	if (e->flushed_off > file_size)
		return -EINVAL;	/* the file lost what the log relies on */
	if (e->last_off > VHDX_MAX_REPLAY_END)
		return -EINVAL;
	for (uint32_t i = 0; !ret && i < e->ndesc; i++) {
		uint64_t off = d[i].off, len = d[i].len;

		/* Never the file identifier or the headers, nor the log itself. */
		if (off < VHDX_REGION_OFF(0) || len > limit || off > limit - len ||
		    (d[i].zero && len > VHDX_MAX_ZERO) || (off < lo + ll && lo < off + len))
			return -EINVAL;
	}
	for (uint32_t i = 0; !ret && i < e->ndesc; i++) {
		if (d[i].zero) {
			if (fallocate(v->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				      (off_t)d[i].off, (off_t)d[i].len) < 0) {
				static const uint8_t z[VHDX_LOG_SECTOR];

				for (uint64_t k = 0; !ret && k < d[i].len; k += sizeof(z))
					ret = vhd_pwrite(v->fd, z, sizeof(z), d[i].off + k);
			}
		} else {
			vhdx_log_desc_data(&d[i], sec);
			ret = vhd_pwrite(v->fd, sec, sizeof(sec), d[i].off);
		}
	}
	if (!ret && e->last_off > file_size && ftruncate(v->fd, (off_t)e->last_off) < 0)
		ret = -errno;
	return ret;
}

/*
 * Replay the log if it holds a valid sequence ([MS-VHDX] 2.3.3): the one
 * whose last entry has the highest sequence number. 0 (nothing to do or
 * done), or -errno.
 */
static int vhdx_replay(struct vhdx *v, uint64_t file_size)
{
	uint32_t len = v->vi.hdr.log_length, max = len / VHDX_LOG_DESC;
	const vhdx_guid *g = &v->vi.hdr.log_guid;
	struct vhdx_log_desc *d = NULL;
	struct log_slot *slot = NULL;
	struct log_seq best = { 0 }, s;
	uint8_t *log = NULL;
	bool found = false;
	int ret = -ENOMEM;

	if (vhdx_guid_is_zero(g))
		return 0;
	if (len > VHDX_MAX_LOG)
		return -EINVAL;
	log = malloc(2 * (size_t)len);
	d = malloc(max * sizeof(*d));
	slot = calloc(len / VHDX_LOG_SECTOR, sizeof(*slot));
	if (!log || !d || !slot)
		goto out;
	ret = vhd_pread(v->fd, log, len, v->vi.hdr.log_offset);
	if (ret)
		goto out;
	memcpy(log + len, log, len);
	/* Each position parsed once; then the sequences from what was found. */
	for (uint32_t pos = 0; pos < len; pos += VHDX_LOG_SECTOR) {
		struct vhdx_log_entry e;
		struct log_slot *sl = &slot[pos / VHDX_LOG_SECTOR];

		if (!memcmp(log + pos, "loge", 4) && !log_entry_at(log, len, pos, g, &e, d, max))
			*sl = (struct log_slot){ true, e.length, e.tail, e.seq };
	}
	for (uint32_t pos = 0; pos < len; pos += VHDX_LOG_SECTOR) {
		if (!slot[pos / VHDX_LOG_SECTOR].valid || log_sequence(slot, len, pos, &s))
			continue;
		if (!found || s.seq > best.seq) {
			best = s;
			found = true;
		}
	}
	ret = 0;
	if (!found)
		goto out;	/* nothing valid: nothing was committed */
	if (v->ro) {
		ret = -EROFS;
		goto out;
	}
	/* From the tail to the head, in order. */
	for (uint32_t pos = best.tail, k = 0; !ret && k < best.count; k++) {
		struct vhdx_log_entry e;

		ret = log_entry_at(log, len, pos, g, &e, d, max);
		if (!ret)
			ret = log_apply(v, &e, d, file_size);
		if (!ret && e.last_off > file_size)
			file_size = e.last_off;
		pos = (uint32_t)((pos + e.length) % len);
		v->replayed++;
	}
	if (!ret)
		ret = vhdx_sync(v->fd);
out:
	free(slot);
	free(log);
	free(d);
	return ret;
}

/*
 * Commit @n 4 KiB pages (@pages, each to @offs[i]) through the log:
 * entry, fdatasync, apply, fdatasync. Each entry is a sequence of its own
 * (its tail is itself): everything before it was applied and synced.
 */
static int vhdx_log_commit(struct vhdx *v, const uint8_t *const *pages, const uint64_t *offs,
			   uint32_t n)
{
	struct vhdx_log_desc d[4];
	struct vhdx_log_entry e = { .ndesc = n, .log_guid = v->vi.hdr.log_guid };
	uint32_t size = vhdx_log_entry_size(n, 0);
	uint8_t *buf;
	struct stat st;
	int ret;

	if (n > 4 || size > v->vi.hdr.log_length)
		return -ENOSPC;
	if (fstat(v->fd, &st) < 0)
		return -errno;
	if (v->log_pos + size > v->vi.hdr.log_length)
		v->log_pos = 0;
	for (uint32_t i = 0; i < n; i++)
		d[i] = (struct vhdx_log_desc){ .off = offs[i], .len = VHDX_LOG_SECTOR, .data = pages[i] };
	e.tail = v->log_pos;
	e.seq = ++v->log_seq;
	e.flushed_off = (uint64_t)st.st_size;
	e.last_off = (uint64_t)st.st_size;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	vhdx_log_build(buf, &e, d);
	ret = vhd_pwrite(v->fd, buf, size, v->vi.hdr.log_offset + v->log_pos);
	free(buf);
	if (!ret)
		ret = vhdx_sync(v->fd);
	if (ret)
		return ret;
	v->log_pos += size;
	if (v->stop_before_apply)
		return 0;
	for (uint32_t i = 0; !ret && i < n; i++)
		ret = vhd_pwrite(v->fd, pages[i], VHDX_LOG_SECTOR, offs[i]);
	if (!ret)
		ret = vhdx_sync(v->fd);
	return ret;
}

/*
 * Before the first change of a session: new GUIDs, and a log to write to.
 * @data: the disk's data will change (a new DataWriteGuid, which its
 * children no longer match); compact changes only where it is kept.
 */
static int vhdx_begin_change_as(struct vhdx *v, bool data)
{
	struct vhdx_header h = v->vi.hdr;
	int ret;

	if (v->changed)
		return 0;
	if (!h.log_length)
		return -EROFS;	/* no log: we cannot change it safely */
	vhdx_guid_random(&h.file_write);
	if (data)
		vhdx_guid_random(&h.data_write);
	vhdx_guid_random(&h.log_guid);
	ret = vhdx_header_update(v, &h);
	if (ret)
		return ret;
	v->changed = true;
	v->log_pos = 0;
	v->log_seq = 0;
	return 0;
}

static int vhdx_begin_change(struct vhdx *v)
{
	return vhdx_begin_change_as(v, true);
}

/* The BAT page holding entry @idx as it is in memory; returns its file offset. */
static uint64_t vhdx_bat_page(const struct vhdx *v, uint32_t idx, uint8_t page[VHDX_LOG_SECTOR])
{
	uint32_t first = idx / (VHDX_LOG_SECTOR / 8) * (VHDX_LOG_SECTOR / 8);

	for (uint32_t i = 0; i < VHDX_LOG_SECTOR / 8; i++)
		vhdx_put_le64(page + i * 8, first + i < v->vi.bat_entries ? v->bat[first + i] : 0);
	return v->vi.bat_off + (uint64_t)first * 8;
}

/* The BAT page holding entry @idx, through the log. */
static int vhdx_commit_bat(struct vhdx *v, uint32_t idx)
{
	uint8_t page[VHDX_LOG_SECTOR];
	const uint8_t *pages[1] = { page };
	uint64_t off = vhdx_bat_page(v, idx, page);

	return vhdx_log_commit(v, pages, &off, 1);
}

/* ---- open ------------------------------------------------------------------- */

static struct vhdx *vhdx_open_at(int fd, const char *path, bool ro, const char *allow, int depth,
				 const struct vhdx *child);

static bool vhdx_linked(const struct vhdx *parent, const struct vhdx *child)
{
	char id[39];
	const char *l1 = vhdx_kv_get(&child->vi, "parent_linkage");
	const char *l2 = vhdx_kv_get(&child->vi, "parent_linkage2");

	vhdx_guid_str(&parent->vi.hdr.data_write, id);
	return (l1 && !strcasecmp(l1, id)) || (l2 && !strcasecmp(l2, id));
}

/* One candidate path (host form) for @v's parent: the parent, or NULL. */
static struct vhdx *vhdx_try_parent(struct vhdx *v, const char *cand, int depth)
{
	char full[PATH_MAX], real[PATH_MAX];
	const char *slash = strrchr(v->path, '/');
	struct vhdx *p;
	int fd;

	if (!cand[0])
		return NULL;
	if (cand[0] == '/' || !slash)
		snprintf(full, sizeof(full), "%s", cand);
	else if (snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - v->path), v->path, cand) >=
		 (int)sizeof(full))
		return NULL;
	if (!realpath(full, real) || !vhd_under(real, v->allow))
		return NULL;
	for (const struct vhdx *c = v; c; c = c->child)
		if (!strcmp(c->real, real))
			return NULL;	/* a loop */
	fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	p = vhdx_open_at(fd, real, true, v->allow, depth + 1, v);
	if (!p) {
		close(fd);
		return NULL;
	}
	if (!vhdx_linked(p, v) || p->vi.lsec != v->vi.lsec) {
		/* A sector bitmap's bits count the child's sectors: the parent's must be the same. */
		vhdx_close(p);
		return NULL;
	}
	return p;
}

static int vhdx_open_parent(struct vhdx *v, int depth)
{
	static const char *const keys[] = { "relative_path", "absolute_win32_path" };
	char host[VHDX_MAX_PATH];

	if (depth >= VHDX_MAX_CHAIN)
		return -ELOOP;
	if (!vhdx_kv_get(&v->vi, "parent_linkage") && !vhdx_kv_get(&v->vi, "parent_linkage2"))
		return -EINVAL;
	/* The paths as recorded, then their file names beside the child. */
	for (int pass = 0; pass < 2 && !v->parent; pass++) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && !v->parent; i++) {
			const char *val = vhdx_kv_get(&v->vi, keys[i]), *base;

			if (!val)
				continue;
			vhdx_host_path(val, host, sizeof(host));
			base = strrchr(host, '/');
			if (pass == 0)
				v->parent = vhdx_try_parent(v, host, depth);
			else if (base)
				v->parent = vhdx_try_parent(v, base + 1, depth);
		}
	}
	return v->parent ? 0 : -ENOENT;
}

static int vhdx_load(struct vhdx *v, uint64_t file_size)
{
	uint8_t *buf = malloc(VHDX_REGION_SIZE);
	uint8_t *h0, *h1, *meta = NULL;
	uint64_t end;
	uint32_t bad;
	int ret = -ENOMEM, slot;

	if (!buf)
		return -ENOMEM;
	h0 = malloc(2 * VHDX_HEADER_SIZE);
	if (!h0)
		goto out;
	h1 = h0 + VHDX_HEADER_SIZE;
	ret = vhd_pread(v->fd, buf, VHDX_REGION_SIZE, 0);
	if (ret)
		goto out;
	ret = -EINVAL;
	if (vhdx_file_id_parse(buf, VHDX_REGION_SIZE, v->vi.creator, sizeof(v->vi.creator)))
		goto out;
	slot = vhdx_header_pick(vhd_pread(v->fd, h0, VHDX_HEADER_SIZE, VHDX_HEADER_OFF(0)) ? NULL : h0,
				vhd_pread(v->fd, h1, VHDX_HEADER_SIZE, VHDX_HEADER_OFF(1)) ? NULL : h1,
				file_size, &v->vi.hdr);
	if (slot < 0)
		goto out;
	v->vi.cur = slot;
	ret = vhdx_replay(v, file_size);
	if (ret)
		goto out;
	if (!v->ro && !vhdx_guid_is_zero(&v->vi.hdr.log_guid)) {
		/* Replayed (or nothing valid in it): the log is empty now. */
		struct vhdx_header h = v->vi.hdr;
		struct stat st;

		memset(&h.log_guid, 0, sizeof(h.log_guid));
		ret = vhdx_header_update(v, &h);
		if (ret)
			goto out;
		if (fstat(v->fd, &st) < 0) {
			ret = -errno;
			goto out;
		}
		file_size = (uint64_t)st.st_size;
	}
	/* The first region table that is valid (they should be the same). */
	ret = -EINVAL;
	for (int i = 0; i < 2 && ret; i++) {
		if (vhd_pread(v->fd, buf, VHDX_REGION_SIZE, VHDX_REGION_OFF(i)))
			continue;
		ret = vhdx_region_parse(buf, file_size, &v->vi);
		if (ret == -ENOTSUP)
			goto out;
	}
	if (ret)
		goto out;
	ret = -EINVAL;
	if (v->vi.meta_len > VHDX_MAX_META)
		goto out;
	{
		/* The table, then only as much of the region as its items reach. */
		uint32_t need = VHDX_META_TABLE_SIZE;
		uint8_t *more;

		meta = malloc(need);
		if (!meta) {
			ret = -ENOMEM;
			goto out;
		}
		ret = vhd_pread(v->fd, meta, VHDX_META_TABLE_SIZE, v->vi.meta_off);
		if (!ret) {
			need = vhdx_meta_extent(&v->vi, meta);
			more = realloc(meta, need);
			if (more)
				meta = more;
			ret = !more ? -ENOMEM :
			      vhd_pread(v->fd, meta + VHDX_META_TABLE_SIZE, need - VHDX_META_TABLE_SIZE,
					v->vi.meta_off + VHDX_META_TABLE_SIZE);
		}
		if (!ret)
			ret = vhdx_meta_parse(meta, need, &v->vi);
	}
	if (ret)
		goto out;
	ret = -ENOMEM;
	v->bat = malloc((size_t)v->vi.bat_entries * 8);
	v->bm = malloc(v->vi.block_size / 512 / 8 + 8);
	if (!v->bat || !v->bm)
		goto out;
	ret = vhd_pread(v->fd, v->bat, (size_t)v->vi.bat_entries * 8, v->vi.bat_off);
	if (ret)
		goto out;
	for (uint32_t i = 0; i < v->vi.bat_entries; i++)
		v->bat[i] = vhdx_le64(&v->bat[i]);
	ret = -EINVAL;
	if (vhdx_bat_check(v->bat, &v->vi, file_size, &bad, &end, &v->used))
		goto out;
	v->file_end = round_mb(file_size > end ? file_size : end);
	v->meta_end = end;
	if (v->vi.bat_off + v->vi.bat_len > v->meta_end)
		v->meta_end = v->vi.bat_off + v->vi.bat_len;
	if (v->vi.meta_off + v->vi.meta_len > v->meta_end)
		v->meta_end = v->vi.meta_off + v->vi.meta_len;
	if (v->vi.hdr.log_offset + v->vi.hdr.log_length > v->meta_end)
		v->meta_end = v->vi.hdr.log_offset + v->vi.hdr.log_length;
	ret = 0;
out:
	free(meta);
	free(h0);
	free(buf);
	return ret;
}

static struct vhdx *vhdx_open_at(int fd, const char *path, bool ro, const char *allow, int depth,
				 const struct vhdx *child)
{
	struct vhdx *v = calloc(1, sizeof(*v));
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
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)VHDX_MB)
		goto fail;
	ret = vhdx_load(v, (uint64_t)st.st_size);
	if (ret)
		goto fail;
	if (v->vi.flags & VHDX_PARAM_HAS_PARENT) {
		ret = vhdx_open_parent(v, depth);
		if (ret)
			goto fail;
	}
	v->child = NULL;
	return v;
fail:
	if (v) {
		v->fd = -1;	/* the caller still owns it */
		v->changed = false;
		vhdx_close(v);
	}
	errno = -ret;
	return NULL;
}

struct vhdx *vhdx_open_fd(int fd, const char *path, bool ro, const char *parent_dir)
{
	char dir[PATH_MAX];

	if (vhd_parent_root(path, parent_dir, dir))
		return NULL;
	return vhdx_open_at(fd, path, ro, dir, 0, NULL);
}

struct vhdx *vhdx_open(const char *path, bool ro, const char *parent_dir)
{
	int fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC), err;
	struct vhdx *v;

	if (fd < 0)
		return NULL;
	v = vhdx_open_fd(fd, path, ro, parent_dir);
	if (!v) {
		err = errno;
		close(fd);
		errno = err;
	}
	return v;
}

static void vhdx_free(struct vhdx *v)
{
	if (v->fd >= 0)
		close(v->fd);
	pthread_mutex_destroy(&v->lock);
	vhdx_info_free(&v->vi);
	free(v->bat);
	free(v->bm);
	free(v->path);
	free(v->allow);
	free(v);
}

void vhdx_close(struct vhdx *v)
{
	if (!v)
		return;
	vhdx_close(v->parent);
	if (v->changed && v->fd >= 0 && !vhdx_sync(v->fd)) {
		/* Everything is applied and synced: the log is not needed. */
		struct vhdx_header h = v->vi.hdr;

		memset(&h.log_guid, 0, sizeof(h.log_guid));
		vhdx_header_update(v, &h);
	}
	vhdx_free(v);
}

void vhdx_abandon(struct vhdx *v)
{
	if (!v)
		return;
	vhdx_close(v->parent);
	vhdx_free(v);
}

void vhdx_test_stop_before_apply(struct vhdx *v, bool on) { v->stop_before_apply = on; }
const struct vhdx_info *vhdx_get_info(const struct vhdx *v) { return &v->vi; }
const struct vhdx *vhdx_parent(const struct vhdx *v) { return v->parent; }
const char *vhdx_path(const struct vhdx *v) { return v->path; }
uint32_t vhdx_used_blocks(const struct vhdx *v) { return v->used; }
unsigned int vhdx_replayed(const struct vhdx *v) { return v->replayed; }

enum vhdx_type vhdx_type(const struct vhdx *v)
{
	if (v->vi.flags & VHDX_PARAM_HAS_PARENT)
		return VHDX_DIFFERENCING;
	return v->vi.flags & VHDX_PARAM_LEAVE_ALLOCATED ? VHDX_FIXED : VHDX_DYNAMIC;
}

bool vhdx_probe(int fd)
{
	char sig[8];

	return pread(fd, sig, 8, 0) == 8 && !memcmp(sig, VHDX_FILE_ID_SIG, 8);
}

/* ---- read -------------------------------------------------------------------- */

static int vhdx_read_locked(struct vhdx *v, const struct iovec *iov, int cnt, uint64_t off);

/* What is not in @v: its parent's, or zeros. */
static int vhdx_read_below(struct vhdx *v, const struct iovec *iov, int cnt, uint64_t off)
{
	int ret;

	if (!v->parent) {
		disk_iov_zero(iov, cnt);
		return 0;
	}
	pthread_mutex_lock(&v->parent->lock);
	ret = vhdx_read_locked(v->parent, iov, cnt, off);
	pthread_mutex_unlock(&v->parent->lock);
	return ret;
}

/* A partially present block's bytes [@pos, +@n): the sector bitmap says whose. */
static int vhdx_read_partial(struct vhdx *v, uint32_t blk, const struct iovec *sl, int k,
			     uint64_t pos, size_t n, struct iovec *sub)
{
	uint64_t sb = v->bat[vhdx_bat_bitmap(&v->vi, blk)], lsec = v->vi.lsec;
	uint64_t data = VHDX_BAT_OFF(v->bat[vhdx_bat_payload(&v->vi, blk)]);
	uint64_t s0 = pos / lsec, s1 = (pos + n + lsec - 1) / lsec;
	uint64_t per_sb = (uint64_t)VHDX_SB_BLOCK * 8;	/* sectors one bitmap block covers */
	uint64_t first = s0 % per_sb, b0 = first / 8, b1 = (s1 - 1) % per_sb / 8 + 1;
	uint64_t in0 = pos % v->vi.block_size;
	int ret = 0;

	if (VHDX_BAT_STATE(sb) != VHDX_SB_PRESENT)
		return vhdx_read_below(v, sl, k, pos);
	ret = vhd_pread(v->fd, v->bm, (size_t)(b1 - b0), VHDX_BAT_OFF(sb) + b0);
	for (uint64_t p = pos; !ret && p < pos + n;) {
		uint64_t s = p / lsec, bit = s % per_sb - b0 * 8;
		uint64_t run = vhdx_bitmap_run(v->bm, bit, s1 - s0 + (first - b0 * 8));
		uint64_t q = (s + run) * lsec < pos + n ? (s + run) * lsec : pos + n;
		int m = disk_iov_slice(sl, k, (size_t)(p - pos), (size_t)(q - p), sub);

		if (vhdx_bit(v->bm, bit))
			ret = vhd_pio(v->fd, sub, m, data + in0 + (p - pos), false);
		else
			ret = vhdx_read_below(v, sub, m, p);
		p = q;
	}
	return ret;
}

static int vhdx_read_locked(struct vhdx *v, const struct iovec *iov, int cnt, uint64_t off)
{
	size_t len = disk_iov_total(iov, cnt), done = 0;
	struct iovec *sl;
	int ret = 0;

	sl = malloc(2 * (size_t)cnt * sizeof(*sl));
	if (!sl)
		return -ENOMEM;
	while (!ret && done < len) {
		uint64_t pos = off + done, bs = v->vi.block_size, in = pos % bs, e;
		uint32_t blk = (uint32_t)(pos / bs);
		size_t n = bs - in < len - done ? (size_t)(bs - in) : len - done;
		int k;

		if (pos >= v->vi.size) {
			/* A parent smaller than its child reads as zeros beyond its end. */
			k = disk_iov_slice(iov, cnt, done, len - done, sl);
			disk_iov_zero(sl, k);
			break;
		}
		if (n > v->vi.size - pos)
			n = (size_t)(v->vi.size - pos);
		k = disk_iov_slice(iov, cnt, done, n, sl);
		e = v->bat[vhdx_bat_payload(&v->vi, blk)];
		switch (VHDX_BAT_STATE(e)) {
		case VHDX_PB_FULLY_PRESENT:
			ret = vhd_pio(v->fd, sl, k, VHDX_BAT_OFF(e) + in, false);
			break;
		case VHDX_PB_PARTIALLY_PRESENT:
			ret = vhdx_read_partial(v, blk, sl, k, pos, n, sl + cnt);
			break;
		case VHDX_PB_ZERO:
		case VHDX_PB_UNMAPPED:
		case VHDX_PB_UNMAPPED_OLD:
			disk_iov_zero(sl, k);
			break;
		default:	/* not present, undefined: the parent's */
			ret = vhdx_read_below(v, sl, k, pos);
			break;
		}
		done += n;
	}
	free(sl);
	return ret;
}

int vhdx_readv(struct vhdx *v, const struct iovec *iov, int cnt, uint64_t off)
{
	int ret;

	if (off % 512 || disk_iov_total(iov, cnt) % 512)
		return -EINVAL;
	pthread_mutex_lock(&v->lock);
	ret = vhdx_read_locked(v, iov, cnt, off);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

/* ---- write ------------------------------------------------------------------- */

/*
 * Make block @blk FULLY_PRESENT holding the bytes [@in, +@n) of @sl (order:
 * vhdx.h). A differencing disk's block is first filled with what it reads
 * as now (the parent's, or a partially present block's own sectors).
 */
static int vhdx_alloc_write(struct vhdx *v, uint32_t blk, uint64_t in, size_t n,
			    const struct iovec *sl, int k)
{
	uint32_t idx = vhdx_bat_payload(&v->vi, blk);
	uint64_t old = v->bat[idx], bs = v->vi.block_size, base;
	bool partial = VHDX_BAT_STATE(old) == VHDX_PB_PARTIALLY_PRESENT;
	bool fill = v->parent && (VHDX_BAT_STATE(old) == VHDX_PB_NOT_PRESENT ||
				  VHDX_BAT_STATE(old) == VHDX_PB_UNDEFINED || partial);
	int ret;

	base = partial ? VHDX_BAT_OFF(old) : v->file_end;
	if (base + bs > VHDX_MAX_REPLAY_END)
		return -ENOSPC;
	if (fill) {
		uint8_t *buf = malloc(bs);
		struct iovec whole = { buf, bs };
		uint64_t start = (uint64_t)blk * bs;

		if (!buf)
			return -ENOMEM;
		/* The last block may run past the disk's end: that part reads zeros. */
		ret = vhdx_read_locked(v, &whole, 1, start);
		if (!ret)
			ret = vhd_pwrite(v->fd, buf, bs, base);
		free(buf);
		if (ret)
			return ret;
	} else if (ftruncate(v->fd, (off_t)(base + bs)) < 0) {
		return -errno;	/* the rest of a new block reads zeros: it is a hole */
	}
	ret = vhd_pio(v->fd, sl, k, base + in, true);
	if (!ret)
		ret = vhdx_sync(v->fd);
	if (ret)
		return ret;
	if (!partial)
		v->file_end = base + bs;
	v->bat[idx] = VHDX_BAT_ENTRY(base, VHDX_PB_FULLY_PRESENT);
	ret = vhdx_commit_bat(v, idx);
	if (ret) {
		v->bat[idx] = old;	/* leaked; never half-used */
		return ret;
	}
	v->used += !partial;
	return 0;
}

/*
 * A differencing disk's write of whole sectors [@in, +@n) into block @blk,
 * not present or partially present, with its sector bitmap block present:
 * the block stays (or becomes) PARTIALLY_PRESENT and its bitmap says which
 * sectors are now the child's (order: vhdx.h). @n spans at most two
 * bitmap pages (the caller's cap).
 */
static int vhdx_bitmap_write(struct vhdx *v, uint32_t blk, uint64_t in, size_t n,
			     const struct iovec *sl, int k)
{
	uint32_t idx = vhdx_bat_payload(&v->vi, blk);
	uint64_t old = v->bat[idx], bs = v->vi.block_size, lsec = v->vi.lsec;
	uint64_t sbo = VHDX_BAT_OFF(v->bat[vhdx_bat_bitmap(&v->vi, blk)]);
	uint64_t per_sb = (uint64_t)VHDX_SB_BLOCK * 8;
	uint64_t bit0 = ((uint64_t)blk * bs + in) / lsec % per_sb, nbits = n / lsec;
	uint64_t pg0 = bit0 / 8 / VHDX_LOG_SECTOR, npg = (bit0 + nbits - 1) / 8 / VHDX_LOG_SECTOR - pg0 + 1;
	bool fresh = VHDX_BAT_STATE(old) != VHDX_PB_PARTIALLY_PRESENT, all = !fresh, full;
	uint8_t pg[3][VHDX_LOG_SECTOR];
	const uint8_t *pages[3] = { pg[0], pg[1], pg[2] };
	uint64_t offs[3], base = fresh ? v->file_end : VHDX_BAT_OFF(old);
	uint32_t np = (uint32_t)npg;
	int ret;

	if (npg > 2)
		return -EINVAL;	/* the caller caps @n */
	for (uint32_t i = 0; i < np; i++) {
		offs[i] = sbo + (pg0 + i) * VHDX_LOG_SECTOR;
		ret = vhd_pread(v->fd, pg[i], VHDX_LOG_SECTOR, offs[i]);
		if (ret)
			return ret;
	}
	for (uint64_t b = 0; all && b < nbits; b++) {
		uint64_t x = bit0 + b - pg0 * 8 * VHDX_LOG_SECTOR;

		all = vhdx_bit(pg[x / 8 / VHDX_LOG_SECTOR], x % (8 * VHDX_LOG_SECTOR));
	}
	if (all)	/* every sector is the child's already: in place */
		return vhd_pio(v->fd, sl, k, base + in, true);
	if (fresh) {
		/*
		 * Bits a block not present may still have (compact freed it when it
		 * was all the child's, or the file came so) are not the new block's:
		 * cleared (its bits are in this page: vhdx_use_bitmap).
		 */
		uint64_t first = (uint64_t)blk * bs / lsec % per_sb - pg0 * 8 * VHDX_LOG_SECTOR;

		for (uint64_t x = first; x < first + bs / lsec; x++)
			pg[0][x / 8] &= (uint8_t)~(1u << (x & 7));
		if (base + bs > VHDX_MAX_REPLAY_END)
			return -ENOSPC;
		/* The sectors the bitmap does not claim are never read: a hole. */
		if (ftruncate(v->fd, (off_t)(base + bs)) < 0)
			return -errno;
	}
	/* 1. the data where no bit points yet; 2. synced; 3. bits (and BAT) through the log. */
	ret = vhd_pio(v->fd, sl, k, base + in, true);
	if (!ret)
		ret = vhdx_sync(v->fd);
	if (ret)
		return ret;
	for (uint64_t b = 0; b < nbits; b++) {
		uint64_t x = bit0 + b - pg0 * 8 * VHDX_LOG_SECTOR;

		pg[x / 8 / VHDX_LOG_SECTOR][x / 8 % VHDX_LOG_SECTOR] |= (uint8_t)(1u << (x & 7));
	}
	/*
	 * Every sector of the block the child's now (a block written piece by
	 * piece, as convert does): fully present, read without the bitmap.
	 * Only a block inside the disk whose bits lie in the pages read.
	 */
	{
		uint64_t first = (uint64_t)blk * bs / lsec % per_sb - pg0 * 8 * VHDX_LOG_SECTOR;
		uint64_t count = bs / lsec;

		full = (uint64_t)(blk + 1) * bs <= v->vi.size &&
		       (uint64_t)blk * bs / lsec % per_sb >= pg0 * 8 * VHDX_LOG_SECTOR &&
		       first + count <= (uint64_t)np * 8 * VHDX_LOG_SECTOR;
		for (uint64_t x = first; full && x < first + count; x++)
			full = vhdx_bit(pg[x / 8 / VHDX_LOG_SECTOR], x % (8 * VHDX_LOG_SECTOR));
	}
	if (fresh || full) {
		v->bat[idx] = VHDX_BAT_ENTRY(base, full ? VHDX_PB_FULLY_PRESENT : VHDX_PB_PARTIALLY_PRESENT);
		offs[np] = vhdx_bat_page(v, idx, pg[np]);
		np++;
	}
	ret = vhdx_log_commit(v, pages, offs, np);
	if (ret) {
		v->bat[idx] = old;	/* leaked; never half-used */
		return ret;
	}
	if (fresh) {
		v->file_end = base + bs;
		v->used++;
	}
	return 0;
}

/* Does a write of [@in, +@n) into block @blk go through its sector bitmap? */
static bool vhdx_use_bitmap(const struct vhdx *v, uint32_t blk, uint64_t in, size_t n)
{
	unsigned int st = VHDX_BAT_STATE(v->bat[vhdx_bat_payload(&v->vi, blk)]);
	uint64_t bs = v->vi.block_size, whole = bs;

	/* A block's bits within one bitmap page: blocks up to 16 MiB (of 512-byte sectors). */
	if (!v->parent || bs / v->vi.lsec > 8 * VHDX_LOG_SECTOR ||
	    VHDX_BAT_STATE(v->bat[vhdx_bat_bitmap(&v->vi, blk)]) != VHDX_SB_PRESENT ||
	    (st != VHDX_PB_NOT_PRESENT && st != VHDX_PB_UNDEFINED && st != VHDX_PB_PARTIALLY_PRESENT))
		return false;
	if (v->vi.size - (uint64_t)blk * bs < whole)
		whole = v->vi.size - (uint64_t)blk * bs;
	return in || n < whole;	/* a whole block is simply fully present */
}

static int vhdx_write_locked(struct vhdx *v, const struct iovec *iov, int cnt, uint64_t off)
{
	size_t len = disk_iov_total(iov, cnt), done = 0;
	/* Sectors one bitmap page covers: a write's piece spans at most two. */
	size_t cap = (size_t)v->vi.lsec * 8 * VHDX_LOG_SECTOR;
	struct iovec *sl;
	int ret = vhdx_begin_change(v);

	if (ret)
		return ret;
	sl = malloc((size_t)cnt * sizeof(*sl));
	if (!sl)
		return -ENOMEM;
	while (!ret && done < len) {
		uint64_t pos = off + done, bs = v->vi.block_size, in = pos % bs, e;
		uint32_t blk = (uint32_t)(pos / bs);
		size_t n = bs - in < len - done ? (size_t)(bs - in) : len - done;
		bool bitmap = vhdx_use_bitmap(v, blk, in, n);
		int k;

		if (bitmap && n > cap)
			n = cap;
		k = disk_iov_slice(iov, cnt, done, n, sl);
		e = v->bat[vhdx_bat_payload(&v->vi, blk)];
		if (VHDX_BAT_STATE(e) == VHDX_PB_FULLY_PRESENT)
			ret = vhd_pio(v->fd, sl, k, VHDX_BAT_OFF(e) + in, true);
		else if (bitmap)
			ret = vhdx_bitmap_write(v, blk, in, n, sl, k);
		else
			ret = vhdx_alloc_write(v, blk, in, n, sl, k);
		done += n;
	}
	free(sl);
	return ret;
}

static int vhdx_may_change(const struct vhdx *v, uint64_t off, uint64_t len)
{
	if (v->ro)
		return -EROFS;
	if (off % v->vi.lsec || len % v->vi.lsec || off > v->vi.size || len > v->vi.size - off)
		return -EINVAL;
	return 0;
}

int vhdx_writev(struct vhdx *v, const struct iovec *iov, int cnt, uint64_t off, bool fua)
{
	int ret = vhdx_may_change(v, off, disk_iov_total(iov, cnt));

	if (ret)
		return ret;
	pthread_mutex_lock(&v->lock);
	ret = vhdx_write_locked(v, iov, cnt, off);
	if (!ret && fua)
		ret = vhdx_sync(v->fd);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

int vhdx_flush(struct vhdx *v)
{
	return v->ro ? 0 : vhdx_sync(v->fd);
}

/* Zeros in place over [@at, +@len) of the file: a hole, or written. */
static int vhdx_zero_in_place(struct vhdx *v, uint64_t at, uint64_t len)
{
	static const uint8_t z[64 << 10];
	int ret = 0;

	if (!fallocate(v->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)at, (off_t)len))
		return 0;
	for (uint64_t k = 0; !ret && k < len; k += sizeof(z))
		ret = vhd_pwrite(v->fd, z, len - k < sizeof(z) ? len - k : sizeof(z), at + k);
	return ret;
}

/* Zeros through the write path (a child must hide its parent's data). */
static int vhdx_write_zeros(struct vhdx *v, uint64_t off, uint64_t len)
{
	static uint8_t zero[64 << 10];
	int ret = 0;

	while (!ret && len) {
		struct iovec iov = { zero, len < sizeof(zero) ? len : sizeof(zero) };

		ret = vhdx_write_locked(v, &iov, 1, off);
		off += iov.iov_len;
		len -= iov.iov_len;
	}
	return ret;
}

static int vhdx_discard_locked(struct vhdx *v, uint64_t off, uint64_t len)
{
	int ret = vhdx_begin_change(v);

	while (!ret && len) {
		uint64_t bs = v->vi.block_size, in = off % bs, n = bs - in < len ? bs - in : len;
		uint32_t blk = (uint32_t)(off / bs), idx = vhdx_bat_payload(&v->vi, blk);
		uint64_t e = v->bat[idx];
		bool whole = !in && (n == bs || off + n == v->vi.size);

		if (VHDX_BAT_STATE(e) == VHDX_PB_FULLY_PRESENT) {
			if (whole && vhdx_type(v) == VHDX_DYNAMIC) {
				/* Free the block: unreferenced first (through the log), then punched. */
				v->bat[idx] = VHDX_BAT_ENTRY(0, VHDX_PB_NOT_PRESENT);
				ret = vhdx_commit_bat(v, idx);
				if (ret) {
					v->bat[idx] = e;
					break;
				}
				v->used--;
				fallocate(v->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					  (off_t)VHDX_BAT_OFF(e), (off_t)bs);	/* a hint */
			} else {
				ret = vhdx_zero_in_place(v, VHDX_BAT_OFF(e) + in, n);
			}
		} else if (v->parent) {
			ret = vhdx_write_zeros(v, off, n);
		}
		/* Dynamic and not present: already reads as zeros. */
		off += n;
		len -= n;
	}
	return ret;
}

int vhdx_discard(struct vhdx *v, uint64_t off, uint64_t len)
{
	int ret = vhdx_may_change(v, off, len);

	if (ret)
		return ret;
	pthread_mutex_lock(&v->lock);
	ret = vhdx_discard_locked(v, off, len);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

/* ---- create ------------------------------------------------------------------ */

static int vhdx_parent_kv(struct vhdx_info *vi, const char *path, const char *preal,
			  const struct vhdx *parent)
{
	char cdir[PATH_MAX], *slash;
	size_t d;

	vi->kv = calloc(3, sizeof(*vi->kv));
	if (!vi->kv)
		return -ENOMEM;
	snprintf(vi->kv[0].key, sizeof(vi->kv[0].key), "parent_linkage");
	vhdx_guid_str(&parent->vi.hdr.data_write, vi->kv[0].value);
	snprintf(vi->kv[1].key, sizeof(vi->kv[1].key), "absolute_win32_path");
	snprintf(vi->kv[1].value, sizeof(vi->kv[1].value), "%s", preal);
	vi->nkv = 2;
	/* Relative to the child's directory when the parent is in or under it. */
	if (!realpath(path, cdir))
		return -errno;
	slash = strrchr(cdir, '/');
	if (slash)
		*slash = '\0';
	d = strlen(cdir);
	if (!strncmp(preal, cdir, d) && preal[d] == '/') {
		snprintf(vi->kv[2].key, sizeof(vi->kv[2].key), "relative_path");
		snprintf(vi->kv[2].value, sizeof(vi->kv[2].value), ".\\%s", preal + d + 1);
		vi->nkv = 3;
	}
	for (unsigned int i = 1; i < vi->nkv; i++)
		for (char *p = vi->kv[i].value; *p; p++)
			if (*p == '/')
				*p = '\\';
	return 0;
}

int vhdx_create(const char *path, const struct vhdx_create_opts *o, const char **why)
{
	struct vhdx_info vi = {
		.size = o->size,
		.lsec = o->logical_sector ? o->logical_sector : 512,
		.psec = o->physical_sector ? o->physical_sector : 4096,
	};
	uint8_t *buf = NULL;
	char preal[PATH_MAX], cdir[PATH_MAX];
	uint64_t data;
	int fd = -1, ret;

	*why = NULL;
	vi.block_size = o->block_size ? o->block_size :
			o->type == VHDX_DIFFERENCING ? VHDX_DEFAULT_DIFF_BLOCK : VHDX_DEFAULT_BLOCK;
	if (o->type == VHDX_DIFFERENCING) {
		struct vhdx *parent;

		if (!o->parent || !realpath(o->parent, preal)) {
			*why = "the parent cannot be found";
			return -ENOENT;
		}
		if (realpath(path, cdir) && !strcmp(cdir, preal)) {
			*why = "an image cannot be its own parent";
			return -EINVAL;
		}
		parent = vhdx_open(preal, true, "/");
		if (!parent) {
			*why = "the parent is not a VHDX that opens";
			return -errno;
		}
		if ((o->logical_sector && o->logical_sector != parent->vi.lsec) ||
		    (o->physical_sector && o->physical_sector != parent->vi.psec)) {
			vhdx_close(parent);
			*why = "a differencing disk has its parent's sector sizes";
			return -EINVAL;
		}
		vi.size = parent->vi.size;
		vi.lsec = parent->vi.lsec;
		vi.psec = parent->vi.psec;
		vi.flags = VHDX_PARAM_HAS_PARENT;
		/* The path's directory must exist before the relative path is computed. */
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		ret = fd < 0 ? -errno : vhdx_parent_kv(&vi, path, preal, parent);
		vhdx_close(parent);
		if (ret) {
			*why = "cannot create the file";
			goto out;
		}
	} else if (o->type == VHDX_FIXED) {
		vi.flags = VHDX_PARAM_LEAVE_ALLOCATED;
	}
	ret = -EINVAL;
	if ((vi.lsec != 512 && vi.lsec != 4096) || (vi.psec != 512 && vi.psec != 4096)) {
		*why = "the logical and physical sector sizes are 512 or 4096 bytes";
		goto out;
	}
	if (!vi.size || vi.size % vi.lsec || vi.size > VHDX_MAX_SIZE) {
		*why = "the size must be a non-zero multiple of the logical sector, at most 64 TiB";
		goto out;
	}
	if (vhdx_geometry(&vi)) {
		*why = "block_size must be a power of two from 1 MiB to 256 MiB";
		goto out;
	}
	vhdx_guid_random(&vi.page83);
	vi.hdr = (struct vhdx_header){ .version = 1, .log_length = VHDX_MB, .log_offset = VHDX_MB };
	vhdx_guid_random(&vi.hdr.file_write);
	vhdx_guid_random(&vi.hdr.data_write);
	if (o->data_write)
		vi.hdr.data_write = *o->data_write;
	if (o->page83)
		vi.page83 = *o->page83;
	vi.meta_off = 2 * VHDX_MB;
	vi.meta_len = VHDX_MB;
	vi.bat_off = 3 * VHDX_MB;
	vi.bat_len = (uint32_t)round_mb((uint64_t)vi.bat_entries * 8);
	data = vi.bat_off + vi.bat_len;
	if (fd < 0)
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		*why = "cannot create the file";
		ret = -errno;
		goto out;
	}
	ret = -ENOMEM;
	buf = calloc(1, vi.bat_len > VHDX_MB ? vi.bat_len : VHDX_MB);
	if (!buf)
		goto out;
	vhdx_file_id_build(buf, "ovb-img");
	ret = vhd_pwrite(fd, buf, 64 * VHDX_KB, 0);
	for (int i = 0; !ret && i < 2; i++) {
		vi.hdr.seq = (uint64_t)i;
		vhdx_header_build(buf, &vi.hdr);
		ret = vhd_pwrite(fd, buf, VHDX_HEADER_SIZE, VHDX_HEADER_OFF(i));
	}
	vhdx_region_build(buf, &vi);
	for (int i = 0; !ret && i < 2; i++)
		ret = vhd_pwrite(fd, buf, VHDX_REGION_SIZE, VHDX_REGION_OFF(i));
	if (!ret)
		ret = vhdx_meta_build(buf, VHDX_MB, &vi);
	if (!ret)
		ret = vhd_pwrite(fd, buf, VHDX_MB, vi.meta_off);
	if (ret)
		goto out;
	memset(buf, 0, vi.bat_len);
	if (o->type == VHDX_FIXED) {
		for (uint32_t b = 0; b < vi.payload_blocks; b++)
			vhdx_put_le64(buf + (size_t)vhdx_bat_payload(&vi, b) * 8,
				      VHDX_BAT_ENTRY(data + (uint64_t)b * vi.block_size,
						     VHDX_PB_FULLY_PRESENT));
		data += (uint64_t)vi.payload_blocks * vi.block_size;
	} else if (o->type == VHDX_DIFFERENCING) {
		/*
		 * Zeroed (sparse) sector bitmap blocks for every chunk: we never
		 * set a bit (blocks we write are fully present), but libvhdi
		 * reads a not-present block's bitmap from file offset 0 when its
		 * chunk has none, and takes the file identifier's bits as "here".
		 */
		for (uint32_t c = 0; c < vi.bitmap_blocks; c++)
			vhdx_put_le64(buf + ((size_t)c * (vi.chunk_ratio + 1) + vi.chunk_ratio) * 8,
				      VHDX_BAT_ENTRY(data + (uint64_t)c * VHDX_SB_BLOCK, VHDX_SB_PRESENT));
		data += (uint64_t)vi.bitmap_blocks * VHDX_SB_BLOCK;
	}
	ret = vhd_pwrite(fd, buf, vi.bat_len, vi.bat_off);
	if (!ret && ftruncate(fd, (off_t)data) < 0)
		ret = -errno;
	if (!ret && fsync(fd) < 0)
		ret = -errno;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	vhdx_info_free(&vi);
	if (ret && !*why)
		*why = "cannot write the image";
	return ret;
}

/* ---- check -------------------------------------------------------------------- */

static void vhdx_check_err(struct vhdx_check_result *r, const char *msg)
{
	if (!r->errors++)
		snprintf(r->first_error, sizeof(r->first_error), "%s", msg);
}

int vhdx_check(const char *path, const char *parent_dir, bool repair,
	       struct vhdx_check_result *r)
{
	struct vhdx *v;
	struct stat st;

	memset(r, 0, sizeof(*r));
	if (stat(path, &st) < 0)
		return -errno;
	if (repair) {
		/* A writable open replays the log (and clears it). */
		v = vhdx_open(path, false, parent_dir);
		if (v) {
			r->replayed = v->replayed;
			vhdx_close(v);
		}
	}
	v = vhdx_open(path, true, parent_dir);
	if (!v) {
		if (errno == EROFS)
			r->log_pending = true;
		else
			vhdx_check_err(r, errno == ENOENT ? "the parent chain does not open (missing or not matching)" :
					  errno == ENOTSUP ? "the image needs a feature we do not know (a required region or item)" :
					  "the metadata is invalid (headers, regions, metadata or BAT)");
		return 0;
	}
	r->used_blocks = v->used;
	/* Space past everything referenced: a block whose BAT entry never committed. */
	if (vhdx_type(v) != VHDX_FIXED && (uint64_t)st.st_size > round_mb(v->meta_end))
		r->leaked_bytes = (uint64_t)st.st_size - round_mb(v->meta_end);
	vhdx_close(v);
	return 0;
}

/* ---- resize, compact, commit ------------------------------------------------- */

/*
 * Everything so far applied and synced: clear the log (LogGuid zero)
 * before the file is cut, or a replay would find the file shorter than
 * its entries' FlushedFileOffset and refuse. The next change starts anew.
 */
static int vhdx_end_change(struct vhdx *v)
{
	struct vhdx_header h = v->vi.hdr;
	int ret;

	if (!v->changed)
		return 0;
	ret = vhdx_sync(v->fd);
	memset(&h.log_guid, 0, sizeof(h.log_guid));
	if (!ret)
		ret = vhdx_header_update(v, &h);
	if (!ret)
		v->changed = false;
	return ret;
}

/* The end of the highest region or block the BAT references. */
static uint64_t vhdx_extent(const struct vhdx *v)
{
	uint64_t end = v->vi.hdr.log_offset + v->vi.hdr.log_length;

	if (v->vi.meta_off + v->vi.meta_len > end)
		end = v->vi.meta_off + v->vi.meta_len;
	if (v->vi.bat_off + v->vi.bat_len > end)
		end = v->vi.bat_off + v->vi.bat_len;
	for (uint32_t i = 0; i < v->vi.bat_entries; i++) {
		bool sb = i % (v->vi.chunk_ratio + 1) == v->vi.chunk_ratio;
		unsigned int st = VHDX_BAT_STATE(v->bat[i]);
		uint64_t x = VHDX_BAT_OFF(v->bat[i]) + (sb ? VHDX_SB_BLOCK : v->vi.block_size);

		if ((sb ? st == VHDX_SB_PRESENT :
		     st == VHDX_PB_FULLY_PRESENT || st == VHDX_PB_PARTIALLY_PRESENT) && x > end)
			end = x;
	}
	return round_mb(end);
}

/* Cut the file after the last thing referenced (the log cleared first). */
static int vhdx_cut(struct vhdx *v)
{
	uint64_t end = vhdx_extent(v);
	struct stat st;
	int ret = vhdx_end_change(v);

	if (ret)
		return ret;
	if (fstat(v->fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size > end && ftruncate(v->fd, (off_t)end) < 0)
		return -errno;
	v->file_end = end;
	v->meta_end = end;
	return vhdx_sync(v->fd);
}

/* The metadata's VirtualDiskSize through the log: a crash leaves the old size or the new. */
static int vhdx_commit_size(struct vhdx *v, uint64_t size)
{
	uint8_t *table = malloc(VHDX_META_TABLE_SIZE), *pg = NULL;
	const uint8_t *pages[2];
	uint64_t offs[2], at;
	uint32_t off, len, first, n;
	int ret = -ENOMEM;

	if (!table)
		return -ENOMEM;
	ret = vhd_pread(v->fd, table, VHDX_META_TABLE_SIZE, v->vi.meta_off);
	if (!ret)
		ret = vhdx_meta_find(table, v->vi.meta_len, &vhdx_guid_disk_size, &off, &len);
	if (!ret && len < 8)
		ret = -EINVAL;
	if (ret)
		goto out;
	/* The item's page (two, if its 8 bytes straddle one's end). */
	at = v->vi.meta_off + off;
	first = (uint32_t)(at % VHDX_LOG_SECTOR);
	n = first + 8 > VHDX_LOG_SECTOR ? 2 : 1;
	ret = -ENOMEM;
	pg = malloc(2 * VHDX_LOG_SECTOR);
	if (!pg)
		goto out;
	ret = vhd_pread(v->fd, pg, n * VHDX_LOG_SECTOR, at - first);
	if (ret)
		goto out;
	vhdx_put_le64(pg + first, size);
	for (uint32_t i = 0; i < n; i++) {
		pages[i] = pg + i * VHDX_LOG_SECTOR;
		offs[i] = at - first + (uint64_t)i * VHDX_LOG_SECTOR;
	}
	ret = vhdx_log_commit(v, pages, offs, n);
out:
	free(pg);
	free(table);
	return ret;
}

/* The new size's geometry (@n, from vhdx_geometry) into @v, once its size is committed. */
static void vhdx_take_geometry(struct vhdx *v, const struct vhdx_info *n)
{
	v->vi.size = n->size;
	v->vi.payload_blocks = n->payload_blocks;
	v->vi.bitmap_blocks = n->bitmap_blocks;
	v->vi.bat_entries = n->bat_entries;
}

static int vhdx_resize_locked(struct vhdx *v, uint64_t size, const char **why)
{
	struct vhdx_info n = v->vi;
	uint64_t old = v->vi.size, bs = v->vi.block_size;
	uint32_t oe = v->vi.bat_entries, ne;
	uint64_t *nb;
	int ret;

	n.kv = NULL;
	n.nkv = 0;
	n.size = size;
	if (vhdx_geometry(&n)) {
		*why = "the size must be a non-zero multiple of the logical sector, at most 64 TiB";
		return -EINVAL;
	}
	ne = n.bat_entries;
	if ((uint64_t)ne * 8 > v->vi.bat_len) {
		*why = "the BAT region has no room for that many blocks (convert to a new image instead)";
		return -ENOSPC;
	}
	ret = vhdx_begin_change(v);
	if (ret)
		return ret;
	if (size < old) {
		/* The size first: nothing reads past it; then the blocks there go. */
		ret = vhdx_commit_size(v, size);
		if (ret)
			return ret;
		vhdx_take_geometry(v, &n);
		v->used = 0;
		for (uint32_t b = 0; b < n.payload_blocks; b++)
			v->used += VHDX_BAT_STATE(v->bat[vhdx_bat_payload(&n, b)]) == VHDX_PB_FULLY_PRESENT ||
				   VHDX_BAT_STATE(v->bat[vhdx_bat_payload(&n, b)]) == VHDX_PB_PARTIALLY_PRESENT;
		/* Past the entries in use: the dropped ones zeroed (a later grow reads zeros). */
		{
			static const uint8_t z[VHDX_LOG_SECTOR];

			for (uint64_t k = (uint64_t)ne * 8; !ret && k < (uint64_t)oe * 8; k += sizeof(z)) {
				size_t m = (uint64_t)oe * 8 - k < sizeof(z) ? (size_t)((uint64_t)oe * 8 - k) : sizeof(z);

				ret = vhd_pwrite(v->fd, z, m, v->vi.bat_off + k);
			}
		}
		if (ret)
			return ret;
		for (uint32_t i = ne; i < oe; i++) {
			if (i % (n.chunk_ratio + 1) != n.chunk_ratio &&
			    VHDX_BAT_STATE(v->bat[i]) == VHDX_PB_FULLY_PRESENT)
				fallocate(v->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					  (off_t)VHDX_BAT_OFF(v->bat[i]), (off_t)bs);	/* a hint */
		}
		return vhdx_cut(v);
	}
	nb = realloc(v->bat, (size_t)ne * 8);
	if (!nb)
		return -ENOMEM;
	v->bat = nb;
	/* What a shrink left past the old end (undefined bytes) must read as zeros. */
	if (old % bs) {
		uint64_t e = v->bat[vhdx_bat_payload(&v->vi, (uint32_t)(old / bs))];

		if (VHDX_BAT_STATE(e) == VHDX_PB_FULLY_PRESENT)
			ret = vhdx_zero_in_place(v, VHDX_BAT_OFF(e) + old % bs, bs - old % bs);
		if (ret)
			return ret;
	}
	/* The new entries, unreferenced until the size says so: not present, or a fixed disk's new blocks. */
	for (uint32_t i = oe; i < ne; i++)
		v->bat[i] = 0;
	if (vhdx_type(v) == VHDX_FIXED) {
		uint32_t from = (uint32_t)((old + bs - 1) / bs);

		for (uint32_t b = from; b < n.payload_blocks; b++) {
			v->bat[vhdx_bat_payload(&n, b)] = VHDX_BAT_ENTRY(v->file_end, VHDX_PB_FULLY_PRESENT);
			v->file_end += bs;
		}
		if (ftruncate(v->fd, (off_t)v->file_end) < 0)
			return -errno;
	}
	{
		uint8_t *le = malloc(((size_t)ne - oe) * 8 + 8);

		if (!le)
			return -ENOMEM;
		for (uint32_t i = oe; i < ne; i++)
			vhdx_put_le64(le + (size_t)(i - oe) * 8, v->bat[i]);
		ret = vhd_pwrite(v->fd, le, ((size_t)ne - oe) * 8, v->vi.bat_off + (uint64_t)oe * 8);
		free(le);
	}
	if (!ret)
		ret = vhdx_sync(v->fd);
	if (!ret)
		ret = vhdx_commit_size(v, size);
	if (ret)
		return ret;
	vhdx_take_geometry(v, &n);
	if (vhdx_type(v) == VHDX_FIXED)
		v->used = n.payload_blocks;
	return 0;
}

int vhdx_resize(const char *path, uint64_t size, bool shrink, const char **why)
{
	struct vhdx *v;
	int ret = 0;

	*why = NULL;
	v = vhdx_open(path, false, "/");
	if (!v) {
		*why = "cannot open the image";
		return -errno;
	}
	if (vhdx_type(v) == VHDX_DIFFERENCING) {
		*why = "a differencing disk has its parent's size (commit it, or convert it, first)";
		ret = -ENOTSUP;
	} else if (size < v->vi.size && !shrink) {
		*why = "shrinking loses the data past the new end: give --shrink";
		ret = -EINVAL;
	} else if (size != v->vi.size) {
		ret = vhdx_resize_locked(v, size, why);
	}
	vhdx_close(v);
	if (ret && !*why)
		*why = "cannot write the image";
	return ret;
}

/* Does payload block @blk read the same as what lies below it (the parent, or zeros)? */
static int vhdx_block_redundant(struct vhdx *v, uint32_t blk, uint8_t *a, uint8_t *b)
{
	uint64_t start = (uint64_t)blk * v->vi.block_size;
	size_t n = v->vi.size - start < v->vi.block_size ? (size_t)(v->vi.size - start) : v->vi.block_size;
	struct iovec x = { a, n }, y = { b, n };
	int ret = vhdx_read_locked(v, &x, 1, start);

	if (!ret)
		ret = vhdx_read_below(v, &y, 1, start);
	return ret ? ret : !memcmp(a, b, n);
}

int vhdx_compact(const char *path, const char *parent_dir, uint32_t *freed, const char **why)
{
	uint8_t *a = NULL, *b = NULL;
	uint64_t *gone = NULL;
	uint32_t ngone = 0, page = UINT32_MAX;
	struct vhdx *v;
	int ret = 0;

	*why = NULL;
	*freed = 0;
	v = vhdx_open(path, false, parent_dir);
	if (!v) {
		*why = "cannot open the image";
		return -errno;
	}
	if (vhdx_type(v) == VHDX_FIXED) {
		*why = "a fixed disk has no blocks to give back";
		ret = -ENOTSUP;
		goto out;
	}
	a = malloc(v->vi.block_size);
	b = malloc(v->vi.block_size);
	gone = malloc(((size_t)v->vi.payload_blocks + 1) * sizeof(*gone));
	if (!a || !b || !gone) {
		ret = -ENOMEM;
		goto out;
	}
	ret = vhdx_begin_change_as(v, false);	/* the data stays: children still match */
	/* Unmapped through the log a BAT page at a time; space released only after. */
	for (uint32_t blk = 0; !ret && blk < v->vi.payload_blocks; blk++) {
		uint32_t idx = vhdx_bat_payload(&v->vi, blk), pg = idx / (VHDX_LOG_SECTOR / 8);
		uint64_t e = v->bat[idx];

		if (page != UINT32_MAX && pg != page) {
			ret = vhdx_commit_bat(v, page * (VHDX_LOG_SECTOR / 8));
			page = UINT32_MAX;
		}
		if (ret || VHDX_BAT_STATE(e) != VHDX_PB_FULLY_PRESENT)
			continue;
		ret = vhdx_block_redundant(v, blk, a, b);
		if (ret == 1) {
			ret = 0;
			v->bat[idx] = VHDX_BAT_ENTRY(0, VHDX_PB_NOT_PRESENT);
			gone[ngone++] = VHDX_BAT_OFF(e);
			page = pg;
			v->used--;
		}
	}
	if (!ret && page != UINT32_MAX)
		ret = vhdx_commit_bat(v, page * (VHDX_LOG_SECTOR / 8));
	for (uint32_t i = 0; !ret && i < ngone; i++)
		fallocate(v->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)gone[i],
			  (off_t)v->vi.block_size);	/* given back; a hint where it cannot */
	if (!ret)
		ret = vhdx_cut(v);
	*freed = ngone;
out:
	free(gone);
	free(a);
	free(b);
	vhdx_close(v);
	if (ret && !*why)
		*why = "cannot write the image";
	return ret;
}

/* Sync @path's directory (a rename in it durable). */
static int vhdx_sync_dir(const char *path)
{
	char dir[PATH_MAX], *slash;
	int fd, ret;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

int vhdx_commit(const char *path, const char *parent_dir, uint64_t *sectors, const char **why)
{
	char ppath[PATH_MAX], tmp[PATH_MAX + 16];
	struct vhdx_create_opts co = { .type = VHDX_DIFFERENCING, .parent = ppath };
	vhdx_guid dw, id;
	struct vhdx *v, *p;
	uint8_t *buf = NULL;
	int ret = 0;

	*why = NULL;
	*sectors = 0;
	v = vhdx_open(path, true, parent_dir);
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
	snprintf(ppath, sizeof(ppath), "%s", p->real);
	co.block_size = v->vi.block_size;
	dw = v->vi.hdr.data_write;
	id = v->vi.page83;
	co.data_write = &dw;
	co.page83 = &id;
	/* The parent this chain matched, now writable. */
	ret = vhd_reopen_writable(&p->fd, p->real);
	if (ret) {
		*why = "cannot open the parent writable";
		goto out;
	}
	p->ro = false;
	buf = malloc(VHDX_MB);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	/*
	 * Every block the child has (present, partly present, or zero: each
	 * hides the parent) read as the child sees it and written into the
	 * parent; the parent's own blocks go through its log as any write.
	 */
	for (uint32_t blk = 0; !ret && blk < v->vi.payload_blocks; blk++) {
		unsigned int st = VHDX_BAT_STATE(v->bat[vhdx_bat_payload(&v->vi, blk)]);
		uint64_t start = (uint64_t)blk * v->vi.block_size;
		uint64_t end = v->vi.size - start < v->vi.block_size ? v->vi.size : start + v->vi.block_size;

		if (st == VHDX_PB_NOT_PRESENT || st == VHDX_PB_UNDEFINED)
			continue;
		for (uint64_t at = start; !ret && at < end; at += VHDX_MB) {
			struct iovec io = { buf, end - at < VHDX_MB ? (size_t)(end - at) : VHDX_MB };

			ret = vhdx_read_locked(v, &io, 1, at);
			pthread_mutex_lock(&p->lock);
			if (!ret)
				ret = vhdx_write_locked(p, &io, 1, at);
			pthread_mutex_unlock(&p->lock);
			*sectors += io.iov_len / 512;
		}
	}
	if (!ret)
		ret = vhdx_sync(p->fd);
	if (ret) {
		*why = "cannot write into the parent";
		goto out;
	}
	vhdx_close(v);	/* the parent's log cleared: its DataWriteGuid is final */
	v = NULL;
	/*
	 * The parent's DataWriteGuid changed with its data, so the child no
	 * longer matches it: it is replaced by an empty child of the parent
	 * (qemu-img commit empties the child), made beside it and renamed
	 * over, with the child's DataWriteGuid and page 83 id: it reads as
	 * the child did, so the child's own children still match it.
	 */
	snprintf(tmp, sizeof(tmp), "%s.commit~", path);
	ret = vhdx_create(tmp, &co, why);
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (!ret)
		ret = vhdx_sync_dir(path);
	if (ret) {
		unlink(tmp);
		if (!*why)
			*why = "the parent holds the data, but the child could not be replaced by an empty one";
	}
out:
	free(buf);
	vhdx_close(v);
	if (ret && !*why)
		*why = "cannot write the image";
	return ret;
}

/* ---- behind disk_backend ------------------------------------------------------ */

static void *vhdx_ops_open(int fd, const char *path, const struct disk_backend_opts *o,
			   uint64_t *size)
{
	struct vhdx *v = vhdx_open_fd(fd, path, o->read_only, o->parent_dir);

	if (v)
		*size = v->vi.size;
	return v;
}

static void vhdx_ops_close(void *img)
{
	vhdx_close(img);
}

static int vhdx_ops_readv(void *img, const struct iovec *iov, int cnt, uint64_t off)
{
	return vhdx_readv(img, iov, cnt, off);
}

static int vhdx_ops_writev(void *img, const struct iovec *iov, int cnt, uint64_t off, bool fua)
{
	return vhdx_writev(img, iov, cnt, off, fua);
}

static int vhdx_ops_flush(void *img)
{
	return vhdx_flush(img);
}

static int vhdx_ops_discard(void *img, uint64_t off, uint64_t len)
{
	return vhdx_discard(img, off, len);
}

static void vhdx_ops_sectors(const void *img, uint32_t *logical, uint32_t *physical)
{
	const struct vhdx *v = img;

	*logical = v->vi.lsec;
	*physical = v->vi.psec;
}

const struct disk_format_ops disk_vhdx_ops = {
	.name = "vhdx",
	.open = vhdx_ops_open,
	.close = vhdx_ops_close,
	.readv = vhdx_ops_readv,
	.writev = vhdx_ops_writev,
	.flush = vhdx_ops_flush,
	.discard = vhdx_ops_discard,
	.sectors = vhdx_ops_sectors,
};
