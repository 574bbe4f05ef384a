// SPDX-License-Identifier: GPL-2.0 OR MIT
/* KVP SET_IP_INFO: the host's configuration checked and applied (kvp_ipcfg.h). */
#include "daemons/kvp_ipcfg.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemons/daemon.h"
#include "daemons/kvp_info.h"

#define ITEM_MAX	64	/* one list item's characters at most (an IPv6 address is 45) */
#define HOOK_LIMIT_MS	20000	/* the hook's time (the host waits 10 s, the kernel 30 s) */

/*
 * The next ';'-separated item of *@s (blanks around it dropped) into
 * @out; 1, 0 at the end, -1 for an item too long. Empty items are skipped.
 */
static int next_item(const char **s, char *out)
{
	for (;;) {
		const char *p = *s, *e;
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return 0;
		e = strchr(p, ';');
		*s = e ? e + 1 : p + strlen(p);
		if (!e)
			e = p + strlen(p);
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		n = (size_t)(e - p);
		if (!n)
			continue;
		if (n >= ITEM_MAX)
			return -1;
		memcpy(out, p, n);
		out[n] = '\0';
		return 1;
	}
}

/* @text as an address of either family into @out (canonical); its AF_*, or 0. */
static int canon_addr(const char *text, char *out)
{
	unsigned char b[16];

	if (inet_pton(AF_INET, text, b) == 1)
		return inet_ntop(AF_INET, b, out, INET6_ADDRSTRLEN) ? AF_INET : 0;
	if (inet_pton(AF_INET6, text, b) == 1)
		return inet_ntop(AF_INET6, b, out, INET6_ADDRSTRLEN) ? AF_INET6 : 0;
	return 0;
}

/* A decimal in [0, @max] (an optional leading '/'); -1 if not. */
static int prefix_num(const char *t, unsigned int max)
{
	unsigned int v = 0;

	if (*t == '/')
		t++;
	if (!*t || strlen(t) > 3)
		return -1;
	for (; *t; t++) {
		if (*t < '0' || *t > '9')
			return -1;
		v = v * 10 + (unsigned int)(*t - '0');
	}
	return v <= max ? (int)v : -1;
}

/* A mask for an address of @family: its prefix length, or -1. */
static int mask_prefix(const char *t, int family)
{
	struct in_addr m;
	uint32_t h;
	int bits;

	if (family == AF_INET6)
		return prefix_num(t, 128);
	if (inet_pton(AF_INET, t, &m) != 1)
		return prefix_num(t, 32);
	h = ntohl(m.s_addr);
	bits = __builtin_popcount(h);
	/* contiguous ones from the top, nothing after them */
	return bits == 32 || (h << bits) == 0 ? bits : -1;
}

/* A list of bare addresses into @out (@max entries); 0, or -1. */
static int parse_plain(const char *s, char out[][INET6_ADDRSTRLEN], unsigned int max,
		       unsigned int *n)
{
	char item[ITEM_MAX];
	int r;

	*n = 0;
	while ((r = next_item(&s, item)) > 0) {
		if (*n == max || !canon_addr(item, out[*n]))
			return -1;
		(*n)++;
	}
	return r;
}

int kvp_ipcfg_parse(const struct kvp_ip_info *in, struct kvp_ipcfg *out)
{
	const char *a = in->ip_addr, *m = in->sub_net;
	char item[ITEM_MAX], mask[ITEM_MAX];
	int r;

	memset(out, 0, sizeof(*out));
	out->dhcp = in->dhcp_enabled != 0;
	while ((r = next_item(&a, item)) > 0) {
		int fam, prefix;

		if (out->naddrs == KVP_IPCFG_ADDRS)
			return -1;
		fam = canon_addr(item, out->addrs[out->naddrs].addr);
		if (!fam || next_item(&m, mask) != 1 || (prefix = mask_prefix(mask, fam)) < 0)
			return -1;	/* each address has its mask */
		out->addrs[out->naddrs++].prefix = (unsigned int)prefix;
	}
	if (r < 0 || parse_plain(in->gate_way, out->gws, KVP_IPCFG_GWS, &out->ngws) ||
	    parse_plain(in->dns_addr, out->dns, KVP_IPCFG_DNS, &out->ndns))
		return -1;
	return out->naddrs || out->dhcp ? 0 : -1;
}

