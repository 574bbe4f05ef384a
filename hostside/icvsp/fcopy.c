// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Guest file copy IC (`--fcopy SECONDS`: how long the host waits for each
 * answer): `ovbctl copy [--overwrite] HOSTFILE GUESTPATH` sends a host
 * file to the guest's fcopy daemon (Linux hv_fcopy.c + hv_fcopy_daemon):
 * START (name, directory, size), WRITE fragments of 6 KiB at their
 * offsets, COMPLETE. Any failure (the guest refused, a fragment did not
 * fit its disk, the host file could not be read, no answer) ends the copy
 * with CANCEL, on which the daemon removes the partial file. The copy
 * runs on the worker, one transaction at a time (ic_txn.c); `copy` waits
 * for it up to FCOPY_WAIT_S and `status` shows its progress after that.
 * The device's instance GUID is the one the 6.12 uio daemon looks for.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hostside/ctl/ctl.h"
#include "hostside/devices.h"
#include "hostside/icvsp/ic_txn.h"
#include "hostside/icvsp/icvsp.h"
#include "hostside/icvsp/utf16.h"
#include "hostside/log.h"
#include "ovb/guids.h"
#include "ovb/ic_fcopy.h"

static const uint32_t fcopy_versions[] = { IC_FCOPY_VERSION_1_1 };

#define FCOPY_WAIT_S		12	/* `copy` waits this long (ovbctl: 15) */
#define FCOPY_MAX_TIMEOUT_S	60

enum fcopy_step { FC_IDLE, FC_START, FC_WRITE, FC_COMPLETE, FC_CANCEL };

struct fcopy {
	struct ic_service ic;		/* first: icvsp_free() frees dev->priv */
	struct ic_txn txn;
	pthread_mutex_t m;		/* guards the job */
	pthread_cond_t done_cv;
	enum fcopy_step step;		/* FC_IDLE: no copy running */
	int fd;				/* the host file */
	uint64_t size, offset, sent;	/* sent: offset once the fragment in flight lands */
	uint32_t flags;
	uint16_t name[IC_FCOPY_MAX_PATH], dir[IC_FCOPY_MAX_PATH];
	const char *error;		/* why the last copy failed, NULL if it did not */
	uint32_t guest_status;
	bool finished;			/* the last copy ended (well or not) */
	uint64_t copies, failures;
};

/* ---- the copy, step by step (worker thread) ---- */

static void fcopy_hdr(uint8_t *buf, uint32_t op)
{
	struct fcopy_hdr h = { .operation = op };

	memcpy(buf, &h, sizeof(h));
}

static uint32_t fcopy_own_next(struct ic_service *ic, uint8_t *buf, uint32_t size)
{
	struct fcopy *f = (struct fcopy *)ic;
	struct fcopy_start s;
	struct fcopy_write *w = (void *)buf;
	uint32_t len = 0;
	ssize_t n;

	(void)size;	/* IC_TXN_MAX holds an fcopy_write */
	pthread_mutex_lock(&f->m);
	switch (f->step) {
	case FC_IDLE:
		break;
	case FC_START:
		memset(&s, 0, sizeof(s));
		s.hdr.operation = IC_FCOPY_START;
		memcpy(s.file_name, f->name, sizeof(s.file_name));
		memcpy(s.path_name, f->dir, sizeof(s.path_name));
		s.copy_flags = f->flags;
		s.file_size = f->size;
		memcpy(buf, &s, sizeof(s));
		len = sizeof(s);
		break;
	case FC_WRITE:
		memset(w, 0, offsetof(struct fcopy_write, data));
		w->hdr.operation = IC_FCOPY_WRITE;
		w->offset = f->offset;
		n = pread(f->fd, w->data, IC_FCOPY_FRAGMENT, (off_t)f->offset);
		if (n <= 0) {
			f->error = "cannot read the host file";
			f->step = FC_CANCEL;
			fcopy_hdr(buf, IC_FCOPY_CANCEL);
			len = sizeof(struct fcopy_hdr);
			break;
		}
		w->size = (uint32_t)n;
		f->sent = f->offset + (uint64_t)n;
		len = sizeof(*w);
		break;
	case FC_COMPLETE:
		fcopy_hdr(buf, IC_FCOPY_COMPLETE);
		len = sizeof(struct fcopy_hdr);
		break;
	case FC_CANCEL:
		fcopy_hdr(buf, IC_FCOPY_CANCEL);
		len = sizeof(struct fcopy_hdr);
		break;
	}
	pthread_mutex_unlock(&f->m);
	return len;
}

