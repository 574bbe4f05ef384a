// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Freezing the guest's filesystems (vss_fs.h). */
#include "daemons/vss_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemons/daemon.h"
#include "daemons/vss_msg.h"

/* How long the watchdog answers for a dead ovb-vssd (the host's thaw comes soon or never). */
#define VSS_STANDIN_MS	60000

/* A mountinfo field: up to the next space, \ooo escapes undone. NULL if none. */
static const char *field(const char *p, char *out, size_t size)
{
	size_t n = 0;

	while (*p == ' ')
		p++;
	if (!*p || *p == '\n')
		return NULL;
	for (; *p && *p != ' ' && *p != '\n'; p++) {
		int c = (unsigned char)*p;

		if (c == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			c = (p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0');
			p += 3;
		}
		if (n + 1 >= size)
			return NULL;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return p;
}

/* Whether the comma-separated option list @opts has "ro". */
static bool has_ro(const char *opts)
{
	size_t n = strlen(opts);

	return !strcmp(opts, "ro") || !strncmp(opts, "ro,", 3) ||
	       (n >= 3 && !strcmp(opts + n - 3, ",ro")) || strstr(opts, ",ro,");
}

int vss_mountinfo_parse(const char *line, struct vss_mount *m)
{
	char tmp[PATH_MAX], opts[1024];
	const char *p = line;
	int i;

	memset(m, 0, sizeof(*m));
	/* mount id, parent id, major:minor, root, mount point, options */
	if (!(p = field(p, tmp, sizeof(tmp))) || !(p = field(p, tmp, sizeof(tmp))) ||
	    !(p = field(p, tmp, sizeof(tmp))) || sscanf(tmp, "%u:%u", &m->major, &m->minor) != 2 ||
	    !(p = field(p, tmp, sizeof(tmp))) || !(p = field(p, m->dir, sizeof(m->dir))) ||
	    !(p = field(p, opts, sizeof(opts))))
		return -1;
	/*
	 * (the per-mount options: a read-only bind of a writable filesystem,
	 * as systemd's ProtectSystem= makes in our namespace, is still frozen
	 * through its superblock; only a read-only superblock is skipped)
	 */
	/* optional fields up to "-" (a bounded number of them) */
	for (i = 0; i < 64; i++) {
		if (!(p = field(p, tmp, sizeof(tmp))))
			return -1;
		if (!strcmp(tmp, "-"))
			break;
	}
	if (i == 64 || !(p = field(p, m->type, sizeof(m->type))) ||
	    !(p = field(p, m->source, sizeof(m->source))))
		return -1;
	if ((p = field(p, opts, sizeof(opts))))	/* the superblock's options */
		m->ro = has_ro(opts);
	return m->dir[0] == '/' ? 0 : -1;
}

bool vss_mount_freezable(const struct vss_mount *m)
{
	return !strncmp(m->source, "/dev/", 5) && strncmp(m->source, "/dev/loop", 9) && !m->ro &&
	       strcmp(m->type, "vfat") && strcmp(m->type, "msdos");
}

int vss_set_collect(struct vss_set *s, const char *mountinfo)
{
	FILE *f = fopen(mountinfo, "re");
	char line[3 * PATH_MAX];
	int ret = 0;

	s->n = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct vss_mount m;
		struct vss_fs *fs;
		size_t i;

		if (vss_mountinfo_parse(line, &m) || !vss_mount_freezable(&m))
			continue;
		for (i = 0; i < s->n; i++)
			if (s->fs[i].major == m.major && s->fs[i].minor == m.minor)
				break;
		if (i < s->n)
			continue;	/* that filesystem once */
		if (s->n == VSS_FS_MAX) {
			ovbd_log(OVBD_ERR, "more than %d filesystems to freeze", VSS_FS_MAX);
			ret = -1;
			break;
		}
		fs = &s->fs[s->n];
		fs->fd = open(m.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fs->fd < 0) {
			ovbd_log(OVBD_ERR, "open %s: %s", m.dir, strerror(errno));
			ret = -1;
			break;
		}
		fs->major = m.major;
		fs->minor = m.minor;
		fs->frozen = false;
		snprintf(fs->dir, sizeof(fs->dir), "%s", m.dir);
		s->n++;
	}
	fclose(f);
	if (ret)
		vss_set_close(s);
	return ret;
}

void vss_set_close(struct vss_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->fs[i].fd >= 0)
			close(s->fs[i].fd);
	s->n = 0;
}

/* FITHAW on each, in mount order; an fs not frozen (EINVAL) is fine. No logging: may still be frozen. */
static int thaw_each(struct vss_set *s, bool only_ours)
{
	int ret = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (only_ours && !s->fs[i].frozen)
			continue;
		if (ioctl(s->fs[i].fd, FITHAW, 0) && errno != EINVAL)
			ret = -1;
		else
			s->fs[i].frozen = false;
	}
	return ret;
}

/*
 * The watchdog: it waits on its pipe. A byte means ovb-vssd thawed; end
 * of file (ovb-vssd died) or the limit passing means thaw now. It ignores
 * SIGTERM (systemd stopping the unit sends it to the whole group: the
 * watchdog must outlive ovb-vssd long enough to thaw).
 */
