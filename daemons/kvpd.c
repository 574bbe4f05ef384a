// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ovb-kvpd: the guest's KVP daemon on /dev/vmbus/hv_kvp (ovb_ic, or the
 * in-tree hv_utils): the host's get/set/delete/enumerate on the pools in
 * /var/lib/hyperv/.kvp_pool_N (hv_kvp_daemon's files, so either daemon can
 * take over), the auto pool's values and the guest's IP configuration,
 * which the host may also set (kvp_ipcfg.c, through a hook program).
 * Protocol: kvp_msg.c; the guest's facts: kvp_info.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemons/daemon.h"
#include "daemons/kvp_info.h"
#include "daemons/kvp_ipcfg.h"
#include "daemons/kvp_msg.h"
#include "daemons/kvp_pool.h"

/* SET_IP_INFO's hook as the package installs it (daemons/ovb-kvp-set-ip). */
#define KVPD_SET_IP_HOOK	"/usr/lib/openvmbus/ovb-kvp-set-ip"

static size_t kvpd_handle(void *ctx, const void *in, size_t len, void *out)
{
	return kvp_handle(ctx, in, len, out) == KVP_ANSWER ? sizeof(struct kvp_dev_msg) : 0;
}

int main(int argc, char **argv)
{
	struct ovbd_opts o = { .device = "/dev/vmbus/hv_kvp", .dir = "/var/lib/hyperv",
			       .set_ip_hook = KVPD_SET_IP_HOOK };
	static struct kvp_sysinfo si;
	static struct kvp_ctx c;
	struct kvp_dev_msg reg;
	int fd, sigfd, ret;

	ovbd_parse_opts(argc, argv, &o, " [-d POOLDIR] [-S HOOK]\n"
			"  -d POOLDIR  the pool files' directory (default /var/lib/hyperv)\n"
			"  -S HOOK     the program that applies the host's IP configuration\n"
			"              (default " KVPD_SET_IP_HOOK ")");
	if (mkdir(o.dir, 0755) && errno != EEXIST) {
		ovbd_log(OVBD_ERR, "mkdir %s: %s", o.dir, strerror(errno));
		return 1;
	}
	c.pool_dirfd = open(o.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.pool_dirfd < 0) {
		ovbd_log(OVBD_ERR, "open %s: %s", o.dir, strerror(errno));
		return 1;
	}
	/* Every pool's file exists from the start, as with hv_kvp_daemon. */
	for (int p = 0; p < KVP_POOL_COUNT; p++) {
		struct kvp_pool_data pool;
		int pfd = kvp_pool_load(c.pool_dirfd, p, &pool);

		if (pfd < 0) {
			ovbd_log(OVBD_ERR, "pool %d in %s: %s", p, o.dir, strerror(errno));
			return 1;
		}
		kvp_pool_free(&pool);
		kvp_pool_close(pfd);
	}
	kvp_sysinfo_read(&si);
	si.set_ip_hook = o.set_ip_hook;
	c.ops = (struct kvp_ops){ kvp_sys_auto_value, kvp_sys_ip_info, &si, kvp_sys_set_ip };
	sigfd = ovbd_signalfd();
	fd = ovbd_open(&o);
	if (sigfd < 0 || fd < 0)
		return 1;
	kvp_register_msg(&reg);
	if (ovbd_write_msg(fd, &reg, sizeof(reg))) {
		ovbd_log(OVBD_ERR, "register with %s: %s", o.device, strerror(errno));
		return 1;
	}
	ovbd_log(OVBD_INFO, "serving %s, pools in %s (OS '%s' %s, kernel %s)", o.device, o.dir,
		 si.os_name, si.os_major, si.os_build);
	ovbd_ready("serving %s", o.device);
	ret = ovbd_serve(fd, sigfd, kvpd_handle, &c);
	ovbd_log(OVBD_INFO, "%lu requests, %lu failed", c.requests, c.errors);
	close(fd);
	return ret ? 1 : 0;
}
