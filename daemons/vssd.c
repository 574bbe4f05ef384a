// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ovb-vssd: the guest's VSS daemon on /dev/vmbus/hv_vss (ovb_ic, or the
 * in-tree hv_utils): the host's FREEZE and THAW for an application-
 * consistent backup, FIFREEZE/FITHAW on every local filesystem (vss_fs.c),
 * never left frozen: a thaw on any failure, a watchdog process for our
 * death or a freeze that outlasts -t SECONDS, a thaw when we stop, and
 * `ovb-vssd --thaw-all` for the unit's ExecStopPost. Nothing is logged
 * while frozen. Protocol: vss_msg.c.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "daemons/daemon.h"
#include "daemons/vss_fs.h"
#include "daemons/vss_msg.h"

static size_t vssd_handle(void *ctx, const void *in, size_t len, void *out)
{
	return vss_handle(ctx, in, len, out);
}

int main(int argc, char **argv)
{
	struct ovbd_opts o = { .device = "/dev/vmbus/hv_vss", .max_freeze_s = IC_VSS_FREEZE_TIMEOUT_S };
	static struct vss_set set;
	static struct vss_ctx c;
	struct vss_msg reg;
	int fd, sigfd, ret;

	ovbd_parse_opts(argc, argv, &o, " [-t SECONDS] [--thaw-all]\n"
			"  -t SECONDS  the watchdog thaws a freeze that lasts longer (default 900)\n"
			"  --thaw-all  thaw every local filesystem and exit");
	if (o.thaw_all)
		return vss_thaw_all("/proc/self/mountinfo") ? 1 : 0;
	set.max_freeze_s = o.max_freeze_s;
	c.ops = (struct vss_ops){ vss_freeze, vss_thaw, &set };
	sigfd = ovbd_signalfd();
	fd = ovbd_open(&o);
	if (sigfd < 0 || fd < 0)
		return 1;
	set.keep_fd = fd;
	set.keep_fd2 = sigfd;
	vss_register_msg(&reg);
	if (ovbd_write_msg(fd, &reg, sizeof(reg))) {
		ovbd_log(OVBD_ERR, "register with %s: %s", o.device, strerror(errno));
		return 1;
	}
	ovbd_log(OVBD_INFO, "serving %s (a freeze lasts %u s at most)", o.device, o.max_freeze_s);
	ovbd_ready("serving %s", o.device);
	ret = ovbd_serve(fd, sigfd, vssd_handle, &c);
	if (c.frozen) {
		vss_thaw(&set);
		ovbd_log(OVBD_NOTICE, "stopping while frozen: thawed");
	}
	ovbd_log(OVBD_INFO, "%lu freezes, %lu thaws, %lu failed", c.freezes, c.thaws, c.errors);
	close(fd);
	return ret ? 1 : 0;
}
