// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * `ovbctl backup DIR [--crash-consistent]` (backup.h). In order:
 *
 *  1. DIR (absolute: ovb-host's working directory is not the caller's) is
 *     made, or must be an empty directory; nothing in it is ever replaced
 *     (every file O_EXCL), and on failure only what we created is removed.
 *  2. The guest's filesystems are frozen through its VSS daemon
 *     (vss_backup_freeze). No VSS device, a service the guest never
 *     negotiated, a daemon that refuses or does not answer: the backup
 *     fails saying so, unless --crash-consistent was given; then the copy
 *     is taken without a freeze, and the answer and manifest say so and why.
 *  3. storvsp's I/O is paused (storvsp_pause: no command in flight, every
 *     acknowledged write in the back end), each disk is flushed (the back
 *     end's fdatasync, VHD's metadata too) and copied into DIR: a reflink
 *     (FICLONE) where the host filesystem shares extents, else a sparse
 *     copy (SEEK_DATA/SEEK_HOLE, copy_file_range over the data). The copy
 *     reads the image through a descriptor of its own on the same inode
 *     (/proc/self/fd), so a renamed image is still the one copied.
 *  4. I/O resumes and the guest is thawed, on every path. The host's own
 *     thaw after --vss SECONDS is held off meanwhile (the timer is for a
 *     client that dies between `freeze` and `thaw`; this runs inside
 *     ovb-host and always thaws); instead the copy itself stops, and the
 *     backup fails, once the guest has been frozen for --vss SECONDS or
 *     its I/O held for BACKUP_MAX_PAUSE_S, whichever comes first.
 *  5. Out of the freeze: each copy is fsynced and hashed (SHA-256), then
 *     DIR/manifest.json is written (O_EXCL) and DIR fsynced.
 *
 * A differencing VHD is copied as its own file only; its parent (read-only
 * while the child is in use, so consistent by itself) is named in the
 * manifest, not copied.
 *
 * Runs on the control socket's thread: other ctl commands wait until the
 * backup is done.
 */
#include "hostside/backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <linux/fs.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hostside/ctl/ctl.h"
#include "hostside/devices.h"
#include "hostside/icvsp/vss.h"
#include "hostside/log.h"
#include "hostside/storvsp/storvsp.h"

#define COPY_STEP	(64u << 20)	/* bytes between looks at the deadline */
#define BUF_SIZE	(1u << 20)	/* read/write fall-back, hashing */

struct backup_disk {
	unsigned int lun;
	uint64_t size;			/* virtual */
	uint64_t bytes;			/* the copied file's */
	int fd;				/* the image's (storvsp's) */
	bool created;			/* our file in DIR exists */
	const char *method;
	double copy_s;
	char format[8];
	char sha256[65];
	char name[NAME_MAX + 1];	/* in DIR */
	char path[PATH_MAX];
	char parent[PATH_MAX];		/* "" unless differencing */
};

struct backup {
	const char *dir;
	int dirfd;
	bool made_dir, crash_ok;
	const char *reason;		/* why crash-consistent */
	unsigned int n;
	struct backup_disk *d;
	struct timespec deadline;	/* CLOCK_MONOTONIC */
	double held_s;			/* disk I/O paused */
	double frozen_s;		/* from the guest's frozen to its thawed */
	char *buf;
	char err[512];			/* the answer's error */
};

