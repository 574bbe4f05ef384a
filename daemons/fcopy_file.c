// SPDX-License-Identifier: GPL-2.0 OR MIT
/* ovb-fcopyd's copies (fcopy_file.h). */
#include "daemons/fcopy_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemons/daemon.h"

void fcopy_init(struct fcopy_state *s, int rootfd)
{
	memset(s, 0, sizeof(*s));
	s->rootfd = rootfd;
	s->fd = s->dirfd = -1;
}

static uint32_t errno_status(int err)
{
	return err == ENOSPC || err == EDQUOT ? HV_ERROR_DISK_FULL : HV_E_FAIL;
}

static void copy_close(struct fcopy_state *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->fd = s->dirfd = -1;
	s->name[0] = s->tmp[0] = '\0';
}

void fcopy_abort(struct fcopy_state *s)
{
	if (s->fd < 0)
		return;
	/* The file we created (or our hidden one): never a file that was there before. */
	unlinkat(s->dirfd, s->tmp[0] ? s->tmp : s->name, 0);
	s->failures++;
	copy_close(s);
}

/* The host's directory: its fd below s->rootfd, created with CREATE_PATH; -1 with errno. */
static int open_dir(struct fcopy_state *s, const char *path, bool create)
{
	char comp[NAME_MAX + 1];
	const char *p = path;
	int dfd, next;

	if (*p != '/') {
		errno = EINVAL;
		return -1;
	}
	dfd = dup(s->rootfd);
	while (dfd >= 0 && *p) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (!n)
			break;
		if (n > NAME_MAX || (n == 2 && !memcmp(p, "..", 2))) {
			close(dfd);
			errno = EINVAL;
			return -1;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		if (!strcmp(comp, "."))
			continue;
		if (create && mkdirat(dfd, comp, 0755) && errno != EEXIST) {
			close(dfd);
			return -1;
		}
		next = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(dfd);
		dfd = next;
	}
	return dfd;
}

static bool name_ok(const char *name)
{
	return name[0] && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..") &&
	       strlen(name) <= NAME_MAX;
}

