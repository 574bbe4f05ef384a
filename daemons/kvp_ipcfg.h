/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * KVP SET_IP_INFO in ovb-kvpd: the host's configuration for one adapter
 * (the strings of struct kvp_ip_info, as hv_kvp.c hands them over:
 * ';'-separated addresses, per address a mask, dotted for IPv4 or a
 * prefix length, optionally "/N", for IPv6; gateways; DNS servers; the
 * DHCP flag) parsed into checked addresses, and applied by a hook
 * program (daemons/ovb-kvp-set-ip, as hv_kvp_daemon runs Debian's
 * hv_set_ifconfig) that gets them as separate arguments, never through a
 * shell:
 *
 *   HOOK IFNAME [--dhcp] [ADDR/PREFIX...] [--gateway GW]... [--dns DNS]...
 *
 * Every address is re-rendered by inet_ntop, so the hook sees nothing
 * the host wrote but canonical addresses and numbers.
 */
#ifndef OVB_DAEMONS_KVP_IPCFG_H
#define OVB_DAEMONS_KVP_IPCFG_H

#include <arpa/inet.h>
#include <stdbool.h>

#include "daemons/kvp_msg.h"

#define KVP_IPCFG_ADDRS	16	/* addresses one request sets at most */
#define KVP_IPCFG_GWS	4
#define KVP_IPCFG_DNS	8

struct kvp_ipcfg {
	bool dhcp;
	unsigned int naddrs, ngws, ndns;
	struct {
		char addr[INET6_ADDRSTRLEN];
		unsigned int prefix;
	} addrs[KVP_IPCFG_ADDRS];
	char gws[KVP_IPCFG_GWS][INET6_ADDRSTRLEN];
	char dns[KVP_IPCFG_DNS][INET6_ADDRSTRLEN];
};

/*
 * The host's strings (each NUL-terminated within its field) into @out.
 * 0, or -1 for anything that is not an address, a mask that does not fit
 * its address, too many entries, or nothing to do (no address, no DHCP).
 * Pure.
 */
int kvp_ipcfg_parse(const struct kvp_ip_info *in, struct kvp_ipcfg *out);

/* The hook's argument vector for @cfg on @ifname into @argv (@max slots, NULL-ended); argc. */
int kvp_ipcfg_argv(const struct kvp_ipcfg *cfg, const char *hook, const char *ifname,
		   char bufs[][INET6_ADDRSTRLEN + 8], const char **argv, int max);

/*
 * struct kvp_ops' set_ip over the running system (@arg: a struct
 * kvp_sysinfo): the adapter @adapter by MAC or interface name, the hook
 * run with a time limit. 0 when the hook succeeded; -1 when it failed or
 * could not run; -2 when there is no such adapter.
 */
int kvp_sys_set_ip(void *arg, const char *adapter, const struct kvp_ipcfg *cfg);

#endif /* OVB_DAEMONS_KVP_IPCFG_H */
