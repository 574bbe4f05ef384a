// SPDX-License-Identifier: GPL-2.0 OR MIT
/* What ovb-kvpd reports about the guest (kvp_info.h). */
#include "daemons/kvp_info.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "daemons/daemon.h"

static void copy_str(char *out, size_t size, const char *s)
{
	snprintf(out, size, "%s", s);
}

/* os-release's value syntax: quotes dropped, a backslash escapes the next character. */
static void unquote(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in && *in != '\n' && n + 1 < size; in++) {
		if (*in == '\\') {
			if (!in[1] || in[1] == '\n')
				break;
			out[n++] = *++in;
		} else if (*in != '"' && *in != '\'') {
			out[n++] = *in;
		}
	}
	out[n] = '\0';
}

void kvp_os_release_parse(const char *text, char *name, size_t name_size, char *version_id,
			  size_t version_size)
{
	const char *line = text;

	while (line && *line) {
		if (!strncmp(line, "NAME=", 5))
			unquote(line + 5, name, name_size);
		else if (!strncmp(line, "VERSION_ID=", 11))
			unquote(line + 11, version_id, version_size);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

bool kvp_list_add(char *buf, size_t size, const char *item)
{
	size_t n = strlen(buf), m = strlen(item);

	if (n + (n ? 1 : 0) + m + 1 > size)
		return false;
	if (n)
		buf[n++] = ';';
	memcpy(buf + n, item, m + 1);
	return true;
}

void kvp_resolv_parse(const char *text, char *out, size_t size)
{
	const char *line = text;

	out[0] = '\0';
	while (line && *line) {
		char addr[64];

		if (sscanf(line, "nameserver %63s", addr) == 1)
			kvp_list_add(out, size, addr);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

void kvp_route_gateway(const char *text, const char *ifname, char *out, size_t size)
{
	const char *line = text;

	out[0] = '\0';
	while (line && *line) {
		char iface[IF_NAMESIZE + 1];
		unsigned int dest, gw, flags, mask;
		int refcnt, use, metric;

		/* Iface Destination Gateway Flags RefCnt Use Metric Mask ... */
		if (sscanf(line, "%16s %x %x %x %d %d %d %x", iface, &dest, &gw, &flags, &refcnt,
			   &use, &metric, &mask) == 8 &&
		    !strcmp(iface, ifname) && dest == 0 && mask == 0 && (flags & 0x2 /* RTF_GATEWAY */)) {
			struct in_addr a = { .s_addr = gw };	/* printed as the raw u32 */
			char s[INET_ADDRSTRLEN];

			if (inet_ntop(AF_INET, &a, s, sizeof(s)))
				kvp_list_add(out, size, s);
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

bool kvp_mac_equal(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = *a == '-' ? ':' : tolower((unsigned char)*a);
		int y = *b == '-' ? ':' : tolower((unsigned char)*b);

		if (x != y)
			return false;
		if (!x)
			return true;
	}
}

/* A small text file (at most @size - 1 bytes of it) into @buf; "" if unreadable. */
static void read_text(const char *root, const char *path, char *buf, size_t size)
{
	char full[4096];
	FILE *f;
	size_t n = 0;

	snprintf(full, sizeof(full), "%s%s", root ? root : "", path);
	f = fopen(full, "re");
	if (f) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

void kvp_sysinfo_read(struct kvp_sysinfo *si)
{
	struct utsname u;
	char text[8192];
	char *dash;

	if (uname(&u) == 0) {
		copy_str(si->os_build, sizeof(si->os_build), u.release);
		copy_str(si->os_version, sizeof(si->os_version), u.release);
		dash = strchr(si->os_version, '-');	/* x.y.z, as hosts expect */
		if (dash)
			*dash = '\0';
		copy_str(si->os_name, sizeof(si->os_name), u.sysname);
		copy_str(si->arch, sizeof(si->arch), u.machine);
	}
	si->os_major[0] = si->os_minor[0] = '\0';
	read_text(si->root, "/etc/os-release", text, sizeof(text));
	if (!text[0])
		read_text(si->root, "/usr/lib/os-release", text, sizeof(text));
	kvp_os_release_parse(text, si->os_name, sizeof(si->os_name), si->os_major,
			     sizeof(si->os_major));
}

static bool addr_text(const struct sockaddr *sa, char *out, size_t size)
{
	const void *a;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	else
		return false;
	return inet_ntop(sa->sa_family, a, out, (socklen_t)size) != NULL;
}

/* Every non-loopback address of @family, ';'-separated. */
static void addresses(int family, char *buf, size_t size)
{
	struct ifaddrs *ifa, *i;
	char s[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	if (getifaddrs(&ifa))
		return;
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == family &&
		    !(i->ifa_flags & IFF_LOOPBACK) && addr_text(i->ifa_addr, s, sizeof(s)))
			kvp_list_add(buf, size, s);
	freeifaddrs(ifa);
}

int kvp_sys_auto_value(void *arg, unsigned int idx, char *buf, size_t size)
{
	const struct kvp_sysinfo *si = arg;
	const char *fixed[KVP_AUTO_COUNT] = {
		[KVP_AUTO_OS_BUILD] = si->os_build, [KVP_AUTO_OS_NAME] = si->os_name,
		[KVP_AUTO_OS_MAJOR] = si->os_major, [KVP_AUTO_OS_MINOR] = si->os_minor,
		[KVP_AUTO_OS_VERSION] = si->os_version, [KVP_AUTO_ARCH] = si->arch,
	};
	char host[256];

	switch (idx) {
	case KVP_AUTO_FQDN:
		/* The host name as set (no resolver: it must not hang a boot without DNS). */
		if (gethostname(host, sizeof(host)))
			return -1;
		host[sizeof(host) - 1] = '\0';
		copy_str(buf, size, host);
		return 0;
	case KVP_AUTO_IPV4:
		addresses(AF_INET, buf, size);
		return 0;
	case KVP_AUTO_IPV6:
		addresses(AF_INET6, buf, size);
		return 0;
	}
	if (idx >= KVP_AUTO_COUNT || !fixed[idx])
		return -1;
	copy_str(buf, size, fixed[idx]);
	return 0;
}

bool kvp_mac_to_ifname(struct ifaddrs *ifa, const char *mac, char *ifname, size_t size)
{
	struct ifaddrs *i;

	for (i = ifa; i; i = i->ifa_next) {
		const struct sockaddr_ll *ll = (const void *)i->ifa_addr;
		char s[3 * 8];

		if (!ll || ll->sll_family != AF_PACKET || ll->sll_halen != 6 ||
		    (i->ifa_flags & IFF_LOOPBACK))
			continue;
		snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", ll->sll_addr[0],
			 ll->sll_addr[1], ll->sll_addr[2], ll->sll_addr[3], ll->sll_addr[4],
			 ll->sll_addr[5]);
		if (kvp_mac_equal(s, mac)) {
			copy_str(ifname, size, i->ifa_name);
			return true;
		}
	}
	return false;
}

/* A netmask as GET_IP_INFO gives it: dotted for IPv4, "/N" for IPv6. */
static void mask_text(const struct sockaddr *m, char *out, size_t size)
{
	out[0] = '\0';
	if (!m)
		return;
	if (m->sa_family == AF_INET) {
		addr_text(m, out, size);
	} else if (m->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)m;
		int bits = 0;

		for (int b = 0; b < 16; b++)
			bits += __builtin_popcount(s6->sin6_addr.s6_addr[b]);
		snprintf(out, size, "/%d", bits);
	}
}

int kvp_sys_ip_info(void *arg, const char *mac, struct kvp_ip_info *out)
{
	const struct kvp_sysinfo *si = arg;
	char ifname[IF_NAMESIZE + 1], s[INET6_ADDRSTRLEN], text[16384];
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa))
		return -1;
	if (!kvp_mac_to_ifname(ifa, mac, ifname, sizeof(ifname))) {
		freeifaddrs(ifa);
		return -1;
	}
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, ifname) || !addr_text(i->ifa_addr, s, sizeof(s)))
			continue;
		if (!kvp_list_add(out->ip_addr, sizeof(out->ip_addr), s))
			break;
		mask_text(i->ifa_netmask, s, sizeof(s));
		kvp_list_add(out->sub_net, sizeof(out->sub_net), s);
		out->addr_family |= i->ifa_addr->sa_family == AF_INET ? IC_KVP_ADDR_FAMILY_IPV4 :
									 IC_KVP_ADDR_FAMILY_IPV6;
	}
	freeifaddrs(ifa);
	read_text(si->root, "/proc/net/route", text, sizeof(text));
	kvp_route_gateway(text, ifname, out->gate_way, sizeof(out->gate_way));
	read_text(si->root, "/etc/resolv.conf", text, sizeof(text));
	kvp_resolv_parse(text, out->dns_addr, sizeof(out->dns_addr));
	out->dhcp_enabled = 0;
	return 0;
}
