// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ovb-host's devices and control socket commands, over the VMBus control
 * thread of vmbus_host.c.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostside/ctl/ctl.h"
#include "hostside/glue.h"
#include "hostside/icvsp/icvsp.h"
#include "hostside/log.h"
#include "hostside/storvsp/storvsp.h"
#include "hostside/vmbus/server.h"
#include "hostside/vmbus/vsp.h"
#include "hostside/vmbus_host.h"
#include "hostside/vmm/vm.h"

struct host {
	struct vm *vm;
	struct vmbus_host *vh;
	struct vmbus_server *srv;
	struct vmbus_device *heartbeat, *shutdown;
	struct storvsp *storage;		/* NULL without --disk */
	struct ctl *ctl;
	time_t started;
};

static int host_disk_add(struct host *h, const char *spec, const char **err)
{
	struct storvsp_disk_opts o;
	char buf[512];
	int lun;

	if (storvsp_disk_parse(spec, &o, buf, sizeof(buf))) {
		*err = "bad disk (PATH[,ro][,direct][,serial=S])";
		return -1;
	}
	lun = storvsp_disk_add(h->storage, -1, &o);
	if (lun < 0) {
		log_err("disk %s: %s", o.path, strerror(-lun));
		*err = "cannot attach the disk (see ovb-host's log)";
		return -1;
	}
	log_info("disk %s attached as LUN %d", o.path, lun);
	return lun;
}

struct host *host_vmbus_start(struct vm *vm, struct hv *hv, const char *const *disks,
			      unsigned int ndisks)
{
	struct host *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->vm = vm;
	h->started = time(NULL);
	h->vh = vmbus_host_new(vm, hv);
	if (!h->vh)
		return NULL;
	h->srv = vmbus_host_server(h->vh);
	h->heartbeat = icvsp_heartbeat_new();
	h->shutdown = icvsp_shutdown_new();
	if (!h->srv || !h->heartbeat || !h->shutdown ||
	    vmbus_server_add_device(h->srv, h->heartbeat) ||
	    vmbus_server_add_device(h->srv, h->shutdown))
		return NULL;
	if (ndisks) {
		const char *err;

		h->storage = storvsp_new(NULL, vm->ncpus > 1 ? vm->ncpus - 1 : 0);
		if (!h->storage)
			return NULL;
		for (unsigned int i = 0; i < ndisks; i++)
			if (host_disk_add(h, disks[i], &err) < 0)
				return NULL;
		if (vmbus_server_add_device(h->srv, storvsp_device(h->storage)))
			return NULL;
	}
	if (vmbus_host_start(h->vh))
		return NULL;
	return h;
}

/* ---- control socket commands -------------------------------------------- */

static void guid_str(const struct ovb_guid *g, char *s)
{
	const uint8_t *b = g->b;

	sprintf(s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11],
		b[12], b[13], b[14], b[15]);
}

static int cmd_status(void *opaque, const char *args, FILE *out, const char **err)
{
	struct host *h = opaque;
	uint32_t v = vmbus_server_version(h->srv);

	(void)args;
	(void)err;
	fprintf(out, "state: running\nuptime: %lds\nvcpus: %u\nmemory: %lluM\n",
		(long)(time(NULL) - h->started), h->vm->ncpus,
		(unsigned long long)(h->vm->ram_size >> 20));
	if (v)
		fprintf(out, "vmbus: connected, version %u.%u\n", v >> 16, v & 0xffff);
	else
		fprintf(out, "vmbus: not connected\n");
	fprintf(out, "gpadls: %u\n", vmbus_server_gpadl_count(h->srv));
	return 0;
}

static void channel_line(void *arg, const struct vmbus_channel_info *i)
{
	char cls[40], inst[40];

	guid_str(&i->class_id, cls);
	guid_str(&i->instance_id, inst);
	fprintf(arg, "%-5u %-10s %-9s %-5u %s %s tx %llu/%llu rx %llu/%llu sig %llu/%llu%s\n",
		i->relid, i->device, i->state, i->target_vp, cls, inst,
		(unsigned long long)i->tx_packets, (unsigned long long)i->tx_bytes,
		(unsigned long long)i->rx_packets, (unsigned long long)i->rx_bytes,
		(unsigned long long)i->tx_signals, (unsigned long long)i->rx_signals,
		i->ring_failed ? " FAILED" : "");
}

