// SPDX-License-Identifier: GPL-2.0 OR MIT
/* What the guest daemons share (daemon.h). */
#include "daemons/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>
#include <systemd/sd-daemon.h>

static const char *log_name = "ovbd";
static bool log_verbose, log_suspended;
static unsigned long log_dropped;	/* while suspended */
static unsigned long peer_dropped;	/* by the rate limit */
static double peer_tokens = 10, peer_last;

void ovbd_log_init(const char *name, bool verbose)
{
	log_name = name;
	log_verbose = verbose;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void log_v(int level, const char *fmt, va_list ap)
{
	char line[1024];

	if (level == OVBD_DEBUG && !log_verbose)
		return;
	if (log_suspended) {
		log_dropped++;
		return;
	}
	vsnprintf(line, sizeof(line), fmt, ap);
	/* One write per line: the journal's stream reader takes it whole. */
	fprintf(stderr, "<%d>%s: %s\n", level, log_name, line);
}

void ovbd_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(level, fmt, ap);
	va_end(ap);
}

void ovbd_log_peer(int level, const char *fmt, ...)
{
	double t = now_s();
	va_list ap;

	peer_tokens += (t - peer_last) / 5.0;	/* one message per 5 s */
	peer_last = t;
	if (peer_tokens > 10)
		peer_tokens = 10;
	if (peer_tokens < 1) {
		peer_dropped++;
		return;
	}
	peer_tokens -= 1;
	if (peer_dropped) {
		ovbd_log(OVBD_WARNING, "(%lu messages about the host's requests suppressed)",
			 peer_dropped);
		peer_dropped = 0;
	}
	va_start(ap, fmt);
	log_v(level, fmt, ap);
	va_end(ap);
}

void ovbd_log_suspend(bool suspend)
{
	log_suspended = suspend;
	if (!suspend && log_dropped) {
		ovbd_log(OVBD_NOTICE, "%lu messages dropped while filesystems were frozen",
			 log_dropped);
		log_dropped = 0;
	}
}

/* Wait (up to @timeout_s) for udev to announce @path; true once it exists. */
static bool wait_for_device(const char *path, int timeout_s)
{
	struct udev *udev = udev_new();
	struct udev_monitor *mon = udev ? udev_monitor_new_from_netlink(udev, "udev") : NULL;
	double end = now_s() + timeout_s;
	bool found = false;
	int fd;

	if (!mon || udev_monitor_filter_add_match_subsystem_devtype(mon, "misc", NULL) < 0 ||
	    udev_monitor_enable_receiving(mon) < 0) {
		/* No udev (an initramfs without udevd): poll for the node. */
		while (!found && now_s() < end) {
			found = access(path, F_OK) == 0;
			if (!found)
				usleep(200 * 1000);
		}
		goto out;
	}
	fd = udev_monitor_get_fd(mon);
	/* (it may have come between our open() and the monitor) */
	found = access(path, F_OK) == 0;
	while (!found && now_s() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct udev_device *d;

		if (poll(&p, 1, 500) > 0 && (d = udev_monitor_receive_device(mon))) {
			const char *node = udev_device_get_devnode(d);

			found = node && !strcmp(node, path);
			udev_device_unref(d);
		}
		found = found || access(path, F_OK) == 0;
	}
out:
	udev_monitor_unref(mon);
	udev_unref(udev);
	return found;
}

int ovbd_open_device(const char *path, int timeout_s)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && timeout_s > 0) {
		ovbd_log(OVBD_INFO, "waiting up to %d s for %s", timeout_s, path);
		if (wait_for_device(path, timeout_s))
			fd = open(path, O_RDWR | O_CLOEXEC);
		else
			errno = ENOENT;
	}
	return fd;
}