/* Errors with details; ctl_error() copies it on this thread right after we return. */
static _Thread_local char err_out[512];

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static bool past(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static int fail(struct backup *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct backup *b, const char *fmt, ...)
{
	va_list ap;

	if (!b->err[0]) {	/* the first failure is the one to tell */
		va_start(ap, fmt);
		vsnprintf(b->err, sizeof(b->err), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ---- DIR ---- */

static int dir_empty(int fd)
{
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *e;
	int ret = 1;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			ret = 0;
	closedir(d);
	return ret;
}

static int dir_open(struct backup *b)
{
	if (b->dir[0] != '/')
		return fail(b, "DIR must be an absolute path (ovb-host's working directory is not yours)");
	if (!mkdir(b->dir, 0700))
		b->made_dir = true;
	else if (errno != EEXIST)
		return fail(b, "cannot make %s: %s", b->dir, strerror(errno));
	b->dirfd = open(b->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b->dirfd < 0)
		return fail(b, "cannot open %s: %s", b->dir, strerror(errno));
	if (!b->made_dir && dir_empty(b->dirfd) != 1)
		return fail(b, "%s is not empty: a backup never replaces files", b->dir);
	if (faccessat(b->dirfd, ".", W_OK, AT_EACCESS))
		return fail(b, "cannot write to %s: %s", b->dir, strerror(errno));
	return 0;
}

/* After a failure: what we created goes, nothing else. */
static void dir_undo(struct backup *b)
{
	for (unsigned int i = 0; b->d && i < b->n; i++)
		if (b->d[i].created && unlinkat(b->dirfd, b->d[i].name, 0))
			log_err("backup: cannot remove %s/%s: %s", b->dir, b->d[i].name, strerror(errno));
	if (b->made_dir && rmdir(b->dir))
		log_err("backup: cannot remove %s: %s", b->dir, strerror(errno));
}

/* ---- copying one image ---- */

/* [@off, @off + @len) of @src into @dst at the same offsets. 0 or -errno. */
static int copy_range(struct backup *b, int src, int dst, off_t off, off_t len)
{
	bool plain = false;	/* copy_file_range refused: read and write */

	while (len > 0) {
		size_t step = len > (off_t)COPY_STEP ? COPY_STEP : (size_t)len;
		ssize_t n;

		if (past(&b->deadline))
			return -ETIME;
		if (!plain) {
			off_t in = off, out = off;

			n = copy_file_range(src, &in, dst, &out, step, 0);
			if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP ||
				      errno == ENOSYS)) {
				plain = true;
				continue;
			}
		} else {
			n = pread(src, b->buf, step > BUF_SIZE ? BUF_SIZE : step, off);
			if (n > 0) {
				ssize_t w = pwrite(dst, b->buf, (size_t)n, off);

				if (w != n)
					return w < 0 ? -errno : -EIO;
			}
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;	/* the image shrank under us */
		off += n;
		len -= n;
	}
	return 0;
}

static off_t file_size(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return -1;
	return S_ISREG(st.st_mode) ? st.st_size : lseek(fd, 0, SEEK_END);
}

/* The data of @src, holes left as holes; @src's offset is ours to move. */
static int sparse_copy(struct backup *b, int src, int dst, off_t size)
{
	off_t pos = 0;
	int ret;

	if (ftruncate(dst, size))
		return -errno;
	while (pos < size) {
		off_t data = lseek(src, pos, SEEK_DATA), hole;

		if (data < 0 && errno == ENXIO)
			break;			/* only a hole is left */
		if (data < 0 && errno != EINVAL)
			return -errno;
		if (data < 0)
			data = pos;		/* no SEEK_DATA here: all of it is data */
		hole = lseek(src, data, SEEK_HOLE);
		if (hole < 0 || hole > size)
			hole = size;
		ret = copy_range(b, src, dst, data, hole - data);
		if (ret)
			return ret;
		pos = hole;
	}
	return 0;
}

static int copy_disk(struct backup *b, struct backup_disk *d)
{
	char proc[64];
	double t0 = mono_s();
	int src, dst, ret = 0;
	off_t size;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", d->fd);
	src = open(proc, O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return fail(b, "LUN %u: cannot reopen %s: %s", d->lun, d->path, strerror(errno));
	dst = openat(b->dirfd, d->name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (dst < 0) {
		close(src);
		return fail(b, "cannot create %s/%s: %s", b->dir, d->name, strerror(errno));
	}
	d->created = true;
	size = file_size(src);
	if (size < 0)
		ret = -errno;
	else if (!ioctl(dst, FICLONE, src))
		d->method = "reflink";
	else if (errno != EOPNOTSUPP && errno != EXDEV && errno != EINVAL && errno != ENOTTY &&
		 errno != ETXTBSY)	/* those: no reflink here; anything else is an error */
		ret = -errno;
	else {
		d->method = "sparse-copy";
		ret = sparse_copy(b, src, dst, size);
	}
	close(src);
	if (close(dst) && !ret)
		ret = -errno;
	d->copy_s = mono_s() - t0;
	d->bytes = size > 0 ? (uint64_t)size : 0;
	if (ret == -ETIME)
		return fail(b, "LUN %u: the copy took longer than the guest may stay frozen (--vss "
			    "SECONDS) or its I/O be held (%d s); no backup taken", d->lun,
			    BACKUP_MAX_PAUSE_S);
	if (ret)
		return fail(b, "LUN %u: copying %s to %s/%s: %s", d->lun, d->path, b->dir, d->name,
			    strerror(-ret));
	return 0;
}

/* ---- while frozen ---- */

/* Pause I/O, flush and copy every disk, resume. */
static int copy_all(struct backup *b, struct storvsp *sv, unsigned int limit_s)
{
	struct storvsp_disk_info info[STORVSP_MAX_LUNS];
	double t0 = mono_s();
	int ret = 0, err;

	storvsp_pause(sv);
	clock_gettime(CLOCK_MONOTONIC, &b->deadline);
	b->deadline.tv_sec += limit_s;
	b->n = storvsp_paused_disks(sv, info, STORVSP_MAX_LUNS);
	for (unsigned int i = 0; i < b->n && !ret; i++) {
		struct backup_disk *d = &b->d[i];
		const char *base = strrchr(info[i].path, '/');

		d->lun = info[i].lun;
		d->size = info[i].size;
		d->fd = info[i].fd;
		snprintf(d->format, sizeof(d->format), "%s", info[i].format);
		snprintf(d->path, sizeof(d->path), "%s", info[i].path);
		snprintf(d->parent, sizeof(d->parent), "%s", info[i].parent ? info[i].parent : "");
		snprintf(d->name, sizeof(d->name), "lun%u-%.200s", d->lun, base ? base + 1 : info[i].path);
		err = storvsp_paused_flush(sv, d->lun);
		if (err)
			ret = fail(b, "LUN %u: cannot flush %s: %s", d->lun, d->path, strerror(-err));
	}
	for (unsigned int i = 0; i < b->n && !ret; i++)
		ret = copy_disk(b, &b->d[i]);
	storvsp_resume(sv);
	b->held_s = mono_s() - t0;
	return ret;
}

/* ---- after the thaw ---- */

static int sha256_file(struct backup *b, struct backup_disk *d)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int fd = openat(b->dirfd, d->name, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0;
	int ret = -1;

	if (fd >= 0 && c && EVP_DigestInit_ex(c, EVP_sha256(), NULL)) {
		while ((n = read(fd, b->buf, BUF_SIZE)) > 0)
			EVP_DigestUpdate(c, b->buf, (size_t)n);
		if (!n && EVP_DigestFinal_ex(c, md, &mdlen) && mdlen == 32)
			ret = 0;
	}
	for (unsigned int i = 0; !ret && i < mdlen; i++)
		snprintf(d->sha256 + 2 * i, 3, "%02x", md[i]);
	if (fd >= 0 && fsync(fd))
		ret = -1;
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(c);
	return ret ? fail(b, "cannot read back %s/%s: %s", b->dir, d->name, strerror(errno)) : 0;
}

static struct json_object *disk_json(const struct backup_disk *d, bool manifest)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "lun", json_object_new_int((int)d->lun));
	json_object_object_add(o, "file", json_object_new_string(d->name));
	json_object_object_add(o, "method", json_object_new_string(d->method));
	json_object_object_add(o, "copy_s", json_object_new_double(d->copy_s));
	json_object_object_add(o, "sha256", json_object_new_string(d->sha256));
	if (!manifest)
		return o;
	json_object_object_add(o, "source", json_object_new_string(d->path));
	json_object_object_add(o, "format", json_object_new_string(d->format));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)d->size));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)d->bytes));
	/* Not copied: the child refers to it by path; back it up once, it does not change. */
	json_object_object_add(o, "parent", d->parent[0] ? json_object_new_string(d->parent) : NULL);
	return o;
}

