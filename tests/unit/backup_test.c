// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * `ovbctl backup` (hostside/backup.c) as ovb-host offers it, over the real
 * server, storvsp with a sparse raw disk (--disk) and the VSS VSP (--vss
 * 2), the fake guest playing hv_snapshot.c + hv_vss_daemon. The daemon
 * records what it was asked and what it saw of the copy at each step:
 * at FREEZE no copy exists yet, at THAW the copy is whole, so the copy
 * was taken while frozen and the guest thawed after it. Then the ways it
 * must fail cleanly: no VSS daemon (nothing frozen, DIR left as it was),
 * a daemon that refuses, a copy that fails half-way (thawed all the same),
 * a DIR that is not empty or not absolute; and --crash-consistent, which
 * copies without a daemon and says so; a backup's freeze that outlasts --vss
 * SECONDS is not thawed by the host's timer (the backup thaws).
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hostside/backup.h"
#include "hostside/ctl/ctl.h"
#include "hostside/disk/vhd.h"
#include "hostside/icvsp/vss.h"
#include "ovb/ic_vss.h"
#include "tests/unit/channel_info.h"
#include "tests/unit/devenv.h"

int log_verbose;

#define DISK_SIZE	(4u << 20)	/* devenv's images */

struct guest {
	struct devenv e;
	struct ctl *ctl;
	struct fg_chan g;
	pthread_t thread;
	volatile int stop;
	char dir[128], copy[192];	/* the backup's DIR and its copy of LUN 0 */
	/* the daemon */
	volatile int refuse;		/* answer FREEZE with a failure */
	volatile int intrude;		/* at FREEZE, put a file where the copy goes */
	uint8_t ops[8];
	volatile unsigned int nops;
	off_t copy_at_freeze, copy_at_thaw;	/* the copy's size then, -1: none */
};

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

static void vss_answer(struct guest *gu, uint8_t *pkt, uint32_t len, uint64_t tid)
{
	uint32_t off = ((struct ovb_vmpacket_desc *)pkt)->offset8 * 8u;
	uint8_t *ic = pkt + off;
	struct icmsg_hdr *h = (void *)(ic + sizeof(struct vmbuspipe_hdr));
	struct vss_msg *v = (void *)(ic + ICMSG_HDR_SIZE);
	uint64_t one = 1;
	ovb_bool sig;

	if (h->icmsgtype == ICMSGTYPE_NEGOTIATE) {
		assert_int_equal(fg_ic_answer(&gu->g, pkt, len, tid, IC_VSS_VERSION_5), 0);
		return;
	}
	assert_int_equal(h->icmsgtype, ICMSGTYPE_VSS);
	assert_true(len - off >= ICMSG_HDR_SIZE + sizeof(*v));
	if (v->hdr.operation == IC_VSS_OP_FREEZE) {
		gu->copy_at_freeze = size_of(gu->copy);
		if (gu->intrude)
			close(open(gu->copy, O_CREAT | O_WRONLY, 0600));
	} else if (v->hdr.operation == IC_VSS_OP_THAW) {
		gu->copy_at_thaw = size_of(gu->copy);
	}
	if (gu->nops < sizeof(gu->ops))
		gu->ops[gu->nops++] = v->hdr.operation;
	h->icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
	h->status = gu->refuse && v->hdr.operation == IC_VSS_OP_FREEZE ? IC_STATUS_FAIL :
		    IC_STATUS_OK;
	assert_int_equal(ovb_ring_tx_inband(&gu->g.tx, OVB_VMPKT_DATA_INBAND, 0, tid, ic,
					    len - off, &sig), 0);
	assert_int_equal(write(gu->g.fd, &one, sizeof(one)), sizeof(one));
}

static void *guest_main(void *arg)
{
	struct guest *gu = arg;
	static uint8_t buf[16384];
	uint64_t tid;
	uint32_t len;

	while (!gu->stop)
		if ((len = fg_chan_recv(&gu->g, buf, sizeof(buf), &tid, 50)))
			vss_answer(gu, buf, len, tid);
	return NULL;
}

static struct json_object *at(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("no '%s' in %s", k, json_object_to_json_string(o));
	return v;
}

static bool vss_negotiated(struct guest *gu)
{
	struct json_object *s = devenv_status(&gu->e, "vss");
	bool up = json_object_get_boolean(at(s, "negotiated"));

	json_object_put(s);
	return up;
}