int ovbd_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int ovbd_wait(int fd, int sigfd, int timeout_ms)
{
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = sigfd, .events = POLLIN } };
	int n;

	do {
		n = poll(p, 2, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	if (p[1].revents) {
		struct signalfd_siginfo si;

		if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			ovbd_log(OVBD_INFO, "signal %u: stopping", si.ssi_signo);
		errno = EINTR;
		return -1;
	}
	if (p[0].revents & POLLIN)
		return 1;
	errno = ENODEV;	/* POLLERR/POLLHUP: the device went */
	return -1;
}

long ovbd_read_msg(int fd, void *buf, size_t size)
{
	ssize_t n;

	do {
		n = read(fd, buf, size);
	} while (n < 0 && errno == EINTR);
	return n;
}

int ovbd_write_msg(int fd, const void *buf, size_t len)
{
	ssize_t n;

	do {
		n = write(fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		return 0;
	if (n >= 0)
		errno = EIO;	/* the device takes a message whole or not at all */
	return -1;
}

static void notify_v(bool ready, const char *fmt, va_list ap)
{
	char status[256];

	vsnprintf(status, sizeof(status), fmt, ap);
	sd_notifyf(0, "%sSTATUS=%s", ready ? "READY=1\n" : "", status);
}

void ovbd_ready(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notify_v(true, fmt, ap);
	va_end(ap);
}

void ovbd_status(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notify_v(false, fmt, ap);
	va_end(ap);
}

bool ovbd_field_str(const void *in, size_t size, char *out, size_t out_size)
{
	const char *end = memchr(in, '\0', size);
	size_t n;

	if (!end)
		return false;
	n = (size_t)(end - (const char *)in);
	if (n >= out_size)
		return false;
	memcpy(out, in, n);
	out[n] = '\0';
	return true;
}

int ovbd_serve(int fd, int sigfd, ovbd_handler handle, void *ctx)
{
	static unsigned char in[OVBD_MSG_MAX], out[OVBD_MSG_MAX];

	for (;;) {
		int r = ovbd_wait(fd, sigfd, -1);
		size_t alen;
		long n;

		if (r < 0)
			return errno == EINTR || errno == ENODEV ? 0 : -1;
		if (r == 0)
			continue;
		n = ovbd_read_msg(fd, in, sizeof(in));
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < 0 && errno == ENODEV) {
			ovbd_log(OVBD_NOTICE, "the device went away: stopping");
			return 0;
		}
		if (n == 0) {
			ovbd_log(OVBD_NOTICE, "end of file on the device: stopping");
			return 0;
		}
		if (n < 0) {
			ovbd_log(OVBD_ERR, "read: %s", strerror(errno));
			return -1;
		}
		alen = handle(ctx, in, (size_t)n, out);
		if (alen && ovbd_write_msg(fd, out, alen)) {
			if (errno == ENODEV)
				return 0;
			/* ovb_ic and hv_utils refuse an answer to a request that timed out. */
			ovbd_log_peer(OVBD_WARNING, "the kernel did not take our answer: %s",
				      strerror(errno));
		}
	}
}

void ovbd_parse_opts(int argc, char **argv, struct ovbd_opts *o, const char *usage)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-n") || !strcmp(a, "--no-daemon")) {
			continue;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			o->verbose = true;
		} else if ((!strcmp(a, "-D") || !strcmp(a, "--device")) && v) {
			o->device = v;
			i++;
		} else if ((!strcmp(a, "-w") || !strcmp(a, "--wait")) && v) {
			o->wait_s = atoi(v);
			i++;
		} else if ((!strcmp(a, "-d") || !strcmp(a, "--pool-dir")) && v && o->dir) {
			o->dir = v;
			i++;
		} else if ((!strcmp(a, "-t") || !strcmp(a, "--max-freeze")) && v && o->max_freeze_s) {
			o->max_freeze_s = (unsigned int)strtoul(v, NULL, 10);
			if (!o->max_freeze_s)
				o->max_freeze_s = 1;
			i++;
		} else if ((!strcmp(a, "-S") || !strcmp(a, "--set-ip-hook")) && v && o->set_ip_hook) {
			o->set_ip_hook = v;
			i++;
		} else if (!strcmp(a, "--thaw-all") && o->max_freeze_s) {
			o->thaw_all = true;
		} else {
			fprintf(stderr, "usage: %s [-n] [-v] [-D DEVICE] [-w SECONDS]%s\n"
				"  -D DEVICE   the char device (default %s)\n"
				"  -w SECONDS  wait that long for it to appear (default 0)\n",
				argv[0], usage, o->device);
			exit(strcmp(a, "-h") && strcmp(a, "--help") ? 2 : 0);
		}
	}
	ovbd_log_init(strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0], o->verbose);
}

int ovbd_open(const struct ovbd_opts *o)
{
	int fd = ovbd_open_device(o->device, o->wait_s);

	if (fd < 0 && errno == EBUSY)
		ovbd_log(OVBD_ERR, "%s is in use: another daemon (hyperv-daemons?) has it open",
			 o->device);
	else if (fd < 0)
		ovbd_log(OVBD_ERR, "open %s: %s", o->device, strerror(errno));
	return fd;
}