/* What the answer and the manifest both say: the mode, the times, the disks. */
static void add_summary(const struct backup *b, struct json_object *o, bool manifest)
{
	struct json_object *disks = json_object_new_array();

	json_object_object_add(o, "mode", json_object_new_string(b->reason ? "crash-consistent" :
								      "application-consistent"));
	if (b->reason)
		json_object_object_add(o, "not_frozen_because", json_object_new_string(b->reason));
	json_object_object_add(o, "frozen_s", b->reason ? NULL : json_object_new_double(b->frozen_s));
	json_object_object_add(o, "io_held_s", json_object_new_double(b->held_s));
	for (unsigned int i = 0; i < b->n; i++)
		json_object_array_add(disks, disk_json(&b->d[i], manifest));
	json_object_object_add(o, "disks", disks);
}

static int write_manifest(struct backup *b)
{
	struct json_object *m = json_object_new_object();
	const char *text;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	ssize_t len;
	int fd, ret = 0;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(m, "version", json_object_new_int(1));
	json_object_object_add(m, "time", json_object_new_string(when));
	json_object_object_add(m, "vm", NULL);	/* ovb-host has no VM name (yet) */
	add_summary(b, m, true);
	text = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY);
	len = (ssize_t)strlen(text);
	fd = openat(b->dirfd, "manifest.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, (size_t)len) != len || write(fd, "\n", 1) != 1 || fsync(fd))
		ret = fail(b, "cannot write %s/manifest.json: %s", b->dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	if (fd >= 0 && ret)
		unlinkat(b->dirfd, "manifest.json", 0);
	if (!ret && fsync(b->dirfd))
		ret = fail(b, "cannot sync %s: %s", b->dir, strerror(errno));
	json_object_put(m);
	return ret;
}

/* ---- the command ---- */

static int parse(struct backup *b, const char *args, char *buf, size_t len)
{
	char *save = NULL, *tok;

	if (snprintf(buf, len, "%s", args) >= (int)len)
		return -1;
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (!strcmp(tok, "--crash-consistent"))
			b->crash_ok = true;
		else if (tok[0] == '-' || b->dir)
			return -1;
		else
			b->dir = tok;
	}
	return b->dir ? 0 : -1;
}

