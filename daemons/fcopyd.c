// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ovb-fcopyd: the guest's file copy daemon on /dev/vmbus/hv_fcopy (ovb_ic
 * on 6.1 and 6.12, or the in-tree 6.1 hv_utils): the host's files written
 * safely (fcopy_file.c). Not done: the in-tree 6.12 stack's fcopy, a uio
 * device (uio_hv_generic) whose ring the daemon would drive itself; there
 * ovb_ic's /dev/vmbus/hv_fcopy is the way.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "daemons/daemon.h"
#include "daemons/fcopy_file.h"

static size_t fcopyd_handle(void *ctx, const void *in, size_t len, void *out)
{
	return fcopy_handle(ctx, in, len, out);
}

int main(int argc, char **argv)
{
	struct ovbd_opts o = { .device = "/dev/vmbus/hv_fcopy" };
	static struct fcopy_state s;
	uint32_t version = 1;	/* FCOPY_CURRENT_VERSION: the kernel answers with its own */
	int fd, sigfd, rootfd, ret;

	ovbd_parse_opts(argc, argv, &o, "");
	rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	sigfd = ovbd_signalfd();
	if (rootfd < 0 || sigfd < 0)
		return 1;
	fcopy_init(&s, rootfd);
	fd = ovbd_open(&o);
	if (fd < 0)
		return 1;
	if (ovbd_write_msg(fd, &version, sizeof(version))) {
		ovbd_log(OVBD_ERR, "register with %s: %s", o.device, strerror(errno));
		return 1;
	}
	ovbd_log(OVBD_INFO, "serving %s", o.device);
	ovbd_ready("serving %s", o.device);
	ret = ovbd_serve(fd, sigfd, fcopyd_handle, &s);
	fcopy_abort(&s);
	ovbd_log(OVBD_INFO, "%lu files, %lu failed", s.files, s.failures);
	close(fd);
	return ret ? 1 : 0;
}