int kvp_ipcfg_argv(const struct kvp_ipcfg *cfg, const char *hook, const char *ifname,
		   char bufs[][INET6_ADDRSTRLEN + 8], const char **argv, int max)
{
	int n = 0;

	/* (room: the hook, IFNAME, --dhcp, the addresses, two slots a gateway or server, NULL) */
	if (max < 4 + KVP_IPCFG_ADDRS + 2 * (KVP_IPCFG_GWS + KVP_IPCFG_DNS))
		return -1;
	argv[n++] = hook;
	argv[n++] = ifname;
	if (cfg->dhcp)
		argv[n++] = "--dhcp";
	for (unsigned int i = 0; i < cfg->naddrs; i++) {
		snprintf(bufs[i], INET6_ADDRSTRLEN + 8, "%s/%u", cfg->addrs[i].addr, cfg->addrs[i].prefix);
		argv[n++] = bufs[i];
	}
	for (unsigned int i = 0; i < cfg->ngws; i++) {
		argv[n++] = "--gateway";
		argv[n++] = cfg->gws[i];
	}
	for (unsigned int i = 0; i < cfg->ndns; i++) {
		argv[n++] = "--dns";
		argv[n++] = cfg->dns[i];
	}
	argv[n] = NULL;
	return n;
}

/* The interface named, by MAC or by name (not the loopback), into @ifname; false if none. */
static bool find_adapter(const char *adapter, char *ifname, size_t size)
{
	struct ifaddrs *ifa, *i;
	bool found;

	if (getifaddrs(&ifa))
		return false;
	found = kvp_mac_to_ifname(ifa, adapter, ifname, size);
	for (i = ifa; i && !found; i = i->ifa_next) {
		if (!strcmp(i->ifa_name, adapter) && !(i->ifa_flags & IFF_LOOPBACK) &&
		    strlen(adapter) < size) {
			memcpy(ifname, adapter, strlen(adapter) + 1);
			found = true;
		}
	}
	freeifaddrs(ifa);
	return found;
}

/* Run @argv with a clean environment; its exit status, or -1 (not run, killed, too slow). */
static int run_hook(const char **argv)
{
	static char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	struct timespec t0, t;
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);	/* (ours are blocked for the signalfd) */
		execve(argv[0], (char *const *)argv, env);
		_exit(127);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (r < 0 && errno != EINTR)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > HOOK_LIMIT_MS) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			ovbd_log(OVBD_ERR, "set-ip: %s took longer than %d s: killed", argv[0],
				 HOOK_LIMIT_MS / 1000);
			return -1;
		}
		usleep(20000);
	}
}

int kvp_sys_set_ip(void *arg, const char *adapter, const struct kvp_ipcfg *cfg)
{
	const struct kvp_sysinfo *si = arg;
	char ifname[IF_NAMESIZE], bufs[KVP_IPCFG_ADDRS][INET6_ADDRSTRLEN + 8];
	const char *argv[4 + KVP_IPCFG_ADDRS + 2 * (KVP_IPCFG_GWS + KVP_IPCFG_DNS)];
	int st;

	if (!find_adapter(adapter, ifname, sizeof(ifname)))
		return -2;
	if (!si->set_ip_hook || !si->set_ip_hook[0] ||
	    kvp_ipcfg_argv(cfg, si->set_ip_hook, ifname, bufs, argv, (int)(sizeof(argv) / sizeof(argv[0]))) < 0)
		return -1;
	ovbd_log(OVBD_NOTICE, "set-ip: the host configures %s: %u addresses%s, %u gateways, %u DNS servers",
		 ifname, cfg->naddrs, cfg->dhcp ? " and DHCP" : "", cfg->ngws, cfg->ndns);
	st = run_hook(argv);
	if (st) {
		ovbd_log(OVBD_ERR, "set-ip: %s %s failed (%d)", si->set_ip_hook, ifname, st);
		return -1;
	}
	return 0;
}
