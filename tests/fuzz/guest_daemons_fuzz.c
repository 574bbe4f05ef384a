// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer: the guest daemons' handlers (daemons/) fed the messages a
 * host and kernel could hand them, as a script: each step picks a daemon
 * and an operation, lays out that message (the right size, or any length
 * up to the largest), and overwrites any span of it with raw input bytes
 * (sizes, pools, strings without their ends, offsets). ovb-kvpd's pools
 * and ovb-fcopyd's files live in a temporary directory, emptied for each
 * input; ovb-vssd freezes through stand-ins (a fuzzer must not freeze
 * this machine). A last step feeds the text parsers (os-release,
 * resolv.conf, /proc/net/route, mountinfo) raw text.
 *
 * Checked: every message gets the answer its daemon owes; each string a
 * KVP answer carries ends within its field; a CANCEL leaves no copy
 * under way; nothing is written outside the temporary directory (the
 * fcopy paths are relative to it and ".." is refused).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemons/daemon.h"
#include "daemons/fcopy_file.h"
#include "daemons/kvp_info.h"
#include "daemons/kvp_ipcfg.h"
#include "daemons/kvp_msg.h"
#include "daemons/kvp_pool.h"
#include "daemons/vss_fs.h"
#include "daemons/vss_msg.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/fuzz_tmpdir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

static char dir[64];
static int dirfd_ = -1;
static int frozen_fake;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	dirfd_ = fuzz_tmpdir(dir, sizeof(dir), "ovb-daemons-fuzz");
	ovbd_log_init("guest_daemons_fuzz", false);
	ovbd_log_suspend(true);	/* quiet: the rate limit is tested elsewhere */
	return 0;
}

static int fake_auto(void *arg, unsigned int idx, char *buf, size_t size)
{
	memset(buf, 'a' + (int)idx, size - 1);	/* as long as it can be */
	buf[size - 1] = '\0';
	return idx == 3 ? -1 : 0;
}

static int fake_ip(void *arg, const char *mac, struct kvp_ip_info *out)
{
	if (strlen(mac) >= sizeof(out->ip_addr))
		abort();
	if (mac[0] == '0')
		return -1;
	out->addr_family = 3;
	memset(out->ip_addr, '1', sizeof(out->ip_addr));	/* unterminated: the handler ends it */
	memset(out->gate_way, '2', sizeof(out->gate_way));
	return 0;
}

/*
 * SET_IP_INFO's checked configuration: within its limits, every address
 * one inet_pton takes, no hook argument that looks like an option where
 * an address goes.
 */
static int fake_set_ip(void *arg, const char *adapter, const struct kvp_ipcfg *cfg)
{
	char bufs[KVP_IPCFG_ADDRS][INET6_ADDRSTRLEN + 8];
	const char *argv[64];
	unsigned char b[16];
	int n;

	if (!adapter[0] || cfg->naddrs > KVP_IPCFG_ADDRS || cfg->ngws > KVP_IPCFG_GWS ||
	    cfg->ndns > KVP_IPCFG_DNS || (!cfg->naddrs && !cfg->dhcp))
		abort();
	for (unsigned int i = 0; i < cfg->naddrs; i++) {
		bool v4 = inet_pton(AF_INET, cfg->addrs[i].addr, b) == 1;

		if ((!v4 && inet_pton(AF_INET6, cfg->addrs[i].addr, b) != 1) ||
		    cfg->addrs[i].prefix > (v4 ? 32u : 128u))
			abort();
	}
	n = kvp_ipcfg_argv(cfg, "/hook", "eth0", bufs, argv, 64);
	if (n < 2 || argv[n])
		abort();
	for (int i = 2; i < n; i++)
		if (argv[i][0] == '-' && strcmp(argv[i], "--dhcp") && strcmp(argv[i], "--gateway") &&
		    strcmp(argv[i], "--dns"))
			abort();
	return adapter[0] == '0' ? -2 : 0;
}

static int fake_freeze(void *arg)
{
	if (frozen_fake)
		abort();	/* frozen twice without a thaw */
	frozen_fake = 1;
	return 0;
}

static int fake_thaw(void *arg)
{
	frozen_fake = 0;
	return 0;
}

static void check_ends(const void *field, size_t size)
{
	if (!memchr(field, '\0', size))
		abort();
}

