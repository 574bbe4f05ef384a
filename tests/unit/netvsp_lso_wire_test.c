// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * netvsp's LSO fix-ups against the real kernel: a 20000-byte TCP send as
 * Linux's netvsc hands it over (IPv4 total length and checksum zeroed, the
 * TCP seed without the length) goes through netvsp_tx_offload and
 * tap_write into a TAP, is forwarded to a veth with TSO and GSO off, so the
 * kernel segments it in software, and every segment captured on the far
 * end must carry a correct TCP checksum and together the whole payload.
 * Local delivery would not show it: it trusts CHECKSUM_PARTIAL. A control
 * shows the check can fail: fixing only the IP fields, as OpenVMM does,
 * gives wrong checksums on the wire.
 *
 * And the other way: a checksum the kernel leaves to us on a TAP opened
 * with TUN_F_CSUM (offload=on) comes out of tap_read filled in and
 * vouched for, so that the guest may be told it is good.
 *
 * Needs root (a private network namespace, a TAP, a veth); skipped without.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "hostside/netvsp/netvsp.h"
#include "hostside/netvsp/tap.h"
#include "ovb/rndis.h"
#include "tests/unit/netvsp_fakeio.h"

int log_verbose;

#define PAYLOAD	20000u
#define MSS	1448u

struct wire {
	char ns[32];
	int tap, cap;
	uint8_t tap_mac[6];
};




static int sh(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg);
	return system(cmd);
}

static int ethtool_off(const char *ifname, uint32_t cmd)
{
	struct ethtool_value v = { .cmd = cmd, .data = 0 };
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0), ret;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&v;
	ret = ioctl(s, SIOCETHTOOL, &ifr);
	close(s);
	return ret;
}

/* In a private namespace: TAP 10.98.0.1/24, veth to namespace ns (10.97.0.2), forwarding on. */
static int setup(void **state)
{
	struct wire *w = calloc(1, sizeof(*w));
	char path[64];
	int self, other;

	if (!w || geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) ||
	    unshare(CLONE_NEWNET)) {
		free(w);
		*state = NULL;
		return 0;	/* the test skips */
	}
	snprintf(w->ns, sizeof(w->ns), "ovbt-lso-%d", (int)getpid());
	w->tap = tap_open("ovbt0", 1500, true);
	assert_true(w->tap >= 0);
	assert_int_equal(sh("ip netns add %s && ip link add ovbva type veth peer name ovbvb && "
			    "ip link set ovbvb netns %s && ip link set lo up && "
			    "ip addr add 10.98.0.1/24 dev ovbt0 && "
			    "ip addr add 10.97.0.1/24 dev ovbva && ip link set ovbva up && "
			    "ip netns exec %s ip addr add 10.97.0.2/24 dev ovbvb && "
			    "ip netns exec %s ip link set ovbvb up", w->ns), 0);
	/* No offloads on the way out: the kernel segments and checksums in software. */
	assert_int_equal(ethtool_off("ovbva", ETHTOOL_STSO), 0);
	assert_int_equal(ethtool_off("ovbva", ETHTOOL_SGSO), 0);
	assert_int_equal(ethtool_off("ovbva", ETHTOOL_STXCSUM), 0);
	assert_int_equal(system("echo 1 > /proc/sys/net/ipv4/ip_forward && "
				"echo 0 > /proc/sys/net/ipv4/conf/all/rp_filter && "
				"echo 0 > /proc/sys/net/ipv4/conf/ovbt0/rp_filter"), 0);
	/* /sys still shows the first namespace: ask the interface itself. */
	{
		struct ifreq ifr;
		int s = socket(AF_INET, SOCK_DGRAM, 0);

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "ovbt0");
		assert_int_equal(ioctl(s, SIOCGIFHWADDR, &ifr), 0);
		memcpy(w->tap_mac, ifr.ifr_hwaddr.sa_data, 6);
		close(s);
	}
	/* The capture socket lives in the far namespace, on its veth end. */
	self = open("/proc/self/ns/net", O_RDONLY);
	snprintf(path, sizeof(path), "/run/netns/%s", w->ns);
	other = open(path, O_RDONLY);
	assert_true(self >= 0 && other >= 0);
	assert_int_equal(setns(other, CLONE_NEWNET), 0);
	w->cap = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK, htons(ETH_P_IP));
	{
		struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
					 .sll_ifindex = (int)if_nametoindex("ovbvb") };

		assert_true(w->cap >= 0);
		assert_int_equal(bind(w->cap, (struct sockaddr *)&a, sizeof(a)), 0);
	}
	assert_int_equal(setns(self, CLONE_NEWNET), 0);
	close(self);
	close(other);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct wire *w = *state;

	if (w) {
		close(w->cap);
		close(w->tap);
		sh("ip netns del %s", w->ns);
		free(w);
	}
	return 0;
}

