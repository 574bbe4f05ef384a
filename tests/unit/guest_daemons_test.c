// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The guest daemons' protocol handling (daemons/): ovb-kvpd's pools in
 * hv_kvp_daemon's file format and its answers, ovb-vssd's freeze/thaw
 * bookkeeping and mount rules, ovb-fcopyd's copies in a temporary
 * directory (refusals, overwrite, symlinks, cancel), the parsers' checks
 * of every length and string end, and the daemons' loop (ovbd_serve)
 * against a socketpair standing for the char device.
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemons/daemon.h"
#include "daemons/fcopy_file.h"
#include "daemons/kvp_info.h"
#include "daemons/kvp_ipcfg.h"
#include "daemons/kvp_msg.h"
#include "daemons/kvp_pool.h"
#include "daemons/vss_fs.h"
#include "daemons/vss_msg.h"

static char tmpdir[64];
static int tmpfd = -1;

static int rm_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	return f->level ? remove(p) : 0;
}

/* A fresh, empty temporary directory for each test. */
static int setup(void **state)
{
	if (tmpfd < 0) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/ovb-daemons-test.XXXXXX");
		if (!mkdtemp(tmpdir))
			return -1;
		tmpfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	}
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return tmpfd < 0 ? -1 : 0;
}

static char *path_of(const char *rel)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	return p;
}

