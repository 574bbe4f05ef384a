/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What ovb-kvpd reports about the guest: the auto pool's values (host
 * name, OS name and versions from os-release and uname, the addresses of
 * every non-loopback interface) and GET_IP_INFO's answer for the adapter
 * the host names by MAC. Addresses, masks and MACs come from getifaddrs
 * (netlink underneath, no shell scripts); the IPv4 default gateway from
 * /proc/net/route, DNS servers from /etc/resolv.conf. DHCP is reported
 * off: whether an address came from DHCP is the network manager's, not
 * the kernel's, and we do not guess. The text parsers are pure functions.
 */
#ifndef OVB_DAEMONS_KVP_INFO_H
#define OVB_DAEMONS_KVP_INFO_H

#include <stdbool.h>
#include <stddef.h>

#include "daemons/kvp_msg.h"

struct kvp_sysinfo {
	char os_name[256], os_major[256], os_minor[256];
	char os_build[128], os_version[128], arch[128];
	const char *root;	/* "" or a directory standing for / (tests) */
	const char *set_ip_hook;	/* SET_IP_INFO's program (kvp_ipcfg.h) */
};

/* os-release's NAME and VERSION_ID (quotes and backslashes undone), pure. */
void kvp_os_release_parse(const char *text, char *name, size_t name_size, char *version_id,
			  size_t version_size);
/* The nameservers of a resolv.conf, ';'-separated, pure. */
void kvp_resolv_parse(const char *text, char *out, size_t size);
/* The default gateway of @ifname in /proc/net/route's text, pure; "" if none. */
void kvp_route_gateway(const char *text, const char *ifname, char *out, size_t size);
/* Two MAC addresses as text are the same (case, ':' or '-' do not matter). */
bool kvp_mac_equal(const char *a, const char *b);
/* Append @item to the ';'-separated list @buf; false (unchanged) if it does not fit. */
bool kvp_list_add(char *buf, size_t size, const char *item);

struct ifaddrs;
/* The name of the interface whose MAC is @mac in @ifa into @ifname; false if none. */
bool kvp_mac_to_ifname(struct ifaddrs *ifa, const char *mac, char *ifname, size_t size);

/* uname and os-release into @si. */
void kvp_sysinfo_read(struct kvp_sysinfo *si);

/* struct kvp_ops over the running system (@arg: a struct kvp_sysinfo). */
int kvp_sys_auto_value(void *arg, unsigned int idx, char *buf, size_t size);
int kvp_sys_ip_info(void *arg, const char *mac, struct kvp_ip_info *out);

#endif /* OVB_DAEMONS_KVP_INFO_H */