/* The copy ended (f->m held). */
static void fcopy_finish(struct fcopy *f)
{
	close(f->fd);
	f->fd = -1;
	f->step = FC_IDLE;
	f->finished = true;
	if (f->error)
		f->failures++;
	else
		f->copies++;
	pthread_cond_broadcast(&f->done_cv);
}

static const char *fcopy_why(uint32_t status)
{
	switch (status) {
	case IC_FCOPY_E_ALREADY_EXISTS: return "the guest file exists (use --overwrite)";
	case IC_FCOPY_E_DISK_FULL: return "the guest's filesystem is full";
	default: return "the guest's fcopy daemon failed (see its log)";
	}
}

static void fcopy_own_done(struct ic_service *ic, int err, uint32_t status, const uint8_t *body,
			   uint32_t len)
{
	struct fcopy *f = (struct fcopy *)ic;
	bool ok = !err && status == IC_STATUS_OK;

	(void)body;
	(void)len;
	pthread_mutex_lock(&f->m);
	if (f->step == FC_CANCEL) {
		fcopy_finish(f);	/* whatever its answer: the daemon was told */
	} else if (!ok) {
		f->guest_status = status;
		f->error = err == -ETIMEDOUT ? "the guest's fcopy daemon did not answer in time" :
			   err ? "cannot send to the guest" : fcopy_why(status);
		f->step = FC_CANCEL;
	} else if (f->step == FC_START) {
		f->step = f->size ? FC_WRITE : FC_COMPLETE;
	} else if (f->step == FC_WRITE) {
		f->offset = f->sent;
		if (f->offset >= f->size)
			f->step = FC_COMPLETE;
	} else if (f->step == FC_COMPLETE) {
		fcopy_finish(f);
	}
	pthread_mutex_unlock(&f->m);
}	/* the next step goes out from the worker's kick, right after */

static void fcopy_negotiated(struct ic_service *ic)
{
	struct fcopy *f = (struct fcopy *)ic;

	pthread_mutex_lock(&f->m);
	if (f->step != FC_IDLE) {
		f->error = "the guest's fcopy service reconnected";
		fcopy_finish(f);
	}
	pthread_mutex_unlock(&f->m);
}

/* ---- ctl: copy [--overwrite] HOSTFILE GUESTPATH ---- */

static int fcopy_begin(struct fcopy *f, const char *host, const char *guest, bool overwrite,
		       const char **err)
{
	char dir[IC_FCOPY_MAX_PATH * 3];
	const char *slash = strrchr(guest, '/');
	struct stat sb;
	int fd;

	*err = "GUESTPATH must be an absolute path to a file";
	if (guest[0] != '/' || !slash || !slash[1] || (size_t)(slash - guest) + 1 >= sizeof(dir))
		return -1;
	/*
	 * The directory with its trailing '/': hv_fcopy_daemon creates (with
	 * CREATE_PATH) only the components that a '/' follows.
	 */
	memcpy(dir, guest, (size_t)(slash - guest) + 1);
	dir[slash - guest + 1] = '\0';
	fd = open(host, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		*err = "cannot open HOSTFILE (a regular file)";
		if (fd >= 0)
			close(fd);
		return -1;
	}
	pthread_mutex_lock(&f->m);
	if (f->step != FC_IDLE) {
		pthread_mutex_unlock(&f->m);
		close(fd);
		*err = "a copy is in progress";
		return -1;
	}
	if (utf8_to_utf16(slash + 1, (uint8_t *)f->name, sizeof(f->name)) < 0 ||
	    utf8_to_utf16(dir, (uint8_t *)f->dir, sizeof(f->dir)) < 0) {
		pthread_mutex_unlock(&f->m);
		close(fd);
		*err = "GUESTPATH too long for fcopy (or not UTF-8)";
		return -1;
	}
	f->fd = fd;
	f->size = (uint64_t)sb.st_size;
	f->offset = f->sent = 0;
	f->flags = IC_FCOPY_CREATE_PATH | (overwrite ? IC_FCOPY_OVERWRITE : 0);
	f->error = NULL;
	f->guest_status = 0;
	f->finished = false;
	f->step = FC_START;
	pthread_mutex_unlock(&f->m);
	return 0;
}

static void fcopy_progress(struct fcopy *f, struct json_object *o)
{
	json_object_object_add(o, "size", json_object_new_int64((int64_t)f->size));
	json_object_object_add(o, "copied", json_object_new_int64((int64_t)f->offset));
	json_object_object_add(o, "running", json_object_new_boolean(f->step != FC_IDLE));
}

