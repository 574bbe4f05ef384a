// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ovb-fcopyd: the guest's file copy daemon, the host's files written
 * safely (fcopy_file.c), on whichever of the two ways in is there:
 *
 * - /dev/vmbus/hv_fcopy (ovb_ic on 6.1 and 6.12, or the in-tree 6.1
 *   hv_utils): the kernel does the IC framing and negotiation;
 * - on the in-tree 6.12 stack, which has no fcopy driver, the channel
 *   itself through uio_hv_generic (uio_chan.c): the fcopy device of
 *   instance GUID eb765408-105f-49b6-b4aa-c123b64d17d4, whose IC framing
 *   and negotiation are ours then (fcopy_ic.c).
 *
 * The char device wins when both are there; -D picks one: a char device
 * path, or a /sys/bus/vmbus/devices/... directory for uio.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemons/daemon.h"
#include "daemons/fcopy_file.h"
#include "daemons/fcopy_ic.h"
#include "daemons/uio_chan.h"

#define FCOPY_CHARDEV	"/dev/vmbus/hv_fcopy"
#define FCOPY_UIO_DIR	"/sys/bus/vmbus/devices/eb765408-105f-49b6-b4aa-c123b64d17d4"

static size_t fcopyd_handle(void *ctx, const void *in, size_t len, void *out)
{
	return fcopy_handle(ctx, in, len, out);
}

static bool is_uio_dir(const char *path)
{
	return !strncmp(path, "/sys/", 5);
}

/* The uio device's node, when the fcopy device is bound to uio_hv_generic. */
static bool uio_there(const char *dir)
{
	char node[64];
	size_t len;

	return !uio_chan_find(dir, node, sizeof(node), &len);
}

/*
 * Which way in: o->device as given (-D), or the char device if it is
 * there, else the uio device; waiting up to -w seconds for either
 * (polled: udev starts us when one appears, so this is a backstop).
 */
static const char *pick_device(const struct ovbd_opts *o, bool given)
{
	struct timespec ts;
	time_t end;

	if (given)
		return o->device;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = ts.tv_sec + o->wait_s;
	for (;;) {
		if (access(FCOPY_CHARDEV, F_OK) == 0)
			return FCOPY_CHARDEV;
		if (uio_there(FCOPY_UIO_DIR))
			return FCOPY_UIO_DIR;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec >= end) {
			ovbd_log(OVBD_ERR, "neither %s nor a uio device in %s", FCOPY_CHARDEV,
				 FCOPY_UIO_DIR);
			return NULL;
		}
		usleep(200 * 1000);
	}
}

static int serve_uio(const char *dir, int sigfd, struct fcopy_state *s)
{
	static struct uio_chan c;
	struct fcopy_ic ic;
	int ret;

	if (uio_chan_open(&c, dir))
		return -1;
	fcopy_ic_init(&ic, s);
	ovbd_log(OVBD_INFO, "serving %s through uio", dir);
	ovbd_ready("serving the fcopy channel through uio");
	ret = uio_chan_serve(&c, sigfd, fcopy_ic_handle, &ic);
	ovbd_log(OVBD_INFO, "%lu packets, %lu answers, %lu refused, %lu dropped", c.packets,
		 c.answers, ic.refused, c.dropped);
	uio_chan_close(&c);
	return ret;
}

static int serve_chardev(struct ovbd_opts *o, int sigfd, struct fcopy_state *s)
{
	uint32_t version = 1;	/* FCOPY_CURRENT_VERSION: the kernel answers with its own */
	int fd, ret;

	o->wait_s = 0;	/* (pick_device waited) */
	fd = ovbd_open(o);
	if (fd < 0)
		return -1;
	if (ovbd_write_msg(fd, &version, sizeof(version))) {
		ovbd_log(OVBD_ERR, "register with %s: %s", o->device, strerror(errno));
		close(fd);
		return -1;
	}
	ovbd_log(OVBD_INFO, "serving %s", o->device);
	ovbd_ready("serving %s", o->device);
	ret = ovbd_serve(fd, sigfd, fcopyd_handle, s);
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	struct ovbd_opts o = { .device = FCOPY_CHARDEV };
	static struct fcopy_state s;
	int sigfd, rootfd, ret;
	bool given;

	ovbd_parse_opts(argc, argv, &o, "");
	given = strcmp(o.device, FCOPY_CHARDEV) != 0;
	rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	sigfd = ovbd_signalfd();
	if (rootfd < 0 || sigfd < 0)
		return 1;
	fcopy_init(&s, rootfd);
	o.device = pick_device(&o, given);
	if (!o.device)
		ret = -1;
	else if (is_uio_dir(o.device))
		ret = serve_uio(o.device, sigfd, &s);
	else
		ret = serve_chardev(&o, sigfd, &s);
	fcopy_abort(&s);
	ovbd_log(OVBD_INFO, "%lu files, %lu failed", s.files, s.failures);
	return ret ? 1 : 0;
}