static int thaw_all_of(void *arg)
{
	return thaw_each(arg, false);
}

int vss_standin_serve(int fd, int ms, int (*thaw)(void *arg), void *arg)
{
	struct timespec t0, t;
	bool thawed = false;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint8_t in[OVBD_MSG_MAX];
		struct vss_msg out;
		long left, n;
		size_t alen;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return 0;
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL)))
			return 0;
		n = ovbd_read_msg(fd, in, sizeof(in));
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			return 0;
		alen = vss_standin_handle(in, (size_t)n, &out, thaw, arg, &thawed);
		if (alen && ovbd_write_msg(fd, &out, alen))
			return 0;
		if (thawed)
			return 1;
	}
}

static void watchdog_run(struct vss_set *s, int rfd)
{
	const char *why = "the freeze outlasted its limit";
	bool died = false;
	struct timespec t0, t;
	char c;
	int n;

	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = rfd, .events = POLLIN };
		long left;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = (long)s->max_freeze_s * 1000 - ((t.tv_sec - t0.tv_sec) * 1000 +
						       (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			break;
		n = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if (n <= 0)
			continue;	/* (EINTR, or the clock decides above) */
		n = (int)read(rfd, &c, 1);
		if (n == 1)
			_exit(0);	/* ovb-vssd thawed */
		if (n == 0 || errno != EINTR) {
			why = "ovb-vssd went away while frozen";
			died = true;
			break;
		}
	}
	n = thaw_each(s, false);
	/* Logged after the thaw: the journal may live on what was frozen. */
	ovbd_log_suspend(false);
	ovbd_log(OVBD_WARNING, "watchdog: %s: filesystems thawed%s", why, n ? " (not all)" : "");
	/* The host still thinks us frozen: its THAW gets the truth from us. */
	if (died && !n && s->keep_fd >= 0 &&
	    vss_standin_serve(s->keep_fd, VSS_STANDIN_MS, thaw_all_of, s))
		ovbd_log(OVBD_NOTICE, "watchdog: answered the host's thaw for ovb-vssd");
	_exit(n ? 1 : 0);
}

static int watchdog_start(struct vss_set *s)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[1]);
		/* (the device stays open here: for the stand-in, see watchdog_run) */
		if (s->keep_fd2 >= 0)
			close(s->keep_fd2);
		watchdog_run(s, p[0]);
	}
	close(p[0]);
	s->watchdog = pid;
	s->watchdog_fd = p[1];
	return 0;
}

static void watchdog_stop(struct vss_set *s)
{
	if (!s->watchdog)
		return;
	if (write(s->watchdog_fd, "T", 1) != 1) {
		/* (it thawed on its own already and is gone) */
	}
	close(s->watchdog_fd);
	while (waitpid(s->watchdog, NULL, 0) < 0 && errno == EINTR)
		;
	s->watchdog = 0;
}

int vss_freeze(void *arg)
{
	struct vss_set *s = arg;
	char failed[PATH_MAX] = "";
	int err = 0;
	size_t i;

	if (vss_set_collect(s, "/proc/self/mountinfo")) {
		ovbd_log(OVBD_ERR, "freeze: cannot list the filesystems");
		return -1;
	}
	if (watchdog_start(s)) {
		ovbd_log(OVBD_ERR, "freeze: no watchdog (%s): not freezing", strerror(errno));
		vss_set_close(s);
		return -1;
	}
	ovbd_log(OVBD_INFO, "freezing %zu filesystems", s->n);
	ovbd_log_suspend(true);
	for (i = s->n; i-- > 0;) {
		if (ioctl(s->fs[i].fd, FIFREEZE, 0) == 0) {
			s->fs[i].frozen = true;
		} else if (errno != EBUSY) {	/* EBUSY: frozen already (by another mount) */
			err = errno;
			snprintf(failed, sizeof(failed), "%s", s->fs[i].dir);
			break;
		}
	}
	if (!err)
		return 0;
	thaw_each(s, true);
	ovbd_log_suspend(false);
	watchdog_stop(s);
	ovbd_log(OVBD_ERR, "freeze of %s failed: %s; all thawed", failed, strerror(err));
	vss_set_close(s);
	return -1;
}

int vss_thaw(void *arg)
{
	struct vss_set *s = arg;
	int ret;

	if (!s->n)
		return vss_thaw_all("/proc/self/mountinfo");	/* (a thaw never hurts) */
	for (size_t i = 0; i < s->n; i++)
		s->fs[i].frozen = true;	/* thaw every one: EINVAL if it was not */
	ret = thaw_each(s, false);
	watchdog_stop(s);
	ovbd_log_suspend(false);
	if (ret)
		ovbd_log(OVBD_ERR, "thaw: a filesystem would not thaw");
	else
		ovbd_log(OVBD_INFO, "thawed %zu filesystems", s->n);
	vss_set_close(s);
	return ret;
}

int vss_thaw_all(const char *mountinfo)
{
	static struct vss_set s;
	int ret;

	if (vss_set_collect(&s, mountinfo))
		return -1;
	ret = thaw_each(&s, false);
	vss_set_close(&s);
	return ret;
}