/* The VSS freeze, or why there is none. 1 frozen, 0 not (crash-consistent allowed), -1 failed. */
static int freeze(struct backup *b, void *vss, unsigned int *limit_s)
{
	const char *why = "no VSS device (start ovb-host with --vss SECONDS)";
	unsigned int bound = BACKUP_MAX_PAUSE_S;

	*limit_s = BACKUP_MAX_PAUSE_S;
	if (vss && !vss_backup_freeze(vss, &bound, &why)) {
		if (bound < *limit_s)
			*limit_s = bound;
		return 1;
	}
	if (!b->crash_ok)
		return fail(b, "cannot freeze the guest's filesystems: %s; no backup taken "
			    "(--crash-consistent copies the disks without a freeze)", why);
	b->reason = why;
	log_info("backup: %s: crash-consistent, as asked", why);
	return 0;
}

static int run(struct backup *b, struct host_devices *devs, struct json_object *reply)
{
	struct storvsp *sv = host_devices_state(devs, "storvsp");
	void *vss = host_devices_state(devs, "vss");
	const char *terr = NULL;
	double t0;
	unsigned int limit_s;
	int frozen, ret;

	if (!sv || !storvsp_disk_count(sv))
		return fail(b, "no disks to back up");
	if (dir_open(b))
		return -1;
	b->d = calloc(STORVSP_MAX_LUNS, sizeof(*b->d));
	b->buf = malloc(BUF_SIZE);
	if (!b->d || !b->buf)
		return fail(b, "out of memory");
	frozen = freeze(b, vss, &limit_s);
	if (frozen < 0)
		return -1;
	t0 = mono_s();	/* frozen (the guest said so) until it says it thawed */
	ret = copy_all(b, sv, limit_s);
	if (frozen && vss_backup_thaw(vss, &terr)) {
		log_err("backup: %s (the host thaws it by itself)", terr);
		json_object_object_add(reply, "thaw_error", json_object_new_string(terr));
	}
	b->frozen_s = mono_s() - t0;
	if (ret)
		return -1;
	t0 = mono_s();
	for (unsigned int i = 0; i < b->n; i++)
		if (sha256_file(b, &b->d[i]))
			return -1;
	if (write_manifest(b))
		return -1;
	json_object_object_add(reply, "hash_sync_s", json_object_new_double(mono_s() - t0));
	json_object_object_add(reply, "dir", json_object_new_string(b->dir));
	add_summary(b, reply, false);
	log_info("backup: %u disk(s) in %s, %s, frozen %.3f s, I/O held %.3f s", b->n, b->dir,
		 b->reason ? "crash-consistent" : "application-consistent",
		 b->reason ? 0.0 : b->frozen_s, b->held_s);
	return 0;
}

static int cmd_backup(void *opaque, const char *args, struct json_object *reply, const char **err)
{
	struct backup b = { .dirfd = -1 };
	char buf[CTL_MAX_LINE + 1];
	int ret;

	if (parse(&b, args, buf, sizeof(buf))) {
		*err = "usage: backup DIR [--crash-consistent]";
		return -1;
	}
	ret = run(&b, opaque, reply);
	if (ret) {
		dir_undo(&b);
		log_err("backup: %s", b.err);
		snprintf(err_out, sizeof(err_out), "%s", b.err);
		*err = err_out;
	}
	if (b.dirfd >= 0)
		close(b.dirfd);
	free(b.d);
	free(b.buf);
	return ret;
}

static const struct ctl_command backup_cmds[] = {
	{ "backup", "DIR [--crash-consistent]",
	  "copy every disk into DIR with the guest's filesystems frozen (VSS), and a manifest",
	  cmd_backup },
};

int backup_ctl_add(struct ctl *ctl, struct host_devices *devs)
{
	return ctl_add(ctl, backup_cmds, 1, devs, "");
}