/* The frame netvsc would send: ports 12345 -> 5001, as it zeroes and seeds for LSO. */
static uint32_t guest_lso_frame(const struct wire *w, uint8_t *f)
{
	uint32_t len = 54 + PAYLOAD, seed;

	memset(f, 0, 54);
	memcpy(f, w->tap_mac, 6);
	memset(f + 6, 0x02, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[22] = 64;
	f[23] = 6;
	memcpy(f + 26, (uint8_t[]){ 10, 98, 0, 2, 10, 97, 0, 2 }, 8);
	memcpy(f + 34, (uint8_t[]){ 0x30, 0x39, 0x13, 0x89, 0, 0, 0, 1 }, 8);
	f[46] = 5 << 4;
	f[47] = 0x18;
	f[48] = f[49] = 0xff;
	for (uint32_t i = 54; i < len; i++)
		f[i] = (uint8_t)(i * 7 + 3);
	seed = nf_fold(nf_sum16(f + 26, 8, 6));
	f[50] = (uint8_t)(seed >> 8);
	f[51] = (uint8_t)seed;
	return len;
}

/* Capture the segments; the count whose TCP checksum verifies, *@bytes their payload. */
static unsigned int capture(struct wire *w, unsigned int *nseg, uint32_t *bytes)
{
	static uint8_t b[2048];
	unsigned int good = 0;

	*nseg = 0;
	*bytes = 0;
	for (int idle = 0; idle < 10;) {
		struct pollfd p = { w->cap, POLLIN, 0 };
		ssize_t n;
		uint32_t ihl, tot, tcplen;

		if (poll(&p, 1, 100) <= 0) {
			idle++;
			continue;
		}
		n = recv(w->cap, b, sizeof(b), 0);
		if (n < 40 || b[9] != 6 || memcmp(b + 12, (uint8_t[]){ 10, 98, 0, 2 }, 4))
			continue;
		ihl = (uint32_t)(b[0] & 15) * 4;
		tot = nf_be16(b + 2);
		if (tot > (uint32_t)n || tot < ihl + 20)
			continue;
		tcplen = tot - ihl;
		(*nseg)++;
		*bytes += tcplen - (uint32_t)(b[ihl + 12] >> 4) * 4;
		if (nf_fold(nf_sum16(b + ihl, tcplen, nf_sum16(b + 12, 8, 6 + tcplen))) == 0xffff)
			good++;
	}
	return good;
}

static void test_lso_segments_have_good_checksums(void **state)
{
	struct wire *w = *state;
	static uint8_t f[54 + PAYLOAD];
	struct netvsp_tx_meta m;
	uint32_t lso = RNDIS_LSO_TX_V2 | 34u << 20 | MSS, len, bytes;
	unsigned int nseg, good;

	if (!w)
		skip();
	len = guest_lso_frame(w, f);
	assert_int_equal(netvsp_tx_offload(f, len, NULL, &lso, &m), 0);
	assert_int_equal(tap_write(w->tap, f, len, &m), 0);
	good = capture(w, &nseg, &bytes);
	assert_int_equal(nseg, (PAYLOAD + MSS - 1) / MSS);
	assert_int_equal(bytes, PAYLOAD);
	assert_int_equal(good, nseg);

	/* The control: the IP fields fixed, the TCP seed left without the length. */
	len = guest_lso_frame(w, f);
	f[16] = (uint8_t)((len - 14) >> 8);
	f[17] = (uint8_t)(len - 14);
	{
		uint32_t c = ~nf_fold(nf_sum16(f + 14, 20, 0)) & 0xffff;

		f[24] = (uint8_t)(c >> 8);
		f[25] = (uint8_t)c;
	}
	assert_int_equal(tap_write(w->tap, f, len, &m), 0);
	good = capture(w, &nseg, &bytes);
	assert_int_equal(nseg, (PAYLOAD + MSS - 1) / MSS);
	assert_int_equal(good, 0);
}

/*
 * A UDP datagram the kernel sends through the TAP (to a neighbour behind
 * it): its checksum, which the kernel left to us under TUN_F_CSUM, comes
 * out of tap_read complete and vouched for (NETVSP_RX_CSUM_VALID); with
 * the offload off the kernel completes it itself and tap_read vouches for
 * nothing. Returns the flags; *@ok whether the checksum verifies.
 */
static uint32_t udp_through_tap(struct wire *w, bool *ok)
{
	static uint8_t b[2048];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	char payload[333];
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(payload, 'u', sizeof(payload));
	inet_pton(AF_INET, "10.98.0.2", &to.sin_addr);
	assert_true(s >= 0);
	assert_int_equal(sendto(s, payload, sizeof(payload), 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)sizeof(payload));
	close(s);
	for (int tries = 0; tries < 200; tries++) {
		uint32_t flags = 0, ulen;
		ssize_t n = tap_read(w->tap, b, sizeof(b), &flags);

		if (n == -EAGAIN) {
			usleep(5000);
			continue;
		}
		/* IPv4, UDP, to 10.98.0.2: ours (the kernel sends other things too). */
		if (n < 42 || nf_be16(b + 12) != 0x0800 || b[23] != 17 ||
		    memcmp(b + 30, (uint8_t[]){ 10, 98, 0, 2 }, 4))
			continue;
		ulen = nf_be16(b + 38);
		assert_int_equal(ulen, 8 + sizeof(payload));
		*ok = nf_fold(nf_sum16(b + 34, ulen, nf_sum16(b + 26, 8, 17 + ulen))) == 0xffff;
		return flags;
	}
	fail_msg("no UDP datagram came out of the TAP");
	return 0;
}

static void test_rx_checksum_left_to_us(void **state)
{
	struct wire *w = *state;
	bool ok = false;

	if (!w)
		skip();
	assert_int_equal(system("ip neigh replace 10.98.0.2 lladdr 02:02:02:02:02:02 dev ovbt0 "
				"nud permanent"), 0);
	assert_int_equal(udp_through_tap(w, &ok), NETVSP_RX_CSUM_VALID);
	assert_true(ok);
	/* The control: no TUN_F_CSUM, the kernel checksums, nothing is vouched for. */
	assert_int_equal(ioctl(w->tap, TUNSETOFFLOAD, 0), 0);
	ok = false;
	assert_int_equal(udp_through_tap(w, &ok), 0);
	assert_true(ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lso_segments_have_good_checksums, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_checksum_left_to_us, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
