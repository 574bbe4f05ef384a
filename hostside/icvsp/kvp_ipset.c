// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * `ovbctl ip set`'s arguments as a KVP SET_IP_INFO request (kvp.h): the
 * user writes ADDR/PREFIX, the wire wants what Hyper-V sends and
 * hv_kvp_daemon parses: ';'-separated addresses, and per address a mask,
 * dotted for IPv4 and a prefix length for IPv6. Every address goes
 * through inet_pton here, so the guest never gets a string we could not
 * vouch for; every list is checked against its wire field (UTF-16 units
 * with the NUL, and ASCII is one unit a character).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/icvsp/kvp.h"

#define IPSET_ARGS_MAX	1024	/* (a ctl line is 256 bytes) */
#define ADAPTER_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:_-@"

/* Append @item to the ';'-list @list whose wire field has @units UTF-16 units. */
static int append(char *list, size_t units, const char *item)
{
	size_t n = strlen(list), m = strlen(item);

	if (n + (n ? 1 : 0) + m + 1 > units)
		return -1;
	if (n)
		list[n++] = ';';
	memcpy(list + n, item, m + 1);
	return 0;
}

/* An address alone (v4 or v6); its family (IC_KVP_ADDR_FAMILY_*), or 0. */
static int addr_family(const char *a)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, a, buf) == 1)
		return IC_KVP_ADDR_FAMILY_IPV4;
	if (inet_pton(AF_INET6, a, buf) == 1)
		return IC_KVP_ADDR_FAMILY_IPV6;
	return 0;
}

/* "ADDR/PREFIX" into the address and mask lists; 0 or -1 with *@err. */
static int add_address(struct kvp_ipset *s, char *tok, const char **err)
{
	char *slash = strchr(tok, '/'), *end, mask[INET_ADDRSTRLEN];
	unsigned long prefix;
	int fam;

	*err = "an address is ADDR/PREFIX (e.g. 192.0.2.5/24 or 2001:db8::5/64)";
	if (!slash || slash == tok || !slash[1])
		return -1;
	*slash = '\0';
	fam = addr_family(tok);
	errno = 0;
	prefix = strtoul(slash + 1, &end, 10);
	if (!fam || *end || errno || slash[1] == '-' || slash[1] == '+' ||
	    prefix > (fam == IC_KVP_ADDR_FAMILY_IPV4 ? 32u : 128u)) {
		*err = "not an IPv4 or IPv6 address with a prefix length in range";
		return -1;
	}
	if (fam == IC_KVP_ADDR_FAMILY_IPV4) {
		struct in_addr m = { htonl(prefix ? 0xffffffffu << (32 - prefix) : 0) };

		inet_ntop(AF_INET, &m, mask, sizeof(mask));
	} else {
		snprintf(mask, sizeof(mask), "%lu", prefix);
	}
	*err = "too many addresses for KVP";
	if (append(s->addrs, IC_KVP_MAX_IP_ADDR, tok) || append(s->masks, IC_KVP_MAX_IP_ADDR, mask))
		return -1;
	s->family |= (uint8_t)fam;
	return 0;
}

/* A comma list of bare addresses into @list (@units on the wire). */
static int add_plain(char *list, size_t units, char *arg, uint8_t *family, const char **err)
{
	char *save = NULL;

	for (char *t = strtok_r(arg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int fam = addr_family(t);

		*err = "not an IPv4 or IPv6 address (gateway or DNS server)";
		if (!fam)
			return -1;
		*err = "too many gateways or DNS servers for KVP";
		if (append(list, units, t))
			return -1;
		if (family)
			*family |= (uint8_t)fam;
	}
	return 0;
}

int kvp_parse_ipset(const char *args, struct kvp_req *req, const char **err)
{
	static const char usage[] = "usage: ip set MAC|IFNAME ADDR/PREFIX[,ADDR/PREFIX...] "
				    "[--gateway GW[,GW]] [--dns DNS[,DNS...]] [--dhcp]";
	struct kvp_ipset *s = &req->ipset;
	char buf[IPSET_ARGS_MAX], *save = NULL, *w;
	bool have_addrs = false;

	memset(req, 0, sizeof(*req));
	req->op = IC_KVP_OP_SET_IP_INFO;
	*err = usage;
	if (strlen(args) >= sizeof(buf))
		return -1;
	memcpy(buf, args, strlen(args) + 1);
	w = strtok_r(buf, " ", &save);
	if (!w || w[0] == '-')
		return -1;
	if (strlen(w) >= IC_KVP_MAX_ADAPTER_ID || strspn(w, ADAPTER_CHARS) != strlen(w)) {
		*err = "the adapter is a MAC (00:15:5d:..) or an interface name (letters, digits, .:_-@)";
		return -1;
	}
	memcpy(req->key, w, strlen(w) + 1);
	while ((w = strtok_r(NULL, " ", &save))) {
		if (!strcmp(w, "--dhcp")) {
			s->dhcp = true;
		} else if (!strcmp(w, "--gateway") || !strcmp(w, "--dns")) {
			bool gw = w[2] == 'g';
			char *arg = strtok_r(NULL, " ", &save);

			*err = usage;
			if (!arg || (gw ? s->gateways[0] : s->dns[0]))
				return -1;
			if (gw ? add_plain(s->gateways, IC_KVP_MAX_GATEWAY, arg, &s->family, err) :
				 add_plain(s->dns, IC_KVP_MAX_IP_ADDR, arg, NULL, err))
				return -1;
		} else if (w[0] != '-' && !have_addrs) {
			char *asave = NULL;

			for (char *t = strtok_r(w, ",", &asave); t; t = strtok_r(NULL, ",", &asave))
				if (add_address(s, t, err))
					return -1;
			have_addrs = s->addrs[0] != '\0';	/* (not "," alone) */
			if (!have_addrs) {
				*err = usage;
				return -1;
			}
		} else {
			*err = usage;
			return -1;
		}
	}
	if (!have_addrs && !s->dhcp) {
		*err = "give the addresses (ADDR/PREFIX,...) or --dhcp";
		return -1;
	}
	if (!s->family)
		s->family = IC_KVP_ADDR_FAMILY_IPV4;	/* DHCP alone: for IPv4, as Hyper-V's flag */
	return 0;
}