static size_t file_read(const char *rel, void *buf, size_t size)
{
	int fd = open(path_of(rel), O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return (size_t)-1;
	n = read(fd, buf, size);
	close(fd);
	return n < 0 ? (size_t)-1 : (size_t)n;
}

static void file_write(const char *rel, const void *buf, size_t len)
{
	int fd = open(path_of(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* ---- KVP ------------------------------------------------------------- */

static int fake_auto(void *arg, unsigned int idx, char *buf, size_t size)
{
	snprintf(buf, size, "auto-%u", idx);
	return 0;
}

static int fake_ip(void *arg, const char *mac, struct kvp_ip_info *out)
{
	if (!kvp_mac_equal(mac, "00:15:5d:00:00:01"))
		return -1;
	out->addr_family = IC_KVP_ADDR_FAMILY_IPV4 | IC_KVP_ADDR_FAMILY_IPV6;
	strcpy(out->ip_addr, "10.0.2.15;fe80::1");
	strcpy(out->sub_net, "255.255.255.0;/64");
	strcpy(out->gate_way, "10.0.2.2");
	strcpy(out->dns_addr, "10.0.2.3");
	return 0;
}

static struct kvp_ctx kctx;
static struct kvp_dev_msg kin, kout;

static void kvp_ctx_init(void)
{
	memset(&kctx, 0, sizeof(kctx));
	kctx.pool_dirfd = tmpfd;
	kctx.ops = (struct kvp_ops){ fake_auto, fake_ip, NULL, NULL };
}

static void kvp_msg(int op, int pool)
{
	memset(&kin, 0, sizeof(kin));
	kin.hdr.operation = (uint8_t)op;
	kin.hdr.pool = (uint8_t)pool;
}

static void kvp_key(struct kvp_value *v, const char *key, const char *value)
{
	strcpy((char *)v->key, key);
	v->key_size = (uint32_t)strlen(key) + 1;
	if (value) {
		strcpy((char *)v->value, value);
		v->value_size = (uint32_t)strlen(value) + 1;
	}
}

static uint32_t kvp_do(void)
{
	assert_int_equal(kvp_handle(&kctx, &kin, sizeof(kin), &kout), KVP_ANSWER);
	return (uint32_t)kout.error;
}

static uint32_t kvp_set(int pool, const char *k, const char *v)
{
	kvp_msg(IC_KVP_OP_SET, pool);
	kin.body.get_set.value_type = IC_KVP_REG_SZ;
	kvp_key(&kin.body.get_set, k, v);
	return kvp_do();
}

static uint32_t kvp_get(int pool, const char *k)
{
	kvp_msg(IC_KVP_OP_GET, pool);
	kvp_key(&kin.body.get_set, k, NULL);
	kin.body.get_set.value_size = IC_KVP_MAX_VALUE_SIZE;
	return kvp_do();
}

static void test_kvp_set_get_delete_file_format(void **state)
{
	struct kvp_record rec[2];

	kvp_ctx_init();
	assert_int_equal(kvp_set(0, "hostkey", "hostvalue"), HV_S_OK);
	assert_int_equal(kvp_set(0, "second", "two words"), HV_S_OK);
	/* hv_kvp_daemon's format: 512-byte key, 2048-byte value records, no header. */
	assert_int_equal(file_read(".kvp_pool_0", rec, sizeof(rec)), 2 * 2560);
	assert_string_equal(rec[0].key, "hostkey");
	assert_string_equal(rec[0].value, "hostvalue");
	assert_string_equal(rec[1].key, "second");
	assert_int_equal(kvp_get(0, "hostkey"), HV_S_OK);
	/*
	 * Where hv_kvp.c reads a GET's value (the enumerate layout's field);
	 * get's own field "" (before: the value there, which the in-tree
	 * kernel read 4 bytes late: "value" for "hostvalue").
	 */
	assert_string_equal((char *)kout.body.enumerate.data.value, "hostvalue");
	assert_string_equal((char *)kout.body.get_set.value, "");
	/* a replace keeps one record */
	assert_int_equal(kvp_set(0, "hostkey", "new"), HV_S_OK);
	assert_int_equal(file_read(".kvp_pool_0", rec, sizeof(rec)), 2 * 2560);
	assert_int_equal(kvp_get(0, "hostkey"), HV_S_OK);
	assert_string_equal((char *)kout.body.enumerate.data.value, "new");
	kvp_msg(IC_KVP_OP_DELETE, 0);
	strcpy((char *)kin.body.del.key, "hostkey");
	kin.body.del.key_size = 8;
	assert_int_equal(kvp_do(), HV_S_OK);
	assert_int_equal(kvp_get(0, "hostkey"), HV_S_CONT);	/* gone */
	assert_int_equal(kvp_do(), HV_S_CONT);			/* (a GET again) */
	assert_int_equal(file_read(".kvp_pool_0", rec, sizeof(rec)), 2560);
	assert_string_equal(rec[0].key, "second");
	kvp_msg(IC_KVP_OP_DELETE, 0);
	strcpy((char *)kin.body.del.key, "hostkey");
	kin.body.del.key_size = 8;
	assert_int_equal(kvp_do(), HV_S_CONT);			/* deleting nothing */
}

/* A pool file as hv_kvp_daemon (or the pair's l2lib.sh) writes it is read. */
static void test_kvp_reads_debian_pool_file(void **state)
{
	static unsigned char buf[2560 * 2 + 100];

	memset(buf, 0, sizeof(buf));
	strcpy((char *)buf, "guestkey");
	strcpy((char *)buf + 512, "guestvalue");
	memset(buf + 2560, 'x', 2560);		/* a record without any NUL */
	memset(buf + 5120, 'y', 100);		/* a partial record: ignored */
	file_write(".kvp_pool_1", buf, sizeof(buf));
	kvp_ctx_init();
	kvp_msg(IC_KVP_OP_ENUMERATE, 1);
	assert_int_equal(kvp_do(), HV_S_OK);
	assert_string_equal((char *)kout.body.enumerate.data.key, "guestkey");
	assert_string_equal((char *)kout.body.enumerate.data.value, "guestvalue");
	assert_int_equal(kout.body.enumerate.data.key_size, 9);
	kvp_msg(IC_KVP_OP_ENUMERATE, 1);
	kin.body.enumerate.index = 1;
	assert_int_equal(kvp_do(), HV_S_OK);	/* the unterminated one, cut at its field's end */
	assert_int_equal(strlen((char *)kout.body.enumerate.data.key), 511);
	assert_int_equal(strlen((char *)kout.body.enumerate.data.value), 2047);
	kvp_msg(IC_KVP_OP_ENUMERATE, 1);
	kin.body.enumerate.index = 2;
	assert_int_equal(kvp_do(), HV_S_CONT);	/* the end */
}

static void test_kvp_auto_pool_and_register(void **state)
{
	static const char *const keys[] = { "FullyQualifiedDomainName", "IntegrationServicesVersion",
		"NetworkAddressIPv4", "NetworkAddressIPv6", "OSBuildNumber", "OSName",
		"OSMajorVersion", "OSMinorVersion", "OSVersion", "ProcessorArchitecture" };
	char want[32];

	kvp_ctx_init();
	kvp_msg(IC_KVP_OP_REGISTER1, 0);
	strcpy((char *)kin.body.version, "3.1");
	assert_int_equal(kvp_handle(&kctx, &kin, sizeof(kin), &kout), KVP_NO_ANSWER);
	for (unsigned int i = 0; i < 10; i++) {
		kvp_msg(IC_KVP_OP_ENUMERATE, 2);
		kin.body.enumerate.index = i;
		assert_int_equal(kvp_do(), HV_S_OK);
		assert_string_equal((char *)kout.body.enumerate.data.key, keys[i]);
		snprintf(want, sizeof(want), "auto-%u", i);
		assert_string_equal((char *)kout.body.enumerate.data.value, i == 1 ? "3.1" : want);
	}
	kvp_msg(IC_KVP_OP_ENUMERATE, 2);
	kin.body.enumerate.index = 10;
	assert_int_equal(kvp_do(), HV_S_CONT);
}

static void test_kvp_ip_info(void **state)
{
	kvp_ctx_init();
	kvp_msg(IC_KVP_OP_GET_IP_INFO, 0);
	strcpy((char *)kin.body.ip.adapter_id, "00-15-5D-00-00-01");
	assert_int_equal(kvp_do(), HV_S_OK);
	assert_string_equal((char *)kout.body.ip.ip_addr, "10.0.2.15;fe80::1");
	assert_string_equal((char *)kout.body.ip.sub_net, "255.255.255.0;/64");
	assert_string_equal((char *)kout.body.ip.gate_way, "10.0.2.2");
	assert_string_equal((char *)kout.body.ip.dns_addr, "10.0.2.3");
	assert_int_equal(kout.body.ip.addr_family, 3);
	strcpy((char *)kin.body.ip.adapter_id, "00:15:5d:00:00:02");
	assert_int_equal(kvp_do(), HV_E_FAIL);	/* no such adapter */
	memset(kin.body.ip.adapter_id, 'A', sizeof(kin.body.ip.adapter_id));
	assert_int_equal(kvp_do(), HV_INVALIDARG);	/* no end */
	kvp_msg(IC_KVP_OP_SET_IP_INFO, 0);
	assert_int_equal(kvp_do(), HV_ERROR_NOT_SUPPORTED);
}

static struct kvp_ipcfg fake_cfg;
static char fake_adapter[256];
static int fake_set_ips, fake_set_ip_result;

static int fake_set_ip(void *arg, const char *adapter, const struct kvp_ipcfg *cfg)
{
	fake_set_ips++;
	snprintf(fake_adapter, sizeof(fake_adapter), "%s", adapter);
	fake_cfg = *cfg;
	return fake_set_ip_result;
}

/* SET_IP_INFO as hv_kvp.c hands it over, checked before the hook sees it. */
static uint32_t set_ip(const char *adapter, const char *addrs, const char *masks,
		       const char *gws, const char *dns, int dhcp)
{
	kvp_msg(IC_KVP_OP_SET_IP_INFO, 0);
	strcpy((char *)kin.body.ip.adapter_id, adapter);
	strcpy((char *)kin.body.ip.ip_addr, addrs);
	strcpy((char *)kin.body.ip.sub_net, masks);
	strcpy((char *)kin.body.ip.gate_way, gws);
	strcpy((char *)kin.body.ip.dns_addr, dns);
	kin.body.ip.dhcp_enabled = (uint8_t)dhcp;
	return kvp_do();
}

static void test_kvp_set_ip_info(void **state)
{
	const char *argv[64];
	char bufs[KVP_IPCFG_ADDRS][INET6_ADDRSTRLEN + 8];
	int n;

	kvp_ctx_init();
	kctx.ops.set_ip = fake_set_ip;
	fake_set_ips = fake_set_ip_result = 0;
	assert_int_equal(set_ip("00:15:5D:00:00:01", "192.0.2.9; 2001:DB8:0::9;10.1.2.3",
				"255.255.255.0;/64;8", "192.0.2.1;2001:db8::1", "192.0.2.53", 0), HV_S_OK);
	assert_string_equal(fake_adapter, "00:15:5D:00:00:01");
	assert_int_equal(fake_cfg.naddrs, 3);
	assert_string_equal(fake_cfg.addrs[1].addr, "2001:db8::9");	/* canonical */
	assert_int_equal(fake_cfg.addrs[0].prefix, 24);
	assert_int_equal(fake_cfg.addrs[1].prefix, 64);
	assert_int_equal(fake_cfg.addrs[2].prefix, 8);
	assert_int_equal(fake_cfg.ngws, 2);
	assert_int_equal(fake_cfg.ndns, 1);
	assert_false(fake_cfg.dhcp);
	n = kvp_ipcfg_argv(&fake_cfg, "/hook", "eth0", bufs, argv, 64);
	assert_int_equal(n, 11);
	assert_string_equal(argv[1], "eth0");
	assert_string_equal(argv[2], "192.0.2.9/24");
	assert_string_equal(argv[3], "2001:db8::9/64");
	assert_string_equal(argv[5], "--gateway");
	assert_string_equal(argv[8], "2001:db8::1");
	assert_string_equal(argv[10], "192.0.2.53");
	assert_null(argv[11]);
	/* DHCP alone */
	assert_int_equal(set_ip("eth0", "", "", "", "", 1), HV_S_OK);
	assert_true(fake_cfg.dhcp);
	assert_int_equal(fake_cfg.naddrs, 0);
	/* the system's answers: no such adapter, the hook failed */
	fake_set_ip_result = -2;
	assert_int_equal(set_ip("00:15:5d:00:00:09", "192.0.2.9", "24", "", "", 0), HV_GUID_NOTFOUND);
	fake_set_ip_result = -1;
	assert_int_equal(set_ip("eth0", "192.0.2.9", "24", "", "", 0), HV_E_FAIL);
	fake_set_ip_result = 0;
	/* what never reaches the hook */
	fake_set_ips = 0;
	assert_int_equal(set_ip("eth0", "", "", "", "", 0), HV_E_FAIL);	/* nothing to do */
	assert_int_equal(set_ip("eth0", "192.0.2.9", "", "", "", 0), HV_E_FAIL);	/* no mask */
	assert_int_equal(set_ip("eth0", "192.0.2.9", "255.0.255.0", "", "", 0), HV_E_FAIL);
	assert_int_equal(set_ip("eth0", "192.0.2.9", "33", "", "", 0), HV_E_FAIL);
	assert_int_equal(set_ip("eth0", "2001:db8::9", "129", "", "", 0), HV_E_FAIL);
	assert_int_equal(set_ip("eth0", "2001:db8::9", "255.255.255.0", "", "", 0), HV_E_FAIL);
	assert_int_equal(set_ip("eth0", "192.0.2.9 -rf", "24", "", "", 0), HV_E_FAIL);
	assert_int_equal(set_ip("eth0", "192.0.2.9", "24", "$(reboot)", "", 0), HV_E_FAIL);
	assert_int_equal(set_ip("eth0", "192.0.2.9", "24", "", "--dns", 0), HV_E_FAIL);
	assert_int_equal(set_ip("eth0", "192.0.2.9", "24", "1.1.1.1;1.1.1.2;1.1.1.3;1.1.1.4;1.1.1.5",
				"", 0), HV_E_FAIL);	/* too many gateways */
	assert_int_equal(set_ip("", "192.0.2.9", "24", "", "", 0), HV_INVALIDARG);	/* no adapter */
	memset(kin.body.ip.dns_addr, 'x', sizeof(kin.body.ip.dns_addr));	/* no end */
	assert_int_equal(kvp_do(), HV_INVALIDARG);
	assert_int_equal(fake_set_ips, 0);
}

/* Every host field is checked; nothing unchecked reaches the pool file. */
static void test_kvp_bad_messages(void **state)
{
	kvp_ctx_init();
	/* a key without its NUL within key_size */
	kvp_msg(IC_KVP_OP_SET, 0);
	memset(kin.body.get_set.key, 'k', sizeof(kin.body.get_set.key));
	kin.body.get_set.key_size = 512;
	strcpy((char *)kin.body.get_set.value, "v");
	kin.body.get_set.value_size = 2;
	assert_int_equal(kvp_do(), HV_INVALIDARG);
	/* key_size shorter than the string: the NUL is not within it */
	kvp_set(0, "abc", "v");
	kvp_msg(IC_KVP_OP_SET, 0);
	kvp_key(&kin.body.get_set, "abcdef", "v");
	kin.body.get_set.key_size = 3;
	assert_int_equal(kvp_do(), HV_INVALIDARG);
	/* a value without its end */
	kvp_msg(IC_KVP_OP_SET, 0);
	kvp_key(&kin.body.get_set, "k", NULL);
	memset(kin.body.get_set.value, 'v', sizeof(kin.body.get_set.value));
	kin.body.get_set.value_size = 0xffffffff;
	assert_int_equal(kvp_do(), HV_INVALIDARG);
	/* empty key; key_size 0 */
	kvp_msg(IC_KVP_OP_GET, 0);
	kin.body.get_set.key_size = 1;
	assert_int_equal(kvp_do(), HV_INVALIDARG);
	kin.body.get_set.key_size = 0;
	assert_int_equal(kvp_do(), HV_INVALIDARG);
	/* pool 5 and 255 */
	assert_int_equal(kvp_set(5, "k", "v"), HV_INVALIDARG);
	assert_int_equal(kvp_set(255, "k", "v"), HV_INVALIDARG);
	assert_int_equal(access(path_of(".kvp_pool_5"), F_OK), -1);
	/* unknown operation, short and long messages: answered, failed */
	kvp_msg(77, 0);
	assert_int_equal(kvp_do(), HV_E_FAIL);
	assert_int_equal(kvp_handle(&kctx, &kin, 100, &kout), KVP_ANSWER);
	assert_int_equal((uint32_t)kout.error, HV_E_FAIL);
	assert_int_equal(kvp_handle(&kctx, &kin, 0, &kout), KVP_ANSWER);
	assert_int_equal((uint32_t)kout.error, HV_E_FAIL);
	/* only "abc" made it into the file */
	assert_int_equal(file_read(".kvp_pool_0", &kout, sizeof(kout)), 2560);
}

static void test_kvp_pool_limits(void **state)
{
	struct kvp_pool_data p;
	char key[600];

	memset(&p, 0, sizeof(p));
	memset(key, 'k', sizeof(key));
	key[512] = '\0';
	assert_int_equal(kvp_pool_set(&p, key, "v"), -1);	/* 512 bytes and the NUL: too long */
	key[511] = '\0';
	assert_int_equal(kvp_pool_set(&p, key, "v"), 0);	/* 511 and the NUL fit */
	assert_int_equal(kvp_pool_set(&p, "", "v"), -1);
	for (int i = 0; i < KVP_POOL_MAX_RECORDS + 10; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		if (kvp_pool_set(&p, key, "v"))
			break;
	}
	assert_int_equal(p.n, KVP_POOL_MAX_RECORDS);
	kvp_pool_free(&p);
}

static void test_kvp_text_parsers(void **state)
{
	char name[64] = "Linux", ver[64] = "", out[256];

	kvp_os_release_parse("# c\nNAME=\"Debian GNU/Linux\"\nVERSION_ID='12'\nX=1\n", name,
			     sizeof(name), ver, sizeof(ver));
	assert_string_equal(name, "Debian GNU/Linux");
	assert_string_equal(ver, "12");
	kvp_os_release_parse("NAME=a\\\"b\\\\c", name, sizeof(name), ver, sizeof(ver));
	assert_string_equal(name, "a\"b\\c");
	kvp_os_release_parse("NAME=\"0123456789012345678901234567890123456789\"", name, 8, ver,
			     sizeof(ver));
	assert_string_equal(name, "0123456");	/* cut to its buffer */
	kvp_resolv_parse("# x\nnameserver 10.0.2.3\nsearch a\nnameserver fe80::1\n", out, sizeof(out));
	assert_string_equal(out, "10.0.2.3;fe80::1");
	kvp_route_gateway("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
			  "eth0\t00000000\t0202000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
			  "eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n",
			  "eth0", out, sizeof(out));
	assert_string_equal(out, "10.0.2.2");
	kvp_route_gateway("eth1\t00000000\t0202000A\t0003\t0\t0\t0\t00000000\n", "eth0", out,
			  sizeof(out));
	assert_string_equal(out, "");
	assert_true(kvp_mac_equal("00:15:5D:aa:BB:0c", "00-15-5d-AA-bb-0C"));
	assert_false(kvp_mac_equal("00:15:5D:aa:BB:0c", "00:15:5D:aa:BB:0"));
	out[0] = '\0';
	assert_true(kvp_list_add(out, 6, "ab"));
	assert_true(kvp_list_add(out, 6, "c"));
	assert_false(kvp_list_add(out, 6, "d"));	/* "ab;c;d" + NUL needs 7 */
	assert_string_equal(out, "ab;c");
}

/* The running system's facts: os-release under a root of our own, uname, getifaddrs. */
static void test_kvp_sysinfo(void **state)
{
	static struct kvp_sysinfo si;
	struct kvp_ip_info ip;
	struct utsname u;
	char buf[2048];

	assert_int_equal(mkdir(path_of("etc"), 0755), 0);
	file_write("etc/os-release", "NAME=\"Test OS\"\nVERSION_ID=\"3.14\"\n", 31);
	si.root = tmpdir;
	kvp_sysinfo_read(&si);
	assert_string_equal(si.os_name, "Test OS");
	assert_string_equal(si.os_major, "3.14");
	assert_int_equal(uname(&u), 0);
	assert_int_equal(kvp_sys_auto_value(&si, KVP_AUTO_ARCH, buf, sizeof(buf)), 0);
	assert_string_equal(buf, u.machine);
	assert_int_equal(kvp_sys_auto_value(&si, KVP_AUTO_OS_BUILD, buf, sizeof(buf)), 0);
	assert_string_equal(buf, u.release);
	assert_int_equal(kvp_sys_auto_value(&si, KVP_AUTO_OS_VERSION, buf, sizeof(buf)), 0);
	assert_null(strchr(buf, '-'));	/* x.y.z only */
	assert_int_equal(kvp_sys_auto_value(&si, KVP_AUTO_IPV4, buf, sizeof(buf)), 0);
	assert_null(strstr(buf, "127.0.0.1"));	/* no loopback */
	assert_int_equal(kvp_sys_auto_value(&si, KVP_AUTO_FQDN, buf, sizeof(buf)), 0);
	assert_true(buf[0]);
	assert_int_equal(kvp_sys_auto_value(&si, KVP_AUTO_COUNT, buf, sizeof(buf)), -1);
	memset(&ip, 0, sizeof(ip));
	assert_int_equal(kvp_sys_ip_info(&si, "fe:ff:ff:ff:ff:fe", &ip), -1);	/* no such NIC */
}

/* ---- VSS ------------------------------------------------------------- */

static int fake_freezes, fake_thaws, fake_freeze_fails;

static int fake_freeze(void *arg)
{
	fake_freezes++;
	return fake_freeze_fails ? -1 : 0;
}

static int fake_thaw(void *arg)
{
	fake_thaws++;
	return 0;
}

static uint32_t vss_do(struct vss_ctx *c, int op)
{
	struct vss_msg in = { .hdr.operation = (uint8_t)op }, out;

	assert_int_equal(vss_handle(c, &in, sizeof(in), &out), sizeof(out));
	return (uint32_t)out.error;
}

static void test_vss_freeze_thaw(void **state)
{
	struct vss_ctx c = { .ops = { fake_freeze, fake_thaw, NULL } };
	struct vss_msg in = { .hdr.operation = IC_VSS_OP_HOT_BACKUP }, out;
	uint32_t ver = 129;

	fake_freezes = fake_thaws = fake_freeze_fails = 0;
	assert_int_equal(vss_handle(&c, &ver, sizeof(ver), &out), 0);	/* the kernel's version */
	assert_int_equal(vss_do(&c, IC_VSS_OP_FREEZE), HV_S_OK);
	assert_true(c.frozen);
	assert_int_equal(vss_do(&c, IC_VSS_OP_FREEZE), HV_S_OK);	/* frozen already */
	assert_int_equal(fake_freezes, 1);
	assert_int_equal(vss_do(&c, IC_VSS_OP_THAW), HV_S_OK);
	assert_false(c.frozen);
	assert_int_equal(fake_thaws, 1);
	fake_freeze_fails = 1;
	assert_int_equal(vss_do(&c, IC_VSS_OP_FREEZE), HV_E_FAIL);
	assert_false(c.frozen);
	assert_int_equal(vss_handle(&c, &in, sizeof(in), &out), sizeof(out));
	assert_int_equal(out.error, 0);
	assert_int_equal(out.flags, IC_VSS_HBU_NO_AUTO_RECOVERY);
	assert_int_equal(vss_do(&c, IC_VSS_OP_AUTO_RECOVER), HV_E_FAIL);
	assert_int_equal(vss_do(&c, 200), HV_E_FAIL);
	/* a short message: answered with a failure, nothing frozen */
	assert_int_equal(vss_handle(&c, &in, 5, &out), sizeof(out));
	assert_int_equal((uint32_t)out.error, HV_E_FAIL);
	assert_int_equal(fake_freezes, 2);
}

/*
 * ovb-vssd died while frozen and its watchdog thawed: the watchdog answers
 * the host's THAW on the device (success: thawed), refuses a FREEZE, and
 * then lets the device go. Before, nobody answered and `ovbctl thaw`
 * failed although the guest was thawed.
 */
static void test_vss_standin_after_death(void **state)
{
	struct vss_msg fr = { .hdr.operation = IC_VSS_OP_FREEZE }, th = { .hdr.operation = IC_VSS_OP_THAW };
	struct vss_msg a;
	int sv[2];

	(void)state;
	fake_thaws = 0;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(write(sv[1], &fr, sizeof(fr)), (ssize_t)sizeof(fr));
	assert_int_equal(write(sv[1], &th, sizeof(th)), (ssize_t)sizeof(th));
	assert_int_equal(vss_standin_serve(sv[0], 5000, fake_thaw, NULL), 1);
	assert_int_equal(read(sv[1], &a, sizeof(a)), (ssize_t)sizeof(a));
	/* (the answer's status is in the header's place) */
	assert_int_equal((uint32_t)a.error, HV_E_FAIL);	/* nobody would hold it */
	assert_int_equal(read(sv[1], &a, sizeof(a)), (ssize_t)sizeof(a));
	assert_int_equal((uint32_t)a.error, HV_S_OK);
	assert_int_equal(fake_thaws, 1);
	/* no THAW comes: it gives up after its time and answers nothing */
	assert_int_equal(vss_standin_serve(sv[0], 100, fake_thaw, NULL), 0);
	/* the device goes: it stops */
	close(sv[1]);
	assert_int_equal(vss_standin_serve(sv[0], 5000, fake_thaw, NULL), 0);
	close(sv[0]);
}

static void test_vss_mount_rules(void **state)
{
	struct vss_mount m;

	assert_int_equal(vss_mountinfo_parse("22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n", &m), 0);
	assert_string_equal(m.dir, "/");
	assert_string_equal(m.type, "ext4");
	assert_int_equal(m.major, 8);
	assert_true(vss_mount_freezable(&m));
	assert_int_equal(vss_mountinfo_parse("30 22 8:2 / /mnt/my\\040disk rw - xfs /dev/sdb rw\n", &m), 0);
	assert_string_equal(m.dir, "/mnt/my disk");
	assert_true(vss_mount_freezable(&m));
	assert_int_equal(vss_mountinfo_parse("31 22 8:3 / /ro ro,relatime - ext4 /dev/sdc ro\n", &m), 0);
	assert_false(vss_mount_freezable(&m));	/* read-only */
	assert_int_equal(vss_mountinfo_parse("32 22 8:4 / /x rw - ext4 /dev/sdd rw,ro\n", &m), 0);
	assert_false(vss_mount_freezable(&m));	/* read-only superblock */
	assert_int_equal(vss_mountinfo_parse("38 22 8:6 / /usr ro,nosuid - ext4 /dev/sde rw\n", &m), 0);
	assert_true(vss_mount_freezable(&m));	/* a read-only bind (ProtectSystem=) of a writable one */
	assert_int_equal(vss_mountinfo_parse("33 22 0:5 / /tmp rw,nosuid - tmpfs tmpfs rw\n", &m), 0);
	assert_false(vss_mount_freezable(&m));	/* pseudo */
	assert_int_equal(vss_mountinfo_parse("34 22 0:6 / /n rw - nfs4 srv:/e rw\n", &m), 0);
	assert_false(vss_mount_freezable(&m));	/* network */
	assert_int_equal(vss_mountinfo_parse("35 22 7:0 / /l rw - ext4 /dev/loop0 rw\n", &m), 0);
	assert_false(vss_mount_freezable(&m));	/* loop */
	assert_int_equal(vss_mountinfo_parse("36 22 8:5 / /boot/efi rw - vfat /dev/sda15 rw\n", &m), 0);
	assert_false(vss_mount_freezable(&m));
	assert_int_equal(vss_mountinfo_parse("37 22 8:5 / /x rw shared:1 master:2\n", &m), -1);
	assert_int_equal(vss_mountinfo_parse("37 22 8:5\n", &m), -1);
	assert_int_equal(vss_mountinfo_parse("", &m), -1);
}

/* ---- fcopy ----------------------------------------------------------- */

static struct fcopy_state fc;
static unsigned char fmsg[sizeof(struct fcopy_write) + 16];

static void put_name(void *field, const char *s)
{
	memset(field, 0, 2 * IC_FCOPY_MAX_PATH);
	memcpy(field, s, strlen(s));
}

static uint32_t fc_do(const void *m, size_t len)
{
	uint32_t st;

	assert_int_equal(fcopy_handle(&fc, m, len, &st), sizeof(st));
	return st;
}

static uint32_t fc_start(const char *path, const char *file, uint32_t flags, uint64_t size)
{
	struct fcopy_start *s = (void *)fmsg;

	memset(fmsg, 0, sizeof(fmsg));
	s->hdr.operation = IC_FCOPY_START;
	put_name((uint8_t *)s + offsetof(struct fcopy_start, path_name), path);
	put_name((uint8_t *)s + offsetof(struct fcopy_start, file_name), file);
	s->copy_flags = flags;
	s->file_size = size;
	return fc_do(s, sizeof(*s));
}

static uint32_t fc_write(uint64_t off, const char *data)
{
	struct fcopy_write *w = (void *)fmsg;

	memset(fmsg, 0, sizeof(fmsg));
	w->hdr.operation = IC_FCOPY_WRITE;
	w->offset = off;
	w->size = (uint32_t)strlen(data);
	memcpy(w->data, data, w->size);
	return fc_do(w, sizeof(*w));
}

static uint32_t fc_op(uint32_t op)
{
	struct fcopy_hdr h = { .operation = op };

	return fc_do(&h, sizeof(h));
}

static void fc_init(void)
{
	uint32_t ver = 1;
	uint32_t st;

	fcopy_init(&fc, tmpfd);
	assert_int_equal(fcopy_handle(&fc, &ver, sizeof(ver), &st), 0);
}

static void assert_file(const char *rel, const char *content)
{
	char buf[256];
	size_t n = file_read(rel, buf, sizeof(buf) - 1);

	assert_true(n != (size_t)-1);
	buf[n] = '\0';
	assert_string_equal(buf, content);
}

static void test_fcopy_copy_and_create_path(void **state)
{
	fc_init();
	assert_int_equal(fc_start("/a/b/", "f.txt", IC_FCOPY_CREATE_PATH, 11), HV_S_OK);
	assert_int_equal(fc_write(6, "world"), HV_S_OK);
	assert_int_equal(fc_write(0, "hello "), HV_S_OK);
	assert_int_equal(fc_op(IC_FCOPY_COMPLETE), HV_S_OK);
	assert_file("a/b/f.txt", "hello world");
	/* without CREATE_PATH a missing directory fails */
	assert_int_equal(fc_start("/nope", "f", 0, 1), HV_E_FAIL);
	assert_int_equal(access(path_of("nope"), F_OK), -1);
	/* an empty file */
	assert_int_equal(fc_start("/a", "empty", 0, 0), HV_S_OK);
	assert_int_equal(fc_op(IC_FCOPY_COMPLETE), HV_S_OK);
	assert_file("a/empty", "");
	assert_int_equal(fc.files, 2);
}

static void test_fcopy_exists_and_overwrite(void **state)
{
	fc_init();
	file_write("old", "old content", 11);
	assert_int_equal(fc_start("/", "old", 0, 3), HV_ERROR_ALREADY_EXISTS);
	assert_file("old", "old content");
	/* with OVERWRITE the old file is whole until COMPLETE */
	assert_int_equal(fc_start("/", "old", IC_FCOPY_OVERWRITE, 3), HV_S_OK);
	assert_int_equal(fc_write(0, "new"), HV_S_OK);
	assert_file("old", "old content");
	assert_int_equal(fc_op(IC_FCOPY_COMPLETE), HV_S_OK);
	assert_file("old", "new");
	/* a cancelled overwrite leaves the old file and no hidden one */
	assert_int_equal(fc_start("/", "old", IC_FCOPY_OVERWRITE, 3), HV_S_OK);
	assert_int_equal(fc_write(0, "xyz"), HV_S_OK);
	assert_int_equal(fc_op(IC_FCOPY_CANCEL), HV_S_OK);
	assert_file("old", "new");
	{
		DIR *d = opendir(tmpdir);
		struct dirent *e;
		int n = 0;

		while ((e = readdir(d)))
			n += e->d_name[0] != '.' || strncmp(e->d_name, ".ovb-fcopy", 10) == 0;
		closedir(d);
		assert_int_equal(n, 1);	/* only "old" */
	}
	/* a directory is never replaced */
	assert_int_equal(mkdir(path_of("dir"), 0755), 0);
	assert_int_equal(fc_start("/", "dir", IC_FCOPY_OVERWRITE, 1), HV_ERROR_ALREADY_EXISTS);
}

static void test_fcopy_symlinks_not_followed(void **state)
{
	char buf[64];

	fc_init();
	file_write("target", "secret", 6);
	snprintf(buf, sizeof(buf), "%s", path_of("target"));
	assert_int_equal(symlink(buf, path_of("link")), 0);
	assert_int_equal(fc_start("/", "link", 0, 3), HV_ERROR_ALREADY_EXISTS);
	assert_file("target", "secret");
	/* a dangling link: still not followed (O_EXCL|O_NOFOLLOW) */
	snprintf(buf, sizeof(buf), "%s", path_of("nothere"));
	assert_int_equal(symlink(buf, path_of("dangling")), 0);
	assert_int_equal(fc_start("/", "dangling", 0, 3), HV_ERROR_ALREADY_EXISTS);
	assert_int_equal(access(path_of("nothere"), F_OK), -1);
	/* OVERWRITE replaces the link itself, not what it points to */
	assert_int_equal(fc_start("/", "link", IC_FCOPY_OVERWRITE, 3), HV_S_OK);
	assert_int_equal(fc_write(0, "abc"), HV_S_OK);
	assert_int_equal(fc_op(IC_FCOPY_COMPLETE), HV_S_OK);
	assert_file("target", "secret");
	assert_file("link", "abc");
	assert_int_equal(readlink(path_of("link"), buf, sizeof(buf)), -1);	/* a file now */
}

static void test_fcopy_partial_removed(void **state)
{
	fc_init();
	/* cancel */
	assert_int_equal(fc_start("/", "p1", 0, 10), HV_S_OK);
	assert_int_equal(fc_write(0, "12345"), HV_S_OK);
	assert_int_equal(fc_op(IC_FCOPY_CANCEL), HV_S_OK);
	assert_int_equal(access(path_of("p1"), F_OK), -1);
	/* a fragment past the announced size */
	assert_int_equal(fc_start("/", "p2", 0, 4), HV_S_OK);
	assert_int_equal(fc_write(2, "345"), HV_E_FAIL);
	assert_int_equal(access(path_of("p2"), F_OK), -1);
	assert_int_equal(fc_write(0, "1"), HV_E_FAIL);	/* no copy under way now */
	/* COMPLETE short of the size */
	assert_int_equal(fc_start("/", "p3", 0, 4), HV_S_OK);
	assert_int_equal(fc_write(0, "12"), HV_S_OK);
	assert_int_equal(fc_op(IC_FCOPY_COMPLETE), HV_E_FAIL);
	assert_int_equal(access(path_of("p3"), F_OK), -1);
	/* a new START while one is under way */
	assert_int_equal(fc_start("/", "p4", 0, 4), HV_S_OK);
	assert_int_equal(fc_start("/", "p5", 0, 1), HV_S_OK);
	assert_int_equal(access(path_of("p4"), F_OK), -1);
	/* a malformed fragment ends the copy too */
	{
		struct fcopy_write *w = (void *)fmsg;

		memset(fmsg, 0, sizeof(fmsg));
		w->hdr.operation = IC_FCOPY_WRITE;
		w->size = IC_FCOPY_FRAGMENT + 1;
		assert_int_equal(fc_do(w, sizeof(*w)), HV_E_FAIL);
	}
	assert_int_equal(access(path_of("p5"), F_OK), -1);
	assert_int_equal(fc_op(IC_FCOPY_COMPLETE), HV_E_FAIL);
	assert_int_equal(fc.failures, 5);
}

static void test_fcopy_bad_names_and_messages(void **state)
{
	struct fcopy_req r;
	struct fcopy_start *s = (void *)fmsg;
	struct fcopy_write *w = (void *)fmsg;

	fc_init();
	assert_int_equal(fc_start("/a/../..", "f", IC_FCOPY_CREATE_PATH, 1), HV_INVALIDARG);
	assert_int_equal(fc_start("relative", "f", IC_FCOPY_CREATE_PATH, 1), HV_INVALIDARG);
	assert_int_equal(fc_start("/", "a/b", 0, 1), HV_INVALIDARG);
	assert_int_equal(fc_start("/", "..", 0, 1), HV_INVALIDARG);
	assert_int_equal(fc_start("/", "", 0, 1), HV_INVALIDARG);
	/* names without their NUL within the field */
	fc_start("/", "x", 0, 0);
	memset(s->file_name, 'a', sizeof(s->file_name));
	assert_int_equal(fcopy_parse(s, sizeof(*s), &r), -1);
	assert_int_equal(fc_do(s, sizeof(*s)), HV_E_FAIL);
	fc_start("/", "x", 0, 0);
	memset(s->path_name, '/', sizeof(s->path_name));
	assert_int_equal(fcopy_parse(s, sizeof(*s), &r), -1);
	/* short messages */
	fc_start("/", "x", 0, 0);
	assert_int_equal(fcopy_parse(s, sizeof(*s) - 1, &r), -1);
	assert_int_equal(fcopy_parse(s, 2, &r), -1);
	fc_write(0, "abc");
	assert_int_equal(fcopy_parse(w, offsetof(struct fcopy_write, data) + 2, &r), -1);
	assert_int_equal(fcopy_parse(w, offsetof(struct fcopy_write, data) + 3, &r), 0);
	w->offset = UINT64_MAX - 1;
	assert_int_equal(fcopy_parse(w, sizeof(*w), &r), -1);	/* offset + size wraps */
	w->hdr.operation = 9;
	assert_int_equal(fcopy_parse(w, sizeof(*w), &r), -1);
	/* nothing was created */
	{
		DIR *d = opendir(tmpdir);
		int n = 0;

		while (readdir(d))
			n++;
		closedir(d);
		assert_int_equal(n, 3);	/* ., .., and "x" from the valid START above */
	}
}

/* ---- the loop, over a socketpair standing for the device -------------- */

static void test_serve_over_socketpair(void **state)
{
	int sv[2];
	struct fcopy_start s;
	struct fcopy_hdr h = { .operation = IC_FCOPY_COMPLETE };
	uint32_t ver = 1, st[2];
	int sigfd = ovbd_signalfd();

	fc_init();
	fc.kernel_version = 0;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	memset(&s, 0, sizeof(s));
	s.hdr.operation = IC_FCOPY_START;
	put_name((uint8_t *)&s + offsetof(struct fcopy_start, path_name), "/");
	put_name((uint8_t *)&s + offsetof(struct fcopy_start, file_name), "served");
	assert_int_equal(write(sv[1], &ver, sizeof(ver)), 4);	/* the kernel's version: no answer */
	assert_int_equal(write(sv[1], &s, sizeof(s)), (ssize_t)sizeof(s));
	assert_int_equal(write(sv[1], &h, sizeof(h)), (ssize_t)sizeof(h));
	shutdown(sv[1], SHUT_WR);
	assert_int_equal(ovbd_serve(sv[0], sigfd, (ovbd_handler)fcopy_handle, &fc), 0);
	assert_int_equal(read(sv[1], &st[0], sizeof(st[0]) + 4), 4);
	assert_int_equal(read(sv[1], &st[1], sizeof(st[1])), 4);
	assert_int_equal(st[0], HV_S_OK);
	assert_int_equal(st[1], HV_S_OK);
	assert_file("served", "");
	close(sv[0]);
	close(sv[1]);
	close(sigfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_kvp_set_get_delete_file_format, setup),
		cmocka_unit_test_setup(test_kvp_reads_debian_pool_file, setup),
		cmocka_unit_test_setup(test_kvp_auto_pool_and_register, setup),
		cmocka_unit_test_setup(test_kvp_ip_info, setup),
		cmocka_unit_test_setup(test_kvp_set_ip_info, setup),
		cmocka_unit_test_setup(test_kvp_bad_messages, setup),
		cmocka_unit_test(test_kvp_pool_limits),
		cmocka_unit_test(test_kvp_text_parsers),
		cmocka_unit_test_setup(test_kvp_sysinfo, setup),
		cmocka_unit_test(test_vss_freeze_thaw),
		cmocka_unit_test(test_vss_standin_after_death),
		cmocka_unit_test(test_vss_mount_rules),
		cmocka_unit_test_setup(test_fcopy_copy_and_create_path, setup),
		cmocka_unit_test_setup(test_fcopy_exists_and_overwrite, setup),
		cmocka_unit_test_setup(test_fcopy_symlinks_not_followed, setup),
		cmocka_unit_test_setup(test_fcopy_partial_removed, setup),
		cmocka_unit_test_setup(test_fcopy_bad_names_and_messages, setup),
		cmocka_unit_test_setup(test_serve_over_socketpair, setup),
	};
	int ret;

	ovbd_log_init("guest_daemons_test", false);
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	setup(NULL);
	rmdir(tmpdir);
	return ret;
}