static uint32_t copy_start(struct fcopy_state *s, const struct fcopy_req *r)
{
	bool overwrite = r->flags & IC_FCOPY_OVERWRITE;
	struct stat st;
	int err;

	if (s->fd >= 0) {
		ovbd_log_peer(OVBD_WARNING, "a new copy before %s was complete: removed it", s->name);
		fcopy_abort(s);
	}
	if (!name_ok(r->file)) {
		ovbd_log_peer(OVBD_WARNING, "copy: refused the file name '%.64s'", r->file);
		return HV_INVALIDARG;
	}
	s->dirfd = open_dir(s, r->path, r->flags & IC_FCOPY_CREATE_PATH);
	if (s->dirfd < 0) {
		err = errno;
		ovbd_log_peer(OVBD_WARNING, "copy: directory '%.300s': %s", r->path, strerror(err));
		return err == EINVAL ? HV_INVALIDARG : errno_status(err);
	}
	memcpy(s->name, r->file, strlen(r->file) + 1);	/* (name_ok: <= NAME_MAX) */
	if (!fstatat(s->dirfd, s->name, &st, AT_SYMLINK_NOFOLLOW) &&
	    (!overwrite || S_ISDIR(st.st_mode))) {
		ovbd_log_peer(OVBD_NOTICE, "copy: %s%s%s exists: refused", r->path,
			      r->path[0] && r->path[strlen(r->path) - 1] == '/' ? "" : "/", r->file);
		copy_close(s);
		return HV_ERROR_ALREADY_EXISTS;
	}
	if (overwrite) {
		/* A hidden name of our own, O_EXCL: a few tries against a name already there. */
		for (int i = 0; i < 16 && s->fd < 0; i++) {
			snprintf(s->tmp, sizeof(s->tmp), ".ovb-fcopy.%d.%lu.%d", (int)getpid(),
				 s->files, i);
			s->fd = openat(s->dirfd, s->tmp,
				       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (s->fd < 0 && errno != EEXIST)
				break;
		}
	} else {
		s->tmp[0] = '\0';
		s->fd = openat(s->dirfd, s->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			       0644);
	}
	if (s->fd < 0) {
		err = errno;
		ovbd_log_peer(OVBD_WARNING, "copy: create %s in %s: %s", s->name, r->path, strerror(err));
		copy_close(s);
		return err == EEXIST ? HV_ERROR_ALREADY_EXISTS : errno_status(err);
	}
	s->size = r->size;
	s->end = 0;
	s->files++;
	ovbd_log(OVBD_INFO, "copy to %s%s%s (%llu bytes)%s", r->path,
		 r->path[0] && r->path[strlen(r->path) - 1] == '/' ? "" : "/", s->name,
		 (unsigned long long)r->size, overwrite ? ", replacing" : "");
	return HV_S_OK;
}

static uint32_t copy_write(struct fcopy_state *s, const struct fcopy_req *r)
{
	size_t done = 0;

	if (s->fd < 0)
		return HV_E_FAIL;	/* no START (or it failed) */
	if (r->offset > s->size || r->len > s->size - r->offset) {
		ovbd_log_peer(OVBD_WARNING, "copy: a fragment past the announced size %llu: removed %s",
			      (unsigned long long)s->size, s->name);
		fcopy_abort(s);
		return HV_E_FAIL;
	}
	/* Each pwrite writes something or fails: at most len rounds. */
	while (done < r->len) {
		ssize_t n = pwrite(s->fd, r->data + done, r->len - done, (off_t)(r->offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : ENOSPC;

			ovbd_log_peer(OVBD_WARNING, "copy: write %s: %s: removed it", s->name,
				      strerror(err));
			fcopy_abort(s);
			return errno_status(err);
		}
		done += (size_t)n;
	}
	if (r->offset + r->len > s->end)
		s->end = r->offset + r->len;
	return HV_S_OK;
}

static uint32_t copy_complete(struct fcopy_state *s)
{
	if (s->fd < 0)
		return HV_E_FAIL;
	if (s->end != s->size) {
		ovbd_log_peer(OVBD_WARNING, "copy: %s complete at %llu of %llu bytes: removed it",
			      s->name, (unsigned long long)s->end, (unsigned long long)s->size);
		fcopy_abort(s);
		return HV_E_FAIL;
	}
	if (close(s->fd)) {	/* (a delayed write error shows here) */
		int err = errno;

		s->fd = -1;
		unlinkat(s->dirfd, s->tmp[0] ? s->tmp : s->name, 0);
		s->failures++;
		copy_close(s);
		return errno_status(err);
	}
	s->fd = -1;
	if (s->tmp[0] && renameat(s->dirfd, s->tmp, s->dirfd, s->name)) {
		int err = errno;

		unlinkat(s->dirfd, s->tmp, 0);
		s->failures++;
		copy_close(s);
		return errno_status(err);
	}
	copy_close(s);
	return HV_S_OK;
}

size_t fcopy_handle(struct fcopy_state *s, const void *in, size_t len, void *out)
{
	struct fcopy_req r;
	uint32_t st;

	if (len == sizeof(uint32_t) && !s->kernel_version) {
		memcpy(&s->kernel_version, in, sizeof(uint32_t));
		if (!s->kernel_version)
			s->kernel_version = 1;
		ovbd_log(OVBD_INFO, "registered with the kernel's fcopy driver");
		return 0;
	}
	if (fcopy_parse(in, len, &r)) {
		ovbd_log_peer(OVBD_WARNING, "a malformed %zu-byte message: failed", len);
		if (len >= sizeof(uint32_t) && r.op == IC_FCOPY_WRITE)
			fcopy_abort(s);	/* a bad fragment: the file is not the host's */
		st = HV_E_FAIL;
	} else {
		switch (r.op) {
		case IC_FCOPY_START:
			st = copy_start(s, &r);
			break;
		case IC_FCOPY_WRITE:
			st = copy_write(s, &r);
			break;
		case IC_FCOPY_COMPLETE:
			st = copy_complete(s);
			break;
		default:	/* CANCEL */
			if (s->fd >= 0)
				ovbd_log(OVBD_NOTICE, "copy of %s cancelled: removed it", s->name);
			fcopy_abort(s);
			st = HV_S_OK;
			break;
		}
	}
	memcpy(out, &st, sizeof(st));
	return sizeof(st);
}