static void kvp_step(struct fz *f, struct kvp_ctx *c, uint8_t *msg, size_t len)
{
	struct kvp_dev_msg out, m;

	memcpy(&m, msg, sizeof(m));
	if (kvp_handle(c, msg, len, &out) == KVP_NO_ANSWER) {
		if (len != sizeof(out) || m.hdr.operation != IC_KVP_OP_REGISTER1)
			abort();
		return;
	}
	if (out.error || len != sizeof(out))
		return;
	switch (m.hdr.operation) {
	case IC_KVP_OP_GET:
		check_ends(out.body.get_set.value, sizeof(out.body.get_set.value));
		check_ends(out.body.enumerate.data.value, sizeof(out.body.enumerate.data.value));
		break;
	case IC_KVP_OP_ENUMERATE:
		check_ends(out.body.enumerate.data.key, sizeof(out.body.enumerate.data.key));
		check_ends(out.body.enumerate.data.value, sizeof(out.body.enumerate.data.value));
		break;
	case IC_KVP_OP_GET_IP_INFO:
		check_ends(out.body.ip.ip_addr, sizeof(out.body.ip.ip_addr));
		check_ends(out.body.ip.gate_way, sizeof(out.body.ip.gate_way));
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	static uint8_t msg[OVBD_MSG_MAX];
	static const size_t sizes[3] = { sizeof(struct kvp_dev_msg), sizeof(struct vss_msg),
					 sizeof(struct fcopy_write) };
	struct fz f = { in, size };
	struct kvp_ctx kc = { .pool_dirfd = dirfd_, .ops = { fake_auto, fake_ip, NULL, fake_set_ip } };
	struct vss_ctx vc = { .ops = { fake_freeze, fake_thaw, NULL } };
	struct fcopy_state fc;
	int steps = 0;

	fuzz_tmpdir_empty(dir);
	fcopy_init(&fc, dirfd_);
	frozen_fake = 0;
	while (f.left && steps++ < 64) {
		uint8_t sel = fz_u8(&f), op = fz_u8(&f), flags = fz_u8(&f);
		unsigned int d = sel % 4;
		size_t len, off, n;

		if (d == 3) {
			/* the text parsers: the rest of the input as text */
			char text[2048], a[256], b[256];
			struct vss_mount mnt;

			n = f.left < sizeof(text) - 1 ? f.left : sizeof(text) - 1;
			fz_take(&f, text, n);
			text[n] = '\0';
			kvp_os_release_parse(text, a, sizeof(a), b, sizeof(b));
			check_ends(a, sizeof(a));
			kvp_resolv_parse(text, a, sizeof(a));
			kvp_route_gateway(text, "eth0", b, sizeof(b));
			check_ends(a, sizeof(a));
			if (!vss_mountinfo_parse(text, &mnt)) {
				check_ends(mnt.dir, sizeof(mnt.dir));
				vss_mount_freezable(&mnt);
			}
			break;
		}
		len = sizes[d];
		if (d == 2 && op != IC_FCOPY_WRITE)
			len = op == IC_FCOPY_START ? sizeof(struct fcopy_start) : sizeof(struct fcopy_hdr);
		if (flags & 0x80)
			len = fz_u16(&f) % (OVBD_MSG_MAX + 1);
		memset(msg, 0, sizeof(msg));
		if (d == 2)
			memcpy(msg, &(uint32_t){ op % 5u }, 4);
		else
			msg[0] = d == 0 && op > 8 && op != IC_KVP_OP_REGISTER1 ? op % 8 : op;
		if (d == 0)
			msg[1] = flags & 0x7;	/* pool, 5-7 out of range */
		/* a span of raw bytes anywhere in it */
		off = fz_u16(&f) % sizes[d < 3 ? d : 0];
		n = fz_u16(&f) % 600;
		if (off + n > sizeof(msg))
			n = sizeof(msg) - off;
		fz_take(&f, msg + off, n);
		if (d == 0) {
			kvp_step(&f, &kc, msg, len);
		} else if (d == 1) {
			struct vss_msg out;

			if (vss_handle(&vc, msg, len, &out) != sizeof(out) && len != 4)
				abort();
			if (vc.frozen != !!frozen_fake)
				abort();
		} else {
			uint32_t st;
			size_t a = fcopy_handle(&fc, msg, len, &st);

			if (a != sizeof(st) && len != 4)
				abort();
			if (a && len >= 4 && msg[0] == IC_FCOPY_CANCEL && !msg[1] && !msg[2] &&
			    !msg[3] && fc.fd >= 0)
				abort();
		}
	}
	fcopy_abort(&fc);
	return 0;
}