static int cmd_channels(void *opaque, const char *args, FILE *out, const char **err)
{
	struct host *h = opaque;

	(void)args;
	(void)err;
	fprintf(out, "relid device     state     vp    class                                instance                             ring counters (packets/bytes)\n");
	vmbus_server_list_channels(h->srv, channel_line, out);
	return 0;
}

static int cmd_heartbeat(void *opaque, const char *args, FILE *out, const char **err)
{
	struct host *h = opaque;
	struct icvsp_status st;
	struct timespec now;

	(void)args;
	icvsp_get_status(h->heartbeat, &st);
	if (!st.negotiated) {
		*err = "the guest's heartbeat service is not running";
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	fprintf(out, "heartbeat: seq %llu, %llu answered of %llu sent, last %.1fs ago, version %u.%u\n",
		(unsigned long long)st.last_seq, (unsigned long long)st.answered,
		(unsigned long long)st.sent,
		st.last_answer.tv_sec ? (now.tv_sec - st.last_answer.tv_sec) +
				       (now.tv_nsec - st.last_answer.tv_nsec) / 1e9 : -1.0,
		st.srv_version >> 16, st.srv_version & 0xffff);
	return 0;
}

static int do_shutdown(struct host *h, bool restart, FILE *out, const char **err)
{
	if (icvsp_shutdown_request(h->shutdown, restart)) {
		*err = "the guest's shutdown service is not running";
		return -1;
	}
	fprintf(out, "%s requested\n", restart ? "restart" : "shutdown");
	return 0;
}

static int cmd_shutdown(void *opaque, const char *args, FILE *out, const char **err)
{
	(void)args;
	return do_shutdown(opaque, false, out, err);
}

static int cmd_reboot(void *opaque, const char *args, FILE *out, const char **err)
{
	(void)args;
	return do_shutdown(opaque, true, out, err);
}

static int cmd_disk(void *opaque, const char *args, FILE *out, const char **err)
{
	struct host *h = opaque;
	int lun;

	if (!h->storage) {
		*err = "no SCSI controller (start ovb-host with at least one --disk)";
		return -1;
	}
	if (!strncmp(args, "add ", 4)) {
		lun = host_disk_add(h, args + 4, err);
		if (lun < 0)
			return -1;
		fprintf(out, "lun %d\n", lun);
		return 0;
	}
	if (!strncmp(args, "remove ", 7)) {
		char *end;
		long n = strtol(args + 7, &end, 10);

		if (*end || n < 0 || n >= STORVSP_MAX_LUNS || storvsp_disk_remove(h->storage, (unsigned int)n)) {
			*err = "no such LUN";
			return -1;
		}
		fprintf(out, "lun %ld removed\n", n);
		return 0;
	}
	*err = "usage: disk add PATH[,ro][,direct][,serial=S] | disk remove LUN";
	return -1;
}

static const struct ctl_command host_cmds[] = {
	{ "disk", "add PATH[,ro,...] | remove LUN: hot-plug SCSI disks", cmd_disk },
	{ "status", "VM state, VMBus version, GPADL count", cmd_status },
	{ "channels", "VMBus channels with state and ring counters", cmd_channels },
	{ "heartbeat", "the guest's last heartbeat", cmd_heartbeat },
	{ "shutdown", "ask the guest to power off (integration service)", cmd_shutdown },
	{ "reboot", "ask the guest to restart (integration service)", cmd_reboot },
};

void host_set_faults(struct host *h, const struct vmbus_faults *f)
{
	vmbus_server_set_faults(h->srv, f);
}

int host_ctl_start(struct host *h, const char *path)
{
	h->ctl = ctl_start(path, host_cmds, sizeof(host_cmds) / sizeof(host_cmds[0]), h);
	return h->ctl ? 0 : -1;
}

void host_stop(struct host *h)
{
	if (!h)
		return;
	ctl_stop(h->ctl);
	vmbus_host_stop(h->vh);
	if (h->storage)
		vmbus_server_remove_device(h->srv, storvsp_device(h->storage));
	vmbus_host_free(h->vh);
	storvsp_free(h->storage);
}