static bool vss_frozen(struct guest *gu)
{
	struct json_object *s = devenv_status(&gu->e, "vss");
	bool frozen = json_object_get_boolean(at(s, "frozen"));

	json_object_put(s);
	return frozen;
}

/* The guest connects; with @daemon it opens the VSS channel and answers on it. */
static void start_guest(struct guest *gu, bool daemon)
{
	uint32_t relid = 0;
	uint64_t pfn;

	devenv_connect(&gu->e, 0x50003);
	if (!daemon)
		return;
	for (uint32_t r = 1; r < 16 && !relid; r++) {
		struct vmbus_channel_info i = channel_info_of(gu->e.srv, r);

		if (i.state && !strcmp(i.device, "vss"))
			relid = r;
	}
	assert_true(relid);
	pfn = devenv_open(&gu->e, relid, 40);
	assert_int_equal(fg_chan_init(gu->e.fg, &gu->g, pfn, 4, 0x10000 + relid), 0);
	assert_int_equal(pthread_create(&gu->thread, NULL, guest_main, gu), 0);
	for (int i = 0; i < 300 && !vss_negotiated(gu); i++)
		usleep(10000);
	assert_true(vss_negotiated(gu));
}

/* Some data with holes around it: a 4 MiB image, 2 MiB of it sparse. */
static void fill_disk(struct guest *gu)
{
	static uint8_t data[256 << 10];
	int fd = open(gu->e.img[0], O_WRONLY);

	assert_true(fd >= 0);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + (i >> 9));
	assert_int_equal(pwrite(fd, data, sizeof(data), 0), sizeof(data));
	assert_int_equal(pwrite(fd, data, sizeof(data), 3 << 20), sizeof(data));
	close(fd);
}

static int setup(void **state)
{
	struct guest *gu = calloc(1, sizeof(*gu));

	devenv_setup_some(&gu->e, "disk vss");	/* --disk img[0], --vss 2 */
	gu->ctl = ctl_new();
	assert_non_null(gu->ctl);
	assert_int_equal(host_devices_ctl_add(gu->e.devs, gu->ctl), 0);
	assert_int_equal(backup_ctl_add(gu->ctl, gu->e.devs), 0);
	snprintf(gu->dir, sizeof(gu->dir), "%s/bk", gu->e.dir);
	snprintf(gu->copy, sizeof(gu->copy), "%s/lun0-d0.img", gu->dir);
	gu->copy_at_freeze = gu->copy_at_thaw = -2;	/* never asked */
	fill_disk(gu);
	*state = gu;
	return 0;
}

static int teardown(void **state)
{
	struct guest *gu = *state;
	char cmd[256];

	gu->stop = 1;
	if (gu->thread)
		pthread_join(gu->thread, NULL);
	ctl_free(gu->ctl);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", gu->dir);
	assert_int_equal(system(cmd), 0);
	devenv_teardown(&gu->e);
	free(gu);
	return 0;
}

static struct json_object *backup(struct guest *gu, const char *extra)
{
	char line[CTL_MAX_LINE];

	snprintf(line, sizeof(line), "backup %s%s", gu->dir, extra);
	return ctl_request(gu->ctl, line, strlen(line));
}

static const char *error_of(struct json_object *o)
{
	struct json_object *v;

	return json_object_object_get_ex(o, "error", &v) ? json_object_get_string(v) : NULL;
}

/* 0 if @line succeeded. */
static int ctl_request_ok(struct guest *gu, const char *line)
{
	struct json_object *o = ctl_request(gu->ctl, line, strlen(line));
	int ret = error_of(o) ? -1 : 0;

	json_object_put(o);
	return ret;
}

static void expect_error(struct json_object *o, const char *what)
{
	if (!error_of(o) || !strstr(error_of(o), what))
		fail_msg("'%s', not an error with '%s'", json_object_to_json_string(o), what);
	json_object_put(o);
}

