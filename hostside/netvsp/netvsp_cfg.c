// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * netvsp's option, "tap=IFNAME[,mac=MAC][,mtu=N]" (netvsp.h): parsed
 * apart from the device type so the tests use it without ovb-host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostside/netvsp/netvsp.h"

/* A stable default MAC: Hyper-V's OUI and a hash of the interface name. */
static void netvsp_default_mac(const char *ifname, uint8_t mac[6])
{
	uint32_t h = 2166136261u;

	for (const char *p = ifname; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	mac[0] = 0x00;
	mac[1] = 0x15;
	mac[2] = 0x5d;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

static int netvsp_parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	unsigned int b[6];
	char buf[18], tail;

	if (len != 17)
		return -1;
	memcpy(buf, s, 17);
	buf[17] = 0;
	if (sscanf(buf, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	/* Unicast only: a multicast source address is not a NIC's. */
	return mac[0] & 1 ? -1 : 0;
}

int netvsp_cfg_parse(const char *arg, struct netvsp_cfg *cfg, const char **err)
{
	bool have_mac = false;
	const char *p = arg;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mtu = 1500;
	cfg->tap_fd = -1;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n > 4 && !strncmp(p, "tap=", 4)) {
			if (n - 4 >= sizeof(cfg->ifname)) {
				*err = "interface name too long";
				return -1;
			}
			memcpy(cfg->ifname, p + 4, n - 4);
			cfg->ifname[n - 4] = 0;
		} else if (n > 4 && !strncmp(p, "mac=", 4)) {
			if (netvsp_parse_mac(p + 4, n - 4, cfg->mac)) {
				*err = "bad mac (unicast xx:xx:xx:xx:xx:xx)";
				return -1;
			}
			have_mac = true;
		} else if (n > 4 && !strncmp(p, "mtu=", 4)) {
			char num[12], *e;
			unsigned long v;

			if (n - 4 >= sizeof(num)) {
				*err = "bad mtu";
				return -1;
			}
			memcpy(num, p + 4, n - 4);
			num[n - 4] = 0;
			errno = 0;
			v = strtoul(num, &e, 10);
			if (errno || *e || v < NETVSP_MTU_MIN || v > NETVSP_MTU_MAX) {
				*err = "bad mtu (68..65521)";
				return -1;
			}
			cfg->mtu = (uint32_t)v;
		} else if (n == 10 && !strncmp(p, "offload=on", 10)) {
			cfg->offload = true;
		} else if (n == 11 && !strncmp(p, "offload=off", 11)) {
			cfg->offload = false;
		} else {
			*err = "unknown option";
			return -1;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (!cfg->ifname[0]) {
		*err = "tap=IFNAME is required";
		return -1;
	}
	if (!have_mac)
		netvsp_default_mac(cfg->ifname, cfg->mac);
	return 0;
}
