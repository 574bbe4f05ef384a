/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What ovb-kvpd, ovb-vssd and ovb-fcopyd share: logging to stderr with
 * sd-daemon level prefixes (the journal takes them; nothing is written to
 * disk by us), a rate limit for what the host can trigger, the device's
 * appearance through libudev, readiness through sd_notify, and one
 * wait for "a message from the device or a signal".
 *
 * The device (/dev/vmbus/hv_*, Linux hv_utils_transport's char device, or
 * ovb_ic's with the same ABI) hands over one whole message per read() and
 * takes one whole answer per write(). Every byte of a message is the
 * host's and the kernel's: untrusted, checked by the parsers.
 */
#ifndef OVB_DAEMONS_DAEMON_H
#define OVB_DAEMONS_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hyper-V status codes the daemons answer with (uapi linux/hyperv.h). */
#define HV_S_OK				0x00000000u
#define HV_E_FAIL			0x80004005u
#define HV_S_CONT			0x80070103u
#define HV_ERROR_NOT_SUPPORTED		0x80070032u
#define HV_INVALIDARG			0x80070057u
#define HV_GUID_NOTFOUND		0x80041002u
#define HV_ERROR_ALREADY_EXISTS		0x80070050u
#define HV_ERROR_DISK_FULL		0x80070070u

/* The largest message any of the devices hands to a daemon (ovb_ic's IC_DAEMON_MSG). */
#define OVBD_MSG_MAX	8192

/* syslog levels, as the sd-daemon prefix "<N>" carries them. */
enum { OVBD_ERR = 3, OVBD_WARNING = 4, OVBD_NOTICE = 5, OVBD_INFO = 6, OVBD_DEBUG = 7 };

void ovbd_log_init(const char *name, bool verbose);
void ovbd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * A message the host can cause (a bad request): at most a burst of 10,
 * then one per 5 s; the rest are counted and the count said later.
 */
void ovbd_log_peer(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * While suspended nothing is written (ovb-vssd, while filesystems are
 * frozen: journald could block on them, and we on a full pipe to it);
 * messages are counted, and resuming says how many were dropped.
 */
void ovbd_log_suspend(bool suspend);

/*
 * Open the char device @path (O_RDWR). If it is not there yet, wait up to
 * @timeout_s for udev to announce it (libudev monitor, subsystem misc).
 * Returns the fd, or -1 with errno (EBUSY: another daemon, e.g. Debian's
 * hyperv-daemons, has it open).
 */
int ovbd_open_device(const char *path, int timeout_s);

/* SIGTERM, SIGINT and SIGHUP blocked and delivered through the returned signalfd. */
int ovbd_signalfd(void);

/*
 * Wait for @fd to be readable or a signal on @sigfd, at most @timeout_ms
 * (-1: forever). 1: readable; 0: timeout; -1: a signal asks us to stop,
 * or @fd hung up (errno ENODEV).
 */
int ovbd_wait(int fd, int sigfd, int timeout_ms);

/* Read one message (at most @size bytes). Its length, or -1 (errno). */
long ovbd_read_msg(int fd, void *buf, size_t size);
/* Write one whole answer; 0, or -1 (errno). */
int ovbd_write_msg(int fd, const void *buf, size_t len);

/* sd_notify: READY=1 with a STATUS= line (nothing without systemd). */
void ovbd_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ovbd_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copy the NUL-terminated string within @in[0..@size) to @out; false if no NUL there. */
bool ovbd_field_str(const void *in, size_t size, char *out, size_t out_size);

#endif /* OVB_DAEMONS_DAEMON_H */

/*
 * The daemons' loop: each message read from @fd goes to @handle, which
 * puts its answer in @out (OVBD_MSG_MAX bytes) and returns the answer's
 * length (0: none). Until a signal on @sigfd or the device goes: 0 when
 * stopped by a signal or the device's removal, -1 on another error.
 * A write the kernel refuses (the request it answers timed out there) is
 * logged and the loop goes on.
 */
typedef size_t (*ovbd_handler)(void *ctx, const void *in, size_t len, void *out);
int ovbd_serve(int fd, int sigfd, ovbd_handler handle, void *ctx);

/* The daemons' common options: -n (accepted, we never fork), -v, -D DEVICE, -w SECONDS. */
struct ovbd_opts {
	const char *device;
	int wait_s;		/* for the device to appear */
	bool verbose;
	const char *dir;	/* -d: ovb-kvpd's pool directory */
	bool thaw_all;		/* ovb-vssd --thaw-all */
	unsigned int max_freeze_s;	/* ovb-vssd -t */
	const char *set_ip_hook;	/* ovb-kvpd -S: what applies SET_IP_INFO */
};
/* Parse argv (exits on -h or an error); @usage names the daemon's own options. */
void ovbd_parse_opts(int argc, char **argv, struct ovbd_opts *o, const char *usage);
/* Open o->device and say why not (EBUSY: another daemon has it); the fd or -1. */
int ovbd_open(const struct ovbd_opts *o);