static void sha256_of(const char *path, char hex[65])
{
	unsigned char md[32], buf[65536];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int fd = open(path, O_RDONLY);
	unsigned int len = 0;
	ssize_t n;

	assert_true(fd >= 0);
	assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(c, buf, (size_t)n);
	assert_int_equal(n, 0);
	assert_int_equal(EVP_DigestFinal_ex(c, md, &len), 1);
	for (unsigned int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(c);
	close(fd);
}

/* The copy is the image byte for byte, and the manifest says what it is. */
static void check_backup(struct guest *gu, const char *mode)
{
	char path[256], sum[65], *real = realpath(gu->e.img[0], NULL);
	struct json_object *m, *d;
	const char *method;

	snprintf(path, sizeof(path), "%s/manifest.json", gu->dir);
	m = json_object_from_file(path);
	assert_non_null(m);
	assert_string_equal(json_object_get_string(at(m, "mode")), mode);
	assert_int_equal(json_object_array_length(at(m, "disks")), 1);
	d = json_object_array_get_idx(at(m, "disks"), 0);
	assert_int_equal(json_object_get_int(at(d, "lun")), 0);
	assert_string_equal(json_object_get_string(at(d, "source")), real);
	assert_string_equal(json_object_get_string(at(d, "format")), "raw");
	assert_string_equal(json_object_get_string(at(d, "file")), "lun0-d0.img");
	assert_int_equal(json_object_get_int64(at(d, "size")), DISK_SIZE);
	method = json_object_get_string(at(d, "method"));
	assert_true(!strcmp(method, "reflink") || !strcmp(method, "sparse-copy"));
	assert_true(json_object_is_type(at(d, "copy_s"), json_type_double));
	assert_true(json_object_is_type(at(m, "io_held_s"), json_type_double));
	assert_int_equal(size_of(gu->copy), DISK_SIZE);
	sha256_of(gu->e.img[0], sum);
	assert_string_equal(json_object_get_string(at(d, "sha256")), sum);
	sha256_of(gu->copy, sum);
	assert_string_equal(json_object_get_string(at(d, "sha256")), sum);
	/* Holes stayed holes: 512 KiB of data (a reflink shares the same extents). */
	{
		struct stat st;

		assert_int_equal(stat(gu->copy, &st), 0);
		assert_true((uint64_t)st.st_blocks * 512 < DISK_SIZE / 2);
	}
	json_object_put(m);
	free(real);
}

static void test_backup_frozen(void **state)
{
	struct guest *gu = *state;
	struct json_object *o, *s, *l;
	char *real = realpath(gu->e.img[0], NULL);

	start_guest(gu, true);
	o = backup(gu, "");
	if (error_of(o))
		fail_msg("backup: %s", error_of(o));
	assert_string_equal(json_object_get_string(at(o, "mode")), "application-consistent");
	assert_true(json_object_is_type(at(o, "frozen_s"), json_type_double));
	json_object_put(o);
	check_backup(gu, "application-consistent");
	/* Frozen, copied, thawed: in that order. */
	assert_int_equal(gu->nops, 2);
	assert_int_equal(gu->ops[0], IC_VSS_OP_FREEZE);
	assert_int_equal(gu->ops[1], IC_VSS_OP_THAW);
	assert_int_equal(gu->copy_at_freeze, -1);
	assert_int_equal(gu->copy_at_thaw, DISK_SIZE);
	assert_false(vss_frozen(gu));
	/* A second backup into the same DIR is refused: it is not empty. */
	expect_error(backup(gu, ""), "not empty");
	assert_int_equal(gu->nops, 2);
	/* status describes the disk (issue 16). */
	s = devenv_status(&gu->e, "storvsp");
	assert_int_equal(json_object_array_length(at(s, "luns")), 1);
	l = json_object_array_get_idx(at(s, "luns"), 0);
	assert_int_equal(json_object_get_int(at(l, "lun")), 0);
	assert_string_equal(json_object_get_string(at(l, "path")), real);
	assert_string_equal(json_object_get_string(at(l, "format")), "raw");
	assert_int_equal(json_object_get_int64(at(l, "size")), DISK_SIZE);
	assert_false(json_object_get_boolean(at(l, "read_only")));
	json_object_put(s);
	free(real);
}

/* No daemon answers: a clear error, nothing frozen, DIR as it was. */
static void test_backup_no_daemon(void **state)
{
	struct guest *gu = *state;

	start_guest(gu, false);
	expect_error(backup(gu, ""), "VSS service is not running");
	assert_int_equal(size_of(gu->dir), -1);		/* made, then removed again */
	assert_false(vss_frozen(gu));
	/* An empty DIR of the user's stays, empty. */
	assert_int_equal(mkdir(gu->dir, 0700), 0);
	expect_error(backup(gu, ""), "--crash-consistent");
	assert_int_equal(rmdir(gu->dir), 0);
}

static void test_backup_crash_consistent(void **state)
{
	struct guest *gu = *state;
	struct json_object *o;
	char path[256];

	start_guest(gu, false);
	o = backup(gu, " --crash-consistent");
	if (error_of(o))
		fail_msg("backup: %s", error_of(o));
	assert_string_equal(json_object_get_string(at(o, "mode")), "crash-consistent");
	assert_non_null(strstr(json_object_get_string(at(o, "not_frozen_because")), "not running"));
	json_object_put(o);
	check_backup(gu, "crash-consistent");
	snprintf(path, sizeof(path), "%s/manifest.json", gu->dir);
	o = json_object_from_file(path);
	assert_non_null(strstr(json_object_get_string(at(o, "not_frozen_because")), "not running"));
	json_object_put(o);
}

/* The daemon cannot freeze: an error, no copy, and the host's THAW follows. */
static void test_backup_refused(void **state)
{
	struct guest *gu = *state;

	start_guest(gu, true);
	gu->refuse = 1;
	expect_error(backup(gu, ""), "could not freeze");
	assert_int_equal(size_of(gu->dir), -1);
	for (int i = 0; i < 300 && gu->nops < 2; i++)
		usleep(10000);
	assert_int_equal(gu->nops, 2);
	assert_int_equal(gu->ops[1], IC_VSS_OP_THAW);
	assert_int_equal(gu->copy_at_thaw, -1);
	assert_false(vss_frozen(gu));
}

/* The copy fails while frozen (its file appeared meanwhile): thawed, ours removed, theirs kept. */
static void test_backup_copy_fails(void **state)
{
	struct guest *gu = *state;
	char path[256];

	start_guest(gu, true);
	gu->intrude = 1;
	expect_error(backup(gu, ""), "cannot create");
	assert_int_equal(gu->nops, 2);
	assert_int_equal(gu->ops[0], IC_VSS_OP_FREEZE);
	assert_int_equal(gu->ops[1], IC_VSS_OP_THAW);
	assert_false(vss_frozen(gu));
	assert_int_equal(size_of(gu->copy), 0);		/* the intruder's, untouched */
	snprintf(path, sizeof(path), "%s/manifest.json", gu->dir);
	assert_int_equal(size_of(path), -1);
}

/* A backup's freeze outlasting --vss 2: the host's own thaw holds off; the backup thaws. */
static void test_backup_freeze_held(void **state)
{
	struct guest *gu = *state;
	void *vss = host_devices_state(gu->e.devs, "vss");
	unsigned int bound = 0;
	const char *err = NULL;

	start_guest(gu, true);
	assert_int_equal(vss_backup_freeze(vss, &bound, &err), 0);
	assert_int_equal(bound, 2);
	sleep(4);
	assert_int_equal(gu->nops, 1);
	assert_true(vss_frozen(gu));
	assert_int_equal(vss_backup_thaw(vss, &err), 0);
	assert_int_equal(gu->nops, 2);
	assert_int_equal(gu->ops[1], IC_VSS_OP_THAW);
	assert_false(vss_frozen(gu));
}

/* A differencing VHD: its own file copied, its parent named in the manifest, not copied. */
static void test_backup_vhd_child(void **state)
{
	struct guest *gu = *state;
	struct vhd_create_opts base = { .type = VHD_TYPE_DYNAMIC, .size = 8u << 20 };
	struct vhd_create_opts child = { .type = VHD_TYPE_DIFFERENCING };
	char bpath[128], cpath[128], line[CTL_MAX_LINE], path[256], sum[65], *real;
	struct json_object *o, *d;
	const char *why = NULL;

	snprintf(bpath, sizeof(bpath), "%s/base.vhd", gu->e.dir);
	snprintf(cpath, sizeof(cpath), "%s/child.vhd", gu->e.dir);
	child.parent = bpath;
	assert_int_equal(vhd_create(bpath, &base, &why), 0);
	assert_int_equal(vhd_create(cpath, &child, &why), 0);
	snprintf(line, sizeof(line), "disk add %s", cpath);
	o = ctl_request(gu->ctl, line, strlen(line));
	assert_null(error_of(o));
	assert_int_equal(json_object_get_int(at(o, "lun")), 1);
	json_object_put(o);
	start_guest(gu, true);
	o = backup(gu, "");
	assert_null(error_of(o));
	json_object_put(o);
	snprintf(path, sizeof(path), "%s/manifest.json", gu->dir);
	o = json_object_from_file(path);
	assert_non_null(o);
	d = json_object_array_get_idx(at(o, "disks"), 1);
	assert_string_equal(json_object_get_string(at(d, "format")), "vhd");
	assert_string_equal(json_object_get_string(at(d, "file")), "lun1-child.vhd");
	real = realpath(bpath, NULL);
	assert_string_equal(json_object_get_string(at(d, "parent")), real);
	free(real);
	assert_null(at(json_object_array_get_idx(at(o, "disks"), 0), "parent"));
	snprintf(path, sizeof(path), "%s/lun1-child.vhd", gu->dir);
	sha256_of(path, sum);
	assert_string_equal(json_object_get_string(at(d, "sha256")), sum);
	sha256_of(cpath, sum);
	assert_string_equal(json_object_get_string(at(d, "sha256")), sum);
	json_object_put(o);
	snprintf(path, sizeof(path), "%s/lun1-base.vhd", gu->dir);
	assert_int_equal(size_of(path), -1);	/* the parent is not copied */
	/* storvsp's status names it too. */
	o = devenv_status(&gu->e, "storvsp");
	d = json_object_array_get_idx(at(o, "luns"), 1);
	assert_string_equal(json_object_get_string(at(d, "format")), "vhd");
	assert_non_null(strstr(json_object_get_string(at(d, "parent")), "/base.vhd"));
	json_object_put(o);
	assert_int_equal(ctl_request_ok(gu, "disk remove 1"), 0);
	unlink(cpath);
	unlink(bpath);
}

static void test_backup_bad_arguments(void **state)
{
	struct guest *gu = *state;
	char path[256];

	start_guest(gu, true);
	expect_error(ctl_request(gu->ctl, "backup", 6), "usage");
	expect_error(ctl_request(gu->ctl, "backup a b", 10), "usage");
	expect_error(ctl_request(gu->ctl, "backup /x --frob", 16), "usage");
	expect_error(ctl_request(gu->ctl, "backup rel/dir", 14), "absolute");
	assert_int_equal(mkdir(gu->dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/keep", gu->dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	expect_error(backup(gu, ""), "not empty");
	assert_int_equal(size_of(path), 0);
	snprintf(gu->dir + strlen(gu->dir), sizeof(gu->dir) - strlen(gu->dir), "/keep");
	expect_error(backup(gu, ""), "cannot");		/* a file, not a directory */
	assert_int_equal(gu->nops, 0);			/* never frozen */
	gu->dir[strlen(gu->dir) - 5] = '\0';
}

/*
 * Not a check: with OVB_BACKUP_BENCH_DIR set, time a crash-consistent
 * backup of a 1 GiB sparse image (64 MiB of data in 1 MiB pieces) made in
 * that directory, into a DIR there (so a reflink is possible where the
 * filesystem has them), and print the numbers.
 */
static void test_backup_bench(void **state)
{
	struct guest *gu = *state;
	const char *where = getenv("OVB_BACKUP_BENCH_DIR");
	char img[256], line[CTL_MAX_LINE], cmd[300];
	static uint8_t data[1 << 20];
	struct json_object *o, *d;
	struct timespec t0, t1;
	int fd;

	if (!where) {
		skip();
		return;
	}
	snprintf(img, sizeof(img), "%s/ovb-bench.img", where);
	snprintf(gu->dir, sizeof(gu->dir), "%s/ovb-bench.bk", where);
	fd = open(img, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1 << 30), 0);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	for (int i = 0; i < 64; i++)
		assert_int_equal(pwrite(fd, data, sizeof(data), (off_t)i * (16 << 20)), sizeof(data));
	assert_int_equal(fsync(fd), 0);
	close(fd);
	snprintf(line, sizeof(line), "disk add %.200s", img);
	json_object_put(ctl_request(gu->ctl, line, strlen(line)));
	start_guest(gu, false);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	o = backup(gu, " --crash-consistent");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (error_of(o))
		fail_msg("backup: %s", error_of(o));
	d = json_object_array_get_idx(at(o, "disks"), 1);
	printf("BENCH: 1 GiB sparse (64 MiB data) on %s: %s in %.3f s (I/O held %.3f s), "
	       "SHA-256 and fsync %.3f s, %.3f s in all\n", where,
	       json_object_get_string(at(d, "method")), json_object_get_double(at(d, "copy_s")),
	       json_object_get_double(at(o, "io_held_s")),
	       json_object_get_double(at(o, "hash_sync_s")),
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	json_object_put(o);
	snprintf(cmd, sizeof(cmd), "rm -f %s", img);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_backup_frozen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_no_daemon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_crash_consistent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_copy_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_freeze_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_vhd_child, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_bench, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