static int cmd_copy(void *state, const char *args, struct json_object *reply, const char **err)
{
	struct fcopy *f = state;
	char host[CTL_MAX_LINE], guest[CTL_MAX_LINE], extra[8];
	struct timespec deadline;
	bool overwrite = false;
	uint64_t one = 1;
	int n, ret = 0;

	*host = *guest = *extra = '\0';
	if (!strncmp(args, "--overwrite ", 12)) {
		overwrite = true;
		args += 12;
	}
	n = sscanf(args, "%255s %255s %7s", host, guest, extra);
	if (n != 2) {
		*err = "usage: copy [--overwrite] HOSTFILE GUESTPATH";
		return -1;
	}
	pthread_mutex_lock(&f->ic.lock);
	ret = f->ic.st.negotiated ? 0 : -1;
	pthread_mutex_unlock(&f->ic.lock);
	if (ret) {
		*err = "the guest's fcopy service is not running";
		return -1;
	}
	if (fcopy_begin(f, host, guest, overwrite, err))
		return -1;
	pthread_mutex_lock(&f->ic.lock);
	if (f->ic.ch && write(vmbus_channel_notify_fd(f->ic.ch), &one, sizeof(one)) < 0)
		ret = 0;	/* the next tick starts it */
	pthread_mutex_unlock(&f->ic.lock);

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += FCOPY_WAIT_S;
	pthread_mutex_lock(&f->m);
	while (!f->finished && !ret)
		ret = pthread_cond_timedwait(&f->done_cv, &f->m, &deadline);
	if (f->finished && f->error) {
		*err = f->error;
		pthread_mutex_unlock(&f->m);
		return -1;
	}
	fcopy_progress(f, reply);
	pthread_mutex_unlock(&f->m);
	return 0;
}

/* ---- the device type ---- */

static int fcopy_type_parse(void **cfg, const char *arg)
{
	return icvsp_parse_seconds(cfg, arg, "fcopy", "seconds to wait for each answer", FCOPY_MAX_TIMEOUT_S);
}

static void *fcopy_type_create(const struct vsp_env *env, void *cfg)
{
	static const struct ovb_guid class_id = OVB_GUID_FCOPY;
	static const struct ovb_guid instance = OVB_GUID_FCOPY_INSTANCE;
	struct fcopy *f = calloc(1, sizeof(*f));
	pthread_condattr_t ca;

	(void)env;
	if (!f)
		return NULL;
	ic_service_init(&f->ic, "fcopy", &class_id, ICMSGTYPE_FCOPY, fcopy_versions,
			sizeof(fcopy_versions) / sizeof(fcopy_versions[0]));
	f->ic.dev.instance_id = instance;
	f->ic.txn = &f->txn;
	f->ic.negotiated = fcopy_negotiated;
	ic_txn_init(&f->txn, &f->ic, *(unsigned int *)cfg);
	f->txn.own_next = fcopy_own_next;
	f->txn.own_done = fcopy_own_done;
	f->fd = -1;
	pthread_mutex_init(&f->m, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->done_cv, &ca);
	pthread_condattr_destroy(&ca);
	return f;
}

static struct vmbus_device *fcopy_type_device(void *state)
{
	return &((struct fcopy *)state)->ic.dev;
}

static void fcopy_type_destroy(void *state)
{
	struct fcopy *f = state;

	if (f->fd >= 0)
		close(f->fd);
	icvsp_free(fcopy_type_device(state));
}

static void fcopy_type_status(void *state, struct json_object *e)
{
	struct fcopy *f = state;
	struct icvsp_status st;

	icvsp_get_status(&f->ic.dev, &st);
	json_object_object_add(e, "negotiated", json_object_new_boolean(st.negotiated));
	pthread_mutex_lock(&f->m);
	fcopy_progress(f, e);
	json_object_object_add(e, "copies", json_object_new_int64((int64_t)f->copies));
	json_object_object_add(e, "failures", json_object_new_int64((int64_t)f->failures));
	json_object_object_add(e, "last_error", f->finished && f->error ?
			       json_object_new_string(f->error) : NULL);
	pthread_mutex_unlock(&f->m);
}

static const struct ctl_command fcopy_cmds[] = {
	{ "copy", "[--overwrite] HOSTFILE GUESTPATH",
	  "copy a host file into the guest (its fcopy daemon)", cmd_copy },
};

const struct vsp_type fcopy_vsp_type = {
	.name = "fcopy",
	.option = "fcopy",
	.arg = "SECONDS",
	.help = "guest file copy (ovbctl copy) through the guest's fcopy daemon; "
		"SECONDS to wait for each answer",
	.parse = fcopy_type_parse,
	.cfg_free = free,
	.create = fcopy_type_create,
	.device = fcopy_type_device,
	.destroy = fcopy_type_destroy,
	.status = fcopy_type_status,
	.cmds = fcopy_cmds,
	.ncmds = sizeof(fcopy_cmds) / sizeof(fcopy_cmds[0]),
};
