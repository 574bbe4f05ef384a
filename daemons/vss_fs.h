/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Freezing the guest's filesystems for a backup (FIFREEZE/FITHAW).
 *
 * Which: every mount in /proc/self/mountinfo whose source is a block
 * device (/dev/...), not read-only (its superblock: a read-only bind
 * mount of a writable filesystem is frozen), not a loop device (its backing file
 * lives on another filesystem we freeze: the loop's writeback would hang)
 * and not vfat (no freeze support worth the name; hv_vss_daemon skips it
 * too); network and pseudo filesystems have no /dev source. One entry per
 * device (bind mounts and btrfs subvolumes show one filesystem twice).
 *
 * Order: each directory is opened first (no path lookup once something
 * is frozen), then frozen in reverse mount order, so children before
 * their parents and / last; thawed in mount order. A failure thaws what
 * was frozen. While frozen a watchdog process holds the same directories:
 * if ovb-vssd dies, or the freeze outlasts its limit, the watchdog thaws
 * them (the host thaws at its own timeout too, through us).
 */
#ifndef OVB_DAEMONS_VSS_FS_H
#define OVB_DAEMONS_VSS_FS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct vss_mount {
	char dir[PATH_MAX];
	char type[64];
	char source[PATH_MAX];
	unsigned int major, minor;
	bool ro;
};

/* One line of /proc/self/mountinfo (escapes undone); 0, or -1 if it is not one. Pure. */
int vss_mountinfo_parse(const char *line, struct vss_mount *m);
/* Whether a mount is one we freeze (the rules above). Pure. */
bool vss_mount_freezable(const struct vss_mount *m);

#define VSS_FS_MAX	256	/* mounts we freeze at most; the rest is an error */

struct vss_fs {
	int fd;
	unsigned int major, minor;
	bool frozen;		/* by us */
	char dir[PATH_MAX];
};

struct vss_set {
	struct vss_fs fs[VSS_FS_MAX];
	size_t n;
	pid_t watchdog;		/* 0: none */
	int watchdog_fd;	/* our end of its pipe */
	unsigned int max_freeze_s;
	int keep_fd;		/* the device: the watchdog's stand-in answers on it */
	int keep_fd2;
};

/*
 * After ovb-vssd died while frozen and the watchdog thawed, the watchdog
 * answers the host on the device @fd (the same open file, still
 * registered) for up to @ms: vss_standin_handle() with @thaw. It returns
 * once a THAW is answered (1), at the end of @ms or on an error (0), and
 * the device is free for a new ovb-vssd (under systemd the unit's stop
 * ends it sooner: TimeoutStopSec).
 */
int vss_standin_serve(int fd, int ms, int (*thaw)(void *arg), void *arg);

/* Read @mountinfo (a path) and open the filesystems to freeze; 0 or -1. */
int vss_set_collect(struct vss_set *s, const char *mountinfo);
void vss_set_close(struct vss_set *s);

/* Collect, start the watchdog, freeze; 0, or -1 with everything thawed. */
int vss_freeze(void *arg);
/* Thaw everything collected, stop the watchdog, close; 0, or -1. */
int vss_thaw(void *arg);
/* ovb-vssd --thaw-all: FITHAW every freezable filesystem (a safety net, ExecStopPost). */
int vss_thaw_all(const char *mountinfo);

#endif /* OVB_DAEMONS_VSS_FS_H */
